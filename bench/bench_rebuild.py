"""Benchmark: how long the handbook takes to rebuild (issue 17's targets: a no-op rebuild under
2 s, one changed identity under 4 s).

Usage: python bench/bench_rebuild.py
Copies the catalogue to a temporary folder, builds the HTML once (cold, cache filled), then
measures ``identity-book build html`` with nothing changed, after editing one identity's
statement (an equivalent right side: verified again, same result) and after editing its title
(which also changes the index pages that list titles). Prints one line per phase, with the
wall time and the CPU time of the build (the CPU time is the fairer figure on a busy machine),
and a JSON summary.

The builds write Python's bytecode as Python does by default (``PYTHONDONTWRITEBYTECODE`` is
removed from their environment): a machine that sets it compiles the package's modules from
source in every build, about 0.3 s more.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(work: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``identity-book build html``."""
    env = {**os.environ, "IDENTITY_BOOK_CACHE": str(work / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "identity_book", "build", "html", str(work / "identities"), "--out", str(work / "out")],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def phase(report: dict[str, dict[str, float]], name: str, timing: tuple[float, float], target: str) -> None:
    report[name] = {"wall": round(timing[0], 2), "cpu": round(timing[1], 2)}
    print(f"{name}: {timing[0]:.1f} s wall, {timing[1]:.1f} s CPU{target}", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="identity-book-rebuild-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "identities", work / "identities")
        for extra in ("concordance", "ledger"):
            shutil.copytree(ROOT / extra, work / extra)
        report: dict[str, dict[str, float]] = {}
        phase(report, "cold build (cache filled)", build(work), "")
        phase(report, "no-op rebuild", min(build(work) for _ in range(2)), " (target 2 s)")
        target = work / "identities" / "01-basics" / "trace.yaml"
        target = target if target.is_file() else next((work / "identities").rglob("*.yaml"))
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("rhs: ", "rhs: 1 * ", 1), encoding="utf-8")
        phase(report, "one statement edited", build(work), " (target 4 s)")
        target.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
        phase(report, "one title edited", build(work), " (target 4 s)")
        print(json.dumps(report))


if __name__ == "__main__":
    main()
