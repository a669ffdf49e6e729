# t_concurrent.sh - two and four pg processes on one store at once:
# publishing into one log and into several, publishing while others pull
# from peers (a path and git://), reindexing under publishes and readers,
# and all of it mixed; each round a few times, races being probabilistic.
# Then the store lock held past PG_LOCK_TIMEOUT, and a reindex while
# another process has the index open.
#
# After every round: fsck passes; every object a process reported
# (published, or adopted by a fetch or pull) is in the index (ls, find),
# in its publisher's log and shown by pg show; every process exited 0
# without an error or a warning (a writer that waits for the lock waits
# silently); a reader never saw fewer objects than the store held when
# the round began; the peers' logs as they were before the round arrived;
# and the index is a sound SQLite file.
. "$(dirname "$0")/lib.sh"

cd "$T"
person main
# other identities publishing into main's store, each its own log
for k in 1 2 3; do
	mkdir -p "$T/w$k.home"
	PG_HOME="$T/w$k.home" "$PG" -C "$T/main" id new --name "w$k" -q >/dev/null
done
person p1
person p2
start_daemon "$T" || exit 1

# as WHO CMD...: pg in main's store with WHO's identity in use
as() {
	local who=$1
	shift
	PG_HOME="$T/$who.home" "$PG" -C "$T/main" "$@"
}
# mk NAME: a directory holding an interface NAME; its path
mk() {
	local d=$T/src/$1
	mkdir -p "$d"
	printf 'type: interface\nname: %s\n' "$1" >"$d/pg.yaml"
	printf '// %s\nfn ping() -> bool;\n' "$1" >"$d/interface.pgi"
	echo "$d"
}
key() { cat "$T/$1.home/current"; }

as main remote add p1 "$T/p1" 2>/dev/null
as main remote add p2 "git://127.0.0.1:$DAEMON_PORT/p2/.pg" 2>/dev/null
as main publish -q "$(mk c::base)" >/dev/null
check "setup: main's store with four identities, two peers as remotes (a path and git://)" \
	test "$(as main remote | tr '\n' ' ')" = "p1 p2 " -a "$(pub_refs main | wc -l)" = 4

# --- rounds ---------------------------------------------------------------------

round=0
# begin LABEL PEERS...: a round; PEERS (p1, p2) are pulled in it, after
# each published one more object
begin() {
	round=$((round + 1))
	R=$T/r$round label=$1 workers=""
	shift
	pulled="$*"
	mkdir -p "$R"
	local p
	for p in $pulled; do by "$p" publish -q "$(mk "$p::r$round")" >/dev/null; done
	for p in $pulled; do tip_of "$p" "$p" >"$R/$p.before"; done
	as main ls >"$R/before"
	base=$(wc -l <"$R/before") ibase=$(grep -c '^[0-9a-f]*  interface ' "$R/before")
}
# w NAME CMD...: one command of a worker; its exit code, output and errors
# stay in $R/NAME.{rc,out,err}.  The name says what it ran: pub_WHO_*
# (publish -q), sync_* (fetch or pull --json), ls_*, find_*, rank_*, reindex_*
w() {
	local f=$R/$1
	shift
	"$@" >"$f.out" 2>"$f.err"
	echo $? >"$f.rc"
}
# go FUNCTION ARGS...: a worker, one pg process at a time, in the background
go() {
	"$@" &
	workers="$workers $!"
}

publisher() { # WHO TAG: two objects, one publish each
	local j
	for j in 1 2; do w "pub_$1_$2_$j" as "$1" publish -q "$(mk "c::r${round}_$2_$j")"; done
}
puller() { # TAG VERB REMOTE...: pull or fetch each remote in turn
	local tag=$1 verb=$2 r
	shift 2
	for r; do w "sync_${tag}_$r" as main "$verb" --json "$r"; done
}
reader() { # TAG N: ls, find and rank, N times
	local j
	for j in $(seq "$2"); do
		w "ls_$1_$j" as main ls
		w "find_$1_$j" as main find type=interface
		w "rank_$1_$j" as main rank c::base
	done
}
reindexer() { # TAG N
	local j
	for j in $(seq "$2"); do w "reindex_$1_$j" as main reindex -q; done
}
peer_publisher() { # PEER: publishes in its own store while main pulls from it
	w "peer_$1" by "$1" publish -q "$(mk "$1::r${round}_during")"
}

