/*
 * RPC over lwIP TCP, polled (see rpc_clnt.h). lwIP calls back into this file
 * only from inside net_poll (NO_SYS), so the callbacks just record what
 * happened and rpc_pump acts on it.
 */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "net/rpc_clnt.h"
#include "net/stack.h"

#define CONNECT_TIMEOUT_MS	5000
#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		8000
#define RTO_MIN_MS		15000	/* a COMMIT may flush a lot on a slow server */
#define RTO_MAX_MS		60000
#define RESERVED_PORT_LO	665	/* some servers want a port below 1024 */
#define RESERVED_PORT_HI	1023

static uint8_t pad_zeros[4];

/* Milliseconds from t to now; 0 if t is later (set after now was read). */
static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static void log_ep(struct rpc_clnt *c, const char *what)
{
	char ip[16];

	port_log("nfs: %s %s:%u: %s\n", c->what, ip4_str(c->server, ip), c->port, what);
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
	c->auth = *auth;
	c->give_up_ms = give_up_ms;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->rto_ms = RTO_MIN_MS;
	/* Random xids: the server's duplicate-request cache outlives us. */
	c->next_xid = lwip_port_rand() ^ (uint32_t)port_now_ns();
	c->progress_ms = net_now_ms();
}

/* ---- receiving -------------------------------------------------------- */

static void deliver(struct rpc_clnt *c)
{
	uint32_t xid;

	if (!rpc_peek_xid(c->rec, c->reclen, &xid))
		return;
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *k = &c->calls[i];

		if ((k->state == CALL_SENT || k->state == CALL_QUEUED) && k->xid == xid) {
			memcpy(k->reply, c->rec, c->reclen);
			k->replylen = c->reclen;
			k->truncated = c->rec_truncated;
			k->state = CALL_DONE;
			c->progress_ms = net_now_ms();
			c->rto_ms = RTO_MIN_MS;
			return;
		}
	}
	/* A reply to a call we already gave up on, or a duplicate: ignore. */
}

/* Record marking: 4-byte marks, fragments, a record ends with a last one. */
static void consume(struct rpc_clnt *c, const uint8_t *p, size_t n)
{
	while (n) {
		if (c->mark_have < 4) {
			c->mark[c->mark_have++] = *p++;
			n--;
			if (c->mark_have == 4) {
				uint32_t m = (uint32_t)c->mark[0] << 24 | (uint32_t)c->mark[1] << 16 |
					     (uint32_t)c->mark[2] << 8 | c->mark[3];

				c->frag_left = rpc_mark_len(m);
				c->frag_last = rpc_mark_last(m);
				if (c->frag_left == 0 && c->frag_last) {
					deliver(c);
					c->reclen = 0;
					c->rec_truncated = false;
					c->mark_have = 0;
				} else if (c->frag_left == 0) {
					c->mark_have = 0;
				}
			}
			continue;
		}
		size_t take = n < c->frag_left ? n : c->frag_left;
		size_t room = sizeof(c->rec) - c->reclen;
		size_t keep = take < room ? take : room;

		memcpy(c->rec + c->reclen, p, keep);
		c->reclen += keep;
		if (keep < take)
			c->rec_truncated = true;
		p += take;
		n -= take;
		c->frag_left -= (uint32_t)take;
		if (c->frag_left == 0) {
			c->mark_have = 0;
			if (c->frag_last) {
				deliver(c);
				c->reclen = 0;
				c->rec_truncated = false;
			}
		}
	}
}

static void reset_stream(struct rpc_clnt *c)
{
	c->mark_have = 0;
	c->frag_left = 0;
	c->reclen = 0;
	c->rec_truncated = false;
}

/* The connection is gone (or going): forget the pcb, re-send later. */
static void lost(struct rpc_clnt *c, const char *why)
{
	c->pcb = NULL;
	c->conn = CONN_DOWN;
	c->last_error = why;
	c->retry_at_ms = net_now_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	reset_stream(c);
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *k = &c->calls[i];

		if (k->state == CALL_SENT || k->state == CALL_QUEUED) {
			k->state = CALL_QUEUED;
			k->sent = 0;
		}
	}
}

