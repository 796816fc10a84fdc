/*
 * The ext4 writer on filesystems made by Debian's mkfs.ext4 (e2fsprogs):
 * 1 KiB and 4 KiB blocks, small and multi-group, with and without
 * metadata_csum, with metadata_csum_seed and orphan_file, on 512- and
 * 4096-byte sectors. Each run creates directories, files of many sizes, a
 * vmcore through the sink with kdump-like out-of-order writes, and enough
 * entries to grow linear directories and fill htree leaves. Then e2fsck -fn
 * must be silent, debugfs must read back every byte, and files that were
 * there before must be unchanged. Also: checksum and hash vectors, every
 * refusal, a full filesystem, and deep extent trees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ext4_crc.h"
#include "fs/ext4_file.h"
#include "fs/ext4_fs.h"
#include "ext4_img.h"
#include "test.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 24);
}

static uint8_t *fsbuf, *sinkbuf;

static int run_fmt(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}
#define SINK_BUF (256u << 10)

/* ---- the tree every image starts with ------------------------------------ */

#define BIG_DIR_FILES 400

static uint8_t blob[300000];
static char rootdir[300];

static void make_rootdir(void)
{
	char path[2048];
	FILE *f;

	snprintf(rootdir, sizeof(rootdir), "%s/root", img_dir);
	snprintf(path, sizeof(path), "mkdir -p %s/etc %s/data %s/var/log %s/big", rootdir,
		 rootdir, rootdir, rootdir);
	if (system(path) != 0)
		exit(2);
	fill_random(blob, sizeof(blob));
	snprintf(path, sizeof(path), "%s/data/blob", rootdir);
	f = fopen(path, "wb");
	fwrite(blob, 1, sizeof(blob), f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/etc/hostname", rootdir);
	f = fopen(path, "w");
	fputs("crashy\n", f);
	fclose(f);
	for (int i = 0; i < BIG_DIR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/big/some-longer-file-name-%04d", rootdir, i);
		f = fopen(path, "w");
		fclose(f);
	}
}

/*
 * mkfs.ext4 with the tree above; e2fsck -D then turns the big directory into
 * an htree, as the kernel would have. Returns 0 on success.
 */
static int make_image(const char *img, const char *size, const char *opts)
{
	char cmd[1024], out[4096];

	unlink(img);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -E root_owner=0:0 %s -d %s '%s' %s 2>&1",
		 opts, rootdir, img, size);
	if (run(cmd, out, sizeof(out)) != 0) {
		fprintf(stderr, "%s\n%s", cmd, out);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "e2fsck -fyD '%s' 2>&1", img);
	if (run(cmd, out, sizeof(out)) > 1) {
		fprintf(stderr, "%s\n%s", cmd, out);
		return -1;
	}
	return 0;
}

static int mount_img(struct ext4_fs *fs, struct memdisk *md, const char *img, uint32_t ssz)
{
	char err[256];

	if (md_open(md, img, ssz)) {
		fprintf(stderr, "cannot open %s\n", img);
		return -1;
	}
	if (ext4_mount(fs, &md->blk, 0, 0, fsbuf, EXT4_FS_BUF_SIZE, (int64_t)time(NULL) - 60,
		       err, sizeof(err))) {
		fprintf(stderr, "mount %s: %s\n", img, err);
		return -1;
	}
	return 0;
}

/* ---- checksum and hash vectors --------------------------------------------- */

