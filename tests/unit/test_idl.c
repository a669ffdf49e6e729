/* test_idl.c - the interface language: parsing, types, docs, canonical form,
 * exact file:line:col errors, limits, recursion, lookups */
#include "unit.h"
#include "idl.h"

/* Parse src as "t.pgi"; fail the test with the message if it is refused. */
static pg_idl *ok(const char *src)
{
	pg_idl *idl = NULL;
	if (pg_idl_parse(&idl, src, strlen(src), "t.pgi") < 0)
		fail_msg("refused: %s", pg_error_last());
	assert_non_null(idl);
	return idl;
}

/* src (len bytes) must be refused with exactly "t.pgi:" msg. */
static void bad_n(const char *src, size_t len, const char *msg)
{
	pg_idl *idl = (pg_idl *)1;
	int err = pg_idl_parse(&idl, src, len, "t.pgi");
	char *want = pg_asprintf("t.pgi:%s", msg);
	if (err != PG_EINVALID || strcmp(pg_error_last(), want))
		fail_msg("for:\n%s\nwant %s\ngot  %d %s", src, want, err, pg_error_last());
	assert_null(idl);
	free(want);
}

static void bad(const char *src, const char *msg)
{
	bad_n(src, strlen(src), msg);
}

static char *format(const pg_idl *idl)
{
	pg_buf b = PG_BUF_INIT;
	pg_idl_format(&b, idl);
	return b.ptr ? pg_buf_detach(&b) : pg_strdup("");
}

static char *type_str(const pg_type *t)
{
	pg_buf b = PG_BUF_INIT;
	pg_type_format(&b, t);
	return pg_buf_detach(&b);
}

static void assert_type(const pg_type *t, const char *want)
{
	char *s = type_str(t);
	assert_string_equal(s, want);
	free(s);
}

/* src formats to want, and want to itself. */
static void assert_canonical(const char *src, const char *want)
{
	pg_idl *idl = ok(src);
	char *s = format(idl);
	assert_string_equal(s, want);
	pg_idl_free(idl);
	idl = ok(s);
	char *again = format(idl);
	assert_string_equal(again, want);
	pg_idl_free(idl);
	free(s);
	free(again);
}

/* ---- valid text ---- */

static const char founding[] =
	"struct Circle {\n"
	"    radius: f64,\n"
	"    center: (f64, f64),\n"
	"}\n"
	"\n"
	"impl Circle {\n"
	"    // Returns whether or not the given circle intersects.\n"
	"    fn intersectsCircle(b: Circle) -> bool;\n"
	"}\n";

static void test_founding_text(void **state)
{
	(void)state;
	pg_idl *idl = ok(founding);
	assert_int_equal(idl->nstructs, 1);
	assert_int_equal(idl->nfns, 1);
	const pg_struct *c = pg_idl_struct(idl, "Circle");
	assert_ptr_equal(c, &idl->structs[0]);
	assert_int_equal(c->nfields, 2);
	assert_string_equal(c->fields[0].name, "radius");
	assert_int_equal(c->fields[0].type->kind, PG_TY_F64);
	assert_type(c->fields[1].type, "(f64, f64)");
	const pg_fn *f = pg_idl_fn(idl, "Circle.intersectsCircle");
	assert_non_null(f);
	assert_string_equal(f->name, "intersectsCircle");
	assert_ptr_equal(f->self, c);
	assert_int_equal(f->self_type->kind, PG_TY_STRUCT);
	assert_ptr_equal(f->self_type->st, c);
	assert_string_equal(f->doc, "Returns whether or not the given circle intersects.");
	assert_int_equal(f->nparams, 1);
	assert_ptr_equal(f->params[0].type->st, c);
	assert_int_equal(f->ret->kind, PG_TY_BOOL);
	assert_int_equal(f->line, 8);
	assert_int_equal(f->col, 8);
	/* the canonical form writes &self */
	char *s = format(idl);
	assert_non_null(strstr(s, "    fn intersectsCircle(&self, b: Circle) -> bool;\n"));
	free(s);
	pg_idl_free(idl);
}

static void test_corpus_file(void **state)
{
	(void)state;
	pg_buf text = PG_BUF_INIT;
	assert_int_equal(pg_read_file(&text, "objects/geometry-circle/interface/" PG_IDL_FILE, PG_IDL_MAX_BYTES), 0);
	pg_idl *idl = ok(text.ptr);
	assert_int_equal(idl->nstructs, 1);
	const pg_struct *c = &idl->structs[0];
	assert_string_equal(c->name, "Circle");
	/* the file's opening comment is parted from the struct by a blank line */
	assert_string_equal(c->doc, "A circle: its radius and the (x, y) of its center.");
	assert_int_equal(c->line, 5);
	assert_int_equal(c->col, 8);
	assert_type(c->fields[0].type, "f64");
	assert_type(c->fields[1].type, "(f64, f64)");
	assert_null(c->fields[0].doc);
	assert_int_equal(idl->nfns, 1);
	const pg_fn *f = pg_idl_fn(idl, "Circle.intersects_circle");
	assert_non_null(f);
	assert_ptr_equal(f->self, c);
	assert_string_equal(f->doc, "Returns whether or not the given circle intersects this one:\n"
				    "true when the two closed discs share at least one point, so circles\n"
				    "that touch at a single point intersect, and so does a circle with\n"
				    "itself.");
	assert_type(f->ret, "bool");
	assert_int_equal(pg_fn_arity(f), 2);
	assert_string_equal(pg_fn_arg_name(f, 0), "self");
	assert_string_equal(pg_fn_arg_name(f, 1), "b");
	char *s = format(idl);
	assert_string_equal(s, "// A circle: its radius and the (x, y) of its center.\n"
			       "struct Circle {\n"
			       "    radius: f64,\n"
			       "    center: (f64, f64),\n"
			       "}\n"
			       "\n"
			       "impl Circle {\n"
			       "    // Returns whether or not the given circle intersects this one:\n"
			       "    // true when the two closed discs share at least one point, so circles\n"
			       "    // that touch at a single point intersect, and so does a circle with\n"
			       "    // itself.\n"
			       "    fn intersects_circle(&self, b: Circle) -> bool;\n"
			       "}\n");
	free(s);
	pg_idl_free(idl);
	pg_buf_free(&text);
}

