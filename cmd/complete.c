/* complete.c - pg __complete: what can come next on a command line
 *
 *     pg __complete [GLOBAL-OPTIONS] [COMMAND [WORD...]] CURRENT
 *
 * answers the shells' completion scripts (completion/): one candidate per
 * line, "value<TAB>description", then a directive line ":N" whose bits say
 * 1: no space after the value, 2: also file names, 4: also directory names.
 * Candidates already start with CURRENT.
 *
 * Nothing here knows a command's options or arguments.  The command runs
 * with the words before CURRENT; parse_options, the first thing every
 * command calls, sees pg_completing and hands complete_command the
 * command's own option table and help.  The candidates thus come from the
 * tables that parse the options and print 'pg help', and cannot disagree
 * with them.  The grammar of the arguments is the usage text: each of its
 * lines that reads "pg NAME ..." (or "or: pg NAME ...") is a form; a
 * lowercase word is a literal (a subcommand), an UPPERCASE word a
 * placeholder whose values the kinds table below knows, A|B are
 * alternatives, [X] is optional, X... repeats, and options with their
 * values are skipped.  A placeholder or option value with no kind is an
 * error (exit 1), which tests/integration/t_shell_drift.sh turns into a
 * failing test.
 */
#include "cmd.h"
#include "config.h"
#include "gen.h"
#include "sync.h"
#include "trust.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind {
	K_NONE,       /* free text: a new name, a number, a URL */
	K_FILE,       /* the shell completes file names */
	K_DIR,        /* ... directory names */
	K_ID,         /* an object id prefix, any type */
	K_INTERFACE,  /* an interface: its name, or an id prefix */
	K_IMPL, K_SPEC, K_BENCH, K_PEER, /* an id prefix of that type */
	K_NAMES,      /* names of objects of any type */
	K_IFNAME,     /* interface names */
	K_IDENTITY,   /* identities in the store: name or key prefix */
	K_KEY,        /* your identities (keys in PG_HOME) */
	K_REMOTE,
	K_LEVEL,      /* trust levels */
	K_TYPE,       /* object types */
	K_LANG,       /* languages pg new and pg gen know */
	K_COMMAND,
	K_SUBCOMMAND, /* the literals of the command named before */
	K_SETTING,    /* pg config's keys */
	K_TERM,       /* pg find's KEY=VALUE */
	K_TARGET,     /* an id of the type named before (pg block) */
	K_VERDICT,
	K_RESULT_KIND,
};

static const struct placeholder {
	const char *name;
	enum kind kind;
} placeholders[] = {
	{ "ADDR", K_NONE },	      { "BENCH", K_BENCH },	  { "COLSxROWS", K_NONE },    { "COMMAND", K_COMMAND },
	{ "DIR", K_DIR },	      { "FILE", K_FILE },	  { "GLOB", K_NAMES },	      { "ID", K_ID },
	{ "IDENTITY", K_IDENTITY },   { "IMPL", K_IMPL },	  { "INTERFACE", K_INTERFACE }, { "KEY", K_KEY },
	{ "LANG", K_LANG },	      { "LEVEL", K_LEVEL },	  { "MS", K_NONE },	      { "N", K_NONE },
	{ "NAME", K_NONE },	      { "PEER", K_PEER },	  { "REMOTE", K_REMOTE },     { "SETTING", K_SETTING },
	{ "SPEC", K_SPEC },	      { "SUBCOMMAND", K_SUBCOMMAND }, { "TARGET", K_TARGET }, { "TERM", K_TERM },
	{ "TEXT", K_NONE },	      { "TYPE", K_TYPE },	  { "URL", K_NONE },	      { "VALUE", K_NONE },
	{ "WHEN", K_NONE },	      { "WHO", K_IDENTITY },	  { "WORD", K_IFNAME },
};

