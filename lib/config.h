/* config.h - the store's settings: a fixed table of keys, kept in the
 * store's git config (.pg/config), each checked before it is written */
#ifndef PG_CONFIG_H
#define PG_CONFIG_H

#include "store.h"

typedef struct pg_setting {
	const char *key;   /* "trust.threshold" */
	const char *def;   /* the value when unset */
	const char *help;  /* one line */
	int (*check)(const char *value); /* 0, or PG_EINVALID saying what is accepted */
} pg_setting;

/* The settings, terminated by key == NULL. */
const pg_setting *pg_settings(void);
const pg_setting *pg_setting_find(const char *key);

/* The value (the default when unset); *set says whether it was set. */
int pg_config_get(char **out, int *set, pg_store *s, const char *key);
int pg_config_set(pg_store *s, const char *key, const char *value);
int pg_config_unset(pg_store *s, const char *key);

/* trust.threshold as a number. */
double pg_config_threshold(pg_store *s);

#endif
