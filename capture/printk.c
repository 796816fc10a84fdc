/* The lockless printk ring buffer (see printk.h and docs/dump-formats.md §4). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/printk.h"
#include "capture/vmcoreinfo.h"
#include "capture/fmt.h"

#define ID_MASK		(~(3ull << 62))
#define STATE(sv)	((sv) >> 62)
#define STATE_COMMITTED	1
#define STATE_FINALIZED	2
#define MAX_STRUCT	512	/* any ring structure we copy whole */
#define MAX_SIZE_BITS	31	/* log_buf_len= accepts up to 2 GiB */
#define PRB_AVGBITS	5	/* the kernel sizes count_bits = size_bits - 5 */
#define PANIC_PREFIX	"Kernel panic - not syncing: "

struct need {
	const char *name;
	int kind;		/* 'O' offset, 'S' size */
	uint64_t *out;
};

static int lookup(const struct vmcoreinfo *vi, const struct need *n, char *err, size_t errlen)
{
	for (; n->name; n++) {
		int ok = n->kind == 'O' ? vmcoreinfo_offset(vi, n->name, n->out)
					: vmcoreinfo_size(vi, n->name, n->out);
		if (!ok) {
			return errf(err, errlen, "VMCOREINFO has no %s(%s): not a lockless printk "
				    "ring (Linux >= 5.10)", n->kind == 'O' ? "OFFSET" : "SIZE", n->name);
		}
	}
	return 0;
}

static uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* A field of width w at off must lie inside a structure of size. */
static int fits(uint64_t off, uint64_t w, uint64_t size)
{
	return off <= size && w <= size - off;
}

int printk_open(struct printk_log *l, const struct elfcore *ec, struct memsrc *mem,
		char *err, size_t errlen)
{
	const struct vmcoreinfo *vi = &ec->vmci;
	uint64_t prb_sym, rb, rb_size, o_desc_ring, o_text_ring, o_count_bits, o_descs, o_infos;
	uint64_t o_head, o_tail, o_size_bits, o_data, o_counter, o_lpos, lp_begin, lp_next;
	uint64_t o_sv;
	uint8_t buf[MAX_STRUCT], probe[MAX_STRUCT];
	uint32_t count_bits;
	const struct need needs[] = {
		{ "printk_ringbuffer", 'S', &rb_size },
		{ "printk_ringbuffer.desc_ring", 'O', &o_desc_ring },
		{ "printk_ringbuffer.text_data_ring", 'O', &o_text_ring },
		{ "prb_desc_ring.count_bits", 'O', &o_count_bits },
		{ "prb_desc_ring.descs", 'O', &o_descs },
		{ "prb_desc_ring.infos", 'O', &o_infos },
		{ "prb_desc_ring.head_id", 'O', &o_head },
		{ "prb_desc_ring.tail_id", 'O', &o_tail },
		{ "prb_desc", 'S', &l->desc_size },
		{ "prb_desc.state_var", 'O', &o_sv },
		{ "prb_desc.text_blk_lpos", 'O', &o_lpos },
		{ "prb_data_blk_lpos.begin", 'O', &lp_begin },
		{ "prb_data_blk_lpos.next", 'O', &lp_next },
		{ "printk_info", 'S', &l->info_size },
		{ "printk_info.ts_nsec", 'O', &l->off_ts },
		{ "printk_info.text_len", 'O', &l->off_len },
		{ "prb_data_ring.size_bits", 'O', &o_size_bits },
		{ "prb_data_ring.data", 'O', &o_data },
		{ "atomic_long_t.counter", 'O', &o_counter },
		{ NULL, 0, NULL },
	};

	memset(l, 0, offsetof(struct printk_log, text));
	if (!ec->have_vmcoreinfo) {
		return errf(err, errlen, "no VMCOREINFO: the kernel log cannot be found");
	}
	if (!vmcoreinfo_symbol(vi, "prb", &prb_sym)) {
		return errf(err, errlen, "VMCOREINFO has no SYMBOL(prb): not a lockless printk "
			    "ring (Linux >= 5.10)");
	}
	if (lookup(vi, needs, err, errlen))
		return -1;
	l->off_state = o_sv + o_counter;
	l->off_begin = o_lpos + lp_begin;
	l->off_next = o_lpos + lp_next;

	/* Every offset we use must be inside its structure. */
	if (rb_size > MAX_STRUCT || l->desc_size > MAX_STRUCT || l->info_size > MAX_STRUCT ||
	    !fits(o_desc_ring + o_count_bits, 4, rb_size) ||
	    !fits(o_desc_ring + o_descs, 8, rb_size) || !fits(o_desc_ring + o_infos, 8, rb_size) ||
	    !fits(o_desc_ring + o_head + o_counter, 8, rb_size) ||
	    !fits(o_desc_ring + o_tail + o_counter, 8, rb_size) ||
	    !fits(o_text_ring + o_size_bits, 4, rb_size) || !fits(o_text_ring + o_data, 8, rb_size) ||
	    !fits(l->off_state, 8, l->desc_size) || !fits(l->off_begin, 8, l->desc_size) ||
	    !fits(l->off_next, 8, l->desc_size) || !fits(l->off_ts, 8, l->info_size) ||
	    !fits(l->off_len, 2, l->info_size)) {
		return errf(err, errlen, "VMCOREINFO's printk ring layout is inconsistent");
	}

	kvmap_init(&l->km, ec, mem);
	if (kvmap_read(&l->km, prb_sym, &rb, 8)) {
		return errf(err, errlen, "cannot read the prb pointer at 0x%llx",
			    (unsigned long long)prb_sym);
	}
	if (kvmap_read(&l->km, rb, buf, rb_size)) {
		return errf(err, errlen, "cannot read the printk ring buffer at 0x%llx",
			    (unsigned long long)rb);
	}
	count_bits = get_u32(buf + o_desc_ring + o_count_bits);
	l->size_bits = get_u32(buf + o_text_ring + o_size_bits);
	/* count_bits bounds every walk: no more than the kernel would make. */
	if (l->size_bits > MAX_SIZE_BITS || l->size_bits < PRB_AVGBITS ||
	    count_bits > l->size_bits - PRB_AVGBITS) {
		return errf(err, errlen, "the printk ring's sizes make no sense (count_bits %u, "
			    "size_bits %u)", count_bits, l->size_bits);
	}
	l->count = 1ull << count_bits;
	l->size = 1ull << l->size_bits;
	l->descs = get_u64(buf + o_desc_ring + o_descs);
	l->infos = get_u64(buf + o_desc_ring + o_infos);
	l->data = get_u64(buf + o_text_ring + o_data);
	/* Both arrays must be in the dump, to their last entry. */
	if (kvmap_read(&l->km, l->descs + (l->count - 1) * l->desc_size, probe, l->desc_size) ||
	    kvmap_read(&l->km, l->infos + (l->count - 1) * l->info_size, probe, l->info_size)) {
		return errf(err, errlen, "the printk ring's %llu descriptors at 0x%llx are not all "
			    "in the dump", (unsigned long long)l->count, (unsigned long long)l->descs);
	}
	l->head_id = get_u64(buf + o_desc_ring + o_head + o_counter) & ID_MASK;
	l->tail_id = get_u64(buf + o_desc_ring + o_tail + o_counter) & ID_MASK;
	/* A tail further back than the ring holds: only the last count ids can be there. */
	if (((l->head_id - l->tail_id) & ID_MASK) >= l->count)
		l->tail_id = (l->head_id - (l->count - 1)) & ID_MASK;
	return 0;
}

