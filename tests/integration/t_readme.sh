# t_readme.sh - the README works as written: its first screen gives the two
# commands, and its tutorial's commands, copied out of the README verbatim,
# run in a fresh HOME on a terminal (script(1)) and print what it shows.
#
# In a ```console block, '$ ' starts a command (a heredoc's lines, up to
# its terminator, belong to it); the lines after it are its output.  A
# command exits 0 unless its comment says '# exits N'.  Output compares
# line by line after normalizing what differs between runs: ids (hex runs
# of 7 or more), decimals, sizes and times, dates, runs of blanks; '...' in
# an expected line matches anything, and a line of '...' any number of
# lines.  A command shown without output is not compared.
. "$(dirname "$0")/lib.sh"
README=$ROOT/README.md
command -v script >/dev/null || { echo "not ok 1 - script(1) is missing (util-linux)"; exit 1; }

# --- 1. the first screen ----------------------------------------------------
first=$(awk '/^    make /{print $1, $2, $3} /^## /{exit}' "$README")
check "the first screen gives exactly two commands: make demo, make test" \
	test "$first" = "$(printf 'make demo #\nmake test #')"
check "  ...both are targets of the Makefile that install what they need first (deps)" sh -c "
	grep -Eq '^demo: deps( |\$)' '$ROOT/Makefile' && grep -Eq '^test: deps( |\$)' '$ROOT/Makefile'"
check "  ...make demo runs demo/run, which t_demo.sh runs in its quick mode" sh -c "
	make -s -n -C '$ROOT' demo 2>/dev/null | grep -q 'demo/run' && grep -q 'demo/run' '$ROOT/tests/integration/t_demo.sh'"
check "  ...what pg is, in three sentences, before them" python3 - "$README" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
intro = text.split("\n\n")[1]
assert len(re.findall(r"[.!?](?:\s|$)", intro)) == 3, intro
PY

# --- 2. the tutorial, verbatim ------------------------------------------------
python3 - "$README" "$T/tut.sh" "$T/tut.json" <<'PY'
import json, re, sys
readme, script, plan = sys.argv[1:]
text = open(readme).read()
tut = text[text.index("## Tutorial"):text.index("\n## ", text.index("## Tutorial") + 1)]
cmds = []
for block in re.findall(r"```console\n(.*?)```", tut, re.S):
    lines = block.split("\n")[:-1]
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"README tutorial: output before any command: {line!r}"
        cmd = [line[2:]]
        i += 1
        m = re.search(r"<<'?(\w+)'?", line)
        if m:  # a heredoc: its lines up to the terminator
            while i < len(lines) and lines[i] != m.group(1):
                cmd.append(lines[i])
                i += 1
            cmd.append(lines[i])
            i += 1
        while cmd[-1].endswith("\\"):
            cmd.append(lines[i])
            i += 1
        out = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        m = re.search(r"#\s*exits (\d+)", cmd[0])
        cmds.append({"cmd": "\n".join(cmd), "out": out, "rc": int(m.group(1)) if m else 0})
with open(script, "w") as f:
    # the newcomer's environment: no PG_HOME, no make of our own; pg the
    # binary under test wherever the README's PATH would find ./pg
    f.write('unset PG_HOME PG_DIR MAKEFLAGS MAKELEVEL MFLAGS\ncd "$ROOT"\npg() { "$PG" "$@"; }\n')
    for k, c in enumerate(cmds):
        f.write(f"printf '\\n@@begin {k}@@\\n'\n{c['cmd']}\nprintf '\\n@@end {k} %d@@\\n' $?\n")
json.dump(cmds, open(plan, "w"))
PY
ncmd=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/tut.json" 2>/dev/null || echo 0)
check "the README tutorial has commands to run ($ncmd)" test "$ncmd" -ge 15

start=$(date +%s)
(cd "$T" && ROOT=$ROOT PG=$PG script -qec "bash $T/tut.sh" /dev/null </dev/null >"$T/typescript" 2>&1)
secs=$(($(date +%s) - start))

python3 - "$T/tut.json" "$T/typescript" >"$T/results" <<'PY'
import json, re, sys
cmds = json.load(open(sys.argv[1]))
raw = open(sys.argv[2], "rb").read().decode("utf-8", "replace").replace("\r\n", "\n")
raw = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
lines = [l.rsplit("\r", 1)[-1].rstrip() for l in raw.split("\n")]

def norm(s):
    s = re.sub(r"\b(?=[0-9a-f]*[0-9])[0-9a-f]{7,}\b", "H", s)
    s = re.sub(r"\b\d{4}-\d\d-\d\d\b", "D", s)
    s = re.sub(r"\b\d+(\.\d+)?\s*(KiB|MiB|GiB|ns|us|ms|s)\b", "N", s)
    s = re.sub(r"\b\d+\.\d+\b", "N", s)
    return re.sub(r"\s+", " ", s).strip()

def line_ok(exp, got):
    parts = [re.escape(norm(p)) for p in exp.split("...")]
    return re.fullmatch(r".*".join(parts), norm(got)) is not None

def match(exp, got):
    # '...' alone: any number of lines (backtracking on small inputs)
    if not exp:
        return not got
    if exp[0].strip() == "...":
        return any(match(exp[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and line_ok(exp[0], got[0]) and match(exp[1:], got[1:])

for k, c in enumerate(cmds):
    try:
        b = lines.index(f"@@begin {k}@@")
        e = next(i for i in range(b, len(lines)) if lines[i].startswith(f"@@end {k} "))
    except (ValueError, StopIteration):
        print(json.dumps({"k": k, "ok": False, "why": "never ran (the tutorial stopped before it)", "cmd": c["cmd"]}))
        continue
    rc = int(lines[e].split()[2].rstrip("@"))
    got = [l for l in lines[b + 1:e] if l]
    got = got[:-1] if got and got[-1] == "" else got
    why = []
    if rc != c["rc"]:
        why.append(f"exit {rc}, the README says {c['rc']}")
    exp = [l for l in c["out"] if l]
    if exp and not match(exp, got):
        why.append("output differs from the README's")
    print(json.dumps({"k": k, "ok": not why, "why": "; ".join(why), "cmd": c["cmd"], "got": got, "exp": exp}))
PY

while IFS= read -r r; do
	what=$(printf '%s' "$r" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("$ " + r["cmd"].split("\n")[0])')
	if printf '%s' "$r" | python3 -c 'import json,sys; sys.exit(not json.load(sys.stdin)["ok"])'; then
		ok "README: $what"
	else
		not_ok "README: $what"
		printf '%s' "$r" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("#   " + r["why"])
for l in r.get("exp", []): print("#   want: " + l)
for l in r.get("got", []): print("#   got:  " + l)'
	fi
done <"$T/results"
check "every command of the tutorial ran (${secs}s)" test "$(wc -l <"$T/results")" -eq "$ncmd"

# --- 3. what the tutorial left behind is what it says -------------------------
cd "$T/pg-tutorial" 2>/dev/null || cd "$T"
check "~/pg-tutorial/pg.lock pins circle-c, and pg-build/geometry-circle links to its build" sh -c "
	grep -q '^    name: circle-c' pg.lock && [ -x pg-build/geometry-circle/impl ]"
check "the hub holds the log: pg fsck passes there" "$PG" -C ../hub fsck -q
echo "# $n tests"
