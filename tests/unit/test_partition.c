/*
 * Partition tables: GPT images made by sgdisk and MBR images made by sfdisk
 * (Debian's gdisk and fdisk), plus a 4 KiB-sector GPT built here, read back
 * through fs/partition.c: lookups by GUID and number, the backup header when
 * the primary is damaged, refusal when both are, and part_verify's messages
 * for a missing, moved or foreign partition. Random damage must never crash
 * the reader or yield a partition outside the disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/partition.h"
#include "test.h"

#define MiB (1u << 20)

struct disk {
	struct blk_dev blk;
	uint8_t *mem;
	size_t size;
	unsigned reads, bad;
};

static int disk_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct disk *k = d->priv;

	if (n == 0 || lba >= d->nsectors || n > d->nsectors - lba ||
	    (uint64_t)n * d->sector_size > d->max_transfer) {
		k->bad++;
		return -1;
	}
	k->reads++;
	memcpy(buf, k->mem + lba * d->sector_size, (size_t)n * d->sector_size);
	return 0;
}

static int disk_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	struct disk *k = d->priv;

	k->bad++;	/* the partition code must never write */
	return -1;
}

static int disk_flush(struct blk_dev *d)
{
	return 0;
}

static const struct blk_ops disk_ops = { disk_read, disk_write, disk_flush, NULL };

static void disk_init(struct disk *k, uint8_t *mem, size_t size, uint32_t ssz)
{
	memset(k, 0, sizeof(*k));
	k->mem = mem;
	k->size = size;
	k->blk.ops = &disk_ops;
	k->blk.sector_size = ssz;
	k->blk.nsectors = size / ssz;
	k->blk.max_transfer = 64 << 10;
	snprintf(k->blk.name, sizeof(k->blk.name), "testdisk");
	k->blk.priv = k;
}

static char tmpdir[] = "/tmp/test_partition.XXXXXX";

static void run(const char *fmt, const char *img, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, img, arg ? arg : "");
	if (system(cmd) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		exit(1);
	}
}

static uint8_t *load(const char *path, size_t size)
{
	uint8_t *m = malloc(size);
	FILE *f = fopen(path, "rb");

	if (!m || !f || fread(m, 1, size, f) != size) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return m;
}

#define G1 "11111111-2222-3333-4444-555555555501"
#define G2 "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
#define G3 "11111111-2222-3333-4444-555555555503"
#define G4 "deadbeef-0000-1111-2222-333344445555"
#define IMG_SIZE (40 * MiB)

/* Three partitions: 1 MiB+8 MiB, 9 MiB+16 MiB, 25 MiB+8 MiB. */
static const char sgdisk_3[] =
	"sgdisk -o -n 1:2048:18431 -u 1:" G1 " -n 2:18432:51199 -u 2:" G2
	" -n 3:51200:67583 -u 3:" G3 " %s%s >/dev/null";

static uint8_t *gpt_image(char *path, size_t n)
{
	snprintf(path, n, "%s/gpt.img", tmpdir);
	unlink(path);
	run("truncate -s 40M %s%s", path, NULL);
	run(sgdisk_3, path, NULL);
	return load(path, IMG_SIZE);
}

static struct part_expect expect_guid(const char *g, uint64_t start, uint64_t len)
{
	struct part_expect e;

	memset(&e, 0, sizeof(e));
	e.have_guid = 1;
	CHECK(part_guid_parse(g, e.guid) == 0);
	e.start = start;
	e.len = len;
	return e;
}

