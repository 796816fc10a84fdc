/* The ext4 target (ext4_target.h). */
#include <stdio.h>
#include <string.h>

#include "capture/dumpdir.h"
#include "capture/ports.h"
#include "fs/ext4_target.h"
#include "capture/fmt.h"

/* Kept free for vmcore-dmesg.txt (at most 512 KiB) and dumpling.log (64 KiB). */
#define FILES_RESERVE	(1u << 20)

struct ext4_target {
	struct ext4_fs fs;
	struct ext4_file_sink vmcore;
	uint32_t parent, dir;
};

/* dump_dir_make's step: a name that exists is taken. */
static int make_dir(void *ctx, const char *name)
{
	struct ext4_target *x = ctx;
	uint32_t ino;
	int r = ext4_lookup(&x->fs, x->parent, name, strlen(name), &ino);

	if (r < 0) {
		port_log("ext4: cannot read the dump directory's parent\n");
		return -1;
	}
	if (r > 0)
		return 1;
	return ext4_mkdir(&x->fs, x->parent, name, &x->dir) ? -1 : 0;
}

static int add_file(struct target *t, const char *name, const void *data, size_t len)
{
	struct ext4_target *x = t->priv;
	int r = ext4_write_file(&x->fs, x->dir, name, data, len);

	if (r == 0) {
		/* This file's share of the reserve goes back to the vmcore. */
		uint64_t used = (len + x->fs.bs - 1) / x->fs.bs;

		x->fs.reserve = x->fs.reserve > used ? x->fs.reserve - used : 0;
		r = ext4_sync(&x->fs);
	}
	return r;
}

int ext4_target_open(const struct capture_config *cfg, const struct capture *cap,
		     struct blk_dev *disk, void *fsbuf, void *sinkbuf, struct target *t,
		     char *err, size_t errlen)
{
	static struct ext4_target x;
	char name[64], tried[80];
	uint32_t parent;
	int r;
	int64_t now = cap->have_crash_time ? cap->crash_time : 0;

	memset(&x, 0, sizeof(x));
	if (cfg->have_part &&
	    target_check_partition(cfg, disk, sinkbuf, EXT4_TARGET_SINK_BUF, err, errlen))
		return -1;
	if (ext4_mount(&x.fs, disk, cfg->have_part ? cfg->part_start : 0,
		       cfg->have_part ? cfg->part_len : 0, fsbuf, EXT4_FS_BUF_SIZE, now,
		       err, errlen))
		return -1;
	port_log("ext4: %s%s: %u-byte blocks, %llu of %llu blocks free\n", disk->name,
		 cfg->have_part ? " (partition)" : "", x.fs.bs,
		 (unsigned long long)x.fs.free_blocks, (unsigned long long)x.fs.blocks_count);

	if (ext4_mkdir_p(&x.fs, cfg->path, &parent)) {
		return errf(err, errlen, "ext4: cannot make the dump directory %s (see above)",
			    cfg->path);
	}
	dump_dir_name(dump_dir_host(cfg), cap->have_crash_time, cap->crash_time, name,
		      sizeof(name));
	x.parent = parent;
	r = dump_dir_make(name, make_dir, &x, tried, sizeof(tried));
	if (r < 0) {
		return errf(err, errlen, "ext4: cannot make %s/%s (see above)", cfg->path, tried);
	}
	if (r > 0) {
		return errf(err, errlen, "ext4: %s/%s exists, and so do its %d variants: move "
			    "old dumps away", cfg->path, name, DUMP_DIR_MAX_SUFFIX - 1);
	}
	if (ext4_file_sink_open(&x.vmcore, &x.fs, x.dir, "vmcore", sinkbuf, EXT4_TARGET_SINK_BUF,
				FILES_RESERVE)) {
		return errf(err, errlen, "ext4: cannot create %s/%s/vmcore (see above)", cfg->path,
			    tried);
	}
	port_log("ext4: writing %s/%s/vmcore\n", strcmp(cfg->path, "/") ? cfg->path : "", tried);
	t->vmcore = &x.vmcore.sink;
	t->add_file = add_file;
	t->save_log = target_log_as_file;
	t->priv = &x;
	return 0;
}
