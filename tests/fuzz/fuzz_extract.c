/*
 * dumpling-extract's reader (tools/dumpling-extract.c): measuring the dump on
 * a raw target (kdump-compressed, ELF or flattened), reading a
 * kdump-compressed dump through capture/kdump_read.c, and vmcore-dmesg.txt
 * from it, as `--to-dir` does at boot. The input is what the target holds.
 */
#define EXTRACT_NO_MAIN
#include "tools/dumpling-extract.c"

#include <sys/mman.h>

#include "tests/fuzz/fuzz.h"

static int fd = -1;
static char dir[] = "/dev/shm/dumpling-fuzz-extract-XXXXXX", dmesg_path[64];

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd)) {}
}
static uint8_t arena_mem[16 << 20];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("fuzz-extract", 0);
	if (fd < 0 || !mkdtemp(dir))
		abort();
	snprintf(dmesg_path, sizeof(dmesg_path), "%s/vmcore-dmesg.txt", dir);
	atexit(remove_dir);
	/* The tool reports on stdout; only a crash matters here. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kdump_reader kr;
	static uint8_t page[4096];
	struct source s;
	struct dump_extent e;
	struct arena a;
	char err[512];

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.name = "fuzz";
	s.size = size;
	s.err = err;
	s.errlen = sizeof(err);
	if (dump_measure(&s, &e) != MEASURE_OK)
		return 0;
	if (e.len > size)
		abort();	/* a dump longer than the target it is on */
	if (e.kind == DUMP_KDUMP) {
		struct host_file_src sm;

		host_file_src_init(&sm, s.fd, 0, e.len);
		arena_init(&a, arena_mem, sizeof(arena_mem));
		if (kdump_reader_open(&kr, &sm.m, e.len, &a, err, sizeof(err)) == 0)
			for (uint64_t pfn = 0; pfn < kr.max_mapnr && pfn < 256; pfn++)
				if (kdump_reader_dumpable(&kr, pfn))
					kdump_reader_page(&kr, pfn, page);
	}
	write_dmesg(&s, &e, dmesg_path);
	return 0;
}
