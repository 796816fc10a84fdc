/*
 * Partition identity for the raw target (see partid.h). The disk is read with
 * the capture image's own partition code (fs/partition.c) through a struct
 * blk_dev over pread(), so both sides agree on what a table says.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/partition.h"
#include "capture/fmt.h"
#include "loader/partid.h"
#include "loader/sysroot.h"

#define BY_PARTUUID	"/dev/disk/by-partuuid/"
#define TABLE_BUF	(64u << 10)

struct fd_disk {
	struct blk_dev blk;
	int fd;
};

static int fd_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct fd_disk *k = d->priv;
	size_t len = (size_t)n * d->sector_size, got = 0;

	while (got < len) {
		ssize_t r = pread(k->fd, (char *)buf + got, len - got,
				  (off_t)(lba * d->sector_size + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int fd_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	return -1;	/* the loader never writes to the target */
}

static int fd_flush(struct blk_dev *d)
{
	return 0;
}

static const struct blk_ops fd_ops = { fd_read, fd_write, fd_flush, NULL };

/* Opens /dev/<disk> read-only as a blk_dev. Sector size and size come from
 * the block layer, or for the tests' plain files from sysfs and the file. */
static int disk_open_fd(const char *disk, struct fd_disk *k, char *err, size_t errlen)
{
	char node[4096], f[4096], v[32];
	struct stat st;
	uint64_t bytes = 0, ssz = 512;
	int lbs;

	memset(k, 0, sizeof(*k));
	if (sysroot_path(node, sizeof(node), "/dev/%s", disk) < 0)
		return errf(err, errlen, "/dev/%s: path too long", disk);
	k->fd = open(node, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0 || fstat(k->fd, &st) < 0) {
		errf(err, errlen, "cannot open /dev/%s to read its partition table: %s",
			  disk, strerror(errno));
		if (k->fd >= 0)
			close(k->fd);
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(k->fd, BLKGETSIZE64, &bytes) < 0 || ioctl(k->fd, BLKSSZGET, &lbs) < 0) {
			close(k->fd);
			return errf(err, errlen, "/dev/%s: cannot get its size: %s", disk,
					 strerror(errno));
		}
		ssz = (uint64_t)lbs;
	} else {
		bytes = (uint64_t)st.st_size;
		if (sysroot_path(f, sizeof(f), "/sys/class/block/%s/queue/logical_block_size",
				 disk) == 0 && read_small_file(f, v, sizeof(v)) > 0)
			parse_number(v, 10, &ssz);
	}
	if (ssz < 512 || ssz > 65536 || (ssz & (ssz - 1))) {
		close(k->fd);
		return errf(err, errlen, "/dev/%s: odd sector size %" PRIu64, disk, ssz);
	}
	k->blk.ops = &fd_ops;
	k->blk.sector_size = (uint32_t)ssz;
	k->blk.nsectors = bytes / ssz;
	k->blk.max_transfer = TABLE_BUF;
	snprintf(k->blk.name, sizeof(k->blk.name), "/dev/%s", disk);
	k->blk.priv = k;
	return 0;
}

/* The kernel name of the disk holding partition t: the parent sysfs dir. */
static int parent_disk(const struct target_info *t, char *disk, size_t n, char *err,
		       size_t errlen)
{
	char link[4096], real[4096];
	char *slash;

	if (sysroot_path(link, sizeof(link), "/sys/class/block/%s", t->name) < 0 ||
	    !realpath(link, real))
		return errf(err, errlen, "%s: no sysfs entry", t->name);
	slash = strrchr(real, '/');
	if (!slash)
		return errf(err, errlen, "%s: odd sysfs path %s", t->name, real);
	*slash = 0;
	slash = strrchr(real, '/');
	if (!slash || strlen(slash + 1) >= n)
		return errf(err, errlen, "%s: odd sysfs path %s", t->name, real);
	snprintf(disk, n, "%s", slash + 1);
	return 0;
}

