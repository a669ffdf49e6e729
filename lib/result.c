/* result.c - result bodies: bench samples and their summary, verify verdicts
 *
 * A bench result is only as good as the reasoning from its samples to its
 * summary, so the reasoning is here once: the same code summarizes a run
 * before it is published and re-derives the summary of every bench result
 * that enters a store.  The bootstrap uses a fixed generator and seed, so
 * the summary is a function of the samples on every machine.
 */
#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BOOTSTRAP 1000
#define WIDE 0.10 /* relative spread above which a figure is flagged */

/* --- statistics ---------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double quantile_sorted(const double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double f = pos - (double)i;
	return i + 1 < n ? v[i] + f * (v[i + 1] - v[i]) : v[i];
}

/* Reorder v so that v[k] is what sorting would put there, everything
 * before it no greater and everything after no smaller (quickselect). */
static void select_rank(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double p = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j], v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* pg_stat_quantile bit for bit, choosing the two values it needs instead
 * of sorting; a NaN, which has no place in an order, takes the sort. */
static double quantile_select(double *v, size_t n, double q)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(v[i]))
			return pg_stat_quantile(v, n, q);
	if (!n)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double f = pos - (double)i;
	select_rank(v, n, i);
	if (i + 1 >= n)
		return v[i];
	double next = v[i + 1];
	for (size_t j = i + 2; j < n; j++)
		if (v[j] < next)
			next = v[j];
	return v[i] + f * (next - v[i]);
}

double pg_stat_quantile(double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), dcmp);
	return quantile_sorted(v, n, q);
}

double pg_stat_median(double *v, size_t n)
{
	return pg_stat_quantile(v, n, 0.5);
}

/* Median absolute deviation relative to the median. */
static double rel_mad(const double *v, size_t n)
{
	double t[PG_BENCH_SAMPLES_MAX], d[PG_BENCH_SAMPLES_MAX];
	memcpy(t, v, n * sizeof(*t));
	double m = pg_stat_median(t, n);
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(v[i] - m);
	return m > 0 ? pg_stat_median(d, n) / m : 0;
}

/* xorshift64*: the bootstrap must resample alike everywhere. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

uint64_t pg_bench_round_ns(uint64_t ns, uint64_t wall)
{
	return ns > wall || ns < wall / 4 ? wall : ns;
}

static void summarize_work(pg_bwork *w)
{
	size_t n = w->nsamples;
	double t[PG_BENCH_SAMPLES_MAX] = { 0 }, b[PG_BENCH_SAMPLES_MAX] = { 0 }, r[PG_BENCH_SAMPLES_MAX] = { 0 };
	double per = (double)w->n * (double)w->calls, base_per = (double)w->base_n * (double)w->calls;
	double meds[BOOTSTRAP];
	for (size_t i = 0; i < n; i++) {
		t[i] = (double)pg_bench_round_ns(w->ns[i], w->wall[i]) / per;
		b[i] = (double)pg_bench_round_ns(w->base_ns[i], w->base_wall[i]) / base_per;
		r[i] = b[i] > 0 ? t[i] / b[i] : t[i] > 0 ? INFINITY : 1;
	}
	w->mad = rel_mad(t, n);
	w->base_mad = rel_mad(b, n);
	w->iter_ns = pg_stat_median(t, n);
	w->base_iter_ns = pg_stat_median(b, n);
	w->ratio = pg_stat_median(r, n); /* r is sorted from here on */
	w->q1 = pg_stat_quantile(r, n, 0.25);
	w->q3 = pg_stat_quantile(r, n, 0.75);
	/* The median of each resample.  r is sorted, so a resample sorted is
	 * r at its indices sorted: counting the indices drawn gives the two
	 * middle values, and the median is then computed as pg_stat_quantile
	 * computes it from them, bit for bit, without sorting 1 000 times (a
	 * NaN, which has no place in an order, takes the sorting way). */
	int has_nan = 0;
	for (size_t i = 0; i < n; i++)
		has_nan |= isnan(r[i]);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	double pos = 0.5 * (double)(n - 1);
	size_t mid = (size_t)pos;
	double f = pos - (double)mid;
	for (size_t k = 0; k < BOOTSTRAP && n; k++) {
		if (has_nan) {
			double s[PG_BENCH_SAMPLES_MAX];
			for (size_t i = 0; i < n; i++)
				s[i] = r[next(&seed) % n];
			meds[k] = pg_stat_median(s, n);
			continue;
		}
		unsigned cnt[PG_BENCH_SAMPLES_MAX];
		memset(cnt, 0, n * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[next(&seed) % n]++;
		/* the values at ranks mid and mid + 1 of the sorted resample */
		double a = 0, b = 0;
		size_t seen = 0, j = 0;
		while (seen + cnt[j] <= mid)
			seen += cnt[j++];
		a = r[j];
		if (mid + 1 < n) {
			while (seen + cnt[j] <= mid + 1)
				seen += cnt[j++];
			b = r[j];
			meds[k] = a + f * (b - a);
		} else {
			meds[k] = a;
		}
	}
	w->low = quantile_select(meds, BOOTSTRAP, 0.025);
	w->high = quantile_select(meds, BOOTSTRAP, 0.975);
}

