/* find.c - pg find: a small query language over the index
 *
 *     pg find type=impl iface=geometry::circle lang=c author=alice since=7d
 *
 * Every term must hold.  key=value is exact (an id or key prefix for id,
 * author, subject, against), key~text a case-insensitive substring;
 * since= and until= take a duration back from now (30m, 12h, 7d, 2w, 1y),
 * a date (2026-11-21) or seconds since the epoch; connected=ID is
 * everything linked to an object, directly or through one more link (an
 * interface's impls, specs, benches and the results about them).
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg find type=impl iface=geometry::circle lang=c\tC impls of an interface",
	"pg find author=alice since=7d\teverything alice published this week",
	"pg find type=result kind=bench verdict=measured\tbench results",
	"pg find name~circle\tnames containing 'circle'",
	"pg find connected=3fa9c2 --json\tan object's impls, specs, results...",
	NULL,
};
static const struct cmd_help help = {
	"find",
	"Query the index: objects matching every KEY=VALUE or KEY~TEXT term",
	"pg find [--json] [-n N] TERM...\n"
	"keys: type, name, lang, id, author, iface, about, kind, verdict, subject, against, since, until, connected",
	examples,
};

int cmd_find(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0, limit = 0, err = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_INT('n', "limit", &limit, "N", "at most N objects, newest first"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (!argc)
		return usage_error(&help, opts, "give at least one term, e.g. type=impl");
	if (limit < 0)
		return usage_error(&help, opts, "-n takes a positive number");
	pg_find_term *t = pg_calloc((size_t)argc, sizeof(*t));
	char **owned = pg_calloc((size_t)argc * 2, sizeof(*owned));
	for (int i = 0; i < argc && err == 0; i++) {
		const char *s = argv[i], *op = s + strcspn(s, "=~");
		if (!*op || op == s) {
			err = pg_error_set(PG_EINVALID, "'%s': a term is KEY=VALUE or KEY~TEXT (keys: %s)", s,
					   pg_index_find_keys());
			break;
		}
		t[i].key = owned[2 * i] = pg_strndup(s, (size_t)(op - s));
		t[i].op = *op;
		t[i].value = op + 1;
		if (!strcmp(t[i].key, "since") || !strcmp(t[i].key, "until")) {
			int64_t secs = 0;
			if ((err = parse_when(t[i].value, !strcmp(t[i].key, "until"), &secs)) == 0)
				t[i].value = owned[2 * i + 1] = pg_asprintf("%lld", (long long)secs);
		} else if (!strcmp(t[i].key, "connected") && t[i].op == '=') {
			pg_index_row row;
			if ((err = resolve_object(ctx, &row, t[i].value, PG_T_NONE)) == 0) {
				t[i].value = owned[2 * i + 1] = pg_strdup(row.id);
				pg_index_row_clear(&row);
			}
		}
	}
	struct row_printer st = { ctx, json ? json_array() : NULL, 0 };
	if (err == 0)
		err = pg_index_find(ctx->index, t, (size_t)argc, (size_t)limit, print_row, &st);
	if (json && err == 0) {
		json_dumpf(st.arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(st.arr);
	for (int i = 0; i < 2 * argc; i++)
		free(owned[i]);
	free(owned);
	free(t);
	if (err == PG_EINVALID)
		return usage_error(&help, opts, "%s", pg_error_last());
	return err < 0 ? report(err) : EXIT_OK;
}
