/*
 * Files in an ext4 filesystem: a small file written at once
 * (vmcore-dmesg.txt), and the vmcore as a sink of unknown final size.
 *
 * The vmcore sink takes writes at any offset. Blocks are allocated when an
 * offset is first touched, from the end of the file up to it, so the file
 * never has holes: the kdump writer fills its descriptor area ahead of the
 * page data, and those blocks must already be ours when the filesystem runs
 * full, or the dump could not be finished as INCOMPLETE. Newly allocated
 * blocks that a write does not cover completely are zeroed first, so no
 * byte of the file ever shows old contents of the disk. Byte writes become
 * block writes through the raw sink's write-combining slots, over a
 * pseudo-device whose sectors are the file's blocks.
 *
 * Nothing names the file until finish(): the data, the extent tree, the
 * bitmaps and the inode are written first, the directory entry last.
 */
#ifndef FS_EXT4_FILE_H
#define FS_EXT4_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/ports.h"
#include "drivers/blk.h"
#include "fs/ext4_fs.h"
#include "fs/raw.h"

struct ext4_file_sink {
	struct sink sink;		/* first: a struct sink * converts back */
	struct ext4_fs *fs;
	struct raw_sink raw;		/* byte writes -> whole blocks of vdev */
	struct blk_dev vdev;		/* sector n = logical block n of the file */
	struct ext4_tree tree;
	uint32_t dir, ino, gen;
	char fname[256];
	uint64_t size;			/* end of the furthest byte written */
	uint64_t goal;			/* where to look for the next free block */
	int error;			/* sticky */
	int done;
	char name[128];
};

/* Bytes of buffer ext4_file_sink_open wants besides the raw slots. */
#define EXT4_SINK_TREE_BUF	(EXT4_MAX_DEPTH * EXT4_MAX_BLOCK_SIZE)

/*
 * Opens the file name (absent) in directory dir for the vmcore. buf is
 * bufsize DMA-able bytes: EXT4_SINK_TREE_BUF for the extent tree, the rest
 * for write-combining. Blocks worth reserve_bytes are left free for files
 * added later (add_file). Returns 0, or -1 with a logged message.
 */
int ext4_file_sink_open(struct ext4_file_sink *f, struct ext4_fs *fs, uint32_t dir,
			const char *name, void *buf, size_t bufsize, uint64_t reserve_bytes);

/*
 * Writes the file name (absent) in directory dir with len bytes of data,
 * mode 0400, all at once. Returns 0, -1 on error (logged), or SINK_ERR_NOSPC.
 */
int ext4_write_file(struct ext4_fs *fs, uint32_t dir, const char *name, const void *data,
		    size_t len);

#endif
