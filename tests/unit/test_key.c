/* test_key.c - identities: key files, sealing, permissions, lookup and the current identity */
#include "unit.h"
#include "key.h"
#include "object.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATE 1700000000
#define PASS "correct horse"

/* A temporary root, and HOME = root/pg, which pg_key_save must create. */
struct home {
	char *root, *home;
};

static struct home home_new(void)
{
	struct home h;
	h.root = unit_tmpdir();
	h.home = pg_path_join(h.root, "pg");
	return h;
}

static void home_free(struct home *h)
{
	free(h->home);
	unit_rmtree(h->root);
}

static char *key_file(const char *home, const uint8_t pk[PG_PK_LEN], const char *suffix)
{
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, pk, PG_PK_LEN);
	return pg_asprintf("%s/keys/%s%s", home, hex, suffix);
}

static char *slurp(const char *path)
{
	pg_buf b = PG_BUF_INIT;
	if (pg_read_file(&b, path, 1 << 20) < 0)
		fail_msg("%s", pg_error_last());
	return pg_buf_detach(&b);
}

/* Write a file with exactly this mode. */
static void write_mode(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static pg_key *gen(const char *name)
{
	pg_key *k = NULL;
	if (pg_key_generate(&k, name) < 0)
		fail_msg("%s", pg_error_last());
	return k;
}

/* A key from a fixed seed, so that tests can rely on its public key. */
static pg_key *seeded(const char *name, uint32_t n)
{
	pg_key *k = gen(name);
	uint8_t seed[crypto_sign_SEEDBYTES] = { 0 };
	memcpy(seed, &n, sizeof(n));
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	return k;
}

static void save(const pg_key *k, const char *home, const char *pass)
{
	if (pg_key_save(k, home, pass, DATE) < 0)
		fail_msg("save '%s': %s", k->name, pg_error_last());
}

static pg_key *find(const char *home, const char *which)
{
	pg_key *k = NULL;
	if (pg_key_find(&k, home, which) < 0)
		fail_msg("find '%s': %s", which ? which : "(current)", pg_error_last());
	assert_non_null(k);
	return k;
}

/* sk signs an object that verifies under pk. */
static void assert_signs(const uint8_t *sk, const uint8_t pk[PG_PK_LEN])
{
	pg_object *o = pg_object_new(PG_T_PEER, pk, DATE), *d = NULL;
	pg_object_add(o, "url", "https://example.org/pg");
	assert_int_equal(pg_object_sign(o, sk), 0);
	assert_int_equal(pg_object_decode(&d, o->raw.ptr, o->raw.len, 0), 0);
	assert_memory_equal(d->author, pk, PG_PK_LEN);
	pg_object_free(d);
	pg_object_free(o);
}

/* The "no identity in use" error is a key error (pg exits 6 for it). */
static void assert_no_current(int err)
{
	assert_error(err, PG_EKEY, "no identity in use");
}

/* ---- generate and save ---- */

static void test_save_unsealed(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *k = gen("alice");
	assert_non_null(k->sk);
	assert_string_equal(k->name, "alice");
	assert_memory_equal(k->sk + 32, k->pk, PG_PK_LEN); /* libsodium: sk = seed || pk */

	mode_t old = umask(0); /* the modes must not depend on the umask */
	int err = pg_key_save(k, h.home, NULL, DATE);
	umask(old);
	if (err < 0)
		fail_msg("%s", pg_error_last());

	/* HOME/keys/<hex>, mode 0600, in a directory only the owner can enter */
	struct stat st;
	char *path = key_file(h.home, k->pk, "");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	char *keys = pg_path_join(h.home, "keys");
	assert_int_equal(stat(keys, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	free(keys);

	/* an unsealed key file holds the secret key; a sealed one must not (below) */
	char *text = slurp(path);
	char skhex[2 * crypto_sign_SECRETKEYBYTES + 1], pkhex[PG_HEX_LEN + 1];
	pg_hex(skhex, k->sk, crypto_sign_SECRETKEYBYTES);
	pg_hex(pkhex, k->pk, PG_PK_LEN);
	assert_non_null(strstr(text, skhex));
	assert_non_null(strstr(text, pkhex));
	free(text);
	free(path);

	/* HOME/keys/<hex>.id: the signed identity object */
	path = key_file(h.home, k->pk, ".id");
	text = slurp(path);
	size_t len = strlen(text);
	pg_object *o = NULL;
	if (pg_object_decode(&o, text, len, 0) < 0)
		fail_msg("identity object: %s", pg_error_last());
	assert_int_equal(o->type, PG_T_IDENTITY);
	assert_string_equal(pg_object_get(o, "name"), "alice");
	assert_memory_equal(o->author, k->pk, PG_PK_LEN);
	assert_int_equal(o->date, DATE);
	uint8_t id[PG_ID_LEN];
	pg_hash(id, text, len);
	assert_memory_equal(o->id, id, PG_ID_LEN);
	pg_object_free(o);

	/* pg_key_identity gives the same bytes */
	pg_buf b = PG_BUF_INIT;
	assert_int_equal(pg_key_identity(&b, h.home, k->pk), 0);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.ptr, text, len);
	pg_buf_free(&b);
	free(text);
	free(path);
	pg_key_free(k);
	pg_key_free(NULL);
	home_free(&h);
}

static void test_generate_refuses_bad_name(void **state)
{
	(void)state;
	pg_key *k = NULL;
	assert_error(pg_key_generate(&k, "bad name"), PG_EINVALID, "identity name");
	assert_null(k);
	assert_error(pg_key_generate(&k, ""), PG_EINVALID, "identity name");
	assert_error(pg_key_generate(&k, "-alice"), PG_EINVALID, "not a valid name");
	assert_null(k);
}

/* Two keys made from different seeds have different key pairs. */
static void test_generate_is_random(void **state)
{
	(void)state;
	pg_key *a = gen("alice"), *b = gen("alice");
	assert_memory_not_equal(a->pk, b->pk, PG_PK_LEN);
	assert_memory_not_equal(a->sk, b->sk, 32);
	pg_key_free(a);
	pg_key_free(b);
}

/* ---- find ---- */

static void test_find_by_name_and_prefix(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *alice = seeded("alice", 1), *bob = seeded("bob", 2);
	char ahex[PG_HEX_LEN + 1], bhex[PG_HEX_LEN + 1];
	pg_hex(ahex, alice->pk, PG_PK_LEN);
	pg_hex(bhex, bob->pk, PG_PK_LEN);
	assert_true(strncmp(ahex, bhex, 4) != 0); /* the seeds were chosen so */
	save(alice, h.home, NULL);
	save(bob, h.home, NULL);

	pg_key *k = find(h.home, "alice");
	assert_memory_equal(k->pk, alice->pk, PG_PK_LEN);
	assert_string_equal(k->name, "alice");
	assert_null(k->sk); /* find reads only public parts */
	assert_int_equal(k->sealed, 0);
	pg_key_free(k);

	k = find(h.home, "bob");
	assert_memory_equal(k->pk, bob->pk, PG_PK_LEN);
	pg_key_free(k);

	/* by prefix: 4 hex digits, more, all 64 */
	char pre[PG_HEX_LEN + 1];
	for (size_t n = 4; n <= PG_HEX_LEN; n += 30) {
		memcpy(pre, ahex, n);
		pre[n] = '\0';
		k = find(h.home, pre);
		assert_memory_equal(k->pk, alice->pk, PG_PK_LEN);
		pg_key_free(k);
	}
	k = find(h.home, bhex);
	assert_string_equal(k->name, "bob");
	pg_key_free(k);

	/* not found: an unknown name, a prefix under 4 digits, a wrong prefix */
	static pg_key dummy;
	k = &dummy; /* must come back NULL */
	assert_error(pg_key_find(&k, h.home, "carol"), PG_ENOTFOUND, "no identity 'carol'");
	assert_null(k);
	memcpy(pre, ahex, 3);
	pre[3] = '\0';
	assert_error(pg_key_find(&k, h.home, pre), PG_ENOTFOUND, "no identity");
	memcpy(pre, ahex, 8);
	pre[8] = '\0';
	pre[7] = pre[7] == '0' ? '1' : '0';
	if (strncmp(pre, bhex, 8) != 0)
		assert_error(pg_key_find(&k, h.home, pre), PG_ENOTFOUND, "no identity");
	/* names are exact */
	assert_error(pg_key_find(&k, h.home, "Alice"), PG_ENOTFOUND, "no identity 'Alice'");
	assert_error(pg_key_find(&k, h.home, "alic"), PG_ENOTFOUND, "no identity");

	/* a home without keys */
	struct home empty = home_new();
	assert_error(pg_key_find(&k, empty.home, "alice"), PG_ENOTFOUND, "no identity 'alice'");
	home_free(&empty);

	pg_key_free(alice);
	pg_key_free(bob);
	home_free(&h);
}

static void test_find_ambiguous(void **state)
{
	(void)state;
	struct home h = home_new();

	/* two identities with one name */
	pg_key *a1 = seeded("alice", 10), *a2 = seeded("alice", 11);
	save(a1, h.home, NULL);
	save(a2, h.home, NULL);
	pg_key *k = NULL;
	assert_error(pg_key_find(&k, h.home, "alice"), PG_EAMBIGUOUS, "'alice' names 2 identities");
	assert_null(k);
	/* the full key tells them apart */
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, a2->pk, PG_PK_LEN);
	k = find(h.home, hex);
	assert_memory_equal(k->pk, a2->pk, PG_PK_LEN);
	pg_key_free(k);

	/* two keys whose public halves share their first 4 hex digits:
	 * search seeds deterministically for a collision */
	static int first[65536];
	uint8_t pk[PG_PK_LEN], sk[crypto_sign_SECRETKEYBYTES], seed[crypto_sign_SEEDBYTES] = { 0 };
	memset(first, -1, sizeof(first));
	int x = -1, y = -1;
	for (int n = 100; n < 100 + 20000 && x < 0; n++) {
		memcpy(seed, &n, sizeof(n));
		crypto_sign_seed_keypair(pk, sk, seed);
		int p = pk[0] << 8 | pk[1];
		if (first[p] >= 0)
			x = first[p], y = n;
		else
			first[p] = n;
	}
	assert_true(x >= 0);
	pg_key *c1 = seeded("carol", (uint32_t)x), *c2 = seeded("dave", (uint32_t)y);
	save(c1, h.home, NULL);
	save(c2, h.home, NULL);
	char h1[PG_HEX_LEN + 1], h2[PG_HEX_LEN + 1];
	pg_hex(h1, c1->pk, PG_PK_LEN);
	pg_hex(h2, c2->pk, PG_PK_LEN);
	size_t common = 0;
	while (h1[common] == h2[common])
		common++;
	assert_true(common >= 4);
	char pre[PG_HEX_LEN + 1];
	memcpy(pre, h1, common);
	pre[common] = '\0';
	assert_error(pg_key_find(&k, h.home, pre), PG_EAMBIGUOUS, "names 2 identities");
	assert_null(k);
	/* one digit more is unique */
	memcpy(pre, h2, common + 1);
	pre[common + 1] = '\0';
	k = find(h.home, pre);
	assert_string_equal(k->name, "dave");
	pg_key_free(k);
	k = find(h.home, "carol");
	assert_memory_equal(k->pk, c1->pk, PG_PK_LEN);
	pg_key_free(k);

	pg_key_free(a1);
	pg_key_free(a2);
	pg_key_free(c1);
	pg_key_free(c2);
	home_free(&h);
}

/* ---- the current identity ---- */

static void test_current(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *alice = seeded("alice", 1), *bob = seeded("bob", 2), *k = NULL;
	uint8_t pk[PG_PK_LEN];

	assert_no_current(pg_key_get_current(pk, h.home));
	save(alice, h.home, NULL);
	save(bob, h.home, NULL);
	assert_no_current(pg_key_find(&k, h.home, NULL));
	assert_null(k);

	assert_int_equal(pg_key_set_current(h.home, alice->pk), 0);
	assert_int_equal(pg_key_get_current(pk, h.home), 0);
	assert_memory_equal(pk, alice->pk, PG_PK_LEN);
	k = find(h.home, NULL);
	assert_string_equal(k->name, "alice");
	assert_memory_equal(k->pk, alice->pk, PG_PK_LEN);
	pg_key_free(k);

	assert_int_equal(pg_key_set_current(h.home, bob->pk), 0);
	k = find(h.home, NULL);
	assert_string_equal(k->name, "bob");
	pg_key_free(k);
	/* a name still finds the other one */
	k = find(h.home, "alice");
	assert_string_equal(k->name, "alice");
	pg_key_free(k);

	/* the current identity without a key file */
	pg_key *ghost = seeded("ghost", 3);
	assert_int_equal(pg_key_set_current(h.home, ghost->pk), 0);
	assert_error(pg_key_find(&k, h.home, NULL), PG_ENOTFOUND, "has no key file");
	assert_null(k);
	pg_key_free(ghost);

	/* a damaged 'current' file */
	char *cur = pg_path_join(h.home, "current");
	write_mode(cur, "not a key\n", 10, 0600);
	assert_error(pg_key_get_current(pk, h.home), PG_EKEY, "damaged");
	assert_error(pg_key_find(&k, h.home, NULL), PG_EKEY, "damaged");
	free(cur);

	/* set_current creates HOME if needed */
	struct home fresh = home_new();
	assert_int_equal(pg_key_set_current(fresh.home, alice->pk), 0);
	assert_int_equal(pg_key_get_current(pk, fresh.home), 0);
	assert_memory_equal(pk, alice->pk, PG_PK_LEN);
	home_free(&fresh);

	pg_key_free(alice);
	pg_key_free(bob);
	home_free(&h);
}

/* ---- unlock ---- */

static void test_unlock_unsealed(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *orig = gen("alice");
	save(orig, h.home, NULL);
	pg_key *k = find(h.home, "alice");
	assert_null(k->sk);
	assert_int_equal(pg_key_unlock(k, h.home, NULL), 0);
	assert_non_null(k->sk);
	assert_memory_equal(k->sk, orig->sk, crypto_sign_SECRETKEYBYTES);
	assert_signs(k->sk, k->pk);
	/* unlocking twice is harmless */
	assert_int_equal(pg_key_unlock(k, h.home, NULL), 0);
	assert_signs(k->sk, k->pk);

	/* the key file gone */
	char *path = key_file(h.home, k->pk, "");
	assert_int_equal(unlink(path), 0);
	pg_key *k2 = pg_calloc(1, sizeof(*k2));
	memcpy(k2->pk, k->pk, PG_PK_LEN);
	k2->name = pg_strdup("alice");
	assert_error(pg_key_unlock(k2, h.home, NULL), PG_ENOTFOUND, "cannot open key file");
	assert_null(k2->sk);
	free(path);
	pg_key_free(k2);
	pg_key_free(k);
	pg_key_free(orig);
	home_free(&h);
}

static void test_sealed(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *orig = gen("alice");
	save(orig, h.home, PASS);

	/* the key file is 0600 and holds neither the secret key nor the passphrase */
	char *path = key_file(h.home, orig->pk, "");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char *text = slurp(path);
	char skhex[2 * crypto_sign_SECRETKEYBYTES + 1], pkhex[PG_HEX_LEN + 1];
	pg_hex(skhex, orig->sk, crypto_sign_SECRETKEYBYTES);
	pg_hex(pkhex, orig->pk, PG_PK_LEN);
	assert_null(strstr(text, skhex));
	skhex[64] = '\0'; /* the seed half alone */
	assert_null(strstr(text, skhex));
	assert_null(strstr(text, PASS));
	assert_non_null(strstr(text, pkhex)); /* the public key is readable */
	free(text);

	/* found without a passphrase, as sealed */
	pg_key *k = find(h.home, "alice");
	assert_int_equal(k->sealed, 1);
	assert_null(k->sk);
	assert_memory_equal(k->pk, orig->pk, PG_PK_LEN);

	assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "sealed with a passphrase");
	assert_null(k->sk);
	assert_error(pg_key_unlock(k, h.home, "wrong horse"), PG_EKEY, "wrong passphrase");
	assert_null(k->sk);
	assert_error(pg_key_unlock(k, h.home, ""), PG_EKEY, "wrong passphrase");
	assert_null(k->sk);
	assert_int_equal(pg_key_unlock(k, h.home, PASS), 0);
	assert_non_null(k->sk);
	assert_memory_equal(k->sk, orig->sk, crypto_sign_SECRETKEYBYTES);
	assert_signs(k->sk, k->pk);

	/* the identity object is there, as for an unsealed key */
	pg_buf b = PG_BUF_INIT;
	pg_object *o = NULL;
	assert_int_equal(pg_key_identity(&b, h.home, orig->pk), 0);
	assert_int_equal(pg_object_decode(&o, b.ptr, b.len, 0), 0);
	assert_string_equal(pg_object_get(o, "name"), "alice");
	pg_object_free(o);
	pg_buf_free(&b);

	/* the same key sealed twice gives different files (fresh salt and nonce) */
	struct home h2 = home_new();
	save(orig, h2.home, PASS);
	char *path2 = key_file(h2.home, orig->pk, "");
	char *t1 = slurp(path), *t2 = slurp(path2);
	assert_string_not_equal(t1, t2);
	free(t1), free(t2), free(path2);
	home_free(&h2);

	free(path);
	pg_key_free(k);
	pg_key_free(orig);
	home_free(&h);
}

