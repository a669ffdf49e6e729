# lib.sh - shared by the integration tests: a private world and assertions
#
# Sourced by tests/integration/t_*.sh, run by tests/run with PG (the pg
# binary under test) and ROOT (the repository) set.  Every test gets a
# fresh temporary directory as HOME and PG_HOME, removed at exit.  Output
# is TAP: 'ok N - what' or 'not ok N - what' with the evidence after it.

set -u
: "${PG:?PG must name the pg binary}" "${ROOT:?ROOT must name the repository}"
T=$(mktemp -d /tmp/pg-it-XXXXXX)
# processes a test starts in the background (track PID) end with it
T_PIDS=""
track() { T_PIDS="$T_PIDS $*"; }
at_exit() {
	local p
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for p in $T_PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap at_exit EXIT
export HOME=$T PG_HOME=$T/home NO_COLOR=1 LC_ALL=C.UTF-8 TZ=UTC
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
unset PG_DIR XDG_CONFIG_HOME PG_PASSPHRASE PG_NOW PG_LOCK_TIMEOUT
# under ASan: leaks of system libraries that are not pg's (see the file)
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
n=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $*"
	[ -s "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -20
	[ -s "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -20
	return 0
}

# run CMD...: run with stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect CODE DESCRIPTION CMD...: the command exits with CODE
expect() {
	local code=$1 what=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$code" ]; then ok "$what"; else not_ok "$what (exit $rc, wanted $code)"; fi
}

# expect_err CODE TEXT DESCRIPTION CMD...: exits with CODE, stderr has TEXT
expect_err() {
	local code=$1 text=$2 what=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$code" ] && grep -qF -- "$text" "$T/err"; then
		ok "$what"
	else
		not_ok "$what (exit $rc, wanted $code with '$text')"
	fi
}

# check DESCRIPTION CONDITION...: a test built from any shell condition
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }

# A snapshot of everything the store holds: refs and the object listing.
snapshot() {
	git --git-dir="${1:-.pg}" for-each-ref --format='%(refname) %(objectname)' refs/pg
	"$PG" ls 2>/dev/null
}

# new_store DIR NAME: a store in DIR with identity NAME in use
new_store() {
	mkdir -p "$1" && (cd "$1" && "$PG" init -q && "$PG" id new --name "$2" -q >/dev/null)
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; 1 if it
# never did within SECONDS
wait_for() {
	local limit=$(($1 * 20)) i=0
	shift
	until "$@" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.05
	done
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago (another
# process may take it before the caller binds it: callers retry)
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_daemon BASE [ARGS...]: a git daemon on 127.0.0.1 serving every
# repository below BASE (ARGS: e.g. --enable=receive-pack), on a free port,
# retried on a collision with another suite; sets DAEMON_PORT, DAEMON_PID.
# It is killed when the test exits (or by stop PID).
start_daemon() {
	local base=$1 try port pid
	shift
	for try in 1 2 3 4 5; do
		port=$(free_port)
		git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --export-all --informative-errors \
			--base-path="$base" "$@" >>"$T/daemon.log" 2>&1 &
		pid=$!
		track "$pid"
		# ready when it accepts connections; dead means the port was taken
		if wait_for 10 port_open "$port" "$pid"; then
			DAEMON_PORT=$port DAEMON_PID=$pid
			return 0
		fi
		stop "$pid"
	done
	echo "# start_daemon: no git daemon could listen (see $T/daemon.log)" >&2
	return 1
}
port_open() { kill -0 "$2" && (exec 3<>"/dev/tcp/127.0.0.1/$1"); }

# stop PID...: end processes this test started, and reap them
stop() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
	return 0
}

# person NAME: a store $T/NAME whose owner has identity NAME in its own
# PG_HOME ($T/NAME.home); 'by NAME ARGS...' runs pg as that person in it
person() {
	mkdir -p "$T/$1" && PG_HOME="$T/$1.home" "$PG" -C "$T/$1" init -q &&
		PG_HOME="$T/$1.home" "$PG" -C "$T/$1" id new --name "$1" -q >/dev/null
}
by() {
	local who=$1
	shift
	PG_HOME="$T/$who.home" "$PG" -C "$T/$who" "$@"
}

# iface WHO NAME: WHO publishes an interface NAME (made up in $T/src/NAME);
# its id in $id
iface() {
	local d=$T/src/$2
	mkdir -p "$d"
	printf 'type: interface\nname: %s\n' "$2" >"$d/pg.yaml"
	printf '// %s\nfn ping() -> bool;\n' "$2" >"$d/interface.pgi"
	id=$(by "$1" publish -q "$d" | cut -d' ' -f1)
}
# key_of WHO: the key of WHO's identity in use
key_of() { cat "$T/$1.home/current"; }
# tip_of DIR WHO: the commit WHO's log is at in the store or hub DIR
tip_of() { pub_refs "$1" | sed -n "s|^refs/pg/pub/$(key_of "$2") ||p"; }

# pub_refs DIR: the logs a store (or a bare hub repository) holds, a line each
pub_refs() {
	local d=$1
	[ -d "$d/.pg" ] && d=$d/.pg
	git --git-dir="$d" for-each-ref --format='%(refname) %(objectname)' refs/pg/pub
}
# ids_of NAME: the ids of every object NAME's store lists, sorted
ids_of() {
	by "$1" ls --json | python3 -c 'import json, sys; print("\n".join(sorted(o["id"] for o in json.load(sys.stdin))))'
}
