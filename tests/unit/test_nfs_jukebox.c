/*
 * net/nfs_sink.c against a scripted NFS server (issue 15, finding 2): a
 * server that answers NFS3ERR_JUKEBOX forever makes the dump give up once
 * dumpling_timeout has passed without any data taken, after retries that
 * back off; a server that is busy for a while and then takes the data gets
 * a complete file.
 *
 * The RPC client (net/rpc_clnt.c, lwIP underneath) is replaced by the
 * script: every call is answered at once, the clock is simulated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nfs3.c"
#include "net/nfs_sink.c"
#include "net/rpc.c"
#include "tests/unit/test.h"

static uint64_t now_ms;
static unsigned busy_replies;		/* JUKEBOX this many times, then OK; ~0u: forever */
static unsigned writes, commits, jukeboxes_sent;
static uint64_t bytes_taken;
static char last_log[512];

uint64_t net_now_ms(void) { return now_ms; }
void net_poll(void) { now_ms += 1; }
uint64_t port_now_ns(void) { return now_ms * 1000000; }

void port_vlog(const char *fmt, va_list ap)
{
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	fputs(last_log, stderr);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}

struct rpc_call *rpc_begin(struct rpc_clnt *c, uint32_t proc, struct xdr *args)
{
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *call = &c->calls[i];

		if (call->state == CALL_FREE) {
			memset(call, 0, sizeof(*call));
			call->state = CALL_QUEUED;
			call->xid = c->next_xid++;
			call->seq = proc;	/* the script needs to know what was asked */
			xdr_init(args, call->hdr, sizeof(call->hdr));
			return call;
		}
	}
	return NULL;
}

/* The server: answers the call at once, as the script says. */
int rpc_send(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args, const void *data,
	     uint32_t datalen)
{
	static const uint8_t verf[8] = "verifier";
	struct xdr r;
	int busy = busy_replies == ~0u || busy_replies > 0;

	xdr_init(&r, call->reply, sizeof(call->reply));
	xdr_put_u32(&r, call->xid);
	xdr_put_u32(&r, 1);		/* REPLY */
	xdr_put_u32(&r, 0);		/* MSG_ACCEPTED */
	xdr_put_u32(&r, 0);		/* AUTH_NONE verifier */
	xdr_put_u32(&r, 0);
	xdr_put_u32(&r, 0);		/* SUCCESS */
	if (busy) {
		if (busy_replies != ~0u)
			busy_replies--;
		jukeboxes_sent++;
		xdr_put_u32(&r, NFS3ERR_JUKEBOX);
		xdr_put_u32(&r, 0);	/* wcc_data: no pre_op_attr */
		xdr_put_u32(&r, 0);	/* no post_op_attr */
	} else {
		xdr_put_u32(&r, NFS3_OK);
		xdr_put_u32(&r, 0);
		xdr_put_u32(&r, 0);
		if (call->seq == NFSPROC3_WRITE) {
			xdr_put_u32(&r, datalen);	/* count */
			xdr_put_u32(&r, NFS3_UNSTABLE);
			bytes_taken += datalen;
		}
		xdr_put_fixed(&r, verf, 8);
	}
	if (call->seq == NFSPROC3_WRITE)
		writes++;
	else
		commits++;
	call->replylen = r.pos;
	call->state = CALL_DONE;
	return 0;
}

int rpc_pump(struct rpc_clnt *c)
{
	now_ms += 1;
	return 0;
}

int rpc_wait(struct rpc_clnt *c, struct rpc_call *call)
{
	return rpc_pump(c);
}

int rpc_result(struct rpc_call *call, struct xdr *res, char *err, size_t errlen)
{
	xdr_init(res, call->reply, call->replylen);
	return rpc_get_reply(res, call->xid, err, errlen);
}

void rpc_release(struct rpc_call *call)
{
	call->state = CALL_FREE;
}

static struct rpc_clnt clnt;
static struct nfs_sink ns;
static uint8_t pool[NFS_POOL_BYTES], data[256 << 10];

/* Writes 256 KiB and finishes; returns finish's result. */
static int dump(unsigned busy, uint32_t timeout_s)
{
	struct nfs_fh fh = { 4, "fh01" };
	int r;

	now_ms = 1000;
	busy_replies = busy;
	writes = commits = jukeboxes_sent = 0;
	bytes_taken = 0;
	last_log[0] = 0;
	memset(&clnt, 0, sizeof(clnt));
	clnt.give_up_ms = timeout_s * 1000;
	nfs_sink_init(&ns, &clnt, &fh, 64 << 10, pool, "test");
	r = ns.sink.write(&ns.sink, 0, data, sizeof(data));
	if (r)
		return r;
	return ns.sink.finish(&ns.sink);
}

int main(void)
{
	/* Busy forever: gives up after the timeout, with backed-off retries. */
	CHECK(dump(~0u, 120) == SINK_ERR_IO);
	CHECK(strstr(last_log, "JUKEBOX") != NULL && strstr(last_log, "giving up") != NULL);
	CHECK(now_ms - 1000 >= 120000);
	CHECK(now_ms - 1000 <= 120000 + 2 * BUSY_DELAY_MAX_MS);
	CHECK_EQ_U64(bytes_taken, 0);
	/* Backoff: far fewer than the 240 retries a fixed 500 ms would make,
	 * per chunk in flight (4 chunks of 64 KiB). */
	CHECK(jukeboxes_sent > 4 && jukeboxes_sent <= 4 * (120000 / BUSY_DELAY_MAX_MS + 6));
	fprintf(stderr, "busy forever: %u JUKEBOX replies, gave up after %llu ms\n",
		jukeboxes_sent, (unsigned long long)(now_ms - 1000));

	/* Busy for a while, then fine: the file is complete. */
	CHECK(dump(10, 120) == 0);
	CHECK_EQ_U64(bytes_taken, sizeof(data));
	CHECK(commits >= 1);
	CHECK_EQ_U64(jukeboxes_sent, 10);

	return test_summary("test_nfs_jukebox");
}
