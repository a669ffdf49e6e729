/* id.c - pg id: identities (Ed25519 keys under PG_HOME) */
#include "cmd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg id new --name alice\tcreate an identity (used if it is the first)",
	"pg id new --name ci --passphrase\tseal the key (PG_PASSPHRASE or a prompt)",
	"pg id list\tall identities with key files",
	"pg id show\tthe identity in use",
	"pg id use bob\tsign with bob from now on",
	"pg id rotate\ta new key for the identity in use, signed over by the old one",
	"pg id revoke --since 2026-11-01\tvoid the key's claims from that day on",
	"pg id publish\tput the identity (its newest version) into this store's log",
	NULL,
};
static const struct cmd_help help = {
	"id", "Create, list, show and choose identities; keys stay in $PG_HOME, never in the store",
	"pg id new --name NAME [--passphrase]\n   or: pg id list [--json]\n"
	"   or: pg id show [KEY] [--json]\n   or: pg id use KEY\n"
	"   or: pg id rotate [KEY] [--passphrase]\n   or: pg id revoke [KEY] [--since WHEN]\n"
	"   or: pg id publish [KEY]",
	examples,
};

/* Publish identity objects into the store of the current directory, if
 * there is one: each into its author's log (a log begins with its
 * publisher's identity, so a new log is started by the first). */
static int publish_identities(struct pg_ctx *ctx, pg_key *const *keys, pg_object *const *objs, size_t n)
{
	char *dir;
	pg_store *s = NULL;
	if (pg_store_discover(&dir, ".") < 0) {
		pg_error_clear();
		info(ctx, "no store here: the identity %s in %s/keys; 'pg id publish' in a store publishes it",
		     n > 1 ? "changes are" : "is", ctx->home);
		return 0; /* no store here: the key files are enough */
	}
	int err = pg_store_open(&s, dir);
	free(dir);
	for (size_t i = 0; i < n && err == 0; i++) {
		pg_txn *t = NULL;
		pg_buf idobj = PG_BUF_INIT;
		if ((err = pg_key_identity(&idobj, ctx->home, keys[i]->pk)) == 0 &&
		    (err = pg_txn_begin(&t, s, keys[i], &idobj)) == 0) {
			if (objs && objs[i]) {
				pg_object *copy;
				if ((err = pg_object_decode(&copy, objs[i]->raw.ptr, objs[i]->raw.len, 0)) == 0)
					err = pg_txn_add(t, copy, NULL, 0); /* 1: the log holds it already */
				err = err < 0 ? err : 0;
			}
			if (err == 0 && pg_txn_count(t))
				err = pg_txn_commit(t);
		}
		pg_txn_free(t);
		pg_buf_free(&idobj);
	}
	if (err == 0) {
		pg_index *x = NULL;
		if (pg_index_open(&x, s) == 0)
			pg_index_sync(x);
		pg_index_free(x);
		info(ctx, "published in %s", pg_store_path(s));
	}
	pg_store_free(s);
	return err;
}

static int publish_identity(struct pg_ctx *ctx, pg_key *k)
{
	return publish_identities(ctx, &k, NULL, 1);
}

static int id_new(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *name = NULL;
	int seal = 0;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the identity's name (letters, digits, . _ + -)"),
		OPT_BOOL(0, "passphrase", &seal, "seal the secret key with a passphrase"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only the key"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (!name && argc == 1)
		name = argv[0], argc = 0;
	if (!name || argc)
		return usage_error(&help, opts, "'pg id new' needs --name NAME");
	pg_key **keys, *k = NULL;
	size_t n;
	char *pass = NULL, hex[PG_HEX_LEN + 1];
	uint8_t cur[PG_PK_LEN];
	int err = pg_key_list(&keys, &n, ctx->home);
	if (err < 0)
		return report(err);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i]->name, name))
			err = pg_error_set(PG_EEXISTS, "an identity named '%s' exists already; pick another name", name);
	pg_key_list_free(keys, n);
	if (err < 0)
		return report(err);
	if (seal && (err = read_passphrase(&pass, "new passphrase: ", 1)) < 0)
		return report(err);
	if ((err = pg_key_generate(&k, name)) == 0 && (err = pg_key_save(k, ctx->home, pass, pg_now())) == 0) {
		if (pg_key_get_current(cur, ctx->home) < 0)
			err = pg_key_set_current(ctx->home, k->pk);
	}
	pg_secret_free(pass);
	if (err == 0)
		err = publish_identity(ctx, k);
	if (err < 0) {
		pg_key_free(k);
		return report(err);
	}
	pg_hex(hex, k->pk, PG_PK_LEN);
	printf("%s\n", hex);
	info(ctx, "created identity '%s'%s; key in %s/keys", name, seal ? " (sealed)" : "", ctx->home);
	pg_key_free(k);
	return EXIT_OK;
}

