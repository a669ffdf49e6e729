# t_build.sh - what a user relies on from pg build and pg.lock: the best
# verified impl of sort::u32 and checksum::crc32 built in the sandbox,
# linked under pg-build/ and pinned by id in pg.lock (the documented YAML);
# 'pg build' alone rebuilding exactly the pins, byte for byte the same lock;
# -o and --lock; every refusal (a malformed lock, a pin that no longer
# matches the store, a blocked impl, no lock, nothing verified) with its
# exit code and pg.lock:line:col, leaving pg.lock and pg-build/ as they
# were; and all or nothing: when one interface of several fails, nothing
# changes, links already replaced are put back.
. "$(dirname "$0")/lib.sh"
O=$ROOT/objects
# builds are cached in this store's .pg/cache (see t_verify.sh)
chmod 755 "$T"

# idof TYPE NAME: the full id of the one published object of that name
idof() { "$PG" ls --type "$1" --name "$2" --json | python3 -c 'import json,sys; (o,) = json.load(sys.stdin); print(o["id"])'; }
# field ID KEY: from pg show --json ID: id, name, lang, payload (its id), interface
field() {
	"$PG" show --json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
k = sys.argv[1]
print(d["payload"]["id"] if k == "payload" else d["fields"]["interface"] if k == "interface" else d[k])' "$2"
}
# pin IMPL [INTERFACE-NAME]: a pin of IMPL as pg writes it, from the store
pin() {
	local i=$1 ifid
	ifid=$(field "$i" interface)
	printf '  - interface: %s\n    interface-id: %s\n    impl: %s\n    name: %s\n    lang: %s\n    payload: %s\n' \
		"${2:-$(field "$ifid" name)}" "$ifid" "$i" "$(field "$i" name)" "$(field "$i" lang)" "$(field "$i" payload)"
}
head_lines() {
	printf "# pg.lock - written by 'pg build INTERFACE'; 'pg build' rebuilds exactly this.\n"
	printf '# Each pin names an implementation and its payload by hash.\nversion: 1\npins:\n'
}
# state: what pg build may change, as text: the lock's bytes (hashed) and
# every entry of pg-build/ with where it links
state() {
	if [ -e pg.lock ]; then sha256sum <pg.lock; else echo "no pg.lock"; fi
	if [ -d pg-build ]; then
		local f
		for f in $(ls -A pg-build); do
			if [ -L "pg-build/$f" ]; then echo "$f -> $(readlink "pg-build/$f")"; else echo "$f (not a link)"; fi
		done
	else
		echo "no pg-build/"
	fi
}
# refused CODE TEXT WHAT CMD...: exits CODE saying TEXT, and pg.lock and
# pg-build/ are as they were
refused() {
	local code=$1 text=$2 what=$3 before
	shift 3
	before=$(state)
	expect_err "$code" "$text" "$what" "$@"
	local after
	after=$(state)
	if [ "$after" = "$before" ]; then
		ok "  ...pg.lock and pg-build/ unchanged"
	else
		not_ok "  ...pg.lock and pg-build/ unchanged"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	fi
}
# runs LINK: the run command pg build printed for LINK, run there on one request
# (a line of JSON on stdin); its answer on stdout
runs() { (cd "$1" && sh -c "$(sed -n "s|^  run it from $1 with: ||p" "$T/err" | tail -1)"); }

mkdir -p "$T/s"
cd "$T/s"
"$PG" init -q && "$PG" id new --name alice -q >/dev/null

# --- 1. the corpus, verified -------------------------------------------------------
expect 0 "publish sort::u32 and checksum::crc32 (interface, spec, impls), codec::base64 (interface, impl)" \
	"$PG" publish -q "$O"/sort-u32/{interface,spec,impl-c-qsort,impl-c-radix,impl-py} \
	"$O"/checksum-crc32/{interface,spec,impl-c-bitwise,impl-c-table,impl-py} "$O"/codec-base64/{interface,impl-c}
