/*
 * Workers: the CPUs (in the image) or threads (on the host) that compress
 * pages side by side. The capture core asks for one thing only: run a
 * function once on each worker and wait for all of them. Reading memory and
 * writing the sink stay on the caller, so a worker touches nothing but the
 * memory fn gives it, and needs no console, clock or locks.
 */
#ifndef CAPTURE_WORKERS_H
#define CAPTURE_WORKERS_H

struct workers {
	unsigned n;	/* workers, the caller included: at least 1 */
	/*
	 * Calls fn(arg, k) once for each k in [0, n): k = 0 on the caller, the
	 * others on the other workers, side by side. Returns when all have
	 * returned. Everything the caller wrote before is seen by fn, and
	 * everything fn wrote is seen by the caller after (full barriers).
	 * Returns 0, or a negative error (capture/err.h) after a message if a
	 * worker did not return in time: then nothing fn wrote may be used, and
	 * the worker may still be running. NULL when n is 1.
	 */
	int (*run)(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg);
	void *ctx;
};

/* fn on every worker of w (or just the caller if w is NULL or has one);
 * returns what run() returns. */
int workers_run(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg);

#endif