static json_t *key_json(const pg_key *k, int current)
{
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, k->pk, PG_PK_LEN);
	return json_pack("{s:s, s:s, s:b, s:b}", "name", k->name, "key", hex, "sealed", k->sealed,
			 "current", current);
}

static int id_list(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg id list' takes no arguments");
	pg_key **keys;
	size_t n;
	uint8_t cur[PG_PK_LEN] = { 0 };
	int err = pg_key_list(&keys, &n, ctx->home);
	if (err < 0)
		return report(err);
	int have_cur = pg_key_get_current(cur, ctx->home) == 0;
	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		int is_cur = have_cur && !memcmp(cur, keys[i]->pk, PG_PK_LEN);
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, keys[i]->pk, PG_PK_LEN);
		if (json)
			json_array_append_new(arr, key_json(keys[i], is_cur));
		else
			printf("%s %s%s%s %s%s\n", is_cur ? "*" : " ", color(ctx, C_ID), hex, color(ctx, C_RESET),
			       keys[i]->name, keys[i]->sealed ? " (sealed)" : "");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (n == 0) {
		info(ctx, "no identities in %s; create one with 'pg id new --name NAME'", ctx->home);
	}
	pg_key_list_free(keys, n);
	return EXIT_OK;
}

static int id_show(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON object"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "'pg id show' takes at most one identity");
	pg_key *k;
	uint8_t cur[PG_PK_LEN] = { 0 };
	int err = pg_key_find(&k, ctx->home, argc ? argv[0] : NULL);
	if (err < 0)
		return report(err);
	int is_cur = pg_key_get_current(cur, ctx->home) == 0 && !memcmp(cur, k->pk, PG_PK_LEN);
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, k->pk, PG_PK_LEN);
	if (json) {
		json_t *o = key_json(k, is_cur);
		char *file = pg_asprintf("%s/keys/%s", ctx->home, hex);
		json_object_set_new(o, "key_file", json_string(file));
		free(file);
		pg_key_state_t st;
		if (pg_key_state(&st, ctx->home, k->pk) == 0) {
			json_object_set_new(o, "version", json_integer((json_int_t)st.version));
			json_object_set_new(o, "successor", st.successor[0] ? json_string(st.successor) : json_null());
			json_object_set_new(o, "revoked", st.revoked >= 0 ? json_integer(st.revoked) : json_null());
		}
		pg_error_clear();
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("name     %s%s%s\n", color(ctx, C_NAME), k->name, color(ctx, C_RESET));
		printf("key      %s%s%s\n", color(ctx, C_ID), hex, color(ctx, C_RESET));
		printf("sealed   %s\n", k->sealed ? "yes (passphrase)" : "no");
		printf("in use   %s\n", is_cur ? "yes" : "no");
		printf("file     %s/keys/%s\n", ctx->home, hex);
		pg_key_state_t st;
		if (pg_key_state(&st, ctx->home, k->pk) == 0) {
			char d[32];
			printf("version  %llu\n", (unsigned long long)st.version);
			if (st.successor[0])
				printf("rotated  to %s (this key signs nothing more)\n", st.successor);
			if (st.revoked >= 0) {
				pg_format_date(d, st.revoked);
				printf("revoked  from %s (its claims from then on are void)\n", d);
			}
		}
		pg_error_clear();
	}
	pg_key_free(k);
	return EXIT_OK;
}

static int id_use(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	if (parse_options(argc, argv, opts, &help) != 1)
		return usage_error(&help, opts, "'pg id use' needs one identity");
	pg_key *k;
	int err = pg_key_find(&k, ctx->home, argv[0]);
	if (err == 0)
		err = pg_key_set_current(ctx->home, k->pk);
	if (err < 0)
		return report(err);
	info(ctx, "now signing as '%s'", k->name);
	pg_key_free(k);
	return EXIT_OK;
}