static void test_builtin_types(void **state)
{
	(void)state;
	static const char *names[] = { "bool", "i8", "i16", "i32", "i64", "u8", "u16",
				       "u32", "u64", "f32", "f64", "str", "bytes" };
	pg_buf src = PG_BUF_INIT;
	pg_buf_puts(&src, "struct All {\n");
	for (size_t i = 0; i < 13; i++)
		pg_buf_printf(&src, "\tf%zu: %s,\n", i, names[i]);
	pg_buf_puts(&src, "}\n");
	pg_idl *idl = ok(src.ptr);
	assert_int_equal(idl->structs[0].nfields, 13);
	for (size_t i = 0; i < 13; i++) {
		const pg_type *t = idl->structs[0].fields[i].type;
		assert_int_equal(t->kind, (pg_tkind)i);
		assert_string_equal(pg_tkind_name(t->kind), names[i]);
		assert_int_equal(t->nelems, 0);
		assert_int_equal(t->line, i + 2);
		assert_int_equal(t->col, 6 + (i >= 10));
		assert_type(t, names[i]);
	}
	assert_string_equal(pg_tkind_name(PG_TY_TUPLE), "tuple");
	assert_string_equal(pg_tkind_name(PG_TY_ARRAY), "array");
	assert_string_equal(pg_tkind_name(PG_TY_OPTION), "option");
	assert_string_equal(pg_tkind_name(PG_TY_STRUCT), "struct");
	pg_idl_free(idl);
	pg_buf_free(&src);
}

static void test_compound_types(void **state)
{
	(void)state;
	pg_idl *idl = ok("fn f(a: Option<(f64, [u8])>, b: [[Point]], c: (bool, Option<str>, Point,)) -> [Option<bytes>];\n"
			 "struct Point { x: i32, y: i32 }\n");
	const pg_fn *f = pg_idl_fn(idl, "f");
	const pg_struct *pt = pg_idl_struct(idl, "Point");
	const pg_type *a = f->params[0].type;
	assert_int_equal(a->kind, PG_TY_OPTION);
	assert_int_equal(a->nelems, 1);
	assert_int_equal(a->elems[0]->kind, PG_TY_TUPLE);
	assert_int_equal(a->elems[0]->nelems, 2);
	assert_int_equal(a->elems[0]->elems[1]->kind, PG_TY_ARRAY);
	assert_int_equal(a->elems[0]->elems[1]->elems[0]->kind, PG_TY_U8);
	assert_type(a, "Option<(f64, [u8])>");
	const pg_type *b = f->params[1].type;
	assert_int_equal(b->elems[0]->elems[0]->kind, PG_TY_STRUCT);
	assert_ptr_equal(b->elems[0]->elems[0]->st, pt);
	assert_type(b, "[[Point]]");
	assert_type(f->params[2].type, "(bool, Option<str>, Point)");
	assert_int_equal(f->params[2].type->nelems, 3);
	assert_int_equal(f->params[2].type->line, 1);
	assert_int_equal(f->params[2].type->col, 47);
	assert_type(f->ret, "[Option<bytes>]");
	assert_null(f->self);
	assert_null(f->self_type);
	pg_idl_free(idl);

	/* an Option may hold an Option inside something else */
	idl = ok("fn g(a: Option<[Option<u8>]>, b: Option<(Option<u8>, u8)>);\n");
	assert_null(idl->fns[0].ret);
	assert_type(idl->fns[0].params[0].type, "Option<[Option<u8>]>");
	pg_idl_free(idl);
}

static void test_tuples(void **state)
{
	(void)state;
	pg_buf src = PG_BUF_INIT;
	pg_buf_puts(&src, "fn f(a: (u8");
	for (int i = 1; i < PG_IDL_MAX_TUPLE; i++)
		pg_buf_puts(&src, ", u8");
	pg_buf_puts(&src, "));\n");
	pg_idl *idl = ok(src.ptr);
	assert_int_equal(idl->fns[0].params[0].type->nelems, PG_IDL_MAX_TUPLE);
	pg_idl_free(idl);
	/* one more: the 17th element is at 1:10 + 16 * 4 */
	pg_buf_clear(&src);
	pg_buf_puts(&src, "fn f(a: (u8");
	for (int i = 1; i <= PG_IDL_MAX_TUPLE; i++)
		pg_buf_puts(&src, ", u8");
	pg_buf_puts(&src, "));\n");
	bad(src.ptr, "1:74: a tuple has at most 16 elements: use a struct");
	pg_buf_free(&src);

	bad("fn f(a: ());", "1:9: '()' is not a type: a fn that returns nothing leaves out '-> ...'");
	bad("fn f() -> ();", "1:11: '()' is not a type: a fn that returns nothing leaves out '-> ...'");
	bad("fn f(a: (u8));",
	    "1:9: a tuple needs at least 2 elements: write the element type without parentheses");
	bad("fn f(a: (u8,));",
	    "1:9: a tuple needs at least 2 elements: write the element type without parentheses");
	bad("fn f(a: (u8 u8));", "1:13: expected ',' or ')' in a tuple, found 'u8'");
	bad("fn f(a: (u8, , u8));", "1:14: expected a type, found ','");
}

static void test_arrays_and_options(void **state)
{
	(void)state;
	bad("fn f(a: Option<Option<u8>>);",
	    "1:16: Option cannot hold an Option directly; the wire form would be ambiguous");
	bad("fn f(a: [u8, u8]);", "1:12: expected ']' to close '[', found ','");
	bad("fn f(a: [u8);", "1:12: expected ']' to close '[', found ')'");
	bad("fn f(a: []);", "1:10: expected a type, found ']'");
	bad("fn f(a: Option<u8, u8>);", "1:18: expected '>' to close 'Option<', found ','");
	bad("fn f(a: Option);", "1:9: Option needs a type: write Option<T>");
	bad("fn f(a: Option<>);", "1:16: expected a type, found '>'");
	bad("fn f(a: Point<u8>);\nstruct Point { x: u8 }",
	    "1:9: 'Point' takes no type parameters; only Option<T> does");
}

