/* Reading a kdump-compressed dump as an ELF vmcore (see kdump_read.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/compress.h"
#include "capture/fmt.h"
#include "capture/bitmap.h"
#include "capture/elf64.h"
#include "capture/kdump_read.h"

#define B		PAGE_BYTES	/* a kdump block is one page */
#define BITS_PER_BLOCK	(B * 8ull)
#define MAX_SUB_BLOCKS	4096u		/* sub-header + notes: 16 MiB */
#define MEASURE_DESCS	4096u		/* descriptors read at a time */

static int file_read(struct kdump_reader *r, uint64_t off, void *buf, size_t len)
{
	if (off > r->file_size || len > r->file_size - off)
		return -1;
	return r->file->read(r->file, off, buf, len);
}

/* Block blk of bitmap which (0: RAM, 1: dumpable), cached. */
static const uint8_t *bitmap_block(struct kdump_reader *r, int which, uint64_t blk)
{
	uint64_t base = which ? r->bm2_off : r->bm1_off;

	if (r->bm_blk[which] == blk)
		return r->bm[which];
	r->bm_blk[which] = ~0ull;
	if (file_read(r, base + blk * B, r->bm[which], B))
		return NULL;
	r->bm_blk[which] = blk;
	return r->bm[which];
}

static int bit(struct kdump_reader *r, int which, uint64_t pfn)
{
	const uint8_t *b;

	if (pfn >= r->max_mapnr)
		return 0;
	b = bitmap_block(r, which, pfn / BITS_PER_BLOCK);
	if (!b)
		return 0;
	pfn %= BITS_PER_BLOCK;
	return (b[pfn >> 3] >> (pfn & 7)) & 1;
}

int kdump_reader_dumpable(struct kdump_reader *r, uint64_t pfn)
{
	return bit(r, 0, pfn) && bit(r, 1, pfn);
}

/* Reads page pfn into r->page. */
static int load_page(struct kdump_reader *r, uint64_t pfn)
{
	struct kdump_page_desc d;
	const uint8_t *b;
	uint64_t idx;

	if (pfn == r->page_pfn)
		return 0;
	if (!kdump_reader_dumpable(r, pfn))
		return -1;
	b = bitmap_block(r, 1, pfn / BITS_PER_BLOCK);
	if (!b)
		return -1;
	idx = r->before[pfn / BITS_PER_BLOCK] + bitmap_count(b, pfn % BITS_PER_BLOCK);
	if (idx >= r->ndesc || file_read(r, r->desc_off + idx * sizeof(d), &d, sizeof(d)))
		goto bad;
	/* offset 0 is "lost" (an incomplete dump); anything else must be in the file. */
	if (d.offset == 0 || d.size == 0 || d.size > B || file_read(r, d.offset, r->cbuf, d.size))
		goto bad;
	r->page_pfn = ~0ull;
	if (compress_page_inflate(d.flags, r->cbuf, d.size, r->page, B))
		goto bad;
	r->page_pfn = pfn;
	r->pages_read++;
	return 0;
bad:
	r->pages_failed++;
	return -1;
}

int kdump_reader_page(struct kdump_reader *r, uint64_t pfn, void *out)
{
	if (load_page(r, pfn))
		return -1;
	memcpy(out, r->page, B);
	return 0;
}

