/* capture/vmcoreinfo.c: real-looking text, and text from a broken kernel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/vmcoreinfo.h"
#include "test.h"

static const char sample[] =
	"OSRELEASE=6.1.0-18-amd64\n"
	"BUILD-ID=8f3b1a2c4d5e6f708192a3b4c5d6e7f801234567\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff82a14a60\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(swapper_pg_dir)=ffffffff8260a000\n"
	"SIZE(page)=64\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._mapcount)=48\n"
	"LENGTH(zone.free_area)=11\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-268435456\n"
	"NUMBER(phys_base)=-2097152\n"
	"NUMBER(VMALLOC_START)=0xffffc90000000000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=1e000000\n"
	"CONFIG_X86_PAE=y\n"
	"CRASHTIME=1714567890\n";

int main(void)
{
	struct vmcoreinfo vi;
	uint64_t u;
	int64_t s;
	char buf[80];

	vmcoreinfo_init(&vi, sample, strlen(sample));
	CHECK(vmcoreinfo_osrelease(&vi, buf, sizeof(buf)));
	CHECK_STR(buf, "6.1.0-18-amd64");
	CHECK(vmcoreinfo_build_id(&vi, buf, sizeof(buf)));
	CHECK_STR(buf, "8f3b1a2c4d5e6f708192a3b4c5d6e7f801234567");
	CHECK(vmcoreinfo_pagesize(&vi, &u) && u == 4096);
	CHECK(vmcoreinfo_symbol(&vi, "init_uts_ns", &u));
	CHECK_EQ_U64(u, 0xffffffff82a14a60ull);
	CHECK(vmcoreinfo_symbol(&vi, "swapper_pg_dir", &u));
	CHECK_EQ_U64(u, 0xffffffff8260a000ull);
	CHECK(vmcoreinfo_offset(&vi, "uts_namespace.name", &u) && u == 0);
	CHECK(vmcoreinfo_offset(&vi, "page._mapcount", &u) && u == 48);
	CHECK(vmcoreinfo_size(&vi, "page", &u) && u == 64);
	CHECK(vmcoreinfo_length(&vi, "zone.free_area", &u) && u == 11);
	CHECK(vmcoreinfo_number(&vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s) && s == -129);
	CHECK(vmcoreinfo_number(&vi, "PAGE_OFFLINE_MAPCOUNT_VALUE", &s) && s == -268435456);
	CHECK(vmcoreinfo_number(&vi, "phys_base", &s) && s == -2097152);
	CHECK(vmcoreinfo_number(&vi, "VMALLOC_START", &s));
	CHECK_EQ_U64((uint64_t)s, 0xffffc90000000000ull);
	CHECK(vmcoreinfo_number(&vi, "pgtable_l5_enabled", &s) && s == 0);
	CHECK(vmcoreinfo_kerneloffset(&vi, &u) && u == 0x1e000000);
	CHECK(vmcoreinfo_crashtime(&vi, &s) && s == 1714567890);
	CHECK(vmcoreinfo_string(&vi, "CONFIG_X86_PAE", buf, sizeof(buf)));
	CHECK_STR(buf, "y");

	/* Absent keys, and names that are prefixes of present ones */
	u = 77;
	CHECK(!vmcoreinfo_symbol(&vi, "init_uts", &u));
	CHECK(!vmcoreinfo_symbol(&vi, "init_uts_ns_x", &u));
	CHECK(!vmcoreinfo_size(&vi, "pag", &u));
	CHECK(!vmcoreinfo_offset(&vi, "page", &u));
	CHECK(u == 77);		/* untouched */
	CHECK(!vmcoreinfo_number(&vi, "SYMBOL", &s));
	/* A kind does not match another kind */
	CHECK(!vmcoreinfo_number(&vi, "init_uts_ns", &s));
	/* Does not fit the caller's buffer */
	CHECK(!vmcoreinfo_osrelease(&vi, buf, 5));
	/* A name longer than any key buffer */
	{
		char longname[300];
		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		CHECK(!vmcoreinfo_symbol(&vi, longname, &u));
	}

	/* No trailing newline, no NUL: the last line still counts, nothing past len */
	{
		char *t = malloc(20);
		memcpy(t, "A=1\nPAGESIZE=4096", 17);
		vmcoreinfo_init(&vi, t, 17);
		CHECK(vmcoreinfo_pagesize(&vi, &u) && u == 4096);
		vmcoreinfo_init(&vi, t, 15);	/* "PAGESIZE=40" */
		CHECK(vmcoreinfo_pagesize(&vi, &u) && u == 40);
		vmcoreinfo_init(&vi, t, 13);	/* "PAGESIZE=" */
		CHECK(!vmcoreinfo_pagesize(&vi, &u));
		free(t);
	}
	/* Text ends at a NUL (the note is zero-padded) */
	{
		static const char t[] = "PAGESIZE=4096\n\0OSRELEASE=hidden\n";
		vmcoreinfo_init(&vi, t, sizeof(t));
		CHECK(vi.len == 14);
		CHECK(!vmcoreinfo_osrelease(&vi, buf, sizeof(buf)));
	}
	/* Odd lines are ignored, values must parse completely */
	{
		static const char t[] =
			"garbage line without equals\n"
			"\n"
			"=novalue\n"
			"SYMBOL(x\n"
			"SYMBOL(bad)=xyz\n"
			"SYMBOL(spaced)= ffff\n"
			"SYMBOL(zx)=0xffffffff81000000\n"
			"SYMBOL(huge)=1ffffffffffffffff\n"
			"SIZE(neg)=-1\n"
			"SIZE(hex)=0x40\n"
			"SIZE(huge)=99999999999999999999\n"
			"NUMBER(min)=-9223372036854775808\n"
			"NUMBER(toolow)=-9223372036854775809\n"
			"NUMBER(max)=18446744073709551615\n"
			"NUMBER(over)=18446744073709551616\n"
			"NUMBER(dash)=-\n"
			"NUMBER(crlf)=12\r\n"
			"OFFSET(a.b)=8junk\n"
			"PAGESIZE=4096\n"
			"PAGESIZE=8192\n"		/* first one wins */
			"CRASHTIME=abc\n"
			"BUILD-ID=xyz\n";
		vmcoreinfo_init(&vi, t, sizeof(t) - 1);
		CHECK(!vmcoreinfo_symbol(&vi, "bad", &u));
		CHECK(!vmcoreinfo_symbol(&vi, "spaced", &u));
		CHECK(vmcoreinfo_symbol(&vi, "zx", &u) && u == 0xffffffff81000000ull);
		CHECK(!vmcoreinfo_symbol(&vi, "huge", &u));
		CHECK(!vmcoreinfo_size(&vi, "neg", &u));
		CHECK(vmcoreinfo_size(&vi, "hex", &u) && u == 0x40);
		CHECK(!vmcoreinfo_size(&vi, "huge", &u));
		CHECK(vmcoreinfo_number(&vi, "min", &s) && s == INT64_MIN);
		CHECK(!vmcoreinfo_number(&vi, "toolow", &s));
		CHECK(vmcoreinfo_number(&vi, "max", &s) && s == -1);
		CHECK(!vmcoreinfo_number(&vi, "over", &s));
		CHECK(!vmcoreinfo_number(&vi, "dash", &s));
		CHECK(vmcoreinfo_number(&vi, "crlf", &s) && s == 12);
		CHECK(!vmcoreinfo_offset(&vi, "a.b", &u));
		CHECK(vmcoreinfo_pagesize(&vi, &u) && u == 4096);
		CHECK(!vmcoreinfo_crashtime(&vi, &s));
		CHECK(!vmcoreinfo_build_id(&vi, buf, sizeof(buf)));
	}
	/* Empty and NULL text, and an absurd length is capped */
	vmcoreinfo_init(&vi, NULL, 100);
	CHECK(vi.len == 0 && !vmcoreinfo_pagesize(&vi, &u));
	vmcoreinfo_init(&vi, "", 0);
	CHECK(!vmcoreinfo_osrelease(&vi, buf, sizeof(buf)));
	{
		size_t n = VMCOREINFO_MAX_LEN + 100;
		char *big = malloc(n);
		memset(big, 'x', n);
		memcpy(big + n - 20, "\nPAGESIZE=4096\n", 15);
		vmcoreinfo_init(&vi, big, n);
		CHECK(vi.len == VMCOREINFO_MAX_LEN);
		CHECK(!vmcoreinfo_pagesize(&vi, &u));	/* past the cap */
		memcpy(big + 100, "\nPAGESIZE=4096\n", 15);
		CHECK(vmcoreinfo_pagesize(&vi, &u) && u == 4096);
		free(big);
	}
	/* Random text never crashes (ASan watches the bounds) */
	srand(1);
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)(rand() % 200);
		char *t = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++) {
			const char pool[] = "SYMBOL()NUMER=\n-0x123456789abcdefPAGESIZE";
			t[k] = pool[rand() % (sizeof(pool) - 1)];
		}
		vmcoreinfo_init(&vi, t, n);
		vmcoreinfo_symbol(&vi, "", &u);
		vmcoreinfo_number(&vi, "", &s);
		vmcoreinfo_pagesize(&vi, &u);
		vmcoreinfo_osrelease(&vi, buf, sizeof(buf));
		free(t);
	}
	CHECK(1);
	return test_summary("test_vmcoreinfo");
}
