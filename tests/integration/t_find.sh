# t_find.sh - what a user relies on from pg find and pg discover: every key
# of pg find selects exactly the objects pg ls and pg show say it should,
# terms AND together, times (dates, durations, epoch seconds), connected=,
# -n, --json, newest first, bad terms refused; pg discover's three ways of
# matching, their order, the evidence it counts, and --fetch, which asks
# every remote first and marks what just arrived.
#
# Two publishers, alice and bob, in stores of their own; their objects are
# dated on four days (PG_NOW) so that since= and until= have something to
# tell apart:
#   T1 2025-01-10  identities; sort::u32: spec, 4 impls (one wrong)
#   T2 2025-02-15  alice's verify results of sort::u32 (one impl fails)
#   T3 2025-03-20  bob's checksum::crc32 and its verify results; alice's
#                  codec::base64 and its verify results
#   T4 2025-04-25  a tiny bench of sort::u32 and its results; made-up
#                  interfaces (codec twice, codec::aaa, wire::frame,
#                  long::desc); bob's verify results of codec::base64
. "$(dirname "$0")/lib.sh"
O=$ROOT/objects
S=$O/sort-u32
# builds are cached in the stores' .pg/cache (see t_verify.sh)
chmod 755 "$T"
cd "$T"
T1=1736510400 T2=1739620800 T3=1742472000 T4=1745582400 # 12:00:00 UTC on each day
DAY=86400

