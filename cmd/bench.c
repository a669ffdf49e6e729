/* bench.c - pg bench (pg evaluate): time verified impls against the baseline
 *
 * For each interface: verify every impl (lib/verify.c; builds come from
 * the cache), then, for each bench of the interface, time each impl that
 * passed every spec against the baseline (lib/bench.c), print the ratios,
 * and publish one signed bench result per impl x bench.
 */
#include "bench.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const examples[] = {
	"pg bench geometry::circle\tevery verified impl against the baseline, every bench",
	"pg bench 3fa9c2\tone impl, or one bench, by id",
	"pg bench --no-publish --json sort::u32\tmeasure and print, sign nothing",
	"pg bench --junit bench.xml sort::u32\tfor CI",
	NULL,
};
static const struct cmd_help help = {
	"bench",
	"Time each verified impl against the interface's baseline, publish signed bench results",
	"pg bench [options] [INTERFACE|IMPL|BENCH]...\npg evaluate ...", examples,
};

struct opts {
	int json, no_publish, no_sandbox, jobs, round_ms;
	const char *junit, *as;
};

/* One bench of the interface, loaded. */
struct bobj {
	char id[PG_HEX_LEN + 1];
	char *name;
	pg_bench *b;
	long base; /* the baseline impl, -1 if none */
};

/* One impl x bench. */
struct brun {
	size_t impl, bench;
	pg_bresult r;
	char *failure; /* failed mid-bench */
	int measured;
};

struct target {
	struct plan p;
	char *only_bench;
	struct bobj *benches;
	size_t nbenches;
	char baseline_name[128]; /* the interface's own baseline, or "" */
	struct brun *runs;
	size_t nruns;
	int *ok;                 /* per impl: passed every spec */
	char **why;              /* per impl: why it is not benched */
};

static int load_bench(struct pg_ctx *ctx, struct target *t, const pg_index_row *r)
{
	pg_buf tar = PG_BUF_INIT, src = PG_BUF_INIT;
	pg_bench *b = NULL;
	char *file = pg_asprintf("%s@%.12s:%s", r->name, r->id, PG_BENCH_FILE);
	int err;
	if ((err = read_payload(ctx, &tar, r)) < 0 ||
	    (err = pg_payload_read(&src, tar.ptr, tar.len, PG_BENCH_FILE, PG_YAML_MAX_BYTES)) < 0 ||
	    (err = pg_bench_parse(&b, t->p.idl, src.ptr, src.len, file)) < 0) {
		fflush(stdout);
		fprintf(stderr, "warning: bench %s (%.12s) skipped: %s\n", r->name, r->id, pg_error_last());
		err = 0;
	} else {
		t->benches = pg_realloc(t->benches, (t->nbenches + 1) * sizeof(*t->benches));
		struct bobj *bo = &t->benches[t->nbenches++];
		memcpy(bo->id, r->id, sizeof(bo->id));
		bo->name = pg_strdup(r->name);
		bo->b = b;
		bo->base = -1;
	}
	pg_buf_free(&tar);
	pg_buf_free(&src);
	free(file);
	return err;
}

struct gather {
	struct pg_ctx *ctx;
	struct target *t;
	int err;
};

static int gather_bench(const char *rel, const char *other, const pg_index_row *r, void *data)
{
	struct gather *g = data;
	(void)other;
	if (r && !strcmp(rel, "interface") && !strcmp(r->type, "bench") && !g->err &&
	    (!g->t->only_bench || !strcmp(g->t->only_bench, r->id)))
		g->err = load_bench(g->ctx, g->t, r);
	return 0;
}

/* A target: an interface, an impl or a bench.  A bench narrows to itself;
 * an impl to itself (plan_load does that). */
