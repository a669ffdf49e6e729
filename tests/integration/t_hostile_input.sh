# t_hostile_input.sh - crafted hostile inputs on every surface pg reads
# from others or from disk: objects, logs and payloads arriving by pull and
# by bundle, bundles themselves, pg.yaml, cases.yaml, pg.lock and the
# answers of an implementation.  Each input is refused with its exit code
# and a message that says what is wrong and where (file:line:column for the
# YAML parsers), and leaves the store as it was: for a pull, the logs, pg ls
# and a passing pg fsck.  The logs are made by tests/tools/craft.py, signed
# with the publisher's real key.  (t_sync_hostile, t_bundle, t_bad_input,
# t_hostile, t_build and t_verify have the tricks this file leaves out.)
. "$(dirname "$0")/lib.sh"
SIGNOBJ=$(dirname "$PG")/tests/signobj
[ -x "$SIGNOBJ" ] || { echo "not ok 1 - $SIGNOBJ is not built (make all)"; exit 1; }
CRAFT=$ROOT/tests/tools/craft.py
inputs=0 # crafted inputs tried

cd "$T"
# mallory publishes the hostile logs, each signed with her real key; alice's
# key forges; bob, the victim, already holds mallory's first entry; zed's
# store is empty, for bundles
for p in alice mallory bob zed; do person "$p"; done
by bob -q remote add mallory "$T/mallory"
by bob pull -q mallory >/dev/null
MAL=$(key_of mallory | cut -c1-12)

# state WHO: WHO's logs (not the quarantine, where a fetch keeps what each
# remote sent) and pg ls
state() { (cd "$T/$1" && PG_HOME="$T/$1.home" snapshot | grep -v '^refs/pg/q/'); }
# same WHO BEFORE: WHO's state is BEFORE and WHO's store passes fsck
same() { [ "$(state "$1")" = "$2" ] && by "$1" fsck >/dev/null 2>&1; }
# refused CODE TEXT WHAT: the last run exited CODE, TEXT on stdout or stderr
refused() {
	inputs=$((inputs + 1))
	if [ "$rc" -eq "$1" ] && cat "$T/out" "$T/err" | grep -qF -- "$2"; then
		ok "$3"
	else
		not_ok "$3 (exit $rc, wanted $1 with '$2')"
	fi
}
# $T/evil: a copy of mallory's store holding every crafted entry (each
# under refs/cases/NAME, and for a bomb, a bundle $T/NAME.pgb); bob's
# remote 'evil' serves it, its log moved to one case at a time
cp -a "$T/mallory" "$T/evil"
PG_HOME="$T/mallory.home" OTHER_HOME="$T/alice.home" SIGNOBJ=$SIGNOBJ python3 "$CRAFT" "$T/evil" \
	$(sed -n 's/^def \(\(obj\|log\|tar\|bomb\)_[a-z0-9_]*\)(.*/\1/p' "$CRAFT" | tr _ -) 2>&1 | sed 's/^/# /'
by bob -q remote add evil "$T/evil"
before=$(state bob)
# serve NAME: mallory's log in $T/evil is the case NAME
serve() { git --git-dir="$T/evil/.pg" update-ref "refs/pg/pub/$(key_of mallory)" "refs/cases/$1" 2>/dev/null; }
# pulled NAME KIND TEXT WHAT: bob pulls mallory's log with entry NAME: exit
# 3, the log refused as KIND, saying TEXT; bob's logs and pg ls as before,
# and fsck passes
pulled() {
	if serve "$1"; then
		run by bob pull evil
	else
		rc=-1 && : >"$T/out" && echo "the input was not made" >"$T/err"
	fi
	refused 3 "refused mallory ($MAL): $2: " "$4: refused as $2"
	check "  ...saying: $3" grep -qF -- "$3" "$T/out"
	check "  ...bob's logs and pg ls as before, fsck passes" same bob "$before"
}

