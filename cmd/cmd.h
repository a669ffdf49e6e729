/* cmd.h - what every pg command shares: context, options, output helpers
 *
 * Each command is cmd/<name>.c with
 *     int cmd_<name>(int argc, const char **argv, struct pg_ctx *ctx);
 * listed in the table in cmd/pg.c with the setup it needs.  Commands return
 * an exit code (see pg_exit_code); only cmd/ prints.
 */
#ifndef PG_CMD_H
#define PG_CMD_H

#include <jansson.h>
#include <stdio.h>

#include "idl.h"
#include "index.h"
#include "key.h"
#include "manifest.h"
#include "payload.h"
#include "store.h"
#include "verify.h"

/* Exit codes (documented in pg(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* a check found a problem (fsck) */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_REFUSED = 3,  /* invalid or tampered input, or would overwrite */
	EXIT_NOTFOUND = 4, /* no such object, identity or store; ambiguous */
	EXIT_LOCKED = 5,   /* the store is busy */
	EXIT_KEY = 6,      /* key unusable: permissions, passphrase, none */
	EXIT_ERROR = 10,   /* I/O, git or database failure */
};

#define PG_NEED_STORE 1 /* find and open the store */
#define PG_NEED_INDEX 3 /* ... and its index, brought up to date */

struct pg_ctx {
	const char *cmd;
	pg_store *store;
	pg_index *index;
	char *home;
	int quiet;
	int color;
	struct pg_rep *rep; /* computed once, by ctx_rep */
};

/* --- options: declared, not hand-parsed -------------------------------- */

enum opt_type { OPT_T_END, OPT_T_BOOL, OPT_T_STRING, OPT_T_INT };

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;
	const char *help;
};

#define OPT_BOOL(s, l, v, h) { OPT_T_BOOL, (s), (l), (v), NULL, (h) }
#define OPT_STRING(s, l, v, a, h) { OPT_T_STRING, (s), (l), (v), (a), (h) }
#define OPT_INT(s, l, v, a, h) { OPT_T_INT, (s), (l), (v), (a), (h) }
#define OPT_END() { OPT_T_END, 0, NULL, NULL, NULL, NULL }

struct cmd_help {
	const char *name;    /* "ls", "id new" */
	const char *summary; /* one line */
	const char *usage;   /* "pg ls [options]" (may hold several lines) */
	const char *const *examples; /* "command\tcomment", NULL-terminated */
};

/* The option named by s[0..len) ("-x" or "--name"), or NULL. */
const struct option *option_find(const struct option *opts, const char *s, size_t len);
/* The option lines of a help text. */
void options_help(const struct option *opts, FILE *out);

/* Parse options anywhere among the arguments argv[1..argc) (until "--");
 * the arguments that remain are moved to argv[0..n) and n is returned.  -h/--help prints help
 * to stdout and exits 0; a bad option prints usage to stderr and exits 2. */
