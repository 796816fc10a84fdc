/*
 * dumpling-extract: copy a dump off a raw target.
 *
 * A raw target holds the dump at some offset and then whatever was on the
 * disk before. The dump's own headers say how long it is: for the
 * kdump-compressed format, the end of the last page's data (found through
 * bitmap 2 and the page descriptors) or of the eraseinfo; for an ELF vmcore,
 * the end of the furthest segment. Every field is checked against the size
 * of the source before it is used.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* <elf.h> spells PF_* differently from capture/elf64.h; the values agree. */
#undef PF_X
#undef PF_W
#undef PF_R
#include "capture/arena.h"
#include "capture/elfcore.h"
#include "capture/fmt.h"
#include "capture/kdump_format.h"
#include "capture/kdump_read.h"
#include "capture/printk.h"
#include "fs/raw_log.h"
#include "tools/host_io.h"
#include "tools/term_progress.h"

#define EXTRACT_CHUNK		(1u << 20)
#define MEASURE_ARENA		(4u << 20)	/* bitmap counts: up to 64 TiB of pfns */
#define FLAT_SIGNATURE		"makedumpfile"
#define FLAT_HEADER_SIZE	4096

enum dump_kind { DUMP_KDUMP, DUMP_ELF, DUMP_FLAT };

struct dump_extent {
	enum dump_kind kind;
	uint64_t len;		/* bytes from the offset to copy */
	int incomplete;		/* the writer ran out of space or was cut off */
	uint64_t pages;		/* kdump: dumpable pages (descriptors) */
	uint64_t lost;		/* kdump: pages whose data is missing */
};

/* Results of dump_measure(). */
#define MEASURE_OK	0
#define MEASURE_NODUMP	1	/* no signature: nothing was written here */
#define MEASURE_BAD	2	/* a dump header, but inconsistent */
#define MEASURE_IOERR	3

