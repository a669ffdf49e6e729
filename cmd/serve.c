/* serve.c - pg serve: the store over git://, by git daemon; pushes verified by pg
 *
 * pg serve runs the system's `git daemon` as a child in a process group of
 * its own, serving exactly this store's bare repository whatever path the
 * URL names (--interpolated-path), and says where once the daemon reported
 * "Ready to rumble".  Read-only, receive-pack is disabled and no repository
 * setting can enable it (--forbid-override).  With --writable, receive-pack
 * runs with non-fast-forwards and deletions denied and with a pre-receive
 * hook from a private temporary directory (core.hooksPath, given with
 * `git -c`, which reaches receive-pack through GIT_CONFIG_PARAMETERS) that
 * runs `pg __receive-hook`: every pushed ref goes through pg_adopt_check
 * before git moves it.
 *
 * pg serve is a child subreaper, so whatever the daemon started is reaped
 * here when the daemon goes; stopping kills the whole group and waits until
 * nothing of it is left.
 */
#include "cmd.h"
#include "sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 9418
#define DEFAULT_BIND "127.0.0.1"
#define READY_TIMEOUT_MS 15000 /* for "Ready to rumble" */
#define STOP_TIMEOUT_MS 5000   /* after SIGTERM, before SIGKILL */
#define LOG_KEEP 8             /* daemon lines kept for an error message */
#define HOOK_LINES_MAX 100000  /* ref updates in one push */

static const char *const examples[] = {
	"pg serve\tread-only at git://127.0.0.1:9418/store",
	"pg clone git://127.0.0.1:9418/store\tfrom another store",
	"pg serve --writable --port 9419\taccept pushes: every log verified first",
	"pg serve --bind 0.0.0.0\treachable from the network",
	NULL,
};
static const struct cmd_help help = {
	"serve",
	"Serve the store over git:// with git daemon until interrupted; read-only unless --writable, where every pushed "
	"log is verified like a fetch before it is taken",
	"pg serve [--port N] [--bind ADDR] [--writable] [-v]", examples,
};

/* --- signals: a self-pipe the main loop polls ------------------------------ */

static int sig_pipe[2] = { -1, -1 };

/* Drain the signal pipe: whether a signal other than SIGCHLD came. */
static int stop_signalled(void)
{
	unsigned char c;
	int stop = 0;
	while (read(sig_pipe[0], &c, 1) == 1)
		stop |= c != SIGCHLD;
	return stop;
}

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a byte is already waiting */
	}
	errno = saved;
}

static int signals_init(void)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* --- the daemon ------------------------------------------------------------ */

struct daemon {
	pid_t pid;          /* also its process group */
	int err;            /* read end of its stderr */
	int status;         /* once reaped */
	int reaped;
	char line[1024];    /* a partial line */
	size_t len;
	char *keep[LOG_KEEP]; /* the last lines, for errors */
	size_t nkeep;
	int verbose, ready;
};

/* Variables that would point git, or libgit2 in the hook, at another
 * repository or add configuration: the daemon starts without them. */
static const char *const git_env[] = {
	"GIT_DIR", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_INDEX_FILE",
	"GIT_NAMESPACE", "GIT_QUARANTINE_PATH", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
	"GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_COMMON_DIR", "GIT_PREFIX", NULL,
};

/* Start argv in a new process group with stderr on a pipe.  In the child,
 * the daemon gets SIGTERM if pg dies without stopping it. */
