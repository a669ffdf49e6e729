# t_trust.sh - what a user relies on from pg trust, pg block, pg rep, pg id's
# key lifecycle and pg config: claims published or kept private, trust that
# spreads along claims and nowhere else, blocks that keep code out of builds
# and logs out of the store, rotations and revocations honoured (and forged
# ones refused), floods of claims that gain nothing, lies caught by a re-run,
# and specs by strangers skipped until you trust them.
#
# Hostile objects are signed by tests/tools/signobj (the objects a modified
# pg could publish) and tests/tools/forge (many claims in one entry).
. "$(dirname "$0")/lib.sh"
C=$ROOT/objects/geometry-circle
SIGNOBJ=$(dirname "$PG")/tests/signobj
FORGE=$(dirname "$PG")/tests/forge
[ -x "$SIGNOBJ" ] && [ -x "$FORGE" ] || { echo "not ok 1 - $SIGNOBJ or $FORGE is not built (make all)"; exit 1; }
# builds are cached in the stores' .pg/cache (see t_verify.sh)
chmod 755 "$T"

# signobj WHO ARGS... < FIELDS: tests/tools/signobj on WHO's store, with WHO's keys
signobj() {
	local who=$1
	shift
	PG_HOME="$T/$who.home" "$SIGNOBJ" -C "$T/$who" "$@"
}
# follow WHO OTHER...: WHO adds OTHER's store as a remote named OTHER
follow() {
	local who=$1 o
	shift
	for o; do by "$who" remote add "$o" "$T/$o" >/dev/null 2>&1; done
}
pull() { by "$1" pull -q "${2:---all}" >/dev/null 2>&1; }

# The reputation table as WHO sees it (pg rep --all --json), queried by
# $T/rep.py: 'mass KEY', 'get KEY FIELD', 'sum', 'iterations', 'max-except KEY...'
cat >"$T/rep.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = {i["key"]: i for i in d["identities"]}
op, args = sys.argv[2], sys.argv[3:]
if op == "mass":
    print(repr(ids[args[0]]["reputation"]) if args[0] in ids else "0.0")
elif op == "get":
    print(ids[args[0]][args[1]] if args[0] in ids else "")
elif op == "sum":
    print(repr(sum(i["reputation"] for i in d["identities"])))
elif op == "iterations":
    print(d["iterations"])
elif op == "max-except":
    print(repr(max([i["reputation"] for k, i in ids.items() if k not in args] or [0.0])))
PY
rep_json() { by "$1" rep --all --json >"$T/rep.json" 2>"$T/rep.err"; }
rq() { python3 "$T/rep.py" "$T/rep.json" "$@"; }
# mass WHO KEY: KEY's reputation as WHO sees it
mass() { rep_json "$1" && rq mass "$2"; }
# num A OP B: a comparison of two numbers or sums (OP as in awk: < <= == > >=)
num() { awk "BEGIN { exit !(($1) $2 ($3)) }" 2>/dev/null; }
# near A B: equal to within 1e-9
near() { awk "BEGIN { d = ($1) - ($2); exit !(d < 1e-9 && d > -1e-9) }" 2>/dev/null; }
# idof WHO TYPE NAME: the id of WHO's one object of that type and name
idof() { by "$1" ls --type "$2" --name "$3" --json | python3 -c 'import json,sys; (o,) = json.load(sys.stdin); print(o["id"])'; }
# state WHO: WHO's logs and objects, to show that something wrote nothing
state() { pub_refs "$T/$1"; by "$1" ls 2>/dev/null; }

for p in alice bob carol dan pat; do person "$p"; done
ALICE=$(key_of alice) BOB=$(key_of bob) CAROL=$(key_of carol) DAN=$(key_of dan) PAT=$(key_of pat)
follow alice bob
pull alice bob

# --- 1. pg trust: published, private, refused ---------------------------------------
run by alice trust bob high --reason "works with me"
tid=$(head -1 "$T/out")
check "pg trust bob high --reason publishes a claim and prints its id" \
	sh -c "[ $rc -eq 0 ] && printf '%s' '$tid' | grep -Eqx '[0-9a-f]{64}'"
