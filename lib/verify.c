/* verify.c - build, run and judge implementations against specs
 *
 * The order of work:
 *
 *   1. cases: every spec's examples and expanded random blocks, made
 *      distinct by id (call + arguments), so a case several specs share
 *      runs once;
 *   2. build: each implementation once, in the sandbox, into the cache
 *      (keyed by payload, language and build command), in parallel;
 *   3. run: each implementation answers every distinct case in one
 *      pipelined session (a new session after a crash, at most
 *      MAX_RESTARTS), in parallel;
 *   4. judge: per implementation x spec, examples against their
 *      expectations and random cases against the reference or the
 *      majority; the first counterexample of each random block is shrunk;
 *   5. scripts: each spec's test scripts with the implementation at /impl.
 *
 * Only 2, 3 and 5 run code, and only in the sandbox.
 */
#include "verify.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "object.h"
#include "payload.h"

#define MAX_RESTARTS 3
#define TEXT_MAX 400

struct ucase {
	const pg_case *c; /* the first case with this id */
};

struct ctx {
	pg_verify *v;
	const pg_verify_opts *o;
	struct ucase *u;       /* distinct cases */
	size_t nu;
	size_t **ex;           /* ex[s][i]: distinct index of example i of spec s */
	pg_case ***rc;         /* rc[s][b]: the expanded cases of random block b */
	size_t ***rx;          /* rx[s][b][i]: their distinct indexes */
	long **ref;            /* ref[s][b]: the reference impl, -1 majority */
	char ***ref_error;     /* why a reference could not be found */
	unsigned timeout_ms;
	pthread_mutex_t mu;
	size_t next, done, total;
	const char *phase;
	void (*job)(struct ctx *, size_t);
};

static pthread_mutex_t extract_mu = PTHREAD_MUTEX_INITIALIZER;

/* --- parallel jobs ------------------------------------------------------- */

static void *worker(void *p)
{
	struct ctx *c = p;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		size_t i = c->next++;
		pthread_mutex_unlock(&c->mu);
		if (i >= c->total)
			return NULL;
		c->job(c, i);
		pthread_mutex_lock(&c->mu);
		c->done++;
		if (c->o->progress)
			c->o->progress(c->o->data, c->phase, c->done, c->total);
		pthread_mutex_unlock(&c->mu);
	}
}

static void parallel(struct ctx *c, const char *phase, size_t n, void (*job)(struct ctx *, size_t))
{
	unsigned jobs = c->o->jobs ? c->o->jobs : 1;
	pthread_t th[64];
	size_t started = 0;
	c->next = c->done = 0;
	c->total = n;
	c->phase = phase;
	c->job = job;
	if (jobs > 64)
		jobs = 64;
	if (c->o->progress)
		c->o->progress(c->o->data, phase, 0, n);
	for (unsigned i = 1; i < jobs && i < n; i++)
		if (pthread_create(&th[started], NULL, worker, c) == 0)
			started++;
	worker(c);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* --- 1. distinct cases ---------------------------------------------------- */

struct slot {
	const pg_case *c;
	size_t *where;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int d = strcmp(x->c->id, y->c->id);
	return d ? d : (x->c < y->c ? -1 : x->c > y->c);
}

static int same_case(const pg_case *a, const pg_case *b)
{
	return !strcmp(a->id, b->id) && a->fn == b->fn && json_equal(a->args, b->args);
}

static void collect_cases(struct ctx *c)
{
	pg_verify *v = c->v;
	struct slot *sl = NULL;
	size_t n = 0, cap = 0;
#define ADD(cs, w) do { \
		if (n == cap) \
			sl = pg_realloc(sl, (cap = cap ? 2 * cap : 256) * sizeof(*sl)); \
		sl[n].c = (cs); sl[n].where = (w); n++; \
	} while (0)

	c->ex = pg_calloc(v->nspecs, sizeof(*c->ex));
	c->rc = pg_calloc(v->nspecs, sizeof(*c->rc));
	c->rx = pg_calloc(v->nspecs, sizeof(*c->rx));
	for (size_t s = 0; s < v->nspecs; s++) {
		const pg_spec *sp = v->specs[s].spec;
		if (sp->timeout_ms > c->timeout_ms)
			c->timeout_ms = sp->timeout_ms;
		c->ex[s] = pg_calloc(sp->ncases + 1, sizeof(size_t));
		for (size_t i = 0; i < sp->ncases; i++)
			ADD(&sp->cases[i], &c->ex[s][i]);
		c->rc[s] = pg_calloc(sp->nrandom + 1, sizeof(pg_case *));
		c->rx[s] = pg_calloc(sp->nrandom + 1, sizeof(size_t *));
		for (size_t b = 0; b < sp->nrandom; b++) {
			size_t cnt;
			pg_spec_expand(&c->rc[s][b], &cnt, sp, b);
			c->rx[s][b] = pg_calloc(cnt + 1, sizeof(size_t));
			for (size_t i = 0; i < cnt; i++)
				ADD(&c->rc[s][b][i], &c->rx[s][b][i]);
		}
	}
#undef ADD
	if (n)
		qsort(sl, n, sizeof(*sl), slot_cmp);
	c->u = pg_calloc(n + 1, sizeof(*c->u));
	for (size_t i = 0; i < n; i++) {
		/* equal ids sort together; a true collision only compares unequal */
		size_t j = c->nu;
		while (j > 0 && !strcmp(c->u[j - 1].c->id, sl[i].c->id)) {
			if (same_case(c->u[j - 1].c, sl[i].c))
				break;
			j--;
		}
		if (j == 0 || strcmp(c->u[j - 1].c->id, sl[i].c->id) || !same_case(c->u[j - 1].c, sl[i].c)) {
			c->u[c->nu].c = sl[i].c;
			*sl[i].where = c->nu++;
		} else {
			*sl[i].where = j - 1;
		}
	}
	free(sl);
}