struct source {
	int fd;
	const char *name;
	uint64_t off;		/* where the dump starts */
	uint64_t size;		/* bytes available from off */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int src_error(struct source *s, int code, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(s->err, s->errlen, "%s at offset %" PRIu64 ": ", s->name, s->off);

	if (k >= 0 && (size_t)k < s->errlen) {
		va_start(ap, fmt);
		vsnprintf(s->err + k, s->errlen - k, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A range [pos, pos+len) that must lie inside the source. */
static int in_source(const struct source *s, uint64_t pos, uint64_t len)
{
	return pos <= s->size && len <= s->size - pos;
}

/* Reads len bytes at dump offset pos; -1 if any is past the end or unreadable. */
static int src_read(struct source *s, uint64_t pos, void *buf, size_t len)
{
	if (!in_source(s, pos, len))
		return -1;
	return host_pread_all(s->fd, s->off + pos, buf, len);
}

/* The kdump-compressed format: capture/kdump_read.c checks and measures it. */
static int measure_kdump(struct source *s, struct dump_extent *e)
{
	static struct kdump_reader kr;
	struct host_file_src in;
	struct kdump_extent ke;
	struct arena a;
	char why[512];
	void *mem = malloc(MEASURE_ARENA);
	int r;

	e->kind = DUMP_KDUMP;
	if (!mem)
		return src_error(s, MEASURE_IOERR, "out of memory");
	arena_init(&a, mem, MEASURE_ARENA);
	host_file_src_init(&in, s->fd, s->off, s->size);
	r = kdump_measure(&kr, &in.m, s->size, &a, &ke, why, sizeof(why));
	free(mem);
	if (r)
		return src_error(s, MEASURE_BAD, "%s", why);
	e->len = ke.len;
	e->pages = ke.pages;
	e->lost = ke.lost;
	e->incomplete = ke.incomplete;
	return MEASURE_OK;
}

/* An ELF vmcore: capture/elfcore.c checks and measures it. */
static int measure_elf(struct source *s, struct dump_extent *e)
{
	struct host_file_src in;
	struct elfcore_extent ee;
	char why[512];

	e->kind = DUMP_ELF;
	host_file_src_init(&in, s->fd, s->off, s->size);
	if (elfcore_measure(&in.m, &ee, why, sizeof(why)))
		return src_error(s, MEASURE_BAD, "%s", why);
	e->len = ee.len;
	e->lost = ee.lost;
	e->incomplete = ee.incomplete;
	return MEASURE_OK;
}

/* The flattened format (makedumpfile -F): records up to the end marker. */
static int measure_flat(struct source *s, struct dump_extent *e)
{
	uint64_t pos = FLAT_HEADER_SIZE;

	e->kind = DUMP_FLAT;
	for (;;) {
		unsigned char h[16];
		uint64_t off = 0, size = 0;

		if (src_read(s, pos, h, 16) < 0)
			return src_error(s, MEASURE_BAD, "flattened dump without an end "
					 "marker: cut short at %" PRIu64, pos);
		for (int i = 0; i < 8; i++) {
			off = off << 8 | h[i];
			size = size << 8 | h[8 + i];
		}
		pos += 16;
		if (off == UINT64_MAX && size == UINT64_MAX)
			break;
		if (off >> 63 || size >> 63 || !in_source(s, pos, size))
			return src_error(s, MEASURE_BAD, "flattened record at %" PRIu64
					 " (%" PRIu64 " bytes) is corrupted", pos - 16, size);
		pos += size;
	}
	e->len = pos;
	return MEASURE_OK;
}

/*
 * Finds the dump at s->off and its length. Returns MEASURE_*; the message
 * is in s->err unless MEASURE_OK.
 */
static int dump_measure(struct source *s, struct dump_extent *e)
{
	union {
		struct disk_dump_header kd;
		Elf64_Ehdr eh;
		unsigned char b[512];
	} h;
	int r;

	memset(e, 0, sizeof(*e));
	memset(&h, 0, sizeof(h));
	if (s->size < KDUMP_SIG_LEN) {
		errf(s->err, s->errlen, "no dump in %s at offset %" PRIu64 ": only %"
			 PRIu64 " bytes there", s->name, s->off, s->size);
		return MEASURE_NODUMP;
	}
	if (src_read(s, 0, &h, s->size < sizeof(h) ? s->size : sizeof(h)) < 0)
		return src_error(s, MEASURE_IOERR, "cannot read the header: %s",
				 strerror(errno));
	if (!memcmp(h.kd.signature, KDUMP_SIGNATURE, KDUMP_SIG_LEN) ||
	    !memcmp(h.kd.signature, "DISKDUMP", KDUMP_SIG_LEN))
		r = measure_kdump(s, e);
	else if (!memcmp(h.eh.e_ident, ELFMAG, SELFMAG))
		r = measure_elf(s, e);
	else if (!memcmp(h.b, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)))
		r = measure_flat(s, e);
	else {
		errf(s->err, s->errlen, "no dump in %s at offset %" PRIu64 ": no KDUMP "
			 "signature", s->name, s->off);
		r = MEASURE_NODUMP;
	}
	return r;
}

static int write_all(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf = (const char *)buf + w;
		len -= w;
	}
	return 0;
}

/* Copies len bytes of the dump to out. Returns 0, or -1 with s->err set. */
static int dump_copy(struct source *s, uint64_t len, int out, const char *outname)
{
	unsigned char *buf = malloc(EXTRACT_CHUNK);
	uint64_t pos = 0;
	struct term_progress pr;

	if (!buf)
		return src_error(s, -1, "out of memory");
	term_progress_start(&pr, 2, outname, len);
	while (pos < len) {
		size_t n = len - pos < EXTRACT_CHUNK ? len - pos : EXTRACT_CHUNK;

		if (src_read(s, pos, buf, n) < 0) {
			free(buf);
			return src_error(s, -1, "read error at %" PRIu64 ": %s", pos,
					 strerror(errno));
		}
		if (write_all(out, buf, n) < 0) {
			errf(s->err, s->errlen, "cannot write %s: %s", outname,
				 strerror(errno));
			free(buf);
			return -1;
		}
		pos += n;
		term_progress_update(&pr, pos);
	}
	term_progress_end(&pr, pos);
	free(buf);
	return 0;
}

/* Size of a file or block device; -1 on error. */
static int64_t source_size(int fd)
{
	struct stat st;
	uint64_t sz;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, &sz) < 0 ? -1 : (int64_t)sz;
	if (S_ISREG(st.st_mode))
		return st.st_size;
	errno = EINVAL;
	return -1;
}

/* ---- dumpling.log --------------------------------------------------------- */

/*
 * The capture's own log, which a raw target keeps right after the dump
 * (fs/raw_log.h). Returns 0 when written to path, 1 when there is none or it
 * is damaged (said on stderr).
 */
static int write_runlog(struct source *s, const struct dump_extent *e, const char *path)
{
	uint8_t hdr[RAW_LOG_HDR];
	uint64_t at = RAW_LOG_OFFSET(e->len), len;
	uint32_t crc;
	const char *why;
	char *text;
	FILE *fp;
	int r = 1;

	if (src_read(s, at, hdr, sizeof(hdr))) {
		fprintf(stderr, "dumpling-extract: %s: no dumpling.log after the dump "
			"(the area ends there)\n", s->name);
		return 1;
	}
	if (raw_log_parse(hdr, e->len, &len, &crc, &why)) {
		fprintf(stderr, "dumpling-extract: %s: %s\n", s->name, why);
		return 1;
	}
	text = malloc(len ? len : 1);
	if (!text)
		return 1;
	if (src_read(s, at + RAW_LOG_HDR, text, len) || raw_log_crc(text, len) != crc) {
		fprintf(stderr, "dumpling-extract: %s: dumpling.log is cut short or damaged "
			"(checksum)\n", s->name);
	} else if (!(fp = fopen(path, "w"))) {
		fprintf(stderr, "dumpling-extract: cannot create %s: %s\n", path, strerror(errno));
	} else {
		r = fwrite(text, 1, len, fp) != len;
		r |= fflush(fp) || fsync(fileno(fp)) < 0;
		r |= fclose(fp) != 0;
		if (r)
			fprintf(stderr, "dumpling-extract: writing %s: %s\n", path, strerror(errno));
		else
			printf("%s: dumpling.log, %" PRIu64 " bytes -> %s\n", s->name, len, path);
	}
	free(text);
	return r;
}

/* ---- vmcore-dmesg.txt ----------------------------------------------------- */

#define DMESG_ARENA	(16u << 20)

static int dmesg_put(void *ctx, const char *rec, size_t len)
{
	return fwrite(rec, 1, len, ctx) == len ? 0 : 1;
}

/*
 * The crashed kernel's log from the dump in s into path, formatted as
 * makedumpfile --dump-dmesg formats it, by the capture image's own code
 * (capture/printk.c); a kdump-compressed dump is read through
 * capture/kdump_read.c. Returns 0, or 1 after a message.
 */
static int write_dmesg(struct source *s, const struct dump_extent *e, const char *path)
{
	static struct kdump_reader kr;
	static struct printk_log log;
	struct host_file_src sm;
	struct elfcore ec, *core = &ec;
	struct arena a;
	char err[4400], tmp[4200];
	void *mem = malloc(DMESG_ARENA);
	int64_t n = -1;
	FILE *fp;

	if (!mem) {
		fprintf(stderr, "dumpling-extract: out of memory\n");
		return 1;
	}
	arena_init(&a, mem, DMESG_ARENA);
	host_file_src_init(&sm, s->fd, s->off, e->len);
	if (e->kind == DUMP_FLAT) {
		errf(err, sizeof(err), "a flattened dump: rebuild it with makedumpfile -R first");
		goto fail;
	}
	if (e->kind == DUMP_KDUMP) {
		if (kdump_reader_open(&kr, &sm.m, e->len, &a, err, sizeof(err)))
			goto fail;
		core = &kr.ec;
	} else if (elfcore_read(&ec, &sm.m, 0, e->len, &a, err, sizeof(err))) {
		goto fail;
	}
	if (printk_open(&log, core, NULL, err, sizeof(err)))
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "w");
	if (!fp) {
		errf(err, sizeof(err), "cannot create %s: %s", tmp, strerror(errno));
		goto fail;
	}
	n = printk_walk(&log, 0, dmesg_put, fp);
	if (n < 0 || fflush(fp) || fsync(fileno(fp)) < 0) {
		errf(err, sizeof(err), "writing %s failed: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		goto fail;
	}
	if (fclose(fp) || rename(tmp, path) < 0) {
		errf(err, sizeof(err), "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto fail;
	}
	printf("%s: kernel log, %" PRId64 " records%s -> %s\n", s->name, n,
	       log.skipped ? " (some damaged records skipped)" : "", path);
	free(mem);
	return 0;
fail:
	fprintf(stderr, "dumpling-extract: %s: no kernel log: %s\n", s->name, err);
	free(mem);
	return 1;
}

static const char usage_text[] =
	"usage: dumpling-extract [--offset BYTES] SRC OUT\n"
	"       dumpling-extract [--offset BYTES] --to-dir DIR SRC\n"
	"       dumpling-extract [--offset BYTES] --dmesg OUT.txt SRC\n"
	"       dumpling-extract [--offset BYTES] --log OUT.txt SRC\n"
	"\n"
	"Copies the dump that dumpling (or makedumpfile) wrote to a raw target SRC, a\n"
	"block device or disk image, into the file OUT: exactly as many bytes as the\n"
	"dump's headers say it has. SRC may hold a kdump-compressed dump (\"KDUMP   \"),\n"
	"an ELF vmcore, or a flattened (-F) stream. OUT can then be opened with crash,\n"
	"drgn or makedumpfile.\n"
	"\n"
	"  --offset BYTES  where the dump starts in SRC (default 0; 0x hex accepted)\n"
	"  --to-dir DIR    as kdump does at boot for raw targets: copy the dump to\n"
	"                  DIR/YYYY-MM-DD-HH:MM/vmcore (the crash time, local), then\n"
	"                  clear the dump's header in SRC so it is not copied twice.\n"
	"                  No dump in SRC is not an error in this mode (exit 0).\n"
	"                  The kernel log goes beside it, as vmcore-dmesg.txt, and\n"
	"                  the capture image's own log, as dumpling.log.\n"
	"  --dmesg OUT.txt write the crashed kernel's log (vmcore-dmesg.txt) from the\n"
	"                  dump in SRC (kdump-compressed, zstd or uncompressed, or ELF)\n"
	"  --log OUT.txt   write the capture image's own console log (dumpling.log),\n"
	"                  which it keeps in SRC right after the dump\n"
	"\n"
	"exit status:\n"
	"  0  the dump was copied (a warning is printed if it is marked incomplete)\n"
	"  1  no dump at that offset, a corrupted dump, or an I/O error\n"
	"  2  usage error\n";

static const char *kind_name(enum dump_kind k)
{
	return k == DUMP_ELF ? "ELF vmcore" : k == DUMP_FLAT ? "flattened dump" :
	       "kdump-compressed dump";
}

/*
 * --to-dir: DIR/<date>/vmcore from SRC, then SRC's header cleared, the way
 * kdumpctl's save_raw handles a raw target at boot (its directory name is
 * "%Y-%m-%d-%H:%M"; we take the crash time from the dump header where it has
 * one, so a late boot does not misdate the dump). The vmcore is written as
 * vmcore-incomplete and renamed once complete and synced; only then is the
 * header cleared, so a failure at any point leaves the dump in SRC.
 */
static int extract_to_dir(struct source *s, const char *dir)
{
	union {
		struct disk_dump_header kd;
		unsigned char b[4096];
	} h;
	char sub[4096], tmp[4200], fin[4200], stamp[32];
	struct dump_extent e;
	struct tm tm;
	time_t when = 0;
	size_t clear;
	int out, r;

	r = dump_measure(s, &e);
	if (r == MEASURE_NODUMP) {
		printf("%s: no dump at offset %" PRIu64 ": nothing to extract\n", s->name, s->off);
		return 0;
	}
	if (r != MEASURE_OK) {
		fprintf(stderr, "dumpling-extract: %s\n", s->err);
		return 1;
	}
	memset(&h, 0, sizeof(h));
	if (e.kind == DUMP_KDUMP && src_read(s, 0, &h, sizeof(h.kd)) == 0 && h.kd.timestamp_sec > 0)
		when = (time_t)h.kd.timestamp_sec;
	/* A header date that is no date must not stop the dump being saved
	 * (it would fail the same way at every boot): use the current time. */
	if (when && (!localtime_r(&when, &tm) || tm.tm_year + 1900 > 9999 ||
		     !strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M", &tm))) {
		fprintf(stderr, "dumpling-extract: warning: the dump's timestamp %lld is not a "
			"date; naming it by the current time\n", (long long)when);
		when = 0;
	}
	if (!when)
		when = time(NULL);
	if (!localtime_r(&when, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M", &tm)) {
		fprintf(stderr, "dumpling-extract: cannot format the current date\n");
		return 1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "dumpling-extract: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	/* Two dumps in one minute get -2, -3, ...: never overwrite one. */
	for (int i = 1;; i++) {
		if (i == 1)
			snprintf(sub, sizeof(sub), "%s/%s", dir, stamp);
		else
			snprintf(sub, sizeof(sub), "%s/%s-%d", dir, stamp, i);
		if (mkdir(sub, 0700) == 0)
			break;
		if (errno != EEXIST || i == 100) {
			fprintf(stderr, "dumpling-extract: cannot create %s: %s\n", sub,
				strerror(errno));
			return 1;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s/vmcore-incomplete", sub);
	snprintf(fin, sizeof(fin), "%s/vmcore", sub);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		fprintf(stderr, "dumpling-extract: cannot create %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	s->err[0] = 0;
	if (dump_copy(s, e.len, out, tmp) < 0 || fsync(out) < 0 || close(out) < 0 ||
	    rename(tmp, fin) < 0) {
		fprintf(stderr, "dumpling-extract: %s (the dump stays in %s)\n",
			s->err[0] ? s->err : strerror(errno), s->name);
		return 1;
	}
	/* The log is a convenience: without it the dump is still saved. */
	snprintf(tmp, sizeof(tmp), "%s/vmcore-dmesg.txt", sub);
	if (write_dmesg(s, &e, tmp))
		fprintf(stderr, "dumpling-extract: warning: no vmcore-dmesg.txt beside %s\n", fin);
	snprintf(tmp, sizeof(tmp), "%s/dumpling.log", sub);
	if (write_runlog(s, &e, tmp))
		fprintf(stderr, "dumpling-extract: warning: no dumpling.log beside %s\n", fin);
	out = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out >= 0) {
		fsync(out);	/* the rename is durable before the dump is forgotten */
		close(out);
	}

	/* Forget the dump: zero its first block, as kdumpctl does with dd. */
	clear = e.len < sizeof(h.b) ? (size_t)e.len : sizeof(h.b);
	memset(h.b, 0, sizeof(h.b));
	if (pwrite(s->fd, h.b, clear, (off_t)s->off) != (ssize_t)clear || fsync(s->fd) < 0) {
		fprintf(stderr, "dumpling-extract: %s: saved to %s but cannot clear the dump "
			"header: %s (it will be extracted again)\n", s->name, fin, strerror(errno));
		return 1;
	}
	if (e.incomplete)
		fprintf(stderr, "dumpling-extract: warning: the dump is marked incomplete\n");
	printf("%s: %s, %" PRIu64 " bytes -> %s; dump header cleared\n", s->name,
	       kind_name(e.kind), e.len, fin);
	return 0;
}

int extract_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "to-dir", required_argument, NULL, 'd' },
		{ "dmesg", required_argument, NULL, 'm' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[1024];
	struct source s = { .err = err, .errlen = sizeof(err) };
	struct dump_extent e;
	uint64_t off = 0;
	const char *to_dir = NULL, *dmesg = NULL, *runlog = NULL;
	int64_t size;
	int opt, out, r;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			errno = 0;
			off = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "dumpling-extract: bad offset '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			to_dir = optarg;
			break;
		case 'm':
			dmesg = optarg;
			break;
		case 'l':
			runlog = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind != (to_dir || dmesg || runlog ? 1 : 2) ||
	    !!to_dir + !!dmesg + !!runlog > 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	s.name = argv[optind];
	s.off = off;
	s.fd = open(s.name, (to_dir ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (s.fd < 0) {
		fprintf(stderr, "dumpling-extract: cannot open %s: %s\n", s.name, strerror(errno));
		return 1;
	}
	size = source_size(s.fd);
	if (size < 0) {
		fprintf(stderr, "dumpling-extract: %s: cannot get its size (%s)\n", s.name,
			strerror(errno));
		close(s.fd);
		return 1;
	}
	if ((uint64_t)size < off) {
		fprintf(stderr, "dumpling-extract: offset %" PRIu64 " is past the end of %s "
			"(%" PRId64 " bytes)\n", off, s.name, size);
		close(s.fd);
		return 1;
	}
	s.size = (uint64_t)size - off;
	if (to_dir) {
		r = extract_to_dir(&s, to_dir);
		close(s.fd);
		return r;
	}
	r = dump_measure(&s, &e);
	if (r != MEASURE_OK) {
		fprintf(stderr, "dumpling-extract: %s\n", err);
		close(s.fd);
		return 1;
	}
	if (dmesg) {
		r = write_dmesg(&s, &e, dmesg);
		close(s.fd);
		return r;
	}
	if (runlog) {
		r = write_runlog(&s, &e, runlog);
		close(s.fd);
		return r;
	}
	out = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "dumpling-extract: cannot create %s: %s\n", argv[optind + 1],
			strerror(errno));
		close(s.fd);
		return 1;
	}
	if (dump_copy(&s, e.len, out, argv[optind + 1]) < 0 || fsync(out) < 0 ||
	    close(out) < 0) {
		fprintf(stderr, "dumpling-extract: %s\n", err[0] ? err : strerror(errno));
		close(s.fd);
		return 1;
	}
	close(s.fd);
	if (e.incomplete)
		fprintf(stderr, "dumpling-extract: warning: the dump is marked incomplete "
			"(the target filled up or the capture was cut short)%s\n",
			e.lost ? "; some pages are missing" : "");
	if (e.kind == DUMP_KDUMP)
		printf("%s: %s, %" PRIu64 " bytes, %" PRIu64 " pages%s -> %s\n", s.name,
		       kind_name(e.kind), e.len, e.pages - e.lost,
		       e.lost ? " (some lost)" : "", argv[optind + 1]);
	else
		printf("%s: %s, %" PRIu64 " bytes -> %s%s\n", s.name, kind_name(e.kind), e.len,
		       argv[optind + 1],
		       e.kind == DUMP_FLAT ? " (run makedumpfile -R to rebuild it)" : "");
	return 0;
}

#ifndef EXTRACT_NO_MAIN
int main(int argc, char **argv)
{
	return extract_main(argc, argv);
}
#endif
