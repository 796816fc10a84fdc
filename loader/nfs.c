/*
 * nfs target resolution (see nfs.h).
 *
 * /proc/net/route, one line per route, addresses in hex as the kernel stores
 * them (network byte order read as a native integer):
 *	Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
 *	eth0  0002000A    00000000 0001 0 0 0 00FFFFFF 0 0 0
 * /proc/net/fib_trie lists each local address as "|-- A.B.C.D" followed by a
 * "/32 host LOCAL" line.
 * /sys/class/net/IFACE/address is the MAC; /sys/class/net/IFACE/device leads
 * to the PCI function (through a virtioN device for virtio-net).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/nfs.h"
#include "capture/cmdline_schema.h"
#include "capture/fmt.h"
#include "loader/sysroot.h"

#define RTF_UP		0x0001
#define RTF_GATEWAY	0x0002

static char *ip_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
	return buf;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

/* The first IPv4 address /etc/hosts gives name. */
static int hosts_lookup(const char *name, uint32_t *ip)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	size_t len;
	int r = -1;

	if (sysroot_path(path, sizeof(path), "/etc/hosts") < 0 ||
	    !(text = read_whole_file(path, &len)))
		return -1;
	for (line = strtok_r(text, "\n", &save); line && r < 0; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *w, *s2 = NULL;
		uint32_t a;

		if (hash)
			*hash = 0;
		w = strtok_r(line, " \t", &s2);
		if (!w || parse_ip(w, &a) < 0)
			continue;
		while ((w = strtok_r(NULL, " \t", &s2)))
			if (strcasecmp(w, name) == 0) {
				*ip = a;
				r = 0;
				break;
			}
	}
	free(text);
	return r;
}

int nfs_parse_spec(const char *spec, uint32_t *server, char *export, size_t exportlen,
		   char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	char host[256];

	if (!colon || colon == spec || colon[1] != '/')
		return errf(err, errlen, "nfs '%s': expected SERVER:/EXPORT", spec);
	if ((size_t)(colon - spec) >= sizeof(host) || strlen(colon + 1) >= exportlen)
		return errf(err, errlen, "nfs '%s': too long", spec);
	memcpy(host, spec, colon - spec);
	host[colon - spec] = 0;
	strcpy(export, colon + 1);
	if (parse_ip(host, server) == 0 || hosts_lookup(host, server) == 0)
		return 0;
	return errf(err, errlen, "nfs server '%s': not an IPv4 address and not in /etc/hosts "
			 "(the loader is static and cannot use DNS; give the address)", host);
}

struct route {
	char iface[32];
	uint32_t dest, gw, mask;	/* host order */
	unsigned flags, metric;
};

static int read_routes(struct route *r, int max, char *err, size_t errlen)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	size_t len;
	int n = 0, first = 1;

	if (sysroot_path(path, sizeof(path), "/proc/net/route") < 0 ||
	    !(text = read_whole_file(path, &len)))
		return errf(err, errlen, "cannot read /proc/net/route: %s", strerror(errno));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned dest, gw, flags, metric, mask, refcnt, use;
		char iface[32];

		if (first) {	/* header */
			first = 0;
			continue;
		}
		if (n == max)
			break;
		if (sscanf(line, "%31s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt,
			   &use, &metric, &mask) != 8)
			continue;
		/* The kernel prints the network-order word as a native integer. */
		snprintf(r[n].iface, sizeof(r[n].iface), "%s", iface);
		r[n].dest = ntohl(dest);
		r[n].gw = ntohl(gw);
		r[n].mask = ntohl(mask);
		r[n].flags = flags;
		r[n].metric = metric;
		n++;
	}
	free(text);
	return n;
}

static int prefix_len(uint32_t mask)
{
	int n = 0;

	while (n < 32 && (mask << n) & 0x80000000u)
		n++;
	return n;
}

/* Local IPv4 addresses from /proc/net/fib_trie. */
static int local_addrs(uint32_t *out, int max)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	uint32_t last = 0;
	int have_last = 0, n = 0;
	size_t len;

	if (sysroot_path(path, sizeof(path), "/proc/net/fib_trie") < 0 ||
	    !(text = read_whole_file(path, &len)))
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "|-- ");
		uint32_t a;

		if (p) {
			have_last = parse_ip(p + 4, &a) == 0;
			last = a;
		} else if (have_last && strstr(line, "/32 host LOCAL")) {
			int dup = 0;

			for (int i = 0; i < n; i++)
				dup |= out[i] == last;
			if (!dup && n < max)
				out[n++] = last;
			have_last = 0;
		}
	}
	free(text);
	return n;
}