/* pg find's keys and the kind of each one's value. */
static const struct placeholder find_values[] = {
	{ "type", K_TYPE },	     { "name", K_NAMES },   { "lang", K_LANG },	     { "id", K_ID },
	{ "author", K_IDENTITY },    { "iface", K_IFNAME }, { "about", K_NONE },     { "kind", K_RESULT_KIND },
	{ "verdict", K_VERDICT },    { "subject", K_ID },   { "against", K_ID },     { "since", K_NONE },
	{ "until", K_NONE },	     { "connected", K_ID },
};

enum { D_NOSPACE = 1, D_FILES = 2, D_DIRS = 4 };

int pg_completing;

static struct {
	const char **words; /* after the command, before the current word */
	int nwords;
	const char *cur;
	int literals_only;  /* pg help CMD <TAB>: only CMD's subcommands */
	struct pg_ctx *ctx;
	int opened;
	unsigned directive;
} C;

/* --- output ------------------------------------------------------------- */

static _Noreturn void finish(void)
{
	printf(":%u\n", C.directive);
	exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR);
}

static _Noreturn void fail(const char *fmt, const char *a, const char *b)
{
	fputs("pg __complete: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(EXIT_FAILED);
}

/* prefix + value, if it starts with the current word, and a description
 * on one line. */
static void candidate(const char *prefix, const char *value, const char *desc)
{
	size_t np = strlen(prefix), nc = strlen(C.cur);
	if (!value || value[strcspn(value, "\t\n\r")])
		return;
	if (nc > np ? strncmp(C.cur, prefix, np) || strncmp(value, C.cur + np, nc - np) : strncmp(prefix, C.cur, nc))
		return;
	printf("%s%s", prefix, value);
	if (desc && *desc) {
		putchar('\t');
		for (const char *p = desc; *p; p++)
			putchar(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
	}
	putchar('\n');
}

/* The part of the current word after prefix ("" if it does not go that far). */
static const char *word_after(const char *prefix)
{
	size_t np = strlen(prefix);
	return strlen(C.cur) >= np ? C.cur + np : "";
}

static pg_index *index_or_null(void)
{
	if (!C.opened) {
		C.opened = 1;
		if (setup_store(C.ctx, PG_NEED_STORE) < 0 || pg_index_open_readonly(&C.ctx->index, C.ctx->store) < 0)
			C.ctx->index = NULL;
	}
	return C.ctx->index;
}

/* --- live values --------------------------------------------------------- */

struct id_rows {
	const char *prefix;
};

static int id_row(const pg_index_row *r, void *data)
{
	const struct id_rows *st = data;
	char desc[256];
	snprintf(desc, sizeof(desc), "%s %s%s%s%s by %s", r->type, r->name ? r->name : "-", r->lang ? " (" : "",
		 r->lang ? r->lang : "", r->lang ? ")" : "", author_label(r));
	candidate(st->prefix, r->id, desc);
	return 0;
}

/* Ids of one type (PG_T_NONE: any) starting with the word; with an empty
 * word only when asked (alone: the argument can be nothing else). */
static void ids(const char *prefix, pg_otype t, int alone)
{
	const char *w = word_after(prefix);
	pg_index *x;
	if ((!*w && !alone) || !pg_is_hex(w, strlen(w)) || !(x = index_or_null()))
		return;
	struct id_rows st = { prefix };
	pg_query q = { .type = t ? pg_otype_name(t) : NULL, .id_prefix = w, .order = "id" };
	pg_index_query(x, &q, id_row, &st);
}

struct names {
	const char *prefix, *type;
};

static int name_row(const char *name, uint64_t n, const char *author, void *data)
{
	const struct names *st = data;
	char desc[160];
	if (n == 1 && author)
		snprintf(desc, sizeof(desc), "%s by %s", st->type ? st->type : "object", author);
	else
		snprintf(desc, sizeof(desc), "%llu %s%s", (unsigned long long)n, st->type ? st->type : "object",
			 n == 1 ? "" : "s");
	candidate(st->prefix, name, desc);
	return 0;
}

static void names(const char *prefix, const char *type)
{
	pg_index *x = index_or_null();
	struct names st = { prefix, type };
	if (x)
		pg_index_names(x, type, word_after(prefix), name_row, &st);
}

struct ident {
	char name[72], key[PG_HEX_LEN + 1];
	int revoked;
};
struct idents {
	struct ident *v;
	size_t n;
};

static int ident_row(const pg_index_identity *e, void *data)
{
	struct idents *st = data;
	st->v = pg_realloc(st->v, (st->n + 1) * sizeof(*st->v));
	struct ident *d = &st->v[st->n++];
	memcpy(d->name, e->name, sizeof(d->name));
	memcpy(d->key, e->key, sizeof(d->key));
	d->revoked = e->revoked >= 0;
	return 0;
}

static int ident_cmp(const void *a, const void *b)
{
	const struct ident *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->revoked - y->revoked;
}

/* Names once each (the key of a current one described), and 12-hex key
 * prefixes when the word is hex. */
static void identities(const char *prefix)
{
	pg_index *x = index_or_null();
	struct idents st = { NULL, 0 };
	if (!x || pg_index_identities(x, ident_row, &st) < 0) {
		free(st.v);
		return;
	}
	qsort(st.v, st.n, sizeof(*st.v), ident_cmp);
	const char *w = word_after(prefix);
	int hex = *w && pg_is_hex(w, strlen(w));
	for (size_t i = 0; i < st.n; i++) {
		char desc[96], key[13];
		size_t same = 1;
		while (i + same < st.n && !strcmp(st.v[i + same].name, st.v[i].name))
			same++;
		snprintf(desc, sizeof(desc), "identity %.12s%s", st.v[i].key, st.v[i].revoked ? " (revoked)" : "");
		if (same > 1)
			snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), " and %zu more key%s", same - 1,
				 same > 2 ? "s" : "");
		candidate(prefix, st.v[i].name, desc);
		for (size_t j = i; hex && j < i + same; j++) {
			snprintf(key, sizeof(key), "%.12s", st.v[j].key);
			candidate(prefix, key, st.v[j].name);
		}
		i += same - 1;
	}
	free(st.v);
}

