/* The image's console (console.h). Every line starts with the time since
 * entry, as the kernel's printk does, so a slow step shows. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/bootparam.h"
#include "arch/x86_64/console.h"
#include "arch/x86_64/firmware_map.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "capture/font.h"
#include "capture/ports.h"
#include "capture/progress.h"
#include "capture/runlog.h"
#include "capture/screen.h"

#define EARLY_SIZE (16u << 10)
#define RUNLOG_SIZE (64u << 10)	/* dumpling.log: a run prints 5-20 KiB */

static char runlog_buf[RUNLOG_SIZE];
static struct runlog runlog;

static char early[EARLY_SIZE];
static size_t early_len;
static int early_lost, started, at_line_start = 1;
static struct console_spec plan;
static int planned;

static struct uart uarts[CONSOLE_MAX_UARTS];
static int nr_uarts;
static struct screen screen;
static int have_screen;

static void uart_write(struct uart *u, const char *s)
{
	for (; *s && u->alive; s++) {
		if (*s == '\n')
			uart_putc(u, '\r');
		uart_putc(u, *s);
	}
}

static void emit(const char *s)
{
	char desc[64], msg[128];
	int dropped = -1;

	if (!started) {
		size_t n = strlen(s);

		if (early_len + n >= EARLY_SIZE) {
			early_lost = 1;
			return;
		}
		memcpy(early + early_len, s, n + 1);
		early_len += n;
		return;
	}
	for (int i = 0; i < nr_uarts; i++) {
		if (!uarts[i].alive)
			continue;
		uart_write(&uarts[i], s);
		if (!uarts[i].alive)
			dropped = i;
	}
	if (have_screen)
		screen_write(&screen, s);
	if (dropped >= 0) {
		/* Said on the others; the dead one is skipped from now on. */
		uart_spec_describe(&uarts[dropped].spec, desc, sizeof(desc));
		snprintf(msg, sizeof(msg), "console: UART %s stopped taking characters; "
			 "dropped\n", desc);
		at_line_start = 1;
		port_log("%s", msg);
	}
}

static void keep_and_emit(const char *s, size_t n)
{
	if (!runlog.buf)
		runlog_init(&runlog, runlog_buf, sizeof(runlog_buf));
	runlog_append(&runlog, s, n);
	emit(s);
}

/* Adds the time stamp at each line start; emits in pieces, each kept for
 * dumpling.log too. */
static void console_write(const char *s)
{
	char out[640];
	size_t k = 0;

	for (; *s; s++) {
		if (at_line_start) {
			uint64_t ns = port_now_ns();

			if (k + 32 > sizeof(out)) {
				out[k] = 0;
				keep_and_emit(out, k);
				k = 0;
			}
			k += (size_t)snprintf(out + k, sizeof(out) - k, "[%5llu.%06llu] ",
					      (unsigned long long)(ns / 1000000000),
					      (unsigned long long)(ns % 1000000000 / 1000));
			at_line_start = 0;
		}
		if (*s == '\n')
			at_line_start = 1;
		out[k++] = *s;
		if (k + 1 >= sizeof(out)) {
			out[k] = 0;
			keep_and_emit(out, k);
			k = 0;
		}
	}
	out[k] = 0;
	if (k)
		keep_and_emit(out, k);
}

void port_vlog(const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(fmt, ap);
	va_end(ap);
}

size_t console_log_copy(char *dst, size_t max)
{
	return runlog_copy(&runlog, dst, max);
}

size_t console_log_size(void)
{
	return runlog_size(&runlog);
}

void port_progress(const struct progress *p)
{
	char bar[SCREEN_MAX_COLS + 1];

	if (!have_screen)
		return;
	progress_bar(p, bar, sizeof(bar), screen.cols);
	screen_status(&screen, bar);
}

/* ---- starting ------------------------------------------------------------- */

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Is any of [pa, pa+len) RAM: ours (the image), the crash kernel's (e820),
 * or the crashed kernel's (the elfcorehdr's PT_LOADs)? Such an "MMIO"
 * address from the command line or screen_info must never be written.
 */
