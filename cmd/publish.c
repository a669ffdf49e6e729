/* publish.c - pg publish: directories with pg.yaml become signed objects */
#include "cmd.h"
#include "par.h"
#include "spec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const examples[] = {
	"pg publish objects/geometry-circle/interface\tone directory",
	"pg publish -r objects/\tevery directory below with a pg.yaml, in one batch",
	"pg publish --dry-run my-impl\tcheck the manifest and payload, publish nothing",
	NULL,
};
static const struct cmd_help help = {
	"publish",
	"Turn directories with a pg.yaml into signed objects appended to your log, all in one entry",
	"pg publish [-r] [--dry-run] [--as KEY] DIR...", examples,
};

/* directories built and signed together (see cmd_publish) */
#define PUBLISH_CHUNK 256

struct jobs {
	char **dirs;
	size_t n;
};

static void add_job(struct jobs *j, const char *dir)
{
	j->dirs = pg_realloc(j->dirs, (j->n + 1) * sizeof(*j->dirs));
	j->dirs[j->n++] = pg_strdup(dir);
}

static int has_manifest(const char *dir)
{
	char *p = pg_path_join(dir, PG_MANIFEST_NAME);
	struct stat st;
	int r = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return r;
}

/* Every directory at or below dir holding a pg.yaml, in path order;
 * hidden directories are skipped, and a manifest's directory is not
 * searched further (its subdirectories are its payload). */
