#!/usr/bin/env python3
"""The scaling table of README: synthetic collections of 10, 100, 1,000 and 10,000 essays of
2,000 words (made by synthetic.py when missing), each built and checked 3 times by
target/release/anthology; prints the medians of wall time, CPU time and peak memory.

    cargo build --release && python3 bench/scale.py [--sizes 10,100,1000,10000] [--dir /tmp]
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare import timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,100,1000,10000")
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp")
    a = ap.parse_args()
    exe = os.path.join(HERE, "..", "target", "release", "anthology")
    print("| essays | input | build wall | build CPU | peak RSS | check wall | book |")
    print("|---|---|---|---|---|---|---|")
    for n in map(int, a.sizes.split(",")):
        d = os.path.join(a.dir, f"syn-{n}")
        if not os.path.exists(os.path.join(d, "anthology.yaml")):
            subprocess.run([sys.executable, os.path.join(HERE, "synthetic.py"), d, "-n", str(n),
                            "-m", str(a.words)], check=True, stdout=subprocess.DEVNULL)
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(d, "essays")) for f in fs)
        out = os.path.join(a.dir, f"syn-{n}.epub")
        builds = [timed([exe, "-q", "build", d, "-o", out], a.dir) for _ in range(a.runs)]
        checks = [timed([exe, "-q", "check", d], a.dir) for _ in range(a.runs)]
        med = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
        print(f"| {n:,} | {size / 1e6:.1f} MB | {med(builds, 0):.3f} s | {med(builds, 1):.3f} s | "
              f"{med(builds, 2):.1f} MiB | {med(checks, 0):.3f} s | {os.path.getsize(out) / 1e6:.1f} MB |")


if __name__ == "__main__":
    main()
