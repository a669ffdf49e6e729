/* gen_corpus.c - a realistic pg library, generated deterministically from a seed
 *
 * For bench/scale.sh (the issue 11 table), and for anyone who needs a big
 * store to profile.  Built against libpg.a, as the other bench helpers:
 *
 *   cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib $(pkg-config --cflags PKGS) \
 *      -o gen_corpus bench/gen_corpus.c build/libpg.a $(pkg-config --libs PKGS) -lm
 *
 *   gen_corpus [-n N] [-p P] [-s SEED] [-d DATE] PGDIR
 *       write into the store PGDIR (a .pg directory that 'pg init' made) a
 *       library of N objects (default 100000) from P publishers (default
 *       1000); then run 'pg reindex' (or let the first command index it).
 *       Each transaction writes a pack; pg_txn_commit merges the small
 *       ones as it goes (pg_store_repack).
 *   gen_corpus -t [-n N] [-s SEED] [-o FIRST] DIR
 *       write N authoring directories (pg.yaml and payload files) below DIR,
 *       which must not exist: interfaces, specs, impls and benches, for
 *       'pg publish -r DIR' (scale.sh's publish row).  Interfaces are
 *       numbered from FIRST (default 0): interface i is the store mode's
 *       interface i, by name and shape (its bytes differ), so a FIRST past
 *       the store's interfaces gives names no one in it publishes.
 *
 * The library (store mode), for N = 100000 and P = 1000:
 *   - P identities, each the first object of its own log;
 *   - N/400 interfaces (250; at least 3), each by one of the first P/20
 *     publishers (the maintainers), with 1-2 specs and a bench by the same
 *     author and 3-12 impls (about 2 000 in all) by publishers anywhere;
 *     each with a small payload of its own (an interface.pgi and README.md,
 *     a cases.yaml, a workload.yaml, an impl.c, impl.py, main.rs or main.go)
 *     of a few hundred bytes to a few KiB, every one different;
 *   - 0-4 trust claims per publisher, mostly in maintainers;
 *   - the rest (about 94 000) results: three in four verify results
 *     (passed, or failed for the one impl in eleven that is broken), one in
 *     four bench results (1-2 workloads of 15 rounds against the
 *     interface's baseline, the summary their own: pg_bench_summarize's
 *     bootstrap, twice per result with pg_txn_add's check, is most of the
 *     generator's time), valid under pg_result_check.  The interface a
 *     result is about follows a Zipf law (interface k gets a share ~ 1/(k+1)), so
 *     interface 0, sort::u32, is busy (about 16% of the results); the
 *     signer is one of the P/10 busiest publishers (CI machines) four
 *     times in ten, anyone otherwise.
 * Each publisher's objects go in through pg_txn_begin/_add/_commit: the
 * first entry holds its identity, its catalog objects and its trust
 * claims; its results follow in one to three more entries (each a pack).
 *
 * Everything comes from SEED (default 1): keys (crypto_sign_seed_keypair of
 * a BLAKE2b of the seed and the publisher's number), choices (splitmix64)
 * and dates (DATE, default 1790000000, minus up to 400 days; the log
 * entries are dated DATE through PG_NOW), so two runs with the same
 * arguments write the same bytes, the same ids and the same commits.
 * With another N or P the world is laid out anew (a smaller store is not
 * a prefix of a bigger one), though publisher k's key and interface i's
 * name depend on SEED alone.
 *
 * On stdout, "key value" lines for the script: the counts, and
 *   busy_iface NAME / busy_iface_id ID / busy_results K   the busiest interface
 *   maintainer KEY      publisher 0: the busiest interface's author, and one
 *                       of the maintainers most trust claims name (for pg trust)
 *   busiest_publisher KEY  the publisher with the most results
 *   impl_name NAME / impl_id ID    an impl of the busiest interface (for pg find)
 * Progress goes to stderr.  Exit 0 on success, 1 on an error (pg's message),
 * 2 on a usage error.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "payload.h"
#include "result.h"
#include "store.h"

#define DAY 86400
#define MAX_SPECS 2
#define MAX_IMPLS 12

static uint64_t seed = 1;
static int64_t base_date = 1790000000;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s: %s\n", what, pg_error_last());
	exit(1);
}

static void die_errno(const char *what, const char *path)
{
	fprintf(stderr, "gen_corpus: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* --- choices: splitmix64, one stream per purpose ------------------------ */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A stream for (purpose, k), independent of every other one. */
static rng stream(uint64_t purpose, uint64_t k)
{
	rng r = { seed * 0x100000001b3ull ^ purpose << 40 ^ k };
	next(&r);
	return r;
}

static size_t pick(rng *r, size_t n)
{
	return (size_t)(next(r) % n);
}

static double unit(rng *r)
{
	return (double)(next(r) >> 11) / 9007199254740992.0;
}

/* --- text --------------------------------------------------------------- */

