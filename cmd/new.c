/* new.c - pg new: scaffold an interface, a spec or an impl
 *
 * Every scaffold is written into a temporary sibling and renamed into
 * place, so an interrupted `pg new` leaves nothing half-made, and an
 * existing directory is never touched.
 */
#include "cmd.h"
#include "gen.h"
#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const examples[] = {
	"pg new interface geometry::circle\tcircle-iface/: interface.pgi, README.md, pg.yaml",
	"pg new impl geometry::circle --lang c\tcircle-c/: bindings, runtime, impl.c to fill in",
	"pg new impl geometry::circle --lang python\tcircle-python/: the same in Python",
	"pg new spec geometry::circle\tcircle-spec/: cases.yaml with one example per function",
	"pg new bench geometry::circle\tcircle-bench/: workload.yaml timing each function",
	NULL,
};
static const struct cmd_help help = {
	"new", "Scaffold a directory for a new interface, spec, implementation or bench, ready for 'pg publish'",
	"pg new interface NAME [DIR]\n"
	"   or: pg new impl INTERFACE --lang c|python [--name NAME] [DIR]\n"
	"   or: pg new spec INTERFACE [--name NAME] [DIR]\n"
	"   or: pg new bench INTERFACE [--name NAME] [DIR]",
	examples,
};

struct scaffold {
	char *tmp;
	const char *dir;
};

static int put(struct scaffold *s, const char *name, const char *text, size_t len, int mode)
{
	char *p = pg_path_join(s->tmp, name);
	int err = pg_write_file_atomic(p, text, len, mode);
	free(p);
	return err;
}

static int begin(struct scaffold *s, const char *dir)
{
	struct stat st;
	s->dir = dir;
	if (lstat(dir, &st) == 0)
		return pg_error_set(PG_EEXISTS, "'%s' already exists; name a new directory", dir);
	s->tmp = pg_asprintf("%s.pg-tmp%ld", dir, (long)getpid());
	pg_rmtree(s->tmp);
	if (pg_mkdir_p(s->tmp, 0755) < 0)
		return pg_error_set(PG_ERROR, "cannot create '%s': %s", s->tmp, strerror(errno));
	return 0;
}

/* Rename the finished scaffold into place and name it on stdout. */
static int finish(struct scaffold *s, int err)
{
	if (err == 0 && rename(s->tmp, s->dir) < 0)
		err = pg_error_set(PG_ERROR, "cannot create '%s': %s", s->dir, strerror(errno));
	if (err == 0)
		printf("%s/\n", s->dir);
	if (s->tmp)
		pg_rmtree(s->tmp);
	free(s->tmp);
	return err;
}

/* A template with {{name}} and {{Base}} filled in. */
static void fill(pg_buf *out, const char *tmpl, const char *name)
{
	const char *base = pg_gen_base(name);
	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "{{name}}", 8)) {
			pg_buf_puts(out, name);
			p += 8;
		} else if (!strncmp(p, "{{Base}}", 8)) {
			int up = 1;
			for (const char *b = base; *b; b++) {
				if (*b == '_') {
					up = 1;
					continue;
				}
				pg_buf_putc(out, up ? (char)toupper((unsigned char)*b) : *b);
				up = 0;
			}
			p += 8;
		} else {
			pg_buf_putc(out, *p++);
		}
	}
}

static int new_interface(const char *name, const char *dir)
{
	static const char *const files[] = { "interface.pgi", "README.md", "pg.yaml", NULL };
	struct scaffold s = { NULL, NULL };
	int err;
	if (pg_value_check(PG_F_IFNAME, name, NULL) < 0)
		return pg_error_set(PG_EINVALID, "'%s' is not an interface name: lowercase segments joined by "
				    "'::', like geometry::circle", name);
	char *d = dir ? pg_strdup(dir) : pg_asprintf("%s-iface", pg_gen_base(name));
	if ((err = begin(&s, d)) == 0)
		for (const char *const *f = files; *f && err == 0; f++) {
			char *path = pg_asprintf("interface/%s", *f);
			pg_buf b = PG_BUF_INIT;
			fill(&b, pg_template(path, NULL), name);
			err = put(&s, *f, b.ptr, b.len, 0644);
			pg_buf_free(&b);
			free(path);
		}
	err = finish(&s, err);
	free(d);
	return err;
}

static void yaml_id_line(pg_buf *b, const char *name, const char *id)
{
	if (*id)
		pg_buf_printf(b, "interface: %s  # %s\n", id, name);
	else
		pg_buf_printf(b, "interface: %s\n", name);
}

