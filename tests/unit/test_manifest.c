/* test_manifest.c - pg.yaml loading: fields, types, files, and file:line:column errors */
#include "unit.h"
#include "manifest.h"
#include "yamldoc.h"

#include <sys/stat.h>

/* Write text to dir/name, creating the directories on the way. */
static void put(const char *dir, const char *name, const char *text)
{
	char *path = pg_path_join(dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(pg_mkdir_p(path, 0755), 0);
	*slash = '/';
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* Write yaml as dir/pg.yaml and load dir. */
static int load(pg_manifest **m, const char *dir, const char *yaml)
{
	put(dir, PG_MANIFEST_NAME, yaml);
	*m = NULL;
	int err = pg_manifest_load(m, dir);
	if (err < 0)
		assert_null(*m);
	else
		assert_non_null(*m);
	return err;
}

/* The message must hold "DIR/pg.yaml:LINE:COL: " and text. */
static int at_pos(const char *dir, int line, int col, const char *text)
{
	char *where = pg_asprintf("%s/pg.yaml:%d:%d: ", dir, line, col);
	int ok = strstr(pg_error_last(), where) && strstr(pg_error_last(), text);
	free(where);
	return ok;
}

/* A directory with the files the manifests below list. */
static char *fixture(void)
{
	char *dir = unit_tmpdir();
	put(dir, "README", "A circle.\n");
	put(dir, "circle.idl", "double area(double r);\n");
	put(dir, "Makefile", "all:\n");
	put(dir, "src/circle.c", "double area(double r) { return 3.14159 * r * r; }\n");
	return dir;
}

/* ---- valid manifests ---- */

static void test_interface_manifest(void **state)
{
	(void)state;
	char *dir = fixture();
	pg_manifest *m;
	int err = load(&m, dir,
		       "# the circle interface\n"
		       "type: interface\n"
		       "name: geometry::circle\n"
		       "description: A circle of a given radius.\n"
		       "files: [circle.idl, README]\n");
	if (err < 0)
		fail_msg("%s", pg_error_last());
	assert_int_equal(m->type, PG_T_INTERFACE);
	assert_string_equal(m->name, "geometry::circle");
	assert_null(m->interface);
	assert_null(m->lang);
	/* a one-line description becomes text ending in a newline */
	assert_string_equal(m->description, "A circle of a given radius.\n");
	assert_non_null(m->files);
	assert_string_equal(m->files[0], "circle.idl");
	assert_string_equal(m->files[1], "README");
	assert_null(m->files[2]);
	assert_string_equal(m->dir, dir);
	char *want = pg_path_join(dir, "pg.yaml");
	assert_string_equal(m->path, want);
	free(want);

	/* where: the value of a key, or the document (line 2: after the comment) */
	char *w = pg_manifest_where(m, "name");
	char *exp = pg_asprintf("%s/pg.yaml:3:7", dir);
	assert_string_equal(w, exp);
	free(w), free(exp);
	w = pg_manifest_where(m, "files");
	exp = pg_asprintf("%s/pg.yaml:5:8", dir);
	assert_string_equal(w, exp);
	free(w), free(exp);
	w = pg_manifest_where(m, NULL);
	exp = pg_asprintf("%s/pg.yaml:2:1", dir);
	assert_string_equal(w, exp);
	free(w);
	w = pg_manifest_where(m, "lang");
	assert_string_equal(w, exp);
	free(w), free(exp);
	pg_manifest_free(m);
	pg_manifest_free(NULL);
	unit_rmtree(dir);
}

static void test_impl_manifest(void **state)
{
	(void)state;
	char *dir = fixture();
	pg_manifest *m;
	int err = load(&m, dir,
		       "type: impl\n"
		       "name: circle-c\n"
		       "interface: geometry::circle\n"
		       "lang: c\n"
		       "build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm\n"
		       "run: ./impl\n"
		       "description: |\n"
		       "  A circle in C.\n"
		       "\n"
		       "  Uses 3.14159 for \xcf\x80.\n"
		       "files:\n"
		       "  - src\n"
		       "  - src/circle.c\n"
		       "  - Makefile\n");
	if (err < 0)
		fail_msg("%s", pg_error_last());
	assert_int_equal(m->type, PG_T_IMPL);
	assert_string_equal(m->name, "circle-c");
	assert_string_equal(m->interface, "geometry::circle");
	assert_string_equal(m->lang, "c");
	assert_string_equal(m->build, "cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm");
	assert_string_equal(m->run, "./impl");
	assert_string_equal(m->description, "A circle in C.\n\nUses 3.14159 for \xcf\x80.\n");
	assert_string_equal(m->files[0], "src");
	assert_string_equal(m->files[1], "src/circle.c");
	assert_string_equal(m->files[2], "Makefile");
	assert_null(m->files[3]);
	pg_manifest_free(m);

	/* an id prefix may stand for the interface; no files means the default */
	err = load(&m, dir, "type: impl\nname: circle-c\ninterface: 0123abcd\nlang: c\nrun: ./impl\n");
	if (err < 0)
		fail_msg("%s", pg_error_last());
	assert_string_equal(m->interface, "0123abcd");
	assert_null(m->files);
	assert_null(m->description);
	pg_manifest_free(m);
	unit_rmtree(dir);
}

static void test_spec_bench_and_descriptions(void **state)
{
	(void)state;
	char *dir = fixture();
	pg_manifest *m;

	assert_int_equal(load(&m, dir, "type: spec\nname: circle-spec\ninterface: geometry::circle\n"), 0);
	assert_int_equal(m->type, PG_T_SPEC);
	assert_string_equal(m->interface, "geometry::circle");
	pg_manifest_free(m);
	assert_int_equal(load(&m, dir, "type: bench\nname: big-circles\ninterface: geometry::circle\n"
				       "files: []\n"), 0);
	assert_int_equal(m->type, PG_T_BENCH);
	assert_non_null(m->files);
	assert_null(m->files[0]);
	pg_manifest_free(m);

	/* a strip-chomped block still ends in a newline */
	assert_int_equal(load(&m, dir, "type: interface\nname: geometry::circle\n"
				       "description: |-\n  one\n  two\n"), 0);
	assert_string_equal(m->description, "one\ntwo\n");
	pg_manifest_free(m);
	/* a folded block */
	assert_int_equal(load(&m, dir, "type: interface\nname: geometry::circle\n"
				       "description: >\n  one\n  two\n"), 0);
	assert_string_equal(m->description, "one two\n");
	pg_manifest_free(m);
	/* quoted, with an escaped newline inside */
	assert_int_equal(load(&m, dir, "type: interface\nname: geometry::circle\n"
				       "description: \"one\\ntwo\"\n"), 0);
	assert_string_equal(m->description, "one\ntwo\n");
	pg_manifest_free(m);
	/* an empty description is no description */
	assert_int_equal(load(&m, dir, "type: interface\nname: geometry::circle\ndescription: \"\"\n"), 0);
	assert_null(m->description);
	pg_manifest_free(m);
	unit_rmtree(dir);
}

/* ---- errors with their positions ---- */

struct mcase {
	const char *what;
	const char *yaml;
	int line, col;
	const char *text;
};

static const struct mcase bad[] = {
	/* YAML syntax */
	{ "unclosed quote", "type: interface\nname: \"geometry::circle\n", 3, 1, "YAML syntax error" },
	{ "bad indentation of a key", "type: interface\nname: geometry::circle\n description: x\n", 3, 13,
	  "YAML syntax error: mapping values are not allowed" },
	{ "bad indentation of a list item",
	  "type: impl\nname: circle-c\ninterface: geometry::circle\nlang: c\nfiles:\n  - src\n - Makefile\n",
	  7, 2, "YAML syntax error" },
	{ "tab indentation", "type: interface\nname:\n\t- a\n", 3, 1, "YAML syntax error" },
	/* types of values */
	{ "name given as a list", "type: interface\nname: [geometry, circle]\n", 2, 7, "'name' must be a string" },
	{ "name given as a block list", "type: interface\nname:\n  - geometry::circle\n", 3, 3,
	  "'name' must be a string" },
	{ "name given as a mapping", "type: interface\nname: {a: b}\n", 2, 7, "'name' must be a string" },
	{ "files given as a string", "type: interface\nname: geometry::circle\nfiles: README\n", 3, 8,
	  "'files' must be a list of paths" },
	{ "type given as a list", "type: [impl]\nname: x\n", 1, 7, "'type' must be a string" },
	/* fields */
	{ "unknown field", "type: interface\nname: geometry::circle\ncolour: red\n", 3, 1,
	  "unknown field 'colour'" },
	{ "lang on an interface", "type: interface\nname: geometry::circle\nlang: c\n", 3, 1,
	  "field 'lang' does not apply to interface manifests" },
	{ "interface on an interface", "type: interface\nname: geometry::circle\ninterface: x\n", 3, 1,
	  "field 'interface' does not apply to interface manifests" },
	{ "lang on a spec", "type: spec\nname: s\ninterface: x\nlang: c\n", 4, 1,
	  "field 'lang' does not apply to spec manifests" },
	{ "impl without lang", "# circle in C\ntype: impl\nname: circle-c\ninterface: geometry::circle\n", 2, 1,
	  "missing field 'lang' (required for impl)" },
	{ "spec without interface", "type: spec\nname: circle-spec\n", 1, 1,
	  "missing field 'interface' (required for spec)" },
	{ "bench without name", "type: bench\ninterface: geometry::circle\n", 1, 1, "missing field 'name'" },
	{ "no type", "\nname: geometry::circle\n", 2, 1, "missing field 'type'" },
	{ "unknown type", "# hi\ntype: widget\nname: x\n", 2, 7, "unknown type 'widget'" },
	{ "identity is not a manifest type", "type: identity\nname: alice\n", 1, 7, "unknown type 'identity'" },
	/* names */
	{ "interface name in capitals", "type: interface\nname: Geometry::Circle\n", 2, 7,
	  "not a valid interface name" },
	{ "interface name with :::", "type: interface\nname: geometry:::circle\n", 2, 7,
	  "not a valid interface name" },
	{ "impl name with a space", "type: impl\nname: circle c\ninterface: geometry::circle\nlang: c\nrun: x\n", 2, 7,
	  "not a valid name" },
	{ "impl name in interface style", "type: impl\nname: geometry::circle\ninterface: x\nlang: c\nrun: x\n", 2, 7,
	  "not a valid name" },
	{ "empty name", "type: interface\nname: \"\"\n", 2, 7, "name: empty value" },
	{ "bad lang", "type: impl\nname: circle-c\ninterface: x\nlang: c/c++\nrun: x\n", 4, 7, "lang:" },
	{ "impl without run", "type: impl\nname: circle-c\ninterface: x\nlang: c\n", 1, 1,
	  "missing field 'run' (required for impl)" },
	{ "run on a spec", "type: spec\nname: s\ninterface: x\nrun: ./x\n", 4, 1,
	  "field 'run' does not apply to spec manifests" },
	{ "run over two lines", "type: impl\nname: c\ninterface: x\nlang: c\nrun: |\n  a\n  b\n", 5, 6, "run:" },
	/* files */
	{ "a files entry that does not exist", "type: interface\nname: geometry::circle\n"
	  "files: [README, missing.idl]\n", 3, 17, "'missing.idl' does not exist" },
	{ "a files entry with ..", "type: interface\nname: geometry::circle\nfiles:\n  - README\n  - ../outside\n",
	  5, 5, "without '..'" },
	{ "a files entry with .. inside", "type: interface\nname: geometry::circle\nfiles: [src/../../x]\n",
	  3, 9, "without '..'" },
	{ "an absolute files entry", "type: interface\nname: geometry::circle\nfiles: [/etc/passwd]\n", 3, 9,
	  "must be a relative path" },
	{ "the manifest as a files entry", "type: interface\nname: geometry::circle\nfiles: [pg.yaml]\n", 3, 9,
	  "is the manifest itself" },
	{ "a list as a files entry", "type: interface\nname: geometry::circle\nfiles: [[README]]\n", 3, 9,
	  "each entry must be a path, not a list" },
	/* what the YAML layer refuses */
	{ "an alias", "type: interface\nname: &n geometry::circle\ndescription: *n\n", 3, 14,
	  "aliases (*name) are not allowed" },
	{ "billion laughs", "type: interface\nname: geometry::circle\n"
	  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", 4, 8, "aliases (*name) are not allowed" },
	{ "duplicate keys", "type: interface\nname: geometry::circle\nname: geometry::square\n", 3, 1,
	  "duplicate key: name" },
	{ "duplicate type", "type: interface\ntype: impl\n", 2, 1, "duplicate key: type" },
	{ "a list document", "# a list\n- type\n- interface\n", 2, 1,
	  "expected a mapping of fields (type, name, ...), found a list" },
	{ "a string document", "interface\n", 1, 1, "expected a mapping of fields (type, name, ...), found a string" },
	{ "an empty file", "", 1, 1, "empty document" },
	{ "only comments", "# nothing\n# here\n", 1, 1, "empty document" },
	{ "two documents", "type: interface\nname: geometry::circle\n---\ntype: impl\n", 3, 1,
	  "more than one document" },
	{ "a list as a key", "[type]: interface\n", 1, 1, "mapping keys must be plain words" },
	{ "carriage return in the description", "type: interface\nname: geometry::circle\n"
	  "description: \"a\\rb\"\n", 3, 14, "carriage returns" },
	{ "NUL in the description", "type: interface\nname: geometry::circle\ndescription: \"a\\0b\"\n", 3, 14,
	  "NUL character" },
};

static void test_manifest_errors(void **state)
{
	(void)state;
	char *dir = fixture();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pg_manifest *m;
		pg_error_clear();
		int err = load(&m, dir, bad[i].yaml);
		if (err != PG_EINVALID || !at_pos(dir, bad[i].line, bad[i].col, bad[i].text))
			fail_msg("%s: expected %d at pg.yaml:%d:%d '%s', got %d: %s", bad[i].what, PG_EINVALID,
				 bad[i].line, bad[i].col, bad[i].text, err, pg_error_last());
		pg_manifest_free(m);
	}
	unit_rmtree(dir);
}

/* A syntax error names where the scanner failed and where the construct
 * that failed began: an unclosed quote points back at the quote. */
static void test_syntax_error_names_the_start(void **state)
{
	(void)state;
	char *dir = fixture();
	pg_manifest *m;
	assert_int_equal(load(&m, dir, "type: interface\nname: \"geometry::circle\ndescription: x\n"), PG_EINVALID);
	assert_true(at_pos(dir, 4, 1, "YAML syntax error"));
	assert_non_null(strstr(pg_error_last(), "starts at 2:7"));
	unit_rmtree(dir);
}

static void test_manifest_not_found(void **state)
{
	(void)state;
	char *dir = unit_tmpdir();
	static pg_manifest dummy;
	pg_manifest *m = &dummy; /* must come back NULL */
	assert_error(pg_manifest_load(&m, dir), PG_ENOTFOUND, "has no pg.yaml");
	assert_null(m);

	char *nodir = pg_path_join(dir, "nosuch");
	assert_error(pg_manifest_load(&m, nodir), PG_ENOTFOUND, "is not a directory");
	free(nodir);

	put(dir, "plain", "x\n");
	char *file = pg_path_join(dir, "plain");
	assert_error(pg_manifest_load(&m, file), PG_ENOTFOUND, "is not a directory");
	free(file);

	/* pg.yaml that is a directory */
	char *sub = pg_path_join(dir, "sub");
	char *yd = pg_path_join(sub, "pg.yaml");
	assert_int_equal(pg_mkdir_p(yd, 0755), 0);
	assert_error(pg_manifest_load(&m, sub), PG_EINVALID, "not a regular file");
	free(yd);
	free(sub);
	unit_rmtree(dir);
}

/* The default payload filter leaves out pg.yaml and dot-files. */
static void test_manifest_filter(void **state)
{
	(void)state;
	assert_int_equal(pg_manifest_filter("pg.yaml", 0, NULL), 0);
	assert_int_equal(pg_manifest_filter(".git", 1, NULL), 0);
	assert_int_equal(pg_manifest_filter(".gitignore", 0, NULL), 0);
	assert_int_equal(pg_manifest_filter("src/.hidden", 0, NULL), 0);
	assert_int_not_equal(pg_manifest_filter("README", 0, NULL), 0);
	assert_int_not_equal(pg_manifest_filter("src", 1, NULL), 0);
	assert_int_not_equal(pg_manifest_filter("src/circle.c", 0, NULL), 0);
	assert_int_not_equal(pg_manifest_filter("src/pg.yaml", 0, NULL), 0);
}

/* ---- pg_yaml_parse ---- */

static int parse(pg_yaml **y, const char *text, size_t len)
{
	*y = NULL;
	int err = pg_yaml_parse(y, text, len, "pg.yaml");
	if (err < 0)
		assert_null(*y);
	else
		assert_non_null(*y);
	return err;
}

static char *nested(size_t depth)
{
	char *s = pg_malloc(2 * depth + 2);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\n';
	s[2 * depth + 1] = '\0';
	return s;
}

static void test_yaml_depth(void **state)
{
	(void)state;
	pg_yaml *y;
	/* PG_YAML_MAX_DEPTH collections inside each other are fine */
	char *s = nested(PG_YAML_MAX_DEPTH);
	assert_int_equal(parse(&y, s, strlen(s)), 0);
	pg_yaml *inner = y;
	for (int i = 1; i < PG_YAML_MAX_DEPTH; i++) {
		assert_int_equal(inner->kind, PG_YAML_SEQ);
		assert_int_equal(inner->n, 1);
		inner = inner->items[0];
	}
	assert_int_equal(inner->n, 0);
	pg_yaml_free(y);
	free(s);

	/* two more are too many */
	s = nested(PG_YAML_MAX_DEPTH + 2);
	assert_error(parse(&y, s, strlen(s)), PG_EINVALID, "nested too deeply");
	free(s);
	/* far too many: refused without exhausting the stack */
	s = nested(200000);
	assert_error(parse(&y, s, strlen(s)), PG_EINVALID, "nested too deeply");
	free(s);

	/* block mappings nest too */
	pg_buf b = PG_BUF_INIT;
	for (int i = 0; i < PG_YAML_MAX_DEPTH + 2; i++)
		pg_buf_printf(&b, "%*sk%d:\n", i, "", i);
	pg_buf_printf(&b, "%*sleaf\n", PG_YAML_MAX_DEPTH + 2, "");
	assert_error(parse(&y, b.ptr, b.len), PG_EINVALID, "nested too deeply");
	pg_buf_free(&b);
}

static void test_yaml_documents(void **state)
{
	(void)state;
	pg_yaml *y;
	assert_error(parse(&y, "a: 1\n---\nb: 2\n", 13), PG_EINVALID, "pg.yaml:2:1: more than one document");
	assert_error(parse(&y, "--- 1\n--- 2\n", 12), PG_EINVALID, "pg.yaml:2:1: more than one document");
	const char *t = "a: 1\n...\n---\nb: 2\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:3:1: more than one document");
	/* one document, with explicit markers */
	t = "---\na: 1\n...\n";
	assert_int_equal(parse(&y, t, strlen(t)), 0);
	assert_int_equal(y->kind, PG_YAML_MAP);
	assert_string_equal(pg_yaml_get(y, "a")->value, "1");
	pg_yaml_free(y);
	/* nothing at all */
	assert_error(parse(&y, "", 0), PG_EINVALID, "pg.yaml:1:1: empty document");
}

static void test_yaml_limits(void **state)
{
	(void)state;
	pg_yaml *y;
	/* PG_YAML_MAX_NODES nodes (a list and its items) are fine, one more is not */
	pg_buf b = PG_BUF_INIT;
	pg_buf_putc(&b, '[');
	for (int i = 0; i < PG_YAML_MAX_NODES - 1; i++)
		pg_buf_puts(&b, i ? ",x" : "x");
	pg_buf_puts(&b, "]\n");
	assert_int_equal(parse(&y, b.ptr, b.len), 0);
	assert_int_equal(y->n, PG_YAML_MAX_NODES - 1);
	pg_yaml_free(y);
	b.len -= 2;
	pg_buf_puts(&b, ",x]\n");
	assert_error(parse(&y, b.ptr, b.len), PG_EINVALID, "too many nodes");
	pg_buf_free(&b);

	/* size */
	size_t n = PG_YAML_MAX_BYTES + 1;
	char *big = pg_malloc(n);
	memset(big, '#', n);
	big[n - 1] = '\n';
	assert_error(parse(&y, big, n), PG_EINVALID, "larger than");
	free(big);

	/* NUL through an escape */
	const char *t = "a: \"x\\0y\"\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:1:4: NUL character");
	/* nested duplicate key */
	t = "a:\n  b: 1\n  b: 2\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:3:3: duplicate key: b");
	/* invalid UTF-8 and control characters are syntax errors where they are */
	t = "a: caf\xc3\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:1:8: YAML syntax error: invalid trailing UTF-8 octet (0x0a)");
	t = "a: 1\nb: \"\xc0\xaf\"\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:2:5: YAML syntax error: invalid length of a UTF-8");
	t = "a:\r\n  b: x\x01\n";
	assert_error(parse(&y, t, strlen(t)), PG_EINVALID, "pg.yaml:2:7: YAML syntax error: control characters are not allowed (0x01)");
}

