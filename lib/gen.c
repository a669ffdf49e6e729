/* gen.c - bindings and skeletons for C and Python (the mapping is docs/wire.md's)
 *
 * Both languages see the interface's types the same way: the structs, and
 * one helper type per distinct tuple, array and Option, collected in
 * dependency order (what a type uses comes before it) so that C needs no
 * forward declarations and Python's descriptors can refer to earlier ones.
 * Helper names are spelled from the type ("(f64, [u8])" is
 * pg_tuple_f64_array_u8); the rare spelling two types share gets a number.
 * Names that would break the target language (C and Python keywords,
 * main, our pg_ prefix) get a trailing underscore; the wire keeps the
 * interface's names.
 */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- languages ---- */

static const char *const c_runtime[] = { "pg_runtime.h", "pg_runtime.c", NULL };
static const char *const py_runtime[] = { "pg_runtime.py", NULL };

/* Python's build compiles every module: a syntax error shows at build time,
 * with the compiler's message, rather than as a crash of the first run. */
static const pg_lang_info langs[PG_LANG__COUNT] = {
	{ "c", c_runtime, "impl.c", "cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm", "./impl" },
	{ "python", py_runtime, "impl.py", "python3 -m py_compile *.py", "python3 impl.py" },
};

int pg_lang_parse(const char *name)
{
	for (int l = 0; l < PG_LANG__COUNT; l++)
		if (!strcmp(name, langs[l].name))
			return l;
	return -1;
}

const char *pg_lang_name(pg_lang l)
{
	return (unsigned)l < PG_LANG__COUNT ? langs[l].name : NULL;
}

const pg_lang_info *pg_lang_get(pg_lang l)
{
	return (unsigned)l < PG_LANG__COUNT ? &langs[l] : NULL;
}

/* ---- names ---- */