expect 0 "pg verify sort::u32 and checksum::crc32: every impl passes" "$PG" verify -q sort::u32 checksum::crc32
sort_if=$(idof interface sort::u32)
b64_if=$(idof interface codec::base64)
sort_impls=" $(idof impl sort-c-qsort) $(idof impl sort-c-radix) $(idof impl sort-py) "
# an impl of checksum::crc32 that does not build (published after the verify)
mkdir -p "$T/src"
cp -r "$O/checksum-crc32/impl-c-table" "$T/src/broken"
sed -i 's/^name: .*/name: crc32-c-broken/' "$T/src/broken/pg.yaml"
echo '#error this impl does not build' >>"$T/src/broken/impl.c"
"$PG" publish -q "$T/src/broken" >/dev/null
broken=$(idof impl crc32-c-broken)

mkdir -p "$T/s/app"
cd "$T/s/app"

# --- 2. pg build INTERFACE ----------------------------------------------------------
run "$PG" build sort::u32
name=$(awk '{print $2; exit}' "$T/out")
sort_impl=$(idof impl "$name" 2>/dev/null)
check "pg build sort::u32 exits 0 and prints one line: the interface, a verified impl ($name), its id, the link" sh -c "
	[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 1 ] && [ -n '$sort_impl' ] &&
	grep -qx 'sort::u32 $name ${sort_impl:0:12} pg-build/sort-u32' '$T/out' && case '$sort_impls' in *' $sort_impl '*) ;; *) exit 1 ;; esac"
check "  ...and on stderr how to run it, why it was chosen and where it is pinned" sh -c "
	grep -q '^  run it from pg-build/sort-u32 with: ' '$T/err' &&
	grep -qxF \"  chosen: verified, but no bench claims rank it ('pg bench sort::u32')\" '$T/err' &&
	grep -qx 'pinned in pg.lock' '$T/err'"
