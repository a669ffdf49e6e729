/* log.c - pg log: a publisher's log entries, newest first */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg log\tyour own log (every log if you have none here)",
	"pg log --author bob\tbob's log",
	"pg log --all --json\tevery log as JSON",
	NULL,
};
static const struct cmd_help help = {
	"log", "Show publishers' logs: seq, date and the objects each entry added",
	"pg log [--author WHO | --all] [--json]", examples,
};

struct log_state {
	struct pg_ctx *ctx;
	json_t *entries; /* of the current publisher, in JSON mode */
	json_t *objects;
};

static int print_object(const pg_index_row *r, void *data)
{
	struct log_state *st = data;
	if (st->objects) {
		json_array_append_new(st->objects, row_json(r));
		return 0;
	}
	printf("    %s%.12s%s  %s%-9s%s  %s\n", color(st->ctx, C_ID), r->id, color(st->ctx, C_RESET),
	       color(st->ctx, C_TYPE), r->type, color(st->ctx, C_RESET), r->name ? r->name : "-");
	return 0;
}

static int print_entry(const pg_index_entry *e, void *data)
{
	struct log_state *st = data;
	pg_query q = { .publisher = e->publisher, .seq = e->seq, .order = "log" };
	if (st->entries) {
		json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:I}", "seq", (json_int_t)e->seq, "date", (json_int_t)e->date,
				      "commit", e->commit, "manifest", e->manifest, "count", (json_int_t)e->nobjects);
		st->objects = json_array();
		int err = pg_index_query(st->ctx->index, &q, print_object, st);
		json_object_set_new(j, "objects", st->objects);
		json_array_append_new(st->entries, j);
		st->objects = NULL;
		return err;
	}
	char date[32];
	pg_format_date(date, e->date);
	printf("%sseq %llu%s  %s  %llu object%s  (manifest %.12s)\n", color(st->ctx, C_NAME), (unsigned long long)e->seq,
	       color(st->ctx, C_RESET), date, (unsigned long long)e->nobjects, e->nobjects == 1 ? "" : "s", e->manifest);
	return pg_index_query(st->ctx->index, &q, print_object, st);
}

struct pubs {
	char (*keys)[PG_HEX_LEN + 1];
	char **names;
	size_t n;
};

static int add_pub(const char *key, const char *name, uint64_t seq, void *data)
{
	struct pubs *p = data;
	(void)seq;
	p->keys = pg_realloc(p->keys, (p->n + 1) * sizeof(*p->keys));
	p->names = pg_realloc(p->names, (p->n + 1) * sizeof(*p->names));
	snprintf(p->keys[p->n], PG_HEX_LEN + 1, "%s", key);
	p->names[p->n++] = name ? pg_strdup(name) : NULL;
	return 0;
}

int cmd_log(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *author = NULL;
	int all = 0, json = 0, err = 0;
	const struct option opts[] = {
		OPT_STRING('a', "author", &author, "WHO", "the log of this publisher (name or key prefix)"),
		OPT_BOOL(0, "all", &all, "every publisher's log"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg log' takes no arguments; choose with --author or --all");
	struct pubs all_pubs = { NULL, NULL, 0 }, chosen = { NULL, NULL, 0 };
	if ((err = pg_index_publishers(ctx->index, add_pub, &all_pubs)) < 0)
		return report(err);
	char key[PG_HEX_LEN + 1] = "";
	uint8_t cur[PG_PK_LEN];
	if (author) {
		if ((err = resolve_author(ctx, key, author)) < 0)
			goto done;
	} else if (!all && pg_key_get_current(cur, ctx->home) == 0) {
		pg_hex(key, cur, PG_PK_LEN);
	}
	for (size_t i = 0; i < all_pubs.n; i++)
		if (!*key || !strcmp(key, all_pubs.keys[i]))
			add_pub(all_pubs.keys[i], all_pubs.names[i], 0, &chosen);
	if (chosen.n == 0 && *key && !author) /* no log of your own here: show all */
		for (size_t i = 0; i < all_pubs.n; i++)
			add_pub(all_pubs.keys[i], all_pubs.names[i], 0, &chosen);
	if (chosen.n == 0 && author)
		err = pg_error_set(PG_ENOTFOUND, "'%s' has no log in this store", author);

	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < chosen.n && err == 0; i++) {
		struct log_state st = { ctx, NULL, NULL };
		if (json) {
			st.entries = json_array();
			json_t *j = json_pack("{s:s}", "publisher", chosen.keys[i]);
			json_object_set_new(j, "name", chosen.names[i] ? json_string(chosen.names[i]) : json_null());
			json_object_set_new(j, "entries", st.entries);
			json_array_append_new(arr, j);
		} else {
			printf("%slog of %s%s%s (%s)\n", i ? "\n" : "", color(ctx, C_NAME),
			       chosen.names[i] ? chosen.names[i] : "(no identity)", color(ctx, C_RESET), chosen.keys[i]);
		}
		err = pg_index_entries(ctx->index, chosen.keys[i], print_entry, &st);
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	}
	if (!json && all_pubs.n == 0)
		info(ctx, "the store is empty; 'pg publish DIR' adds to your log");
done:
	for (size_t i = 0; i < all_pubs.n; i++)
		free(all_pubs.names[i]);
	for (size_t i = 0; i < chosen.n; i++)
		free(chosen.names[i]);
	free(all_pubs.keys);
	free(all_pubs.names);
	free(chosen.keys);
	free(chosen.names);
	return err < 0 ? report(err) : EXIT_OK;
}
