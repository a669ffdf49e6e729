# t_bundle.sh - pg bundle: logs carried as one file, imported exactly like a fetch
. "$(dirname "$0")/lib.sh"
IFACE=$ROOT/objects/sort-u32/interface
SPEC=$ROOT/objects/sort-u32/spec
CIRCLE=$ROOT/objects/geometry-circle/interface

# ids DIR: the sorted object ids pg ls --json gives in the store at DIR
ids() { (cd "$1" && "$PG" ls --json | python3 -c 'import json,sys; print(" ".join(sorted(o["id"] for o in json.load(sys.stdin))))'); }
# home NAME: act as NAME (a PG_HOME of its own)
home() { export PG_HOME=$T/home-$1; }
# a store of its own for each person
store() { mkdir -p "$T/$1" && (cd "$T/$1" && "$PG" init -q); }

# --- alice publishes, in two sittings years apart ---------------------------
home alice
store alice
cd "$T/alice"
export PG_NOW=1000000000 # 2001-09-09
expect 0 "alice makes an identity" "$PG" id new --name alice -q
expect 0 "alice publishes the interface (seq 2)" "$PG" publish -q "$IFACE"
expect 0 "a bundle of everything so far" "$PG" bundle create "$T/early.pgb"
export PG_NOW=1500000000 # 2017-07-14
expect 0 "alice publishes the spec (seq 3)" "$PG" publish -q "$SPEC"
unset PG_NOW
alice_key=$(git --git-dir=.pg for-each-ref --format='%(refname:lstrip=3)' refs/pg/pub)

expect 0 "pg bundle create writes the whole log" "$PG" bundle create "$T/all.pgb"
check "  ...saying what it wrote" sh -c "grep -q 'alice (.*): seq 1..3' '$T/out' && grep -q 'wrote .*all.pgb: 1 log, 3 entries' '$T/err'"
check "  ...and leaves no temporary file" sh -c "! ls '$T' | grep -q tmp"
check "  ...a zstd-compressed tar of pg-bundle, refs and pack, in that order" \
	sh -c "zstd -dc '$T/all.pgb' | tar -t | tr '\n' ' ' | grep -qx 'pg-bundle refs pack '"
check "  ...whose refs line is '<publisher> <tip> -'" \
	sh -c "zstd -dc '$T/all.pgb' | tar -xO refs | grep -qx '$alice_key $(git --git-dir=.pg rev-parse "refs/pg/pub/$alice_key") -'"
expect_err 3 "exists" "create refuses to overwrite a file" "$PG" bundle create "$T/all.pgb"
expect 0 "  ...unless --force" "$PG" bundle create --force "$T/all.pgb"
expect 0 "--since 2010-01-01: only what came after" "$PG" bundle create --since 2010-01-01 "$T/inc.pgb"
check "  ...seq 3 alone, based on seq 2's commit" sh -c "grep -q 'seq 3..3' '$T/out' &&
	zstd -dc '$T/inc.pgb' | tar -xO refs | grep -q ' $(git --git-dir=.pg rev-parse "refs/pg/pub/$alice_key^")\$'"
expect_err 4 "nothing to bundle: no log has entries since 2020-01-01" "an empty selection is an error that says so" \
	"$PG" bundle create --since 2020-01-01 "$T/none.pgb"
check "  ...and writes nothing" test ! -e "$T/none.pgb"
expect_err 2 "is not a time" "a bad --since is a usage error" "$PG" bundle create --since yesterday "$T/x.pgb"
expect_err 4 "no publisher 'zed'" "--author of an unknown publisher says so" "$PG" bundle create --author zed "$T/x.pgb"
expect_err 2 "needs a subcommand" "pg bundle alone is a usage error" "$PG" bundle
run "$PG" help bundle
check "pg help bundle leads with examples" sh -c "grep -q '^examples:' '$T/out' && grep -q 'bundle import' '$T/out'"

# --- bob imports: exactly alice's objects, verified --------------------------
home bob
store bob
cd "$T/bob"
expect 0 "bob imports the bundle" "$PG" bundle import "$T/all.pgb"
check "  ...reporting alice's log adopted" sh -c "grep -q 'alice (.*): seq 1..3, 3 objects' '$T/out' && grep -q 'bundle:all.pgb: adopted 1 log (3 new objects), refused 0' '$T/err'"
check "bob holds exactly alice's objects" test "$(ids "$T/bob")" = "$(ids "$T/alice")"
check "  ...under alice's log ref, at her tip" test "$(git --git-dir=.pg rev-parse "refs/pg/pub/$alice_key")" = "$(git --git-dir="$T/alice/.pg" rev-parse "refs/pg/pub/$alice_key")"
check "  ...with no quarantine refs left" test -z "$(git --git-dir=.pg for-each-ref refs/pg/q)"
expect 0 "pg fsck passes on bob's store" "$PG" fsck
before=$(snapshot)
expect 0 "importing again is a no-op" "$PG" bundle import --json "$T/all.pgb"
check "  ...adopting nothing (JSON)" python3 -c "import json; d=json.load(open('$T/out')); assert d['ok'] and d['adopted']==0 and d['refused']==0 and d['source']=='bundle:all.pgb', d"
check "  ...and changing nothing" test "$(snapshot)" = "$before"

