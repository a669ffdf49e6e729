/* interfaces.c - the first view: every interface, its best impl and how
 * much you trust its author
 *
 * Names and counts come at once; the ranking of each interface (pg_rank,
 * the same as pg rank) is filled in afterwards, a few at a time, while the
 * view is already on the screen.
 */
#include "tui.h"
#include "rank.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iface {
	pg_index_row row;
	size_t specs, impls, benches;
	int ranked;           /* the best impl is known */
	char best[64];
	pg_rank_status status;
	double score;
};

struct ifaces {
	struct iface *f;
	size_t n, cap, next;  /* a pg_vec's n and cap; next: the first not ranked yet */
};

enum { SORT_NAME, SORT_SCORE, SORT_TRUST, SORT_IMPLS, SORTS };
static const char *const sort_names[SORTS] = { "name", "best score", "author's trust", "impls" };

static int add_iface(const pg_index_row *r, void *data)
{
	struct ifaces *s = data;
	pg_vec vec = { s->f, s->n, s->cap, sizeof(*s->f) };
	struct iface *f = pg_vec_push(&vec);
	s->f = vec.p, s->n = vec.n, s->cap = vec.cap;
	pg_index_row_copy(&f->row, r);
	return 0;
}

/* Counts by interface id, from one query per type. */
struct counting {
	struct ifaces *s;
	size_t *by_id; /* indexes into s->f, sorted by id */
	int which;     /* 0 specs, 1 impls, 2 benches */
};

static const struct ifaces *id_ctx;

static int cmp_by_id(const void *a, const void *b)
{
	return strcmp(id_ctx->f[*(const size_t *)a].row.id, id_ctx->f[*(const size_t *)b].row.id);
}