static int id_publish(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "'pg id publish' takes at most one identity");
	pg_key *k = NULL;
	pg_object *o = NULL;
	pg_buf b = PG_BUF_INIT;
	int err = unlock_key(ctx, &k, argc ? argv[0] : NULL, 1);
	if (err == 0 && (err = pg_key_identity(&b, ctx->home, k->pk)) == 0 &&
	    (err = pg_object_decode(&o, b.ptr, b.len, 0)) == 0) {
		char *dir;
		if (pg_store_discover(&dir, ".") < 0)
			err = pg_error_set(PG_ENOTFOUND, "not in a pg store ('pg init' makes one; -C DIR names one)");
		else
			free(dir);
		pg_key *keys[1] = { k };
		pg_object *objs[1] = { o };
		if (err == 0)
			err = publish_identities(ctx, keys, objs, 1);
	}
	pg_object_free(o);
	pg_buf_free(&b);
	pg_key_free(k);
	return err < 0 ? report(err) : EXIT_OK;
}

static int id_rotate(int argc, const char **argv, struct pg_ctx *ctx)
{
	int seal = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "passphrase", &seal, "seal the new key with a passphrase (default: if the old one was)"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "'pg id rotate' takes at most one identity");
	pg_key *old = NULL, *k = NULL;
	pg_object *next = NULL;
	char *pass = NULL, hex[PG_HEX_LEN + 1];
	uint8_t cur[PG_PK_LEN];
	int err = unlock_key(ctx, &old, argc ? argv[0] : NULL, 1);
	if (err == 0 && (seal || old->sealed))
		err = read_passphrase(&pass, "passphrase for the new key: ", 1);
	int was_current = err == 0 && pg_key_get_current(cur, ctx->home) == 0 && !memcmp(cur, old->pk, PG_PK_LEN);
	if (err == 0 && (err = pg_key_rotate(&k, &next, old, ctx->home, pass, pg_now())) == 0 && was_current)
		err = pg_key_set_current(ctx->home, k->pk);
	pg_secret_free(pass);
	if (err == 0) {
		/* the old key's last word first, then the new key's first */
		pg_key *keys[2] = { old, k };
		pg_object *objs[2] = { next, NULL };
		err = publish_identities(ctx, keys, objs, 2);
	}
	if (err == 0) {
		pg_hex(hex, k->pk, PG_PK_LEN);
		printf("%s\n", hex);
		info(ctx, "rotated '%s' to a new key %.12s (signed over by the old one, whose claims from now on are "
			  "void)%s", k->name, hex, was_current ? "; now signing with it" : "");
	}
	pg_object_free(next);
	pg_key_free(k);
	pg_key_free(old);
	return err < 0 ? report(err) : EXIT_OK;
}

static int id_revoke(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *since = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "since", &since, "WHEN", "void claims from then on (YYYY-MM-DD, 7d, seconds; default: now)"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc > 1)
		return usage_error(&help, opts, "'pg id revoke' takes at most one identity");
	int64_t from = pg_now();
	if (since && parse_when(since, 0, &from) < 0)
		return usage_error(&help, opts, "--since: %s", pg_error_last());
	if (from > pg_now())
		return usage_error(&help, opts, "--since is in the future; a revocation starts now at the latest");
	pg_key *k = NULL;
	pg_object *next = NULL;
	char hex[PG_HEX_LEN + 1], d[32];
	int err = unlock_key(ctx, &k, argc ? argv[0] : NULL, 1);
	if (err == 0 && (err = pg_key_revoke(&next, k, ctx->home, from, pg_now())) == 0) {
		pg_key *keys[1] = { k };
		pg_object *objs[1] = { next };
		err = publish_identities(ctx, keys, objs, 1);
	}
	if (err == 0) {
		pg_hex(hex, k->pk, PG_PK_LEN);
		pg_format_date(d, from);
		printf("%s\n", hex);
		info(ctx, "revoked '%s' (%.12s): its claims dated from %s on are void, and pg signs nothing more "
			  "with it", k->name, hex, d);
	}
	pg_object_free(next);
	pg_key_free(k);
	return err < 0 ? report(err) : EXIT_OK;
}

int cmd_id(int argc, const char **argv, struct pg_ctx *ctx)
{
	static const struct subcommand sub[] = { { "new", id_new }, { "list", id_list }, { "ls", id_list }, { "show", id_show }, { "use", id_use },
						    { "rotate", id_rotate }, { "revoke", id_revoke }, { "publish", id_publish }, { NULL, NULL } };
	return run_subcommand(argc, argv, ctx, sub, &help);
}
