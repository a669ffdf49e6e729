/* test_gen.c - bindings and skeletons, generated, compiled and run: real
 * wire traffic (docs/wire.md) through the C and Python runtimes
 *
 * The group setup generates the bindings of an interface that uses every
 * type ("every", below), writes hand-written implementations that echo or
 * transform their inputs, and builds the C one twice: plain and with
 * AddressSanitizer + UndefinedBehaviorSanitizer.  Each test then pipes a
 * batch of requests through a program and compares every answer line.
 * The runtimes come from pg_template(), i.e. what pg itself ships.
 */
#include "unit.h"
#include "gen.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define CFLAGS "-std=c11 -Wall -Wextra -Werror"
#define SANFLAGS "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
#define CIRCLE_PGI "objects/geometry-circle/interface/interface.pgi"

static const char every_pgi[] =
	"// Every wire type, for the runtime tests.\n"
	"struct Shape {\n"
	"    // what to call it\n"
	"    name: str,\n"
	"    points: [Point],\n"
	"    tag: Option<(i32, str)>,\n"
	"    inner: Option<Inner>,\n"
	"}\n"
	"\n"
	"struct Point {\n"
	"    x: f64,\n"
	"    y: f64,\n"
	"}\n"
	"\n"
	"struct Inner {\n"
	"    flags: [bool],\n"
	"    data: bytes,\n"
	"    nested: [Option<[u8]>],\n"
	"}\n"
	"\n"
	"// C and Python keywords as names: the wire keeps them\n"
	"struct Kw {\n"
	"    default: i32,\n"
	"    from: str,\n"
	"    int: Option<u8>,\n"
	"}\n"
	"\n"
	"impl Point {\n"
	"    // The distance from the origin.\n"
	"    fn norm(&self) -> f64;\n"
	"    fn scale(&self, k: f64) -> Point;\n"
	"}\n"
	"\n"
	"impl Shape {\n"
	"    fn count(&self) -> u32;\n"
	"}\n"
	"\n"
	"fn echo_bool(x: bool) -> bool;\n"
	"fn echo_i8(x: i8) -> i8;\n"
	"fn echo_i16(x: i16) -> i16;\n"
	"fn echo_i32(x: i32) -> i32;\n"
	"fn echo_i64(x: i64) -> i64;\n"
	"fn echo_u8(x: u8) -> u8;\n"
	"fn echo_u16(x: u16) -> u16;\n"
	"fn echo_u32(x: u32) -> u32;\n"
	"fn echo_u64(x: u64) -> u64;\n"
	"fn echo_f32(x: f32) -> f32;\n"
	"fn echo_f64(x: f64) -> f64;\n"
	"fn echo_str(x: str) -> str;\n"
	"fn echo_bytes(x: bytes) -> bytes;\n"
	"fn echo_shape(s: Shape) -> Shape;\n"
	"fn echo_kw(k: Kw) -> Kw;\n"
	"fn echo_opt(x: Option<[Option<str>]>) -> Option<[Option<str>]>;\n"
	"fn pair(a: i64, b: u64) -> (i64, u64);\n"
	"fn swap(t: (str, bytes, f32)) -> (f32, bytes, str);\n"
	"fn len_str(x: str) -> u64;\n"
	"fn all_bytes() -> bytes;\n"
	"// Returns nothing.\n"
	"fn nothing(x: i32);\n"
	"fn refuse(why: str) -> i32;\n"
	"fn bad_utf8() -> str;\n"
	"fn add(a: i64, b: i64) -> i64;\n"
	"fn lambda(from: u8) -> u8;\n"
	"fn missing() -> bool;\n"
	"// Two tuples whose names would be spelled alike.\n"
	"fn nest(a: (f64, (f64, f64), f64), b: (f64, (f64, f64, f64))) -> f64;\n"
	"fn zeros(n: u32) -> bytes;\n";

static const char every_impl_c[] =
	"#define PG_IMPLEMENTATION\n"
	"#include \"every.h\"\n"
	"\n"
	"#include <math.h>\n"
	"#include <stdio.h>\n"
	"\n"
	"double Point_norm(const Point *self) { return sqrt(self->x * self->x + self->y * self->y); }\n"
	"Point Point_scale(const Point *self, double k) { return (Point){ self->x * k, self->y * k }; }\n"
	"uint32_t Shape_count(const Shape *self) { return (uint32_t)self->points.len; }\n"
	"bool echo_bool(bool x) { return x; }\n"
	"int8_t echo_i8(int8_t x) { return x; }\n"
	"int16_t echo_i16(int16_t x) { return x; }\n"
	"int32_t echo_i32(int32_t x) { return x; }\n"
	"int64_t echo_i64(int64_t x) { return x; }\n"
	"uint8_t echo_u8(uint8_t x) { return x; }\n"
	"uint16_t echo_u16(uint16_t x) { return x; }\n"
	"uint32_t echo_u32(uint32_t x) { return x; }\n"
	"uint64_t echo_u64(uint64_t x) { return x; }\n"
	"float echo_f32(float x) { return x; }\n"
	"double echo_f64(double x) { return x; }\n"
	"pg_str echo_str(pg_str x) { return x; }\n"
	"pg_bytes echo_bytes(pg_bytes x) { return x; }\n"
	"Shape echo_shape(Shape s) { return s; }\n"
	"Kw echo_kw(Kw k) { return k; }\n"
	"pg_option_array_option_str echo_opt(pg_option_array_option_str x) { return x; }\n"
	"pg_tuple_i64_u64 pair(int64_t a, uint64_t b) { return (pg_tuple_i64_u64){ a, b }; }\n"
	"pg_tuple_f32_bytes_str swap(pg_tuple_str_bytes_f32 t) { return (pg_tuple_f32_bytes_str){ t._2, t._1, t._0 }; }\n"
	"uint64_t len_str(pg_str x) { return x.len; }\n"
	"\n"
	"pg_bytes all_bytes(void)\n"
	"{\n"
	"\tuint8_t *p = pg_alloc(256);\n"
	"\tfor (int i = 0; i < 256; i++)\n"
	"\t\tp[i] = (uint8_t)i;\n"
	"\treturn (pg_bytes){ p, 256 };\n"
	"}\n"
	"\n"
	"static int32_t total;\n"
	"void nothing(int32_t x) { total += x; fprintf(stdout, \"nothing(%d): printf goes to stderr\\n\", (int)x); }\n"
	"int32_t refuse(pg_str why) { pg_fail(\"refused: %s\", why.ptr); }\n"
	"pg_str bad_utf8(void) { return (pg_str){ \"a\\xff\", 2 }; }\n"
	"\n"
	"int64_t add(int64_t a, int64_t b)\n"
	"{\n"
	"\tif ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))\n"
	"\t\tpg_fail(\"overflow\");\n"
	"\treturn a + b;\n"
	"}\n"
	"\n"
	"uint8_t lambda(uint8_t from) { return (uint8_t)(from + 1); }\n"
	"bool missing(void) { return true; }\n"
	"double nest(pg_tuple_f64_tuple_f64_f64_f64 a, pg_tuple_f64_tuple_f64_f64_f64_2 b) { return a._0 + a._1._1 + a._2 + b._1._2; }\n"
	"pg_bytes zeros(uint32_t n) { return (pg_bytes){ pg_alloc(n), n }; }\n";

