/* session.h - pg's side of the wire protocol (docs/wire.md)
 *
 * A session is one running implementation in the sandbox.  Calls go out
 * pipelined, in chunks, while answers are read back; every answer is
 * checked (a JSON object, the expected id, ok xor error) but not typed:
 * the caller knows the types.  When the implementation breaks the protocol,
 * crashes, exceeds a limit or stays silent for longer than the call
 * timeout, the session ends: the first unanswered call gets the reason,
 * and the caller may open a new session to go on with the next.
 */
#ifndef PG_SESSION_H
#define PG_SESSION_H

#include <jansson.h>

#include "sandbox.h"

#define PG_WIRE_LINE_MAX (16u * 1024 * 1024)

typedef struct pg_call {
	const char *call; /* "Circle.intersects_circle" */
	json_t *args;     /* a JSON array (borrowed) */
	uint64_t times;   /* 0: a call; n: a timing request repeating it n times */
} pg_call;

typedef enum pg_ans_status {
	PG_ANS_NONE = 0, /* not answered (the session ended earlier) */
	PG_ANS_OK,       /* value */
	PG_ANS_ERROR,    /* the implementation refused: msg */
	PG_ANS_FAIL,     /* no valid answer: msg is the reason */
} pg_ans_status;

typedef struct pg_answer {
	pg_ans_status status;
	json_t *value; /* PG_ANS_OK, owned */
	char *msg;     /* PG_ANS_ERROR, PG_ANS_FAIL */
	uint64_t ns;   /* timing requests */
} pg_answer;

void pg_answer_clear(pg_answer *a);

typedef struct pg_session pg_session;

/* Start `run` in the sandbox sb; call_timeout_ms bounds the wait for any
 * one answer (0: only the sandbox's wall clock). */
int pg_session_open(pg_session **out, const pg_sandbox *sb, const char *run, unsigned call_timeout_ms);

/* Send calls[0..n) and fill ans[0..n).  Returns how many were answered
 * (ok or error) before the session ended, n when it did not; when it ended
 * early, ans[returned] is PG_ANS_FAIL with the reason (unless the
 * implementation merely exited cleanly after answering all).  Negative
 * only for pg's own failures. */
long pg_session_calls(pg_session *s, const pg_call *calls, size_t n, pg_answer *ans);

/* Still running and in step? */
int pg_session_alive(const pg_session *s);

/* The last 4 KiB the implementation wrote to stderr. */
const char *pg_session_stderr(const pg_session *s);

/* Ask it to shut down, wait briefly, kill what remains, free. */
void pg_session_close(pg_session *s);

/* The same, reporting the largest peak resident set of the session's
 * processes, in bytes (pg_proc_peak_now just before it is asked to end;
 * the tree's ru_maxrss, pg's own size included, if that reads nothing). */
void pg_session_finish(pg_session *s, uint64_t *peak_rss);

#endif
