/* spec.c - load a spec's cases.yaml against its interface
 *
 * Everything is checked here, once: unknown keys, calls the interface does
 * not have, arguments of the wrong number or type, generators out of their
 * type's range.  What comes out is typed and canonical, so running a spec
 * never meets a value it cannot send.
 */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"
#include "session.h"

static int at(const pg_spec *s, const pg_yaml *y, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int at(const pg_spec *s, const pg_yaml *y, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pg_error_set(PG_EINVALID, "%s:%zu:%zu: %s", s->file, y->line, y->col, msg);
}

/* Every key of map must be one of keys (a NULL-terminated list). */
static int known_keys(const pg_spec *s, const pg_yaml *map, const char *what, const char *const *keys)
{
	if (map->kind != PG_YAML_MAP)
		return at(s, map, "%s must be a mapping", what);
	for (size_t i = 0; i < map->n; i += 2) {
		const char *const *k = keys;
		while (*k && strcmp(*k, map->items[i]->value))
			k++;
		if (!*k) {
			pg_buf b = PG_BUF_INIT;
			for (k = keys; *k; k++)
				pg_buf_printf(&b, "%s%s", k == keys ? "" : ", ", *k);
			int err = at(s, map->items[i], "%s: unknown key '%s' (expected %s)", what,
				     map->items[i]->value, b.ptr);
			pg_buf_free(&b);
			return err;
		}
	}
	return 0;
}

static const pg_yaml *scalar(const pg_spec *s, const pg_yaml *map, const char *key, const char *what, int *err)
{
	const pg_yaml *y = pg_yaml_get(map, key);
	*err = 0;
	if (y && y->kind != PG_YAML_SCALAR) {
		*err = at(s, y, "%s: '%s' must be a single value", what, key);
		return NULL;
	}
	return y;
}

static int number(const pg_spec *s, const pg_yaml *y, const char *what, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(y->value, &end);
	if (!*y->value || *end || errno || !(d >= lo && d <= hi))
		return at(s, y, "%s: expected a number from %g to %g, got '%s'", what, lo, hi, y->value);
	*out = d;
	return 0;
}

static int unsigned64(const pg_spec *s, const pg_yaml *y, const char *what, uint64_t lo, uint64_t hi,
		      uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(y->value, &end, 10);
	if (!*y->value || *y->value == '-' || *end || errno || v < lo || v > hi)
		return at(s, y, "%s: expected a whole number from %llu to %llu, got '%s'", what,
			  (unsigned long long)lo, (unsigned long long)hi, y->value);
	*out = v;
	return 0;
}

static const pg_fn *lookup_call(const pg_spec *s, const pg_idl *idl, const pg_yaml *y, const char *what,
				int *err)
{
	const pg_fn *fn = pg_idl_fn(idl, y->value);
	*err = 0;
	if (!fn) {
		pg_buf b = PG_BUF_INIT;
		for (size_t i = 0; i < idl->nfns; i++)
			pg_buf_printf(&b, "%s%s", i ? ", " : "", idl->fns[i].call);
		*err = at(s, y, "%s: the interface has no function '%s' (it has %s)", what, y->value,
			  b.len ? b.ptr : "none");
		pg_buf_free(&b);
	}
	return fn;
}

/* args: a list with one node per wire argument (or absent for none). */
static int check_args(const pg_spec *s, const pg_fn *fn, const pg_yaml *entry, const pg_yaml *args,
		      const char *what)
{
	size_t arity = pg_fn_arity(fn);
	if (!args) {
		if (arity)
			return at(s, entry, "%s: missing args (%s takes %zu)", what, fn->call, arity);
		return 0;
	}
	if (args->kind != PG_YAML_SEQ)
		return at(s, args, "%s: args must be a list (one value per argument%s)", what,
			  fn->self ? ", self first" : "");
	if (args->n != arity)
		return at(s, args, "%s: %s takes %zu argument%s%s, got %zu", what, fn->call, arity,
			  arity == 1 ? "" : "s", fn->self ? " (self first)" : "", args->n);
	return 0;
}

/* The explicit arguments of entry y: one value per wire argument. */
static int load_args(const pg_spec *s, const pg_fn *fn, const pg_yaml *y, const char *what, json_t **out)
{
	const pg_yaml *args = pg_yaml_get(y, "args");
	int err;
	*out = json_array();
	if ((err = check_args(s, fn, y, args, what)) < 0)
		return err;
	for (size_t i = 0; args && i < args->n; i++) {
		char w[256];
		json_t *v;
		snprintf(w, sizeof(w), "%s argument %s", what, pg_fn_arg_name(fn, i));
		if ((err = pg_value_from_yaml(&v, pg_fn_arg_type(fn, i), args->items[i], s->file, w)) < 0)
			return err;
		json_array_append_new(*out, v);
	}
	return 0;
}

/* One generator per wire argument of entry y (defaults where args is absent). */
static int load_gens(const pg_spec *s, const pg_fn *fn, const pg_yaml *y, const char *what, pg_gen ***out)
{
	size_t arity = pg_fn_arity(fn);
	const pg_yaml *args = pg_yaml_get(y, "args");
	int err;
	*out = pg_calloc(arity ? arity : 1, sizeof(**out));
	if (args && (err = check_args(s, fn, y, args, what)) < 0)
		return err;
	for (size_t i = 0; i < arity; i++) {
		char w[256];
		snprintf(w, sizeof(w), "%s argument %s", what, pg_fn_arg_name(fn, i));
		if ((err = pg_gen_parse(&(*out)[i], pg_fn_arg_type(fn, i), args ? args->items[i] : NULL,
					s->file, w)) < 0)
			return err;
	}
	/* lengths multiply through nesting: refuse what no request could carry
	 * before expanding it takes all the memory there is */
	uint64_t max = 2;
	for (size_t i = 0; i < arity && max <= PG_WIRE_LINE_MAX; i++) {
		uint64_t m = pg_gen_json_max((*out)[i]);
		max = m > PG_WIRE_LINE_MAX ? m : max + m + 1;
	}
	if (max > PG_WIRE_LINE_MAX)
		return at(s, args ? args : y, "%s: its generators could make arguments longer than one request may "
			  "be (16 MiB of JSON): ask for shorter lengths (len)", what);
	return 0;
}

static void gens_free(pg_gen **gens, const pg_fn *fn)
{
	for (size_t a = 0; gens && fn && a < pg_fn_arity(fn); a++)
		pg_gen_free(gens[a]);
	free(gens);
}

void pg_case_id(pg_case *c)
{
	uint8_t h[PG_ID_LEN];
	char *a = json_dumps(c->args, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	pg_buf b = PG_BUF_INIT;
	pg_buf_printf(&b, "%s\n%s", c->fn->call, a ? a : "");
	pg_hash(h, b.ptr, b.len);
	pg_hex(c->id, h, 8);
	pg_buf_free(&b);
	free(a);
}

static int load_case(pg_spec *s, const pg_idl *idl, const pg_yaml *y, size_t idx)
{
	static const char *const keys[] = { "description", "call", "args", "expect", "error", NULL };
	pg_case *c = &s->cases[s->ncases];
	const pg_yaml *d, *call, *expect, *error;
	char what[160];
	int err;

	memset(c, 0, sizeof(*c));
	c->block = -1;
	c->line = y->line;
	c->col = y->col;
	snprintf(what, sizeof(what), "case %zu", idx + 1);
	if ((err = known_keys(s, y, what, keys)) < 0)
		return err;
	if (!(d = scalar(s, y, "description", what, &err)) && err)
		return err;
	if (d) {
		c->description = pg_strdup(d->value);
		snprintf(what, sizeof(what), "case %zu (%.100s)", idx + 1, d->value);
	}
	if (!(call = scalar(s, y, "call", what, &err)))
		return err ? err : at(s, y, "%s: missing call (the function to call, e.g. Struct.method)", what);
	if (!(c->fn = lookup_call(s, idl, call, what, &err)))
		return err;
	if ((err = load_args(s, c->fn, y, what, &c->args)) < 0)
		return err;
	expect = pg_yaml_get(y, "expect");
	error = pg_yaml_get(y, "error");
	if (!expect == !error)
		return at(s, y, "%s: give exactly one of expect (the value) or error (an expected error)", what);
	if (error) {
		if (error->kind != PG_YAML_SCALAR)
			return at(s, error, "%s: error must be text (a part of the message, or \"\" for any)", what);
		c->error = pg_strdup(error->value);
	} else if (!c->fn->ret) {
		if (expect->kind != PG_YAML_SCALAR || (strcmp(expect->value, "~") && strcmp(expect->value, "null") &&
						       *expect->value))
			return at(s, expect, "%s: %s returns nothing; expect must be null", what, c->fn->call);
		c->expect = json_null();
	} else {
		char w[200];
		snprintf(w, sizeof(w), "%s expect", what);
		if ((err = pg_value_from_yaml(&c->expect, c->fn->ret, expect, s->file, w)) < 0)
			return err;
	}
	pg_case_id(c);
	s->ncases++;
	return 0;
}

static int load_random(pg_spec *s, const pg_idl *idl, const pg_yaml *y, size_t idx)
{
	static const char *const keys[] = { "description", "call", "count", "seed", "reference", "args", NULL };
	pg_random *r = &s->random[s->nrandom];
	const pg_yaml *d, *call, *count, *seed, *ref;
	char what[160];
	int err;

	memset(r, 0, sizeof(*r));
	r->line = y->line;
	r->col = y->col;
	snprintf(what, sizeof(what), "random %zu", idx + 1);
	if ((err = known_keys(s, y, what, keys)) < 0)
		return err;
	if (!(d = scalar(s, y, "description", what, &err)) && err)
		return err;
	if (d) {
		r->description = pg_strdup(d->value);
		snprintf(what, sizeof(what), "random %zu (%.100s)", idx + 1, d->value);
	}
	if (!(call = scalar(s, y, "call", what, &err)))
		return err ? err : at(s, y, "%s: missing call", what);
	if (!(r->fn = lookup_call(s, idl, call, what, &err)))
		return err;
	if (!r->fn->ret)
		return at(s, call, "%s: %s returns nothing, so there is nothing to compare", what, r->fn->call);
	r->count = 100;
	if (!(count = scalar(s, y, "count", what, &err)) && err)
		return err;
	uint64_t v;
	if (count && (err = unsigned64(s, count, what, 1, PG_SPEC_MAX_COUNT, &v)) < 0)
		return err;
	if (count)
		r->count = (size_t)v;
	if (!(seed = scalar(s, y, "seed", what, &err)) && err)
		return err;
	if (seed && (err = unsigned64(s, seed, what, 0, UINT64_MAX, &r->seed)) < 0)
		return err;
	if (!(ref = scalar(s, y, "reference", what, &err)) && err)
		return err;
	if (ref) {
		size_t n = strlen(ref->value);
		if (pg_value_check(PG_F_LABEL, ref->value, NULL) < 0 && !(n >= 4 && n <= PG_HEX_LEN && pg_is_hex(ref->value, n)))
			return at(s, ref, "%s: reference must be an impl name or an id prefix, not '%s'", what, ref->value);
		r->reference = pg_strdup(ref->value);
	}
	if ((err = load_gens(s, r->fn, y, what, &r->gens)) < 0)
		return err;
	s->nrandom++;
	return 0;
}

static int load_script(pg_spec *s, const pg_yaml *y, size_t idx)
{
	static const char *const keys[] = { "description", "run", "format", NULL };
	pg_script *sc = &s->scripts[s->nscripts];
	const pg_yaml *d, *run, *fmt;
	char what[160];
	int err;

	memset(sc, 0, sizeof(*sc));
	sc->line = y->line;
	sc->col = y->col;
	snprintf(what, sizeof(what), "script %zu", idx + 1);
	if ((err = known_keys(s, y, what, keys)) < 0)
		return err;
	if (!(d = scalar(s, y, "description", what, &err)) && err)
		return err;
	if (d)
		sc->description = pg_strdup(d->value);
	if (!(run = scalar(s, y, "run", what, &err)))
		return err ? err : at(s, y, "%s: missing run (a shell command, e.g. sh check.sh)", what);
	if (pg_value_check(PG_F_TEXT, run->value, NULL) < 0)
		return at(s, run, "%s: run must be one line of shell", what);
	sc->run = pg_strdup(run->value);
	if (!(fmt = scalar(s, y, "format", what, &err)) && err)
		return err;
	if (fmt && strcmp(fmt->value, "tap") && strcmp(fmt->value, "exit"))
		return at(s, fmt, "%s: format must be tap or exit, not '%s'", what, fmt->value);
	sc->tap = fmt && !strcmp(fmt->value, "tap");
	s->nscripts++;
	return 0;
}

static int list(const pg_spec *s, const pg_yaml *root, const char *key, size_t max, const pg_yaml **out)
{
	const pg_yaml *y = pg_yaml_get(root, key);
	*out = NULL;
	if (!y)
		return 0;
	if (y->kind != PG_YAML_SEQ)
		return at(s, y, "%s must be a list", key);
	if (y->n > max)
		return at(s, y, "%s: %zu entries, at most %zu allowed", key, y->n, max);
	*out = y;
	return 0;
}

int pg_spec_parse(pg_spec **out, const pg_idl *idl, const char *text, size_t len, const char *file)
{
	static const char *const keys[] = { "description", "tolerance", "timeout", "cases", "random", "scripts", NULL };
	pg_spec *s = pg_calloc(1, sizeof(*s));
	pg_yaml *doc = NULL;
	const pg_yaml *cases, *random, *scripts, *y;
	int err;

	s->file = pg_strdup(file);
	s->timeout_ms = 5000;
	*out = NULL;
	if ((err = pg_yaml_parse(&doc, text, len, file)) < 0)
		goto fail;
	if ((err = known_keys(s, doc, "the spec", keys)) < 0)
		goto fail;
	if ((y = pg_yaml_get(doc, "tolerance"))) {
		if (y->kind == PG_YAML_SCALAR) {
			if ((err = number(s, y, "tolerance", 0, 1e300, &s->tol.abs)) < 0)
				goto fail;
			s->tol.rel = s->tol.abs;
		} else {
			static const char *const tk[] = { "abs", "rel", NULL };
			const pg_yaml *a, *r;
			if ((err = known_keys(s, y, "tolerance", tk)) < 0 ||
			    (!(a = scalar(s, y, "abs", "tolerance", &err)) && err) ||
			    (a && (err = number(s, a, "tolerance abs", 0, 1e300, &s->tol.abs)) < 0) ||
			    (!(r = scalar(s, y, "rel", "tolerance", &err)) && err) ||
			    (r && (err = number(s, r, "tolerance rel", 0, 1e300, &s->tol.rel)) < 0))
				goto fail;
		}
	}
	if ((y = pg_yaml_get(doc, "timeout"))) {
		double t;
		if (y->kind != PG_YAML_SCALAR) {
			err = at(s, y, "timeout must be a number of seconds");
			goto fail;
		}
		if ((err = number(s, y, "timeout (seconds)", 0.001, 600, &t)) < 0)
			goto fail;
		s->timeout_ms = (unsigned)(t * 1000);
	}
	if ((err = list(s, doc, "cases", PG_SPEC_MAX_CASES, &cases)) < 0 ||
	    (err = list(s, doc, "random", 100, &random)) < 0 ||
	    (err = list(s, doc, "scripts", PG_SPEC_MAX_SCRIPTS, &scripts)) < 0)
		goto fail;
	if (!cases && !random && !scripts) {
		err = at(s, doc, "the spec has no cases, random or scripts: nothing to check");
		goto fail;
	}
	if (cases) {
		s->cases = pg_calloc(cases->n ? cases->n : 1, sizeof(*s->cases));
		for (size_t i = 0; i < cases->n; i++)
			if ((err = load_case(s, idl, cases->items[i], i)) < 0) {
				s->ncases++; /* free the partial case too */
				goto fail;
			}
	}
	if (random) {
		s->random = pg_calloc(random->n ? random->n : 1, sizeof(*s->random));
		for (size_t i = 0; i < random->n; i++)
			if ((err = load_random(s, idl, random->items[i], i)) < 0) {
				s->nrandom++;
				goto fail;
			}
	}
	if (scripts) {
		s->scripts = pg_calloc(scripts->n ? scripts->n : 1, sizeof(*s->scripts));
		for (size_t i = 0; i < scripts->n; i++)
			if ((err = load_script(s, scripts->items[i], i)) < 0) {
				s->nscripts++;
				goto fail;
			}
	}
	pg_yaml_free(doc);
	*out = s;
	return 0;
fail:
	pg_yaml_free(doc);
	pg_spec_free(s);
	return err;
}

void pg_case_free(pg_case *c)
{
	json_decref(c->args);
	json_decref(c->expect);
	free(c->error);
	free(c->description);
}

void pg_spec_free(pg_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncases; i++)
		pg_case_free(&s->cases[i]);
	for (size_t i = 0; i < s->nrandom; i++) {
		pg_random *r = &s->random[i];
		gens_free(r->gens, r->fn);
		free(r->description);
		free(r->reference);
	}
	for (size_t i = 0; i < s->nscripts; i++) {
		free(s->scripts[i].description);
		free(s->scripts[i].run);
	}
	free(s->cases);
	free(s->random);
	free(s->scripts);
	free(s->file);
	free(s);
}

/* The inputs depend on the call, the seed and the generators only. */
static void rng_for(pg_rng *rng, const pg_fn *fn, uint64_t seed)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_printf(&b, "pg random\n%s\n%llu", fn->call, (unsigned long long)seed);
	pg_rng_init(rng, b.ptr, b.len);
	pg_buf_free(&b);
}

