/* gen_browse.c - a store that looks like one people browse: many
 * interfaces, each with its specs, impls and a bench by several authors,
 * and results about them signed by many identities who trust each other.
 * For bench/tui.sh: pg tui's first screen over a store of realistic
 * shape and size.
 *
 *   gen_browse PGDIR HOME WORK INTERFACES IDENTITIES OBJECTS
 *
 * WORK is a scratch directory (payload trees are packed from it).
 * Everything goes through pg's own transaction API (pg_txn_begin, _add,
 * _commit), one log per identity, so the store is what pg publish would
 * have made: pg fsck and pg reindex verify it like any other.
 *
 * The world:
 *   - IDENTITIES synthetic identities (fresh keys, "dev0000" ...); the first
 *     40 (half, if fewer than 40) are authors;
 *   - per interface (author i mod authors): 1-2 specs, a bench and the
 *     baseline impl the interface names by its author, 2-4 more impls by
 *     other authors, each with a small payload (an IDL, cases, source);
 *     the authors publish those in one log entry each;
 *   - every identity's second (or first) log entry: 3-7 trust claims in
 *     other identities (low, medium, high; one in twenty distrust) and
 *     results: signer s of interface i verifies each impl against each spec
 *     (passed; about one impl in eleven fails for everyone) and benches
 *     each passing non-baseline impl against the bench (10 samples whose summary is
 *     their own, each impl with its own speed).  Signers are dealt to
 *     interfaces round-robin until the store holds about OBJECTS objects;
 *   - HOME's current identity (PG_PASSPHRASE unlocks it) trusts ten of them
 *     highly and verifies the impls of the first five interfaces itself.
 *
 * Choices come from a fixed PRNG; keys are fresh, so ids differ between
 * runs, the shape does not.  Prints on stdout "objects N entries N
 * interfaces N identities N claims N results N": what it published.
 * A log per identity means a pack per log entry (pg_txn writes one), as
 * a store that grew by publishing and pulling has many packs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index.h"
#include "key.h"
#include "manifest.h"
#include "payload.h"
#include "result.h"

#define DAY 86400

static int64_t now;
static uint64_t rstate = 0x2545f4914f6cdd1dull;

static void die(const char *what)
{
	fprintf(stderr, "gen_browse: %s: %s\n", what, pg_error_last());
	exit(1);
}

static uint64_t rnd(void)
{
	rstate ^= rstate << 13;
	rstate ^= rstate >> 7;
	rstate ^= rstate << 17;
	return rstate;
}

static size_t pick(size_t n)
{
	return (size_t)(rnd() % n);
}

struct who {
	pg_key *k;
	pg_buf idobj;
	char hex[PG_HEX_LEN + 1];
	pg_object **objs; /* staged for its next log entry */
	pg_buf *payloads;
	size_t n, cap;
};

static void stage(struct who *w, pg_object *o, pg_buf *payload)
{
	if (pg_object_sign(o, w->k->sk) < 0)
		die("sign");
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->objs = realloc(w->objs, w->cap * sizeof(*w->objs));
		w->payloads = realloc(w->payloads, w->cap * sizeof(*w->payloads));
	}
	w->objs[w->n] = o;
	w->payloads[w->n] = (pg_buf)PG_BUF_INIT;
	if (payload) {
		w->payloads[w->n] = *payload; /* taken */
		*payload = (pg_buf)PG_BUF_INIT;
	}
	w->n++;
}

static size_t total_objects, total_entries;

/* Publish what w staged as one log entry. */
static void flush(pg_store *s, struct who *w)
{
	pg_txn *t;
	if (!w->n)
		return;
	if (pg_txn_begin(&t, s, w->k, &w->idobj) < 0)
		die("begin");
	total_objects += pg_txn_count(t); /* the identity of a new log */
	for (size_t i = 0; i < w->n; i++) {
		int r = pg_txn_add(t, w->objs[i], w->payloads[i].ptr, w->payloads[i].len);
		if (r < 0)
			die("add");
		total_objects += r == 0;
		pg_buf_free(&w->payloads[i]);
	}
	if (pg_txn_commit(t) < 0)
		die("commit");
	pg_txn_free(t);
	total_entries++;
	w->n = 0;
}

