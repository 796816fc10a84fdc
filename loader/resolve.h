/*
 * From a block device path to what the capture image needs to find it again
 * without Linux: the driver kind, the PCI function, the NVMe namespace and,
 * for a partition, its byte range. All of it comes from sysfs.
 */
#ifndef LOADER_RESOLVE_H
#define LOADER_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

struct target_info {
	char name[64];		/* kernel name: "vda1", "nvme0n1" */
	char driver[16];	/* "virtio-blk", "nvme" */
	char pci[16];		/* "0000:00:04.0" */
	uint32_t nsid;		/* NVMe namespace id, 0 for virtio */
	int is_part;
	uint64_t part_start, part_len;	/* bytes, when is_part */
	uint64_t size;		/* bytes: the partition, or the whole disk */
	/* The partition's identity on disk (partid.c), for the image's check. */
	uint32_t partno;	/* Linux's partition number */
	int have_partuuid;
	uint8_t partuuid[16];	/* GPT unique GUID, text order */
	int have_mbr;
	uint32_t mbr_signature;
};

/*
 * dev is a path like /dev/vdb1 (any path to the node works, by-id symlinks
 * too). Returns 0, or -1 with err filled in.
 */
int resolve_block(const char *dev, struct target_info *t, char *err, size_t errlen);

/* "virtio-blk@0000:00:04.0" or "nvme@0000:00:05.0/1". */
int target_disk_spec(const struct target_info *t, char *buf, size_t n);

#endif
