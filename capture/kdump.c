/*
 * The kdump-compressed writer (see kdump.h for the two passes).
 *
 * File layout, B = PAGE_BYTES:
 *   0                     disk_dump_header (written last)
 *   B                     kdump_sub_header, the merged ELF notes
 *   bm1_off               bitmap 1: pfn is RAM (inside a PT_LOAD)
 *   bm2_off               bitmap 2: pfn is dumpable
 *   desc_off              one page_desc per bitmap-2 bit, in pfn order
 *   data_off              the shared zero page (dump_level bit 1), page data
 *
 * Page data is not in pfn order: each descriptor says where its page is, so
 * the data goes out most useful first, for when the sink fills up. First the
 * kernel image (init_top_pgt, page_offset_base, the printk ring... what a
 * reader starts from), then the rest from the top of RAM down, because
 * memblock allocates top-down: the mem_section array, the per-cpu areas,
 * struct pages and early page tables are up there. What a full sink loses is
 * then the low end: the stale pages below the kernel image, and the page
 * allocator's pages (slab, page cache, user, free: crash needs some of them,
 * so losing much is still fatal to it).
 *
 * Descriptors fill a window of the descriptor area in either direction; data
 * is one sequential stream. The window goes to the sink only after the data
 * its descriptors point at, so a descriptor on the sink never points at data
 * that then found no room. A page that cannot be read, or that found no room
 * on a full sink, gets an all-zero descriptor: crash reports "page
 * incomplete" for offset 0, libkdumpfile rejects its size 0; neither shows
 * made-up contents.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/bitmap.h"
#include "capture/page.h"
#include "capture/progress.h"
#include "capture/kdump.h"
#include "capture/vmcoreinfo.h"

#define B		PAGE_BYTES	/* a kdump block is one page */
#define CYCLE_BYTES	(KDUMP_CYCLE_PFNS / 8)
#define DESC_PER_BUF	(KDUMP_DESC_BUF / sizeof(struct kdump_page_desc))
#define MAX_LOGGED_BAD	8

_Static_assert(KDUMP_DESC_BUF % sizeof(struct kdump_page_desc) == 0, "whole descriptors");
_Static_assert(CYCLE_BYTES % B == 0, "a cycle covers whole bitmap blocks");

struct writer {
	struct elfcore *ec;
	const struct kdump_opts *o;
	struct sink *out;
	struct kdump_stats *st;
	struct kdump_layout lay;
	uint64_t num_dumpable;		/* from pass 1 */
	uint64_t top;			/* pfns the bitmaps cover */
	uint64_t kstart, kend;		/* kernel image pfns, 8-aligned; empty: none */
	uint64_t below_k, in_k;		/* dumpable pfns below and inside it (pass 1) */
	struct group {			/* descriptor indices of one part of RAM */
		uint64_t lo, hi, next;	/* [lo, hi), next to fill */
		int down;		/* filled from hi - 1 down to lo */
	} grp[3];

	uint8_t *bm1, *bm2;		/* one piece (<= a cycle) of each bitmap */
	uint8_t *page, *zeros;		/* one block each */
	struct kdump_batch_page *pages;	/* 2 generations of GEN_PAGES: to compress, to place */
	unsigned nw;			/* workers used */
	unsigned fill, nfill;		/* generation being read (0/1), its pages */
	unsigned nready;		/* pages of the other, compressed, to place */
	unsigned next;			/* next page of fill to compress (atomic) */
	int place_err;			/* placing in the last run failed */

	struct kdump_page_desc *desc;	/* window [dwin, dwin + DESC_PER_BUF) */
	uint64_t dwin, dlo, dhi;	/* descriptors [dlo, dhi) are in desc[] */

	uint8_t *data;			/* data stream */
	size_t data_fill;
	uint64_t data_pos;		/* sink offset of data[0] */

	int zero_page;			/* the shared zero page exists */
	uint64_t zero_off;
	int nospace;			/* the sink is full: no more data */

	uint64_t t0, done;
	struct progress_meter meter;
};

/* ---- bitmaps -------------------------------------------------------------- */

