/*
 * IOMMUs (Intel VT-d, AMD-Vi) that the crashed kernel left translating.
 *
 * The crashed kernel's tables stay live after the crash: a device it had in a
 * DMA domain cannot reach our buffers. For the one device a target uses we
 * "open a door": copy the root/context tables (VT-d) or the device table
 * (AMD) into our own memory, change only that device's entry so it sees the
 * image's memory at its physical addresses, point the IOMMU at the copy and
 * invalidate. Every other device keeps exactly the translation it had, and
 * nothing of the crashed kernel's is written. Translation is never turned off.
 *
 * The table and ACPI logic is pure C (iommu_acpi.c, iommu_vtd_tables.c,
 * iommu_amd_tables.c) and so are the register sequences (iommu_vtd.c,
 * iommu_amd.c), which reach memory and registers only through the ops below:
 * the host unit tests run all of it on tables built in memory. iommu.c is the
 * image's glue (ACPI, PCI config, MMIO, console).
 */
#ifndef DRIVERS_IOMMU_H
#define DRIVERS_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Physical memory as the IOMMU code sees it. The crashed kernel's tables are
 * only ever read, through map(); new tables come from alloc(), which hands out
 * zeroed 4 KiB-aligned memory inside the image's reservation. [own_lo, own_hi)
 * is the image's memory: the only range the opened device may reach, and a
 * range no old table may point into.
 */
struct iommu_mem {
	/* A read-only view of [pa, pa+len) of the crashed kernel's RAM, or NULL
	 * if that is not memory we may read. */
	const void *(*map)(struct iommu_mem *m, uint64_t pa, size_t len);
	/* Zeroed, 4 KiB aligned; *pa is its physical address. NULL when full. */
	void *(*alloc)(struct iommu_mem *m, size_t size, uint64_t *pa);
	uint64_t own_lo, own_hi;
	void *ctx;
};

/* Registers of one IOMMU, and time: the hardware, or a model in the tests. */
struct iommu_regs {
	uint32_t (*rd32)(struct iommu_regs *r, unsigned off);
	uint64_t (*rd64)(struct iommu_regs *r, unsigned off);
	void (*wr32)(struct iommu_regs *r, unsigned off, uint32_t v);
	void (*wr64)(struct iommu_regs *r, unsigned off, uint64_t v);
	uint64_t (*now_us)(struct iommu_regs *r);
	void *ctx;
};

/* A PCI requester ID: bus << 8 | dev << 3 | fn. */
static inline uint16_t iommu_rid(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (uint16_t)(bus << 8 | (dev & 31) << 3 | (fn & 7));
}

/* The requester IDs one device's DMA may carry: its own, then the aliases
 * bridges above it substitute (a PCIe-to-PCI bridge, a conventional bridge). */
#define IOMMU_MAX_RIDS 8
struct iommu_target {
	uint16_t seg;
	uint16_t rid[IOMMU_MAX_RIDS];
	int nrid;
	const char *name;		/* "0000:00:03.0", for messages */
};

/* ---- ACPI: DMAR and IVRS (iommu_acpi.c) ---------------------------------- */

enum iommu_kind { IOMMU_VTD = 1, IOMMU_AMD = 2 };

#define IOMMU_MAX_UNITS 16
struct iommu_unit {
	enum iommu_kind kind;
	uint64_t base;			/* register base (MMIO) */
	uint16_t seg;
	bool include_all;		/* DRHD INCLUDE_PCI_ALL */
	const uint8_t *scope;		/* DRHD device scopes / IVHD device entries */
	uint32_t scope_len;
	uint8_t ivhd_type;		/* 0x10, 0x11, 0x40 */
	uint16_t iommu_rid;		/* AMD: the IOMMU's own PCI function */
	char name[12];			/* "dmar0", "amd-vi0" */
};

/*
 * Parses a DMAR (VT-d) or IVRS (AMD) table of len bytes, already
 * checksummed, into at most max units. Returns how many, or -1 with err set
 * when the table is malformed (a length that runs past the end, an unknown
 * entry type where its length cannot be known).
 */
int iommu_parse_dmar(const uint8_t *t, uint32_t len, struct iommu_unit *u, int max,
		     char *err, size_t errlen);
int iommu_parse_ivrs(const uint8_t *t, uint32_t len, struct iommu_unit *u, int max,
		     char *err, size_t errlen);

