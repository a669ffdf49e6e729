/* par.c - a small pool of threads for work that splits into independent items
 *
 * One run at a time: the caller publishes (fn, ctx, n) under the pool's
 * mutex and bumps the generation; each worker wakes, takes items from an
 * atomic counter until none is left, and reports itself done.  The caller
 * takes items too, then waits for the workers of this generation.
 */
#include "par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	unsigned started;       /* workers running (their w is 1..started) */
	unsigned long gen;      /* bumped by each run */
	unsigned busy;          /* workers still in the current run */
	pg_par_fn fn;
	void *ctx;
	size_t n;
	atomic_size_t next;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, NULL, 0, 0 };

unsigned pg_par_threads(void)
{
	static unsigned n;
	if (n)
		return n;
	const char *e = getenv("PG_THREADS");
	long v = 0;
	if (e && *e) {
		char *end;
		v = strtol(e, &end, 10);
		if (*end || v < 1)
			v = 0;
	}
	if (!v)
		v = sysconf(_SC_NPROCESSORS_ONLN);
	n = v < 1 ? 1 : v > PG_PAR_MAX ? PG_PAR_MAX : (unsigned)v;
	return n;
}

static void take(unsigned w)
{
	size_t i;
	while ((i = atomic_fetch_add(&pool.next, 1)) < pool.n)
		pool.fn(pool.ctx, i, w);
}

static void *worker(void *arg)
{
	unsigned w = (unsigned)(size_t)arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.gen == seen)
			pthread_cond_wait(&pool.wake, &pool.mu);
		seen = pool.gen;
		pthread_mutex_unlock(&pool.mu);
		take(w);
		pthread_mutex_lock(&pool.mu);
		if (--pool.busy == 0)
			pthread_cond_signal(&pool.done);
	}
	return NULL;
}

/* Start workers up to want - 1 (the caller is one); fewer if the system
 * refuses threads, which only makes runs slower. */
static void start(unsigned want)
{
	while (pool.started + 1 < want) {
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		int r = pthread_create(&t, &a, worker, (void *)(size_t)(pool.started + 1));
		pthread_attr_destroy(&a);
		if (r)
			break;
		pool.started++;
	}
}

void pg_par_run(size_t n, pg_par_fn fn, void *ctx)
{
	unsigned want = pg_par_threads();
	if (n < 2 || want < 2) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i, 0);
		return;
	}
	pthread_mutex_lock(&pool.mu);
	start(want);
	pool.fn = fn;
	pool.ctx = ctx;
	pool.n = n;
	atomic_store(&pool.next, 0);
	pool.busy = pool.started;
	pool.gen++;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.mu);
	take(0);
	pthread_mutex_lock(&pool.mu);
	while (pool.busy)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}
