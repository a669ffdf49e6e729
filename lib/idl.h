/* idl.h - pg's interface language: the founding text's "simplified dialect
 * of Rust"
 *
 *     // A circle: its radius and the (x, y) of its center.
 *     struct Circle {
 *         radius: f64,
 *         center: (f64, f64),
 *     }
 *
 *     impl Circle {
 *         // Returns whether or not the given circle intersects.
 *         fn intersects_circle(&self, b: Circle) -> bool;
 *     }
 *
 *     fn distance(a: (f64, f64), b: (f64, f64)) -> f64;
 *
 * Items: struct, impl blocks (methods; "&self" may be written or left out,
 * as the founding text leaves it out: a method always receives its struct),
 * free fns.  Types: bool, i8 i16 i32 i64, u8 u16 u32 u64, f32 f64, str,
 * bytes, tuples (A, B, ...) of 2..16, arrays [T], Option<T> (not directly
 * nested), and struct names (declared anywhere in the file; not recursive,
 * directly or through other structs).  A fn without "-> T" returns nothing.
 * Comments: // lines and slash-star blocks; the // lines right above an
 * item (no blank line between) are its documentation.  Trailing commas are
 * allowed.
 *
 * Errors read "file:line:col: message".  The canonical form (pg_idl_format)
 * is what `pg show` prints: items in source order, four-space indents,
 * explicit &self, doc comments kept, other comments dropped.
 */
#ifndef PG_IDL_H
#define PG_IDL_H

#include "pg.h"

#define PG_IDL_MAX_BYTES (256 * 1024)
#define PG_IDL_MAX_IDENT 64  /* bytes in a name */
#define PG_IDL_MAX_ITEMS 256 /* structs, and fns, each */
#define PG_IDL_MAX_MEMBERS 64 /* fields of a struct, params of a fn */
#define PG_IDL_MAX_DEPTH 16   /* nesting of type expressions */
#define PG_IDL_MAX_TUPLE 16

#define PG_IDL_FILE "interface.pgi" /* the IDL's name in an interface payload */

typedef enum pg_tkind {
	PG_TY_BOOL,
	PG_TY_I8, PG_TY_I16, PG_TY_I32, PG_TY_I64,
	PG_TY_U8, PG_TY_U16, PG_TY_U32, PG_TY_U64,
	PG_TY_F32, PG_TY_F64,
	PG_TY_STR, PG_TY_BYTES,
	PG_TY_TUPLE,  /* elems[0..nelems) */
	PG_TY_ARRAY,  /* elems[0] */
	PG_TY_OPTION, /* elems[0], never itself an Option */
	PG_TY_STRUCT, /* st */
} pg_tkind;

struct pg_struct;

typedef struct pg_type {
	pg_tkind kind;
	struct pg_type **elems;
	size_t nelems;
	const struct pg_struct *st; /* PG_TY_STRUCT, resolved after parsing */
	size_t line, col;
} pg_type;

typedef struct pg_member { /* a struct field or a fn parameter */
	char *name;
	pg_type *type;
	char *doc; /* NULL or the comment text, lines joined by '\n' */
	size_t line, col;
} pg_member;

typedef struct pg_struct {
	char *name;
	char *doc;
	pg_member *fields;
	size_t nfields;
	size_t line, col;
} pg_struct;

typedef struct pg_fn {
	char *name;
	const pg_struct *self; /* the impl block's struct, or NULL for a free fn */
	pg_type *self_type;    /* a PG_TY_STRUCT type for self, or NULL */
	char *call;            /* wire name: "Circle.intersects_circle" or "distance" */
	char *doc;
	pg_member *params;     /* not counting self */
	size_t nparams;
	pg_type *ret;          /* NULL: returns nothing (null on the wire) */
	size_t line, col;
} pg_fn;

typedef struct pg_idl {
	pg_struct *structs;
	size_t nstructs;
	pg_fn *fns; /* methods and free fns, in source order */
	size_t nfns;
} pg_idl;

/* Parse src (len bytes, named file in messages).  Every error is
 * "file:line:col: what is wrong" with PG_EINVALID. */
int pg_idl_parse(pg_idl **out, const char *src, size_t len, const char *file);
void pg_idl_free(pg_idl *idl);

/* The canonical text. */
void pg_idl_format(pg_buf *out, const pg_idl *idl);
/* A type as written canonically: "Option<(f64, [u8])>", "Circle". */
void pg_type_format(pg_buf *out, const pg_type *t);
const char *pg_tkind_name(pg_tkind k); /* "i64", "tuple", "struct" ... */

/* Lookups; NULL when absent. */
const pg_fn *pg_idl_fn(const pg_idl *idl, const char *call);
const pg_struct *pg_idl_struct(const pg_idl *idl, const char *name);

/* Number of wire arguments of a call: params, plus one for self. */
size_t pg_fn_arity(const pg_fn *fn);
/* The type of wire argument i (0 is self for a method), NULL past the end;
 * self's type is fn->self_type. */
const pg_type *pg_fn_arg_type(const pg_fn *fn, size_t i);
/* Its name: "self" or the parameter's. */
const char *pg_fn_arg_name(const pg_fn *fn, size_t i);

#endif