static json_t *gen_args(const pg_fn *fn, pg_gen *const *gens, pg_rng *rng)
{
	json_t *args = json_array();
	for (size_t a = 0; a < pg_fn_arity(fn); a++)
		json_array_append_new(args, pg_gen_value(gens[a], rng));
	return args;
}

int pg_spec_expand(pg_case **out, size_t *n, const pg_spec *s, size_t b)
{
	const pg_random *r = &s->random[b];
	pg_case *cs = pg_calloc(r->count, sizeof(*cs));
	pg_rng rng;

	rng_for(&rng, r->fn, r->seed);
	for (size_t i = 0; i < r->count; i++) {
		pg_case *c = &cs[i];
		c->fn = r->fn;
		c->block = (long)b;
		c->line = r->line;
		c->col = r->col;
		c->args = gen_args(r->fn, r->gens, &rng);
		pg_case_id(c);
	}
	*out = cs;
	*n = r->count;
	return 0;
}

/* A string as a YAML double-quoted scalar.  JSON's spelling is not enough:
 * YAML refuses a raw DEL, C1 control, U+FFFE or U+FFFF, and folds a raw
 * NEL, U+2028 or U+2029 into a space, so those are escaped too.  (U+0000
 * is escaped, but the loader refuses it.) */
static void yaml_string(pg_buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	pg_buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = s[i], cp = c;
		size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; /* jansson's strings are UTF-8 */
		n = i + n <= len ? n : len - i;
		for (size_t k = 1; k < n && i + k < len; k++)
			cp = (k == 1 ? c & (0x7f >> n) : cp) << 6 | (s[i + k] & 0x3f);
		if (c == '"' || c == '\\')
			pg_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			pg_buf_puts(out, "\\n");
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 || cp == 0xfffe ||
			 cp == 0xffff)
			pg_buf_printf(out, "\\u%04x", cp);
		else
			pg_buf_put(out, s + i, n);
		i += n;
	}
	pg_buf_putc(out, '"');
}

