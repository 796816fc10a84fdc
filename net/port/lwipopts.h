/*
 * lwIP configuration for the capture image: no OS (NO_SYS), raw API only,
 * IPv4 with ARP, ICMP, UDP and TCP, one Ethernet interface, software
 * checksums. All memory is lwIP's own static pools and heap, so it lives in
 * the image's .bss, inside the crash reservation. Sized for one NFS client
 * that mostly sends: a full 64 KiB send buffer, a modest receive window.
 */
#ifndef DUMPLING_LWIPOPTS_H
#define DUMPLING_LWIPOPTS_H

#define NO_SYS				1
#define LWIP_SOCKET			0
#define LWIP_NETCONN			0
#define LWIP_NETIF_API			0
#define SYS_LIGHTWEIGHT_PROT		0
#define LWIP_TIMERS			1

#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
#define LWIP_ICMP			1
#define LWIP_UDP			1
#define LWIP_TCP			1
#define LWIP_RAW			0
#define LWIP_DNS			0
#define LWIP_IGMP			0
#define LWIP_DHCP			0
#define LWIP_AUTOIP			0
#define LWIP_STATS			0
#define LWIP_SINGLE_NETIF		1
#define IP_REASSEMBLY			1
#define IP_FRAG				0	/* we never send more than the MTU */

/* Memory: a heap for TX segments (tcp_write copies into it) and pools. */
#define MEM_ALIGNMENT			8
#define MEM_SIZE			(512 * 1024)
/* The heap, and the pools carved from it, come from the image's DMA arena
 * when the NFS target starts (net/stack.c), not from static memory that
 * every dump would pay for. */
#define MEMP_MEM_MALLOC			1
extern unsigned char *lwip_heap;
#define LWIP_RAM_HEAP_POINTER		lwip_heap
#define MEMP_NUM_PBUF			32
#define MEMP_NUM_TCP_PCB		8	/* reconnects leave TIME_WAIT pcbs */
#define MEMP_NUM_TCP_PCB_LISTEN		1
#define MEMP_NUM_UDP_PCB		2
#define MEMP_NUM_ARP_QUEUE		16
#define PBUF_POOL_SIZE			96

#define TCP_MSS				1460
#define TCP_WND				(16 * TCP_MSS)
/* Window scaling only for a send buffer above 64 KiB: a 64 KiB WRITE alone
 * filled the old one, so several WRITEs in flight (net/nfs_sink.h) could not
 * be on the wire together. It comes from the heap above, as before. */
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			0
#define TCP_SND_BUF			(88 * TCP_MSS)
#define TCP_SND_QUEUELEN		(2 * TCP_SND_BUF / TCP_MSS + 8)
#define MEMP_NUM_TCP_SEG		(TCP_SND_QUEUELEN + 16)
#define TCP_SNDLOWAT			(32 * TCP_MSS)	/* a u16 in lwIP */
#define TCP_QUEUE_OOSEQ			1
#define LWIP_TCP_KEEPALIVE		0
#define TCP_MAXRTX			8
#define TCP_SYNMAXRTX			4

#define CHECKSUM_GEN_IP			1
#define CHECKSUM_GEN_TCP		1
#define CHECKSUM_GEN_UDP		1
#define CHECKSUM_GEN_ICMP		1
#define CHECKSUM_CHECK_IP		1
#define CHECKSUM_CHECK_TCP		1
#define CHECKSUM_CHECK_UDP		1
#define CHECKSUM_CHECK_ICMP		1

#define LWIP_NETIF_LINK_CALLBACK	0
#define LWIP_NETIF_STATUS_CALLBACK	0

/* A random initial sequence number per connection (from the TSC): a
 * reconnect from the same port must not look like the old connection. */
unsigned int lwip_port_rand(void);
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) ((u32_t)lwip_port_rand())

#endif
