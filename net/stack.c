/*
 * lwIP glue: one netif on one net_dev, fed by polling (NO_SYS raw API, as in
 * lwIP's doc/NO_SYS_SampleCode.c). Received frames go up through
 * netif->input; frames to send come down through linkoutput, which copies
 * them into the card's ring.
 */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "drivers/dma.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "net/stack.h"
#include "netif/ethernet.h"
#include "capture/fmt.h"

#define TX_RETRY_US	200000	/* a full TX ring drains in microseconds */
#define RX_PER_POLL	32

static struct netif nif;
static struct net_dev *ndev;
static uint8_t frame[NET_MAX_FRAME];
static int started;
unsigned char *lwip_heap;	/* LWIP_RAM_HEAP_POINTER, see lwipopts.h */

uint64_t net_now_ms(void)
{
	return port_now_ns() / 1000000;
}

char *ip4_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
	return buf;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
	static uint8_t out[NET_MAX_FRAME];
	uint16_t len = p->tot_len;

	if (len > sizeof(out))
		return ERR_IF;
	pbuf_copy_partial(p, out, len, 0);
	/* lwIP frees p on return; a full ring empties as the card sends. */
	uint64_t deadline = port_now_ns() + (uint64_t)TX_RETRY_US * 1000;

	while (ndev->ops->send(ndev, out, len) != 0)
		if (port_now_ns() > deadline)
			return ERR_IF;
	return ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, ndev->mac, 6);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = link_output;
	n->name[0] = 'e';
	n->name[1] = 'n';
	return ERR_OK;
}

int net_stack_start(struct net_dev *dev, uint32_t ip, uint32_t netmask, uint32_t gw,
		    char *err, size_t errlen)
{
	ip4_addr_t a, m, g;

	if (started) {
		return errf(err, errlen, "network stack already started");
	}
	ndev = dev;
	/* mem.c wants MEM_SIZE plus two of its block headers; a page covers them. */
	lwip_heap = dma_alloc(MEM_SIZE + 4096, 4096);
	if (!lwip_heap) {
		return errf(err, errlen, "out of memory for the network stack (%u KiB)",
			    (unsigned)(MEM_SIZE >> 10));
	}
	lwip_init();
	ip4_addr_set_u32(&a, lwip_htonl(ip));
	ip4_addr_set_u32(&m, lwip_htonl(netmask));
	ip4_addr_set_u32(&g, lwip_htonl(gw));
	if (!netif_add(&nif, &a, &m, &g, NULL, netif_setup, ethernet_input)) {
		return errf(err, errlen, "lwIP refused the interface");
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	/* ip4_route skips an interface whose link is down. */
	netif_set_link_up(&nif);
	started = 1;
	return 0;
}

void net_poll(void)
{
	for (int i = 0; i < RX_PER_POLL; i++) {
		size_t len = ndev->ops->recv(ndev, frame, sizeof(frame));
		struct pbuf *p;

		if (!len)
			break;
		p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
		if (!p)
			break;		/* pool full: TCP retransmits */
		pbuf_take(p, frame, (u16_t)len);
		if (nif.input(p, &nif) != ERR_OK)
			pbuf_free(p);
	}
	sys_check_timeouts();
}