void pg_bench_summarize(pg_bresult *r)
{
	double ls = 0, lq1 = 0, lq3 = 0;
	pg_buf note = PG_BUF_INIT;
	for (size_t i = 0; i < r->nw; i++) {
		pg_bwork *w = &r->w[i];
		summarize_work(w);
		ls += log(w->ratio);
		lq1 += log(w->q1);
		lq3 += log(w->q3);
		double ci = w->ratio > 0 ? (w->high - w->low) / w->ratio : 0;
		double mad = w->mad > w->base_mad ? w->mad : w->base_mad;
		if (ci > 2 * WIDE || mad > WIDE)
			pg_buf_printf(&note, "%sworkload %zu: spread too wide to trust (confidence interval %.0f%% "
				      "of the ratio, deviation %.0f%% of the median)",
				      note.len ? "; " : "", i + 1, 100 * ci, 100 * mad);
	}
	r->score = r->nw ? exp(ls / (double)r->nw) : NAN;
	r->band_lo = r->nw ? exp(lq1 / (double)r->nw) : NAN;
	r->band_hi = r->nw ? exp(lq3 / (double)r->nw) : NAN;
	free(r->note);
	r->note = note.len ? pg_buf_detach(&note) : NULL;
	pg_buf_free(&note);
}

/* --- the body ------------------------------------------------------------ */

static void samples(pg_buf *out, const char *key, size_t i, const uint64_t *v, size_t n)
{
	pg_buf_printf(out, "%s %zu", key, i + 1);
	for (size_t k = 0; k < n; k++)
		pg_buf_printf(out, " %llu", (unsigned long long)v[k]);
	pg_buf_putc(out, '\n');
}

void pg_bench_body(pg_buf *out, const pg_bresult *r)
{
	pg_buf_printf(out, "result measured\nbaseline %s\nscore %.6g\nband %.6g %.6g\n", r->baseline, r->score,
		      r->band_lo, r->band_hi);
	for (size_t i = 0; i < r->nw; i++) {
		const pg_bwork *w = &r->w[i];
		pg_buf_printf(out, "workload %zu n %llu base-n %llu calls %llu ratio %.6g q1 %.6g q3 %.6g ci %.6g %.6g "
			      "ns %.6g base-ns %.6g mad %.6g base-mad %.6g\n",
			      i + 1, (unsigned long long)w->n, (unsigned long long)w->base_n, (unsigned long long)w->calls, w->ratio, w->q1, w->q3,
			      w->low, w->high, w->iter_ns, w->base_iter_ns, w->mad, w->base_mad);
		samples(out, "ns", i, w->ns, w->nsamples);
		samples(out, "wall", i, w->wall, w->nsamples);
		samples(out, "base-ns", i, w->base_ns, w->nsamples);
		samples(out, "base-wall", i, w->base_wall, w->nsamples);
	}
	pg_buf_printf(out, "peak-rss %llu %llu\n", (unsigned long long)r->peak_rss,
		      (unsigned long long)r->base_peak_rss);
	if (r->note)
		pg_buf_printf(out, "note %s\n", r->note);
	pg_buf_printf(out, "machine %s\ntool pg %s\n", r->machine ? r->machine : "unknown", PG_VERSION);
}

