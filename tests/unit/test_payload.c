/* test_payload.c - deterministic payloads, their listing and safe extraction */
#include "unit.h"

#include "payload.h"

#include <archive.h>
#include <archive_entry.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- building trees on disk --------------------------------------------- */

static void put(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char *p = pg_path_join(dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void mkd(const char *dir, const char *rel, mode_t mode)
{
	char *p = pg_path_join(dir, rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void lnk(const char *dir, const char *rel, const char *target)
{
	char *p = pg_path_join(dir, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void set_mtime(const char *dir, const char *rel, time_t t)
{
	char *p = pg_path_join(dir, rel);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A file name long enough (> 100 bytes) to need a pax extended header. */
#define LONG_NAME "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL" \
		  "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL.txt"

/* The reference tree.  variant 0 builds it in one order with one set of
 * modes and times; variant 1 builds the same content in the reverse order,
 * with other modes (same exec bits) and other times. */
static void make_tree(const char *dir, int variant)
{
	if (variant == 0) {
		put(dir, "a.txt", "alpha\n", 0644);
		put(dir, "b.txt", "bravo!\n", 0600);
		mkd(dir, "empty", 0755);
		lnk(dir, "link", "sub/file");
		put(dir, "run.sh", "#!/bin/sh\necho hi\n", 0755);
		mkd(dir, "sub", 0755);
		put(dir, "sub/file", "in sub\n", 0644);
		put(dir, "sub/" LONG_NAME, "long\n", 0644);
	} else {
		mkd(dir, "sub", 0700);
		put(dir, "sub/" LONG_NAME, "long\n", 0600);
		put(dir, "sub/file", "in sub\n", 0640);
		put(dir, "run.sh", "#!/bin/sh\necho hi\n", 0700);
		lnk(dir, "link", "sub/file");
		mkd(dir, "empty", 0700);
		put(dir, "b.txt", "bravo!\n", 0640);
		put(dir, "a.txt", "alpha\n", 0664);
		const char *all[] = { "a.txt", "b.txt", "empty", "link", "run.sh", "sub",
				      "sub/file", "sub/" LONG_NAME };
		for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
			set_mtime(dir, all[i], 1000000000 + (time_t)i * 7777);
	}
}

static void pack(pg_buf *out, const char *dir, const char *const *files,
		 pg_payload_filter filter, void *data)
{
	int err = pg_payload_create(out, dir, files, filter, data);
	if (err < 0)
		fail_msg("pg_payload_create '%s': %d %s", dir, err, pg_error_last());
	assert_non_null(out->ptr);
	assert_true(out->len > 0);
}

static void assert_same_bytes(const pg_buf *a, const pg_buf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->ptr, b->ptr, a->len);
}

static int same_bytes(const pg_buf *a, const pg_buf *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* --- describing trees on disk ------------------------------------------- */

/* One line per entry below dir, sorted: "d path", "f path content",
 * "x path content" (exec bit), "l path -> target", "? path" for others. */
static void describe_rec(pg_buf *out, const char *dir, const char *rel)
{
	char *full = *rel ? pg_path_join(dir, rel) : pg_strdup(dir);
	char **names;
	size_t n;
	assert_int_equal(pg_dir_list(&names, &n, full), 0);
	for (size_t i = 0; i < n; i++) {
		char *r = *rel ? pg_asprintf("%s/%s", rel, names[i]) : pg_strdup(names[i]);
		char *p = pg_path_join(dir, r);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			pg_buf_printf(out, "d %s\n", r);
			describe_rec(out, dir, r);
		} else if (S_ISREG(st.st_mode)) {
			pg_buf c = PG_BUF_INIT;
			assert_int_equal(pg_read_file(&c, p, 1 << 20), 0);
			pg_buf_printf(out, "%c %s %s\n", (st.st_mode & 0111) ? 'x' : 'f', r,
				      c.ptr ? c.ptr : "");
			pg_buf_free(&c);
		} else if (S_ISLNK(st.st_mode)) {
			char t[4096];
			ssize_t k = readlink(p, t, sizeof(t) - 1);
			assert_true(k >= 0);
			t[k] = '\0';
			pg_buf_printf(out, "l %s -> %s\n", r, t);
		} else {
			pg_buf_printf(out, "? %s\n", r);
		}
		free(p);
		free(r);
		free(names[i]);
	}
	free(names);
	free(full);
}

static char *describe(const char *dir)
{
	pg_buf b = PG_BUF_INIT;
	describe_rec(&b, dir, "");
	return b.ptr ? pg_buf_detach(&b) : pg_strdup("");
}

/* --- crafting archives with libarchive ---------------------------------- */

static la_ssize_t craft_write_cb(struct archive *a, void *data, const void *p, size_t n)
{
	(void)a;
	pg_buf_put(data, p, n);
	return (la_ssize_t)n;
}

struct craft {
	const char *path;
	int type;             /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, ... */
	int perm;
	const char *data;     /* file contents, NULL for none */
	const char *symlink;  /* symlink target */
	const char *hardlink; /* hard link target */
};

enum { PAX, USTAR, GNUTAR };

static struct archive *craft_open(pg_buf *out, int format)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	if (format == PAX)
		assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	else if (format == USTAR)
		assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
	else
		assert_int_equal(archive_write_set_format_gnutar(a), ARCHIVE_OK);
	archive_write_set_bytes_per_block(a, 512);
	archive_write_set_bytes_in_last_block(a, 1);
	pg_buf_clear(out);
	assert_int_equal(archive_write_open(a, out, NULL, craft_write_cb, NULL), ARCHIVE_OK);
	return a;
}

static void craft_add(struct archive *a, const struct craft *c)
{
	struct archive_entry *e = archive_entry_new();
	assert_non_null(e);
	archive_entry_set_pathname(e, c->path);
	archive_entry_set_filetype(e, (unsigned)c->type);
	archive_entry_set_perm(e, c->perm ? c->perm : 0644);
	if (c->type == AE_IFCHR || c->type == AE_IFBLK)
		archive_entry_set_rdev(e, makedev(1, 3));
	if (c->symlink)
		archive_entry_set_symlink(e, c->symlink);
	if (c->hardlink)
		archive_entry_set_hardlink(e, c->hardlink);
	size_t n = c->data ? strlen(c->data) : 0;
	archive_entry_set_size(e, (la_int64_t)n);
	int r = archive_write_header(a, e);
	if (r != ARCHIVE_OK)
		fail_msg("crafting '%s': %s", c->path, archive_error_string(a));
	if (n)
		assert_int_equal(archive_write_data(a, c->data, n), (la_ssize_t)n);
	archive_entry_free(e);
}

static void craft_close(struct archive *a)
{
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void craft(pg_buf *out, int format, const struct craft *c, size_t n)
{
	struct archive *a = craft_open(out, format);
	for (size_t i = 0; i < n; i++)
		craft_add(a, &c[i]);
	craft_close(a);
}

/* A raw ustar header, for what libarchive's writer will not produce.
 * size_b256 != 0 writes the size in base-256 instead of octal. */
static void octal(char *field, size_t width, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)width - 1, (unsigned long long)v);
	memcpy(field, tmp, width - 1);
	field[width - 1] = '\0';
}

static void raw_header(pg_buf *out, const char *name, char type, uint64_t size, int size_b256)
{
	unsigned char h[512];
	memset(h, 0, sizeof(h));
	assert_true(strlen(name) <= 100);
	memcpy(h, name, strlen(name));
	octal((char *)h + 100, 8, 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	if (size_b256) {
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	} else {
		octal((char *)h + 124, 12, size);
	}
	octal((char *)h + 136, 12, 0);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%06o", sum);
	memcpy(h + 148, tmp, 6);
	h[154] = '\0';
	h[155] = ' ';
	pg_buf_put(out, h, sizeof(h));
}

/* --- checking refusals -------------------------------------------------- */

/* Where hostile archives are extracted: BASE/p/q/dest, so that an attack
 * one or two levels up lands in BASE/p/q or BASE/p, which must stay as they
 * were: BASE holds exactly p and p/q afterwards. */
struct arena {
	char *base;
	char *dest;
	char *evil; /* an absolute path outside BASE named after it */
};

static void arena_open(struct arena *ar)
{
	ar->base = unit_tmpdir();
	char *p = pg_path_join(ar->base, "p");
	char *q = pg_path_join(p, "q");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(q, 0755), 0);
	ar->dest = pg_path_join(q, "dest");
	const char *suffix = strrchr(ar->base, '-');
	ar->evil = pg_asprintf("/tmp/pg-evil%s", suffix ? suffix : "-x");
	free(q);
	free(p);
}

static void arena_close(struct arena *ar)
{
	assert_false(exists(ar->evil));
	free(ar->dest);
	free(ar->evil);
	unit_rmtree(ar->base);
}

/* Refused by scan (with and without a list) and by extract, each with
 * PG_EINVALID and a message containing what and why; extraction leaves
 * nothing anywhere. */
static void assert_refused(struct arena *ar, const pg_buf *tar, const char *what, const char *why)
{
	pg_payload_list list = { NULL, 0 };
	int err = pg_payload_scan(&list, tar->ptr, tar->len);
	assert_error(err, PG_EINVALID, why);
	assert_error(err, PG_EINVALID, what);
	assert_null(list.e);
	assert_int_equal(list.n, 0);
	assert_error(pg_payload_scan(NULL, tar->ptr, tar->len), PG_EINVALID, why);

	err = pg_payload_extract(tar->ptr, tar->len, ar->dest);
	assert_error(err, PG_EINVALID, why);
	assert_error(err, PG_EINVALID, what);
	assert_false(exists(ar->dest));
	char *d = describe(ar->base);
	assert_string_equal(d, "d p\nd p/q\n"); /* no dest, no dest.pg-tmp*, nothing outside */
	free(d);
	assert_false(exists(ar->evil));
}

/* Craft one archive of the given entries and check it is refused. */
static void refuse(int format, const struct craft *c, size_t n, const char *what, const char *why)
{
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	craft(&tar, format, c, n);
	assert_refused(&ar, &tar, what, why);
	pg_buf_free(&tar);
	arena_close(&ar);
}

#define REFUSE(fmt, what, why, ...)                                                \
	do {                                                                       \
		const struct craft c_[] = { __VA_ARGS__ };                         \
		refuse((fmt), c_, sizeof(c_) / sizeof(*c_), (what), (why));        \
	} while (0)

/* --- determinism --------------------------------------------------------- */

/* Same tree, whatever its times, non-exec modes, creation order, location
 * or the packing process: same bytes. */
static void test_create_deterministic(void **state)
{
	(void)state;
	char *t1 = unit_tmpdir(), *t2 = unit_tmpdir();
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT, c = PG_BUF_INIT;

	make_tree(t1, 0);
	pack(&a, t1, NULL, NULL, NULL);
	pack(&b, t1, NULL, NULL, NULL);
	assert_same_bytes(&a, &b);

	/* the same tree elsewhere, built backwards, other times and modes */
	make_tree(t2, 1);
	pack(&c, t2, NULL, NULL, NULL);
	assert_same_bytes(&a, &c);

	/* touching the files changes nothing */
	set_mtime(t1, "a.txt", 1);
	set_mtime(t1, "sub", 2);
	set_mtime(t1, "link", 3);
	pack(&b, t1, NULL, NULL, NULL);
	assert_same_bytes(&a, &b);

	/* nor does another process (pax header names must not carry a pid) */
	char *out = pg_path_join(t2, "..pg-child-out");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pg_buf x = PG_BUF_INIT;
		int r = pg_payload_create(&x, t1, NULL, NULL, NULL);
		if (r == 0)
			r = pg_write_file_atomic(out, x.ptr, x.len, 0644);
		pg_buf_free(&x);
		_exit(r == 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(pg_read_file(&b, out, PG_PAYLOAD_MAX), 0);
	assert_same_bytes(&a, &b);
	free(out);

	pg_buf_free(&a);
	pg_buf_free(&b);
	pg_buf_free(&c);
	unit_rmtree(t1);
	unit_rmtree(t2);
}

static void assert_entry(const pg_payload_entry *e, const char *path, char type,
			 uint64_t size, const char *target)
{
	assert_string_equal(e->path, path);
	if (e->type != type)
		fail_msg("'%s': type '%c', expected '%c'", path, e->type, type);
	assert_int_equal(e->size, size);
	if (target) {
		assert_non_null(e->target);
		assert_string_equal(e->target, target);
	} else {
		assert_null(e->target);
	}
}

/* The simplest tree with a subdirectory packs, and lists it as 'd'. */
static void test_create_subdirectory(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	mkd(t, "sub", 0755);
	put(t, "sub/file", "in sub\n", 0644);
	pack(&a, t, NULL, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 2);
	assert_entry(&l.e[0], "sub", 'd', 0, NULL);
	assert_entry(&l.e[1], "sub/file", 'f', 7, NULL);
	pg_payload_list_free(&l);
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* Every header carries only what the tree says: zero owners and times, no
 * user or group names, normalised modes. */
static void test_create_headers_normalised(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	make_tree(t, 1);
	pack(&a, t, NULL, NULL, NULL);
	struct archive *r = archive_read_new();
	assert_non_null(r);
	archive_read_support_format_tar(r);
	assert_int_equal(archive_read_open_memory(r, a.ptr, a.len), ARCHIVE_OK);
	struct archive_entry *e;
	int n = 0, rc;
	while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(e);
		const char *un = archive_entry_uname(e), *gn = archive_entry_gname(e);
		n++;
		assert_int_equal(archive_entry_uid(e), 0);
		assert_int_equal(archive_entry_gid(e), 0);
		if ((un && *un) || (gn && *gn))
			fail_msg("'%s' has owner names '%s' '%s'", path, un ? un : "", gn ? gn : "");
		assert_int_equal(archive_entry_mtime(e), 0);
		assert_int_equal(archive_entry_mtime_nsec(e), 0);
		assert_false(archive_entry_atime_is_set(e));
		assert_false(archive_entry_ctime_is_set(e));
		assert_false(archive_entry_birthtime_is_set(e));
		unsigned perm = (unsigned)archive_entry_perm(e);
		switch (archive_entry_filetype(e)) {
		case AE_IFDIR:
			assert_int_equal(perm, 0755);
			break;
		case AE_IFREG:
			if (perm != (strstr(path, "run.sh") ? 0755u : 0644u))
				fail_msg("'%s' has mode %o", path, perm);
			break;
		case AE_IFLNK:
			break;
		default:
			fail_msg("'%s' has an unexpected type", path);
		}
	}
	assert_int_equal(rc, ARCHIVE_EOF);
	assert_int_equal(n, 8);
	archive_read_free(r);
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* What a user changes shows: one byte, the exec bit, a link target. */
static void test_create_changes_show(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	make_tree(t, 0);
	pack(&a, t, NULL, NULL, NULL);

	put(t, "sub/file", "in sub!", 0644); /* same length, one byte */
	pack(&b, t, NULL, NULL, NULL);
	assert_int_equal(a.len, b.len);
	assert_false(same_bytes(&a, &b));
	put(t, "sub/file", "in sub\n", 0644);
	pack(&b, t, NULL, NULL, NULL);
	assert_same_bytes(&a, &b);

	put(t, "a.txt", "alpha\n", 0744); /* any exec bit makes it executable */
	pack(&b, t, NULL, NULL, NULL);
	assert_false(same_bytes(&a, &b));
	put(t, "a.txt", "alpha\n", 0644);

	char *l = pg_path_join(t, "link");
	assert_int_equal(unlink(l), 0);
	lnk(t, "link", "sub/" LONG_NAME);
	pack(&b, t, NULL, NULL, NULL);
	assert_false(same_bytes(&a, &b));
	free(l);

	pg_buf_free(&a);
	pg_buf_free(&b);
	unit_rmtree(t);
}

/* The listing: depth first, names in byte order within a directory, the
 * right types, sizes and link target. */
static void test_scan_lists_entries(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	make_tree(t, 1);
	pack(&a, t, NULL, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 8);
	assert_entry(&l.e[0], "a.txt", 'f', 6, NULL);
	assert_entry(&l.e[1], "b.txt", 'f', 7, NULL);
	assert_entry(&l.e[2], "empty", 'd', 0, NULL);
	assert_entry(&l.e[3], "link", 'l', 0, "sub/file");
	assert_entry(&l.e[4], "run.sh", 'x', 18, NULL);
	assert_entry(&l.e[5], "sub", 'd', 0, NULL);
	assert_entry(&l.e[6], "sub/" LONG_NAME, 'f', 5, NULL);
	assert_entry(&l.e[7], "sub/file", 'f', 7, NULL);
	pg_payload_list_free(&l);
	assert_null(l.e);
	assert_int_equal(l.n, 0);
	pg_payload_list_free(&l); /* twice is harmless */
	pg_payload_list_free(NULL);

	/* a subdirectory sorts as its own name, before "sub.txt" */
	put(t, "sub.txt", "x", 0644);
	pack(&a, t, NULL, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 9);
	assert_string_equal(l.e[7].path, "sub/file");
	assert_string_equal(l.e[8].path, "sub.txt");
	pg_payload_list_free(&l);

	pg_buf_free(&a);
	unit_rmtree(t);
}

/* An empty directory packs to an archive with no entries, which extracts to
 * an empty directory. */
static void test_create_empty_tree(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src"), *dest = pg_path_join(t, "dest");
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	assert_int_equal(mkdir(src, 0755), 0);
	pack(&a, src, NULL, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(pg_payload_extract(a.ptr, a.len, dest), 0);
	char *d = describe(dest);
	assert_string_equal(d, "");
	free(d);
	pg_payload_list_free(&l);
	pg_buf_free(&a);
	free(src);
	free(dest);
	unit_rmtree(t);
}

/* Non-ASCII (UTF-8) file names pack, list and extract unchanged. */
static void test_create_utf8_names(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src"), *dest = pg_path_join(t, "dest");
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	assert_int_equal(mkdir(src, 0755), 0);
	put(src, "caf\xc3\xa9.txt", "coffee\n", 0644);
	int err = pg_payload_create(&a, src, NULL, NULL, NULL);
	if (err < 0)
		fail_msg("pg_payload_create with a UTF-8 name: %d %s", err, pg_error_last());
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].path, "caf\xc3\xa9.txt");
	assert_int_equal(pg_payload_extract(a.ptr, a.len, dest), 0);
	char *d = describe(dest);
	assert_string_equal(d, "f caf\xc3\xa9.txt coffee\n\n");
	free(d);
	pg_payload_list_free(&l);
	pg_buf_free(&a);
	free(src);
	free(dest);
	unit_rmtree(t);
}

/* --- choosing what to pack ---------------------------------------------- */

/* A files list packs exactly the named paths, directories with all they
 * hold, each once, whatever the order of the list. */
static void test_create_files_list(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	make_tree(t, 0);

	const char *files[] = { "sub", "b.txt", "b.txt", NULL };
	pack(&a, t, files, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 4);
	assert_entry(&l.e[0], "b.txt", 'f', 7, NULL);
	assert_entry(&l.e[1], "sub", 'd', 0, NULL);
	assert_entry(&l.e[2], "sub/" LONG_NAME, 'f', 5, NULL);
	assert_entry(&l.e[3], "sub/file", 'f', 7, NULL);
	pg_payload_list_free(&l);

	const char *reordered[] = { "b.txt", "sub", NULL };
	pack(&b, t, reordered, NULL, NULL);
	assert_same_bytes(&a, &b);

	/* a single file deep in the tree; a symlink is packed as a link */
	const char *one[] = { "sub/file", "link", NULL };
	pack(&a, t, one, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 2);
	assert_entry(&l.e[0], "link", 'l', 0, "sub/file");
	assert_entry(&l.e[1], "sub/file", 'f', 7, NULL);
	pg_payload_list_free(&l);

	/* an empty list packs nothing */
	const char *none[] = { NULL };
	pack(&a, t, none, NULL, NULL);
	assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
	assert_int_equal(l.n, 0);

	/* a missing name is an error, not a silent omission */
	const char *missing[] = { "a.txt", "nope.txt", NULL };
	assert_error(pg_payload_create(&a, t, missing, NULL, NULL), PG_ENOTFOUND, "nope.txt");

	/* a name with '..' is refused, even when it resolves inside */
	const char *up[] = { "sub/../a.txt", NULL };
	assert_error(pg_payload_create(&a, t, up, NULL, NULL), PG_EINVALID, "'..'");

	pg_buf_free(&a);
	pg_buf_free(&b);
	unit_rmtree(t);
}

/* Naming a directory and something inside it packs that thing once: the
 * payload equals the one for the directory alone, and it extracts (or the
 * list is refused outright; a payload that cannot be extracted is a bug). */
static void test_create_files_overlap(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src"), *dest = pg_path_join(t, "dest");
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	assert_int_equal(mkdir(src, 0755), 0);
	make_tree(src, 0);
	const char *dir[] = { "sub", NULL };
	const char *overlap[] = { "sub", "sub/file", NULL };
	pack(&a, src, dir, NULL, NULL);
	int err = pg_payload_create(&b, src, overlap, NULL, NULL);
	if (err == 0) {
		pg_payload_list l = { NULL, 0 };
		assert_int_equal(pg_payload_scan(&l, b.ptr, b.len), 0);
		for (size_t i = 0; i + 1 < l.n; i++)
			for (size_t j = i + 1; j < l.n; j++)
				if (!strcmp(l.e[i].path, l.e[j].path))
					fail_msg("'%s' packed twice", l.e[i].path);
		pg_payload_list_free(&l);
		assert_same_bytes(&a, &b);
		err = pg_payload_extract(b.ptr, b.len, dest);
		if (err < 0)
			fail_msg("extracting: %d %s", err, pg_error_last());
	}
	pg_buf_free(&a);
	pg_buf_free(&b);
	free(src);
	free(dest);
	unit_rmtree(t);
}

struct filter_log {
	int calls_below_git;
	int sub_is_dir;
	int a_is_dir;
};

static int skip_git_and_objects(const char *rel, int is_dir, void *data)
{
	struct filter_log *log = data;
	size_t n = strlen(rel);
	if (!strncmp(rel, ".git/", 5))
		log->calls_below_git++;
	if (!strcmp(rel, "sub"))
		log->sub_is_dir = is_dir;
	if (!strcmp(rel, "a.txt"))
		log->a_is_dir = is_dir;
	if (!strcmp(rel, ".git"))
		return 0;
	if (n > 2 && !strcmp(rel + n - 2, ".o"))
		return 0;
	return 1;
}

/* The filter sees relative paths, skips what it rejects and never sees
 * what is below a rejected directory. */
static void test_create_filter(void **state)
{
	(void)state;
	char *t = unit_tmpdir(), *u = unit_tmpdir();
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	make_tree(t, 0);
	make_tree(u, 0);
	mkd(t, ".git", 0755);
	put(t, ".git/HEAD", "ref: refs/heads/main\n", 0644);
	put(t, "main.o", "\x7f" "ELF", 0644);
	put(t, "sub/x.o", "\x7f" "ELF", 0644);
	put(t, "sub/x.c", "int x;\n", 0644);
	put(u, "sub/x.c", "int x;\n", 0644);

	struct filter_log log = { 0, -1, -1 };
	pack(&a, t, NULL, skip_git_and_objects, &log);
	assert_int_equal(log.calls_below_git, 0);
	assert_int_equal(log.sub_is_dir, 1);
	assert_int_equal(log.a_is_dir, 0);
	pack(&b, u, NULL, NULL, NULL);
	assert_same_bytes(&a, &b); /* exactly the tree without the skipped parts */

	pg_buf_free(&a);
	pg_buf_free(&b);
	unit_rmtree(t);
	unit_rmtree(u);
}

/* --- what create refuses ------------------------------------------------ */

static void test_create_refuses_fifo(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	make_tree(t, 0);
	char *f = pg_path_join(t, "sub/pipe");
	assert_int_equal(mkfifo(f, 0644), 0);
	assert_error(pg_payload_create(&a, t, NULL, NULL, NULL), PG_EINVALID,
		     "is not a file, directory or symlink");
	assert_error(pg_payload_create(&a, t, NULL, NULL, NULL), PG_EINVALID, "sub/pipe");
	free(f);
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* Past PG_PAYLOAD_ENTRIES entries create refuses.  The names are hard links
 * to one empty file (creating 10000 inodes is slow on some file systems);
 * they also show that hard links on disk are packed as plain files. */
static void test_create_refuses_too_many_entries(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	put(t, "00000", "", 0644);
	char *first = pg_path_join(t, "00000");
	for (int i = 1; i <= PG_PAYLOAD_ENTRIES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%05d", i);
		char *p = pg_path_join(t, name);
		if (i == PG_PAYLOAD_ENTRIES) {
			/* exactly at the limit is fine */
			pack(&a, t, NULL, NULL, NULL);
			assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
			assert_int_equal(l.n, PG_PAYLOAD_ENTRIES);
			assert_entry(&l.e[1], "00001", 'f', 0, NULL);
			pg_payload_list_free(&l);
		}
		assert_int_equal(link(first, p), 0);
		free(p);
	}
	assert_error(pg_payload_create(&a, t, NULL, NULL, NULL), PG_EINVALID, "more than 10000 entries");
	free(first);
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* A file over PG_PAYLOAD_MAX is refused before it is read (the file here is
 * sparse, so this costs nothing). */
static void test_create_refuses_huge_file(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	put(t, "small.txt", "x", 0644);
	char *p = pg_path_join(t, "huge.bin");
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PG_PAYLOAD_MAX + 1), 0);
	close(fd);
	assert_error(pg_payload_create(&a, t, NULL, NULL, NULL), PG_EINVALID, "more than 67108864 bytes");
	free(p);
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* A symlink is packed with its whole target, or refused: never cut short. */
static void test_create_long_symlink_target(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	char target[1100 + 1];
	for (size_t i = 0; i < sizeof(target) - 1; i++)
		target[i] = (i % 10 == 9) ? '/' : 'a';
	target[sizeof(target) - 1] = '\0';
	target[sizeof(target) - 2] = 'z'; /* no trailing slash */
	lnk(t, "link", target);
	int err = pg_payload_create(&a, t, NULL, NULL, NULL);
	if (err == 0) {
		assert_int_equal(pg_payload_scan(&l, a.ptr, a.len), 0);
		assert_int_equal(l.n, 1);
		assert_non_null(l.e[0].target);
		if (strcmp(l.e[0].target, target) != 0)
			fail_msg("symlink target of %zu bytes packed as %zu bytes",
				 strlen(target), strlen(l.e[0].target));
		pg_payload_list_free(&l);
	} else {
		assert_error(err, PG_EINVALID, "link");
	}
	pg_buf_free(&a);
	unit_rmtree(t);
}

/* --- extraction --------------------------------------------------------- */

/* Extraction reproduces the tree: contents, exec bits (as 0755 / 0644),
 * the symlink; into an absolute or a relative destination. */
static void test_extract_round_trip(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src"), *dest = pg_path_join(t, "dest");
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	assert_int_equal(mkdir(src, 0755), 0);
	make_tree(src, 1);
	pack(&a, src, NULL, NULL, NULL);
	assert_int_equal(pg_payload_extract(a.ptr, a.len, dest), 0);

	char *ds = describe(src), *dd = describe(dest);
	assert_string_equal(dd, ds);
	assert_non_null(strstr(dd, "x run.sh #!/bin/sh\necho hi\n"));
	assert_non_null(strstr(dd, "l link -> sub/file\n"));
	assert_non_null(strstr(dd, "d empty\n"));
	free(ds);
	free(dd);

	/* modes are the normalised ones */
	struct {
		const char *rel;
		mode_t mode;
	} modes[] = { { "a.txt", 0644 }, { "b.txt", 0644 }, { "run.sh", 0755 },
		      { "sub", 0755 }, { "empty", 0755 }, { "sub/file", 0644 } };
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		char *p = pg_path_join(dest, modes[i].rel);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		if ((st.st_mode & 07777) != modes[i].mode)
			fail_msg("'%s' has mode %o, expected %o", modes[i].rel,
				 (unsigned)(st.st_mode & 07777), (unsigned)modes[i].mode);
		free(p);
	}

	/* the extracted tree packs to the same bytes */
	pack(&b, dest, NULL, NULL, NULL);
	assert_same_bytes(&a, &b);

	/* a relative destination, and the working directory is kept */
	char before[4096], after[4096];
	assert_non_null(getcwd(before, sizeof(before)));
	assert_int_equal(chdir(t), 0);
	assert_int_equal(pg_payload_extract(a.ptr, a.len, "rel-dest"), 0);
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(after, t);
	assert_int_equal(chdir(before), 0);
	char *rel = pg_path_join(t, "rel-dest");
	ds = describe(src);
	dd = describe(rel);
	assert_string_equal(dd, ds);
	free(ds);
	free(dd);
	free(rel);

	/* nothing else beside the destinations */
	char *top = describe(t);
	assert_null(strstr(top, "pg-tmp"));
	free(top);

	pg_buf_free(&a);
	pg_buf_free(&b);
	free(src);
	free(dest);
	unit_rmtree(t);
}

/* An existing destination, whatever it is, is refused with PG_EEXISTS and
 * left exactly as it was. */
static void test_extract_refuses_existing(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src");
	pg_buf a = PG_BUF_INIT;
	assert_int_equal(mkdir(src, 0755), 0);
	put(src, "a.txt", "alpha\n", 0644);
	put(src, "run.sh", "#!/bin/sh\n", 0755);
	lnk(src, "link", "a.txt");
	pack(&a, src, NULL, NULL, NULL);

	mkd(t, "dir", 0755);
	put(t, "dir/keep", "mine\n", 0644);
	put(t, "file", "mine too\n", 0644);
	mkd(t, "emptydir", 0755);
	char *before = describe(t);

	const char *dests[] = { "dir", "file", "emptydir" };
	for (size_t i = 0; i < sizeof(dests) / sizeof(*dests); i++) {
		char *d = pg_path_join(t, dests[i]);
		assert_error(pg_payload_extract(a.ptr, a.len, d), PG_EEXISTS, dests[i]);
		free(d);
		char *now = describe(t);
		assert_string_equal(now, before);
		free(now);
	}
	free(before);
	pg_buf_free(&a);
	free(src);
	unit_rmtree(t);
}

/* A symlink, even a dangling one, is an existing path too. */
static void test_extract_refuses_dangling_symlink_dest(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	char *src = pg_path_join(t, "src");
	pg_buf a = PG_BUF_INIT;
	assert_int_equal(mkdir(src, 0755), 0);
	put(src, "a.txt", "alpha\n", 0644);
	pack(&a, src, NULL, NULL, NULL);
	lnk(t, "dangling", "nowhere");
	char *before = describe(t);
	char *d = pg_path_join(t, "dangling");
	assert_error(pg_payload_extract(a.ptr, a.len, d), PG_EEXISTS, "dangling");
	char *now = describe(t);
	assert_string_equal(now, before);
	free(now);
	free(d);
	free(before);
	pg_buf_free(&a);
	free(src);
	unit_rmtree(t);
}

/* --- hostile archives --------------------------------------------------- */

static void test_hostile_path_traversal(void **state)
{
	(void)state;
	REFUSE(PAX, "'../evil'", "'..'", { "../evil", AE_IFREG, 0644, "pwned\n", NULL, NULL });
	REFUSE(USTAR, "'a/../../evil'", "'..'", { "a/../../evil", AE_IFREG, 0644, "pwned\n", NULL, NULL });
	REFUSE(GNUTAR, "'ok/..", "'..'", { "ok/..", AE_IFDIR, 0755, NULL, NULL, NULL });
	/* a good entry first: the refusal must still leave nothing */
	REFUSE(PAX, "'../../evil'", "'..'", { "good.txt", AE_IFREG, 0644, "fine\n", NULL, NULL },
	       { "../../evil", AE_IFREG, 0644, "pwned\n", NULL, NULL });
}

static void test_hostile_absolute_path(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	/* at a fresh name under /tmp, and at the arena's own parent directory */
	struct craft c[] = { { "good.txt", AE_IFREG, 0644, "fine\n", NULL, NULL },
			     { ar.evil, AE_IFREG, 0644, "pwned\n", NULL, NULL } };
	craft(&tar, PAX, c, 2);
	assert_refused(&ar, &tar, ar.evil, "absolute path");
	char *p = pg_path_join(ar.base, "p/evil");
	c[1].path = p;
	craft(&tar, USTAR, c, 2);
	assert_refused(&ar, &tar, p, "absolute path");
	free(p);
	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_symlinks(void **state)
{
	(void)state;
	const char *why = "leaves the tree";
	REFUSE(PAX, "'../../outside'", why, { "link", AE_IFLNK, 0777, NULL, "../../outside", NULL });
	REFUSE(PAX, "'/etc'", why, { "link", AE_IFLNK, 0777, NULL, "/etc", NULL });
	REFUSE(USTAR, "'sub/../..'", why, { "link", AE_IFLNK, 0777, NULL, "sub/../..", NULL },
	       { "link/x", AE_IFREG, 0644, "pwned\n", NULL, NULL });
	REFUSE(PAX, "'..'", why, { "sub/up", AE_IFLNK, 0777, NULL, "..", NULL });
	REFUSE(PAX, "'.'", why, { "self", AE_IFLNK, 0777, NULL, ".", NULL });
	REFUSE(PAX, "'self'", why, { "self", AE_IFLNK, 0777, NULL, "", NULL });

	/* an absolute link at the arena itself, then a file through it */
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	char *p = pg_path_join(ar.base, "p");
	struct craft c[] = { { "link", AE_IFLNK, 0777, NULL, p, NULL },
			     { "link/evil", AE_IFREG, 0644, "pwned\n", NULL, NULL } };
	craft(&tar, PAX, c, 2);
	assert_refused(&ar, &tar, "'link'", why);
	free(p);
	pg_buf_free(&tar);
	arena_close(&ar);
}

/* A link that stays inside is allowed, but no entry may lie below it:
 * it would be written through the link.  Scan and extract both refuse,
 * and nothing is left behind. */
static void test_hostile_write_through_inner_symlink(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	struct craft c[] = { { "sub/keep", AE_IFREG, 0644, "kept\n", NULL, NULL },
			     { "link", AE_IFLNK, 0777, NULL, "sub", NULL },
			     { "link/x", AE_IFREG, 0644, "through\n", NULL, NULL } };
	craft(&tar, PAX, c, 3);
	assert_refused(&ar, &tar, "'link/x'", "lies below the symlink 'link'");
	pg_buf_free(&tar);
	arena_close(&ar);
}

/* A listed directory holds what is below it even when another listed name
 * sorts between them ("a", "a-b", "a/x"). */
static void test_create_files_overlap_interleaved(void **state)
{
	(void)state;
	char *t = unit_tmpdir();
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	mkd(t, "a", 0755);
	mkd(t, "a-b", 0755);
	put(t, "a/x", "x\n", 0644);
	put(t, "a-b/y", "y\n", 0644);
	const char *dirs[] = { "a", "a-b", NULL };
	const char *interleaved[] = { "a", "a-b", "a/x", NULL };
	pack(&a, t, dirs, NULL, NULL);
	pack(&b, t, interleaved, NULL, NULL);
	assert_same_bytes(&a, &b);
	pg_buf_free(&a);
	pg_buf_free(&b);
	unit_rmtree(t);
}

/* An entry below a file would replace it or fail; an entry below a link
 * that comes before the link would be written, then turned into a
 * directory.  Both are refused, in either order. */
static void test_hostile_entry_below_non_directory(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	struct craft below_file[] = { { "a", AE_IFREG, 0644, "file\n", NULL, NULL },
				      { "a/b", AE_IFREG, 0644, "below\n", NULL, NULL } };
	craft(&tar, PAX, below_file, 2);
	assert_refused(&ar, &tar, "'a/b'", "lies below the file 'a'");
	struct craft link_after[] = { { "sub/keep", AE_IFREG, 0644, "kept\n", NULL, NULL },
				      { "link/x", AE_IFREG, 0644, "first\n", NULL, NULL },
				      { "link", AE_IFLNK, 0777, NULL, "sub", NULL } };
	craft(&tar, PAX, link_after, 3);
	assert_refused(&ar, &tar, "'link/x'", "lies below the symlink 'link'");
	pg_buf_free(&tar);
	arena_close(&ar);
}

/* pg writes only 0644/0755 files, 0755 directories and 0777 links; a
 * setuid file or a group-writable one would be extracted as it stands. */
static void test_hostile_modes(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	static const struct {
		int type, perm;
	} bad[] = { { AE_IFREG, 04755 }, { AE_IFREG, 02755 }, { AE_IFREG, 0664 }, { AE_IFREG, 0600 },
		    { AE_IFDIR, 01777 }, { AE_IFDIR, 0775 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct craft c[] = { { "evil", bad[i].type, bad[i].perm, bad[i].type == AE_IFREG ? "x\n" : NULL, NULL, NULL } };
		craft(&tar, PAX, c, 1);
		assert_refused(&ar, &tar, "'evil'", "mode");
	}
	pg_buf_free(&tar);
	arena_close(&ar);
}

/* Two entries for one path: refused by scan, as extraction would refuse. */
static void test_hostile_duplicate_path(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	struct craft c[] = { { "a.txt", AE_IFREG, 0644, "one\n", NULL, NULL },
			     { "a.txt", AE_IFREG, 0644, "two\n", NULL, NULL } };
	craft(&tar, PAX, c, 2);
	assert_refused(&ar, &tar, "'a.txt'", "appears twice");
	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_hard_link(void **state)
{
	(void)state;
	const char *why = "hard links are not allowed";
	REFUSE(PAX, "'hard'", why, { "a.txt", AE_IFREG, 0644, "fine\n", NULL, NULL },
	       { "hard", AE_IFREG, 0644, NULL, NULL, "a.txt" });
	REFUSE(USTAR, "'hard'", why, { "hard", AE_IFREG, 0644, NULL, NULL, "/etc/passwd" });
	REFUSE(GNUTAR, "'hard'", why, { "hard", AE_IFREG, 0644, NULL, NULL, "../../x" });
}

static void test_hostile_devices(void **state)
{
	(void)state;
	const char *why = "devices, fifos and sockets are not allowed";
	REFUSE(PAX, "'null'", why, { "null", AE_IFCHR, 0666, NULL, NULL, NULL });
	REFUSE(USTAR, "'disk'", why, { "disk", AE_IFBLK, 0660, NULL, NULL, NULL });
	REFUSE(GNUTAR, "'pipe'", why, { "a.txt", AE_IFREG, 0644, "x", NULL, NULL },
	       { "pipe", AE_IFIFO, 0644, NULL, NULL, NULL });
}

/* n empty files in one archive */
static void craft_many(pg_buf *out, int n)
{
	struct archive *a = craft_open(out, USTAR);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%05d", i);
		struct craft c = { name, AE_IFREG, 0644, NULL, NULL, NULL };
		craft_add(a, &c);
	}
	craft_close(a);
}

static void test_hostile_too_many_entries(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	arena_open(&ar);
	craft_many(&tar, PG_PAYLOAD_ENTRIES);
	assert_int_equal(pg_payload_scan(&l, tar.ptr, tar.len), 0); /* the limit itself is fine */
	assert_int_equal(l.n, PG_PAYLOAD_ENTRIES);
	pg_payload_list_free(&l);
	craft_many(&tar, PG_PAYLOAD_ENTRIES + 1);
	assert_refused(&ar, &tar, "10000", "more than 10000 entries");
	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_huge_size(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	const char *why = "more than 67108864 bytes";

	/* one header claiming just over the limit, with a block of data */
	raw_header(&tar, "big", '0', (uint64_t)PG_PAYLOAD_MAX + 1, 0);
	pg_buf_grow(&tar, 512);
	memset(tar.ptr + tar.len, 'A', 512);
	tar.len += 512;
	assert_refused(&ar, &tar, "", why);

	/* the largest octal size and a base-256 size of 2^62 */
	pg_buf_clear(&tar);
	raw_header(&tar, "big", '0', 077777777777ull, 0);
	assert_refused(&ar, &tar, "", why);
	pg_buf_clear(&tar);
	raw_header(&tar, "big", '0', 1ull << 62, 1);
	assert_refused(&ar, &tar, "", why);

	/* two files, each under the limit, together over it: 40 MiB of real
	 * data, then a header claiming 30 MiB more */
	pg_buf_clear(&tar);
	uint64_t first = 40u << 20;
	raw_header(&tar, "one", '0', first, 0);
	pg_buf_grow(&tar, first);
	memset(tar.ptr + tar.len, 0, first);
	tar.len += first;
	raw_header(&tar, "two", '0', 30u << 20, 0);
	assert_true(tar.len < PG_PAYLOAD_MAX);
	assert_refused(&ar, &tar, "", why);

	/* an archive longer than the limit, even if its entries are small */
	pg_buf_clear(&tar);
	raw_header(&tar, "small", '0', 1, 0);
	pg_buf_grow(&tar, PG_PAYLOAD_MAX + 512);
	memset(tar.ptr + tar.len, 0, PG_PAYLOAD_MAX + 512);
	tar.ptr[tar.len] = 'x';
	tar.len += PG_PAYLOAD_MAX + 512;
	assert_refused(&ar, &tar, "", "larger than 67108864 bytes");

	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_long_path(void **state)
{
	(void)state;
	char path[PG_PAYLOAD_PATH_MAX + 2];
	/* components of 9 bytes and a slash, then padding */
	for (size_t i = 0; i < sizeof(path) - 1; i++)
		path[i] = (i % 10 == 9) ? '/' : 'a';
	path[PG_PAYLOAD_PATH_MAX + 1] = '\0';
	if (path[PG_PAYLOAD_PATH_MAX] == '/')
		path[PG_PAYLOAD_PATH_MAX] = 'b';
	assert_int_equal(strlen(path), PG_PAYLOAD_PATH_MAX + 1);
	REFUSE(PAX, "", "path longer than 1024 bytes", { path, AE_IFREG, 0644, "x", NULL, NULL });

	/* exactly the limit is accepted */
	pg_buf tar = PG_BUF_INIT;
	pg_payload_list l = { NULL, 0 };
	path[PG_PAYLOAD_PATH_MAX] = '\0';
	if (path[PG_PAYLOAD_PATH_MAX - 1] == '/')
		path[PG_PAYLOAD_PATH_MAX - 1] = 'b';
	struct craft c = { path, AE_IFREG, 0644, "x", NULL, NULL };
	craft(&tar, PAX, &c, 1);
	assert_int_equal(pg_payload_scan(&l, tar.ptr, tar.len), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].path, path);
	pg_payload_list_free(&l);

	pg_buf_free(&tar);
}

static void test_hostile_not_utf8(void **state)
{
	(void)state;
	const char *why = "not valid UTF-8";
	REFUSE(USTAR, "", why, { "bad\xff\xfe.txt", AE_IFREG, 0644, "x", NULL, NULL });
	/* an overlong encoding of '/' */
	REFUSE(USTAR, "", why, { "a\xc0\xaf" "b", AE_IFREG, 0644, "x", NULL, NULL });
	/* a UTF-16 surrogate */
	REFUSE(GNUTAR, "", why, { "s\xed\xa0\x80", AE_IFREG, 0644, "x", NULL, NULL });
	/* a truncated sequence at the end */
	REFUSE(USTAR, "", why, { "end\xc3", AE_IFREG, 0644, "x", NULL, NULL });
}

static void test_hostile_not_a_tar(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);

	/* text */
	for (int i = 0; i < 100; i++)
		pg_buf_puts(&tar, "this is not a tar archive, just some text\n");
	assert_refused(&ar, &tar, "", "not a tar archive");

	/* pseudo-random bytes */
	pg_buf_clear(&tar);
	uint32_t x = 12345;
	for (int i = 0; i < 8192; i++) {
		x = x * 1103515245u + 12345u;
		pg_buf_putc(&tar, (char)(x >> 16));
	}
	assert_refused(&ar, &tar, "", "not a tar archive");

	/* a gzip-compressed tar is not accepted either (no decompression) */
	struct craft c = { "a.txt", AE_IFREG, 0644, "alpha\n", NULL, NULL };
	pg_buf plain = PG_BUF_INIT;
	craft(&plain, PAX, &c, 1);
	assert_int_equal(pg_payload_scan(NULL, plain.ptr, plain.len), 0);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	pg_buf_clear(&tar);
	assert_int_equal(archive_write_open(a, &tar, NULL, craft_write_cb, NULL), ARCHIVE_OK);
	craft_add(a, &c);
	craft_close(a);
	assert_refused(&ar, &tar, "", "not a tar archive");

	/* a valid header with a broken checksum */
	pg_buf_clear(&tar);
	pg_buf_put(&tar, plain.ptr, plain.len);
	tar.ptr[150] ^= 1;
	assert_refused(&ar, &tar, "", "not a tar archive");

	pg_buf_free(&plain);
	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_truncated(void **state)
{
	(void)state;
	struct arena ar;
	pg_buf tar = PG_BUF_INIT;
	arena_open(&ar);
	char *data = pg_malloc(10001);
	for (int i = 0; i < 10000; i++)
		data[i] = (char)('a' + i % 26);
	data[10000] = '\0';
	struct craft c[] = { { "first.txt", AE_IFREG, 0644, "fine\n", NULL, NULL },
			     { "big.bin", AE_IFREG, 0644, data, NULL, NULL },
			     { "last.txt", AE_IFREG, 0644, "end\n", NULL, NULL } };
	craft(&tar, USTAR, c, 3);
	pg_payload_list l = { NULL, 0 };
	assert_int_equal(pg_payload_scan(&l, tar.ptr, tar.len), 0);
	assert_int_equal(l.n, 3);
	pg_payload_list_free(&l);
	/* cut in the middle of big.bin's data */
	tar.len = 512 + 512 + 512 + 3000;
	assert_refused(&ar, &tar, "", "damaged");
	/* cut in the middle of a header */
	tar.len = 512 + 512 + 100;
	assert_refused(&ar, &tar, "", "damaged");
	free(data);
	pg_buf_free(&tar);
	arena_close(&ar);
}

static void test_hostile_odd_components(void **state)
{
	(void)state;
	const char *why = "empty component";
	REFUSE(USTAR, "'a//b'", why, { "a//b", AE_IFREG, 0644, "x", NULL, NULL });
	REFUSE(USTAR, "'./a'", why, { "./a", AE_IFREG, 0644, "x", NULL, NULL });
	REFUSE(PAX, "'a/./b'", why, { "a/./b", AE_IFREG, 0644, "x", NULL, NULL });
	REFUSE(PAX, "'a/.'", why, { "a/.", AE_IFREG, 0644, "x", NULL, NULL });
	REFUSE(GNUTAR, "'.", why, { ".", AE_IFDIR, 0755, NULL, NULL, NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_subdirectory),
		cmocka_unit_test(test_create_deterministic),
		cmocka_unit_test(test_create_headers_normalised),
		cmocka_unit_test(test_create_changes_show),
		cmocka_unit_test(test_scan_lists_entries),
		cmocka_unit_test(test_create_empty_tree),
		cmocka_unit_test(test_create_utf8_names),
		cmocka_unit_test(test_create_files_list),
		cmocka_unit_test(test_create_files_overlap),
		cmocka_unit_test(test_create_filter),
		cmocka_unit_test(test_create_refuses_fifo),
		cmocka_unit_test(test_create_refuses_too_many_entries),
		cmocka_unit_test(test_create_refuses_huge_file),
		cmocka_unit_test(test_create_long_symlink_target),
		cmocka_unit_test(test_extract_round_trip),
		cmocka_unit_test(test_extract_refuses_existing),
		cmocka_unit_test(test_extract_refuses_dangling_symlink_dest),
		cmocka_unit_test(test_hostile_path_traversal),
		cmocka_unit_test(test_hostile_absolute_path),
		cmocka_unit_test(test_hostile_symlinks),
		cmocka_unit_test(test_hostile_write_through_inner_symlink),
		cmocka_unit_test(test_hostile_duplicate_path),
		cmocka_unit_test(test_create_files_overlap_interleaved),
		cmocka_unit_test(test_hostile_entry_below_non_directory),
		cmocka_unit_test(test_hostile_modes),
		cmocka_unit_test(test_hostile_hard_link),
		cmocka_unit_test(test_hostile_devices),
		cmocka_unit_test(test_hostile_too_many_entries),
		cmocka_unit_test(test_hostile_huge_size),
		cmocka_unit_test(test_hostile_long_path),
		cmocka_unit_test(test_hostile_not_utf8),
		cmocka_unit_test(test_hostile_not_a_tar),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_odd_components),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
