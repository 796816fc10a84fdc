/*
 * What the writer refuses (§1), decided from the raw superblock alone, so
 * that the loader gives the same verdict at load time as the capture image
 * at crash time. No I/O and no logging here: the loader links this too.
 */
#include <stdio.h>
#include <string.h>

#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"
#include "capture/fmt.h"

/* Incompat and ro_compat features, by name, so a refusal says which one. */
struct feature { uint32_t bit; const char *name; };

static const struct feature incompat_names[] = {
	{ 0x1, "compression" }, { 0x8, "journal_dev" }, { 0x10, "meta_bg" },
	{ 0x100, "mmp" }, { 0x1000, "dirdata" }, { 0x4000, "large_dir" },
	{ 0x8000, "inline_data" }, { 0x10000, "encrypt" }, { 0x20000, "casefold" },
};
static const struct feature ro_names[] = {
	{ 0x4, "btree_dir" }, { 0x10, "uninit_bg (gdt_csum)" }, { 0x80, "snapshot" },
	{ 0x100, "quota" }, { 0x200, "bigalloc" }, { 0x800, "replica" },
	{ 0x1000, "read-only" }, { 0x2000, "project" }, { 0x4000, "shared_blocks" },
	{ 0x8000, "verity" },
};

#define INCOMPAT_OK (INCOMPAT_FILETYPE | INCOMPAT_EXTENTS | INCOMPAT_64BIT | \
		     INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED)
#define RO_OK (RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_HUGE_FILE | \
	       RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM)

static int refuse_features(uint32_t have, uint32_t ok, const struct feature *names,
			   size_t n, const char *kind, char *err, size_t errlen)
{
	uint32_t bad = have & ~ok;

	if (!bad)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (bad & names[i].bit) {
			return errf(err, errlen, "ext4: the filesystem uses the %s feature, which "
				    "dumpling cannot write safely; use a filesystem made with "
				    "plain `mkfs.ext4`", names[i].name);
		}
	return errf(err, errlen, "ext4: unknown %s feature bits 0x%x: refusing to write", kind, bad);
}

/*
 * Everything we refuse, checked on a raw superblock. The messages are the
 * ones the loader shows too, so a user sees the problem at load time.
 */