static void test_crc_guid(void)
{
	uint8_t g[16], d[16], back[16];
	char s[40];

	CHECK_EQ_U64(part_crc32(0, "123456789", 9), 0xcbf43926);
	/* Feeding it in pieces gives the same answer. */
	CHECK_EQ_U64(part_crc32(part_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
	CHECK(part_guid_parse(G2, g) == 0);
	CHECK_EQ_U64(g[0], 0x0a);
	CHECK_EQ_U64(g[15], 0xf9);
	part_guid_format(g, s, sizeof(s));
	CHECK_STR(s, G2);
	CHECK(part_guid_parse("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", back) == 0);
	CHECK(memcmp(back, g, 16) == 0);
	CHECK(part_guid_parse("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f", back) < 0);
	CHECK(part_guid_parse("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9a", back) < 0);
	CHECK(part_guid_parse("0a1b2c3d+4e5f-6071-8293-a4b5c6d7e8f9", back) < 0);
	CHECK(part_guid_parse("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8fg", back) < 0);
	part_guid_to_disk(d, g);
	/* Mixed endian: the first three fields reversed. */
	CHECK_EQ_U64(d[0], 0x3d);
	CHECK_EQ_U64(d[3], 0x0a);
	CHECK_EQ_U64(d[4], 0x5f);
	CHECK_EQ_U64(d[6], 0x71);
	CHECK_EQ_U64(d[8], 0x82);
	part_guid_from_disk(back, d);
	CHECK(memcmp(back, g, 16) == 0);
}

static void test_gpt_good(void)
{
	char path[256], msg[512], err[256];
	uint8_t *m = gpt_image(path, sizeof(path));
	uint8_t buf[4096];
	struct disk k;
	struct part_query q = { 0 };
	struct part_table t;
	struct part_entry p;
	struct part_expect e;

	disk_init(&k, m, IMG_SIZE, 512);
	q.by_guid = 1;
	part_guid_parse(G2, q.guid);
	/* A 4 KiB buffer reads the 16 KiB entry array in four pieces. */
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK(t.scheme == PART_GPT);
	CHECK(!t.gpt_backup);
	CHECK_EQ_U64(t.count, 3);
	CHECK_EQ_U64(p.number, 2);
	CHECK_EQ_U64(p.start, 18432ull * 512);
	CHECK_EQ_U64(p.len, (51200ull - 18432) * 512);

	memset(&q, 0, sizeof(q));
	q.number = 3;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	part_guid_format(p.guid, msg, sizeof(msg));
	CHECK_STR(msg, G3);
	CHECK_EQ_U64(p.start, 51200ull * 512);
	q.number = 4;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_ABSENT);
	q.by_guid = 1;
	part_guid_parse(G4, q.guid);
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_ABSENT);

	e = expect_guid(G2, 18432ull * 512, 32768ull * 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "GPT partition 2 (PARTUUID " G2 ") at bytes 9437184+16777216"));

	/* Same table through tiny requests and a one-sector buffer. */
	k.blk.max_transfer = 512;
	CHECK(part_verify(&k.blk, &e, buf, 512, msg, sizeof(msg)) == 0);
	k.blk.max_transfer = 64 << 10;
	/* Too small a buffer is an error, not an overflow. */
	CHECK(part_verify(&k.blk, &e, buf, 256, msg, sizeof(msg)) < 0);

	/* The right partition, the wrong length: refused, both sides told. */
	e.len -= 512;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "expected GPT partition PARTUUID " G2 " at bytes 9437184+16776704"));
	CHECK(strstr(msg, "found GPT partition 2 (PARTUUID " G2 ") at bytes 9437184+16777216"));

	/* An expectation of an MBR partition on a GPT disk. */
	memset(&e, 0, sizeof(e));
	e.have_mbr = 1;
	e.mbr_partno = 2;
	e.start = 18432ull * 512;
	e.len = 32768ull * 512;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "not MBR"));
	/* And no identity at all. */
	memset(&e, 0, sizeof(e));
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK_EQ_U64(k.bad, 0);
	free(m);
}

