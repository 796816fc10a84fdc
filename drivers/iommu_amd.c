/*
 * AMD-Vi registers: taking over an IOMMU the crashed kernel left enabled.
 *
 * As Linux's kdump kernel does (early_enable_iommus with a copied device
 * table), with the IOMMU still enabled: once the crashed kernel's command
 * buffer is idle, replace it and the event log with ours (the IOMMU writes
 * both, and they are in the crashed kernel's RAM), point DevTabBase at our
 * copy of the device table, invalidate the target's entries and its old
 * domain's pages, and wait for a completion store into our memory.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/iommu.h"
#include "capture/fmt.h"

#define DRAIN_TIMEOUT_US	100000
#define CMD_TIMEOUT_US		1000000
#define RING_BYTES		4096u
#define RING_LEN_256		(8ull << 56)	/* 2^8 16-byte entries */
#define EFR_IA			(1ull << 6)

/* Our event log, read back by amd_faults. */
static const uint8_t *evtlog;

struct cmdq {
	uint32_t *buf;
	unsigned tail;
	volatile uint64_t *status;
	uint64_t status_pa;
};

static void cmd_post(struct iommu_regs *r, struct cmdq *q, uint32_t d0, uint32_t d1, uint32_t d2,
		     uint32_t d3)
{
	uint32_t *c = q->buf + q->tail / 4;

	c[0] = d0;
	c[1] = d1;
	c[2] = d2;
	c[3] = d3;
	q->tail = (q->tail + 16) % RING_BYTES;
	__asm__ volatile("" ::: "memory");
	r->wr64(r, AMD_CMD_TAIL, q->tail);
}

static int wait_idle(struct iommu_regs *r)
{
	uint64_t end = r->now_us(r) + DRAIN_TIMEOUT_US;

	while ((r->rd64(r, AMD_CMD_HEAD) & 0x7fff0) != (r->rd64(r, AMD_CMD_TAIL) & 0x7fff0))
		if (r->now_us(r) > end)
			return -1;
	return 0;
}

