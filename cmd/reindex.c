/* reindex.c - pg reindex: rebuild the derived index from the git store */
#include "cmd.h"

static const char *const examples[] = {
	"pg reindex\tafter a crash, an upgrade, or to be sure",
	NULL,
};
static const struct cmd_help help = {
	"reindex", "Rebuild .pg/index.sqlite from the logs; the old index stays until the new one is complete",
	"pg reindex", examples,
};

int cmd_reindex(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = {
		OPT_BOOL('q', "quiet", &ctx->quiet, "print nothing on success"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg reindex' takes no arguments");
	size_t objects = 0, logs = 0;
	int err = pg_index_rebuild(ctx->store, &objects, &logs);
	if (err == PG_EINTEGRITY || err == PG_EINVALID) {
		fprintf(stderr, "warning: %s\nwarning: that log is left out of the index; 'pg fsck' checks the store\n",
			pg_error_last());
		info(ctx, "reindexed %zu object%s from %zu log%s", objects, objects == 1 ? "" : "s", logs, logs == 1 ? "" : "s");
		return EXIT_FAILED;
	}
	if (err < 0)
		return report(err);
	info(ctx, "reindexed %zu object%s from %zu log%s", objects, objects == 1 ? "" : "s", logs, logs == 1 ? "" : "s");
	return EXIT_OK;
}
