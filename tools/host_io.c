/* Files for the host tools (see host_io.h). */
#include <errno.h>
#include <unistd.h>

#include "tools/host_io.h"

int host_pread_all(int fd, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int host_pwrite_all(int fd, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int file_src_read(struct memsrc *m, uint64_t off, void *buf, size_t len)
{
	struct host_file_src *f = (struct host_file_src *)m;

	if (m->size && (off > m->size || len > m->size - off))
		return -1;
	return host_pread_all(f->fd, f->base + off, buf, len);
}

void host_file_src_init(struct host_file_src *f, int fd, uint64_t base, uint64_t size)
{
	/* pread may run on several threads at once */
	*f = (struct host_file_src){ { .read = file_src_read, .size = size,
				       .read_shared = file_src_read }, fd, base };
}

static int file_sink_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct host_file_sink *f = (struct host_file_sink *)s;

	if (host_pwrite_all(f->fd, off, buf, len) == 0)
		return 0;
	return errno == ENOSPC ? SINK_ERR_NOSPC : SINK_ERR_IO;
}

static int file_sink_finish(struct sink *s)
{
	struct host_file_sink *f = (struct host_file_sink *)s;

	return fsync(f->fd) == 0 ? 0 : SINK_ERR_IO;
}

void host_file_sink_init(struct host_file_sink *f, int fd, const char *name)
{
	*f = (struct host_file_sink){ { file_sink_write, file_sink_finish, 0, name }, fd };
}
