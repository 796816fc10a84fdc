/*
 * The other CPUs (smp.h, docs/smp.md).
 *
 * After the crash they halt in the crashed kernel's NMI handler. We wake one
 * at a time with INIT-SIPI-SIPI through the local APIC, in the mode the
 * crashed kernel left it (x2APIC: the ICR is MSR 0x830; xAPIC: MMIO). A SIPI
 * starts a CPU in real mode in a page below 1 MiB: ap_start.S, copied into a
 * page the e820 calls RAM, whose bytes we put back once every CPU is past it.
 * That page is the one place outside the reservation the image writes.
 *
 * A woken CPU (an "AP" here) never uses the console, the clock, a device or
 * the page tables: it spins on its mailbox with interrupts off, runs the
 * function it is handed, and stores the run's number when done. Its IDT
 * halts it on any exception; the image's CPU then notices by a timeout.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/ap_start.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/firmware_map.h"
#include "arch/x86_64/platform.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/testflag.h"
#include "capture/dump.h"
#include "capture/err.h"
#include "capture/fmt.h"
#include "capture/ports.h"

#define SMP_MAX_CPUS	64		/* the image's CPU included */
#define AP_STACK_BYTES	(32u << 10)
/*
 * What capture_write needs of the arena besides the other workers' bytes:
 * the kdump writer's bitmaps (32 KiB), page buffers (8 KiB), descriptor
 * (96 KiB) and data (256 KiB) buffers, the first worker's batch and zstd
 * context (136 KiB), the filter's struct pages (32 KiB): about 560 KiB
 * (measured: the arena's peak was 668 KiB with 3 extra stacks in it, -z -d 31
 * on raw). vmcore-dmesg.txt takes 512 KiB for a moment before the dump on
 * file targets. 1 MiB covers either with room for the target's own.
 */
#define WRITER_RESERVE	(1u << 20)
#define MADT_MAX	512		/* processor entries we look at */
#define START_WAIT_US	1000000u	/* from the first SIPI until the AP says it is alive */
#define RUN_MIN_WAIT_NS	5000000000ull	/* a worker may take this much longer than the caller */
#define AP_PARK		(~0ull)		/* the run number that stops an AP for good */

#define MSR_APIC_BASE	0x1b
#define APIC_BSP	(1ull << 8)
#define APIC_X2APIC	(1ull << 10)
#define APIC_ENABLE	(1ull << 11)
#define X2APIC_ID_MSR	0x802
#define X2APIC_SVR_MSR	0x80f
#define X2APIC_ICR_MSR	0x830
#define XAPIC_ID	0x20
#define XAPIC_SVR	0xf0
#define XAPIC_ICR_LO	0x300
#define XAPIC_ICR_HI	0x310
#define ICR_BUSY	(1u << 12)
#define ICR_INIT	0x00004500u	/* INIT, level assert */
#define ICR_SIPI	0x00004600u	/* start-up, level assert; | vector */
#define ICR_NMI		0x00004400u	/* NMI: wakes an AP from hlt, even with IF = 0 */
#define KICK_EVERY_NS	1000000ull	/* resend a lost wake-up this often */
#define SVR_ON		0x1ffu		/* software enable, spurious vector 0xff */

struct ap {
	uint32_t apic_id;
	uint32_t alive;			/* set by the AP when it reached ap_main */
	uint64_t go;			/* the run the caller posted (AP_PARK: stop) */
	uint64_t done;			/* the last run the AP finished */
	uint64_t started;		/* the last run the AP picked up */
	uint32_t sleeping;		/* in hlt, or about to be: wake it with an NMI */
	void (*fn)(void *arg, unsigned k);
	void *arg;
	unsigned k;
	uint8_t *stack_top;
} __attribute__((aligned(64)));		/* whole cache lines: no false sharing */

static struct {
	struct workers w;
	struct ap *live[SMP_MAX_CPUS];	/* those that work: worker k is live[k - 1] */
	unsigned n_aps;			/* how many live */
	uint64_t seq;
	int x2apic;
	uint64_t spin_tsc;		/* how long an idle AP spins before it sleeps */
	volatile uint32_t *lapic;	/* xAPIC registers, NULL in x2APIC mode */
} smp;

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_pm32[], ap_tramp_lm64[];

