/*
 * Mounting (the checks themselves are in ext4_check.c), the checksum seed
 * (§7), block I/O in the partition window, and the superblock updates.
 */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"
#include "capture/fmt.h"

/* ---- block I/O ------------------------------------------------------------ */

static int write_super_state(struct ext4_fs *fs, int clean);

static int io_blocks(struct ext4_fs *fs, uint64_t blk, void *buf, uint64_t n, int wr)
{
	uint8_t *p = buf;
	uint32_t per = fs->bs / fs->ssz;
	uint64_t max = fs->dev->max_transfer / fs->bs;

	if (fs->broken)
		return -1;
	if (wr && !fs->marked_unclean) {
		if (write_super_state(fs, 0) || ext4_flush(fs))
			return -1;
		fs->marked_unclean = 1;
	}
	if (blk >= fs->blocks_count || n > fs->blocks_count - blk) {
		port_log("ext4: internal error: block %llu+%llu is outside the filesystem\n",
			 (unsigned long long)blk, (unsigned long long)n);
		fs->broken = 1;
		return -1;
	}
	if (max == 0)
		max = 1;
	while (n) {
		uint64_t k = n < max ? n : max;
		uint64_t lba = (fs->start + blk * fs->bs) / fs->ssz;
		int r = wr ? blk_write(fs->dev, lba, p, (uint32_t)(k * per))
			   : blk_read(fs->dev, lba, p, (uint32_t)(k * per));

		if (r) {
			port_log("ext4: %s of %llu blocks at block %llu on %s failed\n",
				 wr ? "write" : "read", (unsigned long long)k,
				 (unsigned long long)blk, fs->dev->name);
			fs->broken = 1;
			return -1;
		}
		blk += k;
		p += k * fs->bs;
		n -= k;
	}
	return 0;
}

int ext4_read_blocks(struct ext4_fs *fs, uint64_t blk, void *buf, uint32_t n)
{
	return io_blocks(fs, blk, buf, n, 0);
}

int ext4_write_blocks(struct ext4_fs *fs, uint64_t blk, const void *buf, uint32_t n)
{
	return io_blocks(fs, blk, (void *)buf, n, 1);
}

int ext4_zero_blocks(struct ext4_fs *fs, uint64_t blk, uint64_t n)
{
	uint32_t per = EXT4_ZERO_BUF / fs->bs;

	while (n) {
		uint32_t k = n < per ? (uint32_t)n : per;

		if (io_blocks(fs, blk, fs->zero, k, 1))
			return -1;
		blk += k;
		n -= k;
	}
	return 0;
}

int ext4_drain(struct ext4_fs *fs)
{
	if (fs->broken)
		return -1;
	if (blk_drain(fs->dev)) {
		port_log("ext4: a write to %s failed (see above)\n", fs->dev->name);
		fs->broken = 1;
		return -1;
	}
	return 0;
}

int ext4_flush(struct ext4_fs *fs)
{
	if (fs->broken)
		return -1;
	if (blk_flush(fs->dev)) {
		port_log("ext4: cache flush on %s failed\n", fs->dev->name);
		fs->broken = 1;
		return -1;
	}
	return 0;
}

/* ---- geometry ------------------------------------------------------------- */

static int is_power_of(uint32_t n, uint32_t b)
{
	while (n > 1 && n % b == 0)
		n /= b;
	return n == 1;
}

