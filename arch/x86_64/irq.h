#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H
void irq_quiesce(void);
#endif
