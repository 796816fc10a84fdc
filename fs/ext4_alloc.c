/*
 * Group descriptors, bitmaps and allocation (§2, §6).
 *
 * One GDT block and one block bitmap are cached. Descriptor changes are
 * written through at once. Blocks taken from the cached bitmap are written
 * back (bitmap, then descriptor) when the allocator moves to another group
 * or at ext4_alloc_flush: on disk a bitmap bit may be set before anything
 * owns the block (a leak), never the other way round.
 */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"

/* hi halves of the 16-bit counters, when descriptors are 64 bytes */
#define BG_FREE_BLOCKS_HI	0x2C
#define BG_FREE_INODES_HI	0x2E
#define BG_USED_DIRS_HI		0x30
#define BG_ITABLE_UNUSED_HI	0x32
#define BG_BLOCK_CSUM_HI	0x38
#define BG_INODE_CSUM_HI	0x3A

static int wide(const struct ext4_fs *fs) { return fs->desc_size >= 64; }

static uint32_t d_count(const struct ext4_fs *fs, const uint8_t *d, int lo, int hi)
{
	return get16(d + lo) | (wide(fs) ? (uint32_t)get16(d + hi) << 16 : 0);
}

static void d_set_count(const struct ext4_fs *fs, uint8_t *d, int lo, int hi, uint32_t v)
{
	put16(d + lo, (uint16_t)v);
	if (wide(fs))
		put16(d + hi, (uint16_t)(v >> 16));
}

static uint64_t d_block(const struct ext4_fs *fs, const uint8_t *d, int lo)
{
	return get32(d + lo) | (wide(fs) ? (uint64_t)get32(d + lo + BG_HI) << 32 : 0);
}

static uint64_t gdt_block_of(const struct ext4_fs *fs, uint32_t g)
{
	return fs->first_data_block + 1 + (uint64_t)g * fs->desc_size / fs->bs;
}

/* Group g's descriptor, inside the cached GDT block. */
static uint8_t *desc(struct ext4_fs *fs, uint32_t g)
{
	uint64_t blk = gdt_block_of(fs, g);

	if (g >= fs->ngroups)
		return NULL;
	if (fs->gdt_cached != blk) {
		fs->gdt_cached = 0;
		if (ext4_read_blocks(fs, blk, fs->scr[SCR_GDT], 1))
			return NULL;
		fs->gdt_cached = blk;
	}
	return fs->scr[SCR_GDT] + (size_t)g * fs->desc_size % fs->bs;
}

static uint16_t desc_csum(struct ext4_fs *fs, uint32_t g, uint8_t *d)
{
	uint16_t saved = get16(d + BG_CHECKSUM);
	uint32_t c;

	put16(d + BG_CHECKSUM, 0);
	c = ext4_crc32c(ext4_crc32c_le32(fs->seed, g), d, fs->desc_size);
	put16(d + BG_CHECKSUM, saved);
	return (uint16_t)c;
}

/* Checksums group g's descriptor and writes its GDT block (the primary copy;
 * backups may stay stale, §1). */
static int desc_write(struct ext4_fs *fs, uint32_t g, uint8_t *d)
{
	if (fs->csum)
		put16(d + BG_CHECKSUM, desc_csum(fs, g, d));
	return ext4_write_blocks(fs, fs->gdt_cached, fs->scr[SCR_GDT], 1);
}

/* UNINIT flags mean something only under a group-descriptor checksum. */
static int uninit(const struct ext4_fs *fs, const uint8_t *d, uint16_t flag)
{
	return fs->csum && (get16(d + BG_FLAGS) & flag);
}

int ext4_inode_table(struct ext4_fs *fs, uint32_t g, uint64_t *blk)
{
	uint8_t *d = desc(fs, g);
	uint64_t itb = (uint64_t)fs->ipg * fs->inode_size / fs->bs;

	if (!d)
		return -1;
	*blk = d_block(fs, d, BG_INODE_TABLE);
	if (*blk < fs->first_data_block || *blk >= fs->blocks_count ||
	    itb > fs->blocks_count - *blk) {
		port_log("ext4: group %u's inode table at block %llu is outside the filesystem\n",
			 g, (unsigned long long)*blk);
		fs->broken = 1;
		return -1;
	}
	return 0;
}

