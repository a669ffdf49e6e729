/* test_object.c - canonical signed objects: round trips, strict decoding, signatures, value checks */
#include "unit.h"
#include "object.h"

#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATE 1700000000
#define ID_I "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_J "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_K "00000000000000000000000000000000000000000000000000000000000000ff"
#define ID_I_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define PAYLOAD ID_I " 4096"
#define STR_(x) #x
#define STR(x) STR_(x)
#define SIGLINE_LEN (4 + 2 * PG_SIG_LEN + 1) /* "sig " 128 hex "\n" */

/* A fresh Ed25519 key pair and its public half in hex. */
struct kp {
	uint8_t pk[PG_PK_LEN];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	char hex[PG_HEX_LEN + 1];
};

static void kp_new(struct kp *k)
{
	crypto_sign_keypair(k->pk, k->sk);
	pg_hex(k->hex, k->pk, PG_PK_LEN);
}

/* Expand a template: $A author hex, $U author hex in uppercase, $I $J ids,
 * $K ID_I in uppercase, $P a payload value. */
static char *expand(const char *t, const struct kp *k)
{
	pg_buf b = PG_BUF_INIT;
	for (; *t; t++) {
		if (*t != '$' || !t[1]) {
			pg_buf_putc(&b, *t);
			continue;
		}
		switch (*++t) {
		case 'A':
			pg_buf_puts(&b, k->hex);
			break;
		case 'U':
			for (const char *h = k->hex; *h; h++)
				pg_buf_putc(&b, (*h >= 'a' && *h <= 'f') ? (char)(*h - 'a' + 'A') : *h);
			break;
		case 'I':
			pg_buf_puts(&b, ID_I);
			break;
		case 'J':
			pg_buf_puts(&b, ID_J);
			break;
		case 'K':
			pg_buf_puts(&b, ID_I_UPPER);
			break;
		case 'P':
			pg_buf_puts(&b, PAYLOAD);
			break;
		default:
			fail_msg("bad template token $%c", *t);
		}
	}
	return pg_buf_detach(&b);
}

/* out = text followed by a sig line holding a valid signature of text by k,
 * so a refusal can only come from what text says, never from the signature. */
static void seal(pg_buf *out, const struct kp *k, const char *text, size_t len)
{
	uint8_t sig[PG_SIG_LEN];
	char hex[2 * PG_SIG_LEN + 1];
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, len, k->sk);
	pg_hex(hex, sig, PG_SIG_LEN);
	pg_buf_clear(out);
	pg_buf_put(out, text, len);
	pg_buf_printf(out, "sig %s\n", hex);
}

/* Decode from an exact-size heap copy, so the sanitizers see any read past
 * the end of the caller's bytes. */
static int decode(pg_object **out, const char *data, size_t len, unsigned flags)
{
	char *copy = pg_malloc(len);
	if (len)
		memcpy(copy, data, len);
	int err = pg_object_decode(out, copy, len, flags);
	free(copy);
	if (err < 0)
		assert_null(*out);
	else
		assert_non_null(*out);
	return err;
}

/* Expand, seal with k and decode. */
static int decode_tmpl(pg_object **out, const struct kp *k, const char *tmpl, unsigned flags)
{
	char *text = expand(tmpl, k);
	pg_buf b = PG_BUF_INIT;
	seal(&b, k, text, strlen(text));
	int err = decode(out, b.ptr, b.len, flags);
	pg_buf_free(&b);
	free(text);
	return err;
}

/* A body of exactly len bytes whose lines are at most PG_LINE_MAX bytes. */
static char *make_body(size_t len)
{
	char *b = pg_malloc(len + 1);
	memset(b, 'b', len);
	for (size_t i = PG_LINE_MAX; i < len; i += PG_LINE_MAX + 1)
		b[i] = '\n';
	b[len - 1] = '\n';
	b[len] = '\0';
	return b;
}

/* ---- round trips ---- */

struct roundtrip {
	pg_otype type;
	const char *name; /* the type's name in the format */
	const char *fields[6][2];
	const char *body;
};

static const struct roundtrip roundtrips[] = {
	{ PG_T_IDENTITY, "identity", { { "name", "alice" } }, NULL },
	{ PG_T_INTERFACE, "interface",
	  { { "name", "geometry::circle" }, { "payload", PAYLOAD } },
	  "A circle.\n\nSecond paragraph, in UTF-8: \xcf\x80 \xe2\x89\x88 3.14159 \xf0\x9f\x99\x82\n" },
	{ PG_T_SPEC, "spec",
	  { { "name", "circle-spec" }, { "interface", ID_I }, { "payload", ID_J " 0" } },
	  "Cases for circles.\n" },
	{ PG_T_IMPL, "impl",
	  { { "name", "circle-c" }, { "interface", ID_I }, { "lang", "c" }, { "build", "cc -O2 -o impl impl.c" },
	    { "run", "./impl" }, { "payload", PAYLOAD } },
	  "A C implementation.\n" },
	{ PG_T_BENCH, "bench",
	  { { "name", "circle_bench.v2" }, { "interface", ID_J }, { "payload", ID_K " 123456789" } },
	  "Big circles.\n" },
	{ PG_T_RESULT, "result",
	  { { "kind", "verify" }, { "subject", ID_I }, { "against", ID_J } },
	  "12 of 12 cases pass\n" },
	{ PG_T_TRUST, "trust", { { "subject", ID_K }, { "level", "high" } }, NULL },
	{ PG_T_BLOCK, "block", { { "target", ID_J } }, "spam\n" },
	{ PG_T_PEER, "peer", { { "url", "https://example.org/pg?x=1 (mirror)" } },
	  "sig of the times: a body line may start with 'sig '\n" },
	{ PG_T_LOG, "log",
	  { { "seq", "42" }, { "prev", ID_J }, { "add", ID_I }, { "add", ID_J }, { "add", ID_K } },
	  NULL },
};

/* Every publishable type survives sign -> bytes -> decode -> encode, and its
 * bytes are exactly the documented format. */
