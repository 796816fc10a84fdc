/*
 * Parsing /etc/dumpling.conf. One directive per line, words separated by
 * blanks, '#' starts a comment. Each directive is a row in the table below,
 * so new targets (ext4, nfs, path) are one handler each.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/cmdline_word.h"
#include "loader/config.h"
#include "loader/sysroot.h"
#include "capture/fmt.h"

#define MAX_WORDS 64

struct directive_ctx {
	struct loader_config *c;
	const char *file;
	int line;
	char *err;
	size_t errlen;
	int nrefused;		/* directives named as unsupported or unknown so far */
};

__attribute__((format(printf, 2, 3)))
static int conf_error(struct directive_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int k;

	k = snprintf(x->err, x->errlen, "%s:%d: ", x->file, x->line);
	if (k < 0 || (size_t)k >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + k, x->errlen - k, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A directive dumpling cannot honour: named, one line each, and parsing goes
 * on so a kdump.conf gets the whole list at once (config_parse_text fails at
 * the end). Returns 0.
 */
__attribute__((format(printf, 2, 3)))
static int refuse(struct directive_ctx *x, const char *fmt, ...)
{
	size_t used = x->nrefused ? strlen(x->err) : 0;
	va_list ap;
	int k;

	if (used + 1 >= x->errlen)
		return x->nrefused++, 0;
	k = snprintf(x->err + used, x->errlen - used, "%s%s:%d: ", used ? "\n" : "",
		     x->file, x->line);
	if (k > 0 && used + k < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + used + k, x->errlen - used - k, fmt, ap);
		va_end(ap);
	}
	x->nrefused++;
	return 0;
}

static int parse_action(struct directive_ctx *x, const char *name, const char *v,
			enum action *out)
{
	if (action_parse(v, out) == 0)
		return 0;
	if (!strcmp(v, "shell") || !strcmp(v, "dump_to_rootfs"))
		return conf_error(x, "%s '%s' is not supported: dumpling has no shell "
				  "or root filesystem; use reboot, halt or poweroff", name, v);
	return conf_error(x, "%s '%s': expected reboot, halt or poweroff", name, v);
}

static int do_raw(struct directive_ctx *x, int argc, char **argv)
{
	if (argv[1][0] != '/' && strncmp(argv[1], "PARTUUID=", 9) != 0)
		return conf_error(x, "raw '%s': expected a block device path such as /dev/vdb, "
				  "or PARTUUID=...", argv[1]);
	if (strlen(argv[1]) >= sizeof(x->c->raw_dev))
		return conf_error(x, "raw: device path too long");
	x->c->target = TARGET_RAW;
	strcpy(x->c->raw_dev, argv[1]);
	return 0;
}

/* ext4 DEVICE: /dev/…, UUID=…, LABEL=… or PARTUUID=… (loader/ext4.c resolves it). */
static int do_ext4(struct directive_ctx *x, int argc, char **argv)
{
	const char *v = argv[1];

	if (v[0] != '/' && strncmp(v, "UUID=", 5) && strncmp(v, "LABEL=", 6) &&
	    strncmp(v, "PARTUUID=", 9))
		return conf_error(x, "ext4 '%s': expected a block device such as /dev/vdb1, "
				  "or UUID=…, LABEL=… or PARTUUID=…", v);
	if (strlen(v) >= sizeof(x->c->raw_dev))
		return conf_error(x, "ext4: device too long");
	x->c->target = TARGET_EXT4;
	strcpy(x->c->raw_dev, v);
	return 0;
}

/* nfs SERVER:/EXPORT; the server is resolved when the command line is built. */
static int do_nfs(struct directive_ctx *x, int argc, char **argv)
{
	const char *colon = strchr(argv[1], ':');

	if (!colon || colon == argv[1] || colon[1] != '/')
		return conf_error(x, "nfs '%s': expected SERVER:/EXPORT, e.g. 10.0.0.1:/srv/dumps",
				  argv[1]);
	if (strlen(argv[1]) >= sizeof(x->c->nfs))
		return conf_error(x, "nfs: too long");
	/* The image keeps the export in 256 bytes (capture/config.h). */
	if (strlen(colon + 1) >= sizeof(((struct capture_config *)0)->nfs_export))
		return conf_error(x, "nfs: the export path is longer than 255 bytes");
	x->c->target = TARGET_NFS;
	strcpy(x->c->nfs, argv[1]);
	return 0;
}

static int do_path(struct directive_ctx *x, int argc, char **argv)
{
	if (argv[1][0] != '/')
		return conf_error(x, "path '%s': expected an absolute directory such as /var/crash",
				  argv[1]);
	if (strlen(argv[1]) >= sizeof(x->c->path) || strlen(argv[1]) > 200)
		return conf_error(x, "path: too long");
	for (const char *p = argv[1]; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == 0)
			return conf_error(x, "path '%s': must not contain ..", argv[1]);
	strcpy(x->c->path, argv[1]);
	return 0;
}

static int do_dumpling_timeout(struct directive_ctx *x, int argc, char **argv)
{
	uint64_t n;

	if (parse_number(argv[1], 10, &n) < 0 || n == 0 || n > 86400)
		return conf_error(x, "dumpling_timeout '%s': expected seconds, 1..86400", argv[1]);
	x->c->timeout_s = (uint32_t)n;
	return 0;
}

/* dumpling_console auto | none | CONSOLE...: kept as words, checked by
 * loader/console.c when the command line is built. */
static int do_dumpling_console(struct directive_ctx *x, int argc, char **argv)
{
	size_t k = 0;

	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (k + l + 2 > sizeof(x->c->console))
			return conf_error(x, "dumpling_console: too long");
		if ((!strcmp(argv[i], "auto") || !strcmp(argv[i], "none")) && argc > 2)
			return conf_error(x, "dumpling_console: '%s' must be the only word", argv[i]);
		if (k)
			x->c->console[k++] = ' ';
		memcpy(x->c->console + k, argv[i], l + 1);
		k += l;
	}
	return 0;
}

