/*
 * The capture image's main: take over the CPU, learn what to do from the
 * command line, open the target, dump, and leave by the configured action.
 * The order is that of docs/ARCHITECTURE.md ("The order of a capture").
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/bootparam.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/devices.h"
#include "arch/x86_64/dma.h"
#include "arch/x86_64/firmware_map.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/platform.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/testflag.h"
#include "arch/x86_64/watch.h"
#include "capture/arena.h"
#include "capture/config.h"
#include "capture/dump.h"
#include "capture/ports.h"
#include "capture/printk.h"
#include "drivers/iommu.h"
#include "drivers/pci_unused.h"

#include "sources.h"	/* generated: DUMPLING_SOURCES, the Debian sources built in */

#define VERSION "0.1"

/* Everything the image uses lives in .bss, which the loader counts into
 * init_size, so it is inside the crash reservation by construction. */
#define CAPTURE_ARENA_SIZE (2u << 20)

static uint8_t capture_space[CAPTURE_ARENA_SIZE] __attribute__((aligned(4096)));

/* vmcore-dmesg.txt: a 6.1 log (128 KiB ring) formats to about 150 KiB. */
#define DMESG_MAX          (512u << 10)

static struct printk_log klog;		/* the crashed kernel's log (10 KiB of buffers) */
static uint8_t boot_params[BP_SIZE];
static char cmdline[PAYLOAD_CMDLINE_SIZE + 1];
extern char embedded_cmdline[];
extern char _head[], __image_end[], __file_end[];

/* Physical memory of the crashed kernel, through our identity map. */
static int phys_read(struct memsrc *m, uint64_t off, void *buf, size_t len)
{
	if (paging_ensure_ram(off, len))
		return -1;
	memcpy(buf, (const void *)(uintptr_t)off, len);
	watch_count_read(len);
	(void)port_now_ns();	/* the deadline and the watchdogs, in long CPU-bound loops */
	return 0;
}

/* The same on any CPU, once all of RAM is mapped (map_all_ram). The clock
 * stays the image CPU's: it waits for the workers with port_now_ns(). */
static int phys_read_any(struct memsrc *m, uint64_t off, void *buf, size_t len)
{
	if (!paging_ram_mapped(off, len))
		return -1;
	memcpy(buf, (const void *)(uintptr_t)off, len);
	watch_count_read(len);
	return 0;
}

/*
 * With other CPUs at work, each reads the pages it compresses: the image CPU
 * alone would spend most of the dump copying. They may not change page
 * tables, so all of RAM the header names is mapped first; if the tables run
 * out, the image CPU reads every page, mapping as it goes.
 */
static void map_all_ram(struct memsrc *mem, const struct elfcore *ec)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < ec->nr_loads; i++)
		if (ec->loads[i].paddr + ec->loads[i].filesz > top)
			top = ec->loads[i].paddr + ec->loads[i].filesz;
	if (top && paging_ensure_ram(0, top) == 0)
		mem->read_shared = phys_read_any;
	else
		port_log("cpus: not all of RAM could be mapped: this CPU reads every page\n");
}

static void copy_cmdline(const uint8_t *bp)
{
	const char *src = embedded_cmdline;

	if (bp) {
		uint64_t p;

		memcpy(boot_params, bp, BP_SIZE);
		p = *(const uint32_t *)(boot_params + BP_CMD_LINE_PTR) |
		    (uint64_t)*(const uint32_t *)(boot_params + BP_EXT_CMD_LINE_PTR) << 32;
		src = p ? (const char *)(uintptr_t)p : "";
	}
	/* Bounded copy: the kernel's line is at most COMMAND_LINE_SIZE (2048). */
	for (size_t i = 0; i < PAYLOAD_CMDLINE_SIZE && src[i]; i++)
		cmdline[i] = src[i];
}

/*
 * vmcore-dmesg.txt beside the dump on file targets: the newest records that
 * fit in DMESG_MAX, in arena memory given back before the dump is written.
 */
static void write_dmesg(struct target *t, struct arena *a)
{
	size_t mark = arena_mark(a), len;
	char *buf = arena_alloc(a, DMESG_MAX, 64);

	if (!buf) {
		port_log("dumpling: no memory for vmcore-dmesg.txt, skipped\n");
		return;
	}
	len = printk_text(&klog, buf, DMESG_MAX);
	if (t->add_file(t, "vmcore-dmesg.txt", buf, len))
		port_log("dumpling: writing vmcore-dmesg.txt failed; going on with the dump\n");
	arena_reset(a, mark);
}

/*
 * dumpling.log: what the console showed up to here, saved on the target
 * after the dump (dump_len bytes), in arena memory given back after.
 */
static void save_log(struct target *t, struct arena *a, uint64_t dump_len)
{
	size_t mark = arena_mark(a), size = console_log_size(), len;
	char *buf;

	if (!t->save_log)
		return;
	buf = arena_alloc(a, size ? size : 1, 64);
	if (!buf) {
		port_log("dumpling: no memory for dumpling.log, skipped\n");
		return;
	}
	len = console_log_copy(buf, size);
	if (t->save_log(t, dump_len, buf, len))
		port_log("dumpling: saving dumpling.log failed\n");
	else
		port_log("dumpling: saved dumpling.log (%zu bytes)\n", len);
	arena_reset(a, mark);
}

