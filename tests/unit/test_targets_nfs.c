/*
 * The nfs target (net/nfs_target.c) against a scripted NFSv3 server at the
 * RPC level: portmapper, MOUNT, and an in-memory export that keeps
 * directories and file contents. The RPC client's transport (net/rpc_clnt.c,
 * lwIP underneath) is replaced by the server: calls are answered at once
 * (or later, below), and the clock is simulated, so waits cost nothing.
 *
 * Checked: the files land where kdump puts them, the directory is named
 * after dumpling.hostip, a taken name gets -2 .. -99 as on ext4 and then
 * fails, and a server that answers JUKEBOX forever (to MKDIR, to the
 * vmcore-dmesg.txt WRITEs, to the vmcore's WRITEs) is given up on within
 * dumpling.timeout plus one backoff step, with a clear message.
 *
 * With several WRITEs in flight (fake_rpc.h's fake_hold: answers late, in
 * order, newest first or at random, and acted on in that order, as by a
 * server with several threads): the window dumpling.nfs_inflight asks for
 * (1, the default, 16) is filled and never exceeded; a short write in the
 * middle of a window, a server restart with a full window (before a WRITE,
 * or before a COMMIT: the verifier changes and unstable data is lost), and
 * JUKEBOX to some WRITEs of a window all end with the server's bytes equal
 * to what was written, headers rewritten over uncommitted data included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/mount.c"
#include "net/nfs3.c"
#include "net/nfs_sink.c"
#include "net/nfs_target.c"
#include "net/rpc.c"
#include "tests/unit/fake_rpc.h"
#include "tests/unit/test.h"

#define CRASH_TIME	1700000000	/* 2023-11-14 22:13:20 UTC */
#define DIR_NAME	"10.0.2.15-2023-11-14-22:13:20"

/* ---- the rest of the network -------------------------------------------- */

char *ip4_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
	return buf;
}

static int stack_started;

int net_stack_start(struct net_dev *dev, uint32_t ip, uint32_t netmask, uint32_t gw,
		    char *err, size_t errlen)
{
	stack_started++;
	return 0;
}

/* ---- the server ---------------------------------------------------------- */

#define MAX_NODES	250

struct node {
	int used, is_dir, parent;
	char name[256];
	uint8_t *data;
	uint64_t size;
	uint8_t *stable;		/* what survives a restart: COMMITted, FILE_SYNC */
	uint64_t stable_size;
};

static struct node nodes[MAX_NODES];	/* 0 is the export's root */
static uint32_t busy_proc;		/* this NFS procedure answers JUKEBOX... */
static unsigned busy_left;		/* ...this many times; ~0u: forever */
static unsigned busy_skip;		/* ...after letting this many through */
static unsigned jukeboxes, mkdirs, creates, writes, commits, restarts;
static unsigned short_at_write;		/* this WRITE (1, 2, ...) takes a third */
static unsigned restart_at_write;	/* the server restarts before this WRITE... */
static unsigned restart_at_commit;	/* ...or before this COMMIT */
static uint8_t verf[8];

static void server_reset(void)
{
	for (int i = 0; i < MAX_NODES; i++) {
		free(nodes[i].data);
		free(nodes[i].stable);
	}
	memset(nodes, 0, sizeof(nodes));
	nodes[0].used = nodes[0].is_dir = 1;
	busy_proc = 0;
	busy_left = busy_skip = 0;
	fake_calls = jukeboxes = mkdirs = creates = writes = commits = restarts = 0;
	short_at_write = restart_at_write = restart_at_commit = 0;
	memcpy(verf, "verifier", 8);
	fake_hold = FAKE_AT_ONCE;
	fake_most_held = 0;
	fake_seed = 1;
}

/* Grows a file to size bytes, the new ones zero. */
static void grow(uint8_t **data, uint64_t *size, uint64_t want)
{
	if (want > *size) {
		*data = realloc(*data, want);
		memset(*data + *size, 0, want - *size);
		*size = want;
	}
}

/* A node's data is now stable. */
static void make_stable(struct node *n, uint64_t off, uint64_t len)
{
	grow(&n->stable, &n->stable_size, n->size);
	memcpy(n->stable + off, n->data + off, len);
}

