/*
 * net/nfs_sink.c against a scripted NFS server (issue 15, finding 2): a
 * server that answers NFS3ERR_JUKEBOX forever makes the dump give up once
 * dumpling_timeout has passed without any data taken, after retries that
 * back off; a server that is busy for a while and then takes the data gets
 * a complete file.
 *
 * The RPC client (net/rpc_clnt.c, lwIP underneath) is replaced by the
 * script (tests/unit/fake_rpc.h): every call is answered at once, the clock
 * is simulated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nfs3.c"
#include "net/nfs_sink.c"
#include "net/rpc.c"
#include "tests/unit/fake_rpc.h"
#include "tests/unit/test.h"

static unsigned busy_replies;		/* JUKEBOX this many times, then OK; ~0u: forever */
static unsigned writes, commits, jukeboxes_sent;
static uint64_t bytes_taken;

/* The server: answers the call at once, as the script says. */
static void fake_serve(struct rpc_clnt *c, uint32_t proc, struct xdr *args,
		       const uint8_t *data, uint32_t datalen, struct xdr *r)
{
	static const uint8_t verf[8] = "verifier";
	int busy = busy_replies == ~0u || busy_replies > 0;

	if (busy) {
		if (busy_replies != ~0u)
			busy_replies--;
		jukeboxes_sent++;
		xdr_put_u32(r, NFS3ERR_JUKEBOX);
		xdr_put_u32(r, 0);	/* wcc_data: no pre_op_attr */
		xdr_put_u32(r, 0);	/* no post_op_attr */
	} else {
		xdr_put_u32(r, NFS3_OK);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		if (proc == NFSPROC3_WRITE) {
			xdr_put_u32(r, datalen);	/* count */
			xdr_put_u32(r, NFS3_UNSTABLE);
			bytes_taken += datalen;
		}
		xdr_put_fixed(r, verf, 8);
	}
	if (proc == NFSPROC3_WRITE)
		writes++;
	else
		commits++;
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
	nfs_sink_init(&ns, &clnt, &fh, 64 << 10, 0, pool, "test");
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
