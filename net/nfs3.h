/*
 * The NFSv3 procedures a write-only client needs (RFC 1813): LOOKUP, MKDIR,
 * CREATE, WRITE, COMMIT, FSINFO. Encoders write the arguments after an RPC
 * call header; decoders read the results after rpc_get_reply and skip the
 * attributes we do not use. Pure code; replies are untrusted (see rpc.h).
 *
 * Decoders return an nfsstat3 (0 OK, > 0 the server's error) or -1 when the
 * result is malformed.
 */
#ifndef NET_NFS3_H
#define NET_NFS3_H

#include <stdbool.h>
#include <stdint.h>

#include "net/rpc.h"

#define NFS3_FHSIZE	64
#define NFS3_WRITEVERFSIZE 8

#define NFSPROC3_LOOKUP	3
#define NFSPROC3_WRITE	7
#define NFSPROC3_CREATE	8
#define NFSPROC3_MKDIR	9
#define NFSPROC3_FSINFO	19
#define NFSPROC3_COMMIT	21

#define NFS3_OK			0
#define NFS3ERR_NOENT		2
#define NFS3ERR_EXIST		17
#define NFS3ERR_JUKEBOX		10008

#define NFS3_UNSTABLE	0
#define NFS3_DATA_SYNC	1
#define NFS3_FILE_SYNC	2

#define NFS3_CREATE_UNCHECKED	0
#define NFS3_CREATE_GUARDED	1

struct nfs_fh {
	uint32_t len;
	uint8_t data[NFS3_FHSIZE];
};

void nfs3_put_lookup(struct xdr *x, const struct nfs_fh *dir, const char *name);
void nfs3_put_mkdir(struct xdr *x, const struct nfs_fh *dir, const char *name, uint32_t mode);
void nfs3_put_create(struct xdr *x, const struct nfs_fh *dir, const char *name, uint32_t mode,
		     uint32_t how);
/* WRITE arguments up to the data's length word; the count bytes of data and
 * their padding (nfs3_pad) follow in the record. */
void nfs3_put_write(struct xdr *x, const struct nfs_fh *fh, uint64_t off, uint32_t count,
		    uint32_t stable);
static inline uint32_t nfs3_pad(uint32_t count) { return (4 - (count & 3)) & 3; }
void nfs3_put_commit(struct xdr *x, const struct nfs_fh *fh, uint64_t off, uint32_t count);
void nfs3_put_fsinfo(struct xdr *x, const struct nfs_fh *fh);

int nfs3_get_lookup(struct xdr *x, struct nfs_fh *fh);
/* MKDIR and CREATE: *have_fh is false when the server left the handle out. */
int nfs3_get_create(struct xdr *x, struct nfs_fh *fh, bool *have_fh);
int nfs3_get_write(struct xdr *x, uint32_t *count, uint32_t *committed,
		   uint8_t verf[NFS3_WRITEVERFSIZE]);
int nfs3_get_commit(struct xdr *x, uint8_t verf[NFS3_WRITEVERFSIZE]);
int nfs3_get_fsinfo(struct xdr *x, uint32_t *wtmax, uint32_t *wtpref);

const char *nfs3_stat_name(int stat);

#endif
