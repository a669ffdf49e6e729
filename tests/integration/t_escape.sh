# t_escape.sh - implementations and spec scripts that try to get out of the
# sandbox: read the user's keys, trace or signal pg, fill the disk, flood
# the output, sleep past the wall clock, outlive pg, reach the network or
# write outside.  Each is contained and reported, pg stays up, the store
# and the host are untouched, and the secret key is shown unreadable from
# inside by a probe that does find it from outside.  (t_hostile.sh has the
# simpler misbehaviours.)
. "$(dirname "$0")/lib.sh"

MARK=pgesc$$ # in the command line of everything hostile started here
cd "$T"
new_store "$T/s" alice
cd "$T/s"
PK=$(cat "$PG_HOME/current")
KEYFILE=$PG_HOME/keys/$PK
SECRET=$(sed -n 's/^secret //p' "$KEYFILE")
SEED=${SECRET:0:64}
PASS=pass-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
check "the key file holds the secret key in hex (what must not leak)" test ${#SECRET} -eq 128

# iface DIR NAME, spec DIR NAME INTERFACE CASES: an interface of one echo
# call; a spec whose cases.yaml is CASES
iface() {
	mkdir -p "$1"
	printf 'type: interface\nname: %s\n' "$2" >"$1/pg.yaml"
	printf '// Answers its argument.\nfn echo(x: i64) -> i64;\n' >"$1/interface.pgi"
}
spec() {
	mkdir -p "$1"
	printf 'type: spec\nname: %s\ninterface: %s\n' "$2" "$3" >"$1/pg.yaml"
	printf '%s\n' "$4" >"$1/cases.yaml"
}
# impl NAME [INTERFACE [RUN]]: an implementation in $T/NAME, impl.py from stdin
impl() {
	mkdir -p "$T/$1"
	printf 'type: impl\nname: %s\ninterface: %s\nlang: python\nrun: %s\n' "$1" "${2:-test::echo}" \
		"${3:-python3 impl.py}" >"$T/$1/pg.yaml"
	cat >"$T/$1/impl.py"
}
# script_spec NAME RUN [-]: a spec of test::echo in $T/NAME whose only check is
# the script RUN; with -, its script.py from stdin
script_spec() {
	spec "$T/$1" "$1" test::echo "$(printf 'scripts:\n  - {description: %s, run: "%s"}' "$1" "$2")"
	[ "${3:-}" != - ] || cat >"$T/$1/script.py"
}
ECHO='import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        break
    print(json.dumps({"id": r["id"], "ok": r["args"][0]}), flush=True)'

iface "$T/echo" test::echo
spec "$T/echo-spec" echo-spec test::echo 'timeout: 2
cases:
  - {description: one, call: echo, args: [1], expect: 1}
  - {description: two, call: echo, args: [2], expect: 2}
  - {description: three, call: echo, args: [3], expect: 3}'
impl good <<<"$ECHO"
expect 0 "publish an interface, its spec and a good implementation" "$PG" publish "$T/echo" "$T/echo-spec" "$T/good"

# pgv DIR ARGS...: pg ARGS... (run's way), pg's pid first written to
# DIR/pgpid, so that the code under test knows pg's pid on the host
pgv() {
	local d=$1
	shift
	run sh -c 'echo $$ >"$1/pgpid"; shift; exec "$@"' sh "$d" "$PG" "$@"
}
# reason TEXT: pg's output names TEXT as what happened
reason() { grep -qF -- "$1" "$T/out"; }
# fails_with DESCRIPTION TEXT: the last verify exited 1 and said TEXT
fails_with() {
	if [ "$rc" -eq 1 ] && reason "$2"; then ok "$1"; else not_ok "$1 (exit $rc, wanted 1 with '$2')"; fi
}
# none_left PATTERN: no process has PATTERN in its command line
none_left() { ! pgrep -f "$1" >/dev/null; }
# nowhere GLOB: no file matches GLOB at the top of a host directory code
# might reach for, nor anywhere in the test's directory or the caches
nowhere() {
	local d
	for d in / /tmp /var/tmp /dev/shm /usr "$HOME"; do
		! compgen -G "$d/$1" >/dev/null || return 1
	done
	! find "$T" /var/tmp/pg-cache -name "$1" 2>/dev/null | grep -q .
}
STORE0=$(snapshot "$T/s/.pg")
same_store() { [ "$(snapshot "$T/s/.pg")" = "$STORE0" ]; }

# --- the slow ones first, in the background: a script's wall clock is 60 s,
# its CPU 20 s (pg-verify(1)), and nothing shorter applies to a script
script_spec sleeper "python3 -c 'import time; time.sleep(3600)' $MARK-sleep"
script_spec spinner "python3 -c 'while True: pass' $MARK-spin"
script_spec bomber "python3 script.py $MARK-bomb" - <<'EOF'
import os, time
# every process forks as long as it can, and sleeps when it cannot
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
EOF
for s in sleeper spinner bomber; do
	("$PG" verify --no-publish "$T/$s" >"$T/$s.out" 2>"$T/$s.err"; echo $? >"$T/$s.rc") &
	track $!
done
# the bomb at its height: no more processes than the limit (16, sh included)
(sleep 6; pgrep -fc "^python3 script.py $MARK-bomb" >"$T/bomb.count") &
track $!

# --- the user's keys ----------------------------------------------------------
# The probe tries every way to the secret key and the passphrase and
# reports what it found (see its first comment).  It runs as an impl
# (at build time, writing what it found into its build directory, and
# at run time, answering with it), and as a spec's script.
probe() { # DIR PG_HOME HOME STORE PK: DIR/probe.py
	{
		printf 'PKHEX = "%s"\nPG_HOME = "%s"\nHOME = "%s"\nSTORE = "%s"\n' "$5" "$2" "$3" "$4"
		cat <<'EOF'
import ctypes, json, os, re, stat, sys, time

# Everything it can reach that may hold the user's secret key or passphrase:
# the key files, HOME, the store, pg's /proc (its pid in ./pgpid or
# /impl/pgpid), every process /proc shows, every inherited descriptor, the
# environment, /dev/shm and the temporary directories.  It reports what it
# found (KEY: a seed whose public key is PK; PASSPHRASE: a value of
# PG_PASSPHRASE) and where, or "found nothing".
PK = bytes.fromhex(PKHEX)
try:
    sodium = ctypes.CDLL("libsodium.so.23")
except OSError:
    sodium = None
found = {}
tried = got = 0
budget = [256 << 20]
start = time.monotonic()


def real_seed(seed):
    if sodium is None:
        return True
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    sodium.crypto_sign_seed_keypair(pk, sk, seed)
    return pk.raw == PK


def note(kind, value, where):
    places = found.setdefault((kind, value), [])
    if where not in places and len(places) < 12:
        places.append(where)


def look(blob, where, env=False):
    global got
    got += 1
    if PKHEX.encode() in blob:
        for m in re.finditer(rb"([0-9a-f]{64})" + PKHEX.encode(), blob):
            if real_seed(bytes.fromhex(m.group(1).decode())):
                note("KEY", m.group(1).decode(), where)
    i = blob.find(PK)
    while i >= 0:
        if i >= 32 and real_seed(blob[i - 32:i]):
            note("KEY", blob[i - 32:i].hex(), where)
        i = blob.find(PK, i + 1)
    if b"PG_PASSPHRASE=" in blob:
        for m in re.finditer(rb"PG_PASSPHRASE=([^\0]+)" if env else rb"\0PG_PASSPHRASE=([^\0]+)\0", blob):
            note("PASSPHRASE", m.group(1).decode("latin-1"), where)


def read_fd(fd, where, env=False, limit=256 << 10):
    data = b""
    try:
        while len(data) < limit and budget[0] > 0:
            b = os.read(fd, 65536)
            if not b:
                break
            data += b
            budget[0] -= len(b)
    except OSError:
        pass
    if data:
        look(data, where, env)


def read_path(path, depth=0):
    """A file, or a directory walked; pipes, sockets and devices are left
    alone (reading another process's stdin would steal its input)."""
    global tried
    tried += 1
    if tried > 3000 or time.monotonic() - start > 5:
        return
    try:
        kind = os.stat(path).st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
            return
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return
    try:
        if stat.S_ISREG(kind):
            read_fd(fd, path, path.endswith("/environ"))
        elif depth < 8:
            for name in sorted(os.listdir(fd)):
                read_path(os.path.join(path, name), depth + 1)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_mem(pid):
    """Every readable mapping of a process, through /proc/PID/mem."""
    global tried
    tried += 1
    try:
        maps = open("/proc/%s/maps" % pid).read().splitlines()
        fd = os.open("/proc/%s/mem" % pid, os.O_RDONLY)
    except OSError:
        return
    try:
        for line in maps:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if line.split()[1][0] != "r" or hi - lo > (64 << 20) or budget[0] <= 0:
                continue
            try:
                look(os.pread(fd, hi - lo, lo), "/proc/%s/mem" % pid)
                budget[0] -= hi - lo
            except OSError:
                pass
    finally:
        os.close(fd)


def probe():
    pgpid = None
    for f in ("pgpid", "/impl/pgpid"):
        try:
            pgpid = open(f).read().strip()
            break
        except OSError:
            pass
    read_path(PG_HOME + "/keys")
    look("\0".join("%s=%s" % kv for kv in os.environ.items()).encode(), "environ", True)
    # its own descriptors beyond stdin, stdout and stderr: a file is read
    # through the descriptor (opening it again would check permissions)
    for fd in sorted(int(f) for f in os.listdir("/proc/self/fd")):
        try:
            if fd > 2 and stat.S_ISREG(os.fstat(fd).st_mode):
                look(os.pread(fd, 1 << 20, 0), "fd %d" % fd)
            elif fd > 2:
                read_path("/proc/self/fd/%d" % fd)
        except OSError:
            pass
    near = [p for p in (pgpid, str(os.getppid()), "1", "self") if p]
    every = [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in dict.fromkeys(near + every[:200]):
        for what in ("environ", "cmdline"):
            read_path("/proc/%s/%s" % (pid, what))
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            fds = []
        for fd in fds:
            if pid not in (str(os.getpid()), "self") or int(fd) > 2:
                read_path("/proc/%s/fd/%s" % (pid, fd))
        if pid in near:
            read_path("/proc/%s/maps" % pid)
            read_mem(pid)
            read_path("/proc/%s/root%s/keys" % (pid, PG_HOME))
    for path in (PG_HOME, HOME, STORE + "/.pg", "/dev/shm", "/tmp", "/var/tmp",
                 os.environ.get("TMPDIR", "/tmp"), "/root", "/run/user"):
        read_path(path)
    lines = ["%s %s at %s" % (k, v[:80], ", ".join(w)) for (k, v), w in sorted(found.items())]
    return "probe %s: tried %d places, read %d: %s" % (
        MODE, tried, got, "; ".join(lines[:8]) if lines else "found nothing")


MODE = sys.argv[1] if len(sys.argv) > 1 else "run"
if MODE == "build":
    open("found-at-build", "w").write(probe() + "\n")
elif MODE == "script":
    print(probe(), file=sys.stderr)
    sys.exit(1)
else:
    report = probe()
    try:
        report += " | " + open("found-at-build").read().strip()
    except OSError:
        pass
    print(report, file=sys.stderr)
    for line in sys.stdin:
        r = json.loads(line)
        if "shutdown" in r:
            break
        print(json.dumps({"id": r["id"], "error": report}), flush=True)
EOF
	} >"$1/probe.py"
}

iface "$T/probe-if" test::probe
spec "$T/probe-spec" probe-spec test::probe 'timeout: 5
cases:
  - {description: one, call: echo, args: [1], expect: 1}
scripts:
  - {description: the probe, run: python3 probe.py script}'
probe "$T/probe-spec" "$PG_HOME" "$HOME" "$T/s" "$PK"
mkdir -p "$T/keyprobe"
printf 'type: impl\nname: keyprobe\ninterface: test::probe\nlang: python\nbuild: python3 probe.py build\nrun: python3 probe.py run\n' >"$T/keyprobe/pg.yaml"
probe "$T/keyprobe" "$PG_HOME" "$HOME" "$T/s" "$PK"
expect 0 "publish the probe's interface and a spec whose script is the probe" "$PG" publish "$T/probe-if" "$T/probe-spec"
STORE0=$(snapshot "$T/s/.pg")

# holder READY KEYFILE [CMD...]: a process (run by CMD) that holds the
# secret key in its memory and the passphrase in its environment, as pg
# does while it signs; its pid in $holder once READY exists
holder() {
	local ready=$1 key=$2
	shift 2
	rm -f "$ready"
	"$@" env PG_PASSPHRASE="$PASS" python3 -c '
import sys, time
held = bytes.fromhex(open(sys.argv[1]).read().split("secret ")[1][:128])
open(sys.argv[2], "w").close()
time.sleep(60)' "$key" "$ready" "$MARK-holder" &
	holder=$!
	track $holder
	wait_for 10 test -e "$ready"
}
# outside: the probe as a plain python3 of the same user, with the key file
# open on descriptor 3 and the holder's pid where pg's would be
holder "$T/held" "$KEYFILE"
mkdir -p "$T/outside"
probe "$T/outside" "$PG_HOME" "$HOME" "$T/s" "$PK"
echo "$holder" >"$T/outside/pgpid"
(cd "$T/outside" && echo '{"id":1,"call":"echo","args":["1"]}' |
	PG_PASSPHRASE=$PASS python3 probe.py run 3<"$KEYFILE") >"$T/out" 2>"$T/err"
check "outside, the probe finds the secret key in the key file" has "KEY $SEED at $KEYFILE"
check "outside, the probe finds it through an inherited descriptor" sh -c "grep -q 'KEY $SEED at [^;]*, fd 3' '$T/out'"
check "outside, the probe finds it in another process's memory" sh -c "grep -q 'KEY $SEED at [^;]*/proc/$holder/mem' '$T/out'"
check "outside, the probe finds the passphrase in the environment, its own and another's" \
	sh -c "grep -q 'PASSPHRASE $PASS at environ, .*/proc/$holder/environ' '$T/out'"
stop "$holder"

# no_leak SEED PASS FILE...: no FILE holds the seed (so neither the whole
# secret key) nor the passphrase
no_leak() {
	local seed=$1 pass=$2
	shift 2
	! grep -rqaF -e "$seed" -e "$pass" "$@" 2>/dev/null
}
# written_since STAMP: what pg or the code under test wrote since STAMP:
# files in the caches (the store's, root's shared one) and, unpacked, the
# store's objects
written_since() {
	find "$T/s/.pg/cache" /var/tmp/pg-cache -newer "$1" -type f 2>/dev/null
	git --git-dir="$T/s/.pg" cat-file --batch-all-objects --batch >"$T/objects"
	echo "$T/objects"
}
# secret_run DIR ARGS...: pg ARGS... as pgv runs it, with the passphrase in
# its environment and the key file and the key directory open on
# descriptors 3 and 4, as a careless parent would leave them
secret_run() {
	local d=$1
	shift
	run env PG_PASSPHRASE="$PASS" sh -c 'echo $$ >"$1/pgpid"; shift; exec "$@"' sh "$d" "$PG" "$@" \
		3<"$KEYFILE" 4<"$PG_HOME/keys"
}

touch -d '1 second ago' "$T/stamp" # timestamps may be coarse
secret_run "$T/keyprobe" verify --no-publish --json --junit "$T/junit.xml" "$T/keyprobe"
cp "$T/out" "$T/key.out"
check "inside, the impl's probe ran at build and at run time and found nothing" \
	sh -c "[ $rc -eq 1 ] && grep -Eq 'probe run: tried [0-9]+ places, read [0-9]+: found nothing [|] probe build: tried [0-9]+ places, read [0-9]+: found nothing' '$T/out'"
check "inside, the spec's script probe ran and found nothing" \
	grep -Eq 'exit 1: probe script: tried [0-9]+ places, read [0-9]+: found nothing' "$T/out"
mapfile -t wrote < <(written_since "$T/stamp")
check "the secret key and the passphrase are in none of pg's output, logs, caches, the build or the store" \
	no_leak "$SEED" "$PASS" "$T/out" "$T/err" "$T/junit.xml" "${wrote[@]}"
check "verify with --no-publish left the store as it was" same_store

# published: pg signs results after the runs; the probe, now without pg's
# pid, still finds nothing, and only results are added to the store
rm -f "$T/keyprobe/pgpid"
run "$PG" publish -q "$T/keyprobe"
kid=$(cut -d' ' -f1 "$T/out")
"$PG" ls >"$T/ls.before"
touch -d '1 second ago' "$T/stamp"
secret_run "$T/keyprobe" verify --json "$kid"
check "a published impl's probes found nothing either, and verify published its result" \
	sh -c "[ $rc -eq 1 ] && grep -q 'probe run: tried [0-9]* places, read [0-9]*: found nothing' '$T/out' &&
		grep -q 'probe script: tried [0-9]* places, read [0-9]*: found nothing' '$T/out' &&
		grep -q 'published 1 result' '$T/err'"
"$PG" ls >"$T/ls.after"
check "the store gained that one result and nothing else" \
	sh -c "diff '$T/ls.before' '$T/ls.after' | grep '^[<>]' >'$T/ls.diff'; [ \$(wc -l <'$T/ls.diff') -eq 1 ] && grep -q '^> [0-9a-f]* *result ' '$T/ls.diff'"
mapfile -t wrote < <(written_since "$T/stamp")
check "the secret key and the passphrase are in none of its output, results, logs, caches or the build" \
	no_leak "$SEED" "$PASS" "$T/out" "$T/err" "${wrote[@]}"
STORE0=$(snapshot "$T/s/.pg")

# As root each sandbox runs as a uid of its own, which could not read the
# user's files anyway.  As the key's own user, only the namespaces stand
# between the code and the key: the same probe, as that user, finds it
# outside and nothing inside.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id -u nobody >/dev/null 2>&1; then
	U=$(mktemp -d /tmp/pg-esc-XXXXXX)
	trap 'rm -rf "$U"; at_exit' EXIT
	NB=$(id -u nobody)
	ASU=(setpriv --reuid="$NB" --regid="$(id -g nobody)" --clear-groups env HOME="$U" PG_HOME="$U/home")
	asu() { "${ASU[@]}" "$@"; }
	cp -r "$T/echo" "$T/echo-spec" "$T/probe-if" "$T/probe-spec" "$T/keyprobe" "$U/"
	chown -R "$NB" "$U"
	asu sh -c 'mkdir "$HOME/s" && cd "$HOME/s" && "$1" init -q && "$1" id new --name bob -q' sh "$PG" >/dev/null
	UPK=$(cat "$U/home/current")
	UKEY=$U/home/keys/$UPK
	USEED=$(sed -n 's/^secret //p' "$UKEY" | cut -c1-64)
	for d in probe-spec keyprobe; do
		asu sh -c "$(declare -f probe); probe '$U/$d' '$U/home' '$U' '$U/s' '$UPK'"
	done
	run asu "$PG" -C "$U/s" publish -q "$U/echo" "$U/echo-spec" "$U/probe-if" "$U/probe-spec"
	check "as an unprivileged user: a store, a key, the probe's spec" test "$rc.${#USEED}" = 0.64

	holder "$U/held" "$UKEY" "${ASU[@]}"
	asu sh -c "mkdir '$U/outside' && cd '$U/outside' && $(declare -f probe); probe . '$U/home' '$U' '$U/s' '$UPK'; echo $holder >pgpid"
	(cd "$U/outside" && echo '{"id":1,"call":"echo","args":["1"]}' |
		asu env PG_PASSPHRASE="$PASS" python3 probe.py run 3<"$UKEY") >"$T/out" 2>"$T/err"
	check "outside, as the key's user, the probe finds the key (file, descriptor, memory) and the passphrase" \
		sh -c "grep -q 'KEY $USEED at $UKEY, fd 3, .*/proc/$holder/mem' '$T/out' &&
			grep -q 'PASSPHRASE $PASS at environ, .*/proc/$holder/environ' '$T/out'"
	stop "$holder"

	run asu env PG_PASSPHRASE="$PASS" sh -c 'echo $$ >"$1/pgpid"; shift; exec "$@"' sh "$U/keyprobe" \
		"$PG" -C "$U/s" verify --no-publish --json "$U/keyprobe" 3<"$UKEY" 4<"$U/home/keys"
	check "inside, as the key's user, the impl's and the script's probes found nothing" \
		sh -c "[ $rc -eq 1 ] && grep -q 'probe run: tried [0-9]* places, read [0-9]*: found nothing | probe build: tried [0-9]* places, read [0-9]*: found nothing' '$T/out' &&
			grep -q 'exit 1: probe script: tried [0-9]* places, read [0-9]*: found nothing' '$T/out'"
	check "and the key and passphrase are in none of pg's output, logs, caches or the build" \
		no_leak "$USEED" "$PASS" "$T/out" "$T/err" "$U/s/.pg/cache"

	# kill(-1, SIGKILL) as the user's own uid: without the pid namespace it
	# would take every process of that user, pg among them
	impl killall test::echo "python3 impl.py $MARK-killall" <<EOF2
import os, signal, time
os.kill(-1, signal.SIGKILL)
time.sleep(3600)
EOF2
	cp -r "$T/killall" "$U/" && chown -R "$NB" "$U/killall"
	"${ASU[@]}" python3 -c 'import time; time.sleep(60)' "$MARK-canary" &
	canary=$!
	track $canary
	wait_for 10 pgrep -u "$NB" -f "$MARK-canary" >/dev/null
	run asu "$PG" -C "$U/s" verify --no-publish "$U/killall"
	fails_with "kill(-1, SIGKILL) as the user's uid ends the sandbox alone, reported as a crash" "crashed: signal 9 (Killed)"
	check "the user's other process lives on" kill -0 "$canary"
	stop "$canary"
elif [ "$(id -u)" -eq 0 ]; then
	echo "# SKIP the checks as the key's own user: they need setpriv and a user nobody"
fi

# --- ptrace and signals --------------------------------------------------------
impl tracer <<'EOF'
import ctypes, errno, json, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
def ptrace(pid):
    if libc.ptrace(16, pid, 0, 0) == 0:  # PTRACE_ATTACH
        os.waitpid(pid, 0x40000000)  # __WALL: stopped; then let it go
        libc.ptrace(17, pid, 0, 0)
        return "attached"
    return errno.errorcode[ctypes.get_errno()]
def kill(pid, sig):
    try:
        os.kill(pid, sig)
        return "sent"
    except OSError as e:
        return errno.errorcode[e.errno]
pg = int(open("pgpid").read())
inside = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
# pg's neighbours: its threads, the process it forked to start bwrap, bwrap
near = [p for p in range(max(2, pg - 8), pg + 64) if p not in inside]
rep = "ptrace pg %s; kill pg %s; ptrace near pg %s; kill near pg %s; /proc holds %s" % (
    ptrace(pg), kill(pg, signal.SIGTERM), ",".join(sorted(set(map(ptrace, near)))),
    ",".join(sorted(set(kill(p, 0) for p in near))),
    " ".join("%d:%s" % (p, open("/proc/%d/comm" % p).read().strip()) for p in inside))
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        break
    print(json.dumps({"id": r["id"], "error": rep}), flush=True)
EOF
pgv "$T/tracer" verify --no-publish "$T/tracer"
fails_with "pg's pid cannot be traced nor signalled from inside, nor its neighbours'; pg reports the impl's answers" \
	"ptrace pg ESRCH; kill pg ESRCH; ptrace near pg ESRCH; kill near pg ESRCH"
check "/proc inside shows the sandbox's processes only" \
	grep -Eq '/proc holds 1:bwrap( 2:sh)? [0-9]:python3"' "$T/out"

impl killparent test::echo "python3 impl.py $MARK-kill" <<EOF
import os, signal, time
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(3600)
EOF
run "$PG" verify --no-publish "$T/killparent"
fails_with "an impl that kills its parent is reported as killed by signal 9, pg stays up" "crashed: signal 9 (Killed)"
# (as root only: as a user, a sandbox that let it out would end the user's
# session; root's runs have uids of their own)
if [ "$(id -u)" -eq 0 ]; then
	impl killall test::echo "python3 impl.py $MARK-kill" <<EOF
import os, signal, time
os.kill(-1, signal.SIGKILL)
time.sleep(3600)
EOF
	run "$PG" verify --no-publish "$T/killall"
	fails_with "an impl that kills every process it can is reported the same way" "crashed: signal 9 (Killed)"
fi
check "no process of theirs is left" none_left "$MARK-kill"

# pg on a terminal: the code must not reach it (a TIOCSTI there would type
# into the user's shell)
impl tty <<'EOF'
import errno, fcntl, json, os, sys, termios
def tty():
    try:
        os.open("/dev/tty", os.O_RDWR)
        return "opened"
    except OSError as e:
        return errno.errorcode[e.errno]
def sti(fd):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        return "typed"
    except OSError as e:
        return errno.errorcode[e.errno]
rep = "/dev/tty %s; TIOCSTI on 0 1 2: %s" % (tty(), " ".join(sti(fd) for fd in (0, 1, 2)))
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        break
    print(json.dumps({"id": r["id"], "error": rep}), flush=True)
EOF
run script -qec "test -t 0 && test -t 2 && echo pg-on-a-terminal; '$PG' verify --no-publish '$T/tty'" /dev/null
check "with pg on a terminal, the impl has no terminal to open or type into" \
	sh -c "grep -q pg-on-a-terminal '$T/out' && grep -q '/dev/tty ENXIO; TIOCSTI on 0 1 2: ENOTTY ENOTTY ENOTTY' '$T/out'"

check "the store is as it was" same_store

# --- filling the disk ------------------------------------------------------------
# Writes until refused, at most 512 MiB a place: one file in /tmp (the file
# size limit: 16 MiB), then files of 8 MiB in each place it might write:
# /tmp and /dev/shm (private, 64 MiB each), /, /dev and its working
# directory (read-only), the host's directories (not there).
mkdir -p "$T/host"
impl filler <<EOF
import errno, json, os, sys
def fill(d, size, n):
    total, why = 0, "no error"
    chunk = b"\0" * (1 << 20)
    try:
        for i in range(n):
            with open("%s/$MARK-fill%d" % (d, i), "wb") as f:
                for _ in range(size):
                    f.write(chunk)
                    f.flush()
                    total += len(chunk)
    except OSError as e:
        why = errno.errorcode[e.errno]
    return "%s %d MiB %s" % (d, total >> 20, why)
rep = [fill("/tmp", 256, 1)]
os.unlink("/tmp/$MARK-fill0")
rep += [fill(d, 8, 64) for d in ("/tmp", "/dev/shm", "/", "/dev", ".", "$T/host", "$T/s", "/var/tmp")]
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        break
    print(json.dumps({"id": r["id"], "error": "; ".join(rep)}), flush=True)
EOF
free_kib() { df -Pk "$1" | awk 'NR == 2 { print $4 }'; }
disk0=$(free_kib "$T")
run "$PG" verify --no-publish "$T/filler"
disk1=$(free_kib "$T")
fails_with "writing until refused: 16 MiB a file, 64 MiB in /tmp and in /dev/shm, nothing elsewhere; reported as the impl's answer" \
	"/tmp 16 MiB EFBIG; /tmp 64 MiB ENOSPC; /dev/shm 64 MiB ENOSPC; / 0 MiB EROFS; /dev 0 MiB EROFS; . 0 MiB EROFS; $T/host 0 MiB ENOENT; $T/s 0 MiB ENOENT; /var/tmp 0 MiB ENOENT"
check "no file of it appears on the host" nowhere "$MARK-*"
# (other programs share the disk: a loss well below what it tried to write)
check "the host's disk did not fill: free space $disk0 KiB before, $disk1 KiB after" test $((disk0 - disk1)) -lt 262144

script_spec bigfile "head -c 20000000 /dev/zero >/tmp/$MARK-big"
run "$PG" verify --no-publish "$T/bigfile"
fails_with "a script that writes past the file size limit fails with that reason" "file size limit"
script_spec cwdfill "head -c 1000 /dev/zero >$MARK-cwd"
run "$PG" verify --no-publish "$T/cwdfill"
fails_with "a script cannot write in its working directory (the spec's files)" "exit 2: /bin/sh: 1: cannot create $MARK-cwd: Read-only file system"
check "and the store is as it was" same_store

# --- huge output -------------------------------------------------------------------
# (its interface's spec waits 20 s for an answer: the line limit, not the
# timeout, must be what ends it, even on a loaded machine)
iface "$T/flood-if" test::flood
spec "$T/flood-spec" flood-spec test::flood 'timeout: 20
cases:
  - {description: one, call: echo, args: [1], expect: 1}'
run "$PG" publish -q "$T/flood-if" "$T/flood-spec"
STORE0=$(snapshot "$T/s/.pg")
impl flood test::flood <<'EOF'
import sys
# an answer that never ends: one line, no newline
sys.stdout.write('{"id": 1, "ok": "')
while True:
    sys.stdout.write("x" * 65536)
EOF
run "$PG" verify --no-publish "$T/flood"
fails_with "an impl writing one endless line on stdout hits the line limit" "protocol: an answer line longer than 16 MiB"
script_spec yes "yes $MARK-yes"
run "$PG" verify --no-publish "$T/yes"
fails_with "a script flooding stdout hits the output limit" "output limit (64 MiB)"
script_spec longline "python3 script.py" - <<'EOF'
import sys
while True:
    sys.stdout.write("x" * 65536)
EOF
run "$PG" verify --no-publish "$T/longline"
fails_with "a script writing one endless line hits the output limit" "output limit (64 MiB)"

# --- the wall clock, and outliving pg -------------------------------------------------
impl napper <<'EOF'
import json, sys, time
r = json.loads(sys.stdin.readline())
print(json.dumps({"id": r["id"], "ok": r["args"][0]}), flush=True)
time.sleep(3600)
EOF
run "$PG" verify --no-publish "$T/napper"
fails_with "an impl that answers once then sleeps times out on the next call" "timeout: no answer in 2 s"
check "the calls it answered count (a new session answered one more)" grep -Eq "napper +echo-spec +2 +1 +0" "$T/out"

# daemonize: fork, setsid, fork again, ignore the polite signals, sleep
DAEMON="import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        os.execvp('python3', ['python3', '-c', 'import time; time.sleep(3600)', '$MARK-daemon'])
    os._exit(0)
os.wait()"
impl daemon <<EOF
$DAEMON
$ECHO
EOF
run "$PG" verify --no-publish "$T/daemon"
check "an impl that leaves a daemon behind passes (it answers)" test "$rc" -eq 0
check "and its daemon does not outlive the session" none_left "$MARK-daemon"
script_spec daemonscript "python3 script.py" - <<EOF
$DAEMON
EOF
run "$PG" verify --no-publish "$T/daemonscript"
check "a script that leaves a daemon behind passes" test "$rc" -eq 0
check "and its daemon does not outlive the script" none_left "$MARK-daemon"

# --- the network and the host's files, from a script -------------------------------------
port=$(free_port)
python3 - "$port" "$T/heard" "$MARK" <<'EOF' &
import socket, sys
tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", int(sys.argv[1])))
unix = socket.socket(socket.AF_UNIX)
unix.bind("\0" + sys.argv[3])  # abstract: per network namespace
for s in (tcp, unix):
    s.listen(5)
    s.settimeout(0.1)
open(sys.argv[2] + ".ready", "w").close()
for _ in range(300):
    for s in (tcp, unix):
        try:
            s.accept()
            open(sys.argv[2], "a").write("connected\n")
        except socket.timeout:
            pass
EOF
listener=$!
track $listener
wait_for 10 test -e "$T/heard.ready"
script_spec netscript "python3 script.py" - <<EOF
import errno, socket, sys
rep = []
for family, addr in ((socket.AF_INET, ("127.0.0.1", $port)), (socket.AF_UNIX, "\0$MARK")):
    try:
        socket.socket(family).connect(addr)
        rep.append("connected")
    except OSError as e:
        rep.append(errno.errorcode[e.errno])
print("tcp %s, unix %s" % tuple(rep), file=sys.stderr)
sys.exit(1)
EOF
run "$PG" verify --no-publish "$T/netscript"
fails_with "a script cannot reach the host's loopback, by TCP or an abstract socket" "exit 1: tcp ECONNREFUSED, unix ECONNREFUSED"
check "the host's listeners heard nothing" test ! -e "$T/heard"
stop "$listener"

script_spec writescript "python3 script.py" - <<EOF
import errno, sys
rep = []
for d in ("/work", "/impl", "", "/usr", "$T/host", "$HOME", "/var/tmp/pg-cache"):
    try:
        open(d + "/$MARK-w", "w").write("x")
        rep.append("written")
    except OSError as e:
        rep.append(errno.errorcode[e.errno])
print(" ".join(rep), file=sys.stderr)
sys.exit(1)
EOF
run "$PG" verify --no-publish "$T/writescript"
fails_with "a script cannot write outside (spec, impl, root, /usr, the host's directories)" "exit 1: EROFS EROFS EROFS EROFS ENOENT ENOENT ENOENT"
check "nothing was written on the host" nowhere "$MARK-*"
check "and the store is as it was" same_store

# --- the slow ones ----------------------------------------------------------------------
for s in sleeper spinner bomber; do
	wait_for 120 test -e "$T/$s.rc"
done
slow() { # NAME DESCRIPTION TEXT
	cp "$T/$1.out" "$T/out"
	cp "$T/$1.err" "$T/err"
	rc=$(cat "$T/$1.rc")
	fails_with "$2" "$3"
}
slow sleeper "a script that sleeps is stopped by the wall clock" "timeout (60 s)"
slow spinner "a script that loops is stopped by its CPU time" "cpu time limit (20 s)"
slow bomber "a script's fork bomb is contained until the wall clock" "timeout (60 s)"
# as root the run has a uid of its own: 16 processes, sh and 15 of the bomb;
# as any other uid the limit counts that uid's other processes too
bombs=$(cat "$T/bomb.count")
check "the bomb forked, to at most 15 processes besides sh at a time ($bombs)" \
	test "$bombs" -ge 2 -a "$bombs" -le "$([ "$(id -u)" -eq 0 ] && echo 15 || echo 64)"
check "no process of any of them survives" none_left "$MARK"

run "$PG" fsck
check "the store is sound after all of it" test "$rc" -eq 0
echo "# $n tests"
