/* Paths under an overridable root, and small file reads (see sysroot.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/sysroot.h"

const char *sysroot(void)
{
	const char *r = getenv("DUMPLING_SYSROOT");

	return r ? r : "";
}

int sysroot_path(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k, m;

	k = snprintf(buf, n, "%s", sysroot());
	if (k < 0 || (size_t)k >= n)
		return -1;
	va_start(ap, fmt);
	m = vsnprintf(buf + k, n - k, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= n - k)
		return -1;
	return 0;
}

long read_small_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r;

		if (len + 1 >= n) {
			/* Full: only an error if there is more to read. */
			char c;

			r = read(fd, &c, 1);
			if (r > 0) {
				close(fd);
				errno = ENOSPC;
				return -1;
			}
			break;
		}
		r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = 0;
	return (long)len;
}

char *read_whole_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 65536, len = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		goto fail;
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *nb;

			if (cap > (64u << 20)) {	/* nothing we read is this big */
				errno = EFBIG;
				goto fail;
			}
			nb = realloc(buf, cap * 2);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
fail:
	{
		int e = errno;

		free(buf);
		close(fd);
		errno = e;
	}
	return NULL;
}

int parse_number(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int read_u64_file(const char *path, int base, uint64_t *out)
{
	char buf[64];

	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if (parse_number(buf, base, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