# mkiface WHO NAME [DESCRIPTION]: WHO publishes a made-up interface; its id in $id
mkiface() {
	local d=$T/src/$1-$2
	mkdir -p "$d"
	printf 'type: interface\nname: %s\n' "$2" >"$d/pg.yaml"
	[ $# -lt 3 ] || printf 'description: "%s"\n' "$3" >>"$d/pg.yaml"
	printf 'fn ping() -> bool;\n' >"$d/interface.pgi"
	id=$(by "$1" publish -q "$d" | cut -d' ' -f1)
}
# idof WHO TYPE NAME: the full id of WHO's one object of that type and name in WHO's store
idof() {
	by "$1" ls --type "$2" --name "$3" --author "$1" --json |
		python3 -c 'import json,sys; (o,) = json.load(sys.stdin); print(o["id"])'
}

# --- the world ------------------------------------------------------------------

PG_NOW=$T1 person alice
PG_NOW=$T1 person bob
# sort-py-wrong: sort::u32's Python impl, made to return the values unsorted
mkdir -p "$T/src"
cp -r "$S/impl-py" "$T/src/wrong"
sed -i 's/return sorted(values)/return list(values)/' "$T/src/wrong/impl.py"
printf 'type: impl\nname: sort-py-wrong\ninterface: sort::u32\nlang: python\nbuild: python3 -m py_compile *.py\nrun: python3 impl.py\ndescription: |\n  Returns the values as they came.\n' >"$T/src/wrong/pg.yaml"
# sort-tiny: a bench quick enough for a test
mkdir -p "$T/src/tiny"
printf 'type: bench\nname: sort-tiny\ninterface: sort::u32\ndescription: ten small values\n' >"$T/src/tiny/pg.yaml"
printf 'samples: 10\nwarmup: 1\nworkloads:\n  - call: sort\n    count: 1\n    seed: 1\n    args: [{len: [10, 10], of: {min: 0, max: 9}}]\n' >"$T/src/tiny/workload.yaml"

PG_NOW=$T1 expect 0 "T1: alice publishes sort::u32, its spec and four impls" \
	by alice publish "$S/interface" "$S/spec" "$S/impl-c-qsort" "$S/impl-c-radix" "$S/impl-py" "$T/src/wrong"
PG_NOW=$T2 expect 1 "T2: alice verifies sort::u32: sort-py-wrong fails (exit 1)" by alice verify -q sort::u32
PG_NOW=$T3 expect 0 "T3: bob publishes checksum::crc32, its spec and two impls" \
	by bob publish "$O/checksum-crc32/interface" "$O/checksum-crc32/spec" "$O/checksum-crc32/impl-c-bitwise" "$O/checksum-crc32/impl-py"
PG_NOW=$T3 expect 0 "T3: bob verifies checksum::crc32" by bob verify -q checksum::crc32
PG_NOW=$T3 expect 0 "T3: alice publishes codec::base64, its spec and two impls" \
	by alice publish "$O/codec-base64/interface" "$O/codec-base64/spec" "$O/codec-base64/impl-c" "$O/codec-base64/impl-py"
PG_NOW=$T3 expect 0 "T3: alice verifies codec::base64" by alice verify -q codec::base64
PG_NOW=$T4 expect 0 "T4: alice publishes the bench sort-tiny" by alice publish "$T/src/tiny"
tiny=$(idof alice bench sort-tiny)
PG_NOW=$T4 expect 0 "T4: alice benches sort::u32 with sort-tiny" by alice bench -q --round-ms 1 "$tiny"
PG_NOW=$T4 mkiface alice codec
codec_a=$id
PG_NOW=$T4 mkiface alice codec::aaa "A codec for nothing, with no implementations."
PG_NOW=$T4 mkiface alice wire::frame "Framing for a CODEC stream."
# a description longer than the 1024 bytes the index keeps: 'zzzquux' starts
# at byte 1020, so the index has 'zzzq' and not the rest
PG_NOW=$T4 mkiface alice long::desc "$(printf 'a %.0s' $(seq 510))zzzquux"
PG_NOW=$T4 mkiface bob codec
codec_b=$id
by alice -q remote add bob "$T/bob"
by bob -q remote add alice "$T/alice"
expect 0 "bob pulls alice" by bob pull -q alice
PG_NOW=$T4 expect 0 "T4: bob verifies codec::base64" by bob verify -q codec::base64
expect 0 "alice pulls bob" by alice pull -q bob

sort=$(idof alice interface sort::u32)
qsort=$(idof alice impl sort-c-qsort)
radix=$(idof alice impl sort-c-radix)
wrong=$(idof alice impl sort-py-wrong)
sspec=$(idof alice spec sort-basic)
akey=$(key_of alice)
bkey=$(key_of bob)

# The model: every object of alice's store as pg ls --json and pg show --json
# give it, with what each key of pg find looks at, from those two only.
python3 - "$PG" "$T/alice" "$T/alice.home" >"$T/model.json" <<'PY'
import json, os, subprocess, sys
pg, store, home = sys.argv[1:4]
env = dict(os.environ, PG_HOME=home)
get = lambda *a: json.loads(subprocess.run([pg, "-C", store, *a], capture_output=True, check=True, env=env).stdout)
model = []
for o in get("ls", "--json"):
    d = get("show", "--json", o["id"])
    f = d.get("fields", {})
    body = d.get("body")
    model.append(dict(o, lang=f.get("lang") if o["type"] == "impl" else None, iface=f.get("interface"),
                      kind=f.get("kind"), subject=f.get("subject"), against=f.get("against"),
                      verdict=body.split("\n")[0].split(" ", 1)[1] if o["type"] == "result" else None,
                      about=None if body is None else body.encode()[:1024].decode(errors="ignore"),
                      out=[l["id"] for l in d["links_out"]], into=[l["id"] for l in d["links_in"]]))
json.dump(model, sys.stdout)
PY
nobj=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/model.json" 2>/dev/null)
check "alice's store holds both publishers' objects, on four dates ($nobj objects)" python3 - "$T/model.json" "$akey" "$bkey" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert {o["author"] for o in m} == set(sys.argv[2:4]), {o["author"] for o in m}
assert len({o["date"] for o in m}) == 4 and len(m) > 30, (len(m), {o["date"] for o in m})
assert {o["verdict"] for o in m} == {None, "passed", "failed", "measured"}
PY

# --- pg find: each key --------------------------------------------------------

# fq WHAT PRED TERMS...: pg find --json TERMS in alice's store lists exactly
# the objects of the model for which the Python expression PRED holds
# (o: an object, M: the objects by id, I: an interface's name by id),
# newest first, then by id; PRED must hold for some but not all of them,
# so that a term that is ignored, or matches nothing, fails
fq() {
	local what=$1 pred=$2
	shift 2
	run by alice find --json "$@"
	check "$what" python3 - "$T/model.json" "$T/out" "$rc" "$pred" <<'PY'
import json, sys
model = json.load(open(sys.argv[1]))
M = {o["id"]: o for o in model}
I = lambda i: M[i]["name"] if i in M and M[i]["type"] == "interface" else None
assert sys.argv[3] == "0", "exit " + sys.argv[3]
got = [o["id"] for o in json.load(open(sys.argv[2]))]
want = [o["id"] for o in sorted((o for o in model if eval(sys.argv[4], {"M": M, "I": I, "o": o})),
                                 key=lambda o: (-o["date"], o["id"]))]
assert 0 < len(want) < len(model), "the expected set is %d of %d objects: a useless test" % (len(want), len(model))
names = lambda ids: [(M[i]["type"], M[i]["name"], i[:8]) for i in ids]
assert got == want, "\n got  %s\n want %s" % (names(got), names(want))
PY
}
# fnone WHAT TERMS...: pg find TERMS in alice's store exits 0 and prints nothing
fnone() {
	local what=$1
	shift
	run by alice find "$@"
	check "$what" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ] && [ ! -s '$T/err' ]"
}

