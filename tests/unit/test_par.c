/* test_par.c - the thread pool: every item once, on several threads */
#include "unit.h"

#include <stdatomic.h>
#include <time.h>

#include "par.h"

#define N 5000

struct seen {
	atomic_int count[N];
	atomic_uint workers; /* bit w set once worker w ran an item */
	unsigned bad_worker;
};

static void mark(void *data, size_t i, unsigned w)
{
	struct seen *s = data;
	atomic_fetch_add(&s->count[i], 1);
	if (w >= pg_par_threads())
		s->bad_worker = 1;
	atomic_fetch_or(&s->workers, 1u << w);
	/* item 0 waits (up to 10 s) until another thread has taken an item:
	 * the caller alone would never finish the run while it waits */
	if (i == 0) {
		struct timespec d = { 0, 1000000 };
		for (int k = 0; k < 10000 && !(atomic_load(&s->workers) & ~1u); k++)
			nanosleep(&d, NULL);
	}
}

static void test_every_item_once_on_several_threads(void **state)
{
	(void)state;
	assert_int_equal(pg_par_threads(), 3);
	for (int round = 0; round < 50; round++) {
		struct seen *s = pg_calloc(1, sizeof(*s));
		pg_par_run(N, mark, s);
		for (size_t i = 0; i < N; i++)
			if (atomic_load(&s->count[i]) != 1)
				fail_msg("round %d: item %zu ran %d times", round, i, atomic_load(&s->count[i]));
		assert_false(s->bad_worker);
		assert_true(atomic_load(&s->workers) & ~1u); /* not only the caller */
		free(s);
	}
}

static void test_empty_and_single_runs_on_the_caller(void **state)
{
	(void)state;
	struct seen *s = pg_calloc(1, sizeof(*s));
	pg_par_run(0, mark, s);
	assert_int_equal(atomic_load(&s->workers), 0);
	atomic_store(&s->workers, 2); /* item 0 must not wait */
	pg_par_run(1, mark, s);
	assert_int_equal(atomic_load(&s->count[0]), 1);
	assert_int_equal(atomic_load(&s->workers), 3); /* ran as w = 0 */
	free(s);
}

int main(void)
{
	setenv("PG_THREADS", "3", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_item_once_on_several_threads),
		cmocka_unit_test(test_empty_and_single_runs_on_the_caller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
