"""Benchmark: identities verified per second, cold (empty cache) and warm (cache filled).

Usage: python bench/bench_verify.py [--jobs N] [--no-symbolic] [PATH]
Run on the whole catalogue by default. Prints one line per phase and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from identity_book.catalogue.loader import load_catalogue
from identity_book.verify.cache import Cache
from identity_book.verify.checks import Settings
from identity_book.verify.runner import verify_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default="identities")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-symbolic", action="store_true", help="numeric and exact levels only")
    args = parser.parse_args()
    catalogue = load_catalogue(Path(args.path))
    settings = Settings(symbolic=not args.no_symbolic)
    report = {"identities": len(catalogue), "jobs": args.jobs, "symbolic": settings.symbolic}
    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(folder)
        for phase in ("cold", "warm"):
            start = time.perf_counter()
            results = verify_many(catalogue.identities, settings, args.jobs, cache)
            seconds = time.perf_counter() - start
            ok = sum(r.ok for r in results)
            report[f"{phase}_seconds"] = round(seconds, 3)
            report[f"{phase}_per_second"] = round(len(results) / seconds, 1)
            print(f"{phase}: {len(results)} identities in {seconds:.2f} s = {len(results) / seconds:.1f}/s ({ok} ok)")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
