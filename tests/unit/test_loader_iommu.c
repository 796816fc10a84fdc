/*
 * `dumpling load`'s IOMMU note (loader/iommu.c) against a fake sysfs tree:
 * a device in a DMA domain, one in an identity domain, one with no group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/iommu.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-iommu-XXXXXX";

static void run(const char *cmd)
{
	char c[1024];

	snprintf(c, sizeof(c), "cd %s && %s", root, cmd);
	if (system(c) != 0)
		fprintf(stderr, "setup failed: %s\n", cmd);
}

int main(void)
{
	char buf[200], cmd[256];

	if (!mkdtemp(root))
		return 1;
	setenv("DUMPLING_SYSROOT", root, 1);
	run("mkdir -p sys/bus/pci/devices/0000:00:03.0 sys/bus/pci/devices/0000:00:04.0 "
	    "sys/bus/pci/devices/0000:00:05.0 sys/kernel/iommu_groups/3 sys/kernel/iommu_groups/4 "
	    "sys/devices/virtual/iommu/dmar0 sys/class/iommu");
	run("ln -s ../../devices/virtual/iommu/dmar0 sys/class/iommu/dmar0");
	run("echo DMA-FQ >sys/kernel/iommu_groups/3/type && echo identity >sys/kernel/iommu_groups/4/type");
	run("ln -s ../../../../kernel/iommu_groups/3 sys/bus/pci/devices/0000:00:03.0/iommu_group");
	run("ln -s ../../../../devices/virtual/iommu/dmar0 sys/bus/pci/devices/0000:00:03.0/iommu");
	run("ln -s ../../../../kernel/iommu_groups/4 sys/bus/pci/devices/0000:00:04.0/iommu_group");
	run("ln -s ../../../../devices/virtual/iommu/dmar0 sys/bus/pci/devices/0000:00:04.0/iommu");

	CHECK_EQ_U64(iommu_describe("0000:00:03.0", buf, sizeof(buf)), 1);
	CHECK_STR(buf, "behind IOMMU dmar0 (group 3, DMA-FQ domain: the image maps its own "
		  "memory for it)");
	CHECK_EQ_U64(iommu_describe("0000:00:04.0", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "behind IOMMU dmar0 (group 4, identity domain: DMA not translated)");
	CHECK_EQ_U64(iommu_describe("0000:00:05.0", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	CHECK_EQ_U64(iommu_describe("0000:00:09.0", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 1;
	return test_summary("loader_iommu");
}
