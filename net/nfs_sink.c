/* The NFS vmcore writer (see nfs_sink.h). */
#include <stdio.h>
#include <string.h>

#include "capture/busy.h"
#include "capture/ports.h"
#include "net/nfs_sink.h"
#include "net/stack.h"

#define COMMIT_ATTEMPTS		5

static bool overlaps(const struct nfs_chunk *a, const struct nfs_chunk *b)
{
	return a->off < b->off + b->len && b->off < a->off + a->len;
}

static int fail(struct nfs_sink *ns, int error, const char *why)
{
	if (!ns->failed)
		port_log("nfs: %s: %s\n", ns->name, why);
	ns->failed = true;
	ns->error = error;
	return error;
}

static int fail_rpc(struct nfs_sink *ns)
{
	return fail(ns, SINK_ERR_IO, ns->rpc->why);
}

/* NFS3ERR_JUKEBOX: the delay before the retry, or -1 after giving up
 * (capture/busy.h). */
static int64_t jukebox(struct nfs_sink *ns, const char *what)
{
	char why[200];
	int64_t delay = busy_reply(&ns->busy, net_now_ms(), ns->rpc->give_up_ms, what, why,
				   sizeof(why));

	if (delay < 0)
		fail(ns, SINK_ERR_IO, why);
	return delay;
}

/* Sends the unacknowledged part of a chunk as one UNSTABLE WRITE. */
static int submit(struct nfs_sink *ns, struct nfs_chunk *c)
{
	struct rpc_call *call;
	struct xdr x;

	call = rpc_begin(ns->rpc, NFSPROC3_WRITE, &x);
	if (!call)
		return -1;	/* no slot: caller pumps and retries */
	nfs3_put_write(&x, &ns->fh, c->off + c->acked, c->len - c->acked, NFS3_UNSTABLE);
	if (rpc_send(ns->rpc, call, &x, c->buf + c->acked, c->len - c->acked) != 0) {
		rpc_release(call);
		return fail(ns, SINK_ERR_IO, "WRITE call too large for its buffer");
	}
	call->user = c;
	c->call = call;
	c->st = CH_WRITING;
	return 0;
}

/* A WRITE's reply: done, short (send the rest), busy (later), or fatal. */
static int complete(struct nfs_sink *ns, struct nfs_chunk *c)
{
	struct rpc_call *call = c->call;
	uint8_t verf[NFS3_WRITEVERFSIZE];
	uint32_t count = 0, committed = 0, asked = c->len - c->acked;
	char err[160];
	struct xdr x;
	int r = rpc_result(call, &x, err, sizeof(err)), st;

	c->call = NULL;
	if (r != RPC_OK) {
		rpc_release(call);
		return fail(ns, SINK_ERR_IO, err);
	}
	st = nfs3_get_write(&x, &count, &committed, verf);
	rpc_release(call);
	if (st == NFS3ERR_JUKEBOX) {
		int64_t delay = jukebox(ns, "WRITE");

		if (delay < 0)
			return ns->error;
		c->st = CH_RESEND;
		c->retry_ms = net_now_ms() + (uint64_t)delay;
		return 0;
	}
	if (st != NFS3_OK) {
		snprintf(err, sizeof(err), "WRITE of %u bytes at %llu: %s", asked,
			 (unsigned long long)(c->off + c->acked),
			 st < 0 ? "malformed reply" : nfs3_stat_name(st));
		return fail(ns, st == 28 || st == 69 ? SINK_ERR_NOSPC : SINK_ERR_IO, err);
	}
	if (count == 0 || count > asked) {
		snprintf(err, sizeof(err), "WRITE of %u bytes: server says it took %u", asked, count);
		return fail(ns, SINK_ERR_IO, err);
	}
	if (!ns->have_verf) {
		memcpy(ns->verf, verf, sizeof(verf));
		ns->have_verf = true;
	} else if (memcmp(ns->verf, verf, sizeof(verf)) != 0 && !ns->verf_changed) {
		port_log("nfs: %s: write verifier changed: the server restarted\n", ns->name);
		ns->verf_changed = true;
	}
	busy_clear(&ns->busy);
	ns->bytes_sent += count;
	c->acked += count;
	c->st = c->acked < c->len ? CH_RESEND : CH_WRITTEN;
	return 0;
}

