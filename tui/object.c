/* object.c - one object: its header fields and description, its payload's
 * files (Enter shows one), the results about it and its links in and out;
 * 'r' shows its exact signed bytes */
#include "tui.h"
#include "explain.h"
#include "payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obj {
	pg_index_row row;
	pg_payload_list files;
	pg_buf tar;
};

static void obj_free(struct view *v)
{
	struct obj *o = v->priv;
	if (!o)
		return;
	pg_index_row_clear(&o->row);
	pg_payload_list_free(&o->files);
	pg_buf_free(&o->tar);
	free(o);
	v->priv = NULL;
}

static struct line *link_line(struct view *v, const char *rel, const char *other, const pg_index_row *r,
			      const char *arrow)
{
	char buf[16];
	struct line *l;
	if (!r)
		return view_add(v, LINE_DIM, "  %-10s %s %.12s (not in this store)", rel, arrow, other);
	pg_buf b = PG_BUF_INIT;
	pg_buf_printf(&b, "  %-10s %s ", rel, arrow);
	text_col(&b, r->type, 9);
	text_col(&b, r->name ? r->name : "-", 24);
	text_col(&b, who(r->author, buf), 12);
	pg_buf_printf(&b, "%.12s", r->id);
	l = view_add(v, LINE_DEFAULT, "%s", b.ptr);
	pg_buf_free(&b);
	line_object(l, r->id, r->type);
	return l;
}

static int add_out(const char *rel, const char *other, const pg_index_row *r, void *data)
{
	link_line(data, rel, other, r, "->");
	return 0;
}

static int add_in(const char *rel, const char *other, const pg_index_row *r, void *data)
{
	if (r && !strcmp(r->type, "result"))
		return 0; /* listed with their verdicts */
	link_line(data, rel, other, r, "<-");
	return 0;
}

static int add_result(const pg_index_result *r, void *data)
{
	struct view *v = data;
	char buf[16], date[32], what[48];
	pg_index_row against;
	pg_format_date(date, r->date);
	if (!strcmp(r->kind, "bench") && r->score > 0)
		snprintf(what, sizeof(what), "%.3fx (%.3f-%.3f)", r->score, r->lo, r->hi);
	else
		snprintf(what, sizeof(what), "%s%s", *r->verdict ? r->verdict : "unreadable",
			 r->rerun > 0 ? ", re-run agreed" : r->rerun < 0 ? ", re-run differed" : "");
	char ag[64] = "";
	if (*r->against && pg_index_get(tui.index, &against, r->against) == 0) {
		snprintf(ag, sizeof(ag), "%s %s", against.type, against.name ? against.name : "");
		pg_index_row_clear(&against);
	}
	pg_error_clear();
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "  ");
	text_col(&b, r->kind, 6);
	text_col(&b, what, 22);
	text_col(&b, who(r->author, buf), 12);
	text_col(&b, date, 10);
	pg_buf_puts(&b, ag);
	enum line_type t = !strcmp(r->verdict, "passed") || !strcmp(r->verdict, "measured") ? LINE_PASS
			 : !strcmp(r->verdict, "failed")                                       ? LINE_FAIL
											       : LINE_DIM;
	if (mass_of(r->author) <= 0 && strcmp(r->author, tui.me))
		t = LINE_DIM; /* a stranger's word counts for nothing */
	line_object(view_add(v, t, "%s", b.ptr), r->id, "result");
	pg_buf_free(&b);
	return 0;
}

static void add_text(struct view *v, const char *text, size_t len, const char *indent)
{
	for (const char *p = text, *end = text + len; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct line *l = view_add(v, LINE_DEFAULT, "%s%.*s", indent, (int)n, p);
		for (char *c = l->text; *c; c++)
			if ((unsigned char)*c < 32)
				*c = ' ';
		p += n + 1;
	}
}

