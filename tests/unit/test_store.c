/* test_store.c - the store: transactions, log verification of forged logs, the index */
#include "unit.h"
#include "world.h"

#include <dirent.h>
#include <git2/sys/odb_backend.h>
#include <limits.h>
#include <sodium.h>
#include <unistd.h>

#include "index.h"
#include "payload.h"
#include "result.h"
#include "store.h"

struct world {
	char *dir;
	pg_store *s;
	struct who alice, mallory;
};

static int setup(void **state)
{
	struct world *w = pg_calloc(1, sizeof(*w));
	w->dir = unit_tmpdir();
	assert_int_equal(pg_store_init(w->dir), 0);
	char *p = pg_path_join(w->dir, ".pg");
	assert_int_equal(pg_store_open(&w->s, p), 0);
	free(p);
	make_who(&w->alice, "alice");
	make_who(&w->mallory, "mallory");
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	pg_store_free(w->s);
	pg_buf_free(&w->alice.identity);
	pg_buf_free(&w->mallory.identity);
	unit_rmtree(w->dir);
	free(w);
	return 0;
}

static pg_object *identity_of(struct who *w)
{
	pg_object *o;
	assert_int_equal(pg_object_decode(&o, w->identity.ptr, w->identity.len, 0), 0);
	return o;
}

/* --- forging log entries directly with libgit2 --------------------------- */

struct forge {
	const uint8_t *signer_pk, *signer_sk; /* who signs the manifest */
	const uint8_t *owner;                 /* whose ref it goes to */
	const git_oid *parent, *parent2;
	uint64_t seq;
	const uint8_t *prev;   /* manifest hash, or NULL */
	pg_object **objs;      /* written to o/ and listed in the manifest */
	size_t n;
	const char *const *extra_ids; /* listed in the manifest but not written */
	pg_buf *payload;       /* written to p/<hash of payload_as or of itself> */
	const pg_buf *payload_as;
	int no_objects_in_tree;
};

static void path_of(char out[80], char kind, const uint8_t *id)
{
	char hex[65];
	pg_hex(hex, id, 32);
	snprintf(out, 80, "%c/%.2s/%s", kind, hex, hex);
}