static void keys(const char *prefix)
{
	pg_key **k;
	size_t n;
	if (!C.ctx->home || pg_key_list(&k, &n, C.ctx->home) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char hex[PG_HEX_LEN + 1], desc[64];
		pg_hex(hex, k[i]->pk, PG_PK_LEN);
		snprintf(desc, sizeof(desc), "your identity %.12s%s", hex, k[i]->sealed ? " (sealed)" : "");
		candidate(prefix, k[i]->name, desc);
	}
	pg_key_list_free(k, n);
}

static void remotes(const char *prefix)
{
	pg_remote_info *r;
	size_t n;
	if (setup_store(C.ctx, PG_NEED_STORE) < 0 || pg_remote_list(&r, &n, C.ctx->store) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		candidate(prefix, r[i].name, r[i].url);
	pg_remote_list_free(r, n);
}

static void words(const char *prefix, const char *const *list)
{
	for (; *list; list += 2)
		candidate(prefix, list[0], list[1]);
}

static void complete_kind(enum kind k, const char *prefix, int alone, const char *before);

/* pg find's terms: KEY= (no space after), then KEY=VALUE by the key's kind. */
static void terms(const char *prefix)
{
	const char *w = word_after(prefix), *eq = w + strcspn(w, "=~");
	if (*eq) {
		char p[64];
		snprintf(p, sizeof(p), "%s%.*s", prefix, (int)(eq - w + 1), w);
		for (size_t i = 0; i < sizeof(find_values) / sizeof(find_values[0]); i++)
			if (strlen(find_values[i].name) == (size_t)(eq - w) && !strncmp(find_values[i].name, w, (size_t)(eq - w)))
				complete_kind(find_values[i].kind, p, 1, NULL);
		return;
	}
	/* the keys pg find knows, checked against this table */
	char *list = pg_strdup(pg_index_find_keys());
	for (char *save = NULL, *key = strtok_r(list, ", ", &save); key; key = strtok_r(NULL, ", ", &save)) {
		size_t i = 0;
		while (i < sizeof(find_values) / sizeof(find_values[0]) && strcmp(find_values[i].name, key))
			i++;
		if (i == sizeof(find_values) / sizeof(find_values[0]))
			fail("pg find's key '%s' has no completion%s", key, "");
		char v[32];
		snprintf(v, sizeof(v), "%s=", key);
		candidate(prefix, v, "find term");
	}
	free(list);
	C.directive |= D_NOSPACE;
}

static void complete_kind(enum kind k, const char *prefix, int alone, const char *before)
{
	static const char *const verdicts[] = { "passed", "every spec passed", "failed", "a spec failed",
		"incomplete", "not every spec ran", "measured", "a bench result", NULL };
	static const char *const result_kinds[] = { "verify", "pg verify's results", "bench", "pg bench's results", NULL };
	switch (k) {
	case K_NONE:
		break;
	case K_FILE:
		C.directive |= D_FILES;
		break;
	case K_DIR:
		C.directive |= D_DIRS;
		break;
	case K_ID:
		ids(prefix, PG_T_NONE, alone);
		break;
	case K_INTERFACE:
		names(prefix, "interface");
		ids(prefix, PG_T_INTERFACE, 0);
		break;
	case K_IMPL:
		ids(prefix, PG_T_IMPL, alone);
		break;
	case K_SPEC:
		ids(prefix, PG_T_SPEC, alone);
		break;
	case K_BENCH:
		ids(prefix, PG_T_BENCH, alone);
		break;
	case K_PEER:
		ids(prefix, PG_T_PEER, alone);
		break;
	case K_NAMES:
		names(prefix, NULL);
		break;
	case K_IFNAME:
		names(prefix, "interface");
		break;
	case K_IDENTITY:
		identities(prefix);
		break;
	case K_KEY:
		keys(prefix);
		break;
	case K_REMOTE:
		remotes(prefix);
		break;
	case K_LEVEL:
		for (int l = PG_LEVEL_DISTRUST; l <= PG_LEVEL_HIGH; l++) {
			char desc[48];
			snprintf(desc, sizeof(desc), "trust level, weight %g", pg_level_weight(l));
			candidate(prefix, pg_level_name(l), desc);
		}
		break;
	case K_TYPE:
		for (int t = PG_T_NONE + 1; t < PG_T__COUNT; t++)
			candidate(prefix, pg_otype_name((pg_otype)t), "object type");
		break;
	case K_LANG:
		for (int l = 0; l < PG_LANG__COUNT; l++) {
			char desc[64];
			snprintf(desc, sizeof(desc), "language (an impl starts from %s)", pg_lang_get((pg_lang)l)->skeleton);
			candidate(prefix, pg_lang_name((pg_lang)l), desc);
		}
		break;
	case K_COMMAND:
		for (const struct cmd_struct *c = pg_commands; c->name; c++)
			if (strncmp(c->name, "__", 2))
				candidate(prefix, c->name, c->summary);
		break;
	case K_SUBCOMMAND: {
		const struct cmd_struct *c = before ? command_named(before) : NULL;
		if (!c || !strncmp(c->name, "__", 2))
			break;
		const char *argv[] = { c->name, NULL };
		C.words = NULL;
		C.nwords = 0;
		C.literals_only = 1;
		c->fn(1, argv, C.ctx); /* completes in its parse_options */
		break;
	}
	case K_SETTING:
		for (const pg_setting *s = pg_settings(); s->key; s++)
			candidate(prefix, s->key, s->help);
		break;
	case K_TERM:
		terms(prefix);
		break;
	case K_TARGET:
		if (before && (!strcmp(before, "id") || !strcmp(before, "identity")))
			identities(prefix);
		else if (before && pg_otype_parse(before) != PG_T_NONE)
			ids(prefix, pg_otype_parse(before), 1);
		break;
	case K_VERDICT:
		words(prefix, verdicts);
		break;
	case K_RESULT_KIND:
		words(prefix, result_kinds);
		break;
	}
}

/* --- the usage's forms --------------------------------------------------- */

#define MAX_FORMS 12
#define MAX_ELEMS 8
#define MAX_ALTS 8

struct elem {
	struct {
		const char *s;
		int len;
		int kind; /* -1: a literal */
	} alt[MAX_ALTS];
	int nalt, repeat;
	const char *tok; /* the word in the usage line */
	int toklen;
};

struct form {
	const char *text; /* the line, for a subcommand's description */
	int text_len;
	struct elem el[MAX_ELEMS];
	int n;
};

static int placeholder_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (strlen(placeholders[i].name) == len && !strncmp(placeholders[i].name, s, len))
			return placeholders[i].kind;
	return -2;
}

