/* test_value.c - wire values: YAML to wire, checks and their messages,
 * equality with tolerances, the random stream, generators and shrinking */
#include "unit.h"
#include "idl.h"
#include "object.h"
#include "value.h"

#include <math.h>
#include <sodium.h>

#define STRUCTS                                                  \
	"struct Circle { radius: f64, center: (f64, f64) }\n"    \
	"struct Item { name: str, tags: [str] }\n"               \
	"struct Bag { items: [Item], note: Option<str> }\n"

static struct {
	char *text;
	pg_idl *idl;
} idls[128];
static size_t nidls;

/* The type written as text ("Option<(f64, [u8])>"), structs above known;
 * parsed once. */
static const pg_type *ty(const char *text)
{
	size_t i = 0;
	while (i < nidls && strcmp(idls[i].text, text))
		i++;
	if (i == nidls) {
		char *src = pg_asprintf("%sfn t(x: %s);\n", STRUCTS, text);
		assert_true(nidls < sizeof(idls) / sizeof(*idls));
		if (pg_idl_parse(&idls[i].idl, src, strlen(src), "t.pgi") < 0)
			fail_msg("%s: %s", text, pg_error_last());
		free(src);
		idls[nidls++].text = pg_strdup(text);
	}
	return idls[i].idl->fns[0].params[0].type;
}

static int free_idls(void **state)
{
	(void)state;
	for (; nidls; nidls--) {
		pg_idl_free(idls[nidls - 1].idl);
		free(idls[nidls - 1].text);
	}
	return 0;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v)
		fail_msg("bad JSON %s: %s", text, e.text);
	return v;
}

static void assert_json(const json_t *v, const char *want)
{
	char *got = dump(v);
	if (!got || strcmp(got, want))
		fail_msg("want %s\ngot  %s", want, got ? got : "(null)");
	free(got);
}

static pg_yaml *yaml(const char *text)
{
	pg_yaml *y = NULL;
	if (pg_yaml_parse(&y, text, strlen(text), "s.yaml") < 0)
		fail_msg("%s", pg_error_last());
	return y;
}

/* YAML text as type is the wire JSON want, which checks and is canonical. */
static void yaml_is(const char *type, const char *text, const char *want)
{
	const pg_type *t = ty(type);
	pg_yaml *y = yaml(text);
	json_t *v = NULL;
	if (pg_value_from_yaml(&v, t, y, "s.yaml", "case 1") < 0)
		fail_msg("%s %s: %s", type, text, pg_error_last());
	assert_json(v, want);
	assert_int_equal(pg_wire_check(t, v), 0);
	json_t *c = pg_wire_canonical(t, v);
	assert_json(c, want);
	json_decref(c);
	json_decref(v);
	pg_yaml_free(y);
}

/* YAML text as type is refused with exactly msg. */
static void yaml_bad(const char *type, const char *text, const char *what, const char *msg)
{
	pg_yaml *y = yaml(text);
	json_t *v = (json_t *)1;
	int err = pg_value_from_yaml(&v, ty(type), y, "s.yaml", what);
	if (err != PG_EINVALID || strcmp(pg_error_last(), msg))
		fail_msg("%s %s\nwant %s\ngot  %d %s", type, text, msg, err, pg_error_last());
	assert_null(v);
	pg_yaml_free(y);
}

/* The wire JSON passes the check and its canonical form is want. */
static void wire_ok(const char *type, const char *text, const char *want)
{
	const pg_type *t = ty(type);
	json_t *v = load(text);
	if (pg_wire_check(t, v) < 0)
		fail_msg("%s %s: %s", type, text, pg_error_last());
	json_t *c = pg_wire_canonical(t, v);
	assert_json(c, want);
	assert_true(pg_wire_equal(t, v, c, NULL));
	json_decref(c);
	json_decref(v);
}

static void wire_bad(const char *type, const char *text, const char *msg)
{
	const pg_type *t = ty(type);
	json_t *v = load(text);
	int err = pg_wire_check(t, v);
	if (err != PG_EINVALID || strcmp(pg_error_last(), msg))
		fail_msg("%s %s\nwant %s\ngot  %d %s", type, text, msg, err, pg_error_last());
	assert_null(pg_wire_canonical(t, v));
	json_decref(v);
}

static int eq(const char *type, const char *a, const char *b, const pg_tolerance *tol)
{
	json_t *x = load(a), *y = load(b);
	int r = pg_wire_equal(ty(type), x, y, tol);
	assert_int_equal(pg_wire_equal(ty(type), y, x, tol), r);
	json_decref(x);
	json_decref(y);
	return r;
}

static pg_gen *gen(const char *type, const char *text)
{
	pg_yaml *y = text ? yaml(text) : NULL;
	pg_gen *g = NULL;
	if (pg_gen_parse(&g, ty(type), y, "g.yaml", "case 1") < 0)
		fail_msg("%s %s: %s", type, text, pg_error_last());
	pg_yaml_free(y);
	return g;
}

static void gen_bad(const char *type, const char *text, const char *msg)
{
	pg_yaml *y = yaml(text);
	pg_gen *g = (pg_gen *)1;
	int err = pg_gen_parse(&g, ty(type), y, "g.yaml", "case 1");
	if (err != PG_EINVALID || strcmp(pg_error_last(), msg))
		fail_msg("%s %s\nwant %s\ngot  %d %s", type, text, msg, err, pg_error_last());
	assert_null(g);
	pg_yaml_free(y);
}

/* The shrink candidates of v (JSON) under g, as one JSON array. */
static void shrinks_are(const char *type, const char *g_text, const char *v_text, const char *want)
{
	pg_gen *g = gen(type, g_text);
	json_t *v = load(v_text), *out[32], *all = json_array();
	size_t n = pg_gen_shrink(g, v, out, 32);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(all, out[i]);
	assert_json(all, want);
	json_decref(all);
	json_decref(v);
	pg_gen_free(g);
}

static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ---- YAML to wire ---- */

static void test_yaml_bool(void **state)
{
	(void)state;
	yaml_is("bool", "true", "true");
	yaml_is("bool", "false", "false");
	yaml_bad("bool", "\"true\"", "case 1", "s.yaml:1:1: case 1: expected bool, got \"true\"");
	yaml_bad("bool", "yes", "case 1", "s.yaml:1:1: case 1: expected bool, got \"yes\"");
	yaml_bad("bool", "[true]", NULL, "s.yaml:1:1: expected bool, got a list of 1");
}

static void test_yaml_small_ints(void **state)
{
	(void)state;
	yaml_is("i8", "-128", "-128");
	yaml_is("i8", "127", "127");
	yaml_is("u8", "255", "255");
	yaml_is("i16", "-32768", "-32768");
	yaml_is("u16", "65535", "65535");
	yaml_is("i32", "-2147483648", "-2147483648");
	yaml_is("u32", "4294967295", "4294967295");
	yaml_is("u8", "0xff", "255");
	yaml_is("i32", "-0x10", "-16");
	yaml_is("i32", "+5", "5");
	yaml_is("u8", "-0", "0");
}

static void test_yaml_int_errors(void **state)
{
	(void)state;
	yaml_bad("u8", "300", "case 1", "s.yaml:1:1: case 1: 300 is out of range for u8 (0..255)");
	yaml_bad("u8", "0x100", "case 1", "s.yaml:1:1: case 1: 0x100 is out of range for u8 (0..255)");
	yaml_bad("i8", "-129", "case 1", "s.yaml:1:1: case 1: -129 is out of range for i8 (-128..127)");
	yaml_bad("u32", "-1", "case 1", "s.yaml:1:1: case 1: -1 is out of range for u32 (0..4294967295)");
	yaml_bad("u64", "18446744073709551616", "case 1",
		 "s.yaml:1:1: case 1: 18446744073709551616 is out of range for u64 (0..18446744073709551615)");
	yaml_bad("i64", "9223372036854775808", "case 1",
		 "s.yaml:1:1: case 1: 9223372036854775808 is out of range for i64 "
		 "(-9223372036854775808..9223372036854775807)");
	yaml_bad("i32", "1.5", "case 1", "s.yaml:1:1: case 1: expected i32, got \"1.5\"");
	yaml_bad("i32", "'5'", "case 1", "s.yaml:1:1: case 1: expected i32, got \"5\"");
	yaml_bad("i32", "0x", "case 1", "s.yaml:1:1: case 1: expected i32, got \"0x\"");
	yaml_bad("i32", "1_000", "case 1", "s.yaml:1:1: case 1: expected i32, got \"1_000\"");
}