static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_sent(pcb, NULL);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct rpc_clnt *c = arg;

	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		/* The server closed its side. */
		detach(pcb);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			lost(c, "closed by the server");
			log_ep(c, "connection closed by the server");
			return ERR_ABRT;
		}
		lost(c, "closed by the server");
		log_ep(c, "connection closed by the server");
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		consume(c, q->payload, q->len);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

/* lwIP has already freed the pcb when this runs. */
static void on_err(void *arg, err_t err)
{
	struct rpc_clnt *c = arg;
	const char *why = err == ERR_RST ? "connection reset" :
			  err == ERR_ABRT ? "connection aborted" :
			  err == ERR_CLSD ? "connection closed" : "connection failed";

	if (!c)
		return;
	if (c->conn == CONN_CONNECTING && err == ERR_RST)
		why = "connection refused";
	lost(c, why);
	log_ep(c, why);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct rpc_clnt *c = arg;

	if (c && err == ERR_OK) {
		c->conn = CONN_UP;
		c->connects++;
		c->backoff_ms = BACKOFF_MIN_MS;
		if (c->connects > 1)
			log_ep(c, "reconnected; re-sending the calls without a reply");
	}
	return ERR_OK;
}

/* ---- connecting and sending -------------------------------------------- */

static void start_connect(struct rpc_clnt *c)
{
	struct tcp_pcb *pcb = tcp_new();
	ip_addr_t dst;
	err_t e = ERR_USE;

	if (!pcb) {
		lost(c, "out of lwIP connection memory");
		return;
	}
	/* A reserved source port, as Linux knfsd's "secure" exports want. */
	for (int tries = 0; tries < 8 && e != ERR_OK; tries++)
		e = tcp_bind(pcb, IP4_ADDR_ANY, (u16_t)(RESERVED_PORT_LO + lwip_port_rand() %
				(RESERVED_PORT_HI - RESERVED_PORT_LO + 1)));
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	ip_addr_set_ip4_u32(&dst, lwip_htonl(c->server));
	c->pcb = pcb;
	c->conn = CONN_CONNECTING;
	c->conn_start_ms = net_now_ms();
	reset_stream(c);
	if (tcp_connect(pcb, &dst, c->port, on_connected) != ERR_OK) {
		detach(pcb);
		tcp_abort(pcb);
		lost(c, "cannot send a SYN (no route?)");
	}
}

static void drop_connection(struct rpc_clnt *c, const char *why)
{
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		detach(pcb);
		tcp_abort(pcb);
	}
	lost(c, why);
	log_ep(c, why);
}

static struct rpc_call *next_to_send(struct rpc_clnt *c)
{
	struct rpc_call *best = NULL;

	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *k = &c->calls[i];

		if (k->state == CALL_QUEUED && (!best || (int32_t)(k->seq - best->seq) < 0))
			best = k;
	}
	return best;
}

/* Hands as much of the queued calls to TCP as it takes, in order. */
static void push(struct rpc_clnt *c)
{
	struct rpc_call *k;
	bool wrote = false;

	while ((k = next_to_send(c))) {
		while (k->sent < k->total) {
			const uint8_t *src;
			size_t left, n;
			uint16_t room = tcp_sndbuf(c->pcb);

			if (k->sent < k->hdrlen) {
				src = k->hdr + k->sent;
				left = k->hdrlen - k->sent;
			} else if (k->sent < k->hdrlen + k->datalen) {
				src = k->data + (k->sent - k->hdrlen);
				left = k->hdrlen + k->datalen - k->sent;
			} else {
				src = pad_zeros;
				left = k->total - k->sent;
			}
			n = left < room ? left : room;
			if (n == 0 || tcp_write(c->pcb, src, (u16_t)n, TCP_WRITE_FLAG_COPY |
					   (k->sent + n < k->total ? TCP_WRITE_FLAG_MORE : 0)) != ERR_OK)
				goto out;
			k->sent += n;
			wrote = true;
		}
		k->state = CALL_SENT;
		k->sent_ms = net_now_ms();
	}
out:
	if (wrote)
		tcp_output(c->pcb);
}

