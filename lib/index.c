/* index.c - derived SQLite index: incremental sync, rebuild, queries */
#include "index.h"
#include "result.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION "6" /* bump whenever a table changes: older indexes are rebuilt */
#define INDEX_MMAP "1073741824" /* bytes of the index file read through mmap */

/* Statements prepared once and kept: a command that asks the same
 * question for each of 100 000 objects (publish's unchanged check) would
 * otherwise spend most of its time in SQLite's parser. */
#define STMT_CACHE 32

struct pg_index {
	pg_store *s;
	sqlite3 *db;
	char *path;
	struct {
		char *sql;
		sqlite3_stmt *st;
		int busy; /* handed out and not yet given back (unprep) */
	} cache[STMT_CACHE];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);"
	"CREATE TABLE IF NOT EXISTS logs(publisher TEXT PRIMARY KEY, seq INTEGER NOT NULL, tip TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS entries(publisher TEXT NOT NULL, seq INTEGER NOT NULL, date INTEGER,"
	" commit_oid TEXT, manifest TEXT, nobjects INTEGER, PRIMARY KEY(publisher, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS objects(id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT,"
	" author TEXT NOT NULL, date INTEGER NOT NULL, publisher TEXT NOT NULL, seq INTEGER NOT NULL,"
	" blob TEXT NOT NULL, payload TEXT, payload_size INTEGER, payload_blob TEXT, lang TEXT, about TEXT);"
	"CREATE INDEX IF NOT EXISTS objects_type_name ON objects(type, name);"
	"CREATE INDEX IF NOT EXISTS objects_name ON objects(name);"
	"CREATE INDEX IF NOT EXISTS objects_author ON objects(author, type);"
	"CREATE INDEX IF NOT EXISTS objects_log ON objects(publisher, seq);"
	"CREATE TABLE IF NOT EXISTS links(src TEXT NOT NULL, rel TEXT NOT NULL, dst TEXT NOT NULL,"
	" PRIMARY KEY(src, rel, dst)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS links_dst ON links(dst);"
	"CREATE TABLE IF NOT EXISTS identities(key TEXT PRIMARY KEY, name TEXT NOT NULL, date INTEGER NOT NULL,"
	" version INTEGER NOT NULL, id TEXT NOT NULL, predecessor TEXT, pdate INTEGER, successor TEXT,"
	" revoked INTEGER);"
	"CREATE INDEX IF NOT EXISTS identities_predecessor ON identities(predecessor);"
	"CREATE TABLE IF NOT EXISTS claims(id TEXT PRIMARY KEY, type TEXT NOT NULL, author TEXT NOT NULL,"
	" subject TEXT NOT NULL, level TEXT, date INTEGER NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS claims_author ON claims(author);"
	"CREATE INDEX IF NOT EXISTS claims_subject ON claims(subject);"
	"CREATE INDEX IF NOT EXISTS identities_name ON identities(name);"
	"CREATE TABLE IF NOT EXISTS results(id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL,"
	" against TEXT NOT NULL, author TEXT NOT NULL, date INTEGER NOT NULL, verdict TEXT, score REAL,"
	" lo REAL, hi REAL, baseline TEXT, machine TEXT, rerun INTEGER);" /* rowid: cheap lookups from an index */
	"CREATE INDEX IF NOT EXISTS results_author ON results(author, kind, subject, against);"
	"CREATE TABLE IF NOT EXISTS sightings(mine TEXT NOT NULL, theirs TEXT NOT NULL,"
	" PRIMARY KEY(mine, theirs)) WITHOUT ROWID;"
	/* covering: rank reads every result about an interface's impls (15 000
	 * of a busy one) in this order, from the index alone */
	"CREATE INDEX IF NOT EXISTS results_subject ON results(subject, date, id, kind, against, author, verdict,"
	" score, lo, hi, baseline, machine, rerun);"
	"CREATE INDEX IF NOT EXISTS results_against ON results(against);";

static int db_err(pg_index *x, const char *what)
{
	return pg_error_set(PG_ERROR, "index: %s: %s (rebuild it with 'pg reindex')", what, sqlite3_errmsg(x->db));
}

