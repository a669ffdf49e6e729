/* object.c - encode, decode, sign and verify canonical pg objects
 *
 * One table describes every type (type_schemas below); the encoder, the
 * decoder and the manifest loader all read it, so a type's fields are said
 * once.  The decoder is deliberately unforgiving: one space between key and
 * value, fields in schema order, lowercase hex, no leading zeros, no CR, no
 * trailing blanks, valid UTF-8, hard limits on size.  After parsing it
 * re-encodes and compares, so no second spelling of an object can exist.
 */
#include "object.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const result_kinds[] = { "verify", "bench", NULL };
static const char *const trust_levels[] = { "distrust", "none", "low", "medium", "high", NULL };

#define F(k, kind, flags) { k, kind, flags, NULL }
#define FE(k, words, flags) { k, PG_F_ENUM, flags, words }
#define END { NULL, 0, 0, NULL }
#define REQ PG_FIELD_REQUIRED
#define OPT PG_FIELD_OPTIONAL
#define MANY PG_FIELD_MANY
#define LINK PG_FIELD_LINK

static const pg_field_schema identity_fields[] = {
	F("name", PG_F_LABEL, REQ), F("version", PG_F_UINT, OPT), F("predecessor", PG_F_ID, OPT | LINK),
	F("handover", PG_F_SIG, OPT), F("successor", PG_F_ID, OPT | LINK), F("revoked", PG_F_UINT, OPT), END };
static const pg_field_schema interface_fields[] = {
	F("name", PG_F_IFNAME, REQ), F("baseline", PG_F_LABEL, OPT), F("payload", PG_F_PAYLOAD, REQ), END };
static const pg_field_schema spec_fields[] = {
	F("name", PG_F_LABEL, REQ), F("interface", PG_F_ID, REQ | LINK),
	F("payload", PG_F_PAYLOAD, REQ), END };
static const pg_field_schema impl_fields[] = {
	F("name", PG_F_LABEL, REQ), F("interface", PG_F_ID, REQ | LINK),
	F("lang", PG_F_LABEL, REQ), F("build", PG_F_TEXT, OPT), F("run", PG_F_TEXT, REQ),
	F("payload", PG_F_PAYLOAD, REQ), END };
static const pg_field_schema bench_fields[] = {
	F("name", PG_F_LABEL, REQ), F("interface", PG_F_ID, REQ | LINK),
	F("payload", PG_F_PAYLOAD, REQ), END };
static const pg_field_schema result_fields[] = {
	FE("kind", result_kinds, REQ), F("subject", PG_F_ID, REQ | LINK),
	F("against", PG_F_ID, REQ | LINK), END };
static const pg_field_schema trust_fields[] = {
	F("subject", PG_F_ID, REQ | LINK), FE("level", trust_levels, REQ), END };
static const pg_field_schema block_fields[] = {
	F("target", PG_F_ID, REQ | LINK), END };
static const pg_field_schema peer_fields[] = {
	F("url", PG_F_TEXT, REQ), END };
static const pg_field_schema log_fields[] = {
	F("seq", PG_F_UINT, REQ), F("prev", PG_F_ID, OPT),
	F("add", PG_F_ID, MANY), END };

static const pg_type_schema type_schemas[PG_T__COUNT] = {
	[PG_T_IDENTITY] = { "identity", identity_fields, 0, 0 },
	[PG_T_INTERFACE] = { "interface", interface_fields, 1, 1 },
	[PG_T_SPEC] = { "spec", spec_fields, 1, 1 },
	[PG_T_IMPL] = { "impl", impl_fields, 1, 1 },
	[PG_T_BENCH] = { "bench", bench_fields, 1, 1 },
	[PG_T_RESULT] = { "result", result_fields, 0, 1 },
	[PG_T_TRUST] = { "trust", trust_fields, 0, 1 },
	[PG_T_BLOCK] = { "block", block_fields, 0, 1 },
	[PG_T_PEER] = { "peer", peer_fields, 0, 1 },
	[PG_T_LOG] = { "log", log_fields, 0, 0 },
};

int pg_crypto_init(void)
{
	if (sodium_init() < 0)
		return pg_error_set(PG_ERROR, "cannot initialise libsodium");
	return 0;
}

const pg_type_schema *pg_type_schema_get(pg_otype t)
{
	if (t <= PG_T_NONE || t >= PG_T__COUNT)
		return NULL;
	return &type_schemas[t];
}

