/* clone.c - pg clone: init + remote add origin + pull */
#include "cmd.h"
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const examples[] = {
	"pg clone git://127.0.0.1:9418/store\tinto ./store",
	"pg clone ../alice mine\ta store on this machine, into ./mine",
	NULL,
};
static const struct cmd_help help = {
	"clone", "Create a store, add URL as remote 'origin' and pull it: every log verified before it is adopted",
	"pg clone URL [DIR] [--json]", examples,
};

/* The directory a URL clones into: its last path component without
 * .git or .pg; "pg-store" when there is none. */
static char *default_dir(const char *url)
{
	size_t n = strlen(url);
	while (n > 1 && url[n - 1] == '/')
		n--;
	const char *start = url + n;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	char *d = pg_strndup(start, (size_t)(url + n - start));
	size_t k = strlen(d);
	if (k > 4 && !strcmp(d + k - 4, ".git"))
		d[k - 4] = '\0';
	else if (k > 3 && !strcmp(d + k - 3, ".pg"))
		d[k - 3] = '\0';
	if (!*d || !strcmp(d, ".") || !strcmp(d, "..") || !strcmp(d, ".pg")) {
		free(d);
		d = pg_strdup("pg-store");
	}
	return d;
}

int cmd_clone(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print what was adopted and refused as JSON"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only refusals and errors"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc < 1 || argc > 2)
		return usage_error(&help, opts, "'pg clone' needs URL and optionally DIR");
	const char *url = argv[0];
	if (!pg_remote_url_valid(url)) {
		error("'%s' is not a URL pg fetches from: use a path, file://, git://, ssh://, http:// or https://", url);
		return EXIT_USAGE;
	}
	char *dir = argc == 2 ? pg_strdup(argv[1]) : default_dir(url);
	struct stat st;
	int created = 0, err;
	if (stat(dir, &st) == 0) {
		char **names;
		size_t n = 0;
		if (!S_ISDIR(st.st_mode) || pg_dir_list(&names, &n, dir) < 0 || n > 0) {
			if (S_ISDIR(st.st_mode) && n)
				pg_dir_list_free(names, n);
			error("'%s' exists and is not an empty directory: name another DIR", dir);
			free(dir);
			return EXIT_REFUSED;
		}
		pg_dir_list_free(names, n);
	} else if (errno == ENOENT) {
		if (mkdir(dir, 0777) < 0) {
			error("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return EXIT_ERROR;
		}
		created = 1;
	}
	char *pgdir = pg_path_join(dir, PG_STORE_DIR);
	int rc = EXIT_OK;
	if ((err = pg_store_init(dir)) < 0 || (err = pg_store_open(&ctx->store, pgdir)) < 0 ||
	    (err = pg_remote_add(ctx->store, "origin", url)) < 0 || (err = pg_index_open(&ctx->index, ctx->store)) < 0) {
		rc = report(err);
		goto fail;
	}
	info(ctx, "cloning %s into %s", url, dir);
	const char *origin[] = { "origin" };
	size_t unreached = 0;
	rc = sync_remotes(ctx, 1, origin, 0, json, 1, &help, opts, &unreached);
	if (unreached) /* the fetch failed (refused logs alone keep the clone) */
		goto fail;
	free(pgdir);
	free(dir);
	return rc;
fail:
	/* nothing half-made stays behind */
	pg_index_free(ctx->index);
	pg_store_free(ctx->store);
	ctx->index = NULL;
	ctx->store = NULL;
	if (created)
		pg_rmtree(dir);
	else {
		pg_rmtree(pgdir);
	}
	free(pgdir);
	free(dir);
	return rc;
}
