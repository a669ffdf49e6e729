# t_completion.sh - the shells' completion scripts (completion/) against a
# real store: bash (COMPREPLY with the words split as bash splits them, with
# and without bash-completion, and readline under tmux), zsh (compinit, and
# its completion widget under tmux), fish (complete -C, and its line under
# tmux), and 'make install' putting each script where its shell looks.
# The scripts only relay 'pg __complete'; what they must get right is the
# shells' side: word splitting, quoting, the space after, files.
. "$(dirname "$0")/lib.sh"
C=$ROOT/completion
BC=/usr/share/bash-completion/bash_completion

# The scripts run the command by the name typed: pg, on PATH.
mkdir -p "$T/bin"
ln -s "$PG" "$T/bin/pg"
export PATH=$T/bin:$PATH
unset XDG_DATA_DIRS XDG_DATA_HOME BASH_COMPLETION_USER_DIR MAKEFLAGS MAKELEVEL MFLAGS

# --- the world: alice publishes geometry::circle, sort::u32 and an impl of
# geometry::circle (circle-c/, made by pg new); a remote hub; a file and a
# directory named circle*; directories in a:b/ ---------------------------------
S=$T/store
mkdir -p "$S"
cd "$S" || exit 1
{
	pg init -q && pg id new --name alice -q &&
		pg new interface geometry::circle gc && pg new interface sort::u32 su && pg publish -q gc su &&
		pg new impl geometry::circle --lang c && pg publish -q circle-c &&
		pg remote add hub "$T/hub" && touch circle.txt && mkdir -p a:b/one a:b/two
} >"$T/out" 2>"$T/err"
# ids_by TYPE: the ids of that type, sorted
ids_by() { pg ls --json | python3 -c 'import json, sys; print("\n".join(sorted(o["id"] for o in json.load(sys.stdin) if o["type"] == sys.argv[1])))' "$1"; }
impl=$(ids_by impl)
# interfaces pad::N until one's id starts with the impl's first hex digit
# (1 in 16 does; published 32 at a time): 'pg block impl X' then has an
# interface to leave out
p=0
while [ -n "$impl" ] && ! ids_by interface | grep "^${impl:0:1}" >/dev/null && [ "$p" -lt 256 ]; do
	dirs=()
	for i in $(seq $((p + 1)) $((p + 32))); do
		mkdir -p "$T/pad/$i"
		printf 'type: interface\nname: pad::p%s\n' "$i" >"$T/pad/$i/pg.yaml"
		printf 'fn ping() -> bool;\n' >"$T/pad/$i/interface.pgi"
		dirs+=("$T/pad/$i")
	done
	p=$((p + 32))
	pg publish -q "${dirs[@]}" >/dev/null 2>>"$T/err"
done
x=${impl:0:1}
twin=$(ids_by interface | grep "^$x" | head -1)
check "the world: an impl ($x...), an interface whose id also starts with $x, a remote" \
	eval '[ ${#impl} -eq 64 ] && [ ${#twin} -eq 64 ] && pg remote ls 2>&1 | grep -q hub'

