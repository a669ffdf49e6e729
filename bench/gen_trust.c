/* gen_trust.c - a store with a big web of trust: N identities, each with
 * its own log holding its identity and its trust claims, and some verify
 * results about an interface's impls.  For bench/trust.sh: pg rep
 * and pg rank over a trust graph of realistic size.
 *
 *   gen_trust PGDIR HOME INTERFACE-ID IDENTITIES CLAIMS RESULTS
 *
 * The synthetic logs are written with libgit2 directly, all into one pack
 * (pg_txn would write one pack per log: ten thousand packs make every
 * later object lookup slow, which is not what the benchmark is about).
 * Each log is one entry, exactly as pg_txn_commit builds it, so pg fsck
 * and pg reindex verify it like any other.  Keys come from a fixed seed,
 * and the graph from a fixed PRNG: two runs make the same store (but for
 * log dates).  Claim i of identity k names a uniformly random other
 * identity, level low, medium or high.  Each of the first RESULTS
 * identities signs one verify result about impl k mod impls: passed, or
 * one time in ten failed.
 *
 * Then the current identity of HOME (PG_PASSPHRASE unlocks it) publishes,
 * through pg_txn as pg would, high trust in ten synthetic identities and
 * its own passed verdict on every impl, confirmed by a re-run: seeds and
 * evidence for pg rep.  The index is left for `pg reindex`.
 */
#include <git2/sys/mempack.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "key.h"
#include "result.h"

#define NOW_DAYS_AGO(d) (now - (int64_t)(d) * 86400)

static int64_t now;

static void die(const char *what)
{
	const git_error *ge = git_error_last();
	fprintf(stderr, "gen_trust: %s: %s\n", what, pg_error_last()[0] ? pg_error_last() : ge ? ge->message : "");
	exit(1);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct ids {
	char (*id)[PG_HEX_LEN + 1];
	size_t n;
};

static int add_id(const pg_index_row *r, void *data)
{
	struct ids *v = data;
	v->id = realloc(v->id, (v->n + 1) * sizeof(*v->id));
	memcpy(v->id[v->n++], r->id, PG_HEX_LEN + 1);
	return 0;
}

struct synth {
	uint8_t pk[PG_PK_LEN], sk[64];
	git_oid commit;
};

static void keypair(struct synth *s, size_t k)
{
	uint8_t seed[crypto_sign_SEEDBYTES] = { 'p', 'g', 't', 'r', 'u', 's', 't' };
	memcpy(seed + 8, &k, sizeof(k));
	crypto_sign_seed_keypair(s->pk, s->sk, seed);
}

static pg_object *signed_obj(pg_object *o, const struct synth *s)
{
	if (pg_object_sign(o, s->sk) < 0)
		die("sign");
	return o;
}

static pg_object *verdict(const uint8_t pk[PG_PK_LEN], const char *impl, const char *spec, int passed, int rerun,
			  int64_t date)
{
	pg_buf body = PG_BUF_INIT;
	pg_buf_printf(&body, "result %s\npassed %d\nfailed %d\nerrored 0\n%slog %064d\nmachine synthetic\n"
			     "tool pg 0.1.0\n",
		      passed ? "passed" : "failed", passed ? 40 : 38, passed ? 0 : 2, rerun ? "rerun same\n" : "", 0);
	pg_object *o = pg_object_new(PG_T_RESULT, pk, date);
	pg_object_add(o, "kind", "verify");
	pg_object_add(o, "subject", impl);
	pg_object_add(o, "against", spec);
	pg_object_set_body(o, body.ptr, body.len);
	pg_buf_free(&body);
	return o;
}

static int cmp_obj(const void *a, const void *b)
{
	const pg_object *x = *(pg_object *const *)a, *y = *(pg_object *const *)b;
	return memcmp(x->id, y->id, PG_ID_LEN);
}

static int cmp_update(const void *a, const void *b)
{
	return strcmp(((const git_tree_update *)a)->path, ((const git_tree_update *)b)->path);
}

/* One log of one entry: the identity first, the rest by id (pg_txn's order). */
static void write_log(git_repository *repo, struct synth *s, pg_object **objs, size_t n)
{
	git_tree_update *up = calloc(n, sizeof(*up));
	char (*paths)[2 + 3 + PG_HEX_LEN + 1] = calloc(n, sizeof(*paths));
	char hex[PG_HEX_LEN + 1], email[64];
	git_oid tree_oid;
	git_tree *tree;
	git_signature *sig;
	qsort(objs + 1, n - 1, sizeof(*objs), cmp_obj);
	pg_object *m = pg_object_new(PG_T_LOG, s->pk, now);
	pg_object_add(m, "seq", "1");
	for (size_t i = 0; i < n; i++) {
		git_oid blob;
		pg_hex(hex, objs[i]->id, PG_ID_LEN);
		snprintf(paths[i], sizeof(paths[i]), "o/%.2s/%s", hex, hex);
		if (git_blob_create_from_buffer(&blob, repo, objs[i]->raw.ptr, objs[i]->raw.len) < 0)
			die("blob");
		up[i] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, blob, GIT_FILEMODE_BLOB, paths[i] };
		pg_object_add(m, "add", hex);
	}
	qsort(up, n, sizeof(*up), cmp_update);
	signed_obj(m, s);
	pg_hex(hex, s->pk, PG_PK_LEN);
	snprintf(email, sizeof(email), "%.16s@pg", hex);
	if (git_tree_create_updated(&tree_oid, repo, NULL, n, up) < 0 || git_tree_lookup(&tree, repo, &tree_oid) < 0 ||
	    git_signature_new(&sig, "pg", email, (git_time_t)now, 0) < 0 ||
	    git_commit_create(&s->commit, repo, NULL, sig, sig, NULL, m->raw.ptr, tree, 0, NULL) < 0)
		die("commit");
	git_signature_free(sig);
	git_tree_free(tree);
	pg_object_free(m);
	for (size_t i = 0; i < n; i++)
		pg_object_free(objs[i]);
	free(up);
	free(paths);
}