/* The reference implementation of each random block. */
static void resolve_references(struct ctx *c)
{
	pg_verify *v = c->v;
	c->ref = pg_calloc(v->nspecs, sizeof(*c->ref));
	c->ref_error = pg_calloc(v->nspecs, sizeof(*c->ref_error));
	for (size_t s = 0; s < v->nspecs; s++) {
		const pg_spec *sp = v->specs[s].spec;
		c->ref[s] = pg_calloc(sp->nrandom + 1, sizeof(long));
		c->ref_error[s] = pg_calloc(sp->nrandom + 1, sizeof(char *));
		for (size_t b = 0; b < sp->nrandom; b++) {
			const char *r = sp->random[b].reference;
			long found = -1, by_author = -1;
			size_t nfound = 0, nby = 0;
			if (!r)
				continue;
			for (size_t i = 0; i < v->nimpls; i++) {
				const pg_vimpl *im = &v->impls[i];
				if (*im->id && !strncmp(im->id, r, strlen(r))) {
					found = (long)i;
					nfound = 1;
					break;
				}
				if (im->name && !strcmp(im->name, r)) {
					found = (long)i, nfound++;
					if (im->author && v->specs[s].author && !strcmp(im->author, v->specs[s].author))
						by_author = (long)i, nby++;
				}
			}
			if (nby == 1)
				found = by_author, nfound = 1;
			if (nfound == 1)
				c->ref[s][b] = found;
			else
				c->ref_error[s][b] = pg_asprintf(nfound ? "the reference '%s' names %zu implementations"
								 : "the reference '%s' is not in the store",
								 r, nfound);
		}
	}
}

/* --- 2. build ----------------------------------------------------------- */