/* A payload: the files (name, text) packed from a fresh directory. */
static void payload(pg_buf *out, const char *work, const char *const *files, size_t n)
{
	static unsigned seq;
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s/p%u", work, seq++);
	if (mkdir(dir, 0755) < 0)
		die("mkdir (WORK must exist)");
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[2 * i]);
		FILE *f = fopen(path, "w");
		if (!f || fputs(files[2 * i + 1], f) < 0 || fclose(f) != 0)
			die("write a payload file");
	}
	if (pg_payload_create(out, dir, NULL, pg_manifest_filter, NULL) < 0)
		die("payload");
}

static void set_payload(pg_object *o, const pg_buf *p)
{
	uint8_t h[PG_ID_LEN];
	char v[PG_HEX_LEN + 32];
	pg_hash(h, p->ptr, p->len);
	pg_hex(v, h, PG_ID_LEN);
	snprintf(v + PG_HEX_LEN, sizeof(v) - PG_HEX_LEN, " %zu", p->len);
	pg_object_add(o, "payload", v);
}

static void body(pg_object *o, const char *text)
{
	pg_object_set_body(o, text, strlen(text));
}

struct impl {
	char id[PG_HEX_LEN + 1];
	char name[64];
	double speed; /* × baseline */
	int fails;
};

struct iface {
	char id[PG_HEX_LEN + 1];
	char name[80];
	char spec[2][PG_HEX_LEN + 1];
	size_t nspecs;
	char bench[PG_HEX_LEN + 1];
	struct impl impl[5];
	size_t nimpls;
};

static const char *const domains[] = { "sort", "hash", "text", "json", "geo", "image", "matrix", "compress", "crypto",
				       "net", "time", "stats" };
static const char *const funcs[] = { "u32", "u64", "strings", "parse", "encode", "decode", "search", "median",
				     "filter", "transform", "distance", "checksum" };
static const char *const langs[] = { "c", "python", "rust", "go", "zig", "js" };
static const char *const machines[] = {
	"x86_64 Linux 6.1.0, 8 cpus, AMD Ryzen 7 5800X", "x86_64 Linux 6.8.0, 16 cpus, Intel Core i9-12900K",
	"aarch64 Linux 6.5.0, 8 cpus, Apple M2", "x86_64 Linux 5.15.0, 4 cpus, Intel Xeon E5-2680",
	"aarch64 Linux 6.1.0, 4 cpus, Cortex-A72",
};

static void hexid(char out[PG_HEX_LEN + 1], const pg_object *o)
{
	pg_hex(out, o->id, PG_ID_LEN);
}

static pg_object *verify_result(const uint8_t pk[PG_PK_LEN], const char *impl, const char *spec, int fails,
				int64_t date, size_t salt)
{
	pg_buf b = PG_BUF_INIT;
	size_t ncases = 20 + salt % 30;
	pg_buf_printf(&b, "result %s\npassed %zu\nfailed %d\nerrored 0\n%slog %064zu\nmachine %s\ntool pg 0.1.0\n",
		      fails ? "failed" : "passed", fails ? ncases - 2 : ncases, fails ? 2 : 0,
		      salt % 3 == 0 ? "rerun same\n" : "", salt, machines[salt % 5]);
	pg_object *o = pg_object_new(PG_T_RESULT, pk, date);
	pg_object_add(o, "kind", "verify");
	pg_object_add(o, "subject", impl);
	pg_object_add(o, "against", spec);
	pg_object_set_body(o, b.ptr, b.len);
	pg_buf_free(&b);
	return o;
}