static int load_target(struct pg_ctx *ctx, struct target *t, const char *arg)
{
	pg_index_row row;
	size_t n = strlen(arg);
	const char *what = arg;
	char iface[PG_HEX_LEN + 1];
	int err;
	if (n >= 4 && n <= PG_HEX_LEN && pg_is_hex(arg, n) && resolve_object(ctx, &row, arg, PG_T_BENCH) == 0) {
		pg_object *o;
		t->only_bench = pg_strdup(row.id);
		err = read_object(ctx, &o, &row);
		pg_index_row_clear(&row);
		if (err < 0)
			return err;
		snprintf(iface, sizeof(iface), "%s", pg_object_get(o, "interface"));
		pg_object_free(o);
		what = iface;
	}
	if ((err = plan_load(ctx, &t->p, what)) < 0)
		return err;
	if (t->p.dir_impl || t->p.dir_spec)
		return pg_error_set(PG_EINVALID, "%s: pg bench times published impls only (publish it, or 'pg verify' it)",
				    arg);
	if (t->p.only_spec)
		return pg_error_set(PG_EINVALID, "%.12s is a spec: pg bench takes an interface, impl or bench", arg);
	struct gather g = { ctx, t, 0 };
	if ((err = pg_index_links(ctx->index, t->p.iface, 1, gather_bench, &g)) < 0 || (err = g.err) < 0)
		return err;
	/* the interface's own baseline */
	if ((err = pg_index_get(ctx->index, &row, t->p.iface)) == 0) {
		pg_object *o;
		if ((err = read_object(ctx, &o, &row)) == 0) {
			const char *bl = pg_object_get(o, "baseline");
			snprintf(t->baseline_name, sizeof(t->baseline_name), "%s", bl ? bl : "");
			pg_object_free(o);
		}
		pg_index_row_clear(&row);
	}
	return err;
}

/* The baseline of a bench among the plan's impls: by id prefix, or by
 * name (the interface author's impl of that name first).  -1 and why. */
static long find_baseline(struct pg_ctx *ctx, const struct target *t, const struct bobj *bo, char **why)
{
	const char *want = bo->b->baseline ? bo->b->baseline : t->baseline_name;
	const pg_verify *v = &t->p.v;
	pg_index_row row;
	long found = -1;
	int several = 0;
	if (!*want) {
		*why = pg_asprintf("bench %s names no baseline, and neither does the interface (add 'baseline: IMPL' "
				   "to the bench's workload.yaml or the interface's pg.yaml)", bo->name);
		return -1;
	}
	char owner[PG_HEX_LEN + 1] = "";
	if (pg_index_get(ctx->index, &row, t->p.iface) == 0) {
		memcpy(owner, row.author, sizeof(owner));
		pg_index_row_clear(&row);
	}
	size_t n = strlen(want);
	for (size_t i = 0; i < v->nimpls; i++) {
		const pg_vimpl *im = &v->impls[i];
		int match = !strcmp(im->name, want) ||
			    (n >= 4 && pg_is_hex(want, n) && !strncmp(im->id, want, n));
		if (!match)
			continue;
		if (found >= 0) {
			int cur_owner = !strcmp(v->impls[found].author, owner), this_owner = !strcmp(im->author, owner);
			if (this_owner && !cur_owner)
				found = (long)i, several = 0;
			else if (this_owner == cur_owner)
				several = 1;
			continue;
		}
		found = (long)i;
	}
	if (found < 0)
		*why = pg_asprintf("bench %s: no impl '%s' to serve as the baseline (pg ls --type impl)", bo->name, want);
	else if (several)
		*why = pg_asprintf("bench %s: several impls are named '%s'; name the baseline by id", bo->name, want),
		found = -1;
	return found;
}

static void progress(void *data, size_t done, size_t total)
{
	const char *label = data;
	fprintf(stderr, "\rbench: %-24.24s %3zu%%\033[K", label, total ? 100 * done / total : 100);
	fflush(stderr);
}

static void verify_progress(void *data, const char *phase, size_t done, size_t total)
{
	(void)data;
	fprintf(stderr, "\rbench: verifying (%s %zu/%zu)\033[K", phase, done, total);
	fflush(stderr);
}

static const char *fmt_bytes(char *buf, size_t n, uint64_t b)
{
	if (b >= 10u << 20)
		snprintf(buf, n, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, n, "%llu KiB", (unsigned long long)(b >> 10));
	return buf;
}

static const char *fmt_ns(char *buf, size_t n, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, n, "%.2f us", ns / 1e3);
	else
		snprintf(buf, n, "%.1f ns", ns);
	return buf;
}