static _Noreturn void bad_usage(const struct cmd_help *help, const char *what, size_t len)
{
	char w[64];
	snprintf(w, sizeof(w), "%.*s", (int)(len < 60 ? len : 60), what);
	fail("the usage of 'pg %s' has '%s', which completion does not know (see cmd/complete.c)", help->name, w);
}

/* One token of a form: its alternatives into e (or nothing, for options). */
static void parse_alts(const struct cmd_help *help, struct elem *e, const char *s, size_t len)
{
	e->nalt = 0;
	while (len) {
		size_t n = 0;
		while (n < len && s[n] != '|')
			n++;
		if (n && s[0] != '-') {
			if (e->nalt == MAX_ALTS)
				bad_usage(help, s, n);
			int lit = s[0] >= 'a' && s[0] <= 'z';
			for (size_t i = 0; lit && i < n; i++)
				lit = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
			int k = lit ? -1 : placeholder_kind(s, n);
			if (k == -2)
				bad_usage(help, s, n);
			e->alt[e->nalt].s = s;
			e->alt[e->nalt].len = (int)n;
			e->alt[e->nalt++].kind = k;
		}
		s += n + (n < len);
		len -= n + (n < len);
	}
}

static int parse_forms(struct form *forms, const struct option *opts, const struct cmd_help *help)
{
	int nf = 0;
	size_t nl = strlen(help->name);
	for (const char *line = help->usage; line && *line;) {
		const char *end = line + strcspn(line, "\n");
		const char *p = line + strspn(line, " ");
		if (!strncmp(p, "or: ", 4))
			p += 4;
		if (strncmp(p, "pg ", 3) || strncmp(p + 3, help->name, nl) || (p[3 + nl] != ' ' && p + 3 + nl != end)) {
			line = *end ? end + 1 : end;
			continue;
		}
		if (nf == MAX_FORMS)
			bad_usage(help, p, (size_t)(end - p));
		struct form *f = &forms[nf++];
		f->text = p;
		f->text_len = (int)(end - p);
		f->n = 0;
		for (p += 3 + nl; p < end;) {
			p += strspn(p, " ");
			const char *t = p;
			while (p < end && *p != ' ')
				p++;
			size_t len = (size_t)(p - t);
			if (!len)
				continue;
			int repeat = 0, closes = 0;
			while (len && *t == '[')
				t++, len--;
			for (;;) {
				if (len >= 3 && !strncmp(t + len - 3, "...", 3))
					len -= 3, repeat = 1;
				else if (len && t[len - 1] == ']')
					len--, closes = 1;
				else
					break;
			}
			if (!len || (len == 7 && !strncmp(t, "options", 7)))
				continue;
			if (*t == '-') {
				/* an option; its value, if it takes one, is the next word */
				const struct option *o = option_find(opts, t, len);
				int takes = o ? o->type != OPT_T_BOOL : !closes && p < end && p[1] != '[' && p[1] != '<';
				if (takes) {
					p += strspn(p, " ");
					while (p < end && *p != ' ')
						p++;
				}
				continue;
			}
			if (f->n == MAX_ELEMS)
				bad_usage(help, f->text, (size_t)f->text_len);
			struct elem *e = &f->el[f->n];
			parse_alts(help, e, t, len);
			e->repeat = repeat;
			e->tok = t;
			e->toklen = (int)len;
			if (e->nalt)
				f->n++;
		}
		line = *end ? end + 1 : end;
	}
	return nf;
}