static void test_yaml_wide_ints(void **state)
{
	(void)state;
	yaml_is("i64", "-9223372036854775808", "\"-9223372036854775808\"");
	yaml_is("i64", "9223372036854775807", "\"9223372036854775807\"");
	yaml_is("u64", "18446744073709551615", "\"18446744073709551615\"");
	yaml_is("u64", "0xffffffffffffffff", "\"18446744073709551615\"");
	yaml_is("i64", "9007199254740993", "\"9007199254740993\""); /* 2^53 + 1 */
	yaml_is("i64", "-0", "\"0\"");
	yaml_is("u64", "7", "\"7\"");
}

static void test_yaml_floats(void **state)
{
	(void)state;
	yaml_is("f64", "1", "1.0");
	yaml_is("f64", "-0", "-0.0");
	yaml_is("f64", "-0.0", "-0.0");
	yaml_is("f64", "2.25", "2.25");
	yaml_is("f64", ".5", "0.5");
	yaml_is("f64", "1e3", "1000.0");
	yaml_is("f64", "+1.5E-1", "0.14999999999999999");
	yaml_is("f64", "9007199254740993", "9007199254740992.0");
	static const char *const nan[] = { ".nan", ".NaN", "NaN" };
	static const char *const inf[] = { ".inf", "+.inf", "Infinity", ".Inf" };
	for (size_t i = 0; i < 3; i++)
		yaml_is("f64", nan[i], "\"NaN\"");
	for (size_t i = 0; i < 4; i++)
		yaml_is("f64", inf[i], "\"Infinity\"");
	yaml_is("f64", "-.inf", "\"-Infinity\"");
	yaml_is("f64", "-Infinity", "\"-Infinity\"");
	yaml_bad("f64", "abc", "case 1", "s.yaml:1:1: case 1: expected f64, got \"abc\"");
	yaml_bad("f64", "'1.5'", "case 1", "s.yaml:1:1: case 1: expected f64, got \"1.5\"");
	yaml_bad("f64", "0x10", "case 1", "s.yaml:1:1: case 1: expected f64, got \"0x10\"");
	yaml_bad("f64", "1e", "case 1", "s.yaml:1:1: case 1: expected f64, got \"1e\"");
	yaml_bad("f64", "inf", "case 1", "s.yaml:1:1: case 1: expected f64, got \"inf\"");
	yaml_bad("f64", "1e999", "case 1", "s.yaml:1:1: case 1: 1e999 is out of range for f64");
}

static void test_yaml_f32(void **state)
{
	(void)state;
	yaml_is("f32", "0.1", "0.10000000149011612");
	yaml_is("f32", "16777217", "16777216.0"); /* 2^24 + 1 rounds to even */
	yaml_is("f32", "3.4028235e38", "3.4028234663852886e38");
	yaml_is("f32", "1e-50", "0.0");
	yaml_is("f32", "-.inf", "\"-Infinity\"");
	yaml_bad("f32", "1e39", "case 1", "s.yaml:1:1: case 1: 1e39 is out of range for f32");
	yaml_bad("f32", "3.4028236e38", "case 1", "s.yaml:1:1: case 1: 3.4028236e38 is out of range for f32");
}

static void test_yaml_str(void **state)
{
	(void)state;
	yaml_is("str", "abc", "\"abc\"");
	yaml_is("str", "\"123\"", "\"123\"");
	yaml_is("str", "123", "\"123\"");
	yaml_is("str", "~", "\"~\"");
	yaml_is("str", "''", "\"\"");
	yaml_is("str", "\"\\u00e9\\u4e2d\\U0001F600\"", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"");
	yaml_is("str", "\"tab\\there\\n\"", "\"tab\\there\\n\"");
	yaml_bad("str", "{a: 1}", "case 1", "s.yaml:1:1: case 1: expected str, got a mapping");
	/* U+0000 cannot come from YAML: the YAML loader refuses it */
	pg_yaml *y = NULL;
	assert_int_equal(pg_yaml_parse(&y, "\"a\\0b\"", 6, "s.yaml"), PG_EINVALID);
}

static void test_yaml_bytes(void **state)
{
	(void)state;
	yaml_is("bytes", "AAECAw==", "\"AAECAw==\"");
	yaml_is("bytes", "''", "\"\"");
	yaml_is("bytes", "{hex: 00ff}", "\"AP8=\"");
	yaml_is("bytes", "{hex: '00FF10'}", "\"AP8Q\"");
	yaml_is("bytes", "{hex: ''}", "\"\"");
	yaml_bad("bytes", "AAE", "case 1", "s.yaml:1:1: case 1: expected bytes (base64), got \"AAE\"");
	yaml_bad("bytes", "AB==", "case 1", "s.yaml:1:1: case 1: expected bytes (base64), got \"AB==\"");
	yaml_bad("bytes", "AP8", "case 1", "s.yaml:1:1: case 1: expected bytes (base64), got \"AP8\"");
	yaml_bad("bytes", "{hex: 0g}", "case 1", "s.yaml:1:7: case 1: expected bytes (hex), got \"0g\"");
	yaml_bad("bytes", "{hex: abc}", "case 1", "s.yaml:1:7: case 1: expected bytes (hex), got \"abc\"");
	yaml_bad("bytes", "{b64: AA==}", "case 1", "s.yaml:1:1: case 1: expected bytes, got a mapping");
}

/* Every byte value, through hex and base64, and back. */
static void test_bytes_every_value(void **state)
{
	(void)state;
	unsigned char bin[256];
	char hex[513], b64[sodium_base64_ENCODED_LEN(256, sodium_base64_VARIANT_ORIGINAL)];
	for (int i = 0; i < 256; i++)
		bin[i] = (unsigned char)i;
	pg_hex(hex, bin, 256);
	sodium_bin2base64(b64, sizeof(b64), bin, 256, sodium_base64_VARIANT_ORIGINAL);
	char *want = pg_asprintf("\"%s\"", b64);
	char *hex_yaml = pg_asprintf("{hex: %s}", hex);
	yaml_is("bytes", hex_yaml, want);
	yaml_is("bytes", b64, want);
	wire_ok("bytes", want, want);
	json_t *v = load(want);
	assert_true(eq("bytes", want, want, NULL));
	bin[255] = 0;
	sodium_bin2base64(b64, sizeof(b64), bin, 256, sodium_base64_VARIANT_ORIGINAL);
	char *other = pg_asprintf("\"%s\"", b64);
	assert_false(eq("bytes", want, other, NULL));
	json_decref(v);
	free(want);
	free(other);
	free(hex_yaml);
}

