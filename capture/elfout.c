/* ELF vmcore output (see elfout.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/elf64.h"
#include "capture/bitmap.h"
#include "capture/page.h"
#include "capture/elfout.h"
#include "capture/progress.h"

#define B		PAGE_BYTES
#define CYCLE_BYTES	(KDUMP_CYCLE_PFNS / 8)
#define DATA_BUF	(256u << 10)
#define PH_STAGE	128u		/* program headers waiting for their data */
#define MAX_LOGGED_BAD	8

struct seg {
	uint64_t paddr, vaddr, offset, memsz, filesz;
};

struct ew {
	struct elfcore *ec;
	const struct kdump_opts *o;
	struct sink *out;
	struct kdump_stats *st;
	int writing;			/* pass 2 */
	uint64_t min_run;		/* excluded pages that end a segment */

	uint8_t *bm;			/* bitmap 2 of one cycle */
	uint64_t bm_cycle;
	int bm_valid;
	uint8_t *page, *zeros;

	uint8_t *data;			/* data stream */
	size_t data_fill;
	uint64_t data_pos;		/* file offset of data[0] */
	uint64_t pos;			/* file offset of the next data byte */
	int nospace;
	uint64_t durable;		/* data before this offset is on the sink */

	struct elf64_phdr *ph;		/* staged program headers */
	unsigned ph_fill;
	uint64_t ph_first;		/* index of ph[0] among the PT_LOADs */
	uint64_t nseg;			/* segments made in this pass */
	uint64_t nseg_max;		/* room reserved by pass 1 */

	struct seg seg;
	uint64_t run, run_bytes;	/* excluded pieces since the last kept one */
	int count;			/* count this PT_LOAD in the statistics */
	struct progress_meter meter;	/* pass 2: RAM pages visited of total_pages */
	uint64_t total_pages;
};

/* ---- bitmap of one cycle, as the kdump writer builds it --------------------- */

static int dumpable_bit(struct ew *w, uint64_t pfn)
{
	uint64_t k = pfn / KDUMP_CYCLE_PFNS, start = k * KDUMP_CYCLE_PFNS;

	if (!w->bm_valid || w->bm_cycle != k) {
		uint64_t end = start + KDUMP_CYCLE_PFNS;
		const struct kdump_filter *f = w->o->filter;

		memset(w->bm, 0, CYCLE_BYTES);
		for (unsigned i = 0; i < w->ec->nr_loads; i++)
			bitmap_mark_pages(w->bm, start, end, w->ec->loads[i].paddr, w->ec->loads[i].filesz);
		if (f && f->filter_cycle)
			f->filter_cycle(f->ctx, w->ec, start, end, w->bm);
		w->bm_cycle = k;
		w->bm_valid = 1;
	}
	return (w->bm[(pfn - start) >> 3] >> ((pfn - start) & 7)) & 1;
}

/* ---- the sink ----------------------------------------------------------------- */

static int put(struct ew *w, uint64_t off, const void *buf, size_t len, const char *what)
{
	int r = sink_put(w->out, off, buf, len, &w->st->bytes);

	if (r && what)
		port_log("elf: writing the %s (%zu bytes at offset %llu) to %s failed: %s\n", what,
			 len, (unsigned long long)off, w->out->name ? w->out->name : "sink",
			 r == SINK_ERR_NOSPC ? "no space left" : "I/O error");
	return r;
}

/* Staged program headers go out once their data is on the sink (or lost). */
static int ph_flush(struct ew *w)
{
	int r;

	if (!w->ph_fill)
		return 0;
	for (unsigned i = 0; i < w->ph_fill; i++) {
		struct elf64_phdr *p = &w->ph[i];
		if (p->p_filesz && p->p_offset + p->p_filesz > w->durable) {
			p->p_filesz = p->p_offset < w->durable ? w->durable - p->p_offset : 0;
			if (!p->p_filesz)
				p->p_offset = 0;
		}
	}
	r = put(w, sizeof(struct elf64_ehdr) + (1 + w->ph_first) * sizeof(struct elf64_phdr),
		w->ph, w->ph_fill * sizeof(struct elf64_phdr), "program headers");
	w->ph_first += w->ph_fill;
	w->ph_fill = 0;
	return r;
}

static int data_flush(struct ew *w)
{
	int r = 0;

	if (w->data_fill && !w->nospace) {
		r = put(w, w->data_pos, w->data, w->data_fill, NULL);
		if (r == SINK_ERR_NOSPC) {
			port_log("elf: %s is full at offset %llu: finishing an INCOMPLETE dump\n",
				 w->out->name ? w->out->name : "the sink",
				 (unsigned long long)w->data_pos);
			w->nospace = 1;
			w->st->incomplete = 1;
			r = 0;
		} else if (r) {
			port_log("elf: writing page data at offset %llu to %s failed: I/O error\n",
				 (unsigned long long)w->data_pos,
				 w->out->name ? w->out->name : "sink");
			return r;
		} else {
			w->durable = w->data_pos + w->data_fill;
		}
	}
	w->data_pos += w->data_fill;
	w->data_fill = 0;
	return ph_flush(w);
}

