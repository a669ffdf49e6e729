/* payload.c - build deterministic tar payloads; list and extract them safely */
#include "payload.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libarchive converts names between UTF-8 (as pax stores them) and the
 * locale's charset; under the C locale a non-ASCII name cannot be
 * converted.  Payload work runs under C.UTF-8 in this thread only, so names
 * are UTF-8 bytes whatever the user's locale. */
static locale_t utf8;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_make(void)
{
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* made once, whichever thread comes first (payloads are checked on the
 * pool's threads) */
static locale_t utf8_enter(void)
{
	pthread_once(&utf8_once, utf8_make);
	return utf8 ? uselocale(utf8) : (locale_t)0;
}

static void utf8_leave(locale_t old)
{
	if (old)
		uselocale(old);
}

/* --- writing ------------------------------------------------------------ */

static la_ssize_t buf_write_cb(struct archive *a, void *data, const void *p, size_t n)
{
	(void)a;
	pg_buf *b = data;
	if (b->len + n > PG_PAYLOAD_MAX)
		return -1;
	pg_buf_put(b, p, n);
	return (la_ssize_t)n;
}

struct packer {
	struct archive *a;
	struct archive_entry *e;
	const char *root;
	pg_payload_filter filter;
	void *data;
	size_t entries;
	uint64_t bytes;
};

/* Is sorted[i] below a directory that sorted[0..i) lists? */
static int below_listed_dir(const struct packer *pk, const char *const *sorted, size_t i)
{
	for (size_t k = 0; k < i; k++) {
		size_t len = strlen(sorted[k]);
		if (strncmp(sorted[i], sorted[k], len) || sorted[i][len] != '/')
			continue;
		char *full = pg_path_join(pk->root, sorted[k]);
		struct stat st;
		int dir = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
		free(full);
		if (dir)
			return 1;
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pack_path(struct packer *pk, const char *rel);

static int pack_dir_contents(struct packer *pk, const char *rel)
{
	char *full = *rel ? pg_path_join(pk->root, rel) : pg_strdup(pk->root);
	char **names;
	size_t n;
	int err = pg_dir_list(&names, &n, full);
	for (size_t i = 0; i < n && err == 0; i++) {
		char *child = *rel ? pg_asprintf("%s/%s", rel, names[i]) : pg_strdup(names[i]);
		err = pack_path(pk, child);
		free(child);
	}
	pg_dir_list_free(names, n);
	free(full);
	return err;
}

/* Pack one path (relative to the root) and, for a directory, its contents. */
static int pack_path(struct packer *pk, const char *rel)
{
	char *full = pg_path_join(pk->root, rel);
	struct stat st;
	int err = 0, fd = -1;

	if (lstat(full, &st) < 0) {
		err = pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR,
				   "cannot read '%s': %s", full, strerror(errno));
		goto done;
	}
	int is_dir = S_ISDIR(st.st_mode);
	if (pk->filter && !pk->filter(rel, is_dir, pk->data))
		goto done;
	if (strlen(rel) > PG_PAYLOAD_PATH_MAX) {
		err = pg_error_set(PG_EINVALID, "'%s': path longer than %d bytes", full, PG_PAYLOAD_PATH_MAX);
		goto done;
	}
	if (++pk->entries > PG_PAYLOAD_ENTRIES) {
		err = pg_error_set(PG_EINVALID, "'%s': more than %d entries", pk->root, PG_PAYLOAD_ENTRIES);
		goto done;
	}

	if (!pg_utf8_valid(rel, strlen(rel))) {
		err = pg_error_set(PG_EINVALID, "'%s': file names must be UTF-8", full);
		goto done;
	}
	struct archive_entry *e = pk->e;
	archive_entry_clear(e);
	archive_entry_set_pathname_utf8(e, rel);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	char target[PG_PAYLOAD_PATH_MAX + 1];
	if (is_dir) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (S_ISREG(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, (st.st_mode & 0111) ? 0755 : 0644);
		archive_entry_set_size(e, st.st_size);
		pk->bytes += (uint64_t)st.st_size;
		if (pk->bytes > PG_PAYLOAD_MAX) {
			err = pg_error_set(PG_EINVALID, "'%s': more than %u bytes of files", pk->root, PG_PAYLOAD_MAX);
			goto done;
		}
		if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			err = pg_error_set(PG_ERROR, "cannot open '%s': %s", full, strerror(errno));
			goto done;
		}
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(full, target, sizeof(target));
		if (n < 0) {
			err = pg_error_set(PG_ERROR, "cannot read link '%s': %s", full, strerror(errno));
			goto done;
		}
		if ((size_t)n >= sizeof(target)) {
			err = pg_error_set(PG_EINVALID, "'%s': symlink target longer than %d bytes", full, PG_PAYLOAD_PATH_MAX);
			goto done;
		}
		target[n] = '\0';
		if (!pg_utf8_valid(target, (size_t)n)) {
			err = pg_error_set(PG_EINVALID, "'%s': symlink target is not UTF-8", full);
			goto done;
		}
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink_utf8(e, target);
	} else {
		err = pg_error_set(PG_EINVALID, "'%s' is not a file, directory or symlink", full);
		goto done;
	}
	if (archive_write_header(pk->a, e) != ARCHIVE_OK) {
		err = pg_error_set(PG_EINVALID, "cannot pack '%s': %s", full, archive_error_string(pk->a));
		goto done;
	}
	if (fd >= 0) {
		char chunk[65536];
		uint64_t left = (uint64_t)st.st_size;
		while (left) {
			ssize_t n = read(fd, chunk, left < sizeof(chunk) ? left : sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = pg_error_set(PG_ERROR, "'%s' changed while it was packed", full);
				goto done;
			}
			if (archive_write_data(pk->a, chunk, (size_t)n) != n) {
				err = pg_error_set(PG_EINVALID, "cannot pack '%s': %s", full, archive_error_string(pk->a));
				goto done;
			}
			left -= (uint64_t)n;
		}
	}
	if (is_dir)
		err = pack_dir_contents(pk, rel);
done:
	if (fd >= 0)
		close(fd);
	free(full);
	return err;
}

int pg_payload_create(pg_buf *out, const char *dir, const char *const *files,
		      pg_payload_filter filter, void *data)
{
	locale_t old = utf8_enter();
	struct packer pk = { archive_write_new(), archive_entry_new(), dir, filter, data, 0, 0 };
	int err = 0;
	pg_buf_clear(out);
	if (!pk.a || !pk.e)
		abort();
	archive_write_set_format_pax_restricted(pk.a);
	archive_write_set_bytes_per_block(pk.a, 512);
	archive_write_set_bytes_in_last_block(pk.a, 1);
	if (archive_write_open(pk.a, out, NULL, buf_write_cb, NULL) != ARCHIVE_OK) {
		err = pg_error_set(PG_ERROR, "cannot start archive: %s", archive_error_string(pk.a));
		goto done;
	}
	if (files) {
		size_t n = 0;
		while (files[n])
			n++;
		const char **sorted = pg_malloc((n + 1) * sizeof(*sorted));
		memcpy(sorted, files, (n + 1) * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), name_cmp);
		for (size_t i = 0; i < n && err == 0; i++) {
			if (i && !strcmp(sorted[i], sorted[i - 1]))
				continue;
			if (below_listed_dir(&pk, sorted, i))
				continue; /* packed with its directory */
			err = pack_path(&pk, sorted[i]);
		}
		free(sorted);
	} else {
		err = pack_dir_contents(&pk, "");
	}
	if (err == 0 && archive_write_close(pk.a) != ARCHIVE_OK)
		err = pg_error_set(PG_EINVALID, "cannot finish archive: %s", archive_error_string(pk.a));
done:
	archive_entry_free(pk.e);
	archive_write_free(pk.a);
	utf8_leave(old);
	if (err == 0) {
		/* a payload must read back under the same rules it was made by */
		err = pg_payload_scan(NULL, out->ptr, out->len);
		if (err < 0)
			pg_error_prefix(err, "'%s'", dir);
	}
	return err;
}

/* --- reading ------------------------------------------------------------ */

/* A relative path of non-empty components, none of them '.' or '..'. */
static int path_ok(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	for (const char *c = p; *c;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!e)
			break;
		c = e + 1;
		if (!*c) /* trailing slash */
			return 0;
	}
	return 1;
}