static void test_roundtrip_every_type(void **state)
{
	(void)state;
	int seen[PG_T__COUNT] = { 0 };
	for (size_t t = 0; t < sizeof(roundtrips) / sizeof(roundtrips[0]); t++) {
		const struct roundtrip *r = &roundtrips[t];
		struct kp k;
		kp_new(&k);
		int64_t date = DATE + (int64_t)t;
		seen[r->type] = 1;

		pg_object *o = pg_object_new(r->type, k.pk, date);
		size_t nf = 0;
		for (; nf < 6 && r->fields[nf][0]; nf++)
			pg_object_add(o, r->fields[nf][0], r->fields[nf][1]);
		if (r->body)
			pg_object_set_body(o, r->body, strlen(r->body));
		if (pg_object_sign(o, k.sk) < 0)
			fail_msg("%s: sign: %s", r->name, pg_error_last());

		/* the bytes follow the format in object.h, written out by hand */
		pg_buf want = PG_BUF_INIT;
		pg_buf_printf(&want, "pg 1\ntype %s\nauthor %s\ndate %lld\n", r->name, k.hex, (long long)date);
		for (size_t i = 0; i < nf; i++)
			pg_buf_printf(&want, "%s %s\n", r->fields[i][0], r->fields[i][1]);
		if (r->body)
			pg_buf_printf(&want, "\n%s", r->body);
		assert_int_equal(o->raw.len, want.len + SIGLINE_LEN);
		assert_memory_equal(o->raw.ptr, want.ptr, want.len);
		char sighex[2 * PG_SIG_LEN + 1];
		pg_hex(sighex, o->sig, PG_SIG_LEN);
		char *sigline = pg_asprintf("sig %s\n", sighex);
		assert_memory_equal(o->raw.ptr + want.len, sigline, SIGLINE_LEN);
		free(sigline);
		/* the signature covers every byte before the sig line */
		assert_int_equal(crypto_sign_verify_detached(o->sig, (const unsigned char *)want.ptr,
							     want.len, k.pk), 0);
		/* the id is BLAKE2b-256 of all the bytes */
		uint8_t id[PG_ID_LEN];
		crypto_generichash(id, sizeof(id), (const unsigned char *)o->raw.ptr, o->raw.len, NULL, 0);
		assert_memory_equal(o->id, id, PG_ID_LEN);

		pg_object *d = NULL;
		if (decode(&d, o->raw.ptr, o->raw.len, 0) < 0)
			fail_msg("%s: decode: %s", r->name, pg_error_last());
		assert_int_equal(d->type, r->type);
		assert_string_equal(pg_otype_name(d->type), r->name);
		assert_memory_equal(d->author, k.pk, PG_PK_LEN);
		assert_int_equal(d->date, date);
		assert_int_equal(d->nfields, nf);
		for (size_t i = 0; i < nf; i++) {
			assert_string_equal(d->fields[i].key, r->fields[i][0]);
			assert_string_equal(d->fields[i].value, r->fields[i][1]);
		}
		if (r->body) {
			assert_non_null(d->body);
			assert_int_equal(d->body_len, strlen(r->body));
			assert_memory_equal(d->body, r->body, d->body_len);
		} else {
			assert_null(d->body);
		}
		assert_memory_equal(d->sig, o->sig, PG_SIG_LEN);
		assert_memory_equal(d->id, id, PG_ID_LEN);
		assert_int_equal(d->raw.len, o->raw.len);
		assert_memory_equal(d->raw.ptr, o->raw.ptr, o->raw.len);

		/* re-encoding gives the same bytes, and so does signing again
		 * (Ed25519 signatures are deterministic) */
		pg_buf again = PG_BUF_INIT;
		assert_int_equal(pg_object_encode_unsigned(&again, d), 0);
		assert_int_equal(again.len, want.len);
		assert_memory_equal(again.ptr, want.ptr, want.len);
		assert_int_equal(pg_object_sign(d, k.sk), 0);
		assert_int_equal(d->raw.len, o->raw.len);
		assert_memory_equal(d->raw.ptr, o->raw.ptr, o->raw.len);
		assert_memory_equal(d->id, o->id, PG_ID_LEN);

		pg_buf_free(&again);
		pg_buf_free(&want);
		pg_object_free(d);
		pg_object_free(o);
	}
	for (int t = PG_T_IDENTITY; t < PG_T__COUNT; t++)
		if (!seen[t])
			fail_msg("type %s has no round trip case", pg_otype_name((pg_otype)t));
}

/* Hand-written objects that are canonical decode; the bad cases below are
 * each one of these with one defect. */
static void test_decode_good_templates(void **state)
{
	(void)state;
	static const char *const good[] = {
		"pg 1\ntype identity\nauthor $A\ndate 1700000000\nname alice\n",
		"pg 1\ntype identity\nauthor $A\ndate 0\nname A.b_c+d-9\n",
		"pg 1\ntype peer\nauthor $A\ndate 1700000000\nurl https://example.org/pg\n\nhello\n",
		"pg 1\ntype trust\nauthor $A\ndate 1700000000\nsubject $I\nlevel distrust\n",
		"pg 1\ntype impl\nauthor $A\ndate 1700000000\nname circle-c\ninterface $I\nlang c\nrun ./impl\npayload $P\n",
		"pg 1\ntype impl\nauthor $A\ndate 1700000000\nname circle-py\ninterface $I\nlang python\n"
		"build python3 -m py_compile impl.py\nrun python3 impl.py\npayload $P\n",
		"pg 1\ntype log\nauthor $A\ndate 1700000000\nseq 1\nprev $I\nadd $I\nadd $J\n",
		"pg 1\ntype log\nauthor $A\ndate 1700000000\nseq 0\nadd $I\n",
		"pg 1\ntype interface\nauthor $A\ndate 1700000000\nname geometry::circle\npayload $P\n",
		"pg 1\ntype result\nauthor $A\ndate 1700000000\nkind bench\nsubject $I\nagainst $J\n\nok\n",
	};
	struct kp k;
	kp_new(&k);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pg_object *o = NULL;
		if (decode_tmpl(&o, &k, good[i], 0) < 0)
			fail_msg("good template %zu refused: %s", i, pg_error_last());
		assert_memory_equal(o->author, k.pk, PG_PK_LEN);
		pg_object_free(o);
	}
}

struct bad {
	const char *what;
	const char *tmpl;
	int code;
	const char *needle;
};

#define HDR(t) "pg 1\ntype " t "\nauthor $A\ndate 1700000000\n"