/* Appends len bytes (NULL: zeros) to the data stream. */
static int emit(struct ew *w, const uint8_t *src, uint64_t len)
{
	w->pos += len;
	if (!w->writing)
		return 0;
	while (len) {
		size_t n = DATA_BUF - w->data_fill;
		int r;

		if (n > len)
			n = (size_t)len;
		if (src) {
			memcpy(w->data + w->data_fill, src, n);
			src += n;
		} else {
			memset(w->data + w->data_fill, 0, n);
		}
		w->data_fill += n;
		len -= n;
		if (w->data_fill == DATA_BUF && (r = data_flush(w)))
			return r;
	}
	return 0;
}

/* ---- segments ----------------------------------------------------------------- */

static int close_segment(struct ew *w)
{
	struct elf64_phdr *p;

	w->nseg++;
	if (!w->writing)
		return 0;
	if (w->nseg > w->nseg_max) {
		port_log("elf: more segments than counted in the first pass: the page filter "
			 "is not repeatable\n");
		return KDUMP_ERR_INVAL;
	}
	if (w->ph_fill == PH_STAGE) {
		int r = data_flush(w);
		if (r)
			return r;
	}
	p = &w->ph[w->ph_fill++];
	memset(p, 0, sizeof(*p));
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_W | PF_X;
	p->p_paddr = w->seg.paddr;
	p->p_vaddr = w->seg.vaddr;
	p->p_memsz = w->seg.memsz;
	p->p_filesz = w->seg.filesz;
	p->p_offset = w->seg.filesz ? w->seg.offset : 0;
	return 0;
}

/*
 * One piece of a PT_LOAD: [pa, pa + len) inside one page. Returns 1 if its
 * data goes into the file (then it is in w->page), 0 if it is excluded.
 */
static int piece(struct ew *w, const struct elf_load *l, uint64_t pa, uint64_t len, int *bad)
{
	size_t missing = 0;
	int full = len == B;

	*bad = 0;
	/* makedumpfile keeps a partial first page without asking the bitmap */
	if (!full && pa == l->paddr) {
		if (pa - l->paddr >= l->filesz)
			return 0;
	} else if (!dumpable_bit(w, pa >> PAGE_SHIFT)) {
		return 0;
	}
	if (!w->writing && !(full && (w->o->dump_level & DL_EXCLUDE_ZERO)))
		return 1;
	if (elfcore_read_phys_fill(w->ec, pa, w->page, (size_t)len, &missing)) {
		*bad = 1;
		memset(w->page, 0, (size_t)len);
		return 1;
	}
	if (full && (w->o->dump_level & DL_EXCLUDE_ZERO) && page_is_zero(w->page))
		return -1;
	return 1;
}

static int do_load(struct ew *w, const struct elf_load *l)
{
	uint64_t pa = l->paddr, end = l->paddr + l->memsz;
	struct kdump_stats *st = w->st;
	int r;

	w->count = w->writing && !(l->vaddr >= KERNEL_MAP_BASE);
	memset(&w->seg, 0, sizeof(w->seg));
	w->seg.paddr = l->paddr;
	w->seg.vaddr = l->vaddr;
	w->seg.offset = w->pos;
	w->run = w->run_bytes = 0;
	while (pa < end) {
		uint64_t next = ((pa >> PAGE_SHIFT) + 1) << PAGE_SHIFT;
		uint64_t len = (next < end ? next : end) - pa;
		int bad, keep = piece(w, l, pa, len, &bad);

		if (w->count) {
			if ((++st->ram_pages & 1023) == 0)
				progress_update(&w->meter, st->ram_pages, w->total_pages, 0);
			if (keep == 1)
				st->kept++;
			else if (keep < 0)
				st->zero++;
			else
				st->excluded++;
			if (bad && st->unreadable++ < MAX_LOGGED_BAD)
				port_log("elf: page at 0x%llx cannot be read: written as zeros\n",
					 (unsigned long long)pa);
		}
		if (bad)
			st->incomplete = 1;
		if (keep != 1) {
			w->run++;
			w->run_bytes += len;
			w->seg.memsz += len;
		} else {
			if (w->run >= w->min_run) {
				r = close_segment(w);
				if (r)
					return r;
				w->seg.paddr = pa;
				w->seg.vaddr = l->vaddr + (pa - l->paddr);
				w->seg.offset = w->pos;
				w->seg.memsz = w->seg.filesz = 0;
			} else if (w->run) {
				/* a short excluded run stays in the file, as zeros */
				r = emit(w, NULL, w->run_bytes);
				if (r)
					return r;
				w->seg.filesz += w->run_bytes;
			}
			w->run = w->run_bytes = 0;
			r = emit(w, w->page, len);
			if (r)
				return r;
			w->seg.memsz += len;
			w->seg.filesz += len;
		}
		pa += len;
	}
	return close_segment(w);
}

static int pass(struct ew *w)
{
	w->nseg = 0;
	w->bm_valid = 0;
	for (unsigned i = 0; i < w->ec->nr_loads; i++) {
		int r = do_load(w, &w->ec->loads[i]);
		if (r)
			return r;
	}
	return 0;
}

