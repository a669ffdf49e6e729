/* test_session.c - pg's side of the wire protocol against real processes */
#include "unit.h"

#include "session.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = unit_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unit_rmtree(dir); /* frees dir */
	return 0;
}

/* An implementation written in Python by hand: body runs per request r. */
static pg_session *start(const char *body, unsigned timeout_ms)
{
	char *path = pg_path_join(dir, "impl.py");
	char *src = pg_asprintf("import json, sys\n"
				"n = 0\n"
				"for line in sys.stdin:\n"
				"    r = json.loads(line)\n"
				"    n += 1\n"
				"%s\n",
				body);
	assert_int_equal(pg_write_file_atomic(path, src, strlen(src), 0644), 0);
	pg_sandbox sb = { .dir = dir, .no_sandbox = 1, .lim = pg_limits_run };
	sb.lim.wall_ms = 20000;
	pg_session *s;
	if (pg_session_open(&s, &sb, "python3 impl.py", timeout_ms) < 0)
		fail_msg("%s", pg_error_last());
	free(path);
	free(src);
	return s;
}

static const char echo[] = "    if 'shutdown' in r:\n"
			   "        print(json.dumps({'id': r['id'], 'ok': None}), flush=True)\n"
			   "        break\n"
			   "    if r['args'][0] < 0:\n"
			   "        print(json.dumps({'id': r['id'], 'error': 'negative'}))\n"
			   "    elif 'time' in r:\n"
			   "        print(json.dumps({'id': r['id'], 'ok': r['args'][0], 'ns': 42}))\n"
			   "    else:\n"
			   "        print(json.dumps({'id': r['id'], 'ok': r['args'][0]}))\n"
			   "    sys.stdout.flush()";

static pg_call *calls_of(size_t n, json_t ***args)
{
	pg_call *c = pg_calloc(n, sizeof(*c));
	*args = pg_calloc(n, sizeof(**args));
	for (size_t i = 0; i < n; i++) {
		(*args)[i] = json_pack("[I]", (json_int_t)i - (i == 7 ? 100 : 0));
		c[i].call = "echo";
		c[i].args = (*args)[i];
	}
	return c;
}

static void free_calls(pg_call *c, json_t **args, pg_answer *ans, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(args[i]);
		if (ans)
			pg_answer_clear(&ans[i]);
	}
	free(c);
	free(args);
	free(ans);
}

static void test_pipelined_calls_all_answered_in_order(void **state)
{
	(void)state;
	size_t n = 20000; /* several windows of requests */
	json_t **args;
	pg_call *c = calls_of(n, &args);
	pg_answer *ans = pg_calloc(n, sizeof(*ans));
	c[3].times = 1000;
	pg_session *s = start(echo, 10000);
	assert_int_equal(pg_session_calls(s, c, n, ans), (long)n);
	for (size_t i = 0; i < n; i++) {
		if (i == 7) {
			assert_int_equal(ans[i].status, PG_ANS_ERROR);
			assert_string_equal(ans[i].msg, "negative");
			continue;
		}
		assert_int_equal(ans[i].status, PG_ANS_OK);
		assert_int_equal(json_integer_value(ans[i].value), (json_int_t)i);
	}
	assert_int_equal(ans[3].ns, 42);
	assert_true(pg_session_alive(s));
	/* the same session goes on with the next batch */
	pg_answer more[2];
	assert_int_equal(pg_session_calls(s, c, 2, more), 2);
	assert_int_equal(json_integer_value(more[1].value), 1);
	pg_answer_clear(&more[0]);
	pg_answer_clear(&more[1]);
	pg_session_close(s);
	free_calls(c, args, ans, n);
}

static void check_failure(const char *body, const char *want, long answered)
{
	json_t **args;
	pg_call *c = calls_of(5, &args);
	pg_answer *ans = pg_calloc(5, sizeof(*ans));
	pg_session *s = start(body, 1000);
	long got = pg_session_calls(s, c, 5, ans);
	if (got != answered || ans[got].status != PG_ANS_FAIL || !strstr(ans[got].msg, want))
		fail_msg("answered %ld (wanted %ld), then '%s' (wanted '%s')", got, answered,
			 ans[got].msg ? ans[got].msg : "", want);
	for (long i = got + 1; i < 5; i++)
		assert_int_equal(ans[i].status, PG_ANS_NONE);
	assert_false(pg_session_alive(s));
	/* a dead session answers nothing more, and says why */
	pg_answer again;
	assert_int_equal(pg_session_calls(s, c, 1, &again), 0);
	assert_int_equal(again.status, PG_ANS_FAIL);
	pg_answer_clear(&again);
	pg_session_close(s);
	free_calls(c, args, ans, 5);
}

static void test_garbage_is_a_protocol_failure(void **state)
{
	(void)state;
	check_failure("    print('hello' if n == 3 else json.dumps({'id': r['id'], 'ok': 1}), flush=True)",
		      "protocol: not a JSON object: \"hello\"", 2);
}

static void test_wrong_id(void **state)
{
	(void)state;
	check_failure("    print(json.dumps({'id': r['id'] + (n == 2), 'ok': 1}), flush=True)",
		      "protocol: answered id 2, expected 1", 1);
}

static void test_neither_ok_nor_error(void **state)
{
	(void)state;
	check_failure("    print(json.dumps({'id': r['id']}), flush=True)",
		      "protocol: an answer with neither ok nor error", 0);
	check_failure("    print(json.dumps({'id': r['id'], 'ok': 1, 'error': 'x'}), flush=True)",
		      "protocol: an answer with both ok and error", 0);
}

static void test_exit_midway(void **state)
{
	(void)state;
	check_failure("    print(json.dumps({'id': r['id'], 'ok': 1}), flush=True)\n"
		      "    if n == 2: sys.exit(3)",
		      "exited (exit 3) after 2 answers", 2);
}

static void test_silence_times_out(void **state)
{
	(void)state;
	check_failure("    if n < 4: print(json.dumps({'id': r['id'], 'ok': 1}), flush=True)",
		      "timeout: no answer in 1 s", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_calls_all_answered_in_order),
		cmocka_unit_test(test_garbage_is_a_protocol_failure),
		cmocka_unit_test(test_wrong_id),
		cmocka_unit_test(test_neither_ok_nor_error),
		cmocka_unit_test(test_exit_midway),
		cmocka_unit_test(test_silence_times_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
