/*
 * The raw target as kdump.conf names it, down to a disk, a partition and
 * that partition's identity on disk:
 *
 *   raw /dev/nvme0n1p3                 a node (any symlink to one works too)
 *   raw /dev/disk/by-partuuid/UUID     udev's link, or the UUID if it is absent
 *   raw PARTUUID=UUID                  found by reading every disk's table
 *
 * UUID is a GPT partition GUID, or for MBR disks blkid's SSSSSSSS-NN (disk
 * signature, partition number in hex). The identity (GPT GUID, or MBR disk
 * signature and number) is read from the partition table on the disk itself,
 * since initramfs images have no udev, and checked against what the kernel
 * uses; the capture image checks it again before writing.
 */
#ifndef LOADER_PARTID_H
#define LOADER_PARTID_H

#include <stddef.h>

#include "loader/resolve.h"

int resolve_target(const char *spec, struct target_info *t, char *err, size_t errlen);

/* Fills the identity of the partition t (t->is_part) from its disk's table. */
int partition_identity(struct target_info *t, char *err, size_t errlen);

#endif
