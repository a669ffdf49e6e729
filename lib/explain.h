/* explain.h - the words behind reputation: labels and the text of pg rep ID and pg rep --why, shared by pg rep and pg tui
 *
 * Everything pg rep says about one identity is built here, from a
 * computed pg_rep, the index and the store, so that a screen that may not
 * query the index itself (tui/) shows exactly what the command prints.
 * Like the rest of libpg nothing here prints: text goes into a pg_buf or
 * a caller's array.
 */
#ifndef PG_EXPLAIN_H
#define PG_EXPLAIN_H

#include "trust.h"

/* What the colours of the text mean; the caller supplies the codes (a
 * terminal's escape sequences, say), indexed by these. */
enum {
	PG_EXPLAIN_RESET, /* back to plain */
	PG_EXPLAIN_NAME,  /* the identity's name */
	PG_EXPLAIN_ID,    /* its key */
	PG_EXPLAIN_OK,    /* evidence that agrees */
	PG_EXPLAIN_BAD,   /* ... that disagrees */
	PG_EXPLAIN_DIM,   /* ... unconfirmed */
	PG_EXPLAIN_NCOLORS
};

/* A node's name, or (none known) the first 12 hex of its key in buf. */
const char *pg_rep_label(const pg_rep_node *n, char buf[16]);

/* A node's notes, space-separated: "you", "blocked", "distrusted",
 * "vetoed-by-your-evidence", "revoked", "not-arrived",
 * "rotated-to:NAME"; "" for none.  Truncated to fit cap (160 holds all). */
void pg_rep_flags_text(const pg_rep *rep, const pg_rep_node *n, char *out, size_t cap);

/* My evidence about a node in short: "+3 -1 ? D=+0.25", or "-" for none. */
void pg_rep_evidence_text(char *out, size_t cap, const pg_rep_node *n);

/* The reason a published claim (trust or block) gives: the first line of
 * its body; NULL when it has none or cannot be read (no error is left
 * behind).  The caller frees it. */
char *pg_claim_reason(pg_index *x, pg_store *s, const char *claim_id);

/* The reason of the newest entry of a kind ("trust", "block") about
 * subject in the store's private policy, and its date (if date is not
 * NULL); NULL when there is none.  The caller frees it. */
char *pg_policy_reason(pg_store *s, const char *kind, const char *subject, int64_t *date);

/* The reason of my direct trust in a node: pg_policy_reason's when I said
 * it privately, else pg_claim_reason's of my published claim; NULL when
 * I said none (or gave no reason).  The caller frees it. */
char *pg_rep_trust_reason(pg_index *x, pg_store *s, const pg_rep_node *n);

/* An object as the evidence lines name it: "type name (8 hex)", or the
 * first 12 hex of id when the index does not have it.  Can't fail. */
void pg_object_label(pg_index *x, const char *id, char *out, size_t cap);

/* "agrees" (o > 0), "disagrees" (o < 0) or "unconfirmed". */
const char *pg_rep_outcome_name(int o);

/* Append to out what pg rep KEY (why: pg rep --why KEY) prints about the
 * identity with that key: its name line and notes, its reputation and
 * rank, my trust in it and why, my evidence, whether it was removed,
 * where its mass comes from; with why also every piece of evidence, the
 * refusals and the strongest trust paths to it.  colors holds one code
 * per PG_EXPLAIN_* (a NULL array or entry: none).  PG_ENOTFOUND (and
 * nothing appended) when key is not a node of rep. */
int pg_rep_explain(pg_buf *out, const pg_rep *rep, pg_index *x, pg_store *s, const char *key, int why,
		   const char *const colors[PG_EXPLAIN_NCOLORS]);

#endif