/* Is w one of the space-separated words of list? */
static int in_list(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static const char c_reserved[] =
	"auto break case char const continue default do double else enum extern float for goto if "
	"inline int long register restrict return short signed sizeof static struct switch typedef "
	"union unsigned void volatile while bool true false NULL main size_t int8_t int16_t int32_t "
	"int64_t uint8_t uint16_t uint32_t uint64_t errno ptrdiff_t wchar_t max_align_t intptr_t "
	"uintptr_t intmax_t uintmax_t offsetof";

static const char py_reserved[] =
	"False None True and as assert async await break class continue def del elif else except "
	"finally for from global if import in is lambda nonlocal not or pass raise return try while "
	"with yield serve";

/* Python 3.11's sys.stdlib_module_names, lowercase: a bindings module with
 * one of these names would hide the standard module from the runtime. */
static const char py_stdlib[] =
	"__future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootsubprocess _bz2 _codecs "
	"_codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections "
	"_collections_abc _compat_pickle _compression _contextvars _crypt _csv _ctypes _curses "
	"_curses_panel _datetime _dbm _decimal _elementtree _frozen_importlib "
	"_frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _io _json _locale _lsprof "
	"_lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode _operator "
	"_osx_support _overlapped _pickle _posixshmem _posixsubprocess _py_abc _pydecimal _pyio "
	"_queue _random _scproxy _sha1 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket "
	"_sqlite3 _sre _ssl _stat _statistics _string _strptime _struct _symtable _thread "
	"_threading_local _tkinter _tokenize _tracemalloc _typing _uuid _warnings _weakref "
	"_weakrefset _winapi _zoneinfo abc aifc antigravity argparse array ast asynchat asyncio "
	"asyncore atexit audioop base64 bdb binascii bisect builtins bz2 calendar cgi cgitb chunk "
	"cmath cmd code codecs codeop collections colorsys compileall concurrent configparser "
	"contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm "
	"decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler "
	"fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath getopt getpass "
	"gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp "
	"importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale logging "
	"lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt "
	"multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse "
	"os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix "
	"posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue "
	"quopri random re readline reprlib resource rlcompleter runpy sched secrets select "
	"selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd "
	"sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct "
	"subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios "
	"textwrap this threading time timeit tkinter token tokenize tomllib trace traceback "
	"tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv "
	"warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile "
	"zipimport zlib zoneinfo typing_extensions impl pg_runtime";

/* The base must be a Python module name that hides nothing: "2d" becomes
 * pg_2d, "json" json_, "impl" impl_. */
const char *pg_gen_base(const char *ifname)
{
	static _Thread_local char buf[160];
	const char *seg = strrchr(ifname, ':');
	seg = seg ? seg + 1 : ifname;
	if (*seg >= '0' && *seg <= '9')
		snprintf(buf, sizeof(buf), "pg_%s", seg);
	else if (in_list(py_reserved, seg) || in_list(py_stdlib, seg))
		snprintf(buf, sizeof(buf), "%s_", seg);
	else
		return seg;
	return buf;
}

/* A field's or parameter's name as the language may use it: a keyword
 * gets a trailing underscore.  Fresh string. */
static char *ident(pg_lang lang, const char *name)
{
	int clash = in_list(lang == PG_LANG_C ? c_reserved : py_reserved, name);
	return pg_asprintf("%s%s", name, clash ? "_" : "");
}

/* A struct's or function's name: also kept out of the runtime's names. */
static char *gident(pg_lang lang, const char *name)
{
	int clash = in_list(lang == PG_LANG_C ? c_reserved : py_reserved, name) ||
		    !strncmp(name, lang == PG_LANG_C ? "pg_" : "_pg", 3);
	return pg_asprintf("%s%s", name, clash ? "_" : "");
}

/* ---- types ---- */

typedef struct gtype {
	const pg_type *t;     /* a tuple, array or Option, or NULL ... */
	const pg_struct *st;  /* ... for a struct */
	char *key;            /* the interface's spelling: "(f64, [u8])", "Circle" */
	char *name;           /* C name: "pg_tuple_f64_array_u8", "Circle" */
	int dec, enc;         /* needed: appears in arguments, results */
} gtype;

typedef struct gen {
	pg_buf *out;
	const pg_idl *idl;
	pg_lang lang;
	gtype *types;
	size_t ntypes;
	char **fnames; /* the author's function for each fn */
} gen;

static const char *const scalar_idl[] = { "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32",
					  "u64", "f32", "f64", "str", "bytes" };
static const char *const scalar_c[] = { "bool", "int8_t", "int16_t", "int32_t", "int64_t",
					"uint8_t", "uint16_t", "uint32_t", "uint64_t", "float",
					"double", "pg_str", "pg_bytes" };
static const char *const scalar_py[] = { "bool", "int", "int", "int", "int", "int", "int", "int",
					 "int", "float", "float", "str", "bytes" };

static int is_scalar(const pg_type *t)
{
	return t->kind <= PG_TY_BYTES;
}

/* The interface's spelling, which is also how messages name a type. */
static void type_key(pg_buf *b, const pg_type *t)
{
	if (is_scalar(t)) {
		pg_buf_puts(b, scalar_idl[t->kind]);
	} else if (t->kind == PG_TY_STRUCT) {
		pg_buf_puts(b, t->st->name);
	} else if (t->kind == PG_TY_TUPLE) {
		pg_buf_putc(b, '(');
		for (size_t i = 0; i < t->nelems; i++) {
			if (i)
				pg_buf_puts(b, ", ");
			type_key(b, t->elems[i]);
		}
		pg_buf_putc(b, ')');
	} else {
		pg_buf_puts(b, t->kind == PG_TY_ARRAY ? "[" : "Option<");
		type_key(b, t->elems[0]);
		pg_buf_puts(b, t->kind == PG_TY_ARRAY ? "]" : ">");
	}
}

/* The readable part of a helper's name: tuple_f64_array_u8. */
static void type_slug(pg_buf *b, const pg_type *t)
{
	if (is_scalar(t)) {
		pg_buf_puts(b, scalar_idl[t->kind]);
	} else if (t->kind == PG_TY_STRUCT) {
		pg_buf_puts(b, t->st->name);
	} else {
		pg_buf_puts(b, t->kind == PG_TY_TUPLE ? "tuple" : t->kind == PG_TY_ARRAY ? "array" : "option");
		for (size_t i = 0; i < t->nelems; i++) {
			pg_buf_putc(b, '_');
			type_slug(b, t->elems[i]);
		}
	}
}

static gtype *find_key(gen *g, const char *key)
{
	for (size_t i = 0; i < g->ntypes; i++)
		if (!strcmp(g->types[i].key, key))
			return &g->types[i];
	return NULL;
}

static gtype *find_name(gen *g, const char *name)
{
	for (size_t i = 0; i < g->ntypes; i++)
		if (!strcmp(g->types[i].name, name))
			return &g->types[i];
	return NULL;
}

/* Is name a struct's C name?  Structs may be collected after a helper. */
static int struct_named(gen *g, const char *name)
{
	int found = 0;
	for (size_t i = 0; i < g->idl->nstructs && !found; i++) {
		char *id = gident(PG_LANG_C, g->idl->structs[i].name);
		found = !strcmp(id, name);
		free(id);
	}
	return found;
}

static gtype *add_type(gen *g, const pg_type *t, const pg_struct *st, char *key, char *name)
{
	g->types = pg_realloc(g->types, (g->ntypes + 1) * sizeof(*g->types));
	g->types[g->ntypes] = (gtype){ t, st, key, name, 0, 0 };
	return &g->types[g->ntypes++];
}

static void collect_type(gen *g, const pg_type *t);

static void collect_struct(gen *g, const pg_struct *st)
{
	if (find_key(g, st->name))
		return;
	for (size_t i = 0; i < st->nfields; i++)
		collect_type(g, st->fields[i].type);
	add_type(g, NULL, st, pg_strdup(st->name), gident(PG_LANG_C, st->name));
}

static void collect_type(gen *g, const pg_type *t)
{
	pg_buf key = PG_BUF_INIT, name = PG_BUF_INIT;
	if (is_scalar(t))
		return;
	if (t->kind == PG_TY_STRUCT) {
		collect_struct(g, t->st);
		return;
	}
	for (size_t i = 0; i < t->nelems; i++)
		collect_type(g, t->elems[i]);
	type_key(&key, t);
	if (find_key(g, key.ptr)) {
		pg_buf_free(&key);
		return;
	}
	pg_buf_puts(&name, "pg_");
	type_slug(&name, t);
	size_t len = name.len;
	for (int k = 2; find_name(g, name.ptr) || struct_named(g, name.ptr); k++) {
		name.len = len;
		pg_buf_printf(&name, "_%d", k);
	}
	add_type(g, t, NULL, pg_buf_detach(&key), pg_buf_detach(&name));
}

static gtype *gtype_of(gen *g, const pg_type *t)
{
	pg_buf key = PG_BUF_INIT;
	type_key(&key, t);
	gtype *gt = find_key(g, key.ptr);
	pg_buf_free(&key);
	return gt;
}

/* Mark what needs a decoder (dir 0) or an encoder (dir 1). */
static void mark(gen *g, const pg_type *t, int dir)
{
	if (is_scalar(t))
		return;
	gtype *gt = gtype_of(g, t);
	int *flag = dir ? &gt->enc : &gt->dec;
	if (*flag)
		return;
	*flag = 1;
	if (gt->st)
		for (size_t i = 0; i < gt->st->nfields; i++)
			mark(g, gt->st->fields[i].type, dir);
	else
		for (size_t i = 0; i < t->nelems; i++)
			mark(g, t->elems[i], dir);
}

/* Struct_method for a method, else the fn's name; the interface keeps
 * types and functions apart but C and Python do not, so a name taken by a
 * struct or an earlier function gets underscores until it is free. */
static char *fn_name(gen *g, size_t i)
{
	const pg_fn *fn = &g->idl->fns[i];
	char *raw = fn->self ? pg_asprintf("%s_%s", fn->self->name, fn->name) : pg_strdup(fn->name);
	char *n = gident(g->lang, raw);
	for (int taken = 1; taken;) {
		taken = 0;
		for (size_t k = 0; k < g->idl->nstructs && !taken; k++) {
			char *st = gident(g->lang, g->idl->structs[k].name);
			taken = !strcmp(st, n);
			free(st);
		}
		for (size_t k = 0; k < i && !taken; k++)
			taken = !strcmp(g->fnames[k], n);
		if (taken) {
			char *longer = pg_asprintf("%s_", n);
			free(n);
			n = longer;
		}
	}
	free(raw);
	return n;
}

static const char *fname(const gen *g, const pg_fn *fn)
{
	return g->fnames[fn - g->idl->fns];
}

static void gen_init(gen *g, pg_buf *out, pg_lang lang, const pg_idl *idl)
{
	*g = (gen){ out, idl, lang, NULL, 0, pg_calloc(idl->nfns, sizeof(char *)) };
	for (size_t i = 0; i < idl->nfns; i++)
		g->fnames[i] = fn_name(g, i);
	for (size_t i = 0; i < idl->nstructs; i++)
		collect_struct(g, &idl->structs[i]);
	for (size_t i = 0; i < idl->nfns; i++) {
		const pg_fn *fn = &idl->fns[i];
		for (size_t a = 0; a < pg_fn_arity(fn); a++) {
			collect_type(g, pg_fn_arg_type(fn, a));
			mark(g, pg_fn_arg_type(fn, a), 0);
		}
		if (fn->ret) {
			collect_type(g, fn->ret);
			mark(g, fn->ret, 1);
		}
	}
}

static void gen_free(gen *g)
{
	for (size_t i = 0; i < g->ntypes; i++)
		free(g->types[i].key), free(g->types[i].name);
	for (size_t i = 0; i < g->idl->nfns; i++)
		free(g->fnames[i]);
	free(g->types), free(g->fnames);
}

/* The C type of t: a scalar's, a struct's or a helper's name. */
static const char *ctype(gen *g, const pg_type *t)
{
	return is_scalar(t) ? scalar_c[t->kind] : gtype_of(g, t)->name;
}

/* The Python type hint of t. */
static void pytype(gen *g, pg_buf *b, const pg_type *t)
{
	if (is_scalar(t)) {
		pg_buf_puts(b, scalar_py[t->kind]);
	} else if (t->kind == PG_TY_STRUCT) {
		char *id = gident(PG_LANG_PYTHON, t->st->name);
		pg_buf_puts(b, id);
		free(id);
	} else {
		pg_buf_puts(b, t->kind == PG_TY_TUPLE ? "tuple[" : t->kind == PG_TY_ARRAY ? "list[" : "");
		for (size_t i = 0; i < t->nelems; i++) {
			if (i)
				pg_buf_puts(b, ", ");
			pytype(g, b, t->elems[i]);
		}
		pg_buf_puts(b, t->kind == PG_TY_OPTION ? " | None" : "]");
	}
}

/* ---- comments ---- */

/* doc as a C comment, each line prefixed by indent; nothing for NULL.
 * Pairs of characters that would end the comment, open another or make a
 * trigraph are split with a space. */
static void c_comment(pg_buf *b, const char *indent, const char *doc)
{
	if (!doc)
		return;
	pg_buf_printf(b, "%s/*", indent);
	for (const char *p = doc; *p; p++) {
		if (p == doc || p[-1] == '\n')
			pg_buf_putc(b, ' ');
		if (*p == '\n')
			pg_buf_printf(b, "\n%s *", indent);
		else if (p > doc && ((*p == '/' && p[-1] == '*') || (*p == '*' && p[-1] == '/') ||
				     (*p == '?' && p[-1] == '?')))
			pg_buf_printf(b, " %c", *p); /* no end of comment, nested comment or trigraph */
		else
			pg_buf_putc(b, *p);
	}
	pg_buf_puts(b, " */\n");
}

static void py_comment(pg_buf *b, const char *indent, const char *doc)
{
	if (!doc)
		return;
	pg_buf_printf(b, "%s#", indent);
	for (const char *p = doc; *p; p++) {
		if (p == doc || p[-1] == '\n')
			pg_buf_putc(b, ' ');
		if (*p == '\n')
			pg_buf_printf(b, "\n%s#", indent);
		else
			pg_buf_putc(b, *p);
	}
	pg_buf_putc(b, '\n');
}

/* A fn's documentation: its doc, then "name: doc" for each documented
 * parameter; NULL when there is none.  Free it. */
static char *fn_doc(const pg_fn *fn)
{
	pg_buf b = PG_BUF_INIT;
	if (fn->doc)
		pg_buf_puts(&b, fn->doc);
	for (size_t i = 0; i < fn->nparams; i++)
		if (fn->params[i].doc)
			pg_buf_printf(&b, "%s%s: %s", b.len ? "\n" : "", fn->params[i].name, fn->params[i].doc);
	char *doc = b.len ? pg_buf_detach(&b) : NULL;
	pg_buf_free(&b); /* an empty doc ("//" alone) still grew it */
	return doc;
}

/* ---- C ---- */

/* RET Name(const Struct *self, T p, ...) */
static void c_prototype(gen *g, const pg_fn *fn)
{
	const char *name = fname(g, fn);
	pg_buf_printf(g->out, "%s %s(", fn->ret ? ctype(g, fn->ret) : "void", name);
	if (fn->self)
		pg_buf_printf(g->out, "const %s *self", gtype_of(g, fn->self_type)->name);
	for (size_t i = 0; i < fn->nparams; i++) {
		char *p = ident(PG_LANG_C, fn->params[i].name);
		pg_buf_printf(g->out, "%s%s %s", i || fn->self ? ", " : "", ctype(g, fn->params[i].type), p);
		free(p);
	}
	pg_buf_puts(g->out, pg_fn_arity(fn) ? ")" : "void)");
}

static void c_types(gen *g)
{
	pg_buf *b = g->out;
	for (size_t i = 0; i < g->ntypes; i++) {
		const gtype *gt = &g->types[i];
		if (gt->st) {
			c_comment(b, "", gt->st->doc);
			pg_buf_printf(b, "typedef struct %s {\n", gt->name);
			for (size_t f = 0; f < gt->st->nfields; f++) {
				const pg_member *m = &gt->st->fields[f];
				char *id = ident(PG_LANG_C, m->name);
				c_comment(b, "\t", m->doc);
				pg_buf_printf(b, "\t%s %s;\n", ctype(g, m->type), id);
				free(id);
			}
		} else {
			pg_buf_printf(b, "/* %s */\ntypedef struct %s {\n", gt->key, gt->name);
			if (gt->t->kind == PG_TY_TUPLE)
				for (size_t e = 0; e < gt->t->nelems; e++)
					pg_buf_printf(b, "\t%s _%zu;\n", ctype(g, gt->t->elems[e]), e);
			else if (gt->t->kind == PG_TY_ARRAY)
				pg_buf_printf(b, "\t%s *ptr;\n\tsize_t len;\n", ctype(g, gt->t->elems[0]));
			else
				pg_buf_printf(b, "\tbool some;\n\t%s value;\n", ctype(g, gt->t->elems[0]));
		}
		pg_buf_printf(b, "} %s;\n\n", gt->name);
	}
}

static void c_decoder(gen *g, const gtype *gt)
{
	pg_buf *b = g->out;
	const pg_type *t = gt->t;
	const char *n = gt->name;
	pg_buf_printf(b, "static void pg_dec_%s(const pg_json *pg_j, %s *pg_v)\n{\n", n, n);
	if (gt->st) {
		size_t nf = gt->st->nfields;
		pg_buf_puts(b, "\tstatic const char *const pg_f[] = {");
		for (size_t f = 0; f < nf; f++)
			pg_buf_printf(b, "%s\"%s\"", f ? ", " : " ", gt->st->fields[f].name);
		pg_buf_printf(b, " };\n\tconst pg_json *pg_m[%zu];\n", nf);
		pg_buf_printf(b, "\tpg_dec_struct(pg_j, \"%s\", pg_f, %zu, pg_m);\n", gt->key, nf);
		for (size_t f = 0; f < nf; f++) {
			char *id = ident(PG_LANG_C, gt->st->fields[f].name);
			pg_buf_printf(b, "\tpg_path_field(pg_f[%zu]), pg_dec_%s(pg_m[%zu], &pg_v->%s), pg_path_pop();\n", f,
				      ctype(g, gt->st->fields[f].type), f, id);
			free(id);
		}
	} else if (t->kind == PG_TY_TUPLE) {
		pg_buf_printf(b, "\tconst pg_json *pg_e = pg_dec_tuple(pg_j, %zu, \"%s\");\n", t->nelems, gt->key);
		for (size_t e = 0; e < t->nelems; e++)
			pg_buf_printf(b, "\tpg_path_index(%zu), pg_dec_%s(&pg_e[%zu], &pg_v->_%zu), pg_path_pop();\n", e,
				      ctype(g, t->elems[e]), e, e);
	} else if (t->kind == PG_TY_ARRAY) {
		pg_buf_printf(b, "\tconst pg_json *pg_e = pg_dec_array(pg_j, \"%s\", &pg_v->len);\n"
			      "\tpg_v->ptr = pg_alloc_n(pg_v->len, sizeof(*pg_v->ptr));\n"
			      "\tfor (size_t pg_i = 0; pg_i < pg_v->len; pg_i++)\n"
			      "\t\tpg_path_index(pg_i), pg_dec_%s(&pg_e[pg_i], &pg_v->ptr[pg_i]), pg_path_pop();\n",
			      gt->key, ctype(g, t->elems[0]));
	} else {
		pg_buf_printf(b, "\tif ((pg_v->some = pg_j->kind != PG_JNULL))\n\t\tpg_dec_%s(pg_j, &pg_v->value);\n",
			      ctype(g, t->elems[0]));
	}
	pg_buf_puts(b, "}\n\n");
}

static void c_encoder(gen *g, const gtype *gt)
{
	pg_buf *b = g->out;
	const pg_type *t = gt->t;
	pg_buf_printf(b, "static void pg_enc_%s(const %s *pg_v)\n{\n", gt->name, gt->name);
	if (gt->st) {
		for (size_t f = 0; f < gt->st->nfields; f++) {
			const pg_member *m = &gt->st->fields[f];
			char *id = ident(PG_LANG_C, m->name);
			pg_buf_printf(b, "\tPG_PUTS(\"%s\\\"%s\\\":\");\n", f ? "," : "{", m->name);
			pg_buf_printf(b, "\tpg_path_field(\"%s\"), pg_enc_%s(&pg_v->%s), pg_path_pop();\n", m->name,
				      ctype(g, m->type), id);
			free(id);
		}
		pg_buf_puts(b, "\tPG_PUTS(\"}\");\n");
	} else if (t->kind == PG_TY_TUPLE) {
		for (size_t e = 0; e < t->nelems; e++)
			pg_buf_printf(b, "\tPG_PUTS(\"%s\");\n\tpg_path_index(%zu), pg_enc_%s(&pg_v->_%zu), pg_path_pop();\n",
				      e ? "," : "[", e, ctype(g, t->elems[e]), e);
		pg_buf_puts(b, "\tPG_PUTS(\"]\");\n");
	} else if (t->kind == PG_TY_ARRAY) {
		pg_buf_printf(b, "\tpg_enc_check(pg_v->ptr, pg_v->len);\n\tPG_PUTS(\"[\");\n"
			      "\tfor (size_t pg_i = 0; pg_i < pg_v->len; pg_i++) {\n\t\tif (pg_i)\n\t\t\tPG_PUTS(\",\");\n"
			      "\t\tpg_path_index(pg_i), pg_enc_%s(&pg_v->ptr[pg_i]), pg_path_pop();\n\t}\n"
			      "\tPG_PUTS(\"]\");\n", ctype(g, t->elems[0]));
	} else {
		pg_buf_printf(b, "\tif (pg_v->some)\n\t\tpg_enc_%s(&pg_v->value);\n\telse\n\t\tPG_PUTS(\"null\");\n",
			      ctype(g, t->elems[0]));
	}
	pg_buf_puts(b, "}\n\n");
}

/* The three functions of the call table for fn, named after its C name. */
static void c_glue(gen *g, const pg_fn *fn)
{
	pg_buf *b = g->out;
	const char *n = fname(g, fn);
	size_t nargs = pg_fn_arity(fn);
	if (nargs) {
		pg_buf_printf(b, "typedef struct pg_args_%s {\n", n);
		for (size_t a = 0; a < nargs; a++)
			pg_buf_printf(b, "\t%s a%zu;\n", ctype(g, pg_fn_arg_type(fn, a)), a);
		pg_buf_printf(b, "} pg_args_%s;\n\n", n);
		pg_buf_printf(b, "static const char *const pg_names_%s[] = {", n);
		for (size_t a = 0; a < nargs; a++)
			pg_buf_printf(b, "%s\"%s\"", a ? ", " : " ", pg_fn_arg_name(fn, a));
		pg_buf_printf(b, " };\n\nstatic void pg_decode_%s(const pg_json *pg_a, void *pg_p)\n{\n"
			      "\tpg_args_%s *pg_v = pg_p;\n", n, n);
		for (size_t a = 0; a < nargs; a++)
			pg_buf_printf(b, "\tpg_arg(%zu), pg_dec_%s(&pg_a[%zu], &pg_v->a%zu);\n", a,
				      ctype(g, pg_fn_arg_type(fn, a)), a, a);
		pg_buf_puts(b, "}\n\n");
	}
	pg_buf_printf(b, "static void pg_invoke_%s(const void *pg_p, void *pg_r)\n{\n", n);
	if (nargs)
		pg_buf_printf(b, "\tconst pg_args_%s *pg_v = pg_p;\n", n);
	else
		pg_buf_puts(b, "\t(void)pg_p;\n");
	if (fn->ret)
		pg_buf_printf(b, "\t*(%s *)pg_r = %s(", ctype(g, fn->ret), n);
	else
		pg_buf_printf(b, "\t(void)pg_r;\n\t%s(", n);
	for (size_t a = 0; a < nargs; a++)
		pg_buf_printf(b, "%s%spg_v->a%zu", a ? ", " : "", a == 0 && fn->self ? "&" : "", a);
	pg_buf_puts(b, ");\n}\n\n");
	if (fn->ret)
		pg_buf_printf(b, "static void pg_encode_%s(const void *pg_r)\n{\n\tpg_enc_%s(pg_r);\n}\n\n", n,
			      ctype(g, fn->ret));
}

static int by_call(const void *a, const void *b)
{
	return strcmp((*(const pg_fn *const *)a)->call, (*(const pg_fn *const *)b)->call);
}

/* The include guard: PG_GEOMETRY_CIRCLE_H. */
static char *guard(const char *ifname)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "PG_");
	for (const char *p = ifname; *p; p++) {
		if (*p == ':')
			p++;
		pg_buf_putc(&b, *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p == ':' ? '_' : *p);
	}
	pg_buf_puts(&b, "_H");
	return pg_buf_detach(&b);
}

