/*
 * virtio-net, polled (modern transport; see virtio_pci.c).
 *
 * Queue 0 receives, queue 1 transmits. Every buffer is one descriptor: a
 * 12-byte virtio_net_hdr (all zero: no offloads were negotiated) followed by
 * the frame. Receive buffers are posted once and re-posted as soon as their
 * frame is copied out; transmit buffers are reclaimed from the used ring
 * before each send. A buffer belongs to the descriptor index it was posted
 * with, so a used entry's id finds it again.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/dma.h"
#include "drivers/net.h"
#include "drivers/virtio_pci.h"
#include "capture/fmt.h"

/* Feature bits (virtio 1.1, 5.1.3). */
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_CFG_MAC	0x00
#define VIRTIO_NET_CFG_STATUS	0x06
#define VIRTIO_NET_S_LINK_UP	1

#define VNET_HDR_LEN		12	/* with VERSION_1, num_buffers is always there */
#define VNET_BUF_LEN		2048	/* >= 12 + 1514 */
#define VNET_RXQ		0
#define VNET_TXQ		1
#define VNET_QUEUE_SIZE		64

struct virtio_net {
	struct virtio_pci vp;
	struct virtq rx, tx;
	uint8_t *rxbuf;			/* q.size buffers of VNET_BUF_LEN */
	uint8_t *txbuf;
	bool broken;
};

static struct virtio_net vnet;

static uint8_t *buf_of(uint8_t *base, unsigned idx)
{
	return base + (size_t)idx * VNET_BUF_LEN;
}

/* Offers the buffer of the next free descriptor to the device. */
static int post_rx(struct virtio_net *vn)
{
	uint16_t idx = vn->rx.free_head;
	struct virtq_buf b = { buf_of(vn->rxbuf, idx), VNET_BUF_LEN, true };

	return virtq_submit(&vn->rx, &b, 1) == idx ? 0 : -1;
}

static void reclaim_tx(struct virtio_net *vn)
{
	uint32_t len;
	int id;

	while ((id = virtq_reap(&vn->tx, &len)) >= 0)
		;
	if (id == -2 && !vn->broken) {
		vn->broken = true;
		port_log("virtio-net %s: transmit ring corrupted by the device\n", vn->vp.pci.name);
	}
}

static int vnet_send(struct net_dev *d, const void *frame, size_t len)
{
	struct virtio_net *vn = d->priv;
	struct virtq_buf b;
	uint16_t idx;
	uint8_t *p;

	if (vn->broken || len > NET_MAX_FRAME)
		return -1;
	reclaim_tx(vn);
	if (vn->tx.num_free == 0)
		return -1;
	idx = vn->tx.free_head;
	p = buf_of(vn->txbuf, idx);
	memset(p, 0, VNET_HDR_LEN);
	memcpy(p + VNET_HDR_LEN, frame, len);
	b = (struct virtq_buf){ p, (uint32_t)(VNET_HDR_LEN + len), false };
	if (virtq_submit(&vn->tx, &b, 1) != idx)
		return -1;
	virtq_kick(&vn->tx);
	return 0;
}

static size_t vnet_recv(struct net_dev *d, void *buf, size_t max)
{
	struct virtio_net *vn = d->priv;
	uint32_t len;
	int id;

	while (!vn->broken) {
		size_t n = 0;
		uint8_t *p;

		id = virtq_reap(&vn->rx, &len);
		if (id == -1)
			return 0;
		if (id < 0) {
			vn->broken = true;
			port_log("virtio-net %s: receive ring corrupted by the device\n",
				 vn->vp.pci.name);
			return 0;
		}
		p = buf_of(vn->rxbuf, (unsigned)id);
		/* The device wrote len bytes: header, then the frame. Drop runts,
		 * oversize frames and, since QEMU is promiscuous without a
		 * control queue, other hosts' unicast. */
		if (len >= VNET_HDR_LEN + 14 && len <= VNET_BUF_LEN &&
		    len - VNET_HDR_LEN <= max && net_frame_for_us(d, p + VNET_HDR_LEN)) {
			n = len - VNET_HDR_LEN;
			memcpy(buf, p + VNET_HDR_LEN, n);
		}
		post_rx(vn);
		virtq_kick(&vn->rx);
		if (n)
			return n;
	}
	return 0;
}

