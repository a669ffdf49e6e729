/* signobj.c - sign any object of your own and append it to your log (a test tool)
 *
 *     signobj [-C DIR] [--date N] [--count N] TYPE < FIELDS
 *     signobj handover OLD_PK_HEX NEW_PK_HEX
 *     signobj raw < MESSAGES
 *
 * The first form reads 'key value' header lines from stdin, then, after
 * an empty line, an optional body; builds an object of TYPE (identity,
 * trust, block, result, peer: types without a payload) authored by the
 * identity in use ($PG_HOME/current, unsealed or PG_PASSPHRASE), dated N
 * (default: now, which PG_NOW overrides), signs it with pg_object_sign,
 * and appends it to that identity's log in the store of DIR (default: the
 * one found from the current directory) with pg_txn_begin/add/commit.
 * Prints the object's id.  --count N signs N objects of the same fields,
 * dated N consecutive seconds ending at the date, in one log entry (a
 * flood of claims), and prints each id.
 *
 * pg_object_sign checks the syntax and the identity field rules, and
 * pg_txn_add a result's body, but nothing else: not a handover's
 * signature, not whether a version goes backwards, not whether a verdict
 * is true.  That is what a modified pg on someone else's machine could
 * publish, and what the tests show pg's readers refusing or ignoring.
 *
 * The second form prints the old key's signature over the handover of an
 * identity to a new key ("pg handover\n<old>\n<new>\n"), for a rotation
 * crafted by hand; the old key's file must be in $PG_HOME.
 *
 * The third form signs bytes pg never looked at: each message on stdin is
 * a decimal length, a newline and that many bytes, and is answered at once
 * (flushed, so one process serves a test's every signature) with the line
 * 'sig <128 hex>\n', the Ed25519 signature over exactly those bytes by the
 * identity in use: the message and that line make an object.  No syntax,
 * canonical form or limit is checked, so the result is a validly signed
 * object of any shape (CRLF, trailing spaces, duplicate fields, bad UTF-8,
 * ...) or a signed log manifest that breaks any rule: what only pg's
 * readers stop.
 *
 * Exit: 0, 1 when pg refused (the message on stderr), 2 on a usage error.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "store.h"

static int usage(void)
{
	fprintf(stderr, "usage: signobj [-C DIR] [--date N] [--count N] TYPE < FIELDS\n"
			"   or: signobj handover OLD_PK_HEX NEW_PK_HEX\n"
			"   or: signobj raw < MESSAGES\n");
	return 2;
}

static int fail(const char *what)
{
	fprintf(stderr, "signobj: %s: %s\n", what, pg_error_last());
	return 1;
}

static int handover(const char *oldhex, const char *newhex)
{
	uint8_t old[PG_PK_LEN], new_[PG_PK_LEN], sig[PG_SIG_LEN];
	char *home = pg_home(), hex[2 * PG_SIG_LEN + 1];
	pg_key *k = NULL;
	pg_buf m = PG_BUF_INIT;
	int err;
	if (strlen(oldhex) != PG_HEX_LEN || strlen(newhex) != PG_HEX_LEN || pg_unhex(old, oldhex, PG_PK_LEN) < 0 ||
	    pg_unhex(new_, newhex, PG_PK_LEN) < 0) {
		free(home);
		return usage();
	}
	if ((err = pg_crypto_init()) < 0 || (err = pg_key_find(&k, home, oldhex)) < 0 ||
	    (err = pg_key_unlock(k, home, getenv("PG_PASSPHRASE"))) < 0) {
		pg_key_free(k);
		free(home);
		return fail("cannot unlock the old key");
	}
	pg_handover_message(&m, old, new_);
	crypto_sign_detached(sig, NULL, (const unsigned char *)m.ptr, m.len, k->sk);
	pg_hex(hex, sig, PG_SIG_LEN);
	printf("%s\n", hex);
	pg_buf_free(&m);
	pg_key_free(k);
	free(home);
	return 0;
}

static int raw(void)
{
	char *home = pg_home(), hex[2 * PG_SIG_LEN + 1], *line = NULL;
	uint8_t sig[PG_SIG_LEN];
	pg_key *k = NULL;
	size_t cap = 0;
	int err = 0;
	if (pg_crypto_init() < 0 || pg_key_find(&k, home, NULL) < 0 ||
	    pg_key_unlock(k, home, getenv("PG_PASSPHRASE")) < 0) {
		err = fail("cannot unlock the key");
		goto done;
	}
	while (getline(&line, &cap, stdin) > 0) {
		char *end;
		unsigned long long len = strtoull(line, &end, 10);
		char *msg = *end == '\n' && len <= (1u << 30) ? malloc(len + 1) : NULL;
		if (!msg || fread(msg, 1, len, stdin) != len) {
			free(msg);
			err = usage();
			break;
		}
		crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, k->sk);
		free(msg);
		pg_hex(hex, sig, PG_SIG_LEN);
		printf("sig %s\n", hex);
		fflush(stdout);
	}
done:
	free(line);
	pg_key_free(k);
	free(home);
	return err;
}

/* stdin: header lines, then an optional empty line and body */
static int read_fields(pg_object *o)
{
	pg_buf body = PG_BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int in_body = 0;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (in_body) {
			pg_buf_put(&body, line, (size_t)len);
			continue;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len) {
			in_body = 1;
			continue;
		}
		char *sp = strchr(line, ' ');
		if (!sp) {
			fprintf(stderr, "signobj: expected 'key value': %s\n", line);
			free(line);
			pg_buf_free(&body);
			return -1;
		}
		*sp = '\0';
		pg_object_add(o, line, sp + 1);
	}
	if (body.len)
		pg_object_set_body(o, body.ptr, body.len);
	free(line);
	pg_buf_free(&body);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = ".";
	int64_t date = -1;
	long count = 1;
	while (argc > 2 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-C"))
			dir = argv[2];
		else if (!strcmp(argv[1], "--date"))
			date = strtoll(argv[2], NULL, 10);
		else if (!strcmp(argv[1], "--count") && (count = strtol(argv[2], NULL, 10)) >= 1 && count <= PG_LOG_ADDS_MAX)
			;
		else
			return usage();
		argv += 2;
		argc -= 2;
	}
	if (argc == 4 && !strcmp(argv[1], "handover"))
		return handover(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "raw"))
		return raw();
	if (argc != 2)
		return usage();
	pg_otype type = pg_otype_parse(argv[1]);
	const pg_type_schema *schema = pg_type_schema_get(type);
	if (!schema || schema->has_payload || type == PG_T_LOG) {
		fprintf(stderr, "signobj: '%s' is not a type without a payload (identity, trust, block, result, peer)\n",
			argv[1]);
		return 2;
	}

	char *home = pg_home(), *pgdir = NULL, hex[PG_HEX_LEN + 1];
	pg_key *k = NULL;
	pg_store *s = NULL;
	pg_txn *t = NULL;
	pg_object *o = NULL, *tmpl = NULL;
	pg_buf idobj = PG_BUF_INIT, ids = PG_BUF_INIT;
	int err;
	if ((err = pg_crypto_init()) < 0 || (err = pg_key_find(&k, home, NULL)) < 0 ||
	    (err = pg_key_unlock(k, home, getenv("PG_PASSPHRASE"))) < 0) {
		fail("cannot unlock the identity in use");
		goto done;
	}
	if (date < 0)
		date = pg_now();
	tmpl = pg_object_new(type, k->pk, date);
	if (read_fields(tmpl) < 0) {
		err = -1;
		goto done;
	}
	if ((err = pg_store_discover(&pgdir, dir)) < 0 || (err = pg_store_open(&s, pgdir)) < 0) {
		fail("cannot open the store");
		goto done;
	}
	if ((err = pg_key_identity(&idobj, home, k->pk)) < 0 || (err = pg_txn_begin(&t, s, k, &idobj)) < 0) {
		fail("cannot start appending to the log");
		goto done;
	}
	for (long i = 0; i < count; i++) {
		o = pg_object_new(type, k->pk, date - (count - 1 - i));
		for (size_t f = 0; f < tmpl->nfields; f++)
			pg_object_add(o, tmpl->fields[f].key, tmpl->fields[f].value);
		if (tmpl->body)
			pg_object_set_body(o, tmpl->body, tmpl->body_len);
		if ((err = pg_object_sign(o, k->sk)) < 0) {
			fail("cannot sign");
			goto done;
		}
		pg_hex(hex, o->id, PG_ID_LEN);
		pg_buf_printf(&ids, "%s\n", hex);
		err = pg_txn_add(t, o, NULL, 0); /* takes o */
		o = NULL;
		if (err < 0) {
			fail("cannot append to the log");
			goto done;
		}
	}
	if (pg_txn_count(t) && (err = pg_txn_commit(t)) < 0) {
		fail("cannot append to the log");
		goto done;
	}
	fwrite(ids.ptr, 1, ids.len, stdout);
	err = 0;
done:
	pg_object_free(o);
	pg_object_free(tmpl);
	pg_buf_free(&ids);
	pg_txn_free(t);
	pg_store_free(s);
	pg_key_free(k);
	pg_buf_free(&idobj);
	free(pgdir);
	free(home);
	git_libgit2_shutdown();
	return err < 0 ? 1 : 0;
}
