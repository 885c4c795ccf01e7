"""Benchmark: the prover for all sizes on the whole catalogue, and the verification rate with it.

Usage: python bench/bench_prover.py [--jobs N] [--no-verify] [--list] [--why] [PATH]

Prints how many identities are eligible (no numeric-only function: eigvals, expm, logm), the
fraction of those the prover proves for all sizes, the chapter-2 derivative identities it
proves, the time per identity, and the whole catalogue's cold verification rate with every level
(numeric, exact, prover, symbolic, derivation; no cache), then a JSON summary. ``--why`` groups
the eligible identities not proved by the reason the prover gives (numbers left out), largest
group first, with the chapter-2 derivatives marked.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.expr.nodes import DERIVATIVES
from identity_book.verify.checks import Settings
from identity_book.verify.prover.prove import prove
from identity_book.verify.runner import verify_many

NUMERIC_ONLY = {"eigvals", "expm", "logm"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default="identities")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-verify", action="store_true", help="skip the cold verification run")
    parser.add_argument("--list", action="store_true", help="print every eligible identity not proved, and why")
    parser.add_argument("--why", action="store_true", help="group the eligible identities not proved by reason")
    args = parser.parse_args()
    catalogue = load_catalogue(Path(args.path))
    eligible = proved = chapter2 = chapter2_proved = errata_proved = 0
    times: list[tuple[float, str]] = []
    missed: list[str] = []
    groups: dict[str, list[str]] = {}
    for ident in catalogue:
        c = compile_identity(ident)
        ops = {n.op for side in (c.lhs, c.rhs) for n in side.walk()}
        start = time.perf_counter()
        proof = prove(c)
        times.append((time.perf_counter() - start, ident.id))
        if ident.status == "erratum":
            errata_proved += proof.proved
            continue
        if not ops & NUMERIC_ONLY:
            eligible += 1
            proved += proof.proved
        derivative = Path(ident.file).parts[-2].startswith("02-") and c.lhs.op in DERIVATIVES
        if not ops & NUMERIC_ONLY and not proof.proved:
            missed.append(f"{ident.id}: {proof.reason}")
            groups.setdefault(re.sub(r"\d+", "N", proof.reason), []).append(ident.id + ("*" if derivative else ""))
        if derivative:
            chapter2 += 1
            chapter2_proved += proof.proved
    seconds = [t for t, _ in times]
    report: dict[str, object] = {
        "identities": len(catalogue),
        "eligible": eligible,
        "proved": proved,
        "proved_fraction": round(proved / eligible, 3) if eligible else None,
        "chapter2_derivatives": chapter2,
        "chapter2_proved": chapter2_proved,
        "errata_proved": errata_proved,
        "prover_seconds_total": round(sum(seconds), 3),
        "prover_ms_mean": round(1000 * statistics.mean(seconds), 2),
        "prover_ms_median": round(1000 * statistics.median(seconds), 2),
        "prover_ms_max": round(1000 * max(seconds), 1),
        "slowest": [f"{i} ({1000 * t:.0f} ms)" for t, i in sorted(times, reverse=True)[:5]],
    }
    print(f"eligible (no eigvals, expm, logm; errata excluded): {eligible} of {len(catalogue)}")
    print(f"proved for all sizes: {proved} = {100 * proved / max(eligible, 1):.1f}% of the eligible")
    print(f"chapter-2 derivative identities proved: {chapter2_proved} of {chapter2}")
    print(f"errata proved (must be 0): {errata_proved}")
    print(
        f"prover time per identity: mean {report['prover_ms_mean']} ms, median {report['prover_ms_median']} ms, "
        f"max {report['prover_ms_max']} ms; slowest: {', '.join(report['slowest'])}"  # type: ignore[arg-type]
    )
    if args.list:
        print("\n".join(missed))
    if args.why:
        print("\nnot proved, by reason (* a chapter-2 derivative):")
        for reason, ids in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
            print(f"{len(ids):4d}  {reason}\n      {', '.join(ids)}")
    if not args.no_verify:
        start = time.perf_counter()
        results = verify_many(catalogue.identities, Settings(), args.jobs)
        wall = time.perf_counter() - start
        strengths: dict[str, int] = {}
        for r in results:
            if r.status == "verified" and r.strength:
                strengths[r.strength] = strengths.get(r.strength, 0) + 1
        report.update(
            verify_seconds=round(wall, 2),
            verify_per_second=round(len(results) / wall, 1),
            verify_jobs=args.jobs,
            verify_ok=sum(r.ok for r in results),
            verify_strengths=strengths,
        )
        print(
            f"cold verification, every level, {args.jobs} jobs, no cache: {len(results)} identities in "
            f"{wall:.1f} s = {len(results) / wall:.1f}/s ({report['verify_ok']} ok; {strengths})"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
