/* trust.c - policy, evidence and personalized EigenTrust (DESIGN.md §7) */
#include "trust.h"
#include "sync.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_FILE "policy"
#define POLICY_MAX (16 << 20)
#define REASON_MAX 1024

static const char *const level_names[] = { "distrust", "none", "low", "medium", "high" };

int pg_level_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

const char *pg_level_name(int level)
{
	return level >= 0 && level < 5 ? level_names[level] : "?";
}

double pg_level_weight(int level)
{
	return level == PG_LEVEL_HIGH ? 1.0 : level == PG_LEVEL_MEDIUM ? 0.5 : level == PG_LEVEL_LOW ? 0.25 : 0.0;
}

/* --- the private policy ------------------------------------------------------ */

int pg_policy_add(pg_store *s, const pg_policy *p)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s}", "kind", p->kind, "by", p->by, "subject", p->subject, "date",
			      (json_int_t)p->date, "reason", p->reason ? p->reason : "");
	if (j && !strcmp(p->kind, "trust"))
		json_object_set_new(j, "level", json_string(pg_level_name(p->level)));
	char *line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	if (!line)
		return pg_error_set(PG_ERROR, "cannot encode a policy entry");
	int err = pg_store_lock(s);
	if (err == 0) {
		err = pg_store_append_line(s, POLICY_FILE, line);
		pg_store_unlock(s);
	}
	free(line);
	return err;
}

/* One line of .pg/policy; a line that is not one is skipped. */
static int add_policy(const char *line, size_t len, void *data)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	const char *kind = NULL, *by = NULL, *subject = NULL, *reason = NULL, *level = "none";
	json_int_t date = 0;
	pg_policy p;
	memset(&p, 0, sizeof(p));
	if (j && json_unpack(j, "{s:s, s:s, s:s, s:I, s:s, s?:s}", "kind", &kind, "by", &by, "subject", &subject,
			     "date", &date, "reason", &reason, "level", &level) == 0 &&
	    (!strcmp(kind, "trust") || !strcmp(kind, "block")) && strlen(by) == PG_HEX_LEN &&
	    pg_is_hex(by, PG_HEX_LEN) && strlen(subject) == PG_HEX_LEN && pg_is_hex(subject, PG_HEX_LEN) &&
	    (p.level = pg_level_parse(level)) >= 0 && strlen(reason) <= REASON_MAX) {
		snprintf(p.kind, sizeof(p.kind), "%s", kind);
		memcpy(p.by, by, PG_HEX_LEN + 1);
		memcpy(p.subject, subject, PG_HEX_LEN + 1);
		p.reason = pg_strdup(reason);
		p.date = date;
		*(pg_policy *)pg_vec_push(data) = p;
	}
	json_decref(j);
	return 0;
}

int pg_policy_load(pg_policy **out, size_t *n, pg_store *s)
{
	pg_vec c = PG_VEC_INIT(sizeof(pg_policy));
	int err = pg_store_read_lines(s, POLICY_FILE, POLICY_MAX, add_policy, &c);
	*out = c.p;
	*n = c.n;
	return err;
}

void pg_policy_free(pg_policy *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].reason);
	free(p);
}

/* --- EigenTrust ------------------------------------------------------------------ */

size_t pg_eigentrust(double *t, size_t n, const size_t *off, const uint32_t *dst, const double *w, const double *p,
		     double damping)
{
	double *nt = pg_calloc(n + 1, sizeof(*nt)), sum = 0;
	size_t it = 0;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	if (!(sum > 0))
		memcpy(t, p, n * sizeof(*t));
	while (it < 1000) {
		double dangling = 0, diff = 0;
		it++;
		memset(nt, 0, n * sizeof(*nt));
		for (size_t i = 0; i < n; i++) {
			if (off[i] == off[i + 1]) {
				dangling += t[i];
				continue;
			}
			double ti = damping * t[i];
			for (size_t e = off[i]; e < off[i + 1]; e++)
				nt[dst[e]] += ti * w[e];
		}
		double back = (1 - damping) + damping * dangling;
		for (size_t i = 0; i < n; i++) {
			nt[i] += back * p[i];
			diff += fabs(nt[i] - t[i]);
		}
		memcpy(t, nt, n * sizeof(*t));
		if (diff < 1e-12)
			break;
	}
	free(nt);
	return it;
}

