/* The loader under Secure Boot and lockdown (see secureboot.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/image.h"
#include "loader/secureboot.h"
#include "loader/sysroot.h"

/* Under plain lockdown the kernel's reason is only in its log. */
#define DMESG_HINT "(the kernel's reason: dmesg | grep -E 'PEFILE|kexec_file|Lockdown')"
#define HOW_TO_SIGN "make sign KEY=... CERT=..., or sbsign --key KEY --cert CERT"
#define HOW_TO_ENROL "enrol its certificate: mokutil --import CERT.der, reboot and confirm " \
		     "in MokManager (or add it to the UEFI db)"

const char *secureboot_default_image(void)
{
	return access(DEFAULT_SIGNED_IMAGE, F_OK) == 0 ? DEFAULT_SIGNED_IMAGE : DEFAULT_IMAGE;
}

int secureboot_restricted(const struct lockdown_state *ld)
{
	if (ld->mode != LOCKDOWN_UNKNOWN)
		return lockdown_restricts_kexec(ld);
	return ld->secure_boot == 1;	/* securityfs not mounted: Debian locks down */
}

const char *secureboot_what(const struct lockdown_state *ld, char *buf, size_t n)
{
	if (ld->mode != LOCKDOWN_UNKNOWN)
		snprintf(buf, n, "lockdown %s%s", lockdown_name(ld->mode),
			 ld->secure_boot == 1 ? " (Secure Boot)" : "");
	else
		snprintf(buf, n, "%s", ld->secure_boot == 1 ? "Secure Boot" : "lockdown");
	return buf;
}

int secureboot_refuse_legacy(const struct lockdown_state *ld, FILE *out)
{
	char what[64];

	if (!secureboot_restricted(ld))
		return 0;
	fprintf(out, "dumpling: --legacy cannot work under %s: the kernel refuses kexec_load "
		"there, because it cannot carry a signature. Run dumpling load without "
		"--legacy, with a signed image (%s)\n", secureboot_what(ld, what, sizeof(what)),
		DEFAULT_SIGNED_IMAGE);
	return -1;
}

void secureboot_notice(const struct lockdown_state *ld, const char *image,
		       const struct pe_sig *ps, FILE *out)
{
	char what[64];

	if (!secureboot_restricted(ld) || ps->is_signed)
		return;
	secureboot_what(ld, what, sizeof(what));
	if (!ps->is_pe)
		fprintf(out, "dumpling: %s has no PE header (%s), so it cannot carry a signature "
			"and %s will refuse it; rebuild it with this version of dumpling and sign "
			"it (%s)\n", image, ps->why_not_pe, what, HOW_TO_SIGN);
	else
		fprintf(out, "dumpling: %s carries no signature and %s only loads signed images: "
			"expect a refusal. Sign it (%s), %s, and install it as %s\n",
			image, what, HOW_TO_SIGN, HOW_TO_ENROL, DEFAULT_SIGNED_IMAGE);
}