/* Nodes carry their positions, values and whether they were quoted. */
static void test_yaml_tree(void **state)
{
	(void)state;
	pg_yaml *y;
	const char *t = "# c\nname: 'quoted'\nlist:\n  - one\n  - \"two\"\nmap: {k: v}\n";
	assert_int_equal(parse(&y, t, strlen(t)), 0);
	assert_int_equal(y->kind, PG_YAML_MAP);
	assert_int_equal(y->n, 6);
	assert_int_equal(y->line, 2);
	assert_int_equal(y->col, 1);

	const pg_yaml *v = pg_yaml_get(y, "name");
	assert_int_equal(v->kind, PG_YAML_SCALAR);
	assert_string_equal(v->value, "quoted");
	assert_false(v->plain);
	assert_int_equal(v->line, 2);
	assert_int_equal(v->col, 7);

	v = pg_yaml_get(y, "list");
	assert_int_equal(v->kind, PG_YAML_SEQ);
	assert_int_equal(v->n, 2);
	assert_string_equal(v->items[0]->value, "one");
	assert_true(v->items[0]->plain);
	assert_int_equal(v->items[0]->line, 4);
	assert_int_equal(v->items[0]->col, 5);
	assert_string_equal(v->items[1]->value, "two");
	assert_false(v->items[1]->plain);
	assert_int_equal(v->items[1]->line, 5);
	assert_int_equal(v->items[1]->col, 5);

	v = pg_yaml_get(y, "map");
	assert_int_equal(v->kind, PG_YAML_MAP);
	assert_string_equal(pg_yaml_get(v, "k")->value, "v");
	assert_int_equal(v->line, 6);
	assert_int_equal(v->col, 6);

	assert_null(pg_yaml_get(y, "nosuch"));
	assert_null(pg_yaml_get(pg_yaml_get(y, "list"), "one")); /* not a map */
	assert_null(pg_yaml_get(NULL, "name"));
	pg_yaml_free(y);
	pg_yaml_free(NULL);
}