static const char every_impl_py[] =
	"import math\n"
	"import sys\n"
	"\n"
	"from every import Inner, Kw, Point, Shape, serve\n"
	"\n"
	"\n"
	"def Point_norm(self): return math.hypot(self.x, self.y)\n"
	"def Point_scale(self, k): return Point(self.x * k, self.y * k)\n"
	"def Shape_count(self): return len(self.points)\n"
	"def echo_bool(x): return x\n"
	"echo_i8 = echo_i16 = echo_i32 = echo_i64 = echo_u8 = echo_u16 = echo_u32 = echo_u64 = echo_bool\n"
	"echo_f32 = echo_f64 = echo_str = echo_bytes = echo_shape = echo_kw = echo_opt = echo_bool\n"
	"def pair(a, b): return (a, b)\n"
	"def swap(t): return (t[2], t[1], t[0])\n"
	"def len_str(x): return len(x.encode())\n"
	"def all_bytes(): return bytes(range(256))\n"
	"def nothing(x): print(\"nothing(%d): print goes to stderr\" % x)\n"
	"def refuse(why): raise ValueError(\"refused: \" + why)\n"
	"def bad_utf8(): return \"a\\udcff\"\n"
	"def add(a, b):\n"
	"    if not -(1 << 63) <= a + b < 1 << 63:\n"
	"        raise OverflowError(\"overflow\")\n"
	"    return a + b\n"
	"def lambda_(from_): return from_ + 1\n"
	"def nest(a, b): return a[0] + a[1][1] + a[2] + b[1][2]\n"
	"def zeros(n): return bytes(n)\n"
	"# missing() is not implemented\n"
	"\n"
	"\n"
	"if __name__ == \"__main__\":\n"
	"    serve(sys.modules[__name__])\n";

/* Names C and Python cannot take as they are: keywords, main, serve, a
 * struct and a fn of one name; doc comments that would end a C comment. */
static const char edge_pgi[] =
	"// Docs with */ and /* inside, and ?\?/ trigraphs \\\n"
	"struct default {\n"
	"    // field doc */ here\n"
	"    int: i32,\n"
	"    None: Option<default2>,\n"
	"    pg_x: [(u8, u8)],\n"
	"}\n"
	"struct default2 { lambda: f32 }\n"
	"struct sys { x: u8 }\n"
	"impl default {\n"
	"    fn area(&self, from: (u8, u8), int: str) -> default;\n"
	"    fn void(&self);\n"
	"}\n"
	"fn main() -> [default];\n"
	"fn serve(x: sys) -> sys;\n"
	"fn sys(x: bool);\n"
	"fn none();\n"
	"struct j { r: [u8] }\n" /* named like the generated code's locals */
	"fn p(v: j) -> j;\n";

/* base64 of the bytes 0, 1, ..., 255 */
#define ALL256                                                                               \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+" \
	"P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9" \
	"fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8" \
	"vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7" \
	"/P3+/w=="

/* One request and its answer: c for both runtimes unless py is given; in
 * the answer, %d stands for digits and %s for any text.  A NULL answer:
 * the request comes after the shutdown and must get none. */