/* --- gathering ---------------------------------------------------------------------- */

typedef char hex_t[PG_HEX_LEN + 1];

static int add_identity(const pg_index_identity *e, void *data)
{
	*(pg_index_identity *)pg_vec_push(data) = *e;
	return 0;
}

static int add_claim(const pg_index_claim *c, void *data)
{
	*(pg_index_claim *)pg_vec_push(data) = *c;
	return 0;
}

static int add_result(const pg_index_result *r, void *data)
{
	*(pg_index_result *)pg_vec_push(data) = *r;
	return 0;
}

static int add_sighting(const char *mine, const char *theirs, void *data)
{
	char *e = pg_vec_push(data);
	snprintf(e, 2 * PG_HEX_LEN + 2, "%s%s", mine ? mine : "", theirs ? theirs : "");
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void add_key(pg_vec *keys, const char *k)
{
	if (strlen(k) == PG_HEX_LEN)
		memcpy(pg_vec_push(keys), k, PG_HEX_LEN + 1);
}

static int hex_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int ident_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const pg_index_identity *)e)->key);
}

static int node_cmp(const void *key, const void *node)
{
	return strcmp(key, ((const pg_rep_node *)node)->key);
}

static int64_t node_index(const pg_rep *r, const char *key)
{
	const pg_rep_node *n = r->n ? bsearch(key, r->nodes, r->n, sizeof(*r->nodes), node_cmp) : NULL;
	return n ? n - r->nodes : -1;
}

const pg_rep_node *pg_rep_find(const pg_rep *r, const char *key)
{
	int64_t i = node_index(r, key);
	return i < 0 ? NULL : &r->nodes[i];
}

static int removed(const pg_rep_node *n)
{
	return !(n->flags & PG_REP_ME) && (n->flags & (PG_REP_BLOCKED | PG_REP_DISTRUSTED | PG_REP_VETOED));
}

double pg_rep_weight(const pg_rep *r, const char *signer, int64_t date)
{
	int64_t i = node_index(r, signer);
	if (i < 0 || date >= r->nodes[i].void_from)
		return 0;
	const pg_rep_node *p = &r->nodes[r->nodes[i].principal];
	return removed(p) ? 0 : p->mass;
}

int pg_rep_blocked(const pg_rep *r, const char *id)
{
	if (r->nblocked && bsearch(id, r->blocked_objects, r->nblocked, sizeof(hex_t), hex_cmp))
		return 1;
	int64_t i = node_index(r, id);
	return i >= 0 && (r->nodes[r->nodes[i].principal].flags & PG_REP_BLOCKED);
}

const char *pg_rep_spec_applies(const pg_rep *r, const char *spec, const char *author, int64_t date,
				const char *iface_author)
{
	const pg_rep_node *a = pg_rep_find(r, author), *i = pg_rep_find(r, iface_author);
	if (pg_rep_blocked(r, spec) || pg_rep_blocked(r, author))
		return "you blocked it";
	if (a && (a->principal == r->me_node || (i && a->principal == i->principal) || pg_rep_weight(r, author, date) > 0))
		return NULL;
	return "its author is not you, the interface's author, or anyone you trust";
}

/* Keys handed over: a rotation holds when both keys say so, the new key's
 * identity naming the old as predecessor with its handover signature (as
 * decoding checked) and the old key's own identity naming the new as its
 * successor (the first it named, before any revocation: the index keeps
 * that); then the new key is the principal, and the old key's claims after
 * the handover are void, as are a revoked key's from its revocation on. */
