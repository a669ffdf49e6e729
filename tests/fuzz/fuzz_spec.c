/* fuzz_spec.c - a spec's cases.yaml and a bench's workload.yaml, against an interface
 *
 * The input is an interface, a NUL byte, then the YAML.  Specs and benches
 * are other people's payloads, loaded by pg verify and pg bench.  What the
 * loaders accept must be typed and canonical, as spec.h promises: every
 * argument and expectation fits its type, a case's id is the hash of its
 * call and arguments, random blocks expand to the same cases each time,
 * every value written back as YAML (pg verify --record) reads back the
 * same, and shrinking a failing input offers only simpler values that
 * still fit, and comes to an end.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec.h"

#define EXPAND_MAX 20     /* cases expanded per random block */
#define EXPAND_BYTES (1u << 20) /* ... whose JSON could take this much at most */
#define SHRINK_STEPS 2000 /* a shrinking chain longer than this is a failure */

/* v, of type t, written as YAML reads back as v. */
static void yaml_round_trip(const pg_type *t, const json_t *v)
{
	pg_buf b = PG_BUF_INIT;
	pg_yaml *y = NULL;
	json_t *back = NULL;
	pg_spec_yaml_value(&b, t, v);
	int err = pg_yaml_parse(&y, b.ptr, b.len, "record.yaml");
	FUZZ_CHECK(err == 0, "a value written as YAML does not parse: %s\n%s", pg_error_last(), b.ptr);
	err = pg_value_from_yaml(&back, t, y, "record.yaml", "value");
	FUZZ_CHECK(err == 0, "a value written as YAML does not load: %s\n%s", pg_error_last(), b.ptr);
	FUZZ_CHECK(json_equal(back, v), "a value written as YAML loads as another:\n%s", b.ptr);
	json_decref(back);
	pg_yaml_free(y);
	pg_buf_free(&b);
}

static void fits(const pg_type *t, const json_t *v, const char *what)
{
	FUZZ_CHECK(pg_wire_check(t, v) == 0, "%s does not fit its type: %s", what, pg_error_last());
	json_t *c = pg_wire_canonical(t, v);
	FUZZ_CHECK(c && json_equal(c, v), "%s is not canonical", what);
	json_decref(c);
	yaml_round_trip(t, v);
}

static void args_fit(const pg_fn *fn, const json_t *args, const char *what)
{
	FUZZ_CHECK(fn && json_is_array(args) && json_array_size(args) == pg_fn_arity(fn),
		   "%s: arguments are not an array of the call's arity", what);
	for (size_t k = 0; k < pg_fn_arity(fn); k++)
		fits(pg_fn_arg_type(fn, k), json_array_get(args, k), what);
}

static void case_fits(pg_case *c)
{
	args_fit(c->fn, c->args, "a case's arguments");
	if (c->expect) {
		FUZZ_CHECK(c->fn->ret, "an expected value for a call that returns nothing");
		fits(c->fn->ret, c->expect, "an expected value");
	}
	char id[17];
	memcpy(id, c->id, sizeof(id));
	pg_case_id(c);
	FUZZ_CHECK(!strcmp(id, c->id), "a case's id is not the hash of its call and arguments");
}

/* Shrink v as a failing input would be: every candidate fits and differs
 * from v; always taking the first, the chain ends. */
static void shrinks(const pg_gen *g, const pg_type *t, json_t *v)
{
	json_t *cand[16];
	json_incref(v);
	for (size_t step = 0;; step++) {
		size_t n = pg_gen_shrink(g, v, cand, 16);
		FUZZ_CHECK(n <= 16, "more candidates than asked for");
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(pg_wire_check(t, cand[i]) == 0, "a shrink candidate does not fit: %s", pg_error_last());
			FUZZ_CHECK(!json_equal(cand[i], v), "a shrink candidate equal to what it shrinks");
		}
		json_decref(v);
		if (!n)
			return;
		FUZZ_CHECK(step < SHRINK_STEPS, "shrinking takes more than %d steps", SHRINK_STEPS);
		v = cand[0];
		for (size_t i = 1; i < n; i++)
			json_decref(cand[i]);
	}
}

