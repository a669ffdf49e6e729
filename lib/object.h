/* object.h - the canonical, signed, content-addressed pg object
 *
 * An object is a sequence of lines (see docs/format.md):
 *
 *     pg 1
 *     type <type>
 *     author <64 hex: Ed25519 public key of the signer>
 *     date <seconds since the epoch>
 *     <the type's fields, in the type's fixed order>
 *     [<empty line> <body: one or more lines>]
 *     sig <128 hex: Ed25519 signature over every byte before this line>
 *
 * Its id is the BLAKE2b-256 hash of all its bytes.  Decoding is strict:
 * anything that would not re-encode to the same bytes is refused.
 */
#ifndef PG_OBJECT_H
#define PG_OBJECT_H

#include "pg.h"

#define PG_OBJECT_MAX (1024 * 1024) /* bytes in one object */
#define PG_LINE_MAX 4096            /* bytes in one line, newline excluded */
#define PG_VALUE_MAX 1024           /* bytes in one header value */
#define PG_FIELDS_MAX 10100         /* header fields after date (a full log entry: 10 000 adds) */
#define PG_SIG_LEN 64
#define PG_PK_LEN 32

typedef enum pg_otype {
	PG_T_NONE = 0,
	PG_T_IDENTITY,
	PG_T_INTERFACE,
	PG_T_SPEC,
	PG_T_IMPL,
	PG_T_BENCH,
	PG_T_RESULT,
	PG_T_TRUST,
	PG_T_BLOCK,
	PG_T_PEER,
	PG_T_LOG, /* a log entry's manifest; lives in a commit, not in o/ */
	PG_T__COUNT
} pg_otype;

/* Kinds of field value; each has its own syntax check. */
typedef enum pg_fkind {
	PG_F_TEXT,    /* printable UTF-8, no leading/trailing space */
	PG_F_LABEL,   /* [A-Za-z0-9._+-], 1..64, first alphanumeric */
	PG_F_IFNAME,  /* interface name: seg(::seg)*, seg = [a-z0-9_]+ */
	PG_F_ID,      /* 64 lowercase hex: an object id or a key */
	PG_F_UINT,    /* decimal without leading zeros */
	PG_F_PAYLOAD, /* "<64 hex> <size>" */
	PG_F_ENUM,    /* one of the schema's words */
	PG_F_SIG,     /* 128 lowercase hex: an Ed25519 signature */
} pg_fkind;

#define PG_FIELD_REQUIRED 1 /* exactly once */
#define PG_FIELD_OPTIONAL 2 /* at most once */
#define PG_FIELD_MANY 4     /* one or more, consecutive */
#define PG_FIELD_LINK 8     /* names another object or identity */

typedef struct pg_field_schema {
	const char *key;
	pg_fkind kind;
	unsigned flags;
	const char *const *words; /* PG_F_ENUM: NULL-terminated */
} pg_field_schema;

typedef struct pg_type_schema {
	const char *name;
	const pg_field_schema *fields; /* terminated by key == NULL */
	int has_payload;
	int body; /* 0: no body; 1: optional */
} pg_type_schema;

const pg_type_schema *pg_type_schema_get(pg_otype t);
pg_otype pg_otype_parse(const char *name);
const char *pg_otype_name(pg_otype t);

typedef struct pg_field {
	const char *key; /* static, from the schema */
	char *value;
} pg_field;

typedef struct pg_object {
	pg_otype type;
	uint8_t author[PG_PK_LEN];
	int64_t date;
	pg_field *fields;
	size_t nfields, cap;
	char *body; /* NULL or the body text, ending in '\n' */
	size_t body_len;
	/* set by pg_object_sign() or pg_object_decode() */
	uint8_t sig[PG_SIG_LEN];
	uint8_t id[PG_ID_LEN];
	pg_buf raw; /* the canonical bytes */
} pg_object;

pg_object *pg_object_new(pg_otype type, const uint8_t author[PG_PK_LEN], int64_t date);
void pg_object_free(pg_object *o);

/* Append a field; order and syntax are checked when encoding. */
void pg_object_add(pg_object *o, const char *key, const char *value);
void pg_object_set_body(pg_object *o, const char *body, size_t len);

/* The first value of key, or NULL.  Lives as long as o. */
const char *pg_object_get(const pg_object *o, const char *key);

/* Encode everything before the sig line into out, checking the schema. */
int pg_object_encode_unsigned(pg_buf *out, const pg_object *o);

/* Sign with a 64-byte libsodium secret key whose public half is o->author;
 * fills sig, raw and id. */
int pg_object_sign(pg_object *o, const uint8_t *sk);

/* Parse bytes into an object.  Checks syntax, schema and canonical form;
 * verifies the signature unless flags has PG_DECODE_NOVERIFY.  Errors name
 * the line: "line 4: ...". */
#define PG_DECODE_NOVERIFY 1
int pg_object_decode(pg_object **out, const char *data, size_t len, unsigned flags);

/* What a predecessor key signs to hand an identity over to a new key
 * (an identity object's 'handover' field; format.md §3.5). */
void pg_handover_message(pg_buf *out, const uint8_t old_pk[PG_PK_LEN], const uint8_t new_pk[PG_PK_LEN]);

/* BLAKE2b-256 of data. */
void pg_hash(uint8_t out[PG_ID_LEN], const void *data, size_t len);

/* Split the payload field "hex size". */
int pg_object_payload(const pg_object *o, uint8_t id[PG_ID_LEN], uint64_t *size);

/* Check a single value against a field kind (used by the manifest loader). */
int pg_value_check(pg_fkind kind, const char *value, const char *const *words);

/* libsodium must be initialised once; safe to call repeatedly. */
int pg_crypto_init(void);

#endif
