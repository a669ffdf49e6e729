/* pg.c - the pg command: global options, the command table, dispatch */
#include "cmd.h"
#include "trust.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cmd_struct pg_commands[] = {
	{ "init", cmd_init, 0, "create a store in a directory" },
	{ "id", cmd_id, 0, "create, list, show and choose identities" },
	{ "publish", cmd_publish, PG_NEED_INDEX, "sign directories with pg.yaml into objects in your log" },
	{ "ls", cmd_ls, PG_NEED_INDEX, "list objects" },
	{ "show", cmd_show, PG_NEED_INDEX, "show an object: fields, files and links" },
	{ "cat", cmd_cat, PG_NEED_INDEX, "print an object's exact bytes" },
	{ "log", cmd_log, PG_NEED_INDEX, "show publishers' logs" },
	{ "export", cmd_export, PG_NEED_INDEX, "extract an object's payload into a directory" },
	{ "fsck", cmd_fsck, PG_NEED_STORE, "verify every hash, signature, log chain and payload" },
	{ "reindex", cmd_reindex, PG_NEED_STORE, "rebuild the derived index from the store" },
	{ "new", cmd_new, 0, "scaffold an interface, spec, impl or bench from templates" },
	{ "gen", cmd_gen, 0, "print an interface's bindings for C or Python" },
	{ "verify", cmd_verify, PG_NEED_INDEX, "build and run impls against every spec, in the sandbox" },
	{ "bench", cmd_bench, PG_NEED_INDEX, "time verified impls against the baseline, publish the ratios" },
	{ "evaluate", cmd_bench, PG_NEED_INDEX, "the same as bench" },
	{ "rank", cmd_rank, PG_NEED_INDEX, "rank an interface's verified impls by their bench claims" },
	{ "build", cmd_build, PG_NEED_INDEX, "build the best verified impl and pin it in pg.lock" },
	{ "find", cmd_find, PG_NEED_INDEX, "query objects: type=impl iface=NAME lang=c since=7d ..." },
	{ "discover", cmd_discover, PG_NEED_INDEX, "find interfaces by name, prefix or word, with their evidence" },
	{ "remote", cmd_remote, PG_NEED_STORE, "add, list and remove remotes (git remotes of the store)" },
	{ "fetch", cmd_fetch, PG_NEED_INDEX, "fetch remotes' logs into quarantine, verify, adopt what passes" },
	{ "pull", cmd_pull, PG_NEED_INDEX, "fetch, update the index and show what is new" },
	{ "push", cmd_push, PG_NEED_STORE, "push every log you hold to a remote, fast-forward only" },
	{ "clone", cmd_clone, 0, "create a store from a remote: init, remote add origin, pull" },
	{ "bundle", cmd_bundle, PG_NEED_INDEX, "write logs to one file, or import one, verified like a fetch" },
	{ "serve", cmd_serve, PG_NEED_STORE, "serve the store over git:// with git daemon; --writable verifies pushes" },
	{ "peer", cmd_peer, PG_NEED_INDEX, "announce stores others can fetch from, list peers, adopt one as a remote" },
	{ "trust", cmd_trust, PG_NEED_INDEX, "say how much you trust an identity; list whom you trust" },
	{ "block", cmd_block, PG_NEED_INDEX, "block an impl, spec, ... or identity: never ranked, built or adopted" },
	{ "rep", cmd_rep, PG_NEED_INDEX, "reputation as seen from you, with the evidence and trust paths" },
	{ "tui", cmd_tui, PG_NEED_INDEX, "browse interfaces, rankings, identities and reputation full-screen" },
	{ "config", cmd_config, PG_NEED_STORE, "get and set the store's settings (trust.threshold)" },
	{ "help", cmd_help, 0, "show help for pg or a command" },
	{ "version", cmd_version, 0, "print pg's version" },
	/* hidden: names starting with "__" are run by programs, not people */
	{ "__receive-hook", cmd_receive_hook, 0, "check a push (git's pre-receive hook under pg serve --writable)" },
	{ "__complete", cmd_complete, 0, "what can come next on a command line (the shells' completion scripts)" },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_struct *command_named(const char *name)
{
	for (const struct cmd_struct *c = pg_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static const char *const main_examples[] = {
	"pg init\tcreate a store in .pg/",
	"pg id new --name alice\tmake an Ed25519 identity",
	"pg publish objects/geometry-circle/interface\tsign a directory into your log",
	"pg ls --type interface\tlist interfaces",
	"pg show 3fa9c2\tfields, files and links of an object",
	"pg fsck\tre-verify everything",
	NULL,
};

/* pg's options before the command; main() acts on them in order. */
static struct {
	const char *dir;
	int no_color, quiet, help, version;
} global;
const struct option pg_global_options[] = {
	OPT_STRING('C', NULL, &global.dir, "DIR", "run as if pg was started in DIR"),
	OPT_BOOL(0, "no-color", &global.no_color, "never colour the output (also: NO_COLOR, TERM=dumb)"),
	OPT_BOOL('q', "quiet", &global.quiet, "say nothing on stderr but errors"),
	OPT_BOOL('h', "help", &global.help, "this help; 'pg help COMMAND' for a command's"),
	OPT_BOOL(0, "version", &global.version, "print the version"),
	OPT_END(),
};
const struct cmd_help pg_help = {
	"", "Keep a signed, content-addressed library of interfaces, specs, implementations and benchmarks",
	"pg [-C DIR] [--no-color] [-q] COMMAND [ARGS]", main_examples,
};

static void main_usage(FILE *out)
{
	fprintf(out, "usage: %s\n\n"
	      "pg keeps a signed, content-addressed library of interfaces, specs,\n"
	      "implementations and benchmarks in a git-backed store.\n\nexamples:\n", pg_help.usage);
	for (const char *const *e = main_examples; *e; e++) {
		const char *tab = strchr(*e, '\t');
		fprintf(out, "  %-48.*s # %s\n", (int)(tab - *e), *e, tab + 1);
	}
	fputs("\ncommands:\n", out);
	for (const struct cmd_struct *c = pg_commands; c->name; c++)
		if (strncmp(c->name, "__", 2))
			fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs("\nglobal options:\n", out);
	options_help(pg_global_options, out);
	fputs("\nenvironment: PG_DIR (the .pg directory), PG_HOME (keys and config),\n"
	      "PG_PASSPHRASE, PG_LOCK_TIMEOUT, NO_COLOR.  'man pg' for exit codes.\n", out);
}

static const char *const help_examples[] = {
	"pg help\tthe commands and global options",
	"pg help publish\tone command: usage, examples, options",
	"pg help id new\ta subcommand",
	NULL,
};
static const struct cmd_help help_help = {
	"help", "Show help for pg or for a command (the same text as 'pg COMMAND -h' and man pg-COMMAND)",
	"pg help [COMMAND [SUBCOMMAND]]", help_examples,
};

int cmd_help(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	argc = parse_options(argc, argv, opts, &help_help);
	if (argc == 0) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return usage_error(&help_help, opts, "too many arguments");
	if (!strcmp(argv[0], "help")) {
		usage_with_options(&help_help, opts, stdout);
		return EXIT_OK;
	}
	const struct cmd_struct *c = command_named(argv[0]);
	if (!c) {
		error("'%s' is not a pg command; 'pg help' lists them", argv[0]);
		return EXIT_USAGE;
	}
	const char *args[4] = { c->name, NULL, NULL, NULL };
	int n = 1;
	if (argc > 1)
		args[n++] = argv[1]; /* 'pg help id new' */
	args[n++] = "--help";
	return c->fn(n, args, ctx); /* prints help and exits */
}

static const char *const version_examples[] = {
	"pg version\tprints 'pg 0.1.0'",
	NULL,
};
static const struct cmd_help version_help = {
	"version", "Print pg's version", "pg version", version_examples,
};

int cmd_version(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	(void)ctx;
	if (argv && parse_options(argc, argv, opts, &version_help))
		return usage_error(&version_help, opts, "'pg version' takes no arguments");
	printf("pg %s\n", PG_VERSION);
	return EXIT_OK;
}

static int use_color(int no_color)
{
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");
	if (no_color || (nc && *nc) || !term || !strcmp(term, "dumb"))
		return 0;
	return isatty(STDOUT_FILENO);
}

int setup_store(struct pg_ctx *ctx, unsigned flags)
{
	if (ctx->store && (ctx->index || (flags & PG_NEED_INDEX) != PG_NEED_INDEX))
		return 0;
	char *dir;
	int err = ctx->store ? 0 : pg_store_discover(&dir, ".");
	if (err == 0 && !ctx->store) {
		err = pg_store_open(&ctx->store, dir);
		free(dir);
	}
	if (err < 0 || (flags & PG_NEED_INDEX) != PG_NEED_INDEX)
		return err;
	if ((err = pg_index_open(&ctx->index, ctx->store)) < 0)
		return err;
	return sync_index(ctx);
}

/* 'pg CMD ... -h' prints help without a store. */
static int asks_help(int argc, const char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

int main(int argc, const char **argv)
{
	struct pg_ctx ctx = { 0 };
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const struct option *o = option_find(pg_global_options, argv[i], strlen(argv[i]));
		if (!o) {
			error("unknown option '%s'", argv[i]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
		if (o->type == OPT_T_BOOL) {
			*(int *)o->value = 1;
		} else if (++i >= argc) {
			error("%s needs a value (%s)", argv[i - 1], o->argh);
			return EXIT_USAGE;
		} else if (chdir(argv[i]) < 0) { /* -C, in order: -C a -C b is a/b */
			error("cannot change to '%s': %m", argv[i]);
			return EXIT_NOTFOUND;
		}
		if (global.help) {
			main_usage(stdout);
			return EXIT_OK;
		}
		if (global.version)
			return cmd_version(0, NULL, &ctx);
	}
	ctx.quiet = global.quiet;
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	const struct cmd_struct *c = command_named(argv[i]);
	if (!c) {
		error("'%s' is not a pg command; 'pg help' lists them", argv[i]);
		return EXIT_USAGE;
	}
	ctx.cmd = c->name;
	ctx.color = use_color(global.no_color);
	ctx.home = pg_home();
	if (pg_crypto_init() < 0)
		return report(PG_ERROR);
	if ((c->flags & PG_NEED_STORE) && !asks_help(argc - i, argv + i) && (rc = setup_store(&ctx, c->flags)) < 0) {
		rc = report(rc);
	} else {
		rc = c->fn(argc - i, argv + i, &ctx);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		error("cannot write the output: %m");
		rc = EXIT_ERROR;
	}
	pg_rep_free(ctx.rep);
	pg_index_free(ctx.index);
	pg_store_free(ctx.store);
	free(ctx.home);
	git_libgit2_shutdown();
	return rc;
}
