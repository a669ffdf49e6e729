/* store.h - the pg store: a bare git repository of signed, append-only logs
 *
 * .pg/ is a bare git repository (libgit2).  Each publisher has one log,
 * refs/pg/pub/<publisher key hex>, a chain of commits.  Each commit's
 * message is a signed 'log' object (the manifest: seq, prev, add ...) and
 * its tree is the previous tree plus the added objects and payloads:
 *
 *     o/<first two hex>/<object id>    the object's canonical bytes
 *     p/<first two hex>/<payload id>   the payload tar
 *
 * .pg/index.sqlite is derived (see index.h); .pg/lock serialises writers.
 */
#ifndef PG_STORE_H
#define PG_STORE_H

#include <git2.h>

#include "key.h"
#include "object.h"

#define PG_STORE_DIR ".pg"
#define PG_REF_PREFIX "refs/pg/pub/"
#define PG_LOG_ADDS_MAX 10000 /* ids in one log entry */

typedef struct pg_store pg_store;

/* Set the error from libgit2's last: "<what>: <libgit2's message>". */
int pg_git_err(int code, const char *what);

/* Create DIR/.pg; refuses if it exists. */
int pg_store_init(const char *dir);

/* Find the .pg directory: PG_DIR if set, else walking up from start. */
int pg_store_discover(char **out, const char *start);

int pg_store_open(pg_store **out, const char *pgdir);
/* Open the store the way git's environment names it, for a hook that git
 * runs (pg serve's receive hook): GIT_DIR, and GIT_OBJECT_DIRECTORY with
 * GIT_ALTERNATE_OBJECT_DIRECTORIES, so the objects of a push still in
 * git's quarantine directory can be read.  PG_ENOTFOUND without GIT_DIR. */
int pg_store_open_env(pg_store **out);
void pg_store_free(pg_store *s);
const char *pg_store_path(const pg_store *s); /* the .pg directory */
git_repository *pg_store_repo(pg_store *s);

/* Exclusive writer lock (flock on .pg/lock), released by unlock or exit.
 * Waits up to PG_LOCK_TIMEOUT seconds (default 30), then PG_ELOCKED. */
int pg_store_lock(pg_store *s);
void pg_store_unlock(pg_store *s);
/* Note, holding the lock, a git lock file this process is about to create
 * (relative to .pg/: "refs/pg/pub/<key>.lock", "config.lock", or a
 * directory of them ending in '/').  A process killed before git renamed
 * or removed it would leave it to refuse that ref or the config for good:
 * the next one to take the lock removes what was noted.  Unlocking drops
 * the notes. */
int pg_store_note(pg_store *s, const char *lockfile);

/* Look up a log commit, refusing one larger than a log entry can be
 * (checked before it is read) or one that holds a NUL byte. */
int pg_store_commit(git_commit **out, pg_store *s, const git_oid *oid);

/* Read a git blob by its hex oid. */
int pg_store_read_blob(pg_buf *out, pg_store *s, const char *oid_hex);

/* Read path (e.g. "o/ab/<id>") from the tip tree of a publisher's log. */
int pg_store_read_path(pg_buf *out, pg_store *s, const uint8_t publisher[PG_PK_LEN], const char *path);

/* The tip of a publisher's log: commit oid; PG_ENOTFOUND if none. */
int pg_store_tip(git_oid *out, pg_store *s, const uint8_t publisher[PG_PK_LEN]);

/* Keep the object database and the refs quick to read: more packs than
 * limit (without a .keep), and the small ones are merged into one, git's
 * geometric repack; more than PG_LOOSE_REFS_MAX loose refs under
 * refs/pg/, and they go into packed-refs (see store.c).  pg_txn_commit
 * and adoption call it with PG_PACKS_MAX, holding the lock; a caller must
 * hold it. */
#define PG_PACKS_MAX 50
#define PG_LOOSE_REFS_MAX 64
int pg_store_repack(pg_store *s, size_t limit);

/* Every log's tip, read in one pass over the refs, in key order. */
typedef struct pg_log_tip {
	uint8_t pk[PG_PK_LEN];
	git_oid tip;
} pg_log_tip;
int pg_store_tips(pg_log_tip **out, size_t *n, pg_store *s);

/* Publishers with a log in this store, in key order. */
int pg_store_publishers(uint8_t (**out)[PG_PK_LEN], size_t *n, pg_store *s);

/* --- writing: one transaction appends to the writer's own log -------- */

typedef struct pg_txn pg_txn;

/* Lock the store and start appending to key's log; key must be unlocked
 * (hold its secret).  identity is key's signed identity object: it is
 * added first when the log is new. */
int pg_txn_begin(pg_txn **out, pg_store *s, const pg_key *key, const pg_buf *identity);

/* Stage a signed object (author == key) and its payload, if it has one.
 * An object already in the log is skipped (returns 1).  The transaction
 * takes o, whatever the outcome: the caller must not free it. */
int pg_txn_add(pg_txn *t, const pg_object *o, const void *payload, size_t len);

/* Objects staged so far (for resolving names within one batch). */
size_t pg_txn_count(const pg_txn *t);
const pg_object *pg_txn_object(const pg_txn *t, size_t i);

/* Write the log entries (one per PG_LOG_ADDS_MAX ids) as one pack and move
 * the ref; nothing is visible until the ref moves.  Unlocks. */
int pg_txn_commit(pg_txn *t);
void pg_txn_free(pg_txn *t); /* aborts if not committed */

/* --- reading and verifying logs ---------------------------------------- */

typedef struct pg_log_entry {
	uint8_t publisher[PG_PK_LEN];
	git_oid commit;
	pg_object *manifest;        /* the signed log object */
	uint64_t seq;
	size_t n;                   /* objects added */
	pg_object **objects;        /* in the manifest's order */
	git_oid *blobs;             /* each object's blob */
	git_oid *payload_blobs;     /* zero oid where no payload */
} pg_log_entry;

#define PG_WALK_VERIFY 1 /* signatures, hashes, chain, tree, payloads */

/* Called for each entry, oldest first; a negative return ends the walk
 * with that error. */
typedef int (*pg_log_cb)(const pg_log_entry *e, void *data);

/* Walk a publisher's log from the entry after 'since' (NULL: the start) to
 * 'tip', oldest first, calling cb for each entry.  With PG_WALK_VERIFY,
 * every rule of docs/format.md is checked and the first violation ends
 * the walk with PG_EINTEGRITY or PG_EINVALID and a message naming the
 * seq, commit and object. */
int pg_log_walk(pg_store *s, const uint8_t publisher[PG_PK_LEN], const git_oid *tip,
		const git_oid *since, unsigned flags, pg_log_cb cb, void *data);

/* Records kept beside the repository (.pg/refusals, .pg/policy): one
 * line each, appended and fsynced; a last line cut short by a crash is
 * skipped when read and ended before the next is appended. */
int pg_store_read_lines(pg_store *s, const char *file, size_t limit,
			int (*cb)(const char *line, size_t len, void *data), void *data);
int pg_store_append_line(pg_store *s, const char *file, const char *line);

#endif
