# t_serve.sh - pg serve: the store over git:// by the real git daemon on
# 127.0.0.1, clones and fetches from it, and pushes to it checked by
# pg __receive-hook.  Ports are free ones found at run time, never 9418;
# every wait polls and has a time limit.
. "$(dirname "$0")/lib.sh"
CIRCLE=$ROOT/objects/geometry-circle/interface
STATS=$ROOT/objects/math-stats/interface
SORT=$ROOT/objects/sort-u32/interface

SERVE_PID=
stop_all() { [ -n "$SERVE_PID" ] && kill -KILL "$SERVE_PID" 2>/dev/null; rm -rf "$T"; }
trap stop_all EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# port_free PORT: nothing listens on it (it can be bound again)
port_free() {
	python3 -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $1))" 2>/dev/null
}
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
	local limit=$(($1 * 20)) i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.05
	done
}
serving() { grep -q '^serving ' "$T/serve.out" 2>/dev/null || ! kill -0 "$SERVE_PID" 2>/dev/null; }
gone() { ! kill -0 "$SERVE_PID" 2>/dev/null; }

# start_serve DIR ARGS...: pg serve in the background, output in
# serve.out and serve.err (emptied first, here, not in the background)
start_serve() {
	local dir=$1
	shift
	: >"$T/serve.out"
	: >"$T/serve.err"
	(cd "$dir" && exec "$PG" serve "$@") >>"$T/serve.out" 2>>"$T/serve.err" &
	SERVE_PID=$!
}
# serve DIR ARGS...: start pg serve on a free port (PORT) in the
# background and wait for its URL; another port when one was taken
# between choosing and binding.  0 when it serves.
serve() {
	local dir=$1 try
	shift
	for try in 1 2 3 4 5; do
		PORT=$(free_port)
		start_serve "$dir" --port "$PORT" "$@"
		wait_for 20 serving || return 1
		grep -q '^serving ' "$T/serve.out" && return 0
		wait "$SERVE_PID"
		SERVE_PID=
		grep -q 'is in use' "$T/serve.err" || return 1
	done
	return 1
}
# stop SIGNAL: signal pg serve and wait (10 s at most) for it; its exit
# status in STOP_RC
stop() {
	kill -"$1" "$SERVE_PID"
	if wait_for 10 gone; then
		wait "$SERVE_PID"
		STOP_RC=$?
	else
		kill -KILL "$SERVE_PID"
		STOP_RC=timeout
	fi
	SERVE_PID=
}
ids() { "$PG" -C "$1" ls --json | python3 -c 'import json,sys; print(" ".join(sorted(o["id"] for o in json.load(sys.stdin))))'; }
refs() { git --git-dir="$1/.pg" for-each-ref --format='%(refname) %(objectname)'; }
key_of() { "$PG" -C "$1" id list | sed -n 's/^\* \([0-9a-f]*\) .*/\1/p'; }

cd "$T"
S=$T/served
mkdir -p "$S"
(cd "$S" && "$PG" init -q && "$PG" id new --name alice -q >/dev/null && "$PG" publish -q "$CIRCLE") >/dev/null
ALICE=$(key_of "$S")

# --- the command line -------------------------------------------------------

run "$PG" help
check "pg help lists serve and hides __receive-hook" sh -c "grep -q '^  serve ' '$T/out' && ! grep -q receive-hook '$T/out'"
run "$PG" -C "$S" serve -h
check "pg serve -h shows every option" sh -c "for o in --port --bind --writable --verbose; do grep -q -- \"\$o\" '$T/out' || exit 1; done"
"$PG" help serve >"$T/help2"
check "pg help serve is pg serve -h" cmp -s "$T/out" "$T/help2"
expect_err 2 "--port takes 1 to 65535" "port 0 is refused" "$PG" -C "$S" serve --port 0
expect_err 2 "--port takes 1 to 65535" "port 70000 is refused" "$PG" -C "$S" serve --port 70000
expect_err 2 "takes no arguments" "an argument is refused" "$PG" -C "$S" serve extra
expect_err 4 "not in a pg store" "outside a store, pg serve says so" "$PG" -C "$T" serve
expect_err 4 "GIT_DIR is not set" "the hook outside git says it is git's" sh -c "cd '$S/.pg' && exec '$PG' __receive-hook </dev/null"