static struct archive *reader(const void *tar, size_t len)
{
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	archive_read_support_format_tar(a); /* no filters: no decompression */
	if (archive_read_open_memory(a, tar, len) != ARCHIVE_OK) {
		pg_error_set(PG_EINVALID, "payload is not a tar archive: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Check one header; fill ent.  Shared by scan and extract. */
static int check_entry(struct archive_entry *e, pg_payload_entry *ent, size_t index)
{
	/* names are UTF-8 whatever the locale (pax stores them so) */
	const char *path = archive_entry_pathname_utf8(e);
	mode_t type = archive_entry_filetype(e);
	memset(ent, 0, sizeof(*ent));
	if (path && type == AE_IFDIR) {
		/* tar writes a directory as "name/": one trailing slash is its mark */
		size_t n = strlen(path);
		if (n > 1 && path[n - 1] == '/' && path[n - 2] != '/') {
			static _Thread_local char dir[PG_PAYLOAD_PATH_MAX + 2];
			if (n - 1 > PG_PAYLOAD_PATH_MAX)
				return pg_error_set(PG_EINVALID, "payload entry %zu: path longer than %d bytes",
						    index, PG_PAYLOAD_PATH_MAX);
			memcpy(dir, path, n - 1);
			dir[n - 1] = '\0';
			path = dir;
		}
	}
	if (!path || !pg_utf8_valid(path, strlen(path)))
		return pg_error_set(PG_EINVALID, "payload entry %zu: path is not valid UTF-8", index);
	if (strlen(path) > PG_PAYLOAD_PATH_MAX)
		return pg_error_set(PG_EINVALID, "payload entry %zu: path longer than %d bytes",
				    index, PG_PAYLOAD_PATH_MAX);
	if (path[0] == '/')
		return pg_error_set(PG_EINVALID, "payload entry '%s': absolute path", path);
	if (!path_ok(path))
		return pg_error_set(PG_EINVALID, "payload entry '%s': path with '..', '.' or an empty component", path);
	if (archive_entry_hardlink(e))
		return pg_error_set(PG_EINVALID, "payload entry '%s': hard links are not allowed", path);
	ent->path = (char *)path;
	mode_t perm = archive_entry_perm(e);
	/* pg writes only these modes; anything else (setuid, group-writable,
	 * ...) would be applied by extraction as it stands */
	if ((type == AE_IFDIR && perm != 0755) || (type == AE_IFREG && perm != 0644 && perm != 0755) ||
	    (type == AE_IFLNK && perm != 0777))
		return pg_error_set(PG_EINVALID, "payload entry '%s': mode %04o (payloads hold only 0644 and "
				    "0755 files, 0755 directories and 0777 links)", path, (unsigned)perm);
	if (type == AE_IFDIR) {
		ent->type = 'd';
	} else if (type == AE_IFREG) {
		ent->type = (perm & 0111) ? 'x' : 'f';
		if (archive_entry_size(e) < 0)
			return pg_error_set(PG_EINVALID, "payload entry '%s': bad size", path);
		ent->size = (uint64_t)archive_entry_size(e);
	} else if (type == AE_IFLNK) {
		const char *t = archive_entry_symlink_utf8(e);
		ent->type = 'l';
		/* the target must stay below the link's directory: a relative
		 * path with no '..' can never climb out, even through other
		 * links, because each link only ever descends */
		if (!t || !path_ok(t))
			return pg_error_set(PG_EINVALID, "payload entry '%s': symlink to '%s' leaves the tree "
					    "(targets must be relative paths without '..')", path, t ? t : "");
		if (strlen(t) > PG_PAYLOAD_PATH_MAX || !pg_utf8_valid(t, strlen(t)))
			return pg_error_set(PG_EINVALID, "payload entry '%s': symlink target too long or not UTF-8", path);
		ent->target = (char *)t;
	} else {
		return pg_error_set(PG_EINVALID, "payload entry '%s': devices, fifos and sockets are not allowed", path);
	}
	return 0;
}

/* Every path of a payload, to check the tree's shape once all entries are
 * known: no path twice, and every proper prefix of a path, if it is an
 * entry at all, a directory (an entry below a file or a symlink would be
 * written through it or replace it, in whichever order they come). */
struct seen {
	struct seen_entry {
		char *path;
		char type;
	} *e;
	size_t n;
};

static void seen_add(struct seen *sn, const pg_payload_entry *ent)
{
	if ((sn->n & (sn->n - 1)) == 0)
		sn->e = pg_realloc(sn->e, (sn->n ? 2 * sn->n : 1) * sizeof(*sn->e));
	sn->e[sn->n].path = pg_strdup(ent->path);
	sn->e[sn->n++].type = ent->type;
}

static int cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen_entry *)a)->path, ((const struct seen_entry *)b)->path);
}

