/* unit.h - what every cmocka unit test includes: cmocka and helpers */
#ifndef PG_UNIT_H
#define PG_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pg.h"

/* A fresh temporary directory for one test; removed by rmtree(). */
static inline char *unit_tmpdir(void)
{
	char tmpl[] = "/tmp/pg-unit-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return pg_strdup(d);
}

static inline void unit_rmtree(char *dir)
{
	char *cmd = pg_asprintf("rm -rf '%s'", dir);
	int r = system(cmd);
	(void)r;
	free(cmd);
	free(dir);
}

/* Assert err is code and the last message contains needle. */
#define assert_error(err, code, needle)                                            \
	do {                                                                       \
		int e_ = (err);                                                    \
		if (e_ != (code) || !strstr(pg_error_last(), (needle)))            \
			fail_msg("expected error %d containing '%s', got %d: %s",  \
				 (code), (needle), e_, pg_error_last());           \
	} while (0)

#endif
