/*
 * /etc/dumpling.conf: kdump.conf directive names, so a kdump user can reuse
 * theirs. What it says becomes the capture command line (cmdline.c).
 */
#ifndef LOADER_CONFIG_H
#define LOADER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"

#define DEFAULT_CONFIG	"/etc/dumpling.conf"

struct loader_config {
	enum target_kind target;
	char raw_dev[256];		/* raw or ext4 <block device> */
	int dump_level;			/* makedumpfile -d */
	enum compress compress;		/* -z */
	enum dump_format format;	/* -E */
	enum action failure_action, final_action;
	int line_of[16];		/* line each directive was seen on, 0: not yet */
	/* nfs target (loader/nfs.c) */
	char nfs[512];			/* nfs SERVER:/EXPORT */
	char path[256];			/* path: dump directory (below the export or fs root) */
	uint32_t timeout_s;		/* dumpling_timeout: give up after this; 0: default */
	char console[512];		/* dumpling_console words; "" is auto (loader/console.c) */
	uint32_t deadline_s;		/* dumpling_deadline: the whole capture; 0: the image's default */
	uint32_t cpus;			/* dumpling_cpus: at most this many CPUs; 0: all */
};

void loader_config_defaults(struct loader_config *c);

/*
 * Parses the text of a config file; filename is only for messages, which
 * read "FILE:LINE: what is wrong". Returns 0, or -1 with err filled in.
 */
int config_parse_text(const char *text, const char *filename,
		      struct loader_config *c, char *err, size_t errlen);

/* Reads and parses a config file. */
int config_load(const char *path, struct loader_config *c, char *err, size_t errlen);

/*
 * What the config says, as the capture image's settings: target, dump level,
 * compression, format, actions, path, timeout and deadline. The target's
 * device (loader/cmdline.c, loader/nfs.c) and console (loader/console.c)
 * are added by whoever finds them; capture/cmdline_schema.c writes the whole.
 */
void loader_capture_settings(const struct loader_config *c, struct capture_config *out);

#endif