run by alice show "$tid"
check "  ...pg show sees a trust object: subject bob's key, level high, the reason as its body" sh -c "
	[ $rc -eq 0 ] && grep -Eq '^type +trust\$' '$T/out' && grep -Eq '^subject +${BOB:0:12}' '$T/out' &&
	grep -Eq '^level +high\$' '$T/out' && grep -q 'works with me' '$T/out'"
run by alice ls --type trust
check "  ...pg ls --type trust lists it" sh -c "[ $rc -eq 0 ] && grep -q '^${tid:0:12} *trust ' '$T/out'"
run by alice trust ls
check "  ...pg trust ls: bob, high, published, with the reason" \
	grep -Eq "^bob +${BOB:0:12} high +published +[0-9]{4}-[0-9]{2}-[0-9]{2} works with me\$" "$T/out"
run by alice trust ls --json
check "  ...pg trust ls --json: the claim's id, level, reason, not private" python3 - "$T/out" "$BOB" "$tid" <<'PY'
import json, sys
(e,) = [e for e in json.load(open(sys.argv[1])) if e["key"] == sys.argv[2]]
assert e["level"] == "high" and e["private"] is False and e["reason"] == "works with me", e
assert e["claim"] == sys.argv[3] and e["name"] == "bob" and e["reputation"] > 0, e
PY

before=$(state alice)
t0=$(date +%s)
PG_NOW=$t0 run by alice trust "$PAT" medium --private --reason "a friend of a friend"
check "pg trust --private exits 0 and writes nothing to the log: refs and objects unchanged" \
	sh -c "[ $rc -eq 0 ] && [ \"\$1\" = \"\$2\" ]" - "$before" "$(state alice)"
check "  ...it is kept in .pg/policy" grep -q "\"subject\":\"$PAT\"" "$T/alice/.pg/policy"
run by alice trust ls
check "  ...pg trust ls shows it as private, with its reason" \
	grep -Eq "^${PAT:0:12} +${PAT:0:12} medium +private +[0-9-]+ a friend of a friend\$" "$T/out"

before=$(state alice)
expect_err 2 "say why with --reason" "pg trust NAME distrust without --reason is a usage error (exit 2)" by alice trust bob distrust
check "  ...and publishes nothing" test "$before" = "$(state alice)"
expect 2 "pg trust with a level that is not one is a usage error (exit 2)" by alice trust bob extreme
expect_err 3 "that is you" "trusting yourself by name is refused (exit 3)" by alice trust alice high
expect_err 3 "that is you" "trusting yourself by your full key is refused (exit 3)" by alice trust "$ALICE" low
expect_err 4 "no identity 'nobody'" "an unknown name is exit 4" by alice trust nobody high
check "  ...and none of these published anything" test "$before" = "$(state alice)"
PG_NOW=$((t0 + 1)) run by alice trust "$PAT" distrust --reason "signs what he never ran"
rep_json alice
check "distrust with a reason (a second later) is published, and as the newest claim overrides the private medium" \
	eval "[ $rc -eq 0 ] && [ \"\$(rq get $PAT level)\" = distrust ] && rq get $PAT flags | grep -qw distrusted && [ \"\$(rq mass $PAT)\" = 0.0 ]"

# "the newest claim counts": also when two claims share their second (the
# log says which came last); ten pairs, each 'high' then 'none' at one date
t0=$(date +%s)
for i in 0 1 2 3 4 5 6 7 8 9; do
	k=$(printf '%063d%d' 0 "$i")
	PG_NOW=$t0 by alice trust "$k" high -q >/dev/null 2>&1
	PG_NOW=$t0 by alice trust "$k" none -q >/dev/null 2>&1
done
run by alice trust ls --json
won=$(python3 -c 'import json, sys; print(sum(e["level"] == "none" for e in json.load(open(sys.argv[1])) if e["key"].startswith("0" * 63)))' "$T/out")
check "pg trust K high, then pg trust K none in the same second: none counts ($won of 10 pairs)" test "$won" = 10

run by alice trust "$CAROL" low --reason "met at a conference"
check "a full 64-hex key whose log has not arrived is accepted, with a note" \
	sh -c "[ $rc -eq 0 ] && grep -q 'has no identity in this store yet' '$T/err'"
