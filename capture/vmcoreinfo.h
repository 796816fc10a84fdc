/*
 * VMCOREINFO: the crashed kernel's "KEY=value\n" description of itself
 * (docs/dump-formats.md §1.3). The text is untrusted: it is bounded by its length,
 * need not end in a newline or NUL, and lines that do not parse are ignored.
 * Lookups scan the text; they are for set-up, not for per-page loops.
 *
 * Every lookup returns 1 and stores the value when the key is present and its
 * value parses completely, else 0 and leaves *out alone.
 */
#ifndef CAPTURE_VMCOREINFO_H
#define CAPTURE_VMCOREINFO_H

#include <stddef.h>
#include <stdint.h>

#define VMCOREINFO_MAX_LEN	(1u << 20)	/* the kernel's is one page */

struct vmcoreinfo {
	const char *text;	/* not NUL-terminated; not copied */
	size_t len;
};

/* Cuts len at the first NUL and at VMCOREINFO_MAX_LEN. */
void vmcoreinfo_init(struct vmcoreinfo *vi, const char *text, size_t len);

/* The raw value of "key=": pointer into the text and length (no newline). */
int vmcoreinfo_raw(const struct vmcoreinfo *vi, const char *key,
		   const char **val, size_t *len);
/* Copies a value as a string, NUL-terminated; 0 if absent or it does not fit. */
int vmcoreinfo_string(const struct vmcoreinfo *vi, const char *key, char *buf, size_t n);

int vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name, uint64_t *out); /* SYMBOL(name), hex */
int vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name, int64_t *out);  /* NUMBER(name), signed, 0x allowed */
int vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *name, uint64_t *out); /* OFFSET(s.f) */
int vmcoreinfo_size(const struct vmcoreinfo *vi, const char *name, uint64_t *out);   /* SIZE(x) */
int vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name, uint64_t *out); /* LENGTH(x) */

int vmcoreinfo_osrelease(const struct vmcoreinfo *vi, char *buf, size_t n);
int vmcoreinfo_pagesize(const struct vmcoreinfo *vi, uint64_t *out);
int vmcoreinfo_crashtime(const struct vmcoreinfo *vi, int64_t *out);
int vmcoreinfo_kerneloffset(const struct vmcoreinfo *vi, uint64_t *out);
int vmcoreinfo_build_id(const struct vmcoreinfo *vi, char *buf, size_t n);

#endif