# --- incremental bundles ------------------------------------------------------
home carol
store carol
cd "$T/carol"
expect 0 "carol imports the early bundle (seq 1..2)" "$PG" bundle import "$T/early.pgb"
expect 0 "  ...then the incremental one onto it" "$PG" bundle import "$T/inc.pgb"
check "  ...adopting seq 3" grep -q 'alice (.*): seq 3..3, 1 object: 1 spec' "$T/out"
check "carol now holds exactly alice's objects" test "$(ids "$T/carol")" = "$(ids "$T/alice")"
expect 0 "  ...and pg fsck passes" "$PG" fsck
store dave
cd "$T/dave"
before=$(snapshot)
expect_err 3 "refused 1" "an incremental bundle onto a store without the earlier part is refused" "$PG" bundle import "$T/inc.pgb"
check "  ...saying which seq is missing and what to do" grep -q "refused ? (${alice_key:0:12}): missing: the bundle starts after seq 2 (commit .*), which this store lacks (it holds none of this log): make the bundle with an earlier --since, or none" "$T/out"
check "  ...leaving the store as it was" test "$(snapshot)" = "$before"

# --- --author: one log of several ---------------------------------------------
home bob
cd "$T/bob"
expect 0 "bob makes an identity" "$PG" id new --name bob -q
expect 0 "bob publishes the circle interface" "$PG" publish -q "$CIRCLE"
bob_key=$("$PG" ls --type identity --json | python3 -c 'import json,sys; print([o["author"] for o in json.load(sys.stdin) if o["name"]=="bob"][0])')
run "$PG" bundle create --json "$T/two.pgb"
check "a bundle of bob's store holds both logs, by publisher" python3 -c "
import json; d=json.load(open('$T/out')); assert [r['publisher'] for r in d['refs']]==sorted(['$alice_key','$bob_key']) and d['logs']==2, d"
expect 0 "--author bob bundles bob's log alone" "$PG" bundle create --author bob --json "$T/bob.pgb"
check "  ...one log, bob's" python3 -c "import json; d=json.load(open('$T/out')); assert [r['publisher'] for r in d['refs']]==['$bob_key'], d"
store erin
cd "$T/erin"
expect 0 "erin imports bob's bundle" "$PG" bundle import "$T/bob.pgb"
check "  ...and holds bob's objects only" test "$(ids "$T/erin")" = "$(cd "$T/bob" && "$PG" ls --author bob --json | python3 -c 'import json,sys; print(" ".join(sorted(o["id"] for o in json.load(sys.stdin))))')"

# --- bad bundles: a clear error, exit 3, the store unchanged ------------------
cd "$T"
mkdir -p parts && zstd -dcq all.pgb | tar -x -C parts
cat >mk.py <<'PY'
# mk.py OUT NAME=KIND:ARG...: a tar (stdout) of entries in that order.
# KIND: file (bytes of a file), text (the string), zeros (N zero bytes,
# streamed), link (a symlink to ARG), dir.
import io, sys, tarfile
t = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
for spec in sys.argv[1:]:
    name, _, rest = spec.partition("=")
    kind, _, arg = rest.partition(":")
    i = tarfile.TarInfo(name)
    i.mode = 0o644
    if kind == "link":
        i.type, i.linkname = tarfile.SYMTYPE, arg
        t.addfile(i)
    elif kind == "dir":
        i.type = tarfile.DIRTYPE
        t.addfile(i)
    elif kind == "zeros":
        i.size = int(arg)
        t.addfile(i, open("/dev/zero", "rb"))
    else:
        data = open(arg, "rb").read() if kind == "file" else arg.encode().decode("unicode_escape").encode("latin-1")
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
t.close()
PY
# mk OUT SPEC...: a zstd-compressed tar
mk() { local out=$1; shift; python3 "$T/mk.py" "$@" | zstd -q -c >"$T/$out"; }
H="pg-bundle=file:$T/parts/pg-bundle"
R="refs=file:$T/parts/refs"
P="pack=file:$T/parts/pack"
mk good.pgb "$H" "$R" "$P"