static uint32_t bitmap_csum(struct ext4_fs *fs, const uint8_t *bm, uint32_t bytes)
{
	return ext4_crc32c(fs->seed, bm, bytes);
}

static int bit_test(const uint8_t *bm, uint32_t i) { return bm[i >> 3] >> (i & 7) & 1; }
static void bit_set(uint8_t *bm, uint32_t i) { bm[i >> 3] |= (uint8_t)(1u << (i & 7)); }

static void set_range(uint8_t *bm, const struct ext4_fs *fs, uint32_t g, uint64_t blk, uint64_t n)
{
	uint64_t first = ext4_group_first_block(fs, g);

	for (uint64_t b = blk; b < blk + n; b++)
		if (b >= first && b - first < fs->bpg)
			bit_set(bm, (uint32_t)(b - first));
}

/* What the kernel's ext4_init_block_bitmap makes for a BLOCK_UNINIT group. */
static void build_block_bitmap(struct ext4_fs *fs, uint32_t g, const uint8_t *d, uint8_t *bm)
{
	uint32_t n = ext4_group_blocks(fs, g);

	memset(bm, 0, fs->bpg / 8);
	memset(bm + fs->bpg / 8, 0xFF, fs->bs - fs->bpg / 8);
	if (ext4_group_has_super(fs, g))
		set_range(bm, fs, g, ext4_group_first_block(fs, g),
			  1 + (uint64_t)fs->gdt_blocks + fs->reserved_gdt);
	set_range(bm, fs, g, d_block(fs, d, BG_BLOCK_BITMAP), 1);
	set_range(bm, fs, g, d_block(fs, d, BG_INODE_BITMAP), 1);
	set_range(bm, fs, g, d_block(fs, d, BG_INODE_TABLE),
		  (uint64_t)fs->ipg * fs->inode_size / fs->bs);
	for (uint32_t i = n; i < fs->bpg; i++)
		bit_set(bm, i);
}

static uint32_t count_free(const uint8_t *bm, uint32_t nbits)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < nbits; i++)
		n += !bit_test(bm, i);
	return n;
}

/* Writes back the cached bitmap's allocations: bitmap, then descriptor. */
static int bbm_writeback(struct ext4_fs *fs)
{
	uint32_t g = fs->bbm_group;
	uint8_t *d, *bm = fs->scr[SCR_BBM];
	uint64_t bmblk;

	if (!fs->bbm_valid || !fs->bbm_taken)
		return 0;
	d = desc(fs, g);
	if (!d)
		return -1;
	bmblk = d_block(fs, d, BG_BLOCK_BITMAP);
	/* §8: the bitmap, then its descriptor. The disk may have several
	 * writes in flight and complete them in any order: wait for this one. */
	if (ext4_write_blocks(fs, bmblk, bm, 1) || ext4_drain(fs))
		return -1;
	d = desc(fs, g);
	if (!d)
		return -1;
	d_set_count(fs, d, BG_FREE_BLOCKS, BG_FREE_BLOCKS_HI,
		    d_count(fs, d, BG_FREE_BLOCKS, BG_FREE_BLOCKS_HI) - fs->bbm_taken);
	if (fs->csum) {
		uint32_t c = bitmap_csum(fs, bm, fs->bpg / 8);

		put16(d + BG_FLAGS, get16(d + BG_FLAGS) & ~BG_BLOCK_UNINIT);
		put16(d + BG_BLOCK_BITMAP_CSUM, (uint16_t)c);
		if (wide(fs))
			put16(d + BG_BLOCK_CSUM_HI, (uint16_t)(c >> 16));
	}
	if (desc_write(fs, g, d))
		return -1;
	fs->bbm_taken = 0;
	return 0;
}

int ext4_alloc_flush(struct ext4_fs *fs)
{
	return bbm_writeback(fs);
}

/*
 * Makes group g's block bitmap the cached one. Returns 1 if it can be
 * allocated from, 0 if the group is to be skipped, -1 on I/O error.
 */
