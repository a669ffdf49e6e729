/* spec.h - a spec's cases.yaml: examples, randomized checks, scripts
 *
 *     tolerance: 1e-9          # floats: abs and rel (or {abs: x, rel: y}); default exact
 *     timeout: 5               # seconds one call may take; default 5
 *     cases:
 *       - description: same size circles intersect
 *         call: Circle.intersects_circle
 *         args: [{radius: 3.0, center: [0.0, 1.0]}, {radius: 3.0, center: [0.0, 1.0]}]
 *         expect: true         # or: error: "negative"  (a substring; "" = any error)
 *     random:
 *       - description: agrees with the reference
 *         call: Circle.intersects_circle
 *         count: 1000
 *         seed: 7
 *         reference: circle-c  # an impl name or id (prefix); none: the majority
 *         args: [{radius: {min: 0, max: 5, step: 1}}, ...]   # generators (value.h)
 *     scripts:
 *       - description: the CLI round-trips
 *         run: sh check.sh     # in the spec's payload; $PG_IMPL starts the impl
 *         format: tap          # or exit (status 0 passes)
 *
 * Every value is checked against the interface when the spec is loaded, so
 * a spec that does not fit its interface is refused at publish time, with
 * file:line:col and the case and field named.
 */
#ifndef PG_SPEC_H
#define PG_SPEC_H

#include "value.h"

#define PG_SPEC_FILE "cases.yaml"
#define PG_SPEC_MAX_CASES 10000
#define PG_SPEC_MAX_COUNT 100000 /* random cases per block */
#define PG_SPEC_MAX_SCRIPTS 100

typedef struct pg_case {
	char id[17];        /* 16 hex of BLAKE2b(call, args): equal inputs share it */
	const pg_fn *fn;
	json_t *args;       /* array, canonical */
	json_t *expect;     /* the expected value, or NULL */
	char *error;        /* an expected error (substring), or NULL */
	char *description;
	long block;         /* -1: an example; else the random block */
	size_t line, col;
} pg_case;

typedef struct pg_random {
	const pg_fn *fn;
	char *description;
	size_t count;
	uint64_t seed;
	char *reference;    /* NULL: the majority */
	pg_gen **gens;      /* one per wire argument */
	size_t line, col;
} pg_random;

typedef struct pg_script {
	char *description;
	char *run;
	int tap;
	size_t line, col;
} pg_script;

typedef struct pg_spec {
	char *file;
	pg_tolerance tol;
	unsigned timeout_ms;
	pg_case *cases;
	size_t ncases;
	pg_random *random;
	size_t nrandom;
	pg_script *scripts;
	size_t nscripts;
} pg_spec;

/* Parse text (named file in messages) against idl. */
int pg_spec_parse(pg_spec **out, const pg_idl *idl, const char *text, size_t len, const char *file);
void pg_spec_free(pg_spec *s);

/* The inputs of random block b: count cases with args and no expectation,
 * the same on every machine.  The caller frees them with pg_case_free. */
int pg_spec_expand(pg_case **out, size_t *n, const pg_spec *s, size_t b);
void pg_case_free(pg_case *c); /* contents only */

/* --- benches: a bench's workload.yaml ---------------------------------
 *
 *     description: sorting random arrays
 *     baseline: sort-c-qsort   # an impl name or id prefix; default: the interface's
 *     samples: 15              # timed rounds per workload, 10..100 (default 15)
 *     warmup: 3                # untimed rounds first, 0..100 (default 3)
 *     timeout: 30              # seconds one round may take (default 30)
 *     workloads:
 *       - description: one call
 *         call: Circle.area
 *         args: [{radius: 2.0, center: [0, 0]}]
 *         n: 100000            # iterations per timing request; default: calibrated
 *       - description: generated calls, as a spec's random block
 *         call: sort
 *         count: 4             # 1..1000 calls
 *         seed: 1
 *         args: [{len: [10000, 10000], of: {min: 0, max: 4294967295}}]
 */
#define PG_BENCH_FILE "workload.yaml"
#define PG_BENCH_MAX_WORKLOADS 64
#define PG_BENCH_MAX_CALLS 1000     /* calls in one workload */
#define PG_BENCH_MAX_SAMPLES 100

typedef struct pg_workload {
	char *description;
	const pg_fn *fn;
	json_t *calls;      /* array of argument arrays, canonical */
	uint64_t n;         /* iterations per timing request; 0: calibrate */
	size_t line, col;
} pg_workload;

typedef struct pg_bench {
	char *file;
	char *description;
	char *baseline;     /* NULL: the interface's */
	unsigned samples, warmup, timeout_ms;
	pg_workload *w;
	size_t nw;
} pg_bench;

int pg_bench_parse(pg_bench **out, const pg_idl *idl, const char *text, size_t len, const char *file);
void pg_bench_free(pg_bench *b);

/* Fill c->id from its call and args. */
void pg_case_id(pg_case *c);

/* A canonical wire value of type t as a YAML flow value that the spec
 * loader reads back to the same value. */
void pg_spec_yaml_value(pg_buf *out, const pg_type *t, const json_t *v);

#endif
