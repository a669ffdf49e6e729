/* rank.c - from claims to a ranking (DESIGN.md §6) */
#include "rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A claim of mine: signed by one of my keys while it was valid. */
static int mine(const pg_rep *rep, const char *signer, int64_t date)
{
	const pg_rep_node *n = pg_rep_find(rep, signer);
	return n && n->principal == rep->me_node && date < n->void_from;
}

static int add_row(const pg_index_row *r, void *data)
{
	pg_index_row_copy(pg_vec_push(data), r);
	return 0;
}

static int add_result(const pg_index_result *r, void *data)
{
	*(pg_index_result *)pg_vec_push(data) = *r;
	return 0;
}

/* Weighted median of (value, weight) pairs. */
struct wv {
	double v, w;
};

static int wv_cmp(const void *a, const void *b)
{
	double x = ((const struct wv *)a)->v, y = ((const struct wv *)b)->v;
	return x < y ? -1 : x > y;
}

static double wmedian(struct wv *a, size_t n)
{
	double total = 0, acc = 0;
	qsort(a, n, sizeof(*a), wv_cmp);
	for (size_t i = 0; i < n; i++)
		total += a[i].w;
	for (size_t i = 0; i < n; i++) {
		acc += a[i].w;
		if (acc > total / 2 + 1e-12)
			return a[i].v;
		if (fabs(acc - total / 2) <= 1e-12 && i + 1 < n)
			return (a[i].v + a[i + 1].v) / 2;
	}
	return n ? a[n - 1].v : 0;
}

/* Results grouped by signer, newest first within a signer. */
static int by_author_newest(const void *a, const void *b)
{
	const pg_index_result *x = *(const pg_index_result *const *)a, *y = *(const pg_index_result *const *)b;
	int d = strcmp(x->author, y->author);
	if (d)
		return d;
	if (x->date != y->date)
		return x->date > y->date ? -1 : 1;
	return strcmp(y->id, x->id);
}

/* The results of one kind against one object, grouped by signer. */
static size_t select_results(const pg_index_result **out, const pg_index_result *res, size_t nres, const char *kind,
			     const char *against)
{
	size_t n = 0;
	for (size_t i = 0; i < nres; i++)
		if (!strcmp(res[i].kind, kind) && !strcmp(res[i].against, against) && res[i].verdict[0])
			out[n++] = &res[i];
	if (n)
		qsort(out, n, sizeof(*out), by_author_newest);
	return n;
}

struct vote {
	const char *author;
	int bad;
	double w;
};

static int vote_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vote *)a)->author, ((const struct vote *)b)->author);
}

/* The verdict on one impl: per spec, my newest result decides; without
 * one, the weight of the others' newest results (one per signer). */

/* Which of sel[0..n) is the newest of its signer's (keys handed over to
 * a successor are the successor; a key the view does not know is its
 * own signer): keep[i] is 1 for the newest of each, the first of those
 * with one date.  One sort, where comparing every pair was quadratic in
 * the results a spec has (15 000 for a busy interface). */
struct by_signer {
	int64_t principal; /* -1: unknown, then the author tells */
	const char *author;
	int64_t date;
	size_t i;
};

static int by_signer_cmp(const void *a, const void *b)
{
	const struct by_signer *x = a, *y = b;
	if (x->principal != y->principal)
		return x->principal < y->principal ? -1 : 1;
	int c = x->principal < 0 ? strcmp(x->author, y->author) : 0;
	if (c)
		return c;
	if (x->date != y->date)
		return x->date > y->date ? -1 : 1; /* newest first */
	return x->i < y->i ? -1 : x->i > y->i;
}

static void newest_of_each(const pg_rep *rep, const pg_index_result *const *sel, size_t n, char *keep)
{
	struct by_signer *g = pg_calloc(n + 1, sizeof(*g));
	for (size_t i = 0; i < n; i++) {
		const pg_rep_node *nd = pg_rep_find(rep, sel[i]->author);
		g[i] = (struct by_signer){ nd ? (int64_t)nd->principal : -1, sel[i]->author, sel[i]->date, i };
	}
	qsort(g, n, sizeof(*g), by_signer_cmp);
	for (size_t k = 0; k < n; k++)
		keep[g[k].i] = k == 0 || g[k].principal != g[k - 1].principal ||
			       (g[k].principal < 0 && strcmp(g[k].author, g[k - 1].author));
	free(g);
}

