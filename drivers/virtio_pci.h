/*
 * virtio over PCI, polled: the modern (1.x) transport found through vendor
 * capabilities, and the legacy I/O-port transport for devices that have only
 * that. One split virtqueue per use, no interrupts, no event index, no
 * indirect descriptors.
 */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci.h"

#define VIRTIO_PCI_VENDOR	0x1af4

/* device_status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* Transport feature bits (device bits are in each driver). */
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33

#define VIRTIO_NO_VECTOR		0xffff

/* Split-ring layout (virtio 1.1, 2.6). Little-endian; so is x86. */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2	/* the device writes this buffer */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* Largest ring we track; legacy devices dictate their size. */
#define VIRTQ_MAX_SIZE		1024

struct virtio_pci;

struct virtq {
	struct virtio_pci *vp;
	uint16_t index;
	uint16_t size;			/* power of two */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile uint16_t *notify;	/* modern: this queue's doorbell */
	uint16_t free_head, num_free;
	uint16_t avail_idx;		/* our copy of avail->idx */
	uint16_t last_used;		/* used entries consumed so far */
	uint16_t chain_len[VIRTQ_MAX_SIZE];	/* by head; 0 = not in flight */
};

struct virtio_pci {
	struct pci_dev pci;
	bool modern;
	/* modern: mapped capability windows */
	volatile uint8_t *common;
	volatile uint8_t *notify_base;
	uint32_t notify_len, notify_mult;
	volatile uint8_t *devcfg;
	uint32_t devcfg_len;
	/* legacy: the I/O BAR */
	uint16_t iobase;
	uint32_t iosize;
	uint64_t features;		/* accepted by both sides */
};

/* One buffer of a request chain. */
struct virtq_buf {
	const void *addr;
	uint32_t len;
	bool device_writes;
};

/*
 * Takes the function from the crashed kernel and resets it: PCI quiesce
 * (bus master off, MSI/MSI-X off), find the transport, map it, enable decoding
 * and bus mastering, then write device_status 0 and wait for it to read 0,
 * which drops the old kernel's queues. Returns 0 or -1 with a message in err.
 */
int virtio_pci_open(struct virtio_pci *vp, const struct pci_dev *pci, char *err, size_t errlen);

/*
 * ACKNOWLEDGE, DRIVER, then accepts (device features & wanted), adding
 * VERSION_1 on the modern transport (required), and checks FEATURES_OK.
 * Returns 0 or -1 with a message in err (the device is then marked FAILED).
 */
int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t wanted, char *err, size_t errlen);

static inline bool virtio_has(const struct virtio_pci *vp, unsigned bit)
{
	return vp->features >> bit & 1;
}

/*
 * Sets up queue index with at most max_size entries (device maximum if
 * smaller; fixed by the device on legacy), rings in dma_alloc memory, no
 * MSI-X vector. Returns 0 or -1 with a message in err.
 */
int virtq_setup(struct virtio_pci *vp, struct virtq *q, uint16_t index, uint16_t max_size,
		char *err, size_t errlen);

/* Sets DRIVER_OK: the device may now process the queues. */
void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Sets FAILED, after which the device does nothing until reset. */
void virtio_pci_fail(struct virtio_pci *vp);
uint8_t virtio_pci_status(struct virtio_pci *vp);

/*
 * Reads a device-specific config field of width 1, 2, 4 or 8 at off, retrying
 * while config_generation changes. Returns 0, or -1 if it lies outside the
 * config window.
 */
int virtio_cfg_read(struct virtio_pci *vp, unsigned off, unsigned width, uint64_t *val);

/*
 * Queues one chain (device-readable buffers first) and returns its head, or -1
 * if fewer than n descriptors are free or n is 0. Call virtq_kick to notify.
 */
int virtq_submit(struct virtq *q, const struct virtq_buf *bufs, unsigned n);
void virtq_kick(struct virtq *q);

/* True when the device has returned a chain we have not consumed yet. */
bool virtq_has_used(struct virtq *q);

/*
 * Consumes one used entry: stores the bytes the device wrote in *len, frees
 * the chain and returns its head. Returns -1 if nothing is used, -2 if the
 * device returned a head that is not in flight (the queue is then unusable).
 */
int virtq_reap(struct virtq *q, uint32_t *len);

#endif
