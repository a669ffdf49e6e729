#!/usr/bin/env bash
# complete.sh - benchmark of tab completion (target: pg __complete under 50 ms with 10 000 objects)
#
# A benchmark, not a test: it measures and prints, and never judges a timing.
#
#   1. a store of about BENCH_COMPLETE_OBJECTS objects (bench/gen_browse.c,
#      as bench/tui.sh builds it: 100 interfaces, 300 identities, their
#      trust claims, the rest results), its index synced, and a remote;
#   2. hyperfine of 'pg __complete' for what a user tabs through: commands,
#      options, interface names, identities, remotes, find terms, an id
#      prefix (one hex digit: about 1/16 of the store) and every id (an empty
#      word after pg show: the whole store); then the bash script end to end
#      (bash sourcing completion/pg.bash and calling _pg, the way a Tab
#      does), next to bash alone;  pg --version is the reference: pg's start.
#
# environment:
#   B                       build directory (default build)
#   PG                      the pg binary (default $B/pg)
#   BENCH_COMPLETE_OBJECTS  objects in the store (default 10000)
#   BENCH_COMPLETE_RUNS     hyperfine runs per command (default 20)
#   TMPDIR                  where the store goes (default /tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
PG=${PG:-$bdir/pg}
NOBJ=${BENCH_COMPLETE_OBJECTS:-10000}
RUNS=${BENCH_COMPLETE_RUNS:-20}
TARGET_MS=50
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"

say() { printf 'complete.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 cc pkg-config make awk bash; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
say "building pg and libpg in $B"
make -C "$root" --no-print-directory B="$B" "$B/pg" "$B/libpg.a" >&2

T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-complete.XXXXXX")
trap 'rm -rf "$T"' EXIT
unset PG_DIR PG_LOCK_TIMEOUT NO_COLOR
export PG_HOME=$T/home PG_PASSPHRASE=bench LC_ALL=C
. "$here/common.bash"
ms() { calc '%.1f' "($1) * 1000"; }

# shellcheck disable=SC2046,SC2086
cc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) \
	-o "$T/gen_browse" "$here/gen_browse.c" "$bdir/libpg.a" $(pkg-config --libs $PKGS) -lm

say "1. a store of about $NOBJ objects"
mkdir -p "$T/big" "$T/work" "$T/hub"
cd "$T/big"
"$PG" -q init >/dev/null
"$PG" -q id new --name bencher >/dev/null 2>&1
"$T/gen_browse" "$T/big/.pg" "$PG_HOME" "$T/work" 100 300 "$NOBJ" >"$T/gen.txt"
rm -rf "$T/work"
git init -q --bare "$T/hub"
"$PG" remote add hub "$T/hub" >/dev/null 2>&1
nobj=$("$PG" ls | wc -l)
iface=$("$PG" ls --type interface | awk 'NR == 1 { print $3 }')
ident=$("$PG" ls --type identity | awk 'NR == 2 { print substr($3, 1, length($3) - 1) }')

# name|words after 'pg __complete' (the last is the word being typed)
cases=(
	"commands|''"
	"options of pg verify|verify --"
	"interface names (pg rank)|rank ''"
	"identities (pg trust)|trust ''"
	"identities by a prefix (pg trust $ident)|trust $ident"
	"remotes (pg fetch)|fetch ''"
	"find terms, iface= values|find iface="
	"id prefix of one hex digit (pg show 3)|show 3"
	"every id (pg show, empty word)|show ''"
)
args=()
say "2. hyperfine, $RUNS runs each"
args+=(-n "pg --version (reference)" "$PG --version")
for c in "${cases[@]}"; do
	IFS='|' read -r name words <<<"$c"
	args+=(-n "$name" "$PG __complete $words")
done
export PATH=$bdir:$PATH
# what a Tab costs in bash: source the script, split the line, run _pg
cat >"$T/tab.bash" <<EOF
. "$root/completion/pg.bash"
COMP_LINE="pg rank \${1:-}" COMP_POINT=\${#COMP_LINE}
COMP_WORDS=(pg rank "\${1:-}") COMP_CWORD=2
_pg
((\${#COMPREPLY[@]} > 0)) || exit 1
EOF
args+=(-n "bash: source pg.bash, _pg for 'pg rank <Tab>'" "bash --norc --noprofile $T/tab.bash")
args+=(-n "bash alone (reference)" "bash --norc --noprofile -c :")
hf_must all -N -w 3 -r "$RUNS" "${args[@]}"

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "completion benchmark (bench/complete.sh)"
printf '  %-8s %s\n' "machine" "$(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -srm)" "pg" "$("$PG" --version)"
echo "  store    $nobj objects (pg ls), $(cut -d' ' -f2 "$T/gen.txt") generated; interface e.g. $iface"
echo
echo "| completion | candidates | median | max | target | ratio |"
echo "|---|---|---|---|---|---|"
i=0
printf '| %s | - | %s ms | %s ms | reference | - |\n' "pg --version" "$(ms "$(jget all 0 median)")" "$(ms "$(jget all 0 max)")"
for c in "${cases[@]}"; do
	i=$((i + 1))
	IFS='|' read -r name words <<<"$c"
	n=$(eval "\"$PG\" __complete $words" | grep -vc '^:' || true)
	med=$(ms "$(jget all "$i" median)")
	printf '| %s | %s | %s ms | %s ms | <= %s ms | %s |\n' "$name" "$n" "$med" "$(ms "$(jget all "$i" max)")" \
		"$TARGET_MS" "$(calc '%.2f' "$med / $TARGET_MS")"
done
i=$((i + 1))
med=$(ms "$(jget all "$i" median)")
printf '| %s | %s | %s ms | %s ms | <= %s ms | %s |\n' "bash: source pg.bash and _pg (pg rank <Tab>)" "-" "$med" \
	"$(ms "$(jget all "$i" max)")" "$TARGET_MS" "$(calc '%.2f' "$med / $TARGET_MS")"
i=$((i + 1))
printf '| %s | - | %s ms | %s ms | reference | - |\n' "bash alone" "$(ms "$(jget all "$i" median)")" "$(ms "$(jget all "$i" max)")"
echo
echo "   ratio: median / $TARGET_MS ms.  'every id' prints the whole store: the worst case a Tab can ask for."
