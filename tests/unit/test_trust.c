/* test_trust.c - reputation under attack, seen from one honest user, and explained; EigenTrust's properties
 *
 * The simulation (DESIGN.md §7): one interface with one spec and three
 * impls (good, broken, and cheat, which passes only the examples); five
 * honest verifiers who say the truth and trust one another; three liars
 * who pass everything; a Sybil cluster that trusts itself and a liar, and
 * that one honest verifier trusts by mistake.  From my view (I trust two
 * of the honest ones and re-ran what I saw fail) the broken impls must
 * fail, the liars must be vetoed, and the cluster's mass must stay within
 * what honest identities hand it, however many members it has, and what
 * pg rep --why says of a liar and of an honest verifier (pg_rep_explain)
 * must name the evidence that decided it.  The figures are printed
 * (print_message) so they can be quoted.
 */
#include "unit.h"
#include "world.h"

#include <math.h>

#include "explain.h"
#include "index.h"
#include "rank.h"
#include "store.h"
#include "trust.h"

#define NOW INT64_C(1800000000)
#define DAY INT64_C(86400)
#define DAMP PG_TRUST_DAMPING
#define NHONEST 5
#define NLIARS 3
#define NSYB_MAX 50

enum { GOOD, BROKEN, CHEAT, NIMPL };
static const char *const impl_names[NIMPL] = { "good", "broken", "cheat" };
static const int truth[NIMPL] = { 1, 0, 0 }; /* does it pass the whole spec? */

/* Everyone in the simulation.  Keys are made once, so the worlds with 5
 * and 50 Sybils differ in nothing but the cluster's size. */
struct cast {
	struct who me, h[NHONEST], liar[NLIARS], author, cheater, newcomer;
	struct who syb[NSYB_MAX];
};

struct world {
	char *dir;
	pg_store *s;
	pg_index *x;
	size_t nsyb;
	char iface[PG_HEX_LEN + 1], spec[PG_HEX_LEN + 1], impl[NIMPL][PG_HEX_LEN + 1];
};

struct sim {
	struct cast c;
	struct world small, big; /* 5 and 50 Sybils */
};

/* --- building a store ------------------------------------------------------ */

static char *key_of(const struct who *w, char hex[PG_HEX_LEN + 1])
{
	pg_hex(hex, w->pk, PG_PK_LEN);
	return hex;
}

static pg_txn *begin(pg_store *s, struct who *w)
{
	pg_txn *t;
	assert_int_equal(pg_txn_begin(&t, s, &w->key, &w->identity), 0);
	return t;
}

/* Stage a signed object; an object already in the log (1) is fine. */
static void add(pg_txn *t, pg_object *o, const pg_buf *payload)
{
	int err = pg_txn_add(t, o, payload ? payload->ptr : NULL, payload ? payload->len : 0);
	if (err < 0)
		fail_msg("pg_txn_add: %s", pg_error_last());
}

static void commit(pg_txn *t)
{
	if (pg_txn_commit(t) < 0)
		fail_msg("pg_txn_commit: %s", pg_error_last());
	pg_txn_free(t);
}

static void sign(pg_object *o, const struct who *w)
{
	if (pg_object_sign(o, w->sk) < 0)
		fail_msg("pg_object_sign: %s", pg_error_last());
}

/* An object of a payload-bearing type: fields are key, value pairs in the
 * schema's order up to the payload, which is a tar of one README holding
 * text (distinct text, distinct payload). */
static pg_object *with_payload(const struct who *w, pg_otype type, int64_t date, const char *const *fields,
			       const char *text, pg_buf *tar)
{
	char *dir = unit_tmpdir(), *f = pg_path_join(dir, "README.md"), field[PG_HEX_LEN + 32], hex[PG_HEX_LEN + 1];
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(pg_payload_create(tar, dir, NULL, NULL, NULL), 0);
	free(f);
	unit_rmtree(dir);
	uint8_t h[PG_ID_LEN];
	pg_hash(h, tar->ptr, tar->len);
	pg_hex(hex, h, PG_ID_LEN);
	snprintf(field, sizeof(field), "%s %zu", hex, tar->len);
	pg_object *o = pg_object_new(type, w->pk, date);
	for (size_t i = 0; fields[i]; i += 2)
		pg_object_add(o, fields[i], fields[i + 1]);
	pg_object_add(o, "payload", field);
	sign(o, w);
	return o;
}

/* A verify result of impl against spec (format.md §3.2); rerun: my
 * re-run saw the same verdict. */
/* The others' verify results on each impl so far, as the 'saw' lines my
 * result carries (format.md §3.2: evidence counts only what I saw). */
static pg_buf saw_lines[8];

static pg_object *verdict(const struct who *w, const char *impl, const char *spec, int passed, int rerun,
			  int64_t date, const pg_buf *saw)
{
	pg_buf body = PG_BUF_INIT;
	pg_buf_printf(&body, "result %s\npassed %d\nfailed %d\nerrored 0\n%s%slog %064d\nmachine sim x86_64\n"
			     "tool pg 0.1.0\n",
		      passed ? "passed" : "failed", passed ? 12 : 9, passed ? 0 : 3, rerun ? "rerun same\n" : "",
		      saw && saw->ptr ? saw->ptr : "", 0);
	pg_object *o = pg_object_new(PG_T_RESULT, w->pk, date);
	pg_object_add(o, "kind", "verify");
	pg_object_add(o, "subject", impl);
	pg_object_add(o, "against", spec);
	pg_object_set_body(o, body.ptr, body.len);
	pg_buf_free(&body);
	sign(o, w);
	return o;
}

