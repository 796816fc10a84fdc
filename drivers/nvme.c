/*
 * NVMe, polled.
 *
 * A controller is a set of registers in BAR0 and pairs of rings in host
 * memory: we write 64-byte commands into a submission queue (SQ) and ring
 * its tail doorbell; the controller reads them by DMA and writes 16-byte
 * completions into a completion queue (CQ). Each completion carries a phase
 * bit that the controller inverts on every pass over the ring, so a new
 * entry is one whose phase is the one we expect; we advance our head and
 * ring the CQ head doorbell to give the slot back.
 *
 * The crashed kernel left the controller enabled with its own queues, maybe
 * with commands in flight. Clearing CC.EN resets all of that; then we point
 * the admin queue at our memory, enable again, ask Identify what the
 * controller and the namespace are, and create one I/O queue pair. Admin
 * commands, reads and flushes are one command in flight that we spin on, as
 * OpenBSD's hibernate path does; writes go through a blk_queue (blk_queue.h):
 * up to depth commands in flight from bounce slots, each with its own PRP
 * list, completed in any order (matched by command id). Reads and flushes
 * drain them first. Every spin here has a deadline.
 *
 * Data is described by PRPs: PRP1 is the first address (it may sit inside a
 * page), PRP2 the second page, or when more pages follow, the address of a
 * list of page addresses. Memory pages are 4 KiB (CC.MPS = 0).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/blk_queue.h"
#include "drivers/blk_retry.h"
#include "drivers/dma.h"
#include "drivers/iommu.h"
#include "drivers/nvme.h"
#include "drivers/pci.h"
#include "capture/fmt.h"

/* Controller registers. */
#define NVME_CAP	0x00
#define NVME_VS		0x08
#define NVME_CC		0x14
#define NVME_CSTS	0x1c
#define NVME_NSSR	0x20
#define NVME_AQA	0x24
#define NVME_ASQ	0x28
#define NVME_ACQ	0x30
#define NVME_DOORBELLS	0x1000

#define CAP_MQES(c)	((uint32_t)((c) & 0xffff))
#define CAP_TO(c)	((uint32_t)(((c) >> 24) & 0xff))	/* 500 ms units */
#define CAP_DSTRD(c)	((uint32_t)(((c) >> 32) & 0xf))
#define CAP_NSSRS	(1ull << 36)
#define CAP_CSS_NVM	(1ull << 37)
#define CAP_MPSMIN(c)	((uint32_t)(((c) >> 48) & 0xf))

#define CC_EN		(1u << 0)
#define CC_SHN_MASK	(3u << 14)
#define CC_IOSQES	(6u << 16)	/* 2^6 = 64-byte commands */
#define CC_IOCQES	(4u << 20)	/* 2^4 = 16-byte completions */

#define CSTS_RDY	(1u << 0)
#define CSTS_CFS	(1u << 1)

#define NSSR_RESET	0x4e564d65	/* "NVMe" */

/* Opcodes. */
#define ADM_CREATE_SQ	0x01
#define ADM_CREATE_CQ	0x05
#define ADM_IDENTIFY	0x06
#define ADM_SET_FEATURES 0x09
#define IO_FLUSH	0x00
#define IO_WRITE	0x01
#define IO_READ		0x02

#define CNS_NAMESPACE	0x00
#define CNS_CONTROLLER	0x01
#define CNS_ACTIVE_NS	0x02
#define FEAT_NUM_QUEUES	0x07

/* Identify Controller / Namespace offsets. */
#define IDC_MDTS	77
#define IDC_SQES	512
#define IDC_CQES	513
#define IDC_NN		516
#define IDC_VWC		525
#define IDN_NSZE	0
#define IDN_NLBAF	25
#define IDN_FLBAS	26
#define IDN_LBAF	128

#define PAGE		4096u
#define ADMIN_ENTRIES	32
#define IO_ENTRIES	64
#define PRP_ENTRIES	(PAGE / 8)
#define NVME_MAX_XFER	(1u << 20)	/* 257 pages at most: one PRP list page */
#define ADMIN_TIMEOUT_US 5000000
#define IO_TIMEOUT_US	10000000

struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;		/* PSDT = 0: PRPs */
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t result;
	uint32_t rsvd;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status;	/* bit 0 phase; 8:1 SC; 11:9 SCT; 14 More; 15 DNR */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes");

#define STATUS_SC(s)	(((s) >> 1) & 0xff)
#define STATUS_SCT(s)	(((s) >> 9) & 0x7)
#define STATUS_DNR(s)	(((s) >> 15) & 1)
#define STATUS_CODE(s)	(((s) >> 1) & 0x7ff)	/* SCT << 8 | SC, as Linux prints it */

struct nvme_queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint16_t entries;
	uint16_t tail, head;
	uint16_t phase;		/* the phase a new completion has */
	uint16_t qid;
	volatile uint8_t *sq_db, *cq_db;
};

