/* bundle.c - write, read and import bundles: logs as one zstd-compressed tar
 *
 * A bundle carries what a fetch would: log segments as a git pack.  It is
 * read as hostile input: three regular files with fixed names, in a fixed
 * order, each under a size limit checked before its bytes are read; the
 * pack goes through git's indexer (its checksums) and then every log
 * through pg_adopt, like a fetch.  See docs/format.md section 12.
 */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEADER_LINE "pg bundle 1\n"
#define TREE_DEPTH_MAX 32   /* pg's trees are o/ab/<id>: 3 deep */
#define PACK_ENTRY_MIN 8    /* bytes: a type byte and the smallest zlib stream */
#define CHUNK 65536

static const char *const entry_names[3] = { "pg-bundle", "refs", "pack" };

static int cmp_ref(const void *a, const void *b)
{
	return memcmp(((const pg_bundle_ref *)a)->publisher, ((const pg_bundle_ref *)b)->publisher, PG_PK_LEN);
}

/* --- choosing the logs ------------------------------------------------------ */

struct pick {
	int has_since;
	int64_t since;
	int first;
	char tip[GIT_OID_HEXSZ + 1];
	uint64_t tip_seq;
	char base[GIT_OID_HEXSZ + 1]; /* "" when every entry is since */
	uint64_t base_seq;
};

/* pg_index_entries callback, newest first: the tip's seq, then the first
 * entry older than since. */
static int pick_entry(const pg_index_entry *e, void *data)
{
	struct pick *p = data;
	if (p->first) {
		p->first = 0;
		memcpy(p->tip, e->commit, sizeof(p->tip));
		p->tip_seq = e->seq;
	}
	if (!p->has_since)
		return 1;
	if (e->date < p->since) {
		memcpy(p->base, e->commit, sizeof(p->base));
		p->base_seq = e->seq;
		return 1;
	}
	return 0;
}

/* Fill r for one publisher; 1 when its log has nothing since. */
static int select_one(pg_bundle_ref *r, pg_store *s, pg_index *x, const uint8_t pk[PG_PK_LEN], int has_since,
		      int64_t since)
{
	char hex[PG_HEX_LEN + 1];
	struct pick p = { has_since, since, 1, "", 0, "", 0 };
	int err;
	memset(r, 0, sizeof(*r));
	memcpy(r->publisher, pk, PG_PK_LEN);
	if ((err = pg_store_tip(&r->tip, s, pk)) < 0)
		return err;
	pg_hex(hex, pk, PG_PK_LEN);
	if ((err = pg_index_entries(x, hex, pick_entry, &p)) < 0)
		return err;
	git_oid indexed_tip;
	int known = *p.tip && git_oid_fromstr(&indexed_tip, p.tip) == 0 && git_oid_equal(&indexed_tip, &r->tip);
	if (*p.base) {
		if (git_oid_fromstr(&r->base, p.base) < 0)
			return pg_error_set(PG_ERROR, "the index holds a bad commit id for log %.12s", hex);
		if (git_oid_equal(&r->base, &r->tip))
			return 1;
		if (git_graph_descendant_of(pg_store_repo(s), &r->tip, &r->base) != 1)
			return pg_error_set(PG_EINTEGRITY, "the index says seq %llu of log %.12s is commit %.10s, which is "
							   "not in the log: 'pg reindex' rebuilds the index",
					    (unsigned long long)p.base_seq, hex, p.base);
	}
	if (known) {
		r->from_seq = *p.base ? p.base_seq + 1 : 1;
		r->to_seq = p.tip_seq;
	}
	return 0;
}

int pg_bundle_select(pg_bundle_ref **out, size_t *n, pg_store *s, pg_index *x, const uint8_t *publisher,
		     int has_since, int64_t since)
{
	uint8_t(*pubs)[PG_PK_LEN] = NULL;
	size_t npubs = 0;
	int err = 0;
	*out = NULL;
	*n = 0;
	if (publisher) {
		pubs = pg_malloc(PG_PK_LEN);
		memcpy(pubs[0], publisher, PG_PK_LEN);
		npubs = 1;
	} else if ((err = pg_store_publishers(&pubs, &npubs, s)) < 0) {
		return err;
	}
	pg_bundle_ref *r = pg_calloc(npubs + 1, sizeof(*r));
	for (size_t i = 0; i < npubs && err == 0; i++) {
		int e = select_one(&r[*n], s, x, pubs[i], has_since, since);
		if (e < 0)
			err = e;
		else if (e == 0)
			(*n)++;
	}
	if (err == 0 && *n == 0) {
		char date[32], hex[PG_HEX_LEN + 1];
		pg_format_date(date, since);
		if (publisher)
			pg_hex(hex, publisher, PG_PK_LEN);
		if (!npubs)
			err = pg_error_set(PG_ENOTFOUND, "nothing to bundle: this store holds no logs");
		else if (publisher)
			err = pg_error_set(PG_ENOTFOUND, "nothing to bundle: the log of %.12s has no entries since %s",
					   hex, date);
		else
			err = pg_error_set(PG_ENOTFOUND, "nothing to bundle: no log has entries since %s", date);
	}
	free(pubs);
	if (err < 0) {
		free(r);
		*n = 0;
		return err;
	}
	qsort(r, *n, sizeof(*r), cmp_ref);
	*out = r;
	return 0;
}

