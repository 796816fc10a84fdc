/*
 * One capture, start to end: read the elfcorehdr, say what crashed, write the
 * dump in the configured format, finish the sink. Used by the capture image
 * (memsrc = physical memory, hdr_off = elfcorehdr=) and by host tools
 * (memsrc = an ELF vmcore file, hdr_off = 0).
 */
#ifndef CAPTURE_DUMP_H
#define CAPTURE_DUMP_H

#include <stdint.h>

#include "capture/arena.h"
#include "capture/config.h"
#include "capture/elfcore.h"
#include "capture/ports.h"
#include "capture/workers.h"

/* The codes of capture/err.h, as the dump functions use them. */
#define DUMP_ERR_IO		ERR_IO
#define DUMP_ERR_NOMEM		ERR_NOMEM
#define DUMP_ERR_INVAL		ERR_INVAL	/* the crashed kernel's data is unusable */
#define DUMP_ERR_NOSPC		ERR_NOSPC	/* not even the headers fit */
#define DUMP_ERR_UNSUPPORTED	ERR_UNSUPPORTED

struct dump_result {
	uint64_t pages_ram;		/* pages the dump covers (bitmap 1) */
	uint64_t pages_kept;		/* stored with their data */
	uint64_t pages_zero;		/* all-zero, pointing at the shared zero page */
	uint64_t pages_excluded;	/* left out (not dumpable, or filtered) */
	uint64_t pages_unreadable;	/* could not be read */
	uint64_t pages_lost;		/* did not fit on the sink */
	uint64_t bytes;			/* size of the dump */
	uint64_t ns;			/* from start to finish() done */
	int incomplete;			/* the dump says INCOMPLETE */
};

/*
 * A capture in two steps, because file targets need the crash time (the
 * directory is <ip>-<date>) before they can be opened:
 *   capture_prepare: read and check the elfcorehdr, notes and VMCOREINFO, and
 *                    say what crashed;
 *   capture_write:   write the dump in the configured format to the sink and
 *                    finish it.
 * Both return 0 or a negative DUMP_ERR_* after a message that names the cause.
 */
struct capture {
	const struct capture_config *cfg;
	struct arena *a;
	struct elfcore ec;
	int have_crash_time;
	int64_t crash_time;		/* VMCOREINFO CRASHTIME, Unix seconds */
	uint64_t t0;
	/* Who compresses: NULL or one worker is the caller alone. Set after
	 * capture_prepare(), before capture_write(). */
	const struct workers *workers;
};

/*
 * Arena bytes capture_write() takes for each worker beyond the first (its
 * compressor and its batch of pages), so the platform knows how many workers
 * the arena can serve before it starts them.
 */
size_t capture_worker_bytes(const struct capture_config *cfg);

int capture_prepare(struct capture *cap, const struct capture_config *cfg, struct memsrc *mem,
		    uint64_t hdr_off, struct arena *a);
int capture_write(struct capture *cap, struct sink *out, struct dump_result *res);

/*
 * Both steps in one. Returns 0 when a dump was written and finished (check res->incomplete: a
 * full sink still gives a readable, incomplete dump), or a negative DUMP_ERR_*
 * after a logged message that names the cause.
 */
int capture_dump(const struct capture_config *cfg, struct memsrc *mem, uint64_t hdr_off,
		 struct sink *out, struct arena *a, struct dump_result *res);

#endif
