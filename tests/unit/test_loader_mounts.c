/* "path" alone: the mount table lookup and the ext4 target it makes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/config.h"
#include "loader/mounts.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static const char table[] =
	"sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
	"/dev/vda1 / ext4 rw,relatime,errors=remount-ro 0 0\n"
	"/dev/vdb /var/crash ext4 ro,relatime 0 0\n"
	"/dev/vdc /var/crash/nfs-not xfs rw 0 0\n"
	"/dev/vdd /srv/my\\040dumps ext4 ro 0 0\n"
	"tmpfs /var/crash2 tmpfs rw 0 0\n"
	"/dev/vde /mnt ext4 rw 0 0\n"
	"/dev/vdf /mnt ext4 ro 0 0\n"
	"broken line\n";

static void test_lookup(void)
{
	struct mount_entry m;

	CHECK(mount_for_path(table, "/var/crash", &m) == 0);
	CHECK_STR(m.dev, "/dev/vdb");
	CHECK_STR(m.dir, "/var/crash");
	CHECK(m.read_only);
	CHECK(mount_for_path(table, "/var/crash/sub/dir", &m) == 0);
	CHECK_STR(m.dev, "/dev/vdb");
	/* a component boundary: /var/crash2 is its own mount, /var/crashes is root's */
	CHECK(mount_for_path(table, "/var/crash2", &m) == 0);
	CHECK_STR(m.type, "tmpfs");
	CHECK(mount_for_path(table, "/var/crashes", &m) == 0);
	CHECK_STR(m.dev, "/dev/vda1");
	CHECK(!m.read_only);
	CHECK(mount_for_path(table, "/var/crash/nfs-not/x", &m) == 0);
	CHECK_STR(m.type, "xfs");
	/* \040 is a space */
	CHECK(mount_for_path(table, "/srv/my dumps/x", &m) == 0);
	CHECK_STR(m.dev, "/dev/vdd");
	/* stacked mounts: the last one is on top */
	CHECK(mount_for_path(table, "/mnt/d", &m) == 0);
	CHECK_STR(m.dev, "/dev/vdf");
	CHECK(mount_for_path("", "/x", &m) == -1);
	CHECK(mount_for_path("/dev/x /a ext4 rw 0 0\n", "/b", &m) == -1);
}

static char root[64] = "/tmp/dumpling-mounts-XXXXXX";

static void put_mounts(const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/proc/self", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/self/mounts", root);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void test_resolve(void)
{
	struct loader_config c;
	char err[1024], p[256];

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	setenv("DUMPLING_SYSROOT", root, 1);
	put_mounts(table);

	CHECK(config_parse_text("path /var/crash\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == 0);
	CHECK(c.target == TARGET_EXT4);
	CHECK_STR(c.raw_dev, "/dev/vdb");
	CHECK_STR(c.path, "/");

	CHECK(config_parse_text("path /var/crash/host1\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == 0);
	CHECK_STR(c.path, "/host1");

	/* the root filesystem: an ext4 target whose path is the whole path */
	CHECK(config_parse_text("path /var/dumps\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == 0);
	CHECK_STR(c.raw_dev, "/dev/vda1");
	CHECK_STR(c.path, "/var/dumps");

	CHECK(config_parse_text("path /var/crash/nfs-not\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "is on a xfs filesystem (/dev/vdc mounted at /var/crash/nfs-not)") != NULL);
	CHECK(strstr(err, "raw, ext4 or nfs line") != NULL);

	CHECK(config_parse_text("path /var/crash2\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "tmpfs") != NULL);

	/* a named target is left alone */
	CHECK(config_parse_text("ext4 LABEL=d\npath /var/crash\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == 0);
	CHECK_STR(c.raw_dev, "LABEL=d");
	CHECK_STR(c.path, "/var/crash");

	put_mounts("");
	CHECK(config_parse_text("path /var/crash\n", "f", &c, err, sizeof(err)) == 0);
	CHECK(config_resolve_path(&c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no filesystem in /proc/self/mounts holds it") != NULL);

	snprintf(p, sizeof(p), "rm -rf %s", root);
	CHECK(system(p) == 0);
}

int main(void)
{
	test_lookup();
	test_resolve();
	return test_summary("loader_mounts");
}