static void test_gpt_damaged(void)
{
	char path[256], msg[512], err[256];
	uint8_t *m = gpt_image(path, sizeof(path));
	uint8_t *orig = malloc(IMG_SIZE);
	uint8_t buf[16384];
	struct disk k;
	struct part_query q = { 0 };
	struct part_table t;
	struct part_entry p;
	struct part_expect e = expect_guid(G2, 18432ull * 512, 32768ull * 512);
	size_t last = IMG_SIZE - 512;

	memcpy(orig, m, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);
	q.by_guid = 1;
	part_guid_parse(G2, q.guid);

	/* Primary header CRC broken (a byte of the disk GUID): the backup serves. */
	m[512 + 60] ^= 0xff;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK(t.gpt_backup);
	CHECK(strstr(t.note, "primary GPT header: CRC mismatch"));
	CHECK_EQ_U64(p.start, 18432ull * 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "from the backup GPT"));

	/* Primary entries damaged (header good): the backup serves too. */
	memcpy(m, orig, IMG_SIZE);
	m[1024 + 128 + 40] ^= 1;	/* partition 2's last LBA */
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK(t.gpt_backup);
	CHECK(strstr(t.note, "primary GPT entries: CRC mismatch"));
	CHECK_EQ_U64(p.len, 32768ull * 512);

	/* Primary signature gone and backup entries damaged: nothing usable. */
	memcpy(m, orig, IMG_SIZE);
	memset(m + 512, 0, 8);
	m[IMG_SIZE - 33 * 512 + 128 + 32] ^= 1;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_BAD);
	CHECK(strstr(err, "no \"EFI PART\" signature"));
	CHECK(strstr(err, "backup GPT entries: CRC mismatch"));
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "expected GPT partition PARTUUID " G2));
	CHECK(strstr(msg, "no valid partition table"));

	/* Both headers' CRCs broken. */
	memcpy(m, orig, IMG_SIZE);
	m[512 + 60] ^= 0xff;
	m[last + 60] ^= 0xff;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "primary GPT header: CRC mismatch; backup GPT header: CRC mismatch"));

	/* A header whose "my LBA" lies (a copy of the backup put at LBA 1). */
	memcpy(m, orig, IMG_SIZE);
	memcpy(m + 512, orig + last, 512);
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK(t.gpt_backup);
	CHECK(strstr(t.note, "says it is at LBA"));
	CHECK_EQ_U64(k.bad, 0);
	free(orig);
	free(m);
}

/* The partition changed under the loader's feet, as sgdisk would do it. */
static void test_gpt_changed(void)
{
	char path[256], msg[512];
	uint8_t *m;
	uint8_t buf[16384];
	struct disk k;
	struct part_expect e = expect_guid(G2, 18432ull * 512, 32768ull * 512);

	free(gpt_image(path, sizeof(path)));
	run("sgdisk -u 2:" G4 " %s%s >/dev/null", path, NULL);
	m = load(path, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "found no such partition (GPT table with 3 partitions)"));
	free(m);

	free(gpt_image(path, sizeof(path)));
	run("sgdisk -d 2 -n 2:18432:40959 -u 2:" G2 " %s%s >/dev/null", path, NULL);
	m = load(path, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "found GPT partition 2 (PARTUUID " G2 ") at bytes 9437184+11534336"));
	free(m);

	/* A blank disk (the disk was swapped for a new one). */
	m = calloc(1, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "no valid partition table (no MBR;"));
	free(m);
}

