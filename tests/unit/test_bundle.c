/* test_bundle.c - the bundle reader: names, order, types, limits, refs lines */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>

#include "bundle.h"

#define PK_A "1111111111111111111111111111111111111111111111111111111111111111"
#define PK_B "2222222222222222222222222222222222222222222222222222222222222222"
#define OID_1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OID_2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define GOOD_REFS PK_A " " OID_1 " -\n" PK_B " " OID_2 " " OID_1 "\n"

/* One entry of a test archive: a regular file unless type says otherwise. */
struct ent {
	const char *name;
	const char *data; /* NULL with size: that many zero bytes */
	size_t size;
	mode_t type;      /* 0: AE_IFREG */
	const char *link; /* symlink target or hard link source */
};

enum { ZSTD = 1, PLAIN = 0 };

/* Write the entries as a tar (zstd-compressed unless PLAIN) into a file
 * in dir; returns its path. */
static char *write_tar(const char *dir, int zstd, const struct ent *e, size_t n)
{
	char *path = pg_path_join(dir, "b.pgb");
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	archive_write_set_format_pax_restricted(a);
	if (zstd)
		assert_true(archive_write_add_filter_zstd(a) >= ARCHIVE_WARN);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	static char zeros[65536];
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_perm(ae, 0644);
		if (e[i].type == AE_IFLNK) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].link);
		} else if (e[i].type == AE_IFDIR) {
			archive_entry_set_filetype(ae, AE_IFDIR);
		} else {
			archive_entry_set_filetype(ae, AE_IFREG);
			if (e[i].link)
				archive_entry_set_hardlink(ae, e[i].link);
			size_t size = e[i].data ? strlen(e[i].data) : e[i].size;
			archive_entry_set_size(ae, e[i].link ? 0 : (la_int64_t)size);
			assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
			if (e[i].link)
				continue;
			if (e[i].data)
				assert_int_equal(archive_write_data(a, e[i].data, size), (la_ssize_t)size);
			for (size_t left = e[i].data ? 0 : size; left;) {
				size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
				assert_int_equal(archive_write_data(a, zeros, k), (la_ssize_t)k);
				left -= k;
			}
			continue;
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
	return path;
}

struct got {
	pg_buf pack;
	uint64_t total;
	size_t calls;
	int fail;
};

static int on_pack(const void *data, size_t len, uint64_t total, void *payload)
{
	struct got *g = payload;
	g->calls++;
	g->total = total;
	if (g->fail)
		return pg_error_set(PG_EINTEGRITY, "the sink refused");
	pg_buf_put(&g->pack, data, len);
	return 0;
}

/* Read entries written as a bundle; returns the error, frees what was read. */
static int read_entries(int zstd, const struct ent *e, size_t n, uint64_t pack_max, struct got *g)
{
	char *dir = unit_tmpdir(), *path = write_tar(dir, zstd, e, n);
	pg_bundle_ref *refs;
	size_t nrefs;
	int err = pg_bundle_read(&refs, &nrefs, path, pack_max, on_pack, g);
	if (err < 0) {
		assert_null(refs);
		assert_int_equal(nrefs, 0);
	}
	free(refs);
	free(path);
	unit_rmtree(dir);
	return err;
}

#define READ(zstd, max, g, ...)                                                                       \
	read_entries((zstd), (const struct ent[]){ __VA_ARGS__ },                                     \
		     sizeof((const struct ent[]){ __VA_ARGS__ }) / sizeof(struct ent), (max), (g))

static const struct ent HEADER = { "pg-bundle", "pg bundle 1\n", 0, 0, NULL };
static const struct ent REFS = { "refs", GOOD_REFS, 0, 0, NULL };
static const struct ent PACK = { "pack", "PACK-not-really", 0, 0, NULL };

