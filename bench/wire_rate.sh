#!/usr/bin/env bash
# wire_rate.sh - calls per second through the generated bindings and runtimes
#
# Generates geometry::circle's C and Python bindings with libpg (B=build by
# default), implements Circle.intersects_circle in each, and pipes N
# pipelined requests (1 000 000 for C, 100 000 for Python) through the
# program: the rate is what pg's runner can get out of an implementation.
# Also a `time` request: the cost of the call itself, without the wire.
# Measures and prints; never fails on a timing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-build}
cd "$root"
[ -f "$B/libpg.a" ] || { echo "wire_rate: $B/libpg.a is not built (make)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/pg-wire-rate-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/gen.c" <<'EOF'
/* print the bindings of an interface: gen FILE IFNAME c|python */
#include <stdio.h>
#include "gen.h"
int main(int argc, char **argv)
{
	pg_buf src = PG_BUF_INIT, out = PG_BUF_INIT;
	pg_idl *idl;
	if (argc != 4 || pg_read_file(&src, argv[1], 1 << 20) < 0 ||
	    pg_idl_parse(&idl, src.ptr, src.len, argv[1]) < 0) {
		fprintf(stderr, "gen: %s\n", pg_error_last());
		return 1;
	}
	pg_gen_bindings(&out, (pg_lang)pg_lang_parse(argv[3]), idl, argv[2], NULL);
	fwrite(out.ptr, 1, out.len, stdout);
	return 0;
}
EOF
PKGS="libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -Ilib -o "$tmp/gen" "$tmp/gen.c" "$B/libpg.a" $(pkg-config --libs $PKGS)
pgi=objects/geometry-circle/interface/interface.pgi
"$tmp/gen" "$pgi" geometry::circle c > "$tmp/circle.h"
"$tmp/gen" "$pgi" geometry::circle python > "$tmp/circle.py"
cp templates/c/pg_runtime.[ch] templates/python/pg_runtime.py "$tmp/"

cat > "$tmp/impl.c" <<'EOF'
#define PG_IMPLEMENTATION
#include "circle.h"

bool Circle_intersects_circle(const Circle *self, Circle b)
{
	double dx = self->center._0 - b.center._0, dy = self->center._1 - b.center._1;
	double r = self->radius + b.radius;
	return dx * dx + dy * dy <= r * r;
}
EOF
cat > "$tmp/impl.py" <<'EOF'
import sys
from circle import Circle, serve

def Circle_intersects_circle(self, b):
    dx, dy = self.center[0] - b.center[0], self.center[1] - b.center[1]
    return dx * dx + dy * dy <= (self.radius + b.radius) ** 2

if __name__ == "__main__":
    serve(sys.modules[__name__])
EOF
(cd "$tmp" && cc -std=c11 -O2 -o impl impl.c pg_runtime.c -lm)

args='[{"radius":3.0,"center":[0.0,1.0]},{"radius":3.0,"center":[0.0,8.0]}]'
requests() { # N
	awk -v n="$1" -v a="$args" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\":%d,\"call\":\"Circle.intersects_circle\",\"args\":%s}\n", i, a }'
}
now() { date +%s%N; }

rate() { # label N command...
	local label=$1 n=$2
	shift 2
	requests "$n" > "$tmp/in"
	local t0 t1 got
	t0=$(now)
	got=$(cd "$tmp" && "$@" < in | wc -l)
	t1=$(now)
	[ "$got" -eq "$n" ] || { echo "wire_rate: $label answered $got of $n" >&2; return 1; }
	awk -v l="$label" -v n="$n" -v ns=$((t1 - t0)) \
		'BEGIN { printf "%-8s %8d pipelined calls in %6.3f s: %10.0f calls/s\n", l, n, ns / 1e9, n / (ns / 1e9) }'
}

rate C 1000000 ./impl
rate Python 100000 python3 impl.py

# the call alone, as `pg bench` measures it
n=10000000
echo "{\"id\":1,\"time\":\"Circle.intersects_circle\",\"args\":$args,\"n\":$n}" |
	(cd "$tmp" && ./impl) |
	sed -n 's/.*"ns":\([0-9]*\).*/\1/p' |
	awk -v n=$n '{ printf "C        time request: %d calls, %.2f ns per call\n", n, $1 / n }'