int rpc_pump(struct rpc_clnt *c)
{
	uint64_t now;
	bool waiting = false;

	if (c->dead)
		return -1;
	net_poll();
	now = net_now_ms();

	for (int i = 0; i < RPC_MAX_CALLS; i++)
		if (c->calls[i].state == CALL_QUEUED || c->calls[i].state == CALL_SENT)
			waiting = true;
	if (!waiting) {
		c->progress_ms = now;	/* idle is not a stall */
		return 0;
	}
	if (since(now, c->progress_ms) > c->give_up_ms) {
		char ip[16];

		c->dead = true;
		snprintf(c->why, sizeof(c->why), "%s server %s:%u: no reply for %u s (%s); giving up",
			 c->what, ip4_str(c->server, ip), c->port, c->give_up_ms / 1000,
			 c->last_error ? c->last_error : "no answer");
		if (c->pcb)
			drop_connection(c, "given up");
		return -1;
	}

	switch (c->conn) {
	case CONN_DOWN:
		if (now >= c->retry_at_ms)
			start_connect(c);
		break;
	case CONN_CONNECTING:
		if (since(now, c->conn_start_ms) > CONNECT_TIMEOUT_MS)
			drop_connection(c, "connection attempt timed out");
		break;
	case CONN_UP:
		push(c);
		/* The oldest call without a reply past its timeout: the server
		 * or the path is gone; a new connection is the RPC-over-TCP way
		 * to retransmit. */
		for (int i = 0; i < RPC_MAX_CALLS && c->conn == CONN_UP; i++) {
			struct rpc_call *k = &c->calls[i];

			if (k->state == CALL_SENT && since(now, k->sent_ms) > c->rto_ms) {
				c->rto_ms = c->rto_ms * 2 > RTO_MAX_MS ? RTO_MAX_MS : c->rto_ms * 2;
				drop_connection(c, "no reply in time; reconnecting");
			}
		}
		break;
	}
	return 0;
}

struct rpc_call *rpc_begin(struct rpc_clnt *c, uint32_t proc, struct xdr *args)
{
	for (int i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *k = &c->calls[i];

		if (k->state != CALL_FREE)
			continue;
		k->xid = c->next_xid++;
		k->data = NULL;
		k->datalen = 0;
		k->replylen = 0;
		k->truncated = false;
		xdr_init(args, k->hdr, sizeof(k->hdr));
		rpc_put_call(args, k->xid, c->prog, c->vers, proc, &c->auth);
		return k;
	}
	return NULL;
}

int rpc_send(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args,
	     const void *data, uint32_t datalen)
{
	uint32_t pad = (4 - (datalen & 3)) & 3;

	if (args->err || rpc_finish_record(call->hdr, args->pos + datalen + pad) != 0) {
		port_log("nfs: %s call does not fit its buffer\n", c->what);
		return -1;
	}
	call->hdrlen = args->pos;
	call->data = data;
	call->datalen = datalen;
	call->total = args->pos + datalen + pad;
	call->sent = 0;
	call->seq = c->next_seq++;
	call->state = CALL_QUEUED;
	if (c->conn == CONN_UP)
		push(c);
	return 0;
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
	if (call->truncated) {
		snprintf(err, errlen, "RPC reply longer than %u bytes", RPC_REPLY_MAX);
		return RPC_ERR_GARBAGE;
	}
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
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		detach(pcb);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	c->pcb = NULL;
	c->conn = CONN_DOWN;
	for (int i = 0; i < RPC_MAX_CALLS; i++)
		c->calls[i].state = CALL_FREE;
}
