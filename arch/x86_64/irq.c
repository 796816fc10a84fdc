/*
 * We run polled with IF=0, but the crashed kernel left the LAPIC in virtual-wire
 * mode (LVT1 = NMI) and the 8259 possibly unmasked. Mask what can interrupt us:
 * both 8259s, and the LAPIC's LVTs via a software disable (NMIs and INIT still
 * get through; our NMI handler returns at once).
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"

#define MSR_APIC_BASE	0x1b
#define APIC_ENABLE	(1ull << 11)
#define APIC_X2APIC	(1ull << 10)
#define APIC_BSP	(1ull << 8)
#define APIC_SVR	0xf0
#define X2APIC_SVR_MSR	0x80f

void irq_quiesce(void)
{
	uint64_t base;

	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_ENABLE))
		return;
	if (base & APIC_X2APIC) {
		wrmsr(X2APIC_SVR_MSR, rdmsr(X2APIC_SVR_MSR) & ~0x100ull);
	} else {
		volatile uint8_t *apic = mmio_map(base & 0xffffff000ull, 4096);

		if (apic) {
			uint32_t svr = *(volatile uint32_t *)(apic + APIC_SVR);

			*(volatile uint32_t *)(apic + APIC_SVR) = svr & ~0x100u;
		}
	}
	if (!(base & APIC_BSP))
		port_log("note: running on an application processor (the crash happened there)\n");
}