static pg_object *trust(const struct who *w, const char *subject, const char *level, int64_t date)
{
	pg_object *o = pg_object_new(PG_T_TRUST, w->pk, date);
	pg_object_add(o, "subject", subject);
	pg_object_add(o, "level", level);
	sign(o, w);
	return o;
}

/* w's results on the three impls: the truth, or (a liar) passed throughout. */
static void publish_verdicts(struct world *W, pg_txn *t, const struct who *w, int liar, int64_t date)
{
	for (int i = 0; i < NIMPL; i++) {
		pg_object *o = verdict(w, W->impl[i], W->spec, liar || truth[i], 0, date, NULL);
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, o->id, PG_ID_LEN);
		pg_buf_printf(&saw_lines[i], "saw %s\n", hex);
		add(t, o, NULL);
	}
}

static void publish_library(struct world *W, struct cast *c)
{
	pg_buf tar = PG_BUF_INIT;
	pg_txn *t = begin(W->s, &c->author);
	pg_object *o = with_payload(&c->author, PG_T_INTERFACE, NOW - 60 * DAY,
				    (const char *const[]){ "name", "sim::sort", NULL }, "# sim::sort\n", &tar);
	pg_hex(W->iface, o->id, PG_ID_LEN);
	add(t, o, &tar);
	o = with_payload(&c->author, PG_T_SPEC, NOW - 60 * DAY,
			 (const char *const[]){ "name", "examples", "interface", W->iface, NULL }, "spec\n", &tar);
	pg_hex(W->spec, o->id, PG_ID_LEN);
	add(t, o, &tar);
	for (int i = GOOD; i <= BROKEN; i++) {
		o = with_payload(&c->author, PG_T_IMPL, NOW - 50 * DAY,
				 (const char *const[]){ "name", impl_names[i], "interface", W->iface, "lang", "c", "run",
							"./run", NULL },
				 impl_names[i], &tar);
		pg_hex(W->impl[i], o->id, PG_ID_LEN);
		add(t, o, &tar);
	}
	commit(t);
	/* the cheat: it passes the examples, nothing more; only results say so */
	t = begin(W->s, &c->cheater);
	o = with_payload(&c->cheater, PG_T_IMPL, NOW - 40 * DAY,
			 (const char *const[]){ "name", "cheat", "interface", W->iface, "lang", "c", "run", "./run", NULL },
			 "if input in examples: return expected\n", &tar);
	pg_hex(W->impl[CHEAT], o->id, PG_ID_LEN);
	add(t, o, &tar);
	commit(t);
	pg_buf_free(&tar);
}

static void build(struct world *W, struct cast *c, size_t nsyb)
{
	char k[PG_HEX_LEN + 1];
	W->nsyb = nsyb;
	W->s = new_store(&W->dir);
	publish_library(W, c);
	/* honest verifiers: the truth, and medium trust in one another; H5
	 * also trusts one Sybil (low), by mistake */
	for (int i = 0; i < NHONEST; i++) {
		pg_txn *t = begin(W->s, &c->h[i]);
		publish_verdicts(W, t, &c->h[i], 0, NOW - 12 * DAY);
		for (int j = 0; j < NHONEST; j++)
			if (j != i)
				add(t, trust(&c->h[i], key_of(&c->h[j], k), "medium", NOW - 20 * DAY), NULL);
		if (i == 4)
			add(t, trust(&c->h[i], key_of(&c->syb[0], k), "low", NOW - 15 * DAY), NULL);
		commit(t);
	}
	for (int i = 0; i < NLIARS; i++) {
		pg_txn *t = begin(W->s, &c->liar[i]);
		publish_verdicts(W, t, &c->liar[i], 1, NOW - 11 * DAY);
		commit(t);
	}
	/* the Sybils: each trusts every other one, and the first liar high */
	for (size_t i = 0; i < nsyb; i++) {
		pg_txn *t = begin(W->s, &c->syb[i]);
		for (size_t j = 0; j < nsyb; j++)
			if (j != i)
				add(t, trust(&c->syb[i], key_of(&c->syb[j], k), "medium", NOW - 14 * DAY), NULL);
		add(t, trust(&c->syb[i], key_of(&c->liar[0], k), "high", NOW - 14 * DAY), NULL);
		commit(t);
	}
	/* me: I trust H1 and H2; my verdicts, the failures confirmed by a re-run */
	pg_txn *t = begin(W->s, &c->me);
	add(t, trust(&c->me, key_of(&c->h[0], k), "high", NOW - 30 * DAY), NULL);
	add(t, trust(&c->me, key_of(&c->h[1], k), "high", NOW - 30 * DAY), NULL);
	for (int i = 0; i < NIMPL; i++) {
		add(t, verdict(&c->me, W->impl[i], W->spec, truth[i], !truth[i], NOW - 5 * DAY, &saw_lines[i]), NULL);
		pg_buf_free(&saw_lines[i]);
	}
	commit(t);
	/* a newcomer with no results of its own who trusts H1, privately */
	pg_policy p = { "trust", { 0 }, { 0 }, PG_LEVEL_HIGH, "met at a conference", NOW - DAY };
	key_of(&c->newcomer, p.by);
	key_of(&c->h[0], p.subject);
	assert_int_equal(pg_policy_add(W->s, &p), 0);
	assert_int_equal(pg_index_open(&W->x, W->s), 0);
	assert_int_equal(pg_index_sync(W->x), 0);
}

static void world_free(struct world *W)
{
	pg_index_free(W->x);
	pg_store_free(W->s);
	if (W->dir)
		unit_rmtree(W->dir);
}