static int new_impl(const pg_idl *idl, const char *ifname, const char *id, pg_lang lang, const char *name,
		    const char *dir)
{
	const pg_lang_info *li = pg_lang_get(lang);
	struct scaffold s = { NULL, NULL };
	pg_buf b = PG_BUF_INIT;
	char *d = dir ? pg_strdup(dir) : pg_asprintf("%s-%s", pg_gen_base(ifname), li->name);
	char *n = name ? pg_strdup(name) : pg_asprintf("%s-%s", pg_gen_base(ifname), li->name);
	int err;
	if (pg_value_check(PG_F_LABEL, n, NULL) < 0) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a valid impl name (letters, digits, . _ + -)", n);
		goto out;
	}
	if ((err = begin(&s, d)) < 0)
		goto out;
	for (const char *const *f = li->runtime; *f && err == 0; f++) {
		char *path = pg_asprintf("%s/%s", li->name, *f);
		size_t len;
		const char *text = pg_template(path, &len);
		err = text ? put(&s, *f, text, len, 0644)
			   : pg_error_set(PG_ERROR, "pg was built without templates/%s", path);
		free(path);
	}
	if (err == 0) {
		char *file = pg_asprintf("%s.%s", pg_gen_base(ifname), lang == PG_LANG_C ? "h" : "py");
		pg_gen_bindings(&b, lang, idl, ifname, *id ? id : NULL);
		err = put(&s, file, b.ptr, b.len, 0644);
		free(file);
	}
	if (err == 0) {
		pg_buf_clear(&b);
		pg_gen_skeleton(&b, lang, idl, ifname);
		err = put(&s, li->skeleton, b.ptr, b.len, 0644);
	}
	if (err == 0) {
		pg_buf_clear(&b);
		pg_buf_printf(&b, "type: impl\nname: %s\n", n);
		yaml_id_line(&b, ifname, id);
		pg_buf_printf(&b, "lang: %s\n", li->name);
		if (li->build)
			pg_buf_printf(&b, "build: %s\n", li->build);
		pg_buf_printf(&b, "run: %s\n", li->run);
		pg_buf_printf(&b, "description: |\n  %s in %s: say what is special about this one.\n", ifname,
			      lang == PG_LANG_C ? "C" : "Python");
		err = put(&s, PG_MANIFEST_NAME, b.ptr, b.len, 0644);
	}
	err = finish(&s, err);
out:
	pg_buf_free(&b);
	free(d);
	free(n);
	return err;
}

/* "[a, b]": the default value of each argument, as YAML. */
static void default_args(pg_buf *b, const pg_fn *fn)
{
	pg_buf_putc(b, '[');
	for (size_t a = 0; a < pg_fn_arity(fn); a++) {
		json_t *v = pg_wire_default(pg_fn_arg_type(fn, a));
		pg_buf_puts(b, a ? ", " : "");
		pg_spec_yaml_value(b, pg_fn_arg_type(fn, a), v);
		json_decref(v);
	}
	pg_buf_putc(b, ']');
}

static int new_bench(const pg_idl *idl, const char *ifname, const char *id, const char *name, const char *dir)
{
	struct scaffold s = { NULL, NULL };
	pg_buf b = PG_BUF_INIT;
	char *d = dir ? pg_strdup(dir) : pg_asprintf("%s-bench", pg_gen_base(ifname));
	char *n = name ? pg_strdup(name) : pg_asprintf("%s-bench", pg_gen_base(ifname));
	int err;
	if (pg_value_check(PG_F_LABEL, n, NULL) < 0) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a valid bench name (letters, digits, . _ + -)", n);
		goto out;
	}
	if ((err = begin(&s, d)) < 0)
		goto out;
	pg_buf_printf(&b, "# What 'pg bench' times for %s: each verified impl against the\n"
			  "# baseline, in turns.  'pg publish' checks every call against the\n"
			  "# interface.  See 'man pg-bench' for the whole format.\n"
			  "# baseline: IMPL-NAME   # default: the interface's baseline\n"
			  "samples: 15        # timed rounds per workload (10 to 100)\n"
			  "warmup: 3          # untimed rounds first\n"
			  "workloads:\n", ifname);
	for (size_t i = 0; i < idl->nfns; i++) {
		const pg_fn *fn = &idl->fns[i];
		pg_buf_printf(&b, "  - description: \"%s on one input; say what it represents\"\n"
				  "    call: %s\n    args: ", fn->call, fn->call);
		default_args(&b, fn);
		pg_buf_printf(&b, "\n  - description: \"%s on generated inputs\"\n"
				  "    call: %s\n    count: 16         # calls, made by the spec generators\n"
				  "    seed: 1\n", fn->call, fn->call);
	}
	err = put(&s, PG_BENCH_FILE, b.ptr, b.len, 0644);
	if (err == 0) {
		pg_buf_clear(&b);
		pg_buf_printf(&b, "type: bench\nname: %s\n", n);
		yaml_id_line(&b, ifname, id);
		pg_buf_printf(&b, "description: |\n  What this workload represents for %s.\n", ifname);
		err = put(&s, PG_MANIFEST_NAME, b.ptr, b.len, 0644);
	}
	err = finish(&s, err);
out:
	pg_buf_free(&b);
	free(d);
	free(n);
	return err;
}