static void test_yaml_tuples_arrays(void **state)
{
	(void)state;
	yaml_is("(i32, str)", "[1, a]", "[1,\"a\"]");
	yaml_is("(f64, f64)", "[0, -1.5]", "[0.0,-1.5]");
	yaml_is("[u8]", "[]", "[]");
	yaml_is("[u8]", "[1, 2, 3]", "[1,2,3]");
	yaml_is("[(u64, bool)]", "- [1, true]\n- [2, false]\n", "[[\"1\",true],[\"2\",false]]");
	yaml_bad("(i32, str)", "[1, a, b]", "case 1", "s.yaml:1:1: case 1: expected (i32, str), got a list of 3");
	yaml_bad("(i32, str)", "{a: 1}", "case 1", "s.yaml:1:1: case 1: expected (i32, str), got a mapping");
	yaml_bad("[u8]", "[1, 300]", "case 1", "s.yaml:1:5: case 1 field [1]: 300 is out of range for u8 (0..255)");
	yaml_bad("[u8]", "7", "case 1", "s.yaml:1:1: case 1: expected [u8], got \"7\"");
	yaml_bad("(f64, (bool, i8))", "[1, [true, x]]", NULL, "s.yaml:1:12: field 1.1: expected i8, got \"x\"");
}

static void test_yaml_option(void **state)
{
	(void)state;
	yaml_is("Option<i32>", "null", "null");
	yaml_is("Option<i32>", "~", "null");
	yaml_is("[Option<i32>]", "- 1\n-\n- 2\n", "[1,null,2]"); /* nothing at all */
	yaml_is("Option<i32>", "5", "5");
	yaml_is("Option<str>", "'null'", "\"null\"");
	yaml_is("Option<str>", "\"\"", "\"\"");
	yaml_is("Option<(u8, u8)>", "[1, 2]", "[1,2]");
	yaml_is("[Option<u64>]", "[1, ~, null, 2]", "[\"1\",null,null,\"2\"]");
	yaml_bad("Option<i32>", "abc", "case 1", "s.yaml:1:1: case 1: expected i32, got \"abc\"");
}

static void test_yaml_struct(void **state)
{
	(void)state;
	const char *want = "{\"radius\":3.0,\"center\":[0.0,1.5]}";
	yaml_is("Circle", "{radius: 3, center: [0, 1.5]}", want);
	yaml_is("Circle", "center: [0, 1.5]\nradius: 3\n", want); /* declaration order */
	yaml_is("Bag", "items:\n  - name: a\n    tags: [x, y]\n  - {name: b, tags: []}\nnote: ~\n",
		"{\"items\":[{\"name\":\"a\",\"tags\":[\"x\",\"y\"]},{\"name\":\"b\",\"tags\":[]}],\"note\":null}");
	yaml_is("Option<Bag>", "{items: [], note: hi}", "{\"items\":[],\"note\":\"hi\"}");
	yaml_is("[Circle]", "[{radius: .inf, center: [-0, .nan]}]",
		"[{\"radius\":\"Infinity\",\"center\":[-0.0,\"NaN\"]}]");
}

