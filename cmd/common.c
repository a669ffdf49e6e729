/* common.c - messages, colours and lookups shared by the commands */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int pg_exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case PG_EINVALID:
	case PG_EINTEGRITY:
	case PG_EEXISTS:
		return EXIT_REFUSED;
	case PG_ENOTFOUND:
	case PG_EAMBIGUOUS:
		return EXIT_NOTFOUND;
	case PG_ELOCKED:
		return EXIT_LOCKED;
	case PG_EKEY:
		return EXIT_KEY;
	default:
		return EXIT_ERROR;
	}
}

void error(const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int report(int err)
{
	error("%s", pg_error_last());
	return pg_exit_code(err);
}

void info(struct pg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (ctx->quiet)
		return;
	fflush(stdout); /* keep data and messages in order on a shared terminal */
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *color(const struct pg_ctx *ctx, enum color c)
{
	static const char *const codes[] = {
		[C_RESET] = "\033[m", [C_ID] = "\033[33m", [C_TYPE] = "\033[36m", [C_NAME] = "\033[1m",
		[C_OK] = "\033[32m", [C_BAD] = "\033[1;31m", [C_DIM] = "\033[2m",
	};
	return ctx->color ? codes[c] : "";
}

int sync_index(struct pg_ctx *ctx)
{
	int err = pg_index_sync(ctx->index);
	/* a damaged log is left out of the index, not fatal to every command */
	if (err == PG_EINTEGRITY || err == PG_EINVALID) {
		fflush(stdout);
		fprintf(stderr, "warning: %s\nwarning: that log is left out; 'pg fsck' checks the store\n",
			pg_error_last());
		err = 0;
	}
	return err;
}

int resolve_object(struct pg_ctx *ctx, pg_index_row *row, const char *arg, pg_otype want)
{
	uint8_t id[PG_ID_LEN];
	char hex[PG_HEX_LEN + 1];
	int err = pg_index_resolve(ctx->index, id, arg, want);
	if (err < 0)
		return err;
	pg_hex(hex, id, PG_ID_LEN);
	return pg_index_get(ctx->index, row, hex);
}

int resolve_author(struct pg_ctx *ctx, char key[PG_HEX_LEN + 1], const char *arg)
{
	char(*keys)[PG_HEX_LEN + 1];
	size_t n;
	int err = pg_index_authors(ctx->index, arg, &keys, &n);
	if (err < 0)
		return err;
	if (n == 1)
		memcpy(key, keys[0], PG_HEX_LEN + 1);
	else if (n == 0)
		err = pg_error_set(PG_ENOTFOUND, "no publisher '%s' in this store", arg);
	else
		err = pg_error_set(PG_EAMBIGUOUS, "'%s' names %zu publishers; give a key prefix instead", arg, n);
	free(keys);
	return err;
}

const char *author_label(const pg_index_row *row)
{
	static char buf[PG_HEX_LEN + 1];
	if (row->author_name)
		return row->author_name;
	snprintf(buf, sizeof(buf), "%.12s", row->author);
	return buf;
}

/* Read one line from the terminal with echo off. */
static char *tty_read(const char *prompt)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct termios old, quiet;
	int restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	ssize_t w = write(fd, prompt, strlen(prompt)); /* the prompt is a courtesy */
	pg_buf b = PG_BUF_INIT;
	char c;
	while (read(fd, &c, 1) == 1 && c != '\n' && b.len < 1024)
		pg_buf_putc(&b, c);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	w += write(fd, "\n", 1);
	(void)w;
	close(fd);
	return pg_buf_detach(&b);
}

int read_passphrase(char **out, const char *prompt, int confirm)
{
	const char *env = getenv("PG_PASSPHRASE");
	*out = NULL;
	if (env) {
		if (!*env)
			return pg_error_set(PG_EKEY, "PG_PASSPHRASE is empty");
		*out = pg_strdup(env);
		return 0;
	}
	char *a = tty_read(prompt);
	if (!a)
		return pg_error_set(PG_EKEY, "a passphrase is needed and there is no terminal; set PG_PASSPHRASE");
	if (confirm) {
		char *b = tty_read("again: ");
		int same = b && !strcmp(a, b);
		free(b);
		if (!same) {
			free(a);
			return pg_error_set(PG_EKEY, "the passphrases differ");
		}
	}
	if (!*a) {
		free(a);
		return pg_error_set(PG_EKEY, "empty passphrase");
	}
	*out = a;
	return 0;
}

int unlock_identity(struct pg_ctx *ctx, pg_key **out, const char *which)
{
	pg_key *k;
	char *pass = NULL;
	int err = pg_key_find(&k, ctx->home, which);
	if (err < 0)
		return err;
	if (k->sealed) {
		char prompt[128];
		snprintf(prompt, sizeof(prompt), "passphrase for %s: ", k->name);
		if ((err = read_passphrase(&pass, prompt, 0)) < 0) {
			pg_key_free(k);
			return err;
		}
	}
	err = pg_key_unlock(k, ctx->home, pass);
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	if (err < 0) {
		pg_key_free(k);
		return err;
	}
	*out = k;
	return 0;
}
