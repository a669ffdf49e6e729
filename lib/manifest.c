/* manifest.c - load and check pg.yaml */
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define T(x) (1u << (x))
#define PUBLISHABLE (T(PG_T_INTERFACE) | T(PG_T_SPEC) | T(PG_T_IMPL) | T(PG_T_BENCH))
#define LINKED (T(PG_T_SPEC) | T(PG_T_IMPL) | T(PG_T_BENCH))

/* Every key pg.yaml may have: which types take it, which need it. */
static const struct mfield {
	const char *key;
	int list;          /* a sequence of strings rather than a string */
	unsigned allowed;  /* types that take it */
	unsigned required; /* types that need it */
} mfields[] = {
	{ "type", 0, PUBLISHABLE, PUBLISHABLE },
	{ "name", 0, PUBLISHABLE, PUBLISHABLE },
	{ "interface", 0, LINKED, LINKED },
	{ "lang", 0, T(PG_T_IMPL), T(PG_T_IMPL) },
	{ "baseline", 0, T(PG_T_INTERFACE), 0 },
	{ "build", 0, T(PG_T_IMPL), 0 },
	{ "run", 0, T(PG_T_IMPL), T(PG_T_IMPL) },
	{ "description", 0, PUBLISHABLE, 0 },
	{ "files", 1, PUBLISHABLE, 0 },
	{ NULL, 0, 0, 0 },
};

static int at(const pg_manifest *m, const pg_yaml *y, const char *fmt, const char *a, const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a, b);
	return pg_error_set(PG_EINVALID, "%s:%zu:%zu: %s", m->path, y->line, y->col, msg);
}

char *pg_manifest_where(const pg_manifest *m, const char *key)
{
	const pg_yaml *y = key ? pg_yaml_get(m->doc, key) : NULL;
	if (!y)
		y = m->doc;
	return pg_asprintf("%s:%zu:%zu", m->path, y->line, y->col);
}

int pg_manifest_filter(const char *relpath, int is_dir, void *data)
{
	(void)is_dir;
	(void)data;
	const char *base = strrchr(relpath, '/');
	base = base ? base + 1 : relpath;
	if (base[0] == '.')
		return 0;
	return strcmp(relpath, PG_MANIFEST_NAME) != 0;
}

static const char *kind_name(pg_yaml_kind k)
{
	return k == PG_YAML_SCALAR ? "a string" : k == PG_YAML_SEQ ? "a list" : "a mapping";
}

