/* sandbox.c - run untrusted code under bubblewrap, within limits
 *
 * The parent prepares everything (argv, environment, rlimits, the uid, the
 * work tree's ownership) so that the forked child makes only system calls
 * before exec: pg may be threaded, and may run under ASan or valgrind, where
 * malloc or stdio after fork can deadlock.
 *
 * As root, each spawn runs as a uid of its own from a private range
 * (PRIVATE_UID): RLIMIT_NPROC binds it, and when the run ends pg kills what
 * is left of that uid, so nothing of a sandbox outlives pg_proc_wait.  The
 * work tree is handed to that uid: chowned for a writable build, made
 * readable to others (o+r, o+x on directories and executables) otherwise.
 * The directories above it must already be searchable by others; pg does not
 * loosen the host's own directories (such as a 0700 /root) for it.
 */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024ull * 1024)
#define TAIL 4096            /* bytes of stderr kept for pg_proc_reason */
#define PRIVATE_UID 0x5a000u /* 368640: above the usual users, below systemd's container range */
#define PRIVATE_UIDS 0x10000u
#define BWRAP_PROCS 3        /* pg's reaper, bwrap's monitor, the init of its pid namespace */
#define DISK_EVERY_MS 200    /* how often a writable work directory is measured */

const pg_limits pg_limits_build = {
	.cpu_s = 120, .mem = 2048 * MiB, .nproc = 64, .fsize = 256 * MiB,
	.wall_ms = 300 * 1000, .output = 4 * MiB, .tmp = 256 * MiB, .disk = 1024 * MiB,
};
const pg_limits pg_limits_run = {
	.cpu_s = 20, .mem = 1024 * MiB, .nproc = 16, .fsize = 16 * MiB,
	.wall_ms = 60 * 1000, .output = 64 * MiB, .tmp = 64 * MiB,
};

struct priv {
	int pidfd;  /* -1 where pidfd_open is missing: wait then polls */
	int exited; /* the pidfd said so, and the rest of the group was killed */
	uid_t uid;  /* the private uid as root, else (uid_t)-1 */
	int reaper; /* pid is the reaper, a copy of pg; else sh itself */
	char *disk_dir;     /* a writable work directory to measure, or NULL */
	uint64_t disk_next; /* when to measure it next, ns */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *size_str(char out[32], uint64_t n)
{
	int mib = n && n % MiB == 0, kib = n && n % 1024 == 0;
	snprintf(out, 32, "%llu %s", (unsigned long long)(mib ? n / MiB : kib ? n / 1024 : n),
		 mib ? "MiB" : kib ? "KiB" : "bytes");
	return out;
}

/* --- string vectors for argv and the environment ------------------------- */

typedef struct {
	char **v;
	size_t n, cap;
} strv;

static void sv_add(strv *a, const char *s)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = pg_realloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = pg_strdup(s);
	a->v[a->n] = NULL;
}

/* Add each string up to a NULL. */
static void sv_addl(strv *a, ...)
{
	va_list ap;
	va_start(ap, a);
	for (const char *s; (s = va_arg(ap, const char *));)
		sv_add(a, s);
	va_end(ap);
}

/* Set "K=V", replacing an earlier K. */
static void env_set(strv *e, const char *kv)
{
	size_t klen = strcspn(kv, "=") + 1;
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], kv, klen) == 0) {
			free(e->v[i]);
			e->v[i] = pg_strdup(kv);
			return;
		}
	sv_add(e, kv);
}

static void sv_free(strv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* --- processes of a uid ---------------------------------------------------- */

/* The tasks whose real uid is uid, from /proc: RLIMIT_NPROC counts threads
 * too, so each process counts its Threads.  To sweep, SIGKILL each and pass
 * over zombies: they are dead, and only their parent can remove them (bwrap's
 * init, when pg has killed the reaper, is reaped by the host's init). */
static unsigned uid_tasks(uid_t uid, int sweep)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], buf[4096], *s;
		unsigned u, threads = 1;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		/* counting: the directory's owner filters cheaply (a sweep reads
		 * every status, since a process can make itself root-owned here) */
		struct stat st;
		if (!sweep && (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || st.st_uid != uid))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if (!(s = strstr(buf, "\nUid:")) || sscanf(s, "\nUid: %u", &u) != 1 || u != uid ||
		    (sweep && strstr(buf, "\nState:\tZ")))
			continue;
		if ((s = strstr(buf, "\nThreads:")))
			sscanf(s, "\nThreads: %u", &threads);
		n += threads;
		if (sweep)
			kill((pid_t)atoi(e->d_name), SIGKILL);
	}
	closedir(d);
	return n;
}

