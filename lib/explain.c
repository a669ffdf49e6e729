/* explain.c - the words behind reputation: labels and the text of pg rep ID and pg rep --why, shared by pg rep and pg tui */
#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pg_rep_label(const pg_rep_node *n, char buf[16])
{
	if (n->name[0])
		return n->name;
	snprintf(buf, 16, "%.12s", n->key);
	return buf;
}

void pg_rep_flags_text(const pg_rep *rep, const pg_rep_node *n, char *out, size_t cap)
{
	const pg_rep_node *p = &rep->nodes[n->principal];
	size_t len = 0;
	char buf[16];
	out[0] = '\0';
#define ADD(...) (len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, __VA_ARGS__))
	if (n->flags & PG_REP_ME)
		ADD("you ");
	if (p->flags & PG_REP_BLOCKED)
		ADD("blocked ");
	if (p->flags & PG_REP_DISTRUSTED)
		ADD("distrusted ");
	if (p->flags & PG_REP_VETOED)
		ADD("vetoed-by-your-evidence ");
	if (n->flags & PG_REP_REVOKED)
		ADD("revoked ");
	if (n->flags & PG_REP_UNKNOWN)
		ADD("not-arrived ");
	if (p != n)
		ADD("rotated-to:%s ", pg_rep_label(p, buf));
#undef ADD
	if (len && len <= cap)
		out[len - 1] = '\0'; /* the last space */
}

void pg_rep_evidence_text(char *out, size_t cap, const pg_rep_node *n)
{
	if (n->agree + n->disagree + n->unconfirmed + n->refusals == 0)
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "+%zu -%zu%s D=%+.2f", n->agree, n->disagree + n->refusals,
			 n->unconfirmed ? " ?" : "", n->D);
}

char *pg_claim_reason(pg_index *x, pg_store *s, const char *claim_id)
{
	pg_index_row row;
	pg_object *o = NULL;
	char *r = NULL;
	if (pg_index_get(x, &row, claim_id) == 0) {
		if (pg_row_object(&o, s, &row) == 0 && o->body)
			r = pg_strndup(o->body, strcspn(o->body, "\n"));
		pg_index_row_clear(&row);
	}
	pg_object_free(o);
	pg_error_clear();
	return r;
}

char *pg_policy_reason(pg_store *s, const char *kind, const char *subject, int64_t *date)
{
	pg_policy *p;
	size_t n;
	char *r = NULL;
	if (pg_policy_load(&p, &n, s) < 0) {
		pg_error_clear();
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].kind, kind) && !strcmp(p[i].subject, subject)) {
			free(r);
			r = pg_strdup(p[i].reason);
			if (date)
				*date = p[i].date;
		}
	pg_policy_free(p, n);
	return r;
}

char *pg_rep_trust_reason(pg_index *x, pg_store *s, const pg_rep_node *n)
{
	if (n->level < 0)
		return NULL;
	return n->level_private ? pg_policy_reason(s, "trust", n->key, NULL) : pg_claim_reason(x, s, n->level_claim);
}

void pg_object_label(pg_index *x, const char *id, char *out, size_t cap)
{
	pg_index_row row;
	if (pg_index_get(x, &row, id) == 0) {
		snprintf(out, cap, "%s %s (%.8s)", row.type, row.name ? row.name : "", id);
		pg_index_row_clear(&row);
	} else {
		snprintf(out, cap, "%.12s", id);
		pg_error_clear();
	}
}

const char *pg_rep_outcome_name(int o)
{
	return o > 0 ? "agrees" : o < 0 ? "disagrees" : "unconfirmed";
}

/* --- pg rep ID ------------------------------------------------------------ */

/* What one explanation draws on: the node asked about (self), the node
 * that speaks for it (n, index ni), and the colour codes. */
struct explain {
	pg_buf *out;
	const pg_rep *rep;
	pg_index *x;
	const pg_rep_node *self, *n;
	uint32_t ni;
	const char *const *colors;
};

static const char *paint(const struct explain *e, int c)
{
	return e->colors && e->colors[c] ? e->colors[c] : "";
}