/* --- writing --------------------------------------------------------------- */

/* Insert tree t and, recursively, every entry of it that parent tree p
 * (NULL: none) does not hold with the same id: what a log commit adds
 * over its parent.  Entries are looked up by name, so this costs what is
 * new, not the size of the tree. */
static int add_tree_diff(git_packbuilder *pb, git_repository *repo, const git_tree *t, const git_tree *p, int depth)
{
	if (depth > TREE_DEPTH_MAX)
		return pg_error_set(PG_EINTEGRITY, "a log tree is more than %d levels deep", TREE_DEPTH_MAX);
	if (git_packbuilder_insert(pb, git_tree_id(t), NULL) < 0)
		return pg_git_err(PG_ERROR, "cannot add a tree to the pack");
	size_t n = git_tree_entrycount(t);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const git_tree_entry *pe = p ? git_tree_entry_byname(p, git_tree_entry_name(e)) : NULL;
		if (pe && git_oid_equal(git_tree_entry_id(pe), git_tree_entry_id(e)))
			continue;
		git_object_t type = git_tree_entry_type(e);
		if (type == GIT_OBJECT_BLOB) {
			if (git_packbuilder_insert(pb, git_tree_entry_id(e), git_tree_entry_name(e)) < 0)
				return pg_git_err(PG_ERROR, "cannot add a blob to the pack");
			continue;
		}
		if (type != GIT_OBJECT_TREE)
			return pg_error_set(PG_EINTEGRITY, "a log tree holds '%s', which is neither a file nor a tree",
					    git_tree_entry_name(e));
		git_tree *sub = NULL, *psub = NULL;
		int err = 0;
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0 ||
		    (pe && git_tree_entry_type(pe) == GIT_OBJECT_TREE && git_tree_lookup(&psub, repo, git_tree_entry_id(pe)) < 0))
			err = pg_git_err(PG_EINTEGRITY, "cannot read a log tree");
		else
			err = add_tree_diff(pb, repo, sub, psub, depth + 1);
		git_tree_free(sub);
		git_tree_free(psub);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Insert one log's segment: the commits from tip back along first
 * parents to base (excluded; zero: to the first entry), each with what
 * its tree adds over its parent's. */
static int add_segment(git_packbuilder *pb, git_repository *repo, const pg_bundle_ref *r, uint64_t *commits)
{
	git_oid cur = r->tip;
	int has_base = !git_oid_is_zero(&r->base), err = 0;
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, r->publisher, PG_PK_LEN);
	while (err == 0 && !(has_base && git_oid_equal(&cur, &r->base))) {
		git_commit *c = NULL, *parent = NULL;
		git_tree *t = NULL, *pt = NULL;
		if (git_commit_lookup(&c, repo, &cur) < 0 || git_commit_tree(&t, c) < 0) {
			err = pg_git_err(PG_EINTEGRITY, "cannot read a commit of the log");
		} else if (git_commit_parentcount(c) > 0 &&
			   (git_commit_parent(&parent, c, 0) < 0 || git_commit_tree(&pt, parent) < 0)) {
			err = pg_git_err(PG_EINTEGRITY, "cannot read a commit of the log");
		} else if (git_packbuilder_insert(pb, &cur, NULL) < 0) {
			err = pg_git_err(PG_ERROR, "cannot add a commit to the pack");
		} else if ((err = add_tree_diff(pb, repo, t, pt, 0)) == 0) {
			(*commits)++;
			if (parent)
				git_oid_cpy(&cur, git_commit_id(parent));
			else if (has_base)
				err = pg_error_set(PG_EINVALID, "the log of %.12s does not contain the base commit", hex);
		}
		int root = c && !parent;
		git_tree_free(t);
		git_tree_free(pt);
		git_commit_free(parent);
		git_commit_free(c);
		if (root)
			break;
	}
	if (err < 0)
		pg_error_prefix(err, "log %.12s", hex);
	return err;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int pack_chunk(void *buf, size_t size, void *payload)
{
	int *fd = payload;
	return write_all(*fd, buf, size) < 0 ? -1 : 0;
}

static int put_entry(struct archive *a, struct archive_entry *e, const char *name, uint64_t size)
{
	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return pg_error_set(PG_ERROR, "cannot write the bundle's '%s': %s", name, archive_error_string(a));
	return 0;
}

