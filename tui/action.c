/* action.c - what pg tui does to the store: trust, block, verify, bench
 * and pull
 *
 * Each action runs the pg command that does it (this same binary, on the
 * same store), so its rules, checks and messages are the command line's;
 * it runs in the background, in its own session (it cannot reach the
 * terminal curses owns), and its last line of output is the progress line
 * while the UI stays responsive.  Anything that publishes is confirmed
 * first, naming the command; a sealed key's passphrase is asked on the
 * message line and handed to the child alone, in its environment.
 */
#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX (1u << 20) /* bytes of an action's output kept for 'o' */

static struct {
	pid_t pid;
	int fd;
	char title[160];
	pg_buf out;
	char last[200];
	struct timespec start;
} job = { 0, -1, "", PG_BUF_INIT, "", { 0, 0 } };

static char last_title[160];
static pg_buf last_out = PG_BUF_INIT;

int action_running(void)
{
	return job.pid > 0;
}

int action_fd(void)
{
	return job.fd;
}

const char *action_progress(void)
{
	static char buf[400];
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long s = (long)(now.tv_sec - job.start.tv_sec);
	static const char spin[] = "|/-\\";
	snprintf(buf, sizeof(buf), "%c %s (%lds): %s", spin[s % 4], job.title, s, *job.last ? job.last : "started");
	return buf;
}

/* The last non-empty line of what came so far, without terminal escapes. */
static void take_last_line(void)
{
	const char *p = job.out.ptr, *end = p + job.out.len;
	const char *b = end;
	while (b > p && (b[-1] == '\n' || b[-1] == '\r' || b[-1] == ' '))
		b--;
	const char *a = b;
	while (a > p && a[-1] != '\n' && a[-1] != '\r')
		a--;
	size_t n = 0;
	for (const char *q = a; q < b && n < sizeof(job.last) - 1; q++) {
		if (*q == '\033') { /* CSI: ESC [ params final */
			q++;
			if (q < b && *q == '[')
				while (q + 1 < b && !(q[1] >= '@' && q[1] <= '~'))
					q++;
			q++;
			continue;
		}
		job.last[n++] = (unsigned char)*q < 32 ? ' ' : *q;
	}
	job.last[n] = '\0';
}

static void finish(void)
{
	int status = 0;
	while (waitpid(job.pid, &status, 0) < 0 && errno == EINTR)
		;
	close(job.fd);
	job.fd = -1;
	job.pid = 0;
	take_last_line();
	snprintf(last_title, sizeof(last_title), "%s", job.title);
	pg_buf_free(&last_out);
	last_out = job.out;
	memset(&job.out, 0, sizeof(job.out));
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	tui_reload(1);
	if (ok) {
		message("%s: done%s%s", job.title, *job.last ? ": " : "", job.last);
		return;
	}
	char code[32];
	if (WIFEXITED(status))
		snprintf(code, sizeof(code), "exit %d", WEXITSTATUS(status));
	else
		snprintf(code, sizeof(code), "signal %d", WTERMSIG(status));
	pg_error_set(PG_ERROR, "%s failed (%s; 'o' shows the output): %s", job.title, code,
		     *job.last ? job.last : "no output");
	message_error(PG_ERROR);
}

