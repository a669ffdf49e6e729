/* idl.c - the interface language: lexer, recursive-descent parser, checks
 * and the canonical form
 *
 * One pass builds the tree while lexing on demand (one token of lookahead
 * is all the grammar needs).  Names a type uses may be declared further
 * down, so struct references and impl names go on a "pending" list and are
 * resolved once every item is in; recursion is checked after that.  The
 * arrays of structs and fns grow while parsing, so nothing points into them
 * before resolution.  Everything is attached to the pg_idl as soon as it is
 * made, so one pg_idl_free() cleans up after an error anywhere.
 *
 * Doc comments are gathered by the lexer: the // lines right above a token
 * (first on their line, no blank line or other comment between) are kept
 * with that token, and the parser takes them where an item, field or method
 * starts; everywhere else they are dropped.
 */
#include "idl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_EOF = 0, T_IDENT = 1, T_ARROW = 2 }; /* punctuation is its own char */

struct tok {
	int kind;
	const char *s;
	size_t n, line, col;
};

/* A name to resolve after parsing: a struct type, or an impl's struct. */
struct pending {
	char *name;
	pg_type *t; /* NULL for an impl block itself */
	int is_impl;
	size_t line, col;
};

struct parser {
	const char *src, *file;
	size_t len, pos, line, bol;
	int blank;   /* nothing but spaces so far on this line */
	struct tok tok;
	pg_buf doc;  /* the doc comment above tok */
	size_t ndoc; /* its lines */
	char open[PG_IDL_MAX_IDENT + 16]; /* "struct Name" while in its braces */
	char found[PG_IDL_MAX_IDENT + 8]; /* what found() says */
	size_t open_line, open_col;
	pg_idl *idl;
	struct pending *pend;
	size_t npend;
};

static const char *const kind_names[] = {
	"bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
	"f32", "f64", "str", "bytes", "tuple", "array", "option", "struct",
};
#define NBUILTIN (PG_TY_BYTES + 1)

static const char *const reserved[] = { "struct", "impl", "fn", "self" };

/* Names from other languages, and what to write instead. */
static const struct { const char *name, *hint; } mistakes[] = {
	{ "String", "did you mean 'str'?" }, { "string", "did you mean 'str'?" },
	{ "int", "use i32 or i64" }, { "uint", "use u32 or u64" },
	{ "float", "use f32 or f64" }, { "double", "use f64" },
	{ "usize", "use u64 or u32" }, { "isize", "use i64 or i32" },
	{ "char", "use str for text or u32 for a code point" },
	{ "byte", "use u8" }, { "boolean", "did you mean 'bool'?" },
	{ "Vec", "use [T] for an array" }, { "Box", "write the type itself" },
};

const char *pg_tkind_name(pg_tkind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[k] : "?";
}

/* ---- errors ---- */