static void principals(pg_rep *r, const pg_index_identity *ids, size_t nids)
{
	int64_t *succ = pg_calloc(r->n + 1, sizeof(*succ));
	for (size_t i = 0; i < r->n; i++)
		succ[i] = -1;
	for (size_t k = 0; k < nids; k++) {
		const pg_index_identity *e = &ids[k];
		int64_t x = node_index(r, e->key);
		if (x < 0)
			continue;
		snprintf(r->nodes[x].name, sizeof(r->nodes[x].name), "%s", e->name);
		r->nodes[x].flags &= ~PG_REP_UNKNOWN;
		if (e->revoked >= 0) {
			r->nodes[x].revoked = e->revoked;
			r->nodes[x].flags |= PG_REP_REVOKED;
			if (e->revoked < r->nodes[x].void_from)
				r->nodes[x].void_from = e->revoked;
		}
	}
	for (size_t k = 0; k < nids; k++) {
		const pg_index_identity *e = &ids[k], *old;
		int64_t x = node_index(r, e->key), p = e->predecessor[0] ? node_index(r, e->predecessor) : -1;
		if (x < 0 || p < 0)
			continue;
		old = bsearch(e->predecessor, ids, nids, sizeof(*ids), ident_cmp);
		if (!old || strcmp(old->successor, e->key))
			continue; /* the old key has not said so (or its log has not arrived) */
		succ[p] = x;
		if (e->handover_date < r->nodes[p].void_from)
			r->nodes[p].void_from = e->handover_date;
	}
	for (size_t i = 0; i < r->n; i++) {
		int64_t p = (int64_t)i;
		size_t steps = 0;
		for (; succ[p] >= 0 && steps < r->n; steps++)
			p = succ[p];
		if (steps == r->n) /* keys handed over in a circle: the smallest key speaks for it */
			for (int64_t q = succ[p], first = p; q != first; q = succ[q])
				p = q < p ? q : p;
		r->nodes[i].principal = (uint32_t)p;
	}
	free(succ);
}

static double decay(const pg_rep *r, int64_t date)
{
	double days = date < r->now ? (double)(r->now - date) / 86400.0 : 0;
	return pow(0.5, days / PG_TRUST_HALF_LIFE_DAYS);
}

static int res_cmp(const void *a, const void *b)
{
	const pg_index_result *x = a, *y = b;
	int d = strcmp(x->kind, y->kind);
	if (!d)
		d = strcmp(x->subject, y->subject);
	if (!d)
		d = strcmp(x->against, y->against);
	if (!d)
		d = strcmp(x->author, y->author);
	if (!d && x->date != y->date)
		return x->date > y->date ? -1 : 1;
	return d ? d : strcmp(x->id, y->id);
}

static int same_group(const pg_index_result *a, const pg_index_result *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->subject, b->subject) && !strcmp(a->against, b->against);
}

/* Does their claim agree with what I saw?  1, -1, or 0: no definite
 * difference that counts (an unconfirmed verify verdict of mine). */
static int compare(const pg_index_result *mine, const pg_index_result *theirs)
{
	if (!strcmp(mine->kind, "verify")) {
		int a = !strcmp(mine->verdict, "passed") ? 1 : !strcmp(mine->verdict, "failed") ? -1 : 0;
		int b = !strcmp(theirs->verdict, "passed") ? 1 : !strcmp(theirs->verdict, "failed") ? -1 : 0;
		if (!a || !b)
			return 2; /* undecided on one side: no evidence */
		if (a == b)
			return 1;
		return mine->rerun > 0 ? -1 : 0;
	}
	if (!(mine->score > 0) || !(theirs->score > 0))
		return 2;
	/* log-ratios differ by more than both spreads and a machine allowance */
	double half_m = mine->lo > 0 && mine->hi > 0 ? (log(mine->hi) - log(mine->lo)) / 2 : 0;
	double half_t = theirs->lo > 0 && theirs->hi > 0 ? (log(theirs->hi) - log(theirs->lo)) / 2 : 0;
	double allow = strcmp(mine->machine, theirs->machine) ? log(1.5) : log(1.1);
	return fabs(log(mine->score) - log(theirs->score)) > half_m + half_t + allow ? -1 : 1;
}

/* Did my result say it saw theirs? */
static int saw(const pg_vec *sight, const char *mine, const char *theirs)
{
	char key[2 * PG_HEX_LEN + 2];
	snprintf(key, sizeof(key), "%s%s", mine, theirs);
	return sight->n && bsearch(key, sight->p, sight->n, sight->size, pair_cmp) != NULL;
}

