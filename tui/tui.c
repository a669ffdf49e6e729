/* tui.c - pg tui's frame: the screen, keys, views on a stack, prompts,
 * and the headless script mode the tests drive
 *
 * The screen: the tab bar (row 0), the view (its column headings, then its
 * lines), the status bar (row LINES-2: the view, the position, the selected
 * line) and the message line (row LINES-1: messages, prompts, the progress
 * of a running action).  Keys go through one table, keymap[], to requests;
 * the help view is printed from it.
 *
 * Headless (--script): curses draws into a screen of the pinned size whose
 * output goes nowhere; keystrokes come from the script and <Screen> prints
 * the screen's text.  Background work runs to the end after every key so
 * the screens are the same on every machine; actions run for real and
 * <Wait> waits for them.
 */
#include "tui.h"
#include "explain.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

struct tui tui;

/* --- the key table ---------------------------------------------------------- */

#define KEY_ESC 27
#define KEY_WHEEL_UP (KEY_MAX + 1)
#define KEY_WHEEL_DOWN (KEY_MAX + 2)

static const struct keymap {
	int key;
	enum request req;
	const char *name; /* for the help screen and scripts */
} keymap[] = {
	{ '1', REQ_VIEW_INTERFACES, "1" },
	{ '2', REQ_VIEW_IDENTITIES, "2" },
	{ '3', REQ_VIEW_REMOTES, "3" },
	{ '\t', REQ_NEXT_VIEW, "Tab" },
	{ '\n', REQ_ENTER, "Enter" },
	{ '\r', REQ_ENTER, NULL },
	{ KEY_ENTER, REQ_ENTER, NULL },
	{ 'q', REQ_BACK, "q" },
	{ KEY_ESC, REQ_BACK, "Esc" },
	{ KEY_BACKSPACE, REQ_BACK, NULL },
	{ KEY_LEFT, REQ_BACK, "Left" },
	{ 'Q', REQ_QUIT, "Q" },
	{ 'k', REQ_UP, "k" },
	{ KEY_UP, REQ_UP, "Up" },
	{ KEY_WHEEL_UP, REQ_UP, "wheel" },
	{ 'j', REQ_DOWN, "j" },
	{ KEY_DOWN, REQ_DOWN, "Down" },
	{ KEY_WHEEL_DOWN, REQ_DOWN, "wheel" },
	{ KEY_PPAGE, REQ_PAGE_UP, "PgUp" },
	{ 'K', REQ_PAGE_UP, NULL },
	{ KEY_NPAGE, REQ_PAGE_DOWN, "PgDn" },
	{ ' ', REQ_PAGE_DOWN, "Space" },
	{ 'J', REQ_PAGE_DOWN, NULL },
	{ 'g', REQ_FIRST, "g" },
	{ KEY_HOME, REQ_FIRST, "Home" },
	{ 'G', REQ_LAST, "G" },
	{ KEY_END, REQ_LAST, "End" },
	{ '/', REQ_FILTER, "/" },
	{ 's', REQ_SORT, "s" },
	{ 'r', REQ_RAW, "r" },
	{ 't', REQ_TRUST, "t" },
	{ 'b', REQ_BLOCK, "b" },
	{ 'v', REQ_VERIFY, "v" },
	{ 'B', REQ_BENCH, "B" },
	{ 'p', REQ_PULL, "p" },
	{ 'o', REQ_OUTPUT, "o" },
	{ 'R', REQ_REFRESH, "R" },
	{ KEY_F(5), REQ_REFRESH, NULL },
	{ '?', REQ_HELP, "?" },
	{ KEY_F(1), REQ_HELP, NULL },
};

static const char *const req_help[] = {
	NULL,
#define TUI_REQ_HELP(name, help) help,
	TUI_REQUESTS(TUI_REQ_HELP)
#undef TUI_REQ_HELP
};

static enum request key_request(int key)
{
	for (size_t i = 0; i < sizeof(keymap) / sizeof(*keymap); i++)
		if (keymap[i].key == key)
			return keymap[i].req;
	return REQ_NONE;
}

/* The help: every request, the keys bound to it, what it does. */
static int help_open(void)
{
	pg_buf b = PG_BUF_INIT;
	pg_buf_puts(&b, "pg tui: browse the store; actions run the pg commands they name.\n\n");
	for (int r = 1; r < REQ_COUNT; r++) {
		char keys[64] = "";
		size_t len = 0;
		for (size_t i = 0; i < sizeof(keymap) / sizeof(*keymap); i++) {
			if (keymap[i].req != (enum request)r || !keymap[i].name)
				continue;
			if (len && strstr(keys, keymap[i].name))
				continue; /* the wheel is one key, twice */
			len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%s%s", len ? " " : "", keymap[i].name);
			if (len >= sizeof(keys))
				len = sizeof(keys) - 1;
		}
		pg_buf_printf(&b, "  %-16s %s\n", keys, req_help[r]);
	}
	pg_buf_puts(&b, "\nActions that publish (t, b, v, B) ask first; 'private' keeps a trust or\n"
			"block in .pg/policy, never published.  Colours follow meaning: green\n"
			"passes, red fails or is blocked, dim is what does not count.  NO_COLOR\n"
			"turns them off.\n");
	int err = pager_open("help", b.ptr, b.len);
	pg_buf_free(&b);
	return err;
}

