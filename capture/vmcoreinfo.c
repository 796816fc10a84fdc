/* VMCOREINFO lookups (see vmcoreinfo.h). */
#include <stdint.h>
#include <string.h>

#include "capture/vmcoreinfo.h"

void vmcoreinfo_init(struct vmcoreinfo *vi, const char *text, size_t len)
{
	if (!text)
		len = 0;
	if (len > VMCOREINFO_MAX_LEN)
		len = VMCOREINFO_MAX_LEN;
	/* The note is zero-padded: the text ends at the first NUL. */
	if (len) {
		const char *nul = memchr(text, '\0', len);
		if (nul)
			len = (size_t)(nul - text);
	}
	vi->text = text;
	vi->len = len;
}

int vmcoreinfo_raw(const struct vmcoreinfo *vi, const char *key,
		   const char **val, size_t *len)
{
	size_t klen = strlen(key);
	const char *p, *end;

	/* No note: text may be NULL, and NULL + 0 is undefined. */
	if (!klen || !vi->len || !vi->text)
		return 0;
	p = vi->text;
	end = vi->text + vi->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t llen = (size_t)(le - p);

		if (llen && p[llen - 1] == '\r')
			llen--;
		if (llen > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
			*val = p + klen + 1;
			*len = llen - klen - 1;
			return 1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int vmcoreinfo_string(const struct vmcoreinfo *vi, const char *key, char *buf, size_t n)
{
	const char *v;
	size_t len;

	if (!vmcoreinfo_raw(vi, key, &v, &len) || len >= n)
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return 1;
}

static int digit(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9') d = c - '0';
	else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
	else return -1;
	return d < (int)base ? d : -1;
}

/* The whole of s as digits in base; 0 on overflow or any stray character. */
static int parse_digits(const char *s, size_t len, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int d = digit(s[i], base);
		if (d < 0 || v > (UINT64_MAX - (unsigned)d) / base)
			return 0;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 1;
}

/* Decimal, or hex with 0x. */
static int parse_unsigned(const char *s, size_t len, uint64_t *out)
{
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, len - 2, 16, out);
	return parse_digits(s, len, 10, out);
}

/* Hex, with or without 0x. */
static int parse_hex(const char *s, size_t len, uint64_t *out)
{
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, len -= 2;
	return parse_digits(s, len, 16, out);
}

/*
 * %ld output, or 0x%lx. Hex and large positive values keep their bits
 * (NUMBER(VMALLOC_START)=0xffffc90000000000 is a valid NUMBER).
 */
static int parse_signed(const char *s, size_t len, int64_t *out)
{
	uint64_t m;
	int neg = 0;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++, len--;
	}
	if (!parse_unsigned(s, len, &m))
		return 0;
	if (neg) {
		if (m > (uint64_t)1 << 63)
			return 0;
		*out = (int64_t)(0 - m);
	} else {
		*out = (int64_t)m;
	}
	return 1;
}

/* Finds "KIND(name)=": the key is built into a small buffer. */
static int lookup(const struct vmcoreinfo *vi, const char *kind, const char *name,
		  const char **val, size_t *len)
{
	char key[128];
	size_t kl = strlen(kind), nl = strlen(name);

	if (kl + nl + 3 > sizeof(key))
		return 0;
	memcpy(key, kind, kl);
	key[kl] = '(';
	memcpy(key + kl + 1, name, nl);
	key[kl + 1 + nl] = ')';
	key[kl + 2 + nl] = '\0';
	return vmcoreinfo_raw(vi, key, val, len);
}

int vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name, uint64_t *out)
{
	const char *v;
	size_t len;
	uint64_t x;

	if (!lookup(vi, "SYMBOL", name, &v, &len) || !parse_hex(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

int vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name, int64_t *out)
{
	const char *v;
	size_t len;
	int64_t x;

	if (!lookup(vi, "NUMBER", name, &v, &len) || !parse_signed(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

static int lookup_unsigned(const struct vmcoreinfo *vi, const char *kind,
			   const char *name, uint64_t *out)
{
	const char *v;
	size_t len;
	uint64_t x;

	if (!lookup(vi, kind, name, &v, &len) || !parse_unsigned(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

int vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return lookup_unsigned(vi, "OFFSET", name, out);
}

int vmcoreinfo_size(const struct vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return lookup_unsigned(vi, "SIZE", name, out);
}

int vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return lookup_unsigned(vi, "LENGTH", name, out);
}

int vmcoreinfo_osrelease(const struct vmcoreinfo *vi, char *buf, size_t n)
{
	return vmcoreinfo_string(vi, "OSRELEASE", buf, n);
}

int vmcoreinfo_pagesize(const struct vmcoreinfo *vi, uint64_t *out)
{
	const char *v;
	size_t len;
	uint64_t x;

	if (!vmcoreinfo_raw(vi, "PAGESIZE", &v, &len) || !parse_unsigned(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

int vmcoreinfo_crashtime(const struct vmcoreinfo *vi, int64_t *out)
{
	const char *v;
	size_t len;
	int64_t x;

	if (!vmcoreinfo_raw(vi, "CRASHTIME", &v, &len) || !parse_signed(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

int vmcoreinfo_kerneloffset(const struct vmcoreinfo *vi, uint64_t *out)
{
	const char *v;
	size_t len;
	uint64_t x;

	if (!vmcoreinfo_raw(vi, "KERNELOFFSET", &v, &len) || !parse_hex(v, len, &x))
		return 0;
	*out = x;
	return 1;
}

int vmcoreinfo_build_id(const struct vmcoreinfo *vi, char *buf, size_t n)
{
	const char *v;
	size_t len;

	if (!vmcoreinfo_raw(vi, "BUILD-ID", &v, &len) || !len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (digit(v[i], 16) < 0)
			return 0;
	return vmcoreinfo_string(vi, "BUILD-ID", buf, n);
}