# verify: the round's outcome, one file per kind of problem in $T/v/ (empty
# when there is none): reported objects missing from pg ls (ls), pg find
# (find), their publisher's log (log) or pg show (show: the first object
# each worker published and each pull or fetch adopted; for the rest, the
# log's tree and fsck say they are in the store); readers that saw
# fewer objects than the store held before the round, or no ranking
# (readers); the index failing SQLite's integrity_check (sqlite).  Also
# $T/v/count, how many objects the processes reported.
verify() {
	python3 - "$PG" "$T" "$R" "$base" "$ibase" <<'PY'
import glob, json, os, sqlite3, subprocess, sys
pg, t, r, base, ibase = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
env = dict(os.environ, PG_HOME=t + "/main.home")
def pgrun(*args):
    return subprocess.run([pg, "-C", t + "/main", *args], env=env, capture_output=True, text=True)
def key(who):
    return open(f"{t}/{who}.home/current").read().strip()
# (id, type, publisher key) of everything reported published or adopted
rep = []
for f in sorted(glob.glob(r + "/pub_*.out")):
    for line in open(f):
        rep.append((line.split()[0], line.split()[1], key(os.path.basename(f).split("_")[1]), f.endswith("_1.out")))
for f in sorted(glob.glob(r + "/sync_*.out")):
    try:
        d = json.load(open(f))
    except ValueError:
        continue  # a failed command: its exit code says so
    for x in d["reports"]:
        for l in x["logs"]:
            if l["outcome"] == "adopted":
                rep += [(o["id"], o["type"], l["publisher"], o is l["objects"][0]) for o in l["objects"]]
ls = {o["id"] for o in json.loads(pgrun("ls", "--json").stdout or "[]")}
found = {o["id"] for o in json.loads(pgrun("find", "--json", "type=interface").stdout or "[]")}
git = ["git", "--git-dir=" + t + "/main/.pg"]
logs = {}
for ref in subprocess.run(git + ["for-each-ref", "--format=%(refname)", "refs/pg/pub"], capture_output=True, text=True).stdout.split():
    names = subprocess.run(git + ["ls-tree", "-r", "--name-only", ref, "o"], capture_output=True, text=True).stdout
    logs[ref.rsplit("/", 1)[1]] = {n.rsplit("/", 1)[1] for n in names.split()}
v = {k: [] for k in ("ls", "find", "log", "show", "readers", "sqlite")}
for i, ty, k, first in rep:
    if i not in ls: v["ls"].append(i)
    if ty == "interface" and i not in found: v["find"].append(i)
    if i not in logs.get(k, ()): v["log"].append(f"{i} not in the log of {k}")
    if not first:
        continue  # fsck and the log's tree say the rest is in the store
    s = pgrun("show", "--json", i)
    if s.returncode != 0 or json.loads(s.stdout)["id"] != i: v["show"].append(f"pg show {i}: {s.returncode} {s.stderr}")
for pat, least in (("ls_*", base), ("find_*", ibase)):
    for f in sorted(glob.glob(f"{r}/{pat}.out")):
        got = sum(1 for _ in open(f))
        if got < least: v["readers"].append(f"{os.path.basename(f)}: {got} < {least}")
for f in sorted(glob.glob(r + "/rank_*.out")):
    if not open(f).read().startswith("c::base ("): v["readers"].append(os.path.basename(f) + ": no ranking")
c = sqlite3.connect(t + "/main/.pg/index.sqlite")
ic = [x[0] for x in c.execute("pragma integrity_check")]
if ic != ["ok"]: v["sqlite"] = ic
os.makedirs(t + "/v", exist_ok=True)
for k, lines in v.items():
    open(f"{t}/v/{k}", "w").write("".join(x + "\n" for x in lines))
open(t + "/v/count", "w").write(str(len(rep)))
PY
}
# clean KIND: no problem of that kind ($T/v/KIND is the evidence)
clean() {
	cp "$T/v/$1" "$T/out"
	test ! -s "$T/v/$1"
}
# listed: some objects were reported, and pg ls lists them all
listed() { clean ls && [ "$(cat "$T/v/count")" -gt 0 ]; }

