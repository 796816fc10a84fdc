/* Portmapper GETPORT and MOUNT v3 MNT (see mount.h). */
#include <string.h>

#include "net/mount.h"

#define MNT3_OK		0
#define MAX_FLAVORS	64

void pmap_put_getport(struct xdr *x, uint32_t prog, uint32_t vers, uint32_t prot)
{
	xdr_put_u32(x, prog);
	xdr_put_u32(x, vers);
	xdr_put_u32(x, prot);
	xdr_put_u32(x, 0);
}

int pmap_get_getport(struct xdr *x)
{
	uint32_t port = xdr_get_u32(x);

	if (x->err || port > 65535)
		return -1;
	return (int)port;
}

void mnt_put_mnt(struct xdr *x, const char *dirpath)
{
	size_t n = strlen(dirpath);

	if (n > MNTPATHLEN) {
		x->err = true;
		return;
	}
	xdr_put_opaque(x, dirpath, n);
}

int mnt_get_mnt(struct xdr *x, struct nfs_fh *fh)
{
	uint32_t stat = xdr_get_u32(x), nflavors;
	bool sys = false;

	if (x->err)
		return -1;
	if (stat != MNT3_OK)
		return stat > 0x7fffffff ? -1 : (int)stat;
	fh->len = xdr_get_opaque(x, fh->data, NFS3_FHSIZE);
	nflavors = xdr_get_u32(x);
	if (x->err || fh->len == 0 || nflavors > MAX_FLAVORS)
		return -1;
	for (uint32_t i = 0; i < nflavors; i++)
		if (xdr_get_u32(x) == RPC_AUTH_SYS)
			sys = true;
	/* An empty list is what old servers send: AUTH_SYS is implied. */
	if (x->err || (nflavors && !sys))
		return -1;
	return 0;
}

const char *mnt_stat_name(int stat)
{
	switch (stat) {
	case 1: return "not owner (MNT3ERR_PERM)";
	case 2: return "no such export (MNT3ERR_NOENT)";
	case 5: return "I/O error (MNT3ERR_IO)";
	case 13: return "permission denied (MNT3ERR_ACCES)";
	case 20: return "not a directory (MNT3ERR_NOTDIR)";
	case 22: return "invalid argument (MNT3ERR_INVAL)";
	case 63: return "name too long (MNT3ERR_NAMETOOLONG)";
	case 10004: return "operation not supported (MNT3ERR_NOTSUPP)";
	case 10006: return "server fault (MNT3ERR_SERVERFAULT)";
	}
	return "unknown mount status";
}