static const char *const words[] = {
	"the", "values", "order", "input", "output", "a", "list", "of", "every", "call", "returns", "same",
	"length", "fast", "path", "table", "cache", "branch", "loop", "bytes", "stable", "copy", "each", "one",
	"is", "and", "with", "for", "in", "to", "when", "empty", "large", "small", "random", "sorted", "reversed",
	"duplicates", "kept", "memory", "allocation", "buffer", "linear", "quadratic", "pass", "passes", "bits",
	"radix", "merge", "heap", "insertion", "counting", "hash", "checksum", "window", "block", "carry",
	"overflow", "signed", "unsigned", "range", "bound", "edge", "case", "cases", "compared", "reference",
	"majority", "answer", "answers", "implementation", "interface", "benchmark", "spec", "run", "round",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* nwords random words as lines of at most 72 columns, each line begun
 * with prefix and ended with '\n', the first word capitalised, a full
 * stop at the end */
static void prose(pg_buf *b, rng *r, size_t nwords, const char *prefix)
{
	size_t col = 0;
	for (size_t i = 0; i < nwords; i++) {
		const char *w = words[pick(r, NWORDS)];
		size_t len = strlen(w);
		if (col && col + 1 + len > 72) {
			pg_buf_putc(b, '\n');
			col = 0;
		}
		if (!col) {
			pg_buf_puts(b, prefix);
			col = strlen(prefix);
		} else {
			pg_buf_putc(b, ' ');
			col++;
		}
		if (i == 0) {
			pg_buf_putc(b, (char)(w[0] - 'a' + 'A'));
			pg_buf_puts(b, w + 1);
		} else {
			pg_buf_puts(b, w);
		}
		col += len;
	}
	pg_buf_puts(b, ".\n");
}

/* nwords random words on one line, the first capitalised, then '\n' */
static void phrase(pg_buf *b, rng *r, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++) {
		const char *w = words[pick(r, NWORDS)];
		if (i == 0) {
			pg_buf_putc(b, (char)(w[0] - 'a' + 'A'));
			pg_buf_puts(b, w + 1);
		} else {
			pg_buf_printf(b, " %s", w);
		}
	}
	pg_buf_putc(b, '\n');
}

/* --- the catalog: what an interface is, its specs, bench and impls ----- */

static const char *const domains[] = { "sort", "hash", "text", "json", "geo", "image", "matrix", "compress",
				       "crypto", "net", "time", "stats" };
static const char *const funcs[] = { "u32", "u64", "strings", "parse", "encode", "decode", "search", "median",
				     "filter", "transform", "distance", "checksum" };
static const char *const machines[] = {
	"x86_64 Linux 6.1.0, 8 cpus, AMD Ryzen 7 5800X, cc (Debian 12.2.0-14) 12.2.0",
	"x86_64 Linux 6.8.0, 16 cpus, Intel Core i9-12900K, cc (Ubuntu 13.2.0-23ubuntu4) 13.2.0",
	"aarch64 Linux 6.5.0, 8 cpus, Apple M2, cc (GCC) 13.2.1",
	"x86_64 Linux 5.15.0, 4 cpus, Intel Xeon E5-2680, cc (Debian 10.2.1-6) 10.2.1",
	"aarch64 Linux 6.1.0, 4 cpus, Cortex-A72, cc (Debian 12.2.0-14) 12.2.0",
	"x86_64 Linux 6.6.8, 2 cpus, Intel(R) Xeon(R) Processor, cc (Debian 12.2.0-14) 12.2.0",
};
#define NMACHINES (sizeof(machines) / sizeof(machines[0]))

/* the interface kinds: one function each, so specs and workloads fit */
enum { K_LIST, K_PAIR, K_BYTES, NKINDS };

struct lang {
	const char *name, *file, *build, *run;
};
static const struct lang langs[] = {
	{ "c", "impl.c", "cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm", "./impl" },
	{ "python", "impl.py", NULL, "python3 impl.py" },
	{ "rust", "main.rs", "rustc -O -o impl main.rs", "./impl" },
	{ "go", "main.go", "go build -o impl main.go", "./impl" },
};

struct iface {
	char name[96], fn[32], id[PG_HEX_LEN + 1];
	int kind;
	size_t author; /* publisher */
	size_t nspecs, nimpls;
	char spec[MAX_SPECS][PG_HEX_LEN + 1], bench[PG_HEX_LEN + 1];
	struct impl {
		char id[PG_HEX_LEN + 1], name[64];
		size_t author;
		double speed; /* x the baseline's time */
		int broken;   /* fails its specs */
	} impl[MAX_IMPLS];
};

/* An authoring directory in memory: its pg.yaml fields and its files. */
struct item {
	pg_otype type;
	char name[96], iface[96], baseline[64];
	const struct lang *lang;
	pg_buf desc;
	size_t nfiles;
	char fname[3][32];
	pg_buf fdata[3];
};

static void item_clear(struct item *it)
{
	pg_buf_free(&it->desc);
	for (size_t i = 0; i < it->nfiles; i++)
		pg_buf_free(&it->fdata[i]);
	memset(it, 0, sizeof(*it));
}

static pg_buf *item_file(struct item *it, const char *name)
{
	snprintf(it->fname[it->nfiles], sizeof(it->fname[0]), "%s", name);
	it->fdata[it->nfiles] = (pg_buf)PG_BUF_INIT;
	return &it->fdata[it->nfiles++];
}

static void iface_name(struct iface *f, size_t i)
{
	const char *dom = domains[i % 12], *fn = funcs[(i / 12) % 12];
	snprintf(f->fn, sizeof(f->fn), "%s", fn);
	if (i < 144)
		snprintf(f->name, sizeof(f->name), "%s::%s", dom, fn);
	else
		snprintf(f->name, sizeof(f->name), "%s::%s_%zu", dom, fn, i / 144);
	f->kind = (int)(i % NKINDS);
}

