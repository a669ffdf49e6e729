/* gen.c - pg gen: an interface's bindings, or its canonical text */
#include "cmd.h"
#include "gen.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg gen c geometry::circle > circle.h\tC types, prototypes and dispatcher",
	"pg gen python geometry::circle > circle.py\tthe Python module",
	"pg gen idl geometry::circle\tthe interface in canonical form",
	"pg gen c ./circle-iface\tfrom an unpublished interface directory",
	NULL,
};
static const struct cmd_help help = {
	"gen", "Print the bindings an implementation builds with (C header, Python module) or the canonical interface",
	"pg gen LANG|idl INTERFACE", examples,
};

int cmd_gen(int argc, const char **argv, struct pg_ctx *ctx)
{
	const struct option opts[] = { OPT_END() };
	argc = parse_options(argc, argv, opts, &help);
	if (argc != 2)
		return usage_error(&help, opts, "'pg gen' needs a language (c, python or idl) and an interface");
	int lang = strcmp(argv[0], "idl") ? pg_lang_parse(argv[0]) : PG_LANG__COUNT;
	if (lang < 0)
		return usage_error(&help, opts, "no bindings for '%s' (c, python or idl)", argv[0]);
	pg_idl *idl;
	char *name, id[PG_HEX_LEN + 1];
	int err = load_interface_arg(ctx, argv[1], &idl, &name, id);
	if (err < 0)
		return report(err);
	pg_buf out = PG_BUF_INIT;
	if (lang == PG_LANG__COUNT)
		pg_idl_format(&out, idl);
	else
		pg_gen_bindings(&out, (pg_lang)lang, idl, name, *id ? id : NULL);
	fwrite(out.ptr, 1, out.len, stdout);
	pg_buf_free(&out);
	pg_idl_free(idl);
	free(name);
	return EXIT_OK;
}
