#!/usr/bin/env bash
# tui.sh - benchmark of pg tui's first screen (target: under 200 ms with 10 000 objects)
#
# A benchmark, not a test: it measures and prints, and never judges a timing.
#
#   1. a store of about BENCH_TUI_OBJECTS objects shaped like one people
#      browse (bench/gen_browse.c, through pg's own pg_txn, one log per
#      identity): BENCH_TUI_IFACES interfaces, each with 1-2 specs, 3-5 impls
#      and a bench by several authors; BENCH_TUI_IDS identities with trust
#      claims among them; the rest verify and bench results they signed.
#      pg fsck must pass on it; then one pg command syncs the index, as it
#      is when someone opens pg tui;
#   2. the first screen of the interactive pg tui, on a pseudo-terminal
#      (bench/first_screen.py: 80x24 set with TIOCSWINSZ,
#      TERM=xterm-256color, colours on): the clock starts at the fork and
#      stops when the output so far holds the interfaces view's header
#      ("best impl") and its status bar ("[interfaces]"); then Q.
#      BENCH_TUI_RUNS runs; median and max.  For reference, in the same run:
#      the same pty timing of printf (the harness's floor) and of pg tui
#      on an empty store (pg's start-up and curses, no data); hyperfine of
#      pg ls on the empty store, pg --version, pg ls --type interface, and
#      `pg tui --script` of just <Screen> (headless, it waits for all
#      background work: every ranking filled in);
#   3. where the first screen's time goes, in process (bench/tui_parts.c:
#      the library calls pg tui makes before it draws, each timed, and the
#      ranking it does afterwards).
#
# environment:
#   B                  build directory (default build)
#   PG                 the pg binary (default $B/pg)
#   BENCH_TUI_OBJECTS  objects in the store (default 10000)
#   BENCH_TUI_IFACES   interfaces (default 100)
#   BENCH_TUI_IDS      identities (default 300)
#   BENCH_TUI_RUNS     runs per measurement (default 15, at least 10 for the first screen)
#   BENCH_TUI_KEEP     1: keep the store and print where it is (to profile it)
#   TMPDIR             where the store goes (default /tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
PG=${PG:-$bdir/pg}
NOBJ=${BENCH_TUI_OBJECTS:-10000}
NIF=${BENCH_TUI_IFACES:-100}
NIDS=${BENCH_TUI_IDS:-300}
RUNS=${BENCH_TUI_RUNS:-15}
KEEP=${BENCH_TUI_KEEP:-0}
TARGET_MS=200
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"

say() { printf 'tui.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 cc pkg-config make awk; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
# shellcheck disable=SC2086 # the package list is several words on purpose
pkg-config --exists $PKGS || die "needs the pkg-config files of: $PKGS (make deps)"
(( RUNS >= 2 && NIF >= 1 && NIDS >= 8 )) || die "need BENCH_TUI_RUNS >= 2, BENCH_TUI_IFACES >= 1, BENCH_TUI_IDS >= 8"
PTY_RUNS=$(( RUNS < 10 ? 10 : RUNS ))

say "building pg and libpg in $B"
make -C "$root" --no-print-directory B="$B" "$B/pg" "$B/libpg.a" >&2
[[ -x $PG ]] || die "no pg binary at $PG"

T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-tui.XXXXXX")
if [[ $KEEP == 1 ]]; then
	trap 'say "the store is kept in $T/big (PG_HOME=$T/home)"' EXIT
else
	trap 'rm -rf "$T"' EXIT
fi
unset PG_DIR PG_LOCK_TIMEOUT NO_COLOR
export PG_HOME=$T/home PG_PASSPHRASE=bench LC_ALL=C

# hf, hf_must, jget, calc
. "$here/common.bash"
ms() { calc '%.1f' "($1) * 1000"; }

say "building gen_browse and tui_parts"
for tool in gen_browse tui_parts; do
	# as the Makefile builds unit tests: PG_CFLAGS, libpg.a, PG_LIBS
	# shellcheck disable=SC2046,SC2086
	cc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) \
		-o "$T/$tool" "$here/$tool.c" "$bdir/libpg.a" $(pkg-config --libs $PKGS) -lm
