/* fuzz_payload.c - payload tars: scanning, extracting and reading untrusted ones
 *
 * A payload is another publisher's tar.  pg_payload_scan must refuse what
 * breaks the rules of format.md §8.2; what it accepts, pg_payload_extract
 * must write exactly as listed (every entry with its type, size and link
 * target, nothing else, nothing outside the destination), pg_payload_read
 * must return every file, and packing the extracted tree again must list
 * the same entries.  What it refuses, extraction must refuse too, leaving
 * nothing behind.  Header checksums are made right first (fuzz_tar_fixed),
 * so that mutations reach the fields behind them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "payload.h"

struct entry {
	char *path;
	char type;
	uint64_t size;
	char *target;
};

struct tree {
	struct entry *e;
	size_t n;
};

static void add(struct tree *t, const char *path, char type, uint64_t size, const char *target)
{
	t->e = pg_realloc(t->e, (t->n + 1) * sizeof(*t->e));
	t->e[t->n].path = pg_strdup(path);
	t->e[t->n].type = type;
	t->e[t->n].size = type == 'f' || type == 'x' ? size : 0;
	t->e[t->n].target = target ? pg_strdup(target) : NULL;
	t->n++;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].target);
	}
	free(t->e);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* What lies on disk below root/rel, as entries. */
static void walk(struct tree *t, const char *root, const char *rel)
{
	char *dir = *rel ? pg_path_join(root, rel) : pg_strdup(root);
	char **names;
	size_t n;
	FUZZ_CHECK(pg_dir_list(&names, &n, dir) == 0, "cannot list %s: %s", dir, pg_error_last());
	for (size_t i = 0; i < n; i++) {
		char *r = *rel ? pg_path_join(rel, names[i]) : pg_strdup(names[i]);
		char *full = pg_path_join(root, r);
		struct stat st;
		FUZZ_CHECK(lstat(full, &st) == 0, "cannot stat %s", full);
		if (S_ISDIR(st.st_mode)) {
			FUZZ_CHECK((st.st_mode & 07777) == 0755, "directory %s has mode %o", r, st.st_mode & 07777);
			add(t, r, 'd', 0, NULL);
			walk(t, root, r);
		} else if (S_ISREG(st.st_mode)) {
			unsigned mode = st.st_mode & 07777;
			FUZZ_CHECK(mode == 0644 || mode == 0755, "file %s has mode %o", r, mode);
			add(t, r, mode == 0755 ? 'x' : 'f', (uint64_t)st.st_size, NULL);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PG_PAYLOAD_PATH_MAX + 2];
			ssize_t k = readlink(full, target, sizeof(target) - 1);
			FUZZ_CHECK(k >= 0, "cannot read link %s", full);
			target[k] = '\0';
			/* a link that could lead out of the tree (format.md §8.2) */
			char *dots = strstr(target, "..");
			FUZZ_CHECK(target[0] != '/' && !(dots && (dots == target || dots[-1] == '/') &&
							  (dots[2] == '/' || !dots[2])),
				   "extraction made a link '%s' -> '%s' that leaves the tree", r, target);
			add(t, r, 'l', 0, target);
		} else {
			FUZZ_CHECK(0, "extraction made %s, neither file, directory nor link", r);
		}
		free(full);
		free(r);
	}
	pg_dir_list_free(names, n);
	free(dir);
}

/* The list's entries, with the directories their paths imply, sorted. */
static void expected(struct tree *t, const pg_payload_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		add(t, l->e[i].path, l->e[i].type, l->e[i].size, l->e[i].target);
	for (size_t i = 0; i < l->n; i++) {
		char *p = pg_strdup(l->e[i].path);
		for (char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			int listed = 0;
			for (size_t k = 0; k < t->n && !listed; k++)
				listed = !strcmp(t->e[k].path, p);
			if (!listed)
				add(t, p, 'd', 0, NULL);
			*slash = '/';
		}
		free(p);
	}
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
}