home frank
store frank
cd "$T/frank"
expect 0 "a bundle made by another tar writer imports" "$PG" bundle import "$T/good.pgb"
check "  ...in full" test "$(ids "$T/frank")" = "$(ids "$T/alice")"
unchanged() { [ "$(snapshot)" = "$before" ] && [ -z "$(git --git-dir=.pg for-each-ref refs/pg/q)" ]; }
# bad FILE TEXT WHAT: import exits 3 saying TEXT and leaves the store as it was
bad() {
	expect_err 3 "$2" "$3" "$PG" bundle import "$T/$1"
	check "  ...leaving the store unchanged" unchanged
}
# the bad ones go to an empty store, where anything adopted would show
store gina
cd "$T/gina"
before=$(snapshot)
head -c 4096 /dev/urandom >"$T/random.pgb"
bad random.pgb "random.pgb' is not a pg bundle (a zstd-compressed tar), or is damaged or cut short: Unrecognized archive format" "random bytes are not a bundle"
size=$(stat -c %s "$T/all.pgb")
head -c $((size / 2)) "$T/all.pgb" >"$T/cut.pgb"
bad cut.pgb "cut.pgb' is not a pg bundle (a zstd-compressed tar), or is damaged or cut short: Truncated" "a truncated bundle is refused"
head -c $((size - 8)) "$T/all.pgb" >"$T/cut-end.pgb"
bad cut-end.pgb "cut-end.pgb' is" "a bundle missing its last bytes is refused"
python3 -c '
import os
keys = sorted(os.urandom(32).hex() for _ in range(5000))
open("'"$T"'/longrefs", "w").write("".join("%s %s -\n" % (k, os.urandom(20).hex()) for k in keys))'
mk long.pgb "$H" "refs=file:$T/longrefs" "$P"
size=$(stat -c %s "$T/long.pgb")
head -c $((size / 2)) "$T/long.pgb" >"$T/cut-mid.pgb"
bad cut-mid.pgb "cut-mid.pgb' is damaged or cut short" "a bundle cut short in the middle of an entry is refused"
mk extra.pgb "$H" "$R" "$P" "extra=text:hello"
bad extra.pgb "holds 'extra' after its pack" "a tar with an extra entry is refused"
mk between.pgb "$H" "$R" "extra=text:hello" "$P"
bad between.pgb "holds 'extra' where 'pack' belongs" "an entry out of place is refused"
mk order.pgb "$R" "$H" "$P"
bad order.pgb "holds 'refs' where 'pg-bundle' belongs" "entries in the wrong order are refused"
mk traversal.pgb "../x=text:pg bundle 1\n" "$R" "$P"
bad traversal.pgb "holds '../x' where 'pg-bundle' belongs" "a path-traversal name is refused"
mk absolute.pgb "$H" "/etc/refs=file:$T/parts/refs" "$P"
bad absolute.pgb "holds '/etc/refs' where 'refs' belongs" "an absolute path is refused"
mk symlink.pgb "$H" "refs=link:/etc/passwd" "$P"
bad symlink.pgb "its 'refs' is a symbolic link, not a regular file" "a symlink entry is refused"
mk dir.pgb "$H" "$R" "pack=dir:"
bad dir.pgb "holds 'pack/' where 'pack' belongs" "a directory entry is refused"
python3 "$T/mk.py" "$H" "$R" "$P" >"$T/plain.pgb"
bad plain.pgb "this one is not compressed" "an uncompressed tar is refused"
mk v2.pgb "pg-bundle=text:pg bundle 2\n" "$R" "$P"
bad v2.pgb "is a version 2 pg bundle; this pg reads version 1" "a newer bundle version says to upgrade"
mk bigheader.pgb "pg-bundle=zeros:65" "$R" "$P"
bad bigheader.pgb "its 'pg-bundle' would hold 65 bytes, more than the 64" "a header over 64 bytes is refused"
mk badrefs.pgb "$H" "refs=text:${alice_key} nothex -\n" "$P"
bad badrefs.pgb "refs line 1 is not '<publisher key> <tip commit> <base commit or ->'" "a malformed refs line is refused"
mk bigrefs.pgb "$H" "refs=zeros:1048577" "$P"
bad bigrefs.pgb "its 'refs' would hold 1048577 bytes, more than the 1048576" "refs over 1 MiB are refused"

