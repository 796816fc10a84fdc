/* What is not RAM (see physmap.h). */
#include <stdint.h>
#include <string.h>

#include "capture/physmap.h"

void physmap_init(struct physmap *m, uint64_t limit)
{
	memset(m, 0, sizeof(*m));
	m->limit = limit;
}

int physmap_add(struct physmap *m, uint64_t start, uint64_t size, uint32_t type)
{
	struct physmap_range *r;

	if (type == E820_RAM || size == 0)
		return 0;
	if (m->n == PHYSMAP_MAX)
		return -1;
	r = &m->r[m->n++];
	r->start = start;
	r->end = start + size < start ? UINT64_MAX : start + size;
	r->type = type;
	return 0;
}

int physmap_check(const struct physmap *m, uint64_t pa, uint64_t len,
		  const struct physmap_range **why)
{
	uint64_t end = pa + len;

	*why = NULL;
	if (end < pa || (m->limit && end > m->limit))
		return -1;
	for (unsigned i = 0; i < m->n; i++)
		if (pa < m->r[i].end && m->r[i].start < end) {
			*why = &m->r[i];
			return -1;
		}
	return 0;
}

const char *physmap_type_name(uint32_t type)
{
	switch (type) {
	case E820_RESERVED: return "reserved";
	case E820_ACPI: return "ACPI tables";
	case E820_NVS: return "ACPI NVS";
	case E820_UNUSABLE: return "unusable";
	case E820_PMEM: return "persistent memory";
	}
	return "not RAM";
}
