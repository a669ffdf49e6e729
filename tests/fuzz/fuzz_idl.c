/* fuzz_idl.c - the interface language, on an interface's interface.pgi
 *
 * An interface arrives in another publisher's payload and is parsed by
 * every pg that fetches it.  What the parser accepts must have one
 * canonical text that reads back to itself (pg show prints it, pg publish
 * may be given it), its lookups must find what it holds, every wire type
 * must have a plain value that checks, and the C and Python generators
 * must cope with it.
 */
#include <string.h>

#include "fuzz.h"
#include "gen.h"
#include "idl.h"
#include "value.h"

static void plain_value_checks(const pg_type *t)
{
	json_t *v = pg_wire_default(t);
	FUZZ_CHECK(v, "no plain value for a type");
	FUZZ_CHECK(pg_wire_check(t, v) == 0, "the plain value does not check: %s", pg_error_last());
	json_t *c = pg_wire_canonical(t, v);
	FUZZ_CHECK(c && json_equal(c, v), "the plain value is not canonical");
	json_decref(c);
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pg_idl *idl = NULL, *again = NULL;
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	int err = pg_idl_parse(&idl, (const char *)data, size, "fuzz.pgi");
	if (err < 0) {
		fuzz_refused(err, PG_EINVALID, 0);
		FUZZ_CHECK(!strncmp(pg_error_last(), "fuzz.pgi:", 9), "the message does not say where: %s",
			   pg_error_last());
		return 0;
	}
	fuzz_accepted();

	pg_idl_format(&a, idl);
	err = pg_idl_parse(&again, a.ptr ? a.ptr : "", a.len, "canonical.pgi");
	FUZZ_CHECK(err == 0, "the canonical text does not parse: %s\n%s", pg_error_last(), a.ptr);
	pg_idl_format(&b, again);
	FUZZ_CHECK(a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)), "the canonical text is not canonical:\n%s\n--- "
		   "reads back as:\n%s", a.ptr, b.ptr);
	FUZZ_CHECK(again->nfns == idl->nfns && again->nstructs == idl->nstructs, "the canonical text lost items");

	for (size_t i = 0; i < idl->nstructs; i++)
		FUZZ_CHECK(pg_idl_struct(idl, idl->structs[i].name) == &idl->structs[i], "struct %s not found by name",
			   idl->structs[i].name);
	for (size_t i = 0; i < idl->nfns; i++) {
		const pg_fn *fn = &idl->fns[i];
		FUZZ_CHECK(pg_idl_fn(idl, fn->call) == fn, "fn %s not found by its call name", fn->call);
		size_t n = pg_fn_arity(fn);
		FUZZ_CHECK(n == fn->nparams + (fn->self ? 1 : 0), "arity of %s", fn->call);
		FUZZ_CHECK(!pg_fn_arg_type(fn, n), "an argument past the end of %s", fn->call);
		for (size_t k = 0; k < n; k++) {
			FUZZ_CHECK(pg_fn_arg_type(fn, k) && pg_fn_arg_name(fn, k), "argument %zu of %s", k, fn->call);
			plain_value_checks(pg_fn_arg_type(fn, k));
		}
		if (fn->ret)
			plain_value_checks(fn->ret);
	}

	for (int l = 0; l < PG_LANG__COUNT; l++) {
		pg_buf_clear(&a);
		pg_gen_bindings(&a, (pg_lang)l, idl, "fuzz::iface", "0000000000000000000000000000000000000000000000000000000000000000");
		FUZZ_CHECK(a.len > 0, "no %s bindings", pg_lang_name((pg_lang)l));
		pg_buf_clear(&a);
		pg_gen_skeleton(&a, (pg_lang)l, idl, "fuzz::iface");
		FUZZ_CHECK(a.len > 0, "no %s skeleton", pg_lang_name((pg_lang)l));
	}

	pg_buf_free(&a);
	pg_buf_free(&b);
	pg_idl_free(again);
	pg_idl_free(idl);
	return 0;
}