struct nvme {
	struct pci_dev pci;
	volatile uint8_t *regs;
	uint64_t cap;
	uint64_t ready_timeout_us;	/* CAP.TO */
	struct nvme_queue admin, io;
	uint16_t next_cid;
	uint32_t nsid;
	uint32_t lba_shift;
	bool vwc;			/* volatile write cache: flush matters */
	bool broken;			/* a command timed out: the controller owns its buffers */
	uint64_t *prp_list;
	uint64_t *qprp;			/* one page: the slots' PRP lists, PRP_ENTRIES / depth each */
	struct blkq wq;			/* writes in flight; depth 1: not used */
	unsigned depth;
	uint8_t *ident;			/* 4 KiB for Identify */
	const char *name;
};

static struct nvme nvme_devs[NVME_MAX_DEVS];
static int nvme_count;

static uint32_t rd32(struct nvme *n, unsigned r) { return mmio_read32(n->regs + r); }
static void wr32(struct nvme *n, unsigned r, uint32_t v) { mmio_write32(n->regs + r, v); }

/* 64-bit registers as two 32-bit accesses, low half first: not every
 * controller takes 8-byte MMIO. */
static uint64_t rd64(struct nvme *n, unsigned r)
{
	uint32_t lo = rd32(n, r);

	return (uint64_t)rd32(n, r + 4) << 32 | lo;
}

