# t_ssh.sh - ssh:// through a private sshd: the host key is checked against
# ~/.ssh/known_hosts and never silently accepted; login with keys only, and
# a key the server refuses ends the login promptly; fetch, push and clone.
#
# The sshd runs from the test directory on 127.0.0.1 and a free port, with
# its own host key and authorized_keys; the login is as the user running
# the test (root in CI: PermitRootLogin prohibit-password).
. "$(dirname "$0")/lib.sh"
unset SSH_AUTH_SOCK SSH_AGENT_PID
CIRCLE=$ROOT/objects/geometry-circle/interface
SSHD=/usr/sbin/sshd
user=$(id -un)

if [ ! -x "$SSHD" ] || ! command -v ssh-keygen >/dev/null || ! command -v ssh-keyscan >/dev/null; then
	not_ok "openssh-server and openssh-client are installed ('make deps' installs them)"
	echo "# $n tests"
	exit 1
fi

# Under the sanitizers (tests/run sets ASAN_OPTIONS), libgit2 1.5.1 leaks
# inside every ssh connect: the known_hosts path (its load_known_hosts
# releases two git_str buffers with git_str_clear, not git_str_dispose),
# and when login fails, libssh2's list of auth methods.  libgit2's own
# frames are stripped, so only a full stack names them, by the exported
# call they sit under: pg's runs here unwind slowly and suppress leaks
# under git_remote_connect_ext (which hides any leak of pg's callbacks
# too: they allocate nothing that outlives them).
if [ -n "${ASAN_OPTIONS:-}" ]; then
	{ cat "$ROOT/tests/lsan.supp" 2>/dev/null; echo "leak:git_remote_connect_ext"; } >"$T/lsan.supp"
	export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0:malloc_context_size=16"
	export LSAN_OPTIONS="suppressions=$T/lsan.supp:print_suppressions=0"
fi

sshd_pid=
stop_sshd() {
	[ -n "$sshd_pid" ] || return 0
	kill "$sshd_pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$sshd_pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$sshd_pid" 2>/dev/null
	sshd_pid=
}
agent_pid=
trap 'stop_sshd; [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null; rm -rf "$T"' EXIT

