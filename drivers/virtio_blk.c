/*
 * virtio-blk, polled.
 *
 * Every request is one descriptor chain on queue 0:
 *	header (device reads): type, reserved, sector in 512-byte units
 *	data   (device reads for OUT, writes for IN), one or more descriptors
 *	status (device writes): one byte, 0 = OK
 * Writes go through a blk_queue (blk_queue.h): up to depth requests in flight,
 * each with its own header and status and a bounce slot, completed in any
 * order the device likes. Reads and flushes drain the queue, then are one
 * request that we wait for. Every wait spins on the used ring with a deadline.
 * Depth 1 sends every write that way too, from the caller's buffer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/blk_queue.h"
#include "drivers/blk_retry.h"
#include "drivers/dma.h"
#include "drivers/iommu.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtio_pci.h"
#include "capture/fmt.h"

/* Feature bits (virtio 1.1, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	1
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

/* Device config offsets. */
#define VIRTIO_BLK_CFG_CAPACITY	0x00
#define VIRTIO_BLK_CFG_SIZE_MAX	0x08
#define VIRTIO_BLK_CFG_SEG_MAX	0x0c
#define VIRTIO_BLK_CFG_BLK_SIZE	0x14

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
#define VIRTIO_BLK_S_NONE	0xff	/* our marker: the device never wrote it */

#define VBLK_QUEUE_SIZE		64
#define VBLK_MAX_TRANSFER	(1u << 20)
#define VBLK_REQ_TIMEOUT_US	10000000	/* per request */

#define VBLK_FEATURES	(1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX | \
			 1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_BLK_SIZE | \
			 1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_F_VERSION_1 | \
			 1ull << VIRTIO_F_ACCESS_PLATFORM)

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;		/* always 512-byte units */
};

/* What the device reads and writes besides the data: DMA memory. */
struct vblk_req {
	struct vblk_hdr hdr;
	volatile uint8_t status;
};

struct virtio_blk {
	struct virtio_pci vp;
	struct virtq q;
	struct vblk_req *req;		/* the synchronous request's */
	struct vblk_req *qreq;		/* one per slot of wq, by slot index */
	struct blkq wq;			/* writes in flight; depth 1: not used */
	unsigned depth;
	uint32_t seg_bytes;		/* most bytes per data descriptor */
	uint32_t max_segs;		/* most data descriptors per request */
	uint32_t sect_shift;		/* log2(sector_size / 512) */
	bool has_flush;
	bool told_no_flush;
	bool broken;			/* a request timed out: the device owns its buffers */
	const char *name;
};

static struct virtio_blk vblk_devs[VIRTIO_BLK_MAX_DEVS];
static int vblk_count;

static const char *op_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return "read";
	case VIRTIO_BLK_T_OUT: return "write";
	case VIRTIO_BLK_T_FLUSH: return "flush";
	}
	return "?";
}

static const char *status_name(uint8_t s)
{
	switch (s) {
	case VIRTIO_BLK_S_OK: return "ok";
	case VIRTIO_BLK_S_IOERR: return "I/O error";
	case VIRTIO_BLK_S_UNSUPP: return "unsupported";
	case VIRTIO_BLK_S_NONE: return "no status written";
	}
	return "bad status";
}

/*
 * After a request timed out the device still owns its buffers. A reset makes
 * it drop every request; then the queue is set up again (new rings: the old
 * ones may still be written by a late completion) and the request can be sent
 * again. Returns 0, or -1 if the device does not come back.
 */
static int vblk_restart(struct virtio_blk *vb)
{
	struct pci_dev pd = vb->vp.pci;
	uint16_t size = vb->q.size;
	char err[160];

	if (virtio_pci_open(&vb->vp, &pd, err, sizeof(err)) != 0 ||
	    virtio_pci_negotiate(&vb->vp, VBLK_FEATURES, err, sizeof(err)) != 0 ||
	    virtq_setup(&vb->vp, &vb->q, 0, VBLK_QUEUE_SIZE, err, sizeof(err)) != 0) {
		port_log("virtio-blk %s: reset after a timeout failed: %s\n", vb->name, err);
		return -1;
	}
	if (vb->q.size != size) {
		port_log("virtio-blk %s: queue size changed across the reset (%u -> %u)\n",
			 vb->name, size, vb->q.size);
		return -1;
	}
	virtio_pci_driver_ok(&vb->vp);
	if (virtio_pci_status(&vb->vp) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		port_log("virtio-blk %s: device failed after its reset (status 0x%x)\n", vb->name,
			 virtio_pci_status(&vb->vp));
		return -1;
	}
	return 0;
}

