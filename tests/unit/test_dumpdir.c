/* Dates and dump directory names, checked against glibc's gmtime_r. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

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
	return test_summary("test_dumpdir");
}
