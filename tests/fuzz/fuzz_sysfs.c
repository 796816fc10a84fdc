/*
 * The loader's readers of sysfs and procfs (loader/reserve.c, iomem.c,
 * nfs.c, ext4.c, legacy.c): what a running kernel, or a container lying to
 * the loader, puts in these files. The input is the files' contents, split
 * at each "\n%%\n", in the order of files[] below; a missing part leaves that
 * file absent. They are written under a private DUMPLING_SYSROOT.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/elfcorehdr.h"
#include "loader/ext4.h"
#include "loader/image.h"
#include "loader/iomem.h"
#include "loader/legacy.h"
#include "loader/nfs.h"
#include "loader/partid.h"
#include "loader/reserve.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/fuzz/fuzz.h"

static const char *const files[] = {
	"/proc/iomem",
	"/sys/kernel/kexec_crash_size",
	"/sys/kernel/kexec_crash_loaded",
	"/sys/devices/system/cpu/possible",
	"/sys/kernel/crash_elfcorehdr_size",
	"/proc/net/route",
	"/proc/net/fib_trie",
	"/etc/hosts",
	"/sys/class/net/eth0/address",
	"/proc/meminfo",
	"/sys/kernel/vmcoreinfo",
	"/proc/kcore",
	"/sys/devices/system/cpu/cpu0/crash_notes",
	"/sys/devices/system/cpu/cpu1/crash_notes",
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

static char root[64];

static void remove_root(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd)) {}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "/proc", "/proc/net", "/sys", "/sys/kernel",
		"/sys/devices", "/sys/devices/system", "/sys/devices/system/cpu",
		"/sys/devices/system/cpu/cpu0", "/sys/devices/system/cpu/cpu1", "/sys/class",
		"/sys/class/net", "/sys/class/net/eth0", "/etc" };
	char p[256];

	snprintf(root, sizeof(root), "/dev/shm/dumpling-fuzz-sysfs-XXXXXX");
	if (!mkdtemp(root))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		mkdir(p, 0755);
	}
	setenv("DUMPLING_SYSROOT", root, 1);
	atexit(remove_root);
	return 0;
}

static void put_file(size_t i, const uint8_t *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, files[i]);
	if (!p) {
		unlink(path);
		return;
	}
	f = fopen(path, "w");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct crash_facts cf;
	static const char sep[] = "\n%%\n";
	struct reservation rv;
	struct machine_facts mf;
	struct loader_config c;
	struct net_info ni;
	struct overhead o;
	struct range r[8], out[16];
	const uint8_t *p = data, *end = data + size;
	char err[1024];
	int cpus[4], n;
	uint32_t ip;

	for (size_t i = 0; i < NFILES; i++) {
		const uint8_t *e = p ? memmem(p, (size_t)(end - p), sep, 4) : NULL;

		if (!p) {
			put_file(i, NULL, 0);
			continue;
		}
		put_file(i, p, (size_t)((e ? e : end) - p));
		p = e ? e + 4 : NULL;
	}

	reservation_read(&rv);
	machine_facts_read(&mf);
	estimate_overhead(&mf, 0x200000, rv.have_range ? rv.r.start : 0x1000000, 0, &o);
	estimate_overhead(&mf, 0x200000, 0x1000000, 1, &o);
	ext4_dump_estimate();
	if (size) {
		char *text = fuzz_string(data, size);

		cpu_list_count(text, cpus, 4);
		n = iomem_find(text, "System RAM", 0, r, 8);
		if (n > 8)
			n = 8;		/* the count of all matches; 8 stored */
		if (n > 0)
			range_subtract(r, n, r + 1, n - 1, out, 16);
		free(text);
	}
	loader_config_defaults(&c);
	c.target = TARGET_NFS;
	strcpy(c.nfs, "dumpserver:/srv/dumps");
	nfs_resolve(&c, &ni, err, sizeof(err));
	strcpy(c.nfs, "10.0.2.2:/srv/dumps");
	nfs_resolve(&c, &ni, err, sizeof(err));
	nfs_parse_spec("10.0.2.2:/x", &ip, ni.export, sizeof(ni.export), err, sizeof(err));
	crash_facts_read(&cf, err, sizeof(err));
	return 0;
}
