# t_bad_input.sh - bad input gets a clear error and leaves the store as it was
. "$(dirname "$0")/lib.sh"
CIRCLE=$ROOT/objects/geometry-circle/interface

new_store "$T/s" alice
cd "$T/s"
"$PG" publish -q "$CIRCLE" >/dev/null
before=$(snapshot)
unchanged() { [ "$(snapshot)" = "$before" ]; }

# manifest errors: file:line:col, exit 3, nothing published
bad() { # NAME YAML...: a directory with that pg.yaml and one file
	rm -rf "$T/$1"
	mkdir -p "$T/$1"
	printf '%s\n' "$2" >"$T/$1/pg.yaml"
	echo data >"$T/$1/file.txt"
	echo 'fn f(x: i64) -> i64;' >"$T/$1/interface.pgi"
}
bad syntax 'type: interface
name: "geometry::oops
description: x'
expect_err 3 "pg.yaml:4:1: YAML syntax error: found unexpected end of stream while scanning a quoted scalar that starts at 2:7" "a YAML syntax error names file:line:col" "$PG" publish "$T/syntax"
check "  ...and publishes nothing" unchanged

bad wrongtype 'type: interface
name: [a, b]'
expect_err 3 "pg.yaml:2:7: 'name' must be a string" "a wrong type for a field is refused" "$PG" publish "$T/wrongtype"

bad unknown 'type: interface
name: geometry::x
colour: blue'
expect_err 3 "pg.yaml:3:1: unknown field 'colour'" "an unknown field is refused" "$PG" publish "$T/unknown"

bad missing 'type: interface
name: geometry::x
files: [file.txt, nothere.c]'
expect_err 3 "pg.yaml:3:19: files: 'nothere.c' does not exist" "a missing file is refused" "$PG" publish "$T/missing"

bad badname 'type: interface
name: Geometry::X'
expect_err 3 "not a valid interface name" "a bad interface name is refused" "$PG" publish "$T/badname"

bad noiface 'type: impl
name: circle-c
lang: c
run: ./impl
interface: geometry::nothere'
expect_err 4 "no interface 'geometry::nothere'" "an impl of an unknown interface is refused" "$PG" publish "$T/noiface"

bad alias 'type: interface
name: &n geometry::x
description: *n'
expect_err 3 "aliases" "YAML aliases are refused" "$PG" publish "$T/alias"

# one bad directory in a batch: the good ones are not published either
bad good 'type: interface
name: geometry::good'
expect_err 3 "unknown field" "a batch with one bad manifest fails" "$PG" publish "$T/good" "$T/unknown"
check "  ...and publishes none of the batch" unchanged

# payloads
bad slink 'type: interface
name: geometry::slink'
ln -s /etc/passwd "$T/slink/evil"
expect_err 3 "leaves the tree" "a symlink out of the tree is refused at publish" "$PG" publish "$T/slink"
bad dotdot 'type: interface
name: geometry::dotdot'
ln -s ../../x "$T/dotdot/up"
expect_err 3 "leaves the tree" "a symlink with .. is refused" "$PG" publish "$T/dotdot"
bad fifo 'type: interface
name: geometry::fifo'
mkfifo "$T/fifo/pipe"
expect_err 3 "not a file, directory or symlink" "a FIFO in the payload is refused" "$PG" publish "$T/fifo"
check "  ...and the store is unchanged" unchanged
bad a-good 'type: interface
name: geometry::agood'
expect_err 3 "leaves the tree" "a batch whose second directory fails is refused" "$PG" publish "$T/a-good" "$T/slink"
check "  ...and prints no id of the first, which was not published" test ! -s "$T/out"
check "  ...and the store is unchanged" unchanged

expect_err 4 "has no pg.yaml" "a directory without pg.yaml is refused" "$PG" publish "$T"
expect_err 4 "no pg.yaml at or below" "-r over a tree without manifests says so" "$PG" publish -r "$T/s/.pg/refs"

# keys
key=$(ls "$PG_HOME/keys" | grep -v '\.id$')
chmod 644 "$PG_HOME/keys/$key"
expect_err 6 "chmod 600" "a key file readable by others is refused" "$PG" publish "$T/good"
chmod 600 "$PG_HOME/keys/$key"
check "  ...and nothing was published" unchanged

# the lock: a second writer waits, then fails clearly
flock .pg/lock sleep 3 &
sleep 0.3
PG_LOCK_TIMEOUT=0.5 run "$PG" publish "$T/good"
check "a publish while the store is locked fails with exit 5" sh -c "[ $rc -eq 5 ] && grep -q 'the store is locked: another process holds .*/.pg/lock (waited 0.5 s); try again' '$T/err'"
wait
flock .pg/lock sleep 1 &
sleep 0.3
expect 0 "a second writer waits for the lock, then publishes" "$PG" publish "$T/good"
wait
before=$(snapshot)

