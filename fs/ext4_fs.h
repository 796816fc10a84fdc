/*
 * Our own small ext4 writer: adds directories and files to an existing,
 * cleanly unmounted ext4 filesystem on a blk_dev, keeping it e2fsck-clean.
 * The rules it follows are in docs/ext4-writing.md; the section
 * numbers in comments (§N) refer to it.
 *
 * It never frees or rewrites existing data; it only allocates. Writes are
 * ordered so that an interruption at any point leaves at worst leaked blocks
 * or inodes (§8): bitmaps and group descriptors first, then new contents,
 * then the new inode, then the directory entry that makes it visible, then
 * the superblock counts.
 *
 * Memory is one caller-supplied buffer (DMA-able in the image) cut into a
 * fixed number of block-sized scratch areas: nothing grows with the size of
 * the filesystem or of the files written.
 *
 * Files: ext4_super.c (mount, features, superblock, block I/O),
 * ext4_alloc.c (group descriptors, bitmaps, allocation), ext4_inode.c
 * (inodes), ext4_extent.c (extent trees), ext4_hash.c (htree name hash),
 * ext4_dir.c (directories), ext4_file.c (files and the vmcore sink).
 */
#ifndef FS_EXT4_FS_H
#define FS_EXT4_FS_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/blk.h"

/* ---- on-disk constants (§1-§5) ------------------------------------------- */

#define EXT4_SUPER_OFFSET	1024
#define EXT4_SUPER_MAGIC	0xEF53
#define EXT4_ROOT_INO		2

/* superblock field offsets */
#define SB_INODES_COUNT		0x00
#define SB_BLOCKS_COUNT_LO	0x04
#define SB_R_BLOCKS_COUNT_LO	0x08
#define SB_FREE_BLOCKS_LO	0x0C
#define SB_FREE_INODES		0x10
#define SB_FIRST_DATA_BLOCK	0x14
#define SB_LOG_BLOCK_SIZE	0x18
#define SB_LOG_CLUSTER_SIZE	0x1C
#define SB_BLOCKS_PER_GROUP	0x20
#define SB_INODES_PER_GROUP	0x28
#define SB_WTIME		0x30
#define SB_MAGIC		0x38
#define SB_STATE		0x3A
#define SB_REV_LEVEL		0x4C
#define SB_FIRST_INO		0x54
#define SB_INODE_SIZE		0x58
#define SB_FEATURE_COMPAT	0x5C
#define SB_FEATURE_INCOMPAT	0x60
#define SB_FEATURE_RO_COMPAT	0x64
#define SB_UUID			0x68
#define SB_RESERVED_GDT		0xCE
#define SB_LAST_ORPHAN		0xE8
#define SB_HASH_SEED		0xEC
#define SB_DEF_HASH_VERSION	0xFC
#define SB_DESC_SIZE		0xFE
#define SB_BLOCKS_COUNT_HI	0x150
#define SB_R_BLOCKS_COUNT_HI	0x154
#define SB_FREE_BLOCKS_HI	0x158
#define SB_FLAGS		0x160
#define SB_LOG_GROUPS_PER_FLEX	0x174
#define SB_CHECKSUM_TYPE	0x175
#define SB_KBYTES_WRITTEN	0x178
#define SB_BACKUP_BGS		0x24C
#define SB_CHECKSUM_SEED	0x270
#define SB_WTIME_HI		0x274
#define SB_CHECKSUM		0x3FC

#define SB_STATE_VALID		0x1
#define SB_FLAGS_UNSIGNED_HASH	0x2

#define COMPAT_SPARSE_SUPER2	0x200

#define INCOMPAT_FILETYPE	0x2
#define INCOMPAT_RECOVER	0x4
#define INCOMPAT_EXTENTS	0x40
#define INCOMPAT_64BIT		0x80
#define INCOMPAT_FLEX_BG	0x200
#define INCOMPAT_EA_INODE	0x400
#define INCOMPAT_CSUM_SEED	0x2000

#define RO_COMPAT_SPARSE_SUPER	0x1
#define RO_COMPAT_LARGE_FILE	0x2
#define RO_COMPAT_HUGE_FILE	0x8
#define RO_COMPAT_DIR_NLINK	0x20
#define RO_COMPAT_EXTRA_ISIZE	0x40
#define RO_COMPAT_METADATA_CSUM	0x400
#define RO_COMPAT_ORPHAN_PRESENT 0x10000

