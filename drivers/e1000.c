/*
 * Intel 8254x (e1000), polled: the 82540EM that QEMU's -device e1000 models
 * and the rest of the family that shares its legacy descriptors.
 *
 * The crashed kernel left the card running with its rings in its own memory,
 * so we mask interrupts, stop receive and transmit, and reset the MAC before
 * pointing it at rings in our reservation. A reset clears no register on
 * QEMU's model, so every register we rely on is written explicitly.
 *
 * TX: legacy descriptors, one frame each, RS set so the card reports DD.
 * RX: 2 KiB buffers, CRC stripped; a frame spanning descriptors is dropped.
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"
#include "drivers/dma.h"
#include "drivers/iommu.h"
#include "drivers/net.h"
#include "drivers/pci.h"
#include "capture/fmt.h"

#define E1000_CTRL	0x0000
#define E1000_STATUS	0x0008
#define E1000_EERD	0x0014
#define E1000_ICR	0x00c0
#define E1000_IMC	0x00d8
#define E1000_RCTL	0x0100
#define E1000_TCTL	0x0400
#define E1000_TIPG	0x0410
#define E1000_RDBAL	0x2800
#define E1000_RDBAH	0x2804
#define E1000_RDLEN	0x2808
#define E1000_RDH	0x2810
#define E1000_RDT	0x2818
#define E1000_TDBAL	0x3800
#define E1000_TDBAH	0x3804
#define E1000_TDLEN	0x3808
#define E1000_TDH	0x3810
#define E1000_TDT	0x3818
#define E1000_MTA	0x5200
#define E1000_RAL0	0x5400
#define E1000_RAH0	0x5404

#define CTRL_LRST	(1u << 3)
#define CTRL_ASDE	(1u << 5)
#define CTRL_SLU	(1u << 6)
#define CTRL_ILOS	(1u << 7)
#define CTRL_RST	(1u << 26)
#define CTRL_VME	(1u << 30)
#define CTRL_PHY_RST	(1u << 31)
#define STATUS_LU	(1u << 1)
#define RCTL_EN		(1u << 1)
#define RCTL_BAM	(1u << 15)
#define RCTL_SECRC	(1u << 26)
#define TCTL_EN		(1u << 1)
#define TCTL_PSP	(1u << 3)
#define TCTL_CT		(0x0fu << 4)
#define TCTL_COLD	(0x40u << 12)
#define TIPG_COPPER	0x0060200a
#define RAH_AV		(1u << 31)
#define EERD_START	1u
#define EERD_DONE	(1u << 4)

#define TX_CMD_EOP	0x01
#define TX_CMD_IFCS	0x02
#define TX_CMD_RS	0x08
#define DESC_DD		0x01
#define RX_EOP		0x02

#define E1000_NTX	64		/* multiples of 8: ring bytes multiple of 128 */
#define E1000_NRX	64
#define E1000_BUF	2048

#define RESET_TIMEOUT_US	100000
#define LINK_TIMEOUT_US		3000000

struct e1000_txd {
	uint64_t addr;
	uint16_t length;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};

struct e1000_rxd {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status, errors;
	uint16_t special;
};

struct e1000 {
	struct pci_dev pci;
	volatile uint8_t *regs;
	volatile struct e1000_txd *tx;
	volatile struct e1000_rxd *rx;
	uint8_t *txbuf, *rxbuf;
	unsigned tx_tail, tx_clean;	/* next to fill, oldest not yet reclaimed */
	unsigned rx_next;
};

static struct e1000 e1k;

static uint32_t rd(struct e1000 *e, unsigned r) { return mmio_read32(e->regs + r); }
static void wr(struct e1000 *e, unsigned r, uint32_t v) { mmio_write32(e->regs + r, v); }

static void reclaim(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & DESC_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_NTX;
}

static int e1000_send(struct net_dev *d, const void *frame, size_t len)
{
	struct e1000 *e = d->priv;
	volatile struct e1000_txd *t;
	unsigned i = e->tx_tail;

	if (len > NET_MAX_FRAME)
		return -1;
	reclaim(e);
	if ((i + 1) % E1000_NTX == e->tx_clean)
		return -1;		/* full */
	memcpy(e->txbuf + (size_t)i * E1000_BUF, frame, len);
	t = &e->tx[i];
	t->addr = virt_to_phys(e->txbuf + (size_t)i * E1000_BUF);
	t->length = (uint16_t)len;
	t->cso = 0;
	t->css = 0;
	t->special = 0;
	t->status = 0;
	t->cmd = TX_CMD_EOP | TX_CMD_IFCS | TX_CMD_RS;
	e->tx_tail = (i + 1) % E1000_NTX;
	wmb();
	wr(e, E1000_TDT, e->tx_tail);
	return 0;
}