# damage to the git store: fsck names it
expect 0 "fsck passes before any damage" "$PG" fsck
cp -a .pg "$T/pristine"
iface=$("$PG" ls --type interface --name geometry::circle --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
blob=$(git --git-dir=.pg rev-parse "refs/pg/pub/$("$PG" id show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'):o/${iface:0:2}/$iface")
pack=$(grep -l "" .pg/objects/pack/*.idx | while read -r idx; do git --git-dir=.pg verify-pack -v "$idx" | grep -q "^$blob" && echo "$idx"; done | head -1)
set -- $(git --git-dir=.pg verify-pack -v "$pack" | grep "^$blob")
# $5 is the offset of the compressed object, $4 its size in the pack: flip a byte in the middle
python3 - "${pack%.idx}.pack" "$(( $5 + $4 / 2 ))" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[off] ^= 0x55
import os; os.chmod(p, 0o644); open(p, 'wb').write(b)
PY
run "$PG" fsck
check "fsck finds a corrupted blob and exits 1" test "$rc" -eq 1
check "  ...naming the damaged object" grep -q "object ${iface:0:12}" "$T/out"
rm -rf .pg && cp -a "$T/pristine" .pg

# a log whose ref was moved to a forged history (manifest not signed by the key)
pub=$(git --git-dir=.pg for-each-ref --format='%(refname)' refs/pg/pub | head -1)
tip=$(git --git-dir=.pg rev-parse "$pub")
tree=$(git --git-dir=.pg rev-parse "$tip^{tree}")
msg=$(git --git-dir=.pg cat-file commit "$tip" | sed '1,/^$/d' | sed 's/^seq \([0-9]*\)$/seq 9\1/')
forged=$(printf '%s\n' "$msg" | git --git-dir=.pg commit-tree "$tree" -p "$tip")
git --git-dir=.pg update-ref "$pub" "$forged"
run "$PG" fsck
check "fsck refuses a log entry whose manifest was altered" sh -c "[ $rc -eq 1 ] && grep -q 'manifest: signature does not verify' '$T/out'"
run "$PG" ls
check "other commands warn about the damaged log and go on" sh -c "[ $rc -eq 0 ] && grep -q 'that log is left out' '$T/err'"
rm -rf .pg && cp -a "$T/pristine" .pg

# an object blob swapped for other bytes under the same path
other=$(printf 'pg 1\ntype interface\n' | git --git-dir=.pg hash-object -w --stdin)
export GIT_INDEX_FILE=$T/forge.idx
git --git-dir=.pg read-tree "$tip^"   # seq 2, which added the interface
git --git-dir=.pg update-index --cacheinfo "100644,$other,o/${iface:0:2}/$iface"
swapped=$(git --git-dir=.pg write-tree)
unset GIT_INDEX_FILE
git --git-dir=.pg update-ref "$pub" "$(git --git-dir=.pg cat-file commit "$tip^" | sed '1,/^$/d' | git --git-dir=.pg commit-tree "$swapped" -p "$tip^^")"
run "$PG" fsck
check "fsck refuses an object whose bytes do not match its id" sh -c "[ $rc -eq 1 ] && grep -q 'does not match its id' '$T/out'"
rm -rf .pg && cp -a "$T/pristine" .pg

# a tree with a file the manifest does not account for
other=$(printf 'pg 1\ntype interface\n' | git --git-dir=.pg hash-object -w --stdin)
export GIT_INDEX_FILE=$T/forge.idx
git --git-dir=.pg read-tree "$tip"
git --git-dir=.pg update-index --add --cacheinfo "100644,$other,o/ff/extra"
extra=$(git --git-dir=.pg write-tree)
unset GIT_INDEX_FILE
git --git-dir=.pg update-ref "$pub" "$(git --git-dir=.pg cat-file commit "$tip" | sed '1,/^$/d' | git --git-dir=.pg commit-tree "$extra" -p "$tip^")"
run "$PG" fsck
check "fsck refuses a tree that adds an unlisted file" sh -c "[ $rc -eq 1 ] && grep -q 'the manifest accounts for' '$T/out'"
rm -rf .pg && cp -a "$T/pristine" .pg

# a ref under refs/pg/ that is not a log
git --git-dir=.pg update-ref refs/pg/pub/nothex "$tip"
run "$PG" fsck
check "fsck reports a ref that is not a log" sh -c "[ $rc -eq 1 ] && grep -q 'is not a log ref' '$T/out'"
rm -rf .pg && cp -a "$T/pristine" .pg
expect 0 "the restored store passes fsck" "$PG" fsck
echo "# $n tests"