static int fail_at(struct parser *p, size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(struct parser *p, size_t line, size_t col, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pg_error_set(PG_EINVALID, "%s:%zu:%zu: %s", p->file, line, col, msg);
}

/* What the current token is, for "found ..." */
static const char *found(struct parser *p)
{
	if (p->tok.kind == T_EOF)
		return "end of file";
	snprintf(p->found, sizeof(p->found), "'%.*s'", (int)p->tok.n, p->tok.s);
	return p->found;
}

/* An error at the current token.  Running out of file inside braces is
 * reported as the braces left open, which is what the author has to fix. */
static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	if (p->tok.kind == T_EOF && p->open[0])
		return fail_at(p, p->tok.line, p->tok.col,
			       "unexpected end of file: %s is not closed (opened at %zu:%zu)",
			       p->open, p->open_line, p->open_col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail_at(p, p->tok.line, p->tok.col, "%s", msg);
}

/* ---- lexer ---- */

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Keep src[start, end), a // line past its slashes, as a doc line. */
static void doc_line(struct parser *p, size_t start, size_t end)
{
	if (start < end && p->src[start] == '/') /* "///" */
		start++;
	if (start < end && p->src[start] == ' ')
		start++;
	while (end > start && (p->src[end - 1] == ' ' || p->src[end - 1] == '\t' || p->src[end - 1] == '\r'))
		end--;
	if (p->ndoc++)
		pg_buf_putc(&p->doc, '\n');
	pg_buf_put(&p->doc, p->src + start, end - start);
}

static void doc_reset(struct parser *p)
{
	p->ndoc = 0;
	pg_buf_clear(&p->doc);
}

/* Skip spaces and comments before a token, gathering its doc comment. */
static int skip_trivia(struct parser *p)
{
	const char *s = p->src;
	doc_reset(p);
	while (p->pos < p->len) {
		char c = s[p->pos];
		if (c == '\n') {
			if (p->blank) /* an empty line parts a comment from what follows */
				doc_reset(p);
			p->pos++;
			p->line++;
			p->bol = p->pos;
			p->blank = 1;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if (c == '/' && p->pos + 1 < p->len && s[p->pos + 1] == '/') {
			size_t start = p->pos + 2, end = start;
			while (end < p->len && s[end] != '\n')
				end++;
			if (p->blank)
				doc_line(p, start, end);
			else /* after code on its line: about that code, not what follows */
				doc_reset(p);
			p->pos = end;
			p->blank = 0;
		} else if (c == '/' && p->pos + 1 < p->len && s[p->pos + 1] == '*') {
			size_t line = p->line, col = p->pos - p->bol + 1, i = p->pos + 2;
			while (i + 1 < p->len && !(s[i] == '*' && s[i + 1] == '/')) {
				if (s[i++] == '\n') {
					p->line++;
					p->bol = i;
				}
			}
			if (i + 1 >= p->len)
				return fail_at(p, line, col, "unterminated comment: '/*' is never closed by '*/'");
			p->pos = i + 2;
			p->blank = 0;
			doc_reset(p);
		} else {
			break;
		}
	}
	return 0;
}

static int advance(struct parser *p)
{
	int err;
	if ((err = skip_trivia(p)) < 0)
		return err;
	struct tok *t = &p->tok;
	t->s = p->src + p->pos;
	t->line = p->line;
	t->col = p->pos - p->bol + 1;
	t->n = 1;
	p->blank = 0;
	if (p->pos == p->len) {
		t->kind = T_EOF;
		t->n = 0;
		return 0;
	}
	unsigned char c = (unsigned char)*t->s;
	if (is_alpha(c)) {
		while (p->pos + t->n < p->len && is_alnum(t->s[t->n]))
			t->n++;
		if (t->n > PG_IDL_MAX_IDENT)
			return fail_at(p, t->line, t->col, "name '%.16s...' is longer than %d bytes",
				       t->s, PG_IDL_MAX_IDENT);
		t->kind = T_IDENT;
	} else if (c && strchr("{}()[]<>,:;&", c)) {
		t->kind = c;
	} else if (c == '-' && p->pos + 1 < p->len && t->s[1] == '>') {
		t->kind = T_ARROW;
		t->n = 2;
	} else if (c >= 0x80) {
		return fail_at(p, t->line, t->col, "non-ASCII character outside a comment");
	} else if (c > ' ' && c < 0x7f) {
		return fail_at(p, t->line, t->col, "unexpected character '%c'", c);
	} else {
		return fail_at(p, t->line, t->col, "unexpected control character 0x%02x", c);
	}
	p->pos += t->n;
	return 0;
}

static int is_word(const struct tok *t, const char *w)
{
	return t->kind == T_IDENT && strlen(w) == t->n && !memcmp(t->s, w, t->n);
}

static int is_reserved(const struct tok *t)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (is_word(t, reserved[i]))
			return 1;
	return 0;
}

static int builtin(const struct tok *t)
{
	for (int k = 0; k < NBUILTIN; k++)
		if (is_word(t, kind_names[k]))
			return k;
	return -1;
}

static char *take_doc(struct parser *p)
{
	return p->ndoc ? pg_strndup(p->doc.ptr ? p->doc.ptr : "", p->doc.len) : NULL;
}

/* A name for a field, parameter, fn or struct ("a field name"...). */
static int name(struct parser *p, char **out, const char *what)
{
	*out = NULL;
	if (p->tok.kind != T_IDENT)
		return fail(p, "expected %s, found %s", what, found(p));
	if (is_reserved(&p->tok))
		return fail(p, "'%.*s' is a reserved word and cannot be %s", (int)p->tok.n, p->tok.s, what);
	*out = pg_strndup(p->tok.s, p->tok.n);
	return advance(p);
}

/* ---- types ---- */

static pg_type *type_new(pg_tkind kind, size_t line, size_t col)
{
	pg_type *t = pg_calloc(1, sizeof(*t));
	t->kind = kind;
	t->line = line;
	t->col = col;
	return t;
}

static void type_free(pg_type *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nelems; i++)
		type_free(t->elems[i]);
	free(t->elems);
	free(t);
}

static void type_push(pg_type *t, pg_type *elem)
{
	t->elems = pg_realloc(t->elems, (t->nelems + 1) * sizeof(*t->elems));
	t->elems[t->nelems++] = elem;
}

