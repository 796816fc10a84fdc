/*
 * What the image offers drivers: uncached MMIO mappings, and time. Memory
 * for devices comes from drivers/dma.h.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* We run identity-mapped: a pointer is its physical address. */
static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

/* Maps [phys, phys+size) uncached and returns its address, or NULL if the page
 * table pool is exhausted. Mapping the same range twice is harmless. */
void *mmio_map(uint64_t phys, uint64_t size);

/* Monotonic time from the TSC (calibrated against the PIT at start-up). */
uint64_t port_now_ns(void);
void udelay(uint64_t us);

/*
 * Waits until cond() is true or timeout_us passes. Every device wait goes
 * through here so that none can hang. Returns 0, or -1 on timeout.
 */
extern const char *wait_cond;	/* what WAIT_FOR waits for now (watch.c says it) */
#define WAIT_FOR(cond, timeout_us) ({					\
	const char *_outer = wait_cond;					\
	uint64_t _deadline = port_now_ns() + (uint64_t)(timeout_us) * 1000;	\
	int _r = 0;							\
	wait_cond = #cond;						\
	while (!(cond)) {						\
		if (port_now_ns() > _deadline) { _r = -1; break; }	\
		__asm__ volatile("pause" ::: "memory");			\
	}								\
	wait_cond = _outer;						\
	_r; })

#endif