finish() {
	local f bad="" p
	wait $workers
	: >"$T/out"
	: >"$T/err"
	for f in "$R"/*.rc; do
		[ "$(cat "$f")" = 0 ] || { bad="$bad ${f##*/}"; cat "${f%.rc}.err" >>"$T/err"; }
	done
	check "$label: every pg exited 0${bad:+ (not:$bad)}" test -z "$bad"
	cat "$R"/*.err | grep -E '^(error|warning)|locked|busy|malformed|database' >"$T/err"
	check "$label: no pg printed an error or a warning" test ! -s "$T/err"
	expect 0 "$label: pg fsck passes" as main fsck -q
	: >"$T/err"
	verify
	check "$label: the $(cat "$T/v/count") objects reported are all listed by pg ls" listed
	check "$label: ...and found by pg find (the interfaces)" clean find
	check "$label: ...each in its publisher's log" clean log
	check "$label: ...and pg show shows the first each worker published and each pull adopted" clean show
	if ls "$R"/ls_*.out >/dev/null 2>&1; then
		check "$label: readers saw every object there was before the round (ls >= $base, find >= $ibase), rank answered" \
			clean readers
	fi
	if [ -n "$pulled" ]; then
		: >"$T/out"
		for p in $pulled; do
			git --git-dir="$T/main/.pg" merge-base --is-ancestor "$(cat "$R/$p.before")" "refs/pg/pub/$(key "$p")" ||
				echo "$p's log before the round is not in main's" >>"$T/out"
		done
		check "$label: the pulled peers' logs as they were before the round are in the store" test ! -s "$T/out"
	fi
	check "$label: the index passes SQLite's integrity_check" clean sqlite
}

for rep in 1 2; do
	for np in 2 4; do
		# (a) one log: every append must wait for the one before
		begin "a$rep: $np publishers, one identity"
		for k in $(seq "$np"); do go publisher main "m$k"; done
		finish

		begin "a$rep: $np publishers, $np identities"
		for who in main w1 w2 w3; do
			[ "$np" = 2 ] && [ "$who" = w2 ] && break
			go publisher "$who" "$who"
		done
		finish

		# (b) publishing while others pull, the peers publishing too
		begin "b$rep: $np processes publishing and pulling" p1 p2
		go peer_publisher p1
		go peer_publisher p2
		go publisher main b
		if [ "$np" = 2 ]; then
			go puller a pull p1 p2
		else # three of one remote at once: they take turns moving its quarantine refs
			go puller a pull p1 p2
			go puller b fetch p1 p2
			go puller c pull p1 p2
		fi
		finish

		# (c) reindex under publishes and readers
		begin "c$rep: reindex among $np processes"
		go reindexer r 3
		if [ "$np" = 2 ]; then
			go eval 'publisher main c; reader r 2' # one process at a time
		else
			go publisher main c
			go reader r1 2
			go reader r2 2
		fi
		finish

		# (d) all at once
		begin "d$rep: $np processes doing everything" p1 p2
		if [ "$np" = 2 ]; then
			go eval 'publisher main d; reindexer r 1; puller a pull p1'
			go eval 'puller b fetch p2; publisher w2 d; reader r 1'
		else
			go publisher main d
			go eval 'publisher w3 d; reindexer r 2'
			go puller a pull p1 p2
			go eval 'puller b fetch p1 p2; reader r 1'
		fi
		finish
	done
done

# --- the store lock held past PG_LOCK_TIMEOUT ------------------------------------

S=$T/main
L=$S/.pg/lock
ms() { date +%s%3N; }
# hold SECONDS: another process (flock(1)) holds the store lock; holder is
# its pid, and stop ends it early
hold() {
	flock -o "$L" sleep "$1" &
	holder=$!
	track "$holder"
	wait_for 5 sh -c "! flock -n '$L' true"
}
locked_msg="the store is locked: another process holds $L (waited 1 s); try again when it has finished, or set PG_LOCK_TIMEOUT to wait longer"

check "no pid is left in .pg/lock once no pg holds it" test ! -s "$L"

by p1 publish -q "$(mk p1::locked)" >/dev/null
refs_before=$(pub_refs main)
ls_before=$(as main ls)
some=$(as main ls --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[-1]["id"])')
index_before=$(cksum <"$S/.pg/index.sqlite")
hold 10
# three writers wait at once, each for PG_LOCK_TIMEOUT; meanwhile readers
for c in "publish $(mk c::locked)" "reindex" "pull p1"; do
	(
		t0=$(ms)
		PG_LOCK_TIMEOUT=1 as main $c >"$T/lk.${c%% *}.out" 2>"$T/lk.${c%% *}.err"
		echo "$? $(($(ms) - t0))" >"$T/lk.${c%% *}.rc"
	) &
	track $!
done
sleep 0.2
for c in "ls" "show ${some:0:12}" "find type=interface" "log" "fsck -q" "rank c::base" "remote -v"; do
	PG_LOCK_TIMEOUT=0.2 expect 0 "while the lock is held, pg $c works (readers take no lock)" as main $c
done
PG_LOCK_TIMEOUT=0.2 run as main ls
check "  ...and pg ls lists what it listed before" test "$(cat "$T/out")" = "$ls_before"
wait_for 10 test -s "$T/lk.publish.rc" -a -s "$T/lk.reindex.rc" -a -s "$T/lk.pull.rc"
for c in publish reindex pull; do
	cp "$T/lk.$c.out" "$T/out"
	cp "$T/lk.$c.err" "$T/err"
	read -r rc took <"$T/lk.$c.rc"
	check "pg $c with the lock held past PG_LOCK_TIMEOUT=1: exit 5 after about 1 s ($took ms), naming the lock and what to do" \
		sh -c "[ $rc -eq 5 ] && [ $took -ge 900 ] && [ $took -lt 5000 ] && grep -qF '$locked_msg' '$T/err'"
done
check "  ...and nothing changed: no log moved (the publish, the pull), the index is the same file" \
	test "$(pub_refs main)" = "$refs_before" -a "$(cksum <"$S/.pg/index.sqlite")" = "$index_before"
stop "$holder"
expect 0 "once the lock is free, the pull adopts what the remote has" as main pull p1
check "  ...p1's log is at p1's tip" test "$(git --git-dir="$S/.pg" rev-parse "refs/pg/pub/$(key p1)")" = "$(tip_of p1 p1)"

# a writer that can wait long enough waits silently, then writes
hold 1
t0=$(ms)
PG_LOCK_TIMEOUT=10 run as main publish -q "$T/src/c::locked"
took=$(($(ms) - t0))
check "a publish that waits for the lock (held 1 s, PG_LOCK_TIMEOUT=10) publishes after it is free ($took ms), saying nothing of it" \
	sh -c "[ $rc -eq 0 ] && [ $took -ge 500 ] && [ ! -s '$T/err' ] && grep -q ' interface c::locked$' '$T/out'"
wait "$holder"

# the pid in .pg/lock: named only while that process lives
(
	echo "$BASHPID" >"$L"
	exec flock -o "$L" sleep 3
) &
holder=$!
track "$holder"
wait_for 5 sh -c "! flock -n '$L' true"
PG_LOCK_TIMEOUT=0.2 run as main reindex
check "the lock held by a process whose pid .pg/lock holds (as pg writes its own): the message names it" \
	sh -c "[ $rc -eq 5 ] && grep -qF 'the store is locked: pg process $holder holds $L' '$T/err'"
stop "$holder"
dead=$(sh -c 'echo $$')
(
	echo "$dead" >"$L"
	exec flock -o "$L" sleep 3
) &
holder=$!
track "$holder"
wait_for 5 sh -c "! flock -n '$L' true"
PG_LOCK_TIMEOUT=0.2 run as main reindex
check "a pid left in .pg/lock by a process that is gone is not named (another process holds the lock)" \
	sh -c "[ $rc -eq 5 ] && grep -qF 'the store is locked: another process holds $L' '$T/err' && ! grep -qw '$dead' '$T/err'"
stop "$holder"

# PG_LOCK_TIMEOUT that is not a number of seconds: the default, never endless, never none
hold 1
for v in nan abc; do
	(PG_LOCK_TIMEOUT=$v timeout 20 "$PG" -C "$S" reindex -q >"$T/lk.$v.out" 2>"$T/lk.$v.err"
		echo $? >"$T/lk.$v.rc") &
	track $!
done
wait_for 25 test -s "$T/lk.nan.rc" -a -s "$T/lk.abc.rc"
cat "$T/lk.nan.out" "$T/lk.abc.out" >"$T/out"
cat "$T/lk.nan.err" "$T/lk.abc.err" >"$T/err"
check "PG_LOCK_TIMEOUT=nan and =abc wait as the default does: both reindex once the lock (held 1 s) is free" \
	test "$(cat "$T/lk.nan.rc") $(cat "$T/lk.abc.rc")" = "0 0"

# --- reindex while another process has the index open ----------------------------

# The other process opened the index before the reindex and writes to it
# after, as any pg command's update of the index can (SQLite's own
# connection here, to hold that moment open).  The index must stay sound
# and say what the store says.
mkdir -p "$T/ix"
PG_HOME=$T/ia.home "$PG" -C "$T/ix" init -q
for who in a b; do PG_HOME=$T/i$who.home "$PG" -C "$T/ix" id new --name "$who" -q >/dev/null; done
for i in 1 2; do
	for who in a b; do PG_HOME=$T/i$who.home "$PG" -C "$T/ix" publish -q "$(mk "c::$who$i")" >/dev/null; done
done
expect 0 "a reindex while another process has the index open and writes to it" python3 - "$PG" "$T/ix" <<'PY'
import sqlite3, subprocess, sys
pg, d = sys.argv[1:]
c = sqlite3.connect(d + "/.pg/index.sqlite", isolation_level=None)
subprocess.run([pg, "-C", d, "reindex", "-q"], check=True)
c.execute("update objects set name = name where rowid = 1")
c.close()
PY
run python3 -c 'import sqlite3, sys
sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchall() == [("ok",)] else 1)' "$T/ix/.pg/index.sqlite"
check "  ...leaves an index that passes SQLite's integrity_check" test "$rc" = 0
PG_HOME=$T/ia.home run "$PG" -C "$T/ix" find --json type=interface
check "  ...in which pg find finds each interface under its own name and author" python3 -c '
import json, sys
got = sorted((o["name"], o["author_name"]) for o in json.load(open(sys.argv[1])))
sys.exit(got != [("c::a1", "a"), ("c::a2", "a"), ("c::b1", "b"), ("c::b2", "b")])' "$T/out"
PG_HOME=$T/ia.home run "$PG" -C "$T/ix" rank c::a1
check "  ...and pg rank c::a1 ranks c::a1" grep -q '^c::a1 (' "$T/out"

echo "# $n tests"
