/* verify.c - pg verify: every impl against every spec, in the sandbox
 *
 * This file gathers what to run from the store and the command line,
 * hands it to lib/verify.c, prints the verdicts (a table, JSON, JUnit or
 * TAP), and publishes one signed result per published impl x spec.
 */
#include "cmd.h"
#include "gen.h"
#include "result.h"
#include "trust.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const examples[] = {
	"pg verify geometry::circle\tevery impl x every spec of the interface",
	"pg verify ./my-impl\tan unpublished working directory, while writing it",
	"pg verify 3fa9c2\tone impl (or one spec) by id",
	"pg verify --junit out.xml geometry::circle\tfor CI; exit 1 when anything failed",
	"pg verify --record geometry::circle\tpublish shrunk counterexamples as a new spec",
	NULL,
};
static const struct cmd_help help = {
	"verify",
	"Build implementations in the sandbox, run every spec of their interface, publish signed results",
	"pg verify [options] [INTERFACE|IMPL|SPEC|DIR]...", examples,
};

struct opts {
	int json, tap, record, no_publish, no_sandbox, jobs, all_specs;
	const char *junit, *as;
};

static const void *keep_payload(struct plan *p, pg_buf *b)
{
	p->payloads = pg_realloc(p->payloads, (p->npayloads + 1) * sizeof(*p->payloads));
	p->payloads[p->npayloads] = *b;
	memset(b, 0, sizeof(*b));
	return p->payloads[p->npayloads++].ptr;
}

static void payload_key(char key[PG_HEX_LEN + 1], const pg_buf *b)
{
	uint8_t h[PG_ID_LEN];
	pg_hash(h, b->ptr, b->len);
	pg_hex(key, h, PG_ID_LEN);
}

static pg_vimpl *add_impl(struct plan *p)
{
	p->v.impls = pg_realloc(p->v.impls, (p->v.nimpls + 1) * sizeof(*p->v.impls));
	pg_vimpl *im = &p->v.impls[p->v.nimpls++];
	memset(im, 0, sizeof(*im));
	return im;
}

static pg_vspec *add_spec(struct plan *p)
{
	p->v.specs = pg_realloc(p->v.specs, (p->v.nspecs + 1) * sizeof(*p->v.specs));
	pg_vspec *vs = &p->v.specs[p->v.nspecs++];
	memset(vs, 0, sizeof(*vs));
	return vs;
}

struct gather {
	struct pg_ctx *ctx;
	struct plan *p;
	int err;
};

static int gather_impl(struct pg_ctx *ctx, struct plan *p, const pg_index_row *r)
{
	pg_object *o = NULL;
	pg_buf tar = PG_BUF_INIT;
	int err;
	if ((err = read_object(ctx, &o, r)) < 0 || (err = read_payload(ctx, &tar, r)) < 0)
		goto done;
	pg_vimpl *im = add_impl(p);
	memcpy(im->id, r->id, sizeof(im->id));
	memcpy(im->key, r->payload, sizeof(im->key));
	im->name = pg_strdup(r->name);
	im->author = pg_strdup(r->author);
	im->lang = pg_strdup(pg_object_get(o, "lang"));
	im->build = pg_object_get(o, "build") ? pg_strdup(pg_object_get(o, "build")) : NULL;
	im->run = pg_strdup(pg_object_get(o, "run"));
	im->payload_len = tar.len;
	im->payload = keep_payload(p, &tar);
	im->aux = p->only_impl && strcmp(p->only_impl, r->id);
	if (p->dir_impl)
		im->aux = 1;
done:
	pg_object_free(o);
	pg_buf_free(&tar);
	return err;
}

static int gather_spec(struct pg_ctx *ctx, struct plan *p, const pg_index_row *r)
{
	pg_buf tar = PG_BUF_INIT, src = PG_BUF_INIT;
	pg_spec *sp = NULL;
	char *file = pg_asprintf("%s@%.12s:%s", r->name, r->id, PG_SPEC_FILE);
	int err;
	if ((err = read_payload(ctx, &tar, r)) < 0 ||
	    (err = pg_payload_read(&src, tar.ptr, tar.len, PG_SPEC_FILE, PG_YAML_MAX_BYTES)) < 0 ||
	    (err = pg_spec_parse(&sp, p->idl, src.ptr, src.len, file)) < 0) {
		/* a spec that does not load is reported, not fatal to the others */
		fflush(stdout);
		fprintf(stderr, "warning: spec %s (%.12s) skipped: %s\n", r->name, r->id, pg_error_last());
		err = 0;
		goto done;
	}
	pg_vspec *vs = add_spec(p);
	memcpy(vs->id, r->id, sizeof(vs->id));
	memcpy(vs->key, r->payload, sizeof(vs->key));
	vs->name = pg_strdup(r->name);
	vs->author = pg_strdup(r->author);
	vs->spec = sp;
	vs->payload_len = tar.len;
	vs->payload = keep_payload(p, &tar);
	sp = NULL;
done:
	pg_spec_free(sp);
	pg_buf_free(&tar);
	pg_buf_free(&src);
	free(file);
	return err;
}