/* --- lines ------------------------------------------------------------------- */

struct line *view_add(struct view *v, enum line_type type, const char *fmt, ...)
{
	pg_vec vec = { v->line, v->lines, v->cap, sizeof(*v->line) };
	struct line *l = pg_vec_push(&vec);
	v->line = vec.p, v->lines = vec.n, v->cap = vec.cap;
	l->type = type;
	va_list ap;
	va_start(ap, fmt);
	pg_buf b = PG_BUF_INIT;
	pg_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	l->text = b.ptr ? pg_buf_detach(&b) : pg_strdup("");
	l->selectable = type != LINE_SECTION && type != LINE_HEADER;
	return l;
}

void view_clear(struct view *v)
{
	for (size_t i = 0; i < v->lines; i++)
		free(v->line[i].text);
	free(v->line);
	free(v->vis);
	v->line = NULL;
	v->vis = NULL;
	v->lines = v->nvis = v->cap = 0;
}

static int contains_fold(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return n == 0;
}

static void view_filter(struct view *v)
{
	free(v->vis);
	v->vis = pg_calloc(v->lines + 1, sizeof(*v->vis));
	v->nvis = 0;
	for (size_t i = 0; i < v->lines; i++)
		if (!v->filter || !*v->filter || (v->line[i].selectable && contains_fold(v->line[i].text, v->filter)))
			v->vis[v->nvis++] = i;
}

static void view_settle(struct view *v, int dir);

void view_refilter(struct view *v)
{
	view_filter(v);
	view_settle(v, 1);
}

static const struct line *view_selected(const struct view *v)
{
	if (!v->nvis || v->pos >= v->nvis)
		return NULL;
	const struct line *l = &v->line[v->vis[v->pos]];
	return l->selectable ? l : NULL;
}

/* --- the view stack ------------------------------------------------------- */

static const struct view_ops *const top_ops[] = { &interfaces_ops, &identities_ops, &remotes_ops };
#define NTOPS (sizeof(top_ops) / sizeof(*top_ops))
static struct view *tops[NTOPS];
static size_t top;
static struct view *cur;
static int quit;

static int body_rows(void);

static void view_free(struct view *v)
{
	if (!v)
		return;
	if (v->ops->free)
		v->ops->free(v);
	view_clear(v);
	free(v->title);
	free(v->filter);
	free(v);
}

/* Move the selection to a selectable line near pos, scrolling to show it. */
static void view_settle(struct view *v, int dir)
{
	if (!v->nvis) {
		v->pos = v->top = 0;
		return;
	}
	if (v->pos >= v->nvis)
		v->pos = v->nvis - 1;
	size_t p = v->pos;
	while (p < v->nvis && !v->line[v->vis[p]].selectable)
		p = dir < 0 ? (p ? p - 1 : v->nvis) : p + 1;
	if (p >= v->nvis) { /* none that way: the other */
		p = v->pos;
		while (p < v->nvis && !v->line[v->vis[p]].selectable)
			p = dir < 0 ? p + 1 : (p ? p - 1 : v->nvis);
	}
	if (p < v->nvis)
		v->pos = p;
	size_t rows = (size_t)(body_rows() > 0 ? body_rows() : 1);
	if (v->pos < v->top)
		v->top = v->pos;
	if (v->pos >= v->top + rows)
		v->top = v->pos - rows + 1;
	/* show the section heading above the first line */
	if (v->top && v->top == v->pos && !v->line[v->vis[v->top - 1]].selectable && v->pos - v->top + 1 < rows)
		v->top--;
	if (v->top + rows > v->nvis)
		v->top = v->nvis > rows ? v->nvis - rows : 0;
	if (v->pos < v->top)
		v->top = v->pos;
}

/* (Re)load a view's lines, keeping the selection on the same thing. */
static int view_load(struct view *v)
{
	char keep_id[PG_HEX_LEN + 1] = "";
	char *keep_text = NULL;
	size_t keep_pos = v->pos;
	const struct line *sel = view_selected(v);
	if (sel) {
		memcpy(keep_id, sel->id, sizeof(keep_id));
		keep_text = pg_strdup(sel->text);
	}
	view_clear(v);
	int err = v->ops->open(v);
	view_filter(v);
	v->pos = keep_pos;
	for (size_t i = 0; sel && i < v->nvis; i++) {
		const struct line *l = &v->line[v->vis[i]];
		if (l->selectable && (*keep_id ? !strcmp(l->id, keep_id) : !strcmp(l->text, keep_text))) {
			v->pos = i;
			break;
		}
	}
	free(keep_text);
	view_settle(v, 1);
	return err;
}

int view_push(const struct view_ops *ops, const char *id, const char *title)
{
	struct view *v = pg_calloc(1, sizeof(*v));
	v->ops = ops;
	if (id)
		snprintf(v->id, sizeof(v->id), "%s", id);
	v->title = pg_strdup(title ? title : ops->name);
	int err = view_load(v);
	if (err < 0) {
		message_error(err);
		view_free(v);
		return err;
	}
	v->prev = cur;
	cur = v;
	return 0;
}

