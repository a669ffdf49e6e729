/* trust.c - pg trust, pg block and pg rep: whose word counts, and why
 *
 * Trust claims and blocks are signed objects in the user's log (or, with
 * --private, lines in .pg/policy that never leave the store); reputation
 * is computed from them and from the evidence by lib/trust.c, and every
 * number pg rep prints comes with where it came from.
 */
#include "cmd.h"
#include "explain.h"
#include "trust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- shared ----------------------------------------------------------------- */

/* An identity argument: a name or key prefix in the store (keys handed
 * over to a successor mean the successor), or a full key not seen yet. */
static int resolve_identity(struct pg_ctx *ctx, const pg_rep *rep, const char *arg, char key[PG_HEX_LEN + 1])
{
	size_t len = strlen(arg);
	char(*keys)[PG_HEX_LEN + 1];
	size_t n;
	int err = pg_index_authors(ctx->index, arg, &keys, &n);
	if (err < 0)
		return err;
	int64_t found = -1;
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		const pg_rep_node *nd = pg_rep_find(rep, keys[i]);
		int64_t p = nd ? (int64_t)nd->principal : -1;
		if (p < 0)
			continue;
		if (p != found)
			distinct++;
		found = p;
	}
	free(keys);
	if (distinct == 1) {
		memcpy(key, rep->nodes[found].key, PG_HEX_LEN + 1);
		return 0;
	}
	if (distinct > 1)
		return pg_error_set(PG_EAMBIGUOUS, "'%s' names %zu identities; give a key prefix instead", arg, distinct);
	if (len == PG_HEX_LEN && pg_is_hex(arg, len)) {
		memcpy(key, arg, PG_HEX_LEN + 1); /* kept, and resolved when its log arrives */
		return 0;
	}
	return pg_error_set(PG_ENOTFOUND, "no identity '%s' in this store ('pg rep --all' lists them; a full "
			    "64-hex key names one whose log has not arrived yet)", arg);
}

static int check_reason(const char *reason)
{
	if (!reason)
		return 0;
	if (strlen(reason) > 1000)
		return pg_error_set(PG_EINVALID, "--reason is longer than 1000 bytes");
	int err = pg_value_check(PG_F_TEXT, reason, NULL);
	return err < 0 ? pg_error_prefix(err, "--reason") : 0;
}

static const char *label(const pg_rep *rep, const char *key, char buf[16])
{
	const pg_rep_node *n = pg_rep_find(rep, key);
	if (n)
		return pg_rep_label(n, buf);
	snprintf(buf, 16, "%.12s", key);
	return buf;
}

static void print_date(int64_t t)
{
	char d[32];
	pg_format_date(d, t);
	printf("%.10s", d);
}

/* --- pg trust ------------------------------------------------------------------ */

static const char *const trust_examples[] = {
	"pg trust bob high --reason \"works with me\"\tpublish a signed trust claim",
	"pg trust mallory distrust --reason \"signed passes for a broken impl\"\tdistrust needs a reason",
	"pg trust bob high --private\tlocal policy only, never published",
	"pg trust bob none\twithdraw trust (the newest claim counts)",
	"pg trust ls\tyour direct trust: levels, how said, reasons",
	NULL,
};
static const struct cmd_help trust_help = {
	"trust",
	"Say how much you trust an identity (distrust, none, low, medium, high); published unless --private",
	"pg trust IDENTITY LEVEL [--reason TEXT] [--private] [--as KEY]\n   or: pg trust ls [--json]",
	trust_examples,
};

