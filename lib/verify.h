/* verify.h - run every spec of an interface against its implementations
 *
 * The caller (cmd/verify.c) fills in the implementations and specs; this
 * builds each implementation once in the sandbox (cached by its payload),
 * sends every distinct case to each in one pipelined session, judges the
 * answers per spec (examples against their expected values, randomized
 * cases against the reference implementation or the majority), shrinks the
 * first counterexample of each randomized block, and runs the specs' test
 * scripts.  A verdict per implementation x spec comes out.
 */
#ifndef PG_VERIFY_H
#define PG_VERIFY_H

#include "sandbox.h"
#include "session.h"
#include "spec.h"

typedef struct pg_vimpl {
	char id[PG_HEX_LEN + 1]; /* the impl object, or "" for a working directory */
	char key[PG_HEX_LEN + 1]; /* the payload id: the build cache's key */
	char *name, *lang, *build, *run, *author;
	const void *payload;     /* borrowed */
	size_t payload_len;
	int aux;                 /* run only as a reference or majority voter */
	/* filled by pg_verify_run */
	char *dir;               /* where it was built and runs */
	char *build_error;       /* why it could not be built */
	int cached;              /* the build came from the cache */
	pg_answer *ans;          /* per distinct case */
} pg_vimpl;

typedef struct pg_vspec {
	char id[PG_HEX_LEN + 1];
	char key[PG_HEX_LEN + 1]; /* payload id */
	char *name, *author;
	pg_spec *spec;
	const void *payload;     /* borrowed; needed for scripts */
	size_t payload_len;
} pg_vspec;

typedef struct pg_failure {
	char case_id[17];
	char *what;     /* "case 2 (same size)", "random 1 (agrees...)", "script 1" */
	char *call;     /* NULL for scripts */
	char *input;    /* the arguments, as JSON */
	char *expected; /* text */
	char *actual;   /* text, or the reason it has none */
	int shrunk;     /* input is a shrunk counterexample */
	int errored;    /* could not be decided (not the implementation's fault) */
} pg_failure;

#define PG_VERDICT_FAILS_KEPT 100

typedef struct pg_verdict {
	size_t impl, spec;       /* indexes */
	size_t passed, failed, errored;
	pg_failure *fails;       /* the first PG_VERDICT_FAILS_KEPT failures and errors */
	size_t nfails;
	char **fail_ids;         /* ids of every failed case, sorted, distinct */
	size_t nfail_ids;
	pg_buf log;              /* one line per case: "ok id what" / "not ok id what: why" */
	char log_hash[PG_HEX_LEN + 1];
	int rerun;               /* pg_verify_rerun: 1 the same verdict again, -1 another, 0 not re-run */
	char **saw;              /* others' results on the same impl and spec when this ran (cmd/verify.c) */
	size_t nsaw;
} pg_verdict;

/* A counterexample worth recording as an example case. */
typedef struct pg_recorded {
	size_t spec;
	const pg_fn *fn;
	json_t *args;
	json_t *expect;  /* NULL when the expected answer is an error */
	char *impl_name;
	int shrunk;      /* smaller than the input first found */
} pg_recorded;

typedef struct pg_verify_opts {
	const char *cache;    /* directory for builds and extracted payloads */
	unsigned jobs;        /* parallel builds and sessions; 0: one */
	int no_sandbox;
	unsigned shrink_calls; /* budget per counterexample; 0: 500 */
	void (*progress)(void *data, const char *phase, size_t done, size_t total);
	void *data;
} pg_verify_opts;

typedef struct pg_verify {
	const pg_idl *idl;
	pg_vimpl *impls;
	size_t nimpls;
	pg_vspec *specs;
	size_t nspecs;
	/* filled by pg_verify_run */
	pg_verdict *verdicts;    /* for each non-aux impl, for each spec */
	size_t nverdicts;
	pg_recorded *recorded;
	size_t nrecorded;
} pg_verify;

/* Run it all.  Failures of the implementations are verdicts, not errors;
 * a negative return is pg's own failure (I/O, the sandbox unusable). */
int pg_verify_run(pg_verify *v, const pg_verify_opts *o);

/* Run the verdicts marked in want (one flag per verdict) a second time
 * and set their rerun: whether the verdict (passed, failed, undecided)
 * came out the same.  pg verify does this where another signer's claim
 * contradicts a verdict, so that flakiness never counts against them. */
int pg_verify_rerun(pg_verify *v, const pg_verify_opts *o, const int *want);

/* The sandbox an implementation built by pg_verify_run runs in. */
pg_sandbox pg_vimpl_sandbox(const pg_vimpl *im, int no_sandbox);

/* Free what pg_verify_run filled in and the impls' and specs' strings. */
void pg_verify_clear(pg_verify *v);

/* Write v as YAML for a new spec of recorded example cases. */
void pg_verify_recorded_yaml(pg_buf *out, const pg_verify *v);

#endif
