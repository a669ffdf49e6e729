/* forge.c - append a crafted, correctly signed entry to your own log (a test tool)
 *
 *     forge [-C DIR] skip-seq            seq goes up by two
 *     forge [-C DIR] bad-prev            prev names a manifest that is not the previous one
 *     forge [-C DIR] big-object SIZE     one object of exactly SIZE bytes (over PG_OBJECT_MAX: refused)
 *     forge [-C DIR] many N [BODY]       N objects (bodies of about BODY bytes) in one valid entry
 *
 * The store is DIR/.pg (default: found from the current directory); the
 * key is the identity in use in $PG_HOME, and the entry goes on that
 * identity's log, which must exist.  Every entry is signed with the real
 * key and written with libgit2 as pg would write it, except for the one
 * rule the mode breaks: pg's checks are what the tests exercise, so this
 * tool checks nothing itself.  The objects are 'trust' objects of random
 * subjects.  Prints the new commit's id.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "store.h"

static int die(const char *what)
{
	const git_error *e = git_error_last();
	fprintf(stderr, "forge: %s: %s%s%s\n", what, pg_error_last(), e && e->message ? "; libgit2: " : "",
		e && e->message ? e->message : "");
	return 1;
}

/* A trust object of a random subject with about body bytes of body (none
 * if 0); when exact, the whole object is exactly body bytes, signed by
 * hand because pg_object_sign refuses what is over the limits. */
static void trust_object(pg_buf *out, uint8_t id[PG_ID_LEN], const pg_key *k, size_t body, int exact)
{
	uint8_t subject[PG_ID_LEN], sig[crypto_sign_BYTES];
	char hex[2 * crypto_sign_BYTES + 1];
	pg_buf_clear(out);
	randombytes_buf(subject, sizeof(subject));
	pg_buf_puts(out, "pg 1\ntype trust\nauthor ");
	pg_hex(hex, k->pk, PG_PK_LEN);
	pg_buf_puts(out, hex);
	pg_buf_printf(out, "\ndate %lld\nsubject ", (long long)pg_now());
	pg_hex(hex, subject, PG_ID_LEN);
	pg_buf_puts(out, hex);
	pg_buf_puts(out, "\nlevel low\n");
	size_t want = exact ? body - 133 : out->len + 1 + body; /* 133: the sig line */
	if (body) {
		pg_buf_putc(out, '\n');
		while (out->len < want) {
			size_t line = want - out->len - 1;
			if (line > 1000)
				line = 1000;
			if (want - out->len - 1 - line == 1) /* never leave room for only "\n" */
				line--;
			for (size_t i = 0; i < line; i++) /* random: packs as big as the objects */
				pg_buf_putc(out, (char)('a' + randombytes_uniform(26)));
			pg_buf_putc(out, '\n');
		}
	}
	crypto_sign_detached(sig, NULL, (const unsigned char *)out->ptr, out->len, k->sk);
	pg_hex(hex, sig, crypto_sign_BYTES);
	pg_buf_printf(out, "sig %s\n", hex);
	pg_hash(id, out->ptr, out->len);
}

