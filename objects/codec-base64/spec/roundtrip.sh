# roundtrip.sh - decode(encode(x)) == x, judged here rather than by the
# majority.  POSIX sh and awk only.
#
# awk makes the inputs (a fixed pseudo-random sequence: the same
# everywhere) and their base64, by its own small encoder.  pg's wire
# carries bytes as base64 too, so a request's argument and a decode's
# answer are compared as text.  Three tests:
#   1  encode(x) is what the encoder below makes of x
#   2  decode(encode(x)) is x
#   3  decode refuses (None) encode(x) with an unused bit set
#   4  decode refuses a NUL character (which cases.yaml cannot hold)
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# one line per input: its length, its base64, the same with the last
# unused bit set ("-" when a length is a multiple of 3: no unused bits)
awk 'BEGIN {
	A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	x = 1
	for (n = 0; n <= 200; n++) gen(n)
	gen(4095); gen(4096); gen(4097); gen(65535); gen(65536); gen(65537)
}
function ch(v) { return substr(A, v % 64 + 1, 1) }
function gen(n,    i, k, b0, b1, b2, v, out, last, pad, bad) {
	out = ""
	for (i = 0; i < n; i += 3) {
		k = n - i < 3 ? n - i : 3
		b0 = rnd(); b1 = k > 1 ? rnd() : 0; b2 = k > 2 ? rnd() : 0
		v = b0 * 65536 + b1 * 256 + b2
		out = out ch(int(v / 262144)) ch(int(v / 4096)) \
		      (k > 1 ? ch(int(v / 64)) : "=") (k > 2 ? ch(v) : "=")
	}
	pad = n % 3 ? 3 - n % 3 : 0
	bad = "-"
	if (pad) {
		last = length(out) - pad  # the last character with data bits
		bad = substr(out, 1, last - 1) \
		      ch(index(A, substr(out, last, 1))) substr(out, last + 1)
	}
	print n, (out == "" ? "\"\"" : out), bad
}
function rnd() {  # x * 69069 + 1 mod 2^32: exact in a double; the top byte
	x = (x * 69069 + 1) % 4294967296
	return int(x / 16777216)
}' >"$tmp/in" || exit 1

# the answer's string, one line per answer ("!" for an error or a null)
answers() {
	sed -e 's/\\\//\//g' \
	    -e 's/.*"ok" *: *"\([^"]*\)".*/\1/' -e 't' -e 's/.*/!/'
}

awk '{ s = $2 == "\"\"" ? "" : $2
       printf "{\"id\":%d,\"call\":\"encode\",\"args\":[\"%s\"]}\n", NR, s }' \
	"$tmp/in" >"$tmp/req1"
sh -c "$PG_IMPL" <"$tmp/req1" | answers >"$tmp/enc"

# decode every answer of encode, then every text with an unused bit set
paste -d ' ' "$tmp/in" "$tmp/enc" | awk '{
	t = $4 == "!" ? "!" : $4
	printf "{\"id\":%d,\"call\":\"decode\",\"args\":[\"%s\"]}\n", NR, t }' >"$tmp/req2"
awk '$3 != "-" { printf "{\"id\":%d,\"call\":\"decode\",\"args\":[\"%s\"]}\n", 100000 + NR, $3 }' \
	"$tmp/in" >>"$tmp/req2"
sh -c "$PG_IMPL" <"$tmp/req2" >"$tmp/ans2"
answers <"$tmp/ans2" >"$tmp/dec"

echo 1..4
# report: test number, description, the first length that fails (or none)
report() {
	if [ -z "$3" ]; then
		echo "ok $1 - $2"
	else
		echo "not ok $1 - $2"
		echo "  # first failure: $3"
	fi
}

n=$(wc -l <"$tmp/in")
first=$(paste -d ' ' "$tmp/in" "$tmp/enc" | awk '{
	want = $2 == "\"\"" ? "" : $2
	if ($4 != want) { print "length " $1 ": encode gave " substr($4, 1, 40); exit } }')
report 1 "encode agrees with an encoder written in awk, lengths 0-200, 4 KiB, 64 KiB" "$first"

head -n "$n" "$tmp/dec" >"$tmp/dec1"
first=$(paste -d ' ' "$tmp/in" "$tmp/dec1" | awk '{
	want = $2 == "\"\"" ? "" : $2
	if ($4 != want) { print "length " $1 ": decode(encode(x)) is not x"; exit } }')
report 2 "decode(encode(x)) == x" "$first"

tail -n +"$((n + 1))" "$tmp/ans2" >"$tmp/ans3"
first=$(awk '$3 != "-" { print $1 }' "$tmp/in" | paste -d ' ' - "$tmp/ans3" | awk '{
	if ($0 !~ /"ok" *: *null/) { print "length " $1 ": decode accepted a set unused bit"; exit } }')
report 3 "decode(encode(x)) with an unused bit set is None" "$first"

nul=$(printf '%s\n' '{"id":1,"call":"decode","args":["Zm9\u0000"]}' \
	'{"id":2,"call":"decode","args":["Zm9v\u0000AAA"]}' | sh -c "$PG_IMPL" |
	grep -c '"ok" *: *null')
first=
[ "$nul" = 2 ] || first="$((2 - nul)) of 2 texts with a NUL decoded"
report 4 "decode refuses a NUL character" "$first"
