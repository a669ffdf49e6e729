# t_sync.sh - remotes, fetch, pull, push and clone between stores, through
# real git repositories and a real git daemon on 127.0.0.1
. "$(dirname "$0")/lib.sh"

json() { python3 -c "import json; d=json.load(open('$T/out')); $1"; }
# same A B...: every argument is the same string
same() {
	local a=$1 b
	shift
	for b; do [ "$a" = "$b" ] || return 1; done
}

cd "$T"
for p in alice bob carol; do person "$p"; done
iface alice sync::a1
a1=$id
mkdir -p "$T/srv"
git init -q --bare "$T/srv/hub.git"
start_daemon "$T" --enable=receive-pack || exit 1
P=$DAEMON_PORT
URL=git://127.0.0.1:$P

# --- 1. remotes, fetch, pull, clone, push --------------------------------------

expect 0 "remote add of a git:// URL" by bob remote add hub "$URL/alice/.pg"
run by bob remote -v
check "remote -v lists the remote, its URL, never fetched, 0 refusals" \
	grep -q "^hub  *$URL/alice/.pg  (never fetched, 0 refusals)" "$T/out"
expect_err 3 "exists" "a second remote of the same name is refused" by bob remote add hub "$URL/x"
expect_err 3 "not a URL pg fetches from" "a URL that is not a transport (ext::) is refused" by bob remote add x "ext::sh -c touch% $T/pwned"
expect_err 3 "not a remote name" "a remote name that git would misread is refused" by bob remote add -- '-x' "$URL/x"

before=$(pub_refs bob)
expect 0 "fetch from the daemon" by bob fetch hub
check "fetch adopts alice's log at alice's tip" test "$(tip_of bob alice)" = "$(tip_of alice alice)"
check "fetch left bob's own log as it was" test "$(pub_refs bob | grep -v "$(key_of alice)")" = "$before"
check "fetch says what it adopted, by name" grep -q "alice ($(key_of alice | cut -c1-12)): seq 1..2, 2 objects" "$T/out"
run by bob ls
check "the fetched interface is listed" grep -q "^${a1:0:12}  interface  sync::a1" "$T/out"
run by bob remote -v
check "remote -v shows when it was fetched" grep -q "^hub .*(fetched 2" "$T/out"

iface alice sync::a2
a2=$id
expect 0 "pull of one new entry" by bob pull hub
check "pull lists the new object by name" grep -q "^    interface ${a2:0:12} sync::a2$" "$T/out"
check "an incremental pull reports only the new entry" \
	sh -c "grep -q 'seq 3..3, 1 object: 1 interface' '$T/out' && ! grep -q 'sync::a1' '$T/out'"
expect 0 "pull with nothing new" by bob pull hub
check "pull with nothing new adopts nothing" grep -q "adopted 0 logs" "$T/err"

iface alice sync::a3
a3=$id
expect 0 "pull --json" by bob pull --json hub
check "pull --json: counts, and the one log's outcome with its new object" json "
r = d['reports'][0]
assert d['ok'] is True and r['source'] == 'hub' and r['adopted'] == 1 and r['refused'] == 0 and r['objects'] == 1
l = r['logs'][0]
assert l['publisher'] == '$(key_of alice)' and l['name'] == 'alice' and l['outcome'] == 'adopted'
assert (l['from_seq'], l['to_seq']) == (3, 4) and l['new_tip'] == '$(tip_of alice alice)'
assert [(o['id'], o['type'], o['name']) for o in l['objects']] == [('$a3', 'interface', 'sync::a3')]"

iface alice sync::a4
expect 0 "pull -q" by bob pull -q hub
check "pull -q adopts and prints nothing" sh -c "[ ! -s '$T/out' ] && [ ! -s '$T/err' ] && [ '$(tip_of alice alice)' = \"\$(git --git-dir='$T/bob/.pg' rev-parse refs/pg/pub/$(key_of alice))\" ]"

