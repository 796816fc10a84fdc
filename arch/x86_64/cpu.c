/*
 * Our own GDT, TSS and IDT. At entry GDTR and IDTR may have limit 0 (6.1, 6.12),
 * so any exception would triple-fault and reset the machine silently; these are
 * the first thing kmain sets up. NMI, #DF and #MC run on their own IST stacks,
 * so that a broken stack pointer still gets a message out.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "capture/ports.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL   0x18

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct idt_entry ap_idt[256] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][8192] __attribute__((aligned(16)));

extern const uint64_t trap_stubs[32];
extern char trap_stub_ignore[], trap_stub_ap[];
extern char boot_stack[], boot_stack_top[], _head[];

static void set_gate_in(struct idt_entry *t, int vec, uint64_t handler, int ist)
{
	struct idt_entry *e = &t[vec];

	e->off_lo = handler & 0xffff;
	e->sel = KERNEL_CS;
	e->ist = ist;
	e->type = 0x8e;		/* present, DPL 0, 64-bit interrupt gate */
	e->off_mid = (handler >> 16) & 0xffff;
	e->off_hi = handler >> 32;
	e->reserved = 0;
}

static void set_gate(int vec, uint64_t handler, int ist)
{
	set_gate_in(idt, vec, handler, ist);
}

/* Loads our GDT and reloads every segment register from it. */
static void load_gdt(void)
{
	struct desc_ptr gp;

	gp.limit = sizeof(gdt) - 1;
	gp.base = (uint64_t)gdt;
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		: : "m"(gp), "i"(KERNEL_CS), "i"(KERNEL_DS) : "rax", "memory");
}

void cpu_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	struct desc_ptr ip;
	int i;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;	/* 64-bit code */
	gdt[2] = 0x00cf92000000ffffull;	/* flat data */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	tss.ist[0] = (uint64_t)&ist_stacks[0][sizeof(ist_stacks[0])];	/* NMI */
	tss.ist[1] = (uint64_t)&ist_stacks[1][sizeof(ist_stacks[1])];	/* #DF */
	tss.ist[2] = (uint64_t)&ist_stacks[2][sizeof(ist_stacks[2])];	/* #MC */
	tss.iomap_base = sizeof(tss);

	load_gdt();
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");

	for (i = 0; i < 256; i++)
		set_gate(i, (uint64_t)trap_stub_ignore, 0);
	for (i = 0; i < 32; i++)
		set_gate(i, trap_stubs[i], 0);
	set_gate(2, trap_stubs[2], 1);
	set_gate(8, trap_stubs[8], 2);
	set_gate(18, trap_stubs[18], 3);
	ip.limit = sizeof(idt) - 1;
	ip.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(ip));

	/* The woken CPUs' IDT: an exception there stops that CPU, and nothing
	 * else (trap() prints and resets, which only the image's CPU may do).
	 * No IST: the APs have no TSS of their own. */
	for (i = 0; i < 256; i++)
		set_gate_in(ap_idt, i, (uint64_t)trap_stub_ap, 0);
	set_gate_in(ap_idt, 2, trap_stubs[2], 0);
}

void cpu_ap_init(void)
{
	struct desc_ptr ip;

	load_gdt();
	ip.limit = sizeof(ap_idt) - 1;
	ip.base = (uint64_t)ap_idt;
	__asm__ volatile("lidt %0" : : "m"(ip));
	__asm__ volatile("fninit");
}

static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD exception", "virtualization", "control protection",
};

static int in_stack(uint64_t p, uint64_t lo, uint64_t hi)
{
	return p >= lo && p + 16 <= hi && (p & 7) == 0;
}

/* Walks the frame-pointer chain (we build with -fno-omit-frame-pointer). Addresses
 * are printed relative to the image so `addr2line -e build/dumpling.elf` finds them. */
void print_backtrace(uint64_t rbp)
{
	uint64_t lo = (uint64_t)boot_stack, hi = (uint64_t)boot_stack_top;
	uint64_t img = (uint64_t)_head;
	int depth;

	port_log("backtrace (addr2line -e build/dumpling.elf ADDR):\n");
	for (depth = 0; depth < 24 && in_stack(rbp, lo, hi); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];

		port_log("  #%d 0x%llx\n", depth, (unsigned long long)(ret - img));
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void trap(struct trap_frame *f)
{
	static int nested;
	uint64_t img = (uint64_t)_head;
	const char *name = f->vector < 32 && trap_names[f->vector] ? trap_names[f->vector] : "exception";

	if (nested++) {
		/* A fault while reporting a fault: give up on words, reset. */
		machine_triple_fault();
	}
	port_log("FATAL: CPU exception %llu (%s), error code 0x%llx\n",
		 (unsigned long long)f->vector, name, (unsigned long long)f->error);
	port_log("  rip %016llx (image+0x%llx)  cs %llx  rflags %llx\n",
		 (unsigned long long)f->rip, (unsigned long long)(f->rip - img),
		 (unsigned long long)f->cs, (unsigned long long)f->rflags);
	port_log("  rsp %016llx  cr2 %016llx  cr3 %016llx  cr4 %llx\n",
		 (unsigned long long)f->rsp, (unsigned long long)read_cr2(),
		 (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	port_log("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
		 (unsigned long long)f->rax, (unsigned long long)f->rbx,
		 (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	port_log("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n",
		 (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		 (unsigned long long)f->rbp, (unsigned long long)f->r8);
	port_log("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n",
		 (unsigned long long)f->r9, (unsigned long long)f->r10,
		 (unsigned long long)f->r11, (unsigned long long)f->r12);
	port_log("  r13 %016llx  r14 %016llx  r15 %016llx\n",
		 (unsigned long long)f->r13, (unsigned long long)f->r14,
		 (unsigned long long)f->r15);
	port_log("  image loaded at 0x%llx\n", (unsigned long long)img);
	port_log("  #- 0x%llx (faulting instruction)\n", (unsigned long long)(f->rip - img));
	print_backtrace(f->rbp);
	machine_fail("CPU exception");
}