static int daemon_start(struct daemon *d, char **argv)
{
	int p[2];
	pid_t parent = getpid();
	if (pipe2(p, O_CLOEXEC) < 0)
		return pg_error_set(PG_ERROR, "cannot create a pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return pg_error_set(PG_ERROR, "cannot start git daemon: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		if (null > 2)
			close(null);
		for (const char *const *v = git_env; *v; v++)
			unsetenv(*v);
		execvp(argv[0], argv);
		dprintf(2, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* as the child does: whichever runs first */
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	d->pid = pid;
	d->err = p[0];
	return 0;
}

static void keep_line(struct daemon *d, const char *line)
{
	if (d->nkeep == LOG_KEEP) {
		free(d->keep[0]);
		memmove(d->keep, d->keep + 1, (LOG_KEEP - 1) * sizeof(*d->keep));
		d->nkeep--;
	}
	d->keep[d->nkeep++] = pg_strdup(line);
}

/* One line of the daemon's log: "[pid] message".  It quotes what
 * clients sent (the paths they ask for), so control characters become '?'
 * before the line reaches a terminal. */
static void daemon_line(struct daemon *d, char *line)
{
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (!d->ready && strstr(line, "] Ready to rumble"))
		d->ready = 1;
	else
		keep_line(d, line);
	if (d->verbose)
		fprintf(stderr, "%s\n", line);
}

/* Read what the daemon wrote; 0 at end of file, 1 otherwise. */
static int daemon_read(struct daemon *d)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(d->err, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || d->len == sizeof(d->line) - 1) {
				d->line[d->len] = '\0';
				daemon_line(d, d->line);
				d->len = 0;
				if (buf[i] == '\n')
					continue;
			}
			d->line[d->len++] = buf[i];
		}
	}
	if (n == 0 && d->len) {
		d->line[d->len] = '\0';
		daemon_line(d, d->line);
		d->len = 0;
	}
	return n == 0 ? 0 : 1;
}

/* Reap every child that has ended (orphans of the daemon come to pg as
 * its subreaper); notes the daemon's own status. */
static void reap(struct daemon *d)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == d->pid) {
			d->status = st;
			d->reaped = 1;
		}
}

static int group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

/* Stop the daemon and everything in its group, and wait for all of it:
 * SIGTERM, then SIGKILL after STOP_TIMEOUT_MS.  0, or -1 if something
 * would not go. */
static int daemon_stop(struct daemon *d)
{
	if (d->pid <= 0)
		return 0;
	int sig = SIGTERM;
	for (int round = 0; round < 2; round++, sig = SIGKILL) {
		double end = now_ms() + (round ? 2000 : STOP_TIMEOUT_MS);
		kill(-d->pid, sig);
		if (!d->reaped)
			kill(d->pid, sig);
		while (now_ms() < end) {
			reap(d);
			if (d->reaped && !group_alive(d->pid))
				return 0;
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	reap(d);
	return d->reaped && !group_alive(d->pid) ? 0 : -1;
}

static void daemon_free(struct daemon *d)
{
	if (d->err >= 0)
		close(d->err);
	for (size_t i = 0; i < d->nkeep; i++)
		free(d->keep[i]);
}

/* The message of a daemon line without its "[pid] " prefix. */
static const char *unprefixed(const char *line)
{
	if (line[0] == '[') {
		const char *e = strstr(line, "] ");
		if (e)
			return e + 2;
	}
	return line;
}

/* Why the daemon ended before it was ready, as pg's error. */
static void explain_early_exit(struct daemon *d, const char *addr, int port)
{
	const char *cause = NULL;
	for (size_t i = 0; i < d->nkeep && !cause; i++) {
		const char *m = unprefixed(d->keep[i]);
		if (strstr(m, "Address already in use"))
			cause = "inuse";
		else if (strstr(m, "Cannot assign requested address"))
			cause = "notmine";
		else if (strstr(m, "getaddrinfo()"))
			cause = "resolve";
		else if (strstr(m, "Permission denied"))
			cause = "perm";
		else if (strstr(m, "cannot run"))
			cause = "nogit";
	}
	if (cause && !strcmp(cause, "inuse"))
		error("port %d on %s is in use: --port N picks another", port, addr);
	else if (cause && !strcmp(cause, "notmine"))
		error("cannot listen on %s: it is not an address of this machine; --bind ADDR picks another "
		      "(default %s)", addr, DEFAULT_BIND);
	else if (cause && !strcmp(cause, "resolve"))
		error("cannot listen on '%s': it is neither an address nor a known host name; --bind takes an "
		      "address such as 127.0.0.1 or ::1", addr);
	else if (cause && !strcmp(cause, "perm"))
		error("port %d on %s is not allowed to you (ports below 1024 need privileges): --port N picks another",
		      port, addr);
	else if (cause)
		error("cannot run git daemon: is git installed? ('git daemon' is part of the git package)");
	else
		error("git daemon stopped before it was ready to serve %s port %d", addr, port);
	if (!cause || !strcmp(cause, "nogit"))
		for (size_t i = 0; i < d->nkeep; i++)
			fprintf(stderr, "  git daemon: %s\n", unprefixed(d->keep[i]));
}

/* --- setting up ------------------------------------------------------------- */

/* Every address host names is a loopback one (127/8, ::1). */
static int is_loopback(const char *host)
{
	struct addrinfo hints, *res, *a;
	int all = 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 1; /* git daemon will say it cannot listen there */
	for (a = res; a; a = a->ai_next) {
		if (a->ai_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)a->ai_addr;
			all &= (ntohl(in->sin_addr.s_addr) >> 24) == 127;
		} else if (a->ai_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)a->ai_addr;
			all &= IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		} else {
			all = 0;
		}
	}
	freeaddrinfo(res);
	return all;
}