static void test_type_mistakes(void **state)
{
	(void)state;
	bad("fn f(a: String);", "1:9: unknown type 'String': did you mean 'str'?");
	bad("fn f(a: string);", "1:9: unknown type 'string': did you mean 'str'?");
	bad("fn f(a: Vec<u8>);", "1:9: Vec<T> is not a pg type: use [T] for an array");
	bad("fn f(a: Vec);", "1:9: unknown type 'Vec': use [T] for an array");
	bad("fn f(a: int);", "1:9: unknown type 'int': use i32 or i64");
	bad("fn f(a: float);", "1:9: unknown type 'float': use f32 or f64");
	bad("fn f(a: double);", "1:9: unknown type 'double': use f64");
	bad("fn f(a: usize);", "1:9: unknown type 'usize': use u64 or u32");
	bad("fn f(a: isize);", "1:9: unknown type 'isize': use i64 or i32");
	bad("fn f(a: char);", "1:9: unknown type 'char': use str for text or u32 for a code point");
}

static void test_references(void **state)
{
	(void)state;
	bad("fn f(a: &str);", "1:9: '&str' is not a pg type: write str");
	bad("fn f(a: & str);", "1:9: '&str' is not a pg type: write str");
	bad("fn f(a: &u8);", "1:9: references are not pg types: write the type without '&'");
	bad("fn f() -> &[u8];", "1:11: references are not pg types: write the type without '&'");
	bad("fn f(a: u8) -> fn;", "1:16: 'fn' is a reserved word, not a type");
	bad("fn f(a: 8);", "1:9: unexpected character '8'");
}

static void test_struct_named_like_a_mistake(void **state)
{
	(void)state;
	/* a struct may take such a name, and then it is that struct */
	pg_idl *idl = ok("struct String { s: str }\nfn f(a: String);\n");
	assert_ptr_equal(idl->fns[0].params[0].type->st, &idl->structs[0]);
	pg_idl_free(idl);
}

static void test_unknown_types(void **state)
{
	(void)state;
	const char *circle = "struct Circle { radius: f64 }\n";
	char *src = pg_asprintf("%sfn f(c: Circel);\n", circle);
	bad(src, "2:9: unknown type 'Circel': did you mean 'Circle'?");
	free(src);
	src = pg_asprintf("%sfn f(c: [circle]);\n", circle);
	bad(src, "2:10: unknown type 'circle': did you mean 'Circle'?");
	free(src);
	bad("fn f(c: f46);", "1:9: unknown type 'f46': did you mean 'f64'?");
	bad("fn f(c: Bool);", "1:9: unknown type 'Bool': did you mean 'bool'?");
	bad("fn f(c: Shape);", "1:9: unknown type 'Shape': declare it with 'struct Shape { ... }'");
	/* too far to be a typo: no guess */
	bad("fn f(c: ab);", "1:9: unknown type 'ab': declare it with 'struct ab { ... }'");
	/* the first unknown name in the text is the one reported */
	bad("struct A { a: Nope1, b: Nope2 }", "1:15: unknown type 'Nope1': declare it with 'struct Nope1 { ... }'");
}

static void test_declared_later(void **state)
{
	(void)state;
	pg_idl *idl = ok("impl B { fn m(&self, a: A) -> B; }\n"
			 "struct A { b: B }\n"
			 "struct B { x: u8 }\n"
			 "impl B { fn n(); }\n");
	const pg_struct *b = pg_idl_struct(idl, "B");
	assert_ptr_equal(idl->structs[0].fields[0].type->st, b);
	assert_ptr_equal(idl->fns[0].self, b);
	assert_ptr_equal(idl->fns[1].self, b);
	assert_string_equal(idl->fns[1].call, "B.n");
	assert_int_equal(pg_fn_arity(&idl->fns[1]), 1);
	assert_null(pg_idl_struct(idl, "C"));
	pg_idl_free(idl);
}

/* ---- documentation comments ---- */

static void test_doc_comments(void **state)
{
	(void)state;
	pg_idl *idl = ok("// not a doc: a blank line follows\n"
			 "\n"
			 "/// one\n"
			 "//two\n"
			 "//\n"
			 "//   four  \r\n"
			 "struct A {\n"
			 "    x: u8, // about x, not y\n"
			 "    y: u8,\n"
			 "    /* block */\n"
			 "    z: u8,\n"
			 "    // for w\n"
			 "    w: u8, /* trailing */ // and more\n"
			 "}\n"
			 "// parted from B by a block comment\n"
			 "/* x */\n"
			 "struct B { b: u8 }\n"
			 "/* a */ // a comment after a comment is not first on its line\n"
			 "fn f();\n"
			 "// for the impl: dropped\n"
			 "impl B {\n"
			 "    // for m\n"
			 "    // two lines\n"
			 "    fn m();\n"
			 "}\n");
	const pg_struct *a = &idl->structs[0];
	assert_string_equal(a->doc, "one\ntwo\n\n  four");
	assert_null(a->fields[0].doc);
	assert_null(a->fields[1].doc);
	assert_null(a->fields[2].doc);
	assert_string_equal(a->fields[3].doc, "for w");
	assert_null(idl->structs[1].doc);
	assert_null(idl->fns[0].doc);
	assert_string_equal(idl->fns[1].doc, "for m\ntwo lines");
	char *s = format(idl);
	assert_string_equal(s, "// one\n"
			       "// two\n"
			       "//\n"
			       "//   four\n"
			       "struct A {\n"
			       "    x: u8,\n"
			       "    y: u8,\n"
			       "    z: u8,\n"
			       "    // for w\n"
			       "    w: u8,\n"
			       "}\n"
			       "\n"
			       "struct B {\n"
			       "    b: u8,\n"
			       "}\n"
			       "\n"
			       "fn f();\n"
			       "\n"
			       "impl B {\n"
			       "    // for m\n"
			       "    // two lines\n"
			       "    fn m(&self);\n"
			       "}\n");
	free(s);
	pg_idl_free(idl);
}

