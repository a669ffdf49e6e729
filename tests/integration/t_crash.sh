# t_crash.sh - crash consistency: pg is killed with SIGKILL at points spread
# over the whole of publish, pull, bundle import and reindex.  After each
# kill the store passes fsck, the index agrees with the store, every log is
# where it was or where the whole operation takes it, what pg had printed
# as done is still there, and the same command run again succeeds and ends
# exactly where an uninterrupted run does.
#
# The kill points come from strace: the operation is traced once, and a
# point is "the Nth call of syscall S" (strace -e inject=S:signal=KILL:when=N
# counts each syscall apart, per process), chosen evenly over all traced
# calls, over the calls that create, rename, link, unlink, sync or lock a
# file, over the writes to the store and over the writes to the index, plus
# the very first and last.  The calls are the same on every run (PG_NOW
# fixes the clock; PG_THREADS=1 keeps log checks on one thread, as the
# pool's workers open the store in an order the scheduler picks), so each
# point is reached; one that is not is a failure, not a skip.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	echo "not ok 1 - strace is not installed ('make deps' installs it)"
	exit 1
fi
if ! strace -f -qq -o /dev/null true 2>"$T/err"; then
	echo "not ok 1 - strace cannot trace here: $(head -1 "$T/err")"
	exit 1
fi
# A SIGKILL leaves the page cache as it was, so a disk adds nothing to what
# is tested here, only the time of every fsync: the stores live on tmpfs
# when there is one.
if W=$(mktemp -d /dev/shm/pg-crash-XXXXXX 2>/dev/null); then
	trap 'at_exit; rm -rf "$W"' EXIT
else
	W=$T/w
	mkdir -p "$W"
fi
export PG_NOW=1700000000 PG_THREADS=1

# as WHO DIR ARGS...: pg as WHO (a PG_HOME of its own) in the store DIR
as() {
	local who=$1 dir=$2
	shift 2
	PG_HOME=$W/$who.home "$PG" -C "$dir" "$@"
}
# person WHO: a store $W/WHO with its owner's identity
person() {
	mkdir -p "$W/$1" && as "$1" "$W/$1" init -q && as "$1" "$W/$1" id new --name "$1" -q >/dev/null
}
# batch DIR PREFIX N: N small interfaces to publish in one batch
batch() {
	local i d
	for i in $(seq -w 1 "$3"); do
		d=$1/$i
		mkdir -p "$d"
		printf 'type: interface\nname: %s::i%s\n' "$2" "$i" >"$d/pg.yaml"
		printf '// %s %s\nfn f%s(x: u32) -> u32;\n' "$2" "$i" "$i" >"$d/interface.pgi"
	done
}
refs() { git --git-dir="$1/.pg" for-each-ref --format='%(refname) %(objectname)' "${2:-refs/pg}"; }
# store_ids DIR: the 12-hex prefixes of the objects the store's logs hold,
# read from git alone
store_ids() {
	git --git-dir="$1/.pg" rev-list --objects --glob=refs/pg/pub |
		sed -n 's|^[0-9a-f]* o/[0-9a-f][0-9a-f]/\([0-9a-f]\{12\}\).*|\1|p' | sort -u
}

# --- the stores the operations start from --------------------------------------

cd "$W"
for p in alice bob carol dave; do person "$p"; done
batch "$W/b0" crash::a 2
as alice "$W/alice" publish -q -r "$W/b0" >/dev/null
batch "$W/batch" crash::p 12
batch "$W/bb" crash::b 6
as bob "$W/bob" publish -q -r "$W/bb" >/dev/null
batch "$W/bc" crash::c 6
as carol "$W/carol" publish -q -r "$W/bc" >/dev/null
# dave holds alice's log as it is now; the peer will hold it longer
as dave "$W/dave" remote add alice "$W/alice" 2>/dev/null && as dave "$W/dave" pull -q alice >/dev/null
cp -a "$W/alice" "$W/alice2"
as alice "$W/alice2" publish -q -r "$W/batch" >/dev/null
mkdir -p "$W/peer" && as peer "$W/peer" init -q
for p in alice2 bob carol; do
	as peer "$W/peer" remote add "$p" "$W/$p" 2>/dev/null && as peer "$W/peer" pull -q "$p" >/dev/null
done
as dave "$W/dave" remote add peer "$W/peer" 2>/dev/null
as peer "$W/peer" bundle create "$W/all.pgb" >/dev/null 2>&1
check "the peer holds three logs to pull, and a bundle of them" \
	test "$(refs "$W/peer" refs/pg/pub | wc -l)" -eq 3 -a -s "$W/all.pgb"

