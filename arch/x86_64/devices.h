/* The image's side of the targets: device bring-up (devices.c). */
#ifndef ARCH_DEVICES_H
#define ARCH_DEVICES_H

#include <stddef.h>

#include "capture/config.h"
#include "capture/dump.h"
#include "capture/target.h"

/* Opens the device and buffers cfg names, then the target on them. */
int target_open(const struct capture_config *cfg, const struct capture *cap,
		struct target *t, char *err, size_t errlen);

#endif