static void pend(struct parser *p, const char *name, size_t n, pg_type *t, int is_impl, size_t line, size_t col)
{
	p->pend = pg_realloc(p->pend, (p->npend + 1) * sizeof(*p->pend));
	p->pend[p->npend++] = (struct pending){ pg_strndup(name, n), t, is_impl, line, col };
}

static int parse_type(struct parser *p, int depth, pg_type **out);

/* The elements of "(A, B, ...)" or "[T]" or "Option<T>", after the opener;
 * close is the closing punctuation. */
static int parse_elems(struct parser *p, pg_type *t, int depth, int close)
{
	int err;
	for (;;) {
		pg_type *e;
		if (t->kind == PG_TY_TUPLE && p->tok.kind == ')')
			break;
		if (t->kind == PG_TY_TUPLE && t->nelems == PG_IDL_MAX_TUPLE)
			return fail(p, "a tuple has at most %d elements: use a struct", PG_IDL_MAX_TUPLE);
		err = parse_type(p, depth + 1, &e);
		if (e)
			type_push(t, e);
		if (err < 0)
			return err;
		if (t->kind == PG_TY_OPTION && e->kind == PG_TY_OPTION)
			return fail_at(p, e->line, e->col, "Option cannot hold an Option directly; "
				       "the wire form would be ambiguous");
		if (t->kind != PG_TY_TUPLE || p->tok.kind != ',')
			break;
		if ((err = advance(p)) < 0)
			return err;
	}
	if (p->tok.kind != close) {
		const char *what = t->kind == PG_TY_TUPLE ? "',' or ')' in a tuple" :
				   t->kind == PG_TY_ARRAY ? "']' to close '['" : "'>' to close 'Option<'";
		return fail(p, "expected %s, found %s", what, found(p));
	}
	if (t->kind == PG_TY_TUPLE && t->nelems < 2)
		return fail_at(p, t->line, t->col, t->nelems ?
			       "a tuple needs at least 2 elements: write the element type without parentheses" :
			       "'()' is not a type: a fn that returns nothing leaves out '-> ...'");
	return advance(p);
}

/* A builtin, a struct name (resolved later), or Option<T>. */
static int parse_named(struct parser *p, int depth, pg_type **out)
{
	struct tok n = p->tok;
	int k = builtin(&n), err;
	if (is_reserved(&n))
		return fail(p, "'%.*s' is a reserved word, not a type", (int)n.n, n.s);
	if ((err = advance(p)) < 0)
		return err;
	if (is_word(&n, "Option")) {
		if (p->tok.kind != '<')
			return fail_at(p, n.line, n.col, "Option needs a type: write Option<T>");
		*out = type_new(PG_TY_OPTION, n.line, n.col);
		return (err = advance(p)) < 0 ? err : parse_elems(p, *out, depth, '>');
	}
	if (p->tok.kind == '<' && is_word(&n, "Vec"))
		return fail_at(p, n.line, n.col, "Vec<T> is not a pg type: use [T] for an array");
	if (p->tok.kind == '<')
		return fail_at(p, n.line, n.col, "'%.*s' takes no type parameters; only Option<T> does",
			       (int)n.n, n.s);
	*out = type_new(k >= 0 ? (pg_tkind)k : PG_TY_STRUCT, n.line, n.col);
	if (k < 0)
		pend(p, n.s, n.n, *out, 0, n.line, n.col);
	return 0;
}

/* On error *out may hold a partial type, which the caller frees. */
static int parse_type(struct parser *p, int depth, pg_type **out)
{
	int err;
	*out = NULL;
	if (depth > PG_IDL_MAX_DEPTH)
		return fail(p, "type nested too deeply (at most %d levels): name a part of it with a struct",
			    PG_IDL_MAX_DEPTH);
	switch (p->tok.kind) {
	case T_IDENT:
		return parse_named(p, depth, out);
	case '(':
	case '[':
		*out = type_new(p->tok.kind == '(' ? PG_TY_TUPLE : PG_TY_ARRAY, p->tok.line, p->tok.col);
		if ((err = advance(p)) < 0)
			return err;
		return parse_elems(p, *out, depth, (*out)->kind == PG_TY_TUPLE ? ')' : ']');
	case '&': {
		size_t line = p->tok.line, col = p->tok.col;
		if ((err = advance(p)) < 0)
			return err;
		return fail_at(p, line, col, is_word(&p->tok, "str") ? "'&str' is not a pg type: write str" :
			       "references are not pg types: write the type without '&'");
	}
	default:
		return fail(p, "expected a type, found %s", found(p));
	}
}

