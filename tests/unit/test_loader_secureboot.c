/*
 * The loader under lockdown: reading the lockdown mode and Secure Boot state
 * from a fake tree (DUMPLING_SYSROOT), --legacy refused at once, the notice
 * for an unsigned image, and what each kexec_file_load error means. No
 * message may be the bare strerror text ("Accessing a corrupted shared
 * library" for ELIBBAD), and each cause has its own message with a fix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/kexec.h"
#include "loader/lockdown.h"
#include "loader/pesig.h"
#include "loader/secureboot.h"
#include "loader/sysroot.h"
#include "tests/unit/test.h"

static char root[64] = "/tmp/dumpling-sb-XXXXXX";

static void put(const char *rel, const void *data, size_t n)
{
	char path[256], dir[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(dir) != 0)
		return;
	f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

static void test_parse(void)
{
	CHECK(lockdown_parse("none [integrity] confidentiality") == LOCKDOWN_INTEGRITY);
	CHECK(lockdown_parse("[none] integrity confidentiality") == LOCKDOWN_NONE);
	CHECK(lockdown_parse("none integrity [confidentiality]") == LOCKDOWN_CONFIDENTIALITY);
	CHECK(lockdown_parse("") == LOCKDOWN_UNKNOWN);
	CHECK(lockdown_parse("none integrity confidentiality") == LOCKDOWN_UNKNOWN);
	CHECK_STR(lockdown_name(LOCKDOWN_INTEGRITY), "integrity");
}

static void test_read(void)
{
	struct lockdown_state s;
	static const char var_on[] = { 6, 0, 0, 0, 1 }, var_off[] = { 6, 0, 0, 0, 0 };

	setenv("DUMPLING_SYSROOT", root, 1);
	lockdown_read(&s);	/* empty tree: no lockdown file, no EFI */
	CHECK(s.mode == LOCKDOWN_UNKNOWN && s.secure_boot == 0);
	CHECK(!secureboot_restricted(&s));

	put("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n", 33);
	put("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", var_on, 5);
	lockdown_read(&s);
	CHECK(s.mode == LOCKDOWN_INTEGRITY && s.secure_boot == 1);
	CHECK(secureboot_restricted(&s));

	put("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n", 33);
	put("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", var_off, 5);
	lockdown_read(&s);
	CHECK(s.mode == LOCKDOWN_NONE && s.secure_boot == 0);
	CHECK(!secureboot_restricted(&s));
	unsetenv("DUMPLING_SYSROOT");

	/* securityfs not mounted, but Secure Boot on: Debian locks down. */
	s.mode = LOCKDOWN_UNKNOWN;
	s.secure_boot = 1;
	CHECK(secureboot_restricted(&s));
}

static char *capture(int (*fn)(FILE *), int *rc)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	*rc = fn(f);
	fclose(f);
	return buf;
}

static struct lockdown_state cur;
static struct pe_sig cur_ps;
static int legacy_fn(FILE *f) { return secureboot_refuse_legacy(&cur, f); }
static int notice_fn(FILE *f) { secureboot_notice(&cur, "/x/d.img", &cur_ps, f); return 0; }

static void test_before_load(void)
{
	struct lockdown_state none = { LOCKDOWN_NONE, 0 }, integ = { LOCKDOWN_INTEGRITY, 1 };
	char *out;
	int rc;

	cur = integ;
	out = capture(legacy_fn, &rc);
	CHECK(rc == -1);
	CHECK(strstr(out, "--legacy cannot work under lockdown integrity (Secure Boot)") != NULL);
	CHECK(strstr(out, "without --legacy") != NULL);
	free(out);
	cur = none;
	out = capture(legacy_fn, &rc);
	CHECK(rc == 0 && out[0] == 0);
	free(out);

	/* Unsigned PE under lockdown: said before trying. */
	cur = integ;
	memset(&cur_ps, 0, sizeof(cur_ps));
	cur_ps.is_pe = 1;
	out = capture(notice_fn, &rc);
	CHECK(strstr(out, "/x/d.img carries no signature") != NULL);
	CHECK(strstr(out, "mokutil --import") != NULL);
	free(out);
	/* No PE header at all: a different message. */
	cur_ps.is_pe = 0;
	cur_ps.why_not_pe = "e_lfanew is 0 or out of range";
	out = capture(notice_fn, &rc);
	CHECK(strstr(out, "has no PE header") != NULL);
	free(out);
	/* Signed, or no lockdown: nothing to say. */
	cur_ps.is_pe = cur_ps.is_signed = 1;
	out = capture(notice_fn, &rc);
	CHECK(out[0] == 0);
	free(out);
	cur = none;
	cur_ps.is_signed = 0;
	out = capture(notice_fn, &rc);
	CHECK(out[0] == 0);
	free(out);
}

