/* test_spec.c - cases.yaml: loading against an interface, errors, random expansion */
#include "unit.h"

#include "spec.h"

static const char circle_idl[] =
	"struct Circle { radius: f64, center: (f64, f64) }\n"
	"impl Circle { fn intersects_circle(&self, b: Circle) -> bool; fn reset(&self); }\n"
	"fn area(c: Circle) -> f64;\n";

static pg_idl *circle(void)
{
	pg_idl *idl;
	if (pg_idl_parse(&idl, circle_idl, strlen(circle_idl), "c.pgi") < 0)
		fail_msg("%s", pg_error_last());
	return idl;
}

static int parse(pg_spec **s, const pg_idl *idl, const char *text)
{
	return pg_spec_parse(s, idl, text, strlen(text), "cases.yaml");
}

static void test_corpus_specs_load(void **state)
{
	(void)state;
	pg_buf src = PG_BUF_INIT, yaml = PG_BUF_INIT;
	pg_idl *idl;
	pg_spec *s;
	assert_int_equal(pg_read_file(&src, "objects/geometry-circle/interface/interface.pgi", 1 << 20), 0);
	assert_int_equal(pg_idl_parse(&idl, src.ptr, src.len, "interface.pgi"), 0);

	assert_int_equal(pg_read_file(&yaml, "objects/geometry-circle/spec-founding/cases.yaml", 1 << 20), 0);
	if (pg_spec_parse(&s, idl, yaml.ptr, yaml.len, "founding") < 0)
		fail_msg("%s", pg_error_last());
	assert_int_equal(s->ncases, 3);
	assert_string_equal(s->cases[0].fn->call, "Circle.intersects_circle");
	assert_true(json_is_true(s->cases[0].expect));
	assert_true(json_is_false(s->cases[2].expect));
	assert_string_equal(s->cases[2].description, "should return false when the circles do not intersect");
	pg_spec_free(s);

	assert_int_equal(pg_read_file(&yaml, "objects/geometry-circle/spec-random/cases.yaml", 1 << 20), 0);
	if (pg_spec_parse(&s, idl, yaml.ptr, yaml.len, "random") < 0)
		fail_msg("%s", pg_error_last());
	assert_int_equal(s->nrandom, 2);
	assert_string_equal(s->random[0].reference, "circle-c");
	assert_int_equal(s->random[0].count, 2000);
	pg_spec_free(s);
	pg_idl_free(idl);
	pg_buf_free(&src);
	pg_buf_free(&yaml);
}

static void test_settings_and_expectations(void **state)
{
	(void)state;
	pg_idl *idl = circle();
	pg_spec *s;
	int err = parse(&s, idl,
			"tolerance: {abs: 1e-6, rel: 0.01}\ntimeout: 0.5\ncases:\n"
			"  - call: Circle.reset\n    args: [{radius: 1, center: [0, 0]}]\n    expect: ~\n"
			"  - call: area\n    args: [{radius: -1, center: [0, 0]}]\n    error: negative\n"
			"  - call: area\n    args: [{radius: 1, center: [0, 0]}]\n    error: \"\"\n");
	if (err < 0)
		fail_msg("%s", pg_error_last());
	assert_true(s->tol.abs == 1e-6 && s->tol.rel == 0.01);
	assert_int_equal(s->timeout_ms, 500);
	assert_true(json_is_null(s->cases[0].expect));
	assert_string_equal(s->cases[1].error, "negative");
	assert_null(s->cases[1].expect);
	assert_string_equal(s->cases[2].error, "");
	pg_spec_free(s);
	pg_idl_free(idl);
}

