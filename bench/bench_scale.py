"""Benchmark: a catalogue of 5,000 identities (issue 17's target: peak memory under 1 GiB).

Usage: python bench/bench_scale.py [--count N] [--jobs J] [--keep DIR]
Makes a catalogue of at least N identities (default 5000) from copies of the shipped one, each
copy a chapter of its own with every id suffixed (``trace-axb-c3``), then runs
``identity-book verify`` and ``identity-book build html`` on it in fresh processes with an empty
result cache, and prints the time and the peak resident memory of each (the largest process:
the command itself, or one of its verification workers), then a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID_FIELDS = re.compile(r"^(\s*-?\s*(?:id|corrects):\s*)([a-z0-9][a-z0-9-]*)\s*$", re.MULTILINE)


def make_catalogue(target: Path, count: int) -> int:
    """Copies of identities/ until about ``count`` identities; returns how many."""
    files = sorted((ROOT / "identities").rglob("*.yaml"))
    per_copy = sum(len(re.findall(r"^\s*- id:", f.read_text(encoding="utf-8"), re.MULTILINE)) for f in files)
    copies = max(1, -(-count // per_copy))  # at least count
    for k in range(copies):
        for f in files:
            rel = f.relative_to(ROOT / "identities")
            chapter = f"{int(rel.parts[0][:2]) + 100 * k:03d}-copy-{k}-{rel.parts[0][3:]}"
            dest = target.joinpath(chapter, *rel.parts[1:])
            dest.parent.mkdir(parents=True, exist_ok=True)
            text = ID_FIELDS.sub(rf"\g<1>\g<2>-c{k}", f.read_text(encoding="utf-8"))
            dest.write_text(text, encoding="utf-8")
    return copies * per_copy


def run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall time, peak RSS in MiB of the largest process of the run, exit code."""
    script = (
        "import resource, subprocess, sys, json\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "print(json.dumps([code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    code, peak_kib = json.loads(done.stdout.strip().splitlines()[-1])
    if code:
        print(done.stderr[-3000:], file=sys.stderr)
    return wall, peak_kib / 1024, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="identity-book-scale-") as tmp:
        work = args.keep.resolve() if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        n = make_catalogue(work / "identities", args.count)
        print(f"catalogue: {n} identities", flush=True)
        env = {**os.environ, "IDENTITY_BOOK_CACHE": str(work / "cache")}
        command = [sys.executable, "-m", "identity_book"]
        report: dict[str, object] = {"identities": n, "jobs": args.jobs}
        for phase, extra in (
            ("verify", ["verify", "identities", "--jobs", str(args.jobs)]),
            ("build html", ["build", "html", "identities", "--out", "out", "--jobs", str(args.jobs)]),
        ):
            wall, peak, code = run([*command, *extra], work, env)
            print(f"{phase}: {wall:.0f} s, peak memory {peak:.0f} MiB (target 1024 MiB), exit {code}", flush=True)
            report[phase] = {"seconds": round(wall, 1), "peak_mib": round(peak), "exit": code}
        print(json.dumps(report))
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(this script itself: {own:.0f} MiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
