/* session_rate.c - pg's harness measured through libpg: wire calls per second
 * (lib/session.c) and the cost of starting a sandbox (lib/sandbox.c)
 *
 * usage:
 *   session_rate wire  WORKDIR PGI [N]    calls/s through pg_session_calls (default N = 1000000)
 *   session_rate calls WORKDIR PGI N add|circle|null [--no-sandbox]
 *                                         one session of N calls and nothing else (for perf)
 *   session_rate spawn WORKDIR [K]        mean start-up of a run, K runs each (default 200)
 *   session_rate run1  WORKDIR [--no-sandbox]   one pg_sandbox_run("/bin/true"), for hyperfine
 *   session_rate argv  WORKDIR            pg_sandbox_run("/bin/true") and print its stderr
 *                                         (with a stand-in bwrap first in PATH: pg's bwrap arguments)
 *   session_rate noop                     start and exit: the driver's own start-up, for hyperfine
 *
 * WORKDIR must exist, be empty of anything precious, and be reachable by
 * other users (as root the sandbox runs as a private uid): a directory under
 * /var/tmp with mode 0755.  PGI is geometry::circle's interface.pgi.
 *
 * wire: generates the C bindings of two interfaces with pg_idl_parse +
 * pg_gen_bindings -- `fn add(a: i64, b: i64) -> i64;` and geometry::circle
 * (Circle.intersects_circle) -- writes impl.c and the runtime (pg_template)
 * into WORKDIR/<name>, builds them with the command pg uses (cc -O2), and
 * times N calls through pg_session_calls, in the bubblewrap sandbox and with
 * no_sandbox, next to the same function body called in-process in a loop.
 * The arguments are a pool of 4096 distinct jansson arrays, built before
 * timing and cycled; every answer is checked after timing.  A third
 * implementation that answers {"id":N,"ok":0} without parsing anything
 * ("null") shows the harness's floor.  pg's own CPU time is
 * getrusage(RUSAGE_SELF) over the calls; the implementation's is the
 * user + system time of this program's descendants (/proc/PID/stat) over
 * them: the implementation, bwrap and its reaper, which only wait.
 * (RUSAGE_CHILDREN does not give the implementation's in the sandbox:
 * pg_session_close kills the sandbox as soon as stdout closes, before the
 * reaper has collected the pid namespace's CPU time.)  pg's JSON
 * work alone is timed with a copy of session.c's request() and answer()
 * (they are static there).
 *
 * spawn: fork + execve + waitpid of /bin/true and of /bin/sh -c /bin/true
 * (pg runs every command through sh -c), then pg_sandbox_run("/bin/true")
 * with no_sandbox and with the sandbox, each K times after a warm-up;
 * prints mean and standard deviation in microseconds.
 *
 * A benchmark: it measures and prints, and exits non-zero only when it
 * cannot measure (a build fails, an answer is wrong).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gen.h"
#include "idl.h"
#include "sandbox.h"
#include "session.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NOIPA __attribute__((noipa)) /* no inlining, cloning or constant propagation */
#else
#define NOIPA __attribute__((noinline))
#endif

#define POOL 4096          /* distinct argument arrays, cycled */
#define LOCAL_REPEAT 100   /* the in-process loop makes LOCAL_REPEAT * N calls */

static volatile int64_t sink_i; /* keeps the in-process results alive */
static volatile bool sink_b;

static const char *prog = "session_rate";

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (user + system) of this process's descendants that are alive
 * now, from /proc/PID/stat: the session's reaper, bwrap, the implementation.
 * Seconds, in ticks of 1/CLK_TCK s. */