/* Write one entry; returns the commit and the manifest's hash. */
static git_oid forge(struct world *w, const struct forge *f, uint8_t manifest_hash[32])
{
	git_repository *repo = pg_store_repo(w->s);
	git_tree *base = NULL, *tree = NULL;
	git_tree_update up[64];
	char paths[64][80];
	size_t nup = 0;
	git_oid oid, commit;

	if (f->parent) {
		git_commit *c;
		assert_int_equal(git_commit_lookup(&c, repo, f->parent), 0);
		assert_int_equal(git_commit_tree(&base, c), 0);
		git_commit_free(c);
	}
	assert_true(f->n < 64);
	for (size_t i = 0; i < f->n && !f->no_objects_in_tree; i++) {
		assert_int_equal(git_blob_create_from_buffer(&oid, repo, f->objs[i]->raw.ptr, f->objs[i]->raw.len), 0);
		path_of(paths[nup], 'o', f->objs[i]->id);
		up[nup] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, oid, GIT_FILEMODE_BLOB, paths[nup] };
		nup++;
	}
	if (f->payload) {
		uint8_t h[32];
		const pg_buf *named = f->payload_as ? f->payload_as : f->payload;
		pg_hash(h, named->ptr, named->len);
		assert_int_equal(git_blob_create_from_buffer(&oid, repo, f->payload->ptr, f->payload->len), 0);
		path_of(paths[nup], 'p', h);
		up[nup] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, oid, GIT_FILEMODE_BLOB, paths[nup] };
		nup++;
	}
	if (base || nup) {
		assert_int_equal(git_tree_create_updated(&oid, repo, base, nup, up), 0);
	} else {
		git_treebuilder *tb;
		assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
		assert_int_equal(git_treebuilder_write(&oid, tb), 0);
		git_treebuilder_free(tb);
	}
	assert_int_equal(git_tree_lookup(&tree, repo, &oid), 0);

	pg_object *m = pg_object_new(PG_T_LOG, f->signer_pk, 3000);
	char num[32], hex[65];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)f->seq);
	pg_object_add(m, "seq", num);
	if (f->prev) {
		pg_hex(hex, f->prev, 32);
		pg_object_add(m, "prev", hex);
	}
	for (size_t i = 0; i < f->n; i++) {
		pg_hex(hex, f->objs[i]->id, 32);
		pg_object_add(m, "add", hex);
	}
	for (const char *const *e = f->extra_ids; e && *e; e++)
		pg_object_add(m, "add", *e);
	assert_int_equal(pg_object_sign(m, f->signer_sk), 0);
	memcpy(manifest_hash, m->id, 32);

	git_signature *sig;
	git_commit *parents[2] = { NULL, NULL };
	size_t np = 0;
	assert_int_equal(git_signature_new(&sig, "pg", "x@pg", 3000, 0), 0);
	if (f->parent)
		assert_int_equal(git_commit_lookup(&parents[np++], repo, f->parent), 0);
	if (f->parent2)
		assert_int_equal(git_commit_lookup(&parents[np++], repo, f->parent2), 0);
	assert_int_equal(git_commit_create(&commit, repo, NULL, sig, sig, NULL, m->raw.ptr, tree, np,
					   (const git_commit **)parents), 0);
	char ref[128];
	pg_hex(hex, f->owner, 32);
	snprintf(ref, sizeof(ref), "refs/pg/pub/%s", hex);
	git_reference *r;
	assert_int_equal(git_reference_create(&r, repo, ref, &commit, 1, NULL), 0);
	git_reference_free(r);
	for (size_t i = 0; i < np; i++)
		git_commit_free(parents[i]);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	pg_object_free(m);
	return commit;
}

static int walk(struct world *w, const uint8_t *owner)
{
	git_oid tip;
	int err = pg_store_tip(&tip, w->s, owner);
	if (err < 0)
		return err;
	return pg_log_walk(w->s, owner, &tip, NULL, PG_WALK_VERIFY, NULL, NULL);
}

/* seq 1 = alice's identity, as a real log starts */
static git_oid first_entry(struct world *w, uint8_t hash[32])
{
	pg_object *id = identity_of(&w->alice);
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, NULL, NULL, 1, NULL, &id, 1, NULL, NULL, NULL, 0 };
	git_oid c = forge(w, &f, hash);
	pg_object_free(id);
	return c;
}

static void test_forged_valid_chain_verifies(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "hello\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_int_equal(walk(w, w->alice.pk), 0);
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_seq_that_skips_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 3, h1, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "seq 3 follows seq 1");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_wrong_prev_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32], bogus[32] = { 1, 2, 3 };
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, bogus, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "is not the hash of the previous manifest");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_first_entry_with_prev_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h[32], bogus[32] = { 9 };
	pg_object *id = identity_of(&w->alice);
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, NULL, NULL, 1, bogus, &id, 1, NULL, NULL, NULL, 0 };
	forge(w, &f, h);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "first entry names a previous manifest");
	pg_object_free(id);
}

static void test_manifest_by_another_key_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h[32];
	pg_object *id = identity_of(&w->alice);
	/* mallory signs a manifest and puts it on alice's ref */
	struct forge f = { w->mallory.pk, w->mallory.sk, w->alice.pk, NULL, NULL, 1, NULL, &id, 1, NULL, NULL, NULL, 0 };
	forge(w, &f, h);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "manifest is signed by another key");
	pg_object_free(id);
}

static void test_object_by_another_key_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->mallory, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "signed by another key than the log's publisher");
	pg_object_free(o);
	pg_buf_free(&tar);
}

/* The objects of an entry are checked on several threads; the walk still
 * names the first bad object in the manifest's order, whichever thread
 * finished first. */