/* Specs apply by default when they are mine, the interface author's, or
 * by someone I trust (any share of my trust mass); not when I blocked them. */
static int spec_applies(struct gather *g, const pg_index_row *r)
{
	const pg_rep *rep;
	if (g->p->only_spec)
		return 1; /* asked for by id */
	if (ctx_rep(g->ctx, &rep) < 0) {
		g->err = PG_ERROR;
		return 0;
	}
	const char *why = pg_rep_spec_applies(rep, r->id, r->author, r->date, g->p->iface_author);
	if (!why || (g->p->all_specs && !pg_rep_blocked(rep, r->id) && !pg_rep_blocked(rep, r->author)))
		return 1;
	g->p->skipped_specs++;
	info(g->ctx, "skipped spec %s (%.12s) by %s: %s%s", r->name ? r->name : "?", r->id, author_label(r), why,
	     strcmp(why, "you blocked it") ? "; --all-specs runs it" : "");
	return 0;
}

static int gather_link(const char *rel, const char *other, const pg_index_row *r, void *data)
{
	struct gather *g = data;
	(void)other;
	if (!r || strcmp(rel, "interface") || g->err)
		return 0;
	if (!strcmp(r->type, "impl"))
		g->err = gather_impl(g->ctx, g->p, r);
	else if (!strcmp(r->type, "spec") && !g->p->dir_spec && (!g->p->only_spec || !strcmp(g->p->only_spec, r->id)) &&
		 spec_applies(g, r))
		g->err = gather_spec(g->ctx, g->p, r);
	return 0;
}

/* A working directory's payload, as publish would make it. */
static int dir_payload(pg_buf *out, const pg_manifest *m)
{
	return pg_payload_create(out, m->dir, (const char *const *)m->files, m->files ? NULL : pg_manifest_filter,
				 NULL);
}

static int plan_dirs(struct pg_ctx *ctx, struct plan *p)
{
	pg_buf tar = PG_BUF_INIT, src = PG_BUF_INIT;
	int err = 0;
	if (p->dir_impl) {
		const pg_manifest *m = p->dir_impl;
		if ((err = dir_payload(&tar, m)) < 0)
			return err;
		pg_vimpl *im = add_impl(p);
		payload_key(im->key, &tar);
		im->name = pg_strdup(m->name);
		im->lang = pg_strdup(m->lang);
		im->build = m->build ? pg_strdup(m->build) : NULL;
		im->run = pg_strdup(m->run);
		im->payload_len = tar.len;
		im->payload = keep_payload(p, &tar);
	}
	if (p->dir_spec) {
		const pg_manifest *m = p->dir_spec;
		pg_spec *sp;
		char *file = pg_path_join(m->dir, PG_SPEC_FILE);
		if ((err = dir_payload(&tar, m)) == 0 &&
		    (err = pg_payload_read(&src, tar.ptr, tar.len, PG_SPEC_FILE, PG_YAML_MAX_BYTES)) == 0 &&
		    (err = pg_spec_parse(&sp, p->idl, src.ptr, src.len, file)) == 0) {
			pg_vspec *vs = add_spec(p);
			payload_key(vs->key, &tar);
			vs->name = pg_strdup(m->name);
			vs->spec = sp;
			vs->payload_len = tar.len;
			vs->payload = keep_payload(p, &tar);
		}
		free(file);
	}
	(void)ctx;
	pg_buf_free(&tar);
	pg_buf_free(&src);
	return err;
}

/* A working directory or a store object names the interface to verify. */
static int plan_target(struct pg_ctx *ctx, struct plan *p, const char *arg)
{
	struct stat st;
	pg_index_row row;
	int err;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		pg_manifest *m;
		if ((err = pg_manifest_load(&m, arg)) < 0)
			return err;
		if (m->type != PG_T_IMPL && m->type != PG_T_SPEC) {
			err = pg_error_set(PG_EINVALID, "%s: pg verify takes an impl or spec directory, not %s %s",
					   m->path, pg_otype_name(m->type), m->name);
			pg_manifest_free(m);
			return err;
		}
		if (m->type == PG_T_IMPL)
			p->dir_impl = m;
		else
			p->dir_spec = m;
		size_t n = strlen(m->interface);
		if (n >= 4 && n <= PG_HEX_LEN && pg_is_hex(m->interface, n) &&
		    resolve_object(ctx, &row, m->interface, PG_T_INTERFACE) == 0)
			err = 0;
		else if ((err = resolve_interface(ctx, &row, m->interface)) < 0)
			return pg_error_prefix(err, "%s: ", m->path);
	} else {
		size_t n = strlen(arg);
		err = PG_ENOTFOUND;
		if (n >= 4 && n <= PG_HEX_LEN && pg_is_hex(arg, n)) {
			err = resolve_object(ctx, &row, arg, PG_T_NONE);
			if (err == 0 && (!strcmp(row.type, "impl") || !strcmp(row.type, "spec"))) {
				char **only = !strcmp(row.type, "impl") ? &p->only_impl : &p->only_spec;
				*only = pg_strdup(row.id);
				pg_object *o;
				if ((err = read_object(ctx, &o, &row)) == 0) {
					char iface[PG_HEX_LEN + 1];
					snprintf(iface, sizeof(iface), "%s", pg_object_get(o, "interface"));
					pg_object_free(o);
					pg_index_row_clear(&row);
					err = pg_index_get(ctx->index, &row, iface);
				}
			} else if (err == 0 && strcmp(row.type, "interface")) {
				err = pg_error_set(PG_EINVALID, "%.12s is %s %s: pg verify takes an interface, impl or spec",
						   row.id, row.type, row.name ? row.name : "");
				pg_index_row_clear(&row);
			}
		}
		if (err == PG_ENOTFOUND)
			err = resolve_interface(ctx, &row, arg);
		if (err < 0)
			return err;
	}
	if (err < 0)
		return err;
	memcpy(p->iface, row.id, sizeof(p->iface));
	memcpy(p->iface_author, row.author, sizeof(p->iface_author));
	p->ifname = pg_strdup(row.name);
	err = load_idl(ctx, &p->idl, &row);
	pg_index_row_clear(&row);
	return err;
}