static double descendants_cpu(void)
{
	enum { MAXP = 1 << 16 };
	static int ppid_of[MAXP];
	static unsigned long long ticks_of[MAXP];
	static unsigned char seen[MAXP];
	unsigned long long sum = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	if (!d)
		return -1;
	memset(seen, 0, sizeof(seen));
	while ((e = readdir(d))) {
		char path[300], buf[1024];
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid >= MAXP)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *rp = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
		int ppid;
		unsigned long long ut, st;
		if (!rp || sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ppid, &ut, &st) != 3)
			continue;
		ppid_of[pid] = ppid, ticks_of[pid] = ut + st, seen[pid] = 1;
	}
	closedir(d);
	int self = (int)getpid();
	for (int pid = 0; pid < MAXP; pid++) {
		if (!seen[pid] || pid == self)
			continue;
		int up = ppid_of[pid];
		for (int hops = 0; up > 0 && up < MAXP && up != self && seen[up] && hops < 64; hops++)
			up = ppid_of[up];
		if (up == self)
			sum += ticks_of[pid];
	}
	return (double)sum / (double)sysconf(_SC_CLK_TCK);
}

static double cpu(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* --- the functions, in-process ------------------------------------------ */

typedef struct circle {
	double radius;
	struct {
		double _0, _1;
	} center;
} circle;

/* the same bodies as the implementations' below */
NOIPA static int64_t add_local(int64_t a, int64_t b)
{
	return a + b;
}

NOIPA static bool intersects_local(const circle *self, circle b)
{
	double dx = self->center._0 - b.center._0, dy = self->center._1 - b.center._1;
	double r = self->radius + b.radius;
	return dx * dx + dy * dy <= r * r;
}

static const char add_pgi[] = "// The sum of two integers.\nfn add(a: i64, b: i64) -> i64;\n";

static const char add_impl[] =
	"#define PG_IMPLEMENTATION\n"
	"#include \"add.h\"\n"
	"\n"
	"int64_t add(int64_t a, int64_t b)\n"
	"{\n"
	"\treturn a + b;\n"
	"}\n";

static const char circle_impl[] =
	"#define PG_IMPLEMENTATION\n"
	"#include \"circle.h\"\n"
	"\n"
	"bool Circle_intersects_circle(const Circle *self, Circle b)\n"
	"{\n"
	"\tdouble dx = self->center._0 - b.center._0, dy = self->center._1 - b.center._1;\n"
	"\tdouble r = self->radius + b.radius;\n"
	"\treturn dx * dx + dy * dy <= r * r;\n"
	"}\n";

/* Answers every line with {"id":N,"ok":0} without parsing it: no JSON, no
 * dispatch.  Like the runtime, it writes its answers before each read that
 * may block, so pipelining works. */
static const char null_impl[] =
	"#include <string.h>\n"
	"#include <unistd.h>\n"
	"static char in[1 << 20], out[1 << 20];\n"
	"static size_t olen;\n"
	"static void flush(void)\n"
	"{\n"
	"\tfor (size_t off = 0; off < olen;) {\n"
	"\t\tssize_t w = write(1, out + off, olen - off);\n"
	"\t\tif (w <= 0)\n"
	"\t\t\t_exit(1);\n"
	"\t\toff += (size_t)w;\n"
	"\t}\n"
	"\tolen = 0;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"\tsize_t have = 0;\n"
	"\tfor (;;) {\n"
	"\t\tssize_t r = read(0, in + have, sizeof(in) - have);\n"
	"\t\tif (r <= 0)\n"
	"\t\t\tbreak;\n"
	"\t\thave += (size_t)r;\n"
	"\t\tsize_t start = 0;\n"
	"\t\tchar *nl;\n"
	"\t\twhile ((nl = memchr(in + start, '\\n', have - start))) {\n"
	"\t\t\tchar *p = memmem(in + start, (size_t)(nl - in) - start, \"\\\"id\\\":\", 5), d[24];\n"
	"\t\t\tunsigned long long id = 0;\n"
	"\t\t\tint n = 0;\n"
	"\t\t\tfor (p = p ? p + 5 : nl; p < nl && *p >= '0' && *p <= '9'; p++)\n"
	"\t\t\t\tid = id * 10 + (unsigned)(*p - '0');\n"
	"\t\t\tdo\n"
	"\t\t\t\td[n++] = (char)('0' + id % 10);\n"
	"\t\t\twhile (id /= 10);\n"
	"\t\t\tif (olen + 64 > sizeof(out))\n"
	"\t\t\t\tflush();\n"
	"\t\t\tmemcpy(out + olen, \"{\\\"id\\\":\", 6), olen += 6;\n"
	"\t\t\twhile (n)\n"
	"\t\t\t\tout[olen++] = d[--n];\n"
	"\t\t\tmemcpy(out + olen, \",\\\"ok\\\":0}\\n\", 9), olen += 9;\n"
	"\t\t\tstart = (size_t)(nl - in) + 1;\n"
	"\t\t}\n"
	"\t\tmemmove(in, in + start, have - start);\n"
	"\t\thave -= start;\n"
	"\t\tif (have == sizeof(in))\n"
	"\t\t\t_exit(1);\n"
	"\t\tflush();\n"
	"\t}\n"
	"\tflush();\n"
	"\treturn 0;\n"
	"}\n";

/* --- building the implementations ---------------------------------------- */

static void put_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = pg_path_join(dir, name);
	if (pg_write_file_atomic(path, data, len, 0644) < 0)
		die("%s", pg_error_last());
	free(path);
}