static int put_data(struct archive *a, const char *name, const void *data, size_t len)
{
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return pg_error_set(PG_ERROR, "cannot write the bundle's '%s': %s", name, archive_error_string(a));
	return 0;
}

/* The tar itself, written to fd: the three entries, the pack copied
 * from packfd (packlen bytes). */
static int write_tar(int fd, const pg_buf *refs, int packfd, uint64_t packlen)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int err = 0, r;
	if (!a || !e)
		abort();
	archive_write_set_format_pax_restricted(a);
	r = archive_write_add_filter_zstd(a);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		err = pg_error_set(PG_ERROR, "cannot compress with zstd: %s", archive_error_string(a));
		goto done;
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		err = pg_error_set(PG_ERROR, "cannot start the bundle: %s", archive_error_string(a));
		goto done;
	}
	if ((err = put_entry(a, e, entry_names[0], strlen(HEADER_LINE))) < 0 ||
	    (err = put_data(a, entry_names[0], HEADER_LINE, strlen(HEADER_LINE))) < 0 ||
	    (err = put_entry(a, e, entry_names[1], refs->len)) < 0 ||
	    (err = put_data(a, entry_names[1], refs->ptr, refs->len)) < 0 ||
	    (err = put_entry(a, e, entry_names[2], packlen)) < 0)
		goto done;
	char *buf = pg_malloc(CHUNK);
	for (uint64_t left = packlen; left && err == 0;) {
		ssize_t k = pread(packfd, buf, left < CHUNK ? (size_t)left : CHUNK, (off_t)(packlen - left));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			err = pg_error_set(PG_ERROR, "cannot read back the pack: %s", k < 0 ? strerror(errno) : "cut short");
		else if ((err = put_data(a, entry_names[2], buf, (size_t)k)) == 0)
			left -= (uint64_t)k;
	}
	free(buf);
	if (err == 0 && archive_write_close(a) != ARCHIVE_OK)
		err = pg_error_set(PG_ERROR, "cannot finish the bundle: %s", archive_error_string(a));
done:
	archive_entry_free(e);
	archive_write_free(a);
	return err;
}

