/* NFSv3 arguments and results (see nfs3.h). */
#include <string.h>

#include "net/nfs3.h"

#define FATTR3_BYTES	84
#define WCC_ATTR_BYTES	24	/* size, mtime, ctime */
#define NFS3_MAXNAMLEN	255

static void put_fh(struct xdr *x, const struct nfs_fh *fh)
{
	if (fh->len > NFS3_FHSIZE) {
		x->err = true;
		return;
	}
	xdr_put_opaque(x, fh->data, fh->len);
}

static void put_name(struct xdr *x, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NFS3_MAXNAMLEN) {
		x->err = true;
		return;
	}
	xdr_put_opaque(x, name, n);
}

/* sattr3 setting only the mode; uid and gid are the server's choice. */
static void put_sattr_mode(struct xdr *x, uint32_t mode)
{
	xdr_put_u32(x, 1);
	xdr_put_u32(x, mode);
	xdr_put_u32(x, 0);	/* uid */
	xdr_put_u32(x, 0);	/* gid */
	xdr_put_u32(x, 0);	/* size */
	xdr_put_u32(x, 0);	/* atime: don't change */
	xdr_put_u32(x, 0);	/* mtime */
}

void nfs3_put_lookup(struct xdr *x, const struct nfs_fh *dir, const char *name)
{
	put_fh(x, dir);
	put_name(x, name);
}

void nfs3_put_mkdir(struct xdr *x, const struct nfs_fh *dir, const char *name, uint32_t mode)
{
	put_fh(x, dir);
	put_name(x, name);
	put_sattr_mode(x, mode);
}

void nfs3_put_create(struct xdr *x, const struct nfs_fh *dir, const char *name, uint32_t mode,
		     uint32_t how)
{
	put_fh(x, dir);
	put_name(x, name);
	if (how != NFS3_CREATE_UNCHECKED && how != NFS3_CREATE_GUARDED) {
		x->err = true;	/* EXCLUSIVE carries a verifier, not attributes */
		return;
	}
	xdr_put_u32(x, how);
	put_sattr_mode(x, mode);
}

void nfs3_put_write(struct xdr *x, const struct nfs_fh *fh, uint64_t off, uint32_t count,
		    uint32_t stable)
{
	put_fh(x, fh);
	xdr_put_u64(x, off);
	xdr_put_u32(x, count);
	xdr_put_u32(x, stable);
	xdr_put_u32(x, count);	/* opaque data<>: its length; the bytes follow */
}

void nfs3_put_commit(struct xdr *x, const struct nfs_fh *fh, uint64_t off, uint32_t count)
{
	put_fh(x, fh);
	xdr_put_u64(x, off);
	xdr_put_u32(x, count);
}

void nfs3_put_fsinfo(struct xdr *x, const struct nfs_fh *fh)
{
	put_fh(x, fh);
}

/* Results start with nfsstat3; returns it, or -1 if unreadable. */
static int get_stat(struct xdr *x)
{
	uint32_t s = xdr_get_u32(x);

	if (x->err || s > 0x7fffffff)
		return -1;
	return (int)s;
}

static void skip_post_op_attr(struct xdr *x)
{
	if (xdr_get_bool(x))
		xdr_skip(x, FATTR3_BYTES);
}

static void skip_wcc_data(struct xdr *x)
{
	if (xdr_get_bool(x))
		xdr_skip(x, WCC_ATTR_BYTES);
	skip_post_op_attr(x);
}

static void get_fh(struct xdr *x, struct nfs_fh *fh)
{
	fh->len = xdr_get_opaque(x, fh->data, NFS3_FHSIZE);
	if (!x->err && fh->len == 0)
		x->err = true;
}

/* The status, or -1 if anything after it was malformed. */
static int done(struct xdr *x, int stat)
{
	return x->err ? -1 : stat;
}

