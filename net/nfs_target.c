/*
 * The nfs target (nfs_target.h):
 *
 *   card (dumpling.nic) -> lwIP with a static address (dumpling.ip, gw)
 *   portmapper GETPORT (unless dumpling.nfs_ports) -> MOUNT MNT -> root handle
 *   FSINFO (write size) -> MKDIR (or LOOKUP) each directory of the path
 *   -> MKDIR <hostip>-<date>, -2 ... if taken (capture/dumpdir.h)
 *   -> CREATE GUARDED vmcore
 *   then the nfs sink: pipelined UNSTABLE WRITEs, COMMIT with verifier check.
 *
 * Every step waits through rpc_pump, which gives up when the server has not
 * answered for dumpling.timeout seconds (default 120); a server that answers
 * JUKEBOX is retried with the shared backoff under the same bound
 * (capture/busy.h).
 */
#include <stdio.h>
#include <string.h>

#include "capture/busy.h"
#include "capture/dumpdir.h"
#include "capture/ports.h"
#include "net/mount.h"
#include "net/nfs3.h"
#include "net/nfs_sink.h"
#include "net/nfs_target.h"
#include "net/rpc_clnt.h"
#include "net/stack.h"
#include "capture/fmt.h"

#define DEFAULT_TIMEOUT_S	120
#define FILE_MODE		0400
#define DIR_MODE		0755

struct nfs_target {
	const struct capture_config *cfg;
	struct rpc_auth auth;
	uint32_t give_up_ms;
	struct rpc_clnt pmap, mnt, nfs;
	struct nfs_fh root, dir;
	uint32_t wtmax;
	struct busy busy;		/* JUKEBOX replies (capture/busy.h) */
	char where[300];		/* "10.0.2.2:/export/var/crash/10.0.2.15-..." */
	char machine[16];
};

static struct nfs_target nt;
static struct nfs_sink vmcore;

/* One synchronous call: sends args (already encoded) and checks the reply
 * header. Returns 0 with *res at the results, or -1 with err. */
static int call_sync(struct rpc_clnt *c, struct rpc_call *call, struct xdr *args,
		     struct xdr *res, char *err, size_t errlen)
{
	if (rpc_send(c, call, args, NULL, 0) != 0) {
		return errf(err, errlen, "%s call does not fit its buffer", c->what);
	}
	if (rpc_wait(c, call) != 0) {
		return errf(err, errlen, "%s", c->why);
	}
	if (rpc_result(call, res, err, errlen) != RPC_OK)
		return -1;
	return 0;
}

/* A slot for a synchronous call (the client is idle between them). */
static struct rpc_call *begin(struct rpc_clnt *c, uint32_t proc, struct xdr *x)
{
	return rpc_begin(c, proc, x);
}

static int getport(uint32_t prog, uint32_t vers, uint16_t *port, char *err, size_t errlen)
{
	struct xdr x, res;
	struct rpc_call *call = begin(&nt.pmap, PMAPPROC_GETPORT, &x);
	int p;

	pmap_put_getport(&x, prog, vers, IPPROTO_TCP_NUM);
	if (call_sync(&nt.pmap, call, &x, &res, err, errlen) != 0) {
		rpc_release(call);
		return -1;
	}
	p = pmap_get_getport(&res);
	rpc_release(call);
	if (p < 0) {
		return errf(err, errlen, "portmapper: malformed GETPORT reply");
	}
	*port = (uint16_t)p;
	return 0;
}

static int find_ports(uint16_t *mount_port, uint16_t *nfs_port, char *err, size_t errlen)
{
	const struct capture_config *cfg = nt.cfg;

	*mount_port = cfg->mount_port;
	*nfs_port = cfg->nfs_port ? cfg->nfs_port : 0;
	if (*mount_port && *nfs_port)
		return 0;
	rpc_clnt_init(&nt.pmap, "portmapper", cfg->nfs_server, PMAP_PORT, PMAP_PROG, PMAP_VERS,
		      &(struct rpc_auth){ .flavor = RPC_AUTH_NONE }, nt.give_up_ms);
	if (!*mount_port) {
		if (getport(MOUNT_PROG, MOUNT_VERS, mount_port, err, errlen) != 0)
			return -1;
		if (!*mount_port) {
			return errf(err, errlen, "the server has no MOUNT v3 over TCP registered with "
				    "its portmapper (is the NFS server running?)");
		}
	}
	if (!*nfs_port) {
		if (getport(NFS_PROG, NFS_VERS, nfs_port, err, errlen) != 0)
			return -1;
		if (!*nfs_port)
			*nfs_port = NFS_PORT;
	}
	rpc_clnt_close(&nt.pmap);
	return 0;
}