/* Rename tmp to path; without force, never over an existing path. */
static int put_in_place(const char *tmp, const char *path, int force)
{
	if (force ? rename(tmp, path) == 0 : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (!force && (errno == EINVAL || errno == ENOSYS)) {
		/* a file system without RENAME_NOREPLACE: check, then rename */
		struct stat st;
		if (lstat(path, &st) == 0)
			errno = EEXIST;
		else if (rename(tmp, path) == 0)
			return 0;
	}
	if (errno == EEXIST)
		return pg_error_set(PG_EEXISTS, "'%s' exists: name another file, or --force to replace it", path);
	return pg_error_set(PG_ERROR, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
}

static void sync_dir_of(const char *path)
{
	char *copy = pg_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* the rename reaches the disk; best effort */
		close(fd);
	}
	free(copy);
}

int pg_bundle_create(pg_bundle_stats *st, pg_store *s, const char *path, const pg_bundle_ref *refs, size_t n,
		     int force)
{
	git_repository *repo = pg_store_repo(s);
	git_packbuilder *pb = NULL;
	pg_buf lines = PG_BUF_INIT;
	char *tmp = pg_asprintf("%s.tmp", path), *packtmp = pg_asprintf("%s.tmp-pack-XXXXXX", path);
	int packfd = -1, fd = -1, err = 0;
	struct stat sb;
	memset(st, 0, sizeof(*st));
	if (!force && lstat(path, &sb) == 0) {
		err = pg_error_set(PG_EEXISTS, "'%s' exists: name another file, or --force to replace it", path);
		goto done;
	}
	if (n == 0) {
		err = pg_error_set(PG_ENOTFOUND, "nothing to bundle: no logs were chosen");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		char hex[PG_HEX_LEN + 1], tip[GIT_OID_HEXSZ + 1], base[GIT_OID_HEXSZ + 1] = "-";
		assert(i == 0 || cmp_ref(&refs[i - 1], &refs[i]) < 0);
		pg_hex(hex, refs[i].publisher, PG_PK_LEN);
		git_oid_tostr(tip, sizeof(tip), &refs[i].tip);
		if (!git_oid_is_zero(&refs[i].base))
			git_oid_tostr(base, sizeof(base), &refs[i].base);
		pg_buf_printf(&lines, "%s %s %s\n", hex, tip, base);
	}

	/* the pack, into an unlinked file beside path: no size is known
	 * before it is written, and the tar header needs one */
	if ((packfd = mkstemp(packtmp)) < 0) {
		err = pg_error_set(PG_ERROR, "cannot create a file beside '%s': %s", path, strerror(errno));
		goto done;
	}
	unlink(packtmp);
	if (git_packbuilder_new(&pb, repo) < 0) {
		err = pg_git_err(PG_ERROR, "cannot start a pack");
		goto done;
	}
	git_packbuilder_set_threads(pb, 0);
	for (size_t i = 0; i < n && err == 0; i++)
		err = add_segment(pb, repo, &refs[i], &st->commits);
	if (err < 0)
		goto done;
	if (git_packbuilder_foreach(pb, pack_chunk, &packfd) < 0) {
		err = pg_error_set(PG_ERROR, "cannot write the pack beside '%s': %s", path,
				   git_error_last() ? git_error_last()->message : strerror(errno));
		goto done;
	}
	st->objects = git_packbuilder_object_count(pb);
	off_t packlen = lseek(packfd, 0, SEEK_END);

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
		err = pg_error_set(PG_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if ((err = write_tar(fd, &lines, packfd, (uint64_t)packlen)) < 0)
		goto done;
	if (fsync(fd) < 0 || fstat(fd, &sb) < 0) {
		err = pg_error_set(PG_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	st->bytes = (uint64_t)sb.st_size;
	st->logs = n;
	int c = close(fd);
	fd = -1;
	if (c < 0) {
		err = pg_error_set(PG_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if ((err = put_in_place(tmp, path, force)) == 0)
		sync_dir_of(path);
done:
	if (fd >= 0)
		close(fd);
	if (err < 0)
		unlink(tmp);
	if (packfd >= 0)
		close(packfd);
	git_packbuilder_free(pb);
	pg_buf_free(&lines);
	free(tmp);
	free(packtmp);
	return err;
}

/* --- reading ---------------------------------------------------------------- */

/* An entry name fit for a message: at most 64 bytes, control characters
 * and non-ASCII shown as '?'. */
static void shown_name(char out[72], const char *name)
{
	size_t i = 0;
	for (; name && name[i] && i < 64; i++)
		out[i] = (unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f ? '?' : name[i];
	if (name && name[i])
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
}

static const char *type_name(mode_t t)
{
	switch (t) {
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFDIR:
		return "a directory";
	case AE_IFCHR:
	case AE_IFBLK:
		return "a device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

static int damaged(struct archive *a, const char *path)
{
	const char *msg = archive_error_string(a);
	return pg_error_set(PG_EINVALID, "'%s' is damaged or cut short: %s", path, msg ? msg : "unreadable");
}

/* The next header must be entry_names[i], a regular file of at most max
 * bytes; *size is its size. */
static int next_entry(struct archive *a, const char *path, int i, uint64_t max, const char *limit, uint64_t *size)
{
	struct archive_entry *e;
	char name[72];
	int r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		return pg_error_set(PG_EINVALID, "'%s' is not a whole pg bundle: it ends before its '%s'", path,
				    entry_names[i]);
	if (r != ARCHIVE_OK) {
		if (i == 0)
			return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle (a zstd-compressed tar): %s", path,
					    archive_error_string(a) ? archive_error_string(a) : "unreadable");
		return damaged(a, path);
	}
	if (i == 0 && (archive_filter_count(a) != 2 || archive_filter_code(a, 0) != ARCHIVE_FILTER_ZSTD)) {
		if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE)
			return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: a bundle is a tar compressed with "
							 "zstd, this one is not compressed", path);
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: a bundle is a tar compressed with zstd, "
						 "this one is compressed with '%s'", path, archive_filter_name(a, 0));
	}
	shown_name(name, archive_entry_pathname(e));
	if (!archive_entry_pathname(e) || strcmp(archive_entry_pathname(e), entry_names[i]))
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: it holds '%s' where '%s' belongs (a bundle "
						 "holds only pg-bundle, refs and pack, in that order)",
				    path, name, entry_names[i]);
	if (archive_entry_hardlink(e))
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its '%s' is a hard link, not a regular file",
				    path, name);
	if (archive_entry_filetype(e) != AE_IFREG)
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its '%s' is %s, not a regular file", path,
				    name, type_name(archive_entry_filetype(e)));
	if (archive_entry_sparse_count(e) > 0)
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its '%s' is a sparse file", path, name);
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its '%s' has no size", path, name);
	*size = (uint64_t)archive_entry_size(e);
	if (*size > max)
		return pg_error_set(PG_EINVALID, "'%s' is refused: its '%s' would hold %llu bytes, more than the %llu "
						 "%s (it was not read)",
				    path, name, (unsigned long long)*size, (unsigned long long)max, limit);
	return 0;
}

/* Read the current entry's data (at most max bytes) into cb. */
static int read_data(struct archive *a, const char *path, int i, uint64_t max, uint64_t size, pg_bundle_pack_cb cb,
		     void *payload)
{
	char *buf = pg_malloc(CHUNK);
	uint64_t total = 0;
	int err = 0;
	for (;;) {
		la_ssize_t k = archive_read_data(a, buf, CHUNK);
		if (k == 0)
			break;
		if (k < 0) {
			err = damaged(a, path);
			break;
		}
		total += (uint64_t)k;
		if (total > max) { /* the header said less: it cannot, but a limit is a limit */
			err = pg_error_set(PG_EINVALID, "'%s' is refused: its '%s' holds more than %llu bytes", path,
					   entry_names[i], (unsigned long long)max);
			break;
		}
		if ((err = cb(buf, (size_t)k, size, payload)) < 0)
			break;
	}
	free(buf);
	return err;
}

static int to_buf(const void *data, size_t len, uint64_t total, void *payload)
{
	(void)total;
	pg_buf_put(payload, data, len);
	return 0;
}

static int check_header(const pg_buf *b, const char *path)
{
	const char *v = b->ptr ? b->ptr : "";
	if (b->len == strlen(HEADER_LINE) && !memcmp(v, HEADER_LINE, b->len))
		return 0;
	size_t digits = b->len > 10 ? strspn(v + 10, "0123456789") : 0;
	/* only a version above 1, in its one spelling, is a newer pg's */
	if (b->len > 10 && !memcmp(v, "pg bundle ", 10) && digits > 0 && digits < 10 && v[10] != '0' &&
	    b->len == 11 + digits && v[10 + digits] == '\n')
		return pg_error_set(PG_EINVALID, "'%s' is a version %.*s pg bundle; this pg reads version %d: "
						 "a newer pg made it, upgrade pg to import it",
				    path, (int)digits, v + 10, PG_BUNDLE_VERSION);
	return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its pg-bundle entry is not '%.*s'", path,
			    (int)strlen(HEADER_LINE) - 1, HEADER_LINE);
}

/* An oid of exactly 40 lowercase hex digits, not all zero. */
static int oid_field(git_oid *out, const char *p)
{
	return pg_is_hex(p, GIT_OID_HEXSZ) && git_oid_fromstrn(out, p, GIT_OID_HEXSZ) == 0 && !git_oid_is_zero(out)
		? 0 : -1;
}

static int parse_refs(pg_bundle_ref **out, size_t *n, const pg_buf *b, const char *path)
{
	size_t lines = 0, cap = 0;
	const size_t plen = PG_HEX_LEN + 1 + GIT_OID_HEXSZ + 1;
	*out = NULL;
	*n = 0;
	if (b->len == 0)
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its refs list no logs", path);
	if (b->ptr[b->len - 1] != '\n')
		return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its refs do not end with a newline", path);
	for (const char *p = b->ptr, *end = b->ptr + b->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);
		pg_bundle_ref r;
		memset(&r, 0, sizeof(r));
		if (++lines > PG_BUNDLE_REFS_LINES_MAX) {
			free(*out);
			*out = NULL;
			*n = 0;
			return pg_error_set(PG_EINVALID, "'%s' is refused: its refs have more than %d lines", path,
					    PG_BUNDLE_REFS_LINES_MAX);
		}
		int ok = (len == plen + GIT_OID_HEXSZ || len == plen + 1) && p[PG_HEX_LEN] == ' ' &&
			 p[plen - 1] == ' ' && pg_unhex(r.publisher, p, PG_PK_LEN) == 0 &&
			 oid_field(&r.tip, p + PG_HEX_LEN + 1) == 0 &&
			 (len == plen + 1 ? p[plen] == '-' : oid_field(&r.base, p + plen) == 0);
		if (!ok || (*n && memcmp((*out)[*n - 1].publisher, r.publisher, PG_PK_LEN) >= 0)) {
			free(*out);
			*out = NULL;
			*n = 0;
			if (!ok)
				return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: refs line %zu is not "
								 "'<publisher key> <tip commit> <base commit or ->'",
						    path, lines);
			return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: refs line %zu is not in publisher "
							 "order (or names a publisher twice)", path, lines);
		}
		if (*n == cap)
			*out = pg_realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof(**out));
		(*out)[(*n)++] = r;
		p = nl + 1;
	}
	return 0;
}