# --- read-only --------------------------------------------------------------

check "pg serve starts and prints its URL" serve "$S"
URL=git://127.0.0.1:$PORT/store
check "the URL names the store, the address and the port" grep -qxF "serving $S/.pg at $URL (read-only)" "$T/serve.out"
run git ls-remote "$URL"
check "the daemon answers as soon as the URL is printed" grep -q "refs/pg/pub/$ALICE" "$T/out"
DAEMON=$(pgrep -P "$SERVE_PID" | head -1)
check "git daemon runs in a process group of its own" test -n "$DAEMON" -a "$(ps -o pgid= -p "${DAEMON:-1}" | tr -d ' ')" = "${DAEMON:-x}"

export PG_HOME=$T/bobhome
expect 0 "pg clone of git://127.0.0.1:PORT/store" timeout 30 "$PG" clone -q "$URL" "$T/bob"
check "the clone has every object of the served store" test "$(ids "$T/bob")" = "$(PG_HOME=$T/home ids "$S")"
check "the clone holds the same log" test "$(refs "$T/bob" | grep pub/)" = "$(refs "$S")"

PG_HOME=$T/home "$PG" -C "$S" publish -q "$STATS" >/dev/null
expect 0 "pg fetch after the served store published more" timeout 30 "$PG" -C "$T/bob" fetch
check "the fetch adopted the new entry" grep -q "seq 3..3, 1 object: 1 interface" "$T/out"
check "the clone lists the new interface too" test "$(ids "$T/bob")" = "$(PG_HOME=$T/home ids "$S")"

(cd "$T/bob" && "$PG" id new --name bob -q >/dev/null && "$PG" publish -q "$SORT") >/dev/null
BOB=$(key_of "$T/bob")
before=$(refs "$S")
expect_err 10 "service not enabled" "read-only: pg push is refused" timeout 30 "$PG" -C "$T/bob" push
check "the push error says the remote is read-only" err_has "is served read-only"
check "read-only: the served store's refs are unchanged" test "$(refs "$S")" = "$before"

# an idle connection holds a child of the daemon; stopping ends it too
python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $PORT)); time.sleep(30)" &
HOLD=$!
wait_for 5 sh -c "[ \$(pgrep -g $DAEMON | wc -l) -gt 2 ]"
OLDPORT=$PORT
expect_err 10 "port $PORT on 127.0.0.1 is in use: --port N picks another" "a port in use is a clear error" \
	timeout 20 "$PG" -C "$S" serve --port "$PORT"
stop INT
check "SIGINT stops pg serve with status 0" test "$STOP_RC" = 0
check "pg serve says stopped" grep -qx stopped "$T/serve.err"
check "the port is free again" wait_for 5 port_free "$OLDPORT"
check "nothing of the daemon's process group is left" wait_for 5 sh -c "! pgrep -g $DAEMON >/dev/null"
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

# --- writable: every push checked by pg __receive-hook ----------------------

mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
check "pg serve --writable starts" serve "$S" --writable -v
unset TMPDIR
URL=git://127.0.0.1:$PORT/store
check "--writable says pushes are verified" grep -qF "at $URL (writable: every push is verified)" "$T/serve.out"
check "the pre-receive hook lives in a private directory" sh -c "ls '$T'/tmp/pg-serve-*/pre-receive >/dev/null"
check "the store's own hooks directory is untouched" test ! -e "$S/.pg/hooks/pre-receive"
"$PG" -C "$T/bob" remote rm origin >/dev/null 2>&1
"$PG" -C "$T/bob" remote add origin "$URL" >/dev/null 2>&1
expect 0 "pg push of a new publisher's log" timeout 30 "$PG" -C "$T/bob" push
check "pg push says the log was sent" has "sent refs/pg/pub/$BOB"
check "the served store lists the pushed objects" test "$(ids "$T/bob")" = "$(PG_HOME=$T/home ids "$S")"
expect 0 "the served store's fsck passes after the push" env PG_HOME="$T/home" "$PG" -C "$S" fsck
check "-v relays git daemon's log" grep -q "Request receive-pack for '/store'" "$T/serve.err"

