/* gen_results.c - publish N synthetic result objects about an interface's
 * impls, as N signers' worth of claims would look: half verify results
 * (passed), half bench results with samples whose summary is their own.
 * For bench/rank.sh: pg rank and pg find over a store with many results.
 *
 *   gen_results PGDIR HOME INTERFACE-ID N      (PG_PASSPHRASE unlocks the key)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "key.h"
#include "result.h"

struct ids {
	char (*id)[PG_HEX_LEN + 1];
	size_t n;
};

static int add(const pg_index_row *r, void *data)
{
	struct ids *v = data;
	v->id = realloc(v->id, (v->n + 1) * sizeof(*v->id));
	memcpy(v->id[v->n++], r->id, PG_HEX_LEN + 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: gen_results PGDIR HOME INTERFACE-ID N\n");
		return 2;
	}
	pg_store *s;
	pg_index *x;
	pg_key *k;
	pg_txn *t;
	pg_buf idobj = PG_BUF_INIT;
	uint8_t pk[PG_PK_LEN];
	struct ids impls = { NULL, 0 }, specs = { NULL, 0 }, benches = { NULL, 0 };
	size_t n = strtoul(argv[4], NULL, 10);
	if (pg_crypto_init() < 0 || pg_store_open(&s, argv[1]) < 0 || pg_index_open(&x, s) < 0 ||
	    pg_index_sync(x) < 0 || pg_key_get_current(pk, argv[2]) < 0 || pg_key_find(&k, argv[2], NULL) < 0 ||
	    pg_key_unlock(k, argv[2], getenv("PG_PASSPHRASE")) < 0 || pg_key_identity(&idobj, argv[2], pk) < 0) {
		fprintf(stderr, "gen_results: %s\n", pg_error_last());
		return 1;
	}
	pg_index_linked(x, argv[3], "interface", "impl", add, &impls);
	pg_index_linked(x, argv[3], "interface", "spec", add, &specs);
	pg_index_linked(x, argv[3], "interface", "bench", add, &benches);
	if (impls.n < 2 || !specs.n || !benches.n) {
		fprintf(stderr, "gen_results: the interface needs 2 impls, a spec and a bench\n");
		return 1;
	}
	if (pg_txn_begin(&t, s, k, &idobj) < 0) {
		fprintf(stderr, "gen_results: %s\n", pg_error_last());
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		pg_object *o = pg_object_new(PG_T_RESULT, k->pk, 1700000000 + (int64_t)i);
		const char *impl = impls.id[1 + i % (impls.n - 1)];
		pg_buf body = PG_BUF_INIT;
		if (i % 2) {
			pg_object_add(o, "kind", "verify");
			pg_object_add(o, "subject", impl);
			pg_object_add(o, "against", specs.id[i % specs.n]);
			pg_buf_printf(&body, "result passed\npassed %zu\nfailed 0\nerrored 0\nlog %064d\nmachine synthetic\n"
					     "tool pg\n", 100 + i, 0);
		} else {
			pg_bresult r;
			memset(&r, 0, sizeof(r));
			memcpy(r.baseline, impls.id[0], sizeof(r.baseline));
			r.nw = 1;
			r.w = calloc(1, sizeof(*r.w));
			r.w->n = r.w->base_n = 100;
			r.w->calls = 1;
			r.w->nsamples = 10;
			for (size_t k2 = 0; k2 < 10; k2++) {
				r.w->base_ns[k2] = r.w->base_wall[k2] = 1000000 + 1000 * k2;
				r.w->ns[k2] = r.w->wall[k2] = 500000 + 700 * ((k2 * 7 + i) % 10) + 10 * (i % 97);
			}
			r.machine = strdup("synthetic");
			pg_bench_summarize(&r);
			pg_bench_body(&body, &r);
			pg_bresult_clear(&r);
			pg_object_add(o, "kind", "bench");
			pg_object_add(o, "subject", impl);
			pg_object_add(o, "against", benches.id[i % benches.n]);
		}
		pg_object_set_body(o, body.ptr, body.len);
		pg_buf_free(&body);
		if (pg_object_sign(o, k->sk) < 0 || pg_txn_add(t, o, NULL, 0) < 0) {
			fprintf(stderr, "gen_results: %s\n", pg_error_last());
			return 1;
		}
	}
	if (pg_txn_commit(t) < 0) {
		fprintf(stderr, "gen_results: %s\n", pg_error_last());
		return 1;
	}
	pg_txn_free(t);
	pg_key_free(k);
	pg_index_free(x);
	pg_store_free(s);
	pg_buf_free(&idobj);
	free(impls.id);
	free(specs.id);
	free(benches.id);
	return 0;
}
