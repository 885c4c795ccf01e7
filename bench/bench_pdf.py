"""Benchmark: how dense the reference PDF is (pages, identities, identities per page).

Usage: python bench/bench_pdf.py [--pdf FILE] [--out DIR] [PATH]
Builds the PDF of the catalogue at PATH (default identities/) into DIR (default
_build/bench-pdf), or reads FILE when given, and prints the build time, the page count, the
identities per page and any identity number missing from the PDF's text, then a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from identity_book.catalogue.loader import load_catalogue
from identity_book.cli import main as cli
from identity_book.handbook.pdfstats import measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default="identities")
    parser.add_argument("--pdf", type=Path, help="read this PDF instead of building one")
    parser.add_argument("--out", type=Path, default=Path("_build/bench-pdf"))
    args = parser.parse_args()
    report: dict[str, object] = {}
    pdf = args.pdf
    if pdf is None:
        start = time.perf_counter()
        if cli(["build", "pdf", args.path, "--out", str(args.out)]) != 0:
            print("the PDF build failed", file=sys.stderr)
            return 1
        report["build_seconds"] = round(time.perf_counter() - start, 1)
        print(f"built in {report['build_seconds']} s (verification from the cache when it is warm)")
        pdf = args.out / "identity-book.pdf"
    stats = measure(pdf, load_catalogue(Path(args.path)))
    report.update(pages=stats.pages, identities=stats.identities, per_page=round(stats.per_page, 2))
    report["missing_numbers"] = stats.missing
    print(f"{pdf}: {stats.pages} pages, {stats.identities} identities, {stats.per_page:.2f} identities per page")
    if stats.missing:
        print(f"{len(stats.missing)} identity number(s) not found: {', '.join(stats.missing[:20])}")
    print(json.dumps(report))
    return 0 if not stats.missing else 1


if __name__ == "__main__":
    sys.exit(main())
