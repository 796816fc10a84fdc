#ifndef ARCH_CLOCK_H
#define ARCH_CLOCK_H
#include <stdint.h>
void clock_init(void);
uint64_t clock_tsc_hz(void);
#endif