static int exec(pg_index *x, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = pg_error_set(PG_ERROR, "index: %s (rebuild it with 'pg reindex')", msg ? msg : "error");
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

/* An index of another schema is emptied: the next sync fills it again from
 * the store, as from scratch. */
static int upgrade(pg_index *x)
{
	sqlite3_stmt *st = NULL;
	int same = 1;
	if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = 'schema'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		same = !strcmp((const char *)sqlite3_column_text(st, 0), SCHEMA_VERSION);
	sqlite3_finalize(st);
	if (same)
		return 0;
	return exec(x, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS logs;"
		       " DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS objects; DROP TABLE IF EXISTS links;"
		       " DROP TABLE IF EXISTS identities; DROP TABLE IF EXISTS results; DROP TABLE IF EXISTS claims;"
		       " DROP TABLE IF EXISTS sightings;"
		       " COMMIT;");
}

static int open_db(pg_index **out, pg_store *s, const char *path)
{
	pg_index *x = pg_calloc(1, sizeof(*x));
	int err;
	x->s = s;
	x->path = pg_strdup(path);
	*out = NULL;
	/* no mutexes: a connection is only ever used by the thread that opened it */
	if (sqlite3_open_v2(path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = pg_error_set(PG_ERROR, "cannot open the index '%s': %s", path, x->db ? sqlite3_errmsg(x->db) : "out of memory");
		pg_index_free(x);
		return err;
	}
	sqlite3_busy_timeout(x->db, 30000);
	/* reads through a mapping: one pread per page otherwise, most of
	 * pg rank's time over 10 000 results */
	if ((err = exec(x, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=" INDEX_MMAP ";")) < 0 ||
	    (err = upgrade(x)) < 0 ||
	    (err = exec(x, schema)) < 0 ||
	    (err = exec(x, "INSERT OR IGNORE INTO meta VALUES('schema', '" SCHEMA_VERSION "')")) < 0) {
		pg_index_free(x);
		return err;
	}
	*out = x;
	return 0;
}

void pg_index_free(pg_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(x->cache[i].st);
		free(x->cache[i].sql);
	}
	sqlite3_close(x->db);
	free(x->path);
	free(x);
}

/* A statement for sql, from the cache when it holds one that is not in
 * use; give it back with unprep(). */
static sqlite3_stmt *prep(pg_index *x, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t free_slot = STMT_CACHE;
	for (size_t i = 0; i < STMT_CACHE; i++) {
		if (!x->cache[i].st) {
			if (free_slot == STMT_CACHE)
				free_slot = i;
		} else if (!x->cache[i].busy && !strcmp(x->cache[i].sql, sql)) {
			x->cache[i].busy = 1;
			return x->cache[i].st;
		}
	}
	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err(x, "prepare");
		return NULL;
	}
	if (free_slot < STMT_CACHE) {
		x->cache[free_slot].sql = pg_strdup(sql);
		x->cache[free_slot].st = st;
		x->cache[free_slot].busy = 1;
	}
	return st;
}

/* Give back a statement from prep(): reset for its next use if cached,
 * finalized otherwise. */
static void unprep(pg_index *x, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (x->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			x->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

struct sync_ctx {
	pg_index *x;
	sqlite3_stmt *entry, *object, *link, *identity, *result, *claim, *saw;
	size_t objects;
};

/* What a result says, for ranking without reading objects. */
static int index_result(struct sync_ctx *c, const pg_object *o, const char *id, const char *author)
{
	pg_result_info info;
	sqlite3_stmt *st = c->result;
	int ok = pg_result_info_get(&info, o) == 0;
	sqlite3_reset(st);
	bind_text(st, 1, id);
	bind_text(st, 2, pg_object_get(o, "kind"));
	bind_text(st, 3, pg_object_get(o, "subject"));
	bind_text(st, 4, pg_object_get(o, "against"));
	bind_text(st, 5, author);
	sqlite3_bind_int64(st, 6, o->date);
	bind_text(st, 7, ok ? info.verdict : NULL);
	if (ok && info.kind == 'b') {
		sqlite3_bind_double(st, 8, info.score);
		sqlite3_bind_double(st, 9, info.band_lo);
		sqlite3_bind_double(st, 10, info.band_hi);
		bind_text(st, 11, info.baseline);
	} else {
		for (int i = 8; i <= 11; i++)
			sqlite3_bind_null(st, i);
	}
	bind_text(st, 12, ok && info.machine[0] ? info.machine : NULL);
	sqlite3_bind_int(st, 13, ok ? info.rerun : 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_err(c->x, "recording a result");
	/* the claims a verify result says it saw (evidence counts only those) */
	for (const char *p = o->body, *end = o->body ? o->body + o->body_len : NULL; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len == 4 + PG_HEX_LEN && !memcmp(p, "saw ", 4) && pg_is_hex(p + 4, PG_HEX_LEN)) {
			sqlite3_reset(c->saw);
			bind_text(c->saw, 1, id);
			sqlite3_bind_text(c->saw, 2, p + 4, PG_HEX_LEN, SQLITE_TRANSIENT);
			if (sqlite3_step(c->saw) != SQLITE_DONE)
				return db_err(c->x, "recording a sighting");
		}
		p += len + 1;
	}
	return 0;
}

/* An identity's newest version: an object whose version is not above the
 * one recorded is ignored (versions never go backwards; format.md §3.5). */
static int index_identity(struct sync_ctx *c, const pg_object *o, const char *id, const char *author)
{
	sqlite3_stmt *st = c->identity;
	const char *v = pg_object_get(o, "version"), *rev = pg_object_get(o, "revoked");
	sqlite3_reset(st);
	bind_text(st, 1, author);
	bind_text(st, 2, pg_object_get(o, "name"));
	sqlite3_bind_int64(st, 3, o->date);
	sqlite3_bind_int64(st, 4, v ? strtoll(v, NULL, 10) : 1);
	bind_text(st, 5, id);
	bind_text(st, 6, pg_object_get(o, "predecessor"));
	sqlite3_bind_int64(st, 7, o->date);
	bind_text(st, 8, pg_object_get(o, "successor"));
	if (rev)
		sqlite3_bind_int64(st, 9, strtoll(rev, NULL, 10));
	else
		sqlite3_bind_null(st, 9);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(c->x, "recording an identity");
}

/* A trust claim (subject, level) or a block (target). */
static int index_claim(struct sync_ctx *c, const pg_object *o, const char *id, const char *author, uint64_t seq,
		       size_t pos)
{
	sqlite3_stmt *st = c->claim;
	int trust = o->type == PG_T_TRUST;
	sqlite3_reset(st);
	bind_text(st, 1, id);
	bind_text(st, 2, trust ? "trust" : "block");
	bind_text(st, 3, author);
	bind_text(st, 4, pg_object_get(o, trust ? "subject" : "target"));
	bind_text(st, 5, trust ? pg_object_get(o, "level") : NULL);
	sqlite3_bind_int64(st, 6, o->date);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)pos);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(c->x, "recording a claim");
}

/* Record one log entry and its objects. */
static int index_entry(const pg_log_entry *e, void *data)
{
	struct sync_ctx *c = data;
	int err;
	char pub[PG_HEX_LEN + 1], hex[PG_HEX_LEN + 1], oid[GIT_OID_HEXSZ + 1];
	pg_hex(pub, e->publisher, PG_PK_LEN);

	sqlite3_reset(c->entry);
	bind_text(c->entry, 1, pub);
	sqlite3_bind_int64(c->entry, 2, (sqlite3_int64)e->seq);
	sqlite3_bind_int64(c->entry, 3, e->manifest->date);
	bind_text(c->entry, 4, git_oid_tostr(oid, sizeof(oid), &e->commit));
	pg_hex(hex, e->manifest->id, PG_ID_LEN);
	bind_text(c->entry, 5, hex);
	sqlite3_bind_int64(c->entry, 6, (sqlite3_int64)e->n);
	if (sqlite3_step(c->entry) != SQLITE_DONE)
		return db_err(c->x, "recording a log entry");

	for (size_t i = 0; i < e->n; i++) {
		const pg_object *o = e->objects[i];
		const pg_type_schema *sch = pg_type_schema_get(o->type);
		char id[PG_HEX_LEN + 1], author[PG_HEX_LEN + 1];
		pg_hex(id, o->id, PG_ID_LEN);
		pg_hex(author, o->author, PG_PK_LEN);
		sqlite3_stmt *st = c->object;
		sqlite3_reset(st);
		bind_text(st, 1, id);
		bind_text(st, 2, sch->name);
		bind_text(st, 3, pg_object_get(o, "name"));
		bind_text(st, 4, author);
		sqlite3_bind_int64(st, 5, o->date);
		bind_text(st, 6, pub);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)e->seq);
		bind_text(st, 8, git_oid_tostr(oid, sizeof(oid), &e->blobs[i]));
		const char *p = pg_object_get(o, "payload");
		if (p) {
			char pid[PG_HEX_LEN + 1];
			memcpy(pid, p, PG_HEX_LEN);
			pid[PG_HEX_LEN] = '\0';
			bind_text(st, 9, pid);
			sqlite3_bind_int64(st, 10, strtoll(p + PG_HEX_LEN + 1, NULL, 10));
			bind_text(st, 11, git_oid_tostr(oid, sizeof(oid), &e->payload_blobs[i]));
		} else {
			sqlite3_bind_null(st, 9);
			sqlite3_bind_null(st, 10);
			sqlite3_bind_null(st, 11);
		}
		bind_text(st, 12, pg_object_get(o, "lang"));
		if (o->body)
			sqlite3_bind_text(st, 13, o->body, (int)(o->body_len > 1024 ? 1024 : o->body_len), SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 13);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_err(c->x, "recording an object");
		if (o->type == PG_T_RESULT && (err = index_result(c, o, id, author)) < 0)
			return err;
		for (size_t f = 0; f < o->nfields; f++) {
			const pg_field_schema *fs = sch->fields;
			while (fs->key && fs->key != o->fields[f].key)
				fs++;
			if (!fs->key || !(fs->flags & PG_FIELD_LINK))
				continue;
			sqlite3_reset(c->link);
			bind_text(c->link, 1, id);
			bind_text(c->link, 2, fs->key);
			bind_text(c->link, 3, o->fields[f].value);
			if (sqlite3_step(c->link) != SQLITE_DONE)
				return db_err(c->x, "recording a link");
		}
		if (o->type == PG_T_IDENTITY && (err = index_identity(c, o, id, author)) < 0)
			return err;
		if ((o->type == PG_T_TRUST || o->type == PG_T_BLOCK) && (err = index_claim(c, o, id, author, e->seq, i)) < 0)
			return err;
		c->objects++;
	}
	return 0;
}

