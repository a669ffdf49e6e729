/* sync.c - remotes, fetch, push and adoption (see sync.h)
 *
 * git moves the bytes; pg decides what it keeps.  Everything a remote or a
 * bundle sends lands under refs/pg/q/<source>/ first, and a publisher's
 * refs/pg/pub/<key> moves only after the whole new segment of its log
 * verified, under the store lock, compare-and-swap against the tip the
 * check started from.
 */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <git2/sys/refdb_backend.h>
#include <git2/sys/refs.h>
#include <git2/sys/repository.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REFUSALS_FILE "refusals"
#define REFUSALS_MAX ((size_t)64 << 20) /* bytes of .pg/refusals read */
#define REASON_MAX 1024

/* --- remotes ------------------------------------------------------------- */

int pg_remote_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > PG_REMOTE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]))
			return 0;
	/* stricter than git's rules for a ref component, so the quarantine
	 * refs and the remote.<name>.* config keys are always valid */
	return strstr(name, "..") == NULL && name[n - 1] != '.' && (n < 5 || strcmp(name + n - 5, ".lock"));
}

int pg_remote_url_valid(const char *url)
{
	static const char *const schemes[] = { "file://", "git://", "ssh://", "http://", "https://", NULL };
	size_t n = strlen(url);
	if (n == 0 || n > 4096 || url[0] == '-' || !pg_utf8_valid(url, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f)
			return 0;
	const char *colon = strstr(url, "://");
	if (colon) {
		for (const char *const *sc = schemes; *sc; sc++)
			if (!strncmp(url, *sc, strlen(*sc)))
				return url[strlen(*sc)] != '-' && url[strlen(*sc)] != '\0';
		return 0; /* ext::, fd:: and other schemes that are not transports */
	}
	return strstr(url, "::") == NULL; /* a path, or scp-like user@host:path */
}

static char *remote_config_key(const char *name, const char *var)
{
	return pg_asprintf("remote.%s.%s", name, var);
}

char *pg_remote_url_form(const char *url)
{
	const char *path = url;
	if (!strncmp(url, "file://", 7))
		path = url + 7;
	else if (strstr(url, "://") || (url[0] != '/' && url[0] != '.' && strchr(url, ':')))
		return pg_strdup(url);
	char *abs = realpath(path, NULL);
	if (!abs)
		return pg_strdup(url); /* libgit2 will say it is not there */
	char *store = pg_path_join(abs, PG_STORE_DIR);
	struct stat st;
	if (stat(store, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(abs);
		return store;
	}
	free(store);
	return abs;
}

int pg_remote_add(pg_store *s, const char *name, const char *given)
{
	git_remote *r = NULL;
	if (!pg_remote_name_valid(name))
		return pg_error_set(PG_EINVALID, "'%s' is not a remote name: use letters, digits, '.', '_' and '-'", name);
	if (!pg_remote_url_valid(given))
		return pg_error_set(PG_EINVALID, "'%s' is not a URL pg fetches from: use a path, file://, git://, "
						 "ssh://, http:// or https://", given);
	int e = git_remote_lookup(&r, pg_store_repo(s), name);
	git_remote_free(r);
	if (e == 0)
		return pg_error_set(PG_EEXISTS, "remote '%s' exists: 'pg remote rm %s' first", name, name);
	char *spec = pg_asprintf("+" PG_REF_PREFIX "*:" PG_QUARANTINE_PREFIX "%s/*", name);
	char *url = pg_remote_url_form(given);
	int err = pg_store_lock(s);
	if (err == 0 && (err = pg_store_note(s, "config.lock")) == 0 &&
	    git_remote_create_with_fetchspec(&r, pg_store_repo(s), name, url, spec) < 0)
		err = pg_git_err(PG_ERROR, "cannot add the remote");
	pg_store_unlock(s);
	free(url);
	free(spec);
	git_remote_free(r);
	return err;
}

int pg_remote_rm(pg_store *s, const char *name)
{
	git_remote *r = NULL;
	int e = pg_remote_name_valid(name) ? git_remote_lookup(&r, pg_store_repo(s), name) : GIT_ENOTFOUND;
	git_remote_free(r);
	if (e == GIT_ENOTFOUND)
		return pg_error_set(PG_ENOTFOUND, "no remote '%s': 'pg remote -v' lists them", name);
	if (e < 0)
		return pg_git_err(PG_ERROR, "cannot remove the remote");
	/* the config and the remote's quarantine refs go */
	char *dir = pg_asprintf(PG_QUARANTINE_PREFIX "%s/", name);
	int err = pg_store_lock(s);
	if (err == 0 && (err = pg_store_note(s, "config.lock")) == 0 && (err = pg_store_note(s, dir)) == 0 &&
	    git_remote_delete(pg_store_repo(s), name) < 0)
		err = pg_git_err(PG_ERROR, "cannot remove the remote");
	pg_store_unlock(s);
	free(dir);
	return err;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const pg_remote_info *)a)->name, ((const pg_remote_info *)b)->name);
}

int pg_remote_list(pg_remote_info **out, size_t *n, pg_store *s)
{
	git_strarray names = { 0 };
	git_config *cfg = NULL;
	pg_refusal *ref = NULL;
	size_t nref = 0;
	*out = NULL;
	*n = 0;
	if (git_remote_list(&names, pg_store_repo(s)) < 0 || git_repository_config_snapshot(&cfg, pg_store_repo(s)) < 0) {
		git_strarray_dispose(&names);
		return pg_git_err(PG_ERROR, "cannot read the remotes");
	}
	int err = pg_refusals(&ref, &nref, s);
	pg_remote_info *r = pg_calloc(names.count + 1, sizeof(*r));
	for (size_t i = 0; i < names.count && err == 0; i++) {
		git_remote *rm;
		if (git_remote_lookup(&rm, pg_store_repo(s), names.strings[i]) < 0)
			continue;
		pg_remote_info *x = &r[(*n)++];
		x->name = pg_strdup(names.strings[i]);
		x->url = pg_strdup(git_remote_url(rm) ? git_remote_url(rm) : "");
		git_remote_free(rm);
		char *key = remote_config_key(x->name, "pgfetched");
		int64_t t;
		if (git_config_get_int64(&t, cfg, key) == 0)
			x->fetched = t;
		free(key);
		for (size_t k = 0; k < nref; k++)
			x->refusals += !strcmp(ref[k].source, x->name);
	}
	pg_refusals_free(ref, nref);
	git_config_free(cfg);
	git_strarray_dispose(&names);
	if (err < 0) {
		pg_remote_list_free(r, *n);
		*n = 0;
		return err;
	}
	qsort(r, *n, sizeof(*r), cmp_info);
	*out = r;
	return 0;
}

void pg_remote_list_free(pg_remote_info *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].name);
		free(r[i].url);
	}
	free(r);
}

/* --- reports --------------------------------------------------------------- */

void pg_sync_log_clear(pg_sync_log *l)
{
	for (size_t i = 0; i < l->nobjs; i++)
		free(l->objs[i].name);
	free(l->objs);
	free(l->reason);
	memset(l, 0, sizeof(*l));
}

void pg_sync_report_clear(pg_sync_report *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		pg_sync_log_clear(&r->logs[i]);
	free(r->logs);
	free(r->source);
	free(r->warning);
	memset(r, 0, sizeof(*r));
}

void pg_push_report_clear(pg_push_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->refs[i].message);
	free(r->refs);
	memset(r, 0, sizeof(*r));
}

/* --- refusals --------------------------------------------------------------- */

