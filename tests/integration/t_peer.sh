# t_peer.sh - pg peer: announcing stores others can fetch from, learning of
# them by pulling, adopting one as a remote; hostile URLs never reach git.
. "$(dirname "$0")/lib.sh"
CIRCLE=$ROOT/objects/geometry-circle/interface

# Three stores, each with its own identity and PG_HOME: alice (a), bob (b),
# carol (c).  pga, pgb and pgc run pg as their owner, in their store.
for s in a:alice b:bob c:carol; do
	d=${s%%:*}
	mkdir -p "$T/$d"
	(cd "$T/$d" && PG_HOME=$T/home-$d "$PG" init -q && PG_HOME=$T/home-$d "$PG" id new --name "${s#*:}" -q >/dev/null)
done
pga() { PG_HOME=$T/home-a "$PG" -C "$T/a" "$@"; }
pgb() { PG_HOME=$T/home-b "$PG" -C "$T/b" "$@"; }
pgc() { PG_HOME=$T/home-c "$PG" -C "$T/c" "$@"; }
refs() { git --git-dir="$T/$1/.pg" for-each-ref --format='%(refname) %(objectname)' refs/pg; }
json() { python3 -c "import json,sys; d=json.load(open('$T/out')); $1"; }
cd "$T"

expect 0 "carol publishes an interface in store c" pgc publish "$CIRCLE"

# --- announce ----------------------------------------------------------------
PG_NOW=1700000000 run pga peer announce "file://$T/c"
p1=$(cat "$T/out")
check "announce prints the new peer object's 64-hex id" sh -c "[ $rc -eq 0 ] && echo '$p1' | grep -Eqx '[0-9a-f]{64}'"
check "  ...and says what it announced, as whom" err_has "announced file://$T/c as alice"
expect 0 "the store with the peer object passes pg fsck" pga fsck
check "  ...which verified the new entry (2 entries, 2 objects)" err_has "2 entries, 2 objects"
run pga ls --type peer
check "pg ls --type peer lists it, by alice" grep -q "^${p1:0:12}  peer .* alice" "$T/out"
run pga show "${p1:0:8}"
check "pg show shows its url and a good signature" sh -c "grep -qx 'url       file://$T/c' '$T/out' && grep -q 'signature good' '$T/out'"
run pga cat "$p1"
check "the object is type peer with exactly one url line and no body" python3 -c "
lines = open('$T/out').read().split('\n')
assert lines[:2] == ['pg 1', 'type peer'] and lines[4] == 'url file://$T/c' and lines[5].startswith('sig '), lines"

before=$(refs a)
PG_NOW=1700000050 run pga peer announce "file://$T/c"
check "announcing the same URL again exits 0 and prints the existing id" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = '$p1' ]"
check "  ...saying it is already announced" err_has "already"
check "  ...and publishes nothing" test "$(refs a)" = "$before"

# --- URLs that are refused -----------------------------------------------------
# refused URL DESCRIPTION TEXT: exit 3 with TEXT, nothing published
refused() {
	run pga peer announce -- "$1"
	if [ "$rc" -eq 3 ] && grep -qF -- "$3" "$T/err" && [ "$(refs a)" = "$before" ]; then
		ok "$2"
	else
		not_ok "$2 (exit $rc, wanted 3 with '$3' and nothing published)"
	fi
}
refused "$T/c" "a bare absolute path is refused: it means nothing elsewhere" "is a path, which means something only on this machine"
refused "../c" "a relative path is refused" "is a path"
refused "carol@host:store" "an scp-like address is refused, with the ssh:// spelling" "write it as ssh://user@host/path"
refused "ext::sh -c touch% $T/pwned" "ext:: (a transport helper that runs programs) is refused" "transport helper"
check "  ...and ran nothing" test ! -e "$T/pwned"
refused "fd::3" "fd:: is refused" "transport helper"
refused "-oProxyCommand=x" "-oProxyCommand=x is refused as an option" "begins with '-'"
refused "ssh://-oProxyCommand=x/store" "an ssh host that begins with '-' is refused" "begins with '-'"
refused "ssh://git@-oProxyCommand=x/store" "an ssh host after user@ that begins with '-' is refused" "begins with '-'"
refused "$(printf 'git://example.org/a\tb')" "a tab (a control character) is refused" "control character"
refused "$(printf 'git://example.org/\033[2J')" "an escape sequence is refused" "control character"
check "  ...and the message shows it escaped, not raw" sh -c "grep -qF 'git://example.org/\\x1b[2J' '$T/err' && ! grep -q \"\$(printf '\\033')\" '$T/err'"
refused "" "an empty URL is refused" "it is empty"
refused "git://example.org/a b" "a space is refused (percent-encode it)" "percent-encode"
refused "https://example.org/caf$(printf '\303\251')" "bytes outside ASCII are refused" "outside printable ASCII"
refused "gopher://example.org/store" "a scheme that is not a git transport is refused" "not a transport pg fetches from"
refused "git:///store" "a git:// URL without a host is refused" "names no host"
refused "file://host/store" "file://host/... is refused (a path on this machine needs file:///)" "three slashes"
refused "file://" "file:// without a path is refused" "names no store"
refused "file:///" "file:/// without a path is refused" "names no store"
refused "ssh://git@@-oProxyCommand=x/store" "the host after the last @ is what counts" "begins with '-'"
expect_err 2 "unknown option" "an unquoted -oProxyCommand=x is an unknown option (exit 2)" pga peer announce -oProxyCommand=x
expect_err 2 "needs one URL" "announce without a URL is a usage error" pga peer announce
expect_err 2 "needs a subcommand" "pg peer alone is a usage error" pga peer
expect_err 2 "unknown subcommand" "an unknown subcommand is a usage error" pga peer frob