static void print_target(struct pg_ctx *ctx, const struct target *t)
{
	const pg_verify *v = &t->p.v;
	for (size_t b = 0; b < t->nbenches; b++) {
		const struct bobj *bo = &t->benches[b];
		printf("%s%s%s bench %s (%.12s)\n", color(ctx, C_NAME), t->p.ifname, color(ctx, C_RESET), bo->name, bo->id);
		printf("  %-22s %-7s %9s  %-17s %-17s %10s %10s\n", "impl", "lang", "x base", "25-75%", "95% ci",
		       "per call", "peak mem");
		if (bo->base >= 0)
			printf("  %-22.22s %-7.7s %9.3f  %s(the baseline)%s\n", v->impls[bo->base].name,
			       v->impls[bo->base].lang, 1.0, color(ctx, C_DIM), color(ctx, C_RESET));
		for (size_t k = 0; k < t->nruns; k++) {
			const struct brun *br = &t->runs[k];
			if (br->bench != b)
				continue;
			const pg_vimpl *im = &v->impls[br->impl];
			if (br->failure) {
				printf("  %-22.22s %-7.7s %sfailed%s: %s\n", im->name, im->lang, color(ctx, C_BAD),
				       color(ctx, C_RESET), br->failure);
				continue;
			}
			const pg_bresult *r = &br->r;
			double clo = 0, chi = 0, per = 0; /* geometric means over the workloads */
			for (size_t w = 0; w < r->nw; w++) {
				clo += log(r->w[w].low);
				chi += log(r->w[w].high);
				per += log(r->w[w].iter_ns);
			}
			clo = exp(clo / (double)r->nw), chi = exp(chi / (double)r->nw), per = exp(per / (double)r->nw);
			char band[40], ci[40], pns[32], mem[32];
			snprintf(band, sizeof(band), "%.3f-%.3f", r->band_lo, r->band_hi);
			snprintf(ci, sizeof(ci), "%.3f-%.3f", clo, chi);
			printf("  %-22.22s %-7.7s %s%9.3f%s  %-17s %-17s %10s %10s\n", im->name, im->lang,
			       color(ctx, r->score <= 1 ? C_OK : C_BAD), r->score, color(ctx, C_RESET), band, ci,
			       fmt_ns(pns, sizeof(pns), per), fmt_bytes(mem, sizeof(mem), r->peak_rss));
			if (r->note)
				printf("    %snote: %s%s\n", color(ctx, C_DIM), r->note, color(ctx, C_RESET));
		}
	}
	for (size_t i = 0; i < v->nimpls; i++)
		if (t->why[i])
			printf("  %-22.22s %-7.7s %snot benched%s: %s\n", v->impls[i].name, v->impls[i].lang,
			       color(ctx, C_DIM), color(ctx, C_RESET), t->why[i]);
}

static json_t *run_json(const struct target *t, const struct brun *br)
{
	const pg_vimpl *im = &t->p.v.impls[br->impl];
	const struct bobj *bo = &t->benches[br->bench];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "interface", t->p.ifname, "bench", bo->id, "bench_name",
			      bo->name, "impl", im->id, "impl_name", im->name);
	if (br->failure) {
		json_object_set_new(o, "failure", json_string(br->failure));
		return o;
	}
	const pg_bresult *r = &br->r;
	json_t *ws = json_array();
	for (size_t w = 0; w < r->nw; w++) {
		const pg_bwork *wk = &r->w[w];
		json_t *ns = json_array(), *base = json_array();
		for (size_t k = 0; k < wk->nsamples; k++) {
			json_array_append_new(ns, json_integer((json_int_t)wk->ns[k]));
			json_array_append_new(base, json_integer((json_int_t)wk->base_ns[k]));
		}
		json_array_append_new(ws, json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:o, s:o}", "ratio",
						    wk->ratio, "q1", wk->q1, "q3", wk->q3, "ci_low", wk->low, "ci_high",
						    wk->high, "ns_per_call", wk->iter_ns, "baseline_ns_per_call",
						    wk->base_iter_ns, "n", (json_int_t)wk->n, "baseline_n",
						    (json_int_t)wk->base_n, "ns", ns, "baseline_ns", base));
	}
	json_object_set_new(o, "baseline", json_string(r->baseline));
	json_object_set_new(o, "score", json_real(r->score));
	json_object_set_new(o, "band", json_pack("[f, f]", r->band_lo, r->band_hi));
	json_object_set_new(o, "peak_rss", json_integer((json_int_t)r->peak_rss));
	json_object_set_new(o, "workloads", ws);
	if (r->note)
		json_object_set_new(o, "note", json_string(r->note));
	return o;
}

