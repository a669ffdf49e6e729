/* store.c - the git-backed store: discovery, locking, appending, log walks */
#include "store.h"
#include "par.h"
#include "payload.h"
#include "result.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2/sys/mempack.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pg_store {
	char *path;
	git_repository *repo;
	git_odb_backend *mempack; /* owned by the repository's odb */
	int lockfd;
	int from_env;             /* opened the way git's environment names it */
	int staging;              /* a transaction holds objects only in mempack */
	/* the same repository opened once per pool worker (libgit2 objects are
	 * not shared between threads); [0] is unused: the caller uses repo */
	git_repository *worker[PG_PAR_MAX];
};

int pg_git_err(int code, const char *what)
{
	const git_error *e = git_error_last();
	return pg_error_set(code, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
}

static int lib_init(void)
{
	static int done;
	if (done)
		return 0;
	if (git_libgit2_init() < 0)
		return pg_git_err(PG_ERROR, "cannot initialise libgit2");
	/* objects are verified against their hash on every read, and what is
	 * written reaches the disk before a ref points at it */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* keep the fan-out trees (o/ab/: one entry per object whose id starts
	 * ab, about 100 bytes each) parsed between lookups: by default libgit2
	 * caches no tree over 4 KiB, and every lookup of an object in a store
	 * of 100 000 would inflate and parse a 40 KiB tree again */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	/* a pack's header says how many objects follow, and the indexer sizes
	 * its tables by it before reading one: a fetched pack may not claim
	 * more than this */
	git_libgit2_opts(GIT_OPT_SET_PACK_MAX_OBJECTS, (size_t)1 << 24);
	done = 1;
	return pg_crypto_init();
}

int pg_store_init(const char *dir)
{
	char *path = pg_path_join(dir, PG_STORE_DIR);
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	int err;
	if ((err = lib_init()) < 0)
		goto done;
	if (access(path, F_OK) == 0) {
		err = pg_error_set(PG_EEXISTS, "'%s' already exists; this is already a pg store", path);
		goto done;
	}
	git_repository_init_options opts;
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.description = "pg store: signed append-only logs under refs/pg/pub/";
	if (git_repository_init_ext(&repo, path, &opts) < 0) {
		err = pg_git_err(PG_ERROR, "cannot create the store");
		goto done;
	}
	if (git_repository_config(&cfg, repo) < 0 || git_config_set_int32(cfg, "pg.version", 1) < 0)
		err = pg_git_err(PG_ERROR, "cannot configure the store");
done:
	git_config_free(cfg);
	git_repository_free(repo);
	free(path);
	return err;
}

static int is_store(const char *pgdir)
{
	char *head = pg_path_join(pgdir, "HEAD"), *refs = pg_path_join(pgdir, "refs");
	struct stat st;
	int ok = stat(head, &st) == 0 && stat(refs, &st) == 0 && S_ISDIR(st.st_mode);
	free(head);
	free(refs);
	return ok;
}

int pg_store_discover(char **out, const char *start)
{
	const char *env = getenv("PG_DIR");
	char buf[PATH_MAX];
	*out = NULL;
	if (env && *env) {
		if (!is_store(env))
			return pg_error_set(PG_ENOTFOUND, "PG_DIR '%s' is not a pg store", env);
		*out = pg_strdup(env);
		return 0;
	}
	if (!realpath(start, buf))
		return pg_error_set(PG_ENOTFOUND, "cannot resolve '%s': %s", start, strerror(errno));
	for (;;) {
		char *candidate = pg_path_join(buf, PG_STORE_DIR);
		if (is_store(candidate)) {
			*out = candidate;
			return 0;
		}
		free(candidate);
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf) {
			if (strcmp(buf, "/") == 0)
				break;
			buf[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
	return pg_error_set(PG_ENOTFOUND, "not in a pg store (nor in any parent directory); "
			    "run 'pg init' to create one, or use -C DIR or PG_DIR");
}

/* Open the store at pgdir, or (pgdir NULL) the repository git's
 * environment names, with libgit2 reading GIT_DIR, GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES as git does. */
static int store_open(pg_store **out, const char *pgdir)
{
	pg_store *s = pg_calloc(1, sizeof(*s));
	git_config *cfg = NULL;
	int32_t version = 0;
	int err;
	*out = NULL;
	s->lockfd = -1;
	if ((err = lib_init()) < 0)
		goto fail;
	if (pgdir) {
		s->path = pg_strdup(pgdir);
		if (git_repository_open_ext(&s->repo, pgdir, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
					    NULL) < 0) {
			err = pg_git_err(PG_ENOTFOUND, "cannot open the store");
			goto fail;
		}
	} else {
		const char *dir = getenv("GIT_DIR");
		if (!dir || !*dir) {
			err = pg_error_set(PG_ENOTFOUND, "GIT_DIR is not set: only git runs this, as a hook");
			goto fail;
		}
		if (git_repository_open_ext(&s->repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0) {
			err = pg_git_err(PG_ENOTFOUND, "cannot open the store git names (GIT_DIR)");
			goto fail;
		}
		s->from_env = 1;
		/* libgit2 gives the absolute path with a trailing '/' */
		s->path = pg_strdup(git_repository_path(s->repo));
		size_t n = strlen(s->path);
		while (n > 1 && s->path[n - 1] == '/')
			s->path[--n] = '\0';
		pgdir = s->path;
	}
	if (git_repository_config_snapshot(&cfg, s->repo) < 0 ||
	    git_config_get_int32(&version, cfg, "pg.version") < 0 || version != 1) {
		err = pg_error_set(PG_EINVALID, "'%s' is a git repository but not a pg store (pg.version is not 1)", pgdir);
		goto fail;
	}
	git_config_free(cfg);
	*out = s;
	return 0;
fail:
	git_config_free(cfg);
	pg_store_free(s);
	return err;
}

int pg_store_open(pg_store **out, const char *pgdir)
{
	return store_open(out, pgdir);
}

int pg_store_open_env(pg_store **out)
{
	return store_open(out, NULL);
}

void pg_store_free(pg_store *s)
{
	if (!s)
		return;
	pg_store_unlock(s);
	for (size_t i = 0; i < PG_PAR_MAX; i++)
		git_repository_free(s->worker[i]);
	git_repository_free(s->repo);
	free(s->path);
	free(s);
}

/* The repository for pool worker w (pg_par_run), opened on its first use
 * by that worker; NULL if it cannot be opened. */
static git_repository *worker_repo(pg_store *s, unsigned w)
{
	if (w == 0)
		return s->repo;
	if (!s->worker[w] &&
	    git_repository_open_ext(&s->worker[w], s->from_env ? NULL : s->path,
				    s->from_env ? GIT_REPOSITORY_OPEN_FROM_ENV
						: GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
				    NULL) < 0)
		s->worker[w] = NULL;
	return s->worker[w];
}

const char *pg_store_path(const pg_store *s)
{
	return s->path;
}

git_repository *pg_store_repo(pg_store *s)
{
	return s->repo;
}

/* A note is a git lock file below .pg/ (or a directory of them, ending in
 * '/'): config.lock or one under refs/pg/. */
static int note_valid(const char *p, size_t n)
{
	if ((n == 11 && !memcmp(p, "config.lock", 11)) || (n == 16 && !memcmp(p, "packed-refs.lock", 16)))
		return 1;
	if (n < 9 || memcmp(p, "refs/pg/", 8) || memmem(p, n, "..", 2) || memchr(p, '\0', n))
		return 0;
	return p[n - 1] == '/' || !memcmp(p + n - 5, ".lock", 5);
}

/* git's lock files in dir and the directories below it (refs/pg/ has
 * three levels: pub, q/<remote>). */
static void remove_locks_in(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 5 && !strcmp(e->d_name + n - 5, ".lock")) {
			unlinkat(dirfd(d), e->d_name, 0);
		} else if (depth > 0 && e->d_name[0] != '.' && e->d_type == DT_DIR) {
			char *sub = pg_path_join(dir, e->d_name);
			remove_locks_in(sub, depth - 1);
			free(sub);
		}
	}
	closedir(d);
}

/* The last holder was killed with the git lock files it noted still there
 * (a clean unlock empties the file): remove them, or git would refuse that
 * ref or the config for good.  They were its own, created while it held
 * this lock. */
static void clear_notes(const pg_store *s, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 24))
		return;
	char *text = pg_malloc((size_t)st.st_size);
	ssize_t len = pread(fd, text, (size_t)st.st_size, 0);
	for (char *p = text, *end = text + (len > 0 ? len : 0), *nl; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			break;
		if (!note_valid(p, (size_t)(nl - p)))
			continue; /* the pid, or not a note */
		*nl = '\0';
		char *path = pg_path_join(s->path, p);
		if (nl[-1] == '/')
			remove_locks_in(path, 3);
		else
			unlink(path);
		free(path);
	}
	free(text);
}