static void test_mbr(void)
{
	char path[256], msg[512], err[256];
	uint8_t *m, buf[4096];
	struct disk k;
	struct part_query q = { 0 };
	struct part_table t;
	struct part_entry p;
	struct part_expect e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mbr.sfdisk", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "label: dos\nlabel-id: 0x1a2b3c4d\n"
		"start=2048, size=16384, type=83\n"
		"start=18432, size=32768, type=83\n"
		"start=51200, size=30720, type=5\n"
		"start=53248, size=8192, type=83\n"
		"start=63488, size=8192, type=83\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/mbr.img", tmpdir);
	unlink(path);
	run("truncate -s 40M %s%s", path, NULL);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "sfdisk -q %s < %s/mbr.sfdisk >/dev/null", path, tmpdir);
		CHECK(system(cmd) == 0);
	}
	m = load(path, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);

	q.number = 2;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK(t.scheme == PART_MBR);
	CHECK_EQ_U64(t.mbr_signature, 0x1a2b3c4d);
	CHECK_EQ_U64(p.start, 18432ull * 512);
	CHECK_EQ_U64(p.len, 32768ull * 512);
	q.number = 5;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK_EQ_U64(p.start, 53248ull * 512);
	CHECK_EQ_U64(p.len, 8192ull * 512);
	q.number = 6;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND);
	CHECK_EQ_U64(p.start, 63488ull * 512);
	q.number = 7;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_ABSENT);
	q.number = 4;
	CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_ABSENT);

	memset(&e, 0, sizeof(e));
	e.have_mbr = 1;
	e.mbr_signature = 0x1a2b3c4d;
	e.mbr_partno = 6;
	e.start = 63488ull * 512;
	e.len = 8192ull * 512;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "MBR partition 6 (disk signature 1a2b3c4d) at bytes 32505856+4194304"));
	e.mbr_signature = 0x1a2b3c4e;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "found disk signature 1a2b3c4d: a different disk"));
	e.mbr_signature = 0x1a2b3c4d;
	e.start += 512;
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "found MBR partition 6"));

	/* A GPT expectation on an MBR disk. */
	e = expect_guid(G2, 18432ull * 512, 32768ull * 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "found an MBR partition table (disk signature 1a2b3c4d), not GPT"));

	/* An EBR chain that points at itself ends, with a message. */
	{
		/* The first EBR sits at the extended partition's start, 51200. */
		uint8_t *ebr = m + 51200ull * 512;
		uint8_t *link = ebr + 446 + 16;

		CHECK(ebr[510] == 0x55 && link[4] == 0x05);
		memset(link + 8, 0, 4);
		link[8] = 0;		/* relative 0: itself */
		q.number = 9;
		CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_BAD);
		/* Pointing back to the start is a loop too, caught by the bound. */
		link[8] = 1;	/* an LBA with no 0x55AA */
		CHECK(part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_BAD);
		CHECK(strstr(err, "no 0x55AA"));
	}
	CHECK_EQ_U64(k.bad, 0);
	free(m);
}

/* GPT with 4 KiB sectors, as on a 4Kn NVMe namespace: LBAs count 4 KiB. */
static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void put_le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = v >> (8 * i); }

static void gpt_header_at(uint8_t *m, uint32_t ssz, uint64_t my, uint64_t alt, uint64_t entries,
			  uint64_t nsect, uint32_t array_crc)
{
	uint8_t *h = m + my * ssz;

	memset(h, 0, ssz);
	memcpy(h, "EFI PART", 8);
	put_le32(h + 8, 0x00010000);
	put_le32(h + 12, 92);
	put_le64(h + 24, my);
	put_le64(h + 32, alt);
	put_le64(h + 40, 6);
	put_le64(h + 48, nsect - 6);
	memset(h + 56, 0x42, 16);
	put_le64(h + 72, entries);
	put_le32(h + 80, 128);
	put_le32(h + 84, 128);
	put_le32(h + 88, array_crc);
	put_le32(h + 16, part_crc32(0, h, 92));
}

