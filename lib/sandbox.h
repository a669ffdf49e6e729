/* sandbox.h - run untrusted code under bubblewrap, within limits
 *
 * Every build and run of code from the store goes through here:
 *
 *   bwrap --unshare-all (no network, own pid/ipc/uts namespaces)
 *         --die-with-parent --new-session --clearenv
 *         read-only /usr /etc /bin /sbin /lib* , fresh /proc, a
 *         read-only /dev and /, private size-limited tmpfs /tmp and
 *         /dev/shm,
 *         the work directory at /work (read-write for a build,
 *         read-only for a run), cwd /work, HOME=/tmp, PATH=/usr/bin:/bin
 *
 * and setrlimit before exec: RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE,
 * RLIMIT_NPROC, RLIMIT_CORE 0.  RLIMIT_NPROC does not bind uid 0, so as root
 * the child first drops to an unprivileged uid of its own (and the work
 * tree is made accessible to it: chowned to it for a build, made readable for
 * a run; the directories above must be searchable by others); as any uid the
 * process limit is the count that uid already has plus lim.nproc (plus bwrap's
 * own processes).  pg itself enforces the wall clock and the output cap,
 * killing the whole sandbox (its process group; bwrap's pid namespace takes
 * every descendant with it).
 *
 * Nothing here prints.  A broken limit is not an error of the call: the run
 * ends and pg_proc_reason says why.
 */
#ifndef PG_SANDBOX_H
#define PG_SANDBOX_H

#include <sys/types.h>

#include "pg.h"

typedef struct pg_limits {
	unsigned cpu_s;   /* CPU seconds */
	uint64_t mem;     /* address space, bytes */
	unsigned nproc;   /* processes/threads the run (its sh included) may have */
	uint64_t fsize;   /* largest file written, bytes */
	unsigned wall_ms; /* wall clock of the whole run */
	uint64_t output;  /* bytes of stdout + stderr before it is killed */
	uint64_t tmp;     /* size of the private /tmp, and of /dev/shm, bytes */
	uint64_t disk;    /* what a writable work directory may hold, bytes (each file a 4 KiB block at least) */
} pg_limits;

/* Defaults: a build (cc, python -m py_compile ...) and a run. */
extern const pg_limits pg_limits_build;
extern const pg_limits pg_limits_run;

typedef struct pg_sandbox {
	const char *dir;      /* host directory seen as /work and the cwd */
	int writable;         /* bind dir read-write (builds) */
	const char *extra;    /* NULL, or another host directory ... */
	const char *extra_at; /* ... bound read-only here (e.g. "/impl") */
	const char *const *env; /* NULL, or extra "K=V" strings */
	int no_sandbox;       /* run with limits but without bwrap */
	pg_limits lim;
	/* for timing (pg bench): no address-space randomization, so that two
	 * runs of the same code meet the same memory layout; a run started
	 * with randomized addresses is a different experiment every time.
	 * (The CPUs it may use are those of the thread that spawns it.) */
	int fixed_layout;
} pg_sandbox;

/* 0 when bubblewrap is installed and can create its namespaces here; else
 * PG_ENOTFOUND/PG_ERROR with a message saying what to install or allow. */
int pg_sandbox_check(void);

/* How a process ended. */
typedef enum pg_end {
	PG_END_RUNNING = 0,
	PG_END_EXIT,    /* exited; status in code */
	PG_END_SIGNAL,  /* killed by a signal it got itself; signal in code */
	PG_END_TIMEOUT, /* pg killed it: wall clock */
	PG_END_CPU,     /* CPU time limit (SIGXCPU or SIGKILL past the limit) */
	PG_END_OUTPUT,  /* pg killed it: output cap */
	PG_END_FSIZE,   /* file size limit (SIGXFSZ) */
	PG_END_DISK,    /* pg killed it: the writable work directory passed lim.disk */
	PG_END_KILLED,  /* pg killed it on request (pg_proc_kill) */
} pg_end;

typedef struct pg_proc {
	pid_t pid;
	int in, out, err;   /* pipe ends, -1 once closed; out and err non-blocking */
	pg_end end;
	int code;
	uint64_t outbytes;  /* stdout + stderr bytes seen */
	pg_buf errtail;     /* the last 4 KiB of stderr */
	uint64_t started_ns, ended_ns; /* CLOCK_MONOTONIC */
	uint64_t max_rss;   /* once ended: the peak resident set of its largest process, bytes */
	pg_limits lim;
	void *priv;
} pg_proc;

/* While it runs: the largest peak resident set (VmHWM) of the processes
 * it has now, bwrap's and the run's own, in bytes; 0 when none can be
 * read.  Unlike ru_maxrss once it has ended, it leaves out pg's own memory,
 * which the processes pg forked to start bwrap counted until their exec. */
uint64_t pg_proc_peak_now(const pg_proc *p);

/* Start "sh -c cmd" in the sandbox with pipes on stdin, stdout, stderr. */
int pg_proc_spawn(pg_proc **out, const pg_sandbox *sb, const char *cmd);

/* Move data: write what it can of in[*inoff..inlen) (advancing *inoff; the
 * caller closes stdin with pg_proc_close_in; pump closes it when the process
 * stops reading), append what stdout has to out, keep stderr's tail; waits
 * at most timeout_ms (< 0: up to the wall clock) for anything to happen.
 * Enforces the wall clock and output cap (killing the sandbox).
 * Returns 0 while stdout is open, 1 once stdout is at EOF or the process
 * was killed; PG_ERROR only for pg's own failures. */
int pg_proc_pump(pg_proc *p, const char *in, size_t inlen, size_t *inoff,
		 pg_buf *out, int timeout_ms);
void pg_proc_close_in(pg_proc *p);

/* Kill the whole sandbox now (end PG_END_KILLED unless already ended). */
void pg_proc_kill(pg_proc *p);

/* Wait for the end (killing it at the wall clock), reap, set end/code.
 * Closes stdin; stdout and stderr are drained, stdout discarded.  A status of
 * 128 + n reads as signal n: bwrap 0.8 reports a death by signal that way. */
int pg_proc_wait(pg_proc *p);

/* "exit 3", "crashed: signal 11 (Segmentation fault)", "timeout (10 s)",
 * "cpu time limit (5 s)", "output limit (16 MiB)", "file size limit",
 * "disk limit (1024 MiB)", "killed"; followed by " - memory limit (512 MiB) likely" when stderr says
 * memory ran out.  Written into buf. */
const char *pg_proc_reason(const pg_proc *p, char *buf, size_t n);

void pg_proc_free(pg_proc *p); /* kills it if still running */

/* Run to the end: feed in, collect stdout (at most lim.output).  *out_proc
 * (when not NULL) gets the finished process for its end and reason. */
int pg_sandbox_run(pg_buf *out, pg_proc **out_proc, const pg_sandbox *sb, const char *cmd,
		   const char *in, size_t inlen);

#endif
