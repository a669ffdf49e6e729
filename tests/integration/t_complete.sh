#!/usr/bin/env bash
# t_complete.sh - pg __complete: the candidates the shells' scripts show
#
# Each check runs 'pg __complete WORDS... CURRENT' against a real store and
# compares the values (the text before the tab) with what the store and
# pg's own tables hold.  The shells themselves are t_completion.sh.
. "$(dirname "$0")/lib.sh"

S=$T/s
new_store "$S" alice
cd "$S" || exit 1
"$PG" new interface geometry::circle "$T/circle" >/dev/null 2>&1
"$PG" new interface sort::u32 "$T/sort" >/dev/null 2>&1
"$PG" publish -q "$T/circle" "$T/sort" >/dev/null
"$PG" new impl geometry::circle --lang c "$T/impl" >/dev/null 2>&1
"$PG" publish -q "$T/impl" >/dev/null
"$PG" new spec geometry::circle "$T/spec" >/dev/null 2>&1
"$PG" publish -q "$T/spec" >/dev/null
"$PG" id new --name bob -q >/dev/null
"$PG" id publish bob -q >/dev/null 2>&1
"$PG" id use alice >/dev/null 2>&1
mkdir -p "$T/hub" && git init -q --bare "$T/hub"
"$PG" remote add hub "$T/hub" -q 2>/dev/null || "$PG" remote add hub "$T/hub" >/dev/null 2>&1

