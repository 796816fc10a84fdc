/* The capture, start to end (see dump.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/compress.h"
#include "capture/dump.h"
#include "capture/dumpdir.h"
#include "capture/elfcore.h"
#include "capture/elfout.h"
#include "capture/filter.h"
#include "capture/kdump.h"
#include "capture/vmcoreinfo.h"

/* Unix time to "YYYY-MM-DD hh:mm:ss UTC". */
static void format_time(int64_t t, char *buf, size_t n)
{
	struct civil_time c;

	civil_from_unix(t, &c);
	snprintf(buf, n, "%04lld-%02d-%02d %02d:%02d:%02d UTC", (long long)c.year, c.month,
		 c.day, c.hour, c.min, c.sec);
}

static void describe(struct elfcore *ec)
{
	char rel[KDUMP_UTS_LEN] = "unknown", when[96] = "unknown time";
	int64_t t;

	if (!ec->have_vmcoreinfo)
		port_log("dumpling: no VMCOREINFO note: crash and drgn will need the vmlinux\n");
	vmcoreinfo_osrelease(&ec->vmci, rel, sizeof(rel));
	if (vmcoreinfo_crashtime(&ec->vmci, &t))
		format_time(t, when, sizeof(when));
	port_log("dumpling: Linux %s crashed at %s; %d cpus saved registers; %llu MiB RAM "
		 "in %u ranges\n", rel, when, ec->nr_cpus,
		 (unsigned long long)(elfcore_ram_bytes(ec) >> 20), ec->nr_loads);
}

int capture_prepare(struct capture *cap, const struct capture_config *cfg, struct memsrc *mem,
		    uint64_t hdr_off, struct arena *a)
{
	char err[256];

	memset(cap, 0, sizeof(*cap));
	cap->cfg = cfg;
	cap->a = a;
	cap->t0 = port_now_ns();
	if (elfcore_read(&cap->ec, mem, hdr_off, cfg->elfcorehdr_size, a, err, sizeof(err))) {
		port_log("dumpling: %s\n", err);
		return DUMP_ERR_INVAL;
	}
	cap->have_crash_time = vmcoreinfo_crashtime(&cap->ec.vmci, &cap->crash_time);
	describe(&cap->ec);
	return 0;
}

size_t capture_worker_bytes(const struct capture_config *cfg)
{
	size_t b = kdump_worker_bytes() + sizeof(struct kdump_compressor);

	if (cfg->compress == COMPRESS_ZSTD && cfg->format == FORMAT_KDUMP)
		b += compress_zstd_workspace(cfg->zstd_level);
	return b;
}

/*
 * One compressor per worker, for as many workers as the arena can serve once
 * the writer has its own buffers. Returns how many (0: none, write raw).
 */
static unsigned make_compressors(struct capture *cap, struct kdump_compressor **out)
{
	const struct capture_config *cfg = cap->cfg;
	struct arena *a = cap->a;
	unsigned want = cap->workers && cap->workers->n > 1 ? cap->workers->n : 1, n = 0;
	size_t per = capture_worker_bytes(cfg), room = a->size - a->used;
	size_t base = kdump_base_bytes() + 64 * want;
	struct kdump_compressor *c;

	/* A worker gets a compressor only if its batch still fits after it. */
	if (room > base && (room - base) / per < want) {
		unsigned fit = (unsigned)((room - base) / per);
		port_log("dumpling: compressing on %u of %u CPUs: %zu KiB of arena left, %zu KiB "
			 "each\n", fit ? fit : 1, want, room >> 10, per >> 10);
		want = fit ? fit : 1;
	}
	c = arena_alloc(a, want * sizeof(*c), 8);
	while (c && n < want && compress_zstd_init(&c[n], a, cfg->zstd_level) == 0)
		n++;
	*out = c;
	return n;
}

int capture_write(struct capture *cap, struct sink *out, struct dump_result *res)
{
	const struct capture_config *cfg = cap->cfg;
	struct kdump_compressor *zstd = NULL;
	struct kdump_opts opts;
	struct kdump_stats st;
	struct page_filter filt;
	struct kdump_filter filt_hook;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&opts, 0, sizeof(opts));
	opts.dump_level = cfg->dump_level;
	opts.workers = cap->workers;
	/* makedumpfile -d 2..16, and hwpoison/offline pages at every level */
	if (filter_init(&filt, &cap->ec, cfg->dump_level, cap->a) > 0) {
		filter_hook(&filt, &filt_hook);
		opts.filter = &filt_hook;
	}
	if (cfg->format == FORMAT_ELF && cfg->compress != COMPRESS_NONE)
		port_log("dumpling: ELF output (-E) is not compressed\n");
	else if (cfg->compress == COMPRESS_ZSTD) {
		/* The contexts stay in the arena until the capture ends. */
		opts.nworkers = make_compressors(cap, &zstd);
		if (opts.nworkers)
			opts.comp = zstd;
		else
			port_log("dumpling: writing pages uncompressed\n");
	}

	if (cfg->format == FORMAT_ELF)
		r = elf_write(&cap->ec, &opts, out, cap->a, &st);
	else
		r = kdump_write(&cap->ec, &opts, out, cap->a, &st);
	if (opts.filter)
		filter_report(&filt);
	if (r == 0) {
		r = out->finish(out);
		if (r)
			port_log("dumpling: finishing %s failed (%d)\n",
				 out->name ? out->name : "the sink", r);
	}
	res->pages_ram = st.ram_pages;
	res->pages_kept = st.kept;
	res->pages_zero = st.zero;
	res->pages_excluded = st.excluded;
	res->pages_unreadable = st.unreadable;
	res->pages_lost = st.lost;
	res->bytes = st.bytes;
	res->incomplete = st.incomplete;
	res->ns = port_now_ns() - cap->t0;
	if (r)
		return r;

	/* The one line a user looks for: what was kept, how big, how long, what next. */
	port_log("dumped %llu pages (%llu kept, %llu zero, %llu excluded), %llu bytes "
		 "written in %llu.%llu seconds; next: %s\n", (unsigned long long)st.ram_pages,
		 (unsigned long long)st.kept, (unsigned long long)st.zero,
		 (unsigned long long)st.excluded, (unsigned long long)st.bytes,
		 (unsigned long long)(res->ns / 1000000000),
		 (unsigned long long)(res->ns / 100000000 % 10),
		 action_name(st.incomplete ? cfg->failure_action : cfg->final_action));
	if (st.incomplete)
		port_log("dumpling: the dump is INCOMPLETE: %llu pages unreadable, %llu did not "
			 "fit on %s\n", (unsigned long long)st.unreadable,
			 (unsigned long long)st.lost, out->name ? out->name : "the sink");
	return 0;
}

int capture_dump(const struct capture_config *cfg, struct memsrc *mem, uint64_t hdr_off,
		 struct sink *out, struct arena *a, struct dump_result *res)
{
	struct capture cap;
	int r;

	memset(res, 0, sizeof(*res));
	r = capture_prepare(&cap, cfg, mem, hdr_off, a);
	if (r)
		return r;
	return capture_write(&cap, out, res);
}
