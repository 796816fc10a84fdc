/*
 * Opens the device the command line names (disk or NIC) and its buffers in
 * the DMA arena, then the target on it (capture/target.h).
 */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/devices.h"
#include "drivers/disk.h"
#include "drivers/dma.h"
#include "drivers/net.h"
#include "fs/ext4_target.h"
#include "fs/raw_target.h"
#include "net/nfs_sink.h"
#include "net/nfs_target.h"
#include "capture/fmt.h"

static int open_disk(const struct capture_config *cfg, struct blk_dev *disk, const char *kind,
		     char *err, size_t errlen)
{
	if (!cfg->have_disk) {
		return errf(err, errlen, "%s target without dumpling.disk=", kind);
	}
	return disk_open(&cfg->disk, cfg->queue_depth, disk, err, errlen);
}

static int open_raw(const struct capture_config *cfg, struct target *t, char *err, size_t errlen)
{
	static struct blk_dev disk;
	void *buf;

	if (open_disk(cfg, &disk, "raw", err, errlen))
		return -1;
	buf = dma_alloc(RAW_TARGET_BUF, 4096);
	if (!buf) {
		return errf(err, errlen, "out of DMA memory for the raw writer");
	}
	return raw_target_open(cfg, &disk, buf, RAW_TARGET_BUF, t, err, errlen);
}

static int open_ext4(const struct capture_config *cfg, const struct capture *cap,
		     struct target *t, char *err, size_t errlen)
{
	static struct blk_dev disk;
	void *fsbuf, *sinkbuf;

	if (open_disk(cfg, &disk, "ext4", err, errlen))
		return -1;
	fsbuf = dma_alloc(EXT4_FS_BUF_SIZE, 4096);
	sinkbuf = dma_alloc(EXT4_TARGET_SINK_BUF, 4096);
	if (!fsbuf || !sinkbuf) {
		return errf(err, errlen, "out of DMA memory for the ext4 writer");
	}
	return ext4_target_open(cfg, cap, &disk, fsbuf, sinkbuf, t, err, errlen);
}

static int open_nfs(const struct capture_config *cfg, const struct capture *cap,
		    struct target *t, char *err, size_t errlen)
{
	static struct net_dev nic;
	uint8_t *pool;

	if (nfs_target_check(cfg, err, errlen) != 0 ||
	    net_open(&cfg->nic, cfg->have_mac ? cfg->mac : NULL, &nic, err, errlen) != 0)
		return -1;
	pool = dma_alloc(NFS_POOL_BYTES, 4096);
	if (!pool) {
		return errf(err, errlen, "out of memory for the NFS write pool (%u KiB)",
			    NFS_POOL_BYTES >> 10);
	}
	return nfs_target_open(cfg, cap, &nic, pool, t, err, errlen);
}

int target_open(const struct capture_config *cfg, const struct capture *cap,
		struct target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	switch (cfg->target) {
	case TARGET_RAW:
		return open_raw(cfg, t, err, errlen);
	case TARGET_EXT4:
		return open_ext4(cfg, cap, t, err, errlen);
	case TARGET_NFS:
		return open_nfs(cfg, cap, t, err, errlen);
	case TARGET_NONE:
		break;
	}
	return errf(err, errlen, "no dump target: give dumpling.target= and its options "
		    "(`dumpling cmdline` prints them from /etc/dumpling.conf)");
}