static char *build_key(const pg_vimpl *im)
{
	uint8_t h[PG_ID_LEN];
	char hex[PG_HEX_LEN + 1];
	char *s = pg_asprintf("%s\n%s\n%s", im->key, im->lang ? im->lang : "", im->build ? im->build : "");
	pg_hash(h, s, strlen(s));
	pg_hex(hex, h, PG_ID_LEN);
	free(s);
	return pg_strdup(hex);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* The last lines of a log, for a message. */
static char *tail_lines(const char *s, size_t len, int lines)
{
	size_t i = len;
	while (i > 0 && (s[i - 1] == '\n' || s[i - 1] == ' '))
		i--;
	size_t end = i;
	for (int n = 0; i > 0; i--)
		if (s[i - 1] == '\n' && ++n == lines)
			break;
	if (end - i > 2000)
		i = end - 2000;
	return pg_strndup(s + i, end - i);
}

static void build_one(struct ctx *c, size_t i)
{
	pg_vimpl *im = &c->v->impls[i];
	char *key = build_key(im);
	char *root = pg_path_join(c->o->cache, "build");
	char *final = pg_path_join(root, key);
	char *tmp = pg_asprintf("%s.tmp%ld-%zu", final, (long)getpid(), i);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = NULL;
	char reason[256];
	int err;

	if (exists(final)) {
		im->dir = final;
		im->cached = 1;
		final = NULL;
		goto done;
	}
	pg_mkdir_p(root, 0755);
	pg_rmtree(tmp);
	pthread_mutex_lock(&extract_mu);
	err = pg_payload_extract(im->payload, im->payload_len, tmp);
	pthread_mutex_unlock(&extract_mu);
	if (err < 0) {
		im->build_error = pg_asprintf("cannot unpack: %s", pg_error_last());
		goto done;
	}
	if (im->build) {
		pg_sandbox sb = { .dir = tmp, .writable = 1, .no_sandbox = c->o->no_sandbox,
				  .lim = pg_limits_build };
		char *cmd = pg_asprintf("(%s) 2>&1", im->build);
		err = pg_sandbox_run(&out, &p, &sb, cmd, NULL, 0);
		free(cmd);
		if (err < 0) {
			im->build_error = pg_asprintf("cannot build: %s", pg_error_last());
			goto done;
		}
		if (p->end != PG_END_EXIT || p->code != 0) {
			char *t = tail_lines(out.ptr ? out.ptr : "", out.len, 12);
			im->build_error = pg_asprintf("build failed (%s)%s%s", pg_proc_reason(p, reason, sizeof(reason)),
						      *t ? ":\n" : "", t);
			free(t);
			goto done;
		}
	}
	if (rename(tmp, final) < 0 && !exists(final)) {
		im->build_error = pg_asprintf("cannot keep the build in %s: %s", final, strerror(errno));
		goto done;
	}
	im->dir = final;
	final = NULL;
done:
	if (tmp)
		pg_rmtree(tmp);
	pg_proc_free(p);
	pg_buf_free(&out);
	free(tmp);
	free(final);
	free(root);
	free(key);
}

/* --- 3. run ------------------------------------------------------------- */

pg_sandbox pg_vimpl_sandbox(const pg_vimpl *im, int no_sandbox)
{
	static const char *const env[] = { "PYTHONDONTWRITEBYTECODE=1", NULL };
	pg_sandbox sb = { .dir = im->dir, .no_sandbox = no_sandbox, .env = env, .lim = pg_limits_run };
	return sb;
}

static pg_sandbox run_sandbox(const struct ctx *c, const pg_vimpl *im)
{
	return pg_vimpl_sandbox(im, c->o->no_sandbox);
}

/* An ok answer that does not fit the return type is the implementation's
 * failure, like any other broken promise. */
static void type_check(const pg_fn *fn, pg_answer *a)
{
	if (a->status != PG_ANS_OK)
		return;
	int bad = fn->ret ? pg_wire_check(fn->ret, a->value) < 0 : !json_is_null(a->value);
	if (!bad)
		return;
	pg_buf t = PG_BUF_INIT;
	if (fn->ret)
		pg_type_format(&t, fn->ret);
	char *txt = pg_wire_text(a->value, 80);
	char *msg = fn->ret ? pg_asprintf("answer does not fit %s: %s", t.ptr, pg_error_last())
			    : pg_asprintf("answer should be null (%s returns nothing), got %s", fn->call, txt);
	pg_answer_clear(a);
	a->status = PG_ANS_FAIL;
	a->msg = msg;
	free(txt);
	pg_buf_free(&t);
}

/* Answers to calls[0..n) in ans, across as many sessions as it takes.
 * With keep, a live session is taken from *keep and the last one is left
 * there when it is still running (the caller closes it), so a sequence of
 * small batches, as shrinking sends, starts one sandbox instead of many. */
static void run_calls(const struct ctx *c, const pg_vimpl *im, const pg_call *calls, const pg_fn *const *fns,
		      size_t n, pg_answer *ans, pg_session **keep)
{
	pg_sandbox sb = run_sandbox(c, im);
	size_t pos = 0;
	int restarts = 0;
	while (pos < n) {
		pg_session *s = keep ? *keep : NULL;
		if (keep)
			*keep = NULL;
		if (s && !pg_session_alive(s)) {
			pg_session_close(s);
			s = NULL;
		}
		if (!s && pg_session_open(&s, &sb, im->run, c->timeout_ms) < 0) {
			for (; pos < n; pos++) {
				ans[pos].status = PG_ANS_FAIL;
				ans[pos].msg = pg_asprintf("cannot start: %s", pg_error_last());
			}
			break;
		}
		long got = pg_session_calls(s, calls + pos, n - pos, ans + pos);
		if (keep && got >= 0 && (size_t)got == n - pos && pg_session_alive(s))
			*keep = s;
		else
			pg_session_close(s);
		if (got < 0)
			got = 0;
		pos += (size_t)got;
		if (pos == n)
			break;
		if (ans[pos].status == PG_ANS_NONE) { /* exited cleanly, early */
			ans[pos].status = PG_ANS_FAIL;
			ans[pos].msg = pg_strdup("exited before answering");
		}
		pos++;
		if (++restarts > MAX_RESTARTS && pos < n) {
			for (; pos < n; pos++) {
				ans[pos].status = PG_ANS_FAIL;
				ans[pos].msg = pg_asprintf("not run: the implementation failed %d times", restarts);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		type_check(fns[i], &ans[i]);
}

static void run_one(struct ctx *c, size_t i)
{
	pg_vimpl *im = &c->v->impls[i];
	pg_call *calls = pg_calloc(c->nu + 1, sizeof(*calls));
	const pg_fn **fns = pg_calloc(c->nu + 1, sizeof(*fns));
	im->ans = pg_calloc(c->nu + 1, sizeof(*im->ans));
	for (size_t k = 0; k < c->nu; k++) {
		calls[k].call = c->u[k].c->fn->call;
		calls[k].args = c->u[k].c->args;
		fns[k] = c->u[k].c->fn;
	}
	if (im->dir)
		run_calls(c, im, calls, fns, c->nu, im->ans, NULL);
	free(calls);
	free(fns);
}

/* --- 4. judge ------------------------------------------------------------ */

static int agree(const pg_fn *fn, const pg_answer *a, const pg_answer *b, const pg_tolerance *tol)
{
	if (a->status == PG_ANS_OK && b->status == PG_ANS_OK)
		return fn->ret ? pg_wire_equal(fn->ret, a->value, b->value, tol) : 1;
	return a->status == PG_ANS_ERROR && b->status == PG_ANS_ERROR;
}

static char *answer_text(const pg_answer *a)
{
	switch (a->status) {
	case PG_ANS_OK:
		return pg_wire_text(a->value, TEXT_MAX);
	case PG_ANS_ERROR: { /* the implementation's words: escaped and cut like any value it sends */
		json_t *j = json_string(a->msg);
		char *t = pg_wire_text(j, TEXT_MAX), *r = pg_asprintf("error %s", t);
		json_decref(j);
		free(t);
		return r;
	}
	case PG_ANS_FAIL:
		return pg_strdup(a->msg);
	default:
		return pg_strdup("no answer");
	}
}

/* The majority answer to distinct case u among the implementations that
 * built: an index into impls, or -1 when there is no strict majority. */
static long majority(const struct ctx *c, size_t u, const pg_tolerance *tol)
{
	const pg_verify *v = c->v;
	const pg_fn *fn = c->u[u].c->fn;
	size_t voters = 0, best = 0;
	long who = -1;
	for (size_t i = 0; i < v->nimpls; i++) {
		const pg_answer *a = v->impls[i].ans ? &v->impls[i].ans[u] : NULL;
		if (!v->impls[i].dir || !a || a->status == PG_ANS_FAIL || a->status == PG_ANS_NONE)
			continue;
		voters++;
		size_t same = 0;
		for (size_t j = 0; j < v->nimpls; j++) {
			const pg_answer *b = v->impls[j].ans ? &v->impls[j].ans[u] : NULL;
			if (v->impls[j].dir && b && agree(fn, a, b, tol))
				same++;
		}
		if (same > best)
			best = same, who = (long)i;
	}
	/* one implementation agreeing with itself proves nothing */
	return voters >= 2 && best >= 2 && 2 * best > voters ? who : -1;
}

struct judge {
	pg_verdict *vd;
	size_t nfail_cap, nid_cap;
};

/* One line per case: multi-line reasons (a compiler's output) are folded. */
static void log_case(struct judge *j, const char *status, const char *id, const char *what, const char *why)
{
	pg_buf *b = &j->vd->log;
	pg_buf_printf(b, "%s %s %s%s", status, id, what, why ? ": " : "");
	for (const char *p = why; p && *p; p++)
		pg_buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
	pg_buf_putc(b, '\n');
}

static void add_failure(struct judge *j, const char *id, const char *what, const pg_case *cs,
			const char *expected, const char *actual, int errored)
{
	pg_verdict *vd = j->vd;
	if (errored)
		vd->errored++;
	else {
		vd->failed++;
		if (vd->nfail_ids == j->nid_cap)
			vd->fail_ids = pg_realloc(vd->fail_ids, (j->nid_cap = j->nid_cap ? 2 * j->nid_cap : 16) *
								       sizeof(char *));
		vd->fail_ids[vd->nfail_ids++] = pg_strdup(id);
	}
	if (expected) {
		char *why = pg_asprintf("expected %s, got %s", expected, actual);
		log_case(j, errored ? "skip" : "not ok", id, what, why);
		free(why);
	} else {
		log_case(j, errored ? "skip" : "not ok", id, what, actual);
	}
	if (vd->nfails >= PG_VERDICT_FAILS_KEPT)
		return;
	if (vd->nfails == j->nfail_cap)
		vd->fails = pg_realloc(vd->fails, (j->nfail_cap = j->nfail_cap ? 2 * j->nfail_cap : 8) * sizeof(*vd->fails));
	pg_failure *f = &vd->fails[vd->nfails++];
	memset(f, 0, sizeof(*f));
	snprintf(f->case_id, sizeof(f->case_id), "%s", id);
	f->what = pg_strdup(what);
	f->call = cs ? pg_strdup(cs->fn->call) : NULL;
	f->input = cs ? pg_wire_text(cs->args, TEXT_MAX) : NULL;
	f->expected = expected ? pg_strdup(expected) : NULL;
	f->actual = pg_strdup(actual);
	f->errored = errored;
}

static void pass(struct judge *j, const char *id, const char *what)
{
	j->vd->passed++;
	log_case(j, "ok", id, what, NULL);
}

static void judge_example(struct ctx *c, struct judge *j, const pg_vimpl *im, const pg_spec *sp, size_t i,
			  size_t u)
{
	const pg_case *cs = &sp->cases[i];
	const pg_answer *a = &im->ans[u];
	char what[160];
	snprintf(what, sizeof(what), "case %zu%s%.100s%s", i + 1, cs->description ? " (" : "",
		 cs->description ? cs->description : "", cs->description ? ")" : "");
	(void)c;
	if (cs->error) {
		if (a->status == PG_ANS_ERROR && strstr(a->msg, cs->error))
			return pass(j, cs->id, what);
		char *exp = *cs->error ? pg_asprintf("an error containing \"%s\"", cs->error) : pg_strdup("an error");
		char *act = answer_text(a);
		add_failure(j, cs->id, what, cs, exp, act, 0);
		free(exp);
		free(act);
		return;
	}
	pg_answer want = { PG_ANS_OK, cs->expect, NULL, 0 };
	if (a->status == PG_ANS_OK && agree(cs->fn, a, &want, &sp->tol))
		return pass(j, cs->id, what);
	char *exp = pg_wire_text(cs->expect, TEXT_MAX), *act = answer_text(a);
	add_failure(j, cs->id, what, cs, exp, act, 0);
	free(exp);
	free(act);
}

/* The answer that random case u of block (s, b) should have had: from the
 * reference or the majority; NULL (with why) when it cannot be said. */
static const pg_answer *expected_answer(const struct ctx *c, size_t s, size_t b, size_t u, long *who,
					const char **why)
{
	const pg_verify *v = c->v;
	long r = c->ref[s][b];
	*why = NULL;
	if (c->ref_error[s][b]) {
		*why = c->ref_error[s][b];
		return NULL;
	}
	if (!v->specs[s].spec->random[b].reference)
		r = majority(c, u, &v->specs[s].spec->tol);
	if (r < 0) {
		*why = "no majority among the implementations";
		return NULL;
	}
	const pg_vimpl *ref = &v->impls[r];
	if (!ref->dir) {
		*why = "the reference implementation did not build";
		return NULL;
	}
	if (ref->ans[u].status == PG_ANS_FAIL || ref->ans[u].status == PG_ANS_NONE) {
		*why = "the reference implementation failed on this input";
		return NULL;
	}
	*who = r;
	return &ref->ans[u];
}

/* Shrink a counterexample: try simpler arguments, pipelined in batches on
 * both the implementation and the one that gave the expected answer, and
 * keep the first that still disagrees, until none does or the budget is
 * spent.  Fills the failure's texts and returns the final arguments. */
static json_t *shrink(const struct ctx *c, const pg_random *r, const pg_vimpl *im, const pg_vimpl *ref,
		      const pg_tolerance *tol, json_t *args, char **exp, char **act, pg_session **sr)
{
	pg_session *si = NULL;
	unsigned budget = c->o->shrink_calls ? c->o->shrink_calls : 500;
	size_t arity = pg_fn_arity(r->fn);
	json_t *best = json_incref(args);
	for (;;) {
		json_t *cand[256];
		size_t nc = 0;
		for (size_t p = 0; p < arity && nc < 256; p++) {
			json_t *sv[32];
			size_t k = pg_gen_shrink(r->gens[p], json_array_get(best, p), sv, 32);
			for (size_t q = 0; q < k; q++) {
				if (nc < 256) {
					cand[nc] = json_copy(best);
					json_array_set(cand[nc], p, sv[q]);
					nc++;
				}
				json_decref(sv[q]);
			}
		}
		if (nc > budget)
			nc = budget;
		if (!nc)
			break;
		budget -= (unsigned)nc;
		pg_call *calls = pg_calloc(nc, sizeof(*calls));
		const pg_fn **fns = pg_calloc(nc, sizeof(*fns));
		pg_answer *ai = pg_calloc(nc, sizeof(*ai)), *ar = pg_calloc(nc, sizeof(*ar));
		for (size_t k = 0; k < nc; k++) {
			calls[k].call = r->fn->call;
			calls[k].args = cand[k];
			fns[k] = r->fn;
		}
		run_calls(c, ref, calls, fns, nc, ar, sr);
		run_calls(c, im, calls, fns, nc, ai, &si);
		long found = -1;
		for (size_t k = 0; k < nc && found < 0; k++)
			if ((ar[k].status == PG_ANS_OK || ar[k].status == PG_ANS_ERROR) &&
			    ai[k].status != PG_ANS_NONE && !agree(r->fn, &ai[k], &ar[k], tol))
				found = (long)k;
		if (found >= 0) {
			json_decref(best);
			best = json_incref(cand[found]);
			free(*exp);
			free(*act);
			*exp = answer_text(&ar[found]);
			*act = answer_text(&ai[found]);
		}
		for (size_t k = 0; k < nc; k++) {
			pg_answer_clear(&ai[k]);
			pg_answer_clear(&ar[k]);
			json_decref(cand[k]);
		}
		free(calls);
		free(fns);
		free(ai);
		free(ar);
		if (found < 0 || !budget)
			break;
	}
	pg_session_close(si);
	return best;
}

static void record(pg_verify *v, size_t s, const pg_fn *fn, json_t *args, const pg_answer *want,
		   const char *impl_name, int shrunk)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < v->nrecorded; i++)
		if (v->recorded[i].fn == fn && json_equal(v->recorded[i].args, args)) {
			pthread_mutex_unlock(&mu);
			return;
		}
	v->recorded = pg_realloc(v->recorded, (v->nrecorded + 1) * sizeof(*v->recorded));
	pg_recorded *rc = &v->recorded[v->nrecorded++];
	rc->spec = s;
	rc->fn = fn;
	rc->args = json_incref(args);
	rc->expect = want->status == PG_ANS_OK ? json_incref(want->value) : NULL;
	rc->impl_name = pg_strdup(impl_name ? impl_name : "a working directory");
	rc->shrunk = shrunk;
	pthread_mutex_unlock(&mu);
}

static void judge_random(struct ctx *c, struct judge *j, size_t ii, size_t s, size_t b)
{
	pg_verify *v = c->v;
	const pg_vimpl *im = &v->impls[ii];
	const pg_spec *sp = v->specs[s].spec;
	const pg_random *r = &sp->random[b];
	int shrunk = 0;
	for (size_t i = 0; i < r->count; i++) {
		const pg_case *cs = &c->rc[s][b][i];
		size_t u = c->rx[s][b][i];
		const pg_answer *a = &im->ans[u];
		char what[200];
		const char *why;
		long who = -1;
		snprintf(what, sizeof(what), "random %zu%s%.100s%s, case %zu", b + 1, r->description ? " (" : "",
			 r->description ? r->description : "", r->description ? ")" : "", i + 1);
		const pg_answer *want = expected_answer(c, s, b, u, &who, &why);
		if (!want) {
			if (a->status == PG_ANS_FAIL) { /* its own failure is still its own */
				add_failure(j, cs->id, what, cs, NULL, a->msg, 0);
				continue;
			}
			char *act = answer_text(a);
			add_failure(j, cs->id, what, cs, why, act, 1);
			free(act);
			continue;
		}
		if (agree(r->fn, a, want, &sp->tol)) {
			pass(j, cs->id, what);
			continue;
		}
		char *exp = answer_text(want), *act = answer_text(a);
		size_t before = j->vd->nfails;
		add_failure(j, cs->id, what, cs, exp, act, 0);
		if (!shrunk && (long)ii != who && j->vd->nfails > before) {
			/* the first counterexample of the block, made small */
			pg_failure *f = &j->vd->fails[j->vd->nfails - 1];
			pg_session *sr = NULL; /* the reference's, kept for the answer below */
			json_t *small = shrink(c, r, im, &v->impls[who], &sp->tol, cs->args, &exp, &act, &sr);
			if (!json_equal(small, cs->args)) {
				free(f->input);
				free(f->expected);
				free(f->actual);
				f->input = pg_wire_text(small, TEXT_MAX);
				f->expected = pg_strdup(exp);
				f->actual = pg_strdup(act);
				f->shrunk = 1;
			}
			/* what the reference says about the small input */
			pg_call call = { r->fn->call, small, 0 };
			pg_answer ra;
			memset(&ra, 0, sizeof(ra));
			run_calls(c, &v->impls[who], &call, &r->fn, 1, &ra, &sr);
			pg_session_close(sr);
			if (ra.status == PG_ANS_OK || ra.status == PG_ANS_ERROR)
				record(v, s, r->fn, small, &ra, im->name, !json_equal(small, cs->args));
			pg_answer_clear(&ra);
			json_decref(small);
			shrunk = 1;
		}
		free(exp);
		free(act);
	}
}

/* --- 5. scripts --------------------------------------------------------- */

/* Count a TAP stream: "ok", "not ok" lines and the plan. */
static void tap_count(const char *out, size_t len, size_t *ok, size_t *notok, long *plan, char **first_bad)
{
	const char *p = out, *end = out + len;
	*ok = *notok = 0;
	*plan = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= 2 && !strncmp(p, "ok", 2) && (n == 2 || p[2] == ' '))
			(*ok)++;
		else if (n >= 6 && !strncmp(p, "not ok", 6) && (n == 6 || p[6] == ' ')) {
			if (!*first_bad)
				*first_bad = pg_strndup(p, n > 200 ? 200 : n);
			(*notok)++;
		} else if (n >= 3 && !strncmp(p, "1..", 3))
			*plan = strtol(p + 3, NULL, 10);
		else if (n >= 9 && !strncmp(p, "Bail out!", 9)) {
			if (!*first_bad)
				*first_bad = pg_strndup(p, n > 200 ? 200 : n);
			(*notok)++;
		}
		p += n + 1;
	}
}