# --- objects: signed by mallory's key, in her signed entry, yet not canonical
# (every form pg refuses is a second spelling someone could sign)
pulled obj-crlf invalid "object contains a carriage return" "an object with CRLF line ends"
pulled obj-trailing-space invalid "line 6: field 'level': 'low ' is not one of" "a value with a trailing space"
pulled obj-dup-field invalid "field 'level' appears 2 times" "a field given twice"
pulled obj-tab invalid "line 5: expected 'key value'" "a tab between key and value"
pulled obj-latin1 invalid "body is not valid UTF-8" "a body in Latin-1"
pulled obj-overlong invalid "body is not valid UTF-8" "a body with '/' as the overlong C0 AF"
pulled obj-nul invalid "object contains a NUL byte" "a NUL byte in a body"
pulled obj-date-past-int64 invalid "line 4: date 9223372036854775808 is past the largest pg reads" "a date of 2^63"
pulled obj-date-40-digits invalid "line 4: date must be seconds since the epoch" "a date of 40 digits"
pulled obj-upper-hex invalid "line 3: author must be 64 lowercase hex digits" "the author's key in upper case"
pulled obj-long-line invalid "line 8: longer than 4096 bytes" "a body line of 5000 bytes"
pulled obj-newer-format invalid "line 1: expected 'pg 1' (not a pg object, or a newer format)" "'pg 2'"
# forged: a signature by another key; another key's object in this log;
# a manifest posing as an object
pulled obj-forged-sig integrity "signature does not verify against the author's key" "mallory's object signed by alice's key"
pulled obj-other-author integrity "signed by another key than the log's publisher" "alice's own object in mallory's log"
pulled obj-manifest invalid "a log manifest stored as an object" "a log manifest as an object"
pulled obj-payload-size integrity "payload is 10240 bytes, its object says 10239 (it was not read)" \
	"a payload one byte longer than its object says"

# --- logs: the signed manifest and the git commit around it
pulled log-nul invalid "holds a NUL byte: its message must be the manifest, byte for byte" \
	"a NUL and unsigned bytes after the manifest, in the commit message"
pulled log-extra-newline invalid "manifest: truncated object: the last line must be 'sig <128 hex>'" \
	"one more newline after the manifest"
pulled log-crlf invalid "manifest: object contains a carriage return" "a manifest with CRLF line ends"
pulled log-seq-zero-pad invalid "field 'seq': '02' is not a decimal number without leading zeros" "seq 02"
pulled log-seq-30-digits invalid "field 'seq': '999999999999999999999999999999' is not a decimal" "a seq of 30 digits"
pulled log-seq-max integrity "seq 9223372036854775807 follows seq 1 (must go up by exactly one)" "seq 2^63-1 after seq 1"
pulled log-no-prev integrity "entry does not name the previous manifest" "an entry without prev"
pulled log-missing-object integrity "is in the manifest but not in the tree" "a manifest listing an object the tree lacks"
pulled log-dup-add invalid "manifest adds one object twice" "a manifest adding one object twice"
pulled log-merge integrity "log commit has 2 parents" "a commit with a second parent"
pulled log-removes integrity "tree changes 'o/" "a tree that drops an object an earlier entry added"
pulled log-gitlink integrity "tree adds 2 files, the manifest accounts for 1" "a submodule entry in the tree"
pulled log-no-identity invalid "log $MAL seq 1 (commit" "a log rewritten from the root, not beginning with its identity"
check "  ...because it must begin with the publisher's identity" \
	grep -qF "a log must begin with its publisher's identity" "$T/out"

# --- payloads: an interface whose payload tar writes outside its directory,
# through links, as devices or setuid, or far more than it weighs
pulled tar-dotdot invalid "payload entry '../evil': path with '..'" "a payload path that climbs out"
pulled tar-absolute invalid "payload entry '/tmp/evil': absolute path" "an absolute payload path"
pulled tar-symlink-out invalid "payload entry 'l': symlink to '/etc' leaves the tree" "a symlink out, then a file through it"
pulled tar-through-link invalid "payload entry 'l/x' lies below the symlink 'l'" "a symlink inside, then a file through it"
pulled tar-hardlink invalid "payload entry 'b': hard links are not allowed" "a hard link"
pulled tar-device invalid "payload entry 'null': devices, fifos and sockets are not allowed" "a character device"
pulled tar-fifo invalid "payload entry 'pipe': devices, fifos and sockets are not allowed" "a FIFO"
pulled tar-setuid invalid "payload entry 'run': mode 4755" "a setuid file"
pulled tar-world-writable invalid "payload entry 'd': mode 0777" "a world-writable directory"
pulled tar-8gib invalid "payload holds more than 67108864 bytes" "a header claiming 8 GiB"
pulled tar-10001 invalid "payload has more than 10000 entries" "10001 entries"
pulled tar-gzip-bomb invalid "payload is not a tar archive" "a gzip bomb (16 MiB of zeros in 16 KiB)"
pulled tar-overlong-name invalid "payload entry 1: path is not valid UTF-8" "a name '..<C0 AF>evil' (an overlong '/')"
pulled tar-pax-path invalid "payload entry '../../evil': path with '..'" "a pax path that climbs out under a harmless name"
pulled tar-gnu-longname invalid "payload entry '../../../" "a GNU long name that climbs out"
pulled tar-twice invalid "payload entry 'a' appears twice" "one path twice (the second overwrites)"
pulled tar-cut invalid "payload is damaged: Truncated" "a tar cut off inside a file"

