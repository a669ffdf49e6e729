/* payload.h - deterministic tar payloads and their safe extraction
 *
 * A payload is a POSIX tar (pax) written by libarchive from a directory:
 * entries in byte order of their names, depth first; times, owners and
 * names zeroed; modes normalised to 0755 (directories and executable files),
 * 0644 (other files) or 0777 (symlinks); names stored as UTF-8; only directories, regular files and symlinks.  The same tree
 * always gives the same bytes, so the same payload id.
 *
 * Reading a payload (listing, validating, extracting) treats it as hostile:
 * relative paths only, no '..', no empty or '.' components, no device,
 * fifo or hard link, symlinks only to a relative target that stays below
 * the link's own directory, and bounded entry count, path length and size.
 */
#ifndef PG_PAYLOAD_H
#define PG_PAYLOAD_H

#include "pg.h"

#define PG_PAYLOAD_MAX (64u * 1024 * 1024) /* bytes of tar */
#define PG_PAYLOAD_ENTRIES 10000
#define PG_PAYLOAD_PATH_MAX 1024

typedef struct pg_payload_entry {
	char *path;
	char type; /* 'f' file, 'x' executable file, 'd' directory, 'l' symlink */
	uint64_t size;
	char *target; /* symlinks */
} pg_payload_entry;

typedef struct pg_payload_list {
	pg_payload_entry *e;
	size_t n;
} pg_payload_list;

/* Should a directory entry be packed?  Called with the path relative to the
 * root; return 0 to skip it (and everything below it). */
typedef int (*pg_payload_filter)(const char *relpath, int is_dir, void *data);

/* Pack dir into out.  files, when not NULL, is a NULL-terminated list of
 * relative paths to pack (directories recursively); otherwise every entry
 * that filter accepts. */
int pg_payload_create(pg_buf *out, const char *dir, const char *const *files,
		      pg_payload_filter filter, void *data);

/* Check every entry of a payload; with list != NULL also return them. */
int pg_payload_scan(pg_payload_list *list, const void *tar, size_t len);
void pg_payload_list_free(pg_payload_list *list);

/* Extract into dest, which must not exist: into a temporary sibling first,
 * renamed into place only when every entry is out. */
int pg_payload_extract(const void *tar, size_t len, const char *dest);

/* The contents of one file of a payload (the whole payload is checked as
 * pg_payload_scan does); PG_ENOTFOUND when it has no such file. */
int pg_payload_read(pg_buf *out, const void *tar, size_t len, const char *path, size_t limit);

#endif
