/*
 * The portmapper's GETPORT (RFC 1833, version 2) and MOUNT v3's MNT
 * (RFC 1813 appendix I): encoders for the arguments, decoders for the
 * results. Pure code; replies are untrusted (see rpc.h).
 */
#ifndef NET_MOUNT_H
#define NET_MOUNT_H

#include <stdint.h>

#include "net/nfs3.h"
#include "net/rpc.h"

#define PMAPPROC_GETPORT	3
#define MOUNTPROC3_MNT		1
#define MOUNTPROC3_UMNT		3
#define IPPROTO_TCP_NUM		6
#define MNTPATHLEN		1024

void pmap_put_getport(struct xdr *x, uint32_t prog, uint32_t vers, uint32_t prot);
/* Returns the port (1..65535), 0 if the program is not registered, -1 if
 * the result is malformed. */
int pmap_get_getport(struct xdr *x);

void mnt_put_mnt(struct xdr *x, const char *dirpath);
/*
 * Returns 0 and fills fh; a positive mountstat3 on refusal; -1 if the result
 * is malformed or the server does not offer AUTH_SYS for this export.
 */
int mnt_get_mnt(struct xdr *x, struct nfs_fh *fh);
const char *mnt_stat_name(int stat);

#endif