static void refusal_clear(pg_refusal *r)
{
	free(r->source);
	free(r->url);
	free(r->reason);
}

void pg_refusals_free(pg_refusal *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		refusal_clear(&r[i]);
	free(r);
}

/* One line of .pg/refusals; 0, or -1 for a line that is not one. */
static int refusal_parse(pg_refusal *r, const char *line, size_t len)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	const char *source = NULL, *url = NULL, *pub = NULL, *commit = NULL, *kind = NULL, *reason = NULL;
	json_int_t date = 0;
	memset(r, 0, sizeof(*r));
	if (!j || json_unpack(j, "{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "date", &date, "source", &source, "url", &url,
			      "publisher", &pub, "commit", &commit, "kind", &kind, "reason", &reason) < 0 ||
	    pg_unhex(r->publisher, pub, PG_PK_LEN) < 0 || strlen(commit) > GIT_OID_HEXSZ ||
	    strlen(kind) >= sizeof(r->kind)) {
		json_decref(j);
		return -1;
	}
	r->date = date;
	r->source = pg_strdup(source);
	r->url = pg_strdup(url);
	r->reason = pg_strdup(reason);
	strcpy(r->commit, commit);
	strcpy(r->kind, kind);
	json_decref(j);
	return 0;
}

static int add_refusal(const char *line, size_t len, void *data)
{
	pg_refusal r;
	if (refusal_parse(&r, line, len) == 0)
		*(pg_refusal *)pg_vec_push(data) = r;
	return 0;
}

int pg_refusals(pg_refusal **out, size_t *n, pg_store *s)
{
	pg_vec c = PG_VEC_INIT(sizeof(pg_refusal));
	int err = pg_store_read_lines(s, REFUSALS_FILE, REFUSALS_MAX, add_refusal, &c);
	*out = c.p;
	*n = c.n;
	return err;
}

int pg_refusal_record(pg_store *s, const pg_refusal *r)
{
	pg_refusal *all;
	size_t n;
	int err = pg_refusals(&all, &n, s);
	if (err < 0)
		return err;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].source, r->source) && !memcmp(all[i].publisher, r->publisher, PG_PK_LEN) &&
		    !strcmp(all[i].commit, r->commit)) {
			pg_refusals_free(all, n);
			return 0;
		}
	pg_refusals_free(all, n);

	char pub[PG_HEX_LEN + 1];
	pg_hex(pub, r->publisher, PG_PK_LEN);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "date", (json_int_t)r->date, "source", r->source,
			      "url", r->url ? r->url : "", "publisher", pub, "commit", r->commit, "kind", r->kind,
			      "reason", r->reason ? r->reason : "");
	char *line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	if (!line)
		return pg_error_set(PG_ERROR, "cannot encode a refusal");
	err = pg_store_append_line(s, REFUSALS_FILE, line);
	free(line);
	return err;
}

/* --- adopting --------------------------------------------------------------- */

struct collect {
	pg_sync_log *log;
	size_t cap;
	int first;
	const pg_sync_opts *o;
	int heir; /* an identity in the segment takes over a blocked key */
};

static int is_blocked(const uint8_t pk[PG_PK_LEN], const pg_sync_opts *o);

static int collect_entry(const pg_log_entry *e, void *data)
{
	struct collect *c = data;
	pg_sync_log *l = c->log;
	if (c->first) {
		l->from_seq = e->seq - 1;
		c->first = 0;
	}
	l->to_seq = e->seq;
	for (size_t i = 0; i < e->n; i++) {
		if (l->nobjs == c->cap)
			l->objs = pg_realloc(l->objs, (c->cap = c->cap ? 2 * c->cap : 16) * sizeof(*l->objs));
		pg_sync_obj *o = &l->objs[l->nobjs++];
		const char *name = pg_object_get(e->objects[i], "name");
		memcpy(o->id, e->objects[i]->id, PG_ID_LEN);
		o->type = e->objects[i]->type;
		o->name = name ? pg_strdup(name) : NULL;
		/* a key handed over from a blocked one is blocked too (the
		 * handover is the blocked key's signature: decoding checked it) */
		const char *pred = pg_object_get(e->objects[i], "predecessor");
		uint8_t pk[PG_PK_LEN];
		if (e->objects[i]->type == PG_T_IDENTITY && pred && pg_unhex(pk, pred, PG_PK_LEN) == 0 && is_blocked(pk, c->o))
			c->heir = 1;
	}
	return 0;
}

/* Walk new (after since, or from the start) with every check, filling l. */
static int walk_segment(pg_sync_log *l, pg_store *s, const git_oid *new, const git_oid *since, const pg_sync_opts *o,
			int *heir)
{
	struct collect c = { l, 0, 1, o, 0 };
	for (size_t i = 0; i < l->nobjs; i++)
		free(l->objs[i].name);
	free(l->objs);
	l->objs = NULL;
	l->nobjs = 0;
	int err = pg_log_walk(s, l->publisher, new, since, PG_WALK_VERIFY, collect_entry, &c);
	*heir = c.heir;
	return err;
}

static int refuse(pg_sync_log *l, const char *kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse(pg_sync_log *l, const char *kind, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[REASON_MAX];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < l->nobjs; i++)
		free(l->objs[i].name);
	free(l->objs);
	l->objs = NULL;
	l->nobjs = 0;
	l->outcome = PG_SYNC_REFUSED;
	l->kind = kind;
	free(l->reason);
	l->reason = pg_strdup(msg);
	return pg_error_set(code, "%s", msg);
}

static int is_blocked(const uint8_t pk[PG_PK_LEN], const pg_sync_opts *o)
{
	for (size_t i = 0; o && i < o->nblocked; i++)
		if (!memcmp(o->blocked[i], pk, PG_PK_LEN))
			return 1;
	return 0;
}

static int is_own(const uint8_t pk[PG_PK_LEN], const pg_sync_opts *o)
{
	for (size_t i = 0; o && i < o->nown; i++)
		if (!memcmp(o->own[i], pk, PG_PK_LEN))
			return 1;
	return 0;
}

/* The hash of the manifest of the first entry after base (NULL: of the
 * first entry) on tip's first-parent chain. */
static int manifest_after(uint8_t out[PG_ID_LEN], pg_store *s, const git_oid *tip, const git_oid *base)
{
	git_repository *repo = pg_store_repo(s);
	git_oid cur = *tip;
	git_commit *c;
	pg_object *m = NULL;
	for (;;) {
		if (git_commit_lookup(&c, repo, &cur) < 0)
			return pg_git_err(PG_EINTEGRITY, "cannot read a log commit");
		if (git_commit_parentcount(c) == 0) {
			if (!base)
				break;
			git_commit_free(c);
			return pg_error_set(PG_ENOTFOUND, "the log does not contain the common entry");
		}
		if (base && git_oid_equal(git_commit_parent_id(c, 0), base))
			break;
		cur = *git_commit_parent_id(c, 0);
		git_commit_free(c);
	}
	const char *msg = git_commit_message_raw(c);
	int err = pg_object_decode(&m, msg, strlen(msg), PG_DECODE_NOVERIFY);
	git_commit_free(c);
	if (err == 0)
		memcpy(out, m->id, PG_ID_LEN);
	pg_object_free(m);
	return err;
}

