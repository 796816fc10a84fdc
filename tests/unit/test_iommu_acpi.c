/*
 * DMAR and IVRS parsing and "which unit covers this function"
 * (drivers/iommu_acpi.c): scopes through bridges, INCLUDE_PCI_ALL, IVHD
 * ranges and aliases, duplicate IVHD types; and tables cut short or holding
 * entries we cannot size, which must be refused with a clear error without
 * reading past the end (ASan watches: every table is copied into a buffer of
 * exactly its length).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/iommu_acpi.c"
#include "tests/unit/test.h"

static uint8_t tb[1024];
static uint32_t tl;

static void put(const void *p, uint32_t n) { memcpy(tb + tl, p, n); tl += n; }
static void put8(uint8_t v) { put(&v, 1); }
static void put16(uint16_t v) { put(&v, 2); }
static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }

static void table_start(const char *sig)
{
	memset(tb, 0, sizeof(tb));
	memcpy(tb, sig, 4);
	tl = 48;		/* header 36, then 12 bytes of table fields */
}

static uint32_t table_end(void)
{
	memcpy(tb + 4, &tl, 4);
	return tl;
}

/* An exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *exact(uint32_t len)
{
	uint8_t *p = malloc(len);

	memcpy(p, tb, len);
	return p;
}

static void scope(uint8_t type, uint8_t bus, int npath, const uint8_t *path)
{
	put8(type);
	put8((uint8_t)(6 + 2 * npath));
	put16(0);
	put8(0);
	put8(bus);
	put(path, 2u * npath);
}

/* Bridges: 00:1c.0 -> buses 2-4; 02:00.0 -> bus 3. */
static int buses(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *sec, uint8_t *sub)
{
	(void)ctx;
	if (bus == 0 && dev == 0x1c && fn == 0) {
		*sec = 2;
		*sub = 4;
		return 0;
	}
	if (bus == 2 && dev == 0 && fn == 0) {
		*sec = 3;
		*sub = 3;
		return 0;
	}
	return -1;
}