int partition_identity(struct target_info *t, char *err, size_t errlen)
{
	struct fd_disk k;
	struct part_query q = { 0 };
	struct part_table pt;
	struct part_entry pe;
	char disk[256], perr[512];
	void *buf;
	int r;

	if (!t->is_part)
		return 0;
	if (parent_disk(t, disk, sizeof(disk), err, errlen) < 0 ||
	    disk_open_fd(disk, &k, err, errlen) < 0)
		return -1;
	buf = malloc(TABLE_BUF);
	if (!buf) {
		close(k.fd);
		return errf(err, errlen, "out of memory");
	}
	q.number = t->partno;
	r = part_find(&k.blk, &q, buf, TABLE_BUF, &pt, &pe, perr, sizeof(perr));
	free(buf);
	close(k.fd);
	if (r == PART_BAD)
		return errf(err, errlen, "%s: cannot read the partition table of /dev/%s: %s",
				 t->name, disk, perr);
	if (r == PART_ABSENT)
		return errf(err, errlen, "%s: partition %u is not in the %s table on /dev/%s "
				 "(the kernel's view is stale: run partprobe, or reboot)",
				 t->name, t->partno, pt.scheme == PART_GPT ? "GPT" : "MBR", disk);
	if (pe.start != t->part_start || pe.len != t->part_len)
		return errf(err, errlen, "%s: the partition table on /dev/%s says partition %u "
				 "is at bytes %" PRIu64 "+%" PRIu64 ", the kernel uses %" PRIu64
				 "+%" PRIu64 " (run partprobe, or reboot)", t->name, disk, t->partno,
				 pe.start, pe.len, t->part_start, t->part_len);
	if (pt.scheme == PART_GPT) {
		t->have_partuuid = 1;
		memcpy(t->partuuid, pe.guid, 16);
		if (pt.gpt_backup)
			fprintf(stderr, "dumpling: warning: /dev/%s: primary GPT is damaged, using "
				"the backup (%s)\n", disk, pt.note);
	} else {
		t->have_mbr = 1;
		t->mbr_signature = pt.mbr_signature;
		if (pt.mbr_signature == 0)
			fprintf(stderr, "dumpling: warning: /dev/%s has MBR disk signature 0: a "
				"swapped disk may not be told apart (give it one with sfdisk "
				"--disk-id)\n", disk);
	}
	return 0;
}

/* UUID text: a GPT GUID, or blkid's MBR form SSSSSSSS-NN. */
struct partuuid {
	int mbr;
	uint8_t guid[16];
	uint32_t signature, partno;
};

static int parse_partuuid(const char *s, struct partuuid *u)
{
	char *end;
	unsigned long sig, no;

	memset(u, 0, sizeof(*u));
	if (part_guid_parse(s, u->guid) == 0)
		return 0;
	if (strlen(s) != 11 || s[8] != '-')
		return -1;
	for (int i = 0; i < 11; i++)
		if (i != 8 && !strchr("0123456789abcdefABCDEF", s[i]))
			return -1;
	sig = strtoul(s, &end, 16);
	no = strtoul(s + 9, &end, 16);
	if (no == 0)
		return -1;
	u->mbr = 1;
	u->signature = (uint32_t)sig;
	u->partno = (uint32_t)no;
	return 0;
}

static int is_partition_dir(const char *name)
{
	char f[4096];

	return sysroot_path(f, sizeof(f), "/sys/class/block/%s/partition", name) == 0 &&
	       access(f, F_OK) == 0;
}

