/*
 * dumpling estimate and reset-crashkernel: the crashkernel= this machine
 * needs for the capture image, from the image's init_size and what the
 * kernel adds to the reservation (loader/reserve.c), and writing it for GRUB.
 */
#ifndef LOADER_ESTIMATE_H
#define LOADER_ESTIMATE_H

#include <stdint.h>

#include "loader/reserve.h"

struct estimate {
	uint64_t init_size;	/* the image, page-rounded */
	struct overhead o;	/* the kernel's segments (elfcorehdr, ...) */
	uint64_t need;		/* init_size + o.total */
	uint64_t crashkernel;	/* need rounded up to a whole MiB */
	uint64_t safe;		/* what reset-crashkernel writes: + margin, even MiB */
	int hotplug;		/* elfcorehdr sized by the kernel for crash hotplug */
};

void estimate_compute(const struct machine_facts *mf, uint32_t init_size,
		      uint32_t kernel_alignment, struct estimate *e);

/* The file reset-crashkernel writes (under DUMPLING_SYSROOT when set). */
#define GRUB_SNIPPET	"/etc/default/grub.d/dumpling.cfg"

/* Its text for crashkernel=<mib>M. */
int grub_snippet_text(uint64_t mib, char *buf, size_t n);

int cmd_estimate(const char *image);
int cmd_reset_crashkernel(const char *image);

#endif