/* --- handing the work tree to the sandbox uid ----------------------------- */

static _Thread_local uid_t tree_uid; /* chown to it; (uid_t)-1: make readable */

static int tree_fix(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	/* a second name of a file may be a host file's: leave it alone */
	if (flag == FTW_SL || (!S_ISDIR(st->st_mode) && st->st_nlink > 1))
		return 0;
	if (tree_uid != (uid_t)-1)
		return lchown(path, tree_uid, tree_uid);
	mode_t want = st->st_mode | S_IROTH;
	if (S_ISDIR(st->st_mode) || (st->st_mode & S_IXUSR))
		want |= S_IXOTH;
	return want == st->st_mode ? 0 : chmod(path, want & 07777);
}

static int tree_give(const char *dir, uid_t uid, int check_above)
{
	char path[PATH_MAX];
	struct stat st;
	tree_uid = uid;
	if (nftw(dir, tree_fix, 16, FTW_PHYS | FTW_MOUNT) != 0)
		return pg_error_set(PG_ERROR, "cannot give '%s' to the sandbox user: %s", dir, strerror(errno));
	/* bwrap resolves the path as the sandbox uid */
	snprintf(path, sizeof(path), "%s", dir);
	for (char *s; check_above && (s = strrchr(path, '/'));) {
		s[s == path] = '\0';
		if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH))
			return pg_error_set(PG_EINVALID, "the sandbox user cannot reach '%s': '%s' is not "
					    "searchable by others (chmod o+x it, or keep pg's work "
					    "directories elsewhere)", dir, path);
		if (s == path)
			break;
	}
	return 0;
}

/* --- finding and probing bubblewrap --------------------------------------- */

static pthread_once_t bwrap_once = PTHREAD_ONCE_INIT;
static char bwrap_file[PATH_MAX];

static void bwrap_find(void)
{
	const char *path = getenv("PATH");
	for (const char *p = path ? path : ""; *p; p += *p == ':') {
		size_t n = strcspn(p, ":");
		if (n && n + 7 < sizeof(bwrap_file)) {
			snprintf(bwrap_file, sizeof(bwrap_file), "%.*s/bwrap", (int)n, p);
			if (bwrap_file[0] == '/' && access(bwrap_file, X_OK) == 0)
				return;
		}
		p += n;
	}
	snprintf(bwrap_file, sizeof(bwrap_file), "%s", access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : "");
}

static int run(pg_buf *out, pg_proc **out_proc, const pg_sandbox *sb, const char *cmd,
	       const char *in, size_t inlen, int probe);

static pthread_once_t check_once = PTHREAD_ONCE_INIT;
static int check_err;
static char check_msg[1024];

static void check_run(void)
{
	pg_sandbox sb = { .lim = pg_limits_run };
	pg_proc *p = NULL;
	char why[128];
	sb.lim.wall_ms = 10000;
	if ((check_err = run(NULL, &p, &sb, "true", NULL, 0, 1)) == 0 && (p->end != PG_END_EXIT || p->code)) {
		char *nl = p->errtail.ptr ? strchr(p->errtail.ptr, '\n') : NULL;
		if (nl)
			*nl = '\0';
		check_err = pg_error_set(PG_ERROR, "bubblewrap cannot create its sandbox here (%s%s%s); allow "
					 "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
					 "user.max_user_namespaces > 0), or pass --no-sandbox to run code unconfined",
					 pg_proc_reason(p, why, sizeof(why)), p->errtail.len ? ": " : "",
					 p->errtail.len ? p->errtail.ptr : "");
	}
	snprintf(check_msg, sizeof(check_msg), "%s", pg_error_last());
	pg_proc_free(p);
}

int pg_sandbox_check(void)
{
	pthread_once(&check_once, check_run);
	return check_err ? pg_error_set(check_err, "%s", check_msg) : 0;
}

/* --- spawning ---------------------------------------------------------------- */

struct child {
	int fd[3];          /* become stdin, stdout, stderr */
	int cwd;            /* -1, or the directory to start in (no sandbox) */
	struct rlimit rl[5];
	int res[5];
	uid_t uid;          /* (uid_t)-1: keep pg's uid */
	pid_t parent;
	int reaper;         /* run bwrap under a reaper (see reap) */
	int fixed_layout;   /* no address-space randomization */
	const char *path, *what;
	char **argv, **envp;
};