int pg_store_lock(pg_store *s)
{
	if (s->lockfd >= 0)
		return 0;
	char *path = pg_path_join(s->path, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return pg_error_set(PG_ERROR, "cannot open the store lock: %s", strerror(errno));
	const char *e = getenv("PG_LOCK_TIMEOUT");
	char *end = NULL;
	double timeout = e && *e ? strtod(e, &end) : 30.0;
	/* anything but a number of seconds (nan, inf, -1, 10s) is the
	 * default, as with PG_FETCH_MAX: never an endless wait */
	if ((end && *end) || !(timeout >= 0 && timeout <= 1e9))
		timeout = 30.0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return pg_error_set(PG_ERROR, "cannot lock the store: %s", strerror(errno));
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= timeout) {
			char pid[32] = "";
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			close(fd);
			/* the file names the pg that holds the lock; a pg that
			 * crashed left its pid, and flock(1) or another tool
			 * writes none */
			long p = atol(pid);
			int known = p > 0 && (kill((pid_t)p, 0) == 0 || errno == EPERM);
			return pg_error_set(PG_ELOCKED, "the store is locked: %s%s holds %s/lock (waited %g s); "
					    "try again when it has finished, or set PG_LOCK_TIMEOUT to wait longer",
					    known ? "pg process " : "another process", known ? pid : "", s->path, timeout);
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	clear_notes(s, fd);
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* the pid is only a hint for other processes' messages */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0)
		pid[0] = '\0';
	s->lockfd = fd;
	return 0;
}

int pg_store_note(pg_store *s, const char *lockfile)
{
	char *line = pg_asprintf("%s\n", lockfile);
	size_t n = strlen(line);
	struct stat st;
	int ok = s->lockfd >= 0 && fstat(s->lockfd, &st) == 0 &&
		 pwrite(s->lockfd, line, n, st.st_size) == (ssize_t)n && fdatasync(s->lockfd) == 0;
	free(line);
	return ok ? 0 : pg_error_set(PG_ERROR, "cannot write to the store lock: %s",
				     s->lockfd < 0 ? "not held" : strerror(errno));
}

void pg_store_unlock(pg_store *s)
{
	if (s->lockfd < 0)
		return;
	/* the noted files are renamed or removed by now, and the pid is no
	 * longer the holder's (a failure here costs the next holder a few
	 * unlinks, and a waiter checks that the pid is alive) */
	int r = ftruncate(s->lockfd, 0);
	(void)r;
	close(s->lockfd); /* releases the flock */
	s->lockfd = -1;
}

int pg_store_read_blob(pg_buf *out, pg_store *s, const char *oid_hex)
{
	git_oid oid;
	git_blob *blob;
	if (git_oid_fromstr(&oid, oid_hex) < 0)
		return pg_error_set(PG_EINVALID, "bad blob id '%s'", oid_hex);
	if (git_blob_lookup(&blob, s->repo, &oid) < 0)
		return pg_git_err(PG_EINTEGRITY, "cannot read a stored blob");
	pg_buf_clear(out);
	pg_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

static void ref_name(char out[sizeof(PG_REF_PREFIX) + PG_HEX_LEN], const uint8_t pk[PG_PK_LEN])
{
	memcpy(out, PG_REF_PREFIX, sizeof(PG_REF_PREFIX) - 1);
	pg_hex(out + sizeof(PG_REF_PREFIX) - 1, pk, PG_PK_LEN);
}

int pg_store_tip(git_oid *out, pg_store *s, const uint8_t publisher[PG_PK_LEN])
{
	char name[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];
	ref_name(name, publisher);
	int r = git_reference_name_to_id(out, s->repo, name);
	if (r == GIT_ENOTFOUND)
		return pg_error_set(PG_ENOTFOUND, "no log for publisher %.12s", name + sizeof(PG_REF_PREFIX) - 1);
	return r < 0 ? pg_git_err(PG_ERROR, "cannot read a log ref") : 0;
}

static void object_path(char out[2 + 3 + PG_HEX_LEN + 1], char kind, const uint8_t id[PG_ID_LEN])
{
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, id, PG_ID_LEN);
	snprintf(out, 2 + 3 + PG_HEX_LEN + 1, "%c/%.2s/%s", kind, hex, hex);
}

static int tree_of(git_tree **out, pg_store *s, const git_oid *commit_oid)
{
	git_commit *c;
	if (git_commit_lookup(&c, s->repo, commit_oid) < 0)
		return pg_git_err(PG_EINTEGRITY, "cannot read a log commit");
	int r = git_commit_tree(out, c);
	git_commit_free(c);
	return r < 0 ? pg_git_err(PG_EINTEGRITY, "cannot read a log tree") : 0;
}

/* Is path in tree?  1 yes (oid set), 0 no. */
static int tree_has(git_oid *oid, git_tree *tree, const char *path)
{
	git_tree_entry *e;
	if (!tree || git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	int blob = git_tree_entry_type(e) == GIT_OBJECT_BLOB;
	if (oid)
		git_oid_cpy(oid, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return blob;
}

int pg_store_read_path(pg_buf *out, pg_store *s, const uint8_t publisher[PG_PK_LEN], const char *path)
{
	git_oid tip, oid;
	git_tree *tree = NULL;
	int err = pg_store_tip(&tip, s, publisher);
	if (err == 0 && (err = tree_of(&tree, s, &tip)) == 0) {
		if (!tree_has(&oid, tree, path)) {
			err = pg_error_set(PG_ENOTFOUND, "'%s' is not in the log", path);
		} else {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &oid);
			err = pg_store_read_blob(out, s, hex);
		}
	}
	git_tree_free(tree);
	return err;
}

static int cmp_log_tip(const void *a, const void *b)
{
	return memcmp(((const pg_log_tip *)a)->pk, ((const pg_log_tip *)b)->pk, PG_PK_LEN);
}

int pg_store_tips(pg_log_tip **out, size_t *n, pg_store *s)
{
	git_reference_iterator *it;
	git_reference *ref;
	pg_log_tip *v = NULL;
	size_t cnt = 0, cap = 0;
	int e;
	*out = NULL;
	*n = 0;
	if (git_reference_iterator_glob_new(&it, s->repo, PG_REF_PREFIX "*") < 0)
		return pg_git_err(PG_ERROR, "cannot list logs");
	while ((e = git_reference_next(&ref, it)) == 0) {
		const char *hex = git_reference_name(ref) + sizeof(PG_REF_PREFIX) - 1;
		pg_log_tip t;
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && strlen(hex) == PG_HEX_LEN &&
		    pg_unhex(t.pk, hex, PG_PK_LEN) == 0) {
			git_oid_cpy(&t.tip, git_reference_target(ref));
			if (cnt == cap)
				v = pg_realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
			v[cnt++] = t;
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (e != GIT_ITEROVER) {
		free(v);
		return pg_git_err(PG_ERROR, "cannot list logs");
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_log_tip);
	*out = v;
	*n = cnt;
	return 0;
}

int pg_store_publishers(uint8_t (**out)[PG_PK_LEN], size_t *n, pg_store *s)
{
	pg_log_tip *t;
	int err = pg_store_tips(&t, n, s);
	*out = NULL;
	if (err < 0)
		return err;
	*out = pg_calloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		memcpy((*out)[i], t[i].pk, PG_PK_LEN);
	free(t);
	return 0;
}

/* --- transactions ------------------------------------------------------ */

struct staged {
	pg_object *obj;
	git_oid blob;
	int has_payload, new_payload;
	git_oid payload_blob;
};

struct pg_txn {
	pg_store *s;
	const pg_key *key;
	git_oid parent;
	int has_parent, done;
	git_tree *base;
	uint64_t seq; /* of the last entry; 0 for a new log */
	uint8_t prev[PG_ID_LEN];
	struct staged *st;
	size_t n, cap;
};

static int mempack(pg_store *s)
{
	git_odb *odb;
	if (s->mempack)
		return 0;
	if (git_repository_odb(&odb, s->repo) < 0)
		return pg_git_err(PG_ERROR, "cannot open the object database");
	int r = git_mempack_new(&s->mempack) < 0 || git_odb_add_backend(odb, s->mempack, 1000) < 0;
	git_odb_free(odb);
	return r ? pg_git_err(PG_ERROR, "cannot set up in-memory packing") : 0;
}

/* Read the manifest of a log commit (no signature check: the caller's
 * own log, verified when it was written). */
/* The size of a git object, from its header: a log from elsewhere can hold
 * a few KiB of pack that inflate to gigabytes, so nothing is read before
 * its size is known to fit. */
static int object_size(git_repository *repo, const git_oid *oid, size_t *size)
{
	git_odb *odb = NULL;
	git_object_t type;
	int r = git_repository_odb(&odb, repo);
	if (r == 0)
		r = git_odb_read_header(size, &type, odb, oid);
	git_odb_free(odb);
	return r < 0 ? pg_git_err(PG_EINTEGRITY, "cannot read a git object") : 0;
}

/* A log commit: its message is a manifest (at most PG_OBJECT_MAX bytes),
 * its header a few hundred bytes of tree, parent, author and committer. */
#define COMMIT_MAX (PG_OBJECT_MAX + 4096)

int pg_store_commit(git_commit **out, pg_store *s, const git_oid *oid)
{
	git_odb *odb = NULL;
	git_odb_object *raw = NULL;
	size_t size;
	int err;
	*out = NULL;
	if ((err = object_size(s->repo, oid, &size)) < 0)
		return err;
	if (size > COMMIT_MAX)
		return pg_error_set(PG_EINVALID, "log commit %.10s holds %zu bytes, more than a log entry can (%d); "
				    "it was not read", git_oid_tostr_s(oid), size, COMMIT_MAX);
	/* libgit2 cuts a commit's message at a NUL byte: bytes after it would
	 * ride along with the manifest, unsigned and unseen */
	if (git_repository_odb(&odb, s->repo) < 0 || git_odb_read(&raw, odb, oid) < 0)
		err = pg_git_err(PG_EINTEGRITY, "cannot read a log commit");
	else if (memchr(git_odb_object_data(raw), '\0', git_odb_object_size(raw)))
		err = pg_error_set(PG_EINVALID, "log commit %.10s holds a NUL byte: its message must be the "
				   "manifest, byte for byte", git_oid_tostr_s(oid));
	else if (git_commit_lookup(out, s->repo, oid) < 0)
		err = pg_git_err(PG_EINTEGRITY, "cannot read a log commit");
	git_odb_object_free(raw);
	git_odb_free(odb);
	return err;
}

static int read_manifest(pg_object **out, pg_store *s, const git_oid *commit_oid, unsigned flags)
{
	git_commit *c;
	int e;
	if ((e = pg_store_commit(&c, s, commit_oid)) < 0)
		return e;
	const char *msg = git_commit_message_raw(c);
	int err = pg_object_decode(out, msg, strlen(msg), flags);
	git_commit_free(c);
	if (err == 0 && (*out)->type != PG_T_LOG) {
		err = pg_error_set(PG_EINVALID, "commit message is a %s object, not a log entry",
				   pg_otype_name((*out)->type));
		pg_object_free(*out);
		*out = NULL;
	}
	return err;
}

int pg_txn_begin(pg_txn **out, pg_store *s, const pg_key *key, const pg_buf *identity)
{
	pg_txn *t = pg_calloc(1, sizeof(*t));
	pg_object *m = NULL, *id = NULL;
	int err;
	*out = NULL;
	t->s = s;
	t->key = key;
	if (!key->sk) {
		err = pg_error_set(PG_EKEY, "identity '%s' is not unlocked", key->name);
		goto fail;
	}
	if ((err = pg_store_lock(s)) < 0 || (err = mempack(s)) < 0)
		goto fail;
	s->staging = 1;
	err = pg_store_tip(&t->parent, s, key->pk);
	if (err == PG_ENOTFOUND) {
		/* a new log starts with its publisher's identity */
		if ((err = pg_object_decode(&id, identity->ptr, identity->len, 0)) < 0) {
			pg_error_prefix(err, "identity object of '%s'", key->name);
			goto fail;
		}
		if (id->type != PG_T_IDENTITY || memcmp(id->author, key->pk, PG_PK_LEN)) {
			err = pg_error_set(PG_EKEY, "the identity object of '%s' does not belong to its key", key->name);
			goto fail;
		}
		*out = t;
		err = pg_txn_add(t, id, NULL, 0);
		id = NULL;
		if (err < 0) {
			*out = NULL;
			goto fail;
		}
		return 0;
	}
	if (err < 0)
		goto fail;
	t->has_parent = 1;
	if ((err = tree_of(&t->base, s, &t->parent)) < 0 ||
	    (err = read_manifest(&m, s, &t->parent, PG_DECODE_NOVERIFY)) < 0)
		goto fail;
	t->seq = strtoull(pg_object_get(m, "seq"), NULL, 10);
	memcpy(t->prev, m->id, PG_ID_LEN);
	pg_object_free(m);
	*out = t;
	return 0;
fail:
	pg_object_free(id);
	pg_object_free(m);
	pg_txn_free(t);
	return err;
}

size_t pg_txn_count(const pg_txn *t)
{
	return t->n;
}

const pg_object *pg_txn_object(const pg_txn *t, size_t i)
{
	return i < t->n ? t->st[i].obj : NULL;
}

/* Takes ownership of o. */
int pg_txn_add(pg_txn *t, const pg_object *obj, const void *payload, size_t len)
{
	pg_object *o = (pg_object *)obj;
	git_repository *repo = t->s->repo;
	char path[2 + 3 + PG_HEX_LEN + 1];
	struct staged st = { o, { { 0 } }, 0, 0, { { 0 } } };

	if (memcmp(o->author, t->key->pk, PG_PK_LEN) || !o->raw.len) {
		pg_object_free(o);
		return pg_error_set(PG_EINVALID, "only objects signed by '%s' go into its log", t->key->name);
	}
	if (o->type == PG_T_LOG) {
		pg_object_free(o);
		return pg_error_set(PG_EINVALID, "log entries are manifests, not objects of a log");
	}
	int err = pg_result_check(o);
	if (err < 0) {
		pg_object_free(o);
		return err;
	}
	object_path(path, 'o', o->id);
	if (tree_has(NULL, t->base, path)) {
		pg_object_free(o);
		return 1;
	}
	uint8_t pid[PG_ID_LEN];
	uint64_t psize;
	const pg_type_schema *schema = pg_type_schema_get(o->type);
	if (schema->has_payload) {
		uint8_t h[PG_ID_LEN];
		if (pg_object_payload(o, pid, &psize) < 0 || !payload) {
			pg_object_free(o);
			return pg_error_set(PG_EINVALID, "%s object needs its payload", schema->name);
		}
		pg_hash(h, payload, len);
		if (memcmp(h, pid, PG_ID_LEN) || psize != len) {
			pg_object_free(o);
			return pg_error_set(PG_EINTEGRITY, "payload does not match the object's payload field");
		}
		st.has_payload = 1;
		object_path(path, 'p', pid);
		if (!tree_has(&st.payload_blob, t->base, path)) {
			st.new_payload = 1;
			if (git_blob_create_from_buffer(&st.payload_blob, repo, payload, len) < 0) {
				pg_object_free(o);
				return pg_git_err(PG_ERROR, "cannot store a payload");
			}
		}
	}
	if (git_blob_create_from_buffer(&st.blob, repo, o->raw.ptr, o->raw.len) < 0) {
		pg_object_free(o);
		return pg_git_err(PG_ERROR, "cannot store an object");
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->st = pg_realloc(t->st, t->cap * sizeof(*t->st));
	}
	t->st[t->n++] = st;
	return 0;
}

static int cmp_update(const void *a, const void *b)
{
	return strcmp(((const git_tree_update *)a)->path, ((const git_tree_update *)b)->path);
}

/* Build, sign and commit one log entry of staged objects [from, to). */
static int commit_entry(pg_txn *t, size_t from, size_t to, git_oid *commit_out)
{
	git_repository *repo = t->s->repo;
	git_tree_update *up = pg_calloc(2 * (to - from), sizeof(*up));
	char (*paths)[2 + 3 + PG_HEX_LEN + 1] = pg_calloc(2 * (to - from), sizeof(*paths));
	size_t nup = 0;
	pg_object *m = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_oid tree_oid;
	int err = 0;

	for (size_t i = from; i < to; i++) {
		struct staged *st = &t->st[i];
		object_path(paths[nup], 'o', st->obj->id);
		up[nup] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, st->blob, GIT_FILEMODE_BLOB, paths[nup] };
		nup++;
		if (st->new_payload) {
			uint8_t pid[PG_ID_LEN];
			uint64_t sz;
			pg_object_payload(st->obj, pid, &sz);
			object_path(paths[nup], 'p', pid);
			up[nup] = (git_tree_update){ GIT_TREE_UPDATE_UPSERT, st->payload_blob, GIT_FILEMODE_BLOB, paths[nup] };
			nup++;
		}
	}
	/* two objects of one batch may share a payload */
	qsort(up, nup, sizeof(*up), cmp_update);
	size_t k = 0;
	for (size_t i = 0; i < nup; i++)
		if (k == 0 || strcmp(up[k - 1].path, up[i].path))
			up[k++] = up[i];
	nup = k;

	if (git_tree_create_updated(&tree_oid, repo, t->base, nup, up) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_oid) < 0) {
		err = pg_git_err(PG_ERROR, "cannot build the log tree");
		goto done;
	}

	char hex[PG_HEX_LEN + 1];
	int64_t now = pg_now();
	m = pg_object_new(PG_T_LOG, t->key->pk, now);
	snprintf(hex, sizeof(hex), "%llu", (unsigned long long)(t->seq + 1));
	pg_object_add(m, "seq", hex);
	if (t->seq) {
		pg_hex(hex, t->prev, PG_ID_LEN);
		pg_object_add(m, "prev", hex);
	}
	for (size_t i = from; i < to; i++) {
		pg_hex(hex, t->st[i].obj->id, PG_ID_LEN);
		pg_object_add(m, "add", hex);
	}
	if ((err = pg_object_sign(m, t->key->sk)) < 0)
		goto done;

	char email[64];
	pg_hex(hex, t->key->pk, PG_PK_LEN);
	snprintf(email, sizeof(email), "%.16s@pg", hex);
	if (git_signature_new(&sig, "pg", email, (git_time_t)now, 0) < 0 ||
	    (t->has_parent && git_commit_lookup(&parent, repo, &t->parent) < 0) ||
	    git_commit_create(commit_out, repo, NULL, sig, sig, NULL, m->raw.ptr, tree,
			      t->has_parent ? 1 : 0, (const git_commit **)&parent) < 0) {
		err = pg_git_err(PG_ERROR, "cannot write the log commit");
		goto done;
	}
	git_tree_free(t->base);
	t->base = tree;
	tree = NULL;
	t->parent = *commit_out;
	t->has_parent = 1;
	t->seq++;
	memcpy(t->prev, m->id, PG_ID_LEN);
done:
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	pg_object_free(m);
	free(up);
	free(paths);
	return err;
}

static int cmp_staged(const void *a, const void *b)
{
	const struct staged *x = a, *y = b;
	/* the identity of a new log stays first */
	if (x->obj->type == PG_T_IDENTITY && y->obj->type != PG_T_IDENTITY)
		return -1;
	if (y->obj->type == PG_T_IDENTITY && x->obj->type != PG_T_IDENTITY)
		return 1;
	return memcmp(x->obj->id, y->obj->id, PG_ID_LEN);
}

/* Write what this transaction added as one pack: every object reachable
 * from the new tip but not from the old one (git_mempack_dump would pack
 * the whole tree again, which costs the size of the log on every publish).
 * The objects live in the in-memory backend until the pack is on disk. */
static int write_pack(pg_store *s, const git_oid *tip, const git_oid *old)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	int err = 0;
	if (git_packbuilder_new(&pb, s->repo) < 0 ||
	    /* the delta search is most of the work, and libgit2 spreads it */
	    (git_packbuilder_set_threads(pb, pg_par_threads()), git_revwalk_new(&walk, s->repo) < 0) ||
	    git_revwalk_push(walk, tip) < 0 || (old && git_revwalk_hide(walk, old) < 0) ||
	    git_packbuilder_insert_walk(pb, walk) < 0 || git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0)
		err = pg_git_err(PG_ERROR, "cannot write the pack");
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	git_mempack_reset(s->mempack);
	return err;
}