fq "type=impl: the impls" "o['type'] == 'impl'" type=impl
fq "type=result: the results" "o['type'] == 'result'" type=result
fq "type~pe: the specs (a substring of the type)" "'pe' in o['type']" type~pe
fq "name=sort-py: that name only, not sort-py-wrong" "o['name'] == 'sort-py'" name=sort-py
fq "name=codec: both publishers' interfaces of that name" "o['name'] == 'codec'" name=codec
fq "name~SORT-C: a substring of the name, ignoring case" "'sort-c' in (o['name'] or '').lower()" name~SORT-C
fq "lang=c: the C impls" "o['lang'] == 'c'" lang=c
fq "lang=python: the Python impls" "o['lang'] == 'python'" lang=python
fq "lang~PYTH: a substring of the language, ignoring case" "'pyth' in (o['lang'] or '')" lang~PYTH
fq "id=PREFIX: the one object whose id begins with it" "o['id'].startswith('${radix:0:8}')" "id=${radix:0:8}"
fq "id~HEX: every id with that run of hex digits anywhere" "'${radix:20:5}' in o['id']" "id~${radix:20:5}"
fq "author=alice: everything alice signed" "o['author'] == '$akey'" author=alice
fq "author=bob: everything bob signed" "o['author'] == '$bkey'" author=bob
fq "author=KEY-PREFIX: the same as the name" "o['author'] == '$bkey'" "author=${bkey:0:10}"
fq "author~LIC: part of the identity's name, ignoring case" "o['author_name'] == 'alice'" author~LIC
fq "iface=sort::u32: the interface, its spec, impls and bench (not the results)" \
	"(o['type'] == 'interface' and o['name'] == 'sort::u32') or I(o['iface']) == 'sort::u32'" iface=sort::u32
fq "iface=codec: both interfaces of that name" "o['type'] == 'interface' and o['name'] == 'codec'" iface=codec
fq "iface~code: the interfaces whose name has it, and their specs, impls, benches" \
	"(o['type'] == 'interface' and 'code' in o['name']) or 'code' in (I(o['iface']) or '')" iface~code
radix_about=$(by alice show --json "$radix" | python3 -c 'import json,sys; print(json.load(sys.stdin)["body"], end="")'; echo x)
fq "about=TEXT: the object whose whole description it is" "o['about'] == M['$radix']['about']" "about=${radix_about%x}"
fnone "about= part of it: nothing" "about=${radix_about:0:20}"
fq "about~RADIX SORT: part of a description, ignoring case" "'radix sort' in (o['about'] or '').lower()" "about~RADIX SORT"
fq "about~result failed: part of a result's body" "'result failed' in (o['about'] or '')" "about~result failed"
fq "about~zzzq: the first 1024 bytes of a body are searched" "'zzzq' in (o['about'] or '')" about~zzzq
fnone "about~zzzquux: what lies beyond them is not" about~zzzquux
fq "kind=verify: the verify results" "o['kind'] == 'verify'" kind=verify
fq "kind=bench: the bench results" "o['kind'] == 'bench'" kind=bench
fq "kind~enc: a substring of the kind" "'enc' in (o['kind'] or '')" kind~enc
fq "verdict=failed: sort-py-wrong's verify results" "o['verdict'] == 'failed' and o['subject'] == '$wrong'" verdict=failed
fq "verdict=passed" "o['verdict'] == 'passed'" verdict=passed
fq "verdict=measured: the bench results" "o['verdict'] == 'measured'" verdict=measured
fq "verdict~ail: a substring of the verdict" "'ail' in (o['verdict'] or '')" verdict~ail
fq "subject=IMPL-PREFIX: the results about that impl" "o['subject'] == '$radix'" "subject=${radix:0:10}"
fq "against=SPEC-PREFIX: the results against that spec" "o['against'] == '$sspec'" "against=${sspec:0:10}"
fq "against=BENCH-ID: the bench results" "o['against'] == '$tiny'" "against=$tiny"
run by alice find type=impl --json
check "find --json type=impl: the eight impls by name, sort-py-wrong among them" python3 -c "
import json, sys
assert sorted(o['name'] for o in json.load(open('$T/out'))) == ['base64-c', 'base64-py', 'crc32-c-bitwise', 'crc32-py', 'sort-c-qsort', 'sort-c-radix', 'sort-py', 'sort-py-wrong']"

# --- times ------------------------------------------------------------------------

fq "since=EPOCH: at or after that second" "o['date'] >= $T3" "since=$T3"
fq "since=EPOCH+1: the objects of that second are left out" "o['date'] > $T3" "since=$((T3 + 1))"
fq "until=EPOCH: at or before that second" "o['date'] <= $T2" "until=$T2"
fq "until=EPOCH-1: the objects of that second are left out" "o['date'] < $T2" "until=$((T2 - 1))"
fnone "until= a second before the first object: nothing" "until=$((T1 - 1))"
fq "since=2025-02-15: from that day's first second" "o['date'] >= $T2" since=2025-02-15
fq "since=2025-02-16: the 15th's objects are left out" "o['date'] >= $T3" since=2025-02-16
fq "until=2025-02-14: only what came before" "o['date'] <= $T1" until=2025-02-14
fq "until=2025-02-16: up to the 16th" "o['date'] <= $T2" until=2025-02-16
fq "since= and until= together: between two dates" "$T2 <= o['date'] <= $T3" since=2025-02-01 until=2025-03-31
PG_NOW=$((T4 + 3600)) fq "since=1h (PG_NOW an hour after T4): T4's objects" "o['date'] >= $T4" since=1h
PG_NOW=$((T4 + 3600)) fnone "since=59m (PG_NOW an hour after T4): nothing" since=59m
PG_NOW=$((T4 + 3600)) fq "since=3600s is since=1h" "o['date'] >= $T4" since=3600s
PG_NOW=$((T2 + 120)) fq "since=2m (PG_NOW two minutes after T2)" "o['date'] >= $T2" since=2m
PG_NOW=$T4 fq "until=36d (PG_NOW at T4, 36 days after T3): up to T3" "o['date'] <= $T3" until=36d
PG_NOW=$T4 fq "until=37d: a day before T3, so T3's objects are left out" "o['date'] <= $T2" until=37d
PG_NOW=$((T4 + 3 * DAY)) fq "since=1w (PG_NOW 3 days after T4)" "o['date'] >= $T4" since=1w
PG_NOW=$((T1 + 365 * DAY)) fq "since=1y (PG_NOW 365 days after T1): T1 is in" "$T1 <= o['date'] <= $T3" since=1y until=$T3
PG_NOW=$((T1 + 365 * DAY + 1)) fq "since=1y a second later: T1 is out" "$T1 < o['date'] <= $T3" since=1y until=$T3

