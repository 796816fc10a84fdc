/*
 * virtio-pci transport and split virtqueues, polled.
 *
 * A modern device describes where its registers live with vendor-specific PCI
 * capabilities: "common" (status, features, queue setup), "notify" (the
 * doorbells), "ISR" and "device" (the device's own config, e.g. a disk's
 * capacity). A legacy device has all of that at fixed offsets in I/O BAR0.
 * QEMU's default virtio-blk-pci is transitional and offers both; we prefer
 * the modern one.
 *
 * A virtqueue is three arrays in our memory that the device reads by DMA:
 * descriptors (address, length, flags, next: a request is a chain of them),
 * the avail ring (heads of chains we offer) and the used ring (heads of
 * chains the device has finished, with the byte count it wrote). We never ask
 * for interrupts; we watch used->idx.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/dma.h"
#include "drivers/iommu.h"
#include "drivers/virtio_pci.h"
#include "capture/fmt.h"

/* Modern common configuration structure (virtio 1.1, 4.1.4.3). */
#define VCC_DEVICE_FEATURE_SELECT	0x00
#define VCC_DEVICE_FEATURE		0x04
#define VCC_DRIVER_FEATURE_SELECT	0x08
#define VCC_DRIVER_FEATURE		0x0c
#define VCC_MSIX_CONFIG			0x10
#define VCC_NUM_QUEUES			0x12
#define VCC_DEVICE_STATUS		0x14
#define VCC_CONFIG_GENERATION		0x15
#define VCC_QUEUE_SELECT		0x16
#define VCC_QUEUE_SIZE			0x18
#define VCC_QUEUE_MSIX_VECTOR		0x1a
#define VCC_QUEUE_ENABLE		0x1c
#define VCC_QUEUE_NOTIFY_OFF		0x1e
#define VCC_QUEUE_DESC			0x20
#define VCC_QUEUE_DRIVER		0x28
#define VCC_QUEUE_DEVICE		0x30
#define VCC_SIZE			0x38

/* Vendor capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4

/* Legacy I/O BAR layout (virtio 1.1, 4.1.4.8), MSI-X disabled. */
#define VL_HOST_FEATURES	0x00
#define VL_GUEST_FEATURES	0x04
#define VL_QUEUE_PFN		0x08
#define VL_QUEUE_SIZE		0x0c
#define VL_QUEUE_SELECT		0x0e
#define VL_QUEUE_NOTIFY		0x10
#define VL_STATUS		0x12
#define VL_CONFIG		0x14
#define VL_RING_ALIGN		4096

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

#define RESET_TIMEOUT_US	1000000

static uint8_t cc_r8(struct virtio_pci *vp, unsigned r) { return mmio_read8(vp->common + r); }
static uint16_t cc_r16(struct virtio_pci *vp, unsigned r) { return mmio_read16(vp->common + r); }
static uint32_t cc_r32(struct virtio_pci *vp, unsigned r) { return mmio_read32(vp->common + r); }
static void cc_w8(struct virtio_pci *vp, unsigned r, uint8_t v) { mmio_write8(vp->common + r, v); }
static void cc_w16(struct virtio_pci *vp, unsigned r, uint16_t v) { mmio_write16(vp->common + r, v); }
static void cc_w32(struct virtio_pci *vp, unsigned r, uint32_t v) { mmio_write32(vp->common + r, v); }

/* 64-bit fields are two 32-bit accesses, low half first. */
static void cc_w64(struct virtio_pci *vp, unsigned r, uint64_t v)
{
	cc_w32(vp, r, (uint32_t)v);
	cc_w32(vp, r + 4, (uint32_t)(v >> 32));
}

uint8_t virtio_pci_status(struct virtio_pci *vp)
{
	return vp->modern ? cc_r8(vp, VCC_DEVICE_STATUS) : inb(vp->iobase + VL_STATUS);
}

static void set_status(struct virtio_pci *vp, uint8_t s)
{
	if (vp->modern)
		cc_w8(vp, VCC_DEVICE_STATUS, s);
	else
		outb(vp->iobase + VL_STATUS, s);
}

