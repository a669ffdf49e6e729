/* sync.h - remotes, fetch, push and adoption: git's transport, pg's checks
 *
 * A remote is a git remote of the store's repository whose one fetch
 * refspec brings the remote's logs into quarantine:
 *
 *     +refs/pg/pub/<key>:refs/pg/q/<remote>/<key>   (a glob on '*')
 *
 * Nothing under refs/pg/q/ is part of the store.  pg_adopt walks every
 * quarantined log, verifies what is new in it completely (pg_log_walk with
 * PG_WALK_VERIFY, plus the local blocks) and only then moves the
 * publisher's refs/pg/pub/<key> forward, compare-and-swap.  A log that is
 * behind ours is left alone, one that forks from ours is refused; every
 * refusal is appended to .pg/refusals with the source and the publisher.
 * Fetch, bundle import and the receive hook of pg serve all adopt through
 * the same code.
 */
#ifndef PG_SYNC_H
#define PG_SYNC_H

#include "store.h"

#define PG_QUARANTINE_PREFIX "refs/pg/q/"
#define PG_REMOTE_NAME_MAX 64
#define PG_FETCH_MAX_DEFAULT ((uint64_t)4 << 30) /* bytes one fetch may receive */

/* --- remotes ------------------------------------------------------------- */

typedef struct pg_remote_info {
	char *name, *url;
	int64_t fetched;  /* last successful fetch, seconds since the epoch; 0 never */
	size_t refusals;  /* refusals recorded for this remote */
} pg_remote_info;

/* A remote name: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
int pg_remote_name_valid(const char *name);
/* A URL pg will hand to libgit2: a local path, file://, git://, ssh://,
 * http:// or https:// (or scp-like user@host:path); nothing that could be
 * read as an option. */
int pg_remote_url_valid(const char *url);
/* The URL pg_remote_add records for url: a local path or file:// URL as
 * the absolute path of the repository (a store's directory standing for
 * its .pg); anything else as it is. */
char *pg_remote_url_form(const char *url);
int pg_remote_add(pg_store *s, const char *name, const char *url);
int pg_remote_rm(pg_store *s, const char *name); /* drops its quarantine refs too */
int pg_remote_list(pg_remote_info **out, size_t *n, pg_store *s);
void pg_remote_list_free(pg_remote_info *r, size_t n);

/* --- what a sync did ----------------------------------------------------- */

enum pg_sync_outcome {
	PG_SYNC_ADOPTED = 1, /* new entries verified and adopted */
	PG_SYNC_REFUSED,     /* something in the new segment failed; nothing of it adopted */
	PG_SYNC_BEHIND,      /* the source's log is older than ours: nothing to do */
};

/* A new object, for "what is new" (pull prints them). */
typedef struct pg_sync_obj {
	uint8_t id[PG_ID_LEN];
	pg_otype type;
	char *name; /* may be NULL */
} pg_sync_obj;

typedef struct pg_sync_log {
	uint8_t publisher[PG_PK_LEN];
	enum pg_sync_outcome outcome;
	uint64_t from_seq, to_seq; /* adopted: ours was from_seq, now to_seq */
	git_oid old_tip, new_tip;  /* old_tip zero for a new log */
	size_t nobjs;
	pg_sync_obj *objs;         /* adopted objects, oldest first */
	const char *kind;          /* refused: "fork", "integrity", "invalid", "blocked",
				    * "missing" (a bundle that starts after what this store holds) */
	char *reason;              /* refused: the message, naming seq, commit, object */
} pg_sync_log;

typedef struct pg_sync_report {
	char *source;             /* remote name, "bundle:<file>" or "push" */
	size_t nlogs;
	pg_sync_log *logs;        /* publishers that changed or were refused, in key order */
	size_t adopted, refused;  /* logs */
	size_t objects;           /* adopted objects */
	uint64_t received_bytes, received_objects; /* git's transfer */
	char *warning;            /* fetch: the remote could be read only in part */
} pg_sync_report;

void pg_sync_report_clear(pg_sync_report *r);

/* Progress: stage is "receiving", "resolving" or "verifying"; done and
 * total count objects (total 0 when unknown), bytes is what arrived. */
typedef void (*pg_sync_progress)(void *data, const char *stage, uint64_t done, uint64_t total, uint64_t bytes);