# --- several terms ------------------------------------------------------------------

fq "type=impl lang=c author=alice: every term holds" \
	"o['type'] == 'impl' and o['lang'] == 'c' and o['author'] == '$akey'" type=impl lang=c author=alice
fq "iface=sort::u32 type=impl lang~py" "I(o['iface']) == 'sort::u32' and o['type'] == 'impl' and o['lang'] == 'python'" \
	iface=sort::u32 type=impl lang~py
fq "type=result kind=verify author=bob since=$T4: bob's verify results of T4" \
	"o['kind'] == 'verify' and o['author'] == '$bkey' and o['date'] >= $T4" type=result kind=verify author=bob since=$T4
fnone "type=impl kind=verify: terms that no object meets together give nothing" type=impl kind=verify
# an AND is the intersection of what each term finds alone
terms=(author=alice verdict=passed "subject=${qsort:0:8}" until=2025-03-01)
for t in "${terms[@]}"; do by alice find --json "$t" >"$T/one.$t.json"; done
run by alice find --json "${terms[@]}"
check "four terms find the intersection of what each finds alone (and less than any one)" python3 - "$T/out" "${terms[@]/#/$T/one.}" <<'PY'
import json, sys
ids = lambda f: [o["id"] for o in json.load(open(f))]
got, sets = ids(sys.argv[1]), [set(ids(f + ".json")) for f in sys.argv[2:]]
assert got and set(got) == set.intersection(*sets), (got, [len(s) for s in sets])
assert all(len(got) < len(s) for s in sets), [len(s) for s in sets]
PY

# --- connected= -------------------------------------------------------------------

# what the man page says it is: linked to it or from it, or linked to one of
# those that link to it
conn() { echo "o['id'] != '$1' and (o['id'] in M['$1']['out'] or o['id'] in M['$1']['into'] or any(y in M['$1']['into'] for y in o['out']))"; }
fq "connected=INTERFACE: its spec, impls, bench and the results about them" "$(conn "$sort")" "connected=${sort:0:8}"
check "  ...which is every object naming sort::u32, and every result about one of those" python3 - "$T/model.json" "$T/out" "$sort" <<'PY'
import collections, json, sys
m = {o["id"]: o for o in json.load(open(sys.argv[1]))}
got = {o["id"] for o in json.load(open(sys.argv[2]))}
kids = {i for i, o in m.items() if o["iface"] == sys.argv[3]}
want = kids | {i for i, o in m.items() if o["type"] == "result" and (o["subject"] in kids or o["against"] in kids)}
assert got == want, (len(got), len(want))
c = collections.Counter(m[i]["type"] for i in got)
assert (c["spec"], c["impl"], c["bench"]) == (1, 4, 1) and c["result"] >= 10 and len(c) == 4, c
PY
fq "connected=IMPL: its interface and the results about it" "$(conn "$radix")" "connected=$radix"
check "  ...which is sort::u32 and radix's verify and bench results" python3 - "$T/model.json" "$T/out" "$radix" "$sort" <<'PY'
import json, sys
m = {o["id"]: o for o in json.load(open(sys.argv[1]))}
got = {o["id"] for o in json.load(open(sys.argv[2]))}
want = {sys.argv[4]} | {i for i, o in m.items() if o["subject"] == sys.argv[3]}
assert got == want and {m[i]["kind"] for i in got} == {None, "verify", "bench"}, (got, want)
PY
fq "connected=SPEC: its interface and the results against it" "$(conn "$sspec")" "connected=${sspec:0:12}"

# --- -n, order, output ---------------------------------------------------------------

by alice find --json type=result >"$T/all-results.json"
for k in 1 3; do
	run by alice find --json -n "$k" type=result
	check "-n $k: the $k newest of what the terms find" python3 -c "
import json
a, b = json.load(open('$T/out')), json.load(open('$T/all-results.json'))
assert len(b) > $k and a == b[:$k], (len(a), len(b))"
done
run by alice find --limit 2 type=result
check "--limit 2: two lines" test "$(wc -l <"$T/out")" -eq 2
run by alice find --json -n 0 type=result
check "-n 0: all of them" cmp -s "$T/out" "$T/all-results.json"
run by alice find --json -n 1000 type=result
check "-n more than there are: all of them" cmp -s "$T/out" "$T/all-results.json"

