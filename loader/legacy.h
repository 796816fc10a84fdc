/*
 * `dumpling load --legacy`: kexec_load with no purgatory. We place the
 * payload and an elfcorehdr we build ourselves in the crash reservation, and
 * write the command line into the image's DUMPLING-CMDLINE block, since the
 * image is entered with rsi = 0 (no boot_params).
 */
#ifndef LOADER_LEGACY_H
#define LOADER_LEGACY_H

#include <linux/kexec.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/elfcorehdr.h"
#include "loader/image.h"

#define LEGACY_MAX_CPUS		8192
#define LEGACY_MAX_RANGES	1024

/* What the elfcorehdr describes, read from sysfs, /proc/kcore and /proc/iomem. */
struct crash_facts {
	struct note_buf cpus[LEGACY_MAX_CPUS];
	struct range ram[LEGACY_MAX_RANGES];
	struct range crash[8];
	int ncrash;
	struct elfcore_input in;
};

int crash_facts_read(struct crash_facts *f, char *err, size_t errlen);

/*
 * From /proc/kcore's program headers (an ELF64 header and its phdrs in buf):
 * the kernel text mapping and the direct map offset. Returns 0 or -1.
 */
int kcore_layout(const void *buf, size_t len, struct elfcore_input *in,
		 char *err, size_t errlen);

struct legacy_plan {
	unsigned long entry;
	struct kexec_segment segs[2];
	int nsegs;
	uint64_t payload_mem, payload_memsz, hdr_mem, hdr_memsz;
	unsigned char *hdr;		/* malloc'd elfcorehdr buffer */
	char cmdline[2048];		/* what went into the image */
};

/*
 * Lays out the segments in crash (the reservation), builds the header and
 * writes "elfcorehdr=0x... <words>" into the image. Returns 0 or -1.
 */
int legacy_plan(struct dimage *im, const struct range *crash, const struct elfcore_input *in,
		const char *words, struct legacy_plan *p, char *err, size_t errlen);
void legacy_plan_free(struct legacy_plan *p);

#endif
