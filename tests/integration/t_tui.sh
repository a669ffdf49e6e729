# t_tui.sh - what a user relies on from pg tui, driven headless (--script:
# keystrokes in, screens out at a pinned size): the first screen of an
# empty store says what to do; the interfaces, an interface's ranked
# impls, an object's files and bytes, identities and why they are trusted,
# remotes and logs; the help made from the key table; filter and sort;
# actions (trust, block, verify, pull) that confirm, run the real pg and
# report failure without leaving; a store changed by another process;
# terminals too small; UTF-8 text; script errors.  The same browser in a
# real terminal (tmux) is t_tui_tmux.sh.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # the sandbox's uid reads the build cache below it
M=$ROOT/objects/math-stats

# tui ARGS... < SCRIPT: run pg tui headless in alice's store (80x24 unless
# ARGS say otherwise); the screens in $T/out
tui() { run env PG_HOME="$T/alice.home" "$PG" -C "$T/alice" tui --script - "$@"; }
# screen N: the Nth screen printed (its rows)
screen() { awk -v n="$1" '/^--- screen /{k++; next} k==n' "$T/out"; }
# last: the last screen printed
last() { awk '/^--- screen /{k++; buf=""; next} {buf = buf $0 "\n"} END{printf "%s", buf}' "$T/out"; }
in_last() { last | grep -qF -- "$1"; }
in_screen() { screen "$1" | grep -qF -- "$2"; }

# --- an empty store --------------------------------------------------------------
person alice
tui </dev/null <<<'<Screen>'
check "empty store: exits 0 and prints the screen" test "$rc" -eq 0
check "  ...the first screen says there are no interfaces and how to get some" \
	sh -c "grep -q 'This store has no interfaces yet' '$T/out' && grep -q 'pg remote add hub' '$T/out' && grep -q 'pg new interface NAME' '$T/out'"
check "  ...with the tab bar and the column headings" \
	sh -c "grep -q '1 Interfaces   2 Identities   3 Remotes' '$T/out' && grep -q 'best impl' '$T/out'"
tui <<<'2 <Screen> 3 <Screen>'
check "empty store: identities has only you; remotes says how to add one" \
	sh -c "grep -Eq '^alice +[0-9a-f]{12} +100.00% .* you' '$T/out' && grep -q \"(none: 'pg remote add NAME URL'\" '$T/out'"

# --- a world: math::stats with two impls verified and benched by alice -----------
by alice publish -q "$M/interface" "$M/spec" "$M/impl-c" "$M/impl-py" "$M/bench" >/dev/null
by alice verify -q math::stats >/dev/null 2>&1
by alice bench -q --round-ms 5 math::stats >/dev/null 2>&1
# a description with UTF-8 text in an impl of bob's
person bob
mkdir -p "$T/src/utf"
cp -r "$M/impl-c/." "$T/src/utf/"
sed -i 's/^name: .*/name: stats-naive/' "$T/src/utf/pg.yaml"
sed -i '/^description:/,$d' "$T/src/utf/pg.yaml"
printf 'description: |\n  Naïve — 円の統計 (wide characters) by bob.\n' >>"$T/src/utf/pg.yaml"
by bob remote add alice "$T/alice" >/dev/null
by bob pull -q alice >/dev/null 2>&1
run by bob publish -q "$T/src/utf"
check "bob publishes an impl whose description is UTF-8" test "$rc" -eq 0
by alice remote add bob "$T/bob" >/dev/null
by alice pull -q bob >/dev/null 2>&1

tui <<<'<Screen>'
row=$(screen 1 | grep '^math::stats')
check "interfaces: math::stats with its author, 1 spec, 3 impls" \
	sh -c "echo '$row' | grep -Eq '^math::stats +alice +1 +3 '"
best=$(by alice rank math::stats | awk '$1 == 1 { print $2 }')
check "  ...and the best impl pg rank names ($best) with its score" \
	sh -c "[ -n '$best' ] && echo '$row' | grep -Eq ' $best +[0-9.]+x +you\$'"