done

# --- 1. the store --------------------------------------------------------------

say "1. a store of about $NOBJ objects: $NIF interfaces, $NIDS identities"
mkdir -p "$T/big" "$T/empty" "$T/work"
cd "$T/big"
"$PG" -q init >/dev/null
"$PG" -q id new --name bencher >/dev/null 2>&1
t0=$(date +%s.%N)
"$T/gen_browse" "$T/big/.pg" "$PG_HOME" "$T/work" "$NIF" "$NIDS" "$NOBJ" >"$T/gen.txt"
read -r _ nobj _ nentries _ _ _ _ _ nclaims _ nres <"$T/gen.txt"
t1=$(date +%s.%N)
"$PG" fsck >"$T/fsck.txt" 2>&1 || { tail -5 "$T/fsck.txt" >&2; die "pg fsck fails on the generated store"; }
fsck_line=$(tail -1 "$T/fsck.txt")
t2=$(date +%s.%N)
"$PG" ls --type interface >/dev/null # the first command syncs the index (from nothing)
t3=$(date +%s.%N)
rm -rf "$T/work"
(cd "$T/empty" && "$PG" -q init >/dev/null && "$PG" ls >/dev/null)

# --- 2. the first screen, and its references ---------------------------------------

pty() { # pty NAME DIR CMD...: first_screen.py's runs into $T/pty-NAME
	local name=$1 dir=$2
	shift 2
	(cd "$dir" && TERM=xterm-256color LC_ALL=$ulocale python3 "$here/first_screen.py" --runs "$PTY_RUNS" \
		--size 80x24 --need "best impl" --need "[interfaces]" --quit Q -- "$@") >"$T/pty-$name" ||
		die "no first screen from: $* (see above)"
}
# a user's terminal speaks UTF-8
ulocale=C
locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && ulocale=C.UTF-8

say "2. first screen on a pty, $PTY_RUNS runs each: pg tui, printf, pg tui on an empty store"
pty tui "$T/big" "$PG" tui
pty printf "$T/big" printf 'best impl [interfaces]\n'
pty empty "$T/empty" "$PG" tui
# pty_stat NAME COLUMN: median, max and min of a pty column (1: ms to the first screen, 2: ms from Q to exit)
pty_stat() {
	python3 -c '
import statistics, sys
v = [float(l.split()[int(sys.argv[2]) - 1]) for l in open(sys.argv[1])]
print("%.1f %.1f %.1f" % (statistics.median(v), max(v), min(v)))' "$T/pty-$1" "$2"
}
read -r tui_med tui_max tui_min <<<"$(pty_stat tui 1)"
read -r quit_med quit_max _ <<<"$(pty_stat tui 2)"
read -r printf_med printf_max _ <<<"$(pty_stat printf 1)"
read -r empty_med empty_max _ <<<"$(pty_stat empty 1)"
screen_bytes=$(awk 'NR == 1 { print $3 }' "$T/pty-tui")

say "hyperfine, $RUNS runs each: pg --version, pg ls --type interface, pg tui --script <Screen>, pg ls (empty)"
printf '<Screen>\n' >"$T/screen.keys"
(cd "$T/big" && "$PG" tui --script "$T/screen.keys" >"$T/screen.txt")
grep -q 'best impl' "$T/screen.txt" || die "pg tui --script printed no interfaces view"
cd "$T/big"
hf_must ref -N -w 3 -r "$RUNS" \
	-n "pg --version" "$PG --version" \
	-n "pg ls --type interface" "$PG ls --type interface" \
	-n "pg tui --script <Screen>" "$PG tui --script $T/screen.keys" \
	-n "pg ls, empty store" "$PG -C $T/empty ls"
ver_med=$(ms "$(jget ref 0 median)") ver_max=$(ms "$(jget ref 0 max)")
ls_med=$(ms "$(jget ref 1 median)") ls_max=$(ms "$(jget ref 1 max)")
all_med=$(ms "$(jget ref 2 median)") all_max=$(ms "$(jget ref 2 max)")
els_med=$(ms "$(jget ref 3 median)") els_max=$(ms "$(jget ref 3 max)")

