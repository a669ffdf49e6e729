#!/usr/bin/env bash
# trust.sh - benchmark of reputation: pg_eigentrust alone, and pg rep / pg rank over a big web of trust
#
# A benchmark, not a test: it measures and prints, and never judges a timing.
#
#   1. pg_eigentrust alone (bench/trust_rate.c, built here against
#      $B/libpg.a) on a random graph of BENCH_TRUST_IDS nodes and
#      BENCH_TRUST_CLAIMS edges: ms per cold computation (median of
#      BENCH_TRUST_RATE_RUNS), iterations, and a warm restart;
#   2. end to end: a store with BENCH_TRUST_IDS identities, each with its own
#      log, BENCH_TRUST_CLAIMS trust claims among them and BENCH_TRUST_RESULTS
#      verify results about sort::u32's impls (bench/gen_trust.c writes
#      them with libgit2, one pack), plus the bencher's own trust in ten of
#      them and its verdicts; then hyperfine of pg rep, pg rep ID, pg rep
#      --why ID and pg rank sort::u32, next to pg ls (pg's start-up with the
#      same index) as the floor; where pg_rep_compute's time goes (trust_rate
#      store: the index reads it makes, and its pg_eigentrust); and pg ls and
#      pg rep again after `git pack-refs --all` (pg leaves ten thousand log
#      refs loose, and every command's index sync reads them all).
#
# environment:
#   B                      build directory (default build)
#   PG                     the pg binary (default $B/pg)
#   BENCH_TRUST_IDS        identities / nodes (default 10000)
#   BENCH_TRUST_CLAIMS     trust claims / edges (default 100000)
#   BENCH_TRUST_RESULTS    synthetic verify results (default 1000)
#   BENCH_TRUST_RATE_RUNS  cold pg_eigentrust runs (default 20)
#   BENCH_TRUST_RUNS       hyperfine runs per command (default 10)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
PG=${PG:-$bdir/pg}
NIDS=${BENCH_TRUST_IDS:-10000}
NCLAIMS=${BENCH_TRUST_CLAIMS:-100000}
NRES=${BENCH_TRUST_RESULTS:-1000}
RATE_RUNS=${BENCH_TRUST_RATE_RUNS:-20}
RUNS=${BENCH_TRUST_RUNS:-10}
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"

say() { printf 'trust.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 cc pkg-config make awk; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
# shellcheck disable=SC2086 # the package list is several words on purpose
pkg-config --exists $PKGS || die "needs the pkg-config files of: $PKGS (make deps)"
(( NIDS >= 20 && NCLAIMS >= NIDS && RUNS >= 2 && RATE_RUNS >= 1 )) ||
	die "need BENCH_TRUST_IDS >= 20, BENCH_TRUST_CLAIMS >= BENCH_TRUST_IDS, BENCH_TRUST_RUNS >= 2"

say "building pg and libpg in $B"
make -C "$root" --no-print-directory B="$B" "$B/pg" "$B/libpg.a" >&2
[[ -x $PG ]] || die "no pg binary at $PG"

T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-trust.XXXXXX")
trap 'rm -rf "$T"' EXIT
unset PG_DIR PG_LOCK_TIMEOUT
export PG_HOME=$T/home PG_PASSPHRASE=bench NO_COLOR=1 LC_ALL=C

# hf, hf_must, jget, calc
. "$here/common.bash"
ms() { calc '%.1f' "($1) * 1000"; }

say "building trust_rate and gen_trust"
for tool in trust_rate gen_trust; do
	# as the Makefile builds unit tests: PG_CFLAGS, libpg.a, PG_LIBS
	# shellcheck disable=SC2046,SC2086
	cc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) \
		-o "$T/$tool" "$here/$tool.c" "$bdir/libpg.a" $(pkg-config --libs $PKGS) -lm
done

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "pg reputation benchmark (bench/trust.sh)"
printf '  %-8s %s\n' "machine" "$(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -srm)" \
	"pg" "$("$PG" --version)" "load" "$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"

# --- 1. pg_eigentrust alone --------------------------------------------------

