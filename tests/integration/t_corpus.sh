# t_corpus.sh - the shipped corpus stays what pg would generate today:
# each impl carries its own copy of the runtime (a payload is
# self-contained) and of the bindings, so a change to templates/ or to
# lib/gen.c must reach objects/ too.
. "$(dirname "$0")/lib.sh"

for impl in "$ROOT"/objects/*/impl-*; do
	iface=$(dirname "$impl")/interface
	name=${impl#"$ROOT"/objects/}
	for f in pg_runtime.c pg_runtime.h pg_runtime.py; do
		[ -e "$impl/$f" ] || continue
		lang=c
		[ "$f" = pg_runtime.py ] && lang=python
		check "$name/$f is templates/$lang/$f" cmp -s "$impl/$f" "$ROOT/templates/$lang/$f"
	done
	for h in "$impl"/*.h "$impl"/*.py; do
		case $h in */pg_runtime.*|*/impl.py|*'*'*) continue ;; esac
		lang=c
		case $h in *.py) lang=python ;; esac
		"$PG" gen "$lang" "$iface" >"$T/gen" 2>"$T/err"
		check "$name/$(basename "$h") is what 'pg gen $lang' makes" cmp -s "$h" "$T/gen"
	done
done
