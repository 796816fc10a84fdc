/*
 * Helpers for the ext4 writer's tests (included, not linked): filesystem
 * images made by Debian's mkfs.ext4, held in memory behind a blk_dev that can
 * record every write, and the checks that judge them: e2fsck -fn and
 * debugfs dump.
 */
#ifndef TESTS_EXT4_IMG_H
#define TESTS_EXT4_IMG_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/blk.h"

static char img_dir[256];

static void img_tmpdir(void)
{
	if (img_dir[0])
		return;
	snprintf(img_dir, sizeof(img_dir), "/tmp/dumpling-ext4-XXXXXX");
	if (!mkdtemp(img_dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

static void img_cleanup(void)
{
	char cmd[512];

	if (img_dir[0] && !getenv("KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", img_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", img_dir);
	}
}

/* Runs a shell command; returns its exit status (or -1). Output goes to out
 * (if not NULL, up to outlen bytes, NUL-terminated). */
static int run(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	if (!p)
		return -1;
	if (out) {
		size_t k;

		while (n + 1 < outlen && (k = fread(out + n, 1, outlen - 1 - n, p)) > 0)
			n += k;
		out[n] = 0;
	}
	{
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- an image file behind a blk_dev ------------------------------------ */

struct wrec { uint64_t lba; uint32_t n; uint8_t *data; };

struct memdisk {
	struct blk_dev blk;
	int fd;
	uint64_t size;
	int record;			/* keep every write in log[] */
	struct wrec *log;
	size_t nlog, caplog;
	unsigned flushes, bad, nwrites;
	long fail_writes_after;		/* < 0: never */
};

static int md_check(struct memdisk *m, uint64_t lba, uint32_t n)
{
	if (n == 0 || lba >= m->blk.nsectors || n > m->blk.nsectors - lba ||
	    (uint64_t)n * m->blk.sector_size > m->blk.max_transfer) {
		m->bad++;
		return -1;
	}
	return 0;
}

static int md_read(struct blk_dev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct memdisk *m = d->priv;
	size_t len = (size_t)n * d->sector_size;

	if (md_check(m, lba, n))
		return -1;
	return pread(m->fd, buf, len, (off_t)(lba * d->sector_size)) == (ssize_t)len ? 0 : -1;
}

static int md_write(struct blk_dev *d, uint64_t lba, const void *buf, uint32_t n)
{
	struct memdisk *m = d->priv;
	size_t len = (size_t)n * d->sector_size;

	if (md_check(m, lba, n))
		return -1;
	if (m->fail_writes_after >= 0 && m->fail_writes_after-- == 0)
		return -1;
	m->nwrites++;
	if (m->record) {
		if (m->nlog == m->caplog) {
			m->caplog = m->caplog ? 2 * m->caplog : 256;
			m->log = realloc(m->log, m->caplog * sizeof(*m->log));
		}
		m->log[m->nlog].lba = lba;
		m->log[m->nlog].n = n;
		m->log[m->nlog].data = malloc(len);
		memcpy(m->log[m->nlog].data, buf, len);
		m->nlog++;
	}
	return pwrite(m->fd, buf, len, (off_t)(lba * d->sector_size)) == (ssize_t)len ? 0 : -1;
}

static int md_flush(struct blk_dev *d)
{
	struct memdisk *m = d->priv;

	m->flushes++;
	return 0;
}

static const struct blk_ops md_ops = { md_read, md_write, md_flush, NULL };

static int md_open(struct memdisk *m, const char *path, uint32_t ssz)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->fail_writes_after = -1;
	m->fd = open(path, O_RDWR);
	if (m->fd < 0 || fstat(m->fd, &st) < 0)
		return -1;
	m->size = (uint64_t)st.st_size;
	m->blk.ops = &md_ops;
	m->blk.sector_size = ssz;
	m->blk.nsectors = m->size / ssz;
	m->blk.max_transfer = 128 * 1024;
	snprintf(m->blk.name, sizeof(m->blk.name), "memdisk");
	m->blk.priv = m;
	return 0;
}

static void md_close(struct memdisk *m)
{
	for (size_t i = 0; i < m->nlog; i++)
		free(m->log[i].data);
	free(m->log);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* Applies the first n recorded writes of m to the image file path. */
__attribute__((unused)) static int md_replay(const struct memdisk *m, size_t n, const char *path)
{
	int fd = open(path, O_RDWR);
	int ok = fd >= 0;

	for (size_t i = 0; ok && i < n; i++) {
		size_t len = (size_t)m->log[i].n * m->blk.sector_size;

		ok = pwrite(fd, m->log[i].data, len,
			    (off_t)(m->log[i].lba * m->blk.sector_size)) == (ssize_t)len;
	}
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* ---- judging an image -------------------------------------------------- */

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static int fsck_torn;	/* bitmap/descriptor checksum disagreements seen */

/* Lines of e2fsck -fn output that report nothing. */
static int fsck_line_quiet(const char *l)
{
	return !*l || starts(l, "e2fsck ") || starts(l, "Pass ") ||
	       (strstr(l, " files (") && strstr(l, " blocks"));
}

/* "Block bitmap differences:  -(10--12) -15": only blocks marked used that
 * nothing owns. */
static int only_minus(const char *l)
{
	const char *p = strchr(l, ':');

	for (p = p ? p + 1 : l; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p != '-')
			return 0;
		p++;
		if (*p == '(')
			p = strchr(p, ')');
		else
			while (*p >= '0' && *p <= '9')
				p++;
		if (!p || !*p)
			break;
	}
	return 1;
}

/*
 * A complaint e2fsck makes about leaked blocks or inodes: resources marked in
 * use that nothing (or nothing named) uses, and counts that follow from it.
 */
static int fsck_line_leak(const char *l)
{
	unsigned long a, b, c;

	if ((starts(l, "Block bitmap differences:") || starts(l, "Inode bitmap differences:")) &&
	    only_minus(l))
		return 1;
	/*
	 * Counts follow the bitmaps: with -n e2fsck compares them with the
	 * on-disk bitmap, which may be ahead of the descriptor. Real damage
	 * shows up as a "+" difference or a structural complaint, never as a
	 * count alone.
	 */
	if (sscanf(l, "Free blocks count wrong for group #%lu (%lu, counted=%lu)", &a, &b, &c) == 3 ||
	    sscanf(l, "Free inodes count wrong for group #%lu (%lu, counted=%lu)", &a, &b, &c) == 3 ||
	    sscanf(l, "Directories count wrong for group #%lu (%lu, counted=%lu)", &a, &b, &c) == 3 ||
	    sscanf(l, "Free blocks count wrong (%lu, counted=%lu)", &b, &c) == 2 ||
	    sscanf(l, "Free inodes count wrong (%lu, counted=%lu)", &b, &c) == 2)
		return 1;
	if (sscanf(l, "Inode %lu ref count is %lu, should be %lu", &a, &b, &c) == 3)
		return b > c;	/* over-counted: never freed while in use */
	if (starts(l, "Unattached zero-length inode") || starts(l, "Unattached inode"))
		return 1;
	/* the same for a directory: unnamed, its ".." to be reset on reconnection */
	if (starts(l, "Unconnected directory inode") ||
	    (starts(l, "'..' in ... (") && strstr(l, "should be <The NULL inode> (0)")))
		return 1;
	/*
	 * A bitmap and its checksum live in different blocks (the bitmap, the
	 * group descriptor): an interruption between the two writes leaves them
	 * disagreeing. No write order avoids that without a journal; e2fsck
	 * -p mends it like a leak (PR_PREEN_OK), and the writer marks the
	 * filesystem not clean so that boot-time fsck runs. Counted apart.
	 */
	if (strstr(l, "bitmap does not match checksum") || !strcmp(l, "IGNORED.")) {
		fsck_torn++;
		return 1;
	}
	if (starts(l, "Connect to /lost+found? no") || starts(l, "Fix? no") ||
	    starts(l, "Clear? no") || strstr(l, "WARNING: Filesystem still has errors"))
		return 1;
	return 0;
}

/*
 * e2fsck -fn on an image file: returns 0 when clean (exit 0, nothing said),
 * 1 when it reports only leaks, 2 for anything else (printed).
 */
static int fsck_judge(const char *img, int quiet_leaks)
{
	static char out[1 << 16];
	char cmd[512];
	int st, verdict = 0;
	char *l, *save;

	snprintf(cmd, sizeof(cmd), "e2fsck -fn '%s' 2>&1", img);
	st = run(cmd, out, sizeof(out));
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* "Fix? no" may share a line with the complaint */
		char *q = strstr(l, ".  Fix? no");

		if (!q)
			q = strstr(l, ".  Clear? no");
		if (q)
			*q = 0;
		if (fsck_line_quiet(l))
			continue;
		if (fsck_line_leak(l)) {
			if (verdict < 1)
				verdict = 1;
			if (!quiet_leaks)
				fprintf(stderr, "  e2fsck (leak): %s\n", l);
			continue;
		}
		fprintf(stderr, "  e2fsck: %s\n", l);
		verdict = 2;
	}
	if (st != 0 && verdict == 0) {
		fprintf(stderr, "  e2fsck exit status %d without a message\n", st);
		verdict = 2;
	}
	if (st < 0 || st > 4)
		verdict = 2;
	return verdict;
}

/* debugfs dump of path; 1 if its bytes equal want. */
__attribute__((unused)) static int dump_equals(const char *img, const char *path, const void *want, size_t len)
{
	char out[512], cmd[1024];
	FILE *f;
	uint8_t *got;
	long n;
	int eq;

	snprintf(out, sizeof(out), "%s/dumped", img_dir);
	unlink(out);
	snprintf(cmd, sizeof(cmd), "debugfs -R 'dump %s %s' '%s' >/dev/null 2>&1", path, out, img);
	if (run(cmd, NULL, 0) != 0)
		return 0;
	f = fopen(out, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	got = malloc(n ? (size_t)n : 1);
	eq = fread(got, 1, (size_t)n, f) == (size_t)n && (size_t)n == len &&
	     memcmp(got, want, len) == 0;
	if (!eq)
		fprintf(stderr, "  %s: %ld bytes read back, %zu expected%s\n", path, n, len,
			(size_t)n == len ? " (contents differ)" : "");
	fclose(f);
	free(got);
	return eq;
}

/* The mode debugfs reports for path (octal), or -1. */
__attribute__((unused)) static long stat_mode(const char *img, const char *path)
{
	char out[4096], cmd[1024], *m;

	snprintf(cmd, sizeof(cmd), "debugfs -R 'stat %s' '%s' 2>/dev/null | head -3", path, img);
	if (run(cmd, out, sizeof(out)) != 0)
		return -1;
	m = strstr(out, "Mode:");
	return m ? strtol(m + 5, NULL, 8) : -1;
}

#endif
