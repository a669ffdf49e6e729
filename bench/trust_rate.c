/* trust_rate.c - what reputation costs: pg_eigentrust alone on a random
 * graph, and pg_rep_compute's parts on a store
 *
 *   trust_rate [NODES [EDGES [RUNS]]]      (default 10000 100000 20)
 *   trust_rate store PGDIR HOME [RUNS]     (default 5)
 *
 * The graph is what pg_rep_compute hands pg_eigentrust: CSR out-edges,
 * weights normalized per truster (a level's weight, 0.25, 0.5 or 1, over
 * the truster's sum).  Edges go from a uniformly random truster to a
 * uniformly random other node (with ten edges a node on average, almost
 * every node trusts someone).  Seeds: ten nodes, one of them "me" with as
 * much weight as the other nine together, as when I trust nine identities
 * high.  Each run starts cold (t = 0, so t = p); a warm start from the
 * answer after one truster's weights change, as a cache would do it, is
 * timed too.
 *
 * store: the index of PGDIR (synced first, not timed) and the current
 * identity of HOME as me; the median of RUNS of pg_index_identities,
 * pg_index_claims and pg_index_shared_results (the rows pg_rep_compute
 * reads), of pg_rep_compute as a whole, and of its pg_eigentrust on the
 * graph it built.
 *
 * Prints one line per figure, "name value [unit]".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "key.h"
#include "trust.h"

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct edge {
	uint32_t a, b;
	double w;
};

static int cmp_edge(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static int count(const void *row, void *data)
{
	(void)row;
	(*(size_t *)data)++;
	return 0;
}

static int count_identity(const pg_index_identity *e, void *data)
{
	return count(e, data);
}

static int count_claim(const pg_index_claim *c, void *data)
{
	return count(c, data);
}

static int count_result(const pg_index_result *r, void *data)
{
	return count(r, data);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* The median of runs of one step, in ms; *rows from the last. */
#define TIME(out, runs, rows, step)                                      \
	do {                                                             \
		double v_[64];                                           \
		for (size_t r_ = 0; r_ < (runs); r_++) {                 \
			double t_ = seconds();                           \
			*(rows) = 0;                                     \
			if ((step) < 0)                                  \
				return fail();                           \
			v_[r_] = (seconds() - t_) * 1000;                \
		}                                                        \
		(out) = median(v_, (runs));                              \
	} while (0)

static int fail(void)
{
	fprintf(stderr, "trust_rate: %s\n", pg_error_last());
	return 1;
}

