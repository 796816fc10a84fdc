/*
 * The nfs target: the dump goes to <export>/<path>/<ip>-<date>/vmcore on an
 * NFSv3 server, as kdump's `nfs` target does.
 */
#ifndef NET_NFS_TARGET_H
#define NET_NFS_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"
#include "capture/dump.h"
#include "capture/target.h"
#include "drivers/net.h"

/* The command line names what the nfs target needs: 0, or -1 with err. */
int nfs_target_check(const struct capture_config *cfg, char *err, size_t errlen);

/* nic is open; pool is NFS_POOL_BYTES (net/nfs_sink.h) of memory for the
 * vmcore's uncommitted writes. */
int nfs_target_open(const struct capture_config *cfg, const struct capture *cap,
		    struct net_dev *nic, uint8_t *pool, struct target *t, char *err,
		    size_t errlen);

#endif