/* s with every '%' doubled: --interpolated-path expands %H, %P ... */
static char *escape_percent(const char *s)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "");
	for (; *s; s++)
		pg_buf_put(&b, *s == '%' ? "%%" : s, *s == '%' ? 2 : 1);
	return pg_buf_detach(&b);
}

/* s in single quotes for /bin/sh. */
static char *shell_quote(const char *s)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_putc(&b, '\'');
	for (; *s; s++)
		pg_buf_put(&b, *s == '\'' ? "'\\''" : s, *s == '\'' ? 4 : 1);
	pg_buf_putc(&b, '\'');
	return pg_buf_detach(&b);
}

/* A private directory for the hook: under TMPDIR (or /tmp), or in the
 * store when that file system does not let programs run. */
static int make_hook_dir(char **out, const char *pgdir)
{
	const char *tmp = getenv("TMPDIR");
	struct statvfs sv;
	char *dir = NULL, *exe = NULL, *script = NULL, *path = NULL, *q = NULL;
	int err = 0;
	*out = NULL;
	if (!tmp || !*tmp || access(tmp, W_OK) < 0)
		tmp = "/tmp";
	if (statvfs(tmp, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
		tmp = pgdir;
	dir = pg_asprintf("%s/pg-serve-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		err = pg_error_set(PG_ERROR, "cannot create a directory for the receive hook in '%s': %s", tmp,
				   strerror(errno));
		free(dir);
		return err;
	}
	/* the hook runs this very binary, wherever pg was started from */
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0 || (size_t)n >= sizeof(buf) - 1) {
		err = pg_error_set(PG_ERROR, "cannot find pg's own path in /proc/self/exe: %s", strerror(errno));
		goto done;
	}
	buf[n] = '\0';
	exe = pg_strdup(buf);
	q = shell_quote(exe);
	script = pg_asprintf("#!/bin/sh\n# pg serve --writable: every pushed ref is verified by pg before git takes it\n"
			     "exec %s __receive-hook\n", q);
	path = pg_path_join(dir, "pre-receive");
	if ((err = pg_write_file_atomic(path, script, strlen(script), 0700)) < 0)
		goto done;
	if (chmod(path, 0700) < 0)
		err = pg_error_set(PG_ERROR, "cannot make '%s' executable: %s", path, strerror(errno));
done:
	if (err < 0) {
		pg_rmtree(dir);
		free(dir);
	} else {
		*out = dir;
	}
	free(exe);
	free(q);
	free(script);
	free(path);
	return err;
}