static void test_first_bad_object_in_manifest_order_is_named(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	char want[13];
	git_oid c1 = first_entry(w, h1);
	pg_object *o[40];
	for (size_t i = 0; i < 40; i++) {
		char name[32];
		snprintf(name, sizeof(name), "geometry::n%zu", i);
		pg_buf_free(&tar);
		o[i] = interface(i < 17 ? &w->alice : &w->mallory, name, &tar, "x\n");
	}
	pg_hex(want, o[17]->id, 6);
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, o, 40, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	for (int round = 0; round < 20; round++) {
		assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "signed by another key than the log's publisher");
		if (!strstr(pg_error_last(), want))
			fail_msg("expected object %s named, got: %s", want, pg_error_last());
	}
	for (size_t i = 0; i < 40; i++)
		pg_object_free(o[i]);
	pg_buf_free(&tar);
}

static void test_log_without_identity_first_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h[32];
	pg_buf tar = PG_BUF_INIT;
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, NULL, NULL, 1, NULL, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h);
	assert_error(walk(w, w->alice.pk), PG_EINVALID, "must begin with its publisher's identity");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_payload_not_matching_its_hash_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT, other = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "right\n");
	pg_object *decoy = interface(&w->alice, "geometry::decoy", &other, "wrong\n");
	/* same size, other bytes, stored under the declared payload's name */
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, NULL, &other, &tar, 0 };
	forge(w, &f, h2);
	assert_int_equal(tar.len, other.len);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "payload does not match its hash");
	pg_object_free(o);
	pg_object_free(decoy);
	pg_buf_free(&tar);
	pg_buf_free(&other);
}

static void test_missing_payload_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, NULL, NULL, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "is missing");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_object_listed_but_absent_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, NULL, &tar, NULL, 1 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "in the manifest but not in the tree");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_duplicate_add_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	char hex[65];
	pg_hex(hex, o->id, 32);
	const char *again[] = { hex, NULL };
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &o, 1, again, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINVALID, "adds one object twice");
	pg_object_free(o);
	pg_buf_free(&tar);
}

static void test_readding_an_old_object_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	git_oid c1 = first_entry(w, h1);
	pg_object *id = identity_of(&w->alice);
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &id, 1, NULL, NULL, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "already added by an earlier entry");
	pg_object_free(id);
}

static void test_merge_commit_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32];
	pg_buf tar = PG_BUF_INIT;
	git_oid c1 = first_entry(w, h1);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, &c1, 2, h1, &o, 1, NULL, &tar, NULL, 0 };
	forge(w, &f, h2);
	assert_error(walk(w, w->alice.pk), PG_EINTEGRITY, "has 2 parents");
	pg_object_free(o);
	pg_buf_free(&tar);
}

/* A bench result by w: an impl twice as slow as its baseline, in ten
 * rounds; with a score of 0.5 instead when lying. */
