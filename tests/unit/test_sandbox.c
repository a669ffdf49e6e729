/* test_sandbox.c - the sandbox against real hostile programs: every limit,
 * every wall, and what a user reads when one is hit */
#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static const char hostile_c[] =
	"#include <arpa/inet.h>\n"
	"#include <signal.h>\n"
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <sys/socket.h>\n"
	"#include <unistd.h>\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	const char *m = argc > 1 ? argv[1] : \"\";\n"
	"	if (!strcmp(m, \"segv\"))\n"
	"		return *(volatile int *)(argc - 2);\n"
	"	if (!strcmp(m, \"spin\"))\n"
	"		for (;;);\n"
	"	if (!strcmp(m, \"spin-ignoring-sigxcpu\")) {\n"
	"		signal(SIGXCPU, SIG_IGN);\n"
	"		for (;;);\n"
	"	}\n"
	"	if (!strcmp(m, \"forkbomb\")) {\n"
	"		printf(\"%u\\n\", (unsigned)getuid());\n"
	"		fflush(stdout);\n"
	"		for (;;)\n"
	"			fork();\n"
	"	}\n"
	"	if (!strcmp(m, \"nproc\")) {\n"
	"		int n = 0;\n"
	"		for (pid_t p; (p = fork()) >= 0; n++)\n"
	"			if (p == 0) {\n"
	"				pause();\n"
	"				_exit(0);\n"
	"			}\n"
	"		printf(\"%d\\n\", n);\n"
	"		return 0;\n"
	"	}\n"
	"	if (!strcmp(m, \"malloc\"))\n"
	"		for (;;) {\n"
	"			char *p = malloc(1 << 20);\n"
	"			if (!p) {\n"
	"				perror(\"malloc\");\n"
	"				return 1;\n"
	"			}\n"
	"			memset(p, 1, 1 << 20);\n"
	"		}\n"
	"	if (!strcmp(m, \"connect\")) {\n"
	"		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };\n"
	"		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);\n"
	"		int s = socket(AF_INET, SOCK_STREAM, 0);\n"
	"		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {\n"
	"			puts(\"connected\");\n"
	"			return 0;\n"
	"		}\n"
	"		perror(\"connect\");\n"
	"		return 1;\n"
	"	}\n"
	"	return 2;\n"
	"}\n";

static char *bin;   /* a read-only directory holding ./hostile */
static int have_bwrap;

#define NEED_BWRAP()                  \
	do {                          \
		if (!have_bwrap)      \
			skip();       \
	} while (0)

static pg_sandbox sandbox(const char *dir)
{
	pg_sandbox sb = { .dir = dir, .lim = pg_limits_run };
	sb.lim.wall_ms = 5000;
	sb.lim.cpu_s = 2;
	return sb;
}

/* Run to the end; the caller frees the process. */
static pg_proc *run(const pg_sandbox *sb, const char *cmd, const char *in, size_t inlen, pg_buf *out)
{
	pg_proc *p = NULL;
	int r = pg_sandbox_run(out, &p, sb, cmd, in, inlen);
	if (r != 0)
		fail_msg("pg_sandbox_run(%s): %d %s", cmd, r, pg_error_last());
	assert_non_null(p);
	assert_int_not_equal(p->end, PG_END_RUNNING);
	return p;
}

static const char *reason(const pg_proc *p)
{
	static char buf[256];
	return pg_proc_reason(p, buf, sizeof(buf));
}

static double seconds(const pg_proc *p)
{
	return (double)(p->ended_ns - p->started_ns) / 1e9;
}

/* Processes of uid, but zombies: dead, waiting for their parent, maybe the
 * host's init, to reap them. */