void pg_bresult_clear(pg_bresult *r)
{
	free(r->w);
	free(r->note);
	free(r->machine);
	memset(r, 0, sizeof(*r));
}

/* A cursor over the body's lines. */
struct rd {
	const char *p, *end;
	size_t line;
	char buf[PG_LINE_MAX + 1];
	char *tok;
};

static int bad(const struct rd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const struct rd *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pg_error_set(PG_EINVALID, "bench result, body line %zu: %s", d->line, msg);
}

/* The next line into buf, split at its first word; 0 at the end. */
static int next_line(struct rd *d, const char **key)
{
	if (d->p >= d->end)
		return 0;
	const char *nl = memchr(d->p, '\n', (size_t)(d->end - d->p));
	size_t n = nl ? (size_t)(nl - d->p) : (size_t)(d->end - d->p);
	if (n > PG_LINE_MAX)
		n = PG_LINE_MAX;
	memcpy(d->buf, d->p, n);
	d->buf[n] = 0;
	d->p = nl ? nl + 1 : d->end;
	d->line++;
	char *sp = strchr(d->buf, ' ');
	d->tok = sp ? sp + 1 : d->buf + n;
	if (sp)
		*sp = 0;
	*key = d->buf;
	return 1;
}

/* The next word; words are separated by one space, and a line does not
 * end in one (a second spelling of a signed body would be a second id). */
static int word(struct rd *d, char **out)
{
	char *s = d->tok;
	if (!*s || *s == ' ')
		return -1;
	char *sp = strchr(s, ' ');
	if (sp && !sp[1])
		return -1;
	d->tok = sp ? sp + 1 : s + strlen(s);
	if (sp)
		*sp = 0;
	*out = s;
	return 0;
}

static int u64(struct rd *d, uint64_t *v)
{
	char *w, *e;
	if (word(d, &w) < 0 || !(*w >= '0' && *w <= '9') || (w[0] == '0' && w[1]))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(w, &e, 10);
	if (*e || errno)
		return -1;
	*v = x;
	return 0;
}

static int num(struct rd *d, double *v)
{
	char *w, *e;
	if (word(d, &w) < 0)
		return -1;
	errno = 0;
	*v = strtod(w, &e);
	if (*e || errno || !isfinite(*v))
		return -1;
	char canon[32]; /* figures are written one way only: %.6g */
	snprintf(canon, sizeof(canon), "%.6g", *v);
	return strcmp(canon, w) ? -1 : 0;
}

/* "key" then the expected word. */
static int label(struct rd *d, const char *want)
{
	char *w;
	return word(d, &w) < 0 || strcmp(w, want) ? -1 : 0;
}

static int sample_line(struct rd *d, const char *want, size_t wi, uint64_t *v, size_t *n)
{
	const char *key;
	uint64_t idx;
	size_t k = 0;
	if (!next_line(d, &key) || strcmp(key, want))
		return bad(d, "expected '%s' and the workload's samples", want);
	if (u64(d, &idx) < 0 || idx != wi + 1)
		return bad(d, "samples name the wrong workload");
	while (*d->tok) {
		if (k == PG_BENCH_SAMPLES_MAX)
			return bad(d, "more than 100 samples");
		if (u64(d, &v[k++]) < 0)
			return bad(d, "a sample must be a whole number of nanoseconds");
	}
	if (*n != SIZE_MAX && k != *n) /* the first list sets the length, even an empty one */
		return bad(d, "the workload's sample lists differ in length");
	*n = k;
	return 0;
}