/* The server restarts: unstable data is gone, the write verifier changes,
 * and the client's calls in flight are sent again (fake_rpc.h). */
static void restart(struct rpc_clnt *c)
{
	for (int i = 0; i < MAX_NODES; i++) {
		struct node *n = &nodes[i];

		n->size = 0;
		grow(&n->data, &n->size, n->stable_size);
		if (n->stable_size)
			memcpy(n->data, n->stable, n->stable_size);
	}
	restarts++;
	verf[7] = (uint8_t)('0' + restarts);
	fprintf(stderr, "server: restarted (after %u WRITEs, %u COMMITs)\n", writes, commits);
	fake_reconnect(c);
}

static int find(int parent, const char *name)
{
	for (int i = 1; i < MAX_NODES; i++)
		if (nodes[i].used && nodes[i].parent == parent && strcmp(nodes[i].name, name) == 0)
			return i;
	return -1;
}

static int add(int parent, const char *name, int is_dir)
{
	for (int i = 1; i < MAX_NODES; i++)
		if (!nodes[i].used) {
			nodes[i] = (struct node){ .used = 1, .is_dir = is_dir, .parent = parent };
			snprintf(nodes[i].name, sizeof(nodes[i].name), "%s", name);
			return i;
		}
	return -1;
}

/* A path below the export, or -1. */
static int lookup_path(const char *path)
{
	char buf[512], *save, *c;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (c = strtok_r(buf, "/", &save); c && n >= 0; c = strtok_r(NULL, "/", &save))
		n = find(n, c);
	return n;
}

static void put_fh_of(struct xdr *r, int n)
{
	uint8_t fh[8] = { 'f', 'h', 0, 0 };

	fh[4] = (uint8_t)n;
	xdr_put_opaque(r, fh, sizeof(fh));
}

static int get_fh_of(struct xdr *a)
{
	uint8_t fh[NFS3_FHSIZE];
	uint32_t len = xdr_get_opaque(a, fh, sizeof(fh));

	if (a->err || len != 8 || fh[4] >= MAX_NODES || !nodes[fh[4]].used)
		return -1;
	return fh[4];
}

static void get_name(struct xdr *a, char *name)
{
	uint32_t n = xdr_get_opaque(a, name, 255);

	name[a->err ? 0 : n] = 0;
}