/* ---- one record ----------------------------------------------------------- */

static void rec_put(struct printk_log *l, size_t *n, char c)
{
	if (*n < sizeof(l->rec) - 1)
		l->rec[(*n)++] = c;
}

static int is_print(unsigned char c) { return c >= 0x20 && c < 0x7f; }
static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/*
 * Formats record id into l->rec. Returns its length, or 0 if the record is
 * not there (not committed, overwritten, no text, or failing a check).
 */
static size_t format_record(struct printk_log *l, uint64_t id)
{
	uint8_t desc[MAX_STRUCT], info[MAX_STRUCT];
	uint64_t i = id & (l->count - 1), sv, begin, next, off, blen, ts, len;
	size_t n = 0, indent;

	if (kvmap_read(&l->km, l->descs + i * l->desc_size, desc, l->desc_size))
		goto bad;
	sv = get_u64(desc + l->off_state);
	if ((sv & ID_MASK) != id)
		return 0;	/* overwritten by a newer record */
	if (STATE(sv) != STATE_COMMITTED && STATE(sv) != STATE_FINALIZED)
		return 0;	/* reserved by a writer that never finished, or free */
	begin = get_u64(desc + l->off_begin);
	next = get_u64(desc + l->off_next);
	if (begin & 1)
		return 0;	/* EMPTY_LINE_LPOS or FAILED_LPOS: no text */

	/*
	 * (next - 1), not next: a block may end exactly at the end of the ring.
	 * Distances, not comparisons: positions start just below 2^64, so the
	 * first lap's last block ends at 0.
	 */
	if (begin >> l->size_bits == (next - 1) >> l->size_bits && next - begin - 1 < l->size) {
		off = begin & (l->size - 1);
		blen = next - begin;
	} else if ((begin + l->size) >> l->size_bits == (next - 1) >> l->size_bits) {
		off = 0;	/* wrapped: the block starts at the beginning */
		blen = next & (l->size - 1);
	} else {
		goto bad;
	}
	if (blen < 8 || blen > l->size)
		goto bad;

	if (kvmap_read(&l->km, l->infos + i * l->info_size, info, l->info_size))
		goto bad;
	len = get_u16(info + l->off_len);
	if (len > blen - 8)
		len = blen - 8;
	if (len > sizeof(l->text))
		len = sizeof(l->text);
	if (len == 0)
		return 0;
	if (kvmap_read(&l->km, l->data + off + 8, l->text, (size_t)len))
		goto bad;

	ts = get_u64(info + l->off_ts);
	n = (size_t)snprintf(l->rec, sizeof(l->rec), "[%5llu.%06llu] ",
			     (unsigned long long)(ts / 1000000000),
			     (unsigned long long)(ts % 1000000000 / 1000));
	indent = n;
	for (uint64_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)l->text[k];
		if (c == '\n') {
			rec_put(l, &n, '\n');
			for (size_t s = 0; s < indent; s++)
				rec_put(l, &n, ' ');
		} else if (is_print(c) || is_space(c)) {
			rec_put(l, &n, (char)c);
		} else {
			static const char hex[] = "0123456789abcdef";
			rec_put(l, &n, '\\');
			rec_put(l, &n, 'x');
			rec_put(l, &n, hex[c >> 4]);
			rec_put(l, &n, hex[c & 15]);
		}
	}
	l->rec[n++] = '\n';	/* rec_put() always leaves room for it */
	return n;