static char *spec_dir(struct ctx *c, const pg_vspec *vs)
{
	char *root = pg_path_join(c->o->cache, "src");
	char *dir = pg_path_join(root, vs->key);
	pthread_mutex_lock(&extract_mu);
	if (!exists(dir)) {
		pg_mkdir_p(root, 0755);
		if (pg_payload_extract(vs->payload, vs->payload_len, dir) < 0 && !exists(dir)) {
			free(dir);
			dir = NULL;
		}
	}
	pthread_mutex_unlock(&extract_mu);
	free(root);
	return dir;
}

static void run_script(struct ctx *c, struct judge *j, const pg_vimpl *im, const pg_vspec *vs, size_t k,
		       const char *sdir)
{
	const pg_script *sc = &vs->spec->scripts[k];
	char what[200], id[32], reason[256];
	snprintf(what, sizeof(what), "script %zu%s%.100s%s", k + 1, sc->description ? " (" : "",
		 sc->description ? sc->description : "", sc->description ? ")" : "");
	snprintf(id, sizeof(id), "script-%zu", k + 1);
	if (!sdir) {
		add_failure(j, id, what, NULL, NULL, "cannot unpack the spec's files", 1);
		return;
	}
	if (!im->dir) {
		add_failure(j, id, what, NULL, NULL, im->build_error, 0);
		return;
	}
	char *impl = c->o->no_sandbox ? pg_asprintf("PG_IMPL=cd '%s' && %s", im->dir, im->run)
				      : pg_asprintf("PG_IMPL=cd /impl && %s", im->run);
	char *impl_dir = pg_asprintf("PG_IMPL_DIR=%s", c->o->no_sandbox ? im->dir : "/impl");
	const char *env[] = { impl, impl_dir, "PYTHONDONTWRITEBYTECODE=1", NULL };
	pg_sandbox sb = { .dir = sdir, .extra = im->dir, .extra_at = "/impl", .env = env,
			  .no_sandbox = c->o->no_sandbox, .lim = pg_limits_run };
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = NULL;
	if (pg_sandbox_run(&out, &p, &sb, sc->run, NULL, 0) < 0) {
		add_failure(j, id, what, NULL, NULL, pg_error_last(), 1);
		goto done;
	}
	pg_proc_reason(p, reason, sizeof(reason));
	int clean = p->end == PG_END_EXIT && p->code == 0;
	if (sc->tap) {
		size_t ok, notok;
		long plan;
		char *bad = NULL;
		tap_count(out.ptr ? out.ptr : "", out.len, &ok, &notok, &plan, &bad);
		if (!notok && clean && (plan < 0 || (size_t)plan == ok) && ok) {
			j->vd->passed += ok - 1;
			pass(j, id, what);
		} else {
			char *why = bad ? pg_asprintf("%s (%zu of %zu failed)", bad, notok, ok + notok)
				  : !ok ? pg_asprintf("no TAP results (%s)", reason)
				  : plan >= 0 && (size_t)plan != ok + notok
					  ? pg_asprintf("planned %ld tests, ran %zu (%s)", plan, ok + notok, reason)
					  : pg_asprintf("%s", reason);
			j->vd->passed += ok;
			add_failure(j, id, what, NULL, "every test ok", why, 0);
			free(why);
		}
		free(bad);
	} else if (clean) {
		pass(j, id, what);
	} else {
		char *t = tail_lines(p->errtail.ptr ? p->errtail.ptr : "", p->errtail.len, 3);
		char *why = pg_asprintf("%s%s%s", reason, *t ? ": " : "", t);
		add_failure(j, id, what, NULL, "exit 0", why, 0);
		free(why);
		free(t);
	}
done:
	pg_proc_free(p);
	pg_buf_free(&out);
	free(impl);
	free(impl_dir);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void judge_one(struct ctx *c, size_t vi)
{
	pg_verify *v = c->v;
	pg_verdict *vd = &v->verdicts[vi];
	const pg_vimpl *im = &v->impls[vd->impl];
	const pg_vspec *vs = &v->specs[vd->spec];
	const pg_spec *sp = vs->spec;
	struct judge j = { vd, 0, 0 };

	if (!im->dir) {
		/* nothing ran: every case fails for the same reason */
		for (size_t i = 0; i < sp->ncases; i++)
			add_failure(&j, sp->cases[i].id, "build", &sp->cases[i], NULL, im->build_error, 0);
		for (size_t b = 0; b < sp->nrandom; b++)
			for (size_t i = 0; i < sp->random[b].count; i++)
				add_failure(&j, c->rc[vd->spec][b][i].id, "build", &c->rc[vd->spec][b][i], NULL,
					    im->build_error, 0);
	} else {
		for (size_t i = 0; i < sp->ncases; i++)
			judge_example(c, &j, im, sp, i, c->ex[vd->spec][i]);
		for (size_t b = 0; b < sp->nrandom; b++)
			judge_random(c, &j, vd->impl, vd->spec, b);
	}
	if (sp->nscripts) {
		char *sdir = spec_dir(c, vs);
		for (size_t k = 0; k < sp->nscripts; k++)
			run_script(c, &j, im, vs, k, sdir);
		free(sdir);
	}
	uint8_t h[PG_ID_LEN];
	pg_hash(h, vd->log.ptr ? vd->log.ptr : "", vd->log.len);
	pg_hex(vd->log_hash, h, PG_ID_LEN);
	if (vd->nfail_ids)
		qsort(vd->fail_ids, vd->nfail_ids, sizeof(char *), str_cmp);
	size_t w = 0;
	for (size_t i = 0; i < vd->nfail_ids; i++)
		if (w && !strcmp(vd->fail_ids[w - 1], vd->fail_ids[i]))
			free(vd->fail_ids[i]);
		else
			vd->fail_ids[w++] = vd->fail_ids[i];
	vd->nfail_ids = w;
}

/* --- the whole run ------------------------------------------------------ */

static void build_job(struct ctx *c, size_t i)
{
	build_one(c, i);
}

int pg_verify_run(pg_verify *v, const pg_verify_opts *o)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.v = v;
	c.o = o;
	pthread_mutex_init(&c.mu, NULL);
	json_object_seed(0); /* before any thread builds an object */

	collect_cases(&c);
	resolve_references(&c);
	parallel(&c, "build", v->nimpls, build_job);
	parallel(&c, "run", v->nimpls, run_one);

	size_t reported = 0;
	for (size_t i = 0; i < v->nimpls; i++)
		reported += !v->impls[i].aux;
	v->verdicts = pg_calloc(reported * v->nspecs + 1, sizeof(*v->verdicts));
	for (size_t i = 0; i < v->nimpls; i++)
		for (size_t s = 0; !v->impls[i].aux && s < v->nspecs; s++) {
			pg_verdict *vd = &v->verdicts[v->nverdicts++];
			vd->impl = i;
			vd->spec = s;
		}
	parallel(&c, "judge", v->nverdicts, judge_one);

	for (size_t s = 0; s < v->nspecs; s++) {
		const pg_spec *sp = v->specs[s].spec;
		for (size_t b = 0; b < sp->nrandom; b++) {
			for (size_t i = 0; i < sp->random[b].count; i++)
				pg_case_free(&c.rc[s][b][i]);
			free(c.rc[s][b]);
			free(c.rx[s][b]);
			free(c.ref_error[s][b]);
		}
		free(c.ex[s]);
		free(c.rc[s]);
		free(c.rx[s]);
		free(c.ref[s]);
		free(c.ref_error[s]);
	}
	free(c.ex);
	free(c.rc);
	free(c.rx);
	free(c.ref);
	free(c.ref_error);
	for (size_t i = 0; i < v->nimpls; i++) {
		for (size_t k = 0; v->impls[i].ans && k < c.nu; k++)
			pg_answer_clear(&v->impls[i].ans[k]);
		free(v->impls[i].ans);
		v->impls[i].ans = NULL;
	}
	free(c.u);
	pthread_mutex_destroy(&c.mu);
	return 0;
}

