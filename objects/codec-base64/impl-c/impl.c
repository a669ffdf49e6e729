/* impl.c - an implementation of the pg interface codec::base64
 *
 * Fill in the functions below; base64_.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "base64_.h"

static const char alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 text of data: 4 characters for every 3 bytes, the last
 * group padded with = to 4 characters; "" for no bytes. */
pg_str encode(pg_bytes data)
{
	size_t n = data.len;
	if (!n)
		return (pg_str){ 0 };
	char *out = pg_alloc((n + 2) / 3 * 4), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		/* up to 3 bytes as 24 bits, missing bytes 0 */
		size_t k = n - i < 3 ? n - i : 3;
		uint32_t v = (uint32_t)data.ptr[i] << 16;
		if (k > 1)
			v |= (uint32_t)data.ptr[i + 1] << 8;
		if (k > 2)
			v |= data.ptr[i + 2];
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = k > 1 ? alphabet[v >> 6 & 63] : '=';
		*o++ = k > 2 ? alphabet[v & 63] : '=';
	}
	return (pg_str){ out, (size_t)(o - out) };
}

/* A character's 6 bits, or -1 for one outside the alphabet. */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The bytes whose encode is text; None unless text is exactly what encode
 * would give for some bytes: a length that is a multiple of 4, only
 * characters of the alphabet, = only as the last one or two characters,
 * and the bits a padded group leaves unused all 0.  No whitespace, no
 * line breaks, no URL-safe alphabet. */
pg_option_bytes decode(pg_str text)
{
	const pg_option_bytes none = { 0 };
	const unsigned char *s = (const unsigned char *)text.ptr;
	size_t n = text.len;
	if (n % 4)
		return none;
	if (!n)
		return (pg_option_bytes){ true, { 0 } };

	/* the padding: one or two = at the very end, and nowhere else (a =
	 * anywhere before them is not in the alphabet below) */
	size_t pad = s[n - 1] == '=' ? 1 + (s[n - 2] == '=') : 0;
	size_t len = n / 4 * 3 - pad;
	uint8_t *out = pg_alloc(len ? len : 1), *o = out;
	for (size_t i = 0; i < n; i += 4) {
		size_t chars = i + 4 < n ? 4 : 4 - pad; /* the last group: fewer */
		uint32_t v = 0;
		for (size_t j = 0; j < 4; j++) {
			int x = j < chars ? sextet(s[i + j]) : 0;
			if (x < 0)
				return none;
			v = v << 6 | (uint32_t)x;
		}
		*o++ = (uint8_t)(v >> 16);
		if (chars > 2)
			*o++ = (uint8_t)(v >> 8);
		if (chars > 3)
			*o++ = (uint8_t)v;
		/* the bits of the last character that no byte takes must be 0 */
		if (chars == 3 && (v & 0xff))
			return none;
		if (chars == 2 && (v & 0xffff))
			return none;
	}
	return (pg_option_bytes){ true, { out, len } };
}