int ext4_super_refuse(const uint8_t *sb, char *err, size_t errlen)
{
	uint32_t log_bs = get32(sb + SB_LOG_BLOCK_SIZE);
	uint32_t incompat = get32(sb + SB_FEATURE_INCOMPAT);
	uint32_t ro = get32(sb + SB_FEATURE_RO_COMPAT);
	uint32_t bpg = get32(sb + SB_BLOCKS_PER_GROUP), ipg = get32(sb + SB_INODES_PER_GROUP);
	uint32_t isz = get16(sb + SB_INODE_SIZE);
	uint16_t state = get16(sb + SB_STATE);

	if (get16(sb + SB_MAGIC) != EXT4_SUPER_MAGIC) {
		return errf(err, errlen, "ext4: no ext2/3/4 superblock (magic 0x%04x)",
			    get16(sb + SB_MAGIC));
	}
	if (incompat & INCOMPAT_RECOVER) {
		return errf(err, errlen, "ext4: the journal needs recovery (the filesystem is "
			    "mounted read-write, or was not unmounted cleanly): not writing to it; "
			    "use a dump filesystem that is not mounted, or mounted read-only");
	}
	if ((ro & RO_COMPAT_ORPHAN_PRESENT) || get32(sb + SB_LAST_ORPHAN)) {
		return errf(err, errlen, "ext4: the filesystem has orphan inodes to clean up "
			    "(it was not unmounted cleanly): run e2fsck on it");
	}
	if (state != SB_STATE_VALID) {
		return errf(err, errlen, "ext4: the filesystem is not marked clean (state 0x%x%s): "
			    "run e2fsck on it", state, state & 2 ? ", errors" : "");
	}
	if (refuse_features(incompat, INCOMPAT_OK, incompat_names,
			    sizeof(incompat_names) / sizeof(incompat_names[0]), "incompat",
			    err, errlen) ||
	    refuse_features(ro, RO_OK, ro_names, sizeof(ro_names) / sizeof(ro_names[0]),
			    "ro_compat", err, errlen))
		return -1;
	if (!(incompat & INCOMPAT_EXTENTS) || !(incompat & INCOMPAT_FILETYPE)) {
		return errf(err, errlen, "ext4: the filesystem lacks the %s feature (ext2/ext3?): "
			    "dumpling writes only ext4", !(incompat & INCOMPAT_EXTENTS) ?
			    "extent" : "filetype");
	}
	if (log_bs > 2) {
		return errf(err, errlen, "ext4: block size %u is larger than 4096: not supported",
			    log_bs < 20 ? 1024u << log_bs : 0);
	}
	if (get32(sb + SB_LOG_CLUSTER_SIZE) != log_bs) {
		return errf(err, errlen, "ext4: cluster size differs from block size: not supported");
	}
	if ((ro & RO_COMPAT_METADATA_CSUM) && sb[SB_CHECKSUM_TYPE] != 1) {
		return errf(err, errlen, "ext4: unknown checksum type %u", sb[SB_CHECKSUM_TYPE]);
	}
	if ((ro & RO_COMPAT_METADATA_CSUM) &&
	    ext4_crc32c(0xFFFFFFFFu, sb, SB_CHECKSUM) != get32(sb + SB_CHECKSUM)) {
		return errf(err, errlen, "ext4: the superblock checksum is wrong: run e2fsck on it");
	}
	if (get32(sb + SB_REV_LEVEL) < 1 || isz < 256 || isz > (1024u << log_bs) ||
	    isz > EXT4_MAX_INODE_SIZE || (isz & (isz - 1))) {
		return errf(err, errlen, "ext4: inode size %u: dumpling handles 256 to %u",
			    isz, EXT4_MAX_INODE_SIZE);
	}
	if (bpg == 0 || bpg != 8 * (1024u << log_bs) || ipg == 0 || ipg % 8 ||
	    ipg > 8 * (1024u << log_bs)) {
		return errf(err, errlen, "ext4: odd group geometry (%u blocks, %u inodes per group)",
			    bpg, ipg);
	}
	return 0;
}

uint64_t ext4_sb_blocks_count(const uint8_t *sb)
{
	uint64_t n = get32(sb + SB_BLOCKS_COUNT_LO);

	if (get32(sb + SB_FEATURE_INCOMPAT) & INCOMPAT_64BIT)
		n |= (uint64_t)get32(sb + SB_BLOCKS_COUNT_HI) << 32;
	return n;
}

uint64_t ext4_sb_free_blocks(const uint8_t *sb)
{
	uint64_t n = get32(sb + SB_FREE_BLOCKS_LO);

	if (get32(sb + SB_FEATURE_INCOMPAT) & INCOMPAT_64BIT)
		n |= (uint64_t)get32(sb + SB_FREE_BLOCKS_HI) << 32;
	return n;
}

uint64_t ext4_sb_r_blocks(const uint8_t *sb)
{
	uint64_t n = get32(sb + SB_R_BLOCKS_COUNT_LO);

	if (get32(sb + SB_FEATURE_INCOMPAT) & INCOMPAT_64BIT)
		n |= (uint64_t)get32(sb + SB_R_BLOCKS_COUNT_HI) << 32;
	return n;
}

int ext4_check_super(const uint8_t *sb, uint64_t *free_bytes, char *err, size_t errlen)
{
	uint64_t fb, rb;

	if (ext4_super_refuse(sb, err, errlen))
		return -1;
	fb = ext4_sb_free_blocks(sb);
	rb = ext4_sb_r_blocks(sb);
	*free_bytes = (fb > rb ? fb - rb : 0) << (10 + get32(sb + SB_LOG_BLOCK_SIZE));
	return 0;
}
