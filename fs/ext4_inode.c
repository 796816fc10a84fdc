/* Inodes: location, fields, checksum (§3). */
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"

#define EXTRA_ISIZE	32

uint32_t ext4_group_of_inode(const struct ext4_fs *fs, uint32_t ino)
{
	return (ino - 1) / fs->ipg;
}

static int locate(struct ext4_fs *fs, uint32_t ino, uint64_t *blk, uint32_t *off)
{
	uint64_t itab, byte;

	if (ino == 0 || ino > (uint64_t)fs->ngroups * fs->ipg) {
		port_log("ext4: inode %u does not exist\n", ino);
		return -1;
	}
	if (ext4_inode_table(fs, ext4_group_of_inode(fs, ino), &itab))
		return -1;
	byte = (uint64_t)((ino - 1) % fs->ipg) * fs->inode_size;
	*blk = itab + byte / fs->bs;
	*off = (uint32_t)(byte % fs->bs);
	return 0;
}

uint32_t ext4_inode_seed(struct ext4_fs *fs, uint32_t ino, uint32_t gen)
{
	return ext4_crc32c_le32(ext4_crc32c_le32(fs->seed, ino), gen);
}

static uint32_t inode_csum(struct ext4_fs *fs, uint32_t ino, const uint8_t *inode)
{
	static const uint8_t zero2[2];
	uint32_t c = ext4_inode_seed(fs, ino, get32(inode + I_GENERATION));
	int has_hi = fs->inode_size > 128 && get16(inode + I_EXTRA_ISIZE) >= 4;

	/* The whole record, with both checksum halves read as zero. */
	c = ext4_crc32c(c, inode, I_CSUM_LO);
	c = ext4_crc32c(c, zero2, 2);
	c = ext4_crc32c(c, inode + I_CSUM_LO + 2, 128 - (I_CSUM_LO + 2));
	if (fs->inode_size > 128) {
		c = ext4_crc32c(c, inode + 128, 2);
		if (has_hi) {
			c = ext4_crc32c(c, zero2, 2);
			c = ext4_crc32c(c, inode + I_CSUM_HI + 2, fs->inode_size - (I_CSUM_HI + 2));
		} else {
			c = ext4_crc32c(c, inode + I_CSUM_HI, fs->inode_size - I_CSUM_HI);
		}
	}
	return c;
}

int ext4_inode_read(struct ext4_fs *fs, uint32_t ino, uint8_t *inode)
{
	uint64_t blk;
	uint32_t off;

	if (locate(fs, ino, &blk, &off) || ext4_read_blocks(fs, blk, fs->scr[SCR_ITAB], 1))
		return -1;
	memcpy(inode, fs->scr[SCR_ITAB] + off, fs->inode_size);
	if (fs->csum) {
		uint32_t c = inode_csum(fs, ino, inode);
		uint32_t want = get16(inode + I_CSUM_LO);

		if (get16(inode + I_EXTRA_ISIZE) >= 4)
			want |= (uint32_t)get16(inode + I_CSUM_HI) << 16;
		else
			c &= 0xFFFF;
		if (c != want) {
			port_log("ext4: inode %u has a bad checksum: not touching it (run e2fsck)\n",
				 ino);
			return -1;
		}
	}
	return 0;
}

int ext4_inode_write(struct ext4_fs *fs, uint32_t ino, uint8_t *inode)
{
	uint64_t blk;
	uint32_t off;

	if (fs->csum) {
		uint32_t c = inode_csum(fs, ino, inode);

		put16(inode + I_CSUM_LO, (uint16_t)c);
		if (get16(inode + I_EXTRA_ISIZE) >= 4)
			put16(inode + I_CSUM_HI, (uint16_t)(c >> 16));
	}
	if (locate(fs, ino, &blk, &off) || ext4_read_blocks(fs, blk, fs->scr[SCR_ITAB], 1))
		return -1;
	memcpy(fs->scr[SCR_ITAB] + off, inode, fs->inode_size);
	return ext4_write_blocks(fs, blk, fs->scr[SCR_ITAB], 1);
}

static void put_time(uint8_t *inode, int off, int extra_off, int64_t t, int has_extra)
{
	put32(inode + off, (uint32_t)t);
	/* extra: nanoseconds << 2 | epoch bits (the seconds' bits above 32) */
	if (has_extra)
		put32(inode + extra_off, (uint32_t)(((t - (int32_t)t) >> 32) & 3));
}

void ext4_inode_set_times(struct ext4_fs *fs, uint8_t *inode, int ctime_mtime_only)
{
	int extra = fs->inode_size > 128 && get16(inode + I_EXTRA_ISIZE) >= 24;
	int64_t t = fs->now;

	put_time(inode, I_CTIME, I_CTIME_EXTRA, t, extra);
	put_time(inode, I_MTIME, I_MTIME_EXTRA, t, extra);
	if (!ctime_mtime_only) {
		put_time(inode, I_ATIME, I_ATIME_EXTRA, t, extra);
		if (fs->inode_size > 128 && get16(inode + I_EXTRA_ISIZE) >= 28)
			put_time(inode, I_CRTIME, I_CRTIME_EXTRA, t, 1);
	}
}

void ext4_inode_init(struct ext4_fs *fs, uint8_t *inode, uint16_t mode, uint32_t gen)
{
	memset(inode, 0, fs->inode_size);
	put16(inode + I_MODE, mode);
	put32(inode + I_GENERATION, gen);
	put32(inode + I_FLAGS, EXT4_EXTENTS_FL);
	if (fs->inode_size > 128)
		put16(inode + I_EXTRA_ISIZE, EXTRA_ISIZE);
	ext4_inode_set_times(fs, inode, 0);
}

uint64_t ext4_inode_size(const uint8_t *inode)
{
	return get32(inode + I_SIZE_LO) | (uint64_t)get32(inode + I_SIZE_HI) << 32;
}

void ext4_inode_set_size(uint8_t *inode, uint64_t size)
{
	put32(inode + I_SIZE_LO, (uint32_t)size);
	put32(inode + I_SIZE_HI, (uint32_t)(size >> 32));
}

uint64_t ext4_inode_blocks(struct ext4_fs *fs, const uint8_t *inode)
{
	uint64_t n = get32(inode + I_BLOCKS_LO) | (uint64_t)get16(inode + I_BLOCKS_HI) << 32;

	if (get32(inode + I_FLAGS) & EXT4_HUGE_FILE_FL)
		return n;		/* already in fs blocks */
	return n / (fs->bs / 512);
}

/* In 512-byte units, HUGE_FILE_FL clear (§3). */
void ext4_inode_set_blocks(struct ext4_fs *fs, uint8_t *inode, uint64_t nblocks)
{
	uint64_t n = nblocks * (fs->bs / 512);

	put32(inode + I_FLAGS, get32(inode + I_FLAGS) & ~EXT4_HUGE_FILE_FL);
	put32(inode + I_BLOCKS_LO, (uint32_t)n);
	put16(inode + I_BLOCKS_HI, (uint16_t)(n >> 32));
}
