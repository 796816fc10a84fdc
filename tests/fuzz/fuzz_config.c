/*
 * The loader's config (loader/config.c), differentially: every config the
 * loader accepts must read back in the image's command-line parser
 * (capture/cmdline.c) as the same settings (config_roundtrip.h). A config
 * that reads back as something else aborts: that is how finding 1 (\f, \v
 * and quotes smuggling options into the command line) would show.
 */
#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/nfs.h"
#include "loader/partid.h"
#include "loader/resolve.h"
#include "loader/sysroot.h"
#include "tests/fuzz/config_roundtrip.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[2048], why[512];
	char *text;

	/* config_load refuses NUL bytes before parsing; so does this. */
	if (memchr(data, 0, size))
		return 0;
	text = fuzz_string(data, size);
	if (config_roundtrip(text, line, sizeof(line), why, sizeof(why)) == RT_DIFFERENT) {
		fprintf(stderr, "config accepted by the loader reads back differently: %s\n"
			"command line: %s\n", why, line);
		abort();
	}
	free(text);
	return 0;
}