# carol pushes with plain git: the hook reads her objects from git's
# quarantine, before git has moved them into the store
export PG_HOME=$T/carolhome
new_store "$T/carol" carol
(cd "$T/carol" && "$PG" publish -q "$CIRCLE") >/dev/null
CAROL=$(key_of "$T/carol")
CTIP=$(git --git-dir="$T/carol/.pg" rev-parse "refs/pg/pub/$CAROL")
check "the served store lacks carol's commit before her push" sh -c "! git --git-dir='$S/.pg' cat-file -e $CTIP 2>/dev/null"
run timeout 30 git --git-dir="$T/carol/.pg" push "$URL" "refs/pg/pub/$CAROL:refs/pg/pub/$CAROL"
check "a good git push goes through the hook" sh -c "[ $rc -eq 0 ] && grep -q 'remote: pg: verified ${CAROL:0:12}: seq 1..2, 2 new objects' '$T/err'"
check "the served store has carol's log" test "$(git --git-dir="$S/.pg" rev-parse "refs/pg/pub/$CAROL")" = "$CTIP"

# dave's log with one object's bytes altered after signing
export PG_HOME=$T/davehome
new_store "$T/dave" dave
(cd "$T/dave" && "$PG" publish -q "$STATS") >/dev/null
DAVE=$(key_of "$T/dave")
DG="git --git-dir=$T/dave/.pg"
tip=$($DG rev-parse "refs/pg/pub/$DAVE")
path=$(for p in $($DG ls-tree -r --name-only "$tip" o); do $DG show "$tip:$p" | grep -q 'math::stats' && echo "$p"; done)
blob=$($DG show "$tip:$path" | sed 's/math::stats/meth::stats/' | $DG hash-object -w --stdin)
tree=$(GIT_INDEX_FILE=$T/idx sh -c "$DG read-tree $tip && $DG update-index --cacheinfo 100644,$blob,$path && $DG write-tree")
bad=$($DG cat-file commit "$tip" | sed "1s/^tree .*/tree $tree/" | $DG hash-object -t commit -w --stdin)
before=$(refs "$S")
run timeout 30 $DG push "$URL" "$bad:refs/pg/pub/$DAVE"
check "a tampered log is rejected" test "$rc" -ne 0
check "the pusher sees why" sh -c "grep -q 'remote: pg: refused refs/pg/pub/$DAVE: integrity: ' '$T/err' && grep -q 'pre-receive hook declined' '$T/err'"
check "the served store's refs are unchanged" test "$(refs "$S")" = "$before"
check "the refusal is recorded in .pg/refusals" python3 -c "
import json
r = [json.loads(l) for l in open('$S/.pg/refusals')]
assert any(x['source'] == 'push' and x['publisher'] == '$DAVE' and x['commit'] == '$bad' and x['kind'] == 'integrity' for x in r), r"
$DG update-ref "refs/pg/pub/$DAVE" "$bad"
"$PG" -C "$T/dave" remote add hub "$URL" >/dev/null 2>&1
expect_err 3 "integrity" "pg push of the tampered log fails with the remote's reason" timeout 30 "$PG" -C "$T/dave" push hub
check "pg push names the refusal" err_has "pg: refused refs/pg/pub/$DAVE"

