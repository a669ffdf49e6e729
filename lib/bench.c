/* bench.c - interleaved timing of an implementation and its baseline */
#include "bench.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct side {
	const pg_vimpl *im;
	pg_session *s;
	const char *who; /* "the baseline" or "the implementation" */
};

/* One round: every call of w, n times each.  0, or the failure. */
static int round_of(struct side *sd, const pg_workload *w, uint64_t n, uint64_t *ns, uint64_t *wall,
		    char **failure, size_t wi)
{
	size_t k = json_array_size(w->calls);
	pg_call *calls = pg_calloc(k, sizeof(*calls));
	pg_answer *ans = pg_calloc(k, sizeof(*ans));
	int err = 0;
	for (size_t i = 0; i < k; i++) {
		calls[i].call = w->fn->call;
		calls[i].args = json_array_get(w->calls, i);
		calls[i].times = n;
	}
	uint64_t t0 = now_ns();
	long got = pg_session_calls(sd->s, calls, k, ans);
	*wall = now_ns() - t0;
	*ns = 0;
	for (size_t i = 0; i < k && !err; i++) {
		if (got >= 0 && (size_t)got > i && ans[i].status == PG_ANS_OK) {
			*ns += ans[i].ns;
			continue;
		}
		*failure = pg_asprintf("%s failed in workload %zu (%s), call %zu: %s", sd->who, wi + 1, w->fn->call, i + 1,
				       ans[i].status == PG_ANS_NONE ? "no answer" : ans[i].msg ? ans[i].msg : "no answer");
		err = PG_EINVALID;
	}
	for (size_t i = 0; i < k; i++)
		pg_answer_clear(&ans[i]);
	free(calls);
	free(ans);
	return err;
}

/* The smallest n (doubling, then extrapolating) whose round takes target,
 * and at least twice a round of n = 1, more than a round of n = 1: the
 * calls' own time then outweighs what a round costs besides (sending and
 * decoding the arguments, slow on a slow machine), so the time the
 * implementation reports is most of the wall clock pg sees and passes
 * pg_bench_round_ns's check. */
static int calibrate(struct side *sd, const pg_workload *w, uint64_t target, uint64_t *out, char **failure,
		     size_t wi)
{
	const uint64_t max = (uint64_t)1 << 32;
	uint64_t n = 1, ns, wall, base = 0;
	int err = round_of(sd, w, 1, &ns, &wall, failure, wi); /* the process starting is not the round's cost */
	if (err < 0)
		return err;
	for (int step = 0; step < 64; step++) {
		if ((err = round_of(sd, w, n, &ns, &wall, failure, wi)) < 0)
			return err;
		if (step == 0) {
			base = wall;
			target = base + (target > 2 * base ? target : 2 * base);
		}
		if (wall >= target || n == max)
			break;
		uint64_t next = n * 2;
		if (wall > base + (target - base) / 16) /* near enough to extrapolate */
			next = (uint64_t)((double)n * (double)(target - base) * 1.1 / (double)(wall - base)) + 1;
		n = next > max ? max : next;
	}
	*out = n;
	return 0;
}

/* The CPU the bench runs on, pg's side (this thread) and both sessions:
 * the last one pg may use, the least likely first choice of everything
 * else.  Sharing one CPU, the sessions take turns on a CPU that never
 * idles between rounds and whose caches hold pg's request, instead of
 * waking another from idle for every round, which on a virtual machine
 * costs a varying part of the round.  1 + its number (the thread's
 * CPUs before in *was), or 0 when pg cannot tell. */
static int bench_cpu(cpu_set_t *was)
{
	cpu_set_t one;
	if (sched_getaffinity(0, sizeof(*was), was) < 0)
		return 0;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, was)) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			return sched_setaffinity(0, sizeof(one), &one) < 0 ? 0 : c + 1;
		}
	return 0;
}

int pg_bench_measure(pg_bresult *r, char **failure, const pg_bench *b, const pg_vimpl *base,
		     const pg_vimpl *im, const pg_bench_opts *o)
{
	struct side sides[2] = { { base, NULL, "the baseline" }, { im, NULL, "the implementation" } };
	uint64_t target = (uint64_t)(o->round_ms ? o->round_ms : 20) * 1000000u;
	size_t done = 0, total = 0;
	int err = 0;
	cpu_set_t was;
	int cpu = bench_cpu(&was);

	memset(r, 0, sizeof(*r));
	*failure = NULL;
	memcpy(r->baseline, base->id, sizeof(r->baseline));
	r->nw = b->nw;
	r->w = pg_calloc(b->nw, sizeof(*r->w));
	for (size_t i = 0; i < 2 && !err; i++) {
		pg_sandbox sb = pg_vimpl_sandbox(sides[i].im, o->no_sandbox);
		/* one session serves every workload and round of the bench */
		sb.lim.cpu_s = 1800;
		sb.lim.wall_ms = 3600 * 1000;
		/* the two take turns on this thread's one CPU (bench_cpu),
		 * each with the same layout on every run: what differs
		 * between runs is then the code */
		sb.fixed_layout = 1;
		if ((err = pg_session_open(&sides[i].s, &sb, sides[i].im->run, b->timeout_ms)) < 0)
			*failure = pg_asprintf("%s cannot start: %s", sides[i].who, pg_error_last());
	}
	total = b->nw * (2 + 2 * (b->warmup + b->samples));
	for (size_t wi = 0; wi < b->nw && !err; wi++) {
		const pg_workload *w = &b->w[wi];
		pg_bwork *wk = &r->w[wi];
		uint64_t n[2], ns, wall;
		wk->calls = json_array_size(w->calls);
		for (size_t i = 0; i < 2 && !err; i++) {
			if (w->n)
				n[i] = w->n;
			else
				err = calibrate(&sides[i], w, target, &n[i], failure, wi);
			if (o->progress)
				o->progress(o->data, ++done, total);
		}
		wk->base_n = n[0];
		wk->n = n[1];
		for (unsigned k = 0; k < b->warmup + b->samples && !err; k++)
			for (size_t i = 0; i < 2 && !err; i++) {
				if ((err = round_of(&sides[i], w, n[i], &ns, &wall, failure, wi)) < 0)
					break;
				if (k >= b->warmup) {
					size_t at = k - b->warmup;
					(i ? wk->ns : wk->base_ns)[at] = ns;
					(i ? wk->wall : wk->base_wall)[at] = wall;
				}
				if (o->progress)
					o->progress(o->data, ++done, total);
			}
		wk->nsamples = b->samples;
	}
	pg_session_finish(sides[0].s, &r->base_peak_rss);
	pg_session_finish(sides[1].s, &r->peak_rss);
	if (cpu)
		sched_setaffinity(0, sizeof(was), &was);
	if (err < 0) {
		pg_bresult_clear(r);
		return PG_EINVALID;
	}
	pg_bench_summarize(r);
	return 0;
}
