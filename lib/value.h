/* value.h - typed values in their wire form (docs/wire.md), as jansson trees
 *
 * A value of an interface type travels as JSON:
 *
 *     bool                  true / false
 *     i8..i32, u8..u32      JSON integer
 *     i64, u64              decimal string ("-9007199254740993"); a JSON
 *                           integer is accepted on input
 *     f32, f64              JSON number, or "NaN", "Infinity", "-Infinity"
 *     str                   JSON string (UTF-8)
 *     bytes                 base64 string (RFC 4648, padded)
 *     (A, B)                JSON array of 2..16 elements
 *     [T]                   JSON array
 *     Option<T>             null, or the value
 *     struct                JSON object with exactly the struct's fields
 *
 * pg_wire_check accepts every form above; the values pg makes (from YAML,
 * generators, shrinking) are always canonical: 64-bit integers as strings,
 * non-finite floats as strings, struct fields in declaration order.
 *
 * Floats compare with a tolerance: equal when |a-b| <= abs + rel*max(|a|,|b|),
 * NaN equals NaN, infinities equal only themselves, -0.0 equals 0.0.
 */
#ifndef PG_VALUE_H
#define PG_VALUE_H

#include <jansson.h>

#include "idl.h"
#include "yamldoc.h"

typedef struct pg_tolerance {
	double abs, rel;
} pg_tolerance;

/* A YAML node written by a spec author -> canonical wire value of type t.
 * YAML scalars: true/false, integers (decimal, 0x hex, with sign), floats
 * (also .nan .inf -.inf, NaN, Infinity), strings (bytes: base64, or a map
 * {hex: "00ff"}); sequences for tuples and arrays; null or ~ for None;
 * mappings for structs (every field, no others).  On error: PG_EINVALID,
 * "file:line:col: <what> field center.1: expected f64, got \"abc\"" where
 * what names the case (e.g. "case 3 (same size) argument b"). */
int pg_value_from_yaml(json_t **out, const pg_type *t, const pg_yaml *n,
		       const char *file, const char *what);

/* Does v (e.g. an impl's answer) fit t?  0, or PG_EINVALID with
 * "field radius: expected f64, got \"x\"" (the path empty at the top). */
int pg_wire_check(const pg_type *t, const json_t *v);

/* Equal as values of type t, floats within tol.  Both must pass
 * pg_wire_check. */
int pg_wire_equal(const pg_type *t, const json_t *a, const json_t *b, const pg_tolerance *tol);

/* The canonical form of a checked value (integers as t wants them, fields
 * in order); new reference. */
json_t *pg_wire_canonical(const pg_type *t, const json_t *v);

/* A plain value of type t: false, 0, 0.0, "", [], None, fields likewise. */
json_t *pg_wire_default(const pg_type *t);

/* Compact one-line text of v, for messages and reports (json_dumps with
 * JSON_COMPACT | JSON_ENCODE_ANY, at most max bytes, "..." past that). */
char *pg_wire_text(const json_t *v, size_t max);

/* --- randomized cases -------------------------------------------------- */

/* A deterministic stream of random bytes from a 32-byte seed (libsodium's
 * randombytes_buf_deterministic, rekeyed per block): the same seed gives
 * the same values on every machine. */
typedef struct pg_rng {
	unsigned char seed[32];
	unsigned char block[512];
	size_t pos;
	uint64_t counter;
} pg_rng;

void pg_rng_init(pg_rng *r, const void *seed, size_t len); /* hashed to 32 bytes */
uint64_t pg_rng_u64(pg_rng *r);
uint64_t pg_rng_below(pg_rng *r, uint64_t n);   /* uniform in [0, n), n > 0 */
double pg_rng_unit(pg_rng *r);                   /* uniform in [0, 1) */

/* A generator per type, written by the spec author (YAML), e.g. for
 * (radius: f64, center: (f64, f64)):
 *
 *     {radius: {min: 0, max: 10, step: 0.5}, center: [{min: -5, max: 5}, 0]}
 *
 *     integers    {min, max}            default: the type's range within +-1000
 *     floats      {min, max, step}      default: [-1000, 1000], no step
 *     bool        any (omitted)
 *     str         {len: [lo, hi], chars: "abc"}   default len [0, 16], ASCII
 *                                       letters, digits, space, and a few
 *                                       multi-byte characters
 *     bytes       {len: [lo, hi]}       default [0, 16]
 *     tuple       [gen, gen, ...]
 *     array       {len: [lo, hi], of: gen}        default len [0, 8]
 *     Option<T>   {none: p, of: gen}    p the chance of None, default 0.1
 *     struct      {field: gen, ...}     fields left out take defaults
 *     any type    a plain value (scalar, or {const: value}): always that value
 *
 * n NULL means every default.  Errors as pg_value_from_yaml's. */
typedef struct pg_gen pg_gen;
int pg_gen_parse(pg_gen **out, const pg_type *t, const pg_yaml *n,
		 const char *file, const char *what);
void pg_gen_free(pg_gen *g);
/* The most bytes of compact JSON one value of g can take (saturating):
 * nested lengths multiply, so a loader can refuse what could never be
 * sent (docs/wire.md: a request line holds 16 MiB). */
uint64_t pg_gen_json_max(const pg_gen *g);
json_t *pg_gen_value(const pg_gen *g, pg_rng *r); /* canonical, new reference */

/* Simpler values than v that g could also have produced, most promising
 * first (toward zero or the nearest bound, shorter, None, one field at a
 * time); fills at most max new references into out and returns how many.
 * Repeatedly taking a candidate that still fails ends: every candidate is
 * strictly simpler by a well-founded measure. */
size_t pg_gen_shrink(const pg_gen *g, const json_t *v, json_t **out, size_t max);

#endif