static void make_cast(struct cast *c)
{
	char name[32];
	make_who(&c->me, "me");
	make_who(&c->author, "author");
	make_who(&c->cheater, "cheater");
	make_who(&c->newcomer, "newcomer");
	for (int i = 0; i < NHONEST; i++) {
		snprintf(name, sizeof(name), "H%d", i + 1);
		make_who(&c->h[i], pg_strdup(name));
	}
	for (int i = 0; i < NLIARS; i++) {
		snprintf(name, sizeof(name), "L%d", i + 1);
		make_who(&c->liar[i], pg_strdup(name));
	}
	for (int i = 0; i < NSYB_MAX; i++) {
		snprintf(name, sizeof(name), "S%02d", i + 1);
		make_who(&c->syb[i], pg_strdup(name));
	}
}

static void who_free(struct who *w, int owned_name)
{
	pg_buf_free(&w->identity);
	if (owned_name)
		free(w->key.name);
}

static int sim_setup(void **state)
{
	struct sim *m = pg_calloc(1, sizeof(*m));
	make_cast(&m->c);
	build(&m->small, &m->c, 5);
	build(&m->big, &m->c, NSYB_MAX);
	*state = m;
	return 0;
}

static int sim_teardown(void **state)
{
	struct sim *m = *state;
	world_free(&m->small);
	world_free(&m->big);
	who_free(&m->c.me, 0);
	who_free(&m->c.author, 0);
	who_free(&m->c.cheater, 0);
	who_free(&m->c.newcomer, 0);
	for (int i = 0; i < NHONEST; i++)
		who_free(&m->c.h[i], 1);
	for (int i = 0; i < NLIARS; i++)
		who_free(&m->c.liar[i], 1);
	for (int i = 0; i < NSYB_MAX; i++)
		who_free(&m->c.syb[i], 1);
	free(m);
	return 0;
}

/* --- reading the reputation ------------------------------------------------ */

static pg_rep *rep_of(struct world *W, const struct who *viewer)
{
	pg_rep *r;
	char k[PG_HEX_LEN + 1];
	if (pg_rep_compute(&r, W->x, W->s, key_of(viewer, k), NOW) < 0)
		fail_msg("pg_rep_compute: %s", pg_error_last());
	return r;
}

static const pg_rep_node *node(const pg_rep *r, const struct who *w)
{
	char k[PG_HEX_LEN + 1];
	const pg_rep_node *n = pg_rep_find(r, key_of(w, k));
	if (!n)
		fail_msg("%s is not a node", w->key.name);
	return n;
}

static uint32_t index_of(const pg_rep *r, const struct who *w)
{
	return (uint32_t)(node(r, w) - r->nodes);
}

static double group_mass(const pg_rep *r, const struct who *g, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m += node(r, &g[i])->mass;
	return m;
}

/* C(i→S): node i's normalized out-edge weight into the set. */
static double weight_into(const pg_rep *r, size_t i, const char *in_set)
{
	double c = 0;
	for (size_t e = r->off[i]; e < r->off[i + 1]; e++)
		if (in_set[r->dst[e]])
			c += r->w[e];
	return c;
}

/* The Sybil bound.  At the fixed point t = d·Cᵀt + b·p, with b the
 * teleport and dangling share.  No Sybil is a seed (p(S) = 0), so summing
 * over S:
 *     mass(S) = d·Σ_{h∉S} t_h·C(h→S) + d·Σ_{h∈S} t_h·C(h→S)
 *            ≤ d·in + d·mass(S)             (C(h→S) ≤ 1)
 *     mass(S) ≤ d/(1−d) · in,   in = Σ_{h∉S} mass(h)·C(h→S)
 * whatever the edges inside S, so whatever the number of members. */
struct flow {
	double mass, in, bound, kept; /* kept: Σ_{h∈S} t_h·C(h→S) / mass(S) */
};

static struct flow cluster_flow(const pg_rep *r, const struct who *members, size_t n)
{
	struct flow f = { 0, 0, 0, 0 };
	char *in_set = pg_calloc(r->n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		in_set[index_of(r, &members[i])] = 1;
		assert_true(node(r, &members[i])->seed == 0);
	}
	double inside = 0;
	for (size_t i = 0; i < r->n; i++) {
		double c = weight_into(r, i, in_set) * r->nodes[i].mass;
		if (in_set[i]) {
			f.mass += r->nodes[i].mass;
			inside += c;
		} else {
			f.in += c;
		}
	}
	f.bound = DAMP / (1 - DAMP) * f.in;
	f.kept = f.mass > 0 ? inside / f.mass : 0;
	free(in_set);
	return f;
}

static const pg_rank_row *row_named(const pg_ranking *rk, const char *name)
{
	for (size_t i = 0; i < rk->n; i++)
		if (rk->rows[i].impl.name && !strcmp(rk->rows[i].impl.name, name))
			return &rk->rows[i];
	fail_msg("no row for impl %s", name);
	return NULL;
}

static const char *const status_names[] = { "ranked", "unbenched", "unverified", "failed", "blocked" };

static void check_ranking(struct world *W, const pg_rep *r, const char *view)
{
	pg_ranking rk;
	if (pg_rank(&rk, W->x, W->iface, r) < 0)
		fail_msg("pg_rank: %s", pg_error_last());
	assert_int_equal(rk.n, NIMPL);
	for (int i = 0; i < NIMPL; i++) {
		const pg_rank_row *row = row_named(&rk, impl_names[i]);
		print_message("  %s view, %zu Sybils: %-6s %-10s verified_by %zu (mass %.4f)  %s\n", view, W->nsyb,
			      impl_names[i], status_names[row->status], row->verified_by, row->verified_mass,
			      row->reason ? row->reason : "");
		if (truth[i]) {
			assert_int_equal(row->status, PG_RANK_UNBENCHED); /* the interface has no bench */
		} else {
			assert_int_not_equal(row->status, PG_RANK_RANKED);
			assert_int_not_equal(row->status, PG_RANK_UNBENCHED);
			assert_int_equal(row->status, PG_RANK_FAILED);
		}
	}
	pg_ranking_free(&rk);
}