int amd_open_door(struct iommu_regs *r, struct iommu_mem *m, const struct iommu_target *t,
		  const uint16_t *devids, int ndev, uint64_t old_base_reg, struct amd_door *d,
		  char *what, size_t whatlen, char *err, size_t errlen)
{
	uint64_t ctl = r->rd64(r, AMD_CONTROL), cmd_pa, evt_pa, end;
	bool cmd_was_on = ctl & AMD_CTL_CMDBUF_EN;
	struct cmdq q = { 0 };
	char was[40];
	void *ev;

	memset(d, 0, sizeof(*d));
	d->old_base_reg = old_base_reg ? old_base_reg : r->rd64(r, AMD_DEVTAB_BASE);
	d->devids = devids;
	d->ndev = ndev;
	if (amd_build_door(m, d, err, errlen))
		return -1;
	q.buf = m->alloc(m, RING_BYTES, &cmd_pa);
	ev = m->alloc(m, RING_BYTES, &evt_pa);
	q.status = m->alloc(m, 4096, &q.status_pa);
	if (!q.buf || !ev || !q.status) {
		return errf(err, errlen, "out of memory for a command buffer");
	}

	/* The crashed kernel's commands finish first; then the rings are ours. */
	if (cmd_was_on && wait_idle(r)) {
		return errf(err, errlen, "the crashed kernel's command buffer did not drain within "
			    "%u ms (head 0x%llx, tail 0x%llx)", DRAIN_TIMEOUT_US / 1000,
			    (unsigned long long)r->rd64(r, AMD_CMD_HEAD),
			    (unsigned long long)r->rd64(r, AMD_CMD_TAIL));
	}
	ctl &= ~(AMD_CTL_CMDBUF_EN | AMD_CTL_EVTLOG_EN | AMD_CTL_EVTINT_EN | AMD_CTL_COMWAIT_INT_EN);
	r->wr64(r, AMD_CONTROL, ctl);
	r->wr64(r, AMD_CMDBUF_BASE, cmd_pa | RING_LEN_256);
	r->wr64(r, AMD_CMD_HEAD, 0);
	r->wr64(r, AMD_CMD_TAIL, 0);
	r->wr64(r, AMD_EVTLOG_BASE, evt_pa | RING_LEN_256);
	r->wr64(r, AMD_EVT_HEAD, 0);
	r->wr64(r, AMD_EVT_TAIL, 0);
	evtlog = ev;
	r->wr64(r, AMD_STATUS, 0x7);	/* write-1-to-clear: overflow, event, comwait */
	ctl |= AMD_CTL_CMDBUF_EN | AMD_CTL_EVTLOG_EN;
	r->wr64(r, AMD_CONTROL, ctl);

	r->wr64(r, AMD_DEVTAB_BASE, d->new_base_reg);
	for (int k = 0; k < ndev; k++) {
		cmd_post(r, &q, devids[k], 2u << 28, 0, 0);		/* INVALIDATE_DEVTAB_ENTRY */
		if (d->old_valid[k])					/* INVALIDATE_IOMMU_PAGES, all */
			cmd_post(r, &q, 0, d->old_domain[k] | 3u << 28, 0xfffff000u | 3, 0x7fffffff);
	}
	cmd_post(r, &q, 0, d->domain | 3u << 28, 0xfffff000u | 3, 0x7fffffff);
	if (r->rd64(r, AMD_EFR) & EFR_IA)
		cmd_post(r, &q, 0, 8u << 28, 0, 0);			/* INVALIDATE_ALL */
	*q.status = 0;
	cmd_post(r, &q, (uint32_t)(q.status_pa & 0xfffffff8u) | 1,		/* COMPLETION_WAIT */
		 (uint32_t)(q.status_pa >> 32) | 1u << 28, 1, 0);
	end = r->now_us(r) + CMD_TIMEOUT_US;
	while (*q.status != 1) {
		if (r->now_us(r) > end) {
			return errf(err, errlen, "invalidation did not complete within %u ms (command "
				    "head 0x%llx, tail 0x%llx, status 0x%llx)", CMD_TIMEOUT_US / 1000,
				    (unsigned long long)r->rd64(r, AMD_CMD_HEAD),
				    (unsigned long long)r->rd64(r, AMD_CMD_TAIL),
				    (unsigned long long)r->rd64(r, AMD_STATUS));
		}
	}
	if (d->old_valid[0])
		snprintf(was, sizeof(was), "in domain %u", d->old_domain[0]);
	else
		snprintf(was, sizeof(was), "not translated");
	snprintf(what, whatlen, "%s was %s; now pass-through in domain %u through a copied "
		 "device table at 0x%llx (%u entries), command buffer and event log replaced",
		 t->name, was, d->domain, (unsigned long long)(d->new_base_reg & ~0xfffull),
		 d->entries);
	return 0;
}

static const char *event_text(unsigned code)
{
	switch (code) {
	case 1: return "illegal device table entry";
	case 2: return "I/O page fault";
	case 3: return "device table hardware error";
	case 4: return "page table hardware error";
	case 5: return "illegal command";
	case 6: return "command hardware error";
	case 7: return "IOTLB invalidation time-out";
	case 8: return "invalid device request";
	}
	return "event";
}

int amd_faults(struct iommu_regs *r, struct iommu_mem *m, char *buf, size_t len, int max)
{
	unsigned head = (unsigned)r->rd64(r, AMD_EVT_HEAD) & 0x7fff0;
	unsigned tail = (unsigned)r->rd64(r, AMD_EVT_TAIL) & 0x7fff0;
	size_t k = 0;
	int n = 0;

	(void)m;
	buf[0] = 0;
	if (!evtlog) {
		snprintf(buf, len, "no event log of ours");
		return 0;
	}
	while (head != tail && head < RING_BYTES && n < max) {
		const uint8_t *e = evtlog + head;
		uint32_t d0, d1;
		uint64_t addr;

		memcpy(&d0, e, 4);
		memcpy(&d1, e + 4, 4);
		memcpy(&addr, e + 8, 8);
		n++;
		if (k < len)
			k += snprintf(buf + k, len - k, "%sdevice %02x:%02x.%x: %s at 0x%llx "
				      "(flags 0x%x)", n > 1 ? "; " : "", (d0 >> 8) & 0xff,
				      (d0 >> 3) & 31, d0 & 7, event_text(d1 >> 28),
				      (unsigned long long)addr, (d1 >> 16) & 0xfff);
		head = (head + 16) % RING_BYTES;
	}
	if (!n)
		snprintf(buf, len, "no event logged (status 0x%llx)",
			 (unsigned long long)r->rd64(r, AMD_STATUS));
	return n;
}