pg_otype pg_otype_parse(const char *name)
{
	for (int t = 1; t < PG_T__COUNT; t++)
		if (!strcmp(type_schemas[t].name, name))
			return (pg_otype)t;
	return PG_T_NONE;
}

const char *pg_otype_name(pg_otype t)
{
	const pg_type_schema *s = pg_type_schema_get(t);
	return s ? s->name : "?";
}

void pg_hash(uint8_t out[PG_ID_LEN], const void *data, size_t len)
{
	crypto_generichash(out, PG_ID_LEN, data, len, NULL, 0);
}

pg_object *pg_object_new(pg_otype type, const uint8_t author[PG_PK_LEN], int64_t date)
{
	pg_object *o = pg_calloc(1, sizeof(*o));
	o->type = type;
	if (author)
		memcpy(o->author, author, PG_PK_LEN);
	o->date = date;
	return o;
}

void pg_object_free(pg_object *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nfields; i++)
		free(o->fields[i].value);
	free(o->fields);
	free(o->body);
	pg_buf_free(&o->raw);
	free(o);
}

static const pg_field_schema *field_schema(pg_otype t, const char *key)
{
	const pg_type_schema *s = pg_type_schema_get(t);
	for (const pg_field_schema *f = s ? s->fields : NULL; f && f->key; f++)
		if (!strcmp(f->key, key))
			return f;
	return NULL;
}

/* Keys are kept as pointers into the schema table when known, so the
 * object never owns key strings. */
static const char *schema_key(pg_otype t, const char *key)
{
	const pg_field_schema *f = field_schema(t, key);
	return f ? f->key : NULL;
}

void pg_object_add(pg_object *o, const char *key, const char *value)
{
	const char *k = schema_key(o->type, key);
	if (o->nfields == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 8;
		o->fields = pg_realloc(o->fields, o->cap * sizeof(*o->fields));
	}
	/* an unknown key is kept as a marker the encoder refuses */
	o->fields[o->nfields].key = k ? k : "?";
	o->fields[o->nfields].value = pg_strdup(value);
	o->nfields++;
}

void pg_object_set_body(pg_object *o, const char *body, size_t len)
{
	free(o->body);
	o->body = len ? pg_strndup(body, len) : NULL;
	o->body_len = len;
}

const char *pg_object_get(const pg_object *o, const char *key)
{
	for (size_t i = 0; i < o->nfields; i++)
		if (!strcmp(o->fields[i].key, key))
			return o->fields[i].value;
	return NULL;
}

int pg_object_payload(const pg_object *o, uint8_t id[PG_ID_LEN], uint64_t *size)
{
	const char *v = pg_object_get(o, "payload");
	if (!v || strlen(v) < PG_HEX_LEN + 2)
		return pg_error_set(PG_ENOTFOUND, "object has no payload");
	char hex[PG_HEX_LEN + 1];
	memcpy(hex, v, PG_HEX_LEN);
	hex[PG_HEX_LEN] = '\0';
	if (pg_unhex(id, hex, PG_ID_LEN) < 0)
		return pg_error_set(PG_EINVALID, "bad payload id");
	*size = strtoull(v + PG_HEX_LEN + 1, NULL, 10);
	return 0;
}

