/* The ext4 target at load time (see ext4.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/ext4_fs.h"
#include "capture/fmt.h"
#include "loader/ext4.h"
#include "loader/partid.h"
#include "loader/sysroot.h"

#define SB_VOLUME_NAME	0x78

/* The 1024-byte superblock of /dev/<name>: 0, or -1 (errno set). */
static int read_super(const char *dev, uint8_t sb[1024])
{
	char node[4096];
	int fd;
	ssize_t r;

	if (sysroot_path(node, sizeof(node), "%s", dev) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = pread(fd, sb, 1024, 1024);
	close(fd);
	if (r != 1024) {
		errno = r < 0 ? errno : EIO;
		return -1;
	}
	return 0;
}

static void format_uuid(const uint8_t *u, char *buf, size_t n)
{
	snprintf(buf, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

static int matches(const uint8_t *sb, int by_uuid, const char *want)
{
	char s[40];

	if (get16(sb + SB_MAGIC) != EXT4_SUPER_MAGIC)
		return 0;
	if (by_uuid) {
		format_uuid(sb + SB_UUID, s, sizeof(s));
		return strcasecmp(s, want) == 0;
	}
	memcpy(s, sb + SB_VOLUME_NAME, 16);
	s[16] = 0;
	return s[0] && strcmp(s, want) == 0;
}

int ext4_find_by_id(const char *spec, char *name, size_t n, char *err, size_t errlen)
{
	int by_uuid = !strncmp(spec, "UUID=", 5);
	const char *want = spec + (by_uuid ? 5 : 6);
	char dir[4096], first[256] = "", others[512] = "";
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (!by_uuid && strncmp(spec, "LABEL=", 6))
		return errf(err, errlen, "%s: expected UUID=… or LABEL=…", spec);
	if (!*want)
		return errf(err, errlen, "%s: empty", spec);
	if (sysroot_path(dir, sizeof(dir), "/sys/class/block") < 0 || !(d = opendir(dir)))
		return errf(err, errlen, "cannot list /sys/class/block: %s", strerror(errno));
	while ((de = readdir(d))) {
		uint8_t sb[1024];
		char dev[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
		if (read_super(dev, sb) < 0 || !matches(sb, by_uuid, want))
			continue;
		if (found++ == 0)
			snprintf(first, sizeof(first), "%s", de->d_name);
		else if (strlen(others) + strlen(de->d_name) + 3 < sizeof(others))
			snprintf(others + strlen(others), sizeof(others) - strlen(others), " %s",
				 de->d_name);
	}
	closedir(d);
	if (found == 0)
		return errf(err, errlen, "no block device holds an ext2/3/4 filesystem with %s "
				"(read the superblock of every device in /sys/class/block)", spec);
	if (found > 1)
		return errf(err, errlen, "%s is on several devices (%s%s): name the device by "
				"its /dev path or PARTUUID instead", spec, first, others);
	if (strlen(first) >= n)
		return errf(err, errlen, "%s: device name too long", spec);
	memcpy(name, first, strlen(first) + 1);
	return 0;
}

uint64_t ext4_dump_estimate(void)
{
	char path[4096], buf[8192], *p;
	unsigned long long kb;

	if (sysroot_path(path, sizeof(path), "/proc/meminfo") < 0 ||
	    read_small_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "MemTotal:")) ||
	    sscanf(p + 9, "%llu", &kb) != 1)
		return 0;
	/* Every page uncompressed, plus headers, bitmaps and descriptors (~1%). */
	return (uint64_t)kb * 1024 + (uint64_t)kb * 1024 / 100 + (1u << 20);
}

int ext4_target_resolve(const struct loader_config *c, struct target_info *t, char *err,
			size_t errlen)
{
	char dev[300], e[512];
	uint8_t sb[1024];
	uint64_t free_bytes, need;

	if (!strncmp(c->raw_dev, "UUID=", 5) || !strncmp(c->raw_dev, "LABEL=", 6)) {
		char name[256];

		if (ext4_find_by_id(c->raw_dev, name, sizeof(name), err, errlen) < 0)
			return -1;
		snprintf(dev, sizeof(dev), "/dev/%s", name);
	} else {
		snprintf(dev, sizeof(dev), "%s", c->raw_dev);
	}
	if (resolve_target(dev, t, err, errlen) < 0)
		return -1;
	/* The superblock of what was resolved: PARTUUID= names it only indirectly. */
	if (dev[0] != '/')
		snprintf(dev, sizeof(dev), "/dev/%s", t->name);
	if (read_super(dev, sb) < 0)
		return errf(err, errlen, "ext4 %s: cannot read its superblock from %s: %s",
				c->raw_dev, dev, strerror(errno));
	if (ext4_check_super(sb, &free_bytes, e, sizeof(e)) < 0)
		return errf(err, errlen, "ext4 %s (%s): %s", c->raw_dev, dev, e);
	need = ext4_dump_estimate();
	if (need && free_bytes < need)
		fprintf(stderr, "dumpling: warning: ext4 %s has %" PRIu64 " MiB free for dumps, "
			"but a dump of this machine's RAM may need up to %" PRIu64 " MiB (much less "
			"with -d 31 and -z): if it does not fit, the dump will be INCOMPLETE\n",
			c->raw_dev, free_bytes >> 20, need >> 20);
	return 0;
}