static void test_doc_text(void **state)
{
	(void)state;
	/* UTF-8 is fine in comments */
	pg_idl *idl = ok("// a \xcf\x80 circle \xe2\x80\x94 round\nstruct C { r: f64 } /* \xf0\x9f\x99\x82 */\n");
	assert_string_equal(idl->structs[0].doc, "a \xcf\x80 circle \xe2\x80\x94 round");
	pg_idl_free(idl);
	/* a doc above a field, a method, and a parameter; none above a fn's
	 * return type or an impl */
	idl = ok("struct P {\n  // x\n  // more x\n  x: u8 }\n// i\nimpl P {\n  /// m\n  fn m(\n    // a\n    a: u8,\n  ) ->\n  // r\n  u8; }\n");
	assert_string_equal(idl->structs[0].fields[0].doc, "x\nmore x");
	assert_string_equal(idl->fns[0].doc, "m");
	assert_string_equal(idl->fns[0].params[0].doc, "a");
	pg_idl_free(idl);
}

/* ---- the canonical form ---- */

static void test_canonical_messy(void **state)
{
	(void)state;
	assert_canonical("  // The point.\n"
			 "struct   Point{x:f64,y :  f64 ,}/* gone */\n"
			 "// Distance.\n"
			 "fn distance ( a:Point , b :Point, )->f64 ;fn reset()\n;\n"
			 "\n\n\n"
			 "impl Point{\n"
			 "\tfn\tnorm ( & self ) -> f64;\n"
			 "  fn scale(&self, k: f64,) -> Point;\n"
			 "}\n"
			 "impl Point { fn zero(); }\n"
			 "struct Shape { points: [ Point ], name : Option < str >, pair: ( u8,[bytes] , ), }\n"
			 "impl Point {}\n"
			 "impl Shape { fn area(&self,) -> f64; }\n"
			 "impl Point { fn dist(&self, s: Shape) -> f64; }\n",
			 "// The point.\n"
			 "struct Point {\n"
			 "    x: f64,\n"
			 "    y: f64,\n"
			 "}\n"
			 "\n"
			 "// Distance.\n"
			 "fn distance(a: Point, b: Point) -> f64;\n"
			 "\n"
			 "fn reset();\n"
			 "\n"
			 "impl Point {\n"
			 "    fn norm(&self) -> f64;\n"
			 "    fn scale(&self, k: f64) -> Point;\n"
			 "    fn zero(&self);\n"
			 "}\n"
			 "\n"
			 "struct Shape {\n"
			 "    points: [Point],\n"
			 "    name: Option<str>,\n"
			 "    pair: (u8, [bytes]),\n"
			 "}\n"
			 "\n"
			 "impl Shape {\n"
			 "    fn area(&self) -> f64;\n"
			 "}\n"
			 "\n"
			 "impl Point {\n"
			 "    fn dist(&self, s: Shape) -> f64;\n"
			 "}\n");
}

static void test_canonical_corpus_and_empty(void **state)
{
	(void)state;
	pg_buf text = PG_BUF_INIT;
	assert_int_equal(pg_read_file(&text, "objects/geometry-circle/interface/interface.pgi", PG_IDL_MAX_BYTES), 0);
	pg_idl *idl = ok(text.ptr);
	char *s = format(idl);
	assert_canonical(s, s);
	free(s);
	pg_idl_free(idl);
	pg_buf_free(&text);
	/* nothing, or only comments: no items, and an empty canonical form */
	idl = ok("// just a comment\n/* and another */\n");
	assert_int_equal(idl->nstructs + idl->nfns, 0);
	s = format(idl);
	assert_string_equal(s, "");
	free(s);
	pg_idl_free(idl);
	idl = NULL;
	assert_int_equal(pg_idl_parse(&idl, "", 0, "t.pgi"), 0);
	pg_idl_free(idl);
	pg_idl_free(NULL);
}

static void test_canonical_param_docs(void **state)
{
	(void)state;
	/* a parameter's doc is kept, so such a fn takes one line per parameter */
	assert_canonical("struct P { x: u8 }\n"
			 "impl P {\n"
			 "    fn m(&self,\n"
			 "        // how far\n"
			 "        d: f64, e: u8) -> u8;\n"
			 "}\n"
			 "fn f(\n"
			 "    // the first\n"
			 "    a: u8,\n"
			 ");\n",
			 "struct P {\n"
			 "    x: u8,\n"
			 "}\n"
			 "\n"
			 "impl P {\n"
			 "    fn m(\n"
			 "        &self,\n"
			 "        // how far\n"
			 "        d: f64,\n"
			 "        e: u8,\n"
			 "    ) -> u8;\n"
			 "}\n"
			 "\n"
			 "fn f(\n"
			 "    // the first\n"
			 "    a: u8,\n"
			 ");\n");
}

/* The gen and value code may build a pg_idl by hand, with no positions:
 * structs first, then fns, methods of one struct in one impl block. */
