/* bench.h - time an implementation against its baseline (DESIGN.md §6)
 *
 * Two sessions run side by side, the baseline's and the implementation's,
 * and take turns, round by round (A B A B ...), so that whatever the
 * machine does meanwhile falls on both alike.  A round is one timing
 * request (docs/wire.md) per call of the workload, each repeating its call
 * n times inside the implementation's process; pg measures the wall clock
 * around the round as well.  n is calibrated per side on the wall clock
 * (which the implementation cannot misreport) until a round takes about
 * round_ms.  Warm-up rounds come first and are not kept.
 */
#ifndef PG_BENCH_H
#define PG_BENCH_H

#include "result.h"
#include "verify.h"

typedef struct pg_bench_opts {
	int no_sandbox;
	unsigned round_ms; /* target length of a round; 0: 20 */
	void (*progress)(void *data, size_t done, size_t total);
	void *data;
} pg_bench_opts;

/* Time im against base (both built by pg_verify_run) on every workload of
 * b; fills r's samples, summary and peak memory.  When an implementation
 * fails (an error answer, a crash, a timeout) *failure says which and
 * where, r is cleared, and PG_EINVALID is returned; nothing of that run
 * may be published. */
int pg_bench_measure(pg_bresult *r, char **failure, const pg_bench *b, const pg_vimpl *base,
		     const pg_vimpl *im, const pg_bench_opts *o);

#endif