int pg_bundle_read(pg_bundle_ref **refs, size_t *n, const char *path, uint64_t pack_max, pg_bundle_pack_cb cb,
		   void *payload)
{
	struct archive *a = archive_read_new();
	pg_buf header = PG_BUF_INIT, lines = PG_BUF_INIT;
	uint64_t size;
	int err = 0, r, fd = -1;
	*refs = NULL;
	*n = 0;
	if (!a)
		abort();
	archive_read_support_format_tar(a);
	r = archive_read_support_filter_zstd(a); /* and no other filter */
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		err = pg_error_set(PG_ERROR, "cannot read zstd: %s", archive_error_string(a));
		goto done;
	}
	/* libarchive recognises the format when it opens: a file it cannot
	 * read as a zstd tar fails here, one it cannot open fails before */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err = pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR, "cannot read '%s': %s", path,
				   strerror(errno));
		goto done;
	}
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a pg bundle (a zstd-compressed tar), or is damaged or cut "
						 "short: %s", path,
				   archive_error_string(a) ? archive_error_string(a) : "unreadable");
		goto done;
	}
	if ((err = next_entry(a, path, 0, PG_BUNDLE_HEADER_MAX, "a header may hold", &size)) < 0 ||
	    (err = read_data(a, path, 0, PG_BUNDLE_HEADER_MAX, size, to_buf, &header)) < 0 ||
	    (err = check_header(&header, path)) < 0)
		goto done;
	if ((err = next_entry(a, path, 1, PG_BUNDLE_REFS_MAX, "refs may hold", &size)) < 0 ||
	    (err = read_data(a, path, 1, PG_BUNDLE_REFS_MAX, size, to_buf, &lines)) < 0 ||
	    (err = parse_refs(refs, n, &lines, path)) < 0)
		goto done;
	if ((err = next_entry(a, path, 2, pack_max, "allowed (PG_FETCH_MAX)", &size)) < 0 ||
	    (err = read_data(a, path, 2, pack_max, size, cb, payload)) < 0)
		goto done;
	struct archive_entry *e;
	if ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		char name[72];
		shown_name(name, archive_entry_pathname(e));
		err = pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: it holds '%s' after its pack (a bundle holds "
						 "only pg-bundle, refs and pack)", path, name);
	} else if (r != ARCHIVE_EOF) {
		err = damaged(a, path);
	}
