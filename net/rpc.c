/*
 * ONC RPC and XDR (see rpc.h). Everything is big-endian 4-byte units.
 */
#include <stdio.h>
#include <string.h>

#include "net/rpc.h"

#define RPC_CALL	0
#define RPC_REPLY	1
#define RPC_VERSION	2
#define MSG_ACCEPTED	0
#define MSG_DENIED	1
#define MAX_AUTH_BYTES	400

void xdr_init(struct xdr *x, void *buf, size_t len)
{
	x->buf = buf;
	x->len = len;
	x->pos = 0;
	x->err = false;
}

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* Room for n more bytes? Marks the stream bad if not. */
static bool room(struct xdr *x, size_t n)
{
	if (x->err || n > x->len - x->pos) {
		x->err = true;
		return false;
	}
	return true;
}

void xdr_put_u32(struct xdr *x, uint32_t v)
{
	if (!room(x, 4))
		return;
	x->buf[x->pos] = (uint8_t)(v >> 24);
	x->buf[x->pos + 1] = (uint8_t)(v >> 16);
	x->buf[x->pos + 2] = (uint8_t)(v >> 8);
	x->buf[x->pos + 3] = (uint8_t)v;
	x->pos += 4;
}

void xdr_put_u64(struct xdr *x, uint64_t v)
{
	xdr_put_u32(x, (uint32_t)(v >> 32));
	xdr_put_u32(x, (uint32_t)v);
}

void xdr_put_fixed(struct xdr *x, const void *p, size_t n)
{
	size_t pad = pad4(n);

	if (n > SIZE_MAX - 4 || !room(x, n + pad))
		return;
	memcpy(x->buf + x->pos, p, n);
	memset(x->buf + x->pos + n, 0, pad);
	x->pos += n + pad;
}

void xdr_put_opaque(struct xdr *x, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		x->err = true;
		return;
	}
	xdr_put_u32(x, (uint32_t)n);
	xdr_put_fixed(x, p, n);
}

void xdr_put_string(struct xdr *x, const char *s)
{
	xdr_put_opaque(x, s, strlen(s));
}

