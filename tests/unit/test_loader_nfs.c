/*
 * nfs target resolution in the loader (loader/nfs.c) against a fake /proc and
 * /sys (DUMPLING_SYSROOT): route choice, on-link and gateway cases, the local
 * address from fib_trie, MAC, PCI function and driver from sysfs, /etc/hosts,
 * the config directives, and the command line read back by the image's parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/config.h"
#include "loader/config.h"
#include "loader/nfs.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-netfs-XXXXXX";
static char err[1024];

static void mkdirs(const char *dir)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, dir);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static void put(const char *file, const char *text)
{
	char p[1024], d[1024];
	FILE *f;

	snprintf(d, sizeof(d), "%s", file);
	*strrchr(d, '/') = 0;
	mkdirs(d);
	snprintf(p, sizeof(p), "%s/%s", root, file);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *target, const char *name)
{
	char p[1024], d[1024];

	snprintf(d, sizeof(d), "%s", name);
	*strrchr(d, '/') = 0;
	mkdirs(d);
	snprintf(p, sizeof(p), "%s/%s", root, name);
	unlink(p);
	if (symlink(target, p) < 0) {
		perror(p);
		exit(1);
	}
}

#define ROUTE_HDR "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

/* eth0: virtio-net 10.0.2.15/24, default via 10.0.2.2.
 * ens5: e1000 192.168.7.20/23, and 172.16.0.0/12 via 192.168.7.1. */
static void build_tree(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	put("proc/net/route", ROUTE_HDR
	    "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	    "eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
	    "ens5\t0006A8C0\t00000000\t0001\t0\t0\t0\t00FEFFFF\t0\t0\t0\n"
	    "ens5\t000010AC\t0107A8C0\t0003\t0\t0\t0\t0000F0FF\t0\t0\t0\n"
	    "ens5\t000011AC\t00000000\t0000\t0\t0\t0\t0000FFFF\t0\t0\t0\n");	/* down */
	put("proc/net/fib_trie",
	    "Main:\n"
	    "  +-- 0.0.0.0/0 3 0 5\n"
	    "     |-- 0.0.0.0\n"
	    "        /0 universe UNICAST\n"
	    "     +-- 10.0.2.0/24 2 0 2\n"
	    "        |-- 10.0.2.0\n"
	    "           /24 link UNICAST\n"
	    "        |-- 10.0.2.15\n"
	    "           /32 host LOCAL\n"
	    "     |-- 127.0.0.1\n"
	    "        /32 host LOCAL\n"
	    "     |-- 192.168.7.20\n"
	    "        /32 host LOCAL\n"
	    "Local:\n"
	    "     |-- 10.0.2.15\n"
	    "        /32 host LOCAL\n");
	put("sys/devices/pci0000:00/0000:00:04.0/virtio1/net/eth0/address", "52:54:00:12:34:56\n");
	link_to("../../devices/pci0000:00/0000:00:04.0/virtio1/net/eth0", "sys/class/net/eth0");
	link_to("../../../virtio1", "sys/devices/pci0000:00/0000:00:04.0/virtio1/net/eth0/device");
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/net/ens5/address", "00:1b:21:aa:bb:cc\n");
	link_to("../../devices/pci0000:00/0000:00:1c.0/0000:02:00.0/net/ens5", "sys/class/net/ens5");
	link_to("../../../0000:02:00.0", "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/net/ens5/device");
	mkdirs("sys/bus/pci/drivers/e1000");
	link_to("../../../../bus/pci/drivers/e1000", "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/driver");
	put("etc/hosts", "127.0.0.1 localhost\n# 10.9.9.9 dumps\n10.0.2.2\tnfshost nfshost.example  # the server\n");
	setenv("DUMPLING_SYSROOT", root, 1);
}

static int resolve(const char *spec, struct net_info *ni)
{
	struct loader_config c;

	loader_config_defaults(&c);
	snprintf(c.nfs, sizeof(c.nfs), "%s", spec);
	return nfs_resolve(&c, ni, err, sizeof(err));
}

static void test_onlink_virtio(void)
{
	struct net_info ni;

	CHECK(resolve("10.0.2.2:/srv/dumps", &ni) == 0);
	CHECK_STR(ni.ifname, "eth0");
	CHECK_STR(ni.driver, "virtio-net");
	CHECK_STR(ni.pci, "0000:00:04.0");
	CHECK_STR(ni.export, "/srv/dumps");
	CHECK_EQ_U64(ni.server, 0x0a000202);
	CHECK_EQ_U64(ni.ip, 0x0a00020f);
	CHECK_EQ_U64(ni.netmask, 0xffffff00);
	CHECK_EQ_U64(ni.gw, 0);			/* on-link: the /24 beats the default */
	CHECK(memcmp(ni.mac, "\x52\x54\x00\x12\x34\x56", 6) == 0);
	/* by name through /etc/hosts */
	CHECK(resolve("nfshost.example:/x", &ni) == 0);
	CHECK_EQ_U64(ni.server, 0x0a000202);
}