done:
	archive_read_free(a);
	if (fd >= 0)
		close(fd);
	pg_buf_free(&header);
	pg_buf_free(&lines);
	if (err < 0) {
		free(*refs);
		*refs = NULL;
		*n = 0;
	}
	return err;
}

/* --- importing --------------------------------------------------------------- */

struct sink {
	const char *path;
	git_odb_writepack *wp;
	git_indexer_progress stats;
	const pg_sync_opts *o;
	uint64_t bytes;
	unsigned char head[12];
	size_t nhead;
};

static int on_index(const git_indexer_progress *st, void *data)
{
	struct sink *k = data;
	if (k->o && k->o->progress) {
		if (st->received_objects < st->total_objects)
			k->o->progress(k->o->data, "receiving", st->received_objects, st->total_objects, k->bytes);
		else
			k->o->progress(k->o->data, "resolving", st->indexed_deltas, st->total_deltas, k->bytes);
	}
	return 0;
}

static int pack_damaged(const char *path)
{
	char *what = pg_asprintf("'%s' is damaged: its pack fails git's checks", path);
	int err = pg_git_err(PG_EINTEGRITY, what);
	free(what);
	return err;
}

/* Each piece of the pack into git's indexer.  The pack's header is
 * checked first: libgit2 sizes its tables by the object count the header
 * claims, so a count the pack's bytes cannot hold is refused before git
 * sees it. */
static int to_pack(const void *data, size_t len, uint64_t total, void *payload)
{
	struct sink *k = payload;
	if (k->nhead < sizeof(k->head)) {
		size_t take = len < sizeof(k->head) - k->nhead ? len : sizeof(k->head) - k->nhead;
		memcpy(k->head + k->nhead, data, take);
		k->nhead += take;
		if (k->nhead == sizeof(k->head)) {
			const unsigned char *h = k->head;
			uint64_t count = (uint64_t)h[8] << 24 | (uint64_t)h[9] << 16 | (uint64_t)h[10] << 8 | h[11];
			if (memcmp(h, "PACK", 4))
				return pg_error_set(PG_EINVALID, "'%s' is not a pg bundle: its pack is not a git pack",
						    k->path);
			if (count * PACK_ENTRY_MIN > total)
				return pg_error_set(PG_EINVALID, "'%s' is refused: its pack claims %llu objects in %llu "
								 "bytes, which cannot hold them",
						    k->path, (unsigned long long)count, (unsigned long long)total);
		}
	}
	k->bytes += len;
	if (k->wp->append(k->wp, data, len, &k->stats) < 0)
		return pack_damaged(k->path);
	return 0;
}

/* Remove every ref under refs/pg/q/<qname>/. */
static int drop_quarantine(pg_store *s, const char *qname)
{
	git_reference_iterator *it;
	const char *name;
	char *glob = pg_asprintf(PG_QUARANTINE_PREFIX "%s/*", qname);
	char **names = NULL;
	size_t n = 0;
	int e = git_reference_iterator_glob_new(&it, pg_store_repo(s), glob), err = 0;
	free(glob);
	if (e < 0)
		return pg_git_err(PG_ERROR, "cannot list the bundle's quarantine");
	while (git_reference_next_name(&name, it) == 0) {
		names = pg_realloc(names, (n + 1) * sizeof(*names));
		names[n++] = pg_strdup(name);
	}
	git_reference_iterator_free(it);
	for (size_t i = 0; i < n; i++) {
		if (git_reference_remove(pg_store_repo(s), names[i]) < 0 && err == 0)
			err = pg_git_err(PG_ERROR, "cannot remove the bundle's quarantine");
		free(names[i]);
	}
	free(names);
	return err;
}