/* ---- permissions, overwriting, listing, damage ---- */

static void test_loose_permissions(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *orig = gen("alice");
	save(orig, h.home, NULL);
	pg_key *k = find(h.home, "alice");
	char *path = key_file(h.home, orig->pk, "");

	static const mode_t loose[] = { 0644, 0640, 0604, 0660, 0606, 0666 };
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		assert_int_equal(chmod(path, loose[i]), 0);
		pg_key *f = NULL;
		assert_error(pg_key_find(&f, h.home, "alice"), PG_EKEY, "chmod 600");
		assert_null(f);
		assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "chmod 600");
		assert_null(k->sk);
		assert_true(strstr(pg_error_last(), path) != NULL); /* names the file */
	}
	/* stricter than 0600 is fine */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(pg_key_unlock(k, h.home, NULL), 0);
	assert_signs(k->sk, k->pk);

	free(path);
	pg_key_free(k);
	pg_key_free(orig);
	home_free(&h);
}

static void test_save_refuses_overwrite(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *k = gen("alice");
	save(k, h.home, NULL);
	char *path = key_file(h.home, k->pk, ""), *idpath = key_file(h.home, k->pk, ".id");
	char *before = slurp(path), *idbefore = slurp(idpath);

	assert_error(pg_key_save(k, h.home, PASS, DATE + 1), PG_EEXISTS, "already exists");
	char *after = slurp(path), *idafter = slurp(idpath);
	assert_string_equal(before, after);
	assert_string_equal(idbefore, idafter);

	/* still the unsealed key it was */
	pg_key *f = find(h.home, "alice");
	assert_int_equal(f->sealed, 0);
	assert_int_equal(pg_key_unlock(f, h.home, NULL), 0);
	assert_memory_equal(f->sk, k->sk, crypto_sign_SECRETKEYBYTES);
	pg_key_free(f);

	free(before), free(after), free(idbefore), free(idafter);
	free(path), free(idpath);
	pg_key_free(k);
	home_free(&h);
}