/* Bring one publisher's rows up to its log's tip, inside a transaction. */
static int sync_publisher(struct sync_ctx *c, const uint8_t pk[PG_PK_LEN], size_t *logs)
{
	pg_index *x = c->x;
	char pub[PG_HEX_LEN + 1], tiphex[GIT_OID_HEXSZ + 1];
	git_oid tip, since;
	int have_since = 0, err;
	pg_hex(pub, pk, PG_PK_LEN);
	if ((err = pg_store_tip(&tip, x->s, pk)) < 0)
		return err;
	git_oid_tostr(tiphex, sizeof(tiphex), &tip);

	sqlite3_stmt *st = prep(x, "SELECT tip FROM logs WHERE publisher = ?");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, pub);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && !strcmp(t, tiphex)) {
			unprep(x, st);
			return 0;
		}
		have_since = t && git_oid_fromstr(&since, t) == 0;
	}
	unprep(x, st);

	if ((err = exec(x, "BEGIN IMMEDIATE")) < 0)
		return err;
	/* another process may have synced while we waited for the lock */
	if ((st = prep(x, "SELECT tip FROM logs WHERE publisher = ?")) == NULL) {
		err = PG_ERROR;
		goto rollback;
	}
	bind_text(st, 1, pub);
	have_since = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		have_since = t && git_oid_fromstr(&since, t) == 0;
	}
	unprep(x, st);
	if (have_since && git_oid_equal(&since, &tip))
		return exec(x, "COMMIT");
	if (have_since && git_graph_descendant_of(pg_store_repo(x->s), &tip, &since) != 1) {
		/* the log was rewritten under us (only damage or tampering does
		 * that; fsck says which): forget what we had and start over */
		static const char *const purge[] = {
			"DELETE FROM links WHERE src IN (SELECT id FROM objects WHERE publisher = ?1)",
			"DELETE FROM results WHERE id IN (SELECT id FROM objects WHERE publisher = ?1)",
			"DELETE FROM claims WHERE id IN (SELECT id FROM objects WHERE publisher = ?1)",
			"DELETE FROM sightings WHERE mine IN (SELECT id FROM objects WHERE publisher = ?1)",
			"DELETE FROM identities WHERE key = ?1",
			"DELETE FROM objects WHERE publisher = ?1", "DELETE FROM entries WHERE publisher = ?1",
		};
		for (size_t i = 0; i < sizeof(purge) / sizeof(purge[0]); i++) {
			if ((st = prep(x, purge[i])) == NULL) {
				err = PG_ERROR;
				goto rollback;
			}
			bind_text(st, 1, pub);
			int r = sqlite3_step(st);
			unprep(x, st);
			if (r != SQLITE_DONE) {
				err = db_err(x, "forgetting a rewritten log");
				goto rollback;
			}
		}
		have_since = 0;
	}

	size_t before = c->objects;
	err = pg_log_walk(x->s, pk, &tip, have_since ? &since : NULL, 0, index_entry, c);
	if (err < 0) {
		c->objects = before; /* rolled back: none of them is indexed */
		goto rollback;
	}
	st = prep(x, "INSERT OR REPLACE INTO logs(publisher, seq, tip) "
		     "VALUES(?, (SELECT max(seq) FROM entries WHERE publisher = ?), ?)");
	if (!st) {
		err = PG_ERROR;
		goto rollback;
	}
	bind_text(st, 1, pub);
	bind_text(st, 2, pub);
	bind_text(st, 3, tiphex);
	err = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(x, "recording a log");
	unprep(x, st);
	if (err < 0)
		goto rollback;
	if (logs)
		(*logs)++;
	return exec(x, "COMMIT");
rollback:
	exec(x, "ROLLBACK");
	return err;
}

