/* value.c - typed wire values: from YAML, checked, compared, canonical,
 * generated at random and shrunk
 *
 * YAML scalars: bool, integers and floats must be plain (unquoted): a
 * quoted "5" is a string and no integer.  str takes any scalar as its text
 * (a plain 123 is the string "123", a plain ~ the string "~": quote when in
 * doubt).  Option takes a plain null, Null, NULL, ~ or nothing as None.
 *
 * Integers are handled as 64-bit keys: the value for unsigned types, the
 * value + 2^63 for signed ones, so that [kmin, kmax] orders every integer
 * type in one unsigned range and the arithmetic never overflows.
 *
 * Generators (struct pg_gen) hold either a constant or the bounds of their
 * type; shrinking moves one part of a value toward the generator's target
 * (0 clamped into the bounds, the shortest length, None), and every
 * candidate is strictly nearer by |value - target|, length, or a member's
 * measure with the others unchanged, so repeated shrinking ends.
 */
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN ((uint64_t)1 << 63)
#define GOT_MAX 60
#define LEN_MAX 10000
#define B64 sodium_base64_VARIANT_ORIGINAL

static const char default_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
	"\xc3\xa9\xc3\x9f\xe2\x82\xac\xe4\xb8\xad\xf0\x9f\x98\x80"; /* é ß € 中 😀 */

struct pg_gen {
	const pg_type *t;
	json_t *cval;            /* a constant, or NULL */
	uint64_t kmin, kmax;     /* integers, as keys */
	double fmin, fmax, step; /* floats; step 0: none */
	uint64_t nsteps;         /* the grid is fmin + k*step, k in [0, nsteps] */
	size_t lo, hi;           /* lengths of str, bytes, arrays */
	char *chars;             /* str: the characters, char i at [cpos[i], cpos[i+1]) */
	size_t *cpos, nchars;
	double none;             /* Option: the chance of None */
	pg_gen **sub;            /* members; array and Option: sub[0] */
	size_t nsub;
};

/* --- messages ------------------------------------------------------------ */

/* Where a value sits: "file:line:col: what field path: " */
typedef struct ctx {
	const char *file, *what;
	pg_buf path;
} ctx;

static int fail(ctx *c, const pg_yaml *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(ctx *c, const pg_yaml *n, const char *fmt, ...)
{
	pg_buf b = PG_BUF_INIT;
	va_list ap;
	int what = c->what && *c->what;
	if (c->file && n)
		pg_buf_printf(&b, "%s:%zu:%zu: ", c->file, n->line, n->col);
	if (what)
		pg_buf_puts(&b, c->what);
	if (c->path.len)
		pg_buf_printf(&b, "%sfield %s", what ? " " : "", c->path.ptr);
	if (what || c->path.len)
		pg_buf_puts(&b, ": ");
	va_start(ap, fmt);
	pg_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	int err = pg_error_set(PG_EINVALID, "%s", b.ptr);
	pg_buf_free(&b);
	return err;
}

/* Extend the path by a field name, a tuple index or an array index; the
 * old length comes back for pop(). */
static size_t push(ctx *c, const char *name, size_t i, int array)
{
	size_t len = c->path.len;
	if (array)
		pg_buf_printf(&c->path, "[%zu]", i);
	else if (name)
		pg_buf_printf(&c->path, "%s%s", len ? "." : "", name);
	else
		pg_buf_printf(&c->path, "%s%zu", len ? "." : "", i);
	return len;
}

static void pop(ctx *c, size_t len)
{
	c->path.len = len;
	if (c->path.ptr)
		c->path.ptr[len] = '\0';
}

static char *tname(const pg_type *t)
{
	pg_buf b = PG_BUF_INIT;
	pg_type_format(&b, t);
	return pg_buf_detach(&b);
}

/* A short rendering of a YAML node: "\"abc\"", "a list of 3", "a mapping". */
static char *ytext(const pg_yaml *n)
{
	if (n->kind == PG_YAML_SEQ)
		return pg_asprintf("a list of %zu", n->n);
	if (n->kind == PG_YAML_MAP)
		return pg_strdup("a mapping");
	json_t *s = json_string(n->value);
	char *r = s ? pg_wire_text(s, GOT_MAX) : pg_strdup("a string");
	json_decref(s);
	return r;
}

static int mismatch(ctx *c, const pg_type *t, const pg_yaml *n, const json_t *v)
{
	char *want = tname(t), *got = n ? ytext(n) : pg_wire_text(v, GOT_MAX);
	int err = fail(c, n, "expected %s, got %s", want, got);
	free(want);
	free(got);
	return err;
}

/* --- integers ------------------------------------------------------------ */

static int is_int(pg_tkind k) { return k >= PG_TY_I8 && k <= PG_TY_U64; }
static int is_signed(pg_tkind k) { return k >= PG_TY_I8 && k <= PG_TY_I64; }
static int is_wide(pg_tkind k) { return k == PG_TY_I64 || k == PG_TY_U64; }
static int is_float(pg_tkind k) { return k == PG_TY_F32 || k == PG_TY_F64; }

static void int_range(pg_tkind k, uint64_t *lo, uint64_t *hi)
{
	static const uint64_t half[] = { 128, 32768, 2147483648u, SIGN };
	if (is_signed(k)) {
		*lo = SIGN - half[k - PG_TY_I8];
		*hi = SIGN + (half[k - PG_TY_I8] - 1);
	} else {
		*lo = 0;
		*hi = k == PG_TY_U64 ? UINT64_MAX : (2 * half[k - PG_TY_U8] - 1);
	}
}

static uint64_t zero_key(pg_tkind k)
{
	return is_signed(k) ? SIGN : 0;
}

/* [+-]digits, or with hex [+-]0x hexdigits: 0, -1 not an integer, -2
 * beyond 64 bits. */
static int parse_int(const char *s, size_t len, int yaml, int *neg, uint64_t *mag)
{
	const char *end = s + len;
	int base = 10;
	*neg = 0;
	if (s < end && (*s == '-' || (yaml && *s == '+')))
		*neg = *s++ == '-';
	if (yaml && end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	if (s == end)
		return -1;
	for (const char *p = s; p < end; p++)
		if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	*mag = strtoull(s, NULL, base);
	return errno == ERANGE ? -2 : 0;
}

/* The key of -mag or mag for k: 0, or -2 when out of range. */
static int to_key(pg_tkind k, int neg, uint64_t mag, uint64_t *key)
{
	uint64_t lo, hi;
	int_range(k, &lo, &hi);
	if (is_signed(k)) {
		if (neg ? mag > SIGN : mag >= SIGN)
			return -2;
		*key = neg ? SIGN - mag : SIGN + mag;
	} else {
		if (neg && mag)
			return -2;
		*key = mag;
	}
	return *key < lo || *key > hi ? -2 : 0;
}

static void key_text(char buf[24], pg_tkind k, uint64_t key)
{
	if (is_signed(k) && key < SIGN)
		snprintf(buf, 24, "-%" PRIu64, SIGN - key);
	else
		snprintf(buf, 24, "%" PRIu64, is_signed(k) ? key - SIGN : key);
}

static json_t *key_json(pg_tkind k, uint64_t key)
{
	char buf[24];
	if (is_wide(k)) {
		key_text(buf, k, key);
		return json_string(buf);
	}
	if (!is_signed(k))
		return json_integer((json_int_t)key);
	return json_integer(key >= SIGN ? (json_int_t)(key - SIGN) : -(json_int_t)(SIGN - key));
}

static int out_of_range(ctx *c, const pg_type *t, const pg_yaml *n, const char *text)
{
	uint64_t lo, hi;
	char a[24], b[24], *name = tname(t);
	int_range(t->kind, &lo, &hi);
	key_text(a, t->kind, lo);
	key_text(b, t->kind, hi);
	int err = fail(c, n, "%s is out of range for %s (%s..%s)", text, name, a, b);
	free(name);
	return err;
}

/* A wire integer's key: 0, -1 not an integer of this form, -2 out of range. */
static int int_key(const pg_type *t, const json_t *v, uint64_t *key)
{
	int neg, e = -1;
	uint64_t mag = 0;
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		neg = x < 0;
		mag = neg ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
		e = 0;
	} else if (is_wide(t->kind) && json_is_string(v)) {
		e = parse_int(json_string_value(v), json_string_length(v), 0, &neg, &mag);
	}
	return e < 0 ? e : to_key(t->kind, neg, mag, key);
}

static int y_int(ctx *c, const pg_type *t, const pg_yaml *n, uint64_t *key)
{
	int neg, e = -1;
	uint64_t mag;
	if (n->kind == PG_YAML_SCALAR && n->plain)
		e = parse_int(n->value, strlen(n->value), 1, &neg, &mag);
	if (e == 0)
		e = to_key(t->kind, neg, mag, key);
	if (e == -1)
		return mismatch(c, t, n, NULL);
	return e == -2 ? out_of_range(c, t, n, n->value) : 0;
}

/* --- floats -------------------------------------------------------------- */

/* d rounded to f32: 0, or -2 when a finite d is beyond float's range. */
static int to_f32(double *d)
{
	if (isfinite(*d) && fabs(*d) >= ldexp(1, 128) - ldexp(1, 103))
		return -2;
	*d = (float)*d;
	return 0;
}

static int round_to(const pg_type *t, double *d)
{
	return t->kind == PG_TY_F32 ? to_f32(d) : 0;
}

static json_t *float_json(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

static int special(const char *s, double *d)
{
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", "NaN", NULL };
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "Infinity", NULL };
	for (size_t i = 0; nan[i]; i++)
		if (!strcmp(s, nan[i]))
			return *d = NAN, 1;
	int neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	for (size_t i = 0; inf[i]; i++)
		if (!strcmp(s, inf[i]))
			return *d = neg ? -INFINITY : INFINITY, 1;
	return 0;
}

/* A YAML float: [+-](digits[.digits]|.digits)[e[+-]digits] or a special
 * value: 0, -1 not a float, -2 beyond the type's range. */
static int parse_float(const pg_type *t, const char *s, double *d)
{
	if (special(s, d))
		return 0;
	const char *p = s + (*s == '-' || *s == '+');
	size_t digits = strspn(p, "0123456789");
	p += digits;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		digits += frac;
		p += 1 + frac;
	}
	if (digits && (*p == 'e' || *p == 'E')) {
		p += 1 + (p[1] == '-' || p[1] == '+');
		size_t exp = strspn(p, "0123456789");
		p += exp;
		if (!exp)
			return -1;
	}
	if (!digits || *p)
		return -1;
	errno = 0;
	*d = strtod(s, NULL);
	if (errno == ERANGE && fabs(*d) > 1)
		return -2;
	return round_to(t, d);
}

