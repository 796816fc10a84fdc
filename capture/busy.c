/* Retrying busy replies (busy.h). */
#include <stdio.h>

#include "capture/busy.h"
#include "capture/fmt.h"

int64_t busy_reply(struct busy *b, uint64_t now_ms, uint32_t limit_ms, const char *what,
		   char *err, size_t errlen)
{
	if (!b->on) {
		b->on = true;
		b->since_ms = now_ms;
		b->delay_ms = BUSY_DELAY_MS;
	} else if (b->delay_ms < BUSY_DELAY_MAX_MS) {
		b->delay_ms *= 2;
		if (b->delay_ms > BUSY_DELAY_MAX_MS)
			b->delay_ms = BUSY_DELAY_MAX_MS;
	}
	b->replies++;
	if (now_ms - b->since_ms >= limit_ms) {
		return errf(err, errlen, "%s: the server has answered JUKEBOX (busy, try later) "
			    "%llu times over %llu s without taking any data: giving up", what,
			    (unsigned long long)b->replies,
			    (unsigned long long)((now_ms - b->since_ms) / 1000));
	}
	return b->delay_ms;
}
