/*
 * dumpling: load the capture image into the crash reservation, unload it,
 * show the state, or print the capture command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "loader/iommu.h"
#include "capture/cmdline_schema.h"
#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/console.h"
#include "loader/cpus.h"
#include "loader/image.h"
#include "loader/kexec.h"
#include "loader/estimate.h"
#include "loader/ext4.h"
#include "loader/legacy.h"
#include "loader/lockdown.h"
#include "loader/pesig.h"
#include "loader/secureboot.h"
#include "loader/nfs.h"
#include "loader/mounts.h"
#include "loader/reserve.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/save.h"
#include "loader/status.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: dumpling load [-c CONFIG] [-i IMAGE] [--legacy]\n"
	"       dumpling unload\n"
	"       dumpling status [-c CONFIG] [-i IMAGE]\n"
	"       dumpling estimate [-i IMAGE]\n"
	"       dumpling reset-crashkernel [-i IMAGE]\n"
	"       dumpling save [-c CONFIG]\n"
	"       dumpling cmdline [-c CONFIG]\n"
	"\n"
	"  load     load the capture image into the crash reservation (crashkernel=)\n"
	"           with kexec_file_load; --legacy uses kexec_load and builds the\n"
	"           elfcorehdr itself\n"
	"  unload   remove the loaded crash image\n"
	"  status   whether a crash image is loaded, the reservation and how much\n"
	"           of it the image uses, the target and whether it is there, the\n"
	"           newest dump, lockdown, and who signed the installed images;\n"
	"           exit 0 operational, 3 not loaded, 1 a problem\n"
	"  estimate the crashkernel= this machine needs, and whether the current\n"
	"           reservation is enough\n"
	"  reset-crashkernel  write that (plus a margin) to " GRUB_SNIPPET "\n"
	"           and run update-grub\n"
	"  save     raw target: copy a dump left on it to " DEFAULT_CRASH_DIR "/<date>/\n"
	"           and clear it (dumpling-save.service runs this at boot)\n"
	"  cmdline  print the capture command line, for use with kexec-tools:\n"
	"           kexec -s -p dumpling.img --append=\"$(dumpling cmdline)\"\n"
	"\n"
	"  -c CONFIG  default " DEFAULT_CONFIG "\n"
	"  -i IMAGE   default " DEFAULT_SIGNED_IMAGE " if installed, else\n"
	"             " DEFAULT_IMAGE "\n"
	"\n"
	"exit status: 0 ok, 1 failure, 2 usage error (status: 3 not loaded)\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

static int fail(const char *msg)
{
	fprintf(stderr, "dumpling: %s\n", msg);
	return 1;
}

/* "3.4 MiB", "512 KiB", "16 MiB": sizes for people. */
static const char *human(uint64_t b, char *buf, size_t n)
{
	if (b >= (1ull << 30))
		snprintf(buf, n, "%.1f GiB", b / 1073741824.0);
	else if (b >= (1ull << 20))
		snprintf(buf, n, "%.1f MiB", b / 1048576.0);
	else
		snprintf(buf, n, "%" PRIu64 " KiB", (b + 1023) >> 10);
	/* "16.0 MiB" reads better as "16 MiB" */
	char *dot = strstr(buf, ".0 ");
	if (dot)
		memmove(dot, dot + 2, strlen(dot + 2) + 1);
	return buf;
}

/* The nfs target's network facts (loader/nfs.c), for describe_target. */
static struct net_info nfs_net;

/* Config and target -> one struct capture_config -> command line words. */
static int config_and_cmdline(const char *conf, struct loader_config *c, struct target_info *t,
			      char *cmdline, size_t n)
{
	struct capture_config cc;
	char err[4096];

	if (config_load(conf, c, err, sizeof(err)) < 0 ||
	    config_resolve_path(c, err, sizeof(err)) < 0)
		return fail(err);
	if (c->target == TARGET_NFS) {
		if (nfs_resolve(c, &nfs_net, err, sizeof(err)) < 0 ||
		    nfs_capture_config(c, &nfs_net, &cc, err, sizeof(err)) < 0)
			return fail(err);
	} else {
		if (c->target == TARGET_EXT4 ? ext4_target_resolve(c, t, err, sizeof(err)) < 0
					      : resolve_target(c->raw_dev, t, err, sizeof(err)) < 0)
			return fail(err);
		if (loader_disk_config(c, t, &cc, err, sizeof(err)) < 0)
			return fail(err);
	}
	loader_cpu_settings(&cc);	/* the boot CPU, which the image must never INIT */
	if (console_choose(c->console, &cc.console, err, sizeof(err)) < 0 ||
	    cmdline_write(&cc, cmdline, n, err, sizeof(err)) < 0)
		return fail(err);
	return 0;
}