static pg_object *bench_result(struct who *w, int lying)
{
	pg_bresult r = { 0 };
	pg_buf body = PG_BUF_INIT;
	memset(r.baseline, 'a', PG_HEX_LEN);
	r.nw = 1;
	r.w = pg_calloc(1, sizeof(*r.w));
	r.w[0].n = r.w[0].base_n = r.w[0].calls = 1;
	r.w[0].nsamples = 10;
	for (size_t i = 0; i < 10; i++) {
		r.w[0].base_ns[i] = r.w[0].base_wall[i] = 1000 + i;
		r.w[0].ns[i] = r.w[0].wall[i] = 2 * (1000 + i);
	}
	r.machine = pg_strdup("test");
	pg_bench_summarize(&r);
	assert_true(r.score == 2);
	if (lying)
		r.score = 0.5;
	pg_bench_body(&body, &r);
	pg_bresult_clear(&r);
	pg_object *o = pg_object_new(PG_T_RESULT, w->pk, 4000);
	pg_object_add(o, "kind", "bench");
	pg_object_add(o, "subject", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	pg_object_add(o, "against", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
	pg_object_set_body(o, body.ptr, body.len);
	pg_buf_free(&body);
	assert_int_equal(pg_object_sign(o, w->sk), 0);
	return o;
}

static void test_bench_result_contradicting_its_samples_is_refused(void **state)
{
	struct world *w = *state;
	uint8_t h1[32], h2[32], h3[32];
	git_oid c1 = first_entry(w, h1);
	/* an honest one verifies */
	pg_object *good = bench_result(&w->alice, 0);
	struct forge f = { w->alice.pk, w->alice.sk, w->alice.pk, &c1, NULL, 2, h1, &good, 1, NULL, NULL, NULL, 0 };
	git_oid c2 = forge(w, &f, h2);
	assert_int_equal(walk(w, w->alice.pk), 0);
	/* one whose score is not what its samples give, properly signed: the
	 * signature is good, the claim is not */
	pg_object *bad = bench_result(&w->alice, 1);
	struct forge g = { w->alice.pk, w->alice.sk, w->alice.pk, &c2, NULL, 3, h2, &bad, 1, NULL, NULL, NULL, 0 };
	forge(w, &g, h3);
	assert_error(walk(w, w->alice.pk), PG_EINVALID,
		     "bench result: it says score 0.5 (band 2-2), but its samples give 2 (2-2)");
	pg_object_free(good);
	pg_object_free(bad);
}

/* --- the transaction API ----------------------------------------------- */

static void test_txn_refuses_a_contradictory_bench_result(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	assert_error(pg_txn_add(t, bench_result(&w->alice, 1), NULL, 0), PG_EINVALID, "bench result: it says score 0.5");
	assert_int_equal(pg_txn_count(t), 1); /* only the identity */
	assert_int_equal(pg_txn_add(t, bench_result(&w->alice, 0), NULL, 0), 0);
	assert_int_equal(pg_txn_count(t), 2);
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);
	assert_int_equal(walk(w, w->alice.pk), 0);
}

static size_t count_packs(struct world *w)
{
	char *p = pg_path_join(w->dir, ".pg/objects/pack");
	DIR *d = opendir(p);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strstr(de->d_name, ".pack") != NULL;
	if (d)
		closedir(d);
	free(p);
	return n;
}

static void test_txn_publishes_and_verifies(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	pg_buf tar = PG_BUF_INIT;
	pg_object *o;
	git_oid tip;
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
	assert_int_equal(pg_txn_count(t), 2); /* the identity came first */
	assert_int_equal(pg_txn_object(t, 0)->type, PG_T_IDENTITY);
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);
	assert_int_equal(walk(w, w->alice.pk), 0);
	assert_int_equal(pg_store_tip(&tip, w->s, w->alice.pk), 0);

	/* a second transaction appends one entry; an object already in the
	 * log is skipped */
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	assert_int_equal(pg_txn_add(t, identity_of(&w->alice), NULL, 0), 1);
	o = interface(&w->alice, "geometry::square", &tar, "y\n");
	assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);
	assert_int_equal(walk(w, w->alice.pk), 0);
	pg_buf_free(&tar);
}

/* the pack files (pack-*.idx) in the store */
static size_t packs(struct world *w)
{
	char *dir = pg_asprintf("%s/.pg/objects/pack", w->dir);
	char **names;
	size_t n, idx = 0;
	assert_int_equal(pg_dir_list(&names, &n, dir), 0);
	for (size_t i = 0; i < n; i++)
		idx += strlen(names[i]) > 4 && !strcmp(names[i] + strlen(names[i]) - 4, ".idx");
	pg_dir_list_free(names, n);
	free(dir);
	return idx;
}

/* Each transaction writes a pack; past the limit, packs of like sizes are
 * merged into one, every log still whole, and a pack marked .keep stays. */
