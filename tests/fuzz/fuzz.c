/* fuzz.c - the checks and helpers fuzz.h declares, for every target */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* What the driver reads after each input: did the target accept or
 * refuse it, and with what message. */
int fuzz_outcome;          /* 0 neither, 1 accepted, -1 refused */
char fuzz_message[512];

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fuzz: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_accepted(void)
{
	fuzz_outcome = 1;
}

/* Printable UTF-8 for a terminal: no C0 or C1 control, no DEL. */
static const char *unprintable(const char *s)
{
	size_t len = strlen(s);
	if (!pg_utf8_valid(s, len))
		return "is not valid UTF-8";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character";
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			return "holds a C1 control character";
	}
	return NULL;
}

void fuzz_refused(int err, ...)
{
	va_list ap;
	int known = 0;
	va_start(ap, err);
	for (int c; (c = va_arg(ap, int)) != 0;)
		known |= c == err;
	va_end(ap);
	const char *msg = pg_error_last();
	FUZZ_CHECK(err < 0, "refused with %d, not an error code", err);
	FUZZ_CHECK(known, "refused with code %d, not one this reader gives for bad input: %s", err, msg);
	FUZZ_CHECK(strcmp(msg, "unknown error") != 0 && *msg, "refused without a message");
	const char *why = unprintable(msg);
	if (why) {
		/* shown escaped, so the report itself stays readable */
		char shown[4 * sizeof(fuzz_message)];
		size_t o = 0;
		for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < sizeof(shown); p++)
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, *p < 0x20 || *p >= 0x7f ? "\\x%02x" : "%c", *p);
		FUZZ_CHECK(0, "the message %s: %s", why, shown);
	}
	if (fuzz_outcome == 0) {
		fuzz_outcome = -1;
		snprintf(fuzz_message, sizeof(fuzz_message), "%s", msg);
	}
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = pg_malloc(size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_size)
{
	const uint8_t *nul = size ? memchr(data, 0, size) : NULL;
	if (!nul) {
		*rest = data + size;
		*rest_size = 0;
		return size;
	}
	*rest = nul + 1;
	*rest_size = size - (size_t)(nul - data) - 1;
	return (size_t)(nul - data);
}

uint8_t *fuzz_tar_fixed(const uint8_t *data, size_t size)
{
	uint8_t *t = pg_malloc(size ? size : 1);
	if (size)
		memcpy(t, data, size);
	for (size_t off = 0; off + 512 <= size; off += 512) {
		uint8_t *h = t + off;
		if (memcmp(h + 257, "ustar", 5))
			continue;
		unsigned sum = 8 * ' ';
		for (size_t i = 0; i < 512; i++)
			sum += i >= 148 && i < 156 ? 0 : h[i];
		snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
		h[155] = ' ';
	}
	return t;
}

char *fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *path = pg_asprintf("%s/pg-fuzz-XXXXXX", t && *t ? t : "/tmp");
	FUZZ_CHECK(mkdtemp(path), "cannot make a temporary directory in %s", t && *t ? t : "/tmp");
	return path;
}

void fuzz_tmp_done(char *dir)
{
	if (dir)
		pg_rmtree(dir);
	free(dir);
}
