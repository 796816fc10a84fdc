/*
 * The htree name hash (§5): legacy, half-MD4 and TEA, each with names read
 * as signed or unsigned chars. Written from the description in
 * docs/ext4-writing.md and checked against debugfs dx_hash.
 */
#include <stddef.h>
#include <stdint.h>

#include "fs/ext4_fs.h"

enum { HASH_LEGACY, HASH_HALF_MD4, HASH_TEA };

static uint32_t rol32(uint32_t x, int s) { return x << s | x >> (32 - s); }

static int32_t char_value(const char *p, size_t i, int unsigned_chars)
{
	return unsigned_chars ? (int32_t)(uint8_t)p[i] : (int32_t)(int8_t)p[i];
}

static uint32_t legacy_hash(const char *name, size_t len, int unsigned_chars)
{
	uint32_t h0 = 0x12a3fe2d, h1 = 0x37abe8f9;

	for (size_t i = 0; i < len; i++) {
		uint32_t h = h1 + (h0 ^ (uint32_t)(char_value(name, i, unsigned_chars) * 7152373));

		if (h & 0x80000000u)
			h -= 0x7fffffff;
		h1 = h0;
		h0 = h;
	}
	return h0 << 1;
}

/*
 * Packs up to 4*nwords name bytes into words, big-end first within a word;
 * words without bytes, and the unfilled part, hold the padding pattern made
 * from the number of bytes left.
 */
static void pack_words(const char *p, size_t left, uint32_t *out, int nwords, int unsigned_chars)
{
	uint32_t pad = (uint32_t)left | (uint32_t)left << 8;
	uint32_t val;
	size_t n = left < (size_t)nwords * 4 ? left : (size_t)nwords * 4;
	int w = 0;

	pad |= pad << 16;
	val = pad;
	for (size_t i = 0; i < n; i++) {
		val = (uint32_t)char_value(p, i, unsigned_chars) + (val << 8);
		if (i % 4 == 3) {
			out[w++] = val;
			val = pad;
		}
	}
	if (w < nwords)
		out[w++] = val;
	while (w < nwords)
		out[w++] = pad;
}

static void tea_transform(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];

	for (int n = 0; n < 16; n++) {
		sum += 0x9E3779B9u;
		b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
		b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
	}
	buf[0] += b0;
	buf[1] += b1;
}

#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define STEP(f, a, b, c, d, x, s) (a += f(b, c, d) + (x), a = rol32(a, s))

/* MD4's three rounds over 8 words, as ext4's "half MD4". */
static void half_md4_transform(uint32_t buf[4], const uint32_t in[8])
{
	const uint32_t k2 = 0x5A827999u, k3 = 0x6ED9EBA1u;
	uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];

	STEP(F, a, b, c, d, in[0], 3);
	STEP(F, d, a, b, c, in[1], 7);
	STEP(F, c, d, a, b, in[2], 11);
	STEP(F, b, c, d, a, in[3], 19);
	STEP(F, a, b, c, d, in[4], 3);
	STEP(F, d, a, b, c, in[5], 7);
	STEP(F, c, d, a, b, in[6], 11);
	STEP(F, b, c, d, a, in[7], 19);

	STEP(G, a, b, c, d, in[1] + k2, 3);
	STEP(G, d, a, b, c, in[3] + k2, 5);
	STEP(G, c, d, a, b, in[5] + k2, 9);
	STEP(G, b, c, d, a, in[7] + k2, 13);
	STEP(G, a, b, c, d, in[0] + k2, 3);
	STEP(G, d, a, b, c, in[2] + k2, 5);
	STEP(G, c, d, a, b, in[4] + k2, 9);
	STEP(G, b, c, d, a, in[6] + k2, 13);

	STEP(H, a, b, c, d, in[3] + k3, 3);
	STEP(H, d, a, b, c, in[7] + k3, 9);
	STEP(H, c, d, a, b, in[2] + k3, 11);
	STEP(H, b, c, d, a, in[6] + k3, 15);
	STEP(H, a, b, c, d, in[1] + k3, 3);
	STEP(H, d, a, b, c, in[5] + k3, 9);
	STEP(H, c, d, a, b, in[0] + k3, 11);
	STEP(H, b, c, d, a, in[4] + k3, 15);

	buf[0] += a;
	buf[1] += b;
	buf[2] += c;
	buf[3] += d;
}

/*
 * version is the htree's hash_version (0 legacy, 1 half-MD4, 2 TEA; 3-5 are
 * the same read as unsigned). Returns the major hash with bit 0 clear.
 */
uint32_t ext4_dirhash(const char *name, size_t len, int version, int unsigned_chars,
		      const uint32_t seed[4])
{
	uint32_t buf[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
	uint32_t in[8], hash;

	if (version >= 3) {
		version -= 3;
		unsigned_chars = 1;
	}
	if (seed && (seed[0] | seed[1] | seed[2] | seed[3]))
		for (int i = 0; i < 4; i++)
			buf[i] = seed[i];

	switch (version) {
	case HASH_LEGACY:
		hash = legacy_hash(name, len, unsigned_chars);
		break;
	case HASH_HALF_MD4:
		for (size_t off = 0; off < len; off += 32) {
			pack_words(name + off, len - off, in, 8, unsigned_chars);
			half_md4_transform(buf, in);
		}
		hash = buf[1];
		break;
	default:
		for (size_t off = 0; off < len; off += 16) {
			pack_words(name + off, len - off, in, 4, unsigned_chars);
			tea_transform(buf, in);
		}
		hash = buf[0];
		break;
	}
	hash &= ~1u;
	if (hash == 0xFFFFFFFEu)
		hash = 0xFFFFFFFCu;
	return hash;
}
