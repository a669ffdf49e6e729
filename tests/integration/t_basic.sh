# t_basic.sh - the everyday loop of issue 2 through the real pg binary
. "$(dirname "$0")/lib.sh"
CIRCLE=$ROOT/objects/geometry-circle/interface

cd "$T"
expect_err 4 "not in a pg store" "pg outside any store says so" "$PG" ls
expect 0 "pg init creates a store" "$PG" init -q
check ".pg is a bare git repository" test -f .pg/HEAD -a -d .pg/objects
expect_err 3 "already" "pg init twice refuses" "$PG" init
expect_err 6 "no identity in use" "publishing without an identity says how to make one" "$PG" publish "$CIRCLE"

expect 0 "pg id new --name alice" "$PG" id new --name alice
key=$(cat "$T/out")
check "id new prints the 64-hex key" test "${#key}" -eq 64
check "the key file is mode 0600" test "$(stat -c %a "$PG_HOME/keys/$key")" = 600
check "the secret key never enters the store" sh -c "! grep -rq \"\$(sed -n 's/^secret //p' '$PG_HOME/keys/$key' | cut -c1-64)\" .pg"
run "$PG" id list
check "id list marks alice in use" has "* $key alice"
expect_err 3 "exists already" "a second identity named alice is refused" "$PG" id new --name alice

run "$PG" log
check "the log begins with alice's identity" has "identity   alice"

expect 0 "publish the circle interface" "$PG" publish "$CIRCLE"
id=$(cut -d' ' -f1 "$T/out")
check "publish prints the id and the type" has "interface geometry::circle"

run "$PG" ls
check "ls lists the interface with its author" grep -q "^${id:0:12}  interface  geometry::circle *alice" "$T/out"
run "$PG" ls --type identity
check "ls --type filters" sh -c "has() { grep -qF -- \"\$1\" '$T/out'; }; has identity && ! has interface"
run "$PG" ls --name 'geometry::*'
check "ls --name takes a glob" has geometry::circle
run "$PG" ls --author alice --json
check "ls --json is valid JSON with the id" sh -c "python3 -c 'import json,sys; d=json.load(open(\"$T/out\")); assert any(o[\"id\"]==\"$id\" for o in d)'"
expect_err 4 "no publisher 'zed'" "ls --author of an unknown publisher says so" "$PG" ls --author zed

run "$PG" show "${id:0:6}"
check "show resolves a 6-hex prefix" has "object    $id"
check "show lists the payload files" has "interface.pgi"
check "show checks the signature" has "signature good"
expect_err 3 "not an object id" "show of a 3-hex prefix is refused" "$PG" show abc
expect_err 4 "no object with id" "show of an unknown id says so" "$PG" show 0000000
run "$PG" show --json "${id:0:8}"
check "show --json is valid JSON" python3 -c "import json; d=json.load(open('$T/out')); assert d['name']=='geometry::circle' and d['signature_ok'] and len(d['files'])==2"

run "$PG" cat "$id"
check "cat gives bytes whose BLAKE2b-256 is the id" python3 -c "import hashlib,sys; assert hashlib.blake2b(open('$T/out','rb').read(), digest_size=32).hexdigest()=='$id'"
check "cat output is the canonical form" sh -c "head -1 '$T/out' | grep -qx 'pg 1' && tail -1 '$T/out' | grep -qE '^sig [0-9a-f]{128}$'"
run "$PG" cat --payload "$id"
check "cat --payload is a tar with the files" sh -c "tar tf '$T/out' | sort | tr '\n' ' ' | grep -qx 'README.md interface.pgi '"

expect 0 "export extracts the payload" "$PG" export "$id" exported
check "exported files equal the originals" diff -r "$CIRCLE/README.md" exported/README.md
expect_err 3 "already exists" "export into an existing directory refuses" "$PG" export "$id" exported

run "$PG" log --json
check "log --json shows seq 2 adding the interface" python3 -c "
import json; d=json.load(open('$T/out'))[0]
assert d['name']=='alice' and [e['seq'] for e in d['entries']]==[2,1]
assert d['entries'][0]['objects'][0]['id']=='$id'"

expect 0 "publishing the same directory again is a no-op" "$PG" publish "$CIRCLE"
check "unchanged is reported" err_has "unchanged"