/* Two figures agree when they print alike at the body's precision. */
static int same(double stated, double derived)
{
	char a[32], b[32];
	snprintf(a, sizeof(a), "%.6g", stated);
	snprintf(b, sizeof(b), "%.6g", derived);
	return !strcmp(a, b);
}

int pg_bench_body_parse(pg_bresult *r, const char *body, size_t len)
{
	struct rd d = { body, body ? body + len : NULL, 0, { 0 }, NULL };
	const char *key;
	char *w;
	double score, lo, hi;
	struct stated { double v[10]; } *st = NULL;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (!body || !next_line(&d, &key) || strcmp(key, "result") || label(&d, "measured") < 0 || *d.tok)
		return bad(&d, "expected 'result measured'");
	if (!next_line(&d, &key) || strcmp(key, "baseline") || word(&d, &w) < 0 ||
	    pg_value_check(PG_F_ID, w, NULL) < 0 || *d.tok)
		return bad(&d, "expected 'baseline' and the baseline impl's id");
	memcpy(r->baseline, w, PG_HEX_LEN + 1);
	if (!next_line(&d, &key) || strcmp(key, "score") || num(&d, &score) < 0 || *d.tok)
		return bad(&d, "expected 'score' and a number");
	if (!next_line(&d, &key) || strcmp(key, "band") || num(&d, &lo) < 0 || num(&d, &hi) < 0 || *d.tok)
		return bad(&d, "expected 'band' and two numbers");
	static const char *const names[] = { "ratio", "q1", "q3", "ci", NULL, "ns", "base-ns", "mad", "base-mad" };
	for (;;) {
		const char *save = d.p;
		size_t sline = d.line;
		if (!next_line(&d, &key))
			break;
		if (strcmp(key, "workload")) {
			d.p = save, d.line = sline;
			break;
		}
		if (r->nw == PG_BENCH_WORKLOADS_MAX) {
			err = bad(&d, "more than 64 workloads");
			goto fail;
		}
		/* one workload more (a workload is 3 KiB: 64 of them zeroed for
		 * each result were most of a fsck's allocations) */
		r->w = pg_realloc(r->w, (r->nw + 1) * sizeof(*r->w));
		st = pg_realloc(st, (r->nw + 1) * sizeof(*st));
		memset(&r->w[r->nw], 0, sizeof(*r->w));
		memset(&st[r->nw], 0, sizeof(*st));
		pg_bwork *wk = &r->w[r->nw];
		uint64_t idx;
		if (u64(&d, &idx) < 0 || idx != r->nw + 1 || label(&d, "n") < 0 || u64(&d, &wk->n) < 0 || !wk->n ||
		    label(&d, "base-n") < 0 || u64(&d, &wk->base_n) < 0 || !wk->base_n ||
		    label(&d, "calls") < 0 || u64(&d, &wk->calls) < 0 || !wk->calls) {
			err = bad(&d, "expected 'workload <k> n <iterations> base-n <iterations> calls <calls>', k from 1");
			goto fail;
		}
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++)
			if (names[k] && (label(&d, names[k]) < 0 || num(&d, &st[r->nw].v[k]) < 0)) {
				err = bad(&d, "a workload's summary needs ratio, q1, q3, ci (two), ns, base-ns, mad, base-mad");
				goto fail;
			} else if (!names[k] && num(&d, &st[r->nw].v[k]) < 0) {
				err = bad(&d, "ci needs two numbers");
				goto fail;
			}
		if (*d.tok) {
			err = bad(&d, "unexpected text after the workload's summary");
			goto fail;
		}
		size_t n = SIZE_MAX;
		if ((err = sample_line(&d, "ns", r->nw, wk->ns, &n)) < 0 ||
		    (err = sample_line(&d, "wall", r->nw, wk->wall, &n)) < 0 ||
		    (err = sample_line(&d, "base-ns", r->nw, wk->base_ns, &n)) < 0 ||
		    (err = sample_line(&d, "base-wall", r->nw, wk->base_wall, &n)) < 0)
			goto fail;
		if (n < 10) {
			err = bad(&d, "fewer than 10 samples");
			goto fail;
		}
		wk->nsamples = n;
		r->nw++;
	}
	if (!r->nw) {
		err = bad(&d, "no workloads");
		goto fail;
	}
	if (!next_line(&d, &key) || strcmp(key, "peak-rss") || u64(&d, &r->peak_rss) < 0 ||
	    u64(&d, &r->base_peak_rss) < 0 || *d.tok) {
		err = bad(&d, "expected 'peak-rss' and two byte counts");
		goto fail;
	}
	if (!next_line(&d, &key)) {
		err = bad(&d, "expected 'machine'");
		goto fail;
	}
	if (!strcmp(key, "note")) {
		r->note = pg_strdup(d.tok);
		if (!next_line(&d, &key)) {
			err = bad(&d, "expected 'machine'");
			goto fail;
		}
	}
	if (strcmp(key, "machine") || !*d.tok) {
		err = bad(&d, "expected 'machine' and a description");
		goto fail;
	}
	r->machine = pg_strdup(d.tok);
	if (!next_line(&d, &key) || strcmp(key, "tool") || !*d.tok || next_line(&d, &key)) {
		err = bad(&d, "expected 'tool' and nothing after it");
		goto fail;
	}

	/* what it says must be what its samples give */
	char *stated_note = r->note;
	r->note = NULL;
	pg_bench_summarize(r);
	for (size_t i = 0; i < r->nw && !err; i++) {
		const pg_bwork *wk = &r->w[i];
		const double derived[] = { wk->ratio, wk->q1, wk->q3, wk->low, wk->high, wk->iter_ns, wk->base_iter_ns,
					   wk->mad, wk->base_mad };
		for (size_t k = 0; k < sizeof(derived) / sizeof(*derived) && !err; k++)
			if (!same(st[i].v[k], derived[k]))
				err = pg_error_set(PG_EINVALID, "bench result: workload %zu says %s %.6g, but its samples "
						   "give %.6g", i + 1, names[k] ? names[k] : "ci", st[i].v[k], derived[k]);
	}
	if (!err && (!same(score, r->score) || !same(lo, r->band_lo) || !same(hi, r->band_hi)))
		err = pg_error_set(PG_EINVALID, "bench result: it says score %.6g (band %.6g-%.6g), but its samples "
				   "give %.6g (%.6g-%.6g)", score, lo, hi, r->score, r->band_lo, r->band_hi);
	if (!err && !!stated_note != !!r->note)
		err = pg_error_set(PG_EINVALID, "bench result: %s", stated_note ? "it notes a wide spread its samples do not have"
								 : "its samples spread too widely to trust, and it does not say so");
	free(r->note);
	r->note = stated_note;
	if (err < 0)
		goto fail;
	free(st);
	return 0;