static void test_gpt_4k(void)
{
	const uint32_t ssz = 4096;
	const uint64_t nsect = 4096;		/* 16 MiB */
	uint8_t *m = calloc(nsect, ssz), *arr, buf[8192];
	uint8_t g[16];
	char msg[512];
	struct disk k;
	struct part_expect e;
	uint32_t crc;

	/* Protective MBR. */
	m[446 + 4] = 0xee;
	put_le32(m + 446 + 8, 1);
	put_le32(m + 446 + 12, (uint32_t)nsect - 1);
	m[510] = 0x55;
	m[511] = 0xaa;
	/* Entry array: 128 entries of 128 bytes = 4 sectors at LBA 2. */
	arr = m + 2 * ssz;
	for (int i = 0; i < 3; i++) {
		uint8_t *en = arr + 128 * i;
		char s[40];

		snprintf(s, sizeof(s), "11111111-2222-3333-4444-55555555550%d", i + 1);
		memset(en, 0xaf, 16);			/* type */
		part_guid_parse(s, g);
		part_guid_to_disk(en + 16, g);
		put_le64(en + 32, 256 + 1024 * i);	/* 1 MiB, 5 MiB, 9 MiB */
		put_le64(en + 40, 256 + 1024 * i + 1023);
	}
	crc = part_crc32(0, arr, 128 * 128);
	memcpy(m + (nsect - 5) * ssz, arr, 128 * 128);
	gpt_header_at(m, ssz, 1, nsect - 1, 2, nsect, crc);
	gpt_header_at(m, ssz, nsect - 1, 1, nsect - 5, nsect, crc);

	disk_init(&k, m, nsect * ssz, ssz);
	e = expect_guid("11111111-2222-3333-4444-555555555502", 1280ull * 4096, 1024ull * 4096);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "at bytes 5242880+4194304"));
	/* Read as if the sectors were 512 bytes, nothing is found. */
	disk_init(&k, m, nsect * ssz, 512);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	/* Backup only. */
	disk_init(&k, m, nsect * ssz, ssz);
	m[ssz] = 'X';
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "from the backup GPT"));
	/* A buffer smaller than a sector is refused. */
	CHECK(part_verify(&k.blk, &e, buf, 2048, msg, sizeof(msg)) < 0);
	/* An entry running off the disk is refused, though its CRC is right;
	 * the backup, still intact, serves. */
	m[ssz] = 'E';
	put_le64(arr + 128 + 40, nsect + 5);
	crc = part_crc32(0, arr, 128 * 128);
	gpt_header_at(m, ssz, 1, nsect - 1, 2, nsect, crc);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) == 0);
	CHECK(strstr(msg, "primary GPT: partition 2 spans LBAs 1280-4101, outside the disk"));
	/* With the same entry in the backup, nothing is usable. */
	memcpy(m + (nsect - 5) * ssz, arr, 128 * 128);
	gpt_header_at(m, ssz, nsect - 1, 1, nsect - 5, nsect, crc);
	CHECK(part_verify(&k.blk, &e, buf, sizeof(buf), msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "backup GPT: partition 2 spans LBAs 1280-4101, outside the disk"));
	CHECK_EQ_U64(k.bad, 0);
	free(m);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random damage to the table areas: no crash, and nothing outside the disk. */
static void test_fuzz(void)
{
	char path[256], err[256];
	uint8_t *m = gpt_image(path, sizeof(path));
	uint8_t *orig = malloc(IMG_SIZE);
	uint8_t buf[4096];
	struct disk k;
	int found = 0, sane = 1;

	memcpy(orig, m, IMG_SIZE);
	disk_init(&k, m, IMG_SIZE, 512);
	for (int i = 0; i < 3000; i++) {
		struct part_query q = { 0 };
		struct part_table t;
		struct part_entry p;
		int n = 1 + rnd() % 8;

		memcpy(m, orig, 34 * 512);
		memcpy(m + IMG_SIZE - 33 * 512, orig + IMG_SIZE - 33 * 512, 33 * 512);
		for (int j = 0; j < n; j++) {
			/* Mostly headers and first entries; sometimes recompute nothing. */
			size_t off = rnd() % 2 ? 512 + rnd() % 512 : rnd() % (34 * 512);

			if (rnd() % 4 == 0)
				off = IMG_SIZE - 33 * 512 + rnd() % (33 * 512);
			m[off] = (uint8_t)rnd();
		}
		if (rnd() % 2) {
			q.by_guid = 1;
			part_guid_parse(G2, q.guid);
		} else {
			q.number = 1 + rnd() % 4;
		}
		if (part_find(&k.blk, &q, buf, sizeof(buf), &t, &p, err, sizeof(err)) == PART_FOUND) {
			found++;
			if (p.start >= IMG_SIZE || p.len > IMG_SIZE - p.start || p.len == 0)
				sane = 0;
		}
	}
	/* The backup keeps many lookups working. */
	if (found <= 300)
		fprintf(stderr, "fuzz: only %d of 3000 lookups found a partition\n", found);
	CHECK(found > 300);
	CHECK(sane);
	CHECK_EQ_U64(k.bad, 0);
	free(orig);
	free(m);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_crc_guid();
	test_gpt_good();
	test_gpt_damaged();
	test_gpt_changed();
	test_mbr();
	test_gpt_4k();
	test_fuzz();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return test_summary("test_partition");
}