static void same_tree(struct tree *want, struct tree *got, const char *what)
{
	if (got->n)
		qsort(got->e, got->n, sizeof(*got->e), cmp_entry);
	for (size_t i = 0; i < want->n || i < got->n; i++) {
		FUZZ_CHECK(i < want->n, "%s: '%s' is there, not in the payload", what, got->e[i].path);
		FUZZ_CHECK(i < got->n, "%s: '%s' is missing", what, want->e[i].path);
		const struct entry *a = &want->e[i], *b = &got->e[i];
		FUZZ_CHECK(!strcmp(a->path, b->path), "%s: '%s' where '%s' should be", what, b->path, a->path);
		FUZZ_CHECK(a->type == b->type, "%s: '%s' is a '%c', not a '%c'", what, a->path, b->type, a->type);
		FUZZ_CHECK(a->size == b->size, "%s: '%s' has %llu bytes, not %llu", what, a->path,
			   (unsigned long long)b->size, (unsigned long long)a->size);
		FUZZ_CHECK(!a->target == !b->target && (!a->target || !strcmp(a->target, b->target)),
			   "%s: link '%s' points to '%s', not '%s'", what, a->path, b->target, a->target);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *raw, size_t size)
{
	uint8_t *data = fuzz_tar_fixed(raw, size);
	pg_payload_list list;
	char *tmp = fuzz_tmpdir();
	char *dest = pg_path_join(tmp, "out");
	char **names;
	size_t n;

	umask(022); /* directories a path implies are made under it */
	int scanned = pg_payload_scan(&list, data, size);
	int err = pg_payload_extract(data, size, dest);
	if (scanned < 0) {
		fuzz_refused(scanned, PG_EINVALID, 0);
		FUZZ_CHECK(err < 0, "extraction takes what the scan refuses");
		FUZZ_CHECK(list.n == 0 && !list.e, "a refused scan leaves a list");
		FUZZ_CHECK(pg_dir_list(&names, &n, tmp) == 0 && n == 0, "a refused extraction leaves '%s' behind",
			   n ? names[0] : "");
		pg_dir_list_free(names, n);
		free(dest);
		free(data);
		fuzz_tmp_done(tmp);
		return 0;
	}
	fuzz_accepted();
	/* a payload that scans may still fail to extract for want of disk,
	 * never for what it holds */
	FUZZ_CHECK(err == 0, "extraction refuses what the scan accepts: %s", pg_error_last());
	FUZZ_CHECK(pg_dir_list(&names, &n, tmp) == 0 && n == 1, "extraction left %zu entries beside the destination", n);
	pg_dir_list_free(names, n);

	struct tree want = { NULL, 0 }, got = { NULL, 0 }, again = { NULL, 0 };
	expected(&want, &list);
	walk(&got, dest, "");
	same_tree(&want, &got, "extracted");

	pg_buf b = PG_BUF_INIT;
	for (size_t i = 0; i < list.n; i++) {
		if (list.e[i].type != 'f' && list.e[i].type != 'x')
			continue;
		err = pg_payload_read(&b, data, size, list.e[i].path, PG_PAYLOAD_MAX);
		FUZZ_CHECK(err == 0, "cannot read '%s': %s", list.e[i].path, pg_error_last());
		FUZZ_CHECK(b.len == list.e[i].size, "'%s' reads as %zu bytes, not %llu", list.e[i].path, b.len,
			   (unsigned long long)list.e[i].size);
	}

	/* packed again, the tree lists the same (with its implied directories) */
	pg_payload_list repacked;
	FUZZ_CHECK(pg_payload_create(&b, dest, NULL, NULL, NULL) == 0, "cannot pack the extracted tree: %s",
		   pg_error_last());
	FUZZ_CHECK(pg_payload_scan(&repacked, b.ptr, b.len) == 0, "pg's own payload does not scan: %s", pg_error_last());
	for (size_t i = 0; i < repacked.n; i++)
		add(&again, repacked.e[i].path, repacked.e[i].type, repacked.e[i].size, repacked.e[i].target);
	same_tree(&want, &again, "packed again");

	pg_payload_list_free(&repacked);
	pg_buf_free(&b);
	tree_free(&want);
	tree_free(&got);
	tree_free(&again);
	pg_payload_list_free(&list);
	free(dest);
	free(data);
	fuzz_tmp_done(tmp);
	return 0;
}
