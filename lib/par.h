/* par.h - a small pool of threads for work that splits into independent items
 *
 * pg_par_run(n, fn, ctx) calls fn(ctx, i, w) once for every i in [0, n),
 * spread over the calling thread (w = 0) and up to pg_par_threads() - 1
 * workers (w = 1, 2, ...), and returns when every call has returned.  The
 * items are handed out one at a time, so uneven items balance themselves.
 * fn must touch only item i's own results and what worker w owns (say, a
 * git_repository per worker: libgit2 allows one per thread, not one shared).
 *
 * The workers are started on first use and live until the process ends,
 * asleep between runs; no run is in progress across a fork().  Errors are
 * the items' to record: pg's error message is per thread.
 *
 * pg_par_threads() is the number of online CPUs, capped at PG_PAR_MAX, or
 * PG_THREADS from the environment (1 runs everything on the caller).
 */
#ifndef PG_PAR_H
#define PG_PAR_H

#include <stddef.h>

#define PG_PAR_MAX 16

typedef void (*pg_par_fn)(void *ctx, size_t i, unsigned worker);

unsigned pg_par_threads(void);
void pg_par_run(size_t n, pg_par_fn fn, void *ctx);

#endif
