/*
 * capture/printk.c: a printk ring built the way the kernel builds it (ids and
 * logical positions starting just below their wrap, blocks that wrap, a block
 * that ends exactly at the end of the ring), read back and compared with the
 * text written; then corrupt rings, which must be skipped or refused cleanly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/printk.h"
#include "fakecore.h"
#include "fakeprintk.h"
#include "test.h"

#define MEM		(4u << 20)
#define HDR		0x3f0000ull
#define PAGE_OFFSET	0xffff888000000000ull
#define KV(pa)		(PAGE_OFFSET + (pa))
#define PA_PRB		0x100000ull	/* the pointer variable prb */
#define PA_RB		0x100100ull	/* struct printk_ringbuffer */
#define PA_DESCS	0x110000ull
#define PA_INFOS	0x140000ull
#define PA_DATA		0x200000ull
#define ID_MASK		(~(3ull << 62))

static const char layout[] = FP_LAYOUT;

static uint8_t arena_mem[1 << 20];

struct rec {
	uint64_t id, begin, next, ts;
	uint32_t caller;
	char text[300];
};

/* The ring, as the kernel writes it, and what it should read back as. */
struct ring {
	struct fakecore fc;
	unsigned cb, sb;
	uint64_t head_lpos, next_id;
	struct rec recs[4096];
	unsigned nrecs;
};

static void put64(struct ring *r, uint64_t pa, uint64_t v) { memcpy(r->fc.mem + pa, &v, 8); }
static void put32(struct ring *r, uint64_t pa, uint32_t v) { memcpy(r->fc.mem + pa, &v, 4); }
static void put16(struct ring *r, uint64_t pa, uint16_t v) { memcpy(r->fc.mem + pa, &v, 2); }

static void ring_init(struct ring *r, unsigned cb, unsigned sb, const char *extra_vmci)
{
	char vmci[4096];

	memset(r, 0, sizeof(*r));
	r->cb = cb;
	r->sb = sb;
	/* As the kernel starts: lpos -size, the first id just below the id wrap. */
	r->head_lpos = -(1ull << sb);
	r->next_id = (0 - (1ull << cb)) & ID_MASK;
	snprintf(vmci, sizeof(vmci),
		 "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nNUMBER(phys_base)=0\n"
		 "SYMBOL(prb)=%llx\n%s%s", (unsigned long long)KV(PA_PRB),
		 extra_vmci ? extra_vmci : "", layout);	/* the first of a key counts */
	fc_init(&r->fc, MEM);
	fc_add_load(&r->fc, 0, PAGE_OFFSET, 0x3e0000, 0x3e0000);
	fc_add_cpu(&r->fc, 0x3f8000, 0);
	fc_add_vmcoreinfo(&r->fc, 0x3f9000, vmci, 4096 + 36);
	put64(r, PA_PRB, KV(PA_RB));
	put32(r, PA_RB + 0, cb);
	put64(r, PA_RB + 8, KV(PA_DESCS));
	put64(r, PA_RB + 16, KV(PA_INFOS));
	put32(r, PA_RB + 48, sb);
	put64(r, PA_RB + 48 + 8, KV(PA_DATA));
	/* Every descriptor starts out free and from an older lap. */
	for (uint64_t i = 0; i < (1ull << cb); i++)
		put64(r, PA_DESCS + i * 24, (3ull << 62) | i);
}

static uint64_t ring_size(const struct ring *r) { return 1ull << r->sb; }

/* Appends a record the way prb_reserve()/data_alloc() place it. */
static void ring_add(struct ring *r, uint64_t ts, uint32_t caller, const char *text, size_t len)
{
	uint64_t size = ring_size(r), mask = size - 1, id = r->next_id;
	uint64_t blk = (8 + len + 7) & ~7ull, begin = r->head_lpos, next, at;
	uint64_t idx = id & ((1ull << r->cb) - 1);
	struct rec *rec = &r->recs[r->nrecs++];

	if ((begin & mask) + blk <= size) {
		next = begin + blk;		/* fits, possibly ending at the ring's end */
		at = begin & mask;
	} else {
		next = ((begin >> r->sb) + 1) * size + blk;	/* wraps to the start */
		at = 0;
	}
	put64(r, PA_DATA + at, id);
	memcpy(r->fc.mem + PA_DATA + at + 8, text, len);
	r->head_lpos = next;
	put64(r, PA_DESCS + idx * 24, (2ull << 62) | id);
	put64(r, PA_DESCS + idx * 24 + 8, begin);
	put64(r, PA_DESCS + idx * 24 + 16, next);
	memset(r->fc.mem + PA_INFOS + idx * 88, 0, 88);
	put64(r, PA_INFOS + idx * 88 + 8, ts);
	put16(r, PA_INFOS + idx * 88 + 16, (uint16_t)len);
	put32(r, PA_INFOS + idx * 88 + 20, caller);
	rec->id = id;
	rec->begin = begin;
	rec->next = next;
	rec->ts = ts;
	rec->caller = caller;
	memcpy(rec->text, text, len);
	rec->text[len] = '\0';
	r->next_id = (id + 1) & ID_MASK;
}

