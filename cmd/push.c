/* push.c - pg push: every log this store holds, fast-forward only */
#include "cmd.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg push hub\tyour log and every log you adopted",
	"pg push\tto the only remote, or 'origin'",
	"pg push --json hub\twhat was sent, as JSON",
	NULL,
};
static const struct cmd_help help = {
	"push", "Push your log and every log you hold to a remote, fast-forward only; a rejected log is an error naming it",
	"pg push [REMOTE] [--json]", examples,
};

static const char *status_name(int s)
{
	switch (s) {
	case PG_PUSH_SENT:
		return "sent";
	case PG_PUSH_UPTODATE:
		return "up to date";
	case PG_PUSH_BEHIND:
		return "remote is newer";
	default:
		return "rejected";
	}
}

int cmd_push(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print each log's outcome as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only errors"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "name one remote");
	const char *name = argc ? argv[0] : NULL;
	pg_remote_info *ri = NULL;
	size_t nr = 0;
	if (!name) {
		int err = pg_remote_list(&ri, &nr, ctx->store);
		if (err < 0)
			return report(err);
		for (size_t i = 0; i < nr; i++)
			if (nr == 1 || !strcmp(ri[i].name, "origin"))
				name = ri[i].name;
		if (!name) {
			pg_remote_list_free(ri, nr);
			error(nr ? "several remotes and none is 'origin': name one" : "no remotes: 'pg remote add NAME URL' first");
			return EXIT_NOTFOUND;
		}
	}
	pg_push_report r;
	pg_sync_opts o;
	struct sync_ui ui;
	sync_opts_init(ctx, &o, &ui);
	int err = pg_push(&r, ctx->store, name, &o);
	sync_opts_free(&o, &ui);
	int rc = err < 0 && r.rejected == 0 ? report(err) : err < 0 ? EXIT_REFUSED : EXIT_OK;
	if (err < 0 && r.rejected == 0 && strstr(pg_error_last(), "service not enabled"))
		info(ctx, "hint: '%s' is served read-only ('pg serve' without --writable, or git daemon without "
			  "receive-pack): it takes no pushes", name);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r.n; i++) {
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, r.refs[i].publisher, PG_PK_LEN);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s?}", "publisher", hex, "status",
							     status_name(r.refs[i].status), "message", r.refs[i].message));
		}
		print_json(json_pack("{s:b, s:s, s:I, s:I, s:o}", "ok", rc == EXIT_OK, "remote", name, "sent",
				     (json_int_t)r.sent, "rejected", (json_int_t)r.rejected, "logs", arr));
	} else if (err == 0 || r.rejected) {
		for (size_t i = 0; i < r.n; i++) {
			if (r.refs[i].status != PG_PUSH_SENT && r.refs[i].status != PG_PUSH_REJECTED &&
			    !r.refs[i].message)
				continue;
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, r.refs[i].publisher, PG_PK_LEN);
			printf("  %s%s%s " PG_REF_PREFIX "%s%s%s\n",
			       color(ctx, r.refs[i].status == PG_PUSH_SENT ? C_OK
					  : r.refs[i].status == PG_PUSH_REJECTED ? C_BAD : C_DIM),
			       status_name(r.refs[i].status),
			       color(ctx, C_RESET), hex, r.refs[i].message ? ": " : "",
			       r.refs[i].message ? r.refs[i].message : "");
		}
		if (r.rejected)
			report(err);
		info(ctx, "%s: sent %zu log%s, %zu up to date or newer there, %zu rejected", name, r.sent,
		     r.sent == 1 ? "" : "s", r.n - r.sent - r.rejected, r.rejected);
		int hook = 0;
		for (size_t i = 0; i < r.n; i++)
			hook |= r.refs[i].message && strstr(r.refs[i].message, "hook declined") != NULL;
		if (r.rejected && hook)
			info(ctx, "hint: the remote checked what you pushed and refused it (its reason is above); "
				  "'pg fsck' checks your own logs");
		else if (r.rejected)
			info(ctx, "hint: the remote has entries you lack; 'pg pull %s' first, then push again", name);
	}
	pg_push_report_clear(&r);
	pg_remote_list_free(ri, nr);
	return rc;
}
