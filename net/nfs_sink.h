/*
 * A sink (capture/ports.h) that writes one NFS file: the vmcore.
 *
 * Writes are gathered into chunks of up to wsize contiguous bytes and sent as
 * UNSTABLE WRITEs, several in flight (replies are matched by xid, in any
 * order). Chunks are kept until a COMMIT returns
 * the same write verifier the WRITEs did; if it differs the server restarted
 * and may have lost them, so everything since the last good COMMIT is sent
 * again (the bytes are still in the chunks). A COMMIT happens whenever the
 * chunk pool is full, and at finish().
 */
#ifndef NET_NFS_SINK_H
#define NET_NFS_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/busy.h"
#include "capture/ports.h"
#include "net/nfs3.h"
#include "net/rpc_clnt.h"

#define NFS_WINDOW		8		/* WRITEs in flight by default */
#define NFS_WINDOW_MAX		RPC_MAX_CALLS	/* dumpling.nfs_inflight's bound */
#define NFS_CHUNK_MAX		(64u << 10)
/* Uncommitted data we can re-send; the caller provides it (dma_alloc in the
 * image), so a raw or ext4 dump does not pay for it. */
#define NFS_POOL_BYTES		(1u << 20)
#define NFS_MAX_CHUNKS		(NFS_POOL_BYTES / 4096)

enum chunk_state { CH_FREE, CH_FILL, CH_RESEND, CH_WRITING, CH_WRITTEN };

struct nfs_chunk {
	enum chunk_state st;
	uint64_t off;			/* file offset of buf[0] */
	uint32_t len;			/* bytes in buf */
	uint32_t acked;			/* bytes the server has taken (short writes) */
	uint32_t seq;			/* order the writer produced them in */
	uint8_t *buf;
	struct rpc_call *call;
	uint64_t retry_ms;		/* JUKEBOX: not before then */
};

struct nfs_sink {
	struct sink sink;		/* first: a struct sink * converts back */
	struct rpc_clnt *rpc;
	struct nfs_fh fh;
	uint32_t wsize;
	unsigned window;		/* WRITEs in flight at most, 1..NFS_WINDOW_MAX */
	unsigned most_in_flight;	/* the most there were at once, for the log */
	unsigned nchunks;
	struct nfs_chunk chunks[NFS_MAX_CHUNKS];
	int fill;			/* chunk being filled, or -1 */
	uint32_t next_seq;
	uint8_t verf[NFS3_WRITEVERFSIZE];
	bool have_verf, verf_changed;
	bool failed;
	int error;			/* SINK_ERR_* once failed */
	uint64_t bytes_sent, commits, resends;
	struct busy busy;		/* JUKEBOX replies (capture/busy.h) */
	char name[96];
};

/* wtmax: the server's FSINFO limit (0: unknown). window: WRITEs in flight
 * (dumpling.nfs_inflight), 0 for NFS_WINDOW; 1 waits for each reply. */
void nfs_sink_init(struct nfs_sink *ns, struct rpc_clnt *rpc, const struct nfs_fh *fh,
		   uint32_t wtmax, unsigned window, uint8_t *pool /* NFS_POOL_BYTES */,
		   const char *name);

#endif
