/*
 * kdump.conf files given to the loader: the directive table decides what is
 * taken, what is refused (every such line named, with the reason, not only
 * the first), and "path" alone leaves the target to the mount table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/config.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char err[4096];

static int parse(const char *text, struct loader_config *c)
{
	err[0] = 0;
	return config_parse_text(text, "/etc/kdump.conf", c, err, sizeof(err));
}

static int count_lines(const char *s)
{
	int n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A RHEL-style kdump.conf that uses only what dumpling supports. */
static void test_supported(void)
{
	struct loader_config c;
	const char *conf =
		"# kdump.conf\n"
		"ext4 UUID=3f1d0c2a-5b6e-4c7d-8e9f-a0b1c2d3e4f5\n"
		"path /var/crash\n"
		"core_collector makedumpfile -l --message-level 7 -d 31\n";

	/* -l (lzo) is refused: that is a value error, and stops at once */
	CHECK(parse(conf, &c) == -1);
	CHECK(strstr(err, "/etc/kdump.conf:4: makedumpfile -l (lzo) is not supported") != NULL);

	CHECK(parse("ext4 UUID=3f1d0c2a-5b6e-4c7d-8e9f-a0b1c2d3e4f5\npath /var/crash\n"
		    "core_collector makedumpfile -z --message-level 7 -d 31\n"
		    "failure_action reboot\nfinal_action poweroff\n", &c) == 0);
	CHECK(c.target == TARGET_EXT4);
	CHECK_STR(c.path, "/var/crash");
	CHECK(c.dump_level == 31);
	CHECK(c.final_action == ACTION_POWEROFF);
}

/* Every refused directive is named, each on its own line with its line number. */
static void test_refused_all_named(void)
{
	struct loader_config c;
	const char *conf =
		"raw /dev/vdb\n"			/* 1 */
		"kdump_post /bin/true\n"		/* 2 */
		"extra_modules nvme\n"			/* 3 */
		"core_collector makedumpfile -z -d 31\n" /* 4 */
		"auto_reset_crashkernel yes\n"		/* 5 */
		"sshkey /root/.ssh/kdump_id_rsa\n"	/* 6 */
		"frobnicate 1\n"			/* 7 */
		"dracut_args --omit-drivers x\n";	/* 8 */

	CHECK(parse(conf, &c) == -1);
	CHECK(count_lines(err) == 6);
	CHECK(strstr(err, "/etc/kdump.conf:2: unsupported directive 'kdump_post': dumpling runs no scripts") != NULL);
	CHECK(strstr(err, "/etc/kdump.conf:3: unsupported directive 'extra_modules'") != NULL);
	CHECK(strstr(err, "/etc/kdump.conf:5: unsupported directive 'auto_reset_crashkernel': use 'dumpling reset-crashkernel'") != NULL);
	CHECK(strstr(err, "/etc/kdump.conf:6: unsupported directive 'sshkey'") != NULL);
	CHECK(strstr(err, "/etc/kdump.conf:7: unknown directive 'frobnicate'") != NULL);
	CHECK(strstr(err, "/etc/kdump.conf:8: unsupported directive 'dracut_args'") != NULL);
	CHECK(strstr(err, ":4:") == NULL);
}

/* The table: each kdump.conf directive is either taken or refused with a reason. */
static void test_table(void)
{
	static const char *taken[] = { "raw /dev/vdb", "ext4 LABEL=x", "nfs 10.0.0.1:/d",
		"path /var/crash", "core_collector makedumpfile -d 1", "failure_action halt",
		"final_action reboot", "dumpling_timeout 5" };
	static const char *refused[] = { "ssh root@h", "sshkey k", "xfs /dev/x", "btrfs /dev/x",
		"ext2 /dev/x", "ext3 /dev/x", "minix /dev/x", "kdump_pre x", "kdump_post x",
		"extra_bins x", "extra_modules x", "default shell", "force_rebuild 1",
		"force_no_rebuild 1", "dracut_args x", "fence_kdump_args x",
		"fence_kdump_nodes x", "auto_reset_crashkernel yes", "blacklist x",
		"options x y", "link_delay 1", "disk_timeout 1", "debug_mem_level 1",
		"save_raw 1" };
	struct loader_config c;
	char text[256];

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		snprintf(text, sizeof(text), "%s\n%s\n", taken[i],
			 strncmp(taken[i], "raw", 3) ? "raw /dev/vdb" : "path /x");
		/* raw + path is an error of its own; use the pair that is valid */
		if (!strncmp(taken[i], "raw", 3))
			snprintf(text, sizeof(text), "%s\n", taken[i]);
		else if (!strncmp(taken[i], "ext4", 4) || !strncmp(taken[i], "nfs", 3) ||
			 !strncmp(taken[i], "path", 4))
			snprintf(text, sizeof(text), "%s\n", taken[i]);
		if (parse(text, &c) != 0)
			fprintf(stderr, "not taken: %s: %s\n", taken[i], err);
		CHECK(parse(text, &c) == 0);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char word[32];

		snprintf(text, sizeof(text), "raw /dev/vdb\n%s\n", refused[i]);
		sscanf(refused[i], "%31s", word);
		CHECK(parse(text, &c) == -1);
		CHECK(strstr(err, ":2: unsupported directive '") != NULL);
		CHECK(strstr(err, word) != NULL);
		/* a reason follows the name */
		CHECK(strlen(strstr(err, "': ") ? strstr(err, "': ") : "") > 6);
	}
}

/* path alone: parsing leaves the target open for the mount table. */
static void test_path_alone(void)
{
	struct loader_config c;

	CHECK(parse("path /var/crash\ncore_collector makedumpfile -z -d 31\n", &c) == 0);
	CHECK(c.target == TARGET_NONE);
	CHECK_STR(c.path, "/var/crash");
	CHECK(parse("core_collector makedumpfile -d 31\n", &c) == -1);
	CHECK(strstr(err, "no dump target") != NULL);
}

int main(void)
{
	test_supported();
	test_refused_all_named();
	test_table();
	test_path_alone();
	return test_summary("loader_kdumpconf");
}
