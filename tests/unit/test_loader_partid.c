/*
 * The loader's raw target forms (/dev path, PARTUUID=, /dev/disk/by-partuuid)
 * against a fake sysfs tree whose "device nodes" are disk images made by
 * sgdisk (GPT) and sfdisk (MBR): the partition identity is read from the
 * image, checked against sysfs, put on the capture command line, and read
 * back by the capture image's parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/config.h"
#include "fs/partition.h"
#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-partid-XXXXXX";
static char err[1024];

#define G1 "11111111-2222-3333-4444-555555555501"
#define G2 "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
#define G3 "11111111-2222-3333-4444-555555555503"
#define VIRTIO "sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vdb"
#define NVME "sys/devices/pci0000:00/0000:00:05.0/nvme/nvme0/nvme0n1"

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(1);
	}
}

static void put(const char *file, const char *text)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, file);
	sh("mkdir -p \"$(dirname %s)\"", p);
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
	sh("mkdir -p \"$(dirname %s/%s)\" && ln -s %s %s/%s", root, name, target, root, name);
}

static void part(const char *disk_dir, const char *cls, const char *name, int no,
		 unsigned long start, unsigned long size)
{
	char f[512], v[32];

	snprintf(f, sizeof(f), "%s/%s/partition", disk_dir, name);
	snprintf(v, sizeof(v), "%d\n", no);
	put(f, v);
	snprintf(f, sizeof(f), "%s/%s/start", disk_dir, name);
	snprintf(v, sizeof(v), "%lu\n", start);
	put(f, v);
	snprintf(f, sizeof(f), "%s/%s/size", disk_dir, name);
	snprintf(v, sizeof(v), "%lu\n", size);
	put(f, v);
	snprintf(f, sizeof(f), "../../%s/%s", disk_dir + 4, name);	/* drop "sys/" */
	snprintf(v, sizeof(v), "sys/class/block/%s", name);
	link_to(f, v);
	snprintf(f, sizeof(f), "dev/%s", name);
	put(f, "");
	(void)cls;
}

static void build_tree(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	/* vdb: GPT, three partitions (sgdisk). */
	put(VIRTIO "/size", "81920\n");
	link_to("../../devices/pci0000:00/0000:00:04.0/virtio2/block/vdb", "sys/class/block/vdb");
	sh("mkdir -p %s/dev && truncate -s 40M %s/dev/vdb && sgdisk -o -n 1:2048:18431 -u 1:" G1
	   " -n 2:18432:51199 -u 2:" G2 " -n 3:51200:67583 -u 3:" G3 " %s/dev/vdb >/dev/null",
	   root, root, root);
	part(VIRTIO, "vdb", "vdb1", 1, 2048, 16384);
	part(VIRTIO, "vdb", "vdb2", 2, 18432, 32768);
	part(VIRTIO, "vdb", "vdb3", 3, 51200, 999);	/* the kernel's view differs */

	/* nvme0n1: MBR with a logical partition (sfdisk). */
	put(NVME "/size", "81920\n");
	put(NVME "/nsid", "1\n");
	link_to("../../devices/pci0000:00/0000:00:05.0/nvme/nvme0/nvme0n1", "sys/class/block/nvme0n1");
	put("mbr.sfdisk", "label: dos\nlabel-id: 0x1a2b3c4d\n"
	    "start=2048, size=16384, type=83\nstart=18432, size=30720, type=5\n"
	    "start=20480, size=8192, type=83\n");
	sh("truncate -s 40M %s/dev/nvme0n1 && sfdisk -q %s/dev/nvme0n1 < %s/mbr.sfdisk >/dev/null",
	   root, root, root);
	part(NVME, "nvme0n1", "nvme0n1p1", 1, 2048, 16384);
	part(NVME, "nvme0n1", "nvme0n1p5", 5, 20480, 8192);
	setenv("DUMPLING_SYSROOT", root, 1);
}

