/* gen.h - bindings and skeletons generated from an interface
 *
 * `pg gen c|python IFACE` prints the bindings; `pg new impl IFACE --lang L`
 * writes a directory with the bindings, the language's runtime (copied
 * from templates/<lang>/), a skeleton the author fills in, and pg.yaml.
 * The wire mapping is docs/wire.md's.
 *
 * C: one header, named after the interface's last segment ("circle.h"):
 * the types (structs, tuples, arrays, Options as C types), one prototype
 * per function for the author to define, and, where the including file
 * defines PG_IMPLEMENTATION first, the dispatcher and main().  Built with
 * the runtime templates/c/pg_runtime.{h,c} and nothing else (C11, libc, -lm).
 *
 * Python: one module ("circle.py"): dataclasses for the structs, and
 * serve(impl_module) which dispatches to functions the author defines
 * (Circle_intersects_circle(self, b), distance(a, b)).  Needs only the
 * standard library and templates/python/pg_runtime.py.
 */
#ifndef PG_GEN_H
#define PG_GEN_H

#include "idl.h"

typedef enum pg_lang { PG_LANG_C, PG_LANG_PYTHON, PG_LANG__COUNT } pg_lang;

/* "c" / "python" and back; -1 when unknown. */
int pg_lang_parse(const char *name);
const char *pg_lang_name(pg_lang l);

/* The base name of generated files: the interface name's last segment
 * ("geometry::circle" -> "circle"), changed where it could not be a Python
 * module or would hide one: "2d" -> "pg_2d"; a Python keyword, a standard
 * module, "impl" or "pg_runtime" gets a trailing '_' ("json" -> "json_").
 * Thread-local storage or a pointer into ifname. */
const char *pg_gen_base(const char *ifname);

/* The bindings for ifname's idl: a C header or a Python module. */
void pg_gen_bindings(pg_buf *out, pg_lang lang, const pg_idl *idl, const char *ifname,
		     const char *ifid);

/* The file the author edits: every function with a body that returns the
 * type's plain value and a comment with its documentation ("impl.c",
 * "impl.py"). */
void pg_gen_skeleton(pg_buf *out, pg_lang lang, const pg_idl *idl, const char *ifname);

/* Files of a new impl directory for lang: NULL-terminated name list of the
 * runtime files (contents from pg_template), the skeleton's name, and the
 * build and run commands for pg.yaml. */
typedef struct pg_lang_info {
	const char *name;           /* "c" */
	const char *const *runtime; /* {"pg_runtime.h", "pg_runtime.c", NULL} */
	const char *skeleton;       /* "impl.c" */
	const char *build;          /* "cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm", or NULL */
	const char *run;            /* "./impl" */
} pg_lang_info;
const pg_lang_info *pg_lang_get(pg_lang l);

/* Files under templates/, built into pg (see tools/embed.sh): the text of
 * "c/pg_runtime.c" and so on, or NULL. */
const char *pg_template(const char *path, size_t *len);

#endif