/* group descriptor offsets (lo; hi halves in the 64-byte form) */
#define BG_BLOCK_BITMAP		0x00
#define BG_INODE_BITMAP		0x04
#define BG_INODE_TABLE		0x08
#define BG_FREE_BLOCKS		0x0C
#define BG_FREE_INODES		0x0E
#define BG_USED_DIRS		0x10
#define BG_FLAGS		0x12
#define BG_BLOCK_BITMAP_CSUM	0x18
#define BG_INODE_BITMAP_CSUM	0x1A
#define BG_ITABLE_UNUSED	0x1C
#define BG_CHECKSUM		0x1E
#define BG_HI			0x20	/* add to a lo offset: its hi half */

#define BG_INODE_UNINIT		0x1
#define BG_BLOCK_UNINIT		0x2
#define BG_INODE_ZEROED		0x4

/* inode offsets (§3) */
#define I_MODE			0x00
#define I_UID			0x02
#define I_SIZE_LO		0x04
#define I_ATIME			0x08
#define I_CTIME			0x0C
#define I_MTIME			0x10
#define I_DTIME			0x14
#define I_GID			0x18
#define I_LINKS			0x1A
#define I_BLOCKS_LO		0x1C
#define I_FLAGS			0x20
#define I_BLOCK			0x28
#define I_GENERATION		0x64
#define I_FILE_ACL_LO		0x68
#define I_SIZE_HI		0x6C
#define I_BLOCKS_HI		0x74
#define I_CSUM_LO		0x7C
#define I_EXTRA_ISIZE		0x80
#define I_CSUM_HI		0x82
#define I_CTIME_EXTRA		0x84
#define I_MTIME_EXTRA		0x88
#define I_ATIME_EXTRA		0x8C
#define I_CRTIME		0x90
#define I_CRTIME_EXTRA		0x94

#define S_IFMT_			0xF000
#define S_IFREG_		0x8000
#define S_IFDIR_		0x4000

#define EXT4_INDEX_FL		0x1000
#define EXT4_HUGE_FILE_FL	0x40000
#define EXT4_EXTENTS_FL		0x80000
#define EXT4_INLINE_DATA_FL	0x10000000

#define EXT4_LINK_MAX		65000

/* ---- little-endian field access ------------------------------------------ */

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* ---- the mounted filesystem ---------------------------------------------- */

#define EXT4_MAX_BLOCK_SIZE	4096u
#define EXT4_MAX_INODE_SIZE	1024u
#define EXT4_ZERO_BUF		(64u << 10)
#define EXT4_MAX_DEPTH		3	/* extent-tree depth we build (kernel allows 5) */

/* The scratch blocks, one concept each, so calls never share one by accident. */
enum ext4_scratch {
	SCR_SUPER,		/* the sectors holding the superblock */
	SCR_GDT,		/* one group-descriptor block, cached */
	SCR_BBM,		/* the block bitmap being allocated from, cached */
	SCR_IBM,		/* an inode bitmap */
	SCR_ITAB,		/* an inode-table block */
	SCR_DIR,		/* a directory block being read or changed */
	SCR_DX,			/* an htree root or node */
	SCR_MAP,		/* extent-tree walks (logical -> physical) */
	SCR_DTREE,		/* EXT4_MAX_DEPTH blocks: a directory's tree, to grow it */
	SCR_FTREE = SCR_DTREE + EXT4_MAX_DEPTH,	/* EXT4_MAX_DEPTH: a small file's tree */
	SCR_COUNT = SCR_FTREE + EXT4_MAX_DEPTH
};

/* An extent tree being appended to: the root and its rightmost path. */
struct ext4_tree {
	uint32_t ino, gen;
	uint8_t root[60];		/* i_block */
	int depth;
	uint8_t *node[EXT4_MAX_DEPTH];	/* node[d]: the block at depth d below the root
					 * (0 = a leaf when depth >= 1) */
	uint64_t node_blk[EXT4_MAX_DEPTH];
	uint64_t new_tree_blocks;	/* index and leaf blocks we added, for i_blocks */
	uint32_t next_lblk;		/* logical blocks mapped so far */
	uint64_t last_pend;		/* physical block after the last extent */
	uint32_t cache_lblk, cache_len;	/* the extent found last by ext4_tree_map */
	uint64_t cache_pblk;
};

struct ext4_fs {
	struct blk_dev *dev;
	uint64_t start, len;		/* byte window on the device */
	uint32_t ssz;

	uint32_t bs;			/* block size */
	uint64_t blocks_count, first_data_block, r_blocks;
	uint32_t bpg, ipg, inode_size, desc_size, ngroups, first_ino;
	uint32_t gdt_blocks, reserved_gdt;
	uint32_t compat, incompat, ro_compat;
	int csum;			/* metadata_csum */
	uint32_t seed;			/* §7 */
	uint32_t hash_seed[4];
	int hash_unsigned;
	uint32_t backup_bgs[2];

