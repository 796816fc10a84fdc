/* Dates and dump directory names, checked against glibc's gmtime_r. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "capture/busy.h"
#include "capture/dumpdir.h"
#include "tests/unit/test.h"

static void check_against_gmtime(int64_t t)
{
	struct civil_time c;
	struct tm tm;
	time_t tt = (time_t)t;

	civil_from_unix(t, &c);
	gmtime_r(&tt, &tm);
	CHECK(c.year == tm.tm_year + 1900 && c.month == tm.tm_mon + 1 && c.day == tm.tm_mday &&
	      c.hour == tm.tm_hour && c.min == tm.tm_min && c.sec == tm.tm_sec);
}

/* A directory of names for dump_dir_make: taken ones, and an error on one. */
static int ntaken, fail_at, tries;
static const char base[] = "10.0.2.15-2026-11-22-08:00:00";

static int mk(void *ctx, const char *name)
{
	char *made = ctx;
	int n = strlen(name) > strlen(base) ? atoi(name + strlen(base) + 1) : 1;

	tries++;
	if (n == fail_at)
		return -1;
	if (n <= ntaken)
		return 1;
	strcpy(made, name);
	return 0;
}

static void test_make(void)
{
	char made[80], out[80];

	ntaken = 0, fail_at = 0, tries = 0;
	CHECK(dump_dir_make(base, mk, made, out, sizeof(out)) == 0);
	CHECK_STR(out, base);
	CHECK_STR(made, base);
	CHECK(tries == 1);

	ntaken = 2, tries = 0;
	CHECK(dump_dir_make(base, mk, made, out, sizeof(out)) == 0);
	CHECK_STR(out, "10.0.2.15-2026-11-22-08:00:00-3");
	CHECK_STR(made, out);
	CHECK(tries == 3);

	ntaken = 99, tries = 0;
	CHECK(dump_dir_make(base, mk, made, out, sizeof(out)) == 1);
	CHECK(tries == DUMP_DIR_MAX_SUFFIX);

	ntaken = 98, tries = 0;
	CHECK(dump_dir_make(base, mk, made, out, sizeof(out)) == 0);
	CHECK_STR(out, "10.0.2.15-2026-11-22-08:00:00-99");

	ntaken = 5, fail_at = 4, tries = 0;
	CHECK(dump_dir_make(base, mk, made, out, sizeof(out)) == -1);
	CHECK(tries == 4);
}

/* The shared busy backoff: 500 ms doubling to 8 s, given up after the bound. */
static void test_busy(void)
{
	struct busy b = { 0 };
	char err[200] = "";
	uint64_t now = 5000;
	int64_t d, want = BUSY_DELAY_MS;

	for (int i = 0; i < 6; i++) {
		d = busy_reply(&b, now, 60000, "WRITE", err, sizeof(err));
		CHECK(d == want);
		now += (uint64_t)d;
		want = want * 2 > BUSY_DELAY_MAX_MS ? BUSY_DELAY_MAX_MS : want * 2;
	}
	while ((d = busy_reply(&b, now, 60000, "WRITE", err, sizeof(err))) > 0)
		now += (uint64_t)d;
	CHECK(d == -1);
	CHECK(now - 5000 >= 60000 && now - 5000 < 60000 + BUSY_DELAY_MAX_MS);
	CHECK(strstr(err, "WRITE: the server has answered JUKEBOX") && strstr(err, "giving up"));
	/* Data taken in between: the bound starts again. */
	busy_clear(&b);
	CHECK(busy_reply(&b, now, 60000, "WRITE", err, sizeof(err)) == BUSY_DELAY_MS);
}

int main(void)
{
	static const int64_t fixed[] = { 0, -1, 86399, 86400, 951782400 /* 2000-02-29 */,
					 4107542400 /* 2100-03-01 */, -2208988800 /* 1900 */,
					 1795363200, 253402300799 /* 9999-12-31 23:59:59 */ };
	char buf[64];
	int i;

	for (i = 0; i < (int)(sizeof(fixed) / sizeof(fixed[0])); i++)
		check_against_gmtime(fixed[i]);
	srand(1);
	for (i = 0; i < 20000; i++)
		check_against_gmtime(((int64_t)rand() << 20 ^ rand()) % 253402300799 -
				     (int64_t)(rand() % 2) * 2208988800);

	dump_dir_name(0x7f000001, 1, 1795334400, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1-2026-11-22-08:00:00");
	dump_dir_name(0x0a00020f, 1, 0, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.2.15-1970-01-01-00:00:00");
	dump_dir_name(0xc0a80101, 0, 0, buf, sizeof(buf));
	CHECK_STR(buf, "192.168.1.1-unknown-time");
	dump_dir_name(0x7f000001, 1, 1795334400, buf, 12);
	CHECK_STR(buf, "127.0.0.1-2");
	test_make();
	test_busy();
	return test_summary("test_dumpdir");
}