static int sync_all(pg_index *x, size_t *objects, size_t *logs)
{
	pg_log_tip *pubs;
	size_t n, nmoved = 0;
	struct sync_ctx c = { x, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
	char first[1024] = "";
	int err = pg_store_tips(&pubs, &n, x->s);
	if (err < 0)
		return err;
	/* the logs whose tip is not the one indexed, found with one query:
	 * every command asks, and a store may hold thousands of logs */
	sqlite3_stmt *st = prep(x, "SELECT publisher, tip FROM logs ORDER BY publisher");
	if (!st) {
		free(pubs);
		return PG_ERROR;
	}
	int r = sqlite3_step(st);
	for (size_t i = 0; i < n; i++) {
		char pub[PG_HEX_LEN + 1], tip[GIT_OID_HEXSZ + 1];
		pg_hex(pub, pubs[i].pk, PG_PK_LEN);
		git_oid_tostr(tip, sizeof(tip), &pubs[i].tip);
		int c = 1;
		while (r == SQLITE_ROW && (c = strcmp((const char *)sqlite3_column_text(st, 0), pub)) < 0)
			r = sqlite3_step(st);
		const char *indexed = r == SQLITE_ROW && c == 0 ? (const char *)sqlite3_column_text(st, 1) : NULL;
		if (!indexed || strcmp(indexed, tip))
			pubs[nmoved++] = pubs[i];
	}
	unprep(x, st);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		free(pubs);
		return db_err(x, "logs");
	}
	n = nmoved;
	if (!n) {
		free(pubs);
		if (objects)
			*objects = 0;
		return 0;
	}
	c.entry = prep(x, "INSERT OR REPLACE INTO entries VALUES(?,?,?,?,?,?)");
	c.object = prep(x, "INSERT OR IGNORE INTO objects VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
	c.result = prep(x, "INSERT OR IGNORE INTO results VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
	c.claim = prep(x, "INSERT OR IGNORE INTO claims VALUES(?,?,?,?,?,?,?,?)");
	c.saw = prep(x, "INSERT OR IGNORE INTO sightings VALUES(?,?)");
	c.link = prep(x, "INSERT OR IGNORE INTO links VALUES(?,?,?)");
	/* a handover, a successor and a revocation, once said, stay said */
	c.identity = prep(x, "INSERT INTO identities VALUES(?1,?2,?3,?4,?5,?6,CASE WHEN ?6 IS NULL THEN NULL ELSE ?7 END,"
			     "?8,?9) ON CONFLICT(key) DO UPDATE SET"
			     " name = CASE WHEN excluded.version > identities.version THEN excluded.name ELSE identities.name END,"
			     " date = CASE WHEN excluded.version > identities.version THEN excluded.date ELSE identities.date END,"
			     " id = CASE WHEN excluded.version > identities.version THEN excluded.id ELSE identities.id END,"
			     " version = max(identities.version, excluded.version),"
			     " pdate = CASE WHEN identities.predecessor IS NULL THEN excluded.pdate ELSE identities.pdate END,"
			     " predecessor = coalesce(identities.predecessor, excluded.predecessor),"
			     " successor = CASE WHEN identities.successor IS NOT NULL THEN identities.successor"
			     " WHEN identities.revoked IS NOT NULL THEN NULL ELSE excluded.successor END,"
			     " revoked = CASE WHEN identities.revoked IS NULL THEN excluded.revoked"
			     " WHEN excluded.revoked IS NULL THEN identities.revoked"
			     " ELSE min(identities.revoked, excluded.revoked) END");
	if (!c.entry || !c.object || !c.link || !c.identity || !c.result || !c.claim || !c.saw) {
		err = PG_ERROR; /* the message is prep's */
		snprintf(first, sizeof(first), "%s", pg_error_last());
		n = 0;
	}
	/* one damaged log does not hide the others: remember the first
	 * error and go on */
	for (size_t i = 0; i < n; i++) {
		int e = sync_publisher(&c, pubs[i].pk, logs);
		if (e < 0 && err == 0) {
			err = e;
			snprintf(first, sizeof(first), "%s", pg_error_last());
		}
		if (e < 0 && e != PG_EINTEGRITY && e != PG_EINVALID)
			break;
	}
	if (err < 0)
		pg_error_set(err, "%s", first);
	unprep(c.x, c.entry);
	unprep(c.x, c.object);
	unprep(c.x, c.link);
	unprep(c.x, c.identity);
	unprep(c.x, c.result);
	unprep(c.x, c.claim);
	unprep(c.x, c.saw);
	free(pubs);
	if (c.objects && err == 0)
		err = exec(x, "INSERT INTO meta VALUES('gen', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1");
	if (objects)
		*objects = c.objects;
	return err;
}

int pg_index_sync(pg_index *x)
{
	return sync_all(x, NULL, NULL);
}

int pg_index_open(pg_index **out, pg_store *s)
{
	char *path = pg_path_join(pg_store_path(s), "index.sqlite");
	int err = open_db(out, s, path);
	free(path);
	return err;
}

int pg_index_open_readonly(pg_index **out, pg_store *s)
{
	pg_index *x = pg_calloc(1, sizeof(*x));
	x->s = s;
	x->path = pg_path_join(pg_store_path(s), "index.sqlite");
	*out = NULL;
	int err = 0;
	sqlite3_stmt *st = NULL;
	if (access(x->path, F_OK) < 0) {
		err = pg_error_set(PG_ENOTFOUND, "no index yet");
	} else if (sqlite3_open_v2(x->path, &x->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err = pg_error_set(PG_ERROR, "cannot open the index '%s': %s", x->path,
				   x->db ? sqlite3_errmsg(x->db) : "out of memory");
	} else {
		sqlite3_busy_timeout(x->db, 250);
		sqlite3_exec(x->db, "PRAGMA mmap_size=" INDEX_MMAP, NULL, NULL, NULL); /* only faster */
		if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = 'schema'", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), SCHEMA_VERSION))
			err = pg_error_set(PG_ENOTFOUND, "the index is of another schema (or busy)");
		unprep(x, st);
	}
	if (err < 0)
		pg_index_free(x);
	else
		*out = x;
	return err;
}

/* Copy the new index x into the one at path, in one write transaction:
 * readers see the old index or the new, whole.  Other processes may have
 * the old one open (WAL mode), so a new file renamed over it would meet
 * their -wal and -shm by name: a command opening it then replays the old
 * frames onto it, and checkpoints them into it.  1 if the old file is not
 * a database SQLite can write into (damaged): rename over it. */
static int install(pg_index *x, const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_backup *b;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 30000);
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		if ((b = sqlite3_backup_init(db, "main", x->db, "main")) == NULL) {
			rc = sqlite3_errcode(db);
		} else {
			rc = sqlite3_backup_step(b, -1);
			int fin = sqlite3_backup_finish(b);
			rc = rc == SQLITE_DONE ? fin : rc;
		}
	}
	int err = 0;
	/* READONLY: a WAL index of another page size cannot take the copy */
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT || rc == SQLITE_READONLY)
		err = 1;
	else if (rc != SQLITE_OK)
		err = pg_error_set(PG_ERROR, "cannot write the new index into '%s': %s (the old one stays)", path,
				   db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return err;
}

int pg_index_rebuild(pg_store *s, size_t *objects, size_t *logs)
{
	char *path = pg_path_join(pg_store_path(s), "index.sqlite");
	char *tmp = pg_asprintf("%s.new", path);
	pg_index *x = NULL;
	int err;
	if (logs)
		*logs = 0;
	if ((err = pg_store_lock(s)) < 0)
		goto done;
	for (const char *suffix = ""; suffix; suffix = *suffix ? (!strcmp(suffix, "-wal") ? "-shm" : NULL) : "-wal") {
		char *f = pg_asprintf("%s%s", tmp, suffix);
		unlink(f);
		free(f);
	}
	int damaged = 0;
	char msg[1024] = "";
	if ((err = open_db(&x, s, tmp)) < 0)
		goto done;
	if ((err = sync_all(x, objects, logs)) == PG_EINTEGRITY || err == PG_EINVALID) {
		/* the damaged log is left out; say so once the rest is in place */
		damaged = err;
		snprintf(msg, sizeof(msg), "%s", pg_error_last());
		err = 0;
	}
	if (err < 0 || (err = exec(x, "PRAGMA journal_mode=DELETE")) < 0 || (err = install(x, path)) < 0)
		goto done;
	if (err == 1) { /* the old index was no database: the new file replaces it */
		pg_index_free(x);
		x = NULL;
		err = 0;
		/* the old file's WAL must not be replayed onto the new file */
		char *wal = pg_asprintf("%s-wal", path), *shm = pg_asprintf("%s-shm", path);
		if (rename(tmp, path) < 0)
			err = pg_error_set(PG_ERROR, "cannot replace the index: %m");
		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	if (err == 0 && damaged)
		err = pg_error_set(damaged, "%s", msg);
done:
	pg_index_free(x);
	unlink(tmp); /* copied, renamed or abandoned */
	pg_store_unlock(s);
	free(tmp);
	free(path);
	return err;
}

/* --- queries ------------------------------------------------------------ */

#define ROW_COLUMNS \
	"SELECT o.id, o.type, o.name, o.author, i.name, o.date, o.publisher, o.seq, o.blob," \
	" o.payload, o.payload_size, o.payload_blob, o.lang FROM objects o" \
	" LEFT JOIN identities i ON i.key = o.author "

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	size_t n = v ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (n >= cap)
		n = cap - 1; /* cut, as snprintf would, at a fraction of its cost */
	memcpy(dst, v ? v : "", n);
	dst[n] = '\0';
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	return v ? pg_strdup(v) : NULL;
}

static void read_row(pg_index_row *r, sqlite3_stmt *st)
{
	memset(r, 0, sizeof(*r));
	copy_col(r->id, sizeof(r->id), st, 0);
	copy_col(r->type, sizeof(r->type), st, 1);
	r->name = dup_col(st, 2);
	copy_col(r->author, sizeof(r->author), st, 3);
	r->author_name = dup_col(st, 4);
	r->date = sqlite3_column_int64(st, 5);
	copy_col(r->publisher, sizeof(r->publisher), st, 6);
	r->seq = (uint64_t)sqlite3_column_int64(st, 7);
	copy_col(r->blob, sizeof(r->blob), st, 8);
	copy_col(r->payload, sizeof(r->payload), st, 9);
	r->payload_size = (uint64_t)sqlite3_column_int64(st, 10);
	copy_col(r->payload_blob, sizeof(r->payload_blob), st, 11);
	r->lang = dup_col(st, 12);
}

void pg_index_row_clear(pg_index_row *r)
{
	free(r->name);
	free(r->author_name);
	free(r->lang);
	r->name = r->author_name = r->lang = NULL;
}

/* Run a prepared statement that selects ROW_COLUMNS; call cb per row. */
static int each_row(pg_index *x, sqlite3_stmt *st, pg_index_row_cb cb, void *data)
{
	int r, err = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		pg_index_row row;
		read_row(&row, st);
		err = cb(&row, data);
		pg_index_row_clear(&row);
		if (err)
			break;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		err = db_err(x, "query");
	unprep(x, st);
	return err;
}

int pg_index_query(pg_index *x, const pg_query *q, pg_index_row_cb cb, void *data)
{
	pg_buf sql = PG_BUF_INIT;
	pg_buf_puts(&sql, ROW_COLUMNS "WHERE 1");
	if (q->type)
		pg_buf_puts(&sql, " AND o.type = ?1");
	/* GLOB with a bound pattern is planned anew each time it is bound;
	 * a plain name is an equality the (type, name) index answers */
	if (q->name)
		pg_buf_puts(&sql, strpbrk(q->name, "*?[") ? " AND o.name GLOB ?2" : " AND o.name = ?2");
	if (q->author)
		pg_buf_puts(&sql, " AND o.author = ?3");
	if (q->publisher)
		pg_buf_puts(&sql, " AND o.publisher = ?4");
	if (q->publisher && q->seq)
		pg_buf_puts(&sql, " AND o.seq = ?5");
	if (q->id_prefix)
		pg_buf_puts(&sql, " AND o.id >= ?6 AND o.id < ?6 || 'g'");
	if (q->order && !strcmp(q->order, "id"))
		pg_buf_puts(&sql, " ORDER BY o.id");
	else if (q->order && !strcmp(q->order, "log"))
		pg_buf_puts(&sql, " ORDER BY o.publisher, o.seq, o.rowid");
	else
		pg_buf_puts(&sql, " ORDER BY o.type, o.name, o.date, o.id");
	sqlite3_stmt *st = prep(x, sql.ptr);
	pg_buf_free(&sql);
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, q->type);
	bind_text(st, 2, q->name);
	bind_text(st, 3, q->author);
	bind_text(st, 4, q->publisher);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)q->seq);
	bind_text(st, 6, q->id_prefix);
	return each_row(x, st, cb, data);
}