# a decompression bomb: 100 MB of zeros as the pack, a few hundred bytes on disk
mk bomb.pgb "$H" "$R" "pack=zeros:100000000"
check "the bomb is small on disk" test "$(stat -c %s "$T/bomb.pgb")" -lt 100000
start=$(date +%s%N)
PG_FETCH_MAX=1000000 run "$PG" bundle import "$T/bomb.pgb"
took=$((($(date +%s%N) - start) / 1000000))
check "a decompression bomb is refused by PG_FETCH_MAX" sh -c "[ $rc -eq 3 ] && grep -q \"its 'pack' would hold 100000000 bytes, more than the 1000000 allowed (PG_FETCH_MAX) (it was not read)\" '$T/err'"
check "  ...before reading it (${took} ms)" test "$took" -lt 2000
check "  ...leaving the store unchanged" unchanged
bad bomb.pgb "bomb.pgb' is not a pg bundle: its pack is not a git pack" "under the default limit, zeros are not a git pack"
printf 'PACK\0\0\0\2\377\377\377\377' >"$T/many"
head -c 200 /dev/zero >>"$T/many"
mk many.pgb "$H" "$R" "pack=file:$T/many"
bad many.pgb "many.pgb' is refused: its pack claims 4294967295 objects in 212 bytes" "a pack claiming more objects than its bytes hold is refused"

# a corrupted pack: bytes flipped in the middle
python3 - "$T/parts/pack" "$T/flipped" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for k in range(8):
    b[len(b) // 2 + k] ^= 0x55
open(sys.argv[2], "wb").write(b)
PY
mk corrupt.pgb "$H" "$R" "pack=file:$T/flipped"
bad corrupt.pgb "corrupt.pgb' is damaged: its pack fails git's checks" "a corrupted pack is refused"
check "  ...leaving no temporary pack behind" sh -c "! ls .pg/objects/pack | grep -qv '^pack-'"
# a pack that lacks the tip the refs name
printf '%s 1111111111111111111111111111111111111111 -\n' "$alice_key" >"$T/refs-notip"
mk notip.pgb "$H" "refs=file:$T/refs-notip" "$P"
expect_err 3 "refused 1" "refs naming a commit the pack does not hold are refused" "$PG" bundle import "$T/notip.pgb"
check "  ...saying so" grep -q "integrity: the bundle names commit 1111111111 as the log's tip but does not hold it" "$T/out"
check "  ...leaving the store unchanged" unchanged

# --- a tampered log: refused with publisher and reason; the good one adopted --
home mallory
store mallory
cd "$T/mallory"
expect 0 "mallory's store holds alice's log" "$PG" bundle import -q "$T/all.pgb"
"$PG" id new --name mallory -q >/dev/null
expect 0 "mallory publishes the circle interface" "$PG" publish -q "$CIRCLE"
mal_key=$("$PG" ls --type identity --json | python3 -c 'import json,sys; print([o["author"] for o in json.load(sys.stdin) if o["name"]=="mallory"][0])')
iface=$("$PG" ls --type interface --author mallory --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
tip=$(git --git-dir=.pg rev-parse "refs/pg/pub/$mal_key")
other=$(printf 'pg 1\ntype interface\n' | git --git-dir=.pg hash-object -w --stdin)
export GIT_INDEX_FILE=$T/forge.idx
git --git-dir=.pg read-tree "$tip"
git --git-dir=.pg update-index --cacheinfo "100644,$other,o/${iface:0:2}/$iface"
forged=$(git --git-dir=.pg cat-file commit "$tip" | sed '1,/^$/d' | git --git-dir=.pg commit-tree "$(git --git-dir=.pg write-tree)" -p "$tip^")
unset GIT_INDEX_FILE
git --git-dir=.pg update-ref "refs/pg/pub/$mal_key" "$forged"
expect 0 "a store with a tampered log still bundles it" "$PG" bundle create "$T/tampered.pgb"
store hank
cd "$T/hank"
expect_err 3 "refused 1" "importing it exits 3" "$PG" bundle import "$T/tampered.pgb"
check "  ...refusing mallory's log with the reason" grep -q "refused ? (${mal_key:0:12}): integrity: .*does not match its id" "$T/out"
check "  ...adopting alice's log from the same bundle" test "$(ids "$T/hank")" = "$(ids "$T/alice")"
check "  ...recording the refusal with the bundle as source" python3 -c "
import json; r=[json.loads(l) for l in open('.pg/refusals')]
assert len(r)==1 and r[0]['publisher']=='$mal_key' and r[0]['source']=='bundle:tampered.pgb' and r[0]['kind']=='integrity', r"
check "  ...with no quarantine refs left" test -z "$(git --git-dir=.pg for-each-ref refs/pg/q)"
expect 0 "pg fsck passes on what was adopted" "$PG" fsck
echo "# $n tests"
