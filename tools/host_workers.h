/*
 * Workers for the host tools: n - 1 threads beside the caller (see
 * capture/workers.h). They wait for work briefly spinning, then asleep, so a
 * run of a few batches costs microseconds, and an idle tool no CPU.
 */
#ifndef TOOLS_HOST_WORKERS_H
#define TOOLS_HOST_WORKERS_H

#include "capture/workers.h"

/* Starts n - 1 threads (n >= 1). Returns NULL (after a message) if a thread
 * cannot be made. */
const struct workers *host_workers_start(unsigned n);
void host_workers_stop(const struct workers *w);

/* The CPUs this process may run on: the default for --threads. */
unsigned host_cpus(void);

#endif
