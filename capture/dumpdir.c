/* Dates and dump directory names (see dumpdir.h). */
#include <stdint.h>
#include <stdio.h>

#include "capture/dumpdir.h"

void civil_from_unix(int64_t t, struct civil_time *c)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	/* Howard Hinnant's days-to-civil: eras of 400 years from 0000-03-01. */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->month <= 2);
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
}

void dump_dir_name(uint32_t ip, int have_time, int64_t t, char *buf, size_t n)
{
	struct civil_time c;

	if (!have_time) {
		snprintf(buf, n, "%u.%u.%u.%u-unknown-time", ip >> 24, ip >> 16 & 255,
			 ip >> 8 & 255, ip & 255);
		return;
	}
	civil_from_unix(t, &c);
	snprintf(buf, n, "%u.%u.%u.%u-%04lld-%02d-%02d-%02d:%02d:%02d", ip >> 24, ip >> 16 & 255,
		 ip >> 8 & 255, ip & 255, (long long)c.year, c.month, c.day, c.hour, c.min, c.sec);
}

int dump_dir_make(const char *base, int (*mk)(void *ctx, const char *name), void *ctx,
		  char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", base);
	for (int i = 2;; i++) {
		int r = mk(ctx, out);

		if (r != 1)
			return r;
		if (i > DUMP_DIR_MAX_SUFFIX)
			return 1;
		snprintf(out, outlen, "%s-%d", base, i);
	}
}
