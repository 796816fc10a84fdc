/*
 * /proc/iomem: "  start-end : name" lines, two spaces of indent per level.
 * The loader needs the top-level "System RAM" ranges, "Kernel code" and the
 * "Crash kernel" reservation(s) nested in RAM.
 */
#ifndef LOADER_IOMEM_H
#define LOADER_IOMEM_H

#include <stddef.h>
#include <stdint.h>

struct range {
	uint64_t start, end;	/* inclusive, as /proc/iomem prints them */
};

/*
 * Collects ranges called `name` (at any depth if depth < 0, else only at
 * that depth) in file order. Returns how many were found (possibly more than
 * max; only max are stored), or -1 on a malformed line.
 */
int iomem_find(const char *text, const char *name, int depth, struct range *out, int max);

/*
 * out = ranges minus holes, in order. Returns the count, or -1 if more than
 * max pieces would be needed.
 */
int range_subtract(const struct range *r, int nr, const struct range *holes, int nh,
		   struct range *out, int max);

#endif
