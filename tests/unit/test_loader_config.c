/* /etc/dumpling.conf parsing: every directive, and the errors with line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/config.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char err[1024];

static int parse(const char *text, struct loader_config *c)
{
	err[0] = 0;
	return config_parse_text(text, "/etc/dumpling.conf", c, err, sizeof(err));
}

/* Parses text that must fail, and checks the message. */
static void check_error(const char *text, const char *want)
{
	struct loader_config c;

	CHECK(parse(text, &c) == -1);
	if (!strstr(err, want)) {
		test_failed++;
		fprintf(stderr, "error for %s: got \"%s\", want \"%s\"\n", text, err, want);
	} else {
		test_passed++;
	}
}

static void test_full_config(void)
{
	struct loader_config c;

	CHECK(parse("# dumpling\n"
		    "\n"
		    "   \t\n"
		    "raw /dev/vdb1   # the dump partition\n"
		    "core_collector makedumpfile -z -d 31 --message-level 7\n"
		    "failure_action halt\n"
		    "final_action poweroff\n", &c) == 0);
	CHECK_STR(err, "");
	CHECK(c.target == TARGET_RAW);
	CHECK_STR(c.raw_dev, "/dev/vdb1");
	CHECK_EQ_U64(c.dump_level, 31);
	CHECK(c.compress == COMPRESS_ZSTD);
	CHECK(c.format == FORMAT_KDUMP);
	CHECK(c.failure_action == ACTION_HALT);
	CHECK(c.final_action == ACTION_POWEROFF);
}

static void test_defaults_and_forms(void)
{
	struct loader_config c;

	/* No core_collector, no actions: the documented defaults. */
	CHECK(parse("raw /dev/vda", &c) == 0);	/* no final newline */
	CHECK_STR(c.raw_dev, "/dev/vda");
	CHECK_EQ_U64(c.dump_level, 0);
	CHECK(c.compress == COMPRESS_NONE);
	CHECK(c.format == FORMAT_KDUMP);
	CHECK(c.failure_action == ACTION_REBOOT);
	CHECK(c.final_action == ACTION_REBOOT);

	/* Glued and clustered short options, --message-level=N, a full path. */
	CHECK(parse("raw /dev/vda\r\ncore_collector /usr/sbin/makedumpfile -zd17 "
		    "--message-level=31\r\n", &c) == 0);
	CHECK_EQ_U64(c.dump_level, 17);
	CHECK(c.compress == COMPRESS_ZSTD);

	CHECK(parse("raw /dev/vda\ncore_collector makedumpfile -E -d0\n", &c) == 0);
	CHECK(c.format == FORMAT_ELF);
	CHECK(c.compress == COMPRESS_NONE);
	CHECK_EQ_U64(c.dump_level, 0);

	CHECK(parse("raw /dev/nvme0n1p2\nfinal_action reboot\nfailure_action poweroff\n",
		    &c) == 0);
	CHECK(c.final_action == ACTION_REBOOT);
	CHECK(c.failure_action == ACTION_POWEROFF);
}

static void test_deadline(void)
{
	struct loader_config c;

	CHECK(parse("raw /dev/vda\n", &c) == 0 && c.deadline_s == 0);
	CHECK(parse("raw /dev/vda\ndumpling_deadline 900\n", &c) == 0 && c.deadline_s == 900);
	check_error("raw /dev/vda\ndumpling_deadline 0\n",
		    ":2: dumpling_deadline '0': expected seconds, 1..604800");
	check_error("raw /dev/vda\ndumpling_deadline 10m\n", ":2: dumpling_deadline '10m'");
	check_error("raw /dev/vda\ndumpling_deadline 700000\n", ":2: dumpling_deadline '700000'");
	check_error("raw /dev/vda\ndumpling_deadline\n", ":2:");
	check_error("raw /dev/vda\ndumpling_deadline 5\ndumpling_deadline 6\n", ":3:");
}

static void test_cpus(void)
{
	struct loader_config c;
	struct capture_config cc;

	CHECK(parse("raw /dev/vda\n", &c) == 0 && c.cpus == 0);
	loader_capture_settings(&c, &cc);
	CHECK_EQ_U64(cc.cpus, 0);
	CHECK(parse("raw /dev/vda\ndumpling_cpus 2\n", &c) == 0 && c.cpus == 2);
	loader_capture_settings(&c, &cc);
	CHECK_EQ_U64(cc.cpus, 2);
	CHECK(parse("raw /dev/vda\ndumpling_cpus 4096\n", &c) == 0 && c.cpus == 4096);
	check_error("raw /dev/vda\ndumpling_cpus 0\n",
		    ":2: dumpling_cpus '0': expected a number of CPUs, 1..4096");
	check_error("raw /dev/vda\ndumpling_cpus 4097\n", ":2: dumpling_cpus '4097'");
	check_error("raw /dev/vda\ndumpling_cpus all\n", ":2: dumpling_cpus 'all'");
	check_error("raw /dev/vda\ndumpling_cpus\n", ":2:");
	check_error("raw /dev/vda\ndumpling_cpus 1 2\n", ":2:");
	check_error("raw /dev/vda\ndumpling_cpus 1\ndumpling_cpus 2\n", ":3:");
}

