# t_hostile.sh - implementations that misbehave, by negligence or malice:
# each is a failure with its reason, pg stays up, the host is untouched.
. "$(dirname "$0")/lib.sh"

cd "$T"
new_store "$T/s" alice
cd "$T/s"
mkdir -p iface spec
cat >iface/pg.yaml <<'EOF'
type: interface
name: test::echo
EOF
cat >iface/interface.pgi <<'EOF'
// Answers its argument.
fn echo(x: i64) -> i64;
EOF
cat >spec/pg.yaml <<'EOF'
type: spec
name: echo-spec
interface: test::echo
EOF
cat >spec/cases.yaml <<'EOF'
timeout: 2
cases:
  - {description: one, call: echo, args: [1], expect: 1}
  - {description: two, call: echo, args: [2], expect: 2}
  - {description: three, call: echo, args: [3], expect: 3}
EOF
expect 0 "publish the echo interface and its spec" "$PG" publish iface spec

# impl NAME PYTHON: an implementation speaking the protocol by hand
impl() {
	mkdir -p "$T/$1"
	printf 'type: impl\nname: %s\ninterface: test::echo\nlang: python\nrun: python3 impl.py\n' "$1" >"$T/$1/pg.yaml"
	cat >"$T/$1/impl.py"
}

impl good <<'EOF'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        print(json.dumps({"id": r["id"], "ok": None}), flush=True)
        break
    print(json.dumps({"id": r["id"], "ok": r["args"][0]}), flush=True)
EOF
expect 0 "a well-behaved implementation passes" "$PG" verify --no-publish "$T/good"
check "the table shows 3 passed" grep -Eq "good +echo-spec +3 +0 +0" "$T/out"

# verify_fails NAME REASON DESCRIPTION: exit 1, the reason shown
verify_fails() {
	run "$PG" verify --no-publish "$T/$1"
	if [ "$rc" -eq 1 ] && grep -qF -- "$2" "$T/out"; then
		ok "$3"
	else
		not_ok "$3 (exit $rc, wanted 1 with '$2')"
	fi
}

impl silent <<'EOF'
import time
time.sleep(1000)
EOF
verify_fails silent "timeout: no answer in 2 s" "an impl that never answers times out"

impl garbage <<'EOF'
import sys
for line in sys.stdin:
    print("hello there", flush=True)
EOF
verify_fails garbage 'protocol: not a JSON object: "hello there"' "an impl that answers garbage is a protocol failure"

impl wrongid <<'EOF'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(json.dumps({"id": r["id"] + 7, "ok": r["args"][0]}), flush=True)
EOF
verify_fails wrongid "protocol: answered id" "an impl that answers the wrong id is caught"

impl quitter <<'EOF'
import json, sys
r = json.loads(sys.stdin.readline())
print(json.dumps({"id": r["id"], "ok": r["args"][0]}), flush=True)
sys.exit(3)
EOF
verify_fails quitter "exited (exit 3) after 1 answer" "an impl that exits mid-run is caught"

impl chatty <<'EOF'
import sys
chunk = "x" * (1 << 20)
while True:
    sys.stderr.write(chunk)
EOF
verify_fails chatty "output limit" "an impl that prints megabytes hits the output limit"

impl bomb <<'EOF'
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
EOF
# a marker of this run alone: other tests may run python3 impl.py too
sed -i "s/^run: .*/run: python3 impl.py bomb$$/" "$T/bomb/pg.yaml"
verify_fails bomb "timeout" "a fork bomb is contained and times out"
check "no process of the fork bomb survives" sh -c "! pgrep -f '[b]omb$$' >/dev/null"

# The hog maps memory without touching it: the limit is on address space,
# and on a virtual machine whose host is slow to fault fresh pages in,
# filling 1 GiB can take longer than the spec's 2 s timeout.
impl hog <<'EOF'
import mmap
hoard = []
while True:
    hoard.append(mmap.mmap(-1, 1 << 24))
EOF
verify_fails hog "memory limit" "an impl that allocates without bound hits the memory limit"

impl spin <<'EOF'
while True:
    pass
EOF
verify_fails spin "timeout" "an impl that loops forever times out"

impl crash <<'EOF'
import ctypes
ctypes.string_at(0)
EOF
verify_fails crash "crashed: signal 11" "an impl that segfaults is reported as crashed"

# the network: a listener on the host's loopback must hear nothing
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" "$T/heard" <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
s.settimeout(15)
try:
    c, _ = s.accept()
    open(sys.argv[2], "w").write("connected\n")
except socket.timeout:
    pass
EOF
listener=$!
sleep 0.3
impl net <<EOF
import json, socket, sys
for line in sys.stdin:
    r = json.loads(line)
    try:
        socket.create_connection(("127.0.0.1", $port), timeout=1)
        print(json.dumps({"id": r["id"], "ok": r["args"][0]}), flush=True)
    except OSError as e:
        print(json.dumps({"id": r["id"], "error": "no network: %s" % e}), flush=True)
EOF
verify_fails net "no network" "an impl cannot open a network connection"
check "the host's listener heard nothing" test ! -e "$T/heard"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

mkdir -p "$T/host"
impl writer <<EOF
import json, sys
errors = []
for path in ("$T/host/pwned", "/work/pwned", "/usr/pwned", "$HOME/pwned"):
    try:
        open(path, "w").write("x")
        errors.append(path + ": written")
    except OSError as e:
        errors.append("%s: %s" % (path, e.strerror))
for line in sys.stdin:
    r = json.loads(line)
    print(json.dumps({"id": r["id"], "error": "; ".join(errors)}), flush=True)
EOF
verify_fails writer "No such file or directory" "an impl cannot write outside its directory"
check "nothing was written on the host" sh -c "! ls '$T/host/pwned' '$T/writer/pwned' /usr/pwned '$HOME/pwned' 2>/dev/null | grep -q ."

mkdir -p "$T/nobuild"
printf 'type: impl\nname: nobuild\ninterface: test::echo\nlang: c\nbuild: cc -o impl impl.c\nrun: ./impl\n' >"$T/nobuild/pg.yaml"
echo 'int main(void) { return syntax error; }' >"$T/nobuild/impl.c"
verify_fails nobuild "build failed (exit 1)" "a build that fails is a failure with the compiler's message"
check "the compiler's message is shown" grep -q "error:" "$T/out"

# where bubblewrap cannot make its sandbox, nothing runs unless asked
mkdir -p "$T/fakebin"
printf '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n' >"$T/fakebin/bwrap"
chmod 755 "$T/fakebin/bwrap"
PATH="$T/fakebin:$PATH" run "$PG" verify --no-publish "$T/good"
check "without a working bubblewrap, verify refuses and names --no-sandbox" \
	sh -c "[ $rc -eq 10 ] && grep -q 'pass --no-sandbox' '$T/err' && ! grep -q 'echo-spec' '$T/out'"
PATH="$T/fakebin:$PATH" run "$PG" verify --no-publish --no-sandbox "$T/good"
check "with --no-sandbox it runs, and warns" sh -c "[ $rc -eq 0 ] && grep -q 'unconfined' '$T/err'"

expect_err 2 "needs" "verify with a bad option is a usage error" "$PG" verify --jobs
run "$PG" fsck
check "the store is still sound after all of it" test "$rc" -eq 0