static const char *signature(int kind)
{
	switch (kind) {
	case K_LIST: return "values: [u32]) -> [u32]";
	case K_PAIR: return "a: i64, b: i64) -> i64";
	default: return "data: bytes) -> u32";
	}
}

/* a generator of one call's arguments, as a YAML flow list */
static void gen_args(pg_buf *b, int kind, rng *r)
{
	switch (kind) {
	case K_LIST:
		pg_buf_printf(b, "[{len: [0, %zu], of: {min: 0, max: %zu}}]", 10 + pick(r, 400), 9 + pick(r, 100000));
		break;
	case K_PAIR: {
		size_t m = 10 + pick(r, 1000000);
		pg_buf_printf(b, "[{min: -%zu, max: %zu}, {min: -%zu, max: %zu}]", m, m, m / 2 + 1, m / 2 + 1);
		break;
	}
	default:
		pg_buf_printf(b, "[{len: [0, %zu]}]", 16 + pick(r, 4000));
	}
}

static void make_interface(struct item *it, const struct iface *f, size_t i, rng *r)
{
	it->type = PG_T_INTERFACE;
	snprintf(it->name, sizeof(it->name), "%s", f->name);
	snprintf(it->baseline, sizeof(it->baseline), "%s-c-ref", f->fn);
	prose(&it->desc, r, 15 + pick(r, 40), "");
	pg_buf *p = item_file(it, "interface.pgi");
	pg_buf_printf(p, "// %s - interface %zu of the generated library (bench/gen_corpus.c)\n\n", f->name, i);
	prose(p, r, 10 + pick(r, 50), "// ");
	pg_buf_printf(p, "fn %s(%s;\n", f->fn, signature(f->kind));
	p = item_file(it, "README.md");
	pg_buf_printf(p, "# %s\n\n", f->name);
	for (size_t k = 1 + pick(r, 4); k > 0; k--) {
		prose(p, r, 20 + pick(r, 120), "");
		pg_buf_putc(p, '\n');
	}
	pg_buf_printf(p, "    %s(...)    # %s\n", f->fn, signature(f->kind));
}

static void make_spec(struct item *it, const struct iface *f, size_t k, rng *r)
{
	it->type = PG_T_SPEC;
	snprintf(it->name, sizeof(it->name), "%s-%s", f->fn, k ? "edge" : "basic");
	snprintf(it->iface, sizeof(it->iface), "%s", f->name);
	prose(&it->desc, r, 8 + pick(r, 30), "");
	pg_buf *p = item_file(it, "cases.yaml");
	pg_buf_puts(p, "# cases.yaml - what every implementation must answer\n");
	prose(p, r, 5 + pick(r, 20), "# ");
	pg_buf_puts(p, "cases:\n");
	for (size_t c = 2 + pick(r, 8); c > 0; c--) {
		pg_buf_puts(p, "  - description: ");
		phrase(p, r, 3 + pick(r, 8));
		pg_buf_printf(p, "    call: %s\n", f->fn);
		switch (f->kind) {
		case K_LIST: {
			size_t n = pick(r, 8);
			uint32_t v[8];
			for (size_t j = 0; j < n; j++)
				v[j] = (uint32_t)pick(r, 1000);
			pg_buf_puts(p, "    args: [[");
			for (size_t j = 0; j < n; j++)
				pg_buf_printf(p, "%s%u", j ? ", " : "", v[j]);
			pg_buf_puts(p, "]]\n    expect: [");
			for (size_t j = 1; j < n; j++) /* sorted, insertion */
				for (size_t m = j; m > 0 && v[m - 1] > v[m]; m--) {
					uint32_t t = v[m];
					v[m] = v[m - 1];
					v[m - 1] = t;
				}
			for (size_t j = 0; j < n; j++)
				pg_buf_printf(p, "%s%u", j ? ", " : "", v[j]);
			pg_buf_puts(p, "]\n");
			break;
		}
		case K_PAIR: {
			long a = (long)pick(r, 2000000) - 1000000, b = (long)pick(r, 2000000) - 1000000;
			pg_buf_printf(p, "    args: [%ld, %ld]\n    expect: %ld\n", a, b, a + b);
			break;
		}
		default: {
			size_t n = pick(r, 12);
			pg_buf_puts(p, "    args: [{hex: \"");
			for (size_t j = 0; j < n; j++)
				pg_buf_printf(p, "%02x", (unsigned)pick(r, 256));
			pg_buf_printf(p, "\"}]\n    expect: %zu\n", pick(r, 4294967295u));
		}
		}
	}
	pg_buf_puts(p, "random:\n");
	for (size_t c = 1 + pick(r, 2); c > 0; c--) {
		pg_buf_puts(p, "  - description: ");
		phrase(p, r, 3 + pick(r, 6));
		pg_buf_printf(p, "    call: %s\n    count: %zu\n    seed: %zu\n    args: ", f->fn, 50 + pick(r, 500),
			      1 + pick(r, 1000));
		gen_args(p, f->kind, r);
		pg_buf_putc(p, '\n');
	}
}