# dave's good log under another key's ref name
EVE=$(printf 'e%.0s' $(seq 64))
run timeout 30 $DG push "$URL" "$tip:refs/pg/pub/$EVE"
check "a log pushed under another publisher's name is rejected" sh -c "[ $rc -ne 0 ] && grep -q 'remote: pg: refused refs/pg/pub/$EVE' '$T/err'"
check "the forged name is recorded as a refusal" grep -q "\"publisher\":\"$EVE\"" "$S/.pg/refusals"
run timeout 30 $DG push "$URL" "$tip:refs/heads/main"
check "a ref outside refs/pg/pub/ is rejected" sh -c "[ $rc -ne 0 ] && grep -q 'pg: refused refs/heads/main: ref: this store takes only logs' '$T/err'"
run timeout 30 $DG push "$URL" "$tip:refs/pg/pub/$(printf 'E%.0s' $(seq 64))"
check "a key in upper case is not a log ref" sh -c "[ $rc -ne 0 ] && grep -q 'ref: this store takes only logs' '$T/err'"

# non-fast-forward and deletion of bob's log
BTIP=$(git --git-dir="$S/.pg" rev-parse "refs/pg/pub/$BOB")
run timeout 30 git --git-dir="$S/.pg" push --force "$URL" "$BTIP~1:refs/pg/pub/$BOB"
check "a non-fast-forward push is rejected" sh -c "[ $rc -ne 0 ] && grep -q 'pg: refused refs/pg/pub/$BOB: non-fast-forward' '$T/err'"
run timeout 30 git --git-dir="$S/.pg" push "$URL" ":refs/pg/pub/$BOB"
check "a deletion is rejected" sh -c "[ $rc -ne 0 ] && grep -q 'pg: refused refs/pg/pub/$BOB: delete' '$T/err'"

# bob signs a second history (same key, another store): a fork, which
# pg push does not send (libgit2 will not push over commits it lacks)
export PG_HOME=$T/bobhome
mkdir -p "$T/bob2"
(cd "$T/bob2" && "$PG" init -q && "$PG" publish -q "$CIRCLE") >/dev/null
run timeout 30 git --git-dir="$T/bob2/.pg" push --force "$URL" "refs/pg/pub/$BOB:refs/pg/pub/$BOB"
check "a forked log is rejected with the reason" sh -c "[ $rc -ne 0 ] && grep -q 'pg: refused refs/pg/pub/$BOB: fork: the log forks at seq ' '$T/err'"
check "the fork is recorded" python3 -c "
import json
r = [json.loads(l) for l in open('$S/.pg/refusals')]
assert any(x['publisher'] == '$BOB' and x['kind'] == 'fork' for x in r), r"
check "after every refusal the served store's refs are unchanged" test "$(refs "$S")" = "$before"
check "git's quarantine directories are gone" sh -c "! ls -d '$S'/.pg/objects/tmp_objdir* 2>/dev/null"
expect 0 "the served store's fsck still passes" env PG_HOME="$T/home" "$PG" -C "$S" fsck

stop TERM
check "SIGTERM stops pg serve --writable with status 0" test "$STOP_RC" = 0
check "the hook's private directory is removed" sh -c "[ -z \"\$(ls -A '$T/tmp')\" ]"

# --- IPv6 loopback, where there is one ----------------------------------------
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	PORT=$(free_port)
	start_serve "$S" --bind ::1 --port "$PORT"
	wait_for 20 serving
	check "--bind ::1 prints a bracketed URL and no warning" sh -c "grep -qF 'at git://[::1]:$PORT/store (read-only)' '$T/serve.out' && ! grep -q warning '$T/serve.err'"
	# git's own client: libgit2 1.5 sends git daemon a host of "[" for
	# an IPv6 literal, which the daemon refuses
	run timeout 30 git ls-remote "git://[::1]:$PORT/store"
	check "the store is served on ::1" grep -q "refs/pg/pub/$ALICE" "$T/out"
	stop INT
else
	ok "# SKIP no IPv6 loopback"
fi

echo "# $n tests"