static void judge(pg_rank_row *row, const pg_index_row *specs, size_t nspecs, const pg_index_result *res,
		  size_t nres, const pg_rep *rep)
{
	size_t unknown = 0, failing = 0, nv = 0, untrusted = 0;
	const char *failed_spec = NULL;
	const pg_index_result **sel = pg_calloc(nres + 1, sizeof(*sel));
	struct vote *votes = pg_calloc(nres + 1, sizeof(*votes));
	char *keep = pg_calloc(nres + 1, 1);
	int mine_all = nspecs > 0;
	for (size_t s = 0; s < nspecs; s++) {
		size_t n = select_results(sel, res, nres, "verify", specs[s].id);
		const pg_index_result *my = NULL;
		double pass = 0, fail = 0;
		size_t zero = 0;
		newest_of_each(rep, sel, n, keep);
		for (size_t i = 0; i < n; i++) {
			const pg_index_result *r = sel[i];
			if (!keep[i])
				continue; /* an older result of the same signer, by any of its keys */
			if (mine(rep, r->author, r->date) && (!my || r->date > my->date))
				my = r;
			double w = pg_rep_weight(rep, r->author, r->date);
			if (!strcmp(r->verdict, "passed"))
				pass += w;
			else if (!strcmp(r->verdict, "failed"))
				fail += w;
			zero += !(w > 0) && !strcmp(r->verdict, "passed");
			const pg_rep_node *nd = pg_rep_find(rep, r->author);
			votes[nv++] = (struct vote){ nd ? rep->nodes[nd->principal].key : r->author,
						     strcmp(r->verdict, "passed") != 0, w };
		}
		int ok;
		if (my)
			ok = !strcmp(my->verdict, "passed") ? 1 : !strcmp(my->verdict, "failed") ? -1 : 0;
		else
			ok = pass > fail ? 1 : fail > pass ? -1 : 0;
		mine_all &= my && ok == 1;
		if (ok < 0 && !failing++)
			failed_spec = specs[s].name;
		if (ok == 0)
			unknown++;
		if (ok == 0 && zero > untrusted)
			untrusted = zero;
	}
	/* signers none of whose newest results found a fault */
	if (nv)
		qsort(votes, nv, sizeof(*votes), vote_cmp);
	for (size_t i = 0; i < nv;) {
		size_t j = i;
		int bad = 0;
		for (; j < nv && !strcmp(votes[j].author, votes[i].author); j++)
			bad |= votes[j].bad;
		row->verified_by += !bad && votes[i].w > 0;
		if (!bad)
			row->verified_mass += votes[i].w;
		i = j;
	}
	row->verified_by_me = mine_all;
	if (!nspecs) {
		row->status = PG_RANK_UNVERIFIED;
		row->reason = pg_strdup("the interface has no spec to verify it against");
	} else if (failing) {
		char more[48] = "";
		if (failing > 1)
			snprintf(more, sizeof(more), " and %zu more", failing - 1);
		row->status = PG_RANK_FAILED;
		row->reason = pg_asprintf("fails spec %s%s", failed_spec ? failed_spec : "?", more);
	} else if (unknown && untrusted) {
		row->status = PG_RANK_UNVERIFIED;
		row->reason = pg_asprintf("verified only by identities you do not trust (%zu); pg verify %.12s, or "
					  "pg trust one of them", untrusted, row->impl.id);
	} else if (unknown) {
		row->status = PG_RANK_UNVERIFIED;
		row->reason = pg_asprintf("not verified against %zu of %zu specs (pg verify %.12s)", unknown, nspecs,
					  row->impl.id);
	}
	free(sel);
	free(votes);
	free(keep);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t distinct(const char **s, size_t n)
{
	size_t d = 0;
	if (n)
		qsort(s, n, sizeof(*s), str_cmp);
	for (size_t i = 0; i < n; i++)
		d += !i || strcmp(s[i - 1], s[i]);
	return d;
}

/* The score from the bench claims: per bench a weighted median, each
 * signer's weight split over its claims. */
static void score(pg_rank_row *row, const pg_index_row *benches, size_t nb, const pg_index_result *res,
		  size_t nres, const pg_rep *rep)
{
	const pg_index_result **sel = pg_calloc(nres + 1, sizeof(*sel));
	struct wv *v = pg_calloc(nres + 1, sizeof(*v)), *lo = pg_calloc(nres + 1, sizeof(*lo)),
		  *hi = pg_calloc(nres + 1, sizeof(*hi));
	const char **who = pg_calloc(nres + 1, sizeof(*who)), **mach = pg_calloc(nres + 1, sizeof(*mach));
	uint32_t *P = pg_calloc(nres + 1, sizeof(*P));
	double *W = pg_calloc(nres + 1, sizeof(*W));
	/* claims per principal (the last slot: authors unknown to rep) */
	size_t *K = pg_calloc(rep->n + 1, sizeof(*K));
	double ls = 0, llo = 0, lhi = 0;
	size_t nwho = 0;
	for (size_t b = 0; b < nb; b++) {
		size_t n = select_results(sel, res, nres, "bench", benches[b].id), m = 0;
		/* each signer's weight is split over its claims, over all its keys */
		for (size_t i = 0; i < n; i++) {
			const pg_rep_node *nd = pg_rep_find(rep, sel[i]->author);
			P[i] = nd ? nd->principal : (uint32_t)rep->n;
			W[i] = sel[i]->score > 0 ? pg_rep_weight(rep, sel[i]->author, sel[i]->date) : 0;
			K[P[i]] += W[i] > 0;
		}
		for (size_t i = 0; i < n; i++) {
			const pg_index_result *r = sel[i];
			if (!(W[i] > 0))
				continue;
			double w = W[i] / (double)K[P[i]];
			v[m] = (struct wv){ log(r->score), w };
			lo[m] = (struct wv){ log(r->lo > 0 ? r->lo : r->score), w };
			hi[m] = (struct wv){ log(r->hi > 0 ? r->hi : r->score), w };
			who[nwho] = r->author;
			mach[nwho++] = r->machine;
			m++;
		}
		for (size_t i = 0; i < n; i++)
			K[P[i]] = 0;
		if (!m)
			continue;
		row->claims += m;
		ls += wmedian(v, m);
		llo += wmedian(lo, m);
		lhi += wmedian(hi, m);
		row->benches++;
	}
	if (row->benches) {
		row->score = exp(ls / (double)row->benches);
		row->lo = exp(llo / (double)row->benches);
		row->hi = exp(lhi / (double)row->benches);
	}
	row->signers = distinct(who, nwho);
	row->machines = distinct(mach, nwho);
	free(sel);
	free(v);
	free(lo);
	free(hi);
	free(who);
	free(mach);
	free(P);
	free(W);
	free(K);
}

static int row_cmp(const void *a, const void *b)
{
	const pg_rank_row *x = a, *y = b;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	if (x->status == PG_RANK_RANKED && x->score != y->score)
		return x->score < y->score ? -1 : 1;
	if (x->signers != y->signers)
		return x->signers > y->signers ? -1 : 1;
	int d = strcmp(x->impl.name ? x->impl.name : "", y->impl.name ? y->impl.name : "");
	return d ? d : strcmp(x->impl.id, y->impl.id);
}

int pg_rank(pg_ranking *out, pg_index *x, const char *iface, const pg_rep *rep)
{
	pg_vec impls = PG_VEC_INIT(sizeof(pg_index_row)), specs = impls, benches = impls;
	pg_vec res = PG_VEC_INIT(sizeof(pg_index_result));
	int err;
	memset(out, 0, sizeof(*out));
	if ((err = pg_index_linked(x, iface, "interface", "impl", add_row, &impls)) < 0 ||
	    (err = pg_index_linked(x, iface, "interface", "spec", add_row, &specs)) < 0 ||
	    (err = pg_index_linked(x, iface, "interface", "bench", add_row, &benches)) < 0)
		goto done;
	/* the specs that bind (as pg verify runs them), the benches not blocked */
	pg_index_row ifrow;
	int iface_blocked = pg_rep_blocked(rep, iface);
	if ((err = pg_index_get(x, &ifrow, iface)) < 0)
		goto done;
	pg_index_row *ir = impls.p, *sr = specs.p, *br = benches.p;
	size_t ns = 0, nb = 0;
	for (size_t i = 0; i < specs.n; i++) {
		if (!pg_rep_spec_applies(rep, sr[i].id, sr[i].author, sr[i].date, ifrow.author))
			sr[ns++] = sr[i];
		else
			pg_index_row_clear(&sr[i]);
	}
	for (size_t i = 0; i < benches.n; i++) {
		if (!pg_rep_blocked(rep, br[i].id) && !pg_rep_blocked(rep, br[i].author))
			br[nb++] = br[i];
		else
			pg_index_row_clear(&br[i]);
	}
	pg_index_row_clear(&ifrow);
	specs.n = ns;
	benches.n = nb;
	out->rows = pg_calloc(impls.n + 1, sizeof(*out->rows));
	/* the baselines the bench claims name */
	char (*bases)[PG_HEX_LEN + 1] = NULL;
	size_t nbases = 0;
	for (size_t i = 0; i < impls.n && err == 0; i++) {
		pg_rank_row *row = &out->rows[out->n++];
		row->impl = ir[i];
		memset(&ir[i], 0, sizeof(ir[i])); /* the row owns the strings now */
		res.n = 0;
		if ((err = pg_index_results(x, row->impl.id, add_result, &res)) < 0)
			break;
		pg_index_result *rs = res.p;
		size_t kept = 0; /* results I blocked say nothing */
		for (size_t k = 0; k < res.n; k++)
			if (!pg_rep_blocked(rep, rs[k].id))
				rs[kept++] = rs[k];
		res.n = kept;
		for (size_t k = 0; k < res.n; k++)
			if (!strcmp(rs[k].kind, "bench") && rs[k].baseline[0]) {
				size_t j = 0;
				while (j < nbases && strcmp(bases[j], rs[k].baseline))
					j++;
				if (j == nbases) {
					bases = pg_realloc(bases, (nbases + 1) * sizeof(*bases));
					memcpy(bases[nbases++], rs[k].baseline, PG_HEX_LEN + 1);
				}
			}
		judge(row, sr, specs.n, rs, res.n, rep);
		score(row, br, benches.n, rs, res.n, rep);
		/* blocked by me */
		pg_vec blocks = PG_VEC_INIT(sizeof(pg_index_row));
		if ((err = pg_index_linked(x, row->impl.id, "target", "block", add_row, &blocks)) < 0)
			break;
		pg_index_row *bl = blocks.p;
		if (pg_rep_blocked(rep, row->impl.id) || pg_rep_blocked(rep, row->impl.author) || iface_blocked) {
			free(row->reason);
			row->status = PG_RANK_BLOCKED;
			row->reason = pg_strdup(pg_rep_blocked(rep, row->impl.id)	    ? "blocked by you"
						: pg_rep_blocked(rep, row->impl.author) ? "its author is blocked by you"
											: "its interface is blocked by you");
		}
		for (size_t k = 0; k < blocks.n; k++) {
			if (row->status != PG_RANK_BLOCKED && !row->reason) {
				row->reason = pg_asprintf("blocked by %s (not by you)",
							  bl[k].author_name ? bl[k].author_name : bl[k].author);
			}
			pg_index_row_clear(&bl[k]);
		}
		free(blocks.p);
	}
	for (size_t i = 0; i < out->n; i++) {
		pg_rank_row *row = &out->rows[i];
		for (size_t j = 0; j < nbases; j++)
			row->baseline |= !strcmp(bases[j], row->impl.id);
		if (row->baseline && !row->benches) {
			row->score = row->lo = row->hi = 1;
			row->benches = 1;
		}
		if (row->status == PG_RANK_RANKED && !row->benches) {
			row->status = PG_RANK_UNBENCHED;
			row->reason = pg_strdup(benches.n ? "verified, but no bench results yet (pg bench)"
							  : "verified; the interface has no bench");
		}
	}
	free(bases);
	if (out->n)
		qsort(out->rows, out->n, sizeof(*out->rows), row_cmp);
	for (size_t i = 0, r = 0; i < out->n; i++)
		if (out->rows[i].status == PG_RANK_RANKED)
			out->rows[i].rank = ++r;
done:
	for (size_t i = 0; i < impls.n; i++)
		pg_index_row_clear(&((pg_index_row *)impls.p)[i]);
	for (size_t i = 0; i < specs.n; i++)
		pg_index_row_clear(&((pg_index_row *)specs.p)[i]);
	for (size_t i = 0; i < benches.n; i++)
		pg_index_row_clear(&((pg_index_row *)benches.p)[i]);
	free(impls.p);
	free(specs.p);
	free(benches.p);
	free(res.p);
	if (err < 0)
		pg_ranking_free(out);
	return err;
}

void pg_ranking_free(pg_ranking *r)
{
	for (size_t i = 0; i < r->n; i++) {
		pg_index_row_clear(&r->rows[i].impl);
		free(r->rows[i].reason);
	}
	free(r->rows);
	r->rows = NULL;
	r->n = 0;
}