tui <<<'<Enter> <Screen>'
check "Enter: the interface, its impls ranked as pg rank ranks them" \
	sh -c "in_screen() { awk -v n=\"\$1\" '/^--- screen /{k++; next} k==n' '$T/out' | grep -qE -- \"\$2\"; }
	       in_screen 1 'Implementations, best first' && in_screen 1 '^  1 +$best +c +alice .*✓ 1 \\(you\\)' &&
	       in_screen 1 'stats-naive +c +bob .*unverified'"
check "  ...its spec (binding your verdicts), its bench and its IDL" \
	sh -c "grep -q 'Specs (every impl must pass them)' '$T/out' && grep -Eq '^  [a-z-]+ +alice .*binds your verdicts' '$T/out' &&
	       grep -q 'Benches (what the scores measure)' '$T/out' && grep -q 'Interface (interface.pgi)' '$T/out'"

# the impl's object view: fields, files, results, links; a file; its bytes
tui <<<'<Enter> j <Enter> <Screen> G <Screen>'
check "an impl: header fields, its files, results about it" \
	sh -c "grep -Eq '^impl $best' '$T/out' && grep -q '  author      alice ' '$T/out' && grep -q 'Files (payload' '$T/out' &&
	       grep -q 'Results about it' '$T/out' && grep -Eq '  verify passed +alice' '$T/out'"
check "  ...and its links out (the interface it implements) and in" \
	sh -c "grep -Eq '  interface +-> interface math::stats' '$T/out' && grep -q 'Links in (what names it)' '$T/out'"
file=$(screen 1 | sed -n '/^Files (payload/{n;p;q}' | awk '{print $1}')
tui <<<"<Enter> j <Enter> /\"    $file \"<Enter> <Enter> <Screen>"
check "Enter on a file ($file) shows its text in a pager" \
	sh -c "grep -q '^\\[impl $best: $file\\]' '$T/out' && [ \$(grep -c . '$T/out') -gt 6 ]"
tui <<<'<Enter> j <Enter> r <Screen>'
check "r: the object's exact signed bytes" \
	sh -c "grep -q 'signed bytes\\]' '$T/out' && grep -q '^type impl' '$T/out' && grep -q '^author ' '$T/out'"

# UTF-8: wide characters take two columns and the line stays whole
tui <<<'<Enter> /"naive"<Enter> <Enter> <Screen>'
check "UTF-8 text draws as written (ï, —, wide 円の統計)" grep -q 'Naïve — 円の統計 (wide characters) by bob.' "$T/out"
check "  ...and the status bar below stays 80 columns wide" \
	sh -c "last() { awk '/^--- screen /{k++; buf=\"\"; next} {buf = buf \$0 \"\\n\"} END{printf \"%s\", buf}' '$T/out'; }
	       last | python3 -c 'import sys, unicodedata as u; rows=sys.stdin.read().split(\"\\n\"); w=lambda s: sum(2 if u.east_asian_width(c) in \"WF\" else 1 for c in s); sys.exit(not all(w(r) <= 80 for r in rows) or len(rows) < 24)'"

# identities and why
tui <<<'2 <Screen> <Enter> <Screen>'
check "identities: alice (you) and bob with their reputation" \
	sh -c "screen() { awk -v n=\"\$1\" '/^--- screen /{k++; next} k==n' '$T/out'; }
	       screen 1 | grep -Eq '^alice +[0-9a-f]{12} +100.00% -.* you' && screen 1 | grep -Eq '^bob +[0-9a-f]{12} +0.00%'"
check "Enter: why (the text of pg rep --why): this is you, the seed" \
	sh -c "grep -q '^\\[why alice\\]' '$T/out' && grep -q 'this is you: the walk starts here' '$T/out'"
by alice rep --why bob >"$T/why.txt"
tui <<<'2 /"bob"<Enter> <Enter> <Screen>'
check "  ...and for bob exactly what pg rep --why bob prints" \
	sh -c "last() { awk '/^--- screen /{k++; buf=\"\"; next} {buf = buf \$0 \"\\n\"} END{printf \"%s\", buf}' '$T/out'; }
	       last | sed -n '2,/^\\[why bob\\]/p' | sed '\$d' | sed -e 's/ *\$//' -e '/^\$/d' >'$T/shown.txt'
	       sed -e 's/ *\$//' -e '/^\$/d' '$T/why.txt' | head -\$(wc -l <'$T/shown.txt') | cut -c1-80 | diff - '$T/shown.txt'"