static void test_vectors(void)
{
	static const uint32_t zero[4];
	char cmd[512], out[512];

	CHECK_EQ_U64(ext4_crc32c(0xFFFFFFFFu, "123456789", 9), 0x1CF96D7Cu);
	CHECK_EQ_U64(ext4_crc32c(ext4_crc32c(0xFFFFFFFFu, "1234", 4), "56789", 5), 0x1CF96D7Cu);
	CHECK_EQ_U64(ext4_dirhash("lost+found", 10, 1, 0, zero), 0x591DE422u);
	CHECK_EQ_U64(ext4_dirhash("lost+found", 10, 2, 0, zero), 0x2DBF9E80u);
	CHECK_EQ_U64(ext4_dirhash("lost+found", 10, 0, 0, zero), 0x5E2ABA24u);
	CHECK_EQ_U64(ext4_dirhash("caf\xc3\xa9", 5, 1, 0, zero), 0xFB9C5E5Cu);
	CHECK_EQ_U64(ext4_dirhash("caf\xc3\xa9", 5, 1, 1, zero), 0x9D72AED6u);
	CHECK_EQ_U64(ext4_dirhash("caf\xc3\xa9", 5, 4, 0, zero), 0x9D72AED6u);

	/* Against debugfs, with a seed, for names of every chunk length. */
	{
		static const char *algs[] = { "legacy", "half_md4", "tea" };
		uint32_t seed[4] = { 0x01234567, 0x89abcdef, 0xdeadbeef, 0x0badf00d };
		char sstr[64];
		int bad = 0;

		snprintf(sstr, sizeof(sstr), "67452301-ab89-efcd-efbe-adde0df0ad0b");
		/* debugfs wants the seed as a UUID: its bytes are the words, little-endian */
		seed[0] = 0x01234567; seed[1] = 0xcdef89ab; seed[2] = 0xdeadbeef; seed[3] = 0x0badf00d;
		for (int len = 1; len <= 70 && !bad; len += 3) {
			char name[80];

			for (int i = 0; i < len; i++)
				name[i] = (char)('a' + (int)(rnd() % 26));
			name[len] = 0;
			for (int a = 0; a < 3; a++) {
				unsigned long h;
				char *p;

				snprintf(cmd, sizeof(cmd), "debugfs -R 'dx_hash -h %s -s %s %s' "
					 "2>/dev/null", algs[a], sstr, name);
				if (run(cmd, out, sizeof(out)) != 0 || !(p = strstr(out, "is 0x"))) {
					bad = 1;
					break;
				}
				h = strtoul(p + 3, NULL, 16);
				if (h != ext4_dirhash(name, (size_t)len, a, 0, seed)) {
					fprintf(stderr, "hash %s of \"%s\": debugfs 0x%lx, ours 0x%x\n",
						algs[a], name, h, ext4_dirhash(name, (size_t)len, a, 0, seed));
					bad = 1;
				}
			}
		}
		CHECK(!bad);
	}
}

/* ---- one whole scenario on one image --------------------------------------- */

struct cfg {
	const char *label, *size, *opts;
	uint32_t ssz;
	int many;		/* entries for the linear-growth directory */
	uint64_t vmcore;	/* bytes */
};

struct made { char path[400]; uint8_t *data; size_t len; };

/* The kdump writer's pattern: header block of zeros, sub-header, bitmaps,
 * descriptors ahead of data in pieces, data in odd-sized chunks, and the
 * real header over block 0 last. Returns 0 if every write succeeded. */
static int write_vmcore(struct sink *s, uint8_t *shadow, uint64_t size)
{
	uint64_t desc_off = 12 * 4096, data_off = desc_off + size / 64, dpos = data_off;
	uint64_t desc_pos = desc_off;
	uint8_t zeros[4096] = { 0 };

	data_off -= data_off % 4096;
	dpos = data_off;
	if (s->write(s, 0, zeros, 4096))
		return -1;
	memcpy(shadow, zeros, 4096);
	fill_random(shadow + 4096, desc_off - 4096);
	if (s->write(s, 4096, shadow + 4096, desc_off - 4096))
		return -1;
	while (dpos < size) {
		uint64_t n = 4096 * (1 + rnd() % 64) + rnd() % 4096;

		if (n > size - dpos)
			n = size - dpos;
		fill_random(shadow + dpos, n);
		if (s->write(s, dpos, shadow + dpos, n))
			return -1;
		dpos += n;
		if (desc_pos < data_off) {
			uint64_t k = data_off - desc_pos < 24 * 1024 ? data_off - desc_pos : 24 * 1024;

			fill_random(shadow + desc_pos, k);
			if (s->write(s, desc_pos, shadow + desc_pos, k))
				return -1;
			desc_pos += k;
		}
	}
	while (desc_pos < data_off) {
		uint64_t k = data_off - desc_pos;

		fill_random(shadow + desc_pos, k);
		if (s->write(s, desc_pos, shadow + desc_pos, k))
			return -1;
		desc_pos = data_off;
	}
	fill_random(shadow, 4096);
	return s->write(s, 0, shadow, 4096);
}

