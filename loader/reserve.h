/*
 * The crash reservation (crashkernel=): its size and range, and an honest
 * estimate of how much of it the kernel keeps for its own segments.
 */
#ifndef LOADER_RESERVE_H
#define LOADER_RESERVE_H

#include <stdint.h>

#include "loader/iomem.h"

struct reservation {
	int supported;		/* /sys/kernel/kexec_crash_size exists */
	uint64_t size;		/* bytes, 0: none */
	int have_range;		/* /proc/iomem showed real addresses */
	struct range r;
	int loaded;		/* /sys/kernel/kexec_crash_loaded */
};

/* Fills rv from sysfs and /proc/iomem. Always succeeds; see the flags. */
void reservation_read(struct reservation *rv);

/*
 * What the kernel puts in the reservation besides our payload. Every field
 * is an estimate in bytes (page tables assume no 1 GiB pages: the worst case).
 */
struct overhead {
	uint64_t elfcorehdr;
	uint64_t purgatory;	/* purgatory, boot_params and the command line */
	uint64_t page_tables;	/* identity map and the control code page */
	uint64_t alignment;	/* lost to placing the payload aligned */
	uint64_t total;
};

struct machine_facts {
	int ncpus;		/* possible CPUs */
	int nram;		/* System RAM ranges */
	uint64_t ram_top;	/* end of the highest RAM range */
	uint64_t hdr_size;	/* /sys/kernel/crash_elfcorehdr_size, 0: absent */
};

/* Reads the facts above from sysfs and /proc/iomem; missing ones stay 0. */
void machine_facts_read(struct machine_facts *m);

/* legacy: our own small elfcorehdr and no purgatory. */
void estimate_overhead(const struct machine_facts *m, uint32_t kernel_alignment,
		       uint64_t crash_base, int legacy, struct overhead *o);

/* Number of CPUs in a sysfs cpu list such as "0-3,8", or -1. */
int cpu_list_count(const char *s, int *cpus, int max);

#define PAGE_SZ		4096ull
#define PAGE_UP(x)	(((x) + PAGE_SZ - 1) & ~(PAGE_SZ - 1))

#endif
