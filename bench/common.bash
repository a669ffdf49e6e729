# common.bash - what the benchmark scripts share: hyperfine runs and their numbers
#
# Sourced (not run: bench/run runs only *.sh) after the script has set
# T (its temporary directory) and defined die.

# hf NAME HYPERFINE-ARGS... : run hyperfine quietly, results in $T/hf-NAME.json;
# on failure hyperfine's messages are in $T/hf-NAME.out and hf returns non-zero
hf() {
	local name=$1
	shift
	hyperfine --style none --export-json "$T/hf-$name.json" "$@" >"$T/hf-$name.out" 2>&1
}

# hf_must NAME HYPERFINE-ARGS... : hf, or stop with hyperfine's messages
hf_must() {
	hf "$@" && return 0
	cat "$T/hf-$1.out" >&2
	die "hyperfine $1 failed: a command it timed did not succeed"
}

# jget NAME INDEX FIELD : a number from hyperfine's results (seconds)
jget() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print(repr(float(r[sys.argv[3]])))' "$T/hf-$1.json" "$2" "$3"
}

# calc FORMAT EXPRESSION : awk arithmetic on numbers the script computed
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