static void test_dmar(void)
{
	static const uint8_t p05[] = { 5, 0 }, p1c[] = { 0x1c, 0 }, p1c_0_1[] = { 0x1c, 0, 0, 1 };
	struct iommu_unit u[4];
	char err[200] = "";
	uint16_t alias;
	uint8_t *t;
	uint32_t len, at;

	table_start("DMAR");
	/* DRHD 0: explicit scopes. */
	at = tl;
	put16(0); put16(0); put8(0); put8(0); put16(0); put64(0xfed91000);
	scope(1, 0, 1, p05);			/* endpoint 00:05.0 */
	scope(2, 0, 1, p1c);			/* bridge 00:1c.0 and below */
	scope(1, 0, 2, p1c_0_1);		/* endpoint 02:00.1 behind it */
	memcpy(tb + at + 2, &(uint16_t){ (uint16_t)(tl - at) }, 2);
	/* An RMRR, to be skipped. */
	put16(1); put16(24); put16(0); put16(0); put64(0x1000); put64(0x1fff);
	/* DRHD 1: everything else, with an IOAPIC scope. */
	at = tl;
	put16(0); put16(0); put8(1); put8(0); put16(0); put64(0xfed90000);
	scope(3, 0, 1, p05);
	memcpy(tb + at + 2, &(uint16_t){ (uint16_t)(tl - at) }, 2);
	len = table_end();

	t = exact(len);
	CHECK_EQ_U64(iommu_parse_dmar(t, len, u, 4, err, sizeof(err)), 2);
	CHECK_STR(err, "");
	CHECK_EQ_U64(u[0].base, 0xfed91000);
	CHECK(!u[0].include_all);
	CHECK(u[1].include_all);
	CHECK_STR(u[1].name, "dmar1");
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(0, 5, 0), buses, NULL, &alias, err, sizeof(err)), 0);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(0, 3, 0), buses, NULL, &alias, err, sizeof(err)), 1);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(3, 0, 0), buses, NULL, &alias, err, sizeof(err)), 0);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(5, 0, 0), buses, NULL, &alias, err, sizeof(err)), 1);
	CHECK_EQ_U64(alias, iommu_rid(5, 0, 0));
	/* Another segment: nobody. */
	CHECK_EQ_U64(iommu_find_unit(u, 2, 1, iommu_rid(0, 5, 0), buses, NULL, &alias, err, sizeof(err)), (uint64_t)-1);
	/* Without bridge information only the endpoint on bus 0 matches. */
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(3, 0, 0), NULL, NULL, &alias, err, sizeof(err)), 1);
	free(t);

	/* Cut short at every length: an error, or (at a structure boundary)
	 * fewer units; never a read past the end. */
	for (uint32_t cut = 0; cut < len; cut++) {
		int n;

		memcpy(tb + 4, &cut, 4);
		t = exact(cut);
		n = iommu_parse_dmar(t, cut, u, 4, err, sizeof(err));
		CHECK(n == -1 || n < 2);
		free(t);
	}
	memcpy(tb + 4, &len, 4);

	/* A structure that says it is longer than the table. */
	memcpy(tb + 48 + 2, &(uint16_t){ 0x400 }, 2);
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_dmar(t, len, u, 4, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "structure type 0 at offset 48 has length 1024 (table is") != NULL);
	free(t);

	/* A DRHD shorter than its own header. */
	table_start("DMAR");
	put16(0); put16(8); put32(0);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_dmar(t, len, u, 4, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "less than its 16-byte header") != NULL);
	free(t);

	/* A register base of 0. */
	table_start("DMAR");
	put16(0); put16(16); put8(1); put8(0); put16(0); put64(0);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_dmar(t, len, u, 4, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "register base 0x0") != NULL);
	free(t);

	/* A scope whose length runs past its DRHD: found when matching. */
	table_start("DMAR");
	at = tl;
	put16(0); put16(0); put8(0); put8(0); put16(0); put64(0xfed91000);
	put8(1); put8(40); put16(0); put8(0); put8(0); put8(5); put8(0);
	memcpy(tb + at + 2, &(uint16_t){ (uint16_t)(tl - at) }, 2);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_dmar(t, len, u, 4, err, sizeof(err)), 1);
	CHECK_EQ_U64(iommu_find_unit(u, 1, 0, iommu_rid(0, 5, 0), buses, NULL, &alias, err, sizeof(err)), (uint64_t)-2);
	CHECK(strstr(err, "dmar0: device scope at byte 0 is malformed") != NULL);
	free(t);

	/* Not a DMAR at all. */
	table_start("APIC");
	len = table_end();
	CHECK_EQ_U64(iommu_parse_dmar(tb, len, u, 4, err, sizeof(err)), (uint64_t)-1);
}

static void ivhd_start(uint8_t type, uint64_t base, uint16_t seg, uint32_t *at)
{
	*at = tl;
	put8(type); put8(0); put16(0); put16(0x0002); put16(0x40); put64(base);
	put16(seg); put16(0); put32(0);
	if (type != 0x10) {
		put64(0); put64(0);
	}
}

static void ivhd_end(uint32_t at)
{
	memcpy(tb + at + 2, &(uint16_t){ (uint16_t)(tl - at) }, 2);
}

static void dev4(uint8_t type, uint16_t id) { put8(type); put16(id); put8(0); }
static void dev8(uint8_t type, uint16_t id, uint16_t to) { put8(type); put16(id); put8(0); put8(0); put16(to); put8(0); }

static void ivhd_entries(void)
{
	dev4(0x02, iommu_rid(0, 3, 0));			/* SELECT 00:03.0 */
	dev4(0x03, iommu_rid(0, 8, 0));			/* 00:08.0 ... */
	dev4(0x04, iommu_rid(0, 0xf, 7));		/* ... 00:0f.7 */
	dev8(0x42, iommu_rid(1, 0, 0), iommu_rid(0, 0x1e, 0));	/* 01:00.0 as 00:1e.0 */
	dev8(0x48, 0x00a0, 0);				/* SPECIAL (IOAPIC) */
}

