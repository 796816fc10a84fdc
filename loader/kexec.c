/* kexec_file_load (320) and kexec_load (246) on x86_64 (see kexec.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader/kexec.h"
#include "loader/secureboot.h"

#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load 320
#endif
#ifndef SYS_kexec_load
#define SYS_kexec_load 246
#endif

int kexec_file_crash_load(int image_fd, const char *cmdline)
{
	/* cmdline_len counts the NUL; no initrd, so initrd_fd is ignored. */
	long r = syscall(SYS_kexec_file_load, image_fd, -1, strlen(cmdline) + 1, cmdline,
			 KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS);

	return r < 0 ? -errno : 0;
}

int kexec_legacy_crash_load(unsigned long entry, struct kexec_segment *segs, int nsegs)
{
	long r = syscall(SYS_kexec_load, entry, (unsigned long)nsegs, segs,
			 KEXEC_ON_CRASH | KEXEC_ARCH_X86_64);

	return r < 0 ? -errno : 0;
}

int kexec_crash_unload(void)
{
	long r = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
			 KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH);
	int first;

	if (r == 0)
		return 0;
	/* Older kernels, or no CONFIG_KEXEC_FILE: unload by loading nothing. */
	first = errno;
	r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, KEXEC_ON_CRASH | KEXEC_ARCH_X86_64);
	return r == 0 ? 0 : -first;
}

const char *kexec_explain(int err, int legacy)
{
	static char other[128];

	switch (err) {
	case EPERM:
		return legacy ?
			"not permitted: kexec_load needs CAP_SYS_BOOT, is refused when "
			"kernel.kexec_load_disabled=1 and under lockdown (Secure Boot); "
			"try without --legacy" :
			"not permitted: needs CAP_SYS_BOOT and kernel.kexec_load_disabled=0; "
			"under lockdown (Secure Boot) the image must carry a valid signature";
	case EKEYREJECTED: case EBADMSG: case ENODATA: case ENOKEY: case ENOPKG:
	case ELIBBAD: case EMSGSIZE: case KERNEL_ENOTSUPP:
		/* dumpling load says which of these it was (secureboot.c). */
		return "this kernel enforces kexec signatures (Secure Boot or "
		       "KEXEC_SIG_FORCE) and refused the image's signature, or its lack of "
		       "one: sign the image with an enrolled key (see `dumpling status`)";
	case EACCES:
		return legacy ?
			"kexec_load is refused under Secure Boot (IMA cannot appraise an "
			"image without a file): run dumpling load without --legacy, with a "
			"signed image" :
			"permission denied by a security module (IMA or an LSM policy)";
	case ENOEXEC:
		return "the kernel rejected the image format: it wants a 64-bit bzImage "
		       "(boot protocol >= 2.12, loadable above 4 GiB) and, if this "
		       "kernel uses 5-level paging, XLF_5LEVEL";
	case EINVAL:
		return legacy ?
			"the kernel rejected the segments (entry or a segment outside the "
			"crash reservation, unaligned, or overlapping)" :
			"the kernel rejected the load (command line too long for the image's "
			"cmdline_size, or init_size smaller than the payload)";
	case EADDRNOTAVAIL: case ENOMEM:
		return "the image and the kernel's own segments do not fit in the crash "
		       "reservation: raise crashkernel=";
	case EBUSY:
		return "another kexec load or unload is in progress";
	case ENOSYS:
		return legacy ? "this kernel was built without kexec_load (CONFIG_KEXEC)" :
			"this kernel was built without kexec_file_load (CONFIG_KEXEC_FILE); "
			"try --legacy";
	case EFBIG:
		return "the image is too large";
	default:
		snprintf(other, sizeof(other), "the kernel refused it with error %d (%s)",
			 err, strerror(err));
		return other;
	}
}