/* Earlier chunks over the same bytes must reach the server first. */
static bool blocked(struct nfs_sink *ns, const struct nfs_chunk *c)
{
	for (unsigned i = 0; i < ns->nchunks; i++) {
		const struct nfs_chunk *d = &ns->chunks[i];

		if (d != c && (d->st == CH_WRITING || d->st == CH_RESEND) &&
		    (int32_t)(d->seq - c->seq) < 0 && overlaps(c, d))
			return true;
	}
	return false;
}

static int writing(struct nfs_sink *ns)
{
	int n = 0;

	for (unsigned i = 0; i < ns->nchunks; i++)
		if (ns->chunks[i].st == CH_WRITING)
			n++;
	return n;
}

/* One round: network, replies, and chunks waiting to be (re)sent, oldest
 * first, within the window. */
static int step(struct nfs_sink *ns)
{
	uint64_t now;

	if (ns->failed)
		return ns->error;
	if (rpc_pump(ns->rpc) != 0)
		return fail_rpc(ns);
	for (unsigned i = 0; i < ns->nchunks; i++) {
		struct nfs_chunk *c = &ns->chunks[i];

		if (c->st == CH_WRITING && c->call->state == CALL_DONE && complete(ns, c) != 0)
			return ns->error;
	}
	now = net_now_ms();
	for (;;) {
		struct nfs_chunk *best = NULL;

		for (unsigned i = 0; i < ns->nchunks; i++) {
			struct nfs_chunk *c = &ns->chunks[i];

			if (c->st == CH_RESEND && (!best || (int32_t)(c->seq - best->seq) < 0))
				best = c;
		}
		if (!best || writing(ns) >= (int)ns->window || best->retry_ms > now ||
		    blocked(ns, best))
			break;
		if (submit(ns, best) != 0)
			return ns->failed ? ns->error : 0;
	}
	if ((unsigned)writing(ns) > ns->most_in_flight)
		ns->most_in_flight = (unsigned)writing(ns);
	return 0;
}

/* Queues the chunk being filled. */
static void seal(struct nfs_sink *ns)
{
	if (ns->fill >= 0) {
		struct nfs_chunk *c = &ns->chunks[ns->fill];

		c->st = c->len ? CH_RESEND : CH_FREE;
		ns->fill = -1;
	}
}

static bool pending(struct nfs_sink *ns)
{
	for (unsigned i = 0; i < ns->nchunks; i++)
		if (ns->chunks[i].st == CH_WRITING || ns->chunks[i].st == CH_RESEND)
			return true;
	return false;
}

/*
 * Everything written so far, made durable: all WRITEs answered, then COMMIT.
 * A verifier that changed means the server lost unstable data: re-send it
 * all and commit again. Frees every chunk on success.
 */
static int commit_all(struct nfs_sink *ns)
{
	char err[160];

	seal(ns);
	for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
		uint8_t verf[NFS3_WRITEVERFSIZE];
		struct rpc_call *call;
		struct xdr x;
		int r, st;

		while (pending(ns))
			if (step(ns) != 0)
				return ns->error;
		if (!ns->have_verf)
			return 0;	/* nothing written since the last COMMIT */
		while (!(call = rpc_begin(ns->rpc, NFSPROC3_COMMIT, &x)))
			if (step(ns) != 0)
				return ns->error;
		nfs3_put_commit(&x, &ns->fh, 0, 0);
		if (rpc_send(ns->rpc, call, &x, NULL, 0) != 0 || rpc_wait(ns->rpc, call) != 0) {
			rpc_release(call);
			return ns->rpc->dead ? fail_rpc(ns) : fail(ns, SINK_ERR_IO, "COMMIT failed");
		}
		r = rpc_result(call, &x, err, sizeof(err));
		st = r == RPC_OK ? nfs3_get_commit(&x, verf) : -1;
		rpc_release(call);
		if (r != RPC_OK)
			return fail(ns, SINK_ERR_IO, err);
		if (st == NFS3ERR_JUKEBOX) {
			int64_t delay = jukebox(ns, "COMMIT");
			uint64_t until = net_now_ms() + (uint64_t)delay;

			if (delay < 0)
				return ns->error;
			while (net_now_ms() < until)
				net_poll();
			attempt--;	/* a busy server is bounded by the time above */
			continue;
		}
		if (st != NFS3_OK) {
			snprintf(err, sizeof(err), "COMMIT: %s",
				 st < 0 ? "malformed reply" : nfs3_stat_name(st));
			return fail(ns, st == 28 || st == 69 ? SINK_ERR_NOSPC : SINK_ERR_IO, err);
		}
		ns->commits++;
		busy_clear(&ns->busy);
		if (!ns->verf_changed && memcmp(verf, ns->verf, sizeof(verf)) == 0) {
			for (unsigned i = 0; i < ns->nchunks; i++)
				ns->chunks[i].st = CH_FREE;
			ns->have_verf = false;
			return 0;
		}
		/* The server restarted since these WRITEs: send them again. */
		unsigned n = 0;
		uint64_t bytes = 0;

		for (unsigned i = 0; i < ns->nchunks; i++) {
			struct nfs_chunk *c = &ns->chunks[i];

			if (c->st == CH_WRITTEN) {
				c->st = CH_RESEND;
				c->acked = 0;
				c->retry_ms = 0;
				n++;
				bytes += c->len;
			}
		}
		port_log("nfs: %s: COMMIT verifier differs from the WRITEs': re-sending %u "
			 "chunks (%llu KiB) since the last good COMMIT\n", ns->name, n,
			 (unsigned long long)(bytes >> 10));
		ns->resends += n;
		ns->have_verf = false;
		ns->verf_changed = false;
	}
	return fail(ns, SINK_ERR_IO, "the server kept restarting: COMMIT never confirmed the data");
}