static const struct bad bad_cases[] = {
	/* spacing */
	{ "two spaces before a label", HDR("identity") "name  alice\n", PG_EINVALID, "not a valid name" },
	{ "two spaces before a text", HDR("peer") "url  https://example.org/pg\n", PG_EINVALID,
	  "leading or trailing spaces" },
	{ "two spaces before an id", HDR("trust") "subject  $I\nlevel high\n", PG_EINVALID,
	  "not 64 lowercase hex" },
	{ "two spaces before the date", "pg 1\ntype identity\nauthor $A\ndate  1700000000\nname alice\n",
	  PG_EINVALID, "line 4: date" },
	{ "two spaces before the author", "pg 1\ntype identity\nauthor  $A\ndate 1700000000\nname alice\n",
	  PG_EINVALID, "line 3: author" },
	{ "two spaces in a payload", HDR("interface") "name geometry::circle\npayload " ID_I "  4096\n",
	  PG_EINVALID, "payload must be" },
	{ "trailing space on a label", HDR("identity") "name alice \n", PG_EINVALID, "not a valid name" },
	{ "trailing space on a text", HDR("peer") "url https://example.org/pg \n", PG_EINVALID,
	  "leading or trailing spaces" },
	{ "trailing space on an enum", HDR("trust") "subject $I\nlevel high \n", PG_EINVALID, "is not one of" },
	{ "trailing space on a payload", HDR("interface") "name geometry::circle\npayload $P \n",
	  PG_EINVALID, "payload must be" },
	{ "trailing space on the date", "pg 1\ntype identity\nauthor $A\ndate 1700000000 \nname alice\n",
	  PG_EINVALID, "line 4: date" },
	{ "pg line with two spaces", "pg  1\ntype identity\nauthor $A\ndate 1700000000\nname alice\n",
	  PG_EINVALID, "line 1: expected 'pg 1'" },
	/* hex and numbers */
	{ "uppercase hex in author", "pg 1\ntype identity\nauthor $U\ndate 1700000000\nname alice\n",
	  PG_EINVALID, "line 3: author must be 64 lowercase hex" },
	{ "uppercase hex in an id", HDR("trust") "subject $K\nlevel high\n", PG_EINVALID, "not 64 lowercase hex" },
	{ "short id", HDR("block") "target 0123\n", PG_EINVALID, "not 64 lowercase hex" },
	{ "leading zero in date", "pg 1\ntype identity\nauthor $A\ndate 01700000000\nname alice\n",
	  PG_EINVALID, "leading zeros" },
	{ "negative date", "pg 1\ntype identity\nauthor $A\ndate -1\nname alice\n", PG_EINVALID, "line 4: date" },
	{ "date with a plus sign", "pg 1\ntype identity\nauthor $A\ndate +1700000000\nname alice\n",
	  PG_EINVALID, "line 4: date" },
	{ "date of 20 digits", "pg 1\ntype identity\nauthor $A\ndate 17000000000000000000\nname alice\n",
	  PG_EINVALID, "line 4: date" },
	{ "date beyond int64", "pg 1\ntype identity\nauthor $A\ndate 9999999999999999999\nname alice\n",
	  PG_EINVALID, "" },
	{ "leading zero in a uint field", HDR("log") "seq 01\nadd $I\n", PG_EINVALID, "without leading zeros" },
	{ "leading zero in a payload size", HDR("interface") "name geometry::circle\npayload " ID_I " 04096\n",
	  PG_EINVALID, "payload must be" },
	/* order and counts */
	{ "optional field after a repeated one", HDR("log") "seq 1\nadd $I\nprev $J\n", PG_EINVALID,
	  "out of order" },
	{ "duplicated required field", HDR("identity") "name alice\nname bob\n", PG_EINVALID,
	  "field 'name' appears 2 times" },
	{ "duplicated optional field", HDR("log") "seq 1\nprev $I\nprev $J\nadd $I\n", PG_EINVALID,
	  "field 'prev' appears 2 times" },
	{ "duplicated date line", HDR("identity") "date 1700000000\nname alice\n", PG_EINVALID,
	  "identity objects have no field 'date'" },
	{ "missing required field", HDR("impl") "name circle-c\ninterface $I\npayload $P\n", PG_EINVALID,
	  "impl object lacks field 'lang'" },
	{ "no fields at all", HDR("identity"), PG_EINVALID, "identity object lacks field 'name'" },
	{ "repeated field absent", HDR("log") "seq 1\nprev $I\n", PG_EINVALID, "log object lacks field 'add'" },
	/* line endings and framing */
	{ "CRLF line ending", HDR("identity") "name alice\r\n", PG_EINVALID, "carriage return" },
	{ "CRLF everywhere", "pg 1\r\ntype identity\r\nauthor $A\r\ndate 1700000000\r\nname alice\r\n",
	  PG_EINVALID, "carriage return" },
	{ "CR in the body", HDR("peer") "url https://example.org/pg\n\nhello\rworld\n", PG_EINVALID,
	  "carriage return" },
	{ "missing pg 1 line", "type identity\nauthor $A\ndate 1700000000\nname alice\n", PG_EINVALID,
	  "line 1: expected 'pg 1'" },
	{ "newer format", "pg 2\ntype identity\nauthor $A\ndate 1700000000\nname alice\n", PG_EINVALID,
	  "line 1: expected 'pg 1'" },
	{ "blank first line", "\npg 1\ntype identity\nauthor $A\ndate 1700000000\nname alice\n", PG_EINVALID,
	  "line 1: expected 'pg 1'" },
	{ "line without a value", HDR("identity") "name\n", PG_EINVALID, "line 5: expected 'key value'" },
	{ "empty value", HDR("identity") "name \n", PG_EINVALID, "empty value" },
	{ "uppercase key", HDR("identity") "Name alice\n", PG_EINVALID, "line 5: bad key 'Name'" },
	/* schema */
	{ "unknown field", HDR("identity") "name alice\ncolour red\n", PG_EINVALID,
	  "line 6: identity objects have no field 'colour'" },
	{ "field of another type", HDR("identity") "name alice\nlang c\n", PG_EINVALID,
	  "identity objects have no field 'lang'" },
	{ "unknown type", HDR("widget") "name alice\n", PG_EINVALID, "line 2: unknown object type 'widget'" },
	{ "type in capitals", HDR("Identity") "name alice\n", PG_EINVALID, "unknown object type 'Identity'" },
	{ "body on identity", HDR("identity") "name alice\n\nhello\n", PG_EINVALID,
	  "line 6: identity objects have no body" },
	{ "body on log", HDR("log") "seq 1\nadd $I\n\nhello\n", PG_EINVALID, "log objects have no body" },
	{ "empty body", HDR("peer") "url https://example.org/pg\n\n", PG_EINVALID,
	  "body must be one or more lines" },
	{ "trust level extreme", HDR("trust") "subject $I\nlevel extreme\n", PG_EINVALID,
	  "'extreme' is not one of: distrust, none, low, medium, high" },
	{ "trust level in capitals", HDR("trust") "subject $I\nlevel High\n", PG_EINVALID, "is not one of" },
	{ "result kind unknown", HDR("result") "kind verified\nsubject $I\nagainst $J\n", PG_EINVALID,
	  "'verified' is not one of: verify, bench" },
	{ "interface name in capitals", HDR("interface") "name Geometry::Circle\npayload $P\n", PG_EINVALID,
	  "not a valid interface name" },
	{ "interface name with :::", HDR("interface") "name geometry:::circle\npayload $P\n", PG_EINVALID,
	  "not a valid interface name" },
	{ "interface name starting ::", HDR("interface") "name ::x\npayload $P\n", PG_EINVALID,
	  "not a valid interface name" },
	{ "interface name ending ::", HDR("interface") "name geometry::\npayload $P\n", PG_EINVALID,
	  "not a valid interface name" },
	{ "interface name with one colon", HDR("interface") "name geometry:circle\npayload $P\n", PG_EINVALID,
	  "not a valid interface name" },
	{ "interface name with a dash", HDR("interface") "name geometry::unit-circle\npayload $P\n",
	  PG_EINVALID, "not a valid interface name" },
	{ "label starting with a dash", HDR("identity") "name -alice\n", PG_EINVALID, "not a valid name" },
	/* text */
	{ "overlong UTF-8 in body", HDR("peer") "url https://example.org/pg\n\n\xc0\xaf\n", PG_EINVALID,
	  "body is not valid UTF-8" },
	{ "surrogate in body", HDR("peer") "url https://example.org/pg\n\nab\xed\xa0\x80z\n", PG_EINVALID,
	  "body is not valid UTF-8" },
	{ "truncated UTF-8 at the end of the body", HDR("peer") "url https://example.org/pg\n\ncaf\xc3\n",
	  PG_EINVALID, "body is not valid UTF-8" },
	{ "invalid UTF-8 in a text field", HDR("peer") "url https://example.org/caf\xc3\n", PG_EINVALID,
	  "not valid UTF-8" },
	{ "tab in a text field", HDR("peer") "url https://example.org/\tpg\n", PG_EINVALID, "control character" },
	{ "DEL in a text field", HDR("peer") "url https://example.org/\x7fpg\n", PG_EINVALID,
	  "control character" },
};