static void view_pop(void)
{
	struct view *v = cur;
	if (!v->prev) {
		quit = 1;
		return;
	}
	cur = v->prev;
	view_free(v);
}

static void show_top(size_t i)
{
	while (cur && cur->prev)
		view_pop();
	if (!tops[i]) {
		tops[i] = pg_calloc(1, sizeof(*tops[i]));
		tops[i]->ops = top_ops[i];
		tops[i]->title = pg_strdup(top_ops[i]->name);
		int err = view_load(tops[i]);
		if (err < 0)
			message_error(err);
	}
	top = i;
	cur = tops[i];
}

/* --- pager: any text ------------------------------------------------------- */

static int pager_text_open(struct view *v)
{
	(void)v; /* its lines are added once, by pager_open */
	return 0;
}

const struct view_ops pager_ops = { "text", pager_text_open, NULL, NULL, NULL, NULL, NULL, NULL, NULL };

/* Lines whose words say what they are get that colour. */
static enum line_type guess_type(const char *s)
{
	while (*s == ' ')
		s++;
	if (!strncmp(s, "agrees", 6) || !strncmp(s, "passed", 6) || !strncmp(s, "ok ", 3) || strstr(s, ": passed"))
		return LINE_PASS;
	if (!strncmp(s, "disagrees", 9) || !strncmp(s, "removed:", 8) || !strncmp(s, "error:", 6) ||
	    !strncmp(s, "FAILED", 6) || strstr(s, ": failed") || !strncmp(s, "refusal", 7))
		return LINE_FAIL;
	if (!strncmp(s, "unconfirmed", 11) || !strncmp(s, "warning:", 8))
		return LINE_WARN;
	return LINE_DEFAULT;
}

int pager_open(const char *title, const char *text, size_t len)
{
	struct view *v = pg_calloc(1, sizeof(*v));
	v->ops = &pager_ops;
	v->title = pg_strdup(title);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		pg_buf b = PG_BUF_INIT;
		/* as a terminal shows it: what follows the last carriage return
		 * (progress lines), without escape sequences; tabs to spaces,
		 * other controls to '?' */
		size_t from = 0;
		for (size_t i = 0; i + 1 < n; i++)
			if (p[i] == '\r')
				from = i + 1;
		for (size_t i = from; i < n; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c == 033 && i + 1 < n && p[i + 1] == '[') {
				for (i += 2; i < n && !(p[i] >= '@' && p[i] <= '~'); i++)
					;
				continue;
			}
			if (c == '\t')
				do
					pg_buf_putc(&b, ' ');
				while (b.len % 8);
			else if (c == '\r' && i + 1 == n)
				;
			else
				pg_buf_putc(&b, c < 32 || c == 127 ? '?' : (char)c);
		}
		struct line *l = view_add(v, LINE_DEFAULT, "%s", b.ptr ? b.ptr : "");
		l->type = guess_type(l->text);
		pg_buf_free(&b);
		p += n + 1;
	}
	if (!v->lines)
		view_add(v, LINE_DIM, "(empty)");
	view_filter(v);
	v->prev = cur;
	cur = v;
	return 0;
}

/* --- drawing ----------------------------------------------------------------- */

static int color_ok;

static void colors_init(void)
{
	color_ok = !tui.headless && has_colors() && !getenv("NO_COLOR");
	if (!color_ok)
		return;
	start_color();
	use_default_colors();
	static const short fg[LINE_TYPES] = {
		[LINE_DEFAULT] = -1, [LINE_TITLE] = COLOR_BLACK, [LINE_STATUS] = COLOR_BLACK, [LINE_HEADER] = -1,
		[LINE_SECTION] = COLOR_YELLOW, [LINE_ID] = COLOR_YELLOW, [LINE_NAME] = COLOR_CYAN, [LINE_PASS] = COLOR_GREEN,
		[LINE_FAIL] = COLOR_RED, [LINE_WARN] = COLOR_MAGENTA, [LINE_DIM] = COLOR_BLUE, [LINE_CURSOR] = -1,
	};
	for (int t = 1; t < LINE_TYPES; t++)
		init_pair((short)t, fg[t], t == LINE_TITLE || t == LINE_STATUS ? COLOR_CYAN : -1);
}

static attr_t line_attr(enum line_type t, int selected)
{
	attr_t a = A_NORMAL;
	switch (t) {
	case LINE_TITLE:
	case LINE_STATUS:
		a = color_ok ? A_NORMAL : A_REVERSE;
		break;
	case LINE_HEADER:
	case LINE_SECTION:
	case LINE_NAME:
		a = A_BOLD;
		break;
	case LINE_FAIL:
		a = color_ok ? A_NORMAL : A_BOLD;
		break;
	case LINE_DIM:
		a = color_ok ? A_NORMAL : A_DIM;
		break;
	default:
		break;
	}
	if (color_ok && t != LINE_DEFAULT && t != LINE_CURSOR)
		a |= COLOR_PAIR(t);
	if (selected)
		a |= A_REVERSE;
	return a;
}

/* Decode one UTF-8 character of s (at most n bytes): its width, or a '?'. */
static size_t next_char(const char *s, size_t n, wchar_t *wc, int *w)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t k = mbrtowc(wc, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*wc = L'?';
		k = 1;
	}
	*w = wcwidth(*wc);
	if (*w < 0) {
		*wc = L'?';
		*w = 1;
	}
	return k;
}

