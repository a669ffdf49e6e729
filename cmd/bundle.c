/* bundle.c - pg bundle: logs as one file, for offline transfer
 *
 *     pg bundle create FILE [--since WHEN] [--author WHO] [--force]
 *     pg bundle import FILE
 *
 * create writes what pg fetch would bring (log segments as a git pack) into
 * one zstd-compressed tar; import reads it under strict limits and adopts
 * every log through the same checks as pg fetch.
 */
#include "cmd.h"
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg bundle create logs.pgb\tevery log this store holds, in one file",
	"pg bundle create week.pgb --since 7d\tonly the entries of the last week",
	"pg bundle create alice.pgb --author alice\tone publisher's log",
	"pg bundle import logs.pgb\tverify every log like pg fetch, adopt what passes",
	"pg bundle import --json logs.pgb\twhat was adopted and refused, as JSON",
	NULL,
};
static const struct cmd_help help = {
	"bundle",
	"Write logs into one file (a zstd-compressed tar holding a git pack), or import one: every log verified "
	"exactly like pg fetch",
	"pg bundle create FILE [--since WHEN] [--author WHO] [--force] [--json]\n"
	"   or: pg bundle import FILE [--json]",
	examples,
};

static int bundle_create(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *since = NULL, *author = NULL;
	int force = 0, json = 0, err;
	const struct option opts[] = {
		OPT_STRING(0, "since", &since, "WHEN", "only entries since WHEN: 7d, 12h, 2026-11-21 (each log after "
						     "its newest entry before WHEN)"),
		OPT_STRING(0, "author", &author, "WHO", "only this publisher's log (a name or key prefix)"),
		OPT_BOOL('f', "force", &force, "replace FILE if it exists"),
		OPT_BOOL(0, "json", &json, "print what was written as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print nothing on success"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc != 1)
		return usage_error(&help, opts, "'pg bundle create' needs FILE");
	int64_t t = 0;
	if (since && parse_when(since, 0, &t) < 0)
		return usage_error(&help, opts, "--since: %s", pg_error_last());
	uint8_t pk[PG_PK_LEN];
	if (author) {
		char key[PG_HEX_LEN + 1];
		if ((err = resolve_author(ctx, key, author)) < 0)
			return report(err);
		pg_unhex(pk, key, PG_PK_LEN);
	}
	pg_bundle_ref *refs;
	size_t n;
	pg_bundle_stats st;
	if ((err = pg_bundle_select(&refs, &n, ctx->store, ctx->index, author ? pk : NULL, since != NULL, t)) < 0)
		return report(err);
	if ((err = pg_bundle_create(&st, ctx->store, argv[0], refs, n, force)) < 0) {
		free(refs);
		return report(err);
	}
	json_t *logs = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		char hex[PG_HEX_LEN + 1], tip[GIT_OID_HEXSZ + 1], base[GIT_OID_HEXSZ + 1] = "";
		pg_hex(hex, refs[i].publisher, PG_PK_LEN);
		git_oid_tostr(tip, sizeof(tip), &refs[i].tip);
		if (!git_oid_is_zero(&refs[i].base))
			git_oid_tostr(base, sizeof(base), &refs[i].base);
		char *name = identity_name(ctx, hex);
		if (json)
			json_array_append_new(logs, json_pack("{s:s, s:s?, s:s, s:s, s:I, s:I}", "publisher", hex, "name",
							      name, "tip", tip, "base", base, "from_seq",
							      (json_int_t)refs[i].from_seq, "to_seq",
							      (json_int_t)refs[i].to_seq));
		else if (refs[i].to_seq)
			printf("  %s%s%s (%.12s): seq %llu..%llu\n", color(ctx, C_NAME), name ? name : "?",
			       color(ctx, C_RESET), hex, (unsigned long long)refs[i].from_seq,
			       (unsigned long long)refs[i].to_seq);
		else
			printf("  %s%s%s (%.12s): %s up to commit %.10s\n", color(ctx, C_NAME), name ? name : "?",
			       color(ctx, C_RESET), hex, *base ? "after its base" : "the whole log", tip);
		free(name);
	}
	if (json)
		print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "file", argv[0], "logs", (json_int_t)st.logs,
				     "commits", (json_int_t)st.commits, "objects", (json_int_t)st.objects, "bytes",
				     (json_int_t)st.bytes, "refs", logs));
	info(ctx, "wrote %s: %zu log%s, %llu entr%s, %llu git objects, %llu bytes", argv[0], st.logs,
	     st.logs == 1 ? "" : "s", (unsigned long long)st.commits, st.commits == 1 ? "y" : "ies",
	     (unsigned long long)st.objects, (unsigned long long)st.bytes);
	free(refs);
	return EXIT_OK;
}

static int bundle_import(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print what was adopted and refused as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only refusals and errors"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc != 1)
		return usage_error(&help, opts, "'pg bundle import' needs FILE");
	pg_sync_opts o;
	struct sync_ui ui;
	pg_sync_report r;
	int rc;
	sync_opts_init(ctx, &o, &ui);
	int err = pg_bundle_import(&r, ctx->store, argv[0], &o);
	if (ui.shown) {
		fputc('\n', stderr);
		ui.shown = 0;
	}
	if (err < 0) {
		rc = pg_exit_code(err);
		error("%s; nothing was imported", pg_error_last());
		if (json)
			print_json(json_pack("{s:b, s:s, s:s}", "ok", 0, "file", argv[0], "error", pg_error_last()));
	} else {
		if (r.adopted)
			sync_index(ctx);
		if (json) {
			json_t *j = sync_report_json(ctx, &r);
			json_object_set_new(j, "ok", json_boolean(r.refused == 0));
			print_json(j);
		} else {
			sync_report_print(ctx, &r, 1);
		}
		rc = r.refused ? EXIT_REFUSED : EXIT_OK;
	}
	sync_opts_free(&o, &ui);
	pg_sync_report_clear(&r);
	return rc;
}

int cmd_bundle(int argc, const char **argv, struct pg_ctx *ctx)
{
	static const struct subcommand sub[] = { { "create", bundle_create }, { "import", bundle_import }, { NULL, NULL } };
	return run_subcommand(argc, argv, ctx, sub, &help);
}