static int add_count(const char *dst, uint64_t n, void *data)
{
	struct counting *c = data;
	size_t lo = 0, hi = c->s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct iface *f = &c->s->f[c->by_id[mid]];
		int d = strcmp(f->row.id, dst);
		if (d == 0) {
			size_t *slot = c->which == 0 ? &f->specs : c->which == 1 ? &f->impls : &f->benches;
			*slot = (size_t)n;
			return 0;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0; /* named by something, but not an interface */
}

static void free_ifaces(struct ifaces *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		pg_index_row_clear(&s->f[i].row);
	free(s->f);
	free(s);
}

static const struct ifaces *sort_ctx;
static int sort_mode;

static int cmp_ifaces(const void *a, const void *b)
{
	const struct iface *x = &sort_ctx->f[*(const size_t *)a], *y = &sort_ctx->f[*(const size_t *)b];
	switch (sort_mode) {
	case SORT_SCORE: {
		int rx = x->ranked && x->status == PG_RANK_RANKED, ry = y->ranked && y->status == PG_RANK_RANKED;
		if (rx != ry)
			return ry - rx;
		if (rx && x->score != y->score)
			return x->score < y->score ? -1 : 1;
		break;
	}
	case SORT_TRUST: {
		double tx = mass_of(x->row.author), ty = mass_of(y->row.author);
		if (tx != ty)
			return tx > ty ? -1 : 1;
		break;
	}
	case SORT_IMPLS:
		if (x->impls != y->impls)
			return x->impls > y->impls ? -1 : 1;
		break;
	}
	int d = strcmp(x->row.name ? x->row.name : "", y->row.name ? y->row.name : "");
	return d ? d : strcmp(x->row.id, y->row.id);
}

/* The lines, in the view's order. */
static void lay_out(struct view *v)
{
	struct ifaces *s = v->priv;
	size_t *order = pg_calloc(s->n + 1, sizeof(*order));
	for (size_t i = 0; i < s->n; i++)
		order[i] = i;
	sort_ctx = s;
	sort_mode = v->sort;
	qsort(order, s->n, sizeof(*order), cmp_ifaces);
	view_clear(v);
	for (size_t i = 0; i < s->n; i++) {
		const struct iface *f = &s->f[order[i]];
		char buf[16];
		struct line *l = view_add(v, LINE_DEFAULT, "%s %s", f->row.name ? f->row.name : "", who(f->row.author, buf));
		line_object(l, f->row.id, "interface");
		l->data = order[i];
	}
	free(order);
}

static int interfaces_open(struct view *v)
{
	free_ifaces(v->priv);
	struct ifaces *s = pg_calloc(1, sizeof(*s));
	v->priv = s;
	pg_query q = { .type = "interface" };
	int err = pg_index_query(tui.index, &q, add_iface, s);
	struct counting c = { s, pg_calloc(s->n + 1, sizeof(size_t)), 0 };
	for (size_t i = 0; i < s->n; i++)
		c.by_id[i] = i;
	id_ctx = s;
	qsort(c.by_id, s->n, sizeof(*c.by_id), cmp_by_id);
	static const char *const types[] = { "spec", "impl", "bench" };
	for (c.which = 0; c.which < 3 && err == 0; c.which++)
		err = pg_index_link_counts(tui.index, "interface", types[c.which], add_count, &c);
	free(c.by_id);
	v->busy = s->n > 0;
	lay_out(v);
	return err;
}

/* Rank the next interface; 1 while more remain. */
static int interfaces_idle(struct view *v)
{
	struct ifaces *s = v->priv;
	if (!s || s->next >= s->n)
		return 0;
	struct iface *f = &s->f[s->next++];
	pg_ranking rk;
	if (pg_rank(&rk, tui.index, f->row.id, tui.rep) == 0) {
		if (rk.n && rk.rows[0].status <= PG_RANK_UNBENCHED) {
			snprintf(f->best, sizeof(f->best), "%s", rk.rows[0].impl.name ? rk.rows[0].impl.name : "?");
			f->status = rk.rows[0].status;
			f->score = rk.rows[0].score;
		}
		pg_ranking_free(&rk);
	} else {
		snprintf(f->best, sizeof(f->best), "(error)");
		pg_error_clear();
	}
	f->ranked = 1;
	if (s->next < s->n)
		return 1;
	if (v->sort == SORT_SCORE) {
		lay_out(v);
		view_refilter(v);
	}
	return 0;
}

static int name_width(int width)
{
	int w = width - 58;
	return w < 12 ? 12 : w;
}

static void interfaces_header(struct view *v, int y, int width)
{
	(void)v;
	int x = draw_col(y, 0, name_width(width), LINE_HEADER, 0, "interface");
	x = draw_col(y, x, 10, LINE_HEADER, 0, "author");
	x = draw_col(y, x, 5, LINE_HEADER, 0, "specs");
	x = draw_col(y, x, 5, LINE_HEADER, 0, "impls");
	x = draw_col(y, x, 16, LINE_HEADER, 0, "best impl");
	x = draw_col(y, x, 8, LINE_HEADER, 0, "score");
	draw_col(y, x, width - x > 0 ? width - x : 0, LINE_HEADER, 0, "trust");
}

static void interfaces_draw(struct view *v, const struct line *l, int y, int width, int sel)
{
	const struct iface *f = &((struct ifaces *)v->priv)->f[l->data];
	char buf[16], n1[24], n2[24], score[40], trust[40];
	snprintf(n1, sizeof(n1), "%5zu", f->specs);
	snprintf(n2, sizeof(n2), "%5zu", f->impls);
	if (!f->ranked)
		snprintf(score, sizeof(score), "...");
	else if (!*f->best)
		snprintf(score, sizeof(score), "-");
	else if (f->status == PG_RANK_RANKED)
		snprintf(score, sizeof(score), "%.3fx", f->score);
	else
		snprintf(score, sizeof(score), "no bench");
	if (!strcmp(f->row.author, tui.me))
		snprintf(trust, sizeof(trust), "you");
	else
		snprintf(trust, sizeof(trust), "%.1f%%", 100 * mass_of(f->row.author));
	int x = draw_col(y, 0, name_width(width), LINE_NAME, sel, f->row.name ? f->row.name : "");
	x = draw_col(y, x, 10, LINE_DEFAULT, sel, who(f->row.author, buf));
	x = draw_col(y, x, 5, LINE_DEFAULT, sel, n1);
	x = draw_col(y, x, 5, LINE_DEFAULT, sel, n2);
	x = draw_col(y, x, 16, *f->best ? LINE_PASS : LINE_DIM, sel, *f->best ? f->best : f->ranked ? "none verified" : "");
	x = draw_col(y, x, 8, f->ranked && *f->best ? LINE_DEFAULT : LINE_DIM, sel, score);
	draw_col(y, x, width - x > 0 ? width - x : 0, mass_of(f->row.author) > 0 ? LINE_DEFAULT : LINE_DIM, sel, trust);
}

static int interfaces_enter(struct view *v, const struct line *l)
{
	const struct iface *f = &((struct ifaces *)v->priv)->f[l->data];
	view_push(&iface_ops, f->row.id, f->row.name);
	return 0;
}

static int interfaces_request(struct view *v, enum request req, const struct line *l)
{
	(void)l;
	if (req != REQ_SORT)
		return 0;
	v->sort = (v->sort + 1) % SORTS;
	lay_out(v);
	v->pos = v->top = 0;
	view_refilter(v);
	message("sorted by %s%s", sort_names[v->sort], v->busy && v->sort == SORT_SCORE ? " (ranking still running)" : "");
	return 1;
}

static const char *interfaces_empty(struct view *v)
{
	(void)v;
	return "This store has no interfaces yet.\n"
	       "\n"
	       "  pg remote add hub git://HOST/store   then 'p' here pulls what others published\n"
	       "  pg new interface NAME                write your own; 'pg publish NAME' signs it\n"
	       "  make demo                            (in pg's source) builds a world to browse\n"
	       "\n"
	       "? lists the keys; 2 shows identities, 3 remotes.";
}

static void interfaces_free(struct view *v)
{
	free_ifaces(v->priv);
	v->priv = NULL;
}

const struct view_ops interfaces_ops = {
	"interfaces", interfaces_open, interfaces_draw, interfaces_header, interfaces_enter,
	interfaces_request, interfaces_idle, interfaces_empty, interfaces_free,
};