static int impl_cmp(const void *a, const void *b)
{
	const pg_vimpl *x = a, *y = b;
	int d = strcmp(x->name, y->name);
	return d ? d : strcmp(x->id, y->id);
}

static int spec_cmp(const void *a, const void *b)
{
	const pg_vspec *x = a, *y = b;
	int d = strcmp(x->name, y->name);
	return d ? d : strcmp(x->id, y->id);
}

/* The interface's impls and specs, in name order for a stable report. */
static int plan_gather(struct pg_ctx *ctx, struct plan *p)
{
	struct gather g = { ctx, p, 0 };
	int err = plan_dirs(ctx, p);
	if (err == 0)
		err = pg_index_links(ctx->index, p->iface, 1, gather_link, &g);
	if (err == 0 && !g.err) {
		if (p->v.nimpls)
			qsort(p->v.impls, p->v.nimpls, sizeof(*p->v.impls), impl_cmp);
		if (p->v.nspecs)
			qsort(p->v.specs, p->v.nspecs, sizeof(*p->v.specs), spec_cmp);
	}
	return err < 0 ? err : g.err;
}

int plan_load(struct pg_ctx *ctx, struct plan *p, const char *arg)
{
	int err = plan_target(ctx, p, arg);
	if (err == 0)
		err = plan_gather(ctx, p);
	if (err == 0)
		p->v.idl = p->idl;
	return err;
}

void plan_free(struct plan *p)
{
	pg_verify_clear(&p->v);
	free(p->v.impls);
	free(p->v.specs);
	for (size_t i = 0; i < p->npayloads; i++)
		pg_buf_free(&p->payloads[i]);
	free(p->payloads);
	pg_idl_free(p->idl);
	pg_manifest_free(p->dir_impl);
	pg_manifest_free(p->dir_spec);
	free(p->ifname);
	free(p->only_impl);
	free(p->only_spec);
}

/* --- output ------------------------------------------------------------- */