# --- bundles: compressed otherwise, bombs, a refs or header almost right;
# imported into zed's empty store
bp=$T/bparts
mkdir -p "$bp"
by mallory bundle create -q "$T/good.pgb" >/dev/null
zstd -dcq "$T/good.pgb" | tar -x -C "$bp"
REFS=$(cat "$bp/refs")
H="pg-bundle=@$bp/pg-bundle" R="refs=@$bp/refs" P="pack=@$bp/pack"
# mkbundles OUT ENTRY... [-- OUT ENTRY...]: $T/OUT, a tar of the entries in
# that order, compressed as OUT's name says (.gz.pgb, .xz.pgb, else zstd).
# ENTRY is NAME=@FILE, NAME=TEXT, NAME=hard:TARGET or NAME=paxsize:N.
mkbundles() {
	python3 - "$T" "$@" <<'EOF'
import gzip, io, lzma, subprocess, sys, tarfile
dest, args = sys.argv[1], sys.argv[2:]
while args:
    n = args.index("--") if "--" in args else len(args)
    out, entries, args = args[0], args[1:n], args[n + 1:]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, _, content = e.partition("=")
            i = tarfile.TarInfo(name)
            i.mode, data = 0o644, None
            if content.startswith("hard:"):
                i.type, i.linkname = tarfile.LNKTYPE, content[5:]
            elif content.startswith("paxsize:"):
                i.pax_headers = {"size": content[8:]}
            else:
                data = open(content[1:], "rb").read() if content[:1] == "@" else \
                    content.encode("utf-8", "surrogateescape")
                i.size = len(data)
            t.addfile(i, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    z = gzip.compress(raw) if out.endswith(".gz.pgb") else lzma.compress(raw) if out.endswith(".xz.pgb") else \
        subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    open(dest + "/" + out, "wb").write(z)
EOF
}
mkbundles gzip.gz.pgb "$H" "$R" "$P" -- xz.xz.pgb "$H" "$R" "$P" -- \
	paxsize.pgb "$H" "$R" "pack=paxsize:99999999999999" -- hard.pgb "$H" "$R" "pack=hard:refs" -- \
	hcrlf.pgb "pg-bundle=pg bundle 1"$'\r\n' "$R" "$P" -- hzero.pgb "pg-bundle=pg bundle 01"$'\n' "$R" "$P" -- \
	hhuge.pgb "pg-bundle=pg bundle $(printf '9%.0s' $(seq 40))"$'\n' "$R" "$P" -- \
	rcrlf.pgb "$H" "refs=$REFS"$'\r\n' "$P" -- rspace.pgb "$H" "refs=$REFS "$'\n' "$P" -- \
	rtwice.pgb "$H" "refs=$REFS"$'\n'"$REFS"$'\n' "$P" -- \
	rzero.pgb "$H" "refs=${REFS% * *} $(printf '0%.0s' $(seq 40)) -"$'\n' "$P" -- \
	roverlong.pgb "$H" "refs=${REFS% -} "$'\xc0\xad\n' "$P"
# a zstd frame of 7630 RLE blocks of 128 KiB of zeros: 1 GB from 30 KB
{ printf '\x28\xb5\x2f\xfd\x00\x38'; printf '\x02\x00\x10\x00%.0s' $(seq 7629); printf '\x03\x00\x10\x00'; } >"$T/zeros.pgb"
zstd -dcq "$T/good.pgb" | zstd -q --long=31 -c >"$T/window.pgb"
zbefore=$(state zed)
# imported FILE TEXT WHAT: importing FILE into zed's store exits 3 saying
# TEXT; zed's store as it was, fsck passes
imported() {
	run by zed bundle import "$T/$1"
	refused 3 "$2" "$3"
	check "  ...zed's store as it was, fsck passes" same zed "$zbefore"
}
imported gzip.gz.pgb "not a pg bundle (a zstd-compressed tar), or is damaged or cut short: Unrecognized archive format" \
	"a bundle compressed with gzip"
imported xz.xz.pgb "not a pg bundle (a zstd-compressed tar), or is damaged or cut short" "a bundle compressed with xz"
imported window.pgb "Frame requires too much memory for decoding" "a zstd frame that asks for a 2 GiB window"
imported paxsize.pgb \
	"its 'pack' would hold 99999999999999 bytes, more than the 4294967296 allowed (PG_FETCH_MAX) (it was not read)" \
	"a pax header that makes the pack 99 TB"
imported hard.pgb "its 'pack' is a hard link, not a regular file" "a pack that is a hard link to refs"
imported hcrlf.pgb "its pg-bundle entry is not 'pg bundle 1'" "the header with CRLF"
imported hzero.pgb "its pg-bundle entry is not 'pg bundle 1'" "the header 'pg bundle 01'"
check "  ...not taken for a newer version" sh -c "! grep -q 'newer' '$T/err'"
imported hhuge.pgb "its pg-bundle entry is not 'pg bundle 1'" "the header 'pg bundle 999...' (40 digits)"
imported rcrlf.pgb "refs line 1 is not '<publisher key> <tip commit> <base commit or ->'" "a refs line with CRLF"
imported rspace.pgb "refs line 1 is not '<publisher key> <tip commit> <base commit or ->'" "a refs line with a trailing space"
imported rtwice.pgb "refs line 2 is not in publisher order (or names a publisher twice)" "a publisher twice in refs"
imported rzero.pgb "refs line 1 is not '<publisher key>" "a tip of 40 zeros"
imported roverlong.pgb "refs line 1 is not '<publisher key>" "a base of '-' spelt as the overlong C0 AD"

# logs in bundles: the checks of a fetch; and bombs, refused before they
# are inflated (the peak memory of each import against a good one's): the
# zstd bomb above, and git objects that inflate to 64 MiB from 64 KiB
serve obj-forged-sig && PG_HOME=$T/mallory.home "$PG" -C "$T/evil" bundle create -q "$T/forged.pgb" >/dev/null 2>&1
imported forged.pgb "integrity: log $MAL seq 2 (commit" "a bundle of mallory's log with an object signed by alice"
check "  ...naming the forged signature" grep -qF "signature does not verify against the author's key" "$T/out"
# each NAME.pgb into a new store: NAME.out, NAME.err, and NAME.rss: the
# exit code and the peak memory in KiB
python3 - "$T" "$PG" good zeros bomb-object bomb-payload bomb-commit <<'EOF'
import os, subprocess, sys
T, pg = sys.argv[1], sys.argv[2]
env = dict(os.environ, PG_HOME=T + "/zed.home")
for f in sys.argv[3:]:
    d = "%s/import-%s" % (T, f)
    os.makedirs(d)
    subprocess.run([pg, "-C", d, "init", "-q"], env=env, check=True)
    with open("%s/%s.out" % (T, f), "w") as o, open("%s/%s.err" % (T, f), "w") as e:
        p = subprocess.Popen([pg, "-C", d, "bundle", "import", "%s/%s.pgb" % (T, f)], env=env, stdout=o, stderr=e)
        _, status, ru = os.wait4(p.pid, 0)
    open("%s/%s.rss" % (T, f), "w").write("%d %d\n" % (os.waitstatus_to_exitcode(status), ru.ru_maxrss))
EOF
read -r rc base_rss <"$T/good.rss"
check "a good bundle imports into a new store (peak $((base_rss / 1024)) MiB)" test "$rc" -eq 0
for b in zeros bomb-object bomb-payload bomb-commit; do
	cp "$T/$b.out" "$T/out" && cp "$T/$b.err" "$T/err" && read -r rc rss <"$T/$b.rss"
	kb=$(($(stat -c %s "$T/$b.pgb") / 1024))
	case $b in
	zeros) refused 3 "is not a whole pg bundle: it ends before its 'pg-bundle'" "a zstd bomb: 1 GB of zeros in $kb KiB" ;;
	bomb-object) refused 3 "object larger than 1048576 bytes (67108864; it was not read)" \
		"a bundle whose object inflates to 64 MiB ($kb KiB on disk)" ;;
	bomb-payload) refused 3 "payload is 67108864 bytes, its object says 10240 (it was not read)" \
		"a bundle whose payload inflates to 64 MiB ($kb KiB on disk)" ;;
	bomb-commit) refused 3 "bytes, more than a log entry can (1052672); it was not read" \
		"a bundle whose commit inflates to 64 MiB ($kb KiB on disk)" ;;
	esac
	check "  ...refused before it is inflated: peak $((rss / 1024)) MiB, a good import's $((base_rss / 1024)) MiB" \
		test "$rss" -lt $((base_rss + 32 * 1024))
	check "  ...the store as it was, fsck passes" sh -c "[ -z \"\$(git --git-dir='$T/import-$b/.pg' for-each-ref)\" ] &&
		PG_HOME='$T/zed.home' '$PG' -C '$T/import-$b' fsck >/dev/null 2>&1"
