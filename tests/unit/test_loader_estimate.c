/* dumpling estimate's arithmetic, and what reset-crashkernel writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/estimate.h"
#include "loader/image.h"
#include "loader/iomem.h"
#include "loader/reserve.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

#define KiB 1024ull
#define MiB (1024 * KiB)

static void test_sum_and_rounding(void)
{
	/* a 1 GiB guest with 2 CPUs, 6.1: no crash hotplug header */
	struct machine_facts mf = { .ncpus = 2, .nram = 2, .ram_top = 1ull << 30 };
	struct estimate e;
	struct overhead o;

	estimate_compute(&mf, 5364 * KiB, 4096, &e);
	estimate_overhead(&mf, 4096, 0, 0, &o);
	CHECK_EQ_U64(e.init_size, 5364 * KiB);
	CHECK(!e.hotplug);
	/* 2 + 2 + 2 + 1 program headers: one page */
	CHECK_EQ_U64(e.o.elfcorehdr, 4096);
	CHECK_EQ_U64(e.o.total, o.total);
	CHECK_EQ_U64(e.o.total, e.o.elfcorehdr + e.o.purgatory + e.o.page_tables + e.o.alignment);
	CHECK_EQ_U64(e.need, e.init_size + e.o.total);
	CHECK(e.crashkernel >= e.need && e.crashkernel - e.need < MiB);
	CHECK_EQ_U64(e.crashkernel % MiB, 0);
	CHECK(e.safe > e.crashkernel);
	CHECK_EQ_U64(e.safe % (2 * MiB), 0);
	CHECK(e.safe - e.crashkernel <= 2 * MiB);

	/* init_size is page-rounded */
	estimate_compute(&mf, 5364 * KiB + 1, 4096, &e);
	CHECK_EQ_U64(e.init_size, 5368 * KiB);

	/* a need of exactly N MiB is crashkernel=N M */
	estimate_compute(&mf, 0, 4096, &e);
	{
		uint64_t fill = 6 * MiB - e.o.total;

		estimate_compute(&mf, (uint32_t)fill, 4096, &e);
		CHECK_EQ_U64(e.need, 6 * MiB);
		CHECK_EQ_U64(e.crashkernel, 6 * MiB);
		CHECK_EQ_U64(e.safe, 8 * MiB);
	}
}

static void test_hotplug_and_size(void)
{
	struct machine_facts small = { .ncpus = 2, .nram = 2, .ram_top = 1ull << 30 };
	struct machine_facts big = { .ncpus = 64, .nram = 9, .ram_top = 64ull << 30 };
	struct machine_facts hp = { .ncpus = 2, .nram = 2, .ram_top = 1ull << 30,
				    .hdr_size = 921700 };
	struct estimate a, b, c;

	estimate_compute(&small, 5364 * KiB, 4096, &a);
	estimate_compute(&big, 5364 * KiB, 4096, &b);
	estimate_compute(&hp, 5364 * KiB, 4096, &c);
	/* more CPUs and RAM ranges: a bigger header; more RAM: more page tables */
	CHECK(b.o.elfcorehdr > a.o.elfcorehdr);
	CHECK(b.o.page_tables > a.o.page_tables);
	/* crash hotplug: the kernel's own size, page-rounded */
	CHECK(c.hotplug);
	CHECK_EQ_U64(c.o.elfcorehdr, 921700 + 4096 - 921700 % 4096);
	CHECK(c.crashkernel >= a.crashkernel + 896 * KiB - MiB);
	/* a 2 MiB kernel_alignment may cost up to 2 MiB - 4 KiB when placed top-down */
	estimate_compute(&small, 5364 * KiB, 2 << 20, &c);
	CHECK_EQ_U64(c.o.alignment, (2 << 20) - 4096);
}

static void test_grub_snippet(void)
{
	char buf[512];

	CHECK(grub_snippet_text(8, buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=8M\"\n") != NULL);
	CHECK(grub_snippet_text(8, buf, 40) == -1);
}

int main(void)
{
	test_sum_and_rounding();
	test_hotplug_and_size();
	test_grub_snippet();
	return test_summary("loader_estimate");
}