static void progress(void *data, const char *phase, size_t done, size_t total)
{
	(void)data;
	fprintf(stderr, "\rverify: %-6s %zu/%zu\033[K", phase, done, total);
	if (done == total && !strcmp(phase, "judge"))
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

static const char *impl_label(const pg_vimpl *im)
{
	return im->name ? im->name : "(working directory)";
}

static void print_failure(struct pg_ctx *ctx, const pg_failure *f)
{
	printf("    %s%s%s %s\n", color(ctx, f->errored ? C_DIM : C_BAD), f->errored ? "undecided:" : "first failure:",
	       color(ctx, C_RESET), f->what);
	if (f->call)
		printf("      call      %s\n", f->call);
	if (f->input)
		printf("      input     %s%s\n", f->input, f->shrunk ? "   (shrunk)" : "");
	if (f->expected)
		printf("      expected  %s\n", f->expected);
	printf("      %s  ", f->expected ? "actual  " : "reason  ");
	for (const char *s = f->actual; *s; s++) { /* keep multi-line reasons indented */
		putchar(*s);
		if (*s == '\n' && s[1])
			fputs("                ", stdout);
	}
	putchar('\n');
}

static void print_table(struct pg_ctx *ctx, const struct plan *p)
{
	const pg_verify *v = &p->v;
	printf("%s%s%s (%.12s)\n", color(ctx, C_NAME), p->ifname, color(ctx, C_RESET), p->iface);
	printf("  %-24s %-24s %7s %7s %8s\n", "impl", "spec", "passed", "failed", "errored");
	for (size_t i = 0; i < v->nverdicts; i++) {
		const pg_verdict *vd = &v->verdicts[i];
		const pg_vimpl *im = &v->impls[vd->impl];
		int bad = vd->failed > 0;
		printf("  %s%-24s%s %-24s %7zu %s%7zu%s %8zu\n", color(ctx, bad ? C_BAD : C_OK), impl_label(im),
		       color(ctx, C_RESET), v->specs[vd->spec].name, vd->passed, color(ctx, bad ? C_BAD : C_RESET),
		       vd->failed, color(ctx, C_RESET), vd->errored);
		const pg_failure *first = NULL;
		for (size_t k = 0; k < vd->nfails && !first; k++)
			if (!vd->fails[k].errored && strncmp(vd->fails[k].actual, "not run:", 8))
				first = &vd->fails[k];
		for (size_t k = 0; k < vd->nfails && !first; k++)
			if (!vd->fails[k].errored)
				first = &vd->fails[k];
		if (!first && vd->nfails)
			first = &vd->fails[0];
		if (first)
			print_failure(ctx, first);
	}
}

static json_t *verdict_json(const struct plan *p, const pg_verdict *vd)
{
	const pg_vimpl *im = &p->v.impls[vd->impl];
	const pg_vspec *vs = &p->v.specs[vd->spec];
	json_t *fails = json_array();
	for (size_t k = 0; k < vd->nfails; k++) {
		const pg_failure *f = &vd->fails[k];
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b}", "case", f->case_id, "what", f->what, "actual",
				      f->actual, "shrunk", f->shrunk, "undecided", f->errored);
		if (f->call)
			json_object_set_new(o, "call", json_string(f->call));
		if (f->input)
			json_object_set_new(o, "input", json_string(f->input));
		if (f->expected)
			json_object_set_new(o, "expected", json_string(f->expected));
		json_array_append_new(fails, o);
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}", "interface", p->ifname, "impl",
			      impl_label(im), "spec", vs->name, "passed", (json_int_t)vd->passed, "failed",
			      (json_int_t)vd->failed, "errored", (json_int_t)vd->errored, "log", vd->log_hash,
			      "failures", fails);
	json_object_set_new(o, "impl_id", *im->id ? json_string(im->id) : json_null());
	json_object_set_new(o, "spec_id", *vs->id ? json_string(vs->id) : json_null());
	return o;
}

/* Each line of a verdict's log: status, case id, what (and why). */
struct logline {
	const char *status; /* "ok", "not ok", "skip" */
	const char *id;
	char *what, *why;
};

static int next_logline(const char **pos, struct logline *l)
{
	const char *s = *pos;
	if (!s || !*s)
		return 0;
	const char *nl = strchr(s, '\n');
	size_t n = nl ? (size_t)(nl - s) : strlen(s);
	char *line = pg_strndup(s, n);
	*pos = nl ? nl + 1 : s + n;
	l->status = !strncmp(line, "ok ", 3) ? "ok" : !strncmp(line, "skip ", 5) ? "skip" : "not ok";
	char *p = line + strlen(l->status) + 1;
	char *sp = strchr(p, ' ');
	static _Thread_local char id[64];
	snprintf(id, sizeof(id), "%.*s", sp ? (int)(sp - p) : (int)strlen(p), p);
	l->id = id;
	char *rest = sp ? sp + 1 : p + strlen(p);
	char *colon = strcmp(l->status, "ok") ? strstr(rest, ": ") : NULL;
	l->what = pg_strndup(rest, colon ? (size_t)(colon - rest) : strlen(rest));
	l->why = colon ? pg_strdup(colon + 2) : NULL;
	free(line);
	return 1;
}

static int write_junit(const char *path, struct plan *plans, size_t nplans)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return pg_error_set(PG_ERROR, "cannot write '%s': %m", path);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pg verify\">\n", f);
	for (size_t pi = 0; pi < nplans; pi++) {
		const pg_verify *v = &plans[pi].v;
		for (size_t i = 0; i < v->nverdicts; i++) {
			const pg_verdict *vd = &v->verdicts[i];
			fputs("  <testsuite name=\"", f);
			xml_text(f, impl_label(&v->impls[vd->impl]));
			fputs(" x ", f);
			xml_text(f, v->specs[vd->spec].name);
			fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
				vd->passed + vd->failed + vd->errored, vd->failed, vd->errored);
			const char *pos = vd->log.ptr;
			struct logline l;
			while (next_logline(&pos, &l)) {
				fputs("    <testcase classname=\"", f);
				xml_text(f, plans[pi].ifname);
				fputs("\" name=\"", f);
				xml_text(f, l.what);
				fprintf(f, " [%s]\"", l.id);
				if (!strcmp(l.status, "ok"))
					fputs("/>\n", f);
				else {
					fputs(!strcmp(l.status, "skip") ? "><skipped message=\"" : "><failure message=\"", f);
					xml_text(f, l.why);
					fputs("\"/></testcase>\n", f);
				}
				free(l.what);
				free(l.why);
			}
			fputs("  </testsuite>\n", f);
		}
	}
	fputs("</testsuites>\n", f);
	if (fclose(f) != 0)
		return pg_error_set(PG_ERROR, "cannot write '%s': %m", path);
	return 0;
}