int main(int argc, char **argv)
{
	const char *dir = ".";
	if (argc > 2 && !strcmp(argv[1], "-C")) {
		dir = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: forge [-C DIR] skip-seq | bad-prev | big-object SIZE | many N [BODY]\n");
		return 2;
	}
	const char *mode = argv[1];
	size_t nobj = 1, body = 0;
	int exact = 0;
	if (!strcmp(mode, "big-object") && argc == 3) {
		body = strtoull(argv[2], NULL, 10);
		exact = 1;
		if (body < 400) {
			fprintf(stderr, "forge: SIZE must be at least 400\n");
			return 2;
		}
	} else if (!strcmp(mode, "many") && (argc == 3 || argc == 4)) {
		nobj = strtoull(argv[2], NULL, 10);
		body = argc == 4 ? strtoull(argv[3], NULL, 10) : 0;
		if (nobj < 1 || nobj > PG_LOG_ADDS_MAX) {
			fprintf(stderr, "forge: N must be 1 to %d\n", PG_LOG_ADDS_MAX);
			return 2;
		}
	} else if ((strcmp(mode, "skip-seq") && strcmp(mode, "bad-prev")) || argc != 2) {
		fprintf(stderr, "forge: unknown mode or wrong arguments: %s\n", mode);
		return 2;
	}

	char *pgdir = NULL, *home = pg_home();
	pg_store *s = NULL;
	pg_key *k = NULL;
	if (pg_store_discover(&pgdir, dir) < 0 || pg_store_open(&s, pgdir) < 0)
		return die("cannot open the store");
	if (pg_key_find(&k, home, NULL) < 0 || pg_key_unlock(k, home, getenv("PG_PASSPHRASE")) < 0)
		return die("cannot load the identity in use");
	if (pg_store_lock(s) < 0)
		return die("cannot lock the store");
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0); /* a test's throwaway store: fast beats durable */

	git_repository *repo = pg_store_repo(s);
	git_oid tip, oid, commit;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	pg_object *prevm = NULL;
	if (pg_store_tip(&tip, s, k->pk) < 0)
		return die("no log to append to");
	if (git_commit_lookup(&parent, repo, &tip) < 0 || git_commit_tree(&base, parent) < 0)
		return die("cannot read the tip");
	const char *msg = git_commit_message_raw(parent);
	if (pg_object_decode(&prevm, msg, strlen(msg), PG_DECODE_NOVERIFY) < 0)
		return die("cannot read the tip's manifest");
	uint64_t seq = strtoull(pg_object_get(prevm, "seq"), NULL, 10);

	/* the objects, into the tree */
	git_tree_update *up = calloc(nobj, sizeof(*up));
	char (*paths)[80] = calloc(nobj, sizeof(*paths));
	uint8_t(*ids)[PG_ID_LEN] = calloc(nobj, PG_ID_LEN);
	pg_buf b = PG_BUF_INIT;
	for (size_t i = 0; i < nobj; i++) {
		char hex[PG_HEX_LEN + 1];
		trust_object(&b, ids[i], k, body, exact);
		if (git_blob_create_from_buffer(&oid, repo, b.ptr, b.len) < 0)
			return die("cannot write an object");
		pg_hex(hex, ids[i], PG_ID_LEN);
		snprintf(paths[i], sizeof(paths[i]), "o/%.2s/%s", hex, hex);
		up[i] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, oid, GIT_FILEMODE_BLOB, paths[i] };
	}
	if (git_tree_create_updated(&oid, repo, base, nobj, up) < 0 || git_tree_lookup(&tree, repo, &oid) < 0)
		return die("cannot write the tree");

	/* the manifest: the one broken rule */
	char hex[PG_HEX_LEN + 1], email[64];
	int64_t now = pg_now();
	pg_object *m = pg_object_new(PG_T_LOG, k->pk, now);
	snprintf(hex, sizeof(hex), "%llu", (unsigned long long)(seq + (strcmp(mode, "skip-seq") ? 1 : 2)));
	pg_object_add(m, "seq", hex);
	uint8_t prev[PG_ID_LEN];
	memcpy(prev, prevm->id, PG_ID_LEN);
	if (!strcmp(mode, "bad-prev"))
		pg_hash(prev, "not the previous manifest", 25);
	pg_hex(hex, prev, PG_ID_LEN);
	pg_object_add(m, "prev", hex);
	for (size_t i = 0; i < nobj; i++) {
		pg_hex(hex, ids[i], PG_ID_LEN);
		pg_object_add(m, "add", hex);
	}
	if (pg_object_sign(m, k->sk) < 0)
		return die("cannot sign the manifest");

	char ref[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
	pg_hex(hex, k->pk, PG_PK_LEN);
	snprintf(ref, sizeof(ref), PG_REF_PREFIX "%s", hex);
	snprintf(email, sizeof(email), "%.16s@pg", hex);
	git_signature *sig;
	if (git_signature_new(&sig, "pg", email, (git_time_t)now, 0) < 0 ||
	    git_commit_create(&commit, repo, ref, sig, sig, NULL, m->raw.ptr, tree, 1,
			      (const git_commit **)&parent) < 0)
		return die("cannot write the commit");
	printf("%s\n", git_oid_tostr_s(&commit));

	git_signature_free(sig);
	pg_object_free(m);
	pg_object_free(prevm);
	pg_buf_free(&b);
	free(ids);
	free(paths);
	free(up);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	pg_key_free(k);
	pg_store_free(s);
	free(pgdir);
	free(home);
	return 0;
}
