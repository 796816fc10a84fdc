/*
 * The RPC client's interface (net/rpc_clnt.h) without a network, for tests
 * of the code above it (net/nfs_sink.c, net/nfs_target.c): every call is
 * answered at once by the test's scripted server, on a simulated clock that
 * polling advances, so backoffs of minutes cost nothing. Included after the
 * net/ sources under test. The test defines the server:
 *
 *   static void fake_serve(struct rpc_clnt *c, uint32_t proc, struct xdr *args,
 *                          const uint8_t *data, uint32_t datalen, struct xdr *reply);
 *
 * args holds the call's arguments, data its bulk data (WRITE); reply is
 * positioned after an accepted, successful RPC reply header.
 *
 * With fake_hold set, calls stay in flight, as over a real connection to a
 * server with several threads: a call takes FAKE_RTT_MS, then each poll
 * has the server act on one of those that are due and answer it: the
 * oldest (FAKE_FIFO), the newest (FAKE_LIFO) or one picked pseudo-randomly
 * (FAKE_RANDOM). So calls in flight together take effect in any order.
 * fake_most_held is the most calls that were in flight at once.
 * fake_reconnect() is what the client does after a server restart: it
 * sends the calls in flight again, which the new server then acts on.
 */
#ifndef TESTS_FAKE_RPC_H
#define TESTS_FAKE_RPC_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net/rpc_clnt.h"

/* A client that never gives up is stopped here (c->dead), not hung. */
#define FAKE_CALL_LIMIT	2000000

static uint64_t now_ms;
static char last_log[512];
static unsigned fake_calls;

enum fake_hold { FAKE_AT_ONCE, FAKE_FIFO, FAKE_LIFO, FAKE_RANDOM };
#define FAKE_RTT_MS	300	/* the writer fills a window of 16 in less */
static enum fake_hold fake_hold;
static unsigned fake_most_held;
static uint32_t fake_seed = 1;
static uint64_t fake_order[RPC_MAX_CALLS], fake_next_order;	/* by slot: send order */

static void fake_serve(struct rpc_clnt *c, uint32_t proc, struct xdr *args,
		       const uint8_t *data, uint32_t datalen, struct xdr *reply);

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

void rpc_clnt_init(struct rpc_clnt *c, const char *what, uint32_t server, uint16_t port,
		   uint32_t prog, uint32_t vers, const struct rpc_auth *auth, uint32_t give_up_ms)
{
	memset(c, 0, sizeof(*c));
	c->what = what;
	c->server = server;
	c->port = port;
	c->prog = prog;
	c->vers = vers;
	c->give_up_ms = give_up_ms;
	c->next_xid = 100;
}

struct rpc_call *rpc_begin(struct rpc_clnt *c, uint32_t proc, struct xdr *args)
{
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *call = &c->calls[i];

		if (call->state == CALL_FREE) {
			memset(call, 0, sizeof(*call));
			call->state = CALL_QUEUED;
			call->xid = c->next_xid++;
			call->seq = proc;	/* the server needs to know what was asked */
			xdr_init(args, call->hdr, sizeof(call->hdr));
			return call;
		}
	}
	return NULL;
}

/* The server acts on the call and writes its reply into the slot. */
static void fake_serve_call(struct rpc_clnt *c, struct rpc_call *call)
{
	struct xdr a, r;

	xdr_init(&a, call->hdr, call->hdrlen);
	xdr_init(&r, call->reply, sizeof(call->reply));
	xdr_put_u32(&r, call->xid);
	xdr_put_u32(&r, 1);		/* REPLY */
	xdr_put_u32(&r, 0);		/* MSG_ACCEPTED */
	xdr_put_u32(&r, 0);		/* AUTH_NONE verifier */
	xdr_put_u32(&r, 0);
	xdr_put_u32(&r, 0);		/* SUCCESS */
	fake_serve(c, call->seq, &a, call->data, call->datalen, &r);
	call->replylen = r.pos;
}

static unsigned fake_held(const struct rpc_clnt *c)
{
	unsigned n = 0;

	for (int i = 0; i < RPC_MAX_CALLS; i++)
		if (c->calls[i].state == CALL_SENT)
			n++;
	return n;
}

int rpc_send(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args, const void *data,
	     uint32_t datalen)
{
	if (args->err)
		return -1;
	if (++fake_calls > FAKE_CALL_LIMIT) {
		c->dead = true;
		snprintf(c->why, sizeof(c->why), "test: %u calls and the client still goes on",
			 fake_calls);
		return 0;
	}
	call->hdrlen = args->pos;
	call->data = data;
	call->datalen = datalen;
	call->sent_ms = now_ms;
	fake_order[call - c->calls] = fake_next_order++;
	if (fake_hold == FAKE_AT_ONCE) {
		fake_serve_call(c, call);
		call->state = CALL_DONE;
		return 0;
	}
	call->state = CALL_SENT;
	if (fake_held(c) > fake_most_held)
		fake_most_held = fake_held(c);
	return 0;
}

static bool fake_arrived(const struct rpc_call *call)
{
	return call->state == CALL_SENT && now_ms >= call->sent_ms + FAKE_RTT_MS;
}

/* The server acts on one of the calls that are due, chosen as fake_hold
 * says, and the client has its reply. */
static void fake_deliver_one(struct rpc_clnt *c)
{
	int pick = -1;
	unsigned n = 0, k;

	for (int i = 0; i < RPC_MAX_CALLS; i++)
		n += fake_arrived(&c->calls[i]);
	if (n == 0)
		return;
	fake_seed = fake_seed * 1103515245u + 12345u;
	k = (fake_seed >> 16) % n;
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		if (!fake_arrived(&c->calls[i]))
			continue;
		if (fake_hold == FAKE_RANDOM) {
			if (k-- == 0)
				pick = i;
		} else if (pick < 0 || (fake_hold == FAKE_FIFO) == (fake_order[i] < fake_order[pick])) {
			pick = i;
		}
	}
	fake_serve_call(c, &c->calls[pick]);
	c->calls[pick].state = CALL_DONE;
}

/* The connection dropped and came back: the calls in flight are sent again
 * (and a server acts on each when it answers it, as always here). */
static __attribute__((unused)) void fake_reconnect(struct rpc_clnt *c)
{
	for (int i = 0; i < RPC_MAX_CALLS; i++)
		if (c->calls[i].state == CALL_SENT)
			c->calls[i].sent_ms = now_ms;
	c->connects++;
}

int rpc_pump(struct rpc_clnt *c)
{
	now_ms += 1;
	if (fake_hold != FAKE_AT_ONCE)
		fake_deliver_one(c);
	return c->dead ? -1 : 0;
}

int rpc_wait(struct rpc_clnt *c, struct rpc_call *call)
{
	while (call->state != CALL_DONE)
		if (rpc_pump(c) != 0)
			return -1;
	return 0;
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

int rpc_in_flight(const struct rpc_clnt *c)
{
	int n = 0;

	for (int i = 0; i < RPC_MAX_CALLS; i++)
		if (c->calls[i].state == CALL_QUEUED || c->calls[i].state == CALL_SENT)
			n++;
	return n;
}

void rpc_clnt_close(struct rpc_clnt *c)
{
	(void)c;
}

#endif
