/* key.c - identity key files: generate, seal, load, list */
#include "key.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_MAX 4096

/* A core file is a copy of memory that outlives the process and lands
 * wherever the system says: none is written while a secret is held. */
static unsigned secrets_held;
static int dumpable_was, core_saved;
static struct rlimit core_was;

void *pg_secret_alloc(size_t n)
{
	if (secrets_held++ == 0) {
		dumpable_was = prctl(PR_GET_DUMPABLE);
		prctl(PR_SET_DUMPABLE, 0);
		if ((core_saved = getrlimit(RLIMIT_CORE, &core_was) == 0)) {
			struct rlimit none = { 0, core_was.rlim_max };
			setrlimit(RLIMIT_CORE, &none);
		}
	}
	void *p = sodium_malloc(n);
	if (!p)
		abort();
	return p;
}

void pg_secret_free(void *p)
{
	if (!p)
		return;
	sodium_free(p); /* wipes */
	if (--secrets_held == 0) {
		if (core_saved)
			setrlimit(RLIMIT_CORE, &core_was);
		if (dumpable_was > 0)
			prctl(PR_SET_DUMPABLE, dumpable_was);
	}
}

char *pg_home(void)
{
	const char *e = getenv("PG_HOME");
	if (e && *e)
		return pg_strdup(e);
	e = getenv("XDG_CONFIG_HOME");
	if (e && *e)
		return pg_path_join(e, "pg");
	e = getenv("HOME");
	return pg_asprintf("%s/.config/pg", e && *e ? e : ".");
}

static char *key_path(const char *home, const uint8_t pk[PG_PK_LEN], const char *suffix)
{
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, pk, PG_PK_LEN);
	return pg_asprintf("%s/keys/%s%s", home, hex, suffix);
}

int pg_key_generate(pg_key **out, const char *name)
{
	int err = pg_value_check(PG_F_LABEL, name, NULL);
	if (err < 0)
		return pg_error_prefix(err, "identity name");
	if ((err = pg_crypto_init()) < 0)
		return err;
	pg_key *k = pg_calloc(1, sizeof(*k));
	k->sk = pg_secret_alloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_keypair(k->pk, k->sk);
	k->name = pg_strdup(name);
	*out = k;
	return 0;
}

void pg_key_free(pg_key *k)
{
	if (!k)
		return;
	pg_secret_free(k->sk);
	free(k->name);
	free(k);
}

/* The key file and, first, its identity object (id, or a plain first
 * version when NULL). */