/* Where filter_cycle() will exclude pages (makedumpfile -d 2/4/8/16). */
static void filter_cycle(struct writer *w, uint64_t start, uint64_t end)
{
	const struct kdump_filter *f = w->o->filter;

	if (f && f->filter_cycle)
		f->filter_cycle(f->ctx, w->ec, start, end, w->bm2);
}

/* ---- layout and headers --------------------------------------------------- */

void kdump_layout(const struct elfcore *ec, uint64_t dumpable, struct kdump_layout *l)
{
	uint64_t sub = sizeof(struct kdump_sub_header) + ec->notes_len;
	uint64_t bits_bytes = (ec->max_pfn + 7) / 8;

	l->sub_hdr_size = (uint32_t)((sub + B - 1) / B);
	l->bitmap_bytes = (bits_bytes + B - 1) / B * B;
	l->bitmap_blocks = (uint32_t)(2 * (l->bitmap_bytes / B));
	l->bm1_off = (uint64_t)B * (1 + l->sub_hdr_size);
	l->bm2_off = l->bm1_off + l->bitmap_bytes;
	l->desc_off = l->bm2_off + l->bitmap_bytes;
	l->data_off = l->desc_off + dumpable * sizeof(struct kdump_page_desc);
}

/* Every field NUL-terminated (then zero-padded, as readers check), sysname Linux. */
static int fields_ok(struct kdump_utsname *u)
{
	char *f = (char *)u;

	for (int i = 0; i < 6; i++, f += KDUMP_UTS_LEN) {
		char *nul = memchr(f, '\0', KDUMP_UTS_LEN);
		if (!nul)
			return 0;
		memset(nul, 0, (size_t)(f + KDUMP_UTS_LEN - nul));
	}
	return strcmp(u->sysname, "Linux") == 0 && u->release[0] && u->machine[0];
}

int kdump_utsname(struct elfcore *ec, struct kdump_utsname *u)
{
	uint64_t sym, off;
	char rel[KDUMP_UTS_LEN];

	if (vmcoreinfo_symbol(&ec->vmci, "init_uts_ns", &sym) &&
	    vmcoreinfo_offset(&ec->vmci, "uts_namespace.name", &off) &&
	    elfcore_read_kv(ec, sym + off, u, sizeof(*u)) == 0 && fields_ok(u))
		return 1;
	/* Readers want sysname, release, version and machine non-empty. */
	memset(u, 0, sizeof(*u));
	memcpy(u->sysname, "Linux", 6);
	memcpy(u->version, "unknown", 8);
	memcpy(u->machine, "x86_64", 7);
	if (!vmcoreinfo_osrelease(&ec->vmci, rel, sizeof(rel)) || !rel[0])
		memcpy(rel, "unknown", 8);
	memcpy(u->release, rel, strlen(rel) + 1);
	return 0;
}

/* ---- the sink ------------------------------------------------------------- */

static int put(struct writer *w, uint64_t off, const void *buf, size_t len)
{
	return sink_put(w->out, off, buf, len, &w->st->bytes);
}

/* Headers, bitmaps and descriptors: any failure ends the dump. */
static int put_meta(struct writer *w, uint64_t off, const void *buf, size_t len,
		    const char *what)
{
	int r = put(w, off, buf, len);

	if (r)
		port_log("kdump: writing the %s (%zu bytes at offset %llu) to %s failed: %s\n",
			 what, len, (unsigned long long)off, w->out->name ? w->out->name : "sink",
			 r == SINK_ERR_NOSPC ? "no space left" : "I/O error");
	return r;
}

