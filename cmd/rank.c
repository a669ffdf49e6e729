/* rank.c - pg rank: an interface's impls, best first, from the claims */
#include "cmd.h"
#include "rank.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg rank geometry::circle\tthe table: best verified impl first, the rest with reasons",
	"pg rank --json sort::u32\tthe same as JSON",
	"pg rank\tevery interface",
	NULL,
};
static const struct cmd_help help = {
	"rank",
	"Rank an interface's verified impls by their bench claims (x baseline, lower is faster)",
	"pg rank [--json] [INTERFACE]...", examples,
};

static const char *status_name(pg_rank_status s)
{
	static const char *const names[] = { "ranked", "unbenched", "unverified", "failed", "blocked" };
	return names[s];
}

static json_t *row_to_json(const pg_rank_row *r)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:s?, s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:b}", "impl", r->impl.id,
			      "name", r->impl.name, "lang", r->impl.lang, "author", r->impl.author, "author_name",
			      r->impl.author_name, "status", status_name(r->status), "rank", (json_int_t)r->rank,
			      "baseline", r->baseline, "claims", (json_int_t)r->claims, "signers", (json_int_t)r->signers,
			      "machines", (json_int_t)r->machines, "verified_by", (json_int_t)r->verified_by,
			      "verified_by_me", r->verified_by_me);
	if (r->benches) {
		json_object_set_new(o, "score", json_real(r->score));
		json_object_set_new(o, "band", json_pack("[f, f]", r->lo, r->hi));
	}
	if (r->reason)
		json_object_set_new(o, "reason", json_string(r->reason));
	json_object_set_new(o, "verified_mass", json_real(r->verified_mass));
	return o;
}

static void print_ranking(struct pg_ctx *ctx, const pg_index_row *iface, const pg_ranking *rk)
{
	printf("%s%s%s (%.12s)\n", color(ctx, C_NAME), iface->name, color(ctx, C_RESET), iface->id);
	if (!rk->n) {
		printf("  no implementations\n");
		return;
	}
	printf("  %4s  %-28s %-7s %-10s %7s  %-13s %6s %7s %8s %s\n", "rank", "impl", "lang", "author", "score",
	       "25-75%", "claims", "signers", "machines", "verified-by");
	for (size_t i = 0; i < rk->n; i++) {
		const pg_rank_row *r = &rk->rows[i];
		char impl[64], band[32] = "", vb[32];
		snprintf(impl, sizeof(impl), "%.17s %.10s", r->impl.name ? r->impl.name : "?", r->impl.id);
		if (r->benches)
			snprintf(band, sizeof(band), "%.3f-%.3f", r->lo, r->hi);
		snprintf(vb, sizeof(vb), "%zu%s, %.0f%% trust", r->verified_by, r->verified_by_me ? " (you)" : "",
			 100 * r->verified_mass);
		if (r->status == PG_RANK_RANKED) {
			printf("  %4zu  %-28s %-7.7s %-10.10s %s%7.3f%s  %-13s %6zu %7zu %8zu %s%s\n", r->rank, impl,
			       r->impl.lang ? r->impl.lang : "", author_label(&r->impl), color(ctx, C_OK), r->score,
			       color(ctx, C_RESET), r->baseline && !r->claims ? "baseline" : band, r->claims, r->signers,
			       r->machines, vb, r->reason ? "" : "");
			if (r->reason)
				printf("        %snote: %s%s\n", color(ctx, C_DIM), r->reason, color(ctx, C_RESET));
		}
	}
	for (size_t i = 0; i < rk->n; i++) {
		const pg_rank_row *r = &rk->rows[i];
		if (r->status == PG_RANK_RANKED)
			continue;
		char impl[64];
		snprintf(impl, sizeof(impl), "%.17s %.10s", r->impl.name ? r->impl.name : "?", r->impl.id);
		printf("     -  %-28s %-7.7s %-10.10s %s%s%s: %s\n", impl, r->impl.lang ? r->impl.lang : "",
		       author_label(&r->impl), color(ctx, r->status == PG_RANK_UNBENCHED ? C_DIM : C_BAD),
		       status_name(r->status), color(ctx, C_RESET), r->reason ? r->reason : "");
	}
}

int cmd_rank(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0, err = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print the ranking as JSON"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	char (*every)[PG_HEX_LEN + 1] = NULL;
	size_t n = (size_t)argc;
	if (!argc) {
		if ((err = interfaces_with(ctx, PG_T_IMPL, &every, &n)) < 0)
			return report(err);
		if (!n) {
			info(ctx, "nothing to rank: the store has no implementations");
			return EXIT_OK;
		}
	}
	json_t *all = json ? json_array() : NULL;
	for (size_t i = 0; i < n && err == 0; i++) {
		pg_index_row iface;
		pg_ranking rk;
		if ((err = resolve_interface(ctx, &iface, argc ? argv[i] : every[i])) < 0)
			break;
		if ((err = rank_trusted(ctx, &rk, iface.id)) == 0) {
			if (json) {
				json_t *rows = json_array();
				for (size_t k = 0; k < rk.n; k++)
					json_array_append_new(rows, row_to_json(&rk.rows[k]));
				json_array_append_new(all, json_pack("{s:s, s:s, s:o}", "interface", iface.id, "name",
								     iface.name, "impls", rows));
			} else {
				if (i)
					putchar('\n');
				print_ranking(ctx, &iface, &rk);
			}
			pg_ranking_free(&rk);
		}
		pg_index_row_clear(&iface);
	}
	free(every);
	if (json && err == 0) {
		json_dumpf(all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		putchar('\n');
	}
	json_decref(all);
	return err < 0 ? report(err) : EXIT_OK;
}
