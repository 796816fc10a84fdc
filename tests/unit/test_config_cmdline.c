/*
 * The loader's config and the image's command line agree (issue 15, finding
 * 1): configs that once smuggled options into the command line through \f,
 * \v or a quote are refused with their line, and configs the loader accepts
 * read back in the image as they were written (tests/fuzz/config_roundtrip.h,
 * which the config fuzzer runs on every input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/nfs.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/fuzz/config_roundtrip.h"
#include "tests/unit/test.h"

static char line[2048], why[512];

/* A reproducer from tests/fuzz/findings must be refused, naming its line. */
static void check_finding(const char *name, const char *want_err)
{
	char path[512], err[1024];
	struct loader_config c;

	snprintf(path, sizeof(path), "tests/fuzz/findings/%s", name);
	CHECK(config_load(path, &c, err, sizeof(err)) == -1);
	if (!strstr(err, want_err)) {
		test_failed++;
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", name, err, want_err);
	} else {
		test_passed++;
	}
}

static void expect(const char *text, int want)
{
	int r = config_roundtrip(text, line, sizeof(line), why, sizeof(why));

	if (r != want) {
		test_failed++;
		fprintf(stderr, "config %s: round trip %d, want %d (%s)\n  line: %s\n", text, r,
			want, why, line);
	} else {
		test_passed++;
	}
}

int main(void)
{
	/* \f and \v now separate words in the config as on the command line: the
	 * smuggled options become extra words, which the directive refuses. */
	check_finding("nfs-ff-injects-target-raw.conf", "nfs-ff-injects-target-raw.conf:1: "
		      "nfs: expected one value");
	check_finding("path-vt-injects-options.conf", "path-vt-injects-options.conf:2: "
		      "path: expected one value");
	check_finding("path-quote-swallows-options.conf", "path-quote-swallows-options.conf:2: "
		      "word 2 holds a quote");
	expect("nfs 192.0.2.1:/srv/dumps\npath /var/cr\001sh\n", RT_REJECTED);
	expect("nfs 192.0.2.1:/srv/dumps\npath /var/cr\x7fsh\n", RT_REJECTED);
	expect("nfs 192.0.2.1:/srv/\"dumps\n", RT_REJECTED);

	/* What the loader accepts, the image reads the same. */
	expect("nfs 192.0.2.1:/srv/dumps\npath /var/crash\ndumpling_timeout 600\n"
	       "core_collector makedumpfile -E -d 31\nfinal_action halt\n", RT_SAME);
	expect("nfs 10.1.2.3:/a=b,c\npath /x=y/\xc3\xa9t\xc3\xa9\n", RT_SAME);
	expect("ext4 LABEL=dumps\npath /dumps/here\ncore_collector makedumpfile -zd17\n"
	       "failure_action poweroff\n", RT_SAME);
	expect("raw /dev/vdb1\ncore_collector makedumpfile -z -d 31\n", RT_SAME);
	expect("ext4 /dev/vdb1\n", RT_SAME);
	expect("raw /dev/vdb1\ndumpling_deadline 604800\nfailure_action halt\n", RT_SAME);
	expect("path /srv/dumps\ndumpling_deadline 25\n", RT_SAME);
	{
		/* The longest export the image keeps is 255 bytes; 256 is refused. */
		char text[600] = "nfs 10.0.0.1:/";

		memset(text + strlen(text), 'e', 254);
		expect(text, RT_SAME);
		strcat(text, "e");
		expect(text, RT_REJECTED);
	}
	return test_summary("test_config_cmdline");
}