static void add_status(struct virtio_pci *vp, uint8_t bits)
{
	set_status(vp, virtio_pci_status(vp) | bits);
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
	mb();
	add_status(vp, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_pci_fail(struct virtio_pci *vp)
{
	add_status(vp, VIRTIO_STATUS_FAILED);
}

struct vcap {
	bool found;
	uint8_t bar;
	uint32_t off, len;
};

/* Maps the part of a BAR a capability points at; NULL with a message if it
 * is not inside an assigned memory BAR. */
static volatile uint8_t *map_cap(const struct pci_dev *pci, const struct vcap *c, const char *what,
				 char *err, size_t errlen)
{
	struct pci_bar bar;
	void *p;

	if (pci_bar(pci, c->bar, &bar) != 0 || bar.size == 0) {
		snprintf(err, errlen, "virtio %s: %s capability names BAR%u, which is not a BAR",
			 pci->name, what, c->bar);
		return NULL;
	}
	if (bar.io || bar.base == 0) {
		snprintf(err, errlen, "virtio %s: %s capability in BAR%u: %s", pci->name, what,
			 c->bar, bar.io ? "I/O BAR not supported" : "BAR not assigned");
		return NULL;
	}
	if ((uint64_t)c->off + c->len > bar.size) {
		snprintf(err, errlen, "virtio %s: %s window 0x%x+0x%x outside BAR%u (0x%llx bytes)",
			 pci->name, what, c->off, c->len, c->bar, (unsigned long long)bar.size);
		return NULL;
	}
	p = mmio_map(bar.base + c->off, c->len);
	if (!p)
		snprintf(err, errlen, "virtio %s: cannot map %s window", pci->name, what);
	return p;
}

/* Finds the first capability of each type; returns the notify multiplier. */
static uint32_t find_vcaps(const struct pci_dev *pci, struct vcap caps[5])
{
	uint8_t list[PCI_MAX_CAPS];
	int n = pci_cap_list(pci, list, PCI_MAX_CAPS);
	uint32_t mult = 0;

	memset(caps, 0, 5 * sizeof(caps[0]));
	for (int i = 0; i < n; i++) {
		unsigned p = list[i];
		uint8_t type, bar;

		if (pci_read8(pci, p) != PCI_CAP_VENDOR || p + 16 > 256 ||
		    pci_read8(pci, p + 2) < 16)
			continue;
		type = pci_read8(pci, p + 3);
		bar = pci_read8(pci, p + 4);
		if (type < VIRTIO_PCI_CAP_COMMON_CFG || type > VIRTIO_PCI_CAP_DEVICE_CFG ||
		    bar > 5 || caps[type].found)
			continue;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			if (p + 20 > 256 || pci_read8(pci, p + 2) < 20)
				continue;
			mult = pci_read32(pci, p + 16);
		}
		caps[type].found = true;
		caps[type].bar = bar;
		caps[type].off = pci_read32(pci, p + 8);
		caps[type].len = pci_read32(pci, p + 12);
	}
	return mult;
}

static int open_modern(struct virtio_pci *vp, struct vcap caps[5], uint32_t mult,
		       char *err, size_t errlen)
{
	const struct pci_dev *pci = &vp->pci;

	if (!caps[VIRTIO_PCI_CAP_NOTIFY_CFG].found) {
		return errf(err, errlen, "virtio %s: no notify capability", pci->name);
	}
	if (caps[VIRTIO_PCI_CAP_COMMON_CFG].len < VCC_SIZE) {
		return errf(err, errlen, "virtio %s: common config window too small (%u bytes)",
			    pci->name, caps[VIRTIO_PCI_CAP_COMMON_CFG].len);
	}
	vp->common = map_cap(pci, &caps[VIRTIO_PCI_CAP_COMMON_CFG], "common", err, errlen);
	if (!vp->common)
		return -1;
	vp->notify_base = map_cap(pci, &caps[VIRTIO_PCI_CAP_NOTIFY_CFG], "notify", err, errlen);
	if (!vp->notify_base)
		return -1;
	vp->notify_len = caps[VIRTIO_PCI_CAP_NOTIFY_CFG].len;
	vp->notify_mult = mult;
	if (caps[VIRTIO_PCI_CAP_DEVICE_CFG].found && caps[VIRTIO_PCI_CAP_DEVICE_CFG].len) {
		vp->devcfg = map_cap(pci, &caps[VIRTIO_PCI_CAP_DEVICE_CFG], "device", err, errlen);
		if (!vp->devcfg)
			return -1;
		vp->devcfg_len = caps[VIRTIO_PCI_CAP_DEVICE_CFG].len;
	}
	vp->modern = true;
	return 0;
}

static int open_legacy(struct virtio_pci *vp, char *err, size_t errlen)
{
	struct pci_bar bar;

	if (pci_bar(&vp->pci, 0, &bar) != 0 || !bar.io || bar.size < VL_CONFIG ||
	    bar.base == 0 || bar.base + bar.size > 0x10000) {
		return errf(err, errlen, "virtio %s: no virtio capabilities and no legacy I/O BAR0",
			    vp->pci.name);
	}
	vp->iobase = bar.base;
	vp->iosize = bar.size;
	vp->devcfg_len = bar.size - VL_CONFIG;
	vp->modern = false;
	return 0;
}

int virtio_pci_open(struct virtio_pci *vp, const struct pci_dev *pci, char *err, size_t errlen)
{
	struct vcap caps[5];
	uint32_t mult;

	memset(vp, 0, sizeof(*vp));
	vp->pci = *pci;

	/* The crashed kernel may still have requests in flight: stop DMA and
	 * interrupts before anything else. */
	pci_quiesce(pci);

	mult = find_vcaps(pci, caps);
	if (caps[VIRTIO_PCI_CAP_COMMON_CFG].found) {
		if (open_modern(vp, caps, mult, err, errlen) != 0)
			return -1;
	} else if (open_legacy(vp, err, errlen) != 0) {
		return -1;
	}
	pci_enable(pci);

	/* Reset: the device forgets its queues (the old kernel's rings) and
	 * MSI-X vectors. It may take a while to finish outstanding work. */
	set_status(vp, 0);
	if (WAIT_FOR(virtio_pci_status(vp) == 0, RESET_TIMEOUT_US) != 0) {
		return errf(err, errlen, "virtio %s: reset timed out (status 0x%x)", pci->name,
			    virtio_pci_status(vp));
	}
	if (vp->modern)
		cc_w16(vp, VCC_MSIX_CONFIG, VIRTIO_NO_VECTOR);
	/* Idle now: let it reach our memory if an IOMMU translates it. */
	if (iommu_open_device(pci, err, errlen) != 0)
		return -1;
	port_log("virtio %s: %s transport, reset done\n", pci->name,
		 vp->modern ? "modern" : "legacy");
	return 0;
}

static uint64_t device_features(struct virtio_pci *vp)
{
	uint64_t f;

	if (!vp->modern)
		return inl(vp->iobase + VL_HOST_FEATURES);
	cc_w32(vp, VCC_DEVICE_FEATURE_SELECT, 0);
	f = cc_r32(vp, VCC_DEVICE_FEATURE);
	cc_w32(vp, VCC_DEVICE_FEATURE_SELECT, 1);
	f |= (uint64_t)cc_r32(vp, VCC_DEVICE_FEATURE) << 32;
	return f;
}

static void driver_features(struct virtio_pci *vp, uint64_t f)
{
	if (!vp->modern) {
		outl(vp->iobase + VL_GUEST_FEATURES, (uint32_t)f);
		return;
	}
	cc_w32(vp, VCC_DRIVER_FEATURE_SELECT, 0);
	cc_w32(vp, VCC_DRIVER_FEATURE, (uint32_t)f);
	cc_w32(vp, VCC_DRIVER_FEATURE_SELECT, 1);
	cc_w32(vp, VCC_DRIVER_FEATURE, (uint32_t)(f >> 32));
}

/* Ring features we never use, whatever the caller asks for: indirect
 * descriptors (28), event index (29), packed ring (34), in-order (35),
 * notification data (38, 39), queue reset (40). */
#define VIRTIO_UNSUPPORTED_FEATURES \
	(1ull << 28 | 1ull << 29 | 1ull << 34 | 1ull << 35 | 1ull << 38 | 1ull << 39 | 1ull << 40)

int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t wanted, char *err, size_t errlen)
{
	uint64_t dev, accept;

	add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(vp, VIRTIO_STATUS_DRIVER);

	dev = device_features(vp);
	accept = dev & wanted & ~VIRTIO_UNSUPPORTED_FEATURES;
	if (vp->modern) {
		if (!(dev >> VIRTIO_F_VERSION_1 & 1)) {
			snprintf(err, errlen, "virtio %s: device does not offer VIRTIO_F_VERSION_1",
				 vp->pci.name);
			virtio_pci_fail(vp);
			return -1;
		}
		accept |= 1ull << VIRTIO_F_VERSION_1;
	} else {
		accept &= 0xffffffffull;	/* legacy has 32 feature bits */
	}
	driver_features(vp, accept);

	if (vp->modern) {
		add_status(vp, VIRTIO_STATUS_FEATURES_OK);
		if (!(virtio_pci_status(vp) & VIRTIO_STATUS_FEATURES_OK)) {
			snprintf(err, errlen, "virtio %s: device refused features 0x%llx",
				 vp->pci.name, (unsigned long long)accept);
			virtio_pci_fail(vp);
			return -1;
		}
	}
	vp->features = accept;
	port_log("virtio %s: device features 0x%llx, accepted 0x%llx\n", vp->pci.name,
		 (unsigned long long)dev, (unsigned long long)accept);
	return 0;
}