static bool vnet_link_up(struct net_dev *d)
{
	struct virtio_net *vn = d->priv;
	uint64_t st;

	if (!virtio_has(&vn->vp, VIRTIO_NET_F_STATUS))
		return true;
	return virtio_cfg_read(&vn->vp, VIRTIO_NET_CFG_STATUS, 2, &st) == 0 &&
	       (st & VIRTIO_NET_S_LINK_UP);
}

static const struct net_ops vnet_ops = {
	.send = vnet_send,
	.recv = vnet_recv,
	.link_up = vnet_link_up,
};

static bool is_virtio_net(const struct pci_dev *pd)
{
	/* 0x1041 modern, 0x1000 transitional. */
	return pd->vendor == VIRTIO_PCI_VENDOR && (pd->device == 0x1041 || pd->device == 0x1000);
}

int virtio_net_open(const struct pci_fn *spec, struct net_dev *out, char *err, size_t errlen)
{
	struct virtio_net *vn = &vnet;
	struct pci_dev pd;
	int r;

	r = pci_find(spec->seg, spec->bus, spec->dev, spec->fn, &pd);
	if (r != 0) {
		return errf(err, errlen, "no virtio-net at %04x:%02x:%02x.%x: %s", spec->seg,
			    spec->bus, spec->dev, spec->fn,
			    r == -2 ? "PCI segments other than 0000 are not supported yet" :
			    "no PCI device there");
	}
	if (!is_virtio_net(&pd)) {
		return errf(err, errlen, "no virtio-net at %s: found %04x:%04x (%s)", pd.name,
			    pd.vendor, pd.device, pci_describe(&pd));
	}
	memset(vn, 0, sizeof(*vn));
	if (virtio_pci_open(&vn->vp, &pd, err, errlen) != 0)
		return -1;
	if (!vn->vp.modern) {
		return errf(err, errlen, "virtio-net %s: legacy-only device not supported "
			    "(its header is 10 bytes); use a modern or transitional one", pd.name);
	}
	if (virtio_pci_negotiate(&vn->vp, 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS |
				 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_ACCESS_PLATFORM,
				 err, errlen) != 0)
		return -1;
	if (!virtio_has(&vn->vp, VIRTIO_NET_F_MAC)) {
		snprintf(err, errlen, "virtio-net %s: device has no MAC address", pd.name);
		goto fail;
	}
	for (int i = 0; i < 6; i++) {
		uint64_t b;

		if (virtio_cfg_read(&vn->vp, VIRTIO_NET_CFG_MAC + i, 1, &b) != 0) {
			snprintf(err, errlen, "virtio-net %s: cannot read its MAC", pd.name);
			goto fail;
		}
		out->mac[i] = (uint8_t)b;
	}
	if (virtq_setup(&vn->vp, &vn->rx, VNET_RXQ, VNET_QUEUE_SIZE, err, errlen) != 0 ||
	    virtq_setup(&vn->vp, &vn->tx, VNET_TXQ, VNET_QUEUE_SIZE, err, errlen) != 0)
		goto fail;
	vn->rxbuf = dma_alloc((size_t)vn->rx.size * VNET_BUF_LEN, 4096);
	vn->txbuf = dma_alloc((size_t)vn->tx.size * VNET_BUF_LEN, 4096);
	if (!vn->rxbuf || !vn->txbuf) {
		snprintf(err, errlen, "virtio-net %s: out of DMA memory for its buffers", pd.name);
		goto fail;
	}
	while (vn->rx.num_free)
		if (post_rx(vn) != 0)
			break;
	virtio_pci_driver_ok(&vn->vp);
	if (virtio_pci_status(&vn->vp) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		snprintf(err, errlen, "virtio-net %s: device failed at DRIVER_OK (status 0x%x)",
			 pd.name, virtio_pci_status(&vn->vp));
		goto fail;
	}
	/* Buffers may be offered only after DRIVER_OK is seen; kick now. */
	virtq_kick(&vn->rx);

	out->ops = &vnet_ops;
	out->priv = vn;
	snprintf(out->name, sizeof(out->name), "virtio-net %s", pd.name);
	port_log("%s: MAC %02x:%02x:%02x:%02x:%02x:%02x, queues %u/%u, link %s\n", out->name,
		 out->mac[0], out->mac[1], out->mac[2], out->mac[3], out->mac[4], out->mac[5],
		 vn->rx.size, vn->tx.size, vnet_link_up(out) ? "up" : "down");
	return 0;
fail:
	virtio_pci_fail(&vn->vp);
	return -1;
}
