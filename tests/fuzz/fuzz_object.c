/* fuzz_object.c - the object decoder, on bytes from a peer's log
 *
 * Every object pg reads from another store goes through pg_object_decode.
 * What it accepts must be the one spelling of the object (encoding it
 * again gives the same bytes; the id is their hash), and what rides on an
 * accepted object must hold: a result's body is checked (pg_result_check)
 * and summarised, a payload field splits into id and size.  Signatures
 * are checked as well (a mutant rarely keeps a valid one: the decoder
 * must then say so, not crash).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "object.h"
#include "result.h"

/* A bench body has one spelling (format.md §3.3: "the lines and words
 * are exactly as the grammar says"): written again from what was read,
 * it is the same bytes, but for the version in its last line. */
static void bench_body_canonical(const pg_object *o)
{
	pg_bresult r;
	pg_buf b = PG_BUF_INIT;
	FUZZ_CHECK(pg_bench_body_parse(&r, o->body, o->body_len) == 0, "a checked bench body does not parse: %s",
		   pg_error_last());
	pg_bench_body(&b, &r);
	const char *tool = memmem(o->body, o->body_len, "\ntool ", 6);
	size_t head = tool ? (size_t)(tool - o->body) + 1 : o->body_len;
	FUZZ_CHECK(b.len >= head && !memcmp(b.ptr, o->body, head), "a bench body that is not as pg writes it:\n%.*s"
		   "--- pg writes:\n%s", (int)o->body_len, o->body, b.ptr);
	pg_buf_free(&b);
	pg_bresult_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	pg_object *o = NULL;
	pg_buf b = PG_BUF_INIT;
	if (!ready)
		ready = pg_crypto_init() == 0;

	int err = pg_object_decode(&o, (const char *)data, size, PG_DECODE_NOVERIFY);
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!o, "refused, yet an object came back");
		return 0;
	}
	fuzz_accepted();

	/* one spelling: the unsigned part re-encodes to the same bytes */
	FUZZ_CHECK(pg_object_encode_unsigned(&b, o) == 0, "an accepted object does not encode: %s", pg_error_last());
	char sig[2 * PG_SIG_LEN + 1];
	pg_hex(sig, o->sig, PG_SIG_LEN);
	pg_buf_printf(&b, "sig %s\n", sig);
	FUZZ_CHECK(b.len == size && !memcmp(b.ptr, data, size), "accepted bytes that do not re-encode to themselves");
	uint8_t id[PG_ID_LEN];
	pg_hash(id, data, size);
	FUZZ_CHECK(!memcmp(id, o->id, PG_ID_LEN), "the id is not the hash of the bytes");
	FUZZ_CHECK(o->raw.len == size && !memcmp(o->raw.ptr, data, size), "raw is not the bytes decoded");

	const pg_type_schema *s = pg_type_schema_get(o->type);
	FUZZ_CHECK(s, "an accepted object of no known type");
	for (const pg_field_schema *f = s->fields; f->key; f++)
		if (f->flags & (PG_FIELD_REQUIRED | PG_FIELD_MANY))
			FUZZ_CHECK(pg_object_get(o, f->key), "required field '%s' missing", f->key);

	if (s->has_payload) {
		uint8_t pid[PG_ID_LEN];
		uint64_t psize;
		const char *v = pg_object_get(o, "payload");
		FUZZ_CHECK(pg_object_payload(o, pid, &psize) == 0, "payload field does not split: %s", v);
		char want[PG_HEX_LEN + 32], hex[PG_HEX_LEN + 1];
		pg_hex(hex, pid, PG_ID_LEN);
		snprintf(want, sizeof(want), "%s %llu", hex, (unsigned long long)psize);
		FUZZ_CHECK(!strcmp(want, v), "payload field '%s' reads back as '%s'", v, want);
	}

	if (o->type == PG_T_RESULT) {
		/* a result that passes the check is one the index can summarise */
		pg_result_info info;
		int checked = pg_result_check(o);
		if (checked < 0)
			fuzz_refused(checked, PG_EINVALID, 0);
		int got = pg_result_info_get(&info, o);
		if (got < 0)
			fuzz_refused(got, PG_EINVALID, 0);
		FUZZ_CHECK(checked < 0 || got == 0, "a result that passes its check cannot be summarised: %s",
			   pg_error_last());
		if (checked == 0 && info.kind == 'b')
			bench_body_canonical(o);
	}

	/* and with signatures checked: either it verifies or it is refused as
	 * tampered, never anything else */
	pg_object *v = NULL;
	err = pg_object_decode(&v, (const char *)data, size, 0);
	if (err < 0)
		fuzz_refused(err, PG_EINTEGRITY, PG_EINVALID, 0);
	pg_object_free(v);

	pg_buf_free(&b);
	pg_object_free(o);
	return 0;
}