static int new_spec(const pg_idl *idl, const char *ifname, const char *id, const char *name, const char *dir)
{
	struct scaffold s = { NULL, NULL };
	pg_buf b = PG_BUF_INIT;
	char *d = dir ? pg_strdup(dir) : pg_asprintf("%s-spec", pg_gen_base(ifname));
	char *n = name ? pg_strdup(name) : pg_asprintf("%s-spec", pg_gen_base(ifname));
	int err;
	if (pg_value_check(PG_F_LABEL, n, NULL) < 0) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a valid spec name (letters, digits, . _ + -)", n);
		goto out;
	}
	if ((err = begin(&s, d)) < 0)
		goto out;
	pg_buf_printf(&b, "# Cases every implementation of %s must pass.\n"
			  "# 'pg publish' checks each value against the interface; 'pg verify'\n"
			  "# runs them.  See 'man pg-verify' for the whole format.\n"
			  "tolerance: 0       # how far apart two floats may be (abs and rel)\n"
			  "timeout: 5         # seconds one call may take\n"
			  "cases:\n", ifname);
	for (size_t i = 0; i < idl->nfns; i++) {
		const pg_fn *fn = &idl->fns[i];
		const char *nl = fn->doc ? strchr(fn->doc, '\n') : NULL;
		if (fn->doc)
			pg_buf_printf(&b, "  # %.*s\n", nl ? (int)(nl - fn->doc) : (int)strlen(fn->doc), fn->doc);
		pg_buf_printf(&b, "  - description: \"%s: a first example; say what it shows\"\n"
				  "    call: %s\n    args: ", fn->call, fn->call);
		default_args(&b, fn);
		pg_buf_puts(&b, "\n    expect: ");
		if (fn->ret) {
			json_t *v = pg_wire_default(fn->ret);
			pg_spec_yaml_value(&b, fn->ret, v);
			json_decref(v);
		} else {
			pg_buf_puts(&b, "null");
		}
		pg_buf_puts(&b, fn->ret ? "    # a placeholder: write the answer a correct implementation gives\n" : "\n");
	}
	if (idl->nfns && idl->fns[0].ret)
		pg_buf_printf(&b, "# random:\n"
				  "#   - description: agrees with the reference on random inputs\n"
				  "#     call: %s\n"
				  "#     count: 1000\n"
				  "#     seed: 1\n"
				  "#     reference: NAME-OF-A-TRUSTED-IMPL   # or leave out: the majority decides\n"
				  "# scripts:\n"
				  "#   - description: what data cannot say\n"
				  "#     run: sh check.sh    # $PG_IMPL starts the implementation\n"
				  "#     format: tap\n", idl->fns[0].call);
	err = put(&s, PG_SPEC_FILE, b.ptr, b.len, 0644);
	if (err == 0) {
		pg_buf_clear(&b);
		pg_buf_printf(&b, "type: spec\nname: %s\n", n);
		yaml_id_line(&b, ifname, id);
		pg_buf_printf(&b, "description: |\n  What these cases pin down about %s.\n", ifname);
		err = put(&s, PG_MANIFEST_NAME, b.ptr, b.len, 0644);
	}
	err = finish(&s, err);
out:
	pg_buf_free(&b);
	free(d);
	free(n);
	return err;
}

int cmd_new(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *lang = NULL, *name = NULL;
	const struct option opts[] = {
		OPT_STRING('l', "lang", &lang, "LANG", "impl: the language (c or python)"),
		OPT_STRING(0, "name", &name, "NAME", "the new object's name (default: from the interface)"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc < 2 || argc > 3)
		return usage_error(&help, opts, "'pg new' needs what to make (interface, spec, impl or bench) and a name");
	const char *what = argv[0], *dir = argc == 3 ? argv[2] : NULL;
	int err;
	if (!strcmp(what, "interface")) {
		if (lang || name)
			return usage_error(&help, opts, "an interface takes no --lang or --name (its name is the argument)");
		err = new_interface(argv[1], dir);
		return err < 0 ? report(err) : EXIT_OK;
	}
	if (strcmp(what, "impl") && strcmp(what, "spec") && strcmp(what, "bench"))
		return usage_error(&help, opts, "cannot make a '%s': interface, spec, impl or bench", what);
	int l = -1;
	if (!strcmp(what, "impl")) {
		if (!lang)
			return usage_error(&help, opts, "an impl needs --lang (c or python)");
		if ((l = pg_lang_parse(lang)) < 0)
			return usage_error(&help, opts, "no templates for '%s' (c or python)", lang);
	} else if (lang) {
		return usage_error(&help, opts, "a %s takes no --lang", what);
	}
	pg_idl *idl;
	char *ifname, id[PG_HEX_LEN + 1];
	if ((err = load_interface_arg(ctx, argv[1], &idl, &ifname, id)) < 0)
		return report(err);
	if (l >= 0)
		err = new_impl(idl, ifname, id, (pg_lang)l, name, dir);
	else if (!strcmp(what, "bench"))
		err = new_bench(idl, ifname, id, name, dir);
	else
		err = new_spec(idl, ifname, id, name, dir);
	pg_idl_free(idl);
	free(ifname);
	return err < 0 ? report(err) : EXIT_OK;
}