static void evidence(pg_rep *r, pg_index_result *res, size_t n, const pg_vec *sight)
{
	pg_vec ev = PG_VEC_INIT(sizeof(pg_rep_evidence));
	if (n)
		qsort(res, n, sizeof(*res), res_cmp);
	for (size_t g = 0; g < n;) {
		size_t e = g;
		while (e < n && same_group(&res[g], &res[e]))
			e++;
		/* my newest result in the group, by any of my keys */
		const pg_index_result *mine = NULL;
		for (size_t i = g; i < e; i++) {
			int64_t k = node_index(r, res[i].author);
			if (k >= 0 && r->nodes[k].principal == r->me_node && res[i].date < r->nodes[k].void_from &&
			    (!mine || res[i].date > mine->date))
				mine = &res[i];
		}
		for (size_t i = g; mine && i < e; i++) {
			if (i > g && !strcmp(res[i - 1].author, res[i].author))
				continue; /* an older claim of the same key */
			int64_t k = node_index(r, res[i].author);
			if (k < 0 || r->nodes[k].principal == r->me_node || res[i].date >= r->nodes[k].void_from)
				continue;
			uint32_t o = r->nodes[k].principal;
			/* one claim per identity and group: the newest of its keys */
			pg_rep_evidence *dup = NULL;
			for (size_t j = ev.n; j-- > 0;) {
				pg_rep_evidence *x = &((pg_rep_evidence *)ev.p)[j];
				if (strcmp(x->subject, res[i].subject) || strcmp(x->against, res[i].against) ||
				    strcmp(x->kind, res[i].kind))
					break;
				if (x->node == o)
					dup = x;
			}
			int c = compare(mine, &res[i]);
			/* a verify claim counts when my result saw it (no copying mine
			 * afterwards); a bench claim only when it disagrees (agreeing
			 * figures can be copied from mine) */
			if (!strcmp(mine->kind, "verify") ? !saw(sight, mine->id, res[i].id) : c > 0)
				continue;
			if (c == 2 || (dup && dup->date >= res[i].date))
				continue;
			pg_rep_evidence *x = dup ? dup : pg_vec_push(&ev);
			x->node = o;
			memcpy(x->mine, mine->id, sizeof(x->mine));
			memcpy(x->theirs, res[i].id, sizeof(x->theirs));
			snprintf(x->kind, sizeof(x->kind), "%s", res[i].kind);
			memcpy(x->subject, res[i].subject, sizeof(x->subject));
			memcpy(x->against, res[i].against, sizeof(x->against));
			snprintf(x->my_verdict, sizeof(x->my_verdict), "%s", mine->verdict);
			snprintf(x->their_verdict, sizeof(x->their_verdict), "%s", res[i].verdict);
			x->my_score = mine->score;
			x->their_score = res[i].score;
			x->outcome = c;
			x->date = mine->date > res[i].date ? mine->date : res[i].date;
		}
		g = e;
	}
	r->ev = ev.p;
	r->nev = ev.n;
	for (size_t i = 0; i < r->nev; i++) {
		pg_rep_evidence *x = &r->ev[i];
		pg_rep_node *o = &r->nodes[x->node];
		double w = decay(r, x->date);
		if (x->outcome > 0) {
			x->weight = w;
			o->r += w;
			o->agree++;
		} else if (x->outcome < 0) {
			x->weight = 3 * w;
			o->s += 3 * w;
			o->disagree++;
		} else {
			o->unconfirmed++;
		}
	}
}

struct tclaim {
	uint32_t a, s;
	int level, private_;
	int64_t date;
	uint64_t order; /* log seq and place, or the line of .pg/policy */
	char id[PG_HEX_LEN + 1];
};

static int tclaim_cmp(const void *x, const void *y)
{
	const struct tclaim *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->private_ != b->private_)
		return a->private_ < b->private_ ? -1 : 1; /* private wins a tie */
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1; /* said later, in the same second */
	return strcmp(a->id, b->id);
}

struct edge {
	uint32_t a, s;
	double w;
};

static int edge_cmp(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->s < b->s ? -1 : a->s > b->s;
}

/* A block of mine: an identity (by key, or by its identity object) or any
 * other object; the target is kept as given too, for keys not seen yet. */
static void add_block(pg_rep *r, pg_index *x, pg_vec *objs, const char *target)
{
	int64_t k = node_index(r, target);
	pg_index_row row;
	if (k < 0 && pg_index_get(x, &row, target) == 0) {
		if (!strcmp(row.type, "identity"))
			k = node_index(r, row.author);
		pg_index_row_clear(&row);
	}
	pg_error_clear();
	if (k >= 0)
		r->nodes[r->nodes[k].principal].flags |= PG_REP_BLOCKED;
	memcpy(pg_vec_push(objs), target, PG_HEX_LEN + 1);
}

