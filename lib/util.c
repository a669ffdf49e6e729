/* util.c - errors, allocation, buffers, hex, UTF-8 and file helpers */
#include "pg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static _Thread_local char errmsg[1024];

/* The length of the UTF-8 sequence at s (len bytes left): 1 to 4, or 0
 * for NUL or bytes that are not a character. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0], cp, min;
	size_t n;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 1, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 2, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n >= len)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* Messages quote what was refused and are printed as they are: a control
 * character or a byte that is not UTF-8 is spelled \xNN, so hostile input
 * cannot drive the terminal (escape sequences) or garble the line. */
static void printable_message(void)
{
	char out[sizeof(errmsg)];
	const unsigned char *s = (const unsigned char *)errmsg;
	size_t len = strlen(errmsg), o = 0;
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_seq(s + i, len - i);
		int ctl = n == 0 || s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] < 0xa0);
		if (ctl) {
			n = n ? n : 1;
			if (o + 4 * n >= sizeof(out))
				break;
			for (size_t k = 0; k < n; k++)
				o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", s[i + k]);
		} else {
			if (o + n >= sizeof(out))
				break;
			memcpy(out + o, s + i, n);
			o += n;
		}
	}
	out[o] = '\0';
	memcpy(errmsg, out, o + 1);
}

int pg_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	printable_message();
	return code;
}

/* Prepend context to the current message: "context: old message". */
int pg_error_prefix(int code, const char *fmt, ...)
{
	char old[sizeof(errmsg)], pre[512];
	va_list ap;
	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(errmsg, sizeof(errmsg), "%s: %s", pre, old);
	printable_message();
	return code;
}

const char *pg_error_last(void)
{
	return errmsg[0] ? errmsg : "unknown error";
}

void pg_error_clear(void)
{
	errmsg[0] = '\0';
}

static void oom(void)
{
	fputs("fatal: out of memory\n", stderr);
	abort();
}

void *pg_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *pg_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *pg_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *pg_strdup(const char *s)
{
	return pg_strndup(s, strlen(s));
}

char *pg_strndup(const char *s, size_t n)
{
	char *p = pg_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pg_asprintf(const char *fmt, ...)
{
	pg_buf b = PG_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	pg_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return pg_buf_detach(&b);
}

void pg_buf_grow(pg_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need < b->len)
		oom();
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->ptr = pg_realloc(b->ptr, cap);
	b->cap = cap;
}

void pg_buf_put(pg_buf *b, const void *data, size_t len)
{
	pg_buf_grow(b, len);
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void pg_buf_puts(pg_buf *b, const char *s)
{
	pg_buf_put(b, s, strlen(s));
}

void pg_buf_putc(pg_buf *b, char c)
{
	pg_buf_put(b, &c, 1);
}

void pg_buf_vprintf(pg_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	pg_buf_grow(b, (size_t)n);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void pg_buf_printf(pg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pg_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void pg_buf_clear(pg_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *pg_buf_detach(pg_buf *b)
{
	char *p = b->ptr ? b->ptr : pg_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void pg_buf_free(pg_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

void pg_hex(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pg_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return 0;
	return 1;
}

int pg_unhex(uint8_t *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo;
		if (hi < 0 || (lo = hexval(in[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' || (hexval(in[2 * n]) < 0) ? 0 : -1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
 * and no NUL. */
int pg_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_seq(s + i, len - i)))
			return 0;
	return 1;
}

/* Read a whole file, refusing one larger than limit bytes. */
int pg_read_file(pg_buf *out, const char *path, size_t limit)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR,
				    "cannot open '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pg_error_set(PG_EINVALID, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > limit) {
		close(fd);
		return pg_error_set(PG_EINVALID, "'%s' is too large (%lld bytes, limit %zu)",
				    path, (long long)st.st_size, limit);
	}
	pg_buf_clear(out);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return pg_error_set(PG_ERROR, "cannot read '%s': %s", path, strerror(e));
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > limit) {
			close(fd);
			return pg_error_set(PG_EINVALID, "'%s' is too large (limit %zu bytes)", path, limit);
		}
		pg_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	if (!out->ptr)
		pg_buf_grow(out, 0), out->ptr[0] = '\0';
	return 0;
}

/* Write a file so that a crash leaves either the old or the new content:
 * write a temporary beside it, fsync, rename over. */
int pg_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = pg_asprintf("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return pg_error_set(PG_ERROR, "cannot create '%s': %s", path, strerror(e));
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		p += n, left -= (size_t)n;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	free(tmp);
	return 0;
fail: {
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return pg_error_set(PG_ERROR, "cannot write '%s': %s", path, strerror(e));
}
}

int pg_mkdir_p(const char *path, int mode)
{
	char *p = pg_strdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
			int e = errno;
			pg_error_set(PG_ERROR, "cannot create directory '%s': %s", p, strerror(e));
			free(p);
			return PG_ERROR;
		}
		*s = '/';
	}
	if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
		int e = errno;
		pg_error_set(PG_ERROR, "cannot create directory '%s': %s", p, strerror(e));
		free(p);
		return PG_ERROR;
	}
	free(p);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pg_dir_list(char ***out, size_t *n, const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t cnt = 0;
	struct dirent *de;
	*out = NULL;
	*n = 0;
	if (!d)
		return pg_error_set(errno == ENOENT ? PG_ENOTFOUND : PG_ERROR, "cannot read directory '%s': %s",
				    path, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = pg_realloc(names, (cnt + 1) * sizeof(*names));
		names[cnt++] = pg_strdup(de->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(names, cnt, sizeof(*names), cmp_names);
	*out = names;
	*n = cnt;
	return 0;
}

void pg_dir_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *pg_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la && a[la - 1] == '/')
		return pg_asprintf("%s%s", a, b);
	return pg_asprintf("%s/%s", a, b);
}

int64_t pg_now(void)
{
	const char *e = getenv("PG_NOW");
	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (!*end && v >= 0)
			return v;
	}
	return (int64_t)time(NULL);
}

void pg_format_date(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

void pg_rmtree(const char *path)
{
	struct stat st;
	char **names;
	size_t n;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || pg_dir_list(&names, &n, path) < 0) {
		unlink(path);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *c = pg_path_join(path, names[i]);
		pg_rmtree(c);
		free(c);
	}
	pg_dir_list_free(names, n);
	rmdir(path);
}

void *pg_vec_push(pg_vec *v)
{
	if (v->n == v->cap)
		v->p = pg_realloc(v->p, (v->cap = v->cap ? 2 * v->cap : 16) * v->size);
	void *e = (char *)v->p + v->n++ * v->size;
	memset(e, 0, v->size);
	return e;
}
