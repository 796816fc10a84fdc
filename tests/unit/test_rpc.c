/*
 * XDR, ONC RPC, portmapper, MOUNT and NFSv3 encoding and decoding (net/rpc.c,
 * net/mount.c, net/nfs3.c): calls byte for byte, replies as a server would
 * send them, and replies cut short or corrupted at every byte, which must be
 * refused without reading past the end (ASan watches).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/mount.c"
#include "net/nfs3.c"
#include "net/rpc.c"
#include "tests/unit/test.h"

/* A reply builder, as the server would write it (without the record mark). */
static uint8_t rb[2048];
static struct xdr rx;

static void reply_start(uint32_t xid)
{
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, xid);
	xdr_put_u32(&rx, 1);		/* REPLY */
	xdr_put_u32(&rx, 0);		/* MSG_ACCEPTED */
	xdr_put_u32(&rx, 2);		/* AUTH_SHORT verifier with a body */
	xdr_put_opaque(&rx, "shorthand", 9);
	xdr_put_u32(&rx, 0);		/* SUCCESS */
}

static void put_fattr(struct xdr *x)
{
	for (int i = 0; i < 21; i++)
		xdr_put_u32(x, 0x11111111u * (i & 7));
}

static void put_post_op_attr(struct xdr *x)
{
	xdr_put_u32(x, 1);
	put_fattr(x);
}