static void test_list_sorted(void **state)
{
	(void)state;
	struct home h = home_new();
	static pg_key *dummy[1];
	pg_key **keys = dummy; /* must come back NULL */
	size_t n = 99;

	/* no keys directory: an empty list */
	assert_int_equal(pg_key_list(&keys, &n, h.home), 0);
	assert_int_equal(n, 0);
	assert_null(keys);
	pg_key_list_free(keys, n);

	pg_key *carol = gen("carol"), *alice = gen("alice"), *bob = gen("bob"), *bob2 = gen("bob");
	save(carol, h.home, NULL);
	save(alice, h.home, PASS);
	save(bob, h.home, NULL);
	save(bob2, h.home, NULL);
	/* other files in keys/ are not keys */
	char *readme = pg_asprintf("%s/keys/README", h.home);
	write_mode(readme, "x\n", 2, 0644);
	free(readme);

	assert_int_equal(pg_key_list(&keys, &n, h.home), 0);
	assert_int_equal(n, 4);
	assert_string_equal(keys[0]->name, "alice");
	assert_string_equal(keys[1]->name, "bob");
	assert_string_equal(keys[2]->name, "bob");
	assert_string_equal(keys[3]->name, "carol");
	assert_memory_equal(keys[0]->pk, alice->pk, PG_PK_LEN);
	assert_memory_equal(keys[3]->pk, carol->pk, PG_PK_LEN);
	assert_int_equal(keys[0]->sealed, 1);
	assert_int_equal(keys[3]->sealed, 0);
	/* both bobs, in a stable order (by key) */
	const uint8_t *lo = memcmp(bob->pk, bob2->pk, PG_PK_LEN) < 0 ? bob->pk : bob2->pk;
	const uint8_t *hi = lo == bob->pk ? bob2->pk : bob->pk;
	assert_memory_equal(keys[1]->pk, lo, PG_PK_LEN);
	assert_memory_equal(keys[2]->pk, hi, PG_PK_LEN);
	for (size_t i = 0; i < n; i++)
		assert_null(keys[i]->sk);
	pg_key_list_free(keys, n);

	pg_key_free(carol);
	pg_key_free(alice);
	pg_key_free(bob);
	pg_key_free(bob2);
	home_free(&h);
}