static void print_tap(struct plan *plans, size_t nplans)
{
	size_t n = 0;
	for (size_t pi = 0; pi < nplans; pi++)
		for (size_t i = 0; i < plans[pi].v.nverdicts; i++) {
			const pg_verdict *vd = &plans[pi].v.verdicts[i];
			n += vd->passed + vd->failed + vd->errored;
		}
	printf("TAP version 13\n1..%zu\n", n);
	n = 0;
	for (size_t pi = 0; pi < nplans; pi++) {
		const pg_verify *v = &plans[pi].v;
		for (size_t i = 0; i < v->nverdicts; i++) {
			const pg_verdict *vd = &v->verdicts[i];
			const char *pos = vd->log.ptr;
			struct logline l;
			while (next_logline(&pos, &l)) {
				/* a '#' in a description would read as a TAP directive */
				for (char *h = l.what; *h; h++)
					if (*h == '#')
						*h = '-';
				printf("%s %zu - %s x %s: %s [%s]", !strcmp(l.status, "not ok") ? "not ok" : "ok", ++n,
				       impl_label(&v->impls[vd->impl]), v->specs[vd->spec].name, l.what, l.id);
				if (!strcmp(l.status, "skip"))
					printf(" # SKIP %s", l.why ? l.why : "");
				putchar('\n');
				if (!strcmp(l.status, "not ok") && l.why) {
					/* a JSON string is a valid YAML double-quoted scalar */
					json_t *w = json_string(l.why);
					char *q = w ? json_dumps(w, JSON_ENCODE_ANY) : NULL;
					printf("  ---\n  reason: %s\n  ...\n", q ? q : "\"\"");
					free(q);
					json_decref(w);
				}
				free(l.what);
				free(l.why);
			}
		}
	}
	/* a script's TAP may count several tests as one line; pad the plan */
	size_t planned = 0;
	for (size_t pi = 0; pi < nplans; pi++)
		for (size_t i = 0; i < plans[pi].v.nverdicts; i++) {
			const pg_verdict *vd = &plans[pi].v.verdicts[i];
			planned += vd->passed + vd->failed + vd->errored;
		}
	while (n < planned)
		printf("ok %zu - (counted inside a script)\n", ++n);
}

/* --- results ------------------------------------------------------------ */

pg_object *verify_result_object(const pg_key *me, const struct plan *p, const pg_verdict *vd, const char *mach)
{
	const pg_vimpl *im = &p->v.impls[vd->impl];
	const pg_vspec *vs = &p->v.specs[vd->spec];
	pg_object *o = pg_object_new(PG_T_RESULT, me->pk, pg_now());
	pg_buf body = PG_BUF_INIT;
	pg_object_add(o, "kind", "verify");
	pg_object_add(o, "subject", im->id);
	pg_object_add(o, "against", vs->id);
	pg_buf_printf(&body, "result %s\npassed %zu\nfailed %zu\nerrored %zu\n",
		      vd->failed ? "failed" : vd->errored ? "incomplete" : "passed",
		      vd->passed, vd->failed, vd->errored);
	for (size_t k = 0; k < vd->nfail_ids && k < 1000; k++)
		pg_buf_printf(&body, "fail %s\n", vd->fail_ids[k]);
	if (vd->rerun)
		pg_buf_printf(&body, "rerun %s\n", vd->rerun > 0 ? "same" : "differs");
	for (size_t k = 0; k < vd->nsaw; k++)
		pg_buf_printf(&body, "saw %s\n", vd->saw[k]);
	pg_buf_printf(&body, "log %s\nmachine %s\ntool pg %s\n", vd->log_hash, mach, PG_VERSION);
	pg_object_set_body(o, body.ptr, body.len);
	pg_buf_free(&body);
	return o;
}

/* The recorded counterexamples of a plan as a new spec object. */
static int recorded_spec(pg_object **out, pg_buf *payload, const pg_key *me, struct pg_ctx *ctx,
			 const struct plan *p)
{
	pg_buf yaml = PG_BUF_INIT;
	char *tmp = NULL, *file = NULL;
	pg_spec *check = NULL;
	int err;
	*out = NULL;
	pg_verify_recorded_yaml(&yaml, &p->v);
	/* what is published must load like any spec */
	if ((err = pg_spec_parse(&check, p->idl, yaml.ptr, yaml.len, "recorded cases")) < 0)
		goto done;
	tmp = pg_asprintf("%s/tmp/record-%ld", pg_store_path(ctx->store), (long)getpid());
	pg_rmtree(tmp);
	file = pg_path_join(tmp, PG_SPEC_FILE);
	if ((err = pg_mkdir_p(tmp, 0755)) < 0 || (err = pg_write_file_atomic(file, yaml.ptr, yaml.len, 0644)) < 0 ||
	    (err = pg_payload_create(payload, tmp, NULL, pg_manifest_filter, NULL)) < 0)
		goto done;
	uint8_t h[PG_ID_LEN];
	char pid[PG_HEX_LEN + 1], field[PG_HEX_LEN + 32], name[80];
	pg_hash(h, payload->ptr, payload->len);
	pg_hex(pid, h, PG_ID_LEN);
	snprintf(field, sizeof(field), "%s %zu", pid, payload->len);
	snprintf(name, sizeof(name), "%s-counterexamples", pg_gen_base(p->ifname));
	pg_object *o = pg_object_new(PG_T_SPEC, me->pk, pg_now());
	pg_object_add(o, "name", name);
	pg_object_add(o, "interface", p->iface);
	pg_object_add(o, "payload", field);
	const char *desc = "Counterexamples found by pg verify --record, shrunk.\n";
	pg_object_set_body(o, desc, strlen(desc));
	if ((err = pg_object_sign(o, me->sk)) < 0)
		pg_object_free(o);
	else
		*out = o;
done:
	if (tmp)
		pg_rmtree(tmp);
	pg_spec_free(check);
	pg_buf_free(&yaml);
	free(tmp);
	free(file);
	return err;
}

