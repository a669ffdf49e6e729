/* impl.c - an implementation of the pg interface checksum::crc32
 *
 * Fill in the functions below; crc32.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "crc32.h"

/* t[0][b] is what the byte b does to the register (the byte-at-a-time
 * table); t[k][b] is what it does when k more bytes follow it:
 * t[k][b] = (t[k-1][b] >> 8) ^ t[0][t[k-1][b] & 0xFF].  Made on the
 * first call. */
static uint32_t t[8][256];

static void make_tables(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
		t[0][b] = c;
	}
	for (int k = 1; k < 8; k++)
		for (uint32_t b = 0; b < 256; b++)
			t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
}

/* The CRC-32 of data (IEEE 802.3): the reflected polynomial 0xEDB88320,
 * the register started at 0xFFFFFFFF and the result xored with
 * 0xFFFFFFFF, as zlib's crc32(0, data, len).  Empty data gives 0;
 * "123456789" gives 0xCBF43926. */
uint32_t crc32(pg_bytes data)
{
	/* Slicing-by-8: eight bytes per step, the first four xored into the
	 * register, and eight independent lookups, one per byte, in the table
	 * for how many bytes follow it.  The bytes are read one by one, so
	 * it is the same on any byte order; the tail goes a byte at a time. */
	if (!t[0][1])
		make_tables();
	const uint8_t *p = data.ptr;
	size_t n = data.len;
	uint32_t crc = 0xFFFFFFFFu;
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^
		      t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
		      t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
	}
	for (; n; p++, n--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xFFu];
	return crc ^ 0xFFFFFFFFu;
}
