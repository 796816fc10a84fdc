/* loader/cpus.c: the boot processor's APIC ID from /proc/cpuinfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/cmdline_schema.h"
#include "loader/cpus.h"
#include "tests/unit/test.h"

/* Two CPUs of an x86 /proc/cpuinfo, boot processor with APIC ID boot. */
static void cpuinfo(char *buf, size_t n, unsigned boot)
{
	snprintf(buf, n,
		 "processor\t: 0\nvendor_id\t: GenuineIntel\nphysical id\t: 0\n"
		 "initial apicid\t: 99\napicid\t\t: %u\nflags\t\t: fpu x2apic\n\n"
		 "processor\t: 1\nvendor_id\t: GenuineIntel\napicid\t\t: 7\n\n", boot);
}

static void test_parse(void)
{
	char text[1024];
	uint32_t id = 12345;

	cpuinfo(text, sizeof(text), 2);
	CHECK(cpuinfo_boot_apicid(text, &id) == 0);
	CHECK_EQ_U64(id, 2);			/* not "initial apicid", not CPU 1's */
	cpuinfo(text, sizeof(text), 4294967295u);
	CHECK(cpuinfo_boot_apicid(text, &id) == 0);
	CHECK_EQ_U64(id, 4294967295u);
	/* Processor 0 listed second (it is not, in Linux, but order is no promise). */
	CHECK(cpuinfo_boot_apicid("processor : 3\napicid : 6\n\nprocessor : 0\napicid : 4",
				  &id) == 0);
	CHECK_EQ_U64(id, 4);
	/* No apicid line (not x86), no processor 0, bad numbers: not known. */
	CHECK(cpuinfo_boot_apicid("processor\t: 0\nBogoMIPS\t: 48.00\n", &id) == -1);
	CHECK(cpuinfo_boot_apicid("processor : 1\napicid : 1\n", &id) == -1);
	CHECK(cpuinfo_boot_apicid("processor : 0\napicid : 4294967296\n", &id) == -1);
	CHECK(cpuinfo_boot_apicid("processor : 0\napicid : 3x\n", &id) == -1);
	CHECK(cpuinfo_boot_apicid("processor : 0\napicid :\n", &id) == -1);
	CHECK(cpuinfo_boot_apicid("", &id) == -1);
	/* "processor 0" of a key that merely starts the same is not it. */
	CHECK(cpuinfo_boot_apicid("processors : 0\napicid : 5\n", &id) == -1);
}

/* word is one of line's space-separated words. */
static int has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)); p++)
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

/* Through DUMPLING_SYSROOT, into the capture command line. */
static void test_settings(void)
{
	char dir[] = "/tmp/dumpling-cpus-XXXXXX", path[256], text[1024], line[1024], err[256];
	struct capture_config cc;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	setenv("DUMPLING_SYSROOT", dir, 1);
	config_defaults(&cc);
	cc.target = TARGET_RAW;
	loader_cpu_settings(&cc);		/* no /proc/cpuinfo at all */
	CHECK(!cc.have_bsp_apicid);

	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/cpuinfo", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	cpuinfo(text, sizeof(text), 0);
	fputs(text, f);
	fclose(f);
	loader_cpu_settings(&cc);
	CHECK(cc.have_bsp_apicid && cc.bsp_apicid == 0);
	CHECK(cmdline_write(&cc, line, sizeof(line), err, sizeof(err)) > 0);
	CHECK(has_word(line, "dumpling.bsp_apicid=0"));
	cc.cpus = 3;
	CHECK(cmdline_write(&cc, line, sizeof(line), err, sizeof(err)) > 0);
	CHECK(has_word(line, "dumpling.cpus=3"));

	unlink(path);
	snprintf(path, sizeof(path), "%s/proc", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("DUMPLING_SYSROOT");
}

int main(void)
{
	test_parse();
	test_settings();
	return test_summary("test_loader_cpus");
}
