/* trust.h - whose word counts: trust policy, evidence and reputation
 *
 * Everything here is a deterministic function of the index (identities,
 * trust claims, blocks, results), the store's local records (.pg/policy:
 * private trust and blocks; .pg/refusals: what sync refused) and who "me"
 * is (DESIGN.md §7, format.md §6.4):
 *
 *   - keys are grouped into principals: a key handed over to a successor
 *     (a rotation, signed by both keys) speaks for the successor, and its
 *     claims dated after the handover, or after a revocation, are void;
 *   - my direct trust is the newest of my published trust claims and my
 *     private ones, per identity;
 *   - evidence: every claim of another identity about something I have a
 *     result about agrees or disagrees with mine (a verify verdict counts
 *     against its signer only when my re-run confirmed mine); per
 *     identity Beta counts with time decay, r = Σ λ^Δt·agree,
 *     s = Σ 3·λ^Δt·disagree, D = (r − s)/(r + s + 2); refusals by sync
 *     count as disagreements of the publisher;
 *   - reputation: personalized EigenTrust, t ← 0.7·Cᵀt + 0.3·p, seeded by
 *     me and those I trust directly, edges from every published trust
 *     claim and from my evidence, normalized per truster; what I blocked
 *     or distrust, and those my evidence is against, are removed.
 */
#ifndef PG_TRUST_H
#define PG_TRUST_H

#include "index.h"

enum { PG_LEVEL_DISTRUST, PG_LEVEL_NONE, PG_LEVEL_LOW, PG_LEVEL_MEDIUM, PG_LEVEL_HIGH };
int pg_level_parse(const char *s);   /* -1 if not a level */
const char *pg_level_name(int level);
double pg_level_weight(int level);   /* low 0.25, medium 0.5, high 1, others 0 */

#define PG_TRUST_DAMPING 0.7
#define PG_TRUST_HALF_LIFE_DAYS 90.0
#define PG_TRUST_DEFAULT_THRESHOLD 0.05

/* --- the private policy: .pg/policy --------------------------------------- */

typedef struct pg_policy {
	char kind[8];                /* "trust" or "block" */
	char by[PG_HEX_LEN + 1];     /* whose policy */
	char subject[PG_HEX_LEN + 1]; /* an identity key, or (block) an object id */
	int level;                   /* trust */
	char *reason;
	int64_t date;
} pg_policy;

int pg_policy_add(pg_store *s, const pg_policy *p);
int pg_policy_load(pg_policy **out, size_t *n, pg_store *s);
void pg_policy_free(pg_policy *p, size_t n);

/* --- reputation ------------------------------------------------------------ */

enum {
	PG_REP_ME = 1,
	PG_REP_BLOCKED = 2,     /* I blocked it */
	PG_REP_DISTRUSTED = 4,  /* my direct level is distrust */
	PG_REP_VETOED = 8,      /* my evidence against it outweighs the evidence for it */
	PG_REP_UNKNOWN = 16,    /* no identity object yet (named by a claim) */
	PG_REP_REVOKED = 32,    /* the key revoked itself */
};

typedef struct pg_rep_node {
	char key[PG_HEX_LEN + 1];
	char name[72];          /* "" when unknown */
	unsigned flags;
	uint32_t principal;     /* the node that speaks for this key (itself unless handed over) */
	int64_t void_from;      /* claims dated from here on are void (INT64_MAX: none) */
	int64_t revoked;        /* -1 if not */
	double mass;            /* share of the trust mass (of the principal); sums to 1 */
	double seed;            /* share of the personalization vector */
	int level;              /* my direct trust level, -1 if none */
	int level_private;      /* ... said in .pg/policy */
	char level_claim[PG_HEX_LEN + 1]; /* ... the published trust object, "" if private/none */
	int64_t level_date;
	double r, s, D;         /* my evidence, decayed */
	size_t agree, disagree, unconfirmed, refusals;
} pg_rep_node;

