/* fuzz_wire.c - typed wire values: what an implementation answers
 *
 * The input is an interface, a NUL byte, then one JSON value, read as pg
 * reads an answer line (docs/wire.md).  The value is checked against the
 * type of every argument and result of the interface, as pg checks each
 * answer of an untrusted implementation.  A value that fits must have a
 * canonical form that fits and is equal to it, compare equal to itself,
 * print, and survive the trip through YAML that pg verify --record takes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec.h"

static int checked;

/* Every type the interface language has. */
static const char every_type[] =
	"struct S { a: bool, b: (i8, u8, i16, u16, i32, u32, i64, u64), c: Option<[f32]>, d: [(f64, str)], e: bytes }\n"
	"struct T { s: S, t: Option<S>, u: [[S]] }\n"
	"impl T { fn m(&self, x: Option<(S, bytes)>, y: [Option<str>]) -> Option<T>; }\n"
	"fn f(a: u64, b: i64, c: f64, d: f32, e: str, f: bytes, g: bool) -> [u8];\n";

static void against(const pg_type *t, const json_t *v)
{
	static const pg_tolerance exact = { 0, 0 }, loose = { 1e-9, 1e-9 };
	int err = pg_wire_check(t, v);
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		return;
	}
	checked++;
	json_t *c = pg_wire_canonical(t, v);
	FUZZ_CHECK(c, "no canonical form");
	FUZZ_CHECK(pg_wire_check(t, c) == 0, "the canonical form does not fit: %s", pg_error_last());
	json_t *cc = pg_wire_canonical(t, c);
	FUZZ_CHECK(json_equal(cc, c), "the canonical form of the canonical form differs");
	json_decref(cc);
	FUZZ_CHECK(pg_wire_equal(t, v, c, &exact) && pg_wire_equal(t, c, v, &exact), "a value differs from its canonical form");
	FUZZ_CHECK(pg_wire_equal(t, v, v, &exact) && pg_wire_equal(t, v, v, &loose), "a value differs from itself");
	char *text = pg_wire_text(v, 80);
	FUZZ_CHECK(text && strlen(text) <= 80 + 3, "the text of a value is longer than asked: %zu", strlen(text));
	free(text);

	/* a YAML value cannot hold U+0000 (yamldoc's strings end there) */
	char *all = json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY);
	int nul = all && strstr(all, "\\u0000");
	free(all);
	if (nul) {
		json_decref(c);
		return;
	}
	pg_buf b = PG_BUF_INIT;
	pg_yaml *y = NULL;
	json_t *back = NULL;
	pg_spec_yaml_value(&b, t, c);
	err = pg_yaml_parse(&y, b.ptr, b.len, "record.yaml");
	FUZZ_CHECK(err == 0, "a value written as YAML does not parse: %s\n%s", pg_error_last(), b.ptr);
	err = pg_value_from_yaml(&back, t, y, "record.yaml", "value");
	FUZZ_CHECK(err == 0, "a value written as YAML does not load: %s\n%s", pg_error_last(), b.ptr);
	if (!json_equal(back, c)) {
		pg_buf tn = PG_BUF_INIT;
		pg_type_format(&tn, t);
		char *was = pg_wire_text(c, 200), *now = pg_wire_text(back, 200);
		FUZZ_CHECK(0, "a value of type %s written as YAML loads as another:\n%s\nwas %s, now %s", tn.ptr, b.ptr, was, now);
	}
	json_decref(back);
	pg_yaml_free(y);
	pg_buf_free(&b);
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *line;
	size_t len, ilen = fuzz_split(data, size, &line, &len);
	pg_idl *idl = NULL;
	json_error_t je;

	/* a mutant whose interface no longer parses still tries its value */
	if (pg_idl_parse(&idl, (const char *)data, ilen, "interface.pgi") < 0 &&
	    pg_idl_parse(&idl, every_type, strlen(every_type), "every.pgi") < 0)
		FUZZ_CHECK(0, "the built-in interface does not parse: %s", pg_error_last());
	/* as lib/session.c reads an answer line */
	json_t *v = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
	if (v) {
		checked = 0;
		for (size_t i = 0; i < idl->nfns; i++) {
			const pg_fn *fn = &idl->fns[i];
			for (size_t k = 0; k < pg_fn_arity(fn); k++)
				against(pg_fn_arg_type(fn, k), v);
			if (fn->ret)
				against(fn->ret, v);
		}
		if (checked)
			fuzz_accepted();
		json_decref(v);
	}
	pg_idl_free(idl);
	return 0;
}