static void scenario(const struct cfg *c)
{
	char img[300], dump[300], name[400];
	struct memdisk md;
	struct ext4_fs fs;
	struct ext4_file_sink vf;
	struct made made[12];
	int nmade = 0, created = 0, refused = 0;
	uint32_t dump_dir, files_dir, many_dir, big_dir, ino;
	uint8_t *shadow;
	int pass0 = test_failed;

	fprintf(stderr, "-- %s (%s %s, %u-byte sectors)\n", c->label, c->size, c->opts, c->ssz);
	snprintf(img, sizeof(img), "%s/%s.img", img_dir, c->label);
	CHECK(make_image(img, c->size, c->opts) == 0);
	if (mount_img(&fs, &md, img, c->ssz)) {
		CHECK(0);
		return;
	}

	/* Directories, including missing parents. */
	snprintf(dump, sizeof(dump), "/var/crash/127.0.0.1-2026-11-22-16:49:30");
	CHECK(ext4_mkdir_p(&fs, dump, &dump_dir) == 0);
	CHECK(ext4_mkdir_p(&fs, "/var/crash/files", &files_dir) == 0);
	CHECK(ext4_mkdir_p(&fs, "/var/crash/files/", &ino) == 0 && ino == files_dir);
	CHECK(ext4_mkdir_p(&fs, "/etc/hostname/x", &ino) != 0);	/* a file in the way */

	/* Files of many sizes. */
	{
		size_t sizes[] = { 0, 1, fs.bs - 1, fs.bs, fs.bs + 1, 5 * fs.bs + 7, 200000,
				   EXT4_ZERO_BUF + 3 };

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct made *m = &made[nmade++];

			m->len = sizes[i];
			m->data = malloc(m->len + 1);
			fill_random(m->data, m->len);
			snprintf(m->path, sizeof(m->path), "/var/crash/files/f%zu", m->len);
			CHECK(ext4_write_file(&fs, files_dir, m->path + 17, m->data, m->len) == 0);
		}
	}
	CHECK(ext4_write_file(&fs, files_dir, "f0", "x", 1) != 0);	/* exists */
	CHECK(ext4_mkdir_p(&fs, "/var/../x", &ino) != 0);

	/* The vmcore, then vmcore-dmesg.txt next to it. */
	shadow = malloc(c->vmcore);
	CHECK(ext4_file_sink_open(&vf, &fs, dump_dir, "vmcore", sinkbuf, SINK_BUF, 1 << 20) == 0);
	CHECK(vf.sink.capacity > c->vmcore);
	CHECK(write_vmcore(&vf.sink, shadow, c->vmcore) == 0);
	{
		struct made *m = &made[nmade++];

		m->len = 40000;
		m->data = malloc(m->len);
		fill_random(m->data, m->len);
		snprintf(m->path, sizeof(m->path), "%s/vmcore-dmesg.txt", dump + 1);
		CHECK(ext4_write_file(&fs, dump_dir, "vmcore-dmesg.txt", m->data, m->len) == 0);
	}
	CHECK(vf.sink.finish(&vf.sink) == 0);
	/* The name exists only now. */
	CHECK(ext4_lookup(&fs, dump_dir, "vmcore", 6, &ino) == 1 && ino == vf.ino);

	/* A linear directory that must grow several blocks. */
	CHECK(ext4_mkdir_p(&fs, "/many", &many_dir) == 0);
	for (int i = 0; i < c->many; i++) {
		snprintf(name, sizeof(name), "entry-number-%05d", i);
		if (ext4_write_file(&fs, many_dir, name, name, strlen(name)) == 0)
			created++;
	}
	CHECK_EQ_U64(created, c->many);

	/* The htree: fill leaves until one refuses (or 600 fit). */
	CHECK(ext4_lookup(&fs, EXT4_ROOT_INO, "big", 3, &big_dir) == 1);
	created = 0;
	for (int i = 0; i < 600 && refused < 3; i++) {
		snprintf(name, sizeof(name), "added-name-%05d", i);
		if (ext4_write_file(&fs, big_dir, name, "", 0) == 0)
			created++;
		else
			refused++;
	}
	fprintf(stderr, "   htree: %d added, %d refused\n", created, refused);
	CHECK(created > 0);
	/* Refusals came before anything was allocated: the checks below stay clean. */

	CHECK(ext4_sync(&fs) == 0);
	CHECK(md.bad == 0);
	md_close(&md);

	CHECK(fsck_judge(img, 0) == 0);
	for (int i = 0; i < nmade; i++) {
		CHECK(dump_equals(img, made[i].path, made[i].data, made[i].len));
		free(made[i].data);
	}
	snprintf(name, sizeof(name), "%s/vmcore", dump);
	CHECK(dump_equals(img, name, shadow, c->vmcore));
	CHECK(stat_mode(img, name) == 0400);
	CHECK(stat_mode(img, dump) == 0755);
	CHECK(dump_equals(img, "/data/blob", blob, sizeof(blob)));
	CHECK(dump_equals(img, "/etc/hostname", "crashy\n", 7));
	CHECK(dump_equals(img, "/many/entry-number-00000", "entry-number-00000", 18));
	snprintf(name, sizeof(name), "/many/entry-number-%05d", c->many - 1);
	CHECK(dump_equals(img, name, name + 6, 18));
	free(shadow);

	/* The kernel's view: mount it again with our reader and find names. */
	if (mount_img(&fs, &md, img, c->ssz) == 0) {
		CHECK(ext4_lookup(&fs, big_dir, "some-longer-file-name-0399", 26, &ino) == 1);
		CHECK(ext4_lookup(&fs, big_dir, "added-name-00000", 16, &ino) == 1);
		md_close(&md);
	} else {
		CHECK(0);
	}
	if (test_failed == pass0)
		unlink(img);
}