static void sh(const char *dir, const char *cmd)
{
	char *line = pg_asprintf("cd '%s' && %s", dir, cmd);
	int st = system(line);
	if (st != 0)
		die("'%s' failed (status %d)", line, st);
	free(line);
}

/* WORKDIR/name: bindings of src, the runtime, impl.c; built as pg builds C */
static char *build_impl(const char *work, const char *name, const char *src, size_t srclen,
			const char *ifname, const char *impl)
{
	const pg_lang_info *c = pg_lang_get(PG_LANG_C);
	char *dir = pg_path_join(work, name);
	pg_buf h = PG_BUF_INIT;
	pg_idl *idl = NULL;
	if (pg_mkdir_p(dir, 0755) < 0 || chmod(dir, 0755) < 0)
		die("cannot make %s: %s", dir, pg_error_last());
	if (pg_idl_parse(&idl, src, srclen, ifname) < 0)
		die("%s", pg_error_last());
	pg_gen_bindings(&h, PG_LANG_C, idl, ifname, NULL);
	char *hname = pg_asprintf("%s.h", pg_gen_base(ifname));
	put_file(dir, hname, h.ptr, h.len);
	for (const char *const *f = c->runtime; *f; f++) {
		char *tpath = pg_asprintf("c/%s", *f);
		size_t len;
		const char *t = pg_template(tpath, &len);
		if (!t)
			die("no template %s", tpath);
		put_file(dir, *f, t, len);
		free(tpath);
	}
	put_file(dir, c->skeleton, impl, strlen(impl));
	sh(dir, c->build);
	free(hname);
	pg_buf_free(&h);
	pg_idl_free(idl);
	return dir;
}

/* --- the calls ------------------------------------------------------------ */

typedef struct bench {
	const char *label, *call;
	json_t *pool[POOL];
	int64_t want_i[POOL]; /* add */
	int want_b[POOL];     /* circle: 0/1; -1: only check ok */
	int is_bool;
	int check_value;
} bench;

typedef struct result {
	double wall, pg_cpu; /* seconds over the timed calls */
	double impl_cpu;     /* of the session's processes over the timed calls */
} result;

