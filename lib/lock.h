/* lock.h - pg.lock: which implementation 'pg build' builds for each interface
 *
 *     # pg.lock - written by 'pg build INTERFACE'; 'pg build' rebuilds exactly this
 *     version: 1
 *     pins:
 *       - interface: geometry::circle
 *         interface-id: <64 hex>
 *         impl: <64 hex>
 *         name: circle-c
 *         lang: c
 *         payload: <64 hex>
 *
 * Human-readable YAML, loaded strictly (unknown keys, missing keys, bad ids
 * and two pins of one interface are errors with file:line:col).  The ids
 * are the pin; name and lang are there for the reader and are checked too.
 */
#ifndef PG_LOCK_H
#define PG_LOCK_H

#include "pg.h"

#define PG_LOCK_FILE "pg.lock"
#define PG_LOCK_MAX_PINS 1000

typedef struct pg_pin {
	char *interface;               /* the name */
	char iface_id[PG_HEX_LEN + 1];
	char impl[PG_HEX_LEN + 1];
	char payload[PG_HEX_LEN + 1];
	char *name, *lang;
	size_t line, col;              /* where the pin is (0 for new pins) */
} pg_pin;

typedef struct pg_lock {
	char *file;
	pg_pin *pins;
	size_t n;
} pg_lock;

/* Parse text named file; a missing file is PG_ENOTFOUND from pg_lock_load. */
int pg_lock_parse(pg_lock **out, const char *text, size_t len, const char *file);
int pg_lock_load(pg_lock **out, const char *path);
/* An empty lock, to be filled and saved. */
pg_lock *pg_lock_new(const char *file);
/* Pin p (copied), replacing the pin of the same interface id. */
void pg_lock_set(pg_lock *l, const pg_pin *p);
void pg_lock_format(pg_buf *out, const pg_lock *l);
int pg_lock_save(const pg_lock *l);
void pg_lock_free(pg_lock *l);

#endif
