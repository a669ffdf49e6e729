#!/usr/bin/env bash
# scale.sh - pg at the scale of a public library (issue 11): one table, each figure next to its reference
#
# A benchmark, not a test: it measures and prints, and never judges in a way
# that fails the run.  Each row says `holds` or `MISSES` against its target;
# the script exits non-zero only when it cannot measure (a tool is missing,
# a build fails, a pg command the rest depends on fails).  A pg command
# that fails in a row's measurement makes that row FAILED (and the exit
# status 1) while the other rows are still measured where they can be.
#
# What it builds, all in $TMP (removed at exit, the git daemon killed):
#   hubL   BENCH_N objects from BENCH_P publishers, written by
#          bench/gen_corpus.c (each publisher's log through pg_txn), then
#          `git repack -a -d` as a hub's `git gc` would leave it;
#   hubS   BENCH_SMALL_N objects from BENCH_SMALL_P publishers, the same way;
#   src    BENCH_N authoring directories (gen_corpus -t): interfaces, specs,
#          impls and benches, each a pg.yaml and small payload files.
# and measures, in this order:
#   1. publish: `pg publish -r src` into a fresh store, one batch; reference:
#      `git fast-import` of the same bytes (the stream made once with `git
#      fast-export` of the published store's refs/pg/pub/*, imported into a
#      fresh bare repository: the same commits come out) plus libsodium's
#      sign + BLAKE2b time, one core, for as many objects and manifests of
#      the published store's sizes (bench/crypto_par.c);
#   2. fsck of hubL; reference: libsodium verify + BLAKE2b of every object
#      and manifest of hubL's sizes, and BLAKE2b of its payloads, on nproc
#      threads (crypto_par verify);
#   3. `pg clone git://127.0.0.1:PORT/hubL/.pg` from a real `git daemon` on
#      loopback; reference: `git clone --mirror` of the same URL (it fetches
#      the same objects: counted below the table) plus the verify time of 2;
#   4. incremental `pg pull` of BENCH_NEW objects that one publisher (a log
#      both hubs already hold) appended and pushed to both hubs, into a clone
#      of hubL; reference: the same pull into a clone of hubS (each clone
#      copied from a pristine one before every run, hyperfine --prepare,
#      and the copy synced: otherwise the pull's first fsync writes back
#      the whole 350 MiB copy, which is the copy's cost, not the pull's);
#   5. on the clone of hubL after that pull, with an identity that trusts
#      the most trusted maintainer: `pg ls --type impl`, `pg rank` of the
#      busiest interface, two `pg find` queries, `pg rep`, `pg __complete`
#      of an interface name (hyperfine -N, mean), and `pg tui`'s first screen
#      on a pseudo-terminal (bench/first_screen.py, as tui.sh: the median);
#   6. wire calls/s of a trivial C impl (fn add(a: i64, b: i64) -> i64)
#      through pg_session_calls in the sandbox, next to the same function
#      in-process (bench/session_rate.c wire, as verify.sh);
#   7. size on disk of the clone of hubL: its git objects, and its whole
#      .pg (index.sqlite and all), next to `git gc` of a copy.
# Then a header (machine, tools, N, P, date, load), the table, and every
# command measured ($TMP for the temporary directory, pg for the binary).
#
# environment:
#   B                   build directory (default build)
#   PG                  the pg binary (default $B/pg)
#   BENCH_N, BENCH_P    objects and publishers of the large store (default 100000, 1000)
#   BENCH_SMALL_N, BENCH_SMALL_P   the small store (default 1000, 10)
#   BENCH_NEW           objects in the incremental pull (default 100)
#   BENCH_SEED          gen_corpus's seed (default 1)
#   BENCH_PUBLISH_RUNS  hyperfine runs of the publish (default 1: it is the longest)
#   BENCH_SLOW_RUNS     runs of fsck and pg clone (default 2)
#   BENCH_RUNS          runs of fast-import, git clone and the pulls (default 5)
#   BENCH_QUERY_RUNS    runs of each query and completion, after 3 warm-ups (default 20)
#   BENCH_TUI_RUNS      first screens (default 10)
#   BENCH_CALLS         wire calls per measurement (default 200000)
#   BENCH_GC_AGGRESSIVE 1: the size reference is `git gc --aggressive` (default 0: plain `git gc`)
#   BENCH_OUT           also write the header, table and commands as Markdown to this file
#   BENCH_KEEP          1: keep $TMP (and say where) instead of removing it
#   PG_THREADS          passed through to pg untouched (to compare one core with all)
#   TMPDIR              where $TMP goes (default /tmp)
#
#   BENCH_N=10000 BENCH_P=100 bash bench/scale.sh     # the development scale: a few minutes
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
PG=${PG:-$bdir/pg}
N=${BENCH_N:-100000}
P=${BENCH_P:-1000}
SN=${BENCH_SMALL_N:-1000}
SP=${BENCH_SMALL_P:-10}
NEW=${BENCH_NEW:-100}
SEED=${BENCH_SEED:-1}
PUB_RUNS=${BENCH_PUBLISH_RUNS:-1}
SLOW_RUNS=${BENCH_SLOW_RUNS:-2}
RUNS=${BENCH_RUNS:-5}
QRUNS=${BENCH_QUERY_RUNS:-20}
TUI_RUNS=${BENCH_TUI_RUNS:-10}
CALLS=${BENCH_CALLS:-200000}
GC_AGGR=${BENCH_GC_AGGRESSIVE:-0}
OUT=${BENCH_OUT:-}
KEEP=${BENCH_KEEP:-0}
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"
NPROC=$(nproc)