/* Issues one request and waits for it. buf must be DMA-able. */
static int vblk_request(struct virtio_blk *vb, uint32_t type, uint64_t sector,
			const void *buf, uint32_t bytes)
{
	struct virtq_buf bufs[VBLK_QUEUE_SIZE];
	struct vblk_req *r = vb->req;

	if (vb->broken) {
		port_log("virtio-blk %s: %s refused: an earlier request never completed\n",
			 vb->name, op_name(type));
		return -1;
	}
	for (int attempt = 1; attempt <= BLK_ATTEMPTS; attempt++) {
		unsigned n = 0;
		uint32_t len;
		int head, got;

		blk_backoff(attempt);
		r->hdr.type = type;
		r->hdr.reserved = 0;
		r->hdr.sector = sector;
		r->status = VIRTIO_BLK_S_NONE;
		bufs[n++] = (struct virtq_buf){ &r->hdr, sizeof(r->hdr), false };
		for (uint32_t off = 0; off < bytes; off += vb->seg_bytes) {
			uint32_t chunk = bytes - off < vb->seg_bytes ? bytes - off : vb->seg_bytes;

			bufs[n++] = (struct virtq_buf){ (const uint8_t *)buf + off, chunk,
							type == VIRTIO_BLK_T_IN };
		}
		bufs[n++] = (struct virtq_buf){ (const void *)&r->status, 1, true };

		head = virtq_submit(&vb->q, bufs, n);
		if (head < 0) {
			port_log("virtio-blk %s: no room for a %u-descriptor request\n", vb->name, n);
			return -1;
		}
		virtq_kick(&vb->q);
		if (WAIT_FOR(virtq_has_used(&vb->q), VBLK_REQ_TIMEOUT_US) != 0) {
			port_log("virtio-blk %s: %s of %u bytes at sector %llu timed out after %u s "
				 "(device status 0x%x), attempt %d of %d\n", vb->name, op_name(type),
				 bytes, (unsigned long long)sector, VBLK_REQ_TIMEOUT_US / 1000000,
				 virtio_pci_status(&vb->vp), attempt, BLK_ATTEMPTS);
			/* Blocked DMA looks like a time-out: the IOMMU says so. */
			iommu_report_faults(&vb->vp.pci);
			if (attempt < BLK_ATTEMPTS && vblk_restart(vb) == 0) {
				port_log("virtio-blk %s: reset the device, sending the request again\n",
					 vb->name);
				continue;
			}
			vb->broken = true;
			break;
		}
		got = virtq_reap(&vb->q, &len);
		if (got != head) {
			vb->broken = true;
			port_log("virtio-blk %s: device completed descriptor %d, expected %d\n",
				 vb->name, got, head);
			return -1;
		}
		if (r->status == VIRTIO_BLK_S_OK)
			return 0;
		port_log("virtio-blk %s: %s of %u bytes at sector %llu: %s (attempt %d of %d)\n",
			 vb->name, op_name(type), bytes, (unsigned long long)sector,
			 status_name(r->status), attempt, BLK_ATTEMPTS);
		if (r->status == VIRTIO_BLK_S_UNSUPP)
			break;
	}
	port_log("virtio-blk %s: giving up on the %s of sectors %llu..%llu (512-byte units): "
		 "request status %u (%s), device status 0x%x\n", vb->name, op_name(type),
		 (unsigned long long)sector, (unsigned long long)(sector + (bytes ? (bytes - 1) / 512 : 0)),
		 r->status, status_name(r->status), virtio_pci_status(&vb->vp));
	return -1;
}

/* ---- writes in flight (blk_queue.h) ---------------------------------------- */