/* What pg_verify_run filled in: verdicts, recordings, builds' places. */
static void clear_run(pg_verify *v)
{
	for (size_t i = 0; i < v->nverdicts; i++) {
		pg_verdict *vd = &v->verdicts[i];
		for (size_t k = 0; k < vd->nfails; k++) {
			pg_failure *f = &vd->fails[k];
			free(f->what);
			free(f->call);
			free(f->input);
			free(f->expected);
			free(f->actual);
		}
		for (size_t k = 0; k < vd->nfail_ids; k++)
			free(vd->fail_ids[k]);
		for (size_t k = 0; k < vd->nsaw; k++)
			free(vd->saw[k]);
		free(vd->saw);
		free(vd->fail_ids);
		free(vd->fails);
		pg_buf_free(&vd->log);
	}
	free(v->verdicts);
	for (size_t i = 0; i < v->nrecorded; i++) {
		json_decref(v->recorded[i].args);
		json_decref(v->recorded[i].expect);
		free(v->recorded[i].impl_name);
	}
	free(v->recorded);
	for (size_t i = 0; i < v->nimpls; i++) {
		free(v->impls[i].dir);
		free(v->impls[i].build_error);
		v->impls[i].dir = v->impls[i].build_error = NULL;
	}
	v->verdicts = NULL;
	v->nverdicts = 0;
	v->recorded = NULL;
	v->nrecorded = 0;
}

