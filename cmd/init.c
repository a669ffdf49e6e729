/* init.c - pg init: create a store */
#include "cmd.h"

#include <limits.h>
#include <stdlib.h>

static const char *const examples[] = {
	"pg init\tcreate .pg/ in the current directory",
	"pg init ~/library\tcreate ~/library/.pg/",
	NULL,
};
static const struct cmd_help help = {
	"init", "Create a pg store: DIR/.pg, a bare git repository of signed logs", "pg init [DIR]", examples,
};

int cmd_init(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = {
		OPT_BOOL('q', "quiet", &ctx->quiet, "print nothing on success"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "too many arguments");
	const char *dir = argc ? argv[0] : ".";
	int err = pg_store_init(dir);
	if (err < 0)
		return report(err);
	char buf[PATH_MAX], *abs = realpath(dir, buf);
	info(ctx, "initialized empty pg store in %s/%s", abs ? abs : dir, PG_STORE_DIR);
	return EXIT_OK;
}