/* Descriptors one queued write of bytes takes: header, data, status. */
static unsigned vblk_descs(const struct virtio_blk *vb, uint32_t bytes)
{
	return 2 + (bytes + vb->seg_bytes - 1) / vb->seg_bytes;
}

static int vblk_q_submit(void *drv, struct blkq_req *r)
{
	struct virtio_blk *vb = drv;
	struct virtq_buf bufs[VBLK_QUEUE_SIZE];
	struct vblk_req *h = &vb->qreq[r - vb->wq.req];
	unsigned n = 0;

	if (vb->broken)
		return -1;
	h->hdr.type = VIRTIO_BLK_T_OUT;
	h->hdr.reserved = 0;
	h->hdr.sector = r->lba << vb->sect_shift;
	h->status = VIRTIO_BLK_S_NONE;
	bufs[n++] = (struct virtq_buf){ &h->hdr, sizeof(h->hdr), false };
	for (uint32_t off = 0; off < r->bytes; off += vb->seg_bytes) {
		uint32_t chunk = r->bytes - off < vb->seg_bytes ? r->bytes - off : vb->seg_bytes;

		bufs[n++] = (struct virtq_buf){ r->buf + off, chunk, false };
	}
	bufs[n++] = (struct virtq_buf){ (const void *)&h->status, 1, true };
	r->tag = virtq_submit(&vb->q, bufs, n);
	if (r->tag < 0) {
		/* vblk_open sized the depth so that every slot fits the ring. */
		port_log("virtio-blk %s: no room for a %u-descriptor write\n", vb->name, n);
		return -1;
	}
	virtq_kick(&vb->q);
	return 0;
}

static void vblk_q_gave_up(struct virtio_blk *vb, struct blkq_req *r, uint8_t status)
{
	port_log("virtio-blk %s: giving up on the write of sectors %llu..%llu (512-byte units): "
		 "request status %u (%s), device status 0x%x\n", vb->name,
		 (unsigned long long)(r->lba << vb->sect_shift),
		 (unsigned long long)((r->lba << vb->sect_shift) + (r->bytes - 1) / 512),
		 status, status_name(status), virtio_pci_status(&vb->vp));
}

/*
 * Nothing completed in time. As vblk_request does for its one request: each
 * write in flight has timed out once more; if any has attempts left, reset
 * the device and send them all again (the reset drops them), else give up.
 */
static int vblk_q_timeout(struct virtio_blk *vb)
{
	bool again = false;
	unsigned i;

	for (i = 0; i < vb->wq.depth; i++) {
		struct blkq_req *r = &vb->wq.req[i];

		if (!r->busy)
			continue;
		port_log("virtio-blk %s: write of %u bytes at sector %llu timed out after %u s "
			 "(device status 0x%x), attempt %d of %d\n", vb->name, r->bytes,
			 (unsigned long long)(r->lba << vb->sect_shift), VBLK_REQ_TIMEOUT_US / 1000000,
			 virtio_pci_status(&vb->vp), r->attempt, BLK_ATTEMPTS);
		again |= r->attempt < BLK_ATTEMPTS;
	}
	/* Blocked DMA looks like a time-out: the IOMMU says so. */
	iommu_report_faults(&vb->vp.pci);
	if (!again || vblk_restart(vb) != 0) {
		for (i = 0; i < vb->wq.depth; i++)
			if (vb->wq.req[i].busy)
				vblk_q_gave_up(vb, &vb->wq.req[i], VIRTIO_BLK_S_NONE);
		vb->broken = true;
		blkq_abandon(&vb->wq);
		return -1;
	}
	port_log("virtio-blk %s: reset the device, sending the request again (%u writes were in "
		 "flight)\n", vb->name, vb->wq.busy);
	for (i = 0; i < vb->wq.depth; i++) {
		struct blkq_req *r = &vb->wq.req[i];

		if (!r->busy)
			continue;
		if (blkq_finish(&vb->wq, r, false, true) == BLKQ_GAVE_UP)
			vblk_q_gave_up(vb, r, VIRTIO_BLK_S_NONE);
		else if (vblk_q_submit(vb, r) != 0)
			blkq_abandon(&vb->wq);
	}
	return 0;
}

