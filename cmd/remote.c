/* remote.c - pg remote: the store's git remotes */
#include "cmd.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const examples[] = {
	"pg remote add hub git://127.0.0.1:9418/store\ta git daemon (pg serve)",
	"pg remote add carol ../carol\tanother store on this machine (a path or file://)",
	"pg remote -v\tnames, URLs, last fetch and refusals",
	"pg remote rm hub\tforget a remote and its quarantine",
	NULL,
};
static const struct cmd_help help = {
	"remote", "Add, list and remove remotes: git remotes of the store whose logs pg fetch verifies before adopting",
	"pg remote [-v] [--json]\n   or: pg remote add NAME URL\n   or: pg remote rm REMOTE", examples,
};

static int remote_list(struct pg_ctx *ctx, int verbose, int json)
{
	pg_remote_info *r;
	size_t n;
	int err = pg_remote_list(&r, &n, ctx->store);
	if (err < 0)
		return report(err);
	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (json) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "name", r[i].name, "url", r[i].url,
							     "fetched", (json_int_t)r[i].fetched, "refusals",
							     (json_int_t)r[i].refusals));
			continue;
		}
		if (!verbose) {
			printf("%s\n", r[i].name);
			continue;
		}
		char when[32] = "never fetched";
		if (r[i].fetched) {
			time_t t = (time_t)r[i].fetched;
			struct tm tm;
			strftime(when, sizeof(when), "fetched %Y-%m-%d %H:%M", localtime_r(&t, &tm));
		}
		printf("%s%-12s%s %s  (%s, %zu refusal%s)\n", color(ctx, C_NAME), r[i].name, color(ctx, C_RESET), r[i].url,
		       when, r[i].refusals, r[i].refusals == 1 ? "" : "s");
	}
	if (json) {
		char *s = json_dumps(arr, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(arr);
	}
	pg_remote_list_free(r, n);
	return EXIT_OK;
}

int cmd_remote(int argc, const char **argv, struct pg_ctx *ctx)
{
	int verbose = 0, json = 0;
	const struct option opts[] = {
		OPT_BOOL('v', "verbose", &verbose, "show URLs, the last fetch and refusals"),
		OPT_BOOL(0, "json", &json, "print the remotes as JSON"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc == 0)
		return remote_list(ctx, verbose, json);
	const char *sub = argv[0];
	if (!strcmp(sub, "add")) {
		if (argc != 3)
			return usage_error(&help, opts, "'pg remote add' needs NAME and URL");
		int err = pg_remote_add(ctx->store, argv[1], argv[2]);
		if (err < 0)
			return report(err);
		info(ctx, "added remote '%s' (%s); 'pg pull %s' fetches and verifies its logs", argv[1], argv[2], argv[1]);
		return EXIT_OK;
	}
	if (!strcmp(sub, "rm") || !strcmp(sub, "remove")) {
		if (argc != 2)
			return usage_error(&help, opts, "'pg remote rm' needs NAME");
		int err = pg_remote_rm(ctx->store, argv[1]);
		if (err < 0)
			return report(err);
		info(ctx, "removed remote '%s'; the logs adopted from it stay", argv[1]);
		return EXIT_OK;
	}
	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		return argc == 1 ? remote_list(ctx, verbose, json) : usage_error(&help, opts, "'pg remote ls' takes no arguments");
	return usage_error(&help, opts, "unknown subcommand 'pg remote %s': add, rm or ls", sub);
}