say "3. where the time goes: tui_parts, $RUNS runs"
"$T/tui_parts" "$T/big/.pg" "$PG_HOME" "$RUNS" >"$T/parts.txt"

# --- the report ----------------------------------------------------------------------

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "pg tui first-screen benchmark (bench/tui.sh)"
printf '  %-8s %s\n' "machine" "$(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -srm)" \
	"pg" "$("$PG" --version)" "load" "$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
echo
read -r flogs fentries fobjects < <(sed -n 's/^fsck: \([0-9]*\) logs, \([0-9]*\) entries, \([0-9]*\) objects.*/\1 \2 \3/p' <<<"$fsck_line")
echo "1. the store: ${fobjects:-?} objects in ${fentries:-?} log entries of ${flogs:-?} logs (pg fsck's count; gen_browse" \
	"published $nobj in $nentries entries, pg id new the rest): $NIF interfaces with their specs, impls and benches," \
	"$NIDS identities, $nclaims trust claims, $nres results;"
echo "   generated in $(calc '%.1f' "$t1 - $t0") s (gen_browse, pg_txn); pg fsck $(calc '%.1f' "$t2 - $t1") s:" \
	"\"$fsck_line\"; first index sync $(calc '%.1f' "$t3 - $t2") s; store $(du -sh "$T/big/.pg" | cut -f1)"
echo
echo "2. first screen: $PTY_RUNS runs on an 80x24 pty (TERM=xterm-256color, LC_ALL=$ulocale), $RUNS hyperfine runs;"
echo "   the first screen is $screen_bytes bytes of output, its rankings still \"...\" (they are filled in after it)"
echo
echo "| measurement | median | max | target | ratio |"
echo "|---|---|---|---|---|"
row() { printf '| %s | %s ms | %s ms | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
row "pg tui, first screen (pty, spawn to header + status bar)" "$tui_med" "$tui_max" "<= $TARGET_MS ms" \
	"$(calc '%.2f' "$tui_med / $TARGET_MS")"
row "printf of the same text (pty; the harness's floor)" "$printf_med" "$printf_max" "reference" \
	"$(calc '%.2f' "$printf_med / $TARGET_MS")"
row "pg tui on an empty store, first screen (pty)" "$empty_med" "$empty_max" "reference" \
	"$(calc '%.2f' "$empty_med / $TARGET_MS")"
row "pg ls on the empty store (hyperfine)" "$els_med" "$els_max" "reference" "$(calc '%.2f' "$els_med / $TARGET_MS")"
row "pg --version (hyperfine)" "$ver_med" "$ver_max" "reference" "$(calc '%.2f' "$ver_med / $TARGET_MS")"
row "pg ls --type interface (hyperfine)" "$ls_med" "$ls_max" "reference" "$(calc '%.2f' "$ls_med / $TARGET_MS")"
row "pg tui --script <Screen>: every ranking filled in (hyperfine)" "$all_med" "$all_max" "reference" \
	"$(calc '%.2f' "$all_med / $TARGET_MS")"
row "pg tui: from Q (sent at the first screen) to its exit (pty)" "$quit_med" "$quit_max" "reference" \
	"$(calc '%.2f' "$quit_med / $TARGET_MS")"
echo
echo "   ratio: median / $TARGET_MS ms.  Only the first line has a target; first screen min $tui_min ms."
echo
echo "3. in process (bench/tui_parts.c), median of $RUNS: what pg tui does before its first screen, then after"
echo
echo "| step | first run | median | max | rows |"
echo "|---|---|---|---|---|"
awk -F'\t' '{ printf "| %s | %s ms | %s ms | %s ms | %s |\n", $1, $2, $3, $4, $5 }' "$T/parts.txt"
echo
echo "   first run: a new process's cost (libgit2's and SQLite's one-time set-up fall in it), as pg tui pays it."