/* ---- the woken CPU ---------------------------------------------------------- */

__attribute__((noreturn, used)) static void ap_main(struct ap *me)
{
	uint64_t seen = 0;

	cpu_ap_init();
	__atomic_store_n(&me->alive, 1, __ATOMIC_RELEASE);
	for (;;) {
		uint64_t g, t = rdtsc();

		while ((g = __atomic_load_n(&me->go, __ATOMIC_SEQ_CST)) == seen) {
			if (rdtsc() - t < smp.spin_tsc) {
				__asm__ volatile("pause" ::: "memory");
				continue;
			}
			/*
			 * Idle for a while: sleep, so that a spinning AP does not
			 * take a host core from the others under emulation. With
			 * IF = 0 only an NMI (run() sends one), INIT or SMI ends
			 * hlt. Announce it first, then look once more, so that
			 * run() either sees the flag or we see its work.
			 */
			__atomic_store_n(&me->sleeping, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&me->go, __ATOMIC_SEQ_CST) == seen)
				__asm__ volatile("hlt" ::: "memory");
			__atomic_store_n(&me->sleeping, 0, __ATOMIC_SEQ_CST);
			t = rdtsc();
		}
		if (g == AP_PARK)
			halt_forever();
		seen = g;
		__atomic_store_n(&me->started, g, __ATOMIC_SEQ_CST);
		me->fn(me->arg, me->k);
		__atomic_store_n(&me->done, g, __ATOMIC_RELEASE);
	}
}

/* ---- the local APIC ----------------------------------------------------------- */

static uint32_t lapic_rd(unsigned reg) { return smp.lapic[reg / 4]; }
static void lapic_wr(unsigned reg, uint32_t v) { smp.lapic[reg / 4] = v; }

static uint32_t own_apic_id(void)
{
	return smp.x2apic ? (uint32_t)rdmsr(X2APIC_ID_MSR) : lapic_rd(XAPIC_ID) >> 24;
}

static int send_ipi(uint32_t dest, uint32_t icr)
{
	if (smp.x2apic) {
		wrmsr(X2APIC_ICR_MSR, (uint64_t)dest << 32 | icr);
		return 0;
	}
	lapic_wr(XAPIC_ICR_HI, dest << 24);
	lapic_wr(XAPIC_ICR_LO, icr);
	return WAIT_FOR(!(lapic_rd(XAPIC_ICR_LO) & ICR_BUSY), 100000);
}

/* irq.c software-disabled our LAPIC; some CPUs send no IPIs in that state.
 * Turning it on keeps every LVT masked, so nothing can interrupt us. */
static uint32_t svr_on(void)
{
	uint32_t old;

	if (smp.x2apic) {
		old = (uint32_t)rdmsr(X2APIC_SVR_MSR);
		wrmsr(X2APIC_SVR_MSR, old | SVR_ON);
	} else {
		old = lapic_rd(XAPIC_SVR);
		lapic_wr(XAPIC_SVR, old | SVR_ON);
	}
	return old;
}

static void svr_restore(uint32_t old)
{
	if (smp.x2apic)
		wrmsr(X2APIC_SVR_MSR, old);
	else
		lapic_wr(XAPIC_SVR, old);
}

/* ---- the CPU list -------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/*
 * The processors the MADT calls enabled or online-capable, in its order
 * (the boot processor first, as ACPI asks), without repeats. IDs an xAPIC
 * cannot address (above 254) are counted in *unreachable. Returns how many.
 */
static unsigned madt_cpus(uint32_t *ids, unsigned max, unsigned *unreachable)
{
	uint32_t len, off, n = 0;
	const uint8_t *t = acpi_find_table("APIC", &len);

	*unreachable = 0;
	if (!t || len < 44)
		return 0;
	for (off = 44; off + 2 <= len; off += t[off + 1]) {
		uint8_t type = t[off], elen = t[off + 1];
		uint32_t id, flags, i;

		if (elen < 2 || off + elen > len)
			break;			/* a broken entry: trust nothing after it */
		if (type == 0 && elen >= 8) {
			id = t[off + 3];
			flags = rd32(t + off + 4);
			if (id == 0xff)
				continue;
		} else if (type == 9 && elen >= 16) {
			id = rd32(t + off + 4);
			flags = rd32(t + off + 8);
			if (id == 0xffffffffu)
				continue;
		} else {
			continue;
		}
		if (!(flags & 3))		/* neither enabled nor online-capable */
			continue;
		if (!smp.x2apic && id > 254) {
			(*unreachable)++;
			continue;
		}
		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (i < n)
			continue;
		if (n < max)
			ids[n++] = id;
	}
	return n;
}

