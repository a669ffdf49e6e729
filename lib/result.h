/* result.h - the bodies of result objects: what was seen, and checks that
 * what a result says follows from what it shows
 *
 * A verify result (format.md §3.2) carries a verdict and counts; a bench
 * result (format.md §3.3) carries raw timings of an implementation and its
 * baseline, round by round, and a summary computed from them.  A summary
 * that does not follow from its own samples is refused wherever a result
 * enters a store: at publish (pg_txn_add) and when a log is verified
 * (fetch, import, fsck).
 */
#ifndef PG_RESULT_H
#define PG_RESULT_H

#include "object.h"

#define PG_BENCH_WORKLOADS_MAX 64
#define PG_BENCH_SAMPLES_MAX 100

/* One workload: rounds of an implementation (ns measured inside it, wall
 * measured by pg around the request) interleaved with its baseline. */
typedef struct pg_bwork {
	uint64_t n, base_n; /* iterations of each call per round: impl, baseline */
	uint64_t calls;     /* calls per round */
	size_t nsamples;
	uint64_t ns[PG_BENCH_SAMPLES_MAX], wall[PG_BENCH_SAMPLES_MAX];
	uint64_t base_ns[PG_BENCH_SAMPLES_MAX], base_wall[PG_BENCH_SAMPLES_MAX];
	/* the summary (pg_bench_summarize) */
	double ratio, q1, q3;   /* paired ratios impl/baseline: median and quartiles */
	double low, high;       /* 95% bootstrap confidence interval of the median ratio */
	double iter_ns, base_iter_ns; /* median ns per call */
	double mad, base_mad;   /* median absolute deviation / median */
} pg_bwork;

typedef struct pg_bresult {
	char baseline[PG_HEX_LEN + 1]; /* the baseline impl's id */
	double score;           /* geometric mean of the workloads' ratios */
	double band_lo, band_hi; /* geometric means of their quartiles */
	uint64_t peak_rss, base_peak_rss; /* bytes */
	pg_bwork *w;
	size_t nw;
	char *note;             /* why the figures may not be trusted, or NULL */
	char *machine;
} pg_bresult;

/* The time of one round as pg counts it: the implementation's own clock,
 * unless that is implausible next to the wall clock pg measured around the
 * request (more than it, or less than a quarter of it), then the wall clock:
 * under-reporting gains an implementation at most that factor of four
 * (rounds are calibrated so that an honest loop is most of the wall clock). */
uint64_t pg_bench_round_ns(uint64_t ns, uint64_t wall);

/* Compute every summary field from the samples; sets note when the spread
 * is too wide to trust. */
void pg_bench_summarize(pg_bresult *r);

/* The body of a bench result, and back.  Parsing checks the syntax, the
 * limits, and that every summary figure is what the samples give. */
void pg_bench_body(pg_buf *out, const pg_bresult *r);
int pg_bench_body_parse(pg_bresult *r, const char *body, size_t len);
void pg_bresult_clear(pg_bresult *r);

/* What a result object says, in brief, for the index and ranking. */
typedef struct pg_result_info {
	int kind;               /* 'v' verify, 'b' bench */
	char verdict[16];       /* verify: passed, failed, incomplete; bench: measured */
	double score, band_lo, band_hi; /* bench */
	char baseline[PG_HEX_LEN + 1];
	char machine[256];
	int rerun;              /* verify: 1 a re-run gave the same verdict, -1 it did not, 0 none */
} pg_result_info;

/* Read the summary of a result object without re-checking it. */
int pg_result_info_get(pg_result_info *info, const pg_object *o);

/* Refuse a result whose body is malformed or contradicts itself; 0 for
 * objects of other types. */
int pg_result_check(const pg_object *o);

/* Statistics over n doubles (v is reordered). */
double pg_stat_quantile(double *v, size_t n, double q);
double pg_stat_median(double *v, size_t n);

/* This machine, as results record it: arch, OS, cpus, CPU model. */
char *pg_machine(void);

#endif