/* --- keeping the packs few -------------------------------------------------- *
 *
 * Every transaction and every fetch adds a pack, and libgit2 looks for an
 * object in each pack in turn: a store that took a thousand publishes read
 * every object a thousand times slower.  Once there are more than
 * PG_PACKS_MAX packs, the writer (holding the lock) merges the small ones,
 * as git's repack --geometric=2 does: sorted by size, every pack smaller
 * than twice all the smaller ones together goes, with them, into one new
 * pack, so the store keeps a few packs of doubling sizes and each object
 * is rewritten about log2(N) times in the store's life, not once per 50
 * writes.  The new pack is on disk before an old one goes, so a kill at any
 * point leaves every object readable.  A pack with a .keep is left as is. */

struct pack_file {
	char *name; /* "pack-<hex>" */
	uint64_t size;
};

static int cmp_pack_size(const void *a, const void *b)
{
	uint64_t x = ((const struct pack_file *)a)->size, y = ((const struct pack_file *)b)->size;
	return x < y ? -1 : x > y;
}

/* The store's packs without a .keep, smallest first; -1 if unreadable. */
static int list_packs(struct pack_file **out, size_t *n, const char *packdir)
{
	char **all;
	size_t nall;
	*out = NULL;
	*n = 0;
	if (pg_dir_list(&all, &nall, packdir) < 0)
		return -1;
	for (size_t i = 0; i < nall; i++) {
		size_t len = strlen(all[i]);
		if (len <= 9 || strncmp(all[i], "pack-", 5) || strcmp(all[i] + len - 4, ".idx"))
			continue;
		char *base = pg_strndup(all[i], len - 4);
		char *keep = pg_asprintf("%s/%s.keep", packdir, base), *pack = pg_asprintf("%s/%s.pack", packdir, base);
		struct stat st;
		if (access(keep, F_OK) != 0 && stat(pack, &st) == 0) {
			*out = pg_realloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = (struct pack_file){ base, (uint64_t)st.st_size };
			base = NULL;
		}
		free(base);
		free(keep);
		free(pack);
	}
	pg_dir_list_free(all, nall);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_pack_size);
	return 0;
}

