/* The one way the dump writers write (see ports.h). */
#include "capture/ports.h"

int sink_put(struct sink *s, uint64_t off, const void *buf, size_t len, uint64_t *end)
{
	int r;

	if (s->capacity && (off > s->capacity || len > s->capacity - off))
		return SINK_ERR_NOSPC;
	r = s->write(s, off, buf, len);
	if (r == 0 && off + len > *end)
		*end = off + len;
	return r;
}