uint32_t xdr_get_u32(struct xdr *x)
{
	const uint8_t *b;

	if (!room(x, 4))
		return 0;
	b = x->buf + x->pos;
	x->pos += 4;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t xdr_get_u64(struct xdr *x)
{
	uint64_t hi = xdr_get_u32(x);

	return hi << 32 | xdr_get_u32(x);
}

bool xdr_get_bool(struct xdr *x)
{
	uint32_t v = xdr_get_u32(x);

	if (v > 1)
		x->err = true;
	return v == 1;
}

void xdr_get_fixed(struct xdr *x, void *p, size_t n)
{
	if (n > SIZE_MAX - 4 || !room(x, n + pad4(n)))
		return;
	memcpy(p, x->buf + x->pos, n);
	x->pos += n + pad4(n);
}

uint32_t xdr_get_opaque(struct xdr *x, void *p, uint32_t max)
{
	uint32_t n = xdr_get_u32(x);

	if (x->err || n > max) {
		x->err = true;
		return 0;
	}
	xdr_get_fixed(x, p, n);
	return x->err ? 0 : n;
}

void xdr_skip(struct xdr *x, size_t n)
{
	if (n > SIZE_MAX - 4 || !room(x, n + pad4(n)))
		return;
	x->pos += n + pad4(n);
}

void rpc_put_call(struct xdr *x, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
		  const struct rpc_auth *auth)
{
	xdr_put_u32(x, 0);		/* record mark, filled in later */
	xdr_put_u32(x, xid);
	xdr_put_u32(x, RPC_CALL);
	xdr_put_u32(x, RPC_VERSION);
	xdr_put_u32(x, prog);
	xdr_put_u32(x, vers);
	xdr_put_u32(x, proc);
	if (auth && auth->flavor == RPC_AUTH_SYS) {
		const char *m = auth->machine ? auth->machine : "";
		size_t mlen = strnlen(m, RPC_MAX_MACHINENAME);

		/* stamp, machinename, uid, gid, no extra gids */
		xdr_put_u32(x, RPC_AUTH_SYS);
		xdr_put_u32(x, (uint32_t)(4 + 4 + mlen + pad4(mlen) + 4 + 4 + 4));
		xdr_put_u32(x, auth->stamp);
		xdr_put_opaque(x, m, mlen);
		xdr_put_u32(x, auth->uid);
		xdr_put_u32(x, auth->gid);
		xdr_put_u32(x, 0);
	} else {
		xdr_put_u32(x, RPC_AUTH_NONE);
		xdr_put_u32(x, 0);
	}
	xdr_put_u32(x, RPC_AUTH_NONE);	/* verifier */
	xdr_put_u32(x, 0);
}

int rpc_finish_record(uint8_t *buf, size_t total)
{
	uint32_t n;

	if (total < 4 || total - 4 > 0x7fffffffu)
		return -1;
	n = 0x80000000u | (uint32_t)(total - 4);
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	return 0;
}

bool rpc_peek_xid(const uint8_t *rec, size_t len, uint32_t *xid)
{
	if (len < 4)
		return false;
	*xid = (uint32_t)rec[0] << 24 | (uint32_t)rec[1] << 16 | (uint32_t)rec[2] << 8 | rec[3];
	return true;
}

static const char *accept_name(uint32_t s)
{
	switch (s) {
	case 1: return "program unavailable";
	case 2: return "program version mismatch";
	case 3: return "procedure unavailable";
	case 4: return "server could not decode the arguments";
	case 5: return "server system error";
	}
	return "unknown accept status";
}

static const char *auth_name(uint32_t s)
{
	switch (s) {
	case 1: return "bad credentials";
	case 2: return "credentials rejected (client must begin a new session)";
	case 3: return "bad verifier";
	case 4: return "verifier rejected";
	case 5: return "authentication too weak";
	}
	return "unknown authentication error";
}

int rpc_get_reply(struct xdr *x, uint32_t want_xid, char *err, size_t errlen)
{
	uint32_t xid = xdr_get_u32(x), mtype = xdr_get_u32(x), stat, flavor, len;

	if (x->err) {
		snprintf(err, errlen, "RPC reply truncated (%zu bytes)", x->len);
		return RPC_ERR_GARBAGE;
	}
	if (xid != want_xid || mtype != RPC_REPLY) {
		snprintf(err, errlen, "RPC message xid 0x%x type %u is not the reply to xid 0x%x",
			 xid, mtype, want_xid);
		return RPC_ERR_GARBAGE;
	}
	stat = xdr_get_u32(x);
	if (!x->err && stat == MSG_DENIED) {
		uint32_t why = xdr_get_u32(x), detail = xdr_get_u32(x);

		if (x->err)
			snprintf(err, errlen, "RPC call denied (reply truncated)");
		else if (why == 0)
			snprintf(err, errlen, "RPC call denied: server speaks RPC versions %u..%u",
				 detail, xdr_get_u32(x));
		else if (why == 1)
			snprintf(err, errlen, "RPC call denied: %s", auth_name(detail));
		else
			snprintf(err, errlen, "RPC call denied (reason %u)", why);
		return RPC_ERR_DENIED;
	}
	if (x->err || stat != MSG_ACCEPTED) {
		snprintf(err, errlen, "RPC reply with bad reply status %u", stat);
		return RPC_ERR_GARBAGE;
	}
	/* The server's verifier (may be AUTH_SHORT): skip its body. */
	flavor = xdr_get_u32(x);
	len = xdr_get_u32(x);
	(void)flavor;
	if (x->err || len > MAX_AUTH_BYTES) {
		snprintf(err, errlen, "RPC reply with a bad verifier (%u bytes)", len);
		x->err = true;
		return RPC_ERR_GARBAGE;
	}
	xdr_skip(x, len);
	stat = xdr_get_u32(x);
	if (x->err) {
		snprintf(err, errlen, "RPC reply truncated in its header");
		return RPC_ERR_GARBAGE;
	}
	if (stat != 0) {
		if (stat == 2) {
			uint32_t lo = xdr_get_u32(x), hi = xdr_get_u32(x);

			snprintf(err, errlen, "RPC: %s (server has versions %u..%u)",
				 accept_name(stat), lo, hi);
		} else {
			snprintf(err, errlen, "RPC: %s", accept_name(stat));
		}
		return RPC_ERR_ACCEPT;
	}
	return RPC_OK;
}