rep_json alice
check "  ...pg rep lists it as not arrived" eval "rq get $CAROL flags | grep -q not-arrived"
follow alice carol
pull alice carol
rep_json alice
check "  ...once carol's log is pulled, pg rep names her, with reputation > 0" \
	eval "[ \"\$(rq get $CAROL name)\" = carol ] && num \"\$(rq mass $CAROL)\" '>' 0 && ! rq get $CAROL flags | grep -q not-arrived"
run by alice rep
check "  ...in the table too" grep -Eq "^carol +${CAROL:0:12} +[0-9.]+% low " "$T/out"

# --- 2. propagation, cycles, self-trust -------------------------------------------------
follow alice dan
pull alice dan
check "dan, whom nobody trusts, has no reputation from alice's view" test "$(mass alice "$DAN")" = 0.0
follow bob dan
pull bob dan
by bob trust dan medium -q >/dev/null
pull alice bob
check "bob trusts dan (published, pulled by alice, who trusts bob): dan's reputation > 0" num "$(mass alice "$DAN")" '>' 0
run by alice rep --why dan
check "  ...pg rep --why dan shows the path you -> bob -> dan" sh -c "[ $rc -eq 0 ] && grep -q 'you -> bob -> dan' '$T/out'"
check "  ...and the mass coming from bob" grep -q "from bob (" "$T/out"

for p in cy1 cy2 cy3; do person "$p"; done
by cy1 trust "$(key_of cy2)" high -q >/dev/null
by cy2 trust "$(key_of cy3)" high -q >/dev/null
by cy3 trust "$(key_of cy1)" high -q >/dev/null
follow cy1 cy2 cy3
pull cy1
run by cy1 rep --all --json
cp "$T/out" "$T/rep.json"
check "a cycle of trust claims (cy1 -> cy2 -> cy3 -> cy1): pg rep exits 0" test "$rc" -eq 0
check "  ...masses sum to 1 ($(rq sum)) and the walk converged ($(rq iterations) iterations)" \
	eval "near \"\$(rq sum)\" 1 && [ \"\$(rq iterations)\" -lt 1000 ]"
check "  ...all three hold reputation" eval "num \"\$(rq mass $(key_of cy2))\" '>' 0 && num \"\$(rq mass $(key_of cy3))\" '>' 0"

rep_json alice
cp "$T/rep.json" "$T/rep.before"
sid=$(printf 'subject %s\nlevel high\n' "$DAN" | signobj dan trust)
pull alice dan
rep_json alice
expect 0 "dan signs a claim trusting himself (signobj): it arrives at alice" by alice show "$sid"
check "  ...and is ignored: every reputation as it was" python3 - "$T/rep.before" "$T/rep.json" <<'PY'
import json, sys
a, b = ({i["key"]: i["reputation"] for i in json.load(open(p))["identities"]} for p in sys.argv[1:3])
assert a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-9 for k in a), (a, b)
PY

# --- 3. blocks ---------------------------------------------------------------------------
expect 0 "alice publishes geometry::circle with spec-founding, circle-c and circle-py" \
	by alice publish -q "$C/interface" "$C/spec-founding" "$C/impl-c" "$C/impl-py"
cimpl=$(idof alice impl circle-c)
pyimpl=$(idof alice impl circle-py)
expect 0 "alice verifies them" by alice verify geometry::circle
run by alice build geometry::circle
first=$(awk '{print $2; exit}' "$T/out")
check "pg build picks one of them ($first)" sh -c "[ $rc -eq 0 ] && [ -f '$T/alice/pg.lock' ]"
case $first in circle-c) picked=$cimpl other=circle-py otherid=$pyimpl ;; *) picked=$pyimpl other=circle-c otherid=$cimpl ;; esac
run by alice block impl "$picked" --reason "leaks file descriptors"
check "pg block impl ID --reason publishes a block" sh -c "[ $rc -eq 0 ] && grep -Eqx '[0-9a-f]{64}' '$T/out'"
run by alice rank geometry::circle
check "  ...pg rank lists $first as blocked by you" grep -Eq "^ +- +$first ${picked:0:10} .*blocked: blocked by you" "$T/out"
run by alice rank --json geometry::circle
check "  ...pg rank --json: status blocked" python3 -c "
import json, sys
(d,) = json.load(open('$T/out'))
(r,) = [r for r in d['impls'] if r['impl'] == '$picked']
assert r['status'] == 'blocked', r"
rm -f "$T/alice/pg.lock"
run by alice build geometry::circle
check "  ...pg build does not pick it: it builds $other" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(awk '{print \$2; exit}' '$T/out')\" = $other ] && ! grep -q '$picked' '$T/alice/pg.lock'"