static int store_mode(const char *pgdir, const char *home, size_t runs)
{
	pg_store *s;
	pg_index *x;
	pg_rep *rep = NULL;
	uint8_t pk[PG_PK_LEN];
	char me[PG_HEX_LEN + 1];
	size_t nid = 0, ncl = 0, nres = 0, dummy = 0;
	double t_id, t_cl, t_res, t_rep, t_et;
	if (runs > 64)
		runs = 64;
	if (pg_crypto_init() < 0 || pg_store_open(&s, pgdir) < 0 || pg_index_open(&x, s) < 0 || pg_index_sync(x) < 0 ||
	    pg_key_get_current(pk, home) < 0)
		return fail();
	pg_hex(me, pk, PG_PK_LEN);
	TIME(t_id, runs, &nid, pg_index_identities(x, count_identity, &nid));
	TIME(t_cl, runs, &ncl, pg_index_claims(x, count_claim, &ncl));
	TIME(t_res, runs, &nres, pg_index_shared_results(x, me, count_result, &nres));
	TIME(t_rep, runs, &dummy, (pg_rep_free(rep), pg_rep_compute(&rep, x, s, me, pg_now())));
	double *t = calloc(rep->n + 1, sizeof(*t)), *p = calloc(rep->n + 1, sizeof(*p));
	for (size_t i = 0; i < rep->n; i++)
		p[i] = rep->nodes[i].seed;
	TIME(t_et, runs, &dummy, (memset(t, 0, rep->n * sizeof(*t)), (int)pg_eigentrust(t, rep->n, rep->off, rep->dst,
											   rep->w, p, PG_TRUST_DAMPING)));
	printf("nodes %zu\nedges %zu\nruns %zu\n", rep->n, rep->off[rep->n], runs);
	printf("identities %.2f ms %zu\nclaims %.2f ms %zu\nshared_results %.2f ms %zu\n", t_id, nid, t_cl, ncl, t_res,
	       nres);
	printf("rep_compute %.2f ms\neigentrust %.2f ms %zu\n", t_rep, t_et, rep->iterations);
	free(t);
	free(p);
	pg_rep_free(rep);
	pg_index_free(x);
	pg_store_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "store"))
		return store_mode(argv[2], argv[3], argc > 4 ? strtoul(argv[4], NULL, 10) : 5);
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, m = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000,
	       runs = argc > 3 ? strtoul(argv[3], NULL, 10) : 20;
	static const double level_w[] = { 0.25, 0.5, 1 };
	uint64_t state = 0x243f6a8885a308d3ull;
	if (n < 10 || !runs) {
		fprintf(stderr, "usage: trust_rate [NODES>=10 [EDGES [RUNS>=1]]]\n");
		return 2;
	}
	struct edge *E = malloc((m + 1) * sizeof(*E));
	for (size_t i = 0; i < m; i++) {
		E[i].a = (uint32_t)(rnd(&state) % n);
		E[i].b = (uint32_t)(rnd(&state) % (n - 1));
		E[i].b += E[i].b >= E[i].a;
		E[i].w = level_w[rnd(&state) % 3];
	}
	qsort(E, m, sizeof(*E), cmp_edge);
	size_t *off = calloc(n + 1, sizeof(*off));
	uint32_t *dst = malloc((m + 1) * sizeof(*dst));
	double *w = malloc((m + 1) * sizeof(*w)), *p = calloc(n, sizeof(*p)), *t = calloc(n, sizeof(*t));
	for (size_t i = 0; i < m; i++) {
		dst[i] = E[i].b;
		w[i] = E[i].w;
		off[E[i].a + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	size_t dangling = 0;
	for (size_t i = 0; i < n; i++) {
		double sum = 0;
		for (size_t e = off[i]; e < off[i + 1]; e++)
			sum += w[e];
		for (size_t e = off[i]; e < off[i + 1]; e++)
			w[e] /= sum;
		dangling += off[i] == off[i + 1];
	}
	p[0] = 0.5;
	for (size_t k = 1; k < 10; k++)
		p[k * (n / 10)] = 0.5 / 9;

	double *ms = malloc(runs * sizeof(*ms)), sum = 0;
	size_t it = 0;
	for (size_t r = 0; r < runs; r++) {
		memset(t, 0, n * sizeof(*t));
		double t0 = seconds();
		it = pg_eigentrust(t, n, off, dst, w, p, PG_TRUST_DAMPING);
		ms[r] = (seconds() - t0) * 1000;
	}
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	qsort(ms, runs, sizeof(*ms), cmp_double);

	/* warm: one truster's edges reweighted, restart from the old answer */
	size_t who = 0;
	while (off[who + 1] - off[who] < 2)
		who++;
	w[off[who]] *= 2;
	double s2 = 0;
	for (size_t e = off[who]; e < off[who + 1]; e++)
		s2 += w[e];
	for (size_t e = off[who]; e < off[who + 1]; e++)
		w[e] /= s2;
	double t1 = seconds();
	size_t warm_it = pg_eigentrust(t, n, off, dst, w, p, PG_TRUST_DAMPING);
	double warm_ms = (seconds() - t1) * 1000;

	printf("nodes %zu\nedges %zu\ndangling %zu nodes\nruns %zu\n", n, m, dangling, runs);
	printf("cold_median %.3f ms\ncold_min %.3f ms\ncold_max %.3f ms\niterations %zu\n", ms[runs / 2], ms[0],
	       ms[runs - 1], it);
	printf("per_iteration %.1f us\nedges_per_s %.3g\n", 1000 * ms[runs / 2] / (double)it,
	       (double)m * (double)it / (ms[runs / 2] / 1000));
	printf("warm %.3f ms\nwarm_iterations %zu\nmass_sum %.15f\n", warm_ms, warm_it, sum);
	free(E);
	free(off);
	free(dst);
	free(w);
	free(p);
	free(t);
	free(ms);
	return fabs(sum - 1) < 1e-9 ? 0 : 1;
}