/* Replace the first occurrence of from in s by to; the result is new. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert_non_null(p);
	return pg_asprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static void test_damaged_key_files(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *orig = gen("alice"), *other = gen("zed");
	save(orig, h.home, NULL);
	char *path = key_file(h.home, orig->pk, "");
	char *good = slurp(path);
	size_t len = strlen(good);
	pg_key *k = find(h.home, "alice"), *f = NULL;
	char skhex[2 * crypto_sign_SECRETKEYBYTES + 1];
	pg_hex(skhex, orig->sk, crypto_sign_SECRETKEYBYTES);

	/* not a pg key file at all, empty, or cut before the public key:
	 * find names the file */
	static const char *const junk[] = { "hello world\n", "", "pg-key 1\n", "pg-key 2\nname alice\n" };
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		write_mode(path, junk[i], strlen(junk[i]), 0600);
		assert_error(pg_key_find(&f, h.home, "alice"), PG_EKEY, "is not a pg key file");
		assert_null(f);
		assert_true(strstr(pg_error_last(), path) != NULL);
	}
	/* cut at several lengths before the secret line ends */
	const char *sec = strstr(good, "secret ");
	assert_non_null(sec);
	size_t cuts[] = { 5, 20, (size_t)(sec - good), (size_t)(sec - good) + 7 + 64, len - 2 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_mode(path, good, cuts[i], 0600);
		pg_key *g = NULL;
		int err = pg_key_find(&g, h.home, "alice");
		if (err == 0) {
			/* the public part survived: unlocking must fail cleanly */
			pg_key_free(g);
			err = pg_key_unlock(k, h.home, NULL);
			if (err != PG_EKEY || !strstr(pg_error_last(), path))
				fail_msg("cut at %zu: unlock gave %d: %s", cuts[i], err, pg_error_last());
			assert_null(k->sk);
		} else if (err != PG_EKEY || !strstr(pg_error_last(), "not a pg key file")) {
			fail_msg("cut at %zu: find gave %d: %s", cuts[i], err, pg_error_last());
		}
	}
	/* the secret line specifically */
	char *t = replace(good, skhex, "abcd");
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "damaged secret key");
	char upper[sizeof(skhex)];
	for (size_t i = 0; i < sizeof(skhex); i++)
		upper[i] = (skhex[i] >= 'a' && skhex[i] <= 'f') ? (char)(skhex[i] - 32) : skhex[i];
	t = replace(good, skhex, upper);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "damaged secret key");
	t = replace(good, "secret ", "secrer ");
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "holds no secret key");
	/* another identity's secret key under alice's public key */
	char othex[sizeof(skhex)];
	pg_hex(othex, other->sk, crypto_sign_SECRETKEYBYTES);
	t = replace(good, skhex, othex);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, NULL), PG_EKEY, "does not match its public key");
	assert_null(k->sk);
	/* repaired, it works again */
	write_mode(path, good, len, 0600);
	assert_int_equal(pg_key_unlock(k, h.home, NULL), 0);
	assert_signs(k->sk, k->pk);

	free(good);
	free(path);
	pg_key_free(k);
	pg_key_free(orig);
	pg_key_free(other);
	home_free(&h);
}