/* A whole type into *out; nothing left over on error.  (The pending list
 * may then point into freed types, but it is not resolved after an error.) */
static int type_expr(struct parser *p, pg_type **out)
{
	int err = parse_type(p, 1, out);
	if (err < 0) {
		type_free(*out);
		*out = NULL;
	}
	return err;
}

/* ---- items ---- */

/* The member of m[0..n) called nm, or NULL. */
static const pg_member *member(const pg_member *m, size_t n, const char *nm)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, nm))
			return &m[i];
	return NULL;
}

/* "name: Type", appended to *ms (n of them); owner says where, for messages. */
static int parse_member(struct parser *p, pg_member **ms, size_t *n, const char *kind, const char *owner)
{
	char what[24];
	const pg_member *dup;
	int err;
	*ms = pg_realloc(*ms, (*n + 1) * sizeof(**ms));
	pg_member *m = &(*ms)[(*n)++];
	*m = (pg_member){ NULL, NULL, take_doc(p), p->tok.line, p->tok.col };
	snprintf(what, sizeof(what), "a %s name", kind);
	if ((err = name(p, &m->name, what)) < 0)
		return err;
	if ((dup = member(*ms, *n - 1, m->name)))
		return fail_at(p, m->line, m->col, "duplicate %s '%s' in %s (first at %zu:%zu)", kind,
			       m->name, owner, dup->line, dup->col);
	if (*n > PG_IDL_MAX_MEMBERS)
		return fail_at(p, m->line, m->col, "too many %ss in %s (at most %d)", kind, owner,
			       PG_IDL_MAX_MEMBERS);
	if (p->tok.kind != ':')
		return fail(p, "expected ':' after %s name '%s', found %s", kind, m->name, found(p));
	if ((err = advance(p)) < 0)
		return err;
	return type_expr(p, &m->type);
}

/* Entering the braces of "kind name" at the current token. */
static void open_block(struct parser *p, const char *kind, const char *name, size_t n, char *saved)
{
	memcpy(saved, p->open, sizeof(p->open));
	snprintf(p->open, sizeof(p->open), "%s %.*s", kind, (int)n, name);
	p->open_line = p->tok.line;
	p->open_col = p->tok.col;
}

static int parse_struct(struct parser *p)
{
	pg_idl *idl = p->idl;
	char saved[sizeof(p->open)], owner[PG_IDL_MAX_IDENT + 8];
	int err;
	idl->structs = pg_realloc(idl->structs, (idl->nstructs + 1) * sizeof(*idl->structs));
	pg_struct *st = &idl->structs[idl->nstructs++];
	*st = (pg_struct){ .doc = take_doc(p) };
	if ((err = advance(p)) < 0)
		return err;
	st->line = p->tok.line;
	st->col = p->tok.col;
	if (builtin(&p->tok) >= 0 || is_word(&p->tok, "Option"))
		return fail(p, "%s is a built-in type and cannot be a struct name", found(p));
	if ((err = name(p, &st->name, "a struct name")) < 0)
		return err;
	const char *nm = st->name;
	for (size_t i = 0; i + 1 < idl->nstructs; i++)
		if (!strcmp(idl->structs[i].name, nm))
			return fail_at(p, st->line, st->col, "struct %s is already declared at %zu:%zu", nm,
				       idl->structs[i].line, idl->structs[i].col);
	if (idl->nstructs > PG_IDL_MAX_ITEMS)
		return fail_at(p, st->line, st->col, "too many structs (at most %d)", PG_IDL_MAX_ITEMS);
	if (p->tok.kind != '{')
		return fail(p, "expected '{' after struct %s, found %s", nm, found(p));
	open_block(p, "struct", nm, strlen(nm), saved);
	if ((err = advance(p)) < 0)
		return err;
	snprintf(owner, sizeof(owner), "struct %s", nm);
	while (p->tok.kind != '}') {
		if ((err = parse_member(p, &st->fields, &st->nfields, "field", owner)) < 0)
			return err;
		const char *f = st->fields[st->nfields - 1].name;
		if (p->tok.kind == ',') {
			if ((err = advance(p)) < 0)
				return err;
		} else if (p->tok.kind != '}') {
			return fail(p, "expected ',' or '}' after field '%s', found %s", f, found(p));
		}
	}
	if (!st->nfields)
		return fail_at(p, st->line, st->col, "struct %s has no fields: a struct needs at least one", nm);
	memcpy(p->open, saved, sizeof(p->open));
	return advance(p);
}

/* "&self" or "self" where a parameter starts; whether fn is a method is
 * known already (fn->self_type). */
