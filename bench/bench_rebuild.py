"""Benchmark: how long the handbook takes to rebuild (issue 17's targets: a no-op rebuild under
2 s, one changed identity under 4 s).

Usage: python bench/bench_rebuild.py
Copies the catalogue to a temporary folder, builds the HTML once (cold, cache filled), then
measures ``identity-book build html`` with nothing changed, and after editing one identity's
title. Prints one line per phase and a JSON summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(work: Path) -> float:
    env = {**os.environ, "IDENTITY_BOOK_CACHE": str(work / "cache")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "identity_book", "build", "html", str(work / "identities"), "--out", str(work / "out")],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="identity-book-rebuild-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "identities", work / "identities")
        for extra in ("concordance", "ledger"):
            shutil.copytree(ROOT / extra, work / extra)
        report = {"cold": build(work)}
        print(f"cold build (cache filled): {report['cold']:.1f} s", flush=True)
        report["no-op"] = min(build(work) for _ in range(2))
        print(f"no-op rebuild: {report['no-op']:.1f} s (target 2 s)", flush=True)
        target = work / "identities" / "01-basics" / "trace.yaml"
        target = target if target.is_file() else next((work / "identities").rglob("*.yaml"))
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
        report["one-changed"] = build(work)
        print(f"one identity edited: {report['one-changed']:.1f} s (target 4 s)", flush=True)
        print(json.dumps({k: round(v, 2) for k, v in report.items()}))


if __name__ == "__main__":
    main()