static int trust_ls(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &trust_help))
		return usage_error(&trust_help, opts, "'pg trust ls' takes no arguments");
	const pg_rep *rep;
	int err = ctx_rep(ctx, &rep);
	if (err < 0)
		return report(err);
	json_t *arr = json ? json_array() : NULL;
	size_t shown = 0;
	for (size_t i = 0; i < rep->n; i++) {
		const pg_rep_node *n = &rep->nodes[i];
		if (n->level < 0 || n->principal != i)
			continue;
		char *reason = pg_rep_trust_reason(ctx->index, ctx->store, n);
		char buf[16];
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:s, s:f}", "key", n->key, "name", n->name,
					      "level", pg_level_name(n->level), "private", n->level_private, "date",
					      (json_int_t)n->level_date, "reason", reason ? reason : "", "reputation",
					      n->mass);
			json_object_set_new(o, "claim", n->level_private ? json_null() : json_string(n->level_claim));
			json_array_append_new(arr, o);
		} else {
			if (!shown++)
				printf("%-16s %-12s %-8s %-9s %-10s %s\n", "identity", "key", "level", "how", "date", "reason");
			printf("%-16.16s %.12s %s%-8s%s %-9s ", pg_rep_label(n, buf), n->key,
			       color(ctx, n->level == PG_LEVEL_DISTRUST ? C_BAD : C_OK), pg_level_name(n->level),
			       color(ctx, C_RESET), n->level_private ? "private" : "published");
			print_date(n->level_date);
			printf(" %s\n", reason ? reason : "");
		}
		free(reason);
	}
	if (json)
		print_json(arr);
	else if (!shown)
		info(ctx, "you trust no one directly yet ('pg trust NAME LEVEL' says whom)");
	return EXIT_OK;
}

int cmd_trust(int argc, const char **argv, struct pg_ctx *ctx)
{
	if (argc > 1 && !strcmp(argv[1], "ls"))
		return trust_ls(argc - 1, argv + 1, ctx);
	const char *reason = NULL, *as = NULL;
	int private_ = 0;
	const struct option opts[] = {
		OPT_STRING('m', "reason", &reason, "TEXT", "why (published with the claim; required for distrust)"),
		OPT_BOOL(0, "private", &private_, "keep it in this store's local policy, do not publish"),
		OPT_STRING(0, "as", &as, "KEY", "the identity that trusts (default: the one in use)"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only the claim's id"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &trust_help);
	if (argc != 2)
		return usage_error(&trust_help, opts, "'pg trust' needs an identity and a level");
	int level = pg_level_parse(argv[1]);
	if (level < 0)
		return usage_error(&trust_help, opts, "'%s' is not a level: distrust, none, low, medium or high", argv[1]);
	if (level == PG_LEVEL_DISTRUST && !reason)
		return usage_error(&trust_help, opts, "distrust is the one punitive level: say why with --reason TEXT");
	int err = check_reason(reason);
	pg_key *me = NULL;
	const pg_rep *rep;
	char subject[PG_HEX_LEN + 1], mine[PG_HEX_LEN + 1], hex[PG_HEX_LEN + 1], buf[16];
	if (err < 0 || (err = pg_key_find(&me, ctx->home, as)) < 0 || (err = ctx_rep(ctx, &rep)) < 0 ||
	    (err = resolve_identity(ctx, rep, argv[0], subject)) < 0)
		goto done;
	pg_hex(mine, me->pk, PG_PK_LEN);
	const pg_rep_node *a = pg_rep_find(rep, mine), *b = pg_rep_find(rep, subject);
	if (!strcmp(mine, subject) || (a && b && a->principal == b->principal)) {
		err = pg_error_set(PG_EINVALID, "that is you: your own results count as yours already");
		goto done;
	}
	const char *who = label(rep, subject, buf);
	if (private_) {
		pg_policy p = { "trust", { 0 }, { 0 }, level, (char *)reason, pg_now() };
		memcpy(p.by, mine, sizeof(p.by));
		memcpy(p.subject, subject, sizeof(p.subject));
		if ((err = pg_policy_add(ctx->store, &p)) == 0)
			info(ctx, "%s trusts %s: %s (private: kept in this store's .pg/policy, not published)", me->name,
			     who, pg_level_name(level));
		goto done;
	}
	pg_key_free(me);
	me = NULL;
	if ((err = unlock_identity(ctx, &me, as)) < 0)
		goto done;
	pg_object *o = pg_object_new(PG_T_TRUST, me->pk, pg_now());
	pg_object_add(o, "subject", subject);
	pg_object_add(o, "level", pg_level_name(level));
	if (reason) {
		char *body = pg_asprintf("%s\n", reason);
		pg_object_set_body(o, body, strlen(body));
		free(body);
	}
	int same;
	if ((err = publish_object(ctx, o, me, hex, &same)) < 0)
		goto done;
	printf("%s%s%s\n", color(ctx, C_ID), hex, color(ctx, C_RESET));
	if (!b || (b->flags & PG_REP_UNKNOWN))
		info(ctx, "note: %.12s has no identity in this store yet; the claim counts once its log arrives",
		     subject);
	info(ctx, "%s trusts %s: %s (published; anyone who pulls your log sees it)", me->name, who,
	     pg_level_name(level));
done:
	pg_key_free(me);
	return err < 0 ? report(err) : EXIT_OK;
}

/* --- pg block ------------------------------------------------------------------ */

static const char *const block_examples[] = {
	"pg block impl 3fa9c2 --reason \"wrong for negative radii\"\ta signed blacklist entry",
	"pg block id mallory --reason \"signs passes it never saw\"\this log is not adopted, his claims count 0",
	"pg block spec 77e1d0 --reason \"asserts the wrong rounding\" --private\tlocal only",
	"pg block ls\twhat you blocked, and why",
	NULL,
};
static const struct cmd_help block_help = {
	"block",
	"Block an object or an identity: never ranked, built or adopted; published unless --private",
	"pg block impl|spec|bench|interface|result|id TARGET --reason TEXT [--private] [--as KEY]\n"
	"   or: pg block ls [--json]\n\n"
	"TARGET is an object's id prefix, or for id an identity's name or key prefix.",
	block_examples,
};

static void block_target_label(struct pg_ctx *ctx, const pg_rep *rep, const char *target, char *out, size_t cap)
{
	pg_index_row row;
	const pg_rep_node *n = pg_rep_find(rep, target);
	char buf[16];
	if (n) {
		snprintf(out, cap, "id %s", pg_rep_label(n, buf));
	} else if (pg_index_get(ctx->index, &row, target) == 0) {
		snprintf(out, cap, "%s %s", row.type, row.name ? row.name : !strcmp(row.type, "identity") ? author_label(&row) : "");
		pg_index_row_clear(&row);
	} else {
		snprintf(out, cap, "(not in this store)");
	}
	pg_error_clear();
}

struct my_blocks {
	const pg_rep *rep;
	struct pg_ctx *ctx;
	json_t *arr;
	size_t n;
};

static void show_block(struct my_blocks *b, const char *target, const char *claim, int private_, int64_t date,
		       const char *reason)
{
	char what[128];
	block_target_label(b->ctx, b->rep, target, what, sizeof(what));
	if (b->arr) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:s}", "target", target, "what", what, "private", private_,
				      "date", (json_int_t)date, "reason", reason ? reason : "");
		json_object_set_new(o, "claim", claim ? json_string(claim) : json_null());
		json_array_append_new(b->arr, o);
		return;
	}
	if (!b->n++)
		printf("%-12s %-28s %-9s %-10s %s\n", "target", "what", "how", "date", "reason");
	printf("%.12s %-28.28s %-9s ", target, what, private_ ? "private" : "published");
	print_date(date);
	printf(" %s\n", reason ? reason : "");
}