static void nfs_reply(struct rpc_clnt *c, uint32_t proc, struct xdr *a, const uint8_t *data,
		      uint32_t datalen, struct xdr *r)
{
	char name[256];
	int dir, n;

	if (proc == NFSPROC3_WRITE && ++writes == restart_at_write) {
		restart_at_write = 0;
		restart(c);
	}
	if (proc == NFSPROC3_COMMIT && ++commits == restart_at_commit) {
		restart_at_commit = 0;
		restart(c);
	}
	if (busy_left && proc == busy_proc && busy_skip)
		busy_skip--;
	else if (busy_left && proc == busy_proc) {
		if (busy_left != ~0u)
			busy_left--;
		jukeboxes++;
		xdr_put_u32(r, NFS3ERR_JUKEBOX);
		xdr_put_u32(r, 0);		/* no attributes (post_op or wcc) */
		if (proc != NFSPROC3_LOOKUP && proc != NFSPROC3_FSINFO)
			xdr_put_u32(r, 0);
		return;
	}
	switch (proc) {
	case NFSPROC3_FSINFO:
		xdr_put_u32(r, NFS3_OK);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 65536);		/* rtmax, rtpref, rtmult */
		xdr_put_u32(r, 65536);
		xdr_put_u32(r, 4096);
		xdr_put_u32(r, 32768);		/* wtmax, wtpref */
		xdr_put_u32(r, 32768);
		return;
	case NFSPROC3_LOOKUP:
		dir = get_fh_of(a);
		get_name(a, name);
		n = dir < 0 ? -1 : find(dir, name);
		if (n < 0) {
			xdr_put_u32(r, NFS3ERR_NOENT);
			xdr_put_u32(r, 0);
			return;
		}
		xdr_put_u32(r, NFS3_OK);
		put_fh_of(r, n);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		return;
	case NFSPROC3_MKDIR:
	case NFSPROC3_CREATE:
		dir = get_fh_of(a);
		get_name(a, name);
		if (proc == NFSPROC3_MKDIR)
			mkdirs++;
		else
			creates++;
		if (proc == NFSPROC3_CREATE && xdr_get_u32(a) != NFS3_CREATE_GUARDED)
			dir = -1;	/* we only ever ask for GUARDED */
		if (dir < 0 || find(dir, name) >= 0) {
			xdr_put_u32(r, dir < 0 ? 22 : NFS3ERR_EXIST);
			xdr_put_u32(r, 0);
			xdr_put_u32(r, 0);
			return;
		}
		n = add(dir, name, proc == NFSPROC3_MKDIR);
		xdr_put_u32(r, NFS3_OK);
		xdr_put_u32(r, 1);
		put_fh_of(r, n);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		return;
	case NFSPROC3_WRITE: {
		uint64_t off;
		uint32_t count, stable;

		n = get_fh_of(a);
		off = xdr_get_u64(a);
		count = xdr_get_u32(a);
		stable = xdr_get_u32(a);
		if (n < 0 || nodes[n].is_dir || count != datalen || off + count > (64u << 20)) {
			xdr_put_u32(r, 22);
			xdr_put_u32(r, 0);
			xdr_put_u32(r, 0);
			return;
		}
		if (writes == short_at_write && count > 3)
			count /= 3;	/* allowed: the client sends the rest */
		grow(&nodes[n].data, &nodes[n].size, off + count);
		memcpy(nodes[n].data + off, data, count);
		if (stable != NFS3_UNSTABLE)
			make_stable(&nodes[n], off, count);
		xdr_put_u32(r, NFS3_OK);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, count);
		xdr_put_u32(r, stable != NFS3_UNSTABLE ? NFS3_FILE_SYNC : NFS3_UNSTABLE);
		xdr_put_fixed(r, verf, 8);
		return;
	}
	case NFSPROC3_COMMIT:
		n = get_fh_of(a);
		if (n < 0 || nodes[n].is_dir) {
			xdr_put_u32(r, 22);
			xdr_put_u32(r, 0);
			xdr_put_u32(r, 0);
			return;
		}
		make_stable(&nodes[n], 0, nodes[n].size);
		xdr_put_u32(r, NFS3_OK);
		xdr_put_u32(r, 0);
		xdr_put_u32(r, 0);
		xdr_put_fixed(r, verf, 8);
		return;
	}
	xdr_put_u32(r, 10004);	/* NOTSUPP */
}

/* portmapper, MOUNT of /srv/nfs, and the export. */
static void fake_serve(struct rpc_clnt *c, uint32_t proc, struct xdr *a, const uint8_t *data,
		       uint32_t datalen, struct xdr *r)
{
	if (c->prog == PMAP_PROG) {
		uint32_t prog = xdr_get_u32(a);

		xdr_put_u32(r, prog == MOUNT_PROG ? 20048 : prog == NFS_PROG ? 2049 : 0);
	} else if (c->prog == MOUNT_PROG) {
		char path[256];
		uint32_t n = xdr_get_opaque(a, path, sizeof(path) - 1);

		path[a->err ? 0 : n] = 0;
		if (strcmp(path, "/srv/nfs") != 0) {
			xdr_put_u32(r, 2);	/* MNT3ERR_NOENT */
		} else {
			xdr_put_u32(r, 0);
			put_fh_of(r, 0);
			xdr_put_u32(r, 1);
			xdr_put_u32(r, RPC_AUTH_SYS);
		}
	} else {
		nfs_reply(c, proc, a, data, datalen, r);
	}
}

/* ---- the tests ----------------------------------------------------------- */

static struct capture_config cfg;
static struct capture cap = { .have_crash_time = 1, .crash_time = CRASH_TIME };
static struct net_dev nic = { .name = "fake-nic" };
static uint8_t pool[NFS_POOL_BYTES];
static uint8_t core[300000];
static const char dmesg[] = "[    0.000000] Linux version 6.1\nKernel panic - not syncing\n";

