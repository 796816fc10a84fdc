/*
 * GPT and MBR, read-only (see partition.h).
 *
 * GPT (UEFI 2.x, chapter 5): LBA 0 holds a protective MBR with one partition
 * of type 0xEE; LBA 1 the primary header; the last LBA of the disk the backup
 * header, which points to its own copy of the entry array. A header is good
 * when its signature, its own CRC-32 (computed with the CRC field zeroed),
 * its "my LBA" and the CRC-32 of its entry array all check out. We use the
 * primary when it is good and the backup otherwise, as firmware does.
 *
 * MBR: four 16-byte entries at byte 446, the disk signature at 440, 0x55AA at
 * 510. An extended partition (type 0x05, 0x0F, 0x85) starts a chain of EBRs:
 * each holds one logical partition (relative to that EBR) and a link to the
 * next EBR (relative to the extended partition). LBAs count device sectors,
 * also on 4 KiB-sector disks.
 *
 * Everything on the disk is untrusted: every count, size and LBA is checked
 * against the disk and the buffer before use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fs/partition.h"

#define GPT_SIGNATURE		"EFI PART"
#define GPT_HDR_MIN		92
#define GPT_ENTRY_MIN		128
#define GPT_ENTRY_MAX		4096
#define GPT_ARRAY_MAX		(4u << 20)	/* Linux reads at most this much too */