static size_t e1000_recv(struct net_dev *d, void *buf, size_t max)
{
	struct e1000 *e = d->priv;

	for (int budget = E1000_NRX; budget > 0; budget--) {
		unsigned i = e->rx_next;
		volatile struct e1000_rxd *r = &e->rx[i];
		size_t n = 0;

		if (!(r->status & DESC_DD))
			return 0;
		rmb();
		/* Frames spanning descriptors (too long) and bad ones are dropped. */
		if ((r->status & RX_EOP) && !r->errors && r->length >= 14 &&
		    r->length <= max && r->length <= E1000_BUF &&
		    net_frame_for_us(d, e->rxbuf + (size_t)i * E1000_BUF)) {
			n = r->length;
			memcpy(buf, e->rxbuf + (size_t)i * E1000_BUF, n);
		}
		r->status = 0;
		r->errors = 0;
		wmb();
		/* Hand the descriptor back: the card owns RDH..RDT-1. */
		wr(e, E1000_RDT, i);
		e->rx_next = (i + 1) % E1000_NRX;
		if (n)
			return n;
	}
	return 0;
}

static bool e1000_link_up(struct net_dev *d)
{
	struct e1000 *e = d->priv;

	return rd(e, E1000_STATUS) & STATUS_LU;
}

static const struct net_ops e1000_ops = {
	.send = e1000_send,
	.recv = e1000_recv,
	.link_up = e1000_link_up,
};

/* 8254x family members with legacy descriptors and this register layout. */
static bool is_e1000(const struct pci_dev *pd)
{
	static const uint16_t ids[] = {
		0x100e, 0x100f, 0x1010, 0x1011, 0x1012, 0x1013, 0x1015, 0x1016, 0x1017,
		0x1018, 0x1019, 0x101a, 0x101d, 0x1026, 0x1027, 0x1028, 0x1075, 0x1076,
		0x1077, 0x1078, 0x1079, 0x107a, 0x107b, 0x107c, 0x1107, 0x1112,
	};

	if (pd->vendor != 0x8086)
		return false;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (pd->device == ids[i])
			return true;
	return false;
}

/* MAC from RAL0/RAH0 if valid, else EEPROM words 0-2. */
static int read_mac(struct e1000 *e, uint8_t mac[6])
{
	uint32_t lo = rd(e, E1000_RAL0), hi = rd(e, E1000_RAH0);

	if (!(hi & RAH_AV) || (lo == 0 && (hi & 0xffff) == 0)) {
		for (unsigned w = 0; w < 3; w++) {
			uint32_t v;

			wr(e, E1000_EERD, w << 8 | EERD_START);
			if (WAIT_FOR((v = rd(e, E1000_EERD)) & EERD_DONE, 10000) != 0)
				return -1;
			mac[2 * w] = (uint8_t)(v >> 16);
			mac[2 * w + 1] = (uint8_t)(v >> 24);
		}
		lo = mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24;
		hi = mac[4] | mac[5] << 8;
	}
	mac[0] = (uint8_t)lo;
	mac[1] = (uint8_t)(lo >> 8);
	mac[2] = (uint8_t)(lo >> 16);
	mac[3] = (uint8_t)(lo >> 24);
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	wr(e, E1000_RAL0, lo);
	wr(e, E1000_RAH0, (hi & 0xffff) | RAH_AV);
	return 0;
}