/* The view: header, notes, memory (see kdump_read.h). */
static int view_read(struct memsrc *m, uint64_t off, void *buf, size_t len)
{
	struct kdump_reader *r = (struct kdump_reader *)m;	/* view is first */
	uint8_t *p = buf;

	if (off < KDUMP_VIEW_NOTES) {
		if (off > r->hdr_len || len > r->hdr_len - off)
			return -1;
		memcpy(buf, r->hdr + off, len);
		return 0;
	}
	if (off < KDUMP_VIEW_MEM) {
		off -= KDUMP_VIEW_NOTES;
		if (off > r->sh.size_note || len > r->sh.size_note - off)
			return -1;
		return file_read(r, r->sh.offset_note + off, buf, len);
	}
	off -= KDUMP_VIEW_MEM;
	while (len) {
		uint64_t in = off % B;
		size_t n = B - in < len ? (size_t)(B - in) : len;

		if (load_page(r, off / B))
			return -1;
		memcpy(p, r->page + in, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int check_headers(struct kdump_reader *r, char *err, size_t errlen)
{
	struct disk_dump_header *dh = &r->dh;
	struct kdump_sub_header *sh = &r->sh;
	uint64_t need;

	if (file_read(r, 0, dh, sizeof(*dh)))
		return errf(err, errlen, "too small for a kdump header (%llu bytes)",
			    (unsigned long long)r->file_size);
	if (memcmp(dh->signature, KDUMP_SIGNATURE, KDUMP_SIG_LEN) &&
	    memcmp(dh->signature, "DISKDUMP", KDUMP_SIG_LEN))
		return errf(err, errlen, "not a kdump-compressed dump (no KDUMP signature)");
	if (dh->header_version < 6)
		return errf(err, errlen, "kdump header version %d: 6 or later is needed",
			    dh->header_version);
	if (dh->block_size != (int32_t)B)
		return errf(err, errlen, "block size %d: only %u (one page) is supported",
			    dh->block_size, B);
	if (dh->sub_hdr_size < 1 || (uint32_t)dh->sub_hdr_size > MAX_SUB_BLOCKS)
		return errf(err, errlen, "sub-header size %d blocks is out of range",
			    dh->sub_hdr_size);
	if (file_read(r, B, sh, sizeof(*sh)))
		return errf(err, errlen, "the sub-header is past the end of the file");
	r->max_mapnr = sh->max_mapnr_64;
	if (r->max_mapnr == 0 || r->max_mapnr > (ELFCORE_MAX_PHYS >> PAGE_SHIFT))
		return errf(err, errlen, "max_mapnr %llu is out of range",
			    (unsigned long long)r->max_mapnr);
	r->bitmap_bytes = (r->max_mapnr + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK * B;
	if (dh->bitmap_blocks % 2 || (uint64_t)dh->bitmap_blocks / 2 * B != r->bitmap_bytes)
		return errf(err, errlen, "%u bitmap blocks do not fit max_mapnr %llu",
			    dh->bitmap_blocks, (unsigned long long)r->max_mapnr);
	r->bm1_off = (uint64_t)B * (1 + (uint64_t)dh->sub_hdr_size);
	r->bm2_off = r->bm1_off + r->bitmap_bytes;
	r->desc_off = r->bm2_off + r->bitmap_bytes;
	if (r->desc_off > r->file_size)
		return errf(err, errlen, "the bitmaps run past the end of the file");
	/* The notes live inside the sub-header blocks. */
	need = (uint64_t)B * (1 + (uint64_t)dh->sub_hdr_size);
	if (sh->size_note > ELFCORE_MAX_NOTES || sh->offset_note < B + sizeof(*sh) ||
	    sh->offset_note > need || sh->size_note > need - sh->offset_note)
		return errf(err, errlen, "the notes (%llu bytes at %llu) are outside the sub-header",
			    (unsigned long long)sh->size_note, (unsigned long long)sh->offset_note);
	return 0;
}

/* Bitmap-2 bits before each bitmap block; their sum is the descriptor count. */
static int count_dumpable(struct kdump_reader *r, struct arena *a, char *err, size_t errlen)
{
	uint64_t nblk = r->bitmap_bytes / B, sum = 0;

	r->before = arena_alloc(a, (size_t)(nblk + 1) * sizeof(uint64_t), 8);
	if (!r->before)
		return errf(err, errlen, "no memory for %llu bitmap blocks",
			    (unsigned long long)nblk);
	for (uint64_t k = 0; k < nblk; k++) {
		const uint8_t *b = bitmap_block(r, 1, k);
		uint64_t bits = r->max_mapnr - k * BITS_PER_BLOCK;
		if (!b)
			return errf(err, errlen, "bitmap 2 block %llu cannot be read",
				    (unsigned long long)k);
		r->before[k] = sum;
		sum += bitmap_count(b, bits < BITS_PER_BLOCK ? bits : BITS_PER_BLOCK);
	}
	r->before[nblk] = sum;
	r->ndesc = sum;
	if (sum > (r->file_size - r->desc_off) / sizeof(struct kdump_page_desc))
		return errf(err, errlen, "%llu page descriptors run past the end of the file",
			    (unsigned long long)sum);
	return 0;
}

/* The ELF header of the view: one PT_NOTE, a PT_LOAD per run of bitmap 1. */
static int build_view(struct kdump_reader *r, struct arena *a, char *err, size_t errlen)
{
	struct elf64_ehdr eh;
	struct elf64_phdr *ph;
	unsigned nruns = 0, counted = 0, pass;
	uint64_t start = 0;

	for (pass = 0; pass < 2; pass++) {
		int in = 0;
		nruns = 0;
		for (uint64_t pfn = 0; pfn <= r->max_mapnr; pfn++) {
			int set = pfn < r->max_mapnr && bit(r, 0, pfn);
			if (set && !in) {
				start = pfn;
				in = 1;
			} else if (!set && in) {
				if (pass == 1) {
					/* The bitmap is read again: it may not have grown. */
					if (nruns >= counted)
						return errf(err, errlen, "bitmap 1 changed while read");
					ph = (struct elf64_phdr *)(r->hdr + sizeof(eh)) + 1 + nruns;
					memset(ph, 0, sizeof(*ph));
					ph->p_type = PT_LOAD;
					ph->p_flags = PF_R | PF_W | PF_X;
					ph->p_paddr = start * B;
					ph->p_offset = KDUMP_VIEW_MEM + start * B;
					ph->p_filesz = ph->p_memsz = (pfn - start) * B;
				}
				nruns++;
				in = 0;
				if (nruns > KDUMP_READ_MAX_RUNS)
					return errf(err, errlen, "bitmap 1 has more than %u runs of RAM",
						    KDUMP_READ_MAX_RUNS);
			}
		}
		if (pass == 0) {
			if (!nruns)
				return errf(err, errlen, "bitmap 1 is empty: the dump holds no RAM");
			counted = nruns;
			r->hdr_len = sizeof(eh) + (1 + (size_t)nruns) * sizeof(*ph);
			r->hdr = arena_alloc(a, r->hdr_len, 8);
			if (!r->hdr)
				return errf(err, errlen, "no memory for %u program headers", nruns + 1);
		}
	}

	if (nruns != counted)
		return errf(err, errlen, "bitmap 1 changed while read");
	elf64_core_header(&eh, (uint16_t)(1 + nruns));
	memcpy(r->hdr, &eh, sizeof(eh));
	ph = (struct elf64_phdr *)(r->hdr + sizeof(eh));
	memset(ph, 0, sizeof(*ph));
	ph->p_type = PT_NOTE;
	ph->p_offset = KDUMP_VIEW_NOTES;
	ph->p_filesz = ph->p_memsz = r->sh.size_note;
	return 0;
}

/* The headers and the bitmaps: what both opening and measuring check. */
static int open_layout(struct kdump_reader *r, struct memsrc *file, uint64_t file_size,
		       struct arena *a, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->view.read = view_read;
	r->file = file;
	r->file_size = file_size;
	r->bm_blk[0] = r->bm_blk[1] = r->page_pfn = ~0ull;
	r->bm[0] = arena_alloc(a, B, 64);
	r->bm[1] = arena_alloc(a, B, 64);
	r->page = arena_alloc(a, B, 64);
	r->cbuf = arena_alloc(a, B, 64);
	if (!r->bm[0] || !r->bm[1] || !r->page || !r->cbuf)
		return errf(err, errlen, "no memory for the reader's buffers");
	if (check_headers(r, err, errlen) || count_dumpable(r, a, err, errlen))
		return -1;
	return 0;
}

int kdump_reader_open(struct kdump_reader *r, struct memsrc *file, uint64_t file_size,
		      struct arena *a, char *err, size_t errlen)
{
	struct disk_dump_header *dh = &r->dh;
	char why[200];

	if (open_layout(r, file, file_size, a, err, errlen))
		return -1;
	/* Copying a dump needs only its layout; reading its pages needs them. */
	if (dh->status & (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO |
			  DUMP_DH_COMPRESSED_SNAPPY))
		return errf(err, errlen, "pages compressed with %s: only zstd and uncompressed "
			    "dumps can be read", dh->status & DUMP_DH_COMPRESSED_ZLIB ? "zlib" :
			    dh->status & DUMP_DH_COMPRESSED_LZO ? "lzo" : "snappy");
	if (build_view(r, a, err, errlen))
		return -1;
	if (elfcore_read(&r->ec, &r->view, 0, r->hdr_len, a, why, sizeof(why)))
		return errf(err, errlen, "%s", why);
	/* Without VMCOREINFO's phys_base, the sub-header has it (crash does the same). */
	if (!r->ec.have_phys_base) {
		r->ec.have_phys_base = 1;
		r->ec.phys_base = r->sh.phys_base;
		r->ec.phys_base_from = "kdump sub-header";
	}
	return 0;
}

int kdump_measure(struct kdump_reader *r, struct memsrc *file, uint64_t file_size,
		  struct arena *a, struct kdump_extent *e, char *err, size_t errlen)
{
	struct kdump_page_desc *pd;
	uint64_t desc_end, end;
	size_t mark = arena_mark(a);
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if (open_layout(r, file, file_size, a, err, errlen))
		goto out;
	e->incomplete = !!(r->dh.status & DUMP_DH_COMPRESSED_INCOMPLETE);
	e->pages = r->ndesc;
	desc_end = end = r->desc_off + r->ndesc * sizeof(*pd);
	pd = arena_alloc(a, MEASURE_DESCS * sizeof(*pd), 8);
	if (!pd) {
		errf(err, errlen, "no memory for %u page descriptors", MEASURE_DESCS);
		goto out;
	}
	/* The data ends where the furthest page's data ends. */
	for (uint64_t i = 0; i < r->ndesc; ) {
		uint64_t n = r->ndesc - i < MEASURE_DESCS ? r->ndesc - i : MEASURE_DESCS;

		if (file_read(r, r->desc_off + i * sizeof(*pd), pd, (size_t)n * sizeof(*pd))) {
			errf(err, errlen, "the page descriptors cannot be read");
			goto out;
		}
		for (uint64_t j = 0; j < n; j++) {
			if (pd[j].offset == 0) {	/* never written: lost */
				e->lost++;
				continue;
			}
			if (pd[j].size > B || pd[j].offset < desc_end ||
			    pd[j].offset > file_size || pd[j].size > file_size - pd[j].offset) {
				/* An incomplete dump's stale descriptors: lost, too. */
				if (e->incomplete) {
					e->lost++;
					continue;
				}
				errf(err, errlen, "page descriptor %llu (data at %llu, %u bytes) "
				     "points outside the dump: corrupted",
				     (unsigned long long)(i + j), (unsigned long long)pd[j].offset,
				     pd[j].size);
				goto out;
			}
			if (pd[j].offset + pd[j].size > end)
				end = pd[j].offset + pd[j].size;
		}
		i += n;
	}
	if (r->sh.offset_eraseinfo && r->sh.size_eraseinfo) {
		if (r->sh.offset_eraseinfo > file_size ||
		    r->sh.size_eraseinfo > file_size - r->sh.offset_eraseinfo) {
			errf(err, errlen, "eraseinfo (at %llu, %llu bytes) is past the end of the "
			     "file", (unsigned long long)r->sh.offset_eraseinfo,
			     (unsigned long long)r->sh.size_eraseinfo);
			goto out;
		}
		if (r->sh.offset_eraseinfo + r->sh.size_eraseinfo > end)
			end = r->sh.offset_eraseinfo + r->sh.size_eraseinfo;
	}
	e->len = end;
	ret = 0;
out:
	arena_reset(a, mark);
	return ret;
}
