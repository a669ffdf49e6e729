/* bundle.h - logs as one file, for offline transfer, imported like a fetch
 *
 * A bundle (docs/format.md section 12) is a zstd-compressed tar of exactly
 * three regular files, in this order:
 *
 *     pg-bundle   "pg bundle 1\n"
 *     refs        "<publisher hex> <tip commit hex> <base commit hex or ->\n"
 *                 one line per log, by publisher
 *     pack        a git pack: each log's commits after base up to its tip,
 *                 with the trees and blobs they add
 *
 * pg_bundle_create writes one from a store; pg_bundle_read checks one
 * under strict limits; pg_bundle_import indexes its pack into a store's
 * object database and adopts every log through pg_adopt, so a bundle is
 * verified exactly like a fetch.
 */
#ifndef PG_BUNDLE_H
#define PG_BUNDLE_H

#include "index.h"
#include "store.h"
#include "sync.h"

#define PG_BUNDLE_VERSION 1
#define PG_BUNDLE_HEADER_MAX 64                 /* bytes of pg-bundle */
#define PG_BUNDLE_REFS_MAX ((uint64_t)1 << 20)  /* bytes of refs */
#define PG_BUNDLE_REFS_LINES_MAX 100000         /* lines of refs */

/* One log in a bundle: its segment is the commits after base (zero: the
 * whole log) up to tip.  from_seq..to_seq are the segment's entries when
 * known (pg_bundle_select fills them from the index), else 0. */
typedef struct pg_bundle_ref {
	uint8_t publisher[PG_PK_LEN];
	git_oid tip, base;
	uint64_t from_seq, to_seq;
} pg_bundle_ref;

/* The logs to bundle: every log of the store, or only publisher's (when
 * not NULL).  With since (has_since set), each log's segment starts after
 * its newest entry dated before since, by the index; a log with no such
 * entry goes whole, a log with nothing since is left out.  Sorted by
 * publisher.  PG_ENOTFOUND when nothing is left, with a message that
 * says why. */
int pg_bundle_select(pg_bundle_ref **out, size_t *n, pg_store *s, pg_index *x, const uint8_t *publisher,
		     int has_since, int64_t since);

typedef struct pg_bundle_stats {
	size_t logs;
	uint64_t commits, objects; /* in the pack */
	uint64_t bytes;            /* of the file */
} pg_bundle_stats;

/* Write refs[0..n) (sorted by publisher, bases in their logs) as a bundle
 * at path: into path.tmp, synced, then renamed.  PG_EEXISTS when path
 * exists, unless force.  On failure nothing is left at path or
 * path.tmp. */
int pg_bundle_create(pg_bundle_stats *out, pg_store *s, const char *path, const pg_bundle_ref *refs, size_t n,
		     int force);

/* Called with each piece of the pack as it is read, and total, the size
 * the tar header gives for the whole pack (never more than the limit); a
 * negative return stops the reading with that error. */
typedef int (*pg_bundle_pack_cb)(const void *data, size_t len, uint64_t total, void *payload);

/* Read the bundle at path: check every entry (names, order, types, the
 * header, the refs lines) and stream the pack to cb, never reading more
 * than each limit allows (pack_max for the pack), and check that nothing
 * follows the pack.  The caller owns *refs (free()).  PG_EINVALID for
 * anything that is not a well-formed bundle, PG_ENOTFOUND when path
 * cannot be opened.  Only when 0 is returned was the pack complete. */
int pg_bundle_read(pg_bundle_ref **refs, size_t *n, const char *path, uint64_t pack_max, pg_bundle_pack_cb cb,
		   void *payload);

/* Import the bundle at path into s: read it (pack limit:
 * pg_sync_max_bytes(o)), index its pack into the object database (git
 * checks the pack), put each log whose base this store holds in a
 * private quarantine, refs/pg/q/bundle+<pid>/, and pg_adopt it with
 * source "bundle:<file name>"; the quarantine refs are removed whatever
 * happens.  The store's lock is held from the first quarantine ref to the
 * last removed, so another import's quarantine found then is a killed
 * import's, and is removed too.  A log whose base the store lacks is refused ("missing").
 * Fills r like pg_fetch; returns an error only when the bundle is
 * unreadable or the store failed, never for a refused log. */
int pg_bundle_import(pg_sync_report *r, pg_store *s, const char *path, const pg_sync_opts *o);

#endif