static unsigned uid_procs(unsigned uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned n = 0;
	while ((e = readdir(d))) {
		char path[300], buf[4096], *s;
		unsigned u;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		if ((s = strstr(buf, "\nUid:")) && sscanf(s, "\nUid: %u", &u) == 1 && u == uid &&
		    !strstr(buf, "\nState:\tZ"))
			n++;
	}
	closedir(d);
	return n;
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_check_succeeds(void **state)
{
	(void)state;
	NEED_BWRAP();
	assert_int_equal(pg_sandbox_check(), 0);
	assert_int_equal(pg_sandbox_check(), 0); /* cached */
}

static void test_echo_through_stdin_and_clean_env(void **state)
{
	(void)state;
	NEED_BWRAP();
	const char *env[] = { "FOO=bar", NULL };
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	sb.env = env;
	setenv("PG_TEST_LEAK", "leaked", 1);
	pg_proc *p = run(&sb, "cat; echo \"$FOO $HOME $LANG $PATH ${PG_TEST_LEAK:-clean} $(pwd)\"",
			 "hello\n", 6, &out);
	unsetenv("PG_TEST_LEAK");
	assert_string_equal(out.ptr, "hello\nbar /tmp C.UTF-8 /usr/bin:/bin clean /work\n");
	assert_int_equal(p->end, PG_END_EXIT);
	assert_int_equal(p->code, 0);
	assert_string_equal(reason(p), "exit 0");
	pg_proc_free(p);
	pg_buf_free(&out);

	const char *bad[] = { "NOEQUALS", NULL };
	sb.env = bad;
	assert_error(pg_sandbox_run(&out, &p, &sb, "true", NULL, 0), PG_EINVALID, "NOEQUALS");
	assert_null(p);
}

static void test_exit_status_is_reported(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_proc *p = run(&sb, "echo oops >&2; exit 3", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_EXIT);
	assert_int_equal(p->code, 3);
	assert_string_equal(reason(p), "exit 3");
	assert_string_equal(p->errtail.ptr, "oops\n");
	pg_proc_free(p);
}

static void test_segfault_is_a_crash_with_signal_11(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_proc *p = run(&sb, "./hostile segv", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_SIGNAL);
	assert_int_equal(p->code, 11);
	assert_string_equal(reason(p), "crashed: signal 11 (Segmentation fault)");
	pg_proc_free(p);
}

static void test_cpu_limit_ends_a_busy_loop(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	sb.lim.cpu_s = 1;
	pg_proc *p = run(&sb, "./hostile spin", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_CPU);
	assert_string_equal(reason(p), "cpu time limit (1 s)");
	pg_proc_free(p);
	/* ignoring SIGXCPU only buys the second until the hard limit's SIGKILL */
	p = run(&sb, "./hostile spin-ignoring-sigxcpu", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_CPU);
	assert_string_equal(reason(p), "cpu time limit (1 s)");
	pg_proc_free(p);
}

static void test_wall_clock_ends_a_sleeper_promptly(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p;
	sb.lim.wall_ms = 500;
	assert_int_equal(pg_proc_spawn(&p, &sb, "sleep 1000"), 0);
	int r;
	while ((r = pg_proc_pump(p, NULL, 0, NULL, &out, 10000)) == 0)
		;
	assert_int_equal(r, 1);
	assert_int_equal(p->end, PG_END_TIMEOUT);
	assert_string_equal(reason(p), "timeout (0.5 s)");
	assert_true(seconds(p) >= 0.5 && seconds(p) < 1.5);
	assert_int_equal(pg_proc_wait(p), 0);
	assert_int_equal(p->end, PG_END_TIMEOUT);
	pg_proc_free(p);
	pg_buf_free(&out);
}

static void test_output_cap_ends_a_flood(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	sb.lim.output = 1 << 20;
	pg_proc *p = run(&sb, "head -c 10000000 /dev/zero", NULL, 0, &out);
	assert_int_equal(p->end, PG_END_OUTPUT);
	assert_string_equal(reason(p), "output limit (1 MiB)");
	assert_true(out.len <= 1 << 20);
	pg_proc_free(p);
	/* stderr counts too */
	p = run(&sb, "yes >&2", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_OUTPUT);
	assert_int_equal(p->errtail.len, 4096);
	pg_proc_free(p);
	pg_buf_free(&out);
}

static void test_fork_bomb_is_contained(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	sb.lim.nproc = 8;
	sb.lim.wall_ms = 1000;
	pg_proc *p = run(&sb, "./hostile nproc", NULL, 0, &out);
	/* sh and hostile are two of the 8 */
	int n = atoi(out.ptr);
	assert_true(n >= 5 && n <= 7);
	pg_proc_free(p);

	pg_buf_clear(&out);
	p = run(&sb, "./hostile forkbomb", NULL, 0, &out);
	assert_true(p->end == PG_END_TIMEOUT || p->end == PG_END_CPU || p->end == PG_END_EXIT);
	assert_true(seconds(p) < 3);
	unsigned uid = (unsigned)strtoul(out.ptr, NULL, 10);
	if (geteuid() == 0) {
		/* the run had a uid of its own, and nothing of it is left */
		assert_true(uid >= 0x5a000);
		assert_int_equal(uid_procs(uid), 0);
	}
	pg_proc_free(p);
	pg_buf_free(&out);
}

static void test_memory_limit_is_named(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	sb.lim.mem = 64 << 20;
	pg_proc *p = run(&sb, "./hostile malloc", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_EXIT);
	assert_int_equal(p->code, 1);
	assert_non_null(strstr(p->errtail.ptr, "Cannot allocate memory"));
	assert_string_equal(reason(p), "exit 1 - memory limit (64 MiB) likely");
	pg_proc_free(p);
}

static void test_no_network(void **state)
{
	(void)state;
	NEED_BWRAP();
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 8), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);

	char cmd[64];
	snprintf(cmd, sizeof(cmd), "./hostile connect %d", ntohs(a.sin_port));
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = run(&sb, cmd, NULL, 0, &out);
	assert_int_equal(p->end, PG_END_EXIT);
	assert_int_equal(p->code, 1);
	assert_null(out.ptr);
	assert_non_null(strstr(p->errtail.ptr, "connect: "));
	assert_int_equal(accept(l, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	close(l);
	pg_proc_free(p);
}

static void test_host_files_out_of_reach(void **state)
{
	(void)state;
	NEED_BWRAP();
	/* open to everyone on the host: only the sandbox stands in the way */
	char escape[] = "/tmp/pg-escape-XXXXXX", *secret = unit_tmpdir(), *cmd, *f;
	assert_non_null(mkdtemp(escape));
	assert_int_equal(chmod(escape, 01777), 0);
	assert_int_equal(chmod(secret, 0755), 0);
	f = pg_path_join(secret, "secret");
	assert_int_equal(pg_write_file_atomic(f, "s3cret-pg\n", 10, 0644), 0);
	free(f);

	cmd = pg_asprintf("cat %s/secret /proc/1/root%s/secret /work/../%s/secret; "
			  "mkdir -p %s; echo pwned > %s/f; echo pwned > /proc/1/root%s/f; "
			  "echo pwned > /work/../%s/f; ls /", secret, secret, secret,
			  escape, escape, escape, escape);
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = run(&sb, cmd, NULL, 0, &out);
	assert_null(strstr(out.ptr, "s3cret"));
	assert_non_null(strstr(out.ptr, "work"));   /* ls / worked */
	f = pg_path_join(escape, "f");
	assert_int_equal(access(f, F_OK), -1);
	free(f);
	free(cmd);
	pg_proc_free(p);
	pg_buf_free(&out);
	unit_rmtree(secret);
	rmdir(escape);
}

static void test_work_is_read_only_unless_writable(void **state)
{
	(void)state;
	NEED_BWRAP();
	char *dir = unit_tmpdir(), *f = pg_path_join(dir, "new");
	pg_sandbox sb = sandbox(dir);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = run(&sb, "echo made > /work/new", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_EXIT);
	assert_int_not_equal(p->code, 0);
	assert_int_equal(access(f, F_OK), -1);
	pg_proc_free(p);

	sb.writable = 1;
	p = run(&sb, "echo made > /work/new && mkdir /work/sub && touch /work/sub/x", NULL, 0, NULL);
	assert_string_equal(reason(p), "exit 0");
	assert_int_equal(pg_read_file(&out, f, 100), 0);
	assert_string_equal(out.ptr, "made\n");
	pg_proc_free(p);

	/* an extra directory is read-only where it is put */
	sb.writable = 0;
	sb.extra = bin;
	sb.extra_at = "/impl";
	pg_buf_clear(&out);
	p = run(&sb, "cat /work/new; test -x /impl/hostile && echo seen; touch /impl/x || echo refused", NULL, 0, &out);
	assert_string_equal(out.ptr, "made\nseen\nrefused\n");
	pg_proc_free(p);
	free(f);
	pg_buf_free(&out);
	unit_rmtree(dir);

	/* as root, pg does not open up the host's directories above /work */
	if (geteuid() == 0) {
		char *hidden = unit_tmpdir(), *inner = pg_path_join(hidden, "w");
		assert_int_equal(mkdir(inner, 0755), 0);
		sb.dir = inner;
		assert_error(pg_sandbox_run(NULL, &p, &sb, "true", NULL, 0), PG_EINVALID, "is not searchable by others");
		assert_null(p);
		free(inner);
		unit_rmtree(hidden);
	}
}

static void test_file_size_limit(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	sb.lim.fsize = 1 << 20;
	pg_proc *p = run(&sb, "head -c 4000000 /dev/zero > /tmp/big", NULL, 0, NULL);
	assert_int_equal(p->end, PG_END_FSIZE);
	assert_string_equal(reason(p), "file size limit");
	pg_proc_free(p);
}

/* A build's files are on the host's disk: the rlimit bounds one file,
 * lim.disk all of them, counting each file as a 4 KiB block at least. */
static void test_disk_limit_of_a_writable_dir(void **state)
{
	(void)state;
	NEED_BWRAP();
	static const char *const over[] = {
		/* while it writes, a megabyte at a time */
		"i=0; while [ $i -lt 100 ]; do head -c 1000000 /dev/zero > f$i; i=$((i+1)); sleep 0.05; done",
		/* faster than pg measures, then a clean exit */
		"for i in 1 2 3 4 5 6; do head -c 1000000 /dev/zero > f$i; done",
		/* empty files, each an inode */
		"i=0; while [ $i -lt 1500 ]; do : > e$i; i=$((i+1)); done; sleep 10",
	};
	pg_sandbox sb;
	pg_proc *p;
	for (size_t i = 0; i <= sizeof(over) / sizeof(*over); i++) {
		char *dir = unit_tmpdir();
		sb = sandbox(dir);
		sb.writable = 1;
		sb.lim.disk = 4 << 20;
		p = run(&sb, i ? over[i - 1] : "head -c 2000000 /dev/zero > f && mkdir d && : > d/e", NULL, 0, NULL);
		assert_string_equal(reason(p), i ? "disk limit (4 MiB)" : "exit 0");
		assert_true(seconds(p) < 3);
		pg_proc_free(p);
		unit_rmtree(dir);
	}
	/* nothing measures a directory it cannot write */
	sb = sandbox(bin);
	sb.lim.disk = 1;
	p = run(&sb, "true", NULL, 0, NULL);
	assert_string_equal(reason(p), "exit 0");
	pg_proc_free(p);
}

static void test_kill_and_stdin_eof(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p;
	assert_int_equal(pg_proc_spawn(&p, &sb, "sleep 1000"), 0);
	assert_int_equal(pg_proc_pump(p, NULL, 0, NULL, &out, 50), 0);
	pg_proc_kill(p);
	assert_int_equal(p->end, PG_END_KILLED);
	assert_string_equal(reason(p), "killed");
	assert_int_equal(pg_proc_wait(p), 0);
	assert_int_equal(p->end, PG_END_KILLED);
	assert_true(seconds(p) < 1);
	pg_proc_free(p);

	assert_int_equal(pg_proc_spawn(&p, &sb, "read x || echo eof"), 0);
	pg_proc_close_in(p);
	while (pg_proc_pump(p, NULL, 0, NULL, &out, 1000) == 0)
		;
	assert_int_equal(pg_proc_wait(p), 0);
	assert_string_equal(out.ptr, "eof\n");
	assert_string_equal(reason(p), "exit 0");
	pg_proc_free(p);
	pg_buf_free(&out);
}

static void test_a_run_that_stops_reading_cannot_block(void **state)
{
	(void)state;
	NEED_BWRAP();
	size_t n = 8 << 20;
	char *in = pg_calloc(1, n);
	pg_sandbox sb = sandbox(bin);
	pg_buf out = PG_BUF_INIT;
	pg_proc *p = run(&sb, "head -c 10 > /dev/null; echo read10", in, n, &out);
	assert_string_equal(out.ptr, "read10\n");
	assert_string_equal(reason(p), "exit 0");
	assert_true(seconds(p) < 2);
	pg_proc_free(p);
	/* nor kill pg with SIGPIPE */
	p = run(&sb, "exit 0", in, n, NULL);
	assert_string_equal(reason(p), "exit 0");
	pg_proc_free(p);
	free(in);
	pg_buf_free(&out);
}

static void test_no_fd_leak_across_50_spawns(void **state)
{
	(void)state;
	NEED_BWRAP();
	pg_sandbox sb = sandbox(bin);
	unsigned before = open_fds();
	for (int i = 0; i < 50; i++) {
		pg_proc *p = run(&sb, i % 5 ? "true" : "echo x; echo y >&2", NULL, 0, NULL);
		assert_string_equal(reason(p), "exit 0");
		pg_proc_free(p);
	}
	pg_proc *p;
	assert_int_equal(pg_proc_spawn(&p, &sb, "sleep 100"), 0);
	pg_proc_free(p); /* kills it */
	assert_int_equal(open_fds(), before);
}

static void test_no_sandbox_keeps_the_limits(void **state)
{
	(void)state;
	char *dir = unit_tmpdir(), *want;
	pg_sandbox sb = sandbox(dir);
	pg_buf out = PG_BUF_INIT;
	sb.no_sandbox = 1;
	sb.writable = 1;
	pg_proc *p = run(&sb, "pwd; echo $HOME; echo x > f && echo wrote", NULL, 0, &out);
	want = pg_asprintf("%s\n%s\nwrote\n", dir, dir);
	assert_string_equal(out.ptr, want);
	assert_string_equal(reason(p), "exit 0");
	pg_proc_free(p);

	sb.lim.wall_ms = 300;
	p = run(&sb, "sleep 100", NULL, 0, NULL);
	assert_string_equal(reason(p), "timeout (0.3 s)");
	pg_proc_free(p);
	free(want);
	pg_buf_free(&out);
	unit_rmtree(dir);
}

int main(void)
{
	have_bwrap = pg_sandbox_check() != PG_ENOTFOUND;
	if (!have_bwrap)
		fprintf(stderr, "test_sandbox: %s\nskipping the tests that need it\n", pg_error_last());
	bin = unit_tmpdir();
	char *src = pg_path_join(bin, "hostile.c");
	assert_int_equal(pg_write_file_atomic(src, hostile_c, sizeof(hostile_c) - 1, 0644), 0);
	char *cc = pg_asprintf("cc -O0 -w -o %s/hostile %s", bin, src);
	if (system(cc) != 0) {
		fprintf(stderr, "test_sandbox: cannot compile %s\n", src);
		return 1;
	}
	free(cc);
	free(src);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_succeeds),
		cmocka_unit_test(test_echo_through_stdin_and_clean_env),
		cmocka_unit_test(test_exit_status_is_reported),
		cmocka_unit_test(test_segfault_is_a_crash_with_signal_11),
		cmocka_unit_test(test_cpu_limit_ends_a_busy_loop),
		cmocka_unit_test(test_wall_clock_ends_a_sleeper_promptly),
		cmocka_unit_test(test_output_cap_ends_a_flood),
		cmocka_unit_test(test_fork_bomb_is_contained),
		cmocka_unit_test(test_memory_limit_is_named),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_host_files_out_of_reach),
		cmocka_unit_test(test_work_is_read_only_unless_writable),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_disk_limit_of_a_writable_dir),
		cmocka_unit_test(test_kill_and_stdin_eof),
		cmocka_unit_test(test_a_run_that_stops_reading_cannot_block),
		cmocka_unit_test(test_no_fd_leak_across_50_spawns),
		cmocka_unit_test(test_no_sandbox_keeps_the_limits),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	unit_rmtree(bin);
	return r;
}