person mo
MO=$(key_of mo)
follow alice mo
pull alice mo
by alice trust mo low -q >/dev/null
check "mo, trusted low, has reputation > 0" num "$(mass alice "$MO")" '>' 0
run by alice block id mo --reason "signs passes it never ran"
check "pg block id mo --reason publishes a block" test "$rc" -eq 0
by mo trust "$ALICE" low -q >/dev/null
motip=$(tip_of "$T/alice" mo)
run by alice pull mo
check "  ...a later pull refuses mo's new entries as blocked (exit 3)" \
	sh -c "[ $rc -eq 3 ] && grep -q 'refused mo .*blocked: you blocked this publisher' '$T/out'"
check "  ...and adopts nothing new from him" test "$(tip_of "$T/alice" mo)" = "$motip"
rep_json alice
check "  ...pg rep shows mo blocked, reputation 0" \
	eval "rq get $MO flags | grep -qw blocked && [ \"\$(rq mass $MO)\" = 0.0 ]"
# a block is of the identity, not of one key: its successor's log is his too
MO2=$(by mo id rotate 2>/dev/null)
by mo trust "$ALICE" medium -q >/dev/null
run by alice pull mo
check "  ...when mo rotates to a new key, the pull refuses the new key's log too: it is his (exit 3)" \
	eval "[ $rc -eq 3 ] && ! pub_refs '$T/alice' | grep -q '$MO2'"

before=$(state alice)
run by alice block impl "$otherid" --private --reason "too slow for us"
check "pg block --private exits 0 and writes nothing to the log" sh -c "[ $rc -eq 0 ] && [ \"\$1\" = \"\$2\" ]" - "$before" "$(state alice)"
run by alice rank geometry::circle
check "  ...pg rank lists $other as blocked too" grep -Eq "^ +- +$other ${otherid:0:10} .*blocked: blocked by you" "$T/out"
rm -f "$T/alice/pg.lock"
expect_err 4 "no verified implementation" "  ...so pg build has nothing left to build (exit 4)" by alice build geometry::circle
run by alice block ls
check "pg block ls lists the impl, the identity and the private block with their reasons" sh -c "
	grep -Eq '^${picked:0:12} impl $first +published +[0-9-]+ leaks file descriptors\$' '$T/out' &&
	grep -Eq '^${MO:0:12} id mo +published +[0-9-]+ signs passes it never ran\$' '$T/out' &&
	grep -Eq '^${otherid:0:12} impl $other +private +[0-9-]+ too slow for us\$' '$T/out'"
run by alice block ls --json
check "  ...and as JSON" python3 - "$T/out" "$picked" "$MO" "$otherid" <<'PY'
import json, sys
b = {e["target"]: e for e in json.load(open(sys.argv[1]))}
assert b[sys.argv[2]]["reason"] == "leaks file descriptors" and not b[sys.argv[2]]["private"], b
assert b[sys.argv[3]]["reason"] == "signs passes it never ran", b
assert b[sys.argv[4]]["reason"] == "too slow for us" and b[sys.argv[4]]["private"] and b[sys.argv[4]]["claim"] is None, b
PY
expect_err 2 "needs a reason" "pg block without --reason is a usage error (exit 2)" by alice block impl "$cimpl"

# --- 4. key lifecycle: rotation, revocation, forged handovers, versions ------------------------
run by bob id rotate
NEW=$(head -1 "$T/out")
check "pg id rotate prints a new key, now in use" \
	eval "[ $rc -eq 0 ] && [ '$NEW' != '$BOB' ] && [ \"\$(key_of bob)\" = '$NEW' ] && printf %s '$NEW' | grep -Eqx '[0-9a-f]{64}'"
