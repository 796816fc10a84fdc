/*
 * Files for the host tools: whole-length pread/pwrite, a file as the capture
 * core's memsrc (what a dump is read through) and as its sink (what a dump is
 * written to). One copy for dumpling-collect, dumpling-extract and the tests.
 */
#ifndef TOOLS_HOST_IO_H
#define TOOLS_HOST_IO_H

#include <stddef.h>
#include <stdint.h>

#include "capture/ports.h"

/* Exactly len bytes at off, through short transfers and EINTR. 0, or -1
 * (errno set; EIO for a file that ends first). */
int host_pread_all(int fd, uint64_t off, void *buf, size_t len);
int host_pwrite_all(int fd, uint64_t off, const void *buf, size_t len);

/* The bytes [base, base + size) of fd; memsrc offsets start at base. */
struct host_file_src {
	struct memsrc m;	/* first: the memsrc is the file_src */
	int fd;
	uint64_t base;
};

void host_file_src_init(struct host_file_src *f, int fd, uint64_t base, uint64_t size);

/* fd as a sink of unknown capacity; a full file system is SINK_ERR_NOSPC. */
struct host_file_sink {
	struct sink s;		/* first: the sink is the file_sink */
	int fd;
};

void host_file_sink_init(struct host_file_sink *f, int fd, const char *name);

#endif
