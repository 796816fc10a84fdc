/*
 * Dates without libc, and the directory name kdump gives a dump:
 * "<ip>-YYYY-MM-DD-HH:MM:SS", from the crash time, in UTC.
 */
#ifndef CAPTURE_DUMPDIR_H
#define CAPTURE_DUMPDIR_H

#include <stddef.h>
#include <stdint.h>

struct civil_time {
	int64_t year;
	int month, day, hour, min, sec;
};

/* Unix seconds (negative too) to a proleptic Gregorian date and time, UTC. */
void civil_from_unix(int64_t t, struct civil_time *c);

/* ip in host byte order; without a crash time the date part is "unknown-time". */
void dump_dir_name(uint32_t ip, int have_time, int64_t t, char *buf, size_t n);

#endif
