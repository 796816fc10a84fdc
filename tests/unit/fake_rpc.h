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

int rpc_send(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args, const void *data,
	     uint32_t datalen)
{
	struct xdr a, r;

	if (args->err)
		return -1;
	if (++fake_calls > FAKE_CALL_LIMIT) {
		c->dead = true;
		snprintf(c->why, sizeof(c->why), "test: %u calls and the client still goes on",
			 fake_calls);
		return 0;
	}
	xdr_init(&a, call->hdr, args->pos);
	xdr_init(&r, call->reply, sizeof(call->reply));
	xdr_put_u32(&r, call->xid);
	xdr_put_u32(&r, 1);		/* REPLY */
	xdr_put_u32(&r, 0);		/* MSG_ACCEPTED */
	xdr_put_u32(&r, 0);		/* AUTH_NONE verifier */
	xdr_put_u32(&r, 0);
	xdr_put_u32(&r, 0);		/* SUCCESS */
	fake_serve(c, call->seq, &a, data, datalen, &r);
	call->replylen = r.pos;
	call->state = CALL_DONE;
	return 0;
}

int rpc_pump(struct rpc_clnt *c)
{
	now_ms += 1;
	return c->dead ? -1 : 0;
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
