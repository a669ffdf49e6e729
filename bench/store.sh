#!/usr/bin/env bash
# store.sh - benchmark of pg's store at 10 000 objects: publish, fsck, ls, reindex, size on disk
#
# A benchmark, not a test: it measures and prints, and never judges a timing.
# It exits non-zero only when it cannot measure (a tool is missing, or a pg
# command other than the one-batch publish fails).
#
# environment:
#   PG             the pg binary (default: build/pg of this repository, built if missing)
#   BENCH_N        objects in the large store (default 10000)
#   BENCH_SMALL_N  objects in the small store for the query comparison (default 1000)
#   TMPDIR         where the temporary stores go (default /tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
PG=${PG:-$root/build/pg}
N=${BENCH_N:-10000}
N_SMALL=${BENCH_SMALL_N:-1000}

say() { printf 'store.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 git cc pkg-config du; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
pkg-config --exists libsodium || die "needs libsodium's pkg-config file (libsodium-dev)"
if [[ ! -x $PG ]]; then
	say "building pg"
	make -C "$root" >&2
fi
[[ -x $PG ]] || die "no pg binary at $PG"
(( N >= 2 && N_SMALL >= 1 && N_SMALL <= N )) || die "need 2 <= BENCH_N and 1 <= BENCH_SMALL_N <= BENCH_N"

T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
[[ $T != *[[:space:]]* ]] || die "the temporary directory's path has a space: $T"

# pg reads these; the caller's must not leak in (PG_DIR would redirect every command)
unset PG_DIR PG_PASSPHRASE PG_LOCK_TIMEOUT
export PG_HOME=$T/home NO_COLOR=1 LC_ALL=C

# --- helpers -------------------------------------------------------------

# the command as the reader should see it: pg for the binary, $TMP for the temp dir
disp() {
	local s=$1
	s=${s//"$PG"/pg}
	s=${s//"$T"/\$TMP}
	printf '%s' "$s"
}

# hf, hf_must, jget, calc
. "$here/common.bash"

# gen DIR FROM TO : authoring directories obj<FROM>..obj<TO> below DIR (an
# interface needs its interface.pgi: one small function)
gen() {
	python3 - "$@" <<'EOF'
import os, sys
root, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(lo, hi + 1):
    d = os.path.join(root, "obj%05d" % i)
    os.makedirs(d)
    with open(os.path.join(d, "pg.yaml"), "w") as f:
        f.write("type: interface\nname: bench::obj%05d\n"
                "description: benchmark object %d of a generated set\n" % (i, i))
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write("# bench::obj%05d\n\nA generated interface for bench/store.sh.\n" % i)
    with open(os.path.join(d, "interface.pgi"), "w") as f:
        f.write("// Answers true.\nfn ping() -> bool;\n")
EOF
}

# --- the inputs ----------------------------------------------------------

say "generating $N + $N_SMALL object directories in $T"
half=$(( N / 2 ))
target=$(printf 'bench::obj%05d' "$half")        # the filtered query's one match
gen "$T/src/part1" 1 "$half"
gen "$T/src/part2" "$(( half + 1 ))" "$N"
small_lo=$(( half - N_SMALL / 2 + 1 ))
(( small_lo >= 1 )) || small_lo=1
gen "$T/src-small" "$small_lo" "$(( small_lo + N_SMALL - 1 ))"

"$PG" id new --name bench -q >/dev/null

say "building crypto_rate"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -O2 -o "$T/crypto_rate" "$here/crypto_rate.c" $(pkg-config --cflags --libs libsodium)

# --- 1. publish ----------------------------------------------------------

pub=$T/s-large
pub_prep="rm -rf $pub && mkdir $pub && $PG init -q $pub"
pub_cmd="$PG -C $pub publish -q -r $T/src"
pub_note="one batch"
pub_error=
pub_one_cmd=$pub_cmd
say "publish -r of $N directories in one batch, 3 runs on fresh stores"
if ! hf publish --runs 3 --prepare "$pub_prep" "$pub_cmd"; then
	# find out what pg said, then measure what still works: two batches
	bash -c "$pub_prep"
	pub_rc=0
	pub_error=$("$PG" -C "$pub" publish -q -r "$T/src" 2>&1 >/dev/null) || pub_rc=$?
	pub_error="exit $pub_rc: $(paste -sd ' ' - <<<"${pub_error:-(no message)}")"
	say "one-batch publish FAILED ($pub_error); measuring two batches of $half and $(( N - half )) instead"
	pub_cmd="$PG -C $pub publish -q -r $T/src/part1 && $PG -C $pub publish -q -r $T/src/part2"
	pub_note="FALLBACK: 2 batches"
	hf_must publish --runs 3 --prepare "$pub_prep" "$pub_cmd"
fi
# hyperfine leaves the last run's store behind: that is the large store
n_obj=$("$PG" -C "$pub" ls | wc -l)
pub_med=$(jget publish 0 median)
pub_cpu=$(calc '%.6f' "$(jget publish 0 user) + $(jget publish 0 system)")
pub_rate=$(calc '%.0f' "$n_obj / $pub_med")
pub_cpu_rate=$(calc '%.0f' "$n_obj / $pub_cpu")

small=$T/s-small
"$PG" init -q "$small"
"$PG" -C "$small" publish -q -r "$T/src-small" >/dev/null
n_small=$("$PG" -C "$small" ls | wc -l)

# --- 2. fsck and the raw crypto ceiling -----------------------------------

fsck_cmd="$PG -C $pub fsck -q"
say "fsck, 1 warmup + 5 runs"
hf_must fsck -N --warmup 1 --runs 5 "$fsck_cmd"
fsck_mean=$(jget fsck 0 mean)
fsck_sd=$(jget fsck 0 stddev)
fsck_cpu=$(calc '%.6f' "$(jget fsck 0 user) + $(jget fsck 0 system)")
fsck_rate=$(calc '%.0f' "$n_obj / $fsck_mean")
fsck_cpu_rate=$(calc '%.0f' "$n_obj / $fsck_cpu")
fsck_summary=$("$PG" -C "$pub" fsck 2>&1 >/dev/null | tail -n 1)

# the raw rates on messages as big as pg's objects
sample_id=$("$PG" -C "$pub" ls --type interface --name "$target" | awk '{ print $1 }')
obj_bytes=$("$PG" -C "$pub" cat "$sample_id" | wc -c)
say "crypto_rate $N $obj_bytes"
crypto_out=$("$T/crypto_rate" "$N" "$obj_bytes")
raw() { awk -v k="$1" '$1 == k { print $4 }' <<<"$crypto_out"; }
raw_hash=$(raw hash)
raw_verify=$(raw hash+verify)
raw_sign=$(raw sign+hash)
crypto_cmd="$T/crypto_rate $N $obj_bytes"

# --- 3. queries ----------------------------------------------------------

q_cmds=(
	"true"
	"$PG --version"
	"git --git-dir=$pub/.pg for-each-ref --count=1"
	"$PG -C $pub ls"
	"$PG -C $pub ls --type interface --name $target"
	"$PG -C $small ls"
	"$PG -C $small ls --type interface --name $target"
)
q_labels=(
	"reference: true (process start-up)"
	"reference: pg --version (pg start-up)"
	"reference: git for-each-ref on the store"
	"ls, all $n_obj rows"
	"ls --type --name, 1 row of $n_obj"
	"ls, all $n_small rows"
	"ls --type --name, 1 row of $n_small"
)
say "queries: ${#q_cmds[@]} commands, warmup 3, 50 runs each"
hf_must queries -N --warmup 3 --runs 50 "${q_cmds[@]}"
hits_large=$("$PG" -C "$pub" ls --type interface --name "$target" | wc -l)
hits_small=$("$PG" -C "$small" ls --type interface --name "$target" | wc -l)

# --- 4. reindex ----------------------------------------------------------

reindex_cmd="$PG -C $pub reindex -q"
say "reindex, 1 warmup + 3 runs"
hf_must reindex -N --warmup 1 --runs 3 "$reindex_cmd"
reindex_mean=$(jget reindex 0 mean)
reindex_rate=$(calc '%.0f' "$n_obj / $reindex_mean")

# --- 5. size on disk -----------------------------------------------------

say "size on disk and git gc --aggressive of a copy"
kb() { du -sk "$1" | awk '{ print $1 }'; }
size_all=$(kb "$pub/.pg")
size_git=$(kb "$pub/.pg/objects")
size_index=$(kb "$pub/.pg/index.sqlite")
packs=$(git --git-dir="$pub/.pg" count-objects -v | awk '$1 == "packs:" { p = $2 } $1 == "count:" { l = $2 } END { printf "%s pack(s), %s loose objects", p, l }')
cp -a "$pub/.pg" "$T/gc.pg"
gc_t0=$(date +%s.%N)
git --git-dir="$T/gc.pg" gc -q --aggressive
gc_t1=$(date +%s.%N)
gc_all=$(kb "$T/gc.pg")
gc_git=$(kb "$T/gc.pg/objects")

# --- the report ----------------------------------------------------------

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
ms() { calc '%.2f' "$1 * 1000"; }
sec() { calc '%.3f' "$1"; }
line() { printf '%s\n' "------------------------------------------------------------------------------------------"; }
row() { printf '  %-44s %20s %14s\n' "$1" "$2" "$3"; }
cmd() { printf '      $ %s\n' "$(disp "$1")"; }

echo
echo "pg store benchmark (bench/store.sh)"
line
printf '  %-10s %s\n' \
	"machine" "$(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -srm)" \
	"pg" "$("$PG" --version) ($(disp "$PG") = $PG)" \
	"tools" "libsodium $(pkg-config --modversion libsodium), $(git --version), $(hyperfine --version), $(cc --version | head -n 1)" \
	"\$TMP" "$T ($(stat -f -c %T "$T") file system), removed at exit" \
	"objects" "$N generated interfaces (pg.yaml + README.md + interface.pgi payload), $obj_bytes bytes each ($target)," \
	"" "+ the identity object: $n_obj objects in the large store, $n_small in the small one"
line
row "measure" "time" "objects/s"
line
echo "  write"
row "publish -r, $N dirs, $pub_note" "$(sec "$pub_med") s median/3" "$pub_rate"
row "  on cpu time (user+sys)" "$(sec "$pub_cpu") s" "$pub_cpu_rate"
cmd "$pub_cmd"
printf '      (before each run: %s)\n' "$(disp "$pub_prep")"
if [[ -n $pub_error ]]; then
	printf '      ONE BATCH FAILED, so the row above is two batches:\n'
	printf '      $ %s\n' "$(disp "$pub_one_cmd")"
	printf '        -> %s\n' "$pub_error"
fi
row "raw sign + BLAKE2b-256, 1 core" "$(calc '%.3f' "$N / $raw_sign") s" "$(calc '%.0f' "$raw_sign")"
cmd "$crypto_cmd    (line 'sign+hash')"
row "publish rate / raw sign rate" "" "$(calc '%.3f' "$pub_rate / $raw_sign")"
echo
echo "  verify"
row "fsck, $n_obj objects" "$(sec "$fsck_mean") s +- $(sec "$fsck_sd")" "$fsck_rate"
row "  on cpu time (user+sys)" "$(sec "$fsck_cpu") s" "$fsck_cpu_rate"
cmd "$fsck_cmd    (mean of 5, 1 warmup)"
printf '      (pg fsck says: %s)\n' "$fsck_summary"
row "raw BLAKE2b-256 + Ed25519 verify, 1 core" "$(calc '%.3f' "$N / $raw_verify") s" "$(calc '%.0f' "$raw_verify")"
row "raw BLAKE2b-256 alone, 1 core" "$(calc '%.4f' "$N / $raw_hash") s" "$(calc '%.0f' "$raw_hash")"
cmd "$crypto_cmd    (lines 'hash+verify', 'hash')"
row "fsck rate / raw verify rate" "" "$(calc '%.3f' "$fsck_rate / $raw_verify")"
echo
echo "  query (hyperfine -N, warmup 3, 50 runs; mean +- sd)"
for i in "${!q_cmds[@]}"; do
	row "${q_labels[$i]}" "$(ms "$(jget queries "$i" mean)") ms +- $(ms "$(jget queries "$i" stddev)")" ""
	cmd "${q_cmds[$i]}"
done
printf '      (rows matched by the filtered query: %s in the large store, %s in the small one)\n' \
	"$hits_large" "$hits_small"
row "filtered query, large / small store" \
	"$(calc '%.2f' "$(jget queries 4 mean) / $(jget queries 6 mean)")x" ""
row "ls all, large / small store" \
	"$(calc '%.2f' "$(jget queries 3 mean) / $(jget queries 5 mean)")x" ""
echo
echo "  maintenance"
row "reindex, $n_obj objects" "$(sec "$reindex_mean") s mean/3" "$reindex_rate"
cmd "$reindex_cmd"
echo
echo "  size on disk (du -sk)"
row ".pg as pg wrote it" "$size_all KiB" ""
row "  git objects (.pg/objects)" "$size_git KiB" ""
row "  index.sqlite" "$size_index KiB" ""
printf '      (%s)\n' "$packs"
row "copy after git gc --aggressive" "$gc_all KiB" ""
row "  git objects" "$gc_git KiB" ""
cmd "cp -a $pub/.pg $T/gc.pg && git --git-dir=$T/gc.pg gc -q --aggressive    ($(calc '%.1f' "$gc_t1 - $gc_t0") s)"
row ".pg / gc'd copy" "$(calc '%.2f' "$size_all / $gc_all")x" ""
row "git objects / gc'd git objects" "$(calc '%.2f' "$size_git / $gc_git")x" ""
row "bytes per object: .pg, git objects only" \
	"$(calc '%.0f' "$size_all * 1024 / $n_obj"), $(calc '%.0f' "$size_git * 1024 / $n_obj")" ""
line
