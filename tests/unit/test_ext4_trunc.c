/*
 * Crash consistency of the ext4 writer: every block write of a whole dump
 * (mkdir -p, a vmcore with a fragmented, deepening extent tree,
 * vmcore-dmesg.txt, a linear directory that grows, htree inserts) is
 * recorded, then prefixes of that sequence are replayed onto copies of the
 * original image, as if the machine had died after that write. e2fsck -fn
 * must find each one clean or report nothing worse than leaked blocks and
 * inodes. A control case shows the judge does see real damage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"
#include "ext4_img.h"
#include "test.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define SINK_BUF (64u << 10)

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* Everything a dump does, recorded. Returns 0 if it all worked. */
static int record_dump(struct memdisk *md, const char *img)
{
	static uint8_t fsbuf[EXT4_FS_BUF_SIZE], sinkbuf[SINK_BUF], chunk[50000];
	struct ext4_fs fs;
	struct ext4_file_sink vf;
	uint32_t dir, many, big;
	char err[256], name[64];
	int ok = 1;

	if (md_open(md, img, 512))
		return -1;
	md->record = 1;
	if (ext4_mount(&fs, &md->blk, 0, 0, fsbuf, sizeof(fsbuf), time(NULL) - 60, err,
		       sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ok &= ext4_mkdir_p(&fs, "/var/crash/127.0.0.1-2026-11-22-16:49:30", &dir) == 0;
	ok &= ext4_file_sink_open(&vf, &fs, dir, "vmcore", sinkbuf, sizeof(sinkbuf), 64 << 10) == 0;
	fs.test_max_run = 3;	/* ~170 extents: two leaves fill and go to disk mid-way */
	for (uint64_t off = 0; ok && off < 500000; off += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)rnd();
		ok &= vf.sink.write(&vf.sink, off, chunk, sizeof(chunk)) == 0;
	}
	ok &= vf.sink.write(&vf.sink, 0, chunk, 4096) == 0;
	fs.test_max_run = 0;
	ok &= ext4_write_file(&fs, dir, "vmcore-dmesg.txt", chunk, 3000) == 0;
	ok &= vf.sink.finish(&vf.sink) == 0;
	ok &= ext4_mkdir_p(&fs, "/many", &many) == 0;
	for (int i = 0; ok && i < 30; i++) {
		snprintf(name, sizeof(name), "entry-number-with-a-longer-name-%05d", i);
		ok &= ext4_write_file(&fs, many, name, chunk, (size_t)i * 50) == 0;
	}
	ok &= ext4_lookup(&fs, EXT4_ROOT_INO, "big", 3, &big) == 1;
	for (int i = 0; ok && i < 10; i++) {
		snprintf(name, sizeof(name), "added-%d", i);
		ok &= ext4_write_file(&fs, big, name, name, 5) == 0;
	}
	ok &= ext4_sync(&fs) == 0;
	return ok ? 0 : -1;
}

int main(void)
{
	char orig[300], work[300], root[300];
	struct memdisk md;
	size_t n, cuts[400];
	int ncuts = 0, leaks = 0, clean = 0, bad = 0;

	img_tmpdir();
	snprintf(orig, sizeof(orig), "%s/orig.img", img_dir);
	snprintf(work, sizeof(work), "%s/work.img", img_dir);
	snprintf(root, sizeof(root), "%s/root", img_dir);
	CHECK(sh("mkdir -p %s/big %s/etc", root, root) == 0);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "cd %s/big && for i in $(seq 1 300); do "
			 ": > some-longer-file-name-$i; done", root);
		CHECK(system(cmd) == 0);
	}
	CHECK(sh("mkfs.ext4 -q -F -E root_owner=0:0 -d %s '%s' 32M", root, orig) == 0);
	/* e2fsck -D makes /big an htree; it exits 1 for "optimized" */
	CHECK(sh("e2fsck -fyD '%s' >/dev/null 2>&1; e2fsck -fn '%s' >/dev/null 2>&1", orig,
		 orig) == 0);
	CHECK(sh("cp --sparse=always '%s' '%s'", orig, work) == 0);

	CHECK(record_dump(&md, work) == 0);
	n = md.nlog;
	fprintf(stderr, "recorded %zu writes, %u flushes\n", n, md.flushes);
	CHECK(n > 100);
	CHECK(fsck_judge(work, 0) == 0);

	/* Every cut after a single-block (metadata) write, and some inside data. */
	for (size_t k = 1; k <= n && ncuts < 300; k++)
		if (md.log[k - 1].n * 512 <= 4096)
			cuts[ncuts++] = k;
	for (int i = 0; i < 40 && ncuts < 400; i++)
		cuts[ncuts++] = 1 + rnd() % n;
	cuts[ncuts++] = 0;
	for (int i = 0; i < ncuts; i++) {
		int v;

		if (sh("cp --sparse=always '%s' '%s'", orig, work) != 0) {
			CHECK(0);
			break;
		}
		CHECK(md_replay(&md, cuts[i], work) == 0);
		v = fsck_judge(work, 1);
		if (v == 2)
			fprintf(stderr, "cut after write %zu of %zu: damage beyond leaks (above)\n",
				cuts[i], n);
		clean += v == 0;
		leaks += v == 1;
		bad += v == 2;
	}
	fprintf(stderr, "%d cut points: %d clean, %d only leaks (%d of them with a bitmap whose "
		"checksum in the group descriptor was not written yet), %d damaged\n", ncuts, clean,
		leaks, fsck_torn, bad);
	CHECK_EQ_U64(bad, 0);
	CHECK(clean > 0 && leaks > 0);

	/* Control: a name whose inode is gone is damage, and the judge says so. */
	CHECK(sh("cp --sparse=always '%s' '%s'", orig, work) == 0);
	CHECK(md_replay(&md, n, work) == 0);
	CHECK(sh("debugfs -w -R 'clri /many/entry-number-with-a-longer-name-00007' '%s' %s", work,
		 ">/dev/null 2>&1") == 0);
	CHECK(fsck_judge(work, 1) == 2);

	md_close(&md);
	img_cleanup();
	return test_summary("test_ext4_trunc");
}
