/*
 * The nfs target, loader side: from `nfs SERVER:/EXPORT` to what the capture
 * image needs to reach the server without Linux. Which interface routes to
 * the server (/proc/net/route), its address (/proc/net/fib_trie), MAC and
 * PCI function and driver (sysfs), and the gateway when the server is not on
 * the interface's network. All of it is read from files, under
 * DUMPLING_SYSROOT in the tests.
 *
 * The server must be an IPv4 address or a name in /etc/hosts: the loader is
 * a static program, and static glibc cannot use NSS (DNS) resolvers.
 */
#ifndef LOADER_NFS_H
#define LOADER_NFS_H

#include <stddef.h>
#include <stdint.h>

#include "loader/config.h"

struct net_info {
	uint32_t server;		/* IPv4, host byte order */
	char export[256];
	char ifname[32];
	char driver[16];		/* "virtio-net", "e1000" */
	char pci[16];			/* "0000:00:03.0" */
	uint8_t mac[6];
	uint32_t ip, netmask, gw;	/* gw 0: on-link */
};

/* Splits "SERVER:/EXPORT" and resolves SERVER. Returns 0, or -1 with err. */
int nfs_parse_spec(const char *spec, uint32_t *server, char *export, size_t exportlen,
		   char *err, size_t errlen);

/* Everything above, for c->nfs. Returns 0, or -1 with err. */
int nfs_resolve(const struct loader_config *c, struct net_info *ni, char *err, size_t errlen);

/* The config's settings and the network facts, as the image will read
 * them. Returns 0, or -1 with err. */
int nfs_capture_config(const struct loader_config *c, const struct net_info *ni,
		       struct capture_config *out, char *err, size_t errlen);

/* nfs_capture_config() written as the command line (docs/cmdline.md), with
 * the image's default console. Returns its length, or -1 if buf is too small
 * or a value cannot be written. */
int nfs_cmdline(const struct loader_config *c, const struct net_info *ni, char *buf, size_t n);

/* "nfs 10.0.2.2:/srv/dumps/var/crash via eth0 (virtio-net 0000:00:03.0)" */
void nfs_describe(const struct loader_config *c, const struct net_info *ni, char *buf, size_t n);

#endif