static void c_bindings(gen *g, const char *ifname, const char *ifid)
{
	pg_buf *b = g->out;
	const char *base = pg_gen_base(ifname);
	const pg_idl *idl = g->idl;
	char *gd = guard(ifname);
	pg_buf_printf(b,
		"/* %s.h - C bindings of the pg interface %s\n"
		" *\n"
		"%s%s%s"
		" * Generated by pg: do not edit.  Define the functions declared below in\n"
		" * one file that begins\n"
		" *\n"
		" *     #define PG_IMPLEMENTATION\n"
		" *     #include \"%s.h\"\n"
		" *\n"
		" * which then also holds main(): it answers pg's requests on stdin by\n"
		" * calling them.  Build it with the runtime, e.g.\n"
		" *     %s\n"
		" *\n"
		" * Types: bool, int8_t .. uint64_t, float (f32), double (f64); str is\n"
		" * pg_str and bytes pg_bytes, a pointer and a length (a str is UTF-8 and\n"
		" * may hold U+0000); a tuple is a struct with members _0, _1, ...; [T] is\n"
		" * {T *ptr; size_t len;}; Option<T> is {bool some; T value;}.\n"
		" * Parameters are passed by value, the receiver of a method (self) by const\n"
		" * pointer.  Arguments live until the function returns; build results in\n"
		" * pg_alloc() memory, freed once the answer is written.  pg_fail(\"...\")\n"
		" * refuses the input: the request gets the message as its error.  stdout is\n"
		" * the protocol's: printf() goes to stderr.  A name C cannot take as it is\n"
		" * gets a trailing underscore: a keyword (a field default is default_),\n"
		" * main, a pg_ name, a fn named like a struct; the wire keeps the\n"
		" * interface's names.\n"
		" */\n"
		"#ifndef %s\n#define %s\n\n#include \"pg_runtime.h\"\n\n",
		base, ifname, ifid ? " * Interface id: " : "", ifid ? ifid : "", ifid ? "\n *\n" : "", base,
		langs[PG_LANG_C].build, gd, gd);
	c_types(g);
	for (size_t i = 0; i < idl->nfns; i++) {
		char *doc = fn_doc(&idl->fns[i]);
		c_comment(b, "", doc);
		free(doc);
		c_prototype(g, &idl->fns[i]);
		pg_buf_puts(b, ";\n\n");
	}
	pg_buf_puts(b, "#ifdef PG_IMPLEMENTATION\n\n");
	for (size_t i = 0; i < g->ntypes; i++) {
		if (g->types[i].dec)
			c_decoder(g, &g->types[i]);
		if (g->types[i].enc)
			c_encoder(g, &g->types[i]);
	}
	for (size_t i = 0; i < idl->nfns; i++)
		c_glue(g, &idl->fns[i]);

	/* the table, sorted by call name for the runtime's binary search */
	const pg_fn **sorted = pg_calloc(idl->nfns, sizeof(*sorted));
	for (size_t i = 0; i < idl->nfns; i++)
		sorted[i] = &idl->fns[i];
	if (idl->nfns)
		qsort(sorted, idl->nfns, sizeof(*sorted), by_call);
	if (idl->nfns)
		pg_buf_puts(b, "static const pg_fn_def pg_fns[] = {\n");
	for (size_t i = 0; i < idl->nfns; i++) {
		const pg_fn *fn = sorted[i];
		const char *n = fname(g, fn);
		size_t nargs = pg_fn_arity(fn);
		pg_buf_printf(b, "\t{ \"%s\", %zu, ", fn->call, nargs);
		if (nargs)
			pg_buf_printf(b, "pg_names_%s, sizeof(pg_args_%s), ", n, n);
		else
			pg_buf_puts(b, "NULL, 0, ");
		pg_buf_printf(b, "%s%s%s,\n\t  ", fn->ret ? "sizeof(" : "0", fn->ret ? ctype(g, fn->ret) : "",
			      fn->ret ? ")" : "");
		pg_buf_printf(b, "%s%s, pg_invoke_%s, ", nargs ? "pg_decode_" : "NULL", nargs ? n : "", n);
		pg_buf_printf(b, "%s%s },\n", fn->ret ? "pg_encode_" : "NULL", fn->ret ? n : "");
	}
	free(sorted);
	pg_buf_printf(b, "%s\nstatic const pg_table pg_table_%s = { \"%s\", %s, %zu };\n\n"
		      "int main(void)\n{\n\treturn pg_serve(&pg_table_%s);\n}\n\n"
		      "#endif /* PG_IMPLEMENTATION */\n#endif /* %s */\n",
		      idl->nfns ? "};\n" : "", base, ifname, idl->nfns ? "pg_fns" : "NULL", idl->nfns, base,
		      gd);
	free(gd);
}