run by bob id show --json "$BOB"
check "  ...pg id show OLD: version 2, successor the new key" python3 -c "
import json; d = json.load(open('$T/out')); assert d['version'] == 2 and d['successor'] == '$NEW', d"
run by bob id show "$BOB"
check "  ...in text too" sh -c "grep -qx 'version  2' '$T/out' && grep -q '^rotated  to $NEW' '$T/out'"
expect_err 6 "handed over" "  ...the old key signs nothing more (exit 6)" by bob trust dan low --as "$BOB"
pull alice bob
rep_json alice
check "a store that pulls both logs treats them as one identity: the old key's principal is the new" \
	eval "[ \"\$(rq get $BOB principal)\" = $NEW ] && rq get $BOB flags | grep -q 'rotated-to:bob'"
check "  ...trust given to the old key carries to the new one (level high, reputation > 0)" \
	eval "[ \"\$(rq get $NEW level)\" = high ] && num \"\$(rq mass $NEW)\" '>' 0 && near \"\$(rq mass $BOB)\" \"\$(rq mass $NEW)\""
check "  ...the old key's claims from before the rotation still count (dan > 0)" num "$(rq mass "$DAN")" '>' 0
run by alice rep
check "  ...pg rep shows the old key rotated-to bob" grep -Eq "^bob +${BOB:0:12} .*rotated-to:bob" "$T/out"

person ed
ED=$(key_of ed)
printf '%s\n' "$BOB" >"$T/bob.home/current"
vid=$(printf 'subject %s\nlevel high\n' "$ED" | signobj bob trust)
printf '%s\n' "$NEW" >"$T/bob.home/current"
pull alice bob
expect 0 "the old key signs a trust claim after the handover (signobj): it arrives" by alice show "$vid"
check "  ...and is void: ed has no reputation" test "$(mass alice "$ED")" = 0.0
by bob trust "$ED" high -q >/dev/null
pull alice bob
check "  ...while the same claim by the new key counts" num "$(mass alice "$ED")" '>' 0

for p in rev x1 x2; do person "$p"; done
X1=$(key_of x1) X2=$(key_of x2)
now=$(date +%s)
since=$(date -u -d "@$((now - 2 * 86400))" +%Y-%m-%d)
PG_NOW=$((now - 3 * 86400)) by rev trust "$X1" high -q >/dev/null
by rev trust "$X2" high -q >/dev/null
follow alice rev
pull alice rev
by alice trust rev high -q >/dev/null
rep_json alice
check "rev trusts x1 (3 days ago) and x2 (now): both have reputation" \
	eval "num \"\$(rq mass $X1)\" '>' 0 && num \"\$(rq mass $X2)\" '>' 0"
run by rev id revoke --since "$since"
check "pg id revoke --since $since exits 0" test "$rc" -eq 0
run by rev id show
check "  ...pg id show says revoked from that day" grep -q "^revoked  from $since" "$T/out"
expect_err 6 "is revoked" "  ...pg refuses to sign with the revoked key (exit 6)" by rev trust "$X1" low
pull alice rev
rep_json alice
check "  ...once pulled, the claim dated after that point is void: x2 has reputation 0" test "$(rq mass "$X2")" = 0.0
check "  ...the one dated before it still counts: x1 > 0" num "$(rq mass "$X1")" '>' 0
check "  ...pg rep marks rev revoked" eval "rq get $(key_of rev) flags | grep -qw revoked"

person mal
MAL=$(key_of mal)
garbage=$(printf '%0128d' 7)
run signobj mal identity <<EOF
name mal
version 2
predecessor $DAN
handover $garbage
EOF
check "signobj signs a rotation from dan's key whose handover dan never signed" test "$rc" -eq 0
follow alice mal
run by alice pull mal
check "  ...another store pulling that log refuses it (exit 3), saying why" \
	sh -c "[ $rc -eq 3 ] && grep -q 'handover is not signed by the predecessor key ${DAN:0:12}' '$T/out'"
check "  ...and does not adopt the log" eval "! pub_refs '$T/alice' | grep -q '$MAL'"
rep_json alice
check "  ...dan's key stays his own" test "$(rq get "$DAN" principal)" = "$DAN"