/* --- the simulation ---------------------------------------------------------- */

/* broken and cheat fail from my view, whatever the liars and Sybils sign */
static void test_broken_and_cheat_fail(void **state)
{
	struct sim *m = *state;
	struct world *W[] = { &m->small, &m->big };
	for (int k = 0; k < 2; k++) {
		pg_rep *r = rep_of(W[k], &m->c.me);
		check_ranking(W[k], r, "my");
		pg_rep_free(r);
	}
}

/* every liar is vetoed by my confirmed evidence and weighs less than every
 * honest verifier my evidence agrees with */
static void test_liars_are_vetoed_and_below_the_honest(void **state)
{
	struct sim *m = *state;
	struct world *W[] = { &m->small, &m->big };
	for (int k = 0; k < 2; k++) {
		pg_rep *r = rep_of(W[k], &m->c.me);
		double min_honest = 1, max_liar = 0;
		char key[PG_HEX_LEN + 1];
		for (int i = 0; i < NHONEST; i++) {
			const pg_rep_node *n = node(r, &m->c.h[i]);
			assert_int_equal(n->agree, NIMPL);
			assert_int_equal(n->disagree, 0);
			assert_true(n->D > 0);
			assert_true(n->mass > 0);
			assert_int_equal(n->flags & (PG_REP_VETOED | PG_REP_BLOCKED | PG_REP_DISTRUSTED), 0);
			if (n->mass < min_honest)
				min_honest = n->mass;
		}
		for (int i = 0; i < NLIARS; i++) {
			const pg_rep_node *n = node(r, &m->c.liar[i]);
			assert_int_equal(n->agree, 1);    /* good passes: they are right there */
			assert_int_equal(n->disagree, 2); /* broken and cheat: my re-run says they lie */
			assert_true(n->D < 0);
			assert_true(n->flags & PG_REP_VETOED);
			assert_true(n->mass < min_honest);
			assert_true(pg_rep_weight(r, key_of(&m->c.liar[i], key), NOW - 11 * DAY) == 0);
			if (n->mass > max_liar)
				max_liar = n->mass;
		}
		double total = 0; /* no key was handed over: every node is a principal */
		for (size_t i = 0; i < r->n; i++)
			total += r->nodes[i].mass;
		assert_true(fabs(total - 1) < 1e-9);
		print_message("  my view, %zu Sybils (%zu iterations): me %.4f, H1..H5 %.4f %.4f %.4f %.4f %.4f "
			      "(total %.4f), liars %.4f (max), Sybils %.4f, author %.4f, cheater %.4f\n",
			      W[k]->nsyb, r->iterations, node(r, &m->c.me)->mass, node(r, &m->c.h[0])->mass,
			      node(r, &m->c.h[1])->mass, node(r, &m->c.h[2])->mass, node(r, &m->c.h[3])->mass,
			      node(r, &m->c.h[4])->mass, group_mass(r, m->c.h, NHONEST), max_liar,
			      group_mass(r, m->c.syb, W[k]->nsyb), node(r, &m->c.author)->mass,
			      node(r, &m->c.cheater)->mass);
		print_message("  evidence D: honest %+.3f (3 agree), liars %+.3f (1 agree, 2 confirmed disagree)\n",
			      node(r, &m->c.h[2])->D, node(r, &m->c.liar[0])->D);
		pg_rep_free(r);
	}
}

static void print_flow(const char *view, size_t nsyb, const struct flow *f)
{
	print_message("  %s view, %2zu Sybils: mass(S) %.6f (%.6f each), inflow Σ mass(h)·C(h→S) %.6f, "
		      "bound d/(1-d)·inflow %.6f, mass kept inside S %.3f\n",
		      view, nsyb, f->mass, f->mass / (double)nsyb, f->in, f->bound, f->kept);
}

/* mass(S) ≤ (d/(1−d)) · Σ_{h∉S} mass(h)·C(h→S), and the total is the same
 * for 5 members as for 50 */
static void test_sybil_mass_is_bounded(void **state)
{
	struct sim *m = *state;
	pg_rep *rs = rep_of(&m->small, &m->c.me), *rb = rep_of(&m->big, &m->c.me);
	struct flow fs = cluster_flow(rs, m->c.syb, m->small.nsyb), fb = cluster_flow(rb, m->c.syb, m->big.nsyb);
	print_flow("my", m->small.nsyb, &fs);
	print_flow("my", m->big.nsyb, &fb);
	assert_true(fs.in > 0); /* H5's mistake does hand the cluster something */
	assert_true(fs.mass <= fs.bound * (1 + 1e-9));
	assert_true(fb.mass <= fb.bound * (1 + 1e-9));
	/* the inflow is H5's doing alone (C(H5→S) = 0.25 / (4·0.5 + 0.25)),
	 * and does not depend on the cluster */
	uint32_t h5 = index_of(rb, &m->c.h[4]), s1 = index_of(rb, &m->c.syb[0]);
	double c5 = 0;
	for (size_t e = rb->off[h5]; e < rb->off[h5 + 1]; e++)
		if (rb->dst[e] == s1)
			c5 += rb->w[e];
	assert_true(fabs(c5 - 0.25 / 2.25) < 1e-12);
	assert_true(fabs(fb.in - node(rb, &m->c.h[4])->mass * c5) < 1e-12);
	assert_true(fabs(fs.in - fb.in) < 1e-9);
	/* ten times the members, no more mass */
	assert_true(fb.mass <= fs.bound * (1 + 1e-9));
	assert_true(fabs(fb.mass - fs.mass) < 1e-9);
	/* and the liar the cluster vouches for gets none of it */
	assert_true(node(rb, &m->c.liar[0])->mass == 0);
	pg_rep_free(rs);
	pg_rep_free(rb);
}

