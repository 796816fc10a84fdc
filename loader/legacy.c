/*
 * The --legacy load path (see legacy.h). Like kexec-tools, but without the
 * backup region: our image never touches low memory, so [0, 1M) is dumped
 * from where it is.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "capture/fmt.h"
#include "loader/legacy.h"
#include "loader/reserve.h"
#include "loader/sysroot.h"

#define KERNEL_MAP_START	0xffffffff80000000ull	/* __START_KERNEL_map */
#define MAX_KCORE_PHDRS		4096

int kcore_layout(const void *buf, size_t len, struct elfcore_input *in,
		 char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t best_ram = 0;
	int have_text = 0;

	/* Copies, not casts: e_phoff need not leave the phdrs aligned. */
	if (len < sizeof(eh))
		return errf(err, errlen, "/proc/kcore: unexpected ELF header");
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
	    eh.e_phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr))
		return errf(err, errlen, "/proc/kcore: unexpected ELF header");
	for (int i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, (const char *)buf + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_paddr == (uint64_t)-1)
			continue;
		if (ph.p_vaddr >= KERNEL_MAP_START) {
			/* KCORE_TEXT: _text .. _end, at __pa_symbol(_text). */
			if (!have_text) {
				in->text_vaddr = ph.p_vaddr;
				in->text_paddr = ph.p_paddr;
				in->text_size = ph.p_memsz;
				have_text = 1;
			}
		} else if (ph.p_vaddr > ph.p_paddr && ph.p_memsz > best_ram) {
			/* KCORE_RAM: __va(paddr). The largest one is surely RAM. */
			in->page_offset = ph.p_vaddr - ph.p_paddr;
			best_ram = ph.p_memsz;
		}
	}
	if (!have_text)
		return errf(err, errlen, "/proc/kcore has no kernel text segment");
	if (!best_ram || in->page_offset & ((1ull << 30) - 1))
		return errf(err, errlen, "/proc/kcore: cannot learn page_offset_base "
				    "from its RAM segments");
	return 0;
}

static int read_kcore(struct elfcore_input *in, char *err, size_t errlen)
{
	char path[4096];
	Elf64_Ehdr eh;
	unsigned char *buf;
	size_t len;
	int fd, r;

	sysroot_path(path, sizeof(path), "/proc/kcore");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, errlen, "cannot open %s (%s): --legacy learns the "
				    "kernel's text and direct map addresses from it",
				    path, strerror(errno));
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_phnum > MAX_KCORE_PHDRS ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > 4096) {
		close(fd);
		return errf(err, errlen, "%s: unexpected ELF header", path);
	}
	len = eh.e_phoff + (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	buf = malloc(len);
	if (!buf || pread(fd, buf, len, 0) != (ssize_t)len) {
		free(buf);
		close(fd);
		return errf(err, errlen, "%s: cannot read its program headers", path);
	}
	close(fd);
	r = kcore_layout(buf, len, in, err, errlen);
	free(buf);
	return r;
}