done

# --- pg.yaml: YAML tricks, and values that are almost right; bob publishes
# refused_file CODE TEXT WHAT CMD...: CMD exits CODE saying TEXT; bob's
# logs as they were (and pg ls too, checked once a section by unchanged:
# pg starts slowly under ASan)
refused_file() {
	local code=$1 text=$2 what=$3
	shift 3
	run "$@"
	refused "$code" "$text" "$what"
	check "  ...bob's logs as they were" test "$(logs bob)" = "$logs"
}
logs() { git --git-dir="$T/$1/.pg" for-each-ref --format='%(refname) %(objectname)' refs/pg/pub; }
# mark: bob's store now, for refused_file and unchanged
mark() { before=$(state bob) logs=$(logs bob); }
# unchanged WHAT: bob's logs and pg ls are as at the last mark
unchanged() { check "$1 left bob's store as it was (logs and pg ls)" test "$(state bob)" = "$before"; }
mark
# rep N TEXT: TEXT N times over
rep() { printf "%$1s" "" | sed "s/ /$2/g"; }
# laughs: nine levels of anchors, each level nine aliases of the one before
laughs() {
	local i
	echo "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "l$i: &l$i [$(rep 8 "*l$((i - 1)), ")*l$((i - 1))]"
	done
}
# published NAME TEXT WHAT: $T/y/NAME gets stdin as its pg.yaml, and an
# interface.pgi; pg publish of it exits 3 saying TEXT (y/NAME/pg.yaml:...)
published() {
	mkdir -p "$T/y/$1" && printf 'fn f() -> bool;\n' >"$T/y/$1/interface.pgi" && cat >"$T/y/$1/pg.yaml"
	refused_file 3 "y/$1/pg.yaml$2" "$3" by bob publish "$T/y/$1"
}
published laughs ":4:10: aliases (*name) are not allowed" "pg.yaml: billion laughs (nine levels of nine aliases)" \
	< <(printf 'type: interface\nname: x::y\n'; laughs)