person eve
E1=$(key_of eve)
E2=$(by eve id new --name eve-next -q)
sig=$(PG_HOME=$T/eve.home "$SIGNOBJ" handover "$E1" "$E2")
# a rotation is said by both keys: the old one names its successor in its own log
printf 'name eve\nversion 2\nsuccessor %s\n' "$E2" | signobj eve identity >/dev/null
by eve id use eve-next 2>/dev/null
run signobj eve identity <<EOF
name eve
version 2
predecessor $E1
handover $sig
EOF
follow alice eve
run by alice pull eve
rep_json alice
check "a rotation crafted by hand with the old key's real handover signature is adopted" \
	eval "[ $rc -eq 0 ] && [ \"\$(rq get $E1 principal)\" = $E2 ]"

# keys handed over in a circle are still one identity, whatever the store's size
sig21=$(PG_HOME=$T/eve.home "$SIGNOBJ" handover "$E2" "$E1")
printf 'name eve\nversion 3\nsuccessor %s\n' "$E1" | signobj eve identity >/dev/null
by eve id use "$E1" 2>/dev/null
printf 'name eve\nversion 3\npredecessor %s\nhandover %s\n' "$E2" "$sig21" | signobj eve identity >/dev/null
pull alice eve
rep_json alice
check "  ...a handover back (E2 -> E1, validly signed) closes a cycle: both keys still have one principal (E1's: $(rq get "$E1" principal | cut -c1-12), E2's: $(rq get "$E2" principal | cut -c1-12))" \
	eval "[ \"\$(rq get $E1 principal)\" = \"\$(rq get $E2 principal)\" ]"

# a revocation is the remedy for a stolen key: it must count even when the
# thief published a higher identity version first (pg id revoke numbers its
# version from the identity file in $PG_HOME)
for p in kim y1; do person "$p"; done
KIM=$(key_of kim) Y1=$(key_of y1)
by kim trust "$Y1" high -q >/dev/null
printf 'name kim\nversion 5\n' | signobj kim identity >/dev/null
run by kim id revoke --since "$since"
follow alice kim
pull alice kim
by alice trust kim high -q >/dev/null
rep_json alice
check "a key that published identity version 5 (say, by a thief) is revoked with pg id revoke: the revocation counts (flags: '$(rq get "$KIM" flags)')" \
	eval "[ $rc -eq 0 ] && rq get $KIM flags | grep -qw revoked"
check "  ...and the claim dated after --since is void (y1's reputation: $(rq mass "$Y1"), wanted 0)" test "$(rq mass "$Y1")" = 0.0

person vic
VIC=$(key_of vic)
printf 'name vic-three\nversion 3\n' | signobj vic identity >/dev/null
printf 'name vic-two\nversion 2\n' | signobj vic identity >/dev/null
follow alice vic
run by alice pull vic
rep_json alice
check "an identity's version 3 then version 2: the log is valid and adopted, version 3's name stays" \
	eval "[ $rc -eq 0 ] && [ \"\$(rq get $VIC name)\" = vic-three ]"
expect 0 "  ...pg rep vic-three finds it" by alice rep vic-three
expect 4 "  ...pg rep vic-two does not (exit 4)" by alice rep vic-two
rep_json vic
check "  ...in vic's own store too" test "$(rq get "$VIC" name)" = vic-three

# --- 5. a flood of claims ----------------------------------------------------------------
for p in fv fl tg hn; do person "$p"; done
FL=$(key_of fl) TG=$(key_of tg) HN=$(key_of hn) FV=$(key_of fv)
follow fv fl hn
pull fv
by fv trust fl high -q >/dev/null
by fv trust hn high -q >/dev/null
by fl trust "$TG" high -q >/dev/null
pull fv
rep_json fv
fl1=$(rq mass "$FL") tg1=$(rq mass "$TG")
check "fl's one claim gives tg reputation ($tg1)" num "$tg1" '>' 0
# dated before fl's first claim: an identical one would be the same object
printf 'subject %s\nlevel high\n' "$TG" | signobj fl --date $(($(date +%s) - 1000)) --count 199 trust >/dev/null
pull fv
rep_json fv
check "fl publishes 199 more claims of tg: tg gains nothing ($(rq mass "$TG") vs $tg1)" near "$(rq mass "$TG")" "$tg1"
check "  ...nor does fl ($(rq mass "$FL") vs $fl1)" near "$(rq mass "$FL")" "$fl1"
PG_HOME=$T/fl.home "$FORGE" -C "$T/fl" many 200 >/dev/null
pull fv
nfl=$(by fv ls --type trust --author fl | wc -l)
check "  ...then 200 of random keys (forge many 200): fv's store holds all $nfl of fl's claims" test "$nfl" -eq 400
rep_json fv
check "  ...after 400 claims fl's own reputation is no higher ($(rq mass "$FL") <= $fl1)" num "$(rq mass "$FL")" '<=' "$fl1+1e-9"
check "  ...and no target has more than one claim gave ($(rq max-except "$FV" "$FL" "$HN") <= $tg1)" \
	num "$(rq max-except "$FV" "$FL" "$HN")" '<=' "$tg1+1e-9"

