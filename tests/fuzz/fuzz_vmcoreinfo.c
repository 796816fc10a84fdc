/* VMCOREINFO text and every lookup the capture core makes in it (capture/vmcoreinfo.c). */
#include "capture/vmcoreinfo.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "init_uts_ns", "prb", "mem_section", "page",
					     "page.flags", "phys_base", "PG_lru", "zone.free_area",
					     "KERNEL_IMAGE_SIZE", "" };
	struct vmcoreinfo vi;
	char buf[300];
	uint64_t u;
	int64_t n;
	/* An exact-size copy: ASan sees any read past the note. */
	char *text = size ? malloc(size) : NULL;

	if (size)
		memcpy(text, data, size);
	vmcoreinfo_init(&vi, text, size);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		vmcoreinfo_symbol(&vi, names[i], &u);
		vmcoreinfo_number(&vi, names[i], &n);
		vmcoreinfo_offset(&vi, names[i], &u);
		vmcoreinfo_size(&vi, names[i], &u);
		vmcoreinfo_length(&vi, names[i], &u);
		vmcoreinfo_string(&vi, names[i], buf, sizeof(buf));
	}
	vmcoreinfo_osrelease(&vi, buf, sizeof(buf));
	vmcoreinfo_pagesize(&vi, &u);
	vmcoreinfo_crashtime(&vi, &n);
	vmcoreinfo_kerneloffset(&vi, &u);
	vmcoreinfo_build_id(&vi, buf, sizeof(buf));
	/* No note at all: the case that once did NULL + 0. */
	vmcoreinfo_init(&vi, NULL, 0);
	vmcoreinfo_symbol(&vi, "prb", &u);
	free(text);
	return 0;
}