int text_width(const char *s)
{
	size_t n = strlen(s);
	int width = 0;
	while (n) {
		wchar_t wc;
		int w;
		size_t k = next_char(s, n, &wc, &w);
		width += w;
		s += k;
		n -= k;
	}
	return width;
}

/* Hand each character of s that fits in width display columns to put
 * (wc: the character, or '?' for a byte that is not one); the columns
 * used. */
static int each_fitting(const char *s, int width, void (*put)(wchar_t wc, const char *bytes, size_t k, void *data),
			void *data)
{
	size_t n = strlen(s);
	int used = 0;
	while (n) {
		wchar_t wc;
		int w;
		size_t k = next_char(s, n, &wc, &w);
		if (used + w > width)
			break;
		put(wc, s, k, data);
		used += w;
		s += k;
		n -= k;
	}
	return used;
}

static void put_screen(wchar_t wc, const char *bytes, size_t k, void *data)
{
	(void)bytes, (void)k, (void)data;
	addnwstr(&wc, 1);
}

void draw_text(int y, int x, int width, enum line_type type, int selected, const char *s)
{
	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(line_attr(type, selected));
	move(y, x);
	for (int used = each_fitting(s, width, put_screen, NULL); used < width; used++)
		addch(' ');
	attrset(A_NORMAL);
}

int draw_col(int y, int x, int width, enum line_type type, int selected, const char *s)
{
	if (x >= COLS)
		return x;
	draw_text(y, x, width, type, selected, s);
	if (x + width < COLS)
		draw_text(y, x + width, 1, LINE_DEFAULT, selected, "");
	return x + width + 1;
}

/* --- the message line --------------------------------------------------------- */

static char msg[512];
static int msg_error;

void message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	msg_error = 0;
}

void message_error(int err)
{
	(void)err;
	message("error: %s", pg_error_last());
	msg_error = 1;
	pg_error_clear();
}

const char *who(const char *key, char buf[16])
{
	const pg_rep_node *n = tui.rep ? pg_rep_find(tui.rep, key) : NULL;
	if (n && n->name[0])
		return n->name;
	snprintf(buf, 16, "%.12s", key);
	return buf;
}

double mass_of(const char *key)
{
	const pg_rep_node *n = tui.rep ? pg_rep_find(tui.rep, key) : NULL;
	return n ? tui.rep->nodes[n->principal].mass : 0;
}

/* --- the screen ----------------------------------------------------------------- */

#define MIN_COLS 20
#define MIN_ROWS 6

static int first_row(void)
{
	return cur && cur->ops->header ? 2 : 1;
}

static int body_rows(void)
{
	return LINES - 2 - first_row();
}

static const char *prompt_line; /* a prompt being answered, drawn instead of the message */

static void draw_tabs(void)
{
	static const char *const names[NTOPS] = { "1 Interfaces", "2 Identities", "3 Remotes" };
	int x = 0;
	draw_text(0, 0, COLS, LINE_TITLE, 0, "");
	x = draw_col(0, x, 6, LINE_TITLE, 0, " pg");
	for (size_t i = 0; i < NTOPS; i++) {
		int w = text_width(names[i]) + 2;
		char buf[32];
		snprintf(buf, sizeof(buf), " %s ", names[i]);
		draw_text(0, x, w, LINE_TITLE, i == top, buf);
		x += w + 1;
	}
	if (x < COLS)
		draw_text(0, x, COLS - x, LINE_TITLE, 0, "  ? help  q back");
}

static void draw_status(void)
{
	char buf[512];
	const struct line *l = view_selected(cur);
	size_t n = 0;
	for (size_t i = 0; i < cur->nvis; i++)
		n += cur->line[cur->vis[i]].selectable;
	size_t at = 0;
	for (size_t i = 0; i <= cur->pos && i < cur->nvis; i++)
		at += cur->line[cur->vis[i]].selectable;
	char where[64];
	if (n)
		snprintf(where, sizeof(where), "%zu/%zu", at, n);
	else
		snprintf(where, sizeof(where), "empty");
	snprintf(buf, sizeof(buf), "[%s] %s%s%s%s", cur->title, where, cur->filter && *cur->filter ? "  filter: " : "",
		 cur->filter && *cur->filter ? cur->filter : "", l && *l->id ? "  " : "");
	if (l && *l->id) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "%s", l->id);
	}
	draw_text(LINES - 2, 0, COLS, LINE_STATUS, 0, buf);
}

static void draw_message(void)
{
	char buf[600];
	enum line_type t = msg_error ? LINE_FAIL : LINE_DEFAULT;
	if (prompt_line)
		snprintf(buf, sizeof(buf), "%s", prompt_line), t = LINE_NAME;
	else if (action_running())
		snprintf(buf, sizeof(buf), "%s", action_progress()), t = LINE_WARN;
	else
		snprintf(buf, sizeof(buf), "%s", msg);
	draw_text(LINES - 1, 0, COLS, t, 0, buf);
	if (prompt_line) {
		int x = text_width(buf);
		move(LINES - 1, x < COLS ? x : COLS - 1);
	}
}

