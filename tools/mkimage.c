/*
 * mkimage: turns the linked capture image (build/dumpling.elf) into a file that
 * the kernel's kexec_file_load and kexec-tools both accept as a bzImage64.
 *
 *   [0, 1024)   MZ and a PE32+ header (tools/mkimage_pe.c), then the x86 setup
 *               header at 0x1f1 (protocol 2.12)
 *   [1024, ...) the payload: the ELF's PT_LOAD bytes, padded to 512 bytes, loaded
 *               at a 4 KiB aligned address of the kernel's choosing; 64-bit
 *               entry at payload+0x200
 *
 * init_size covers .bss too, so the kernel sets aside all the memory the image
 * will use inside the crash reservation. The PE header lets the file carry an
 * Authenticode signature (`make sign`), which sbsign appends at the end: the
 * kernel loads it with the payload, so init_size leaves room for it.
 */
#include <err.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "tools/mkimage_pe.h"

#define SETUP_SECTS 1
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define VERSION_STRING "dumpling capture image"

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint64_t symbol_value(Elf *e, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; d && i < n; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(d, (int)i, &sym))
				continue;
			s = elf_strptr(e, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name))
				return sym.st_value;
		}
	}
	errx(1, "symbol %s not found", name);
}

int main(int argc, char **argv)
{
	uint64_t file_end = 0, mem_end = 0, init_size, padded;
	uint8_t *payload, setup[SETUP_SIZE];
	size_t nphdr, i;
	Elf *e;
	FILE *out;
	int fd;

	if (argc != 3)
		errx(2, "usage: mkimage IN.elf OUT.img");
	if (elf_version(EV_CURRENT) == EV_NONE)
		errx(1, "libelf: %s", elf_errmsg(-1));
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		err(1, "%s", argv[1]);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64)
		errx(1, "%s: not an ELF64 file", argv[1]);
	if (elf_getphdrnum(e, &nphdr))
		errx(1, "%s: %s", argv[1], elf_errmsg(-1));

	/* The payload is the memory image of every PT_LOAD, linked at 0. */
	for (i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + ph.p_filesz > file_end)
			file_end = ph.p_vaddr + ph.p_filesz;
		if (ph.p_vaddr + ph.p_memsz > mem_end)
			mem_end = ph.p_vaddr + ph.p_memsz;
	}
	if (!file_end || mem_end > 0xffffffffu)
		errx(1, "%s: no loadable segments, or too big", argv[1]);
	payload = calloc(1, file_end);
	if (!payload)
		err(1, "calloc");
	for (i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (pread(fd, payload + ph.p_vaddr, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			err(1, "%s: short read", argv[1]);
	}
	if (symbol_value(e, "startup_64") != PAYLOAD_ENTRY64)
		errx(1, "startup_64 is not at payload offset 0x%x", PAYLOAD_ENTRY64);
	if (!memmem(payload, file_end, PAYLOAD_CMDLINE_MAGIC, 16))
		errx(1, "no embedded command-line block in the payload");
	/* PE sections and the file are in whole 512-byte blocks; a signature
	 * appended later must still lie inside init_size (it is signed, so it
	 * cannot grow afterwards), and lands in .bss, which entry.S clears. */
	padded = (file_end + PE_FILE_ALIGN - 1) & ~(uint64_t)(PE_FILE_ALIGN - 1);
	init_size = mem_end > padded + PE_SIG_RESERVE ? mem_end : padded + PE_SIG_RESERVE;
	init_size = (init_size + 4095) & ~4095ull;
	payload = realloc(payload, padded);
	if (!payload)
		err(1, "realloc");
	memset(payload + file_end, 0, padded - file_end);
	file_end = padded;

	memset(setup, 0, sizeof(setup));
	pe_header_write(setup, SETUP_SIZE, (uint32_t)file_end, (uint32_t)init_size);
	setup[HDR_SETUP_SECTS] = SETUP_SECTS;
	put32(setup + HDR_SYSSIZE, (uint32_t)((file_end + 15) / 16));
	put16(setup + HDR_VID_MODE, 0xffff);
	put16(setup + HDR_BOOT_FLAG, 0xaa55);
	setup[HDR_JUMP] = 0xeb;
	setup[HDR_JUMP + 1] = HDR_END - (HDR_JUMP + 2);	/* tells loaders where the header ends */
	memcpy(setup + HDR_MAGIC, "HdrS", 4);
	put16(setup + HDR_VERSION, BOOT_PROTOCOL);
	put16(setup + HDR_KERNEL_VERSION, 0x300 - 0x200);
	memcpy(setup + 0x300, VERSION_STRING, sizeof(VERSION_STRING));
	setup[HDR_LOADFLAGS] = LOADED_HIGH;
	put32(setup + HDR_CODE32_START, 0x100000);
	put32(setup + HDR_INITRD_ADDR_MAX, 0x7fffffff);
	/* 4 KiB alignment lets the image fit small reservations (a 2 MiB one
	 * fails to place in crashkernel=4M). */
	put32(setup + HDR_KERNEL_ALIGNMENT, 4096);
	setup[HDR_RELOCATABLE] = 1;
	setup[HDR_MIN_ALIGNMENT] = 12;
	put16(setup + HDR_XLOADFLAGS, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_5LEVEL);
	put32(setup + HDR_CMDLINE_SIZE, PAYLOAD_CMDLINE_SIZE - 1);
	put64(setup + HDR_PREF_ADDRESS, 0);
	put32(setup + HDR_INIT_SIZE, (uint32_t)init_size);

	out = fopen(argv[2], "wb");
	if (!out)
		err(1, "%s", argv[2]);
	if (fwrite(setup, 1, sizeof(setup), out) != sizeof(setup) ||
	    fwrite(payload, 1, file_end, out) != file_end || fclose(out))
		err(1, "%s: write failed", argv[2]);
	printf("%s: %llu bytes, init_size %llu KiB\n", argv[2],
	       (unsigned long long)(sizeof(setup) + file_end), (unsigned long long)init_size >> 10);
	elf_end(e);
	close(fd);
	return 0;
}
