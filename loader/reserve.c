/* The crash reservation and what the kernel needs of it (see reserve.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/reserve.h"
#include "loader/sysroot.h"

#define MAX_IOMEM_RANGES 512

void reservation_read(struct reservation *rv)
{
	char path[4096];
	struct range cr[8];
	uint64_t v;
	char *iomem;
	int n;

	memset(rv, 0, sizeof(*rv));
	sysroot_path(path, sizeof(path), "/sys/kernel/kexec_crash_size");
	if (read_u64_file(path, 10, &v) == 0) {
		rv->supported = 1;
		rv->size = v;
	}
	sysroot_path(path, sizeof(path), "/sys/kernel/kexec_crash_loaded");
	if (read_u64_file(path, 10, &v) == 0)
		rv->loaded = v != 0;
	sysroot_path(path, sizeof(path), "/proc/iomem");
	iomem = read_whole_file(path, NULL);
	if (!iomem)
		return;
	n = iomem_find(iomem, "Crash kernel", -1, cr, 8);
	free(iomem);
	if (n > 8)
		n = 8;
	/*
	 * crashk_res is the one kexec_crash_size reports; a crashkernel=,low
	 * range is a second entry. Without root, iomem shows zeros.
	 */
	for (int i = 0; i < n; i++) {
		uint64_t sz = cr[i].end - cr[i].start + 1;

		if (cr[i].end == 0)
			continue;
		if (!rv->have_range || sz == rv->size) {
			rv->r = cr[i];
			rv->have_range = 1;
		}
	}
	if (rv->have_range && !rv->supported)
		rv->size = rv->r.end - rv->r.start + 1;
}

int cpu_list_count(const char *s, int *cpus, int max)
{
	int n = 0;

	while (*s) {
		char *e;
		unsigned long a = strtoul(s, &e, 10), b = a;

		if (e == s)
			return -1;
		if (*e == '-') {
			s = e + 1;
			b = strtoul(s, &e, 10);
			if (e == s || b < a)
				return -1;
		}
		if (b > 1u << 20)
			return -1;
		for (unsigned long c = a; c <= b; c++) {
			if (cpus && n < max)
				cpus[n] = (int)c;
			n++;
		}
		if (*e == ',')
			e++;
		else if (*e && *e != '\n')
			return -1;
		s = e;
		if (*s == '\n')
			break;
	}
	return n;
}

void machine_facts_read(struct machine_facts *m)
{
	char path[4096], buf[4096];
	struct range ram[MAX_IOMEM_RANGES];
	char *iomem;
	int n;

	memset(m, 0, sizeof(*m));
	sysroot_path(path, sizeof(path), "/sys/devices/system/cpu/possible");
	if (read_small_file(path, buf, sizeof(buf)) >= 0)
		m->ncpus = cpu_list_count(buf, NULL, 0);
	if (m->ncpus < 1)
		m->ncpus = 1;
	sysroot_path(path, sizeof(path), "/sys/kernel/crash_elfcorehdr_size");
	read_u64_file(path, 0, &m->hdr_size);
	sysroot_path(path, sizeof(path), "/proc/iomem");
	iomem = read_whole_file(path, NULL);
	if (!iomem)
		return;
	n = iomem_find(iomem, "System RAM", 0, ram, MAX_IOMEM_RANGES);
	free(iomem);
	if (n < 0)
		return;
	m->nram = n;
	for (int i = 0; i < n && i < MAX_IOMEM_RANGES; i++)
		if (ram[i].end + 1 > m->ram_top)
			m->ram_top = ram[i].end + 1;
}

void estimate_overhead(const struct machine_facts *m, uint32_t kernel_alignment,
		       uint64_t crash_base, int legacy, struct overhead *o)
{
	uint64_t gib = 1ull << 30, align = kernel_alignment > PAGE_SZ ? kernel_alignment : PAGE_SZ;
	uint64_t phdrs = (uint64_t)m->ncpus + 2 + m->nram + 1;

	memset(o, 0, sizeof(*o));
	/* kexec_file sizes the header for hotplug when the kernel says so. */
	if (!legacy && m->hdr_size)
		o->elfcorehdr = PAGE_UP(m->hdr_size);
	else
		o->elfcorehdr = PAGE_UP(64 + 56 * phdrs);
	/* Measured on 6.1/6.12: boot_params + cmdline 12 KiB, purgatory 20 KiB. */
	o->purgatory = legacy ? 0 : 40 << 10;
	/*
	 * Identity map: top level + a P4D for 5-level + one PUD per 512 GiB +
	 * one PMD per GiB of RAM (2 MiB pages), a few for ACPI/EFI, and the
	 * control code page.
	 */
	o->page_tables = PAGE_SZ * (2 + (m->ram_top + 512 * gib - 1) / (512 * gib) +
				    (m->ram_top + gib - 1) / gib + 4 + 1);
	if (legacy)
		o->alignment = ((crash_base + align - 1) & ~(align - 1)) - crash_base;
	else
		o->alignment = align - PAGE_SZ;	/* top-down placement: worst case */
	o->total = o->elfcorehdr + o->purgatory + o->page_tables + o->alignment;
}