static int mount_export(uint16_t port, char *err, size_t errlen)
{
	struct xdr x, res;
	struct rpc_call *call;
	int st;

	rpc_clnt_init(&nt.mnt, "MOUNT", nt.cfg->nfs_server, port, MOUNT_PROG, MOUNT_VERS,
		      &nt.auth, nt.give_up_ms);
	call = begin(&nt.mnt, MOUNTPROC3_MNT, &x);
	mnt_put_mnt(&x, nt.cfg->nfs_export);
	if (call_sync(&nt.mnt, call, &x, &res, err, errlen) != 0) {
		rpc_release(call);
		return -1;
	}
	st = mnt_get_mnt(&res, &nt.root);
	rpc_release(call);
	rpc_clnt_close(&nt.mnt);
	if (st != 0) {
		return errf(err, errlen, "mounting %s: %s", nt.cfg->nfs_export,
			    st < 0 ? "malformed reply, or AUTH_SYS not offered" : mnt_stat_name(st));
	}
	return 0;
}

/*
 * NFS3ERR_JUKEBOX: waits the shared backoff (capture/busy.h) and returns 1 to
 * call again, or -1 with err once the server has been busy for too long.
 */
static int busy_wait(const char *what, char *err, size_t errlen)
{
	int64_t delay = busy_reply(&nt.busy, net_now_ms(), nt.give_up_ms, what, err, errlen);
	uint64_t until;

	if (delay < 0)
		return -1;
	until = net_now_ms() + (uint64_t)delay;
	while (net_now_ms() < until)
		net_poll();
	return 1;
}

/* After a reply with NFS status st: 1 to call again (the server was busy),
 * else 0, with *failed set if the server has been busy for too long. */
static int again(int st, const char *what, int *failed, char *err, size_t errlen)
{
	if (st != NFS3ERR_JUKEBOX) {
		if (st == NFS3_OK)
			busy_clear(&nt.busy);
		return 0;
	}
	if (busy_wait(what, err, errlen) < 0) {
		*failed = 1;
		return 0;
	}
	return 1;
}

static int fsinfo(char *err, size_t errlen)
{
	uint32_t wtpref = 0;
	int st, failed = 0;

	do {
		struct xdr x, res;
		struct rpc_call *call = begin(&nt.nfs, NFSPROC3_FSINFO, &x);

		nfs3_put_fsinfo(&x, &nt.root);
		if (call_sync(&nt.nfs, call, &x, &res, err, errlen) != 0) {
			rpc_release(call);
			return -1;
		}
		st = nfs3_get_fsinfo(&res, &nt.wtmax, &wtpref);
		rpc_release(call);
	} while (again(st, "FSINFO", &failed, err, errlen));
	if (failed)
		return -1;
	if (st != NFS3_OK) {
		return errf(err, errlen, "FSINFO: %s", st < 0 ? "malformed reply" : nfs3_stat_name(st));
	}
	return 0;
}

static int lookup(const struct nfs_fh *dir, const char *name, struct nfs_fh *out,
		  char *err, size_t errlen)
{
	int st, failed = 0;

	do {
		struct xdr x, res;
		struct rpc_call *call = begin(&nt.nfs, NFSPROC3_LOOKUP, &x);

		nfs3_put_lookup(&x, dir, name);
		if (call_sync(&nt.nfs, call, &x, &res, err, errlen) != 0) {
			rpc_release(call);
			return -1;
		}
		st = nfs3_get_lookup(&res, out);
		rpc_release(call);
	} while (again(st, "LOOKUP", &failed, err, errlen));
	if (failed)
		return -1;
	if (st < 0)
		snprintf(err, errlen, "LOOKUP %s: malformed reply", name);
	else if (st)
		snprintf(err, errlen, "LOOKUP %s: %s", name, nfs3_stat_name(st));
	return st;
}

/*
 * MKDIR, or CREATE GUARDED: 0 with *out, NFS3ERR_EXIST when name is taken,
 * or -1 with err. A reply without a handle is followed by a LOOKUP.
 */
