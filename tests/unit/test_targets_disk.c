/*
 * The raw and ext4 targets (fs/raw_target.c, fs/ext4_target.c) as the image
 * opens them, on an in-memory disk: where the dump lands, the partition
 * check, the dump directory's name and what happens when it is taken, and the
 * files e2fsck and debugfs find afterwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/config.h"
#include "capture/dump.h"
#include "capture/dumpdir.h"
#include "fs/ext4_target.h"
#include "fs/raw_log.h"
#include "fs/raw_target.h"
#include "ext4_img.h"
#include "test.h"

#define CRASH_TIME	1700000000	/* 2023-11-14 22:13:20 UTC */
#define DIR_NAME	"10.0.2.15-2023-11-14-22:13:20"

static uint8_t *rawbuf, *fsbuf, *sinkbuf;

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An 8 MiB disk image file with an MBR: partition 1 at 1 MiB, 4 MiB long. */
static int make_mbr_disk(const char *path)
{
	uint8_t mbr[512] = { 0 };
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	put_le32(mbr + 440, 0x1234abcd);
	mbr[446 + 4] = 0x83;
	put_le32(mbr + 446 + 8, 2048);
	put_le32(mbr + 446 + 12, 8192);
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	fwrite(mbr, 1, sizeof(mbr), f);
	fclose(f);
	return truncate(path, 8 << 20);
}

static void raw_cfg(struct capture_config *cfg, uint64_t start, uint64_t len)
{
	config_defaults(cfg);
	cfg->target = TARGET_RAW;
	cfg->have_part = 1;
	cfg->have_mbr = 1;
	cfg->mbr_signature = 0x1234abcd;
	cfg->mbr_partno = 1;
	cfg->part_start = start;
	cfg->part_len = len;
}

