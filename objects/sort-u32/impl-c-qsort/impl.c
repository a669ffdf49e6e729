/* impl.c - an implementation of the pg interface sort::u32
 *
 * Fill in the functions below; u32.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "u32.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The values in ascending order: equal values are all kept, so the
 * result has the same length as the input and holds the same values. */
pg_array_u32 sort(pg_array_u32 values)
{
	/* sort a copy: the arguments are the runtime's, and a timed call
	 * runs many times on the same ones */
	size_t n = values.len;
	uint32_t *v = pg_alloc_n(n, sizeof(*v));
	if (n)
		memcpy(v, values.ptr, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u32);
	return (pg_array_u32){ v, n };
}
