/* publish.c - pg publish: directories with pg.yaml become signed objects */
#include "cmd.h"
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

/* The interface a manifest names: an id prefix, or a name that is staged
 * in this batch or known to the index (one author's newest, preferring
 * yours when several authors use the name). */
static int manifest_interface(struct pg_ctx *ctx, pg_txn *t, const pg_manifest *m, const pg_key *me,
			     char out[PG_HEX_LEN + 1])
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
		for (size_t i = 0; i < pg_txn_count(t); i++) {
			const pg_object *o = pg_txn_object(t, i);
			pg_hex(out, o->id, PG_ID_LEN);
			if (o->type == PG_T_INTERFACE && !strncmp(out, ref, len))
				goto done;
		}
		if ((err = pg_index_resolve(ctx->index, id, ref, PG_T_INTERFACE)) == 0)
			pg_hex(out, id, PG_ID_LEN);
		if (err != PG_ENOTFOUND || pg_value_check(PG_F_IFNAME, ref, NULL) < 0)
			goto done;
		err = 0;
	}
	for (size_t i = pg_txn_count(t); i-- > 0;) {
		const pg_object *o = pg_txn_object(t, i);
		if (o->type == PG_T_INTERFACE && !strcmp(pg_object_get(o, "name"), ref)) {
			pg_hex(out, o->id, PG_ID_LEN);
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

/* Build and sign the object a manifest describes.  *unchanged is set when
 * the newest object of the same type and name by this author has exactly
 * these contents: publishing it again would add nothing. */
static int build(struct pg_ctx *ctx, pg_txn *t, const pg_key *me, const pg_manifest *m,
		 pg_object **out, pg_buf *payload, int *unchanged, struct staged *st)
{
	pg_idl *idl = NULL;
	char iface[PG_HEX_LEN + 1], pid[PG_HEX_LEN + 1], pfield[PG_HEX_LEN + 32];
	uint8_t h[PG_ID_LEN];
	int err;
	*out = NULL;
	*unchanged = 0;
	if (m->interface && (err = manifest_interface(ctx, t, m, me, iface)) < 0)
		return err;
	if ((err = pg_payload_create(payload, m->dir, (const char *const *)m->files,
				     m->files ? NULL : pg_manifest_filter, NULL)) < 0)
		return err;
	if (m->type == PG_T_INTERFACE && (err = check_interface(m, payload, &idl)) < 0)
		return err;
	if ((m->type == PG_T_SPEC || m->type == PG_T_BENCH) && (err = check_spec(ctx, m, payload, iface, st)) < 0)
		return err;
	pg_hash(h, payload->ptr, payload->len);
	pg_hex(pid, h, PG_ID_LEN);
	snprintf(pfield, sizeof(pfield), "%s %zu", pid, payload->len);

	pg_object *o = pg_object_new(m->type, me->pk, pg_now());
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

	/* the same contents under the previous date give the previous id */
	char mehex[PG_HEX_LEN + 1];
	pg_hex(mehex, me->pk, PG_PK_LEN);
	struct candidates c;
	memset(&c, 0, sizeof(c));
	pg_query q = { .type = pg_otype_name(m->type), .name = m->name, .author = mehex };
	if (m->type != PG_T_INTERFACE && strpbrk(m->name, "*?[")) /* labels hold none of these */
		q.name = NULL;
	if (q.name && pg_index_query(ctx->index, &q, collect_candidates, &c) == 0 && *c.newest.id) {
		int64_t now = o->date;
		o->date = c.newest.date;
		if (pg_object_sign(o, me->sk) == 0) {
			char hex[PG_HEX_LEN + 1];
			pg_hex(hex, o->id, PG_ID_LEN);
			*unchanged = !strcmp(hex, c.newest.id);
		}
		o->date = now;
	}
	free(c.seen);
	if ((err = pg_object_sign(o, me->sk)) < 0) {
		pg_object_free(o);
		pg_idl_free(idl);
		return pg_error_prefix(err, "%s", m->path);
	}
	if (idl) {
		st->ids = pg_realloc(st->ids, (st->n + 1) * sizeof(*st->ids));
		st->idls = pg_realloc(st->idls, (st->n + 1) * sizeof(*st->idls));
		pg_hex(st->ids[st->n], o->id, PG_ID_LEN);
		st->idls[st->n++] = idl;
	}
	*out = o;
	return 0;
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
	pg_buf idobj = PG_BUF_INIT, payload = PG_BUF_INIT, out = PG_BUF_INIT;
	size_t added = 0, same = 0;
	struct staged staged = { NULL, NULL, 0 };
	if (err == 0 && (err = unlock_identity(ctx, &me, as)) == 0 &&
	    (err = pg_key_identity(&idobj, ctx->home, me->pk)) == 0)
		err = pg_txn_begin(&t, ctx->store, me, &idobj);
	for (size_t i = 0; i < jobs.n && err == 0; i++) {
		pg_object *o;
		int unchanged;
		if ((err = build(ctx, t, me, ms[i], &o, &payload, &unchanged, &staged)) < 0)
			break;
		char hex[PG_HEX_LEN + 1];
		pg_hex(hex, o->id, PG_ID_LEN);
		const char *type = pg_otype_name(o->type);
		if (unchanged) {
			info(ctx, "unchanged: %s %s (%s) is already published", type, ms[i]->name, ms[i]->dir);
			pg_object_free(o);
			same++;
			continue;
		}
		if ((err = pg_txn_add(t, o, payload.ptr, payload.len)) < 0)
			break;
		if (err == 1) { /* the very same object is in the log already */
			info(ctx, "unchanged: %s %s (%s) is already published", type, ms[i]->name, ms[i]->dir);
			err = 0;
			same++;
			continue;
		}
		/* printed only once the ref has moved: a script must never read an
		 * id that was not published */
		pg_buf_printf(&out, "%s%s%s %s %s\n", color(ctx, C_ID), hex, color(ctx, C_RESET), type, ms[i]->name);
		added++;
	}
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
	pg_buf_free(&payload);
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