/* ---- the page below 1 MiB ------------------------------------------------------ */

/*
 * The lowest npages whole 4 KiB pages in one e820 RAM range of [4 KiB, 640 KiB):
 * page 0 holds the real-mode IVT and BIOS data, and above 640 KiB there is
 * only ROM and video memory on a PC. 0 if there are none.
 */
static uint64_t low_pages(const uint8_t *bp, unsigned npages)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < e820_count(bp); i++) {
		uint64_t addr, size, start, end;
		uint32_t type;

		e820_entry(bp, i, &addr, &size, &type);
		if (type != 1 || size == 0 || addr >= 0xa0000)
			continue;
		start = (addr < 0x1000 ? 0x1000 : addr + 0xfff) & ~0xfffull;
		end = (size > 0xa0000 - addr ? 0xa0000 : addr + size) & ~0xfffull;
		if (end > start && end - start >= npages * 4096ull && (!best || start < best))
			best = start;
	}
	return best;
}

static void put16(uint8_t *p, unsigned off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, unsigned off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, unsigned off, uint64_t v) { memcpy(p + off, &v, 8); }

/* The trampoline into page, and what every AP shares: GDT, control registers. */
static void tramp_setup(uint8_t *page, uint64_t cr3_low)
{
	uint32_t pa = (uint32_t)(uintptr_t)page;

	memcpy(page, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	put64(page, TR_GDT + 0x00, 0);
	put64(page, TR_GDT + 0x08, 0x00cf9a000000ffffull);	/* 32-bit code */
	put64(page, TR_GDT + 0x10, 0x00cf92000000ffffull);	/* flat data */
	put64(page, TR_GDT + 0x18, 0x00af9a000000ffffull);	/* 64-bit code */
	put16(page, TR_GDT_DESC, 4 * 8 - 1);
	put32(page, TR_GDT_DESC + 2, pa + TR_GDT);
	put32(page, TR_PM32_PTR, pa + (uint32_t)(ap_tramp_pm32 - ap_tramp_start));
	put16(page, TR_PM32_PTR + 4, TR_SEL_CODE32);
	put32(page, TR_LM64_PTR, pa + (uint32_t)(ap_tramp_lm64 - ap_tramp_start));
	put16(page, TR_LM64_PTR + 4, TR_SEL_CODE64);
	put64(page, TR_CR3_LOW, cr3_low);
	put64(page, TR_CR3, read_cr3());
	put64(page, TR_CR4, read_cr4());		/* PAE, LA57 if on, SSE */
	put64(page, TR_EFER, rdmsr(0xc0000080) & ~(1ull << 10));	/* not LMA */
	put64(page, TR_CR0, read_cr0());
	put64(page, TR_PAT, rdmsr(0x277));
	put64(page, TR_ENTRY, (uint64_t)(uintptr_t)ap_main);
}

/* ---- waking one CPU -------------------------------------------------------------- */

static int start_ap(struct ap *ap, uint8_t *page)
{
	uint8_t vector = (uint8_t)((uintptr_t)page >> 12);

	put64(page, TR_STACK, (uint64_t)(uintptr_t)ap->stack_top);
	put64(page, TR_ARG, (uint64_t)(uintptr_t)ap);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (send_ipi(ap->apic_id, ICR_INIT))
		return -1;
	udelay(10000);
	if (send_ipi(ap->apic_id, ICR_SIPI | vector))
		return -1;
	udelay(200);
	if (!__atomic_load_n(&ap->alive, __ATOMIC_ACQUIRE) &&
	    send_ipi(ap->apic_id, ICR_SIPI | vector))
		return -1;
	if (WAIT_FOR(__atomic_load_n(&ap->alive, __ATOMIC_ACQUIRE), START_WAIT_US) == 0)
		return 0;
	/* Late is as good as dead: back to wait-for-SIPI, so it cannot wake up
	 * later on a stack or trampoline that is no longer its own. */
	send_ipi(ap->apic_id, ICR_INIT);
	return -1;
}

/* ---- running work ------------------------------------------------------------------ */

/* Wakes ap if it sleeps (ap_main). An NMI that lands just before its hlt
 * is lost; run() sends another while the AP has not picked up its work. */
static void kick(struct ap *ap)
{
	if (__atomic_load_n(&ap->sleeping, __ATOMIC_SEQ_CST))
		send_ipi(ap->apic_id, ICR_NMI);
}

static int smp_run(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg)
{
	uint64_t seq = ++smp.seq, t0, spent, wait, deadline, kicked, now;
	unsigned i, late = 0, pending;

	(void)w;
	for (i = 0; i < smp.n_aps; i++) {
		struct ap *ap = smp.live[i];

		ap->fn = fn;
		ap->arg = arg;
		ap->k = i + 1;
		__atomic_store_n(&ap->go, seq, __ATOMIC_SEQ_CST);
		kick(ap);
	}
	t0 = kicked = port_now_ns();
	fn(arg, 0);
	spent = port_now_ns() - t0;
	wait = spent * 8 > RUN_MIN_WAIT_NS ? spent * 8 : RUN_MIN_WAIT_NS;
	deadline = port_now_ns() + wait;
	do {
		now = port_now_ns();
		pending = 0;
		for (i = 0; i < smp.n_aps; i++) {
			struct ap *ap = smp.live[i];

			if (__atomic_load_n(&ap->done, __ATOMIC_ACQUIRE) == seq)
				continue;
			pending++;
			if (__atomic_load_n(&ap->started, __ATOMIC_SEQ_CST) != seq &&
			    now - kicked >= KICK_EVERY_NS)
				kick(ap);
		}
		if (now - kicked >= KICK_EVERY_NS)
			kicked = now;
		__asm__ volatile("pause" ::: "memory");
	} while (pending && now < deadline);
	for (i = 0; i < smp.n_aps; i++) {
		struct ap *ap = smp.live[i];

		if (__atomic_load_n(&ap->done, __ATOMIC_ACQUIRE) != seq) {
			port_log("cpus: the CPU with APIC ID %u did not finish its part within "
				 "%llu ms of this CPU's (it may have stopped on an exception)\n",
				 ap->apic_id, (unsigned long long)(wait / 1000000));
			late++;
		}
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return late ? ERR_IO : 0;
}

/* Every worker computes something only it can know; a wrong or missing
 * answer leaves that CPU out before the dump depends on it. */
struct selftest {
	uint64_t seed;
	unsigned fault_k;		/* dumpling.test=apfault: worker 1 faults; else 0 */
	uint64_t out[SMP_MAX_CPUS];
};

static uint64_t selftest_value(uint64_t seed, unsigned k)
{
	uint64_t x = seed ^ ((uint64_t)k << 32 | k);

	for (int i = 0; i < 4096; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

static void selftest_fn(void *arg, unsigned k)
{
	struct selftest *t = arg;

	if (k && k == t->fault_k)
		__asm__ volatile("ud2");	/* an AP's exception: it must just stop */
	t->out[k] = selftest_value(t->seed, k);
}

static void selftest(void)
{
	static struct selftest t;
	unsigned i, kept = 0;
	uint32_t old;

	memset(&t, 0, sizeof(t));
	t.seed = rdtsc();
	t.fault_k = testflag("apfault") ? 1 : 0;
	/* Twice, the second time after the APs have gone to sleep (ap_main),
	 * so that waking them by NMI is tried too. */
	smp_run(&smp.w, selftest_fn, &t);
	udelay(2000);
	t.seed ^= 0x9e3779b97f4a7c15ull;
	smp_run(&smp.w, selftest_fn, &t);
	old = svr_on();
	for (i = 0; i < smp.n_aps; i++) {
		struct ap *ap = smp.live[i];

		if (__atomic_load_n(&ap->done, __ATOMIC_ACQUIRE) == smp.seq &&
		    t.out[i + 1] == selftest_value(t.seed, i + 1)) {
			smp.live[kept++] = ap;
			continue;
		}
		port_log("cpus: leaving out APIC ID %u: it failed the self-test\n", ap->apic_id);
		send_ipi(ap->apic_id, ICR_INIT);
	}
	svr_restore(old);
	smp.n_aps = kept;
}

/* ---- bring-up ---------------------------------------------------------------------- */

static void print_ids(const char *what, const uint32_t *ids, unsigned n)
{
	char line[400];
	size_t k = 0;

	for (unsigned i = 0; i < n && k + 12 < sizeof(line); i++)
		k += (size_t)snprintf(line + k, sizeof(line) - k, " %u", ids[i]);
	line[k] = 0;
	port_log("%s%s)\n", what, line);
}

const struct workers *smp_start(const struct capture_config *cfg, struct arena *a,
				const uint8_t *bp)
{
	uint32_t ids[MADT_MAX], used[SMP_MAX_CPUS], lost[SMP_MAX_CPUS];
	uint32_t self, skip_bsp = 0, old_svr;
	uint64_t base = rdmsr(MSR_APIC_BASE), page_pa, root = read_cr3() & 0x000ffffffffff000ull;
	unsigned n_madt, unreachable, want, fit, i, n_used = 0, n_lost = 0, npages;
	size_t per_cpu, avail, save_bytes, tramp_bytes = (size_t)(ap_tramp_end - ap_tramp_start);
	int have_skip = 0;
	uint8_t *page, *save;
	char why[160];

	if (!(base & APIC_ENABLE)) {
		port_log("cpus: using 1 of 1 CPUs: the local APIC is off, so no other CPU can be woken\n");
		return NULL;
	}
	smp.x2apic = !!(base & APIC_X2APIC);
	if (!smp.x2apic) {
		smp.lapic = mmio_map(base & 0xffffff000ull, 4096);
		if (!smp.lapic) {
			port_log("cpus: using 1 CPU: no page-table room to map the local APIC\n");
			return NULL;
		}
	}
	self = own_apic_id();
	if (smp.x2apic)
		port_log("cpus: the local APIC is in x2APIC mode (ICR: MSR 0x830); this is APIC ID %u\n",
			 self);
	else
		port_log("cpus: the local APIC is in xAPIC mode (ICR: MMIO at 0x%llx); this is APIC "
			 "ID %u\n", (unsigned long long)(base & 0xffffff000ull) + XAPIC_ICR_LO, self);
	smp.spin_tsc = clock_tsc_hz() / 20000;	/* 50 us */
	used[n_used++] = self;
	n_madt = madt_cpus(ids, MADT_MAX, &unreachable);
	if (unreachable)
		port_log("cpus: %u CPUs have APIC IDs above 254, which xAPIC mode cannot wake\n",
			 unreachable);
	if (n_madt == 0) {
		port_log("cpus: using 1 of 1 CPUs (APIC IDs %u): no usable ACPI MADT\n", self);
		return NULL;
	}

	/* Never an INIT to the boot processor: on some machines it resets them. */
	if (!(base & APIC_BSP)) {
		if (cfg->have_bsp_apicid) {
			skip_bsp = cfg->bsp_apicid;
			snprintf(why, sizeof(why), "dumpling.bsp_apicid says so");
		} else {
			skip_bsp = ids[0];
			snprintf(why, sizeof(why), "no dumpling.bsp_apicid=, and ACPI lists the boot "
				 "processor first");
		}
		have_skip = skip_bsp != self;
		if (have_skip)
			port_log("cpus: this is not the boot processor; leaving out APIC ID %u, the "
				 "boot processor (%s)\n", skip_bsp, why);
	}

	/* How many: the command line, our table size, and the arena. */
	want = cfg->cpus ? cfg->cpus : n_madt;
	if (want > n_madt)
		want = n_madt;
	if (want > SMP_MAX_CPUS)
		want = SMP_MAX_CPUS;
	per_cpu = AP_STACK_BYTES + sizeof(struct ap) + capture_worker_bytes(cfg);
	npages = root >> 32 ? 2 : 1;
	save_bytes = npages * 4096u;
	avail = a->size - a->used;
	fit = avail > WRITER_RESERVE + save_bytes + 64 ?
	      (unsigned)((avail - WRITER_RESERVE - save_bytes - 64) / per_cpu) : 0;
	if (want - 1 > fit) {
		port_log("cpus: the capture arena has room for %u more CPUs: %zu KiB free, %u KiB "
			 "kept for the writer, %zu KiB per CPU (stack %u KiB, worker %zu KiB)\n",
			 fit, avail >> 10, WRITER_RESERVE >> 10, per_cpu >> 10, AP_STACK_BYTES >> 10,
			 capture_worker_bytes(cfg) >> 10);
		want = fit + 1;
	}
	if (cfg->cpus && cfg->cpus < n_madt)
		port_log("cpus: dumpling.cpus=%u\n", cfg->cpus);
	if (want <= 1 || n_madt <= 1)
		goto alone;

	if (!bp || !(page_pa = low_pages(bp, npages))) {
		port_log("cpus: no RAM below 640 KiB in the e820 map%s for the start-up page; "
			 "using this CPU only\n", bp ? "" : " (entered without boot_params)");
		goto alone;
	}
	if (tramp_bytes > 4096) {
		port_log("cpus: the trampoline does not fit a page\n");
		goto alone;
	}
	save = arena_alloc(a, save_bytes, 64);
	if (!save)
		goto alone;
	page = phys_to_virt(page_pa);
	memcpy(save, page, save_bytes);
	port_log("cpus: start-up code in RAM page%s 0x%llx-0x%llx below 1 MiB (put back after)\n",
		 npages > 1 ? "s" : "", (unsigned long long)page_pa,
		 (unsigned long long)(page_pa + save_bytes - 1));
	if (npages > 1)		/* a root the 32-bit mov to CR3 can reach */
		memcpy(page + 4096, phys_to_virt(root), 4096);
	tramp_setup(page, npages > 1 ? page_pa + 4096 : root);

	old_svr = svr_on();
	for (i = 0; i < n_madt && smp.n_aps + 1 < want; i++) {
		struct ap *ap;
		uint8_t *stack;

		if (ids[i] == self || (have_skip && ids[i] == skip_bsp))
			continue;
		/* Fresh ones for each try: a CPU that was late never shares them. */
		ap = arena_alloc(a, sizeof(*ap), 64);
		stack = arena_alloc(a, AP_STACK_BYTES, 64);
		if (!ap || !stack)
			break;
		ap->apic_id = ids[i];
		ap->stack_top = stack + AP_STACK_BYTES;
		if (start_ap(ap, page)) {
			lost[n_lost++] = ids[i];
			continue;
		}
		smp.live[smp.n_aps++] = ap;
	}
	svr_restore(old_svr);
	memcpy(page, save, save_bytes);		/* every AP is past it, or stopped */
	if (n_lost)
		print_ids("cpus: left out CPUs that did not answer within 1 s (APIC IDs", lost,
			  n_lost);

	if (smp.n_aps) {
		smp.w.n = smp.n_aps + 1;
		smp.w.run = smp_run;
		smp.w.ctx = &smp;
		selftest();
	}
	smp.w.n = smp.n_aps + 1;
	for (i = 0; i < smp.n_aps; i++)
		used[n_used++] = smp.live[i]->apic_id;
alone:
	snprintf(why, sizeof(why), "cpus: using %u of %u CPUs (APIC IDs", n_used, n_madt);
	print_ids(why, used, n_used);
	if (n_used > 1)
		port_log("cpus: %zu KiB of the capture arena per extra CPU (stack %u KiB, worker "
			 "%zu KiB); %zu KiB left\n", per_cpu >> 10, AP_STACK_BYTES >> 10,
			 capture_worker_bytes(cfg) >> 10, (a->size - a->used) >> 10);
	return n_used > 1 ? &smp.w : NULL;
}

void smp_park(void)
{
	uint32_t old;

	if (!smp.n_aps)
		return;
	for (unsigned i = 0; i < smp.n_aps; i++)
		__atomic_store_n(&smp.live[i]->go, AP_PARK, __ATOMIC_RELEASE);
	/* And INIT, which stops one even in the middle of work. Only CPUs we
	 * woke ourselves are here, never the boot processor. */
	old = svr_on();
	for (unsigned i = 0; i < smp.n_aps; i++)
		send_ipi(smp.live[i]->apic_id, ICR_INIT);
	svr_restore(old);
	smp.n_aps = 0;
}
