/*
 * Exception entry stubs. Every CPU exception is fatal in the capture image:
 * the stub saves all registers into a struct trap_frame (arch/x86_64/cpu.h)
 * and calls trap(), which prints them and runs the failure action.
 * NMIs are the exception: the crashed kernel's LAPIC is left in virtual-wire
 * mode with LVT1 = NMI, so one may arrive at any time. We ignore it and return.
 */
	.text
	.code64

.macro STUB vec, has_error
	.globl trap_stub_\vec
trap_stub_\vec:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

STUB 0, 0
STUB 1, 0
STUB 3, 0
STUB 4, 0
STUB 5, 0
STUB 6, 0
STUB 7, 0
STUB 8, 1
STUB 9, 0
STUB 10, 1
STUB 11, 1
STUB 12, 1
STUB 13, 1
STUB 14, 1
STUB 15, 0
STUB 16, 0
STUB 17, 1
STUB 18, 0
STUB 19, 0
STUB 20, 0
STUB 21, 1
STUB 22, 0
STUB 23, 0
STUB 24, 0
STUB 25, 0
STUB 26, 0
STUB 27, 0
STUB 28, 0
STUB 29, 1
STUB 30, 1
STUB 31, 0

	.globl trap_stub_2
trap_stub_2:
	/* NMI: nothing to do. iretq also re-enables NMI delivery. */
	iretq

	.globl trap_stub_ignore
trap_stub_ignore:
	/* A stray external interrupt (IF is 0, so only if something is very odd). */
	iretq

	/*
	 * Any exception on a woken CPU (smp.c): it must neither print nor reset
	 * the machine under the dump. It stops here; the image's CPU notices
	 * through the timeout of its wait for the work it handed out.
	 */
	.globl trap_stub_ap
trap_stub_ap:
1:	cli
	hlt
	jmp	1b

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	andq	$~0xf, %rsp		/* the ABI wants a 16-byte aligned call */
	call	trap
1:	cli
	hlt
	jmp	1b

	.section .data.rel.ro, "aw"
	.balign 8
	.globl trap_stubs
trap_stubs:
	.quad trap_stub_0, trap_stub_1, trap_stub_2, trap_stub_3
	.quad trap_stub_4, trap_stub_5, trap_stub_6, trap_stub_7
	.quad trap_stub_8, trap_stub_9, trap_stub_10, trap_stub_11
	.quad trap_stub_12, trap_stub_13, trap_stub_14, trap_stub_15
	.quad trap_stub_16, trap_stub_17, trap_stub_18, trap_stub_19
	.quad trap_stub_20, trap_stub_21, trap_stub_22, trap_stub_23
	.quad trap_stub_24, trap_stub_25, trap_stub_26, trap_stub_27
	.quad trap_stub_28, trap_stub_29, trap_stub_30, trap_stub_31
