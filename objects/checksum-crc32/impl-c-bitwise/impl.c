/* impl.c - an implementation of the pg interface checksum::crc32
 *
 * Fill in the functions below; crc32.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "crc32.h"

/* The CRC-32 of data (IEEE 802.3): the reflected polynomial 0xEDB88320,
 * the register started at 0xFFFFFFFF and the result xored with
 * 0xFFFFFFFF, as zlib's crc32(0, data, len).  Empty data gives 0;
 * "123456789" gives 0xCBF43926. */
uint32_t crc32(pg_bytes data)
{
	/* The definition, a bit at a time: xor the byte into the low end of
	 * the register, then eight times shift right by one and, when the bit
	 * shifted out was 1, xor in the polynomial.  No table, and eight
	 * dependent steps per byte. */
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < data.len; i++) {
		crc ^= data.ptr[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}