/* PG_FETCH_MAX, or the default: the most one push may send. */
static unsigned long long push_max(void)
{
	const char *e = getenv("PG_FETCH_MAX");
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0' && v > 0)
			return v;
	}
	return (unsigned long long)PG_FETCH_MAX_DEFAULT;
}

/* --- pg serve ---------------------------------------------------------------- */

/* Wait for the daemon to say it is ready, or to end; -1 when it ended
 * (or would not start in time), 0 when ready, 1 when a signal came first. */
static int wait_ready(struct daemon *d)
{
	double end = now_ms() + READY_TIMEOUT_MS;
	int eof = 0;
	while (!d->ready) {
		struct pollfd pf[2] = { { sig_pipe[0], POLLIN, 0 }, { d->err, POLLIN, 0 } };
		int left = (int)(end - now_ms());
		if (left <= 0) {
			keep_line(d, "no \"Ready to rumble\" within 15 s");
			return -1;
		}
		if (poll(pf, eof ? 1 : 2, eof ? (left < 20 ? left : 20) : left) < 0 && errno != EINTR)
			return -1;
		if (pf[0].revents & POLLIN) {
			int stop = stop_signalled();
			reap(d);
			if (stop)
				return 1;
		}
		if (!eof && (pf[1].revents & (POLLIN | POLLHUP)))
			eof = !daemon_read(d);
		reap(d);
		if (d->reaped && eof && !d->ready)
			return -1;
	}
	return 0;
}

/* Serve until a signal or the daemon's end: 0 on a signal, -1 when the
 * daemon ended by itself. */
static int serve_loop(struct daemon *d)
{
	int eof = 0;
	for (;;) {
		struct pollfd pf[2] = { { sig_pipe[0], POLLIN, 0 }, { d->err, POLLIN, 0 } };
		if (poll(pf, eof ? 1 : 2, eof ? 100 : -1) < 0 && errno != EINTR)
			return -1;
		if ((pf[0].revents & POLLIN) && stop_signalled())
			return 0;
		if (!eof && (pf[1].revents & (POLLIN | POLLHUP)))
			eof = !daemon_read(d);
		reap(d);
		if (d->reaped)
			return -1;
	}
}

