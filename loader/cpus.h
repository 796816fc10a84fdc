/*
 * The crashed kernel's boot processor, for the capture image, which must
 * never send it an INIT (docs/smp.md): like kexec-tools' disable_cpu_apicid.
 */
#ifndef LOADER_CPUS_H
#define LOADER_CPUS_H

#include <stdint.h>

#include "capture/config.h"

/*
 * The "apicid" of "processor : 0" in the text of /proc/cpuinfo. Returns 0,
 * or -1 if there is no such line (not x86, or a stripped-down kernel).
 */
int cpuinfo_boot_apicid(const char *text, uint32_t *id);

/* Sets out->bsp_apicid from the running kernel's /proc/cpuinfo, if it says. */
void loader_cpu_settings(struct capture_config *out);

#endif
