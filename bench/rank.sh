#!/usr/bin/env bash
# rank.sh - benchmark of pg bench, pg rank and pg find (issue 4)
#
# A benchmark, not a test: it measures and prints, never judges a timing.
#
#   1. repeatability: pg bench --no-publish of the sort::u32 corpus, BENCH_REPEAT
#      times; per impl the spread of its score (x baseline) across runs, and
#      whether impls whose scores differ by >= 10% ever swap ranks;
#   2. scale: BENCH_RESULTS synthetic signed results (bench/gen_results.c)
#      about the same interface; hyperfine of pg rank, pg find and pg discover
#      (target: under 50 ms each) next to `pg ls --type interface`.
#
# environment: B (build dir, default build), BENCH_REPEAT (default 5),
# BENCH_RESULTS (default 10000), BENCH_ROUND_MS (default 20).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
PG=${PG:-$root/$B/pg}
REPEAT=${BENCH_REPEAT:-5}
NRES=${BENCH_RESULTS:-10000}
ROUND=${BENCH_ROUND_MS:-20}
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"
for tool in hyperfine python3 cc pkg-config; do
	command -v "$tool" >/dev/null || { echo "rank.sh: $tool is missing (make deps)" >&2; exit 2; }
done
say() { printf '%s\n' "$*" >&2; }

# reachable by the sandbox's uid when run as root
mkdir -p /var/tmp/pg-bench
T=$(mktemp -d /var/tmp/pg-bench/rank.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
export PG_HOME=$T/home PG_PASSPHRASE=bench
cd "$T"
"$PG" -q init >/dev/null
"$PG" -q id new --name bencher >/dev/null 2>&1
O=$root/objects/sort-u32
"$PG" -q publish "$O/interface" "$O/spec" "$O/impl-c-qsort" "$O/impl-c-radix" "$O/impl-py" "$O/bench" >/dev/null

say "1. pg bench sort::u32, $REPEAT runs of --round-ms $ROUND"
for i in $(seq "$REPEAT"); do
	"$PG" -q bench --no-publish --json --round-ms "$ROUND" sort::u32 >"$T/run$i.json"
done
python3 - "$T" "$REPEAT" <<'PY'
import json, sys, statistics
t, n = sys.argv[1], int(sys.argv[2])
runs = [{r["impl_name"]: r["score"] for r in json.load(open(f"{t}/run{i}.json"))["runs"]} for i in range(1, n + 1)]
print("| impl | scores (x baseline) | spread (max/min - 1) |")
print("|---|---|---|")
for name in sorted(runs[0]):
    s = [r[name] for r in runs]
    print(f"| {name} | {' '.join('%.4f' % x for x in s)} | {100 * (max(s) / min(s) - 1):.2f}% |")
names = sorted(runs[0])
swaps = 0
for a in names:
    for b in names:
        if a < b:
            ma, mb = statistics.median(r[a] for r in runs), statistics.median(r[b] for r in runs)
            if max(ma, mb) / min(ma, mb) >= 1.10:
                order = [r[a] < r[b] for r in runs]
                swaps += len(set(order)) > 1
print(f"\nrank swaps between impls >= 10% apart across {n} runs: {swaps}")
PY

say "2. $NRES synthetic results, then pg rank / find / discover"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) -o "$T/gen_results" "$here/gen_results.c" \
	"$root/$B/libpg.a" $(pkg-config --libs $PKGS) -lm
IF=$("$PG" find type=interface name=sort::u32 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$T/gen_results" "$T/.pg" "$PG_HOME" "$IF" "$NRES"
"$PG" -q reindex >/dev/null
echo "results in the store: $("$PG" find type=result | wc -l)"
hyperfine -N -w 3 -r 20 --export-markdown "$T/h.md" \
	"$PG ls --type interface" "$PG rank sort::u32" "$PG find type=result kind=bench iface=sort::u32 -n 10" \
	"$PG find connected=${IF:0:12} -n 10" "$PG discover sort" >&2
cat "$T/h.md"