static int seen_check(struct seen *sn)
{
	if (sn->n)
		qsort(sn->e, sn->n, sizeof(*sn->e), cmp_seen);
	for (size_t i = 1; i < sn->n; i++)
		if (!strcmp(sn->e[i - 1].path, sn->e[i].path))
			return pg_error_set(PG_EINVALID, "payload entry '%s' appears twice", sn->e[i].path);
	char prefix[PG_PAYLOAD_PATH_MAX + 1];
	for (size_t i = 0; i < sn->n; i++) {
		const char *p = sn->e[i].path;
		for (const char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
			memcpy(prefix, p, (size_t)(slash - p));
			prefix[slash - p] = '\0';
			struct seen_entry key = { prefix, 0 }, *hit = bsearch(&key, sn->e, sn->n, sizeof(*sn->e), cmp_seen);
			if (hit && hit->type != 'd')
				return pg_error_set(PG_EINVALID, "payload entry '%s' lies below the %s '%s'", p,
						    hit->type == 'l' ? "symlink" : "file", hit->path);
		}
	}
	return 0;
}

static void seen_free(struct seen *sn)
{
	for (size_t i = 0; i < sn->n; i++)
		free(sn->e[i].path);
	free(sn->e);
}

static int scan(struct archive *a, pg_payload_list *list, size_t len, int (*each)(struct archive *, struct archive_entry *, const pg_payload_entry *, void *), void *data)
{
	struct archive_entry *e;
	struct seen sn = { NULL, 0 };
	size_t n = 0;
	uint64_t total = 0;
	int r, err = 0;
	if (len > PG_PAYLOAD_MAX)
		return pg_error_set(PG_EINVALID, "payload larger than %u bytes", PG_PAYLOAD_MAX);
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		pg_payload_entry ent;
		if (++n > PG_PAYLOAD_ENTRIES) {
			err = pg_error_set(PG_EINVALID, "payload has more than %d entries", PG_PAYLOAD_ENTRIES);
			goto done;
		}
		if ((err = check_entry(e, &ent, n)) < 0)
			goto done;
		seen_add(&sn, &ent);
		total += ent.size;
		if (total > PG_PAYLOAD_MAX) {
			err = pg_error_set(PG_EINVALID, "payload holds more than %u bytes", PG_PAYLOAD_MAX);
			goto done;
		}
		if (list) {
			list->e = pg_realloc(list->e, (list->n + 1) * sizeof(*list->e));
			pg_payload_entry *d = &list->e[list->n++];
			*d = ent;
			d->path = pg_strdup(ent.path);
			d->target = ent.target ? pg_strdup(ent.target) : NULL;
		}
		if (each && (err = each(a, e, &ent, data)) < 0)
			goto done;
	}
	if (r != ARCHIVE_EOF)
		err = pg_error_set(PG_EINVALID, "payload is damaged: %s", archive_error_string(a));
	else
		err = seen_check(&sn);