static void synthesize(const char *pgdir, struct synth *syn, size_t nids, size_t nclaims, size_t nres,
		       const struct ids *impls, const char *spec)
{
	static const char *const levels[] = { "low", "medium", "high" };
	git_repository *repo;
	git_odb *odb;
	git_odb_backend *mem;
	git_packbuilder *pb;
	uint64_t state = 0x9e3779b97f4a7c15ull;
	char hex[PG_HEX_LEN + 1], name[32];
	if (git_repository_open_bare(&repo, pgdir) < 0 || git_repository_odb(&odb, repo) < 0 ||
	    git_mempack_new(&mem) < 0 || git_odb_add_backend(odb, mem, 1000) < 0)
		die("open the repository");
	for (size_t k = 0; k < nids; k++)
		keypair(&syn[k], k);
	size_t per = nclaims / nids, extra = nclaims % nids;
	pg_object **objs = calloc(per + 4, sizeof(*objs));
	for (size_t k = 0; k < nids; k++) {
		struct synth *s = &syn[k];
		size_t n = 0, mine = per + (k < extra);
		snprintf(name, sizeof(name), "s%05zu", k);
		pg_object *o = pg_object_new(PG_T_IDENTITY, s->pk, NOW_DAYS_AGO(400));
		pg_object_add(o, "name", name);
		objs[n++] = signed_obj(o, s);
		for (size_t c = 0; c < mine; c++) {
			size_t to = rnd(&state) % (nids - 1);
			to += to >= k; /* anyone but itself */
			o = pg_object_new(PG_T_TRUST, s->pk, NOW_DAYS_AGO(rnd(&state) % 365) + (int64_t)c);
			pg_hex(hex, syn[to].pk, PG_PK_LEN);
			pg_object_add(o, "subject", hex);
			pg_object_add(o, "level", levels[rnd(&state) % 3]);
			objs[n++] = signed_obj(o, s);
		}
		if (k < nres)
			objs[n++] = signed_obj(verdict(s->pk, impls->id[k % impls->n], spec, rnd(&state) % 10 != 0, 0,
						       NOW_DAYS_AGO(rnd(&state) % 60)),
					       s);
		write_log(repo, s, objs, n);
		if ((k + 1) % 1000 == 0)
			fprintf(stderr, "gen_trust: %zu logs\r", k + 1);
	}
	free(objs);
	fprintf(stderr, "gen_trust: %zu logs, packing\n", nids);
	if (git_packbuilder_new(&pb, repo) < 0)
		die("packbuilder");
	git_packbuilder_set_threads(pb, 0);
	for (size_t k = 0; k < nids; k++)
		if (git_packbuilder_insert_commit(pb, &syn[k].commit) < 0)
			die("pack a log");
	if (git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0)
		die("write the pack");
	git_packbuilder_free(pb);
	for (size_t k = 0; k < nids; k++) {
		char ref[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
		git_reference *r;
		pg_hex(hex, syn[k].pk, PG_PK_LEN);
		snprintf(ref, sizeof(ref), "%s%s", PG_REF_PREFIX, hex);
		if (git_reference_create(&r, repo, ref, &syn[k].commit, 0, "gen_trust") < 0)
			die("create a log ref");
		git_reference_free(r);
	}
	git_mempack_reset(mem);
	git_odb_free(odb);
	git_repository_free(repo);
}

/* The current identity: trust in ten synthetic ones, and its verdicts. */
static void publish_mine(pg_store *st, const char *home, const struct synth *syn, size_t nids, const struct ids *impls,
			 const char *spec)
{
	pg_key *k;
	pg_txn *t;
	pg_buf idobj = PG_BUF_INIT;
	uint8_t pk[PG_PK_LEN];
	char hex[PG_HEX_LEN + 1];
	if (pg_key_get_current(pk, home) < 0 || pg_key_find(&k, home, NULL) < 0 ||
	    pg_key_unlock(k, home, getenv("PG_PASSPHRASE")) < 0 || pg_key_identity(&idobj, home, pk) < 0 ||
	    pg_txn_begin(&t, st, k, &idobj) < 0)
		die("the current identity");
	for (size_t i = 0; i < 10 && i < nids; i++) {
		pg_object *o = pg_object_new(PG_T_TRUST, k->pk, NOW_DAYS_AGO(30));
		pg_hex(hex, syn[i * (nids / 10)].pk, PG_PK_LEN);
		pg_object_add(o, "subject", hex);
		pg_object_add(o, "level", "high");
		if (pg_object_sign(o, k->sk) < 0 || pg_txn_add(t, o, NULL, 0) < 0)
			die("trust");
	}
	for (size_t i = 0; i < impls->n; i++) {
		pg_object *o = verdict(k->pk, impls->id[i], spec, 1, 1, NOW_DAYS_AGO(1));
		if (pg_object_sign(o, k->sk) < 0 || pg_txn_add(t, o, NULL, 0) < 0)
			die("verdict");
	}
	if (pg_txn_commit(t) < 0)
		die("publish");
	pg_txn_free(t);
	pg_key_free(k);
	pg_buf_free(&idobj);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: gen_trust PGDIR HOME INTERFACE-ID IDENTITIES CLAIMS RESULTS\n");
		return 2;
	}
	size_t nids = strtoul(argv[4], NULL, 10), nclaims = strtoul(argv[5], NULL, 10), nres = strtoul(argv[6], NULL, 10);
	pg_store *st;
	pg_index *x;
	struct ids impls = { NULL, 0 }, specs = { NULL, 0 };
	now = pg_now();
	if (nids < 2) {
		fprintf(stderr, "gen_trust: at least 2 identities\n");
		return 2;
	}
	if (pg_crypto_init() < 0 || pg_store_open(&st, argv[1]) < 0 || pg_index_open(&x, st) < 0 ||
	    pg_index_sync(x) < 0)
		die("open the store");
	pg_index_linked(x, argv[3], "interface", "impl", add_id, &impls);
	pg_index_linked(x, argv[3], "interface", "spec", add_id, &specs);
	if (!impls.n || !specs.n) {
		fprintf(stderr, "gen_trust: the interface needs an impl and a spec\n");
		return 1;
	}
	struct synth *syn = calloc(nids, sizeof(*syn));
	synthesize(argv[1], syn, nids, nclaims, nres, &impls, specs.id[0]);
	publish_mine(st, argv[2], syn, nids, &impls, specs.id[0]);
	pg_index_free(x);
	pg_store_free(st);
	free(syn);
	free(impls.id);
	free(specs.id);
	return 0;
}
