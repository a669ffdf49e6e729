# craft.py - hostile log entries for tests/integration/t_hostile_input.sh
#
#     SIGNOBJ=... PG_HOME=... [OTHER_HOME=...] python3 craft.py STORE CASE...
#
# For each CASE (a function below, '_' spelled '-'), writes into STORE an
# entry on the tip of the log of the identity in use ($PG_HOME) that plays
# the trick, and points refs/cases/CASE at it (the log's ref stays where it
# is: the test moves it to one case at a time); a bomb writes instead
# STORE/../CASE.pgb, a bundle of that log whose pack holds the bomb.  A
# case that cannot be made gets no ref.  Every object and manifest is
# signed with the real key by 'signobj raw', which checks nothing, and
# every git object is written byte for byte: what stands between these
# entries and a store is pg's readers alone.  OTHER_HOME is another
# identity's PG_HOME, for forgeries.
import hashlib, io, os, re, subprocess, sys, tarfile, zlib

STORE = sys.argv[1]
GD = os.path.join(STORE, ".pg")
KEY = open(os.path.join(os.environ["PG_HOME"], "current")).read().strip()
DATE = 1700000000
SUBJECT = b"11" * 32
WHO = b"pg <%s@pg> %d +0000" % (KEY[:16].encode(), DATE)