/* Head and tail as the kernel keeps them: the tail is the oldest intact record. */
static unsigned ring_finish(struct ring *r)
{
	uint64_t size = ring_size(r), count = 1ull << r->cb;
	unsigned first = 0;

	for (unsigned i = 0; i < r->nrecs; i++) {
		const struct rec *x = &r->recs[i];
		/* data overwritten, or its descriptor reused */
		if (r->head_lpos - x->begin > size || r->nrecs - i > count)
			first = i + 1;
	}
	put64(r, PA_RB + 24, r->recs[r->nrecs - 1].id);
	put64(r, PA_RB + 32, r->recs[first].id);
	fc_write_hdr(&r->fc, HDR);
	return first;
}

static void expect_rec(char *out, size_t n, const struct rec *x)
{
	snprintf(out, n, "[%5llu.%06llu] %s\n", (unsigned long long)(x->ts / 1000000000),
		 (unsigned long long)(x->ts % 1000000000 / 1000), x->text);
}

struct collect {
	char buf[1 << 20];
	size_t len;
	int records;
};

static int collect(void *ctx, const char *rec, size_t len)
{
	struct collect *c = ctx;

	if (c->len + len < sizeof(c->buf)) {
		memcpy(c->buf + c->len, rec, len);
		c->len += len;
		c->buf[c->len] = '\0';
	}
	c->records++;
	return 0;
}

struct world {
	struct buf_memsrc src;
	struct arena a;
	struct elfcore ec;
	struct printk_log log;
	char err[200];
};

static int open_ring(struct world *w, struct ring *r)
{
	buf_memsrc_init(&w->src, r->fc.mem, MEM);
	arena_init(&w->a, arena_mem, sizeof(arena_mem));
	if (elfcore_read(&w->ec, &w->src.m, HDR, 0, &w->a, w->err, sizeof(w->err))) {
		fprintf(stderr, "elfcore_read: %s\n", w->err);
		return -2;
	}
	w->err[0] = '\0';
	return printk_open(&w->log, &w->ec, NULL, w->err, sizeof(w->err));
}

static struct ring R;
static struct world W;
static struct collect C, E;

static void expected_from(struct ring *r, unsigned first)
{
	E.len = 0;
	for (unsigned i = first; i < r->nrecs; i++) {
		expect_rec(E.buf + E.len, sizeof(E.buf) - E.len, &r->recs[i]);
		E.len += strlen(E.buf + E.len);
	}
}

static void test_basic(void)
{
	const char *multi = "first line\nsecond line";
	char want[256];

	ring_init(&R, 4, 12, NULL);
	ring_add(&R, 0, 0, "Linux version 6.1.0-test", 24);
	ring_add(&R, 1234567890123ull, 1, "x86/fpu: ok", 11);
	ring_add(&R, 5000001000ull, 0x80000001u, multi, strlen(multi));
	ring_add(&R, 7000000000ull, 77, "bell\a and \xc3\xa9", 12);
	ring_add(&R, 8000000000ull, 1234, "sysrq: Trigger a crash", 22);
	ring_add(&R, 8000100000ull, 1234,
		 "Kernel panic - not syncing: sysrq triggered crash", 49);
	ring_finish(&R);
	CHECK(open_ring(&W, &R) == 0);
	CHECK_STR(W.err, "");

	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_walk(&W.log, 0, collect, &C), 6);
	CHECK_EQ_U64(C.records, 6);
	const char *start = "[    0.000000] Linux version 6.1.0-test\n"
			    "[ 1234.567890] x86/fpu: ok\n";
	CHECK(strncmp(C.buf, start, strlen(start)) == 0);
	/* a newline inside a record continues on an indented line */
	CHECK(strstr(C.buf, "[    5.000001] first line\n"
			    "               second line\n") != NULL);
	/* control and non-ASCII bytes are escaped, white space is not */
	CHECK(strstr(C.buf, "[    7.000000] bell\\x07 and \\xc3\\xa9\n") != NULL);
	snprintf(want, sizeof(want), "[    8.000100] Kernel panic - not syncing: "
		 "sysrq triggered crash\n");
	CHECK(strlen(C.buf) >= strlen(want) &&
	      strcmp(C.buf + strlen(C.buf) - strlen(want), want) == 0);

	/* the tail */
	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_tail(&W.log, 2, collect, &C), 2);
	CHECK(strncmp(C.buf, "[    8.000000] sysrq: Trigger a crash\n", 38) == 0);
	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_tail(&W.log, 50, collect, &C), 6);

	/* the panic reason */
	char why[PRINTK_PANIC_MAX];
	CHECK(printk_panic_reason(&W.log, why, sizeof(why)) == 1);
	CHECK_STR(why, "sysrq triggered crash");
	CHECK(printk_panic_reason(&W.log, why, 6) == 1);
	CHECK_STR(why, "sysrq");

	/* the text, whole, then only the newest records that fit */
	static char text[8192];
	size_t n = printk_text(&W.log, text, sizeof(text));
	CHECK_EQ_U64(n, strlen(C.buf));
	CHECK(memcmp(text, C.buf, n) == 0);
	n = printk_text(&W.log, text, 110);	/* the last two: 38 + 65 bytes */
	text[n] = '\0';
	CHECK_EQ_U64(n, 103);
	CHECK(strncmp(text, "[    8.000000]", 14) == 0);
	fc_free(&R.fc);
}

