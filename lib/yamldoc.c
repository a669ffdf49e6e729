/* yamldoc.c - build a bounded document tree from libyaml events */
#include "yamldoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct loader {
	yaml_parser_t p;
	const char *path;
	size_t nodes;
};

static int fail(struct loader *l, const yaml_mark_t *m, const char *msg, const char *detail)
{
	return pg_error_set(PG_EINVALID, "%s:%zu:%zu: %s%s%s", l->path, m->line + 1, m->column + 1,
			    msg, detail ? ": " : "", detail ? detail : "");
}

static pg_yaml *node(pg_yaml_kind kind, const yaml_mark_t *m)
{
	pg_yaml *y = pg_calloc(1, sizeof(*y));
	y->kind = kind;
	y->line = m->line + 1;
	y->col = m->column + 1;
	return y;
}

static void push(pg_yaml *parent, pg_yaml *child)
{
	if ((parent->n & (parent->n - 1)) == 0) /* grow at powers of two */
		parent->items = pg_realloc(parent->items, (parent->n ? 2 * parent->n : 1) * sizeof(pg_yaml *));
	parent->items[parent->n++] = child;
}

static int next(struct loader *l, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&l->p, ev)) {
		const yaml_mark_t *m = &l->p.problem_mark, *c = &l->p.context_mark;
		char ctx[256] = "";
		if (l->p.context)
			snprintf(ctx, sizeof(ctx), " %s that starts at %zu:%zu", l->p.context, c->line + 1, c->column + 1);
		return pg_error_set(PG_EINVALID, "%s:%zu:%zu: YAML syntax error: %s%s", l->path,
				    m->line + 1, m->column + 1, l->p.problem ? l->p.problem : "unknown", ctx);
	}
	return 0;
}

struct keyref {
	const char *key;
	size_t i;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int d = strcmp(x->key, y->key);
	return d ? d : (x->i > y->i) - (x->i < y->i);
}

/* The first key of map, in document order, that repeats an earlier one,
 * or NULL.  Sorted, not compared pairwise: a mapping may have 50 000 keys,
 * and comparing each with all before it took 19 s. */
static const pg_yaml *repeated_key(const pg_yaml *map)
{
	size_t n = map->n / 2, first = SIZE_MAX;
	if (n < 2)
		return NULL;
	struct keyref *k = pg_malloc(n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		k[i].key = map->items[2 * i]->value, k[i].i = i;
	qsort(k, n, sizeof(*k), cmp_keyref);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(k[i - 1].key, k[i].key) && k[i].i < first)
			first = k[i].i;
	free(k);
	return first == SIZE_MAX ? NULL : map->items[2 * first];
}

/* Parse one node whose first event is ev (consumed). */
static int parse_node(struct loader *l, yaml_event_t *ev, int depth, pg_yaml **out)
{
	int err = 0;
	*out = NULL;
	if (++l->nodes > PG_YAML_MAX_NODES)
		return fail(l, &ev->start_mark, "too many nodes", NULL);
	if (depth > PG_YAML_MAX_DEPTH)
		return fail(l, &ev->start_mark, "nested too deeply", NULL);
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return fail(l, &ev->start_mark, "aliases (*name) are not allowed", NULL);
	case YAML_SCALAR_EVENT: {
		pg_yaml *y = node(PG_YAML_SCALAR, &ev->start_mark);
		y->value = pg_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		y->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (strlen(y->value) != ev->data.scalar.length) {
			pg_yaml_free(y);
			return fail(l, &ev->start_mark, "NUL character in a value", NULL);
		}
		*out = y;
		return 0;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_map = ev->type == YAML_MAPPING_START_EVENT;
		yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
		pg_yaml *y = node(is_map ? PG_YAML_MAP : PG_YAML_SEQ, &ev->start_mark);
		for (;;) {
			yaml_event_t e;
			if ((err = next(l, &e)) < 0)
				break;
			if (e.type == end) {
				yaml_event_delete(&e);
				break;
			}
			pg_yaml *child;
			err = parse_node(l, &e, depth + 1, &child);
			yaml_mark_t m = e.start_mark;
			yaml_event_delete(&e);
			if (err < 0)
				break;
			if (is_map && (y->n % 2) == 0 && child->kind != PG_YAML_SCALAR) {
				pg_yaml_free(child);
				err = fail(l, &m, "mapping keys must be plain words", NULL);
				break;
			}
			push(y, child);
		}
		const pg_yaml *dup = err == 0 && is_map ? repeated_key(y) : NULL;
		if (dup) {
			yaml_mark_t m = { .line = dup->line - 1, .column = dup->col - 1 };
			err = fail(l, &m, "duplicate key", dup->value);
		}
		if (err < 0) {
			pg_yaml_free(y);
			return err;
		}
		*out = y;
		return 0;
	}
	default:
		return fail(l, &ev->start_mark, "unexpected YAML event", NULL);
	}
}

int pg_yaml_parse(pg_yaml **out, const char *text, size_t len, const char *path)
{
	struct loader l = { .path = path };
	yaml_event_t ev;
	pg_yaml *root = NULL;
	int err = 0, state = 0; /* 0: before doc, 1: in doc, 2: after doc */
	*out = NULL;
	if (len > PG_YAML_MAX_BYTES)
		return pg_error_set(PG_EINVALID, "%s: larger than %d bytes", path, PG_YAML_MAX_BYTES);
	if (!yaml_parser_initialize(&l.p))
		abort();
	yaml_parser_set_input_string(&l.p, (const unsigned char *)text, len);
	for (;;) {
		if ((err = next(&l, &ev)) < 0)
			break;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT) {
			if (state == 2)
				err = fail(&l, &ev.start_mark, "more than one document", NULL);
			state = 1;
		} else if (t == YAML_DOCUMENT_END_EVENT) {
			state = 2;
		} else if (t != YAML_STREAM_START_EVENT) {
			err = parse_node(&l, &ev, 0, &root);
		}
		yaml_event_delete(&ev);
		if (err < 0)
			break;
	}
	yaml_parser_delete(&l.p);
	if (err < 0) {
		pg_yaml_free(root);
		return err;
	}
	if (!root)
		return pg_error_set(PG_EINVALID, "%s:1:1: empty document", path);
	*out = root;
	return 0;
}

int pg_yaml_load(pg_yaml **out, const char *path)
{
	pg_buf b = PG_BUF_INIT;
	int err = pg_read_file(&b, path, PG_YAML_MAX_BYTES);
	if (err == 0)
		err = pg_yaml_parse(out, b.ptr, b.len, path);
	pg_buf_free(&b);
	return err;
}

void pg_yaml_free(pg_yaml *y)
{
	if (!y)
		return;
	for (size_t i = 0; i < y->n; i++)
		pg_yaml_free(y->items[i]);
	free(y->items);
	free(y->value);
	free(y);
}

const pg_yaml *pg_yaml_get(const pg_yaml *map, const char *key)
{
	if (!map || map->kind != PG_YAML_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->items[i]->value, key))
			return map->items[i + 1];
	return NULL;
}
