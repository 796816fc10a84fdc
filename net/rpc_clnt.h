/*
 * An RPC client over one lwIP TCP connection, polled (image only).
 *
 * Calls are queued in slots and written to the stream in order; replies are
 * matched to calls by xid. Several calls may be in flight (NFS WRITEs are
 * pipelined). The client survives a lost connection: it reconnects with
 * backoff and re-sends every call that has no reply yet, with the same xid
 * so the server's duplicate-request cache can answer. A call that stays
 * unanswered past its retransmit timeout (which backs off) is taken as a
 * dead connection and handled the same way.
 *
 * Every wait is bounded: when no reply at all has arrived for give_up_ms,
 * the client gives up and says why (c->why).
 */
#ifndef NET_RPC_CLNT_H
#define NET_RPC_CLNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/rpc.h"

#define RPC_MAX_CALLS	16
#define RPC_HDR_MAX	768	/* call header and arguments, without bulk data */
#define RPC_REPLY_MAX	1024	/* we never ask for large results */

enum rpc_call_state { CALL_FREE, CALL_QUEUED, CALL_SENT, CALL_DONE };

struct rpc_call {
	enum rpc_call_state state;
	uint32_t xid, seq;
	uint8_t hdr[RPC_HDR_MAX];
	size_t hdrlen;
	const uint8_t *data;		/* bulk data after hdr (WRITE), or NULL */
	uint32_t datalen;
	size_t total, sent;		/* record bytes, and how many are queued to TCP */
	uint64_t sent_ms;
	uint8_t reply[RPC_REPLY_MAX];
	size_t replylen;
	bool truncated;			/* reply was longer than reply[] */
	void *user;
};

enum rpc_conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct rpc_clnt {
	const char *what;		/* "portmapper", "MOUNT", "NFS" */
	uint32_t server;		/* host order */
	uint16_t port;
	uint32_t prog, vers;
	struct rpc_auth auth;
	uint32_t give_up_ms;

	struct tcp_pcb *pcb;
	enum rpc_conn_state conn;
	uint64_t conn_start_ms, retry_at_ms;
	uint32_t backoff_ms;		/* before the next connection attempt */
	uint32_t rto_ms;		/* reply timeout, doubled on each expiry */
	int connects;			/* successful connections so far */
	const char *last_error;		/* why the last connection ended */

	struct rpc_call calls[RPC_MAX_CALLS];
	uint32_t next_xid, next_seq;
	uint64_t progress_ms;		/* last reply, or the start */
	bool dead;
	char why[160];

	/* Reassembly of the reply record being received. */
	uint8_t mark[4];
	unsigned mark_have;
	uint32_t frag_left;
	bool frag_last;
	uint8_t rec[RPC_REPLY_MAX];
	size_t reclen;
	bool rec_truncated;
};

void rpc_clnt_init(struct rpc_clnt *c, const char *what, uint32_t server, uint16_t port,
		   uint32_t prog, uint32_t vers, const struct rpc_auth *auth, uint32_t give_up_ms);

/*
 * Takes a free slot and starts the call's record in it: *args is positioned
 * for the arguments. NULL when all slots are busy.
 */
struct rpc_call *rpc_begin(struct rpc_clnt *c, uint32_t proc, struct xdr *args);

/* Queues the call: the arguments in args, then datalen bytes of data (kept
 * by reference until the reply arrives) and their XDR padding. */
int rpc_send(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args,
	     const void *data, uint32_t datalen);

/* One round of the network and the connection's state machine. Returns 0,
 * or -1 once the client has given up (c->why says why). */
int rpc_pump(struct rpc_clnt *c);

/* Pumps until the call has its reply; 0, or -1 if the client gave up. */
int rpc_wait(struct rpc_clnt *c, struct rpc_call *call);

/* Reads the reply's RPC header; res is left at the results. Returns RPC_OK
 * or RPC_ERR_* with a message in err. */
int rpc_result(struct rpc_call *call, struct xdr *res, char *err, size_t errlen);

void rpc_release(struct rpc_call *call);

/* Calls in slots that have no reply yet. */
int rpc_in_flight(const struct rpc_clnt *c);

/* Closes the connection (calls are dropped). */
void rpc_clnt_close(struct rpc_clnt *c);

#endif
