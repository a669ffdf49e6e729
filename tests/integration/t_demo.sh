#!/usr/bin/env bash
# t_demo.sh - make demo's story, in its quick mode (shorter timing rounds)
#
# demo/run exits non-zero as soon as an outcome is not what it tells: the
# cheat and the bug caught, the counterexamples recorded, the bug blocked,
# mallory's lie costing her her reputation, the three rankings agreeing,
# pg build's winners answering a tiny program correctly.  Here it runs
# against the pg under test, and its output is checked for the story's turns.
# tests/run: alone (it checks what pg bench measured)
. "$(dirname "$0")/lib.sh"

run env PG="$PG" DEMO_QUICK=1 bash "$ROOT/demo/run"
check "demo/run (quick) exits 0: every step turned out as told" test "$rc" -eq 0
cat "$T/err" >>"$T/out"
check "  ...verify catches exactly the cheat and the bug" grep -q "circle-cheat .*circle-random .* [1-9][0-9]* " "$T/out"
check "  ...alice's re-run confirms the contradicted verdicts" grep -q "confirmed 2 of 2" "$T/out"
check "  ...mallory is vetoed by alice's evidence" grep -q "mallory .* 0.00% .*vetoed-by-your-evidence" "$T/out"
check "  ...the rankings of alice, bob and carol agree on every interface" \
	test "$(grep -c 'alice, bob and carol agree' "$T/out")" -eq "$(ls -d "$ROOT"/objects/*/interface | wc -l)"
check "  ...the tiny program gets right answers from every build" sh -c "grep -q 'CRC-32 .*3421780262' '$T/out' && ! grep -q WRONG '$T/out'"
check "  ...and it ends with the commands to look around (pg tui)" grep -q -- "-C .*/alice/lib tui\$" "$T/out"
work=$(sed -n 's/^Done in .*stay in \(.*\); look around.*/\1/p' "$T/out")
[ -n "$work" ] && [ -d "$work" ] && rm -rf "$work"

echo "# $n tests"