static int do_dumpling_deadline(struct directive_ctx *x, int argc, char **argv)
{
	uint64_t n;

	if (parse_number(argv[1], 10, &n) < 0 || n == 0 || n > 604800)
		return conf_error(x, "dumpling_deadline '%s': expected seconds, 1..604800 "
				  "(leave it out for the default, which grows with RAM)", argv[1]);
	x->c->deadline_s = (uint32_t)n;
	return 0;
}

static int do_dumpling_cpus(struct directive_ctx *x, int argc, char **argv)
{
	uint64_t n;

	if (parse_number(argv[1], 10, &n) < 0 || n == 0 || n > 4096)
		return conf_error(x, "dumpling_cpus '%s': expected a number of CPUs, 1..4096 "
				  "(leave it out to use all of them)", argv[1]);
	x->c->cpus = (uint32_t)n;
	return 0;
}

static int do_failure_action(struct directive_ctx *x, int argc, char **argv)
{
	return parse_action(x, argv[0], argv[1], &x->c->failure_action);
}

static int do_final_action(struct directive_ctx *x, int argc, char **argv)
{
	return parse_action(x, argv[0], argv[1], &x->c->final_action);
}

/* makedumpfile -d: a number 0..31, as its own word or glued on ("-d31"). */
static int parse_dump_level(struct directive_ctx *x, const char *v)
{
	uint64_t n;

	if (!v)
		return conf_error(x, "makedumpfile -d needs a dump level (0..31)");
	if (parse_number(v, 10, &n) < 0 || n > 31)
		return conf_error(x, "makedumpfile -d '%s': dump level must be 0..31", v);
	x->c->dump_level = (int)n;
	return 0;
}

static int unsupported_compression(struct directive_ctx *x, char opt)
{
	const char *what = opt == 'c' ? "zlib" : opt == 'l' ? "lzo" : "snappy";

	return conf_error(x, "makedumpfile -%c (%s) is not supported: dumpling writes "
			  "zstd, use -z", opt, what);
}

/* Short options, possibly clustered ("-zd31"). *i is advanced past an argument. */
static int parse_short_opts(struct directive_ctx *x, int argc, char **argv, int *i)
{
	const char *w = argv[*i];

	for (const char *p = w + 1; *p; p++) {
		switch (*p) {
		case 'd':
			if (p[1])
				return parse_dump_level(x, p + 1);
			++*i;
			return parse_dump_level(x, *i < argc ? argv[*i] : NULL);
		case 'z':
			x->c->compress = COMPRESS_ZSTD;
			break;
		case 'E':
			x->c->format = FORMAT_ELF;
			break;
		case 'c': case 'l': case 'p':
			return unsupported_compression(x, *p);
		case 'F':
			return conf_error(x, "makedumpfile -F (flattened) is not needed: dumpling "
					  "writes the dump straight to the target, and "
					  "dumpling-extract reads it back");
		default:
			return conf_error(x, "makedumpfile option '-%c' is not supported "
					  "(dumpling understands -d N, -z, -E, --message-level N)", *p);
		}
	}
	return 0;
}

static int parse_long_opt(struct directive_ctx *x, int argc, char **argv, int *i)
{
	const char *w = argv[*i];
	const char *v;
	uint64_t n;

	if (strncmp(w, "--message-level", 15) == 0 && (w[15] == 0 || w[15] == '=')) {
		/* Accepted for compatibility; the capture image has one console. */
		if (w[15] == '=') {
			v = w + 16;
		} else {
			++*i;
			v = *i < argc ? argv[*i] : NULL;
		}
		if (!v || parse_number(v, 10, &n) < 0 || n > 31)
			return conf_error(x, "makedumpfile --message-level needs a number 0..31");
		return 0;
	}
	return conf_error(x, "makedumpfile option '%s' is not supported "
			  "(dumpling understands -d N, -z, -E, --message-level N)", w);
}

