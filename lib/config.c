/* config.c - the store's settings (see config.h) */
#include "config.h"
#include "trust.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_fraction(const char *v)
{
	char *end;
	double d = strtod(v, &end);
	if (strspn(v, "0123456789.") != strlen(v) || !*v || *end || !(d >= 0 && d <= 1))
		return pg_error_set(PG_EINVALID, "'%s' is not a number from 0 to 1 (a share of your trust mass, "
				    "e.g. 0.05)", v);
	return 0;
}

static const pg_setting settings[] = {
	{ "trust.threshold", "0.05",
	  "the trust mass whose results must pass an impl before pg build picks it, unless you verified it",
	  check_fraction },
	{ NULL, NULL, NULL, NULL },
};

const pg_setting *pg_settings(void)
{
	return settings;
}

const pg_setting *pg_setting_find(const char *key)
{
	for (const pg_setting *s = settings; s->key; s++)
		if (!strcmp(s->key, key))
			return s;
	return NULL;
}

static int unknown(const char *key)
{
	return pg_error_set(PG_EINVALID, "'%s' is not a pg setting ('pg config --list' shows them)", key);
}

int pg_config_get(char **out, int *set, pg_store *s, const char *key)
{
	const pg_setting *st = pg_setting_find(key);
	git_config *cfg = NULL;
	git_buf b = { 0 };
	*out = NULL;
	*set = 0;
	if (!st)
		return unknown(key);
	if (git_repository_config_snapshot(&cfg, pg_store_repo(s)) == 0 && git_config_get_string_buf(&b, cfg, key) == 0 &&
	    st->check(b.ptr) == 0) {
		*out = pg_strdup(b.ptr);
		*set = 1;
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	pg_error_clear();
	if (!*out)
		*out = pg_strdup(st->def);
	return 0;
}

int pg_config_set(pg_store *s, const char *key, const char *value)
{
	const pg_setting *st = pg_setting_find(key);
	git_config *cfg = NULL;
	int err;
	if (!st)
		return unknown(key);
	if ((err = st->check(value)) < 0)
		return pg_error_prefix(err, "%s", key);
	if ((err = pg_store_lock(s)) < 0 || (err = pg_store_note(s, "config.lock")) < 0)
		goto done;
	if (git_repository_config(&cfg, pg_store_repo(s)) < 0 || git_config_set_string(cfg, key, value) < 0)
		err = pg_git_err(PG_ERROR, "cannot write the store's config");
done:
	pg_store_unlock(s);
	git_config_free(cfg);
	return err;
}

int pg_config_unset(pg_store *s, const char *key)
{
	git_config *cfg = NULL;
	int err = 0;
	if (!pg_setting_find(key))
		return unknown(key);
	if ((err = pg_store_lock(s)) < 0 || (err = pg_store_note(s, "config.lock")) < 0) {
		pg_store_unlock(s);
		return err;
	}
	if (git_repository_config(&cfg, pg_store_repo(s)) < 0)
		err = pg_git_err(PG_ERROR, "cannot open the store's config");
	else if (git_config_delete_entry(cfg, key) < 0 && git_error_last() && git_error_last()->klass != GIT_ERROR_CONFIG)
		err = pg_git_err(PG_ERROR, "cannot write the store's config");
	git_error_clear();
	pg_store_unlock(s);
	git_config_free(cfg);
	return err;
}

double pg_config_threshold(pg_store *s)
{
	char *v;
	int set;
	double d = PG_TRUST_DEFAULT_THRESHOLD;
	if (pg_config_get(&v, &set, s, "trust.threshold") == 0) {
		d = strtod(v, NULL);
		free(v);
	}
	return d;
}
