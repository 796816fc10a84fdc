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
	 * NULL when n is 1.
	 */
	void (*run)(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg);
	void *ctx;
};

/* One worker, the caller. */
extern const struct workers workers_one;

/* fn on every worker of w (or just the caller if w is NULL or has one). */
void workers_run(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg);

#endif
