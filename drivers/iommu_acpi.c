/*
 * The IOMMUs the firmware describes: DMAR (Intel) and IVRS (AMD) tables, and
 * which unit translates a given PCI function. Tables are firmware memory
 * handed on by a crashed kernel: every length is checked against what holds
 * it before anything behind it is read.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/iommu.h"
#include "capture/fmt.h"

#define ACPI_HDR	36

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* DMAR: header, u8 haw, u8 flags, 10 reserved; then remapping structures
 * {u16 type, u16 length}. Type 0 is a DRHD: u8 flags, u8 size, u16 segment,
 * u64 register base, then device scopes. */
#define DMAR_STRUCTS	48
#define DRHD_SCOPES	16

int iommu_parse_dmar(const uint8_t *t, uint32_t len, struct iommu_unit *u, int max,
		     char *err, size_t errlen)
{
	uint32_t off;
	int n = 0;

	if (len < DMAR_STRUCTS || memcmp(t, "DMAR", 4) || rd32(t + 4) != len) {
		return errf(err, errlen, "DMAR table: bad signature or length %u", len);
	}
	for (off = DMAR_STRUCTS; off < len; ) {
		uint16_t type, slen;

		if (len - off < 4) {
			return errf(err, errlen, "DMAR table: %u stray bytes at offset %u", len - off, off);
		}
		type = rd16(t + off);
		slen = rd16(t + off + 2);
		if (slen < 4 || slen > len - off) {
			return errf(err, errlen, "DMAR table: structure type %u at offset %u has "
				    "length %u (table is %u bytes)", type, off, slen, len);
		}
		if (type == 0) {
			struct iommu_unit *x;

			if (slen < DRHD_SCOPES) {
				return errf(err, errlen, "DMAR table: DRHD at offset %u is %u bytes, "
					    "less than its 16-byte header", off, slen);
			}
			if (n == max) {
				return errf(err, errlen, "DMAR table: more than %d DRHD units", max);
			}
			x = &u[n];
			memset(x, 0, sizeof(*x));
			x->kind = IOMMU_VTD;
			x->include_all = t[off + 4] & 1;
			x->seg = rd16(t + off + 6);
			x->base = rd64(t + off + 8);
			x->scope = t + off + DRHD_SCOPES;
			x->scope_len = slen - DRHD_SCOPES;
			snprintf(x->name, sizeof(x->name), "dmar%d", n);
			if (!x->base || (x->base & 0xfff)) {
				return errf(err, errlen, "DMAR table: DRHD %d has register base 0x%llx",
					    n, (unsigned long long)x->base);
			}
			n++;
		}
		/* Other structures (RMRR, ATSR, RHSA, ANDD, SATC) say nothing
		 * about which unit translates what. */
		off += slen;
	}
	return n;
}

/* IVRS: header, u32 IVinfo, 8 reserved; then blocks {u8 type, u8 flags,
 * u16 length, ...}. IVHD types 0x10 (24-byte header), 0x11 and 0x40
 * (40-byte header); 0x20-0x22 are IVMDs, skipped. */
#define IVRS_BLOCKS	48

static unsigned ivhd_header_len(uint8_t type)
{
	return type == 0x10 ? 24 : 40;
}

int iommu_parse_ivrs(const uint8_t *t, uint32_t len, struct iommu_unit *u, int max,
		     char *err, size_t errlen)
{
	uint32_t off;
	int n = 0;

	if (len < IVRS_BLOCKS || memcmp(t, "IVRS", 4) || rd32(t + 4) != len) {
		return errf(err, errlen, "IVRS table: bad signature or length %u", len);
	}
	for (off = IVRS_BLOCKS; off < len; ) {
		uint8_t type;
		uint16_t blen;

		if (len - off < 4) {
			return errf(err, errlen, "IVRS table: %u stray bytes at offset %u", len - off, off);
		}
		type = t[off];
		blen = rd16(t + off + 2);
		if (blen < 4 || blen > len - off) {
			return errf(err, errlen, "IVRS table: block type 0x%02x at offset %u has length "
				    "%u (table is %u bytes)", type, off, blen, len);
		}
		if (type == 0x10 || type == 0x11 || type == 0x40) {
			uint64_t base = blen >= 16 ? rd64(t + off + 8) : 0;
			struct iommu_unit *x = NULL;
			int i;

			if (blen < ivhd_header_len(type)) {
				return errf(err, errlen, "IVRS table: IVHD type 0x%02x at offset %u is %u "
					    "bytes, less than its %u-byte header", type, off, blen,
					    ivhd_header_len(type));
			}
			if (!base || (base & 0x3fff)) {
				return errf(err, errlen, "IVRS table: IVHD at offset %u has MMIO base 0x%llx",
					    off, (unsigned long long)base);
			}
			/* One IOMMU is often described by several IVHD types; as
			 * Linux, use the newest type we know for each. */
			for (i = 0; i < n; i++)
				if (u[i].base == base)
					x = &u[i];
			if (x && x->ivhd_type > type) {
				off += blen;
				continue;
			}
			if (!x) {
				if (n == max) {
					return errf(err, errlen, "IVRS table: more than %d IOMMUs", max);
				}
				x = &u[n];
				memset(x, 0, sizeof(*x));
				snprintf(x->name, sizeof(x->name), "amd-vi%d", n);
				n++;
			}
			x->kind = IOMMU_AMD;
			x->ivhd_type = type;
			x->iommu_rid = rd16(t + off + 4);
			x->base = base;
			x->seg = rd16(t + off + 16);
			x->scope = t + off + ivhd_header_len(type);
			x->scope_len = blen - ivhd_header_len(type);
		}
		off += blen;
	}
	return n;
}