static int insert_object(const git_oid *id, void *data)
{
	return git_packbuilder_insert(data, id, NULL);
}

/* Loose ref files under dir (relative to .pg/), recursively, up to cap. */
static size_t loose_refs(const char *pgdir, const char *dir, size_t cap)
{
	char *path = pg_path_join(pgdir, dir), **names;
	size_t n, count = 0;
	if (pg_dir_list(&names, &n, path) == 0) {
		for (size_t i = 0; i < n && count < cap; i++) {
			char *sub = pg_asprintf("%s/%s", dir, names[i]), *full = pg_path_join(pgdir, sub);
			struct stat st;
			if (lstat(full, &st) == 0)
				count += S_ISDIR(st.st_mode) ? loose_refs(pgdir, sub, cap - count) : S_ISREG(st.st_mode);
			free(full);
			free(sub);
		}
		pg_dir_list_free(names, n);
	}
	free(path);
	return count;
}

/* Every command reads every log's ref; as loose files that is a file
 * each (a thousand opens and reads for a store of a thousand logs).  Past
 * PG_LOOSE_REFS_MAX of them they go into packed-refs, as git pack-refs
 * does; the lock file git takes meanwhile is noted (pg_store_note). */
static int pack_refs(pg_store *s)
{
	git_refdb *db = NULL;
	int err = 0;
	if (loose_refs(s->path, "refs/pg", PG_LOOSE_REFS_MAX + 1) <= PG_LOOSE_REFS_MAX)
		return 0;
	/* git locks packed-refs, then each loose ref as it removes it */
	if ((err = pg_store_note(s, "packed-refs.lock")) < 0 || (err = pg_store_note(s, "refs/pg/")) < 0)
		return err;
	if (git_repository_refdb(&db, s->repo) < 0 || git_refdb_compress(db) < 0)
		err = pg_git_err(PG_ERROR, "cannot pack the store's refs");
	git_refdb_free(db);
	return err;
}

