/* pg.h - libpg: common definitions, errors, buffers and small utilities
 *
 * Conventions (after libgit2): functions return 0 or a negative PG_E* code
 * and leave a message for pg_error_last(); out-parameters come first and the
 * caller owns what comes back through them; every type has a _free() that
 * accepts NULL.  libpg never prints, prompts or exits, with one exception:
 * allocation failure aborts (pg_malloc and friends), as in git and redis.
 */
#ifndef PG_H
#define PG_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define PG_VERSION "0.1.0"

enum {
	PG_OK = 0,
	PG_ERROR = -1,       /* system, I/O, libgit2 or SQLite failure */
	PG_ENOTFOUND = -3,   /* no such object, identity, store or file */
	PG_EAMBIGUOUS = -4,  /* an id prefix or name matches several */
	PG_EINVALID = -5,    /* malformed input: object, manifest, payload, argument */
	PG_EINTEGRITY = -6,  /* hash, signature or log chain does not verify */
	PG_ELOCKED = -7,     /* the store is locked by another process */
	PG_EKEY = -8,        /* key file unusable: permissions, passphrase */
	PG_EEXISTS = -9,     /* refuses to overwrite */
};

/* Errors: one message per thread, replaced by each pg_error_set().  It is
 * one printable line: a control character or a byte that is not UTF-8 in
 * it (quoted from hostile input, say) comes out as \xNN. */
int pg_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pg_error_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pg_error_last(void);
void pg_error_clear(void);

/* Allocation: aborts on exhaustion. */
void *pg_malloc(size_t n);
void *pg_calloc(size_t n, size_t size);
void *pg_realloc(void *p, size_t n);
char *pg_strdup(const char *s);
char *pg_strndup(const char *s, size_t n);
char *pg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer, always NUL-terminated when ptr != NULL. */
typedef struct pg_buf {
	char *ptr;
	size_t len, cap;
} pg_buf;
#define PG_BUF_INIT { NULL, 0, 0 }

void pg_buf_grow(pg_buf *b, size_t extra);
void pg_buf_put(pg_buf *b, const void *data, size_t len);
void pg_buf_puts(pg_buf *b, const char *s);
void pg_buf_putc(pg_buf *b, char c);
void pg_buf_printf(pg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pg_buf_vprintf(pg_buf *b, const char *fmt, va_list ap);
void pg_buf_clear(pg_buf *b);
char *pg_buf_detach(pg_buf *b);
void pg_buf_free(pg_buf *b);

/* Growable array of elements of one size; pg_vec_push returns a new,
 * zeroed element (pointers into p move when it grows). */
typedef struct pg_vec {
	void *p;
	size_t n, cap, size;
} pg_vec;
#define PG_VEC_INIT(elem_size) { NULL, 0, 0, (elem_size) }
void *pg_vec_push(pg_vec *v);

/* Hex: lowercase, exactly 2*n characters. */
#define PG_ID_LEN 32
#define PG_HEX_LEN 64
void pg_hex(char *out, const uint8_t *in, size_t n); /* out has 2n+1 bytes */
int pg_unhex(uint8_t *out, const char *in, size_t n); /* 0, or -1 unless 2n lowercase hex */
int pg_is_hex(const char *s, size_t len);

/* Text checks used by every parser. */
int pg_utf8_valid(const char *s, size_t len);

/* Files */
int pg_read_file(pg_buf *out, const char *path, size_t limit);
int pg_write_file_atomic(const char *path, const void *data, size_t len, int mode);
int pg_mkdir_p(const char *path, int mode);
/* The names in a directory but . and .., in byte order; free with
 * pg_dir_list_free. */
int pg_dir_list(char ***out, size_t *n, const char *path);
void pg_dir_list_free(char **names, size_t n);
char *pg_path_join(const char *a, const char *b);
/* Remove path and everything below it, without following symlinks; what
 * cannot be removed stays (best effort, for temporary trees). */
void pg_rmtree(const char *path);

/* Time: PG_NOW (seconds since the epoch) overrides the clock, for tests. */
int64_t pg_now(void);
void pg_format_date(char out[32], int64_t t); /* "2026-11-21 09:30:00" UTC */

#endif