run by alice find --json since=0
cp "$T/out" "$T/all.json"
by alice ls --json >"$T/ls.json"
check "since=0: every object, newest first, then by id, over four dates with ties" python3 - "$T/all.json" "$T/ls.json" <<'PY'
import json, sys
got, ls = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
keys = [(-o["date"], o["id"]) for o in got]
assert len(got) == len(ls) and keys == sorted(keys), "not newest first"
assert len({o["date"] for o in got}) == 4 and len(got) > len({o["date"] for o in got}) + 10
PY
check "--json: per object what pg ls --json gives: id, type, author, date, name, author_name, payload; lang for an impl" \
	python3 - "$T/all.json" "$T/ls.json" <<'PY'
import json, sys
got, ls = json.load(open(sys.argv[1])), {o["id"]: o for o in json.load(open(sys.argv[2]))}
for o in got:
    assert o == ls[o["id"]], (o, ls[o["id"]])
    assert {"id", "type", "author", "date", "name", "author_name"} <= set(o) <= {"id", "type", "author", "date", "name",
                                                                                "author_name", "payload", "lang"}, o
    assert ("lang" in o) == (o["type"] == "impl") and o.get("lang") in (None, "c", "python"), o
assert any("payload" in o and {"id", "size"} == set(o["payload"]) for o in got)
PY
run by alice find iface=sort::u32
by alice ls >"$T/ls.txt"
check "the table: one line per object as pg ls prints it, in the order of --json" python3 - "$T/out" "$T/ls.txt" "$T/model.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ls = {l[:12]: l for l in open(sys.argv[2]).read().splitlines()}
m = json.load(open(sys.argv[3]))
want = sorted((o for o in m if o["iface"] and o["iface"] in {x["id"] for x in m if x["name"] == "sort::u32"}
               or o["name"] == "sort::u32"), key=lambda o: (-o["date"], o["id"]))
assert [l[:12] for l in lines] == [o["id"][:12] for o in want], lines
assert all(ls[l[:12]] == l for l in lines), lines
assert "2025-01-10" in lines[-1] and "sort::u32" in open(sys.argv[1]).read()
PY

# --- no match, bad terms ---------------------------------------------------------

fnone "no match: exit 0, nothing printed" name=nonesuch
run by alice find --json name=nonesuch
check "no match with --json: []" sh -c "[ $rc -eq 0 ] && [ \"\$(tr -d ' \n' <'$T/out')\" = '[]' ]"
expect_err 2 "unknown key 'color' (keys: type, name, lang, id, author, iface, about, kind, verdict, subject, against, since, until, connected)" \
	"an unknown key: exit 2, naming it and the keys" by alice find type=impl color=red
check "  ...and nothing on stdout" test ! -s "$T/out"
expect_err 2 "'typeimpl': a term is KEY=VALUE or KEY~TEXT" "a term without = or ~: exit 2, naming it" by alice find typeimpl
expect_err 2 "'=impl': a term is KEY=VALUE or KEY~TEXT" "a term without a key: exit 2" by alice find =impl
expect_err 2 "'yesterday' is not a time" "since=yesterday: exit 2, naming the value" by alice find since=yesterday
expect_err 2 "'100000d' is not a time" "a duration of 100000 units is not one (below 100000)" by alice find since=100000d
expect_err 2 "'7x' is not a time" "until=7x: an unknown unit" by alice find until=7x
expect_err 2 "'-1d' is not a time" "since=-1d: no negative durations" by alice find since=-1d
expect_err 2 "'2025-13-01' is not a time" "since=2025-13-01: not a date" by alice find since=2025-13-01
expect_err 2 "'2025-02-30' is not a time" "since=2025-02-30: a day that does not exist (not March 2nd)" \
	by alice find since=2025-02-30
# prefixes compare as text: LIKE's % and _ are not wildcards
fnone "id=%: no id begins with %" id=%
fnone "id=_: nor with _" id=_
fnone "author=_: no key begins with _, no identity is named _" author=_
fnone "subject=%: no result's subject begins with %" subject=%
fnone "against=_: no result's against begins with _" against=_
fq "until=DATE: the whole of that day, up to its last second" "o['date'] <= $T2 + 43199" until=2025-02-15
fq "type~IMPL: ~ ignores case for the type too" "o['type'] == 'impl'" type~IMPL
fq "verdict~FAIL: and for the verdict" "o['type'] == 'result' and M[o['id']].get('verdict') == 'failed'" verdict~FAIL
expect_err 2 "'subject' takes '=' only" "subject~: exit 2" by alice find "subject~${radix:0:6}"
expect_err 2 "'since' takes '=' only" "since~: exit 2" by alice find since~1d
expect_err 2 "'connected' takes '=' only" "connected~: exit 2" by alice find "connected~${radix:0:6}"
expect_err 2 "'zz' is not an object id" "connected=zz: not an id prefix, exit 2" by alice find connected=zz
expect_err 4 "no object with id 0000abcd" "connected= an id no object has: exit 4" by alice find connected=0000abcd
expect_err 2 "give at least one term" "no term: exit 2" by alice find
expect_err 2 "-1" "-n -1: exit 2" by alice find -n -1 type=impl
expect 2 "-n x: exit 2" by alice find -n x type=impl
expect 2 "an unknown option: exit 2" by alice find --colour type=impl
mkdir "$T/nostore"
expect 4 "no store: exit 4" env PG_HOME="$T/alice.home" "$PG" -C "$T/nostore" find type=impl

