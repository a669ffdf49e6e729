/* key.h - identities: Ed25519 key pairs kept outside the store
 *
 * Keys live in $PG_HOME (default $XDG_CONFIG_HOME/pg, else ~/.config/pg):
 *
 *     keys/<public hex>        the key file, mode 0600 (refused otherwise)
 *     keys/<public hex>.id     the signed identity object, shared by stores
 *     current                  the public hex of the identity in use
 *
 * A key file is plain or sealed with a passphrase (crypto_pwhash Argon2id
 * + crypto_secretbox).  Secrets (secret keys, passphrases, key file
 * text) live only in pg_secret_alloc() memory: locked, guarded, wiped when
 * freed, and while any is held the process dumps no core.
 */
#ifndef PG_KEY_H
#define PG_KEY_H

#include "object.h"

typedef struct pg_key {
	uint8_t pk[PG_PK_LEN];
	uint8_t *sk; /* 64 bytes in guarded memory, or NULL if not unlocked */
	char *name;
	int sealed;
} pg_key;

/* n bytes of secret memory (aborts when none is left); free with
 * pg_secret_free, which wipes it.  From the first held to the last freed,
 * the process is not dumpable and its core size limit is 0. */
void *pg_secret_alloc(size_t n);
void pg_secret_free(void *p);

/* The config directory; the caller frees it. */
char *pg_home(void);

int pg_key_generate(pg_key **out, const char *name);
void pg_key_free(pg_key *k);

/* Write the key file (sealed when passphrase != NULL) and its identity
 * object.  Refuses to overwrite. */
int pg_key_save(const pg_key *k, const char *home, const char *passphrase, int64_t date);

/* Look an identity up by name or public-key prefix (>= 4 hex) among the
 * key files, reading only public parts; NULL which means the current one. */
int pg_key_find(pg_key **out, const char *home, const char *which);

/* Unlock the secret half; passphrase is needed only for sealed keys. */
int pg_key_unlock(pg_key *k, const char *home, const char *passphrase);

/* All identities with key files, sorted by name. */
int pg_key_list(pg_key ***out, size_t *n, const char *home);
void pg_key_list_free(pg_key **keys, size_t n);

int pg_key_set_current(const char *home, const uint8_t pk[PG_PK_LEN]);
int pg_key_get_current(uint8_t pk[PG_PK_LEN], const char *home);

/* The identity object, as saved beside the key file. */
int pg_key_identity(pg_buf *out, const char *home, const uint8_t pk[PG_PK_LEN]);

/* The lifecycle of an identity (format.md §3.5): its identity object has
 * a version that only goes up, may name a successor key (a rotation, the
 * successor's first identity carrying this key's handover signature) and
 * may say from when the key is revoked. */
typedef struct pg_key_state_t {
	uint64_t version;
	char successor[PG_HEX_LEN + 1]; /* "" if none */
	int64_t revoked;                /* -1 if not */
} pg_key_state_t;
int pg_key_state(pg_key_state_t *st, const char *home, const uint8_t pk[PG_PK_LEN]);

/* A new key for old's name, saved (sealed with passphrase if not NULL):
 * its identity names old as predecessor with old's handover signature;
 * *old_next is old's next identity version, naming the successor.  Both
 * identity files are written; publishing is the caller's. */
int pg_key_rotate(pg_key **out, pg_object **old_next, const pg_key *old, const char *home, const char *passphrase,
		  int64_t date);
/* k's next identity version, revoked from 'from' (seconds since the epoch):
 * its claims dated from then on are void.  Written to the identity file. */
int pg_key_revoke(pg_object **next, const pg_key *k, const char *home, int64_t from, int64_t date);

#endif
