/* session.c - pg's side of the wire protocol
 *
 * Requests go out in a window: at most WINDOW calls (or WINDOW_BYTES of
 * request text) are outstanding, so a fast implementation is never waiting
 * on a round trip and a slow one never makes pg hold a million requests in
 * memory.  Answers must come back in order; the oldest unanswered call is
 * the one blamed when the implementation stops answering.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 4096
#define WINDOW_BYTES (1u << 20)

struct pg_session {
	pg_proc *p;
	uint64_t next_id;
	unsigned call_timeout_ms;
	int dead;
	pg_buf out;     /* stdout not yet parsed */
	size_t outpos;
};

void pg_answer_clear(pg_answer *a)
{
	json_decref(a->value);
	free(a->msg);
	memset(a, 0, sizeof(*a));
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int pg_session_open(pg_session **out, const pg_sandbox *sb, const char *run, unsigned call_timeout_ms)
{
	pg_session *s = pg_calloc(1, sizeof(*s));
	int err = pg_proc_spawn(&s->p, sb, run);
	if (err < 0) {
		free(s);
		return err;
	}
	s->call_timeout_ms = call_timeout_ms;
	*out = s;
	return 0;
}

int pg_session_alive(const pg_session *s)
{
	return !s->dead;
}

const char *pg_session_stderr(const pg_session *s)
{
	return s->p->errtail.ptr ? s->p->errtail.ptr : "";
}

static void request(pg_buf *b, uint64_t id, const pg_call *c)
{
	char *args = json_dumps(c->args, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	if (c->times)
		pg_buf_printf(b, "{\"id\":%llu,\"time\":\"%s\",\"args\":%s,\"n\":%llu}\n",
			      (unsigned long long)id, c->call, args ? args : "[]", (unsigned long long)c->times);
	else
		pg_buf_printf(b, "{\"id\":%llu,\"call\":\"%s\",\"args\":%s}\n", (unsigned long long)id,
			      c->call, args ? args : "[]");
	free(args);
}

/* A short, printable rendering of what the implementation wrote (quoted),
 * or of what jansson said of it. */
static char *excerpt(const char *s, size_t n, int quoted)
{
	pg_buf b = PG_BUF_INIT;
	size_t i;
	if (quoted)
		pg_buf_putc(&b, '"');
	for (i = 0; i < n && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && ((c != '"' && c != '\\') || !quoted))
			pg_buf_putc(&b, (char)c);
		else
			pg_buf_printf(&b, "\\x%02x", c);
	}
	if (quoted)
		pg_buf_putc(&b, '"');
	if (i < n)
		pg_buf_puts(&b, "...");
	return pg_buf_detach(&b);
}

/* Check one answer line against the call it answers; fills a. */
static void answer(pg_answer *a, const char *line, size_t len, uint64_t id, const pg_call *c)
{
	json_error_t je;
	json_t *v = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	json_t *jid, *ok, *er, *ns;
	char *ex = NULL;
	a->status = PG_ANS_FAIL;
	if (!v || !json_is_object(v)) {
		ex = excerpt(line, len, 1);
		if (v) {
			a->msg = pg_asprintf("protocol: not a JSON object: %s", ex);
		} else { /* say why: a duplicate key, the nesting, a number or a byte jansson refused */
			char *why = excerpt(je.text, strlen(je.text), 0);
			a->msg = pg_asprintf("protocol: not a JSON object: %s (at byte %d: %s)", ex, je.position, why);
			free(why);
		}
		goto out;
	}
	jid = json_object_get(v, "id");
	if (!json_is_integer(jid)) {
		a->msg = pg_strdup("protocol: an answer without an integer id");
		goto out;
	}
	if ((uint64_t)json_integer_value(jid) != id || json_integer_value(jid) < 0) {
		a->msg = pg_asprintf("protocol: answered id %lld, expected %llu",
				     (long long)json_integer_value(jid), (unsigned long long)id);
		goto out;
	}
	ok = json_object_get(v, "ok");
	er = json_object_get(v, "error");
	if (!ok == !er) {
		a->msg = pg_strdup(ok ? "protocol: an answer with both ok and error"
				      : "protocol: an answer with neither ok nor error");
		goto out;
	}
	if (er) {
		if (!json_is_string(er)) {
			a->msg = pg_strdup("protocol: error is not a string");
			goto out;
		}
		a->status = PG_ANS_ERROR;
		a->msg = pg_strndup(json_string_value(er), json_string_length(er));
		goto out;
	}
	if (c->times) {
		ns = json_object_get(v, "ns");
		if (!json_is_integer(ns) || json_integer_value(ns) < 0) {
			a->msg = pg_strdup("protocol: a timing answer without ns");
			goto out;
		}
		a->ns = (uint64_t)json_integer_value(ns);
	}
	a->status = PG_ANS_OK;
	a->value = json_incref(ok);
out:
	free(ex);
	json_decref(v);
}

/* The session is over: kill what runs and say why in a. */
static void end(pg_session *s, pg_answer *a, const char *why, size_t answered)
{
	char reason[256];
	s->dead = 1;
	if (why) {
		pg_proc_kill(s->p);
		pg_proc_wait(s->p);
		a->msg = pg_strdup(why);
	} else {
		pg_proc_wait(s->p);
		pg_proc_reason(s->p, reason, sizeof(reason));
		if (s->p->end == PG_END_EXIT)
			a->msg = pg_asprintf("exited (%s) after %zu answer%s", reason, answered,
					     answered == 1 ? "" : "s");
		else
			a->msg = pg_strdup(reason);
	}
	a->status = PG_ANS_FAIL;
}

long pg_session_calls(pg_session *s, const pg_call *calls, size_t n, pg_answer *ans)
{
	pg_buf in = PG_BUF_INIT;
	size_t inoff = 0, sent = 0, got = 0;
	uint64_t first = s->next_id, last = now_ms();
	char why[128];

	for (size_t i = 0; i < n; i++)
		memset(&ans[i], 0, sizeof(ans[i]));
	if (s->dead) {
		if (n)
			end(s, &ans[0], "the implementation is no longer running", 0);
		return 0;
	}
	while (got < n) {
		/* top up the window */
		if (inoff == in.len) {
			pg_buf_clear(&in);
			inoff = 0;
			while (sent < n && sent - got < WINDOW && in.len < WINDOW_BYTES)
				request(&in, first + sent, &calls[sent]), sent++;
		}
		unsigned wait = 100;
		int r = pg_proc_pump(s->p, in.ptr, in.len, &inoff, &s->out, (int)wait);
		if (r < 0)
			goto fail;

		/* every complete line is the next answer */
		char *nl;
		while (got < n && s->out.len > s->outpos &&
		       (nl = memchr(s->out.ptr + s->outpos, '\n', s->out.len - s->outpos))) {
			const char *line = s->out.ptr + s->outpos;
			size_t len = (size_t)(nl - line);
			s->outpos += len + 1;
			answer(&ans[got], line, len, first + got, &calls[got]);
			if (ans[got].status == PG_ANS_FAIL) {
				s->dead = 1;
				pg_proc_kill(s->p);
				pg_proc_wait(s->p);
				goto done;
			}
			got++;
			last = now_ms();
		}
		if (s->outpos == s->out.len) {
			pg_buf_clear(&s->out);
			s->outpos = 0;
		} else if (s->out.len - s->outpos > PG_WIRE_LINE_MAX) {
			end(s, &ans[got], "protocol: an answer line longer than 16 MiB", got);
			goto done;
		}
		if (got == n)
			break;
		if (r == 1) {
			end(s, &ans[got], NULL, got);
			goto done;
		}
		if (s->call_timeout_ms && now_ms() - last > s->call_timeout_ms) {
			snprintf(why, sizeof(why), "timeout: no answer in %.3g s", s->call_timeout_ms / 1000.0);
			end(s, &ans[got], why, got);
			goto done;
		}
	}
done:
	s->next_id = first + n;
	pg_buf_free(&in);
	return (long)got;
fail:
	pg_buf_free(&in);
	return PG_ERROR;
}

void pg_session_close(pg_session *s)
{
	pg_session_finish(s, NULL);
}

void pg_session_finish(pg_session *s, uint64_t *peak_rss)
{
	if (!s)
		return;
	uint64_t peak = s->dead ? 0 : pg_proc_peak_now(s->p); /* before it exits */
	if (!s->dead) {
		char req[64];
		size_t off = 0;
		int n = snprintf(req, sizeof(req), "{\"id\":%llu,\"shutdown\":true}\n",
				 (unsigned long long)s->next_id);
		uint64_t t0 = now_ms();
		while (now_ms() - t0 < 1000) {
			int r = pg_proc_pump(s->p, req, (size_t)n, &off, &s->out, 50);
			if (off == (size_t)n)
				pg_proc_close_in(s->p);
			if (r != 0)
				break;
		}
		pg_proc_kill(s->p);
		pg_proc_wait(s->p);
	}
	if (peak_rss)
		*peak_rss = peak ? peak : s->p->max_rss;
	pg_proc_free(s->p);
	pg_buf_free(&s->out);
	free(s);
}
