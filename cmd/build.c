/* build.c - pg build: choose the best verified impl, build it, pin it
 *
 * 'pg build IFACE' asks the ranking (lib/rank.c) for the best impl under
 * the local policy, builds it in the sandbox (the verify build cache), links
 * pg-build/<interface> to the build, and pins the choice in ./pg.lock.
 * 'pg build' alone rebuilds exactly what pg.lock pins, after checking every
 * pin against the store: nothing is built if any pin is missing, blocked or
 * does not match its impl.  Either way pg-build/ and the lock change only
 * once everything is built, and a link or lock that cannot be written puts
 * back the links already replaced: all or nothing.
 */
#include "cmd.h"
#include "config.h"
#include "lock.h"
#include "rank.h"
#include "verify.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const examples[] = {
	"pg build geometry::circle\tbuild the best verified impl, pin it in ./pg.lock",
	"pg build\trebuild exactly what ./pg.lock pins",
	"pg build -o out sort::u32\tlink the build as out/sort-u32",
	NULL,
};
static const struct cmd_help help = {
	"build",
	"Build the best verified impl of an interface and pin it in pg.lock; or rebuild what pg.lock pins",
	"pg build [options] INTERFACE...\npg build [options]", examples,
};

struct opts {
	const char *lock, *out;
	int no_sandbox;
};

/* Build one impl (by its index row) into the cache; *dir is the build. */
static int build_impl(struct pg_ctx *ctx, const pg_index_row *row, const char *cache, int no_sandbox, char **dir,
		      char **run)
{
	pg_object *o = NULL;
	pg_buf tar = PG_BUF_INIT;
	pg_verify v;
	pg_vimpl im;
	int err;
	memset(&v, 0, sizeof(v));
	memset(&im, 0, sizeof(im));
	if ((err = read_object(ctx, &o, row)) < 0 || (err = read_payload(ctx, &tar, row)) < 0)
		goto done;
	memcpy(im.id, row->id, sizeof(im.id));
	memcpy(im.key, row->payload, sizeof(im.key));
	im.name = pg_strdup(row->name);
	im.author = pg_strdup(row->author);
	im.lang = pg_strdup(pg_object_get(o, "lang"));
	im.build = pg_object_get(o, "build") ? pg_strdup(pg_object_get(o, "build")) : NULL;
	im.run = pg_strdup(pg_object_get(o, "run"));
	im.payload = tar.ptr;
	im.payload_len = tar.len;
	v.impls = &im;
	v.nimpls = 1;
	pg_verify_opts vo = { .cache = cache, .jobs = 1, .no_sandbox = no_sandbox };
	if ((err = pg_verify_run(&v, &vo)) < 0)
		goto done;
	if (!im.dir) {
		err = pg_error_set(PG_EINVALID, "%s (%.12s) does not build: %s", row->name, row->id,
				   im.build_error ? im.build_error : "?");
		goto done;
	}
	*dir = pg_strdup(im.dir);
	*run = pg_strdup(im.run);
done:
	pg_verify_clear(&v);
	pg_object_free(o);
	pg_buf_free(&tar);
	return err;
}

/* path becomes a symbolic link to target, replaced atomically (a new
 * link renamed over the old one); -1 with errno on failure. */
static int relink(const char *path, const char *target)
{
	char *tmp = pg_asprintf("%s.tmp%ld", path, (long)getpid());
	int r = 0;
	unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		r = -1;
	}
	free(tmp);
	return r;
}

/* out/<interface name with :: as ->, a symbolic link to the build.  *old
 * is what it linked to before (NULL: nothing was there), so that a later
 * failure can put it back; anything but a link is left alone, since it
 * could not be put back. */
