# t_tui_tmux.sh - pg tui in a real terminal: tmux runs it in a pane of a
# fixed size, the test types with 'send-keys' and reads the pane with
# 'capture-pane', polling (never sleeping) until the screen shows what it
# should.  What only a terminal can show: the first screen, the views and
# keys, colours (and none under NO_COLOR; TERM=dumb refused), resizing,
# the mouse and paging, the store changing underneath with no key pressed,
# an action's live progress while the UI stays responsive, and a clean
# exit that gives the terminal back.  The same browser headless is
# t_tui.sh.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # the sandbox's uid reads the build cache below it
M=$ROOT/objects/math-stats

if ! command -v tmux >/dev/null; then
	echo "# SKIP tmux is not installed (the Makefile's DEB_PKGS has it)"
	exit 0
fi

# A private tmux server (its socket below $T), killed at exit.
unset TMUX
export TMUX_TMPDIR=$T
tm() { tmux -L "pgt$$" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; at_exit' EXIT

# start NAME ENV...: a session NAME, 80x24, running pg tui in alice's store
# with ENV (TERM=..., NO_COLOR=1); when pg ends the pane says 'EXITED
# status' and stays
start() {
	local name=$1
	shift
	tm new-session -d -x 80 -y 24 -s "$name" "env -u NO_COLOR PG_HOME=$(printf %q "$T/alice.home") LC_ALL=C.UTF-8 $* \
		$(printf %q "$PG") -C $(printf %q "$T/alice") tui; echo EXITED \$?; sleep 60" && tm has-session -t "$name" || {
		echo "Bail out! tmux cannot start a session"
		exit 1
	}
}

# The helpers below look at session $S.
S=t
keys() { tm send-keys -t "$S" "$@"; }
# grab: the pane's screen in $T/screen (a line a row), its last non-blank
# rows in $T/out (what a failed check shows)
grab() {
	tm capture-pane -p -t "$S" >"$T/screen" 2>"$T/err" || return 1
	grep -v '^ *$' "$T/screen" | tail -n 20 >"$T/out"
}
on_screen() { grab && grep -qF -- "$1" "$T/screen"; }
on_screen_re() { grab && grep -qE -- "$1" "$T/screen"; }
# wait_screen TEXT [SECONDS]: poll the screen every 50 ms until it shows
# TEXT (5 s unless told); wait_screen_re the same with a regex
wait_screen() { wait_for "${2:-5}" on_screen "$1"; }
wait_screen_re() { wait_for "${2:-5}" on_screen_re "$1"; }
# row N: row N (from 1) of the screen last grabbed; rows: how many there are
row() { sed -n "${1}p" "$T/screen"; }
rows() { wc -l <"$T/screen"; }
# status_re RE: the status bar (the row above the message line) matches RE;
# wait_status RE [SECONDS] polls for it
status_re() { grab && row $(($(rows) - 1)) | grep -qE -- "$1"; }
wait_status() { wait_for "${2:-5}" status_re "$1"; }
# position: the status bar's selection, as N/M
position() { grab && row $(($(rows) - 1)) | sed -n 's|^\[[^]]*\] \([0-9]*/[0-9]*\).*|\1|p'; }
alive() { grab && ! grep -q '^EXITED' "$T/screen"; }
esc=$(printf '\033')
# colour_codes: the pane (with attributes) sets a colour: SGR 30-38, 40-48,
# 90-97 or 100-107 (38;5;N and 48;5;N included); 39 and 49 (the default)
# are not colours
colour_codes() { tm capture-pane -e -p -t "$S" | grep -qE "$esc\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m"; }
reverse_video() { tm capture-pane -e -p -t "$S" | grep -qE "$esc\\[([0-9]+;)*7(;[0-9]+)*m"; }

# --- the world: math::stats verified and benched by alice; stats-slow takes
# a few seconds to build (so an action can be watched while it runs) ----------
person alice
by alice publish -q "$M/interface" "$M/spec" "$M/impl-c" "$M/impl-py" "$M/bench" >/dev/null
by alice verify -q math::stats >/dev/null 2>&1
by alice bench -q --round-ms 5 math::stats >/dev/null 2>&1
mkdir -p "$T/src/slow"
cp -r "$M/impl-py/." "$T/src/slow/"
sed -i -e 's/^name: .*/name: stats-slow/' -e 's/^build: .*/build: sleep 4 \&\& python3 -m py_compile *.py/' \
	"$T/src/slow/pg.yaml"
by alice publish -q "$T/src/slow" >/dev/null
# id_of TYPE NAME: the full id of alice's object
id_of() {
	by alice ls --json --type "$1" |
		python3 -c 'import json, sys; print(next(o["id"] for o in json.load(sys.stdin) if o.get("name") == sys.argv[1]))' "$2"
}
iface_id=$(id_of interface math::stats)
slow_id=$(id_of impl stats-slow)
best=$(by alice rank math::stats | awk '$1 == 1 { print $2 }')
best_id=$(id_of impl "$best")
check "the world: math::stats and its best impl ($best); stats-slow, unverified" \
	eval '[ ${#iface_id} -eq 64 ] && [ ${#best_id} -eq 64 ] && [ ${#slow_id} -eq 64 ] && [ "$best" != stats-slow ]'

# --- 1. the first screen -------------------------------------------------------
start t TERM=xterm-256color
track "$(tm display -p -t t '#{pid}')" # the server
check "first screen: the tab bar (1 Interfaces) and the column headings (best impl)" \
	eval 'wait_screen "1 Interfaces   2 Identities   3 Remotes" 10 && on_screen "best impl"'
check "  ...math::stats by alice with its best impl ($best) and score, filled in while you look" \
	wait_screen_re "^math::stats +alice +1 +3 +$best +[0-9.]+x +you"
check "  ...the status bar (row 23 of 24) says [interfaces] 1/1 and math::stats's id" \
	eval 'grab && [ "$(rows)" -eq 24 ] && row 23 | grep -q "^\[interfaces\] 1/1  ${iface_id:0:60}"'

# --- 2. views and keys ------------------------------------------------------------
keys Enter
check "Enter opens the interface: its impls ranked (Implementations, best first)" \
	eval 'wait_screen "Implementations, best first" && status_re "^\[math::stats\] 1/"'
keys j
check "  ...j moves the selection to the next line (2/N: $best)" wait_status "^\[math::stats\] 2/[0-9]+  ${best_id:0:12}"
keys Enter
check "Enter on $best opens the impl: its fields and files (Files (payload)" \
	eval 'wait_screen "Files (payload" && on_screen "impl $best" && status_re "^\[impl $best\]"'
keys q
check "q goes back to the interface, the selection where it was" \
	eval 'wait_status "^\[math::stats\] 2/" && ! on_screen "Files (payload"'
keys Escape
check "Esc goes back to the interfaces" eval 'wait_status "^\[interfaces\] 1/1" && on_screen "best impl"'
keys 2
check "2 shows the identities: alice (you) with all of your trust" \
	eval 'wait_screen_re "^alice +[0-9a-f]{12} +100\.00% .* you" && status_re "^\[identities\] 1/1"'
keys Enter
check "  ...Enter shows why: [why alice], this is you" \
	eval 'wait_status "^\[why alice\]" && on_screen "this is you: the walk starts here"'
keys 3
check "3 shows the remotes (none yet) and the publishers' logs" \
	eval 'wait_status "^\[remotes\]" && on_screen "(none: '\''pg remote add NAME URL'\''" && on_screen_re "^  alice +[0-9a-f]{12} [0-9]+"'
keys '?'
check "? shows the help, made from the key table" \
	eval 'wait_status "^\[help\] 1/" && on_screen "verify the selected impl or interface in the sandbox"'
keys q
check "  ...q leaves it, back on the remotes" wait_status "^\[remotes\]"

# --- 3. colour --------------------------------------------------------------------
keys 1
wait_status "^\[interfaces\]"
check "TERM=xterm-256color, no NO_COLOR: the screen has colours (SGR 3x/4x)" colour_codes
start n NO_COLOR=1 TERM=xterm-256color
S=n
check "NO_COLOR=1: the same first screen..." wait_screen_re "^math::stats +alice +1 +3 +$best" 10
check "  ...with no colour codes, the bars and the selection in reverse video" \
	eval '! colour_codes && reverse_video'
keys Q
check "  ...Q: exits 0" wait_screen "EXITED 0"
start d TERM=dumb
S=d
check "TERM=dumb (no cursor addressing): refused, saying why, exit 3, no colour codes" \
	eval 'wait_screen "EXITED 3" 10 && ! colour_codes &&
	      tr -d "\n" <"$T/screen" | grep -q "pg tui needs a terminal that can move the cursor, and '\''dumb'\'' cannot"'
tm kill-session -t n
tm kill-session -t d
S=t

# --- 4. resizing ------------------------------------------------------------------
# screen_at COLS ROWS: the pane is that size and pg drew its view at it: the
# tab bar on row 1, math::stats on row 3, the status bar on row ROWS-1
# (with as much of math::stats's id as fits) and nothing on the row above
screen_at() {
	local cols=$1 lines=$2 fits=$(($1 - 18))
	[ "$(tm display -p -t "$S" '#{pane_width}x#{pane_height}')" = "${cols}x$lines" ] && grab &&
		[ "$(rows)" -eq "$lines" ] && row 1 | grep -q "1 Interfaces" && row 3 | grep -q '^math::stats' &&
		row $((lines - 1)) | grep -q "^\[interfaces\] 1/1  ${iface_id:0:$fits}\$" &&
		[ -z "$(row $((lines - 2)) | tr -d ' ')" ]
}
# too_small COLS ROWS: the pane says so, wrapped to its width
too_small() {
	grab && [ "$(rows)" -eq "$2" ] && tr -d '\n' <"$T/screen" | grep -q "terminal too small: $1x$2; pg tui needs 20x6"
}
check "before: at 80x24 the status bar is on row 23" screen_at 80 24
tm resize-window -t t -x 100 -y 30
# at once (1 s): the redraw must not wait for a key or the next store check
check "resized to 100x30: redrawn at once; status bar on row 29 with the whole id; old row 23 blank" \
	eval 'wait_for 1 screen_at 100 30 && [ -z "$(row 23 | tr -d " ")" ]'
tm resize-window -t t -x 15 -y 5
check "shrunk to 15x5: it says the terminal is too small" wait_for 1 too_small 15 5
tm resize-window -t t -x 80 -y 24
check "grown back to 80x24: the view again, the status bar on row 23" wait_for 1 screen_at 80 24
check "  ...and pg is still running (no EXITED in the pane)" alive

# --- 5. the mouse and paging (in the help, longer than a page) ----------------------
keys '?'
wait_status '^\[help\] 1/[0-9]+$'
pos=$(position)
total=${pos#*/}
check "the help is longer than a page (20 lines at 80x24): $pos" test "${total:-0}" -gt 21
# tmux send-keys -M only replays a mouse event tmux itself received (in a
# mouse key binding), so the mouse is sent as the terminal sends it: SGR
# mouse reports (ESC [ < button ; column ; row M, m on release)
echo "# the mouse: SGR mouse reports sent as keys (send-keys -l); send-keys -M needs a real mouse event"
keys -l "$esc[<65;10;5M"
keys -l "$esc[<65;10;5M"
check "the wheel down twice: 3/$total" wait_status "^\[help\] 3/$total\$"
keys -l "$esc[<64;10;5M"
check "the wheel up: 2/$total" wait_status "^\[help\] 2/$total\$"
keys -l "$esc[<0;10;10M$esc[<0;10;10m"
check "a click on row 10 selects the 9th line (the view starts on row 2): 9/$total" wait_status "^\[help\] 9/$total\$"
keys G
check "G: the last line, $total/$total" wait_status "^\[help\] $total/$total\$"
keys g
check "g: the first line, 1/$total" wait_status "^\[help\] 1/$total\$"
keys NPage
check "PgDn: a page down (20 lines), 21/$total" wait_status "^\[help\] 21/$total\$"
keys PPage
check "PgUp: a page up, 1/$total" wait_status "^\[help\] 1/$total\$"
keys q
wait_status "^\[interfaces\]"

# --- 6. the store changes underneath ------------------------------------------------
check "before: no sort::u32, nothing said about the store changing" \
	eval 'grab && ! on_screen "sort::u32" && ! on_screen "the store changed"'
by alice publish -q "$ROOT/objects/sort-u32/interface" >/dev/null
# no key pressed: the TUI checks the store every 2 s
check "another pg publishes sort::u32: it shows up with no key pressed" wait_screen_re "^sort::u32 +alice " 8
check "  ...and the message line says the store changed: reloaded" \
	eval 'grab && row 24 | grep -q "the store changed: reloaded"'

# --- 7. an action with live progress ------------------------------------------------
check "the selection stayed on math::stats (1/2)" status_re "^\[interfaces\] 1/2  ${iface_id:0:60}"
keys Enter
wait_status "^\[math::stats\] 1/"
keys j j j
check "in the interface, j j j selects stats-slow (4/N)" wait_status "^\[math::stats\] 4/[0-9]+  ${slow_id:0:12}"
keys v
check "v asks first, naming the command: y publishes, l only shows" \
	wait_screen "pg verify impl stats-slow in the sandbox: y publishes the results, l only shows"
keys l
progress="verify impl stats-slow \\([0-9]+s\\)"
check "l: the message line shows the action's progress (verify impl stats-slow (Ns))" \
	eval 'wait_screen_re "$progress" && row 24 | grep -qE "$progress"'
keys j
check "  ...while it runs the UI responds: j moves to 5/N, the progress still shown" \
	eval 'wait_status "^\[math::stats\] 5/" && row 24 | grep -qE "$progress"'
keys 2
check "  ...and 2 shows the identities, the progress still shown" \
	eval 'wait_status "^\[identities\]" && on_screen_re "^alice +[0-9a-f]{12}" && row 24 | grep -qE "$progress"'
check "  ...the elapsed time counts up while it runs (1s or more)" \
	wait_screen_re "verify impl stats-slow \\([1-9][0-9]*s\\)"
check "  ...then: verify impl stats-slow: done" wait_screen "verify impl stats-slow: done" 30
keys o
check "o shows its output: the verdict table of stats-slow" \
	eval 'wait_status "^\[verify impl stats-slow\]" && on_screen_re "^  stats-slow +stats-basic +[0-9]+ +0 +0"'
keys q
wait_status "^\[identities\]"

# --- 8. quit ----------------------------------------------------------------------
keys Q
check "Q quits: the pane says EXITED 0" wait_screen "EXITED 0"
check "  ...and the terminal is given back: no curses screen left, the shell's echo at the top" \
	eval 'grab && ! grep -qF "1 Interfaces" "$T/screen" && ! grep -qF "[identities]" "$T/screen" && row 1 | grep -q "^EXITED 0"'
tm kill-server 2>/dev/null