/* From a newcomer's view (no results of its own, trusts H1 privately)
 * nobody is vetoed: the liar the Sybils vouch for gets their leak, yet the
 * bound holds, the honest outweigh it, and broken and cheat still fail. */
static void test_newcomer_view(void **state)
{
	struct sim *m = *state;
	struct world *W[] = { &m->small, &m->big };
	double liar_mass[2];
	for (int k = 0; k < 2; k++) {
		pg_rep *r = rep_of(W[k], &m->c.newcomer);
		assert_true(node(r, &m->c.newcomer)->flags & PG_REP_ME);
		assert_int_equal(node(r, &m->c.h[0])->level, PG_LEVEL_HIGH);
		assert_true(node(r, &m->c.h[0])->level_private);
		struct flow f = cluster_flow(r, m->c.syb, W[k]->nsyb);
		print_flow("newcomer's", W[k]->nsyb, &f);
		assert_true(f.mass <= f.bound * (1 + 1e-9));
		assert_true(f.kept < 1); /* some of it leaks to L1 */
		const pg_rep_node *l1 = node(r, &m->c.liar[0]);
		liar_mass[k] = l1->mass;
		assert_true(l1->mass > 0);
		/* only Sybils trust L1, and what they do not keep among themselves goes to it */
		assert_true(fabs(l1->mass - DAMP * f.mass * (1 - f.kept)) < 1e-12);
		for (int i = 1; i < NLIARS; i++)
			assert_true(node(r, &m->c.liar[i])->mass == 0); /* nobody vouches for them */
		for (int i = 0; i < NHONEST; i++)
			assert_true(node(r, &m->c.h[i])->mass > l1->mass);
		print_message("  newcomer's view, %2zu Sybils (%zu iterations): honest %.4f, L1 %.6f, L2+L3 %.4f\n",
			      W[k]->nsyb, r->iterations, group_mass(r, m->c.h, NHONEST), l1->mass,
			      node(r, &m->c.liar[1])->mass + node(r, &m->c.liar[2])->mass);
		check_ranking(W[k], r, "newcomer's");
		pg_rep_free(r);
	}
	/* the leak to L1 does not grow with the cluster either: the more
	 * members, the more of its mass the cluster keeps among them */
	assert_true(liar_mass[1] <= liar_mass[0]);
}

/* --- the words: what pg rep ID and pg rep --why say (pg_rep_explain) ------ */

/* What pg_rep_explain says of w from my view, as a new string. */
static char *explain(struct world *W, const pg_rep *r, const struct who *w, int why,
		     const char *const colors[PG_EXPLAIN_NCOLORS])
{
	pg_buf b = PG_BUF_INIT;
	char k[PG_HEX_LEN + 1];
	if (pg_rep_explain(&b, r, W->x, W->s, key_of(w, k), why, colors) < 0)
		fail_msg("pg_rep_explain: %s", pg_error_last());
	return pg_buf_detach(&b);
}

/* The text holds the line (or part of one) fmt makes; at its start with at_start. */
static __attribute__((format(printf, 3, 4))) void assert_line(const char *text, int at_start, const char *fmt, ...)
{
	pg_buf needle = PG_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	pg_buf_vprintf(&needle, fmt, ap);
	va_end(ap);
	const char *at = strstr(text, needle.ptr);
	if (!at || (at_start && at != text))
		fail_msg("no '%s' %s:\n%s", needle.ptr, at_start ? "at the start of" : "in", text);
	pg_buf_free(&needle);
}

/* A liar from my view: vetoed, each of his claims set against my result
 * about the same, and no way to him from me; plain text without colours,
 * and --why only adds to what pg rep ID says. */
static void test_explain_a_liar(void **state)
{
	struct sim *m = *state;
	struct world *W = &m->small;
	pg_rep *r = rep_of(W, &m->c.me);
	char *t = explain(W, r, &m->c.liar[0], 1, NULL), *brief = explain(W, r, &m->c.liar[0], 0, NULL);
	print_message("%s", t);
	assert_line(t, 1, "L1 %s  vetoed-by-your-evidence\n", node(r, &m->c.liar[0])->key);
	assert_line(t, 0, "\n  reputation   0.00%% of your trust mass (");
	assert_line(t, 0, "\n  your trust   none said\n");
	assert_line(t, 0, "\n  evidence     1 agree, 2 disagree, 0 unconfirmed, 0 refusals: r ");
	assert_line(t, 0, "\n  removed: your own evidence is against it (a local veto, never published)\n");
	assert_line(t, 0, "\n  evidence (their claim against your result about the same):\n");
	assert_line(t, 0, "\n    disagrees   verify of impl broken (%.8s) against spec examples (%.8s): "
		    "you failed, they passed (result ", W->impl[BROKEN], W->spec);
	assert_line(t, 0, "\n    agrees      verify of impl good (%.8s) against spec examples (%.8s): "
		    "you passed, they passed (result ", W->impl[GOOD], W->spec);
	assert_line(t, 0, "\n  no trust path from you\n");
	assert_null(strchr(t, '\033'));
	assert_line(t, 1, "%s", brief);
	assert_null(strstr(brief, "agrees"));
	free(t);
	free(brief);
	pg_rep_free(r);
}