static void graph(pg_rep *r, struct tclaim *tc, size_t ntc)
{
	pg_vec ed = PG_VEC_INIT(sizeof(struct edge));
	/* the newest claim per truster and subject decides */
	for (size_t i = 0; i < ntc; i++) {
		if (i + 1 < ntc && tc[i + 1].a == tc[i].a && tc[i + 1].s == tc[i].s)
			continue;
		double w = pg_level_weight(tc[i].level);
		if (w > 0 && !removed(&r->nodes[tc[i].a]) && !removed(&r->nodes[tc[i].s])) {
			struct edge *e = pg_vec_push(&ed);
			*e = (struct edge){ tc[i].a, tc[i].s, w };
		}
	}
	for (size_t i = 0; i < r->n; i++) {
		pg_rep_node *o = &r->nodes[i];
		if (o->principal != i || i == r->me_node || removed(o))
			continue;
		if (o->D > 0) {
			struct edge *e = pg_vec_push(&ed);
			*e = (struct edge){ r->me_node, (uint32_t)i, o->D };
		}
	}
	struct edge *E = ed.p;
	if (ed.n)
		qsort(E, ed.n, sizeof(*E), edge_cmp);
	r->off = pg_calloc(r->n + 1, sizeof(*r->off));
	r->dst = pg_calloc(ed.n + 1, sizeof(*r->dst));
	r->w = pg_calloc(ed.n + 1, sizeof(*r->w));
	size_t m = 0;
	for (size_t i = 0; i < ed.n; i++) {
		if (m && E[i].a == E[i - 1].a && E[i].s == r->dst[m - 1]) {
			r->w[m - 1] += E[i].w; /* direct trust and evidence */
			continue;
		}
		r->dst[m] = E[i].s;
		r->w[m] = E[i].w;
		r->off[E[i].a + 1]++;
		m++;
	}
	for (size_t i = 0; i < r->n; i++)
		r->off[i + 1] += r->off[i];
	for (size_t i = 0; i < r->n; i++) {
		double sum = 0;
		for (size_t e = r->off[i]; e < r->off[i + 1]; e++)
			sum += r->w[e];
		for (size_t e = r->off[i]; e < r->off[i + 1]; e++)
			r->w[e] /= sum;
	}
	free(E);
}

