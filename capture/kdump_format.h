/*
 * makedumpfile's kdump-compressed format (diskdump_mod.h), header version 6.
 * Layout, with B = block_size = 4096:
 *   0                      disk_dump_header
 *   B                      kdump_sub_header, then the ELF notes
 *   B*(1+sub_hdr_size)     bitmap 1 (RAM), then bitmap 2 (dumpable)
 *   ...+bitmap_blocks*B    page_desc[number of set bits in bitmap 2]
 *   then                   page data
 * All fields little-endian; structures are packed exactly as on LP64.
 */
#ifndef CAPTURE_KDUMP_FORMAT_H
#define CAPTURE_KDUMP_FORMAT_H

#include <stdint.h>

#define KDUMP_SIGNATURE		"KDUMP   "
#define KDUMP_SIG_LEN		8
#define KDUMP_HEADER_VERSION	6
#define KDUMP_UTS_LEN		65

#define DUMP_DH_COMPRESSED_ZLIB		0x1
#define DUMP_DH_COMPRESSED_LZO		0x2
#define DUMP_DH_COMPRESSED_SNAPPY	0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE	0x8
#define DUMP_DH_EXCLUDED_VMEMMAP	0x10
#define DUMP_DH_COMPRESSED_ZSTD		0x20

struct kdump_utsname {
	char sysname[KDUMP_UTS_LEN];
	char nodename[KDUMP_UTS_LEN];
	char release[KDUMP_UTS_LEN];
	char version[KDUMP_UTS_LEN];
	char machine[KDUMP_UTS_LEN];
	char domainname[KDUMP_UTS_LEN];
};

struct disk_dump_header {
	char signature[KDUMP_SIG_LEN];
	int32_t header_version;
	struct kdump_utsname utsname;	/* 390 bytes, at offset 12 */
	char pad[6];			/* timeval is 8-aligned: offset 408 */
	int64_t timestamp_sec;
	int64_t timestamp_usec;
	uint32_t status;
	int32_t block_size;
	int32_t sub_hdr_size;		/* blocks */
	uint32_t bitmap_blocks;		/* both bitmaps */
	uint32_t max_mapnr;		/* 32-bit legacy; see max_mapnr_64 */
	uint32_t total_ram_blocks;
	uint32_t device_blocks;
	uint32_t written_blocks;
	uint32_t current_cpu;
	int32_t nr_cpus;
} __attribute__((packed));

struct kdump_sub_header {
	uint64_t phys_base;
	int32_t dump_level;
	int32_t split;
	uint64_t start_pfn;
	uint64_t end_pfn;
	uint64_t offset_vmcoreinfo;
	uint64_t size_vmcoreinfo;
	uint64_t offset_note;
	uint64_t size_note;
	uint64_t offset_eraseinfo;
	uint64_t size_eraseinfo;
	uint64_t start_pfn_64;
	uint64_t end_pfn_64;
	uint64_t max_mapnr_64;
} __attribute__((packed));

struct kdump_page_desc {
	uint64_t offset;	/* absolute file offset of the data; never 0 */
	uint32_t size;		/* stored bytes, <= block_size */
	uint32_t flags;		/* DUMP_DH_COMPRESSED_* or 0 for raw */
	uint64_t page_flags;	/* always 0 */
} __attribute__((packed));

_Static_assert(sizeof(struct disk_dump_header) == 464, "disk_dump_header size");
_Static_assert(sizeof(struct kdump_sub_header) == 104, "kdump_sub_header size");
_Static_assert(sizeof(struct kdump_page_desc) == 24, "page_desc size");

#endif