/* ---- which unit covers a function --------------------------------------- */

/*
 * Does this DRHD's scope list name rid (endpoint) or a bridge whose buses
 * hold it? Scope: u8 type, u8 length, u16 reserved, u8 enumeration id,
 * u8 start bus, then (device, function) pairs: a path through bridges.
 * Returns 1, 0, or -1 when a scope is malformed.
 */
static int drhd_scope_match(const struct iommu_unit *x, uint16_t rid, iommu_bridge_buses_fn buses,
			    void *ctx, char *err, size_t errlen)
{
	uint8_t bus = rid >> 8, devfn = rid & 0xff;
	uint32_t off = 0;

	while (off < x->scope_len) {
		const uint8_t *s = x->scope + off;
		uint8_t type, slen, b, sec = 0, sub = 0;
		int npath, i;

		if (x->scope_len - off < 6 || s[1] < 6 || s[1] > x->scope_len - off ||
		    (s[1] - 6) % 2) {
			return errf(err, errlen, "DMAR table: %s: device scope at byte %u is malformed "
				    "(length %u of %u left)", x->name, off,
				    x->scope_len - off >= 2 ? s[1] : 0, x->scope_len - off);
		}
		type = s[0];
		slen = s[1];
		npath = (slen - 6) / 2;
		off += slen;
		if ((type != 1 && type != 2) || npath == 0)
			continue;	/* IOAPIC, HPET, ACPI namespace devices */
		b = s[5];
		/* Every pair but the last is a bridge: follow it to its bus. */
		for (i = 0; i < npath - 1; i++) {
			if (!buses || buses(ctx, b, s[6 + 2 * i], s[7 + 2 * i], &sec, &sub) != 0)
				break;
			b = sec;
		}
		if (i < npath - 1)
			continue;	/* the path leads nowhere on this machine */
		{
			uint8_t d = s[6 + 2 * i], f = s[7 + 2 * i];

			if (type == 1 && b == bus && devfn == (uint8_t)((d & 31) << 3 | (f & 7)))
				return 1;
			if (type == 2 && buses && buses(ctx, b, d, f, &sec, &sub) == 0 &&
			    bus >= sec && bus <= sub)
				return 1;
		}
	}
	return 0;
}

/*
 * IVHD device entries: 4-byte types below 0x40, 8-byte types 0x40-0x7f,
 * ACPI_HID (0xf0) carries its own length. Settings apply to one device ID
 * (SELECT), a range (START ... END), or all (ALL). ALIAS_* say the device's
 * DMA carries another ID. Returns 1 with *alias set, 0, or -1 if malformed.
 */
static int ivhd_match(const struct iommu_unit *x, uint16_t rid, uint16_t *alias, char *err,
		      size_t errlen)
{
	uint32_t off = 0;
	int in_range = 0, range_alias = 0;
	uint16_t range_start = 0, range_to = 0;

	while (off < x->scope_len) {
		const uint8_t *e = x->scope + off;
		uint8_t type = e[0];
		uint32_t elen = type == 0xf0 ? (x->scope_len - off > 21 ? e[21] + 22u : 0)
			      : type < 0x40 ? 4 : type < 0x80 ? 8 : 0;
		uint16_t id = x->scope_len - off >= 3 ? rd16(e + 1) : 0;

		if (elen == 0 || elen > x->scope_len - off) {
			return errf(err, errlen, "IVRS table: %s: device entry type 0x%02x at byte %u %s",
				    x->name, type, off, elen ? "runs past its IVHD" :
				    "has a type whose length is unknown");
		}
		off += elen;
		switch (type) {
		case 0x01:		/* ALL */
			*alias = rid;
			return 1;
		case 0x02:		/* SELECT */
		case 0x46:		/* EXT_SELECT */
			if (id == rid) {
				*alias = rid;
				return 1;
			}
			break;
		case 0x42:		/* ALIAS_SELECT: id's DMA carries the alias */
			if (id == rid) {
				*alias = rd16(e + 5);
				return 1;
			}
			break;
		case 0x03:		/* START_RANGE */
		case 0x47:		/* EXT_START_RANGE */
		case 0x43:		/* ALIAS_START_RANGE */
			in_range = 1;
			range_start = id;
			range_alias = type == 0x43;
			range_to = type == 0x43 ? rd16(e + 5) : 0;
			break;
		case 0x04:		/* END_RANGE */
			if (!in_range) {
				return errf(err, errlen, "IVRS table: %s: END_RANGE at byte %u without a "
					    "start", x->name, off - elen);
			}
			in_range = 0;
			if (rid >= range_start && rid <= id) {
				*alias = range_alias ? range_to : rid;
				return 1;
			}
			break;
		}
	}
	return 0;
}

int iommu_find_unit(const struct iommu_unit *u, int n, uint16_t seg, uint16_t rid,
		    iommu_bridge_buses_fn buses, void *ctx, uint16_t *alias,
		    char *err, size_t errlen)
{
	int i, r, all = -1;

	*alias = rid;
	for (i = 0; i < n; i++) {
		if (u[i].seg != seg)
			continue;
		if (u[i].kind == IOMMU_AMD) {
			r = ivhd_match(&u[i], rid, alias, err, errlen);
		} else {
			if (u[i].include_all) {
				if (all < 0)
					all = i;
				continue;
			}
			r = drhd_scope_match(&u[i], rid, buses, ctx, err, errlen);
		}
		if (r < 0)
			return -2;
		if (r > 0)
			return i;
	}
	return all;
}