int pg_adopt_check(pg_sync_log *l, pg_store *s, const uint8_t publisher[PG_PK_LEN], const git_oid *old,
		   const git_oid *new, const pg_sync_opts *o)
{
	git_repository *repo = pg_store_repo(s);
	int have_old = old && !git_oid_is_zero(old), err;
	memset(l, 0, sizeof(*l));
	memcpy(l->publisher, publisher, PG_PK_LEN);
	if (have_old)
		git_oid_cpy(&l->old_tip, old);
	git_oid_cpy(&l->new_tip, new);
	if (have_old && git_oid_equal(old, new))
		return 1;
	if (have_old) {
		int behind = git_graph_descendant_of(repo, old, new);
		if (behind == 1) {
			l->outcome = PG_SYNC_BEHIND;
			return 1;
		}
	}
	if (is_blocked(publisher, o))
		return refuse(l, "blocked", PG_EINVALID, "you blocked this publisher; its log is not adopted");
	int ahead = have_old ? git_graph_descendant_of(repo, new, old) : 1;
	int heir = 0;
	if (ahead == 1) {
		if ((err = walk_segment(l, s, new, have_old ? old : NULL, o, &heir)) < 0)
			return refuse(l, err == PG_EINVALID ? "invalid" : "integrity", err, "%s", pg_error_last());
		if (heir)
			return refuse(l, "blocked", PG_EINVALID, "this key was handed over from a publisher you "
				      "blocked; its log is not adopted");
		l->outcome = PG_SYNC_ADOPTED;
		return 0;
	}
	if (ahead < 0) {
		char msg[REASON_MAX];
		pg_git_err(PG_EINTEGRITY, "cannot read the log's commits");
		snprintf(msg, sizeof(msg), "%s", pg_error_last());
		return refuse(l, "integrity", PG_EINTEGRITY, "%s", msg);
	}
	/* neither contains the other: a fork, if both sides are the publisher's */
	git_oid base;
	int has_base = git_merge_base(&base, repo, old, new) == 0;
	if ((err = walk_segment(l, s, new, has_base ? &base : NULL, o, &heir)) < 0)
		return refuse(l, err == PG_EINVALID ? "invalid" : "integrity", err, "%s", pg_error_last());
	uint64_t at = l->from_seq + 1;
	char theirs[GIT_OID_HEXSZ + 1], ours[GIT_OID_HEXSZ + 1];
	git_oid_tostr(theirs, sizeof(theirs), new);
	git_oid_tostr(ours, sizeof(ours), old);
	/* the same signed entry in two commits is no fork by the publisher:
	 * commits carry unsigned fields (author, committer, time) that anyone
	 * who relays a log can change */
	uint8_t m_theirs[PG_ID_LEN], m_ours[PG_ID_LEN];
	if (manifest_after(m_theirs, s, new, has_base ? &base : NULL) == 0 &&
	    manifest_after(m_ours, s, old, has_base ? &base : NULL) == 0 && !memcmp(m_theirs, m_ours, PG_ID_LEN))
		return refuse(l, "integrity", PG_EINTEGRITY,
			      "seq %llu is the entry this store holds, signed by the publisher, in another git commit "
			      "(theirs ends at commit %.10s, this store's at commit %.10s): the commits were rewritten by "
			      "someone other than the publisher; not adopted",
			      (unsigned long long)at, theirs, ours);
	pg_error_clear();
	return refuse(l, "fork", PG_EINTEGRITY,
		      "the log forks at seq %llu: the publisher signed two different histories (theirs ends at "
		      "commit %.10s, seq %llu; this store's at commit %.10s); neither is adopted over the other",
		      (unsigned long long)at, theirs, (unsigned long long)l->to_seq, ours);
}

static int cmp_log(const void *a, const void *b)
{
	return memcmp(((const pg_sync_log *)a)->publisher, ((const pg_sync_log *)b)->publisher, PG_PK_LEN);
}

/* The logs under refs/pg/q/<qname>/: publisher and tip, in key order. */
struct qref {
	uint8_t pk[PG_PK_LEN];
	git_oid tip;
};

static int cmp_qref(const void *a, const void *b)
{
	return memcmp(((const struct qref *)a)->pk, ((const struct qref *)b)->pk, PG_PK_LEN);
}

static int quarantined(struct qref **out, size_t *n, pg_store *s, const char *qname)
{
	git_reference_iterator *it;
	git_reference *ref;
	char *glob = pg_asprintf(PG_QUARANTINE_PREFIX "%s/*", qname);
	size_t prefix = strlen(glob) - 1, cap = 0;
	*out = NULL;
	*n = 0;
	int e = git_reference_iterator_glob_new(&it, pg_store_repo(s), glob);
	free(glob);
	if (e < 0)
		return pg_git_err(PG_ERROR, "cannot list the quarantine");
	while ((e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref) + prefix;
		struct qref q;
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && strlen(name) == PG_HEX_LEN &&
		    pg_unhex(q.pk, name, PG_PK_LEN) == 0) {
			git_oid_cpy(&q.tip, git_reference_target(ref));
			if (*n == cap)
				*out = pg_realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof(**out));
			(*out)[(*n)++] = q;
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (e != GIT_ITEROVER) {
		free(*out);
		*out = NULL;
		return pg_git_err(PG_ERROR, "cannot list the quarantine");
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_qref);
	return 0;
}

/* --- a narrow view of the refs, for a fetch's negotiation ------------------ *
 *
 * libgit2 tells the remote what we have by walking every local ref,
 * reading each one's commit, and that commit holds a whole manifest: with
 * a thousand logs, a pull of one new entry read a thousand log commits
 * before a byte came.  A fetch runs on a handle of its own on the store,
 * whose ref database lists only the refs of the logs being fetched; reads
 * by name and every write go to the store's refs as they are. */

struct narrow {
	git_refdb_backend parent;
	git_refdb_backend *inner; /* the store's refs on disk */
	git_repository *list;     /* the store's own handle, for listing: an
				   * iterator of inner would take this view's
				   * backend for its own */
	char **allow;             /* the refs listed, sorted */
	size_t nallow;
};