int pg_index_names(pg_index *x, const char *type, const char *prefix, pg_index_name_cb cb, void *data)
{
	/* a prefix is a range: [prefix, prefix + 0xff), 0xff being no UTF-8 byte */
	sqlite3_stmt *st = prep(x, "SELECT o.name, count(*), max(i.name) FROM objects o"
				   " LEFT JOIN identities i ON i.key = o.author"
				   " WHERE o.name >= ?1 AND o.name < CAST(?1 || x'ff' AS TEXT)"
				   " AND (?2 IS NULL OR o.type = ?2) GROUP BY o.name ORDER BY o.name");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, prefix ? prefix : "");
	bind_text(st, 2, type);
	int r, err = 0;
	while (err == 0 && (r = sqlite3_step(st)) == SQLITE_ROW)
		err = cb((const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
			 (const char *)sqlite3_column_text(st, 2), data);
	if (err == 0 && r != SQLITE_DONE)
		err = db_err(x, "step");
	unprep(x, st);
	return err < 0 ? err : 0;
}

struct collect {
	char (*ids)[PG_HEX_LEN + 1];
	size_t n;
	pg_otype want;
};

static int collect_id(const pg_index_row *r, void *data)
{
	struct collect *c = data;
	if (c->want && pg_otype_parse(r->type) != c->want)
		return 0;
	c->ids = pg_realloc(c->ids, (c->n + 1) * sizeof(*c->ids));
	memcpy(c->ids[c->n++], r->id, PG_HEX_LEN + 1);
	return 0;
}

