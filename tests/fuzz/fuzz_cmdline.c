/*
 * The capture image's command line (capture/cmdline.c), and the schema's
 * writer (capture/cmdline_schema.c) on what it accepted: a line written from
 * parsed settings must read back to settings that write the same line.
 */
#include "capture/cmdline_schema.h"
#include "capture/config.h"
#include "tests/fuzz/fuzz.h"

static void check_rewrite(const struct capture_config *c)
{
	static char line[4096], again[4096];
	static struct capture_config back;
	char err[256];

	if (c->target == TARGET_NONE || cmdline_write(c, line, sizeof(line), err, sizeof(err)) < 0)
		return;		/* nothing to write, or a value it cannot carry: refused */
	config_defaults(&back);
	if (cmdline_parse(line, &back, err, sizeof(err)) ||
	    cmdline_write(&back, again, sizeof(again), err, sizeof(err)) < 0 ||
	    strcmp(line, again)) {
		fprintf(stderr, "written: %s\nread back and written: %s\n", line, again);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_config c;
	char err[256], *s = fuzz_string(data, size);

	config_defaults(&c);
	if (cmdline_parse(s, &c, err, sizeof(err)) == 0) {
		/* What a parse accepts is within the ranges the image relies on. */
		if (c.dump_level < 0 || c.dump_level > 31 || c.timeout_s > 86400 ||
		    memchr(c.path, 0, sizeof(c.path)) == NULL ||
		    memchr(c.nfs_export, 0, sizeof(c.nfs_export)) == NULL ||
		    (c.have_part && c.part_start + c.part_len < c.part_start))
			abort();
		check_rewrite(&c);
	} else if (!err[0]) {
		abort();	/* every refusal says why */
	}
	free(s);
	return 0;
}