/* ---- refusals ---------------------------------------------------------------- */

static void expect_refusal(const char *label, const char *opts, const char *debugfs_cmd,
			   const char *want)
{
	char img[300], cmd[600], err[256];
	struct memdisk md;
	struct ext4_fs fs;

	snprintf(img, sizeof(img), "%s/refuse.img", img_dir);
	unlink(img);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s '%s' 16M >/dev/null 2>&1", opts, img);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s: mkfs.ext4 %s failed\n", label, opts);
		CHECK(0);
		return;
	}
	if (debugfs_cmd) {
		snprintf(cmd, sizeof(cmd), "debugfs -w -R '%s' '%s' >/dev/null 2>&1", debugfs_cmd, img);
		CHECK(system(cmd) == 0);
	}
	CHECK(md_open(&md, img, 512) == 0);
	md.record = 1;
	err[0] = 0;
	CHECK(ext4_mount(&fs, &md.blk, 0, 0, fsbuf, EXT4_FS_BUF_SIZE, time(NULL), err,
			 sizeof(err)) == -1);
	if (!strstr(err, want))
		fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", label, err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK_EQ_U64(md.nlog, 0);
	md_close(&md);
}

static void test_refusals(void)
{
	expect_refusal("needs_recovery", "", "feature needs_recovery", "journal needs recovery");
	expect_refusal("errors", "", "ssv state 3", "not marked clean");
	expect_refusal("orphans", "", "ssv last_orphan 12", "orphan");
	expect_refusal("inline_data", "-O inline_data", NULL, "inline_data");
	expect_refusal("casefold", "-O casefold", NULL, "casefold");
	expect_refusal("encrypt", "-O encrypt", NULL, "encrypt");
	expect_refusal("bigalloc", "-O bigalloc -C 16384", NULL, "bigalloc");
	expect_refusal("quota", "-O quota", NULL, "quota");
	expect_refusal("meta_bg", "-O meta_bg,^resize_inode", NULL, "meta_bg");
	expect_refusal("ext3", "-t ext3", NULL, "lacks the extent feature");
	/* debugfs ssv keeps the checksum right: break it by hand. */
	{
		char img[300], err[256];
		struct memdisk md;
		struct ext4_fs fs;
		uint8_t b = 0;

		snprintf(img, sizeof(img), "%s/refuse.img", img_dir);
		CHECK(run_fmt("mkfs.ext4 -q -F '%s' 16M", img) == 0);
		CHECK(md_open(&md, img, 512) == 0);
		CHECK(pread(md.fd, &b, 1, 1024 + 0x30) == 1);
		b ^= 0x55;
		CHECK(pwrite(md.fd, &b, 1, 1024 + 0x30) == 1);
		CHECK(ext4_mount(&fs, &md.blk, 0, 0, fsbuf, EXT4_FS_BUF_SIZE, time(NULL), err,
				 sizeof(err)) == -1 && strstr(err, "superblock checksum"));
		md_close(&md);
	}
	/* Not a filesystem at all. */
	{
		char img[300], err[256];
		struct memdisk md;
		struct ext4_fs fs;

		snprintf(img, sizeof(img), "%s/zero.img", img_dir);
		CHECK(run_fmt("truncate -s 1M '%s'", img) == 0);
		CHECK(md_open(&md, img, 512) == 0);
		CHECK(ext4_mount(&fs, &md.blk, 0, 0, fsbuf, EXT4_FS_BUF_SIZE, time(NULL), err,
				 sizeof(err)) == -1 && strstr(err, "no ext2/3/4 superblock"));
		md_close(&md);
	}
}