# --- more peers, and ls -------------------------------------------------------------
PG_NOW=1700000100 run pga peer announce git://pg.example.org/store
p2=$(cat "$T/out")
PG_NOW=1700000200 run pga peer announce https://example.org/mirror.git
p3=$(cat "$T/out")
PG_NOW=1700000300 run pga peer announce ssh://git@example.org/pg
p4=$(cat "$T/out")
check "three more URLs are announced" sh -c "[ ${#p2} -eq 64 ] && [ ${#p3} -eq 64 ] && [ ${#p4} -eq 64 ]"
expect 0 "a remote for store c, added by path" pga remote add c "$T/c"
run pga peer ls
check "peer ls lists four peers, newest first" sh -c "[ \"\$(cut -c1-12 '$T/out' | tr '\n' ' ')\" = '${p4:0:12} ${p3:0:12} ${p2:0:12} ${p1:0:12} ' ]"
check "  ...each line: id, date, announcer, url" grep -qx "${p2:0:12}  2023-11-14  alice         git://pg.example.org/store" "$T/out"
check "  ...the file:// peer shows the remote that already fetches from it (added as a path)" \
	grep -qx "${p1:0:12}  2023-11-14  alice         file://$T/c  (remote c)" "$T/out"
run pga peer ls --json
check "peer ls --json: id, url, author, author_name, date, remote; newest first" json "
ids = [p['id'] for p in d]
assert ids == ['$p4', '$p3', '$p2', '$p1'], ids
p = d[3]
assert set(p) == {'id', 'url', 'author', 'author_name', 'date', 'remote'}, p
assert p['url'] == 'file://$T/c' and p['author_name'] == 'alice' and p['date'] == 1700000000 and p['remote'] == 'c'
assert len(p['author']) == 64 and d[0]['remote'] is None"
run pgc peer ls --json
check "a store without peers lists an empty JSON array" json "assert d == []"
run pgc peer ls
check "  ...and says how to get some, in text" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ] && grep -q 'no peers' '$T/err'"

# --- end to end: b learns of c from a, adopts it, pulls it ------------------------
expect 0 "bob adds alice's store as a remote" pgb remote add a "$T/a"
expect 0 "bob pulls alice" pgb pull a
run pgb peer ls
check "bob's peer ls has alice's four peers, none adopted yet" sh -c "[ \$(wc -l < '$T/out') -eq 4 ] && grep -q '^${p1:0:12}  .* alice  *file://$T/c\$' '$T/out'"
run pgb ls --author carol
check "bob holds nothing of carol's yet" test ! -s "$T/out"
run pgb peer adopt "${p1:0:8}"
check "adopt prints the remote's name: the announcer's, alice" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = alice ]"
check "  ...and suggests pg pull alice" err_has "'pg pull alice'"
run pgb remote -v
check "  ...the remote alice points at store c" grep -q "^alice  *$T/c/.pg " "$T/out"
check "  ...and was not fetched" grep -q "^alice .*never fetched" "$T/out"
run pgb peer ls --json
check "peer ls now shows the remote for that peer" json "assert [p['remote'] for p in d if p['id'] == '$p1'] == ['alice']"
expect 0 "bob pulls the adopted remote" pgb pull alice
check "  ...adopting carol's log" has "carol"
run pgb ls --author carol
check "bob now holds carol's interface" has "geometry::circle"
expect 0 "bob's store passes fsck" pgb fsck

before=$(git --git-dir="$T/b/.pg" config --get-regexp '^remote\.')
run pgb peer adopt "$p1" --name other
check "adopting it again names the remote that has it and does nothing" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = alice ] && grep -q \"remote 'alice' fetches from\" '$T/err'"
check "  ...no remote was added or changed" test "$(git --git-dir="$T/b/.pg" config --get-regexp '^remote\.')" = "$before"
run pga peer adopt "$p1"
check "in store a, adopting the peer of store c names remote c (added as a path)" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = c ]"