published deep ":3:43: nested too deeply: at most 32 levels" "pg.yaml: 100000 levels of lists" \
	< <(printf 'type: interface\nname: x::y\nbaseline: %s\n' "$(rep 100000 '[')")
published dup ":4:1: duplicate key: name" "pg.yaml: a key twice" \
	< <(printf 'type: interface\nname: x::y\ndescription: a\nname: x::z\n')
start=$(date +%s%N)
published keys ":3:538792: duplicate key: k7" "pg.yaml: 50000 keys, the last one repeating the eighth" \
	< <(printf 'type: interface\nname: x::y\nbaseline: {'; seq 0 49989 | sed 's/.*/k&: 1, /' | tr -d '\n'; echo 'k7: 2}')
took=$((($(date +%s%N) - start) / 1000000))
check "  ...found at once (${took} ms), not by comparing each key with all before it" test "$took" -lt 10000
published latin1 ":3:17: YAML syntax error: incomplete UTF-8 octet sequence: the file must be UTF-8 text" \
	"pg.yaml: Latin-1, not UTF-8" < <(printf 'type: interface\nname: x::y\ndescription: caf\xe9\n')
published overlong ":2:11: YAML syntax error: invalid length of a UTF-8 sequence" \
	"pg.yaml: a name with '/' as the overlong C0 AF" < <(printf 'type: interface\nname: "x::\xc0\xafy"\n')
published nul ":3:15: YAML syntax error: control characters are not allowed (0x00)" "pg.yaml: a raw NUL byte" \
	< <(printf 'type: interface\nname: x::y\ndescription: a\0b\n')
published nulesc ":3:14: NUL character in a value" "pg.yaml: a NUL by escape" \
	< <(printf 'type: interface\nname: x::y\ndescription: "a\\0b"\n')
published space ":2:7: name: " "pg.yaml: a name with a trailing space, quoted" \
	< <(printf 'type: interface\nname: "x::y "\n')
published cr ":5:6: run: " "pg.yaml: a run command of two lines, CRLF between" \
	< <(printf 'type: impl\nname: i\ninterface: x::y\nlang: c\nrun: "./impl\\r\\nrm -rf ~"\n')
