#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H
#include <stdint.h>
void acpi_set_rsdp(uint64_t rsdp);
int acpi_reset(void);		/* returns only if it did not work */
int acpi_poweroff(void);
#endif