static int write_junit(const char *path, struct target *ts, size_t nt)
{
	char *tmp = pg_asprintf("%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		int err = pg_error_set(PG_ERROR, "cannot write %s: %m", path);
		free(tmp);
		return err;
	}
	size_t tests = 0, failures = 0;
	for (size_t i = 0; i < nt; i++)
		for (size_t k = 0; k < ts[i].nruns; k++)
			tests++, failures += ts[i].runs[k].failure != NULL;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pg bench\" tests=\"%zu\" "
		   "failures=\"%zu\">\n", tests, failures);
	for (size_t i = 0; i < nt; i++) {
		const struct target *t = &ts[i];
		fprintf(f, "  <testsuite name=\"");
		xml_text(f, t->p.ifname);
		fprintf(f, "\" tests=\"%zu\">\n", t->nruns);
		for (size_t k = 0; k < t->nruns; k++) {
			const struct brun *br = &t->runs[k];
			const pg_vimpl *im = &t->p.v.impls[br->impl];
			fprintf(f, "    <testcase classname=\"");
			xml_text(f, t->benches[br->bench].name);
			fprintf(f, "\" name=\"");
			xml_text(f, im->name);
			fprintf(f, "\">\n");
			if (br->failure) {
				fprintf(f, "      <failure message=\"");
				xml_text(f, br->failure);
				fprintf(f, "\"/>\n");
			} else {
				fprintf(f, "      <system-out>score %.6g (x baseline), band %.6g-%.6g</system-out>\n",
					br->r.score, br->r.band_lo, br->r.band_hi);
			}
			fprintf(f, "    </testcase>\n");
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	int bad = ferror(f);
	bad |= fclose(f) != 0;
	int err = 0;
	if (bad || rename(tmp, path) < 0) {
		unlink(tmp);
		err = pg_error_set(PG_ERROR, "cannot write %s: %m", path);
	}
	free(tmp);
	return err;
}

static int publish(struct pg_ctx *ctx, const struct opts *o, struct target *ts, size_t nt, size_t *published,
		   size_t *verified)
{
	pg_key *me = NULL;
	pg_txn *t = NULL;
	pg_buf idobj = PG_BUF_INIT;
	char *mach = pg_machine();
	int err;
	*published = *verified = 0;
	if ((err = unlock_identity(ctx, &me, o->as)) < 0 || (err = pg_key_identity(&idobj, ctx->home, me->pk)) < 0 ||
	    (err = pg_txn_begin(&t, ctx->store, me, &idobj)) < 0)
		goto done;
	/* what verification saw first: ranking reads it */
	for (size_t i = 0; i < nt && err == 0; i++)
		for (size_t k = 0; k < ts[i].p.v.nverdicts && err == 0; k++) {
			const struct plan *p = &ts[i].p;
			const pg_verdict *vd = &p->v.verdicts[k];
			pg_object *r = verify_result_object(me, p, vd, mach);
			if ((err = pg_object_sign(r, me->sk)) < 0) {
				pg_object_free(r);
				break;
			}
			if ((err = pg_txn_add(t, r, NULL, 0)) >= 0) {
				*verified += err == 0;
				err = 0;
			}
		}
	for (size_t i = 0; i < nt && err == 0; i++)
		for (size_t k = 0; k < ts[i].nruns && err == 0; k++) {
			struct brun *br = &ts[i].runs[k];
			if (br->failure)
				continue; /* nothing false is published: a failed run says nothing */
			pg_buf body = PG_BUF_INIT;
			pg_object *r = pg_object_new(PG_T_RESULT, me->pk, pg_now());
			pg_object_add(r, "kind", "bench");
			pg_object_add(r, "subject", ts[i].p.v.impls[br->impl].id);
			pg_object_add(r, "against", ts[i].benches[br->bench].id);
			free(br->r.machine);
			br->r.machine = pg_strdup(mach);
			pg_bench_body(&body, &br->r);
			pg_object_set_body(r, body.ptr, body.len);
			pg_buf_free(&body);
			if ((err = pg_object_sign(r, me->sk)) < 0) {
				pg_object_free(r);
				break;
			}
			if ((err = pg_txn_add(t, r, NULL, 0)) >= 0) {
				*published += err == 0;
				err = 0;
			}
		}
	if (err == 0 && (*published || *verified))
		err = pg_txn_commit(t);
done:
	pg_txn_free(t);
	pg_key_free(me);
	pg_buf_free(&idobj);
	free(mach);
	return err;
}

/* Verify, then bench what passed. */
static int run_target(struct pg_ctx *ctx, const struct opts *o, struct target *t, const char *cache,
		      size_t *failed)
{
	pg_verify *v = &t->p.v;
	int tty = show_progress(ctx);
	pg_verify_opts vo = { .cache = cache,
			      .jobs = o->jobs ? (unsigned)o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
			      .no_sandbox = o->no_sandbox, .progress = tty ? verify_progress : NULL };
	int err;
	t->ok = pg_calloc(v->nimpls + 1, sizeof(*t->ok));
	t->why = pg_calloc(v->nimpls + 1, sizeof(*t->why));
	if (!t->nbenches) {
		info(ctx, "%s (%.12s) has no bench to run ('pg new bench %s' writes one)", t->p.ifname, t->p.iface,
		     t->p.ifname);
		return 0;
	}
	if (!v->nspecs) {
		info(ctx, "%s (%.12s) has no spec: pg bench times only impls that pass verification", t->p.ifname,
		     t->p.iface);
		return 0;
	}
	/* a baseline is judged too, even when the target is another impl */
	char **no_base = pg_calloc(t->nbenches, sizeof(*no_base));
	for (size_t b = 0; b < t->nbenches; b++) {
		t->benches[b].base = find_baseline(ctx, t, &t->benches[b], &no_base[b]);
		if (t->benches[b].base >= 0)
			v->impls[t->benches[b].base].aux = 0;
	}
	if ((err = pg_verify_run(v, &vo)) < 0) {
		for (size_t b = 0; b < t->nbenches; b++)
			free(no_base[b]);
		free(no_base);
		return err;
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	for (size_t i = 0; i < v->nimpls; i++)
		if (!(t->ok[i] = v->impls[i].dir != NULL))
			t->why[i] = pg_asprintf("does not build: %.200s", v->impls[i].build_error ? v->impls[i].build_error : "?");
	for (size_t i = 0; i < v->nverdicts; i++) {
		const pg_verdict *vd = &v->verdicts[i];
		if ((vd->failed || vd->errored) && t->ok[vd->impl]) {
			t->ok[vd->impl] = 0;
			t->why[vd->impl] = pg_asprintf("fails verification: spec %s (%zu failed, %zu undecided)",
						       v->specs[vd->spec].name, vd->failed, vd->errored);
		}
	}
	for (size_t b = 0; b < t->nbenches; b++) {
		struct bobj *bo = &t->benches[b];
		char *why = no_base[b];
		long base = bo->base;
		if (base >= 0 && !t->ok[base]) {
			free(why);
			why = pg_asprintf("bench %s: the baseline %s fails verification, so nothing can be compared with it",
					  bo->name, v->impls[base].name);
			base = -1;
		}
		bo->base = base;
		if (base < 0) {
			fflush(stdout);
			fprintf(stderr, "warning: %s\n", why);
			free(why);
			continue;
		}
		for (size_t i = 0; i < v->nimpls; i++) {
			if ((long)i == base || v->impls[i].aux || !t->ok[i])
				continue;
			t->runs = pg_realloc(t->runs, (t->nruns + 1) * sizeof(*t->runs));
			struct brun *br = &t->runs[t->nruns++];
			memset(br, 0, sizeof(*br));
			br->impl = i;
			br->bench = b;
			char label[160];
			snprintf(label, sizeof(label), "%s / %s", bo->name, v->impls[i].name);
			pg_bench_opts bopt = { .no_sandbox = o->no_sandbox, .round_ms = (unsigned)o->round_ms,
					       .progress = tty ? progress : NULL, .data = label };
			if (pg_bench_measure(&br->r, &br->failure, bo->b, &v->impls[base], &v->impls[i], &bopt) < 0)
				++*failed;
			else
				br->measured = 1;
			if (tty)
				fprintf(stderr, "\r\033[K");
		}
	}
	free(no_base); /* each message was printed and freed above */
	return 0;
}

static void target_free(struct target *t)
{
	for (size_t i = 0; i < t->nbenches; i++) {
		free(t->benches[i].name);
		pg_bench_free(t->benches[i].b);
	}
	for (size_t i = 0; i < t->nruns; i++) {
		pg_bresult_clear(&t->runs[i].r);
		free(t->runs[i].failure);
	}
	for (size_t i = 0; t->why && i < t->p.v.nimpls; i++)
		free(t->why[i]);
	free(t->why);
	free(t->ok);
	free(t->runs);
	free(t->benches);
	free(t->only_bench);
	plan_free(&t->p);
}

int cmd_bench(int argc, const char **argv, struct pg_ctx *ctx)
{
	struct opts o = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "json", &o.json, "print the measurements as JSON"),
		OPT_STRING(0, "junit", &o.junit, "FILE", "also write JUnit XML to FILE"),
		OPT_BOOL(0, "no-publish", &o.no_publish, "do not publish bench results"),
		OPT_INT(0, "round-ms", &o.round_ms, "MS", "length of one timed round (default 20)"),
		OPT_INT('j', "jobs", &o.jobs, "N", "parallel builds while verifying (default: the number of cores)"),
		OPT_BOOL(0, "no-sandbox", &o.no_sandbox, "run code WITHOUT bubblewrap (only code you trust)"),
		OPT_STRING(0, "as", &o.as, "KEY", "sign results as this identity"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "no progress, no notes on stderr"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (o.jobs < 0 || o.jobs > 64)
		return usage_error(&help, opts, "-j takes 1 to 64 (0 or none: the number of cores)");
	if (o.round_ms < 0 || o.round_ms > 10000)
		return usage_error(&help, opts, "--round-ms takes 1 to 10000 (0 or none: 20)");
	int err;
	if (!o.no_sandbox && (err = pg_sandbox_check()) < 0)
		return report(err);

	/* no target: every interface that has a bench */
	char (*every)[PG_HEX_LEN + 1] = NULL;
	size_t nevery = 0;
	if (argc == 0) {
		if ((err = interfaces_with(ctx, PG_T_BENCH, &every, &nevery)) < 0)
			return report(err);
		if (!nevery) {
			info(ctx, "nothing to bench: the store has no benches ('pg new bench INTERFACE' writes one)");
			return EXIT_OK;
		}
	}
	size_t nt = argc ? (size_t)argc : nevery, loaded = 0, failed = 0;
	struct target *ts = pg_calloc(nt, sizeof(*ts));
	char *cache = NULL;
	err = 0;
	for (size_t i = 0; i < nt && err == 0; i++, loaded++)
		err = load_target(ctx, &ts[i], argc ? argv[i] : every[i]);
	free(every);
	if (err == 0)
		err = cache_dir(&cache, ctx);
	if (o.no_sandbox && err == 0)
		fprintf(stderr, "warning: --no-sandbox: running the implementations' code unconfined\n");
	for (size_t i = 0; i < nt && err == 0; i++)
		err = run_target(ctx, &o, &ts[i], cache, &failed);
	free(cache);

	size_t measured = 0;
	for (size_t i = 0; i < nt && err == 0; i++)
		for (size_t k = 0; k < ts[i].nruns; k++)
			measured += ts[i].runs[k].measured;
	if (err == 0) {
		if (o.json) {
			json_t *arr = json_array();
			for (size_t i = 0; i < nt; i++)
				for (size_t k = 0; k < ts[i].nruns; k++)
					json_array_append_new(arr, run_json(&ts[i], &ts[i].runs[k]));
			json_t *doc = json_pack("{s:b, s:I, s:o}", "ok", failed == 0, "failed", (json_int_t)failed,
						"runs", arr);
			json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
			putchar('\n');
			json_decref(doc);
		} else {
			for (size_t i = 0; i < nt; i++)
				print_target(ctx, &ts[i]);
		}
		if (o.junit)
			err = write_junit(o.junit, ts, nt);
	}
	uint8_t pk[PG_PK_LEN];
	int anonymous = !o.as && pg_key_get_current(pk, ctx->home) < 0;
	if (err == 0 && !o.no_publish && measured && anonymous) {
		info(ctx, "note: no identity in use, so no results were published ('pg id new --name NAME' makes one; "
			  "--no-publish says this is intended)");
	} else if (err == 0 && !o.no_publish && measured) {
		size_t published, verified;
		if ((err = publish(ctx, &o, ts, nt, &published, &verified)) == 0) {
			info(ctx, "published %zu bench result%s and %zu verify result%s", published,
			     published == 1 ? "" : "s", verified, verified == 1 ? "" : "s");
			err = sync_index(ctx);
		}
	}
	for (size_t i = 0; i < loaded; i++)
		target_free(&ts[i]);
	free(ts);
	if (err < 0)
		return report(err);
	return failed ? EXIT_FAILED : EXIT_OK;
}
