/*
 * Bounded retries with backoff for one block request. A write error may be
 * transient (a path failover, a controller busy with its own recovery), so a
 * failed request is sent again up to BLK_ATTEMPTS times in all, waiting
 * 10, 40, 160 and 640 ms before the retries: under a second for a request
 * that keeps failing, which then ends the dump (failure_action).
 */
#ifndef DRIVERS_BLK_RETRY_H
#define DRIVERS_BLK_RETRY_H

#include "arch/x86_64/platform.h"

#define BLK_ATTEMPTS		5
#define BLK_BACKOFF_FIRST_US	10000u

/* Waits before attempt n (1-based): nothing before the first. */
static inline void blk_backoff(int attempt)
{
	if (attempt > 1)
		udelay((uint64_t)BLK_BACKOFF_FIRST_US << (2 * (attempt - 2)));
}

#endif