static void draw_screen(void)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_ROWS) { /* say so, wrapped to what there is */
		char buf[128];
		snprintf(buf, sizeof(buf), "terminal too small: %dx%d; pg tui needs %dx%d. Q quits", COLS, LINES, MIN_COLS,
			 MIN_ROWS);
		size_t len = strlen(buf), at = 0;
		for (int y = 0; y < LINES && at < len; y++, at += (size_t)COLS)
			draw_text(y, 0, COLS, LINE_DEFAULT, 0, buf + at);
		refresh();
		return;
	}
	view_settle(cur, 1);
	draw_tabs();
	int y0 = first_row();
	if (cur->ops->header)
		cur->ops->header(cur, 1, COLS);
	int rows = body_rows();
	for (int r = 0; r < rows; r++) {
		size_t i = cur->top + (size_t)r;
		if (i >= cur->nvis)
			break;
		const struct line *l = &cur->line[cur->vis[i]];
		int sel = i == cur->pos && l->selectable;
		if (cur->ops->draw && l->kind != K_NONE)
			cur->ops->draw(cur, l, y0 + r, COLS, sel);
		else
			draw_text(y0 + r, 0, COLS, l->type, sel, l->text);
	}
	if (!cur->nvis) {
		const char *e = cur->filter && *cur->filter ? "nothing matches the filter ('/' then Enter clears it)"
			      : cur->ops->empty ? cur->ops->empty(cur) : "(nothing here)";
		int y = y0;
		for (const char *p = e; *p && y < y0 + rows; y++) {
			size_t n = strcspn(p, "\n");
			char *s = pg_strndup(p, n);
			draw_text(y, 0, COLS, y == y0 ? LINE_NAME : LINE_DEFAULT, 0, s);
			free(s);
			p += n + (p[n] == '\n');
		}
	}
	draw_status();
	draw_message();
	curs_set(prompt_line ? 1 : 0);
	refresh();
}

/* --- keys: the terminal or the script ------------------------------------------- */

static FILE *script;
static const char *script_name;
static unsigned script_line = 1, script_col = 0, tok_line, tok_col;
static int pending[256]; /* keys of a "text" token still to deliver */
static size_t npending, pending_at;
static double last_check;
static size_t screens;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The screen's text, trailing blanks cut. */
static void print_screen(void)
{
	draw_screen();
	printf("--- screen %zu (%dx%d)\n", ++screens, COLS, LINES);
	wchar_t *row = pg_calloc((size_t)COLS + 1, sizeof(*row));
	for (int y = 0; y < LINES; y++) {
		int n = mvinnwstr(y, 0, row, COLS);
		if (n < 0)
			n = 0;
		row[n] = 0;
		while (n > 0 && row[n - 1] == L' ')
			row[--n] = 0;
		char mb[MB_LEN_MAX];
		mbstate_t st;
		memset(&st, 0, sizeof(st));
		for (int i = 0; i < n; i++) {
			size_t k = wcrtomb(mb, row[i], &st);
			if (k == (size_t)-1)
				putchar('?');
			else
				fwrite(mb, 1, k, stdout);
		}
		putchar('\n');
	}
	free(row);
	fflush(stdout);
}

static int script_error(const char *fmt, const char *tok)
{
	fprintf(stderr, "error: %s:%u:%u: ", script_name, tok_line, tok_col);
	fprintf(stderr, fmt, tok);
	fputs("\n", stderr);
	return -1;
}

static const struct { const char *name; int key; } key_names[] = {
	{ "Enter", '\n' }, { "Esc", KEY_ESC }, { "Tab", '\t' }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
	{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "BS", KEY_BACKSPACE }, { "Space", ' ' },
	{ "WheelUp", KEY_WHEEL_UP }, { "WheelDown", KEY_WHEEL_DOWN }, { "F1", KEY_F(1) }, { "F5", KEY_F(5) },
	{ "Lt", '<' },
};

static void run_idle(double budget);
static int script_failed;

static int sgetc(void)
{
	int c = getc(script);
	if (c == '\n')
		script_line++, script_col = 0;
	else if (c != EOF)
		script_col++;
	return c;
}

/* Read the next script token: a key, or a command done here.  Tokens:
 * one character, "text" (each character a key), <Name>; white space and
 * '#' comments between them.  -1 at the end (or after an error). */