static void setup(uint32_t timeout_s)
{
	config_defaults(&cfg);
	cfg.target = TARGET_NFS;
	cfg.have_nic = 1;
	cfg.ip = 0x0a0002aa;		/* the image's own address: not the name's */
	cfg.netmask = 0xffffff00;
	cfg.host_ip = 0x0a00020f;
	cfg.nfs_server = 0x0a000202;
	strcpy(cfg.nfs_export, "/srv/nfs");
	strcpy(cfg.path, "/var/crash");
	cfg.timeout_s = timeout_s;
	cap.cfg = &cfg;
	now_ms = 1000;
	last_log[0] = 0;
}

static int open_target(struct target *t, char *err, size_t errlen)
{
	return nfs_target_open(&cfg, &cap, &nic, pool, t, err, errlen);
}

static int same(int n, const void *data, size_t len)
{
	return n > 0 && nodes[n].size == len && memcmp(nodes[n].data, data, len) == 0;
}

static void test_dump(void)
{
	struct target t;
	char err[256];

	server_reset();
	setup(0);
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(stack_started > 0);
	CHECK(t.add_file != NULL);
	CHECK(t.add_file(&t, "vmcore-dmesg.txt", dmesg, strlen(dmesg)) == 0);
	CHECK(t.vmcore->write(t.vmcore, 0, core, sizeof(core)) == 0);
	CHECK(t.vmcore->finish(t.vmcore) == 0);
	CHECK(t.save_log && t.save_log(&t, sizeof(core), dmesg, 10) == 0);
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/vmcore"), core, sizeof(core)));
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/vmcore-dmesg.txt"), dmesg, strlen(dmesg)));
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/dumpling.log"), dmesg, 10));
	CHECK(strstr(t.vmcore->name, "10.0.2.2:/srv/nfs/var/crash/" DIR_NAME "/vmcore") != NULL);
}

/* A taken name: -2, -3 ... as the ext4 target does, never the old directory. */
static void test_taken(void)
{
	static const uint8_t other[4096] = { 1, 2, 3 };
	struct target t;
	char err[256], path[300];
	int r = 0;

	server_reset();
	setup(0);
	CHECK(open_target(&t, err, sizeof(err)) == 0 &&
	      t.vmcore->write(t.vmcore, 0, core, sizeof(core)) == 0 &&
	      t.vmcore->finish(t.vmcore) == 0);
	CHECK(open_target(&t, err, sizeof(err)) == 0 &&
	      t.vmcore->write(t.vmcore, 0, other, sizeof(other)) == 0 &&
	      t.vmcore->finish(t.vmcore) == 0);
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/vmcore"), core, sizeof(core)));
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "-2/vmcore"), other, sizeof(other)));

	for (int i = 3; i <= DUMP_DIR_MAX_SUFFIX && r == 0; i++) {
		r = open_target(&t, err, sizeof(err));
		snprintf(path, sizeof(path), "/var/crash/" DIR_NAME "-%d/vmcore", i);
		CHECK(r == 0 && lookup_path(path) > 0);
	}
	CHECK(open_target(&t, err, sizeof(err)) == -1);
	CHECK(strstr(err, DIR_NAME " exists, and so do its 98 variants") != NULL);
	fprintf(stderr, "all names taken: %s\n", err);
	CHECK(lookup_path("/var/crash/" DIR_NAME "-100") < 0);
}

/* Busy for a while, then fine: the retries are invisible. */
static void test_busy_a_while(uint32_t proc)
{
	struct target t;
	char err[256];

	server_reset();
	setup(0);
	busy_proc = proc;
	busy_left = 5;
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(t.add_file(&t, "vmcore-dmesg.txt", dmesg, strlen(dmesg)) == 0);
	CHECK(t.vmcore->write(t.vmcore, 0, core, sizeof(core)) == 0 &&
	      t.vmcore->finish(t.vmcore) == 0);
	CHECK(jukeboxes == 5);
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/vmcore"), core, sizeof(core)));
	CHECK(same(lookup_path("/var/crash/" DIR_NAME "/vmcore-dmesg.txt"), dmesg, strlen(dmesg)));
}

/*
 * Busy forever: given up on once the server has been busy for timeout_s,
 * within one backoff step, after retries that back off (a fixed 500 ms would
 * make timeout/0.5 of them).
 */