static void describe_target(const struct loader_config *c, const struct target_info *t,
			    char *buf, size_t n)
{
	char a[32], b[32];
	int k;

	if (c->target == TARGET_NFS) {
		nfs_describe(c, &nfs_net, buf, n);
		return;
	}
	k = snprintf(buf, n, "%s %s (%s %s", c->target == TARGET_EXT4 ? "ext4" : "raw",
		     c->raw_dev, t->driver, t->pci);

	if (k < 0 || (size_t)k >= n)
		return;
	if (t->nsid)
		k += snprintf(buf + k, n - k, " namespace %u", t->nsid);
	if ((size_t)k < n && t->is_part)
		k += snprintf(buf + k, n - k, ", partition at %s, %s",
			      human(t->part_start, a, sizeof(a)), human(t->part_len, b, sizeof(b)));
	if ((size_t)k < n)
		snprintf(buf + k, n - k, ")");
}

/* Appends "; behind IOMMU dmar0 (...)" when the target's device has one. */
static void describe_iommu(const char *pci, char *where, size_t n)
{
	char what[160];
	size_t k = strlen(where);

	iommu_describe(pci, what, sizeof(what));
	if (what[0] && k < n)
		snprintf(where + k, n - k, "; %s", what);
}

static int cmd_cmdline(const char *conf)
{
	struct loader_config c;
	struct target_info t;
	char cmdline[2048];

	if (config_and_cmdline(conf, &c, &t, cmdline, sizeof(cmdline)))
		return 1;
	printf("%s\n", cmdline);
	return 0;
}

static int cmd_unload(void)
{
	int r;

	if (geteuid() != 0)
		return fail("must be run as root");
	r = kexec_crash_unload();
	if (r < 0) {
		fprintf(stderr, "dumpling: unload failed: %s\n", kexec_explain(-r, 0));
		return 1;
	}
	printf("dumpling: crash image unloaded\n");
	return 0;
}

static int load_legacy(struct dimage *im, const struct reservation *rv, const char *words)
{
	static struct crash_facts facts;	/* large: not on the stack */
	struct legacy_plan p;
	char err[1024];
	int r;

	if (crash_facts_read(&facts, err, sizeof(err)) < 0 ||
	    legacy_plan(im, &rv->r, &facts.in, words, &p, err, sizeof(err)) < 0)
		return fail(err);
	r = kexec_legacy_crash_load(p.entry, p.segs, p.nsegs);
	legacy_plan_free(&p);
	if (r < 0) {
		fprintf(stderr, "dumpling: kexec_load failed: %s\n", kexec_explain(-r, 1));
		return 1;
	}
	return 0;
}

