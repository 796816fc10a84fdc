/* How the capture image ends: the configured action, on success or failure. */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include "capture/config.h"

extern enum action failure_action;	/* reboot until the command line says otherwise */

/* Logs why the dump failed and runs failure_action. */
__attribute__((noreturn)) void machine_fail(const char *why);
__attribute__((noreturn)) void machine_action(enum action a);
__attribute__((noreturn)) void machine_triple_fault(void);


#endif