fail:
	free(st);
	pg_bresult_clear(r);
	return err;
}

/* --- any result ---------------------------------------------------------- */

/* A verify result's body: result, passed, failed, errored, agreeing. */
static int verify_body(pg_result_info *info, const pg_object *o, int check)
{
	struct rd d = { o->body, o->body ? o->body + o->body_len : NULL, 0, { 0 }, NULL };
	const char *key;
	char *w;
	uint64_t c[3];
	static const char *const counts[] = { "passed", "failed", "errored" };
	if (!o->body || !next_line(&d, &key) || strcmp(key, "result") || word(&d, &w) < 0 || *d.tok ||
	    (strcmp(w, "passed") && strcmp(w, "failed") && strcmp(w, "incomplete")))
		return pg_error_set(PG_EINVALID, "verify result, body line 1: expected 'result passed', 'result failed' "
				    "or 'result incomplete'");
	snprintf(info->verdict, sizeof(info->verdict), "%s", w);
	for (size_t k = 0; k < 3; k++)
		if (!next_line(&d, &key) || strcmp(key, counts[k]) || u64(&d, &c[k]) < 0 || *d.tok)
			return pg_error_set(PG_EINVALID, "verify result, body line %zu: expected '%s' and a count",
					    d.line, counts[k]);
	const char *should = c[1] ? "failed" : c[2] ? "incomplete" : "passed";
	if (check && strcmp(should, info->verdict))
		return pg_error_set(PG_EINVALID, "verify result: it says %s, but its counts (%llu passed, %llu failed, "
				    "%llu errored) say %s", info->verdict, (unsigned long long)c[0],
				    (unsigned long long)c[1], (unsigned long long)c[2], should);
	while (next_line(&d, &key))
		if (!strcmp(key, "machine"))
			snprintf(info->machine, sizeof(info->machine), "%s", d.tok);
		else if (!strcmp(key, "rerun"))
			info->rerun = !strcmp(d.tok, "same") ? 1 : !strcmp(d.tok, "differs") ? -1 : 0;
	return 0;
}

