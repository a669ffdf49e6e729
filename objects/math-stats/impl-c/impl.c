/* impl.c - an implementation of the pg interface math::stats
 *
 * Fill in the functions below; stats.h declares them and the types, and
 * says how values are passed.  Build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm
 */
#define PG_IMPLEMENTATION
#include "stats.h"

#include <stdlib.h>
#include <string.h>

/* The arithmetic mean of values; None for an empty list. */
pg_option_f64 mean(pg_array_f64 values)
{
	double sum = 0;
	if (!values.len)
		return (pg_option_f64){ 0 };
	for (size_t i = 0; i < values.len; i++)
		sum += values.ptr[i];
	return (pg_option_f64){ true, sum / (double)values.len };
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median: the middle value of the sorted list, or the mean of the
 * two middle values when the count is even; None for an empty list. */
pg_option_f64 median(pg_array_f64 values)
{
	size_t n = values.len;
	if (!n)
		return (pg_option_f64){ 0 };
	/* sort a copy: the arguments are the runtime's */
	double *v = pg_alloc(n * sizeof(*v));
	memcpy(v, values.ptr, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return (pg_option_f64){ true, m };
}

/* How many values are strictly greater than threshold. */
uint64_t count_above(pg_array_f64 values, double threshold)
{
	uint64_t n = 0;
	for (size_t i = 0; i < values.len; i++)
		n += values.ptr[i] > threshold;
	return n;
}
