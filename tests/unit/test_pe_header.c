/*
 * build/dumpling.img as a PE32+ file: every field the kernel's pefile parser
 * (crypto/asymmetric_keys/verify_pefile.c: pefile_parse_binary,
 * pefile_strip_sig_wrapper, pefile_digest_pe_contents) relies on, read here
 * by offset with a parser of its own, not mkimage's structs. Then the image
 * is signed with a throwaway key (openssl, sbsign) and the signed file is
 * checked the same way, plus: sbverify and objdump read it, changing a byte
 * of the boot header or the payload breaks the signature, the boot header
 * still passes the loader's bzImage checks, and the loader's pe_sig_inspect
 * finds the signer. Set DUMPLING_IMG to test another image.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "loader/image.h"
#include "loader/pesig.h"
#include "tests/unit/test.h"

static char tmp[64] = "/tmp/dumpling-pe-XXXXXX";

static uint32_t u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t u16(const unsigned char *p) { return p[0] | p[1] << 8; }

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc(n > 0 ? n : 1);
	if (d && fread(d, 1, n, f) != (size_t)n) {
		free(d);
		d = NULL;
	}
	fclose(f);
	*len = n;
	return d;
}

static int spit(const char *path, const unsigned char *d, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(d, 1, len, f) == len;

	if (f)
		ok = !fclose(f) && ok;
	return ok ? 0 : -1;
}

/* Runs a shell command; returns its exit status, output in out. */
static int run(const char *cmd, char *out, size_t n)
{
	FILE *p = popen(cmd, "r");
	size_t k = 0;
	int st;

	if (!p)
		return -1;
	while (k + 1 < n && !feof(p)) {
		size_t r = fread(out + k, 1, n - 1 - k, p);

		if (!r)
			break;
		k += r;
	}
	out[k] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* What the kernel's pefile_parse_binary takes from the file. */
struct pe {
	uint32_t lfanew, nsections, opt_size, opt, checksum_off, header_size, ndirs;
	uint32_t dirs, certdir_off, cert_off, cert_len, secs;
};

/* Checks as pefile_parse_binary does; returns 0 when the kernel would parse it. */
static int parse_like_kernel(const unsigned char *d, size_t len, struct pe *p)
{
	memset(p, 0, sizeof(*p));
	if (len < 64 || u16(d) != 0x5a4d)
		return -1;
	p->lfanew = u32(d + 0x3c);
	if (p->lfanew < 64 || p->lfanew + 24 > len || memcmp(d + p->lfanew, "PE\0\0", 4))
		return -1;
	p->nsections = u16(d + p->lfanew + 6);
	p->opt_size = u16(d + p->lfanew + 20);
	p->opt = p->lfanew + 24;
	if (p->opt + 112 >= len || u16(d + p->opt) != 0x20b)
		return -1;
	p->checksum_off = p->opt + 64;
	p->header_size = u32(d + p->opt + 60);
	p->ndirs = u32(d + p->opt + 108);
	p->dirs = p->opt + 112;
	if (p->dirs >= p->header_size || p->header_size >= len)
		return -1;
	if (p->ndirs > (p->header_size - p->dirs) / 8)
		return -1;
	p->certdir_off = p->dirs + 4 * 8;
	p->secs = p->dirs + p->ndirs * 8;
	if (p->nsections > (p->header_size - p->secs) / 40)
		return -1;
	if (p->ndirs > 4) {
		p->cert_off = u32(d + p->certdir_off);
		p->cert_len = u32(d + p->certdir_off + 4);
	}
	return 0;
}

/* The layout every image must have, signed or not. */
static void check_layout(const unsigned char *d, size_t len, const struct pe *p, size_t signed_len)
{
	uint32_t setup = (d[HDR_SETUP_SECTS] + 1) * 512, init_size = u32(d + HDR_INIT_SIZE);
	uint32_t covered = p->header_size, end_of_hdrs;

	CHECK_EQ_U64(u16(d + p->lfanew + 4), 0x8664);		/* x86-64 */
	CHECK(p->nsections >= 1);
	/* sbsign finds the sections by SizeOfOptionalHeader, the kernel by the
	 * directory count: they must agree. */
	CHECK_EQ_U64(p->opt_size, 112 + 8 * p->ndirs);
	CHECK(p->ndirs >= 5);					/* has a certificate entry */
	end_of_hdrs = p->secs + 40 * p->nsections;
	/* PE headers must not reach the x86 boot header. */
	CHECK(end_of_hdrs <= HDR_SETUP_SECTS);
	/* SizeOfHeaders covers the boot header (so it is hashed) and is where
	 * the kernel's bzImage loader starts the payload. */
	CHECK_EQ_U64(p->header_size, setup);
	CHECK(p->header_size >= HDR_END);

	/* Sections: in file order, contiguous from SizeOfHeaders (the digest
	 * counts SizeOfHeaders + sum of SizeOfRawData as the offset of the rest),
	 * and together exactly the unsigned file: no byte left unhashed. */
	for (uint32_t i = 0; i < p->nsections; i++) {
		const unsigned char *s = d + p->secs + 40 * i;
		uint32_t vsize = u32(s + 8), va = u32(s + 12), raw = u32(s + 16), ptr = u32(s + 20);

		CHECK_EQ_U64(ptr, covered);
		CHECK(raw % u32(d + p->opt + 36) == 0);		/* FileAlignment */
		CHECK(va >= p->header_size && vsize >= raw);
		CHECK(u32(d + p->opt + 56) >= va + vsize);	/* SizeOfImage */
		covered += raw;
	}
	CHECK_EQ_U64(covered, signed_len);
	/* The one section spans the memory the kernel reserves: init_size. */
	CHECK_EQ_U64(u32(d + p->secs + 8), init_size);
	CHECK_EQ_U64(u32(d + p->secs + 12), p->header_size);
	/* init_size covers the payload and room for a signature after it. */
	CHECK(init_size >= len - setup);
	CHECK(init_size >= signed_len - setup + (16u << 10));
	/* The bzImage header is still what bzImage64_probe wants. */
	CHECK(!memcmp(d + HDR_MAGIC, "HdrS", 4));
	CHECK_EQ_U64(u16(d + HDR_BOOT_FLAG), 0xaa55);
}

static void check_unsigned(const char *img, const unsigned char *d, size_t len)
{
	struct pe p;
	struct pe_sig ps;
	char out[8192], cmd[512];

	CHECK(parse_like_kernel(d, len, &p) == 0);
	CHECK_EQ_U64(p.lfanew, 0x40);
	CHECK_EQ_U64(u32(d + p.checksum_off), 0);
	/* Unsigned: the kernel says "Unsigned PE binary" (ENODATA). */
	CHECK(p.cert_off == 0 && p.cert_len == 0);
	CHECK(len % 512 == 0);
	check_layout(d, len, &p, len);

	pe_sig_inspect(d, len, &ps);
	CHECK(ps.is_pe && !ps.is_signed && ps.nsigs == 0);

	snprintf(cmd, sizeof(cmd), "objdump -p '%s' 2>&1", img);
	CHECK(run(cmd, out, sizeof(out)) == 0);
	CHECK(strstr(out, "file format pei-x86-64") != NULL);
	CHECK(strstr(out, "(PE32+)") != NULL);
	CHECK(strstr(out, "SizeOfHeaders\t\t00000400") != NULL);
	snprintf(cmd, sizeof(cmd), "objdump -h '%s' 2>&1", img);
	CHECK(run(cmd, out, sizeof(out)) == 0);
	CHECK(strstr(out, ".text") != NULL);
	snprintf(cmd, sizeof(cmd), "sbverify --list '%s' 2>&1", img);
	run(cmd, out, sizeof(out));
	CHECK(strstr(out, "No signature table present") != NULL);
}

static void check_signed(const char *img, size_t unsigned_len)
{
	char cmd[1024], out[8192], path[128], key[128], crt[128];
	unsigned char *d;
	size_t len;
	struct pe p;
	struct pe_sig ps;
	struct dimage im;
	char err[512];

	snprintf(key, sizeof(key), "%s/k.key", tmp);
	snprintf(crt, sizeof(crt), "%s/k.pem", tmp);
	snprintf(path, sizeof(path), "%s/signed.img", tmp);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 "
		 "-subj '/CN=dumpling unit test/O=dumpling' -keyout %s -out %s 2>&1 && "
		 "sbsign --key %s --cert %s --output %s '%s' 2>&1", key, crt, key, crt, path, img);
	CHECK(run(cmd, out, sizeof(out)) == 0);
	/* sbsign warns about gaps or unhashed data; there must be none. */
	CHECK(!strstr(out, "warning") && !strstr(out, "gap") && !strstr(out, "remaining"));
	if (strstr(out, "warning"))
		fprintf(stderr, "sbsign said: %s\n", out);
	d = slurp(path, &len);
	CHECK(d != NULL);
	if (!d)
		return;

	CHECK(parse_like_kernel(d, len, &p) == 0);
	check_layout(d, len, &p, unsigned_len);
	/* The certificate table: after SizeOfHeaders, inside the file, last. */
	CHECK(p.cert_off >= p.header_size);
	CHECK_EQ_U64(p.cert_off, unsigned_len);
	CHECK_EQ_U64((uint64_t)p.cert_off + p.cert_len, len);
	/* pefile_strip_sig_wrapper: one WIN_CERTIFICATE, length rounded to 8 is
	 * the directory size, revision 2.0, type PKCS signed data, and a DER
	 * SEQUENCE with at most a 2-byte length (else EMSGSIZE). */
	{
		const unsigned char *w = d + p.cert_off;
		uint32_t wlen = u32(w);

		CHECK_EQ_U64((wlen + 7) & ~7u, p.cert_len);
		CHECK_EQ_U64(u16(w + 4), 0x200);
		CHECK_EQ_U64(u16(w + 6), 2);
		CHECK_EQ_U64(w[8], 0x30);
		CHECK(w[9] == 0x82 && (uint32_t)((w[10] << 8 | w[11]) + 4) <= wlen - 8);
	}
	/* The signature lands inside init_size, as the kernel loads it. */
	CHECK(image_parse(path, d, len, &im, err, sizeof(err)) == 0);

	pe_sig_inspect(d, len, &ps);
	CHECK(ps.is_pe && ps.is_signed);
	CHECK_EQ_U64(ps.nsigs, 1);
	CHECK_STR(ps.subject, "/CN=dumpling unit test/O=dumpling");

	snprintf(cmd, sizeof(cmd), "sbverify --cert %s %s 2>&1", crt, path);
	CHECK(run(cmd, out, sizeof(out)) == 0);
	snprintf(cmd, sizeof(cmd), "sbverify --list %s 2>&1", path);
	CHECK(run(cmd, out, sizeof(out)) == 0);
	CHECK(strstr(out, "subject: /CN=dumpling unit test/O=dumpling") != NULL);

	/* Every byte the kernel loads is signed: change init_size in the boot
	 * header, or the last payload byte, and the signature breaks. */
	{
		static const uint32_t at[] = { HDR_INIT_SIZE, HDR_CMDLINE_SIZE, 0x300 };
		char bad[160];

		for (unsigned i = 0; i < 4; i++) {
			size_t off = i < 3 ? at[i] : unsigned_len - 1;

			d[off] ^= 0x01;
			snprintf(bad, sizeof(bad), "%s/bad%u.img", tmp, i);
			CHECK(spit(bad, d, len) == 0);
			d[off] ^= 0x01;
			snprintf(cmd, sizeof(cmd), "sbverify --cert %s %s 2>&1", crt, bad);
			CHECK(run(cmd, out, sizeof(out)) != 0);
		}
	}

	/* pe_sig_inspect on every truncation and on corrupt headers: no crash,
	 * no read past the end (ASan), and a signer only from a whole table. */
	{
		unsigned wrong = 0;

		for (size_t n = 0; n < len; n += n < 2048 ? 1 : 509) {
			unsigned char *c = malloc(n ? n : 1);

			memcpy(c, d, n);
			pe_sig_inspect(c, n, &ps);
			if ((n <= p.header_size && ps.is_pe) || (n < len && ps.subject[0]))
				wrong++;
			free(c);
		}
		CHECK_EQ_U64(wrong, 0);
		for (uint32_t off = 0; off < p.secs + 40; off++) {
			for (unsigned v = 0; v < 4; v++) {
				unsigned char save = d[off];

				d[off] = (unsigned char[]){ 0x00, 0xff, 0x7f, 0x80 }[v];
				pe_sig_inspect(d, len, &ps);
				if (ps.subject[0] && (uint64_t)ps.cert_off + ps.cert_len > len)
					wrong++;
				d[off] = save;
			}
		}
		CHECK_EQ_U64(wrong, 0);
		/* Inside the PKCS#7 blob: any subject found is printable text. */
		for (uint32_t off = p.cert_off; off < len; off++) {
			unsigned char save = d[off];

			d[off] ^= 0xa5;
			pe_sig_inspect(d, len, &ps);
			for (const char *c = ps.subject; *c; c++)
				wrong += *c < 0x20 || *c > 0x7e;
			d[off] = save;
		}
		CHECK_EQ_U64(wrong, 0);
	}
	free(d);
}

int main(void)
{
	const char *img = getenv("DUMPLING_IMG") ? getenv("DUMPLING_IMG") : "build/dumpling.img";
	unsigned char *d;
	size_t len;
	char cmd[128];

	d = slurp(img, &len);
	if (!d) {
		fprintf(stderr, "cannot read %s: %s (run make first)\n", img, strerror(errno));
		CHECK(0);
		return test_summary("test_pe_header");
	}
	if (!mkdtemp(tmp)) {
		CHECK(0);
		return test_summary("test_pe_header");
	}
	check_unsigned(img, d, len);
	check_signed(img, len);
	free(d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	return test_summary("test_pe_header");
}
