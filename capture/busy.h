/*
 * Retrying a server that answers "busy, try later" (NFS3ERR_JUKEBOX): one
 * backoff for every file target, 500 ms doubling to 8 s between tries, and a
 * bound on the total time. Being busy is a reply, but not progress: a server
 * that says it for limit_ms (dumpling.timeout) without taking anything in
 * between has failed the dump, which then gives up and runs failure_action.
 */
#ifndef CAPTURE_BUSY_H
#define CAPTURE_BUSY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUSY_DELAY_MS		500
#define BUSY_DELAY_MAX_MS	8000

struct busy {
	bool on;		/* busy since the server last took something */
	uint64_t since_ms;	/* the first busy reply of this run */
	uint32_t delay_ms;	/* before the next retry */
	uint64_t replies;	/* busy replies in all */
};

/*
 * A busy reply at now_ms: returns how long to wait before retrying, or -1
 * once the server has been busy for limit_ms, with why (what: "WRITE") said
 * in err.
 */
int64_t busy_reply(struct busy *b, uint64_t now_ms, uint32_t limit_ms, const char *what,
		   char *err, size_t errlen);

/* The server took something: it is not stuck. */
static inline void busy_clear(struct busy *b) { b->on = false; }

#endif
