# t_sync_hostile.sh - hubs that serve bad logs, break down or vanish: the bad
# segment is refused with its reason and nothing of it is adopted, the good
# logs of the same fetch still are, and the store stays sound
. "$(dirname "$0")/lib.sh"
FORGE=$(dirname "$PG")/tests/forge
[ -x "$FORGE" ] || { echo "not ok 1 - $FORGE is not built (make all)"; exit 1; }

# forge WHO MODE ARGS...: tests/tools/forge on WHO's store, with WHO's keys
forge() {
	local who=$1
	shift
	PG_HOME="$T/$who.home" "$FORGE" -C "$T/$who" "$@" >/dev/null
}
# twin WHO COPY: a copy of WHO's store and keys: the same log, to diverge from
twin() { cp -a "$T/$1" "$T/$2" && cp -a "$T/$1.home" "$T/$2.home"; }

# hub NAME STORE...: a bare repository $T/srv/NAME.git holding the stores'
# logs as loose objects, served at $URL/NAME.git
hub() {
	local h=$T/srv/$1.git s
	shift
	git init -q --bare "$h"
	for s; do
		git --git-dir="$h" -c fetch.unpackLimit=1000000 fetch -q "$T/$s/.pg" 'refs/pg/pub/*:refs/pg/pub/*'
	done
}
# added HUB WHO PREFIX: the path added by the tip of WHO's log in HUB that starts with PREFIX (o/ or p/)
added() {
	local tip
	tip=$(tip_of "$T/srv/$1.git" "$2")
	git --git-dir="$T/srv/$1.git" diff-tree -r --name-only "$tip^" "$tip" | grep "^$3" | head -1
}
# flip FILE: one bit of FILE's middle byte, in place
flip() {
	chmod u+w "$1"
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$1"
}
# rewrite_tip HUB WHO PATH: the tip commit of WHO's log again, byte for
# byte, but for its tree, where the blob at PATH has one bit flipped
rewrite_tip() {
	local g="git --git-dir=$T/srv/$1.git" ref tip blob tree new
	ref=refs/pg/pub/$(key_of "$2")
	tip=$($g rev-parse "$ref")
	$g cat-file blob "$tip:$3" >"$T/blob"
	flip "$T/blob"
	blob=$($g hash-object -w "$T/blob")
	GIT_INDEX_FILE=$T/index $g read-tree "$tip"
	GIT_INDEX_FILE=$T/index $g update-index --cacheinfo "100644,$blob,$3"
	tree=$(GIT_INDEX_FILE=$T/index $g write-tree)
	rm -f "$T/index"
	new=$($g cat-file commit "$tip" | sed "1s/^tree .*/tree $tree/" | $g hash-object -t commit -w --stdin)
	$g update-ref "$ref" "$new" "$tip"
}
# redate_tip HUB WHO [committer]: the tip commit again with the manifest's
# date one second later and everything else as it was, the signature
# included (with 'committer': the commit's committer time instead, which
# nothing signs)
redate_tip() {
	local g="git --git-dir=$T/srv/$1.git" ref tip new
	ref=refs/pg/pub/$(key_of "$2")
	tip=$($g rev-parse "$ref")
	new=$($g cat-file commit "$tip" | python3 -c '
import re, sys
head, msg = sys.stdin.buffer.read().split(b"\n\n", 1)
later = lambda m: m.group(1) + b"%d" % (int(m.group(2)) + 1)
if sys.argv[1:] == ["committer"]:
    head = re.sub(rb"^(committer .* )(\d+)(?= [-+]\d{4}$)", later, head, count=1, flags=re.M)
else:
    msg = re.sub(rb"^(date )(\d+)$", later, msg, count=1, flags=re.M)
sys.stdout.buffer.write(head + b"\n\n" + msg)' ${3:-} | $g hash-object -t commit -w --stdin)
	$g update-ref "$ref" "$new" "$tip"
}

# round NAME WHO...: each WHO publishes a new interface: the good entries
# of the next fetch; their ids collect in $fresh
round() {
	local r=$1 w
	shift
	fresh=
	for w; do
		iface "$w" "$r::$w"
		fresh="$fresh $id"
	done
}

# refused REMOTE BAD KIND REASON WHAT GOOD...: bob pulls REMOTE; BAD's new
# segment is refused, exit 3, naming BAD, KIND and REASON; nothing of it
# is adopted; the GOOD publishers' new entries of the same fetch are, and
# nothing else; bob's store passes fsck
refused() {
	local remote=$1 bad=$2 kind=$3 reason=$4 what=$5 g ok=1 refs ids
	shift 5
	refs=$(pub_refs bob | grep "$(key_of "$bad")")
	ids=$(ids_of bob)
	run by bob pull "$remote"
	if [ "$rc" -eq 3 ] && grep -qF "refused $bad ($(key_of "$bad" | cut -c1-12)): $kind: " "$T/out" &&
		grep "refused $bad " "$T/out" | grep -qF -- "$reason"; then
		ok "$what: refused, naming $bad, $kind and the reason"
	else
		not_ok "$what: refused, naming $bad, $kind and '$reason' (exit $rc)"
	fi
	check "$what: nothing of $bad's new segment is adopted" test "$(pub_refs bob | grep "$(key_of "$bad")")" = "$refs"
	for g; do [ "$(tip_of bob "$g")" = "$(tip_of "$T/srv/$remote.git" "$g")" ] || ok=0; done
	check "$what: the good logs of the same fetch are adopted ($*)" test "$ok" -eq 1
	check "$what: pg ls lists exactly the good new objects more" \
		test "$(ids_of bob)" = "$(printf '%s\n' $ids $fresh | sort)"
	run by bob fsck
	check "$what: bob's store passes fsck" test "$rc" -eq 0
}

cd "$T"
for p in alice carol mallory bob; do person "$p"; done
mkdir -p "$T/srv"
start_daemon "$T/srv" || exit 1
URL=git://127.0.0.1:$DAEMON_PORT
round first alice carol mallory
hub good alice carol mallory
by bob -q remote add good "$URL/good.git"
expect 0 "bob pulls three good logs" by bob pull good

# --- 2. a tampered object -----------------------------------------------------
round s2 alice carol
iface mallory s2::mallory
hub s2 alice carol mallory
rewrite_tip s2 mallory "$(added s2 mallory o/)"
by bob -q remote add s2 "$URL/s2.git"
refused s2 mallory integrity "content does not match its id" "tampered object" alice carol

# --- 3. a bad signature ------------------------------------------------------
round s3 alice carol
iface mallory s3::mallory
hub s3 alice carol mallory
redate_tip s3 mallory
by bob -q remote add s3 "$URL/s3.git"
refused s3 mallory integrity "manifest: signature does not verify against the author's key" "altered manifest" alice carol

# --- 4. seq skips, prev lies (signed by the real key) ----------------------
round s4 alice carol
twin mallory m4
forge m4 skip-seq
hub s4 alice carol m4
by bob -q remote add s4 "$URL/s4.git"
refused s4 mallory integrity "(must go up by exactly one)" "skipped seq" alice carol

round s4b alice carol
twin mallory m4b
forge m4b bad-prev
hub s4b alice carol m4b
by bob -q remote add s4b "$URL/s4b.git"
refused s4b mallory integrity "is not the hash of the previous manifest" "wrong prev" alice carol

# --- 5. an oversized object; a fetch over the byte limit ----------------------
round s5 alice carol
twin mallory m5
forge m5 big-object 1048577
hub s5 alice carol m5
by bob -q remote add s5 "$URL/s5.git"
refused s5 mallory invalid "object larger than 1048576 bytes" "oversized object" alice carol

round s5b alice carol
hub s5b alice carol
by bob -q remote add s5b "$URL/s5b.git"
before=$(git --git-dir="$T/bob/.pg" for-each-ref refs/pg)
run env PG_FETCH_MAX=1000 PG_HOME="$T/bob.home" "$PG" -C "$T/bob" pull s5b
check "a fetch over PG_FETCH_MAX is refused, naming the limit" \
	sh -c "[ $rc -eq 3 ] && grep -q 'sent more than 1000 bytes, the limit (PG_FETCH_MAX); nothing of it was adopted' '$T/err'"
check "and nothing of it is adopted" test "$(git --git-dir="$T/bob/.pg" for-each-ref refs/pg)" = "$before"
expect 0 "without the limit the same fetch succeeds" by bob pull s5b

# --- 6. a payload that does not match its hash -------------------------------
round s6 alice carol
iface mallory s6::mallory
hub s6 alice carol mallory
rewrite_tip s6 mallory "$(added s6 mallory p/)"
by bob -q remote add s6 "$URL/s6.git"
refused s6 mallory integrity "payload does not match its hash" "altered payload" alice carol

# --- 7. a forked log --------------------------------------------------------
fseq=$(($(git --git-dir="$T/alice/.pg" rev-list --count "$(tip_of alice alice)") + 1))
twin alice a7
iface a7 fork::theirs
iface alice fork::ours
by bob -q remote add alice "$T/alice"
expect 0 "bob holds alice's own history" by bob pull alice
round s7 carol
hub s7 a7 carol
by bob -q remote add s7 "$URL/s7.git"
refused s7 alice fork "the log forks at seq $fseq: the publisher signed two different histories" "forked log" carol
check "the fork is recorded in .pg/refusals with its source and publisher" python3 -c "
import json
r = [json.loads(l) for l in open('$T/bob/.pg/refusals')][-1]
assert r['source'] == 's7' and r['url'] == '$URL/s7.git' and r['publisher'] == '$(key_of alice)', r
assert r['kind'] == 'fork' and r['commit'] == '$(tip_of a7 alice)' and 'forks at seq $fseq' in r['reason'], r"

# --- alice's entry in a commit someone else rewrote -------------------------
iface alice rewrap::alice
expect 0 "bob holds alice's newest entry" by bob pull alice
round s7c carol
hub s7c alice carol
redate_tip s7c alice committer
by bob -q remote add s7c "$URL/s7c.git"
refused s7c alice integrity "the commits were rewritten by someone other than the publisher" "alice's entry in a rewritten commit" carol

# --- a log under another publisher's name ----------------------------------
round s7b alice
hub s7b alice mallory
git --git-dir="$T/srv/s7b.git" update-ref "refs/pg/pub/$(key_of carol)" "$(tip_of mallory mallory)"
git --git-dir="$T/srv/s7b.git" update-ref -d "refs/pg/pub/$(key_of mallory)"
by bob -q remote add s7b "$URL/s7b.git"
refused s7b carol integrity "manifest is signed by another key than the log's publisher" "a log under another's name" alice

# --- 8. a corrupt object on the hub -------------------------------------------
round s8 alice carol
iface mallory s8::mallory
hub s8 alice carol mallory
blob=$(git --git-dir="$T/srv/s8.git" rev-parse "$(tip_of "$T/srv/s8.git" mallory):$(added s8 mallory o/)")
flip "$T/srv/s8.git/objects/${blob:0:2}/${blob:2}"
by bob -q remote add s8 "$URL/s8.git"
refs=$(pub_refs bob | grep "$(key_of mallory)")
ids=$(ids_of bob)
run by bob pull s8
check "a hub that cannot send one log: the pull still succeeds" test "$rc" -eq 0
check "with a warning naming the log that could not be fetched" \
	grep -q "^warning: .*fetched log by log, 1 of 3 logs could not be fetched (first: $(key_of mallory): " "$T/err"
check "the other publishers' logs are adopted" \
	sh -c "[ '$(tip_of bob alice)' = '$(tip_of "$T/srv/s8.git" alice)' ] && [ '$(tip_of bob carol)' = '$(tip_of "$T/srv/s8.git" carol)' ]"
check "nothing of the broken log is adopted" test "$(pub_refs bob | grep "$(key_of mallory)")" = "$refs"
check "pg ls lists exactly the good new objects more" test "$(ids_of bob)" = "$(printf '%s\n' $ids $fresh | sort)"
run by bob fsck
check "bob's store passes fsck" test "$rc" -eq 0

# --- 9. a remote that disappears mid-fetch -----------------------------------
cat >"$T/proxy.py" <<'EOF'
# proxy.py PORTFILE TARGET BUDGET: forward to 127.0.0.1:TARGET; after BUDGET
# bytes from the server, cut every connection and stop listening
import os, socket, sys, threading
port_file, target, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
ls.settimeout(0.1)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
lock, left, gone = threading.Lock(), [budget], threading.Event()
def up(c, u):
    try:
        while not gone.is_set():
            b = c.recv(65536)
            if not b:
                break
            u.sendall(b)
    except OSError:
        pass
def serve(c):
    u = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=up, args=(c, u), daemon=True).start()
    try:
        while True:
            b = u.recv(65536)
            if not b:
                break
            with lock:
                n = min(len(b), left[0])
                left[0] -= n
            c.sendall(b[:n])
            if left[0] == 0:
                gone.set()
                break
    except OSError:
        pass
    for s in (c, u):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