static const struct elem *elem_at(const struct form *f, int i)
{
	if (i < f->n)
		return &f->el[i];
	return f->n && f->el[f->n - 1].repeat ? &f->el[f->n - 1] : NULL;
}

/* 1: w is one of e's literals, 2: a placeholder takes it, 0: neither. */
static int elem_match(const struct elem *e, const char *w)
{
	int any = 0;
	for (int a = 0; a < e->nalt; a++) {
		if (e->alt[a].kind != -1)
			any = 1;
		else if ((int)strlen(w) == e->alt[a].len && !strncmp(e->alt[a].s, w, (size_t)e->alt[a].len))
			return 1;
	}
	return any ? 2 : 0;
}

static void complete_positional(const struct form *forms, int nf, const char **pos, int npos)
{
	int alive[MAX_FORMS];
	for (int f = 0; f < nf; f++)
		alive[f] = 1;
	for (int i = 0; i < npos; i++) {
		int how[MAX_FORMS] = { 0 }, literal = 0;
		for (int f = 0; f < nf; f++) {
			const struct elem *e = alive[f] ? elem_at(&forms[f], i) : NULL;
			how[f] = e ? elem_match(e, pos[i]) : 0;
			literal |= how[f] == 1;
		}
		for (int f = 0; f < nf; f++) /* a subcommand's name is not also a value */
			alive[f] = how[f] == 1 || (how[f] == 2 && !literal);
	}
	unsigned long done = 0;
	for (int f = 0; f < nf; f++) {
		const struct elem *e = alive[f] ? elem_at(&forms[f], npos) : NULL;
		for (int a = 0; e && a < e->nalt; a++) {
			int k = e->alt[a].kind;
			if (k == -1) {
				/* described by its form, with this word for its alternatives */
				const struct form *fm = &forms[f];
				char lit[64], desc[256];
				snprintf(lit, sizeof(lit), "%.*s", e->alt[a].len, e->alt[a].s);
				snprintf(desc, sizeof(desc), "%.*s%s%.*s", (int)(e->tok - fm->text), fm->text, lit,
					 (int)(fm->text + fm->text_len - e->tok - e->toklen), e->tok + e->toklen);
				int dup = 0;
				for (int g = 0; g < f && !dup; g++) /* one line per literal */
					dup = alive[g] && elem_at(&forms[g], npos) && elem_match(elem_at(&forms[g], npos), lit) == 1;
				if (!dup)
					candidate("", lit, desc);
			} else if (!C.literals_only && !(done & (1ul << k))) {
				done |= 1ul << k;
				complete_kind((enum kind)k, "", e->nalt == 1, npos ? pos[npos - 1] : NULL);
			}
		}
	}
}

