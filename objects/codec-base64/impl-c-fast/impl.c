/* impl.c - an implementation of the pg interface codec::base64
 *
 * Fill in the functions below; base64_.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "base64_.h"

#include <string.h>

static const char alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encoding: pairs[v] is the two characters of the 12 bits v, so a group
 * of 3 bytes is two lookups and two 2-byte copies.
 *
 * Decoding: dec[k][c] is character c's 6 bits already in place for the
 * k-th character of a group, in a word whose bytes 0, 1 and 2 (by value,
 * not by memory order) are the group's 3 bytes; a character outside the
 * alphabet is BAD in every table, a bit no valid group sets, so a whole
 * text is checked by OR-ing its words together and testing once. */
#define BAD 0x01000000u

static char pairs[4096][2];
static uint32_t dec[4][256];
static bool ready;

static void init(void)
{
	for (int v = 0; v < 4096; v++) {
		pairs[v][0] = alphabet[v >> 6];
		pairs[v][1] = alphabet[v & 63];
	}
	for (int k = 0; k < 4; k++)
		for (int c = 0; c < 256; c++)
			dec[k][c] = BAD;
	for (uint32_t x = 0; x < 64; x++) {
		unsigned char c = (unsigned char)alphabet[x];
		/* the group's 24 bits are c0 c1 c2 c3, 6 each; byte 0 is the
		 * top 8 of them, byte 1 the next, byte 2 the last */
		uint32_t bits[4] = { x << 18, x << 12, x << 6, x };
		for (int k = 0; k < 4; k++) {
			uint32_t b = bits[k];
			dec[k][c] = (b >> 16 & 0xff) | (b >> 8 & 0xff) << 8 | (b & 0xff) << 16;
		}
	}
	ready = true;
}

/* The base64 text of data: 4 characters for every 3 bytes, the last
 * group padded with = to 4 characters; "" for no bytes. */
pg_str encode(pg_bytes data)
{
	if (!ready)
		init();
	size_t n = data.len;
	if (!n)
		return (pg_str){ 0 };
	const uint8_t *p = data.ptr, *end = p + n / 3 * 3;
	char *out = pg_alloc((n + 2) / 3 * 4), *o = out;
	/* 6 bytes a turn, read as one big-endian word of 8 (so while 8 are
	 * left), then one group at a time */
	for (; end - p >= 8; p += 6, o += 8) {
		uint64_t v = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
			     (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
			     (uint64_t)p[6] << 8 | p[7];
		memcpy(o, pairs[v >> 52], 2);
		memcpy(o + 2, pairs[v >> 40 & 0xfff], 2);
		memcpy(o + 4, pairs[v >> 28 & 0xfff], 2);
		memcpy(o + 6, pairs[v >> 16 & 0xfff], 2);
	}
	for (; p < end; p += 3, o += 4) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		memcpy(o, pairs[v >> 12], 2);
		memcpy(o + 2, pairs[v & 0xfff], 2);
	}
	switch (n % 3) {
	case 1:
		memcpy(o, pairs[(uint32_t)p[0] << 4], 2);
		o[2] = o[3] = '=';
		o += 4;
		break;
	case 2: {
		uint32_t v = (uint32_t)p[0] << 10 | (uint32_t)p[1] << 2; /* 18 bits */
		memcpy(o, pairs[v >> 6], 2);
		o[2] = alphabet[v & 63];
		o[3] = '=';
		o += 4;
		break;
	}
	}
	return (pg_str){ out, (size_t)(o - out) };
}

/* The bytes whose encode is text; None unless text is exactly what encode
 * would give for some bytes: a length that is a multiple of 4, only
 * characters of the alphabet, = only as the last one or two characters,
 * and the bits a padded group leaves unused all 0.  No whitespace, no
 * line breaks, no URL-safe alphabet. */
pg_option_bytes decode(pg_str text)
{
	const pg_option_bytes none = { 0 };
	if (!ready)
		init();
	const unsigned char *s = (const unsigned char *)text.ptr;
	size_t n = text.len;
	if (n % 4)
		return none;
	if (!n)
		return (pg_option_bytes){ true, { 0 } };

	/* every group but the last has 4 characters of the alphabet: no
	 * branch in the loop, one test of all their bits after it */
	size_t pad = s[n - 1] == '=' ? 1 + (s[n - 2] == '=') : 0;
	size_t len = n / 4 * 3 - pad;
	uint8_t *out = pg_alloc(len), *o = out;
	const unsigned char *end = s + n - 4;
	uint32_t seen = 0;
	for (; s < end; s += 4, o += 3) {
		uint32_t w = dec[0][s[0]] | dec[1][s[1]] | dec[2][s[2]] | dec[3][s[3]];
		seen |= w;
		o[0] = (uint8_t)w;
		o[1] = (uint8_t)(w >> 8);
		o[2] = (uint8_t)(w >> 16);
	}
	/* the last group: 2, 3 or 4 characters, the rest =, and the bits no
	 * byte takes 0 */
	uint32_t w = dec[0][s[0]] | dec[1][s[1]];
	if (pad < 2)
		w |= dec[2][s[2]];
	if (pad < 1)
		w |= dec[3][s[3]];
	if ((seen | w) & BAD)
		return none;
	o[0] = (uint8_t)w;
	if (pad == 2 && (w >> 8 & 0xffff))
		return none;
	if (pad < 2)
		o[1] = (uint8_t)(w >> 8);
	if (pad == 1 && (w >> 16 & 0xff))
		return none;
	if (pad < 1)
		o[2] = (uint8_t)(w >> 16);
	return (pg_option_bytes){ true, { out, len } };
}