void kmain(const uint8_t *bp, uint64_t image_base);

void kmain(const uint8_t *bp, uint64_t image_base)
{
	static struct capture_config cfg;
	static struct capture cap;
	static struct dump_result res;
	static struct physmap ram_map;
	struct memsrc mem = { .read = phys_read };
	struct arena capture_arena;
	struct target target;
	char err[256];
	int have_log;

	cpu_init();
	clock_init();
	watch_init();
	dma_init();

	port_log("dumpling %s capture image at 0x%llx-0x%llx, entered %s\n", VERSION,
		 (unsigned long long)image_base, (unsigned long long)(uintptr_t)__image_end,
		 bp ? "with boot_params" : "without boot_params");
	port_log("built from Debian sources: %s\n", DUMPLING_SOURCES);
	/* Everything we will ever write in RAM is inside [image_base, __image_end). */
	port_log("memory: %llu KiB in all: code and data %llu KiB, DMA arena %u KiB, capture "
		 "arena %u KiB, page tables %u KiB, IOMMU tables %u KiB, stack 64 KiB; TSC %llu MHz\n",
		 (unsigned long long)((uintptr_t)__image_end - image_base) >> 10,
		 (unsigned long long)((uintptr_t)__file_end - image_base) >> 10,
		 DMA_ARENA_SIZE >> 10, CAPTURE_ARENA_SIZE >> 10, paging_pool_bytes() >> 10,
		 iommu_pool_bytes() >> 10,
		 (unsigned long long)(clock_tsc_hz() / 1000000));
	copy_cmdline(bp);
	port_log("command line: %s\n", cmdline);
	testflag_init(cmdline);
	if (testflag("fault"))
		testflag_fault();
	if (paging_init())
		machine_fail("cannot build page tables");
	irq_quiesce();
	watch_watchdogs();

	config_defaults(&cfg);
	if (cmdline_parse(cmdline, &cfg, err, sizeof(err)))
		machine_fail(err);
	console_plan(&cfg.console);
	failure_action = cfg.failure_action;
	watch_plan(&cfg, 0);
	/* Only the target's device may do DMA from here on: the others would
	 * change the memory we are about to read. */
	pci_quiesce_unused(cfg.have_nic ? &cfg.nic : &cfg.disk, cfg.have_nic || cfg.have_disk);
	acpi_set_rsdp(cfg.acpi_rsdp ? cfg.acpi_rsdp :
		      acpi_rsdp_from_boot_params(bp ? boot_params : NULL));
	if (!cfg.have_elfcorehdr)
		machine_fail("no elfcorehdr= on the command line: load the image with "
			     "`dumpling load` or `kexec -p`, which add it");

	/* The header may name only what the firmware map does not call
	 * something else than RAM (MMIO, ACPI, reserved). */
	firmware_map_load(&ram_map, bp ? boot_params : NULL);
	mem.map = &ram_map;

	arena_init(&capture_arena, capture_space, sizeof(capture_space));
	watch_stage("reading the ELF core header");
	if (capture_prepare(&cap, &cfg, &mem, cfg.elfcorehdr_addr, &capture_arena))
		machine_fail("the crashed kernel's ELF core header is unusable (see above)");
	/* Only now can an MMIO console be checked against the crashed kernel's RAM. */
	console_start(&cfg.console, bp ? boot_params : NULL, &cap.ec, image_base,
		      (uint64_t)(uintptr_t)__image_end);

	/* The panic reason reaches the console even if every target fails. */
	have_log = printk_show(&klog, &cap.ec, NULL) == 0;
	watch_plan(&cfg, elfcore_ram_bytes(&cap.ec));
	/* The other CPUs compress (docs/smp.md); their stacks come from the arena. */
	cap.workers = smp_start(&cfg, &capture_arena, bp ? boot_params : NULL);
	if (cap.workers && cap.workers->n > 1)
		map_all_ram(&mem, &cap.ec);

	watch_stage("opening the target");
	if (target_open(&cfg, &cap, &target, err, sizeof(err)))
		machine_fail(err);
	if (have_log && target.add_file)
		write_dmesg(&target, &capture_arena);
	port_log("writing the dump to %s\n", target.vmcore->name);
	watch_stage("writing the dump");
	if (capture_write(&cap, watch_sink(target.vmcore), &res)) {
		/* Beside a file, never into a raw area whose dump length is unknown. */
		if (target.add_file)
			save_log(&target, &capture_arena, 0);
		machine_fail("see the messages above");
	}
	port_log("memory: capture arena peak %zu KiB of %zu KiB\n", capture_arena.peak >> 10,
		 capture_arena.size >> 10);
	save_log(&target, &capture_arena, res.bytes);
	/* An incomplete dump (the target filled up) is still a failure to act on. */
	machine_action(res.incomplete ? cfg.failure_action : cfg.final_action);
}