/* ---- headers ------------------------------------------------------------------ */

static int write_headers(struct ew *w, uint64_t notes_off)
{
	struct elf64_ehdr eh;
	struct elf64_phdr note;
	int r;

	memset(&note, 0, sizeof(note));
	note.p_type = PT_NOTE;
	note.p_offset = notes_off;
	note.p_filesz = note.p_memsz = w->ec->notes_len;
	r = put(w, sizeof(eh), &note, sizeof(note), "PT_NOTE header");
	if (r)
		return r;

	elf64_core_header(&eh, (uint16_t)(1 + w->nseg));
	eh.e_flags = w->st->incomplete ? ELFOUT_INCOMPLETE : 0;
	return put(w, 0, &eh, sizeof(eh), "ELF header");
}

int elf_write(struct elfcore *ec, const struct kdump_opts *o, struct sink *out,
	      struct arena *a, struct kdump_stats *st)
{
	struct ew w;
	size_t mark = arena_mark(a);
	uint64_t t0 = port_now_ns(), notes_off, need;
	int r;

	memset(st, 0, sizeof(*st));
	memset(&w, 0, sizeof(w));
	w.ec = ec;
	w.o = o;
	w.out = out;
	w.st = st;
	w.min_run = ELFOUT_EXCLUDED_RUN;
	w.bm = arena_alloc(a, CYCLE_BYTES, 64);
	w.page = arena_alloc(a, B, B);
	w.zeros = arena_alloc(a, B, B);
	w.data = arena_alloc(a, DATA_BUF, B);
	w.ph = arena_alloc(a, PH_STAGE * sizeof(struct elf64_phdr), 8);
	if (!w.bm || !w.page || !w.zeros || !w.data || !w.ph) {
		port_log("elf: not enough arena memory for the writer's buffers\n");
		r = KDUMP_ERR_NOMEM;
		goto done;
	}

	/* Block 0 stays zero until the end: a cut-short dump is no dump. */
	r = put(&w, 0, w.zeros, B, "ELF header");
	if (r)
		goto done;
	r = pass(&w);
	if (r)
		goto done;
	if (w.nseg + 1 >= PN_XNUM) {
		/* Too many pieces for e_phnum: one segment per PT_LOAD instead. */
		port_log("elf: %llu segments are too many: excluded pages are written as zeros\n",
			 (unsigned long long)w.nseg);
		w.min_run = UINT64_MAX;
		if ((r = pass(&w)))
			goto done;
	}
	if (w.nseg + 1 >= PN_XNUM) {
		/* e_phnum would be PN_XNUM, which needs a section header no reader
		 * here expects: refuse rather than write an ELF nobody can open. */
		port_log("elf: %llu segments do not fit in an ELF header (at most %u): "
			 "write a kdump-compressed dump instead\n",
			 (unsigned long long)w.nseg, PN_XNUM - 2);
		r = KDUMP_ERR_INVAL;
		goto done;
	}
	w.nseg_max = w.nseg;
	notes_off = sizeof(struct elf64_ehdr) + (1 + w.nseg) * sizeof(struct elf64_phdr);
	need = notes_off + ec->notes_len;
	if (out->capacity && need >= out->capacity) {
		port_log("elf: %s holds %llu bytes, but the headers alone need %llu\n",
			 out->name ? out->name : "the sink", (unsigned long long)out->capacity,
			 (unsigned long long)need);
		r = SINK_ERR_NOSPC;
		goto done;
	}
	if (ec->notes_len && (r = put(&w, notes_off, ec->notes, ec->notes_len, "notes")))
		goto done;

	w.writing = 1;
	w.pos = w.data_pos = w.durable = need;
	/* The pieces do_load() counts: every page RAM's PT_LOADs touch. */
	for (unsigned i = 0; i < ec->nr_loads; i++)
		if (ec->loads[i].vaddr < KERNEL_MAP_BASE && ec->loads[i].memsz)
			w.total_pages += ((ec->loads[i].paddr + ec->loads[i].memsz + PAGE_BYTES - 1) >> PAGE_SHIFT) -
					 (ec->loads[i].paddr >> PAGE_SHIFT);
	progress_start(&w.meter);
	r = pass(&w);
	if (!r)
		progress_update(&w.meter, st->ram_pages, w.total_pages, 1);
	if (!r)
		r = data_flush(&w);
	if (r)
		goto done;
	if (w.nseg != w.nseg_max) {
		port_log("elf: %llu segments instead of %llu: the page filter is not repeatable\n",
			 (unsigned long long)w.nseg, (unsigned long long)w.nseg_max);
		st->incomplete = 1;
	}
	if (w.nospace) {
		st->lost = (w.pos - w.durable + B - 1) / B;
		st->kept = st->kept > st->lost ? st->kept - st->lost : 0;
	}
	st->dumpable = st->kept;
	r = write_headers(&w, notes_off);
done:
	st->ns = port_now_ns() - t0;
	arena_reset(a, mark);
	return r;
}
