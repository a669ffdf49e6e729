#!/usr/bin/env python3
"""first_screen.py - time from spawn to a full-screen program's first screen, on a pseudo-terminal

    first_screen.py [--runs N] [--size COLSxROWS] [--need TEXT]... [--quit KEYS] [--timeout S] -- CMD ARGS...

For bench/tui.sh.  Each run: a new pseudo-terminal of the given size
(TIOCSWINSZ before the program starts; it is the program's controlling
terminal), the clock started right before the fork, stopped when the bytes
the program wrote so far contain every --need text; then the --quit keys
are sent and the program is waited for (killed after --timeout).  Prints
one line per run on stdout: the milliseconds to the first screen, then the
milliseconds until the program exited after the keys, e.g. "87.31 2.10".
A run whose screen never came prints "timeout" and the exit status is 1.
"""
import argparse
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def one_run(cmd, cols, rows, needs, quit_keys, timeout):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(master)
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            if slave > 2:
                os.close(slave)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    os.close(slave)
    out = bytearray()
    shown = None
    deadline = t0 + timeout
    while shown is None:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        r, _, _ = select.select([master], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the program is gone and the terminal closed
            break
        if not chunk:
            break
        out += chunk
        if all(n in out for n in needs):
            shown = time.perf_counter()
    t1 = time.perf_counter()
    if shown is not None:
        os.write(master, quit_keys)
    # drain until the program exits (it must read its keys and restore the terminal)
    status = None
    while status is None:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid:
            status = st
            break
        if time.perf_counter() > t1 + timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = -1
            break
        r, _, _ = select.select([master], [], [], 0.01)
        if r:
            try:
                os.read(master, 65536)
            except OSError:
                pass
    t2 = time.perf_counter()
    os.close(master)
    if shown is None:
        tail = bytes(out[-300:])
        sys.stderr.write(f"first_screen.py: no first screen after {1000 * (t1 - t0):.0f} ms; it wrote {len(out)} bytes, "
                         f"the last: {tail!r}\n")
        return None
    return 1000 * (shown - t0), 1000 * (t2 - shown), len(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--size", default="80x24")
    ap.add_argument("--need", action="append", default=[])
    ap.add_argument("--quit", default="Q")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    cols, rows = (int(x) for x in a.size.split("x"))
    needs = [n.encode() for n in a.need]
    ok = True
    for _ in range(a.runs):
        r = one_run(a.cmd, cols, rows, needs, a.quit.encode(), a.timeout)
        if r is None:
            print("timeout", flush=True)
            ok = False
        else:
            print(f"{r[0]:.2f} {r[1]:.2f} {r[2]}", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