# --- pg discover ---------------------------------------------------------------------

# dq WHAT WORD WANT: pg discover --json WORD in alice's store exits 0 and
# lists the interfaces WANT names (NAME:MATCH ...), in that order, which is
# by match (name, prefix, word), more signers, more evidence (results, impls
# and specs), name, id
dq() {
	local what=$1 word=$2 want=$3
	run by alice discover --json "$word"
	check "$what" python3 - "$T/out" "$rc" "$want" <<'PY'
import json, sys
assert sys.argv[2] == "0", "exit " + sys.argv[2]
d = json.load(open(sys.argv[1]))
got = ["%s:%s" % (o["name"], o["match"]) for o in d]
assert got == sys.argv[3].split(), "\n got  %s\n want %s" % (got, sys.argv[3].split())
key = lambda o: (["name", "prefix", "word"].index(o["match"]), -o["signers"], -(o["results"] + o["impls"] + o["specs"]),
                 o["name"], o["id"])
assert d == sorted(d, key=key), [(o["name"], o["id"][:8]) for o in d]
PY
}
dq "discover sort::u32: by name" sort::u32 "sort::u32:name"
dq "discover sort: by prefix" sort "sort::u32:prefix"
dq "discover codec: both authors' codec by name, then by prefix (more signers first; codec::aaa, whose description says codec too, once), then by description" \
	codec "codec:name codec:name codec::base64:prefix codec::aaa:prefix wire::frame:word"
check "  ...the two by name are alice's and bob's" python3 -c "
import json
assert sorted(o['id'] for o in json.load(open('$T/out')) if o['match'] == 'name') == sorted(['$codec_a', '$codec_b'])"
dq "discover CODEC: no prefix (case-sensitive), two descriptions (ignoring case)" CODEC "codec::aaa:word wire::frame:word"
dq "discover 'c?dec': ? is a wildcard of the prefix" 'c?dec' "codec::base64:prefix codec:prefix codec:prefix codec::aaa:prefix"
dq "discover for: by description; more signers first, then more evidence, then name" \
	for "codec::base64:word sort::u32:word checksum::crc32:word codec::aaa:word wire::frame:word"
dq "discover zzzq: the first 1024 bytes of a description are searched" zzzq "long::desc:word"
expect_err 4 "no interface is named 'zzzquux', starts with it, or mentions it" \
	"discover zzzquux: what lies beyond them is not (exit 4)" by alice discover zzzquux

# the evidence of every interface any of those found, against the model and pg rank
by alice discover --json codec >"$T/disc1.json"
by alice discover --json for >"$T/disc2.json"
python3 -c '
import json, sys
json.dump({o["id"]: o for f in sys.argv[1:] for o in json.load(open(f))}, sys.stdout)' "$T/disc1.json" "$T/disc2.json" >"$T/disc.json"
for name in sort::u32 codec::base64 checksum::crc32; do
	by alice rank --json "$name" >"$T/rank.$name.json"
done
check "discover's specs, impls, benches, results and signers are what the store holds" python3 - "$T/disc.json" "$T/model.json" <<'PY'
import json, sys
disc, model = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(disc) == 7, len(disc)
for i, d in disc.items():
    kids = lambda t: [o for o in model if o["iface"] == i and o["type"] == t]
    impls = {o["id"] for o in kids("impl")}
    res = [o for o in model if o["type"] == "result" and o["subject"] in impls]
    want = dict(specs=len(kids("spec")), impls=len(impls), benches=len(kids("bench")), results=len(res),
                signers=len({o["author"] for o in res}))
    assert {k: d[k] for k in want} == want, (d["name"], d, want)
PY
check "  ...and, by construction: sort::u32 1 spec, 4 impls, 1 bench, 1 signer; codec::base64 2 signers; crc32 1; less evidence, higher place" \
	python3 - "$T/disc.json" <<'PY'
import json, sys
d = {o["name"]: o for o in json.load(open(sys.argv[1])).values() if o["name"] != "codec"}
ev = lambda n: [d[n][k] for k in ("specs", "impls", "benches", "signers")]
assert ev("sort::u32") == [1, 4, 1, 1] and d["sort::u32"]["results"] >= 10, d["sort::u32"]
assert ev("codec::base64") == [1, 2, 0, 2] and d["codec::base64"]["results"] == 4, d["codec::base64"]
assert ev("checksum::crc32") == [1, 2, 0, 1] and d["checksum::crc32"]["results"] == 2, d["checksum::crc32"]
assert ev("wire::frame") == [0, 0, 0, 0] and d["wire::frame"]["results"] == 0
# the order of 'for' is not by evidence alone: codec::base64 is first with less
# evidence than sort::u32, by its two signers; nor by name: sort::u32 before checksum::crc32
ev = lambda n: d[n]["results"] + d[n]["impls"] + d[n]["specs"]
assert ev("codec::base64") < ev("sort::u32") and ev("checksum::crc32") < ev("sort::u32")
PY
check "  ...best: pg rank's first impl when ranked or verified, else null (crc32: verified only by bob, whom alice does not trust)" \
	python3 - "$T/disc.json" "$T" <<'PY'