static void wr64(struct nvme *n, unsigned r, uint64_t v)
{
	wr32(n, r, (uint32_t)v);
	wr32(n, r + 4, (uint32_t)(v >> 32));
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static const char *status_text(uint16_t s)
{
	switch (STATUS_CODE(s)) {
	case 0x001: return "invalid opcode";
	case 0x002: return "invalid field";
	case 0x004: return "data transfer error";
	case 0x006: return "internal error";
	case 0x00b: return "invalid namespace";
	case 0x080: return "LBA out of range";
	case 0x081: return "capacity exceeded";
	case 0x082: return "namespace not ready";
	case 0x100: return "invalid completion queue";
	case 0x101: return "invalid queue id";
	case 0x102: return "invalid queue size";
	case 0x280: return "write fault";
	case 0x281: return "unrecovered read error";
	case 0x286: return "access denied";
	}
	return "error";
}

static void queue_init(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t entries,
		       struct nvme_sqe *sq, struct nvme_cqe *cq)
{
	uint32_t stride = 4u << CAP_DSTRD(n->cap);

	q->sq = sq;
	q->cq = cq;
	q->entries = entries;
	q->tail = q->head = 0;
	q->phase = 1;		/* the rings start zeroed: phase 0 means empty */
	q->qid = qid;
	q->sq_db = n->regs + NVME_DOORBELLS + (2u * qid) * stride;
	q->cq_db = n->regs + NVME_DOORBELLS + (2u * qid + 1) * stride;
}

static bool cq_ready(struct nvme_queue *q)
{
	return (q->cq[q->head].status & 1) == q->phase;
}

/*
 * Submits *cmd on q and waits for its completion. Returns 0, -1 on a
 * timeout or a controller failure (n->broken set), or 1 with *status set
 * when the command completed with an error.
 */
static int submit_wait(struct nvme *n, struct nvme_queue *q, struct nvme_sqe *cmd,
		       uint64_t timeout_us, uint16_t *status, uint32_t *result)
{
	volatile struct nvme_cqe *cqe;
	uint16_t cid = n->next_cid++;

	cmd->cid = cid;
	q->sq[q->tail] = *cmd;
	q->tail = (uint16_t)((q->tail + 1) % q->entries);
	wmb();		/* the command is in memory before the doorbell */
	mmio_write32(q->sq_db, q->tail);

	if (WAIT_FOR(cq_ready(q), timeout_us) != 0) {
		uint32_t csts = rd32(n, NVME_CSTS);

		n->broken = true;
		port_log("nvme %s: command 0x%02x on queue %u timed out after %llu ms (CSTS 0x%x%s)\n",
			 n->name, cmd->opc, q->qid, (unsigned long long)(timeout_us / 1000), csts,
			 csts == 0xffffffff ? ": controller gone" :
			 csts & CSTS_CFS ? ": controller fatal status" : "");
		iommu_report_faults(&n->pci);
		return -1;
	}
	rmb();		/* read the entry only after seeing its phase */
	cqe = &q->cq[q->head];
	*status = cqe->status & 0xfffe;
	if (result)
		*result = cqe->result;
	if (cqe->cid != cid) {
		n->broken = true;
		port_log("nvme %s: completion for command %u, expected %u\n", n->name, cqe->cid, cid);
		return -1;
	}
	if (++q->head == q->entries) {
		q->head = 0;
		q->phase ^= 1;
	}
	mmio_write32(q->cq_db, q->head);
	return *status ? 1 : 0;
}

static int admin(struct nvme *n, struct nvme_sqe *cmd, uint32_t *result, const char *what,
		 char *err, size_t errlen)
{
	uint16_t status = 0;
	int r = submit_wait(n, &n->admin, cmd, ADMIN_TIMEOUT_US, &status, result);

	if (r < 0)
		snprintf(err, errlen, "nvme %s: %s: no answer from the controller", n->name, what);
	else if (r > 0)
		snprintf(err, errlen, "nvme %s: %s failed: %s (status 0x%03x)", n->name, what,
			 status_text(status), STATUS_CODE(status));
	return r ? -1 : 0;
}

static int identify(struct nvme *n, uint32_t cns, uint32_t nsid, const char *what,
		    char *err, size_t errlen)
{
	struct nvme_sqe c = { .opc = ADM_IDENTIFY, .nsid = nsid,
			      .prp1 = virt_to_phys(n->ident), .cdw10 = cns };

	memset(n->ident, 0, PAGE);
	return admin(n, &c, NULL, what, err, errlen);
}

/*
 * Fills PRP1/PRP2 for len bytes at buf. Every page after the first starts
 * on a page boundary because the buffer is contiguous.
 */
static int build_prps(uint64_t *list, uint32_t list_entries, const void *buf, uint32_t len,
		      struct nvme_sqe *c)
{
	uint64_t addr = virt_to_phys(buf);
	uint32_t first = PAGE - (uint32_t)(addr & (PAGE - 1));
	uint64_t next = (addr & ~(uint64_t)(PAGE - 1)) + PAGE;
	uint32_t pages;

	if (addr & 3)
		return -1;	/* PRPs must be dword aligned */
	c->prp1 = addr;
	c->prp2 = 0;
	if (len <= first)
		return 0;
	if (len - first <= PAGE) {
		c->prp2 = next;
		return 0;
	}
	pages = (len - first + PAGE - 1) / PAGE;
	if (pages > list_entries)
		return -1;
	for (uint32_t i = 0; i < pages; i++)
		list[i] = next + (uint64_t)i * PAGE;
	c->prp2 = virt_to_phys(list);
	return 0;
}

static int nvme_disable(struct nvme *n, char *err, size_t errlen);
static int nvme_enable(struct nvme *n, char *err, size_t errlen);
static int nvme_io_queues(struct nvme *n, char *err, size_t errlen);

/*
 * After a command timed out the controller still owns its buffers. Disabling
 * it drops every queue and command; then the admin queue (same memory, now
 * quiet) and a new I/O queue pair are set up, and the command can be sent
 * again. Returns 0, or -1 if the controller does not come back.
 */
static int nvme_restart(struct nvme *n)
{
	char err[200];

	if (nvme_disable(n, err, sizeof(err)) != 0)
		goto fail;
	memset(n->admin.sq, 0, PAGE);
	memset((void *)n->admin.cq, 0, PAGE);
	queue_init(n, &n->admin, 0, ADMIN_ENTRIES, n->admin.sq, (struct nvme_cqe *)n->admin.cq);
	n->broken = false;
	if (nvme_enable(n, err, sizeof(err)) != 0 || nvme_io_queues(n, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	n->broken = true;
	port_log("nvme %s: reset after a timeout failed: %s\n", n->name, err);
	return -1;
}

static const char *io_name(uint8_t opc)
{
	return opc == IO_READ ? "read" : opc == IO_WRITE ? "write" : "flush";
}

/* One I/O command with bounded retries and backoff; DNR means retrying cannot help. */
static int io_command(struct nvme *n, struct nvme_sqe *c, uint64_t lba, uint32_t bytes)
{
	uint16_t status = 0;

	if (n->broken) {
		port_log("nvme %s: %s refused: an earlier command never completed\n", n->name,
			 io_name(c->opc));
		return -1;
	}
	for (int attempt = 1; attempt <= BLK_ATTEMPTS; attempt++) {
		int r;

		blk_backoff(attempt);
		r = submit_wait(n, &n->io, c, IO_TIMEOUT_US, &status, NULL);
		if (r == 0)
			return 0;
		if (r < 0) {
			status = 0xffff;	/* ours: no completion at all */
			if (attempt < BLK_ATTEMPTS && nvme_restart(n) == 0) {
				port_log("nvme %s: reset the controller, sending the %s again "
					 "(attempt %d of %d)\n", n->name, io_name(c->opc), attempt + 1,
					 BLK_ATTEMPTS);
				continue;
			}
			break;
		}
		port_log("nvme %s: %s of %u bytes at LBA %llu: %s (status 0x%03x%s), attempt %d of %d\n",
			 n->name, io_name(c->opc), bytes, (unsigned long long)lba,
			 status_text(status), STATUS_CODE(status), STATUS_DNR(status) ? ", do not retry" : "",
			 attempt, BLK_ATTEMPTS);
		if (STATUS_DNR(status))
			break;
	}
	if (status == 0xffff)
		port_log("nvme %s: giving up on the %s of LBAs %llu..%llu: no completion within "
			 "%u s, CSTS 0x%x\n", n->name, io_name(c->opc), (unsigned long long)lba,
			 (unsigned long long)(lba + (bytes >> n->lba_shift) - (bytes ? 1 : 0)),
			 IO_TIMEOUT_US / 1000000, rd32(n, NVME_CSTS));
	else
		port_log("nvme %s: giving up on the %s of LBAs %llu..%llu: status 0x%03x (%s), "
			 "CSTS 0x%x\n", n->name, io_name(c->opc), (unsigned long long)lba,
			 (unsigned long long)(lba + (bytes >> n->lba_shift) - (bytes ? 1 : 0)),
			 STATUS_CODE(status), status_text(status), rd32(n, NVME_CSTS));
	return -1;
}

/* ---- writes in flight (blk_queue.h) ---------------------------------------- */

static int nvme_q_submit(void *drv, struct blkq_req *r)
{
	struct nvme *n = drv;
	struct nvme_queue *q = &n->io;
	uint32_t per = PRP_ENTRIES / n->depth;
	struct nvme_sqe c = { .opc = IO_WRITE, .nsid = n->nsid };

	if (n->broken)
		return -1;
	if (build_prps(n->qprp + (r - n->wq.req) * per, per, r->buf, r->bytes, &c) != 0) {
		port_log("nvme %s: a %u-byte slot does not fit its PRP list\n", n->name, r->bytes);
		return -1;
	}
	c.cdw10 = (uint32_t)r->lba;
	c.cdw11 = (uint32_t)(r->lba >> 32);
	c.cdw12 = r->nblocks - 1;
	c.cid = n->next_cid++;
	r->tag = c.cid;
	/* At most depth < entries commands are in flight, so the tail never
	 * catches up with the controller's head. */
	q->sq[q->tail] = c;
	q->tail = (uint16_t)((q->tail + 1) % q->entries);
	wmb();
	mmio_write32(q->sq_db, q->tail);
	return 0;
}

static void nvme_q_gave_up(struct nvme *n, struct blkq_req *r, uint16_t status)
{
	if (status == 0xffff)
		port_log("nvme %s: giving up on the write of LBAs %llu..%llu: no completion within "
			 "%u s, CSTS 0x%x\n", n->name, (unsigned long long)r->lba,
			 (unsigned long long)(r->lba + r->nblocks - 1), IO_TIMEOUT_US / 1000000,
			 rd32(n, NVME_CSTS));
	else
		port_log("nvme %s: giving up on the write of LBAs %llu..%llu: status 0x%03x (%s), "
			 "CSTS 0x%x\n", n->name, (unsigned long long)r->lba,
			 (unsigned long long)(r->lba + r->nblocks - 1), STATUS_CODE(status),
			 status_text(status), rd32(n, NVME_CSTS));
}

/*
 * Nothing completed in time. As io_command does for its one command: each
 * write in flight has timed out once more; if any has attempts left, reset
 * the controller and send them all again (the reset drops them), else give up.
 */
static int nvme_q_timeout(struct nvme *n)
{
	uint32_t csts = rd32(n, NVME_CSTS);
	bool again = false;
	int next = 0;
	unsigned i, resent = 0;

	for (i = 0; i < n->wq.depth; i++) {
		struct blkq_req *r = &n->wq.req[i];

		if (!r->busy)
			continue;
		port_log("nvme %s: command 0x%02x on queue %u timed out after %u ms (CSTS 0x%x%s), "
			 "LBA %llu, attempt %d of %d\n", n->name, IO_WRITE, n->io.qid,
			 IO_TIMEOUT_US / 1000, csts, csts == 0xffffffff ? ": controller gone" :
			 csts & CSTS_CFS ? ": controller fatal status" : "",
			 (unsigned long long)r->lba, r->attempt, BLK_ATTEMPTS);
		again |= r->attempt < BLK_ATTEMPTS;
	}
	iommu_report_faults(&n->pci);
	n->broken = true;
	if (!again || nvme_restart(n) != 0) {
		for (i = 0; i < n->wq.depth; i++)
			if (n->wq.req[i].busy)
				nvme_q_gave_up(n, &n->wq.req[i], 0xffff);
		n->broken = true;
		blkq_abandon(&n->wq);
		return -1;
	}
	for (i = 0; i < n->wq.depth; i++) {
		struct blkq_req *r = &n->wq.req[i];

		if (!r->busy)
			continue;
		if (blkq_finish(&n->wq, r, false, true) == BLKQ_GAVE_UP) {
			nvme_q_gave_up(n, r, 0xffff);
			continue;
		}
		if (!next)
			next = r->attempt;
		if (nvme_q_submit(n, r) != 0)
			blkq_abandon(&n->wq);
		resent++;
	}
	if (resent)
		port_log("nvme %s: reset the controller, sending the write again (attempt %d of %d), "
			 "%u writes in flight\n", n->name, next, BLK_ATTEMPTS, resent);
	return 0;
}

static int nvme_q_reap(void *drv)
{
	struct nvme *n = drv;
	struct nvme_queue *q = &n->io;
	volatile struct nvme_cqe *cqe;
	struct blkq_req *r;
	uint16_t status, cid;

	if (n->broken)
		return -1;
	if (WAIT_FOR(cq_ready(q), IO_TIMEOUT_US) != 0)
		return nvme_q_timeout(n);
	rmb();		/* read the entry only after seeing its phase */
	cqe = &q->cq[q->head];
	status = cqe->status & 0xfffe;
	cid = cqe->cid;
	if (++q->head == q->entries) {
		q->head = 0;
		q->phase ^= 1;
	}
	mmio_write32(q->cq_db, q->head);
	r = blkq_by_tag(&n->wq, cid);
	if (!r) {
		n->broken = true;
		port_log("nvme %s: completion for command %u, which is not a write in flight\n",
			 n->name, cid);
		return -1;
	}
	if (status == 0) {
		blkq_finish(&n->wq, r, true, false);
		return 0;
	}
	port_log("nvme %s: write of %u bytes at LBA %llu: %s (status 0x%03x%s), attempt %d of %d\n",
		 n->name, r->bytes, (unsigned long long)r->lba, status_text(status),
		 STATUS_CODE(status), STATUS_DNR(status) ? ", do not retry" : "", r->attempt,
		 BLK_ATTEMPTS);
	switch (blkq_finish(&n->wq, r, false, !STATUS_DNR(status))) {
	case BLKQ_RETRY:
		blk_backoff(r->attempt);
		if (nvme_q_submit(n, r) != 0)
			blkq_abandon(&n->wq);
		break;
	case BLKQ_GAVE_UP:
		nvme_q_gave_up(n, r, status);
		break;
	case BLKQ_DONE:
		break;
	}
	return 0;
}

static const struct blkq_ops nvme_q_ops = { .submit = nvme_q_submit, .reap = nvme_q_reap };

/* Before a read or a flush: everything written so far has completed. */
static int nvme_drain(struct nvme *n)
{
	if (n->depth < 2)
		return 0;
	if (blkq_drain(&n->wq) != 0) {
		port_log("nvme %s: an earlier write failed (see above)\n", n->name);
		return -1;
	}
	return 0;
}

static int nvme_rw(struct blk_dev *d, uint8_t opc, uint64_t lba, const void *buf, uint32_t nlb)
{
	struct nvme *n = d->priv;
	uint32_t bytes = nlb * d->sector_size;
	struct nvme_sqe c = { .opc = opc, .nsid = n->nsid };

	if (nlb == 0)
		return 0;
	if (lba >= d->nsectors || nlb > d->nsectors - lba || (uint64_t)nlb * d->sector_size >
	    d->max_transfer) {
		port_log("nvme %s: %s of %u blocks at LBA %llu out of range\n", n->name,
			 io_name(opc), nlb, (unsigned long long)lba);
		return -1;
	}
	if (opc == IO_WRITE && n->depth >= 2) {
		if (blkq_write(&n->wq, lba, buf, nlb) != 0) {
			port_log("nvme %s: write at LBA %llu refused: an earlier write failed "
				 "(see above)\n", n->name, (unsigned long long)lba);
			return -1;
		}
		return 0;
	}
	if (nvme_drain(n) != 0)
		return -1;
	if (build_prps(n->prp_list, PRP_ENTRIES, buf, bytes, &c) != 0) {
		port_log("nvme %s: buffer %p of %u bytes cannot be described by PRPs\n", n->name,
			 buf, bytes);
		return -1;
	}
	c.cdw10 = (uint32_t)lba;
	c.cdw11 = (uint32_t)(lba >> 32);
	c.cdw12 = nlb - 1;
	return io_command(n, &c, lba, bytes);
}

static int nvme_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t nlb)
{
	return nvme_rw(d, IO_READ, lba, buf, nlb);
}

static int nvme_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t nlb)
{
	return nvme_rw(d, IO_WRITE, lba, buf, nlb);
}

static int nvme_flush(struct blk_dev *d)
{
	struct nvme *n = d->priv;
	struct nvme_sqe c = { .opc = IO_FLUSH, .nsid = n->nsid };

	if (nvme_drain(n) != 0)
		return -1;
	/* Without a volatile write cache, a completed write is on the medium;
	 * sending Flush anyway costs nothing and some firmware wants it. */
	return io_command(n, &c, 0, 0);
}

static int nvme_drain_op(struct blk_dev *d)
{
	return nvme_drain(d->priv);
}

static const struct blk_ops nvme_ops = {
	.read = nvme_read,
	.write = nvme_write,
	.flush = nvme_flush,
	.drain = nvme_drain_op,
};

static bool is_nvme(const struct pci_dev *pd)
{
	return pd->class == 0x01 && pd->subclass == 0x08 && pd->prog_if == 0x02;
}

static bool rdy_is(struct nvme *n, uint32_t want)
{
	uint32_t csts = rd32(n, NVME_CSTS);

	return csts != 0xffffffff && (csts & CSTS_RDY) == want;
}

/*
 * Takes the controller from whatever state the crashed kernel left it in to
 * disabled: that drops every queue and command the old kernel had.
 */
static int nvme_disable(struct nvme *n, char *err, size_t errlen)
{
	uint32_t cc = rd32(n, NVME_CC), csts = rd32(n, NVME_CSTS);

	if (csts == 0xffffffff) {
		return errf(err, errlen, "nvme %s: controller does not respond (CSTS reads all ones)",
			    n->name);
	}
	if (csts & CSTS_CFS)
		port_log("nvme %s: controller reports a fatal status (CFS); resetting it\n", n->name);
	/* Toggling EN in the middle of a transition is undefined: let an
	 * enable that is under way finish first. */
	if ((cc & CC_EN) && !(csts & CSTS_RDY) && !(csts & CSTS_CFS))
		(void)WAIT_FOR(rdy_is(n, CSTS_RDY), n->ready_timeout_us);
	wr32(n, NVME_CC, cc & ~(CC_EN | CC_SHN_MASK));
	if (WAIT_FOR(rdy_is(n, 0), n->ready_timeout_us) == 0)
		return 0;
	if (n->cap & CAP_NSSRS) {
		port_log("nvme %s: still ready %llu ms after CC.EN=0; NVM subsystem reset\n",
			 n->name, (unsigned long long)(n->ready_timeout_us / 1000));
		wr32(n, NVME_NSSR, NSSR_RESET);
		if (WAIT_FOR(rdy_is(n, 0), n->ready_timeout_us) == 0)
			return 0;
	}
	return errf(err, errlen, "nvme %s: controller did not disable within %llu ms (CSTS 0x%x)",
		    n->name, (unsigned long long)(n->ready_timeout_us / 1000), rd32(n, NVME_CSTS));
}

static int nvme_enable(struct nvme *n, char *err, size_t errlen)
{
	uint32_t csts;

	wr32(n, NVME_AQA, (ADMIN_ENTRIES - 1) << 16 | (ADMIN_ENTRIES - 1));
	wr64(n, NVME_ASQ, virt_to_phys(n->admin.sq));
	wr64(n, NVME_ACQ, virt_to_phys((const void *)n->admin.cq));
	/* Entry sizes must be set by the time EN is: QEMU checks them then. */
	wr32(n, NVME_CC, CC_IOCQES | CC_IOSQES);
	wr32(n, NVME_CC, CC_IOCQES | CC_IOSQES | CC_EN);
	if (WAIT_FOR((csts = rd32(n, NVME_CSTS)) & (CSTS_RDY | CSTS_CFS), n->ready_timeout_us) != 0 ||
	    csts == 0xffffffff || (csts & CSTS_CFS)) {
		return errf(err, errlen, "nvme %s: controller did not become ready within %llu ms "
			    "(CSTS 0x%x%s)", n->name, (unsigned long long)(n->ready_timeout_us / 1000),
			    rd32(n, NVME_CSTS), rd32(n, NVME_CSTS) & CSTS_CFS ? ", fatal status" : "");
	}
	return 0;
}

/* Logs the active namespaces, to make "no such namespace" actionable. */
static void list_namespaces(struct nvme *n, char *buf, size_t len)
{
	char e[8];
	size_t k = 0;

	buf[0] = 0;
	if (identify(n, CNS_ACTIVE_NS, 0, "identify namespace list", e, sizeof(e)) != 0)
		return;
	for (int i = 0; i < 16 && k < len; i++) {
		uint32_t id = le32(n->ident + 4 * i);

		if (!id)
			break;
		k += snprintf(buf + k, len - k, "%s%u", i ? ", " : "", id);
	}
}

static int nvme_namespace(struct nvme *n, uint32_t nn, struct blk_dev *out, char *err,
			  size_t errlen)
{
	char list[64];
	uint64_t nsze;
	uint32_t fmt, lbaf, ms, lbads;

	if (n->nsid > nn) {
		list_namespaces(n, list, sizeof(list));
		return errf(err, errlen, "nvme %s: no namespace %u (the controller has %u; active: %s)",
			    n->name, n->nsid, nn, list[0] ? list : "unknown");
	}
	if (identify(n, CNS_NAMESPACE, n->nsid, "identify namespace", err, errlen) != 0)
		return -1;
	nsze = le64(n->ident + IDN_NSZE);
	if (nsze == 0) {
		list_namespaces(n, list, sizeof(list));
		return errf(err, errlen, "nvme %s: namespace %u is not active (active: %s)", n->name,
			    n->nsid, list[0] ? list : "unknown");
	}
	fmt = n->ident[IDN_FLBAS] & 0xf;
	if (fmt > n->ident[IDN_NLBAF]) {
		return errf(err, errlen, "nvme %s: namespace %u uses LBA format %u of %u", n->name,
			    n->nsid, fmt, n->ident[IDN_NLBAF] + 1u);
	}
	lbaf = le32(n->ident + IDN_LBAF + 4 * fmt);
	ms = lbaf & 0xffff;
	lbads = (lbaf >> 16) & 0xff;
	if (ms != 0) {
		return errf(err, errlen, "nvme %s: namespace %u has %u bytes of metadata per block: "
			    "not supported", n->name, n->nsid, ms);
	}
	if (lbads < 9 || lbads > 12) {
		return errf(err, errlen, "nvme %s: namespace %u has %u-byte blocks: only 512 to 4096 "
			    "are supported", n->name, n->nsid, lbads < 32 ? 1u << lbads : 0);
	}
	n->lba_shift = lbads;
	out->sector_size = 1u << lbads;
	out->nsectors = nsze;
	return 0;
}

static int nvme_io_queues(struct nvme *n, char *err, size_t errlen)
{
	struct nvme_sqe c;
	uint16_t entries = IO_ENTRIES;
	void *sq, *cq;

	if (CAP_MQES(n->cap) + 1 < entries)
		entries = (uint16_t)(CAP_MQES(n->cap) + 1);
	if (entries < 2) {
		return errf(err, errlen, "nvme %s: queues of %u entries are too small", n->name, entries);
	}
	sq = dma_alloc(PAGE, PAGE);
	cq = dma_alloc(PAGE, PAGE);
	if (!sq || !cq) {
		return errf(err, errlen, "nvme %s: out of DMA memory", n->name);
	}
	queue_init(n, &n->io, 1, entries, sq, cq);

	/* One queue pair; Linux always asks first, and some controllers want it. */
	memset(&c, 0, sizeof(c));
	c.opc = ADM_SET_FEATURES;
	c.cdw10 = FEAT_NUM_QUEUES;
	c.cdw11 = 0;		/* (1 - 1) << 16 | (1 - 1) */
	if (admin(n, &c, NULL, "set number of queues", err, errlen) != 0)
		return -1;

	memset(&c, 0, sizeof(c));
	c.opc = ADM_CREATE_CQ;
	c.prp1 = virt_to_phys(cq);
	c.cdw10 = (uint32_t)(entries - 1) << 16 | 1;
	c.cdw11 = 1;		/* physically contiguous, no interrupts */
	if (admin(n, &c, NULL, "create I/O completion queue", err, errlen) != 0)
		return -1;

	memset(&c, 0, sizeof(c));
	c.opc = ADM_CREATE_SQ;
	c.prp1 = virt_to_phys(sq);
	c.cdw10 = (uint32_t)(entries - 1) << 16 | 1;
	c.cdw11 = 1u << 16 | 1;	/* CQ 1, physically contiguous */
	return admin(n, &c, NULL, "create I/O submission queue", err, errlen);
}

/*
 * Writes in flight: as many as asked (0: BLKQ_DEFAULT_DEPTH) and the I/O
 * queue holds, each with a bounce slot and a PRP list in one shared page.
 * Without the DMA memory for them, writes are synchronous (depth 1).
 */
static void nvme_queue_setup(struct nvme *n, struct blk_dev *out, unsigned depth)
{
	size_t pool_bytes;
	void *pool;

	n->depth = 1;
	if (depth == 0)
		depth = BLKQ_DEFAULT_DEPTH;
	if (depth > BLKQ_MAX_DEPTH)
		depth = BLKQ_MAX_DEPTH;
	if (depth > n->io.entries - 1u)
		depth = n->io.entries - 1u;
	if (depth < 2)
		return;
	pool_bytes = (size_t)depth * out->max_transfer < BLKQ_POOL_BYTES ?
		     (size_t)depth * out->max_transfer : BLKQ_POOL_BYTES;
	n->qprp = dma_alloc(PAGE, PAGE);
	pool = dma_alloc(pool_bytes, PAGE);
	/* A slot's pages must fit its share of the PRP page. */
	if (!n->qprp || !pool ||
	    blkq_init(&n->wq, depth, pool, pool_bytes, out->sector_size, out->max_transfer,
		      &nvme_q_ops, n) != 0 ||
	    n->wq.slot_bytes / PAGE > PRP_ENTRIES / depth) {
		port_log("nvme %s: no DMA memory for %u writes in flight; one at a time\n", n->name,
			 depth);
		return;
	}
	n->depth = depth;
}

int nvme_open(const struct pci_fn *spec, unsigned depth, struct blk_dev *out, char *err,
	      size_t errlen)
{
	struct pci_dev pd;
	struct pci_bar bar;
	struct nvme *n;
	uint32_t vs, nn, max;
	uint8_t mdts, sqes, cqes;
	int r;

	memset(out, 0, sizeof(*out));
	r = pci_find(spec->seg, spec->bus, spec->dev, spec->fn, &pd);
	if (r == -2) {
		return errf(err, errlen, "no NVMe controller at %s: PCI segment %04x not supported "
			    "yet (only 0000)", pd.name, spec->seg);
	}
	if (r != 0) {
		return errf(err, errlen, "no NVMe controller at %s: no PCI device there", pd.name);
	}
	if (!is_nvme(&pd)) {
		return errf(err, errlen, "no NVMe controller at %s: found %04x:%04x (%s)", pd.name,
			    pd.vendor, pd.device, pci_describe(&pd));
	}
	if (nvme_count >= NVME_MAX_DEVS) {
		return errf(err, errlen, "nvme %s: too many NVMe controllers open", pd.name);
	}
	n = &nvme_devs[nvme_count];
	memset(n, 0, sizeof(*n));
	n->pci = pd;
	n->name = n->pci.name;
	n->nsid = spec->nsid ? spec->nsid : 1;

	/* No new DMA or interrupts from the old kernel's setup; then power,
	 * memory decoding and bus mastering back on for our own use. */
	pci_quiesce(&n->pci);
	pci_enable(&n->pci);
	if (pci_bar(&n->pci, 0, &bar) != 0 || bar.io || bar.size < NVME_DOORBELLS + 16) {
		return errf(err, errlen, "nvme %s: BAR0 is not a usable memory BAR", n->name);
	}
	n->regs = mmio_map(bar.base, bar.size);
	if (!n->regs) {
		return errf(err, errlen, "nvme %s: cannot map BAR0 at 0x%llx", n->name,
			    (unsigned long long)bar.base);
	}
	n->cap = rd64(n, NVME_CAP);
	vs = rd32(n, NVME_VS);
	n->ready_timeout_us = (uint64_t)(CAP_TO(n->cap) + 1) * 500000;
	if (n->cap == ~0ull) {
		return errf(err, errlen, "nvme %s: registers read all ones (device gone?)", n->name);
	}
	if (NVME_DOORBELLS + 4 * (4u << CAP_DSTRD(n->cap)) > bar.size) {
		return errf(err, errlen, "nvme %s: doorbell stride %u does not fit BAR0 (%llu bytes)",
			    n->name, 4u << CAP_DSTRD(n->cap), (unsigned long long)bar.size);
	}
	if (!(n->cap & CAP_CSS_NVM)) {
		return errf(err, errlen, "nvme %s: controller lacks the NVM command set", n->name);
	}
	if (CAP_MPSMIN(n->cap) != 0) {
		return errf(err, errlen, "nvme %s: smallest memory page is %u KiB; only 4 KiB pages are "
			    "supported", n->name, 4u << CAP_MPSMIN(n->cap));
	}
	if (nvme_disable(n, err, errlen) != 0)
		return -1;
	/* Idle now: let it reach our memory if an IOMMU translates it. */
	if (iommu_open_device(&n->pci, err, errlen) != 0)
		return -1;

	n->ident = dma_alloc(PAGE, PAGE);
	n->prp_list = dma_alloc(PAGE, PAGE);
	{
		void *asq = dma_alloc(PAGE, PAGE), *acq = dma_alloc(PAGE, PAGE);

		if (!n->ident || !n->prp_list || !asq || !acq) {
			return errf(err, errlen, "nvme %s: out of DMA memory", n->name);
		}
		queue_init(n, &n->admin, 0, ADMIN_ENTRIES, asq, acq);
	}
	if (nvme_enable(n, err, errlen) != 0)
		return -1;

	if (identify(n, CNS_CONTROLLER, 0, "identify controller", err, errlen) != 0)
		goto fail;
	mdts = n->ident[IDC_MDTS];
	sqes = n->ident[IDC_SQES];
	cqes = n->ident[IDC_CQES];
	nn = le32(n->ident + IDC_NN);
	n->vwc = n->ident[IDC_VWC] & 1;
	/* Required (low nibble) <= our size <= maximum (high nibble); 0 means
	 * an old controller that does not say. */
	if ((sqes && ((sqes & 0xf) > 6 || (sqes >> 4) < 6)) ||
	    (cqes && ((cqes & 0xf) > 4 || (cqes >> 4) < 4))) {
		snprintf(err, errlen, "nvme %s: controller wants queue entries of other sizes "
			 "(SQES 0x%02x, CQES 0x%02x)", n->name, sqes, cqes);
		goto fail;
	}
	if (nvme_namespace(n, nn, out, err, errlen) != 0)
		goto fail;
	if (nvme_io_queues(n, err, errlen) != 0)
		goto fail;

	/* MDTS counts in units of the minimum page size, 4 KiB here. */
	max = NVME_MAX_XFER;
	if (mdts && mdts < 20 && (PAGE << mdts) < max)
		max = PAGE << mdts;
	if (max < out->sector_size) {
		snprintf(err, errlen, "nvme %s: transfers of at most %u bytes, below one block",
			 n->name, max);
		goto fail;
	}
	out->ops = &nvme_ops;
	out->max_transfer = max & ~(out->sector_size - 1);
	snprintf(out->name, sizeof(out->name), "nvme %s ns %u", n->name, n->nsid);
	out->priv = n;
	nvme_queue_setup(n, out, depth);
	nvme_count++;
	port_log("%s: NVMe %u.%u, %llu blocks of %u bytes (%llu MiB), queue %u, max transfer %u, "
		 "write cache %s, queue depth %u (%u KiB slots)\n", out->name, vs >> 16,
		 (vs >> 8) & 0xff, (unsigned long long)out->nsectors, out->sector_size,
		 (unsigned long long)((out->nsectors << n->lba_shift) >> 20), n->io.entries,
		 out->max_transfer, n->vwc ? "yes" : "no", n->depth,
		 n->depth > 1 ? n->wq.slot_bytes >> 10 : 0);
	return 0;
fail:
	/* Leave it disabled: nothing of ours stays reachable by its DMA. */
	wr32(n, NVME_CC, rd32(n, NVME_CC) & ~CC_EN);
	memset(out, 0, sizeof(*out));
	return -1;
}
