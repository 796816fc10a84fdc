/*
 * The capture's own log (capture/runlog.c): small logs come back whole; a
 * long one keeps its start and its end and says how much it left out; a
 * redrawn line is kept once; copies never run past the caller's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/runlog.h"
#include "test.h"

static char out[8192];

static const char *text(const struct runlog *l)
{
	size_t n = runlog_copy(l, out, sizeof(out) - 1);

	CHECK(n <= runlog_size(l));
	out[n < sizeof(out) - 1 ? n : sizeof(out) - 1] = 0;
	return out;
}

int main(void)
{
	static char buf[400];
	struct runlog l;
	char line[64];

	runlog_init(&l, buf, sizeof(buf));
	CHECK_STR(text(&l), "");
	runlog_append(&l, "target: raw\n", 12);
	runlog_append(&l, "panic: sysrq", 12);
	runlog_append(&l, " triggered crash\n", 17);
	CHECK_STR(text(&l), "target: raw\npanic: sysrq triggered crash\n");

	/* A line redrawn with '\r' is kept as it stood last. */
	runlog_append(&l, "Copying data : [ 10.0 %]", 24);
	runlog_append(&l, "\rCopying data : [100.0 %]\n", 26);
	CHECK_STR(text(&l), "target: raw\npanic: sysrq triggered crash\nCopying data : [100.0 %]\n");

	/* 100 numbered lines through a 400-byte log: the start, a note, the end. */
	runlog_init(&l, buf, sizeof(buf));
	for (int i = 0; i < 100; i++) {
		int n = snprintf(line, sizeof(line), "line %03d\n", i);

		runlog_append(&l, line, (size_t)n);
	}
	text(&l);
	CHECK(strncmp(out, "line 000\nline 001\n", 18) == 0);
	CHECK(strstr(out, "bytes of this log left out ...]\n") != NULL);
	CHECK(strstr(out, "line 099\n") != NULL);
	CHECK(strstr(out, "line 050\n") == NULL);
	/* Nothing is lost silently: kept + left out = all 900 bytes. */
	{
		unsigned long long lost = 0;
		const char *p = strstr(out, "[... ");

		CHECK(p && sscanf(p, "[... %llu bytes", &lost) == 1);
		CHECK_EQ_U64(lost + l.head + l.tail_len, 100 * 9);
	}
	/* The end is exact: the ring's last bytes in order. */
	CHECK(strlen(out) >= 18 && strcmp(out + strlen(out) - 18, "line 098\nline 099\n") == 0);

	/* '\r' once the ring is in use takes back only the current line. */
	runlog_append(&l, "Copying 5%", 10);
	runlog_append(&l, "\rCopying 100%\n", 14);
	text(&l);
	CHECK(strcmp(out + strlen(out) - 22, "line 099\nCopying 100%\n") == 0);
	CHECK(strstr(out, "5%") == NULL);

	/* A short destination: the length of the whole, no byte past max. */
	{
		char small[16 + 1];

		memset(small, 'Z', sizeof(small));
		CHECK_EQ_U64(runlog_copy(&l, small, 16), runlog_copy(&l, out, sizeof(out)));
		CHECK(small[16] == 'Z');
		CHECK(memcmp(small, "line 000\nline 00", 16) == 0);
	}

	/* No buffer: appending is harmless and the log is empty. */
	runlog_init(&l, NULL, 0);
	runlog_append(&l, "x\n", 2);
	CHECK_EQ_U64(runlog_size(&l), 0);
	return test_summary("runlog");
}