int e1000_open(const struct pci_fn *spec, struct net_dev *out, char *err, size_t errlen)
{
	struct e1000 *e = &e1k;
	struct pci_bar bar;
	struct pci_dev pd;
	uint32_t ctrl;
	int r;

	r = pci_find(spec->seg, spec->bus, spec->dev, spec->fn, &pd);
	if (r != 0) {
		return errf(err, errlen, "no e1000 at %04x:%02x:%02x.%x: %s", spec->seg, spec->bus,
			    spec->dev, spec->fn,
			    r == -2 ? "PCI segments other than 0000 are not supported yet" :
			    "no PCI device there");
	}
	if (!is_e1000(&pd)) {
		return errf(err, errlen, "no e1000 at %s: found %04x:%04x (%s)", pd.name, pd.vendor,
			    pd.device, pci_describe(&pd));
	}
	memset(e, 0, sizeof(*e));
	e->pci = pd;
	pci_quiesce(&pd);
	if (pci_bar(&pd, 0, &bar) != 0 || bar.io || bar.base == 0 || bar.size < 0x10000) {
		return errf(err, errlen, "e1000 %s: BAR0 is not an assigned 128 KiB memory BAR", pd.name);
	}
	e->regs = mmio_map(bar.base, bar.size);
	if (!e->regs) {
		return errf(err, errlen, "e1000 %s: cannot map BAR0", pd.name);
	}
	/* Receive needs bus mastering on QEMU; it is safe now that the
	 * interrupts are off and we stop the rings first. */
	pci_enable(&pd);

	/* Stop the old kernel's rings, then reset the MAC. */
	wr(e, E1000_IMC, 0xffffffff);
	wr(e, E1000_RCTL, 0);
	wr(e, E1000_TCTL, TCTL_PSP);
	(void)rd(e, E1000_STATUS);
	udelay(10000);
	wr(e, E1000_CTRL, rd(e, E1000_CTRL) | CTRL_RST);
	udelay(5000);
	if (WAIT_FOR(!(rd(e, E1000_CTRL) & CTRL_RST), RESET_TIMEOUT_US) != 0) {
		return errf(err, errlen, "e1000 %s: reset did not complete", pd.name);
	}
	wr(e, E1000_IMC, 0xffffffff);
	(void)rd(e, E1000_ICR);
	/* Idle now: let it reach our memory if an IOMMU translates it. */
	if (iommu_open_device(&pd, err, errlen) != 0)
		return -1;

	ctrl = rd(e, E1000_CTRL);
	ctrl |= CTRL_SLU | CTRL_ASDE;
	ctrl &= ~(CTRL_LRST | CTRL_PHY_RST | CTRL_ILOS | CTRL_VME);
	wr(e, E1000_CTRL, ctrl);
	for (unsigned i = 0; i < 128; i++)
		wr(e, E1000_MTA + 4 * i, 0);
	if (read_mac(e, out->mac) != 0) {
		return errf(err, errlen, "e1000 %s: EEPROM read timed out (no MAC)", pd.name);
	}

	e->tx = dma_alloc(E1000_NTX * sizeof(struct e1000_txd), 128);
	e->rx = dma_alloc(E1000_NRX * sizeof(struct e1000_rxd), 128);
	e->txbuf = dma_alloc((size_t)E1000_NTX * E1000_BUF, 4096);
	e->rxbuf = dma_alloc((size_t)E1000_NRX * E1000_BUF, 4096);
	if (!e->tx || !e->rx || !e->txbuf || !e->rxbuf) {
		return errf(err, errlen, "e1000 %s: out of DMA memory for its rings", pd.name);
	}

	/* TX ring: all ours and empty. */
	wr(e, E1000_TDBAL, (uint32_t)virt_to_phys((const void *)e->tx));
	wr(e, E1000_TDBAH, (uint32_t)(virt_to_phys((const void *)e->tx) >> 32));
	wr(e, E1000_TDLEN, E1000_NTX * sizeof(struct e1000_txd));
	wr(e, E1000_TDH, 0);
	wr(e, E1000_TDT, 0);
	wr(e, E1000_TIPG, TIPG_COPPER);
	wr(e, E1000_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);

	/* RX ring: every descriptor but one owned by the card. */
	for (unsigned i = 0; i < E1000_NRX; i++)
		e->rx[i].addr = virt_to_phys(e->rxbuf + (size_t)i * E1000_BUF);
	wr(e, E1000_RDBAL, (uint32_t)virt_to_phys((const void *)e->rx));
	wr(e, E1000_RDBAH, (uint32_t)(virt_to_phys((const void *)e->rx) >> 32));
	wr(e, E1000_RDLEN, E1000_NRX * sizeof(struct e1000_rxd));
	wr(e, E1000_RDH, 0);
	wr(e, E1000_RDT, E1000_NRX - 1);
	wmb();
	wr(e, E1000_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);	/* BSIZE 00: 2048 */

	out->ops = &e1000_ops;
	out->priv = e;
	snprintf(out->name, sizeof(out->name), "e1000 %s", pd.name);
	/* Real copper takes seconds to negotiate; QEMU is up at once. */
	if (WAIT_FOR(rd(e, E1000_STATUS) & STATUS_LU, LINK_TIMEOUT_US) != 0)
		port_log("%s: link still down after %u s; trying anyway\n", out->name,
			 LINK_TIMEOUT_US / 1000000);
	port_log("%s: MAC %02x:%02x:%02x:%02x:%02x:%02x, rings %u/%u, link %s\n", out->name,
		 out->mac[0], out->mac[1], out->mac[2], out->mac[3], out->mac[4], out->mac[5],
		 E1000_NRX, E1000_NTX, e1000_link_up(out) ? "up" : "down");
	return 0;
}
