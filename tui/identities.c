/* identities.c - everyone the store knows, by reputation as you see it:
 * your trust, the evidence for and against them; Enter explains the
 * number (the text of pg rep --why, trust paths included) */
#include "tui.h"
#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SORT_MASS, SORT_NAME, SORTS };

static const pg_rep *sort_rep;

static int cmp_mass(const void *a, const void *b)
{
	const pg_rep_node *x = &sort_rep->nodes[*(const size_t *)a], *y = &sort_rep->nodes[*(const size_t *)b];
	double mx = sort_rep->nodes[x->principal].mass, my = sort_rep->nodes[y->principal].mass;
	if (mx != my)
		return mx > my ? -1 : 1;
	int d = strcmp(x->name, y->name);
	return d ? d : strcmp(x->key, y->key);
}

static int cmp_name(const void *a, const void *b)
{
	const pg_rep_node *x = &sort_rep->nodes[*(const size_t *)a], *y = &sort_rep->nodes[*(const size_t *)b];
	int d = strcmp(x->name, y->name);
	return d ? d : strcmp(x->key, y->key);
}

static int identities_open(struct view *v)
{
	const pg_rep *rep = tui.rep;
	size_t *order = pg_calloc(rep->n + 1, sizeof(*order));
	for (size_t i = 0; i < rep->n; i++)
		order[i] = i;
	sort_rep = rep;
	qsort(order, rep->n, sizeof(*order), v->sort == SORT_NAME ? cmp_name : cmp_mass);
	for (size_t i = 0; i < rep->n; i++) {
		const pg_rep_node *n = &rep->nodes[order[i]];
		char flags[160];
		pg_rep_flags_text(rep, n, flags, sizeof(flags));
		struct line *l = view_add(v, LINE_DEFAULT, "%s %s %s", n->name, n->key, flags);
		l->kind = K_IDENTITY;
		l->data = order[i];
		memcpy(l->id, n->key, sizeof(l->id));
	}
	free(order);
	return 0;
}

/* The name column takes what the others leave, keeping 14 for the notes. */
static int name_width(int width)
{
	int w = width - (12 + 11 + 8 + 18 + 5) - 14;
	return w < 10 ? 10 : w;
}

static void identities_header(struct view *v, int y, int width)
{
	(void)v;
	int nw = name_width(width);
	int x = draw_col(y, 0, nw, LINE_HEADER, 0, "identity");
	x = draw_col(y, x, 12, LINE_HEADER, 0, "key");
	x = draw_col(y, x, 11, LINE_HEADER, 0, " reputation");
	x = draw_col(y, x, 8, LINE_HEADER, 0, "trust");
	x = draw_col(y, x, 18, LINE_HEADER, 0, "evidence +/-");
	draw_col(y, x, width - x > 0 ? width - x : 0, LINE_HEADER, 0, "notes");
}

static void identities_draw(struct view *v, const struct line *l, int y, int width, int sel)
{
	(void)v;
	const pg_rep *rep = tui.rep;
	if (l->data >= rep->n)
		return;
	const pg_rep_node *n = &rep->nodes[l->data];
	const pg_rep_node *p = &rep->nodes[n->principal];
	char buf[16], key[16], mass[24], ev[48], flags[160];
	snprintf(key, sizeof(key), "%.12s", n->key);
	snprintf(mass, sizeof(mass), "%10.2f%%", 100 * p->mass);
	pg_rep_evidence_text(ev, sizeof(ev), p);
	pg_rep_flags_text(rep, n, flags, sizeof(flags));
	enum line_type t = p->flags & (PG_REP_BLOCKED | PG_REP_DISTRUSTED | PG_REP_VETOED) ? LINE_FAIL
			 : p->mass > 0 ? LINE_DEFAULT : LINE_DIM;
	int nw = name_width(width);
	int x = draw_col(y, 0, nw, t == LINE_DEFAULT ? LINE_NAME : t, sel, pg_rep_label(n, buf));
	x = draw_col(y, x, 12, LINE_ID, sel, key);
	x = draw_col(y, x, 11, t, sel, mass);
	x = draw_col(y, x, 8, t, sel, p->level >= 0 ? pg_level_name(p->level) : "-");
	x = draw_col(y, x, 18, p->disagree + p->refusals ? LINE_FAIL : p->agree ? LINE_PASS : LINE_DIM, sel, ev);
	draw_col(y, x, width - x > 0 ? width - x : 0, t, sel, flags);
}

static int identities_enter(struct view *v, const struct line *l)
{
	(void)v;
	char buf[16];
	pg_buf b = PG_BUF_INIT;
	char *title = pg_asprintf("why %s", who(l->id, buf));
	show_text(pg_rep_explain(&b, tui.rep, tui.index, tui.store, l->id, 1, NULL), title, &b);
	free(title);
	pg_buf_free(&b);
	return 0;
}

static int identities_request(struct view *v, enum request req, const struct line *l)
{
	(void)l;
	if (req != REQ_SORT)
		return 0;
	v->sort = (v->sort + 1) % SORTS;
	view_clear(v);
	identities_open(v);
	v->pos = v->top = 0;
	view_refilter(v);
	message("sorted by %s", v->sort == SORT_NAME ? "name" : "reputation");
	return 1;
}

static const char *identities_empty(struct view *v)
{
	(void)v;
	return "No identities yet.\n\n  pg id new --name NAME   makes yours\n  pg pull                 brings others' logs";
}

const struct view_ops identities_ops = {
	"identities", identities_open, identities_draw, identities_header, identities_enter,
	identities_request, NULL, identities_empty, NULL,
};
