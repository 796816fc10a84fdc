/*
 * dumpling-collect: the capture core on the host, as a makedumpfile
 * alternative. Reads an ELF vmcore (/proc/vmcore, makedumpfile -E output, a
 * raw dump extracted by dumpling-extract) or a kdump-compressed dump, and
 * writes a kdump-compressed (default) or ELF (-E) dump with the same page
 * filter and compressor the capture image uses.
 *
 * Pages are compressed on --threads threads (default: every CPU this process
 * may use); the output is the same bytes for any number.
 *
 * usage: dumpling-collect [-d N] [-z] [-E] [--threads N] [--zstd-level L] VMCORE OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/compress.h"
#include "capture/config.h"
#include "capture/dump.h"
#include "capture/kdump_format.h"
#include "capture/kdump_read.h"
#include "capture/page.h"
#include "tools/host_io.h"
#include "tools/host_workers.h"

#define ARENA_SIZE	(64u << 20)

static void usage(void)
{
	fprintf(stderr,
		"usage: dumpling-collect [-d N] [-z] [-E] [--threads N] [--zstd-level L] VMCORE OUT\n"
		"  -d N  dump level 0..31, as makedumpfile -d (1 zero, 2 cache, 4 private\n"
		"        cache, 8 user, 16 free pages)\n"
		"  -z    compress pages with zstd (kdump-compressed output)\n"
		"  -E    write an ELF vmcore instead of a kdump-compressed one\n"
		"  --threads N     compress on N threads (default: every CPU, here %u);\n"
		"                  the output does not depend on N\n"
		"  --zstd-level L  zstd level for -z, %d..%d (default, and 0: %d)\n"
		"VMCOREINFO comes from VMCORE; no vmlinux is needed.\n",
		host_cpus(), COMPRESS_ZSTD_LEVEL_MIN, COMPRESS_ZSTD_LEVEL_MAX, COMPRESS_ZSTD_LEVEL);
	exit(2);
}

/* A whole decimal number in [lo, hi] from an option's argument, or exit 2. */
static long number_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < lo || v > hi) {
		fprintf(stderr, "dumpling-collect: %s wants %ld..%ld, not '%s'\n", opt, lo, hi, s);
		exit(2);
	}
	return v;
}

enum { OPT_THREADS = 256, OPT_ZSTD_LEVEL };
static const struct option longopts[] = {
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "zstd-level", required_argument, NULL, OPT_ZSTD_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define MAX_THREADS	256

int main(int argc, char **argv)
{
	static struct kdump_reader kr;
	struct capture_config cfg;
	struct host_file_src in;
	struct host_file_sink out;
	struct memsrc *mem;
	struct dump_result res;
	struct capture cap;
	struct arena a;
	struct stat sb;
	char sig[16] = { 0 }, err[512];	/* a flattened file's signature is 16 bytes */
	void *arena_mem;
	unsigned threads = host_cpus();
	int c, r, fd;

	config_defaults(&cfg);
	cfg.dump_level = 0;
	cfg.compress = COMPRESS_NONE;
	cfg.format = FORMAT_KDUMP;
	while ((c = getopt_long(argc, argv, "d:zEh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.dump_level = (int)number_arg("-d", optarg, 0, DL_MAX);
			break;
		case OPT_THREADS:
			threads = (unsigned)number_arg("--threads", optarg, 1, MAX_THREADS);
			break;
		case OPT_ZSTD_LEVEL:
			cfg.zstd_level = (int)number_arg("--zstd-level", optarg,
							 COMPRESS_ZSTD_LEVEL_MIN,
							 COMPRESS_ZSTD_LEVEL_MAX);
			break;
		case 'z':
			cfg.compress = COMPRESS_ZSTD;
			break;
		case 'E':
			cfg.format = FORMAT_ELF;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (cfg.format == FORMAT_ELF && cfg.compress != COMPRESS_NONE) {
		fprintf(stderr, "dumpling-collect: -E and -z do not go together: ELF dumps are "
			"not compressed\n");
		return 2;
	}

	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "dumpling-collect: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	host_file_src_init(&in, fd, 0, (uint64_t)sb.st_size);	/* no segment may claim past it */
	mem = &in.m;
	arena_mem = malloc(ARENA_SIZE);
	if (!arena_mem) {
		fprintf(stderr, "dumpling-collect: out of memory\n");
		return 1;
	}
	arena_init(&a, arena_mem, ARENA_SIZE);

	/* A kdump-compressed input is read through a synthesized ELF view of it. */
	if (pread(fd, sig, sizeof(sig), 0) < 0) {
		fprintf(stderr, "dumpling-collect: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (memcmp(sig, KDUMP_SIGNATURE, KDUMP_SIG_LEN) == 0 || memcmp(sig, "DISKDUMP", 8) == 0) {
		if (kdump_reader_open(&kr, &in.m, (uint64_t)sb.st_size, &a, err, sizeof(err))) {
			fprintf(stderr, "dumpling-collect: %s: %s\n", argv[optind], err);
			return 1;
		}
		mem = &kr.view;
		if (cfg.dump_level & ~DL_EXCLUDE_ZERO)
			fprintf(stderr, "dumpling-collect: note: %s is a kdump-compressed dump: pages "
				"it left out stay out, and struct pages are found through page "
				"tables only\n", argv[optind]);
	} else if (memcmp(sig, "makedumpfile", 12) == 0) {
		fprintf(stderr, "dumpling-collect: %s is a flattened dump: rebuild it with "
			"makedumpfile -R first\n", argv[optind]);
		return 1;
	}

	if (capture_prepare(&cap, &cfg, mem, 0, &a))
		return 1;
	fd = open(argv[optind + 1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "dumpling-collect: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	host_file_sink_init(&out, fd, argv[optind + 1]);
	if (threads > 1 && !(cap.workers = host_workers_start(threads)))
		return 1;
	r = capture_write(&cap, &out.s, &res);
	host_workers_stop(cap.workers);
	if (close(out.fd) && !r) {
		fprintf(stderr, "dumpling-collect: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	if (r)
		return 1;
	/* The file is exactly the dump: nothing stale past its end. */
	if (truncate(argv[optind + 1], (off_t)res.bytes)) {}
	return res.incomplete ? 3 : 0;
}
