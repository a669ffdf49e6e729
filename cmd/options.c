/* options.c - declared command-line options; one table gives parsing and help */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	for (const struct option *o = opts; o->type != OPT_T_END; o++) {
		char left[64];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c, ", o->short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->long_name, o->argh ? " " : "",
			 o->argh ? o->argh : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
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
		const struct option *o = opts;
		const char *arg = NULL;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			while (o->type != OPT_T_END && !(strlen(o->long_name) == len && !strncmp(o->long_name, name, len)))
				o++;
			if (o->type == OPT_T_END)
				exit(usage_error(help, opts, "unknown option '%s'", a));
			if (eq)
				arg = eq + 1;
			if (o->type == OPT_T_BOOL && eq)
				exit(usage_error(help, opts, "--%s takes no value", o->long_name));
		} else {
			while (o->type != OPT_T_END && o->short_name != a[1])
				o++;
			if (o->type == OPT_T_END)
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