/* Each defect is refused, with the right code and a message saying what is
 * wrong, although the signature over the defective bytes is valid. */
static void test_decode_refuses_noncanonical(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *c = &bad_cases[i];
		pg_object *o = NULL;
		pg_error_clear();
		int err = decode_tmpl(&o, &k, c->tmpl, 0);
		if (err != c->code || !strstr(pg_error_last(), c->needle))
			fail_msg("%s: expected %d containing '%s', got %d: %s", c->what, c->code, c->needle,
				 err, pg_error_last());
		/* not a signature matter: NOVERIFY refuses it too */
		err = decode_tmpl(&o, &k, c->tmpl, PG_DECODE_NOVERIFY);
		if (err != c->code)
			fail_msg("%s: NOVERIFY accepted it or changed the error: %d", c->what, err);
	}
}

/* The first header lines (type, author, date) out of order or missing.
 * Each decode runs in a child process, so that a crash in the decoder fails
 * this test instead of killing the whole run. */
static void test_decode_header_lines_out_of_order(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "author before type", "pg 1\nauthor $A\ntype identity\ndate 1700000000\nname alice\n",
		  PG_EINVALID, "line 2: expected 'type', found 'author'" },
		{ "date before author", "pg 1\ntype identity\ndate 1700000000\nauthor $A\nname alice\n",
		  PG_EINVALID, "line 3: expected 'author', found 'date'" },
		{ "date missing", "pg 1\ntype identity\nauthor $A\nname alice\n", PG_EINVALID,
		  "line 4: expected 'date', found 'name'" },
	};
	struct kp k;
	kp_new(&k);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			pg_object *o = NULL;
			int err = decode_tmpl(&o, &k, cases[i].tmpl, 0);
			int ok = err == cases[i].code && strstr(pg_error_last(), cases[i].needle);
			if (!ok)
				fprintf(stderr, "%s: got %d: %s\n", cases[i].what, err, pg_error_last());
			_exit(ok ? 0 : 77);
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (WIFSIGNALED(st))
			fail_msg("%s: the decoder crashed with signal %d", cases[i].what, WTERMSIG(st));
		if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
			fail_msg("%s: wrong error (see above)", cases[i].what);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("%s: the decoder crashed (exit status %d, sanitizer report above)",
				 cases[i].what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

/* A required field that is present but out of schema order must be reported
 * as out of order, not as missing. */
static void test_decode_out_of_order_required_field(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = NULL;
	assert_error(decode_tmpl(&o, &k, HDR("trust") "level high\nsubject $I\n", 0), PG_EINVALID, "order");
	assert_error(decode_tmpl(&o, &k, HDR("impl") "name circle-c\nlang c\ninterface $I\npayload $P\n", 0),
		     PG_EINVALID, "order");
}

/* object.h: "Errors name the line".  A bad value on line 5 is reported on
 * line 5. */
static void test_decode_value_errors_name_the_line(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = NULL;
	assert_error(decode_tmpl(&o, &k, HDR("identity") "name  alice\n", 0), PG_EINVALID, "line 5");
	assert_error(decode_tmpl(&o, &k, HDR("trust") "subject $I\nlevel extreme\n", 0), PG_EINVALID, "line 6");
	assert_error(decode_tmpl(&o, &k, HDR("peer") "url https://example.org/pg \n", 0), PG_EINVALID, "line 5");
}

/* A NUL byte anywhere is refused (explicit lengths: the bytes hold a NUL). */
static void test_decode_nul_byte(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	static const char *const texts[] = {
		HDR("peer") "url https://example.org/pg\n\nhello@world\n",
		HDR("identity") "name ali@ce\n",
		HDR("identity") "name alice@\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *t = expand(texts[i], &k);
		size_t len = strlen(t);
		*strchr(t, '@') = '\0';
		pg_buf b = PG_BUF_INIT;
		seal(&b, &k, t, len);
		pg_object *o = NULL;
		assert_error(decode(&o, b.ptr, b.len, 0), PG_EINVALID, "NUL");
		pg_buf_free(&b);
		free(t);
	}
}

/* ---- signatures ---- */

static pg_object *signed_peer(const struct kp *k)
{
	pg_object *o = pg_object_new(PG_T_PEER, k->pk, DATE);
	pg_object_add(o, "url", "https://example.org/pg");
	pg_object_set_body(o, "hello world\n", 12);
	assert_int_equal(pg_object_sign(o, k->sk), 0);
	return o;
}

/* Replace the first occurrence of from by to (same length) in a copy of o's bytes. */
static char *tamper(const pg_object *o, const char *from, const char *to)
{
	assert_int_equal(strlen(from), strlen(to));
	char *copy = pg_strndup(o->raw.ptr, o->raw.len);
	char *p = strstr(copy, from);
	assert_non_null(p);
	memcpy(p, to, strlen(to));
	return copy;
}

static void test_decode_wrong_signature(void **state)
{
	(void)state;
	struct kp k, other;
	kp_new(&k);
	kp_new(&other);
	pg_object *o = signed_peer(&k), *d = NULL;
	size_t len = o->raw.len, sigpos = len - SIGLINE_LEN + 4;

	assert_int_equal(decode(&d, o->raw.ptr, len, 0), 0);
	pg_object_free(d);

	/* one byte of the signed text changed, still canonical */
	static const char *const edits[][2] = {
		{ "hello world", "hello worle" },
		{ "example.org", "example.orh" },
		{ "date 1700000000", "date 1700000001" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *t = tamper(o, edits[i][0], edits[i][1]);
		assert_error(decode(&d, t, len, 0), PG_EINTEGRITY, "signature does not verify");
		free(t);
	}
	/* the author replaced by another key */
	char *t = tamper(o, k.hex, other.hex);
	assert_error(decode(&d, t, len, 0), PG_EINTEGRITY, "signature does not verify");
	free(t);

	/* one hex digit of the sig line changed, at the start, middle and end */
	size_t where[] = { sigpos, sigpos + 63, sigpos + 127 };
	for (size_t i = 0; i < 3; i++) {
		char *c = pg_strndup(o->raw.ptr, len);
		c[where[i]] = c[where[i]] == '0' ? '1' : '0';
		assert_error(decode(&d, c, len, 0), PG_EINTEGRITY, "signature does not verify");
		free(c);
	}

	/* a sig digit in uppercase or not hex at all is a syntax error */
	char *c = pg_strndup(o->raw.ptr, len);
	size_t letter = sigpos;
	while (letter < sigpos + 128 && !(c[letter] >= 'a' && c[letter] <= 'f'))
		letter++;
	assert_true(letter < sigpos + 128);
	c[letter] = (char)(c[letter] - 'a' + 'A');
	assert_error(decode(&d, c, len, 0), PG_EINVALID, "signature must be 128 lowercase hex");
	free(c);
	c = pg_strndup(o->raw.ptr, len);
	c[sigpos + 5] = 'g';
	assert_error(decode(&d, c, len, 0), PG_EINVALID, "signature must be 128 lowercase hex");
	free(c);
	pg_object_free(o);
}

/* NOVERIFY decodes an object whose signature is wrong; the default refuses it. */
static void test_decode_noverify(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = signed_peer(&k), *d = NULL;
	size_t len = o->raw.len, pos = len - 2;
	char *c = pg_strndup(o->raw.ptr, len);
	c[pos] = c[pos] == '0' ? '1' : '0';

	assert_error(decode(&d, c, len, 0), PG_EINTEGRITY, "signature does not verify");
	assert_int_equal(decode(&d, c, len, PG_DECODE_NOVERIFY), 0);
	assert_int_equal(d->type, PG_T_PEER);
	assert_string_equal(pg_object_get(d, "url"), "https://example.org/pg");
	assert_int_equal(d->body_len, 12);
	assert_memory_equal(d->body, "hello world\n", 12);
	assert_memory_equal(d->author, k.pk, PG_PK_LEN);
	assert_memory_not_equal(d->sig, o->sig, PG_SIG_LEN); /* the sig as given */
	uint8_t id[PG_ID_LEN];
	pg_hash(id, c, len);
	assert_memory_equal(d->id, id, PG_ID_LEN);
	assert_memory_not_equal(d->id, o->id, PG_ID_LEN);
	pg_object_free(d);
	free(c);
	pg_object_free(o);
}

/* Signing with a key that is not the author's is refused and signs nothing. */
static void test_sign_wrong_key(void **state)
{
	(void)state;
	struct kp k, other;
	kp_new(&k);
	kp_new(&other);
	pg_object *o = pg_object_new(PG_T_IDENTITY, k.pk, DATE);
	pg_object_add(o, "name", "alice");
	assert_error(pg_object_sign(o, other.sk), PG_EKEY, "does not match the object's author");
	assert_int_equal(o->raw.len, 0);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	pg_object_free(o);
}

/* The encoder refuses what the decoder would refuse. */
static void test_sign_refuses_invalid(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o;

	o = pg_object_new(PG_T_IDENTITY, k.pk, -1);
	pg_object_add(o, "name", "alice");
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "date before the epoch");
	pg_object_free(o);

	o = pg_object_new(PG_T_NONE, k.pk, DATE);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "unknown object type");
	pg_object_free(o);

	o = pg_object_new(PG_T_IDENTITY, k.pk, DATE);
	pg_object_add(o, "name", "alice");
	pg_object_add(o, "colour", "red");
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "unknown or out of order");
	pg_object_free(o);

	o = pg_object_new(PG_T_IDENTITY, k.pk, DATE);
	pg_object_add(o, "name", "al ice");
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "field 'name'");
	assert_true(strstr(pg_error_last(), "not a valid name") != NULL);
	pg_object_free(o);

	o = pg_object_new(PG_T_IMPL, k.pk, DATE);
	pg_object_add(o, "name", "circle-c");
	pg_object_add(o, "interface", ID_I);
	pg_object_add(o, "payload", PAYLOAD);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "impl object lacks field 'lang'");
	pg_object_free(o);

	o = pg_object_new(PG_T_IDENTITY, k.pk, DATE);
	pg_object_add(o, "name", "alice");
	pg_object_add(o, "name", "bob");
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "appears 2 times");
	pg_object_free(o);

	o = pg_object_new(PG_T_IDENTITY, k.pk, DATE);
	pg_object_add(o, "name", "alice");
	pg_object_set_body(o, "hello\n", 6);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "identity objects have no body");
	pg_object_free(o);

	static const struct {
		const char *body, *needle;
	} bodies[] = {
		{ "no newline", "ending in a newline" },
		{ "carriage\rreturn\n", "carriage return" },
		{ "overlong \xc0\xaf\n", "not valid UTF-8" },
		{ "surrogate \xed\xb0\x80\n", "not valid UTF-8" },
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		o = pg_object_new(PG_T_PEER, k.pk, DATE);
		pg_object_add(o, "url", "https://example.org/pg");
		pg_object_set_body(o, bodies[i].body, strlen(bodies[i].body));
		assert_error(pg_object_sign(o, k.sk), PG_EINVALID, bodies[i].needle);
		pg_object_free(o);
	}
}