static void test_gateway_e1000(void)
{
	struct net_info ni;

	/* Off-link through the default route: eth0, gateway 10.0.2.2. */
	CHECK(resolve("8.8.4.4:/e", &ni) == 0);
	CHECK_STR(ni.ifname, "eth0");
	CHECK_EQ_U64(ni.gw, 0x0a000202);
	CHECK_EQ_U64(ni.ip, 0x0a00020f);
	/* 172.16/12 via 192.168.7.1 on the e1000 card; the down route for
	 * 172.17/16 is ignored. */
	CHECK(resolve("172.17.1.1:/e", &ni) == 0);
	CHECK_STR(ni.ifname, "ens5");
	CHECK_STR(ni.driver, "e1000");
	CHECK_STR(ni.pci, "0000:02:00.0");
	CHECK_EQ_U64(ni.gw, 0xc0a80701);
	CHECK_EQ_U64(ni.ip, 0xc0a80714);
	CHECK_EQ_U64(ni.netmask, 0xfffffe00);
	CHECK(memcmp(ni.mac, "\x00\x1b\x21\xaa\xbb\xcc", 6) == 0);
}

static void test_errors(void)
{
	struct net_info ni;

	CHECK(resolve("10.0.2.2", &ni) == -1);
	CHECK(strstr(err, "SERVER:/EXPORT") != NULL);
	CHECK(resolve("nosuchhost:/x", &ni) == -1);
	CHECK(strstr(err, "/etc/hosts") != NULL);
	CHECK(resolve("dumps:/x", &ni) == -1);		/* commented out in hosts */
	/* No default route: nothing reaches 8.8.4.4. */
	put("proc/net/route", ROUTE_HDR
	    "eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");
	CHECK(resolve("8.8.4.4:/e", &ni) == -1);
	CHECK(strstr(err, "no route") != NULL);
	/* The interface has no address on that network. */
	put("proc/net/fib_trie", "Local:\n     |-- 127.0.0.1\n        /32 host LOCAL\n");
	CHECK(resolve("10.0.2.2:/e", &ni) == -1);
	CHECK(strstr(err, "no IPv4 address") != NULL);
	/* A card without a PCI device (a bridge, a tunnel). */
	put("proc/net/route", ROUTE_HDR "br0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
	put("proc/net/fib_trie", "Local:\n     |-- 10.0.2.9\n        /32 host LOCAL\n");
	put("sys/devices/virtual/net/br0/address", "02:00:00:00:00:01\n");
	link_to("../../devices/virtual/net/br0", "sys/class/net/br0");
	CHECK(resolve("10.0.2.2:/e", &ni) == -1);
	CHECK(strstr(err, "not a PCI network card") != NULL);
}

static void test_config_and_cmdline(void)
{
	struct loader_config c;
	struct capture_config cc;
	struct net_info ni;
	char line[2048];

	CHECK(config_parse_text("nfs 10.0.2.2:/srv/dumps\npath /var/crash\ndumpling_timeout 30\n"
				"core_collector makedumpfile -d 31\nfailure_action halt\n",
				"t.conf", &c, err, sizeof(err)) == 0);
	CHECK(c.target == TARGET_NFS);
	CHECK_STR(c.nfs, "10.0.2.2:/srv/dumps");
	CHECK_STR(c.path, "/var/crash");
	CHECK_EQ_U64(c.timeout_s, 30);

	memset(&ni, 0, sizeof(ni));
	ni.server = 0x0a000202;
	strcpy(ni.export, "/srv/dumps");
	strcpy(ni.driver, "e1000");
	strcpy(ni.pci, "0000:00:03.0");
	memcpy(ni.mac, "\x52\x54\x00\xab\xcd\xef", 6);
	ni.ip = 0xc0a80714;
	ni.netmask = 0xfffffe00;
	ni.gw = 0xc0a80701;
	CHECK(nfs_cmdline(&c, &ni, line, sizeof(line)) > 0);
	/* The image's own parser reads it back. */
	config_defaults(&cc);
	CHECK(cmdline_parse(line, &cc, err, sizeof(err)) == 0);
	CHECK(cc.target == TARGET_NFS);
	CHECK(cc.have_nic);
	CHECK(cc.nic.kind == PCI_FN_E1000);
	CHECK_EQ_U64(cc.nic.dev, 3);
	CHECK(cc.have_mac && memcmp(cc.mac, ni.mac, 6) == 0);
	CHECK_EQ_U64(cc.ip, 0xc0a80714);
	CHECK_EQ_U64(cc.netmask, 0xfffffe00);
	CHECK_EQ_U64(cc.gateway, 0xc0a80701);
	CHECK_EQ_U64(cc.nfs_server, 0x0a000202);
	CHECK_STR(cc.nfs_export, "/srv/dumps");
	CHECK_STR(cc.path, "/var/crash");
	CHECK_EQ_U64(cc.timeout_s, 30);
	CHECK_EQ_U64(cc.dump_level, 31);
	CHECK(cc.failure_action == ACTION_HALT);
	CHECK(nfs_cmdline(&c, &ni, line, 40) == -1);

	CHECK(config_parse_text("nfs 10.0.2.2\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("nfs h:/x\npath var/crash\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("nfs h:/x\npath /a/../b\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("nfs h:/x\npath /a/..\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("nfs h:/x\npath /a/..b\n", "t.conf", &c, err, sizeof(err)) == 0);
	CHECK(config_parse_text("nfs h:/x\ndumpling_timeout 0\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("nfs h:/x\ndumpling_timeout 2m\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("raw /dev/vdb\npath /var/crash\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(config_parse_text("raw /dev/vdb\nnfs h:/x\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "second target") != NULL);
}

int main(void)
{
	char cmd[128];

	build_tree();
	test_onlink_virtio();
	test_gateway_e1000();
	test_config_and_cmdline();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return test_summary("loader_nfs");
}