static uint64_t read_modern_cfg(struct virtio_pci *vp, unsigned off, unsigned width)
{
	volatile uint8_t *p = vp->devcfg + off;

	switch (width) {
	case 1: return mmio_read8(p);
	case 2: return mmio_read16(p);
	case 4: return mmio_read32(p);
	}
	return mmio_read32(p) | (uint64_t)mmio_read32(p + 4) << 32;
}

static uint64_t read_legacy_cfg(struct virtio_pci *vp, unsigned off, unsigned width)
{
	uint16_t port = vp->iobase + VL_CONFIG + off;

	switch (width) {
	case 1: return inb(port);
	case 2: return inw(port);
	case 4: return inl(port);
	}
	return inl(port) | (uint64_t)inl(port + 4) << 32;
}

int virtio_cfg_read(struct virtio_pci *vp, unsigned off, unsigned width, uint64_t *val)
{
	if ((width != 1 && width != 2 && width != 4 && width != 8) ||
	    off + width > vp->devcfg_len || off % (width > 4 ? 4 : width))
		return -1;
	/* A field can change under us (a disk resized); the generation
	 * counter (modern) or a second read (legacy) tells us. */
	for (int tries = 0; tries < 100; tries++) {
		uint64_t v, again;

		if (vp->modern) {
			uint8_t gen = cc_r8(vp, VCC_CONFIG_GENERATION);

			v = read_modern_cfg(vp, off, width);
			if (cc_r8(vp, VCC_CONFIG_GENERATION) != gen)
				continue;
		} else {
			v = read_legacy_cfg(vp, off, width);
			again = read_legacy_cfg(vp, off, width);
			if (v != again)
				continue;
		}
		*val = v;
		return 0;
	}
	return -1;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

int virtq_setup(struct virtio_pci *vp, struct virtq *q, uint16_t index, uint16_t max_size,
		char *err, size_t errlen)
{
	uint16_t devmax, size;
	size_t desc_bytes, avail_bytes, used_off, total;
	uint8_t *mem;

	memset(q, 0, sizeof(*q));
	q->vp = vp;
	q->index = index;
	if (max_size == 0 || max_size > VIRTQ_MAX_SIZE)
		max_size = VIRTQ_MAX_SIZE;

	if (vp->modern) {
		cc_w16(vp, VCC_QUEUE_SELECT, index);
		devmax = cc_r16(vp, VCC_QUEUE_SIZE);
		if (devmax == 0) {
			return errf(err, errlen, "virtio %s: no queue %u", vp->pci.name, index);
		}
		if (cc_r16(vp, VCC_QUEUE_ENABLE)) {
			return errf(err, errlen, "virtio %s: queue %u still enabled after reset",
				    vp->pci.name, index);
		}
		/* A split ring's size is a power of two; we may choose a smaller one. */
		size = 1;
		while ((uint32_t)size * 2 <= devmax && size * 2 <= max_size)
			size *= 2;
	} else {
		outw(vp->iobase + VL_QUEUE_SELECT, index);
		devmax = inw(vp->iobase + VL_QUEUE_SIZE);
		if (devmax == 0) {
			return errf(err, errlen, "virtio %s: no queue %u", vp->pci.name, index);
		}
		/* Legacy devices fix the size. */
		if (devmax > VIRTQ_MAX_SIZE || (devmax & (devmax - 1))) {
			return errf(err, errlen, "virtio %s: legacy queue size %u not supported",
				    vp->pci.name, devmax);
		}
		if (inl(vp->iobase + VL_QUEUE_PFN) != 0) {
			return errf(err, errlen, "virtio %s: queue %u still active after reset",
				    vp->pci.name, index);
		}
		size = devmax;
	}

	/* One zeroed block: descriptors, avail ring, then the used ring on the
	 * next page. That is also the legacy layout, so both transports share it. */
	desc_bytes = 16u * size;
	avail_bytes = 6 + 2u * size;
	used_off = align_up(desc_bytes + avail_bytes, VL_RING_ALIGN);
	total = used_off + 6 + 8u * size;
	mem = dma_alloc(total, VL_RING_ALIGN);
	if (!mem) {
		return errf(err, errlen, "virtio %s: out of DMA memory for a %u-entry queue",
			    vp->pci.name, size);
	}
	q->size = size;
	q->desc = (volatile struct virtq_desc *)mem;
	q->avail = (volatile struct virtq_avail *)(mem + desc_bytes);
	q->used = (volatile struct virtq_used *)(mem + used_off);
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = size;
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	if (vp->modern) {
		uint64_t noff;

		cc_w16(vp, VCC_QUEUE_SIZE, size);
		cc_w16(vp, VCC_QUEUE_MSIX_VECTOR, VIRTIO_NO_VECTOR);
		cc_w64(vp, VCC_QUEUE_DESC, virt_to_phys(mem));
		cc_w64(vp, VCC_QUEUE_DRIVER, virt_to_phys(mem + desc_bytes));
		cc_w64(vp, VCC_QUEUE_DEVICE, virt_to_phys(mem + used_off));
		noff = (uint64_t)cc_r16(vp, VCC_QUEUE_NOTIFY_OFF) * vp->notify_mult;
		if (noff + 2 > vp->notify_len) {
			return errf(err, errlen, "virtio %s: queue %u doorbell 0x%llx outside notify window",
				    vp->pci.name, index, (unsigned long long)noff);
		}
		q->notify = (volatile uint16_t *)(vp->notify_base + noff);
		mb();
		cc_w16(vp, VCC_QUEUE_ENABLE, 1);
	} else {
		uint64_t pfn = virt_to_phys(mem) / VL_RING_ALIGN;

		if (pfn > 0xffffffffull) {
			return errf(err, errlen, "virtio %s: ring above 16 TiB, legacy cannot reach it",
				    vp->pci.name);
		}
		mb();
		outl(vp->iobase + VL_QUEUE_PFN, (uint32_t)pfn);
	}
	return 0;
}

int virtq_submit(struct virtq *q, const struct virtq_buf *bufs, unsigned n)
{
	uint16_t head, i, last = 0;

	if (n == 0 || n > q->num_free)
		return -1;
	/* Free descriptors are linked through their next fields; a chain keeps
	 * those links, so the free list needs no other memory. */
	head = i = q->free_head;
	for (unsigned k = 0; k < n; k++) {
		volatile struct virtq_desc *d = &q->desc[i];

		d->addr = virt_to_phys(bufs[k].addr);
		d->len = bufs[k].len;
		d->flags = (bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
		last = i;
		i = d->next;
	}
	q->free_head = q->desc[last].next;
	q->num_free -= n;
	q->chain_len[head] = n;

	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	/* The device must see the descriptors and the ring entry before the
	 * index that publishes them. */
	wmb();
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
	return head;
}

void virtq_kick(struct virtq *q)
{
	mb();
	if (q->vp->modern)
		mmio_write16(q->notify, q->index);
	else
		outw(q->vp->iobase + VL_QUEUE_NOTIFY, q->index);
}

bool virtq_has_used(struct virtq *q)
{
	return q->used->idx != q->last_used;
}

int virtq_reap(struct virtq *q, uint32_t *len)
{
	uint16_t used_idx = q->used->idx;
	uint32_t id;
	uint16_t n, i;

	if (used_idx == q->last_used)
		return -1;
	if ((uint16_t)(used_idx - q->last_used) > q->size)
		return -2;		/* more completions than descriptors */
	rmb();
	id = q->used->ring[q->last_used & (q->size - 1)].id;
	if (id >= q->size || q->chain_len[id] == 0)
		return -2;
	*len = q->used->ring[q->last_used & (q->size - 1)].len;

	n = q->chain_len[id];
	i = (uint16_t)id;
	for (uint16_t k = 1; k < n; k++)
		i = q->desc[i].next;
	q->desc[i].next = q->free_head;
	q->free_head = (uint16_t)id;
	q->num_free += n;
	q->chain_len[id] = 0;
	q->last_used++;
	return (int)id;
}
