/*
 * Target resolution against a fake sysfs tree (DUMPLING_SYSROOT), and the
 * capture command line built from it, read back by the capture image's own
 * parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/config.h"
#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-sysfs-XXXXXX";
static char err[1024];

/* mkdir -p root/dir */
static void mkdirs(const char *dir)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, dir);
	for (char *s = p + strlen(root) + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
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
	if (symlink(target, p) < 0) {
		perror(p);
		exit(1);
	}
}

#define VIRTIO "sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vdb"
#define NVME "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/nvme/nvme0/nvme0n2"
#define MPATH "sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1"
#define SCSI "sys/devices/pci0000:00/0000:00:06.0/virtio3/host0/target0:0:0/0:0:0:0/block/sda"

static void build_tree(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	/* virtio-blk disk vdb (2 GiB) with partition vdb1 at 1 MiB, 1 GiB long */
	put(VIRTIO "/size", "4194304\n");
	put(VIRTIO "/vdb1/partition", "1\n");
	put(VIRTIO "/vdb1/start", "2048\n");
	put(VIRTIO "/vdb1/size", "2097152\n");
	link_to("../../devices/pci0000:00/0000:00:04.0/virtio2/block/vdb", "sys/class/block/vdb");
	link_to("../../devices/pci0000:00/0000:00:04.0/virtio2/block/vdb/vdb1",
		"sys/class/block/vdb1");
	put("dev/vdb", "");
	put("dev/vdb1", "");
	link_to("../../vdb1", "dev/disk/by-partlabel/dump");

	/* NVMe namespace 2 behind a bridge, partition 3 */
	put(NVME "/size", "2000000\n");
	put(NVME "/nsid", "2\n");
	put(NVME "/nvme0n2p3/partition", "3\n");
	put(NVME "/nvme0n2p3/start", "4096\n");
	put(NVME "/nvme0n2p3/size", "8192\n");
	link_to("../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/nvme/nvme0/nvme0n2",
		"sys/class/block/nvme0n2");
	link_to("../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/nvme/nvme0/nvme0n2/nvme0n2p3",
		"sys/class/block/nvme0n2p3");
	put("dev/nvme0n2", "");
	put("dev/nvme0n2p3", "");

	/* Native NVMe multipath: the head sits under the subsystem */
	put(MPATH "/size", "1000\n");
	put(MPATH "/nsid", "1\n");
	mkdirs("sys/devices/pci0000:00/0000:00:05.0/nvme/nvme1");
	link_to("../../../pci0000:00/0000:00:05.0/nvme/nvme1",
		"sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1",
		"sys/class/block/nvme1n1");
	put("dev/nvme1n1", "");

	/* virtio-scsi: virtio, but not virtio-blk */
	put(SCSI "/size", "100\n");
	link_to("../../devices/pci0000:00/0000:00:06.0/virtio3/host0/target0:0:0/0:0:0:0/block/sda",
		"sys/class/block/sda");
	put("dev/sda", "");

	/* NVMe without an nsid file */
	put("sys/devices/pci0000:00/0000:00:07.0/nvme/nvme2/nvme2n1/size", "10\n");
	link_to("../../devices/pci0000:00/0000:00:07.0/nvme/nvme2/nvme2n1",
		"sys/class/block/nvme2n1");
	put("dev/nvme2n1", "");

	/* a device node with no sysfs entry */
	put("dev/ghost", "");
	setenv("DUMPLING_SYSROOT", root, 1);
}