# --- 6. evidence: a false verdict caught by a re-run ------------------------------------
for p in vera hugo lia; do person "$p"; done
HUGO=$(key_of hugo) LIA=$(key_of lia)
by vera publish -q "$C/interface" "$C/spec-founding" "$C/impl-c" >/dev/null
vimpl=$(idof vera impl circle-c)
vspec=$(idof vera spec circle-founding)
follow hugo vera
follow lia vera
pull hugo
pull lia
expect 0 "hugo verifies vera's circle-c against circle-founding" by hugo verify geometry::circle
lie=$(signobj lia result <<EOF
kind verify
subject $vimpl
against $vspec

result failed
passed 2
failed 1
errored 0
EOF
)
check "lia signs a false 'failed' result for it (signobj)" test -n "$lie"
follow vera hugo lia
pull vera
by vera trust hugo high -q >/dev/null
by vera trust lia high -q >/dev/null
check "  ...before vera verifies, lia (trusted high) has reputation > 0" num "$(mass vera "$LIA")" '>' 0
run by vera verify geometry::circle
check "vera verifies: exit 0, and it runs the contradicted verdict again to confirm it" sh -c "
	[ $rc -eq 0 ] && grep -q 'running it again to confirm' '$T/err' && grep -q 'confirmed 1 of 1' '$T/err'"