static void make_bench(struct item *it, const struct iface *f, rng *r)
{
	it->type = PG_T_BENCH;
	snprintf(it->name, sizeof(it->name), "%s-large", f->fn);
	snprintf(it->iface, sizeof(it->iface), "%s", f->name);
	prose(&it->desc, r, 8 + pick(r, 30), "");
	pg_buf *p = item_file(it, "workload.yaml");
	pg_buf_printf(p, "# workload.yaml - what `pg bench` times\ndescription: %s, large and small\nsamples: %zu\n"
			 "warmup: 3\nworkloads:\n", f->name, 10 + pick(r, 20));
	for (size_t w = 1 + pick(r, 2), k = 1; k <= w; k++) {
		pg_buf_puts(p, "  - description: ");
		phrase(p, r, 3 + pick(r, 6));
		pg_buf_printf(p, "    call: %s\n    count: %zu\n    seed: %zu\n    args: ", f->fn, 2 + pick(r, 8), k);
		gen_args(p, f->kind, r);
		pg_buf_putc(p, '\n');
	}
}

static void make_impl(struct item *it, const struct iface *f, const struct impl *m, const struct lang *lang, rng *r)
{
	it->type = PG_T_IMPL;
	it->lang = lang;
	snprintf(it->name, sizeof(it->name), "%s", m->name);
	snprintf(it->iface, sizeof(it->iface), "%s", f->name);
	prose(&it->desc, r, 10 + pick(r, 40), "");
	pg_buf *p = item_file(it, lang->file);
	int c_like = lang->name[0] != 'p';
	const char *cm = c_like ? "//" : "#";
	pg_buf_printf(p, "%s %s - %s, an implementation of %s (generated)\n%s\n", cm, lang->file, m->name, f->name, cm);
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%s ", cm);
	prose(p, r, 20 + pick(r, 80), prefix);
	if (lang->name[0] == 'p') {
		pg_buf_printf(p, "import sys\nfrom %s import serve\n\ndef %s(%s):\n", f->fn, f->fn,
			      f->kind == K_PAIR ? "a, b" : f->kind == K_LIST ? "values" : "data");
	} else {
		pg_buf_printf(p, "%s %s(%s)\n{\n", lang->name[0] == 'c' ? "static long" : "fn", f->fn,
			      f->kind == K_PAIR ? "long a, long b" : "const void *in, size_t n");
	}
	/* a body of a few to a few dozen made-up statements */
	const char *ind = c_like ? "\t" : "    ";
	for (size_t s = 3 + pick(r, 30); s > 0; s--) {
		const char *v = words[pick(r, NWORDS)], *w = words[pick(r, NWORDS)];
		switch (pick(r, 4)) {
		case 0:
			pg_buf_printf(p, "%s%s %s_%zu = %s_%zu * %zu + %zu%s\n", ind, c_like ? "long" : "", v, pick(r, 9), w,
				      pick(r, 9), 1 + pick(r, 1000), pick(r, 100), c_like ? ";" : "");
			break;
		case 1:
			pg_buf_printf(p, "%sif (%s_%zu > %zu)%s %s_%zu >>= %zu%s\n", ind, v, pick(r, 9), pick(r, 65536),
				      c_like ? "" : ":", w, pick(r, 9), 1 + pick(r, 31), c_like ? ";" : "");
			break;
		case 2:
			pg_buf_printf(p, "%s%s %s\n", ind, cm, words[pick(r, NWORDS)]);
			break;
		default:
			pg_buf_printf(p, "%s%s_%zu ^= %s_%zu << %zu%s\n", ind, v, pick(r, 9), w, pick(r, 9), pick(r, 32),
				      c_like ? ";" : "");
		}
	}
	if (lang->name[0] == 'p')
		pg_buf_puts(p, "    return 0\n\nif __name__ == \"__main__\":\n    serve(sys.modules[__name__])\n");
	else
		pg_buf_puts(p, "\treturn 0;\n}\n");
}

/* The world's shape for N objects from P publishers (store mode). */
static size_t n_ifaces(size_t n)
{
	return n / 400 < 3 ? 3 : n / 400;
}

/* Lay out interface i's specs and impls (names, authors, speeds). */
static void plan_iface(struct iface *f, size_t i, size_t npub, size_t nmaint, rng *r)
{
	iface_name(f, i);
	f->author = i % nmaint;
	f->nspecs = 1 + pick(r, MAX_SPECS);
	f->nimpls = 3 + pick(r, MAX_IMPLS - 2);
	for (size_t k = 0; k < f->nimpls; k++) {
		struct impl *m = &f->impl[k];
		if (k == 0) {
			snprintf(m->name, sizeof(m->name), "%s-c-ref", f->fn);
			m->author = f->author;
			m->speed = 1.0;
		} else {
			snprintf(m->name, sizeof(m->name), "%s-%s-%zu", f->fn, langs[pick(r, 4)].name, k);
			m->author = pick(r, npub);
			m->speed = 0.15 + 0.1 * (double)pick(r, 30);
			m->broken = (i * 7 + k) % 11 == 0;
		}
	}
}

static const struct lang *impl_lang(const struct impl *m)
{
	for (size_t l = 0; l < 4; l++) {
		size_t len = strlen(langs[l].name);
		const char *dash = strchr(m->name, '-');
		if (dash && !strncmp(dash + 1, langs[l].name, len) && dash[1 + len] == '-')
			return &langs[l];
	}
	return &langs[0];
}