/* --- options -------------------------------------------------------------- */

static int option_kind(const struct cmd_help *help, const struct option *o)
{
	if (o->type == OPT_T_BOOL)
		return K_NONE;
	const char *a = o->argh ? o->argh : "";
	size_t n = strcspn(a, "|");
	int k = placeholder_kind(a, n);
	if (k < 0)
		bad_usage(help, a, strlen(a));
	return k;
}

static void complete_value(const struct cmd_help *help, const struct option *o, const char *prefix)
{
	complete_kind((enum kind)option_kind(help, o), prefix, 1, NULL);
}

_Noreturn void complete_command(const struct option *opts, const struct cmd_help *help)
{
	struct form forms[MAX_FORMS];
	int nf = parse_forms(forms, opts, help);
	for (const struct option *o = opts; o->type != OPT_T_END; o++) /* every value has a kind */
		option_kind(help, o);

	const char *pos[64];
	int npos = 0, only_args = 0;
	const struct option *pending = NULL;
	for (int i = 0; i < C.nwords; i++) {
		const char *w = C.words[i];
		if (pending) {
			pending = NULL;
		} else if (!only_args && !strcmp(w, "--")) {
			only_args = 1;
		} else if (!only_args && w[0] == '-' && w[1]) {
			size_t len = w[1] == '-' ? strcspn(w, "=") : 2;
			const struct option *o = option_find(opts, w, len);
			if (o && o->type != OPT_T_BOOL && !w[len])
				pending = o;
		} else if (npos < (int)(sizeof(pos) / sizeof(pos[0]))) {
			pos[npos++] = w;
		}
	}
	if (pending) {
		complete_value(help, pending, "");
	} else if (!only_args && C.cur[0] == '-' && !C.literals_only) {
		const char *eq = strchr(C.cur, '=');
		const struct option *o = eq && C.cur[1] == '-' ? option_find(opts, C.cur, (size_t)(eq - C.cur)) : NULL;
		if (o && o->type != OPT_T_BOOL) {
			char prefix[64];
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - C.cur + 1), C.cur);
			complete_value(help, o, prefix);
		} else {
			for (o = opts; o->type != OPT_T_END; o++) {
				char name[64];
				snprintf(name, sizeof(name), "--%s", o->long_name);
				candidate("", name, o->help);
			}
			candidate("", "--help", "show this help");
		}
	} else {
		complete_positional(forms, nf, pos, npos);
	}
	finish();
}

