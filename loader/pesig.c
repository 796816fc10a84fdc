/*
 * PE header and Authenticode signature of the image (see pesig.h). The checks
 * follow the kernel's pefile_parse_binary (crypto/asymmetric_keys/
 * verify_pefile.c); the DER walk reads just enough of PKCS#7 SignedData to
 * find the signer's certificate. Every length is checked against what is left.
 */
#include <stdio.h>
#include <string.h>

#include "loader/pesig.h"

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

void pe_sig_inspect(const unsigned char *d, size_t len, struct pe_sig *ps)
{
	uint32_t pe, opt, hdr_size, ndirs, dirs, off;
	uint16_t magic;

	memset(ps, 0, sizeof(*ps));
	ps->why_not_pe = "no MZ signature";
	if (len < 64 || d[0] != 'M' || d[1] != 'Z')
		return;
	pe = le32(d + 0x3c);
	ps->why_not_pe = "e_lfanew is 0 or out of range";
	if (pe < 64 || pe > len - 26 || memcmp(d + pe, "PE\0\0", 4))
		return;
	opt = pe + 24;
	magic = le16(d + opt);
	ps->why_not_pe = "PE optional header is neither PE32 nor PE32+";
	if (magic != 0x20b && magic != 0x10b)
		return;
	/* Fixed part: 112 bytes (PE32+) or 96 (PE32); SizeOfHeaders at +60. */
	dirs = opt + (magic == 0x20b ? 112 : 96);
	ps->why_not_pe = "PE headers run past SizeOfHeaders or the end of the file";
	if (dirs > len)
		return;
	hdr_size = le32(d + opt + 60);
	ndirs = le32(d + dirs - 4);
	if (dirs >= hdr_size || hdr_size >= len || ndirs > (hdr_size - dirs) / 8)
		return;
	ps->is_pe = 1;
	ps->why_not_pe = NULL;
	if (ndirs <= 4)
		return;
	ps->cert_off = le32(d + dirs + 4 * 8);
	ps->cert_len = le32(d + dirs + 4 * 8 + 4);
	if (!ps->cert_off || !ps->cert_len)
		return;
	ps->is_signed = 1;
	if (ps->cert_off < hdr_size || ps->cert_off > len || ps->cert_len > len - ps->cert_off)
		return;

	/* WIN_CERTIFICATE {u32 length, u16 revision, u16 type, PKCS#7}, 8-aligned. */
	for (off = 0; off + 8 <= ps->cert_len;) {
		const unsigned char *w = d + ps->cert_off + off;
		uint32_t wlen = le32(w);

		if (wlen < 8 || wlen > ps->cert_len - off)
			break;
		if (ps->nsigs++ == 0 && le16(w + 4) == 0x200 && le16(w + 6) == 2)
			pkcs7_signer_subject(w + 8, wlen - 8, ps->subject, sizeof(ps->subject));
		off += (wlen + 7) & ~7u;
	}
}

/* ---- DER ------------------------------------------------------------------ */

struct der {
	const unsigned char *p;
	size_t n;
};

/*
 * Takes the next element off cur: its tag, its contents in *in, and the
 * whole encoding (tag, length, contents) in *all. Definite lengths only.
 */
static int der_next(struct der *cur, unsigned *tag, struct der *in, struct der *all)
{
	size_t i = 2, len;

	if (cur->n < 2 || (cur->p[0] & 0x1f) == 0x1f)
		return -1;
	len = cur->p[1];
	if (len & 0x80) {
		unsigned k = len & 0x7f;

		if (k == 0 || k > 4 || cur->n < 2 + k)
			return -1;
		len = 0;
		while (k--)
			len = len << 8 | cur->p[i++];
	}
	if (len > cur->n - i)
		return -1;
	*tag = cur->p[0];
	if (in) {
		in->p = cur->p + i;
		in->n = len;
	}
	if (all) {
		all->p = cur->p;
		all->n = i + len;
	}
	cur->p += i + len;
	cur->n -= i + len;
	return 0;
}

/* Takes the next element, which must have this tag. */
static int der_expect(struct der *cur, unsigned want, struct der *in, struct der *all)
{
	unsigned tag;

	return der_next(cur, &tag, in, all) < 0 || tag != want ? -1 : 0;
}

#define SEQ	0x30
#define SET	0x31
#define OID	0x06
#define CTX0	0xa0

static const unsigned char oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const unsigned char oid_email[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 };

static int der_eq(struct der a, struct der b)
{
	return a.n == b.n && !memcmp(a.p, b.p, a.n);
}