static void put_wcc(struct xdr *x)
{
	xdr_put_u32(x, 1);
	for (int i = 0; i < 6; i++)
		xdr_put_u32(x, 7);
	put_post_op_attr(x);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_xdr(void)
{
	uint8_t buf[16], out[8];
	struct xdr x;

	xdr_init(&x, buf, sizeof(buf));
	xdr_put_u32(&x, 0x01020304);
	xdr_put_opaque(&x, "abcde", 5);		/* 4 + 5 + 3 pad */
	CHECK(!x.err);
	CHECK_EQ_U64(x.pos, 16);
	CHECK(memcmp(buf, "\x01\x02\x03\x04\0\0\0\x05" "abcde\0\0\0", 16) == 0);
	xdr_put_u32(&x, 1);			/* no room */
	CHECK(x.err);

	xdr_init(&x, buf, 16);
	CHECK_EQ_U64(xdr_get_u32(&x), 0x01020304);
	CHECK_EQ_U64(xdr_get_opaque(&x, out, 8), 5);
	CHECK(memcmp(out, "abcde", 5) == 0);
	CHECK(!x.err);
	CHECK_EQ_U64(xdr_get_u32(&x), 0);	/* past the end */
	CHECK(x.err);

	/* An opaque longer than the caller's buffer, or than the message. */
	xdr_init(&x, buf, 16);
	(void)xdr_get_u32(&x);
	CHECK_EQ_U64(xdr_get_opaque(&x, out, 4), 0);
	CHECK(x.err);
	buf[7] = 0xff;				/* length 0x000000ff > message */
	xdr_init(&x, buf, 16);
	(void)xdr_get_u32(&x);
	CHECK_EQ_U64(xdr_get_opaque(&x, rb, sizeof(rb)), 0);
	CHECK(x.err);
	buf[4] = 0xff;				/* length near 4 GiB: no overflow */
	xdr_init(&x, buf, 16);
	(void)xdr_get_u32(&x);
	xdr_skip(&x, 0xfffffffcu);
	CHECK(x.err);
	/* bool is 0 or 1 only */
	memset(buf, 0, 4);
	buf[3] = 2;
	xdr_init(&x, buf, 4);
	(void)xdr_get_bool(&x);
	CHECK(x.err);
}

static void test_call(void)
{
	uint8_t buf[256];
	struct xdr x;
	struct rpc_auth sys = { RPC_AUTH_SYS, 0x55, 0, 0, "10.0.2.15" };

	xdr_init(&x, buf, sizeof(buf));
	rpc_put_call(&x, 0xabcd1234, NFS_PROG, NFS_VERS, NFSPROC3_COMMIT, &sys);
	CHECK(!x.err);
	CHECK(rpc_finish_record(buf, x.pos) == 0);
	CHECK_EQ_U64(be32(buf), 0x80000000u | (x.pos - 4));
	CHECK_EQ_U64(be32(buf + 4), 0xabcd1234);
	CHECK_EQ_U64(be32(buf + 8), 0);		/* CALL */
	CHECK_EQ_U64(be32(buf + 12), 2);
	CHECK_EQ_U64(be32(buf + 16), 100003);
	CHECK_EQ_U64(be32(buf + 20), 3);
	CHECK_EQ_U64(be32(buf + 24), 21);
	CHECK_EQ_U64(be32(buf + 28), 1);	/* AUTH_SYS */
	/* body: stamp, "10.0.2.15" (4+9+3), uid, gid, 0 gids = 32 bytes */
	CHECK_EQ_U64(be32(buf + 32), 32);
	CHECK_EQ_U64(be32(buf + 36), 0x55);
	CHECK_EQ_U64(be32(buf + 40), 9);
	CHECK(memcmp(buf + 44, "10.0.2.15\0\0\0", 12) == 0);
	CHECK_EQ_U64(be32(buf + 56), 0);	/* uid 0 */
	CHECK_EQ_U64(be32(buf + 60), 0);
	CHECK_EQ_U64(be32(buf + 64), 0);
	CHECK_EQ_U64(be32(buf + 68), 0);	/* verifier AUTH_NONE, 0 */
	CHECK_EQ_U64(be32(buf + 72), 0);
	CHECK_EQ_U64(x.pos, 76);
	CHECK(rpc_finish_record(buf, 3) == -1);
}

static void test_reply_header(void)
{
	char err[200];
	struct xdr x;

	reply_start(77);
	xdr_put_u32(&rx, 0xfeed);
	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 77, err, sizeof(err)) == RPC_OK);
	CHECK_EQ_U64(xdr_get_u32(&x), 0xfeed);

	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 78, err, sizeof(err)) == RPC_ERR_GARBAGE);	/* wrong xid */

	/* Every truncation of the header is refused. */
	for (size_t n = 0; n < 36; n++) {	/* 9 words + 12-byte verifier body */
		xdr_init(&x, rb, n);
		CHECK(rpc_get_reply(&x, 77, err, sizeof(err)) != RPC_OK);
	}

	/* Denied: RPC version mismatch, and AUTH_ERROR. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 5); xdr_put_u32(&rx, 1); xdr_put_u32(&rx, 1);
	xdr_put_u32(&rx, 1); xdr_put_u32(&rx, 1);	/* AUTH_ERROR, BADCRED */
	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 5, err, sizeof(err)) == RPC_ERR_DENIED);
	CHECK(strstr(err, "bad credentials") != NULL);

	/* Accepted but PROG_MISMATCH 3..4. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 6); xdr_put_u32(&rx, 1); xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0); xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 2); xdr_put_u32(&rx, 3); xdr_put_u32(&rx, 4);
	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 6, err, sizeof(err)) == RPC_ERR_ACCEPT);
	CHECK(strstr(err, "3..4") != NULL);

	/* A verifier claiming 1 GiB. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 8); xdr_put_u32(&rx, 1); xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0); xdr_put_u32(&rx, 0x40000000);
	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 8, err, sizeof(err)) == RPC_ERR_GARBAGE);

	/* A CALL, not a REPLY. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 9); xdr_put_u32(&rx, 0);
	xdr_init(&x, rb, rx.pos);
	CHECK(rpc_get_reply(&x, 9, err, sizeof(err)) == RPC_ERR_GARBAGE);
}

/* Decodes the result after the header at every truncation; each must fail
 * (or, for a prefix that is a complete shorter result, not read past n). */
typedef int (*decode_fn)(struct xdr *x);
static int cut_checks(decode_fn f, size_t full)
{
	int bad = 0;

	for (size_t n = 0; n < full; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct xdr x;

		memcpy(copy, rb, n);
		xdr_init(&x, copy, n);
		if (f(&x) == 0 && !x.err)
			bad++;
		free(copy);
	}
	return bad;
}