static void time_session(result *r, const bench *b, const char *dir, int no_sandbox, size_t n)
{
	pg_call *calls = pg_calloc(n, sizeof(*calls));
	pg_answer *ans = pg_calloc(n, sizeof(*ans));
	pg_sandbox sb = { .dir = dir, .no_sandbox = no_sandbox, .lim = pg_limits_run };
	pg_session *s;
	size_t warm = n < 1000 ? n : 1000;
	for (size_t i = 0; i < n; i++)
		calls[i] = (pg_call){ .call = b->call, .args = b->pool[i % POOL] };
	/* pg's run limits, but room for this many answers and this much time */
	if (sb.lim.output < 64 * (uint64_t)n)
		sb.lim.output = 64 * (uint64_t)n;
	sb.lim.wall_ms = 600 * 1000;
	sb.lim.cpu_s = 600;

	if (pg_session_open(&s, &sb, pg_lang_get(PG_LANG_C)->run, 10000) < 0)
		die("cannot open a session: %s", pg_error_last());
	/* the first calls wait for the sandbox to start: not timed */
	if (pg_session_calls(s, calls, warm, ans) != (long)warm)
		die("%s: the warm-up failed: %s %s", b->label, ans[0].msg ? ans[0].msg : "", pg_session_stderr(s));
	for (size_t i = 0; i < warm; i++)
		pg_answer_clear(&ans[i]);

	double i0 = descendants_cpu(), p0 = cpu(RUSAGE_SELF), t0 = now();
	long got = pg_session_calls(s, calls, n, ans);
	double t1 = now(), p1 = cpu(RUSAGE_SELF), i1 = descendants_cpu();
	if (got != (long)n) {
		const pg_answer *a = got >= 0 ? &ans[got] : NULL;
		die("%s%s: %ld of %zu answered: %s; stderr: %s", b->label, no_sandbox ? " (no sandbox)" : "", got, n,
		    a && a->msg ? a->msg : pg_error_last(), pg_session_stderr(s));
	}
	pg_session_close(s);
	r->wall = t1 - t0;
	r->pg_cpu = p1 - p0;
	r->impl_cpu = i0 < 0 || i1 < 0 ? -1 : i1 - i0;

	for (size_t i = 0; i < n; i++) {
		const pg_answer *a = &ans[i];
		size_t k = i % POOL;
		if (a->status != PG_ANS_OK)
			die("%s: call %zu: not ok: %s", b->label, i, a->msg ? a->msg : "?");
		if (b->check_value &&
		    (b->is_bool ? !json_is_boolean(a->value) || json_is_true(a->value) != b->want_b[k]
				: !json_is_string(a->value) || strtoll(json_string_value(a->value), NULL, 10) != b->want_i[k]))
			die("%s: call %zu: wrong answer", b->label, i);
		pg_answer_clear(&ans[i]);
	}
	free(ans);
	free(calls);
}

/* The implementation by itself: the same request text from a file, its
 * answers to /dev/null (what bench/wire_rate.sh measures). */