/* ---- truncation and size limits ---- */

/* Every proper prefix of an object is refused as truncated. */
static void test_decode_truncated(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = signed_peer(&k), *d = NULL;
	size_t len = o->raw.len;
	for (size_t cut = 0; cut < len; cut++) {
		int err = decode(&d, o->raw.ptr, cut, 0);
		if (err != PG_EINVALID || !strstr(pg_error_last(), "truncated"))
			fail_msg("prefix of %zu bytes: %d %s", cut, err, pg_error_last());
		err = decode(&d, o->raw.ptr, cut, PG_DECODE_NOVERIFY);
		if (err != PG_EINVALID)
			fail_msg("prefix of %zu bytes accepted without verification", cut);
	}
	/* the sig line cut off exactly: what is left ends in a newline */
	assert_error(decode(&d, o->raw.ptr, len - SIGLINE_LEN, 0), PG_EINVALID, "last line must be 'sig");
	/* the sig line cut short by one hex pair */
	char *c = pg_strndup(o->raw.ptr, len);
	memmove(c + len - 3, c + len - 1, 1);
	assert_error(decode(&d, c, len - 2, 0), PG_EINVALID, "truncated");
	free(c);
	pg_object_free(o);
}

/* PG_OBJECT_MAX bytes are accepted by both encoder and decoder, one more by
 * neither. */
