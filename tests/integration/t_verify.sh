# t_verify.sh - what a user relies on from pg new, pg gen and pg verify:
# the README flow from an empty directory to a passing implementation,
# the corpus's verdicts and their formats, signed results, recorded
# counterexamples, refusals at publish time, scripts, shared cases, and a
# build cache keyed by content.
. "$(dirname "$0")/lib.sh"
C=$ROOT/objects/geometry-circle
# Reachable by the sandbox's uid, so that (as root) builds are cached in
# this store's .pg/cache, not the shared /var/tmp/pg-cache: every run starts
# cold and nothing left by earlier runs can hide a cache keyed wrongly.
chmod 755 "$T"

# known_bug DESCRIPTION CONDITION...: a check that exposes a pg bug not yet
# fixed.  While the bug is there it prints a '# KNOWN PG BUG' comment (not
# counted, so the suite stays green); PG_ITEST_STRICT=1 makes it a failure.
# Once pg is fixed it passes as an ordinary check.
known_bug() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	elif [ "${PG_ITEST_STRICT:-}" = 1 ]; then
		not_ok "$what (KNOWN PG BUG)"
	else
		echo "# KNOWN PG BUG (not counted; PG_ITEST_STRICT=1 fails on it): $what"
	fi
}

# row IMPL SPEC: "passed failed errored" of that row of the last table in
# $T/out, then the failure shown under it (if any)
cat >"$T/table.py" <<'PY'
import re, sys
rows, cur = {}, None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.match(r"^  (\S+) +(\S+) +(\d+) +(\d+) +(\d+)$", line)
    if m:
        cur = (m[1], m[2])
        rows[cur] = ["%s %s %s" % (m[3], m[4], m[5])]
    elif cur and line.startswith("    "):
        rows[cur].append(line.strip())
    else:
        cur = None
print("\n".join(rows.get((sys.argv[2], sys.argv[3]), ["missing"])))
PY
row() { python3 "$T/table.py" "$T/out" "$1" "$2"; }
counts() { row "$1" "$2" | sed -n 1p; }
# failed_with IMPL SPEC: the row failed some cases and shows the first
# failure with its input, the expected answer and the actual one
failed_with() {
	local r
	r=$(row "$1" "$2")
	set -- $(printf '%s\n' "$r" | head -1)
	[ "$2" -gt 0 ] && printf '%s\n' "$r" | grep -q '^first failure: ' &&
		printf '%s\n' "$r" | grep -q '^input  *\[' && printf '%s\n' "$r" | grep -q '^expected  *true' &&
		printf '%s\n' "$r" | grep -q '^actual  *false'
}
ntype() { "$PG" ls --type "$1" | wc -l; }
files() { (cd "$1" && ls | tr '\n' ' '); }

# --- 1. the README flow, as a newcomer does it -----------------------------
mkdir -p "$T/s" "$T/scratch"
cd "$T/s"
run sh -c '"$PG" init -q && "$PG" id new --name alice -q'
check "pg init and pg id new in an empty directory" test "$rc" -eq 0 -a -f .pg/HEAD

run "$PG" new interface geometry::circle
check "pg new interface geometry::circle makes circle-iface/: interface.pgi, README.md, pg.yaml" \
	test "$rc" -eq 0 -a "$(files circle-iface)" = "README.md interface.pgi pg.yaml " -a "$(cat "$T/out")" = "circle-iface/"
# published in a store of its own: two geometry::circle by one author would
# make the corpus's 'interface: geometry::circle' resolve to the newest one
(cd "$T/scratch" && "$PG" init -q)
run "$PG" -C "$T/scratch" publish "$T/s/circle-iface"
check "the interface skeleton publishes as it is" sh -c "[ $rc -eq 0 ] && grep -q ' interface geometry::circle\$' '$T/out'"

expect 0 "publish the corpus interface, its specs and circle-c" \
	"$PG" publish "$C/interface" "$C/spec-founding" "$C/spec-random" "$C/impl-c"
