/*
 * Kernel lockdown and UEFI Secure Boot, as the loader sees them: under
 * lockdown kexec_load is refused and kexec_file_load only takes images whose
 * signature the kernel can verify (docs/secure-boot.md).
 */
#ifndef LOADER_LOCKDOWN_H
#define LOADER_LOCKDOWN_H

enum lockdown_mode {
	LOCKDOWN_UNKNOWN,		/* no /sys/kernel/security/lockdown */
	LOCKDOWN_NONE,
	LOCKDOWN_INTEGRITY,
	LOCKDOWN_CONFIDENTIALITY,
};

struct lockdown_state {
	enum lockdown_mode mode;
	int secure_boot;		/* 1 on, 0 off (or no EFI), -1 unknown */
};

/* Reads /sys/kernel/security/lockdown and the SecureBoot EFI variable. */
void lockdown_read(struct lockdown_state *s);

/* "none [integrity] confidentiality" -> the bracketed mode. */
enum lockdown_mode lockdown_parse(const char *text);

const char *lockdown_name(enum lockdown_mode m);

/* Lockdown refuses unsigned kexec images from integrity up. */
static inline int lockdown_restricts_kexec(const struct lockdown_state *s)
{
	return s->mode >= LOCKDOWN_INTEGRITY;
}

#endif