/* A wire float: 0, -1 not a float, -2 beyond f32. */
static int float_val(const pg_type *t, const json_t *v, double *d)
{
	if (json_is_number(v)) {
		*d = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strlen(s) != json_string_length(v))
			return -1;
		if (!strcmp(s, "NaN"))
			*d = NAN;
		else if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity"))
			*d = *s == '-' ? -INFINITY : INFINITY;
		else
			return -1;
	} else {
		return -1;
	}
	return round_to(t, d);
}

static int y_float(ctx *c, const pg_type *t, const pg_yaml *n, double *d)
{
	int e = n->kind == PG_YAML_SCALAR && n->plain ? parse_float(t, n->value, d) : -1;
	if (e == -1)
		return mismatch(c, t, n, NULL);
	return e == -2 ? fail(c, n, "%s is out of range for %s", n->value, pg_tkind_name(t->kind)) : 0;
}

/* --- bytes --------------------------------------------------------------- */

/* Decode padded base64: a new buffer, or NULL when s is not. */
static unsigned char *b64_decode(const char *s, size_t len, size_t *n)
{
	/* libsodium (1.0.18) decodes a byte over 0x7f as '/' */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] > 0x7f)
			return NULL;
	unsigned char *bin = pg_malloc(len / 4 * 3 + 1);
	const char *end;
	if (sodium_base642bin(bin, len / 4 * 3 + 1, s, len, NULL, n, &end, B64) < 0 || end != s + len) {
		free(bin);
		return NULL;
	}
	return bin;
}