/* The plain value of t as a C expression. */
static void c_plain(gen *g, pg_buf *b, const pg_type *t)
{
	if (t->kind == PG_TY_BOOL)
		pg_buf_puts(b, "false");
	else if (t->kind == PG_TY_F32)
		pg_buf_puts(b, "0.0f");
	else if (t->kind == PG_TY_F64)
		pg_buf_puts(b, "0.0");
	else if (t->kind < PG_TY_F32)
		pg_buf_puts(b, "0");
	else
		pg_buf_printf(b, "(%s){ 0 }", ctype(g, t));
}

static void c_skeleton(gen *g, const char *ifname)
{
	pg_buf *b = g->out;
	const char *base = pg_gen_base(ifname);
	pg_buf_printf(b,
		"/* impl.c - an implementation of the pg interface %s\n"
		" *\n"
		" * Fill in the functions below; %s.h declares them and the types, and\n"
		" * says how values are passed.  Build: %s\n"
		" */\n"
		"#define PG_IMPLEMENTATION\n#include \"%s.h\"\n",
		ifname, base, langs[PG_LANG_C].build, base);
	for (size_t i = 0; i < g->idl->nfns; i++) {
		const pg_fn *fn = &g->idl->fns[i];
		char *doc = fn_doc(fn);
		pg_buf_putc(b, '\n');
		c_comment(b, "", doc);
		free(doc);
		c_prototype(g, fn);
		pg_buf_puts(b, "\n{\n");
		if (fn->self)
			pg_buf_puts(b, "\t(void)self;\n");
		for (size_t p = 0; p < fn->nparams; p++) {
			char *id = ident(PG_LANG_C, fn->params[p].name);
			pg_buf_printf(b, "\t(void)%s;\n", id);
			free(id);
		}
		pg_buf_puts(b, "\t/* TODO: the real work; pg_fail(\"why\") refuses an input */\n");
		if (fn->ret) {
			pg_buf_puts(b, "\treturn ");
			c_plain(g, b, fn->ret);
			pg_buf_puts(b, ";\n");
		}
		pg_buf_puts(b, "}\n");
	}
}

