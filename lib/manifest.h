/* manifest.h - pg.yaml: the authoring form of interfaces, specs, impls, benches
 *
 *     type: impl                  # interface, spec, impl or bench
 *     name: circle-c              # interface: geometry::circle style
 *     interface: geometry::circle # spec, impl, bench: a name or an id prefix
 *     baseline: circle-c          # interface, optional: the impl benches compare against
 *     lang: c                     # impl
 *     build: cc -O2 -o impl impl.c # impl, optional: one line of shell, run
 *                                 # in the sandbox with the payload writable
 *     run: ./impl                 # impl: starts a program speaking docs/wire.md
 *     description: |              # optional, becomes the object's body
 *       ...
 *     files: [src, Makefile]      # optional; default: every entry except
 *                                 # pg.yaml and names starting with '.'
 *
 * Errors carry file:line:column.
 */
#ifndef PG_MANIFEST_H
#define PG_MANIFEST_H

#include "object.h"
#include "yamldoc.h"

#define PG_MANIFEST_NAME "pg.yaml"

typedef struct pg_manifest {
	char *path; /* .../pg.yaml */
	char *dir;
	pg_otype type;
	char *name, *interface, *baseline, *lang, *build, *run, *description;
	char **files; /* NULL-terminated, or NULL */
	pg_yaml *doc;
} pg_manifest;

int pg_manifest_load(pg_manifest **out, const char *dir);
void pg_manifest_free(pg_manifest *m);

/* "path:line:col" of key's value (or of the document), for messages;
 * the caller frees it. */
char *pg_manifest_where(const pg_manifest *m, const char *key);

/* The filter pg_payload_create uses by default. */
int pg_manifest_filter(const char *relpath, int is_dir, void *data);

#endif