static int list_block(const pg_index_claim *c, void *data)
{
	struct my_blocks *b = data;
	const pg_rep_node *n = pg_rep_find(b->rep, c->author);
	if (strcmp(c->type, "block") || !n || n->principal != b->rep->me_node || c->date >= n->void_from)
		return 0;
	char *reason = pg_claim_reason(b->ctx->index, b->ctx->store, c->id);
	show_block(b, c->subject, c->id, 0, c->date, reason);
	free(reason);
	return 0;
}

static int block_ls(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON array"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &block_help))
		return usage_error(&block_help, opts, "'pg block ls' takes no arguments");
	const pg_rep *rep;
	int err = ctx_rep(ctx, &rep);
	struct my_blocks b = { rep, ctx, json ? json_array() : NULL, 0 };
	if (err == 0)
		err = pg_index_claims(ctx->index, list_block, &b);
	pg_policy *p = NULL;
	size_t n = 0;
	if (err == 0 && (err = pg_policy_load(&p, &n, ctx->store)) == 0)
		for (size_t i = 0; i < n; i++) {
			const pg_rep_node *by = pg_rep_find(rep, p[i].by);
			if (!strcmp(p[i].kind, "block") && by && by->principal == rep->me_node)
				show_block(&b, p[i].subject, NULL, 1, p[i].date, p[i].reason);
		}
	pg_policy_free(p, n);
	if (err < 0) {
		json_decref(b.arr);
		return report(err);
	}
	if (json)
		print_json(b.arr);
	else if (!b.n)
		info(ctx, "you have blocked nothing");
	return EXIT_OK;
}