static int bbm_load(struct ext4_fs *fs, uint32_t g)
{
	uint8_t *d, *bm = fs->scr[SCR_BBM];
	uint32_t nfree;
	uint64_t bmblk;

	if (fs->bbm_valid && fs->bbm_group == g)
		return 1;
	if (bbm_writeback(fs))
		return -1;
	fs->bbm_valid = 0;
	d = desc(fs, g);
	if (!d)
		return -1;
	nfree = d_count(fs, d, BG_FREE_BLOCKS, BG_FREE_BLOCKS_HI);
	if (nfree == 0)
		return 0;
	if (uninit(fs, d, BG_BLOCK_UNINIT)) {
		build_block_bitmap(fs, g, d, bm);
	} else {
		bmblk = d_block(fs, d, BG_BLOCK_BITMAP);
		if (bmblk < fs->first_data_block || bmblk >= fs->blocks_count) {
			port_log("ext4: group %u: block bitmap at %llu is outside the filesystem: "
				 "not allocating there\n", g, (unsigned long long)bmblk);
			return 0;
		}
		if (ext4_read_blocks(fs, bmblk, bm, 1))
			return -1;
		d = desc(fs, g);
		if (!d)
			return -1;
		if (fs->csum) {
			uint32_t c = bitmap_csum(fs, bm, fs->bpg / 8);
			uint32_t want = get16(d + BG_BLOCK_BITMAP_CSUM) |
				(wide(fs) ? (uint32_t)get16(d + BG_BLOCK_CSUM_HI) << 16 : 0);

			if (!wide(fs))
				c &= 0xFFFF;
			if (c != want) {
				port_log("ext4: group %u: block bitmap checksum is wrong: not "
					 "allocating there (run e2fsck)\n", g);
				return 0;
			}
		}
	}
	/* The bitmap and the count must agree, or one of them is wrong. */
	if (count_free(bm, ext4_group_blocks(fs, g)) != nfree) {
		port_log("ext4: group %u: %u free blocks counted, descriptor says %u: not "
			 "allocating there (run e2fsck)\n", g,
			 count_free(bm, ext4_group_blocks(fs, g)), nfree);
		return 0;
	}
	fs->bbm_group = g;
	fs->bbm_valid = 1;
	fs->bbm_taken = 0;
	return 1;
}

int64_t ext4_alloc_blocks(struct ext4_fs *fs, uint64_t goal, uint64_t want, uint64_t *first)
{
	uint32_t g0, cursor;

	if (fs->broken)
		return -1;
	if (want == 0)
		want = 1;
	if (goal < fs->first_data_block || goal >= fs->blocks_count)
		goal = fs->first_data_block;
	g0 = (uint32_t)((goal - fs->first_data_block) / fs->bpg);
	cursor = (uint32_t)((goal - fs->first_data_block) % fs->bpg);
	if (fs->test_max_run)
		cursor++;	/* never continue the previous run */

	for (uint32_t k = 0; k <= fs->ngroups; k++) {
		uint32_t g = (g0 + k) % fs->ngroups;
		uint32_t n = ext4_group_blocks(fs, g), i, len;
		uint64_t max = fs->test_max_run ? fs->test_max_run : want;
		uint8_t *bm = fs->scr[SCR_BBM];
		int r;

		if (k > 0)
			cursor = 0;
		r = bbm_load(fs, g);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		for (i = cursor; i < n && bit_test(bm, i); i++)
			;
		if (i >= n)
			continue;
		for (len = 0; i + len < n && len < want && len < max && !bit_test(bm, i + len); len++)
			bit_set(bm, i + len);
		fs->bbm_taken += len;
		fs->free_blocks -= len;
		*first = ext4_group_first_block(fs, g) + i;
		return len;
	}
	return 0;
}

uint64_t ext4_blocks_available(const struct ext4_fs *fs)
{
	return fs->free_blocks > fs->r_blocks ? fs->free_blocks - fs->r_blocks : 0;
}

uint32_t ext4_emptiest_group(struct ext4_fs *fs)
{
	uint32_t best = 0, best_free = 0;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		uint8_t *d = desc(fs, g);
		uint32_t f;

		if (!d)
			break;
		f = d_count(fs, d, BG_FREE_BLOCKS, BG_FREE_BLOCKS_HI);
		if (f > best_free) {
			best = g;
			best_free = f;
		}
	}
	return best;
}

/* Zeroes inode slot idx of group g's table (read-modify-write). */
static int zero_inode_slot(struct ext4_fs *fs, uint32_t g, uint32_t idx)
{
	uint64_t itab, off = (uint64_t)idx * fs->inode_size;
	uint8_t *b = fs->scr[SCR_ITAB];

	if (ext4_inode_table(fs, g, &itab))
		return -1;
	if (ext4_read_blocks(fs, itab + off / fs->bs, b, 1))
		return -1;
	memset(b + off % fs->bs, 0, fs->inode_size);
	return ext4_write_blocks(fs, itab + off / fs->bs, b, 1);
}