static const char *ram_owner(uint64_t pa, uint64_t len, const uint8_t *bp,
			     const struct elfcore *ec, uint64_t img_start, uint64_t img_end)
{
	if (overlaps(pa, len, img_start, img_end - img_start))
		return "the capture image";
	if (bp) {
		for (unsigned i = 0; i < e820_count(bp); i++) {
			uint64_t addr, size;
			uint32_t type;

			e820_entry(bp, i, &addr, &size, &type);
			if (type == E820_RAM && overlaps(pa, len, addr, size))
				return "RAM of the crash reservation (e820)";
		}
	}
	for (unsigned i = 0; ec && i < ec->nr_loads; i++)
		if (overlaps(pa, len, ec->loads[i].paddr, ec->loads[i].memsz))
			return "the crashed kernel's RAM (elfcorehdr)";
	return NULL;
}

static void open_uarts(const struct console_spec *spec, const uint8_t *bp,
		       const struct elfcore *ec, uint64_t img_start, uint64_t img_end)
{
	char why[96], desc[64];

	nr_uarts = 0;
	for (int i = 0; i < spec->nr_uarts; i++) {
		const struct uart_spec *u = &spec->uart[i];
		const char *owner = u->type == UART_IO ? NULL :
				    ram_owner(u->addr, 32, bp, ec, img_start, img_end);

		uart_spec_describe(u, desc, sizeof(desc));
		if (owner) {
			port_log("console: UART %s not used: that address is %s\n", desc, owner);
			continue;
		}
		if (uart_open(&uarts[nr_uarts], u, why, sizeof(why))) {
			port_log("console: UART %s not used: %s\n", desc, why);
			continue;
		}
		nr_uarts++;
	}
}

static void open_screen(const uint8_t *bp, const struct elfcore *ec, uint64_t img_start,
			uint64_t img_end)
{
	struct screen_mode m;
	const char *owner;
	char why[128];
	void *mem;

	if (!bp) {
		port_log("console: no screen: entered without boot_params (no screen_info)\n");
		return;
	}
	if (screen_mode_from_info(bp, &m, why, sizeof(why))) {
		port_log("console: no screen: %s\n", why);
		return;
	}
	owner = ram_owner(m.base, m.len, bp, ec, img_start, img_end);
	if (owner) {
		port_log("console: no screen: its memory 0x%llx+0x%llx is %s\n",
			 (unsigned long long)m.base, (unsigned long long)m.len, owner);
		return;
	}
	mem = fb_map(m.base, m.len);
	if (!mem || screen_init(&screen, &m, mem, &console_font)) {
		port_log("console: no screen: %s\n", mem ? "too small for a console" :
			 "out of page tables to map it");
		return;
	}
	have_screen = 1;
}

void console_plan(const struct console_spec *spec)
{
	plan = *spec;
	planned = 1;
}

void console_start(const struct console_spec *spec, const uint8_t *bp, const struct elfcore *ec,
		   uint64_t image_start, uint64_t image_end)
{
	char desc[64];

	if (started)
		return;
	open_uarts(spec, bp, ec, image_start, image_end);
	if (spec->screen)
		open_screen(bp, ec, image_start, image_end);
	for (int i = 0; i < nr_uarts; i++) {
		uart_spec_describe(&uarts[i].spec, desc, sizeof(desc));
		port_log("console: UART %s\n", desc);
	}
	if (have_screen)
		port_log("console: screen: %s %ux%u at 0x%llx, %ux%u characters\n",
			 screen.m.kind == SCREEN_TEXT ? "VGA text" : "framebuffer", screen.m.width,
			 screen.m.height, (unsigned long long)screen.m.base, screen.cols,
			 screen.rows);
	if (!spec->nr_uarts && !spec->screen)
		port_log("console: none (dumpling_console none)\n");
	started = 1;
	if (early_lost)
		emit("(console: early lines lost: the start-up buffer was full)\n");
	emit(early);
}

void console_fallback(void)
{
	struct console_spec def;

	if (started)
		return;
	if (!planned) {
		console_spec_default(&def);
		plan = def;
	}
	/* Without the elfcorehdr an MMIO address cannot be checked: ports only. */
	nr_uarts = 0;
	for (int i = 0; i < plan.nr_uarts; i++)
		if (plan.uart[i].type == UART_IO && nr_uarts < CONSOLE_MAX_UARTS) {
			char why[96];

			if (uart_open(&uarts[nr_uarts], &plan.uart[i], why, sizeof(why)) == 0)
				nr_uarts++;
		}
	started = 1;
	emit(early);
}
