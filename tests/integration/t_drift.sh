#!/usr/bin/env bash
# t_drift.sh - help, man pages and completion cannot drift from the program
#
# Every command (from pg's own table, through 'pg __complete'), every
# subcommand (the literals of its usage) and every option (from its option
# table, through 'pg __complete CMD --' and 'pg help CMD') must have: help
# text with examples, a man page that shows each option (with its value's
# name) and each example, a line in pg(1), and completion that knows the
# kind of every argument and option value.  A command or option added
# without them fails here.
. "$(dirname "$0")/lib.sh"

MAN=$ROOT/docs/man
# a man page as text, one space between words
render() { MANWIDTH=1000 man -l "$1" 2>/dev/null | col -b | tr -s ' \t' '  '; }
render "$MAN/pg.1" >"$T/pg.txt"

# --- the commands ----------------------------------------------------------

run "$PG" __complete ''
if [ "$rc" -eq 0 ] && [ "$(tail -n1 "$T/out")" = ":0" ]; then ok "pg __complete lists the commands"; else not_ok "pg __complete lists the commands"; fi
grep -v '^:' "$T/out" >"$T/cmds"
cut -f1 "$T/cmds" >"$T/names"
if grep -q '^__' "$T/names"; then not_ok "hidden commands are not offered"; else ok "hidden commands are not offered"; fi
if awk -F'\t' 'NF < 2 || $2 == ""' "$T/cmds" | grep -q .; then
	not_ok "every command has a one-line description: $(awk -F'\t' 'NF < 2 || $2 == ""' "$T/cmds" | tr '\n' ' ')"
else
	ok "every command has a one-line description ($(wc -l <"$T/cmds") commands)"
fi
"$PG" help | sed -n '/^commands:/,/^$/p' | awk 'NF {print $1}' | grep -v '^commands:' >"$T/help-names"
if cmp -s "$T/names" "$T/help-names"; then ok "pg help lists the same commands"; else not_ok "pg help lists the same commands: $(diff "$T/names" "$T/help-names" | tr '\n' ' ')"; fi

# --- one context: a command, or a command and a subcommand -------------------

problems=0
problem() { problems=$((problems + 1)); echo "#   $*"; }

check_context() { # CMD [SUB]
	local cmd=$1 words=("$@") page=$MAN/pg-$1.1 ctx="pg $*"
	[ -f "$page" ] || { problem "$ctx: no man page $page"; return; }
	# an alias's page is '.so man1/pg-OTHER.1', as installed
	case $(head -1 "$page") in .so\ man1/*) page=$MAN/$(head -1 "$page" | sed 's|^.so man1/||') ;; esac
	render "$page" >"$T/page.txt"
	# the OPTIONS section: each option is a tag at the start of a line
	awk '/^OPTIONS$/ {on = 1; next} /^[A-Z][A-Z ]*$/ {on = 0} on' "$T/page.txt" >"$T/page-opts.txt"
	if ! "$PG" help "${words[@]}" >"$T/help" 2>"$T/err"; then
		problem "$ctx: pg help ${words[*]} fails: $(head -1 "$T/err")"
		return
	fi
	"$PG" "${words[@]}" -h >"$T/help-h" 2>/dev/null
	cmp -s "$T/help" "$T/help-h" || problem "$ctx: 'pg help ${words[*]}' and 'pg ${words[*]} -h' differ"
	# help leads with examples, each of which is in the man page
	sed -n '/^examples:/,/^$/p' "$T/help" | sed -n 's/^  \(pg [^#]*[^# ]\) *#.*/\1/p' >"$T/examples"
	[ -s "$T/examples" ] || problem "$ctx: help has no examples"
	while IFS= read -r ex; do
		ex=$(printf '%s' "$ex" | tr -s ' ')
		grep -qF -- "$ex" "$T/page.txt" || problem "$ctx: example '$ex' is not in $(basename "$page")"
	done <"$T/examples"
	# options: help, completion and man page agree
	sed -n '/^options:/,/^$/p' "$T/help" | grep -o '^ *\(-., \)\?--[a-z0-9-]*\( [^ ]*\)\?' |
		sed 's/^ *\(-., \)\?//' >"$T/opts"
	if ! "$PG" __complete "${words[@]}" -- >"$T/copts" 2>"$T/err"; then
		problem "$ctx: pg __complete ${words[*]} -- fails: $(head -1 "$T/err")"
		return
	fi
	while IFS= read -r line; do
		local opt=${line%% *} argh=
		[ "$opt" != "$line" ] && argh=${line#* }
		grep -q -- "^$opt	." "$T/copts" || problem "$ctx: $opt is not completed with its help"
		if [ "$opt" != --help ]; then
			grep -qE -- "^ (-[a-zA-Z]( [^ ,]+)?, )?$opt${argh:+ $(printf '%s' "$argh" | sed 's/[]|[]/\\&/g')}( |,|\$)" "$T/page-opts.txt" ||
				problem "$ctx: '$opt${argh:+ $argh}' is not a tag in OPTIONS of $(basename "$page")"
		fi
		if [ -n "$argh" ] && ! "$PG" __complete "${words[@]}" "$opt" '' >/dev/null 2>"$T/err"; then
			problem "$ctx: the value of $opt cannot be completed: $(head -1 "$T/err")"
		fi
	done <"$T/opts"
	grep -v '^:' "$T/copts" | cut -f1 | while IFS= read -r opt; do
		grep -q -- "^$opt\b" "$T/opts" || problem "$ctx: completion offers $opt, which help does not show"
	done
	# each argument position of each form knows its values
	if ! "$PG" __complete "${words[@]}" '' >"$T/args" 2>"$T/err"; then
		problem "$ctx: pg __complete ${words[*]} '' fails: $(head -1 "$T/err")"
	fi
}

while IFS= read -r cmd; do
	check_context "$cmd"
	grep -qF -- "pg $cmd" "$T/pg.txt" || grep -qF -- "pg-$cmd(1)" "$T/pg.txt" ||
		problem "pg $cmd: pg(1) does not mention it"
	# subcommands: the literals 'pg __complete CMD' describes by their form
	"$PG" __complete "$cmd" '' 2>/dev/null | awk -F'\t' -v c="pg $cmd" 'index($2, c " " $1) == 1 {print $1}' >"$T/subs"
	while IFS= read -r sub; do check_context "$cmd" "$sub"; done <"$T/subs"
done <"$T/names"
[ "$problems" -eq 0 ] && ok "every command and subcommand: man page, help with examples, options in help, man and completion" ||
	not_ok "$problems problems with commands, help, man pages or completion (above)"

# --- pg's own options -----------------------------------------------------------

"$PG" __complete - | grep -v '^:' | cut -f1 >"$T/globals"
bad=
while IFS= read -r o; do grep -qF -- "$o" "$T/pg.txt" || bad="$bad $o"; done <"$T/globals"
[ -s "$T/globals" ] && [ -z "$bad" ] && ok "pg(1) shows every global option" || not_ok "pg(1) lacks global options:$bad"
"$PG" -h >"$T/out"
bad=
while IFS= read -r o; do grep -qF -- "$o" "$T/out" || bad="$bad $o"; done <"$T/globals"
[ -z "$bad" ] && ok "pg -h shows every global option" || not_ok "pg -h lacks:$bad"

# --- the check itself fails on drift -----------------------------------------------

# a usage with a placeholder completion does not know is an error, not silence
run "$PG" __complete help nosuchcommand ''
[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = ":0" ] && ok "an unknown command completes to nothing" || not_ok "an unknown command completes to nothing"

echo "# $n tests"
