/* impl.c - an implementation of the pg interface sort::u32
 *
 * Fill in the functions below; u32.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "u32.h"

#include <string.h>

/* The values in ascending order: equal values are all kept, so the
 * result has the same length as the input and holds the same values. */
pg_array_u32 sort(pg_array_u32 values)
{
	/* LSD radix sort, four stable counting passes of 8 bits each, from
	 * the input into a scratch array and back and forth: the fourth pass
	 * ends in the result.  The input is never written (a timed call runs
	 * many times on the same arguments). */
	size_t n = values.len;
	uint32_t *out = pg_alloc_n(n, sizeof(*out));
	if (n < 2) {
		if (n)
			out[0] = values.ptr[0];
		return (pg_array_u32){ out, n };
	}
	uint32_t *tmp = pg_alloc_n(n, sizeof(*tmp));

	/* the four histograms in one read of the input */
	size_t count[4][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint32_t x = values.ptr[i];
		count[0][x & 0xff]++;
		count[1][(x >> 8) & 0xff]++;
		count[2][(x >> 16) & 0xff]++;
		count[3][x >> 24]++;
	}

	/* passes 0 and 2 write tmp, 1 and 3 write out */
	const uint32_t *src = values.ptr;
	for (int pass = 0; pass < 4; pass++) {
		uint32_t *dst = pass % 2 ? out : tmp;
		unsigned shift = 8u * (unsigned)pass;
		size_t *c = count[pass], sum = 0;
		if (c[(src[0] >> shift) & 0xff] == n) {
			/* every value has the same byte here: the pass would only copy */
			if (src != dst)
				memcpy(dst, src, n * sizeof(*dst));
			src = dst;
			continue;
		}
		for (int b = 0; b < 256; b++) {
			size_t k = c[b];
			c[b] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t x = src[i];
			dst[c[(x >> shift) & 0xff]++] = x;
		}
		src = dst;
	}
	return (pg_array_u32){ out, n };
}