int pg_rep_compute(pg_rep **out, pg_index *x, pg_store *s, const char *me, int64_t now)
{
	pg_rep *r = pg_calloc(1, sizeof(*r));
	pg_vec ids = PG_VEC_INIT(sizeof(pg_index_identity)), cl = PG_VEC_INIT(sizeof(pg_index_claim));
	pg_vec keys = PG_VEC_INIT(sizeof(hex_t)), res = PG_VEC_INIT(sizeof(pg_index_result));
	pg_vec tcs = PG_VEC_INIT(sizeof(struct tclaim)), objs = PG_VEC_INIT(sizeof(hex_t));
	pg_vec sight = PG_VEC_INIT(2 * PG_HEX_LEN + 2);
	pg_policy *pol = NULL;
	pg_refusal *rf = NULL;
	size_t npol = 0, nrf = 0;
	double *p = NULL, *t = NULL;
	int err;
	*out = NULL;
	r->now = now;
	if (me && *me)
		snprintf(r->me, sizeof(r->me), "%s", me);
	if ((err = pg_index_identities(x, add_identity, &ids)) < 0 || (err = pg_index_claims(x, add_claim, &cl)) < 0 ||
	    (err = pg_policy_load(&pol, &npol, s)) < 0 || (err = pg_refusals(&rf, &nrf, s)) < 0)
		goto done;
	const pg_index_identity *I = ids.p;
	const pg_index_claim *C = cl.p;

	/* the nodes: every key anything here names */
	add_key(&keys, r->me);
	for (size_t i = 0; i < ids.n; i++) {
		add_key(&keys, I[i].key);
		add_key(&keys, I[i].predecessor);
	}
	for (size_t i = 0; i < cl.n; i++) {
		add_key(&keys, C[i].author);
		if (!strcmp(C[i].type, "trust"))
			add_key(&keys, C[i].subject);
	}
	for (size_t i = 0; i < npol; i++)
		if (!strcmp(pol[i].kind, "trust"))
			add_key(&keys, pol[i].subject);
	for (size_t i = 0; i < nrf; i++) {
		char pub[PG_HEX_LEN + 1];
		pg_hex(pub, rf[i].publisher, PG_PK_LEN);
		add_key(&keys, pub);
	}
	if (keys.n)
		qsort(keys.p, keys.n, sizeof(hex_t), hex_cmp);
	r->nodes = pg_calloc(keys.n + 1, sizeof(*r->nodes));
	for (size_t i = 0; i < keys.n; i++) {
		const char *k = ((hex_t *)keys.p)[i];
		if (r->n && !strcmp(r->nodes[r->n - 1].key, k))
			continue;
		pg_rep_node *nd = &r->nodes[r->n++];
		memcpy(nd->key, k, PG_HEX_LEN + 1);
		nd->flags = PG_REP_UNKNOWN;
		nd->void_from = INT64_MAX;
		nd->revoked = -1;
		nd->level = -1;
	}
	principals(r, I, ids.n);
	int64_t mi = *r->me ? node_index(r, r->me) : -1;
	r->me_node = mi >= 0 ? r->nodes[mi].principal : UINT32_MAX;
	if (mi >= 0)
		r->nodes[r->me_node].flags |= PG_REP_ME;

	/* claims: void ones dropped, keys mapped to their principals */
	for (size_t i = 0; i < cl.n; i++) {
		int64_t a = node_index(r, C[i].author);
		if (a < 0 || C[i].date >= r->nodes[a].void_from)
			continue;
		uint32_t A = r->nodes[a].principal;
		if (!strcmp(C[i].type, "block")) {
			if (A == r->me_node)
				add_block(r, x, &objs, C[i].subject);
			continue;
		}
		int64_t sn = node_index(r, C[i].subject);
		int level = pg_level_parse(C[i].level);
		if (sn < 0 || level < 0 || r->nodes[sn].principal == A)
			continue; /* trusting oneself says nothing */
		struct tclaim *tc = pg_vec_push(&tcs);
		*tc = (struct tclaim){ A, r->nodes[sn].principal, level, 0, C[i].date, C[i].seq * 100000 + C[i].pos, { 0 } };
		memcpy(tc->id, C[i].id, sizeof(tc->id));
	}
	for (size_t i = 0; i < npol; i++) {
		int64_t b = node_index(r, pol[i].by);
		if (b < 0 || r->nodes[b].principal != r->me_node)
			continue;
		if (!strcmp(pol[i].kind, "block")) {
			add_block(r, x, &objs, pol[i].subject);
			continue;
		}
		int64_t sn = node_index(r, pol[i].subject);
		if (sn < 0 || r->nodes[sn].principal == r->me_node)
			continue;
		struct tclaim *tc = pg_vec_push(&tcs);
		*tc = (struct tclaim){ r->me_node, r->nodes[sn].principal, pol[i].level, 1, pol[i].date, i, { 0 } };
	}
	struct tclaim *TC = tcs.p;
	if (tcs.n)
		qsort(TC, tcs.n, sizeof(*TC), tclaim_cmp);
	for (size_t i = 0; i < tcs.n; i++)
		if (TC[i].a == r->me_node) { /* sorted by date: the last one stays */
			pg_rep_node *o = &r->nodes[TC[i].s];
			o->level = TC[i].level;
			o->level_private = TC[i].private_;
			o->level_date = TC[i].date;
			memcpy(o->level_claim, TC[i].id, sizeof(o->level_claim));
			if (o->level == PG_LEVEL_DISTRUST)
				o->flags |= PG_REP_DISTRUSTED;
			else
				o->flags &= ~PG_REP_DISTRUSTED;
		}
	r->blocked_objects = objs.p;
	r->nblocked = objs.n;
	if (r->nblocked) {
		qsort(r->blocked_objects, r->nblocked, sizeof(hex_t), hex_cmp);
		size_t u = 0;
		for (size_t i = 0; i < r->nblocked; i++)
			if (!u || strcmp(r->blocked_objects[u - 1], r->blocked_objects[i]))
				memmove(r->blocked_objects[u++], r->blocked_objects[i], sizeof(hex_t));
		r->nblocked = u;
	}
	objs.p = NULL;

	/* evidence: results of every key of mine, and what others said of the same */
	for (size_t i = 0; mi >= 0 && i < r->n; i++)
		if (r->nodes[i].principal == r->me_node &&
		    ((err = pg_index_shared_results(x, r->nodes[i].key, add_result, &res)) < 0 ||
		     (err = pg_index_sightings(x, r->nodes[i].key, add_sighting, &sight)) < 0))
			goto done;
	if (sight.n)
		qsort(sight.p, sight.n, sight.size, pair_cmp);
	if (res.n) {
		pg_index_result *R = res.p;
		qsort(R, res.n, sizeof(*R), res_cmp);
		size_t u = 0; /* the same result reached through two of my keys */
		for (size_t i = 0; i < res.n; i++)
			if (!u || strcmp(R[u - 1].id, R[i].id))
				R[u++] = R[i];
		res.n = u;
	}
	if (mi >= 0)
		evidence(r, res.p, res.n, &sight);
	/* refusals: broken promises of the publisher */
	r->ref = pg_calloc(nrf + 1, sizeof(*r->ref));
	for (size_t i = 0; mi >= 0 && i < nrf; i++) {
		char pub[PG_HEX_LEN + 1];
		pg_hex(pub, rf[i].publisher, PG_PK_LEN);
		int64_t k = node_index(r, pub);
		/* only a fork proves anything of the publisher: both sides carry
		 * its signature; a corrupt or unsigned entry may come from
		 * whoever relayed the log, and a block is my doing */
		if (k < 0 || r->nodes[k].principal == r->me_node || strcmp(rf[i].kind, "fork"))
			continue;
		pg_rep_refusal *f = &r->ref[r->nref++];
		f->node = r->nodes[k].principal;
		snprintf(f->kind, sizeof(f->kind), "%s", rf[i].kind);
		snprintf(f->commit, sizeof(f->commit), "%s", rf[i].commit);
		snprintf(f->source, sizeof(f->source), "%s", rf[i].source);
		f->date = rf[i].date;
		f->weight = 3 * decay(r, rf[i].date);
		r->nodes[f->node].s += f->weight;
		r->nodes[f->node].refusals++;
	}
	for (size_t i = 0; i < r->n; i++) {
		pg_rep_node *o = &r->nodes[i];
		o->D = (o->r - o->s) / (o->r + o->s + 2);
		if (o->principal == i && o->D < 0 && i != r->me_node)
			o->flags |= PG_REP_VETOED; /* my own evidence: a local veto, never published */
	}

	/* the graph, the seeds, the walk */
	graph(r, TC, tcs.n);
	p = pg_calloc(r->n + 1, sizeof(*p));
	t = pg_calloc(r->n + 1, sizeof(*t));
	if (mi >= 0) {
		double sum = 1;
		p[r->me_node] = 1;
		for (size_t i = 0; i < r->n; i++) {
			pg_rep_node *o = &r->nodes[i];
			if (o->principal == i && i != r->me_node && o->level > PG_LEVEL_NONE && !removed(o)) {
				p[i] = pg_level_weight(o->level);
				sum += p[i];
			}
		}
		for (size_t i = 0; i < r->n; i++)
			p[i] /= sum;
		r->iterations = pg_eigentrust(t, r->n, r->off, r->dst, r->w, p, PG_TRUST_DAMPING);
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->off[i] == r->off[i + 1])
			r->dangling += t[i];
		r->nodes[i].seed = p[i];
	}
	for (size_t i = 0; i < r->n; i++) {
		uint32_t pi = r->nodes[i].principal;
		r->nodes[i].mass = removed(&r->nodes[pi]) ? 0 : t[pi];
		if (i != pi) /* a handed-over key shares its principal's standing */
			r->nodes[i].D = r->nodes[pi].D;
	}
	*out = r;
	r = NULL;
