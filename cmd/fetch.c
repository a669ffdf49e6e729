/* fetch.c - pg fetch and pg pull; the sync output shared with clone and bundle */
#include "cmd.h"
#include "trust.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- shared: options, progress, the report -------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(void *data, const char *stage, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct sync_ui *ui = data;
	double t = now_s();
	int fin = total && done >= total;
	if (!fin && strcmp(ui->stage, stage) == 0 && t - ui->last < 0.1)
		return;
	ui->last = t;
	snprintf(ui->stage, sizeof(ui->stage), "%s", stage);
	const char *what = !strcmp(stage, "verifying") ? "logs" : "objects";
	if (total)
		fprintf(stderr, "\r%s %s: %3u%% (%llu/%llu)", stage, what, (unsigned)(100 * done / total),
			(unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "\r%s %s: %llu", stage, what, (unsigned long long)done);
	if (bytes)
		fprintf(stderr, ", %.1f MiB", (double)bytes / (1 << 20));
	fputs(fin ? ", done.\033[K\n" : "\033[K", stderr);
	ui->shown = !fin;
}

void sync_opts_init(struct pg_ctx *ctx, pg_sync_opts *o, struct sync_ui *ui)
{
	memset(o, 0, sizeof(*o));
	memset(ui, 0, sizeof(*ui));
	ui->ctx = ctx;
	if (show_progress(ctx)) {
		o->progress = progress;
		o->data = ui;
	}
	/* the logs push may reject: those of every key the user holds */
	pg_key **keys;
	size_t nkeys;
	if (ctx->home && pg_key_list(&keys, &nkeys, ctx->home) == 0) {
		uint8_t(*own)[PG_PK_LEN] = pg_calloc(nkeys + 1, PG_PK_LEN);
		for (size_t i = 0; i < nkeys; i++)
			memcpy(own[i], keys[i]->pk, PG_PK_LEN);
		o->own = (const uint8_t(*)[PG_PK_LEN])own;
		o->nown = nkeys;
		pg_key_list_free(keys, nkeys);
	} else {
		pg_error_clear();
	}
	/* the publishers I blocked (published or private, any of their keys,
	 * and keys blocked before their logs were ever seen) */
	const pg_rep *rep;
	if (!ctx->index || ctx_rep(ctx, &rep) < 0) {
		pg_error_clear();
		return;
	}
	uint8_t(*bk)[PG_PK_LEN] = pg_calloc(rep->n + rep->nblocked + 1, PG_PK_LEN);
	size_t n = 0;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->nodes[rep->nodes[i].principal].flags & PG_REP_BLOCKED)
			pg_unhex(bk[n++], rep->nodes[i].key, PG_PK_LEN);
	for (size_t i = 0; i < rep->nblocked; i++)
		if (!pg_rep_find(rep, rep->blocked_objects[i]))
			pg_unhex(bk[n++], rep->blocked_objects[i], PG_PK_LEN);
	o->blocked = (const uint8_t(*)[PG_PK_LEN])bk;
	o->nblocked = n;
}

void sync_opts_free(pg_sync_opts *o, struct sync_ui *ui)
{
	if (ui->shown)
		fputc('\n', stderr);
	free((void *)o->blocked);
	free((void *)o->own);
	o->blocked = NULL;
	o->nblocked = 0;
	o->own = NULL;
	o->nown = 0;
}

struct first_name {
	char *name;
};

static int take_name(const pg_index_row *row, void *data)
{
	struct first_name *f = data;
	if (!f->name && row->name)
		f->name = pg_strdup(row->name);
	return 0;
}

char *identity_name(struct pg_ctx *ctx, const char *publisher)
{
	struct first_name f = { NULL };
	pg_query q = { .type = "identity", .author = publisher };
	if (ctx->index && pg_index_query(ctx->index, &q, take_name, &f) < 0)
		pg_error_clear();
	return f.name;
}

/* The publisher's name: its identity in the log, else in the index. */
static char *publisher_name(struct pg_ctx *ctx, const pg_sync_log *l)
{
	for (size_t i = 0; i < l->nobjs; i++)
		if (l->objs[i].type == PG_T_IDENTITY && l->objs[i].name)
			return pg_strdup(l->objs[i].name);
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, l->publisher, PG_PK_LEN);
	return identity_name(ctx, hex);
}

static const char *outcome_name(enum pg_sync_outcome o)
{
	return o == PG_SYNC_ADOPTED ? "adopted" : o == PG_SYNC_REFUSED ? "refused" : "behind";
}

#define LIST_MAX 20 /* new objects listed per log */