mine=$(by vera ls --type result --author vera --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
run by vera cat "$mine"
check "  ...vera's result carries 'rerun same'" sh -c "grep -qx 'rerun same' '$T/out' && grep -qx 'result passed' '$T/out'"
run by vera rep --why lia
check "  ...pg rep --why lia: her claim disagrees (you passed, they failed)" \
	sh -c "grep -q 'disagrees' '$T/out' && grep -q 'you passed, they failed' '$T/out'"
rep_json vera
check "  ...lia is vetoed by vera's evidence, reputation 0" \
	eval "rq get $LIA flags | grep -q vetoed && [ \"\$(rq mass $LIA)\" = 0.0 ]"
run by vera rep --why hugo
check "  ...pg rep --why hugo: his claim agrees" sh -c "grep -q '^    agrees ' '$T/out' && ! grep -q disagrees '$T/out'"
check "  ...and hugo keeps reputation > 0, with D > 0" \
	eval "num \"\$(rq mass $HUGO)\" '>' 0 && num \"\$(rq get $HUGO D)\" '>' 0"

# a refusal of what a publisher never signed is the source's fault, not his:
# anyone can name a ref after anyone's key
mkdir -p "$T/srv"
git init -q --bare "$T/srv/hub.git"
junk=$(git --git-dir="$T/srv/hub.git" commit-tree "$(git --git-dir="$T/srv/hub.git" mktree </dev/null)" -m "not hugo's")
git --git-dir="$T/srv/hub.git" update-ref "refs/pg/pub/$HUGO" "$junk"
by vera remote add hub "$T/srv/hub.git" >/dev/null 2>&1
run by vera pull hub
check "a hub serving a log under hugo's key that hugo never signed is refused (exit 3)" \
	sh -c "[ $rc -eq 3 ] && grep -q 'refused hugo' '$T/out'"
rep_json vera
check "  ...and that is not held against hugo: he is not vetoed and keeps reputation > 0 (flags: '$(rq get "$HUGO" flags)', reputation $(rq mass "$HUGO"))" \
	eval "! rq get $HUGO flags | grep -q vetoed && num \"\$(rq mass $HUGO)\" '>' 0"

# --- 7. pg config trust.threshold -------------------------------------------------------
run by vera config trust.threshold
check "pg config trust.threshold prints the default 0.05" test "$rc" -eq 0 -a "$(cat "$T/out")" = 0.05
expect 0 "pg config trust.threshold 0.5 sets it" by vera config trust.threshold 0.5
run by vera config trust.threshold
check "  ...pg config trust.threshold then prints 0.5" test "$(cat "$T/out")" = 0.5
expect_err 3 "not a number from 0 to 1" "  ...2 is refused (exit 3) with a message" by vera config trust.threshold 2
expect_err 3 "not a number from 0 to 1" "  ...abc is refused (exit 3) with a message" by vera config trust.threshold abc
run by vera config trust.threshold
check "  ...and the refusals changed nothing" test "$(cat "$T/out")" = 0.5
run by vera config --list
check "pg config --list shows it" grep -qx "trust.threshold=0.5" "$T/out"
expect 0 "pg config --unset trust.threshold" by vera config --unset trust.threshold
run by vera config trust.threshold
check "  ...restores the default 0.05" test "$(cat "$T/out")" = 0.05
run by vera config --list
check "  ...which --list marks as the default" grep -qx "trust.threshold=0.05 (default)" "$T/out"

# pg build and trust.threshold; an identity's verdicts weigh its trust mass
# once, however many keys it signed them with
person wes
follow wes vera hugo
pull wes
by wes trust hugo low -q >/dev/null
run by wes build geometry::circle
check "pg build picks circle-c, verified by hugo, whom wes trusts: his mass is above the default threshold" \
	sh -c "[ $rc -eq 0 ] && grep -q '^geometry::circle circle-c ' '$T/out'"
hm=$(mass wes "$HUGO")
th=$(awk "BEGIN { printf \"%.4f\", 1.5 * $hm }")
by wes config trust.threshold "$th"
rm -f "$T/wes/pg.lock"
run by wes build geometry::circle
check "  ...with trust.threshold $th (above hugo's mass $hm) pg build passes it over (exit 4)" \
	sh -c "[ $rc -eq 4 ] && grep -q 'passed over circle-c' '$T/err'"
by hugo id rotate >/dev/null 2>&1
by hugo verify geometry::circle >/dev/null 2>&1
pull wes
run by wes rank --json geometry::circle
vb=$(python3 -c 'import json, sys; ((d,),) = [json.load(open(sys.argv[1]))]; (r,) = d["impls"]; print(r["verified_by"])' "$T/out")
check "  ...hugo rotates and verifies again with his new key: still one verifier in pg rank --json (verified_by: $vb)" \
	test "$vb" = 1
run by wes build geometry::circle
check "  ...and his trust mass is counted once: pg build still passes circle-c over (exit 4)" \
	sh -c "[ $rc -eq 4 ] && grep -q 'passed over circle-c' '$T/err'"

# --- 8. specs by strangers ----------------------------------------------------------------
person sam
follow sam vera
pull sam
mkdir -p "$T/src"
cp -r "$C/spec-founding" "$T/src/spec-sam"
sed -i 's/^name: .*/name: circle-sam/' "$T/src/spec-sam/pg.yaml"
expect 0 "sam, a stranger, publishes a spec for vera's interface" by sam publish -q "$T/src/spec-sam"
follow vera sam
pull vera sam
run by vera verify geometry::circle
check "vera's pg verify skips the stranger's spec, saying so" sh -c "
	[ $rc -eq 0 ] && grep -q 'skipped spec circle-sam' '$T/err' && ! grep -q 'circle-sam' '$T/out' &&
	grep -Eq '^  circle-c +circle-founding ' '$T/out'"
run by vera verify --all-specs geometry::circle
check "  ...pg verify --all-specs runs it" sh -c "[ $rc -eq 0 ] && grep -Eq '^  circle-c +circle-sam +3 +0 +0' '$T/out'"
by vera trust sam low -q >/dev/null
run by vera verify geometry::circle
check "  ...and after pg trust sam low, plain pg verify runs it" \
	sh -c "[ $rc -eq 0 ] && grep -Eq '^  circle-c +circle-sam +3 +0 +0' '$T/out' && ! grep -q 'skipped spec' '$T/err'"

echo "# $n tests"
