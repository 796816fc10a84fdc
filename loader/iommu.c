/* The target's IOMMU, as sysfs shows it (see iommu.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loader/iommu.h"
#include "loader/sysroot.h"

/* The last component of the symlink at path, or "" if it is none. */
static void link_name(const char *path, char *buf, size_t n)
{
	char target[PATH_MAX];
	ssize_t len = readlink(path, target, sizeof(target) - 1);
	const char *slash;

	buf[0] = 0;
	if (len <= 0)
		return;
	target[len] = 0;
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) < n)
		memcpy(buf, slash, strlen(slash) + 1);
}

int iommu_describe(const char *pci, char *buf, size_t n)
{
	char path[PATH_MAX], group[64], unit[64], type[64] = "";
	int translated;

	buf[0] = 0;
	if (sysroot_path(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", pci) < 0)
		return 0;
	link_name(path, group, sizeof(group));
	if (!group[0])
		return 0;
	if (sysroot_path(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu", pci) == 0)
		link_name(path, unit, sizeof(unit));
	else
		unit[0] = 0;
	if (unit[0] && (sysroot_path(path, sizeof(path), "/sys/class/iommu/%s", unit) < 0 ||
			access(path, F_OK) != 0))
		unit[0] = 0;
	if (sysroot_path(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", group) == 0)
		read_small_file(path, type, sizeof(type));
	/* "identity" is pass-through; "DMA", "DMA-FQ", "unmanaged" (VFIO)
	 * and "blocked" all translate or block. An older kernel without
	 * the type file: assume translated. */
	translated = strcmp(type, "identity") != 0;
	snprintf(buf, n, "behind IOMMU %s (group %s, %s domain%s)", unit[0] ? unit : "(unit unknown)",
		 group, type[0] ? type : "unknown",
		 translated ? ": the image maps its own memory for it" : ": DMA not translated");
	return translated;
}