static int parse_self(struct parser *p, pg_fn *fn, int first)
{
	struct tok at = p->tok;
	int err;
	if (at.kind == '&') {
		if ((err = advance(p)) < 0)
			return err;
		if (!is_word(&p->tok, "self"))
			return fail_at(p, at.line, at.col, "expected a parameter name, found '&'");
	} else if (fn->self_type && first) {
		return fail(p, "write '&self', not 'self': a method takes its struct by reference");
	} else {
		return fail(p, "'self' is a reserved word and cannot be a parameter name");
	}
	if (!fn->self_type)
		return fail_at(p, at.line, at.col, "fn %s is not in an impl block: only methods take '&self'",
			       fn->name);
	if (!first)
		return fail_at(p, at.line, at.col, "'&self' must be the first parameter");
	return advance(p);
}

/* fn name(params) [-> T];  impl is the impl block's name token or NULL. */
static int parse_fn(struct parser *p, const struct tok *impl)
{
	pg_idl *idl = p->idl;
	char owner[2 * PG_IDL_MAX_IDENT + 8];
	int err;
	idl->fns = pg_realloc(idl->fns, (idl->nfns + 1) * sizeof(*idl->fns));
	pg_fn *fn = &idl->fns[idl->nfns++];
	*fn = (pg_fn){ .doc = take_doc(p) };
	if (impl) {
		fn->self_type = type_new(PG_TY_STRUCT, impl->line, impl->col);
		pend(p, impl->s, impl->n, fn->self_type, 1, impl->line, impl->col);
	}
	if ((err = advance(p)) < 0)
		return err;
	fn->line = p->tok.line;
	fn->col = p->tok.col;
	if ((err = name(p, &fn->name, "a fn name")) < 0)
		return err;
	const char *nm = fn->name;
	fn->call = impl ? pg_asprintf("%.*s.%s", (int)impl->n, impl->s, nm) : pg_strdup(nm);
	for (size_t i = 0; i + 1 < idl->nfns; i++)
		if (!strcmp(idl->fns[i].call, fn->call))
			return fail_at(p, fn->line, fn->col, "fn %s is already declared at %zu:%zu", fn->call,
				       idl->fns[i].line, idl->fns[i].col);
	if (idl->nfns > PG_IDL_MAX_ITEMS)
		return fail_at(p, fn->line, fn->col, "too many fns (at most %d)", PG_IDL_MAX_ITEMS);
	if (p->tok.kind != '(')
		return fail(p, "expected '(' after fn %s, found %s", nm, found(p));
	if ((err = advance(p)) < 0)
		return err;
	snprintf(owner, sizeof(owner), "fn %s", fn->call);
	for (int first = 1; p->tok.kind != ')'; first = 0) {
		if (p->tok.kind == '&' || is_word(&p->tok, "self"))
			err = parse_self(p, fn, first);
		else
			err = parse_member(p, &fn->params, &fn->nparams, "parameter", owner);
		if (err < 0)
			return err;
		if (p->tok.kind == ',') {
			if ((err = advance(p)) < 0)
				return err;
		} else if (p->tok.kind != ')') {
			return fail(p, "expected ',' or ')' in the parameters of fn %s, found %s", nm,
				    found(p));
		}
	}
	if ((err = advance(p)) < 0)
		return err;
	if (p->tok.kind == T_ARROW && ((err = advance(p)) < 0 || (err = type_expr(p, &fn->ret)) < 0))
		return err;
	if (p->tok.kind == '{')
		return fail(p, "fn %s has a body, but interfaces declare, they do not implement: "
			    "end it with ';'", nm);
	if (p->tok.kind != ';')
		return fail(p, "expected %s, found %s", fn->ret ? "';' after the return type" :
			    "'->' or ';' after the parameters", found(p));
	return advance(p);
}

static int parse_impl(struct parser *p)
{
	char saved[sizeof(p->open)];
	int err;
	if ((err = advance(p)) < 0)
		return err;
	struct tok at = p->tok;
	if (builtin(&at) >= 0)
		return fail(p, "impl needs a struct; %s is a built-in type", found(p));
	if (at.kind != T_IDENT || is_reserved(&at))
		return fail(p, "expected a struct name after 'impl', found %s", found(p));
	pend(p, at.s, at.n, NULL, 1, at.line, at.col);
	if ((err = advance(p)) < 0)
		return err;
	if (p->tok.kind != '{')
		return fail(p, "expected '{' after impl %.*s, found %s", (int)at.n, at.s, found(p));
	open_block(p, "impl", at.s, at.n, saved);
	if ((err = advance(p)) < 0)
		return err;
	while (p->tok.kind != '}') {
		if (!is_word(&p->tok, "fn"))
			return fail(p, "expected 'fn' or '}' in %s, found %s", p->open, found(p));
		if ((err = parse_fn(p, &at)) < 0)
			return err;
	}
	memcpy(p->open, saved, sizeof(p->open));
	return advance(p);
}

