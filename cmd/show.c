/* show.c - pg show: an object's fields, payload files and links */
#include "cmd.h"

#include <string.h>

static const char *const examples[] = {
	"pg show 3fa9c2\tfields, files, links in and out",
	"pg show --json 3fa9c2\tthe same as JSON",
	NULL,
};
static const struct cmd_help help = {
	"show", "Show an object: header fields, description, payload files, and links in and out",
	"pg show [--json] ID", examples,
};

struct links {
	struct pg_ctx *ctx;
	json_t *arr;
	int incoming;
	size_t n;
};

static int print_link(const char *rel, const char *other, const pg_index_row *r, void *data)
{
	struct links *l = data;
	if (l->arr) {
		json_t *o = json_pack("{s:s, s:s}", "rel", rel, "id", other);
		if (r) {
			json_object_set_new(o, "type", json_string(r->type));
			if (r->name)
				json_object_set_new(o, "name", json_string(r->name));
		}
		json_array_append_new(l->arr, o);
		return 0;
	}
	if (l->n++ == 0)
		printf("\nlinks %s:\n", l->incoming ? "in" : "out");
	if (r)
		printf("  %-10s %s%.12s%s %s%s%s %s (%s)\n", rel, color(l->ctx, C_ID), other, color(l->ctx, C_RESET),
		       color(l->ctx, C_TYPE), r->type, color(l->ctx, C_RESET), r->name ? r->name : "-", author_label(r));
	else
		printf("  %-10s %s%.12s%s (not in this store)\n", rel, color(l->ctx, C_ID), other, color(l->ctx, C_RESET));
	return 0;
}