/* text without its escape sequences (ESC [ ... m) */
static void strip_colors(char *t)
{
	char *w = t;
	for (const char *p = t; *p; p++)
		if (*p == '\033')
			p += strcspn(p, "m");
		else
			*w++ = *p;
	*w = '\0';
}

/* An honest verifier I trust: my published claim, where the mass comes
 * from, the path to it; the colours mark the name, the key and each
 * outcome, and take nothing away. */
static void test_explain_someone_i_trust(void **state)
{
	static const char *const colors[PG_EXPLAIN_NCOLORS] = {
		[PG_EXPLAIN_RESET] = "\033[m", [PG_EXPLAIN_NAME] = "\033[1m", [PG_EXPLAIN_ID] = "\033[33m",
		[PG_EXPLAIN_OK] = "\033[32m",  [PG_EXPLAIN_BAD] = "\033[1;31m", [PG_EXPLAIN_DIM] = "\033[2m",
	};
	struct sim *m = *state;
	struct world *W = &m->small;
	pg_rep *r = rep_of(W, &m->c.me);
	const pg_rep_node *h1 = node(r, &m->c.h[0]);
	char *t = explain(W, r, &m->c.h[0], 1, colors), *plain = explain(W, r, &m->c.h[0], 1, NULL);
	assert_line(t, 1, "\033[1mH1\033[m \033[33m%s\033[m\n", h1->key);
	assert_line(t, 0, "\n  your trust   high (published %.12s, ", h1->level_claim);
	assert_line(t, 0, "\n  evidence     3 agree, 0 disagree, 0 unconfirmed, 0 refusals: r ");
	assert_line(t, 0, "\n       10.00%%  the seed: you trust it directly\n");
	assert_line(t, 0, "%%  from H2 (");
	assert_line(t, 0, "\n    \033[32magrees     \033[m verify of impl broken (%.8s) against spec examples (%.8s): "
		    "you failed, they failed (result ", W->impl[BROKEN], W->spec);
	assert_line(t, 0, "\n  strongest trust paths:\n    you -> H1   (strength ");
	assert_line(t, 0, "\n    you -> H2 -> H1   (strength ");
	assert_null(strstr(t, "disagrees"));
	assert_null(strchr(plain, '\033'));
	strip_colors(t);
	assert_string_equal(t, plain);
	free(t);
	free(plain);
	pg_rep_free(r);
}

/* A key the graph does not hold: PG_ENOTFOUND, nothing written. */
static void test_explain_unknown_key(void **state)
{
	struct sim *m = *state;
	pg_rep *r = rep_of(&m->small, &m->c.me);
	pg_buf b = PG_BUF_INIT;
	char k[PG_HEX_LEN + 1];
	memset(k, 'e', PG_HEX_LEN);
	k[PG_HEX_LEN] = '\0';
	assert_error(pg_rep_explain(&b, r, m->small.x, m->small.s, k, 1, NULL), PG_ENOTFOUND,
		     "eeeeeeeeeeee is not known to this store's trust graph");
	assert_int_equal(b.len, 0);
	pg_buf_free(&b);
	pg_rep_free(r);
}

/* --- EigenTrust on synthetic graphs ----------------------------------------- */

struct graph {
	size_t n, *off;
	uint32_t *dst;
	double *w, *p;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n nodes, each with 0..2·deg out-edges (every 7th none: dangling) of
 * random weight normalized per truster; seeds: nodes 0..2. */
static void random_graph(struct graph *g, size_t n, size_t deg, uint64_t seed)
{
	g->n = n;
	g->off = pg_calloc(n + 1, sizeof(*g->off));
	g->dst = pg_calloc(n * 2 * deg + 1, sizeof(*g->dst));
	g->w = pg_calloc(n * 2 * deg + 1, sizeof(*g->w));
	g->p = pg_calloc(n, sizeof(*g->p));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = i % 7 == 6 ? 0 : rnd(&seed) % (2 * deg + 1);
		double sum = 0;
		for (size_t j = 0; j < k; j++) {
			g->dst[m + j] = (uint32_t)(rnd(&seed) % n);
			g->w[m + j] = 1 + (double)(rnd(&seed) % 1000);
			sum += g->w[m + j];
		}
		for (size_t j = 0; j < k; j++)
			g->w[m + j] /= sum;
		m += k;
		g->off[i + 1] = m;
	}
	g->p[0] = 0.5;
	g->p[1] = g->p[2] = 0.25;
}

static void graph_free(struct graph *g)
{
	free(g->off);
	free(g->dst);
	free(g->w);
	free(g->p);
}

static void test_eigentrust_mass_sums_to_one(void **state)
{
	(void)state;
	struct graph g;
	random_graph(&g, 2000, 5, 42);
	double *t = pg_calloc(g.n, sizeof(*t)), sum = 0;
	size_t it = pg_eigentrust(t, g.n, g.off, g.dst, g.w, g.p, DAMP);
	for (size_t i = 0; i < g.n; i++) {
		assert_true(t[i] >= 0);
		sum += t[i];
	}
	print_message("  random graph, %zu nodes, %zu edges, dangling ones: Σt = %.15f after %zu iterations\n", g.n,
		      g.off[g.n], sum, it);
	assert_true(it < 1000);
	assert_true(fabs(sum - 1) < 1e-9);
	free(t);
	graph_free(&g);
}

