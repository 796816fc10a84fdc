/*
 * Partition tables: GPT (both headers, both CRCs) and MBR (primary and
 * logical partitions, the disk signature). The capture image uses this to
 * check, before it writes a byte, that the partition the loader saw is still
 * where the loader saw it; the loader uses it to learn a partition's GUID
 * without udev. Partition numbers are Linux's: GPT entry index + 1; MBR 1-4
 * primary, 5 and up logical in chain order.
 */
#ifndef FS_PARTITION_H
#define FS_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/blk.h"

enum part_scheme { PART_NONE, PART_MBR, PART_GPT };

struct part_entry {
	uint32_t number;
	uint64_t start, len;		/* bytes */
	uint8_t guid[16];		/* GPT: unique GUID, in the order the text shows it */
	uint8_t mbr_type;		/* MBR: the type byte */
};

/* What the disk holds, for messages and for the loader. */
struct part_table {
	enum part_scheme scheme;
	uint32_t mbr_signature;		/* MBR, and the protective MBR of a GPT disk */
	uint8_t disk_guid[16];		/* GPT */
	int gpt_backup;			/* GPT read from the backup header */
	uint32_t count;			/* partitions seen (non-empty entries) */
	char note[160];			/* why a header was rejected, or "" */
};

struct part_query {
	int by_guid;			/* else by number */
	uint8_t guid[16];
	uint32_t number;
};

#define PART_FOUND	0
#define PART_ABSENT	1		/* a good table without that partition */
#define PART_BAD	(-1)		/* no usable table, or an I/O error */

/*
 * Reads the partition table of d and looks for q. buf is scratch memory the
 * device can DMA into, at least one sector and one GPT entry; larger buffers
 * mean fewer requests (16 KiB holds a standard GPT entry array). Returns
 * PART_FOUND with *out filled, PART_ABSENT, or PART_BAD with err set. *t is
 * filled in every case as far as the table was read.
 */
int part_find(struct blk_dev *d, const struct part_query *q, void *buf, size_t bufsize,
	      struct part_table *t, struct part_entry *out, char *err, size_t errlen);

/* The partition the loader resolved, as the command line describes it. */
struct part_expect {
	int have_guid;
	uint8_t guid[16];
	int have_mbr;
	uint32_t mbr_signature, mbr_partno;
	uint64_t start, len;		/* bytes */
};

/*
 * Re-reads the table and checks that the expected partition is there with
 * exactly that start and length. Returns 0 with a one-line description of
 * what was found in msg, or -1 with what was expected and what was found.
 */
int part_verify(struct blk_dev *d, const struct part_expect *e, void *buf, size_t bufsize,
		char *msg, size_t msglen);

/* CRC-32 as GPT uses it (IEEE 802.3, reflected); start with crc = 0. */
uint32_t part_crc32(uint32_t crc, const void *p, size_t n);

/* GUIDs on disk keep their first three fields little-endian. */
void part_guid_from_disk(uint8_t text_order[16], const uint8_t disk[16]);
void part_guid_to_disk(uint8_t disk[16], const uint8_t text_order[16]);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into buf (at least 37 bytes). */
void part_guid_format(const uint8_t g[16], char *buf, size_t n);
/* The reverse; returns 0, or -1 if s is not exactly a GUID (either case). */
int part_guid_parse(const char *s, uint8_t g[16]);

#endif
