#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H
void serial_init(void);
#endif