static json_t *b64_json(const unsigned char *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, B64);
	char *s = pg_malloc(len);
	sodium_bin2base64(s, len, bin, n, B64);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static int y_bytes(ctx *c, const pg_type *t, const pg_yaml *n, json_t **out)
{
	const pg_yaml *h = n->kind == PG_YAML_MAP && n->n == 2 ? pg_yaml_get(n, "hex") : NULL;
	size_t len;
	if (h && h->kind == PG_YAML_SCALAR) {
		const char *end;
		size_t hexlen = strlen(h->value);
		unsigned char *bin = pg_malloc(hexlen / 2 + 1);
		if (sodium_hex2bin(bin, hexlen / 2 + 1, h->value, hexlen, NULL, &len, &end) < 0 ||
		    end != h->value + hexlen) {
			free(bin);
			char *got = ytext(h);
			int err = fail(c, h, "expected bytes (hex), got %s", got);
			free(got);
			return err;
		}
		*out = b64_json(bin, len);
		free(bin);
		return 0;
	}
	if (n->kind != PG_YAML_SCALAR)
		return mismatch(c, t, n, NULL);
	unsigned char *bin = b64_decode(n->value, strlen(n->value), &len);
	if (!bin) {
		char *got = ytext(n);
		int err = fail(c, n, "expected bytes (base64), got %s", got);
		free(got);
		return err;
	}
	*out = b64_json(bin, len);
	free(bin);
	return 0;
}

/* --- YAML to wire -------------------------------------------------------- */

static int is_null(const pg_yaml *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	if (n->kind != PG_YAML_SCALAR || !n->plain)
		return 0;
	for (size_t i = 0; nulls[i]; i++)
		if (!strcmp(n->value, nulls[i]))
			return 1;
	return 0;
}

static int unknown_field(ctx *c, const pg_struct *st, const pg_yaml *n, const char *key)
{
	pg_buf b = PG_BUF_INIT;
	for (size_t i = 0; i < st->nfields; i++)
		pg_buf_printf(&b, "%s%s", i ? ", " : "", st->fields[i].name);
	int err = fail(c, n, "unknown field '%s' (%s has %s)", key, st->name,
		       st->nfields ? b.ptr : "no fields");
	pg_buf_free(&b);
	return err;
}

static const pg_member *field(const pg_struct *st, const char *name)
{
	for (size_t i = 0; i < st->nfields; i++)
		if (!strcmp(st->fields[i].name, name))
			return &st->fields[i];
	return NULL;
}