int pg_index_resolve(pg_index *x, uint8_t id[PG_ID_LEN], const char *prefix, pg_otype want)
{
	size_t len = strlen(prefix);
	if (len < 4 || len > PG_HEX_LEN || !pg_is_hex(prefix, len))
		return pg_error_set(PG_EINVALID, "'%s' is not an object id (4 to 64 lowercase hex digits)", prefix);
	/* a prefix is a range of the primary key: [prefix, prefix + 'g') */
	char hi[PG_HEX_LEN + 2];
	snprintf(hi, sizeof(hi), "%sg", prefix);
	sqlite3_stmt *st = prep(x, ROW_COLUMNS "WHERE o.id >= ?1 AND o.id < ?2 ORDER BY o.id LIMIT 64");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, prefix);
	bind_text(st, 2, hi);
	struct collect c = { NULL, 0, want };
	int err = each_row(x, st, collect_id, &c);
	if (err == 0) {
		if (c.n == 1)
			pg_unhex(id, c.ids[0], PG_ID_LEN);
		else if (c.n == 0)
			err = pg_error_set(PG_ENOTFOUND, "no %s%sobject with id %s", want ? pg_otype_name(want) : "",
					   want ? " " : "", prefix);
		else
			err = pg_error_set(PG_EAMBIGUOUS, "id prefix %s is ambiguous (%zu%s objects); give more digits",
					   prefix, c.n, c.n == 64 ? "+" : "");
	}
	free(c.ids);
	return err;
}

void pg_index_row_copy(pg_index_row *dst, const pg_index_row *src)
{
	*dst = *src;
	dst->name = src->name ? pg_strdup(src->name) : NULL;
	dst->author_name = src->author_name ? pg_strdup(src->author_name) : NULL;
	dst->lang = src->lang ? pg_strdup(src->lang) : NULL;
}

int pg_row_object(pg_object **out, pg_store *s, const pg_index_row *row)
{
	pg_buf raw = PG_BUF_INIT;
	int err = pg_store_read_blob(&raw, s, row->blob);
	if (err == 0 && (err = pg_object_decode(out, raw.ptr, raw.len, 0)) < 0)
		pg_error_prefix(err, "object %.12s: ", row->id);
	pg_buf_free(&raw);
	return err;
}

int pg_row_payload(pg_buf *out, pg_store *s, const pg_index_row *row)
{
	int err;
	if (!*row->payload)
		return pg_error_set(PG_ENOTFOUND, "%s %.12s has no payload", row->type, row->id);
	if ((err = pg_store_read_blob(out, s, row->payload_blob)) < 0)
		return err;
	uint8_t h[PG_ID_LEN];
	char hex[PG_HEX_LEN + 1];
	pg_hash(h, out->ptr, out->len);
	pg_hex(hex, h, PG_ID_LEN);
	if (strcmp(hex, row->payload))
		return pg_error_set(PG_EINTEGRITY, "the payload of %s %.12s does not match its hash; run 'pg fsck'",
				    row->type, row->id);
	return 0;
}

static int copy_row(const pg_index_row *r, void *data)
{
	pg_index_row_copy(data, r);
	return 1;
}

int pg_index_get(pg_index *x, pg_index_row *row, const char *id_hex)
{
	sqlite3_stmt *st = prep(x, ROW_COLUMNS "WHERE o.id = ?1");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, id_hex);
	memset(row, 0, sizeof(*row));
	int r = each_row(x, st, copy_row, row);
	if (r == 1)
		return 0;
	return r < 0 ? r : pg_error_set(PG_ENOTFOUND, "no object %.12s in the index", id_hex);
}

int pg_index_links(pg_index *x, const char *id_hex, int incoming, pg_index_link_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, incoming ? "SELECT rel, src FROM links WHERE dst = ?1 ORDER BY rel, src"
					    : "SELECT rel, dst FROM links WHERE src = ?1 ORDER BY rel, dst");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, id_hex);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char rel[32], other[PG_HEX_LEN + 1];
		pg_index_row row;
		copy_col(rel, sizeof(rel), st, 0);
		copy_col(other, sizeof(other), st, 1);
		int known = pg_index_get(x, &row, other) == 0;
		err = cb(rel, other, known ? &row : NULL, data);
		if (known)
			pg_index_row_clear(&row);
		if (err)
			break;
	}
	if (!err && r != SQLITE_DONE)
		err = db_err(x, "links");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_authors(pg_index *x, const char *which, char (**keys)[PG_HEX_LEN + 1], size_t *n)
{
	size_t len = strlen(which);
	char hi[PG_HEX_LEN + 2];
	snprintf(hi, sizeof(hi), "%sg", which);
	sqlite3_stmt *st = prep(x, "SELECT key FROM identities WHERE name = ?1 "
				   "UNION SELECT key FROM identities WHERE ?3 AND key >= ?1 AND key < ?2 "
				   "UNION SELECT publisher FROM logs WHERE ?3 AND publisher >= ?1 AND publisher < ?2");
	*keys = NULL;
	*n = 0;
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, which);
	bind_text(st, 2, hi);
	sqlite3_bind_int(st, 3, len >= 4 && len <= PG_HEX_LEN && pg_is_hex(which, len));
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*keys = pg_realloc(*keys, (*n + 1) * sizeof(**keys));
		copy_col((*keys)[(*n)++], PG_HEX_LEN + 1, st, 0);
	}
	unprep(x, st);
	return r == SQLITE_DONE ? 0 : db_err(x, "authors");
}

