/* tui.h - pg tui: a curses browser over the store; views, lines and keys
 *
 * After tig: each view is one file with a table of operations (open loads
 * its lines from lib/, draw paints one line, enter opens what a line points
 * at, request takes the view's own keys, idle does background work), and
 * the state a view owns hangs off it.  Keys map to named requests in one
 * table (TUI_REQUESTS below and the key map in tui.c), so the help screen
 * is made from the same table that dispatches keys.  tui/ never calls
 * SQLite or git: the data comes from lib/, and actions that publish run
 * the pg binary itself, so they do exactly what the command line does.
 */
#ifndef PG_TUI_H
#define PG_TUI_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "trust.h"

/* What a line means; the colour (or attribute) follows from it. */
enum line_type {
	LINE_DEFAULT,
	LINE_TITLE,   /* the tab bar */
	LINE_STATUS,  /* the status bar */
	LINE_HEADER,  /* column headings */
	LINE_SECTION, /* a heading inside a view */
	LINE_ID,
	LINE_NAME,
	LINE_PASS,
	LINE_FAIL,
	LINE_WARN,
	LINE_DIM,
	LINE_CURSOR,
	LINE_TYPES
};

/* Requests: name, help.  The help screen lists them in this order. */
#define TUI_REQUESTS(_)                                                                          \
	_(VIEW_INTERFACES, "Interfaces: each one's best impl and its author's trust")           \
	_(VIEW_IDENTITIES, "Identities: reputation, your trust, agreeing evidence")              \
	_(VIEW_REMOTES, "Remotes and logs: last fetch, refusals, publishers")                    \
	_(NEXT_VIEW, "the next of those three views")                                            \
	_(ENTER, "open the selected line")                                                       \
	_(BACK, "back to the previous view (quits from the first)")                              \
	_(QUIT, "quit")                                                                          \
	_(UP, "move up")                                                                         \
	_(DOWN, "move down")                                                                     \
	_(PAGE_UP, "a page up")                                                                  \
	_(PAGE_DOWN, "a page down")                                                              \
	_(FIRST, "the first line")                                                               \
	_(LAST, "the last line")                                                                 \
	_(FILTER, "show only lines containing a text (empty: all)")                              \
	_(SORT, "sort by the next column")                                                       \
	_(RAW, "an object's exact signed bytes")                                                 \
	_(TRUST, "set your trust in the selected identity or author")                            \
	_(BLOCK, "block the selected object or identity")                                        \
	_(VERIFY, "verify the selected impl or interface in the sandbox")                        \
	_(BENCH, "bench the selected impl or interface against the baseline")                    \
	_(PULL, "pull from every remote")                                                        \
	_(OUTPUT, "the output of the last action")                                               \
	_(REFRESH, "reload from the store")                                                      \
	_(HELP, "this help")

enum request {
	REQ_NONE,
#define TUI_REQ_ENUM(name, help) REQ_##name,
	TUI_REQUESTS(TUI_REQ_ENUM)
#undef TUI_REQ_ENUM
	REQ_COUNT
};

/* What a line stands for, so actions know their target. */
enum line_kind { K_NONE, K_OBJECT, K_IDENTITY, K_REMOTE, K_PUBLISHER, K_FILE };

struct line {
	enum line_type type;
	enum line_kind kind;
	char *text;          /* drawn as is, or (with ops->draw) what the filter searches */
	char id[PG_HEX_LEN + 1]; /* the object or key it stands for */
	char otype[16];      /* the object's type */
	size_t data;         /* the view's own index */
	int selectable;
};

struct view;

struct view_ops {
	const char *name;
	/* Load the lines (again, after a refresh). */
	int (*open)(struct view *v);
	/* Paint line l at row y, width columns (NULL: its text). */
	void (*draw)(struct view *v, const struct line *l, int y, int width, int selected);
	/* Column headings (NULL: none). */
	void (*header)(struct view *v, int y, int width);
	/* Enter on l: open another view (0), or nothing to open (1). */
	int (*enter)(struct view *v, const struct line *l);
	/* A request the generic code does not handle: 1 if taken. */
	int (*request)(struct view *v, enum request req, const struct line *l);
	/* Background work: 1 while more remains. */
	int (*idle)(struct view *v);
	/* What to say on the status bar when nothing is selected. */
	const char *(*empty)(struct view *v);
	void (*free)(struct view *v);
};

struct view {
	const struct view_ops *ops;
	char *title;
	char id[PG_HEX_LEN + 1]; /* what the view is about */
	struct line *line;
	size_t lines, cap;       /* a pg_vec's n and cap */
	size_t *vis;             /* the lines the filter lets through */
	size_t nvis;
	size_t pos, top;         /* selection and first row shown, in vis */
	char *filter;
	int sort;
	int busy;                /* background work remains (ops->idle) */
	void *priv;
	struct view *prev;       /* the view Enter came from */
};

/* --- what every view can reach (tui.c) ---------------------------------- */

struct tui {
	pg_store *store;
	pg_index *index;
	pg_rep *rep;
	char *home;
	char me[PG_HEX_LEN + 1];
	uint64_t gen;            /* the index generation the views show */
	int headless, color;
};
extern struct tui tui;

/* Lines. */
struct line *view_add(struct view *v, enum line_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void view_clear(struct view *v);
/* After a view's lines changed outside open: filter them again. */
void view_refilter(struct view *v);
/* Push a new view (opened) on top of the current one. */
int view_push(const struct view_ops *ops, const char *id, const char *title);
/* A text view of buf's lines (help, files, output, explanations). */
int pager_open(const char *title, const char *text, size_t len);
/* The text in a pager, or (err < 0) the error on the message line. */
void show_text(int err, const char *title, const pg_buf *b);
/* Mark a line as standing for an object. */
void line_object(struct line *l, const char *id, const char *type);

/* Drawing: text cut or padded to width display columns (UTF-8 aware). */
void draw_text(int y, int x, int width, enum line_type type, int selected, const char *s);
/* Columns left to right; returns the next x. */
int draw_col(int y, int x, int width, enum line_type type, int selected, const char *s);
/* Append s cut or padded to width display columns, and a space. */
void text_col(pg_buf *b, const char *s, int width);
/* Display columns of a UTF-8 string. */
int text_width(const char *s);

/* The message line: what happened; errors stay until the next key. */
void message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void message_error(int err);

/* Labels from the reputation: an identity's name or short key. */
const char *who(const char *key, char buf[16]);
double mass_of(const char *key);

/* Actions (action.c) on a line: trust, block, verify, bench; and pull. */
int action(enum request req, struct view *v, const struct line *l);
int action_running(void);
void action_poll(int fd_ready);
int action_fd(void);
const char *action_progress(void);
void action_output(void);
void action_free(void);

/* Prompts on the message line (tui.c): a line of text (NULL if
 * cancelled; secret: echo '*'), or one of the keys in choices (0 if
 * cancelled). */
char *prompt_text(const char *question, int secret);
int prompt_choice(const char *question, const char *choices);

/* Reload everything after the store changed. */
void tui_reload(int force);

/* The views. */
extern const struct view_ops interfaces_ops, iface_ops, object_ops, identities_ops, remotes_ops, pager_ops;

/* pg tui: headless when script is not NULL ("-" for stdin). */
int tui_main(pg_store *store, pg_index *index, const char *home, const char *script, int cols, int rows);

#endif