static int y_value(ctx *c, const pg_type *t, const pg_yaml *n, json_t **out)
{
	int err = 0;
	uint64_t key;
	double d;
	*out = NULL;
	if (is_int(t->kind)) {
		if ((err = y_int(c, t, n, &key)) == 0)
			*out = key_json(t->kind, key);
		return err;
	}
	if (is_float(t->kind)) {
		if ((err = y_float(c, t, n, &d)) == 0)
			*out = float_json(d);
		return err;
	}
	switch (t->kind) {
	case PG_TY_BOOL:
		if (n->kind != PG_YAML_SCALAR || !n->plain || (strcmp(n->value, "true") && strcmp(n->value, "false")))
			return mismatch(c, t, n, NULL);
		*out = json_boolean(!strcmp(n->value, "true"));
		return 0;
	case PG_TY_STR:
		if (n->kind != PG_YAML_SCALAR || !(*out = json_string(n->value)))
			return mismatch(c, t, n, NULL);
		return 0;
	case PG_TY_BYTES:
		return y_bytes(c, t, n, out);
	case PG_TY_OPTION:
		if (is_null(n))
			return *out = json_null(), 0;
		return y_value(c, t->elems[0], n, out);
	case PG_TY_TUPLE:
	case PG_TY_ARRAY:
		if (n->kind != PG_YAML_SEQ || (t->kind == PG_TY_TUPLE && n->n != t->nelems))
			return mismatch(c, t, n, NULL);
		*out = json_array();
		for (size_t i = 0; i < n->n && err == 0; i++) {
			json_t *e;
			size_t len = push(c, NULL, i, t->kind == PG_TY_ARRAY);
			err = y_value(c, t->elems[t->kind == PG_TY_TUPLE ? i : 0], n->items[i], &e);
			pop(c, len);
			if (err == 0)
				json_array_append_new(*out, e);
		}
		break;
	case PG_TY_STRUCT: {
		const pg_struct *st = t->st;
		if (n->kind != PG_YAML_MAP)
			return mismatch(c, t, n, NULL);
		for (size_t i = 0; i < n->n; i += 2)
			if (!field(st, n->items[i]->value))
				return unknown_field(c, st, n->items[i], n->items[i]->value);
		*out = json_object();
		for (size_t i = 0; i < st->nfields && err == 0; i++) {
			const pg_yaml *f = pg_yaml_get(n, st->fields[i].name);
			json_t *e;
			if (!f) {
				err = fail(c, n, "missing field '%s'", st->fields[i].name);
				break;
			}
			size_t len = push(c, st->fields[i].name, 0, 0);
			err = y_value(c, st->fields[i].type, f, &e);
			pop(c, len);
			if (err == 0)
				json_object_set_new(*out, st->fields[i].name, e);
		}
		break;
	}
	default:
		return mismatch(c, t, n, NULL);
	}
	if (err < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

int pg_value_from_yaml(json_t **out, const pg_type *t, const pg_yaml *n, const char *file,
		       const char *what)
{
	ctx c = { file, what, PG_BUF_INIT };
	int err = y_value(&c, t, n, out);
	pg_buf_free(&c.path);
	return err;
}

/* --- wire values --------------------------------------------------------- */

/* Check v against t and, when out is not NULL, make its canonical form. */
static int w_value(ctx *c, const pg_type *t, const json_t *v, json_t **out)
{
	int err = 0;
	json_t *r = NULL;
	uint64_t key;
	double d;
	if (is_int(t->kind)) {
		if ((err = int_key(t, v, &key)) == -2) {
			char *text = pg_wire_text(v, GOT_MAX);
			err = out_of_range(c, t, NULL, text);
			free(text);
			return err;
		}
		if (err < 0)
			return mismatch(c, t, NULL, v);
		if (out)
			*out = key_json(t->kind, key);
		return 0;
	}
	if (is_float(t->kind)) {
		if ((err = float_val(t, v, &d)) == -2) {
			char *text = pg_wire_text(v, GOT_MAX);
			err = fail(c, NULL, "%s is out of range for f32", text);
			free(text);
			return err;
		}
		if (err < 0)
			return mismatch(c, t, NULL, v);
		if (out)
			*out = float_json(d);
		return 0;
	}
	switch (t->kind) {
	case PG_TY_BOOL:
	case PG_TY_STR:
		if (t->kind == PG_TY_BOOL ? !json_is_boolean(v) : !json_is_string(v))
			return mismatch(c, t, NULL, v);
		break;
	case PG_TY_BYTES: {
		size_t n;
		unsigned char *bin = json_is_string(v) ? b64_decode(json_string_value(v), json_string_length(v), &n) : NULL;
		if (!bin)
			return mismatch(c, t, NULL, v);
		free(bin);
		break;
	}
	case PG_TY_OPTION:
		if (json_is_null(v))
			break;
		return w_value(c, t->elems[0], v, out);
	case PG_TY_TUPLE:
	case PG_TY_ARRAY:
		if (!json_is_array(v) || (t->kind == PG_TY_TUPLE && json_array_size(v) != t->nelems))
			return mismatch(c, t, NULL, v);
		r = out ? json_array() : NULL;
		for (size_t i = 0; i < json_array_size(v) && err == 0; i++) {
			json_t *e = NULL;
			size_t len = push(c, NULL, i, t->kind == PG_TY_ARRAY);
			err = w_value(c, t->elems[t->kind == PG_TY_TUPLE ? i : 0], json_array_get(v, i), out ? &e : NULL);
			pop(c, len);
			if (err == 0 && r)
				json_array_append_new(r, e);
		}
		break;
	case PG_TY_STRUCT: {
		const pg_struct *st = t->st;
		const char *k;
		json_t *e;
		if (!json_is_object(v))
			return mismatch(c, t, NULL, v);
		json_object_foreach((json_t *)v, k, e)
			if (!field(st, k))
				return unknown_field(c, st, NULL, k);
		r = out ? json_object() : NULL;
		for (size_t i = 0; i < st->nfields && err == 0; i++) {
			const char *name = st->fields[i].name;
			if (!(e = json_object_get(v, name))) {
				err = fail(c, NULL, "missing field '%s'", name);
				break;
			}
			json_t *f = NULL;
			size_t len = push(c, name, 0, 0);
			err = w_value(c, st->fields[i].type, e, out ? &f : NULL);
			pop(c, len);
			if (err == 0 && r)
				json_object_set_new(r, name, f);
		}
		break;
	}
	default:
		return mismatch(c, t, NULL, v);
	}
	if (err < 0) {
		json_decref(r);
		return err;
	}
	if (out)
		*out = r ? r : json_deep_copy(v);
	return 0;
}

int pg_wire_check(const pg_type *t, const json_t *v)
{
	ctx c = { NULL, NULL, PG_BUF_INIT };
	int err = v ? w_value(&c, t, v, NULL) : pg_error_set(PG_EINVALID, "no value");
	pg_buf_free(&c.path);
	return err;
}

json_t *pg_wire_canonical(const pg_type *t, const json_t *v)
{
	ctx c = { NULL, NULL, PG_BUF_INIT };
	json_t *r = NULL;
	if (v)
		w_value(&c, t, v, &r);
	pg_buf_free(&c.path);
	return r;
}

static int float_eq(double a, double b, const pg_tolerance *tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return 1;
	if (isinf(a) || isinf(b) || !tol)
		return 0;
	return fabs(a - b) <= tol->abs + tol->rel * fmax(fabs(a), fabs(b));
}

int pg_wire_equal(const pg_type *t, const json_t *a, const json_t *b, const pg_tolerance *tol)
{
	uint64_t ka, kb;
	double da, db;
	if (!a || !b)
		return 0;
	if (is_int(t->kind))
		return int_key(t, a, &ka) == 0 && int_key(t, b, &kb) == 0 && ka == kb;
	if (is_float(t->kind))
		return float_val(t, a, &da) == 0 && float_val(t, b, &db) == 0 && float_eq(da, db, tol);
	switch (t->kind) {
	case PG_TY_BOOL:
		return json_is_boolean(a) && json_is_boolean(b) && json_is_true(a) == json_is_true(b);
	case PG_TY_STR:
		return json_is_string(a) && json_is_string(b) && json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	case PG_TY_BYTES: {
		size_t na = 0, nb = 0;
		unsigned char *x = json_is_string(a) ? b64_decode(json_string_value(a), json_string_length(a), &na) : NULL;
		unsigned char *y = json_is_string(b) ? b64_decode(json_string_value(b), json_string_length(b), &nb) : NULL;
		int eq = x && y && na == nb && !memcmp(x, y, na);
		free(x);
		free(y);
		return eq;
	}
	case PG_TY_OPTION:
		if (json_is_null(a) || json_is_null(b))
			return json_is_null(a) && json_is_null(b);
		return pg_wire_equal(t->elems[0], a, b, tol);
	case PG_TY_TUPLE:
	case PG_TY_ARRAY:
		if (!json_is_array(a) || !json_is_array(b) || json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!pg_wire_equal(t->elems[t->kind == PG_TY_TUPLE ? i : 0], json_array_get(a, i),
					   json_array_get(b, i), tol))
				return 0;
		return 1;
	case PG_TY_STRUCT:
		if (!json_is_object(a) || !json_is_object(b) || json_object_size(a) != json_object_size(b))
			return 0;
		for (size_t i = 0; i < t->st->nfields; i++) {
			const char *name = t->st->fields[i].name;
			if (!pg_wire_equal(t->st->fields[i].type, json_object_get(a, name), json_object_get(b, name), tol))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

json_t *pg_wire_default(const pg_type *t)
{
	if (is_int(t->kind))
		return key_json(t->kind, zero_key(t->kind));
	if (is_float(t->kind))
		return json_real(0.0);
	json_t *r;
	switch (t->kind) {
	case PG_TY_BOOL:
		return json_false();
	case PG_TY_STR:
	case PG_TY_BYTES:
		return json_string("");
	case PG_TY_TUPLE:
		r = json_array();
		for (size_t i = 0; i < t->nelems; i++)
			json_array_append_new(r, pg_wire_default(t->elems[i]));
		return r;
	case PG_TY_ARRAY:
		return json_array();
	case PG_TY_STRUCT:
		r = json_object();
		for (size_t i = 0; i < t->st->nfields; i++)
			json_object_set_new(r, t->st->fields[i].name, pg_wire_default(t->st->fields[i].type));
		return r;
	default:
		return json_null();
	}
}

char *pg_wire_text(const json_t *v, size_t max)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *r = pg_strdup(s ? s : "(none)");
	free(s);
	size_t len = strlen(r);
	if (len > max) {
		size_t keep = max < 3 ? 0 : max - 3;
		while (keep > 0 && (r[keep] & 0xc0) == 0x80) /* not inside a character */
			keep--;
		snprintf(r + keep, len + 1 - keep, "%.*s", (int)(max < 3 ? max : 3), "...");
	}
	return r;
}

/* --- random numbers ------------------------------------------------------ */

void pg_rng_init(pg_rng *r, const void *seed, size_t len)
{
	crypto_generichash(r->seed, sizeof(r->seed), seed, len, NULL, 0);
	r->pos = sizeof(r->block);
	r->counter = 0;
}

uint64_t pg_rng_u64(pg_rng *r)
{
	if (r->pos + 8 > sizeof(r->block)) {
		unsigned char in[sizeof(r->seed) + 8], key[randombytes_SEEDBYTES];
		memcpy(in, r->seed, sizeof(r->seed));
		for (int i = 0; i < 8; i++)
			in[sizeof(r->seed) + i] = (unsigned char)(r->counter >> (8 * i));
		crypto_generichash(key, sizeof(key), in, sizeof(in), NULL, 0);
		randombytes_buf_deterministic(r->block, sizeof(r->block), key);
		r->counter++;
		r->pos = 0;
	}
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | r->block[r->pos + i];
	r->pos += 8;
	return x;
}

uint64_t pg_rng_below(pg_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t floor = -n % n; /* 2^64 mod n: below it, x % n is biased */
	for (;;) {
		uint64_t x = pg_rng_u64(r);
		if (x >= floor)
			return x % n;
	}
}

double pg_rng_unit(pg_rng *r)
{
	return (double)(pg_rng_u64(r) >> 11) * 0x1p-53;
}

/* --- generators: parsing ------------------------------------------------- */

static int check_keys(ctx *c, const pg_yaml *n, const char *const *allowed)
{
	for (size_t i = 0; i < n->n; i += 2) {
		size_t k = 0;
		while (allowed[k] && strcmp(allowed[k], n->items[i]->value))
			k++;
		if (allowed[k])
			continue;
		pg_buf b = PG_BUF_INIT;
		for (k = 0; allowed[k]; k++)
			pg_buf_printf(&b, "%s%s", k ? ", " : "", allowed[k]);
		int err = fail(c, n->items[i], "unknown key '%s' (allowed: %s)", n->items[i]->value, b.ptr);
		pg_buf_free(&b);
		return err;
	}
	return 0;
}

static int g_len(ctx *c, const pg_yaml *n, size_t *lo, size_t *hi)
{
	const pg_yaml *a = n, *b = n;
	int neg1 = 1, neg2 = 1;
	uint64_t x = 0, y = 0;
	if (n->kind == PG_YAML_SEQ && n->n == 2)
		a = n->items[0], b = n->items[1];
	if (a->kind == PG_YAML_SCALAR && b->kind == PG_YAML_SCALAR && a->plain && b->plain &&
	    parse_int(a->value, strlen(a->value), 1, &neg1, &x) == 0 &&
	    parse_int(b->value, strlen(b->value), 1, &neg2, &y) == 0 && !neg1 && !neg2 && x <= y && y <= LEN_MAX) {
		*lo = x, *hi = y;
		return 0;
	}
	return fail(c, n, "len must be [lo, hi] with 0 <= lo <= hi <= %d", LEN_MAX);
}

static int g_chars(ctx *c, pg_gen *g, const pg_yaml *n)
{
	const char *s = n->kind == PG_YAML_SCALAR ? n->value : "";
	size_t len = strlen(s);
	if (!len || !pg_utf8_valid(s, len))
		return fail(c, n, "chars must be non-empty UTF-8 text");
	free(g->chars);
	free(g->cpos);
	g->chars = pg_malloc(len + 1);
	g->cpos = pg_calloc(len + 1, sizeof(size_t));
	g->nchars = 0;
	for (size_t i = 0, w; i < len; i += w) {
		unsigned char b = (unsigned char)s[i];
		w = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
		size_t at = g->cpos[g->nchars], k;
		for (k = 0; k < g->nchars; k++) /* a set: each character once */
			if (g->cpos[k + 1] - g->cpos[k] == w && !memcmp(g->chars + g->cpos[k], s + i, w))
				break;
		if (k < g->nchars)
			continue;
		memcpy(g->chars + at, s + i, w);
		g->cpos[++g->nchars] = at + w;
	}
	return 0;
}

static int g_parse(ctx *c, const pg_type *t, const pg_yaml *n, pg_gen **out);

/* Parse member i of g, at path segment seg (a name, an index, "[]"). */
static int g_sub(ctx *c, pg_gen *g, size_t i, const pg_type *t, const pg_yaml *n, const char *seg)
{
	size_t len = c->path.len;
	if (seg)
		pg_buf_printf(&c->path, "%s%s", len && *seg != '[' ? "." : "", seg);
	int err = g_parse(c, t, n, &g->sub[i]);
	pop(c, len);
	return err;
}

/* The min/max/step of an integer or float generator. */
static int g_number(ctx *c, pg_gen *g, const pg_type *t, const pg_yaml *n)
{
	static const char *const ikeys[] = { "min", "max", "const", NULL };
	static const char *const fkeys[] = { "min", "max", "step", "const", NULL };
	const pg_yaml *lo = pg_yaml_get(n, "min"), *hi = pg_yaml_get(n, "max"), *step = pg_yaml_get(n, "step");
	int err = check_keys(c, n, is_int(t->kind) ? ikeys : fkeys);
	if (err == 0 && is_int(t->kind)) {
		if ((lo && (err = y_int(c, t, lo, &g->kmin)) < 0) || (hi && (err = y_int(c, t, hi, &g->kmax)) < 0))
			return err;
		if (g->kmin > g->kmax) {
			char a[24], b[24];
			key_text(a, t->kind, g->kmin);
			key_text(b, t->kind, g->kmax);
			return fail(c, lo ? lo : n, "min %s%s is greater than max %s%s", a, lo ? "" : " (the default)",
				    b, hi ? "" : " (the default)");
		}
		return 0;
	}
	if (err < 0 || (lo && (err = y_float(c, t, lo, &g->fmin)) < 0) ||
	    (hi && (err = y_float(c, t, hi, &g->fmax)) < 0) || (step && (err = y_float(c, t, step, &g->step)) < 0))
		return err;
	if (!isfinite(g->fmin) || !isfinite(g->fmax))
		return fail(c, isfinite(g->fmin) ? hi : lo, "%s must be finite", isfinite(g->fmin) ? "max" : "min");
	if (g->fmin > g->fmax)
		return fail(c, lo ? lo : n, "min %.17g%s is greater than max %.17g%s", g->fmin,
			    lo ? "" : " (the default)", g->fmax, hi ? "" : " (the default)");
	if (step) {
		if (!(g->step > 0) || !isfinite(g->step))
			return fail(c, step, "step must be positive, got %s", step->value);
		double q = floor((g->fmax - g->fmin) / g->step);
		if (!(q <= 0x1p53))
			return fail(c, step, "step %s is too small for [%.17g, %.17g]", step->value, g->fmin, g->fmax);
		g->nsteps = (uint64_t)q;
		while (g->nsteps && g->fmin + (double)g->nsteps * g->step > g->fmax)
			g->nsteps--;
	}
	return 0;
}

/* A constant: a scalar, {const: v}, a bytes {hex: ...}, a list for an
 * array.  Returns the node holding the value, or NULL. */
static const pg_yaml *const_node(const pg_type *t, const pg_yaml *n)
{
	if (n->kind == PG_YAML_SCALAR)
		return n;
	if (n->kind == PG_YAML_SEQ)
		return t->kind == PG_TY_ARRAY ? n : NULL;
	if (t->kind == PG_TY_BYTES && pg_yaml_get(n, "hex"))
		return n;
	if (t->kind == PG_TY_STRUCT && field(t->st, "const"))
		return NULL;
	return pg_yaml_get(n, "const");
}

static void g_defaults(pg_gen *g, const pg_type *t)
{
	g->t = t;
	if (is_int(t->kind)) {
		uint64_t lo, hi, z = zero_key(t->kind);
		int_range(t->kind, &lo, &hi);
		g->kmin = z - lo > 1000 ? z - 1000 : lo;
		g->kmax = hi - z > 1000 ? z + 1000 : hi;
	}
	g->fmin = -1000;
	g->fmax = 1000;
	g->hi = t->kind == PG_TY_ARRAY ? 8 : 16;
	g->none = 0.1;
	if (t->kind == PG_TY_STR) {
		static const pg_yaml dflt = { PG_YAML_SCALAR, 0, 0, (char *)default_chars, 0, NULL, 0 };
		ctx c = { NULL, NULL, PG_BUF_INIT };
		g_chars(&c, g, &dflt);
	}
	g->nsub = t->kind == PG_TY_TUPLE ? t->nelems : t->kind == PG_TY_STRUCT ? t->st->nfields :
		  t->kind == PG_TY_ARRAY || t->kind == PG_TY_OPTION ? 1 : 0;
	g->sub = pg_calloc(g->nsub + 1, sizeof(pg_gen *));
}

static int g_parse(ctx *c, const pg_type *t, const pg_yaml *n, pg_gen **out)
{
	static const char *const none[] = { "const", NULL };
	static const char *const str[] = { "len", "chars", "const", NULL };
	static const char *const bytes[] = { "len", "hex", "const", NULL };
	static const char *const arr[] = { "len", "of", "const", NULL };
	static const char *const opt[] = { "none", "of", "const", NULL };
	static const pg_type f64 = { .kind = PG_TY_F64 };
	pg_gen *g = *out = pg_calloc(1, sizeof(*g));
	const pg_yaml *v, *len = n && n->kind == PG_YAML_MAP ? pg_yaml_get(n, "len") : NULL;
	int err = 0;
	g_defaults(g, t);
	if (n && (v = const_node(t, n)) != NULL) {
		if (v != n && n->n != 2)
			return fail(c, n, "const takes no other keys");
		return y_value(c, t, v, &g->cval);
	}
	if (n && t->kind == PG_TY_OPTION && (n->kind != PG_YAML_MAP || (!pg_yaml_get(n, "none") && !pg_yaml_get(n, "of"))))
		return g_sub(c, g, 0, t->elems[0], n, NULL); /* the inner generator */
	if (n && (t->kind == PG_TY_TUPLE ? n->kind != PG_YAML_SEQ || n->n != t->nelems : n->kind != PG_YAML_MAP))
		return mismatch(c, t, n, NULL);
	if (is_int(t->kind) || is_float(t->kind))
		return n ? g_number(c, g, t, n) : 0;
	switch (t->kind) {
	case PG_TY_BOOL:
		return n ? check_keys(c, n, none) : 0;
	case PG_TY_STR:
	case PG_TY_BYTES:
		if (n && (err = check_keys(c, n, t->kind == PG_TY_STR ? str : bytes)) == 0 && (v = pg_yaml_get(n, "chars")))
			err = g_chars(c, g, v);
		return err == 0 && len ? g_len(c, len, &g->lo, &g->hi) : err;
	case PG_TY_ARRAY:
		if (n && (err = check_keys(c, n, arr)) == 0 && len)
			err = g_len(c, len, &g->lo, &g->hi);
		return err < 0 ? err : g_sub(c, g, 0, t->elems[0], n ? pg_yaml_get(n, "of") : NULL, "[]");
	case PG_TY_OPTION:
		if (n && (err = check_keys(c, n, opt)) == 0 && (v = pg_yaml_get(n, "none"))) {
			double p = 0;
			if (v->kind != PG_YAML_SCALAR || !v->plain || parse_float(&f64, v->value, &p) < 0 ||
			    !(p >= 0 && p <= 1))
				return fail(c, v, "none must be a number from 0 to 1");
			g->none = p;
		}
		return err < 0 ? err : g_sub(c, g, 0, t->elems[0], n ? pg_yaml_get(n, "of") : NULL, NULL);
	case PG_TY_TUPLE:
		for (size_t i = 0; i < t->nelems && err == 0; i++) {
			char seg[24];
			snprintf(seg, sizeof(seg), "%zu", i);
			err = g_sub(c, g, i, t->elems[i], n ? n->items[i] : NULL, seg);
		}
		return err;
	case PG_TY_STRUCT:
		for (size_t i = 0; n && i < n->n; i += 2)
			if (!field(t->st, n->items[i]->value))
				return unknown_field(c, t->st, n->items[i], n->items[i]->value);
		for (size_t i = 0; i < t->st->nfields && err == 0; i++) {
			const pg_member *f = &t->st->fields[i];
			err = g_sub(c, g, i, f->type, n ? pg_yaml_get(n, f->name) : NULL, f->name);
		}
		return err;
	default:
		return mismatch(c, t, n, NULL);
	}
}

int pg_gen_parse(pg_gen **out, const pg_type *t, const pg_yaml *n, const char *file, const char *what)
{
	ctx c = { file, what, PG_BUF_INIT };
	int err = g_parse(&c, t, n, out);
	pg_buf_free(&c.path);
	if (err < 0) {
		pg_gen_free(*out);
		*out = NULL;
	}
	return err;
}

void pg_gen_free(pg_gen *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nsub; i++)
		pg_gen_free(g->sub[i]);
	free(g->sub);
	json_decref(g->cval);
	free(g->chars);
	free(g->cpos);
	free(g);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t pg_gen_json_max(const pg_gen *g)
{
	const pg_type *t = g->t;
	uint64_t n = 1;
	if (g->cval) {
		char *s = json_dumps(g->cval, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		n = s ? strlen(s) : 4;
		free(s);
		return n;
	}
	switch (t->kind) {
	case PG_TY_BOOL:
		return 5;
	case PG_TY_I64:
	case PG_TY_U64:
		return 22; /* a quoted decimal */
	case PG_TY_F32:
	case PG_TY_F64:
		return 26;
	case PG_TY_STR:
		return sat_add(2, sat_mul(g->hi, 6)); /* \u001f is the longest spelling of a character */
	case PG_TY_BYTES:
		return sat_add(2, sat_mul((g->hi + 2) / 3, 4));
	case PG_TY_OPTION:
		n = pg_gen_json_max(g->sub[0]);
		return n < 4 ? 4 : n;
	case PG_TY_ARRAY:
		return sat_add(2, sat_mul(g->hi, sat_add(pg_gen_json_max(g->sub[0]), 1)));
	case PG_TY_TUPLE:
	case PG_TY_STRUCT:
		n = 2;
		for (size_t i = 0; i < g->nsub; i++)
			n = sat_add(n, sat_add(pg_gen_json_max(g->sub[i]),
					       t->kind == PG_TY_STRUCT ? strlen(t->st->fields[i].name) + 4 : 1));
		return n;
	default:
		return 11; /* i8 to u32 */
	}
}

/* --- generators: values -------------------------------------------------- */

static double grid(const pg_gen *g, uint64_t k)
{
	double x = g->fmin + (double)k * g->step;
	round_to(g->t, &x);
	return x;
}

json_t *pg_gen_value(const pg_gen *g, pg_rng *r)
{
	const pg_type *t = g->t;
	if (g->cval)
		return json_deep_copy(g->cval);
	if (is_int(t->kind)) {
		uint64_t span = g->kmax - g->kmin;
		return key_json(t->kind, span == UINT64_MAX ? pg_rng_u64(r) : g->kmin + pg_rng_below(r, span + 1));
	}
	if (is_float(t->kind)) {
		if (g->step > 0)
			return float_json(grid(g, pg_rng_below(r, g->nsteps + 1)));
		double u = pg_rng_unit(r), x = g->fmin * (1 - u) + g->fmax * u;
		x = x < g->fmin ? g->fmin : x > g->fmax ? g->fmax : x;
		round_to(t, &x);
		return float_json(x);
	}
	int seq = t->kind == PG_TY_STR || t->kind == PG_TY_BYTES || t->kind == PG_TY_ARRAY;
	size_t len = seq ? g->lo + (size_t)pg_rng_below(r, g->hi - g->lo + 1) : 0;
	json_t *v;
	switch (t->kind) {
	case PG_TY_BOOL:
		return json_boolean(pg_rng_below(r, 2));
	case PG_TY_STR: {
		pg_buf b = PG_BUF_INIT;
		pg_buf_grow(&b, 0);
		for (size_t i = 0; i < len; i++) {
			size_t k = (size_t)pg_rng_below(r, g->nchars);
			pg_buf_put(&b, g->chars + g->cpos[k], g->cpos[k + 1] - g->cpos[k]);
		}
		v = json_stringn(b.ptr, b.len);
		pg_buf_free(&b);
		return v;
	}
	case PG_TY_BYTES: {
		unsigned char *bin = pg_malloc(len + 1);
		uint64_t w = 0;
		for (size_t i = 0; i < len; i++) {
			if (i % 8 == 0)
				w = pg_rng_u64(r);
			bin[i] = (unsigned char)(w >> (8 * (i % 8)));
		}
		v = b64_json(bin, len);
		free(bin);
		return v;
	}
	case PG_TY_OPTION:
		if (g->none > 0 && pg_rng_unit(r) < g->none)
			return json_null();
		return pg_gen_value(g->sub[0], r);
	case PG_TY_ARRAY:
	case PG_TY_TUPLE:
		v = json_array();
		for (size_t i = 0; i < (t->kind == PG_TY_ARRAY ? len : g->nsub); i++)
			json_array_append_new(v, pg_gen_value(g->sub[t->kind == PG_TY_ARRAY ? 0 : i], r));
		return v;
	case PG_TY_STRUCT:
		v = json_object();
		for (size_t i = 0; i < g->nsub; i++)
			json_object_set_new(v, t->st->fields[i].name, pg_gen_value(g->sub[i], r));
		return v;
	default:
		return json_null();
	}
}

/* --- generators: shrinking ----------------------------------------------- */

typedef struct sink {
	const pg_type *t;
	json_t **out;
	size_t n, max;
	const json_t *v;
} sink;

/* Take candidate x unless it is v, a repeat, or there is no room. */
static void put(sink *s, json_t *x)
{
	int keep = x && s->n < s->max && !pg_wire_equal(s->t, x, s->v, NULL);
	for (size_t i = 0; keep && i < s->n; i++)
		keep = !pg_wire_equal(s->t, x, s->out[i], NULL);
	if (keep)
		s->out[s->n++] = x;
	else
		json_decref(x);
}

static void shrink(const pg_gen *g, const json_t *v, sink *s);

static void shrink_int(const pg_gen *g, const json_t *v, sink *s)
{
	pg_tkind k = g->t->kind;
	uint64_t x, z = zero_key(k);
	if (int_key(g->t, v, &x) < 0)
		return;
	uint64_t t = z < g->kmin ? g->kmin : z > g->kmax ? g->kmax : z;
	uint64_t d = x > t ? x - t : t - x, c[3] = { t, x > t ? x - d / 2 : x + d / 2, x > t ? x - 1 : x + 1 };
	for (int i = 0; i < 3 && d; i++)
		if (c[i] != x && c[i] >= g->kmin && c[i] <= g->kmax)
			put(s, key_json(k, c[i]));
}

static uint64_t grid_index(const pg_gen *g, double x)
{
	double q = round((x - g->fmin) / g->step);
	return q <= 0 ? 0 : q >= (double)g->nsteps ? g->nsteps : (uint64_t)q;
}

static void shrink_float(const pg_gen *g, const json_t *v, sink *s)
{
	double x, t;
	if (float_val(g->t, v, &x) < 0)
		return;
	if (g->step > 0) {
		uint64_t k0 = grid_index(g, 0), kx = isfinite(x) ? grid_index(g, x) : k0;
		t = grid(g, k0);
		put(s, float_json(t));
		if (kx == k0)
			return;
		uint64_t d = kx > k0 ? kx - k0 : k0 - kx, kt = grid_index(g, x > t ? floor(x) : ceil(x));
		if ((kx > k0 && kt > k0 && kt < kx) || (kx < k0 && kt < k0 && kt > kx))
			put(s, float_json(grid(g, kt))); /* strictly between the target and x */
		if (d >= 2)
			put(s, float_json(grid(g, kx > k0 ? kx - d / 2 : kx + d / 2)));
		return;
	}
	t = g->fmin > 0 ? g->fmin : g->fmax < 0 ? g->fmax : 0.0;
	if (x == t)
		return;
	put(s, float_json(t));
	if (!isfinite(x))
		return;
	double c[2] = { x > t ? floor(x) : ceil(x), x / 2 + t / 2 };
	round_to(g->t, &c[1]);
	for (int i = 0; i < 2; i++)
		if (fabs(c[i] - t) < fabs(x - t) && c[i] != t && c[i] >= g->fmin && c[i] <= g->fmax)
			put(s, float_json(c[i]));
}

/* The shorter lengths and single removals of a sequence of n units, as
 * spans [from, to) to cut, most promising first; returns how many. */
static size_t cuts(size_t n, size_t lo, size_t (*span)[2])
{
	size_t k = 0, half = n / 2 > lo ? n / 2 : lo;
	if (n <= lo)
		return 0;
	span[k][0] = lo, span[k++][1] = n;
	if (half > lo)
		span[k][0] = half, span[k++][1] = n;
	for (size_t i = 0; i < n; i++)
		span[k][0] = i, span[k++][1] = i + 1;
	return k;
}

/* A copy of v (an array or object) with member i, or key, replaced by x. */
static json_t *replace(const json_t *v, size_t i, const char *key, json_t *x)
{
	json_t *c = json_deep_copy(v);
	if (key)
		json_object_set_new(c, key, x);
	else
		json_array_set_new(c, i, x);
	return c;
}

/* Candidates for member i of v, at most cap of them. */
static void shrink_member(const pg_gen *g, const json_t *v, size_t i, const char *key, sink *s, size_t cap)
{
	const json_t *m = key ? json_object_get(v, key) : json_array_get(v, i);
	json_t **tmp = pg_calloc(cap, sizeof(json_t *));
	sink sub = { g->t, tmp, 0, cap, m };
	if (m)
		shrink(g, m, &sub);
	for (size_t k = 0; k < sub.n; k++)
		put(s, replace(v, i, key, tmp[k]));
	free(tmp);
}

static void shrink_seq(const pg_gen *g, const json_t *v, sink *s)
{
	pg_tkind k = g->t->kind;
	size_t n = 0, *pos, bytes = 0;
	unsigned char *bin = NULL;
	const char *str = NULL;
	if (k == PG_TY_STR) {
		str = json_string_value(v);
		bytes = json_string_length(v);
	} else if (k == PG_TY_BYTES) {
		if (!(bin = b64_decode(json_string_value(v), json_string_length(v), &bytes)))
			return;
		str = (const char *)bin;
	} else {
		bytes = json_array_size(v);
	}
	pos = pg_malloc((bytes + 1) * sizeof(size_t)); /* unit i is [pos[i], pos[i+1]) */
	for (size_t i = 0; i <= bytes; i++)
		if (k != PG_TY_STR || i == bytes || ((unsigned char)str[i] & 0xc0) != 0x80)
			pos[n++] = i;
	n--;
	size_t (*span)[2] = pg_malloc((n + 2) * sizeof(*span)), ncut = cuts(n, g->lo, span);
	for (size_t c = 0; c < ncut && s->n < s->max; c++) {
		size_t a = span[c][0], b = span[c][1];
		if (k == PG_TY_ARRAY) {
			json_t *x = json_array();
			for (size_t i = 0; i < n; i++)
				if (i < a || i >= b)
					json_array_append_new(x, json_deep_copy(json_array_get(v, i)));
			put(s, x);
			continue;
		}
		char *buf = pg_malloc(bytes + 1);
		memcpy(buf, str, pos[a]);
		memcpy(buf + pos[a], str + pos[b], bytes - pos[b]);
		size_t len = pos[a] + bytes - pos[b];
		put(s, k == PG_TY_STR ? json_stringn(buf, len) : b64_json((unsigned char *)buf, len));
		free(buf);
	}
	for (size_t i = 0; k == PG_TY_ARRAY && i < n && s->n < s->max; i++) {
		size_t room = s->max - s->n, cap = room / (n - i);
		shrink_member(g->sub[0], v, i, NULL, s, cap ? cap : 1);
	}
	free(span);
	free(pos);
	free(bin);
}

static void shrink(const pg_gen *g, const json_t *v, sink *s)
{
	const pg_type *t = g->t;
	if (g->cval || s->n >= s->max)
		return;
	if (is_int(t->kind)) {
		shrink_int(g, v, s);
		return;
	}
	if (is_float(t->kind)) {
		shrink_float(g, v, s);
		return;
	}
	switch (t->kind) {
	case PG_TY_BOOL:
		if (json_is_true(v))
			put(s, json_false());
		break;
	case PG_TY_STR:
	case PG_TY_BYTES:
	case PG_TY_ARRAY:
		if (t->kind == PG_TY_ARRAY ? json_is_array(v) : json_is_string(v))
			shrink_seq(g, v, s);
		break;
	case PG_TY_OPTION:
		if (json_is_null(v))
			break;
		if (g->none > 0)
			put(s, json_null());
		shrink(g->sub[0], v, s);
		break;
	case PG_TY_TUPLE:
	case PG_TY_STRUCT:
		if (t->kind == PG_TY_TUPLE ? !json_is_array(v) : !json_is_object(v))
			break;
		for (size_t i = 0; i < g->nsub && s->n < s->max; i++) {
			size_t room = s->max - s->n, cap = room / (g->nsub - i);
			shrink_member(g->sub[i], v, i, t->kind == PG_TY_STRUCT ? t->st->fields[i].name : NULL, s,
				      cap ? cap : 1);
		}
		break;
	default:
		break;
	}
}

size_t pg_gen_shrink(const pg_gen *g, const json_t *v, json_t **out, size_t max)
{
	sink s = { g->t, out, 0, max, v };
	if (v)
		shrink(g, v, &s);
	return s.n;
}