# a second remote: a store on this machine, by path
iface carol sync::c1
expect 0 "remote add of a path to a store" by bob remote add carol "$T/carol"
expect 0 "fetch --all" by bob fetch --all
check "fetch --all fetched both remotes" sh -c "grep -qx carol '$T/out' && grep -qx hub '$T/out'"
check "fetch --all adopted carol's log" test "$(tip_of bob carol)" = "$(tip_of carol carol)"
expect_err 4 "name one" "fetch with several remotes and none named origin says so" by bob fetch
expect 0 "remote rm" by bob remote rm carol
run by bob remote
check "the removed remote is gone" test "$(cat "$T/out")" = hub
check "its quarantine went with it" test -z "$(git --git-dir="$T/bob/.pg" for-each-ref refs/pg/q/carol)"
check "the logs adopted from it stay" test "$(tip_of bob carol)" = "$(tip_of carol carol)"
expect_err 4 "no remote 'carol'" "fetch of a removed remote says so" by bob fetch carol
expect 0 "remote add of a relative path" by bob remote add rel ../carol
run by bob remote -v
check "a relative path is kept as the absolute path of the store's .pg" grep -q "^rel  *$T/carol/.pg  (never" "$T/out"
expect 0 "remote add of a file:// URL" by bob remote add file "file://$T/carol"
iface carol sync::c2
expect 0 "fetch over file://" by bob fetch file
check "fetch over file:// adopts carol's new entry" test "$(tip_of bob carol)" = "$(tip_of carol carol)"
by bob -q remote rm rel
by bob -q remote rm file
run by bob fsck
check "bob's store passes fsck after the fetches" test "$rc" -eq 0

expect 0 "clone from the daemon" "$PG" clone "$URL/alice/.pg" "$T/dave"
check "the clone holds alice's log" test "$(tip_of dave alice)" = "$(tip_of alice alice)"
run "$PG" -C "$T/dave" remote -v
check "the clone's remote is origin" grep -q "^origin  *$URL/alice/.pg" "$T/out"
run "$PG" -C "$T/dave" fsck
check "the clone passes fsck" test "$rc" -eq 0
dead=$(free_port)
expect_err 10 "cannot fetch from 'origin'" "clone of an unreachable URL fails" "$PG" clone "git://127.0.0.1:$dead/x" "$T/nowhere"
check "and leaves no directory behind" test ! -e "$T/nowhere"
expect_err 3 "exists and is not an empty directory" "clone into a directory with files refuses" "$PG" clone "$URL/alice/.pg" "$T/dave"
check "and leaves it as it was" test "$(tip_of dave alice)" = "$(tip_of alice alice)"
mkdir "$T/empty"
expect 10 "clone of an unreachable URL into an empty directory fails" "$PG" clone "git://127.0.0.1:$dead/x" "$T/empty"
check "and leaves the directory empty" test -z "$(ls -A "$T/empty")"

iface bob sync::b1
expect 0 "remote add of a writable hub" by bob remote add rw "$URL/srv/hub.git"
expect 0 "push to a writable daemon" by bob push rw
check "the hub has bob's and alice's logs at bob's tips" test "$(pub_refs "$T/srv/hub.git")" = "$(pub_refs bob)"
check "push lists the logs it sent" test "$(grep -c '^  sent refs/pg/pub/' "$T/out")" -eq 3
expect 0 "a second push" by bob push rw
check "a second push sends nothing" grep -q "sent 0 logs, 3 up to date" "$T/err"

# a pull asks only for the logs that moved, and tells the remote only what
# it has of those: git's trace of the daemon's side shows what was said
GIT_TRACE_PACKET=$T/packets.log start_daemon "$T" || exit 1
TP=$DAEMON_PORT
expect 0 "clone of a hub of three logs" "$PG" clone "git://127.0.0.1:$TP/srv/hub.git" "$T/erin"
iface bob sync::b2
expect 0 "push of one log's new entry" by bob push rw
: >"$T/packets.log"
expect 0 "pull of the one log that moved" "$PG" -C "$T/erin" pull
check "the pull adopted it" test "$(tip_of erin bob)" = "$(tip_of bob bob)"
bobs=$(git --git-dir="$T/erin/.pg" rev-list "refs/pg/pub/$(key_of bob)")
haves=$(sed -n 's/.*upload-pack< have \([0-9a-f]\{40\}\).*/\1/p' "$T/packets.log")
check "the pull wanted that log's tip and nothing else" \
	test "$(sed -n 's/.*upload-pack< want \([0-9a-f]\{40\}\).*/\1/p' "$T/packets.log")" = "$(tip_of bob bob)"