while not gone.is_set():
    try:
        c, _ = ls.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
ls.close()
EOF
round s9 alice carol
forge mallory many 300 1000
hub s9 alice carol mallory
for budget in 150 600 60000; do
	rm -f "$T/proxy.port"
	timeout 60 python3 "$T/proxy.py" "$T/proxy.port" "$DAEMON_PORT" "$budget" &
	proxy=$!
	track "$proxy"
	wait_for 10 test -s "$T/proxy.port" || echo "# the proxy did not start"
	by bob -q remote add cut "git://127.0.0.1:$(cat "$T/proxy.port")/s9.git"
	before=$(git --git-dir="$T/bob/.pg" for-each-ref refs/pg)
	run timeout 60 env PG_HOME="$T/bob.home" "$PG" -C "$T/bob" pull cut
	check "a remote gone after $budget bytes: the pull fails, naming the remote" \
		sh -c "[ $rc -eq 10 ] && grep -q \"^error: cannot fetch from 'cut' (git://127.0.0.1:\" '$T/err'"
	check "a remote gone after $budget bytes: nothing is adopted, the store is unchanged" \
		test "$(git --git-dir="$T/bob/.pg" for-each-ref refs/pg)" = "$before"
	stop "$proxy"
	by bob -q remote rm cut
done
run by bob fsck
check "bob's store passes fsck after the cut fetches" test "$rc" -eq 0
by bob -q remote add cut "$URL/s9.git"
expect 0 "the same fetch through the daemon itself succeeds" by bob pull cut
check "and adopts every log" sh -c "[ '$(tip_of bob mallory)' = '$(tip_of mallory mallory)' ] && [ '$(tip_of bob alice)' = '$(tip_of alice alice)' ]"