# sshd's privilege separation directory; only root's sshd needs it
[ "$(id -u)" -ne 0 ] || [ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd

S=$T/sshd
mkdir -p "$S" "$T/.ssh"
ssh-keygen -q -t ed25519 -N '' -C pg-test-host -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -C pg-test-user -f "$T/.ssh/id_ed25519"
cp "$T/.ssh/id_ed25519.pub" "$S/authorized_keys"

# sshd_start: on a port bound and released by python; another test may
# take it in between, so up to three ports are tried.  Ready when it logs
# that it listens; every wait has a limit.
sshd_start() {
	local try
	for try in 1 2 3; do
		PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$S/sshd_config" <<-CONF
			ListenAddress 127.0.0.1:$PORT
			HostKey $S/host_key
			PidFile $S/sshd.pid
			AuthorizedKeysFile $S/authorized_keys
			StrictModes no
			UsePAM no
			PubkeyAuthentication yes
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PermitRootLogin prohibit-password
			AllowTcpForwarding no
			X11Forwarding no
			LogLevel VERBOSE
		CONF
		"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/log" &
		sshd_pid=$!
		for _ in $(seq 100); do
			grep -q "Server listening on 127.0.0.1 port $PORT" "$S/log" && return 0
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_sshd
	done
	return 1
}
sshd_log() { sed 's/^/#   sshd: /' "$S/log" | tail -${1:-8}; }

if ! sshd_start; then
	not_ok "a private sshd starts on 127.0.0.1"
	sshd_log 20
	echo "# $n tests"
	exit 1
fi
ok "a private sshd listens on 127.0.0.1:$PORT"

# the served store: a plain pg store, its identity under its own PG_HOME
mkdir -p "$T/served"
(cd "$T/served" && PG_HOME=$T/srvhome "$PG" init -q && PG_HOME=$T/srvhome "$PG" id new --name hub -q >/dev/null &&
	PG_HOME=$T/srvhome "$PG" publish -q "$CIRCLE" >/dev/null)
check "the served store holds a published log" test -n "$(git --git-dir="$T/served/.pg" for-each-ref refs/pg/pub)"
URL="ssh://$user@127.0.0.1:$PORT$T/served/.pg"

new_store "$T/local" me
cd "$T/local"
expect 0 "pg remote add hub ssh://$user@127.0.0.1:PORT/.../served/.pg" "$PG" remote add hub "$URL"
# what a fetch could change: every ref (quarantine included), the objects, the refusals
state() {
	git --git-dir=.pg for-each-ref --format='%(refname) %(objectname)'
	git --git-dir=.pg count-objects -v | grep -E '^(count|in-pack):'
	cat .pg/refusals 2>/dev/null
}
before=$(state)
unchanged() { [ "$(state)" = "$before" ]; }

fp() { ssh-keygen -lf "$1" | cut -d' ' -f2; } # a key's SHA256 fingerprint, as sshd logs it

# fetch_refused CODE TEXT WHAT: pg fetch hub fails with CODE and TEXT on
# stderr, within 15 seconds, and the store is as it was
fetch_refused() {
	local code=$1 text=$2 what=$3
	run timeout 15 "$PG" fetch hub
	if [ "$rc" -eq "$code" ] && grep -qF -- "$text" "$T/err" && unchanged; then
		ok "$what"
	else
		not_ok "$what (exit $rc, wanted $code with '$text' and the store unchanged)"
		sshd_log
	fi
}

# --- host keys ----------------------------------------------------------------
khost="[127.0.0.1]:$PORT"
hostkey=$(cut -d' ' -f1,2 "$S/host_key.pub")
ssh-keygen -q -t ed25519 -N '' -f "$T/other_ed25519"
ssh-keygen -q -t ecdsa -N '' -f "$T/other_ecdsa"

rm -f "$T/.ssh/known_hosts"
fetch_refused 3 "not in ~/.ssh/known_hosts" "no ~/.ssh/known_hosts: the host key is refused (exit 3), nothing adopted"
check "  ...and pg does not record the key itself" test ! -e "$T/.ssh/known_hosts"
: >"$T/.ssh/known_hosts"
fetch_refused 3 "never accepts an unknown or changed host key" "an empty ~/.ssh/known_hosts: the unknown host key is refused"
check "  ...the message says what to do" err_has "check the key's fingerprint with the server's owner, then record it"
check "  ...and carries libgit2's reason" err_has "invalid or unknown remote ssh hostkey"
check "  ...known_hosts stays empty" test ! -s "$T/.ssh/known_hosts"

echo "$khost $(cut -d' ' -f1,2 "$T/other_ed25519.pub")" >"$T/.ssh/known_hosts"
fetch_refused 3 "differs from the one recorded there" "a different ed25519 key recorded for [127.0.0.1]:PORT is refused"
echo "$khost $(cut -d' ' -f1,2 "$T/other_ecdsa.pub")" >"$T/.ssh/known_hosts"
fetch_refused 10 "known_hosts records a key of another type" "a key of another type recorded for the host is refused"
echo "[127.0.0.1]:1 $hostkey" >"$T/.ssh/known_hosts"
fetch_refused 3 "not in ~/.ssh/known_hosts" "the right key recorded for another port is refused"
echo "[localhost]:$PORT $hostkey" >"$T/.ssh/known_hosts"
fetch_refused 3 "not in ~/.ssh/known_hosts" "the right key recorded for another host name is refused"
check "the refused fetches left no refusal records (nothing was received)" test ! -e .pg/refusals

# --- login ----------------------------------------------------------------------
timeout 10 ssh-keyscan -p "$PORT" 127.0.0.1 >"$T/.ssh/known_hosts" 2>/dev/null
check "ssh-keyscan records the host's key" grep -qF "$khost $hostkey" "$T/.ssh/known_hosts"

mv "$T/.ssh/id_ed25519" "$T/.ssh/id_ed25519.authorized"
mv "$T/.ssh/id_ed25519.pub" "$T/.ssh/id_ed25519.authorized.pub"
fetch_refused 6 "no ssh key to log in as '$user' with" "no key at all: refused (exit 6), saying how to make one"
cp "$T/other_ed25519" "$T/.ssh/id_ed25519"
cp "$T/other_ed25519.pub" "$T/.ssh/id_ed25519.pub"
cp "$T/other_ecdsa" "$T/.ssh/id_ecdsa"
start=$(date +%s)
seen=$(wc -l <"$S/log")
fetch_refused 6 "took none of the keys offered for user '$user' (~/.ssh/id_ed25519, ~/.ssh/id_ecdsa)" \
	"keys the server does not know: refused (exit 6)"
check "  ...promptly (under 5 s)" test $(($(date +%s) - start)) -lt 5
check "  ...the message says what to do" err_has "add your public key (the .pub file) to that user's authorized_keys"
# sshd allows 6 tries (MaxAuthTries): a callback that offered keys in a
# loop would be cut off there, so count what it offered
check "  ...sshd saw each key offered once, and no password" sh -c "
	tail -n +$((seen + 1)) '$S/log' | grep 'Failed publickey for $user' >'$T/failed'
	[ \$(wc -l <'$T/failed') -eq 2 ] && grep -qF '$(fp "$T/other_ed25519.pub")' '$T/failed' &&
	grep -qF '$(fp "$T/other_ecdsa.pub")' '$T/failed' && ! grep -qi 'password' '$S/log'"
rm -f "$T/.ssh/id_ecdsa" "$T/.ssh/id_ed25519.pub"
ssh-keygen -q -p -N 'a passphrase' -f "$T/.ssh/id_ed25519" >/dev/null
fetch_refused 6 "ssh-agent" "a key file with a passphrase and no .pub: refused (exit 6), pointing at ssh-agent"
mv "$T/.ssh/id_ed25519.authorized" "$T/.ssh/id_ed25519"
mv "$T/.ssh/id_ed25519.authorized.pub" "$T/.ssh/id_ed25519.pub"

# --- fetch, push, clone ---------------------------------------------------------
ids() { python3 -c 'import json,sys; print(" ".join(sorted(o["id"] for o in json.load(open(sys.argv[1])))))' "$1"; }
(cd "$T/served" && PG_HOME=$T/srvhome "$PG" ls --json >"$T/served.json")
expect 0 "with the key in known_hosts, pg fetch hub over ssh" timeout 15 "$PG" fetch hub
[ "$rc" -eq 0 ] || sshd_log
check "  ...adopts the served log" err_has "hub: adopted 1 log (2 new objects), refused 0"
run "$PG" ls --json
check "  ...pg ls lists the served store's objects and our own" python3 -c "
import json; mine=json.load(open('$T/out')); theirs=json.load(open('$T/served.json'))
t={o['id'] for o in theirs}; m={o['id'] for o in mine}
assert len(t) == 2 and t < m and len(m - t) == 1, (t, m)"
hubref=$(git --git-dir="$T/served/.pg" for-each-ref --format='%(refname) %(objectname)' refs/pg/pub)
check "  ...its ref at the hub's tip" sh -c "git --git-dir=.pg for-each-ref --format='%(refname) %(objectname)' refs/pg/pub | grep -qxF '$hubref'"

ssh-keygen -q -H -f "$T/.ssh/known_hosts" >/dev/null 2>&1
rm -f "$T/.ssh/known_hosts.old"
check "known_hosts hashed (ssh-keygen -H)" sh -c "! grep -qF '127.0.0.1' '$T/.ssh/known_hosts' && grep -q '^|1|' '$T/.ssh/known_hosts'"
expect 0 "  ...a fetch still finds the host's key" timeout 15 "$PG" fetch hub
expect 0 "a remote with no user@ logs in as the local user" "$PG" remote add nouser "ssh://127.0.0.1:$PORT$T/served/.pg"
expect 0 "  ...and fetches" timeout 15 "$PG" fetch nouser

# ssh-agent: its keys first, then the key files
eval "$(timeout 10 ssh-agent -s -a "$T/agent.sock")" >/dev/null
agent_pid=${SSH_AGENT_PID:-}
SSH_ASKPASS= timeout 10 ssh-add -q "$T/other_ed25519" </dev/null 2>/dev/null
check "an ssh-agent holds a key the server does not know" sh -c "ssh-add -l | grep -q ED25519"
seen=$(wc -l <"$S/log")
expect 0 "  ...a fetch logs in with the key file after the agent's key is refused" timeout 15 "$PG" fetch hub
check "  ...sshd saw the agent's key refused, then the file's taken" sh -c "
	tail -n +$((seen + 1)) '$S/log' | grep -qF 'Failed publickey for $user from 127.0.0.1' &&
	tail -n +$((seen + 1)) '$S/log' | grep -F 'Failed publickey' | grep -qF '$(fp "$T/other_ed25519.pub")' &&
	tail -n +$((seen + 1)) '$S/log' | grep -F 'Accepted publickey for $user' | grep -qF '$(fp "$T/.ssh/id_ed25519.pub")'"
mkdir "$T/.ssh/away" && mv "$T/.ssh/id_ed25519" "$T/.ssh/id_ed25519.pub" "$T/.ssh/away/"
SSH_ASKPASS= timeout 10 ssh-add -q "$T/.ssh/away/id_ed25519" </dev/null 2>/dev/null
expect 0 "  ...with no key files, the agent's authorized key logs in" timeout 15 "$PG" fetch hub
mv "$T/.ssh/away/id_ed25519" "$T/.ssh/away/id_ed25519.pub" "$T/.ssh/"
kill "$agent_pid" 2>/dev/null
agent_pid=
unset SSH_AUTH_SOCK SSH_AGENT_PID

me=$(git --git-dir=.pg for-each-ref --format='%(refname)' refs/pg/pub | grep -vxF "${hubref% *}")
expect 0 "pg push hub over ssh" timeout 15 "$PG" push hub
[ "$rc" -eq 0 ] || sshd_log
check "  ...sends our log" err_has "hub: sent 1 log"
check "  ...the hub holds it at our tip" test -n "$me" -a "$(git --git-dir="$T/served/.pg" rev-parse -q --verify "$me")" = "$(git --git-dir=.pg rev-parse "$me")"
expect 0 "  ...a second push has nothing to send" timeout 15 "$PG" push hub
check "  ...and says so" err_has "hub: sent 0 logs"
expect 0 "the hub store verifies what was pushed" sh -c "cd '$T/served' && PG_HOME='$T/srvhome' '$PG' fsck -q"

cd "$T"
expect 0 "pg clone ssh://... into a new directory" timeout 15 "$PG" clone "$URL" cloned
[ "$rc" -eq 0 ] || sshd_log
run "$PG" -C "$T/local" ls --json
cp "$T/out" "$T/local.json"
run "$PG" -C "$T/cloned" ls --json
check "  ...the clone holds every object of both logs" test "$(ids "$T/out")" = "$(ids "$T/local.json")" -a -n "$(ids "$T/out")"
check "  ...with origin at the ssh URL" sh -c "'$PG' -C '$T/cloned' remote -v | grep -qF '$URL'"

mkdir -p "$T/stranger/.ssh"
cp "$T/.ssh/id_ed25519" "$T/.ssh/id_ed25519.pub" "$T/stranger/.ssh/"
run env HOME="$T/stranger" timeout 15 "$PG" clone "$URL" "$T/clone2"
check "a clone from a host not in known_hosts is refused (exit 3)" sh -c "[ $rc -eq 3 ] && grep -qF 'never accepts an unknown' '$T/err'"
check "  ...and adopts nothing" sh -c "[ ! -e '$T/clone2' ] || [ -z \"\$(git --git-dir='$T/clone2/.pg' for-each-ref refs/pg)\" ]"

pid=$sshd_pid
stop_sshd
check "sshd stopped" sh -c "! kill -0 $pid 2>/dev/null"
echo "# $n tests"