/* The kernel name of partition number partno of disk, from sysfs. */
static int child_partition(const char *disk, uint32_t partno, char *out, size_t n)
{
	char dir[4096], f[4096 + 300];
	DIR *d;
	struct dirent *de;
	int found = -1;

	if (sysroot_path(dir, sizeof(dir), "/sys/class/block/%s", disk) < 0 ||
	    !(d = opendir(dir)))
		return -1;
	while ((de = readdir(d))) {
		uint64_t no;

		if (de->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s/partition", dir, de->d_name);
		if (read_u64_file(f, 10, &no) == 0 && no == partno &&
		    strlen(de->d_name) < n) {
			snprintf(out, n, "%s", de->d_name);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Reads every virtio and NVMe disk's table looking for u. */
static int find_partuuid(const char *text, const struct partuuid *u, char *part, size_t n,
			 char *err, size_t errlen)
{
	char dir[4096], disk[256] = "";
	DIR *d;
	struct dirent *de;
	uint32_t partno = 0;
	int matches = 0;
	void *buf = malloc(TABLE_BUF);

	if (!buf)
		return errf(err, errlen, "out of memory");
	if (sysroot_path(dir, sizeof(dir), "/sys/class/block") < 0 || !(d = opendir(dir))) {
		free(buf);
		return errf(err, errlen, "cannot list /sys/class/block: %s", strerror(errno));
	}
	while ((de = readdir(d))) {
		struct fd_disk k;
		struct part_query q = { 0 };
		struct part_table pt;
		struct part_entry pe;
		char e[512];

		if (strncmp(de->d_name, "vd", 2) && strncmp(de->d_name, "nvme", 4))
			continue;
		if (is_partition_dir(de->d_name) || disk_open_fd(de->d_name, &k, e, sizeof(e)) < 0)
			continue;
		q.by_guid = !u->mbr;
		memcpy(q.guid, u->guid, 16);
		q.number = u->partno;
		if (part_find(&k.blk, &q, buf, TABLE_BUF, &pt, &pe, e, sizeof(e)) == PART_FOUND &&
		    (!u->mbr || (pt.scheme == PART_MBR && pt.mbr_signature == u->signature))) {
			if (matches++ == 0) {
				snprintf(disk, sizeof(disk), "%s", de->d_name);
				partno = pe.number;
			}
		}
		close(k.fd);
	}
	closedir(d);
	free(buf);
	if (matches == 0)
		return errf(err, errlen, "no disk has a partition with PARTUUID %s (read "
				 "the tables of every virtio and NVMe disk)", text);
	if (matches > 1)
		return errf(err, errlen, "PARTUUID %s is on %d disks (a cloned disk?): name "
				 "the partition by its /dev path instead", text, matches);
	if (child_partition(disk, partno, part, n) < 0)
		return errf(err, errlen, "PARTUUID %s is partition %u of /dev/%s, but the "
				 "kernel does not show that partition (run partprobe)", text,
				 partno, disk);
	return 0;
}

int resolve_target(const char *spec, struct target_info *t, char *err, size_t errlen)
{
	const char *uuid = NULL;
	struct partuuid u;
	char node[4096], part[256];

	if (!strncmp(spec, "PARTUUID=", 9))
		uuid = spec + 9;
	else if (!strncmp(spec, BY_PARTUUID, strlen(BY_PARTUUID)))
		uuid = spec + strlen(BY_PARTUUID);
	if (!uuid)
		return resolve_block(spec, t, err, errlen) < 0 ||
		       partition_identity(t, err, errlen) < 0 ? -1 : 0;

	if (parse_partuuid(uuid, &u) < 0)
		return errf(err, errlen, "%s: not a partition UUID (expected a GPT GUID "
				 "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx or an MBR SSSSSSSS-NN)", spec);
	/* udev's link when there is one; else find it ourselves. */
	if (spec[0] == '/' && sysroot_path(node, sizeof(node), "%s", spec) == 0 &&
	    access(node, F_OK) == 0) {
		if (resolve_block(spec, t, err, errlen) < 0)
			return -1;
	} else {
		if (find_partuuid(uuid, &u, part, sizeof(part), err, errlen) < 0)
			return -1;
		snprintf(node, sizeof(node), "/dev/%s", part);
		if (resolve_block(node, t, err, errlen) < 0)
			return -1;
	}
	if (!t->is_part)
		return errf(err, errlen, "%s is a whole disk, not a partition", spec);
	if (partition_identity(t, err, errlen) < 0)
		return -1;
	/* The link, or a second table read, must agree with what was asked. */
	if (u.mbr ? !t->have_mbr || t->mbr_signature != u.signature || t->partno != u.partno
		  : !t->have_partuuid || memcmp(t->partuuid, u.guid, 16) != 0)
		return errf(err, errlen, "%s leads to %s, whose partition table says "
				 "otherwise", spec, t->name);
	return 0;
}