static int save_key(const pg_key *k, const char *home, const char *passphrase, int64_t date, pg_object *id_given)
{
	char *text = pg_secret_alloc(KEYFILE_MAX);
	size_t len = 0;
	pg_object *id = NULL;
	char *path = NULL, *idpath = NULL, *dir = pg_path_join(home, "keys");
	char hex[PG_HEX_LEN + 1];
	int err;

	if (!k->sk) {
		err = pg_error_set(PG_EKEY, "identity '%s' is not unlocked; nothing to save", k->name);
		goto done;
	}
	if ((err = pg_mkdir_p(dir, 0700)) < 0)
		goto done;
	path = key_path(home, k->pk, "");
	idpath = key_path(home, k->pk, ".id");
	if (access(path, F_OK) == 0) {
		err = pg_error_set(PG_EEXISTS, "key file '%s' already exists", path);
		goto done;
	}

	pg_hex(hex, k->pk, PG_PK_LEN);
	len = (size_t)snprintf(text, KEYFILE_MAX, "pg-key 1\nname %s\npublic %s\n", k->name, hex);
	if (passphrase) {
		uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
		uint8_t ct[crypto_secretbox_MACBYTES + crypto_sign_SECRETKEYBYTES];
		uint8_t *sym = pg_secret_alloc(crypto_secretbox_KEYBYTES);
		unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (crypto_pwhash(sym, crypto_secretbox_KEYBYTES, passphrase, strlen(passphrase), salt,
				  ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
			pg_secret_free(sym);
			err = pg_error_set(PG_ERROR, "not enough memory to derive the key from the passphrase");
			goto done;
		}
		crypto_secretbox_easy(ct, k->sk, crypto_sign_SECRETKEYBYTES, nonce, sym);
		pg_secret_free(sym);
		char s[2 * sizeof(salt) + 1], n[2 * sizeof(nonce) + 1], c[2 * sizeof(ct) + 1];
		pg_hex(s, salt, sizeof(salt));
		pg_hex(n, nonce, sizeof(nonce));
		pg_hex(c, ct, sizeof(ct));
		len += (size_t)snprintf(text + len, KEYFILE_MAX - len, "sealed argon2id13 %llu %zu %s %s %s\n",
					ops, mem, s, n, c);
	} else {
		char *skhex = pg_secret_alloc(2 * crypto_sign_SECRETKEYBYTES + 1);
		pg_hex(skhex, k->sk, crypto_sign_SECRETKEYBYTES);
		len += (size_t)snprintf(text + len, KEYFILE_MAX - len, "secret %s\n", skhex);
		pg_secret_free(skhex);
	}
	if (len >= KEYFILE_MAX) { /* a name is a label: this cannot happen */
		err = pg_error_set(PG_ERROR, "key file for '%s' would be too long", k->name);
		goto done;
	}

	/* the identity object first, so a key file never exists without it */
	if (!id_given) {
		id = pg_object_new(PG_T_IDENTITY, k->pk, date);
		pg_object_add(id, "name", k->name);
		if ((err = pg_object_sign(id, k->sk)) < 0)
			goto done;
	}
	const pg_object *use = id_given ? id_given : id;
	if ((err = pg_write_file_atomic(idpath, use->raw.ptr, use->raw.len, 0644)) < 0)
		goto done;
	err = pg_write_file_atomic(path, text, len, 0600);
done:
	pg_secret_free(text);
	pg_object_free(id);
	free(path);
	free(idpath);
	free(dir);
	return err;
}

int pg_key_save(const pg_key *k, const char *home, const char *passphrase, int64_t date)
{
	return save_key(k, home, passphrase, date, NULL);
}

/* Read a key file's text into secret memory (the caller frees it with
 * pg_secret_free), refusing group/other access. */
static int read_keyfile(char **out, const char *path)
{
	struct stat st;
	int err = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
	*out = NULL;
	if (fd < 0)
		return pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR, "cannot open key file '%s': %s",
				    path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		err = pg_error_set(PG_EKEY, "key file '%s' is not a regular file", path);
	else if (st.st_mode & 077)
		err = pg_error_set(PG_EKEY, "key file '%s' is accessible by others (mode %04o); "
				   "run 'chmod 600 %s'", path, (unsigned)(st.st_mode & 07777), path);
	else if (st.st_uid != getuid())
		err = pg_error_set(PG_EKEY, "key file '%s' is owned by another user", path);
	if (err < 0) {
		close(fd);
		return err;
	}
	char *text = pg_secret_alloc(KEYFILE_MAX + 1);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, text + len, KEYFILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = pg_error_set(PG_ERROR, "cannot read key file '%s': %s", path, strerror(errno));
		else if ((len += (size_t)n) > KEYFILE_MAX)
			err = pg_error_set(PG_EKEY, "'%s' is not a pg key file (over %d bytes)", path, KEYFILE_MAX);
		if (n <= 0 || err < 0)
			break;
	}
	close(fd);
	if (err < 0) {
		pg_secret_free(text);
		return err;
	}
	text[len] = '\0';
	*out = text;
	return 0;
}

/* Find "key value\n" in a key file; returns a pointer to value (up to
 * the newline) or NULL. */
