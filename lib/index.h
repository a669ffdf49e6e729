/* index.h - the derived SQLite index of a store
 *
 * .pg/index.sqlite is a cache: every row comes from the git store and can
 * be rebuilt from it (pg_index_rebuild).  pg_index_sync brings it up to
 * date by walking only the log entries added since it last looked, so its
 * cost grows with what is new, not with the store.
 */
#ifndef PG_INDEX_H
#define PG_INDEX_H

#include "store.h"

typedef struct pg_index pg_index;

typedef struct pg_index_row {
	char id[PG_HEX_LEN + 1];
	char type[16];
	char *name;        /* NULL for types without a name */
	char author[PG_HEX_LEN + 1];
	char *author_name; /* from the author's identity object; may be NULL */
	int64_t date;
	char publisher[PG_HEX_LEN + 1];
	uint64_t seq;
	char blob[GIT_OID_HEXSZ + 1];
	char payload[PG_HEX_LEN + 1]; /* "" if none */
	uint64_t payload_size;
	char payload_blob[GIT_OID_HEXSZ + 1];
	char *lang;
} pg_index_row;

typedef int (*pg_index_row_cb)(const pg_index_row *row, void *data);

/* Open, creating the file and tables if needed; does not sync. */
int pg_index_open(pg_index **out, pg_store *s);
void pg_index_free(pg_index *x);
/* Open as it is, read-only, for a quick look (completion): no sync, no
 * schema change, no write, at most a short wait for a writer.
 * PG_ENOTFOUND if there is no index yet or it is of another schema. */
int pg_index_open_readonly(pg_index **out, pg_store *s);

/* Index the log entries added since the last sync.  A damaged log is
 * skipped (PG_EINTEGRITY or PG_EINVALID is returned for the first one,
 * after every other log was synced); a log whose history was rewritten is
 * forgotten and indexed again from its start. */
int pg_index_sync(pg_index *x);

/* Rebuild from scratch into a new file, renamed over the old one.  A damaged
 * log is left out: the new index is in place and PG_EINTEGRITY or
 * PG_EINVALID says which log. */
int pg_index_rebuild(pg_store *s, size_t *objects, size_t *logs);

typedef struct pg_query {
	const char *type;   /* exact */
	const char *name;   /* glob (SQLite GLOB) */
	const char *author; /* 64 hex */
	const char *publisher;
	uint64_t seq;       /* with publisher: one log entry */
	const char *order;  /* "name" (default), "log" or "id" */
	const char *id_prefix; /* ids starting with these hex digits */
} pg_query;

int pg_index_query(pg_index *x, const pg_query *q, pg_index_row_cb cb, void *data);

/* The names that start with prefix (of objects of one type, or of any
 * when type is NULL), each once, in byte order, with how many objects
 * carry it and one of their authors' names (NULL if none is known). */
typedef int (*pg_index_name_cb)(const char *name, uint64_t n, const char *author_name, void *data);
int pg_index_names(pg_index *x, const char *type, const char *prefix, pg_index_name_cb cb, void *data);

/* Resolve an id prefix (>= 4 hex) to one object; want limits the type. */
int pg_index_resolve(pg_index *x, uint8_t id[PG_ID_LEN], const char *prefix, pg_otype want);
int pg_index_get(pg_index *x, pg_index_row *row, const char *id_hex);
void pg_index_row_clear(pg_index_row *row);
/* dst becomes an owned copy of src (clear it with pg_index_row_clear). */
void pg_index_row_copy(pg_index_row *dst, const pg_index_row *src);
/* A row's object, read from the store, decoded and its signature
 * verified; errors say "object <12 hex>: " first. */
int pg_row_object(pg_object **out, pg_store *s, const pg_index_row *row);
/* A row's payload bytes, checked against the hash the object names:
 * PG_ENOTFOUND if it has none, PG_EINTEGRITY if they differ. */
int pg_row_payload(pg_buf *out, pg_store *s, const pg_index_row *row);

/* Links: out of id (rel, dst, and dst's row if known) or into id. */
typedef int (*pg_index_link_cb)(const char *rel, const char *other, const pg_index_row *row, void *data);
int pg_index_links(pg_index *x, const char *id_hex, int incoming, pg_index_link_cb cb, void *data);

/* Objects of a type that name dst in field rel (e.g. the impls of an
 * interface: dst = its id, rel = "interface", type = "impl"), by name. */
int pg_index_linked(pg_index *x, const char *dst, const char *rel, const char *type, pg_index_row_cb cb,
		    void *data);

/* For every object, how many objects of a type name it in field rel
 * (e.g. rel "interface", type "spec": each interface's number of specs),
 * in one query; objects named by none are not called back. */
