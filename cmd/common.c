/* common.c - messages, colours and lookups shared by the commands */
#include "cmd.h"
#include "rank.h"
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
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

int show_progress(const struct pg_ctx *ctx)
{
	const char *e = getenv("PG_PROGRESS");
	return !ctx->quiet && (isatty(STDERR_FILENO) || (e && *e));
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

int parse_when(const char *v, int end_of_day, int64_t *out)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 }, { 'y', 365 * 86400 } };
	if (end != v && n >= 0 && !*end) {
		*out = n;
		return 0;
	}
	if (end != v && n >= 0 && n < 100000 && end[0] && !end[1])
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (*end == units[i].unit) {
				*out = pg_now() - n * units[i].secs;
				return 0;
			}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(v, "%Y-%m-%d", &tm);
	if (rest && !*rest) {
		/* a day that exists: timegm would make 2025-02-30 March 2nd */
		struct tm back, want = tm;
		time_t t = timegm(&tm);
		if (gmtime_r(&t, &back) && back.tm_year == want.tm_year && back.tm_mon == want.tm_mon &&
		    back.tm_mday == want.tm_mday) {
			*out = (int64_t)t + (end_of_day ? 86399 : 0);
			return 0;
		}
	}
	return pg_error_set(PG_EINVALID, "'%s' is not a time: give a duration back from now (30m, 12h, 7d, 2w, 1y), "
			    "a date (2026-11-21) or seconds since the epoch", v);
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

int collect_candidates(const pg_index_row *r, void *data)
{
	struct candidates *c = data;
	size_t i = 0;
	while (i < c->authors && strcmp(c->seen[i], r->author))
		i++;
	if (i == c->authors) {
		c->seen = pg_realloc(c->seen, (c->authors + 1) * sizeof(*c->seen));
		memcpy(c->seen[c->authors++], r->author, PG_HEX_LEN + 1);
	}
	if (!*c->newest.id || r->date >= c->newest.date) {
		memcpy(c->newest.id, r->id, PG_HEX_LEN + 1);
		c->newest.date = r->date;
	}
	if (!strcmp(r->author, c->me) && (!*c->mine.id || r->date >= c->mine.date)) {
		memcpy(c->mine.id, r->id, PG_HEX_LEN + 1);
		c->mine.date = r->date;
	}
	return 0;
}

int resolve_interface_name(struct pg_ctx *ctx, const char *me, const char *name, char out[PG_HEX_LEN + 1],
			   const char *where)
{
	struct candidates c;
	int err;
	memset(&c, 0, sizeof(c));
	snprintf(c.me, sizeof(c.me), "%s", me ? me : "");
	if (pg_value_check(PG_F_IFNAME, name, NULL) < 0) /* also: no GLOB metacharacters */
		return pg_error_set(PG_EINVALID, "%s'%s' is not an interface name (like geometry::circle)",
				    where, name);
	pg_query q = { .type = "interface", .name = name };
	if ((err = pg_index_query(ctx->index, &q, collect_candidates, &c)) < 0)
		goto done;
	if (*c.mine.id)
		memcpy(out, c.mine.id, sizeof(c.mine.id));
	else if (c.authors == 1)
		memcpy(out, c.newest.id, sizeof(c.newest.id));
	else if (c.authors == 0)
		err = pg_error_set(PG_ENOTFOUND, "%sno interface '%s' in this store; publish it first "
				   "(or in the same batch)", where, name);
	else
		err = pg_error_set(PG_EAMBIGUOUS, "%s%zu authors publish an interface '%s'; "
				   "name it by id ('pg ls --type interface --name %s' lists them)",
				   where, c.authors, name, name);
done:
	free(c.seen);
	return err;
}

int resolve_interface(struct pg_ctx *ctx, pg_index_row *row, const char *arg)
{
	char me[PG_HEX_LEN + 1] = "", id[PG_HEX_LEN + 1];
	uint8_t pk[PG_PK_LEN];
	size_t n = strlen(arg);
	int err;
	if (n >= 4 && n <= PG_HEX_LEN && pg_is_hex(arg, n)) {
		err = resolve_object(ctx, row, arg, PG_T_INTERFACE);
		if (err != PG_ENOTFOUND || pg_value_check(PG_F_IFNAME, arg, NULL) < 0)
			return err;
	}
	if (pg_key_get_current(pk, ctx->home) == 0)
		pg_hex(me, pk, PG_PK_LEN);
	if ((err = resolve_interface_name(ctx, me, arg, id, "")) < 0)
		return err;
	return pg_index_get(ctx->index, row, id);
}

int read_payload(struct pg_ctx *ctx, pg_buf *out, const pg_index_row *row)
{
	return pg_row_payload(out, ctx->store, row);
}