iface=$("$PG" ls --type interface --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

run "$PG" new impl geometry::circle --lang c --name mine mine-c
check "pg new impl --lang c --name mine makes circle.h, impl.c, the runtime and pg.yaml" \
	test "$rc" -eq 0 -a "$(files mine-c)" = "circle.h impl.c pg.yaml pg_runtime.c pg_runtime.h "
check "  ...whose pg.yaml names it, pins the interface by id, and says how to build and run" sh -c "
	grep -qx 'name: mine' mine-c/pg.yaml && grep -q '^interface: $iface  # geometry::circle' mine-c/pg.yaml &&
	grep -qx 'build: cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm' mine-c/pg.yaml && grep -qx 'run: ./impl' mine-c/pg.yaml"
cp mine-c/impl.c "$T/skeleton.c"
run "$PG" new impl geometry::circle --lang python --name mine mine-c
check "pg new into an existing directory refuses (exit 3) and leaves it as it was" sh -c "
	[ $rc -eq 3 ] && grep -q \"'mine-c' already exists\" '$T/err' && cmp -s mine-c/impl.c '$T/skeleton.c'"

run "$PG" verify ./mine-c
check "pg verify of the untouched C skeleton exits 1, showing the first failure's input, expected, actual" sh -c "
	[ $rc -eq 1 ] && grep -q 'first failure: case 1 (should return true when the circles are same size)' '$T/out' &&
	grep -q '^      input     \[{\"radius\":3.0,\"center\":\[0.0,1.0\]},' '$T/out' &&
	grep -q '^      expected  true' '$T/out' && grep -q '^      actual    false' '$T/out'"

# the body a newcomer would write
python3 - mine-c/impl.c <<'PY'
import re, sys
p, op = sys.argv[1], "<="
s = open(p).read()
body = ("double dx = self->center._0 - b.center._0, dy = self->center._1 - b.center._1;\n"
        "\tdouble r = self->radius + b.radius;\n\treturn dx * dx + dy * dy %s r * r;\n" % op)
s, n = re.subn(r"\(void\)self;.*?return false;\n", lambda m: body, s, flags=re.S)
assert n == 1, "the skeleton's body is not where it was"
open(p, "w").write(s)
PY
run "$PG" verify ./mine-c
check "after filling in impl.c, pg verify ./mine-c exits 0, every case of both specs passed" sh -c "
	[ $rc -eq 0 ] && grep -Eq '^  mine +circle-founding +3 +0 +0\$' '$T/out' && grep -Eq '^  mine +circle-random +[0-9]+ +0 +0\$' '$T/out'"
check "verifying a working directory publishes no result" test "$(ntype result)" -eq 0

run "$PG" new impl geometry::circle --lang python --name mine-py mine-py
check "pg new impl --lang python makes circle.py, impl.py, the runtime and a pg.yaml that runs python3" sh -c "
	[ $rc -eq 0 ] && [ \"\$(cd mine-py && ls | tr '\n' ' ')\" = 'circle.py impl.py pg.yaml pg_runtime.py ' ] &&
	grep -qx 'name: mine-py' mine-py/pg.yaml && grep -qx 'run: python3 impl.py' mine-py/pg.yaml && grep -q '^build: ' mine-py/pg.yaml"
run "$PG" verify ./mine-py
check "pg verify of the untouched Python skeleton exits 1 with the first failure" sh -c "
	[ $rc -eq 1 ] && grep -q 'first failure: case 1' '$T/out' && grep -q '^      actual    false' '$T/out'"
python3 - mine-py/impl.py <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = "    # TODO: the real work\n    return False\n"
assert old in s, "the skeleton's body is not where it was"
s = s.replace(old, "    dx = self.center[0] - b.center[0]\n    dy = self.center[1] - b.center[1]\n"
                   "    r = self.radius + b.radius\n    return dx * dx + dy * dy <= r * r\n")
open(p, "w").write(s)
PY
run "$PG" verify ./mine-py
check "after filling in impl.py, pg verify ./mine-py exits 0, every case of both specs passed" sh -c "
	[ $rc -eq 0 ] && grep -Eq '^  mine-py +circle-founding +3 +0 +0\$' '$T/out' && grep -Eq '^  mine-py +circle-random +[0-9]+ +0 +0\$' '$T/out'"

# --- 2. pg new spec ---------------------------------------------------------
cd "$T/scratch"
run "$PG" new spec geometry::circle
check "pg new spec geometry::circle writes one example per function of the interface" sh -c "
	[ $rc -eq 0 ] && [ \"\$(grep -c '^    call: ' circle-spec/cases.yaml)\" -eq \"\$('$PG' gen idl geometry::circle | grep -c '^ *fn ')\" ] &&
	grep -q '^    call: Circle.scaled\$' circle-spec/cases.yaml && grep -q '^    call: sum\$' circle-spec/cases.yaml"
run "$PG" publish circle-spec
check "  ...and publishes as it is (checked against the interface)" sh -c "[ $rc -eq 0 ] && grep -q ' spec circle-spec\$' '$T/out'"
cd "$T/s"

# --- 3. pg gen ---------------------------------------------------------------
mkdir genc genpy
cp mine-c/impl.c mine-c/pg_runtime.c mine-c/pg_runtime.h genc/
cp mine-py/impl.py mine-py/pg_runtime.py genpy/
"$PG" gen c geometry::circle >genc/circle.h
"$PG" gen python geometry::circle >genpy/circle.py
REQ='{"id":1,"call":"Circle.intersects_circle","args":[{"radius":1.0,"center":[0.0,0.0]},{"radius":1.0,"center":[2.0,0.0]}]}'
run sh -c "cd genc && cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm && printf '%s\n' '$REQ' | ./impl"
check "pg gen c output builds with pg new's runtime and answers on the wire" test "$rc" -eq 0 -a "$(cat "$T/out")" = '{"id":1,"ok":true}'
run sh -c "cd genpy && python3 -c 'import circle; circle.Circle' && printf '%s\n' '$REQ' | python3 impl.py"
check "pg gen python output imports and serves impl.py" test "$rc" -eq 0 -a "$(cat "$T/out")" = '{"id":1,"ok":true}'
run "$PG" gen idl geometry::circle
cp "$T/out" "$T/canon.pgi"
check "pg gen idl prints the canonical interface" grep -qxF "    fn intersects_circle(&self, b: Circle) -> bool;" "$T/canon.pgi"
mkdir reformatted
printf 'type: interface\nname: geometry::reformatted\n' >reformatted/pg.yaml
sed -e 's/^    /\t\t/' -e '/^[[:space:]]*\/\//!s/: /  :   /g' -e 's/^}/\n}\n/' "$C/interface/interface.pgi" >reformatted/interface.pgi
run "$PG" gen idl ./reformatted
check "  ...the same text for a reformatted interface" cmp -s "$T/out" "$T/canon.pgi"
expect_err 2 "no bindings for 'rust'" "pg gen of an unknown language is a usage error" "$PG" gen rust geometry::circle

# --- 4. the corpus ---------------------------------------------------------
# what the corpus holds: one object per pg.yaml; per interface directory,
# one verify result per impl x spec
corpus_objects=$(find "$ROOT/objects" -name pg.yaml | wc -l)
corpus_pairs=0
for d in "$ROOT"/objects/*/; do
	ni=$(grep -lx 'type: impl' "$d"*/pg.yaml | wc -l)
	ns=$(grep -lx 'type: spec' "$d"*/pg.yaml | wc -l)
	corpus_pairs=$((corpus_pairs + ni * ns))
done
run "$PG" publish -r "$ROOT/objects"
check "pg publish -r objects/ publishes the rest of the corpus ($((corpus_objects - 4)) objects), leaving what was published alone" sh -c "
	[ $rc -eq 0 ] && grep -q '^published $((corpus_objects - 4)) objects as alice (the rest unchanged)\$' '$T/err' &&
	[ \$(grep -c '^unchanged: ' '$T/err') -eq 4 ] && [ \$(grep -c '^[0-9a-f]\{64\} ' '$T/out') -eq $((corpus_objects - 4)) ]"
run "$PG" verify geometry::circle
check "pg verify geometry::circle exits 1; circle-c and circle-py pass both specs" sh -c "
	[ $rc -eq 1 ] || exit 1
	for i in circle-c circle-py; do for s in circle-founding circle-random; do
		python3 '$T/table.py' '$T/out' \$i \$s | sed -n 1p | grep -Eq '^[1-9][0-9]* 0 0\$' || exit 1; done; done"
check "  ...circle-cheat passes the founding text's cases" test "$(counts circle-cheat circle-founding)" = "3 0 0"
check "  ...circle-cheat fails circle-random: first failure, input, expected, actual" failed_with circle-cheat circle-random
check "  ...circle-tangent fails circle-random: first failure, input, expected, actual" failed_with circle-tangent circle-random
run "$PG" verify math::stats
check "pg verify math::stats exits 0, both impls passing" sh -c "
	[ $rc -eq 0 ] && grep -Eq '^  stats-c +stats-basic +[0-9]+ +0 +0\$' '$T/out' && grep -Eq '^  stats-py +stats-basic +[0-9]+ +0 +0\$' '$T/out'"
run "$PG" verify sort::u32
sorts_pass() {
	[ "$rc" -eq 0 ] || return 1
	for i in sort-c-qsort sort-c-radix sort-py; do
		grep -Eq "^  $i +sort-basic +[1-9][0-9]* +0 +0\$" "$T/out" || return 1
	done
}
check "pg verify sort::u32 exits 0, its three impls passing" sorts_pass
# every other interface of the corpus: each of its impls passes each of its specs
for d in "$ROOT"/objects/*/; do
	name=$(sed -n 's/^name: //p' "$d/interface/pg.yaml")
	case $name in geometry::circle | math::stats | sort::u32) continue ;; esac
	run "$PG" verify "$name"
	impls=$(grep -lx 'type: impl' "$d"*/pg.yaml | xargs -n1 sed -n 's/^name: //p')
	specs=$(grep -lx 'type: spec' "$d"*/pg.yaml | xargs -n1 sed -n 's/^name: //p')
	check "pg verify $name exits 0, every impl passing every spec" sh -c "
		[ $rc -eq 0 ] || exit 1
		for i in $(echo $impls); do for s in $(echo $specs); do
			grep -Eq \"^  \$i +\$s +[1-9][0-9]* +0 +0\$\" '$T/out' || exit 1; done; done"
done

# --- 6. results (5 uses them below) -------------------------------------------
# every result, as pg show --json gives it
python3 - "$PG" >"$T/shown.json" <<'PY'
import json, subprocess, sys
pg = lambda *a: json.loads(subprocess.run([sys.argv[1], *a], capture_output=True, check=True).stdout)
json.dump([pg("show", "--json", o["id"]) for o in pg("ls", "--type", "result", "--json")], sys.stdout)
PY
check "pg ls --type result: one result per published impl x spec ($corpus_pairs)" python3 - "$T/shown.json" "$PG" "$corpus_pairs" <<'PY'
import json, subprocess, sys
docs = json.load(open(sys.argv[1]))
pg = lambda *a: json.loads(subprocess.run([sys.argv[2], *a], capture_output=True, check=True).stdout)
got = sorted((d["fields"]["subject"], d["fields"]["against"]) for d in docs)
of = lambda t: [(o["id"], pg("show", "--json", o["id"])["fields"]["interface"]) for o in pg("ls", "--type", t, "--json")]
want = sorted((i, s) for i, fi in of("impl") for s, fs in of("spec") if fi == fs)
assert len(want) == int(sys.argv[3]) and got == want and all(d["fields"]["kind"] == "verify" for d in docs), (got, want)
PY
before=$(snapshot)

# --- 5. output formats -----------------------------------------------------
run "$PG" verify --no-publish --json geometry::circle
cp "$T/out" "$T/verdicts.json"
check "--json: exit 1, valid JSON, ok false, a verdict for every impl x spec" sh -c "[ $rc -eq 1 ] && python3 - '$T/out'" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pairs = sorted((v["impl"], v["spec"]) for v in d["verdicts"])
impls = ["circle-c", "circle-cheat", "circle-py", "circle-tangent"]
assert d["ok"] is False and d["failed"] > 0
assert pairs == [(i, s) for i in impls for s in ["circle-founding", "circle-random"]], pairs
bad = {(v["impl"], v["spec"]) for v in d["verdicts"] if v["failed"]}
assert bad == {("circle-cheat", "circle-random"), ("circle-tangent", "circle-random")}, bad
f = [v for v in d["verdicts"] if v["impl"] == "circle-cheat" and v["spec"] == "circle-random"][0]["failures"][0]
assert f["input"].startswith("[{") and f["expected"] == "true" and f["actual"] == "false", f
PY
run "$PG" verify --no-publish --tap geometry::circle
check "--tap: exit 1, 'TAP version 13', a plan 1..N with N ok/not ok lines" sh -c "
	[ $rc -eq 1 ] && [ \"\$(head -1 '$T/out')\" = 'TAP version 13' ] &&
	[ \"\$(sed -n 2p '$T/out')\" = \"1..\$(grep -Ec '^(not )?ok [0-9]+ ' '$T/out')\" ] &&
	grep -q '^not ok [0-9]* - circle-cheat x circle-random: ' '$T/out' &&
	! grep -q '^not ok [0-9]* - circle-c x ' '$T/out'"
run "$PG" verify --no-publish --junit "$T/junit.xml" geometry::circle
check "--junit: exit 1, XML that parses, failures counted for the cheat only where it fails" sh -c "[ $rc -eq 1 ] && python3 - '$T/junit.xml'" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = {t.get("name"): t for t in root.iter("testsuite")}
assert len(s) == 8, list(s)
cheat = s["circle-cheat x circle-random"]
assert int(cheat.get("failures")) > 0 and int(cheat.get("failures")) == len(cheat.findall("testcase/failure"))
assert int(cheat.get("tests")) == len(cheat.findall("testcase"))
assert s["circle-c x circle-random"].get("failures") == "0" and s["circle-cheat x circle-founding"].get("failures") == "0"
PY
check "--no-publish published nothing" test "$(snapshot)" = "$before"

cheat_random=$(python3 -c "
import json; d = json.load(open('$T/verdicts.json'))
v = [v for v in d['verdicts'] if v['impl'] == 'circle-cheat' and v['spec'] == 'circle-random'][0]
print(v['impl_id'], v['spec_id'], v['passed'], v['failed'])")
set -- $cheat_random
res=$(python3 -c "
import json
print(*[d['id'] for d in json.load(open('$T/shown.json')) if d['fields'] == {'kind': 'verify', 'subject': '$1', 'against': '$2'}])")
run "$PG" show "$res"
check "pg show of circle-cheat's circle-random result: kind, subject, against, counts" sh -c "
	grep -qx 'kind      verify' '$T/out' && grep -qx 'subject   ${1:0:12}' '$T/out' && grep -qx 'against   ${2:0:12}' '$T/out' &&
	grep -qx '    result failed' '$T/out' && grep -qx '    passed $3' '$T/out' && grep -qx '    failed $4' '$T/out' &&
	grep -q '^  subject  *${1:0:12} impl circle-cheat' '$T/out'"
expect 0 "pg fsck passes with the results in the store" "$PG" fsck

# --- 7. --record ---------------------------------------------------------------
run "$PG" verify --record geometry::circle
check "pg verify --record prints what it recorded" sh -c "
	[ $rc -eq 1 ] && grep -Eq '^recorded [1-9][0-9]* counterexamples? as spec circle-counterexamples \([0-9a-f]{12}\)\$' '$T/out'"
rec=$("$PG" ls --type spec --name circle-counterexamples --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
check "  ...a spec circle-counterexamples appears" sh -c "'$PG' ls --type spec | grep -q '^${rec:0:12}  spec  *circle-counterexamples '"
run "$PG" verify --no-publish --json "$rec"
check "  ...which fails circle-cheat and circle-tangent and passes circle-c and circle-py" sh -c "[ $rc -eq 1 ] && python3 - '$T/out'" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["impl"]: x for x in d["verdicts"]}
assert {x["spec"] for x in d["verdicts"]} == {"circle-counterexamples"} and len(v) == 4
assert v["circle-c"]["failed"] == 0 and v["circle-py"]["failed"] == 0 and v["circle-c"]["passed"] > 0
assert v["circle-cheat"]["failed"] > 0 and v["circle-tangent"]["failed"] > 0
PY

# --- 8. refusals at publish time ---------------------------------------------
before=$(snapshot)
# refused DIR TEXT DESCRIPTION: exit 3, stderr has TEXT, the store unchanged
refused() {
	run "$PG" publish "$1"
	if [ "$rc" -eq 3 ] && err_has "$2" && [ "$(snapshot)" = "$before" ]; then
		ok "$3"
	else
		not_ok "$3 (exit $rc, wanted 3 with '$2' and nothing published)"
	fi
}
mkdir -p bad-syntax bad-type bad-nopgi
for d in bad-syntax bad-type bad-nopgi; do printf 'type: interface\nname: geometry::%s\n' "${d#bad-}" >$d/pg.yaml; done
printf 'struct Circle {\n    radius f64,\n}\n' >bad-syntax/interface.pgi
printf 'struct Circle {\n    radius: f64,\n}\nfn grow(c: Circel) -> Circle;\n' >bad-type/interface.pgi
echo '# no interface here' >bad-nopgi/README.md
refused bad-syntax "bad-syntax/interface.pgi:2:12: expected ':' after field name 'radius'" \
	"a syntax error in interface.pgi is refused at its line:col"
refused bad-type "bad-type/interface.pgi:4:12: unknown type 'Circel': did you mean 'Circle'?" \
	"an unknown type is refused, with a suggestion"
refused bad-nopgi "an interface needs interface.pgi" "an interface directory without interface.pgi is refused"

badspec() { # NAME: a spec directory whose cases.yaml is stdin
	mkdir -p "$1"
	printf 'type: spec\nname: %s\ninterface: geometry::circle\n' "$1" >"$1/pg.yaml"
	cat >"$1/cases.yaml"
}
badspec spec-argtype <<'EOF'
cases:
  - description: fine
    call: Circle.intersects_circle
    args: [{radius: 1.0, center: [0.0, 0.0]}, {radius: 1.0, center: [0.0, 0.0]}]
    expect: true
  - description: a string radius
    call: Circle.intersects_circle
    args: [{radius: 1.0, center: [0.0, 0.0]}, {radius: "big", center: [0.0, 0.0]}]
    expect: true
EOF
badspec spec-nofn <<'EOF'
cases:
  - description: no such function
    call: Circle.area
    args: [{radius: 1.0, center: [0.0, 0.0]}]
    expect: 3.14
EOF
badspec spec-arity <<'EOF'
cases:
  - description: one argument short
    call: Circle.intersects_circle
    args: [{radius: 1.0, center: [0.0, 0.0]}]
    expect: true
EOF
refused spec-argtype "spec-argtype/cases.yaml:8:56: case 2 (a string radius) argument b field radius: expected f64" \
	"a case with an argument of the wrong type is refused at its line:col"
refused spec-nofn "spec-nofn/cases.yaml:3:11: case 1 (no such function): the interface has no function 'Circle.area'" \
	"a case calling a function the interface lacks is refused"
refused spec-arity "spec-arity/cases.yaml:4:11: case 1 (one argument short): Circle.intersects_circle takes 2 arguments" \
	"a case with the wrong number of arguments is refused"

# --- 9. scripts -------------------------------------------------------------
mkdir scripts
printf 'type: spec\nname: circle-scripts\ninterface: geometry::circle\n' >scripts/pg.yaml
cat >scripts/cases.yaml <<'EOF'
scripts:
  - description: touching circles meet, over the wire
    run: sh touch.sh
    format: tap
  - description: a circle inside another meets it
    run: sh inside.sh
    format: exit
EOF
cat >scripts/touch.sh <<'EOF'
# two requests, each to a fresh run of the implementation, judged here
ask() { printf '%s\n' "$1" | sh -c "$PG_IMPL"; }
echo 1..2
a=$(ask '{"id":1,"call":"Circle.intersects_circle","args":[{"radius":1.0,"center":[0.0,0.0]},{"radius":1.0,"center":[2.0,0.0]}]}')
[ "$a" = '{"id":1,"ok":true}' ] && echo "ok 1 - touching circles meet" || echo "not ok 1 - touching circles meet: got $a"
a=$(ask '{"id":2,"call":"Circle.intersects_circle","args":[{"radius":1.0,"center":[0.0,0.0]},{"radius":1.0,"center":[5.0,0.0]}]}')
[ "$a" = '{"id":2,"ok":false}' ] && echo "ok 2 - far circles do not" || echo "not ok 2 - far circles do not: got $a"
EOF
cat >scripts/inside.sh <<'EOF'
a=$(printf '%s\n' '{"id":7,"call":"Circle.intersects_circle","args":[{"radius":5.0,"center":[0.0,0.0]},{"radius":1.0,"center":[1.0,1.0]}]}' | sh -c "$PG_IMPL")
[ "$a" = '{"id":7,"ok":true}' ] || { echo "got $a" >&2; exit 1; }
EOF
run "$PG" publish scripts
scr=$(cut -d' ' -f1 "$T/out")
pubrc=$rc
run "$PG" verify --no-publish --json "$scr"
check "a published spec's TAP script passes circle-c and circle-py, counting each test; fails circle-cheat" \
	sh -c "[ $pubrc -eq 0 ] && [ $rc -eq 1 ] && python3 - '$T/out'" <<'PY'
import json, sys
v = {x["impl"]: x for x in json.load(open(sys.argv[1]))["verdicts"]}
for i in ("circle-c", "circle-py"):
    assert (v[i]["passed"], v[i]["failed"], v[i]["errored"]) == (3, 0, 0), v[i]
f = {x["case"]: x for x in v["circle-cheat"]["failures"]}
assert f["script-1"]["actual"].startswith('not ok 1 - touching circles meet: got {"id":1,"ok":false}'), f
PY
check "  ...and its exit script passes circle-tangent and fails circle-cheat (exit 1, its stderr shown)" python3 - "$T/out" <<'PY'
import json, sys
v = {x["impl"]: x for x in json.load(open(sys.argv[1]))["verdicts"]}
assert "script-2" not in {x["case"] for x in v["circle-tangent"]["failures"]}, v["circle-tangent"]
f = {x["case"]: x for x in v["circle-cheat"]["failures"]}
assert f["script-2"]["expected"] == "exit 0" and f["script-2"]["actual"] == 'exit 1: got {"id":7,"ok":false}', f
PY
echo 'exit 1' >scripts/inside.sh
run "$PG" verify --no-publish --json ./scripts
check "a script of format exit that exits 1 is a failure, for every impl" sh -c "[ $rc -eq 1 ] && python3 - '$T/out'" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["verdicts"]
assert len(d) == 4
for v in d:
    f = {x["case"]: x for x in v["failures"]}
    assert f["script-2"]["expected"] == "exit 0" and f["script-2"]["actual"].startswith("exit 1"), v
PY
# cmd/verify.c print_tap writes the reason between double quotes without
# escaping it, so a reason holding '"' (any JSON answer) breaks the YAML block
run "$PG" verify --no-publish --tap "$scr"
known_bug "--tap: a failure's reason is a valid YAML string (quotes escaped)" python3 - "$T/out" <<'PY'
import json, sys
reasons = [l[len("  reason: "):] for l in open(sys.argv[1]).read().splitlines() if l.startswith("  reason: ")]
assert reasons
for r in reasons:
    try:
        json.loads(r)  # a YAML double-quoted scalar, written the JSON way
    except ValueError:
        sys.exit(1)
PY

# --- 10. a case shared by specs; the majority ---------------------------------
touching='[{radius: 1.0, center: [0.0, 0.0]}, {radius: 1.0, center: [2.0, 0.0]}]'
for s in dup-a dup-b; do
	mkdir $s
	printf 'type: spec\nname: %s\ninterface: geometry::circle\n' $s >$s/pg.yaml
	printf 'cases:\n  - {description: touching (%s), call: Circle.intersects_circle, args: %s, expect: true}\n' \
		$s "$touching" >$s/cases.yaml
done
echo '  - {description: far, call: Circle.intersects_circle, args: [{radius: 1.0, center: [0.0, 0.0]}, {radius: 1.0, center: [9.0, 0.0]}], expect: false}' >>dup-b/cases.yaml
run "$PG" publish dup-a dup-b
pubrc=$rc
run "$PG" verify --no-publish --json geometry::circle
check "two published specs sharing a case each count it, passed or failed" python3 - "$T/out" "$pubrc" <<'PY'
import json, sys
v = {(x["impl"], x["spec"]): x for x in json.load(open(sys.argv[1]))["verdicts"]}
n = lambda i, s: (v[i, s]["passed"], v[i, s]["failed"])
assert sys.argv[2] == "0"
assert n("circle-c", "dup-a") == (1, 0) and n("circle-c", "dup-b") == (2, 0), v
assert n("circle-cheat", "dup-a") == (0, 1) and n("circle-cheat", "dup-b") == (1, 1)
assert v["circle-cheat", "dup-a"]["failures"][0]["case"] == v["circle-cheat", "dup-b"]["failures"][0]["case"]
PY

# a third math::stats impl whose median of an even count is the lower middle
# value: the two published impls outvote it in the block without a reference
cp -r "$ROOT/objects/math-stats/impl-py" lowmed
sed -i 's/^name: .*/name: stats-lowmedian/' lowmed/pg.yaml
python3 - lowmed/impl.py <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = "return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2"
assert old in s
open(p, "w").write(s.replace(old, "return v[(n - 1) // 2]"))
PY
run "$PG" verify --no-publish --json ./lowmed
check "a random block without reference: the majority's answer is expected" sh -c "[ $rc -eq 1 ] && python3 - '$T/out'" <<'PY'
import json, sys
(v,) = json.load(open(sys.argv[1]))["verdicts"]
assert v["impl"] == "stats-lowmedian" and v["failed"] > 0
r1 = [f for f in v["failures"] if f["what"].startswith("random 1 (medians agree with the majority)")]
assert r1 and not [f for f in v["failures"] if f["what"].startswith("random 2")], v["failures"]
f = r1[0]  # shrunk to two values: the majority says their mean
a, b = json.loads(f["input"])[0]
assert f["shrunk"] and float(f["expected"]) == (a + b) / 2 and float(f["actual"]) == min(a, b), f
PY

# --- 11. what to verify ---------------------------------------------------------
run "$PG" verify --no-publish
check "pg verify with no argument verifies every interface with impls" sh -c "
	[ $rc -eq 1 ] && [ \"\$(grep -Ec '^(geometry::circle|math::stats) \(' '$T/out')\" -eq 2 ] &&
	grep -Eq '^  stats-py +stats-basic ' '$T/out' && grep -Eq '^  circle-py +dup-b ' '$T/out'"
expect_err 4 "no interface 'nosuch::thing'" "pg verify of an unknown interface exits 4" "$PG" verify nosuch::thing
verdicts() { "$PG" verify --no-publish --json -j "$1" geometry::circle math::stats | python3 -c '
import json, sys
for v in json.load(sys.stdin)["verdicts"]:
    print(v["impl"], v["spec"], v["passed"], v["failed"], v["errored"], v["log"])' | sort; }
verdicts 1 >"$T/j1"
verdicts 2 >"$T/j2"
check "-j 1 and -j 2 give the same verdicts, case by case" sh -c "[ \$(wc -l <'$T/j1') -eq 26 ] && cmp -s '$T/j1' '$T/j2'"
# Without bubblewrap on PATH pg still finds /usr/bin/bwrap (lib/sandbox.c,
# bwrap_find), so a missing bubblewrap cannot be simulated here; --no-sandbox
# is what a user without it runs.
run "$PG" verify --no-publish --no-sandbox math::stats
check "--no-sandbox verifies, saying the code ran unconfined" sh -c "
	[ $rc -eq 0 ] && grep -q 'unconfined' '$T/err' && grep -Eq '^  stats-c +stats-basic +[0-9]+ +0 +0\$' '$T/out'"

# --- 12. the build cache is keyed by content ----------------------------------
cp mine-c/impl.c "$T/good.c"
sed -i 's/return dx \* dx/return dx * * dx/' mine-c/impl.c
run "$PG" verify --no-publish ./mine-c
check "a working directory that no longer compiles: build failed" sh -c "
	[ $rc -eq 1 ] && grep -q 'build failed' '$T/out' && grep -q 'error:' '$T/out'"
cp "$T/good.c" mine-c/impl.c
expect 0 "  ...fixed, it is built again and passes" "$PG" verify --no-publish ./mine-c
sed -i 's/dx \* dx + dy \* dy <= r \* r/dx * dx + dy * dy < r * r/' mine-c/impl.c
run "$PG" verify --no-publish ./mine-c
check "  ...a one-character change is rebuilt too: touching circles now fail" sh -c "
	[ $rc -eq 1 ] && python3 '$T/table.py' '$T/out' mine circle-random | grep -q '^expected  *true'"
cp "$T/good.c" mine-c/impl.c
expect 0 "  ...and restored, it passes again" "$PG" verify --no-publish ./mine-c
expect 0 "pg fsck passes at the end" "$PG" fsck
echo "# $n tests"