static struct nfs_fh dfh;
static int dec_getport(struct xdr *x) { return pmap_get_getport(x) > 0 ? 0 : -1; }
static int dec_mnt(struct xdr *x) { return mnt_get_mnt(x, &dfh); }
static int dec_lookup(struct xdr *x) { return nfs3_get_lookup(x, &dfh); }
static int dec_create(struct xdr *x) { bool h; return nfs3_get_create(x, &dfh, &h); }
static int dec_write(struct xdr *x)
{
	uint32_t c, k;
	uint8_t v[8];

	return nfs3_get_write(x, &c, &k, v);
}
static int dec_commit(struct xdr *x) { uint8_t v[8]; return nfs3_get_commit(x, v); }
static int dec_fsinfo(struct xdr *x) { uint32_t a, b; return nfs3_get_fsinfo(x, &a, &b); }

static void test_portmap_mount(void)
{
	uint8_t buf[128];
	struct xdr x;
	struct nfs_fh fh;

	xdr_init(&x, buf, sizeof(buf));
	pmap_put_getport(&x, MOUNT_PROG, MOUNT_VERS, IPPROTO_TCP_NUM);
	CHECK_EQ_U64(x.pos, 16);
	CHECK_EQ_U64(be32(buf), 100005);
	CHECK_EQ_U64(be32(buf + 8), 6);
	CHECK_EQ_U64(be32(buf + 12), 0);

	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 20048);
	xdr_init(&x, rb, rx.pos);
	CHECK(pmap_get_getport(&x) == 20048);
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 70000);		/* not a port */
	xdr_init(&x, rb, rx.pos);
	CHECK(pmap_get_getport(&x) == -1);
	xdr_init(&x, rb, 2);
	CHECK(pmap_get_getport(&x) == -1);

	xdr_init(&x, buf, sizeof(buf));
	mnt_put_mnt(&x, "/srv/dumps");
	CHECK_EQ_U64(x.pos, 16);
	CHECK_EQ_U64(be32(buf), 10);

	/* MNT OK: fh of 28 bytes, flavors {AUTH_NONE, AUTH_SYS}. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_opaque(&rx, "0123456789abcdef0123456789ab", 28);
	xdr_put_u32(&rx, 2);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 1);
	xdr_init(&x, rb, rx.pos);
	CHECK(mnt_get_mnt(&x, &fh) == 0);
	CHECK_EQ_U64(fh.len, 28);
	CHECK(memcmp(fh.data, "0123456789abcdef0123456789ab", 28) == 0);
	CHECK(cut_checks(dec_mnt, rx.pos) == 0);

	/* AUTH_SYS not offered (only RPCSEC_GSS). */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_opaque(&rx, "abcd", 4);
	xdr_put_u32(&rx, 1);
	xdr_put_u32(&rx, 6);
	xdr_init(&x, rb, rx.pos);
	CHECK(mnt_get_mnt(&x, &fh) == -1);

	/* Handle over 64 bytes; refusal with a status. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 65);
	xdr_init(&x, rb, sizeof(rb));
	CHECK(mnt_get_mnt(&x, &fh) == -1);
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 13);
	xdr_init(&x, rb, rx.pos);
	CHECK(mnt_get_mnt(&x, &fh) == 13);
	CHECK_STR(mnt_stat_name(13), "permission denied (MNT3ERR_ACCES)");
	(void)dec_getport;
}

static void test_nfs3_calls(void)
{
	uint8_t buf[512];
	struct nfs_fh fh = { 8, "ABCDEFGH" };
	struct xdr x;

	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_create(&x, &fh, "vmcore", 0400, NFS3_CREATE_GUARDED);
	CHECK(!x.err);
	/* fh (4+8), name (4+6+2), how, sattr3: set mode 0400, 5 x don't set */
	CHECK_EQ_U64(x.pos, 12 + 12 + 4 + 4 + 4 + 20);
	CHECK_EQ_U64(be32(buf + 24), 1);	/* GUARDED */
	CHECK_EQ_U64(be32(buf + 28), 1);
	CHECK_EQ_U64(be32(buf + 32), 0400);
	for (int i = 0; i < 5; i++)
		CHECK_EQ_U64(be32(buf + 36 + 4 * i), 0);

	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_write(&x, &fh, 0x123456789ull, 65536, NFS3_UNSTABLE);
	CHECK_EQ_U64(x.pos, 12 + 8 + 4 + 4 + 4);
	CHECK_EQ_U64(be32(buf + 12), 1);
	CHECK_EQ_U64(be32(buf + 16), 0x23456789);
	CHECK_EQ_U64(be32(buf + 20), 65536);
	CHECK_EQ_U64(be32(buf + 24), 0);	/* UNSTABLE */
	CHECK_EQ_U64(be32(buf + 28), 65536);	/* data length; bytes follow */
	CHECK_EQ_U64(nfs3_pad(65535), 1);

	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_commit(&x, &fh, 0, 0);
	CHECK_EQ_U64(x.pos, 24);

	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_mkdir(&x, &fh, "var", 0755);
	CHECK_EQ_U64(be32(buf + 24), 0755);

	/* Bad names and handles are refused, not sent. */
	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_lookup(&x, &fh, "");
	CHECK(x.err);
	{
		char longname[300];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[299] = 0;
		xdr_init(&x, buf, sizeof(buf));
		nfs3_put_lookup(&x, &fh, longname);
		CHECK(x.err);
	}
	struct nfs_fh bad = { 65, { 0 } };

	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_fsinfo(&x, &bad);
	CHECK(x.err);
	xdr_init(&x, buf, sizeof(buf));
	nfs3_put_create(&x, &fh, "x", 0400, 2);	/* EXCLUSIVE takes no sattr3 */
	CHECK(x.err);
}