static int script_key(void)
{
	for (;;) {
		if (pending_at < npending)
			return pending[pending_at++];
		int c;
		for (;;) {
			c = sgetc();
			if (c == '#')
				while ((c = sgetc()) != EOF && c != '\n')
					;
			if (c == EOF || !isspace(c))
				break;
		}
		if (c == EOF)
			return -1;
		tok_line = script_line, tok_col = script_col;
		char tok[300];
		size_t n = 0;
		if (c == '"') {
			while ((c = sgetc()) != EOF && c != '"' && c != '\n' && n < sizeof(tok) - 1)
				tok[n++] = (char)c;
			if (c != '"') {
				script_failed = 1;
				return script_error("unterminated \"text\"%s", " (a text token ends on its line)");
			}
			npending = pending_at = 0;
			for (size_t i = 0; i < n && npending < sizeof(pending) / sizeof(*pending); i++)
				pending[npending++] = (unsigned char)tok[i];
			continue;
		}
		if (c != '<')
			return c;
		while ((c = sgetc()) != EOF && c != '>' && !isspace(c) && n < sizeof(tok) - 1)
			tok[n++] = (char)c;
		tok[n] = '\0';
		if (c != '>') {
			script_failed = 1;
			return script_error("'<%s' has no '>': a named key is <Name> (<Lt> is the key '<')", tok);
		}
		const char *name = tok;
		if (!strcmp(name, "Screen")) {
			print_screen();
			continue;
		}
		if (!strcmp(name, "Wait")) {
			double t0 = now_s();
			while (action_running() && now_s() - t0 < 600) {
				struct pollfd p = { action_fd(), POLLIN, 0 };
				if (poll(&p, 1, 200) > 0)
					action_poll(1);
				else
					action_poll(0);
			}
			run_idle(1e9);
			continue;
		}
		int cols, rows;
		if (sscanf(name, "Resize:%dx%d", &cols, &rows) == 2) {
			if (cols < 1 || rows < 1 || cols > 1000 || rows > 1000) {
				script_failed = 1;
				return script_error("<%s>: sizes are 1 to 1000", tok);
			}
			resize_term(rows, cols);
			return KEY_RESIZE;
		}
		for (size_t i = 0; i < sizeof(key_names) / sizeof(*key_names); i++)
			if (!strcmp(name, key_names[i].name))
				return key_names[i].key;
		script_failed = 1;
		return script_error("unknown key <%s>: Enter Esc Tab Up Down Left Right PgUp PgDn Home End BS Space "
				    "WheelUp WheelDown F1 F5 Lt, or <Screen> <Wait> <Resize:COLSxROWS>", name);
	}
}

/* Background work of the views on screen, for about budget seconds. */
static void run_idle(double budget)
{
	double t0 = now_s();
	for (size_t round = 0; round < NTOPS + 64; round++) {
		struct view *v = cur;
		while (v && !v->busy)
			v = v->prev;
		for (size_t i = 0; !v && i < NTOPS; i++)
			if (tops[i] && tops[i]->busy)
				v = tops[i];
		if (!v)
			return;
		while ((v->busy = v->ops->idle(v)) != 0)
			if (now_s() - t0 > budget)
				return;
	}
}

static int idle_busy(void)
{
	for (struct view *v = cur; v; v = v->prev)
		if (v->busy)
			return 1;
	for (size_t i = 0; i < NTOPS; i++)
		if (tops[i] && tops[i]->busy)
			return 1;
	return 0;
}

static int translate_mouse(void)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		return KEY_WHEEL_DOWN;
#endif
	if (ev.bstate & BUTTON4_PRESSED)
		return KEY_WHEEL_UP;
	if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) {
		int row = ev.y - first_row();
		if (row >= 0 && row < body_rows() && cur->top + (size_t)row < cur->nvis)
			cur->pos = cur->top + (size_t)row;
	}
	return 0;
}

/* The next key.  On a terminal: waits, handling the running action's
 * output, background work and the store changing meanwhile.  -1: no more
 * (the script ended). */
static int next_key(void)
{
	if (tui.headless) {
		int k = script_key();
		return k;
	}
	for (;;) {
		draw_screen();
		int busy = idle_busy();
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { action_fd(), POLLIN, 0 } };
		int timeout = action_running() ? 250 : 2000;
		int r = poll(p, action_running() ? 2 : 1, busy ? 0 : timeout);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r < 0) { /* a signal: SIGWINCH is curses' KEY_RESIZE */
			int k = getch();
			if (k != ERR)
				return k;
			continue;
		}
		if (action_running())
			action_poll(r > 0 && (p[1].revents & (POLLIN | POLLHUP)));
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
			int k = getch();
			if (k == KEY_MOUSE) {
				k = translate_mouse();
				if (!k)
					continue;
			}
			if (k != ERR)
				return k;
			if (p[0].revents & POLLHUP)
				return -1;
			continue;
		}
		if (busy) {
			run_idle(0.01); /* a key waits at most about this long */
			continue;
		}
		if (!prompt_line && now_s() - last_check > 2) {
			last_check = now_s();
			tui_reload(0);
		}
	}
}

/* --- prompts ---------------------------------------------------------------------- */

char *prompt_text(const char *question, int secret)
{
	pg_buf in = PG_BUF_INIT;
	pg_buf_puts(&in, "");
	char line[700];
	for (;;) {
		if (secret) {
			char stars[64];
			size_t n = in.len < sizeof(stars) - 1 ? in.len : sizeof(stars) - 1;
			memset(stars, '*', n);
			stars[n] = '\0';
			snprintf(line, sizeof(line), "%s%s", question, stars);
		} else {
			snprintf(line, sizeof(line), "%s%s", question, in.ptr);
		}
		prompt_line = line;
		int k = next_key();
		if (k == KEY_ESC || k == -1) {
			prompt_line = NULL;
			if (secret)
				memset(in.ptr, 0, in.len);
			pg_buf_free(&in);
			message("cancelled");
			return NULL;
		}
		if (k == '\n' || k == '\r' || k == KEY_ENTER)
			break;
		if (k == KEY_BACKSPACE || k == 127 || k == 8) {
			while (in.len && (in.ptr[in.len - 1] & 0xc0) == 0x80)
				in.len--;
			if (in.len)
				in.len--;
			in.ptr[in.len] = '\0';
		} else if (k == KEY_RESIZE) {
			continue;
		} else if (k >= 32 && k < 256 && k != 127 && in.len < 1000) {
			pg_buf_putc(&in, (char)k);
		}
	}
	prompt_line = NULL;
	return pg_buf_detach(&in);
}