/* The name line, handover and revocation, reputation and rank, my trust
 * and its reason, my evidence in numbers, and whether it was removed. */
static void explain_standing(struct explain *e, pg_store *s)
{
	const pg_rep *rep = e->rep;
	const pg_rep_node *self = e->self, *n = e->n;
	char buf[16], flags[160], d[32];
	size_t rank = 1;
	for (size_t i = 0; i < rep->n; i++)
		rank += rep->nodes[i].principal == i && rep->nodes[i].mass > n->mass;
	pg_rep_flags_text(rep, self, flags, sizeof(flags));
	pg_buf_printf(e->out, "%s%s%s %s%s%s%s%s\n", paint(e, PG_EXPLAIN_NAME), pg_rep_label(self, buf),
		      paint(e, PG_EXPLAIN_RESET), paint(e, PG_EXPLAIN_ID), self->key, paint(e, PG_EXPLAIN_RESET),
		      *flags ? "  " : "", flags);
	if (self != n)
		pg_buf_printf(e->out, "  handed over to %s (%.12s): its standing is this key's\n", pg_rep_label(n, buf),
			      n->key);
	if (self->flags & PG_REP_REVOKED) {
		pg_format_date(d, self->revoked);
		pg_buf_printf(e->out, "  revoked: its claims from %s on are void\n", d);
	}
	pg_buf_printf(e->out, "  reputation   %.2f%% of your trust mass (%zu of %zu)\n", 100 * n->mass, rank, rep->n);
	if (n->flags & PG_REP_ME)
		pg_buf_puts(e->out, "  this is you: the walk starts here\n");
	if (n->level >= 0) {
		char *reason = pg_rep_trust_reason(e->x, s, n);
		pg_format_date(d, n->level_date);
		pg_buf_printf(e->out, "  your trust   %s (%s%.12s, %.10s)%s%s\n", pg_level_name(n->level),
			      n->level_private ? "private" : "published ", n->level_private ? "" : n->level_claim, d,
			      reason && *reason ? ": " : "", reason ? reason : "");
		free(reason);
	} else if (!(n->flags & PG_REP_ME)) {
		pg_buf_puts(e->out, "  your trust   none said\n");
	}
	pg_buf_printf(e->out, "  evidence     %zu agree, %zu disagree, %zu unconfirmed, %zu refusals", n->agree,
		      n->disagree, n->unconfirmed, n->refusals);
	if (n->r + n->s > 0)
		pg_buf_printf(e->out, ": r %.2f, s %.2f, D = (r - s)/(r + s + 2) = %+.2f", n->r, n->s, n->D);
	pg_buf_putc(e->out, '\n');
	if (n->flags & PG_REP_BLOCKED)
		pg_buf_puts(e->out, "  removed: you blocked it\n");
	else if (n->flags & PG_REP_DISTRUSTED)
		pg_buf_puts(e->out, "  removed: you distrust it\n");
	else if (n->flags & PG_REP_VETOED)
		pg_buf_puts(e->out, "  removed: your own evidence is against it (a local veto, never published)\n");
}

/* Where the mass comes from: the seed's share and each truster's, the
 * five largest unless why. */
static int explain_sources(struct explain *e, int why)
{
	const pg_rep *rep = e->rep;
	const pg_rep_node *n = e->n;
	pg_rep_source *src = NULL;
	size_t nsrc = 0;
	double from_seed = 0;
	char buf[16];
	if (n->mass <= 0)
		return 0;
	int err = pg_rep_sources(rep, e->ni, &src, &nsrc, &from_seed);
	if (err < 0)
		return err;
	pg_buf_printf(e->out, "  where it comes from (%.2f%% in all):\n", 100 * n->mass);
	if (from_seed > 0)
		pg_buf_printf(e->out, "    %8.2f%%  the seed: %s\n", 100 * from_seed,
			      n->flags & PG_REP_ME ? "you" : "you trust it directly");
	for (size_t i = 0; i < nsrc && (why || i < 5); i++) {
		const pg_rep_node *from = &rep->nodes[src[i].from];
		pg_buf_printf(e->out, "    %8.2f%%  from %s (%.2f%% x edge %.2f x %.1f)\n", 100 * src[i].contrib,
			      pg_rep_label(from, buf), 100 * from->mass, src[i].edge, PG_TRUST_DAMPING);
	}
	if (!why && nsrc > 5)
		pg_buf_printf(e->out, "    ... %zu more ('pg rep --why')\n", nsrc - 5);
	free(src);
	return 0;
}

