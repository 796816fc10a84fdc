/* The command-line options of the ext4, NFS and partition-check targets. */
#include <stdint.h>
#include <string.h>

#include "capture/config.h"
#include "tests/unit/test.h"

static int parse(const char *line, struct capture_config *c)
{
	char err[256];

	config_defaults(c);
	return cmdline_parse(line, c, err, sizeof(err));
}

static void test_defaults(void)
{
	struct capture_config c;

	CHECK(parse("", &c) == 0);
	CHECK_STR(c.path, "/var/crash");
	CHECK_EQ_U64(c.host_ip, 0x7f000001);
	CHECK(c.timeout_s == 0 && !c.have_nic && !c.have_partuuid && !c.have_mbr);
}

static void test_targets(void)
{
	struct capture_config c;

	CHECK(parse("dumpling.target=ext4", &c) == 0 && c.target == TARGET_EXT4);
	CHECK(parse("dumpling.target=nfs", &c) == 0 && c.target == TARGET_NFS);
	CHECK(parse("dumpling.target=raw", &c) == 0 && c.target == TARGET_RAW);
	CHECK(parse("dumpling.target=ssh", &c) == -1);
}

static void test_partition_identity(void)
{
	static const uint8_t want[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
					  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	struct capture_config c;

	CHECK(parse("dumpling.partuuid=12345678-9abc-DEF0-0123-456789abcdef", &c) == 0);
	CHECK(c.have_partuuid && memcmp(c.partuuid, want, 16) == 0);
	CHECK(parse("dumpling.partuuid=12345678-9abc-def0-0123-456789abcde", &c) == -1);
	CHECK(parse("dumpling.partuuid=12345678-9abc-def0-0123-456789abcdef0", &c) == -1);
	CHECK(parse("dumpling.partuuid=123456789abcdef00123456789abcdef", &c) == -1);
	CHECK(parse("dumpling.partuuid=1234567g-9abc-def0-0123-456789abcdef", &c) == -1);

	CHECK(parse("dumpling.mbr=1a2b3c4d-2", &c) == 0);
	CHECK(c.have_mbr && c.mbr_signature == 0x1a2b3c4d && c.mbr_partno == 2);
	CHECK(parse("dumpling.mbr=1a2b3c4d-0", &c) == -1);
	CHECK(parse("dumpling.mbr=1a2b3c4d", &c) == -1);
	CHECK(parse("dumpling.mbr=11a2b3c4d-1", &c) == -1);
}

static void test_paths(void)
{
	struct capture_config c;
	char line[600];

	CHECK(parse("dumpling.path=/srv/dumps", &c) == 0);
	CHECK_STR(c.path, "/srv/dumps");
	CHECK(parse("dumpling.path=\"/srv/my dumps\"", &c) == 0);
	CHECK_STR(c.path, "/srv/my dumps");
	CHECK(parse("dumpling.path=relative", &c) == -1);
	memset(line, 0, sizeof(line));
	strcpy(line, "dumpling.path=/");
	memset(line + strlen(line), 'a', 300);
	CHECK(parse(line, &c) == -1);
}

static void test_network(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct capture_config c;

	CHECK(parse("dumpling.nic=e1000@0000:00:03.0 dumpling.mac=52:54:00:12:34:56 "
		    "dumpling.ip=10.0.2.15/24 dumpling.gw=10.0.2.2 "
		    "dumpling.nfs=10.0.2.2:/srv/nfs dumpling.nfs_ports=20048,2049 "
		    "dumpling.hostip=10.0.2.15 dumpling.timeout=90", &c) == 0);
	CHECK(c.have_nic && c.nic.kind == PCI_FN_E1000 && c.nic.dev == 3);
	CHECK(c.have_mac && memcmp(c.mac, mac, 6) == 0);
	CHECK_EQ_U64(c.ip, 0x0a00020f);
	CHECK_EQ_U64(c.netmask, 0xffffff00);
	CHECK_EQ_U64(c.gateway, 0x0a000202);
	CHECK_EQ_U64(c.nfs_server, 0x0a000202);
	CHECK_STR(c.nfs_export, "/srv/nfs");
	CHECK(c.mount_port == 20048 && c.nfs_port == 2049);
	CHECK_EQ_U64(c.host_ip, 0x0a00020f);
	CHECK(c.timeout_s == 90);

	CHECK(parse("dumpling.ip=dhcp", &c) == 0 && c.dhcp);
	CHECK(parse("dumpling.ip=10.0.2.15/32", &c) == 0 && c.netmask == 0xffffffff);
	CHECK(parse("dumpling.ip=10.0.2.15/0", &c) == -1);
	CHECK(parse("dumpling.ip=10.0.2.15/33", &c) == -1);
	CHECK(parse("dumpling.ip=10.0.2.15", &c) == -1);
	CHECK(parse("dumpling.ip=10.0.2.256/24", &c) == -1);
	CHECK(parse("dumpling.gw=10.0.2", &c) == -1);
	CHECK(parse("dumpling.gw=10.0.2.2.1", &c) == -1);
	CHECK(parse("dumpling.gw=1000.0.2.2", &c) == -1);
	CHECK(parse("dumpling.mac=52:54:00:12:34", &c) == -1);
	CHECK(parse("dumpling.mac=52-54-00-12-34-56", &c) == -1);
	CHECK(parse("dumpling.nfs=server:/x", &c) == -1);
	CHECK(parse("dumpling.nfs=10.0.2.2:x", &c) == -1);
	CHECK(parse("dumpling.nfs=10.0.2.2", &c) == -1);
	CHECK(parse("dumpling.nfs=10.0.2.2:", &c) == -1);
	CHECK(parse("dumpling.nfs_ports=0,2049", &c) == -1);
	CHECK(parse("dumpling.nfs_ports=20048,65536", &c) == -1);
	CHECK(parse("dumpling.nfs_ports=20048", &c) == -1);
	CHECK(parse("dumpling.timeout=0", &c) == -1);
	CHECK(parse("dumpling.timeout=86401", &c) == -1);
}

int main(void)
{
	test_defaults();
	test_targets();
	test_partition_identity();
	test_paths();
	test_network();
	return test_summary("test_cmdline_targets");
}