void sync_report_print(struct pg_ctx *ctx, const pg_sync_report *r, int list_new)
{
	for (size_t i = 0; i < r->nlogs; i++) {
		const pg_sync_log *l = &r->logs[i];
		if (ctx->quiet && l->outcome != PG_SYNC_REFUSED)
			continue; /* -q: only refusals and errors */
		char hex[PG_HEX_LEN + 1];
		char *name = publisher_name(ctx, l);
		pg_hex(hex, l->publisher, PG_PK_LEN);
		if (l->outcome != PG_SYNC_REFUSED && ctx->quiet) {
			free(name);
			continue;
		}
		if (l->outcome == PG_SYNC_REFUSED) {
			printf("  %srefused%s %s (%.12s): %s: %s\n", color(ctx, C_BAD), color(ctx, C_RESET),
			       name ? name : "?", hex, l->kind, l->reason);
			free(name);
			continue;
		}
		size_t count[PG_T__COUNT] = { 0 };
		for (size_t k = 0; k < l->nobjs; k++)
			count[l->objs[k].type]++;
		printf("  %s%s%s (%.12s): seq %llu..%llu, %zu object%s", color(ctx, C_NAME), name ? name : "?",
		       color(ctx, C_RESET), hex, (unsigned long long)l->from_seq + 1, (unsigned long long)l->to_seq,
		       l->nobjs, l->nobjs == 1 ? "" : "s");
		const char *sep = ": ";
		for (int t = 1; t < PG_T__COUNT; t++)
			if (count[t]) {
				printf("%s%zu %s%s", sep, count[t], pg_otype_name((pg_otype)t), count[t] == 1 ? "" : "s");
				sep = ", ";
			}
		putchar('\n');
		for (size_t k = 0; list_new && k < l->nobjs && k < LIST_MAX; k++) {
			char id[PG_HEX_LEN + 1];
			pg_hex(id, l->objs[k].id, PG_ID_LEN);
			printf("    %s%-9s%s %s%.12s%s %s\n", color(ctx, C_TYPE), pg_otype_name(l->objs[k].type),
			       color(ctx, C_RESET), color(ctx, C_ID), id, color(ctx, C_RESET),
			       l->objs[k].name ? l->objs[k].name : "");
		}
		if (list_new && l->nobjs > LIST_MAX)
			printf("    ... and %zu more ('pg log %.12s')\n", l->nobjs - LIST_MAX, hex);
		free(name);
	}
	if (r->warning)
		fprintf(stderr, "warning: %s\n", r->warning);
	info(ctx, "%s: adopted %zu log%s (%zu new object%s), refused %zu", r->source, r->adopted,
	     r->adopted == 1 ? "" : "s", r->objects, r->objects == 1 ? "" : "s", r->refused);
}

json_t *sync_report_json(struct pg_ctx *ctx, const pg_sync_report *r)
{
	json_t *logs = json_array();
	for (size_t i = 0; i < r->nlogs; i++) {
		const pg_sync_log *l = &r->logs[i];
		char hex[PG_HEX_LEN + 1], old[GIT_OID_HEXSZ + 1], new[GIT_OID_HEXSZ + 1];
		char *name = publisher_name(ctx, l);
		pg_hex(hex, l->publisher, PG_PK_LEN);
		git_oid_tostr(old, sizeof(old), &l->old_tip);
		git_oid_tostr(new, sizeof(new), &l->new_tip);
		json_t *objs = json_array();
		for (size_t k = 0; k < l->nobjs; k++) {
			char id[PG_HEX_LEN + 1];
			pg_hex(id, l->objs[k].id, PG_ID_LEN);
			json_array_append_new(objs, json_pack("{s:s, s:s, s:s?}", "id", id, "type",
							      pg_otype_name(l->objs[k].type), "name", l->objs[k].name));
		}
		json_t *j = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:s, s:s, s:o}", "publisher", hex, "name", name,
				      "outcome", outcome_name(l->outcome), "from_seq", (json_int_t)l->from_seq, "to_seq",
				      (json_int_t)l->to_seq, "old_tip", git_oid_is_zero(&l->old_tip) ? "" : old,
				      "new_tip", new, "objects", objs);
		if (l->outcome == PG_SYNC_REFUSED) {
			json_object_set_new(j, "kind", json_string(l->kind));
			json_object_set_new(j, "reason", json_string(l->reason));
		}
		json_array_append_new(logs, j);
		free(name);
	}
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:s?, s:o}", "source", r->source, "adopted", (json_int_t)r->adopted,
			 "refused", (json_int_t)r->refused, "objects", (json_int_t)r->objects, "received_bytes",
			 (json_int_t)r->received_bytes, "warning", r->warning, "logs", logs);
}

void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

/* --- fetch and pull -------------------------------------------------------- */