static void test_format_hand_built(void **state)
{
	(void)state;
	pg_type u8 = { .kind = PG_TY_U8 };
	pg_type *elems[] = { &u8 };
	pg_type arr = { .kind = PG_TY_ARRAY, .elems = elems, .nelems = 1 };
	pg_member x = { .name = "x", .type = &arr, .doc = "bytes\nof x" };
	pg_struct st = { .name = "P", .fields = &x, .nfields = 1 };
	pg_type self = { .kind = PG_TY_STRUCT, .st = &st };
	pg_fn fns[] = {
		{ .name = "m", .self = &st, .self_type = &self, .call = "P.m", .ret = &self },
		{ .name = "n", .self = &st, .self_type = &self, .call = "P.n", .params = &x, .nparams = 1 },
		{ .name = "f", .call = "f", .doc = "free", .params = &x, .nparams = 1, .ret = &u8 },
	};
	pg_idl idl = { .structs = &st, .nstructs = 1, .fns = fns, .nfns = 3 };
	char *s = format(&idl);
	assert_string_equal(s, "struct P {\n"
			       "    // bytes\n"
			       "    // of x\n"
			       "    x: [u8],\n"
			       "}\n"
			       "\n"
			       "impl P {\n"
			       "    fn m(&self) -> P;\n"
			       "    fn n(\n"
			       "        &self,\n"
			       "        // bytes\n"
			       "        // of x\n"
			       "        x: [u8],\n"
			       "    );\n"
			       "}\n"
			       "\n"
			       "// free\n"
			       "fn f(\n"
			       "    // bytes\n"
			       "    // of x\n"
			       "    x: [u8],\n"
			       ") -> u8;\n");
	assert_canonical(s, s);
	free(s);
	assert_ptr_equal(pg_idl_fn(&idl, "P.n"), &fns[1]);
	assert_int_equal(pg_fn_arity(&fns[1]), 2);
}

/* ---- errors ---- */

static void test_struct_syntax(void **state)
{
	(void)state;
	bad("struct Circle {\n    radius f64,\n}\n", "2:12: expected ':' after field name 'radius', found 'f64'");
	bad("struct Circle {\n    radius: f64\n    center: f64\n}\n",
	    "3:5: expected ',' or '}' after field 'radius', found 'center'");
	bad("struct Circle {\n    radius: f64,,\n}", "2:17: expected a field name, found ','");
	bad("struct Circle", "1:14: expected '{' after struct Circle, found end of file");
	bad("struct { x: u8 }", "1:8: expected a struct name, found '{'");
	bad("struct A { x: u8 }\nstruct B {}", "2:8: struct B has no fields: a struct needs at least one");
	bad("struct A { x: u8 }\nstruct B {,}", "2:11: expected a field name, found ','");
}

static void test_unclosed(void **state)
{
	(void)state;
	bad("\n\n\n\n\n\nstruct Circle {\n    radius: f64,\n",
	    "9:1: unexpected end of file: struct Circle is not closed (opened at 7:15)");
	bad("struct Circle { radius: Option<", "1:32: unexpected end of file: struct Circle is not closed (opened at 1:15)");
	bad("struct A { x: u8 }\nimpl A {\n    fn m(&self)", "3:16: unexpected end of file: impl A is not closed (opened at 2:8)");
	bad("struct A { x: u8 }\nimpl A {\n", "3:1: unexpected end of file: impl A is not closed (opened at 2:8)");
	/* outside braces, what was expected */
	bad("fn f(a: u8", "1:11: expected ',' or ')' in the parameters of fn f, found end of file");
}

static void test_top_level(void **state)
{
	(void)state;
	bad("enum E { A }", "1:1: expected 'struct', 'impl' or 'fn', found 'enum'");
	bad("struct A { x: u8 };", "1:19: expected 'struct', 'impl' or 'fn', found ';'");
	bad("struct A { x: u8 }\nimpl A { struct B { y: u8 } }", "2:10: expected 'fn' or '}' in impl A, found 'struct'");
	bad("}", "1:1: expected 'struct', 'impl' or 'fn', found '}'");
}

static void test_fn_syntax(void **state)
{
	(void)state;
	bad("fn f(a: u8 b: u8);", "1:12: expected ',' or ')' in the parameters of fn f, found 'b'");
	bad("fn f(a: u8)", "1:12: expected '->' or ';' after the parameters, found end of file");
	bad("fn f() -> u8", "1:13: expected ';' after the return type, found end of file");
	bad("fn f() -> ;", "1:11: expected a type, found ';'");
	bad("fn f() - u8;", "1:8: unexpected character '-'");
	bad("fn f() = u8;", "1:8: unexpected character '='");
	bad("fn f() -> u8 { 1 }", "1:14: fn f has a body, but interfaces declare, they do not implement: end it with ';'");
	bad("fn f() { }", "1:8: fn f has a body, but interfaces declare, they do not implement: end it with ';'");
	bad("fn (a: u8);", "1:4: expected a fn name, found '('");
	bad("fn f;", "1:5: expected '(' after fn f, found ';'");
	bad("fn f(a: u8,,);", "1:12: expected a parameter name, found ','");
	/* a fn that returns nothing, with trailing commas */
	pg_idl *idl = ok("fn f(a: u8,);\nfn g() ;");
	assert_int_equal(idl->fns[0].nparams, 1);
	assert_null(idl->fns[0].ret);
	assert_int_equal(idl->fns[1].nparams, 0);
	pg_idl_free(idl);
}

static void test_bodies_refused(void **state)
{
	(void)state;
	bad("fn f() -> u8 { 1 }", "1:14: fn f has a body, but interfaces declare, they do not implement: end it with ';'");
	bad("fn f() { }", "1:8: fn f has a body, but interfaces declare, they do not implement: end it with ';'");
	bad("struct A { x: u8 }\nimpl A {\n    fn m(&self) -> u8 {\n        self.x\n    }\n}",
	    "3:23: fn m has a body, but interfaces declare, they do not implement: end it with ';'");
}

static void test_lexical_errors(void **state)
{
	(void)state;
	bad("fn f(a: u8);\x01", "1:13: unexpected control character 0x01");
	bad("fn f(a: u8);\n/* never\nclosed", "2:1: unterminated comment: '/*' is never closed by '*/'");
	bad("fn f(a: u8);\n/* never closed *", "2:1: unterminated comment: '/*' is never closed by '*/'");
	bad("/", "1:1: unexpected character '/'");
	bad("fn f(a: u8) -> u8; #", "1:20: unexpected character '#'");
	/* block comments end at the first '*' '/', and may span lines */
	pg_idl *idl = ok("/* a /* b **/ fn /*\n\n*/ f();");
	assert_int_equal(idl->fns[0].line, 3);
	assert_int_equal(idl->fns[0].col, 4);
	pg_idl_free(idl);
}

