/*
 * ONC RPC (RFC 5531) messages in XDR, over TCP record marking. Pure code,
 * no I/O: built and parsed in caller buffers, so the host tests run it.
 *
 * Replies come from the network and are untrusted: every read is bounds-
 * checked, and a short or malformed message sets x->err instead of reading
 * past the end.
 */
#ifndef NET_RPC_H
#define NET_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/err.h"

/* An XDR stream over a fixed buffer; both for encoding and decoding. */
struct xdr {
	uint8_t *buf;
	size_t len;		/* capacity (encode) or message size (decode) */
	size_t pos;
	bool err;		/* overflowed or ran off the end: result unusable */
};

void xdr_init(struct xdr *x, void *buf, size_t len);

void xdr_put_u32(struct xdr *x, uint32_t v);
void xdr_put_u64(struct xdr *x, uint64_t v);
/* Fixed-length opaque: the bytes, zero-padded to 4. */
void xdr_put_fixed(struct xdr *x, const void *p, size_t n);
/* Variable-length opaque or string: length, bytes, padding. */
void xdr_put_opaque(struct xdr *x, const void *p, size_t n);
void xdr_put_string(struct xdr *x, const char *s);

uint32_t xdr_get_u32(struct xdr *x);
uint64_t xdr_get_u64(struct xdr *x);
bool xdr_get_bool(struct xdr *x);		/* only 0 or 1 accepted */
void xdr_get_fixed(struct xdr *x, void *p, size_t n);
/* Variable-length opaque of at most max bytes into p; returns its length. */
uint32_t xdr_get_opaque(struct xdr *x, void *p, uint32_t max);
/* Skips n bytes plus padding. */
void xdr_skip(struct xdr *x, size_t n);

/* Programs and versions we speak. */
#define PMAP_PROG	100000u
#define PMAP_VERS	2u
#define PMAP_PORT	111
#define MOUNT_PROG	100005u
#define MOUNT_VERS	3u
#define NFS_PROG	100003u
#define NFS_VERS	3u
#define NFS_PORT	2049

#define RPC_AUTH_NONE	0
#define RPC_AUTH_SYS	1
#define RPC_MAX_MACHINENAME	255

/* AUTH_SYS credentials (uid 0 for dumps). machine is at most 255 bytes. */
struct rpc_auth {
	uint32_t flavor;		/* RPC_AUTH_NONE or RPC_AUTH_SYS */
	uint32_t stamp, uid, gid;
	const char *machine;
};

/*
 * Starts a call message: a 4-byte record mark placeholder (see
 * rpc_finish_record), then xid, CALL, version 2, program, version,
 * procedure, credentials and a null verifier. Arguments follow.
 */
void rpc_put_call(struct xdr *x, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
		  const struct rpc_auth *auth);

/*
 * Fills in the record mark at buf[0..3] for a single-fragment record of
 * total bytes (mark included) and returns 0; -1 if it does not fit 31 bits.
 */
int rpc_finish_record(uint8_t *buf, size_t total);

/* Record-mark helpers: fragment length and last-fragment flag. */
static inline uint32_t rpc_mark_len(uint32_t mark) { return mark & 0x7fffffffu; }
static inline bool rpc_mark_last(uint32_t mark) { return mark >> 31; }

/* The xid of a reply record (first word); false if too short. */
bool rpc_peek_xid(const uint8_t *rec, size_t len, uint32_t *xid);

/*
 * Reads a reply header: xid (must equal want_xid), REPLY, accepted and
 * SUCCESS, skipping the verifier. Leaves x at the results. Returns 0, or
 * RPC_ERR_* with a message in err.
 */
#define RPC_OK		0
#define RPC_ERR_GARBAGE	ERR_PROTO	/* malformed, truncated, or not the reply we want */
#define RPC_ERR_DENIED	ERR_ACCES	/* rejected: version mismatch or authentication */
#define RPC_ERR_ACCEPT	ERR_REMOTE	/* accepted but failed: PROG_UNAVAIL, GARBAGE_ARGS... */
int rpc_get_reply(struct xdr *x, uint32_t want_xid, char *err, size_t errlen);

#endif