sort_dir=$(readlink pg-build/sort-u32)
check "pg-build/sort-u32 is a symbolic link to an absolute directory holding the built program" sh -c "
	[ -L pg-build/sort-u32 ] && [ -d pg-build/sort-u32 ] && case '$sort_dir' in /*) ;; *) exit 1 ;; esac &&
	{ [ -x pg-build/sort-u32/impl ] || [ -f pg-build/sort-u32/impl.py ]; }"
check "  ...which, run as printed, sorts" test "$(printf '{"id":1,"call":"sort","args":[[3,1,2,1]]}\n' | runs pg-build/sort-u32)" = '{"id":1,"ok":[1,1,2,3]}'
{ head_lines; pin "$sort_impl" sort::u32; } >"$T/want.lock"
check "pg.lock is the documented YAML: version 1, one pin with the full ids of interface, impl and payload" \
	cmp pg.lock "$T/want.lock"
check "  ...the pin's ids are those pg show and pg ls give (interface ${sort_if:0:12}, payload of $name)" python3 - pg.lock "$sort_if" "$sort_impl" "$("$PG" show --json "$sort_impl")" <<'PY'
import json, re, sys
text, iface, impl, show = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
kv = dict(re.findall(r"^ +-? *([a-z-]+): (.*)$", text, re.M))
assert re.search(r"^version: 1$", text, re.M), text
assert kv["interface"] == "sort::u32" and kv["interface-id"] == iface == show["fields"]["interface"], kv
assert kv["impl"] == impl == show["id"] and kv["payload"] == show["payload"]["id"], kv
assert kv["name"] == show["name"] and kv["lang"] == show["lang"], kv
assert all(re.fullmatch(r"[0-9a-f]{64}", kv[k]) for k in ("interface-id", "impl", "payload")), kv
PY
cp pg.lock "$T/lock1"

run "$PG" build checksum::crc32
crc_name=$(awk '{print $2; exit}' "$T/out")
crc_impl=$(idof impl "$crc_name" 2>/dev/null)
crc_dir=$(readlink pg-build/checksum-crc32)
check "pg build checksum::crc32: links pg-build/checksum-crc32, the sort link left as it was" sh -c "
	[ $rc -eq 0 ] && [ -n '$crc_impl' ] && [ '$crc_impl' != '$broken' ] &&
	grep -qx 'checksum::crc32 $crc_name ${crc_impl:0:12} pg-build/checksum-crc32' '$T/out' &&
	[ -d pg-build/checksum-crc32 ] && [ \"\$(readlink pg-build/sort-u32)\" = '$sort_dir' ]"
check "  ...which, run as printed, gives crc32('123456789') = 0xcbf43926" \
	test "$(printf '{"id":7,"call":"crc32","args":["MTIzNDU2Nzg5"]}\n' | runs pg-build/checksum-crc32)" = '{"id":7,"ok":3421780262}'
{ head_lines; pin "$crc_impl" checksum::crc32; pin "$sort_impl" sort::u32; } >"$T/want.lock"
check "  ...pg.lock has both pins, sorted by interface name; the sort pin as it was" cmp pg.lock "$T/want.lock"
cp pg.lock "$T/good.lock"

# --- 3. pg build: exactly what the lock pins ---------------------------------------------
rm -rf pg-build
run "$PG" build
check "pg build (no argument) exits 0 and prints the two pins, in the lock's order" sh -c "
	[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = \"\$(printf '%s\n' 'checksum::crc32 $crc_name ${crc_impl:0:12} pg-build/checksum-crc32' \
		'sort::u32 $name ${sort_impl:0:12} pg-build/sort-u32')\" ]"
check "  ...the links are back, to the same builds, with the programs in them" sh -c "
	[ \"\$(readlink pg-build/sort-u32)\" = '$sort_dir' ] && [ \"\$(readlink pg-build/checksum-crc32)\" = '$crc_dir' ] &&
	ls pg-build/sort-u32/ | grep -q '^impl' && ls pg-build/checksum-crc32/ | grep -q '^impl'"
check "  ...and the lock is unchanged, byte for byte" cmp pg.lock "$T/good.lock"
check "  ...no 'pinned in' note: the lock is not rewritten" sh -c "! grep -q 'pinned in' '$T/err'"
# the build itself gone from the cache: pg build makes it again, the same
rm -rf "$sort_dir"
run "$PG" build
check "with the build deleted from the cache, pg build builds the pinned payload again (same dir, same source, runs)" sh -c "
	[ $rc -eq 0 ] && [ \"\$(readlink pg-build/sort-u32)\" = '$sort_dir' ] && [ -d '$sort_dir' ] &&
	src=\$(grep -l '^name: $name\$' '$O'/sort-u32/impl-*/pg.yaml) && [ -n \"\$src\" ] &&
	for f in \$(ls \$(dirname \$src) | grep -vx pg.yaml); do cmp -s \$(dirname \$src)/\$f '$sort_dir'/\$f || exit 1; done"
check "  ...which sorts" test "$(printf '{"id":2,"call":"sort","args":[[9,0,5]]}\n' | runs pg-build/sort-u32)" = '{"id":2,"ok":[0,5,9]}'
run "$PG" build
check "  ...twice more: the same output, the same lock (reproducible)" sh -c "
	[ $rc -eq 0 ] && cmp -s pg.lock '$T/good.lock' && [ \$(wc -l <'$T/out') -eq 2 ]"

# --- 4. -o DIR and --lock FILE --------------------------------------------------------------
before=$(state)
run "$PG" build -o out --lock my.lock sort::u32
check "pg build -o out --lock my.lock sort::u32: links out/sort-u32, pins in my.lock" sh -c "
	[ $rc -eq 0 ] && grep -qx 'sort::u32 $name ${sort_impl:0:12} out/sort-u32' '$T/out' &&
	[ \"\$(readlink out/sort-u32)\" = '$sort_dir' ] && cmp -s my.lock '$T/lock1' && grep -qx 'pinned in my.lock' '$T/err'"
check "  ...pg.lock and pg-build/ untouched" test "$(state)" = "$before"
rm -rf out
run "$PG" build --out out2 --lock my.lock
check "pg build --out out2 --lock my.lock: rebuilds my.lock's one pin into out2/, my.lock unchanged" sh -c "
	[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 1 ] && [ \"\$(readlink out2/sort-u32)\" = '$sort_dir' ] &&
	[ ! -e out ] && cmp -s my.lock '$T/lock1'"
check "  ...pg.lock and pg-build/ untouched" test "$(state)" = "$before"
expect_err 4 "no none.lock here: 'pg build INTERFACE' chooses an impl and pins it" \
	"pg build --lock none.lock without a lock there: exit 4, named" "$PG" build --lock none.lock
check "  ...and writes no none.lock" test ! -e none.lock
printf 'version: 1\npins: []\n' >empty.lock
run "$PG" build --lock empty.lock -o empty-out
check "pg build --lock of a lock without pins: exit 0, 'empty.lock pins nothing', nothing built or linked" sh -c "
	[ $rc -eq 0 ] && [ ! -s '$T/out' ] && grep -qx 'empty.lock pins nothing' '$T/err' && [ ! -e empty-out ]"

# --- 5. refusals: the lock -------------------------------------------------------------------
# The links point elsewhere than the pins' builds, so that any rebuild shows.
mkdir -p "$T/old-sort" "$T/old-crc"
ln -sfn "$T/old-sort" pg-build/sort-u32
ln -sfn "$T/old-crc" pg-build/checksum-crc32
# lock SED: pg.lock becomes the good lock edited by SED (the sort pin is at 11:5)
lock() { sed "$1" "$T/good.lock" >pg.lock; }
printf 'version: 1\npins: [\n' >pg.lock
refused 3 "pg.lock:3:1: YAML syntax error" "bad YAML: exit 3 at pg.lock:3:1" "$PG" build
refused 3 "pg.lock:3:1: YAML syntax error" "  ...with an argument too: the lock is not replaced" "$PG" build sort::u32
lock 's/^version: 1$/version: 2/'
refused 3 "pg.lock:3:10: unsupported version (this pg reads version 1)" "version: 2: exit 3 at pg.lock:3:10" "$PG" build
lock '/^version: 1$/d'
refused 3 "pg.lock:3:1: missing version: 1" "no version: exit 3 at pg.lock:3:1 (the mapping)" "$PG" build
lock '15d'
refused 3 "pg.lock:11:5: the pin has no 'lang'" "a pin without lang: exit 3 at pg.lock:11:5" "$PG" build
lock '13s/.$//'
refused 3 "pg.lock:13:11: '${sort_impl:0:63}' is not an id (64 lowercase hex digits)" \
	"a short impl id (63 digits): exit 3 at pg.lock:13:11" "$PG" build
lock '16s/payload: \(.*\)/payload: \U\1/'
refused 3 "pg.lock:16:14: '" "a payload id in upper case: exit 3 at pg.lock:16:14" "$PG" build
lock '14s/$/\n    color: red/'
refused 3 "pg.lock:15:5: unknown key 'color' in a pin" "an unknown key: exit 3 at pg.lock:15:5" "$PG" build
{ cat "$T/good.lock"; sed -n '11,16p' "$T/good.lock"; } >pg.lock
refused 3 "pg.lock:17:5: interface sort::u32 is pinned twice" "an interface pinned twice: exit 3 at pg.lock:17:5" "$PG" build

# --- 6. refusals: pins that no longer match the store -----------------------------------------
# (the sort pin is the second one: the first, good, is not rebuilt either)
absent=$(printf '%s' "$sort_impl" | tr '0-9a-f' '1-9a-f0')
lock "13s/$sort_impl/$absent/"
refused 4 "pg.lock:11:5: impl ${absent:0:12} ($name) for sort::u32 is not in this store" \
	"a pinned impl not in the store: exit 4 at pg.lock:11:5" "$PG" build
sort_pl=$(field "$sort_impl" payload)
edited=$(printf '%s' "$sort_pl" | tr '0-9a-f' '1-9a-f0')
lock "16s/$sort_pl/$edited/"
refused 3 "pg.lock:11:5: payload ${edited:0:12} does not match impl ${sort_impl:0:12}'s payload ${sort_pl:0:12}: the lock was edited by hand or is corrupt" \
	"a payload hash edited by hand: exit 3 at pg.lock:11:5" "$PG" build
lock "14s/name: .*/name: sort-c-fast/"
refused 3 "pg.lock:11:5: impl ${sort_impl:0:12} is $name (" "a name edited: exit 3 at pg.lock:11:5, 'the lock was edited'" "$PG" build
check "  ...saying the lock was edited" err_has "the lock says sort-c-fast ("
lock "15s/lang: .*/lang: rust/"
refused 3 "the lock says $name (rust): the lock was edited" "a lang edited: exit 3, 'the lock was edited'" "$PG" build
check "  ...at pg.lock:11:5" err_has "pg.lock:11:5: "
lock "12s/$sort_if/$b64_if/"
refused 3 "pg.lock:11:5: impl ${sort_impl:0:12} implements interface ${sort_if:0:12}, not the pinned ${b64_if:0:12}" \
	"an interface-id changed (to codec::base64's): exit 3 at pg.lock:11:5" "$PG" build
lock "12s/$sort_if/$(printf '%s' "$sort_if" | tr '0-9a-f' '1-9a-f0')/"
refused 3 "pg.lock:11:5: impl ${sort_impl:0:12} implements interface ${sort_if:0:12}, not the pinned" \
	"an interface-id changed (to one not in the store): exit 3 at pg.lock:11:5" "$PG" build

# --- 7. refusals: no lock, nothing verified, nothing to find ----------------------------------
mkdir -p "$T/s/empty" && cd "$T/s/empty"
refused 4 "no pg.lock here: 'pg build INTERFACE' chooses an impl and pins it" "no pg.lock and no argument: exit 4" "$PG" build
check "  ...and no pg.lock or pg-build/ made" test ! -e pg.lock -a ! -e pg-build
refused 4 "codec::base64 has no verified implementation to build (1 impl; see 'pg rank codec::base64'" \
	"an interface with no verified impl (codec::base64): exit 4" "$PG" build codec::base64
check "  ...and no pg.lock or pg-build/ made" test ! -e pg.lock -a ! -e pg-build
refused 4 "no::such" "an interface that is not there: exit 4" "$PG" build no::such
cd "$T/s/app"
cp "$T/good.lock" pg.lock
refused 4 "codec::base64 has no verified implementation to build" \
	"  ...the same next to a lock and links: exit 4" "$PG" build codec::base64

# --- 8. all or nothing --------------------------------------------------------------------
# pg build GOOD BAD, with no pg.lock and no pg-build/ before
cd "$T/s/empty"
refused 4 "codec::base64 has no verified implementation to build" \
	"pg build sort::u32 codec::base64 (never verified): exit 4" "$PG" build sort::u32 codec::base64
check "  ...no pg-build/ and no pg.lock made: sort::u32 was not linked, nor printed as built" \
	test ! -e pg-build -a ! -e pg.lock -a ! -s "$T/out"
refused 4 "no::such" "pg build sort::u32 no::such: exit 4, nothing made" "$PG" build sort::u32 no::such
check "  ...no pg-build/ and no pg.lock" test ! -e pg-build -a ! -e pg.lock
cd "$T/s/app"
# pg build (no argument) when a pin's build fails: the sort pin, first, is not linked
{ head_lines; sed -n '11,16p' "$T/good.lock"; pin "$broken" checksum::crc32; } >pg.lock
refused 3 "crc32-c-broken (${broken:0:12}) does not build" \
	"pg build with the sort pin and then a pin that does not build: exit 3" "$PG" build
check "  ...sort-u32 still links where it did, not to its build; nothing printed as built" \
	test "$(readlink pg-build/sort-u32)" = "$T/old-sort" -a ! -s "$T/out"
# a link that cannot be made: the links made before it are put back
cp "$T/good.lock" pg.lock
ln -sfn "$T/old-sort" pg-build/sort-u32
rm pg-build/checksum-crc32 && mkdir -p pg-build/checksum-crc32/mine
refused 10 "pg-build/checksum-crc32 is not a symbolic link" \
	"pg build sort::u32 checksum::crc32 with a directory at pg-build/checksum-crc32: exit 10" \
	"$PG" build sort::u32 checksum::crc32
check "  ...sort-u32 put back to where it linked before, the directory left alone" sh -c "
	[ \"\$(readlink pg-build/sort-u32)\" = '$T/old-sort' ] && [ -d pg-build/checksum-crc32/mine ]"
ln -sfn "$T/old-sort" pg-build/sort-u32
rm -r pg-build/checksum-crc32 && ln -s "$T/old-crc" pg-build/checksum-crc32
# a lock that cannot be written: the links are put back
refused 10 "nodir/pg.lock" "pg build --lock nodir/pg.lock sort::u32 checksum::crc32 (no such dir): exit 10" \
	"$PG" build --lock nodir/pg.lock sort::u32 checksum::crc32
check "  ...both links put back" sh -c "
	[ \"\$(readlink pg-build/sort-u32)\" = '$T/old-sort' ] && [ \"\$(readlink pg-build/checksum-crc32)\" = '$T/old-crc' ]"

# an earlier pg build of sort::u32, then its impl blocked: the pin is refused,
# and pg build sort::u32 BAD leaves the link to the old build
rm -rf pg-build
cp "$T/good.lock" pg.lock
expect 0 "pg build (from the good lock) links both builds again" "$PG" build
check "  ...pg-build/sort-u32 links $name's build" test "$(readlink pg-build/sort-u32)" = "$sort_dir"
expect 0 "pg block impl $name --reason x" "$PG" block -q impl "$sort_impl" --reason x
refused 3 "pg.lock:11:5: impl ${sort_impl:0:12} ($name) was blocked by you; choose another with 'pg build sort::u32'" \
	"a pin whose impl was since blocked: exit 3 at pg.lock:11:5" "$PG" build
refused 4 "codec::base64 has no verified implementation to build" \
	"pg build sort::u32 codec::base64 (sort::u32 would now be another impl): exit 4" "$PG" build sort::u32 codec::base64
check "  ...pg-build/sort-u32 still links $name's build, pg.lock still pins it" sh -c "
	[ \"\$(readlink pg-build/sort-u32)\" = '$sort_dir' ] && cmp -s pg.lock '$T/good.lock'"
run "$PG" build sort::u32
name2=$(awk '{print $2; exit}' "$T/out")
impl2=$(idof impl "$name2" 2>/dev/null)
check "pg build sort::u32 chooses again ($name2, not the blocked $name) and says what the lock pinned before" sh -c "
	[ $rc -eq 0 ] && [ -n '$impl2' ] && [ '$impl2' != '$sort_impl' ] &&
	grep -qxF 'sort::u32: was $name (${sort_impl:0:12}), now $name2 (${impl2:0:12})' '$T/err' &&
	[ \"\$(readlink pg-build/sort-u32)\" != '$sort_dir' ] && [ -d pg-build/sort-u32 ]"
{ head_lines; pin "$crc_impl" checksum::crc32; pin "$impl2" sort::u32; } >"$T/want.lock"
check "  ...the lock pins $name2, the crc32 pin kept" cmp pg.lock "$T/want.lock"
echo "# $n tests"
