# t_fuzz.sh - pg's readers of untrusted input, under the fuzz targets of tests/fuzz/
#
# Each target (tests/fuzz/fuzz_NAME.c, built beside pg as tests/fuzz_NAME
# with the replaying driver tests/fuzz/main.c) feeds bytes to one reader
# and checks what the format promises: round trips, canonical form, safe
# extraction, and a readable message for every refusal.  Here each one
# replays its corpus, tests/fuzz/corpus/NAME (seed-* and hand-* inputs the
# reader must accept, bad-* inputs it must refuse, regress-* inputs that
# once broke a promise), then runs a fixed set of mutants of it, the same
# on every run.  Open-ended runs with libFuzzer are `make fuzz` and
# tests/fuzz/run.
. "$(dirname "$0")/lib.sh"
bin=$(dirname "$PG")/tests
corpus=$ROOT/tests/fuzz/corpus
# where a failing input is left (crash-NAME-K), and the targets' scratch
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR" "$T/crash"

# mutants per target: about a second each in the plain build
mutants() {
	case $1 in
	object) echo 20000 ;;
	idl) echo 8000 ;;
	wire) echo 10000 ;;
	yaml) echo 8000 ;;
	spec) echo 600 ;;
	payload) echo 1500 ;;
	bundle) echo 800 ;;
	*) echo 1000 ;;
	esac
}

# kept ARGS...: run a target; true if it kept every check (exit 0, no
# failing input left in $T/crash), else shows the input and the report
kept() {
	run "$@"
	[ "$rc" -eq 0 ] && [ -z "$(ls "$T/crash")" ] && return 0
	echo "# failing input: $(ls -d "$T"/crash/* 2>/dev/null | head -1) (exit $rc)"
	sed 's/^/#   err: /' "$T/err" | head -5
	rm -f "$T"/crash/*
	return 1
}

targets=$(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
check "there are fuzz targets" test -n "$targets"
for t in $targets; do
	f=$bin/fuzz_$t
	if [ ! -x "$f" ]; then
		not_ok "$t: $f is built"
		continue
	fi
	check "$t: has a corpus" test -d "$corpus/$t"

	# the corpus: every input once, each outcome listed
	check "$t: the corpus replays with every check kept" kept "$f" -v -o "$T/crash" "$corpus/$t"
	wrong=$(grep -E '^(refuse|neither) .*/(seed|hand)-' "$T/out")
	seeds=$(ls "$corpus/$t" | grep -cE '^(seed|hand)-')
	accepted=$(grep -cE '^accept .*/(seed|hand)-' "$T/out")
	check "$t: its $seeds seed inputs are all accepted${wrong:+: $wrong}" test "$seeds" -gt 0 -a "$accepted" -eq "$seeds"
	if ls "$corpus/$t" | grep -q '^bad-'; then
		wrong=$(grep -E '^(accept|neither) .*/bad-' "$T/out")
		bad=$(ls "$corpus/$t" | grep -c '^bad-')
		refused=$(grep -cE '^refuse .*/bad-' "$T/out")
		check "$t: the $bad inputs that break a rule are refused${wrong:+: $wrong}" test "$refused" -eq "$bad"
	fi

	# mutants: no failure, and the reader both takes and refuses some
	m=$(mutants "$t")
	check "$t: $m mutants with every check kept" kept "$f" -n "$m" -s 1 -o "$T/crash" "$corpus/$t"
	counts=$(tail -1 "$T/out")
	echo "# $counts"
	a=$(echo "$counts" | sed -n 's/.* \([0-9]*\) accepted.*/\1/p')
	r=$(echo "$counts" | sed -n 's/.* \([0-9]*\) refused.*/\1/p')
	check "$t: mutants are both accepted and refused (${a:-?}, ${r:-?})" test "${a:-0}" -gt 0 -a "${r:-0}" -gt 0
done
# Quadratic work a spec's author can ask for: a mapping of 49 990 keys
# (490 KB and 99 981 nodes; a cases.yaml may hold 1 MiB and 100 000) took
# 19 s to load when each key was compared with every key before it.  Now
# it loads well within the driver's 10 s limit on one input, under the
# sanitizers too.
awk 'BEGIN { for (i = 0; i < 49990; i++) printf "k%d: %d\n", i, i }' >"$T/keys.yaml"
check "yaml: a mapping of 49 990 keys loads within 10 s" kept "$bin/fuzz_yaml" -v -t 10 -o "$T/crash" "$T/keys.yaml"
echo 'k0: again' >>"$T/keys.yaml"
run "$bin/fuzz_yaml" -v -t 10 -o "$T/crash" "$T/keys.yaml"
check "yaml: ...and the same with its first key again is refused, at that key" \
	grep -qF "refuse $T/keys.yaml: fuzz.yaml:49991:1: duplicate key: k0" "$T/out"
echo "# $n tests"
