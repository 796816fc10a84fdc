/* Lockdown mode and Secure Boot state (see lockdown.h). */
#include <string.h>
#include <unistd.h>

#include "loader/lockdown.h"
#include "loader/sysroot.h"

#define SECUREBOOT_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

enum lockdown_mode lockdown_parse(const char *text)
{
	static const struct { const char *word; enum lockdown_mode m; } modes[] = {
		{ "[none]", LOCKDOWN_NONE },
		{ "[integrity]", LOCKDOWN_INTEGRITY },
		{ "[confidentiality]", LOCKDOWN_CONFIDENTIALITY },
	};

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strstr(text, modes[i].word))
			return modes[i].m;
	return LOCKDOWN_UNKNOWN;
}

const char *lockdown_name(enum lockdown_mode m)
{
	switch (m) {
	case LOCKDOWN_NONE: return "none";
	case LOCKDOWN_INTEGRITY: return "integrity";
	case LOCKDOWN_CONFIDENTIALITY: return "confidentiality";
	default: return "unknown";
	}
}

void lockdown_read(struct lockdown_state *s)
{
	char path[4096], buf[128];
	long n;

	s->mode = LOCKDOWN_UNKNOWN;
	s->secure_boot = -1;
	if (sysroot_path(path, sizeof(path), "/sys/kernel/security/lockdown") == 0 &&
	    read_small_file(path, buf, sizeof(buf)) >= 0)
		s->mode = lockdown_parse(buf);

	/* efivarfs: 4 attribute bytes, then the value (1 byte, 1 = on). */
	if (sysroot_path(path, sizeof(path), "/sys/firmware/efi") == 0 && access(path, F_OK) != 0)
		s->secure_boot = 0;	/* booted without EFI */
	else if (sysroot_path(path, sizeof(path), SECUREBOOT_VAR) == 0 &&
		 (n = read_small_file(path, buf, sizeof(buf))) == 5)
		s->secure_boot = buf[4] == 1;
}