/* "addr size" in hex: /sys/kernel/vmcoreinfo. */
static int read_vmcoreinfo(struct note_buf *nb, char *err, size_t errlen)
{
	char path[4096], buf[128];
	unsigned long long a, s;
	char extra;

	sysroot_path(path, sizeof(path), "/sys/kernel/vmcoreinfo");
	if (read_small_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llx %llx %c", &a, &s, &extra) != 2 || !a || !s)
		return errf(err, errlen, "cannot read the VMCOREINFO note address "
				    "from %s", path);
	nb->addr = a;
	nb->size = s;
	return 0;
}

/* One note buffer per possible CPU that has a sysfs directory. */
static int read_cpu_notes(struct crash_facts *f, char *err, size_t errlen)
{
	static int cpus[LEGACY_MAX_CPUS];
	char path[4096], buf[4096];
	int n;

	sysroot_path(path, sizeof(path), "/sys/devices/system/cpu/possible");
	if (read_small_file(path, buf, sizeof(buf)) < 0 ||
	    (n = cpu_list_count(buf, cpus, LEGACY_MAX_CPUS)) < 1)
		return errf(err, errlen, "cannot read the CPU list %s", path);
	if (n > LEGACY_MAX_CPUS)
		return errf(err, errlen, "%d possible CPUs: more than %d", n,
				    LEGACY_MAX_CPUS);
	f->in.ncpus = 0;
	for (int i = 0; i < n; i++) {
		struct note_buf *nb = &f->cpus[f->in.ncpus];

		sysroot_path(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/crash_notes",
			     cpus[i]);
		if (read_u64_file(path, 16, &nb->addr) < 0) {
			if (errno == ENOENT)	/* possible but never present */
				continue;
			return errf(err, errlen, "cannot read %s: %s", path,
					    strerror(errno));
		}
		sysroot_path(path, sizeof(path),
			     "/sys/devices/system/cpu/cpu%d/crash_notes_size", cpus[i]);
		if (read_u64_file(path, 10, &nb->size) < 0)
			nb->size = 368;	/* note_buf_t on x86_64, before the file existed */
		if (!nb->addr || !nb->size || nb->size > 65536)
			return errf(err, errlen, "cpu%d: bad crash_notes address or size",
					    cpus[i]);
		f->in.ncpus++;
	}
	if (!f->in.ncpus)
		return errf(err, errlen, "no CPU has a crash_notes file (kernel "
				    "without CONFIG_CRASH_DUMP?)");
	f->in.cpu_notes = f->cpus;
	return 0;
}

static int read_ram(struct crash_facts *f, char *err, size_t errlen)
{
	struct range ram[LEGACY_MAX_RANGES];
	char path[4096];
	char *iomem;
	int n, nc, out;

	sysroot_path(path, sizeof(path), "/proc/iomem");
	iomem = read_whole_file(path, NULL);
	if (!iomem)
		return errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	n = iomem_find(iomem, "System RAM", 0, ram, LEGACY_MAX_RANGES);
	nc = iomem_find(iomem, "Crash kernel", -1, f->crash, 8);
	free(iomem);
	if (n < 0 || nc < 0)
		return errf(err, errlen, "%s: malformed line", path);
	if (n > LEGACY_MAX_RANGES || nc > 8)
		return errf(err, errlen, "%s: too many ranges", path);
	if (n == 0 || ram[n - 1].end == 0)
		return errf(err, errlen, "%s shows no RAM addresses (not root?)", path);
	if (nc == 0)
		return errf(err, errlen, "%s has no Crash kernel range", path);
	f->ncrash = nc;
	out = range_subtract(ram, n, f->crash, nc, f->ram, LEGACY_MAX_RANGES);
	if (out < 0)
		return errf(err, errlen, "%s: too many RAM ranges", path);
	f->in.ram = f->ram;
	f->in.nram = out;
	return 0;
}

int crash_facts_read(struct crash_facts *f, char *err, size_t errlen)
{
	memset(&f->in, 0, sizeof(f->in));
	if (read_cpu_notes(f, err, errlen) < 0 || read_vmcoreinfo(&f->in.vmcoreinfo, err, errlen) < 0 ||
	    read_kcore(&f->in, err, errlen) < 0 || read_ram(f, err, errlen) < 0)
		return -1;
	return 0;
}

int legacy_plan(struct dimage *im, const struct range *crash, const struct elfcore_input *in,
		const char *words, struct legacy_plan *p, char *err, size_t errlen)
{
	uint64_t align = im->kernel_alignment > PAGE_SZ ? im->kernel_alignment : PAGE_SZ;
	size_t hdr_len;
	int k;

	memset(p, 0, sizeof(*p));
	p->payload_mem = (crash->start + align - 1) & ~(align - 1);
	p->payload_memsz = PAGE_UP((uint64_t)im->init_size);
	hdr_len = elfcorehdr_size(in);
	p->hdr_memsz = PAGE_UP(hdr_len);
	p->hdr_mem = p->payload_mem + p->payload_memsz;
	if (p->payload_mem < crash->start || p->hdr_mem + p->hdr_memsz < p->hdr_mem ||
	    p->hdr_mem + p->hdr_memsz - 1 > crash->end)
		return errf(err, errlen, "the image (%" PRIu64 " KiB) and the "
				    "elfcorehdr (%" PRIu64 " KiB) do not fit in the crash "
				    "reservation 0x%" PRIx64 "-0x%" PRIx64,
				    p->payload_memsz >> 10, p->hdr_memsz >> 10,
				    crash->start, crash->end);
	p->hdr = calloc(1, p->hdr_memsz);
	if (!p->hdr || elfcorehdr_build(in, p->hdr, p->hdr_memsz) != hdr_len) {
		legacy_plan_free(p);
		return errf(err, errlen, "cannot build the elfcorehdr");
	}
	k = snprintf(p->cmdline, sizeof(p->cmdline), "elfcorehdr=0x%" PRIx64 " %s",
		     p->hdr_mem, words);
	if (k < 0 || (size_t)k >= sizeof(p->cmdline) || image_set_cmdline(im, p->cmdline) < 0) {
		legacy_plan_free(p);
		return errf(err, errlen, "the command line is longer than the image's "
				    "%d-byte block", PAYLOAD_CMDLINE_SIZE);
	}
	p->segs[0].buf = im->data + im->payload_off;
	p->segs[0].bufsz = im->payload_len;
	p->segs[0].mem = (void *)(uintptr_t)p->payload_mem;
	p->segs[0].memsz = p->payload_memsz;
	p->segs[1].buf = p->hdr;
	p->segs[1].bufsz = p->hdr_memsz;
	p->segs[1].mem = (void *)(uintptr_t)p->hdr_mem;
	p->segs[1].memsz = p->hdr_memsz;
	p->nsegs = 2;
	p->entry = p->payload_mem + PAYLOAD_ENTRY64;
	return 0;
}

void legacy_plan_free(struct legacy_plan *p)
{
	free(p->hdr);
	p->hdr = NULL;
}