/* ---- Python ---- */

static const char *const scalar_desc[] = { "BOOL", "I8", "I16", "I32", "I64", "U8", "U16", "U32",
					   "U64", "F32", "F64", "STR", "BYTES" };

/* The descriptor of t: _pg.F64, or the variable of a struct or helper. */
static void py_desc(gen *g, pg_buf *b, const pg_type *t)
{
	if (is_scalar(t))
		pg_buf_printf(b, "_pg.%s", scalar_desc[t->kind]);
	else
		pg_buf_printf(b, "_t_%s", gtype_of(g, t)->name);
}

static void py_plain(gen *g, pg_buf *b, const pg_type *t)
{
	static const char *const plain[] = { "False", "0", "0", "0", "0", "0", "0", "0", "0", "0.0",
					     "0.0", "\"\"", "b\"\"" };
	if (is_scalar(t)) {
		pg_buf_puts(b, plain[t->kind]);
	} else if (t->kind == PG_TY_ARRAY) {
		pg_buf_puts(b, "[]");
	} else if (t->kind == PG_TY_OPTION) {
		pg_buf_puts(b, "None");
	} else if (t->kind == PG_TY_TUPLE) {
		pg_buf_putc(b, '(');
		for (size_t i = 0; i < t->nelems; i++) {
			if (i)
				pg_buf_puts(b, ", ");
			py_plain(g, b, t->elems[i]);
		}
		pg_buf_putc(b, ')');
	} else {
		char *id = gident(PG_LANG_PYTHON, t->st->name);
		pg_buf_printf(b, "%s(", id);
		free(id);
		for (size_t i = 0; i < t->st->nfields; i++) {
			id = ident(PG_LANG_PYTHON, t->st->fields[i].name);
			pg_buf_printf(b, "%s%s=", i ? ", " : "", id);
			free(id);
			py_plain(g, b, t->st->fields[i].type);
		}
		pg_buf_putc(b, ')');
	}
}