struct narrow_iter {
	git_reference_iterator parent;
	git_reference_iterator *inner;
	const struct narrow *n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int narrow_allows(const struct narrow *n, const char *name)
{
	return n->nallow && bsearch(&name, n->allow, n->nallow, sizeof(*n->allow), cmp_str);
}

/* The references handed on are copies: one from the store's iterator
 * holds a count on the store's ref database, which the caller, who gives
 * it back to this view's, would never drop. */
static int narrow_next(git_reference **ref, git_reference_iterator *it)
{
	struct narrow_iter *ni = (struct narrow_iter *)it;
	git_reference *in;
	int e;
	while ((e = git_reference_next(&in, ni->inner)) == 0) {
		if (narrow_allows(ni->n, git_reference_name(in))) {
			*ref = git_reference_type(in) == GIT_REFERENCE_SYMBOLIC
				       ? git_reference__alloc_symbolic(git_reference_name(in), git_reference_symbolic_target(in))
				       : git_reference__alloc(git_reference_name(in), git_reference_target(in),
							      git_reference_target_peel(in));
			git_reference_free(in);
			return *ref ? 0 : -1;
		}
		git_reference_free(in);
	}
	return e;
}

static int narrow_next_name(const char **name, git_reference_iterator *it)
{
	struct narrow_iter *ni = (struct narrow_iter *)it;
	int e;
	while ((e = git_reference_next_name(name, ni->inner)) == 0)
		if (narrow_allows(ni->n, *name))
			return 0;
	return e;
}

static void narrow_iter_free(git_reference_iterator *it)
{
	struct narrow_iter *ni = (struct narrow_iter *)it;
	git_reference_iterator_free(ni->inner);
	free(ni);
}

static int narrow_iterator(git_reference_iterator **out, git_refdb_backend *b, const char *glob)
{
	struct narrow *n = (struct narrow *)b;
	git_reference_iterator *in;
	int e = glob ? git_reference_iterator_glob_new(&in, n->list, glob) : git_reference_iterator_new(&in, n->list);
	if (e < 0)
		return e;
	struct narrow_iter *ni = pg_calloc(1, sizeof(*ni));
	ni->parent.next = narrow_next;
	ni->parent.next_name = narrow_next_name;
	ni->parent.free = narrow_iter_free;
	ni->inner = in;
	ni->n = n;
	*out = &ni->parent;
	return 0;
}

#define INNER(b) (((struct narrow *)(b))->inner)

static int narrow_exists(int *exists, git_refdb_backend *b, const char *name)
{
	return INNER(b)->exists(exists, INNER(b), name);
}

static int narrow_lookup(git_reference **out, git_refdb_backend *b, const char *name)
{
	return INNER(b)->lookup(out, INNER(b), name);
}

static int narrow_write(git_refdb_backend *b, const git_reference *ref, int force, const git_signature *who,
			const char *message, const git_oid *old, const char *old_target)
{
	return INNER(b)->write(INNER(b), ref, force, who, message, old, old_target);
}

static int narrow_rename(git_reference **out, git_refdb_backend *b, const char *old_name, const char *new_name,
			 int force, const git_signature *who, const char *message)
{
	return INNER(b)->rename(out, INNER(b), old_name, new_name, force, who, message);
}

static int narrow_del(git_refdb_backend *b, const char *name, const git_oid *old_id, const char *old_target)
{
	return INNER(b)->del(INNER(b), name, old_id, old_target);
}

static int narrow_compress(git_refdb_backend *b)
{
	return INNER(b)->compress ? INNER(b)->compress(INNER(b)) : 0;
}

static int narrow_has_log(git_refdb_backend *b, const char *name)
{
	return INNER(b)->has_log(INNER(b), name);
}

static int narrow_ensure_log(git_refdb_backend *b, const char *name)
{
	return INNER(b)->ensure_log(INNER(b), name);
}

static int narrow_reflog_read(git_reflog **out, git_refdb_backend *b, const char *name)
{
	return INNER(b)->reflog_read(out, INNER(b), name);
}

static int narrow_reflog_write(git_refdb_backend *b, git_reflog *reflog)
{
	return INNER(b)->reflog_write(INNER(b), reflog);
}

static int narrow_reflog_rename(git_refdb_backend *b, const char *old_name, const char *new_name)
{
	return INNER(b)->reflog_rename(INNER(b), old_name, new_name);
}

static int narrow_reflog_delete(git_refdb_backend *b, const char *name)
{
	return INNER(b)->reflog_delete(INNER(b), name);
}

static int narrow_lock(void **payload, git_refdb_backend *b, const char *name)
{
	return INNER(b)->lock(payload, INNER(b), name);
}

static int narrow_unlock(git_refdb_backend *b, void *payload, int success, int update_reflog,
			 const git_reference *ref, const git_signature *sig, const char *message)
{
	return INNER(b)->unlock(INNER(b), payload, success, update_reflog, ref, sig, message);
}

static void narrow_free(git_refdb_backend *b)
{
	struct narrow *n = (struct narrow *)b;
	n->inner->free(n->inner);
	for (size_t i = 0; i < n->nallow; i++)
		free(n->allow[i]);
	free(n->allow);
	free(n);
}

/* A new handle on the store whose ref listings show nothing until
 * narrow_set() says which refs; *view is its ref database's backend. */
static int narrow_open(git_repository **out, struct narrow **view, pg_store *s)
{
	git_repository *repo = NULL;
	git_refdb *db = NULL;
	struct narrow *n = pg_calloc(1, sizeof(*n));
	*out = NULL;
	*view = NULL;
	if (git_repository_open_ext(&repo, pg_store_path(s), GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
				    NULL) < 0 ||
	    git_refdb_new(&db, repo) < 0 || git_refdb_backend_fs(&n->inner, repo) < 0)
		goto fail;
	git_refdb_init_backend(&n->parent, GIT_REFDB_BACKEND_VERSION);
	n->list = pg_store_repo(s);
	n->parent.exists = narrow_exists;
	n->parent.lookup = narrow_lookup;
	n->parent.iterator = narrow_iterator;
	n->parent.write = narrow_write;
	n->parent.rename = narrow_rename;
	n->parent.del = narrow_del;
	n->parent.compress = narrow_compress;
	n->parent.has_log = narrow_has_log;
	n->parent.ensure_log = narrow_ensure_log;
	n->parent.free = narrow_free;
	n->parent.reflog_read = narrow_reflog_read;
	n->parent.reflog_write = narrow_reflog_write;
	n->parent.reflog_rename = narrow_reflog_rename;
	n->parent.reflog_delete = narrow_reflog_delete;
	n->parent.lock = narrow_lock;
	n->parent.unlock = narrow_unlock;
	if (git_refdb_set_backend(db, &n->parent) < 0) {
		n->inner->free(n->inner);
		free(n);
		n = NULL;
		goto fail;
	}
	struct narrow *set = n;
	n = NULL; /* the ref database owns it */
	if (git_repository_set_refdb(repo, db) < 0)
		goto fail;
	*view = set;
	git_refdb_free(db);
	*out = repo;
	return 0;
fail:
	if (n) {
		if (n->inner)
			n->inner->free(n->inner);
		free(n);
	}
	git_refdb_free(db);
	git_repository_free(repo);
	return pg_git_err(PG_ERROR, "cannot open the store for a fetch");
}

/* List, from now on, refs/pg/pub/<key> and the quarantine's ref of each
 * log spec fetches ("+refs/pg/pub/<key>:refs/pg/q/<name>/<key>"). */
static void narrow_set(struct narrow *n, char *const *specs, size_t nspecs)
{
	n->allow = pg_calloc(2 * nspecs + 1, sizeof(*n->allow));
	for (size_t i = 0; i < nspecs; i++) {
		const char *colon = strchr(specs[i], ':');
		n->allow[n->nallow++] = pg_strndup(specs[i] + 1, (size_t)(colon - specs[i] - 1));
		n->allow[n->nallow++] = pg_strdup(colon + 1);
	}
	qsort(n->allow, n->nallow, sizeof(*n->allow), cmp_str);
}

/* Move refs/pg/pub/<key> from l->old_tip to l->new_tip, or create it.
 * Moving needs force: without it libgit2 refuses any ref that exists;
 * the compare-and-swap against old_tip is what guards the move. */
static int move_ref(pg_store *s, const pg_sync_log *l, const char *why)
{
	char name[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
	git_reference *ref = NULL;
	memcpy(name, PG_REF_PREFIX, sizeof(PG_REF_PREFIX) - 1);
	pg_hex(name + sizeof(PG_REF_PREFIX) - 1, l->publisher, PG_PK_LEN);
	char *lockfile = pg_asprintf("%s.lock", name);
	int e = pg_store_note(s, lockfile);
	free(lockfile);
	if (e < 0)
		return e;
	e = git_oid_is_zero(&l->old_tip)
		? git_reference_create(&ref, pg_store_repo(s), name, &l->new_tip, 0, why)
		: git_reference_create_matching(&ref, pg_store_repo(s), name, &l->new_tip, 1, &l->old_tip, why);
	git_reference_free(ref);
	return e < 0 ? pg_git_err(PG_ERROR, "cannot move a log ref") : 0;
}

int pg_adopt_held(pg_sync_report *r, pg_store *s, const char *qname, const char *source, const char *url,
		  const pg_sync_opts *o)
{
	struct qref *q;
	size_t nq, cap = r->nlogs; /* the report may hold logs already */
	int err;
	if (!r->source)
		r->source = pg_strdup(source);
	if ((err = quarantined(&q, &nq, s, qname)) < 0)
		return err;
	/* git hashed every object it received (the indexer names them by
	 * their SHA-1) and pg hashes objects and payloads itself: hashing
	 * each again on every read would only double the cost */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	for (size_t i = 0; i < nq && err == 0; i++) {
		git_oid old;
		pg_sync_log l;
		int e = pg_store_tip(&old, s, q[i].pk);
		if (e == PG_ENOTFOUND) {
			memset(&old, 0, sizeof(old));
			pg_error_clear();
		} else if (e < 0) {
			err = e;
			break;
		}
		if (o && o->progress)
			o->progress(o->data, "verifying", i, nq, 0);
		e = pg_adopt_check(&l, s, q[i].pk, &old, &q[i].tip, o);
		if (e == 1) {
			pg_sync_log_clear(&l);
			continue;
		}
		if (e == 0 && (err = move_ref(s, &l, "pg adopt")) < 0) {
			pg_sync_log_clear(&l);
			break;
		}
		if (l.outcome == PG_SYNC_REFUSED) {
			pg_refusal rf = { time(NULL), (char *)source, (char *)url, { 0 }, "", "", l.reason };
			memcpy(rf.publisher, l.publisher, PG_PK_LEN);
			git_oid_tostr(rf.commit, sizeof(rf.commit), &l.new_tip);
			snprintf(rf.kind, sizeof(rf.kind), "%s", l.kind);
			if ((err = pg_refusal_record(s, &rf)) < 0) {
				pg_sync_log_clear(&l);
				break;
			}
			r->refused++;
		} else {
			r->adopted++;
			r->objects += l.nobjs;
		}
		if (r->nlogs == cap)
			r->logs = pg_realloc(r->logs, (cap = cap ? 2 * cap : 8) * sizeof(*r->logs));
		r->logs[r->nlogs++] = l;
	}
	if (o && o->progress && nq)
		o->progress(o->data, "verifying", nq, nq, 0);
	if (r->nlogs)
		qsort(r->logs, r->nlogs, sizeof(*r->logs), cmp_log);
	free(q);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	/* each fetch added a pack (see pg_store_repack); one that fails leaves
	 * them as they were */
	if (err == 0)
		(void)pg_store_repack(s, PG_PACKS_MAX);
	return err;
}

int pg_adopt(pg_sync_report *r, pg_store *s, const char *qname, const char *source, const char *url,
	     const pg_sync_opts *o)
{
	int err = pg_store_lock(s);
	if (err == 0)
		err = pg_adopt_held(r, s, qname, source, url, o);
	pg_store_unlock(s);
	return err;
}

/* --- transport callbacks ------------------------------------------------------ */

struct xfer {
	const pg_sync_opts *o;
	uint64_t max, bytes, objects;
	int over;
	int cred_tries;              /* ssh: candidates tried on this connection */
	pg_buf remote_msg;           /* what the remote said on the sideband */
	pg_push_report *push;
	git_repository *repo;
	pg_store *store;             /* fetch: whose lock guards the quarantine */
	int lock_err;                /* fetch: the store lock could not be had */
	enum { CRED_OK, CRED_REFUSED, CRED_NOKEY, CRED_NOMETHOD } cred_failed; /* why ssh login ended */
	char cred_user[64];          /* the user it logged in as */
	char cred_offered[128];      /* "ssh-agent's keys, ~/.ssh/id_ed25519" */
};

static int on_transfer(const git_indexer_progress *st, void *data)
{
	struct xfer *x = data;
	x->bytes = st->received_bytes;
	x->objects = st->received_objects;
	if (x->max && st->received_bytes > x->max) {
		x->over = 1;
		return -1;
	}
	if (x->o && x->o->progress) {
		if (st->received_objects < st->total_objects)
			x->o->progress(x->o->data, "receiving", st->received_objects, st->total_objects, st->received_bytes);
		else
			x->o->progress(x->o->data, "resolving", st->indexed_deltas, st->total_deltas, st->received_bytes);
	}
	return 0;
}

static int on_sideband(const char *str, int len, void *data)
{
	struct xfer *x = data;
	if (x->remote_msg.len < 8192 && len > 0)
		pg_buf_put(&x->remote_msg, str, (size_t)len);
	return 0;
}

/* The user ssh logs in as when the URL names none: the local user. */
static const char *local_user(void)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *u = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : getenv("USER");
	return u && *u ? u : "git";
}

static void cred_offered(struct xfer *x, const char *what)
{
	size_t n = strlen(x->cred_offered);
	snprintf(x->cred_offered + n, sizeof(x->cred_offered) - n, "%s%s", n ? ", " : "", what);
}

/* ssh: the agent's keys, then ~/.ssh/id_ed25519, id_ecdsa and id_rsa, each
 * offered once per connection; nothing else is guessed, no passwords.
 * libgit2 asks again after every refused key for as long as it is given
 * one, so when the candidates run out this says so and ends it. */
static int on_credentials(git_credential **out, const char *url, const char *user, unsigned int allowed, void *data)
{
	static const char *const files[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	struct xfer *x = data;
	(void)url;
	if (!user)
		user = local_user();
	snprintf(x->cred_user, sizeof(x->cred_user), "%s", user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY) && (allowed & GIT_CREDENTIAL_USERNAME))
		return git_credential_username_new(out, user); /* ssh:// without user@ */
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY)) {
		x->cred_failed = CRED_NOMETHOD;
		return GIT_PASSTHROUGH;
	}
	const char *home = getenv("HOME"), *agent = getenv("SSH_AUTH_SOCK");
	while (x->cred_tries < 1 + (int)(sizeof(files) / sizeof(*files))) {
		int i = x->cred_tries++;
		if (i == 0) {
			if (!agent || !*agent)
				continue;
			cred_offered(x, "ssh-agent's keys");
			return git_credential_ssh_key_from_agent(out, user);
		}
		if (!home || !*home)
			continue;
		char *priv = pg_asprintf("%s/.ssh/%s", home, files[i - 1]);
		if (access(priv, R_OK) == 0) {
			char *pub = pg_asprintf("%s.pub", priv), *shown = pg_asprintf("~/.ssh/%s", files[i - 1]);
			int e = git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL, priv, NULL);
			cred_offered(x, shown);
			free(shown);
			free(pub);
			free(priv);
			return e;
		}
		free(priv);
	}
	x->cred_failed = x->cred_offered[0] ? CRED_REFUSED : CRED_NOKEY;
	git_error_set_str(GIT_ERROR_SSH, "ssh authentication failed: no more keys to offer");
	return GIT_EAUTH;
}

