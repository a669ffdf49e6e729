/* test_result.c - bench results: the summary of samples, the body and its
 * self-check, result objects checked as they enter a store, workload.yaml */
#include "unit.h"

#include <math.h>
#include <sodium.h>

#include "result.h"
#include "spec.h"

#define BASE_ID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define IMPL_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define BENCH_ID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* --- making results by hand ----------------------------------------------- */

/* An empty result of nw workloads. */
static void result_new(pg_bresult *r, size_t nw)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->baseline, BASE_ID, sizeof(r->baseline));
	r->nw = nw;
	r->w = pg_calloc(nw, sizeof(*r->w));
	r->peak_rss = 12345678;
	r->base_peak_rss = 2345678;
	r->machine = pg_strdup("x86_64 Linux test, 2 cpus");
}

/* Workload w: n samples, impl[i] and base[i] the round times (ns as the
 * implementation says, and the wall clock alike), one call per round, one
 * iteration each side. */
static void samples_set(pg_bwork *w, size_t n, const uint64_t *impl, const uint64_t *base)
{
	w->n = w->base_n = w->calls = 1;
	w->nsamples = n;
	for (size_t i = 0; i < n; i++) {
		w->ns[i] = w->wall[i] = impl[i];
		w->base_ns[i] = w->base_wall[i] = base[i];
	}
}

/* 10 rounds, the implementation always twice the baseline; baseline
 * rounds 1000, 1010, ... 1090 ns */
static void twice(pg_bwork *w)
{
	uint64_t impl[10], base[10];
	for (size_t i = 0; i < 10; i++) {
		base[i] = 1000 + 10 * i;
		impl[i] = 2 * base[i];
	}
	samples_set(w, 10, impl, base);
}

/* 10 rounds, ratios 1, 2, ... 10 against a steady baseline of 1000 ns:
 * median 5.5, quartiles 3.25 and 7.75, too wide to trust */
static void spread(pg_bwork *w)
{
	uint64_t impl[10], base[10];
	for (size_t i = 0; i < 10; i++) {
		base[i] = 1000;
		impl[i] = 1000 * (i + 1);
	}
	samples_set(w, 10, impl, base);
}