# Every operation runs in $W/run, copied afresh from its before-state, so
# the traced paths are the same on every run.
R=$W/run
# run_op OP [PREFIX...]: run OP in $R, under PREFIX (strace and its options)
run_op() {
	local op=$1 who=dave asan=${ASAN_OPTIONS:-}
	shift
	# LeakSanitizer cannot run under ptrace (and a killed pg leaks by design)
	[ $# -eq 0 ] || asan=${asan:+$asan:}detect_leaks=0
	case $op in
	publish) who=alice; set -- "$@" "$PG" -C "$R" publish -r "$W/batch" ;;
	pull) set -- "$@" "$PG" -C "$R" pull peer ;;
	bundle) set -- "$@" "$PG" -C "$R" bundle import "$W/all.pgb" ;;
	reindex) set -- "$@" "$PG" -C "$R" reindex ;;
	esac
	ASAN_OPTIONS=$asan PG_HOME=$W/$who.home "$@"
}
reset() { rm -rf "$R" && cp -a "$W/$1.before" "$R"; }
cp -a "$W/alice" "$W/publish.before"
cp -a "$W/dave" "$W/pull.before"
cp -a "$W/dave" "$W/bundle.before"

# --- tracing and choosing the points --------------------------------------------

TRACED=openat,read,pread64,write,pwrite64,close,fsync,fdatasync,ftruncate,rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,flock,getdents64
# trace OP: run OP from its before-state under strace into $W/OP.trace
trace() {
	reset "$1"
	run_op "$1" strace -f -qq -y -s 8 -o "$W/$1.trace" -e trace="$TRACED" >"$W/$1.tout" 2>&1
}
# points OP KA KM KW KI: the kill points of OP's trace, one "SYSCALL N AT"
# a line (the Nth call of SYSCALL, the AT-th traced call), each set spread
# evenly: KA over all calls, KM over the calls that change a file other than
# by writing (openat with O_CREAT, rename, link, unlink, fsync, flock, ...),
# KW over the writes to the store, KI over the writes to the index; and the
# first and last two calls.  The total goes to stderr.
points() {
	awk -v ka="$2" -v km="$3" -v kw="$4" -v ki="$5" '
	function spread(a, n, k,   j) {
		if (n <= k) { for (j = 1; j <= n; j++) pick[a[j]] = 1; return }
		for (j = 1; j <= k; j++) pick[a[int((j - 0.5) * n / k) + 1]] = 1
	}
	/resumed>/ || $2 ~ /^(\+\+\+|---)/ { next }
	{
		if (!pid) pid = $1
		if ($1 != pid) next # injections count per process: pg alone
		name = $2; sub(/\(.*/, "", name)
		n++; nth[name]++; sc[n] = name; at[n] = nth[name]; all[n] = n
		if (name ~ /^(write|pwrite64|fsync|fdatasync|ftruncate|rename|renameat2?|link|linkat|unlink|unlinkat|mkdir|mkdirat|flock)$/ ||
		    (name == "openat" && /O_CREAT/)) {
			if (name !~ /write/) meta[++nm] = n
			else if (/index\.sqlite/) idx[++ni] = n
			else wr[++nw] = n
		}
	}
	END {
		spread(all, n, ka); spread(meta, nm, km); spread(wr, nw, kw); spread(idx, ni, ki)
		pick[1] = pick[2] = pick[n - 1] = pick[n] = 1
		for (i = 1; i <= n; i++) if (i in pick) print sc[i], at[i], i
		print n > "/dev/stderr"
	}' "$W/$1.trace"
}

# --- killing ---------------------------------------------------------------------

# snap WHO: the state of $R as WHO sees it, refs/pg and pg ls
snap() { refs "$R"; as "$1" "$R" ls; }
who_of() { case $1 in publish) echo alice ;; *) echo dave ;; esac; }
# indexed DIR: how many objects the store's index holds, read as it is
indexed() {
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from objects").fetchone()[0])' \
		"$1/.pg/index.sqlite" 2>&1
}