int pg_store_repack(pg_store *s, size_t limit)
{
	char *packdir = pg_path_join(s->path, "objects/pack");
	struct pack_file *p = NULL;
	size_t n = 0, merge = 0;
	git_packbuilder *pb = NULL;
	git_odb *small = NULL;
	int err = 0;
	if ((err = pack_refs(s)) < 0 || list_packs(&p, &n, packdir) < 0 || n <= limit)
		goto done;
	uint64_t below = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && p[i].size < 2 * below)
			merge = i + 1;
		below += p[i].size;
	}
	if (merge < 2)
		merge = n - 1; /* all but the largest */
	if (git_odb_new(&small) < 0 || git_packbuilder_new(&pb, s->repo) < 0)
		goto git_fail;
	for (size_t i = 0; i < merge; i++) {
		git_odb_backend *b;
		char *idx = pg_asprintf("%s/%s.idx", packdir, p[i].name);
		int e = git_odb_backend_one_pack(&b, idx);
		free(idx);
		if (e < 0 || git_odb_add_backend(small, b, 1) < 0)
			goto git_fail;
	}
	git_packbuilder_set_threads(pb, pg_par_threads());
	if (git_odb_foreach(small, insert_object, pb) < 0 || git_packbuilder_write(pb, NULL, 0, NULL, NULL) < 0)
		goto git_fail;
	char *made = pg_asprintf("pack-%s", git_packbuilder_name(pb));
	for (size_t i = 0; i < merge; i++) {
		if (!strcmp(p[i].name, made))
			continue;
		/* the index first: without it no one looks in the pack */
		static const char *const ext[] = { ".idx", ".pack", ".rev", ".bitmap", ".promisor" };
		for (size_t e = 0; e < sizeof(ext) / sizeof(*ext); e++) {
			char *f = pg_asprintf("%s/%s%s", packdir, p[i].name, ext[e]);
			unlink(f);
			free(f);
		}
	}
	free(made);
	goto done;
