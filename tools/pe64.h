/*
 * The PE/COFF header that makes build/dumpling.img a PE32+ file as well as a
 * bzImage, so it can carry an Authenticode signature that kexec_file_load
 * verifies under Secure Boot (docs/secure-boot.md).
 *
 * gnu-efi's <pe.h> gives the DOS, file and section headers, the data
 * directory and the constants. Its IMAGE_OPTIONAL_HEADER is the 32-bit PE32
 * layout (BaseOfData, 32-bit ImageBase and stack sizes) even in x86_64/pe.h,
 * so the PE32+ optional header is defined here.
 */
#ifndef TOOLS_PE64_H
#define TOOLS_PE64_H

#include <stddef.h>
#include <stdint.h>
#include <efi.h>
#include <pe.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "PE headers are little-endian");
_Static_assert(sizeof(IMAGE_DOS_HEADER) == 64, "gnu-efi IMAGE_DOS_HEADER");
_Static_assert(sizeof(IMAGE_FILE_HEADER) == IMAGE_SIZEOF_FILE_HEADER, "gnu-efi IMAGE_FILE_HEADER");
_Static_assert(sizeof(IMAGE_SECTION_HEADER) == IMAGE_SIZEOF_SECTION_HEADER,
	       "gnu-efi IMAGE_SECTION_HEADER");
_Static_assert(sizeof(IMAGE_DATA_DIRECTORY) == 8, "gnu-efi IMAGE_DATA_DIRECTORY");

#define PE32PLUS_MAGIC	0x20b

/* PE32+ optional header, fixed part (Microsoft PE format, "Optional Header"). */
typedef struct {
	UINT16 Magic;
	UINT8  MajorLinkerVersion;
	UINT8  MinorLinkerVersion;
	UINT32 SizeOfCode;
	UINT32 SizeOfInitializedData;
	UINT32 SizeOfUninitializedData;
	UINT32 AddressOfEntryPoint;
	UINT32 BaseOfCode;
	UINT64 ImageBase;
	UINT32 SectionAlignment;
	UINT32 FileAlignment;
	UINT16 MajorOperatingSystemVersion;
	UINT16 MinorOperatingSystemVersion;
	UINT16 MajorImageVersion;
	UINT16 MinorImageVersion;
	UINT16 MajorSubsystemVersion;
	UINT16 MinorSubsystemVersion;
	UINT32 Win32VersionValue;
	UINT32 SizeOfImage;
	UINT32 SizeOfHeaders;
	UINT32 CheckSum;
	UINT16 Subsystem;
	UINT16 DllCharacteristics;
	UINT64 SizeOfStackReserve;
	UINT64 SizeOfStackCommit;
	UINT64 SizeOfHeapReserve;
	UINT64 SizeOfHeapCommit;
	UINT32 LoaderFlags;
	UINT32 NumberOfRvaAndSizes;
} __attribute__((packed)) PE32PLUS_OPTIONAL_HEADER;

_Static_assert(sizeof(PE32PLUS_OPTIONAL_HEADER) == 112, "PE32+ optional header is 112 bytes");
/* The two offsets the kernel's pefile parser and the Authenticode digest use. */
_Static_assert(offsetof(PE32PLUS_OPTIONAL_HEADER, SizeOfHeaders) == 60, "SizeOfHeaders at +60");
_Static_assert(offsetof(PE32PLUS_OPTIONAL_HEADER, CheckSum) == 64, "CheckSum at +64");

#endif