# --- 11. kill -9 in the middle of a pull -------------------------------------
person big
forge big many 1500 1000
git init -q --bare "$T/srv/big.git"
git --git-dir="$T/srv/big.git" fetch -q "$T/big/.pg" 'refs/pg/pub/*:refs/pg/pub/*'
mkdir "$T/k0" && by k0 init -q && by k0 -q remote add big "$URL/big.git"
t0=$(date +%s%N)
expect 0 "a pull of 1500 objects" by k0 pull -q big
full=$((($(date +%s%N) - t0) / 1000000))
echo "# a full pull took $full ms"
all=$(ids_of k0 | wc -l)
check "it adopts all of them" test "$all" -eq 1501
for pct in 10 30 55 80; do
	k=k$pct
	mkdir "$T/$k" && by "$k" init -q && by "$k" -q remote add big "$URL/big.git"
	PG_HOME="$T/$k.home" "$PG" -C "$T/$k" pull -q big >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk "BEGIN { print $full * $pct / 100000 }")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "# killed at $pct%: $(git --git-dir="$T/$k/.pg" for-each-ref refs/pg/q | wc -l) quarantined, $(pub_refs "$T/$k" | wc -l) adopted"
	run by "$k" fsck
	check "kill -9 at $pct% of a pull: fsck passes" test "$rc" -eq 0
	expect 0 "kill -9 at $pct% of a pull: a second pull completes" by "$k" pull -q big
	check "kill -9 at $pct% of a pull: the second pull has the full set" \
		test "$(tip_of "$k" big)" = "$(tip_of big big)" -a "$(ids_of "$k" | wc -l)" -eq "$all"
