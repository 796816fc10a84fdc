/*
 * The image's watch over itself: one global deadline for the whole capture,
 * the hardware watchdogs the crashed kernel left running, and how far the
 * dump got (for the message when the deadline passes).
 *
 * watch_tick() runs inside port_now_ns(), which every wait in the image calls
 * (WAIT_FOR, udelay, the network stack's timers, the dump's progress), so the
 * deadline is seen wherever the image is, a driver's wait included.
 */
#ifndef ARCH_WATCH_H
#define ARCH_WATCH_H

#include <stdint.h>

#include "capture/config.h"
#include "capture/ports.h"

/* Default deadline: DEADLINE_BASE_S plus DEADLINE_PER_GIB_S per GiB of RAM. */
#define DEADLINE_BASE_S		300u
#define DEADLINE_PER_GIB_S	30u
/* Until the elfcorehdr says how much RAM there is. */
#define DEADLINE_EARLY_S	600u

/* After clock_init: the early deadline, counted from the image's entry. */
void watch_init(void);
/* Finds the watchdogs and starts feeding the armed ones (needs mmio_map). */
void watch_watchdogs(void);
/* The deadline, in seconds from entry: cfg->deadline_s, or the default for
 * ram_bytes of RAM when that is 0 (ram_bytes 0: not known yet). */
void watch_plan(const struct capture_config *cfg, uint64_t ram_bytes);
/* What the image is doing now, for the deadline message. */
void watch_stage(const char *what);
/* Bytes of the crashed kernel's memory read. */
void watch_count_read(uint64_t bytes);
/* Wraps the dump's sink so that bytes written are counted. */
struct sink *watch_sink(struct sink *inner);
/* Called by port_now_ns() with the time it returns. */
void watch_tick(uint64_t now_ns);
/* The image is leaving by action a: stop feeding, say what stays armed. */
void watch_leave(enum action a);

#endif