static int put_zeros(struct writer *w, uint64_t off, uint64_t len, const char *what)
{
	while (len) {
		size_t n = len < B ? (size_t)len : B;
		int r = put_meta(w, off, w->zeros, n, what);
		if (r)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* The sub-header and the notes after it, staged through the data buffer. */
static int write_sub_header(struct writer *w, uint32_t dump_level)
{
	struct elfcore *ec = w->ec;
	struct kdump_sub_header kh;
	uint64_t total = (uint64_t)w->lay.sub_hdr_size * B, pos = 0;

	memset(&kh, 0, sizeof(kh));
	kh.phys_base = ec->have_phys_base ? ec->phys_base : 0;
	kh.dump_level = (int32_t)dump_level;
	kh.offset_note = B + sizeof(kh);
	kh.size_note = ec->notes_len;
	if (ec->have_vmcoreinfo) {
		kh.offset_vmcoreinfo = B + sizeof(kh) + ec->vmcoreinfo_off;
		kh.size_vmcoreinfo = ec->vmcoreinfo_len;
	}
	kh.max_mapnr_64 = ec->max_pfn;

	while (pos < total) {
		size_t n = total - pos < KDUMP_DATA_BUF ? (size_t)(total - pos) : KDUMP_DATA_BUF;
		memset(w->data, 0, n);
		/* Stream position p maps to: sub-header, then notes, then zeros. */
		for (size_t i = 0; i < n; ) {
			uint64_t p = pos + i;
			size_t take;
			if (p < sizeof(kh)) {
				take = sizeof(kh) - (size_t)p;
				if (take > n - i)
					take = n - i;
				memcpy(w->data + i, (const uint8_t *)&kh + p, take);
			} else if (p - sizeof(kh) < ec->notes_len) {
				uint64_t np = p - sizeof(kh);
				take = ec->notes_len - np < n - i ? (size_t)(ec->notes_len - np) : n - i;
				memcpy(w->data + i, ec->notes + np, take);
			} else {
				break;
			}
			i += take;
		}
		int r = put_meta(w, B + pos, w->data, n, "sub-header and notes");
		if (r)
			return r;
		pos += n;
	}
	return 0;
}

static int write_header(struct writer *w)
{
	struct disk_dump_header *dh = (struct disk_dump_header *)w->page;
	int64_t t = 0;

	memset(w->page, 0, B);
	memcpy(dh->signature, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	dh->header_version = KDUMP_HEADER_VERSION;
	if (!kdump_utsname(w->ec, &dh->utsname))
		port_log("kdump: utsname not readable from init_uts_ns, using OSRELEASE\n");
	vmcoreinfo_crashtime(&w->ec->vmci, &t);
	dh->timestamp_sec = t;
	dh->timestamp_usec = 0;
	dh->status = w->o->comp ? w->o->comp->flag : 0;
	if (w->st->incomplete)
		dh->status |= DUMP_DH_COMPRESSED_INCOMPLETE;
	dh->block_size = B;
	dh->sub_hdr_size = (int32_t)w->lay.sub_hdr_size;
	dh->bitmap_blocks = w->lay.bitmap_blocks;
	dh->max_mapnr = w->ec->max_pfn > UINT32_MAX ? UINT32_MAX : (uint32_t)w->ec->max_pfn;
	dh->nr_cpus = w->ec->nr_cpus;
	return put_meta(w, 0, w->page, B, "disk_dump_header");
}

/* ---- descriptor and data streams ------------------------------------------ */

static int data_flush(struct writer *w);

/* Whether a descriptor of the window points into the data buffer. */
static int window_needs_data(const struct writer *w)
{
	if (!w->data_fill)
		return 0;
	for (uint64_t i = w->dlo; i < w->dhi; i++)
		if (w->desc[i - w->dwin].offset >= w->data_pos)
			return 1;
	return 0;
}

/* The window's descriptors, after the data they point at. */
static int desc_flush(struct writer *w)
{
	int r = 0;

	if (w->dlo == w->dhi)
		return 0;
	if (window_needs_data(w))
		r = data_flush(w);
	if (!r)
		r = put_meta(w, w->lay.desc_off + w->dlo * sizeof(struct kdump_page_desc),
			     w->desc + (w->dlo - w->dwin),
			     (size_t)(w->dhi - w->dlo) * sizeof(struct kdump_page_desc),
			     "page descriptors");
	w->dlo = w->dhi;
	return r;
}

/*
 * Descriptor idx. The window is aligned to its size, so full windows are
 * whole blocks, and grows up or down from its first descriptor; any other
 * index flushes it and starts a new one.
 */
static int desc_put(struct writer *w, uint64_t idx, uint64_t off, uint32_t size,
		    uint32_t flags)
{
	int used = w->dhi > w->dlo, up = 1, r;
	struct kdump_page_desc *d;

	if (used && idx + 1 == w->dlo && idx >= w->dwin) {
		up = 0;
	} else if (!used || idx != w->dhi || idx >= w->dwin + DESC_PER_BUF) {
		r = desc_flush(w);
		if (r)
			return r;
		w->dwin = idx - idx % DESC_PER_BUF;
		w->dlo = w->dhi = idx;
	}
	d = &w->desc[idx - w->dwin];
	d->offset = off;
	d->size = size;
	d->flags = flags;
	d->page_flags = 0;
	if (up)
		w->dhi++;
	else
		w->dlo--;
	if (w->dhi - w->dlo == DESC_PER_BUF)
		return desc_flush(w);
	return 0;
}

/*
 * The sink is full. Data in the buffer is lost, and so is every descriptor
 * pointing into it: all are in the window, which has not been written since
 * (desc_flush writes the data first). They become all-zero ("incomplete").
 */
static int go_nospace(struct writer *w)
{
	port_log("kdump: %s is full at offset %llu: finishing an INCOMPLETE dump\n",
		 w->out->name ? w->out->name : "the sink", (unsigned long long)w->data_pos);
	w->nospace = 1;
	w->st->incomplete = 1;
	w->data_fill = 0;
	for (uint64_t i = w->dlo; i < w->dhi; i++) {
		struct kdump_page_desc *d = &w->desc[i - w->dwin];
		if (d->offset < w->data_pos)
			continue;	/* on the sink already, or 0 */
		if (w->zero_page && d->offset == w->zero_off)
			w->st->zero--;
		else
			w->st->kept--;
		w->st->lost++;
		memset(d, 0, sizeof(*d));
	}
	return 0;
}

static int data_flush(struct writer *w)
{
	int r;

	if (!w->data_fill)
		return 0;
	r = put(w, w->data_pos, w->data, w->data_fill);
	if (r == SINK_ERR_NOSPC)
		return go_nospace(w);
	if (r) {
		port_log("kdump: writing page data (%zu bytes at offset %llu) to %s failed: "
			 "I/O error\n", w->data_fill, (unsigned long long)w->data_pos,
			 w->out->name ? w->out->name : "sink");
		return r;
	}
	w->data_pos += w->data_fill;
	w->data_fill = 0;
	return 0;
}

/* Queues len bytes of page data; *off is where they will be. */
static int data_add(struct writer *w, const void *src, size_t len, uint64_t *off)
{
	if (w->data_fill + len > KDUMP_DATA_BUF) {
		int r = data_flush(w);
		if (r)
			return r;
	}
	if (w->nospace)
		return 1;
	memcpy(w->data + w->data_fill, src, len);
	*off = w->data_pos + w->data_fill;
	w->data_fill += len;
	return 0;
}

/* ---- pages ---------------------------------------------------------------- */

/*
 * Pages go through two generations, KDUMP_BATCH pages per worker each: while
 * the workers compress the one just read, the caller first places the other
 * (compressed in the run before), then helps compress.
 */
#define GEN_PAGES(w)	((w)->nw * KDUMP_BATCH)

/* Page j of generation g. */
static struct kdump_batch_page *gen_page(struct writer *w, unsigned g, unsigned j)
{
	return &w->pages[g * GEN_PAGES(w) + j];
}

/*
 * Step 1, serial: page pfn, whose descriptor is number idx, is read into the
 * generation being filled. Once the sink is full no page is read (it would be
 * lost anyway).
 */
static void batch_read(struct writer *w, uint64_t pfn, uint64_t idx)
{
	struct kdump_batch_page *p = gen_page(w, w->fill, w->nfill++);
	size_t missing = 0;
	uint64_t avail;

	p->pfn = pfn;
	p->idx = idx;
	if (w->nospace)
		p->kind = KDUMP_PAGE_SKIPPED;
	else if (w->ec->mem->read_shared &&
		 elfcore_phys_to_off(w->ec, pfn << PAGE_SHIFT, &p->src_off, &avail) == 0 &&
		 avail >= B)
		p->kind = KDUMP_PAGE_TO_READ;	/* one piece of one segment */
	else if (elfcore_read_phys_fill(w->ec, pfn << PAGE_SHIFT, p->page, B, &missing))
		p->kind = KDUMP_PAGE_UNREADABLE;
	else
		p->kind = KDUMP_PAGE_DATA;
}

/* Step 2, pure: see kdump.h. */
void kdump_compress_page(struct kdump_batch_page *p, int zero_page, struct memsrc *mem,
			 const struct kdump_compressor *comp)
{
	if (p->kind == KDUMP_PAGE_TO_READ)
		p->kind = mem->read_shared(mem, p->src_off, p->page, B) ?
			  KDUMP_PAGE_UNREADABLE : KDUMP_PAGE_DATA;
	if (p->kind != KDUMP_PAGE_DATA)
		return;
	if (zero_page && page_is_zero(p->page)) {
		p->kind = KDUMP_PAGE_ZERO;
		return;
	}
	p->src = p->page;
	p->size = B;
	p->flags = 0;
	if (comp) {
		size_t n = comp->compress(comp->ctx, p->page, p->cbuf, B - 1);
		if (n > 0 && n < B) {
			p->src = p->cbuf;
			p->size = (uint32_t)n;
			p->flags = comp->flag;
		}
	}
}

/* Step 3, serial: one page takes its descriptor and data. */
static int place_page(struct writer *w, const struct kdump_batch_page *p)
{
	struct kdump_stats *st = w->st;
	uint64_t off;
	int r;

	if (w->nospace) {
		st->lost++;
		return desc_put(w, p->idx, 0, 0, 0);
	}
	if (p->kind == KDUMP_PAGE_UNREADABLE) {
		if (st->unreadable++ < MAX_LOGGED_BAD)
			port_log("kdump: page at 0x%llx cannot be read: marked incomplete\n",
				 (unsigned long long)(p->pfn << PAGE_SHIFT));
		st->incomplete = 1;
		return desc_put(w, p->idx, 0, 0, 0);
	}
	if (p->kind == KDUMP_PAGE_ZERO) {
		st->zero++;
		return desc_put(w, p->idx, w->zero_off, B, 0);
	}
	r = data_add(w, p->src, p->size, &off);
	if (r < 0)
		return r;
	if (r > 0) {		/* the sink just filled up */
		st->lost++;
		return desc_put(w, p->idx, 0, 0, 0);
	}
	st->kept++;
	return desc_put(w, p->idx, off, p->size, p->flags);
}

static void progress(struct writer *w, int last);

/* Places the compressed generation, in read order; stops at an error. */
static int place_ready(struct writer *w)
{
	int r = 0;

	for (unsigned j = 0; j < w->nready && !r; j++) {
		r = place_page(w, gen_page(w, w->fill ^ 1, j));
		if (!r && (++w->done & 1023) == 0)
			progress(w, 0);
	}
	w->nready = 0;
	return r;
}

/*
 * One run on worker k. Only the caller (k = 0) places: the sink, console and
 * clock are not for the other CPUs. Then every worker takes pages of the
 * generation just read one at a time, so the caller, busy placing, takes
 * fewer; who compresses a page does not change what it becomes.
 */
static void gen_worker(void *arg, unsigned k)
{
	struct writer *w = arg;
	const struct kdump_compressor *c;
	unsigned j;

	if (k >= w->nw)
		return;
	if (k == 0)
		w->place_err = place_ready(w);
	c = w->o->comp ? &w->o->comp[k] : NULL;
	while ((j = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->nfill)
		kdump_compress_page(gen_page(w, w->fill, j), w->zero_page, w->ec->mem, c);
}

/* Compresses the generation read, places the other: it becomes the one to
 * place, the other the one to fill. */
static int gen_step(struct writer *w)
{
	int r = 0;

	w->next = 0;
	w->place_err = 0;
	if (w->nw > 1)
		r = workers_run(w->o->workers, gen_worker, w);
	else
		gen_worker(w, 0);
	if (!r)
		r = w->place_err;
	w->nready = w->nfill;
	w->nfill = 0;
	w->fill ^= 1;
	return r;
}

/* Places every page read so far. */
static int batch_drain(struct writer *w)
{
	int r = 0;

	if (w->nfill)
		r = gen_step(w);
	if (!r)
		r = place_ready(w);
	return r;
}

static void progress(struct writer *w, int last)
{
	progress_update(&w->meter, w->done, w->num_dumpable, last);
}

/* ---- the two passes ------------------------------------------------------- */

/*
 * Both passes visit the same pieces in the same order (the page filter counts
 * a pass from its first piece): the kernel image in cycles, then the rest of
 * RAM from the top down, one cycle at a time, skipping the kernel image.
 */
struct walk {
	int down;
	uint64_t pos;
};

/* The next piece [*s, *e); returns 0 at the end. */
static int next_piece(const struct writer *w, struct walk *wk, uint64_t *s, uint64_t *e)
{
	if (!wk->down) {
		if (wk->pos < w->kend) {
			*s = wk->pos;
			*e = (wk->pos / KDUMP_CYCLE_PFNS + 1) * KDUMP_CYCLE_PFNS;
			if (*e > w->kend)
				*e = w->kend;
			wk->pos = *e;
			return 1;
		}
		wk->down = 1;
		wk->pos = w->top;
	}
	if (wk->pos > w->kstart && wk->pos <= w->kend)
		wk->pos = w->kstart;
	if (wk->pos == 0)
		return 0;
	*e = wk->pos;
	*s = (wk->pos - 1) / KDUMP_CYCLE_PFNS * KDUMP_CYCLE_PFNS;
	if (w->kend > w->kstart && *e > w->kend && *s < w->kend)
		*s = w->kend;
	wk->pos = *s;
	return 1;
}

/* The group of descriptors a piece's pages take: 0 kernel, 1 above, 2 below. */
static struct group *group_of(struct writer *w, const struct walk *wk, uint64_t s)
{
	if (!wk->down)
		return &w->grp[0];
	return &w->grp[s >= w->kend ? 1 : 2];
}

/* Sets kstart and kend from the PT_LOAD of the kernel image map, if any. */
static void kernel_range(struct writer *w)
{
	w->top = w->lay.bitmap_bytes * 8;
	for (unsigned i = 0; i < w->ec->nr_loads; i++) {
		const struct elf_load *l = &w->ec->loads[i];
		uint64_t a, b;

		if (l->vaddr < KERNEL_MAP_BASE || !l->memsz)
			continue;
		a = (l->paddr >> PAGE_SHIFT) & ~(uint64_t)7;
		b = (((l->paddr + l->memsz + B - 1) >> PAGE_SHIFT) + 7) & ~(uint64_t)7;
		if (b > w->top)
			b = w->top;
		if (a < b) {
			w->kstart = a;
			w->kend = b;
		}
		return;
	}
}

/* Both bitmaps of the piece [s, e): bit i is pfn s + i. */
static void build_piece(struct writer *w, uint64_t s, uint64_t e)
{
	size_t nbytes = (size_t)((e - s) / 8);

	memset(w->bm1, 0, nbytes);
	memset(w->bm2, 0, nbytes);
	for (unsigned i = 0; i < w->ec->nr_loads; i++) {
		const struct elf_load *l = &w->ec->loads[i];
		bitmap_mark_ram(w->bm1, s, e, l->paddr, l->memsz);
		/* Past p_filesz there are no bytes: not dumpable. */
		bitmap_mark_pages(w->bm2, s, e, l->paddr, l->filesz);
	}
	filter_cycle(w, s, e);
	for (size_t i = 0; i < nbytes; i++)
		w->bm2[i] &= w->bm1[i];	/* a filter may only clear bits */
}

static int pass1(struct writer *w)
{
	struct walk wk = { 0, w->kstart };
	uint64_t s, e;

	while (next_piece(w, &wk, &s, &e)) {
		size_t n = (size_t)((e - s) / 8);
		uint64_t c;
		int r;

		build_piece(w, s, e);
		r = put_meta(w, w->lay.bm1_off + s / 8, w->bm1, n, "1st bitmap");
		if (r)
			return r;
		w->st->ram_pages += bitmap_count(w->bm1, (uint64_t)n * 8);
		c = bitmap_count(w->bm2, (uint64_t)n * 8);
		w->num_dumpable += c;
		if (!wk.down)
			w->in_k += c;
		else if (e <= w->kstart)
			w->below_k += c;
	}
	return 0;
}

/* One page of a piece in pass 2: its descriptor is the group's next. */
static int piece_page(struct writer *w, struct group *g, uint64_t pfn)
{
	uint64_t idx;
	int r;

	if (g->down ? g->next == g->lo : g->next == g->hi) {
		/* The pages before this one go out first, as they always did. */
		r = batch_drain(w);
		if (r)
			return r;
		port_log("kdump: more dumpable pages than counted in pass 1 (%llu): "
			 "the page filter is not repeatable\n",
			 (unsigned long long)w->num_dumpable);
		return KDUMP_ERR_INVAL;
	}
	idx = g->down ? --g->next : g->next++;
	batch_read(w, pfn, idx);
	return w->nfill == GEN_PAGES(w) ? gen_step(w) : 0;
}

static int pass2(struct writer *w)
{
	struct walk wk = { 0, w->kstart };
	uint64_t s, e, total = w->num_dumpable, mid = w->below_k + w->in_k;

	w->grp[0] = (struct group){ w->below_k, mid, w->below_k, 0 };
	w->grp[1] = (struct group){ mid, total, total, 1 };
	w->grp[2] = (struct group){ 0, w->below_k, w->below_k, 1 };
	while (next_piece(w, &wk, &s, &e)) {
		struct group *g = group_of(w, &wk, s);
		size_t n = (size_t)((e - s) / 8);
		int r;

		build_piece(w, s, e);
		r = put_meta(w, w->lay.bm2_off + s / 8, w->bm2, n, "2nd bitmap");
		if (r)
			return r;
		/* The kernel image upwards; the rest downwards, like the walk. */
		for (size_t k = 0; k < n; k++) {
			size_t i = g->down ? n - 1 - k : k;
			if (!w->bm2[i])
				continue;
			for (unsigned j = 0; j < 8; j++) {
				unsigned b = g->down ? 7 - j : j;
				if (!(w->bm2[i] & (1u << b)))
					continue;
				r = piece_page(w, g, s + i * 8 + b);
				if (r)
					return r;
			}
		}
		/* A piece's pages are placed before the next piece's bitmap. */
		r = batch_drain(w);
		if (r)
			return r;
	}
	return 0;
}

/* Descriptors pass 2 did not make (the filter changed its mind): incomplete. */
static int fill_groups(struct writer *w)
{
	uint64_t missing = 0;
	int r = 0;

	for (int k = 0; k < 3 && !r; k++) {
		struct group *g = &w->grp[k];
		while (!r && (g->down ? g->next > g->lo : g->next < g->hi)) {
			missing++;
			r = desc_put(w, g->down ? --g->next : g->next++, 0, 0, 0);
		}
	}
	if (missing) {
		port_log("kdump: %llu dumpable pages fewer than counted: marked incomplete\n",
			 (unsigned long long)missing);
		w->st->incomplete = 1;
	}
	return r;
}

static int alloc_buffers(struct writer *w, struct arena *a)
{
	int ok;

	w->bm1 = arena_alloc(a, CYCLE_BYTES, 64);
	w->bm2 = arena_alloc(a, CYCLE_BYTES, 64);
	w->page = arena_alloc(a, B, B);
	w->zeros = arena_alloc(a, B, B);
	w->desc = arena_alloc(a, KDUMP_DESC_BUF, B);
	w->data = arena_alloc(a, KDUMP_DATA_BUF, B);
	w->pages = arena_alloc(a, 2 * GEN_PAGES(w) * sizeof(*w->pages), 64);
	ok = w->bm1 && w->bm2 && w->page && w->zeros && w->desc && w->data && w->pages;
	for (unsigned j = 0; j < 2 * GEN_PAGES(w) && ok; j++) {
		struct kdump_batch_page *p = &w->pages[j];

		p->page = arena_alloc(a, B, B);
		p->cbuf = arena_alloc(a, B, B);
		ok = p->page && p->cbuf;
	}
	if (!ok) {
		port_log("kdump: not enough arena memory for the writer's buffers (%u KiB)\n",
			 (unsigned)((kdump_base_bytes() + w->nw * kdump_worker_bytes()) >> 10));
		return KDUMP_ERR_NOMEM;
	}
	return 0;
}

/* Bytes alloc_buffers() takes besides the batches. */
size_t kdump_base_bytes(void)
{
	return 2 * CYCLE_BYTES + 2 * B + KDUMP_DESC_BUF + KDUMP_DATA_BUF + 6 * 64 + B;
}

/* Bytes alloc_buffers() takes for each worker's pages in the two generations. */
size_t kdump_worker_bytes(void)
{
	return 2 * KDUMP_BATCH * (2 * B + sizeof(struct kdump_batch_page)) + 64;
}

int kdump_write(struct elfcore *ec, const struct kdump_opts *o, struct sink *out,
		struct arena *a, struct kdump_stats *st)
{
	struct writer w;
	uint64_t need;
	size_t mark = arena_mark(a);
	int r;

	memset(st, 0, sizeof(*st));
	memset(&w, 0, sizeof(w));
	w.ec = ec;
	w.o = o;
	w.out = out;
	w.st = st;
	w.t0 = port_now_ns();
	w.nw = o->workers && o->workers->n > 1 ? o->workers->n : 1;
	if (o->nworkers && o->nworkers < w.nw)
		w.nw = o->nworkers;
	progress_start(&w.meter);
	r = alloc_buffers(&w, a);
	if (r)
		goto done;

	kdump_layout(ec, 0, &w.lay);
	kernel_range(&w);

	/* Block 0 stays zero until the end: a cut-short dump is no dump. */
	r = put_zeros(&w, 0, B, "disk_dump_header");
	if (!r)
		r = write_sub_header(&w, (uint32_t)o->dump_level);
	if (!r)
		r = pass1(&w);
	if (r)
		goto done;

	kdump_layout(ec, w.num_dumpable, &w.lay);
	st->dumpable = w.num_dumpable;
	st->excluded = st->ram_pages - w.num_dumpable;
	need = w.lay.data_off + ((o->dump_level & DL_EXCLUDE_ZERO) ? B : 0);
	if (out->capacity && need >= out->capacity) {
		port_log("kdump: %s holds %llu bytes, but headers, bitmaps and descriptors "
			 "alone need %llu\n", out->name ? out->name : "the sink",
			 (unsigned long long)out->capacity, (unsigned long long)need);
		r = SINK_ERR_NOSPC;
		goto done;
	}

	w.data_pos = w.lay.data_off;
	if (o->dump_level & DL_EXCLUDE_ZERO) {
		/* The one zero page every all-zero page points at: the first block. */
		r = data_add(&w, w.zeros, B, &w.zero_off);
		if (r < 0)
			goto done;
		w.zero_page = r == 0;
		r = 0;
	}
	r = pass2(&w);
	if (!r)
		r = fill_groups(&w);
	if (!r)
		r = desc_flush(&w);
	if (!r)
		r = write_header(&w);
	if (r)
		goto done;
	if (st->unreadable > MAX_LOGGED_BAD)
		port_log("kdump: %llu pages could not be read in all\n",
			 (unsigned long long)st->unreadable);
	progress(&w, 1);
done:
	st->ns = port_now_ns() - w.t0;
	arena_reset(a, mark);
	return r;
}