# remotes and logs
tui <<<'3 <Screen> j <Enter> <Screen>'
check "remotes: bob's store with its last fetch; the publishers' logs" \
	sh -c "grep -Eq '^  bob +20[0-9-]+ [0-9:]+ +0 refusals +$T/bob' '$T/out' && grep -Eq '^  alice +[0-9a-f]{12} [0-9]+ +20' '$T/out'"
check "  ...Enter on a log lists its entries" grep -Eq '^seq [0-9]+ .* objects? +commit [0-9a-f]{12}' "$T/out"

# help: made from the key table, every request listed
tui <<<'? <Screen>'
check "? shows the help, from the key table" \
	sh -c "grep -q 'verify the selected impl or interface in the sandbox' '$T/out' && grep -Eq '^  q Esc Left +back' '$T/out'"
for k in VIEW_INTERFACES ENTER FILTER TRUST BLOCK VERIFY BENCH PULL OUTPUT REFRESH; do
	h=$(sed -n "s/^\t_($k, \"\\(.*\\)\")[ \\\\]*\$/\\1/p" "$ROOT/tui/tui.h")
	tui <<<'? J <Screen> J <Screen>'
	check "  ...help lists request $k ('$h')" sh -c "[ -n \"$h\" ] && grep -qF -- \"$h\" '$T/out'"
done

# filter and sort
tui <<<'/"stats"<Enter> <Screen> /"nothing-like-this"<Enter> <Screen> /<Enter> s <Screen>'
check "/ filters: the matching lines; none: it says so; empty: all again" \
	sh -c "screen() { awk -v n=\"\$1\" '/^--- screen /{k++; next} k==n' '$T/out'; }
	       screen 1 | grep -q '^math::stats' && screen 2 | grep -q 'nothing matches the filter' && screen 3 | grep -q '^math::stats'"
check "s sorts by the next column and says which" grep -q 'sorted by best score' "$T/out"

# --- actions ---------------------------------------------------------------------
bob_key=$(key_of bob)
tui <<<'2 /"bob"<Enter> t l "reviewed the code" <Enter> p <Wait> <Screen>'
check "t: trust bob low, kept private: confirmed, run, reported" \
	sh -c "grep -q 'trust bob low (private): done' '$T/out'"
run by alice trust ls
check "  ...and pg trust ls shows it (private)" sh -c "grep -q 'bob' '$T/out' && grep -q 'low' '$T/out' && grep -qi 'private' '$T/out'"
nres=$(by alice ls --type trust | wc -l)
tui <<<'2 /"bob"<Enter> t m <Enter> y <Wait> <Screen>'
check "t: trust bob medium, published: a trust object in alice's log" \
	sh -c "grep -q 'trust bob medium: done' '$T/out' && [ \$(by() { PG_HOME=\"$T/alice.home\" \"$PG\" -C \"$T/alice\" \"\$@\"; }; by ls --type trust | wc -l) -gt $nres ]"