check "and told the remote only commits of that log ($(echo $haves | wc -w) haves)" \
	sh -c '[ -n "$1" ] && for h in $1; do printf "%s\n" "$2" | grep -qx "$h" || exit 1; done' - "$haves" "$bobs"
: >"$T/packets.log"
expect 0 "a pull with nothing new" "$PG" -C "$T/erin" pull
check "asks for nothing" sh -c '! grep -q "upload-pack< want" "$1"' - "$T/packets.log"
start_daemon "$T" || exit 1
by bob -q remote add ro "git://127.0.0.1:$DAEMON_PORT/srv/hub.git"
iface bob sync::b2
expect_err 10 "cannot push to 'ro'" "push to a daemon that does not take pushes fails" by bob push ro
stop "$DAEMON_PID"

# --- 12. three stores converge, through the hub and directly -----------------

iface alice conv::a
iface bob conv::b
iface carol conv::c
by alice -q remote add hub "$URL/srv/hub.git"
by carol -q remote add hub "$URL/srv/hub.git"
by carol -q remote add bob "$T/bob"
by bob -q remote add carol "$T/carol"
expect 0 "alice pushes to the hub" by alice push hub
expect 0 "bob pulls the hub" by bob pull rw
expect 0 "bob pushes to the hub" by bob push rw
expect 0 "carol pulls bob directly" by carol pull bob
expect 0 "carol pushes to the hub" by carol push hub
expect 0 "alice pulls the hub" by alice pull hub
expect 0 "bob pulls carol directly" by bob pull carol
ids_of alice >"$T/ids.alice"
ids_of bob >"$T/ids.bob"
ids_of carol >"$T/ids.carol"
check "the three stores hold the same objects" \
	sh -c "cmp -s '$T/ids.alice' '$T/ids.bob' && cmp -s '$T/ids.alice' '$T/ids.carol' && [ \$(wc -l <'$T/ids.alice') -ge 10 ]"
check "the three stores and the hub hold the same logs at the same tips" \
	same "$(pub_refs alice)" "$(pub_refs bob)" "$(pub_refs carol)" "$(pub_refs "$T/srv/hub.git")"
for p in alice bob carol; do
	run by "$p" fsck
	check "$p's store passes fsck after converging" test "$rc" -eq 0
done

# --- 10. a push the hub moved under ------------------------------------------

# carol gets a newer entry of alice's from alice herself and pushes it
by carol -q remote add alice "$T/alice"
iface alice moved::a
expect 0 "carol pulls alice's newer entry" by carol pull alice
expect 0 "carol pushes it to the hub" by carol push hub
hub_alice=$(tip_of "$T/srv/hub.git" alice)
check "the hub has alice's newer log" test "$hub_alice" = "$(tip_of alice alice)"
iface bob moved::b
expect 0 "bob's push does not fail on alice's log, which the hub has newer" by bob push rw
check "bob's own new entry was sent" test "$(tip_of "$T/srv/hub.git" bob)" = "$(tip_of bob bob)"
check "alice's log on the hub was left alone, and push says so" \
	sh -c "[ '$(tip_of "$T/srv/hub.git" alice)' = '$hub_alice' ] && grep -q 'remote is newer refs/pg/pub/$(key_of alice): .*lacks; left alone' '$T/out'"

# bob's log forks: a copy of his store, with his key, publishes first
cp -a "$T/bob" "$T/bob2"
cp -a "$T/bob.home" "$T/bob2.home"
iface bob2 fork::one
expect 0 "the copy of bob's store pushes its entry" by bob2 push rw
hub_bob=$(tip_of "$T/srv/hub.git" bob2)
iface bob fork::two
expect_err 3 "rejected 1 log, first refs/pg/pub/$(key_of bob): the remote's log has entries this store lacks" \
	"bob's push of his diverged log is rejected, naming the ref" by bob push rw
