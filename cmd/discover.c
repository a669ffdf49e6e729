/* discover.c - pg discover: interfaces by name, prefix or word, with the
 * evidence behind each (specs, impls, benches, results and who signed them) */
#include "cmd.h"
#include "rank.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg discover geometry::circle\tthat interface, every author's",
	"pg discover geometry\tby prefix: geometry::circle, geometry::...",
	"pg discover sort --json\tby a word of the description too",
	"pg discover --fetch base64\task every remote first: what they hold is fetched, verified and searched too",
	NULL,
};
static const struct cmd_help help = {
	"discover",
	"Find interfaces by exact name, prefix or description word, best-evidenced first",
	"pg discover [--fetch] [--json] WORD", examples,
};

struct found {
	pg_index_row row;
	int match;            /* 0 exact, 1 prefix, 2 word */
	const char *from;     /* --fetch: the remote it just came from, else NULL */
	size_t specs, impls, benches, results, signers;
	char best[128];
	double best_score;
};

struct collect {
	struct found *f;
	size_t n;
	int match;
};

static int add(const pg_index_row *r, void *data)
{
	struct collect *c = data;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->f[i].row.id, r->id))
			return 0;
	c->f = pg_realloc(c->f, (c->n + 1) * sizeof(*c->f));
	struct found *f = &c->f[c->n++];
	memset(f, 0, sizeof(*f));
	pg_index_row_copy(&f->row, r);
	f->match = c->match;
	return 0;
}

static int count(const pg_index_row *r, void *data)
{
	(void)r;
	++*(size_t *)data;
	return 0;
}

struct signers {
	char (*keys)[PG_HEX_LEN + 1];
	size_t n, results;
};

static int add_signer(const pg_index_result *r, void *data)
{
	struct signers *s = data;
	s->results++;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i], r->author))
			return 0;
	s->keys = pg_realloc(s->keys, (s->n + 1) * sizeof(*s->keys));
	memcpy(s->keys[s->n++], r->author, PG_HEX_LEN + 1);
	return 0;
}

static int evidence(struct pg_ctx *ctx, struct found *f)
{
	pg_ranking rk;
	struct signers s = { NULL, 0, 0 };
	int err;
	if ((err = pg_index_linked(ctx->index, f->row.id, "interface", "spec", count, &f->specs)) < 0 ||
	    (err = pg_index_linked(ctx->index, f->row.id, "interface", "bench", count, &f->benches)) < 0 ||
	    (err = rank_trusted(ctx, &rk, f->row.id)) < 0)
		return err;
	f->impls = rk.n;
	for (size_t i = 0; i < rk.n && err == 0; i++)
		err = pg_index_results(ctx->index, rk.rows[i].impl.id, add_signer, &s);
	if (rk.n && rk.rows[0].status <= PG_RANK_UNBENCHED) {
		snprintf(f->best, sizeof(f->best), "%s", rk.rows[0].impl.name ? rk.rows[0].impl.name : "?");
		f->best_score = rk.rows[0].status == PG_RANK_RANKED ? rk.rows[0].score : 0;
	}
	f->results = s.results;
	f->signers = s.n;
	free(s.keys);
	pg_ranking_free(&rk);
	return err;
}

static int found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->match != y->match)
		return x->match - y->match;
	size_t ex = x->results + x->impls + x->specs, ey = y->results + y->impls + y->specs;
	if (x->signers != y->signers)
		return x->signers > y->signers ? -1 : 1;
	if (ex != ey)
		return ex > ey ? -1 : 1;
	int d = strcmp(x->row.name, y->row.name);
	return d ? d : strcmp(x->row.id, y->row.id);
}

/* The interfaces a fetch brought in, by id, and from which remote. */
struct arrived {
	char (*ids)[PG_HEX_LEN + 1];
	const char **from;
	size_t n;
};

static const char *arrived_from(const struct arrived *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->ids[i], id))
			return a->from[i];
	return NULL;
}

/* --fetch: every remote, fetched and verified as 'pg fetch --all' does, so
 * that interfaces published elsewhere are found too.  A remote that cannot
 * be reached, or a log one of them sent that was refused, is a warning:
 * the search goes on over what this store holds. */