int cmd_serve(int argc, const char **argv, struct pg_ctx *ctx)
{
	int port = DEFAULT_PORT, writable = 0, verbose = 0, rc = EXIT_OK, err;
	const char *bind = DEFAULT_BIND;
	const struct option opts[] = {
		OPT_INT(0, "port", &port, "N", "the TCP port (default 9418, git's)"),
		OPT_STRING(0, "bind", &bind, "ADDR", "the address to listen on (default 127.0.0.1: this machine only)"),
		OPT_BOOL(0, "writable", &writable, "accept pushes; each pushed log is verified before it is taken"),
		OPT_BOOL('v', "verbose", &verbose, "relay git daemon's log (connections, requests) to stderr"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc)
		return usage_error(&help, opts, "'pg serve' takes no arguments");
	if (port < 1 || port > 65535)
		return usage_error(&help, opts, "--port takes 1 to 65535, not %d", port);
	if (!*bind || bind[0] == '-' || strpbrk(bind, " \t\r\n/[]"))
		return usage_error(&help, opts, "--bind takes an address or host name such as 127.0.0.1 or ::1, not '%s'",
				   bind);

	struct daemon d = { .err = -1, .verbose = verbose };
	char *pgdir = realpath(pg_store_path(ctx->store), NULL);
	char *hooks = NULL, *interp = NULL, *interp_arg = NULL;
	char *cfg[8] = { 0 };
	const char *args[40];
	char listen[512], portarg[32], host[300];
	size_t n = 0, ncfg = 0;
	if (!pgdir) {
		error("cannot resolve the store's path '%s': %s", pg_store_path(ctx->store), strerror(errno));
		return EXIT_ERROR;
	}
	if (signals_init() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		error("cannot set up signal handling: %s", strerror(errno));
		free(pgdir);
		return EXIT_ERROR;
	}
	if (writable && (err = make_hook_dir(&hooks, pgdir)) < 0) {
		rc = report(err);
		goto done;
	}

	args[n++] = "git";
	if (writable) {
		cfg[ncfg++] = pg_asprintf("core.hooksPath=%s", hooks);
		cfg[ncfg++] = pg_strdup("receive.denyNonFastForwards=true");
		cfg[ncfg++] = pg_strdup("receive.denyDeletes=true");
		cfg[ncfg++] = pg_strdup("receive.fsckObjects=true");
		cfg[ncfg++] = pg_asprintf("receive.maxInputSize=%llu", push_max());
		for (size_t i = 0; i < ncfg; i++) {
			args[n++] = "-c";
			args[n++] = cfg[i];
		}
	}
	interp = escape_percent(pgdir);
	interp_arg = pg_asprintf("--interpolated-path=%s", interp);
	snprintf(listen, sizeof(listen), "--listen=%s", bind);
	snprintf(portarg, sizeof(portarg), "--port=%d", port);
	args[n++] = "daemon";
	args[n++] = "--verbose";
	args[n++] = "--reuseaddr";
	args[n++] = "--export-all";
	args[n++] = "--informative-errors";
	args[n++] = "--init-timeout=30"; /* a connection that asks for nothing */
	args[n++] = "--timeout=600";     /* a client that stops in the middle */
	args[n++] = listen;
	args[n++] = portarg;
	args[n++] = interp_arg;
	/* only this command line decides what is served, not the store's config */
	args[n++] = "--forbid-override=upload-pack";
	args[n++] = "--forbid-override=upload-archive";
	args[n++] = "--forbid-override=receive-pack";
	args[n++] = "--enable=upload-pack";
	args[n++] = "--disable=upload-archive";
	args[n++] = writable ? "--enable=receive-pack" : "--disable=receive-pack";
	args[n] = NULL;

	if ((err = daemon_start(&d, (char **)args)) < 0) {
		rc = report(err);
		goto done;
	}

	int r = wait_ready(&d);
	if (r < 0) {
		daemon_stop(&d);
		explain_early_exit(&d, bind, port);
		rc = EXIT_ERROR;
		goto done;
	}
	if (r == 1) { /* interrupted while starting */
		daemon_stop(&d);
		info(ctx, "stopped");
		goto done;
	}
	snprintf(host, sizeof(host), strchr(bind, ':') ? "[%s]" : "%s", bind);
	printf("serving %s at git://%s:%d/store (%s)\n", pgdir, host, port,
	       writable ? "writable: every push is verified" : "read-only");
	fflush(stdout);
	if (!is_loopback(bind))
		fprintf(stderr, "warning: %s is not a loopback address: the store is now reachable from the network%s\n",
			bind, writable ? ", and anyone who reaches it may push (each log pushed is verified)" : "");

	r = serve_loop(&d);
	if (r < 0) {
		error("git daemon stopped by itself (%s %d)", WIFSIGNALED(d.status) ? "signal" : "exit status",
		      WIFSIGNALED(d.status) ? WTERMSIG(d.status) : WEXITSTATUS(d.status));
		for (size_t i = 0; i < d.nkeep; i++)
			fprintf(stderr, "  git daemon: %s\n", unprefixed(d.keep[i]));
		daemon_stop(&d);
		rc = EXIT_ERROR;
		goto done;
	}
	if (daemon_stop(&d) < 0) {
		error("git daemon (process group %ld) would not stop", (long)d.pid);
		rc = EXIT_ERROR;
		goto done;
	}
	info(ctx, "stopped");
done:
	if (hooks) {
		pg_rmtree(hooks);
		free(hooks);
	}
	for (size_t i = 0; i < ncfg; i++)
		free(cfg[i]);
	daemon_free(&d);
	free(interp);
	free(interp_arg);
	free(pgdir);
	return rc;
}

/* --- pg __receive-hook: git's pre-receive hook under pg serve --writable ---- */

static const char *const hook_examples[] = {
	"pg __receive-hook\trun by git as pre-receive, with <old> <new> <ref> lines on stdin",
	NULL,
};
static const struct cmd_help hook_help = {
	"__receive-hook",
	"Check every ref update of a push like a fetch (pg serve --writable installs it as git's pre-receive hook); exit "
	"1 refuses the whole push",
	"pg __receive-hook < '<old> <new> <ref>' lines", hook_examples,
};

struct update {
	git_oid old, new;
	char *ref;
	uint8_t pk[PG_PK_LEN];
	int valid; /* a log ref, not a deletion */
};

/* Print git's refusal line; the pusher sees it as "remote: pg: refused ..." */
static void refused(const char *ref, const char *kind, const char *reason)
{
	fprintf(stderr, "pg: refused %s: %s: %s\n", ref, kind, reason);
}

/* Parse "<old> <new> <ref>" lines; an update that is not a log ref moving
 * forward is refused here already (valid 0). */
static int read_updates(struct update **out, size_t *n, size_t *bad)
{
	char *line = NULL;
	size_t cap = 0, lcap = 0, plen = strlen(PG_REF_PREFIX);
	ssize_t len;
	*out = NULL;
	*n = *bad = 0;
	while ((len = getline(&line, &lcap, stdin)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (*n == HOOK_LINES_MAX) {
			free(line);
			return pg_error_set(PG_EINVALID, "more than %d ref updates in one push", HOOK_LINES_MAX);
		}
		if (*n == cap)
			*out = pg_realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof(**out));
		struct update *u = &(*out)[(*n)++];
		memset(u, 0, sizeof(*u));
		if (len < 2 * GIT_OID_HEXSZ + 3 || line[GIT_OID_HEXSZ] != ' ' || line[2 * GIT_OID_HEXSZ + 1] != ' ') {
			u->ref = pg_strdup("(a line git did not write)");
			refused(u->ref, "invalid", "a hook line is '<old> <new> <ref>'");
			++*bad;
			continue;
		}
		line[GIT_OID_HEXSZ] = line[2 * GIT_OID_HEXSZ + 1] = '\0';
		const char *ref = line + 2 * GIT_OID_HEXSZ + 2;
		u->ref = pg_strdup(ref);
		if (git_oid_fromstr(&u->old, line) < 0 || git_oid_fromstr(&u->new, line + GIT_OID_HEXSZ + 1) < 0) {
			refused(u->ref, "invalid", "the old or new commit is not a 40-hex object id");
			++*bad;
		} else if (strncmp(ref, PG_REF_PREFIX, plen) || strlen(ref + plen) != PG_HEX_LEN ||
			   pg_unhex(u->pk, ref + plen, PG_PK_LEN) < 0) {
			refused(u->ref, "ref", "this store takes only logs, refs/pg/pub/<publisher key: 64 lowercase hex>");
			++*bad;
		} else if (git_oid_is_zero(&u->new)) {
			refused(u->ref, "delete", "a log is never deleted");
			++*bad;
		} else {
			u->valid = 1;
		}
	}
	free(line);
	if (ferror(stdin))
		return pg_error_set(PG_ERROR, "cannot read the ref updates from git: %s", strerror(errno));
	return 0;
}

/* Check one update under the store lock; 0 when it may go, 1 refused. */
static int check_update(struct pg_ctx *ctx, struct update *u, const pg_sync_opts *o)
{
	git_oid tip;
	char have[GIT_OID_HEXSZ + 1], from[GIT_OID_HEXSZ + 1], reason[512];
	int e = pg_store_tip(&tip, ctx->store, u->pk);
	if (e == PG_ENOTFOUND) {
		memset(&tip, 0, sizeof(tip));
		pg_error_clear();
	} else if (e < 0) {
		return e;
	}
	if (!git_oid_equal(&tip, &u->old)) {
		git_oid_tostr(have, sizeof(have), &tip);
		git_oid_tostr(from, sizeof(from), &u->old);
		snprintf(reason, sizeof(reason), "this store's log is at %s%.10s, not at %s%.10s as your push assumed: "
			 "fetch, then push again", git_oid_is_zero(&tip) ? "(none) " : "commit ", have,
			 git_oid_is_zero(&u->old) ? "(none) " : "commit ", from);
		refused(u->ref, "stale", reason);
		return 1;
	}
	pg_sync_log l;
	e = pg_adopt_check(&l, ctx->store, u->pk, &tip, &u->new, o);
	if (e == 1 && l.outcome == PG_SYNC_BEHIND) {
		refused(u->ref, "non-fast-forward", "this store's log has entries after the commit you pushed; a log "
			"only grows: fetch, then push again");
		pg_sync_log_clear(&l);
		return 1;
	}
	if (e == 1 || e == 0) {
		if (e == 0)
			fprintf(stderr, "pg: verified %.12s: seq %llu..%llu, %zu new object%s\n", u->ref + strlen(PG_REF_PREFIX),
				(unsigned long long)l.from_seq + 1, (unsigned long long)l.to_seq, l.nobjs,
				l.nobjs == 1 ? "" : "s");
		pg_sync_log_clear(&l);
		return 0;
	}
	if (l.outcome != PG_SYNC_REFUSED) { /* the store failed, not the log */
		pg_sync_log_clear(&l);
		return e;
	}
	refused(u->ref, l.kind, l.reason);
	pg_refusal rf = { time(NULL), "push", "", { 0 }, "", "", l.reason };
	memcpy(rf.publisher, u->pk, PG_PK_LEN);
	git_oid_tostr(rf.commit, sizeof(rf.commit), &u->new);
	snprintf(rf.kind, sizeof(rf.kind), "%s", l.kind);
	e = pg_refusal_record(ctx->store, &rf);
	pg_sync_log_clear(&l);
	return e < 0 ? e : 1;
}

int cmd_receive_hook(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	struct update *u = NULL;
	size_t n = 0, bad = 0;
	int err, refusals = 0;
	if (parse_options(argc, argv, opts, &hook_help))
		return usage_error(&hook_help, opts, "'pg __receive-hook' takes no arguments");
	ctx->quiet = 1;
	if ((err = pg_store_open_env(&ctx->store)) < 0 || (err = read_updates(&u, &n, &bad)) < 0)
		goto fail;
	if (bad) {
		refusals = 1;
		goto done;
	}
	/* the publishers the store's owner blocked are refused, as in a fetch */
	if ((err = pg_index_open(&ctx->index, ctx->store)) < 0)
		goto fail;
	if (pg_index_sync(ctx->index) < 0)
		pg_error_clear(); /* a damaged log here does not change what a push may bring */
	pg_sync_opts o;
	struct sync_ui ui;
	sync_opts_init(ctx, &o, &ui);
	/* nothing else may move a log while the push is checked */
	if ((err = pg_store_lock(ctx->store)) == 0)
		for (size_t i = 0; i < n && err == 0; i++) {
			int r = check_update(ctx, &u[i], &o);
			if (r < 0)
				err = r;
			refusals += r == 1;
		}
	sync_opts_free(&o, &ui);
	pg_store_unlock(ctx->store);
	if (err < 0)
		goto fail;
done:
	for (size_t i = 0; i < n; i++)
		free(u[i].ref);
	free(u);
	return refusals ? EXIT_FAILED : EXIT_OK;
fail:
	fprintf(stderr, "pg: refused the push: this store cannot check it: %s\n", pg_error_last());
	for (size_t i = 0; i < n; i++)
		free(u[i].ref);
	free(u);
	return pg_exit_code(err);
}