static double time_alone(const bench *b, const char *dir, size_t n)
{
	char *in = pg_path_join(dir, "requests");
	FILE *f = fopen(in, "w");
	if (!f)
		die("cannot write %s", in);
	for (size_t i = 0; i < n; i++) {
		char *args = json_dumps(b->pool[i % POOL], JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		fprintf(f, "{\"id\":%zu,\"call\":\"%s\",\"args\":%s}\n", i, b->call, args);
		free(args);
	}
	if (fclose(f) != 0)
		die("cannot write %s", in);
	char *cmd = pg_asprintf("%s < requests > /dev/null", pg_lang_get(PG_LANG_C)->run);
	double t0 = now();
	sh(dir, cmd);
	double t = now() - t0;
	unlink(in);
	free(in);
	free(cmd);
	return t;
}

/* A copy of session.c's request() and answer() (static there): pg's JSON
 * work per call, without pipes or polls. */
static void time_json(const bench *b, size_t n, double *build_s, double *parse_s)
{
	pg_buf req = PG_BUF_INIT, lines = PG_BUF_INIT;
	json_t **vals = pg_calloc(POOL, sizeof(*vals));
	size_t *off = pg_calloc(POOL + 1, sizeof(*off));
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		char *args = json_dumps(b->pool[i % POOL], JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		pg_buf_printf(&req, "{\"id\":%llu,\"call\":\"%s\",\"args\":%s}\n", (unsigned long long)i, b->call,
			      args ? args : "[]");
		free(args);
		if (i % POOL == POOL - 1)
			pg_buf_clear(&req);
	}
	*build_s = now() - t0;

	/* answers as the runtime writes them, ids of a million */
	for (size_t k = 0; k < POOL; k++) {
		off[k] = lines.len;
		if (b->is_bool)
			pg_buf_printf(&lines, "{\"id\":%zu,\"ok\":%s}", 1000000 + k, b->want_b[k] ? "true" : "false");
		else
			pg_buf_printf(&lines, "{\"id\":%zu,\"ok\":\"%lld\"}", 1000000 + k, (long long)b->want_i[k]);
	}
	off[POOL] = lines.len;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		size_t k = i % POOL;
		json_error_t je;
		json_t *v = json_loadb(lines.ptr + off[k], off[k + 1] - off[k], JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		json_t *jid = json_object_get(v, "id"), *ok = json_object_get(v, "ok"), *er = json_object_get(v, "error");
		if (!json_is_object(v) || !json_is_integer(jid) || json_integer_value(jid) != (json_int_t)(1000000 + k) ||
		    !ok == !er)
			die("time_json: bad answer");
		json_decref(vals[k]);
		vals[k] = json_incref(ok);
		json_decref(v);
	}
	*parse_s = now() - t0;
	for (size_t k = 0; k < POOL; k++)
		json_decref(vals[k]);
	free(vals);
	free(off);
	pg_buf_free(&req);
	pg_buf_free(&lines);
}

static double time_local_add(const bench *b, size_t n)
{
	int64_t a[POOL], c[POOL], acc = 0;
	for (size_t k = 0; k < POOL; k++) {
		a[k] = strtoll(json_string_value(json_array_get(b->pool[k], 0)), NULL, 10);
		c[k] = strtoll(json_string_value(json_array_get(b->pool[k], 1)), NULL, 10);
	}
	double t0 = now();
	for (size_t i = 0; i < n; i++)
		acc += add_local(a[i % POOL], c[i % POOL]);
	double t = now() - t0;
	sink_i = acc;
	return t;
}

static circle circle_of(const json_t *j)
{
	const json_t *c = json_object_get(j, "center");
	return (circle){ .radius = json_real_value(json_object_get(j, "radius")),
			 .center = { json_real_value(json_array_get(c, 0)), json_real_value(json_array_get(c, 1)) } };
}

static double time_local_circle(const bench *b, size_t n)
{
	static circle s[POOL], o[POOL];
	unsigned hits = 0;
	for (size_t k = 0; k < POOL; k++) {
		s[k] = circle_of(json_array_get(b->pool[k], 0));
		o[k] = circle_of(json_array_get(b->pool[k], 1));
	}
	double t0 = now();
	for (size_t i = 0; i < n; i++)
		hits += intersects_local(&s[i % POOL], o[i % POOL]);
	double t = now() - t0;
	sink_b = hits & 1;
	return t;
}

/* --- wire ---------------------------------------------------------------- */

static void row(const char *label, size_t n, double secs, double pg_cpu, double impl_cpu, double base_rate)
{
	double rate = (double)n / secs;
	printf("  %-40s %12.0f %9.1f", label, rate, secs / (double)n * 1e9);
	if (pg_cpu >= 0)
		printf(" %7.0f", pg_cpu / (double)n * 1e9);
	else
		printf(" %7s", "");
	if (impl_cpu >= 0)
		printf(" %7.0f", impl_cpu / (double)n * 1e9);
	else
		printf(" %7s", "");
	printf(" %11.4g %10.3g\n", rate / base_rate, base_rate / rate);
}

static bench add = { .label = "add", .call = "add", .check_value = 1 };
static bench cir = { .label = "circle", .call = "Circle.intersects_circle", .is_bool = 1, .check_value = 1 };
static bench nul = { .label = "null", .call = "add" };
static char *add_dir, *cir_dir, *nul_dir;

/* Build the three implementations in work and the argument pools. */
static void prepare(const char *work, const char *pgi)
{
	pg_buf circle_src = PG_BUF_INIT;
	if (pg_read_file(&circle_src, pgi, PG_IDL_MAX_BYTES) < 0)
		die("%s", pg_error_last());

	fprintf(stderr, "%s: building the implementations in %s\n", prog, work);
	add_dir = build_impl(work, "add", add_pgi, strlen(add_pgi), "bench::add", add_impl);
	cir_dir = build_impl(work, "circle", circle_src.ptr, circle_src.len, "geometry::circle", circle_impl);
	nul_dir = pg_path_join(work, "null");
	if (pg_mkdir_p(nul_dir, 0755) < 0 || chmod(nul_dir, 0755) < 0)
		die("cannot make %s", nul_dir);
	put_file(nul_dir, "impl.c", null_impl, strlen(null_impl));
	sh(nul_dir, "cc -std=c11 -D_GNU_SOURCE -O2 -o impl impl.c");
	pg_buf_free(&circle_src);

	/* the argument pools, built before any timing */
	srand(42);
	for (size_t k = 0; k < POOL; k++) {
		int64_t a = (int64_t)rand() - RAND_MAX / 2, b = (int64_t)k * 7919 - 1000000;
		char as[24], bs[24]; /* i64 travels as a decimal string (docs/wire.md) */
		snprintf(as, sizeof(as), "%lld", (long long)a);
		snprintf(bs, sizeof(bs), "%lld", (long long)b);
		add.pool[k] = json_pack("[ss]", as, bs);
		add.want_i[k] = add_local(a, b);
		nul.pool[k] = json_incref(add.pool[k]);
		circle c[2];
		for (int j = 0; j < 2; j++)
			c[j] = (circle){ .radius = 0.5 + 4.5 * rand() / (double)RAND_MAX,
					 .center = { 20.0 * rand() / (double)RAND_MAX - 10, 20.0 * rand() / (double)RAND_MAX - 10 } };
		cir.pool[k] = json_pack("[{s:f,s:[ff]},{s:f,s:[ff]}]", "radius", c[0].radius, "center", c[0].center._0,
					c[0].center._1, "radius", c[1].radius, "center", c[1].center._0, c[1].center._1);
		cir.want_b[k] = intersects_local(&c[0], c[1]);
		if (!add.pool[k] || !cir.pool[k])
			die("json_pack failed");
	}
}

static void unprepare(void)
{
	for (size_t k = 0; k < POOL; k++) {
		json_decref(add.pool[k]);
		json_decref(cir.pool[k]);
		json_decref(nul.pool[k]);
	}
	free(add_dir);
	free(cir_dir);
	free(nul_dir);
}

/* One session of n calls and nothing else (for perf): which is add, circle or null. */
static void calls_only(const char *work, const char *pgi, size_t n, const char *which, int no_sandbox)
{
	result r;
	prepare(work, pgi);
	bench *b = !strcmp(which, "add") ? &add : !strcmp(which, "circle") ? &cir : !strcmp(which, "null") ? &nul : NULL;
	if (!b)
		die("no benchmark '%s' (add, circle, null)", which);
	time_session(&r, b, b == &add ? add_dir : b == &cir ? cir_dir : nul_dir, no_sandbox, n);
	printf("%s%s: %zu calls in %.3f s: %.0f calls/s; pg cpu %.0f ns/call, impl cpu %.0f ns/call\n",
	       b->label, no_sandbox ? " (no sandbox)" : "", n, r.wall, (double)n / r.wall, r.pg_cpu / (double)n * 1e9,
	       r.impl_cpu / (double)n * 1e9);
	unprepare();
}

static void wire(const char *work, const char *pgi, size_t n)
{
	prepare(work, pgi);
	struct {
		bench *b;
		const char *dir;
		double local;
	} set[] = { { &add, add_dir, 0 }, { &cir, cir_dir, 0 }, { &nul, nul_dir, 0 } };
	result r[3][2];
	double alone[3], jb[2], jp[2];
	size_t nlocal = n * LOCAL_REPEAT;
	for (int i = 0; i < 3; i++) {
		if (i < 2) {
			fprintf(stderr, "%s: %s: %zu calls in-process\n", prog, set[i].b->label, nlocal);
			set[i].local = i == 0 ? time_local_add(set[i].b, nlocal) : time_local_circle(set[i].b, nlocal);
			fprintf(stderr, "%s: %s: pg's JSON work, %zu calls\n", prog, set[i].b->label, n);
			time_json(set[i].b, n, &jb[i], &jp[i]);
		}
		fprintf(stderr, "%s: %s: %zu calls, the implementation alone\n", prog, set[i].b->label, n);
		alone[i] = time_alone(set[i].b, set[i].dir, n);
		for (int ns = 0; ns < 2; ns++) {
			fprintf(stderr, "%s: %s: %zu calls through pg_session_calls%s\n", prog, set[i].b->label, n,
				ns ? ", no sandbox" : ", sandbox");
			time_session(&r[i][ns], set[i].b, set[i].dir, ns, n);
		}
	}

	printf("wire protocol: %zu pipelined calls each (window 4096 calls / 1 MiB), "
	       "%d distinct argument arrays cycled\n", n, POOL);
	printf("  %-40s %12s %9s %7s %7s %11s %10s\n", "", "calls/s", "ns/call", "pg cpu", "impl", "rate over", "in-proc");
	printf("  %-40s %12s %9s %7s %7s %11s %10s\n", "", "", "(wall)", "ns/call", "cpu", "in-proc's", "is x fast");
	for (int i = 0; i < 3; i++) {
		double base = i < 2 ? (double)nlocal / set[i].local : (double)nlocal / set[0].local;
		char l[64];
		if (i < 2) {
			printf("  %s\n", i == 0 ? "add(a: i64, b: i64) -> i64" : "geometry::circle Circle.intersects_circle");
			snprintf(l, sizeof(l), "in-process loop (noipa), %zu calls", nlocal);
			row(l, nlocal, set[i].local, -1, -1, base);
		} else {
			printf("  null impl: answers {\"id\":N,\"ok\":0} unparsed (add's requests)\n");
		}
		row("impl alone: requests from a file", n, alone[i], -1, -1, base);
		row("pg_session_calls, sandbox", n, r[i][0].wall, r[i][0].pg_cpu, r[i][0].impl_cpu, base);
		row("pg_session_calls, no_sandbox", n, r[i][1].wall, r[i][1].pg_cpu, r[i][1].impl_cpu, base);
		if (i < 2) {
			printf("  %-40s %12s %9.1f\n", "pg's JSON: build the request (copy)", "", jb[i] / (double)n * 1e9);
			printf("  %-40s %12s %9.1f\n", "pg's JSON: parse + check the answer", "", jp[i] / (double)n * 1e9);
		}
	}
	printf("  (the last two columns: the row's calls/s over the in-process loop's, and its inverse;\n"
	       "   null is compared with add's loop)\n");
	printf("  (pg cpu: getrusage(RUSAGE_SELF) over the timed calls; impl cpu: user + system time of the\n"
	       "   session's processes over them, from /proc/PID/stat in ticks of 1/%ld s)\n",
	       sysconf(_SC_CLK_TCK));
	for (int i = 0; i < 2; i++)
		printf("target >= 100000 calls/s pipelined, %s in the sandbox: %.0f calls/s: %s"
		       " (pg's CPU alone bounds it at %.0f calls/s)\n", set[i].b->label, (double)n / r[i][0].wall,
		       (double)n / r[i][0].wall >= 100000 ? "met" : "NOT MET", (double)n / r[i][0].pg_cpu);

	unprepare();
}

/* --- spawn ---------------------------------------------------------------- */

static void fork_exec(char *const argv[])
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		die("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("%s did not exit 0", argv[0]);
}

static void sandbox_true(const char *dir, int no_sandbox)
{
	pg_sandbox sb = { .dir = dir, .no_sandbox = no_sandbox, .lim = pg_limits_run };
	pg_proc *p = NULL;
	char why[128];
	if (pg_sandbox_run(NULL, &p, &sb, "/bin/true", NULL, 0) < 0)
		die("pg_sandbox_run: %s", pg_error_last());
	if (p->end != PG_END_EXIT || p->code != 0)
		die("pg_sandbox_run(/bin/true): %s: %s", pg_proc_reason(p, why, sizeof(why)),
		    p->errtail.ptr ? p->errtail.ptr : "");
	pg_proc_free(p);
}

static void spawn(const char *dir, size_t k)
{
	static char *const t[] = { "/bin/true", NULL }, *const sht[] = { "/bin/sh", "-c", "/bin/true", NULL };
	const char *names[] = { "fork_exec_true", "fork_exec_sh_true", "sandbox_run_no_sandbox", "sandbox_run" };
	const char *what[] = { "fork + execve /bin/true + waitpid", "fork + execve /bin/sh -c /bin/true",
			       "pg_sandbox_run(\"/bin/true\"), no_sandbox", "pg_sandbox_run(\"/bin/true\"), bwrap" };
	double *x = pg_calloc(k, sizeof(*x));
	printf("start-up, in-process, %zu runs each after 10 warm-up runs: mean, sd (us)\n", k);
	for (int m = 0; m < 4; m++) {
		double sum = 0, sq = 0, c0 = cpu(RUSAGE_SELF), ch0 = cpu(RUSAGE_CHILDREN);
		for (size_t i = 0; i < k + 10; i++) {
			double t0 = now();
			switch (m) {
			case 0: fork_exec(t); break;
			case 1: fork_exec(sht); break;
			default: sandbox_true(dir, m == 2); break;
			}
			if (i >= 10)
				x[i - 10] = now() - t0;
			if (i == 9)
				c0 = cpu(RUSAGE_SELF), ch0 = cpu(RUSAGE_CHILDREN);
		}
		double pc = cpu(RUSAGE_SELF) - c0, cc = cpu(RUSAGE_CHILDREN) - ch0;
		for (size_t i = 0; i < k; i++)
			sum += x[i];
		double mean = sum / (double)k;
		for (size_t i = 0; i < k; i++)
			sq += (x[i] - mean) * (x[i] - mean);
		printf("%-24s %10.1f %8.1f  driver cpu %7.1f  children cpu %7.1f   %s\n", names[m], mean * 1e6,
		       k > 1 ? sqrt(sq / (double)(k - 1)) * 1e6 : 0.0, pc / (double)k * 1e6, cc / (double)k * 1e6, what[m]);
		fflush(stdout);
	}
	free(x);
}

/* --- main ------------------------------------------------------------------ */

static void need_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		die("no directory %s", dir);
	if (geteuid() == 0 && !(st.st_mode & S_IXOTH))
		die("%s must be searchable by others (mode 0755): the sandbox runs as another uid", dir);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: session_rate wire WORKDIR PGI [N] | calls WORKDIR PGI N add|circle|null [--no-sandbox] |\n"
			"       spawn WORKDIR [K] | run1 WORKDIR [--no-sandbox] | argv WORKDIR | noop\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *mode = argv[1];
	if (!strcmp(mode, "noop"))
		return 0;
	if (argc < 3)
		usage();
	const char *dir = argv[2];
	need_dir(dir);
	if (!strcmp(mode, "wire")) {
		if (argc < 4 || argc > 5)
			usage();
		size_t n = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000000;
		if (n < 1000)
			die("N must be at least 1000");
		wire(dir, argv[3], n);
	} else if (!strcmp(mode, "calls")) {
		int no_sandbox = argc > 6 && !strcmp(argv[6], "--no-sandbox");
		if (argc < 6 || argc > 7 || (argc == 7 && !no_sandbox))
			usage();
		size_t n = strtoul(argv[4], NULL, 10);
		if (n < 1000)
			die("N must be at least 1000");
		calls_only(dir, argv[3], n, argv[5], no_sandbox);
	} else if (!strcmp(mode, "spawn")) {
		size_t k = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
		if (k < 2 || argc > 4)
			usage();
		spawn(dir, k);
	} else if (!strcmp(mode, "run1")) {
		int no_sandbox = argc > 3 && !strcmp(argv[3], "--no-sandbox");
		if (argc > 4 || (argc == 4 && !no_sandbox))
			usage();
		sandbox_true(dir, no_sandbox);
	} else if (!strcmp(mode, "argv")) {
		pg_sandbox sb = { .dir = dir, .lim = pg_limits_run };
		pg_proc *p = NULL;
		if (argc != 3)
			usage();
		if (pg_sandbox_run(NULL, &p, &sb, "/bin/true", NULL, 0) < 0)
			die("pg_sandbox_run: %s", pg_error_last());
		fputs(p->errtail.ptr ? p->errtail.ptr : "", stdout);
		pg_proc_free(p);
	} else {
		usage();
	}
	return 0;
}