#define assert_near(a, b)                                                                  \
	do {                                                                               \
		double a_ = (a), b_ = (b);                                                 \
		if (!(fabs(a_ - b_) <= 1e-9 * fabs(b_)))                                   \
			fail_msg("%s = %.17g, wanted %.17g", #a, a_, b_);                  \
	} while (0)

/* The body of r (summarized first). */
static char *body_of(pg_bresult *r)
{
	pg_buf b = PG_BUF_INIT;
	pg_bench_summarize(r);
	pg_bench_body(&b, r);
	return pg_buf_detach(&b);
}

static int parse_text(const char *body)
{
	pg_bresult r;
	int err = pg_bench_body_parse(&r, body, strlen(body));
	pg_bresult_clear(&r);
	return err;
}

/* body with its first line that begins with prefix replaced by line (NULL:
 * removed); fails the test when there is no such line */
static char *edit_line(const char *body, const char *prefix, const char *line)
{
	size_t n = strlen(prefix);
	const char *p = body;
	while (strncmp(p, prefix, n)) {
		p = strchr(p, '\n');
		if (!p || !p[1])
			fail_msg("no line '%s...' in:\n%s", prefix, body);
		p++;
	}
	const char *end = strchr(p, '\n');
	pg_buf b = PG_BUF_INIT;
	pg_buf_put(&b, body, (size_t)(p - body));
	if (line)
		pg_buf_printf(&b, "%s\n", line);
	pg_buf_puts(&b, end + 1);
	return pg_buf_detach(&b);
}

/* body with the word after " key " in the first line beginning with prefix
 * replaced by value */
static char *edit_word(const char *body, const char *prefix, const char *key, const char *value)
{
	size_t n = strlen(prefix);
	const char *p = body;
	while (strncmp(p, prefix, n)) {
		p = strchr(p, '\n');
		if (!p || !p[1])
			fail_msg("no line '%s...'", prefix);
		p++;
	}
	char *k = pg_asprintf(" %s ", key);
	const char *at = strstr(p, k);
	if (!at || at > strchr(p, '\n'))
		fail_msg("no '%s' in the line '%s...'", key, prefix);
	at += strlen(k);
	free(k);
	pg_buf b = PG_BUF_INIT;
	pg_buf_put(&b, body, (size_t)(at - body));
	pg_buf_puts(&b, value);
	pg_buf_puts(&b, at + strcspn(at, " \n"));
	return pg_buf_detach(&b);
}

/* body with the first occurrence of old replaced by new */
static char *subst(const char *body, const char *old, const char *new)
{
	const char *at = strstr(body, old);
	if (!at)
		fail_msg("no '%s' in:\n%s", old, body);
	pg_buf b = PG_BUF_INIT;
	pg_buf_put(&b, body, (size_t)(at - body));
	pg_buf_puts(&b, new);
	pg_buf_puts(&b, at + strlen(old));
	return pg_buf_detach(&b);
}

/* edit_line on a body of our own, which it frees */
static char *chain(char *body, const char *prefix, const char *line)
{
	char *r = edit_line(body, prefix, line);
	free(body);
	return r;
}

/* Parsing text fails with PG_EINVALID and a message containing msg. */
static void refused(const char *what, char *text, const char *msg)
{
	int err = parse_text(text);
	if (err != PG_EINVALID || !strstr(pg_error_last(), msg))
		fail_msg("%s: got %d '%s', wanted '%s'", what, err, pg_error_last(), msg);
	free(text);
}

/* --- the summary ------------------------------------------------------------ */

static void test_round_ns_takes_the_wall_clock_when_implausible(void **state)
{
	(void)state;
	assert_int_equal(pg_bench_round_ns(900, 1000), 900);    /* plausible */
	assert_int_equal(pg_bench_round_ns(1000, 1000), 1000);
	assert_int_equal(pg_bench_round_ns(250, 1000), 250);    /* a quarter: still believed */
	assert_int_equal(pg_bench_round_ns(249, 1000), 1000);   /* less: the wall clock */
	assert_int_equal(pg_bench_round_ns(1, 1000), 1000);
	assert_int_equal(pg_bench_round_ns(1001, 1000), 1000);  /* more than the wall clock */
	assert_int_equal(pg_bench_round_ns(0, 0), 0);
}

static void test_summary_of_an_impl_twice_the_baseline(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	pg_bench_summarize(&r);
	const pg_bwork *w = &r.w[0];
	assert_near(w->ratio, 2);
	assert_near(w->q1, 2);
	assert_near(w->q3, 2);
	assert_near(w->low, 2);
	assert_near(w->high, 2);
	assert_near(r.score, 2);
	assert_near(r.band_lo, 2);
	assert_near(r.band_hi, 2);
	assert_near(w->iter_ns, 2090);      /* median of 2000, 2020, ... 2180 */
	assert_near(w->base_iter_ns, 1045);
	assert_near(w->mad, 50.0 / 2090);   /* deviations 90 70 50 30 10 10 30 50 70 90 */
	assert_near(w->base_mad, 25.0 / 1045);
	assert_null(r.note);
	pg_bresult_clear(&r);
}

static void test_summary_per_iteration_and_call(void **state)
{
	(void)state;
	/* 4 iterations of 3 calls against 2 of 3: per call 2000 against 1000 ns */
	pg_bresult r;
	uint64_t impl[12], base[12];
	for (size_t i = 0; i < 12; i++)
		impl[i] = 24000, base[i] = 6000;
	result_new(&r, 1);
	samples_set(&r.w[0], 12, impl, base);
	r.w[0].n = 4;
	r.w[0].base_n = 2;
	r.w[0].calls = 3;
	pg_bench_summarize(&r);
	assert_near(r.w[0].iter_ns, 2000);
	assert_near(r.w[0].base_iter_ns, 1000);
	assert_near(r.w[0].ratio, 2);
	assert_near(r.score, 2);
	assert_near(r.w[0].mad, 0);
	assert_null(r.note);
	pg_bresult_clear(&r);
}

static void test_summary_quartiles_and_a_wide_spread(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	spread(&r.w[0]);
	pg_bench_summarize(&r);
	assert_near(r.w[0].ratio, 5.5);
	assert_near(r.w[0].q1, 3.25);
	assert_near(r.w[0].q3, 7.75);
	assert_true(r.w[0].low < 5.5 && r.w[0].high > 5.5 && r.w[0].low >= 1 && r.w[0].high <= 10);
	assert_near(r.score, 5.5);
	assert_non_null(r.note);
	assert_non_null(strstr(r.note, "workload 1: spread too wide to trust"));
	pg_bresult_clear(&r);
}

static void test_score_is_the_geometric_mean_of_the_workloads(void **state)
{
	(void)state;
	pg_bresult r;
	uint64_t impl[10], base[10];
	result_new(&r, 2);
	twice(&r.w[0]);
	for (size_t i = 0; i < 10; i++)
		base[i] = 500 + i, impl[i] = 8 * base[i];
	samples_set(&r.w[1], 10, impl, base);
	pg_bench_summarize(&r);
	assert_near(r.w[1].ratio, 8);
	assert_near(r.score, 4);
	assert_near(r.band_lo, 4);
	assert_near(r.band_hi, 4);
	pg_bresult_clear(&r);
}

static void test_implausible_clocks_count_as_the_wall_clock(void **state)
{
	(void)state;
	/* an impl claiming 1 ns, or more than the wall clock, for rounds of
	 * 2000 ns against a baseline of 1000: twice the baseline either way */
	for (int over = 0; over < 2; over++) {
		pg_bresult r;
		result_new(&r, 1);
		twice(&r.w[0]);
		for (size_t i = 0; i < 10; i++)
			r.w[0].ns[i] = over ? 3 * r.w[0].wall[i] : 1;
		pg_bench_summarize(&r);
		assert_near(r.w[0].ratio, 2);
		assert_near(r.score, 2);
		pg_bresult_clear(&r);
	}
}

/* --- the body ----------------------------------------------------------------- */

static void check_round_trip(pg_bresult *r)
{
	char *body = body_of(r);
	pg_bresult back;
	if (pg_bench_body_parse(&back, body, strlen(body)) < 0)
		fail_msg("%s\n%s", pg_error_last(), body);
	assert_string_equal(back.baseline, r->baseline);
	assert_int_equal(back.nw, r->nw);
	assert_int_equal(back.peak_rss, r->peak_rss);
	assert_int_equal(back.base_peak_rss, r->base_peak_rss);
	assert_string_equal(back.machine, r->machine);
	assert_true(!back.note == !r->note);
	if (r->note)
		assert_string_equal(back.note, r->note);
	char a[32], b[32];
#define SAME(x, y)                                           \
	do {                                                 \
		snprintf(a, sizeof(a), "%.6g", (x));         \
		snprintf(b, sizeof(b), "%.6g", (y));         \
		assert_string_equal(a, b);                   \
	} while (0)
	SAME(back.score, r->score);
	SAME(back.band_lo, r->band_lo);
	SAME(back.band_hi, r->band_hi);
	for (size_t i = 0; i < r->nw; i++) {
		const pg_bwork *x = &back.w[i], *y = &r->w[i];
		assert_int_equal(x->nsamples, y->nsamples);
		assert_int_equal(x->n, y->n);
		assert_int_equal(x->base_n, y->base_n);
		assert_int_equal(x->calls, y->calls);
		assert_memory_equal(x->ns, y->ns, y->nsamples * sizeof(*y->ns));
		assert_memory_equal(x->wall, y->wall, y->nsamples * sizeof(*y->ns));
		assert_memory_equal(x->base_ns, y->base_ns, y->nsamples * sizeof(*y->ns));
		assert_memory_equal(x->base_wall, y->base_wall, y->nsamples * sizeof(*y->ns));
		SAME(x->ratio, y->ratio);
		SAME(x->q1, y->q1);
		SAME(x->q3, y->q3);
		SAME(x->low, y->low);
		SAME(x->high, y->high);
		SAME(x->iter_ns, y->iter_ns);
		SAME(x->base_iter_ns, y->base_iter_ns);
		SAME(x->mad, y->mad);
		SAME(x->base_mad, y->base_mad);
	}
#undef SAME
	/* and the body it gives is the body it came from */
	pg_buf again = PG_BUF_INIT;
	pg_bench_body(&again, &back);
	assert_string_equal(again.ptr, body);
	pg_buf_free(&again);
	pg_bresult_clear(&back);
	free(body);
}

static void test_body_round_trips(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	check_round_trip(&r);
	pg_bresult_clear(&r);

	/* two workloads, one too wide to trust (a note), irregular samples */
	result_new(&r, 2);
	spread(&r.w[0]);
	uint64_t impl[100], base[100];
	uint64_t s = 12345;
	for (size_t i = 0; i < 100; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		base[i] = 100000 + (s >> 50);
		impl[i] = 37000 + (s >> 52) + i;
	}
	samples_set(&r.w[1], 100, impl, base);
	r.w[1].n = 7;
	r.w[1].base_n = 3;
	r.w[1].calls = 16;
	check_round_trip(&r);
	pg_bresult_clear(&r);
}

static void test_body_lines(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	char *body = body_of(&r);
	const char *want = "result measured\nbaseline " BASE_ID "\nscore 2\nband 2 2\n"
			   "workload 1 n 1 base-n 1 calls 1 ratio 2 q1 2 q3 2 ci 2 2 ns 2090 base-ns 1045 ";
	assert_true(!strncmp(body, want, strlen(want)));
	assert_non_null(strstr(body, "\nns 1 2000 2020 2040 2060 2080 2100 2120 2140 2160 2180\n"
				     "wall 1 2000 2020 2040 2060 2080 2100 2120 2140 2160 2180\n"
				     "base-ns 1 1000 1010 1020 1030 1040 1050 1060 1070 1080 1090\n"));
	assert_non_null(strstr(body, "\npeak-rss 12345678 2345678\nmachine x86_64 Linux test, 2 cpus\ntool pg "));
	assert_null(strstr(body, "\nnote "));
	pg_bresult_clear(&r);
	free(body);
}

static void test_tampered_bodies_are_refused(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	char *calm = body_of(&r);
	pg_bresult_clear(&r);
	result_new(&r, 1);
	spread(&r.w[0]);
	char *wide = body_of(&r);
	pg_bresult_clear(&r);
	assert_int_equal(parse_text(calm), 0);
	assert_int_equal(parse_text(wide), 0);

	/* one sample: the round of ratio 5 now says 4.5 */
	refused("a sample", edit_line(wide, "ns 1 ", "ns 1 1000 2000 3000 4000 4500 6000 7000 8000 9000 10000"),
		"bench result: workload 1 says ratio 5.5, but its samples give 5.25");
	/* more than the wall clock pg measured: the wall clock counts, nothing changes */
	char *over = edit_line(wide, "ns 1 ", "ns 1 1000 2000 3000 4000 5500 6000 7000 8000 9000 10000");
	assert_int_equal(parse_text(over), 0);
	free(over);
	refused("a baseline sample", edit_line(calm, "base-ns 1 ", "base-ns 1 1000 1010 1020 1030 1000 1050 1060 1070 1080 1090"),
		"bench result: workload 1 says base-ns 1045, but its samples give 1040");
	/* a wall clock that makes the implementation's own clock implausible */
	refused("a wall-clock sample", edit_line(calm, "wall 1 ", "wall 1 2000 2020 2040 2060 9000 2100 2120 2140 2160 2180"),
		"bench result: workload 1 says ns 2090, but its samples give 2110");
	refused("the score", edit_line(calm, "score ", "score 1.5"),
		"bench result: it says score 1.5 (band 2-2), but its samples give 2 (2-2)");
	refused("the band", edit_line(calm, "band ", "band 1.9 2"), "it says score 2 (band 1.9-2)");
	refused("a workload's ratio", edit_word(calm, "workload 1 ", "ratio", "1.9"),
		"bench result: workload 1 says ratio 1.9, but its samples give 2");
	refused("a workload's q3", edit_word(calm, "workload 1 ", "q3", "2.5"), "workload 1 says q3 2.5");
	refused("a workload's ns", edit_word(calm, "workload 1 ", "ns", "2000"),
		"workload 1 says ns 2000, but its samples give 2090");
	refused("the iterations", edit_word(calm, "workload 1 ", "n", "2"), "workload 1 says ratio 2, but its samples give 1");
	refused("the note dropped", edit_line(wide, "note ", NULL),
		"bench result: its samples spread too widely to trust, and it does not say so");
	refused("a note added", edit_line(calm, "machine ", "note trust me\nmachine x"),
		"bench result: it notes a wide spread its samples do not have");
	free(calm);
	free(wide);
}

static void test_malformed_bodies_are_refused(void **state)
{
	(void)state;
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	char *ok = body_of(&r);
	pg_bresult_clear(&r);

	refused("empty", pg_strdup(""), "body line 0: expected 'result measured'");
	refused("another verdict", edit_line(ok, "result ", "result passed"), "body line 1: expected 'result measured'");
	refused("no baseline", edit_line(ok, "baseline ", NULL), "body line 2: expected 'baseline'");
	refused("a short baseline", edit_line(ok, "baseline ", "baseline aaaa"), "expected 'baseline' and the baseline impl's id");
	refused("no score", edit_line(ok, "score ", NULL), "body line 3: expected 'score' and a number");
	refused("a score not a number", edit_line(ok, "score ", "score fast"), "expected 'score' and a number");
	refused("an infinite score", edit_line(ok, "score ", "score inf"), "expected 'score' and a number");
	refused("no band", edit_line(ok, "band ", NULL), "body line 4: expected 'band' and two numbers");
	refused("no workloads", chain(chain(chain(chain(edit_line(ok, "workload 1 ", NULL), "ns 1", NULL), "wall 1", NULL),
					    "base-ns 1", NULL), "base-wall 1", NULL),
		"no workloads");
	refused("a workload numbered 2", subst(ok, "workload 1 n", "workload 2 n"), "k from 1");
	refused("no iterations", edit_word(ok, "workload 1 ", "n", "0"), "expected 'workload <k> n <iterations>");
	refused("no calls", edit_word(ok, "workload 1 ", "calls", "0"), "expected 'workload <k> n <iterations>");
	refused("a summary cut short", edit_line(ok, "workload 1 ",
		"workload 1 n 1 base-n 1 calls 1 ratio 2 q1 2 q3 2 ci 2 2 ns 2090 base-ns 1045 mad 0.0239234"),
		"needs ratio, q1, q3, ci (two), ns, base-ns, mad, base-mad");
	refused("ci with one number", subst(ok, " ci 2 2 ", " ci 2 "), "ci needs two numbers");
	refused("text after the summary", edit_line(ok, "workload 1 ",
		"workload 1 n 1 base-n 1 calls 1 ratio 2 q1 2 q3 2 ci 2 2 ns 2090 base-ns 1045 mad 0.0239234 "
		"base-mad 0.0239234 fast"), "unexpected text after the workload's summary");
	refused("no samples line", edit_line(ok, "wall 1 ", NULL), "body line 7: expected 'wall'");
	refused("samples of another workload", edit_line(ok, "wall 1 ", "wall 2 2000 2020 2040 2060 2080 2100 2120 2140 2160 2180"),
		"samples name the wrong workload");
	refused("9 samples", chain(chain(chain(edit_line(ok,
		"ns 1 ", "ns 1 2000 2020 2040 2060 2080 2100 2120 2140 2160"),
		"wall 1 ", "wall 1 2000 2020 2040 2060 2080 2100 2120 2140 2160"),
		"base-ns 1 ", "base-ns 1 1000 1010 1020 1030 1040 1050 1060 1070 1080"),
		"base-wall 1 ", "base-wall 1 1000 1010 1020 1030 1040 1050 1060 1070 1080"),
		"fewer than 10 samples");
	refused("lists of different lengths", edit_line(ok, "wall 1 ", "wall 1 2000 2020 2040 2060 2080 2100 2120 2140 2160"),
		"the workload's sample lists differ in length");
	refused("a sample not a number", edit_line(ok, "ns 1 ", "ns 1 2000 2020 2040 2060 fast 2100 2120 2140 2160 2180"),
		"a sample must be a whole number of nanoseconds");
	refused("a negative sample", edit_line(ok, "ns 1 ", "ns 1 2000 2020 2040 2060 -2080 2100 2120 2140 2160 2180"),
		"a sample must be a whole number of nanoseconds");
	refused("a fractional sample", edit_line(ok, "ns 1 ", "ns 1 2000 2020 2040 2060 2080.5 2100 2120 2140 2160 2180"),
		"a sample must be a whole number of nanoseconds");
	refused("a sample with leading zeros", edit_line(ok, "ns 1 ", "ns 1 2000 2020 2040 2060 02080 2100 2120 2140 2160 2180"),
		"a sample must be a whole number of nanoseconds");
	refused("two spaces", edit_line(ok, "ns 1 ", "ns 1 2000 2020 2040 2060  2080 2100 2120 2140 2160 2180"),
		"a sample must be a whole number of nanoseconds");
	/* an empty list is as short as any */
	refused("an empty first list", edit_line(ok, "ns 1 ", "ns 1"), "the workload's sample lists differ in length");
	refused("no peak-rss", edit_line(ok, "peak-rss ", NULL), "expected 'peak-rss' and two byte counts");
	refused("no machine", edit_line(ok, "machine ", NULL), "expected 'machine' and a description");
	refused("no tool", edit_line(ok, "tool ", NULL), "expected 'tool'");
	pg_buf more = PG_BUF_INIT;
	pg_buf_printf(&more, "%sextra 1\n", ok);
	refused("a line after tool", pg_buf_detach(&more), "expected 'tool' and nothing after it");

	/* more than 100 samples: 101 of each */
	pg_buf l[4] = { PG_BUF_INIT, PG_BUF_INIT, PG_BUF_INIT, PG_BUF_INIT };
	static const char *const keys[] = { "ns 1", "wall 1", "base-ns 1", "base-wall 1" };
	char *big = pg_strdup(ok);
	for (size_t k = 0; k < 4; k++) {
		pg_buf_puts(&l[k], keys[k]);
		for (size_t i = 0; i < 101; i++)
			pg_buf_printf(&l[k], " %u", k < 2 ? 2000 : 1000);
		char *prefix = pg_asprintf("%s ", keys[k]), *next = edit_line(big, prefix, l[k].ptr);
		free(prefix);
		free(big);
		big = next;
		pg_buf_free(&l[k]);
	}
	refused("101 samples", big, "more than 100 samples");
	free(ok);
}

/* --- result objects --------------------------------------------------------- */

struct kp {
	uint8_t pk[PG_PK_LEN];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

/* A signed result of kind with body, decoded as a store reads it. */
static pg_object *result_object(const struct kp *k, const char *kind, const char *body)
{
	pg_object *o = pg_object_new(PG_T_RESULT, k->pk, 1700000000);
	pg_object_add(o, "kind", kind);
	pg_object_add(o, "subject", IMPL_ID);
	pg_object_add(o, "against", BENCH_ID);
	if (body)
		pg_object_set_body(o, body, strlen(body));
	assert_int_equal(pg_object_sign(o, k->sk), 0);
	pg_object *d;
	if (pg_object_decode(&d, o->raw.ptr, o->raw.len, 0) < 0)
		fail_msg("%s", pg_error_last());
	pg_object_free(o);
	return d;
}

static void check_object(const struct kp *k, const char *kind, const char *body, int want, const char *msg)
{
	pg_object *o = result_object(k, kind, body);
	int err = pg_result_check(o);
	if (err != want || (msg && !strstr(pg_error_last(), msg)))
		fail_msg("%s result:\n%s\ngot %d '%s', wanted %d '%s'", kind, body ? body : "(no body)", err,
			 pg_error_last(), want, msg ? msg : "");
	pg_object_free(o);
}

static void test_result_check_of_signed_objects(void **state)
{
	(void)state;
	struct kp k;
	crypto_sign_keypair(k.pk, k.sk);
	pg_bresult r;
	result_new(&r, 1);
	twice(&r.w[0]);
	char *good = body_of(&r);
	pg_bresult_clear(&r);
	char *lying = edit_line(good, "score ", "score 0.5");

	check_object(&k, "bench", good, 0, NULL);
	check_object(&k, "bench", lying, PG_EINVALID, "it says score 0.5 (band 2-2), but its samples give 2");
	check_object(&k, "bench", NULL, PG_EINVALID, "expected 'result measured'");
	check_object(&k, "bench", "result passed\npassed 3\nfailed 0\nerrored 0\n", PG_EINVALID,
		     "expected 'result measured'");

	check_object(&k, "verify", "result passed\npassed 3\nfailed 0\nerrored 0\nmachine m\n", 0, NULL);
	check_object(&k, "verify", "result failed\npassed 3\nfailed 1\nerrored 0\n", 0, NULL);
	check_object(&k, "verify", "result incomplete\npassed 3\nfailed 0\nerrored 2\n", 0, NULL);
	check_object(&k, "verify", "result passed\npassed 3\nfailed 1\nerrored 0\n", PG_EINVALID,
		     "verify result: it says passed, but its counts (3 passed, 1 failed, 0 errored) say failed");
	check_object(&k, "verify", "result passed\npassed 3\nfailed 0\nerrored 1\n", PG_EINVALID,
		     "it says passed, but its counts (3 passed, 0 failed, 1 errored) say incomplete");
	check_object(&k, "verify", "result failed\npassed 3\nfailed 0\nerrored 0\n", PG_EINVALID,
		     "it says failed, but its counts (3 passed, 0 failed, 0 errored) say passed");
	check_object(&k, "verify", "result passed\npassed 3\nerrored 0\n", PG_EINVALID,
		     "verify result, body line 3: expected 'failed' and a count");
	check_object(&k, "verify", "result maybe\npassed 3\nfailed 0\nerrored 0\n", PG_EINVALID,
		     "verify result, body line 1");
	check_object(&k, "verify", good, PG_EINVALID, "verify result, body line 1");

	/* the summary as the index reads it, without the check */
	pg_object *o = result_object(&k, "bench", lying);
	pg_result_info info;
	assert_int_equal(pg_result_info_get(&info, o), 0);
	assert_int_equal(info.kind, 'b');
	assert_string_equal(info.verdict, "measured");
	assert_true(info.score == 0.5 && info.band_lo == 2 && info.band_hi == 2);
	assert_string_equal(info.baseline, BASE_ID);
	assert_string_equal(info.machine, "x86_64 Linux test, 2 cpus");
	pg_object_free(o);

	/* not a result: nothing to check */
	o = pg_object_new(PG_T_BLOCK, k.pk, 1700000000);
	pg_object_add(o, "target", IMPL_ID);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	assert_int_equal(pg_result_check(o), 0);
	pg_object_free(o);
	free(good);
	free(lying);
}

/* --- workload.yaml ---------------------------------------------------------- */

static const char idl_src[] = "struct P { x: f64, y: f64 }\n"
			      "impl P { fn norm(&self) -> f64; }\n"
			      "fn sort(values: [u32]) -> [u32];\n"
			      "fn add(a: i64, b: i64) -> i64;\n";

static pg_idl *idl_new(void)
{
	pg_idl *idl;
	if (pg_idl_parse(&idl, idl_src, strlen(idl_src), "i.pgi") < 0)
		fail_msg("%s", pg_error_last());
	return idl;
}

static pg_bench *bench_ok(const pg_idl *idl, const char *y)
{
	pg_bench *b;
	if (pg_bench_parse(&b, idl, y, strlen(y), "w.yaml") < 0)
		fail_msg("%s", pg_error_last());
	return b;
}

static void test_workload_yaml_loads(void **state)
{
	(void)state;
	pg_idl *idl = idl_new();
	pg_bench *b = bench_ok(idl,
			       "description: all three\nbaseline: sort-c\nsamples: 12\nwarmup: 0\ntimeout: 2\n"
			       "workloads:\n"
			       "  - description: one sum\n    call: add\n    args: [1, -2]\n    n: 1000\n"
			       "  - call: P.norm\n    args: [{x: 3, y: 4}]\n"
			       "  - call: sort\n    count: 5\n    seed: 7\n"
			       "    args: [{len: [3, 3], of: {min: 0, max: 9}}]\n");
	assert_string_equal(b->file, "w.yaml");
	assert_string_equal(b->description, "all three");
	assert_string_equal(b->baseline, "sort-c");
	assert_int_equal(b->samples, 12);
	assert_int_equal(b->warmup, 0);
	assert_int_equal(b->timeout_ms, 2000);
	assert_int_equal(b->nw, 3);

	const pg_workload *w = &b->w[0];
	assert_string_equal(w->description, "one sum");
	assert_string_equal(w->fn->call, "add");
	assert_int_equal(w->n, 1000);
	assert_int_equal(w->line, 7);
	assert_int_equal(w->col, 5);
	char *s = json_dumps(w->calls, JSON_COMPACT);
	assert_string_equal(s, "[[\"1\",\"-2\"]]"); /* 64-bit integers travel as strings */
	free(s);

	w = &b->w[1];
	assert_null(w->description);
	assert_string_equal(w->fn->call, "P.norm");
	assert_int_equal(w->n, 0); /* calibrated */
	assert_int_equal(json_array_size(w->calls), 1);
	json_t *p = json_array_get(json_array_get(w->calls, 0), 0);
	assert_true(json_number_value(json_object_get(p, "x")) == 3 && json_number_value(json_object_get(p, "y")) == 4);

	w = &b->w[2];
	assert_string_equal(w->fn->call, "sort");
	assert_int_equal(json_array_size(w->calls), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *args = json_array_get(w->calls, i), *v = json_array_get(args, 0);
		assert_int_equal(json_array_size(args), 1);
		assert_int_equal(json_array_size(v), 3);
		for (size_t k = 0; k < 3; k++) {
			json_int_t x = json_integer_value(json_array_get(v, k));
			assert_true(json_is_integer(json_array_get(v, k)) && x >= 0 && x <= 9);
		}
	}
	pg_bench_free(b);

	/* the defaults */
	b = bench_ok(idl, "workloads:\n  - {call: add, args: [1, 2]}\n");
	assert_null(b->description);
	assert_null(b->baseline);
	assert_int_equal(b->samples, 15);
	assert_int_equal(b->warmup, 3);
	assert_int_equal(b->timeout_ms, 30000);
	assert_int_equal(b->nw, 1);
	pg_bench_free(b);

	/* a baseline by id prefix; the limits themselves */
	b = bench_ok(idl, "baseline: 3fa9c2\nsamples: 100\nwarmup: 100\ntimeout: 600\nworkloads:\n"
			  "  - {call: sort, count: 1000, args: [{len: [0, 2]}], n: 4294967296}\n");
	assert_string_equal(b->baseline, "3fa9c2");
	assert_int_equal(b->samples, 100);
	assert_int_equal(b->w[0].n, (uint64_t)1 << 32);
	assert_int_equal(json_array_size(b->w[0].calls), 1000);
	pg_bench_free(b);
	pg_idl_free(idl);
}

static json_t *calls_of(const pg_idl *idl, const char *y)
{
	pg_bench *b = bench_ok(idl, y);
	json_t *c = json_incref(b->w[0].calls);
	pg_bench_free(b);
	return c;
}

static void test_generated_calls_are_deterministic(void **state)
{
	(void)state;
	pg_idl *idl = idl_new();
	const char *seven = "workloads:\n  - call: sort\n    count: 20\n    seed: 7\n"
			    "    args: [{len: [5, 50], of: {min: 0, max: 4294967295}}]\n";
	const char *eight = "workloads:\n  - call: sort\n    count: 20\n    seed: 8\n"
			    "    args: [{len: [5, 50], of: {min: 0, max: 4294967295}}]\n";
	const char *none = "workloads:\n  - call: sort\n    count: 20\n"
			   "    args: [{len: [5, 50], of: {min: 0, max: 4294967295}}]\n";
	json_t *a = calls_of(idl, seven), *b = calls_of(idl, seven), *c = calls_of(idl, eight),
	       *d = calls_of(idl, none), *e = calls_of(idl, none);
	assert_int_equal(json_array_size(a), 20);
	assert_true(json_equal(a, b));  /* same seed, same calls */
	assert_false(json_equal(a, c)); /* another seed, other calls */
	assert_true(json_equal(d, e));  /* no seed: seed 0, still the same */
	assert_false(json_equal(a, d));
	size_t distinct = 0;
	for (size_t i = 1; i < 20; i++)
		distinct += !json_equal(json_array_get(a, i), json_array_get(a, 0));
	assert_true(distinct > 15);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
	json_decref(e);
	pg_idl_free(idl);
}

static const struct {
	const char *yaml, *msg;
} bad_workloads[] = {
	{ "workloads:\n  - {call: add, args: [1, 2]}\nrepeat: 3\n",
	  "w.yaml:3:1: the bench: unknown key 'repeat' (expected description, baseline, samples, warmup, timeout, workloads)" },
	{ "workloads:\n  - call: add\n    args: [1, 2]\n    times: 3\n",
	  "w.yaml:4:5: workload 1: unknown key 'times' (expected description, call, args, n, count, seed)" },
	{ "workloads:\n  - {call: add, args: [1, 2]}\n  - description: product\n    call: mul\n    args: [1, 2]\n",
	  "w.yaml:4:11: workload 2 (product): the interface has no function 'mul' (it has P.norm, sort, add)" },
	{ "workloads:\n  - args: [1, 2]\n", "w.yaml:2:5: workload 1: missing call (the function to time)" },
	{ "workloads:\n  - call: add\n    args: [1]\n", "w.yaml:3:11: workload 1: add takes 2 arguments, got 1" },
	{ "workloads:\n  - call: P.norm\n    args: []\n", "w.yaml:3:11: workload 1: P.norm takes 1 argument (self first), got 0" },
	{ "workloads:\n  - call: add\n", "w.yaml:2:5: workload 1: missing args (add takes 2)" },
	{ "workloads:\n  - call: add\n    args: [1, two]\n", "w.yaml:3:15: workload 1 argument b: expected i64, got \"two\"" },
	{ "samples: 5\nworkloads:\n  - {call: add, args: [1, 2]}\n",
	  "w.yaml:1:10: samples: expected a whole number from 10 to 100, got '5'" },
	{ "samples: 101\nworkloads:\n  - {call: add, args: [1, 2]}\n",
	  "w.yaml:1:10: samples: expected a whole number from 10 to 100, got '101'" },
	{ "warmup: -1\nworkloads:\n  - {call: add, args: [1, 2]}\n", "w.yaml:1:9: warmup: expected a whole number from 0 to 100" },
	{ "timeout: 0\nworkloads:\n  - {call: add, args: [1, 2]}\n", "w.yaml:1:10: timeout: expected a whole number from 1 to 600" },
	{ "samples: [10]\nworkloads:\n  - {call: add, args: [1, 2]}\n", "w.yaml:1:10: the bench: 'samples' must be a single value" },
	{ "workloads:\n  - call: sort\n    seed: 3\n    args: [{len: [1, 2]}]\n",
	  "w.yaml:3:11: workload 1: seed without count (count says how many calls to generate)" },
	{ "workloads:\n  - call: sort\n    count: 0\n", "w.yaml:3:12: workload 1: expected a whole number from 1 to 1000, got '0'" },
	{ "workloads:\n  - call: sort\n    count: 1001\n", "w.yaml:3:12: workload 1: expected a whole number from 1 to 1000" },
	{ "workloads:\n  - call: sort\n    count: 2\n    seed: x\n", "w.yaml:4:11: workload 1: expected a whole number from 0" },
	{ "workloads:\n  - call: sort\n    count: 2\n    args: [{len: [5, 1]}]\n", "w.yaml:4:" },
	{ "workloads:\n  - {call: add, args: [1, 2], n: 0}\n", "w.yaml:2:34: workload 1: expected a whole number from 1 to 4294967296, got '0'" },
	{ "baseline: \"not a name\"\nworkloads:\n  - {call: add, args: [1, 2]}\n",
	  "w.yaml:1:11: baseline must be an impl name or an id prefix, not 'not a name'" },
	{ "description: nothing to do\n", "w.yaml:1:1: the bench has no workloads: nothing to time" },
	{ "workloads: []\n", "the bench has no workloads: nothing to time" },
	{ "workloads:\n  - add\n", "w.yaml:2:5: workload 1 must be a mapping" },
	{ "- add\n", "w.yaml:1:1: the bench must be a mapping" },
};

static void test_bad_workloads_name_line_and_column(void **state)
{
	(void)state;
	pg_idl *idl = idl_new();
	for (size_t i = 0; i < sizeof(bad_workloads) / sizeof(*bad_workloads); i++) {
		pg_bench *b = (pg_bench *)1;
		int err = pg_bench_parse(&b, idl, bad_workloads[i].yaml, strlen(bad_workloads[i].yaml), "w.yaml");
		if (err != PG_EINVALID || !strstr(pg_error_last(), bad_workloads[i].msg))
			fail_msg("bad_workloads[%zu]: got %d '%s', wanted '%s'", i, err, pg_error_last(),
				 bad_workloads[i].msg);
		assert_null(b);
	}
	pg_idl_free(idl);
}

/* The bootstrap as it was first written (a sort per resample and per
 * quantile): the summary pg computes now must equal it bit for bit, or
 * results published before would no longer verify. */
static uint64_t ref_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void ref_interval(const pg_bwork *w, double *low, double *high)
{
	size_t n = w->nsamples;
	double r[PG_BENCH_SAMPLES_MAX], meds[1000];
	double per = (double)w->n * (double)w->calls, base_per = (double)w->base_n * (double)w->calls;
	for (size_t i = 0; i < n; i++) {
		double t = (double)pg_bench_round_ns(w->ns[i], w->wall[i]) / per;
		double b = (double)pg_bench_round_ns(w->base_ns[i], w->base_wall[i]) / base_per;
		r[i] = b > 0 ? t / b : t > 0 ? INFINITY : 1;
	}
	pg_stat_median(r, n);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t k = 0; k < 1000; k++) {
		double s[PG_BENCH_SAMPLES_MAX];
		for (size_t i = 0; i < n; i++)
			s[i] = r[ref_next(&seed) % n];
		meds[k] = pg_stat_median(s, n);
	}
	*low = pg_stat_quantile(meds, 1000, 0.025);
	*high = pg_stat_quantile(meds, 1000, 0.975);
}

static void test_interval_is_the_sorting_bootstrap_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rnd = 12345;
	for (int round = 0; round < 400; round++) {
		pg_bwork w;
		memset(&w, 0, sizeof(w));
		w.n = 1 + ref_next(&rnd) % 1000;
		w.base_n = 1 + ref_next(&rnd) % 1000;
		w.calls = 1 + ref_next(&rnd) % 100;
		w.nsamples = 10 + ref_next(&rnd) % (PG_BENCH_SAMPLES_MAX - 9);
		uint64_t spread = 1 + ref_next(&rnd) % (round % 3 ? 1000000 : 4); /* some with many ties */
		for (size_t i = 0; i < w.nsamples; i++) {
			w.ns[i] = w.wall[i] = 1000 + ref_next(&rnd) % spread;
			w.base_ns[i] = w.base_wall[i] = round % 17 == 0 && i % 3 == 0 ? 0 : 1000 + ref_next(&rnd) % spread;
		}
		pg_bresult r;
		memset(&r, 0, sizeof(r));
		r.w = &w;
		r.nw = 1;
		pg_bench_summarize(&r);
		double low, high;
		ref_interval(&w, &low, &high);
		if (memcmp(&low, &w.low, sizeof(low)) || memcmp(&high, &w.high, sizeof(high)))
			fail_msg("round %d (%zu samples): interval [%.17g, %.17g], sorting gives [%.17g, %.17g]", round,
				 w.nsamples, w.low, w.high, low, high);
		free(r.note);
	}
}

int main(void)
{
	assert_int_equal(pg_crypto_init(), 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_ns_takes_the_wall_clock_when_implausible),
		cmocka_unit_test(test_interval_is_the_sorting_bootstrap_bit_for_bit),
		cmocka_unit_test(test_summary_of_an_impl_twice_the_baseline),
		cmocka_unit_test(test_summary_per_iteration_and_call),
		cmocka_unit_test(test_summary_quartiles_and_a_wide_spread),
		cmocka_unit_test(test_score_is_the_geometric_mean_of_the_workloads),
		cmocka_unit_test(test_implausible_clocks_count_as_the_wall_clock),
		cmocka_unit_test(test_body_round_trips),
		cmocka_unit_test(test_body_lines),
		cmocka_unit_test(test_tampered_bodies_are_refused),
		cmocka_unit_test(test_malformed_bodies_are_refused),
		cmocka_unit_test(test_result_check_of_signed_objects),
		cmocka_unit_test(test_workload_yaml_loads),
		cmocka_unit_test(test_generated_calls_are_deterministic),
		cmocka_unit_test(test_bad_workloads_name_line_and_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
