/*
 * ext4 (fs/ext4_*.c): superblock, group descriptors, inodes, extent trees and
 * htree directories, as the image's ext4 target meets them. The input is a
 * filesystem image; the target mounts it, makes the dump directory, writes a
 * small vmcore and vmcore-dmesg.txt into it, and finishes, all in a private
 * copy of the input. It also checks the superblock the way the loader does.
 */
#include "drivers/blk.h"
#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"
#include "tests/fuzz/fuzz.h"

#define DISK_MAX	(4u << 20)

static uint8_t disk[DISK_MAX];
static size_t disk_len;
static uint8_t fsbuf[EXT4_FS_BUF_SIZE] __attribute__((aligned(4096)));
static uint8_t sinkbuf[EXT4_SINK_TREE_BUF + (256u << 10)] __attribute__((aligned(4096)));
static uint8_t payload[40000];

static int md_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	if (lba >= d->nsectors || n > d->nsectors - lba)
		abort();	/* outside the device: the fs code must not ask */
	memcpy(buf, disk + lba * 512, (size_t)n * 512);
	return 0;
}

static int md_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	if (lba >= d->nsectors || n > d->nsectors - lba)
		abort();	/* nothing is ever written outside the target */
	memcpy(disk + lba * 512, buf, (size_t)n * 512);
	return 0;
}

static int md_flush(struct blk_dev *d) { return 0; }

static const struct blk_ops ops = { md_read, md_write, md_flush };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ext4_fs fs;
	static struct ext4_file_sink vf;
	struct blk_dev d;
	uint64_t free_bytes;
	uint32_t dir, ino;
	char err[256];

	if (size < 2048 || size > DISK_MAX)
		return 0;
	ext4_check_super(data + 1024, &free_bytes, err, sizeof(err));

	disk_len = (size + 511) & ~(size_t)511;
	memcpy(disk, data, size);
	memset(disk + size, 0, disk_len - size);
	memset(&d, 0, sizeof(d));
	d.ops = &ops;
	d.sector_size = 512;
	d.nsectors = disk_len / 512;
	d.max_transfer = 128 << 10;
	strcpy(d.name, "fuzz");
	if (ext4_mount(&fs, &d, 0, 0, fsbuf, sizeof(fsbuf), 1700000000, err, sizeof(err)))
		return 0;
	if (ext4_lookup(&fs, 2, "lost+found", 10, &ino) < 0)
		return 0;
	if (ext4_mkdir_p(&fs, "/var/crash/127.0.0.1-2026-12-03-08:00:00", &dir))
		return 0;
	if (ext4_write_file(&fs, dir, "vmcore-dmesg.txt", payload, sizeof(payload)))
		return 0;
	if (ext4_file_sink_open(&vf, &fs, dir, "vmcore", sinkbuf, sizeof(sinkbuf), 8192))
		return 0;
	if (vf.sink.write(&vf.sink, 0, payload, sizeof(payload)) == 0 &&
	    vf.sink.write(&vf.sink, 100000, payload, 5000) == 0)
		vf.sink.finish(&vf.sink);
	return 0;
}
