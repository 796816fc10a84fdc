/*
 * dumpling save: at boot, a dump the image left on a raw target is copied to
 * /var/crash/<date>/ by dumpling-extract --to-dir, which then clears its
 * header. ext4 and NFS dumps are files already.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/config.h"
#include "loader/mounts.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/save.h"
#include "loader/sysroot.h"

/* dumpling-extract beside this program (/usr/sbin), else from PATH. */
static void find_extract(char *buf, size_t n)
{
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);

	snprintf(buf, n, "dumpling-extract");
	if (k <= 0)
		return;
	self[k] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	if (strlen(self) + 20 < n) {
		snprintf(buf, n, "%s/dumpling-extract", self);
		if (access(buf, X_OK) < 0)
			snprintf(buf, n, "dumpling-extract");
	}
}

int cmd_save(const char *conf, const char *dir)
{
	struct loader_config c;
	struct target_info t;
	char err[4096], dev[300], prog[PATH_MAX], where[PATH_MAX];

	if (config_load(conf, &c, err, sizeof(err)) < 0 ||
	    config_resolve_path(&c, err, sizeof(err)) < 0) {
		fprintf(stderr, "dumpling: %s\n", err);
		return 1;
	}
	if (c.target != TARGET_RAW) {
		printf("dumpling: %s target: dumps are written as files, nothing to save\n",
		       c.target == TARGET_NFS ? "nfs" : "ext4");
		return 0;
	}
	if (resolve_target(c.raw_dev, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "dumpling: cannot save a dump from %s: %s\n", c.raw_dev, err);
		return 1;
	}
	/* dumpling-extract makes <dir>/<date>/, not <dir> itself */
	if (sysroot_path(where, sizeof(where), "%s", dir) < 0 ||
	    (mkdir(where, 0755) < 0 && errno != EEXIST)) {
		fprintf(stderr, "dumpling: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(dev, sizeof(dev), "%s/dev/%s", sysroot(), t.name);
	find_extract(prog, sizeof(prog));
	fflush(stdout);
	execlp(prog, "dumpling-extract", "--to-dir", where, dev, (char *)NULL);
	fprintf(stderr, "dumpling: cannot run %s: %s\n", prog, strerror(errno));
	return 1;
}
