/*
 * A network card, as the TCP/IP glue (net/netif.c) sees it: send one Ethernet
 * frame, take one received frame, ask about the link. Everything is polled
 * and nothing blocks: send refuses when the ring is full, recv returns 0 when
 * nothing has arrived. Frames carry no FCS; the caller's buffers need not be
 * DMA memory (drivers copy into their own rings, which are).
 */
#ifndef DRIVERS_NET_H
#define DRIVERS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci_fn.h"

#define NET_MAX_FRAME	1514	/* Ethernet header + 1500, no FCS, no VLAN */

struct net_dev;

struct net_ops {
	/* Queues a frame of len bytes (14..NET_MAX_FRAME). Returns 0, or -1
	 * if the transmit ring is full (poll and retry) or the device broke. */
	int (*send)(struct net_dev *d, const void *frame, size_t len);
	/* Copies the next good received frame addressed to us (or broadcast,
	 * multicast) into buf and returns its length; 0 if there is none. */
	size_t (*recv)(struct net_dev *d, void *buf, size_t len);
	bool (*link_up)(struct net_dev *d);
};

struct net_dev {
	const struct net_ops *ops;
	uint8_t mac[6];
	char name[40];			/* "virtio-net 0000:00:03.0" */
	void *priv;
};

/*
 * Opens the card dumpling.nic= names ("e1000" or "virtio-net"): takes it away
 * from the crashed kernel, resets it and starts its rings. If mac is given
 * and differs from the card's, that is logged and the card's is used.
 * Returns 0 or -1 with a message in err.
 */
int net_open(const struct pci_fn *spec, const uint8_t *mac, struct net_dev *out,
	     char *err, size_t errlen);

int e1000_open(const struct pci_fn *spec, struct net_dev *out, char *err, size_t errlen);
int virtio_net_open(const struct pci_fn *spec, struct net_dev *out, char *err, size_t errlen);

/* Frames to keep: ours, broadcast, multicast (QEMU's virtio-net is promiscuous). */
static inline bool net_frame_for_us(const struct net_dev *d, const uint8_t *frame)
{
	if (frame[0] & 1)
		return true;
	for (int i = 0; i < 6; i++)
		if (frame[i] != d->mac[i])
			return false;
	return true;
}

#endif