/* "0000:00:03.0" */
static int is_bdf(const char *s, size_t len)
{
	if (len != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.' || s[11] < '0' || s[11] > '7')
		return 0;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The card behind the interface: driver kind, PCI function, MAC. */
static int nic_facts(struct net_info *ni, char *err, size_t errlen)
{
	char path[PATH_MAX], real[PATH_MAX], buf[64], *p, *last = NULL, *base;
	unsigned m[6];
	long len;

	if (sysroot_path(path, sizeof(path), "/sys/class/net/%s/address", ni->ifname) < 0 ||
	    read_small_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return errf(err, errlen, "%s: cannot read its MAC address from sysfs", ni->ifname);
	for (int i = 0; i < 6; i++)
		ni->mac[i] = (uint8_t)m[i];

	if (sysroot_path(path, sizeof(path), "/sys/class/net/%s/device", ni->ifname) < 0 ||
	    !realpath(path, real))
		return errf(err, errlen, "%s is not a PCI network card (no sysfs device link): "
				 "dumpling can dump over e1000 and virtio-net cards", ni->ifname);
	for (p = real; (p = strchr(p, '/')); p++) {
		char *e = strchr(p + 1, '/');
		size_t l = e ? (size_t)(e - p - 1) : strlen(p + 1);

		if (is_bdf(p + 1, l))
			last = p + 1;
	}
	if (!last)
		return errf(err, errlen, "%s: no PCI function above %s", ni->ifname, real);
	snprintf(ni->pci, sizeof(ni->pci), "%.12s", last);

	base = strrchr(real, '/') + 1;
	if (strncmp(base, "virtio", 6) == 0 && isdigit((unsigned char)base[6])) {
		strcpy(ni->driver, "virtio-net");
		return 0;
	}
	/* The Linux driver bound to the function names the family. */
	if (sysroot_path(path, sizeof(path), "/sys/class/net/%s/device/driver", ni->ifname) == 0 &&
	    (len = readlink(path, buf, sizeof(buf) - 1)) > 0) {
		buf[len] = 0;
		base = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
		if (strcmp(base, "e1000") == 0) {
			strcpy(ni->driver, "e1000");
			return 0;
		}
		return errf(err, errlen, "%s (%s, driver %s): dumpling has drivers for e1000 "
				 "and virtio-net cards only", ni->ifname, ni->pci, base);
	}
	return errf(err, errlen, "%s (%s): cannot tell which driver it needs", ni->ifname,
			 ni->pci);
}

int nfs_resolve(const struct loader_config *c, struct net_info *ni, char *err, size_t errlen)
{
	struct route r[256];
	uint32_t addrs[64];
	const struct route *best = NULL, *link = NULL;
	char a[16], b[16];
	int n, na;

	memset(ni, 0, sizeof(*ni));
	if (nfs_parse_spec(c->nfs, &ni->server, ni->export, sizeof(ni->export), err, errlen) < 0)
		return -1;
	n = read_routes(r, 256, err, errlen);
	if (n < 0)
		return -1;
	/* Longest prefix, then lowest metric, among routes that are up. */
	for (int i = 0; i < n; i++) {
		if (!(r[i].flags & RTF_UP) || (ni->server & r[i].mask) != r[i].dest)
			continue;
		if (!best || prefix_len(r[i].mask) > prefix_len(best->mask) ||
		    (r[i].mask == best->mask && r[i].metric < best->metric))
			best = &r[i];
	}
	if (!best)
		return errf(err, errlen, "no route to the nfs server %s",
				 ip_str(ni->server, a));
	snprintf(ni->ifname, sizeof(ni->ifname), "%s", best->iface);
	if (strcmp(ni->ifname, "lo") == 0)
		return errf(err, errlen, "the nfs server %s is this machine",
				 ip_str(ni->server, a));
	if (best->flags & RTF_GATEWAY)
		ni->gw = best->gw;

	/* Our address: a local one inside a directly connected network of
	 * this interface (the one holding the gateway, if there is one). */
	na = local_addrs(addrs, 64);
	if (na < 0)
		return errf(err, errlen, "cannot read /proc/net/fib_trie: %s", strerror(errno));
	for (int i = 0; i < n && !ni->ip; i++) {
		if (strcmp(r[i].iface, ni->ifname) || (r[i].flags & RTF_GATEWAY) ||
		    !(r[i].flags & RTF_UP) || r[i].mask == 0)
			continue;
		if (ni->gw && (ni->gw & r[i].mask) != r[i].dest)
			continue;
		for (int j = 0; j < na; j++)
			if ((addrs[j] & r[i].mask) == r[i].dest) {
				ni->ip = addrs[j];
				ni->netmask = r[i].mask;
				link = &r[i];
				break;
			}
	}
	if (!link)
		return errf(err, errlen, "%s routes to %s but has no IPv4 address on a "
				 "connected network%s%s", ni->ifname, ip_str(ni->server, a),
				 ni->gw ? " with the gateway " : "", ni->gw ? ip_str(ni->gw, b) : "");
	return nic_facts(ni, err, errlen);
}

int nfs_capture_config(const struct loader_config *c, const struct net_info *ni,
		       struct capture_config *out, char *err, size_t errlen)
{
	char nic[64];
	struct span name = { "nic", 3 };

	loader_capture_settings(c, out);
	/* The schema reads the driver and PCI function the way the image will. */
	snprintf(nic, sizeof(nic), "%s@%s", ni->driver, ni->pci);
	if (cmdline_option_parse(cmdline_option_find(name), (struct span){ nic, strlen(nic) },
				 out) < 0)
		return errf(err, errlen, "%s: the image has no driver for %s %s", ni->ifname,
			    ni->driver, ni->pci);
	out->have_mac = 1;
	memcpy(out->mac, ni->mac, sizeof(out->mac));
	out->ip = ni->ip;
	out->netmask = ni->netmask;
	out->gateway = ni->gw;
	out->nfs_server = ni->server;
	snprintf(out->nfs_export, sizeof(out->nfs_export), "%s", ni->export);
	out->host_ip = ni->ip;		/* the <ip> of <ip>-<date> */
	return 0;
}

int nfs_cmdline(const struct loader_config *c, const struct net_info *ni, char *buf, size_t n)
{
	struct capture_config cc;
	char err[256];

	if (nfs_capture_config(c, ni, &cc, err, sizeof(err)) < 0)
		return -1;
	return cmdline_write(&cc, buf, n, err, sizeof(err));
}

void nfs_describe(const struct loader_config *c, const struct net_info *ni, char *buf, size_t n)
{
	char srv[16];

	snprintf(buf, n, "nfs %s:%s%s via %s (%s %s)", ip_str(ni->server, srv), ni->export,
		 c->path[0] ? c->path : DEFAULT_DUMP_PATH, ni->ifname, ni->driver, ni->pci);
}