static int file_bytes(const char *path, uint64_t off, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	int ok = f && fseek(f, (long)off, SEEK_SET) == 0 && fread(buf, 1, len, f) == len;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static void test_raw(void)
{
	static uint8_t data[100000], back[100000], zero[4096];
	struct capture_config cfg;
	struct memdisk md;
	struct target t;
	char path[512], err[256];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	snprintf(path, sizeof(path), "%s/raw.img", img_dir);

	/* The partition the loader saw: the dump at its first byte, no further. */
	CHECK(make_mbr_disk(path) == 0 && md_open(&md, path, 512) == 0);
	raw_cfg(&cfg, 1 << 20, 4 << 20);
	CHECK(raw_target_open(&cfg, &md.blk, rawbuf, RAW_TARGET_BUF, &t, err, sizeof(err)) == 0);
	CHECK(t.add_file == NULL);
	CHECK(t.vmcore->capacity == 4 << 20);
	CHECK(t.vmcore->write(t.vmcore, 0, data, sizeof(data)) == 0);
	CHECK(t.vmcore->finish(t.vmcore) == 0);
	/* dumpling.log right after the dump, where dumpling-extract looks. */
	CHECK(t.save_log && t.save_log(&t, sizeof(data), "the log\n", 8) == 0);
	CHECK(t.vmcore->write(t.vmcore, 4 << 20, data, 1) == SINK_ERR_NOSPC ||
	      sink_put(t.vmcore, 4 << 20, data, 1, &(uint64_t){ 0 }) == SINK_ERR_NOSPC);
	md_close(&md);
	CHECK(file_bytes(path, 1 << 20, back, sizeof(back)) == 0 &&
	      memcmp(back, data, sizeof(data)) == 0);
	CHECK(file_bytes(path, (1 << 20) - sizeof(zero), back, sizeof(zero)) == 0 &&
	      memcmp(back, zero, sizeof(zero)) == 0);
	{
		uint8_t hdr[RAW_LOG_HDR];
		uint64_t len = 0;
		uint32_t crc = 0;
		const char *why = "";

		CHECK(file_bytes(path, (1 << 20) + RAW_LOG_OFFSET(sizeof(data)), hdr,
				 sizeof(hdr)) == 0);
		CHECK(raw_log_parse(hdr, sizeof(data), &len, &crc, &why) == 0 && len == 8);
		CHECK(file_bytes(path, (1 << 20) + RAW_LOG_OFFSET(sizeof(data)) + RAW_LOG_HDR,
				 back, 8) == 0 && memcmp(back, "the log\n", 8) == 0);
		CHECK(crc == raw_log_crc("the log\n", 8));
	}

	/* The partition moved since `dumpling load`: nothing is written. */
	CHECK(make_mbr_disk(path) == 0 && md_open(&md, path, 512) == 0);
	raw_cfg(&cfg, 1 << 20, 2 << 20);
	CHECK(raw_target_open(&cfg, &md.blk, rawbuf, RAW_TARGET_BUF, &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not what `dumpling load` saw") != NULL);
	CHECK(md.nwrites == 0);

	/* A partition with nothing to check it by is refused too. */
	raw_cfg(&cfg, 1 << 20, 4 << 20);
	cfg.have_mbr = 0;
	CHECK(raw_target_open(&cfg, &md.blk, rawbuf, RAW_TARGET_BUF, &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "names no partition to check") != NULL);
	CHECK(md.nwrites == 0);

	/* A whole disk: the dump at byte 0. */
	config_defaults(&cfg);
	cfg.target = TARGET_RAW;
	CHECK(raw_target_open(&cfg, &md.blk, rawbuf, RAW_TARGET_BUF, &t, err, sizeof(err)) == 0);
	CHECK(t.vmcore->capacity == 8 << 20);
	CHECK(t.vmcore->write(t.vmcore, 0, data, 512) == 0 && t.vmcore->finish(t.vmcore) == 0);
	md_close(&md);
	CHECK(file_bytes(path, 0, back, 512) == 0 && memcmp(back, data, 512) == 0);
}

/* A file of the image, through debugfs dump: its length in out, or -1. */
static long image_file(const char *img, const char *file, void *out, size_t outlen)
{
	char cmd[2048], tmp[512];
	long n;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/dumped", img_dir);
	unlink(tmp);
	snprintf(cmd, sizeof(cmd), "debugfs -R 'dump \"%s\" \"%s\"' '%s' >/dev/null 2>&1", file,
		 tmp, img);
	if (run(cmd, NULL, 0) != 0 || !(f = fopen(tmp, "rb")))
		return -1;
	n = (long)fread(out, 1, outlen, f);
	fclose(f);
	return n;
}

static int open_ext4(const char *img, struct memdisk *md, struct capture_config *cfg,
		     struct capture *cap, struct target *t, char *err, size_t errlen)
{
	if (md_open(md, img, 512))
		return -2;
	return ext4_target_open(cfg, cap, &md->blk, fsbuf, sinkbuf, t, err, errlen);
}

static void test_ext4(void)
{
	static char out[1 << 18];
	static uint8_t core[200000];
	struct capture_config cfg;
	struct capture cap = { .have_crash_time = 1, .crash_time = CRASH_TIME };
	struct memdisk md;
	struct target t;
	char img[512], err[256], cmd[1024];
	const char dmesg[] = "[    0.000000] Linux version 6.1\nKernel panic - not syncing\n";
	int r;

	snprintf(img, sizeof(img), "%s/ext4.img", img_dir);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F '%s' 32M 2>&1", img);
	CHECK(run(cmd, NULL, 0) == 0);
	for (size_t i = 0; i < sizeof(core); i++)
		core[i] = (uint8_t)(i >> 3 ^ i);

	config_defaults(&cfg);
	cfg.target = TARGET_EXT4;
	cfg.host_ip = 0x0a00020f;
	cfg.ip = 0x0a0002aa;	/* the name is the host's address, not this */
	strcpy(cfg.path, "/var/crash");
	cap.cfg = &cfg;

	/* <path>/<hostip>-<date>/vmcore and vmcore-dmesg.txt. */
	CHECK(open_ext4(img, &md, &cfg, &cap, &t, err, sizeof(err)) == 0);
	CHECK(t.add_file != NULL);
	CHECK(t.add_file(&t, "vmcore-dmesg.txt", dmesg, strlen(dmesg)) == 0);
	CHECK(t.vmcore->write(t.vmcore, 0, core, sizeof(core)) == 0);
	CHECK(t.vmcore->finish(t.vmcore) == 0);
	CHECK(t.save_log && t.save_log(&t, sizeof(core), dmesg, 20) == 0);
	md_close(&md);
	CHECK(fsck_judge(img, 0) == 0);
	CHECK(image_file(img, "/var/crash/" DIR_NAME "/dumpling.log", out, sizeof(out)) == 20 &&
	      memcmp(out, dmesg, 20) == 0);
	CHECK(image_file(img, "/var/crash/" DIR_NAME "/vmcore", out, sizeof(out)) ==
	      (long)sizeof(core) && memcmp(out, core, sizeof(core)) == 0);
	CHECK(image_file(img, "/var/crash/" DIR_NAME "/vmcore-dmesg.txt", out, sizeof(out)) ==
	      (long)strlen(dmesg) && memcmp(out, dmesg, strlen(dmesg)) == 0);

	/* The same second again: a directory of its own, -2, then -3. */
	for (int i = 2; i <= 3; i++) {
		char want[128];

		CHECK(open_ext4(img, &md, &cfg, &cap, &t, err, sizeof(err)) == 0);
		CHECK(t.vmcore->write(t.vmcore, 0, core, 4096) == 0);
		CHECK(t.vmcore->finish(t.vmcore) == 0);
		md_close(&md);
		snprintf(want, sizeof(want), "/var/crash/" DIR_NAME "-%d/vmcore", i);
		CHECK(image_file(img, want, out, sizeof(out)) == 4096 && memcmp(out, core, 4096) == 0);
	}
	CHECK(fsck_judge(img, 0) == 0);

	/* Every name taken up to -99: the target fails and says why. */
	for (int i = 4; i <= DUMP_DIR_MAX_SUFFIX; i++) {
		r = open_ext4(img, &md, &cfg, &cap, &t, err, sizeof(err));
		if (r == 0)
			r = t.vmcore->finish(t.vmcore);
		md_close(&md);
		if (r != 0)
			break;
	}
	CHECK(r == 0);
	md.nwrites = 0;
	CHECK(open_ext4(img, &md, &cfg, &cap, &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, DIR_NAME " exists, and so do its 98 variants") != NULL);
	fprintf(stderr, "all names taken: %s\n", err);
	md_close(&md);
	CHECK(image_file(img, "/var/crash/" DIR_NAME "-99/vmcore", out, sizeof(out)) == 0);
	CHECK(image_file(img, "/var/crash/" DIR_NAME "-100/vmcore", out, sizeof(out)) == -1);
	CHECK(fsck_judge(img, 0) == 0);
}

int main(void)
{
	img_tmpdir();
	rawbuf = malloc(RAW_TARGET_BUF);
	fsbuf = malloc(EXT4_FS_BUF_SIZE);
	sinkbuf = malloc(EXT4_TARGET_SINK_BUF);
	test_raw();
	test_ext4();
	free(rawbuf);
	free(fsbuf);
	free(sinkbuf);
	img_cleanup();
	return test_summary("test_targets_disk");
}