static int vblk_q_reap(void *drv)
{
	struct virtio_blk *vb = drv;
	struct blkq_req *r;
	struct vblk_req *h;
	uint32_t len;
	int got;

	if (vb->broken)
		return -1;
	if (WAIT_FOR(virtq_has_used(&vb->q), VBLK_REQ_TIMEOUT_US) != 0)
		return vblk_q_timeout(vb);
	got = virtq_reap(&vb->q, &len);
	r = got >= 0 ? blkq_by_tag(&vb->wq, got) : NULL;
	if (!r) {
		vb->broken = true;
		port_log("virtio-blk %s: device completed descriptor %d, which is not a write in "
			 "flight\n", vb->name, got);
		return -1;
	}
	h = &vb->qreq[r - vb->wq.req];
	if (h->status == VIRTIO_BLK_S_OK) {
		blkq_finish(&vb->wq, r, true, false);
		return 0;
	}
	port_log("virtio-blk %s: write of %u bytes at sector %llu: %s (attempt %d of %d)\n",
		 vb->name, r->bytes, (unsigned long long)h->hdr.sector, status_name(h->status),
		 r->attempt, BLK_ATTEMPTS);
	switch (blkq_finish(&vb->wq, r, false, h->status != VIRTIO_BLK_S_UNSUPP)) {
	case BLKQ_RETRY:
		blk_backoff(r->attempt);
		if (vblk_q_submit(vb, r) != 0)
			blkq_abandon(&vb->wq);
		break;
	case BLKQ_GAVE_UP:
		vblk_q_gave_up(vb, r, h->status);
		break;
	case BLKQ_DONE:
		break;
	}
	return 0;
}

static const struct blkq_ops vblk_q_ops = { .submit = vblk_q_submit, .reap = vblk_q_reap };

/* Before a read or a flush: everything written so far has completed. */
static int vblk_drain(struct virtio_blk *vb)
{
	if (vb->depth < 2)
		return 0;
	if (blkq_drain(&vb->wq) != 0) {
		port_log("virtio-blk %s: an earlier write failed (see above)\n", vb->name);
		return -1;
	}
	return 0;
}

static int vblk_rw(struct blk_dev *d, uint32_t type, uint64_t lba, const void *buf, uint32_t n)
{
	struct virtio_blk *vb = d->priv;

	if (n == 0)
		return 0;
	if (lba >= d->nsectors || n > d->nsectors - lba ||
	    (uint64_t)n * d->sector_size > d->max_transfer) {
		port_log("virtio-blk %s: %s of %u sectors at %llu out of range\n", vb->name,
			 op_name(type), n, (unsigned long long)lba);
		return -1;
	}
	if (type == VIRTIO_BLK_T_OUT && vb->depth >= 2) {
		if (blkq_write(&vb->wq, lba, buf, n) != 0) {
			port_log("virtio-blk %s: write at sector %llu refused: an earlier write "
				 "failed (see above)\n", vb->name, (unsigned long long)lba);
			return -1;
		}
		return 0;
	}
	if (vblk_drain(vb) != 0)
		return -1;
	return vblk_request(vb, type, lba << vb->sect_shift, buf, n * d->sector_size);
}

static int vblk_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	return vblk_rw(d, VIRTIO_BLK_T_IN, lba, buf, n);
}

static int vblk_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	return vblk_rw(d, VIRTIO_BLK_T_OUT, lba, buf, n);
}