static void find_manifests(struct jobs *j, const char *dir, int depth)
{
	if (has_manifest(dir)) {
		add_job(j, dir);
		return;
	}
	char **names;
	size_t n;
	if (depth >= 32 || pg_dir_list(&names, &n, dir) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char *p = pg_path_join(dir, names[i]);
		struct stat st;
		if (names[i][0] != '.' && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			find_manifests(j, p, depth + 1);
		free(p);
	}
	pg_dir_list_free(names, n);
}

/* The interfaces this batch has staged, in order (the transaction's
 * objects: looking through all of them for each spec and impl made a batch
 * of 100 000 quadratic). */
struct batch_ifaces {
	const pg_object **o;
	size_t n;
};

/* The interface a manifest names: an id prefix, or a name that is staged
 * in this batch or known to the index (one author's newest, preferring
 * yours when several authors use the name). */
static int manifest_interface(struct pg_ctx *ctx, const struct batch_ifaces *bi, const pg_manifest *m,
			     const pg_key *me, char out[PG_HEX_LEN + 1])
{
	const char *ref = m->interface;
	size_t len = strlen(ref);
	char *where = pg_manifest_where(m, "interface");
	char mine[PG_HEX_LEN + 1];
	int err = 0;

	pg_hex(mine, me->pk, PG_PK_LEN);

	/* hex is an id prefix when it names an object; an interface may also be
	 * called "cafe", so a hex string that names none is tried as a name */
	if (len >= 4 && len <= PG_HEX_LEN && pg_is_hex(ref, len)) {
		uint8_t id[PG_ID_LEN];
		for (size_t i = 0; i < bi->n; i++) {
			pg_hex(out, bi->o[i]->id, PG_ID_LEN);
			if (!strncmp(out, ref, len))
				goto done;
		}
		if ((err = pg_index_resolve(ctx->index, id, ref, PG_T_INTERFACE)) == 0)
			pg_hex(out, id, PG_ID_LEN);
		if (err != PG_ENOTFOUND || pg_value_check(PG_F_IFNAME, ref, NULL) < 0)
			goto done;
		err = 0;
	}
	for (size_t i = bi->n; i-- > 0;) {
		if (!strcmp(pg_object_get(bi->o[i], "name"), ref)) {
			pg_hex(out, bi->o[i]->id, PG_ID_LEN);
			goto done;
		}
	}

	char *w = pg_asprintf("%s: ", where);
	err = resolve_interface_name(ctx, mine, ref, out, w);
	free(w);
done:
	if (err < 0 && !strstr(pg_error_last(), where))
		pg_error_prefix(err, "%s", where);
	free(where);
	return err;
}

/* Interfaces parsed in this batch, for its specs. */
struct staged {
	char (*ids)[PG_HEX_LEN + 1];
	pg_idl **idls;
	size_t n;
};

static void staged_free(struct staged *st)
{
	for (size_t i = 0; i < st->n; i++)
		pg_idl_free(st->idls[i]);
	free(st->ids);
	free(st->idls);
}

/* An interface must hold an interface.pgi that parses. */
static int check_interface(const pg_manifest *m, const pg_buf *payload, pg_idl **idl)
{
	pg_buf src = PG_BUF_INIT;
	char *file = pg_path_join(m->dir, PG_IDL_FILE);
	int err = pg_payload_read(&src, payload->ptr, payload->len, PG_IDL_FILE, PG_IDL_MAX_BYTES);
	if (err == PG_ENOTFOUND)
		err = pg_error_set(PG_EINVALID, "%s: an interface needs %s, the types and functions in pg's "
				   "interface language ('pg new interface' writes one)", m->path, PG_IDL_FILE);
	if (err == 0)
		err = pg_idl_parse(idl, src.ptr, src.len, file);
	pg_buf_free(&src);
	free(file);
	return err;
}

/* A spec's cases and a bench's workloads must fit their interface: every
 * call, argument, generator and expected value is checked against the
 * interface's types. */
static int check_spec(struct pg_ctx *ctx, const pg_manifest *m, const pg_buf *payload, const char *iface,
		      const struct staged *st)
{
	pg_idl *own = NULL;
	const pg_idl *idl = NULL;
	pg_buf src = PG_BUF_INIT;
	pg_spec *spec = NULL;
	pg_bench *b = NULL;
	char *file = pg_path_join(m->dir, m->type == PG_T_BENCH ? PG_BENCH_FILE : PG_SPEC_FILE);
	int err = 0;
	for (size_t i = 0; i < st->n && !idl; i++)
		if (!strcmp(st->ids[i], iface))
			idl = st->idls[i];
	if (!idl) {
		pg_index_row row;
		if ((err = pg_index_get(ctx->index, &row, iface)) < 0)
			goto done;
		err = load_idl(ctx, &own, &row);
		pg_index_row_clear(&row);
		if (err < 0)
			goto done;
		idl = own;
	}
	int bench = m->type == PG_T_BENCH;
	const char *want = bench ? PG_BENCH_FILE : PG_SPEC_FILE;
	err = pg_payload_read(&src, payload->ptr, payload->len, want, PG_YAML_MAX_BYTES);
	if (err == PG_ENOTFOUND)
		err = pg_error_set(PG_EINVALID, "%s: a %s needs %s with its %s ('pg new %s' writes one)", m->path,
				   bench ? "bench" : "spec", want, bench ? "workloads" : "cases", bench ? "bench" : "spec");
	if (err == 0 && bench)
		err = pg_bench_parse(&b, idl, src.ptr, src.len, file);
	else if (err == 0)
		err = pg_spec_parse(&spec, idl, src.ptr, src.len, file);
done:
	pg_bench_free(b);
	pg_spec_free(spec);
	pg_idl_free(own);
	pg_buf_free(&src);
	free(file);
	return err;
}

/* One directory of the batch on its way to the log: built (unsigned) in
 * order on one thread, then signed with the others of its chunk on every
 * core, then staged in order. */
struct job {
	const pg_manifest *m;
	pg_object *o;
	pg_buf payload;
	pg_idl *idl;             /* an interface's, for the batch's specs */
	char newest[PG_HEX_LEN + 1]; /* this author's newest of the type and name */
	int64_t newest_date;
	int unchanged;
	int err;                 /* signing's outcome, and its message */
	char *msg;
};

static void job_clear(struct job *j)
{
	pg_object_free(j->o);
	pg_buf_free(&j->payload);
	pg_idl_free(j->idl);
	free(j->msg);
	memset(j, 0, sizeof(*j));
}

/* Build the object a manifest describes, unsigned, and find this author's
 * newest object of the same type and name, if any. */
static int build(struct pg_ctx *ctx, const struct batch_ifaces *bi, const pg_key *me, struct job *j,
		 struct staged *st)
{
	const pg_manifest *m = j->m;
	char iface[PG_HEX_LEN + 1], pid[PG_HEX_LEN + 1], pfield[PG_HEX_LEN + 32];
	uint8_t h[PG_ID_LEN];
	int err;
	if (m->interface && (err = manifest_interface(ctx, bi, m, me, iface)) < 0)
		return err;
	if ((err = pg_payload_create(&j->payload, m->dir, (const char *const *)m->files,
				     m->files ? NULL : pg_manifest_filter, NULL)) < 0)
		return err;
	if (m->type == PG_T_INTERFACE && (err = check_interface(m, &j->payload, &j->idl)) < 0)
		return err;
	if ((m->type == PG_T_SPEC || m->type == PG_T_BENCH) && (err = check_spec(ctx, m, &j->payload, iface, st)) < 0)
		return err;
	pg_hash(h, j->payload.ptr, j->payload.len);
	pg_hex(pid, h, PG_ID_LEN);
	snprintf(pfield, sizeof(pfield), "%s %zu", pid, j->payload.len);
	pg_object *o = j->o = pg_object_new(m->type, me->pk, pg_now());
	pg_object_add(o, "name", m->name);
	if (m->baseline)
		pg_object_add(o, "baseline", m->baseline);
	if (m->interface)
		pg_object_add(o, "interface", iface);
	if (m->lang)
		pg_object_add(o, "lang", m->lang);
	if (m->build)
		pg_object_add(o, "build", m->build);
	if (m->run)
		pg_object_add(o, "run", m->run);
	pg_object_add(o, "payload", pfield);
	if (m->description)
		pg_object_set_body(o, m->description, strlen(m->description));
	char mehex[PG_HEX_LEN + 1];
	pg_hex(mehex, me->pk, PG_PK_LEN);
	struct candidates c;
	memset(&c, 0, sizeof(c));
	pg_query q = { .type = pg_otype_name(m->type), .name = m->name, .author = mehex };
	if (m->type != PG_T_INTERFACE && strpbrk(m->name, "*?[")) /* labels hold none of these */
		q.name = NULL;
	if (q.name && pg_index_query(ctx->index, &q, collect_candidates, &c) == 0 && *c.newest.id) {
		memcpy(j->newest, c.newest.id, sizeof(j->newest));
		j->newest_date = c.newest.date;
	}
	free(c.seen);
	return 0;
}

struct signing {
	struct job *jobs;
	const uint8_t *sk;
};

/* Sign job i (on any thread).  It is unchanged when the same contents
 * under the newest one's date give the newest one's id (Ed25519 is
 * deterministic): publishing it again would add nothing. */
static void sign_job(void *data, size_t i, unsigned w)
{
	struct signing *sg = data;
	struct job *j = &sg->jobs[i];
	pg_object *o = j->o;
	int err;
	(void)w;
	if (*j->newest) {
		int64_t now = o->date;
		o->date = j->newest_date;
		if (pg_object_sign(o, sg->sk) == 0) {
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, o->id, PG_ID_LEN);
			j->unchanged = !strcmp(hex, j->newest);
		}
		o->date = now;
	}
	if ((err = pg_object_sign(o, sg->sk)) < 0) {
		pg_error_prefix(err, "%s", j->m->path);
		j->err = err;
		j->msg = pg_strdup(pg_error_last());
	}
}