int cmd_show(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON object"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help) != 1)
		return usage_error(&help, opts, "'pg show' needs one object id");
	pg_index_row row;
	pg_buf raw = PG_BUF_INIT, tar = PG_BUF_INIT;
	pg_object *o = NULL;
	pg_payload_list files = { NULL, 0 };
	pg_idl *idl = NULL;
	pg_buf canon = PG_BUF_INIT;
	int err = resolve_object(ctx, &row, argv[0], PG_T_NONE);
	if (err < 0)
		return report(err);
	if ((err = pg_store_read_blob(&raw, ctx->store, row.blob)) < 0)
		goto done;
	int sig_ok = 1;
	if (pg_object_decode(&o, raw.ptr, raw.len, 0) == PG_EINTEGRITY) {
		sig_ok = 0;
		err = pg_object_decode(&o, raw.ptr, raw.len, PG_DECODE_NOVERIFY);
	}
	if (err < 0 || !o) {
		err = pg_error_prefix(err ? err : PG_EINVALID, "object %.12s is damaged; run 'pg fsck'", row.id);
		goto done;
	}
	if (*row.payload && (err = pg_store_read_blob(&tar, ctx->store, row.payload_blob)) == 0)
		err = pg_payload_scan(&files, tar.ptr, tar.len);
	if (err < 0)
		goto done;

	/* an interface shows what it declares, in canonical form */
	if (o->type == PG_T_INTERFACE) {
		if (load_idl(ctx, &idl, &row) == 0)
			pg_idl_format(&canon, idl);
		else
			pg_buf_printf(&canon, "// does not parse: %s\n", pg_error_last());
	}

	const pg_type_schema *sch = pg_type_schema_get(o->type);
	if (json) {
		json_t *j = row_json(&row), *fields = json_object(), *fl = json_array();
		for (size_t i = 0; i < o->nfields; i++)
			json_object_set_new(fields, o->fields[i].key, json_string(o->fields[i].value));
		json_object_set_new(j, "fields", fields);
		json_object_set_new(j, "signature_ok", json_boolean(sig_ok));
		json_object_set_new(j, "log", json_pack("{s:s, s:I}", "publisher", row.publisher, "seq", (json_int_t)row.seq));
		if (o->body)
			json_object_set_new(j, "body", json_stringn(o->body, o->body_len));
		for (size_t i = 0; i < files.n; i++) {
			const pg_payload_entry *e = &files.e[i];
			json_t *f = json_pack("{s:s, s:s, s:I}", "path", e->path, "type",
					      e->type == 'd' ? "dir" : e->type == 'l' ? "symlink" : e->type == 'x' ? "exec" : "file",
					      "size", (json_int_t)e->size);
			if (e->target)
				json_object_set_new(f, "target", json_string(e->target));
			json_array_append_new(fl, f);
		}
		json_object_set_new(j, "files", fl);
		if (idl) {
			json_t *fns = json_array(), *sts = json_array();
			for (size_t i = 0; i < idl->nfns; i++) {
				pg_buf sig = PG_BUF_INIT;
				pg_buf_printf(&sig, "(");
				for (size_t a = 0; a < pg_fn_arity(&idl->fns[i]); a++) {
					pg_buf_printf(&sig, "%s%s: ", a ? ", " : "", pg_fn_arg_name(&idl->fns[i], a));
					pg_type_format(&sig, pg_fn_arg_type(&idl->fns[i], a));
				}
				pg_buf_puts(&sig, ")");
				if (idl->fns[i].ret) {
					pg_buf_puts(&sig, " -> ");
					pg_type_format(&sig, idl->fns[i].ret);
				}
				json_array_append_new(fns, json_pack("{s:s, s:s}", "call", idl->fns[i].call, "signature", sig.ptr));
				pg_buf_free(&sig);
			}
			for (size_t i = 0; i < idl->nstructs; i++)
				json_array_append_new(sts, json_string(idl->structs[i].name));
			json_object_set_new(j, "functions", fns);
			json_object_set_new(j, "structs", sts);
		}
		if (canon.len)
			json_object_set_new(j, "idl", json_string(canon.ptr));
		struct links out = { ctx, json_array(), 0, 0 }, in = { ctx, json_array(), 1, 0 };
		if ((err = pg_index_links(ctx->index, row.id, 0, print_link, &out)) == 0)
			err = pg_index_links(ctx->index, row.id, 1, print_link, &in);
		json_object_set_new(j, "links_out", out.arr);
		json_object_set_new(j, "links_in", in.arr);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		goto done;
	}

	char date[32];
	pg_format_date(date, row.date);
	printf("object    %s%s%s\n", color(ctx, C_ID), row.id, color(ctx, C_RESET));
	printf("type      %s%s%s\n", color(ctx, C_TYPE), row.type, color(ctx, C_RESET));
	printf("author    %s (%s)\n", author_label(&row), row.author);
	printf("date      %s UTC\n", date);
	for (size_t i = 0; i < o->nfields; i++) {
		const char *k = o->fields[i].key, *v = o->fields[i].value;
		const pg_field_schema *f = sch->fields;
		while (f->key && f->key != k)
			f++;
		if (!strcmp(k, "payload"))
			printf("%-9s %.12s (%s bytes)\n", k, v, v + PG_HEX_LEN + 1);
		else if (!strcmp(k, "name"))
			printf("%-9s %s%s%s\n", k, color(ctx, C_NAME), v, color(ctx, C_RESET));
		else if (f->key && (f->flags & PG_FIELD_LINK))
			printf("%-9s %s%.12s%s\n", k, color(ctx, C_ID), v, color(ctx, C_RESET));
		else
			printf("%-9s %s\n", k, v);
	}
	printf("log       %.12s seq %llu\n", row.publisher, (unsigned long long)row.seq);
	printf("signature %s%s%s\n", color(ctx, sig_ok ? C_OK : C_BAD), sig_ok ? "good" : "BAD", color(ctx, C_RESET));
	if (o->body) {
		printf("\n");
		for (const char *p = o->body; *p;) {
			const char *nl = strchr(p, '\n');
			printf("    %.*s\n", (int)(nl - p), p);
			p = nl + 1;
		}
	}
	if (canon.len) {
		printf("\ninterface (canonical):\n");
		for (const char *p = canon.ptr; *p;) {
			const char *nl = strchr(p, '\n');
			printf("%s%.*s\n", nl == p ? "" : "    ", (int)(nl - p), p);
			p = nl + 1;
		}
	}
	if (files.n) {
		printf("\nfiles:\n");
		for (size_t i = 0; i < files.n; i++) {
			const pg_payload_entry *e = &files.e[i];
			if (e->type == 'd')
				printf("  %s/\n", e->path);
			else if (e->type == 'l')
				printf("  %s -> %s\n", e->path, e->target);
			else
				printf("  %-40s %8llu%s\n", e->path, (unsigned long long)e->size, e->type == 'x' ? "  (executable)" : "");
		}
	}
	struct links out = { ctx, NULL, 0, 0 }, in = { ctx, NULL, 1, 0 };
	if ((err = pg_index_links(ctx->index, row.id, 0, print_link, &out)) == 0)
		err = pg_index_links(ctx->index, row.id, 1, print_link, &in);
done:
	pg_idl_free(idl);
	pg_buf_free(&canon);
	pg_payload_list_free(&files);
	pg_object_free(o);
	pg_buf_free(&raw);
	pg_buf_free(&tar);
	pg_index_row_clear(&row);
	return err < 0 ? report(err) : EXIT_OK;
}