/* --- tree mode: authoring directories ---------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "w");
	if (!fp || (len && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0)
		die_errno("cannot write", path);
}

static void yaml_text(pg_buf *y, const char *key, const pg_buf *text)
{
	pg_buf_printf(y, "%s: |\n", key);
	for (size_t i = 0; i < text->len;) {
		const char *nl = memchr(text->ptr + i, '\n', text->len - i);
		size_t end = nl ? (size_t)(nl - text->ptr) : text->len;
		pg_buf_puts(y, "  ");
		pg_buf_put(y, text->ptr + i, end - i);
		pg_buf_putc(y, '\n');
		i = end + 1;
	}
}

/* the directory dir with pg.yaml and the item's files */
static void write_item(const char *dir, const struct item *it)
{
	char path[4096];
	pg_buf y = PG_BUF_INIT;
	if (mkdir(dir, 0755) < 0)
		die_errno("cannot create", dir);
	pg_buf_printf(&y, "type: %s\nname: %s\n", pg_otype_name(it->type), it->name);
	if (it->iface[0])
		pg_buf_printf(&y, "interface: %s\n", it->iface);
	if (it->baseline[0])
		pg_buf_printf(&y, "baseline: %s\n", it->baseline);
	if (it->lang) {
		pg_buf_printf(&y, "lang: %s\n", it->lang->name);
		if (it->lang->build)
			pg_buf_printf(&y, "build: %s\n", it->lang->build);
		pg_buf_printf(&y, "run: %s\n", it->lang->run);
	}
	yaml_text(&y, "description", &it->desc);
	snprintf(path, sizeof(path), "%s/pg.yaml", dir);
	write_file(path, y.ptr, y.len);
	pg_buf_free(&y);
	for (size_t i = 0; i < it->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, it->fname[i]);
		write_file(path, it->fdata[i].ptr, it->fdata[i].len);
	}
}

static int tree_mode(const char *root, size_t n, size_t first)
{
	char dir[4096], sub[4200];
	size_t written = 0, ifaces = 0;
	if (mkdir(root, 0755) < 0)
		die_errno("cannot create", root);
	for (size_t i = first; written < n; i++, ifaces++) {
		struct iface f;
		struct item it;
		rng r = stream(1, i);
		memset(&f, 0, sizeof(f));
		memset(&it, 0, sizeof(it));
		plan_iface(&f, i, 1, 1, &r);
		snprintf(dir, sizeof(dir), "%s/%06zu-%s", root, i, f.name);
		for (char *c = dir + strlen(root); *c; c++)
			if (*c == ':')
				*c = '-';
		if (mkdir(dir, 0755) < 0)
			die_errno("cannot create", dir);
		make_interface(&it, &f, i, &r);
		snprintf(sub, sizeof(sub), "%s/interface", dir);
		write_item(sub, &it);
		item_clear(&it);
		written++;
		for (size_t k = 0; k < f.nspecs && written < n; k++, written++) {
			make_spec(&it, &f, k, &r);
			snprintf(sub, sizeof(sub), "%s/spec-%zu", dir, k);
			write_item(sub, &it);
			item_clear(&it);
		}
		if (written < n) {
			make_bench(&it, &f, &r);
			snprintf(sub, sizeof(sub), "%s/bench", dir);
			write_item(sub, &it);
			item_clear(&it);
			written++;
		}
		for (size_t k = 0; k < f.nimpls && written < n; k++, written++) {
			make_impl(&it, &f, &f.impl[k], impl_lang(&f.impl[k]), &r);
			snprintf(sub, sizeof(sub), "%s/impl-%s", dir, f.impl[k].name);
			write_item(sub, &it);
			item_clear(&it);
		}
	}
	printf("directories %zu\ninterfaces %zu\n", written, ifaces);
	return 0;
}

/* --- store mode ---------------------------------------------------------- */

struct pub {
	uint8_t pk[PG_PK_LEN], sk[64];
	char hex[PG_HEX_LEN + 1];
	pg_object **objs; /* the catalog objects and claims of its first entry */
	pg_buf *payloads;
	size_t n, cap;
	size_t nresults;
};

static void derive_key(struct pub *p, size_t k)
{
	uint8_t s[crypto_sign_SEEDBYTES];
	char msg[64];
	int len = snprintf(msg, sizeof(msg), "pg gen_corpus %llu %zu", (unsigned long long)seed, k);
	crypto_generichash(s, sizeof(s), (const unsigned char *)msg, (size_t)len, NULL, 0);
	crypto_sign_seed_keypair(p->pk, p->sk, s);
	pg_hex(p->hex, p->pk, PG_PK_LEN);
}

/* Keep a signed object (and its payload, taken) for p's first entry. */
static void stage(struct pub *p, pg_object *o, pg_buf *payload)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->objs = pg_realloc(p->objs, p->cap * sizeof(*p->objs));
		p->payloads = pg_realloc(p->payloads, p->cap * sizeof(*p->payloads));
	}
	p->objs[p->n] = o;
	p->payloads[p->n] = (pg_buf)PG_BUF_INIT;
	if (payload) {
		p->payloads[p->n] = *payload;
		*payload = (pg_buf)PG_BUF_INIT;
	}
	p->n++;
}

static char workdir[4096];
static size_t payload_seq;

/* The object of an item, signed by p, and its payload packed the way pg
 * publish packs a directory (pg_payload_create with pg.yaml's filter). */