static int check_files(pg_manifest *m, const pg_yaml *seq)
{
	m->files = pg_calloc(seq->n + 1, sizeof(char *));
	for (size_t i = 0; i < seq->n; i++) {
		const pg_yaml *f = seq->items[i];
		if (f->kind != PG_YAML_SCALAR)
			return at(m, f, "files: each entry must be a path, not %s", kind_name(f->kind), NULL);
		const char *p = f->value;
		if (!*p || p[0] == '/' || !strcmp(p, "..") || !strncmp(p, "../", 3) || strstr(p, "/../") ||
		    (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")) || p[strlen(p) - 1] == '/')
			return at(m, f, "files: '%s' must be a relative path inside the directory, without '..'", p, NULL);
		if (!strcmp(p, PG_MANIFEST_NAME))
			return at(m, f, "files: '%s' is the manifest itself; list only payload files", p, NULL);
		char *full = pg_path_join(m->dir, p);
		struct stat st;
		int missing = lstat(full, &st) < 0;
		free(full);
		if (missing)
			return at(m, f, "files: '%s' does not exist in the directory", p, NULL);
		m->files[i] = pg_strdup(p);
	}
	return 0;
}

int pg_manifest_load(pg_manifest **out, const char *dir)
{
	pg_manifest *m = pg_calloc(1, sizeof(*m));
	int err;
	*out = NULL;
	m->dir = pg_strdup(dir);
	m->path = pg_path_join(dir, PG_MANIFEST_NAME);
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err = pg_error_set(PG_ENOTFOUND, "'%s' is not a directory", dir);
		goto fail;
	}
	if (stat(m->path, &st) < 0) {
		err = pg_error_set(PG_ENOTFOUND, "'%s' has no %s; create one (see 'pg help publish')",
				   dir, PG_MANIFEST_NAME);
		goto fail;
	}
	if ((err = pg_yaml_load(&m->doc, m->path)) < 0)
		goto fail;
	if (m->doc->kind != PG_YAML_MAP) {
		err = at(m, m->doc, "expected a mapping of fields (type, name, ...), found %s",
			 kind_name(m->doc->kind), NULL);
		goto fail;
	}

	const pg_yaml *type = pg_yaml_get(m->doc, "type");
	if (!type) {
		err = at(m, m->doc, "missing field 'type' (interface, spec, impl or bench)", NULL, NULL);
		goto fail;
	}
	if (type->kind != PG_YAML_SCALAR) {
		err = at(m, type, "'type' must be a string, not %s", kind_name(type->kind), NULL);
		goto fail;
	}
	m->type = pg_otype_parse(type->value);
	if (m->type == PG_T_NONE || !(PUBLISHABLE & T(m->type))) {
		err = at(m, type, "unknown type '%s' (expected interface, spec, impl or bench)", type->value, NULL);
		goto fail;
	}

	for (size_t i = 0; i < m->doc->n; i += 2) {
		const pg_yaml *k = m->doc->items[i], *v = m->doc->items[i + 1];
		const struct mfield *f = mfields;
		while (f->key && strcmp(f->key, k->value))
			f++;
		if (!f->key) {
			err = at(m, k, "unknown field '%s' (expected type, name, interface, baseline, "
				 "lang, build, run, description or files)", k->value, NULL);
			goto fail;
		}
		if (!(f->allowed & T(m->type))) {
			err = at(m, k, "field '%s' does not apply to %s manifests", k->value, type->value);
			goto fail;
		}
		if (f->list ? v->kind != PG_YAML_SEQ : v->kind != PG_YAML_SCALAR) {
			err = at(m, v, "'%s' must be %s", f->key, f->list ? "a list of paths" : "a string");
			goto fail;
		}
	}
	for (const struct mfield *f = mfields; f->key; f++)
		if ((f->required & T(m->type)) && !pg_yaml_get(m->doc, f->key)) {
			err = at(m, m->doc, "missing field '%s' (required for %s)", f->key, type->value);
			goto fail;
		}

	const pg_yaml *y;
	if ((y = pg_yaml_get(m->doc, "name"))) {
		m->name = pg_strdup(y->value);
		if ((err = pg_value_check(m->type == PG_T_INTERFACE ? PG_F_IFNAME : PG_F_LABEL, m->name, NULL)) < 0) {
			err = at(m, y, "name: %s", pg_error_last(), NULL);
			goto fail;
		}
	}
	if ((y = pg_yaml_get(m->doc, "interface"))) {
		size_t n = strlen(y->value);
		m->interface = pg_strdup(y->value);
		if (pg_value_check(PG_F_IFNAME, m->interface, NULL) < 0 &&
		    !(n >= 4 && n <= PG_HEX_LEN && pg_is_hex(m->interface, n))) {
			err = at(m, y, "interface: '%s' is neither an interface name (like geometry::circle) "
				 "nor an id prefix (4 to 64 hex digits)", m->interface, NULL);
			goto fail;
		}
	}
	if ((y = pg_yaml_get(m->doc, "baseline"))) {
		m->baseline = pg_strdup(y->value);
		if ((err = pg_value_check(PG_F_LABEL, m->baseline, NULL)) < 0) {
			err = at(m, y, "baseline: %s (the name of the impl benches compare against)", pg_error_last(), NULL);
			goto fail;
		}
	}
	if ((y = pg_yaml_get(m->doc, "lang"))) {
		m->lang = pg_strdup(y->value);
		if ((err = pg_value_check(PG_F_LABEL, m->lang, NULL)) < 0) {
			err = at(m, y, "lang: %s", pg_error_last(), NULL);
			goto fail;
		}
	}
	static const char *const cmds[] = { "build", "run" };
	for (size_t i = 0; i < 2; i++)
		if ((y = pg_yaml_get(m->doc, cmds[i]))) {
			if ((err = pg_value_check(PG_F_TEXT, y->value, NULL)) < 0) {
				err = at(m, y, "%s: %s (one line of shell, run in the sandbox)", cmds[i], pg_error_last());
				goto fail;
			}
			*(i ? &m->run : &m->build) = pg_strdup(y->value);
		}
	if ((y = pg_yaml_get(m->doc, "description")) && *y->value) {
		size_t n = strlen(y->value);
		m->description = y->value[n - 1] == '\n' ? pg_strdup(y->value) : pg_asprintf("%s\n", y->value);
		if (!pg_utf8_valid(m->description, strlen(m->description)) || strchr(m->description, '\r')) {
			err = at(m, y, "description must be UTF-8 text without carriage returns", NULL, NULL);
			goto fail;
		}
	}
	if ((y = pg_yaml_get(m->doc, "files")) && (err = check_files(m, y)) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	pg_manifest_free(m);
	return err;
}

void pg_manifest_free(pg_manifest *m)
{
	if (!m)
		return;
	if (m->files)
		for (char **f = m->files; *f; f++)
			free(*f);
	free(m->files);
	free(m->path);
	free(m->dir);
	free(m->name);
	free(m->interface);
	free(m->lang);
	free(m->baseline);
	free(m->build);
	free(m->run);
	free(m->description);
	pg_yaml_free(m->doc);
	free(m);
}