static void test_explain(void)
{
	static const struct { int err; const char *cause; } cases[] = {
		{ ENODATA, "is not signed" },
		{ ENOKEY, "is not trusted by this kernel" },
		{ EKEYREJECTED, "changed after signing" },
		{ ELIBBAD, "cannot read /x/d.img as a PE file" },
		{ EBADMSG, "malformed PKCS#7" },
		{ ENOPKG, "digest algorithm is not available" },
		{ EMSGSIZE, "too large" },
		{ KERNEL_ENOTSUPP, "not a revision 2.0 PKCS#7 WIN_CERTIFICATE" },
		{ EPERM, "lockdown integrity (Secure Boot) refused /x/d.img" },
	};
	struct lockdown_state integ = { LOCKDOWN_INTEGRITY, 1 }, none = { LOCKDOWN_NONE, 0 };
	struct pe_sig ps;
	char bufs[9][1024];

	memset(&ps, 0, sizeof(ps));
	ps.is_pe = ps.is_signed = 1;
	ps.nsigs = 1;
	strcpy(ps.subject, "/CN=other key");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *m = secureboot_explain(cases[i].err, &integ, "/x/d.img", &ps,
						   bufs[i], sizeof(bufs[i]));
		const char *raw = strerror(cases[i].err);

		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK(strstr(m, cases[i].cause) != NULL);
		if (!strstr(m, cases[i].cause))
			fprintf(stderr, "errno %d: want \"%s\" in \"%s\"\n", cases[i].err,
				cases[i].cause, bufs[i]);
		/* Never the bare strerror text (e.g. "Accessing a corrupted shared library"). */
		CHECK(strstr(m, raw) == NULL);
		/* Each names a fix, and where the kernel logged its reason. */
		CHECK(strstr(m, "Sign") || strstr(m, "sign"));
		CHECK(strstr(m, "dmesg | grep") != NULL);
		for (unsigned j = 0; j < i; j++)
			CHECK(strcmp(m, bufs[j]) != 0);
	}
	/* The untrusted signer is named. */
	CHECK(strstr(bufs[1], "(/CN=other key)") != NULL);
	/* EPERM without lockdown is not a signature matter. */
	CHECK(secureboot_explain(EPERM, &none, "/x/d.img", &ps, bufs[0], sizeof(bufs[0])) == NULL);
	CHECK(secureboot_explain(EINVAL, &integ, "/x/d.img", &ps, bufs[0], sizeof(bufs[0])) == NULL);

	/* kexec_explain (used when dumpling load is not the caller) never
	 * falls back to strerror for the signature errors either. */
	{
		static const int errs[] = { ENODATA, ENOKEY, EKEYREJECTED, ELIBBAD, EBADMSG,
					    KERNEL_ENOTSUPP, EMSGSIZE, ENOPKG };

		for (unsigned i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
			CHECK(strstr(kexec_explain(errs[i], 0), strerror(errs[i])) == NULL &&
			      strstr(kexec_explain(errs[i], 0), "enforces kexec signatures"));
		CHECK(strstr(kexec_explain(EACCES, 1), "Secure Boot") != NULL);
		CHECK(strstr(kexec_explain(ELIBBAD, 0), "corrupted shared library") == NULL);
	}
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(root)) {
		CHECK(0);
		return test_summary("test_loader_secureboot");
	}
	test_parse();
	test_read();
	test_before_load();
	test_explain();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return test_summary("test_loader_secureboot");
}