static void test_yaml_struct_errors(void **state)
{
	(void)state;
	yaml_bad("Circle", "{radius: 3}", "case 3 (same size) argument b",
		 "s.yaml:1:1: case 3 (same size) argument b: missing field 'center'");
	yaml_bad("Circle", "{radus: 3, center: [0, 0]}", "case 1",
		 "s.yaml:1:2: case 1: unknown field 'radus' (Circle has radius, center)");
	yaml_bad("Circle", "{radius: 3, center: [0, abc]}", "case 1",
		 "s.yaml:1:25: case 1 field center.1: expected f64, got \"abc\"");
	yaml_bad("Circle", "{radius: 3, center: [0, abc]}", NULL, "s.yaml:1:25: field center.1: expected f64, got \"abc\"");
	yaml_bad("Circle", "{radius: 3, center: [0, abc]}", "", "s.yaml:1:25: field center.1: expected f64, got \"abc\"");
	yaml_bad("Circle", "[3, [0, 0]]", "case 1", "s.yaml:1:1: case 1: expected Circle, got a list of 2");
	yaml_bad("Bag", "note: x\nitems:\n- {name: a, tags: []}\n- {name: b, tags: []}\n- {name: c, tags: []}\n"
			"- {name: {x: 1}, tags: []}\n",
		 "case 2", "s.yaml:6:10: case 2 field items[3].name: expected str, got a mapping");
	yaml_bad("Bag", "{items: [{name: a, tags: [b, [c]]}], note: ~}", "case 2",
		 "s.yaml:1:30: case 2 field items[0].tags[1]: expected str, got a list of 1");
	yaml_bad("Circle", "{radius: 1, center: [0, 0], x: 1}", "case 1",
		 "s.yaml:1:29: case 1: unknown field 'x' (Circle has radius, center)");
	/* a long scalar is cut in the message */
	yaml_bad("f64", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
		 "s.yaml:1:1: expected f64, got \"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
}

/* ---- wire values ---- */

static void test_wire_every_row(void **state)
{
	(void)state;
	wire_ok("bool", "true", "true");
	wire_ok("i8", "-128", "-128");
	wire_ok("u32", "4294967295", "4294967295");
	wire_ok("i64", "\"-9223372036854775808\"", "\"-9223372036854775808\"");
	wire_ok("i64", "9223372036854775807", "\"9223372036854775807\"");
	wire_ok("i64", "\"9007199254740993\"", "\"9007199254740993\"");
	wire_ok("u64", "\"18446744073709551615\"", "\"18446744073709551615\"");
	wire_ok("u64", "\"-0\"", "\"0\"");
	wire_ok("f64", "5", "5.0");
	wire_ok("f64", "-0.0", "-0.0");
	wire_ok("f64", "1e300", "1.0000000000000001e300");
	wire_ok("f64", "\"NaN\"", "\"NaN\"");
	wire_ok("f64", "\"Infinity\"", "\"Infinity\"");
	wire_ok("f64", "\"-Infinity\"", "\"-Infinity\"");
	wire_ok("f32", "0.1", "0.10000000149011612");
	wire_ok("f32", "0.100000001", "0.10000000149011612");
	wire_ok("str", "\"a\\u0000b\"", "\"a\\u0000b\"");
	wire_ok("str", "\"\\ud83d\\ude00\\u00e9\"", "\"\xf0\x9f\x98\x80\xc3\xa9\"");
	wire_ok("bytes", "\"AP8=\"", "\"AP8=\"");
	wire_ok("bytes", "\"\"", "\"\"");
	wire_ok("(f64, str)", "[1, \"x\"]", "[1.0,\"x\"]");
	wire_ok("[u8]", "[]", "[]");
	wire_ok("Option<u64>", "null", "null");
	wire_ok("Option<u64>", "3", "\"3\"");
	wire_ok("Circle", "{\"center\":[0,1],\"radius\":3}", "{\"radius\":3.0,\"center\":[0.0,1.0]}");
	wire_ok("Bag", "{\"note\":\"n\",\"items\":[{\"tags\":[\"t\"],\"name\":\"\"}]}",
		"{\"items\":[{\"name\":\"\",\"tags\":[\"t\"]}],\"note\":\"n\"}");
	/* U+0000 keeps its place: the canonical string has length 3 */
	json_t *v = load("\"a\\u0000b\""), *c = pg_wire_canonical(ty("str"), v);
	assert_int_equal(json_string_length(c), 3);
	json_decref(v);
	json_decref(c);
}

static void test_wire_errors(void **state)
{
	(void)state;
	wire_bad("f64", "\"x\"", "expected f64, got \"x\"");
	wire_bad("f64", "true", "expected f64, got true");
	wire_bad("f64", "\"nan\"", "expected f64, got \"nan\"");
	wire_bad("f64", "null", "expected f64, got null");
	wire_bad("bool", "0", "expected bool, got 0");
	wire_bad("i32", "\"5\"", "expected i32, got \"5\"");
	wire_bad("i32", "1.0", "expected i32, got 1.0");
	wire_bad("u8", "300", "300 is out of range for u8 (0..255)");
	wire_bad("i8", "-129", "-129 is out of range for i8 (-128..127)");
	wire_bad("u64", "-1", "-1 is out of range for u64 (0..18446744073709551615)");
	wire_bad("u64", "\"18446744073709551616\"",
		 "\"18446744073709551616\" is out of range for u64 (0..18446744073709551615)");
	wire_bad("i64", "\"1.5\"", "expected i64, got \"1.5\"");
	wire_bad("i64", "\"+1\"", "expected i64, got \"+1\"");
	wire_bad("i64", "\"0x10\"", "expected i64, got \"0x10\"");
	wire_bad("i64", "\"1\\u00002\"", "expected i64, got \"1\\u00002\"");
	wire_bad("f32", "1e39", "9.9999999999999994e38 is out of range for f32");
	wire_bad("str", "5", "expected str, got 5");
	wire_bad("bytes", "\"AAE\"", "expected bytes, got \"AAE\"");
	wire_bad("bytes", "\"AB==\"", "expected bytes, got \"AB==\"");
	wire_bad("bytes", "\"AP8\"", "expected bytes, got \"AP8\"");
	wire_bad("[bytes]", "[\"AA==\", \"@\"]", "field [1]: expected bytes, got \"@\"");
	wire_bad("(f64, f64)", "[1]", "expected (f64, f64), got [1]");
	wire_bad("(f64, f64)", "[1, 2, 3]", "expected (f64, f64), got [1,2,3]");
	wire_bad("Circle", "{\"radius\":\"x\",\"center\":[0,0]}", "field radius: expected f64, got \"x\"");
	wire_bad("Circle", "{\"radius\":1,\"center\":[0,\"x\"]}", "field center.1: expected f64, got \"x\"");
	wire_bad("Circle", "{\"radius\":1}", "missing field 'center'");
	wire_bad("Circle", "{\"radius\":1,\"center\":[0,0],\"r\":2}", "unknown field 'r' (Circle has radius, center)");
	wire_bad("Circle", "[1, [0, 0]]", "expected Circle, got [1,[0,0]]");
	wire_bad("Bag", "{\"items\":[{\"name\":\"a\",\"tags\":[]},{\"name\":2,\"tags\":[]}],\"note\":null}",
		 "field items[1].name: expected str, got 2");
	wire_bad("Option<Circle>", "{\"radius\":1,\"center\":{}}", "field center: expected (f64, f64), got {}");
	wire_bad("[str]", "[\"0123456789012345678901234567890123456789012345678901234567890123456789\", 1]",
		 "field [1]: expected str, got 1");
	wire_bad("str", "[\"0123456789012345678901234567890123456789012345678901234567890123456789\"]",
		 "expected str, got [\"0123456789012345678901234567890123456789012345678901234...");
}

static void test_wire_default(void **state)
{
	(void)state;
	json_t *v = pg_wire_default(ty("(bool, i8, i64, u64, f32, f64, str, bytes, [u8], Option<str>)"));
	assert_json(v, "[false,0,\"0\",\"0\",0.0,0.0,\"\",\"\",[],null]");
	json_decref(v);
	v = pg_wire_default(ty("Bag"));
	assert_json(v, "{\"items\":[],\"note\":null}");
	json_decref(v);
	v = pg_wire_default(ty("Circle"));
	assert_json(v, "{\"radius\":0.0,\"center\":[0.0,0.0]}");
	assert_int_equal(pg_wire_check(ty("Circle"), v), 0);
	json_decref(v);
}

static void test_wire_text(void **state)
{
	(void)state;
	json_t *v = load("{\"a\":[1,2],\"b\":\"x\"}");
	char *s = pg_wire_text(v, 60);
	assert_string_equal(s, "{\"a\":[1,2],\"b\":\"x\"}");
	free(s);
	s = pg_wire_text(v, 10);
	assert_string_equal(s, "{\"a\":[1...");
	free(s);
	json_decref(v);
	v = load("\"\\u00e9\\u00e9\\u00e9\"");   /* "ééé": 8 bytes with the quotes */
	s = pg_wire_text(v, 7);                 /* never half a character */
	assert_string_equal(s, "\"\xc3\xa9...");
	free(s);
	json_decref(v);
	s = pg_wire_text(NULL, 10);
	assert_string_equal(s, "(none)");
	free(s);
}

static void test_equal_ints(void **state)
{
	(void)state;
	assert_true(eq("i64", "\"5\"", "5", NULL));
	assert_true(eq("i64", "\"-0\"", "0", NULL));
	assert_true(eq("u64", "\"18446744073709551615\"", "\"18446744073709551615\"", NULL));
	assert_false(eq("i64", "\"9007199254740993\"", "\"9007199254740992\"", NULL));
	assert_false(eq("i64", "\"9007199254740993\"", "9007199254740992", NULL));
	assert_true(eq("i32", "7", "7", NULL));
	assert_false(eq("i32", "7", "8", NULL));
	assert_false(eq("i32", "7", "\"7\"", NULL)); /* not a wire i32 */
}

static void test_equal_floats_exact(void **state)
{
	(void)state;
	assert_true(eq("f64", "-0.0", "0.0", NULL));
	assert_true(eq("f64", "\"NaN\"", "\"NaN\"", NULL));
	assert_true(eq("f64", "\"Infinity\"", "\"Infinity\"", NULL));
	assert_false(eq("f64", "\"Infinity\"", "\"-Infinity\"", NULL));
	assert_false(eq("f64", "\"NaN\"", "0.0", NULL));
	assert_true(eq("f64", "1", "1.0", NULL));
	assert_false(eq("f64", "0.1", "0.10000000000000002", NULL));
	assert_true(eq("f32", "0.1", "0.10000000149011612", NULL));
	assert_true(eq("f32", "0.1", "0.100000001", NULL));
	assert_false(eq("f32", "0.1", "0.1000001", NULL));
}

static void test_equal_tolerance(void **state)
{
	(void)state;
	pg_tolerance abs = { 0.1, 0 }, tight = { 0.01, 0 }, rel = { 0, 1e-9 }, huge = { 1e308, 1 };
	assert_true(eq("f64", "1.0", "1.05", &abs));
	assert_true(eq("f64", "-1.0", "-1.0625", &abs));
	assert_false(eq("f64", "1.0", "1.05", &tight));
	assert_true(eq("f64", "1e10", "10000000001", &rel));
	assert_false(eq("f64", "1e10", "10000000100", &rel));
	assert_false(eq("f64", "1e-20", "2e-20", &rel));
	assert_true(eq("f64", "1e-20", "2e-20", &tight));
	assert_false(eq("f64", "\"NaN\"", "1.0", &huge));
	assert_true(eq("f64", "\"NaN\"", "\"NaN\"", &huge));
	assert_false(eq("f64", "\"Infinity\"", "1e308", &huge));
	assert_true(eq("f64", "\"-Infinity\"", "\"-Infinity\"", &tight));
	assert_true(eq("f64", "-0.0", "0.0", &tight));
	assert_true(eq("Circle", "{\"radius\":1,\"center\":[0,2]}", "{\"center\":[0.05,2],\"radius\":0.99}", &abs));
	assert_false(eq("Circle", "{\"radius\":1,\"center\":[0,2]}", "{\"center\":[0.5,2],\"radius\":1}", &abs));
	assert_true(eq("[Option<f32>]", "[null,1]", "[null,1.05]", &abs));
	assert_false(eq("[Option<f32>]", "[null,1]", "[1,1]", &abs));
}

static void test_equal_composite(void **state)
{
	(void)state;
	assert_true(eq("str", "\"a\\u0000b\"", "\"a\\u0000b\"", NULL));
	assert_false(eq("str", "\"a\\u0000b\"", "\"a\\u0000c\"", NULL));
	assert_false(eq("str", "\"a\"", "\"a\\u0000\"", NULL));
	assert_true(eq("str", "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"", NULL));
	assert_true(eq("bytes", "\"AP8=\"", "\"AP8=\"", NULL));
	assert_false(eq("bytes", "\"AP8=\"", "\"AP8A\"", NULL));
	assert_true(eq("[u8]", "[1,2]", "[1,2]", NULL));
	assert_false(eq("[u8]", "[1,2]", "[1,2,3]", NULL));
	assert_true(eq("Option<u64>", "null", "null", NULL));
	assert_false(eq("Option<u64>", "null", "\"0\"", NULL));
	assert_true(eq("Option<u64>", "5", "\"5\"", NULL));
	assert_true(eq("Bag", "{\"items\":[],\"note\":null}", "{\"note\":null,\"items\":[]}", NULL));
	assert_false(eq("Bag", "{\"items\":[],\"note\":null}", "{\"note\":\"\",\"items\":[]}", NULL));
	assert_false(eq("bool", "true", "false", NULL));
}

/* ---- random numbers ---- */

/* The stream is BLAKE2b(seed) rekeyed per 512-byte block with
 * BLAKE2b(seed || counter LE64), read as little-endian u64s. */
static void test_rng_construction(void **state)
{
	(void)state;
	pg_rng r;
	unsigned char seed[32], in[40], key[32], block[512];
	pg_rng_init(&r, "pg", 2);
	crypto_generichash(seed, 32, (const unsigned char *)"pg", 2, NULL, 0);
	for (uint64_t counter = 0; counter < 3; counter++) {
		memcpy(in, seed, 32);
		for (int i = 0; i < 8; i++)
			in[32 + i] = (unsigned char)(counter >> (8 * i));
		crypto_generichash(key, 32, in, 40, NULL, 0);
		randombytes_buf_deterministic(block, sizeof(block), key);
		for (size_t k = 0; k < 64; k++) {
			uint64_t want = 0;
			for (int i = 7; i >= 0; i--)
				want = want << 8 | block[8 * k + i];
			assert_true(pg_rng_u64(&r) == want);
		}
	}
}

static void test_rng_ranges(void **state)
{
	(void)state;
	pg_rng a, b;
	pg_rng_init(&a, "seed", 4);
	pg_rng_init(&b, "seed", 4);
	for (int i = 0; i < 1000; i++)
		assert_true(pg_rng_u64(&a) == pg_rng_u64(&b));
	pg_rng_init(&b, "seee", 4);
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += pg_rng_u64(&a) == pg_rng_u64(&b);
	assert_int_equal(same, 0);
	/* below(3): each of 30000 draws lands in 0..2, about a third each (6 sigma = 490) */
	size_t count[3] = { 0 };
	for (int i = 0; i < 30000; i++) {
		uint64_t x = pg_rng_below(&a, 3);
		assert_true(x < 3);
		count[x]++;
	}
	for (int i = 0; i < 3; i++)
		assert_true(count[i] > 10000 - 490 && count[i] < 10000 + 490);
	assert_true(pg_rng_below(&a, 1) == 0);
	uint64_t big = (UINT64_MAX / 3) * 2, hi = 0;
	double lo = 1, top = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t x = pg_rng_below(&a, big);
		assert_true(x < big);
		hi = x > hi ? x : hi;
		double u = pg_rng_unit(&a);
		assert_true(u >= 0 && u < 1);
		lo = u < lo ? u : lo;
		top = u > top ? u : top;
	}
	assert_true(hi > big / 2);
	assert_true(lo < 0.01 && top > 0.99);
}

/* ---- generators ---- */

static void test_gen_deterministic(void **state)
{
	(void)state;
	pg_gen *g = gen("(Bag, Circle, i64, bytes, Option<f32>)", NULL);
	pg_rng r;
	char *first[100];
	pg_rng_init(&r, "one", 3);
	for (int i = 0; i < 100; i++) {
		json_t *v = pg_gen_value(g, &r);
		assert_int_equal(pg_wire_check(ty("(Bag, Circle, i64, bytes, Option<f32>)"), v), 0);
		json_t *c = pg_wire_canonical(ty("(Bag, Circle, i64, bytes, Option<f32>)"), v);
		assert_true(json_equal(c, v));
		json_decref(c);
		first[i] = dump(v);
		json_decref(v);
	}
	pg_rng_init(&r, "one", 3);
	for (int i = 0; i < 100; i++) {
		json_t *v = pg_gen_value(g, &r);
		assert_json(v, first[i]);
		json_decref(v);
	}
	pg_rng_init(&r, "two", 3);
	int same = 0;
	for (int i = 0; i < 100; i++) {
		json_t *v = pg_gen_value(g, &r);
		char *s = dump(v);
		same += !strcmp(s, first[i]);
		free(s);
		json_decref(v);
		free(first[i]);
	}
	assert_int_equal(same, 0);
	pg_gen_free(g);
}

/* n draws of g: every value an integer in [lo, hi], each of them seen when
 * the range is small. */
static void ints_within(const char *type, const char *text, int64_t lo, int64_t hi)
{
	pg_gen *g = gen(type, text);
	pg_rng r;
	static int seen[2048];
	memset(seen, 0, sizeof(seen));
	pg_rng_init(&r, text ? text : type, strlen(text ? text : type));
	for (int i = 0; i < 10000; i++) {
		json_t *v = pg_gen_value(g, &r);
		int64_t x = json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : json_integer_value(v);
		assert_true(x >= lo && x <= hi);
		if (hi - lo < 2048)
			seen[x - lo] = 1;
		json_decref(v);
	}
	for (int64_t x = lo; hi - lo < 2048 && x <= hi; x += (hi - lo < 100 ? 1 : (hi - lo) / 50))
		assert_true(seen[x - lo]);
	pg_gen_free(g);
}

static void test_gen_int_bounds(void **state)
{
	(void)state;
	ints_within("i8", "{min: -3, max: 4}", -3, 4);
	ints_within("i8", NULL, -128, 127);
	ints_within("u8", NULL, 0, 255);
	ints_within("i32", NULL, -1000, 1000);
	ints_within("u64", NULL, 0, 1000);
	ints_within("i64", "{min: -9223372036854775808, max: -9223372036854775800}", INT64_MIN, INT64_MIN + 8);
	ints_within("u16", "{max: 3}", 0, 3);
	ints_within("i64", "{min: 5, max: 5}", 5, 5);
	/* the full u64 range: both halves reached, values exact */
	pg_gen *g = gen("u64", "{min: 0, max: 18446744073709551615}");
	pg_rng r;
	int high = 0;
	pg_rng_init(&r, "u64", 3);
	for (int i = 0; i < 1000; i++) {
		json_t *v = pg_gen_value(g, &r);
		high += strtoull(json_string_value(v), NULL, 10) >= (UINT64_C(1) << 63);
		assert_int_equal(pg_wire_check(ty("u64"), v), 0);
		json_decref(v);
	}
	assert_true(high > 400 && high < 600);
	pg_gen_free(g);
}

static void test_gen_floats(void **state)
{
	(void)state;
	pg_rng r;
	pg_rng_init(&r, "f", 1);
	pg_gen *g = gen("f64", "{min: -5, max: 5, step: 1}");
	int seen[11] = { 0 };
	for (int i = 0; i < 10000; i++) {
		json_t *v = pg_gen_value(g, &r);
		double x = num(v);
		assert_true(x == floor(x) && x >= -5 && x <= 5);
		seen[(int)x + 5]++;
		json_decref(v);
	}
	for (int i = 0; i < 11; i++)
		assert_true(seen[i] > 0);
	pg_gen_free(g);
	g = gen("f64", "{min: 0, max: 10, step: 0.75}"); /* grid 0, 0.75, ... 9.75 */
	for (int i = 0; i < 10000; i++) {
		json_t *v = pg_gen_value(g, &r);
		double x = num(v), k = x / 0.75;
		assert_true(k == floor(k) && x >= 0 && x <= 9.75);
		json_decref(v);
	}
	pg_gen_free(g);
	g = gen("f32", "{min: 0.5, max: 0.75}");
	double lo = 1, hi = 0;
	for (int i = 0; i < 10000; i++) {
		json_t *v = pg_gen_value(g, &r);
		double x = num(v);
		assert_true(x >= 0.5 && x <= 0.75 && x == (double)(float)x);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		json_decref(v);
	}
	assert_true(lo < 0.501 && hi > 0.749);
	pg_gen_free(g);
	g = gen("f64", NULL);
	for (int i = 0; i < 1000; i++) {
		json_t *v = pg_gen_value(g, &r);
		assert_true(fabs(num(v)) <= 1000);
		json_decref(v);
	}
	pg_gen_free(g);
}

/* The characters of UTF-8 s: how many, and whether each is in set. */
static size_t chars_in(const char *s, size_t len, const char *set)
{
	size_t n = 0;
	for (size_t i = 0, w; i < len; i += w, n++) {
		unsigned char b = (unsigned char)s[i];
		w = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
		char ch[5] = { 0 };
		memcpy(ch, s + i, w);
		if (!strstr(set, ch))
			fail_msg("'%s' not in '%s'", ch, set);
	}
	return n;
}

static void test_gen_str(void **state)
{
	(void)state;
	pg_rng r;
	pg_rng_init(&r, "s", 1);
	const char *set = "ab\xf0\x9f\x98\x80";
	pg_gen *g = gen("str", "{len: [2, 4], chars: \"ab\\U0001F600a\"}");
	int seen[5] = { 0 }, astral = 0;
	for (int i = 0; i < 10000; i++) {
		json_t *v = pg_gen_value(g, &r);
		size_t n = chars_in(json_string_value(v), json_string_length(v), set);
		assert_true(n >= 2 && n <= 4);
		seen[n]++;
		astral += strstr(json_string_value(v), "\xf0\x9f\x98\x80") != NULL;
		json_decref(v);
	}
	assert_true(seen[2] && seen[3] && seen[4] && astral > 5000);
	pg_gen_free(g);
	g = gen("str", NULL);
	for (int i = 0; i < 2000; i++) {
		json_t *v = pg_gen_value(g, &r);
		assert_true(chars_in(json_string_value(v), json_string_length(v),
				     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
				     "\xc3\xa9\xc3\x9f\xe2\x82\xac\xe4\xb8\xad\xf0\x9f\x98\x80") <= 16);
		json_decref(v);
	}
	pg_gen_free(g);
	g = gen("str", "{len: 3, chars: x}");
	json_t *v = pg_gen_value(g, &r);
	assert_json(v, "\"xxx\"");
	json_decref(v);
	pg_gen_free(g);
}

static void test_gen_bytes_arrays(void **state)
{
	(void)state;
	pg_rng r;
	pg_rng_init(&r, "b", 1);
	pg_gen *g = gen("(bytes, [u8], [bool])", "[{len: [3, 3]}, {len: [1, 2], of: {min: 7, max: 8}}, {len: 0}]");
	int seen[256] = { 0 };
	for (int i = 0; i < 1000; i++) {
		json_t *v = pg_gen_value(g, &r);
		const char *b64 = json_string_value(json_array_get(v, 0));
		unsigned char bin[4];
		size_t n;
		assert_int_equal(sodium_base642bin(bin, 4, b64, strlen(b64), NULL, &n, NULL,
						   sodium_base64_VARIANT_ORIGINAL), 0);
		assert_int_equal(n, 3);
		seen[bin[0]] = 1;
		json_t *a = json_array_get(v, 1);
		assert_true(json_array_size(a) >= 1 && json_array_size(a) <= 2);
		for (size_t k = 0; k < json_array_size(a); k++)
			assert_true(num(json_array_get(a, k)) == 7 || num(json_array_get(a, k)) == 8);
		assert_int_equal(json_array_size(json_array_get(v, 2)), 0);
		json_decref(v);
	}
	int distinct = 0;
	for (int i = 0; i < 256; i++)
		distinct += seen[i];
	assert_true(distinct > 240);
	pg_gen_free(g);
}

/* The share of None in 10000 draws is within 6 sigma of p. */
static void none_ratio(const char *text, double p)
{
	pg_gen *g = gen("Option<i32>", text);
	pg_rng r;
	pg_rng_init(&r, text, strlen(text));
	int none = 0, n = 10000;
	for (int i = 0; i < n; i++) {
		json_t *v = pg_gen_value(g, &r);
		none += json_is_null(v);
		if (!json_is_null(v))
			assert_true(num(v) == 7 || strstr(text, "of: 7") == NULL);
		json_decref(v);
	}
	double sigma = sqrt(n * p * (1 - p)), dev = fabs(none - n * p);
	if (dev > 6 * sigma + 0.5)
		fail_msg("%s: %d of %d None", text, none, n);
	pg_gen_free(g);
}

static void test_gen_option(void **state)
{
	(void)state;
	none_ratio("{none: 0.25, of: 7}", 0.25);
	none_ratio("{none: 0, of: 7}", 0);
	none_ratio("{none: 1}", 1);
	none_ratio("{of: {min: 0, max: 9}}", 0.1);
	none_ratio("{min: 0, max: 9}", 0.1); /* the inner generator itself */
}

static void test_gen_constants(void **state)
{
	(void)state;
	pg_rng r;
	pg_rng_init(&r, "c", 1);
	static const struct { const char *type, *gen, *want; } cases[] = {
		{ "i32", "7", "7" },
		{ "u64", "{const: 18446744073709551615}", "\"18446744073709551615\"" },
		{ "f64", ".nan", "\"NaN\"" },
		{ "str", "'hello'", "\"hello\"" },
		{ "bytes", "{hex: 00ff}", "\"AP8=\"" },
		{ "[u8]", "[1, 2]", "[1,2]" },
		{ "Option<i32>", "~", "null" },
		{ "Option<i32>", "3", "3" },
		{ "Circle", "{const: {radius: 1, center: [0, 2]}}", "{\"radius\":1.0,\"center\":[0.0,2.0]}" },
		{ "Circle", "{radius: 2, center: [1, {const: 3}]}", "{\"radius\":2.0,\"center\":[1.0,3.0]}" },
		{ "bool", "{const: true}", "true" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		pg_gen *g = gen(cases[i].type, cases[i].gen);
		for (int k = 0; k < 20; k++) {
			json_t *v = pg_gen_value(g, &r), *out[4];
			assert_json(v, cases[i].want);
			assert_int_equal(pg_gen_shrink(g, v, out, 4), 0);
			json_decref(v);
		}
		pg_gen_free(g);
	}
	/* fields left out take defaults */
	pg_gen *g = gen("Circle", "{radius: 2}");
	int differ = 0;
	for (int k = 0; k < 20; k++) {
		json_t *v = pg_gen_value(g, &r);
		assert_true(num(json_object_get(v, "radius")) == 2);
		differ += num(json_array_get(json_object_get(v, "center"), 0)) != 0;
		json_decref(v);
	}
	assert_true(differ > 15);
	pg_gen_free(g);
}

/* A generator that gives some parts leaves the rest to defaults. */
static void test_gen_nested_defaults(void **state)
{
	(void)state;
	pg_gen *g = gen("Bag", "{items: {len: [2, 2], of: {tags: {len: 1, of: {chars: z, len: 1}}}}}");
	pg_rng r;
	pg_rng_init(&r, "nest", 4);
	int none = 0;
	for (int i = 0; i < 1000; i++) {
		json_t *v = pg_gen_value(g, &r), *items = json_object_get(v, "items");
		assert_int_equal(pg_wire_check(ty("Bag"), v), 0);
		assert_int_equal(json_array_size(items), 2);
		for (size_t k = 0; k < 2; k++) {
			json_t *it = json_array_get(items, k);
			assert_json(json_object_get(it, "tags"), "[\"z\"]");
			assert_true(json_string_length(json_object_get(it, "name")) <= 4 * 16);
		}
		none += json_is_null(json_object_get(v, "note"));
		json_decref(v);
	}
	assert_true(none > 40 && none < 180); /* default 0.1: 100 +- 6 sigma (57) */
	pg_gen_free(g);
}

static void test_gen_errors(void **state)
{
	(void)state;
	gen_bad("i32", "{min: 5, max: 3}", "g.yaml:1:7: case 1: min 5 is greater than max 3");
	gen_bad("i32", "{min: 2000}", "g.yaml:1:7: case 1: min 2000 is greater than max 1000 (the default)");
	gen_bad("u8", "{min: 0, max: 300}", "g.yaml:1:15: case 1: 300 is out of range for u8 (0..255)");
	gen_bad("i32", "{mn: 1}", "g.yaml:1:2: case 1: unknown key 'mn' (allowed: min, max, const)");
	gen_bad("f64", "{min: 0, max: 1, stp: 1}",
		"g.yaml:1:18: case 1: unknown key 'stp' (allowed: min, max, step, const)");
	gen_bad("f64", "{step: 0}", "g.yaml:1:8: case 1: step must be positive, got 0");
	gen_bad("f64", "{step: -1}", "g.yaml:1:8: case 1: step must be positive, got -1");
	gen_bad("f64", "{min: 0, max: 1e300, step: 1e-300}",
		"g.yaml:1:28: case 1: step 1e-300 is too small for [0, 1.0000000000000001e+300]");
	gen_bad("f64", "{min: .inf}", "g.yaml:1:7: case 1: min must be finite");
	gen_bad("f64", "{max: -2000}", "g.yaml:1:1: case 1: min -1000 (the default) is greater than max -2000");
	gen_bad("f32", "{max: 1e39}", "g.yaml:1:7: case 1: 1e39 is out of range for f32");
	gen_bad("str", "{len: [3, 2]}", "g.yaml:1:7: case 1: len must be [lo, hi] with 0 <= lo <= hi <= 10000");
	gen_bad("str", "{len: [0, 10001]}", "g.yaml:1:7: case 1: len must be [lo, hi] with 0 <= lo <= hi <= 10000");
	gen_bad("[u8]", "{len: [-1, 2]}", "g.yaml:1:7: case 1: len must be [lo, hi] with 0 <= lo <= hi <= 10000");
	gen_bad("str", "{chars: ''}", "g.yaml:1:9: case 1: chars must be non-empty UTF-8 text");
	gen_bad("str", "{chars: abc, size: 3}", "g.yaml:1:14: case 1: unknown key 'size' (allowed: len, chars, const)");
	gen_bad("Option<i32>", "{none: 1.5}", "g.yaml:1:8: case 1: none must be a number from 0 to 1");
	gen_bad("Option<i32>", "{none: .5, off: 1}", "g.yaml:1:12: case 1: unknown key 'off' (allowed: none, of, const)");
	gen_bad("bool", "{p: 1}", "g.yaml:1:2: case 1: unknown key 'p' (allowed: const)");
	gen_bad("Circle", "{radus: 1}", "g.yaml:1:2: case 1: unknown field 'radus' (Circle has radius, center)");
	gen_bad("Circle", "{center: [{min: 1, max: 0}, 0]}", "g.yaml:1:17: case 1 field center.0: min 1 is greater than max 0");
	gen_bad("Circle", "{center: [0]}", "g.yaml:1:10: case 1 field center: expected (f64, f64), got a list of 1");
	gen_bad("Bag", "{items: {of: {name: {len: [2, 1]}}}}",
		"g.yaml:1:27: case 1 field items[].name: len must be [lo, hi] with 0 <= lo <= hi <= 10000");
	gen_bad("i32", "{const: 1, min: 2}", "g.yaml:1:1: case 1: const takes no other keys");
	gen_bad("i32", "[1]", "g.yaml:1:1: case 1: expected i32, got a list of 1");
	gen_bad("u8", "256", "g.yaml:1:1: case 1: 256 is out of range for u8 (0..255)");
}

/* ---- shrinking ---- */

static void test_shrink_ints(void **state)
{
	(void)state;
	shrinks_are("i32", NULL, "100", "[0,50,99]");
	shrinks_are("i32", NULL, "-7", "[0,-4,-6]");
	shrinks_are("i32", NULL, "2", "[0,1]");
	shrinks_are("i32", NULL, "1", "[0]");
	shrinks_are("i32", NULL, "0", "[]");
	shrinks_are("i32", "{min: 10, max: 100}", "50", "[10,30,49]");
	shrinks_are("i32", "{min: -100, max: -10}", "-50", "[-10,-30,-49]");
	shrinks_are("u8", NULL, "255", "[0,128,254]");
	shrinks_are("i64", "{min: -9223372036854775808, max: 9223372036854775807}", "\"-9223372036854775808\"",
		    "[\"0\",\"-4611686018427387904\",\"-9223372036854775807\"]");
	shrinks_are("u64", "{min: 0, max: 18446744073709551615}", "\"18446744073709551615\"",
		    "[\"0\",\"9223372036854775808\",\"18446744073709551614\"]");
	shrinks_are("i64", NULL, "5", "[\"0\",\"3\",\"4\"]"); /* a JSON integer is accepted */
	shrinks_are("bool", NULL, "true", "[false]");
	shrinks_are("bool", NULL, "false", "[]");
}

static void test_shrink_floats(void **state)
{
	(void)state;
	shrinks_are("f64", NULL, "7.5", "[0.0,7.0,3.75]");
	shrinks_are("f64", NULL, "-2.5", "[0.0,-2.0,-1.25]");
	shrinks_are("f64", NULL, "0.5", "[0.0,0.25]");
	shrinks_are("f64", NULL, "8", "[0.0,4.0]");
	shrinks_are("f64", NULL, "-0.0", "[]");
	shrinks_are("f64", "{min: 2.5, max: 10}", "3.5", "[2.5,3.0]");
	shrinks_are("f64", "{min: -10, max: -2.5}", "-9.5", "[-2.5,-9.0,-6.0]");
	shrinks_are("f64", "{min: -5, max: 5, step: 1}", "4", "[0.0,2.0]");
	shrinks_are("f64", "{min: -5, max: 5, step: 1}", "-5", "[0.0,-3.0]");
	shrinks_are("f64", "{min: 0, max: 10, step: 0.5}", "7.5", "[0.0,7.0,4.0]");
	shrinks_are("f64", "{min: -4.5, max: 4.5, step: 2}", "3.5", "[-0.5,1.5]"); /* grid -4.5 -2.5 -0.5 1.5 3.5 */
	shrinks_are("f32", NULL, "0.30000001192092896", "[0.0,0.15000000596046448]");
	shrinks_are("f64", NULL, "\"NaN\"", "[0.0]");
	shrinks_are("f64", NULL, "\"-Infinity\"", "[0.0]");
}

static void test_shrink_sequences(void **state)
{
	(void)state;
	shrinks_are("str", "{len: [1, 5], chars: abc}", "\"abcab\"",
		    "[\"a\",\"ab\",\"bcab\",\"acab\",\"abab\",\"abcb\",\"abca\"]");
	shrinks_are("str", "{len: [1, 5], chars: abc}", "\"c\"", "[]");
	shrinks_are("str", NULL, "\"a\xf0\x9f\x98\x80" "b\"",
		    "[\"\",\"a\",\"\xf0\x9f\x98\x80" "b\",\"ab\",\"a\xf0\x9f\x98\x80\"]");
	shrinks_are("str", NULL, "\"aa\"", "[\"\",\"a\"]");
	shrinks_are("bytes", NULL, "\"AAEC\"", "[\"\",\"AA==\",\"AQI=\",\"AAI=\",\"AAE=\"]");
	shrinks_are("bytes", "{len: [2, 3]}", "\"AAEC\"", "[\"AAE=\",\"AQI=\",\"AAI=\"]");
	shrinks_are("[u8]", NULL, "[3, 5]", "[[],[3],[5],[0,5],[2,5],[3,0],[3,3],[3,4]]");
	shrinks_are("[u8]", "{len: [2, 2]}", "[1, 0]", "[[0,0]]");
	shrinks_are("[str]", "{of: x}", "[\"x\", \"x\"]", "[[],[\"x\"]]");
}

static void test_shrink_option_struct(void **state)
{
	(void)state;
	shrinks_are("Option<i32>", "{none: 0.5}", "6", "[null,0,3,5]");
	shrinks_are("Option<i32>", "{none: 0}", "6", "[0,3,5]");
	shrinks_are("Option<i32>", NULL, "null", "[]");
	shrinks_are("Circle", NULL, "{\"radius\":4.0,\"center\":[1.5,0.0]}",
		    "[{\"radius\":0.0,\"center\":[1.5,0.0]},{\"radius\":2.0,\"center\":[1.5,0.0]},"
		    "{\"radius\":4.0,\"center\":[0.0,0.0]},{\"radius\":4.0,\"center\":[1.0,0.0]},"
		    "{\"radius\":4.0,\"center\":[0.75,0.0]}]");
	shrinks_are("Circle", "{radius: 4, center: [{min: 1, max: 2}, 0]}", "{\"radius\":4.0,\"center\":[1.5,0.0]}",
		    "[{\"radius\":4.0,\"center\":[1.0,0.0]},{\"radius\":4.0,\"center\":[1.25,0.0]}]");
	shrinks_are("(bool, u8)", NULL, "[true, 2]", "[[false,2],[true,0],[true,1]]");
	/* room is shared: with 2 places, each member gets one */
	pg_gen *g = gen("(u8, u8)", NULL);
	json_t *v = load("[9, 9]"), *out[2];
	assert_int_equal(pg_gen_shrink(g, v, out, 2), 2);
	assert_json(out[0], "[0,9]");
	assert_json(out[1], "[9,0]");
	json_decref(out[0]);
	json_decref(out[1]);
	assert_int_equal(pg_gen_shrink(g, v, out, 0), 0);
	json_decref(v);
	pg_gen_free(g);
}

/* Every candidate for random values is a value g could make: within its
 * bounds, on its grid, its constants kept, never v itself. */
static void test_shrink_stays_in_bounds(void **state)
{
	(void)state;
	const pg_type *t = ty("(Circle, [str], Option<i8>)");
	pg_gen *g = gen("(Circle, [str], Option<i8>)",
			"[{radius: {min: 1, max: 10, step: 0.5}, center: [{min: -5, max: 5}, 3]},"
			" {len: [1, 4], of: {len: [2, 5], chars: xyz}}, {none: 0, of: {min: 3, max: 9}}]");
	pg_rng r;
	pg_rng_init(&r, "bounds", 6);
	for (int i = 0; i < 300; i++) {
		json_t *v = pg_gen_value(g, &r), *out[64];
		size_t n = pg_gen_shrink(g, v, out, 64);
		for (size_t k = 0; k < n; k++) {
			json_t *c = out[k];
			assert_int_equal(pg_wire_check(t, c), 0);
			assert_false(pg_wire_equal(t, c, v, NULL));
			json_t *circle = json_array_get(c, 0), *center = json_object_get(circle, "center");
			double rad = num(json_object_get(circle, "radius")), x = num(json_array_get(center, 0));
			assert_true(rad >= 1 && rad <= 10 && rad * 2 == floor(rad * 2));
			assert_true(x >= -5 && x <= 5 && num(json_array_get(center, 1)) == 3);
			json_t *strs = json_array_get(c, 1);
			assert_true(json_array_size(strs) >= 1 && json_array_size(strs) <= 4);
			for (size_t j = 0; j < json_array_size(strs); j++) {
				json_t *s = json_array_get(strs, j);
				size_t len = chars_in(json_string_value(s), json_string_length(s), "xyz");
				assert_true(len >= 2 && len <= 5);
			}
			double o = num(json_array_get(c, 2));
			assert_true(o >= 3 && o <= 9);
			json_decref(c);
		}
		json_decref(v);
	}
	pg_gen_free(g);
}

/* Taking a candidate that "still fails" over and over ends, whichever
 * candidate is taken. */
static void test_shrink_terminates(void **state)
{
	(void)state;
	static const char *const types[] = { "Bag", "Circle", "(str, bytes, Option<[i64]>)", "[f32]", "u64" };
	pg_rng r;
	pg_rng_init(&r, "end", 3);
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		pg_gen *g = gen(types[i], NULL);
		for (int pick = 0; pick < 3; pick++) { /* first, last, random */
			for (int round = 0; round < 10; round++) {
				json_t *v = pg_gen_value(g, &r), *out[16];
				size_t steps = 0, n;
				while ((n = pg_gen_shrink(g, v, out, 16)) > 0) {
					size_t k = pick == 0 ? 0 : pick == 1 ? n - 1 : (size_t)pg_rng_below(&r, n);
					json_decref(v);
					v = out[k];
					for (size_t j = 0; j < n; j++)
						if (j != k)
							json_decref(out[j]);
					if (++steps > 20000)
						fail_msg("%s: no end after %zu steps", types[i], steps);
				}
				json_t *d = pg_wire_default(ty(types[i]));
				if (pick == 0) /* the first candidates lead to the plain value */
					assert_true(pg_wire_equal(ty(types[i]), v, d, NULL));
				json_decref(d);
				json_decref(v);
			}
		}
		pg_gen_free(g);
	}
}

int main(void)
{
	if (pg_crypto_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_bool),
		cmocka_unit_test(test_yaml_small_ints),
		cmocka_unit_test(test_yaml_int_errors),
		cmocka_unit_test(test_yaml_wide_ints),
		cmocka_unit_test(test_yaml_floats),
		cmocka_unit_test(test_yaml_f32),
		cmocka_unit_test(test_yaml_str),
		cmocka_unit_test(test_yaml_bytes),
		cmocka_unit_test(test_bytes_every_value),
		cmocka_unit_test(test_yaml_tuples_arrays),
		cmocka_unit_test(test_yaml_option),
		cmocka_unit_test(test_yaml_struct),
		cmocka_unit_test(test_yaml_struct_errors),
		cmocka_unit_test(test_wire_every_row),
		cmocka_unit_test(test_wire_errors),
		cmocka_unit_test(test_wire_default),
		cmocka_unit_test(test_wire_text),
		cmocka_unit_test(test_equal_ints),
		cmocka_unit_test(test_equal_floats_exact),
		cmocka_unit_test(test_equal_tolerance),
		cmocka_unit_test(test_equal_composite),
		cmocka_unit_test(test_rng_construction),
		cmocka_unit_test(test_rng_ranges),
		cmocka_unit_test(test_gen_deterministic),
		cmocka_unit_test(test_gen_int_bounds),
		cmocka_unit_test(test_gen_floats),
		cmocka_unit_test(test_gen_str),
		cmocka_unit_test(test_gen_bytes_arrays),
		cmocka_unit_test(test_gen_option),
		cmocka_unit_test(test_gen_constants),
		cmocka_unit_test(test_gen_nested_defaults),
		cmocka_unit_test(test_gen_errors),
		cmocka_unit_test(test_shrink_ints),
		cmocka_unit_test(test_shrink_floats),
		cmocka_unit_test(test_shrink_sequences),
		cmocka_unit_test(test_shrink_option_struct),
		cmocka_unit_test(test_shrink_stays_in_bounds),
		cmocka_unit_test(test_shrink_terminates),
	};
	return cmocka_run_group_tests(tests, NULL, free_idls);
}