static void test_object_size_limit(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	char *hdr = expand(HDR("peer") "url https://example.org/pg\n\n", &k);
	size_t hlen = strlen(hdr);
	size_t blen = PG_OBJECT_MAX - SIGLINE_LEN - hlen;

	char *body = make_body(blen);
	pg_object *o = pg_object_new(PG_T_PEER, k.pk, DATE), *d = NULL;
	pg_object_add(o, "url", "https://example.org/pg");
	pg_object_set_body(o, body, blen);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	assert_int_equal(o->raw.len, PG_OBJECT_MAX);
	assert_int_equal(decode(&d, o->raw.ptr, o->raw.len, 0), 0);
	assert_int_equal(d->body_len, blen);
	pg_object_free(d);
	pg_object_free(o);
	free(body);

	body = make_body(blen + 1);
	o = pg_object_new(PG_T_PEER, k.pk, DATE);
	pg_object_add(o, "url", "https://example.org/pg");
	pg_object_set_body(o, body, blen + 1);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "larger than");
	pg_object_free(o);

	pg_buf text = PG_BUF_INIT, b = PG_BUF_INIT;
	pg_buf_puts(&text, hdr);
	pg_buf_puts(&text, body);
	seal(&b, &k, text.ptr, text.len);
	assert_int_equal(b.len, PG_OBJECT_MAX + 1);
	assert_error(decode(&d, b.ptr, b.len, 0), PG_EINVALID, "larger than");
	assert_error(decode(&d, b.ptr, b.len, PG_DECODE_NOVERIFY), PG_EINVALID, "larger than");
	pg_buf_free(&text);
	pg_buf_free(&b);
	free(body);
	free(hdr);
}

/* Lines of PG_LINE_MAX bytes are accepted, longer ones refused; header
 * values are limited to PG_VALUE_MAX. */
static void test_line_limits(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o, *d = NULL;
	char *line = pg_malloc(PG_LINE_MAX + 3);

	/* a body line of exactly PG_LINE_MAX bytes */
	memset(line, 'x', PG_LINE_MAX);
	line[PG_LINE_MAX] = '\n';
	o = pg_object_new(PG_T_PEER, k.pk, DATE);
	pg_object_add(o, "url", "https://example.org/pg");
	pg_object_set_body(o, line, PG_LINE_MAX + 1);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	assert_int_equal(decode(&d, o->raw.ptr, o->raw.len, 0), 0);
	pg_object_free(d);
	pg_object_free(o);

	/* one byte more */
	memset(line, 'x', PG_LINE_MAX + 1);
	line[PG_LINE_MAX + 1] = '\n';
	o = pg_object_new(PG_T_PEER, k.pk, DATE);
	pg_object_add(o, "url", "https://example.org/pg");
	pg_object_set_body(o, line, PG_LINE_MAX + 2);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "longer than " STR(PG_LINE_MAX) " bytes");
	pg_object_free(o);

	pg_buf text = PG_BUF_INIT, b = PG_BUF_INIT;
	char *hdr = expand(HDR("peer") "url https://example.org/pg\n\n", &k);
	pg_buf_puts(&text, hdr);
	pg_buf_put(&text, line, PG_LINE_MAX + 2);
	seal(&b, &k, text.ptr, text.len);
	/* lines 1-5 header, 6 blank, 7 the long one */
	assert_error(decode(&d, b.ptr, b.len, 0), PG_EINVALID, "line 7: longer than " STR(PG_LINE_MAX) " bytes");

	/* a header line that long */
	char *h2 = expand(HDR("identity") "name ", &k);
	pg_buf_clear(&text);
	pg_buf_puts(&text, h2);
	pg_buf_put(&text, line, PG_LINE_MAX + 2);
	seal(&b, &k, text.ptr, text.len);
	assert_error(decode(&d, b.ptr, b.len, 0), PG_EINVALID, "line 5: longer than " STR(PG_LINE_MAX) " bytes");
	free(h2);

	/* header values: PG_VALUE_MAX accepted, one more refused */
	char *url = pg_malloc(PG_VALUE_MAX + 2);
	memset(url, 'u', PG_VALUE_MAX + 1);
	url[PG_VALUE_MAX] = '\0';
	o = pg_object_new(PG_T_PEER, k.pk, DATE);
	pg_object_add(o, "url", url);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	assert_int_equal(decode(&d, o->raw.ptr, o->raw.len, 0), 0);
	assert_string_equal(pg_object_get(d, "url"), url);
	pg_object_free(d);
	pg_object_free(o);
	url[PG_VALUE_MAX] = 'u';
	url[PG_VALUE_MAX + 1] = '\0';
	o = pg_object_new(PG_T_PEER, k.pk, DATE);
	pg_object_add(o, "url", url);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "longer than " STR(PG_VALUE_MAX) " bytes");
	pg_object_free(o);
	char *h3 = expand(HDR("peer"), &k);
	pg_buf_clear(&text);
	pg_buf_printf(&text, "%surl %s\n", h3, url);
	seal(&b, &k, text.ptr, text.len);
	assert_error(decode(&d, b.ptr, b.len, 0), PG_EINVALID, "longer than " STR(PG_VALUE_MAX) " bytes");
	free(h3);

	free(url);
	free(hdr);
	pg_buf_free(&text);
	pg_buf_free(&b);
	free(line);
}

/* PG_FIELDS_MAX header fields after the date are accepted, one more refused. */
static void test_field_count_limit(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = pg_object_new(PG_T_LOG, k.pk, DATE), *d = NULL;
	pg_object_add(o, "seq", "7");
	for (int i = 1; i < PG_FIELDS_MAX; i++)
		pg_object_add(o, "add", ID_I);
	assert_int_equal(o->nfields, PG_FIELDS_MAX);
	assert_int_equal(pg_object_sign(o, k.sk), 0);
	assert_int_equal(decode(&d, o->raw.ptr, o->raw.len, 0), 0);
	assert_int_equal(d->nfields, PG_FIELDS_MAX);
	pg_object_free(d);

	/* the same bytes with one more add line, validly signed */
	pg_buf text = PG_BUF_INIT, b = PG_BUF_INIT;
	pg_buf_put(&text, o->raw.ptr, o->raw.len - SIGLINE_LEN);
	pg_buf_puts(&text, "add " ID_J "\n");
	seal(&b, &k, text.ptr, text.len);
	/* the decoder stops at the first field too many: lines 1-4 are the
	 * header, so that is line 4 + PG_FIELDS_MAX + 1 */
	char *want = pg_asprintf("line %d: more than %d fields", 4 + PG_FIELDS_MAX + 1, PG_FIELDS_MAX);
	assert_error(decode(&d, b.ptr, b.len, 0), PG_EINVALID, want);
	free(want);

	pg_object_add(o, "add", ID_J);
	assert_error(pg_object_sign(o, k.sk), PG_EINVALID, "more than " STR(PG_FIELDS_MAX) " fields");
	pg_object_free(o);
	pg_buf_free(&text);
	pg_buf_free(&b);
}

/* ---- values, UTF-8, hashing, accessors ---- */