#define MBR_SIG_OFF		440
#define MBR_PART_OFF		446
#define MBR_TYPE_EMPTY		0x00
#define MBR_TYPE_GPT		0xee
#define MBR_MAX_EBRS		128		/* a longer chain is a loop */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t part_crc32(uint32_t crc, const void *p, size_t n)
{
	/* Half-byte table: small, and fast enough for a few KiB of entries. */
	static const uint32_t t[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
		0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const uint8_t *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return ~crc;
}

void part_guid_from_disk(uint8_t g[16], const uint8_t d[16])
{
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

	for (int i = 0; i < 16; i++)
		g[i] = d[order[i]];
}

void part_guid_to_disk(uint8_t d[16], const uint8_t g[16])
{
	part_guid_from_disk(d, g);	/* the byte swaps are their own inverse */
}

void part_guid_format(const uint8_t g[16], char *buf, size_t n)
{
	snprintf(buf, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int part_guid_parse(const char *s, uint8_t g[16])
{
	static const char pattern[] = "xxxx-xx-xx-xx-xxxxxx";	/* x: one byte */
	int o = 0;

	for (const char *p = pattern; *p; p++) {
		if (*p == '-') {
			if (*s++ != '-')
				return -1;
			continue;
		}
		if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
			return -1;
		g[o++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return *s ? -1 : 0;
}

static int is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* Reads n sectors at lba into buf, in requests the device takes. */
static int read_sectors(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	uint32_t max = d->max_transfer / d->sector_size;
	uint8_t *p = buf;

	if (max == 0)
		return -1;
	if (lba >= d->nsectors || n > d->nsectors - lba)
		return -1;
	while (n) {
		uint32_t k = n < max ? n : max;

		if (blk_read(d, lba, p, k) != 0)
			return -1;
		lba += k;
		p += (size_t)k * d->sector_size;
		n -= k;
	}
	return 0;
}

/* Appends to the table's note, so that both GPT headers' faults are told. */
__attribute__((format(printf, 2, 3)))
static void note(struct part_table *t, const char *fmt, ...)
{
	size_t k = strlen(t->note);
	va_list ap;

	if (k && k + 2 < sizeof(t->note)) {
		memcpy(t->note + k, "; ", 3);
		k += 2;
	}
	va_start(ap, fmt);
	vsnprintf(t->note + k, sizeof(t->note) - k, fmt, ap);
	va_end(ap);
}

struct gpt_hdr {
	uint64_t my_lba, alt_lba, first_usable, last_usable, entries_lba;
	uint32_t nentries, entry_size, entries_crc;
	uint8_t disk_guid[16];
};

/*
 * Reads and checks the GPT header at lba (not yet its entries). Returns 0, or
 * -1 with the reason in t->note.
 */
static int gpt_header(struct blk_dev *d, uint64_t lba, const char *which, uint8_t *buf,
		      struct gpt_hdr *h, struct part_table *t)
{
	uint32_t ssz = d->sector_size, size, crc;
	uint64_t array_bytes, array_sectors;

	if (read_sectors(d, lba, buf, 1) != 0) {
		note(t, "%s GPT header (LBA %llu): read error", which, (unsigned long long)lba);
		return -1;
	}
	if (memcmp(buf, GPT_SIGNATURE, 8) != 0) {
		note(t, "%s GPT header (LBA %llu): no \"EFI PART\" signature", which,
		     (unsigned long long)lba);
		return -1;
	}
	size = le32(buf + 12);
	if (size < GPT_HDR_MIN || size > ssz) {
		note(t, "%s GPT header: bad header size %u", which, size);
		return -1;
	}
	crc = le32(buf + 16);
	memset(buf + 16, 0, 4);
	if (part_crc32(0, buf, size) != crc) {
		note(t, "%s GPT header: CRC mismatch", which);
		return -1;
	}
	h->my_lba = le64(buf + 24);
	h->alt_lba = le64(buf + 32);
	h->first_usable = le64(buf + 40);
	h->last_usable = le64(buf + 48);
	memcpy(h->disk_guid, buf + 56, 16);
	h->entries_lba = le64(buf + 72);
	h->nentries = le32(buf + 80);
	h->entry_size = le32(buf + 84);
	h->entries_crc = le32(buf + 88);

	if (h->my_lba != lba) {
		note(t, "%s GPT header: says it is at LBA %llu, read from %llu", which,
		     (unsigned long long)h->my_lba, (unsigned long long)lba);
		return -1;
	}
	if (h->first_usable > h->last_usable || h->last_usable >= d->nsectors) {
		note(t, "%s GPT header: usable LBAs %llu-%llu do not fit the disk (%llu sectors)",
		     which, (unsigned long long)h->first_usable,
		     (unsigned long long)h->last_usable, (unsigned long long)d->nsectors);
		return -1;
	}
	if (h->entry_size < GPT_ENTRY_MIN || h->entry_size > GPT_ENTRY_MAX ||
	    (h->entry_size & (h->entry_size - 1))) {
		note(t, "%s GPT header: bad entry size %u", which, h->entry_size);
		return -1;
	}
	array_bytes = (uint64_t)h->nentries * h->entry_size;
	if (h->nentries == 0 || array_bytes > GPT_ARRAY_MAX) {
		note(t, "%s GPT header: bad entry count %u", which, h->nentries);
		return -1;
	}
	array_sectors = (array_bytes + ssz - 1) / ssz;
	if (h->entries_lba < 2 || h->entries_lba >= d->nsectors ||
	    array_sectors > d->nsectors - h->entries_lba) {
		note(t, "%s GPT header: entry array at LBA %llu does not fit the disk", which,
		     (unsigned long long)h->entries_lba);
		return -1;
	}
	return 0;
}

/*
 * Reads the entry array of a good header, checks its CRC, and looks for q on
 * the way. Returns PART_FOUND / PART_ABSENT, or PART_BAD with t->note.
 */
static int gpt_entries(struct blk_dev *d, const struct gpt_hdr *h, const char *which,
		       uint8_t *buf, size_t bufsize, const struct part_query *q,
		       struct part_table *t, struct part_entry *out)
{
	uint32_t ssz = d->sector_size;
	uint64_t total = (uint64_t)h->nentries * h->entry_size;
	uint64_t lba = h->entries_lba, done = 0;
	uint32_t unit = ssz > h->entry_size ? ssz : h->entry_size;	/* powers of two */
	uint32_t crc = 0, index = 0, count = 0;
	size_t chunk = bufsize / unit * unit;
	int found = 0;

	if (chunk > d->max_transfer / unit * unit)
		chunk = d->max_transfer / unit * unit;
	if (chunk == 0) {
		note(t, "%s GPT: %u-byte entries need a larger buffer", which, h->entry_size);
		return PART_BAD;
	}
	while (done < total) {
		uint64_t left = total - done;
		size_t bytes = left < chunk ? (size_t)left : chunk;
		uint32_t nsect = (uint32_t)((bytes + ssz - 1) / ssz);

		if (read_sectors(d, lba, buf, nsect) != 0) {
			note(t, "%s GPT entries: read error at LBA %llu", which,
			     (unsigned long long)lba);
			return PART_BAD;
		}
		crc = part_crc32(crc, buf, bytes);
		for (size_t off = 0; off + h->entry_size <= bytes; off += h->entry_size, index++) {
			const uint8_t *e = buf + off;
			uint8_t guid[16];
			uint64_t first, last;

			if (is_zero(e, 16))
				continue;	/* unused entry */
			count++;
			first = le64(e + 32);
			last = le64(e + 40);
			part_guid_from_disk(guid, e + 16);
			if (found)
				continue;
			if (q->by_guid ? memcmp(guid, q->guid, 16) != 0 : index + 1 != q->number)
				continue;
			if (first > last || last >= d->nsectors) {
				note(t, "%s GPT: partition %u spans LBAs %llu-%llu, outside the disk",
				     which, index + 1, (unsigned long long)first,
				     (unsigned long long)last);
				return PART_BAD;
			}
			out->number = index + 1;
			out->start = first * ssz;
			out->len = (last - first + 1) * ssz;
			memcpy(out->guid, guid, 16);
			out->mbr_type = 0;
			found = 1;
		}
		done += bytes;
		lba += nsect;
	}
	if (crc != h->entries_crc) {
		memset(out, 0, sizeof(*out));
		note(t, "%s GPT entries: CRC mismatch", which);
		return PART_BAD;
	}
	t->count = count;
	return found ? PART_FOUND : PART_ABSENT;
}

static int gpt_find(struct blk_dev *d, const struct part_query *q, uint8_t *buf, size_t bufsize,
		    struct part_table *t, struct part_entry *out)
{
	struct gpt_hdr h;
	uint64_t backup = d->nsectors - 1;
	int r;

	t->scheme = PART_GPT;
	if (gpt_header(d, 1, "primary", buf, &h, t) == 0) {
		r = gpt_entries(d, &h, "primary", buf, bufsize, q, t, out);
		if (r != PART_BAD) {
			memcpy(t->disk_guid, h.disk_guid, 16);
			return r;
		}
		/* The primary header knows where its backup is. */
		if (h.alt_lba > 1 && h.alt_lba < d->nsectors)
			backup = h.alt_lba;
	}
	if (gpt_header(d, backup, "backup", buf, &h, t) == 0) {
		r = gpt_entries(d, &h, "backup", buf, bufsize, q, t, out);
		if (r != PART_BAD) {
			memcpy(t->disk_guid, h.disk_guid, 16);
			t->gpt_backup = 1;
			return r;
		}
	}
	return PART_BAD;
}

static int mbr_valid(const uint8_t *s)
{
	return s[510] == 0x55 && s[511] == 0xaa;
}

static int mbr_is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* Fills *out from a data entry at base + its start; -1 if it leaves the disk. */
static int mbr_entry(struct blk_dev *d, const uint8_t *e, uint64_t base, uint32_t number,
		     struct part_entry *out)
{
	uint64_t start = base + le32(e + 8), n = le32(e + 12);

	if (start >= d->nsectors || n > d->nsectors - start)
		return -1;
	memset(out, 0, sizeof(*out));
	out->number = number;
	out->start = start * d->sector_size;
	out->len = n * d->sector_size;
	out->mbr_type = e[4];
	return 0;
}

/* Walks the EBR chain of the extended partition at ext (LBA) of n sectors. */
static int mbr_logical(struct blk_dev *d, uint64_t ext, uint64_t ext_len, uint8_t *buf,
		       const struct part_query *q, struct part_table *t, struct part_entry *out)
{
	uint64_t ebr = ext;
	uint32_t number = 5;

	for (int i = 0; i < MBR_MAX_EBRS; i++) {
		const uint8_t *data, *link;

		if (read_sectors(d, ebr, buf, 1) != 0) {
			note(t, "MBR: read error in the extended partition at LBA %llu",
			     (unsigned long long)ebr);
			return PART_BAD;
		}
		if (!mbr_valid(buf)) {
			note(t, "MBR: EBR at LBA %llu has no 0x55AA signature",
			     (unsigned long long)ebr);
			return PART_BAD;
		}
		data = buf + MBR_PART_OFF;
		link = buf + MBR_PART_OFF + 16;
		if (data[4] != MBR_TYPE_EMPTY && le32(data + 12) != 0) {
			t->count++;
			if (!q->by_guid && q->number == number) {
				if (mbr_entry(d, data, ebr, number, out) != 0) {
					note(t, "MBR: partition %u leaves the disk", number);
					return PART_BAD;
				}
				return PART_FOUND;
			}
			number++;
		}
		if (!mbr_is_extended(link[4]) || le32(link + 12) == 0)
			return PART_ABSENT;
		if (le32(link + 8) == 0 || le32(link + 8) >= ext_len) {
			note(t, "MBR: EBR link to %u leaves the extended partition", le32(link + 8));
			return PART_BAD;
		}
		ebr = ext + le32(link + 8);
	}
	note(t, "MBR: more than %d logical partitions (a loop?)", MBR_MAX_EBRS);
	return PART_BAD;
}

static int mbr_find(struct blk_dev *d, uint8_t *buf, const struct part_query *q,
		    struct part_table *t, struct part_entry *out)
{
	uint8_t ent[4][16];
	int ext = -1;

	t->scheme = PART_MBR;
	memcpy(ent, buf + MBR_PART_OFF, sizeof(ent));
	for (int i = 0; i < 4; i++) {
		if (ent[i][4] == MBR_TYPE_EMPTY || le32(ent[i] + 12) == 0)
			continue;
		t->count++;
		if (mbr_is_extended(ent[i][4]) && ext < 0)
			ext = i;
	}
	if (q->by_guid)
		return PART_ABSENT;	/* MBR partitions have no GUID */
	if (q->number >= 1 && q->number <= 4) {
		const uint8_t *e = ent[q->number - 1];

		if (e[4] == MBR_TYPE_EMPTY || le32(e + 12) == 0)
			return PART_ABSENT;
		if (mbr_entry(d, e, 0, q->number, out) != 0) {
			note(t, "MBR: partition %u leaves the disk", q->number);
			return PART_BAD;
		}
		return PART_FOUND;
	}
	if (ext < 0)
		return PART_ABSENT;
	return mbr_logical(d, le32(ent[ext] + 8), le32(ent[ext] + 12), buf, q, t, out);
}

int part_find(struct blk_dev *d, const struct part_query *q, void *vbuf, size_t bufsize,
	      struct part_table *t, struct part_entry *out, char *err, size_t errlen)
{
	uint8_t *buf = vbuf;
	uint32_t ssz = d->sector_size;
	int protective = 0, r;

	memset(t, 0, sizeof(*t));
	memset(out, 0, sizeof(*out));
	if (ssz < 512 || (ssz & (ssz - 1)) || bufsize < ssz || d->max_transfer < ssz ||
	    d->nsectors < 3) {
		snprintf(err, errlen, "%s: cannot read a partition table (sector %u bytes, "
			 "%llu sectors, buffer %llu bytes)", d->name, ssz,
			 (unsigned long long)d->nsectors, (unsigned long long)bufsize);
		return PART_BAD;
	}
	if (read_sectors(d, 0, buf, 1) != 0) {
		snprintf(err, errlen, "%s: cannot read sector 0", d->name);
		return PART_BAD;
	}
	if (mbr_valid(buf)) {
		t->mbr_signature = le32(buf + MBR_SIG_OFF);
		for (int i = 0; i < 4; i++)
			if (buf[MBR_PART_OFF + 16 * i + 4] == MBR_TYPE_GPT)
				protective = 1;
		if (!protective) {
			r = mbr_find(d, buf, q, t, out);
			if (r == PART_BAD)
				snprintf(err, errlen, "%s: bad MBR partition table: %s", d->name,
					 t->note);
			return r;
		}
	}
	/* A protective MBR, or none at all: GPT or nothing. */
	r = gpt_find(d, q, buf, bufsize, t, out);
	if (r == PART_BAD) {
		if (!protective && !mbr_valid(buf))
			t->scheme = PART_NONE;
		snprintf(err, errlen, "%s: no valid partition table (%s%s)", d->name,
			 protective ? "" : "no MBR; ", t->note);
	}
	return r;
}

static void describe_entry(const struct part_table *t, const struct part_entry *p,
			   char *buf, size_t n)
{
	char g[40];

	if (t->scheme == PART_GPT) {
		part_guid_format(p->guid, g, sizeof(g));
		snprintf(buf, n, "GPT partition %u (PARTUUID %s) at bytes %llu+%llu%s", p->number,
			 g, (unsigned long long)p->start, (unsigned long long)p->len,
			 t->gpt_backup ? ", from the backup GPT" : "");
	} else {
		snprintf(buf, n, "MBR partition %u (disk signature %08x) at bytes %llu+%llu",
			 p->number, t->mbr_signature, (unsigned long long)p->start,
			 (unsigned long long)p->len);
	}
}

int part_verify(struct blk_dev *d, const struct part_expect *e, void *buf, size_t bufsize,
		char *msg, size_t msglen)
{
	struct part_query q;
	struct part_table t;
	struct part_entry p;
	char want[128], found[160], err[256];
	int r;

	memset(&q, 0, sizeof(q));
	if (e->have_guid) {
		char g[40];

		part_guid_format(e->guid, g, sizeof(g));
		snprintf(want, sizeof(want), "GPT partition PARTUUID %s at bytes %llu+%llu", g,
			 (unsigned long long)e->start, (unsigned long long)e->len);
		q.by_guid = 1;
		memcpy(q.guid, e->guid, 16);
	} else if (e->have_mbr) {
		snprintf(want, sizeof(want), "MBR partition %u of disk signature %08x at bytes "
			 "%llu+%llu", e->mbr_partno, e->mbr_signature,
			 (unsigned long long)e->start, (unsigned long long)e->len);
		q.number = e->mbr_partno;
	} else {
		snprintf(msg, msglen, "%s: no partition identity to check (neither "
			 "dumpling.partuuid= nor dumpling.mbr=)", d->name);
		return -1;
	}

	r = part_find(d, &q, buf, bufsize, &t, &p, err, sizeof(err));
	if (r == PART_BAD) {
		snprintf(msg, msglen, "%s: expected %s; found %s", d->name, want, err);
		return -1;
	}
	if (e->have_guid && t.scheme != PART_GPT) {
		snprintf(msg, msglen, "%s: expected %s; found an MBR partition table "
			 "(disk signature %08x), not GPT", d->name, want, t.mbr_signature);
		return -1;
	}
	if (e->have_mbr && t.scheme != PART_MBR) {
		snprintf(msg, msglen, "%s: expected %s; found a GPT partition table, not MBR",
			 d->name, want);
		return -1;
	}
	if (e->have_mbr && t.mbr_signature != e->mbr_signature) {
		snprintf(msg, msglen, "%s: expected %s; found disk signature %08x: a different "
			 "disk", d->name, want, t.mbr_signature);
		return -1;
	}
	if (r == PART_ABSENT) {
		snprintf(msg, msglen, "%s: expected %s; found no such partition (%s table with "
			 "%u partitions%s)", d->name, want, t.scheme == PART_GPT ? "GPT" : "MBR",
			 t.count, t.gpt_backup ? ", from the backup GPT" : "");
		return -1;
	}
	describe_entry(&t, &p, found, sizeof(found));
	if (p.start != e->start || p.len != e->len) {
		snprintf(msg, msglen, "%s: expected %s; found %s", d->name, want, found);
		return -1;
	}
	snprintf(msg, msglen, "%s: %s", d->name, found);
	if (t.gpt_backup && strlen(msg) + 3 < msglen)
		snprintf(msg + strlen(msg), msglen - strlen(msg), " (%s)", t.note);
	return 0;
}