const char *secureboot_explain(int err, const struct lockdown_state *ld, const char *image,
			       const struct pe_sig *ps, char *buf, size_t n)
{
	char what[64], by[300] = "";

	secureboot_what(ld, what, sizeof(what));
	if (ps->subject[0])
		snprintf(by, sizeof(by), " (%s)", ps->subject);
	switch (err) {
	case ENODATA:
		snprintf(buf, n, "%s is not signed, and under %s this kernel only loads "
			 "signed images. Sign it (%s), %s, and install it as %s", image, what,
			 HOW_TO_SIGN, HOW_TO_ENROL, DEFAULT_SIGNED_IMAGE);
		break;
	case ENOKEY:
		snprintf(buf, n, "the key that signed %s%s is not trusted by this kernel: no "
			 "keyring (built-in, MOK, UEFI db) holds its certificate. Either %s, or "
			 "sign the image with a key that is already enrolled%s", image, by,
			 HOW_TO_ENROL, ps->nsigs > 1 ? " (the kernel only checks the first of "
			 "its signatures: sign a fresh, unsigned image)" : "");
		break;
	case EKEYREJECTED:
		snprintf(buf, n, "the signature on %s%s does not match the file: it was changed "
			 "after signing, or the signature is not an Authenticode one. Sign a fresh "
			 "build again (%s) and install that", image, by, HOW_TO_SIGN);
		break;
	case ELIBBAD:
		snprintf(buf, n, "the kernel cannot read %s as a PE file (%s%s), so it cannot "
			 "check a signature. Rebuild it with this version of dumpling (make), then "
			 "sign it (%s)", image, ps->is_pe ? "its signature table is malformed" :
			 "no PE header: ", ps->is_pe ? "" : ps->why_not_pe, HOW_TO_SIGN);
		break;
	case EBADMSG: case ENOPKG: case EMSGSIZE: case KERNEL_ENOTSUPP:
		snprintf(buf, n, "the signature on %s is in a form this kernel cannot check (%s). "
			 "Sign a fresh image with sbsign or pesign using SHA-256 (%s)", image,
			 err == EBADMSG ? "malformed PKCS#7, or a digest it does not expect" :
			 err == ENOPKG ? "its digest algorithm is not available in the kernel" :
			 err == EMSGSIZE ? "the PKCS#7 blob is too large" :
			 "not a revision 2.0 PKCS#7 WIN_CERTIFICATE", HOW_TO_SIGN);
		break;
	case EPERM:
		if (!secureboot_restricted(ld))
			return NULL;
		snprintf(buf, n, "%s refused %s: this kernel only loads images whose signature "
			 "it can verify, and %s. Sign it with a key the kernel trusts (%s; %s) "
			 "%s", what, image,
			 !ps->is_pe ? "it has no PE header (rebuild it)" :
			 !ps->is_signed ? "it carries no signature" :
			 "it could not verify this one", HOW_TO_SIGN, HOW_TO_ENROL, DMESG_HINT);
		return buf;
	default:
		return NULL;
	}
	/* The errors above come from signature verification, which only runs
	 * when the kernel enforces it. */
	snprintf(buf + strlen(buf), n - strlen(buf), " %s", DMESG_HINT);
	return buf;
}

static void status_image(FILE *out, const char *path, const char *role)
{
	struct pe_sig ps;
	size_t len;
	unsigned char *d = (unsigned char *)read_whole_file(path, &len);

	if (!d) {
		if (errno != ENOENT)
			fprintf(out, "image: %s%s: cannot read it: %s\n", path, role, strerror(errno));
		return;
	}
	pe_sig_inspect(d, len, &ps);
	free(d);
	if (!ps.is_pe)
		fprintf(out, "image: %s%s: not signed, no PE header (%s): rebuild it to sign it\n",
			path, role, ps.why_not_pe);
	else if (!ps.is_signed)
		fprintf(out, "image: %s%s: not signed\n", path, role);
	else
		fprintf(out, "image: %s%s: signed by %s%s\n", path, role,
			ps.subject[0] ? ps.subject : "(certificate unreadable)",
			ps.nsigs > 1 ? " (and more signatures; the kernel checks only the first)" : "");
}

void secureboot_status(FILE *out)
{
	struct lockdown_state ld;
	const char *use = secureboot_default_image();

	lockdown_read(&ld);
	fprintf(out, "lockdown: %s%s, Secure Boot %s\n", lockdown_name(ld.mode),
		ld.mode == LOCKDOWN_UNKNOWN ? " (no /sys/kernel/security/lockdown: securityfs "
		"not mounted, or no lockdown support)" : "",
		ld.secure_boot == 1 ? "on" : ld.secure_boot == 0 ? "off" : "unknown");
	status_image(out, use, " (dumpling load uses this one)");
	if (strcmp(use, DEFAULT_IMAGE))
		status_image(out, DEFAULT_IMAGE, "");
	else if (secureboot_restricted(&ld))
		fprintf(out, "image: no signed image at %s: under lockdown the kernel will "
			"refuse an unsigned one\n", DEFAULT_SIGNED_IMAGE);
}