published tab ":4:1: YAML syntax error: found character that cannot start any token" "pg.yaml: a tab as indentation" \
	< <(printf 'type: interface\nname: x::y\nfiles:\n\t- a\n')
published number ":3:11: baseline: " "pg.yaml: an 80-digit number as the baseline" \
	< <(printf 'type: interface\nname: x::y\nbaseline: %s\n' "$(rep 80 9)")
published huge "' is too large (1048617 bytes, limit 1048576)" "pg.yaml: a description of 1 MiB" \
	< <(printf 'type: interface\nname: x::y\ndescription: '; head -c 1048576 /dev/zero | tr '\0' x; echo)
published twodocs ":3:1: more than one document" "pg.yaml: a second document" \
	< <(printf 'type: interface\nname: x::y\n---\ntype: impl\n')
unchanged "every pg.yaml above"
# CRLF line ends and trailing blanks change no meaning: the same object,
# which bob already holds
mkdir -p "$T/y/plain" && printf 'fn f() -> bool;\n' >"$T/y/plain/interface.pgi"
printf 'type: interface\nname: hostile::plain\n' >"$T/y/plain/pg.yaml"
by bob publish -q "$T/y/plain" >/dev/null
before=$(state bob)
printf 'type: interface   \r\nname: hostile::plain \t\r\n' >"$T/y/plain/pg.yaml"
run by bob publish "$T/y/plain"
check "pg.yaml with CRLF and trailing blanks means the same: nothing new to publish" \
	sh -c "[ $rc -eq 0 ] && grep -q 'unchanged' '$T/err'"
check "  ...bob's store as it was" test "$(state bob)" = "$before"

# --- cases.yaml: the same tricks, and numbers no type holds; bob publishes
# specs of an interface of his own
mkdir -p "$T/num"
printf 'type: interface\nname: hostile::num\n' >"$T/num/pg.yaml"
printf 'fn add(a: i64, b: i64) -> i64;\nfn half(x: f64) -> f64;\nfn byte(x: u8) -> u8;\nfn deep(v: [[[[i32]]]]) -> u32;\n%s\n' \
	'fn len(s: str) -> u32;' >"$T/num/interface.pgi"
by bob publish -q "$T/num" >/dev/null
mark
# spec NAME TEXT WHAT: a spec of hostile::num whose cases.yaml is stdin;
# pg publish exits 3 saying TEXT (spec/NAME/cases.yaml:...)
spec() {
	mkdir -p "$T/spec/$1"
	printf 'type: spec\nname: %s\ninterface: hostile::num\n' "$1" >"$T/spec/$1/pg.yaml"
	cat >"$T/spec/$1/cases.yaml"
	refused_file 3 "spec/$1/cases.yaml:$2" "$3" by bob publish "$T/spec/$1"
}
ADD='cases:\n  - {call: add, args: [1, 1], expect: 2}\n'
spec laughs "2:10: aliases (*name) are not allowed" "cases.yaml: billion laughs" < <(laughs; printf "$ADD")
spec deep "2:54: nested too deeply: at most 32 levels" "cases.yaml: an argument nested 40 deep" \
	< <(printf 'cases:\n  - {call: deep, args: [%s%s], expect: 0}\n' "$(rep 40 '[')" "$(rep 40 ']')")
spec dup "2:42: duplicate key: call" "cases.yaml: a case with call twice" \
	< <(printf 'cases:\n  - {call: add, args: [1, 1], expect: 2, call: half}\n')
spec bigint "2:24: case 1 argument a: 123456789012345678901234567890 is out of range for i64" "cases.yaml: a 30-digit i64" \
	< <(printf 'cases:\n  - {call: add, args: [123456789012345678901234567890, 1], expect: 2}\n')
spec bigfloat "2:25: case 1 argument x: 1e999999 is out of range for f64" "cases.yaml: 1e999999 as an f64" \
	< <(printf 'cases:\n  - {call: half, args: [1e999999], expect: 1}\n')
spec hexbyte "2:25: case 1 argument x: 0x100 is out of range for u8 (0..255)" "cases.yaml: 0x100 as a u8" \
	< <(printf 'cases:\n  - {call: byte, args: [0x100], expect: 1}\n')
spec bigexpect "2:39: case 1 expect: -99999999999999999999 is out of range for i64" "cases.yaml: an expected i64 of 20 digits" \
	< <(printf 'cases:\n  - {call: add, args: [1, 1], expect: -99999999999999999999}\n')