import json, sys
disc = {o["name"]: o for o in json.load(open(sys.argv[1])).values()}
top = {}
for n in ("sort::u32", "codec::base64", "checksum::crc32"):
    (r,) = json.load(open("%s/rank.%s.json" % (sys.argv[2], n)))
    top[n] = r["impls"][0]
    assert disc[n]["best"] == (top[n]["name"] if top[n]["status"] in ("ranked", "unbenched") else None), (n, disc[n], top[n])
assert top["sort::u32"]["status"] == "ranked" and top["codec::base64"]["status"] == "unbenched", top
assert top["checksum::crc32"]["status"] == "unverified" and disc["checksum::crc32"]["best"] is None, top
assert disc["sort::u32"]["best"] != "sort-py-wrong"
assert all(disc[n]["best"] is None for n in ("codec", "codec::aaa", "wire::frame"))
PY
check "  ...every field of pg ls --json, and fetched_from null without --fetch" python3 - "$T/disc.json" "$T/ls.json" <<'PY'
import json, sys
disc, ls = json.load(open(sys.argv[1])), {o["id"]: o for o in json.load(open(sys.argv[2]))}
for i, d in disc.items():
    assert {k: v for k, v in d.items() if k in ls[i]} == ls[i] and d["fetched_from"] is None, d
    assert set(d) == set(ls[i]) | {"match", "specs", "impls", "benches", "results", "signers", "best", "fetched_from"}, d
