/* options.c - declared command-line options; one table gives parsing and help */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct option *option_find(const struct option *opts, const char *s, size_t len)
{
	for (const struct option *o = opts; o->type != OPT_T_END; o++)
		if (len == 2 && s[0] == '-' && s[1] != '-' ? o->short_name == s[1]
		    : len > 2 && s[0] == '-' && s[1] == '-' && o->long_name && strlen(o->long_name) == len - 2 &&
			      !strncmp(o->long_name, s + 2, len - 2))
			return o;
	return NULL;
}

void options_help(const struct option *opts, FILE *out)
{
	for (const struct option *o = opts; o->type != OPT_T_END; o++) {
		char left[64];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c%s", o->short_name, o->long_name ? ", " : "");
		else
			n = snprintf(left, sizeof(left), "    ");
		if (o->long_name)
			n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s", o->long_name);
		if (o->argh)
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->argh);
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
}

void usage_with_options(const struct cmd_help *help, const struct option *opts, FILE *out)
{
	fprintf(out, "usage: %s\n", help->usage);
	if (help->summary)
		fprintf(out, "\n%s.\n", help->summary);
	if (help->examples && help->examples[0]) {
		fputs("\nexamples:\n", out);
		for (const char *const *e = help->examples; *e; e++) {
			const char *tab = strchr(*e, '\t');
			if (tab)
				fprintf(out, "  %-44.*s # %s\n", (int)(tab - *e), *e, tab + 1);
			else
				fprintf(out, "  %s\n", *e);
		}
	}
	fputs("\noptions:\n", out);
	options_help(opts, out);
	fprintf(out, "  %-26s %s\n", "-h, --help", "show this help");
}

int usage_error(const struct cmd_help *help, const struct option *opts, const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage_with_options(help, opts, stderr);
	return EXIT_USAGE;
}

static int set_value(const struct option *o, const char *arg, const struct cmd_help *help,
		     const struct option *opts)
{
	switch (o->type) {
	case OPT_T_BOOL:
		*(int *)o->value = 1;
		return 0;
	case OPT_T_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_T_INT: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (!*arg || *end || v < 0 || v > 1000000000)
			exit(usage_error(help, opts, "--%s takes a whole number, not '%s'", o->long_name, arg));
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPT_T_END:
		break;
	}
	return 0;
}

int parse_options(int argc, const char **argv, const struct option *opts, const struct cmd_help *help)
{
	int out = 0, only_args = 0;
	if (pg_completing)
		complete_command(opts, help); /* pg __complete: candidates, then exit */
	for (int i = 1; i < argc; i++) { /* argv[0] is the command's name */
		const char *a = argv[i];
		if (only_args || a[0] != '-' || !a[1]) {
			argv[out++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_with_options(help, opts, stdout);
			exit(EXIT_OK);
		}
		const struct option *o;
		const char *arg = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			o = option_find(opts, a, eq ? (size_t)(eq - a) : strlen(a));
			if (!o)
				exit(usage_error(help, opts, "unknown option '%s'", a));
			if (eq)
				arg = eq + 1;
			if (o->type == OPT_T_BOOL && eq)
				exit(usage_error(help, opts, "--%s takes no value", o->long_name));
		} else {
			o = option_find(opts, a, 2);
			if (!o)
				exit(usage_error(help, opts, "unknown option '-%c'", a[1]));
			if (a[2] && o->type == OPT_T_BOOL)
				exit(usage_error(help, opts, "-%c takes no value (write separate options apart)", a[1]));
			if (a[2])
				arg = a + 2;
		}
		if (o->type != OPT_T_BOOL && !arg) {
			if (i + 1 >= argc)
				exit(usage_error(help, opts, "--%s needs a value (%s)", o->long_name, o->argh));
			arg = argv[++i];
		}
		set_value(o, arg, help, opts);
	}
	argv[out] = NULL;
	return out;
}

int run_subcommand(int argc, const char **argv, struct pg_ctx *ctx, const struct subcommand *subs,
		   const struct cmd_help *help)
{
	const struct option none[] = { OPT_END() };
	char names[256] = "";
	for (const struct subcommand *s = subs; s->name; s++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", s == subs ? "" : ", ", s->name);
	if (argc < 2 || argv[1][0] == '-') {
		parse_options(argc, argv, none, help); /* -h, a bad option, completion */
		return usage_error(help, none, "'pg %s' needs a subcommand: %s", help->name, names);
	}
	for (const struct subcommand *s = subs; s->name; s++)
		if (!strcmp(s->name, argv[1]))
			return s->fn(argc - 1, argv + 1, ctx);
	return usage_error(help, none, "unknown subcommand 'pg %s %s' (one of: %s)", help->name, argv[1], names);
}