typedef struct pg_rep_evidence {
	uint32_t node;          /* the other identity's principal */
	char mine[PG_HEX_LEN + 1], theirs[PG_HEX_LEN + 1]; /* result ids */
	char kind[8], subject[PG_HEX_LEN + 1], against[PG_HEX_LEN + 1];
	char my_verdict[16], their_verdict[16];
	double my_score, their_score;
	int outcome;            /* 1 agrees, -1 disagrees, 0 unconfirmed (no re-run of mine) */
	int64_t date;
	double weight;          /* λ^Δt (× 3 for disagreements) */
} pg_rep_evidence;

typedef struct pg_rep_refusal {
	uint32_t node;
	char kind[16], commit[48], source[64];
	int64_t date;
	double weight;
} pg_rep_refusal;

typedef struct pg_rep {
	char me[PG_HEX_LEN + 1];
	uint32_t me_node;
	int64_t now;
	pg_rep_node *nodes;     /* by key */
	size_t n;
	/* the graph over principals: out-edges of node i are
	 * dst[off[i]..off[i+1]), weights C (normalized per truster) */
	size_t *off;
	uint32_t *dst;
	double *w;
	double dangling;        /* mass of nodes without out-edges (goes back to the seeds) */
	size_t iterations;
	pg_rep_evidence *ev;
	size_t nev;
	pg_rep_refusal *ref;
	size_t nref;
	char (*blocked_objects)[PG_HEX_LEN + 1]; /* sorted: objects I blocked */
	size_t nblocked;
} pg_rep;

/* Compute from the index, the store's records and me (64 hex; NULL or ""
 * for nobody: then no one holds trust and every weight is 0); now for the
 * decay (pg_now()). */
int pg_rep_compute(pg_rep **out, pg_index *x, pg_store *s, const char *me, int64_t now);
void pg_rep_free(pg_rep *r);

/* The node of a key (its own, not its principal), or NULL. */
const pg_rep_node *pg_rep_find(const pg_rep *r, const char *key);
/* The reputation of the identity that signed a claim of that date: the
 * principal's mass, 0 when the claim is void or the signer removed. */
double pg_rep_weight(const pg_rep *r, const char *signer, int64_t date);
/* 1 if I blocked the object (or its author's principal). */
int pg_rep_blocked(const pg_rep *r, const char *id);

/* Whether a spec binds my verdicts: mine, the interface author's, or by
 * anyone I trust (any share of my mass), and not blocked.  NULL if it
 * does, else why not.  pg verify runs, and pg rank requires, these. */
const char *pg_rep_spec_applies(const pg_rep *r, const char *spec, const char *author, int64_t date,
				const char *iface_author);

/* Where a node's mass comes from: the seed's share (teleport and dangling
 * mass) and each truster's t_i·C_ij·0.7, largest first. */
typedef struct pg_rep_source {
	uint32_t from;
	double edge, contrib;
} pg_rep_source;
int pg_rep_sources(const pg_rep *r, uint32_t node, pg_rep_source **out, size_t *n, double *from_seed);

/* The strongest trust paths from me to node (products of normalized edge
 * weights), at most max, strongest first; each path is nodes from me. */
typedef struct pg_rep_path {
	uint32_t *hops;
	size_t n;
	double strength;
} pg_rep_path;
int pg_rep_paths(const pg_rep *r, uint32_t node, size_t max, pg_rep_path **out, size_t *n);
void pg_rep_paths_free(pg_rep_path *p, size_t n);

/* Personalized EigenTrust on a normalized graph (exposed for tests and
 * benchmarks): t ← d·Cᵀt + (1 − d)·p, dangling mass to p, from t as given
 * (a warm start; all zero means p), until the L1 change is below 1e-12 or
 * 1000 iterations.  Returns the iterations. */
size_t pg_eigentrust(double *t, size_t n, const size_t *off, const uint32_t *dst, const double *w, const double *p,
		     double damping);

#endif
