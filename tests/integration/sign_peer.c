/* sign_peer.c - t_peer.sh's hostile announcer: a peer object with any url
 *
 *     sign_peer PGDIR URL
 *
 * signs a peer object whose url is URL with the identity in use
 * ($PG_HOME/current, unsealed) and appends it to that identity's log in
 * the store PGDIR, as 'pg peer announce' would but without its checks:
 * what a modified pg on someone else's machine could publish.  The object
 * is well-formed and validly signed, so it verifies and travels; only
 * 'pg peer adopt' stands between its URL and git.  Prints the id.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sign_peer PGDIR URL\n");
		return 2;
	}
	char *home = pg_home();
	pg_key *k = NULL;
	pg_store *s = NULL;
	pg_txn *t = NULL;
	pg_buf idobj = PG_BUF_INIT;
	char hex[PG_HEX_LEN + 1] = "";
	int err = pg_crypto_init();
	if (err == 0 && (err = pg_key_find(&k, home, NULL)) == 0 && (err = pg_key_unlock(k, home, NULL)) == 0 &&
	    (err = pg_store_open(&s, argv[1])) == 0 && (err = pg_key_identity(&idobj, home, k->pk)) == 0 &&
	    (err = pg_txn_begin(&t, s, k, &idobj)) == 0) {
		pg_object *o = pg_object_new(PG_T_PEER, k->pk, pg_now());
		pg_object_add(o, "url", argv[2]);
		if ((err = pg_object_sign(o, k->sk)) < 0) {
			pg_object_free(o);
		} else {
			pg_hex(hex, o->id, PG_ID_LEN);
			if ((err = pg_txn_add(t, o, NULL, 0)) == 0)
				err = pg_txn_commit(t);
		}
	}
	if (err < 0)
		fprintf(stderr, "sign_peer: %s\n", pg_error_last());
	else
		printf("%s\n", hex);
	pg_txn_free(t);
	pg_store_free(s);
	pg_key_free(k);
	pg_buf_free(&idobj);
	free(home);
	git_libgit2_shutdown();
	return err < 0 ? 1 : 0;
}