int pg_index_entries(pg_index *x, const char *publisher, pg_index_entry_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT publisher, seq, date, commit_oid, manifest, nobjects FROM entries "
				   "WHERE publisher = ?1 ORDER BY seq DESC");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, publisher);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		pg_index_entry e;
		copy_col(e.publisher, sizeof(e.publisher), st, 0);
		e.seq = (uint64_t)sqlite3_column_int64(st, 1);
		e.date = sqlite3_column_int64(st, 2);
		copy_col(e.commit, sizeof(e.commit), st, 3);
		copy_col(e.manifest, sizeof(e.manifest), st, 4);
		e.nobjects = (uint64_t)sqlite3_column_int64(st, 5);
		if ((err = cb(&e, data)))
			break;
	}
	if (!err && r != SQLITE_DONE)
		err = db_err(x, "log entries");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_publishers(pg_index *x, pg_index_pub_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT l.publisher, i.name, l.seq FROM logs l "
				   "LEFT JOIN identities i ON i.key = l.publisher ORDER BY i.name, l.publisher");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
			      (uint64_t)sqlite3_column_int64(st, 2), data)))
			break;
	}
	if (!err && r != SQLITE_DONE)
		err = db_err(x, "publishers");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_linked(pg_index *x, const char *dst, const char *rel, const char *type, pg_index_row_cb cb,
		    void *data)
{
	sqlite3_stmt *st = prep(x, ROW_COLUMNS "JOIN links l ON l.src = o.id WHERE l.dst = ?1 AND l.rel = ?2"
					       " AND o.type = ?3 ORDER BY o.name, o.date, o.id");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, dst);
	bind_text(st, 2, rel);
	bind_text(st, 3, type);
	return each_row(x, st, cb, data);
}

int pg_index_link_counts(pg_index *x, const char *rel, const char *type,
			 int (*cb)(const char *dst, uint64_t n, void *data), void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT l.dst, count(*) FROM links l JOIN objects o ON o.id = l.src"
				   " WHERE l.rel = ?1 AND o.type = ?2 GROUP BY l.dst");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, rel);
	bind_text(st, 2, type);
	int r, err = 0;
	while (err == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *dst = (const char *)sqlite3_column_text(st, 0);
		err = cb(dst ? dst : "", (uint64_t)sqlite3_column_int64(st, 1), data);
	}
	if (err == 0 && r != SQLITE_DONE)
		err = db_err(x, "step");
	unprep(x, st);
	return err < 0 ? err : 0;
}

#define RESULT_COLUMNS \
	"SELECT id, kind, subject, against, author, date, verdict, score, lo, hi, baseline, machine, rerun" \
	" FROM results "

static int each_result(pg_index *x, sqlite3_stmt *st, pg_index_result_cb cb, void *data)
{
	int r, err = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		pg_index_result res;
		memset(&res, 0, sizeof(res));
		copy_col(res.id, sizeof(res.id), st, 0);
		copy_col(res.kind, sizeof(res.kind), st, 1);
		copy_col(res.subject, sizeof(res.subject), st, 2);
		copy_col(res.against, sizeof(res.against), st, 3);
		copy_col(res.author, sizeof(res.author), st, 4);
		res.date = sqlite3_column_int64(st, 5);
		copy_col(res.verdict, sizeof(res.verdict), st, 6);
		res.score = sqlite3_column_double(st, 7);
		res.lo = sqlite3_column_double(st, 8);
		res.hi = sqlite3_column_double(st, 9);
		copy_col(res.baseline, sizeof(res.baseline), st, 10);
		copy_col(res.machine, sizeof(res.machine), st, 11);
		res.rerun = sqlite3_column_int(st, 12);
		if ((err = cb(&res, data)) != 0)
			break;
	}
	if (!err && r != SQLITE_DONE && r != SQLITE_ROW)
		err = db_err(x, "results");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_results(pg_index *x, const char *subject, pg_index_result_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, RESULT_COLUMNS "WHERE subject = ?1 ORDER BY date, id");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, subject);
	return each_result(x, st, cb, data);
}

int pg_index_shared_results(pg_index *x, const char *author, pg_index_result_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT r.id, r.kind, r.subject, r.against, r.author, r.date, r.verdict, r.score,"
				   " r.lo, r.hi, r.baseline, r.machine, r.rerun FROM"
				   " (SELECT DISTINCT kind, subject, against FROM results WHERE author = ?1) m"
				   " JOIN results r ON r.subject = m.subject AND r.kind = m.kind AND r.against = m.against");
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, author);
	return each_result(x, st, cb, data);
}

int pg_index_sightings(pg_index *x, const char *author, int (*cb)(const char *mine, const char *theirs, void *data),
		       void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT s.mine, s.theirs FROM sightings s JOIN results r ON r.id = s.mine"
				   " WHERE r.author = ?1");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	bind_text(st, 1, author);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1), data)))
			break;
	if (!err && r != SQLITE_DONE && r != SQLITE_ROW)
		err = db_err(x, "sightings");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_identities(pg_index *x, pg_index_identity_cb cb, void *data)
{
	sqlite3_stmt *st = prep(x, "SELECT key, name, date, version, id, predecessor, successor, revoked, pdate"
				   " FROM identities ORDER BY key");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		pg_index_identity e;
		memset(&e, 0, sizeof(e));
		copy_col(e.key, sizeof(e.key), st, 0);
		copy_col(e.name, sizeof(e.name), st, 1);
		e.date = sqlite3_column_int64(st, 2);
		e.version = (uint64_t)sqlite3_column_int64(st, 3);
		copy_col(e.id, sizeof(e.id), st, 4);
		copy_col(e.predecessor, sizeof(e.predecessor), st, 5);
		copy_col(e.successor, sizeof(e.successor), st, 6);
		e.revoked = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7);
		e.handover_date = sqlite3_column_int64(st, 8);
		if ((err = cb(&e, data)) != 0)
			break;
	}
	if (!err && r != SQLITE_DONE && r != SQLITE_ROW)
		err = db_err(x, "identities");
	unprep(x, st);
	return err < 0 ? err : 0;
}