int read_object(struct pg_ctx *ctx, pg_object **out, const pg_index_row *row)
{
	return pg_row_object(out, ctx->store, row);
}

int load_idl(struct pg_ctx *ctx, pg_idl **out, const pg_index_row *iface)
{
	pg_buf tar = PG_BUF_INIT, src = PG_BUF_INIT;
	int err = read_payload(ctx, &tar, iface);
	if (err == 0 && (err = pg_payload_read(&src, tar.ptr, tar.len, PG_IDL_FILE, PG_IDL_MAX_BYTES)) < 0)
		pg_error_prefix(err, "interface %s (%.12s): ", iface->name, iface->id);
	if (err == 0) {
		char *file = pg_asprintf("%s@%.12s:%s", iface->name, iface->id, PG_IDL_FILE);
		err = pg_idl_parse(out, src.ptr, src.len, file);
		free(file);
	}
	pg_buf_free(&tar);
	pg_buf_free(&src);
	return err;
}

int load_interface_arg(struct pg_ctx *ctx, const char *arg, pg_idl **idl, char **name, char id[PG_HEX_LEN + 1])
{
	struct stat st;
	int err;
	*idl = NULL;
	*name = NULL;
	*id = 0;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		pg_manifest *m;
		pg_buf src = PG_BUF_INIT;
		char *file = pg_path_join(arg, PG_IDL_FILE);
		if ((err = pg_manifest_load(&m, arg)) == 0) {
			if (m->type != PG_T_INTERFACE)
				err = pg_error_set(PG_EINVALID, "%s describes %s %s, not an interface", m->path,
						   pg_otype_name(m->type), m->name);
			else if ((err = pg_read_file(&src, file, PG_IDL_MAX_BYTES)) == 0 &&
				 (err = pg_idl_parse(idl, src.ptr, src.len, file)) == 0)
				*name = pg_strdup(m->name);
			pg_manifest_free(m);
		}
		pg_buf_free(&src);
		free(file);
		return err;
	}
	pg_index_row row;
	if ((err = setup_store(ctx, PG_NEED_INDEX)) < 0 || (err = resolve_interface(ctx, &row, arg)) < 0)
		return err;
	if ((err = load_idl(ctx, idl, &row)) == 0) {
		*name = pg_strdup(row.name);
		memcpy(id, row.id, PG_HEX_LEN + 1);
	}
	pg_index_row_clear(&row);
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

#define PASSPHRASE_MAX 1024

/* Read one line from the terminal with echo off, into secret memory. */
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
	char *pass = pg_secret_alloc(PASSPHRASE_MAX + 1);
	size_t n = 0;
	while (n < PASSPHRASE_MAX && read(fd, pass + n, 1) == 1 && pass[n] != '\n')
		n++;
	pass[n] = '\0';
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	w += write(fd, "\n", 1);
	(void)w;
	close(fd);
	return pass;
}

int read_passphrase(char **out, const char *prompt, int confirm)
{
	const char *env = getenv("PG_PASSPHRASE");
	*out = NULL;
	if (env) {
		if (!*env)
			return pg_error_set(PG_EKEY, "PG_PASSPHRASE is empty");
		size_t n = strlen(env);
		*out = memcpy(pg_secret_alloc(n + 1), env, n + 1);
		return 0;
	}
	char *a = tty_read(prompt);
	if (!a)
		return pg_error_set(PG_EKEY, "a passphrase is needed and there is no terminal; set PG_PASSPHRASE");
	if (confirm) {
		char *b = tty_read("again: ");
		int same = b && !strcmp(a, b);
		pg_secret_free(b);
		if (!same) {
			pg_secret_free(a);
			return pg_error_set(PG_EKEY, "the passphrases differ");
		}
	}
	if (!*a) {
		pg_secret_free(a);
		return pg_error_set(PG_EKEY, "empty passphrase");
	}
	*out = a;
	return 0;
}

int unlock_identity(struct pg_ctx *ctx, pg_key **out, const char *which)
{
	return unlock_key(ctx, out, which, 0);
}

