/*
 * The capture image's TCP/IP stack: lwIP with NO_SYS on one polled card.
 * Only net_poll's loop calls into lwIP, so nothing needs locking.
 */
#ifndef NET_STACK_H
#define NET_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/net.h"

/* Addresses in host byte order; gw 0: everything is on-link. */
int net_stack_start(struct net_dev *dev, uint32_t ip, uint32_t netmask, uint32_t gw,
		    char *err, size_t errlen);

/* One round: feed received frames to lwIP, run its timers. Never blocks. */
void net_poll(void);

/* Milliseconds, for deadlines (lwIP's clock). */
uint64_t net_now_ms(void);

/* "10.0.2.15" into buf (at least 16 bytes); returns buf. */
char *ip4_str(uint32_t ip, char *buf);

#endif
