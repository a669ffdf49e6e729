/* world.h - identities and signed objects for the unit tests that need a store */
#ifndef PG_UNIT_WORLD_H
#define PG_UNIT_WORLD_H

#include <sodium.h>

#include "key.h"
#include "object.h"
#include "payload.h"
#include "store.h"

struct who {
	uint8_t pk[32], sk[64];
	pg_key key;
	pg_buf identity;
};

static inline void make_who(struct who *w, const char *name)
{
	crypto_sign_keypair(w->pk, w->sk);
	w->key.sk = w->sk;
	memcpy(w->key.pk, w->pk, 32);
	w->key.name = (char *)name;
	pg_object *id = pg_object_new(PG_T_IDENTITY, w->pk, 1000);
	pg_object_add(id, "name", name);
	assert_int_equal(pg_object_sign(id, w->sk), 0);
	memset(&w->identity, 0, sizeof(w->identity));
	pg_buf_put(&w->identity, id->raw.ptr, id->raw.len);
	pg_object_free(id);
}

/* A signed interface object by w with the payload in *tar. */
static inline pg_object *interface(struct who *w, const char *name, pg_buf *tar, const char *content)
{
	char *dir = unit_tmpdir(), *f = pg_path_join(dir, "README.md");
	FILE *fp = fopen(f, "w");
	fputs(content, fp);
	fclose(fp);
	assert_int_equal(pg_payload_create(tar, dir, NULL, NULL, NULL), 0);
	free(f);
	unit_rmtree(dir);
	uint8_t h[32];
	char hex[65], field[100];
	pg_hash(h, tar->ptr, tar->len);
	pg_hex(hex, h, 32);
	snprintf(field, sizeof(field), "%s %zu", hex, tar->len);
	pg_object *o = pg_object_new(PG_T_INTERFACE, w->pk, 2000);
	pg_object_add(o, "name", name);
	pg_object_add(o, "payload", field);
	assert_int_equal(pg_object_sign(o, w->sk), 0);
	return o;
}

/* A new empty store in a new temporary directory (*dir). */
static inline pg_store *new_store(char **dir)
{
	pg_store *s;
	*dir = unit_tmpdir();
	assert_int_equal(pg_store_init(*dir), 0);
	char *p = pg_path_join(*dir, ".pg");
	assert_int_equal(pg_store_open(&s, p), 0);
	free(p);
	return s;
}

#endif
