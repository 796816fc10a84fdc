/*
 * The first instructions of the capture image.
 *
 * Purgatory (kexec_file_load, kexec-tools) jumps to payload+0x200 in 64-bit mode
 * with rsi = boot_params; a raw kexec_load jumps there with every register 0.
 * Interrupts are off, but GDTR and IDTR may have limit 0, so nothing here may
 * fault: we only zero .bss, take our own stack, apply our relocations and
 * enable SSE. cpu_init() then loads our GDT, TSS and IDT first thing in C.
 */
#define R_X86_64_RELATIVE 8

	.section .head.text, "ax"
	.code64
	.globl _head
_head:
	/* 32-bit and real-mode entries are not supported: stop politely. */
1:	hlt
	jmp 1b

	.org 0x200
	.globl startup_64
startup_64:
	cli
	cld
	movq	%rsi, %r15		/* boot_params, or 0 */
	leaq	_head(%rip), %rbx	/* where the kernel put us */

	/* .bss holds our stack, so clear it before using any stack. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	leaq	boot_stack_top(%rip), %rsp

	/* Pointers in data were linked for address 0: add our base. */
	leaq	__rela_start(%rip), %rsi
	leaq	__rela_end(%rip), %rdi
2:	cmpq	%rdi, %rsi
	jae	4f
	cmpl	$R_X86_64_RELATIVE, 8(%rsi)
	jne	3f
	movq	(%rsi), %rcx		/* r_offset */
	movq	16(%rsi), %rdx		/* r_addend */
	addq	%rbx, %rdx
	movq	%rdx, (%rbx,%rcx)
3:	addq	$24, %rsi
	jmp	2b
4:
	/* SSE: CR0.EM off, CR0.MP on; CR4.OSFXSR and OSXMMEXCPT on. Purgatory
	 * and relocate_kernel leave them cleared, so SSE would #UD. */
	movq	%cr0, %rax
	andq	$~(1 << 2), %rax
	orq	$(1 << 1), %rax
	movq	%rax, %cr0
	movq	%cr4, %rax
	orq	$((1 << 9) | (1 << 10)), %rax
	movq	%rax, %cr4
	fninit

	movq	%r15, %rdi
	movq	%rbx, %rsi
	xorl	%ebp, %ebp		/* end of the backtrace chain */
	call	kmain
5:	cli
	hlt
	jmp	5b

	/*
	 * The command line for a raw kexec_load, which gives us no boot_params:
	 * `dumpling load --legacy` finds the magic and writes the line after it.
	 */
	.section .data
	.balign 16
	.globl embedded_cmdline
embedded_magic:
	.ascii "DUMPLING-CMDLINE"
embedded_cmdline:
	.fill 2048, 1, 0

	.section .bss
	.balign 16
	.globl boot_stack_top
	.globl boot_stack
boot_stack:
	.skip 65536
boot_stack_top:
