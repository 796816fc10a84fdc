/*
 * Host progress: the line's arithmetic, drawn on a terminal (a pty here),
 * nothing on a pipe; the capture core's "Copying data" lines likewise.
 */
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/term_progress.c"
#include "tests/unit/test.h"

static void test_format(void)
{
	char b[200];

	/* 50 MB of 100 MB in 1 s: 50 MB/s, 1 s to go */
	term_progress_format(b, sizeof(b), "vmcore", 50000000, 100000000, 1000000000ull);
	CHECK_STR(b, "vmcore:  50.0 %  50.0 MB/s  eta 1s");
	term_progress_format(b, sizeof(b), "vmcore", 100000000, 100000000, 4000000000ull);
	CHECK_STR(b, "vmcore: 100.0 %  25.0 MB/s  eta 0s");
	term_progress_format(b, sizeof(b), "x", 0, 100, 0);
	CHECK_STR(b, "x:   0.0 %  0.0 MB/s  eta ?");
	term_progress_format(b, sizeof(b), "x", 3000000, 0, 1000000000ull);
	CHECK_STR(b, "x: 3.0 MB  3.0 MB/s");
}

/* Everything readable from fd right now. */
static size_t drain(int fd, char *buf, size_t n)
{
	size_t k = 0;
	ssize_t r;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (k + 1 < n && (r = read(fd, buf + k, n - 1 - k)) > 0)
		k += r;
	buf[k] = 0;
	return k;
}

static void test_terminal_or_not(void)
{
	struct term_progress p;
	int pfd[2], master, slave;
	char buf[4096];

	unsetenv("TERM");
	CHECK(pipe(pfd) == 0);
	term_progress_start(&p, pfd[1], "vmcore", 100);
	CHECK(p.fd == -1);
	p.last = 0;
	term_progress_update(&p, 50);
	term_progress_end(&p, 100);
	CHECK(term_progress_console_line(pfd[1], "Copying data : [ 42.1 %] 80.2 MB/s eta 5s\n") == 1);
	CHECK(term_progress_console_line(pfd[1], "dumped 5 pages\n") == 0);
	CHECK(drain(pfd[0], buf, sizeof(buf)) == 0);

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		test_failed++;
		return;
	}
	term_progress_start(&p, slave, "vmcore", 100);
	CHECK(p.fd == slave);
	p.last = 0;			/* as if the redraw interval had passed */
	p.t0 -= 1000000000ull;
	term_progress_update(&p, 50);
	term_progress_update(&p, 60);	/* too soon after: not drawn */
	term_progress_end(&p, 100);
	drain(master, buf, sizeof(buf));
	CHECK(strstr(buf, "\rvmcore:  50.0 %") != NULL);
	CHECK(strstr(buf, " 60.0 %") == NULL);
	CHECK(strstr(buf, "\rvmcore: 100.0 %") != NULL);
	CHECK(strstr(buf, "MB/s") != NULL);
	CHECK(strstr(buf, "eta 0s") != NULL);

	CHECK(term_progress_console_line(slave, "Copying data : [ 42.1 %] 80.2 MB/s eta 5s\n") == 1);
	drain(master, buf, sizeof(buf));
	CHECK(strstr(buf, "\rCopying data : [ 42.1 %] 80.2 MB/s eta 5s") != NULL);
	CHECK(strchr(buf, '\n') == NULL);
	setenv("TERM", "dumb", 1);
	term_progress_start(&p, slave, "vmcore", 100);
	CHECK(p.fd == -1);
	close(master);
	close(slave);
}

int main(void)
{
	test_format();
	test_terminal_or_not();
	return test_summary("progress");
}