static void callbacks(git_remote_callbacks *cb, struct xfer *x)
{
	/* certificate_check is left unset: libgit2 then checks ssh host keys
	 * against ~/.ssh/known_hosts and TLS certificates against the system's
	 * authorities, and refuses what does not match (an unknown or changed
	 * ssh host key included: tests/integration/t_ssh.sh) */
	cb->transfer_progress = on_transfer;
	cb->sideband_progress = on_sideband;
	cb->credentials = on_credentials;
	cb->payload = x;
	/* each call sets up one connection: every key may be offered on it */
	x->cred_tries = 0;
	x->cred_failed = CRED_OK;
	x->cred_offered[0] = '\0';
}

uint64_t pg_sync_max_bytes(const pg_sync_opts *o)
{
	const char *e = getenv("PG_FETCH_MAX");
	if (o && o->max_bytes)
		return o->max_bytes;
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0' && v > 0)
			return v;
	}
	return PG_FETCH_MAX_DEFAULT;
}

/* The message for a failed transfer. */
static int transfer_err(struct xfer *x, const char *what, const char *name, const char *url)
{
	if (x->over)
		return pg_error_set(PG_EINVALID, "%s '%s' (%s): the remote sent more than %llu bytes, the limit "
						 "(PG_FETCH_MAX); nothing of it was adopted",
				    what, name, url, (unsigned long long)x->max);
	if (x->cred_failed == CRED_REFUSED)
		return pg_error_set(PG_EKEY, "%s '%s' (%s): the ssh server took none of the keys offered for user '%s' "
					     "(%s): add your public key (the .pub file) to that user's authorized_keys on "
					     "the server, or load the key it knows into ssh-agent (a key with a passphrase "
					     "works only through ssh-agent)",
				    what, name, url, x->cred_user, x->cred_offered);
	if (x->cred_failed == CRED_NOKEY)
		return pg_error_set(PG_EKEY, "%s '%s' (%s): no ssh key to log in as '%s' with: pg offers ssh-agent's "
					     "keys (SSH_AUTH_SOCK) and ~/.ssh/id_ed25519, id_ecdsa and id_rsa; make one with "
					     "'ssh-keygen -t ed25519' and add the .pub file to authorized_keys on the server",
				    what, name, url, x->cred_user);
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "the transfer failed";
	if (x->cred_failed == CRED_NOMETHOD)
		return pg_error_set(PG_EKEY, "%s '%s' (%s): %s: the remote asks for a password or another kind of login, "
					     "and pg logs in only with ssh keys (ssh-agent or ~/.ssh/id_*): use an ssh:// "
					     "URL to a server that takes your key, or one that needs no login",
				    what, name, url, msg);
	/* libssh2: "Unable to extract public key from private key file: ..." */
	if (strstr(msg, "private key"))
		return pg_error_set(PG_EKEY, "%s '%s' (%s): %s (%s): pg reads a key file only when it has no passphrase "
					     "and is in a format libssh2 knows: load the key into ssh-agent ('ssh-add'), "
					     "or make one with 'ssh-keygen -t ed25519'",
				    what, name, url, msg, x->cred_offered);
	/* libgit2: "invalid or unknown remote ssh hostkey" */
	if (strstr(msg, "hostkey") || strstr(msg, "host key"))
		return pg_error_set(PG_EINTEGRITY, "%s '%s' (%s): %s: the server's ssh host key is not in "
						   "~/.ssh/known_hosts, or differs from the one recorded there, and pg "
						   "never accepts an unknown or changed host key: check the key's "
						   "fingerprint with the server's owner, then record it (ssh to the host "
						   "once; for a changed key, 'ssh-keygen -R HOST' first)",
				    what, name, url, msg);
	/* libssh2 offers only the host key types known_hosts has for the
	 * host: a key of another type recorded there ends the handshake */
	if (strstr(msg, "exchange encryption keys"))
		return pg_error_set(PG_ERROR, "%s '%s' (%s): %s: the server and pg share no host key type or key "
					      "exchange; if ~/.ssh/known_hosts records a key of another type for this "
					      "host, its key may have changed: check the fingerprint with the server's "
					      "owner before replacing it there",
				    what, name, url, msg);
	return pg_error_set(PG_ERROR, "%s '%s' (%s): %s", what, name, url, msg);
}