static void test_many_small_packs_are_merged(void **state)
{
	struct world *w = *state;
	pg_buf tar = PG_BUF_INIT;
	pg_txn *t;
	for (int i = 0; i < 6; i++) {
		char name[32], content[32];
		snprintf(name, sizeof(name), "geometry::p%d", i);
		snprintf(content, sizeof(content), "%d\n", i);
		struct who *who = i % 2 ? &w->mallory : &w->alice;
		assert_int_equal(pg_txn_begin(&t, w->s, &who->key, &who->identity), 0);
		pg_buf_free(&tar);
		pg_object *o = interface(who, name, &tar, content);
		assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
		assert_int_equal(pg_txn_commit(t), 0);
		pg_txn_free(t);
	}
	assert_int_equal(packs(w), 6); /* under PG_PACKS_MAX: left alone */
	assert_int_equal(pg_store_repack(w->s, 6), 0);
	assert_int_equal(packs(w), 6);

	/* one pack marked .keep is kept as it is */
	char *dir = pg_asprintf("%s/.pg/objects/pack", w->dir), **names, *keep = NULL;
	size_t n;
	assert_int_equal(pg_dir_list(&names, &n, dir), 0);
	for (size_t i = 0; i < n && !keep; i++)
		if (strlen(names[i]) > 4 && !strcmp(names[i] + strlen(names[i]) - 4, ".idx"))
			keep = pg_asprintf("%s/%.*s.keep", dir, (int)strlen(names[i]) - 4, names[i]);
	pg_dir_list_free(names, n);
	FILE *f = fopen(keep, "w");
	assert_non_null(f);
	fclose(f);

	assert_int_equal(pg_store_repack(w->s, 2), 0);
	assert_int_equal(packs(w), 2); /* the new one and the kept one */
	/* a fresh handle (no pack held open) reads and verifies every log */
	pg_store *fresh;
	char *pgdir = pg_asprintf("%s/.pg", w->dir);
	assert_int_equal(pg_store_open(&fresh, pgdir), 0);
	pg_store *was = w->s;
	w->s = fresh;
	assert_int_equal(walk(w, w->alice.pk), 0);
	assert_int_equal(walk(w, w->mallory.pk), 0);
	w->s = was;
	pg_store_free(fresh);
	free(pgdir);
	free(keep);
	free(dir);
	pg_buf_free(&tar);
}

/* Past PG_LOOSE_REFS_MAX loose refs under refs/pg/, a writer packs them
 * into packed-refs; every ref still reads as it was. */
static void test_many_loose_refs_are_packed(void **state)
{
	struct world *w = *state;
	uint8_t h[32];
	git_oid tip = first_entry(w, h);
	git_repository *repo = pg_store_repo(w->s);
	char name[128];
	for (int i = 0; i < PG_LOOSE_REFS_MAX + 5; i++) {
		git_reference *r;
		snprintf(name, sizeof(name), "refs/pg/q/peer/%064d", i);
		assert_int_equal(git_reference_create(&r, repo, name, &tip, 1, NULL), 0);
		git_reference_free(r);
	}
	char *loose = pg_asprintf("%s/.pg/%s", w->dir, name);
	assert_int_equal(access(loose, F_OK), 0);
	assert_int_equal(pg_store_lock(w->s), 0);
	assert_int_equal(pg_store_repack(w->s, PG_PACKS_MAX), 0);
	pg_store_unlock(w->s);
	assert_int_not_equal(access(loose, F_OK), 0); /* gone from the file system */
	git_oid at;
	assert_int_equal(git_reference_name_to_id(&at, repo, name), 0); /* and read from packed-refs */
	assert_true(git_oid_equal(&at, &tip));
	assert_int_equal(walk(w, w->alice.pk), 0);
	char *packed = pg_asprintf("%s/.pg/packed-refs", w->dir);
	assert_int_equal(access(packed, F_OK), 0);
	free(packed);
	free(loose);
}

static void test_txn_refuses_foreign_and_mismatched(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	pg_buf tar = PG_BUF_INIT, other = PG_BUF_INIT;
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	pg_object *o = interface(&w->mallory, "geometry::x", &tar, "x\n");
	assert_error(pg_txn_add(t, o, tar.ptr, tar.len), PG_EINVALID, "only objects signed by 'alice'");
	o = interface(&w->alice, "geometry::y", &tar, "y\n");
	pg_object_free(interface(&w->alice, "geometry::z", &other, "other content\n"));
	assert_error(pg_txn_add(t, o, other.ptr, other.len), PG_EINTEGRITY, "payload does not match");
	pg_txn_free(t);
	pg_buf_free(&tar);
	pg_buf_free(&other);
}