static int check_uint(const char *v, size_t len)
{
	if (len == 0 || len > 19 || (len > 1 && v[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	return 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Check one value's syntax; the message says what the value should be. */
int pg_value_check(pg_fkind kind, const char *v, const char *const *words)
{
	size_t len = strlen(v);
	if (len == 0)
		return pg_error_set(PG_EINVALID, "empty value");
	if (len > PG_VALUE_MAX)
		return pg_error_set(PG_EINVALID, "value longer than %d bytes", PG_VALUE_MAX);
	switch (kind) {
	case PG_F_TEXT:
		if (!pg_utf8_valid(v, len))
			return pg_error_set(PG_EINVALID, "value is not valid UTF-8");
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return pg_error_set(PG_EINVALID, "value contains a control character");
		if (v[0] == ' ' || v[len - 1] == ' ')
			return pg_error_set(PG_EINVALID, "value has leading or trailing spaces");
		return 0;
	case PG_F_LABEL:
		if (len > 64 || !is_alnum(v[0]))
			goto bad_label;
		for (size_t i = 0; i < len; i++)
			if (!is_alnum(v[i]) && !strchr("._+-", v[i]))
				goto bad_label;
		return 0;
	bad_label:
		return pg_error_set(PG_EINVALID, "'%.64s' is not a valid name (1 to 64 of "
				    "A-Z a-z 0-9 . _ + -, starting with a letter or digit)", v);
	case PG_F_IFNAME: {
		size_t seg = 0;
		if (len > 128)
			goto bad_ifname;
		for (size_t i = 0; i < len; i++) {
			char c = v[i];
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
				seg++;
			} else if (c == ':' && i + 1 < len && v[i + 1] == ':' && seg) {
				seg = 0;
				i++;
			} else {
				goto bad_ifname;
			}
		}
		if (seg)
			return 0;
	bad_ifname:
		return pg_error_set(PG_EINVALID, "'%.128s' is not a valid interface name "
				    "(lowercase words of a-z 0-9 _ joined by '::', e.g. geometry::circle)", v);
	}
	case PG_F_ID:
		if (len != PG_HEX_LEN || !pg_is_hex(v, len))
			return pg_error_set(PG_EINVALID, "'%.80s' is not 64 lowercase hex digits", v);
		return 0;
	case PG_F_SIG:
		if (len != 2 * PG_SIG_LEN || !pg_is_hex(v, len))
			return pg_error_set(PG_EINVALID, "'%.140s' is not a signature (128 lowercase hex digits)", v);
		return 0;
	case PG_F_UINT:
		if (check_uint(v, len) < 0)
			return pg_error_set(PG_EINVALID, "'%.40s' is not a decimal number "
					    "without leading zeros", v);
		return 0;
	case PG_F_PAYLOAD:
		if (len < PG_HEX_LEN + 2 || v[PG_HEX_LEN] != ' ' || !pg_is_hex(v, PG_HEX_LEN) ||
		    check_uint(v + PG_HEX_LEN + 1, len - PG_HEX_LEN - 1) < 0)
			return pg_error_set(PG_EINVALID, "payload must be '<64 hex> <size>'");
		return 0;
	case PG_F_ENUM:
		for (const char *const *w = words; w && *w; w++)
			if (!strcmp(*w, v))
				return 0;
		{
			pg_buf b = PG_BUF_INIT;
			for (const char *const *w = words; w && *w; w++)
				pg_buf_printf(&b, "%s%s", w == words ? "" : ", ", *w);
			pg_error_set(PG_EINVALID, "'%.40s' is not one of: %s", v, b.ptr ? b.ptr : "");
			pg_buf_free(&b);
			return PG_EINVALID;
		}
	}
	return pg_error_set(PG_EINVALID, "unknown field kind");
}

/* Check the body: UTF-8 lines, each ending in '\n', none too long, no CR. */
static int check_body(const char *b, size_t len, size_t first_line)
{
	if (!pg_utf8_valid(b, len))
		return pg_error_set(PG_EINVALID, "body is not valid UTF-8");
	if (len == 0 || b[len - 1] != '\n')
		return pg_error_set(PG_EINVALID, "body must be one or more lines, each ending in a newline");
	size_t line = first_line, start = 0;
	for (size_t i = 0; i < len; i++) {
		if (b[i] == '\r')
			return pg_error_set(PG_EINVALID, "line %zu: carriage return in body", line);
		if (b[i] == '\n') {
			if (i - start > PG_LINE_MAX)
				return pg_error_set(PG_EINVALID, "line %zu: longer than %d bytes",
						    line, PG_LINE_MAX);
			line++;
			start = i + 1;
		}
	}
	return 0;
}

/* What an identity's fields must say together (format.md §3.5): a
 * handover comes with the predecessor it is from, and neither names the
 * identity itself. */
static int identity_rules(const pg_object *o, const char *author)
{
	const char *ver = pg_object_get(o, "version"), *pred = pg_object_get(o, "predecessor");
	const char *succ = pg_object_get(o, "successor");
	if (ver && !strcmp(ver, "0"))
		return pg_error_set(PG_EINVALID, "identity object: version starts at 1");
	if (!pred != !pg_object_get(o, "handover"))
		return pg_error_set(PG_EINVALID, "identity object: 'predecessor' and 'handover' go together "
				    "(a rotation is signed by the old key too)");
	if ((pred && !strcmp(pred, author)) || (succ && !strcmp(succ, author)))
		return pg_error_set(PG_EINVALID, "identity object: a key cannot succeed itself");
	return 0;
}

void pg_handover_message(pg_buf *out, const uint8_t old_pk[PG_PK_LEN], const uint8_t new_pk[PG_PK_LEN])
{
	char a[PG_HEX_LEN + 1], b[PG_HEX_LEN + 1];
	pg_hex(a, old_pk, PG_PK_LEN);
	pg_hex(b, new_pk, PG_PK_LEN);
	pg_buf_clear(out);
	pg_buf_printf(out, "pg handover\n%s\n%s\n", a, b);
}

/* The old key's signature over the handover to the new one. */
static int check_handover(const pg_object *o)
{
	const char *pred = pg_object_get(o, "predecessor"), *sig = pg_object_get(o, "handover");
	uint8_t old[PG_PK_LEN], s[PG_SIG_LEN];
	pg_buf m = PG_BUF_INIT;
	if (!pred)
		return 0;
	if (pg_unhex(old, pred, PG_PK_LEN) < 0 || pg_unhex(s, sig, PG_SIG_LEN) < 0)
		return pg_error_set(PG_EINVALID, "identity object: bad predecessor or handover");
	pg_handover_message(&m, old, o->author);
	int ok = crypto_sign_verify_detached(s, (const unsigned char *)m.ptr, m.len, old) == 0;
	pg_buf_free(&m);
	return ok ? 0 : pg_error_set(PG_EINTEGRITY, "identity object: the handover is not signed by the "
				     "predecessor key %.12s", pred);
}

/* Encode the unsigned part, checking every field against the schema.
 * Fields must already be in schema order. */
int pg_object_encode_unsigned(pg_buf *out, const pg_object *o)
{
	const pg_type_schema *s = pg_type_schema_get(o->type);
	if (!s)
		return pg_error_set(PG_EINVALID, "unknown object type");
	char hex[PG_HEX_LEN + 1];
	pg_hex(hex, o->author, PG_PK_LEN);
	if (o->date < 0)
		return pg_error_set(PG_EINVALID, "date before the epoch");
	pg_buf_clear(out);
	pg_buf_printf(out, "pg 1\ntype %s\nauthor %s\ndate %lld\n", s->name, hex, (long long)o->date);

	size_t i = 0;
	if (o->nfields > PG_FIELDS_MAX)
		return pg_error_set(PG_EINVALID, "more than %d fields", PG_FIELDS_MAX);
	for (const pg_field_schema *f = s->fields; f->key; f++) {
		size_t n = 0;
		while (i < o->nfields && o->fields[i].key == f->key) {
			int err = pg_value_check(f->kind, o->fields[i].value, f->words);
			if (err < 0)
				return pg_error_prefix(err, "field '%s'", f->key);
			pg_buf_printf(out, "%s %s\n", f->key, o->fields[i].value);
			i++, n++;
		}
		if (n == 0 && (f->flags & (PG_FIELD_REQUIRED | PG_FIELD_MANY))) {
			for (size_t k = i; k < o->nfields; k++)
				if (o->fields[k].key == f->key)
					return pg_error_set(PG_EINVALID, "%s object: field '%s' is out of order "
							    "(it must come before '%s')", s->name, f->key,
							    i < o->nfields ? o->fields[i].key : "the body");
			return pg_error_set(PG_EINVALID, "%s object lacks field '%s'", s->name, f->key);
		}
		if (n > 1 && !(f->flags & PG_FIELD_MANY))
			return pg_error_set(PG_EINVALID, "field '%s' appears %zu times", f->key, n);
	}
	if (i < o->nfields)
		return pg_error_set(PG_EINVALID, "%s object: field '%s' is unknown or out of order",
				    s->name, o->fields[i].key);
	if (o->body) {
		if (!s->body)
			return pg_error_set(PG_EINVALID, "%s objects have no body", s->name);
		int err = check_body(o->body, o->body_len, 1);
		if (err < 0)
			return err;
		pg_buf_putc(out, '\n');
		pg_buf_put(out, o->body, o->body_len);
	}
	if (out->len + 4 + 2 * PG_SIG_LEN + 1 > PG_OBJECT_MAX)
		return pg_error_set(PG_EINVALID, "object larger than %d bytes", PG_OBJECT_MAX);
	return o->type == PG_T_IDENTITY ? identity_rules(o, hex) : 0;
}

int pg_object_sign(pg_object *o, const uint8_t *sk)
{
	if (memcmp(sk + 32, o->author, PG_PK_LEN) != 0)
		return pg_error_set(PG_EKEY, "signing key does not match the object's author");
	int err = pg_object_encode_unsigned(&o->raw, o);
	if (err < 0)
		return err;
	crypto_sign_detached(o->sig, NULL, (const unsigned char *)o->raw.ptr, o->raw.len, sk);
	char hex[2 * PG_SIG_LEN + 1];
	pg_hex(hex, o->sig, PG_SIG_LEN);
	pg_buf_printf(&o->raw, "sig %s\n", hex);
	pg_hash(o->id, o->raw.ptr, o->raw.len);
	return 0;
}

/* A line cursor over the signed part. */
struct cursor {
	const char *p, *end;
	size_t line;
	const char *text; /* current line, not NUL-terminated */
	size_t len;
};

static int next_line(struct cursor *c)
{
	if (c->p >= c->end)
		return 0;
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!nl)
		return -1; /* cannot happen: the signed part ends in '\n' */
	c->text = c->p;
	c->len = (size_t)(nl - c->p);
	c->p = nl + 1;
	c->line++;
	return 1;
}

/* Split "key value"; refuses anything but one space between them. */
static int split(struct cursor *c, char *key, size_t keycap, char **value)
{
	const char *sp = memchr(c->text, ' ', c->len);
	if (!sp || sp == c->text || (size_t)(sp - c->text) >= keycap)
		return pg_error_set(PG_EINVALID, "line %zu: expected 'key value'", c->line);
	memcpy(key, c->text, (size_t)(sp - c->text));
	key[sp - c->text] = '\0';
	for (const char *k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == '_'))
			return pg_error_set(PG_EINVALID, "line %zu: bad key '%s'", c->line, key);
	*value = pg_strndup(sp + 1, c->len - (size_t)(sp - c->text) - 1);
	if (strlen(*value) != c->len - (size_t)(sp - c->text) - 1) {
		free(*value);
		*value = NULL;
		return pg_error_set(PG_EINVALID, "line %zu: NUL byte", c->line);
	}
	return 0;
}

static int expect(struct cursor *c, const char *key, char **value)
{
	char k[32];
	if (next_line(c) <= 0)
		return pg_error_set(PG_EINVALID, "truncated object: expected '%s' at line %zu",
				    key, c->line + 1);
	int err = split(c, k, sizeof(k), value);
	if (err < 0)
		return err;
	if (strcmp(k, key)) {
		free(*value);
		*value = NULL;
		return pg_error_set(PG_EINVALID, "line %zu: expected '%s', found '%s'", c->line, key, k);
	}
	return 0;
}

int pg_object_decode(pg_object **out, const char *data, size_t len, unsigned flags)
{
	static const size_t siglen = 4 + 2 * PG_SIG_LEN + 1;
	pg_object *o = NULL;
	char *v = NULL;
	int err = 0;
	*out = NULL;

	if (len > PG_OBJECT_MAX)
		return pg_error_set(PG_EINVALID, "object larger than %d bytes", PG_OBJECT_MAX);
	if (len < siglen + 5 || data[len - 1] != '\n')
		return pg_error_set(PG_EINVALID, "truncated object (%zu bytes)", len);
	if (memchr(data, '\0', len))
		return pg_error_set(PG_EINVALID, "object contains a NUL byte");
	if (memchr(data, '\r', len))
		return pg_error_set(PG_EINVALID, "object contains a carriage return");
	for (size_t i = 0, start = 0, line = 1; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i - start > PG_LINE_MAX)
			return pg_error_set(PG_EINVALID, "line %zu: longer than %d bytes", line, PG_LINE_MAX);
		start = i + 1, line++;
	}
	const char *sigline = data + len - siglen;
	if (sigline[-1] != '\n' || memcmp(sigline, "sig ", 4) != 0)
		return pg_error_set(PG_EINVALID, "truncated object: the last line must be 'sig <128 hex>'");

	struct cursor c = { data, sigline, 0, NULL, 0 };
	if (next_line(&c) <= 0 || c.len != 4 || memcmp(c.text, "pg 1", 4) != 0)
		return pg_error_set(PG_EINVALID, "line 1: expected 'pg 1' (not a pg object, or a newer format)");

	if ((err = expect(&c, "type", &v)) < 0)
		goto done;
	pg_otype t = pg_otype_parse(v);
	if (t == PG_T_NONE) {
		err = pg_error_set(PG_EINVALID, "line 2: unknown object type '%.40s'", v);
		goto done;
	}
	free(v), v = NULL;
	o = pg_object_new(t, NULL, 0);
	const pg_type_schema *s = pg_type_schema_get(t);

	if ((err = expect(&c, "author", &v)) < 0)
		goto done;
	if (pg_value_check(PG_F_ID, v, NULL) < 0 || pg_unhex(o->author, v, PG_PK_LEN) < 0) {
		err = pg_error_set(PG_EINVALID, "line 3: author must be 64 lowercase hex digits");
		goto done;
	}
	free(v), v = NULL;
	if ((err = expect(&c, "date", &v)) < 0)
		goto done;
	if (check_uint(v, strlen(v)) < 0) {
		err = pg_error_set(PG_EINVALID, "line 4: date must be seconds since the epoch, "
				   "without leading zeros");
		goto done;
	}
	errno = 0;
	o->date = strtoll(v, NULL, 10);
	if (errno == ERANGE) {
		err = pg_error_set(PG_EINVALID, "line 4: date %s is past the largest pg reads (%lld)", v, (long long)INT64_MAX);
		goto done;
	}
	free(v), v = NULL;

	/* type fields, then an optional blank line and body */
	int r;
	while ((r = next_line(&c)) > 0) {
		if (c.len == 0) {
			size_t blen = (size_t)(sigline - c.p);
			if (!s->body) {
				err = pg_error_set(PG_EINVALID, "line %zu: %s objects have no body", c.line, s->name);
				goto done;
			}
			if ((err = check_body(c.p, blen, c.line + 1)) < 0)
				goto done;
			pg_object_set_body(o, c.p, blen);
			break;
		}
		char key[32];
		if ((err = split(&c, key, sizeof(key), &v)) < 0)
			goto done;
		const pg_field_schema *fs = field_schema(t, key);
		if (!fs) {
			err = pg_error_set(PG_EINVALID, "line %zu: %s objects have no field '%s'",
					   c.line, s->name, key);
			goto done;
		}
		if ((err = pg_value_check(fs->kind, v, fs->words)) < 0) {
			pg_error_prefix(err, "line %zu: field '%s'", c.line, key);
			goto done;
		}
		if (o->nfields >= PG_FIELDS_MAX) {
			err = pg_error_set(PG_EINVALID, "line %zu: more than %d fields", c.line, PG_FIELDS_MAX);
			goto done;
		}
		pg_object_add(o, key, v);
		free(v), v = NULL;
	}

	/* re-encode: checks order, counts and every value */
	if ((err = pg_object_encode_unsigned(&o->raw, o)) < 0)
		goto done;
	if (o->raw.len != (size_t)(sigline - data) || memcmp(o->raw.ptr, data, o->raw.len)) {
		size_t i = 0, line = 1, n = (size_t)(sigline - data);
		for (; i < n && i < o->raw.len && data[i] == o->raw.ptr[i]; i++)
			line += data[i] == '\n';
		err = pg_error_set(PG_EINVALID, "line %zu: object is not in canonical form (pg would write it "
				   "otherwise)", line);
		goto done;
	}
	if (pg_unhex(o->sig, sigline + 4, PG_SIG_LEN) < 0 || sigline[4 + 2 * PG_SIG_LEN] != '\n') {
		err = pg_error_set(PG_EINVALID, "last line: signature must be 128 lowercase hex digits");
		goto done;
	}
	if (!(flags & PG_DECODE_NOVERIFY) &&
	    crypto_sign_verify_detached(o->sig, (const unsigned char *)data, (size_t)(sigline - data),
					o->author) != 0) {
		err = pg_error_set(PG_EINTEGRITY, "signature does not verify against the author's key");
		goto done;
	}
	if (!(flags & PG_DECODE_NOVERIFY) && t == PG_T_IDENTITY && (err = check_handover(o)) < 0)
		goto done;
	pg_buf_clear(&o->raw);
	pg_buf_put(&o->raw, data, len);
	pg_hash(o->id, data, len);
	*out = o;
	o = NULL;
done:
	free(v);
	pg_object_free(o);
	return err;
}