	/* Counts as they will be once everything is written. */
	uint64_t free_blocks;
	uint32_t free_inodes;
	uint64_t kbytes_written;
	int set_large_file;

	uint8_t *scr[SCR_COUNT];
	uint8_t *sb;			/* the superblock inside scr[SCR_SUPER] */
	uint64_t sb_lba;
	uint32_t sb_nsect;
	uint8_t *zero;			/* EXT4_ZERO_BUF bytes, kept zero */
	uint8_t *bounce;		/* EXT4_ZERO_BUF bytes for copying callers' data */

	uint64_t gdt_cached;		/* block in scr[SCR_GDT]; 0: none */
	uint32_t bbm_group;		/* group in scr[SCR_BBM] */
	int bbm_valid;
	uint32_t bbm_taken;		/* blocks allocated in it, not yet in its descriptor */
	uint32_t bbm_cursor;		/* next bit to look at */

	uint64_t reserve;		/* blocks the vmcore must leave for others */
	uint32_t generation;		/* next i_generation */
	int64_t now;			/* timestamps, Unix seconds */
	int broken;			/* an I/O failed: stop writing */
	int marked_unclean;		/* the superblock on disk says "not clean" */

	/* Test knob: allocate at most this many contiguous blocks, then skip one
	 * (0: off). Makes fragmented files to exercise deep extent trees. */
	uint32_t test_max_run;
};

/* Bytes of buffer ext4_mount needs (blocks of EXT4_MAX_BLOCK_SIZE). */
#define EXT4_FS_BUF_SIZE	(SCR_COUNT * EXT4_MAX_BLOCK_SIZE + 2 * EXT4_ZERO_BUF)

/*
 * Opens the ext4 filesystem in the byte window [start, start+len) of dev (len
 * 0: to the end of the disk) for writing. buf is EXT4_FS_BUF_SIZE DMA-able
 * bytes. now is the time to stamp on what we create. Refuses, with a message
 * in err, anything it cannot write safely: a journal that needs recovery,
 * orphans, errors, or a feature it does not handle. Returns 0 or -1.
 */
int ext4_mount(struct ext4_fs *fs, struct blk_dev *dev, uint64_t start, uint64_t len,
	       void *buf, size_t bufsize, int64_t now, char *err, size_t errlen);

/*
 * Checks a raw superblock (1024 bytes at byte 1024) the way ext4_mount does,
 * without a device: for the loader. Fills *free_bytes with the space a dump
 * may use. Returns 0, or -1 with a message.
 */
int ext4_check_super(const uint8_t *sb, uint64_t *free_bytes, char *err, size_t errlen);

/* ext4_check.c: the refusals on a raw superblock (ext4_mount uses them too). */
int ext4_super_refuse(const uint8_t *sb, char *err, size_t errlen);
uint64_t ext4_sb_blocks_count(const uint8_t *sb);
uint64_t ext4_sb_free_blocks(const uint8_t *sb);
uint64_t ext4_sb_r_blocks(const uint8_t *sb);

/*
 * Writes the allocator's pending state, then the superblock with its counts,
 * marked clean again, and flushes. Before the first change after a mount or
 * a sync the superblock is marked not clean, so that if we are interrupted
 * the boot-time `fsck -p` checks the filesystem (and mends its leaks)
 * instead of trusting it.
 */
int ext4_sync(struct ext4_fs *fs);

/* ---- internal, shared by the ext4_*.c files -------------------------------- */

int ext4_read_blocks(struct ext4_fs *fs, uint64_t blk, void *buf, uint32_t n);
int ext4_write_blocks(struct ext4_fs *fs, uint64_t blk, const void *buf, uint32_t n);
int ext4_flush(struct ext4_fs *fs);
int ext4_drain(struct ext4_fs *fs);	/* writes so far completed; no cache flush */
int ext4_zero_blocks(struct ext4_fs *fs, uint64_t blk, uint64_t n);
int ext4_write_super(struct ext4_fs *fs);
int ext4_group_has_super(const struct ext4_fs *fs, uint32_t g);
uint64_t ext4_group_first_block(const struct ext4_fs *fs, uint32_t g);
uint32_t ext4_group_blocks(const struct ext4_fs *fs, uint32_t g);

/* ext4_alloc.c */
/* Where group g's inode table starts. */
int ext4_inode_table(struct ext4_fs *fs, uint32_t g, uint64_t *blk);
/*
 * Allocates up to want contiguous blocks (at least 1), starting the search at
 * goal. Returns the count and the first block in *first, 0 if the
 * filesystem is full, or -1 after an I/O error.
 */