static void check_gave_up(uint64_t start, uint32_t timeout_s, unsigned per_call)
{
	uint64_t took = now_ms - start, bound = (uint64_t)timeout_s * 1000;

	CHECK(fake_calls <= FAKE_CALL_LIMIT);
	CHECK(took >= bound && took <= bound + 2 * BUSY_DELAY_MAX_MS);
	CHECK(jukeboxes > 1 && jukeboxes <= per_call * (bound / BUSY_DELAY_MAX_MS + 6));
	fprintf(stderr, "busy forever: %u JUKEBOX replies, gave up after %llu ms\n", jukeboxes,
		(unsigned long long)took);
}

static void test_busy_forever(void)
{
	struct target t;
	char err[256];
	uint64_t start;

	/* MKDIR of the dump directory: the target does not open. */
	server_reset();
	setup(60);
	busy_proc = NFSPROC3_MKDIR;
	busy_left = ~0u;
	start = now_ms;
	CHECK(open_target(&t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "MKDIR: the server has answered JUKEBOX") != NULL &&
	      strstr(err, "giving up") != NULL);
	check_gave_up(start, 60, 1);
	fprintf(stderr, "  %s\n", err);

	/* vmcore-dmesg.txt's FILE_SYNC WRITEs (the loop that retried at once). */
	server_reset();
	setup(60);
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	busy_proc = NFSPROC3_WRITE;
	busy_left = ~0u;
	start = now_ms;
	CHECK(t.add_file(&t, "vmcore-dmesg.txt", dmesg, strlen(dmesg)) == -1);
	CHECK(strstr(last_log, "WRITE: the server has answered JUKEBOX") != NULL &&
	      strstr(last_log, "giving up") != NULL);
	check_gave_up(start, 60, 1);

	/* The vmcore's WRITEs, several in flight: the dump fails. */
	server_reset();
	setup(60);
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	busy_proc = NFSPROC3_WRITE;
	busy_left = ~0u;
	start = now_ms;
	CHECK(t.vmcore->write(t.vmcore, 0, core, sizeof(core)) == SINK_ERR_IO ||
	      t.vmcore->finish(t.vmcore) == SINK_ERR_IO);
	CHECK(strstr(last_log, "JUKEBOX") != NULL && strstr(last_log, "giving up") != NULL);
	check_gave_up(start, 60, NFS_WINDOW);
}

/* ---- several WRITEs in flight ------------------------------------------- */

#define BIG_SIZE	((3u << 20) + 777)	/* three pool-fulls: COMMITs in between */

static uint8_t expect[BIG_SIZE];

static uint8_t pattern(size_t i, unsigned salt)
{
	return (uint8_t)((i * 13 ^ i >> 9) + salt * 101);
}

/* Writes into the sink and into expect[] alike. */
static int put(struct target *t, size_t off, size_t len, unsigned salt)
{
	static uint8_t buf[70000];

	for (size_t i = 0; i < len; i++)
		buf[i] = expect[off + i] = pattern(off + i, salt);
	return t->vmcore->write(t->vmcore, off, buf, len);
}

/*
 * A vmcore as the dump writes one: pieces of odd sizes in order, and headers
 * written again over bytes already sent, once while those are still in the
 * pool (uncommitted) and once at the end.
 */
static int write_big(struct target *t)
{
	static const size_t pieces[] = { 5000, 4096, 12345, 1, 70000, 32768, 333 };
	size_t off = 0;
	int r = 0;

	for (unsigned i = 0; off < BIG_SIZE && r == 0; i++) {
		size_t n = pieces[i % 7] < BIG_SIZE - off ? pieces[i % 7] : BIG_SIZE - off;

		r = put(t, off, n, 0);
		off += n;
		if (r == 0 && off >= 200000 && off - n < 200000)
			r = put(t, 0, 4096, 1);
	}
	if (r == 0)
		r = put(t, 8192, 4096, 2);
	return r ? r : t->vmcore->finish(t->vmcore);
}

static int vmcore_is_expected(void)
{
	return same(lookup_path("/var/crash/" DIR_NAME "/vmcore"), expect, BIG_SIZE);
}

static const char *const hold_names[] = { "at once", "in order", "newest first", "random" };

/*
 * The window is used and never exceeded: with nfs_inflight WRITEs allowed,
 * exactly that many were waiting for replies at some point (1: one at a
 * time), whatever order the replies come back in; the file is what was
 * written.
 */
