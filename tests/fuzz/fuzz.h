/* fuzz.h - what every fuzz target shares: the entry point and its checks
 *
 * A target is one file, tests/fuzz/fuzz_NAME.c, defining libFuzzer's
 * LLVMFuzzerTestOneInput.  It feeds the bytes to one of pg's readers of
 * untrusted input and checks more than "no crash": what the reader accepts
 * must behave as the format promises (round trips, canonical form, safe
 * extraction), and what it refuses must come with a message a person can
 * read.  A broken promise aborts with FUZZ_CHECK's message, which both
 * libFuzzer and tests/fuzz/main.c (the driver for builds without
 * libFuzzer) report as a failure with the input that caused it.
 */
#ifndef PG_FUZZ_H
#define PG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "pg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
#define FUZZ_CHECK(cond, ...)                                          \
	do {                                                           \
		if (!(cond))                                           \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);    \
	} while (0)

/* The reader refused the input with err: err must be one of the codes
 * given (a 0-terminated list), and pg_error_last() a message a person can
 * read: one line, not empty, printable UTF-8 with no control characters
 * (it is printed to a terminal as it is).  Counts a refusal. */
void fuzz_refused(int err, ...);

/* The reader accepted the input: counts an acceptance (the driver reports
 * the counts, so a corpus that no longer parses is noticed). */
void fuzz_accepted(void);

/* A NUL-terminated copy of data (free it). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Split data at its first NUL byte: the part before, the part after
 * (*rest, *rest_size; empty when there is no NUL). */
size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_size);

/* A copy of a tar with the checksum of every header block (a block with
 * ustar's magic) made right, so that a mutated header is read rather than
 * refused for its checksum.  Free it. */
uint8_t *fuzz_tar_fixed(const uint8_t *data, size_t size);

/* A fresh empty directory for one input (removed by fuzz_tmp_done). */
char *fuzz_tmpdir(void);
void fuzz_tmp_done(char *dir);

#endif