static void test_damaged_sealed_key(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *orig = gen("alice");
	save(orig, h.home, PASS);
	char *path = key_file(h.home, orig->pk, "");
	char *good = slurp(path);
	pg_key *k = find(h.home, "alice");

	/* the sealed line: "sealed argon2id13 OPS MEM SALT NONCE BOX" */
	const char *line = strstr(good, "sealed argon2id13 ");
	assert_non_null(line);
	const char *ops = line + strlen("sealed argon2id13 ");
	const char *mem = strchr(ops, ' ') + 1;
	const char *salt = strchr(mem, ' ') + 1;
	const char *box = strrchr(good, ' ') + 1;
	const char *eol = strchr(box, '\n');
	assert_non_null(eol);

	/* the box cut in half */
	char *t = pg_asprintf("%.*s\n", (int)(box - good + (eol - box) / 2), good);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, PASS), PG_EKEY, "damaged sealed key");
	/* the file cut inside the salt */
	t = pg_asprintf("%.*s\n", (int)(salt - good + 5), good);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, PASS), PG_EKEY, "damaged sealed key");
	/* a tampered file must not make unlocking burn unbounded time or
	 * memory: costs above libsodium's "sensitive" level are refused (the
	 * values are chosen so that a missing check fails fast, not hangs) */
	t = pg_asprintf("%.*s%llu%s", (int)(ops - good), good,
			(unsigned long long)crypto_pwhash_OPSLIMIT_SENSITIVE + 1, mem - 1);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, PASS), PG_EKEY, "damaged sealed key");
	t = pg_asprintf("%.*s%llu%s", (int)(mem - good), good,
			(unsigned long long)crypto_pwhash_MEMLIMIT_MAX + 1024, salt - 1);
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, PASS), PG_EKEY, "damaged sealed key");
	/* one bit of the box flipped: authenticated encryption notices */
	t = pg_strdup(good);
	size_t pos = (size_t)(box - good) + 10;
	t[pos] = t[pos] == '0' ? '1' : '0';
	write_mode(path, t, strlen(t), 0600);
	free(t);
	assert_error(pg_key_unlock(k, h.home, PASS), PG_EKEY, "wrong passphrase");
	assert_null(k->sk);

	free(good);
	free(path);
	pg_key_free(k);
	pg_key_free(orig);
	home_free(&h);
}