static int publish_results(struct pg_ctx *ctx, const struct opts *o, struct plan *plans, size_t nplans,
			   size_t *published, size_t *recorded)
{
	pg_key *me = NULL;
	pg_txn *t = NULL;
	pg_buf idobj = PG_BUF_INIT, payload = PG_BUF_INIT;
	char *mach = pg_machine();
	int err;
	*published = *recorded = 0;
	if ((err = unlock_identity(ctx, &me, o->as)) < 0 || (err = pg_key_identity(&idobj, ctx->home, me->pk)) < 0 ||
	    (err = pg_txn_begin(&t, ctx->store, me, &idobj)) < 0)
		goto done;
	for (size_t pi = 0; pi < nplans && err == 0; pi++) {
		const struct plan *p = &plans[pi];
		for (size_t i = 0; i < p->v.nverdicts && err == 0; i++) {
			const pg_verdict *vd = &p->v.verdicts[i];
			if (!*p->v.impls[vd->impl].id || !*p->v.specs[vd->spec].id)
				continue; /* a working directory has no id to speak of */
			pg_object *r = verify_result_object(me, p, vd, mach);
			if ((err = pg_object_sign(r, me->sk)) < 0) {
				pg_object_free(r);
				break;
			}
			if ((err = pg_txn_add(t, r, NULL, 0)) >= 0) { /* the transaction owns r now */
				*published += err == 0; /* 1: the same result, same second, is in the log */
				err = 0;
			}
		}
		if (o->record && p->v.nrecorded && err == 0) {
			pg_object *s;
			if ((err = recorded_spec(&s, &payload, me, ctx, p)) == 0) {
				char hex[PG_HEX_LEN + 1], *name = pg_strdup(pg_object_get(s, "name"));
				pg_hex(hex, s->id, PG_ID_LEN);
				if ((err = pg_txn_add(t, s, payload.ptr, payload.len)) >= 0) { /* owns s now */
					printf("recorded %zu counterexample%s as spec %s (%.12s)\n", p->v.nrecorded,
					       p->v.nrecorded == 1 ? "" : "s", name, hex);
					*recorded += p->v.nrecorded;
					err = 0;
				}
				free(name);
			}
		}
	}
	if (err == 0 && (*published || *recorded))
		err = pg_txn_commit(t);
done:
	pg_txn_free(t);
	pg_key_free(me);
	pg_buf_free(&idobj);
	pg_buf_free(&payload);
	free(mach);
	return err;
}

/* Keep each verdict's log where its hash says. */
static void keep_logs(struct pg_ctx *ctx, struct plan *plans, size_t nplans)
{
	char *dir = pg_asprintf("%s/cache/logs", pg_store_path(ctx->store));
	pg_mkdir_p(dir, 0755);
	for (size_t pi = 0; pi < nplans; pi++)
		for (size_t i = 0; i < plans[pi].v.nverdicts; i++) {
			const pg_verdict *vd = &plans[pi].v.verdicts[i];
			char *f = pg_path_join(dir, vd->log_hash);
			pg_write_file_atomic(f, vd->log.ptr ? vd->log.ptr : "", vd->log.len, 0644);
			free(f);
		}
	free(dir);
}

/* Where builds live.  As root, the sandbox runs code as a uid of its own,
 * which must be able to reach the build directory; a store under a
 * private directory (/root, a 0700 temporary one) cannot be reached, so
 * root's builds then go to /var/tmp/pg-cache, keyed by content as always. */
static int reachable_by_others(const char *path)
{
	char *p = pg_strdup(path);
	struct stat st;
	int ok = 1;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode) || !(st.st_mode & S_IXOTH))
				ok = 0;
			*s = c;
			if (!c || !ok)
				break;
		}
	}
	free(p);
	return ok;
}

