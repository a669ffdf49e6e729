/* fuzz_bundle.c - reading a bundle file (pg bundle import)
 *
 * A bundle is a file from anyone: a zstd-compressed tar of pg-bundle, refs
 * and pack (format.md §12).  The input is the tar; the target compresses
 * it as a bundle would be, so mutations reach the entries rather than die
 * in zstd, and also offers the bytes as they are.  What pg_bundle_read
 * accepts must be refs in strict publisher order with real tips, and a
 * pack handed over whole, no more than the limit.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "fuzz.h"

#define PACK_MAX (1u << 20)

struct sink {
	uint64_t got, total;
	int calls;
};

static int on_pack(const void *data, size_t len, uint64_t total, void *payload)
{
	struct sink *k = payload;
	FUZZ_CHECK(data || !len, "pack data without bytes");
	FUZZ_CHECK(!k->calls || total == k->total, "the pack's size changed while it was read");
	k->calls++;
	k->total = total;
	k->got += len;
	FUZZ_CHECK(k->got <= PACK_MAX, "more pack than the limit was handed over");
	return 0;
}

static void write_zstd(const char *path, const uint8_t *data, size_t size)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	FUZZ_CHECK(a && e, "libarchive");
	archive_write_add_filter_zstd(a);
	archive_write_set_format_raw(a);
	FUZZ_CHECK(archive_write_open_filename(a, path) == ARCHIVE_OK, "cannot write %s", path);
	archive_entry_set_pathname(e, "bundle");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)size);
	FUZZ_CHECK(archive_write_header(a, e) == ARCHIVE_OK, "libarchive: %s", archive_error_string(a));
	FUZZ_CHECK(!size || archive_write_data(a, data, size) == (la_ssize_t)size, "libarchive: %s",
		   archive_error_string(a));
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
}

static void read_one(const char *path)
{
	pg_bundle_ref *refs = NULL;
	size_t n = 0;
	struct sink k = { 0, 0, 0 };
	int err = pg_bundle_read(&refs, &n, path, PACK_MAX, on_pack, &k);
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(strstr(pg_error_last(), path), "the message does not name the file: %s", pg_error_last());
		FUZZ_CHECK(!refs && !n, "refused, yet refs came back");
		return;
	}
	fuzz_accepted();
	FUZZ_CHECK(n >= 1 && refs, "a bundle of no logs");
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(!git_oid_is_zero(&refs[i].tip), "a log without a tip");
		FUZZ_CHECK(i == 0 || memcmp(refs[i - 1].publisher, refs[i].publisher, PG_PK_LEN) < 0,
			   "refs out of publisher order");
	}
	FUZZ_CHECK(k.got == k.total || (!k.calls && !k.got), "the pack was handed over in part: %llu of %llu",
		   (unsigned long long)k.got, (unsigned long long)k.total);
	free(refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *raw, size_t size)
{
	uint8_t *data = fuzz_tar_fixed(raw, size); /* so mutated headers are read */
	char *tmp = fuzz_tmpdir();
	char *zst = pg_path_join(tmp, "in.pgb"), *rawpath = pg_path_join(tmp, "raw.pgb");
	write_zstd(zst, data, size);
	FILE *f = fopen(rawpath, "wb");
	FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", rawpath);
	read_one(zst);
	read_one(rawpath);
	free(zst);
	free(rawpath);
	free(data);
	fuzz_tmp_done(tmp);
	return 0;
}