/* PG_HOME wins over XDG_CONFIG_HOME, which wins over HOME. */
static void test_pg_home(void **state)
{
	(void)state;
	char *saved[3];
	const char *vars[3] = { "PG_HOME", "XDG_CONFIG_HOME", "HOME" };
	for (int i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		saved[i] = v ? pg_strdup(v) : NULL;
	}
	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("PG_HOME", "/pg-home", 1);
	char *p = pg_home();
	assert_string_equal(p, "/pg-home");
	free(p);
	unsetenv("PG_HOME");
	p = pg_home();
	assert_string_equal(p, "/xdg/pg");
	free(p);
	setenv("PG_HOME", "", 1); /* empty means unset */
	unsetenv("XDG_CONFIG_HOME");
	p = pg_home();
	assert_string_equal(p, "/home/u/.config/pg");
	free(p);
	for (int i = 0; i < 3; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

static pg_object *decode_file(const char *path)
{
	char *text = slurp(path);
	pg_object *o = NULL;
	if (pg_object_decode(&o, text, strlen(text), 0) < 0)
		fail_msg("%s: %s", path, pg_error_last());
	free(text);
	return o;
}

/* Rotation: the new key's first identity names the old key and carries
 * its handover signature (which decoding checks); the old key's next
 * version names the successor; the name then means the new key. */
static void test_rotate(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *old = gen("alice"), *k = NULL;
	pg_object *next = NULL;
	char oldhex[PG_HEX_LEN + 1], newhex[PG_HEX_LEN + 1];
	save(old, h.home, NULL);
	assert_int_equal(pg_key_rotate(&k, &next, old, h.home, NULL, DATE + 10), 0);
	pg_hex(oldhex, old->pk, PG_PK_LEN);
	pg_hex(newhex, k->pk, PG_PK_LEN);
	assert_string_equal(pg_object_get(next, "successor"), newhex);
	assert_string_equal(pg_object_get(next, "version"), "2");

	char *path = key_file(h.home, k->pk, ".id");
	pg_object *first = decode_file(path); /* verifies the handover */
	assert_string_equal(pg_object_get(first, "predecessor"), oldhex);
	assert_non_null(pg_object_get(first, "handover"));
	free(path);

	pg_key_state_t st;
	assert_int_equal(pg_key_state(&st, h.home, old->pk), 0);
	assert_int_equal(st.version, 2);
	assert_string_equal(st.successor, newhex);
	assert_int_equal(st.revoked, -1);
	pg_key *found = find(h.home, "alice"); /* two keys, one in service */
	assert_memory_equal(found->pk, k->pk, PG_PK_LEN);
	pg_key_free(found);

	/* once handed over, never again */
	pg_key *k2 = NULL;
	pg_object *n2 = NULL;
	assert_int_equal(pg_key_rotate(&k2, &n2, old, h.home, NULL, DATE + 20), PG_EEXISTS);

	/* a handover signed by any other key does not decode */
	pg_buf raw = PG_BUF_INIT;
	pg_buf_put(&raw, first->raw.ptr, first->raw.len);
	char *at = strstr(raw.ptr, "handover ") + 9;
	at[0] = at[0] == 'a' ? 'b' : 'a';
	pg_object *bad = pg_object_new(PG_T_IDENTITY, k->pk, DATE);
	pg_object_add(bad, "name", "alice");
	pg_object_add(bad, "predecessor", oldhex);
	char sig[129];
	snprintf(sig, sizeof(sig), "%.128s", at);
	pg_object_add(bad, "handover", sig);
	assert_int_equal(pg_object_sign(bad, k->sk), 0);
	pg_object *o = NULL;
	assert_int_equal(pg_object_decode(&o, bad->raw.ptr, bad->raw.len, 0), PG_EINTEGRITY);
	assert_non_null(strstr(pg_error_last(), "handover"));
	assert_int_equal(pg_object_decode(&o, bad->raw.ptr, bad->raw.len, PG_DECODE_NOVERIFY), 0);
	pg_object_free(o);

	pg_buf_free(&raw);
	pg_object_free(bad);
	pg_object_free(first);
	pg_object_free(next);
	pg_key_free(k);
	pg_key_free(old);
	home_free(&h);
}

/* Revocation: the next version says from when; it stays said. */
static void test_revoke(void **state)
{
	(void)state;
	struct home h = home_new();
	pg_key *k = gen("bob");
	pg_object *next = NULL, *again = NULL;
	save(k, h.home, NULL);
	assert_int_equal(pg_key_revoke(&next, k, h.home, DATE + 5, DATE + 100), 0);
	assert_string_equal(pg_object_get(next, "revoked"), "1700000005");
	assert_string_equal(pg_object_get(next, "version"), "2");
	pg_key_state_t st;
	assert_int_equal(pg_key_state(&st, h.home, k->pk), 0);
	assert_int_equal(st.revoked, DATE + 5);
	assert_int_equal(pg_key_revoke(&again, k, h.home, DATE + 50, DATE + 200), PG_EEXISTS);
	assert_null(again);
	pg_object_free(next);
	pg_key_free(k);
	home_free(&h);
}

/* What an identity's fields must say together. */
static void test_identity_rules(void **state)
{
	(void)state;
	pg_key *k = gen("carol");
	char self[PG_HEX_LEN + 1], sig[2 * PG_SIG_LEN + 1];
	pg_hex(self, k->pk, PG_PK_LEN);
	memset(sig, 'a', 2 * PG_SIG_LEN);
	sig[2 * PG_SIG_LEN] = 0;
	static const struct {
		const char *version, *pred, *handover, *succ, *want;
	} cases[] = {
		{ "0", NULL, NULL, NULL, "version starts at 1" },
		{ NULL, "x", NULL, NULL, "go together" },       /* predecessor without handover */
		{ NULL, NULL, "h", NULL, "go together" },       /* handover without predecessor */
		{ NULL, "self", "h", NULL, "cannot succeed itself" },
		{ "2", NULL, NULL, "self", "cannot succeed itself" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pg_object *o = pg_object_new(PG_T_IDENTITY, k->pk, DATE);
		char other[PG_HEX_LEN + 1];
		memset(other, 'b', PG_HEX_LEN);
		other[PG_HEX_LEN] = 0;
		pg_object_add(o, "name", "carol");
		if (cases[i].version)
			pg_object_add(o, "version", cases[i].version);
		if (cases[i].pred)
			pg_object_add(o, "predecessor", !strcmp(cases[i].pred, "self") ? self : other);
		if (cases[i].handover)
			pg_object_add(o, "handover", sig);
		if (cases[i].succ)
			pg_object_add(o, "successor", self);
		assert_int_equal(pg_object_sign(o, k->sk), PG_EINVALID);
		if (!strstr(pg_error_last(), cases[i].want))
			fail_msg("case %zu: '%s' does not say '%s'", i, pg_error_last(), cases[i].want);
		pg_object_free(o);
	}
	pg_key_free(k);
}

/* The soft core size limit, or -1 when it cannot be read. */
static long long core_limit(void)
{
	struct rlimit r;
	return getrlimit(RLIMIT_CORE, &r) == 0 ? (long long)r.rlim_cur : -1;
}

/* While any secret is in memory (a generated key, an unlocked one, a key
 * file's text, a passphrase), no core dump can be written: the process is
 * not dumpable and its core limit is 0.  After the last is freed, both are
 * as they were. */
static void test_no_core_while_secret_held(void **state)
{
	(void)state;
	struct rlimit r;
	assert_int_equal(getrlimit(RLIMIT_CORE, &r), 0);
	r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > (1 << 20) ? (1 << 20) : r.rlim_max;
	if (r.rlim_cur == 0)
		skip(); /* a hard limit of 0: nothing to switch off */
	assert_int_equal(setrlimit(RLIMIT_CORE, &r), 0);
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1), 0);
	long long before = core_limit();

	struct home h = home_new();
	pg_key *a = gen("alice");
	assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
	assert_int_equal(core_limit(), 0);
	pg_key *b = gen("bob");
	pg_key_free(a); /* bob's key is still held */
	assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
	assert_int_equal(core_limit(), 0);
	save(b, h.home, PASS);
	pg_key_free(b);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_int_equal(core_limit(), before);

	/* finding reads the key file (its text is secret), then lets go */
	pg_key *k = find(h.home, "bob");
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_int_equal(core_limit(), before);
	/* unlocking holds the key until it is freed; a failed unlock holds nothing */
	assert_error(pg_key_unlock(k, h.home, "wrong"), PG_EKEY, "wrong passphrase");
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_int_equal(pg_key_unlock(k, h.home, PASS), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
	assert_int_equal(core_limit(), 0);
	pg_key_free(k);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_int_equal(core_limit(), before);

	/* secret memory itself: wiped and guarded by libsodium */
	char *p = pg_secret_alloc(16);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 0);
	pg_secret_free(p);
	pg_secret_free(NULL);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	home_free(&h);
}

int main(void)
{
	if (pg_crypto_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_unsealed),
		cmocka_unit_test(test_generate_refuses_bad_name),
		cmocka_unit_test(test_generate_is_random),
		cmocka_unit_test(test_find_by_name_and_prefix),
		cmocka_unit_test(test_find_ambiguous),
		cmocka_unit_test(test_current),
		cmocka_unit_test(test_unlock_unsealed),
		cmocka_unit_test(test_sealed),
		cmocka_unit_test(test_loose_permissions),
		cmocka_unit_test(test_save_refuses_overwrite),
		cmocka_unit_test(test_list_sorted),
		cmocka_unit_test(test_damaged_key_files),
		cmocka_unit_test(test_damaged_sealed_key),
		cmocka_unit_test(test_pg_home),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_identity_rules),
		cmocka_unit_test(test_no_core_while_secret_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