static void test_columns(void **state)
{
	(void)state;
	/* columns count bytes; a tab is one, and so is a CR */
	bad("\tstruct\tA {\r\n\t\tx u8 }", "2:5: expected ':' after field name 'x', found 'u8'");
	bad("// \xcf\x80\xcf\x80\nfn f(a: u8) -> u8 /* \xcf\x80 */ x", "2:28: expected ';' after the return type, found 'x'");
	pg_idl *idl = ok("\r\n  struct  P {\r\n\tx: u8 }");
	assert_int_equal(idl->structs[0].line, 2);
	assert_int_equal(idl->structs[0].col, 11);
	assert_int_equal(idl->structs[0].fields[0].line, 3);
	assert_int_equal(idl->structs[0].fields[0].col, 2);
	assert_int_equal(idl->structs[0].fields[0].type->col, 5);
	pg_idl_free(idl);
}

static void test_self_errors(void **state)
{
	(void)state;
	const char *p = "struct P { x: u8 }\n";
	char *src = pg_asprintf("%simpl P { fn m(self); }", p);
	bad(src, "2:15: write '&self', not 'self': a method takes its struct by reference");
	free(src);
	src = pg_asprintf("%simpl P { fn m(a: u8, &self); }", p);
	bad(src, "2:22: '&self' must be the first parameter");
	free(src);
	src = pg_asprintf("%simpl P { fn m(a: u8, self); }", p);
	bad(src, "2:22: 'self' is a reserved word and cannot be a parameter name");
	free(src);
	src = pg_asprintf("%simpl P { fn m(&self, &self); }", p);
	bad(src, "2:22: '&self' must be the first parameter");
	free(src);
	src = pg_asprintf("%simpl P { fn m(&a: u8); }", p);
	bad(src, "2:15: expected a parameter name, found '&'");
	free(src);
	bad("fn f(&self);", "1:6: fn f is not in an impl block: only methods take '&self'");
	bad("fn f(self: u8);", "1:6: 'self' is a reserved word and cannot be a parameter name");
	bad("fn self();", "1:4: 'self' is a reserved word and cannot be a fn name");
}

static void test_names(void **state)
{
	(void)state;
	bad("struct fn { x: u8 }", "1:8: 'fn' is a reserved word and cannot be a struct name");
	bad("struct f64 { x: u8 }", "1:8: 'f64' is a built-in type and cannot be a struct name");
	bad("struct Option { x: u8 }", "1:8: 'Option' is a built-in type and cannot be a struct name");
	bad("struct A { impl: u8 }", "1:12: 'impl' is a reserved word and cannot be a field name");
	bad("fn f(struct: u8);", "1:6: 'struct' is a reserved word and cannot be a parameter name");
	bad("struct A { 9: u8 }", "1:12: unexpected character '9'");
}

static void test_impl_names(void **state)
{
	(void)state;
	bad("impl u8 { }", "1:6: impl needs a struct; 'u8' is a built-in type");
	bad("impl struct { }", "1:6: expected a struct name after 'impl', found 'struct'");
	bad("impl { }", "1:6: expected a struct name after 'impl', found '{'");
	bad("struct A { x: u8 }\nimpl A fn", "2:8: expected '{' after impl A, found 'fn'");
	bad("struct Circle { r: f64 }\nimpl Circel { fn m(); }", "2:6: impl for unknown struct 'Circel': did you mean 'Circle'?");
	bad("impl Nothing { }", "1:6: impl for unknown struct 'Nothing': declare it with 'struct Nothing { ... }'");
	bad("impl Nothing { fn m(); }", "1:6: impl for unknown struct 'Nothing': declare it with 'struct Nothing { ... }'");
}

static void test_names_that_are_fine(void **state)
{
	(void)state;
	/* names that are keywords elsewhere, or type names, are fine as fields */
	pg_idl *idl = ok("struct A { f64: f64, Option: u8, _x9: bool }\nfn str(bytes: bytes);\n");
	assert_string_equal(idl->structs[0].fields[1].name, "Option");
	assert_string_equal(idl->fns[0].call, "str");
	pg_idl_free(idl);
}

static void test_duplicates(void **state)
{
	(void)state;
	bad("struct A { x: u8 }\nstruct A { y: u8 }", "2:8: struct A is already declared at 1:8");
	bad("struct A {\n    x: u8,\n    x: u16,\n}", "3:5: duplicate field 'x' in struct A (first at 2:5)");
	bad("fn f(a: u8, a: u8);", "1:13: duplicate parameter 'a' in fn f (first at 1:6)");
	bad("fn f();\nfn f(a: u8);", "2:4: fn f is already declared at 1:4");
	bad("struct A { x: u8 }\nimpl A { fn m(); }\nimpl A { fn m(&self, b: u8); }",
	    "3:13: fn A.m is already declared at 2:13");
	bad("struct A { x: u8 }\nimpl A { fn m(a: u8, a: u8); }", "2:22: duplicate parameter 'a' in fn A.m (first at 2:15)");
}

static void test_names_in_scopes(void **state)
{
	(void)state;
	/* one name in several scopes is fine */
	pg_idl *idl = ok("struct A { m: u8 }\nstruct B { m: u8 }\n"
			 "impl A { fn m(m: u8); }\nimpl B { fn m(); }\nfn m(m: u8);\n");
	assert_int_equal(idl->nfns, 3);
	assert_ptr_equal(pg_idl_fn(idl, "A.m"), &idl->fns[0]);
	assert_ptr_equal(pg_idl_fn(idl, "B.m"), &idl->fns[1]);
	assert_ptr_equal(pg_idl_fn(idl, "m"), &idl->fns[2]);
	assert_null(pg_idl_fn(idl, "C.m"));
	assert_null(pg_idl_fn(idl, "A"));
	pg_idl_free(idl);
}