say "1. pg_eigentrust on a random graph: $NIDS nodes, $NCLAIMS edges, $RATE_RUNS cold runs"
"$T/trust_rate" "$NIDS" "$NCLAIMS" "$RATE_RUNS" >"$T/rate.txt" || die "trust_rate: the mass does not sum to 1"
rate() { awk -v k="$1" '$1 == k { print $2 }' "$T/rate.txt"; }
echo
echo "1. pg_eigentrust alone: $(rate nodes) nodes, $(rate edges) edges ($(rate dangling) nodes trust nobody), damping 0.7"
echo
echo "| figure | value |"
echo "|---|---|"
echo "| cold computation, median of $(rate runs) | $(rate cold_median) ms (min $(rate cold_min), max $(rate cold_max)) |"
echo "| iterations to L1 change < 1e-12 | $(rate iterations) |"
echo "| per iteration | $(rate per_iteration) us ($(rate edges_per_s) edges/s) |"
echo "| warm restart after one truster's weights change | $(rate warm) ms, $(rate warm_iterations) iterations |"
echo "| mass sum | $(rate mass_sum) |"

# --- 2. end to end ---------------------------------------------------------

say "2. a store with $NIDS identities, $NCLAIMS trust claims, $NRES results"
cd "$T"
"$PG" -q init >/dev/null
"$PG" -q id new --name bencher >/dev/null 2>&1
O=$root/objects/sort-u32
"$PG" -q publish "$O/interface" "$O/spec" "$O/impl-c-qsort" "$O/impl-c-radix" "$O/impl-py" "$O/bench" >/dev/null
IF=$("$PG" find type=interface name=sort::u32 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
t0=$(date +%s.%N)
"$T/gen_trust" "$T/.pg" "$PG_HOME" "$IF" "$NIDS" "$NCLAIMS" "$NRES"
t1=$(date +%s.%N)
"$PG" -q reindex >/dev/null
t2=$(date +%s.%N)
"$PG" rep --json >"$T/rep.json"
read -r iters nrep < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["iterations"], sum(1 for i in r["identities"] if i["reputation"] > 0))' "$T/rep.json")
near=s00000 # one the bencher trusts
far=$(python3 -c '
import json, sys
ids = [i for i in json.load(open(sys.argv[1]))["identities"] if i["reputation"] > 0 and i["level"] == ""]
print(ids[len(ids) // 2]["name"])' "$T/rep.json") # a median one, reached only through others
say "pg_rep_compute in parts"
"$T/trust_rate" store "$T/.pg" "$PG_HOME" 5 >"$T/parts.txt"
part() { awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$T/parts.txt"; }
say "hyperfine, $RUNS runs each"
hf_must e2e -N -w 2 -r "$RUNS" \
	-n "pg ls --type interface" "$PG ls --type interface" \
	-n "pg rep" "$PG rep" \
	-n "pg rep $near" "$PG rep $near" \
	-n "pg rep --why $far" "$PG rep --why $far" \
	-n "pg rank sort::u32" "$PG rank sort::u32"

echo
echo "2. end to end: $NIDS identities (one log each), $NCLAIMS trust claims, $NRES verify results;"
echo "   generated in $(calc '%.1f' "$t1 - $t0") s, pg reindex $(calc '%.1f' "$t2 - $t1") s;" \
	"store $(du -sh "$T/.pg" | cut -f1); the walk took $iters iterations, $nrep identities hold mass"
echo
echo "| command | mean | sd | min | runs |"
echo "|---|---|---|---|---|"
names=("pg ls --type interface" "pg rep" "pg rep $near" "pg rep --why $far" "pg rank sort::u32")
for i in "${!names[@]}"; do
	printf '| %s | %s ms | %s ms | %s ms | %s |\n' "${names[$i]}" "$(ms "$(jget e2e "$i" mean)")" \
		"$(ms "$(jget e2e "$i" stddev)")" "$(ms "$(jget e2e "$i" min)")" "$RUNS"
done

git -C "$T/.pg" pack-refs --all
hf_must packed -N -w 2 -r "$RUNS" -n "pg ls --type interface" "$PG ls --type interface" -n "pg rep" "$PG rep"
for i in 0 1; do
	printf '| %s, refs packed | %s ms | %s ms | %s ms | %s |\n' "${names[$i]}" "$(ms "$(jget packed "$i" mean)")" \
		"$(ms "$(jget packed "$i" stddev)")" "$(ms "$(jget packed "$i" min)")" "$RUNS"
done

echo
echo "   pg_rep_compute in process (median of $(part runs 2)): $(part nodes 2) nodes, $(part edges 2) edges"
echo
echo "| step | ms | rows |"
echo "|---|---|---|"
echo "| pg_index_identities | $(part identities 2) | $(part identities 4) |"
echo "| pg_index_claims | $(part claims 2) | $(part claims 4) |"
echo "| pg_index_shared_results (mine) | $(part shared_results 2) | $(part shared_results 4) |"
echo "| pg_eigentrust on its graph | $(part eigentrust 2) | $(part eigentrust 4) iterations |"
echo "| pg_rep_compute, all of it | $(part rep_compute 2) | |"
