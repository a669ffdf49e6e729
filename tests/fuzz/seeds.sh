#!/usr/bin/env bash
# seeds.sh - make the fuzz targets' seed inputs from the corpus in objects/
#
#     PG=build/pg bash tests/fuzz/seeds.sh
#
# Writes tests/fuzz/corpus/TARGET/seed-*: the inputs a target starts from,
# each one its reader accepts (t_fuzz.sh checks that they still are), and
# payload/bad-*, tars that break one rule each, which it must refuse.
# Objects, logs and payloads come from a store in which the geometry::circle
# and sort::u32 families were published, verified, benched and trusted;
# interfaces, specs and workloads are objects/'s own files.  Run it again
# when a format changes; the files are committed, so the tests never need
# the sandbox to make them.  hand-* and the other bad-* inputs are
# written by hand; regress-* are inputs that once broke a reader, kept as
# they were found.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pg=${PG:-$root/build/pg}
out=$root/tests/fuzz/corpus
work=$(mktemp -d /tmp/pg-seeds-XXXXXX)
trap 'rm -rf "$work"' EXIT
export HOME=$work PG_HOME=$work/home NO_COLOR=1 LC_ALL=C.UTF-8 TZ=UTC PG_NOW=1767225600
export GIT_AUTHOR_NAME=seeds GIT_AUTHOR_EMAIL=seeds@localhost GIT_COMMITTER_NAME=seeds
export GIT_COMMITTER_EMAIL=seeds@localhost
unset PG_DIR PG_PASSPHRASE

for t in object payload idl spec yaml bundle; do
	mkdir -p "$out/$t"
	rm -f "$out/$t"/seed-*
done

# interfaces, specs and workloads, as written; a spec or workload is its
# interface, a NUL byte, then the YAML
for d in "$root"/objects/*/; do
	fam=$(basename "$d")
	cp "$d/interface/interface.pgi" "$out/idl/seed-$fam.pgi"
	for s in "$d"spec*/cases.yaml; do
		{ cat "$d/interface/interface.pgi"; printf '\0'; cat "$s"; } \
			>"$out/spec/seed-$fam-$(basename "$(dirname "$s")").yaml"
	done
	{ cat "$d/interface/interface.pgi"; printf '\0'; cat "$d/bench/workload.yaml"; } \
		>"$out/spec/seed-$fam-bench.yaml"
	cp "$d/spec/cases.yaml" "$out/yaml/seed-$fam.yaml" 2>/dev/null ||
		cp "$d/spec-founding/cases.yaml" "$out/yaml/seed-$fam.yaml"
done

# a store with every kind of object
lib=$work/lib
mkdir -p "$lib"
cd "$lib"
"$pg" init -q >/dev/null
"$pg" id new --name seeds -q >/dev/null 2>&1
"$pg" publish -q "$root"/objects/{geometry-circle,sort-u32}/*/ >/dev/null
mkdir -p "$work/linky/sub/deeper"
(cd "$work/linky" &&
	printf 'type: impl\nname: circle-linky\ninterface: geometry::circle\nlang: c\nbuild: "true"\nrun: sub/run\n' >pg.yaml &&
	printf 'int main(void) { return 0; }\n' >impl.c && ln -s impl.c link.c &&
	printf '#!/bin/sh\n' >sub/deeper/run.sh && chmod +x sub/deeper/run.sh && ln -s deeper/run.sh sub/run)
linky=$("$pg" publish -q "$work/linky" | cut -d' ' -f1)
linky=$("$pg" show --json "$linky" | python3 -c 'import json, sys; print(json.load(sys.stdin)["payload"]["id"])')
"$pg" verify geometry::circle sort::u32 >/dev/null 2>&1 || true
"$pg" bench --round-ms 4 -q geometry::circle >/dev/null 2>&1 || true
# a lock: pg build's own
(cd "$work" && "$pg" -C "$lib" build -q -o "$work/out" --lock "$out/yaml/seed-two.lock" geometry::circle sort::u32 >/dev/null)
export PG_NOW=$((PG_NOW + 86400))
impl=$("$pg" ls --type impl --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
"$pg" id new --name other -q >/dev/null 2>&1
"$pg" id use seeds >/dev/null 2>&1
"$pg" trust other medium --reason 'a second reader' -q >/dev/null
"$pg" block impl "$impl" --reason 'a block, for the seeds' -q >/dev/null
"$pg" id rotate >/dev/null 2>&1
"$pg" id publish >/dev/null 2>&1 || true

# every object in o/, one of each type and result kind at most twice
git=(git --git-dir="$lib/.pg")
"${git[@]}" for-each-ref --format='%(objectname)' refs/pg/pub | while read -r tip; do
	"${git[@]}" ls-tree -r "$tip" | while read -r _ _ blob path; do
		case $path in
		o/*) "${git[@]}" cat-file blob "$blob" >"$out/object/seed-${path##*/}" ;;
		p/*) "${git[@]}" cat-file blob "$blob" >"$out/payload/seed-${path##*/}" ;;
		esac
	done
	# log manifests: the commit messages
	"${git[@]}" rev-list "$tip" | while read -r c; do
		"${git[@]}" cat-file commit "$c" | sed '1,/^$/d' >"$out/object/seed-log-$c"
	done
