/*
 * What the capture image was told to do, parsed from its command line
 * (docs/cmdline.md). Host tools fill the same structure from their flags.
 */
#ifndef CAPTURE_CONFIG_H
#define CAPTURE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum target_kind { TARGET_NONE, TARGET_RAW };
enum action { ACTION_REBOOT, ACTION_HALT, ACTION_POWEROFF };
enum compress { COMPRESS_NONE, COMPRESS_ZSTD };
enum dump_format { FORMAT_KDUMP, FORMAT_ELF };

struct disk_spec {
	char driver[16];	/* "virtio-blk", "nvme" */
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint32_t nsid;		/* NVMe namespace; 0 when not given */
};

struct capture_config {
	int have_elfcorehdr;
	uint64_t elfcorehdr_addr;
	uint64_t elfcorehdr_size;	/* 0: not given, derive from the header */
	uint64_t acpi_rsdp;		/* 0: not given */

	enum target_kind target;
	int have_disk;
	struct disk_spec disk;
	int have_part;
	uint64_t part_start, part_len;	/* bytes */

	int dump_level;			/* makedumpfile -d, 0..31 */
	enum compress compress;
	enum dump_format format;
	enum action failure_action, final_action;
};

void config_defaults(struct capture_config *c);
/*
 * Parses a kernel-style command line. Unknown words are ignored; a dumpling.*
 * option with a bad value is an error. Returns 0, or -1 with a message in err.
 */
int cmdline_parse(const char *cmdline, struct capture_config *c, char *err, size_t errlen);
const char *action_name(enum action a);

#endif
