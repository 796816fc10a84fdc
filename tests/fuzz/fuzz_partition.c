/*
 * GPT and MBR (fs/partition.c): the input is a disk of 512-byte sectors
 * (4096-byte ones when its first byte is odd: the other LBA size the image
 * meets on NVMe), looked up by number, by GUID, and verified against what a
 * loader might have said.
 */
#include "drivers/blk.h"
#include "fs/partition.h"
#include "tests/fuzz/fuzz.h"

struct mem_disk {
	const uint8_t *p;
	size_t len;
};

static int md_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct mem_disk *m = d->priv;
	uint64_t off = lba * d->sector_size, len = (uint64_t)n * d->sector_size;

	if (lba >= d->nsectors || n > d->nsectors - lba)
		abort();	/* the parser must stay on the disk it was given */
	if (off >= m->len) {
		memset(buf, 0, len);
		return 0;
	}
	if (len > m->len - off) {
		memcpy(buf, m->p + off, m->len - off);
		memset((uint8_t *)buf + (m->len - off), 0, len - (m->len - off));
	} else {
		memcpy(buf, m->p + off, len);
	}
	return 0;
}

static int md_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	abort();	/* finding a partition never writes */
}

static int md_flush(struct blk_dev *d) { return 0; }

static const struct blk_ops ops = { md_read, md_write, md_flush };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[64 << 10];
	struct mem_disk md = { data, size };
	struct blk_dev d;
	struct part_table t;
	struct part_entry e;
	struct part_query q;
	struct part_expect x;
	char err[256];

	if (size < 1)
		return 0;
	memset(&d, 0, sizeof(d));
	d.ops = &ops;
	d.sector_size = data[0] & 1 ? 4096 : 512;
	/* The disk is larger than the input (the rest reads as zeros): backup
	 * headers past the input, and sizes that do not divide evenly. */
	d.nsectors = (size + d.sector_size - 1) / d.sector_size + (data[0] >> 1);
	d.max_transfer = 64 << 10;
	d.priv = &md;
	strcpy(d.name, "fuzz");

	memset(&q, 0, sizeof(q));
	for (uint32_t n = 1; n <= 5; n++) {
		q.number = n;
		part_find(&d, &q, buf, sizeof(buf), &t, &e, err, sizeof(err));
	}
	q.by_guid = 1;
	if (size >= 17)
		memcpy(q.guid, data + 1, 16);
	part_find(&d, &q, buf, sizeof(buf), &t, &e, err, sizeof(err));

	memset(&x, 0, sizeof(x));
	x.have_guid = 1;
	memcpy(x.guid, q.guid, 16);
	x.start = 1 << 20;
	x.len = 1 << 20;
	part_verify(&d, &x, buf, sizeof(buf), err, sizeof(err));
	x.have_guid = 0;
	x.have_mbr = 1;
	x.mbr_partno = 1;
	part_verify(&d, &x, buf, sizeof(buf), err, sizeof(err));
	return 0;
}