void action_poll(int ready)
{
	if (!action_running())
		return;
	if (!ready)
		return;
	char buf[8192];
	for (;;) {
		ssize_t n = read(job.fd, buf, sizeof(buf));
		if (n > 0) {
			if (job.out.len + (size_t)n <= OUTPUT_MAX)
				pg_buf_put(&job.out, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			take_last_line();
			return;
		}
		finish(); /* end of output: the child is done */
		return;
	}
}

void action_output(void)
{
	if (action_running()) {
		pager_open(job.title, job.out.ptr ? job.out.ptr : "", job.out.len);
		return;
	}
	if (!*last_title) {
		message("no action has run yet");
		return;
	}
	pager_open(last_title, last_out.ptr ? last_out.ptr : "", last_out.len);
}

void action_free(void)
{
	if (action_running()) {
		kill(-job.pid, SIGTERM);
		while (waitpid(job.pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(job.fd);
		job.fd = -1;
		job.pid = 0;
	}
	pg_buf_free(&job.out);
	pg_buf_free(&last_out);
	*last_title = '\0';
}

/* Start argv (after "pg") in the background; pass (a passphrase) is wiped. */
static int run(const char *title, const char *const *argv, char *pass)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fds[2];
	if (n <= 0 || pipe2(fds, O_CLOEXEC) < 0) {
		if (pass) {
			memset(pass, 0, strlen(pass));
			free(pass);
		}
		return pg_error_set(PG_ERROR, "cannot start pg: %s", strerror(errno));
	}
	exe[n] = '\0';
	const char *args[16];
	size_t k = 0;
	args[k++] = "pg";
	for (; *argv && k < 15; argv++)
		args[k++] = *argv;
	args[k] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		setsid(); /* no terminal: nothing can prompt over the screen */
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		setenv("PG_DIR", pg_store_path(tui.store), 1);
		setenv("NO_COLOR", "1", 1);
		setenv("PG_PROGRESS", "1", 1);
		if (pass)
			setenv("PG_PASSPHRASE", pass, 1);
		execv(exe, (char *const *)args);
		dprintf(STDERR_FILENO, "error: cannot run %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	int saved = errno;
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return pg_error_set(PG_ERROR, "cannot start pg: %s", strerror(saved));
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	job.pid = pid;
	job.fd = fds[0];
	pg_buf_clear(&job.out);
	job.last[0] = '\0';
	snprintf(job.title, sizeof(job.title), "%s", title);
	clock_gettime(CLOCK_MONOTONIC, &job.start);
	message("%s: started", title);
	return 0;
}

/* The passphrase the action will need (NULL if none is needed), or an
 * error: no identity, or the prompt was cancelled. */
static int passphrase(char **out)
{
	pg_key *k = NULL;
	*out = NULL;
	int err = pg_key_find(&k, tui.home, NULL);
	if (err < 0)
		return pg_error_set(err, "no identity to sign with: 'pg id new --name NAME' makes one");
	int sealed = k->sealed;
	char q[128];
	snprintf(q, sizeof(q), "passphrase for %s (Esc cancels): ", k->name);
	pg_key_free(k);
	if (!sealed || getenv("PG_PASSPHRASE"))
		return 0;
	if (!(*out = prompt_text(q, 1)))
		return pg_error_set(PG_EKEY, "cancelled: no passphrase");
	return 0;
}

/* Ask q (y publishes, p keeps it private, n cancels) and, to publish,
 * the passphrase: 'y' or 'p', 0 when cancelled, or an error. */
static int confirm_claim(const char *q, char **pass)
{
	*pass = NULL;
	int how = prompt_choice(q, "ypn");
	if (how != 'y' && how != 'p') {
		message("cancelled");
		return 0;
	}
	int err = how == 'y' ? passphrase(pass) : 0;
	return err < 0 ? err : how;
}

/* What an object line stands for: its type, name and author. */
static int object_of(const struct line *l, pg_index_row *row)
{
	if (!l || l->kind != K_OBJECT)
		return pg_error_set(PG_EINVALID, "select an object first");
	return pg_index_get(tui.index, row, l->id);
}

static int do_trust(const struct line *l)
{
	char key[PG_HEX_LEN + 1], buf[16];
	pg_index_row row;
	int err;
	if (l && (l->kind == K_IDENTITY || l->kind == K_PUBLISHER)) {
		memcpy(key, l->id, sizeof(key));
	} else if ((err = object_of(l, &row)) == 0) {
		memcpy(key, row.author, sizeof(key));
		pg_index_row_clear(&row);
	} else {
		return pg_error_set(PG_EINVALID, "select an identity, or an object to trust its author");
	}
	if (!strcmp(key, tui.me))
		return pg_error_set(PG_EINVALID, "that is you: your trust in yourself is the start of the walk");
	const char *name = who(key, buf);
	char q[200];
	snprintf(q, sizeof(q), "trust %s: h high, m medium, l low, n none, d distrust (Esc cancels) ", name);
	int c = prompt_choice(q, "hmlnd");
	if (!c)
		return 0;
	const char *level = c == 'h' ? "high" : c == 'm' ? "medium" : c == 'l' ? "low" : c == 'n' ? "none" : "distrust";
	char *reason = prompt_text(c == 'd' ? "why distrust (required): " : "reason (optional, Enter for none): ", 0);
	if (!reason)
		return 0;
	if (c == 'd' && !*reason) {
		free(reason);
		return pg_error_set(PG_EINVALID, "distrust needs a reason: it is shown to everyone who reads the claim");
	}
	snprintf(q, sizeof(q), "pg trust %s %s: y publishes it, p keeps it private (.pg/policy), n cancels ", name,
		 level);
	char *pass;
	int how = confirm_claim(q, &pass);
	if (how <= 0) {
		free(reason);
		return how;
	}
	const char *argv[7] = { "trust", key, level };
	size_t n = 3;
	if (*reason)
		argv[n++] = "--reason", argv[n++] = reason;
	if (how == 'p')
		argv[n++] = "--private";
	char title[160];
	snprintf(title, sizeof(title), "trust %s %s%s", name, level, how == 'p' ? " (private)" : "");
	err = run(title, argv, pass);
	free(reason);
	return err;
}

static int do_block(const struct line *l)
{
	char target[PG_HEX_LEN + 1], what[16], label[128], buf[16];
	pg_index_row row;
	int err;
	if (l && (l->kind == K_IDENTITY || l->kind == K_PUBLISHER)) {
		memcpy(target, l->id, sizeof(target));
		snprintf(what, sizeof(what), "id");
		snprintf(label, sizeof(label), "identity %s", who(target, buf));
	} else if ((err = object_of(l, &row)) == 0) {
		memcpy(target, row.id, sizeof(target));
		snprintf(what, sizeof(what), "%s", row.type);
		snprintf(label, sizeof(label), "%s %s", row.type, row.name ? row.name : row.id);
		pg_index_row_clear(&row);
		if (!strcmp(what, "identity")) {
			snprintf(what, sizeof(what), "id");
		} else if (strcmp(what, "impl") && strcmp(what, "spec") && strcmp(what, "bench") &&
			   strcmp(what, "interface") && strcmp(what, "result")) {
			return pg_error_set(PG_EINVALID, "a %s cannot be blocked: impls, specs, benches, interfaces, "
					    "results and identities can", what);
		}
	} else {
		return pg_error_set(PG_EINVALID, "select an object or identity to block");
	}
	if (!strcmp(what, "id") && !strcmp(target, tui.me))
		return pg_error_set(PG_EINVALID, "that is you");
	char q[256];
	snprintf(q, sizeof(q), "why block %.80s (required, shown with the block): ", label);
	char *reason = prompt_text(q, 0);
	if (!reason)
		return 0;
	if (!*reason) {
		free(reason);
		return pg_error_set(PG_EINVALID, "a block needs a reason");
	}
	snprintf(q, sizeof(q), "pg block %s %.60s: y publishes it, p keeps it private, n cancels ", what, label);
	char *pass;
	int how = confirm_claim(q, &pass);
	if (how <= 0) {
		free(reason);
		return how;
	}
	const char *argv[] = { "block", what, target, "--reason", reason, how == 'p' ? "--private" : NULL, NULL };
	char title[200];
	snprintf(title, sizeof(title), "block %.100s%s", label, how == 'p' ? " (private)" : "");
	err = run(title, argv, pass);
	free(reason);
	return err;
}

static int do_run(enum request req, const struct line *l)
{
	const char *cmd = req == REQ_VERIFY ? "verify" : "bench";
	pg_index_row row;
	int err = object_of(l, &row);
	if (err < 0)
		return pg_error_set(PG_EINVALID, "select an impl or interface to %s", cmd);
	char id[PG_HEX_LEN + 1], label[128];
	memcpy(id, row.id, sizeof(id));
	snprintf(label, sizeof(label), "%s %s", row.type, row.name ? row.name : row.id);
	int fits = !strcmp(row.type, "impl") || !strcmp(row.type, "interface") ||
		   !strcmp(row.type, req == REQ_VERIFY ? "spec" : "bench");
	pg_index_row_clear(&row);
	if (!fits)
		return pg_error_set(PG_EINVALID, "%s runs on an impl, an interface or a %s, not this", cmd,
				    req == REQ_VERIFY ? "spec" : "bench");
	char q[256];
	snprintf(q, sizeof(q), "pg %s %.80s in the sandbox: y publishes the results, l only shows them, n cancels ", cmd,
		 label);
	int how = prompt_choice(q, "yln");
	if (how != 'y' && how != 'l') {
		message("cancelled");
		return 0;
	}
	char *pass = NULL;
	if (how == 'y' && (err = passphrase(&pass)) < 0)
		return err;
	const char *argv[] = { cmd, id, how == 'l' ? "--no-publish" : NULL, NULL };
	char title[200];
	snprintf(title, sizeof(title), "%s %.100s", cmd, label);
	return run(title, argv, pass);
}

int action(enum request req, struct view *v, const struct line *l)
{
	(void)v;
	int err = 0;
	if (action_running()) {
		message("'%s' is still running (below); 'o' shows its output so far", job.title);
		return 0;
	}
	switch (req) {
	case REQ_TRUST:
		err = do_trust(l);
		break;
	case REQ_BLOCK:
		err = do_block(l);
		break;
	case REQ_VERIFY:
	case REQ_BENCH:
		err = do_run(req, l);
		break;
	case REQ_PULL: {
		const char *argv[] = { "pull", "--all", NULL };
		err = run("pull --all", argv, NULL);
		break;
	}
	default:
		break;
	}
	if (err < 0)
		message_error(err);
	return err;
}