static void test_good(void **state)
{
	(void)state;
	char *dir = unit_tmpdir();
	const struct ent es[] = { HEADER, REFS, PACK };
	char *path = write_tar(dir, ZSTD, es, 3);
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	pg_bundle_ref *refs;
	size_t n;
	assert_int_equal(pg_bundle_read(&refs, &n, path, 1000, on_pack, &g), 0);
	assert_int_equal(n, 2);
	char hex[PG_HEX_LEN + 1], oid[GIT_OID_HEXSZ + 1];
	pg_hex(hex, refs[0].publisher, PG_PK_LEN);
	assert_string_equal(hex, PK_A);
	assert_true(git_oid_is_zero(&refs[0].base));
	git_oid_tostr(oid, sizeof(oid), &refs[1].tip);
	assert_string_equal(oid, OID_2);
	git_oid_tostr(oid, sizeof(oid), &refs[1].base);
	assert_string_equal(oid, OID_1);
	assert_int_equal(g.pack.len, strlen(PACK.data));
	assert_memory_equal(g.pack.ptr, PACK.data, g.pack.len);
	assert_int_equal(g.total, strlen(PACK.data));
	free(refs);
	pg_buf_free(&g.pack);
	free(path);
	unit_rmtree(dir);
}

static void test_header(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	struct ent big = { "pg-bundle", NULL, PG_BUNDLE_HEADER_MAX + 1, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, big, REFS, PACK), PG_EINVALID, "would hold 65 bytes, more than the 64");
	struct ent v7 = { "pg-bundle", "pg bundle 7\n", 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, v7, REFS, PACK), PG_EINVALID, "is a version 7 pg bundle");
	struct ent other = { "pg-bundle", "pg bundle 1", 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, other, REFS, PACK), PG_EINVALID, "is not 'pg bundle 1'");
	struct ent crlf = { "pg-bundle", "pg bundle 1\r\n", 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, crlf, REFS, PACK), PG_EINVALID, "is not 'pg bundle 1'");
	assert_int_equal(g.calls, 0);
}

static void test_refs(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	static const char *const bad_lines[] = {
		"",                                         /* no logs */
		PK_A " " OID_1 " -",                        /* no newline */
		PK_A " " OID_1 " -\r\n",                    /* CRLF */
		PK_A "  " OID_1 " -\n",                     /* two spaces */
		PK_A " " OID_1 "\n",                        /* no base */
		PK_A " " OID_1 " - \n",                     /* trailing space */
		"1111 " OID_1 " -\n",                       /* short key */
		PK_A " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -\n", /* upper case */
		PK_A " 0000000000000000000000000000000000000000 -\n", /* zero tip */
		PK_A " " OID_1 " 0000000000000000000000000000000000000000\n", /* zero base */
		PK_B " " OID_1 " -\n" PK_A " " OID_1 " -\n", /* out of order */
		PK_A " " OID_1 " -\n" PK_A " " OID_2 " -\n", /* a publisher twice */
	};
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(*bad_lines); i++) {
		struct ent r = { "refs", bad_lines[i], 0, 0, NULL };
		if (READ(ZSTD, 1000, &g, HEADER, r, PACK) != PG_EINVALID)
			fail_msg("refs %zu were accepted: %s", i, bad_lines[i]);
		assert_non_null(strstr(pg_error_last(), "refs"));
	}
	struct ent big = { "refs", NULL, PG_BUNDLE_REFS_MAX + 1, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, big, PACK), PG_EINVALID, "its 'refs' would hold 1048577 bytes");
	assert_int_equal(g.calls, 0);
}

/* A pack over the limit is refused before one byte of it reaches cb. */
static void test_pack_limit(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	struct ent bomb = { "pack", NULL, 10 << 20, 0, NULL };
	assert_error(READ(ZSTD, 1 << 20, &g, HEADER, REFS, bomb), PG_EINVALID,
		     "its 'pack' would hold 10485760 bytes, more than the 1048576 allowed");
	assert_int_equal(g.calls, 0);
	struct ent fits = { "pack", NULL, 1 << 20, 0, NULL };
	assert_int_equal(READ(ZSTD, 1 << 20, &g, HEADER, REFS, fits), 0);
	assert_int_equal(g.pack.len, 1 << 20);
	assert_int_equal(g.total, 1 << 20);
	pg_buf_free(&g.pack);
}

