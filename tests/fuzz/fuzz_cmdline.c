/* The capture image's command line (capture/cmdline.c). */
#include "capture/config.h"
#include "tests/fuzz/fuzz.h"

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
	} else if (!err[0]) {
		abort();	/* every refusal says why */
	}
	free(s);
	return 0;
}
