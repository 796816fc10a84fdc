/*
 * The x86 boot protocol (Linux's; docs/REFERENCES.md) as far as dumpling uses
 * it: the setup header that tools/mkimage.c writes into the image, and the
 * boot_params fields the image reads on entry. Offsets are from the start of
 * the file (setup header) or of boot_params (zero page).
 */
#ifndef ARCH_BOOTPARAM_H
#define ARCH_BOOTPARAM_H

/* Setup header, in the image file. */
#define HDR_E_LFANEW		0x03c	/* u32: PE header offset (tools/mkimage_pe.c) */
#define HDR_SETUP_SECTS		0x1f1	/* u8 */
#define HDR_SYSSIZE		0x1f4	/* u32: payload size / 16 */
#define HDR_VID_MODE		0x1fa	/* u16 */
#define HDR_BOOT_FLAG		0x1fe	/* u16: 0xAA55 */
#define HDR_JUMP		0x200	/* u8 0xEB, u8 displacement to the header end */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206	/* u16 */
#define HDR_KERNEL_VERSION	0x20e	/* u16: version string offset - 0x200 */
#define HDR_LOADFLAGS		0x211	/* u8 */
#define HDR_CODE32_START	0x214	/* u32 */
#define HDR_INITRD_ADDR_MAX	0x22c	/* u32 */
#define HDR_KERNEL_ALIGNMENT	0x230	/* u32 */
#define HDR_RELOCATABLE		0x234	/* u8 */
#define HDR_MIN_ALIGNMENT	0x235	/* u8: log2 */
#define HDR_XLOADFLAGS		0x236	/* u16 */
#define HDR_CMDLINE_SIZE	0x238	/* u32 */
#define HDR_PREF_ADDRESS	0x258	/* u64 */
#define HDR_INIT_SIZE		0x260	/* u32 */
#define HDR_END			0x268	/* end of a protocol 2.12 header */

#define BOOT_PROTOCOL		0x020c
#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		(1 << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1 << 1)
#define XLF_5LEVEL		(1 << 5)

/* The payload (everything after (setup_sects + 1) * 512 bytes of the file). */
#define PAYLOAD_ENTRY64		0x200	/* where purgatory jumps */
#define PAYLOAD_CMDLINE_MAGIC	"DUMPLING-CMDLINE"	/* 16 bytes, then the area */
#define PAYLOAD_CMDLINE_SIZE	2048

/* boot_params ("zero page"), as the kernel or kexec-tools fill it in. */
#define BP_SIZE			4096
#define BP_EXT_CMD_LINE_PTR	0x0c8	/* u32: high half of cmd_line_ptr */
#define BP_ACPI_RSDP_ADDR	0x070	/* u64 */
#define BP_EFI_LOADER_SIG	0x1c0	/* "EL64" */
#define BP_EFI_SYSTAB		0x1c4	/* u32, low half */
#define BP_EFI_SYSTAB_HI	0x1d8	/* u32 */
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR_VERSION		0x206	/* u16, copied from our header */
#define BP_CMD_LINE_PTR		0x228	/* u32 */
#define BP_SETUP_DATA		0x250	/* u64 */
#define BP_E820_TABLE		0x2d0	/* 128 x {u64 addr, u64 size, u32 type} */
#define BP_E820_MAX		128

#endif