static int cmd_load(const char *conf, const char *image, int legacy)
{
	struct loader_config c;
	struct target_info t;
	struct reservation rv;
	struct machine_facts mf;
	struct overhead o;
	struct dimage im;
	struct lockdown_state ld;
	struct pe_sig ps;
	char words[2048], err[1024], where[384], a[32], b[32], d[32], why[1024];
	uint64_t need, left;
	int fd, r;

	if (geteuid() != 0)
		return fail("must be run as root");
	lockdown_read(&ld);
	if (legacy && secureboot_refuse_legacy(&ld, stderr) < 0)
		return 1;
	reservation_read(&rv);
	if (!rv.supported && !rv.have_range)
		return fail("no crash reservation: this kernel has no kexec crash support "
			    "(/sys/kernel/kexec_crash_size is missing: it needs "
			    "CONFIG_CRASH_DUMP, and crashkernel=16M on its command line)");
	if (!rv.size)
		return fail("no crash reservation: the kernel command line has no crashkernel=; "
			    "run 'dumpling reset-crashkernel' (or add crashkernel=16M) and reboot");
	if (!rv.have_range)
		return fail("cannot find the \"Crash kernel\" range in /proc/iomem");
	if (config_and_cmdline(conf, &c, &t, words, sizeof(words)))
		return 1;
	if (image_load(image, &im, err, sizeof(err)) < 0)
		return fail(err);

	machine_facts_read(&mf);
	estimate_overhead(&mf, im.kernel_alignment, rv.r.start, legacy, &o);
	need = PAGE_UP((uint64_t)im.init_size) + o.total;
	if (need > rv.size) {
		uint64_t mib = (need + (1 << 20) - 1) >> 20;

		fprintf(stderr, "dumpling: %s does not fit: it needs %s (init_size) and the "
			"kernel about %s more (estimated: elfcorehdr %" PRIu64 " KiB, %s"
			"page tables %" PRIu64 " KiB, alignment %" PRIu64 " KiB), but the "
			"reservation is %s: use crashkernel=%" PRIu64 "M or more\n",
			image, human(PAGE_UP((uint64_t)im.init_size), a, sizeof(a)),
			human(o.total, b, sizeof(b)), o.elfcorehdr >> 10,
			legacy ? "" : "purgatory and boot_params 40 KiB, ",
			o.page_tables >> 10, o.alignment >> 10, human(rv.size, d, sizeof(d)),
			(uint64_t)((mib + 1) & ~1ull));
		image_free(&im);
		return 1;
	}
	left = rv.size - need;

	if (legacy) {
		r = load_legacy(&im, &rv, words);
	} else {
		/* The kernel prepends "elfcorehdr=0x... " (at most 30 bytes). */
		if (im.cmdline_size && strlen(words) + 30 > im.cmdline_size) {
			image_free(&im);
			return fail("the command line is longer than the image's cmdline_size");
		}
		fd = open(image, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "dumpling: %s: %s\n", image, strerror(errno));
			image_free(&im);
			return 1;
		}
		pe_sig_inspect(im.data, im.len, &ps);
		secureboot_notice(&ld, image, &ps, stderr);
		r = kexec_file_crash_load(fd, words);
		close(fd);
		if (r < 0) {
			const char *m = secureboot_explain(-r, &ld, image, &ps, why, sizeof(why));
			struct reservation after;

			fprintf(stderr, "dumpling: kexec_file_load failed: %s\n",
				m ? m : kexec_explain(-r, 0));
			/* The kernel frees the loaded crash image before it checks the
			 * new one: say so when a failed load left nothing loaded. */
			reservation_read(&after);
			if (rv.loaded && !after.loaded)
				fprintf(stderr, "dumpling: the crash image that was loaded before "
					"is gone too (the kernel drops it first): no crash image is "
					"loaded now\n");
		}
		r = r < 0;
	}
	if (r == 0) {
		describe_target(&c, &t, where, sizeof(where));
		describe_iommu(c.target == TARGET_NFS ? nfs_net.pci : t.pci, where, sizeof(where));
		printf("dumpling: loaded %s (%s) into the crash reservation 0x%" PRIx64
		       "-0x%" PRIx64 " (%s), %s left%s; dump goes to %s\n", image,
		       human(PAGE_UP((uint64_t)im.init_size), a, sizeof(a)), rv.r.start, rv.r.end,
		       human(rv.size, b, sizeof(b)), human(left, d, sizeof(d)),
		       legacy ? " (kexec_load)" : "", where);
	}
	image_free(&im);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "legacy", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONFIG, *image = DEFAULT_IMAGE, *cmd;
	int legacy = 0, opt, have_c = 0, have_i = 0;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		return usage(stdout, 0);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "+c:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': conf = optarg; have_c = 1; break;
		case 'i': image = optarg; have_i = 1; break;
		case 'L': legacy = 1; break;
		case 'h': return usage(stdout, 0);
		default: return usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dumpling: unexpected argument '%s'\n", argv[optind]);
		return usage(stderr, EXIT_USAGE);
	}
	/* Without -i: the signed image when one is installed. */
	if (!have_i)
		image = secureboot_default_image();
	if (!strcmp(cmd, "load"))
		return cmd_load(conf, image, legacy);
	if (legacy) {
		fprintf(stderr, "dumpling: --legacy only applies to load\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "status"))
		return cmd_status(conf, image);
	if (have_i && strcmp(cmd, "estimate") && strcmp(cmd, "reset-crashkernel")) {
		fprintf(stderr, "dumpling: -i only applies to load, status, estimate and "
			"reset-crashkernel\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "estimate") && !have_c)
		return cmd_estimate(image);
	if (!strcmp(cmd, "reset-crashkernel") && !have_c)
		return cmd_reset_crashkernel(image);
	if (!strcmp(cmd, "cmdline"))
		return cmd_cmdline(conf);
	if (!strcmp(cmd, "save"))
		return cmd_save(conf, DEFAULT_CRASH_DIR);
	if (have_c) {
		fprintf(stderr, "dumpling: -c only applies to load, status, save and cmdline\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "unload"))
		return cmd_unload();
	fprintf(stderr, "dumpling: unknown command '%s'\n", cmd);
	return usage(stderr, EXIT_USAGE);
}
