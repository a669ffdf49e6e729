/* iface.c - one interface: its impls ranked as pg rank ranks them, its
 * specs (and whether they bind your verdicts), its benches and its IDL */
#include "tui.h"
#include "payload.h"
#include "rank.h"
#include "idl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct linked {
	struct view *v;
	const char *type;
	const char *iface_author;
};

static int add_linked(const pg_index_row *r, void *data)
{
	struct linked *k = data;
	pg_buf b = PG_BUF_INIT;
	char buf[16], date[32];
	pg_format_date(date, r->date);
	pg_buf_puts(&b, "  ");
	text_col(&b, r->name ? r->name : "-", 24);
	text_col(&b, who(r->author, buf), 12);
	text_col(&b, date, 10);
	enum line_type t = LINE_DEFAULT;
	if (!strcmp(k->type, "spec")) {
		const char *why = pg_rep_spec_applies(tui.rep, r->id, r->author, r->date, k->iface_author);
		pg_buf_puts(&b, why ? "skipped: " : "binds your verdicts");
		if (why)
			pg_buf_puts(&b, why);
		t = why ? LINE_DIM : LINE_DEFAULT;
	}
	line_object(view_add(k->v, t, "%s", b.ptr), r->id, r->type);
	pg_buf_free(&b);
	return 0;
}

static const char *status_word(const pg_rank_row *r)
{
	switch (r->status) {
	case PG_RANK_RANKED:
	case PG_RANK_UNBENCHED:
		return "verified";
	case PG_RANK_UNVERIFIED:
		return "unverified";
	case PG_RANK_FAILED:
		return "fails";
	case PG_RANK_BLOCKED:
		return "blocked";
	}
	return "?";
}

static void add_impls(struct view *v, const pg_ranking *rk)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "  ");
	text_col(&b, "rank", 4);
	text_col(&b, "impl", 20);
	text_col(&b, "lang", 6);
	text_col(&b, "author", 10);
	text_col(&b, "score", 8);
	text_col(&b, "25-75% band", 13);
	text_col(&b, "verified", 12);
	pg_buf_puts(&b, "signers");
	view_add(v, LINE_HEADER, "%s", b.ptr);
	for (size_t i = 0; i < rk->n; i++) {
		const pg_rank_row *r = &rk->rows[i];
		char rank[24] = "-", score[40] = "-", band[64] = "", ver[48], sig[24], buf[16];
		if (r->rank)
			snprintf(rank, sizeof(rank), "%zu", r->rank);
		if (r->status == PG_RANK_RANKED) {
			snprintf(score, sizeof(score), "%.3fx", r->score);
			snprintf(band, sizeof(band), "%.3f-%.3f", r->lo, r->hi);
		} else if (r->status == PG_RANK_UNBENCHED) {
			snprintf(score, sizeof(score), "unbenched");
		}
		if (r->status <= PG_RANK_UNBENCHED)
			snprintf(ver, sizeof(ver), "\xe2\x9c\x93 %zu%s", r->verified_by, r->verified_by_me ? " (you)" : "");
		else if (r->status == PG_RANK_FAILED)
			snprintf(ver, sizeof(ver), "\xe2\x9c\x97 fails");
		else
			snprintf(ver, sizeof(ver), "%s", status_word(r));
		snprintf(sig, sizeof(sig), "%zu", r->signers);
		pg_buf_clear(&b);
		pg_buf_puts(&b, "  ");
		text_col(&b, rank, 4);
		text_col(&b, r->impl.name ? r->impl.name : "?", 20);
		text_col(&b, r->impl.lang ? r->impl.lang : "-", 6);
		text_col(&b, who(r->impl.author, buf), 10);
		text_col(&b, score, 8);
		text_col(&b, band, 13);
		text_col(&b, ver, 12);
		pg_buf_puts(&b, sig);
		if (r->reason && *r->reason && r->status != PG_RANK_RANKED)
			pg_buf_printf(&b, "  %s", r->reason);
		enum line_type t = r->status == PG_RANK_RANKED ? (r->rank == 1 ? LINE_PASS : LINE_DEFAULT)
				 : r->status == PG_RANK_UNBENCHED ? LINE_DEFAULT
				 : r->status == PG_RANK_UNVERIFIED ? LINE_DIM
								   : LINE_FAIL;
		line_object(view_add(v, t, "%s", b.ptr), r->impl.id, r->impl.type);
	}
	if (!rk->n)
		view_add(v, LINE_DIM, "  (no impls yet: 'pg new impl %s c' writes one)", v->title);
	pg_buf_free(&b);
}

/* The IDL as published: interface.pgi from the payload. */
static void add_idl(struct view *v, const pg_index_row *row)
{
	pg_buf tar = PG_BUF_INIT, src = PG_BUF_INIT;
	int err = pg_row_payload(&tar, tui.store, row);
	if (err == 0)
		err = pg_payload_read(&src, tar.ptr, tar.len, PG_IDL_FILE, PG_IDL_MAX_BYTES);
	view_add(v, LINE_SECTION, "Interface (%s)", PG_IDL_FILE);
	if (err < 0) {
		view_add(v, LINE_FAIL, "  %s", pg_error_last());
		pg_error_clear();
	}
	for (const char *p = src.ptr, *end = src.ptr + src.len; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct line *l = view_add(v, LINE_DEFAULT, "  %.*s", (int)n, p);
		for (char *c = l->text; *c; c++)
			if (*c == '\t' || *c == '\r')
				*c = ' ';
		p += n + 1;
	}
	pg_buf_free(&tar);
	pg_buf_free(&src);
}

static int iface_open(struct view *v)
{
	pg_index_row row;
	pg_ranking rk;
	int err = pg_index_get(tui.index, &row, v->id);
	if (err < 0)
		return err;
	if ((err = pg_rank(&rk, tui.index, row.id, tui.rep)) < 0) {
		pg_index_row_clear(&row);
		return err;
	}
	char buf[16], date[32];
	pg_format_date(date, row.date);
	struct line *l = view_add(v, LINE_NAME, "%s by %s, %.10s (%.12s)", row.name, who(row.author, buf), date, row.id);
	line_object(l, row.id, row.type);
	view_add(v, LINE_SECTION, "Implementations, best first (score: time as a multiple of the baseline's)");
	add_impls(v, &rk);
	struct linked k = { v, "spec", row.author };
	view_add(v, LINE_SECTION, "Specs (every impl must pass them)");
	size_t before = v->lines;
	if ((err = pg_index_linked(tui.index, row.id, "interface", "spec", add_linked, &k)) == 0) {
		if (v->lines == before)
			view_add(v, LINE_DIM, "  (none: 'pg new spec %s' writes one)", row.name);
		view_add(v, LINE_SECTION, "Benches (what the scores measure)");
		before = v->lines;
		k.type = "bench";
		err = pg_index_linked(tui.index, row.id, "interface", "bench", add_linked, &k);
		if (err == 0 && v->lines == before)
			view_add(v, LINE_DIM, "  (none: 'pg new bench %s' writes one)", row.name);
	}
	if (err == 0)
		add_idl(v, &row);
	pg_ranking_free(&rk);
	pg_index_row_clear(&row);
	return err;
}

static int iface_enter(struct view *v, const struct line *l)
{
	(void)v;
	if (l->kind != K_OBJECT)
		return 1;
	view_push(&object_ops, l->id, NULL);
	return 0;
}

const struct view_ops iface_ops = {
	"interface", iface_open, NULL, NULL, iface_enter, NULL, NULL, NULL, NULL,
};