/* Many laps of both rings: what is left must be exactly the intact tail. */
static void test_wraps(void)
{
	char text[300];
	unsigned first, exact = 0;

	ring_init(&R, 5, 10, NULL);	/* 32 descriptors, 1 KiB of text */
	srand(7);
	for (unsigned i = 0; i < 600; i++) {
		uint64_t size = ring_size(&R), room = size - (R.head_lpos & (size - 1));
		size_t len = 1 + (size_t)(rand() % 90);

		/* now and then, a block that ends exactly at the end of the ring */
		if (i % 17 == 5 && room >= 16 && room <= 8 + 120) {
			len = (size_t)(room - 8);
			exact++;
		}
		for (size_t k = 0; k < len; k++)
			text[k] = (char)('a' + (i + k) % 26);
		ring_add(&R, (uint64_t)i * 1000000, i, text, len);
	}
	first = ring_finish(&R);
	CHECK(exact > 0);
	CHECK(R.nrecs - first > 4);
	CHECK(open_ring(&W, &R) == 0);
	expected_from(&R, first);
	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_walk(&W.log, 0, collect, &C), R.nrecs - first);
	CHECK_EQ_U64(C.len, E.len);
	CHECK(memcmp(C.buf, E.buf, E.len) == 0);
	CHECK_EQ_U64(W.log.skipped, 0);

	fc_free(&R.fc);

	/* The kernel's own first lap: positions just below 2^64, the first ids. */
	ring_init(&R, 4, 9, NULL);
	for (unsigned i = 0; i < 15; i++) {
		uint64_t size = ring_size(&R), room = size - (R.head_lpos & (size - 1));
		size_t len = (room >= 16 && room <= 100) ? (size_t)(room - 8) : 30;
		memset(text, 'A' + i % 26, len);
		ring_add(&R, i, i, text, len);
	}
	first = ring_finish(&R);
	/* record 11 ends at logical position 2^64, and is still there */
	CHECK_EQ_U64(R.recs[11].next, 0);
	CHECK(first < 11);
	CHECK(open_ring(&W, &R) == 0);
	expected_from(&R, first);
	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_walk(&W.log, 0, collect, &C), 15 - first);
	CHECK_EQ_U64(C.len, E.len);
	CHECK(memcmp(C.buf, E.buf, E.len) == 0);
	fc_free(&R.fc);
}

