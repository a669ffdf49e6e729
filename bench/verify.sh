#!/usr/bin/env bash
# verify.sh - benchmark of pg's harness: wire calls/s through lib/session.c,
# the start-up of a sandboxed run, and a whole `pg verify` on the corpus
#
# A benchmark, not a test: it measures and prints, and never judges a timing
# (the ">= 100 000 calls/s" target is reported, not enforced).  It exits
# non-zero only when it cannot measure (a tool is missing, a build fails, an
# answer is wrong, pg verify cannot run).
#
#   1. wire: bench/session_rate.c (built here against $B/libpg.a)
#      generates the C bindings of `fn add(a: i64, b: i64) -> i64` and of
#      geometry::circle, builds the implementations as pg does, and times
#      BENCH_CALLS pipelined calls through pg_session_calls, in the sandbox
#      and with no_sandbox, next to the same body called in-process; and
#      (with perf) where pg's CPU time goes.
#   2. start-up: hyperfine -N on /bin/true, raw bwrap with pg's own
#      arguments (as root and as an unprivileged uid, as pg runs it), and a
#      whole pg_sandbox_run("/bin/true") with and without the sandbox; and
#      the in-process mean of each over BENCH_SPAWN_K runs.
#   3. pg verify geometry::circle on the corpus (objects/ published into a
#      temporary store): the first run (it builds), uncached runs, and cached
#      runs with and without the sandbox.
#
# environment:
#   B                  build directory (default build; `make B=x bench` passes it)
#   PG                 the pg binary (default $B/pg)
#   BENCH_CALLS        calls per wire measurement (default 1000000)
#   BENCH_SPAWN_K      in-process runs per start-up measurement (default 200)
#   BENCH_SPAWN_RUNS   hyperfine runs per start-up command (default 100)
#   BENCH_VERIFY_RUNS  hyperfine runs of the cached pg verify (default 5)
#   BENCH_PERF         1: profile with perf, 0: do not (default: when perf works)
#
# As root the sandbox runs code as a private uid, which must reach the work
# directories: they go in a directory under /var/tmp with mode 0755 (not
# mktemp -d's 0700 in /tmp), removed at exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
PG=${PG:-$bdir/pg}
N=${BENCH_CALLS:-1000000}
K=${BENCH_SPAWN_K:-200}
HF_RUNS=${BENCH_SPAWN_RUNS:-100}
V_RUNS=${BENCH_VERIFY_RUNS:-5}
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"