int nfs3_get_lookup(struct xdr *x, struct nfs_fh *fh)
{
	int s = get_stat(x);

	if (s != NFS3_OK)
		return s;
	get_fh(x, fh);
	skip_post_op_attr(x);	/* object */
	skip_post_op_attr(x);	/* directory */
	return done(x, s);
}

int nfs3_get_create(struct xdr *x, struct nfs_fh *fh, bool *have_fh)
{
	int s = get_stat(x);

	*have_fh = false;
	if (s != NFS3_OK) {
		if (s > 0)
			skip_wcc_data(x);
		return s < 0 ? s : done(x, s);
	}
	if (xdr_get_bool(x)) {
		get_fh(x, fh);
		*have_fh = !x->err;
	}
	skip_post_op_attr(x);
	skip_wcc_data(x);
	return done(x, s);
}

int nfs3_get_write(struct xdr *x, uint32_t *count, uint32_t *committed,
		   uint8_t verf[NFS3_WRITEVERFSIZE])
{
	int s = get_stat(x);

	if (s < 0)
		return s;
	skip_wcc_data(x);
	if (s != NFS3_OK)
		return done(x, s);
	*count = xdr_get_u32(x);
	*committed = xdr_get_u32(x);
	xdr_get_fixed(x, verf, NFS3_WRITEVERFSIZE);
	if (*committed > NFS3_FILE_SYNC)
		x->err = true;
	return done(x, s);
}

int nfs3_get_commit(struct xdr *x, uint8_t verf[NFS3_WRITEVERFSIZE])
{
	int s = get_stat(x);

	if (s < 0)
		return s;
	skip_wcc_data(x);
	if (s == NFS3_OK)
		xdr_get_fixed(x, verf, NFS3_WRITEVERFSIZE);
	return done(x, s);
}

int nfs3_get_fsinfo(struct xdr *x, uint32_t *wtmax, uint32_t *wtpref)
{
	int s = get_stat(x);

	if (s < 0)
		return s;
	skip_post_op_attr(x);
	if (s != NFS3_OK)
		return done(x, s);
	(void)xdr_get_u32(x);	/* rtmax */
	(void)xdr_get_u32(x);	/* rtpref */
	(void)xdr_get_u32(x);	/* rtmult */
	*wtmax = xdr_get_u32(x);
	*wtpref = xdr_get_u32(x);
	/* wtmult, dtpref, maxfilesize, time_delta, properties: not needed */
	return done(x, s);
}

const char *nfs3_stat_name(int stat)
{
	switch (stat) {
	case 0: return "ok";
	case 1: return "not owner (NFS3ERR_PERM)";
	case 2: return "no such file or directory (NFS3ERR_NOENT)";
	case 5: return "I/O error (NFS3ERR_IO)";
	case 6: return "no such device (NFS3ERR_NXIO)";
	case 13: return "permission denied (NFS3ERR_ACCES)";
	case 17: return "file exists (NFS3ERR_EXIST)";
	case 18: return "cross-device (NFS3ERR_XDEV)";
	case 20: return "not a directory (NFS3ERR_NOTDIR)";
	case 21: return "is a directory (NFS3ERR_ISDIR)";
	case 22: return "invalid argument (NFS3ERR_INVAL)";
	case 27: return "file too large (NFS3ERR_FBIG)";
	case 28: return "no space left on the server (NFS3ERR_NOSPC)";
	case 30: return "read-only export (NFS3ERR_ROFS)";
	case 63: return "name too long (NFS3ERR_NAMETOOLONG)";
	case 69: return "quota exceeded (NFS3ERR_DQUOT)";
	case 70: return "stale file handle (NFS3ERR_STALE)";
	case 10001: return "bad file handle (NFS3ERR_BADHANDLE)";
	case 10004: return "not supported (NFS3ERR_NOTSUPP)";
	case 10006: return "server fault (NFS3ERR_SERVERFAULT)";
	case 10008: return "server busy, try later (NFS3ERR_JUKEBOX)";
	}
	return "unknown NFS error";
}