static int vblk_flush(struct blk_dev *d)
{
	struct virtio_blk *vb = d->priv;

	if (vblk_drain(vb) != 0)
		return -1;
	if (vb->has_flush)
		return vblk_request(vb, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	/* Without VIRTIO_BLK_F_FLUSH the device has no way to be asked; the
	 * spec treats such a device as write-through. Say so once. */
	if (!vb->told_no_flush) {
		port_log("virtio-blk %s: device offers no FLUSH; relying on write-through\n",
			 vb->name);
		vb->told_no_flush = true;
	}
	return 0;
}

static int vblk_drain_op(struct blk_dev *d)
{
	return vblk_drain(d->priv);
}

static const struct blk_ops vblk_ops = {
	.read = vblk_read,
	.write = vblk_write,
	.flush = vblk_flush,
	.drain = vblk_drain_op,
};

static bool is_virtio_blk(const struct pci_dev *pd)
{
	/* 0x1042 modern, 0x1001 transitional. */
	return pd->vendor == VIRTIO_PCI_VENDOR && (pd->device == 0x1042 || pd->device == 0x1001);
}

/* Reads the limits and sets request geometry. Returns 0 or -1 with err. */
static int vblk_configure(struct virtio_blk *vb, struct blk_dev *out, char *err, size_t errlen)
{
	struct virtio_pci *vp = &vb->vp;
	uint64_t capacity, v, max;
	uint32_t ssz = 512;

	if (virtio_cfg_read(vp, VIRTIO_BLK_CFG_CAPACITY, 8, &capacity) != 0) {
		return errf(err, errlen, "virtio-blk %s: cannot read device config", vp->pci.name);
	}
	/* blk_size is the logical block size: QEMU fails requests that are
	 * not aligned to it, so it becomes our sector size. */
	if (virtio_has(vp, VIRTIO_BLK_F_BLK_SIZE) &&
	    virtio_cfg_read(vp, VIRTIO_BLK_CFG_BLK_SIZE, 4, &v) == 0 &&
	    v >= 512 && v <= 4096 && !(v & (v - 1)))
		ssz = (uint32_t)v;
	vb->sect_shift = 0;
	while ((512u << vb->sect_shift) < ssz)
		vb->sect_shift++;
	if ((capacity >> vb->sect_shift) == 0) {
		return errf(err, errlen, "virtio-blk %s: capacity is 0 (no medium?)", vp->pci.name);
	}

	vb->seg_bytes = VBLK_MAX_TRANSFER;
	if (virtio_has(vp, VIRTIO_BLK_F_SIZE_MAX) &&
	    virtio_cfg_read(vp, VIRTIO_BLK_CFG_SIZE_MAX, 4, &v) == 0 && v < vb->seg_bytes) {
		if (v < ssz) {
			return errf(err, errlen, "virtio-blk %s: size_max %llu below a sector",
				    vp->pci.name, (unsigned long long)v);
		}
		vb->seg_bytes = (uint32_t)v & ~(ssz - 1);
	}
	/* Leave room for header and status; legacy rings can be larger than
	 * the descriptor list vblk_request builds on its stack. */
	vb->max_segs = (vb->q.size < VBLK_QUEUE_SIZE ? vb->q.size : VBLK_QUEUE_SIZE) - 2;
	if (virtio_has(vp, VIRTIO_BLK_F_SEG_MAX) &&
	    virtio_cfg_read(vp, VIRTIO_BLK_CFG_SEG_MAX, 4, &v) == 0 && v < vb->max_segs)
		vb->max_segs = v ? (uint32_t)v : 1;

	max = (uint64_t)vb->seg_bytes * vb->max_segs;
	if (max > VBLK_MAX_TRANSFER)
		max = VBLK_MAX_TRANSFER;
	max &= max >= 4096 ? ~4095ull : ~(uint64_t)(ssz - 1);

	out->ops = &vblk_ops;
	out->sector_size = ssz;
	out->nsectors = capacity >> vb->sect_shift;
	out->max_transfer = (uint32_t)max;
	snprintf(out->name, sizeof(out->name), "virtio-blk %s", vp->pci.name);
	out->priv = vb;
	vb->name = vp->pci.name;
	vb->has_flush = virtio_has(vp, VIRTIO_BLK_F_FLUSH);
	return 0;
}

/*
 * Writes in flight: as many as asked (0: BLKQ_DEFAULT_DEPTH), as the ring's
 * descriptors allow, each with a header, a status and a bounce slot. Without
 * the DMA memory for them, writes are synchronous (depth 1), as they were.
 */
static void vblk_queue_setup(struct virtio_blk *vb, struct blk_dev *out, unsigned depth)
{
	size_t pool_bytes;
	void *pool;

	vb->depth = 1;
	if (depth == 0)
		depth = BLKQ_DEFAULT_DEPTH;
	if (depth > BLKQ_MAX_DEPTH)
		depth = BLKQ_MAX_DEPTH;
	/* Slots shrink as depth grows; each must fit the ring with the others. */
	while (depth >= 2) {
		uint32_t slot = BLKQ_POOL_BYTES / depth;

		if (slot > out->max_transfer)
			slot = out->max_transfer;
		if (depth * vblk_descs(vb, slot) <= vb->q.size)
			break;
		depth--;
	}
	if (depth < 2)
		return;
	pool_bytes = (size_t)depth * out->max_transfer < BLKQ_POOL_BYTES ?
		     (size_t)depth * out->max_transfer : BLKQ_POOL_BYTES;
	vb->qreq = dma_alloc(depth * sizeof(*vb->qreq), 16);
	pool = dma_alloc(pool_bytes, 4096);
	if (!vb->qreq || !pool ||
	    blkq_init(&vb->wq, depth, pool, pool_bytes, out->sector_size, out->max_transfer,
		      &vblk_q_ops, vb) != 0) {
		port_log("virtio-blk %s: no DMA memory for %u writes in flight; one at a time\n",
			 vb->name, depth);
		return;
	}
	vb->depth = depth;
}

int virtio_blk_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out,
		    char *err, size_t errlen)
{
	struct pci_dev pd;
	struct virtio_blk *vb;
	int r;

	memset(out, 0, sizeof(*out));
	r = pci_find(spec->seg, spec->bus, spec->dev, spec->fn, &pd);
	if (r == -2) {
		return errf(err, errlen, "no virtio-blk at %s: PCI segment %04x not supported yet "
			    "(only 0000)", pd.name, spec->seg);
	}
	if (r != 0) {
		return errf(err, errlen, "no virtio-blk at %s: no PCI device there", pd.name);
	}
	if (!is_virtio_blk(&pd)) {
		return errf(err, errlen, "no virtio-blk at %s: found %04x:%04x (%s)", pd.name,
			    pd.vendor, pd.device, pci_describe(&pd));
	}
	if (vblk_count >= VIRTIO_BLK_MAX_DEVS) {
		return errf(err, errlen, "virtio-blk %s: too many virtio-blk devices open", pd.name);
	}
	vb = &vblk_devs[vblk_count];
	memset(vb, 0, sizeof(*vb));

	if (virtio_pci_open(&vb->vp, &pd, err, errlen) != 0)
		return -1;
	if (virtio_pci_negotiate(&vb->vp, VBLK_FEATURES, err, errlen) != 0)
		return -1;
	if (virtio_has(&vb->vp, VIRTIO_BLK_F_RO)) {
		snprintf(err, errlen, "virtio-blk %s: device is read-only", pd.name);
		goto fail;
	}
	if (virtq_setup(&vb->vp, &vb->q, 0, VBLK_QUEUE_SIZE, err, errlen) != 0)
		goto fail;
	if (vb->q.size < 3) {
		snprintf(err, errlen, "virtio-blk %s: queue of %u entries is too small", pd.name,
			 vb->q.size);
		goto fail;
	}
	vb->req = dma_alloc(sizeof(*vb->req), 16);
	if (!vb->req) {
		snprintf(err, errlen, "virtio-blk %s: out of DMA memory", pd.name);
		goto fail;
	}
	if (vblk_configure(vb, out, err, errlen) != 0)
		goto fail;
	vblk_queue_setup(vb, out, depth);

	virtio_pci_driver_ok(&vb->vp);
	if (virtio_pci_status(&vb->vp) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		snprintf(err, errlen, "virtio-blk %s: device failed at DRIVER_OK (status 0x%x)",
			 pd.name, virtio_pci_status(&vb->vp));
		goto fail;
	}
	vblk_count++;
	port_log("%s: %llu sectors of %u bytes (%llu MiB), queue %u, max transfer %u, flush %s, "
		 "queue depth %u (%u KiB slots)\n",
		 out->name, (unsigned long long)out->nsectors, out->sector_size,
		 (unsigned long long)(out->nsectors * out->sector_size >> 20), vb->q.size,
		 out->max_transfer, vb->has_flush ? "yes" : "no", vb->depth,
		 vb->depth > 1 ? vb->wq.slot_bytes >> 10 : 0);
	return 0;
fail:
	virtio_pci_fail(&vb->vp);
	memset(out, 0, sizeof(*out));
	return -1;
}