int unlock_key(struct pg_ctx *ctx, pg_key **out, const char *which, int retired_too)
{
	pg_key *k;
	pg_key_state_t st;
	char *pass = NULL;
	int err = pg_key_find(&k, ctx->home, which);
	if (err < 0)
		return err;
	if (!retired_too && pg_key_state(&st, ctx->home, k->pk) == 0) {
		char d[32];
		pg_format_date(d, st.revoked);
		if (st.successor[0])
			err = pg_error_set(PG_EKEY, "identity '%s' was handed over to %.12s: it signs nothing more "
					   "('pg id use %.12s')", k->name, st.successor, st.successor);
		else if (st.revoked >= 0)
			err = pg_error_set(PG_EKEY, "identity '%s' is revoked (from %s): it signs nothing more "
					   "('pg id new' makes another)", k->name, d);
		if (err < 0) {
			pg_key_free(k);
			return err;
		}
	}
	pg_error_clear();
	if (k->sealed) {
		char prompt[128];
		snprintf(prompt, sizeof(prompt), "passphrase for %s: ", k->name);
		if ((err = read_passphrase(&pass, prompt, 0)) < 0) {
			pg_key_free(k);
			return err;
		}
	}
	err = pg_key_unlock(k, ctx->home, pass);
	pg_secret_free(pass);
	if (err < 0) {
		pg_key_free(k);
		return err;
	}
	*out = k;
	return 0;
}

struct ids {
	char (*ids)[PG_HEX_LEN + 1];
	size_t n;
};

static int add_id(const pg_index_row *r, void *data)
{
	struct ids *a = data;
	a->ids = pg_realloc(a->ids, (a->n + 1) * sizeof(*a->ids));
	memcpy(a->ids[a->n++], r->id, PG_HEX_LEN + 1);
	return 0;
}

int interfaces_with(struct pg_ctx *ctx, pg_otype t, char (**ids)[PG_HEX_LEN + 1], size_t *n)
{
	pg_query q = { .type = pg_otype_name(t) };
	struct ids objs = { NULL, 0 }, ifs = { NULL, 0 };
	int err = pg_index_query(ctx->index, &q, add_id, &objs);
	for (size_t i = 0; i < objs.n && err == 0; i++) {
		pg_index_row r;
		pg_object *ob;
		if (pg_index_get(ctx->index, &r, objs.ids[i]) < 0)
			continue;
		if (read_object(ctx, &ob, &r) == 0) {
			const char *ifc = pg_object_get(ob, "interface");
			size_t k = 0;
			while (ifc && k < ifs.n && strcmp(ifs.ids[k], ifc))
				k++;
			if (ifc && k == ifs.n) {
				ifs.ids = pg_realloc(ifs.ids, (ifs.n + 1) * sizeof(*ifs.ids));
				memcpy(ifs.ids[ifs.n++], ifc, PG_HEX_LEN + 1);
			}
			pg_object_free(ob);
		}
		pg_index_row_clear(&r);
	}
	free(objs.ids);
	*ids = ifs.ids;
	*n = ifs.n;
	return err;
}

/* Text for an XML attribute or element (JUnit reports). */
void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': fputs("&#10;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
}

/* --- trust ----------------------------------------------------------------- */

void current_key(struct pg_ctx *ctx, char me[PG_HEX_LEN + 1])
{
	uint8_t pk[PG_PK_LEN];
	me[0] = '\0';
	if (ctx->home && pg_key_get_current(pk, ctx->home) == 0)
		pg_hex(me, pk, PG_PK_LEN);
	pg_error_clear();
}

int ctx_rep(struct pg_ctx *ctx, const pg_rep **out)
{
	int err = 0;
	if (!ctx->rep) {
		char me[PG_HEX_LEN + 1];
		current_key(ctx, me);
		err = pg_rep_compute(&ctx->rep, ctx->index, ctx->store, me, pg_now());
	}
	*out = ctx->rep;
	return err;
}

int rank_trusted(struct pg_ctx *ctx, pg_ranking *rk, const char *iface)
{
	const pg_rep *rep;
	int err = ctx_rep(ctx, &rep);
	return err < 0 ? err : pg_rank(rk, ctx->index, iface, rep);
}

int publish_object(struct pg_ctx *ctx, pg_object *o, const pg_key *me, char hex[PG_HEX_LEN + 1], int *same)
{
	pg_txn *t = NULL;
	pg_buf idobj = PG_BUF_INIT;
	int err;
	*same = 0;
	if ((err = pg_key_identity(&idobj, ctx->home, me->pk)) < 0 || (err = pg_object_sign(o, me->sk)) < 0) {
		pg_object_free(o);
		goto done;
	}
	pg_hex(hex, o->id, PG_ID_LEN);
	if ((err = pg_txn_begin(&t, ctx->store, me, &idobj)) < 0) {
		pg_object_free(o);
		goto done;
	}
	if ((err = pg_txn_add(t, o, NULL, 0)) < 0) /* the transaction owns o now */
		goto done;
	*same = err == 1;
	if ((err = *same ? 0 : pg_txn_commit(t)) == 0 && ctx->index)
		err = sync_index(ctx);
done:
	pg_txn_free(t);
	pg_buf_free(&idobj);
	return err;
}
