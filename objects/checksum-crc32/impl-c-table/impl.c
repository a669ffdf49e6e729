/* impl.c - an implementation of the pg interface checksum::crc32
 *
 * Fill in the functions below; crc32.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "crc32.h"

/* table[b] is the register after eight bitwise steps from b: what a byte
 * does to the register, computed once, on the first call. */
static uint32_t table[256];

static void make_table(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
		table[b] = c;
	}
}

/* The CRC-32 of data (IEEE 802.3): the reflected polynomial 0xEDB88320,
 * the register started at 0xFFFFFFFF and the result xored with
 * 0xFFFFFFFF, as zlib's crc32(0, data, len).  Empty data gives 0;
 * "123456789" gives 0xCBF43926. */
uint32_t crc32(pg_bytes data)
{
	/* Sarwate's method, a byte at a time: one lookup replaces the eight
	 * steps of the bitwise loop.  table[1] is never 0 once made. */
	if (!table[1])
		make_table();
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < data.len; i++)
		crc = (crc >> 8) ^ table[(crc ^ data.ptr[i]) & 0xFFu];
	return crc ^ 0xFFFFFFFFu;
}