/* --- fetch ------------------------------------------------------------------- */

static void fetch_options(git_fetch_options *fo, struct xfer *x)
{
	git_fetch_options_init(fo, GIT_FETCH_OPTIONS_VERSION);
	callbacks(&fo->callbacks, x);
	fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo->prune = GIT_FETCH_NO_PRUNE;
	fo->update_fetchhead = 0;
}

/* git_remote_fetch, with the quarantine's refs moved under the store lock
 * (the download, the long part, runs without it): a fetch killed while it
 * moves them leaves git's lock files, which the lock's next holder removes,
 * as no one else writes there.  -1 with git's error set, or with
 * x->lock_err when the lock could not be had. */
static int fetch_tips(git_remote *rm, const char *name, const git_strarray *specs, const git_fetch_options *fo,
		      struct xfer *x)
{
	int e = git_remote_download(rm, specs, fo);
	git_remote_disconnect(rm);
	if (e < 0)
		return e;
	char *dir = pg_asprintf(PG_QUARANTINE_PREFIX "%s/", name);
	if ((x->lock_err = pg_store_lock(x->store)) == 0 && (x->lock_err = pg_store_note(x->store, dir)) == 0)
		e = git_remote_update_tips(rm, &fo->callbacks, 0, fo->download_tags, "pg fetch");
	pg_store_unlock(x->store);
	free(dir);
	return x->lock_err < 0 ? -1 : e;
}

/* The whole fetch failed: fetch each log on its own, so one that cannot
 * be sent does not keep the others out.  Fills r->warning. */
