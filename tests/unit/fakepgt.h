/*
 * x86_64 page tables inside a fakecore, for tests of kvtop and the page
 * filter: tables are taken from a range of fake physical memory and filled
 * the way the kernel fills them (present, RW, NX, optional SME C-bit).
 */
#ifndef TESTS_FAKEPGT_H
#define TESTS_FAKEPGT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakecore.h"

#define FPT_P		0x1ull
#define FPT_RW		0x2ull
#define FPT_PSE		0x80ull
#define FPT_NX		(1ull << 63)
#define FPT_ADDR	0x000ffffffffff000ull

struct fake_pgt {
	struct fakecore *fc;
	uint64_t root;		/* physical address of the top table */
	uint64_t next, end;	/* free table pages */
	int levels;
	uint64_t sme;		/* C-bit set in every entry */
};

static inline uint64_t fpt_alloc(struct fake_pgt *p)
{
	uint64_t pa = p->next;

	if (pa + FC_PAGE > p->end)
		abort();
	p->next += FC_PAGE;
	memset(p->fc->mem + pa, 0, FC_PAGE);
	return pa;
}

static inline void fpt_init(struct fake_pgt *p, struct fakecore *fc, uint64_t from,
			    uint64_t to, int levels, uint64_t sme)
{
	memset(p, 0, sizeof(*p));
	p->fc = fc;
	p->next = from;
	p->end = to;
	p->levels = levels;
	p->sme = sme;
	p->root = fpt_alloc(p);
}

static inline uint64_t *fpt_entry(struct fake_pgt *p, uint64_t table, uint64_t va, int shift)
{
	return (uint64_t *)(p->fc->mem + table + ((va >> shift) & 511) * 8);
}

/* Maps one page of size 4 KiB, 2 MiB or 1 GiB at va to pa. */
static inline void fpt_map(struct fake_pgt *p, uint64_t va, uint64_t pa, uint64_t size)
{
	int leaf = size == (1ull << 30) ? 30 : size == (1ull << 21) ? 21 : 12;
	uint64_t table = p->root;

	for (int shift = p->levels == 5 ? 48 : 39; shift > leaf; shift -= 9) {
		uint64_t *e = fpt_entry(p, table, va, shift);
		if (!(*e & FPT_P))
			*e = fpt_alloc(p) | p->sme | FPT_P | FPT_RW;
		table = *e & FPT_ADDR & ~p->sme;
	}
	*fpt_entry(p, table, va, leaf) = pa | p->sme | FPT_P | FPT_RW | FPT_NX |
					 (leaf > 12 ? FPT_PSE : 0);
}

/* The entry that maps va at the level of shift (for corrupting it). */
static inline uint64_t *fpt_find(struct fake_pgt *p, uint64_t va, int want_shift)
{
	uint64_t table = p->root;

	for (int shift = p->levels == 5 ? 48 : 39; shift >= 12; shift -= 9) {
		uint64_t *e = fpt_entry(p, table, va, shift);
		if (shift == want_shift)
			return e;
		table = *e & FPT_ADDR & ~p->sme;
	}
	return NULL;
}

#endif
