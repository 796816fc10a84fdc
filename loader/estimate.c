/* dumpling estimate, dumpling reset-crashkernel (see estimate.h). */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader/estimate.h"
#include "loader/image.h"
#include "loader/sysroot.h"

#define MiB ((uint64_t)1 << 20)

extern char **environ;

void estimate_compute(const struct machine_facts *mf, uint32_t init_size,
		      uint32_t kernel_alignment, struct estimate *e)
{
	memset(e, 0, sizeof(*e));
	e->init_size = PAGE_UP((uint64_t)init_size);
	/* crash_base 0: kexec_file places the image top-down, so the worst case */
	estimate_overhead(mf, kernel_alignment, 0, 0, &e->o);
	e->hotplug = mf->hdr_size != 0;
	e->need = e->init_size + e->o.total;
	e->crashkernel = (e->need + MiB - 1) / MiB * MiB;
	/*
	 * reset-crashkernel leaves room for a bigger image after an upgrade and
	 * for RAM or CPUs added later: 1 MiB more, rounded up to an even MiB.
	 */
	e->safe = ((e->crashkernel / MiB + 1 + 1) & ~1ull) * MiB;
}

static int estimate_for_this_machine(const char *image, struct estimate *e)
{
	struct machine_facts mf;
	struct dimage im;
	char err[1024];

	if (image_load(image, &im, err, sizeof(err)) < 0) {
		fprintf(stderr, "dumpling: %s\n", err);
		return -1;
	}
	machine_facts_read(&mf);
	estimate_compute(&mf, im.init_size, im.kernel_alignment, e);
	image_free(&im);
	return 0;
}

static double kib(uint64_t b)
{
	return b / 1024.0;
}

int cmd_estimate(const char *image)
{
	struct machine_facts mf;
	struct reservation rv;
	struct estimate e;

	if (estimate_for_this_machine(image, &e) < 0)
		return 1;
	machine_facts_read(&mf);
	reservation_read(&rv);
	printf("image:        %s\n", image);
	printf("init_size:    %8.0f KiB  (the image's code, data and buffers)\n", kib(e.init_size));
	printf("elfcorehdr:   %8.0f KiB  (%s)\n", kib(e.o.elfcorehdr),
	       e.hotplug ? "sized by the kernel for crash hotplug: crash_elfcorehdr_size"
			 : "one program header per CPU, RAM range and the kernel");
	printf("purgatory:    %8.0f KiB  (purgatory, boot_params, command line)\n",
	       kib(e.o.purgatory));
	printf("page tables:  %8.0f KiB  (the kernel's identity map for the jump)\n",
	       kib(e.o.page_tables));
	printf("alignment:    %8.0f KiB  (kernel_alignment of the image)\n", kib(e.o.alignment));
	printf("total:        %8.0f KiB  for %d CPUs, %d RAM ranges up to %" PRIu64 " MiB\n",
	       kib(e.need), mf.ncpus, mf.nram, mf.ram_top / MiB);
	printf("crashkernel=%" PRIu64 "M\n", e.crashkernel / MiB);
	if (!rv.supported && !rv.have_range)
		printf("current reservation: none (kernel without kexec crash support)\n");
	else if (!rv.size)
		printf("current reservation: none: run 'dumpling reset-crashkernel' and reboot\n");
	else
		printf("current reservation: %" PRIu64 " KiB: %s\n", rv.size >> 10,
		       rv.size >= e.need ? "enough" :
		       "NOT enough: run 'dumpling reset-crashkernel' and reboot");
	return 0;
}

int grub_snippet_text(uint64_t mib, char *buf, size_t n)
{
	int k = snprintf(buf, n,
		"# Written by 'dumpling reset-crashkernel': the crash reservation the\n"
		"# dumpling capture image needs on this machine (see 'dumpling estimate').\n"
		"# The last crashkernel= on the command line is the one the kernel uses.\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=%" PRIu64 "M\"\n",
		mib);

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Runs update-grub when it is installed; its absence is not an error. */
static int run_update_grub(void)
{
	char *argv[] = { "update-grub", NULL };
	pid_t pid;
	int st, r;

	r = posix_spawnp(&pid, "update-grub", NULL, NULL, argv, environ);
	if (r == ENOENT) {
		printf("update-grub is not installed: add the setting to your boot loader's "
		       "kernel command line yourself\n");
		return 0;
	}
	if (r) {
		fprintf(stderr, "dumpling: cannot run update-grub: %s\n", strerror(r));
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "dumpling: update-grub failed\n");
		return -1;
	}
	return 0;
}

int cmd_reset_crashkernel(const char *image)
{
	char path[4096], tmp[4200], text[512], dir[4096], parent[4096];
	struct estimate e;
	FILE *f;

	if (geteuid() != 0) {
		fprintf(stderr, "dumpling: must be run as root\n");
		return 1;
	}
	if (estimate_for_this_machine(image, &e) < 0)
		return 1;
	if (sysroot_path(path, sizeof(path), "%s", GRUB_SNIPPET) < 0 ||
	    sysroot_path(dir, sizeof(dir), "/etc/default/grub.d") < 0 ||
	    grub_snippet_text(e.safe / MiB, text, sizeof(text)) < 0) {
		fprintf(stderr, "dumpling: path too long\n");
		return 1;
	}
	/* grub.d (and, on a machine without GRUB, /etc/default) may not exist yet */
	if (sysroot_path(parent, sizeof(parent), "/etc/default") == 0)
		mkdir(parent, 0755);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "dumpling: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "dumpling: cannot write %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	if ((fputs(text, f) == EOF) | (fclose(f) == EOF) || rename(tmp, path) < 0) {
		fprintf(stderr, "dumpling: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("wrote crashkernel=%" PRIu64 "M to %s (estimate %" PRIu64 "M plus a margin)\n",
	       e.safe / MiB, GRUB_SNIPPET, e.crashkernel / MiB);
	if (run_update_grub() < 0)
		return 1;
	printf("reboot for the new reservation to take effect\n");
	return 0;
}