done
# keep a few of each type: the first two of each type and result kind,
# every identity that names a predecessor, the first log entry
python3 - "$out/object" <<'PY'
import os, sys
d = sys.argv[1]
seen = {}
for f in sorted(x for x in os.listdir(d) if x.startswith('seed-')):
    text = open(os.path.join(d, f), 'rb').read().decode()
    lines = text.split('\n')
    key = lines[1] + (' ' + lines[4] if lines[1] == 'type result' else '')
    special = '\npredecessor ' in text or '\nseq 0\n' in text
    seen[key] = seen.get(key, 0) + 1
    if seen[key] > 2 and not special:
        os.remove(os.path.join(d, f))
PY
# payloads: the smallest few, and the one with a link, a directory and an
# executable
cd "$out/payload"
ls -Sr | tail -n +5 | grep -v -F "$linky" | xargs -r rm -f

# payloads that break a rule of format.md §8.2, each the reader must refuse
rm -f "$out/payload"/bad-*
python3 - "$out/payload" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def tar(name, *entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:
        for path, kind, extra in entries:
            i = tarfile.TarInfo(path)
            i.mode = 0o755 if kind in ('d', 'x') else 0o777 if kind in ('l', 'h') else 0o644
            data = b''
            if kind == 'd':
                i.type = tarfile.DIRTYPE
            elif kind == 'l':
                i.type, i.linkname = tarfile.SYMTYPE, extra
            elif kind == 'h':
                i.type, i.linkname = tarfile.LNKTYPE, extra
            elif kind == 'c':
                i.type = tarfile.CHRTYPE
            elif kind == 'm':
                i.mode = extra
                data = b'x\n'
            else:
                data = b'x\n'
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
    open('%s/bad-%s' % (d, name), 'wb').write(b.getvalue())
tar('dotdot-path', ('a', 'd', None), ('a/../x', 'f', None))
tar('absolute-path', ('/tmp/x', 'f', None))
tar('link-up', ('l', 'l', '../x'))
tar('link-absolute', ('l', 'l', '/etc'))
tar('link-dotdot-inside', ('a', 'd', None), ('a/l', 'l', 'b/../../x'))
tar('entry-below-link', ('l', 'l', 'a'), ('l/x', 'f', None))
tar('hard-link', ('f', 'f', None), ('h', 'h', 'f'))
tar('device', ('dev', 'c', None))
tar('setuid', ('f', 'm', 0o4755))
tar('twice', ('f', 'f', None), ('f', 'f', None))
tar('dot-component', ('./f', 'f', None))
PY

cd "$lib"
# bundles, as the tar inside (fuzz_bundle compresses its inputs): one of
# the whole store, one of the last day
"$pg" bundle create "$work/all.pgb" >/dev/null 2>&1
"$pg" bundle create "$work/since.pgb" --since 12h >/dev/null 2>&1
zstd -qdc "$work/all.pgb" >"$out/bundle/seed-all.tar"
zstd -qdc "$work/since.pgb" >"$out/bundle/seed-since.tar"

ls "$out"/*/ | awk '/:$/ { d = $1 } !/:$/ && NF { n[d]++ } END { for (d in n) print n[d], d }'