static void test_direct_recursion(void **state)
{
	(void)state;
	bad("struct A { x: u8, a: Option<A> }", "1:19: struct A is recursive: A.a -> A");
	bad("struct A { x: [A] }", "1:12: struct A is recursive: A.x -> A");
	bad("struct A { x: A }", "1:12: struct A is recursive: A.x -> A");
	bad("struct A { x: u8, y: (u8, Option<[(A, u8)]>) }", "1:19: struct A is recursive: A.y -> A");
}

static void test_indirect_recursion(void **state)
{
	(void)state;
	bad("struct A {\n    b: B,\n}\nstruct B {\n    x: u8,\n    a: (u8, [Option<A>]),\n}",
	    "2:5: struct A is recursive: A.b -> B.a -> A");
	/* the first struct in the text that is on a cycle names it */
	bad("struct Top { c: C }\nstruct C { d: D }\nstruct D { e: u8, c: Option<C> }",
	    "2:12: struct C is recursive: C.d -> D.c -> C");
	bad("struct A { b: B }\nstruct B { c: C }\nstruct C { a: A }",
	    "1:12: struct A is recursive: A.b -> B.c -> C.a -> A");
}

static void test_not_recursive(void **state)
{
	(void)state;
	/* shared, but not a cycle */
	pg_idl *idl = ok("struct A { b: B, c: C }\nstruct B { d: D }\nstruct C { d: D, e: [D] }\n"
			 "struct D { x: u8 }\nfn f(a: A) -> A;\n");
	assert_int_equal(idl->nstructs, 4);
	pg_idl_free(idl);
	/* a method may take and return its own struct */
	idl = ok("struct N { v: u8 }\nimpl N { fn next(&self) -> Option<N>; }\n");
	pg_idl_free(idl);
}

/* ---- limits ---- */

static void test_depth(void **state)
{
	(void)state;
	pg_buf src = PG_BUF_INIT;
	pg_buf_puts(&src, "fn f(a: ");
	for (int i = 1; i < PG_IDL_MAX_DEPTH; i++)
		pg_buf_putc(&src, '[');
	pg_buf_puts(&src, "u8");
	for (int i = 1; i < PG_IDL_MAX_DEPTH; i++)
		pg_buf_putc(&src, ']');
	pg_buf_puts(&src, ");");
	pg_idl *idl = ok(src.ptr);
	pg_idl_free(idl);
	pg_buf_clear(&src);
	pg_buf_puts(&src, "fn f(a: ");
	for (int i = 0; i < PG_IDL_MAX_DEPTH; i++)
		pg_buf_puts(&src, "Option<[");
	pg_buf_puts(&src, "u8");
	for (int i = 0; i < PG_IDL_MAX_DEPTH; i++)
		pg_buf_puts(&src, "]>");
	pg_buf_puts(&src, ");");
	/* the 17th level is the 9th Option, at 9 + 8 * 8 */
	bad(src.ptr, "1:73: type nested too deeply (at most 16 levels): name a part of it with a struct");
	pg_buf_free(&src);
}

static void test_identifier_length(void **state)
{
	(void)state;
	char longest[PG_IDL_MAX_IDENT + 2];
	memset(longest, 'a', sizeof(longest));
	longest[PG_IDL_MAX_IDENT] = '\0';
	char *src = pg_asprintf("struct A { %s: u8 }", longest);
	pg_idl *idl = ok(src);
	assert_int_equal(strlen(idl->structs[0].fields[0].name), PG_IDL_MAX_IDENT);
	pg_idl_free(idl);
	free(src);
	longest[PG_IDL_MAX_IDENT] = 'a';
	longest[PG_IDL_MAX_IDENT + 1] = '\0';
	src = pg_asprintf("struct A {\n  %s: u8 }", longest);
	bad(src, "2:3: name 'aaaaaaaaaaaaaaaa...' is longer than 64 bytes");
	free(src);
}

static void test_member_limits(void **state)
{
	(void)state;
	pg_buf src = PG_BUF_INIT;
	pg_buf_puts(&src, "struct A {\n");
	for (int i = 0; i < PG_IDL_MAX_MEMBERS; i++)
		pg_buf_printf(&src, "f%d: u8,\n", i);
	pg_buf_puts(&src, "}\n");
	pg_idl *idl = ok(src.ptr);
	assert_int_equal(idl->structs[0].nfields, PG_IDL_MAX_MEMBERS);
	pg_idl_free(idl);
	src.len -= 2;
	pg_buf_puts(&src, "g: u8 }\n");
	bad(src.ptr, "66:1: too many fields in struct A (at most 64)");

	pg_buf_clear(&src);
	pg_buf_puts(&src, "fn f(\n");
	for (int i = 0; i <= PG_IDL_MAX_MEMBERS; i++)
		pg_buf_printf(&src, "p%d: u8,\n", i);
	pg_buf_puts(&src, ");\n");
	bad(src.ptr, "66:1: too many parameters in fn f (at most 64)");
	/* self does not count */
	pg_buf_clear(&src);
	pg_buf_puts(&src, "struct S { x: u8 }\nimpl S { fn m(&self");
	for (int i = 0; i < PG_IDL_MAX_MEMBERS; i++)
		pg_buf_printf(&src, ", p%d: u8", i);
	pg_buf_puts(&src, "); }\n");
	idl = ok(src.ptr);
	assert_int_equal(pg_fn_arity(&idl->fns[0]), PG_IDL_MAX_MEMBERS + 1);
	pg_idl_free(idl);
	pg_buf_free(&src);
}

static void test_item_limits(void **state)
{
	(void)state;
	pg_buf src = PG_BUF_INIT;
	for (int i = 0; i < PG_IDL_MAX_ITEMS; i++)
		pg_buf_printf(&src, "struct S%d { x: u8 }\nfn f%d();\n", i, i);
	pg_idl *idl = ok(src.ptr);
	assert_int_equal(idl->nstructs, PG_IDL_MAX_ITEMS);
	assert_int_equal(idl->nfns, PG_IDL_MAX_ITEMS);
	pg_idl_free(idl);
	size_t len = src.len;
	pg_buf_puts(&src, "struct Last { x: u8 }\n");
	bad(src.ptr, "513:8: too many structs (at most 256)");
	src.len = len;
	pg_buf_puts(&src, "fn last();\n");
	bad(src.ptr, "513:4: too many fns (at most 256)");
	pg_buf_free(&src);
}