static int ask_remotes(struct pg_ctx *ctx, struct arrived *a, pg_remote_info **rs, size_t *nr)
{
	int err = pg_remote_list(rs, nr, ctx->store);
	if (err < 0)
		return err;
	if (!*nr)
		fprintf(stderr, "warning: no remotes to ask ('pg remote add NAME URL'); searching this store only\n");
	pg_sync_opts o;
	struct sync_ui ui;
	sync_opts_init(ctx, &o, &ui);
	for (size_t i = 0; i < *nr; i++) {
		const char *name = (*rs)[i].name;
		pg_sync_report r;
		int failed = pg_fetch(&r, ctx->store, name, &o) < 0;
		if (ui.shown)
			fputc('\n', stderr), ui.shown = 0;
		if (failed) {
			fprintf(stderr, "warning: cannot ask %s: %s\n", name, pg_error_last());
			pg_error_clear();
			pg_sync_report_clear(&r);
			continue;
		}
		for (size_t k = 0; k < r.nlogs; k++) {
			const pg_sync_log *l = &r.logs[k];
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, l->publisher, PG_PK_LEN);
			if (l->outcome == PG_SYNC_REFUSED)
				fprintf(stderr, "warning: %s sent a log of %.12s that was refused: %s: %s\n", name, hex,
					l->kind, l->reason);
			for (size_t j = 0; l->outcome == PG_SYNC_ADOPTED && j < l->nobjs; j++) {
				if (l->objs[j].type != PG_T_INTERFACE)
					continue;
				a->ids = pg_realloc(a->ids, (a->n + 1) * sizeof(*a->ids));
				a->from = pg_realloc(a->from, (a->n + 1) * sizeof(*a->from));
				pg_hex(a->ids[a->n], l->objs[j].id, PG_ID_LEN);
				a->from[a->n++] = name;
			}
		}
		info(ctx, "asked %s: %zu new object%s", name, r.objects, r.objects == 1 ? "" : "s");
		pg_sync_report_clear(&r);
	}
	sync_opts_free(&o, &ui);
	return sync_index(ctx);
}

int cmd_discover(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0, fetch = 0, err = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "fetch", &fetch, "ask every remote first: fetch and verify what they hold, as 'pg fetch --all'"),
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc != 1)
		return usage_error(&help, opts, "give one name, prefix or word");
	const char *w = argv[0];
	struct collect c = { NULL, 0, 0 };
	struct arrived a = { NULL, NULL, 0 };
	pg_remote_info *remotes = NULL;
	size_t nremotes = 0;
	if (fetch && (err = ask_remotes(ctx, &a, &remotes, &nremotes)) < 0)
		goto done;
	pg_find_term exact[] = { { "type", '=', "interface" }, { "name", '=', w } };
	pg_find_term word[] = { { "type", '=', "interface" }, { "about", '~', w } };
	char *glob = pg_asprintf("%s*", w);
	pg_query prefix = { .type = "interface", .name = glob };
	if ((err = pg_index_find(ctx->index, exact, 2, 0, add, &c)) == 0 && (c.match = 1) &&
	    (err = pg_index_query(ctx->index, &prefix, add, &c)) == 0 && (c.match = 2))
		err = pg_index_find(ctx->index, word, 2, 0, add, &c);
	free(glob);
	for (size_t i = 0; i < c.n && err == 0; i++) {
		c.f[i].from = arrived_from(&a, c.f[i].row.id);
		err = evidence(ctx, &c.f[i]);
	}
	if (err == 0 && c.n)
		qsort(c.f, c.n, sizeof(*c.f), found_cmp);
	json_t *arr = json ? json_array() : NULL;
	if (err == 0 && !json && c.n)
		printf("%-12s  %-24s %-10s %5s %5s %7s %7s %7s  %s\n", "id", "interface", "author", "specs", "impls",
		       "benches", "results", "signers", "best impl");
	for (size_t i = 0; i < c.n && err == 0; i++) {
		const struct found *f = &c.f[i];
		if (json) {
			json_t *o = row_json(&f->row);
			json_object_set_new(o, "match", json_string(f->match == 0 ? "name" : f->match == 1 ? "prefix" : "word"));
			json_object_set_new(o, "specs", json_integer((json_int_t)f->specs));
			json_object_set_new(o, "impls", json_integer((json_int_t)f->impls));
			json_object_set_new(o, "benches", json_integer((json_int_t)f->benches));
			json_object_set_new(o, "results", json_integer((json_int_t)f->results));
			json_object_set_new(o, "signers", json_integer((json_int_t)f->signers));
			json_object_set_new(o, "best", f->best[0] ? json_string(f->best) : json_null());
			json_object_set_new(o, "fetched_from", f->from ? json_string(f->from) : json_null());
			json_array_append_new(arr, o);
			continue;
		}
		char best[160] = "-";
		if (f->best[0] && f->best_score > 0)
			snprintf(best, sizeof(best), "%s (%.3f x baseline)", f->best, f->best_score);
		else if (f->best[0])
			snprintf(best, sizeof(best), "%s (verified, unbenched)", f->best);
		printf("%s%.12s%s  %s%-24s%s %-10.10s %5zu %5zu %7zu %7zu %7zu  %s%s%s\n", color(ctx, C_ID), f->row.id,
		       color(ctx, C_RESET), color(ctx, C_NAME), f->row.name, color(ctx, C_RESET), author_label(&f->row),
		       f->specs, f->impls, f->benches, f->results, f->signers, best, f->from ? "  new from " : "",
		       f->from ? f->from : "");
	}
	if (json && err == 0) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	if (err == 0 && !c.n)
		info(ctx, "no interface is named '%s', starts with it, or mentions it", w);
done:
	for (size_t i = 0; i < c.n; i++)
		pg_index_row_clear(&c.f[i].row);
	free(c.f);
	free(a.ids);
	free(a.from);
	pg_remote_list_free(remotes, nremotes);
	return err < 0 ? report(err) : c.n ? EXIT_OK : EXIT_NOTFOUND;
}
