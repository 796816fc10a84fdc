/*
 * Block device -> sysfs -> PCI function (see resolve.h).
 *
 *   /dev/vdb1 --stat--> 254:17 --/sys/dev/block/254:17--> realpath
 *   /sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vdb/vdb1
 *       a partition dir has `partition`, `start`, `size` (512-byte sectors);
 *       its parent is the disk.
 *   /sys/devices/pci0000:00/0000:00:05.0/nvme/nvme0/nvme0n1   (nsid file)
 *   /sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1  (multipath head:
 *       the subsystem dir links to its controllers, nvme0 -> ../../pci.../nvme0)
 * The PCI function is the last "SSSS:BB:DD.F" component above the driver's.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "loader/resolve.h"
#include "capture/fmt.h"
#include "loader/sysroot.h"

static int is_hex(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "0000:00:04.0": segment:bus:device.function. */
static int is_pci_bdf(const char *s, size_t len)
{
	return len == 12 && is_hex(s, 4) && s[4] == ':' && is_hex(s + 5, 2) &&
	       s[7] == ':' && is_hex(s + 8, 2) && s[10] == '.' &&
	       s[11] >= '0' && s[11] <= '7';
}

static int is_name_num(const char *s, size_t len, const char *prefix)
{
	size_t p = strlen(prefix);

	if (len <= p || strncmp(s, prefix, p) != 0)
		return 0;
	for (size_t i = p; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The last PCI function component of path before byte position `limit`.
 * Returns 0 and fills bdf, or -1.
 */
static int pci_above(const char *path, size_t limit, char *bdf, size_t n)
{
	const char *p = path, *found = NULL;

	while (p < path + limit) {
		const char *e = strchr(p, '/');
		size_t len;

		if (!e || e > path + limit)
			e = path + limit;
		len = e - p;
		if (is_pci_bdf(p, len))
			found = p;
		p = e + 1;
	}
	if (!found || n < 13)
		return -1;
	memcpy(bdf, found, 12);
	bdf[12] = 0;
	for (int i = 0; i < 12; i++)
		bdf[i] = tolower((unsigned char)bdf[i]);
	return 0;
}

/* Multipath head: take the first controller the subsystem dir links to. */
static int nvme_subsys_controller(const char *subsys, char *out, size_t n)
{
	DIR *d = opendir(subsys);
	struct dirent *de;
	char best[NAME_MAX + 1] = "";
	char link[PATH_MAX];

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (!is_name_num(de->d_name, len, "nvme"))
			continue;
		/* lowest number wins, so the choice is stable */
		if (!best[0] || strlen(de->d_name) < strlen(best) ||
		    (strlen(de->d_name) == strlen(best) && strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return -1;
	if (snprintf(link, sizeof(link), "%s/%s", subsys, best) >= (int)sizeof(link))
		return -1;
	if (!realpath(link, out))
		return -1;
	(void)n;
	return 0;
}

/* Finds the driver and PCI function of the disk whose sysfs dir is `disk`. */
static int disk_driver(const char *disk, struct target_info *t, char *err, size_t errlen)
{
	const char *p = disk;
	const char *virtio = NULL, *nvme = NULL, *subsys = NULL;
	char path[PATH_MAX], nsid_path[PATH_MAX + 8];
	uint64_t nsid;
	const char *prev = NULL;
	size_t prev_len = 0;

	/* Look at every component; the one nearest the disk decides. */

	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		/* virtioN/block/vda, not virtio-scsi's virtioN/host0/... */
		if (len == 5 && !strncmp(p, "block", 5) && prev &&
		    is_name_num(prev, prev_len, "virtio"))
			virtio = prev, nvme = subsys = NULL;
		else if (len == 4 && !strncmp(p, "nvme", 4))
			nvme = p, virtio = subsys = NULL;
		else if (is_name_num(p, len, "nvme-subsys"))
			subsys = p, virtio = nvme = NULL;
		prev = p;
		prev_len = len;
		p += len;
		while (*p == '/')
			p++;
	}
	if (virtio) {
		snprintf(t->driver, sizeof(t->driver), "virtio-blk");
		if (pci_above(disk, virtio - disk, t->pci, sizeof(t->pci)) < 0)
			return errf(err, errlen, "%s: virtio disk %s is not on PCI "
					     "(%s): dumpling drives virtio-pci only",
					     t->name, t->name, disk);
		t->nsid = 0;
		return 0;
	}
	if (!nvme && !subsys)
		return errf(err, errlen, "%s is not a virtio-blk or NVMe disk (%s): "
				     "dumpling drives only those", t->name, disk);
	snprintf(t->driver, sizeof(t->driver), "nvme");
	if (nvme) {
		if (pci_above(disk, nvme - disk, t->pci, sizeof(t->pci)) < 0)
			return errf(err, errlen, "%s: NVMe controller is not on PCI "
					     "(%s): dumpling drives NVMe over PCIe only",
					     t->name, disk);
	} else {
		char dir[PATH_MAX];
		const char *e = strchr(subsys, '/');
		size_t len = e ? (size_t)(e - disk) : strlen(disk);

		if (len >= sizeof(dir))
			return errf(err, errlen, "%s: sysfs path too long", t->name);
		memcpy(dir, disk, len);
		dir[len] = 0;
		if (nvme_subsys_controller(dir, path, sizeof(path)) < 0 ||
		    pci_above(path, strlen(path), t->pci, sizeof(t->pci)) < 0)
			return errf(err, errlen, "%s: cannot find the PCI NVMe "
					     "controller of %s", t->name, dir);
	}
	snprintf(nsid_path, sizeof(nsid_path), "%s/nsid", disk);
	if (read_u64_file(nsid_path, 10, &nsid) < 0 || nsid == 0 || nsid > 0xffffffffu)
		return errf(err, errlen, "%s: cannot read the namespace id from %s",
				     t->name, nsid_path);
	t->nsid = (uint32_t)nsid;
	return 0;
}

int resolve_block(const char *dev, struct target_info *t, char *err, size_t errlen)
{
	char node[PATH_MAX], link[PATH_MAX], real[PATH_MAX], disk[PATH_MAX];
	char f[PATH_MAX + 16];
	const char *base;
	struct stat st;
	uint64_t start, size;

	memset(t, 0, sizeof(*t));
	if (sysroot_path(node, sizeof(node), "%s", dev) < 0)
		return errf(err, errlen, "%s: path too long", dev);
	if (stat(node, &st) < 0) {
		if (errno == ENOENT)
			return errf(err, errlen, "target %s does not exist", dev);
		return errf(err, errlen, "target %s: %s", dev, strerror(errno));
	}
	if (S_ISBLK(st.st_mode)) {
		sysroot_path(link, sizeof(link), "/sys/dev/block/%u:%u",
			     major(st.st_rdev), minor(st.st_rdev));
	} else if (*sysroot() && S_ISREG(st.st_mode)) {
		/*
		 * A fake tree (tests) has plain files for device nodes: find
		 * the entry by kernel name, as /sys/class/block lists them.
		 */
		if (!realpath(node, real))
			return errf(err, errlen, "%s: %s", dev, strerror(errno));
		base = strrchr(real, '/') + 1;
		sysroot_path(link, sizeof(link), "/sys/class/block/%s", base);
	} else {
		return errf(err, errlen, "target %s is not a block device", dev);
	}
	if (!realpath(link, real))
		return errf(err, errlen, "target %s: no sysfs entry %s: %s",
				     dev, link, strerror(errno));
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strlen(base) >= sizeof(t->name))
		return errf(err, errlen, "target %s: odd sysfs name %s", dev, base);
	memcpy(t->name, base, strlen(base) + 1);

	snprintf(f, sizeof(f), "%s/partition", real);
	if (access(f, F_OK) == 0) {
		if (read_u64_file(f, 10, &start) < 0 || start == 0 || start > 0xffffffffu)
			return errf(err, errlen, "%s: cannot read %s", dev, f);
		t->partno = (uint32_t)start;
		snprintf(f, sizeof(f), "%s/start", real);
		if (read_u64_file(f, 10, &start) < 0)
			return errf(err, errlen, "%s: cannot read %s", dev, f);
		snprintf(f, sizeof(f), "%s/size", real);
		if (read_u64_file(f, 10, &size) < 0)
			return errf(err, errlen, "%s: cannot read %s", dev, f);
		if (start > UINT64_MAX / 512 || size > UINT64_MAX / 512 - start)
			return errf(err, errlen, "%s: partition range out of bounds", dev);
		t->is_part = 1;
		t->part_start = start * 512;
		t->part_len = size * 512;
		t->size = t->part_len;
		snprintf(disk, sizeof(disk), "%s", real);
		*strrchr(disk, '/') = 0;
	} else {
		snprintf(disk, sizeof(disk), "%s", real);
		snprintf(f, sizeof(f), "%s/size", real);
		if (read_u64_file(f, 10, &size) < 0 || size > UINT64_MAX / 512)
			return errf(err, errlen, "%s: cannot read %s", dev, f);
		t->size = size * 512;
	}
	return disk_driver(disk, t, err, errlen);
}

int target_disk_spec(const struct target_info *t, char *buf, size_t n)
{
	int k;

	if (t->nsid)
		k = snprintf(buf, n, "%s@%s/%u", t->driver, t->pci, t->nsid);
	else
		k = snprintf(buf, n, "%s@%s", t->driver, t->pci);
	return k < 0 || (size_t)k >= n ? -1 : 0;
}