/* Every piece of my evidence about the node, and the refusals. */
static void explain_evidence(struct explain *e)
{
	const pg_rep *rep = e->rep;
	size_t shown = 0;
	for (size_t i = 0; i < rep->nev; i++) {
		const pg_rep_evidence *v = &rep->ev[i];
		char subj[96], ag[96];
		if (v->node != e->ni)
			continue;
		if (!shown++)
			pg_buf_puts(e->out, "  evidence (their claim against your result about the same):\n");
		pg_object_label(e->x, v->subject, subj, sizeof(subj));
		pg_object_label(e->x, v->against, ag, sizeof(ag));
		pg_buf_printf(e->out, "    %s%-11s%s %s of %s against %s: ",
			      paint(e, v->outcome > 0 ? PG_EXPLAIN_OK : v->outcome < 0 ? PG_EXPLAIN_BAD : PG_EXPLAIN_DIM),
			      pg_rep_outcome_name(v->outcome), paint(e, PG_EXPLAIN_RESET), v->kind, subj, ag);
		if (!strcmp(v->kind, "bench"))
			pg_buf_printf(e->out, "you %.3fx, they %.3fx", v->my_score, v->their_score);
		else
			pg_buf_printf(e->out, "you %s, they %s", v->my_verdict, v->their_verdict);
		pg_buf_printf(e->out, " (result %.12s vs %.12s, weight %.2f)%s\n", v->mine, v->theirs, v->weight,
			      v->outcome == 0 ? " - pg verify re-runs to confirm" : "");
	}
	for (size_t i = 0; i < rep->nref; i++)
		if (rep->ref[i].node == e->ni)
			pg_buf_printf(e->out, "  refusal: %s from %s (commit %.12s), weight %.2f\n", rep->ref[i].kind,
				      rep->ref[i].source, rep->ref[i].commit, rep->ref[i].weight);
}

/* The three strongest trust paths from me to the node. */
static int explain_paths(struct explain *e)
{
	const pg_rep *rep = e->rep;
	pg_rep_path *paths = NULL;
	size_t npaths = 0;
	char buf[16];
	int err = pg_rep_paths(rep, e->ni, 3, &paths, &npaths);
	if (err < 0)
		return err;
	if (npaths)
		pg_buf_puts(e->out, "  strongest trust paths:\n");
	else if (!(e->n->flags & PG_REP_ME))
		pg_buf_puts(e->out, "  no trust path from you\n");
	for (size_t i = 0; i < npaths; i++) {
		pg_buf_puts(e->out, "    ");
		for (size_t k = 0; k < paths[i].n; k++) {
			uint32_t h = paths[i].hops[k];
			pg_buf_printf(e->out, "%s%s", k ? " -> " : "",
				      h == rep->me_node ? "you" : pg_rep_label(&rep->nodes[h], buf));
		}
		pg_buf_printf(e->out, "   (strength %.3f)\n", paths[i].strength);
	}
	pg_rep_paths_free(paths, npaths);
	return 0;
}

int pg_rep_explain(pg_buf *out, const pg_rep *rep, pg_index *x, pg_store *s, const char *key, int why,
		   const char *const colors[PG_EXPLAIN_NCOLORS])
{
	const pg_rep_node *self = pg_rep_find(rep, key);
	if (!self)
		return pg_error_set(PG_ENOTFOUND, "%.12s is not known to this store's trust graph", key);
	struct explain e = { out, rep, x, self, &rep->nodes[self->principal], self->principal, colors };
	int err;
	explain_standing(&e, s);
	if ((err = explain_sources(&e, why)) < 0 || !why)
		return err;
	explain_evidence(&e);
	return explain_paths(&e);
}