static pg_object *build_object(const struct item *it, struct pub *p, const char *iface_id, int64_t date,
			       pg_buf *payload)
{
	char dir[4200], v[PG_HEX_LEN + 32];
	uint8_t h[PG_ID_LEN];
	snprintf(dir, sizeof(dir), "%s/%zu", workdir, payload_seq++);
	write_item(dir, it);
	if (pg_payload_create(payload, dir, NULL, pg_manifest_filter, NULL) < 0)
		die("pack a payload");
	pg_rmtree(dir);
	pg_object *o = pg_object_new(it->type, p->pk, date);
	pg_object_add(o, "name", it->name);
	if (it->baseline[0])
		pg_object_add(o, "baseline", it->baseline);
	if (iface_id)
		pg_object_add(o, "interface", iface_id);
	if (it->lang) {
		pg_object_add(o, "lang", it->lang->name);
		if (it->lang->build)
			pg_object_add(o, "build", it->lang->build);
		pg_object_add(o, "run", it->lang->run);
	}
	pg_hash(h, payload->ptr, payload->len);
	pg_hex(v, h, PG_ID_LEN);
	snprintf(v + PG_HEX_LEN, sizeof(v) - PG_HEX_LEN, " %zu", payload->len);
	pg_object_add(o, "payload", v);
	pg_object_set_body(o, it->desc.ptr, it->desc.len);
	if (pg_object_sign(o, p->sk) < 0)
		die("sign");
	return o;
}

static pg_object *verify_result(const struct pub *p, const struct iface *f, const struct impl *m, rng *r,
				int64_t date)
{
	pg_buf b = PG_BUF_INIT;
	uint8_t h[PG_ID_LEN];
	char hex[PG_HEX_LEN + 1];
	size_t cases = 20 + pick(r, 600), failed = m->broken ? 1 + pick(r, 3) : 0;
	pg_buf_printf(&b, "result %s\npassed %zu\nfailed %zu\nerrored 0\n", failed ? "failed" : "passed", cases - failed,
		      failed);
	for (size_t k = 0; k < failed; k++)
		pg_buf_printf(&b, "fail %04x%012llx\n", (unsigned)k, (unsigned long long)(next(r) >> 16));
	if (pick(r, 8) == 0)
		pg_buf_puts(&b, "rerun same\n");
	uint64_t logseed = next(r);
	pg_hash(h, &logseed, sizeof(logseed));
	pg_hex(hex, h, PG_ID_LEN);
	pg_buf_printf(&b, "log %s\nmachine %s\ntool pg 0.1.0\n", hex, machines[pick(r, NMACHINES)]);
	pg_object *o = pg_object_new(PG_T_RESULT, p->pk, date);
	pg_object_add(o, "kind", "verify");
	pg_object_add(o, "subject", m->id);
	pg_object_add(o, "against", f->spec[pick(r, f->nspecs)]);
	pg_object_set_body(o, b.ptr, b.len);
	pg_buf_free(&b);
	return o;
}

static pg_object *bench_result(const struct pub *p, const struct iface *f, const struct impl *m, rng *r,
			       int64_t date)
{
	pg_bresult br;
	pg_buf b = PG_BUF_INIT;
	memset(&br, 0, sizeof(br));
	memcpy(br.baseline, f->impl[0].id, sizeof(br.baseline));
	br.nw = 1 + pick(r, 2);
	br.w = pg_calloc(br.nw, sizeof(*br.w));
	size_t mach = pick(r, NMACHINES);
	double bias = 0.85 + 0.05 * (double)mach;
	for (size_t w = 0; w < br.nw; w++) {
		pg_bwork *x = &br.w[w];
		x->base_n = 1000 + pick(r, 100000);
		x->n = (uint64_t)((double)x->base_n / m->speed) + 1;
		x->calls = 1 + pick(r, 16);
		x->nsamples = 15;
		uint64_t base = 20000000 + pick(r, 2000000);
		for (size_t k = 0; k < x->nsamples; k++) {
			double jb = 1 + 0.04 * (unit(r) - 0.5), ji = 1 + 0.04 * (unit(r) - 0.5);
			x->base_ns[k] = (uint64_t)((double)base * jb);
			x->base_wall[k] = x->base_ns[k] + 20000 + pick(r, 50000);
			x->ns[k] = (uint64_t)((double)base * bias * ji);
			x->wall[k] = x->ns[k] + 20000 + pick(r, 50000);
		}
	}
	br.peak_rss = 4000000 + pick(r, 60000000);
	br.base_peak_rss = 4000000 + pick(r, 8000000);
	br.machine = pg_strdup(machines[mach]);
	pg_bench_summarize(&br);
	pg_bench_body(&b, &br);
	pg_bresult_clear(&br);
	pg_object *o = pg_object_new(PG_T_RESULT, p->pk, date);
	pg_object_add(o, "kind", "bench");
	pg_object_add(o, "subject", m->id);
	pg_object_add(o, "against", f->bench);
	pg_object_set_body(o, b.ptr, b.len);
	pg_buf_free(&b);
	return o;
}

static void hexid(char out[PG_HEX_LEN + 1], const pg_object *o)
{
	pg_hex(out, o->id, PG_ID_LEN);
}

static const char *const first_names[] = { "ada", "alan", "barbara", "brian", "dennis", "donald", "edsger",
					   "frances", "grace", "john", "ken", "leslie", "linus", "margaret",
					   "niklaus", "radia", "rob", "shafi", "tony", "whitfield" };