static int make(const struct nfs_fh *dir, const char *name, bool is_dir, struct nfs_fh *out,
		char *err, size_t errlen)
{
	const char *what = is_dir ? "MKDIR" : "CREATE";
	bool have_fh = false;
	int st, failed = 0;

	do {
		struct xdr x, res;
		struct rpc_call *call = begin(&nt.nfs, is_dir ? NFSPROC3_MKDIR : NFSPROC3_CREATE,
					      &x);

		if (is_dir)
			nfs3_put_mkdir(&x, dir, name, DIR_MODE);
		else
			nfs3_put_create(&x, dir, name, FILE_MODE, NFS3_CREATE_GUARDED);
		if (call_sync(&nt.nfs, call, &x, &res, err, errlen) != 0) {
			rpc_release(call);
			return -1;
		}
		st = nfs3_get_create(&res, out, &have_fh);
		rpc_release(call);
	} while (again(st, what, &failed, err, errlen));
	if (failed)
		return -1;
	if (st == NFS3_OK && !have_fh)
		return lookup(dir, name, out, err, errlen) == 0 ? 0 : -1;
	if (st == NFS3ERR_EXIST) {
		snprintf(err, errlen, "%s %s: it exists", what, name);
		return NFS3ERR_EXIST;
	}
	if (st != NFS3_OK) {
		return errf(err, errlen, "%s %s: %s", what, name,
			    st < 0 ? "malformed reply" : nfs3_stat_name(st));
	}
	return 0;
}

/* Walks (creating as needed) each component of path below the root. */
static int make_path(const char *path, struct nfs_fh *out, char *err, size_t errlen)
{
	struct nfs_fh cur = nt.root;
	const char *p = path;

	while (*p) {
		char name[256];
		size_t n;
		int st;

		while (*p == '/')
			p++;
		for (n = 0; p[n] && p[n] != '/'; n++)
			;
		if (n == 0)
			break;
		if (n >= sizeof(name)) {
			return errf(err, errlen, "path component too long in %s", path);
		}
		memcpy(name, p, n);
		name[n] = 0;
		p += n;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			return errf(err, errlen, "\"..\" in dump path %s", path);
		}
		st = make(&cur, name, true, &cur, err, errlen);
		if (st == NFS3ERR_EXIST)
			st = lookup(&cur, name, &cur, err, errlen) == 0 ? 0 : -1;
		if (st != 0)
			return -1;
	}
	*out = cur;
	return 0;
}

/* dump_dir_make's step: MKDIR, whose EXIST says the name is taken. */
struct mkdump {
	struct nfs_fh parent, made;
	char *err;
	size_t errlen;
};

static int make_dump_dir(void *ctx, const char *name)
{
	struct mkdump *m = ctx;
	int st = make(&m->parent, name, true, &m->made, m->err, m->errlen);

	if (st == NFS3ERR_EXIST)
		return 1;
	return st == 0 ? 0 : -1;
}

/* Small files beside the vmcore (vmcore-dmesg.txt): FILE_SYNC WRITEs. */
static int nfs_add_file(struct target *t, const char *name, const void *data, size_t len)
{
	struct nfs_fh fh;
	char err[200];
	const uint8_t *p = data;
	uint32_t wsize = nt.wtmax && nt.wtmax < NFS_CHUNK_MAX ? nt.wtmax : NFS_CHUNK_MAX;
	uint64_t off = 0;

	if (make(&nt.dir, name, false, &fh, err, sizeof(err)) != 0) {
		port_log("nfs: %s\n", err);
		return -1;
	}
	while (off < len) {
		uint32_t n = len - off < wsize ? (uint32_t)(len - off) : wsize;
		uint32_t count = 0, committed = 0;
		uint8_t verf[NFS3_WRITEVERFSIZE];
		struct xdr x, res;
		struct rpc_call *call = begin(&nt.nfs, NFSPROC3_WRITE, &x);
		int st, failed = 0;

		nfs3_put_write(&x, &fh, off, n, NFS3_FILE_SYNC);
		if (rpc_send(&nt.nfs, call, &x, p + off, n) != 0 || rpc_wait(&nt.nfs, call) != 0 ||
		    rpc_result(call, &res, err, sizeof(err)) != RPC_OK) {
			rpc_release(call);
			port_log("nfs: writing %s: %s\n", name, nt.nfs.dead ? nt.nfs.why : err);
			return -1;
		}
		st = nfs3_get_write(&res, &count, &committed, verf);
		rpc_release(call);
		if (again(st, "WRITE", &failed, err, sizeof(err)))
			continue;
		if (failed) {
			port_log("nfs: writing %s: %s\n", name, err);
			return -1;
		}
		if (st != NFS3_OK || count == 0 || count > n) {
			port_log("nfs: writing %s: %s\n", name,
				 st ? (st < 0 ? "malformed reply" : nfs3_stat_name(st)) : "bad count");
			return -1;
		}
		off += count;
		/* An UNSTABLE answer to FILE_SYNC would be a server bug; the
		 * vmcore's COMMIT at finish covers that too. */
	}
	port_log("nfs: wrote %s/%s (%zu bytes)\n", nt.where, name, len);
	return 0;
}