int prompt_choice(const char *question, const char *choices)
{
	prompt_line = question;
	for (;;) {
		int k = next_key();
		if (k == KEY_RESIZE)
			continue;
		prompt_line = NULL;
		if (k > 0 && k < 256 && k != KEY_ESC && strchr(choices, k))
			return k;
		message("cancelled");
		return 0;
	}
}

/* --- refresh ------------------------------------------------------------------------ */

void tui_reload(int force)
{
	static char said[512]; /* a damaged log is said once, not every check */
	int err = pg_index_sync(tui.index);
	if (err < 0 && (force || strcmp(said, pg_error_last()))) {
		snprintf(said, sizeof(said), "%s", pg_error_last());
		message_error(err);
	}
	pg_error_clear();
	if (err < 0 && err != PG_EINTEGRITY && err != PG_EINVALID)
		return;
	uint64_t gen = pg_index_gen(tui.index);
	if (!force && gen == tui.gen)
		return;
	pg_rep *rep = NULL;
	if ((err = pg_rep_compute(&rep, tui.index, tui.store, tui.me, pg_now())) < 0) {
		message_error(err);
		return;
	}
	pg_rep_free(tui.rep);
	tui.rep = rep;
	int changed = gen != tui.gen;
	tui.gen = gen;
	for (struct view *v = cur; v; v = v->prev)
		if (v->ops != &pager_ops && (err = view_load(v)) < 0)
			message_error(err);
	for (size_t i = 0; i < NTOPS; i++)
		if (tops[i] && tops[i] != cur && (err = view_load(tops[i])) < 0)
			message_error(err);
	if (!msg_error)
		message(changed ? "the store changed: reloaded" : "reloaded");
}

/* --- dispatch ------------------------------------------------------------------------ */

static void move_by(struct view *v, long d)
{
	if (!v->nvis)
		return;
	long p = (long)v->pos + d;
	if (p < 0)
		p = 0;
	if (p >= (long)v->nvis)
		p = (long)v->nvis - 1;
	/* past the last selectable line in that direction: stay */
	size_t q = (size_t)p;
	while (q < v->nvis && !v->line[v->vis[q]].selectable)
		q = d < 0 ? (q ? q - 1 : v->nvis) : q + 1;
	if (q >= v->nvis) {
		if (d < 0 && v->top)
			v->top = 0; /* show the headings above the first line */
		return;
	}
	v->pos = q;
	view_settle(v, d < 0 ? -1 : 1);
}

static void dispatch(int key)
{
	if (key == KEY_RESIZE) {
		clearok(stdscr, TRUE);
		return;
	}
	if (COLS < MIN_COLS || LINES < MIN_ROWS) {
		if (key == 'Q' || key == 'q')
			quit = 1;
		return;
	}
	enum request req = key_request(key);
	const struct line *l = view_selected(cur);
	long page = body_rows() > 1 ? body_rows() - 1 : 1;
	msg_error = 0;
	switch (req) {
	case REQ_NONE:
		if (key > 0 && key < 256 && isprint(key))
			message("'%c' does nothing here; ? lists the keys", key);
		return;
	case REQ_VIEW_INTERFACES:
	case REQ_VIEW_IDENTITIES:
	case REQ_VIEW_REMOTES:
		show_top((size_t)(req - REQ_VIEW_INTERFACES));
		return;
	case REQ_NEXT_VIEW:
		show_top((top + 1) % NTOPS);
		return;
	case REQ_BACK:
		view_pop();
		return;
	case REQ_QUIT:
		quit = 1;
		return;
	case REQ_UP:
		move_by(cur, -1);
		return;
	case REQ_DOWN:
		move_by(cur, 1);
		return;
	case REQ_PAGE_UP:
		move_by(cur, -page);
		return;
	case REQ_PAGE_DOWN:
		move_by(cur, page);
		return;
	case REQ_FIRST:
		cur->pos = 0;
		cur->top = 0;
		view_settle(cur, 1);
		return;
	case REQ_LAST:
		cur->pos = cur->nvis ? cur->nvis - 1 : 0;
		view_settle(cur, -1);
		return;
	case REQ_FILTER: {
		char *f = prompt_text("filter (Enter; empty shows all): ", 0);
		if (!f)
			return;
		free(cur->filter);
		cur->filter = *f ? f : NULL;
		if (!*f)
			free(f);
		view_filter(cur);
		cur->pos = cur->top = 0;
		view_settle(cur, 1);
		message(cur->filter ? "%zu lines match" : "filter cleared", cur->nvis);
		return;
	}
	case REQ_HELP:
		help_open();
		return;
	case REQ_REFRESH:
		tui_reload(1);
		return;
	case REQ_OUTPUT:
		action_output();
		return;
	case REQ_ENTER:
		if (!l) {
			message("nothing selected");
			return;
		}
		if (cur->ops->enter && cur->ops->enter(cur, l) == 0)
			return;
		message("nothing to open on this line");
		return;
	default:
		break;
	}
	if (cur->ops->request && cur->ops->request(cur, req, l))
		return;
	switch (req) {
	case REQ_TRUST:
	case REQ_BLOCK:
	case REQ_VERIFY:
	case REQ_BENCH:
	case REQ_PULL:
		action(req, cur, l);
		return;
	case REQ_SORT:
		message("this view has one order");
		return;
	case REQ_RAW:
		message("'r' shows an object's bytes: open an object first");
		return;
	default:
		return;
	}
}