static int bench_info(pg_result_info *info, const pg_object *o)
{
	struct rd d = { o->body, o->body ? o->body + o->body_len : NULL, 0, { 0 }, NULL };
	const char *key;
	char *w;
	snprintf(info->verdict, sizeof(info->verdict), "measured");
	while (next_line(&d, &key)) {
		if (!strcmp(key, "baseline") && word(&d, &w) == 0 && strlen(w) == PG_HEX_LEN)
			memcpy(info->baseline, w, PG_HEX_LEN + 1);
		else if (!strcmp(key, "score"))
			num(&d, &info->score);
		else if (!strcmp(key, "band") && num(&d, &info->band_lo) == 0)
			num(&d, &info->band_hi);
		else if (!strcmp(key, "machine"))
			snprintf(info->machine, sizeof(info->machine), "%s", d.tok);
	}
	return info->score > 0 ? 0 : pg_error_set(PG_EINVALID, "bench result without a score");
}

int pg_result_info_get(pg_result_info *info, const pg_object *o)
{
	memset(info, 0, sizeof(*info));
	if (o->type != PG_T_RESULT)
		return pg_error_set(PG_EINVALID, "not a result");
	const char *kind = pg_object_get(o, "kind");
	info->kind = kind[0];
	return info->kind == 'b' ? bench_info(info, o) : verify_body(info, o, 0);
}

int pg_result_check(const pg_object *o)
{
	pg_result_info info;
	if (o->type != PG_T_RESULT)
		return 0;
	if (strcmp(pg_object_get(o, "kind"), "bench"))
		return verify_body(&info, o, 1);
	pg_bresult r;
	int err = pg_bench_body_parse(&r, o->body, o->body_len);
	pg_bresult_clear(&r);
	return err;
}

/* --- the machine ---------------------------------------------------------- */

char *pg_machine(void)
{
	struct utsname u;
	pg_buf b = PG_BUF_INIT, cpu = PG_BUF_INIT;
	if (uname(&u) == 0)
		pg_buf_printf(&b, "%s %s %s", u.machine, u.sysname, u.release);
	pg_buf_printf(&b, ", %ld cpus", sysconf(_SC_NPROCESSORS_ONLN));
	if (pg_read_file(&cpu, "/proc/cpuinfo", 1 << 20) == 0) {
		char *m = strstr(cpu.ptr, "model name");
		char *c = m ? strchr(m, ':') : NULL;
		if (c) {
			c += 2;
			size_t n = strcspn(c, "\n");
			pg_buf_printf(&b, ", %.*s", (int)(n > 120 ? 120 : n), c);
		}
	}
	pg_buf_free(&cpu);
	/* the compiler the C implementations are built with */
	FILE *f = popen("cc --version 2>/dev/null", "r");
	char line[160];
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		pg_buf_printf(&b, ", %s", line);
	}
	if (f)
		pclose(f);
	for (char *s = b.ptr; s && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = ' ';
	return pg_buf_detach(&b);
}
