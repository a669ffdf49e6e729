/* tui.c - pg tui: the curses browser (tui/); here only its command line */
#include "cmd.h"
#include "../tui/tui.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const examples[] = {
	"pg tui\tbrowse: interfaces, their best impls, identities, remotes",
	"pg -C ~/lib tui\tthe store in ~/lib",
	"pg tui --script keys.txt --size 80x24\theadless: keystrokes in, screens out (tests)",
	NULL,
};
static const struct cmd_help help = {
	"tui",
	"Browse the store full-screen: interfaces ranked, objects, identities and why they are trusted, remotes",
	"pg tui [--script FILE|-] [--size COLSxROWS]", examples,
};

int cmd_tui(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *script = NULL, *size = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "script", &script, "FILE", "run headless: keys from FILE ('-': stdin), screens to stdout"),
		OPT_STRING(0, "size", &size, "COLSxROWS", "the headless screen's size (default 80x24)"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	if (argc)
		return usage_error(&help, opts, "'pg tui' takes no arguments");
	int cols = 80, rows = 24;
	char end;
	if (size && (sscanf(size, "%dx%d%c", &cols, &rows, &end) != 2 || cols < 1 || rows < 1 || cols > 1000 ||
		     rows > 1000))
		return usage_error(&help, opts, "--size takes COLSxROWS, each 1 to 1000 (e.g. 80x24)");
	if (size && !script)
		return usage_error(&help, opts, "--size is for --script; a terminal has its own size");
	int err = tui_main(ctx->store, ctx->index, ctx->home, script, cols, rows);
	return err < 0 ? report(err) : EXIT_OK;
}