/* A wire value as a YAML flow value that pg_value_from_yaml reads back. */
void pg_spec_yaml_value(pg_buf *out, const pg_type *t, const json_t *v)
{
	switch (t->kind) {
	case PG_TY_STR:
		yaml_string(out, json_string_value(v), json_string_length(v));
		return;
	case PG_TY_OPTION:
		if (json_is_null(v)) {
			pg_buf_puts(out, "null");
			return;
		}
		pg_spec_yaml_value(out, t->elems[0], v);
		return;
	case PG_TY_TUPLE:
	case PG_TY_ARRAY:
		pg_buf_putc(out, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				pg_buf_puts(out, ", ");
			pg_spec_yaml_value(out, t->kind == PG_TY_TUPLE ? t->elems[i] : t->elems[0], json_array_get(v, i));
		}
		pg_buf_putc(out, ']');
		return;
	case PG_TY_STRUCT:
		pg_buf_putc(out, '{');
		for (size_t i = 0; i < t->st->nfields; i++) {
			const pg_member *f = &t->st->fields[i];
			pg_buf_printf(out, "%s%s: ", i ? ", " : "", f->name);
			pg_spec_yaml_value(out, f->type, json_object_get(v, f->name));
		}
		pg_buf_putc(out, '}');
		return;
	case PG_TY_I64:
	case PG_TY_U64:
	case PG_TY_F32:
	case PG_TY_F64:
		if (json_is_string(v)) { /* 64-bit integers, NaN and the infinities */
			pg_buf_puts(out, json_string_value(v));
			return;
		}
		break;
	default:
		break;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	pg_buf_puts(out, s ? s : "null");
	free(s);
}

/* --- workload.yaml ------------------------------------------------------ */

static int load_workload(pg_spec *s, pg_bench *b, const pg_idl *idl, const pg_yaml *y, size_t idx)
{
	static const char *const keys[] = { "description", "call", "args", "n", "count", "seed", NULL };
	pg_workload *w = &b->w[b->nw];
	const pg_yaml *d, *call, *count, *seed, *n;
	char what[160];
	uint64_t v, sd = 0;
	int err;

	memset(w, 0, sizeof(*w));
	w->line = y->line;
	w->col = y->col;
	snprintf(what, sizeof(what), "workload %zu", idx + 1);
	if ((err = known_keys(s, y, what, keys)) < 0)
		return err;
	if (!(d = scalar(s, y, "description", what, &err)) && err)
		return err;
	if (d) {
		w->description = pg_strdup(d->value);
		snprintf(what, sizeof(what), "workload %zu (%.100s)", idx + 1, d->value);
	}
	if (!(call = scalar(s, y, "call", what, &err)))
		return err ? err : at(s, y, "%s: missing call (the function to time)", what);
	if (!(w->fn = lookup_call(s, idl, call, what, &err)))
		return err;
	if (!(n = scalar(s, y, "n", what, &err)) && err)
		return err;
	if (n && (err = unsigned64(s, n, what, 1, (uint64_t)1 << 32, &w->n)) < 0)
		return err;
	if (!(count = scalar(s, y, "count", what, &err)) && err)
		return err;
	if (!(seed = scalar(s, y, "seed", what, &err)) && err)
		return err;
	if (seed && !count)
		return at(s, seed, "%s: seed without count (count says how many calls to generate)", what);
	w->calls = json_array();
	if (!count) { /* one explicit call */
		json_t *args;
		err = load_args(s, w->fn, y, what, &args);
		json_array_append_new(w->calls, args);
		return err;
	}
	if ((err = unsigned64(s, count, what, 1, PG_BENCH_MAX_CALLS, &v)) < 0)
		return err;
	if (seed && (err = unsigned64(s, seed, what, 0, UINT64_MAX, &sd)) < 0)
		return err;
	pg_gen **gens;
	pg_rng rng;
	if ((err = load_gens(s, w->fn, y, what, &gens)) == 0) {
		rng_for(&rng, w->fn, sd);
		for (uint64_t i = 0; i < v; i++)
			json_array_append_new(w->calls, gen_args(w->fn, gens, &rng));
	}
	gens_free(gens, w->fn);
	return err;
}

static int bench_number(const pg_spec *s, const pg_yaml *doc, const char *key, uint64_t lo, uint64_t hi,
			unsigned *out)
{
	int err;
	uint64_t v;
	const pg_yaml *y = scalar(s, doc, key, "the bench", &err);
	if (!y)
		return err;
	if ((err = unsigned64(s, y, key, lo, hi, &v)) < 0)
		return err;
	*out = (unsigned)v;
	return 0;
}

int pg_bench_parse(pg_bench **out, const pg_idl *idl, const char *text, size_t len, const char *file)
{
	static const char *const keys[] = { "description", "baseline", "samples", "warmup", "timeout",
					    "workloads", NULL };
	pg_bench *b = pg_calloc(1, sizeof(*b));
	pg_spec ctx = { .file = (char *)file }; /* for messages */
	pg_yaml *doc = NULL;
	const pg_yaml *ws, *y;
	unsigned timeout = 30;
	int err;

	b->file = pg_strdup(file);
	b->samples = 15;
	b->warmup = 3;
	*out = NULL;
	if ((err = pg_yaml_parse(&doc, text, len, file)) < 0 ||
	    (err = known_keys(&ctx, doc, "the bench", keys)) < 0)
		goto fail;
	if (!(y = scalar(&ctx, doc, "description", "the bench", &err)) && err)
		goto fail;
	if (y)
		b->description = pg_strdup(y->value);
	if (!(y = scalar(&ctx, doc, "baseline", "the bench", &err)) && err)
		goto fail;
	if (y) {
		size_t n = strlen(y->value);
		if (pg_value_check(PG_F_LABEL, y->value, NULL) < 0 && !(n >= 4 && n <= PG_HEX_LEN && pg_is_hex(y->value, n))) {
			err = at(&ctx, y, "baseline must be an impl name or an id prefix, not '%s'", y->value);
			goto fail;
		}
		b->baseline = pg_strdup(y->value);
	}
	if ((err = bench_number(&ctx, doc, "samples", 10, PG_BENCH_MAX_SAMPLES, &b->samples)) < 0 ||
	    (err = bench_number(&ctx, doc, "warmup", 0, 100, &b->warmup)) < 0 ||
	    (err = bench_number(&ctx, doc, "timeout", 1, 600, &timeout)) < 0 ||
	    (err = list(&ctx, doc, "workloads", PG_BENCH_MAX_WORKLOADS, &ws)) < 0)
		goto fail;
	b->timeout_ms = timeout * 1000;
	if (!ws || !ws->n) {
		err = at(&ctx, ws ? ws : doc, "the bench has no workloads: nothing to time");
		goto fail;
	}
	b->w = pg_calloc(ws->n, sizeof(*b->w));
	for (size_t i = 0; i < ws->n; i++) {
		err = load_workload(&ctx, b, idl, ws->items[i], i);
		b->nw++; /* a partial workload is freed too */
		if (err < 0)
			goto fail;
	}
	pg_yaml_free(doc);
	*out = b;
	return 0;
fail:
	pg_yaml_free(doc);
	pg_bench_free(b);
	return err;
}

void pg_bench_free(pg_bench *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nw; i++) {
		free(b->w[i].description);
		json_decref(b->w[i].calls);
	}
	free(b->w);
	free(b->description);
	free(b->baseline);
	free(b->file);
	free(b);
}