static void test_aborted_txn_leaves_nothing(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	pg_buf tar = PG_BUF_INIT;
	pg_object *o;
	git_oid tip;
	size_t packs = count_packs(w);
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
	pg_txn_free(t); /* no commit */
	assert_int_equal(pg_store_tip(&tip, w->s, w->alice.pk), PG_ENOTFOUND);
	assert_int_equal(count_packs(w), packs);
	/* and the lock was released: another transaction starts at once */
	setenv("PG_LOCK_TIMEOUT", "0", 1);
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	pg_txn_free(t);
	unsetenv("PG_LOCK_TIMEOUT");
	pg_buf_free(&tar);
}

static void test_big_batch_is_split_into_entries(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	char hex[65];
	size_t entries = 0;
	int count_entries(const pg_log_entry *e, void *data);
	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	for (int i = 0; i < PG_LOG_ADDS_MAX + 5; i++) {
		pg_object *o = pg_object_new(PG_T_PEER, w->alice.pk, 5000);
		snprintf(hex, sizeof(hex), "git://127.0.0.1/peer%d", i);
		pg_object_add(o, "url", hex);
		assert_int_equal(pg_object_sign(o, w->alice.sk), 0);
		assert_int_equal(pg_txn_add(t, o, NULL, 0), 0);
	}
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);
	git_oid tip;
	assert_int_equal(pg_store_tip(&tip, w->s, w->alice.pk), 0);
	assert_int_equal(pg_log_walk(w->s, w->alice.pk, &tip, NULL, PG_WALK_VERIFY, count_entries, &entries), 0);
	assert_int_equal(entries, 2);
}

int count_entries(const pg_log_entry *e, void *data)
{
	(void)e;
	(*(size_t *)data)++;
	return 0;
}

/* --- the index ------------------------------------------------------------ */

static int count_rows(const pg_index_row *r, void *data)
{
	(void)r;
	(*(size_t *)data)++;
	return 0;
}

static void test_index_sync_resolve_and_rebuild(void **state)
{
	struct world *w = *state;
	pg_txn *t;
	pg_buf tar = PG_BUF_INIT;
	pg_index *x;
	uint8_t id[32];
	char hex[65];
	size_t n = 0;

	assert_int_equal(pg_txn_begin(&t, w->s, &w->alice.key, &w->alice.identity), 0);
	pg_object *o = interface(&w->alice, "geometry::circle", &tar, "x\n");
	pg_hex(hex, o->id, 32);
	assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);

	assert_int_equal(pg_index_open(&x, w->s), 0);
	assert_int_equal(pg_index_sync(x), 0);
	pg_query q = { .type = "interface" };
	assert_int_equal(pg_index_query(x, &q, count_rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pg_index_resolve(x, id, (char[]){ hex[0], hex[1], hex[2], hex[3], hex[4], 0 }, PG_T_NONE), 0);
	char got[65];
	pg_hex(got, id, 32);
	assert_string_equal(got, hex);
	assert_error(pg_index_resolve(x, id, "abc", PG_T_NONE), PG_EINVALID, "not an object id");
	assert_error(pg_index_resolve(x, id, hex, PG_T_SPEC), PG_ENOTFOUND, "no spec object");
	pg_index_row row;
	assert_int_equal(pg_index_get(x, &row, hex), 0);
	assert_string_equal(row.name, "geometry::circle");
	assert_string_equal(row.author_name, "alice");
	pg_index_row_clear(&row);
	pg_index_free(x);

	size_t objects, logs;
	assert_int_equal(pg_index_rebuild(w->s, &objects, &logs), 0);
	assert_int_equal(objects, 2);
	assert_int_equal(logs, 1);
	pg_buf_free(&tar);
}