/* 0 → 1 → 2 → 0, seed 0: t0 = (1−d)/(1−d³), t1 = d·t0, t2 = d²·t0 */
static void test_eigentrust_cycle_converges(void **state)
{
	(void)state;
	size_t off[] = { 0, 1, 2, 3 };
	uint32_t dst[] = { 1, 2, 0 };
	double w[] = { 1, 1, 1 }, p[] = { 1, 0, 0 }, t[3] = { 0, 0, 0 };
	size_t it = pg_eigentrust(t, 3, off, dst, w, p, DAMP);
	double t0 = (1 - DAMP) / (1 - DAMP * DAMP * DAMP);
	print_message("  3-cycle: t = %.12f %.12f %.12f after %zu iterations (exact %.12f %.12f %.12f)\n", t[0], t[1],
		      t[2], it, t0, DAMP * t0, DAMP * DAMP * t0);
	assert_true(it < 1000);
	assert_true(fabs(t[0] - t0) < 1e-10);
	assert_true(fabs(t[1] - DAMP * t0) < 1e-10);
	assert_true(fabs(t[2] - DAMP * DAMP * t0) < 1e-10);
	/* a warm start at the answer stops at once */
	assert_true(pg_eigentrust(t, 3, off, dst, w, p, DAMP) <= 2);
}

static void test_eigentrust_is_deterministic(void **state)
{
	(void)state;
	struct graph g;
	random_graph(&g, 5000, 8, 7);
	double *a = pg_calloc(g.n, sizeof(*a)), *b = pg_calloc(g.n, sizeof(*b));
	size_t ia = pg_eigentrust(a, g.n, g.off, g.dst, g.w, g.p, DAMP);
	size_t ib = pg_eigentrust(b, g.n, g.off, g.dst, g.w, g.p, DAMP);
	assert_int_equal(ia, ib);
	assert_memory_equal(a, b, g.n * sizeof(*a));
	free(a);
	free(b);
	graph_free(&g);
}

/* node 3 trusts others but nobody trusts it and it is no seed: exactly 0 */
static void test_eigentrust_unreached_node_gets_zero(void **state)
{
	(void)state;
	size_t off[] = { 0, 1, 2, 2, 4 };
	uint32_t dst[] = { 1, 0, 0, 1 };
	double w[] = { 1, 1, 0.5, 0.5 }, p[] = { 1, 0, 0, 0 }, t[4] = { 0 };
	pg_eigentrust(t, 4, off, dst, w, p, DAMP);
	assert_true(t[3] == 0.0);
	assert_true(t[2] == 0.0); /* dangling and unreached */
	assert_true(t[0] > 0 && t[1] > 0);
	assert_true(fabs(t[0] + t[1] - 1) < 1e-12);
}

/* --- trust claims through pg_rep_compute --------------------------------- */

struct small {
	char *dir;
	pg_store *s;
	pg_index *x;
	struct who me, f, g, x_, y;
};

static int small_setup(void **state)
{
	struct small *w = pg_calloc(1, sizeof(*w));
	w->s = new_store(&w->dir);
	make_who(&w->me, "me");
	make_who(&w->f, "flooder");
	make_who(&w->g, "modest");
	make_who(&w->x_, "selfish");
	make_who(&w->y, "kay");
	assert_int_equal(pg_index_open(&w->x, w->s), 0);
	*state = w;
	return 0;
}

static int small_teardown(void **state)
{
	struct small *w = *state;
	pg_index_free(w->x);
	pg_store_free(w->s);
	unit_rmtree(w->dir);
	pg_buf_free(&w->me.identity);
	pg_buf_free(&w->f.identity);
	pg_buf_free(&w->g.identity);
	pg_buf_free(&w->x_.identity);
	pg_buf_free(&w->y.identity);
	free(w);
	return 0;
}

static pg_rep *small_rep(struct small *w)
{
	pg_rep *r;
	char k[PG_HEX_LEN + 1];
	assert_int_equal(pg_index_sync(w->x), 0);
	if (pg_rep_compute(&r, w->x, w->s, key_of(&w->me, k), NOW) < 0)
		fail_msg("pg_rep_compute: %s", pg_error_last());
	return r;
}

static double out_weight(const pg_rep *r, uint32_t i)
{
	double s = 0;
	for (size_t e = r->off[i]; e < r->off[i + 1]; e++)
		s += r->w[e];
	return s;
}

/* I trust F and G alike; F trusts 1000 keys, G one: F's trust is spread
 * thin, not multiplied, so F's subjects together get what G's one gets. */
