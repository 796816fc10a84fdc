/* Regular files: written at once, or as the vmcore sink (see ext4_file.h). */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"

#define FILE_MODE	(S_IFREG_ | 0400)

/* Blocks an extent tree may need on top of data: a new block per level,
 * and a new level. */
#define TREE_SLACK	(EXT4_MAX_DEPTH + 2)

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* The new file's inode, once its data and tree are on disk. */
static int write_file_inode(struct ext4_fs *fs, uint32_t ino, uint32_t gen,
			    const struct ext4_tree *t, uint64_t size)
{
	uint8_t inode[EXT4_MAX_INODE_SIZE];

	ext4_inode_init(fs, inode, FILE_MODE, gen);
	put16(inode + I_LINKS, 1);
	memcpy(inode + I_BLOCK, t->root, 60);
	ext4_inode_set_size(inode, size);
	ext4_inode_set_blocks(fs, inode, t->next_lblk + t->new_tree_blocks);
	if (size > 0x7FFFFFFFull && !(fs->ro_compat & RO_COMPAT_LARGE_FILE))
		fs->set_large_file = 1;
	return ext4_inode_write(fs, ino, inode);
}

int ext4_write_file(struct ext4_fs *fs, uint32_t dir, const char *name, const void *data,
		    size_t len)
{
	const uint8_t *src = data;
	size_t nlen = strlen(name);
	uint64_t nblocks = div_up(len, fs->bs), done = 0;
	struct ext4_slot s;
	struct ext4_tree t;
	uint8_t *bufs[EXT4_MAX_DEPTH];
	uint32_t ino, gen = fs->generation++;
	uint64_t goal;

	if (ext4_find_slot(fs, dir, name, nlen, &s))
		return -1;
	if (nblocks + TREE_SLACK + (s.grow ? TREE_SLACK + 1 : 0) > ext4_blocks_available(fs) ||
	    fs->free_inodes == 0) {
		port_log("ext4: no space for %s (%zu bytes)\n", name, len);
		return SINK_ERR_NOSPC;
	}
	if (ext4_alloc_inode(fs, ext4_group_of_inode(fs, dir), 0, &ino))
		return -1;
	for (int i = 0; i < EXT4_MAX_DEPTH; i++)
		bufs[i] = fs->scr[SCR_FTREE + i];
	ext4_tree_init(&t, ino, gen, bufs);
	goal = ext4_group_first_block(fs, ext4_group_of_inode(fs, ino));

	/* Data, through the bounce buffer: callers' memory need not be DMA-able. */
	while (done < nblocks) {
		uint64_t first;
		int64_t got = ext4_alloc_blocks(fs, goal, nblocks - done, &first);

		if (got <= 0) {
			if (got == 0)
				port_log("ext4: ran out of blocks writing %s\n", name);
			return -1;
		}
		for (int64_t k = 0; k < got; ) {
			uint64_t per = EXT4_ZERO_BUF / fs->bs, n = (uint64_t)(got - k) < per ?
				       (uint64_t)(got - k) : per;
			uint64_t off = (done + (uint64_t)k) * fs->bs;
			size_t bytes = len - off < n * fs->bs ? len - off : n * fs->bs;

			memset(fs->bounce, 0, n * fs->bs);
			memcpy(fs->bounce, src + off, bytes);
			if (ext4_write_blocks(fs, first + (uint64_t)k, fs->bounce, (uint32_t)n))
				return -1;
			k += (int64_t)n;
		}
		if (ext4_tree_append(fs, &t, first, (uint32_t)got))
			return -1;
		done += (uint64_t)got;
		goal = first + (uint64_t)got;
	}
	fs->kbytes_written += nblocks * fs->bs / 1024;
	if (ext4_tree_write(fs, &t) || ext4_alloc_flush(fs) || ext4_flush(fs))
		return -1;
	if (write_file_inode(fs, ino, gen, &t, len) || ext4_flush(fs))
		return -1;
	if (ext4_link_at(fs, &s, name, nlen, ino, 0, 0) || ext4_flush(fs))
		return -1;
	return 0;
}

/* ---- the vmcore sink ------------------------------------------------------ */

