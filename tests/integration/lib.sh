# lib.sh - shared by the integration tests: a private world and assertions
#
# Sourced by tests/integration/t_*.sh, run by tests/run with PG (the pg
# binary under test) and ROOT (the repository) set.  Every test gets a
# fresh temporary directory as HOME and PG_HOME, removed at exit.  Output
# is TAP: 'ok N - what' or 'not ok N - what' with the evidence after it.

set -u
: "${PG:?PG must name the pg binary}" "${ROOT:?ROOT must name the repository}"
T=$(mktemp -d /tmp/pg-it-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME=$T PG_HOME=$T/home NO_COLOR=1 LC_ALL=C.UTF-8 TZ=UTC
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
unset PG_DIR XDG_CONFIG_HOME PG_PASSPHRASE PG_NOW PG_LOCK_TIMEOUT
# leaks in libraries pg uses, not in pg (an ASan build only reads this)
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
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
