/*
 * Leaving the machine, as Linux's emergency restart does it: the ACPI reset
 * register, then port 0xCF9, then the keyboard controller, then a triple fault.
 * halt stops the CPU for good; poweroff uses ACPI S5 and halts if that fails.
 */
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/platform.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/watch.h"
#include "capture/ports.h"

enum action failure_action = ACTION_REBOOT;

void machine_triple_fault(void)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(none));
	halt_forever();
	__builtin_unreachable();
}

static void reboot(void)
{
	int i;

	port_log("rebooting\n");
	acpi_reset();
	udelay(50000);
	outb(0xcf9, 0x02);
	udelay(10);
	outb(0xcf9, 0x06);
	udelay(50000);
	for (i = 0; i < 10; i++) {
		int spins;

		for (spins = 0; spins < 100000 && (inb(0x64) & 0x02); spins++)
			;
		outb(0x64, 0xfe);
		udelay(5000);
	}
	machine_triple_fault();
}

void machine_action(enum action a)
{
	smp_park();	/* the woken CPUs stop before we leave, whichever way */
	watch_leave(a);
	switch (a) {
	case ACTION_HALT:
		port_log("halting\n");
		halt_forever();
		break;
	case ACTION_POWEROFF:
		port_log("powering off\n");
		if (acpi_poweroff() == 0)
			udelay(1000000);
		port_log("poweroff: no ACPI S5 on this machine; halting instead\n");
		halt_forever();
		break;
	case ACTION_REBOOT:
		reboot();
		break;
	}
	halt_forever();
	__builtin_unreachable();
}

void machine_fail(const char *why)
{
	console_fallback();	/* failing before the consoles started: say so on the UARTs */
	port_log("dumpling: dump failed: %s; running failure_action %s\n", why,
		 action_name(failure_action));
	machine_action(failure_action);
}