int pg_index_link_counts(pg_index *x, const char *rel, const char *type,
			 int (*cb)(const char *dst, uint64_t n, void *data), void *data);

/* The results about an object, oldest first, as the index keeps them. */
typedef struct pg_index_result {
	char id[PG_HEX_LEN + 1];
	char kind[8];            /* verify, bench */
	char subject[PG_HEX_LEN + 1], against[PG_HEX_LEN + 1], author[PG_HEX_LEN + 1];
	int64_t date;
	char verdict[16];        /* passed, failed, incomplete, measured; "" if unreadable */
	double score, lo, hi;    /* bench: × baseline and its 25-75% band */
	char baseline[PG_HEX_LEN + 1];
	char machine[256];
	int rerun;               /* verify: 1 confirmed by a re-run, -1 a re-run differed, 0 none */
} pg_index_result;
typedef int (*pg_index_result_cb)(const pg_index_result *r, void *data);
int pg_index_results(pg_index *x, const char *subject, pg_index_result_cb cb, void *data);
/* Every result (by anyone) about what author has results about, in no
 * particular order (sorting 10 000 wide rows in SQLite costs more than
 * the caller's qsort of the structs). */
int pg_index_shared_results(pg_index *x, const char *author, pg_index_result_cb cb, void *data);

/* The other results author's verify results say they saw (lines 'saw
 * <id>'): pairs (mine, theirs). */
int pg_index_sightings(pg_index *x, const char *author, int (*cb)(const char *mine, const char *theirs, void *data),
		       void *data);

/* Each identity's newest version (by key). */
typedef struct pg_index_identity {
	char key[PG_HEX_LEN + 1];
	char name[72];
	int64_t date;
	uint64_t version;
	char id[PG_HEX_LEN + 1];          /* the identity object */
	char predecessor[PG_HEX_LEN + 1]; /* "" if none (a verified handover when set) */
	int64_t handover_date;            /* the date of the object that named it */
	char successor[PG_HEX_LEN + 1];   /* "" if none */
	int64_t revoked;                  /* -1 if not revoked */
} pg_index_identity;
typedef int (*pg_index_identity_cb)(const pg_index_identity *e, void *data);
int pg_index_identities(pg_index *x, pg_index_identity_cb cb, void *data);

/* Trust claims (subject, level) and blocks (subject = the target), in no
 * particular order. */
typedef struct pg_index_claim {
	char id[PG_HEX_LEN + 1];
	char type[8];    /* trust, block */
	char author[PG_HEX_LEN + 1];
	char subject[PG_HEX_LEN + 1];
	char level[12];  /* trust: distrust, none, low, medium, high */
	int64_t date;
	uint64_t seq, pos; /* where in its author's log: of two in one second, the later one is said last */
} pg_index_claim;
typedef int (*pg_index_claim_cb)(const pg_index_claim *c, void *data);
int pg_index_claims(pg_index *x, pg_index_claim_cb cb, void *data);

/* A number that grows whenever a sync indexed something: derived data
 * (reputation) computed at one generation holds until it changes. */
uint64_t pg_index_gen(pg_index *x);

/* pg find's query: terms key=value or key~substring, all of which must
 * hold; newest first.  since/until take seconds since the epoch,
 * connected a full id (the caller resolves prefixes and durations). */
typedef struct pg_find_term {
	const char *key;
	char op;           /* '=' or '~' */
	const char *value;
} pg_find_term;
int pg_index_find(pg_index *x, const pg_find_term *t, size_t n, size_t limit, pg_index_row_cb cb, void *data);
const char *pg_index_find_keys(void);

/* Identity keys whose name is 'which' or whose key starts with it. */
int pg_index_authors(pg_index *x, const char *which, char (**keys)[PG_HEX_LEN + 1], size_t *n);

/* Log entries of a publisher, newest first. */
typedef struct pg_index_entry {
	char publisher[PG_HEX_LEN + 1];
	uint64_t seq;
	int64_t date;
	char commit[GIT_OID_HEXSZ + 1];
	char manifest[PG_HEX_LEN + 1];
	uint64_t nobjects;
} pg_index_entry;
typedef int (*pg_index_entry_cb)(const pg_index_entry *e, void *data);
int pg_index_entries(pg_index *x, const char *publisher, pg_index_entry_cb cb, void *data);

/* Publishers known to the index with their identity name, by name. */
typedef int (*pg_index_pub_cb)(const char *publisher, const char *name, uint64_t seq, void *data);
int pg_index_publishers(pg_index *x, pg_index_pub_cb cb, void *data);

#endif
