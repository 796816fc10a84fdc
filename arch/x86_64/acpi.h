#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H
#include <stdint.h>
void acpi_set_rsdp(uint64_t rsdp);
/* boot_params' acpi_rsdp_addr, else the EFI configuration table; 0 if neither. */
uint64_t acpi_rsdp_from_boot_params(const uint8_t *bp);
/* The checksummed table with this signature and its length, or NULL. */
const uint8_t *acpi_find_table(const char sig[4], uint32_t *len);
int acpi_reset(void);		/* returns only if it did not work */
int acpi_poweroff(void);
#endif