static int parse_items(struct parser *p)
{
	int err = advance(p);
	while (err == 0 && p->tok.kind != T_EOF) {
		if (is_word(&p->tok, "struct"))
			err = parse_struct(p);
		else if (is_word(&p->tok, "impl"))
			err = parse_impl(p);
		else if (is_word(&p->tok, "fn"))
			err = parse_fn(p, NULL);
		else
			err = fail(p, "expected 'struct', 'impl' or 'fn', found %s", found(p));
	}
	return err;
}

/* ---- resolution and checks ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Edit distance with transpositions (optimal string alignment), ASCII case
 * ignored, capped at 3: "Circel" is one step from "Circle". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), m[3][PG_IDL_MAX_IDENT + 2];
	if (la > lb + 2 || lb > la + 2)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		m[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *r = m[i % 3], *r1 = m[(i - 1) % 3], *r2 = m[(i + 1) % 3];
		r[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = r1[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
			if (r1[j] + 1 < best)
				best = r1[j] + 1;
			if (r[j - 1] + 1 < best)
				best = r[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && r2[j - 2] + 1 < best)
				best = r2[j - 2] + 1;
			r[j] = best;
		}
	}
	return m[la % 3][lb] < 3 ? m[la % 3][lb] : 3;
}

/* " did you mean 'X'?" when a struct (or a builtin, with builtins) is close
 * enough to nm to be a typo of it, else "". */
static void suggest(char *out, size_t size, const pg_idl *idl, const char *nm, int builtins)
{
	const char *best = NULL;
	size_t bd = 3, len = strlen(nm);
	for (size_t i = 0; i < idl->nstructs + (builtins ? NBUILTIN : 0); i++) {
		const char *c = i < idl->nstructs ? idl->structs[i].name : kind_names[i - idl->nstructs];
		size_t d = distance(nm, c);
		if (d < bd && d < len) /* no "did you mean 'i8'" for "x" */
			best = c, bd = d;
	}
	if (best)
		snprintf(out, size, ": did you mean '%s'?", best);
}

static int resolve(struct parser *p)
{
	pg_idl *idl = p->idl;
	for (size_t i = 0; i < p->npend; i++) {
		struct pending *r = &p->pend[i];
		const pg_struct *st = pg_idl_struct(idl, r->name);
		char hint[96] = "";
		if (st) {
			if (r->t)
				r->t->st = st;
			continue;
		}
		for (size_t k = 0; !r->is_impl && k < sizeof(mistakes) / sizeof(*mistakes); k++)
			if (!strcmp(mistakes[k].name, r->name))
				snprintf(hint, sizeof(hint), ": %s", mistakes[k].hint);
		if (!hint[0])
			suggest(hint, sizeof(hint), idl, r->name, !r->is_impl);
		if (!hint[0])
			snprintf(hint, sizeof(hint), ": declare it with 'struct %s { ... }'", r->name);
		return fail_at(p, r->line, r->col, r->is_impl ? "impl for unknown struct '%s'%s" :
			       "unknown type '%s'%s", r->name, hint);
	}
	for (size_t i = 0; i < idl->nfns; i++)
		if (idl->fns[i].self_type)
			idl->fns[i].self = idl->fns[i].self_type->st;
	return 0;
}

/* A search for a path of fields from a struct back to target. */
struct cycle {
	const pg_idl *idl;
	const pg_struct *target;
	char *seen;
	const pg_struct **via; /* step i is field path[i] of struct via[i] */
	const pg_member **path;
	size_t n;
};

static int struct_reaches(struct cycle *c, const pg_struct *s, size_t depth);

static int type_reaches(struct cycle *c, const pg_type *t, size_t depth)
{
	if (t->kind != PG_TY_STRUCT) {
		for (size_t i = 0; i < t->nelems; i++)
			if (type_reaches(c, t->elems[i], depth))
				return 1;
		return 0;
	}
	if (t->st == c->target) {
		c->n = depth;
		return 1;
	}
	size_t k = (size_t)(t->st - c->idl->structs);
	if (c->seen[k])
		return 0;
	c->seen[k] = 1;
	return struct_reaches(c, t->st, depth);
}