int nfs_target_check(const struct capture_config *cfg, char *err, size_t errlen)
{
	if (!cfg->have_nic || !cfg->nfs_server || !cfg->nfs_export[0]) {
		return errf(err, errlen, "nfs target needs dumpling.nic=, dumpling.ip= and "
			    "dumpling.nfs= (`dumpling cmdline` derives them)");
	}
	if (cfg->dhcp || !cfg->ip) {
		return errf(err, errlen, "nfs target: DHCP is not built in; give dumpling.ip=ADDR/PREFIX");
	}
	return 0;
}

int nfs_target_open(const struct capture_config *cfg, const struct capture *cap,
		    struct net_dev *nic, uint8_t *pool, struct target *t, char *err,
		    size_t errlen)
{
	uint16_t mount_port, nfs_port;
	char ip[16], gw[16], srv[16], dirname[64], made[80];
	struct mkdump mk;
	uint32_t prefix = 0;
	int r;

	if (nfs_target_check(cfg, err, errlen) != 0)
		return -1;
	memset(&nt, 0, sizeof(nt));
	nt.cfg = cfg;
	nt.give_up_ms = (cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S) * 1000u;
	ip4_str(cfg->ip, nt.machine);
	nt.auth = (struct rpc_auth){ .flavor = RPC_AUTH_SYS, .uid = 0, .gid = 0,
				     .stamp = (uint32_t)(port_now_ns() >> 20),
				     .machine = nt.machine };

	if (net_stack_start(nic, cfg->ip, cfg->netmask, cfg->gateway, err, errlen) != 0)
		return -1;
	for (uint32_t m = cfg->netmask; m & 0x80000000u; m <<= 1)
		prefix++;
	port_log("nfs: %s is %s/%u%s%s; server %s:%s, gives up after %u s without an answer\n",
		 nic->name, ip4_str(cfg->ip, ip), prefix, cfg->gateway ? " via " : "",
		 cfg->gateway ? ip4_str(cfg->gateway, gw) : "", ip4_str(cfg->nfs_server, srv),
		 cfg->nfs_export, nt.give_up_ms / 1000);

	if (find_ports(&mount_port, &nfs_port, err, errlen) != 0 ||
	    mount_export(mount_port, err, errlen) != 0)
		return -1;
	rpc_clnt_init(&nt.nfs, "NFS", cfg->nfs_server, nfs_port, NFS_PROG, NFS_VERS, &nt.auth,
		      nt.give_up_ms);
	if (fsinfo(err, errlen) != 0 ||
	    make_path(cfg->path[0] ? cfg->path : DEFAULT_DUMP_PATH, &nt.dir, err, errlen) != 0)
		return -1;

	dump_dir_name(dump_dir_host(cfg), cap->have_crash_time, cap->crash_time, dirname,
		      sizeof(dirname));
	mk = (struct mkdump){ .parent = nt.dir, .err = err, .errlen = errlen };
	r = dump_dir_make(dirname, make_dump_dir, &mk, made, sizeof(made));
	if (r < 0)
		return -1;
	if (r > 0) {
		return errf(err, errlen, "nfs: %s exists, and so do its %d variants: move old dumps "
			    "away", dirname, DUMP_DIR_MAX_SUFFIX - 1);
	}
	nt.dir = mk.made;
	if (snprintf(nt.where, sizeof(nt.where), "%s:%s%s%s/%s", srv, cfg->nfs_export,
		     cfg->path[0] && cfg->path[0] != '/' ? "/" : "",
		     cfg->path[0] ? cfg->path : DEFAULT_DUMP_PATH, made) >= (int)sizeof(nt.where))
		memcpy(nt.where + sizeof(nt.where) - 4, "...", 4);	/* only for messages */

	struct nfs_fh fh;

	r = make(&nt.dir, "vmcore", false, &fh, err, errlen);
	if (r != 0) {
		if (r == NFS3ERR_EXIST)	/* a fresh directory: someone raced us */
			snprintf(err, errlen, "CREATE %.200s/vmcore: a dump is already there "
				 "(file exists)", nt.where);
		return -1;
	}
	{
		char name[sizeof(nt.where) + 16];

		snprintf(name, sizeof(name), "nfs %s/vmcore", nt.where);
		nfs_sink_init(&vmcore, &nt.nfs, &fh, nt.wtmax, cfg->nfs_inflight, pool, name);
	}
	port_log("nfs: created %s/vmcore (write size %u, %u WRITEs in flight%s)\n", nt.where,
		 vmcore.wsize, vmcore.window, cfg->nfs_inflight ? ", dumpling.nfs_inflight" : "");
	t->vmcore = &vmcore.sink;
	t->add_file = nfs_add_file;
	t->save_log = target_log_as_file;
	t->priv = &nt;
	return 0;
}
