/* The boot processor's APIC ID (cpus.h). */
#include <stdlib.h>
#include <string.h>

#include "loader/cpus.h"
#include "loader/sysroot.h"

/* The value after "KEY<spaces/tabs>:" if line is that key's line, else NULL. */
static const char *field(const char *line, const char *end, const char *key)
{
	size_t k = strlen(key);
	const char *p;

	if ((size_t)(end - line) < k || memcmp(line, key, k))
		return NULL;
	for (p = line + k; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p != ':')
		return NULL;
	for (p++; p < end && *p == ' '; p++)
		;
	return p;
}

static int number(const char *p, const char *end, uint32_t *out)
{
	uint64_t v = 0;

	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > 0xffffffffu)
			return -1;
	}
	*out = (uint32_t)v;
	return p == end ? 0 : -1;
}

int cpuinfo_boot_apicid(const char *text, uint32_t *id)
{
	int in_cpu0 = 0;
	uint32_t n;

	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n'), *v;

		if (!end)
			end = line + strlen(line);
		if ((v = field(line, end, "processor")))
			in_cpu0 = number(v, end, &n) == 0 && n == 0;
		else if (in_cpu0 && (v = field(line, end, "apicid")))
			return number(v, end, id);
		line = *end ? end + 1 : end;
	}
	return -1;
}

void loader_cpu_settings(struct capture_config *out)
{
	char path[512];
	char *text;
	uint32_t id;

	if (sysroot_path(path, sizeof(path), "/proc/cpuinfo") < 0 ||
	    !(text = read_whole_file(path, NULL)))
		return;
	if (cpuinfo_boot_apicid(text, &id) == 0) {
		out->have_bsp_apicid = 1;
		out->bsp_apicid = id;
	}
	free(text);
}