spec bigcount "2:24: random 1: expected a whole number from 1 to 100000, got '99999999999999999999999'" \
	"cases.yaml: a random count of 23 digits" < <(printf 'random:\n  - {call: add, count: 99999999999999999999999}\n')
spec bigseed "2:23: random 1: expected a whole number from 0 to 18446744073709551615" "cases.yaml: a seed of 2^64" \
	< <(printf 'random:\n  - {call: add, seed: 18446744073709551616}\n')
spec timeout "1:10: timeout (seconds): expected a number from 0.001 to 600, got '1e308'" "cases.yaml: a timeout of 1e308 s" \
	< <(printf "timeout: 1e308\\n$ADD")
spec nan "1:12: tolerance: expected a number from 0 to 1e+300, got '.nan'" "cases.yaml: a tolerance of NaN" \
	< <(printf "tolerance: .nan\\n$ADD")
spec surrogate "2:56: YAML syntax error: invalid Unicode character (0xd800)" "cases.yaml: an encoded surrogate (ED A0 80)" \
	< <(printf 'cases:\n  - {call: add, args: [1, 1], expect: 2, description: "\xed\xa0\x80"}\n')
spec overlong "2:25: YAML syntax error: invalid length of a UTF-8 sequence" \
	"cases.yaml: a string argument with the overlong C0 AF" \
	< <(printf 'cases:\n  - {call: len, args: ["\xc0\xaf"], expect: 1}\n')
spec tab "3:1: YAML syntax error: found a tab character that violates indentation" "cases.yaml: a tab as indentation" \
	< <(printf 'cases:\n  - call: add\n\targs: [1, 1]\n')
spec nodes "2:" "cases.yaml: 100001 numbers in one argument" \
	< <(printf 'cases:\n  - {call: deep, args: [[[[%s1]]]], expect: 0}\n' "$(rep 100000 '1, ')")
check "  ...too many nodes, at most 100000" grep -qF "too many nodes: at most 100000 values, keys and lists" "$T/err"
unchanged "every cases.yaml above"

# --- pg.lock: the same tricks, in the file pg build trusts for ids; bob
# builds from $T/lock/NAME.lock, which stays as it was; nothing is built
mkdir -p "$T/lock"
# locked NAME TEXT WHAT: pg build --lock NAME.lock (stdin) exits 3 saying TEXT
locked() {
	cat >"$T/lock/$1.lock"
	cp "$T/lock/$1.lock" "$T/lock/$1.orig"
	refused_file 3 "lock/$1.lock:$2" "$3" by bob build --lock "$T/lock/$1.lock"
	check "  ...the lock as it was, nothing built or linked" \
		sh -c "cmp -s '$T/lock/$1.lock' '$T/lock/$1.orig' && [ ! -e '$T/bob/pg-build' ]"
}
A64=$(rep 64 a)
# pin IFACE-ID: one pin, the other ids made up
pin() {
	printf '  - interface: sort::u32\n    interface-id: %s\n    impl: %s\n    name: sort-c\n    lang: c\n' "$1" "$(rep 64 b)"
	printf '    payload: %s\n' "$(rep 64 c)"
}
locked laughs "4:10: aliases (*name) are not allowed" "pg.lock: billion laughs" < <(printf 'version: 1\npins: []\n'; laughs)
locked deep "2:39: nested too deeply: at most 32 levels" "pg.lock: pins nested 1000 deep" \
	< <(printf 'version: 1\npins: %s%s\n' "$(rep 1000 '[')" "$(rep 1000 ']')")
locked dup "3:1: duplicate key: version" "pg.lock: version twice" < <(printf 'version: 1\npins: []\nversion: 1\n')
locked latin1 "3:6: YAML syntax error: incomplete UTF-8 octet sequence" "pg.lock: a comment in Latin-1" \
	< <(printf 'version: 1\npins: []\n# caf\xe9\n')
locked bigversion "1:10: unsupported version (this pg reads version 1)" "pg.lock: a version of 36 digits" \
	< <(printf 'version: 100000000000000000000000000000000001\npins: []\n')
locked version10 "1:10: unsupported version (this pg reads version 1)" "pg.lock: version 1.0" \
	< <(printf 'version: 1.0\npins: []\n')
locked space "4:19: '$A64 ' is not an id" "pg.lock: an id with a trailing space" \
	< <(printf 'version: 1\npins:\n'; pin "\"$A64 \"")
locked nul "4:19: NUL character in a value" "pg.lock: an id ending in a NUL by escape" \
	< <(printf 'version: 1\npins:\n'; pin "\"${A64%a}\\0\"")