static const char *const fetch_examples[] = {
	"pg fetch hub\tfetch into quarantine, verify, adopt what passes",
	"pg fetch --all\tevery remote",
	"pg fetch --json hub\twhat was adopted and refused, as JSON",
	NULL,
};
static const struct cmd_help fetch_help = {
	"fetch", "Fetch remotes' logs into quarantine, verify every new entry, adopt what passes, report what was refused",
	"pg fetch [REMOTE|--all] [--json]", fetch_examples,
};
static const char *const pull_examples[] = {
	"pg pull hub\tfetch, update the index, list what is new and by whom",
	"pg pull\tthe only remote, or 'origin'",
	"pg pull --all --json\tevery remote, as JSON",
	NULL,
};
static const struct cmd_help pull_help = {
	"pull", "Fetch and verify like pg fetch, update the index, and show what is new: interfaces, impls, results, by whom",
	"pg pull [REMOTE|--all] [--json]", pull_examples,
};

/* The remotes a fetch names: one, --all, or the default ('origin', or the
 * only one). */
static int pick_remotes(struct pg_ctx *ctx, char ***out, size_t *n, int argc, const char **argv, int all,
			const struct cmd_help *help, const struct option *opts)
{
	*out = NULL;
	*n = 0;
	if (argc > 1 || (all && argc)) {
		usage_error(help, opts, "name one remote, or --all");
		return PG_EINVALID; /* usage printed */
	}
	if (argc == 1) {
		*out = pg_calloc(1, sizeof(**out));
		(*out)[(*n)++] = pg_strdup(argv[0]);
		return 0;
	}
	pg_remote_info *r;
	size_t nr;
	int err = pg_remote_list(&r, &nr, ctx->store);
	if (err < 0)
		return err;
	*out = pg_calloc(nr + 1, sizeof(**out));
	for (size_t i = 0; i < nr; i++)
		if (all || nr == 1 || !strcmp(r[i].name, "origin"))
			(*out)[(*n)++] = pg_strdup(r[i].name);
	pg_remote_list_free(r, nr);
	if (*n == 0) {
		free(*out);
		*out = NULL;
		return pg_error_set(PG_ENOTFOUND, nr ? "several remotes and none is 'origin': name one, or --all"
						     : "no remotes: 'pg remote add NAME URL' first");
	}
	return 0;
}

/* Fetch each remote, print, and return the exit code; *unreached counts
 * the remotes whose fetch itself failed (NULL: not wanted). */
int sync_remotes(struct pg_ctx *ctx, int argc, const char **argv, int all, int json, int pull,
		 const struct cmd_help *help, const struct option *opts, size_t *unreached)
{
	char **names;
	size_t n;
	int err = pick_remotes(ctx, &names, &n, argc, argv, all, help, opts);
	if (err < 0)
		return err == PG_EINVALID ? EXIT_USAGE : report(err);
	pg_sync_opts o;
	struct sync_ui ui;
	sync_opts_init(ctx, &o, &ui);
	int rc = EXIT_OK;
	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		pg_sync_report r;
		err = pg_fetch(&r, ctx->store, names[i], &o);
		if (ui.shown) {
			fputc('\n', stderr);
			ui.shown = 0;
		}
		if (err < 0) {
			int code = report(err);
			rc = rc == EXIT_OK ? code : rc;
			if (unreached)
				++*unreached;
			pg_sync_report_clear(&r);
			continue;
		}
		if (pull && ctx->index)
			sync_index(ctx);
		if (json)
			json_array_append_new(arr, sync_report_json(ctx, &r));
		else {
			if (!ctx->quiet || r.refused)
				printf("%s%s%s\n", color(ctx, C_NAME), names[i], color(ctx, C_RESET));
			sync_report_print(ctx, &r, pull);
		}
		if (r.refused && rc == EXIT_OK)
			rc = EXIT_REFUSED;
		pg_sync_report_clear(&r);
	}
	sync_opts_free(&o, &ui);
	if (json)
		print_json(json_pack("{s:b, s:o}", "ok", rc == EXIT_OK, "reports", arr));
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int cmd_fetch(int argc, const char **argv, struct pg_ctx *ctx)
{
	int all = 0, json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "all", &all, "fetch every remote"),
		OPT_BOOL(0, "json", &json, "print what was adopted and refused as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only refusals and errors"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &fetch_help);
	return sync_remotes(ctx, argc, argv, all, json, 0, &fetch_help, opts, NULL);
}

int cmd_pull(int argc, const char **argv, struct pg_ctx *ctx)
{
	int all = 0, json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "all", &all, "pull every remote"),
		OPT_BOOL(0, "json", &json, "print what was adopted and refused as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only refusals and errors"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &pull_help);
	return sync_remotes(ctx, argc, argv, all, json, 1, &pull_help, opts, NULL);
}