static void test_bad_records(void)
{
	uint64_t idx;

	ring_init(&R, 4, 12, NULL);
	for (unsigned i = 0; i < 8; i++)
		ring_add(&R, i * 1000, i, "record text", 11);
	ring_finish(&R);
	/* record 2: still reserved by a writer; record 3: lpos from nowhere;
	 * record 4: text_len longer than its block (cut); record 5: no data. */
	idx = R.recs[2].id & 15;
	put64(&R, PA_DESCS + idx * 24, (0ull << 62) | R.recs[2].id);
	idx = R.recs[3].id & 15;
	put64(&R, PA_DESCS + idx * 24 + 8, 0x1000);
	put64(&R, PA_DESCS + idx * 24 + 16, 0x9000);
	idx = R.recs[4].id & 15;
	put16(&R, PA_INFOS + idx * 88 + 16, 60000);
	idx = R.recs[5].id & 15;
	put64(&R, PA_DESCS + idx * 24 + 8, 3);
	put64(&R, PA_DESCS + idx * 24 + 16, 3);
	CHECK(open_ring(&W, &R) == 0);
	memset(&C, 0, sizeof(C));
	CHECK_EQ_U64(printk_walk(&W.log, 0, collect, &C), 5);
	CHECK_EQ_U64(W.log.skipped, 1);
	/* record 4's block is 24 bytes: 16 of text, the 11 written and padding */
	CHECK(strstr(C.buf, "[    0.000004] record text\\x00\\x00\\x00\\x00\\x00\n") != NULL);
	CHECK(strstr(C.buf, "[    0.000002]") == NULL && strstr(C.buf, "[    0.000003]") == NULL &&
	      strstr(C.buf, "[    0.000005]") == NULL);

	/* descriptors in unbacked memory: refused when opened, before any walk */
	put64(&R, PA_RB + 8, KV(0x3f0000000ull));
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "are not all in the dump") != NULL);
	fc_free(&R.fc);
}

static void test_bad_ring(void)
{
	ring_init(&R, 4, 12, NULL);
	ring_add(&R, 1, 1, "x", 1);
	ring_finish(&R);

	put32(&R, PA_RB + 48, 40);		/* size_bits */
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "size_bits 40") != NULL);
	put32(&R, PA_RB + 48, 12);
	put32(&R, PA_RB + 0, 13);		/* count_bits > size_bits */
	CHECK(open_ring(&W, &R) == -1);
	put32(&R, PA_RB + 0, 8);		/* count_bits > size_bits - 5: no kernel does that */
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "count_bits 8") != NULL);
	/* fuzz finding: count_bits 31 of size_bits 31 made every walk visit 2^31 ids */
	put32(&R, PA_RB + 48, 31);
	put32(&R, PA_RB + 0, 26);		/* plausible, but 2^26 descriptors are not in memory */
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "are not all in the dump") != NULL);
	put32(&R, PA_RB + 48, 12);
	put32(&R, PA_RB + 0, 4);
	put64(&R, PA_PRB, KV(0x3f0000000ull));	/* prb points nowhere */
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "cannot read the printk ring buffer") != NULL);
	put64(&R, PA_PRB, KV(PA_RB));
	/* head and tail from different laps: only the last count ids are walked */
	put64(&R, PA_RB + 32, 5);
	CHECK(open_ring(&W, &R) == 0);
	CHECK_EQ_U64((W.log.head_id - W.log.tail_id) & ID_MASK, 15);
	CHECK_EQ_U64(printk_walk(&W.log, 0, NULL, NULL), 1);
	fc_free(&R.fc);

	/* VMCOREINFO without the ring, or with a layout that does not fit */
	ring_init(&R, 4, 12, "OFFSET(prb_desc.text_blk_lpos)=9999\n");
	ring_add(&R, 1, 1, "x", 1);
	ring_finish(&R);
	CHECK(open_ring(&W, &R) == -1);
	CHECK(strstr(W.err, "inconsistent") != NULL);
	fc_free(&R.fc);
}

/* Random bytes everywhere in the ring structures: no crash, no hang. */
static void test_fuzz(void)
{
	int opened = 0, bounded = 1;

	srand(11);
	for (int round = 0; round < 200; round++) {
		ring_init(&R, 4, 10, NULL);
		for (unsigned i = 0; i < 30; i++)
			ring_add(&R, i, i, "some text here", 14);
		ring_finish(&R);
		for (int k = 0; k < 40; k++) {
			uint64_t areas[] = { PA_RB, PA_DESCS, PA_INFOS, PA_DATA };
			uint64_t lens[] = { 88, 16 * 24, 16 * 88, 1024 };
			int a = rand() % 4;
			R.fc.mem[areas[a] + (uint64_t)rand() % lens[a]] = (uint8_t)rand();
		}
		if (open_ring(&W, &R) == 0) {
			opened++;
			memset(&C, 0, sizeof(C));
			/* never more records than descriptors */
			if (printk_walk(&W.log, 0, collect, &C) > (int64_t)W.log.count)
				bounded = 0;
			char why[64];
			printk_panic_reason(&W.log, why, sizeof(why));
		}
		fc_free(&R.fc);
	}
	CHECK(opened > 0);
	CHECK(bounded);
}

int main(void)
{
	test_basic();
	test_wraps();
	test_bad_records();
	test_bad_ring();
	test_fuzz();
	return test_summary("printk");
}