int cache_dir(char **out, struct pg_ctx *ctx)
{
	struct stat st;
	char *abs = realpath(pg_store_path(ctx->store), NULL);
	char *dir = pg_asprintf("%s/cache", abs ? abs : pg_store_path(ctx->store));
	free(abs);
	pg_mkdir_p(dir, 0755);
	if (geteuid() == 0 && !reachable_by_others(dir)) {
		free(dir);
		dir = pg_strdup("/var/tmp/pg-cache");
		pg_mkdir_p(dir, 0755);
		/* anyone can create /var/tmp/pg-cache first: it must be root's alone */
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
			free(dir);
			return pg_error_set(PG_ERROR, "/var/tmp/pg-cache must be a directory owned by root and "
					    "writable only by root; remove it, or run pg verify from a store that "
					    "other users can reach (chmod o+x its parents)");
		}
	}
	*out = dir;
	return 0;
}

/* Does another identity's newest verify result on the same impl and spec
 * say the opposite of what I saw? */
struct dispute {
	const pg_rep *rep;
	pg_verdict *vd;
	const char *spec;
	int mine, found;
};

/* Each other identity's claim on the same impl and spec is noted in my
 * result ('saw'): evidence counts only claims that were there before I
 * looked, so copying my verdicts afterwards earns nothing. */
static int find_dispute(const pg_index_result *r, void *data)
{
	struct dispute *d = data;
	const pg_rep_node *n = pg_rep_find(d->rep, r->author);
	if (strcmp(r->kind, "verify") || strcmp(r->against, d->spec) || (n && n->principal == d->rep->me_node))
		return 0;
	int c = !strcmp(r->verdict, "passed") ? 1 : !strcmp(r->verdict, "failed") ? -1 : 0;
	if (d->vd->nsaw < 100) {
		d->vd->saw = pg_realloc(d->vd->saw, (d->vd->nsaw + 1) * sizeof(*d->vd->saw));
		d->vd->saw[d->vd->nsaw++] = pg_strdup(r->id);
	}
	d->found |= d->mine && c && c != d->mine;
	return 0;
}

/* Run again what others' claims contradict: a difference counts against
 * them only when a second run saw the same (DESIGN.md §7). */
static int confirm_disputed(struct pg_ctx *ctx, struct plan *p, const pg_verify_opts *vo)
{
	const pg_rep *rep;
	pg_verify *v = &p->v;
	int *want = pg_calloc(v->nverdicts + 1, sizeof(*want)), err = ctx_rep(ctx, &rep);
	size_t n = 0, same = 0;
	for (size_t i = 0; i < v->nverdicts && err == 0; i++) {
		pg_verdict *vd = &v->verdicts[i];
		struct dispute d = { rep, vd, v->specs[vd->spec].id, vd->failed ? -1 : vd->errored ? 0 : 1, 0 };
		if (!*v->impls[vd->impl].id || !*d.spec)
			continue;
		err = pg_index_results(ctx->index, v->impls[vd->impl].id, find_dispute, &d);
		want[i] = d.found;
		n += d.found;
	}
	if (err == 0 && n) {
		info(ctx, "%s: %zu verdict%s contradict%s another identity's claim; running %s again to confirm", p->ifname,
		     n, n == 1 ? "" : "s", n == 1 ? "s" : "", n == 1 ? "it" : "them");
		err = pg_verify_rerun(v, vo, want);
		for (size_t i = 0; i < v->nverdicts && err == 0; i++) {
			const pg_verdict *vd = &v->verdicts[i];
			same += want[i] && vd->rerun > 0;
			if (want[i] && vd->rerun < 0)
				info(ctx, "note: %s on spec %s came out differently the second time (flaky): no one's "
					  "claim is held against them for it", v->impls[vd->impl].name,
				     v->specs[vd->spec].name);
		}
		if (err == 0 && same)
			info(ctx, "confirmed %zu of %zu: the claims that say otherwise now count against their signers",
			     same, n);
	}
	free(want);
	return err;
}