static int struct_reaches(struct cycle *c, const pg_struct *s, size_t depth)
{
	for (size_t i = 0; i < s->nfields; i++) {
		c->via[depth] = s;
		c->path[depth] = &s->fields[i];
		if (type_reaches(c, s->fields[i].type, depth + 1))
			return 1;
	}
	return 0;
}

/* A struct may not contain itself: its wire value would never end. */
static int check_recursion(struct parser *p)
{
	const pg_idl *idl = p->idl;
	size_t n = idl->nstructs;
	struct cycle c = { idl, NULL, pg_malloc(n + 1), pg_malloc((n + 1) * sizeof(*c.via)),
			   pg_malloc((n + 1) * sizeof(*c.path)), 0 };
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		memset(c.seen, 0, n + 1);
		c.target = &idl->structs[i];
		if (!struct_reaches(&c, c.target, 0))
			continue;
		pg_buf msg = PG_BUF_INIT;
		for (size_t k = 0; k < c.n; k++)
			pg_buf_printf(&msg, "%s.%s -> ", c.via[k]->name, c.path[k]->name);
		err = fail_at(p, c.path[0]->line, c.path[0]->col, "struct %s is recursive: %s%s", c.target->name,
			      msg.ptr, c.target->name);
		pg_buf_free(&msg);
	}
	free(c.seen);
	free(c.via);
	free(c.path);
	return err;
}

/* Find a NUL, a byte that is not UTF-8, or a size over the limit. */
static int check_text(struct parser *p)
{
	size_t line = 1, bol = 0, i = 0;
	if (p->len > PG_IDL_MAX_BYTES)
		return fail_at(p, 1, 1, "the text is larger than %d bytes", PG_IDL_MAX_BYTES);
	while (i < p->len) {
		unsigned char c = (unsigned char)p->src[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c == 0)
			return fail_at(p, line, i - bol + 1, "NUL byte in the text");
		if (n > 1 && (i + n > p->len || !pg_utf8_valid(p->src + i, n)))
			return fail_at(p, line, i - bol + 1, "invalid UTF-8");
		if (c == '\n')
			line++, bol = i + 1;
		i += n;
	}
	return 0;
}

int pg_idl_parse(pg_idl **out, const char *src, size_t len, const char *file)
{
	struct parser p = { .src = src, .file = file, .len = len, .line = 1, .blank = 1 };
	int err;
	*out = NULL;
	p.idl = pg_calloc(1, sizeof(*p.idl));
	if ((err = check_text(&p)) == 0 && (err = parse_items(&p)) == 0 && (err = resolve(&p)) == 0)
		err = check_recursion(&p);
	for (size_t i = 0; i < p.npend; i++)
		free(p.pend[i].name);
	free(p.pend);
	pg_buf_free(&p.doc);
	if (err < 0) {
		pg_idl_free(p.idl);
		return err;
	}
	*out = p.idl;
	return 0;
}

static void members_free(pg_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		type_free(m[i].type);
		free(m[i].doc);
	}
	free(m);
}

void pg_idl_free(pg_idl *idl)
{
	if (!idl)
		return;
	for (size_t i = 0; i < idl->nstructs; i++) {
		free(idl->structs[i].name);
		free(idl->structs[i].doc);
		members_free(idl->structs[i].fields, idl->structs[i].nfields);
	}
	for (size_t i = 0; i < idl->nfns; i++) {
		pg_fn *f = &idl->fns[i];
		free(f->name);
		type_free(f->self_type);
		free(f->call);
		free(f->doc);
		members_free(f->params, f->nparams);
		type_free(f->ret);
	}
	free(idl->structs);
	free(idl->fns);
	free(idl);
}

/* ---- canonical form ---- */

void pg_type_format(pg_buf *out, const pg_type *t)
{
	switch (t->kind) {
	case PG_TY_TUPLE:
		pg_buf_putc(out, '(');
		for (size_t i = 0; i < t->nelems; i++) {
			if (i)
				pg_buf_puts(out, ", ");
			pg_type_format(out, t->elems[i]);
		}
		pg_buf_putc(out, ')');
		break;
	case PG_TY_ARRAY:
		pg_buf_putc(out, '[');
		pg_type_format(out, t->elems[0]);
		pg_buf_putc(out, ']');
		break;
	case PG_TY_OPTION:
		pg_buf_puts(out, "Option<");
		pg_type_format(out, t->elems[0]);
		pg_buf_putc(out, '>');
		break;
	case PG_TY_STRUCT:
		pg_buf_puts(out, t->st ? t->st->name : "?");
		break;
	default:
		pg_buf_puts(out, pg_tkind_name(t->kind));
	}
}