static int fetch_each(pg_sync_report *r, git_remote *rm, const char *name, struct xfer *x, const char *first_msg)
{
	git_remote_callbacks cb;
	const git_remote_head **heads;
	size_t nheads, failed = 0, tried = 0;
	char first[512] = "";
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	callbacks(&cb, x);
	if (git_remote_connect(rm, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0 || git_remote_ls(&heads, &nheads, rm) < 0) {
		int err = transfer_err(x, "cannot fetch from", name, git_remote_url(rm));
		git_remote_disconnect(rm);
		return err;
	}
	char **specs = pg_calloc(nheads + 1, sizeof(*specs));
	size_t nspecs = 0, plen = strlen(PG_REF_PREFIX);
	for (size_t i = 0; i < nheads; i++) {
		const char *ref = heads[i]->name;
		if (strncmp(ref, PG_REF_PREFIX, plen) || strlen(ref + plen) != PG_HEX_LEN || !pg_is_hex(ref + plen, PG_HEX_LEN))
			continue;
		specs[nspecs++] = pg_asprintf("+%s:" PG_QUARANTINE_PREFIX "%s/%s", ref, name, ref + plen);
	}
	git_remote_disconnect(rm);
	for (size_t i = 0; i < nspecs; i++) {
		git_fetch_options fo;
		git_strarray one = { &specs[i], 1 };
		fetch_options(&fo, x);
		tried++;
		if (fetch_tips(rm, name, &one, &fo, x) < 0) {
			if (x->over || x->lock_err)
				break;
			if (!failed++) {
				const git_error *e = git_error_last();
				snprintf(first, sizeof(first), "%.*s: %s", PG_HEX_LEN,
					 strrchr(specs[i], '/') + 1, e && e->message ? e->message : "failed");
			}
		}
	}
	for (size_t i = 0; i < nspecs; i++)
		free(specs[i]);
	free(specs);
	if (x->lock_err)
		return x->lock_err;
	if (x->over)
		return transfer_err(x, "cannot fetch from", name, git_remote_url(rm));
	if (failed == tried) /* nothing came: the fetch failed, it did not half succeed */
		return pg_error_set(PG_ERROR, "cannot fetch from '%s' (%s): %s; fetched log by log, none of %zu log%s "
					      "could be fetched%s%s%s",
				    name, git_remote_url(rm), first_msg, tried, tried == 1 ? "" : "s",
				    *first ? " (first: " : "", first, *first ? ")" : "");
	if (failed)
		r->warning = pg_asprintf("the fetch of everything failed (%s); fetched log by log, %zu of %zu logs "
					 "could not be fetched (first: %s)",
					 first_msg, failed, tried, first);
	return 0;
}

/* Is ref (in the store) at oid? */
static int ref_at(pg_store *s, const char *ref, const git_oid *oid)
{
	git_oid at;
	return git_reference_name_to_id(&at, pg_store_repo(s), ref) == 0 && git_oid_equal(&at, oid);
}

/* Connect and list the remote's logs; the refspecs of those whose tip is
 * not the one we last fetched (a log the remote has not moved costs
 * nothing more).  Stays connected for the download. */
static int changed_logs(char ***out, size_t *n, git_remote *rm, pg_store *s, const char *name,
			const git_remote_callbacks *cb)
{
	const git_remote_head **heads;
	size_t nheads, plen = strlen(PG_REF_PREFIX);
	*out = NULL;
	*n = 0;
	if (git_remote_connect(rm, GIT_DIRECTION_FETCH, cb, NULL, NULL) < 0 || git_remote_ls(&heads, &nheads, rm) < 0) {
		git_remote_disconnect(rm);
		return -1;
	}
	*out = pg_calloc(nheads + 1, sizeof(**out));
	for (size_t i = 0; i < nheads; i++) {
		const char *ref = heads[i]->name;
		if (strncmp(ref, PG_REF_PREFIX, plen) || strlen(ref + plen) != PG_HEX_LEN || !pg_is_hex(ref + plen, PG_HEX_LEN))
			continue;
		char *q = pg_asprintf(PG_QUARANTINE_PREFIX "%s/%s", name, ref + plen);
		if (!ref_at(s, q, &heads[i]->oid))
			(*out)[(*n)++] = pg_asprintf("+%s:%s", ref, q);
		free(q);
	}
	return 0;
}

int pg_fetch(pg_sync_report *r, pg_store *s, const char *name, const pg_sync_opts *o)
{
	git_remote *rm = NULL;
	struct xfer x = { .o = o, .max = pg_sync_max_bytes(o), .remote_msg = PG_BUF_INIT, .repo = pg_store_repo(s),
			  .store = s };
	git_fetch_options fo;
	git_repository *fr = NULL;
	struct narrow *view = NULL;
	char **specs = NULL;
	size_t nspecs = 0;
	int err = 0;
	memset(r, 0, sizeof(*r));
	r->source = pg_strdup(name);
	int e = pg_remote_name_valid(name) ? git_remote_lookup(&rm, pg_store_repo(s), name) : GIT_ENOTFOUND;
	if (e == GIT_ENOTFOUND)
		return pg_error_set(PG_ENOTFOUND, "no remote '%s': 'pg remote add %s URL' first", name, name);
	if (e < 0)
		return pg_git_err(PG_ERROR, "cannot read the remote");
	char *url = pg_strdup(git_remote_url(rm) ? git_remote_url(rm) : "");
	if (!pg_remote_url_valid(url)) {
		err = pg_error_set(PG_EINVALID, "remote '%s' has the URL '%s', which pg does not fetch from", name, url);
		goto done;
	}
	/* the remote's logs, and which of them moved since the last fetch:
	 * only those are asked for, and only their refs are shown to the
	 * negotiation (see narrow_open) */
	git_remote_free(rm);
	rm = NULL;
	if ((err = narrow_open(&fr, &view, s)) < 0)
		goto done;
	if (git_remote_lookup(&rm, fr, name) < 0) {
		err = pg_git_err(PG_ERROR, "cannot read the remote");
		goto done;
	}
	fetch_options(&fo, &x);
	if ((e = changed_logs(&specs, &nspecs, rm, s, name, &fo.callbacks)) < 0) {
		if (x.lock_err || x.over) {
			err = x.lock_err ? x.lock_err : transfer_err(&x, "cannot fetch from", name, url);
			goto done;
		}
		err = transfer_err(&x, "cannot fetch from", name, url);
		goto done;
	}
	narrow_set(view, specs, nspecs);
	git_strarray wanted = { specs, nspecs };
	if (nspecs == 0)
		git_remote_disconnect(rm);
	else if (fetch_tips(rm, name, &wanted, &fo, &x) < 0) {
		if (x.lock_err) {
			err = x.lock_err;
			goto done;
		}
		if (x.over) {
			err = transfer_err(&x, "cannot fetch from", name, url);
			goto done;
		}
		const git_error *ge = git_error_last();
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", ge && ge->message ? ge->message : "failed");
		int connect = strstr(msg, "failed to connect") || strstr(msg, "failed to resolve") ||
			      strstr(msg, "could not find repository") || strstr(msg, "hostkey") ||
			      strstr(msg, "host key") || strstr(msg, "authenticat");
		if (connect || (err = fetch_each(r, rm, name, &x, msg)) < 0) {
			if (connect)
				err = transfer_err(&x, "cannot fetch from", name, url);
			goto done;
		}
	}
	r->received_bytes = x.bytes;
	r->received_objects = x.objects;
	git_config *cfg;
	if ((err = pg_store_lock(s)) < 0)
		goto done;
	if (pg_store_note(s, "config.lock") == 0 && git_repository_config(&cfg, pg_store_repo(s)) == 0) {
		char *key = remote_config_key(name, "pgfetched");
		git_config_set_int64(cfg, key, (int64_t)time(NULL));
		free(key);
		git_config_free(cfg);
	}
	err = pg_adopt_held(r, s, name, name, url, o);
	pg_store_unlock(s);
done:
	pg_buf_free(&x.remote_msg);
	free(url);
	git_remote_free(rm);
	git_repository_free(fr);
	for (size_t i = 0; i < nspecs; i++)
		free(specs[i]);
	free(specs);
	return err;
}

/* --- push -------------------------------------------------------------------- */

static pg_push_ref *push_ref_of(pg_push_report *r, const char *refname)
{
	size_t plen = strlen(PG_REF_PREFIX);
	uint8_t pk[PG_PK_LEN];
	if (strncmp(refname, PG_REF_PREFIX, plen) || pg_unhex(pk, refname + plen, PG_PK_LEN) < 0)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (!memcmp(r->refs[i].publisher, pk, PG_PK_LEN))
			return &r->refs[i];
	return NULL;
}

/* Refs the remote rejected in this push, beyond the 'before' rejected here. */
static size_t marked_by_remote(const pg_push_report *r, size_t before)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->refs[i].status == PG_PUSH_REJECTED;
	return n - before;
}

/* Another store may push the same log at the same moment: the loser's
 * update fails ("cannot lock ref ... reference already exists") although
 * the remote now holds exactly its tip.  Ask the remote again; a rejected
 * ref that is now at our tip is up to date, not an error.  Best effort:
 * when the remote cannot be asked, the rejections stand. */