locked many "3:3: more than 1000 pins" "pg.lock: 1001 pins" < <(printf 'version: 1\npins:\n'; rep 1001 '  - {}\n')
unchanged "every pg.lock above"

# --- wire replies: implementations that answer in JSON pg must not trust;
# pg verify --no-publish of each is a failure with the reason, exit 1
mkdir -p "$T/echo/if" "$T/echo/spec"
printf 'type: interface\nname: hostile::echo\n' >"$T/echo/if/pg.yaml"
printf 'fn echo(x: i64) -> i64;\n' >"$T/echo/if/interface.pgi"
printf 'type: spec\nname: echo-spec\ninterface: hostile::echo\n' >"$T/echo/spec/pg.yaml"
printf 'timeout: 5\ncases:\n  - {description: one, call: echo, args: [1], expect: 1}\n' >"$T/echo/spec/cases.yaml"
by bob publish -q "$T/echo/if" "$T/echo/spec" >/dev/null
mark
# answers NAME ANSWER TEXT WHAT: an impl that answers each call with the
# bytes of the python expression ANSWER (i: the request's id, as bytes);
# verify exits 1 showing TEXT
answers() {
	mkdir -p "$T/w/$1"
	printf 'type: impl\nname: %s\ninterface: hostile::echo\nlang: python\nrun: python3 impl.py\n' "$1" >"$T/w/$1/pg.yaml"
	cat >"$T/w/$1/impl.py" <<EOF
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "shutdown" in r:
        break
    i = b"%d" % r["id"]
    sys.stdout.buffer.write($2 + b"\n")
    sys.stdout.flush()
EOF
	refused_file 1 "$3" "$4" by bob verify --no-publish "$T/w/$1"
}
J='b"{\"id\":" + i + b",\"ok\":'
answers deep "$J\" + b\"[\" * 100000 + b\"]\" * 100000 + b\"}\"" \
	"(at byte 2061: maximum parsing depth reached near '[')" "an answer nested 100000 deep"
answers bigint "$J"'123456789012345678901234567890}"' "(at byte 43: too big integer)" "an answer of 30 digits"
answers bigreal "$J"'1e999}"' "(at byte 18: real number overflow near '1e999')" "an answer of 1e999"
answers latin1 "$J"'\"caf\xe9\"}"' "(at byte 17: unable to decode byte 0xe9 near '\"caf')" "an answer in Latin-1"
answers overlong "$J"'\"\xc0\xaf\"}"' "(at byte 14: unable to decode byte 0xc0 near '\"')" "an answer with the overlong C0 AF"
answers dupkey "$J"'1,\"ok\":2}"' "(at byte 19: duplicate object key near '\"ok\"')" "an answer with ok twice"
answers dupid 'b"{\"id\":" + i + b",\"id\":" + i + b",\"ok\":1}"' "duplicate object key near '\"id\"'" "an answer with id twice"
answers floatid 'b"{\"id\":" + i + b".0,\"ok\":1}"' "protocol: an answer without an integer id" "an id of 0.0"
answers bigid 'b"{\"id\":18446744073709551616,\"ok\":1}"' "(at byte 26: too big integer near '18446744073709551616')" \
	"an id of 2^64"
answers bigstr "$J"'\"99999999999999999999\"}"' "answer does not fit i64" "an i64 of 20 digits, as a string"
check "  ...out of range, not wrapped" grep -qF '"99999999999999999999" is out of range for i64' "$T/out"
answers hugeline "$J"'\"" + b"x" * (17 << 20) + b"\"}"' "protocol: an answer line longer than 16 MiB" "an answer line of 17 MiB"
answers escapes 'b"{\"id\":" + i + b",\"error\":\"\\u001b]0;owned\\u0007\\u001b[2J\\nfirst failure: none\"}"' \
	'error "\u001B]0;owned\u0007\u001B[2J\nfirst failure: none"' "an error message of escape sequences and a forged line"
check "  ...shown escaped: no ESC byte reaches the terminal" sh -c "! grep -q \$(printf '\\033') '$T/out'"
answers hugeerror 'b"{\"id\":" + i + b",\"error\":\"" + b"A" * (15 << 20) + b"\"}"' 'error "AAAA' "an error message of 15 MiB"
check "  ...shown cut at 400 bytes ($(wc -c <"$T/out") bytes of output)" test "$(wc -c <"$T/out")" -lt 4096

unchanged "every implementation above"

echo "# $inputs crafted inputs"
check "at least 40 crafted inputs" test "$inputs" -ge 40
echo "# $n tests"