static void random_block(pg_spec *s, size_t b)
{
	pg_random *r = &s->random[b];
	size_t count = r->count;
	pg_case *one, *two;
	size_t n1, n2;
	FUZZ_CHECK(count >= 1 && count <= PG_SPEC_MAX_COUNT, "a random block of %zu cases", count);
	/* a few cases, of a few MiB at most: the loader allows 16 MiB a case,
	 * more than a fuzzer has time for */
	uint64_t bound = 2;
	for (size_t k = 0; k < pg_fn_arity(r->fn); k++)
		bound += pg_gen_json_max(r->gens[k]) + 1;
	FUZZ_CHECK(bound <= (16u << 20), "a block whose cases could take %llu bytes was accepted",
		   (unsigned long long)bound);
	if (bound > EXPAND_BYTES)
		return;
	r->count = count < EXPAND_MAX ? count : EXPAND_MAX;
	if (r->count > EXPAND_BYTES / bound)
		r->count = EXPAND_BYTES / bound;
	FUZZ_CHECK(pg_spec_expand(&one, &n1, s, b) == 0 && pg_spec_expand(&two, &n2, s, b) == 0,
		   "a random block does not expand: %s", pg_error_last());
	FUZZ_CHECK(n1 == r->count && n2 == n1, "a random block expands to %zu cases, not %zu", n1, r->count);
	for (size_t i = 0; i < n1; i++) {
		FUZZ_CHECK(!strcmp(one[i].id, two[i].id) && json_equal(one[i].args, two[i].args),
			   "a random block expands differently twice");
		case_fits(&one[i]);
		/* the bound the loader refuses by is a bound: as a request sends it */
		for (size_t k = 0; k < pg_fn_arity(r->fn); k++) {
			char *text = json_dumps(json_array_get(one[i].args, k),
						JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
			uint64_t max = pg_gen_json_max(r->gens[k]);
			FUZZ_CHECK(text && strlen(text) <= max, "a generated value of %zu bytes, over its bound %llu: %s",
				   strlen(text), (unsigned long long)max, text);
			free(text);
		}
	}
	for (size_t k = 0; k < pg_fn_arity(r->fn) && n1; k++)
		shrinks(r->gens[k], pg_fn_arg_type(r->fn, k), json_array_get(one[0].args, k));
	for (size_t i = 0; i < n1; i++) {
		pg_case_free(&one[i]);
		pg_case_free(&two[i]);
	}
	free(one);
	free(two);
	r->count = count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *yaml;
	size_t ylen, ilen = fuzz_split(data, size, &yaml, &ylen);
	pg_idl *idl = NULL;
	pg_spec *s = NULL;
	pg_bench *b = NULL;

	int err = pg_idl_parse(&idl, (const char *)data, ilen, "interface.pgi");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		return 0;
	}

	err = pg_spec_parse(&s, idl, (const char *)yaml, ylen, "cases.yaml");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!strncmp(pg_error_last(), "cases.yaml", 10), "the message does not say where: %s",
			   pg_error_last());
	} else {
		fuzz_accepted();
		for (size_t i = 0; i < s->ncases; i++)
			case_fits(&s->cases[i]);
		for (size_t i = 0; i < s->nrandom; i++)
			random_block(s, i);
		pg_spec_free(s);
	}

	err = pg_bench_parse(&b, idl, (const char *)yaml, ylen, "workload.yaml");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!strncmp(pg_error_last(), "workload.yaml", 13), "the message does not say where: %s",
			   pg_error_last());
	} else {
		fuzz_accepted();
		FUZZ_CHECK(b->nw >= 1 && b->nw <= PG_BENCH_MAX_WORKLOADS, "a bench of %zu workloads", b->nw);
		FUZZ_CHECK(b->samples >= 10 && b->samples <= PG_BENCH_MAX_SAMPLES, "a bench of %u samples", b->samples);
		for (size_t i = 0; i < b->nw; i++) {
			const pg_workload *w = &b->w[i];
			size_t n = json_array_size(w->calls);
			FUZZ_CHECK(n >= 1 && n <= PG_BENCH_MAX_CALLS, "a workload of %zu calls", n);
			for (size_t k = 0; k < n && k < EXPAND_MAX; k++)
				args_fit(w->fn, json_array_get(w->calls, k), "a workload's arguments");
		}
		pg_bench_free(b);
	}
	pg_idl_free(idl);
	return 0;
}
