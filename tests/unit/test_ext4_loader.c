/*
 * The loader's side of the ext4 target, against a fake sysfs tree whose
 * device nodes are real mkfs.ext4 images: the `ext4` directive, finding a
 * filesystem by UUID= and LABEL= by reading superblocks, refusing at load
 * time what the capture image would refuse (a journal that needs recovery,
 * unsupported features, no ext4 at all), the dump-size estimate, and the
 * command line it produces.
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
#include "loader/ext4.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-ext4ld-XXXXXX";
static char err[1024];

#define UUID_A "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static int sh(const char *fmt, const char *a)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, root, a);
	return system(cmd);
}

/* A virtio disk NAME at PCI function FN whose node holds an image. */
static void add_disk(const char *name, const char *fn, const char *mkfs)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "d=%s/sys/devices/pci0000:00/0000:00:%s/virtio1/block/%s; "
		 "mkdir -p $d %s/sys/class/block %s/dev && echo 16384 > $d/size && "
		 "ln -s ../../devices/pci0000:00/0000:00:%s/virtio1/block/%s %s/sys/class/block/%s && "
		 "truncate -s 8M %s/dev/%s && %s %s/dev/%s >/dev/null 2>&1",
		 root, fn, name, root, root, fn, name, root, name, root, name, mkfs, root, name);
	if (system(cmd) != 0) {
		fprintf(stderr, "setting up %s failed: %s\n", name, cmd);
		exit(1);
	}
}

static int resolve_conf(const char *text, struct loader_config *c, struct target_info *t)
{
	err[0] = 0;
	if (config_parse_text(text, "test.conf", c, err, sizeof(err)) < 0)
		return -1;
	return ext4_target_resolve(c, t, err, sizeof(err));
}

int main(void)
{
	struct loader_config c;
	struct target_info t;
	char name[64], line[2048];

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	add_disk("vdb", "04.0", "mkfs.ext4 -q -F -U " UUID_A " -L dumps");
	add_disk("vdc", "05.0", "mkfs.ext4 -q -F -L journaled");
	add_disk("vdd", "06.0", "true");			/* no filesystem */
	add_disk("vde", "07.0", "mkfs.ext4 -q -F -O inline_data -L inline");
	add_disk("vdf", "08.0", "mkfs.ext4 -q -F -L twin");
	add_disk("vdg", "09.0", "mkfs.ext4 -q -F -L twin");
	CHECK(sh("debugfs -w -R 'feature needs_recovery' %s/dev/vdc >/dev/null 2>&1%s", "") == 0);
	CHECK(sh("mkdir -p %s/proc%s", "") == 0);
	{
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s/proc/meminfo", root);
		f = fopen(p, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("MemTotal:        2048000 kB\nMemFree:          100 kB\n", f);
			fclose(f);
		}
	}
	setenv("DUMPLING_SYSROOT", root, 1);

	/* The directive. */
	CHECK(config_parse_text("ext4 /dev/vdb\n", "t", &c, err, sizeof(err)) == 0);
	CHECK(c.target == TARGET_EXT4);
	CHECK_STR(c.raw_dev, "/dev/vdb");
	CHECK(config_parse_text("ext4 LABEL=x\npath /dumps\n", "t", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.path, "/dumps");
	CHECK(config_parse_text("ext4 vdb\n", "t", &c, err, sizeof(err)) < 0);
	CHECK(strstr(err, "UUID=") != NULL);
	CHECK(config_parse_text("ext4 /dev/vdb\nraw /dev/vdc\n", "t", &c, err, sizeof(err)) < 0);
	CHECK(strstr(err, "second target") != NULL);

	/* Finding filesystems. */
	CHECK(ext4_find_by_id("UUID=" UUID_A, name, sizeof(name), err, sizeof(err)) == 0);
	CHECK_STR(name, "vdb");
	CHECK(ext4_find_by_id("UUID=0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", name, sizeof(name), err,
			      sizeof(err)) == 0);
	CHECK_STR(name, "vdb");
	CHECK(ext4_find_by_id("LABEL=journaled", name, sizeof(name), err, sizeof(err)) == 0);
	CHECK_STR(name, "vdc");
	CHECK(ext4_find_by_id("LABEL=nope", name, sizeof(name), err, sizeof(err)) < 0);
	CHECK(strstr(err, "no block device holds") != NULL);
	CHECK(ext4_find_by_id("LABEL=twin", name, sizeof(name), err, sizeof(err)) < 0);
	CHECK(strstr(err, "several devices") != NULL);
	CHECK(ext4_find_by_id("LABEL=", name, sizeof(name), err, sizeof(err)) < 0);

	/* Resolution, checks and the command line. */
	CHECK(resolve_conf("ext4 UUID=" UUID_A "\npath /dumps\n", &c, &t) == 0);
	CHECK_STR(t.name, "vdb");
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK(strstr(line, "dumpling.target=ext4 dumpling.disk=virtio-blk@0000:00:04.0 "
		      "dumpling.path=/dumps dumpling.hostip=127.0.0.1 ") != NULL);
	CHECK(resolve_conf("ext4 LABEL=dumps\n", &c, &t) == 0);
	CHECK(build_cmdline(&c, &t, line, sizeof(line)) > 0);
	CHECK(strstr(line, " dumpling.path=/var/crash ") != NULL);
	CHECK(resolve_conf("ext4 /dev/vdb\n", &c, &t) == 0);

	/* What the image would refuse is refused now, in its words. */
	CHECK(resolve_conf("ext4 LABEL=journaled\n", &c, &t) < 0);
	CHECK(strstr(err, "journal needs recovery") != NULL);
	CHECK(strstr(err, "mounted read-write") != NULL);
	CHECK(resolve_conf("ext4 /dev/vdd\n", &c, &t) < 0);
	CHECK(strstr(err, "no ext2/3/4 superblock") != NULL);
	CHECK(resolve_conf("ext4 LABEL=inline\n", &c, &t) < 0);
	CHECK(strstr(err, "inline_data") != NULL);
	CHECK(resolve_conf("ext4 /dev/nothere\n", &c, &t) < 0);

	/* 2048000 kB of RAM: the whole of it, plus 1%, plus headers. */
	CHECK_EQ_U64(ext4_dump_estimate(), 2048000ull * 1024 + 2048000ull * 1024 / 100 + (1 << 20));

	if (!getenv("KEEP"))
		sh("rm -rf %s%s", "");
	return test_summary("test_ext4_loader");
}
