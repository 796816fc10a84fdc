/*
 * Dates without libc, and the dump directory of every file target (ext4,
 * nfs), named as kdump names it: "<ip>-YYYY-MM-DD-HH:MM:SS", from the crash
 * time, in UTC.
 *
 * The policy, the same for every file target:
 *  - <ip> is the host's address, dumpling.hostip= (dump_dir_host): the loader
 *    writes 127.0.0.1 for local disks, as kdump does, and the NIC's address
 *    for nfs. The address the image itself uses on the network (dumpling.ip)
 *    is not the name's.
 *  - A name that is taken (a second crash within the same second, or a
 *    directory left by an earlier run) is never reused: <name>-2, then -3, up
 *    to -99 (dump_dir_make), then the target fails.
 *  - A server that answers busy is retried with one backoff under one bound
 *    on total time: capture/busy.h.
 */
#ifndef CAPTURE_DUMPDIR_H
#define CAPTURE_DUMPDIR_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"

struct civil_time {
	int64_t year;
	int month, day, hour, min, sec;
};

/* Unix seconds (negative too) to a proleptic Gregorian date and time, UTC. */
void civil_from_unix(int64_t t, struct civil_time *c);

/* ip in host byte order; without a crash time the date part is "unknown-time". */
void dump_dir_name(uint32_t ip, int have_time, int64_t t, char *buf, size_t n);

#define DUMP_DIR_MAX_SUFFIX	99

/* The address in the directory's name (see above). */
static inline uint32_t dump_dir_host(const struct capture_config *cfg)
{
	return cfg->host_ip;
}

/*
 * Makes the dump directory named base, or the first of base-2 .. base-99 that
 * is free. mk(ctx, name) makes one and returns 0, 1 when name is taken, or -1
 * on an error (which it reports). Returns 0 with the name made in out (at
 * least 64 bytes), 1 when every name is taken, or -1 after mk's error.
 */
int dump_dir_make(const char *base, int (*mk)(void *ctx, const char *name), void *ctx,
		  char *out, size_t outlen);

#endif