static void test_errors(void)
{
	check_error("raw /dev/vda\n\nfoo bar\n",
		    "/etc/dumpling.conf:3: unknown directive 'foo'");
	check_error("raw /dev/vda\ncore_collector makedumpfile -l -d 31\n",
		    "/etc/dumpling.conf:2: makedumpfile -l (lzo) is not supported: "
		    "dumpling writes zstd, use -z");
	check_error("raw /dev/vda\ncore_collector makedumpfile -c\n",
		    ":2: makedumpfile -c (zlib) is not supported: dumpling writes zstd");
	check_error("raw /dev/vda\ncore_collector makedumpfile -d 1 -p\n",
		    ":2: makedumpfile -p (snappy) is not supported: dumpling writes zstd");
	check_error("raw /dev/vda\ncore_collector makedumpfile -zl\n",
		    ":2: makedumpfile -l (lzo)");
	check_error("raw /dev/vda\ncore_collector makedumpfile -d 32\n",
		    ":2: makedumpfile -d '32': dump level must be 0..31");
	check_error("raw /dev/vda\ncore_collector makedumpfile -d x1\n",
		    ":2: makedumpfile -d 'x1'");
	check_error("raw /dev/vda\ncore_collector makedumpfile -d\n",
		    ":2: makedumpfile -d needs a dump level");
	check_error("raw /dev/vda\ncore_collector makedumpfile --message-level\n",
		    ":2: makedumpfile --message-level needs a number");
	check_error("raw /dev/vda\ncore_collector makedumpfile -X\n",
		    ":2: makedumpfile option '-X' is not supported");
	check_error("raw /dev/vda\ncore_collector makedumpfile --dump-dmesg\n",
		    ":2: makedumpfile option '--dump-dmesg' is not supported");
	check_error("raw /dev/vda\ncore_collector makedumpfile -F -d 31\n",
		    ":2: makedumpfile -F (flattened) is not needed");
	check_error("raw /dev/vda\ncore_collector makedumpfile -E -z\n",
		    ":2: makedumpfile -E cannot be combined with -z");
	check_error("raw /dev/vda\ncore_collector makedumpfile -d 31 /var/crash/vmcore\n",
		    ":2: core_collector: unexpected argument '/var/crash/vmcore'");
	check_error("raw /dev/vda\ncore_collector cp\n",
		    ":2: core_collector 'cp' is not supported");
	check_error("raw /dev/vda\ncore_collector\n",
		    ":2: core_collector: expected a program and its options");
	check_error("raw\n", "/etc/dumpling.conf:1: raw: expected one value");
	check_error("raw /dev/vda /dev/vdb\n", ":1: raw: expected one value");
	check_error("raw vda\n", ":1: raw 'vda': expected a block device path");
	check_error("raw /dev/vda\nraw /dev/vdb\n",
		    "/etc/dumpling.conf:2: duplicate 'raw' (first on line 1)");
	check_error("raw /dev/vda\nfinal_action reboot\n# x\nfinal_action halt\n",
		    ":4: duplicate 'final_action' (first on line 2)");
	check_error("raw /dev/vda\nfailure_action shell\n",
		    ":2: failure_action 'shell' is not supported");
	check_error("raw /dev/vda\nfinal_action explode\n",
		    ":2: final_action 'explode': expected reboot, halt or poweroff");
	check_error("raw /dev/vda\nnfs server:/export\n",
		    ":2: a second target: dumpling writes to one target (first on line 1)");
	check_error("xfs /dev/vdb1\n", ":1: unsupported directive 'xfs'");
	check_error("# nothing\n\n", "/etc/dumpling.conf: no dump target");
	check_error("final_action halt\n", "no dump target: add a line such as 'raw /dev/vdb'");
}

static void test_load_file(void)
{
	char dir[] = "/tmp/dumpling-conf-XXXXXX", path[256];
	struct loader_config c;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/dumpling.conf", dir);
	CHECK(config_load(path, &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot read") && strstr(err, "No such file"));

	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("raw /dev/vdc\nbogus\n", f);
	fclose(f);
	CHECK(config_load(path, &c, err, sizeof(err)) == -1);
	{
		char want[300];

		snprintf(want, sizeof(want), "%s:2: unknown directive 'bogus'", path);
		CHECK_STR(err, want);
	}
	f = fopen(path, "w");
	fputs("raw /dev/vdc\ncore_collector makedumpfile -d 7 -z\n", f);
	fclose(f);
	CHECK(config_load(path, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.raw_dev, "/dev/vdc");
	CHECK_EQ_U64(c.dump_level, 7);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_full_config();
	test_defaults_and_forms();
	test_deadline();
	test_cpus();
	test_errors();
	test_load_file();
	return test_summary("test_loader_config");
}