int pg_index_claims(pg_index *x, pg_index_claim_cb cb, void *data)
{
	/* no ORDER BY: sorting 100 000 claims in SQLite costs more than the walk;
	 * the caller sorts what it needs */
	sqlite3_stmt *st = prep(x, "SELECT id, type, author, subject, level, date, seq, pos FROM claims");
	int r, err = 0;
	if (!st)
		return PG_ERROR;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		pg_index_claim e;
		memset(&e, 0, sizeof(e));
		copy_col(e.id, sizeof(e.id), st, 0);
		copy_col(e.type, sizeof(e.type), st, 1);
		copy_col(e.author, sizeof(e.author), st, 2);
		copy_col(e.subject, sizeof(e.subject), st, 3);
		copy_col(e.level, sizeof(e.level), st, 4);
		e.date = sqlite3_column_int64(st, 5);
		e.seq = (uint64_t)sqlite3_column_int64(st, 6);
		e.pos = (uint64_t)sqlite3_column_int64(st, 7);
		if ((err = cb(&e, data)) != 0)
			break;
	}
	if (!err && r != SQLITE_DONE && r != SQLITE_ROW)
		err = db_err(x, "claims");
	unprep(x, st);
	return err < 0 ? err : 0;
}

uint64_t pg_index_gen(pg_index *x)
{
	sqlite3_stmt *st = prep(x, "SELECT v FROM meta WHERE k = 'gen'");
	uint64_t g = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		g = (uint64_t)sqlite3_column_int64(st, 0);
	unprep(x, st);
	return g;
}

/* --- find: a small query language over the index ------------------------- */

/* Each key: its SQL for '=' and for '~' (a case-insensitive substring);
 * ?1 is the value.  Keys that need a resolved value (connected) are given
 * full ids by the caller.  A key about results (res) is a condition on the
 * results table: all of a query's go into one subquery, which the indexes
 * on results answer.  A prefix of an id is a range, [p, p + "g"): ids are
 * lower-case hex, so that is exactly the ids p begins, and an index reads
 * it where substr() read every row. */
static const struct find_key {
	const char *key, *eq, *sub;
	int res;
} find_keys[] = {
	{ "type", "o.type = ?", "instr(o.type, lower(?)) > 0", 0 },
	{ "name", "o.name = ?", "instr(lower(o.name), lower(?)) > 0", 0 },
	{ "lang", "o.lang = ?", "instr(lower(o.lang), lower(?)) > 0", 0 },
	/* a prefix compares as text (LIKE would read % and _ as wildcards) */
	{ "id", "(length(?1) > 0 AND o.id >= lower(?1) AND o.id < lower(?1) || 'g')", "instr(o.id, lower(?)) > 0", 0 },
	{ "author", "(o.author IN (SELECT key FROM identities WHERE name = ?1)"
		    " OR (length(?1) > 0 AND substr(o.author, 1, length(?1)) = lower(?1)))",
	  "o.author IN (SELECT key FROM identities WHERE instr(lower(name), lower(?)) > 0)", 0 },
	{ "iface", "((o.type = 'interface' AND o.name = ?1) OR o.id IN (SELECT l.src FROM links l JOIN objects i"
		   " ON i.id = l.dst WHERE l.rel = 'interface' AND i.name = ?1))",
	  "((o.type = 'interface' AND instr(lower(o.name), lower(?1)) > 0) OR o.id IN (SELECT l.src FROM links l JOIN"
	  " objects i ON i.id = l.dst WHERE l.rel = 'interface' AND instr(lower(i.name), lower(?1)) > 0))", 0 },
	{ "about", "o.about = ?", "instr(lower(o.about), lower(?)) > 0", 0 },
	{ "kind", "kind = ?", "instr(kind, lower(?)) > 0", 1 },
	{ "verdict", "verdict = ?", "instr(verdict, lower(?)) > 0", 1 },
	{ "subject", "(length(?1) > 0 AND subject >= lower(?1) AND subject < lower(?1) || 'g')", NULL, 1 },
	{ "against", "(length(?1) > 0 AND against >= lower(?1) AND against < lower(?1) || 'g')", NULL, 1 },
	{ "since", "o.date >= CAST(? AS INTEGER)", NULL, 0 },
	{ "until", "o.date <= CAST(? AS INTEGER)", NULL, 0 },
	/* one link either way, and what links to those (an interface's impls
	 * and the results about them) */
	{ "connected", "o.id IN (SELECT src FROM links WHERE dst = ?1 UNION SELECT dst FROM links WHERE src = ?1"
		       " UNION SELECT l2.src FROM links l1 JOIN links l2 ON l2.dst = l1.src WHERE l1.dst = ?1)", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};

const char *pg_index_find_keys(void)
{
	static char list[256];
	if (!*list)
		for (const struct find_key *k = find_keys; k->key; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k == find_keys ? "" : ", ", k->key);
	return list;
}

int pg_index_find(pg_index *x, const pg_find_term *t, size_t n, size_t limit, pg_index_row_cb cb, void *data)
{
	pg_buf sql = PG_BUF_INIT, res = PG_BUF_INIT;
	pg_buf_puts(&sql, ROW_COLUMNS "WHERE 1");
	for (size_t i = 0; i < n; i++) {
		const struct find_key *k = find_keys;
		while (k->key && strcmp(k->key, t[i].key))
			k++;
		const char *frag = !k->key ? NULL : t[i].op == '~' ? k->sub : k->eq;
		if (!frag) {
			pg_buf_free(&sql);
			pg_buf_free(&res);
			if (!k->key)
				return pg_error_set(PG_EINVALID, "unknown key '%s' (keys: %s)", t[i].key, pg_index_find_keys());
			return pg_error_set(PG_EINVALID, "'%s' takes '=' only", t[i].key);
		}
		/* number the placeholders: term i binds ?(i+1) */
		pg_buf *to = k->res ? &res : &sql;
		pg_buf_puts(to, k->res && !res.len ? "" : " AND ");
		for (const char *s = frag; *s; s++) {
			if (*s == '?') {
				pg_buf_printf(to, "?%zu", i + 1);
				if (s[1] == '1')
					s++;
			} else {
				pg_buf_putc(to, *s);
			}
		}
	}
	if (res.len)
		pg_buf_printf(&sql, " AND o.id IN (SELECT id FROM results WHERE %s)", res.ptr);
	pg_buf_free(&res);
	pg_buf_puts(&sql, " ORDER BY o.date DESC, o.id");
	if (limit)
		pg_buf_printf(&sql, " LIMIT %zu", limit);
	sqlite3_stmt *st = prep(x, sql.ptr);
	pg_buf_free(&sql);
	if (!st)
		return PG_ERROR;
	for (size_t i = 0; i < n; i++)
		bind_text(st, (int)i + 1, t[i].value);
	return each_row(x, st, cb, data);
}
