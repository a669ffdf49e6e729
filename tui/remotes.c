/* remotes.c - where the store's logs come from: each remote with its last
 * fetch and refusals (Enter lists them), and each publisher's log with its
 * length and last activity (Enter lists its entries); 'p' pulls */
#include "tui.h"
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int last_entry(const pg_index_entry *e, void *data)
{
	*(int64_t *)data = e->date;
	return 1; /* newest first: one is enough */
}

static int add_publisher(const char *publisher, const char *name, uint64_t seq, void *data)
{
	struct view *v = data;
	int64_t last = 0;
	char date[32] = "-", key[16];
	int err = pg_index_entries(tui.index, publisher, last_entry, &last);
	if (err < 0)
		return err;
	if (last)
		pg_format_date(date, last);
	snprintf(key, sizeof(key), "%.12s", publisher);
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "  ");
	text_col(&b, name && *name ? name : "(no identity)", 16);
	text_col(&b, key, 12);
	char n[32];
	snprintf(n, sizeof(n), "%llu", (unsigned long long)seq);
	text_col(&b, n, 7);
	pg_buf_puts(&b, date);
	struct line *l = view_add(v, mass_of(publisher) > 0 || !strcmp(publisher, tui.me) ? LINE_DEFAULT : LINE_DIM, "%s",
				  b.ptr);
	pg_buf_free(&b);
	l->kind = K_PUBLISHER;
	memcpy(l->id, publisher, sizeof(l->id));
	return 0;
}

static int remotes_open(struct view *v)
{
	pg_remote_info *r;
	size_t n;
	int err = pg_remote_list(&r, &n, tui.store);
	if (err < 0)
		return err;
	view_add(v, LINE_SECTION, "Remotes (p pulls from all; Enter lists a remote's refusals)");
	for (size_t i = 0; i < n; i++) {
		char when[32] = "never fetched";
		if (r[i].fetched)
			pg_format_date(when, r[i].fetched);
		pg_buf b = PG_BUF_INIT;
		pg_buf_puts(&b, "  ");
		char refusals[32];
		snprintf(refusals, sizeof(refusals), "%zu refusal%s", r[i].refusals, r[i].refusals == 1 ? "" : "s");
		text_col(&b, r[i].name, 12);
		text_col(&b, when, 19);
		text_col(&b, refusals, 11);
		pg_buf_puts(&b, r[i].url);
		struct line *l = view_add(v, r[i].refusals ? LINE_WARN : LINE_DEFAULT, "%s", b.ptr);
		pg_buf_free(&b);
		l->kind = K_REMOTE;
		l->data = i;
		snprintf(l->id, sizeof(l->id), "%s", r[i].name); /* a name, not a key: keeps the selection */
	}
	if (!n)
		view_add(v, LINE_DIM, "  (none: 'pg remote add NAME URL' adds one, then p pulls)");
	pg_remote_list_free(r, n);
	view_add(v, LINE_SECTION, "Publishers' logs (Enter lists the entries)");
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "  ");
	text_col(&b, "publisher", 16);
	text_col(&b, "key", 12);
	text_col(&b, "entries", 7);
	pg_buf_puts(&b, "last activity");
	view_add(v, LINE_HEADER, "%s", b.ptr);
	pg_buf_free(&b);
	size_t before = v->lines;
	if ((err = pg_index_publishers(tui.index, add_publisher, v)) < 0)
		return err;
	if (v->lines == before)
		view_add(v, LINE_DIM, "  (no logs yet)");
	return 0;
}

static int add_entry(const pg_index_entry *e, void *data)
{
	char date[32];
	pg_format_date(date, e->date);
	pg_buf_printf(data, "seq %-5llu %s  %3llu object%s  commit %.12s  manifest %.12s\n", (unsigned long long)e->seq,
		      date, (unsigned long long)e->nobjects, e->nobjects == 1 ? " " : "s", e->commit, e->manifest);
	return 0;
}

static int remotes_enter(struct view *v, const struct line *l)
{
	(void)v;
	pg_buf b = PG_BUF_INIT;
	char buf[16], *title = NULL;
	int err = 0;
	if (l->kind == K_PUBLISHER) {
		title = pg_asprintf("log of %s", who(l->id, buf));
		pg_buf_printf(&b, "publisher %s\n\n", l->id);
		err = pg_index_entries(tui.index, l->id, add_entry, &b);
	} else if (l->kind == K_REMOTE) {
		pg_refusal *r;
		size_t n, shown = 0;
		title = pg_asprintf("refusals from %s", l->id);
		if ((err = pg_refusals(&r, &n, tui.store)) == 0) {
			for (size_t i = 0; i < n; i++) {
				if (strcmp(r[i].source, l->id))
					continue;
				char date[32], key[PG_HEX_LEN + 1];
				pg_format_date(date, r[i].date);
				pg_hex(key, r[i].publisher, PG_PK_LEN);
				pg_buf_printf(&b, "refusal %s  %s  publisher %s  commit %.12s\n    %s\n", r[i].kind, date,
					      who(key, buf), r[i].commit, r[i].reason ? r[i].reason : "");
				shown++;
			}
			if (!shown)
				pg_buf_printf(&b, "nothing from %s was refused\n", l->id);
			pg_refusals_free(r, n);
		}
	} else {
		return 1;
	}
	show_text(err, title, &b);
	free(title);
	pg_buf_free(&b);
	return 0;
}

static const char *remotes_empty(struct view *v)
{
	(void)v;
	return "No remotes and no logs.";
}

const struct view_ops remotes_ops = {
	"remotes", remotes_open, NULL, NULL, remotes_enter, NULL, NULL, remotes_empty, NULL,
};