done

# --- 13. refusals, per remote and per publisher ------------------------------
check "every line of .pg/refusals is a refusal with its date, source, url, publisher, commit, kind and reason" python3 -c "
import json
keys = {'date', 'source', 'url', 'publisher', 'commit', 'kind', 'reason'}
rs = [json.loads(l) for l in open('$T/bob/.pg/refusals')]
assert all(set(r) == keys for r in rs), rs
got = sorted((r['source'], r['publisher'][:12], r['kind']) for r in rs)
m, a, c = '$(key_of mallory)'[:12], '$(key_of alice)'[:12], '$(key_of carol)'[:12]
want = sorted([('s2', m, 'integrity'), ('s3', m, 'integrity'), ('s4', m, 'integrity'), ('s4b', m, 'integrity'),
               ('s5', m, 'invalid'), ('s6', m, 'integrity'), ('s7', a, 'fork'), ('s7c', a, 'integrity'),
               ('s7b', c, 'integrity')])
assert got == want, got"
run by bob remote -v
check "remote -v counts each remote's refusals" \
	sh -c "grep -q '^s2 .*, 1 refusal)' '$T/out' && grep -q '^s7 .*, 1 refusal)' '$T/out' && grep -q '^good .*, 0 refusals)' '$T/out' && grep -q '^s8 .*, 0 refusals)' '$T/out'"
printf '{"date":1,"source":"cut sh' >>"$T/bob/.pg/refusals" # a crash mid-write
by bob -q remote add s4again "$URL/s4.git"
expect 3 "the same bad log from another remote is refused" by bob pull s4again
check "and recorded for that remote, after a line a crash cut short" python3 -c "
import json
lines = open('$T/bob/.pg/refusals').read().split('\n')
assert lines[-1] == '' and lines[-3] == '{\"date\":1,\"source\":\"cut sh', lines[-3:]
r = json.loads(lines[-2])
assert r['source'] == 's4again' and r['publisher'] == '$(key_of mallory)' and 'must go up by exactly one' in r['reason'], r"
lines=$(wc -l <"$T/bob/.pg/refusals")
expect 3 "the same bad log fetched again is refused again" by bob pull s2
check "and recorded once" test "$(wc -l <"$T/bob/.pg/refusals")" -eq "$lines"
run by bob remote -v
check "remote -v still counts one refusal for it" grep -q '^s2 .*, 1 refusal)' "$T/out"

echo "# $n tests"