static void test_window(enum fake_hold hold, uint32_t inflight)
{
	struct target t;
	char err[256];
	unsigned want = inflight ? inflight : NFS_WINDOW;

	server_reset();
	setup(0);
	cfg.nfs_inflight = inflight;
	fake_hold = hold;
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(strstr(last_log, "WRITEs in flight") != NULL);
	CHECK(write_big(&t) == 0);
	CHECK(vmcore_is_expected());
	CHECK_EQ_U64(vmcore.window, want);
	if (hold == FAKE_AT_ONCE) {
		CHECK(vmcore.most_in_flight <= want);	/* every reply is there at once */
	} else {
		CHECK_EQ_U64(fake_most_held, want);
		CHECK_EQ_U64(vmcore.most_in_flight, want);
	}
	CHECK(commits >= 3);
	fprintf(stderr, "window %u, replies %s: %u WRITEs, %u COMMITs, at most %u waiting\n",
		want, hold_names[hold], writes, commits, fake_most_held);
}

/* A short write in the middle of a full window: the rest is sent again. */
static void test_short(enum fake_hold hold)
{
	struct target t;
	char err[256];

	server_reset();
	setup(0);
	fake_hold = hold;
	short_at_write = 11;
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(write_big(&t) == 0);
	CHECK(vmcore_is_expected());
	CHECK_EQ_U64(fake_most_held, NFS_WINDOW);
	CHECK(short_at_write == 11 && writes > 11);
	CHECK_EQ_U64(vmcore.bytes_sent, (uint64_t)BIG_SIZE + 4096 + 4096);
}

/*
 * The server restarts with several WRITEs in flight (before the nth WRITE,
 * or before the nth COMMIT): data it had not committed is gone, the
 * verifier changes, and every uncommitted chunk is sent again.
 */
static void test_restart(enum fake_hold hold, unsigned at_write, unsigned at_commit)
{
	struct target t;
	char err[256];

	server_reset();
	setup(0);
	fake_hold = hold;
	restart_at_write = at_write;
	restart_at_commit = at_commit;
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(write_big(&t) == 0);
	CHECK_EQ_U64(restarts, 1);
	CHECK(vmcore_is_expected());
	CHECK(vmcore.resends > 0);
	CHECK(vmcore.bytes_sent > (uint64_t)BIG_SIZE + 8192);
	if (at_write)
		CHECK(fake_most_held == NFS_WINDOW);
	fprintf(stderr, "restart before WRITE %u / COMMIT %u, replies %s: %llu chunks re-sent\n",
		at_write, at_commit, hold_names[hold], (unsigned long long)vmcore.resends);
}

/* Some WRITEs of a full window answer JUKEBOX: they are retried later, the
 * others go on, and the file is complete. */
static void test_busy_window(enum fake_hold hold)
{
	struct target t;
	char err[256];

	server_reset();
	setup(0);
	fake_hold = hold;
	busy_proc = NFSPROC3_WRITE;
	busy_skip = 9;
	busy_left = 6;
	CHECK(open_target(&t, err, sizeof(err)) == 0);
	CHECK(write_big(&t) == 0);
	CHECK_EQ_U64(jukeboxes, 6);
	CHECK(vmcore_is_expected());
	CHECK_EQ_U64(fake_most_held, NFS_WINDOW);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(core); i++)
		core[i] = (uint8_t)(i * 13 ^ i >> 9);
	test_dump();
	test_taken();
	test_busy_a_while(NFSPROC3_MKDIR);
	test_busy_a_while(NFSPROC3_CREATE);
	test_busy_a_while(NFSPROC3_FSINFO);
	test_busy_a_while(NFSPROC3_WRITE);
	test_busy_a_while(NFSPROC3_COMMIT);
	test_busy_forever();
	for (enum fake_hold h = FAKE_AT_ONCE; h <= FAKE_RANDOM; h++) {
		test_window(h, 0);
		test_window(h, 1);
		test_window(h, 16);
	}
	for (enum fake_hold h = FAKE_FIFO; h <= FAKE_RANDOM; h++) {
		test_short(h);
		test_restart(h, 13, 0);
		test_restart(h, 45, 0);
		test_restart(h, 0, 2);
		test_busy_window(h);
	}
	server_reset();
	return test_summary("test_targets_nfs");
}