/* The pseudo-device: sector n is logical block n of the file. */
static int vdev_io(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n, int wr)
{
	struct ext4_file_sink *f = d->priv;
	uint8_t *p = buf;

	while (n) {
		uint64_t pblk;
		uint32_t run;
		int r = lba > UINT32_MAX ? 0 : ext4_tree_map(f->fs, &f->tree, (uint32_t)lba,
							     &pblk, &run);

		if (r < 0)
			return -1;
		if (r == 0) {
			/* Never written, never allocated: only reads get here. */
			if (wr)
				return -1;
			memset(p, 0, f->fs->bs);
			run = 1;
		} else {
			if (run > n)
				run = n;
			if (wr ? ext4_write_blocks(f->fs, pblk, p, run)
			       : ext4_read_blocks(f->fs, pblk, p, run))
				return -1;
		}
		lba += run;
		p += (size_t)run * f->fs->bs;
		n -= run;
	}
	return 0;
}

static int vdev_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	return vdev_io(d, lba, buf, n, 0);
}

static int vdev_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	struct ext4_file_sink *f = d->priv;

	f->fs->kbytes_written += (uint64_t)n * f->fs->bs / 1024;
	return vdev_io(d, lba, (void *)buf, n, 1);
}

static int vdev_flush(struct blk_dev *d)
{
	struct ext4_file_sink *f = d->priv;

	return ext4_flush(f->fs);
}

static const struct blk_ops vdev_ops = { vdev_read, vdev_write, vdev_flush, NULL };

/*
 * Zeroes the blocks of a new run [lblk, lblk+n) at pblk that the write
 * [off, end) does not cover whole.
 */
static int zero_uncovered(struct ext4_file_sink *f, uint64_t lblk, uint64_t pblk, uint64_t n,
			  uint64_t off, uint64_t end)
{
	uint64_t bs = f->fs->bs, lo = div_up(off, bs), hi = end / bs;

	if (hi < lo)
		hi = lo;
	/* [lblk, lo) and [hi, lblk+n), clipped to the run */
	if (lblk < lo) {
		uint64_t k = (lo < lblk + n ? lo : lblk + n) - lblk;

		if (ext4_zero_blocks(f->fs, pblk, k))
			return -1;
	}
	if (lblk + n > hi) {
		uint64_t s = hi > lblk ? hi : lblk;

		if (ext4_zero_blocks(f->fs, pblk + (s - lblk), lblk + n - s))
			return -1;
	}
	return 0;
}

/* Makes logical blocks [next_lblk, blocks) part of the file. */
static int extend(struct ext4_file_sink *f, uint64_t blocks, uint64_t off, uint64_t end)
{
	struct ext4_fs *fs = f->fs;
	uint64_t need = blocks - f->tree.next_lblk, avail = ext4_blocks_available(fs);

	if (blocks > UINT32_MAX)
		return SINK_ERR_NOSPC;	/* beyond what an extent can address */
	if (avail < fs->reserve + TREE_SLACK || need > avail - fs->reserve - TREE_SLACK)
		return SINK_ERR_NOSPC;
	while (f->tree.next_lblk < blocks) {
		uint64_t first, lblk = f->tree.next_lblk;
		int64_t got = ext4_alloc_blocks(fs, f->goal, blocks - lblk, &first);

		if (got < 0)
			return SINK_ERR_IO;
		if (got == 0)
			return SINK_ERR_NOSPC;	/* the counts lied; what we got is zeroed */
		/* On a failed write the caller's bytes never land: zero it all. */
		if (zero_uncovered(f, lblk, first, (uint64_t)got, off, end))
			return SINK_ERR_IO;
		if (ext4_tree_append(fs, &f->tree, first, (uint32_t)got))
			return fs->broken ? SINK_ERR_IO : SINK_ERR_NOSPC;
		f->goal = first + (uint64_t)got;
	}
	return 0;
}

