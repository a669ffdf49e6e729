#!/usr/bin/env bash
# sync.sh - benchmark of pg's sync: initial pull over file:// and git://, incremental pull
#
# A benchmark, not a test: it measures and prints, and never judges a timing.
#
#   1. initial pull (pg clone) of a store of BENCH_SYNC_N objects over file://
#      and over git:// on loopback, next to `git fetch` of the same refs over
#      the same transport plus libsodium's raw hash+verify time for as many
#      objects of that size, measured in the same run;
#   2. incremental pull of BENCH_SYNC_NEW new objects into a clone of the large
#      store and into a clone of a BENCH_SYNC_SMALL store.
#
# environment:
#   PG                the pg binary (default: build/pg of this repository)
#   BENCH_SYNC_N      objects in the large store (default 100000)
#   BENCH_SYNC_SMALL  objects in the small store (default 1000)
#   BENCH_SYNC_NEW    new objects for the incremental pull (default 100)
#   TMPDIR            where the temporary stores go (default /tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
PG=${PG:-$root/build/pg}
N=${BENCH_SYNC_N:-100000}
SMALL=${BENCH_SYNC_SMALL:-1000}
NEW=${BENCH_SYNC_NEW:-100}

say() { printf 'sync.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for tool in hyperfine python3 git cc pkg-config; do
	command -v "$tool" >/dev/null || die "needs $tool (make deps installs what pg needs)"
done
[[ -x $PG ]] || make -C "$root" >&2
[[ -x $PG ]] || die "no pg binary at $PG"

T=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-sync.XXXXXX")
daemon=
cleanup() {
	# not 'kill && wait': under set -e the daemon's status 143 from wait
	# would end the trap there, leaving $T behind and failing the script
	if [[ -n $daemon ]]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT
unset PG_DIR PG_PASSPHRASE PG_LOCK_TIMEOUT PG_FETCH_MAX
export PG_HOME=$T/home NO_COLOR=1 LC_ALL=C

# hf, hf_must, jget, calc
. "$here/common.bash"

# gen DIR FROM TO: interface directories obj<FROM>..obj<TO> below DIR
gen() {
	python3 - "$@" <<'EOF'
import os, sys
root, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(lo, hi + 1):
    d = os.path.join(root, "obj%06d" % i)
    os.makedirs(d)
    with open(os.path.join(d, "pg.yaml"), "w") as f:
        f.write("type: interface\nname: bench::obj%06d\n"
                "description: benchmark object %d of a generated set\n" % (i, i))
    with open(os.path.join(d, "interface.pgi"), "w") as f:
        f.write("// Answers true.\nfn ping() -> bool;\n")
EOF
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

say "generating $N + $SMALL + $NEW object directories"
gen "$T/src-large" 1 "$N"
gen "$T/src-small" 1 "$SMALL"
gen "$T/src-new" $((N + 1)) $((N + NEW))
"$PG" id new --name bench -q >/dev/null

say "publishing the hubs ($N and $SMALL objects)"
"$PG" init -q "$T/hub-large"
"$PG" -C "$T/hub-large" publish -q -r "$T/src-large" >/dev/null
"$PG" init -q "$T/hub-small"
"$PG" -C "$T/hub-small" publish -q -r "$T/src-small" >/dev/null
n_large=$("$PG" -C "$T/hub-large" ls | wc -l)
n_small=$("$PG" -C "$T/hub-small" ls | wc -l)

cc -O2 -o "$T/crypto_rate" "$here/crypto_rate.c" $(pkg-config --cflags --libs libsodium)
sample=$("$PG" -C "$T/hub-large" ls --type interface --name bench::obj000001 | awk '{ print $1 }')
obj_bytes=$("$PG" -C "$T/hub-large" cat "$sample" | wc -c)
verify_s=$("$T/crypto_rate" "$n_large" "$obj_bytes" | awk '$1 == "hash+verify" { print $3 }')

port=$(free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --export-all --base-path="$T" "$T" 2>"$T/daemon.log" &
daemon=$!
for _ in $(seq 100); do
	git ls-remote "git://127.0.0.1:$port/hub-large/.pg" >/dev/null 2>&1 && break
	sleep 0.1
done

# the clones pull as another identity would: a fresh store with its own key
export PG_HOME=$T/home2
"$PG" id new --name reader -q >/dev/null

file_url=file://$T/hub-large/.pg
git_url=git://127.0.0.1:$port/hub-large/.pg
refspec='+refs/pg/pub/*:refs/pg/q/hub/*'
say "initial pull of $n_large objects: pg clone vs git fetch, file:// and git://, 3 runs each"
hf_must initial --runs 3 \
	--prepare "rm -rf $T/c $T/g && git init -q --bare $T/g" \
	-n "pg clone file://" "$PG clone -q $file_url $T/c" \
	-n "git fetch file://" "git -C $T/g fetch -q $file_url '$refspec'" \
	-n "pg clone git://" "$PG clone -q $git_url $T/c" \
	-n "git fetch git://" "git -C $T/g fetch -q $git_url '$refspec'"
pf=$(jget initial 0 median) gf=$(jget initial 1 median)
pd=$(jget initial 2 median) gd=$(jget initial 3 median)

say "incremental pull of $NEW new objects into clones of $n_large and $n_small, 5 runs each"
rm -rf "$T/c"
"$PG" clone -q "$file_url" "$T/base-large"
"$PG" clone -q "file://$T/hub-small/.pg" "$T/base-small"
export PG_HOME=$T/home
"$PG" -C "$T/hub-large" publish -q -r "$T/src-new" >/dev/null
"$PG" -C "$T/hub-small" publish -q -r "$T/src-new" >/dev/null
export PG_HOME=$T/home2
hf_must incr --runs 5 \
	--prepare "rm -rf $T/c && cp -a $T/base-large $T/c && rm -rf $T/d && cp -a $T/base-small $T/d" \
	-n "pull $NEW into $n_large" "$PG -C $T/c pull -q origin" \
	-n "pull $NEW into $n_small" "$PG -C $T/d pull -q origin"
il=$(jget incr 0 median) is=$(jget incr 1 median)

printf '\n'
printf 'pg sync, %s objects (%s bytes each), %s\n' "$n_large" "$obj_bytes" "$(nproc) cores"
printf '%-46s %10s %10s %8s\n' "measurement" "pg" "reference" "ratio"
row() { printf '%-46s %9.2fs %9.2fs %7.2fx\n' "$1" "$2" "$3" "$(calc '%.6f' "$2 / $3")"; }
printf 'raw hash+verify of %s objects, one core: %.2fs\n' "$n_large" "$verify_s"
row "initial pull, file:// (ref: git fetch + verify)" "$pf" "$(calc '%.6f' "$gf + $verify_s")"
row "initial pull, git:// (ref: git fetch + verify)" "$pd" "$(calc '%.6f' "$gd + $verify_s")"
row "pull of $NEW new into $n_large (ref: into $n_small)" "$il" "$is"
printf 'target: initial pull within 1.5x of its reference; incremental within 1.2x\n'