int cmd_block(int argc, const char **argv, struct pg_ctx *ctx)
{
	if (argc > 1 && !strcmp(argv[1], "ls"))
		return block_ls(argc - 1, argv + 1, ctx);
	const char *reason = NULL, *as = NULL;
	int private_ = 0;
	const struct option opts[] = {
		OPT_STRING('m', "reason", &reason, "TEXT", "why (required; published with the block)"),
		OPT_BOOL(0, "private", &private_, "keep it in this store's local policy, do not publish"),
		OPT_STRING(0, "as", &as, "KEY", "the identity that blocks (default: the one in use)"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "print only the block's id"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &block_help);
	if (argc != 2)
		return usage_error(&block_help, opts, "'pg block' needs a type and a target");
	pg_otype type = !strcmp(argv[0], "id") ? PG_T_IDENTITY : pg_otype_parse(argv[0]);
	if (type != PG_T_IDENTITY && type != PG_T_IMPL && type != PG_T_SPEC && type != PG_T_BENCH &&
	    type != PG_T_INTERFACE && type != PG_T_RESULT)
		return usage_error(&block_help, opts, "'%s' is not a type to block: impl, spec, bench, interface, result "
				   "or id", argv[0]);
	if (!reason)
		return usage_error(&block_help, opts, "a block needs a reason: --reason TEXT");
	int err = check_reason(reason), same;
	pg_key *me = NULL;
	const pg_rep *rep;
	char target[PG_HEX_LEN + 1], mine[PG_HEX_LEN + 1], hex[PG_HEX_LEN + 1], what[128];
	pg_index_row row;
	if (err < 0 || (err = pg_key_find(&me, ctx->home, as)) < 0 || (err = ctx_rep(ctx, &rep)) < 0)
		goto done;
	pg_hex(mine, me->pk, PG_PK_LEN);
	if (type == PG_T_IDENTITY) {
		if ((err = resolve_identity(ctx, rep, argv[1], target)) < 0)
			goto done;
		const pg_rep_node *a = pg_rep_find(rep, mine), *b = pg_rep_find(rep, target);
		if (!strcmp(target, mine) || (a && b && a->principal == b->principal)) {
			err = pg_error_set(PG_EINVALID, "that is you; 'pg id revoke' retires a key");
			goto done;
		}
	} else {
		if ((err = resolve_object(ctx, &row, argv[1], type)) < 0)
			goto done;
		memcpy(target, row.id, sizeof(target));
		pg_index_row_clear(&row);
	}
	block_target_label(ctx, rep, target, what, sizeof(what));
	if (private_) {
		pg_policy p = { "block", { 0 }, { 0 }, PG_LEVEL_NONE, (char *)reason, pg_now() };
		memcpy(p.by, mine, sizeof(p.by));
		memcpy(p.subject, target, sizeof(p.subject));
		if ((err = pg_policy_add(ctx->store, &p)) == 0)
			info(ctx, "%s blocked %s (private: kept in this store's .pg/policy, not published)", me->name, what);
		goto done;
	}
	pg_key_free(me);
	me = NULL;
	if ((err = unlock_identity(ctx, &me, as)) < 0)
		goto done;
	pg_object *o = pg_object_new(PG_T_BLOCK, me->pk, pg_now());
	char *body = pg_asprintf("%s\n", reason);
	pg_object_add(o, "target", target);
	pg_object_set_body(o, body, strlen(body));
	free(body);
	if ((err = publish_object(ctx, o, me, hex, &same)) < 0)
		goto done;
	printf("%s%s%s\n", color(ctx, C_ID), hex, color(ctx, C_RESET));
	info(ctx, "%s blocked %s (published: a signed blacklist entry in your log)", me->name, what);
done:
	pg_key_free(me);
	return err < 0 ? report(err) : EXIT_OK;
}

/* --- pg rep --------------------------------------------------------------------- */

static const char *const rep_examples[] = {
	"pg rep\tidentities by reputation as seen from you",
	"pg rep bob\tone identity: the number and where it comes from",
	"pg rep --why bob\t... with every piece of evidence and the strongest trust paths",
	"pg rep --all --json\teveryone the store knows, as JSON",
	NULL,
};
static const struct cmd_help rep_help = {
	"rep",
	"Reputation as seen from you (personalized EigenTrust over trust claims and your evidence), explained",
	"pg rep [--all] [--json]\n   or: pg rep [--why] [--json] IDENTITY", rep_examples,
};

static json_t *node_json(const pg_rep *rep, const pg_rep_node *n)
{
	char flags[160];
	pg_rep_flags_text(rep, n, flags, sizeof(flags));
	json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:s}", "key", n->key, "name",
			      n->name, "reputation", n->mass, "seed", n->seed,
			      "level", n->level >= 0 ? pg_level_name(n->level) : "", "D", n->D, "r", n->r, "s", n->s,
			      "agree", (json_int_t)n->agree, "disagree", (json_int_t)n->disagree, "unconfirmed",
			      (json_int_t)n->unconfirmed, "refusals", (json_int_t)n->refusals, "flags", flags);
	json_object_set_new(o, "principal", json_string(rep->nodes[n->principal].key));
	return o;
}

