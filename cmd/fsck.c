/* fsck.c - pg fsck: re-verify every log, object, signature and payload */
#include "cmd.h"
#include "sync.h"

#include <string.h>

static const char *const examples[] = {
	"pg fsck\tverify everything; exit 1 if anything is wrong",
	"pg fsck --json\ta report for scripts",
	NULL,
};
static const struct cmd_help help = {
	"fsck", "Re-verify every log chain, manifest, object hash and signature, and payload; exit 1 on any problem",
	"pg fsck [--json]", examples,
};

struct counts {
	size_t entries, objects, payloads;
};

static int count(const pg_log_entry *e, void *data)
{
	struct counts *c = data;
	c->entries++;
	c->objects += e->n;
	for (size_t i = 0; i < e->n; i++)
		if (pg_type_schema_get(e->objects[i]->type)->has_payload)
			c->payloads++;
	return 0;
}

int cmd_fsck(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0, err;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON report"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only problems"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg fsck' takes no arguments");

	git_repository *repo = pg_store_repo(ctx->store);
	git_reference_iterator *it;
	const char *name;
	struct counts total = { 0, 0, 0 };
	size_t logs = 0, problems = 0;
	json_t *jlogs = json ? json_array() : NULL, *jprob = json ? json_array() : NULL;

	if (git_reference_iterator_glob_new(&it, repo, "refs/pg/*") < 0)
		return report(pg_error_set(PG_ERROR, "cannot list the store's refs"));
	while (git_reference_next_name(&name, it) == 0) {
		const char *hex = name + strlen(PG_REF_PREFIX);
		uint8_t pk[PG_PK_LEN];
		git_oid tip;
		struct counts c = { 0, 0, 0 };
		if (!strncmp(name, PG_QUARANTINE_PREFIX, strlen(PG_QUARANTINE_PREFIX)))
			continue; /* fetched, not adopted: not part of the store */
		if (strncmp(name, PG_REF_PREFIX, strlen(PG_REF_PREFIX)) || strlen(hex) != PG_HEX_LEN ||
		    pg_unhex(pk, hex, PG_PK_LEN) < 0) {
			err = pg_error_set(PG_EINVALID, "'%s' is not a log ref (refs/pg/pub/<64 hex>)", name);
		} else if ((err = pg_store_tip(&tip, ctx->store, pk)) == 0) {
			logs++;
			err = pg_log_walk(ctx->store, pk, &tip, NULL, PG_WALK_VERIFY, count, &c);
		}
		total.entries += c.entries, total.objects += c.objects, total.payloads += c.payloads;
		if (err < 0) {
			problems++;
			if (json)
				json_array_append_new(jprob, json_pack("{s:s, s:s}", "ref", name, "error", pg_error_last()));
			else
				printf("%sbad%s %s\n", color(ctx, C_BAD), color(ctx, C_RESET), pg_error_last());
		} else if (json) {
			json_array_append_new(jlogs, json_pack("{s:s, s:I, s:I, s:I}", "publisher", hex, "entries",
							       (json_int_t)c.entries, "objects", (json_int_t)c.objects,
							       "payloads", (json_int_t)c.payloads));
		} else if (!ctx->quiet) {
			printf("%sok%s  %.12s  %zu entr%s, %zu object%s, %zu payload%s\n", color(ctx, C_OK), color(ctx, C_RESET),
			       hex, c.entries, c.entries == 1 ? "y" : "ies", c.objects, c.objects == 1 ? "" : "s",
			       c.payloads, c.payloads == 1 ? "" : "s");
		}
	}
	git_reference_iterator_free(it);
	if (json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "logs", (json_int_t)logs, "entries",
				      (json_int_t)total.entries, "objects", (json_int_t)total.objects, "payloads",
				      (json_int_t)total.payloads, "problems", (json_int_t)problems, "checked", jlogs,
				      "errors", jprob);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	}
	info(ctx, "fsck: %zu log%s, %zu entr%s, %zu object%s, %zu payload%s: %s", logs, logs == 1 ? "" : "s",
	     total.entries, total.entries == 1 ? "y" : "ies", total.objects, total.objects == 1 ? "" : "s",
	     total.payloads, total.payloads == 1 ? "" : "s", problems ? "PROBLEMS FOUND" : "all verified");
	return problems ? EXIT_FAILED : EXIT_OK;
}