static int sink_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct ext4_file_sink *f = (struct ext4_file_sink *)s;
	uint64_t end = off + len;
	int r;

	if (f->error)
		return f->error;
	if (f->done || end < off)
		return SINK_ERR_IO;
	if (len == 0)
		return 0;
	if (div_up(end, f->fs->bs) > f->tree.next_lblk) {
		r = extend(f, div_up(end, f->fs->bs), off, end);
		if (r == SINK_ERR_NOSPC) {
			/* Not sticky: writes inside the file still work. If a partial
			 * extension happened its blocks are zeroed and part of the file. */
			if (f->tree.next_lblk * (uint64_t)f->fs->bs > f->size)
				f->size = f->tree.next_lblk * (uint64_t)f->fs->bs;
			return r;
		}
		if (r) {
			f->error = r;
			return r;
		}
	}
	r = f->raw.sink.write(&f->raw.sink, off, buf, len);
	if (r) {
		f->error = r;
		return r;
	}
	if (end > f->size)
		f->size = end;
	return 0;
}

static int sink_finish(struct sink *s)
{
	struct ext4_file_sink *f = (struct ext4_file_sink *)s;
	struct ext4_fs *fs = f->fs;
	size_t nlen = strlen(f->fname);

	if (f->error)
		return f->error;
	if (f->done)
		return 0;
	f->done = 1;
	/* Data and tree, then bitmaps, then the inode, then the name. */
	if (f->raw.sink.finish(&f->raw.sink) || ext4_tree_write(fs, &f->tree) ||
	    ext4_alloc_flush(fs) || ext4_flush(fs))
		goto io;
	if (write_file_inode(fs, f->ino, f->gen, &f->tree, f->size) || ext4_flush(fs))
		goto io;
	if (ext4_link(fs, f->dir, f->fname, nlen, f->ino, 0) || ext4_sync(fs))
		goto io;
	return 0;
io:
	f->error = SINK_ERR_IO;
	return SINK_ERR_IO;
}

int ext4_file_sink_open(struct ext4_file_sink *f, struct ext4_fs *fs, uint32_t dir,
			const char *name, void *buf, size_t bufsize, uint64_t reserve_bytes)
{
	uint8_t *bufs[EXT4_MAX_DEPTH], *p = buf;
	size_t nlen = strlen(name);
	struct ext4_slot slot;
	char err[160];
	uint64_t avail;

	memset(f, 0, sizeof(*f));
	if (bufsize < EXT4_SINK_TREE_BUF + 4 * 4096) {
		port_log("ext4: file sink buffer too small\n");
		return -1;
	}
	if (nlen >= sizeof(f->fname) || ext4_find_slot(fs, dir, name, nlen, &slot))
		return -1;
	f->fs = fs;
	f->dir = dir;
	memcpy(f->fname, name, nlen + 1);
	f->gen = fs->generation++;
	if (ext4_alloc_inode(fs, ext4_group_of_inode(fs, dir), 0, &f->ino))
		return -1;
	for (int i = 0; i < EXT4_MAX_DEPTH; i++)
		bufs[i] = p + (size_t)i * EXT4_MAX_BLOCK_SIZE;
	ext4_tree_init(&f->tree, f->ino, f->gen, bufs);
	/* Start where the most room is, for long contiguous runs. */
	f->goal = ext4_group_first_block(fs, ext4_emptiest_group(fs));
	fs->reserve = div_up(reserve_bytes, fs->bs);

	f->vdev.ops = &vdev_ops;
	f->vdev.sector_size = fs->bs;
	f->vdev.nsectors = (uint64_t)UINT32_MAX;
	f->vdev.max_transfer = 1u << 30;
	snprintf(f->vdev.name, sizeof(f->vdev.name), "ext4 inode %u", f->ino);
	f->vdev.priv = f;
	if (raw_sink_open(&f->raw, &f->vdev, 0, 0, p + EXT4_SINK_TREE_BUF,
			  bufsize - EXT4_SINK_TREE_BUF, err, sizeof(err))) {
		port_log("ext4: %s\n", err);
		return -1;
	}
	avail = ext4_blocks_available(fs);
	avail = avail > fs->reserve + TREE_SLACK ? avail - fs->reserve - TREE_SLACK : 0;
	snprintf(f->name, sizeof(f->name), "ext4 %s inode %u (%s)", fs->dev->name, f->ino, name);
	f->sink.write = sink_write;
	f->sink.finish = sink_finish;
	f->sink.capacity = avail ? avail * fs->bs : 1;	/* 0 would mean "no limit" */
	f->sink.name = f->name;
	return 0;
}