# --- bash: COMPREPLY -----------------------------------------------------------
# split.bash defines comp_split LINE: COMP_WORDS and COMP_CWORD as bash sets
# them for LINE with the cursor at its end: blanks end a word, a run of the
# other COMP_WORDBREAKS characters (= : @ > ...) is a word of its own, so
# 'pg find type=i' is pg find type = i; a quote runs to its match or the
# end, breaking nothing ('pg rank 'geometry::c' is pg rank 'geometry::c).
# The readline section below checks it against bash itself.
cat >"$T/split.bash" <<'EOF'
comp_split() {
	local line=$1 i c w= brk=0
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == [\"\'] ]]; then
			[[ -n $w && $brk == 1 ]] && { COMP_WORDS+=("$w"); w=; }
			local rest=${line:i+1} q=$c
			[[ $rest == *"$q"* ]] && rest=${rest%%"$q"*}$q
			w+=$c$rest brk=0
			i=$((i + ${#rest}))
		elif [[ $c == [[:blank:]] ]]; then
			[[ -n $w ]] && COMP_WORDS+=("$w")
			w=
		elif [[ $COMP_WORDBREAKS == *"$c"* ]]; then
			[[ -n $w && $brk == 0 ]] && { COMP_WORDS+=("$w"); w=; }
			w+=$c brk=1
		else
			[[ -n $w && $brk == 1 ]] && { COMP_WORDS+=("$w"); w=; }
			w+=$c brk=0
		fi
	done
	COMP_WORDS+=("$w") # the word at the cursor, maybe empty
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
}
# show_words: the words and the current one's index, as pg|rank|geo 2
show_words() { local IFS='|'; echo "${COMP_WORDS[*]} $COMP_CWORD"; }
EOF
# comp.bash [bc] LINE: bash (with bash-completion first if bc) sources
# pg.bash and, as bash does on Tab, sets COMP_* and calls _pg pg CUR PREV;
# prints COMPREPLY sorted on a line, then what it asked of compopt (a
# function stands in for the builtin, which works only during a real
# completion) and 'complete -p pg'.  NOCOLON=1: COMP_WORDBREAKS without :,
# as some take it out (for scp and the like)
cat >"$T/comp.bash" <<EOF
[ "\$1" = bc ] && { . $BC || exit 1; shift; }
. $(printf %q "$C/pg.bash") || exit 1
. $(printf %q "$T/split.bash")
[ -n "\${NOCOLON:-}" ] && COMP_WORDBREAKS=\${COMP_WORDBREAKS//:}
compopt() { opts+="\$* "; }
COMP_LINE=\$1 COMP_POINT=\${#1} COMP_TYPE=9 COMP_KEY=9 opts=
comp_split "\$1"
COMPREPLY=()
_pg pg "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "\${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ \$//'
echo
echo "\$opts"
complete -p pg
EOF
# comp MODE LINE: the reply in $T/out (line 1: COMPREPLY, 2: compopt's
# options); $reply is line 1
comp() {
	if [ "$1" = bc ]; then run bash "$T/comp.bash" bc "$2"; else run bash "$T/comp.bash" "$2"; fi
	reply=$(sed -n 1p "$T/out")
}
opts() { sed -n 2p "$T/out"; }
# expect_reply MODE LINE WANT WHAT: COMPREPLY is exactly WANT (sorted)
expect_reply() {
	comp "$1" "$2"
	if [ "$rc" -eq 0 ] && [ "$reply" = "$3" ]; then ok "$4"; else not_ok "$4 (COMPREPLY '$reply', wanted '$3')"; fi
}
impls_with() { ids_by impl | grep "^$1" | tr '\n' ' ' | sed 's/ $//'; }

check "bash -n completion/pg.bash: it parses" bash -n "$C/pg.bash"
for mode in plain bc; do
	if [ $mode = bc ]; then m="bash-completion loaded"; else m="no bash-completion"; fi
	comp $mode "pg pu"
	check "bash ($m): sourcing pg.bash registers complete -F _pg pg" grep -qx 'complete -F _pg pg' "$T/out"
	expect_reply $mode "pg pu" "publish pull push" "  ...pg pu: the commands publish pull push"
	expect_reply $mode "pg ls --au" "--author" "  ...pg ls --au: the option --author"
	expect_reply $mode "pg rank geo" "geometry::circle" "  ...pg rank geo: the interface geometry::circle"
	expect_reply $mode "pg rank geometry::c" "circle" \
		"  ...pg rank geometry::c (words: geometry :: c): circle, as bash replaces only after the last :"
	expect_reply $mode "pg rank s" "sort::u32" "  ...pg rank s: sort::u32"
	NOCOLON=1 expect_reply $mode "pg rank geometry::c" "geometry::circle" \
		"  ...pg rank geometry::c with no : in COMP_WORDBREAKS (one word): geometry::circle"
	expect_reply $mode "pg rank 'geometry::c" "geometry::circle" \
		"  ...pg rank 'geometry::c (one word, quoted): geometry::circle, what follows the quote"
	expect_reply $mode "pg block impl " "$impl" "  ...pg block impl '': exactly the impl's id, no interface or identity id"
	expect_reply $mode "pg block impl $x" "$(impls_with "$x")" \
		"  ...pg block impl $x: exactly the impls whose id starts with $x, not the interface ${twin:0:12}"
	comp $mode "pg block interface $x"
	check "  ...while pg block interface $x offers that interface" eval '[[ " $reply " == *" $twin "* ]]'
	expect_reply $mode "pg block impl ${impl:0:2}" "$impl" "  ...pg block impl ${impl:0:2}: the impl's full id"
	expect_reply $mode "pg fetch h" "hub" "  ...pg fetch h: the remote hub"
	expect_reply $mode "pg find type=i" "identity impl interface" \
		"  ...pg find type=i (words: type = i): identity impl interface, the part after ="
	expect_reply $mode "pg find ty" "type=" "  ...pg find ty: type="
	check "  ...with no space after (compopt -o nospace)" eval 'opts | grep -q -- "-o nospace"'
	expect_reply $mode "pg ls --type=i" "identity impl interface" "  ...pg ls --type=i: the values after ="
	expect_reply $mode "pg publish cir" "circle-c" "  ...pg publish cir: the directory circle-c, not the file circle.txt"
	check "  ...as file names (compopt -o filenames: readline adds the /)" eval 'opts | grep -q -- "-o filenames"'
	expect_reply $mode "pg bundle create cir" "circle-c circle.txt" "  ...pg bundle create cir: files and directories"
	expect_reply $mode "pg tui --script=cir" "circle-c circle.txt" "  ...pg tui --script=cir: the files after ="
	expect_reply $mode "pg publish a:b/" "b/one/ b/two/" \
		"  ...pg publish a:b/: b/one/ b/two/, what follows the : (the / added: readline cannot find b/one)"
	check "  ...with no space after" eval 'opts | grep -q -- "-o nospace"'
	expect_reply $mode "pg rank zzz" "" "  ...pg rank zzz: nothing"
done

# --- real terminals: tmux ---------------------------------------------------------
if ! command -v tmux >/dev/null; then
	echo "# SKIP the terminal checks: tmux is not installed (the Makefile's DEB_PKGS has it)"
	tmux=
else
	tmux=yes
fi
# A private tmux server (its socket below $T), killed at exit.
unset TMUX
export TMUX_TMPDIR=$T
tm() { tmux -L "pgc$$" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; at_exit' EXIT
# start NAME CMD: a 200x50 session NAME in the store running CMD
start() { tm new-session -d -x 200 -y 50 -c "$S" -s "$1" "$2"; }
# at_cursor NAME TEXT COL: the line the cursor is on reads TEXT (trailing
# blanks aside) and the cursor is in column COL (so a space typed by the
# completion shows); the pane is in $T/out
at_cursor() {
	local y x
	read -r y x < <(tm display -p -t "$1" '#{cursor_y} #{cursor_x}')
	tm capture-pane -p -t "$1" >"$T/out" 2>"$T/err" || return 1
	[ "$(sed -n "$((y + 1))p" "$T/out" | sed 's/ *$//')" = "$2" ] && [ "$x" = "$3" ]
}
# tab NAME TEXT WANT COL: clear the line, type TEXT and Tab; wait until the
# line reads WANT with the cursor at COL
tab() {
	tm send-keys -t "$1" C-u
	tm send-keys -t "$1" -l "$2"
	tm send-keys -t "$1" Tab
	wait_for 5 at_cursor "$1" "$3" "$4"
}
# tabtab NAME TEXT ERE: clear the line, type TEXT and Tab twice; wait until
# the pane has a line matching ERE (the list of candidates)
tabtab() {
	tm send-keys -t "$1" C-u
	tm send-keys -t "$1" -l "$2"
	tm send-keys -t "$1" Tab Tab
	wait_for 5 shows "$1" "$3"
}
shows() { tm capture-pane -p -t "$1" >"$T/out" 2>"$T/err" && grep -qE -- "$2" "$T/out"; }
# prompt_ready NAME PROMPT: the cursor's line is PROMPT (a character and a
# space) and nothing else: the shell is ready
prompt_ready() { wait_for 10 at_cursor "$1" "$2" 2; }

if [ -n "$tmux" ]; then
	# bash with readline, no bash-completion: prompt '$ '
	start b "env PS1='\$ ' bash --norc --noprofile"
	tm send-keys -t b -l "source $(printf %q "$C/pg.bash"); clear"
	tm send-keys -t b Enter
	prompt_ready b '$'
	check "bash readline: pg rank geo<Tab> makes the line 'pg rank geometry::circle ' (a space after)" \
		tab b "pg rank geo" '$ pg rank geometry::circle' 27
	check "  ...pg rank geometry::c<Tab>: the same line (circle replaces the c after ::)" \
		tab b "pg rank geometry::c" '$ pg rank geometry::circle' 27
	check "  ...pg find ty<Tab>: 'pg find type=' with no space after" tab b "pg find ty" '$ pg find type=' 15
	check "  ...pg find type=int<Tab>: type=interface" tab b "pg find type=int" '$ pg find type=interface' 25
	check "  ...pg find type=i<Tab><Tab>: lists identity impl interface, as bash shows them" \
		tabtab b "pg find type=i" '^identity +impl +interface *$'
	check "  ...pg publish cir<Tab>: the directory, with its / and no space" \
		tab b "pg publish cir" '$ pg publish circle-c/' 22
	check "  ...pg publish a:b/o<Tab>: 'pg publish a:b/one/', no space" tab b "pg publish a:b/o" '$ pg publish a:b/one/' 21
	check "  ...pg tui --script=circle.<Tab>: 'pg tui --script=circle.txt ' (the file after =)" \
		tab b "pg tui --script=circle." '$ pg tui --script=circle.txt' 29
	check "  ...pg rank 'geo<Tab>: 'pg rank 'geometry::circle' ', the quote closed" \
		tab b "pg rank 'geo" "\$ pg rank 'geometry::circle'" 29
	tm send-keys -t b C-u
	tm send-keys -t b -l 'COMP_WORDBREAKS=${COMP_WORDBREAKS//:}'
	tm send-keys -t b Enter
	check "  ...with no : in COMP_WORDBREAKS, pg rank geometry::c<Tab>: 'pg rank geometry::circle '" \
		tab b "pg rank geometry::c" '$ pg rank geometry::circle' 27
	tm send-keys -t b C-u
	tm send-keys -t b -l 'COMP_WORDBREAKS+=:'
	tm send-keys -t b Enter

	# the splitter above against bash itself: a completion function
	# that writes down the words bash gave it
	lines=("pg rank geometry::c" "pg find type=i" "pg find type=" "pg ls --type=i" "pg pu" "pg block impl " "pg a:=:b@c x" "pg rank 'geometry::c" 'pg x "a b:c" y:"z')
	cat >"$T/dump.bash" <<EOF
_dump() { show_words >>$(printf %q "$T/real_words"); }
complete -F _dump pg
EOF
	: >"$T/real_words"
	tm send-keys -t b C-u
	tm send-keys -t b -l ". $(printf %q "$T/split.bash"); . $(printf %q "$T/dump.bash")"
	tm send-keys -t b Enter
	i=0
	for l in "${lines[@]}"; do
		i=$((i + 1))
		tm send-keys -t b C-u
		tm send-keys -t b -l "$l"
		tm send-keys -t b Tab
		wait_for 5 eval '[ "$(wc -l <"$T/real_words")" -ge $i ]'
	done
	bash -c '. "$1"; shift; for l; do comp_split "$l"; show_words; done' _ "$T/split.bash" "${lines[@]}" >"$T/split_words"
	cp "$T/real_words" "$T/out"
	check "bash readline splits the lines as comp_split does (pg|rank|geometry|::|c 4, ...)" \
		eval 'diff "$T/real_words" "$T/split_words" >"$T/err"'

	# bash with bash-completion loaded first
	start bc "env PS1='\$ ' bash --norc --noprofile"
	tm send-keys -t bc -l ". $BC; source $(printf %q "$C/pg.bash"); clear"
	tm send-keys -t bc Enter
	prompt_ready bc '$'
	check "bash readline with bash-completion: pg rank geometry::c<Tab> makes 'pg rank geometry::circle '" \
		tab bc "pg rank geometry::c" '$ pg rank geometry::circle' 27
	check "  ...pg find type=i<Tab><Tab>: lists identity impl interface" \
		tabtab bc "pg find type=i" '^identity +impl +interface *$'
	check "  ...pg find type=int<Tab>: type=interface" tab bc "pg find type=int" '$ pg find type=interface' 25
fi

# --- zsh ------------------------------------------------------------------------
mkdir -p "$T/zf"
cp "$C/_pg" "$T/zf/_pg"
ZINIT="fpath=($(printf %q "$T/zf") \$fpath); autoload -U compinit; compinit -u -D"
run zsh -f -c "$ZINIT; print -r -- \$_comps[pg]; autoload +X _pg && whence -v _pg"
check "zsh -f: compinit finds _pg in fpath (\$_comps[pg] is _pg) and loads it without a word on stderr" \
	eval '[ $rc -eq 0 ] && [ ! -s "$T/err" ] && [ "$(sed -n 1p "$T/out")" = _pg ] && grep -q "_pg is a shell function from $T/zf/_pg" "$T/out"'
run zsh -f -c "autoload -U compinit; compinit -u -D; source $(printf %q "$C/_pg"); print -r -- \$_comps[pg]"
check "zsh -f: sourcing _pg after compinit registers it too" eval '[ $rc -eq 0 ] && [ ! -s "$T/err" ] && [ "$(cat "$T/out")" = _pg ]'
if [ -n "$tmux" ]; then
	start z "env PS1='%% ' zsh -f"
	tm send-keys -t z -l "bindkey -e; $ZINIT; clear"
	tm send-keys -t z Enter
	prompt_ready z '%'
	check "zsh (autoloaded _pg): pg rank geo<Tab> makes the line 'pg rank geometry::circle ' (a space after)" \
		tab z "pg rank geo" '% pg rank geometry::circle' 27
	check "  ...pg rank geometry::c<Tab>: the same" tab z "pg rank geometry::c" '% pg rank geometry::circle' 27
	check "  ...pg rank 'geo<Tab>: 'geometry::circle' in the quotes it was typed in" \
		tab z "pg rank 'geo" "% pg rank 'geometry::circle'" 29
	check "  ...pg find ty<Tab>: 'pg find type=' with no space after" tab z "pg find ty" '% pg find type=' 15
	check "  ...pg find type=int<Tab>: type=interface" tab z "pg find type=int" '% pg find type=interface' 25
	check "  ...pg ls --au<Tab>: --author" tab z "pg ls --au" '% pg ls --author' 17
	check "  ...pg block impl ${impl:0:2}<Tab>: the impl's id" tab z "pg block impl ${impl:0:2}" "% pg block impl $impl" 81
	check "  ...pg publish cir<Tab>: the directory circle-c/ (not circle.txt)" \
		tab z "pg publish cir" '% pg publish circle-c/' 22
	check "  ...pg tui --script=circle.<Tab>: 'pg tui --script=circle.txt ' (the file after =)" \
		tab z "pg tui --script=circle." '% pg tui --script=circle.txt' 29
	check "  ...pg bundle create cir<Tab><Tab>: lists circle-c/ and circle.txt" \
		tabtab z "pg bundle create cir" '^circle-c/ +circle\.txt *$'
	check "  ...pg pu<Tab>: lists the commands with their descriptions (push  -- push every log ...)" \
		tabtab z "pg pu" '^push +-- push every log you hold'
fi

# --- fish -----------------------------------------------------------------------
check "fish -n completion/pg.fish: it parses" fish -n "$C/pg.fish"
# fishc LINE: complete -C LINE with pg.fish sourced, into $T/out
fishc() { run fish -c "source $(printf %q "$C/pg.fish"); complete -C $(printf %q "$1")"; }
tab=$(printf '\t')
fishc "pg rank geo"
check "fish: complete -C 'pg rank geo' gives geometry::circle with its description" \
	eval '[ "$(cat "$T/out")" = "geometry::circle${tab}interface by alice" ]'
fishc "pg find type=i"
check "fish: complete -C 'pg find type=i': type=identity, type=impl, type=interface" \
	eval '[ "$(cut -f1 "$T/out" | LC_ALL=C sort | tr "\n" " ")" = "type=identity type=impl type=interface " ]'
fishc "pg ls --ty"
check "fish: complete -C 'pg ls --ty': --type with its description" grep -qx -- "--type${tab}only this type.*" "$T/out"
fishc "pg rank geometry\\:\\:c"
check "fish: complete -C 'pg rank geometry\\:\\:c' (escaped): geometry::circle" grep -q "^geometry::circle$tab" "$T/out"
fishc "pg block impl $x"
check "fish: complete -C 'pg block impl $x': exactly the impls" \
	eval '[ "$(cut -f1 "$T/out" | tr "\n" " " | sed "s/ \$//")" = "$(impls_with "$x")" ]'
fishc "pg publish cir"
check "fish: complete -C 'pg publish cir': the directory circle-c/ only" eval '[ "$(cut -f1 "$T/out")" = circle-c/ ]'
fishc "pg tui --script=circle."
check "fish: complete -C 'pg tui --script=circle.': --script=circle.txt (the file after =)" \
	eval '[ "$(cut -f1 "$T/out")" = --script=circle.txt ]'
fishc "pg bundle create cir"
check "fish: complete -C 'pg bundle create cir': circle-c/ and circle.txt" \
	eval '[ "$(cut -f1 "$T/out" | LC_ALL=C sort | tr "\n" " ")" = "circle-c/ circle.txt " ]'
if [ -n "$tmux" ]; then
	# no space after KEY=: fish leaves it out itself after = / : @ . , -
	start f "fish -C 'set -g fish_autosuggestion_enabled 0; set -g fish_greeting; function fish_prompt; echo \"> \"; end; source $(printf %q "$C/pg.fish")'"
	prompt_ready f '>'
	check "fish: pg rank geo<Tab> makes the line 'pg rank geometry::circle ' (a space after)" \
		tab f "pg rank geo" '> pg rank geometry::circle' 27
	check "  ...pg find ty<Tab>: 'pg find type=' with no space after" tab f "pg find ty" '> pg find type=' 15
fi
[ -n "$tmux" ] && tm kill-server 2>/dev/null

# --- make install ---------------------------------------------------------------
# Each shell must find its script in its default search path: the installed
# file's directory with DESTDIR taken off.  Then each loads it from DESTDIR.
b=$(cd "$(dirname "$PG")" && pwd)
case $b in
"$ROOT"/*) b=${b#"$ROOT"/} ;;
*) b= ;;
esac
if [ -z "$b" ]; then
	echo "# SKIP make install: $PG is not built in $ROOT"
	echo "# $n tests"
	exit 0
fi
san=
case $b in *-san) san=SAN=1 ;; esac
# bash-completion's own search, traced: the directories it looks in
bash -c ". $BC; set -x; __load_completion pg-no-such-command" 2>&1 | sed -n 's/^+ \[\[ -d \(.*\) \]\]$/\1/p' >"$T/bash_dirs"
zsh -f -c 'print -rl -- $fpath' >"$T/zsh_dirs"
fish -c 'printf "%s\n" $fish_complete_path' >"$T/fish_dirs"
nman=$(ls "$ROOT"/docs/man/*.1 | wc -l)
for prefix in /usr/local /usr; do
	D=$T/dest${prefix//\//_}
	run make -C "$ROOT" -s install B="$b" $san PREFIX=$prefix DESTDIR="$D"
	check "make install PREFIX=$prefix DESTDIR=...: exit 0" test "$rc" -eq 0
	bashf=$(find "$D" -path '*/bash-completion/completions/pg')
	zshf=$(find "$D" -name _pg)
	fishf=$(find "$D" -name pg.fish)
	# where they are with DESTDIR taken off
	bashd=${bashf#"$D"} zshd=${zshf#"$D"} fishd=${fishf#"$D"}
	bashd=${bashd%/*} zshd=${zshd%/*} fishd=${fishd%/*}
	check "  ...bin/pg is the binary under test; man1 has pg.1, pg-ls.1 and the other $((nman - 2))" \
		eval 'cmp -s "$D$prefix/bin/pg" "$PG" && [ -f "$D$prefix/share/man/man1/pg.1" ] &&
		      [ -f "$D$prefix/share/man/man1/pg-ls.1" ] && [ "$(ls "$D$prefix/share/man/man1" | wc -l)" -eq $nman ]'
	check "  ...the bash, zsh and fish scripts, as in completion/, in $bashd, $zshd, $fishd" \
		eval 'cmp -s "$bashf" "$C/pg.bash" && cmp -s "$zshf" "$C/_pg" && cmp -s "$fishf" "$C/pg.fish"'
	check "  ...nothing else: $((nman + 4)) files" test "$(find "$D" -type f | wc -l)" -eq $((nman + 4))
	check "  ...bash-completion looks in $bashd by default (traced __load_completion)" grep -qxF "$bashd" "$T/bash_dirs"
	check "  ...zsh -f's fpath has $zshd" grep -qxF "$zshd" "$T/zsh_dirs"
	check "  ...fish's fish_complete_path has $fishd" grep -qxF "$fishd" "$T/fish_dirs"
	# each shell loads it from DESTDIR by its own mechanism
	run env XDG_DATA_DIRS="$D$prefix/share" bash -c ". $BC; __load_completion pg && complete -p pg && shopt -s extdebug && declare -F _pg"
	check "  ...bash-completion's __load_completion pg (XDG_DATA_DIRS=DESTDIR$prefix/share) loads it: complete -F _pg pg" \
		eval '[ $rc -eq 0 ] && grep -qx "complete -F _pg pg" "$T/out" && grep -qx "_pg [0-9]* $bashf" "$T/out"'
	run zsh -f -c "fpath=($(printf %q "${zshf%/*}") \$fpath); autoload -U compinit; compinit -u -D; print -r -- \$_comps[pg]; autoload +X _pg && whence -v _pg"
	check "  ...zsh's compinit with DESTDIR's directory in fpath: \$_comps[pg] is _pg, from there" \
		eval '[ $rc -eq 0 ] && [ "$(sed -n 1p "$T/out")" = _pg ] && grep -qF "_pg is a shell function from $zshf" "$T/out"'
	run fish -c "set fish_complete_path $(printf %q "${fishf%/*}") \$fish_complete_path; complete -C 'pg l'; functions --details __pg_complete"
	check "  ...fish autoloads it with DESTDIR's directory in fish_complete_path: pg l gives log and ls" \
		eval '[ "$(cut -f1 "$T/out" | tr "\n" " ")" = "log ls $fishf " ]'
	run env MANPATH="$D$prefix/share/man" man -w pg pg-ls
	check "  ...man -w pg pg-ls with MANPATH=DESTDIR$prefix/share/man finds the pages" \
		test "$(cat "$T/out")" = "$D$prefix/share/man/man1/pg.1
$D$prefix/share/man/man1/pg-ls.1"
	run make -C "$ROOT" -s uninstall B="$b" $san PREFIX=$prefix DESTDIR="$D"
	check "  ...make uninstall with the same PREFIX and DESTDIR leaves no file behind" \
		eval '[ $rc -eq 0 ] && [ -z "$(find "$D" -type f)" ]'
done

echo "# $n tests"
