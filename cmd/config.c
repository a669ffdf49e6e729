/* config.c - pg config: the store's settings */
#include "cmd.h"
#include "config.h"

#include <stdlib.h>
#include <string.h>

static const char *const examples[] = {
	"pg config --list\tevery setting, its value and what it does",
	"pg config trust.threshold\tprint one",
	"pg config trust.threshold 0.2\tset it (checked first)",
	"pg config --unset trust.threshold\tback to the default",
	NULL,
};
static const struct cmd_help help = {
	"config", "Get and set the store's settings (kept in .pg/config, checked before they are written)",
	"pg config [--list] [--json]\n   or: pg config SETTING [VALUE]\n   or: pg config --unset SETTING", examples,
};

int cmd_config(int argc, const char **argv, struct pg_ctx *ctx)
{
	int list = 0, json = 0, unset = 0;
	const struct option opts[] = {
		OPT_BOOL('l', "list", &list, "every setting with its value"),
		OPT_BOOL(0, "unset", &unset, "remove SETTING: its default applies again"),
		OPT_BOOL(0, "json", &json, "print JSON (with --list)"),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, &help);
	int err = 0;
	if (argc == 0 || list) {
		if (argc)
			return usage_error(&help, opts, "--list takes no arguments");
		json_t *arr = json ? json_array() : NULL;
		for (const pg_setting *s = pg_settings(); s->key && err == 0; s++) {
			char *v;
			int set;
			if ((err = pg_config_get(&v, &set, ctx->store, s->key)) < 0)
				break;
			if (json)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s, s:s}", "key", s->key, "value", v,
								     "set", set, "default", s->def, "help", s->help));
			else
				printf("%s=%s%s\n    %s\n", s->key, v, set ? "" : " (default)", s->help);
			free(v);
		}
		if (json)
			print_json(arr);
		return err < 0 ? report(err) : EXIT_OK;
	}
	if (unset) {
		if (argc != 1)
			return usage_error(&help, opts, "--unset takes one key");
		return (err = pg_config_unset(ctx->store, argv[0])) < 0 ? report(err) : EXIT_OK;
	}
	if (argc == 1) {
		char *v;
		int set;
		if ((err = pg_config_get(&v, &set, ctx->store, argv[0])) < 0)
			return report(err);
		printf("%s\n", v);
		free(v);
		return EXIT_OK;
	}
	if (argc != 2)
		return usage_error(&help, opts, "too many arguments");
	return (err = pg_config_set(ctx->store, argv[0], argv[1])) < 0 ? report(err) : EXIT_OK;
}