/* After the descriptors are in place: say why on the run's stderr. */
static _Noreturn void child_fail(const char *what)
{
	const char *parts[] = { "pg: sandbox: cannot ", what, ": ", strerrorname_np(errno), "\n" };
	char msg[512];
	size_t n = 0;
	for (size_t i = 0; i < 5; i++)
		for (const char *c = parts[i] ? parts[i] : "?"; *c && n < sizeof(msg); c++)
			msg[n++] = *c;
	if (write(2, msg, n) < 0)
		_exit(127);
	_exit(127);
}

/* bwrap's monitor exits as soon as its pid namespace's init reports the
 * command's status, without reaping that init, which has reaped everything
 * else: so the CPU time of the sandbox never reaches bwrap's rusage.  The
 * reaper, a subreaper, adopts the init and waits until every process is gone;
 * its rusage, which pg gets from wait4, then holds the sandbox's CPU time,
 * and it ends only when the whole sandbox has. */
static _Noreturn void reap(pid_t bwrap)
{
	int st, status = 0;
	pid_t w;
	for (int fd = 0; fd < 3; fd++)
		close(fd); /* the pipes end with the sandbox, not with the reaper */
	while ((w = wait(&st)) > 0 || errno == EINTR)
		if (w == bwrap)
			status = st;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static _Noreturn void child_exec(const struct child *c)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int hi[3];
	/* its own process group, so that pg can kill all of it at once */
	if (setsid() < 0 || (c->cwd >= 0 ? fchdir(c->cwd) : chdir("/")) < 0)
		_exit(127);
	for (int i = 0; i < 3; i++)
		if ((hi[i] = fcntl(c->fd[i], F_DUPFD, 3)) < 0)
			_exit(127);
	for (int i = 0; i < 3; i++)
		if (dup2(hi[i], i) < 0)
			_exit(127);
	if (close_range(3, ~0u, 0) < 0)
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (c->uid != (uid_t)-1 &&
	    (setgroups(0, NULL) < 0 || setgid(c->uid) < 0 || setuid(c->uid) < 0 || setuid(0) == 0))
		child_fail("drop privileges");
	umask(022);
	/* set after the uid change, which clears it; bwrap sets its own too */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != c->parent)
		child_fail("follow pg");
	if (c->reaper) {
		pid_t self = getpid(), b;
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || (b = fork()) < 0)
			child_fail("start a reaper");
		if (b > 0)
			reap(b);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
			child_fail("follow its reaper");
	}
	for (int i = 0; i < 5; i++)
		if (setrlimit(c->res[i], &c->rl[i]) < 0)
			child_fail("set the limits");
	/* inherited across fork and exec (bwrap is not set-uid) */
	if (c->fixed_layout && personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
		child_fail("fix the memory layout");
	execve(c->path, c->argv, c->envp);
	child_fail(c->what);
}

