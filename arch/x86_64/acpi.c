/*
 * Just enough ACPI to leave the machine: the FADT's reset register (reboot) and
 * the \_S5 sleep type from the DSDT (poweroff); and to find tables for others
 * (DMAR, IVRS for the IOMMUs). Tables are firmware memory, but we read them
 * with bounds and checksums all the same.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/bootparam.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/platform.h"
#include "capture/ports.h"

static uint64_t rsdp_addr;

void acpi_set_rsdp(uint64_t rsdp)
{
	rsdp_addr = rsdp;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

/* Tables live below 4 GiB on every machine we target; above that we would have
 * to map them, so we just refuse. */
static const uint8_t *table_at(uint64_t pa, uint32_t max)
{
	const uint8_t *t;
	uint32_t len;

	if (!pa || pa >= (4ull << 30) - 36)
		return NULL;
	t = (const uint8_t *)(uintptr_t)pa;
	len = rd32(t + 4);
	if (len < 36 || len > max || pa + len > (4ull << 30) || !checksum_ok(t, len))
		return NULL;
	return t;
}

/* EFI configuration table GUIDs, in memory byte order. */
static const uint8_t guid_acpi20[16] = { 0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
					 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 };
static const uint8_t guid_acpi10[16] = { 0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d, 0xd3, 0x11,
					 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d };

#define SETUP_EFI	4
#define EFI_SYSTAB_SIG	0x5453595320494249ull	/* "IBI SYST" */

/*
 * The RSDP from the EFI configuration table. After SetVirtualAddressMap the
 * system table's pointer to it is virtual, so kexec passes the physical one
 * in setup_data (SETUP_EFI: fw_vendor, runtime, tables, ...).
 */
static uint64_t rsdp_from_efi(const uint8_t *bp)
{
	uint64_t systab, tables = 0, nr, next, found = 0;
	int hops = 0;

	if (memcmp(bp + BP_EFI_LOADER_SIG, "EL64", 4))
		return 0;
	systab = rd32(bp + BP_EFI_SYSTAB) | (uint64_t)rd32(bp + BP_EFI_SYSTAB_HI) << 32;
	if (!systab || paging_ensure_ram(systab, 120) ||
	    rd64((const uint8_t *)(uintptr_t)systab) != EFI_SYSTAB_SIG)
		return 0;
	for (next = rd64(bp + BP_SETUP_DATA); next && hops < 32; hops++) {
		const uint8_t *sd;

		if (paging_ensure_ram(next, 16 + 24))
			break;
		sd = (const uint8_t *)(uintptr_t)next;
		if (rd32(sd + 8) == SETUP_EFI && rd32(sd + 12) >= 24)
			tables = rd64(sd + 16 + 16);
		next = rd64(sd);
	}
	nr = rd64((const uint8_t *)(uintptr_t)systab + 104);
	if (!tables)
		tables = rd64((const uint8_t *)(uintptr_t)systab + 112);
	if (!tables || nr > 1024 || paging_ensure_ram(tables, nr * 24))
		return 0;
	for (uint64_t i = 0; i < nr; i++) {
		const uint8_t *e = (const uint8_t *)(uintptr_t)(tables + 24 * i);

		if (!memcmp(e, guid_acpi20, 16))
			return rd64(e + 16);
		if (!memcmp(e, guid_acpi10, 16) && !found)
			found = rd64(e + 16);
	}
	return found;
}

uint64_t acpi_rsdp_from_boot_params(const uint8_t *bp)
{
	uint64_t pa;

	if (!bp)
		return 0;
	pa = rd64(bp + BP_ACPI_RSDP_ADDR);
	return pa ? pa : rsdp_from_efi(bp);
}

static uint64_t find_rsdp(void)
{
	uint64_t pa, ebda;

	if (rsdp_addr)
		return rsdp_addr;
	/* The BIOS areas: the first KiB of the EBDA, then 0xE0000-0xFFFFF. */
	uintptr_t bda = 0x40e;	/* BIOS data area: EBDA segment */

	__asm__("" : "+r"(bda));	/* a real address, not a null-ish constant */
	ebda = (uint64_t)(*(volatile uint16_t *)bda) << 4;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		for (pa = ebda; pa < ebda + 1024; pa += 16)
			if (!memcmp((void *)pa, "RSD PTR ", 8) && checksum_ok((void *)pa, 20))
				return pa;
	for (pa = 0xe0000; pa < 0x100000; pa += 16)
		if (!memcmp((void *)pa, "RSD PTR ", 8) && checksum_ok((void *)pa, 20))
			return pa;
	return 0;
}