done:
	seen_free(&sn);
	return err;
}

int pg_payload_scan(pg_payload_list *list, const void *tar, size_t len)
{
	if (list)
		memset(list, 0, sizeof(*list));
	locale_t old = utf8_enter();
	struct archive *a = reader(tar, len);
	int err = a ? scan(a, list, len, NULL, NULL) : PG_EINVALID;
	if (a)
		archive_read_free(a);
	utf8_leave(old);
	if (err < 0 && list)
		pg_payload_list_free(list);
	return err;
}

void pg_payload_list_free(pg_payload_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++) {
		free(list->e[i].path);
		free(list->e[i].target);
	}
	free(list->e);
	list->e = NULL;
	list->n = 0;
}

static int extract_one(struct archive *a, struct archive_entry *e, const pg_payload_entry *ent, void *data)
{
	struct archive *disk = data;
	(void)ent;
	if (archive_write_header(disk, e) != ARCHIVE_OK)
		return pg_error_set(PG_EINVALID, "cannot extract '%s': %s", ent->path, archive_error_string(disk));
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(disk, buf, size, off) != ARCHIVE_OK)
			return pg_error_set(PG_ERROR, "cannot write '%s': %s", ent->path, archive_error_string(disk));
	if (r != ARCHIVE_EOF)
		return pg_error_set(PG_EINVALID, "payload is damaged at '%s': %s", ent->path, archive_error_string(a));
	if (archive_write_finish_entry(disk) != ARCHIVE_OK)
		return pg_error_set(PG_ERROR, "cannot finish '%s': %s", ent->path, archive_error_string(disk));
	return 0;
}