static size_t total_entries;

/* One transaction: the identity (if the log is new) and the n objects
 * (with their payloads, if payloads is not NULL). */
static void commit(pg_store *s, pg_key *key, const pg_buf *idobj, pg_object **objs, pg_buf *payloads, size_t n)
{
	pg_txn *t;
	if (pg_txn_begin(&t, s, key, idobj) < 0)
		die("begin a transaction");
	size_t staged = pg_txn_count(t);
	for (size_t i = 0; i < n; i++) {
		if (pg_txn_add(t, objs[i], payloads ? payloads[i].ptr : NULL, payloads ? payloads[i].len : 0) < 0)
			die("stage an object");
		if (payloads)
			pg_buf_free(&payloads[i]);
	}
	staged += n;
	if (pg_txn_commit(t) < 0)
		die("commit");
	pg_txn_free(t);
	total_entries += (staged + PG_LOG_ADDS_MAX - 1) / PG_LOG_ADDS_MAX;
}

static int store_mode(const char *pgdir, size_t n, size_t npub)
{
	pg_store *s;
	if (pg_store_open(&s, pgdir) < 0)
		die("open the store");
	/* a generated store is made once and thrown away: a fsync per pack
	 * would only slow it down (pg itself keeps fsyncing) */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	const char *tmp = getenv("TMPDIR");
	snprintf(workdir, sizeof(workdir), "%s/gen_corpus.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(workdir))
		die_errno("cannot create a directory like", workdir);

	size_t nif = n_ifaces(n), nmaint = npub / 20 ? npub / 20 : 1, nbots = npub / 10 ? npub / 10 : 1;
	struct pub *pubs = pg_calloc(npub, sizeof(*pubs));
	struct iface *fs = pg_calloc(nif, sizeof(*fs));
	for (size_t k = 0; k < npub; k++)
		derive_key(&pubs[k], k);

	/* the catalog, signed by its authors, staged for their first entries */
	size_t nspecs = 0, nimpls = 0, nbenches = 0;
	for (size_t i = 0; i < nif; i++) {
		struct iface *f = &fs[i];
		struct item it;
		pg_buf payload = PG_BUF_INIT;
		rng r = stream(1, i);
		memset(&it, 0, sizeof(it));
		plan_iface(f, i, npub, nmaint, &r);
		struct pub *a = &pubs[f->author];
		int64_t d0 = base_date - 330 * DAY + (int64_t)(i * 3600);
		make_interface(&it, f, i, &r);
		pg_object *o = build_object(&it, a, NULL, d0, &payload);
		item_clear(&it);
		hexid(f->id, o);
		stage(a, o, &payload);
		for (size_t k = 0; k < f->nspecs; k++, nspecs++) {
			make_spec(&it, f, k, &r);
			o = build_object(&it, a, f->id, d0 + 60 + (int64_t)k, &payload);
			item_clear(&it);
			hexid(f->spec[k], o);
			stage(a, o, &payload);
		}
		make_bench(&it, f, &r);
		o = build_object(&it, a, f->id, d0 + 120, &payload);
		item_clear(&it);
		hexid(f->bench, o);
		stage(a, o, &payload);
		nbenches++;
		for (size_t k = 0; k < f->nimpls; k++, nimpls++) {
			struct impl *m = &f->impl[k];
			make_impl(&it, f, m, impl_lang(m), &r);
			o = build_object(&it, &pubs[m->author], f->id, d0 + 600 + (int64_t)(k * DAY), &payload);
			item_clear(&it);
			hexid(m->id, o);
			stage(&pubs[m->author], o, &payload);
		}
	}

	/* trust claims: 0-4 per publisher, seven in ten in a maintainer */
	static const char *const levels[] = { "low", "medium", "high", "high" };
	size_t ntrust = 0;
	for (size_t k = 0; k < npub; k++) {
		rng r = stream(2, k);
		for (size_t c = pick(&r, 5); c > 0 && npub > 1; c--, ntrust++) {
			size_t to = pick(&r, 10) < 7 ? pick(&r, nmaint) : pick(&r, npub);
			if (to == k)
				to = (k + 1) % npub;
			pg_object *o = pg_object_new(PG_T_TRUST, pubs[k].pk, base_date - (int64_t)pick(&r, 365) * DAY -
									       (int64_t)c);
			pg_object_add(o, "subject", pubs[to].hex);
			pg_object_add(o, "level", pick(&r, 20) == 0 ? "distrust" : levels[pick(&r, 4)]);
			if (pg_object_sign(o, pubs[k].sk) < 0)
				die("sign a claim");
			stage(&pubs[k], o, NULL);
		}
	}

	size_t fixed = npub + nif + nspecs + nbenches + nimpls + ntrust;
	if (fixed >= n) {
		fprintf(stderr, "gen_corpus: %zu objects cannot hold the %zu identities, catalog and claims of %zu "
				"publishers; more objects or fewer publishers\n", n, fixed, npub);
		return 2;
	}
	size_t nres = n - fixed;
	{ /* who signs how many results */
		rng r = stream(3, 0);
		for (size_t i = 0; i < nres; i++)
			pubs[pick(&r, 10) < 4 ? (nmaint + pick(&r, nbots)) % npub : pick(&r, npub)].nresults++;
	}
	/* the Zipf law of results over interfaces */
	double *cum = pg_calloc(nif, sizeof(*cum)), total = 0;
	for (size_t i = 0; i < nif; i++)
		cum[i] = total += 1.0 / (double)(i + 1);

	fprintf(stderr, "gen_corpus: %zu interfaces, %zu specs, %zu benches, %zu impls, %zu trust claims; "
			"%zu results from %zu publishers\n", nif, nspecs, nbenches, nimpls, ntrust, nres, npub);
	pg_key *key;
	if (pg_key_generate(&key, "gen-corpus") < 0)
		die("key");
	size_t nverify = 0, nbench = 0, busy = 0, busiest_pub = 0;
	pg_object **res = NULL;
	size_t rescap = 0;
	for (size_t k = 0; k < npub; k++) {
		struct pub *p = &pubs[k];
		rng r = stream(4, k);
		pg_buf idobj = PG_BUF_INIT;
		char name[32];
		memcpy(key->pk, p->pk, PG_PK_LEN);
		memcpy(key->sk, p->sk, sizeof(p->sk));
		snprintf(name, sizeof(name), "%s-%04zu", first_names[k % 20], k);
		pg_object *id = pg_object_new(PG_T_IDENTITY, p->pk, base_date - 400 * DAY + (int64_t)(k * 60));
		pg_object_add(id, "name", name);
		if (pg_object_sign(id, p->sk) < 0)
			die("sign an identity");
		pg_buf_put(&idobj, id->raw.ptr, id->raw.len);
		pg_object_free(id);

		/* entry 1: identity, catalog, claims; then the results in 1-3 entries */
		commit(s, key, &idobj, p->objs, p->payloads, p->n);
		if (p->nresults > rescap) {
			rescap = p->nresults;
			res = pg_realloc(res, rescap * sizeof(*res));
		}
		for (size_t j = 0; j < p->nresults; j++) {
			size_t i = 0, lo = 0, hi = nif - 1;
			double u = unit(&r) * total;
			while (lo < hi) { /* the first interface whose cumulative weight passes u */
				size_t mid = (lo + hi) / 2;
				if (cum[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			i = lo;
			const struct iface *f = &fs[i];
			int64_t date = base_date - (int64_t)pick(&r, 180 * DAY);
			const struct impl *m = &f->impl[1 + pick(&r, f->nimpls - 1)];
			if (pick(&r, 4) == 0 && !m->broken) { /* pg bench times only what passes */
				res[j] = bench_result(p, f, m, &r, date);
				nbench++;
			} else {
				res[j] = verify_result(p, f, &f->impl[pick(&r, f->nimpls)], &r, date);
				nverify++;
			}
			if (pg_object_sign(res[j], p->sk) < 0)
				die("sign a result");
			busy += i == 0;
		}
		size_t parts = p->nresults < 3 ? p->nresults : 1 + pick(&r, 3);
		for (size_t part = 0, from = 0; part < parts; part++) {
			size_t to = p->nresults * (part + 1) / parts;
			commit(s, key, &idobj, res + from, NULL, to - from);
			from = to;
		}
		if (p->nresults > pubs[busiest_pub].nresults)
			busiest_pub = k;
		pg_buf_free(&idobj);
		free(p->objs);
		free(p->payloads);
		if ((k + 1) % 50 == 0 || k + 1 == npub)
			fprintf(stderr, "gen_corpus: %zu of %zu logs\r", k + 1, npub);
	}
	fprintf(stderr, "\n");
	pg_key_free(key);
	pg_store_free(s);
	rmdir(workdir);

	printf("objects %zu\npublishers %zu\ninterfaces %zu\nspecs %zu\nbenches %zu\nimpls %zu\ntrust %zu\n"
	       "results %zu\nverify_results %zu\nbench_results %zu\nentries %zu\n", n, npub, nif, nspecs, nbenches,
	       nimpls, ntrust, nres, nverify, nbench, total_entries);
	printf("busy_iface %s\nbusy_iface_id %s\nbusy_results %zu\nmaintainer %s\nbusiest_publisher %s\n"
	       "impl_name %s\nimpl_id %s\n", fs[0].name, fs[0].id, busy, pubs[0].hex, pubs[busiest_pub].hex,
	       fs[0].impl[1].name, fs[0].impl[1].id);
	free(res);
	free(cum);
	free(fs);
	free(pubs);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_corpus [-n N] [-p P] [-s SEED] [-d DATE] [-r K] PGDIR\n"
			"       gen_corpus -t [-n N] [-s SEED] [-o FIRST] DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	size_t n = 100000, npub = 1000, first = 0;
	int tree = 0, c;
	while ((c = getopt(argc, argv, "n:p:s:d:to:")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'p': npub = strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'd': base_date = strtoll(optarg, NULL, 10); break;
		case 't': tree = 1; break;
		case 'o': first = strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (optind != argc - 1 || n < 1 || npub < 1 || base_date < 400 * DAY)
		return usage();
	if (pg_crypto_init() < 0)
		die("libsodium");
	char date[32];
	snprintf(date, sizeof(date), "%lld", (long long)base_date);
	setenv("PG_NOW", date, 1); /* the manifests' dates, so the commits too */
	return tree ? tree_mode(argv[optind], n, first) : store_mode(argv[optind], n, npub);
}