/* Between the elements of a Python tuple of n: "a, b" and "a,". */
static const char *py_sep(size_t i, size_t n)
{
	return i + 1 < n ? ", " : n == 1 ? "," : "";
}

static void py_bindings(gen *g, const char *ifname, const char *ifid)
{
	pg_buf *b = g->out;
	const char *base = pg_gen_base(ifname);
	pg_buf_printf(b,
		"# %s.py - Python bindings of the pg interface %s\n"
		"#\n"
		"%s%s%s"
		"# Generated by pg: do not edit.  impl.py defines one function per function\n"
		"# of the interface - Struct_method(self, ...) for a method, name(...) for a\n"
		"# free fn - and calls serve(sys.modules[__name__]), which answers pg's\n"
		"# requests on stdin by calling them.  Values: structs are the dataclasses\n"
		"# below, tuples tuples, [T] lists, Option<T> None or the value, integers\n"
		"# int, f32/f64 float, str str, bytes bytes.  An exception refuses the\n"
		"# input: the request gets its message as the error.  A name Python cannot\n"
		"# take as it is gets a trailing underscore: a keyword (a field from is\n"
		"# from_), serve, a fn named like a struct; the wire keeps the\n"
		"# interface's names.\n"
		"from __future__ import annotations\n\n"
		"from dataclasses import dataclass as _dataclass\n\n"
		"import pg_runtime as _pg\n",
		base, ifname, ifid ? "# Interface id: " : "", ifid ? ifid : "", ifid ? "\n#\n" : "");
	for (size_t i = 0; i < g->ntypes; i++) {
		const pg_struct *st = g->types[i].st;
		if (!st)
			continue;
		char *id = gident(PG_LANG_PYTHON, st->name);
		pg_buf_puts(b, "\n\n");
		py_comment(b, "", st->doc);
		pg_buf_printf(b, "@_dataclass\nclass %s:\n", id);
		free(id);
		for (size_t f = 0; f < st->nfields; f++) {
			py_comment(b, "    ", st->fields[f].doc);
			id = ident(PG_LANG_PYTHON, st->fields[f].name);
			pg_buf_printf(b, "    %s: ", id);
			free(id);
			pytype(g, b, st->fields[f].type);
			pg_buf_putc(b, '\n');
		}
	}
	pg_buf_puts(b, "\n\n");
	for (size_t i = 0; i < g->ntypes; i++) {
		const gtype *gt = &g->types[i];
		pg_buf_printf(b, "_t_%s = _pg.", gt->name);
		if (gt->st) {
			char *id = gident(PG_LANG_PYTHON, gt->st->name);
			pg_buf_printf(b, "Struct(%s, \"%s\", (", id, gt->key);
			free(id);
			for (size_t f = 0; f < gt->st->nfields; f++) {
				const pg_member *m = &gt->st->fields[f];
				id = ident(PG_LANG_PYTHON, m->name);
				pg_buf_printf(b, "(\"%s\", \"%s\", ", m->name, id);
				free(id);
				py_desc(g, b, m->type);
				pg_buf_printf(b, ")%s", py_sep(f, gt->st->nfields));
			}
			pg_buf_puts(b, "))\n");
		} else if (gt->t->kind == PG_TY_TUPLE) {
			pg_buf_printf(b, "Tuple(\"%s\", (", gt->key);
			for (size_t e = 0; e < gt->t->nelems; e++) {
				py_desc(g, b, gt->t->elems[e]);
				pg_buf_puts(b, py_sep(e, gt->t->nelems));
			}
			pg_buf_puts(b, "))\n");
		} else {
			pg_buf_printf(b, "%s(\"%s\", ", gt->t->kind == PG_TY_ARRAY ? "Array" : "Option", gt->key);
			py_desc(g, b, gt->t->elems[0]);
			pg_buf_puts(b, ")\n");
		}
	}
	pg_buf_puts(b, "\n_FNS = (\n");
	for (size_t i = 0; i < g->idl->nfns; i++) {
		const pg_fn *fn = &g->idl->fns[i];
		const char *n = fname(g, fn);
		pg_buf_printf(b, "    _pg.Fn(\"%s\", \"%s\", (", fn->call, n);
		for (size_t a = 0; a < pg_fn_arity(fn); a++)
			pg_buf_printf(b, "\"%s\"%s", pg_fn_arg_name(fn, a), py_sep(a, pg_fn_arity(fn)));
		pg_buf_puts(b, "), (");
		for (size_t a = 0; a < pg_fn_arity(fn); a++) {
			py_desc(g, b, pg_fn_arg_type(fn, a));
			pg_buf_puts(b, py_sep(a, pg_fn_arity(fn)));
		}
		pg_buf_puts(b, "), ");
		if (fn->ret)
			py_desc(g, b, fn->ret);
		else
			pg_buf_puts(b, "None");
		pg_buf_puts(b, "),\n");
	}
	pg_buf_puts(b, ")\n\n\n"
		    "def serve(impl):\n"
		    "    \"\"\"Answer pg's requests on stdin with impl's functions, until EOF or shutdown.\"\"\"\n"
		    "    _pg.serve(impl, _FNS)\n");
}

