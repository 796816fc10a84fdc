/* dumpling status (see status.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loader/config.h"
#include "loader/estimate.h"
#include "loader/ext4.h"
#include "loader/image.h"
#include "loader/secureboot.h"
#include "loader/mounts.h"
#include "loader/nfs.h"
#include "loader/partid.h"
#include "loader/reserve.h"
#include "loader/resolve.h"
#include "loader/save.h"
#include "loader/status.h"
#include "loader/sysroot.h"

int newest_dump(const char *dir, char *out, size_t n, long long *mtime, long long *size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s/vmcore", dir, de->d_name) >= (int)sizeof(p) ||
		    stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (found < 0 || st.st_mtime > *mtime) {
			*mtime = st.st_mtime;
			*size = st.st_size;
			snprintf(out, n, "%s", p);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

/* A raw target that still holds a dump (its header was not cleared yet). */
static int raw_holds_dump(const char *dev)
{
	char node[4096], sig[8];
	int fd, r = 0;

	if (sysroot_path(node, sizeof(node), "%s", dev) < 0)
		return 0;
	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig))
		r = !memcmp(sig, "KDUMP   ", 8) || !memcmp(sig, "\177ELF", 4) ||
		    !memcmp(sig, "makedump", 8);
	close(fd);
	return r;
}

/* The target line, whether it is there now; 0 present, -1 not (err says why). */
static int check_target(struct loader_config *c, char *what, size_t n, char *err, size_t errlen)
{
	struct target_info t;
	struct net_info ni;

	switch (c->target) {
	case TARGET_NFS:
		snprintf(what, n, "nfs %s, path %s", c->nfs,
			 c->path[0] ? c->path : DEFAULT_DUMP_PATH);
		return nfs_resolve(c, &ni, err, errlen);
	case TARGET_EXT4:
		snprintf(what, n, "ext4 %s, path %s", c->raw_dev,
			 c->path[0] ? c->path : DEFAULT_DUMP_PATH);
		return ext4_target_resolve(c, &t, err, errlen);
	default:
		snprintf(what, n, "raw %s", c->raw_dev);
		if (resolve_target(c->raw_dev, &t, err, errlen) < 0)
			return -1;
		/* what dumpling save will read */
		snprintf(c->raw_dev, sizeof(c->raw_dev), "/dev/%s", t.name);
		return 0;
	}
}

static void show_newest(const char *dir)
{
	char p[4096], when[64];
	long long mtime = 0, size = 0;
	time_t t;

	if (newest_dump(dir, p, sizeof(p), &mtime, &size) < 0) {
		printf("newest dump: none in %s\n", dir + strlen(sysroot()));
		return;
	}
	t = (time_t)mtime;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("newest dump: %s (%lld MiB, %s)\n", p + strlen(sysroot()), size >> 20, when);
}

int cmd_status(const char *conf, const char *image)
{
	struct loader_config c;
	struct reservation rv;
	struct machine_facts mf;
	struct estimate e;
	struct dimage im;
	char err[4096], what[1024], dir[4096], path_line[256] = "";
	int rc = STATUS_OK;

	reservation_read(&rv);
	if (!rv.supported && !rv.have_range) {
		printf("crash image: not loaded\n");
		printf("reservation: none: this kernel has no kexec crash support "
		       "(no /sys/kernel/kexec_crash_size)\n");
		secureboot_status(stdout);
		return STATUS_ERROR;
	}
	printf("crash image: %s\n", rv.loaded ? "loaded" : "not loaded");
	if (!rv.size) {
		printf("reservation: none: run 'dumpling reset-crashkernel' and reboot\n");
		rc = STATUS_ERROR;
	} else {
		printf("reservation: %" PRIu64 " KiB", rv.size >> 10);
		if (rv.have_range)
			printf(" at 0x%" PRIx64 "-0x%" PRIx64, rv.r.start, rv.r.end);
		if (image_load(image, &im, err, sizeof(err)) == 0) {
			machine_facts_read(&mf);
			estimate_compute(&mf, im.init_size, im.kernel_alignment, &e);
			image_free(&im);
			printf("; the image uses %" PRIu64 " KiB of it (init_size %" PRIu64
			       " KiB, the kernel's segments %" PRIu64 " KiB)%s",
			       e.need >> 10, e.init_size >> 10, e.o.total >> 10,
			       e.need > rv.size ? ": NOT enough, run 'dumpling reset-crashkernel'" : "");
			if (e.need > rv.size)
				rc = STATUS_ERROR;
		} else {
			printf("; %s", err);
			rc = STATUS_ERROR;
		}
		printf("\n");
	}

	if (config_load(conf, &c, err, sizeof(err)) < 0) {
		printf("target: none: %s\n", err);
		rc = STATUS_ERROR;
	} else {
		if (c.target == TARGET_NONE)
			snprintf(path_line, sizeof(path_line), "%s", c.path);
		if (config_resolve_path(&c, err, sizeof(err)) < 0) {
			printf("target: none: %s\n", err);
			rc = STATUS_ERROR;
		} else if (check_target(&c, what, sizeof(what), err, sizeof(err)) < 0) {
			printf("target: %s: NOT present: %s\n", what, err);
			rc = STATUS_ERROR;
		} else {
			printf("target: %s%s%s%s: present\n", what, path_line[0] ? " (from path " : "",
			       path_line, path_line[0] ? ")" : "");
			if (c.target == TARGET_RAW && raw_holds_dump(c.raw_dev))
				printf("pending dump: on %s, not saved yet: 'dumpling save' copies it "
				       "to /var/crash\n", c.raw_dev);
		}
	}
	secureboot_status(stdout);

	/* Raw dumps are saved to /var/crash; "path" alone names a mounted directory. */
	sysroot_path(dir, sizeof(dir), "%s", path_line[0] ? path_line : DEFAULT_CRASH_DIR);
	show_newest(dir);

	if (rc == STATUS_OK && !rv.loaded)
		rc = STATUS_NOT_LOADED;
	return rc;
}