static int link_build(const char *out, const char *ifname, const char *dir, char **path, char **old)
{
	char *base = pg_strdup(ifname), buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	for (char *s = base; (s = strstr(s, "::"));)
		memmove(s, s + 1, strlen(s)), *s = '-';
	*path = pg_path_join(out, base);
	free(base);
	int err = pg_mkdir_p(out, 0755);
	if (err < 0)
		return err;
	if (lstat(*path, &st) == 0) {
		if (!S_ISLNK(st.st_mode) || (n = readlink(*path, buf, sizeof(buf))) < 0 || (size_t)n >= sizeof(buf))
			return pg_error_set(PG_ERROR, "%s is not a symbolic link pg build can replace; move it away", *path);
		*old = pg_strndup(buf, (size_t)n);
	}
	if (relink(*path, dir) < 0)
		return pg_error_set(PG_ERROR, "cannot link %s to the build: %s", *path, strerror(errno));
	return 0;
}

/* The best impl of an interface under the local policy: the first ranked,
 * else the first verified one without bench claims. */
static int choose(struct pg_ctx *ctx, const pg_index_row *iface, pg_rank_row *chosen)
{
	pg_ranking rk;
	int err = rank_trusted(ctx, &rk, iface->id);
	if (err < 0)
		return err;
	/* verified by me, or by enough of my trust mass (trust.threshold) */
	double threshold = pg_config_threshold(ctx->store);
	const pg_rank_row *best = NULL;
	size_t short_of = 0;
	for (int want = PG_RANK_RANKED; want <= PG_RANK_UNBENCHED && !best; want++)
		for (size_t i = 0; i < rk.n && !best; i++) {
			const pg_rank_row *r = &rk.rows[i];
			if ((int)r->status != want)
				continue;
			if (r->verified_by_me || r->verified_mass >= threshold)
				best = r;
			else if (!short_of++)
				info(ctx, "  passed over %s (%.12s): verified by %.1f%% of your trust mass, below trust.threshold "
					  "%.1f%% ('pg verify %.12s' decides it for you)", r->impl.name ? r->impl.name : "?",
				     r->impl.id, 100 * r->verified_mass, 100 * threshold, r->impl.id);
		}
	if (!best) {
		err = pg_error_set(PG_ENOTFOUND, "%s has no verified implementation to build (%zu impl%s; see 'pg rank %s', "
				   "then 'pg verify %s' or 'pg bench %s')", iface->name, rk.n, rk.n == 1 ? "" : "s",
				   iface->name, iface->name, iface->name);
	} else {
		*chosen = *best;
		pg_index_row_copy(&chosen->impl, &best->impl);
		chosen->reason = NULL;
	}
	pg_ranking_free(&rk);
	return err;
}

/* A pin must still be what it says: the impl in the store, of that
 * interface, with that payload, not blocked by me. */
static int check_pin(struct pg_ctx *ctx, const pg_lock *l, const pg_pin *p, pg_index_row *row)
{
	pg_object *o = NULL;
	int err = pg_index_get(ctx->index, row, p->impl);
	if (err == PG_ENOTFOUND)
		return pg_error_set(PG_ENOTFOUND, "%s:%zu:%zu: impl %.12s (%s) for %s is not in this store; get it "
				    "from whoever published it, or choose again with 'pg build %s'", l->file, p->line, p->col, p->impl,
				    p->name, p->interface, p->interface);
	if (err < 0)
		return err;
	if (strcmp(row->type, "impl")) {
		err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: %.12s is %s, not an impl", l->file, p->line, p->col, p->impl,
				   row->type);
		goto fail;
	}
	if ((err = read_object(ctx, &o, row)) < 0)
		goto fail;
	const char *iface = pg_object_get(o, "interface");
	if (strcmp(iface, p->iface_id)) {
		err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: impl %.12s implements interface %.12s, not the pinned %.12s "
				   "(%s): the lock was edited or is corrupt", l->file, p->line, p->col, p->impl, iface,
				   p->iface_id, p->interface);
		goto fail;
	}
	pg_index_row ir;
	if (pg_index_get(ctx->index, &ir, p->iface_id) == 0) {
		int same = ir.name && !strcmp(ir.name, p->interface);
		if (!same)
			err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: interface %.12s is %s, the lock says %s: the lock was "
					   "edited", l->file, p->line, p->col, p->iface_id, ir.name ? ir.name : "?",
					   p->interface);
		pg_index_row_clear(&ir);
		if (err < 0)
			goto fail;
	}
	if (strcmp(row->payload, p->payload)) {
		err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: payload %.12s does not match impl %.12s's payload %.12s: the "
				   "lock was edited by hand or is corrupt ('pg build %s' pins it again)", l->file, p->line,
				   p->col, p->payload, p->impl, row->payload, p->interface);
		goto fail;
	}
	if (strcmp(row->name ? row->name : "", p->name) || strcmp(row->lang ? row->lang : "", p->lang)) {
		err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: impl %.12s is %s (%s), the lock says %s (%s): the lock was "
				   "edited", l->file, p->line, p->col, p->impl, row->name, row->lang, p->name, p->lang);
		goto fail;
	}
	pg_ranking rk;
	if ((err = rank_trusted(ctx, &rk, p->iface_id)) < 0)
		goto fail;
	for (size_t i = 0; i < rk.n && err == 0; i++)
		if (!strcmp(rk.rows[i].impl.id, p->impl) && rk.rows[i].status == PG_RANK_BLOCKED)
			err = pg_error_set(PG_EINVALID, "%s:%zu:%zu: impl %.12s (%s) was %s; choose another with 'pg build %s'",
					   l->file, p->line, p->col, p->impl, p->name, rk.rows[i].reason, p->interface);
	pg_ranking_free(&rk);
	if (err < 0)
		goto fail;
	pg_object_free(o);
	return 0;
fail:
	pg_object_free(o);
	pg_index_row_clear(row);
	return err;
}

static void built(struct pg_ctx *ctx, const char *ifname, const char *name, const char *id, const char *path,
		  const char *run)
{
	printf("%s%s%s %s %s%.12s%s %s\n", color(ctx, C_NAME), ifname, color(ctx, C_RESET), name, color(ctx, C_ID), id,
	       color(ctx, C_RESET), path);
	info(ctx, "  run it from %s with: %s", path, run);
}

/* One interface to build: chosen by the ranking (with INTERFACE) or
 * pinned in the lock (without); best.impl is the impl either way. */
struct job {
	pg_index_row iface;
	pg_rank_row best;
	const pg_pin *pin;
	char *was;                     /* the lock's earlier choice, to say so */
	char *dir, *run, *path, *old;  /* old: the link's target before, NULL if none */
};

static void job_clear(struct job *j)
{
	pg_index_row_clear(&j->iface);
	pg_index_row_clear(&j->best.impl);
	free(j->was);
	free(j->dir);
	free(j->run);
	free(j->path);
	free(j->old);
}

/* Put the first n links back as they were, last first (two jobs may
 * share a link), and remove out if this run made it.  A failure here only
 * warns: the error that caused the undo is the one to report. */
static void undo_links(const struct job *jobs, size_t n, const char *out, int made_out)
{
	while (n--) {
		const struct job *j = &jobs[n];
		if ((j->old ? relink(j->path, j->old) : unlink(j->path)) < 0)
			fprintf(stderr, "warning: cannot put %s back as it was: %s\n", j->path, strerror(errno));
	}
	if (made_out)
		rmdir(out);
}

int cmd_build(int argc, const char **argv, struct pg_ctx *ctx)
{
	struct opts o = { PG_LOCK_FILE, "pg-build", 0 };
	const struct option opts[] = {
		OPT_STRING(0, "lock", &o.lock, "FILE", "the lock file (default ./pg.lock)"),
		OPT_STRING('o', "out", &o.out, "DIR", "where the builds are linked (default ./pg-build)"),
		OPT_BOOL(0, "no-sandbox", &o.no_sandbox, "build WITHOUT bubblewrap (only code you trust)"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "no notes on stderr"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	int err;
	if (!o.no_sandbox && (err = pg_sandbox_check()) < 0)
		return report(err);
	pg_lock *lock = NULL;
	char *cache = NULL;
	struct job *jobs = NULL;
	size_t n = 0, linked = 0;
	err = pg_lock_load(&lock, o.lock);
	if (err == PG_ENOTFOUND && argc) {
		lock = pg_lock_new(o.lock);
		err = 0;
	} else if (err == PG_ENOTFOUND) {
		err = pg_error_set(PG_ENOTFOUND, "no %s here: 'pg build INTERFACE' chooses an impl and pins it", o.lock);
	}
	if (err == 0)
		err = cache_dir(&cache, ctx);
	if (err < 0)
		goto done;

	/* All or nothing: choose (or check every pin) and build everything
	 * before pg-build/ or the lock is touched, so that one interface
	 * that fails leaves both as they were. */
	n = argc ? (size_t)argc : lock->n;
	jobs = pg_calloc(n + 1, sizeof(*jobs));
	for (size_t i = 0; i < n && err == 0; i++) {
		struct job *j = &jobs[i];
		if (!argc) {
			j->pin = &lock->pins[i];
			err = check_pin(ctx, lock, j->pin, &j->best.impl);
		} else if ((err = resolve_interface(ctx, &j->iface, argv[i])) == 0 &&
			   (err = choose(ctx, &j->iface, &j->best)) == 0) {
			for (size_t k = 0; k < lock->n; k++)
				if (!strcmp(lock->pins[k].iface_id, j->iface.id) && strcmp(lock->pins[k].impl, j->best.impl.id))
					j->was = pg_asprintf("%s: was %s (%.12s), now %s (%.12s)", j->iface.name,
							     lock->pins[k].name, lock->pins[k].impl, j->best.impl.name,
							     j->best.impl.id);
		}
	}
	for (size_t i = 0; i < n && err == 0; i++)
		err = build_impl(ctx, &jobs[i].best.impl, cache, o.no_sandbox, &jobs[i].dir, &jobs[i].run);

	struct stat st;
	int made_out = n && err == 0 && stat(o.out, &st) < 0;
	while (err == 0 && linked < n) {
		struct job *j = &jobs[linked];
		if ((err = link_build(o.out, j->pin ? j->pin->interface : j->iface.name, j->dir, &j->path, &j->old)) == 0)
			linked++;
	}
	for (size_t i = 0; i < n && err == 0 && argc; i++) {
		struct job *j = &jobs[i];
		pg_pin pin = { .interface = j->iface.name, .name = j->best.impl.name, .lang = j->best.impl.lang };
		memcpy(pin.iface_id, j->iface.id, sizeof(pin.iface_id));
		memcpy(pin.impl, j->best.impl.id, sizeof(pin.impl));
		memcpy(pin.payload, j->best.impl.payload, sizeof(pin.payload));
		pg_lock_set(lock, &pin);
	}
	if (err == 0 && argc)
		err = pg_lock_save(lock);
	if (err < 0) {
		undo_links(jobs, linked, o.out, made_out);
		goto done;
	}

	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		const pg_rank_row *b = &j->best;
		if (j->was)
			info(ctx, "%s", j->was);
		built(ctx, j->pin ? j->pin->interface : j->iface.name, b->impl.name, b->impl.id, j->path, j->run);
		if (j->pin)
			continue;
		if (b->status == PG_RANK_RANKED && b->baseline)
			info(ctx, "  chosen: rank 1, the baseline: every other verified impl is slower");
		else if (b->status == PG_RANK_RANKED)
			info(ctx, "  chosen: rank 1, %.3f x baseline, from %zu claim%s by %zu signer%s", b->score, b->claims,
			     b->claims == 1 ? "" : "s", b->signers, b->signers == 1 ? "" : "s");
		else
			info(ctx, "  chosen: verified, but no bench claims rank it ('pg bench %s')", j->iface.name);
	}
	if (argc)
		info(ctx, "pinned in %s", o.lock);
	else if (!n)
		info(ctx, "%s pins nothing", o.lock);
done:
	for (size_t i = 0; i < n; i++)
		job_clear(&jobs[i]);
	free(jobs);
	free(cache);
	pg_lock_free(lock);
	return err < 0 ? report(err) : EXIT_OK;
}