PY
run by alice discover for
score=$(python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)[0]["impls"][0]["score"])' <"$T/rank.sort::u32.json")
b64best=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["impls"][0]["name"])' <"$T/rank.codec::base64.json")
row() { # the table's row of an interface, from discover --json's figures
	python3 - "$T/disc.json" "$1" "$2" <<'PY'
import json, sys
(d,) = [o for o in json.load(open(sys.argv[1])).values() if o["name"] == sys.argv[2]]
print("%.12s  %-24s %-10s %5d %5d %7d %7d %7d  %s" % (d["id"], d["name"], d["author_name"], d["specs"], d["impls"],
      d["benches"], d["results"], d["signers"], sys.argv[3]))
PY
}
check "the table: a header, then a row per interface in the order of --json" sh -c "
	[ $rc -eq 0 ] && [ \"\$(sed -n 1p '$T/out')\" = 'id            interface                author     specs impls benches results signers  best impl' ] &&
	[ \"\$(sed 1d '$T/out' | cut -c15-38 | tr -d ' ')\" = \"\$(printf 'codec::base64\nsort::u32\nchecksum::crc32\ncodec::aaa\nwire::frame')\" ]"
check "  ...sort::u32's row: its figures, and its best impl with pg rank's score" grep -qxF -- \
	"$(row sort::u32 "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["impls"][0]["name"])' <"$T/rank.sort::u32.json") ($score x baseline)")" "$T/out"
check "  ...codec::base64's row: verified, unbenched" grep -qxF -- "$(row codec::base64 "$b64best (verified, unbenched)")" "$T/out"
check "  ...wire::frame's row: nothing verified, best impl -" grep -qxF -- "$(row wire::frame -)" "$T/out"
check "  ...no row is marked new (no --fetch)" sh -c "! grep -q 'new from' '$T/out'"

expect_err 4 "no interface is named 'nonesuch', starts with it, or mentions it" "discover of nothing: exit 4 and says so" \
	by alice discover nonesuch
check "  ...with nothing on stdout" test ! -s "$T/out"
run by alice discover --json nonesuch
check "discover --json of nothing: exit 4, []" sh -c "[ $rc -eq 4 ] && [ \"\$(tr -d ' \n' <'$T/out')\" = '[]' ]"
expect_err 2 "give one name, prefix or word" "discover without a word: exit 2" by alice discover
expect_err 2 "give one name, prefix or word" "discover with two words: exit 2" by alice discover sort codec
expect 4 "discover without a store: exit 4" env PG_HOME="$T/alice.home" "$PG" -C "$T/nostore" discover sort

# --- pg discover --fetch -----------------------------------------------------------

# bob pulled alice at T4; since then alice publishes (dated now, no PG_NOW)
mkiface alice rot::thirteen "Rotates each letter thirteen places, for fun."
rot13=$id
before=$(cd "$T/bob" && snapshot)
expect_err 4 "no interface is named 'rotates'" "without --fetch, bob does not find what alice published since" \
	by bob discover rotates
run by bob discover --json for
check "  ...nor among the interfaces mentioning 'for'" sh -c "[ $rc -eq 0 ] && ! grep -q 'rot::thirteen' '$T/out' && grep -q 'codec::base64' '$T/out'"
check "  ...and fetched nothing: bob's store is unchanged" test "$(cd "$T/bob" && snapshot)" = "$before"
cp -a "$T/bob" "$T/bob2"
cp -a "$T/bob.home" "$T/bob2.home"

run by bob discover --fetch rotates
check "discover --fetch rotates: exit 0, alice's new interface, marked 'new from alice'" \
	sh -c "[ $rc -eq 0 ] && grep -Eq '^${rot13:0:12}  rot::thirteen +alice +0 +0 +0 +0 +0  -  new from alice\$' '$T/out' && [ \$(wc -l <'$T/out') -eq 2 ]"
check "  ...with no warning" sh -c "! grep -q warning '$T/err'"
run by bob ls
check "  ...and it is in bob's store now" grep -q "^${rot13:0:12}  interface  rot::thirteen" "$T/out"
check "  ...with alice's log at alice's tip" test "$(tip_of bob alice)" = "$(tip_of alice alice)"
run by bob discover --fetch rotates
check "a second --fetch finds it without the mark" \
	sh -c "[ $rc -eq 0 ] && grep -q '^${rot13:0:12}  rot::thirteen ' '$T/out' && ! grep -q 'new from' '$T/out'"
run by bob find type=interface since=1d
check "find since=1d (the real clock): only what was published today" test "$(cut -c1-12 "$T/out")" = "${rot13:0:12}"

run by bob2 discover --fetch --json for
check "discover --fetch --json: fetched_from 'alice' for the new interface, null for the rest" python3 - "$T/out" "$rc" "$rot13" <<'PY'
import json, sys
assert sys.argv[2] == "0"
d = json.load(open(sys.argv[1]))
assert [o["name"] for o in d][:3] == ["codec::base64", "sort::u32", "checksum::crc32"], [o["name"] for o in d]
new = [o for o in d if o["fetched_from"] is not None]
assert [(o["id"], o["fetched_from"], o["match"]) for o in new] == [(sys.argv[3], "alice", "word")], new
assert len(d) == 6 and all(o["fetched_from"] is None for o in d if o["id"] != sys.argv[3])
PY
run by bob2 discover --fetch --json for
check "  ...and null for every one on a second --fetch" python3 -c "
import json
d = json.load(open('$T/out'))
assert len(d) == 6 and all(o['fetched_from'] is None for o in d) and '$rot13' in [o['id'] for o in d]"

# a remote that points nowhere: a warning, the other remotes are asked, local results
expect 0 "bob adds a remote 'aaa' whose path is no store" by bob remote add aaa "$T/nowhere"
mkiface alice rot::five "Rotates by five."
rot5=$id
run by bob discover --fetch rotates
check "discover --fetch with a dead remote: exit 0, 'warning: cannot ask aaa: ...'" \
	sh -c "[ $rc -eq 0 ] && grep -q '^warning: cannot ask aaa: ' '$T/err'"
check "  ...alice was asked all the same: rot::five new from alice, rot::thirteen unmarked" \
	sh -c "grep -Eq '^${rot5:0:12}  rot::five .*  new from alice\$' '$T/out' && grep -q '^${rot13:0:12}  rot::thirteen .* -\$' '$T/out'"
run by bob discover --fetch --json codec
check "  ...and with --json, stdout is JSON and the warning on stderr" python3 -c "
import json
d = json.load(open('$T/out'))
assert $rc == 0 and [o['name'] for o in d][2:] == ['codec::base64', 'codec::aaa', 'wire::frame'], d"
expect_err 4 "no interface is named 'nonesuch'" "discover --fetch of nothing, with a dead remote: exit 4" \
	by bob discover --fetch nonesuch
check "  ...after the warning" err_has "warning: cannot ask aaa"

# a log a remote sends that this store refuses: a warning, the rest is found
PG_NOW=$T4 person carol
mkiface carol carol::rotor "Rotates rotors."
expect 0 "bob blocks carol" by bob block id "$(key_of carol)" --reason "test"
by alice -q remote add carol "$T/carol"
expect 0 "alice pulls carol" by alice pull -q carol
mkiface alice rot::seven "Rotates by seven."
rot7=$id
run by bob discover --fetch rotates
check "discover --fetch with a refused log: exit 0, 'warning: alice sent a log of CAROL that was refused: ...'" \
	sh -c "[ $rc -eq 0 ] && grep -q '^warning: alice sent a log of $(key_of carol | cut -c1-12) that was refused: ' '$T/err'"
check "  ...alice's new interface is found and marked, carol's is not there" \
	sh -c "grep -Eq '^${rot7:0:12}  rot::seven .*  new from alice\$' '$T/out' && ! grep -q rotor '$T/out'"
check "  ...and carol's objects were not adopted" test -z "$(by bob find author="$(key_of carol)")"

# no remotes at all: a warning, and what this store holds
run by carol discover --fetch rotors
check "discover --fetch with no remote: exit 0, a warning, the local interface" \
	sh -c "[ $rc -eq 0 ] && grep -q '^warning: no remotes to ask' '$T/err' && grep -q ' carol::rotor  ' '$T/out'"
expect_err 4 "no interface is named 'nonesuch'" "discover --fetch with no remote and no match: exit 4" \
	by carol discover --fetch nonesuch
check "  ...after the warning" err_has "warning: no remotes to ask"

echo "# $n tests"
