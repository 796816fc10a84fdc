/*
 * Every dumpling.* option of the capture command line (docs/cmdline.md), in
 * one table: its name, the type of its value, its default, and the targets
 * it applies to. The image's parser (cmdline.c) reads values through it, and
 * the loader writes its one struct capture_config through it, so the two
 * cannot drift apart.
 */
#ifndef CAPTURE_CMDLINE_SCHEMA_H
#define CAPTURE_CMDLINE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"

/* A piece of the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/* What a value is; each type has one reader and one writer. */
enum opt_type {
	OPT_ENUM,	/* one of names[] */
	OPT_INT,	/* decimal or 0x hex, min..max, into an int */
	OPT_U32,	/* the same, into a uint32_t */
	OPT_IPV4,	/* A.B.C.D */
	OPT_PATH,	/* an absolute path, no separators or quotes */
	OPT_PCI_FN,	/* DRIVER@[SEG:]BUS:DEV.FN[/NSID] */
	OPT_HEX_BYTES,	/* hex pairs and separators as pattern says: a MAC, a UUID */
	OPT_PART,	/* START+LENGTH in bytes */
	OPT_MBR,	/* DISKSIGNATURE-PARTNO */
	OPT_IP_PREFIX,	/* ADDRESS/PREFIX or dhcp */
	OPT_NFS,	/* SERVER-IP:/EXPORT */
	OPT_PORTS,	/* MOUNTPORT,NFSPORT */
	OPT_CONSOLE,	/* console_spec.h */
	OPT_IGNORED,	/* read by someone else (dumpling.test: arch/x86_64/testflag.c) */
};

/* When the writer writes an option that applies to the target. */
enum opt_when {
	WRITE_ALWAYS,
	WRITE_IF_HAVE,		/* its have_ flag is set */
	WRITE_IF_NONZERO,	/* 0 means "not given, the image decides" */
	WRITE_NEVER,
};

#define FOR_RAW		(1u << TARGET_RAW)
#define FOR_EXT4	(1u << TARGET_EXT4)
#define FOR_NFS		(1u << TARGET_NFS)
#define FOR_DISK	(FOR_RAW | FOR_EXT4)
#define FOR_FILES	(FOR_EXT4 | FOR_NFS)
#define FOR_ALL		(FOR_RAW | FOR_EXT4 | FOR_NFS)

struct cmdline_option {
	const char *name;		/* after "dumpling." */
	enum opt_type type;
	size_t off;			/* the field in struct capture_config */
	size_t have_off;		/* its have_ flag (WRITE_IF_HAVE) */
	uint32_t min, max;		/* OPT_INT, OPT_U32 */
	const char *const *names;	/* OPT_ENUM: the value's names, by value */
	unsigned nnames;
	const char *pattern;		/* OPT_HEX_BYTES: x for a byte, else itself */
	const char *def;		/* the value when not given; NULL: zero, "not given" */
	unsigned targets;		/* FOR_*: which targets read it */
	enum opt_when when;
	const char *expect;		/* what a value looks like, for messages */
};

extern const struct cmdline_option cmdline_options[];
extern const size_t cmdline_noptions;

/* The option called name ('-' and '_' the same, as in the kernel); NULL if none. */
const struct cmdline_option *cmdline_option_find(struct span name);

/* Reads v into c as o's type says. Returns 0, or -1 if v is not such a value. */
int cmdline_option_parse(const struct cmdline_option *o, struct span v,
			 struct capture_config *c);

/*
 * Writes o's value in c into buf (n bytes). Returns its length, or -1 if c
 * holds a value the command line cannot carry: every value written is one
 * the parser reads back, with no separator or quote (cmdline_word.h).
 */
int cmdline_option_format(const struct cmdline_option *o, const struct capture_config *c,
			  char *buf, size_t n);

/*
 * The command line for c: "dumpling.NAME=VALUE" for every option that applies
 * to c->target and is set, space separated, in table order. elfcorehdr= is
 * not written (the kernel or kexec adds it). Returns the length, or -1 with
 * the option that cannot be written, or "too long", in err.
 */
int cmdline_write(const struct capture_config *c, char *buf, size_t n, char *err,
		  size_t errlen);

/* Parameter names compare with '-' and '_' as the same, as in the kernel. */
int span_name_is(struct span s, const char *name);

/* Numbers for cmdline.c's own words. A whole span must be the number. */
int span_number(struct span v, uint64_t *out);		/* decimal or 0x hex */
int span_hex(struct span v, uint64_t *out);		/* hex, 0x optional */
size_t span_mem(const char *s, size_t len, uint64_t *out);	/* memparse prefix */

#endif
