/* cat.c - pg cat: an object's exact canonical bytes (or its payload) */
#include "cmd.h"

#include <unistd.h>

static const char *const examples[] = {
	"pg cat 3fa9c2\tthe signed object, byte for byte",
	"pg cat --payload 3fa9c2 | tar tv\tthe payload tar",
	NULL,
};
static const struct cmd_help help = {
	"cat", "Print an object's exact bytes, or its payload's", "pg cat [--payload] ID", examples,
};

int cmd_cat(int argc, const char **argv, struct pg_ctx *ctx)
{
	int payload = 0;
	const struct option opts[] = {
		OPT_BOOL('p', "payload", &payload, "print the payload (a tar archive) instead"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help) != 1)
		return usage_error(&help, opts, "'pg cat' needs one object id");
	pg_index_row row;
	pg_buf b = PG_BUF_INIT;
	int err = resolve_object(ctx, &row, argv[0], PG_T_NONE);
	if (err < 0)
		return report(err);
	if (payload && !*row.payload)
		err = pg_error_set(PG_ENOTFOUND, "%s object %.12s has no payload", row.type, row.id);
	else
		err = pg_store_read_blob(&b, ctx->store, payload ? row.payload_blob : row.blob);
	pg_index_row_clear(&row);
	if (err == 0 && fwrite(b.ptr, 1, b.len, stdout) != b.len)
		err = pg_error_set(PG_ERROR, "cannot write the output");
	pg_buf_free(&b);
	return err < 0 ? report(err) : EXIT_OK;
}