done:
	pg_rep_free(r);
	free(ids.p);
	free(cl.p);
	free(keys.p);
	free(res.p);
	free(tcs.p);
	free(objs.p);
	free(sight.p);
	free(p);
	free(t);
	pg_policy_free(pol, npol);
	pg_refusals_free(rf, nrf);
	return err;
}

void pg_rep_free(pg_rep *r)
{
	if (!r)
		return;
	free(r->nodes);
	free(r->off);
	free(r->dst);
	free(r->w);
	free(r->ev);
	free(r->ref);
	free(r->blocked_objects);
	free(r);
}

/* --- explanations --------------------------------------------------------------------- */

static int source_cmp(const void *a, const void *b)
{
	const pg_rep_source *x = a, *y = b;
	if (x->contrib != y->contrib)
		return x->contrib > y->contrib ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

int pg_rep_sources(const pg_rep *r, uint32_t node, pg_rep_source **out, size_t *n, double *from_seed)
{
	pg_vec v = PG_VEC_INIT(sizeof(pg_rep_source));
	for (size_t i = 0; i < r->n; i++)
		for (size_t e = r->off[i]; e < r->off[i + 1]; e++)
			if (r->dst[e] == node) {
				pg_rep_source *s = pg_vec_push(&v);
				s->from = (uint32_t)i;
				s->edge = r->w[e];
				s->contrib = PG_TRUST_DAMPING * r->nodes[i].mass * r->w[e];
			}
	if (v.n)
		qsort(v.p, v.n, sizeof(pg_rep_source), source_cmp);
	*from_seed = ((1 - PG_TRUST_DAMPING) + PG_TRUST_DAMPING * r->dangling) * r->nodes[node].seed;
	*out = v.p;
	*n = v.n;
	return 0;
}

/* Dijkstra on -log(weight) from me, with some of my out-edges banned. */
static int strongest(const pg_rep *r, uint32_t node, const uint32_t *banned, size_t nbanned, pg_rep_path *out)
{
	size_t n = r->n;
	double *dist = pg_malloc((n + 1) * sizeof(*dist));
	int64_t *prev = pg_malloc((n + 1) * sizeof(*prev));
	char *done = pg_calloc(n + 1, 1);
	/* a binary heap of (dist, node) with lazy deletion */
	struct hn {
		double d;
		uint32_t v;
	} *heap = pg_malloc((r->off[n] + 2) * sizeof(*heap));
	size_t hn = 0;
	for (size_t i = 0; i < n; i++)
		dist[i] = INFINITY, prev[i] = -1;
	dist[r->me_node] = 0;
	heap[hn++] = (struct hn){ 0, r->me_node };
	while (hn) {
		struct hn top = heap[0];
		heap[0] = heap[--hn];
		for (size_t i = 0;;) { /* sift down */
			size_t l = 2 * i + 1, m = i;
			if (l < hn && heap[l].d < heap[m].d)
				m = l;
			if (l + 1 < hn && heap[l + 1].d < heap[m].d)
				m = l + 1;
			if (m == i)
				break;
			struct hn tmp = heap[i];
			heap[i] = heap[m];
			heap[m] = tmp;
			i = m;
		}
		if (done[top.v])
			continue;
		done[top.v] = 1;
		if (top.v == node)
			break;
		for (size_t e = r->off[top.v]; e < r->off[top.v + 1]; e++) {
			uint32_t v = r->dst[e];
			int skip = 0;
			for (size_t b = 0; top.v == r->me_node && b < nbanned; b++)
				skip |= banned[b] == v;
			double d = top.d - log(r->w[e]);
			if (skip || done[v] || !(d < dist[v]))
				continue;
			dist[v] = d;
			prev[v] = top.v;
			size_t i = hn++;
			heap[i] = (struct hn){ d, v };
			while (i && heap[(i - 1) / 2].d > heap[i].d) { /* sift up */
				struct hn tmp = heap[i];
				heap[i] = heap[(i - 1) / 2];
				heap[(i - 1) / 2] = tmp;
				i = (i - 1) / 2;
			}
		}
	}
	int found = node != r->me_node && isfinite(dist[node]);
	if (found) {
		size_t len = 1;
		for (int64_t v = node; prev[v] >= 0; v = prev[v])
			len++;
		out->hops = pg_malloc(len * sizeof(*out->hops));
		out->n = len;
		for (int64_t v = node, i = (int64_t)len - 1; v >= 0; v = prev[v], i--)
			out->hops[i] = (uint32_t)v;
		out->strength = exp(-dist[node]);
	}
	free(dist);
	free(prev);
	free(done);
	free(heap);
	return found;
}

int pg_rep_paths(const pg_rep *r, uint32_t node, size_t max, pg_rep_path **out, size_t *n)
{
	uint32_t *banned = pg_calloc(max + 1, sizeof(*banned));
	*out = pg_calloc(max + 1, sizeof(**out));
	*n = 0;
	if (r->me_node < r->n && node < r->n)
		while (*n < max && strongest(r, node, banned, *n, &(*out)[*n])) {
			banned[*n] = (*out)[*n].hops[1]; /* the next path leaves me another way */
			(*n)++;
		}
	free(banned);
	return 0;
}

void pg_rep_paths_free(pg_rep_path *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].hops);
	free(p);
}