static int mass_cmp(const void *a, const void *b)
{
	const pg_rep_node *x = *(const pg_rep_node *const *)a, *y = *(const pg_rep_node *const *)b;
	if (x->mass != y->mass)
		return x->mass > y->mass ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int rep_table(struct pg_ctx *ctx, const pg_rep *rep, int all, int json)
{
	const pg_rep_node **v = pg_calloc(rep->n + 1, sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < rep->n; i++) {
		const pg_rep_node *n = &rep->nodes[i];
		if (all || n->mass > 0 || n->level >= 0 || n->agree + n->disagree + n->refusals ||
		    (rep->nodes[n->principal].flags & (PG_REP_BLOCKED | PG_REP_VETOED)))
			v[m++] = n;
	}
	if (m)
		qsort(v, m, sizeof(*v), mass_cmp);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < m; i++)
			json_array_append_new(arr, node_json(rep, v[i]));
		print_json(json_pack("{s:s, s:I, s:o}", "me", rep->me, "iterations", (json_int_t)rep->iterations,
				     "identities", arr));
		free(v);
		return EXIT_OK;
	}
	if (!*rep->me)
		info(ctx, "no identity in use: from nobody's view everyone's reputation is 0 ('pg id new --name NAME')");
	printf("%-16s %-12s %10s %-8s %-20s %s\n", "identity", "key", "reputation", "trust", "evidence", "notes");
	for (size_t i = 0; i < m; i++) {
		const pg_rep_node *n = v[i];
		char buf[16], ev[48], flags[160];
		pg_rep_evidence_text(ev, sizeof(ev), n);
		pg_rep_flags_text(rep, n, flags, sizeof(flags));
		printf("%-16.16s %.12s %s%9.2f%%%s %-8s %-20s %s\n", pg_rep_label(n, buf), n->key,
		       color(ctx, n->mass > 0 ? C_OK : C_DIM), 100 * n->mass, color(ctx, C_RESET),
		       n->level >= 0 ? pg_level_name(n->level) : "-", ev, flags);
	}
	if (!all && m < rep->n)
		info(ctx, "%zu more with no reputation, trust or evidence ('pg rep --all')", rep->n - m);
	free(v);
	return EXIT_OK;
}