static const uint8_t *find_table(const char sig[4])
{
	uint64_t pa = find_rsdp();
	const uint8_t *rsdp, *sdt;
	uint32_t i, n, esz;

	if (!pa || pa >= (1ull << 32) - 36)
		return NULL;
	rsdp = (const uint8_t *)(uintptr_t)pa;
	if (memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
		return NULL;
	if (rsdp[15] >= 2 && rd64(rsdp + 24)) {
		sdt = table_at(rd64(rsdp + 24), 1 << 16);	/* XSDT */
		esz = 8;
	} else {
		sdt = table_at(rd32(rsdp + 16), 1 << 16);	/* RSDT */
		esz = 4;
	}
	if (!sdt)
		return NULL;
	n = (rd32(sdt + 4) - 36) / esz;
	for (i = 0; i < n; i++) {
		uint64_t t = esz == 8 ? rd64(sdt + 36 + i * 8) : rd32(sdt + 36 + i * 4);
		const uint8_t *tab = table_at(t, 1 << 20);

		if (tab && !memcmp(tab, sig, 4))
			return tab;
	}
	return NULL;
}

const uint8_t *acpi_find_table(const char sig[4], uint32_t *len)
{
	const uint8_t *t = find_table(sig);

	if (t)
		*len = rd32(t + 4);
	return t;
}

/* Generic Address Structure write: I/O port, memory, or bus-0 PCI config. */
static int gas_write(const uint8_t *gas, uint8_t value)
{
	uint64_t addr = rd64(gas + 4);

	switch (gas[0]) {
	case 1:		/* system I/O */
		if (addr > 0xffff)
			return -1;
		outb((uint16_t)addr, value);
		return 0;
	case 0:		/* system memory */
		if (!mmio_map(addr, 1))
			return -1;
		*(volatile uint8_t *)(uintptr_t)addr = value;
		return 0;
	case 2: {	/* PCI config, bus 0: dev in bits 32-47, fn 16-31, offset 0-15 */
		uint32_t dev = (addr >> 32) & 0x1f, fn = (addr >> 16) & 7, off = addr & 0xff;

		outl(0xcf8, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
		outb(0xcfc + (off & 3), value);
		return 0;
	}
	}
	return -1;
}

int acpi_reset(void)
{
	const uint8_t *fadt = find_table("FACP");

	/* Reset register: FADT revision >= 2, flags bit 10 (RESET_REG_SUP). */
	if (!fadt || rd32(fadt + 4) < 129 || fadt[8] < 2 || !(rd32(fadt + 112) & (1u << 10)))
		return -1;
	return gas_write(fadt + 116, fadt[128]);
}

/*
 * \_S5 in the DSDT: NameOp '_S5_' PackageOp PkgLength NumElements, then
 * SLP_TYPa as a BytePrefix(0x0a) constant or a ZeroOp/OneOp.
 */
static int s5_sleep_type(const uint8_t *dsdt, uint32_t *typ)
{
	uint32_t len = rd32(dsdt + 4), i;

	for (i = 36; i + 12 < len; i++) {
		const uint8_t *p = dsdt + i;

		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		p += 5;
		p += 1 + (p[0] >> 6);	/* PkgLength: lead byte + 0..3 more */
		p++;			/* NumElements */
		if (p >= dsdt + len - 1)
			return -1;
		if (p[0] == 0x0a)
			*typ = p[1];
		else if (p[0] == 0x00 || p[0] == 0x01)
			*typ = p[0];
		else
			return -1;
		return 0;
	}
	return -1;
}

int acpi_poweroff(void)
{
	const uint8_t *fadt = find_table("FACP"), *dsdt;
	uint32_t typ, pm1a, pm1b;

	if (!fadt || rd32(fadt + 4) < 76)
		return -1;
	dsdt = rd32(fadt + 4) >= 148 && rd64(fadt + 140) ? table_at(rd64(fadt + 140), 1 << 24)
						       : table_at(rd32(fadt + 40), 1 << 24);
	if (!dsdt || s5_sleep_type(dsdt, &typ))
		return -1;
	pm1a = rd32(fadt + 64);
	pm1b = rd32(fadt + 68);
	if (!pm1a || pm1a > 0xffff)
		return -1;
	/* SLP_TYP in bits 10-12, SLP_EN is bit 13. */
	outw((uint16_t)pm1a, (uint16_t)((inw((uint16_t)pm1a) & 0x0203) | typ << 10 | 1u << 13));
	if (pm1b && pm1b <= 0xffff)
		outw((uint16_t)pm1b, (uint16_t)((inw((uint16_t)pm1b) & 0x0203) | typ << 10 | 1u << 13));
	return 0;
}