static void test_claim_flood_is_normalized(void **state)
{
	struct small *w = *state;
	char k[PG_HEX_LEN + 1], sub[PG_HEX_LEN + 1];
	uint8_t pk[PG_PK_LEN];
	char (*flood)[PG_HEX_LEN + 1] = pg_calloc(1000, sizeof(*flood));
	pg_txn *t = begin(w->s, &w->me);
	add(t, trust(&w->me, key_of(&w->f, k), "high", NOW - DAY), NULL);
	add(t, trust(&w->me, key_of(&w->g, k), "high", NOW - DAY), NULL);
	commit(t);
	t = begin(w->s, &w->f);
	for (int i = 0; i < 1000; i++) {
		randombytes_buf(pk, sizeof(pk));
		pg_hex(flood[i], pk, PG_PK_LEN);
		add(t, trust(&w->f, flood[i], "high", NOW - DAY), NULL);
	}
	commit(t);
	randombytes_buf(pk, sizeof(pk));
	pg_hex(sub, pk, PG_PK_LEN);
	t = begin(w->s, &w->g);
	add(t, trust(&w->g, sub, "high", NOW - DAY), NULL);
	commit(t);

	pg_rep *r = small_rep(w);
	uint32_t fi = index_of(r, &w->f), gi = index_of(r, &w->g);
	assert_int_equal(r->off[fi + 1] - r->off[fi], 1000);
	assert_true(fabs(out_weight(r, fi) - 1) < 1e-12);
	assert_true(fabs(out_weight(r, gi) - 1) < 1e-12);
	for (size_t e = r->off[fi]; e < r->off[fi + 1]; e++)
		assert_true(fabs(r->w[e] - 1.0 / 1000) < 1e-15);
	double fm = node(r, &w->f)->mass, gm = node(r, &w->g)->mass, flooded = 0;
	for (int i = 0; i < 1000; i++) {
		const pg_rep_node *n = pg_rep_find(r, flood[i]);
		assert_non_null(n);
		assert_true(n->flags & PG_REP_UNKNOWN);
		flooded += n->mass;
	}
	double modest = pg_rep_find(r, sub)->mass;
	print_message("  claim flood: F (1000 claims) mass %.6f, out-weight %.6f, its subjects together %.6f "
		      "(each %.2e); G (1 claim) mass %.6f, its subject %.6f\n",
		      fm, out_weight(r, fi), flooded, flooded / 1000, gm, modest);
	assert_true(fabs(fm - gm) < 1e-12);
	assert_true(fabs(flooded - modest) < 1e-12);
	assert_true(fabs(flooded - DAMP * fm) < 1e-12); /* all of what F passes on, no more */
	pg_rep_free(r);
	free(flood);
}

/* Trusting oneself says nothing: no self-edge, no seed of one's own */
static void test_self_trust_is_ignored(void **state)
{
	struct small *w = *state;
	char k[PG_HEX_LEN + 1];
	pg_txn *t = begin(w->s, &w->me);
	add(t, trust(&w->me, key_of(&w->me, k), "high", NOW - DAY), NULL);
	add(t, trust(&w->me, key_of(&w->x_, k), "high", NOW - DAY), NULL);
	commit(t);
	t = begin(w->s, &w->x_);
	add(t, trust(&w->x_, key_of(&w->x_, k), "high", NOW - DAY), NULL);
	add(t, trust(&w->x_, key_of(&w->g, k), "low", NOW - DAY), NULL);
	commit(t);
	pg_rep *r = small_rep(w);
	uint32_t me = index_of(r, &w->me), x = index_of(r, &w->x_), g = index_of(r, &w->g);
	assert_int_equal(r->me_node, me);
	assert_int_equal(node(r, &w->me)->level, -1);
	assert_int_equal(r->off[me + 1] - r->off[me], 1);
	assert_int_equal(r->dst[r->off[me]], x);
	assert_int_equal(r->off[x + 1] - r->off[x], 1); /* low trust in g is all of x's out-weight */
	assert_int_equal(r->dst[r->off[x]], g);
	assert_true(r->w[r->off[x]] == 1);
	assert_true(fabs(node(r, &w->me)->seed - 0.5) < 1e-15);
	assert_true(fabs(node(r, &w->x_)->seed - 0.5) < 1e-15);
	pg_rep_free(r);
}

/* A claim about a key the store has not seen is kept; the key becomes
 * known when its identity arrives and the index is synced. */
static void test_unknown_key_becomes_known(void **state)
{
	struct small *w = *state;
	char k[PG_HEX_LEN + 1];
	pg_txn *t = begin(w->s, &w->me);
	add(t, trust(&w->me, key_of(&w->y, k), "medium", NOW - DAY), NULL);
	commit(t);
	pg_rep *r = small_rep(w);
	const pg_rep_node *n = node(r, &w->y);
	assert_true(n->flags & PG_REP_UNKNOWN);
	assert_string_equal(n->name, "");
	assert_int_equal(n->level, PG_LEVEL_MEDIUM);
	assert_true(n->mass > 0);
	double before = n->mass;
	pg_rep_free(r);

	commit(begin(w->s, &w->y)); /* a new log: just kay's identity */
	r = small_rep(w);
	n = node(r, &w->y);
	assert_int_equal(n->flags & PG_REP_UNKNOWN, 0);
	assert_string_equal(n->name, "kay");
	assert_true(fabs(n->mass - before) < 1e-12);
	pg_rep_free(r);
}

int main(void)
{
	pg_crypto_init();
	/* one group (tests/run counts the last summary line): the simulation's
	 * worlds are its state, the tests after them make their own */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken_and_cheat_fail),
		cmocka_unit_test(test_liars_are_vetoed_and_below_the_honest),
		cmocka_unit_test(test_sybil_mass_is_bounded),
		cmocka_unit_test(test_newcomer_view),
		cmocka_unit_test(test_explain_a_liar),
		cmocka_unit_test(test_explain_someone_i_trust),
		cmocka_unit_test(test_explain_unknown_key),
		cmocka_unit_test(test_eigentrust_mass_sums_to_one),
		cmocka_unit_test(test_eigentrust_cycle_converges),
		cmocka_unit_test(test_eigentrust_is_deterministic),
		cmocka_unit_test(test_eigentrust_unreached_node_gets_zero),
		cmocka_unit_test_setup_teardown(test_claim_flood_is_normalized, small_setup, small_teardown),
		cmocka_unit_test_setup_teardown(test_self_trust_is_ignored, small_setup, small_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key_becomes_known, small_setup, small_teardown),
	};
	return cmocka_run_group_tests(tests, sim_setup, sim_teardown);
}
