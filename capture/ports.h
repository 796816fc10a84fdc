/*
 * The capture core's only view of the outside world.
 *
 * The same core runs in the capture image (memory is mapped RAM, the sink is a disk)
 * and on the host (memory is an ELF vmcore file, the sink is a file), so it
 * reaches both through these small interfaces and nothing else.
 */
#ifndef CAPTURE_PORTS_H
#define CAPTURE_PORTS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/err.h"

/*
 * Memory source: the crashed kernel's memory, addressed the way the elfcorehdr
 * addresses it. In the image an offset is a physical address (p_offset of a
 * PT_LOAD equals the address where the bytes live). On the host it is a file
 * offset in an ELF vmcore. Returns 0, or -1 if the range cannot be read.
 */
struct physmap;
struct memsrc {
	int (*read)(struct memsrc *m, uint64_t off, void *buf, size_t len);
	uint64_t size;	/* offsets [0, size) exist (a file's size); 0: not known */
	/* Offsets are physical addresses: what the firmware says is not RAM
	 * (capture/physmap.h), which the elfcorehdr may not name. NULL: none. */
	const struct physmap *map;
	/* The same read, safe on any worker (capture/workers.h) at the same
	 * time as on the caller: no clock, console or page-table changes. The
	 * writer then reads pages on the workers. NULL: only the caller reads. */
	int (*read_shared)(struct memsrc *m, uint64_t off, void *buf, size_t len);
};

/*
 * Sink: "the dump file". Writes may come at any offset and any length; the sink
 * deals with sector alignment. capacity is the most bytes it can hold (0: no
 * limit known). finish() makes everything durable (flush, FUA, COMMIT, fs
 * metadata). Both return 0, or a negative error (capture/err.h); SINK_ERR_NOSPC
 * means full.
 */
#define SINK_ERR_IO     ERR_IO
#define SINK_ERR_NOSPC  ERR_NOSPC
struct sink {
	int (*write)(struct sink *s, uint64_t off, const void *buf, size_t len);
	int (*finish)(struct sink *s);
	uint64_t capacity;
	const char *name;	/* for messages: "raw virtio-blk 0000:00:04.0" */
};

/*
 * Writes through s, refusing with SINK_ERR_NOSPC what would pass s->capacity
 * (sinks that know their size need not check it again), and raises *end to the
 * end of what was written. Both dump writers write only through this.
 */
int sink_put(struct sink *s, uint64_t off, const void *buf, size_t len, uint64_t *end);

/*
 * Clock and console: linked in by the platform (arch/x86_64 in the image,
 * tests or tools on the host).
 */
uint64_t port_now_ns(void);                      /* monotonic */
void port_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void port_vlog(const char *fmt, va_list ap);

/* The dump loop's progress, a few times a second: the image draws it as a
 * bar on the screen's bottom line; host tools ignore it. */
struct progress;
void port_progress(const struct progress *p);

#endif