static void test_nfs3_replies(void)
{
	struct nfs_fh fh;
	struct xdr x;
	bool have;
	uint32_t count, committed, wtmax, wtpref;
	uint8_t verf[8];

	/* LOOKUP OK */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_opaque(&rx, "handle-16-bytes!", 16);
	put_post_op_attr(&rx);
	put_post_op_attr(&rx);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_lookup(&x, &fh) == 0);
	CHECK_EQ_U64(fh.len, 16);
	CHECK_EQ_U64(x.pos, rx.pos);
	CHECK(cut_checks(dec_lookup, rx.pos) == 0);
	/* LOOKUP NOENT */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 2);
	xdr_put_u32(&rx, 0);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_lookup(&x, &fh) == NFS3ERR_NOENT);
	/* A zero-length handle is no handle. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_lookup(&x, &fh) == -1);

	/* CREATE/MKDIR OK with a handle, OK without one, EXIST. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 1);
	xdr_put_opaque(&rx, "new-file-handle!", 16);
	put_post_op_attr(&rx);
	put_wcc(&rx);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_create(&x, &fh, &have) == 0);
	CHECK(have);
	CHECK(memcmp(fh.data, "new-file-handle!", 16) == 0);
	CHECK(cut_checks(dec_create, rx.pos) == 0);
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	put_wcc(&rx);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_create(&x, &fh, &have) == 0);
	CHECK(!have);
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 17);
	put_wcc(&rx);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_create(&x, &fh, &have) == NFS3ERR_EXIST);

	/* WRITE OK: short count, UNSTABLE, verifier. */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	put_wcc(&rx);
	xdr_put_u32(&rx, 4096);
	xdr_put_u32(&rx, 0);
	xdr_put_fixed(&rx, "VERIFIER", 8);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_write(&x, &count, &committed, verf) == 0);
	CHECK_EQ_U64(count, 4096);
	CHECK_EQ_U64(committed, 0);
	CHECK(memcmp(verf, "VERIFIER", 8) == 0);
	CHECK(cut_checks(dec_write, rx.pos) == 0);
	/* committed out of range */
	rb[rx.pos - 12 + 3] = 7;
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_write(&x, &count, &committed, verf) == -1);
	/* WRITE NOSPC, JUKEBOX */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 28);
	put_wcc(&rx);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_write(&x, &count, &committed, verf) == 28);
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, NFS3ERR_JUKEBOX);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 0);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_write(&x, &count, &committed, verf) == NFS3ERR_JUKEBOX);
	/* a negative status word */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0x80000001u);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_write(&x, &count, &committed, verf) == -1);

	/* COMMIT OK */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	put_wcc(&rx);
	xdr_put_fixed(&rx, "VERIFIE2", 8);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_commit(&x, verf) == 0);
	CHECK(memcmp(verf, "VERIFIE2", 8) == 0);
	CHECK(cut_checks(dec_commit, rx.pos) == 0);

	/* FSINFO OK */
	xdr_init(&rx, rb, sizeof(rb));
	xdr_put_u32(&rx, 0);
	put_post_op_attr(&rx);
	xdr_put_u32(&rx, 1 << 20);
	xdr_put_u32(&rx, 1 << 20);
	xdr_put_u32(&rx, 4);
	xdr_put_u32(&rx, 1 << 20);	/* wtmax */
	xdr_put_u32(&rx, 65536);	/* wtpref */
	xdr_put_u32(&rx, 4);
	xdr_put_u32(&rx, 4096);
	xdr_put_u64(&rx, ~0ull);
	xdr_put_u32(&rx, 0);
	xdr_put_u32(&rx, 1);
	xdr_put_u32(&rx, 0x1b);
	xdr_init(&x, rb, rx.pos);
	CHECK(nfs3_get_fsinfo(&x, &wtmax, &wtpref) == 0);
	CHECK_EQ_U64(wtmax, 1 << 20);
	CHECK_EQ_U64(wtpref, 65536);
	CHECK(cut_checks(dec_fsinfo, 4 + 88 + 20) == 0);
	CHECK_STR(nfs3_stat_name(28), "no space left on the server (NFS3ERR_NOSPC)");
}