static void test_ivrs(void)
{
	struct iommu_unit u[4];
	char err[200] = "";
	uint16_t alias;
	uint32_t at, len;
	uint8_t *t;

	table_start("IVRS");
	ivhd_start(0x10, 0xfed80000, 0, &at);
	ivhd_entries();
	ivhd_end(at);
	/* IVMD, skipped. */
	put8(0x20); put8(0); put16(32); put16(0); put16(0); put64(0); put64(0x1000); put64(0x1000);
	ivhd_start(0x11, 0xfed80000, 0, &at);		/* the same IOMMU, newer type */
	ivhd_entries();
	ivhd_end(at);
	ivhd_start(0x10, 0xfd000000, 1, &at);		/* another, on segment 1 */
	dev4(0x01, 0);
	ivhd_end(at);
	len = table_end();

	t = exact(len);
	CHECK_EQ_U64(iommu_parse_ivrs(t, len, u, 4, err, sizeof(err)), 2);
	CHECK_STR(err, "");
	CHECK_EQ_U64(u[0].ivhd_type, 0x11);
	CHECK_EQ_U64(u[0].base, 0xfed80000);
	CHECK_EQ_U64(u[1].seg, 1);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(0, 3, 0), NULL, NULL, &alias, err, sizeof(err)), 0);
	CHECK_EQ_U64(alias, iommu_rid(0, 3, 0));
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(0, 9, 2), NULL, NULL, &alias, err, sizeof(err)), 0);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(1, 0, 0), NULL, NULL, &alias, err, sizeof(err)), 0);
	CHECK_EQ_U64(alias, iommu_rid(0, 0x1e, 0));
	CHECK_EQ_U64(iommu_find_unit(u, 2, 0, iommu_rid(0, 4, 0), NULL, NULL, &alias, err, sizeof(err)), (uint64_t)-1);
	CHECK_EQ_U64(iommu_find_unit(u, 2, 1, iommu_rid(7, 1, 0), NULL, NULL, &alias, err, sizeof(err)), 1);
	free(t);

	for (uint32_t cut = 0; cut < len; cut++) {
		int n;

		memcpy(tb + 4, &cut, 4);
		t = exact(cut);
		n = iommu_parse_ivrs(t, cut, u, 4, err, sizeof(err));
		CHECK(n == -1 || n < 2);
		free(t);
	}

	/* A device entry type whose length we cannot know. */
	table_start("IVRS");
	ivhd_start(0x10, 0xfed80000, 0, &at);
	dev4(0x85, 0);
	ivhd_end(at);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_ivrs(t, len, u, 4, err, sizeof(err)), 1);
	CHECK_EQ_U64(iommu_find_unit(u, 1, 0, 0x18, NULL, NULL, &alias, err, sizeof(err)), (uint64_t)-2);
	CHECK(strstr(err, "device entry type 0x85 at byte 0 has a type whose length is unknown") != NULL);
	free(t);

	/* END_RANGE without a start, and an 8-byte entry cut by its IVHD. */
	table_start("IVRS");
	ivhd_start(0x10, 0xfed80000, 0, &at);
	dev4(0x04, 0x20);
	ivhd_end(at);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_ivrs(t, len, u, 4, err, sizeof(err)), 1);
	CHECK_EQ_U64(iommu_find_unit(u, 1, 0, 0x18, NULL, NULL, &alias, err, sizeof(err)), (uint64_t)-2);
	CHECK(strstr(err, "END_RANGE at byte 0 without a start") != NULL);
	free(t);
	table_start("IVRS");
	ivhd_start(0x10, 0xfed80000, 0, &at);
	dev4(0x42, 0x20);
	ivhd_end(at);
	len = table_end();
	t = exact(len);
	CHECK_EQ_U64(iommu_parse_ivrs(t, len, u, 4, err, sizeof(err)), 1);
	CHECK_EQ_U64(iommu_find_unit(u, 1, 0, 0x18, NULL, NULL, &alias, err, sizeof(err)), (uint64_t)-2);
	CHECK(strstr(err, "runs past its IVHD") != NULL);
	free(t);

	/* An IVHD shorter than its header; an MMIO base of 0. */
	table_start("IVRS");
	put8(0x11); put8(0); put16(24); put16(0); put16(0); put64(0xfed80000); put32(0); put32(0);
	len = table_end();
	CHECK_EQ_U64(iommu_parse_ivrs(tb, len, u, 4, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "less than its 40-byte header") != NULL);
	table_start("IVRS");
	ivhd_start(0x10, 0, 0, &at);
	ivhd_end(at);
	len = table_end();
	CHECK_EQ_U64(iommu_parse_ivrs(tb, len, u, 4, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "MMIO base 0x0") != NULL);
}

int main(void)
{
	test_dmar();
	test_ivrs();
	return test_summary("iommu_acpi");
}