/* ---- a full filesystem -------------------------------------------------------- */

static void test_full(void)
{
	char img[300];
	struct memdisk md;
	struct ext4_fs fs;
	struct ext4_file_sink vf;
	uint32_t dir;
	uint64_t size = 16u << 20, pos = 4096, stop = 0;
	uint8_t *shadow = calloc(1, size);
	uint8_t dmesg[3000];
	int r = 0;

	snprintf(img, sizeof(img), "%s/full.img", img_dir);
	CHECK(make_image(img, "8M", "") == 0);
	if (mount_img(&fs, &md, img, 512)) {
		CHECK(0);
		return;
	}
	CHECK(ext4_mkdir_p(&fs, "/var/crash/x", &dir) == 0);
	CHECK(ext4_file_sink_open(&vf, &fs, dir, "vmcore", sinkbuf, SINK_BUF, 64 << 10) == 0);
	CHECK(vf.sink.capacity < size);
	/* Descriptors ahead, then data until the sink says no. */
	CHECK(vf.sink.write(&vf.sink, 0, shadow, 4096) == 0);
	fill_random(shadow + 4096, 64 * 1024);
	CHECK(vf.sink.write(&vf.sink, 4096, shadow + 4096, 8192) == 0);
	pos = 128 * 1024;
	while (pos < size) {
		fill_random(shadow + pos, 100000);
		r = vf.sink.write(&vf.sink, pos, shadow + pos, 100000);
		if (r)
			break;
		pos += 100000;
	}
	stop = pos;
	CHECK_EQ_U64((uint64_t)r, (uint64_t)(int64_t)SINK_ERR_NOSPC);
	memset(shadow + stop, 0, size - stop);
	/* Still writable below: the rest of the descriptor area and the header. */
	CHECK(vf.sink.write(&vf.sink, 4096 + 8192, shadow + 4096 + 8192, 64 * 1024 - 8192) == 0);
	fill_random(shadow, 4096);
	CHECK(vf.sink.write(&vf.sink, 0, shadow, 4096) == 0);
	/* The reserve is there for vmcore-dmesg.txt. */
	fill_random(dmesg, sizeof(dmesg));
	CHECK(ext4_write_file(&fs, dir, "vmcore-dmesg.txt", dmesg, sizeof(dmesg)) == 0);
	CHECK(vf.sink.finish(&vf.sink) == 0);
	CHECK(md.bad == 0);
	md_close(&md);
	CHECK(fsck_judge(img, 0) == 0);
	/* The file holds everything written, zeros where a failed write would have been. */
	{
		char out[512], cmd[1024];
		struct stat st;

		snprintf(out, sizeof(out), "%s/full.vmcore", img_dir);
		snprintf(cmd, sizeof(cmd), "debugfs -R 'dump /var/crash/x/vmcore %s' '%s' "
			 ">/dev/null 2>&1", out, img);
		CHECK(system(cmd) == 0);
		CHECK(stat(out, &st) == 0 && (uint64_t)st.st_size >= stop &&
		      (uint64_t)st.st_size < stop + 100000);
		if (stat(out, &st) == 0 && (uint64_t)st.st_size <= size) {
			FILE *f = fopen(out, "rb");
			uint8_t *got = malloc((size_t)st.st_size);

			CHECK(fread(got, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
			CHECK(memcmp(got, shadow, (size_t)st.st_size) == 0);
			fclose(f);
			free(got);
		}
	}
	CHECK(dump_equals(img, "/var/crash/x/vmcore-dmesg.txt", dmesg, sizeof(dmesg)));
	free(shadow);
}

/* ---- deep extent trees ---------------------------------------------------------- */

static void test_deep_tree(const char *size, const char *opts, uint32_t nblocks, int want_depth)
{
	char img[300];
	struct memdisk md;
	struct ext4_fs fs;
	struct ext4_file_sink vf;
	uint32_t dir;
	uint8_t *data;
	size_t len;

	snprintf(img, sizeof(img), "%s/deep.img", img_dir);
	CHECK(make_image(img, size, opts) == 0);
	if (mount_img(&fs, &md, img, 512)) {
		CHECK(0);
		return;
	}
	len = (size_t)nblocks * fs.bs - 100;
	data = malloc(len);
	fill_random(data, len);
	fs.test_max_run = 1;	/* every block its own extent */
	CHECK(ext4_mkdir_p(&fs, "/d", &dir) == 0);
	CHECK(ext4_file_sink_open(&vf, &fs, dir, "vmcore", sinkbuf, SINK_BUF, 0) == 0);
	/* In pieces, the last block first, so the file grows through writes. */
	CHECK(vf.sink.write(&vf.sink, len - 10, data + len - 10, 10) == 0);
	for (size_t off = 0; off < len - 10; off += 7000) {
		size_t n = len - 10 - off < 7000 ? len - 10 - off : 7000;

		CHECK(vf.sink.write(&vf.sink, off, data + off, n) == 0);
	}
	CHECK(vf.sink.finish(&vf.sink) == 0);
	CHECK_EQ_U64(vf.tree.depth, want_depth);
	CHECK(md.bad == 0);
	md_close(&md);
	CHECK(fsck_judge(img, 0) == 0);
	CHECK(dump_equals(img, "/d/vmcore", data, len));
	free(data);
}

int main(void)
{
	static const struct cfg cfgs[] = {
		{ "1k-csum", "32M", "", 512, 150, 3u << 20 },
		{ "1k-nocsum", "32M", "-O ^metadata_csum", 512, 150, 3u << 20 },
		{ "4k-seed-orphanfile", "64M", "-b 4096 -O metadata_csum_seed,orphan_file", 512,
		  300, 5u << 20 },
		{ "4k-large", "2G", "", 4096, 300, 24u << 20 },
		{ "4k-large-nocsum", "1G", "-O ^metadata_csum", 512, 300, 12u << 20 },
		{ "4k-sparse_super2", "600M", "-O sparse_super2", 512, 100, 8u << 20 },
	};

	img_tmpdir();
	fsbuf = malloc(EXT4_FS_BUF_SIZE);
	sinkbuf = malloc(SINK_BUF);
	make_rootdir();

	test_vectors();
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		scenario(&cfgs[i]);
	test_refusals();
	test_full();
	test_deep_tree("32M", "", 60, 1);	/* 1 KiB blocks: 60 extents, depth 1 */
	test_deep_tree("32M", "", 400, 2);	/* past 4 x 84: depth 2 */
	test_deep_tree("64M", "-b 4096", 1400, 2);	/* past 4 x 340 */

	free(fsbuf);
	free(sinkbuf);
	img_cleanup();
	return test_summary("test_ext4");
}