/* --- the command line before the command ---------------------------------- */

int cmd_complete(int argc, const char **argv, struct pg_ctx *ctx)
{
	if (argc < 2) {
		error("usage: pg __complete [WORD...] CURRENT (the shells' completion scripts run it)");
		return EXIT_USAGE;
	}
	C.ctx = ctx;
	C.cur = argv[argc - 1];
	pg_completing = 1;
	int i = 1, last = argc - 1;
	while (i < last) {
		const char *w = argv[i];
		if (w[0] != '-')
			break;
		const struct option *o = option_find(pg_global_options, w, strlen(w));
		if (o && o->type != OPT_T_BOOL) {
			if (i + 1 == last) {
				complete_kind((enum kind)option_kind(&pg_help, o), "", 1, NULL);
				finish();
			}
			if (o->short_name == 'C' && chdir(argv[i + 1]) < 0)
				finish(); /* no such directory: nothing to offer */
			i++;
		}
		i++;
	}
	if (i == last) {
		if (C.cur[0] == '-') {
			for (const struct option *o = pg_global_options; o->type != OPT_T_END; o++) {
				char name[64];
				snprintf(name, sizeof(name), "%s%s", o->long_name ? "--" : "-",
					 o->long_name ? o->long_name : (char[]){ (char)o->short_name, 0 });
				candidate("", name, o->help);
			}
		} else {
			complete_kind(K_COMMAND, "", 1, NULL);
		}
		finish();
	}
	const struct cmd_struct *c = command_named(argv[i]);
	if (!c || !strncmp(c->name, "__", 2))
		finish();
	C.words = argv + i + 1;
	C.nwords = last - i - 1;
	/* the command gets the words before the current one; its
	 * parse_options completes and exits */
	const char **args = pg_realloc(NULL, (size_t)(last - i + 1) * sizeof(*args));
	memcpy(args, argv + i, (size_t)(last - i) * sizeof(*args));
	args[last - i] = NULL;
	c->fn(last - i, args, ctx);
	free(args);
	finish();
}