static void test_yaml_load(void **state)
{
	(void)state;
	char *dir = unit_tmpdir();
	char *path = pg_path_join(dir, "x.yaml");
	pg_yaml *y = NULL;
	assert_int_equal(pg_yaml_load(&y, path), PG_ENOTFOUND);
	put(dir, "x.yaml", "a: [1, 2]\nb: *x\n");
	assert_int_equal(pg_yaml_load(&y, path), PG_EINVALID);
	char *want = pg_asprintf("%s:2:4: aliases", path);
	assert_error(PG_EINVALID, PG_EINVALID, want);
	free(want);
	put(dir, "x.yaml", "a: [1, 2]\n");
	assert_int_equal(pg_yaml_load(&y, path), 0);
	assert_int_equal(pg_yaml_get(y, "a")->n, 2);
	pg_yaml_free(y);
	free(path);
	unit_rmtree(dir);
}

int main(void)
{
	if (pg_crypto_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interface_manifest),
		cmocka_unit_test(test_impl_manifest),
		cmocka_unit_test(test_spec_bench_and_descriptions),
		cmocka_unit_test(test_manifest_errors),
		cmocka_unit_test(test_syntax_error_names_the_start),
		cmocka_unit_test(test_manifest_not_found),
		cmocka_unit_test(test_manifest_filter),
		cmocka_unit_test(test_yaml_depth),
		cmocka_unit_test(test_yaml_documents),
		cmocka_unit_test(test_yaml_limits),
		cmocka_unit_test(test_yaml_tree),
		cmocka_unit_test(test_yaml_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
