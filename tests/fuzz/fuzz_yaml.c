/* fuzz_yaml.c - the bounded YAML tree, and pg.lock on top of it
 *
 * Every YAML pg reads (cases.yaml, workload.yaml, pg.yaml, pg.lock) goes
 * through pg_yaml_parse.  What it builds must keep its promises: no more
 * than PG_YAML_MAX_NODES nodes nested PG_YAML_MAX_DEPTH deep, mappings of
 * key and value pairs with distinct scalar keys, a position on every
 * node.  pg.lock, loaded from the same bytes, must write out as a lock
 * that loads to the same pins.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lock.h"
#include "yamldoc.h"

static size_t nodes;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void tree_ok(const pg_yaml *y, int depth)
{
	nodes++;
	FUZZ_CHECK(depth <= PG_YAML_MAX_DEPTH, "a node %d deep", depth);
	FUZZ_CHECK(y->line >= 1 && y->col >= 1, "a node at %zu:%zu", y->line, y->col);
	if (y->kind == PG_YAML_SCALAR) {
		FUZZ_CHECK(y->value && y->n == 0, "a scalar without a value, or with items");
		return;
	}
	FUZZ_CHECK(!y->value, "a collection with a value");
	if (y->kind == PG_YAML_MAP) {
		FUZZ_CHECK(y->n % 2 == 0, "a mapping of %zu items", y->n);
		const char **keys = pg_calloc(y->n / 2 + 1, sizeof(*keys));
		for (size_t i = 0; i < y->n; i += 2) {
			FUZZ_CHECK(y->items[i]->kind == PG_YAML_SCALAR, "a mapping key that is not a scalar");
			keys[i / 2] = y->items[i]->value;
			/* (a lookup is a linear search: only the first keys, so a
			 * large mapping stays quick) */
			FUZZ_CHECK(i > 200 || pg_yaml_get(y, y->items[i]->value) == y->items[i + 1],
				   "key '%s' does not find its value", y->items[i]->value);
		}
		qsort(keys, y->n / 2, sizeof(*keys), cmp_str);
		for (size_t i = 1; i < y->n / 2; i++)
			FUZZ_CHECK(strcmp(keys[i - 1], keys[i]), "key '%s' twice", keys[i]);
		free(keys);
	}
	for (size_t i = 0; i < y->n; i++)
		tree_ok(y->items[i], depth + 1);
}

static void same_pins(const pg_lock *a, const pg_lock *b)
{
	FUZZ_CHECK(a->n == b->n, "a lock of %zu pins reads back with %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const pg_pin *p = &a->pins[i], *q = NULL;
		for (size_t k = 0; k < b->n && !q; k++)
			if (!strcmp(b->pins[k].iface_id, p->iface_id))
				q = &b->pins[k];
		FUZZ_CHECK(q, "pin of %s lost", p->interface);
		FUZZ_CHECK(!strcmp(p->interface, q->interface) && !strcmp(p->impl, q->impl) &&
			   !strcmp(p->payload, q->payload) && !strcmp(p->name, q->name) && !strcmp(p->lang, q->lang),
			   "pin of %s changed", p->interface);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pg_yaml *y = NULL;
	pg_lock *l = NULL, *again = NULL;
	int err = pg_yaml_parse(&y, (const char *)data, size, "fuzz.yaml");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!strncmp(pg_error_last(), "fuzz.yaml:", 10), "the message does not say where: %s",
			   pg_error_last());
		FUZZ_CHECK(!y, "refused, yet a tree came back");
	} else {
		fuzz_accepted();
		nodes = 0;
		tree_ok(y, 0);
		FUZZ_CHECK(nodes <= PG_YAML_MAX_NODES, "%zu nodes", nodes);
		pg_yaml_free(y);
	}

	err = pg_lock_parse(&l, (const char *)data, size, "pg.lock");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!strncmp(pg_error_last(), "pg.lock:", 8), "the message does not say where: %s",
			   pg_error_last());
		return 0;
	}
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	pg_lock_format(&a, l);
	err = pg_lock_parse(&again, a.ptr, a.len, "written.lock");
	FUZZ_CHECK(err == 0, "a written lock does not load: %s\n%s", pg_error_last(), a.ptr);
	same_pins(l, again);
	pg_lock_format(&b, again);
	FUZZ_CHECK(a.len == b.len && !memcmp(a.ptr, b.ptr, a.len), "a written lock writes differently");
	pg_buf_free(&a);
	pg_buf_free(&b);
	pg_lock_free(again);
	pg_lock_free(l);
	return 0;
}