int cmd_verify(int argc, const char **argv, struct pg_ctx *ctx)
{
	struct opts o = { 0 };
	const struct option opts[] = {
		OPT_INT('j', "jobs", &o.jobs, "N", "builds and runs at once (default: the number of cores)"),
		OPT_BOOL(0, "json", &o.json, "print the verdicts as JSON"),
		OPT_STRING(0, "junit", &o.junit, "FILE", "also write JUnit XML to FILE"),
		OPT_BOOL(0, "tap", &o.tap, "print TAP, one line per case"),
		OPT_BOOL(0, "record", &o.record, "publish shrunk counterexamples as a new spec"),
		OPT_BOOL(0, "all-specs", &o.all_specs, "also run specs by authors you do not trust"),
		OPT_BOOL(0, "no-publish", &o.no_publish, "do not publish result objects"),
		OPT_BOOL(0, "no-sandbox", &o.no_sandbox, "run code WITHOUT bubblewrap (only code you trust)"),
		OPT_STRING(0, "as", &o.as, "KEY", "sign results as this identity"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "no progress, no notes on stderr"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (o.json + o.tap > 1)
		return usage_error(&help, opts, "--json and --tap cannot be combined");
	if (o.jobs < 0 || o.jobs > 64)
		return usage_error(&help, opts, "-j takes 1 to 64 (0 or none: the number of cores)");
	if (o.record && o.no_publish)
		return usage_error(&help, opts, "--record publishes; it cannot be combined with --no-publish");
	int err;
	if (!o.no_sandbox && (err = pg_sandbox_check()) < 0)
		return report(err);

	/* the plans: one per target, or one per interface that has impls */
	struct plan *plans = NULL;
	size_t nplans = 0;
	char (*every)[PG_HEX_LEN + 1] = NULL;
	size_t nevery = 0;
	if (argc == 0) {
		if ((err = interfaces_with(ctx, PG_T_IMPL, &every, &nevery)) < 0)
			return report(err);
		if (!nevery) {
			info(ctx, "nothing to verify: the store has no implementations");
			return EXIT_OK;
		}
	}
	size_t ntargets = argc ? (size_t)argc : nevery;
	plans = pg_calloc(ntargets, sizeof(*plans));
	err = 0;
	for (size_t i = 0; i < ntargets && err == 0; i++) {
		struct plan *p = &plans[nplans++];
		p->all_specs = o.all_specs;
		err = plan_load(ctx, p, argc ? argv[i] : every[i]);
		if (err == 0 && !p->v.nspecs)
			info(ctx, "%s (%.12s) has no spec to verify against", p->ifname, p->iface);
		if (err == 0 && !p->v.nimpls)
			info(ctx, "%s (%.12s) has no implementation", p->ifname, p->iface);
	}
	free(every);

	char *cache = NULL;
	if (err == 0)
		err = cache_dir(&cache, ctx);
	pg_verify_opts vo = { .cache = cache, .jobs = o.jobs ? (unsigned)o.jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
			      .no_sandbox = o.no_sandbox,
			      .progress = show_progress(ctx) ? progress : NULL };
	if (o.no_sandbox && err == 0) /* a warning, printed even with -q */
		fprintf(stderr, "warning: --no-sandbox: running the implementations' code unconfined\n");
	for (size_t i = 0; i < nplans && err == 0; i++)
		err = pg_verify_run(&plans[i].v, &vo);
	for (size_t i = 0; i < nplans && err == 0; i++)
		err = confirm_disputed(ctx, &plans[i], &vo);
	free(cache);

	size_t failed = 0, errored = 0, verdicts = 0;
	for (size_t i = 0; i < nplans && err == 0; i++)
		for (size_t k = 0; k < plans[i].v.nverdicts; k++) {
			failed += plans[i].v.verdicts[k].failed;
			errored += plans[i].v.verdicts[k].errored;
			verdicts++;
		}
	if (err == 0) {
		keep_logs(ctx, plans, nplans);
		if (o.json) {
			json_t *arr = json_array();
			for (size_t i = 0; i < nplans; i++)
				for (size_t k = 0; k < plans[i].v.nverdicts; k++)
					json_array_append_new(arr, verdict_json(&plans[i], &plans[i].v.verdicts[k]));
			json_t *doc = json_pack("{s:b, s:I, s:I, s:o}", "ok", failed == 0, "failed", (json_int_t)failed,
						"errored", (json_int_t)errored, "verdicts", arr);
			json_dumpf(doc, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(doc);
		} else if (o.tap) {
			print_tap(plans, nplans);
		} else {
			for (size_t i = 0; i < nplans; i++)
				print_table(ctx, &plans[i]);
		}
		if (o.junit)
			err = write_junit(o.junit, plans, nplans);
	}
	uint8_t pk[PG_PK_LEN];
	int anonymous = !o.as && pg_key_get_current(pk, ctx->home) < 0;
	if (err == 0 && !o.no_publish && verdicts && anonymous && !o.record) {
		/* verifying needs no key; only signing what was seen does */
		info(ctx, "note: no identity in use, so no results were published ('pg id new --name NAME' "
			  "makes one; --no-publish says this is intended)");
	} else if (err == 0 && !o.no_publish && verdicts) {
		size_t published, recorded;
		if ((err = publish_results(ctx, &o, plans, nplans, &published, &recorded)) == 0) {
			size_t signable = 0;
			for (size_t i = 0; i < nplans; i++)
				for (size_t k = 0; k < plans[i].v.nverdicts; k++)
					signable += *plans[i].v.impls[plans[i].v.verdicts[k].impl].id &&
						    *plans[i].v.specs[plans[i].v.verdicts[k].spec].id;
			if (published)
				info(ctx, "published %zu result%s", published, published == 1 ? "" : "s");
			else if (signable)
				info(ctx, "results unchanged: the same results are in your log already");
			else
				info(ctx, "no results published: only published impls and specs have ids to sign");
			if (o.record && !recorded)
				info(ctx, "nothing to record: no randomized case found a counterexample");
			err = sync_index(ctx);
		}
	}
	for (size_t i = 0; i < nplans; i++)
		plan_free(&plans[i]);
	free(plans);
	if (err < 0)
		return report(err);
	return failed ? EXIT_FAILED : EXIT_OK;
}