static int object_open(struct view *v)
{
	obj_free(v);
	struct obj *o = pg_calloc(1, sizeof(*o));
	v->priv = o;
	pg_object *ob = NULL;
	int err = pg_index_get(tui.index, &o->row, v->id);
	if (err < 0)
		return err;
	const pg_index_row *r = &o->row;
	free(v->title);
	v->title = pg_asprintf("%s %s", r->type, r->name ? r->name : r->id);
	char buf[16], date[32];
	pg_format_date(date, r->date);
	struct line *l = view_add(v, LINE_NAME, "%s %s", r->type, r->name ? r->name : "");
	line_object(l, r->id, r->type);
	view_add(v, LINE_DEFAULT, "  %-11s %s", "id", r->id);
	l = view_add(v, LINE_DEFAULT, "  %-11s %s %s (reputation %.1f%%)", "author", who(r->author, buf), r->author,
		     100 * mass_of(r->author));
	l->kind = K_IDENTITY;
	memcpy(l->id, r->author, sizeof(l->id));
	view_add(v, LINE_DEFAULT, "  %-11s %s", "date", date);
	view_add(v, LINE_DEFAULT, "  %-11s %s, entry %llu of its log", "published", who(r->publisher, buf),
		 (unsigned long long)r->seq);
	if ((err = pg_row_object(&ob, tui.store, r)) < 0)
		return err;
	for (size_t i = 0; i < ob->nfields; i++)
		view_add(v, LINE_DEFAULT, "  %-11s %s", ob->fields[i].key, ob->fields[i].value);
	if (ob->body) {
		view_add(v, LINE_SECTION, "Description");
		add_text(v, ob->body, ob->body_len, "  ");
	}
	pg_object_free(ob);
	if (*r->payload) {
		if ((err = pg_row_payload(&o->tar, tui.store, r)) < 0 ||
		    (err = pg_payload_scan(&o->files, o->tar.ptr, o->tar.len)) < 0)
			return err;
		view_add(v, LINE_SECTION, "Files (payload %.12s, %llu bytes; Enter shows one)", r->payload,
			 (unsigned long long)r->payload_size);
		for (size_t i = 0; i < o->files.n; i++) {
			const pg_payload_entry *e = &o->files.e[i];
			if (e->type == 'd')
				continue;
			pg_buf b = PG_BUF_INIT;
			pg_buf_printf(&b, "  %c ", e->type == 'x' ? 'x' : e->type == 'l' ? 'l' : ' ');
			text_col(&b, e->path, 40);
			if (e->type == 'l')
				pg_buf_printf(&b, "-> %s", e->target ? e->target : "");
			else
				pg_buf_printf(&b, "%llu bytes", (unsigned long long)e->size);
			l = view_add(v, LINE_DEFAULT, "%s", b.ptr);
			pg_buf_free(&b);
			l->kind = K_FILE;
			l->data = i;
		}
	}
	view_add(v, LINE_SECTION, "Results about it");
	size_t before = v->lines;
	if ((err = pg_index_results(tui.index, r->id, add_result, v)) < 0)
		return err;
	if (v->lines == before)
		view_add(v, LINE_DIM, "  (none)");
	view_add(v, LINE_SECTION, "Links out (what it names)");
	before = v->lines;
	if ((err = pg_index_links(tui.index, r->id, 0, add_out, v)) < 0)
		return err;
	if (v->lines == before)
		view_add(v, LINE_DIM, "  (none)");
	view_add(v, LINE_SECTION, "Links in (what names it)");
	before = v->lines;
	if ((err = pg_index_links(tui.index, r->id, 1, add_in, v)) < 0)
		return err;
	if (v->lines == before)
		view_add(v, LINE_DIM, "  (none)");
	return 0;
}

#define FILE_SHOW_MAX (1u << 20)

static int object_enter(struct view *v, const struct line *l)
{
	struct obj *o = v->priv;
	if (l->kind == K_OBJECT && strcmp(l->id, v->id)) {
		view_push(&object_ops, l->id, NULL);
		return 0;
	}
	if (l->kind == K_IDENTITY) {
		char buf[16];
		pg_buf b = PG_BUF_INIT;
		show_text(pg_rep_explain(&b, tui.rep, tui.index, tui.store, l->id, 1, NULL), who(l->id, buf), &b);
		pg_buf_free(&b);
		return 0;
	}
	if (l->kind != K_FILE || !o || l->data >= o->files.n)
		return 1;
	const pg_payload_entry *e = &o->files.e[l->data];
	pg_buf b = PG_BUF_INIT;
	char *title = pg_asprintf("%s: %s", v->title, e->path);
	int err = e->type == 'l' ? pg_error_set(PG_EINVALID, "%s is a symbolic link to %s", e->path, e->target)
				 : pg_payload_read(&b, o->tar.ptr, o->tar.len, e->path, FILE_SHOW_MAX);
	if (err == 0 && memchr(b.ptr, '\0', b.len))
		err = pg_error_set(PG_EINVALID, "%s is binary (%zu bytes): 'pg export %.12s DIR' extracts it", e->path,
				   b.len, v->id);
	show_text(err, title, &b);
	free(title);
	pg_buf_free(&b);
	return 0;
}

static int object_request(struct view *v, enum request req, const struct line *l)
{
	int on_object = req == REQ_TRUST || req == REQ_BLOCK || req == REQ_VERIFY || req == REQ_BENCH;
	if (on_object && v->lines && (!l || (l->kind != K_OBJECT && l->kind != K_IDENTITY))) {
		action(req, v, &v->line[0]); /* the object itself */
		return 1;
	}
	if (req != REQ_RAW)
		return 0;
	struct obj *o = v->priv;
	pg_buf raw = PG_BUF_INIT;
	int err = o ? pg_store_read_blob(&raw, tui.store, o->row.blob) : PG_ENOTFOUND;
	char *title = pg_asprintf("%s: signed bytes", v->title);
	show_text(err, title, &raw);
	free(title);
	pg_buf_free(&raw);
	return 1;
}

/* Actions on an object view act on the object itself unless a line
 * names another. */
const struct view_ops object_ops = {
	"object", object_open, NULL, NULL, object_enter, object_request, NULL, NULL, obj_free,
};