int ext4_alloc_inode(struct ext4_fs *fs, uint32_t goal_group, int is_dir, uint32_t *ino)
{
	uint8_t *bm = fs->scr[SCR_IBM];

	if (fs->broken)
		return -1;
	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (goal_group + k) % fs->ngroups;
		uint8_t *d = desc(fs, g);
		uint32_t nfree, unused, i, low = g == 0 ? fs->first_ino - 1 : 0;
		int was_uninit;
		uint64_t ibmblk;

		if (!d)
			return -1;
		nfree = d_count(fs, d, BG_FREE_INODES, BG_FREE_INODES_HI);
		if (nfree == 0)
			continue;
		was_uninit = uninit(fs, d, BG_INODE_UNINIT);
		ibmblk = d_block(fs, d, BG_INODE_BITMAP);
		if (ibmblk < fs->first_data_block || ibmblk >= fs->blocks_count)
			continue;
		if (was_uninit) {
			memset(bm, 0, fs->ipg / 8);
			memset(bm + fs->ipg / 8, 0xFF, fs->bs - fs->ipg / 8);
		} else {
			if (ext4_read_blocks(fs, ibmblk, bm, 1))
				return -1;
			d = desc(fs, g);
			if (!d)
				return -1;
			if (fs->csum) {
				uint32_t c = bitmap_csum(fs, bm, fs->ipg / 8);
				uint32_t want = get16(d + BG_INODE_BITMAP_CSUM) |
					(wide(fs) ? (uint32_t)get16(d + BG_INODE_CSUM_HI) << 16 : 0);

				if (!wide(fs))
					c &= 0xFFFF;
				if (c != want) {
					port_log("ext4: group %u: inode bitmap checksum is wrong: "
						 "not allocating there\n", g);
					continue;
				}
			}
		}
		if (count_free(bm, fs->ipg) != nfree) {
			port_log("ext4: group %u: inode bitmap and count disagree: not allocating "
				 "there\n", g);
			continue;
		}
		for (i = low; i < fs->ipg && bit_test(bm, i); i++)
			;
		if (i >= fs->ipg)
			continue;

		/* The slot must read as a valid (zero) inode before the watermark
		 * exposes it to e2fsck (§3). */
		unused = was_uninit ? fs->ipg : fs->csum ? d_count(fs, d, BG_ITABLE_UNUSED,
								  BG_ITABLE_UNUSED_HI) : 0;
		if (fs->csum && unused > fs->ipg)
			unused = fs->ipg;
		if (zero_inode_slot(fs, g, i))
			return -1;
		for (uint32_t j = fs->ipg - unused; j < i; j++)
			if (zero_inode_slot(fs, g, j))
				return -1;

		bit_set(bm, i);
		if (ext4_write_blocks(fs, ibmblk, bm, 1))
			return -1;
		d = desc(fs, g);
		if (!d)
			return -1;
		d_set_count(fs, d, BG_FREE_INODES, BG_FREE_INODES_HI, nfree - 1);
		if (is_dir)
			d_set_count(fs, d, BG_USED_DIRS, BG_USED_DIRS_HI,
				    d_count(fs, d, BG_USED_DIRS, BG_USED_DIRS_HI) + 1);
		if (fs->csum) {
			uint32_t c = bitmap_csum(fs, bm, fs->ipg / 8);

			if (fs->ipg - i - 1 < unused)
				unused = fs->ipg - i - 1;
			d_set_count(fs, d, BG_ITABLE_UNUSED, BG_ITABLE_UNUSED_HI, unused);
			put16(d + BG_FLAGS, get16(d + BG_FLAGS) & ~BG_INODE_UNINIT);
			put16(d + BG_INODE_BITMAP_CSUM, (uint16_t)c);
			if (wide(fs))
				put16(d + BG_INODE_CSUM_HI, (uint16_t)(c >> 16));
		}
		if (desc_write(fs, g, d))
			return -1;
		fs->free_inodes--;
		*ino = g * fs->ipg + i + 1;
		return 0;
	}
	port_log("ext4: no free inode left\n");
	return -1;
}
