/*
 * The PE32+ header laid over the boot header, as Linux's EFI stub does it:
 *
 *   0x000  MZ, e_lfanew = 0x40
 *   0x040  "PE\0\0", file header (x86-64, one section)
 *   0x058  PE32+ optional header, 6 data directories (certificate table: 0xe8)
 *   0x0f8  section ".text": the payload, file offset = RVA = 0x400
 *   0x120  free up to the boot header at 0x1f1
 *
 * SizeOfHeaders is 0x400, so the Authenticode digest covers the whole boot
 * header and version string; the section runs on from there without a gap to
 * the end of the file, so every byte the kernel loads is hashed (the digest
 * counts SizeOfHeaders + SizeOfRawData as the offset where the rest starts).
 * The image is not an EFI application: AddressOfEntryPoint is 0 and the
 * firmware never starts it; the header exists to carry the signature.
 */
#include <err.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86_64/bootparam.h"
#include "tools/mkimage_pe.h"
#include "tools/pe64.h"

#define PE_OFFSET	0x40
#define PE_NDIRS	6	/* up to the base relocation table, as Linux has */
#define PE_NSECTIONS	1

void pe_header_write(uint8_t *setup, uint32_t headers_size, uint32_t payload_len,
		     uint32_t init_size)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_FILE_HEADER fh;
	PE32PLUS_OPTIONAL_HEADER oh;
	IMAGE_DATA_DIRECTORY dirs[PE_NDIRS];
	IMAGE_SECTION_HEADER sec;
	uint32_t sig = IMAGE_NT_SIGNATURE, at = PE_OFFSET;
	const size_t end = PE_OFFSET + 4 + sizeof(fh) + sizeof(oh) + sizeof(dirs) +
			   PE_NSECTIONS * sizeof(sec);

	if (end > HDR_SETUP_SECTS)
		errx(1, "PE headers (%zu bytes) run into the boot header at 0x%x", end,
		     HDR_SETUP_SECTS);
	if (payload_len % PE_FILE_ALIGN || headers_size % PE_FILE_ALIGN || init_size < payload_len)
		errx(1, "PE layout: payload %u or headers %u not in %u-byte blocks, or init_size "
		     "%u too small", payload_len, headers_size, PE_FILE_ALIGN, init_size);

	/* DOS header: only the signature and e_lfanew mean anything. */
	memcpy(&dos, setup, sizeof(dos));
	dos.e_magic = IMAGE_DOS_SIGNATURE;
	dos.e_lfanew = PE_OFFSET;
	memcpy(setup, &dos, sizeof(dos));

	memset(&fh, 0, sizeof(fh));
	fh.Machine = IMAGE_FILE_MACHINE_X64;
	fh.NumberOfSections = PE_NSECTIONS;
	/* sbsign finds the section table through this, the kernel by the
	 * directory count: keep them equal. */
	fh.SizeOfOptionalHeader = sizeof(oh) + sizeof(dirs);
	fh.Characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LINE_NUMS_STRIPPED |
			     IMAGE_FILE_DEBUG_STRIPPED;

	memset(&oh, 0, sizeof(oh));
	oh.Magic = PE32PLUS_MAGIC;
	oh.SizeOfCode = payload_len;
	oh.SizeOfUninitializedData = init_size - payload_len;
	oh.AddressOfEntryPoint = 0;
	oh.BaseOfCode = headers_size;
	oh.ImageBase = 0;
	oh.SectionAlignment = PE_FILE_ALIGN;
	oh.FileAlignment = PE_FILE_ALIGN;
	oh.SizeOfImage = (headers_size + init_size + PE_FILE_ALIGN - 1) & ~(PE_FILE_ALIGN - 1);
	oh.SizeOfHeaders = headers_size;
	oh.CheckSum = 0;		/* the signer rewrites it */
	oh.Subsystem = IMAGE_SUBSYSTEM_EFI_APPLICATION;
	oh.NumberOfRvaAndSizes = PE_NDIRS;
	memset(dirs, 0, sizeof(dirs));	/* no exports, imports, relocations; the
					 * signer fills the certificate table */

	memset(&sec, 0, sizeof(sec));
	memcpy(sec.Name, ".text", 5);
	sec.Misc.VirtualSize = init_size;
	sec.VirtualAddress = headers_size;
	sec.SizeOfRawData = payload_len;
	sec.PointerToRawData = headers_size;
	sec.Characteristics = IMAGE_SCN_CNT_CODE | IMAGE_SCN_CNT_UNINITIALIZED_DATA |
			      IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE;

	memcpy(setup + at, &sig, 4);
	at += 4;
	memcpy(setup + at, &fh, sizeof(fh));
	at += sizeof(fh);
	memcpy(setup + at, &oh, sizeof(oh));
	at += sizeof(oh);
	memcpy(setup + at, dirs, sizeof(dirs));
	at += sizeof(dirs);
	memcpy(setup + at, &sec, sizeof(sec));
}