/* A chunk to fill: a free one, or all of them after a COMMIT. */
static struct nfs_chunk *take_chunk(struct nfs_sink *ns)
{
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < ns->nchunks; i++)
			if (ns->chunks[i].st == CH_FREE) {
				ns->fill = (int)i;
				return &ns->chunks[i];
			}
		if (commit_all(ns) != 0)
			return NULL;
	}
	return NULL;
}

static int nfs_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct nfs_sink *ns = (struct nfs_sink *)s;
	const uint8_t *p = buf;

	if (ns->failed)
		return ns->error;
	while (len) {
		struct nfs_chunk *c = ns->fill >= 0 ? &ns->chunks[ns->fill] : NULL;
		uint32_t n;

		if (c && (off != c->off + c->len || c->len == ns->wsize)) {
			seal(ns);
			c = NULL;
		}
		if (!c) {
			c = take_chunk(ns);
			if (!c)
				return ns->error ? ns->error : SINK_ERR_IO;
			c->st = CH_FILL;
			c->off = off;
			c->len = 0;
			c->acked = 0;
			c->retry_ms = 0;
			c->seq = ns->next_seq++;
		}
		n = ns->wsize - c->len;
		if (n > len)
			n = (uint32_t)len;
		memcpy(c->buf + c->len, p, n);
		c->len += n;
		p += n;
		off += n;
		len -= n;
		if (c->len == ns->wsize) {
			seal(ns);
			if (step(ns) != 0)
				return ns->error;
		}
	}
	return step(ns);
}

static int nfs_finish(struct sink *s)
{
	struct nfs_sink *ns = (struct nfs_sink *)s;
	int r = commit_all(ns);

	if (r == 0)
		port_log("nfs: %s: %llu bytes sent, %llu COMMITs, %llu chunks re-sent, "
			 "%u WRITEs in flight at most (of %u), %d connections\n",
			 ns->name, (unsigned long long)ns->bytes_sent,
			 (unsigned long long)ns->commits, (unsigned long long)ns->resends,
			 ns->most_in_flight, ns->window, ns->rpc->connects);
	return r;
}

void nfs_sink_init(struct nfs_sink *ns, struct rpc_clnt *rpc, const struct nfs_fh *fh,
		   uint32_t wtmax, unsigned window, uint8_t *pool, const char *name)
{
	uint32_t w = NFS_CHUNK_MAX;

	memset(ns, 0, sizeof(*ns));
	ns->sink.write = nfs_write;
	ns->sink.finish = nfs_finish;
	ns->sink.capacity = 0;
	ns->sink.name = ns->name;
	ns->rpc = rpc;
	ns->fh = *fh;
	if (wtmax && wtmax < w)
		w = wtmax >= 4096 ? wtmax & ~4095u : wtmax;
	if (w < 512)
		w = 512;
	ns->wsize = w;
	ns->window = window == 0 ? NFS_WINDOW : window > NFS_WINDOW_MAX ? NFS_WINDOW_MAX : window;
	ns->nchunks = NFS_POOL_BYTES / w;
	if (ns->nchunks > NFS_MAX_CHUNKS)
		ns->nchunks = NFS_MAX_CHUNKS;
	for (unsigned i = 0; i < ns->nchunks; i++)
		ns->chunks[i].buf = pool + (size_t)i * w;
	ns->fill = -1;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
}