static pg_object *bench_result(const uint8_t pk[PG_PK_LEN], const struct iface *f, const struct impl *m,
			       int64_t date, size_t salt)
{
	pg_bresult r;
	pg_buf b = PG_BUF_INIT;
	memset(&r, 0, sizeof(r));
	memcpy(r.baseline, f->impl[0].id, sizeof(r.baseline));
	r.nw = 1 + salt % 2;
	r.w = calloc(r.nw, sizeof(*r.w));
	double machine_bias = 0.9 + 0.05 * (double)(salt % 5);
	for (size_t w = 0; w < r.nw; w++) {
		pg_bwork *x = &r.w[w];
		x->n = 100;
		x->base_n = 100;
		x->calls = 1;
		x->nsamples = 10;
		for (size_t k = 0; k < 10; k++) {
			uint64_t base = 1000000 + 1000 * ((k * 3 + salt) % 10);
			double jitter = 1 + 0.01 * (double)((k * 7 + salt) % 10) - 0.05;
			x->base_ns[k] = x->base_wall[k] = base;
			x->ns[k] = x->wall[k] = (uint64_t)((double)base * m->speed * machine_bias * jitter);
		}
	}
	r.machine = strdup(machines[salt % 5]);
	pg_bench_summarize(&r);
	pg_bench_body(&b, &r);
	pg_bresult_clear(&r);
	pg_object *o = pg_object_new(PG_T_RESULT, pk, date);
	pg_object_add(o, "kind", "bench");
	pg_object_add(o, "subject", m->id);
	pg_object_add(o, "against", f->bench);
	pg_object_set_body(o, b.ptr, b.len);
	pg_buf_free(&b);
	return o;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: gen_browse PGDIR HOME WORK INTERFACES IDENTITIES OBJECTS\n");
		return 2;
	}
	const char *work = argv[3];
	size_t nif = strtoul(argv[4], NULL, 10), nids = strtoul(argv[5], NULL, 10), target = strtoul(argv[6], NULL, 10);
	if (nif < 1 || nids < 8) {
		fprintf(stderr, "gen_browse: at least 1 interface and 8 identities\n");
		return 2;
	}
	size_t nauth = nids < 40 ? nids / 2 : 40;
	pg_store *s;
	now = pg_now();
	if (pg_crypto_init() < 0 || pg_store_open(&s, argv[1]) < 0)
		die("open the store");

	/* the identities */
	struct who *ids = calloc(nids + 1, sizeof(*ids));
	for (size_t i = 0; i < nids; i++) {
		char name[32];
		snprintf(name, sizeof(name), "dev%04zu", i);
		if (pg_key_generate(&ids[i].k, name) < 0)
			die("key");
		pg_object *o = pg_object_new(PG_T_IDENTITY, ids[i].k->pk, now - 400 * DAY + (int64_t)i * 60);
		pg_object_add(o, "name", name);
		if (pg_object_sign(o, ids[i].k->sk) < 0)
			die("sign an identity");
		pg_buf_put(&ids[i].idobj, o->raw.ptr, o->raw.len);
		pg_object_free(o);
		pg_hex(ids[i].hex, ids[i].k->pk, PG_PK_LEN);
	}
	struct who *me = &ids[nids];
	uint8_t mypk[PG_PK_LEN];
	if (pg_key_get_current(mypk, argv[2]) < 0 || pg_key_find(&me->k, argv[2], NULL) < 0 ||
	    pg_key_unlock(me->k, argv[2], getenv("PG_PASSPHRASE")) < 0 || pg_key_identity(&me->idobj, argv[2], mypk) < 0)
		die("the current identity");

	/* the interfaces, their specs, benches and impls */
	struct iface *fs = calloc(nif, sizeof(*fs));
	char text[4096], text2[4096];
	for (size_t i = 0; i < nif; i++) {
		struct iface *f = &fs[i];
		struct who *a = &ids[i % nauth];
		int64_t d0 = now - 300 * DAY + (int64_t)i * 3600;
		const char *dom = domains[i % 12], *fn = funcs[(i / 12) % 12];
		if (i < 144)
			snprintf(f->name, sizeof(f->name), "%s::%s", dom, fn);
		else
			snprintf(f->name, sizeof(f->name), "%s::%s_%zu", dom, fn, i / 144);
		f->nimpls = 3 + pick(3);
		f->nspecs = 1 + pick(2);
		char base[64];
		snprintf(base, sizeof(base), "%s-%s-ref", fn, langs[0]);
		pg_buf p = PG_BUF_INIT;
		snprintf(text, sizeof(text), "// %s - synthetic interface %zu\n\nfn %s(values: [u32]) -> [u32];\n", f->name,
			 i, fn);
		snprintf(text2, sizeof(text2), "# %s\n\nThe %s of a list, for the browsing benchmark.\n", f->name, fn);
		payload(&p, work, (const char *const[]){ "interface.pgi", text, "README.md", text2 }, 2);
		pg_object *o = pg_object_new(PG_T_INTERFACE, a->k->pk, d0);
		pg_object_add(o, "name", f->name);
		pg_object_add(o, "baseline", base);
		set_payload(o, &p);
		snprintf(text, sizeof(text), "%s over lists of unsigned integers: a synthetic interface\n"
					     "of the browsing benchmark (bench/tui.sh), number %zu.\n", fn, i);
		body(o, text);
		stage(a, o, &p);
		hexid(f->id, o);
		for (size_t k = 0; k < f->nspecs; k++) {
			snprintf(text, sizeof(text), "cases:\n  - description: case %zu of %s\n    call: %s\n    args: [[3, 1, 2]]\n"
						     "    expect: [1, 2, 3]\n", k, f->name, fn);
			payload(&p, work, (const char *const[]){ "cases.yaml", text }, 1);
			o = pg_object_new(PG_T_SPEC, a->k->pk, d0 + 60 + (int64_t)k);
			snprintf(text, sizeof(text), "%s-%s", fn, k ? "edge" : "basic");
			pg_object_add(o, "name", text);
			pg_object_add(o, "interface", f->id);
			set_payload(o, &p);
			body(o, "Examples for the edge cases, and random inputs judged by the majority.\n");
			stage(a, o, &p);
			hexid(f->spec[k], o);
		}
		snprintf(text, sizeof(text), "description: %s, large and small\nsamples: 10\nworkloads:\n  - call: %s\n", f->name, fn);
		payload(&p, work, (const char *const[]){ "workload.yaml", text }, 1);
		o = pg_object_new(PG_T_BENCH, a->k->pk, d0 + 120);
		snprintf(text, sizeof(text), "%s-large", fn);
		pg_object_add(o, "name", text);
		pg_object_add(o, "interface", f->id);
		set_payload(o, &p);
		stage(a, o, &p);
		hexid(f->bench, o);
		for (size_t k = 0; k < f->nimpls; k++) {
			struct impl *m = &f->impl[k];
			struct who *ia = k == 0 ? a : &ids[(i + 1 + pick(nauth - 1)) % nauth];
			const char *lang = k == 0 ? langs[0] : langs[pick(6)];
			if (k == 0)
				snprintf(m->name, sizeof(m->name), "%s", base);
			else
				snprintf(m->name, sizeof(m->name), "%s-%s-%zu", fn, lang, k);
			m->speed = k == 0 ? 1.0 : 0.2 + 0.1 * (double)pick(20);
			m->fails = k > 0 && (i * 5 + k) % 11 == 0;
			snprintf(text, sizeof(text), "/* %s: impl %zu of %s */\n#include <stdint.h>\n"
						     "int %s(uint32_t *v, int n) { (void)v; return n + %zu; }\n",
				 m->name, k, f->name, fn, i * 7 + k);
			payload(&p, work, (const char *const[]){ "impl.c", text }, 1);
			o = pg_object_new(PG_T_IMPL, ia->k->pk, d0 + 3600 + (int64_t)k * DAY);
			pg_object_add(o, "name", m->name);
			pg_object_add(o, "interface", f->id);
			pg_object_add(o, "lang", lang);
			pg_object_add(o, "build", "cc -std=c11 -O2 -o impl impl.c");
			pg_object_add(o, "run", "./impl");
			set_payload(o, &p);
			snprintf(text, sizeof(text), "Implementation %zu of %s, in %s.\n", k, f->name, lang);
			body(o, text);
			stage(ia, o, &p);
			hexid(m->id, o);
		}
	}
	for (size_t a = 0; a < nauth; a++)
		flush(s, &ids[a]);
	fprintf(stderr, "gen_browse: %zu interfaces by %zu authors: %zu objects\n", nif, nauth, total_objects);

	/* trust among the identities, and mine */
	static const char *const levels[] = { "low", "medium", "high" };
	size_t claims = 0;
	for (size_t i = 0; i < nids; i++) {
		size_t n = 3 + pick(5);
		for (size_t c = 0; c < n; c++) {
			size_t to = pick(nids - 1);
			to += to >= i;
			pg_object *o = pg_object_new(PG_T_TRUST, ids[i].k->pk, now - (int64_t)pick(365) * DAY + (int64_t)c);
			pg_object_add(o, "subject", ids[to].hex);
			pg_object_add(o, "level", pick(20) == 0 ? "distrust" : levels[pick(3)]);
			stage(&ids[i], o, NULL);
			claims++;
		}
	}
	for (size_t c = 0; c < 10; c++) {
		pg_object *o = pg_object_new(PG_T_TRUST, me->k->pk, now - 30 * DAY + (int64_t)c);
		pg_object_add(o, "subject", ids[c * (nids / 10)].hex);
		pg_object_add(o, "level", "high");
		stage(me, o, NULL);
		claims++;
	}
	size_t results = 0, salt = 0;
	for (size_t i = 0; i < 5 && i < nif; i++)
		for (size_t k = 0; k < fs[i].nimpls; k++)
			for (size_t sp = 0; sp < fs[i].nspecs; sp++, results++)
				stage(me, verify_result(me->k->pk, fs[i].impl[k].id, fs[i].spec[sp], fs[i].impl[k].fails,
							now - DAY + (int64_t)results, salt++),
				      NULL);

	/* results: signers dealt round-robin to the interfaces until the store is full */
	size_t have = total_objects + (nids - nauth) /* identities still to come */ + claims + results + 1;
	for (size_t round = 0; have < target; round++) {
		for (size_t i = 0; i < nif && have < target; i++) {
			struct iface *f = &fs[i];
			/* from the middle of the authors on; a signer comes back to
			 * an interface only after nids rounds */
			struct who *w = &ids[(nauth / 2 + round * (nif + 1) + i) % nids];
			for (size_t k = 0; k < f->nimpls; k++) {
				const struct impl *m = &f->impl[k];
				int64_t date = now - (int64_t)pick(90) * DAY - (int64_t)pick(DAY);
				for (size_t sp = 0; sp < f->nspecs; sp++, have++, results++)
					stage(w, verify_result(w->k->pk, m->id, f->spec[sp], m->fails, date, salt++), NULL);
				if (k > 0 && !m->fails) {
					stage(w, bench_result(w->k->pk, f, m, date + 600, salt++), NULL);
					have++, results++;
				}
			}
		}
		if (round > 100000)
			break;
	}
	fprintf(stderr, "gen_browse: %zu trust claims, %zu results; publishing %zu logs\n", claims, results, nids + 1);
	for (size_t i = 0; i <= nids; i++) {
		flush(s, &ids[i]);
		if ((i + 1) % 50 == 0)
			fprintf(stderr, "gen_browse: %zu logs\r", i + 1);
	}
	fprintf(stderr, "\ngen_browse: %zu objects in %zu log entries\n", total_objects, total_entries);
	printf("objects %zu entries %zu interfaces %zu identities %zu claims %zu results %zu\n", total_objects,
	       total_entries, nif, nids, claims, results);
	for (size_t i = 0; i <= nids; i++) {
		pg_key_free(ids[i].k);
		pg_buf_free(&ids[i].idobj);
		free(ids[i].objs);
		free(ids[i].payloads);
	}
	free(ids);
	free(fs);
	pg_store_free(s);
	return 0;
}
