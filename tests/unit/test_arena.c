/* capture/arena.c: alignment, zeroing, running out, mark/reset, peak. */
#include <stdint.h>
#include <string.h>

#include "capture/arena.h"
#include "test.h"

int main(void)
{
	static uint8_t block[4096 + 64];
	struct arena a;
	uint8_t *p, *q;

	memset(block, 0xee, sizeof(block));
	arena_init(&a, block + 1, 4096);	/* a misaligned base */
	p = arena_alloc(&a, 10, 1);
	CHECK(p == block + 1);
	CHECK(p[0] == 0 && p[9] == 0);		/* zeroed */
	q = arena_alloc(&a, 100, 64);
	CHECK(q && ((uintptr_t)q & 63) == 0);	/* the address is aligned */
	CHECK(q[99] == 0);
	CHECK(arena_alloc(&a, 8, 3) == NULL);	/* not a power of two */
	CHECK(arena_alloc(&a, 8, 0) == NULL);

	size_t mark = arena_mark(&a);
	CHECK(arena_alloc(&a, 4096, 1) == NULL);	/* too big: nothing taken */
	CHECK_EQ_U64(arena_mark(&a), mark);
	CHECK(arena_alloc(&a, SIZE_MAX, 1) == NULL);	/* no wrap-around */
	CHECK(arena_alloc(&a, SIZE_MAX - 8, 4096) == NULL);
	p = arena_alloc(&a, 4096 - mark, 1);		/* exactly the rest */
	CHECK(p != NULL);
	CHECK_EQ_U64(a.used, 4096);
	CHECK(arena_alloc(&a, 1, 1) == NULL);
	CHECK(arena_alloc(&a, 0, 1) != NULL);		/* nothing fits nothing */
	CHECK(block[4096 + 1] == 0xee);			/* never past the end */

	arena_reset(&a, mark);
	CHECK_EQ_U64(a.used, mark);
	CHECK_EQ_U64(a.peak, 4096);			/* the peak stays */
	memset(block + 1 + mark, 0x55, 16);
	p = arena_alloc(&a, 16, 1);
	CHECK(p && p[0] == 0 && p[15] == 0);		/* zeroed again after reset */

	arena_init(&a, NULL, 100);
	CHECK(a.size == 0 && arena_alloc(&a, 1, 1) == NULL);
	return test_summary("test_arena");
}