static void test_text_limits(void **state)
{
	(void)state;
	/* the largest text is fine; one byte more is not */
	char *big = pg_malloc(PG_IDL_MAX_BYTES + 1);
	memset(big, ' ', PG_IDL_MAX_BYTES + 1);
	memcpy(big, "fn f();", 7);
	pg_idl *idl = NULL;
	assert_int_equal(pg_idl_parse(&idl, big, PG_IDL_MAX_BYTES, "t.pgi"), 0);
	pg_idl_free(idl);
	bad_n(big, PG_IDL_MAX_BYTES + 1, "1:1: the text is larger than 262144 bytes");
	free(big);
}

static void test_nul_and_utf8(void **state)
{
	(void)state;

	bad_n("fn f();\n// a\0b\n", 14, "2:5: NUL byte in the text");
	bad_n("fn f();\0", 8, "1:8: NUL byte in the text");
	bad("fn f();\n// \xff\n", "2:4: invalid UTF-8");
	bad("// \xc0\x80 overlong\n", "1:4: invalid UTF-8");
	bad("// \xed\xa0\x80 surrogate\n", "1:4: invalid UTF-8");
	bad("// cut \xe2\x80", "1:8: invalid UTF-8");
}

static void test_ascii_outside_comments(void **state)
{
	(void)state;
	bad("fn f(a: u8);\nfn \xcf\x80();", "2:4: non-ASCII character outside a comment");
	bad("struct Caf\xc3\xa9 { x: u8 }", "1:11: non-ASCII character outside a comment");
	bad("fn f(a: u8);\xc2\xa0", "1:13: non-ASCII character outside a comment");
	/* a doc gathered before the error is not leaked */
	bad("// doc\nstruct", "2:7: expected a struct name, found end of file");
}

/* ---- lookups ---- */

static void test_lookups_and_arity(void **state)
{
	(void)state;
	pg_idl *idl = ok("struct C { r: f64 }\n"
			 "impl C { fn area(&self) -> f64; fn grow(k: f64, by: C); }\n"
			 "fn distance(a: (f64, f64), b: (f64, f64)) -> f64;\n"
			 "fn tick();\n");
	const pg_struct *c = pg_idl_struct(idl, "C");
	assert_non_null(c);
	assert_null(pg_idl_struct(idl, "c"));

	const pg_fn *area = pg_idl_fn(idl, "C.area");
	assert_int_equal(pg_fn_arity(area), 1);
	assert_ptr_equal(pg_fn_arg_type(area, 0), area->self_type);
	assert_ptr_equal(pg_fn_arg_type(area, 0)->st, c);
	assert_string_equal(pg_fn_arg_name(area, 0), "self");
	assert_null(pg_fn_arg_type(area, 1));
	assert_null(pg_fn_arg_name(area, 1));

	const pg_fn *grow = pg_idl_fn(idl, "C.grow");
	assert_int_equal(pg_fn_arity(grow), 3);
	assert_string_equal(pg_fn_arg_name(grow, 1), "k");
	assert_int_equal(pg_fn_arg_type(grow, 1)->kind, PG_TY_F64);
	assert_string_equal(pg_fn_arg_name(grow, 2), "by");
	assert_ptr_equal(pg_fn_arg_type(grow, 2)->st, c);
	assert_null(pg_fn_arg_type(grow, 3));
	assert_null(grow->ret);

	const pg_fn *d = pg_idl_fn(idl, "distance");
	assert_string_equal(d->call, "distance");
	assert_null(d->self);
	assert_int_equal(pg_fn_arity(d), 2);
	assert_string_equal(pg_fn_arg_name(d, 0), "a");
	assert_int_equal(pg_fn_arg_type(d, 1)->kind, PG_TY_TUPLE);
	assert_null(pg_fn_arg_name(d, 2));
	assert_null(pg_fn_arg_type(d, 2));

	const pg_fn *t = pg_idl_fn(idl, "tick");
	assert_int_equal(pg_fn_arity(t), 0);
	assert_null(pg_fn_arg_type(t, 0));
	assert_null(pg_fn_arg_name(t, 0));
	assert_null(pg_idl_fn(idl, "area"));
	assert_null(pg_idl_fn(idl, "C.nope"));
	pg_idl_free(idl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_founding_text),
		cmocka_unit_test(test_corpus_file),
		cmocka_unit_test(test_builtin_types),
		cmocka_unit_test(test_compound_types),
		cmocka_unit_test(test_tuples),
		cmocka_unit_test(test_arrays_and_options),
		cmocka_unit_test(test_type_mistakes),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_struct_named_like_a_mistake),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_declared_later),
		cmocka_unit_test(test_doc_comments),
		cmocka_unit_test(test_doc_text),
		cmocka_unit_test(test_canonical_messy),
		cmocka_unit_test(test_canonical_corpus_and_empty),
		cmocka_unit_test(test_canonical_param_docs),
		cmocka_unit_test(test_format_hand_built),
		cmocka_unit_test(test_struct_syntax),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_fn_syntax),
		cmocka_unit_test(test_bodies_refused),
		cmocka_unit_test(test_lexical_errors),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_self_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_impl_names),
		cmocka_unit_test(test_names_that_are_fine),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_names_in_scopes),
		cmocka_unit_test(test_direct_recursion),
		cmocka_unit_test(test_indirect_recursion),
		cmocka_unit_test(test_not_recursive),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_identifier_length),
		cmocka_unit_test(test_member_limits),
		cmocka_unit_test(test_item_limits),
		cmocka_unit_test(test_text_limits),
		cmocka_unit_test(test_nul_and_utf8),
		cmocka_unit_test(test_ascii_outside_comments),
		cmocka_unit_test(test_lookups_and_arity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