/* --- main ---------------------------------------------------------------------------- */

static SCREEN *screen;
static FILE *null_out, *null_in;

static int screen_init(int cols, int rows)
{
	if (tui.headless) {
		null_out = fopen("/dev/null", "w");
		null_in = fopen("/dev/null", "r");
		if (!null_out || !null_in)
			return pg_error_set(PG_ERROR, "cannot open /dev/null");
		setenv("LINES", "24", 1); /* the terminal's own size is not asked */
		setenv("COLUMNS", "80", 1);
		screen = newterm("xterm", null_out, null_in);
		if (!screen)
			return pg_error_set(PG_ERROR, "curses cannot start (terminfo 'xterm' missing?)");
		resize_term(rows, cols);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return pg_error_set(PG_EINVALID, "pg tui needs a terminal (--script FILE runs it without one)");
		const char *term = getenv("TERM");
		screen = newterm(term && *term ? NULL : "vt100", stdout, stdin);
		if (!screen)
			return pg_error_set(PG_EINVALID, "curses cannot drive the terminal '%s'; set TERM (e.g. xterm-256color)",
					    term ? term : "");
		/* a screen is drawn by moving the cursor: a terminal that cannot
		 * (TERM=dumb) would show one garbled line, so say so instead */
		const char *cup = tigetstr("cup");
		if (!cup || cup == (char *)-1)
			return pg_error_set(PG_EINVALID, "pg tui needs a terminal that can move the cursor, and '%s' "
					    "cannot; set TERM (e.g. xterm-256color)", term ? term : "");
		set_escdelay(25);
		mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
				  | BUTTON5_PRESSED
#endif
			  , NULL);
		mouseinterval(0);
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	colors_init();
	return 0;
}

static void screen_end(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
	if (null_out)
		fclose(null_out);
	if (null_in)
		fclose(null_in);
	null_out = null_in = NULL;
}

int tui_main(pg_store *store, pg_index *index, const char *home, const char *script_path, int cols, int rows)
{
	int err;
	memset(&tui, 0, sizeof(tui));
	tui.store = store;
	tui.index = index;
	tui.home = pg_strdup(home ? home : "");
	tui.headless = script_path != NULL;
	setlocale(LC_ALL, "");
	uint8_t pk[PG_PK_LEN];
	if (home && pg_key_get_current(pk, home) == 0)
		pg_hex(tui.me, pk, PG_PK_LEN);
	pg_error_clear();
	if (script_path) {
		script_name = strcmp(script_path, "-") ? script_path : "(stdin)";
		script = strcmp(script_path, "-") ? fopen(script_path, "r") : stdin;
		if (!script) {
			err = pg_error_set(PG_ENOTFOUND, "cannot open script %s: %s", script_path, strerror(errno));
			free(tui.home);
			return err;
		}
	}
	tui.gen = pg_index_gen(index);
	if ((err = pg_rep_compute(&tui.rep, index, store, tui.me, pg_now())) < 0 || (err = screen_init(cols, rows)) < 0)
		goto done;
	last_check = now_s();
	show_top(0);
	while (!quit) {
		if (tui.headless)
			run_idle(1e9);
		int k = next_key();
		if (k == -1)
			break;
		dispatch(k);
	}
	if (tui.headless && !script_failed)
		print_screen();
done:
	screen_end();
	while (cur && cur->prev)
		view_pop();
	for (size_t i = 0; i < NTOPS; i++) {
		view_free(tops[i]);
		tops[i] = NULL;
	}
	cur = NULL;
	quit = 0;
	action_free();
	pg_rep_free(tui.rep);
	free(tui.home);
	if (script && script != stdin)
		fclose(script);
	script = NULL;
	if (err == 0 && script_failed)
		err = pg_error_set(PG_EINVALID, "the script stopped at an error");
	return err;
}

static void put_buf(wchar_t wc, const char *bytes, size_t k, void *data)
{
	if (wc == L'?' && *bytes != '?')
		pg_buf_putc(data, '?');
	else
		pg_buf_put(data, bytes, k);
}

void text_col(pg_buf *b, const char *s, int width)
{
	for (int used = each_fitting(s, width, put_buf, b); used <= width; used++)
		pg_buf_putc(b, ' ');
}

void show_text(int err, const char *title, const pg_buf *b)
{
	if (err < 0)
		message_error(err);
	else
		pager_open(title, b->ptr ? b->ptr : "", b->len);
}

void line_object(struct line *l, const char *id, const char *type)
{
	l->kind = K_OBJECT;
	snprintf(l->id, sizeof(l->id), "%s", id);
	snprintf(l->otype, sizeof(l->otype), "%s", type);
}