static void test_gpt_path(void)
{
	struct loader_config c;
	struct target_info t;
	struct capture_config cc;
	uint8_t g2[16];
	char line[2048], perr[256];

	CHECK(resolve_target("/dev/vdb2", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb2");
	CHECK_EQ_U64(t.partno, 2);
	CHECK(t.have_partuuid);
	CHECK(!t.have_mbr);
	part_guid_parse(G2, g2);
	CHECK(memcmp(t.partuuid, g2, 16) == 0);

	CHECK(config_parse_text("raw /dev/vdb2\n", "t.conf", &c, err, sizeof(err)) == 0);
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK(strstr(line, "dumpling.disk=virtio-blk@0000:00:04.0 dumpling.part=9437184+16777216 "
		      "dumpling.partuuid=" G2 " ") != NULL);
	config_defaults(&cc);
	CHECK(cmdline_parse(line, &cc, perr, sizeof(perr)) == 0);
	CHECK(cc.have_partuuid);
	CHECK(memcmp(cc.partuuid, g2, 16) == 0);
	CHECK(!cc.have_mbr);
	CHECK_EQ_U64(cc.part_start, 9437184);

	/* The whole disk needs no identity. */
	CHECK(resolve_target("/dev/vdb", &t, err, sizeof(err)) == 0);
	CHECK(!t.is_part && !t.have_partuuid);

	/* The kernel thinks vdb3 is shorter than the table says. */
	CHECK(resolve_target("/dev/vdb3", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "says partition 3 is at bytes 26214400+8388608, the kernel uses "
		     "26214400+511488") != NULL);
}

static void test_partuuid(void)
{
	struct loader_config c;
	struct target_info t;

	CHECK(resolve_target("PARTUUID=" G2, &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb2");
	CHECK_STR(t.driver, "virtio-blk");
	CHECK(t.have_partuuid);
	/* Upper case, as some tools print it. */
	CHECK(resolve_target("PARTUUID=0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", &t, err,
			     sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb2");
	/* No udev: the by-partuuid link is missing, the UUID is enough. */
	CHECK(resolve_target("/dev/disk/by-partuuid/" G1, &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb1");
	CHECK_EQ_U64(t.part_start, 1048576);
	/* With udev's link. */
	link_to("../../vdb2", "dev/disk/by-partuuid/" G2);
	CHECK(resolve_target("/dev/disk/by-partuuid/" G2, &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb2");
	/* A stale link pointing at the wrong partition is caught. */
	link_to("../../vdb1", "dev/disk/by-partuuid/" G3);
	CHECK(resolve_target("/dev/disk/by-partuuid/" G3, &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "whose partition table says otherwise") != NULL);

	CHECK(resolve_target("PARTUUID=deadbeef-0000-1111-2222-333344445555", &t, err,
			     sizeof(err)) == -1);
	CHECK(strstr(err, "no disk has a partition with PARTUUID") != NULL);
	CHECK(resolve_target("PARTUUID=nonsense", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a partition UUID") != NULL);

	CHECK(config_parse_text("raw PARTUUID=" G2 "\n", "t.conf", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.raw_dev, "PARTUUID=" G2);
	CHECK(config_parse_text("raw vdb2\n", "t.conf", &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "PARTUUID=") != NULL);
}

static void test_mbr(void)
{
	struct loader_config c;
	struct target_info t;
	struct capture_config cc;
	char line[2048], perr[256];

	CHECK(resolve_target("/dev/nvme0n1p5", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.driver, "nvme");
	CHECK(t.have_mbr);
	CHECK(!t.have_partuuid);
	CHECK_EQ_U64(t.mbr_signature, 0x1a2b3c4d);
	CHECK_EQ_U64(t.partno, 5);
	CHECK(config_parse_text("raw /dev/nvme0n1p5\n", "t.conf", &c, err, sizeof(err)) == 0);
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK(strstr(line, "dumpling.disk=nvme@0000:00:05.0/1 dumpling.part=10485760+4194304 "
		      "dumpling.mbr=1a2b3c4d-5 ") != NULL);
	config_defaults(&cc);
	CHECK(cmdline_parse(line, &cc, perr, sizeof(perr)) == 0);
	CHECK(cc.have_mbr);
	CHECK_EQ_U64(cc.mbr_signature, 0x1a2b3c4d);
	CHECK_EQ_U64(cc.mbr_partno, 5);

	/* blkid's MBR PARTUUID: signature, then the number in hex. */
	CHECK(resolve_target("PARTUUID=1a2b3c4d-05", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "nvme0n1p5");
	CHECK(resolve_target("PARTUUID=1a2b3c4d-01", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "nvme0n1p1");
	CHECK(resolve_target("PARTUUID=1a2b3c4e-01", &t, err, sizeof(err)) == -1);
	CHECK(resolve_target("PARTUUID=1a2b3c4d-00", &t, err, sizeof(err)) == -1);
}

int main(void)
{
	build_tree();
	test_gpt_path();
	test_partuuid();
	test_mbr();
	sh("rm -rf %s", root);
	return test_summary("test_loader_partid");
}