# --- names -------------------------------------------------------------------------
run pgb peer adopt "$p2"
check "the announcer's name taken: the remote is peer-<8 hex of the id>" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = peer-${p2:0:8} ]"
check "  ...saying why" err_has "remote 'alice' exists"
check "  ...with the peer's URL" sh -c "git --git-dir='$T/b/.pg' config remote.peer-${p2:0:8}.url | grep -qx git://pg.example.org/store"
expect_err 3 "remote 'alice' exists" "--name that a remote has is refused" pgb peer adopt "$p3" --name alice
expect_err 3 "is not a remote name" "--name that is not a remote name is refused" pgb peer adopt "$p3" --name 'my hub'
run pgb peer adopt "$p3" --name hub
check "--name names the remote" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = hub ] && git --git-dir='$T/b/.pg' config remote.hub.url | grep -qx https://example.org/mirror.git"
check "  ...and the refspec brings the logs into quarantine only" sh -c "git --git-dir='$T/b/.pg' config remote.hub.fetch | grep -qx '+refs/pg/pub/\*:refs/pg/q/hub/\*'"
expect_err 3 "remote 'hub' exists" "--name hub again, for another peer, is refused" pgb peer adopt "$p4" --name hub

# --- ids that are not peers ------------------------------------------------------------
iface=$(pgb ls --type interface --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_err 4 "not a peer object" "adopting an interface's id is refused as not a peer (exit 4)" pgb peer adopt "${iface:0:10}"
check "  ...naming what it is" err_has "is an interface geometry::circle by carol"
expect_err 4 "no peer object with id 0000" "adopting an id that names nothing says so (exit 4)" pgb peer adopt 0000
expect_err 3 "not an object id" "adopting something that is not an id prefix is refused (exit 3)" pgb peer adopt zz
expect_err 2 "needs one peer id" "adopt without an id is a usage error" pgb peer adopt

# --- a hostile peer: well signed, bad URL; adopt refuses it ----------------------------
# sign_peer is built against the libpg of the pg under test, so it can sign
# what 'pg peer announce' refuses to, as a modified pg elsewhere could.
bdir=$(dirname "$(readlink -f "$PG")")
san=
nm "$bdir/libpg.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
cc -std=c11 -D_GNU_SOURCE -I"$ROOT/lib" $(pkg-config --cflags libgit2 libsodium) $san -o "$T/sign_peer" \
	"$ROOT/tests/integration/sign_peer.c" "$bdir/libpg.a" \
	$(pkg-config --libs libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson) -lm 2>"$T/err"
check "the hostile announcer builds against libpg" test -x "$T/sign_peer"
mkdir -p "$T/m"
(cd "$T/m" && PG_HOME=$T/home-m "$PG" init -q && PG_HOME=$T/home-m "$PG" id new --name mallory -q >/dev/null)
h1=$(PG_HOME=$T/home-m "$T/sign_peer" "$T/m/.pg" "ext::sh -c touch% $T/pwned")
h2=$(PG_HOME=$T/home-m "$T/sign_peer" "$T/m/.pg" "$T/c")
h3=$(PG_HOME=$T/home-m "$T/sign_peer" "$T/m/.pg" "ssh://-oProxyCommand=touch%20pwned/x")
h4=$(PG_HOME=$T/home-m "$T/sign_peer" "$T/m/.pg" "$(printf 'git://example.org/\302\233')")
check "mallory signs four peers with bad URLs" sh -c "[ ${#h1} -eq 64 ] && [ ${#h2} -eq 64 ] && [ ${#h3} -eq 64 ] && [ ${#h4} -eq 64 ]"
expect 0 "bob pulls mallory: the objects are well formed and signed, so they verify" pgb remote add m "$T/m"
expect 0 "  ...pull" pgb pull m
before=$(git --git-dir="$T/b/.pg" config --get-regexp '^remote\.')
expect_err 3 "transport helper" "adopting a peer whose URL is ext:: is refused (exit 3)" pgb peer adopt "$h1"
check "  ...naming the peer and who announced it" err_has "peer ${h1:0:12} (announced by mallory)"
expect_err 3 "is a path" "adopting a peer whose URL is a path is refused" pgb peer adopt "$h2"
expect_err 3 "begins with '-'" "adopting a peer whose ssh host is an option is refused" pgb peer adopt "$h3"
expect_err 3 "outside printable ASCII" "adopting a peer whose URL holds a C1 control character is refused" pgb peer adopt "$h4" --name x
check "  ...no remote was added, nothing ran" sh -c "[ \"\$(git --git-dir='$T/b/.pg' config --get-regexp '^remote\.')\" = \"$before\" ] && [ ! -e '$T/pwned' ]"
run pgb peer ls
check "peer ls shows a hostile URL escaped, never raw" sh -c "grep -qF 'git://example.org/\\xc2\\x9b' '$T/out' && ! grep -q \"\$(printf '\\302\\233')\" '$T/out'"

echo "# $n tests"
