/*
 * What the capture image was told to do, parsed from its command line
 * (docs/cmdline.md). Host tools fill the same structure from their flags.
 */
#ifndef CAPTURE_CONFIG_H
#define CAPTURE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/console_spec.h"
#include "drivers/pci_fn.h"

/* Where file targets put their dump directories unless told otherwise. */
#define DEFAULT_DUMP_PATH	"/var/crash"

enum target_kind { TARGET_NONE, TARGET_RAW, TARGET_EXT4, TARGET_NFS };
enum action { ACTION_REBOOT, ACTION_HALT, ACTION_POWEROFF };
enum compress { COMPRESS_NONE, COMPRESS_ZSTD };
enum dump_format { FORMAT_KDUMP, FORMAT_ELF };

struct capture_config {
	int have_elfcorehdr;
	uint64_t elfcorehdr_addr;
	uint64_t elfcorehdr_size;	/* 0: not given, derive from the header */
	uint64_t acpi_rsdp;		/* 0: not given */

	enum target_kind target;
	int have_disk;
	struct pci_fn disk;
	int have_part;
	uint64_t part_start, part_len;	/* bytes */

	/* The partition must still be there, where the loader saw it. */
	int have_partuuid;
	uint8_t partuuid[16];		/* GPT: bytes in the order the text shows them */
	int have_mbr;
	uint32_t mbr_signature;		/* MBR: disk signature and partition number */
	uint32_t mbr_partno;

	char path[256];			/* ext4, nfs: dump directory, DEFAULT_DUMP_PATH */
	uint32_t host_ip;		/* for <ip>-<date>; default 127.0.0.1 */

	/* Network (nfs). Addresses are IPv4 in host byte order. */
	int have_nic;
	struct pci_fn nic;
	int have_mac;
	uint8_t mac[6];
	int dhcp;
	uint32_t ip, netmask, gateway;	/* gateway 0: server is on-link */
	uint32_t nfs_server;
	char nfs_export[256];
	uint16_t mount_port, nfs_port;	/* 0: ask the portmapper */
	uint32_t timeout_s;		/* give up on the target after this; 0: default */
	uint32_t deadline_s;		/* the whole capture, from entry; 0: scale with RAM */

	int dump_level;			/* makedumpfile -d, 0..31 */
	enum compress compress;
	enum dump_format format;
	enum action failure_action, final_action;
	struct console_spec console;	/* dumpling.console=; default COM1 and the screen */
	unsigned cpus;			/* dumpling.cpus=: at most this many CPUs; 0: all */
	int zstd_level;			/* dumpling-collect --zstd-level; 0: COMPRESS_ZSTD_LEVEL */
	int have_bsp_apicid;
	uint32_t bsp_apicid;		/* dumpling.bsp_apicid=: the boot CPU, never to be INITed */
	uint32_t nfs_inflight;		/* dumpling.nfs_inflight=: WRITEs outstanding; 0: default */
	uint32_t queue_depth;		/* dumpling.queue_depth=: disk writes in flight; 0: default */
};

void config_defaults(struct capture_config *c);
/*
 * Parses a kernel-style command line. Unknown words are ignored; a dumpling.*
 * option with a bad value is an error. Returns 0, or -1 with a message in err.
 */
int cmdline_parse(const char *cmdline, struct capture_config *c, char *err, size_t errlen);

/* The names the command line and the loader's config use (cmdline_schema.c). */
const char *target_name(enum target_kind t);
const char *action_name(enum action a);
int action_parse(const char *name, enum action *a);	/* 0, or -1 if no such action */
const char *compress_name(enum compress z);
const char *format_name(enum dump_format f);

#endif
