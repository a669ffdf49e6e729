/* export.c - pg export: extract an object's payload safely */
#include "cmd.h"

#include <string.h>

static const char *const examples[] = {
	"pg export 3fa9c2 circle\tthe payload into ./circle (which must not exist)",
	NULL,
};
static const struct cmd_help help = {
	"export", "Extract an object's payload into a new directory, checked entry by entry",
	"pg export ID DIR", examples,
};

int cmd_export(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = {
		OPT_BOOL('q', "quiet", &ctx->quiet, "print nothing on success"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help) != 2)
		return usage_error(&help, opts, "'pg export' needs an object id and a directory");
	pg_index_row row;
	pg_buf b = PG_BUF_INIT;
	int err = resolve_object(ctx, &row, argv[0], PG_T_NONE);
	if (err < 0)
		return report(err);
	if (!*row.payload)
		err = pg_error_set(PG_ENOTFOUND, "%s object %.12s has no payload", row.type, row.id);
	else if ((err = pg_store_read_blob(&b, ctx->store, row.payload_blob)) == 0) {
		uint8_t want[PG_ID_LEN], got[PG_ID_LEN];
		pg_unhex(want, row.payload, PG_ID_LEN);
		pg_hash(got, b.ptr, b.len);
		if (memcmp(want, got, PG_ID_LEN))
			err = pg_error_set(PG_EINTEGRITY, "payload of %.12s does not match its hash; run 'pg fsck'", row.id);
		else
			err = pg_payload_extract(b.ptr, b.len, argv[1]);
	}
	if (err == 0)
		info(ctx, "exported %s %s (%.12s) to %s", row.type, row.name ? row.name : "", row.id, argv[1]);
	pg_index_row_clear(&row);
	pg_buf_free(&b);
	return err < 0 ? report(err) : EXIT_OK;
}