int pg_payload_extract(const void *tar, size_t len, const char *dest)
{
	int err;
	/* validate the whole archive before writing a byte */
	if ((err = pg_payload_scan(NULL, tar, len)) < 0)
		return err;
	struct stat st;
	if (lstat(dest, &st) == 0)
		return pg_error_set(PG_EEXISTS, "'%s' already exists; name a new directory", dest);

	char *tmp = pg_asprintf("%s.pg-tmp%ld", dest, (long)getpid());
	pg_rmtree(tmp);
	if (mkdir(tmp, 0755) < 0) {
		err = pg_error_set(PG_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return err;
	}
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	locale_t old = utf8_enter();
	struct archive *a = reader(tar, len), *disk = archive_write_disk_new();
	if (!disk)
		abort();
	archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
						     ARCHIVE_EXTRACT_NO_OVERWRITE);
	if (cwd < 0 || !a || chdir(tmp) < 0) {
		err = pg_error_set(PG_ERROR, "cannot enter '%s': %s", tmp, strerror(errno));
	} else {
		err = scan(a, NULL, len, extract_one, disk);
		if (err == 0 && archive_write_close(disk) != ARCHIVE_OK)
			err = pg_error_set(PG_ERROR, "cannot finish extraction: %s", archive_error_string(disk));
	}
	if (cwd >= 0) {
		if (fchdir(cwd) < 0 && err == 0)
			err = pg_error_set(PG_ERROR, "cannot return to the working directory");
		close(cwd);
	}
	archive_write_free(disk);
	if (a)
		archive_read_free(a);
	utf8_leave(old);
	if (err == 0 && rename(tmp, dest) < 0)
		err = pg_error_set(PG_ERROR, "cannot rename '%s' to '%s': %s", tmp, dest, strerror(errno));
	if (err < 0)
		pg_rmtree(tmp);
	free(tmp);
	return err;
}

struct reading {
	const char *path;
	pg_buf *out;
	size_t limit;
	int found;
};

static int read_one(struct archive *a, struct archive_entry *e, const pg_payload_entry *ent, void *data)
{
	struct reading *rd = data;
	(void)e;
	if (strcmp(ent->path, rd->path))
		return 0;
	if (ent->type != 'f' && ent->type != 'x')
		return pg_error_set(PG_EINVALID, "'%s' in the payload is not a file", rd->path);
	if (ent->size > rd->limit)
		return pg_error_set(PG_EINVALID, "'%s' in the payload is larger than %zu bytes", rd->path, rd->limit);
	pg_buf_grow(rd->out, (size_t)ent->size);
	la_ssize_t n;
	char buf[16384];
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		pg_buf_put(rd->out, buf, (size_t)n);
	if (n < 0)
		return pg_error_set(PG_EINVALID, "payload is damaged at '%s': %s", rd->path, archive_error_string(a));
	rd->found = 1;
	return 0;
}

int pg_payload_read(pg_buf *out, const void *tar, size_t len, const char *path, size_t limit)
{
	struct reading rd = { path, out, limit, 0 };
	pg_buf_clear(out);
	locale_t old = utf8_enter();
	struct archive *a = reader(tar, len);
	int err = a ? scan(a, NULL, len, read_one, &rd) : PG_EINVALID;
	if (a)
		archive_read_free(a);
	utf8_leave(old);
	if (err == 0 && !rd.found)
		err = pg_error_set(PG_ENOTFOUND, "the payload has no file '%s'", path);
	if (err < 0)
		pg_buf_clear(out);
	return err;
}