bad:
	l->skipped++;
	return 0;
}

/* ---- walks ---------------------------------------------------------------- */

int64_t printk_walk(struct printk_log *l, uint64_t skip, printk_emit_fn emit, void *ctx)
{
	uint64_t id = l->tail_id, seen = 0;

	l->skipped = 0;
	for (;;) {
		size_t n = format_record(l, id);
		if (n && seen++ >= skip && emit && emit(ctx, l->rec, n))
			return -1;
		if (id == l->head_id)
			break;
		id = (id + 1) & ID_MASK;
	}
	return (int64_t)seen;
}

int64_t printk_tail(struct printk_log *l, uint64_t n, printk_emit_fn emit, void *ctx)
{
	int64_t total = printk_walk(l, 0, NULL, NULL);
	uint64_t skip = (uint64_t)total > n ? (uint64_t)total - n : 0;

	if (printk_walk(l, skip, emit, ctx) < 0)
		return -1;
	return total - (int64_t)skip;
}

struct text_ctx {
	char *buf;
	size_t cap, len;
	uint64_t total, dropped;	/* bytes of all records; of those left out */
};

static int count_bytes(void *ctx, const char *rec, size_t len)
{
	((struct text_ctx *)ctx)->total += len;
	return 0;
}

/* Drops the oldest records until the rest fits, then copies. */
static int copy_text(void *ctx, const char *rec, size_t len)
{
	struct text_ctx *t = ctx;

	if (t->total - t->dropped > t->cap) {
		t->dropped += len;
		return 0;
	}
	if (len > t->cap - t->len)
		return 1;	/* cannot happen: the same walk twice */
	memcpy(t->buf + t->len, rec, len);
	t->len += len;
	return 0;
}

size_t printk_text(struct printk_log *l, char *buf, size_t cap)
{
	struct text_ctx t = { .buf = buf, .cap = cap };

	printk_walk(l, 0, count_bytes, &t);
	printk_walk(l, 0, copy_text, &t);
	return t.len;
}

struct panic_ctx {
	char *buf;
	size_t n;
	int found;
};

static int find_panic(void *ctx, const char *rec, size_t len)
{
	struct panic_ctx *p = ctx;
	size_t plen = sizeof(PANIC_PREFIX) - 1, i, k;

	for (i = 0; i + plen <= len; i++) {
		if (memcmp(rec + i, PANIC_PREFIX, plen))
			continue;
		i += plen;
		for (k = 0; i + k < len && rec[i + k] != '\n' && k + 1 < p->n; k++)
			p->buf[k] = rec[i + k];
		p->buf[k] = '\0';
		p->found = 1;
		break;
	}
	return 0;
}

int printk_panic_reason(struct printk_log *l, char *buf, size_t n)
{
	struct panic_ctx p = { .buf = buf, .n = n };

	if (!n)
		return 0;
	buf[0] = '\0';
	printk_walk(l, 0, find_panic, &p);
	return p.found;
}

static int log_record(void *ctx, const char *rec, size_t len)
{
	port_log("%.*s", (int)len, rec);
	return 0;
}

int printk_show(struct printk_log *l, const struct elfcore *ec, struct memsrc *mem)
{
	char err[160], why[PRINTK_PANIC_MAX];

	if (printk_open(l, ec, mem, err, sizeof(err))) {
		port_log("dumpling: no kernel log: %s\n", err);
		return -1;
	}
	port_log("---- the crashed kernel's log, last %u records ----\n", PRINTK_TAIL_LINES);
	printk_tail(l, PRINTK_TAIL_LINES, log_record, NULL);
	port_log("---- end of the kernel log ----\n");
	if (printk_panic_reason(l, why, sizeof(why)))
		port_log("panic: %s\n", why);
	else
		port_log("panic: reason not found in the kernel log\n");
	if (l->skipped)
		port_log("dumpling: %llu kernel log records failed checks and were skipped\n",
			 (unsigned long long)l->skipped);
	return 0;
}