/* A bridge's secondary and subordinate bus numbers (config 0x19, 0x1A), or -1. */
typedef int (*iommu_bridge_buses_fn)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn,
				     uint8_t *secondary, uint8_t *subordinate);

/*
 * Which unit translates DMA with requester ID rid on segment seg: VT-d as
 * Linux's dmar_find_matched_drhd_unit (a scope naming the device or a bridge
 * above it, else the segment's INCLUDE_PCI_ALL unit); AMD by the IVHD device
 * entries. Returns the index, -1 when none covers it, or -2 with err set when
 * a scope or device entry is malformed. For AMD, *alias gets the requester ID
 * the IVHD says the device's DMA carries (rid itself when none is given).
 */
int iommu_find_unit(const struct iommu_unit *u, int n, uint16_t seg, uint16_t rid,
		    iommu_bridge_buses_fn buses, void *ctx, uint16_t *alias,
		    char *err, size_t errlen);

/* ---- VT-d tables (iommu_vtd_tables.c) ------------------------------------ */

struct vtd_door {
	/* in */
	uint64_t cap, ecap;
	uint64_t old_root;		/* RTADDR without the TTM bits */
	bool scalable;			/* RTADDR.TTM = 01 */
	const struct iommu_target *t;
	/* out */
	uint64_t new_root;		/* physical address of our root table */
	uint16_t did;			/* the domain ID we gave the target */
	int aw;				/* AGAW field: levels - 2 */
	bool pass_through;		/* no identity table (scalable without SLTS) */
	bool was_present;		/* the target's old entry was present */
	uint16_t old_did;		/* ... and its domain, if it had one */
	unsigned tables;		/* pages allocated */
};

/*
 * Builds our root table (a copy of the old one), copies of the context tables
 * of the target's buses with only the target's entries changed (identity map
 * of [own_lo, own_hi), or pass-through), and the identity page tables. Never
 * writes through m->map. Returns 0, or -1 with err naming what was wrong.
 */
int vtd_build_door(struct iommu_mem *m, struct vtd_door *d, char *err, size_t errlen);

/* VT-d registers. */
#define VTD_CAP		0x08
#define VTD_ECAP	0x10
#define VTD_GCMD	0x18
#define VTD_GSTS	0x1c
#define VTD_RTADDR	0x20
#define VTD_CCMD	0x28
#define VTD_FSTS	0x34
#define VTD_FECTL	0x38
#define VTD_IQH		0x80
#define VTD_IQT		0x88
#define VTD_IQA		0x90
#define VTD_IECTL	0xa0
#define VTD_IQER	0xb0

#define VTD_GCMD_TE	(1u << 31)
#define VTD_GCMD_SRTP	(1u << 30)
#define VTD_GCMD_WBF	(1u << 27)
#define VTD_GCMD_QIE	(1u << 26)
#define VTD_GCMD_IRE	(1u << 25)
/* GCMD bits that carry state; the others are one-shot commands. */
#define VTD_GCMD_KEEP	0x96ffffffu

#define VTD_CAP_ND(c)		((unsigned)((c) & 7))
#define VTD_CAP_RWBF		(1ull << 4)
#define VTD_CAP_CM		(1ull << 7)
#define VTD_CAP_SAGAW(c)	((unsigned)(((c) >> 8) & 0x1f))
#define VTD_CAP_MGAW(c)		((unsigned)(((c) >> 16) & 0x3f) + 1)
#define VTD_CAP_FRO(c)		((unsigned)(((c) >> 24) & 0x3ff) * 16)
#define VTD_CAP_NFR(c)		((unsigned)(((c) >> 40) & 0xff) + 1)
#define VTD_CAP_DWD		(1ull << 54)
#define VTD_CAP_DRD		(1ull << 55)
#define VTD_CAP_ESRTPS		(1ull << 63)
#define VTD_ECAP_C		(1ull << 0)
#define VTD_ECAP_QI		(1ull << 1)
#define VTD_ECAP_PT		(1ull << 6)
#define VTD_ECAP_IRO(e)		((unsigned)(((e) >> 8) & 0x3ff) * 16)
#define VTD_ECAP_SMTS		(1ull << 43)
#define VTD_ECAP_SLTS		(1ull << 46)
#define VTD_ECAP_SMPWC		(1ull << 48)