static const struct exchange {
	const char *req, *c, *py;
} batch[] = {
	{ "{\"id\":1,\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":1,\"ok\":true}", NULL },
	{ "{\"id\":2,\"call\":\"echo_i8\",\"args\":[-128]}",
	  "{\"id\":2,\"ok\":-128}", NULL },
	{ "{\"id\":3,\"call\":\"echo_i8\",\"args\":[128]}",
	  "{\"id\":3,\"error\":\"bad argument 1 (x): expected i8\"}", NULL },
	{ "{\"id\":4,\"call\":\"echo_i16\",\"args\":[32767]}",
	  "{\"id\":4,\"ok\":32767}", NULL },
	{ "{\"id\":5,\"call\":\"echo_i32\",\"args\":[-2147483648]}",
	  "{\"id\":5,\"ok\":-2147483648}", NULL },
	{ "{\"id\":6,\"call\":\"echo_i64\",\"args\":[\"-9223372036854775808\"]}",
	  "{\"id\":6,\"ok\":\"-9223372036854775808\"}", NULL },
	{ "{\"id\":7,\"call\":\"echo_i64\",\"args\":[\"9223372036854775807\"]}",
	  "{\"id\":7,\"ok\":\"9223372036854775807\"}", NULL },
	{ "{\"id\":8,\"call\":\"echo_i64\",\"args\":[\"9223372036854775808\"]}",
	  "{\"id\":8,\"error\":\"bad argument 1 (x): expected i64\"}", NULL },
	{ "{\"id\":9,\"call\":\"echo_i64\",\"args\":[9007199254740993]}",
	  "{\"id\":9,\"ok\":\"9007199254740993\"}", NULL },
	{ "{\"id\":10,\"call\":\"echo_i64\",\"args\":[\"9007199254740993\"]}",
	  "{\"id\":10,\"ok\":\"9007199254740993\"}", NULL },
	{ "{\"id\":11,\"call\":\"echo_u64\",\"args\":[\"18446744073709551615\"]}",
	  "{\"id\":11,\"ok\":\"18446744073709551615\"}", NULL },
	{ "{\"id\":12,\"call\":\"echo_u64\",\"args\":[\"18446744073709551616\"]}",
	  "{\"id\":12,\"error\":\"bad argument 1 (x): expected u64\"}", NULL },
	{ "{\"id\":13,\"call\":\"echo_u64\",\"args\":[\"-1\"]}",
	  "{\"id\":13,\"error\":\"bad argument 1 (x): expected u64\"}", NULL },
	{ "{\"id\":14,\"call\":\"echo_u64\",\"args\":[1.0]}",
	  "{\"id\":14,\"error\":\"bad argument 1 (x): expected u64\"}", NULL },
	{ "{\"id\":15,\"call\":\"echo_u8\",\"args\":[255]}",
	  "{\"id\":15,\"ok\":255}", NULL },
	{ "{\"id\":16,\"call\":\"echo_u8\",\"args\":[256]}",
	  "{\"id\":16,\"error\":\"bad argument 1 (x): expected u8\"}", NULL },
	{ "{\"id\":17,\"call\":\"echo_u8\",\"args\":[-0]}",
	  "{\"id\":17,\"ok\":0}", NULL },
	{ "{\"id\":18,\"call\":\"echo_u16\",\"args\":[65535]}",
	  "{\"id\":18,\"ok\":65535}", NULL },
	{ "{\"id\":19,\"call\":\"echo_u32\",\"args\":[4294967295]}",
	  "{\"id\":19,\"ok\":4294967295}", NULL },
	{ "{\"id\":20,\"call\":\"echo_i64\",\"args\":[\"007\"]}",
	  "{\"id\":20,\"error\":\"bad argument 1 (x): expected i64\"}", NULL },
	{ "{\"id\":21,\"call\":\"echo_f64\",\"args\":[\"NaN\"]}",
	  "{\"id\":21,\"ok\":\"NaN\"}", NULL },
	{ "{\"id\":22,\"call\":\"echo_f64\",\"args\":[\"Infinity\"]}",
	  "{\"id\":22,\"ok\":\"Infinity\"}", NULL },
	{ "{\"id\":23,\"call\":\"echo_f64\",\"args\":[\"-Infinity\"]}",
	  "{\"id\":23,\"ok\":\"-Infinity\"}", NULL },
	{ "{\"id\":24,\"call\":\"echo_f64\",\"args\":[-0.0]}",
	  "{\"id\":24,\"ok\":-0.0}", NULL },
	{ "{\"id\":25,\"call\":\"echo_f64\",\"args\":[0.1]}",
	  "{\"id\":25,\"ok\":0.1}", NULL },
	{ "{\"id\":26,\"call\":\"echo_f64\",\"args\":[1e300]}",
	  "{\"id\":26,\"ok\":1e+300}", NULL },
	{ "{\"id\":27,\"call\":\"echo_f64\",\"args\":[5]}",
	  "{\"id\":27,\"ok\":5.0}", NULL },
	{ "{\"id\":28,\"call\":\"echo_f64\",\"args\":[1e400]}",
	  "{\"id\":28,\"error\":\"bad argument 1 (x): expected f64\"}", NULL },
	{ "{\"id\":29,\"call\":\"echo_f64\",\"args\":[5e-324]}",
	  "{\"id\":29,\"ok\":4.94065645841247e-324}", NULL },
	{ "{\"id\":30,\"call\":\"echo_f64\",\"args\":[0.30000000000000004]}",
	  "{\"id\":30,\"ok\":0.30000000000000004}", NULL },
	{ "{\"id\":31,\"call\":\"echo_f64\",\"args\":[1.7976931348623157e308]}",
	  "{\"id\":31,\"ok\":1.7976931348623157e+308}", NULL },
	{ "{\"id\":32,\"call\":\"echo_f64\",\"args\":[\"nan\"]}",
	  "{\"id\":32,\"error\":\"bad argument 1 (x): expected f64\"}", NULL },
	{ "{\"id\":33,\"call\":\"echo_f32\",\"args\":[0.1]}",
	  "{\"id\":33,\"ok\":0.1}", NULL },
	{ "{\"id\":34,\"call\":\"echo_f32\",\"args\":[16777217]}",
	  "{\"id\":34,\"ok\":16777216.0}", NULL },
	{ "{\"id\":35,\"call\":\"echo_f32\",\"args\":[3.4028235e38]}",
	  "{\"id\":35,\"ok\":3.4028235e+38}", NULL },
	{ "{\"id\":36,\"call\":\"echo_f32\",\"args\":[1e39]}",
	  "{\"id\":36,\"error\":\"bad argument 1 (x): expected f32\"}", NULL },
	{ "{\"id\":37,\"call\":\"echo_f32\",\"args\":[\"-Infinity\"]}",
	  "{\"id\":37,\"ok\":\"-Infinity\"}", NULL },
	{ "{\"id\":38,\"call\":\"echo_f32\",\"args\":[-0.0]}",
	  "{\"id\":38,\"ok\":-0.0}", NULL },
	{ "{\"id\":39,\"call\":\"echo_f32\",\"args\":[1.0000001]}",
	  "{\"id\":39,\"ok\":1.0000001}", NULL },
	{ "{\"id\":40,\"call\":\"echo_f32\",\"args\":[1e-46]}",
	  "{\"id\":40,\"ok\":0.0}", NULL },
	{ "{\"id\":41,\"call\":\"echo_str\",\"args\":[\"a\\u0000b\"]}",
	  "{\"id\":41,\"ok\":\"a\\u0000b\"}", NULL },
	{ "{\"id\":42,\"call\":\"len_str\",\"args\":[\"a\\u0000b\"]}",
	  "{\"id\":42,\"ok\":\"3\"}", NULL },
	{ "{\"id\":43,\"call\":\"echo_str\",\"args\":[\"\\ud83d\\ude00 h\\u00e9llo\"]}",
	  "{\"id\":43,\"ok\":\"😀 héllo\"}", NULL },
	{ "{\"id\":44,\"call\":\"echo_str\",\"args\":[\"héllo 😀 ✓\"]}",
	  "{\"id\":44,\"ok\":\"héllo 😀 ✓\"}", NULL },
	{ "{\"id\":45,\"call\":\"echo_str\",\"args\":[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\\u007f\"]}",
	  "{\"id\":45,\"ok\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u001f\177\"}", NULL },
	{ "{\"id\":46,\"call\":\"echo_str\",\"args\":[\"\\ud800\"]}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate\"}" },
	{ "{\"id\":47,\"call\":\"echo_str\",\"args\":[\"\\udc00x\"]}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate\"}" },
	{ "{\"id\":48,\"call\":\"echo_str\",\"args\":[\"\\ud800\\u0041\"]}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: lone surrogate\"}" },
	{ "{\"id\":49,\"call\":\"echo_bytes\",\"args\":[\"\"]}",
	  "{\"id\":49,\"ok\":\"\"}", NULL },
	{ "{\"id\":50,\"call\":\"echo_bytes\",\"args\":[\"AA==\"]}",
	  "{\"id\":50,\"ok\":\"AA==\"}", NULL },
	{ "{\"id\":51,\"call\":\"echo_bytes\",\"args\":[\"AB==\"]}",
	  "{\"id\":51,\"error\":\"bad argument 1 (x): expected bytes (base64)\"}", NULL },
	{ "{\"id\":52,\"call\":\"echo_bytes\",\"args\":[\"AA\"]}",
	  "{\"id\":52,\"error\":\"bad argument 1 (x): expected bytes (base64)\"}", NULL },
	{ "{\"id\":53,\"call\":\"echo_bytes\",\"args\":[\"A===\"]}",
	  "{\"id\":53,\"error\":\"bad argument 1 (x): expected bytes (base64)\"}", NULL },
	{ "{\"id\":54,\"call\":\"echo_bytes\",\"args\":[\"AAE=\"]}",
	  "{\"id\":54,\"ok\":\"AAE=\"}", NULL },
	{ "{\"id\":154,\"call\":\"echo_bytes\",\"args\":[\"" ALL256 "\"]}",
	  "{\"id\":154,\"ok\":\"" ALL256 "\"}", NULL },
	{ "{\"id\":55,\"call\":\"all_bytes\",\"args\":[]}",
	  "{\"id\":55,\"ok\":\"" ALL256 "\"}", NULL },
	{ "{\"id\":56,\"call\":\"echo_shape\",\"args\":[{\"points\":[{\"y\":2.0,\"x\":1.0}],\"name\":\"s\",\"tag\":[-5,\"t\"],\"inner\":{\"flags\":[true,false],\"data\":\"AQI=\",\"nested\":[null,[1,2],[]]}}]}",
	  "{\"id\":56,\"ok\":{\"name\":\"s\",\"points\":[{\"x\":1.0,\"y\":2.0}],\"tag\":[-5,\"t\"],\"inner\":{\"flags\":[true,false],\"data\":\"AQI=\",\"nested\":[null,[1,2],[]]}}}", NULL },
	{ "{\"id\":57,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":null}]}",
	  "{\"id\":57,\"ok\":{\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":null}}", NULL },
	{ "{\"id\":58,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"points\":[],\"tag\":null}]}",
	  "{\"id\":58,\"error\":\"bad argument 1 (s): missing field inner\"}", NULL },
	{ "{\"id\":59,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":null,\"extra\":1}]}",
	  "{\"id\":59,\"error\":\"bad argument 1 (s): unknown field extra\"}", NULL },
	{ "{\"id\":60,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":null}]}",
	  "{\"id\":60,\"error\":\"bad argument 1 (s): duplicate field name\"}", NULL },
	{ "{\"id\":61,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":{\"flags\":[],\"data\":\"\",\"nested\":[null,[1,300]]}}]}",
	  "{\"id\":61,\"error\":\"bad argument 1 (s): field inner.nested.1.1: expected u8\"}", NULL },
	{ "{\"id\":62,\"call\":\"echo_shape\",\"args\":[{\"name\":\"\",\"points\":[{\"x\":1.0,\"y\":\"x\"}],\"tag\":null,\"inner\":null}]}",
	  "{\"id\":62,\"error\":\"bad argument 1 (s): field points.0.y: expected f64\"}", NULL },
	{ "{\"id\":63,\"call\":\"echo_shape\",\"args\":[[]]}",
	  "{\"id\":63,\"error\":\"bad argument 1 (s): expected Shape\"}", NULL },
	{ "{\"id\":64,\"call\":\"echo_kw\",\"args\":[{\"default\":1,\"from\":\"f\",\"int\":null}]}",
	  "{\"id\":64,\"ok\":{\"default\":1,\"from\":\"f\",\"int\":null}}", NULL },
	{ "{\"id\":65,\"call\":\"echo_kw\",\"args\":[{\"int\":7,\"from\":\"\",\"default\":-1}]}",
	  "{\"id\":65,\"ok\":{\"default\":-1,\"from\":\"\",\"int\":7}}", NULL },
	{ "{\"id\":66,\"call\":\"echo_opt\",\"args\":[null]}",
	  "{\"id\":66,\"ok\":null}", NULL },
	{ "{\"id\":67,\"call\":\"echo_opt\",\"args\":[[null,\"a\"]]}",
	  "{\"id\":67,\"ok\":[null,\"a\"]}", NULL },
	{ "{\"id\":68,\"call\":\"pair\",\"args\":[\"-1\",\"18446744073709551615\"]}",
	  "{\"id\":68,\"ok\":[\"-1\",\"18446744073709551615\"]}", NULL },
	{ "{\"id\":69,\"call\":\"swap\",\"args\":[[\"s\",\"AA==\",1.5]]}",
	  "{\"id\":69,\"ok\":[1.5,\"AA==\",\"s\"]}", NULL },
	{ "{\"id\":70,\"call\":\"swap\",\"args\":[[\"s\",\"AA==\"]]}",
	  "{\"id\":70,\"error\":\"bad argument 1 (t): expected (str, bytes, f32)\"}", NULL },
	{ "{\"id\":71,\"call\":\"nothing\",\"args\":[5]}",
	  "{\"id\":71,\"ok\":null}", NULL },
	{ "{\"id\":72,\"call\":\"refuse\",\"args\":[\"no\"]}",
	  "{\"id\":72,\"error\":\"refused: no\"}", NULL },
	{ "{\"id\":73,\"call\":\"bad_utf8\",\"args\":[]}",
	  "{\"id\":73,\"error\":\"bad result: str is not valid UTF-8\"}", NULL },
	{ "{\"id\":74,\"call\":\"add\",\"args\":[\"9223372036854775807\",\"1\"]}",
	  "{\"id\":74,\"error\":\"overflow\"}", NULL },
	{ "{\"id\":75,\"call\":\"add\",\"args\":[\"1\",2]}",
	  "{\"id\":75,\"ok\":\"3\"}", NULL },
	{ "{\"id\":76,\"call\":\"lambda\",\"args\":[1]}",
	  "{\"id\":76,\"ok\":2}", NULL },
	{ "{\"id\":77,\"call\":\"Point.norm\",\"args\":[{\"x\":3.0,\"y\":4.0}]}",
	  "{\"id\":77,\"ok\":5.0}", NULL },
	{ "{\"id\":78,\"call\":\"Point.scale\",\"args\":[{\"x\":1.0,\"y\":-2.0},0.5]}",
	  "{\"id\":78,\"ok\":{\"x\":0.5,\"y\":-1.0}}", NULL },
	{ "{\"id\":79,\"call\":\"Shape.count\",\"args\":[{\"name\":\"\",\"points\":[{\"x\":1.0,\"y\":2},{\"x\":1,\"y\":2}],\"tag\":null,\"inner\":null}]}",
	  "{\"id\":79,\"ok\":2}", NULL },
	{ "{\"id\":80,\"call\":\"nope\",\"args\":[]}",
	  "{\"id\":80,\"error\":\"unknown function: nope\"}", NULL },
	{ "{\"id\":81,\"call\":\"echo_i8\",\"args\":[]}",
	  "{\"id\":81,\"error\":\"bad arguments: expected 1, got 0\"}", NULL },
	{ "{\"id\":82,\"call\":\"echo_i8\",\"args\":{}}",
	  "{\"id\":82,\"error\":\"bad arguments: expected an array\"}", NULL },
	{ "{\"id\":83,\"call\":\"echo_i8\"}",
	  "{\"id\":83,\"error\":\"bad arguments: expected an array\"}", NULL },
	{ "{\"id\":84,\"call\":\"Point.scale\",\"args\":[{\"x\":1.0,\"y\":-2.0},true]}",
	  "{\"id\":84,\"error\":\"bad argument 2 (k): expected f64\"}", NULL },
	{ "{\"id\":85,\"call\":\"missing\",\"args\":[]}",
	  "{\"id\":85,\"ok\":true}",
	  "{\"id\":85,\"error\":\"not implemented: missing\"}" },
	{ "{\"id\":86,\"call\":\"echo_bool\",\"args\":[1]}",
	  "{\"id\":86,\"error\":\"bad argument 1 (x): expected bool\"}", NULL },
	{ "{\"id\":87,\"call\":\"echo_f64\",\"args\":[NaN]}",
	  "{\"id\":null,\"error\":\"malformed request: unexpected character at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: %s\"}" },
	{ "{\"id\":1,",
	  "{\"id\":null,\"error\":\"malformed request: expected a string key at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: %s\"}" },
	{ "[1,2]",
	  "{\"id\":null,\"error\":\"malformed request: not a JSON object\"}", NULL },
	{ "{\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":null,\"error\":\"malformed request: no valid id (an integer from 0 to 2^53-1)\"}", NULL },
	{ "{\"id\":-1,\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":null,\"error\":\"malformed request: no valid id (an integer from 0 to 2^53-1)\"}", NULL },
	{ "{\"id\":9007199254740992,\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":null,\"error\":\"malformed request: no valid id (an integer from 0 to 2^53-1)\"}", NULL },
	{ "{\"id\":1.5,\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":null,\"error\":\"malformed request: no valid id (an integer from 0 to 2^53-1)\"}", NULL },
	{ "{\"id\":88,\"id\":89,\"call\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":null,\"error\":\"malformed request: duplicate key \\\"id\\\"\"}", NULL },
	{ "",
	  "{\"id\":null,\"error\":\"malformed request: empty line at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: %s\"}" },
	{ "{\"id\":9007199254740991,\"call\":\"echo_bool\",\"args\":[false],\"extra\":{\"ignored\":[1,2]}}",
	  "{\"id\":9007199254740991,\"ok\":false}", NULL },
	{ "{\"id\":90,\"time\":\"echo_i64\",\"args\":[\"5\"],\"n\":1000}",
	  "{\"id\":90,\"ok\":\"5\",\"ns\":%d}", NULL },
	{ "{\"id\":91,\"time\":\"all_bytes\",\"args\":[],\"n\":10000}",
	  "{\"id\":91,\"ok\":\"" ALL256 "\",\"ns\":%d}", NULL },
	{ "{\"id\":92,\"time\":\"echo_i64\",\"args\":[\"5\"],\"n\":0}",
	  "{\"id\":92,\"error\":\"bad n: expected an integer from 1 to 2^32\"}", NULL },
	{ "{\"id\":93,\"time\":\"echo_i64\",\"args\":[\"5\"]}",
	  "{\"id\":93,\"error\":\"bad n: expected an integer from 1 to 2^32\"}", NULL },
	{ "{\"id\":94,\"time\":\"refuse\",\"args\":[\"timed\"],\"n\":3}",
	  "{\"id\":94,\"error\":\"refused: timed\"}", NULL },
	{ "{\"id\":95,\"call\":\"echo_bool\",\"time\":\"echo_bool\",\"args\":[true]}",
	  "{\"id\":95,\"error\":\"malformed request: expected one of call, time, shutdown\"}", NULL },
	{ "{\"id\":96,\"call\":7,\"args\":[true]}",
	  "{\"id\":96,\"error\":\"malformed request: the function name must be a string\"}", NULL },
	{ "{\"id\":97,\"shutdown\":false}",
	  "{\"id\":97,\"error\":\"malformed request: shutdown must be true\"}", NULL },
	{ "  {\"id\":98,\"call\":\"echo_u8\",\"args\":[ 7 ]}  ",
	  "{\"id\":98,\"ok\":7}", NULL },
	{ "{\"id\":99,\"call\":\"echo_bool\",\"args\":[true]}\015",
	  "{\"id\":99,\"ok\":true}", NULL },
	{ "{\"id\":100,\"call\":\"echo_str\",\"args\":[\"\377\"]}",
	  "{\"id\":null,\"error\":\"malformed request: invalid UTF-8 at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: %s\"}" },
	{ "{\"id\":104,\"call\":\"nest\",\"args\":[[1.0,[2.0,3.0],4.0],[5.0,[6.0,7.0,8.0]]]}",
	  "{\"id\":104,\"ok\":16.0}", NULL },
	{ "{\"id\":105,\"call\":\"zeros\",\"args\":[13000000]}",
	  "{\"id\":105,\"error\":\"result too large (over 16 MiB of JSON)\"}", NULL },
	{ "{\"id\":106,\"call\":\"zeros\",\"args\":[4]}",
	  "{\"id\":106,\"ok\":\"AAAAAA==\"}", NULL },
	{ "{\"id\":102,\"call\":\"echo_bool\",\"args\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[true]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  "{\"id\":null,\"error\":\"malformed request: nesting deeper than 64 at byte %d\"}",
	  "{\"id\":null,\"error\":\"malformed request: %s\"}" },
	{ "{\"id\":103,\"call\":\"echo_bool\",\"args\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[true]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  "{\"id\":103,\"error\":\"bad argument 1 (x): expected bool\"}", NULL },
	{ "{\"id\":101,\"shutdown\":true}",
	  "{\"id\":101,\"ok\":null}", NULL },
	{ "{\"id\":200,\"call\":\"echo_bool\",\"args\":[true]}",
	  NULL, NULL },
};

/* ---- helpers ---- */

static char *root; /* the group's temporary directory */

static char *path_in(const char *sub, const char *name)
{
	char *d = pg_path_join(root, sub), *p = pg_path_join(d, name);
	free(d);
	return p;
}

static void put(const char *sub, const char *name, const void *data, size_t len)
{
	char *d = pg_path_join(root, sub), *p = pg_path_join(d, name);
	assert_int_equal(pg_mkdir_p(d, 0755), 0);
	assert_int_equal(pg_write_file_atomic(p, data, len, 0644), 0);
	free(d), free(p);
}

static char *slurp(const char *sub, const char *name, size_t *len)
{
	pg_buf b = PG_BUF_INIT;
	char *p = path_in(sub, name);
	if (pg_read_file(&b, p, (size_t)1 << 30) < 0)
		fail_msg("%s", pg_error_last());
	free(p);
	if (len)
		*len = b.len;
	return b.ptr ? pg_buf_detach(&b) : pg_strdup("");
}

/* Run a shell command in root/sub: its exit status, or -1 for a signal. */
static int sh(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(const char *sub, const char *fmt, ...)
{
	pg_buf cmd = PG_BUF_INIT;
	va_list ap;
	pg_buf_printf(&cmd, "cd '%s/%s' && ", root, sub);
	va_start(ap, fmt);
	pg_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd.ptr);
	pg_buf_free(&cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A compiler's complaint, for a failing test's message. */
static void must_build(int rc, const char *sub, const char *log)
{
	if (rc) {
		char *text = slurp(sub, log, NULL);
		fail_msg("build in %s failed (%d):\n%s", sub, rc, text);
	}
}

static pg_idl *parse(const char *src)
{
	pg_idl *idl;
	if (pg_idl_parse(&idl, src, strlen(src), "test.pgi") < 0)
		fail_msg("%s", pg_error_last());
	return idl;
}

static char *circle_pgi(void)
{
	pg_buf b = PG_BUF_INIT;
	if (pg_read_file(&b, CIRCLE_PGI, 1 << 20) < 0)
		fail_msg("%s (run the tests from the source tree)", pg_error_last());
	return pg_buf_detach(&b);
}

/* Write into root/sub what `pg new impl` would: the runtime, the bindings
 * and, when skel, the skeleton; else impl as the author's file. */
static void scaffold(const char *sub, pg_lang lang, const char *src, const char *ifname, int skel,
		     const char *impl)
{
	const pg_lang_info *li = pg_lang_get(lang);
	pg_idl *idl = parse(src);
	pg_buf b = PG_BUF_INIT;
	for (const char *const *f = li->runtime; *f; f++) {
		char *tp = pg_asprintf("%s/%s", li->name, *f);
		size_t len;
		const char *text = pg_template(tp, &len);
		assert_non_null(text);
		put(sub, *f, text, len);
		free(tp);
	}
	pg_gen_bindings(&b, lang, idl, ifname, "5ca1ab1e");
	char *name = pg_asprintf("%s.%s", pg_gen_base(ifname), lang == PG_LANG_C ? "h" : "py");
	put(sub, name, b.ptr, b.len);
	free(name);
	pg_buf_clear(&b);
	if (skel) {
		pg_gen_skeleton(&b, lang, idl, ifname);
		put(sub, li->skeleton, b.ptr, b.len);
	} else {
		put(sub, li->skeleton, impl, strlen(impl));
	}
	pg_buf_free(&b);
	pg_idl_free(idl);
}

/* Does s (n bytes) match pat: its text, but %d is one or more digits and
 * %s any text? */
static int match(const char *pat, const char *s, size_t n)
{
	if (!*pat)
		return n == 0;
	if (pat[0] == '%' && pat[1] == 'd') {
		size_t k = 0;
		while (k < n && s[k] >= '0' && s[k] <= '9')
			k++;
		for (; k > 0; k--)
			if (match(pat + 2, s + k, n - k))
				return 1;
		return 0;
	}
	if (pat[0] == '%' && pat[1] == 's') {
		for (size_t k = 0; k <= n; k++)
			if (match(pat + 2, s + k, n - k))
				return 1;
		return 0;
	}
	return n && *pat == *s && match(pat + 1, s + 1, n - 1);
}

/* Pipe input through cmd in root/sub; the exit status, stdout in out. */
static int pipe_through(const char *sub, const char *cmd, const char *input, size_t len, pg_buf *out)
{
	put(sub, "in", input, len);
	int rc = sh(sub, "%s < in > out 2> err", cmd);
	size_t n;
	char *text = slurp(sub, "out", &n);
	pg_buf_clear(out);
	pg_buf_put(out, text, n);
	free(text);
	return rc;
}

/* Each line of out against the answers expected, in order, then nothing. */
static void expect_lines(const pg_buf *out, const char *const *want, const char *const *reqs, size_t n,
			 const char *sub)
{
	const char *p = out->ptr ? out->ptr : "", *end = p + out->len;
	for (size_t i = 0; i < n; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			char *err = slurp(sub, "err", NULL);
			fail_msg("no answer to %s\nexpected %s\nstderr: %s", reqs[i], want[i], err);
		}
		if (!match(want[i], p, (size_t)(nl - p)))
			fail_msg("request  %s\nexpected %s\ngot      %.*s", reqs[i], want[i], (int)(nl - p), p);
		p = nl + 1;
	}
	if (p != end)
		fail_msg("unexpected output after the last answer: %.200s", p);
}

/* The batch through cmd: every answer, then exit 0 at the shutdown. */
static void run_batch(const char *sub, const char *cmd, int py)
{
	size_t n = sizeof(batch) / sizeof(*batch), nwant = 0;
	const char **want = pg_calloc(n, sizeof(*want)), **reqs = pg_calloc(n, sizeof(*reqs));
	pg_buf in = PG_BUF_INIT, out = PG_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		pg_buf_puts(&in, batch[i].req);
		pg_buf_putc(&in, '\n');
		if (batch[i].c) {
			reqs[nwant] = batch[i].req;
			want[nwant++] = py && batch[i].py ? batch[i].py : batch[i].c;
		}
	}
	int rc = pipe_through(sub, cmd, in.ptr, in.len, &out);
	expect_lines(&out, want, reqs, nwant, sub);
	assert_int_equal(rc, 0);
	free(want), free(reqs);
	pg_buf_free(&in), pg_buf_free(&out);
}

/* The end of the input and the line limit: the last line may lack its
 * '\n'; a line past 16 MiB is answered with an error, and the next one
 * served; a line just within the limit gets its (as long) answer. */
static void run_streams(const char *sub, const char *cmd)
{
	pg_buf in = PG_BUF_INIT, out = PG_BUF_INIT;
	const size_t limit = (size_t)16 << 20;

	assert_int_equal(pipe_through(sub, cmd, "", 0, &out), 0);
	assert_int_equal(out.len, 0);

	const char *two = "{\"id\":1,\"call\":\"echo_u8\",\"args\":[1]}\n{\"id\":2,\"call\":\"echo_u8\",\"args\":[2]}";
	const char *two_want[] = { "{\"id\":1,\"ok\":1}", "{\"id\":2,\"ok\":2}" };
	assert_int_equal(pipe_through(sub, cmd, two, strlen(two), &out), 0);
	expect_lines(&out, two_want, two_want, 2, sub);

	pg_buf_puts(&in, "{\"id\":1,\"call\":\"echo_str\",\"args\":[\"");
	pg_buf_grow(&in, limit);
	memset(in.ptr + in.len, 'a', limit);
	in.len += limit;
	pg_buf_puts(&in, "\"]}\n{\"id\":2,\"call\":\"echo_str\",\"args\":[\"");
	size_t start = in.len, fits = limit - 64;
	pg_buf_grow(&in, fits);
	memset(in.ptr + in.len, 'b', fits);
	in.len += fits;
	pg_buf_puts(&in, "\"]}\n{\"id\":3,\"call\":\"echo_u8\",\"args\":[3]}\n");
	assert_int_equal(pipe_through(sub, cmd, in.ptr, in.len, &out), 0);
	const char *first = "{\"id\":null,\"error\":\"malformed request: line longer than 16 MiB\"}\n";
	const char *last = "\"}\n{\"id\":3,\"ok\":3}\n";
	assert_int_equal(out.len, strlen(first) + strlen("{\"id\":2,\"ok\":\"") + fits + strlen(last));
	assert_memory_equal(out.ptr, first, strlen(first));
	assert_memory_equal(out.ptr + strlen(first), "{\"id\":2,\"ok\":\"bbbb", 18);
	assert_memory_equal(out.ptr + out.len - strlen(last), last, strlen(last));
	assert_memory_equal(out.ptr + out.len - strlen(last) - fits, in.ptr + start, fits);
	pg_buf_free(&in), pg_buf_free(&out);
}

/* Read one line from fd within 10 s. */
static char *read_line(int fd)
{
	pg_buf b = PG_BUF_INIT;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char c;
		if (poll(&pfd, 1, 10000) != 1 || read(fd, &c, 1) != 1)
			fail_msg("no answer within 10 s (got '%s')", b.ptr ? b.ptr : "");
		if (c == '\n')
			return b.ptr ? pg_buf_detach(&b) : pg_strdup("");
		pg_buf_putc(&b, c);
	}
}

/* One request at a time, each answer awaited before the next request:
 * the runtime must write its answers before it blocks reading. */
static void run_interactive(const char *sub, const char *cmd)
{
	int to[2], from[2], status;
	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	char *dir = pg_path_join(root, sub);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(to[0], 0), dup2(from[1], 1);
		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		if (chdir(dir) == 0)
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(dir);
	close(to[0]), close(from[1]);
	for (int i = 1; i <= 3; i++) {
		char *req = pg_asprintf("{\"id\":%d,\"call\":\"echo_i32\",\"args\":[%d]}\n", i, -i);
		char *want = pg_asprintf("{\"id\":%d,\"ok\":%d}", i, -i);
		assert_int_equal(write(to[1], req, strlen(req)), (ssize_t)strlen(req));
		char *got = read_line(from[0]);
		assert_string_equal(got, want);
		free(req), free(want), free(got);
	}
	close(to[1]); /* EOF: exit 0 */
	char c;
	assert_int_equal(read(from[0], &c, 1), 0);
	close(from[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- setup: the "every" implementations, built once ---- */

static int built_c, built_san;

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	root = unit_tmpdir();
	scaffold("c", PG_LANG_C, every_pgi, "test::every", 0, every_impl_c);
	scaffold("py", PG_LANG_PYTHON, every_pgi, "test::every", 0, every_impl_py);
	built_c = sh("c", "cc " CFLAGS " -O2 -o impl impl.c pg_runtime.c -lm > cc.log 2>&1");
	built_san = sh("c", "cc " CFLAGS " " SANFLAGS " -o impl-san impl.c pg_runtime.c -lm > san.log 2>&1");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unit_rmtree(root);
	return 0;
}

/* ---- tests ---- */

static void test_langs(void **state)
{
	(void)state;
	assert_int_equal(pg_lang_parse("c"), PG_LANG_C);
	assert_int_equal(pg_lang_parse("python"), PG_LANG_PYTHON);
	assert_int_equal(pg_lang_parse("rust"), -1);
	assert_string_equal(pg_lang_name(PG_LANG_PYTHON), "python");
	assert_null(pg_lang_name(PG_LANG__COUNT));
	const pg_lang_info *c = pg_lang_get(PG_LANG_C), *py = pg_lang_get(PG_LANG_PYTHON);
	assert_string_equal(c->skeleton, "impl.c");
	assert_string_equal(c->build, "cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm");
	assert_string_equal(c->run, "./impl");
	assert_string_equal(py->skeleton, "impl.py");
	assert_string_equal(py->run, "python3 impl.py");
	for (int l = 0; l < PG_LANG__COUNT; l++)
		for (const char *const *f = pg_lang_get((pg_lang)l)->runtime; *f; f++) {
			char *tp = pg_asprintf("%s/%s", pg_lang_name((pg_lang)l), *f);
			size_t len = 0;
			assert_non_null(pg_template(tp, &len));
			assert_true(len > 1000);
			free(tp);
		}

	assert_string_equal(pg_gen_base("geometry::circle"), "circle");
	assert_string_equal(pg_gen_base("circle"), "circle");
	assert_string_equal(pg_gen_base("a::b::polygon_2"), "polygon_2");
	/* names a Python module cannot have, or that would hide another */
	assert_string_equal(pg_gen_base("geometry::2d"), "pg_2d");
	assert_string_equal(pg_gen_base("text::json"), "json_");
	assert_string_equal(pg_gen_base("util::lambda"), "lambda_");
	assert_string_equal(pg_gen_base("x::impl"), "impl_");
	assert_string_equal(pg_gen_base("x::pg_runtime"), "pg_runtime_");
}

static void test_c_header(void **state)
{
	(void)state;
	char *src = circle_pgi();
	pg_idl *idl = parse(src);
	pg_buf a = PG_BUF_INIT, b = PG_BUF_INIT;
	pg_gen_bindings(&a, PG_LANG_C, idl, "geometry::circle", "0123abcd");
	pg_gen_bindings(&b, PG_LANG_C, idl, "geometry::circle", "0123abcd");
	assert_string_equal(a.ptr, b.ptr); /* deterministic */
	const char *want[] = {
		"/* circle.h - C bindings of the pg interface geometry::circle\n",
		" * Interface id: 0123abcd\n",
		"#ifndef PG_GEOMETRY_CIRCLE_H\n#define PG_GEOMETRY_CIRCLE_H\n\n#include \"pg_runtime.h\"\n",
		"typedef struct pg_tuple_f64_f64 {\n\tdouble _0;\n\tdouble _1;\n} pg_tuple_f64_f64;\n",
		"/* A circle: its radius and the (x, y) of its center. */\ntypedef struct Circle {\n"
		"\tdouble radius;\n\tpg_tuple_f64_f64 center;\n} Circle;\n",
		" * itself. */\nbool Circle_intersects_circle(const Circle *self, Circle b);\n",
		"#ifdef PG_IMPLEMENTATION\n",
		"int main(void)\n{\n\treturn pg_serve(&pg_table_circle);\n}\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		if (!strstr(a.ptr, want[i]))
			fail_msg("missing from circle.h:\n%s\n---\n%s", want[i], a.ptr);
	/* one typedef per distinct type */
	assert_ptr_equal(strstr(strstr(a.ptr, "typedef struct pg_tuple_f64_f64") + 1, "typedef struct pg_tuple"),
			 NULL);
	pg_buf_free(&a), pg_buf_free(&b);
	pg_idl_free(idl);
	free(src);

	/* the every interface: keywords renamed, names deduplicated */
	char *h = slurp("c", "every.h", NULL), *py = slurp("py", "every.py", NULL);
	const char *hwant[] = {
		"\tint32_t default_;\n\tpg_str from;\n\tpg_option_u8 int_;\n",
		"uint8_t lambda(uint8_t from);\n",
		"double nest(pg_tuple_f64_tuple_f64_f64_f64 a, pg_tuple_f64_tuple_f64_f64_f64_2 b);\n",
		"/* Returns nothing. */\nvoid nothing(int32_t x);\n",
		"pg_bytes all_bytes(void);\n",
		"\tpg_option_array_option_str *ptr;\n" /* never: only [Option<str>] is an array */,
	};
	for (size_t i = 0; i < sizeof(hwant) / sizeof(*hwant) - 1; i++)
		if (!strstr(h, hwant[i]))
			fail_msg("missing from every.h:\n%s", hwant[i]);
	assert_null(strstr(h, hwant[sizeof(hwant) / sizeof(*hwant) - 1]));
	const char *pywant[] = {
		"@_dataclass\nclass Kw:\n    default: int\n    from_: str\n    int: int | None\n",
		"_t_Kw = _pg.Struct(Kw, \"Kw\", ((\"default\", \"default\", _pg.I32), (\"from\", \"from_\", _pg.STR)",
		"_pg.Fn(\"lambda\", \"lambda_\", (\"from\",), (_pg.U8,), _pg.U8),\n",
		"_pg.Fn(\"nothing\", \"nothing\", (\"x\",), (_pg.I32,), None),\n",
		"def serve(impl):\n",
	};
	for (size_t i = 0; i < sizeof(pywant) / sizeof(*pywant); i++)
		if (!strstr(py, pywant[i]))
			fail_msg("missing from every.py:\n%s", pywant[i]);
	free(h), free(py);
}

static void test_c_runtime(void **state)
{
	(void)state;
	must_build(built_c, "c", "cc.log");
	run_batch("c", "./impl", 0);
	run_streams("c", "./impl");
	run_interactive("c", "./impl");
}

static void test_c_runtime_sanitized(void **state)
{
	(void)state;
	must_build(built_san, "c", "san.log");
	run_batch("c", "./impl-san", 0);
	run_interactive("c", "./impl-san");
}

/* The runtime itself, and the generated code, compile cleanly with clang
 * and with -Wpedantic too. */
static void test_c_strict(void **state)
{
	(void)state;
	assert_int_equal(sh("c", "cc " CFLAGS " -Wpedantic -fsyntax-only impl.c pg_runtime.c > strict.log 2>&1"), 0);
	if (sh("c", "command -v clang > /dev/null") == 0)
		must_build(sh("c", "clang " CFLAGS " -fsyntax-only impl.c pg_runtime.c > clang.log 2>&1"), "c",
			   "clang.log");
}

static void test_python_runtime(void **state)
{
	(void)state;
	run_batch("py", "python3 impl.py", 1);
	run_streams("py", "python3 impl.py");
	run_interactive("py", "python3 impl.py");
}

/* The skeletons build as they are, with the scaffold's build command, and
 * answer with plain values; circle is the shipped example. */
static void test_skeletons(void **state)
{
	(void)state;
	char *circle = circle_pgi();
	pg_buf out = PG_BUF_INIT;
	const char *call = "{\"id\":1,\"call\":\"Circle.intersects_circle\",\"args\":["
			   "{\"radius\":3.0,\"center\":[0.0,1.0]},{\"center\":[0.0,1.0],\"radius\":3.0}]}\n"
			   "{\"id\":2,\"shutdown\":true}\n";
	const char *circle_want[] = { "{\"id\":1,\"ok\":false}", "{\"id\":2,\"ok\":null}" };
	const char *plain = "{\"id\":1,\"call\":\"echo_shape\",\"args\":[{\"name\":\"n\",\"points\":[],\"tag\":null,\"inner\":null}]}\n"
			    "{\"id\":2,\"call\":\"pair\",\"args\":[\"1\",\"2\"]}\n"
			    "{\"id\":3,\"call\":\"Point.scale\",\"args\":[{\"x\":1.0,\"y\":1.0},2.0]}\n"
			    "{\"id\":4,\"call\":\"all_bytes\",\"args\":[]}\n"
			    "{\"id\":5,\"call\":\"nothing\",\"args\":[1]}\n"
			    "{\"id\":6,\"call\":\"echo_kw\",\"args\":[{\"default\":1,\"from\":\"x\",\"int\":2}]}\n"
			    "{\"id\":7,\"call\":\"echo_f32\",\"args\":[1.5]}\n"
			    "{\"id\":8,\"call\":\"echo_opt\",\"args\":[[]]}\n"
			    "{\"id\":9,\"call\":\"swap\",\"args\":[[\"a\",\"\",1.0]]}\n";
	const char *plain_want[] = {
		"{\"id\":1,\"ok\":{\"name\":\"\",\"points\":[],\"tag\":null,\"inner\":null}}",
		"{\"id\":2,\"ok\":[\"0\",\"0\"]}",
		"{\"id\":3,\"ok\":{\"x\":0.0,\"y\":0.0}}",
		"{\"id\":4,\"ok\":\"\"}",
		"{\"id\":5,\"ok\":null}",
		"{\"id\":6,\"ok\":{\"default\":0,\"from\":\"\",\"int\":null}}",
		"{\"id\":7,\"ok\":0.0}",
		"{\"id\":8,\"ok\":null}",
		"{\"id\":9,\"ok\":[0.0,\"\",\"\"]}",
	};
	for (int l = 0; l < PG_LANG__COUNT; l++) {
		const pg_lang_info *li = pg_lang_get((pg_lang)l);
		char *sub = pg_asprintf("circle-%s", li->name), *sub2 = pg_asprintf("skel-%s", li->name);
		scaffold(sub, (pg_lang)l, circle, "geometry::circle", 1, NULL);
		must_build(sh(sub, "%s > build.log 2>&1", li->build), sub, "build.log");
		assert_int_equal(pipe_through(sub, li->run, call, strlen(call), &out), 0);
		expect_lines(&out, circle_want, circle_want, 2, sub);

		scaffold(sub2, (pg_lang)l, every_pgi, "test::every", 1, NULL);
		must_build(sh(sub2, "%s > build.log 2>&1", l == PG_LANG_C ?
			      "cc " CFLAGS " -o impl impl.c pg_runtime.c -lm" : li->build), sub2, "build.log");
		assert_int_equal(pipe_through(sub2, li->run, plain, strlen(plain), &out), 0);
		expect_lines(&out, plain_want, plain_want, sizeof(plain_want) / sizeof(*plain_want), sub2);
		free(sub), free(sub2);
	}
	const char *edge = "{\"id\":1,\"call\":\"default.area\",\"args\":[{\"int\":1,\"None\":{\"lambda\":1.5},"
			   "\"pg_x\":[[1,2]]},[1,2],\"s\"]}\n"
			   "{\"id\":2,\"call\":\"main\",\"args\":[]}\n"
			   "{\"id\":3,\"call\":\"sys\",\"args\":[true]}\n"
			   "{\"id\":4,\"call\":\"serve\",\"args\":[{\"x\":1}]}\n"
			   "{\"id\":5,\"call\":\"default.void\",\"args\":[{\"int\":1,\"None\":null,\"pg_x\":[]}]}\n"
			   "{\"id\":6,\"call\":\"p\",\"args\":[{\"r\":[1]}]}\n";
	const char *edge_want[] = {
		"{\"id\":1,\"ok\":{\"int\":0,\"None\":null,\"pg_x\":[]}}", "{\"id\":2,\"ok\":[]}",
		"{\"id\":3,\"ok\":null}", "{\"id\":4,\"ok\":{\"x\":0}}", "{\"id\":5,\"ok\":null}",
		"{\"id\":6,\"ok\":{\"r\":[]}}",
	};
	for (int l = 0; l < PG_LANG__COUNT; l++) {
		const pg_lang_info *li = pg_lang_get((pg_lang)l);
		char *sub = pg_asprintf("edge-%s", li->name);
		scaffold(sub, (pg_lang)l, edge_pgi, "weird::json", 1, NULL);
		must_build(sh(sub, "%s > build.log 2>&1", l == PG_LANG_C ?
			      "cc " CFLAGS " -Wpedantic -o impl impl.c pg_runtime.c -lm" : li->build), sub, "build.log");
		assert_int_equal(pipe_through(sub, li->run, edge, strlen(edge), &out), 0);
		expect_lines(&out, edge_want, edge_want, sizeof(edge_want) / sizeof(*edge_want), sub);
		free(sub);
	}
	char *h = slurp("edge-c", "json_.h", NULL), *py = slurp("edge-python", "impl.py", NULL);
	assert_non_null(strstr(h, "/* Docs with * / and / * inside, and ? ?/ trigraphs \\ */\ntypedef struct default_ {\n"
				  "\t/* field doc * / here */\n\tint32_t int_;\n\tpg_option_default2 None;\n"));
	assert_non_null(strstr(h, "\npg_array_default main_(void);\n"));
	assert_non_null(strstr(h, "\nvoid sys_(bool x);\n"));
	assert_non_null(strstr(py, "import sys as _sys\n\nfrom json_ import default, default2, sys, j, serve\n"));
	assert_non_null(strstr(py, "\ndef default_area(self: default, from_: tuple[int, int], int: str) -> default:\n"));
	assert_non_null(strstr(py, "\ndef serve_(x: sys) -> sys:\n"));
	assert_non_null(strstr(py, "\n    serve(_sys.modules[__name__])\n"));
	free(h), free(py);

	/* the C skeleton is warning-free too */
	must_build(sh("circle-c", "cc " CFLAGS " -fsyntax-only impl.c > strict.log 2>&1"), "circle-c", "strict.log");
	pg_buf_free(&out);
	free(circle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_langs),
		cmocka_unit_test(test_c_header),
		cmocka_unit_test(test_c_runtime),
		cmocka_unit_test(test_c_runtime_sanitized),
		cmocka_unit_test(test_c_strict),
		cmocka_unit_test(test_python_runtime),
		cmocka_unit_test(test_skeletons),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