/* pg rep --json ID: what pg_rep_explain says, as data. */
static void rep_one_json(struct pg_ctx *ctx, const pg_rep *rep, const pg_rep_node *self)
{
	uint32_t ni = self->principal;
	const pg_rep_node *n = &rep->nodes[ni];
	pg_rep_source *src = NULL;
	pg_rep_path *paths = NULL;
	size_t nsrc = 0, npaths = 0;
	double from_seed = 0;
	pg_rep_sources(rep, ni, &src, &nsrc, &from_seed);
	pg_rep_paths(rep, ni, 3, &paths, &npaths);
	char *reason = pg_rep_trust_reason(ctx->index, ctx->store, n);
	json_t *o = node_json(rep, self), *s = json_array(), *e = json_array(), *p = json_array(), *rf = json_array();
	json_object_set_new(o, "from_seed", json_real(from_seed));
	for (size_t i = 0; i < nsrc; i++)
		json_array_append_new(s, json_pack("{s:s, s:f, s:f}", "from", rep->nodes[src[i].from].key, "edge",
						   src[i].edge, "contributes", src[i].contrib));
	for (size_t i = 0; i < rep->nev; i++) {
		const pg_rep_evidence *x = &rep->ev[i];
		if (x->node != ni)
			continue;
		json_array_append_new(e, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:f}", "outcome",
						   pg_rep_outcome_name(x->outcome), "kind", x->kind, "subject", x->subject,
						   "against", x->against, "mine", x->mine, "theirs", x->theirs,
						   "my_verdict", x->my_verdict, "their_verdict", x->their_verdict, "date",
						   (json_int_t)x->date, "weight", x->weight));
	}
	for (size_t i = 0; i < rep->nref; i++)
		if (rep->ref[i].node == ni)
			json_array_append_new(rf, json_pack("{s:s, s:s, s:s, s:I, s:f}", "kind", rep->ref[i].kind, "commit",
							    rep->ref[i].commit, "source", rep->ref[i].source, "date",
							    (json_int_t)rep->ref[i].date, "weight", rep->ref[i].weight));
	for (size_t i = 0; i < npaths; i++) {
		json_t *hops = json_array();
		for (size_t k = 0; k < paths[i].n; k++)
			json_array_append_new(hops, json_string(rep->nodes[paths[i].hops[k]].key));
		json_array_append_new(p, json_pack("{s:o, s:f}", "hops", hops, "strength", paths[i].strength));
	}
	json_object_set_new(o, "sources", s);
	json_object_set_new(o, "evidence", e);
	json_object_set_new(o, "refusals_list", rf);
	json_object_set_new(o, "paths", p);
	json_object_set_new(o, "reason", json_string(reason ? reason : ""));
	print_json(o);
	free(reason);
	free(src);
	pg_rep_paths_free(paths, npaths);
}

/* One identity: the text of pg_rep_explain (which also says why a key
 * not in the graph has no explanation, --json or not), or its JSON. */
static int rep_one(struct pg_ctx *ctx, const pg_rep *rep, const char *key, int why, int json)
{
	const pg_rep_node *self = pg_rep_find(rep, key);
	const char *const colors[PG_EXPLAIN_NCOLORS] = {
		[PG_EXPLAIN_RESET] = color(ctx, C_RESET), [PG_EXPLAIN_NAME] = color(ctx, C_NAME),
		[PG_EXPLAIN_ID] = color(ctx, C_ID),       [PG_EXPLAIN_OK] = color(ctx, C_OK),
		[PG_EXPLAIN_BAD] = color(ctx, C_BAD),     [PG_EXPLAIN_DIM] = color(ctx, C_DIM),
	};
	pg_buf out = PG_BUF_INIT;
	int err = 0;
	if (json && self)
		rep_one_json(ctx, rep, self);
	else if ((err = pg_rep_explain(&out, rep, ctx->index, ctx->store, key, why, colors)) == 0)
		fputs(out.ptr, stdout);
	pg_buf_free(&out);
	return err < 0 ? report(err) : EXIT_OK;
}

int cmd_rep(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0, why = 0, all = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "why", &why, "the evidence and trust paths behind the number"),
		OPT_BOOL(0, "all", &all, "every identity the store knows, not only those with standing"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &rep_help);
	if (argc > 1 || (why && !argc))
		return usage_error(&rep_help, opts, argc > 1 ? "'pg rep' takes at most one identity"
							     : "--why needs an identity: pg rep --why NAME");
	const pg_rep *rep;
	int err = ctx_rep(ctx, &rep);
	char key[PG_HEX_LEN + 1];
	if (err < 0)
		return report(err);
	if (!argc)
		return rep_table(ctx, rep, all, json);
	if ((err = resolve_identity(ctx, rep, argv[0], key)) < 0)
		return report(err);
	return rep_one(ctx, rep, key, why, json);
}