/* ---- VT-d registers (iommu_vtd.c) ---------------------------------------- */

struct vtd_state {
	uint64_t cap, ecap, rtaddr;
	uint32_t gsts;
	bool te, qi, ir, scalable;
};

/* Reads what the crashed kernel left; -1 with err if the unit makes no sense
 * (all-ones registers, an unknown table type). */
int vtd_read_state(struct iommu_regs *r, struct vtd_state *s, char *err, size_t errlen);

/*
 * Opens the door for t on a unit with translation on: masks fault events,
 * builds the tables, replaces the invalidation queue if one was on (with our
 * own, in our memory), sets the new root table and invalidates the context
 * cache, the PASID cache (scalable) and the IOTLB, every wait bounded.
 * Describes what it did in what. Returns 0, or -1 with err set.
 */
int vtd_open_door(struct iommu_regs *r, struct iommu_mem *m, const struct vtd_state *s,
		  const struct iommu_target *t, struct vtd_door *d, char *what, size_t whatlen,
		  char *err, size_t errlen);

/* Formats the unit's recorded faults (at most max) into buf; returns how many. */
int vtd_faults(struct iommu_regs *r, char *buf, size_t len, int max);

/* ---- AMD-Vi (iommu_amd_tables.c, iommu_amd.c) ---------------------------- */

struct amd_door {
	/* in */
	uint64_t old_base_reg;		/* DevTabBase register: base | pages - 1 */
	const uint16_t *devids;		/* the target's device IDs (rid and aliases) */
	int ndev;
	/* out */
	uint64_t new_base_reg;
	uint16_t domain;		/* the domain ID we gave the target */
	uint16_t old_domain[IOMMU_MAX_RIDS];
	bool old_valid[IOMMU_MAX_RIDS];
	unsigned entries;		/* entries in our copy */
};

/* Copies the device table (up to its last valid entry and the target's)
 * and makes the target's entries pass-through. Returns 0 or -1 with err. */
int amd_build_door(struct iommu_mem *m, struct amd_door *d, char *err, size_t errlen);

#define AMD_DEVTAB_BASE		0x0000
#define AMD_CMDBUF_BASE		0x0008
#define AMD_EVTLOG_BASE		0x0010
#define AMD_CONTROL		0x0018
#define AMD_EFR			0x0030
#define AMD_CMD_HEAD		0x2000
#define AMD_CMD_TAIL		0x2008
#define AMD_EVT_HEAD		0x2010
#define AMD_EVT_TAIL		0x2018
#define AMD_STATUS		0x2020

#define AMD_CTL_EN		(1ull << 0)
#define AMD_CTL_EVTLOG_EN	(1ull << 2)
#define AMD_CTL_EVTINT_EN	(1ull << 3)
#define AMD_CTL_COMWAIT_INT_EN	(1ull << 4)
#define AMD_CTL_CMDBUF_EN	(1ull << 12)

/* old_base_reg: the crashed kernel's DevTabBase, or 0 to read it from the
 * unit (once we opened a door, the register holds ours). */
int amd_open_door(struct iommu_regs *r, struct iommu_mem *m, const struct iommu_target *t,
		  const uint16_t *devids, int ndev, uint64_t old_base_reg, struct amd_door *d,
		  char *what, size_t whatlen, char *err, size_t errlen);
/* Formats IO_PAGE_FAULT and other events from our event log. */
int amd_faults(struct iommu_regs *r, struct iommu_mem *m, char *buf, size_t len, int max);

/* ---- the image (iommu.c) ------------------------------------------------- */

struct pci_dev;
/*
 * Call once a driver has reset its device and before it gives the device any
 * DMA address. Finds the IOMMUs (once, one console line each), and if the one
 * covering d translates, opens the door for d. Returns 0 (also when there is
 * no IOMMU, or it does not translate), or -1 with err naming the IOMMU and the
 * device: the caller fails, and the image runs failure_action.
 */
int iommu_open_device(const struct pci_dev *d, char *err, size_t errlen);

/* After a DMA timeout on d: prints the faults its IOMMU recorded. */
void iommu_report_faults(const struct pci_dev *d);

/* The static memory kept for IOMMU tables, for the image's memory line. */
unsigned iommu_pool_bytes(void);

#endif