say() { printf 'scale.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 git cc pkg-config make awk du bwrap; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what the bench needs)"
done
# shellcheck disable=SC2086 # the package list is several words on purpose
pkg-config --exists $PKGS || die "needs the pkg-config files of: $PKGS (make deps)"
(( N >= 1000 && P >= 2 && SN >= 100 && SP >= 2 && NEW >= 1 )) ||
	die "need BENCH_N >= 1000, BENCH_P >= 2, BENCH_SMALL_N >= 100, BENCH_SMALL_P >= 2, BENCH_NEW >= 1"
(( PUB_RUNS >= 1 && SLOW_RUNS >= 1 && RUNS >= 2 && QRUNS >= 2 && TUI_RUNS >= 2 && CALLS >= 1000 )) ||
	die "need at least 1 publish and slow run, 2 of the others, and BENCH_CALLS >= 1000"
[[ -z $OUT || -d $(dirname "$OUT") ]] || die "BENCH_OUT: no directory $(dirname "$OUT")"

say "building pg and libpg in $B"
make -C "$root" --no-print-directory B="$B" "$B/pg" "$B/libpg.a" >&2
[[ -x $PG ]] || die "no pg binary at $PG"

# $T for the stores; $W for the sandbox's work (as root the sandbox runs
# code as a private uid, which must reach it: mode 0755, under /var/tmp as
# verify.sh does)
T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-scale.XXXXXX")
W=$(mktemp -d /var/tmp/pg-bench-scale-wire.XXXXXX)
chmod 0755 "$W"
daemon=
cleanup() {
	if [[ -n $daemon ]]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$W"
	if [[ $KEEP == 1 ]]; then
		say "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
[[ $T != *[[:space:]]* ]] || die "the temporary directory's path has a space: $T"
cd "$T" # no pg command below may find a store of the caller's

# pg reads these; the caller's must not leak in (PG_THREADS does, on purpose)
unset PG_DIR PG_PASSPHRASE PG_LOCK_TIMEOUT PG_FETCH_MAX PG_NOW NO_COLOR
export NO_COLOR=1 LC_ALL=C

# hf, hf_must, jget, calc
. "$here/common.bash"

# the command as the reader should see it: pg for the binary, $TMP for the temp dir
disp() {
	local s=$1
	s=${s//"$PG"/pg}
	s=${s//"$T"/\$TMP}
	s=${s//"$W"/\$WIRE}
	printf '%s' "$s"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
kib() { du -sk "$1" | awk '{ print $1 }'; }

# sizes PGDIR: one line per object (o), manifest (m: its commit) and
# payload (p) of the store's logs, with its size (crypto_par's input)
sizes() {
	git --git-dir="$1" rev-list --objects --glob='refs/pg/pub/*' |
		git --git-dir="$1" cat-file --batch-check='%(objecttype) %(objectsize) %(rest)' |
		awk '$1 == "commit" { print "m", $2 } $1 == "blob" && $3 ~ /^o\// { print "o", $2 }
		     $1 == "blob" && $3 ~ /^p\// { print "p", $2 }'
}
# the refs/pg/pub/* of a repository, "oid ref" per line
pubrefs() { git --git-dir="$1" for-each-ref --format='%(objectname) %(refname)' 'refs/pg/pub/'; }

# --- the report's rows: label, pg, reference, ratio, target, verdict ------------

rows=$T/rows cmds=$T/cmds notes=$T/notes status=0
: >"$rows"
: >"$cmds"
: >"$notes"
# row LABEL PG REF RATIO TARGET OP LIMIT: OP le (ratio <= LIMIT holds) or ge
row() {
	local verdict
	verdict=$(awk -v r="$4" -v op="$6" -v l="$7" 'BEGIN { ok = op == "le" ? r <= l : r >= l; print ok ? "holds" : "MISSES" }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
		"$(awk -v r="$4" -v l="$7" 'BEGIN {
			d = r - l; if (d < 0) d = -d
			# a third decimal where two would hide which side of the target it is
			printf(r < 0.01 && r != 0 ? "%.2gx" : d < 0.005 ? "%.3fx" : "%.2fx", r) }')" "$5" "$verdict" >>"$rows"
}
failed_row() { # LABEL TARGET WHY
	printf '%s\tFAILED\t-\t-\t%s\t%s\n' "$1" "$2" "FAILED: $3" >>"$rows"
	status=1
}
cmd() { printf '%s\t%s\n' "$1" "$(disp "$2")" >>"$cmds"; }
note() { printf '%s\n' "$(disp "$*")" >>"$notes"; }
# why NAME: hyperfine's last message about a failed command
why() { grep -v '^\s*$' "$T/hf-$1.out" | sed 's/ Use the .*//' | tail -n 2 | paste -sd ' ' - | cut -c1-200; }
# said CMD: the last line a failing command wrote on stderr
said() { bash -c "$1" 2>&1 >/dev/null | tail -n 1 | cut -c1-200; }
secs() { calc '%.2f s' "$1"; }
msec() { calc '%.1f ms' "($1) * 1000"; }

# --- building the helpers --------------------------------------------------------

say "building gen_corpus, session_rate and crypto_par"
for tool in gen_corpus session_rate; do
	# as the Makefile builds unit tests: PG_CFLAGS, libpg.a, PG_LIBS
	# shellcheck disable=SC2046,SC2086
	cc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) \
		-o "$T/$tool" "$here/$tool.c" "$bdir/libpg.a" $(pkg-config --libs $PKGS) -lm
done
# shellcheck disable=SC2046
cc -O2 -std=c11 -Wall -Wextra -Werror -pthread -o "$T/crypto_par" "$here/crypto_par.c" \
	$(pkg-config --cflags --libs libsodium)
GEN=$T/gen_corpus CP=$T/crypto_par

load0=$(load)
date0=$(date -u '+%Y-%m-%d %H:%M UTC')
t_start=$(date +%s)

# --- the stores --------------------------------------------------------------------

say "hubL: $N objects from $P publishers (gen_corpus)"
"$PG" init -q "$T/hubL"
g0=$(date +%s.%N)
"$GEN" -n "$N" -p "$P" -s "$SEED" "$T/hubL/.pg" >"$T/gen-L.txt"
g1=$(date +%s.%N)
git --git-dir="$T/hubL/.pg" repack -a -d -q
g2=$(date +%s.%N)
gv() { awk -v k="$2" '$1 == k { print $2 }' "$T/gen-$1.txt"; }
busy=$(gv L busy_iface) busy_n=$(gv L busy_results) maint=$(gv L maintainer) impl_id=$(gv L impl_id)
note "hubL: $(gv L objects) objects from $(gv L publishers) publishers in $(gv L entries) log entries: $(gv L interfaces)" \
	"interfaces, $(gv L specs) specs, $(gv L benches) benches, $(gv L impls) impls, $(gv L trust) trust claims," \
	"$(gv L verify_results) verify and $(gv L bench_results) bench results; the busiest interface, $busy, has" \
	"$busy_n results. Generated in $(calc '%.0f' "$g1 - $g0") s ($GEN -n $N -p $P -s $SEED \$TMP/hubL/.pg)," \
	"git repack -a -d in $(calc '%.0f' "$g2 - $g1") s."
say "hubS: $SN objects from $SP publishers"
"$PG" init -q "$T/hubS"
"$GEN" -n "$SN" -p "$SP" -s "$SEED" "$T/hubS/.pg" >"$T/gen-S.txt"
git --git-dir="$T/hubS/.pg" repack -a -d -q

say "src: $N authoring directories (gen_corpus -t)"
"$GEN" -t -n "$N" -s "$SEED" "$T/src" >"$T/gen-src.txt"
note "src: $N authoring directories for pg publish ($(awk '$1 == "interfaces" { print $2 }' "$T/gen-src.txt") interfaces with" \
	"their specs, benches and impls; $(du -sh "$T/src" | cut -f1) on disk)."

# --- 1. publish ------------------------------------------------------------------------

label="publish $N objects, one batch (pg publish -r)"
export PG_HOME=$T/home-bench
"$PG" id new --name bench -q >/dev/null
pub_prep="rm -rf $T/pub && $PG init -q $T/pub"
pub_cmd="$PG -C $T/pub publish -q -r $T/src"
say "1. publish: $PUB_RUNS run(s) of: $(disp "$pub_cmd")"
if hf publish --runs "$PUB_RUNS" --prepare "$pub_prep" "$pub_cmd"; then
	pub_s=$(jget publish 0 mean)
	sizes "$T/pub/.pg" >"$T/sizes-pub"
	read -r _ _ nsig_pub bytes_pub sign_s _ < <("$CP" sign 1 <"$T/sizes-pub")
	# the same bytes through git: the stream once, its import timed
	mapfile -t refs < <(git --git-dir="$T/pub/.pg" for-each-ref --format='%(refname)' 'refs/pg/pub/')
	git --git-dir="$T/pub/.pg" fast-export "${refs[@]}" >"$T/stream.fi"
	fi_cmd="git --git-dir=$T/fi fast-import --quiet <$T/stream.fi"
	hf_must fastimport --runs "$RUNS" --prepare "rm -rf $T/fi && git init -q --bare $T/fi" "$fi_cmd"
	fi_s=$(jget fastimport 0 mean)
	same=no
	[[ $(pubrefs "$T/fi") == $(pubrefs "$T/pub/.pg") ]] && same=yes
	ref_s=$(calc '%.6f' "$fi_s + $sign_s")
	row "$label" "$(secs "$pub_s")" "$(secs "$ref_s") (fast-import $(secs "$fi_s") + sign $(secs "$sign_s"))" \
		"$(calc '%.6f' "$pub_s / $ref_s")" "<= 1.5x" le 1.5
	note "publish: $(wc -l <"$T/sizes-pub") items in the published store: $nsig_pub signed (objects and manifests)," \
		"$(calc '%.1f' "$bytes_pub / 1048576") MiB hashed; the fast-import of its fast-export made the same" \
		"commits: $same; the stream is $(calc '%.1f' "$(stat -c %s "$T/stream.fi") / 1048576") MiB."
else
	failed_row "$label" "<= 1.5x" "$(why publish); pg said: $(said "$pub_prep && $pub_cmd")"
fi
cmd "$label" "$pub_cmd    (before each: $pub_prep)"
cmd "  reference: fast-import" "${fi_cmd:-(not measured)}    (before each: rm -rf $T/fi && git init -q --bare $T/fi; the stream: git --git-dir=$T/pub/.pg fast-export refs/pg/pub/...)"
cmd "  reference: sign" "$CP sign 1 <$T/sizes-pub    (sizes: git rev-list --objects | git cat-file --batch-check of the store)"

# --- 2. fsck ---------------------------------------------------------------------------------

label="pg fsck, $N objects from $P publishers"
sizes "$T/hubL/.pg" >"$T/sizes-L"
say "2. fsck: crypto_par verify on $NPROC and on 1 thread(s), then $SLOW_RUNS run(s) of pg fsck"
read -r _ _ nsig_L bytes_L verify_s _ < <("$CP" verify "$NPROC" <"$T/sizes-L")
read -r _ _ _ _ verify1_s _ < <("$CP" verify 1 <"$T/sizes-L")
fsck_cmd="$PG -C $T/hubL fsck -q"
if hf fsck --runs "$SLOW_RUNS" "$fsck_cmd"; then
	fsck_s=$(jget fsck 0 mean)
	row "$label" "$(secs "$fsck_s")" "$(secs "$verify_s") (verify, $NPROC threads)" \
		"$(calc '%.6f' "$fsck_s / $verify_s")" "<= 1.3x" le 1.3
else
	failed_row "$label" "<= 1.3x" "$(why fsck); pg said: $(said "$fsck_cmd")"
fi
cmd "$label" "$fsck_cmd"
cmd "  reference: verify" "$CP verify $NPROC <$T/sizes-L"
note "verify reference: $nsig_L signatures (objects and manifests) and $(calc '%.1f' "$bytes_L / 1048576") MiB hashed;" \
	"$(secs "$verify_s") on $NPROC threads ($(calc '%.0f' "$nsig_L / $verify_s")/s), $(secs "$verify1_s") on one" \
	"($(calc '%.0f' "$nsig_L / $verify1_s")/s)."

# --- 3. clone over git:// ---------------------------------------------------------------------

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --export-all --base-path="$T" "$T" 2>"$T/daemon.log" &
daemon=$!
url_L=git://127.0.0.1:$port/hubL/.pg url_S=git://127.0.0.1:$port/hubS/.pg
for _ in $(seq 100); do
	git ls-remote "$url_L" >/dev/null 2>&1 && break
	sleep 0.1
done
git ls-remote "$url_L" >/dev/null 2>&1 || { cat "$T/daemon.log" >&2; die "git daemon does not answer on $url_L"; }

# the publisher of the incremental pull: a log both hubs hold before they are cloned
export PG_HOME=$T/home-new
"$PG" init -q "$T/nc"
(cd "$T/nc" && "$PG" id new --name newcomer -q >/dev/null)
# (interface numbers past the hubs': names nobody there publishes)
"$GEN" -t -n 1 -s "$((SEED + 1))" -o 1000000 "$T/first" >/dev/null
"$PG" -C "$T/nc" publish -q -r "$T/first" >/dev/null
"$PG" -C "$T/nc" remote add L "$T/hubL" >/dev/null
"$PG" -C "$T/nc" remote add S "$T/hubS" >/dev/null
"$PG" -C "$T/nc" push -q L >/dev/null
"$PG" -C "$T/nc" push -q S >/dev/null

export PG_HOME=$T/home-reader
"$PG" id new --name reader -q >/dev/null 2>&1

label="pg clone git:// (loopback git daemon), $N objects"
clone_cmd="$PG clone -q $url_L $T/cL"
say "3. clone: $SLOW_RUNS run(s) of: $(disp "$clone_cmd"); $RUNS of git clone --mirror"
gclone_cmd="git clone -q --mirror $url_L $T/gL"
hf_must gitclone --runs "$RUNS" --prepare "rm -rf $T/gL" "$gclone_cmd"
gclone_s=$(jget gitclone 0 mean)
ref_s=$(calc '%.6f' "$gclone_s + $verify_s")
hf clone --runs "$SLOW_RUNS" --prepare "rm -rf $T/cL" "$clone_cmd" ||
	die "pg clone failed, and the rest needs its store: $(why clone); pg said: $(said "rm -rf $T/cL && $clone_cmd")"
clone_s=$(jget clone 0 mean)
row "$label" "$(secs "$clone_s")" "$(secs "$ref_s") (git clone $(secs "$gclone_s") + verify $(secs "$verify_s"))" \
	"$(calc '%.6f' "$clone_s / $ref_s")" "<= 1.5x" le 1.5
cmd "$label" "$clone_cmd    (before each: rm -rf $T/cL)"
cmd "  reference: git clone" "$gclone_cmd    (before each: rm -rf $T/gL), + the verify time of the fsck row"
objs_git=$(git --git-dir="$T/gL" rev-list --objects --all | wc -l)
objs_pg=$(git --git-dir="$T/cL/.pg" rev-list --objects --glob='refs/pg/pub/*' | wc -l)
note "clone: git clone --mirror fetched $objs_git git objects (commits, trees, blobs) and pg clone holds $objs_pg" \
	"under refs/pg/pub/*: the same fetch$([[ $objs_git == "$objs_pg" ]] || echo ' (THEY DIFFER)')."
"$PG" clone -q "$url_S" "$T/cS"

# --- 4. incremental pull -------------------------------------------------------------------------

export PG_HOME=$T/home-new
"$GEN" -t -n "$NEW" -s "$((SEED + 2))" -o 1000001 "$T/new" >/dev/null
"$PG" -C "$T/nc" publish -q -r "$T/new" >/dev/null
"$PG" -C "$T/nc" push -q L >/dev/null
"$PG" -C "$T/nc" push -q S >/dev/null
export PG_HOME=$T/home-reader
n_before=$("$PG" -C "$T/cL" ls | wc -l)

label="pg pull of $NEW new objects into the clone of $N"
pullL_cmd="$PG -C $T/wL pull -q"
pullS_cmd="$PG -C $T/wS pull -q"
say "4. incremental pull: $RUNS runs each into the large and the small clone"
hf_must pullS --runs "$RUNS" --prepare "rm -rf $T/wS && cp -a $T/cS $T/wS && sync" "$pullS_cmd"
if hf pullL --runs "$RUNS" --prepare "rm -rf $T/wL && cp -a $T/cL $T/wL && sync" "$pullL_cmd"; then
	pullL_s=$(jget pullL 0 mean) pullS_s=$(jget pullS 0 mean)
	row "$label" "$(secs "$pullL_s")" "$(secs "$pullS_s") (into the clone of $SN)" \
		"$(calc '%.6f' "$pullL_s / $pullS_s")" "<= 1.2x" le 1.2
	n_after=$("$PG" -C "$T/wL" ls | wc -l)
	note "pull: the large clone went from $n_before to $n_after objects (pg ls)."
else
	failed_row "$label" "<= 1.2x" "$(why pullL); pg said: $(said "rm -rf $T/wL && cp -a $T/cL $T/wL && $pullL_cmd")"
	rm -rf "$T/wL"
	cp -a "$T/cL" "$T/wL"
fi
cmd "$label" "$pullL_cmd    (before each: rm -rf $T/wL && cp -a $T/cL $T/wL && sync)"
cmd "  reference: into the small clone" "$pullS_cmd    (before each: rm -rf $T/wS && cp -a $T/cS $T/wS && sync)"

# --- 5. queries, completion and the first screen on the large clone --------------------------------

cd "$T/wL"
"$PG" trust "$maint" high -q >/dev/null
"$PG" ls >/dev/null # the index is up to date before timing
impl_id=${impl_id:0:12}
prefix=${busy:0:2}
q_labels=(
	"pg ls --type impl"
	"pg rank $busy (the busiest interface)"
	"pg find type=impl iface=$busy lang=c"
	"pg find kind=verify verdict=passed subject=ID -n 20 (one impl of it)"
	"pg rep (an identity that trusts a maintainer)"
	"pg __complete rank $prefix (interface names)"
)
q_cmds=(
	"$PG ls --type impl"
	"$PG rank $busy"
	"$PG find type=impl iface=$busy lang=c"
	"$PG find kind=verify verdict=passed subject=$impl_id -n 20"
	"$PG rep"
	"$PG __complete rank $prefix"
)
say "5. queries: ${#q_cmds[@]} commands and pg --version, hyperfine -N, 3 warm-ups and $QRUNS runs each"
hf_must floor -N --warmup 3 --runs "$QRUNS" "$PG --version"
floor=$(jget floor 0 mean)
# query I: one row (the completion's comes after the first screen, as in the issue)
query() {
	local i=$1
	if hf "q$i" -N --warmup 3 --runs "$QRUNS" "${q_cmds[$i]}"; then
		m=$(jget "q$i" 0 mean)
		row "${q_labels[$i]}" "$(msec "$m")" "-" "$(calc '%.6f' "$m / 0.050")" "<= 50 ms" le 1
	else
		failed_row "${q_labels[$i]}" "<= 50 ms" "$(why "q$i"); pg said: $(said "${q_cmds[$i]}")"
	fi
	cmd "${q_labels[$i]}" "cd $T/wL && ${q_cmds[$i]}"
}
for i in 0 1 2 3 4; do
	query "$i"
done
q_out() { "$@" 2>/dev/null | wc -l; }
note "queries (cd \$TMP/wL, PG_HOME=\$TMP/home-reader): rows printed: ls --type impl $(q_out "$PG" ls --type impl)," \
	"rank $(q_out "$PG" rank "$busy"), find $(q_out "$PG" find type=impl iface="$busy" lang=c) and" \
	"$(q_out "$PG" find kind=verify verdict=passed subject="$impl_id" -n 20), rep $(q_out "$PG" rep)," \
	"__complete $(q_out "$PG" __complete rank "$prefix") candidates; pg --version, the start-up floor: $(msec "$floor")."

label="pg tui, first screen"
ulocale=C
locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && ulocale=C.UTF-8
say "5. tui: $TUI_RUNS first screens on an 80x24 pty"
if TERM=xterm-256color LC_ALL=$ulocale NO_COLOR= python3 "$here/first_screen.py" --runs "$TUI_RUNS" --size 80x24 \
	--need "best impl" --need "[interfaces]" --quit Q -- "$PG" tui >"$T/pty-tui" 2>"$T/pty-tui.err"; then
	tui_ms=$(python3 -c 'import statistics, sys; print(statistics.median(float(l.split()[0]) for l in open(sys.argv[1])))' "$T/pty-tui")
	row "$label" "$(calc '%.1f ms' "$tui_ms")" "-" "$(calc '%.6f' "$tui_ms / 200")" "<= 200 ms" le 1
else
	failed_row "$label" "<= 200 ms" "$(tail -n 2 "$T/pty-tui.err" | paste -sd ' ' -)"
fi
cmd "$label" "cd $T/wL && TERM=xterm-256color python3 bench/first_screen.py --runs $TUI_RUNS --size 80x24 --need 'best impl' --need '[interfaces]' --quit Q -- $PG tui    (median: spawn to the interfaces view's header and status bar)"
query 5
cd "$T"

# --- 6. wire --------------------------------------------------------------------------------------

label="wire calls/s, trivial C impl (add), sandbox"
pgi=$root/objects/geometry-circle/interface/interface.pgi
wire_cmd="$T/session_rate wire $W $pgi $CALLS"
say "6. wire: $CALLS pipelined calls through pg_session_calls (session_rate wire)"
if "$T/session_rate" wire "$W" "$pgi" "$CALLS" >"$T/wire.txt" 2>"$T/wire.err"; then
	# the add section: its in-process loop and its sandboxed session
	read -r wire_rate inproc_rate < <(awk '
		/^  add\(/ { s = 1; next } /^  [a-z]/ && !/^  (in-process|impl alone|pg_session|pg.s JSON)/ { s = 0 }
		s && /^  in-process loop/ { for (i = 1; i <= NF; i++) if ($i == "calls") { ip = $(i + 1); break } }
		s && /^  pg_session_calls, sandbox/ { w = $3 }
		END { print w, ip }' "$T/wire.txt")
	if [[ -n $wire_rate && -n $inproc_rate ]]; then
		row "$label" "$(calc '%.0f/s' "$wire_rate")" "$(calc '%.3g/s' "$inproc_rate") (in-process loop)" \
			"$(calc '%.8f' "$wire_rate / $inproc_rate")" ">= 100 000/s" ge "$(calc '%.10f' "100000 / $inproc_rate")"
	else
		failed_row "$label" ">= 100 000/s" "could not read session_rate's output"
	fi
else
	failed_row "$label" ">= 100 000/s" "$(tail -n 2 "$T/wire.err" | paste -sd ' ' -)"
fi
cmd "$label" "$wire_cmd    (the add rows: 'in-process loop' and 'pg_session_calls, sandbox')"

# --- 7. size on disk ---------------------------------------------------------------------------------

gc_flag=
[[ $GC_AGGR == 1 ]] && gc_flag=--aggressive
say "7. size: git gc ${gc_flag:-(not --aggressive)} of a copy of the clone's repository"
size_git=$(kib "$T/cL/.pg/objects")
size_all=$(kib "$T/cL/.pg")
size_index=$(kib "$T/cL/.pg/index.sqlite")
cp -a "$T/cL/.pg" "$T/gc.pg"
gc0=$(date +%s.%N)
git --git-dir="$T/gc.pg" gc -q $gc_flag
gc1=$(date +%s.%N)
gc_git=$(kib "$T/gc.pg/objects")
mib() { calc '%.1f MiB' "$1 / 1024"; }
row "store size: git objects of the clone of $N" "$(mib "$size_git")" "$(mib "$gc_git") (git gc${gc_flag:+ $gc_flag})" \
	"$(calc '%.6f' "$size_git / $gc_git")" "<= 1.2x" le 1.2
row "store size: the whole .pg (index.sqlite $(mib "$size_index"))" "$(mib "$size_all")" \
	"$(mib "$gc_git") (git gc${gc_flag:+ $gc_flag})" "$(calc '%.6f' "$size_all / $gc_git")" "<= 1.2x" le 1.2
cmd "store size" "du -sk $T/cL/.pg/objects $T/cL/.pg"
cmd "  reference: git gc" "cp -a $T/cL/.pg $T/gc.pg && git --git-dir=$T/gc.pg gc -q${gc_flag:+ $gc_flag} && du -sk $T/gc.pg/objects    ($(calc '%.1f' "$gc1 - $gc0") s)"
packs=$(git --git-dir="$T/cL/.pg" count-objects -v |
	awk '$1 == "packs:" { p = $2 } $1 == "count:" { l = $2 } END { printf "packs %s, loose objects %s", p, l }')
note "size: the git objects of the clone of hubL: $packs."

# --- the report ------------------------------------------------------------------------------------------

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
minutes=$(calc '%.1f' "($(date +%s) - $t_start) / 60")
# the checkout pg was built from (the build is not checked against it)
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "an unknown commit")
branch=$(git -C "$root" rev-parse --abbrev-ref HEAD 2>/dev/null || true)
[[ -z $branch || $branch == HEAD ]] || commit="$commit on $branch"
report() {
	echo "pg at scale (bench/scale.sh), $date0"
	echo
	printf -- '- %s\n' \
		"machine: $NPROC cores, ${cpu_model:-unknown CPU}, $(uname -srm); load $load0 at the start, $(load) at the end" \
		"pg: $("$PG" --version) ($(disp "$PG") = $PG), built from $commit${PG_THREADS:+, PG_THREADS=$PG_THREADS}" \
		"tools: $(git --version), $(hyperfine --version), libgit2 $(pkg-config --modversion libgit2), libsodium $(pkg-config --modversion libsodium), SQLite $(pkg-config --modversion sqlite3), $(cc --version | head -n 1)" \
		"scale: N = $N objects from P = $P publishers (the small store: $SN from $SP; $NEW new objects in the pull), seed $SEED" \
		"runs: publish $PUB_RUNS, fsck and clone $SLOW_RUNS, others $RUNS, queries $QRUNS after 3 warm-ups (hyperfine means), first screen $TUI_RUNS (median); $minutes min in all" \
		"\$TMP: $T ($(stat -f -c %T "$T") file system)"
	echo
	python3 - "$rows" <<'EOF'
import sys
head = ["measurement", "pg", "reference (same run)", "ratio", "target", ""]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
w = [max(len(r[i]) for r in rows + [head]) for i in range(6)]
fmt = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"
print(fmt(head))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in rows:
    print(fmt(r))
EOF
	echo
	echo "ratio: pg / reference; for a row without a reference, pg / its target (so <= 1 holds), and for the"
	echo "wire row, pg's calls/s over the in-process loop's (its target, 100 000/s, is absolute)."
	echo
	awk -F'\t' '{ printf "- %s:\n\n      $ %s\n\n", $1, $2 }' "$cmds"
	sed 's/^/- /' "$notes"
}
echo
report
if [[ -n $OUT ]]; then
	report >"$OUT"
	say "the report is in $OUT as well"
fi
exit "$status"
