/* ls.c - pg ls: list objects from the index */
#include "cmd.h"

#include <jansson.h>
#include <string.h>

static const char *const examples[] = {
	"pg ls\tevery object",
	"pg ls --type interface\tinterfaces only",
	"pg ls --name 'geometry::*'\tby name, with * and ? wildcards",
	"pg ls --author alice --json\tone publisher's objects as JSON",
	NULL,
};
static const struct cmd_help help = {
	"ls", "List objects: id, type, name, author and date", "pg ls [--type TYPE] [--name GLOB] [--author WHO] [--json]",
	examples,
};

json_t *row_json(const pg_index_row *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "id", r->id, "type", r->type, "author", r->author, "date",
			      (json_int_t)r->date);
	json_object_set_new(o, "name", r->name ? json_string(r->name) : json_null());
	json_object_set_new(o, "author_name", r->author_name ? json_string(r->author_name) : json_null());
	if (*r->payload)
		json_object_set_new(o, "payload", json_pack("{s:s, s:I}", "id", r->payload, "size", (json_int_t)r->payload_size));
	if (r->lang)
		json_object_set_new(o, "lang", json_string(r->lang));
	return o;
}

int print_row(const pg_index_row *r, void *data)
{
	struct row_printer *st = data;
	st->n++;
	if (st->arr) {
		json_array_append_new(st->arr, row_json(r));
		return 0;
	}
	char date[32];
	pg_format_date(date, r->date);
	date[10] = '\0';
	printf("%s%.12s%s  %s%-9s%s  %-28s  %-12s  %s\n", color(st->ctx, C_ID), r->id, color(st->ctx, C_RESET),
	       color(st->ctx, C_TYPE), r->type, color(st->ctx, C_RESET), r->name ? r->name : "-",
	       author_label(r), date);
	return 0;
}

int cmd_ls(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *type = NULL, *name = NULL, *author = NULL;
	int json = 0;
	const struct option opts[] = {
		OPT_STRING('t', "type", &type, "TYPE", "only this type (identity, interface, spec, impl, bench, ...)"),
		OPT_STRING(0, "name", &name, "GLOB", "only names matching GLOB (* and ? wildcards)"),
		OPT_STRING('a', "author", &author, "WHO", "only objects by this identity (name or key prefix)"),
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg ls' takes no arguments; filter with --type, --name, --author");
	if (type && pg_otype_parse(type) == PG_T_NONE)
		return usage_error(&help, opts, "unknown type '%s'", type);
	char key[PG_HEX_LEN + 1];
	int err;
	if (author && (err = resolve_author(ctx, key, author)) < 0)
		return report(err);
	pg_query q = { .type = type, .name = name, .author = author ? key : NULL };
	struct row_printer st = { ctx, json ? json_array() : NULL, 0 };
	err = pg_index_query(ctx->index, &q, print_row, &st);
	if (json) {
		json_dumpf(st.arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(st.arr);
	}
	if (err < 0)
		return report(err);
	return EXIT_OK;
}