/* Random bytes after a valid header: decoders return, never overrun. */
static void test_fuzz(void)
{
	uint32_t seed = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (seed = seed * 1103515245 + 12345) % 400;
		uint8_t *buf = malloc(n ? n : 1);
		struct xdr x;
		uint32_t a, b;
		uint8_t v[8];
		bool h;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			/* mostly small words, so lengths look plausible */
			buf[i] = (i & 3) == 3 ? (uint8_t)(seed >> 16) : (seed >> 24) % 4 == 0 ? (uint8_t)(seed >> 8) : 0;
		}
		switch (iter % 7) {
		case 0: xdr_init(&x, buf, n); (void)mnt_get_mnt(&x, &dfh); break;
		case 1: xdr_init(&x, buf, n); (void)nfs3_get_lookup(&x, &dfh); break;
		case 2: xdr_init(&x, buf, n); (void)nfs3_get_create(&x, &dfh, &h); break;
		case 3: xdr_init(&x, buf, n); (void)nfs3_get_write(&x, &a, &b, v); break;
		case 4: xdr_init(&x, buf, n); (void)nfs3_get_commit(&x, v); break;
		case 5: xdr_init(&x, buf, n); (void)nfs3_get_fsinfo(&x, &a, &b); break;
		case 6: {
			char err[128];

			xdr_init(&x, buf, n);
			(void)rpc_get_reply(&x, n >= 4 ? be32(buf) : 0, err, sizeof(err));
			break;
		}
		}
		CHECK(x.pos <= n);
		CHECK(dfh.len <= NFS3_FHSIZE);
		free(buf);
	}
}

int main(void)
{
	test_xdr();
	test_call();
	test_reply_header();
	test_portmap_mount();
	test_nfs3_calls();
	test_nfs3_replies();
	test_fuzz();
	return test_summary("rpc");
}