expect 0 "fsck verifies a good store" "$PG" fsck
check "fsck counts what it checked" err_has "2 entries, 2 objects, 1 payload: all verified"
run "$PG" fsck --json
check "fsck --json reports zero problems" python3 -c "import json; d=json.load(open('$T/out')); assert d['problems']==0 and d['objects']==2"
expect 0 "git fsck accepts the store" git --git-dir=.pg fsck --strict

rm -f .pg/index.sqlite*
expect 0 "reindex rebuilds a deleted index" "$PG" reindex
run "$PG" ls
check "the rebuilt index lists both objects" sh -c "[ \$(wc -l < '$T/out') -eq 2 ]"

mkdir -p deep/er
cd deep/er
run "$PG" ls
check "commands find the store from a subdirectory" has geometry::circle
cd "$T"
run "$PG" -C / ls
check "-C runs pg elsewhere (no store at /)" test "$rc" -eq 4
run env PG_DIR="$T/.pg" "$PG" -C / ls
check "PG_DIR names the store" has geometry::circle

# a second identity with a sealed key
export PG_PASSPHRASE="correct horse"
expect 0 "id new --passphrase seals the key" "$PG" id new --name bob --passphrase
bob=$(cat "$T/out")
check "the sealed key file holds no plain secret" sh -c "! grep -q '^secret' '$PG_HOME/keys/$bob'"
expect 0 "id use bob" "$PG" id use bob
mkdir -p spec && cat > spec/pg.yaml <<YAML
type: spec
name: circle-examples
interface: geometry::circle
description: the founding text's three examples
YAML
cp "$ROOT/objects/geometry-circle/spec-founding/cases.yaml" spec/
expect 0 "bob publishes a spec naming the interface by name" "$PG" publish spec
run "$PG" show --json "$(cut -c1-8 "$T/out")"
check "the spec links to alice's interface" python3 -c "import json; d=json.load(open('$T/out')); assert d['fields']['interface']=='$id' and d['author_name']=='bob'"
run "$PG" show "$id"
check "the interface shows the spec linking in" sh -c "grep -A3 'links in' '$T/out' | grep -q 'circle-examples (bob)'"
PG_PASSPHRASE=wrong run "$PG" publish spec
check "a wrong passphrase is refused with exit 6" sh -c "[ $rc -eq 6 ] && grep -q 'wrong passphrase' '$T/err'"
unset PG_PASSPHRASE
run "$PG" publish spec
check "a sealed key with no terminal and no PG_PASSPHRASE is refused" sh -c "[ $rc -eq 6 ] && grep -q 'PG_PASSPHRASE' '$T/err'"
expect 0 "id use alice" "$PG" id use alice

# a real source tree: subdirectories, an executable, a UTF-8 name, a link
mkdir -p tree/src/lib tree/.git
cat > tree/pg.yaml <<YAML
type: interface
name: geometry::tree
YAML
echo 'struct Tree { size: u64 }' > tree/interface.pgi
echo 'int main(void) { return 0; }' > tree/src/main.c
echo 'x' > tree/src/lib/util.c
printf '#!/bin/sh\necho hi\n' > tree/run.sh && chmod 755 tree/run.sh
echo 'café' > "tree/café.txt"
ln -s src/main.c tree/main-link
echo secret > tree/.git/config
expect 0 "a tree with subdirectories publishes" "$PG" publish tree
tid=$(cut -c1-12 "$T/out")
expect 0 "and exports" "$PG" export "$tid" tree-out
check "  ...to the same files (no pg.yaml, no dotfiles)" sh -c "diff -r --exclude=pg.yaml --exclude=.git tree tree-out && [ ! -e tree-out/pg.yaml ] && [ ! -e tree-out/.git ]"
check "  ...keeping the executable bit and the link" sh -c "[ -x tree-out/run.sh ] && [ \"\$(readlink tree-out/main-link)\" = src/main.c ]"

run "$PG" help
check "help lists the commands" has "reindex"
run "$PG" help ls
check "help ls leads with examples" sh -c "grep -q '^examples:' '$T/out' && grep -q -- '--author' '$T/out'"
run "$PG" ls -h
check "ls -h says what help ls says" sh -c "'$PG' help ls | cmp -s - '$T/out'"
expect_err 2 "unknown option" "an unknown option is a usage error" "$PG" ls --bogus
expect_err 2 "not a pg command" "an unknown command is a usage error" "$PG" frobnicate
run "$PG" version
check "version prints the version" grep -q '^pg [0-9]' "$T/out"
echo "# $n tests"
