/* lock.c - pg.lock, read strictly and written atomically */
#include "lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"
#include "yamldoc.h"

static int at(const char *file, const pg_yaml *y, const char *fmt, const char *a)
{
	char msg[400];
	snprintf(msg, sizeof(msg), fmt, a);
	return pg_error_set(PG_EINVALID, "%s:%zu:%zu: %s", file, y->line, y->col, msg);
}

pg_lock *pg_lock_new(const char *file)
{
	pg_lock *l = pg_calloc(1, sizeof(*l));
	l->file = pg_strdup(file);
	return l;
}

static void pin_clear(pg_pin *p)
{
	free(p->interface);
	free(p->name);
	free(p->lang);
}

void pg_lock_free(pg_lock *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		pin_clear(&l->pins[i]);
	free(l->pins);
	free(l->file);
	free(l);
}

static int load_pin(const char *file, pg_pin *p, const pg_yaml *y)
{
	static const char *const keys[] = { "interface", "interface-id", "impl", "name", "lang", "payload", NULL };
	if (y->kind != PG_YAML_MAP)
		return at(file, y, "a pin must be a mapping with %s", "interface, interface-id, impl, name, lang and payload");
	for (size_t i = 0; i < y->n; i += 2) {
		const char *const *k = keys;
		while (*k && strcmp(*k, y->items[i]->value))
			k++;
		if (!*k)
			return at(file, y->items[i], "unknown key '%s' in a pin (expected interface, interface-id, impl, "
				  "name, lang, payload)", y->items[i]->value);
		if (y->items[i + 1]->kind != PG_YAML_SCALAR)
			return at(file, y->items[i + 1], "'%s' must be a single value", *k);
	}
	for (const char *const *k = keys; *k; k++) {
		const pg_yaml *v = pg_yaml_get(y, *k);
		if (!v)
			return at(file, y, "the pin has no '%s'", *k);
		const char *s = v->value;
		if (!strcmp(*k, "interface")) {
			if (pg_value_check(PG_F_IFNAME, s, NULL) < 0)
				return at(file, v, "interface: '%s' is not an interface name", s);
			p->interface = pg_strdup(s);
		} else if (!strcmp(*k, "name") || !strcmp(*k, "lang")) {
			if (pg_value_check(PG_F_LABEL, s, NULL) < 0)
				return at(file, v, "'%s' is not a valid name", s);
			*(!strcmp(*k, "name") ? &p->name : &p->lang) = pg_strdup(s);
		} else {
			if (pg_value_check(PG_F_ID, s, NULL) < 0)
				return at(file, v, "'%s' is not an id (64 lowercase hex digits)", s);
			char *dst = !strcmp(*k, "impl") ? p->impl : !strcmp(*k, "payload") ? p->payload : p->iface_id;
			memcpy(dst, s, PG_HEX_LEN + 1);
		}
	}
	p->line = y->line;
	p->col = y->col;
	return 0;
}

int pg_lock_parse(pg_lock **out, const char *text, size_t len, const char *file)
{
	pg_yaml *doc = NULL;
	pg_lock *l = pg_lock_new(file);
	const pg_yaml *v, *pins;
	int err;
	*out = NULL;
	if ((err = pg_yaml_parse(&doc, text, len, file)) < 0)
		goto fail;
	if (doc->kind != PG_YAML_MAP) {
		err = at(file, doc, "%s must be a mapping with version and pins", "pg.lock");
		goto fail;
	}
	for (size_t i = 0; i < doc->n; i += 2)
		if (strcmp(doc->items[i]->value, "version") && strcmp(doc->items[i]->value, "pins")) {
			err = at(file, doc->items[i], "unknown key '%s' (expected version and pins)", doc->items[i]->value);
			goto fail;
		}
	if (!(v = pg_yaml_get(doc, "version")) || v->kind != PG_YAML_SCALAR || strcmp(v->value, "1")) {
		err = at(file, v ? v : doc, "%s", v ? "unsupported version (this pg reads version 1)" : "missing version: 1");
		goto fail;
	}
	if (!(pins = pg_yaml_get(doc, "pins")) || pins->kind != PG_YAML_SEQ) {
		err = at(file, pins ? pins : doc, "%s", "pins must be a list");
		goto fail;
	}
	if (pins->n > PG_LOCK_MAX_PINS) {
		err = at(file, pins, "%s", "more than 1000 pins");
		goto fail;
	}
	l->pins = pg_calloc(pins->n + 1, sizeof(*l->pins));
	for (size_t i = 0; i < pins->n; i++) {
		err = load_pin(file, &l->pins[l->n], pins->items[i]);
		l->n++;
		if (err < 0)
			goto fail;
		for (size_t k = 0; k + 1 < l->n; k++)
			if (!strcmp(l->pins[k].iface_id, l->pins[l->n - 1].iface_id)) {
				err = at(file, pins->items[i], "interface %s is pinned twice", l->pins[k].interface);
				goto fail;
			}
	}
	pg_yaml_free(doc);
	*out = l;
	return 0;
fail:
	pg_yaml_free(doc);
	pg_lock_free(l);
	return err;
}

int pg_lock_load(pg_lock **out, const char *path)
{
	pg_buf b = PG_BUF_INIT;
	int err = pg_read_file(&b, path, PG_YAML_MAX_BYTES);
	if (err == 0)
		err = pg_lock_parse(out, b.ptr ? b.ptr : "", b.len, path);
	pg_buf_free(&b);
	return err;
}

void pg_lock_set(pg_lock *l, const pg_pin *p)
{
	size_t i = 0;
	while (i < l->n && strcmp(l->pins[i].iface_id, p->iface_id))
		i++;
	if (i == l->n) {
		l->pins = pg_realloc(l->pins, (l->n + 1) * sizeof(*l->pins));
		l->n++;
	} else {
		pin_clear(&l->pins[i]);
	}
	pg_pin *d = &l->pins[i];
	*d = *p;
	d->interface = pg_strdup(p->interface);
	d->name = pg_strdup(p->name);
	d->lang = pg_strdup(p->lang);
}

static int pin_cmp(const void *a, const void *b)
{
	const pg_pin *x = a, *y = b;
	int d = strcmp(x->interface, y->interface);
	return d ? d : strcmp(x->iface_id, y->iface_id);
}

void pg_lock_format(pg_buf *out, const pg_lock *l)
{
	pg_pin *sorted = pg_calloc(l->n + 1, sizeof(*sorted));
	if (l->n)
		memcpy(sorted, l->pins, l->n * sizeof(*sorted));
	if (l->n)
		qsort(sorted, l->n, sizeof(*sorted), pin_cmp);
	pg_buf_puts(out, "# pg.lock - written by 'pg build INTERFACE'; 'pg build' rebuilds exactly this.\n"
			 "# Each pin names an implementation and its payload by hash.\n"
			 "version: 1\npins:\n");
	for (size_t i = 0; i < l->n; i++) {
		const pg_pin *p = &sorted[i];
		pg_buf_printf(out, "  - interface: %s\n    interface-id: %s\n    impl: %s\n    name: %s\n"
				   "    lang: %s\n    payload: %s\n",
			      p->interface, p->iface_id, p->impl, p->name, p->lang, p->payload);
	}
	free(sorted);
}

int pg_lock_save(const pg_lock *l)
{
	pg_buf b = PG_BUF_INIT;
	pg_lock_format(&b, l);
	int err = pg_write_file_atomic(l->file, b.ptr, b.len, 0644);
	pg_buf_free(&b);
	return err;
}