/* The skeleton imports the structs and serve by name, not the module:
 * a module named like a builtin (sum, hash) would hide it from the author. */
static void py_skeleton(gen *g, const char *ifname)
{
	pg_buf *b = g->out;
	const char *base = pg_gen_base(ifname), *sys = "sys";
	for (size_t i = 0; i < g->idl->nfns; i++) {
		const char *n = fname(g, &g->idl->fns[i]);
		if (!strcmp(n, "sys"))
			sys = "_sys"; /* an author function named sys would hide the module */
	}
	for (size_t i = 0; i < g->idl->nstructs; i++)
		if (!strcmp(g->idl->structs[i].name, "sys"))
			sys = "_sys";
	pg_buf_printf(b,
		"# impl.py - an implementation of the pg interface %s\n"
		"#\n"
		"# Fill in the functions below; %s.py has the types and says how values\n"
		"# are passed.  Raise an exception to refuse an input.\n"
		"import sys%s\n\nfrom %s import ",
		ifname, base, strcmp(sys, "sys") ? " as _sys" : "", base);
	for (size_t i = 0; i < g->idl->nstructs; i++) {
		char *id = gident(PG_LANG_PYTHON, g->idl->structs[i].name);
		pg_buf_printf(b, "%s, ", id);
		free(id);
	}
	pg_buf_puts(b, "serve\n");
	for (size_t i = 0; i < g->idl->nfns; i++) {
		const pg_fn *fn = &g->idl->fns[i];
		const char *n = fname(g, fn);
		char *doc = fn_doc(fn);
		pg_buf_printf(b, "\n\ndef %s(", n);
		if (fn->self) {
			pg_buf_puts(b, "self: ");
			pytype(g, b, fn->self_type);
		}
		for (size_t p = 0; p < fn->nparams; p++) {
			char *id = ident(PG_LANG_PYTHON, fn->params[p].name);
			pg_buf_printf(b, "%s%s: ", p || fn->self ? ", " : "", id);
			free(id);
			pytype(g, b, fn->params[p].type);
		}
		pg_buf_puts(b, ") -> ");
		if (fn->ret)
			pytype(g, b, fn->ret);
		else
			pg_buf_puts(b, "None");
		pg_buf_puts(b, ":\n");
		py_comment(b, "    ", doc);
		free(doc);
		pg_buf_puts(b, "    # TODO: the real work\n    return");
		if (fn->ret) {
			pg_buf_putc(b, ' ');
			py_plain(g, b, fn->ret);
		}
		pg_buf_putc(b, '\n');
	}
	pg_buf_printf(b, "\n\nif __name__ == \"__main__\":\n    serve(%s.modules[__name__])\n", sys);
}

/* ---- entry points ---- */

void pg_gen_bindings(pg_buf *out, pg_lang lang, const pg_idl *idl, const char *ifname, const char *ifid)
{
	gen g;
	gen_init(&g, out, lang, idl);
	if (lang == PG_LANG_C)
		c_bindings(&g, ifname, ifid);
	else
		py_bindings(&g, ifname, ifid);
	gen_free(&g);
}

void pg_gen_skeleton(pg_buf *out, pg_lang lang, const pg_idl *idl, const char *ifname)
{
	gen g;
	gen_init(&g, out, lang, idl);
	if (lang == PG_LANG_C)
		c_skeleton(&g, ifname);
	else
		py_skeleton(&g, ifname);
	gen_free(&g);
}
