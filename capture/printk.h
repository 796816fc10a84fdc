/*
 * The crashed kernel's log, from its lockless printk ring buffer (Linux >=
 * 5.10; docs/dump-formats.md §4), found through VMCOREINFO alone.
 *
 * Records are streamed, one at a time, to a callback: nothing is copied but
 * the record at hand, so memory does not depend on the size of the log.
 * Everything read from the crashed kernel is checked: a record that does not
 * make sense is skipped, never followed.
 *
 * A record is formatted as dmesg shows it and Debian's makedumpfile
 * --dump-dmesg writes it (vmcore-dmesg.txt):
 *   "[%5llu.%06llu] text\n"   seconds.microseconds since boot;
 * a newline inside the text continues on a line indented to the text, and
 * bytes that are neither printable nor white space are written as \xNN.
 * Records without text (empty or lost) are left out, as makedumpfile does.
 * No caller id ("[T123]"): VMCOREINFO exports printk_info.caller_id whether
 * or not the kernel was built with CONFIG_PRINTK_CALLER (Debian's is not), and
 * dmesg shows it only then.
 */
#ifndef CAPTURE_PRINTK_H
#define CAPTURE_PRINTK_H

#include <stddef.h>
#include <stdint.h>

#include "capture/elfcore.h"
#include "capture/kvtop.h"
#include "capture/ports.h"

#define PRINTK_TEXT_MAX		2048	/* record text kept; the kernel's is < 1024 */
#define PRINTK_REC_MAX		(4 * PRINTK_TEXT_MAX + 64)	/* one formatted record */
#define PRINTK_TAIL_LINES	50	/* shown on the console before dumping */
#define PRINTK_PANIC_MAX	256	/* the panic reason, cut to this */

struct printk_log {
	struct kvmap km;
	uint64_t descs, infos, data;	/* kernel virtual addresses */
	uint64_t count;			/* descriptors, 1 << count_bits */
	uint64_t size;			/* text data ring bytes, 1 << size_bits */
	unsigned size_bits;
	uint64_t head_id, tail_id;
	/* layout, from VMCOREINFO */
	uint64_t desc_size, info_size;
	uint64_t off_state, off_begin, off_next;	/* in prb_desc */
	uint64_t off_ts, off_len;			/* in printk_info */
	uint64_t skipped;		/* records that failed a check */
	char text[PRINTK_TEXT_MAX];
	char rec[PRINTK_REC_MAX];
};

/*
 * Finds the ring. mem is the memsrc of ec's PT_LOAD offsets (NULL: ec->mem).
 * Returns 0, or -1 with the reason in err (no VMCOREINFO entries, a kernel
 * older than 5.10, an unreadable or inconsistent ring).
 */
int printk_open(struct printk_log *l, const struct elfcore *ec, struct memsrc *mem,
		char *err, size_t errlen);

/*
 * Calls emit for each record, oldest first, with its formatted text (one or
 * more '\n'-terminated lines), after skipping the first skip records. emit
 * returns non-zero to stop. Returns the number of records seen (skipped ones
 * included), or -1 if emit stopped the walk.
 */
typedef int (*printk_emit_fn)(void *ctx, const char *rec, size_t len);
int64_t printk_walk(struct printk_log *l, uint64_t skip, printk_emit_fn emit, void *ctx);

/* The last n records, as printk_walk() does. Returns how many were emitted. */
int64_t printk_tail(struct printk_log *l, uint64_t n, printk_emit_fn emit, void *ctx);

/*
 * The log as text in buf[cap]: the newest records that fit, whole. Returns
 * the length (no NUL is added).
 */
size_t printk_text(struct printk_log *l, char *buf, size_t cap);

/*
 * The text after "Kernel panic - not syncing: " in the last record that has
 * it, up to its end of line, NUL-terminated in buf[n]. Returns 1 if found.
 */
int printk_panic_reason(struct printk_log *l, char *buf, size_t n);

/*
 * For the console before dumping: the last PRINTK_TAIL_LINES records between
 * two marker lines, then "panic: <reason>". Returns 0, or -1 (after saying
 * why) if there is no log to show.
 */
int printk_show(struct printk_log *l, const struct elfcore *ec, struct memsrc *mem);

#endif