void pg_verify_clear(pg_verify *v)
{
	clear_run(v);
	for (size_t i = 0; i < v->nimpls; i++) {
		pg_vimpl *im = &v->impls[i];
		free(im->name);
		free(im->lang);
		free(im->build);
		free(im->run);
		free(im->author);
	}
	for (size_t s = 0; s < v->nspecs; s++) {
		free(v->specs[s].name);
		free(v->specs[s].author);
		pg_spec_free(v->specs[s].spec);
	}
}

static int verdict_class(const pg_verdict *vd)
{
	return vd->failed ? -1 : vd->errored ? 0 : 1;
}

int pg_verify_rerun(pg_verify *v, const pg_verify_opts *o, const int *want)
{
	pg_verify again = { v->idl, pg_calloc(v->nimpls + 1, sizeof(pg_vimpl)), v->nimpls,
			    pg_calloc(v->nspecs + 1, sizeof(pg_vspec)), 0, NULL, 0, NULL, 0 };
	size_t *spec_of = pg_calloc(v->nspecs + 1, sizeof(*spec_of)), runs = 0;
	/* the same impls (only the wanted ones reported), the wanted specs */
	for (size_t i = 0; i < v->nimpls; i++) {
		again.impls[i] = v->impls[i];
		again.impls[i].dir = again.impls[i].build_error = NULL;
		again.impls[i].ans = NULL;
		again.impls[i].aux = 1;
	}
	for (size_t s = 0; s < v->nspecs; s++) {
		int any = 0;
		for (size_t k = 0; k < v->nverdicts; k++)
			if (want[k] && v->verdicts[k].spec == s) {
				any = 1;
				again.impls[v->verdicts[k].impl].aux = 0;
			}
		if (any) {
			spec_of[again.nspecs] = s;
			again.specs[again.nspecs++] = v->specs[s];
		}
	}
	int err = again.nspecs ? pg_verify_run(&again, o) : 0;
	for (size_t k = 0; err == 0 && k < again.nverdicts; k++) {
		const pg_verdict *nv = &again.verdicts[k];
		for (size_t j = 0; j < v->nverdicts; j++) {
			pg_verdict *vd = &v->verdicts[j];
			if (want[j] && vd->impl == nv->impl && vd->spec == spec_of[nv->spec]) {
				vd->rerun = verdict_class(vd) == verdict_class(nv) ? 1 : -1;
				runs++;
			}
		}
	}
	clear_run(&again);
	free(again.impls);
	free(again.specs);
	free(spec_of);
	(void)runs;
	return err;
}