git_fail:
	err = pg_git_err(PG_ERROR, "cannot repack the store");
done:
	for (size_t i = 0; i < n; i++)
		free(p[i].name);
	free(p);
	free(packdir);
	git_odb_free(small);
	git_packbuilder_free(pb);
	return err;
}

int pg_txn_commit(pg_txn *t)
{
	git_oid old = t->parent, tip;
	int had_parent = t->has_parent, err = 0;
	git_reference *ref = NULL;
	char name[sizeof(PG_REF_PREFIX) + PG_HEX_LEN];

	if (t->n == 0)
		goto done;
	/* one order for a batch, whatever order it was staged in; drop
	 * objects staged twice */
	qsort(t->st, t->n, sizeof(*t->st), cmp_staged);
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (k && !memcmp(t->st[k - 1].obj->id, t->st[i].obj->id, PG_ID_LEN)) {
			pg_object_free(t->st[i].obj);
			continue;
		}
		t->st[k++] = t->st[i];
	}
	t->n = k;
	for (size_t from = 0; from < t->n && err == 0; from += PG_LOG_ADDS_MAX) {
		size_t to = from + PG_LOG_ADDS_MAX < t->n ? from + PG_LOG_ADDS_MAX : t->n;
		err = commit_entry(t, from, to, &tip);
	}
	if (err == 0)
		err = write_pack(t->s, &tip, had_parent ? &old : NULL);
	if (err < 0)
		goto done;
	ref_name(name, t->key->pk);
	char *lockfile = pg_asprintf("%s.lock", name);
	err = pg_store_note(t->s, lockfile);
	free(lockfile);
	if (err < 0)
		goto done;
	if ((had_parent ? git_reference_create_matching(&ref, t->s->repo, name, &tip, 1, &old, "pg publish")
			: git_reference_create(&ref, t->s->repo, name, &tip, 0, "pg publish")) < 0)
		err = pg_git_err(PG_ERROR, "cannot move the log ref (did another process write to this log?)");
	/* published; a repack that fails leaves the packs as they were, and
	 * the next writer tries again */
	if (err == 0)
		(void)pg_store_repack(t->s, PG_PACKS_MAX);
done:
	git_reference_free(ref);
	if (err == 0)
		t->done = 1;
	pg_store_unlock(t->s);
	return err;
}

void pg_txn_free(pg_txn *t)
{
	if (!t)
		return;
	if (!t->done && t->s->mempack)
		git_mempack_reset(t->s->mempack); /* nothing staged reaches the disk */
	t->s->staging = 0;
	for (size_t i = 0; i < t->n; i++)
		pg_object_free(t->st[i].obj);
	free(t->st);
	git_tree_free(t->base);
	pg_store_unlock(t->s);
	free(t);
}

/* --- walking and verifying --------------------------------------------- */

static void entry_clear(pg_log_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		pg_object_free(e->objects[i]);
	free(e->objects);
	free(e->blobs);
	free(e->payload_blobs);
	pg_object_free(e->manifest);
	e->objects = NULL;
	e->blobs = e->payload_blobs = NULL;
	e->manifest = NULL;
	e->n = 0;
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, PG_ID_LEN);
}

/* Check one payload blob: size, hash and every entry. */
static int verify_payload(git_repository *repo, const git_oid *blob_oid, const uint8_t pid[PG_ID_LEN], uint64_t size)
{
	git_blob *blob;
	uint8_t h[PG_ID_LEN];
	size_t len;
	int err = object_size(repo, blob_oid, &len);
	if (err < 0)
		return err;
	if (len != size)
		return pg_error_set(PG_EINTEGRITY, "payload is %zu bytes, its object says %llu (it was not read)", len,
				    (unsigned long long)size);
	if (len > PG_PAYLOAD_MAX)
		return pg_error_set(PG_EINVALID, "payload larger than %u bytes (%zu; it was not read)", PG_PAYLOAD_MAX, len);
	if (git_blob_lookup(&blob, repo, blob_oid) < 0)
		return pg_git_err(PG_EINTEGRITY, "cannot read payload");
	const void *data = git_blob_rawcontent(blob);
	pg_hash(h, data, len);
	if (memcmp(h, pid, PG_ID_LEN))
		err = pg_error_set(PG_EINTEGRITY, "payload does not match its hash");
	else
		err = pg_payload_scan(NULL, data, len);
	git_blob_free(blob);
	return err;
}

/* A payload an entry adds, waiting to be checked once. */
struct new_payload {
	git_oid blob;
	uint8_t pid[PG_ID_LEN];
	uint64_t size;
	const char *obj; /* an object naming it, for messages */
	int err;         /* the check's outcome, and its message */
	char *msg;
};

static int cmp_new_payload(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct new_payload *)a)->blob, &((const struct new_payload *)b)->blob);
}

/* One object an entry adds.  The checks that need only the object run on
 * the pool's threads (pg_par_run), which is where a walk spends its time:
 * inflating, hashing, verifying the signature; the outcome waits here, so
 * that the walk reports the first failure in the manifest's order, as a
 * walk on one thread would. */
struct item {
	const char *hex; /* the manifest's add value */
	int err;         /* < 0: this object's first failure */
	int bare;        /* its message is not prefixed with the object */
	char *msg;       /* the message (pg's error is per thread) */
};

struct entry_work {
	pg_store *s;
	pg_log_entry *e;
	struct item *items;
	struct new_payload *fresh;
	int verify, first; /* first: the log's first entry */
};

static void keep_error(int *err_out, char **msg_out, int err)
{
	*err_out = err;
	*msg_out = pg_strdup(pg_error_last());
}