int ext4_group_has_super(const struct ext4_fs *fs, uint32_t g)
{
	if (g == 0)
		return 1;
	if (fs->compat & COMPAT_SPARSE_SUPER2)
		return g == fs->backup_bgs[0] || g == fs->backup_bgs[1];
	if (!(fs->ro_compat & RO_COMPAT_SPARSE_SUPER))
		return 1;
	return g == 1 || is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

uint64_t ext4_group_first_block(const struct ext4_fs *fs, uint32_t g)
{
	return fs->first_data_block + (uint64_t)g * fs->bpg;
}

uint32_t ext4_group_blocks(const struct ext4_fs *fs, uint32_t g)
{
	uint64_t left = fs->blocks_count - ext4_group_first_block(fs, g);

	return left < fs->bpg ? (uint32_t)left : fs->bpg;
}

/* ---- superblock ---------------------------------------------------------- */

static int write_super_state(struct ext4_fs *fs, int clean)
{
	uint8_t *sb = fs->sb;
	uint16_t state = get16(sb + SB_STATE);

	put16(sb + SB_STATE, clean ? state | SB_STATE_VALID : state & ~SB_STATE_VALID);
	if (fs->csum)
		put32(sb + SB_CHECKSUM, ext4_crc32c(0xFFFFFFFFu, sb, SB_CHECKSUM));
	if (blk_write(fs->dev, fs->sb_lba, fs->scr[SCR_SUPER], fs->sb_nsect)) {
		port_log("ext4: writing the superblock on %s failed\n", fs->dev->name);
		fs->broken = 1;
		return -1;
	}
	return 0;
}

int ext4_write_super(struct ext4_fs *fs)
{
	uint8_t *sb = fs->sb;

	put32(sb + SB_FREE_BLOCKS_LO, (uint32_t)fs->free_blocks);
	if (fs->incompat & INCOMPAT_64BIT)
		put32(sb + SB_FREE_BLOCKS_HI, (uint32_t)(fs->free_blocks >> 32));
	put32(sb + SB_FREE_INODES, fs->free_inodes);
	if (fs->now > 0) {
		put32(sb + SB_WTIME, (uint32_t)fs->now);
		sb[SB_WTIME_HI] = (uint8_t)((uint64_t)fs->now >> 32);
	}
	put64(sb + SB_KBYTES_WRITTEN, get64(sb + SB_KBYTES_WRITTEN) + fs->kbytes_written);
	fs->kbytes_written = 0;
	if (fs->set_large_file) {
		fs->ro_compat |= RO_COMPAT_LARGE_FILE;
		put32(sb + SB_FEATURE_RO_COMPAT, fs->ro_compat);
	}
	if (fs->broken || write_super_state(fs, 1))
		return -1;
	fs->marked_unclean = 0;
	return 0;
}

int ext4_sync(struct ext4_fs *fs)
{
	if (ext4_alloc_flush(fs) || ext4_flush(fs) || ext4_write_super(fs) || ext4_flush(fs))
		return -1;
	return 0;
}

int ext4_mount(struct ext4_fs *fs, struct blk_dev *dev, uint64_t start, uint64_t len,
	       void *buf, size_t bufsize, int64_t now, char *err, size_t errlen)
{
	uint32_t ssz = dev->sector_size;
	uint64_t disk_bytes, lo, hi;
	uint8_t *p = buf, *sb;

	memset(fs, 0, sizeof(*fs));
	if (bufsize < EXT4_FS_BUF_SIZE) {
		return errf(err, errlen, "ext4: buffer of %zu bytes, need %u", bufsize,
			    (unsigned)EXT4_FS_BUF_SIZE);
	}
	if (ssz < 512 || ssz > EXT4_MAX_BLOCK_SIZE || (ssz & (ssz - 1)) ||
	    dev->max_transfer < EXT4_MAX_BLOCK_SIZE) {
		return errf(err, errlen, "ext4: %s: unusable geometry (sector %u bytes, max "
			    "transfer %u)", dev->name, ssz, dev->max_transfer);
	}
	disk_bytes = dev->nsectors * ssz;
	if (start % ssz || len % ssz || start >= disk_bytes || len > disk_bytes - start) {
		return errf(err, errlen, "ext4: %s: partition %llu+%llu does not fit the disk",
			    dev->name, (unsigned long long)start, (unsigned long long)len);
	}
	if (len == 0)
		len = disk_bytes - start;
	for (int i = 0; i < SCR_COUNT; i++)
		fs->scr[i] = p + (size_t)i * EXT4_MAX_BLOCK_SIZE;
	fs->zero = p + SCR_COUNT * EXT4_MAX_BLOCK_SIZE;
	fs->bounce = fs->zero + EXT4_ZERO_BUF;
	memset(fs->zero, 0, EXT4_ZERO_BUF);
	fs->dev = dev;
	fs->start = start;
	fs->len = len;
	fs->ssz = ssz;
	fs->now = now;

	/* The sectors holding bytes [1024, 2048). */
	lo = EXT4_SUPER_OFFSET / ssz;
	hi = (EXT4_SUPER_OFFSET + 1024 + ssz - 1) / ssz;
	if (len < 2048) {
		return errf(err, errlen, "ext4: %s: %llu bytes is too small for a filesystem",
			    dev->name, (unsigned long long)len);
	}
	fs->sb_lba = start / ssz + lo;
	fs->sb_nsect = (uint32_t)(hi - lo);
	if (blk_read(dev, fs->sb_lba, fs->scr[SCR_SUPER], fs->sb_nsect)) {
		return errf(err, errlen, "ext4: reading the superblock from %s failed", dev->name);
	}
	sb = fs->sb = fs->scr[SCR_SUPER] + (EXT4_SUPER_OFFSET - lo * ssz);
	if (ext4_super_refuse(sb, err, errlen))
		return -1;

	fs->bs = 1024u << get32(sb + SB_LOG_BLOCK_SIZE);
	fs->compat = get32(sb + SB_FEATURE_COMPAT);
	fs->incompat = get32(sb + SB_FEATURE_INCOMPAT);
	fs->ro_compat = get32(sb + SB_FEATURE_RO_COMPAT);
	fs->blocks_count = ext4_sb_blocks_count(sb);
	fs->r_blocks = ext4_sb_r_blocks(sb);
	fs->free_blocks = ext4_sb_free_blocks(sb);
	fs->free_inodes = get32(sb + SB_FREE_INODES);
	fs->first_data_block = get32(sb + SB_FIRST_DATA_BLOCK);
	fs->bpg = get32(sb + SB_BLOCKS_PER_GROUP);
	fs->ipg = get32(sb + SB_INODES_PER_GROUP);
	fs->inode_size = get16(sb + SB_INODE_SIZE);
	fs->first_ino = get32(sb + SB_FIRST_INO);
	fs->desc_size = (fs->incompat & INCOMPAT_64BIT) ? get16(sb + SB_DESC_SIZE) : 32;
	fs->reserved_gdt = get16(sb + SB_RESERVED_GDT);
	fs->backup_bgs[0] = get32(sb + SB_BACKUP_BGS);
	fs->backup_bgs[1] = get32(sb + SB_BACKUP_BGS + 4);
	fs->csum = !!(fs->ro_compat & RO_COMPAT_METADATA_CSUM);
	fs->hash_unsigned = !!(get32(sb + SB_FLAGS) & SB_FLAGS_UNSIGNED_HASH);
	for (int i = 0; i < 4; i++)
		fs->hash_seed[i] = get32(sb + SB_HASH_SEED + 4 * i);
	if (fs->incompat & INCOMPAT_CSUM_SEED)
		fs->seed = get32(sb + SB_CHECKSUM_SEED);
	else
		fs->seed = ext4_crc32c(0xFFFFFFFFu, sb + SB_UUID, 16);

	if (fs->bs < ssz) {
		return errf(err, errlen, "ext4: %u-byte blocks on a disk with %u-byte sectors: "
			    "not supported", fs->bs, ssz);
	}
	if (fs->desc_size < 32 || fs->desc_size > 1024 || (fs->desc_size & (fs->desc_size - 1)) ||
	    ((fs->incompat & INCOMPAT_64BIT) && fs->desc_size < 64)) {
		return errf(err, errlen, "ext4: odd group descriptor size %u", fs->desc_size);
	}
	if (fs->first_data_block != (fs->bs == 1024 ? 1u : 0u) ||
	    fs->blocks_count <= fs->first_data_block ||
	    fs->blocks_count > len / fs->bs) {
		return errf(err, errlen, "ext4: %llu blocks of %u bytes do not fit the %llu-byte "
			    "partition", (unsigned long long)fs->blocks_count, fs->bs,
			    (unsigned long long)len);
	}
	fs->ngroups = (uint32_t)((fs->blocks_count - fs->first_data_block + fs->bpg - 1) / fs->bpg);
	if ((uint64_t)fs->ngroups * fs->ipg != get32(sb + SB_INODES_COUNT) ||
	    fs->first_ino < 11 || fs->first_ino >= fs->ipg * (uint64_t)fs->ngroups) {
		return errf(err, errlen, "ext4: inode counts do not add up (%u groups of %u, total %u)",
			    fs->ngroups, fs->ipg, get32(sb + SB_INODES_COUNT));
	}
	fs->gdt_blocks = (uint32_t)(((uint64_t)fs->ngroups * fs->desc_size + fs->bs - 1) / fs->bs);
	fs->generation = (uint32_t)now * 2654435761u;
	fs->bbm_group = UINT32_MAX;
	return 0;
}