static void put_doc(pg_buf *out, const char *doc, int indent)
{
	while (doc) {
		const char *nl = strchr(doc, '\n');
		size_t n = nl ? (size_t)(nl - doc) : strlen(doc);
		pg_buf_printf(out, "%*s//%s%.*s\n", indent, "", n ? " " : "", (int)n, doc);
		doc = nl ? nl + 1 : NULL;
	}
}

static void put_member(pg_buf *out, const pg_member *m, int indent)
{
	put_doc(out, m->doc, indent);
	pg_buf_printf(out, "%*s%s: ", indent, "", m->name);
	pg_type_format(out, m->type);
	pg_buf_puts(out, ",\n");
}

/* On one line, unless a parameter has a doc comment to keep. */
static void put_fn(pg_buf *out, const pg_fn *f, int indent)
{
	int lines = 0;
	for (size_t i = 0; i < f->nparams; i++)
		lines |= f->params[i].doc != NULL;
	put_doc(out, f->doc, indent);
	pg_buf_printf(out, "%*sfn %s(", indent, "", f->name);
	if (lines) {
		pg_buf_putc(out, '\n');
		if (f->self)
			pg_buf_printf(out, "%*s&self,\n", indent + 4, "");
		for (size_t i = 0; i < f->nparams; i++)
			put_member(out, &f->params[i], indent + 4);
		pg_buf_printf(out, "%*s", indent, "");
	} else {
		if (f->self)
			pg_buf_puts(out, "&self");
		for (size_t i = 0; i < f->nparams; i++) {
			pg_buf_printf(out, "%s%s: ", i || f->self ? ", " : "", f->params[i].name);
			pg_type_format(out, f->params[i].type);
		}
	}
	pg_buf_putc(out, ')');
	if (f->ret) {
		pg_buf_puts(out, " -> ");
		pg_type_format(out, f->ret);
	}
	pg_buf_puts(out, ";\n");
}

static void put_struct(pg_buf *out, const pg_struct *s)
{
	put_doc(out, s->doc, 0);
	pg_buf_printf(out, "struct %s {\n", s->name);
	for (size_t i = 0; i < s->nfields; i++)
		put_member(out, &s->fields[i], 4);
	pg_buf_puts(out, "}\n");
}

/* Whether fn f comes before struct s in the source (on a tie, as for a
 * pg_idl made by hand, structs come first). */
static int fn_first(const pg_fn *f, const pg_struct *s)
{
	return f->line < s->line || (f->line == s->line && f->col < s->col);
}

/* Items merged back into source order; the methods of one struct that
 * follow each other become one impl block. */
void pg_idl_format(pg_buf *out, const pg_idl *idl)
{
	size_t i = 0, j = 0;
	while (i < idl->nstructs || j < idl->nfns) {
		if (i || j)
			pg_buf_putc(out, '\n');
		if (j == idl->nfns || (i < idl->nstructs && !fn_first(&idl->fns[j], &idl->structs[i]))) {
			put_struct(out, &idl->structs[i++]);
			continue;
		}
		const pg_struct *self = idl->fns[j].self;
		if (!self) {
			put_fn(out, &idl->fns[j++], 0);
			continue;
		}
		pg_buf_printf(out, "impl %s {\n", self->name);
		do
			put_fn(out, &idl->fns[j++], 4);
		while (j < idl->nfns && idl->fns[j].self == self &&
		       (i == idl->nstructs || fn_first(&idl->fns[j], &idl->structs[i])));
		pg_buf_puts(out, "}\n");
	}
}

/* ---- lookups ---- */

const pg_fn *pg_idl_fn(const pg_idl *idl, const char *call)
{
	for (size_t i = 0; i < idl->nfns; i++)
		if (!strcmp(idl->fns[i].call, call))
			return &idl->fns[i];
	return NULL;
}

const pg_struct *pg_idl_struct(const pg_idl *idl, const char *name)
{
	for (size_t i = 0; i < idl->nstructs; i++)
		if (!strcmp(idl->structs[i].name, name))
			return &idl->structs[i];
	return NULL;
}

size_t pg_fn_arity(const pg_fn *fn)
{
	return fn->nparams + (fn->self_type != NULL);
}

const pg_type *pg_fn_arg_type(const pg_fn *fn, size_t i)
{
	if (fn->self_type && i-- == 0)
		return fn->self_type;
	return i < fn->nparams ? fn->params[i].type : NULL;
}

const char *pg_fn_arg_name(const pg_fn *fn, size_t i)
{
	if (fn->self_type && i-- == 0)
		return "self";
	return i < fn->nparams ? fn->params[i].name : NULL;
}
