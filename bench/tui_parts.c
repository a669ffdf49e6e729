/* tui_parts.c - where pg tui's first screen spends its time, in process
 *
 *   tui_parts PGDIR HOME [RUNS]      (default 10)
 *
 * The library calls pg tui makes before its first screen, in its order
 * (cmd/pg.c setup_store, tui/tui.c tui_main, tui/interfaces.c
 * interfaces_open), each timed, and then the ranking it does afterwards in
 * idle time (interfaces_idle: pg_rank of every interface).  Each run opens
 * the store and index afresh, as a new pg process would (the OS page
 * cache stays warm, as it is for a user who browses the same store again).
 * The index must be in sync already (run any pg command first): that is
 * the state pg tui usually starts in.
 *
 * Prints one line per step: "name first-ms median-ms max-ms [rows]": the
 * first run (what a new process pays: libgit2's and SQLite's one-time
 * set-up land in it), then the median and the max of all RUNS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index.h"
#include "key.h"
#include "rank.h"
#include "trust.h"

static double ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "tui_parts: %s: %s\n", what, pg_error_last());
	exit(1);
}

struct ifs {
	char (*id)[PG_HEX_LEN + 1];
	size_t n;
};

static int add_iface(const pg_index_row *r, void *data)
{
	struct ifs *v = data;
	v->id = realloc(v->id, (v->n + 1) * sizeof(*v->id));
	memcpy(v->id[v->n++], r->id, PG_HEX_LEN + 1);
	return 0;
}

/* pg tui's interfaces view counts specs, impls and benches this way */
static int count(const char *dst, uint64_t n, void *data)
{
	(void)dst;
	*(size_t *)data += (size_t)n;
	return 0;
}

enum { OPEN, INDEX_OPEN, SYNC, KEY, REP, QUERY, COUNTS, FIRST, RANK_ALL, RANK_MAX, STEPS };
static const char *const names[STEPS] = {
	"pg_store_open", "pg_index_open", "pg_index_sync", "pg_key_get_current", "pg_rep_compute",
	"pg_index_query(type=interface)", "pg_index_link_counts x3", "all of the above",
	"pg_rank of every interface", "pg_rank, the slowest interface",
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: tui_parts PGDIR HOME [RUNS]\n");
		return 2;
	}
	size_t runs = argc > 3 ? strtoul(argv[3], NULL, 10) : 10;
	if (runs < 1)
		runs = 1;
	double *t[STEPS];
	size_t rows[STEPS] = { 0 };
	for (int k = 0; k < STEPS; k++)
		t[k] = calloc(runs, sizeof(double));
	if (pg_crypto_init() < 0)
		die("crypto");
	for (size_t r = 0; r < runs; r++) {
		pg_store *s;
		pg_index *x;
		pg_rep *rep = NULL;
		uint8_t pk[PG_PK_LEN];
		char me[PG_HEX_LEN + 1] = "";
		struct ifs f = { NULL, 0 };
		size_t nlinked = 0;
		double a = ms_now(), b, start = a;
#define STEP(k, call)                 \
	do {                          \
		if ((call) < 0)       \
			die(names[k]);\
		b = ms_now();         \
		t[k][r] = b - a;      \
		a = b;                \
	} while (0)
		STEP(OPEN, pg_store_open(&s, argv[1]));
		STEP(INDEX_OPEN, pg_index_open(&x, s));
		STEP(SYNC, pg_index_sync(x));
		if (pg_key_get_current(pk, argv[2]) == 0)
			pg_hex(me, pk, PG_PK_LEN);
		b = ms_now(), t[KEY][r] = b - a, a = b;
		STEP(REP, pg_rep_compute(&rep, x, s, me, pg_now()));
		pg_query q = { .type = "interface" };
		STEP(QUERY, pg_index_query(x, &q, add_iface, &f));
		if (pg_index_link_counts(x, "interface", "spec", count, &nlinked) < 0 ||
		    pg_index_link_counts(x, "interface", "impl", count, &nlinked) < 0 ||
		    pg_index_link_counts(x, "interface", "bench", count, &nlinked) < 0)
			die(names[COUNTS]);
		b = ms_now(), t[COUNTS][r] = b - a, a = b;
		t[FIRST][r] = a - start;
		double slowest = 0;
		size_t nrows = 0;
		for (size_t i = 0; i < f.n; i++) {
			pg_ranking rk;
			double c0 = ms_now();
			if (pg_rank(&rk, x, f.id[i], rep) < 0)
				die(names[RANK_ALL]);
			double c1 = ms_now();
			if (c1 - c0 > slowest)
				slowest = c1 - c0;
			nrows += rk.n;
			pg_ranking_free(&rk);
		}
		t[RANK_ALL][r] = ms_now() - a;
		t[RANK_MAX][r] = slowest;
		rows[REP] = rep->n;
		rows[QUERY] = f.n;
		rows[COUNTS] = nlinked;
		rows[RANK_ALL] = nrows;
		pg_rep_free(rep);
		pg_index_free(x);
		pg_store_free(s);
		free(f.id);
	}
	for (int k = 0; k < STEPS; k++) {
		double first = t[k][0];
		qsort(t[k], runs, sizeof(double), cmp_double);
		double med = runs % 2 ? t[k][runs / 2] : (t[k][runs / 2 - 1] + t[k][runs / 2]) / 2;
		printf("%s\t%.2f\t%.2f\t%.2f", names[k], first, med, t[k][runs - 1]);
		if (rows[k])
			printf("\t%zu", rows[k]);
		putchar('\n');
		free(t[k]);
	}
	return 0;
}