static void set_limit(struct child *c, int i, int res, uint64_t soft, uint64_t hard)
{
	struct rlimit cur;
	/* never above what pg itself may have */
	if (getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
		hard = cur.rlim_max;
	c->res[i] = res;
	c->rl[i].rlim_cur = soft < hard ? soft : hard;
	c->rl[i].rlim_max = hard;
}

/* The bwrap command line: namespaces, the read-only system, /work, sh -c. */
static void bwrap_args(strv *a, const pg_sandbox *sb, const char *dir, const char *extra,
		       const strv *env, const char *cmd)
{
	static const char *const top[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	sv_addl(a, "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", NULL);
	for (size_t i = 0; i < env->n; i++) {
		n = (ssize_t)strcspn(env->v[i], "=");
		snprintf(buf, sizeof(buf), "%.*s", (int)n, env->v[i]);
		sv_addl(a, "--setenv", buf, env->v[i] + n + 1, NULL);
	}
	sv_addl(a, "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", NULL);
	/* merged /usr: /bin is a symlink to usr/bin, so make the same one */
	for (size_t i = 0; i < sizeof(top) / sizeof(*top); i++) {
		if (lstat(top[i], &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode) && (n = readlink(top[i], buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			sv_addl(a, "--symlink", buf, top[i], NULL);
		} else if (S_ISDIR(st.st_mode)) {
			sv_addl(a, "--ro-bind", top[i], top[i], NULL);
		}
	}
	/* bwrap's / and /dev are tmpfs without a size, that is the host's
	 * memory: only the sized /tmp and /dev/shm stay writable */
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sb->lim.tmp);
	sv_addl(a, "--proc", "/proc", "--dev", "/dev", "--size", buf, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
		"--size", buf, "--tmpfs", "/tmp", NULL);
	if (dir)
		sv_addl(a, sb->writable ? "--bind" : "--ro-bind", dir, "/work", NULL);
	if (extra)
		sv_addl(a, "--ro-bind", extra, sb->extra_at, NULL);
	sv_addl(a, "--remount-ro", "/", "--chdir", dir ? "/work" : "/tmp", "/bin/sh", "-c", cmd, NULL);
}

static int spawn(pg_proc **out, const pg_sandbox *sb, const char *cmd, int probe)
{
	struct child c = { .cwd = -1, .uid = (uid_t)-1, .parent = getpid(), .fixed_layout = sb->fixed_layout };
	int fds[6] = { -1, -1, -1, -1, -1, -1 }, err = 0; /* stdin, stdout, stderr pipes */
	char dir[PATH_MAX], extra[PATH_MAX], *noenv[] = { NULL };
	strv argv = { 0 }, env = { 0 };
	unsigned have = 0;
	pid_t pid;

	*out = NULL;
	if (!cmd || (!probe && !sb->dir) || (sb->extra && (!sb->extra_at || sb->extra_at[0] != '/')))
		return pg_error_set(PG_EINVALID, "sandbox: no command, no work directory, or extra_at not absolute");
	if (sb->dir && !realpath(sb->dir, dir))
		return pg_error_set(PG_ENOTFOUND, "cannot use '%s' as the work directory: %s", sb->dir, strerror(errno));
	if (sb->extra && !realpath(sb->extra, extra))
		return pg_error_set(PG_ENOTFOUND, "cannot use '%s' in the sandbox: %s", sb->extra, strerror(errno));
	pthread_once(&bwrap_once, bwrap_find);
	if (!sb->no_sandbox && !bwrap_file[0])
		return pg_error_set(PG_ENOTFOUND, "bubblewrap (bwrap) is not installed: install bubblewrap "
				    "(apt-get install bubblewrap), or pass --no-sandbox to run code unconfined");

	char *home = pg_asprintf("HOME=%s", sb->no_sandbox ? dir : "/tmp");
	sv_addl(&env, "PATH=/usr/bin:/bin", home, "LANG=C.UTF-8", NULL);
	free(home);
	for (const char *const *kv = sb->env; kv && *kv; kv++) {
		if (!strchr(*kv, '=') || **kv == '=') {
			err = pg_error_set(PG_EINVALID, "sandbox: environment entry '%s' is not K=V", *kv);
			goto done;
		}
		env_set(&env, *kv);
	}

	if (geteuid() == 0) {
		/* a uid no process has, so that RLIMIT_NPROC counts this run alone */
		static unsigned seq;
		unsigned s = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED) + (unsigned)getpid() * 64;
		for (unsigned i = 0; i < 16 && c.uid == (uid_t)-1; i++)
			if (uid_tasks(PRIVATE_UID + (s + 4096 * i) % PRIVATE_UIDS, 0) == 0)
				c.uid = PRIVATE_UID + (s + 4096 * i) % PRIVATE_UIDS;
		if (c.uid == (uid_t)-1)
			err = pg_error_set(PG_ERROR, "no free sandbox uid near %u", PRIVATE_UID + s % PRIVATE_UIDS);
		else if (sb->dir && (err = tree_give(dir, sb->writable ? c.uid : (uid_t)-1, !sb->no_sandbox)) == 0 && sb->extra)
			err = tree_give(extra, (uid_t)-1, !sb->no_sandbox);
		if (err < 0)
			goto done;
	} else {
		have = uid_tasks(getuid(), 0);
	}
	set_limit(&c, 0, RLIMIT_CPU, sb->lim.cpu_s, (uint64_t)sb->lim.cpu_s + 1); /* SIGXCPU, then SIGKILL */
	set_limit(&c, 1, RLIMIT_AS, sb->lim.mem, sb->lim.mem);
	set_limit(&c, 2, RLIMIT_FSIZE, sb->lim.fsize, sb->lim.fsize);
	set_limit(&c, 3, RLIMIT_CORE, 0, 0);
	have += sb->lim.nproc + (sb->no_sandbox ? 0 : BWRAP_PROCS);
	set_limit(&c, 4, RLIMIT_NPROC, have, have);

	if (sb->no_sandbox) {
		sv_addl(&argv, "/bin/sh", "-c", cmd, NULL);
		if ((c.cwd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			err = pg_error_set(PG_ERROR, "cannot open '%s': %s", dir, strerror(errno));
			goto done;
		}
		c.path = "/bin/sh", c.what = "run /bin/sh", c.envp = env.v;
	} else {
		bwrap_args(&argv, sb, sb->dir ? dir : NULL, sb->extra ? extra : NULL, &env, cmd);
		c.path = bwrap_file, c.what = "run bubblewrap", c.envp = noenv, c.reaper = 1;
	}
	c.argv = argv.v;

	if (pipe2(fds, O_CLOEXEC) < 0 || pipe2(fds + 2, O_CLOEXEC) < 0 || pipe2(fds + 4, O_CLOEXEC) < 0) {
		err = pg_error_set(PG_ERROR, "cannot make pipes: %s", strerror(errno));
		goto done;
	}
	c.fd[0] = fds[0], c.fd[1] = fds[3], c.fd[2] = fds[5];
	if ((pid = fork()) < 0) {
		err = pg_error_set(PG_ERROR, "cannot fork: %s", strerror(errno));
		goto done;
	}
	if (pid == 0)
		child_exec(&c);

	pg_proc *p = pg_calloc(1, sizeof(*p));
	struct priv *pv = pg_calloc(1, sizeof(*pv));
	p->pid = pid;
	p->started_ns = now_ns();
	p->lim = sb->lim;
	p->priv = pv;
	pv->uid = c.uid;
	pv->reaper = c.reaper;
	pv->disk_dir = sb->writable && sb->lim.disk ? pg_strdup(dir) : NULL;
	pv->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->in = fds[1], p->out = fds[2], p->err = fds[4];
	fds[1] = fds[2] = fds[4] = -1;
	/* a run that stops reading must not block pg, nor one that stops writing */
	fcntl(p->in, F_SETFL, O_NONBLOCK);
	fcntl(p->out, F_SETFL, O_NONBLOCK);
	fcntl(p->err, F_SETFL, O_NONBLOCK);
	*out = p;
done:
	for (int i = 0; i < 6; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (c.cwd >= 0)
		close(c.cwd);
	sv_free(&argv);
	sv_free(&env);
	return err;
}

int pg_proc_spawn(pg_proc **out, const pg_sandbox *sb, const char *cmd)
{
	return spawn(out, sb, cmd, 0);
}

/* --- memory ------------------------------------------------------------------ */

/* The peak of pid and its descendants (to a depth that bwrap, its init, sh
 * and the run itself need), from /proc: VmHWM, which exec resets, unlike
 * ru_maxrss. */
static uint64_t tree_peak(pid_t pid, int self, int depth)
{
	char path[64], line[256];
	uint64_t peak = 0, kb;
	FILE *f;
	if (self) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		if ((f = fopen(path, "re"))) {
			while (fgets(line, sizeof(line), f))
				if (sscanf(line, "VmHWM: %" SCNu64 " kB", &kb) == 1 && kb * 1024 > peak)
					peak = kb * 1024;
			fclose(f);
		}
	}
	if (depth <= 0)
		return peak;
	/* its children: of the main thread; a run's other threads rarely fork */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (!(f = fopen(path, "re")))
		return peak;
	int child;
	while (fscanf(f, "%d", &child) == 1) {
		uint64_t c = tree_peak((pid_t)child, 1, depth - 1);
		peak = c > peak ? c : peak;
	}
	fclose(f);
	return peak;
}

uint64_t pg_proc_peak_now(const pg_proc *p)
{
	/* p->pid is the reaper (a copy of pg) or, without the sandbox, sh */
	struct priv *pv = p->priv;
	return p->end == PG_END_RUNNING ? tree_peak(p->pid, !pv->reaper, 8) : 0;
}

/* --- ending ----------------------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int disk_over(const pg_proc *p);

/* Record how it ended: status is bwrap's (or sh's without the sandbox). */
static void ended(pg_proc *p, int status, const struct rusage *ru, pg_end why)
{
	struct priv *pv = p->priv;
	int sig = 0, code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	double cpu = ru->ru_utime.tv_sec + ru->ru_stime.tv_sec + (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
	p->ended_ns = now_ns();
	p->max_rss = (uint64_t)ru->ru_maxrss * 1024;
	/* bwrap 0.8 reports a death by signal n as exit status 128 + n (and
	 * --json-status-fd says no more), as sh does for a child it did not
	 * exec; so an exit status in 129..128+SIGRTMAX reads as that signal */
	if (WIFSIGNALED(status))
		sig = WTERMSIG(status);
	else if (code > 128 && code <= 128 + SIGRTMAX)
		sig = code - 128;
	if (why == PG_END_OUTPUT || (why != PG_END_RUNNING && WIFSIGNALED(status) && sig == SIGKILL))
		p->end = why, p->code = 0;
	else if (!sig && disk_over(p))
		p->end = PG_END_DISK, p->code = 0; /* written in less than a measure's interval */
	else if (!sig)
		p->end = PG_END_EXIT, p->code = code;
	else if (sig == SIGXCPU || (sig == SIGKILL && cpu >= p->lim.cpu_s))
		p->end = PG_END_CPU, p->code = sig;
	else if (sig == SIGXFSZ)
		p->end = PG_END_FSIZE, p->code = sig;
	else
		p->end = PG_END_SIGNAL, p->code = sig;
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
	close_fd(&pv->pidfd);
	/* killed, the pid namespace dies with its init, but the kernel
	 * finishes that after pg has reaped the reaper: wait for it */
	for (int i = 0; pv->uid != (uid_t)-1 && i < 400 && uid_tasks(pv->uid, 1) > 0; i++)
		nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
}

/* Kill the sandbox and reap it; a run that ended by itself meanwhile keeps
 * its own end, but past the output cap its output is cut short all the same. */
static void kill_as(pg_proc *p, pg_end why)
{
	struct rusage ru = { 0 };
	int status = SIGKILL; /* as if killed, should it have been reaped elsewhere */
	if (p->end != PG_END_RUNNING)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL); /* before its setsid() the group does not exist */
	while (wait4(p->pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	ended(p, status, &ru, why);
}

void pg_proc_kill(pg_proc *p)
{
	kill_as(p, PG_END_KILLED);
}

static _Thread_local uint64_t disk_used;

static int disk_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	/* a directory it cannot read could hide anything */
	if (flag == FTW_DNR)
		return -1;
	/* an empty file costs an inode: each counts as a block at least */
	uint64_t b = flag == FTW_NS ? 0 : (uint64_t)st->st_blocks * 512;
	disk_used += b > 4096 ? b : 4096;
	return 0;
}

/* Whether the writable work directory holds more than lim.disk, or cannot
 * be walked (a directory pg cannot read): the files a build writes are on
 * the host's disk, and the rlimit bounds only each one's size. */
static int disk_over(const pg_proc *p)
{
	const struct priv *pv = p->priv;
	disk_used = 0;
	return pv->disk_dir && (nftw(pv->disk_dir, disk_add, 16, FTW_PHYS | FTW_MOUNT) != 0 ||
				disk_used > p->lim.disk);
}

/* Measured as the run goes, so that it ends soon after it passes. */
static void watch_disk(pg_proc *p)
{
	struct priv *pv = p->priv;
	if (!pv->disk_dir || p->end != PG_END_RUNNING || now_ns() < pv->disk_next)
		return;
	pv->disk_next = now_ns() + DISK_EVERY_MS * 1000000ull;
	if (disk_over(p))
		kill_as(p, PG_END_DISK);
}

/* A poll's timeout, shortened to the next measure of the work directory. */
static int disk_wait(const pg_proc *p, int t)
{
	const struct priv *pv = p->priv;
	return pv->disk_dir && (t < 0 || t > DISK_EVERY_MS) ? DISK_EVERY_MS : t;
}

void pg_proc_close_in(pg_proc *p)
{
	close_fd(&p->in);
}

/* write(2) that turns SIGPIPE into EPIPE for this thread only: pg must not
 * die, nor change the process's signal dispositions, when a run exits
 * without reading its input. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
	sigset_t pipe, old, pending;
	struct timespec zero = { 0, 0 };
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	ssize_t r = write(fd, buf, n);
	int saved = errno;
	if (r < 0 && saved == EPIPE && !was_pending)
		while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

static void tail_put(pg_buf *t, const char *s, size_t n)
{
	pg_buf_put(t, s, n);
	if (t->len > TAIL) {
		memmove(t->ptr, t->ptr + t->len - TAIL, TAIL);
		t->len = TAIL;
		t->ptr[TAIL] = '\0';
	}
}

/* Read what one pipe has; stdout goes to dst (up to the cap), stderr to the
 * tail; both count towards the output cap. */
static void drain(pg_proc *p, int *fd, pg_buf *dst)
{
	char buf[65536];
	ssize_t r = read(*fd, buf, sizeof(buf));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		close_fd(fd);
		return;
	}
	uint64_t room = p->outbytes < p->lim.output ? p->lim.output - p->outbytes : 0;
	p->outbytes += (uint64_t)r;
	if (fd == &p->err)
		tail_put(&p->errtail, buf, (size_t)r);
	else if (dst)
		pg_buf_put(dst, buf, (uint64_t)r < room ? (size_t)r : (size_t)room);
	if (p->outbytes > p->lim.output)
		kill_as(p, PG_END_OUTPUT);
}

static uint64_t deadline(const pg_proc *p)
{
	return p->started_ns + (uint64_t)p->lim.wall_ms * 1000000u;
}

/* One poll over what is open (stdin while there is input, stdout, stderr,
 * the process), then one read or write for each pipe that is ready. */
static int step(pg_proc *p, const char *in, size_t inlen, size_t *inoff, pg_buf *out, int timeout_ms)
{
	struct priv *pv = p->priv;
	struct pollfd fds[4];
	int n = 0, wi = -1, oi = -1, ei = -1, pi = -1;
	uint64_t now = now_ns(), end = deadline(p);
	if (now >= end) {
		kill_as(p, PG_END_TIMEOUT);
		return 0;
	}
	uint64_t left = (end - now + 999999) / 1000000;
	int t = timeout_ms < 0 || (uint64_t)timeout_ms > left ? (left > INT_MAX ? INT_MAX : (int)left) : timeout_ms;
	if (p->in >= 0 && in && inoff && *inoff < inlen)
		wi = n, fds[n++] = (struct pollfd){ p->in, POLLOUT, 0 };
	if (p->out >= 0)
		oi = n, fds[n++] = (struct pollfd){ p->out, POLLIN, 0 };
	if (p->err >= 0)
		ei = n, fds[n++] = (struct pollfd){ p->err, POLLIN, 0 };
	if (pv->pidfd >= 0 && !pv->exited)
		pi = n, fds[n++] = (struct pollfd){ pv->pidfd, POLLIN, 0 };
	if (poll(fds, (nfds_t)n, disk_wait(p, t)) < 0 && errno != EINTR)
		return pg_error_set(PG_ERROR, "cannot poll the sandbox's pipes: %s", strerror(errno));
	if (wi >= 0 && fds[wi].revents) {
		ssize_t r = write_nosigpipe(p->in, in + *inoff, inlen - *inoff);
		if (r > 0)
			*inoff += (size_t)r;
		else if (r < 0 && errno != EAGAIN && errno != EINTR)
			pg_proc_close_in(p); /* EPIPE: it stopped reading */
	}
	if (oi >= 0 && fds[oi].revents && p->out >= 0)
		drain(p, &p->out, out);
	if (ei >= 0 && fds[ei].revents && p->err >= 0)
		drain(p, &p->err, NULL);
	/* its sh (or reaper) has ended, so has the run: what it left behind
	 * would only hold the pipes open */
	if (pi >= 0 && fds[pi].revents) {
		pv->exited = 1;
		kill(-p->pid, SIGKILL);
	}
	if (p->end == PG_END_RUNNING && now_ns() >= end)
		kill_as(p, PG_END_TIMEOUT);
	watch_disk(p);
	return 0;
}

int pg_proc_pump(pg_proc *p, const char *in, size_t inlen, size_t *inoff, pg_buf *out, int timeout_ms)
{
	int err;
	if (p->end == PG_END_RUNNING && p->out >= 0 && (err = step(p, in, inlen, inoff, out, timeout_ms)) < 0)
		return err;
	return p->end != PG_END_RUNNING || p->out < 0;
}

int pg_proc_wait(pg_proc *p)
{
	struct priv *pv = p->priv;
	pg_buf sink = PG_BUF_INIT;
	struct rusage ru;
	int status, err = 0;
	/* nobody writes to it any more */
	pg_proc_close_in(p);
	while (p->end == PG_END_RUNNING && (p->out >= 0 || p->err >= 0) && err == 0) {
		err = step(p, NULL, 0, NULL, &sink, -1);
		pg_buf_clear(&sink);
	}
	pg_buf_free(&sink);
	while (p->end == PG_END_RUNNING && err == 0) {
		uint64_t now = now_ns(), end = deadline(p);
		if (now >= end) {
			kill_as(p, PG_END_TIMEOUT);
			break;
		}
		uint64_t left = (end - now + 999999) / 1000000;
		struct pollfd pf = { pv->pidfd, POLLIN, 0 };
		int t = pv->pidfd < 0 ? 10 : left > INT_MAX ? INT_MAX : (int)left;
		if (poll(&pf, pv->pidfd >= 0, disk_wait(p, t)) < 0 && errno != EINTR)
			err = pg_error_set(PG_ERROR, "cannot wait for the sandbox: %s", strerror(errno));
		pid_t r = wait4(p->pid, &status, WNOHANG, &ru);
		if (r == p->pid)
			ended(p, status, &ru, PG_END_RUNNING);
		else if (r < 0 && errno != EINTR)
			err = pg_error_set(PG_ERROR, "cannot wait for the sandbox: %s", strerror(errno));
		else
			watch_disk(p);
	}
	if (err < 0)
		kill_as(p, PG_END_KILLED);
	return err;
}

static int out_of_memory(const pg_buf *tail)
{
	static const char *const says[] = { "MemoryError", "Cannot allocate memory", "cannot allocate memory",
					    "out of memory", "Out of memory", "std::bad_alloc" };
	for (size_t i = 0; tail->len && i < sizeof(says) / sizeof(*says); i++)
		if (memmem(tail->ptr, tail->len, says[i], strlen(says[i])))
			return 1;
	return 0;
}

const char *pg_proc_reason(const pg_proc *p, char *buf, size_t n)
{
	char size[32];
	const char *d;
	if (!n)
		return buf;
	switch (p->end) {
	case PG_END_RUNNING: snprintf(buf, n, "running"); break;
	case PG_END_EXIT: snprintf(buf, n, "exit %d", p->code); break;
	case PG_END_SIGNAL:
		d = sigdescr_np(p->code); /* unlike strsignal, thread-safe */
		snprintf(buf, n, "crashed: signal %d (%s)", p->code, d ? d : "unknown signal");
		break;
	case PG_END_TIMEOUT: snprintf(buf, n, "timeout (%g s)", p->lim.wall_ms / 1000.0); break;
	case PG_END_CPU: snprintf(buf, n, "cpu time limit (%u s)", p->lim.cpu_s); break;
	case PG_END_OUTPUT: snprintf(buf, n, "output limit (%s)", size_str(size, p->lim.output)); break;
	case PG_END_FSIZE: snprintf(buf, n, "file size limit"); break;
	case PG_END_DISK: snprintf(buf, n, "disk limit (%s)", size_str(size, p->lim.disk)); break;
	case PG_END_KILLED: snprintf(buf, n, "killed"); break;
	}
	size_t len = strlen(buf);
	if (p->end != PG_END_RUNNING && !(p->end == PG_END_EXIT && p->code == 0) && out_of_memory(&p->errtail))
		snprintf(buf + len, n - len, " - memory limit (%s) likely", size_str(size, p->lim.mem));
	return buf;
}

void pg_proc_free(pg_proc *p)
{
	if (!p)
		return;
	pg_proc_kill(p); /* never leaves a sandbox running */
	struct priv *pv = p->priv;
	close_fd(&pv->pidfd);
	pg_buf_free(&p->errtail);
	free(pv->disk_dir);
	free(pv);
	free(p);
}

static int run(pg_buf *out, pg_proc **out_proc, const pg_sandbox *sb, const char *cmd,
	       const char *in, size_t inlen, int probe)
{
	pg_proc *p;
	size_t off = 0;
	int r;
	if (out_proc)
		*out_proc = NULL;
	if ((r = spawn(&p, sb, cmd, probe)) < 0)
		return r;
	if (!in)
		inlen = 0;
	do {
		if (off == inlen)
			pg_proc_close_in(p);
	} while ((r = pg_proc_pump(p, in, inlen, &off, out, -1)) == 0);
	if (r > 0)
		r = pg_proc_wait(p);
	if (r == 0 && out_proc)
		*out_proc = p;
	else
		pg_proc_free(p);
	return r;
}

int pg_sandbox_run(pg_buf *out, pg_proc **out_proc, const pg_sandbox *sb, const char *cmd,
		   const char *in, size_t inlen)
{
	return run(out, out_proc, sb, cmd, in, inlen, 0);
}