static int cmp_jobs(const void *a, const void *b)
{
	const pg_manifest *x = *(pg_manifest *const *)a, *y = *(pg_manifest *const *)b;
	/* interfaces first, so the batch's specs and impls can name them */
	if ((x->type == PG_T_INTERFACE) != (y->type == PG_T_INTERFACE))
		return x->type == PG_T_INTERFACE ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

int cmd_publish(int argc, const char **argv, struct pg_ctx *ctx)
{
	int recursive = 0, dry_run = 0, err = 0;
	const char *as = NULL;
	const struct option opts[] = {
		OPT_BOOL('r', "recursive", &recursive, "publish every directory below DIR that has a pg.yaml"),
		OPT_BOOL('n', "dry-run", &dry_run, "check everything, publish nothing"),
		OPT_STRING(0, "as", &as, "KEY", "sign as this identity instead of the one in use"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "say nothing on stderr; stdout still lists what was published"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc == 0)
		return usage_error(&help, opts, "name at least one directory");

	struct jobs jobs = { NULL, 0 };
	for (int i = 0; i < argc; i++) {
		size_t before = jobs.n;
		if (recursive)
			find_manifests(&jobs, argv[i], 0);
		else if (has_manifest(argv[i]))
			add_job(&jobs, argv[i]);
		else
			err = pg_error_set(PG_ENOTFOUND, "'%s' has no %s%s", argv[i], PG_MANIFEST_NAME,
					   recursive ? "" : " (with -r, every directory below it that has one)");
		if (err == 0 && jobs.n == before)
			err = pg_error_set(PG_ENOTFOUND, "no %s at or below '%s'", PG_MANIFEST_NAME, argv[i]);
		if (err < 0)
			break;
	}

	pg_manifest **ms = pg_calloc(jobs.n ? jobs.n : 1, sizeof(*ms));
	for (size_t i = 0; i < jobs.n && err == 0; i++)
		err = pg_manifest_load(&ms[i], jobs.dirs[i]);
	if (err == 0 && jobs.n)
		qsort(ms, jobs.n, sizeof(*ms), cmp_jobs);

	pg_key *me = NULL;
	pg_txn *t = NULL;
	pg_buf idobj = PG_BUF_INIT, out = PG_BUF_INIT;
	size_t added = 0, same = 0;
	struct staged staged = { NULL, NULL, 0 };
	if (err == 0 && (err = unlock_identity(ctx, &me, as)) == 0 &&
	    (err = pg_key_identity(&idobj, ctx->home, me->pk)) == 0)
		err = pg_txn_begin(&t, ctx->store, me, &idobj);
	/* in chunks, so that at most a chunk's payloads wait outside the
	 * transaction; the batch's interfaces are a chunk of their own, as its
	 * specs and impls may name them */
	size_t nif = 0;
	while (err == 0 && nif < jobs.n && ms[nif]->type == PG_T_INTERFACE)
		nif++;
	struct job *chunk = pg_calloc(PUBLISH_CHUNK, sizeof(*chunk));
	struct batch_ifaces bi = { NULL, 0 };
	for (size_t from = 0; from < jobs.n && err == 0;) {
		size_t to = from + PUBLISH_CHUNK < jobs.n ? from + PUBLISH_CHUNK : jobs.n;
		if (from < nif && to > nif)
			to = nif;
		size_t k = 0;
		for (; from + k < to && err == 0; k++) {
			chunk[k].m = ms[from + k];
			err = build(ctx, &bi, me, &chunk[k], &staged);
		}
		if (err == 0) {
			struct signing sg = { chunk, me->sk };
			pg_par_run(k, sign_job, &sg);
		}
		for (size_t i = 0; i < k && err == 0; i++) {
			struct job *j = &chunk[i];
			const pg_manifest *m = j->m;
			if (j->err) {
				err = pg_error_set(j->err, "%s", j->msg);
				break;
			}
			if (j->idl) {
				staged.ids = pg_realloc(staged.ids, (staged.n + 1) * sizeof(*staged.ids));
				staged.idls = pg_realloc(staged.idls, (staged.n + 1) * sizeof(*staged.idls));
				pg_hex(staged.ids[staged.n], j->o->id, PG_ID_LEN);
				staged.idls[staged.n++] = j->idl;
				j->idl = NULL;
			}
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, j->o->id, PG_ID_LEN);
			const char *type = pg_otype_name(j->o->type);
			if (j->unchanged) {
				info(ctx, "unchanged: %s %s (%s) is already published", type, m->name, m->dir);
				same++;
				continue;
			}
			pg_object *o = j->o;
			j->o = NULL; /* the transaction takes it */
			if ((err = pg_txn_add(t, o, j->payload.ptr, j->payload.len)) < 0)
				break;
			if (err == 1) { /* the very same object is in the log already */
				info(ctx, "unchanged: %s %s (%s) is already published", type, m->name, m->dir);
				err = 0;
				same++;
				continue;
			}
			if (o->type == PG_T_INTERFACE) { /* staged last, and the transaction's now */
				bi.o = pg_realloc(bi.o, (bi.n + 1) * sizeof(*bi.o));
				bi.o[bi.n++] = o;
			}
			/* printed only once the ref has moved: a script must never read an
			 * id that was not published */
			pg_buf_printf(&out, "%s%s%s %s %s\n", color(ctx, C_ID), hex, color(ctx, C_RESET), type, m->name);
			added++;
		}
		for (size_t i = 0; i < k; i++)
			job_clear(&chunk[i]);
		from += k;
	}
	free(chunk);
	free(bi.o);
	if (err == 0 && !dry_run)
		err = pg_txn_commit(t);
	if (err == 0 && out.len)
		fwrite(out.ptr, 1, out.len, stdout);
	if (err < 0) {
		report(err);
		info(ctx, "nothing was published");
	} else {
		info(ctx, "%s %zu object%s as %s%s", dry_run ? "would publish" : "published", added,
		     added == 1 ? "" : "s", me->name, same ? " (the rest unchanged)" : "");
	}
	staged_free(&staged);
	pg_txn_free(t);
	pg_key_free(me);
	pg_buf_free(&idobj);
	pg_buf_free(&out);
	for (size_t i = 0; i < jobs.n; i++) {
		pg_manifest_free(ms[i]);
		free(jobs.dirs[i]);
	}
	free(ms);
	free(jobs.dirs);
	if (err < 0)
		return pg_exit_code(err);
	/* the index learns about the new entry now, not at the next command */
	if (!dry_run && added && (err = sync_index(ctx)) < 0)
		return report(err);
	return EXIT_OK;
}