/* --- recording ------------------------------------------------------------ */

void pg_verify_recorded_yaml(pg_buf *out, const pg_verify *v)
{
	pg_buf_puts(out, "# Counterexamples found by pg verify --record: inputs on which an\n"
			 "# implementation disagreed with its reference, shrunk, with the\n"
			 "# reference's answer as the expected one.\n"
			 "cases:\n");
	for (size_t i = 0; i < v->nrecorded; i++) {
		const pg_recorded *r = &v->recorded[i];
		pg_buf_printf(out, "  - description: \"found in %s%s\"\n", r->impl_name, r->shrunk ? ", shrunk" : "");
		pg_buf_printf(out, "    call: %s\n    args: [", r->fn->call);
		for (size_t a = 0; a < json_array_size(r->args); a++) {
			if (a)
				pg_buf_puts(out, ", ");
			pg_spec_yaml_value(out, pg_fn_arg_type(r->fn, a), json_array_get(r->args, a));
		}
		pg_buf_puts(out, "]\n");
		if (!r->expect)
			pg_buf_puts(out, "    error: \"\"\n");
		else if (!r->fn->ret)
			pg_buf_puts(out, "    expect: null\n");
		else {
			pg_buf_puts(out, "    expect: ");
			pg_spec_yaml_value(out, r->fn->ret, r->expect);
			pg_buf_putc(out, '\n');
		}
	}
}