static void recheck_rejected(pg_push_report *r, pg_store *s, git_remote *rm, struct xfer *x)
{
	git_remote_callbacks cb;
	const git_remote_head **heads;
	size_t nheads;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	callbacks(&cb, x);
	if (git_remote_connect(rm, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0 || git_remote_ls(&heads, &nheads, rm) < 0) {
		git_remote_disconnect(rm);
		git_error_clear();
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		pg_push_ref *p = &r->refs[i];
		char ref[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
		git_oid tip;
		if (p->status != PG_PUSH_REJECTED || pg_store_tip(&tip, s, p->publisher) < 0)
			continue;
		memcpy(ref, PG_REF_PREFIX, sizeof(PG_REF_PREFIX) - 1);
		pg_hex(ref + sizeof(PG_REF_PREFIX) - 1, p->publisher, PG_PK_LEN);
		for (size_t k = 0; k < nheads; k++)
			if (!strcmp(heads[k]->name, ref) && git_oid_equal(&heads[k]->oid, &tip)) {
				p->status = PG_PUSH_UPTODATE;
				free(p->message);
				p->message = NULL;
			}
	}
	git_remote_disconnect(rm);
	pg_error_clear();
}

static int on_push_update(const char *refname, const char *status, void *data)
{
	struct xfer *x = data;
	pg_push_ref *p = push_ref_of(x->push, refname);
	if (!p)
		return 0;
	if (status) {
		p->status = PG_PUSH_REJECTED;
		free(p->message);
		p->message = pg_strdup(status);
	}
	return 0;
}

int pg_push(pg_push_report *r, pg_store *s, const char *name, const pg_sync_opts *o)
{
	git_remote *rm = NULL;
	git_repository *repo = pg_store_repo(s);
	git_odb *odb = NULL;
	struct xfer x = { .o = o, .remote_msg = PG_BUF_INIT, .push = r, .repo = repo };
	uint8_t(*pubs)[PG_PK_LEN] = NULL;
	size_t npubs = 0;
	char **specs = NULL;
	size_t nspecs = 0;
	int err = 0;
	memset(r, 0, sizeof(*r));
	int e = pg_remote_name_valid(name) ? git_remote_lookup(&rm, repo, name) : GIT_ENOTFOUND;
	if (e == GIT_ENOTFOUND)
		return pg_error_set(PG_ENOTFOUND, "no remote '%s': 'pg remote add %s URL' first", name, name);
	if (e < 0)
		return pg_git_err(PG_ERROR, "cannot read the remote");
	const char *url = git_remote_url(rm) ? git_remote_url(rm) : "";
	if (!pg_remote_url_valid(url)) {
		err = pg_error_set(PG_EINVALID, "remote '%s' has the URL '%s', which pg does not push to", name, url);
		goto done;
	}
	if ((err = pg_store_publishers(&pubs, &npubs, s)) < 0)
		goto done;
	if (git_repository_odb(&odb, repo) < 0) {
		err = pg_git_err(PG_ERROR, "cannot open the object database");
		goto done;
	}
	r->refs = pg_calloc(npubs + 1, sizeof(*r->refs));
	r->n = npubs;

	/* what the remote has: a log it holds newer than ours is left alone */
	git_remote_callbacks cb;
	const git_remote_head **heads;
	size_t nheads;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	callbacks(&cb, &x);
	if (git_remote_connect(rm, GIT_DIRECTION_PUSH, &cb, NULL, NULL) < 0 || git_remote_ls(&heads, &nheads, rm) < 0) {
		err = transfer_err(&x, "cannot push to", name, url);
		goto done;
	}
	specs = pg_calloc(npubs + 1, sizeof(*specs));
	for (size_t i = 0; i < npubs; i++) {
		pg_push_ref *p = &r->refs[i];
		git_oid tip;
		char ref[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
		memcpy(p->publisher, pubs[i], PG_PK_LEN);
		memcpy(ref, PG_REF_PREFIX, sizeof(PG_REF_PREFIX) - 1);
		pg_hex(ref + sizeof(PG_REF_PREFIX) - 1, pubs[i], PG_PK_LEN);
		if ((err = pg_store_tip(&tip, s, pubs[i])) < 0)
			break;
		p->status = PG_PUSH_SENT;
		const char *differs = NULL;
		for (size_t k = 0; k < nheads; k++) {
			const git_oid *theirs = &heads[k]->oid;
			if (strcmp(heads[k]->name, ref))
				continue;
			if (git_oid_equal(theirs, &tip))
				p->status = PG_PUSH_UPTODATE;
			else if (!git_odb_exists(odb, theirs))
				differs = "the remote's log has entries this store lacks";
			else if (git_graph_descendant_of(repo, theirs, &tip) == 1)
				p->status = PG_PUSH_BEHIND;
			else if (git_graph_descendant_of(repo, &tip, theirs) != 1)
				differs = "the remote's log and this store's have diverged (a fork)";
			break;
		}
		/* libgit2 fails the whole push on one ref it cannot
		 * fast-forward, so such a ref is never sent: the user's own log
		 * is rejected (they must pull first), anyone else's is left
		 * alone, as a log the remote has newer is */
		if (differs && is_own(pubs[i], o)) {
			p->status = PG_PUSH_REJECTED;
			p->message = pg_asprintf("%s; pull first", differs);
		} else if (differs) {
			p->status = PG_PUSH_BEHIND;
			p->message = pg_asprintf("%s; left alone", differs);
		}
		if (p->status == PG_PUSH_SENT)
			specs[nspecs++] = pg_asprintf("%s:%s", ref, ref); /* no '+': fast-forward only */
	}
	git_remote_disconnect(rm);
	if (err < 0)
		goto done;
	if (nspecs == 0)
		goto count;

	git_push_options po;
	git_strarray arr = { specs, nspecs };
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	callbacks(&po.callbacks, &x);
	po.callbacks.push_update_reference = on_push_update;
	size_t before = 0; /* rejected here, not by the remote */
	for (size_t i = 0; i < r->n; i++)
		before += r->refs[i].status == PG_PUSH_REJECTED;
	if (git_remote_push(rm, &arr, &po) < 0) {
		/* a remote that refuses the whole push (a hook) may still have
		 * said why per ref; without that, every ref sent failed */
		const git_error *ge = git_error_last();
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", ge && ge->message ? ge->message : "the push failed");
		size_t marked = 0;
		for (size_t i = 0; i < r->n; i++)
			marked += r->refs[i].status == PG_PUSH_REJECTED;
		marked -= before;
		if (!marked && !strstr(msg, "rejected") && !strstr(msg, "declined") && !strstr(msg, "fast-forward")) {
			err = transfer_err(&x, "cannot push to", name, url);
			goto done;
		}
		for (size_t i = 0; i < r->n; i++)
			if (r->refs[i].status == PG_PUSH_SENT) {
				r->refs[i].status = PG_PUSH_REJECTED;
				r->refs[i].message = pg_strdup(msg);
			}
	}
	if (marked_by_remote(r, before))
		recheck_rejected(r, s, rm, &x);
count:
	for (size_t i = 0; i < r->n; i++) {
		r->sent += r->refs[i].status == PG_PUSH_SENT;
		r->rejected += r->refs[i].status == PG_PUSH_REJECTED;
	}
	if (r->rejected) {
		pg_push_ref *p = NULL;
		for (size_t i = 0; i < r->n && !p; i++)
			if (r->refs[i].status == PG_PUSH_REJECTED)
				p = &r->refs[i];
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, p->publisher, PG_PK_LEN);
		/* the remote's own words, from a hook, say the most */
		char said[1024] = "";
		if (x.remote_msg.len) {
			snprintf(said, sizeof(said), "; the remote said: %s", x.remote_msg.ptr);
			for (char *c = said; *c; c++)
				if (*c == '\n' || *c == '\r')
					*c = ' ';
		}
		err = pg_error_set(PG_EINVALID, "remote '%s' rejected %zu log%s, first " PG_REF_PREFIX "%s: %s%s", name,
				   r->rejected, r->rejected == 1 ? "" : "s", hex, p->message ? p->message : "rejected",
				   said);
	}
done:
	for (size_t i = 0; i < nspecs; i++)
		free(specs[i]);
	free(specs);
	free(pubs);
	pg_buf_free(&x.remote_msg);
	git_odb_free(odb);
	git_remote_free(rm);
	return err;
}