/* A log the import refuses before pg_adopt sees it, added to r. */
static pg_sync_log *refuse_log(pg_sync_report *r, const pg_bundle_ref *b, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static pg_sync_log *refuse_log(pg_sync_report *r, const pg_bundle_ref *b, const char *kind, const char *fmt, ...)
{
	va_list ap;
	pg_buf msg = PG_BUF_INIT;
	va_start(ap, fmt);
	pg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	r->logs = pg_realloc(r->logs, (r->nlogs + 1) * sizeof(*r->logs));
	pg_sync_log *l = &r->logs[r->nlogs++];
	memset(l, 0, sizeof(*l));
	memcpy(l->publisher, b->publisher, PG_PK_LEN);
	l->outcome = PG_SYNC_REFUSED;
	git_oid_cpy(&l->new_tip, &b->tip);
	l->kind = kind;
	l->reason = pg_buf_detach(&msg);
	r->refused++;
	return l;
}

/* The seq of a log commit's manifest, read without checks (for a
 * message); 0 when it cannot be read. */
static uint64_t seq_of(pg_store *s, const git_oid *commit)
{
	git_commit *c;
	pg_object *m = NULL;
	uint64_t seq = 0;
	if (pg_store_commit(&c, s, commit) < 0)
		return 0;
	const char *msg = git_commit_message_raw(c);
	if (msg && pg_object_decode(&m, msg, strlen(msg), PG_DECODE_NOVERIFY) == 0) {
		const char *v = pg_object_get(m, "seq");
		seq = v ? strtoull(v, NULL, 10) : 0;
	}
	pg_object_free(m);
	git_commit_free(c);
	return seq;
}

/* The seq a segment starts after: one less than that of its first entry,
 * the commit whose first parent is base, found along first parents from
 * the tip.  0 when the bundle's commits do not say. */
static uint64_t seq_before(pg_store *s, const pg_bundle_ref *b)
{
	git_oid cur = b->tip;
	for (;;) {
		git_commit *c;
		if (pg_store_commit(&c, s, &cur) < 0)
			return 0;
		const git_oid *parent = git_commit_parentcount(c) ? git_commit_parent_id(c, 0) : NULL;
		int first = parent && git_oid_equal(parent, &b->base);
		if (parent && !first)
			git_oid_cpy(&cur, parent);
		git_commit_free(c);
		if (!parent)
			return 0;
		if (first) {
			uint64_t seq = seq_of(s, &cur);
			return seq > 0 ? seq - 1 : 0;
		}
	}
}

/* Refuse b when its base is not in this store's log of the publisher (a
 * segment can only extend what the store holds); 1 when refused. */
static int refuse_missing_base(pg_sync_report *r, pg_store *s, const pg_bundle_ref *b)
{
	git_oid ours;
	char base[GIT_OID_HEXSZ + 1], held[64];
	int e = pg_store_tip(&ours, s, b->publisher);
	if (e < 0 && e != PG_ENOTFOUND)
		return e;
	pg_error_clear();
	if (e == 0 && (git_oid_equal(&ours, &b->base) ||
		       git_graph_descendant_of(pg_store_repo(s), &ours, &b->base) == 1))
		return 0;
	uint64_t n = seq_before(s, b), m = e == 0 ? seq_of(s, &ours) : 0;
	git_oid_tostr(base, sizeof(base), &b->base);
	if (e < 0)
		snprintf(held, sizeof(held), "it holds none of this log");
	else if (n && m >= n)
		snprintf(held, sizeof(held), "its seq %llu is another commit", (unsigned long long)n);
	else
		snprintf(held, sizeof(held), "it holds seq 1..%llu", (unsigned long long)m);
	if (n)
		refuse_log(r, b, "missing", "the bundle starts after seq %llu (commit %.10s), which this store lacks "
		           "(%s): make the bundle with an earlier --since, or none", (unsigned long long)n, base, held);
	else
		refuse_log(r, b, "missing", "the bundle starts after commit %.10s, which this store lacks (%s): make "
		           "the bundle with an earlier --since, or none", base, held);
	return 1;
}

/* Put b's tip in quarantine; a tip the bundle does not hold is refused
 * (and recorded, like a refusal of pg_adopt); 1 when refused. */
static int quarantine(pg_sync_report *r, pg_store *s, const pg_bundle_ref *b, const char *qname, const char *source,
		      const char *url)
{
	char hex[PG_HEX_LEN + 1], tip[GIT_OID_HEXSZ + 1];
	git_reference *ref = NULL;
	pg_hex(hex, b->publisher, PG_PK_LEN);
	char *name = pg_asprintf(PG_QUARANTINE_PREFIX "%s/%s", qname, hex);
	int e = git_reference_create(&ref, pg_store_repo(s), name, &b->tip, 1, "pg bundle import");
	git_reference_free(ref);
	free(name);
	if (e == 0)
		return 0;
	git_object *obj = NULL;
	if (git_object_lookup(&obj, pg_store_repo(s), &b->tip, GIT_OBJECT_COMMIT) == 0) {
		git_object_free(obj);
		return pg_git_err(PG_ERROR, "cannot quarantine a log of the bundle");
	}
	git_oid_tostr(tip, sizeof(tip), &b->tip);
	pg_sync_log *l = refuse_log(r, b, "integrity", "the bundle names commit %.10s as the log's tip but does not hold it",
				    tip);
	pg_refusal rf = { time(NULL), (char *)source, (char *)url, { 0 }, "", "", l->reason };
	memcpy(rf.publisher, b->publisher, PG_PK_LEN);
	memcpy(rf.commit, tip, sizeof(rf.commit));
	snprintf(rf.kind, sizeof(rf.kind), "%s", l->kind);
	int err = pg_refusal_record(s, &rf); /* the caller holds the lock */
	return err < 0 ? err : 1;
}

static int cmp_log(const void *a, const void *b)
{
	return memcmp(((const pg_sync_log *)a)->publisher, ((const pg_sync_log *)b)->publisher, PG_PK_LEN);
}

int pg_bundle_import(pg_sync_report *r, pg_store *s, const char *path, const pg_sync_opts *o)
{
	git_odb *odb = NULL;
	struct sink k;
	pg_bundle_ref *refs = NULL;
	pg_sync_report pre; /* refused here; kept apart, as pg_adopt fills r from empty */
	size_t n = 0;
	char *abs = realpath(path, NULL), *qname = NULL;
	struct stat st;
	int err = 0;
	memset(r, 0, sizeof(*r));
	memset(&pre, 0, sizeof(pre));
	memset(&k, 0, sizeof(k));
	k.o = o;
	k.path = path;
	if (!abs || stat(abs, &st) < 0) {
		err = pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a file", path);
		goto done;
	}
	char *copy = pg_strdup(abs);
	r->source = pg_asprintf("bundle:%s", basename(copy));
	free(copy);

	/* the pack goes into the object database only when the whole bundle
	 * read well: the writer is committed after the last check */
	if (git_repository_odb(&odb, pg_store_repo(s)) < 0 || git_odb_write_pack(&k.wp, odb, on_index, &k) < 0) {
		err = pg_git_err(PG_ERROR, "cannot write into the store's object database");
		goto done;
	}
	err = pg_bundle_read(&refs, &n, path, pg_sync_max_bytes(o), to_pack, &k);
	if (err == 0 && k.wp->commit(k.wp, &k.stats) < 0)
		err = pack_damaged(path);
	k.wp->free(k.wp);
	if (err < 0)
		goto done;
	r->received_bytes = k.bytes;
	r->received_objects = k.stats.received_objects;

	qname = pg_asprintf("bundle+%ld", (long)getpid()); /* '+': no remote has this name */
	/* an import holds the lock from its quarantine to its drop, so the
	 * quarantine of another is what a killed import left: garbage (and
	 * git's lock files in it, the lock's next holder removed) */
	if ((err = pg_store_lock(s)) < 0)
		goto done;
	if (drop_quarantine(s, "bundle+*") < 0)
		pg_error_clear(); /* garbage that stays does no harm */
	char *dir = pg_asprintf(PG_QUARANTINE_PREFIX "%s/", qname);
	err = pg_store_note(s, dir);
	free(dir);
	for (size_t i = 0; i < n && err == 0; i++) {
		int e = git_oid_is_zero(&refs[i].base) ? 0 : refuse_missing_base(&pre, s, &refs[i]);
		if (e == 0)
			e = quarantine(&pre, s, &refs[i], qname, r->source, abs);
		if (e < 0)
			err = e;
	}
	if (err == 0)
		err = pg_adopt_held(r, s, qname, r->source, abs, o);
	int e = drop_quarantine(s, qname);
	if (err == 0)
		err = e;
	pg_store_unlock(s);
	if (pre.nlogs) {
		r->logs = pg_realloc(r->logs, (r->nlogs + pre.nlogs) * sizeof(*r->logs));
		memcpy(r->logs + r->nlogs, pre.logs, pre.nlogs * sizeof(*pre.logs));
		r->nlogs += pre.nlogs;
		r->refused += pre.refused;
		free(pre.logs);
		pre.logs = NULL;
		pre.nlogs = 0;
		qsort(r->logs, r->nlogs, sizeof(*r->logs), cmp_log);
	}
done:
	pg_sync_report_clear(&pre);
	git_odb_free(odb);
	free(refs);
	free(qname);
	free(abs);
	return err;
}