/* The issuer, serial number and subject of a Certificate. */
static int cert_names(struct der cert, struct der *issuer, struct der *serial, struct der *subject)
{
	struct der c, tbs, skip;
	unsigned tag;

	if (der_expect(&cert, SEQ, &c, NULL) < 0 || der_expect(&c, SEQ, &tbs, NULL) < 0)
		return -1;
	if (tbs.n && tbs.p[0] == CTX0 && der_next(&tbs, &tag, NULL, NULL) < 0)
		return -1;				/* [0] version */
	if (der_next(&tbs, &tag, NULL, serial) < 0 || tag != 0x02 ||
	    der_expect(&tbs, SEQ, NULL, &skip) < 0 ||	/* signature algorithm */
	    der_expect(&tbs, SEQ, NULL, issuer) < 0 ||
	    der_expect(&tbs, SEQ, NULL, &skip) < 0 ||	/* validity */
	    der_expect(&tbs, SEQ, NULL, subject) < 0)
		return -1;
	return 0;
}

/* Appends "/KEY=value" for each attribute of a Name, printable bytes only. */
static void name_format(struct der name, char *out, size_t n)
{
	struct der rdns, rdn, atv, oid, val;
	size_t k = 0;
	unsigned tag;

	out[0] = 0;
	if (der_expect(&name, SEQ, &rdns, NULL) < 0)
		return;
	while (rdns.n && der_expect(&rdns, SET, &rdn, NULL) == 0) {
		while (rdn.n && der_expect(&rdn, SEQ, &atv, NULL) == 0) {
			const char *key = NULL;
			char num[16];

			if (der_expect(&atv, OID, &oid, NULL) < 0 || der_next(&atv, &tag, &val, NULL) < 0)
				return;
			if (oid.n == 3 && oid.p[0] == 0x55 && oid.p[1] == 0x04) {
				switch (oid.p[2]) {
				case 3: key = "CN"; break;
				case 5: key = "serialNumber"; break;
				case 6: key = "C"; break;
				case 7: key = "L"; break;
				case 8: key = "ST"; break;
				case 10: key = "O"; break;
				case 11: key = "OU"; break;
				}
				if (!key) {
					snprintf(num, sizeof(num), "2.5.4.%u", oid.p[2]);
					key = num;
				}
			} else if (oid.n == sizeof(oid_email) && !memcmp(oid.p, oid_email, oid.n)) {
				key = "emailAddress";
			} else {
				key = "?";
			}
			if (k + strlen(key) + 3 >= n)
				return;
			k += snprintf(out + k, n - k, "/%s=", key);
			for (size_t i = 0; i < val.n && k + 1 < n; i++)
				out[k++] = val.p[i] >= 0x20 && val.p[i] < 0x7f ? val.p[i] : '?';
			out[k] = 0;
		}
	}
}

int pkcs7_signer_subject(const unsigned char *der, size_t len, char *out, size_t n)
{
	struct der cur = { der, len }, ci, oid, sd_wrap, sd, certs = { NULL, 0 }, infos = { NULL, 0 };
	struct der si, sid_issuer = { NULL, 0 }, sid_serial = { NULL, 0 }, first = { NULL, 0 }, cert;
	struct der iss, ser, sub, rest;
	unsigned tag;

	if (n)
		out[0] = 0;
	if (der_expect(&cur, SEQ, &ci, NULL) < 0 || der_expect(&ci, OID, &oid, NULL) < 0 ||
	    oid.n != sizeof(oid_signed_data) || memcmp(oid.p, oid_signed_data, oid.n) ||
	    der_expect(&ci, CTX0, &sd_wrap, NULL) < 0 || der_expect(&sd_wrap, SEQ, &sd, NULL) < 0)
		return -1;
	/* SignedData: version, digestAlgorithms, contentInfo, [0] certificates,
	 * [1] crls, signerInfos. */
	if (der_next(&sd, &tag, NULL, NULL) < 0 || der_expect(&sd, SET, NULL, NULL) < 0 ||
	    der_expect(&sd, SEQ, NULL, NULL) < 0)
		return -1;
	while (sd.n && der_next(&sd, &tag, &rest, NULL) == 0) {
		if (tag == CTX0)
			certs = rest;
		else if (tag == SET)
			infos = rest;
	}
	if (!certs.p || !infos.p)
		return -1;
	/* The first SignerInfo's sid, when it is issuerAndSerialNumber. */
	if (der_expect(&infos, SEQ, &si, NULL) == 0 && der_next(&si, &tag, NULL, NULL) == 0) {
		struct der ias;

		if (der_expect(&si, SEQ, &ias, NULL) == 0 &&
		    der_expect(&ias, SEQ, NULL, &sid_issuer) == 0 &&
		    der_next(&ias, &tag, NULL, &sid_serial) < 0)
			sid_issuer.p = NULL;
	}
	while (certs.n && der_next(&certs, &tag, NULL, &cert) == 0) {
		if (tag != SEQ || cert_names(cert, &iss, &ser, &sub) < 0)
			continue;
		if (!first.p)
			first = sub;
		if (sid_issuer.p && der_eq(iss, sid_issuer) && der_eq(ser, sid_serial)) {
			name_format(sub, out, n);
			return 0;
		}
	}
	if (!first.p)
		return -1;
	name_format(first, out, n);	/* sid by key identifier: take the first */
	return 0;
}