static const struct {
	const char *yaml, *msg;
} bad[] = {
	{ "cases:\n  - call: Circle.intersect\n    args: []\n    expect: true\n",
	  "cases.yaml:2:11: case 1: the interface has no function 'Circle.intersect' (it has "
	  "Circle.intersects_circle, Circle.reset, area)" },
	{ "cases:\n  - description: one arg\n    call: Circle.intersects_circle\n"
	  "    args: [{radius: 1, center: [0, 0]}]\n    expect: true\n",
	  "cases.yaml:4:11: case 1 (one arg): Circle.intersects_circle takes 2 arguments (self first), got 1" },
	{ "cases:\n  - description: same size\n    call: Circle.intersects_circle\n"
	  "    args: [{radius: 3, center: [0, 1]}, {radius: x, center: [0, 1]}]\n    expect: true\n",
	  "cases.yaml:4:50: case 1 (same size) argument b field radius: expected f64, got \"x\"" },
	{ "cases:\n  - call: area\n    args: [{radius: 1, center: [0, 0]}]\n    expect: yes\n",
	  "cases.yaml:4:13: case 1 expect" },
	{ "cases:\n  - call: area\n    args: [{radius: 1, center: [0, 0]}]\n",
	  "cases.yaml:2:5: case 1: give exactly one of expect" },
	{ "cases:\n  - call: area\n    args: [{radius: 1, center: [0, 0]}]\n    expect: 1\n    error: x\n",
	  "give exactly one of expect" },
	{ "cases:\n  - call: Circle.reset\n    args: [{radius: 1, center: [0, 0]}]\n    expect: 3\n",
	  "cases.yaml:4:13: case 1: Circle.reset returns nothing; expect must be null" },
	{ "cases:\n  - call: area\n    arguments: []\n", "cases.yaml:3:5: case 1: unknown key 'arguments' "
	  "(expected description, call, args, expect, error)" },
	{ "cases: []\nextra: 1\n", "cases.yaml:2:1: the spec: unknown key 'extra'" },
	{ "tolerance: -1\ncases: []\n", "cases.yaml:1:12: tolerance: expected a number" },
	{ "random:\n  - call: Circle.reset\n", "cases.yaml:2:11: random 1: Circle.reset returns nothing" },
	{ "random:\n  - call: area\n    count: 0\n", "cases.yaml:3:12: random 1: expected a whole number from 1 to 100000" },
	{ "random:\n  - call: area\n    args: [{radius: {min: 5, max: 1}}]\n", "cases.yaml:3:" },
	{ "random:\n  - call: area\n    reference: \"a b\"\n", "reference must be an impl name or an id prefix" },
	{ "scripts:\n  - run: sh x.sh\n    format: junit\n", "cases.yaml:3:13: script 1: format must be tap or exit" },
	{ "scripts:\n  - format: tap\n", "cases.yaml:2:5: script 1: missing run" },
	{ "description: nothing\n", "nothing to check" },
	{ "cases: {a: 1}\n", "cases.yaml:1:8: cases must be a list" },
};

static void test_errors_name_the_case_and_field(void **state)
{
	(void)state;
	pg_idl *idl = circle();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pg_spec *s = (pg_spec *)1;
		int err = parse(&s, idl, bad[i].yaml);
		if (err != PG_EINVALID || !strstr(pg_error_last(), bad[i].msg))
			fail_msg("bad[%zu]: got %d '%s', wanted '%s'", i, err, pg_error_last(), bad[i].msg);
		assert_null(s);
	}
	pg_idl_free(idl);
}

static void test_case_ids_identify_inputs(void **state)
{
	(void)state;
	pg_idl *idl = circle();
	pg_spec *a, *b;
	assert_int_equal(parse(&a, idl, "cases:\n  - call: area\n    args: [{radius: 1, center: [0, 0]}]\n"
					"    expect: 3.14\n  - call: area\n    args: [{radius: 2, center: [0, 0]}]\n"
					"    expect: 12\n"), 0);
	/* written differently, the same value: the same case */
	assert_int_equal(parse(&b, idl, "cases:\n  - description: other words\n    call: area\n"
					"    args: [{center: [0.0, 0e0], radius: 1.0}]\n    error: x\n"), 0);
	assert_int_equal(strlen(a->cases[0].id), 16);
	assert_string_equal(a->cases[0].id, b->cases[0].id);
	assert_string_not_equal(a->cases[0].id, a->cases[1].id);
	pg_spec_free(a);
	pg_spec_free(b);
	pg_idl_free(idl);
}