static void test_virtio(void)
{
	struct target_info t;
	char spec[64];

	CHECK(resolve_block("/dev/vdb", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb");
	CHECK_STR(t.driver, "virtio-blk");
	CHECK_STR(t.pci, "0000:00:04.0");
	CHECK_EQ_U64(t.nsid, 0);
	CHECK(!t.is_part);
	CHECK_EQ_U64(t.size, 4194304ull * 512);
	CHECK(target_disk_spec(&t, spec, sizeof(spec)) == 0);
	CHECK_STR(spec, "virtio-blk@0000:00:04.0");

	CHECK(resolve_block("/dev/vdb1", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb1");
	CHECK_STR(t.pci, "0000:00:04.0");
	CHECK(t.is_part);
	CHECK_EQ_U64(t.part_start, 1048576);
	CHECK_EQ_U64(t.part_len, 1073741824);

	/* by a symlink, as /dev/disk/by-* are */
	CHECK(resolve_block("/dev/disk/by-partlabel/dump", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.name, "vdb1");
	CHECK_EQ_U64(t.part_start, 1048576);
}

static void test_nvme(void)
{
	struct target_info t;
	char spec[64];

	CHECK(resolve_block("/dev/nvme0n2", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.driver, "nvme");
	CHECK_STR(t.pci, "0000:01:00.0");	/* the function, not the bridge */
	CHECK_EQ_U64(t.nsid, 2);
	CHECK(!t.is_part);
	CHECK(target_disk_spec(&t, spec, sizeof(spec)) == 0);
	CHECK_STR(spec, "nvme@0000:01:00.0/2");

	CHECK(resolve_block("/dev/nvme0n2p3", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.pci, "0000:01:00.0");
	CHECK_EQ_U64(t.nsid, 2);
	CHECK(t.is_part);
	CHECK_EQ_U64(t.part_start, 4096 * 512);
	CHECK_EQ_U64(t.part_len, 8192 * 512);

	CHECK(resolve_block("/dev/nvme1n1", &t, err, sizeof(err)) == 0);
	CHECK_STR(t.driver, "nvme");
	CHECK_STR(t.pci, "0000:00:05.0");
	CHECK_EQ_U64(t.nsid, 1);
}

static void test_errors(void)
{
	struct target_info t;

	CHECK(resolve_block("/dev/nope", &t, err, sizeof(err)) == -1);
	CHECK_STR(err, "target /dev/nope does not exist");
	CHECK(resolve_block("/dev/sda", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "sda is not a virtio-blk or NVMe disk") != NULL);
	CHECK(resolve_block("/dev/nvme2n1", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot read the namespace id") != NULL);
	CHECK(resolve_block("/dev/ghost", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no sysfs entry") != NULL);
	CHECK(resolve_block("/dev", &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "is not a block device") != NULL);
}

/* Config + target -> words -> the capture image's parser agrees. */
static void test_cmdline(void)
{
	struct loader_config c;
	struct target_info t;
	struct capture_config cc;
	char line[2048], perr[256];

	CHECK(config_parse_text("raw /dev/vdb1\ncore_collector makedumpfile -z -d 31\n"
				"failure_action halt\nfinal_action poweroff\n", "t.conf",
				&c, err, sizeof(err)) == 0);
	CHECK(resolve_block(c.raw_dev, &t, err, sizeof(err)) == 0);
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK_STR(line, "dumpling.target=raw dumpling.disk=virtio-blk@0000:00:04.0 "
		  "dumpling.part=1048576+1073741824 dumpling.dump_level=31 "
		  "dumpling.compress=zstd dumpling.format=kdump "
		  "dumpling.failure_action=halt dumpling.final_action=poweroff "
		  "dumpling.console=io@0x3f8:115200n8,screen");
	CHECK(strstr(line, "elfcorehdr") == NULL);

	config_defaults(&cc);
	CHECK(cmdline_parse(line, &cc, perr, sizeof(perr)) == 0);
	CHECK(cc.target == TARGET_RAW);
	CHECK(cc.have_disk);
	CHECK(cc.disk.kind == PCI_FN_VIRTIO_BLK);
	CHECK_EQ_U64(cc.disk.bus, 0);
	CHECK_EQ_U64(cc.disk.dev, 4);
	CHECK_EQ_U64(cc.disk.fn, 0);
	CHECK(cc.have_part);
	CHECK_EQ_U64(cc.part_start, 1048576);
	CHECK_EQ_U64(cc.part_len, 1073741824);
	CHECK_EQ_U64(cc.dump_level, 31);
	CHECK(cc.compress == COMPRESS_ZSTD);
	CHECK(cc.format == FORMAT_KDUMP);
	CHECK(cc.failure_action == ACTION_HALT);
	CHECK(cc.final_action == ACTION_POWEROFF);

	CHECK(config_parse_text("raw /dev/nvme0n2\ncore_collector makedumpfile -E -d 1\n",
				"t.conf", &c, err, sizeof(err)) == 0);
	CHECK(resolve_block(c.raw_dev, &t, err, sizeof(err)) == 0);
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK_STR(line, "dumpling.target=raw dumpling.disk=nvme@0000:01:00.0/2 "
		  "dumpling.dump_level=1 dumpling.compress=none dumpling.format=elf "
		  "dumpling.failure_action=reboot dumpling.final_action=reboot "
		  "dumpling.console=io@0x3f8:115200n8,screen");
	config_defaults(&cc);
	CHECK(cmdline_parse(line, &cc, perr, sizeof(perr)) == 0);
	CHECK(cc.disk.kind == PCI_FN_NVME);
	CHECK_EQ_U64(cc.disk.bus, 1);
	CHECK_EQ_U64(cc.disk.nsid, 2);
	CHECK(!cc.have_part);
	CHECK(cc.format == FORMAT_ELF);

	/* too small a buffer is an error, not a cut line */
	CHECK(build_cmdline(&c, &t, line, 40) == -1);
}

int main(void)
{
	char cmd[128];

	build_tree();
	test_virtio();
	test_nvme();
	test_errors();
	test_cmdline();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return test_summary("test_loader_resolve");
}