static const char *const trust_words[] = { "distrust", "none", "low", "medium", "high", NULL };

struct vcase {
	pg_fkind kind;
	const char *value;
	int ok;
};

static void test_value_check(void **state)
{
	(void)state;
	static const struct vcase cases[] = {
		{ PG_F_TEXT, "https://example.org/pg", 1 },
		{ PG_F_TEXT, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", 1 },
		{ PG_F_TEXT, "a b  c", 1 },
		{ PG_F_TEXT, "", 0 },
		{ PG_F_TEXT, " leading", 0 },
		{ PG_F_TEXT, "trailing ", 0 },
		{ PG_F_TEXT, "tab\there", 0 },
		{ PG_F_TEXT, "nl\nhere", 0 },
		{ PG_F_TEXT, "del\x7fhere", 0 },
		{ PG_F_TEXT, "bad \xc0\xaf", 0 },
		{ PG_F_TEXT, "bad \xed\xa0\x80", 0 },
		{ PG_F_LABEL, "alice", 1 },
		{ PG_F_LABEL, "A", 1 },
		{ PG_F_LABEL, "9lives", 1 },
		{ PG_F_LABEL, "circle-c.v2+fast_x", 1 },
		{ PG_F_LABEL, "", 0 },
		{ PG_F_LABEL, "-alice", 0 },
		{ PG_F_LABEL, ".hidden", 0 },
		{ PG_F_LABEL, "_x", 0 },
		{ PG_F_LABEL, "al ice", 0 },
		{ PG_F_LABEL, "a/b", 0 },
		{ PG_F_LABEL, "geometry::circle", 0 },
		{ PG_F_LABEL, "caf\xc3\xa9", 0 },
		{ PG_F_IFNAME, "geometry::circle", 1 },
		{ PG_F_IFNAME, "x", 1 },
		{ PG_F_IFNAME, "a_b::c9::_d", 1 },
		{ PG_F_IFNAME, "Geometry::Circle", 0 },
		{ PG_F_IFNAME, "geometry:::circle", 0 },
		{ PG_F_IFNAME, "geometry::::circle", 0 },
		{ PG_F_IFNAME, "::x", 0 },
		{ PG_F_IFNAME, "x::", 0 },
		{ PG_F_IFNAME, "::", 0 },
		{ PG_F_IFNAME, "x:y", 0 },
		{ PG_F_IFNAME, "geometry-circle", 0 },
		{ PG_F_IFNAME, "geometry circle", 0 },
		{ PG_F_IFNAME, "", 0 },
		{ PG_F_ID, ID_I, 1 },
		{ PG_F_ID, ID_I_UPPER, 0 },
		{ PG_F_ID, ID_I "0", 0 },
		{ PG_F_ID, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 0 },
		{ PG_F_ID, "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0 },
		{ PG_F_UINT, "0", 1 },
		{ PG_F_UINT, "7", 1 },
		{ PG_F_UINT, "1234567890123456789", 1 },
		{ PG_F_UINT, "01", 0 },
		{ PG_F_UINT, "00", 0 },
		{ PG_F_UINT, "-1", 0 },
		{ PG_F_UINT, "+1", 0 },
		{ PG_F_UINT, "1a", 0 },
		{ PG_F_UINT, " 1", 0 },
		{ PG_F_UINT, "12345678901234567890", 0 },
		{ PG_F_PAYLOAD, ID_I " 0", 1 },
		{ PG_F_PAYLOAD, ID_I " 4096", 1 },
		{ PG_F_PAYLOAD, ID_I, 0 },
		{ PG_F_PAYLOAD, ID_I " ", 0 },
		{ PG_F_PAYLOAD, ID_I "  4096", 0 },
		{ PG_F_PAYLOAD, ID_I " 04096", 0 },
		{ PG_F_PAYLOAD, ID_I " 4096 ", 0 },
		{ PG_F_PAYLOAD, ID_I_UPPER " 4096", 0 },
		{ PG_F_PAYLOAD, ID_I "0 4096", 0 },
		{ PG_F_PAYLOAD, "0123 4096", 0 },
		{ PG_F_ENUM, "high", 1 },
		{ PG_F_ENUM, "distrust", 1 },
		{ PG_F_ENUM, "extreme", 0 },
		{ PG_F_ENUM, "HIGH", 0 },
		{ PG_F_ENUM, "hig", 0 },
		{ PG_F_ENUM, "highest", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		pg_error_clear();
		int err = pg_value_check(c->kind, c->value, c->kind == PG_F_ENUM ? trust_words : NULL);
		if (c->ok && err != 0)
			fail_msg("kind %d: '%s' refused: %s", c->kind, c->value, pg_error_last());
		if (!c->ok && err != PG_EINVALID)
			fail_msg("kind %d: '%s' accepted (%d)", c->kind, c->value, err);
	}

	/* lengths */
	char big[PG_VALUE_MAX + 2];
	memset(big, 'a', sizeof(big));
	big[PG_VALUE_MAX] = '\0';
	assert_int_equal(pg_value_check(PG_F_TEXT, big, NULL), 0);
	big[PG_VALUE_MAX] = 'a';
	big[PG_VALUE_MAX + 1] = '\0';
	assert_error(pg_value_check(PG_F_TEXT, big, NULL), PG_EINVALID, "longer than " STR(PG_VALUE_MAX));
	char label[66];
	memset(label, 'l', sizeof(label));
	label[64] = '\0';
	assert_int_equal(pg_value_check(PG_F_LABEL, label, NULL), 0);
	label[64] = 'l';
	label[65] = '\0';
	assert_int_equal(pg_value_check(PG_F_LABEL, label, NULL), PG_EINVALID);

	/* messages say what the value should be */
	assert_error(pg_value_check(PG_F_ENUM, "extreme", trust_words), PG_EINVALID,
		     "'extreme' is not one of: distrust, none, low, medium, high");
	assert_error(pg_value_check(PG_F_IFNAME, "Geometry::Circle", NULL), PG_EINVALID,
		     "'Geometry::Circle' is not a valid interface name");
	assert_error(pg_value_check(PG_F_LABEL, "al ice", NULL), PG_EINVALID, "'al ice' is not a valid name");
	assert_error(pg_value_check(PG_F_ID, "xyz", NULL), PG_EINVALID, "not 64 lowercase hex");
	assert_error(pg_value_check(PG_F_UINT, "01", NULL), PG_EINVALID, "without leading zeros");
	assert_error(pg_value_check(PG_F_PAYLOAD, "x", NULL), PG_EINVALID, "'<64 hex> <size>'");
	assert_error(pg_value_check(PG_F_TEXT, "", NULL), PG_EINVALID, "empty value");
	/* an enum without words accepts nothing */
	assert_int_equal(pg_value_check(PG_F_ENUM, "high", NULL), PG_EINVALID);
}

struct ucase {
	const char *s;
	size_t len;
	int valid;
};

#define U(s, v) { s, sizeof(s) - 1, v }

static void test_utf8_valid(void **state)
{
	(void)state;
	static const struct ucase cases[] = {
		U("", 1),
		U("plain ascii ~\x7f", 1),
		U("\xc2\x80", 1),                 /* U+0080, smallest 2-byte */
		U("caf\xc3\xa9", 1),              /* é */
		U("\xdf\xbf", 1),                 /* U+07FF */
		U("\xe0\xa0\x80", 1),             /* U+0800, smallest 3-byte */
		U("\xe2\x82\xac", 1),             /* € */
		U("\xed\x9f\xbf", 1),             /* U+D7FF, just below the surrogates */
		U("\xee\x80\x80", 1),             /* U+E000, just above */
		U("\xef\xbf\xbf", 1),             /* U+FFFF */
		U("\xf0\x90\x80\x80", 1),         /* U+10000, smallest 4-byte */
		U("\xf0\x9f\x99\x82", 1),         /* 🙂 */
		U("\xf4\x8f\xbf\xbf", 1),         /* U+10FFFF, the last */
		U("\xc0\xaf", 0),                 /* overlong '/' */
		U("\xc1\xbf", 0),                 /* overlong */
		U("\xe0\x80\xaf", 0),             /* overlong 3-byte '/' */
		U("\xe0\x9f\xbf", 0),             /* overlong U+07FF */
		U("\xf0\x80\x80\xaf", 0),         /* overlong 4-byte */
		U("\xf0\x8f\xbf\xbf", 0),         /* overlong U+FFFF */
		U("\xed\xa0\x80", 0),             /* U+D800, lone high surrogate */
		U("\xed\xbf\xbf", 0),             /* U+DFFF */
		U("\xed\xa0\xbd\xed\xb8\x82", 0), /* a CESU-8 surrogate pair */
		U("\xf4\x90\x80\x80", 0),         /* U+110000 */
		U("\xf5\x80\x80\x80", 0),
		U("\xf7\xbf\xbf\xbf", 0),
		U("\xf8\x88\x80\x80\x80", 0),     /* 5-byte form */
		U("\xfc\x84\x80\x80\x80\x80", 0), /* 6-byte form */
		U("\xfe", 0),
		U("\xff", 0),
		U("\x80", 0),                     /* lone continuation */
		U("a\xbf", 0),
		U("\xc3", 0),                     /* truncated at the end */
		U("caf\xc3", 0),
		U("\xe2\x82", 0),
		U("ok \xe2", 0),
		U("\xf0\x9f\x99", 0),
		U("\xf0\x9f", 0),
		U("\xf0", 0),
		U("\xc3(", 0),                    /* a non-continuation after a lead */
		U("\xe2\x28\xa1", 0),
		U("\xf0\x9f\x99(", 0),
		U("a\0b", 0),                     /* NUL */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* exact-size copy: reading past len would show under ASan */
		char *copy = pg_malloc(cases[i].len);
		if (cases[i].len)
			memcpy(copy, cases[i].s, cases[i].len);
		int v = pg_utf8_valid(copy, cases[i].len);
		free(copy);
		if (!!v != cases[i].valid)
			fail_msg("case %zu: expected %s, got %d", i, cases[i].valid ? "valid" : "invalid", v);
	}
	/* len bounds the check: a sequence cut by len is truncated */
	assert_true(pg_utf8_valid("caf\xc3\xa9", 5));
	assert_false(pg_utf8_valid("caf\xc3\xa9", 4));
	assert_true(pg_utf8_valid("caf\xc3\xa9", 3));
	assert_false(pg_utf8_valid("\xf0\x9f\x99\x82", 3));
}

/* pg_hash is BLAKE2b with a 32-byte digest (RFC 7693 / reference vectors). */
static void test_hash_vectors(void **state)
{
	(void)state;
	uint8_t h[PG_ID_LEN];
	char hex[PG_HEX_LEN + 1];
	pg_hash(h, "", 0);
	pg_hex(hex, h, PG_ID_LEN);
	assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	pg_hash(h, "abc", 3);
	pg_hex(hex, h, PG_ID_LEN);
	assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

static void test_accessors(void **state)
{
	(void)state;
	struct kp k;
	kp_new(&k);
	pg_object *o = pg_object_new(PG_T_INTERFACE, k.pk, DATE);
	pg_object_add(o, "name", "geometry::circle");
	pg_object_add(o, "payload", ID_J " 123456");
	assert_string_equal(pg_object_get(o, "name"), "geometry::circle");
	assert_null(pg_object_get(o, "lang"));
	uint8_t id[PG_ID_LEN], want[PG_ID_LEN];
	uint64_t size = 0;
	assert_int_equal(pg_object_payload(o, id, &size), 0);
	assert_int_equal(pg_unhex(want, ID_J, PG_ID_LEN), 0);
	assert_memory_equal(id, want, PG_ID_LEN);
	assert_int_equal(size, 123456);
	pg_object_free(o);

	o = pg_object_new(PG_T_LOG, k.pk, DATE);
	pg_object_add(o, "seq", "1");
	pg_object_add(o, "add", ID_I);
	pg_object_add(o, "add", ID_J);
	assert_string_equal(pg_object_get(o, "add"), ID_I); /* the first */
	assert_error(pg_object_payload(o, id, &size), PG_ENOTFOUND, "no payload");
	pg_object_free(o);

	static const char *const names[] = { "identity", "interface", "spec", "impl", "bench",
					     "result", "trust", "block", "peer", "log" };
	for (int t = PG_T_IDENTITY; t < PG_T__COUNT; t++) {
		assert_string_equal(pg_otype_name((pg_otype)t), names[t - 1]);
		assert_int_equal(pg_otype_parse(names[t - 1]), t);
		assert_non_null(pg_type_schema_get((pg_otype)t));
	}
	assert_int_equal(pg_otype_parse("widget"), PG_T_NONE);
	assert_int_equal(pg_otype_parse(""), PG_T_NONE);
	assert_null(pg_type_schema_get(PG_T_NONE));
	assert_null(pg_type_schema_get(PG_T__COUNT));
	pg_object_free(NULL);
}

int main(void)
{
	if (pg_crypto_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_decode_good_templates),
		cmocka_unit_test(test_decode_refuses_noncanonical),
		cmocka_unit_test(test_decode_header_lines_out_of_order),
		cmocka_unit_test(test_decode_out_of_order_required_field),
		cmocka_unit_test(test_decode_value_errors_name_the_line),
		cmocka_unit_test(test_decode_nul_byte),
		cmocka_unit_test(test_decode_wrong_signature),
		cmocka_unit_test(test_decode_noverify),
		cmocka_unit_test(test_sign_wrong_key),
		cmocka_unit_test(test_sign_refuses_invalid),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_object_size_limit),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_field_count_limit),
		cmocka_unit_test(test_value_check),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