/* pg serve's receive hook: the store as git's environment names it, with
 * the objects of a push still in git's quarantine directory. */
static void test_open_env_reads_quarantined_objects(void **state)
{
	struct world *w = *state;
	pg_store *e = NULL;
	pg_buf b = PG_BUF_INIT;
	git_odb *odb = NULL;
	git_odb_backend *loose = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	char *pgdir = pg_path_join(w->dir, ".pg");
	char *objects = pg_path_join(pgdir, "objects");
	char *quarantine = pg_path_join(objects, "tmp_objdir-incoming-test");

	unsetenv("GIT_DIR");
	assert_error(pg_store_open_env(&e), PG_ENOTFOUND, "GIT_DIR");
	assert_null(e);

	/* a blob only in the quarantine, as receive-pack leaves a push */
	assert_int_equal(pg_mkdir_p(quarantine, 0755), 0);
	assert_int_equal(git_odb_new(&odb), 0);
	assert_int_equal(git_odb_backend_loose(&loose, quarantine, -1, 0, 0, 0), 0);
	assert_int_equal(git_odb_add_backend(odb, loose, 1), 0);
	assert_int_equal(git_odb_write(&oid, odb, "pushed\n", 7, GIT_OBJECT_BLOB), 0);
	git_odb_free(odb);
	git_oid_tostr(hex, sizeof(hex), &oid);
	assert_error(pg_store_read_blob(&b, w->s, hex), PG_EINTEGRITY, "cannot read");

	setenv("GIT_DIR", pgdir, 1);
	setenv("GIT_OBJECT_DIRECTORY", quarantine, 1);
	setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", objects, 1);
	int err = pg_store_open_env(&e);
	unsetenv("GIT_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	assert_int_equal(err, 0);
	char *real = realpath(pgdir, NULL);
	assert_string_equal(pg_store_path(e), real);
	assert_int_equal(pg_store_read_blob(&b, e, hex), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.ptr, "pushed\n", 7);
	pg_store_free(e);

	/* a git repository that is not a store is refused */
	char *plain = pg_path_join(w->dir, "plain.git");
	git_repository *r;
	assert_int_equal(git_repository_init(&r, plain, 1), 0);
	git_repository_free(r);
	setenv("GIT_DIR", plain, 1);
	err = pg_store_open_env(&e);
	unsetenv("GIT_DIR");
	assert_error(err, PG_EINVALID, "not a pg store");
	assert_null(e);

	free(plain);
	free(real);
	pg_buf_free(&b);
	free(quarantine);
	free(objects);
	free(pgdir);
}

int main(void)
{
	/* log walks check objects on the pool's threads, whatever the CPUs */
	setenv("PG_THREADS", "3", 1);
	assert_int_equal(pg_crypto_init(), 0);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_forged_valid_chain_verifies),
		T(test_seq_that_skips_is_refused),
		T(test_wrong_prev_is_refused),
		T(test_first_entry_with_prev_is_refused),
		T(test_manifest_by_another_key_is_refused),
		T(test_object_by_another_key_is_refused),
		T(test_first_bad_object_in_manifest_order_is_named),
		T(test_log_without_identity_first_is_refused),
		T(test_payload_not_matching_its_hash_is_refused),
		T(test_missing_payload_is_refused),
		T(test_object_listed_but_absent_is_refused),
		T(test_duplicate_add_is_refused),
		T(test_readding_an_old_object_is_refused),
		T(test_merge_commit_is_refused),
		T(test_bench_result_contradicting_its_samples_is_refused),
		T(test_txn_refuses_a_contradictory_bench_result),
		T(test_txn_publishes_and_verifies),
		T(test_many_small_packs_are_merged),
		T(test_many_loose_refs_are_packed),
		T(test_txn_refuses_foreign_and_mismatched),
		T(test_aborted_txn_leaves_nothing),
		T(test_big_batch_is_split_into_entries),
		T(test_index_sync_resolve_and_rebuild),
		T(test_open_env_reads_quarantined_objects),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return r;
}