typedef struct pg_sync_opts {
	pg_sync_progress progress;
	void *data;
	/* publishers whose logs are refused ("blocked"): keys blocked by the
	 * user's own identities */
	const uint8_t (*blocked)[PG_PK_LEN];
	size_t nblocked;
	uint64_t max_bytes;       /* 0: PG_FETCH_MAX or PG_FETCH_MAX_DEFAULT */
	/* the user's own publishers (keys they hold): push rejects a log of
	 * theirs that the remote has newer or diverged, and leaves anyone
	 * else's alone */
	const uint8_t (*own)[PG_PK_LEN];
	size_t nown;
} pg_sync_opts;

/* The bytes one fetch or bundle import may receive: o->max_bytes if set,
 * else PG_FETCH_MAX from the environment (a positive whole number), else
 * PG_FETCH_MAX_DEFAULT.  This function can't fail. */
uint64_t pg_sync_max_bytes(const pg_sync_opts *o);

/* --- adopting ------------------------------------------------------------- */

/* Verify and adopt every log under refs/pg/q/<qname>/ (a remote's name, or
 * a temporary name for a bundle), filling r.  Returns 0 when the walk was
 * completed, refusals included; an error only when the store itself
 * failed.  Each refusal is recorded with source and url. */
int pg_adopt(pg_sync_report *r, pg_store *s, const char *qname, const char *source, const char *url,
	     const pg_sync_opts *o);
/* pg_adopt for a caller that holds the store lock (and keeps it). */
int pg_adopt_held(pg_sync_report *r, pg_store *s, const char *qname, const char *source, const char *url,
		  const pg_sync_opts *o);

/* Check one proposed move of a publisher's ref from old (zero: none) to
 * new, as pg_adopt does, without moving it (pg serve's receive hook).
 * 0 when it may move (out->outcome PG_SYNC_ADOPTED); 1 when there is
 * nothing to move (new is old, or behind it: PG_SYNC_BEHIND);
 * PG_EINTEGRITY/PG_EINVALID with the reason (PG_SYNC_REFUSED). */
int pg_adopt_check(pg_sync_log *out, pg_store *s, const uint8_t publisher[PG_PK_LEN], const git_oid *old,
		   const git_oid *new, const pg_sync_opts *o);
void pg_sync_log_clear(pg_sync_log *l);

/* --- fetch and push ------------------------------------------------------- */

/* Fetch a remote into quarantine, then pg_adopt.  When the whole fetch
 * fails part way (a truncated pack, a corrupt object on the remote), each
 * log is fetched on its own so the good ones still arrive; r->warning
 * then says what could not be fetched. */
int pg_fetch(pg_sync_report *r, pg_store *s, const char *remote, const pg_sync_opts *o);

typedef struct pg_push_ref {
	uint8_t publisher[PG_PK_LEN];
	enum { PG_PUSH_SENT = 1, PG_PUSH_UPTODATE, PG_PUSH_BEHIND, PG_PUSH_REJECTED } status;
	char *message; /* rejected: why (the remote's words); behind: why it was left alone, or NULL */
} pg_push_ref;

typedef struct pg_push_report {
	size_t n;
	pg_push_ref *refs; /* every log we hold, in key order */
	size_t sent, rejected;
} pg_push_report;
void pg_push_report_clear(pg_push_report *r);

/* Push every log this store holds to a remote, fast-forward only; a log
 * the remote has newer is left alone, and so is one of another publisher
 * that the remote has with entries this store lacks or diverged from
 * ours; one of the user's own (o->own) is then rejected.  Returns
 * PG_EINVALID ("rejected") when any log was rejected, after pushing the
 * others. */
int pg_push(pg_push_report *r, pg_store *s, const char *remote, const pg_sync_opts *o);

/* --- refusals ------------------------------------------------------------- */

typedef struct pg_refusal {
	int64_t date;
	char *source, *url;
	uint8_t publisher[PG_PK_LEN];
	char commit[GIT_OID_HEXSZ + 1];
	char kind[16];
	char *reason;
} pg_refusal;

/* Append a refusal to .pg/refusals, unless the same source already
 * refused the same commit of the same publisher. */
int pg_refusal_record(pg_store *s, const pg_refusal *r);
/* Every recorded refusal, oldest first. */
int pg_refusals(pg_refusal **out, size_t *n, pg_store *s);
void pg_refusals_free(pg_refusal *r, size_t n);

#endif