say() { printf 'verify.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 cc pkg-config bwrap make awk; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
# shellcheck disable=SC2086 # the package list is several words on purpose
pkg-config --exists $PKGS || die "needs the pkg-config files of: $PKGS (make deps)"
(( N >= 1000 && K >= 2 && HF_RUNS >= 2 && V_RUNS >= 2 )) ||
	die "need BENCH_CALLS >= 1000, BENCH_SPAWN_K >= 2, BENCH_SPAWN_RUNS >= 2, BENCH_VERIFY_RUNS >= 2"

say "building pg and libpg in $B"
make -C "$root" --no-print-directory B="$B" "$B/pg" "$B/libpg.a" >&2
[[ -x $PG ]] || die "no pg binary at $PG"

T=$(mktemp -d /var/tmp/pg-bench-verify.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
[[ $T != *[[:space:]]* ]] || die "the temporary directory's path has a space: $T"
mkdir -m 0755 "$T/work" "$T/fakebin" "$T/perf"

# pg reads these; the caller's must not leak in
unset PG_DIR PG_PASSPHRASE PG_LOCK_TIMEOUT
export PG_HOME=$T/home NO_COLOR=1 LC_ALL=C

say "building session_rate"
# as the Makefile builds unit tests: PG_CFLAGS, libpg.a, PG_LIBS
# shellcheck disable=SC2046,SC2086
cc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) \
	-o "$T/session_rate" "$here/session_rate.c" "$bdir/libpg.a" $(pkg-config --libs $PKGS) -lm
SR=$T/session_rate
PGI=$root/objects/geometry-circle/interface/interface.pgi

# --- helpers -------------------------------------------------------------

disp() {
	local s=$1
	s=${s//"$PG"/pg}
	s=${s//"$T"/\$TMP}
	printf '%s' "$s"
}
# hf, hf_must, jget, calc
. "$here/common.bash"
ms() { calc '%.2f' "($1) * 1000"; }
line() { printf '%s\n' "------------------------------------------------------------------------------------------"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

perf_ok=0
if [[ ${BENCH_PERF:-auto} != 0 ]] && command -v perf >/dev/null &&
	perf record -q -o "$T/perf/probe.data" true >/dev/null 2>&1; then
	perf_ok=1
elif [[ ${BENCH_PERF:-auto} == 1 ]]; then
	die "BENCH_PERF=1 but perf cannot record here"
fi

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "pg harness benchmark (bench/verify.sh)"
line
printf '  %-10s %s\n' \
	"machine" "$(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -srm)" \
	"pg" "$("$PG" --version) ($(disp "$PG") = $PG)" \
	"tools" "$(bwrap --version), $(hyperfine --version), jansson $(pkg-config --modversion jansson), $(cc --version | head -n 1)" \
	"\$TMP" "$T, removed at exit" \
	"load" "$(load) (1, 5, 15 min) at the start: other work on the machine skews wall-clock times"
line

# --- 1. wire ----------------------------------------------------------------

say "wire: $N calls per measurement (add, circle, null; sandbox and no_sandbox)"
echo
load0=$(load)
"$SR" wire "$T/work" "$PGI" "$N"
printf '  (load %s before, %s after)\n' "$load0" "$(load)"
printf '  $ %s\n' "$(disp "$SR wire $T/work $PGI $N")"

if (( perf_ok )); then
	np=$(( N < 200000 ? N : 200000 ))
	echo
	echo "where pg's CPU time goes in pg_session_calls (perf record -i --call-graph dwarf, $np calls, sandbox)"
	printf '  %-36s %14s %14s\n' "" "add" "circle"
	for which in add circle; do
		say "perf: $which, $np calls"
		rm -rf "$T/work"/*
		perf record -q -i --call-graph dwarf,16384 -F 2000 -o "$T/perf/$which.data" \
			"$SR" calls "$T/work" "$PGI" "$np" "$which" >/dev/null 2>"$T/perf/$which.err" ||
			{ cat "$T/perf/$which.err" >&2; die "perf record failed"; }
		perf report -i "$T/perf/$which.data" --stdio --children --sort sym 2>/dev/null |
			awk '$1 ~ /%$/ && $3 == "[.]" { print $1, $4 }' >"$T/perf/$which.sym"
		perf report -i "$T/perf/$which.data" --stdio --no-children --sort dso 2>/dev/null |
			awk '$1 ~ /%$/ { print $1, $2 }' >"$T/perf/$which.dso"
		rm -f "$T/perf/$which.data"
	done
	# pct FILE NAME: the first (largest) percentage of the symbol NAME (or
	# glibc's __GI_ alias of it), or of the library whose file name starts
	# with NAME, in FILE
	pct() { awk -v s="$2" '$2 == s || $2 ~ ("^__GI_+" s "$") || ($2 ~ /\.so/ && index($2, s) == 1) { print $1; exit }' "$1"; }
	prow() { printf '  %-36s %14s %14s\n' "$1" "$(pct "$T/perf/add.$2" "$3")" "$(pct "$T/perf/circle.$2" "$3")"; }
	echo "  of the samples in session_rate (pg's side), including callees:"
	prow "pg_session_calls" sym pg_session_calls
	prow "  request(): build the request" sym request
	prow "    json_dumps(args)" sym json_dumps
	prow "      glibc's %.17g (__printf_fp_l)" sym __printf_fp_l
	prow "    pg_buf_printf(line)" sym pg_buf_printf
	prow "  answer(): parse + check" sym answer
	prow "    json_loadb" sym json_loadb
	prow "  pg_proc_pump (poll, read, write)" sym pg_proc_pump
	echo "  by library, self time:"
	prow "libjansson" dso "libjansson.so"
	prow "libc" dso "libc.so"
	prow "kernel" dso "[kernel.kallsyms]"
	prow "session_rate (libpg, driver)" dso session_rate
	printf '  $ perf record -i --call-graph dwarf %s calls %s\n' "$(disp "$SR")" "$(disp "$T/work $PGI $np add|circle")"
fi

# --- 2. start-up ----------------------------------------------------------------

say "start-up: pg's bwrap arguments (a stand-in bwrap first in PATH prints them)"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >&2\n' >"$T/fakebin/bwrap"
chmod 0755 "$T/fakebin/bwrap"
mapfile -t bw_args < <(PATH=$T/fakebin:$PATH "$SR" argv "$T/work")
if (( ${#bw_args[@]} < 4 )) || [[ ${bw_args[0]} != --* ]]; then
	die "could not capture pg's bwrap arguments: ${bw_args[*]}"
fi
for a in "${bw_args[@]}"; do
	[[ $a != *[[:space:]\'\"\\]* ]] || die "a bwrap argument hyperfine could not take: '$a'"
done
bw="bwrap ${bw_args[*]}"
rm -rf "${T:?}/work"/*

sp_cmds=("/bin/true" "/bin/sh -c /bin/true" "$bw")
sp_labels=("/bin/true: plain fork/exec" "/bin/sh -c /bin/true (pg runs sh -c)" "bwrap, pg's arguments, as root")
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
	nob="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
	sp_cmds+=("$nob /bin/true" "$nob $bw")
	sp_labels+=("setpriv to nobody + /bin/true" "setpriv to nobody + bwrap, pg's arguments")
fi
sp_cmds+=("$SR noop" "$SR run1 $T/work --no-sandbox" "$SR run1 $T/work")
sp_labels+=("driver: start + exit (reference)" "driver: pg_sandbox_run, --no-sandbox" "driver: pg_sandbox_run, bwrap")
say "start-up: hyperfine -N, warmup 5, $HF_RUNS runs of ${#sp_cmds[@]} commands"
load0=$(load)
hf_must spawn -N --warmup 5 --runs "$HF_RUNS" "${sp_cmds[@]}"
load1=$(load)
say "start-up: in-process, $K runs each"
spawn_out=$("$SR" spawn "$T/work" "$K")
load2=$(load)

echo
echo "sandbox start-up per run (hyperfine -N, warmup 5, $HF_RUNS runs; ms)"
printf '  %-44s %8s %7s %8s %7s %10s\n' "" "mean" "sd" "median" "min" "x /bin/true"
t0=$(jget spawn 0 mean)
noop=
for i in "${!sp_cmds[@]}"; do
	m=$(jget spawn "$i" mean)
	[[ ${sp_cmds[$i]} == "$SR noop" ]] && noop=$m
	printf '  %-44s %8s %7s %8s %7s %10s\n' "${sp_labels[$i]}" "$(ms "$m")" "$(ms "$(jget spawn "$i" stddev)")" \
		"$(ms "$(jget spawn "$i" median)")" "$(ms "$(jget spawn "$i" min)")" "$(calc '%.2f' "$m / $t0")"
done
nsp=${#sp_cmds[@]}
full=$(jget spawn $(( nsp - 1 )) mean)
full_ns=$(jget spawn $(( nsp - 2 )) mean)
bw_root=$(jget spawn 2 mean)
printf '  %-44s %8s %7s %8s %7s %10s\n' "pg_sandbox_run, bwrap, minus driver start" "$(ms "$full - $noop")" "" "" "" \
	"$(calc '%.2f' "($full - $noop) / $t0")"
printf '  %-44s %8s %7s %8s %7s %10s\n' "pg_sandbox_run, no sandbox, minus driver start" "$(ms "$full_ns - $noop")" "" "" "" \
	"$(calc '%.2f' "($full_ns - $noop) / $t0")"
printf '  %-44s %8s\n' "pg_sandbox_run(bwrap) - driver - raw bwrap" "$(ms "$full - $noop - $bw_root")"
echo "  (x /bin/true: the mean over /bin/true's mean; raw bwrap: the as-root row)"
printf '  (load %s before, %s after)\n' "$load0" "$load1"
for i in "${!sp_cmds[@]}"; do
	printf '  $ %s\n' "$(disp "${sp_cmds[$i]}")"
done

echo
echo "sandbox start-up per run, in-process ($K runs each after 10 warm-up runs; us)"
printf '  %-44s %9s %8s %9s %9s %9s\n' "" "mean" "sd" "pg cpu" "child cpu" "x fork"
fe=$(awk '$1 == "fork_exec_true" { print $2 }' <<<"$spawn_out")
[[ -n $fe ]] || die "session_rate spawn said: $spawn_out"
while read -r key mean sd _ _ dcpu _ _ ccpu _; do
	case $key in
	fork_exec_true) l="fork + execve /bin/true + waitpid" ;;
	fork_exec_sh_true) l="fork + execve /bin/sh -c /bin/true" ;;
	sandbox_run_no_sandbox) l="pg_sandbox_run(\"/bin/true\"), no_sandbox" ;;
	sandbox_run) l="pg_sandbox_run(\"/bin/true\"), bwrap" ;;
	*) continue ;;
	esac
	printf '  %-44s %9s %8s %9s %9s %9s\n' "$l" "$mean" "$sd" "$dcpu" "$ccpu" "$(calc '%.2f' "$mean / $fe")"
done <<<"$spawn_out"
printf '  (pg cpu: the driver'"'"'s own, getrusage SELF; child cpu: RUSAGE_CHILDREN, what was reaped)\n'
printf '  (load %s before, %s after)\n' "$load1" "$load2"
printf '  $ %s\n' "$(disp "$SR spawn $T/work $K")"

# --- 3. pg verify ----------------------------------------------------------------

S=$T/store
say "pg verify: publishing $root/objects into a temporary store"
"$PG" init -q "$S"
chmod 0755 "$S"
"$PG" -C "$S" id new --name bench -q >/dev/null
"$PG" -C "$S" publish -q -r "$root/objects" >/dev/null
n_obj=$("$PG" -C "$S" ls | wc -l)
cache=$S/.pg/cache
v_args=("$PG" -C "$S" verify -q geometry::circle)
v_cmd=${v_args[*]}

say "pg verify: first run (builds)"
load0=$(load)
v0=$(date +%s%N)
rc=0
"${v_args[@]}" >"$T/verify.out" 2>"$T/verify.err" || rc=$?
v1=$(date +%s%N)
# 1: some verdict failed (the corpus's cheat and buggy impls do, on purpose)
(( rc == 0 || rc == 1 )) || { cat "$T/verify.err" >&2; die "pg verify failed (exit $rc)"; }
[[ -d $cache/build ]] || die "pg verify kept no build cache in $cache (is the store reachable by others?)"
verdicts=$(grep -c '^  circle-' "$T/verify.out" || true)

say "pg verify: 3 uncached runs (the build cache removed before each)"
hf_must v_uncached -i --runs 3 --prepare "rm -rf $cache/build" "$v_cmd"
say "pg verify: cached, $V_RUNS runs with the sandbox and without"
hf_must v_cached -i --warmup 1 --runs "$V_RUNS" "$v_cmd" "$PG -C $S verify -q --no-sandbox geometry::circle"
load1=$(load)

# sandboxes one cached run starts: the stand-in bwrap counts them
printf '#!/bin/sh\necho x >>%s/bwrap-count\nexec %s "$@"\n' "$T/fakebin" "$(command -v bwrap)" >"$T/fakebin/bwrap"
: >"$T/fakebin/bwrap-count"
chmod 0777 "$T/fakebin/bwrap-count" # written by the sandbox's uid
PATH=$T/fakebin:$PATH "${v_args[@]}" >/dev/null 2>&1 || true
n_bwrap=$(wc -l <"$T/fakebin/bwrap-count")

echo
echo "pg verify geometry::circle on the corpus ($n_obj objects published from objects/;"
echo "  $verdicts impl x spec verdicts; exit $rc: the cheat and the buggy impl fail, on purpose)"
printf '  %-44s %10s %9s %9s\n' "" "mean s" "sd" "min"
printf '  %-44s %10s\n' "first run (builds 4 impls, then runs)" "$(calc '%.3f' "($v1 - $v0) / 1e9")"
printf '  %-44s %10s %9s %9s\n' "uncached: build cache removed, 3 runs" "$(calc '%.3f' "$(jget v_uncached 0 mean)")" \
	"$(calc '%.3f' "$(jget v_uncached 0 stddev)")" "$(calc '%.3f' "$(jget v_uncached 0 min)")"
vc=$(jget v_cached 0 mean)
vn=$(jget v_cached 1 mean)
printf '  %-44s %10s %9s %9s\n' "cached, sandbox, $V_RUNS runs (1 warmup)" "$(calc '%.3f' "$vc")" \
	"$(calc '%.3f' "$(jget v_cached 0 stddev)")" "$(calc '%.3f' "$(jget v_cached 0 min)")"
printf '  %-44s %10s %9s %9s\n' "cached, --no-sandbox, $V_RUNS runs (1 warmup)" "$(calc '%.3f' "$vn")" \
	"$(calc '%.3f' "$(jget v_cached 1 stddev)")" "$(calc '%.3f' "$(jget v_cached 1 min)")"
printf '  %-44s %10s\n' "cached: sandbox / no sandbox" "$(calc '%.2f' "$vc / $vn")x"
printf '  %-44s %10s\n' "uncached / cached (sandbox)" "$(calc '%.2f' "$(jget v_uncached 0 mean) / $vc")x"
printf '  %-44s %10s\n' "sandboxes started by one cached run" "$n_bwrap"
printf '  (load %s before, %s after; each run also publishes its results)\n' "$load0" "$load1"
printf '  $ %s\n' "$(disp "$v_cmd")"
printf '    (uncached: before each run, %s)\n' "$(disp "rm -rf $cache/build")"
line