def git(*args, data=None):
    return subprocess.run(["git", "--git-dir", GD, *args], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


# git objects: read through one 'git cat-file --batch', written loose here
# (python and git start slowly: one process of each serves every case)
CAT = subprocess.Popen(["git", "--git-dir", GD, "cat-file", "--batch"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE)


def read(sha):
    CAT.stdin.write(sha.encode() + b"\n")
    CAT.stdin.flush()
    _, kind, size = CAT.stdout.readline().split()
    data = CAT.stdout.read(int(size))
    CAT.stdout.read(1)
    return data


def put(kind, data):
    raw = b"%s %d\0" % (kind, len(data)) + data
    sha = hashlib.sha1(raw).hexdigest()
    p = os.path.join(GD, "objects", sha[:2], sha[2:])
    if not os.path.exists(p):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p + ".tmp", "wb") as f:
            f.write(zlib.compress(raw, 1))
        os.rename(p + ".tmp", p)
    return sha


def tree_entries(tree):
    """name: (mode, sha) of each entry of a tree (a sha, or None: empty)."""
    entries, data = {}, read(tree) if tree else b""
    while data:
        head, rest = data.split(b"\0", 1)
        m, name = head.split(b" ", 1)
        entries[name] = (m, rest[:20].hex())
        data = rest[20:]
    return entries


def tree_set(tree, parts, mode, sha):
    """tree (a sha or None) with parts set to (mode, sha), or removed when
    sha is None; the new tree's sha."""
    entries = tree_entries(tree)
    name = parts[0].encode()
    if len(parts) > 1:
        sub = tree_set(entries[name][1] if name in entries else None, parts[1:], mode, sha)
        entries[name] = (b"40000", sub)
    elif sha is None:
        del entries[name]
    else:
        entries[name] = (mode.encode(), sha)
    order = sorted(entries, key=lambda n: n + b"/" if entries[n][0] == b"40000" else n)
    return put(b"tree", b"".join(entries[n][0] + b" " + n + b"\0" + bytes.fromhex(entries[n][1]) for n in order))


class Signer:
    """signobj raw, kept running: one message in, its sig line out."""

    def __init__(self, home):
        self.p = subprocess.Popen([os.environ["SIGNOBJ"], "raw"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env=dict(os.environ, PG_HOME=home))

    def __call__(self, msg):
        self.p.stdin.write(b"%d\n" % len(msg) + msg)
        self.p.stdin.flush()
        return msg + self.p.stdout.readline()


SIGNERS = {}


def sign(unsigned, home=None):
    home = home or os.environ["PG_HOME"]
    if home not in SIGNERS:
        SIGNERS[home] = Signer(home)
    return SIGNERS[home](unsigned)


def b2(b):
    return hashlib.blake2b(b, digest_size=32).hexdigest()


def unsigned(o):
    return o[:-133]


def obj(typ, fields, body=None, author=KEY, date=b"%d" % DATE, home=None):
    """A signed object; fields: the lines after date, each ending in \\n."""
    b = b"pg 1\ntype " + typ + b"\nauthor " + author.encode() + b"\ndate " + date + b"\n" + fields
    if body is not None:
        b += b"\n" + body
    return sign(b, home)


def trust(fields=b"subject " + SUBJECT + b"\nlevel low\n", body=b"a reason\n", **kw):
    """A trust object: no payload, a body; the plainest carrier of a trick."""
    return obj(b"trust", fields, body, **kw)


TIP = git("rev-parse", "refs/pg/pub/" + KEY).decode().strip()
TIPC = read(TIP)
TIPTREE = re.match(rb"tree ([0-9a-f]{40})", TIPC).group(1).decode()
TIPMSG = TIPC.split(b"\n\n", 1)[1]
SEQ = int(re.search(rb"^seq (\d+)$", TIPMSG, re.M).group(1))


def path(kind, hexid):
    return "%s/%s/%s" % (kind, hexid[:2], hexid)


def manifest(ids, seq=None, prev=None):
    m = b"pg 1\ntype log\nauthor %s\ndate %d\nseq %s\n" % (KEY.encode(), DATE, seq or b"%d" % (SEQ + 1))
    p = b2(TIPMSG).encode() if prev is None else prev
    if p:
        m += b"prev " + p + b"\n"
    return m + b"".join(b"add " + i.encode() + b"\n" for i in ids)


def commit(tree, message, parents):
    head = b"tree %s\n" % tree.encode() + b"".join(b"parent %s\n" % p.encode() for p in parents)
    return head + b"author " + WHO + b"\ncommitter " + WHO + b"\n\n" + message


def entry(objects=(), files=None, adds=None, seq=None, prev=None, raw=None, parents=None, remove=(),
          suffix=b""):
    """An entry on the tip: objects go to o/, files (path: bytes, or (mode,
    sha) of an object that need not exist) anywhere; the manifest adds the
    objects unless adds says otherwise, raw replaces it (unsigned); the
    commit's sha, also in refs/cases/CASE."""
    tree = TIPTREE if parents != [] else None
    files = dict(files or {})
    for o in objects:
        files[path("o", b2(o))] = o
    for p, data in files.items():
        mode, sha = data if isinstance(data, tuple) else ("100644", put(b"blob", data))
        tree = tree_set(tree, p.split("/"), mode, sha)
    for p in remove:
        tree = tree_set(tree, p.split("/"), None, None)
    m = raw if raw is not None else manifest(adds if adds is not None else [b2(o) for o in objects], seq, prev)
    sha = put(b"commit", commit(tree, sign(m) + suffix, [TIP] if parents is None else parents))
    os.makedirs(os.path.join(GD, "refs", "cases"), exist_ok=True)
    with open(os.path.join(GD, "refs", "cases", CASE), "w") as f:
        f.write(sha + "\n")
    return sha


def tar(*entries, fmt=tarfile.USTAR_FORMAT):
    out = io.BytesIO()
    t = tarfile.open(fileobj=out, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape")
    for info, data in entries:
        t.addfile(info, io.BytesIO(data) if data is not None else None)
    t.close()
    return out.getvalue()


def ent(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link="", pax=None):
    """A tar entry; names may carry raw bytes as surrogates (\\udcXX)."""
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.linkname = kind, mode, link
    i.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        i.pax_headers = pax
    return i, data if kind == tarfile.REGTYPE else None


def iface(payload, size=None):
    """An interface object naming payload (its size, or size), both added."""
    o = obj(b"interface", b"name hostile::payload\npayload %s %d\n"
            % (b2(payload).encode(), len(payload) if size is None else size))
    entry([o], files={path("p", b2(payload)): payload})


# --- bombs: git objects that inflate to 64 MiB from about 64 KiB --------------
BOMB = 64 << 20


def bomb(kind, head=b"", fill=b"\0"):
    """A pack record of a git object of kind (blob 3, commit 1): head, then
    fill up to BOMB more bytes; and its sha.  Compressed once: after a full
    flush no deflate block looks back, so one block stands for every MiB."""
    chunk, n = fill * (1 << 20), BOMB >> 20
    size = len(head) + BOMB
    h = hashlib.sha1(b"%s %d\0" % (b"blob" if kind == 3 else b"commit", size) + head)
    a = zlib.adler32(head)
    for _ in range(n):
        h.update(chunk)
        a = zlib.adler32(chunk, a)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    blk = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    z = b"\x78\xda" + first + blk * n + c.flush() + a.to_bytes(4, "big")
    hdr, rest = bytearray([(kind << 4) | (size & 15)]), size >> 4
    while rest:
        hdr[-1] |= 0x80
        hdr.append(rest & 0x7f)
        rest >>= 7
    return h.hexdigest(), bytes(hdr) + z


def bundle(tip, records=(), walk=None):
    """STORE/../CASE.pgb, a bundle of the whole log up to tip: git's pack of
    the objects the store holds from walk (default: tip) down, and records
    appended."""
    objs = git("rev-list", "--objects", "--missing=allow-any", walk or tip).decode().split("\n")
    pack = git("pack-objects", "--stdout", "-q", data="".join(l.split(" ")[0] + "\n" for l in objs if l).encode())
    count = int.from_bytes(pack[8:12], "big") + len(records)
    pack = pack[:8] + count.to_bytes(4, "big") + pack[12:-20] + b"".join(records)
    pack += hashlib.sha1(pack).digest()
    t = io.BytesIO()
    with tarfile.open(fileobj=t, mode="w", format=tarfile.PAX_FORMAT) as tf:
        refs = b"%s %s -\n" % (KEY.encode(), tip.encode())
        for name, data in ((b"pg-bundle", b"pg bundle 1\n"), (b"refs", refs), (b"pack", pack)):
            i = tarfile.TarInfo(name.decode())
            i.size, i.mode = len(data), 0o644
            tf.addfile(i, io.BytesIO(data))
    out = os.path.join(os.path.dirname(os.path.abspath(STORE)), CASE + ".pgb")
    subprocess.run(["zstd", "-q", "-f", "-o", out], input=t.getvalue(), check=True)
    # a ref to a tree that names a missing blob would break every local fetch
    os.unlink(os.path.join(GD, "refs", "cases", CASE))


CASES = {}


def case(f):
    CASES[f.__name__.replace("_", "-")] = f
    return f


# --- objects: validly signed, in a validly signed entry, not canonical -------
@case
def obj_crlf():  # CRLF line ends, signed as they stand
    entry([sign(unsigned(trust()).replace(b"\n", b"\r\n"))])


@case
def obj_trailing_space():  # a value with a trailing space
    entry([trust(b"subject " + SUBJECT + b"\nlevel low \n")])


@case
def obj_dup_field():  # the same field twice
    entry([trust(b"subject " + SUBJECT + b"\nlevel low\nlevel high\n")])


@case
def obj_tab():  # a tab between key and value
    entry([trust(b"subject\t" + SUBJECT + b"\nlevel low\n")])


@case
def obj_latin1():  # a body in Latin-1, not UTF-8
    entry([trust(body=b"caf\xe9\n")])


@case
def obj_overlong():  # '/' as the overlong C0 AF in the body
    entry([trust(body=b"a\xc0\xafb\n")])


@case
def obj_nul():  # a NUL byte in the body
    entry([trust(body=b"a\x00b\n")])


@case
def obj_date_past_int64():  # a date of 2^63, 19 digits like a good one
    entry([trust(date=b"9223372036854775808")])


@case
def obj_date_40_digits():  # an enormous date
    entry([trust(date=b"9" * 40)])


@case
def obj_upper_hex():  # the author key in upper case (the same key)
    entry([sign(unsigned(trust()).replace(KEY.encode(), KEY.upper().encode(), 1))])


@case
def obj_long_line():  # a body line of 5000 bytes
    entry([trust(body=b"x" * 5000 + b"\n")])


@case
def obj_newer_format():  # 'pg 2'
    entry([sign(b"pg 2" + unsigned(trust())[4:])])


@case
def obj_forged_sig():  # mallory's object, signed by alice's key
    entry([trust(home=os.environ["OTHER_HOME"])])


@case
def obj_other_author():  # alice's own object, validly signed, in mallory's log
    other = open(os.path.join(os.environ["OTHER_HOME"], "current")).read().strip()
    entry([trust(author=other, home=os.environ["OTHER_HOME"])])


@case
def obj_manifest():  # a log manifest stored as an object
    entry([sign(manifest([b2(b"x")], seq=b"1", prev=b""))])


@case
def obj_payload_size():  # a payload one byte longer than its object says
    iface(tar(ent("interface.pgi", data=b"fn f() -> bool;\n")), size=10239)


# --- logs: manifests and the commits that carry them -------------------------
@case
def log_nul():  # a NUL byte after the manifest, then unsigned bytes
    entry([trust()], suffix=b"\0and more")


@case
def log_extra_newline():  # one more newline after the manifest's sig line
    entry([trust()], suffix=b"\n")


@case
def log_crlf():  # the manifest with CRLF line ends, signed as it stands
    o = trust()
    entry([o], raw=manifest([b2(o)]).replace(b"\n", b"\r\n"))


@case
def log_seq_zero_pad():  # seq with a leading zero
    entry([trust()], seq=b"0%d" % (SEQ + 1))


@case
def log_seq_30_digits():  # an enormous seq
    entry([trust()], seq=b"9" * 30)


@case
def log_seq_max():  # seq 2^63-1: well formed, but not the tip's successor
    entry([trust()], seq=b"9223372036854775807")


@case
def log_no_prev():  # a later entry that does not name the previous one
    entry([trust()], prev=b"")


@case
def log_missing_object():  # the manifest adds an object the tree lacks
    o = trust()
    entry([o], adds=[b2(o), b2(b"not here")])


@case
def log_dup_add():  # one object added twice by one manifest
    o = trust()
    entry([o], adds=[b2(o), b2(o)])


@case
def log_merge():  # a second parent
    entry([trust()], parents=[TIP, TIP])


@case
def log_removes():  # the tree drops the identity an earlier entry added
    sub = tree_entries(tree_entries(TIPTREE)[b"o"][1])
    fan = sorted(sub)[0]
    first = "o/%s/%s" % (fan.decode(), sorted(tree_entries(sub[fan][1]))[0].decode())
    entry([trust()], remove=[first])


@case
def log_gitlink():  # a submodule entry in the tree, to a commit nobody has
    entry([trust()], files={"o/ff/sub": ("160000", "1" * 40)})


@case
def log_no_identity():  # a log that does not begin with its identity
    o = trust()
    entry([o], raw=manifest([b2(o)], seq=b"1", prev=b""), parents=[])


# --- payloads: tars that would write outside, or too much --------------------
@case
def tar_dotdot():  # a path that climbs out
    iface(tar(ent("../evil", data=b"x\n")))


@case
def tar_absolute():  # an absolute path
    iface(tar(ent("/tmp/evil", data=b"x\n")))


@case
def tar_symlink_out():  # a link out of the tree, then a file through it
    iface(tar(ent("l", tarfile.SYMTYPE, mode=0o777, link="/etc"), ent("l/cron.d", data=b"x\n")))


@case
def tar_through_link():  # a link that stays inside, then a file through it
    iface(tar(ent("d", tarfile.DIRTYPE, mode=0o755), ent("l", tarfile.SYMTYPE, mode=0o777, link="d"),
              ent("l/x", data=b"x\n")))


@case
def tar_hardlink():  # a hard link
    iface(tar(ent("a", data=b"x\n"), ent("b", tarfile.LNKTYPE, link="a")))


@case
def tar_device():  # a character device (1, 3: /dev/null)
    i, _ = ent("null", tarfile.CHRTYPE)
    i.devmajor, i.devminor = 1, 3
    iface(tar((i, None)))


@case
def tar_fifo():  # a FIFO
    iface(tar(ent("pipe", tarfile.FIFOTYPE)))


@case
def tar_setuid():  # a setuid file
    iface(tar(ent("run", data=b"x\n", mode=0o4755)))


@case
def tar_8gib():  # a header that claims 8 GiB, and no data
    i, _ = ent("big")
    i.size = 8 << 30
    iface(i.tobuf(tarfile.GNU_FORMAT) + b"\0" * 1024)


@case
def tar_10001():  # one entry over the limit
    iface(tar(*(ent("f%05d" % k) for k in range(10001))))


@case
def tar_gzip_bomb():  # a gzip of a tar of 16 MiB of zeros, in 16 KiB
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    iface(z.compress(tar(ent("zeros", data=bytes(16 << 20)))) + z.flush())


@case
def tar_overlong_name():  # a name whose '/' is the overlong C0 AF
    iface(tar(ent("..\udcc0\udcafevil", data=b"x\n")))


@case
def tar_pax_path():  # a harmless ustar name, a pax path that climbs out
    iface(tar(ent("harmless", data=b"x\n", pax={"path": "../../evil"}), fmt=tarfile.PAX_FORMAT))


@case
def tar_gnu_longname():  # a GNU long name that climbs out
    iface(tar(ent("../" * 40 + "evil", data=b"x\n"), fmt=tarfile.GNU_FORMAT))


@case
def tar_twice():  # the same path twice: the second would overwrite the first
    iface(tar(ent("a", data=b"x\n"), ent("a", data=b"y\n")))


@case
def tar_cut():  # cut off in the middle of a file
    iface(tar(ent("a", data=b"x" * 4096))[:1536])


@case
def tar_world_writable():  # a world-writable directory
    iface(tar(ent("d", tarfile.DIRTYPE, mode=0o777)))


# --- bombs, in bundles: git objects that inflate to 64 MiB -------------------
@case
def bomb_object():  # an object blob of 64 MiB zeros
    sha, rec = bomb(3)
    fake = b2(b"bomb")
    bundle(entry(files={path("o", fake): ("100644", sha)}, adds=[fake]), [rec])


@case
def bomb_payload():  # a payload blob of 64 MiB zeros, its object says 10 KiB
    sha, rec = bomb(3)
    o = obj(b"interface", b"name hostile::bomb\npayload %s 10240\n" % b2(b"bomb").encode())
    bundle(entry([o], files={path("p", b2(b"bomb")): ("100644", sha)}), [rec])


@case
def bomb_commit():  # a good entry's commit whose message runs on for 64 MiB
    c = entry([trust()])
    sha, rec = bomb(1, read(c), b"x")
    bundle(sha, [rec], walk=c)


for CASE in sys.argv[2:]:
    try:
        CASES[CASE]()
    except Exception as e:
        print("craft.py: %s: %r" % (CASE, e), file=sys.stderr)