static int do_core_collector(struct directive_ctx *x, int argc, char **argv)
{
	const char *prog = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	struct loader_config *c = x->c;

	if (strcmp(prog, "makedumpfile") != 0)
		return conf_error(x, "core_collector '%s' is not supported: dumpling writes "
				  "the dump itself, in makedumpfile's formats; use "
				  "'core_collector makedumpfile -z -d 31'", argv[1]);
	/* The line replaces any defaults, as kdump's does. */
	c->dump_level = 0;
	c->compress = COMPRESS_NONE;
	c->format = FORMAT_KDUMP;
	for (int i = 2; i < argc; i++) {
		const char *w = argv[i];
		int r;

		if (w[0] == '-' && w[1] == '-')
			r = parse_long_opt(x, argc, argv, &i);
		else if (w[0] == '-' && w[1])
			r = parse_short_opts(x, argc, argv, &i);
		else
			return conf_error(x, "core_collector: unexpected argument '%s' "
					  "(dumpling chooses where the dump goes)", w);
		if (r < 0)
			return -1;
	}
	if (c->format == FORMAT_ELF && c->compress != COMPRESS_NONE)
		return conf_error(x, "makedumpfile -E cannot be combined with -z: "
				  "ELF dumps are not compressed");
	return 0;
}

struct directive {
	const char *name;
	int min_args, max_args;		/* words after the name; -1: any */
	int (*handle)(struct directive_ctx *x, int argc, char **argv);
	int is_target;
};

static const struct directive directives[] = {
	{ "raw",		1, 1,	do_raw,			1 },
	{ "ext4",		1, 1,	do_ext4,		1 },
	{ "core_collector",	1, -1,	do_core_collector,	0 },
	{ "failure_action",	1, 1,	do_failure_action,	0 },
	{ "final_action",	1, 1,	do_final_action,	0 },
	{ "nfs",		1, 1,	do_nfs,			1 },
	{ "path",		1, 1,	do_path,		0 },
	{ "dumpling_timeout",	1, 1,	do_dumpling_timeout,	0 },
	{ "dumpling_console",	1, -1,	do_dumpling_console,	0 },
	{ "dumpling_deadline",	1, 1,	do_dumpling_deadline,	0 },
	{ "dumpling_cpus",	1, 1,	do_dumpling_cpus,	0 },
};
#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]))

/* kdump.conf directives we know but do not do, with the reason. */
static const struct {
	const char *name, *why;
} unsupported[] = {
	{ "xfs", "xfs targets are not supported; use ext4, nfs or raw" },
	{ "btrfs", "btrfs targets are not supported; use ext4, nfs or raw" },
	{ "ssh", "ssh targets are not supported; use nfs, or ext4 or raw on a local disk" },
	{ "default", "'default' is the old name of failure_action; use failure_action" },
	{ "kdump_pre", "dumpling runs no scripts" },
	{ "kdump_post", "dumpling runs no scripts" },
	{ "extra_bins", "dumpling runs no programs" },
	{ "extra_modules", "dumpling has no kernel modules" },
	{ "sshkey", "ssh targets are not supported" },
	{ "force_rebuild", "dumpling has no initramfs to rebuild" },
	{ "force_no_rebuild", "dumpling has no initramfs to rebuild" },
	{ "dracut_args", "dumpling has no initramfs" },
	{ "fence_kdump_args", "fence_kdump is not supported" },
	{ "fence_kdump_nodes", "fence_kdump is not supported" },
	{ "auto_reset_crashkernel", "use 'dumpling reset-crashkernel' once instead" },
	{ "ext2", "ext2 targets are not supported; use ext4 or raw" },
	{ "ext3", "ext3 targets are not supported; use ext4 or raw" },
	{ "minix", "minix targets are not supported; use ext4, nfs or raw" },
	{ "blacklist", "dumpling loads no kernel modules" },
	{ "options", "dumpling loads no kernel modules" },
	{ "link_delay", "dumpling's network drivers wait for the link themselves" },
	{ "disk_timeout", "dumpling's disk drivers have their own timeouts" },
	{ "debug_mem_level", "dumpling has no capture kernel to debug" },
	{ "save_raw", "dumpling-save.service always saves raw dumps to /var/crash" },
};

void loader_config_defaults(struct loader_config *c)
{
	memset(c, 0, sizeof(*c));
	c->target = TARGET_NONE;
	c->dump_level = 0;
	c->compress = COMPRESS_NONE;
	c->format = FORMAT_KDUMP;
	c->failure_action = ACTION_REBOOT;
	c->final_action = ACTION_REBOOT;
}

