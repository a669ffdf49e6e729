#!/usr/bin/env python3
"""tiny.py - a small program built from the implementations pg build picked

    python3 demo/tiny.py pg-build

Each entry of pg-build/ (one per interface, linked by pg build) is a built
implementation that speaks pg's wire protocol (docs/wire.md): one JSON
request per line on standard input, one answer per line on standard
output.  This program starts each one, asks it one question through its
interface, and checks the answer.  It exits 1 if any answer is wrong.
"""
import base64
import json
import os
import subprocess
import sys


def b64(s):
    return base64.b64encode(s.encode()).decode()


# link name, call, args, expected answer, what is asked
QUESTIONS = [
    ("geometry-circle", "Circle.intersects_circle",
     [{"radius": 3.0, "center": [0.0, 1.0]}, {"radius": 3.0, "center": [0.0, 7.0]}], True,
     "do the circles r=3 at (0,1) and r=3 at (0,7) meet? (they touch)"),
    ("sort-u32", "sort", [[2026, 11, 21, 7, 0]], [0, 7, 11, 21, 2026], "sort 2026 11 21 7 0"),
    ("checksum-crc32", "crc32", [b64("123456789")], 0xCBF43926, "the CRC-32 of '123456789'"),
    ("codec-base64", "encode", [b64("pg, a library")], "cGcsIGEgbGlicmFyeQ==", "base64 of 'pg, a library'"),
    ("path-clean", "clean", ["/usr//lib/../share/./pg/"], "/usr/share/pg", "clean /usr//lib/../share/./pg/"),
    ("math-stats", "median", [[3.0, 1.0, 4.0, 1.0, 5.0]], 3.0, "the median of 3 1 4 1 5"),
]


def run_command(d):
    """How to run a build: its pg.yaml's run line, else ./impl or impl.py."""
    try:
        with open(os.path.join(d, "pg.yaml")) as f:
            for line in f:
                if line.startswith("run:"):
                    return line[4:].strip().split()
    except OSError:
        pass
    return ["./impl"] if os.path.exists(os.path.join(d, "impl")) else ["python3", "impl.py"]


def impl_name(d):
    """The impl pg.lock pins for the interface linked as d."""
    link, name, current = os.path.basename(d), None, None
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(d)), "pg.lock")) as f:
            for line in f:
                key, _, value = line.strip().lstrip("- ").partition(": ")
                if key == "interface":
                    current = value.replace("::", "-")
                elif key == "name" and current == link:
                    name = value
    except OSError:
        pass
    return name or link


def ask(d, call, args):
    p = subprocess.Popen(run_command(d), cwd=d, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(json.dumps({"id": 1, "call": call, "args": args}) + "\n", timeout=10)
    answer = json.loads(out.splitlines()[0])
    if "ok" not in answer:
        raise RuntimeError(answer.get("error", "no answer"))
    return answer["ok"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "pg-build"
    wrong = 0
    for link, call, args, want, what in QUESTIONS:
        d = os.path.join(root, link)
        if not os.path.isdir(d):
            print(f"{what}: no build at {d}")
            wrong += 1
            continue
        got = ask(d, call, args)
        if isinstance(want, int) and isinstance(got, str):
            got = int(got)  # 64-bit integers travel as strings
        ok = got == want
        wrong += not ok
        print(f"{what}: {json.dumps(got)}{'' if ok else f'  WRONG, wanted {json.dumps(want)}'}"
              f"   [{impl_name(d)}]")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