static void test_random_expansion_is_deterministic(void **state)
{
	(void)state;
	pg_idl *idl = circle();
	const char *y = "random:\n  - call: area\n    count: 50\n    seed: 9\n"
			"    args: [{radius: {min: 0, max: 4, step: 1}, center: [{min: -2, max: 2, step: 1}, 0]}]\n";
	pg_spec *s1, *s2;
	pg_case *c1, *c2;
	size_t n1, n2;
	assert_int_equal(parse(&s1, idl, y), 0);
	assert_int_equal(parse(&s2, idl, y), 0);
	assert_int_equal(pg_spec_expand(&c1, &n1, s1, 0), 0);
	assert_int_equal(pg_spec_expand(&c2, &n2, s2, 0), 0);
	assert_int_equal(n1, 50);
	assert_int_equal(n2, 50);
	int distinct = 0;
	for (size_t i = 0; i < n1; i++) {
		assert_string_equal(c1[i].id, c2[i].id);
		assert_true(json_equal(c1[i].args, c2[i].args));
		json_t *c = json_array_get(c1[i].args, 0);
		double r = json_real_value(json_object_get(c, "radius"));
		double x = json_number_value(json_array_get(json_object_get(c, "center"), 0));
		assert_true(r >= 0 && r <= 4 && r == (double)(int)r);
		assert_true(x >= -2 && x <= 2 && x == (double)(int)x);
		assert_true(json_number_value(json_array_get(json_object_get(c, "center"), 1)) == 0);
		distinct += i && strcmp(c1[i].id, c1[0].id);
	}
	assert_true(distinct > 10);
	for (size_t i = 0; i < n1; i++) {
		pg_case_free(&c1[i]);
		pg_case_free(&c2[i]);
	}
	free(c1);
	free(c2);
	pg_spec_free(s1);
	pg_spec_free(s2);
	pg_idl_free(idl);
}

static void test_yaml_values_read_back(void **state)
{
	(void)state;
	const char *src = "struct P { n: i64, f: f64, s: str, b: bytes, o: Option<[u8]>, t: (bool, u64) }\n"
			  "fn id(p: P) -> P;\n";
	pg_idl *idl;
	assert_int_equal(pg_idl_parse(&idl, src, strlen(src), "p.pgi"), 0);
	const char *y = "cases:\n  - call: id\n    args: [{n: -9223372036854775808, f: .nan, s: \"a \\\" \\u00e9\","
			" b: AP8=, o: [1, 2], t: [true, 18446744073709551615]}]\n    expect: ~\n    error: x\n";
	pg_spec *s;
	/* expect and error together is refused; drop expect */
	assert_int_equal(parse(&s, idl, y), PG_EINVALID);
	y = "cases:\n  - call: id\n    args: [{n: -9223372036854775808, f: .nan, s: \"a \\\" \\u00e9\","
	    " b: AP8=, o: [1, 2], t: [true, 18446744073709551615]}]\n    error: x\n";
	if (parse(&s, idl, y) < 0)
		fail_msg("%s", pg_error_last());
	const pg_fn *fn = pg_idl_fn(idl, "id");
	pg_buf out = PG_BUF_INIT;
	pg_buf_puts(&out, "cases:\n  - call: id\n    args: [");
	pg_spec_yaml_value(&out, pg_fn_arg_type(fn, 0), json_array_get(s->cases[0].args, 0));
	pg_buf_puts(&out, "]\n    error: x\n");
	pg_spec *back;
	if (parse(&back, idl, out.ptr) < 0)
		fail_msg("%s\n%s", pg_error_last(), out.ptr);
	assert_true(json_equal(s->cases[0].args, back->cases[0].args));
	assert_string_equal(s->cases[0].id, back->cases[0].id);
	pg_spec_free(s);
	pg_spec_free(back);
	pg_buf_free(&out);
	pg_idl_free(idl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_specs_load),
		cmocka_unit_test(test_settings_and_expectations),
		cmocka_unit_test(test_errors_name_the_case_and_field),
		cmocka_unit_test(test_case_ids_identify_inputs),
		cmocka_unit_test(test_random_expansion_is_deterministic),
		cmocka_unit_test(test_yaml_values_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