/* Read, hash, decode and check object i of the entry (on worker w). */
static void load_object(void *data, size_t i, unsigned w)
{
	struct entry_work *ew = data;
	pg_log_entry *e = ew->e;
	struct item *it = &ew->items[i];
	git_repository *repo = worker_repo(ew->s, w);
	git_blob *blob = NULL;
	uint8_t id[PG_ID_LEN], h[PG_ID_LEN];
	size_t len;
	int err, verify = ew->verify;

	if (it->err)
		return;
	if (!repo) {
		err = pg_git_err(PG_ERROR, "cannot open the store on another thread");
		goto fail;
	}
	if ((err = object_size(repo, &e->blobs[i], &len)) < 0)
		goto fail;
	if (len > PG_OBJECT_MAX) {
		err = pg_error_set(PG_EINVALID, "object larger than %d bytes (%zu; it was not read)", PG_OBJECT_MAX, len);
		goto fail;
	}
	if (git_blob_lookup(&blob, repo, &e->blobs[i]) < 0) {
		err = pg_git_err(PG_EINTEGRITY, "cannot read object");
		goto fail;
	}
	const char *bytes = git_blob_rawcontent(blob);
	pg_unhex(id, it->hex, PG_ID_LEN);
	/* decoding hashes the bytes (o->id); only a failed decode hashes them
	 * here, so that content not matching its id is reported as such */
	err = pg_object_decode(&e->objects[i], bytes, len, verify ? 0 : PG_DECODE_NOVERIFY);
	if (verify && (err < 0 ? (pg_hash(h, bytes, len), memcmp(h, id, PG_ID_LEN))
			       : memcmp(e->objects[i]->id, id, PG_ID_LEN))) {
		err = pg_error_set(PG_EINTEGRITY, "content does not match its id");
		goto fail;
	}
	if (err < 0)
		goto fail;
	git_blob_free(blob);
	blob = NULL;
	pg_object *o = e->objects[i];
	if (o->type == PG_T_LOG) {
		err = pg_error_set(PG_EINVALID, "a log manifest stored as an object");
		goto fail;
	}
	if (memcmp(o->author, e->publisher, PG_PK_LEN)) {
		err = pg_error_set(PG_EINTEGRITY, "signed by another key than the log's publisher");
		goto fail;
	}
	if (verify && (err = pg_result_check(o)) < 0)
		goto fail;
	if (verify && ew->first && i == 0 && o->type != PG_T_IDENTITY) {
		err = pg_error_set(PG_EINVALID, "a log must begin with its publisher's identity");
		goto fail;
	}
	return;
fail:
	git_blob_free(blob);
	keep_error(&it->err, &it->msg, err);
}

/* Check new payload i (on worker w); duplicates were marked err = 1. */
static void check_payload(void *data, size_t i, unsigned w)
{
	struct entry_work *ew = data;
	struct new_payload *np = &ew->fresh[i];
	git_repository *repo = worker_repo(ew->s, w);
	int err;
	if (np->err)
		return;
	if (!repo)
		err = pg_git_err(PG_ERROR, "cannot open the store on another thread");
	else
		err = verify_payload(repo, &np->blob, np->pid, np->size);
	if (err < 0)
		keep_error(&np->err, &np->msg, err);
}

/* Load and (optionally) verify one log entry against its parent's state. */
static int load_entry(pg_store *s, pg_log_entry *e, git_commit *c, git_tree *parent_tree,
		      uint64_t prev_seq, const uint8_t *prev_hash, unsigned flags)
{
	int verify = flags & PG_WALK_VERIFY, err;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	char path[2 + 3 + PG_HEX_LEN + 1];
	const char *msg = git_commit_message_raw(c);
	struct item *items = NULL;
	struct new_payload *fresh = NULL;
	uint8_t(*ids)[PG_ID_LEN] = NULL;

	if ((err = pg_object_decode(&e->manifest, msg, strlen(msg), verify ? 0 : PG_DECODE_NOVERIFY)) < 0)
		return pg_error_prefix(err, "manifest");
	pg_object *m = e->manifest;
	if (m->type != PG_T_LOG)
		return pg_error_set(PG_EINVALID, "manifest is a %s object, not a log entry", pg_otype_name(m->type));
	if (memcmp(m->author, e->publisher, PG_PK_LEN))
		return pg_error_set(PG_EINTEGRITY, "manifest is signed by another key than the log's publisher");
	e->seq = strtoull(pg_object_get(m, "seq"), NULL, 10);
	if (e->seq != prev_seq + 1)
		return pg_error_set(PG_EINTEGRITY, "seq %llu follows seq %llu (must go up by exactly one)",
				    (unsigned long long)e->seq, (unsigned long long)prev_seq);
	const char *prev = pg_object_get(m, "prev");
	if (prev_seq == 0 ? prev != NULL : !prev)
		return pg_error_set(PG_EINTEGRITY, prev ? "first entry names a previous manifest"
							: "entry does not name the previous manifest");
	if (prev) {
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, prev_hash, PG_ID_LEN);
		if (strcmp(hex, prev))
			return pg_error_set(PG_EINTEGRITY, "prev %.12s is not the hash of the previous manifest %.12s", prev, hex);
	}
	if (git_commit_parentcount(c) != (prev_seq ? 1u : 0u))
		return pg_error_set(PG_EINTEGRITY, "log commit has %u parents", git_commit_parentcount(c));
	if (git_commit_tree(&tree, c) < 0)
		return pg_git_err(PG_EINTEGRITY, "cannot read the entry's tree");

	for (size_t i = 0; i < m->nfields; i++)
		if (!strcmp(m->fields[i].key, "add"))
			e->n++;
	e->objects = pg_calloc(e->n, sizeof(*e->objects));
	e->blobs = pg_calloc(e->n, sizeof(*e->blobs));
	e->payload_blobs = pg_calloc(e->n, sizeof(*e->payload_blobs));
	ids = pg_calloc(e->n, PG_ID_LEN);
	items = pg_calloc(e->n, sizeof(*items));
	fresh = pg_calloc(e->n, sizeof(*fresh));
	size_t expect = 0, nfresh = 0;

	/* where each object is: the trees are the caller's thread's */
	for (size_t i = 0, j = 0; i < m->nfields; i++) {
		if (strcmp(m->fields[i].key, "add"))
			continue;
		struct item *it = &items[j];
		it->hex = m->fields[i].value;
		pg_unhex(ids[j], it->hex, PG_ID_LEN);
		object_path(path, 'o', ids[j]);
		if (!tree_has(&e->blobs[j], tree, path)) {
			err = pg_error_set(PG_EINTEGRITY, "object %.12s is in the manifest but not in the tree", it->hex);
			keep_error(&it->err, &it->msg, err);
			it->bare = 1;
		} else if (verify && tree_has(NULL, parent_tree, path)) {
			err = pg_error_set(PG_EINTEGRITY, "object %.12s was already added by an earlier entry", it->hex);
			keep_error(&it->err, &it->msg, err);
			it->bare = 1;
		}
		j++;
	}
	err = 0;
	/* the objects themselves, on every core unless a transaction holds
	 * objects only this thread's repository can see */
	struct entry_work ew = { s, e, items, fresh, verify, prev_seq == 0 };
	if (s->staging)
		for (size_t j = 0; j < e->n; j++)
			load_object(&ew, j, 0);
	else
		pg_par_run(e->n, load_object, &ew);

	for (size_t j = 0; j < e->n; j++) {
		struct item *it = &items[j];
		if (it->err) {
			err = pg_error_set(it->err, "%s", it->msg);
			if (it->bare)
				goto done;
			goto obj_fail;
		}
		pg_object *o = e->objects[j];
		expect++;
		uint8_t pid[PG_ID_LEN];
		uint64_t psize;
		if (pg_type_schema_get(o->type)->has_payload && pg_object_payload(o, pid, &psize) == 0) {
			object_path(path, 'p', pid);
			if (!tree_has(&e->payload_blobs[j], tree, path)) {
				err = pg_error_set(PG_EINTEGRITY, "payload %.12s is missing", path + 5);
				goto obj_fail;
			}
			if (verify && !tree_has(NULL, parent_tree, path)) {
				/* new here; objects may share it, so it is checked
				 * and counted once, after the loop */
				struct new_payload *np = &fresh[nfresh++];
				np->blob = e->payload_blobs[j];
				memcpy(np->pid, pid, PG_ID_LEN);
				np->size = psize;
				np->obj = it->hex;
			}
		}
		continue;
	obj_fail:
		pg_error_prefix(err, "object %.12s", it->hex);
		goto done;
	}

	if (verify) {
		if (nfresh)
			qsort(fresh, nfresh, sizeof(*fresh), cmp_new_payload);
		for (size_t i = 0; i < nfresh; i++)
			if (i && git_oid_equal(&fresh[i - 1].blob, &fresh[i].blob))
				fresh[i].err = 1; /* checked as fresh[i - 1] */
			else
				expect++;
		if (s->staging)
			for (size_t i = 0; i < nfresh; i++)
				check_payload(&ew, i, 0);
		else
			pg_par_run(nfresh, check_payload, &ew);
		for (size_t i = 0; i < nfresh; i++)
			if (fresh[i].err < 0) {
				err = pg_error_set(fresh[i].err, "%s", fresh[i].msg);
				pg_error_prefix(err, "object %.12s", fresh[i].obj);
				goto done;
			}
		qsort(ids, e->n, PG_ID_LEN, cmp_id);
		for (size_t i = 1; i < e->n; i++)
			if (!memcmp(ids[i - 1], ids[i], PG_ID_LEN)) {
				err = pg_error_set(PG_EINVALID, "manifest adds one object twice");
				goto done;
			}
		/* the tree is the parent's plus exactly what the manifest adds */
		git_diff_options dopts;
		git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
		dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
		if (git_diff_tree_to_tree(&diff, s->repo, parent_tree, tree, &dopts) < 0) {
			err = pg_git_err(PG_EINTEGRITY, "cannot compare the entry's tree with its parent's");
			goto done;
		}
		size_t nd = git_diff_num_deltas(diff);
		for (size_t i = 0; i < nd; i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			if (d->status != GIT_DELTA_ADDED) {
				err = pg_error_set(PG_EINTEGRITY, "tree changes '%s' instead of only adding", d->new_file.path);
				goto done;
			}
		}
		if (nd != expect) {
			err = pg_error_set(PG_EINTEGRITY, "tree adds %zu files, the manifest accounts for %zu", nd, expect);
			goto done;
		}
	}