static const char *kf_field(const char *text, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			const char *v = p + kl + 1, *e = strchr(v, '\n');
			*len = e ? (size_t)(e - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

static int parse_public(pg_key **out, const char *text, const char *path)
{
	size_t nl, pl;
	const char *name = kf_field(text, "name", &nl), *pub = kf_field(text, "public", &pl);
	if (strncmp(text, "pg-key 1\n", 9) || !name || !pub || pl != PG_HEX_LEN)
		return pg_error_set(PG_EKEY, "'%s' is not a pg key file", path);
	pg_key *k = pg_calloc(1, sizeof(*k));
	char hex[PG_HEX_LEN + 1];
	memcpy(hex, pub, PG_HEX_LEN);
	hex[PG_HEX_LEN] = '\0';
	if (pg_unhex(k->pk, hex, PG_PK_LEN) < 0) {
		free(k);
		return pg_error_set(PG_EKEY, "'%s': bad public key", path);
	}
	k->name = pg_strndup(name, nl);
	k->sealed = kf_field(text, "sealed", &nl) != NULL;
	*out = k;
	return 0;
}

static int load_public(pg_key **out, const char *path)
{
	char *text;
	int err = read_keyfile(&text, path);
	if (err == 0)
		err = parse_public(out, text, path);
	pg_secret_free(text);
	return err;
}

static int cmp_keys(const void *a, const void *b)
{
	const pg_key *x = *(pg_key *const *)a, *y = *(pg_key *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : memcmp(x->pk, y->pk, PG_PK_LEN);
}

int pg_key_list(pg_key ***out, size_t *n, const char *home)
{
	char *dir = pg_path_join(home, "keys");
	char **names;
	size_t nn;
	pg_key **keys = NULL;
	size_t cnt = 0;
	int err = 0;
	*out = NULL;
	*n = 0;
	if (pg_dir_list(&names, &nn, dir) < 0) { /* no keys yet */
		free(dir);
		return 0;
	}
	for (size_t i = 0; i < nn && err == 0; i++) {
		if (strlen(names[i]) != PG_HEX_LEN || !pg_is_hex(names[i], PG_HEX_LEN))
			continue; /* the .id files, and anything else */
		char *path = pg_path_join(dir, names[i]), hex[PG_HEX_LEN + 1];
		pg_key *k = NULL;
		if ((err = load_public(&k, path)) == 0 && (pg_hex(hex, k->pk, PG_PK_LEN), strcmp(hex, names[i]))) {
			err = pg_error_set(PG_EKEY, "key file '%s' holds another key than its name says", path);
			pg_key_free(k);
		}
		free(path);
		if (err == 0) {
			keys = pg_realloc(keys, (cnt + 1) * sizeof(*keys));
			keys[cnt++] = k;
		}
	}
	pg_dir_list_free(names, nn);
	free(dir);
	if (err < 0) {
		pg_key_list_free(keys, cnt);
		return err;
	}
	if (cnt)
		qsort(keys, cnt, sizeof(*keys), cmp_keys);
	*out = keys;
	*n = cnt;
	return 0;
}

void pg_key_list_free(pg_key **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pg_key_free(keys[i]);
	free(keys);
}

int pg_key_get_current(uint8_t pk[PG_PK_LEN], const char *home)
{
	char *path = pg_path_join(home, "current");
	pg_buf b = PG_BUF_INIT;
	int err = pg_read_file(&b, path, 256);
	free(path);
	if (err < 0) {
		pg_buf_free(&b);
		return pg_error_set(PG_EKEY, "no identity in use; create one with "
				    "'pg id new --name NAME' or pick one with 'pg id use NAME'");
	}
	while (b.len && b.ptr[b.len - 1] == '\n')
		b.ptr[--b.len] = '\0';
	err = b.len == PG_HEX_LEN && pg_unhex(pk, b.ptr, PG_PK_LEN) == 0 ? 0 :
		pg_error_set(PG_EKEY, "'%s/current' is damaged; run 'pg id use NAME'", home);
	pg_buf_free(&b);
	return err;
}

int pg_key_set_current(const char *home, const uint8_t pk[PG_PK_LEN])
{
	char hex[PG_HEX_LEN + 2];
	pg_hex(hex, pk, PG_PK_LEN);
	hex[PG_HEX_LEN] = '\n';
	int err = pg_mkdir_p(home, 0700);
	if (err < 0)
		return err;
	char *path = pg_path_join(home, "current");
	err = pg_write_file_atomic(path, hex, PG_HEX_LEN + 1, 0600);
	free(path);
	return err;
}

int pg_key_find(pg_key **out, const char *home, const char *which)
{
	pg_key **keys;
	size_t n;
	uint8_t cur[PG_PK_LEN];
	int err;
	*out = NULL;
	if (!which) {
		if ((err = pg_key_get_current(cur, home)) < 0)
			return err;
	}
	if ((err = pg_key_list(&keys, &n, home)) < 0)
		return err;
	size_t match = n, nmatch = 0;
	for (size_t i = 0; i < n; i++) {
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, keys[i]->pk, PG_PK_LEN);
		int hit;
		if (!which)
			hit = !memcmp(keys[i]->pk, cur, PG_PK_LEN);
		else
			hit = !strcmp(keys[i]->name, which) ||
			      (strlen(which) >= 4 && !strncmp(hex, which, strlen(which)));
		if (hit)
			match = i, nmatch++;
	}
	if (nmatch > 1 && which) {
		/* a name shared by a rotated key and its successor means the one in service */
		size_t live = n, nlive = 0;
		for (size_t i = 0; i < n; i++) {
			pg_key_state_t st;
			if (strcmp(keys[i]->name, which) || pg_key_state(&st, home, keys[i]->pk) < 0)
				continue;
			if (!st.successor[0] && st.revoked < 0)
				live = i, nlive++;
		}
		pg_error_clear();
		if (nlive == 1)
			match = live, nmatch = 1;
	}
	if (nmatch == 1) {
		*out = keys[match];
		keys[match] = NULL;
	} else if (nmatch == 0) {
		err = which ? pg_error_set(PG_ENOTFOUND, "no identity '%s' in %s/keys; "
					   "'pg id list' shows the ones you have", which, home)
			    : pg_error_set(PG_ENOTFOUND, "the identity in use has no key file in %s/keys; "
					   "pick another with 'pg id use NAME'", home);
	} else {
		err = pg_error_set(PG_EAMBIGUOUS, "'%s' names %zu identities; use a longer key prefix",
				   which, nmatch);
	}
	pg_key_list_free(keys, n);
	return err;
}

int pg_key_unlock(pg_key *k, const char *home, const char *passphrase)
{
	char *text = NULL, *path = key_path(home, k->pk, "");
	int err = read_keyfile(&text, path);
	size_t len;
	const char *v;
	uint8_t *sk = pg_secret_alloc(crypto_sign_SECRETKEYBYTES);
	if (err < 0)
		goto done;
	if ((v = kf_field(text, "secret", &len))) {
		char *hex = pg_secret_alloc(len + 1);
		memcpy(hex, v, len);
		hex[len] = '\0';
		if (len != 2 * crypto_sign_SECRETKEYBYTES || pg_unhex(sk, hex, crypto_sign_SECRETKEYBYTES) < 0)
			err = pg_error_set(PG_EKEY, "'%s': damaged secret key", path);
		pg_secret_free(hex);
	} else if ((v = kf_field(text, "sealed", &len))) {
		unsigned long long ops;
		size_t mem;
		char s[65], n[65], c[300];
		uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
		uint8_t ct[crypto_secretbox_MACBYTES + crypto_sign_SECRETKEYBYTES];
		char *line = pg_strndup(v, len);
		int ok = sscanf(line, "argon2id13 %llu %zu %64s %64s %299s", &ops, &mem, s, n, c) == 5 &&
			 strlen(s) == 2 * sizeof(salt) && strlen(n) == 2 * sizeof(nonce) &&
			 strlen(c) == 2 * sizeof(ct) && pg_unhex(salt, s, sizeof(salt)) == 0 &&
			 pg_unhex(nonce, n, sizeof(nonce)) == 0 && pg_unhex(ct, c, sizeof(ct)) == 0 &&
			 ops <= crypto_pwhash_OPSLIMIT_SENSITIVE && mem <= crypto_pwhash_MEMLIMIT_SENSITIVE;
		free(line);
		if (!ok) {
			err = pg_error_set(PG_EKEY, "'%s': damaged sealed key", path);
			goto done;
		}
		if (!passphrase) {
			err = pg_error_set(PG_EKEY, "identity '%s' is sealed with a passphrase; "
					   "set PG_PASSPHRASE or run on a terminal", k->name);
			goto done;
		}
		uint8_t *sym = pg_secret_alloc(crypto_secretbox_KEYBYTES);
		if (crypto_pwhash(sym, crypto_secretbox_KEYBYTES, passphrase, strlen(passphrase), salt,
				  ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
			err = pg_error_set(PG_ERROR, "not enough memory to derive the key from the passphrase");
		else if (crypto_secretbox_open_easy(sk, ct, sizeof(ct), nonce, sym) != 0)
			err = pg_error_set(PG_EKEY, "wrong passphrase for identity '%s'", k->name);
		pg_secret_free(sym);
	} else {
		err = pg_error_set(PG_EKEY, "'%s' holds no secret key", path);
	}
	if (err == 0 && memcmp(sk + 32, k->pk, PG_PK_LEN) != 0)
		err = pg_error_set(PG_EKEY, "'%s': secret key does not match its public key", path);
done:
	if (err == 0) {
		pg_secret_free(k->sk);
		k->sk = sk;
	} else {
		pg_secret_free(sk);
	}
	pg_secret_free(text);
	free(path);
	return err;
}

int pg_key_identity(pg_buf *out, const char *home, const uint8_t pk[PG_PK_LEN])
{
	char *path = key_path(home, pk, ".id");
	int err = pg_read_file(out, path, PG_OBJECT_MAX);
	free(path);
	return err;
}

/* --- the identity's lifecycle ----------------------------------------------- */

int pg_key_state(pg_key_state_t *st, const char *home, const uint8_t pk[PG_PK_LEN])
{
	pg_buf b = PG_BUF_INIT;
	pg_object *o = NULL;
	memset(st, 0, sizeof(*st));
	st->version = 1;
	st->revoked = -1;
	int err = pg_key_identity(&b, home, pk);
	if (err == 0 && (err = pg_object_decode(&o, b.ptr, b.len, 0)) == 0) {
		const char *v = pg_object_get(o, "version"), *succ = pg_object_get(o, "successor");
		const char *rev = pg_object_get(o, "revoked");
		if (v)
			st->version = strtoull(v, NULL, 10);
		if (succ)
			snprintf(st->successor, sizeof(st->successor), "%s", succ);
		if (rev)
			st->revoked = strtoll(rev, NULL, 10);
	}
	pg_object_free(o);
	pg_buf_free(&b);
	return err;
}

/* The next version of k's identity: the fields it had, and what changes. */
static int next_identity(pg_object **out, const pg_key *k, const char *home, const char *successor,
			 int64_t revoked, int64_t date)
{
	pg_key_state_t st;
	int err = pg_key_state(&st, home, k->pk);
	char ver[24], rev[24];
	*out = NULL;
	if (err < 0)
		return err;
	if (st.successor[0] && successor)
		return pg_error_set(PG_EEXISTS, "identity '%s' was handed over to %.12s already", k->name,
				    st.successor);
	if (st.revoked >= 0 && revoked >= 0)
		return pg_error_set(PG_EEXISTS, "identity '%s' is revoked already", k->name);
	pg_object *o = pg_object_new(PG_T_IDENTITY, k->pk, date);
	snprintf(ver, sizeof(ver), "%llu", (unsigned long long)st.version + 1);
	pg_object_add(o, "name", k->name);
	pg_object_add(o, "version", ver);
	if (successor || st.successor[0])
		pg_object_add(o, "successor", successor ? successor : st.successor);
	if (revoked >= 0 || st.revoked >= 0) {
		snprintf(rev, sizeof(rev), "%lld", (long long)(revoked >= 0 ? revoked : st.revoked));
		pg_object_add(o, "revoked", rev);
	}
	if ((err = pg_object_sign(o, k->sk)) < 0) {
		pg_object_free(o);
		return err;
	}
	*out = o;
	return 0;
}

static int write_identity(const char *home, const pg_object *o)
{
	char *path = key_path(home, o->author, ".id");
	int err = pg_write_file_atomic(path, o->raw.ptr, o->raw.len, 0644);
	free(path);
	return err;
}

int pg_key_rotate(pg_key **out, pg_object **old_next, const pg_key *old, const char *home, const char *passphrase,
		  int64_t date)
{
	pg_key *k = NULL;
	pg_object *first = NULL, *next = NULL;
	pg_buf msg = PG_BUF_INIT;
	char hex[PG_HEX_LEN + 1], sighex[2 * PG_SIG_LEN + 1];
	uint8_t sig[PG_SIG_LEN];
	int err;
	*out = NULL;
	*old_next = NULL;
	if (!old->sk)
		return pg_error_set(PG_EKEY, "identity '%s' is not unlocked", old->name);
	if ((err = pg_key_generate(&k, old->name)) < 0)
		return err;
	pg_hex(hex, k->pk, PG_PK_LEN);
	if ((err = next_identity(&next, old, home, hex, -1, date)) < 0)
		goto done;
	/* the new key's first identity carries the old key's signature */
	pg_handover_message(&msg, old->pk, k->pk);
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg.ptr, msg.len, old->sk);
	pg_hex(sighex, sig, PG_SIG_LEN);
	pg_hex(hex, old->pk, PG_PK_LEN);
	first = pg_object_new(PG_T_IDENTITY, k->pk, date);
	pg_object_add(first, "name", k->name);
	pg_object_add(first, "predecessor", hex);
	pg_object_add(first, "handover", sighex);
	if ((err = pg_object_sign(first, k->sk)) < 0 || (err = save_key(k, home, passphrase, date, first)) < 0 ||
	    (err = write_identity(home, next)) < 0)
		goto done;
	*out = k;
	*old_next = next;
	k = NULL;
	next = NULL;
done:
	pg_key_free(k);
	pg_object_free(first);
	pg_object_free(next);
	pg_buf_free(&msg);
	return err;
}

int pg_key_revoke(pg_object **next, const pg_key *k, const char *home, int64_t from, int64_t date)
{
	int err;
	*next = NULL;
	if (!k->sk)
		return pg_error_set(PG_EKEY, "identity '%s' is not unlocked", k->name);
	if ((err = next_identity(next, k, home, NULL, from, date)) == 0 && (err = write_identity(home, *next)) < 0) {
		pg_object_free(*next);
		*next = NULL;
	}
	return err;
}
