/*
 * The AP trampoline's page (ap_start.S): where its data sits, from the start
 * of the page. smp.c fills the data before each SIPI; the code reads it
 * relative to the page, since it runs wherever smp.c copied it below 1 MiB.
 */
#ifndef ARCH_AP_START_H
#define ARCH_AP_START_H

#define TR_GDT_DESC	0x08	/* limit (2), base (4): lgdtl in real mode */
#define TR_GDT		0x10	/* null, 32-bit code, data, 64-bit code */
#define TR_PM32_PTR	0x30	/* far pointer offset (4), selector (2) */
#define TR_LM64_PTR	0x38
#define TR_CR3_LOW	0x40	/* a root below 4 GiB for the 32-bit mov to CR3 */
#define TR_CR3		0x48	/* the image's root */
#define TR_CR4		0x50
#define TR_EFER		0x58
#define TR_CR0		0x60
#define TR_PAT		0x68
#define TR_STACK	0x70
#define TR_ENTRY	0x78
#define TR_ARG		0x80
#define TR_CODE		0x88

#define TR_SEL_CODE32	0x08
#define TR_SEL_DATA	0x10
#define TR_SEL_CODE64	0x18

#endif