int64_t ext4_alloc_blocks(struct ext4_fs *fs, uint64_t goal, uint64_t want, uint64_t *first);
int ext4_alloc_flush(struct ext4_fs *fs);
/* Allocates an inode near group goal_group; its slot is zeroed on disk. */
int ext4_alloc_inode(struct ext4_fs *fs, uint32_t goal_group, int is_dir, uint32_t *ino);
/* Blocks a new file may still use, leaving the root reserve alone. */
uint64_t ext4_blocks_available(const struct ext4_fs *fs);
uint32_t ext4_emptiest_group(struct ext4_fs *fs);

/* ext4_inode.c */
int ext4_inode_read(struct ext4_fs *fs, uint32_t ino, uint8_t *inode);	/* inode_size bytes */
int ext4_inode_write(struct ext4_fs *fs, uint32_t ino, uint8_t *inode);	/* sets the checksum */
void ext4_inode_init(struct ext4_fs *fs, uint8_t *inode, uint16_t mode, uint32_t gen);
void ext4_inode_set_times(struct ext4_fs *fs, uint8_t *inode, int ctime_mtime_only);
uint64_t ext4_inode_size(const uint8_t *inode);
void ext4_inode_set_size(uint8_t *inode, uint64_t size);
uint64_t ext4_inode_blocks(struct ext4_fs *fs, const uint8_t *inode);	/* in fs blocks */
void ext4_inode_set_blocks(struct ext4_fs *fs, uint8_t *inode, uint64_t nblocks);
uint32_t ext4_inode_seed(struct ext4_fs *fs, uint32_t ino, uint32_t gen);
uint32_t ext4_group_of_inode(const struct ext4_fs *fs, uint32_t ino);

/* ext4_extent.c */
void ext4_tree_init(struct ext4_tree *t, uint32_t ino, uint32_t gen, uint8_t *bufs[EXT4_MAX_DEPTH]);
/* Loads an existing inode's tree to append to it (directories). */
int ext4_tree_load(struct ext4_fs *fs, struct ext4_tree *t, uint32_t ino, const uint8_t *inode);
/* Maps the next len logical blocks to pblk..; may allocate tree blocks. */
int ext4_tree_append(struct ext4_fs *fs, struct ext4_tree *t, uint64_t pblk, uint32_t len);
/* Writes the rightmost path's blocks (not the root: it goes in the inode). */
int ext4_tree_write(struct ext4_fs *fs, struct ext4_tree *t);
/*
 * Logical to physical for an inode's extent tree (root = i_block): returns 1
 * with *pblk and the run length left in *run, 0 for a hole, -1 on error.
 */
int ext4_map(struct ext4_fs *fs, uint32_t ino, uint32_t gen, const uint8_t *root,
	     uint32_t lblk, uint64_t *pblk, uint32_t *run);
/* The same through a tree being built (its rightmost path is in memory). */
int ext4_tree_map(struct ext4_fs *fs, struct ext4_tree *t, uint32_t lblk, uint64_t *pblk,
		  uint32_t *run);

/* ext4_hash.c */
uint32_t ext4_dirhash(const char *name, size_t len, int version, int unsigned_chars,
		      const uint32_t seed[4]);

/* ext4_dir.c */
/* Finds name in directory dir: 1 with *ino, 0 if absent, -1 on error. */
int ext4_lookup(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/* Creates the directory name in dir (mode 0755); fails if it exists. */
int ext4_mkdir(struct ext4_fs *fs, uint32_t dir, const char *name, uint32_t *ino);
/* Walks an absolute path from the root, creating what is missing. */
int ext4_mkdir_p(struct ext4_fs *fs, const char *path, uint32_t *ino);
/*
 * Where a new entry will go in a directory, found before anything is
 * allocated so that a full directory is refused while nothing has changed.
 */
struct ext4_slot {
	uint32_t dir;
	uint32_t lblk;		/* directory block */
	uint64_t pblk;
	uint32_t off;		/* record to split or reuse */
	int grow;		/* no room: append a block (linear directories only) */
	uint32_t gen;		/* the directory's i_generation */
};
int ext4_find_slot(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len,
		   struct ext4_slot *s);
/*
 * The last steps of making a name: the directory inode (times, links +
 * add_links, growth), then the entry name -> ino in the slot.
 */
int ext4_link_at(struct ext4_fs *fs, struct ext4_slot *s, const char *name, size_t len,
		 uint32_t ino, int is_dir, int add_links);
/* Both, for a name known to be absent. */
int ext4_link(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino,
	      int is_dir);
/* 1 if name is a valid, single path component. */
int ext4_name_ok(const char *name, size_t len);

#endif