tui <<<'2 /"bob"<Enter> t m <Enter> n <Screen>'
check "  ...n at the confirmation cancels" grep -q '^cancelled' "$T/out"
before=$(snapshot "$T/alice/.pg")
tui <<<'2 /"bob"<Enter> b <Enter> <Screen>'
check "b with no reason: an error on the message line, the view stays, nothing written" \
	sh -c "grep -q '^error: a block needs a reason' '$T/out' && grep -q '^\\[identities\\]' '$T/out' &&
	       [ \"\$(git --git-dir='$T/alice/.pg' for-each-ref --format='%(refname) %(objectname)' refs/pg)\" = \"$(git --git-dir="$T/alice/.pg" for-each-ref --format='%(refname) %(objectname)' refs/pg)\" ]"
[ "$before" = "$(snapshot "$T/alice/.pg")" ] && ok "  ...the store is unchanged" || not_ok "  ...the store is unchanged"
tui <<<'<Enter> /"naive"<Enter> b "copies stats-c" <Enter> p <Wait> <Screen>'
check "b on bob's impl, private: done, and pg rank lists it blocked" \
	sh -c "grep -q 'block impl stats-naive (private): done' '$T/out' && PG_HOME='$T/alice.home' '$PG' -C '$T/alice' rank math::stats | grep 'stats-naive' | grep -q blocked"
tui <<<'<Enter> j v l <Wait> <Screen> o <Screen>'
check "v on an impl, only shown: runs pg verify --no-publish, done" grep -q "verify impl $best: done" "$T/out"
check "  ...o shows its output: the verdict table" sh -c "grep -q '^\\[verify impl $best\\]' '$T/out' && grep -Eq '^  $best +[a-z-]+ +[0-9]+ +0 +0' '$T/out'"
git --git-dir="$T/bob/.pg" config remote.nowhere.url "$T/no-such-store"
by alice remote add nowhere "$T/no-such-store" >/dev/null 2>&1
tui <<<'p <Wait> <Screen> j o <Screen>'
check "p with a remote that does not exist: the failure on the message line, the UI stays" \
	sh -c "grep -q \"^error: pull --all failed (exit [0-9]*; 'o' shows the output)\" '$T/out' && grep -q '^math::stats' '$T/out'"
check "  ...o shows why: the remote that cannot be fetched" grep -q "cannot fetch from 'nowhere'" "$T/out"
by alice remote rm nowhere >/dev/null 2>&1

# --- the store changes underneath ------------------------------------------------
mkfifo "$T/keys"
(env PG_HOME="$T/alice.home" "$PG" -C "$T/alice" tui --script "$T/keys" >"$T/live.out" 2>"$T/live.err") &
pid=$!
track $pid
exec 7>"$T/keys"
echo '<Screen>' >&7
wait_for 10 grep -q '^--- screen 1' "$T/live.out"
S=$ROOT/objects/sort-u32
by alice publish -q "$S/interface" >/dev/null
echo 'R <Screen> Q' >&7
exec 7>&-
wait $pid
rc=$?
check "another pg publishes while the TUI is open: R shows it, nothing breaks" \
	sh -c "[ $rc -eq 0 ] && ! awk '/^--- screen 1/{f=1} /^--- screen 2/{f=0} f' '$T/live.out' | grep -q '^sort::u32' &&
	       awk '/^--- screen 2/{f=1} f' '$T/live.out' | grep -q '^sort::u32' && grep -q 'the store changed: reloaded' '$T/live.out'"

# --- terminals of every size -------------------------------------------------------
tui --size 40x10 <<<'<Screen> <Enter> <Screen> 2 <Screen>'
check "40x10: every view draws, cut to 40 columns" \
	sh -c "[ $rc -eq 0 ] && [ \$(awk '/^--- screen/{next} length > 40' '$T/out' | wc -l) -eq 0 ] && grep -q '^math::stats' '$T/out'"
tui <<<'<Resize:12x4> <Screen> j <Enter> <Resize:80x24> <Screen>'
check "smaller than 20x6: it says so; grown back: the view again" \
	sh -c "[ $rc -eq 0 ] && awk '/^--- screen 2/{exit} /^--- screen 1/{next} {printf \"%s\", \$0}' '$T/out' | grep -q 'terminal too small: 12x4' &&
	       awk '/^--- screen 2/{f=1} f' '$T/out' | grep -q '^math::stats'"
for size in 1x1 20x6 200x60; do
	tui --size "$size" <<<'<Screen> <Enter> j <Enter> 2 <Enter> 3 <Enter> ? <Screen>'
	check "--size $size: no crash through every view" test "$rc" -eq 0
done

# --- bad input -------------------------------------------------------------------
printf 'j\n  <Nope> j\n' >"$T/bad.keys"
run env PG_HOME="$T/alice.home" "$PG" -C "$T/alice" tui --script "$T/bad.keys"
check "a script with an unknown key: exit 3 and file:line:column" \
	sh -c "[ $rc -eq 3 ] && grep -q 'bad.keys:2:3: unknown key <Nope>' '$T/err'"
run env PG_HOME="$T/alice.home" "$PG" -C "$T/alice" tui </dev/null
check "no terminal and no --script: exit 3, says what to do" \
	sh -c "[ $rc -eq 3 ] && grep -q 'pg tui needs a terminal (--script FILE' '$T/err'"
expect_err 2 "--size takes COLSxROWS" "--size 80 is refused" "$PG" -C "$T/alice" tui --script - --size 80
