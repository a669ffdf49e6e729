/* rank.h - order an interface's implementations by the evidence
 *
 * Per impl and bench: the weighted median of the log-ratios of every bench
 * claim (a signer's weight is split over its claims, so publishing many
 * gains nothing); per impl: the geometric mean over benches (SPEC-style).
 * Only verified impls are ranked (by my own results, or, where I have none,
 * by the trust mass of others' claims: strangers weigh nothing); failing, unverified and blocked impls
 * are listed after them with the reason.  All of it comes from the index.
 */
#ifndef PG_RANK_H
#define PG_RANK_H

#include "index.h"
#include "trust.h"

typedef enum pg_rank_status {
	PG_RANK_RANKED = 0, /* verified and benched */
	PG_RANK_UNBENCHED,  /* verified, no bench claims */
	PG_RANK_UNVERIFIED, /* no verdict for some spec */
	PG_RANK_FAILED,     /* fails a spec */
	PG_RANK_BLOCKED,    /* blocked by me */
} pg_rank_status;

typedef struct pg_rank_row {
	pg_index_row impl;
	pg_rank_status status;
	char *reason;         /* why it is not ranked; notes for ranked ones */
	size_t rank;          /* 1.. for ranked rows, 0 otherwise */
	int baseline;         /* the benches' baseline: 1 by definition */
	double score, lo, hi; /* × baseline (lower is faster) and the 25-75% band */
	size_t claims, signers, machines, benches;
	size_t verified_by;   /* trusted signers whose verify results all passed it */
	double verified_mass; /* their trust mass (what pg build's threshold is about) */
	int verified_by_me;
} pg_rank_row;

typedef struct pg_ranking {
	pg_rank_row *rows;    /* ranked first, by score; then the others */
	size_t n;
} pg_ranking;

/* Claims count by their signers' trust mass in rep (pg_rep_weight), never
 * by their number; my own verdicts decide where I have them. */
int pg_rank(pg_ranking *out, pg_index *x, const char *iface, const pg_rep *rep);
void pg_ranking_free(pg_ranking *r);

#endif