int parse_options(int argc, const char **argv, const struct option *opts, const struct cmd_help *help);
void usage_with_options(const struct cmd_help *help, const struct option *opts, FILE *out);
int usage_error(const struct cmd_help *help, const struct option *opts, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A command of subcommands (pg id new, pg peer ls): runs the one argv[1]
 * names with argv + 1; alone, or with an option, it parses options for
 * -h and completion, then says which subcommands there are. */
struct subcommand {
	const char *name;
	int (*fn)(int, const char **, struct pg_ctx *);
};
int run_subcommand(int argc, const char **argv, struct pg_ctx *ctx, const struct subcommand *subs,
		   const struct cmd_help *help);

/* pg __complete (complete.c): while it runs, parse_options hands each
 * command's options and help to complete_command, which prints the
 * candidates for the word being typed and exits. */
extern int pg_completing;
_Noreturn void complete_command(const struct option *opts, const struct cmd_help *help);
/* pg's own options, before the command (pg.c). */
extern const struct option pg_global_options[];
extern const struct cmd_help pg_help;

/* --- output ------------------------------------------------------------ */

int pg_exit_code(int err);
/* Print "error: <pg_error_last()>" and return the exit code for err. */
int report(int err);
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(struct pg_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum color { C_RESET, C_ID, C_TYPE, C_NAME, C_OK, C_BAD, C_DIM };
const char *color(const struct pg_ctx *ctx, enum color c);
/* Progress lines on stderr: on a terminal, or when PG_PROGRESS is set
 * (pg tui reads them from its actions); never with -q. */
int show_progress(const struct pg_ctx *ctx);

/* --- shared lookups ---------------------------------------------------- */

/* Open the store (and the index, synced, with PG_NEED_INDEX) now, for
 * commands that need it only sometimes. */
int setup_store(struct pg_ctx *ctx, unsigned flags);
/* An interface argument: a directory with interface.pgi (and pg.yaml), or
 * an id prefix or name in the store.  id is "" for a directory. */
int load_interface_arg(struct pg_ctx *ctx, const char *arg, struct pg_idl **idl, char **name,
		       char id[PG_HEX_LEN + 1]);
/* Bring ctx->index up to date; a damaged log only warns. */
int sync_index(struct pg_ctx *ctx);
/* Reputation as the current identity sees it (nobody's, without one),
 * computed once per command; and pg_rank weighted by it. */
int ctx_rep(struct pg_ctx *ctx, const struct pg_rep **out);
struct pg_ranking;
int rank_trusted(struct pg_ctx *ctx, struct pg_ranking *rk, const char *iface);
/* The current identity's key, or "" (returns 0 either way). */
void current_key(struct pg_ctx *ctx, char me[PG_HEX_LEN + 1]);
/* Resolve an object argument (id prefix) to its index row. */
int resolve_object(struct pg_ctx *ctx, pg_index_row *row, const char *arg, pg_otype want);
/* A time (pg find's since=/until=, pg bundle --since): a duration back
 * from now (30m, 12h, 7d, 2w, 1y), a date YYYY-MM-DD (its first second,
 * or its last with end_of_day), or seconds since the epoch.  PG_EINVALID
 * with a message saying what is accepted. */
int parse_when(const char *v, int end_of_day, int64_t *out);
/* Resolve an author argument (name or key prefix) to one key. */
int resolve_author(struct pg_ctx *ctx, char key[PG_HEX_LEN + 1], const char *arg);
/* Objects of one type and name, by author: the newest overall and the
 * newest by me (a pg_index_query callback). */
struct cand {
	char id[PG_HEX_LEN + 1];
	int64_t date;
};
struct candidates {
	char me[PG_HEX_LEN + 1];
	char (*seen)[PG_HEX_LEN + 1]; /* distinct authors */
	size_t authors;
	struct cand newest, mine;
};
int collect_candidates(const pg_index_row *r, void *data);
/* An interface by name: mine (me: 64 hex or "") when I publish one, else
 * the newest of its only author; ambiguous when several authors do.
 * where prefixes the messages. */
int resolve_interface_name(struct pg_ctx *ctx, const char *me, const char *name, char out[PG_HEX_LEN + 1],
			   const char *where);
/* An interface argument: an id prefix or a name (mine preferred). */
int resolve_interface(struct pg_ctx *ctx, pg_index_row *row, const char *arg);
/* An object's payload (pg_row_payload in ctx's store), and an
 * interface's parsed interface.pgi. */
int read_payload(struct pg_ctx *ctx, pg_buf *out, const pg_index_row *row);
int load_idl(struct pg_ctx *ctx, struct pg_idl **out, const pg_index_row *iface);
/* An object, decoded and verified (pg_row_object in ctx's store). */
int read_object(struct pg_ctx *ctx, pg_object **out, const pg_index_row *row);

/* --- sync's output, shared by fetch, pull, clone, push and bundle ------- */

struct pg_sync_opts;
struct pg_sync_report;
struct sync_ui {
	struct pg_ctx *ctx;
	double last;
	char stage[16];
	int shown; /* a progress line is open on stderr */
};
/* Progress on a terminal's stderr; the publishers the current identity
 * blocked (from the index). */
void sync_opts_init(struct pg_ctx *ctx, struct pg_sync_opts *o, struct sync_ui *ui);
void sync_opts_free(struct pg_sync_opts *o, struct sync_ui *ui);
/* Per log: adopted (seq range, counts by type; with list_new each new
 * object) or refused (kind and reason); then a summary on stderr. */
void sync_report_print(struct pg_ctx *ctx, const struct pg_sync_report *r, int list_new);
json_t *sync_report_json(struct pg_ctx *ctx, const struct pg_sync_report *r);
/* Fetch (pull: and index) the named remote, --all, or the default one;
 * prints and returns the exit code (EXIT_REFUSED when a log was refused);
 * *unreached (if not NULL) counts remotes whose fetch itself failed. */
int sync_remotes(struct pg_ctx *ctx, int argc, const char **argv, int all, int json, int pull,
		 const struct cmd_help *help, const struct option *opts, size_t *unreached);
/* A publisher's name (64 hex) from its identity in the index; NULL when
 * unknown.  The caller frees it. */
char *identity_name(struct pg_ctx *ctx, const char *publisher);
/* Print j indented on stdout and free it. */
void print_json(json_t *j);

/* --- verify's plan, shared with bench and build -------------------------- */

/* What one interface's run needs, gathered from the store and the
 * command line. */
struct plan {
	char iface[PG_HEX_LEN + 1];
	char *ifname;
	pg_idl *idl;
	pg_verify v;
	pg_buf *payloads; /* owned payload bytes, one per impl/spec */
	size_t npayloads;
	char *only_impl, *only_spec; /* a target narrowed to one (id) */
	char iface_author[PG_HEX_LEN + 1];
	int all_specs;               /* also specs by authors the user does not trust */
	size_t skipped_specs;        /* ... left out without it */
	pg_manifest *dir_impl, *dir_spec;
	int wanted;
};

/* An interface (name, id), impl or spec (id), or a working directory:
 * its interface with every impl and spec, in name order; an impl or spec
 * target makes the others auxiliary (voters, not reported). */
int plan_load(struct pg_ctx *ctx, struct plan *p, const char *arg);
void plan_free(struct plan *p);
/* Text for an XML attribute or element (JUnit reports). */
void xml_text(FILE *f, const char *s);
/* The unsigned verify result of one verdict of a plan. */
pg_object *verify_result_object(const pg_key *me, const struct plan *p, const pg_verdict *vd, const char *mach);
/* The interfaces that objects of type t name, in the order first seen. */
int interfaces_with(struct pg_ctx *ctx, pg_otype t, char (**ids)[PG_HEX_LEN + 1], size_t *n);
/* Where builds are cached (see verify.c). */
int cache_dir(char **out, struct pg_ctx *ctx);

/* Print index rows as pg ls does (a pg_index_row_cb), or collect them
 * into arr as JSON when arr is set. */
struct row_printer {
	struct pg_ctx *ctx;
	json_t *arr;
	size_t n;
};
int print_row(const pg_index_row *r, void *data);

/* An index row as a JSON object. */
json_t *row_json(const pg_index_row *row);
/* "alice" or the first 12 hex of the key. */
const char *author_label(const pg_index_row *row);
/* Load and unlock an identity (NULL: the current one), asking for the
 * passphrase on the terminal or reading PG_PASSPHRASE. */
int unlock_identity(struct pg_ctx *ctx, pg_key **out, const char *which);
/* The same; retired_too also unlocks a key handed over or revoked (which
 * pg id rotate and revoke need, and nothing else may sign with). */
int unlock_key(struct pg_ctx *ctx, pg_key **out, const char *which, int retired_too);
/* Sign o (taking it) as me and commit it to my log; *same when the log
 * has it already.  hex gets its id.  The index is synced after. */
int publish_object(struct pg_ctx *ctx, pg_object *o, const pg_key *me, char hex[PG_HEX_LEN + 1], int *same);
/* Read a passphrase: PG_PASSPHRASE, else the terminal (twice if confirm),
 * into memory the caller frees with pg_secret_free. */
int read_passphrase(char **out, const char *prompt, int confirm);

int cmd_init(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_id(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_publish(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_ls(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_show(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_cat(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_log(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_export(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_fsck(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_reindex(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_new(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_gen(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_verify(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_bench(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_rank(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_build(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_find(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_discover(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_remote(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_fetch(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_pull(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_push(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_clone(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_bundle(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_serve(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_receive_hook(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_peer(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_trust(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_block(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_rep(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_tui(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_config(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_help(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_version(int argc, const char **argv, struct pg_ctx *ctx);
int cmd_complete(int argc, const char **argv, struct pg_ctx *ctx);

/* The command table, for help and completion; a name starting with "__"
 * is hidden from 'pg help' (run by programs: git's hooks). */
struct cmd_struct {
	const char *name;
	int (*fn)(int, const char **, struct pg_ctx *);
	unsigned flags;
	const char *summary;
};
extern const struct cmd_struct pg_commands[];
/* The command of that name (hidden ones too), or NULL. */
const struct cmd_struct *command_named(const char *name);

#endif