static void test_entries(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	struct ent extra = { "extra", "x", 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, REFS, PACK, extra), PG_EINVALID, "holds 'extra' after its pack");
	pg_buf_free(&g.pack); /* the pack was read before what follows it */
	g.calls = 0;
	assert_error(READ(ZSTD, 1000, &g, HEADER, extra, REFS, PACK), PG_EINVALID, "holds 'extra' where 'refs' belongs");
	assert_error(READ(ZSTD, 1000, &g, REFS, HEADER, PACK), PG_EINVALID, "holds 'refs' where 'pg-bundle' belongs");
	assert_error(READ(ZSTD, 1000, &g, HEADER, REFS), PG_EINVALID, "ends before its 'pack'");
	struct ent dotdot = { "../pack", "x", 0, 0, NULL }, abs = { "/refs", GOOD_REFS, 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, REFS, dotdot), PG_EINVALID, "holds '../pack' where 'pack' belongs");
	assert_error(READ(ZSTD, 1000, &g, HEADER, abs, PACK), PG_EINVALID, "holds '/refs' where 'refs' belongs");
	struct ent dotslash = { "./refs", GOOD_REFS, 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, dotslash, PACK), PG_EINVALID, "holds './refs' where 'refs'");
	struct ent ctl = { "re\nfs", GOOD_REFS, 0, 0, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, ctl, PACK), PG_EINVALID, "holds 're?fs' where 'refs'");
	struct ent link = { "refs", NULL, 0, AE_IFLNK, "/etc/passwd" };
	assert_error(READ(ZSTD, 1000, &g, HEADER, link, PACK), PG_EINVALID, "its 'refs' is a symbolic link");
	struct ent hard = { "refs", NULL, 0, 0, "pg-bundle" };
	assert_error(READ(ZSTD, 1000, &g, HEADER, hard, PACK), PG_EINVALID, "its 'refs' is a hard link");
	struct ent dir = { "pack", NULL, 0, AE_IFDIR, NULL };
	assert_error(READ(ZSTD, 1000, &g, HEADER, REFS, dir), PG_EINVALID, "pack");
	assert_int_equal(g.calls, 0);
}

static void test_not_a_bundle(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 0 };
	assert_error(READ(PLAIN, 1000, &g, HEADER, REFS, PACK), PG_EINVALID, "this one is not compressed");
	char *dir = unit_tmpdir(), *path = pg_path_join(dir, "x.pgb");
	pg_bundle_ref *refs;
	size_t n;
	FILE *f = fopen(path, "w");
	fputs("pg bundle 1\nnot a tar at all\n", f);
	fclose(f);
	assert_error(pg_bundle_read(&refs, &n, path, 1000, on_pack, &g), PG_EINVALID, "is not a pg bundle");
	f = fopen(path, "w");
	fclose(f);
	assert_error(pg_bundle_read(&refs, &n, path, 1000, on_pack, &g), PG_EINVALID, "is not a pg bundle");
	char *missing = pg_path_join(dir, "missing.pgb");
	assert_error(pg_bundle_read(&refs, &n, missing, 1000, on_pack, &g), PG_ENOTFOUND, "cannot read");
	assert_int_equal(g.calls, 0);
	free(missing);
	free(path);
	unit_rmtree(dir);
}

/* The pack sink's error ends the reading, and is what comes back. */
static void test_sink_error(void **state)
{
	(void)state;
	struct got g = { PG_BUF_INIT, 0, 0, 1 };
	assert_error(READ(ZSTD, 1000, &g, HEADER, REFS, PACK), PG_EINTEGRITY, "the sink refused");
	assert_int_equal(g.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_pack_limit),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_not_a_bundle),
		cmocka_unit_test(test_sink_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
