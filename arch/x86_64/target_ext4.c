/*
 * The ext4 target: <path>/<ip>-<YYYY-MM-DD-HH:MM:SS>/vmcore and
 * vmcore-dmesg.txt in an existing ext4 filesystem on a disk or partition,
 * written by our own writer (fs/ext4_*.c).
 *
 * DMA memory: EXT4_FS_BUF_SIZE (184 KiB of metadata blocks, zeros and a
 * bounce buffer) + EXT4_SINK_TREE_BUF (12 KiB, the vmcore's extent path) +
 * SLOTS (384 KiB of write-combining) = 580 KiB, whatever the sizes of the
 * filesystem and of the dump.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/platform.h"
#include "arch/x86_64/target.h"
#include "capture/dumpdir.h"
#include "capture/ports.h"
#include "drivers/blk.h"
#include "drivers/dma.h"
#include "drivers/disk.h"
#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"
#include "fs/partition.h"

#define SLOTS		(384u << 10)
#define SINK_BUF	(EXT4_SINK_TREE_BUF + SLOTS)
#define DMESG_RESERVE	(1u << 20)	/* kept free for vmcore-dmesg.txt */

struct ext4_target {
	struct ext4_fs fs;
	struct ext4_file_sink vmcore;
	uint32_t dir;
};

static int add_file(struct target *t, const char *name, const void *data, size_t len)
{
	struct ext4_target *x = t->priv;
	int r = ext4_write_file(&x->fs, x->dir, name, data, len);

	if (r == 0) {
		x->fs.reserve = 0;	/* it was for this file */
		r = ext4_sync(&x->fs);
	}
	return r;
}

int target_open_ext4(const struct capture_config *cfg, const struct capture *cap,
		     struct target *t, char *err, size_t errlen)
{
	static struct blk_dev disk;
	static struct ext4_target x;
	char name[64], tried[64];
	uint32_t parent, ino;
	void *fsbuf, *sinkbuf;
	int64_t now = cap->have_crash_time ? cap->crash_time : 0;

	if (!cfg->have_disk) {
		snprintf(err, errlen, "ext4 target without dumpling.disk=");
		return -1;
	}
	if (disk_open(&cfg->disk, &disk, err, errlen))
		return -1;
	fsbuf = dma_alloc(EXT4_FS_BUF_SIZE, 4096);
	sinkbuf = dma_alloc(SINK_BUF, 4096);
	if (!fsbuf || !sinkbuf) {
		snprintf(err, errlen, "out of DMA memory for the ext4 writer");
		return -1;
	}
	if (cfg->have_part && target_check_partition(cfg, &disk, sinkbuf, SINK_BUF, err, errlen))
		return -1;
	if (ext4_mount(&x.fs, &disk, cfg->have_part ? cfg->part_start : 0,
		       cfg->have_part ? cfg->part_len : 0, fsbuf, EXT4_FS_BUF_SIZE, now,
		       err, errlen))
		return -1;
	port_log("ext4: %s%s: %u-byte blocks, %llu of %llu blocks free\n", disk.name,
		 cfg->have_part ? " (partition)" : "", x.fs.bs,
		 (unsigned long long)x.fs.free_blocks, (unsigned long long)x.fs.blocks_count);

	if (ext4_mkdir_p(&x.fs, cfg->path, &parent)) {
		snprintf(err, errlen, "ext4: cannot make the dump directory %s (see above)",
			 cfg->path);
		return -1;
	}
	/* A second crash within the same second gets its own directory. */
	dump_dir_name(cfg->host_ip, cap->have_crash_time, cap->crash_time, name, sizeof(name));
	memcpy(tried, name, sizeof(tried));
	for (int i = 2;; i++) {
		int r = ext4_lookup(&x.fs, parent, tried, strlen(tried), &ino);

		if (r < 0) {
			snprintf(err, errlen, "ext4: cannot read the directory %s", cfg->path);
			return -1;
		}
		if (r == 0)
			break;
		if (i > 99) {
			snprintf(err, errlen, "ext4: %s/%s exists, and so do 98 variants",
				 cfg->path, name);
			return -1;
		}
		snprintf(tried, sizeof(tried), "%s-%d", name, i);
	}
	if (ext4_mkdir(&x.fs, parent, tried, &x.dir) ||
	    ext4_file_sink_open(&x.vmcore, &x.fs, x.dir, "vmcore", sinkbuf, SINK_BUF,
				DMESG_RESERVE)) {
		snprintf(err, errlen, "ext4: cannot create %s/%s/vmcore (see above)", cfg->path,
			 tried);
		return -1;
	}
	port_log("ext4: writing %s/%s/vmcore\n", strcmp(cfg->path, "/") ? cfg->path : "", tried);
	t->vmcore = &x.vmcore.sink;
	t->add_file = add_file;
	t->priv = &x;
	return 0;
}
