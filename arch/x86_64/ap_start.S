/*
 * Where a woken CPU starts: a SIPI puts it in real mode at CS = page >> 4,
 * IP = 0, in the page below 1 MiB that smp.c copied this code to. It goes to
 * protected mode, turns on paging with the image's CR0/CR4/EFER (long mode,
 * and LA57 if the image runs with it), and jumps to ap_main() in the image
 * on its own stack. Everything it needs is in the data block at the top of
 * the page (ap_start.h), filled by smp.c; the code itself is never run where
 * it is linked.
 */
#include "arch/x86_64/ap_start.h"

	.section .text.ap_start, "ax"
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_pm32, ap_tramp_lm64

	.code16
ap_tramp_start:
	jmp	ap_tramp_code
	.org	ap_tramp_start + TR_CODE
ap_tramp_code:
	cli
	cld
	xorl	%ebx, %ebx
	movw	%cs, %bx
	movw	%bx, %ds
	shll	$4, %ebx		/* ebx = the page, for the rest of the way */
	lgdtl	TR_GDT_DESC
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	*TR_PM32_PTR

	.code32
ap_tramp_pm32:
	movl	$TR_SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	TR_CR4(%ebx), %eax
	andl	$~(1 << 17), %eax	/* PCIDE may only be set in long mode */
	movl	%eax, %cr4		/* PAE, and LA57 before paging is on */
	movl	TR_CR3_LOW(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER: LME, NXE as the image has them */
	movl	TR_EFER(%ebx), %eax
	movl	TR_EFER+4(%ebx), %edx
	wrmsr
	movl	TR_CR0(%ebx), %eax	/* PG on: long mode; also clears CD/NW from INIT */
	movl	%eax, %cr0
	ljmp	*TR_LM64_PTR(%ebx)

	.code64
ap_tramp_lm64:
	movl	%ebx, %ebx		/* the upper half is undefined after the switch */
	movq	TR_CR3(%rbx), %rax	/* the image's own root, maybe above 4 GiB */
	movq	%rax, %cr3
	movq	TR_CR4(%rbx), %rax
	movq	%rax, %cr4
	movl	$0x277, %ecx		/* PAT: the same memory types as the image's CPU */
	movl	TR_PAT(%rbx), %eax
	movl	TR_PAT+4(%rbx), %edx
	wrmsr
	movq	TR_STACK(%rbx), %rsp
	movq	TR_ARG(%rbx), %rdi
	movq	TR_ENTRY(%rbx), %rax
	xorl	%ebp, %ebp		/* end of the backtrace chain */
	pushq	$0			/* as if called: rsp+8 is 16-byte aligned */
	jmp	*%rax
ap_tramp_end:
