/* build.c - pg build: choose the best verified impl, build it, pin it
 *
 * 'pg build IFACE' asks the ranking (lib/rank.c) for the best impl under
 * the local policy, builds it in the sandbox (the verify build cache), links
 * pg-build/<interface> to the build, and pins the choice in ./pg.lock.
 * 'pg build' alone rebuilds exactly what pg.lock pins, after checking every
 * pin against the store: nothing is built if any pin is missing, blocked or
 * does not match its impl.
 */
#include "cmd.h"
#include "config.h"
#include "lock.h"
#include "rank.h"
#include "verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* out/<interface name with :: as ->, a symbolic link to the build,
 * replaced atomically. */
static int link_build(const char *out, const char *ifname, const char *dir, char **path)
{
	char *base = pg_strdup(ifname);
	for (char *s = base; (s = strstr(s, "::"));)
		memmove(s, s + 1, strlen(s)), *s = '-';
	*path = pg_path_join(out, base);
	char *tmp = pg_asprintf("%s.tmp%ld", *path, (long)getpid());
	int err = pg_mkdir_p(out, 0755);
	unlink(tmp);
	if (err == 0 && (symlink(dir, tmp) < 0 || rename(tmp, *path) < 0)) {
		err = pg_error_set(PG_ERROR, "cannot link %s to the build: %s", *path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	free(base);
	return err;
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

	if (!argc) { /* exactly what the lock pins; check every pin first */
		pg_index_row *rows = pg_calloc(lock->n + 1, sizeof(*rows));
		size_t checked = 0;
		for (; checked < lock->n && err == 0; checked++)
			err = check_pin(ctx, lock, &lock->pins[checked], &rows[checked]);
		for (size_t i = 0; i < lock->n && err == 0; i++) {
			char *dir = NULL, *run = NULL, *path = NULL;
			const pg_pin *p = &lock->pins[i];
			if ((err = build_impl(ctx, &rows[i], cache, o.no_sandbox, &dir, &run)) == 0 &&
			    (err = link_build(o.out, p->interface, dir, &path)) == 0)
				built(ctx, p->interface, p->name, p->impl, path, run);
			free(dir);
			free(run);
			free(path);
		}
		for (size_t i = 0; i < checked; i++)
			pg_index_row_clear(&rows[i]);
		free(rows);
		if (err == 0 && !lock->n)
			info(ctx, "%s pins nothing", o.lock);
		goto done;
	}

	for (int i = 0; i < argc && err == 0; i++) {
		pg_index_row iface;
		pg_rank_row best;
		char *dir = NULL, *run = NULL, *path = NULL;
		if ((err = resolve_interface(ctx, &iface, argv[i])) < 0)
			break;
		memset(&best, 0, sizeof(best));
		if ((err = choose(ctx, &iface, &best)) == 0 &&
		    (err = build_impl(ctx, &best.impl, cache, o.no_sandbox, &dir, &run)) == 0 &&
		    (err = link_build(o.out, iface.name, dir, &path)) == 0) {
			pg_pin pin = { .interface = iface.name, .name = best.impl.name, .lang = best.impl.lang };
			memcpy(pin.iface_id, iface.id, sizeof(pin.iface_id));
			memcpy(pin.impl, best.impl.id, sizeof(pin.impl));
			memcpy(pin.payload, best.impl.payload, sizeof(pin.payload));
			for (size_t k = 0; k < lock->n; k++)
				if (!strcmp(lock->pins[k].iface_id, iface.id) && strcmp(lock->pins[k].impl, best.impl.id))
					info(ctx, "%s: was %s (%.12s), now %s (%.12s)", iface.name, lock->pins[k].name,
					     lock->pins[k].impl, best.impl.name, best.impl.id);
			pg_lock_set(lock, &pin);
			built(ctx, iface.name, best.impl.name, best.impl.id, path, run);
			if (best.status == PG_RANK_RANKED)
				info(ctx, "  chosen: rank 1, %.3f x baseline, from %zu claim%s by %zu signer%s", best.score,
				     best.claims, best.claims == 1 ? "" : "s", best.signers, best.signers == 1 ? "" : "s");
			else
				info(ctx, "  chosen: verified, but no bench claims rank it ('pg bench %s')", iface.name);
		}
		free(dir);
		free(run);
		free(path);
		pg_index_row_clear(&best.impl);
		pg_index_row_clear(&iface);
	}
	if (err == 0 && (err = pg_lock_save(lock)) == 0)
		info(ctx, "pinned in %s", o.lock);
done:
	free(cache);
	pg_lock_free(lock);
	return err < 0 ? report(err) : EXIT_OK;
}
