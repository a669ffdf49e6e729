/* yamldoc.h - a small, bounded YAML document tree over libyaml's event parser
 *
 * Scalars, sequences and mappings with their line:column, nothing more:
 * aliases are refused (no billion laughs), depth, node count and file size
 * are bounded, and duplicate mapping keys are an error.
 */
#ifndef PG_YAMLDOC_H
#define PG_YAMLDOC_H

#include "pg.h"

#define PG_YAML_MAX_BYTES (1024 * 1024)
#define PG_YAML_MAX_DEPTH 32
#define PG_YAML_MAX_NODES 100000

typedef enum { PG_YAML_SCALAR, PG_YAML_SEQ, PG_YAML_MAP } pg_yaml_kind;

typedef struct pg_yaml {
	pg_yaml_kind kind;
	size_t line, col;  /* 1-based */
	char *value;       /* scalar */
	int plain;         /* scalar written without quotes */
	struct pg_yaml **items; /* seq: values; map: key, value, key, value ... */
	size_t n;          /* number of items (a map has 2 per entry) */
} pg_yaml;

/* Load the single document of path (or of text, named path in messages).
 * Errors read "path:line:col: message". */
int pg_yaml_load(pg_yaml **out, const char *path);
int pg_yaml_parse(pg_yaml **out, const char *text, size_t len, const char *path);
void pg_yaml_free(pg_yaml *y);

/* The value for key in a mapping, or NULL. */
const pg_yaml *pg_yaml_get(const pg_yaml *map, const char *key);

#endif