check "with the hint to pull first" grep -q "hint: .*'pg pull rw' first" "$T/err"
check "the hub's log of bob is unchanged" test "$(tip_of "$T/srv/hub.git" bob)" = "$hub_bob"
expect 3 "bob pulls: his own log forked" by bob pull rw
check "the fork is refused, naming the seq" grep -q "refused bob ($(key_of bob | cut -c1-12)): fork: the log forks at seq " "$T/out"
expect 3 "a push after the pull is still rejected" by bob push --json rw
check "push --json: bob's log rejected as diverged, alice's left alone, nothing sent" json "
logs = {l['publisher']: l for l in d['logs']}
assert d['ok'] is False and d['remote'] == 'rw' and d['sent'] == 0 and d['rejected'] == 1
assert logs['$(key_of bob)']['status'] == 'rejected' and 'diverged' in logs['$(key_of bob)']['message']
assert logs['$(key_of alice)']['status'] in ('up to date', 'remote is newer')"

# concurrent pushers: three stores, their own logs, one hub, at once
git init -q --bare "$T/srv/hub2.git"
for p in x1 x2 x3; do
	person "$p"
	iface "$p" "race::$p"
	by "$p" -q remote add hub "$URL/srv/hub2.git"
done
retries=0
for p in x1 x2 x3; do
	timeout 30 env PG_HOME="$T/$p.home" "$PG" -C "$T/$p" push -q hub >"$T/push.$p" 2>&1 &
	eval "pid_$p=$!"
done
for p in x1 x2 x3; do
	eval "pid=\$pid_$p"
	if ! wait "$pid"; then
		retries=$((retries + 1))
		echo "# concurrent push of $p failed, retried: $(cat "$T/push.$p")"
		by "$p" push -q hub >/dev/null 2>&1
	fi
done
echo "# concurrent pushes that lost a race and were retried: $retries"
check "after three concurrent pushes the hub has all three logs" \
	sh -c "[ '$(tip_of "$T/srv/hub2.git" x1)' = '$(tip_of x1 x1)' ] && [ '$(tip_of "$T/srv/hub2.git" x2)' = '$(tip_of x2 x2)' ] &&
	       [ '$(tip_of "$T/srv/hub2.git" x3)' = '$(tip_of x3 x3)' ] && [ \$(git --git-dir='$T/srv/hub2.git' for-each-ref refs/pg/pub | wc -l) -eq 3 ]"
# three stores push the same new entry at once: the losers of the race on
# the hub's ref find it at their tip, which is no error
iface x1 race::again
for p in x2 x3; do by "$p" -q remote add x1 "$T/x1" && by "$p" pull -q x1; done
for p in x1 x2 x3; do
	timeout 30 env PG_HOME="$T/$p.home" "$PG" -C "$T/$p" push hub >"$T/push.$p" 2>&1 &
	eval "pid_$p=$!"
done
failed=
for p in x1 x2 x3; do
	eval "pid=\$pid_$p"
	wait "$pid" || failed="$failed; $p: $(tr '\n' ' ' <"$T/push.$p")"
done
check "three concurrent pushes of one log all succeed$failed" test -z "$failed"
check "and the hub has it" test "$(tip_of "$T/srv/hub2.git" x1)" = "$(tip_of x1 x1)"
run git --git-dir="$T/srv/hub2.git" fsck --no-dangling
check "and the hub repository is sound" test "$rc" -eq 0

# progress on a terminal's stderr (script(1) gives pg a pty), none otherwise
person tty1 && person tty2
for i in 1 2 3; do iface tty1 "tty::p$i"; done
by tty2 -q remote add tty1 "$T/tty1"
run script -qec "env PG_HOME='$T/tty2.home' '$PG' -C '$T/tty2' fetch tty1" /dev/null
check "on a terminal, fetch shows its progress: objects received and logs verified" \
	sh -c "[ $rc -eq 0 ] && grep -q 'verifying logs: 100% (1/1), done.' '$T/out' && grep -q 'objects' '$T/out'"
iface tty1 "tty::p4"
run by tty2 fetch tty1
check "without a terminal, no progress lines" sh -c "[ $rc -eq 0 ] && ! grep -q 'verifying logs' '$T/err'"

echo "# $n tests"