done:
	if (items)
		for (size_t j = 0; j < e->n; j++)
			free(items[j].msg);
	if (fresh)
		for (size_t i = 0; i < nfresh; i++)
			free(fresh[i].msg);
	free(items);
	free(ids);
	free(fresh);
	git_diff_free(diff);
	git_tree_free(tree);
	return err;
}

int pg_log_walk(pg_store *s, const uint8_t publisher[PG_PK_LEN], const git_oid *tip,
		const git_oid *since, unsigned flags, pg_log_cb cb, void *data)
{
	git_commit **chain = NULL, *c = NULL;
	size_t n = 0;
	git_tree *parent_tree = NULL;
	uint64_t seq = 0;
	uint8_t prev[PG_ID_LEN] = { 0 };
	pg_log_entry e;
	int err = 0;
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, publisher, PG_PK_LEN);
	memset(&e, 0, sizeof(e));

	/* newest to oldest along first parents, stopping at 'since' */
	git_oid cur = *tip;
	for (;;) {
		if (since && git_oid_equal(&cur, since))
			break;
		if ((err = pg_store_commit(&c, s, &cur)) < 0)
			goto done;
		chain = pg_realloc(chain, (n + 1) * sizeof(*chain));
		chain[n++] = c;
		if (git_commit_parentcount(c) == 0) {
			if (since) {
				err = pg_error_set(PG_EINTEGRITY, "log no longer contains entry %.12s that was adopted before",
						   git_oid_tostr_s(since));
				goto done;
			}
			break;
		}
		cur = *git_commit_parent_id(c, 0);
	}
	if (since) {
		pg_object *m;
		if ((err = read_manifest(&m, s, since, PG_DECODE_NOVERIFY)) < 0 ||
		    (err = tree_of(&parent_tree, s, since)) < 0)
			goto done;
		seq = strtoull(pg_object_get(m, "seq"), NULL, 10);
		memcpy(prev, m->id, PG_ID_LEN);
		pg_object_free(m);
	}
	for (size_t i = n; i-- > 0;) {
		memcpy(e.publisher, publisher, PG_PK_LEN);
		git_oid_cpy(&e.commit, git_commit_id(chain[i]));
		if ((err = load_entry(s, &e, chain[i], parent_tree, seq, prev, flags)) < 0) {
			pg_error_prefix(err, "log %.12s seq %llu (commit %.10s)", hex,
					(unsigned long long)(seq + 1), git_oid_tostr_s(&e.commit));
			goto done;
		}
		if (cb && (err = cb(&e, data)) < 0)
			goto done;
		seq = e.seq;
		memcpy(prev, e.manifest->id, PG_ID_LEN);
		git_tree_free(parent_tree);
		if (git_commit_tree(&parent_tree, chain[i]) < 0) {
			parent_tree = NULL;
			err = pg_git_err(PG_EINTEGRITY, "cannot read a log tree");
			goto done;
		}
		entry_clear(&e);
	}
done:
	entry_clear(&e);
	git_tree_free(parent_tree);
	for (size_t i = 0; i < n; i++)
		git_commit_free(chain[i]);
	free(chain);
	return err;
}

/* --- records: JSON lines beside the repository ---------------------------- */

int pg_store_read_lines(pg_store *s, const char *file, size_t limit,
			int (*cb)(const char *line, size_t len, void *data), void *data)
{
	char *path = pg_path_join(pg_store_path(s), file);
	pg_buf b = PG_BUF_INIT;
	int err = pg_read_file(&b, path, limit);
	free(path);
	if (err == PG_ENOTFOUND) {
		pg_error_clear();
		return 0;
	}
	for (const char *p = b.ptr, *end = b.ptr + b.len; err == 0 && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* a line cut short by a crash is not a record */
		err = cb(p, (size_t)(nl - p), data);
		p = nl + 1;
	}
	pg_buf_free(&b);
	return err;
}

int pg_store_append_line(pg_store *s, const char *file, const char *line)
{
	char *path = pg_path_join(pg_store_path(s), file);
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644), err = 0;
	size_t len = strlen(line);
	/* a line cut short by a crash is ended first, or this record would
	 * join it and be lost with it */
	struct stat st;
	char last = '\n';
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n' && write(fd, "\n", 1) != 1)
		last = 0;
	char *rec = pg_asprintf("%s\n", line);
	if (fd < 0 || !last || write(fd, rec, len + 1) != (ssize_t)(len + 1) || fsync(fd) < 0)
		err = pg_error_set(PG_ERROR, "cannot append to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(rec);
	free(path);
	return err;
}