IFACE=$("$PG" ls --type interface --json | python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin) if o["name"]=="geometry::circle"][0])')
IMPL=$("$PG" ls --type impl --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
SPEC=$("$PG" ls --type spec --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

# comp WORDS... CURRENT: the values in $T/out (sorted), the directive in $dir
comp() {
	"$PG" __complete "$@" >"$T/raw" 2>"$T/err"
	rc=$?
	dir=$(tail -n1 "$T/raw")
	grep -v '^:' "$T/raw" | cut -f1 | LC_ALL=C sort >"$T/out"
}
# values_are WHAT EXPECTED...: the values are exactly these
values_are() {
	local what=$1
	shift
	: >"$T/want"
	[ $# -gt 0 ] && printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
	if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/want"; then ok "$what"; else
		not_ok "$what: got $(tr '\n' ' ' <"$T/out")(exit $rc, $dir) want $(tr '\n' ' ' <"$T/want")"
	fi
}

comp pu
values_are "a subcommand by prefix" publish pull push
check "  ...each with its one-line description" grep -qP '^publish\tsign directories' "$T/raw"
check "  ...and the directive line last, 0" test "$dir" = ":0"
comp ''
check "every visible command, no hidden one" sh -c "grep -qx tui '$T/out' && grep -qx rep '$T/out' && ! grep -q '^__' '$T/out'"

comp ls --a
values_are "an option by prefix" --author
comp ls --
check "every option of the command, with its help" grep -qP '^--type\tonly this type' "$T/raw"
comp ls --type ''
values_are "an option's value: the object types" identity interface spec impl bench result trust block peer log
comp ls --type=in
values_are "--opt=value completes the value after '='" --type=interface
comp ls --name 'geo'
values_are "--name: names in the store" geometry::circle

comp rank geo
values_are "an interface name" geometry::circle
comp rank ''
values_are "every interface name" geometry::circle sort::u32
check "  ...described by author" grep -qP '^geometry::circle\tinterface by alice' "$T/raw"
comp rank "${IFACE:0:3}"
check "an interface's id prefix too" grep -qx "$IFACE" "$T/out"

want=$("$PG" ls --type impl --json | python3 -c 'import json,sys; [print(o["id"]) for o in json.load(sys.stdin) if o["id"].startswith(sys.argv[1])]' "${IMPL:0:1}")
comp block impl "${IMPL:0:1}"
values_are "block impl: only impl ids with the prefix" $want
comp block impl ''
values_are "  ...and every impl when the word is empty (the argument can be nothing else)" "$IMPL"
comp block spec ''
values_are "block spec: the spec ids" "$SPEC"
comp block id ''
values_are "block id: identities" alice bob
comp show "${SPEC:0:6}"
values_are "show: an id of any type" "$SPEC"
check "  ...described by type, name and author" grep -qP "^$SPEC\tspec .* by alice" "$T/raw"
comp show ''
check "show with an empty word: ids, not names" sh -c "! grep -q geometry '$T/out' && grep -qx '$IMPL' '$T/out'"

comp verify ''
check "verify: interface names and directories (directive 4)" sh -c "grep -qx geometry::circle '$T/out' && test '$dir' = ':4'"
comp publish ''
check "publish: directories" test "$dir" = ":4"
comp bundle import ''
check "bundle import: files (directive 2)" test "$dir" = ":2"

comp trust ''
values_are "trust: identities and the ls subcommand" alice bob ls
comp trust bob ''
values_are "trust IDENTITY: the levels" distrust none low medium high
comp trust ls ''
values_are "trust ls: no identity, no level" 
comp rep ''
values_are "rep: identities" alice bob
comp ls --author bo
values_are "--author: identities by prefix" bob
comp publish --as ''
values_are "--as: your keys (PG_HOME)" alice bob
comp id use ''
values_are "id use: your keys" alice bob
comp id ''
values_are "id: its subcommands" new list show use rotate revoke publish
check "  ...described by their usage" grep -qP '^use\tpg id use KEY' "$T/raw"

comp fetch ''
values_are "fetch: remotes" hub
check "  ...described by URL" grep -qP "^hub\t.*hub" "$T/raw"
comp remote rm ''
values_are "remote rm: remotes" hub
comp remote ''
values_are "remote: add and rm" add rm

comp find ''
check "find: its keys, with '=' and no space after (directive 1)" sh -c "grep -qx 'type=' '$T/out' && grep -qx 'connected=' '$T/out' && test '$dir' = ':1'"
comp find type=i
values_are "find type=: the types, after the key" type=identity type=impl type=interface
comp find iface=s
values_are "find iface=: interface names" iface=sort::u32
comp find verdict=
values_are "find verdict=: the verdicts" verdict=passed verdict=failed verdict=incomplete verdict=measured

comp new ''
values_are "new: what it scaffolds" interface impl spec bench
comp new impl geometry::circle --lang ''
values_are "new --lang: the languages" c python
comp gen ''
values_are "gen: languages and idl" c python idl
comp gen c ''
values_are "gen LANG: interface names" geometry::circle sort::u32
comp config ''
values_are "config: the settings" trust.threshold
comp help ''
check "help: the commands" sh -c "grep -qx publish '$T/out' && grep -qx tui '$T/out'"
comp help id ''
values_are "help id: its subcommands only" new list show use rotate revoke publish
comp help remote ''
values_are "help remote: add and rm" add rm

comp -
check "pg's own options" sh -c "grep -qx -- -C '$T/out' && grep -qx -- --no-color '$T/out'"
comp -C ''
check "-C: a directory" test "$dir" = ":4"
cd "$T" || exit 1
comp -C "$S" rank ''
values_are "-C DIR: the values of that store" geometry::circle sort::u32
PG_DIR=$S/.pg comp rank g
values_are "PG_DIR: the values of that store" geometry::circle
comp rank ''
values_are "outside a store: no values, no error"
comp ls --j
values_are "  ...but options still" --json
comp nosuch ''
values_are "an unknown command: nothing" 

cd "$S" || exit 1
before=$(snapshot; ls -l --time-style=+%s .pg/index.sqlite 2>/dev/null)
for w in 'rank ""' 'show ""' 'trust ""' 'fetch ""' 'find ""'; do eval "\"$PG\" __complete $w" >/dev/null 2>&1; done
check "completion changes nothing in the store" test "$before" = "$(snapshot; ls -l --time-style=+%s .pg/index.sqlite 2>/dev/null)"

mkdir -p "$T/fresh" && (cd "$T/fresh" && "$PG" init -q)
comp -C "$T/fresh" rank ''
check "a store without an index yet: no values, and no index is created" sh -c "test '$dir' = ':0' && ! test -e '$T/fresh/.pg/index.sqlite'"

comp __complete ''
check "pg __complete alone is no command to complete" test "$dir" = ":0"
run "$PG" __complete
check "pg __complete without the current word is a usage error" test "$rc" -eq 2

echo "# $n tests"
