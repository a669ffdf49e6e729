/* key.h - identities: Ed25519 key pairs kept outside the store
 *
 * Keys live in $PG_HOME (default $XDG_CONFIG_HOME/pg, else ~/.config/pg):
 *
 *     keys/<public hex>        the key file, mode 0600 (refused otherwise)
 *     keys/<public hex>.id     the signed identity object, shared by stores
 *     current                  the public hex of the identity in use
 *
 * A key file is plain or sealed with a passphrase (crypto_pwhash Argon2id
 * + crypto_secretbox).  Secret keys are held in sodium_malloc() memory and
 * wiped when freed.
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

#endif