/* Words are split exactly as the image splits its command line. */
static int split_words(char *s, char **argv, int max)
{
	int n = 0;

	for (;;) {
		while (cmdline_is_space(*s))
			s++;
		if (!*s)
			return n;
		if (n == max)
			return -1;
		argv[n++] = s;
		while (*s && !cmdline_is_space(*s))
			s++;
		if (*s)
			*s++ = 0;
	}
}

/*
 * Values end up on the capture command line: a quote or a control character
 * in one would be read back by the image as something else, so none may hold
 * them.
 */
static int check_words(struct directive_ctx *x, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *bad = cmdline_bad_char(argv[i]);

		if (bad && *bad == '"')
			return conf_error(x, "word %d holds a quote (\"): the capture command line "
					  "cannot carry it; remove it", i + 1);
		if (bad)
			return conf_error(x, "word %d holds the control character 0x%02x: the "
					  "capture command line cannot carry it; remove it", i + 1,
					  (unsigned char)*bad);
	}
	return 0;
}

static int parse_line(struct directive_ctx *x, char *line, int *target_line)
{
	char *argv[MAX_WORDS];
	char *hash = strchr(line, '#');
	int argc;

	if (hash)
		*hash = 0;
	argc = split_words(line, argv, MAX_WORDS);
	if (argc < 0)
		return conf_error(x, "too many words");
	if (argc == 0)
		return 0;
	if (check_words(x, argc, argv) < 0)
		return -1;
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		const struct directive *d = &directives[i];
		int nargs = argc - 1;

		if (strcmp(argv[0], d->name) != 0)
			continue;
		if (nargs < d->min_args || (d->max_args >= 0 && nargs > d->max_args))
			return conf_error(x, "%s: expected %s", d->name,
					  d->handle == do_dumpling_console ?
					  "auto, none, or consoles such as ttyS1,57600 screen" :
					  d->max_args < 0 ? "a program and its options" :
					  "one value");
		if (x->c->line_of[i])
			return conf_error(x, "duplicate '%s' (first on line %d)",
					  d->name, x->c->line_of[i]);
		if (d->is_target && *target_line)
			return conf_error(x, "a second target: dumpling writes to one "
					  "target (first on line %d)", *target_line);
		if (d->handle(x, argc, argv) < 0)
			return -1;
		x->c->line_of[i] = x->line;
		if (d->is_target)
			*target_line = x->line;
		return 0;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(argv[0], unsupported[i].name))
			return refuse(x, "unsupported directive '%s': %s", argv[0],
				      unsupported[i].why);
	return refuse(x, "unknown directive '%s'", argv[0]);
}

int config_parse_text(const char *text, const char *filename,
		      struct loader_config *c, char *err, size_t errlen)
{
	struct directive_ctx x = { c, filename, 0, err, errlen, 0 };
	const char *p = text;
	int target_line = 0;
	char line[4096];

	_Static_assert(sizeof(directives) / sizeof(directives[0]) <=
		       sizeof(c->line_of) / sizeof(c->line_of[0]), "line_of too small");
	loader_config_defaults(c);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		x.line++;
		if (len >= sizeof(line))
			return conf_error(&x, "line too long");
		memcpy(line, p, len);
		line[len] = 0;
		if (parse_line(&x, line, &target_line) < 0)
			return -1;
		p += len + (nl ? 1 : 0);
	}
	if (x.nrefused)
		return -1;	/* err holds one line per refused directive */
	/* path alone: the ext4 filesystem holding it (loader/mounts.c) */
	if (c->target == TARGET_NONE && !c->path[0]) {
		return errf(err, errlen, "%s: no dump target: add a line such as 'raw /dev/vdb'",
			    filename);
	}
	if (c->path[0] && c->target == TARGET_RAW) {
		return errf(err, errlen, "%s: path only applies to filesystem and nfs targets; "
			    "raw writes at offset 0", filename);
	}
	return 0;
}

int config_load(const char *path, struct loader_config *c, char *err, size_t errlen)
{
	size_t len;
	char *text = read_whole_file(path, &len);
	int r;

	if (!text) {
		return errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	}
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte: not a text file", path);
		free(text);
		return -1;
	}
	r = config_parse_text(text, path, c, err, errlen);
	free(text);
	return r;
}

void loader_capture_settings(const struct loader_config *c, struct capture_config *out)
{
	config_defaults(out);
	out->target = c->target;
	out->dump_level = c->dump_level;
	out->compress = c->compress;
	out->format = c->format;
	out->failure_action = c->failure_action;
	out->final_action = c->final_action;
	if (c->path[0])
		snprintf(out->path, sizeof(out->path), "%s", c->path);
	out->timeout_s = c->timeout_s;
	out->deadline_s = c->deadline_s;
	out->cpus = c->cpus;
}