# crash OP KA KM KW KI: kill OP at each of its points (the reference run's
# state in $W/OP.ref and .ref.snap); a TAP line per run
crash() {
	local op=$1 who sc nth at total rc why ids before after line locks n_ix k runs=0 bad=0 printed=0
	who=$(who_of "$op")
	trace "$op"
	total=$(points "$op" "$2" "$3" "$4" "$5" 2>&1 >"$W/$op.points")
	before=$(refs "$W/$op.before" refs/pg/pub)
	after=$(refs "$W/$op.ref" refs/pg/pub)
	while read -r sc nth at; do
		runs=$((runs + 1))
		why=""
		reset "$op"
		run_op "$op" strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$nth" \
			>"$W/kout" 2>"$W/kerr"
		rc=$?
		[ "$rc" -eq 137 ] || why="$why; not killed (exit $rc): the point was not reached"
		# the store: fsck passes
		as "$who" "$R" fsck -q >"$W/fsck" 2>&1 || why="$why; pg fsck fails: $(head -c 300 "$W/fsck")"
		# every log is where it was or where the whole operation takes it
		while read -r line; do
			case "$before
$after" in *"$line"*) ;; *) why="$why; log ref neither before nor after: $line" ;; esac
		done < <(refs "$R" refs/pg/pub)
		# the index agrees with the store
		if as "$who" "$R" ls >"$W/ls" 2>"$W/lserr"; then
			ids=$(cut -c1-12 "$W/ls" | sort -u)
			[ "$ids" = "$(store_ids "$R")" ] || why="$why; pg ls and the logs list different objects"
		else
			why="$why; pg ls fails: $(head -c 300 "$W/lserr")"
		fi
		# what pg printed as done is there: published ids, adopted logs at
		# their new tips and the objects listed under them
		if [ -s "$W/kout" ] || grep -q '^reindexed' "$W/kerr"; then printed=$((printed + 1)); fi
		for id in $(sed -n 's/^\([0-9a-f]\{64\}\) .*/\1/p; s/^    [a-z]* *\([0-9a-f]\{12\}\) .*/\1/p' "$W/kout"); do
			grep -q "^${id:0:12}" "$W/ls" || why="$why; $id was reported but is gone"
		done
		for k in $(sed -n 's/^  .* (\([0-9a-f]\{12\}\)): seq .*/\1/p' "$W/kout"); do
			line=$(grep "^refs/pg/pub/$k" <<<"$after")
			refs "$R" refs/pg/pub | grep -qxF "$line" || why="$why; the log of $k was reported adopted but is not at its tip"
		done
		# a reindex that said it was done left the whole new index in place,
		# whatever pg ls (which brings an index up to date) shows
		if n_ix=$(sed -n 's/^reindexed \([0-9]*\) objects.*/\1/p' "$W/kerr") && [ -n "$n_ix" ]; then
			[ "$(indexed "$R")" = "$n_ix" ] || why="$why; reindex said $n_ix objects, the index holds $(indexed "$R")"
		fi
		# the same command again succeeds and ends where an uninterrupted run does
		if run_op "$op" >"$W/rout" 2>"$W/rerr"; then
			[ "$(snap "$who")" = "$(cat "$W/$op.ref.snap")" ] || why="$why; the rerun ends elsewhere than an uninterrupted run: $(diff <(snap "$who") "$W/$op.ref.snap" | head -5 | tr '\n' ' ')"
		else
			why="$why; the rerun fails: $(head -c 300 "$W/rerr")"
		fi
		# no lock or temporary file is left to block a later command
		locks=$(cd "$R/.pg" && find . -path ./objects -prune -o \( -name '*.lock' -o -name 'index.sqlite.new*' \) -print | tr '\n' ' ')
		[ -z "$locks" ] || why="$why; left behind: $locks"
		if [ -z "$why" ]; then
			ok "$op killed at $sc #$nth (call $at of $total): sound, nothing reported lost, the rerun completes"
		else
			bad=$((bad + 1))
			: >"$T/out"
			: >"$T/err"
			not_ok "$op killed at $sc #$nth (call $at of $total)${why}"
		fi
	done <"$W/$op.points"
	echo "# $op: $runs kill points over traced calls $(head -1 "$W/$op.points" | cut -d' ' -f3)..$(tail -1 "$W/$op.points" | cut -d' ' -f3) of $total ($printed after pg had printed what it did), $bad failed"
}

# reference OP: an uninterrupted run from the before-state; the state it ends in
reference() {
	local who
	who=$(who_of "$1")
	reset "$1"
	expect 0 "$1 runs uninterrupted from its before-state" run_op "$1"
	cp "$T/out" "$W/$1.ref.out"
	snap "$who" >"$W/$1.ref.snap"
	rm -rf "$W/$1.ref"
	cp -a "$R" "$W/$1.ref"
}

# --- the four operations ---------------------------------------------------------

reference publish
check "  ...publishing the 12 objects of the batch" test "$(grep -c ' interface crash::p::' "$W/publish.ref.out")" -eq 12
crash publish 4 14 3 3

reference pull
check "  ...adopting the peer's three logs" grep -q 'adopted 3 logs (26 new objects), refused 0' "$T/err"
crash pull 4 15 3 3

reference bundle
check "  ...adopting the bundle's three logs" grep -q 'adopted 3 logs (26 new objects), refused 0' "$T/err"
crash bundle 4 15 3 3

# reindex starts from dave's store after a pull killed halfway through its
# index update (pg reindex is for "after a crash"): the index's WAL holds
# what the killed pg committed, an index older than the logs
n_w=$(awk '$2 ~ /^pwrite64\(/ { n++; if (/index\.sqlite-wal/) w[++k] = n } END { print w[int(k / 2)] }' "$W/pull.trace")
reset pull
run_op pull strace -f -qq -o /dev/null -e trace=pwrite64 -e inject="pwrite64:signal=KILL:when=$n_w" >/dev/null 2>&1
rm -rf "$W/reindex.before" && cp -a "$R" "$W/reindex.before"
check "reindex starts from a store whose index has the WAL of a killed pg" test -s "$W/reindex.before/.pg/index.sqlite-wal"
reference reindex
check "  ...saying how many objects it indexed" grep -q "^reindexed $(store_ids "$W/reindex.before" | wc -l) objects from 4 logs" "$T/err"
crash reindex 4 14 2 3

echo "# $n tests"
