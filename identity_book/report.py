"""Present verification results: terminal text, JSON, and the summary both share."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any, TextIO

from identity_book.errors import CatalogueError
from identity_book.verdict import level_lines, verdict
from identity_book.verify.results import STRENGTHS, Counterexample, DerivationReport, Result, Strength


def summary(results: list[Result]) -> dict[str, Any]:
    statuses = Counter(str(r.status) for r in results)
    strengths = Counter(str(r.strength) for r in results if r.status == "verified")
    return {
        "total": len(results),
        "verified": statuses["verified"],
        "refuted": statuses["refuted"],
        "inconclusive": statuses["inconclusive"],
        "error": statuses["error"],
        "strength": {k: strengths[k] for k in STRENGTHS},
        "expected_refuted": sum(1 for r in results if r.expected == "erratum" and r.status == "refuted"),
        "ok": all(r.ok for r in results),
        "cached": sum(1 for r in results if r.cached),
    }


def exit_code(results: list[Result]) -> int:
    if any(r.status == "error" for r in results):
        return 2
    return 0 if all(r.ok for r in results) else 1


def to_json(results: list[Result]) -> str:
    return json.dumps({"results": [r.to_json() for r in results], "summary": summary(results)}, indent=2)


def errors_to_json(error: CatalogueError) -> str:
    results: list[dict[str, object]] = [
        {
            "id": d.identity,
            "file": d.location.file,
            "line": d.location.line,
            "column": d.location.column,
            "status": "error",
            "checks": {},
            "max_rel_error": None,
            "counterexample": None,
            "message": str(d),
        }
        for d in error.diagnostics
    ]
    total = {"total": len(results), "error": len(results), "ok": False}
    return json.dumps({"results": results, "summary": total}, indent=2)


def _matrix(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = [[str(x) for x in row] for row in value]
        width = max(len(x) for row in rows for x in row)
        return "\n".join("      [" + "  ".join(x.rjust(width) for x in row) + "]" for row in rows)
    return f"      {value}"


def format_counterexample(cx: Counterexample) -> str:
    kind = "exact" if cx.exact else f"{cx.digits} digits" if cx.digits else "floating point"
    sizes = ", ".join(f"{k} = {v}" for k, v in cx.sizes.items())
    lines = [f"    counterexample ({kind}; seed {cx.seed}{'; ' + sizes if sizes else ''}):"]
    for name, value in cx.values.items():
        lines.append(f"    {name} =")
        lines.append(_matrix(value))
    for side, value in (("lhs", cx.lhs), ("rhs", cx.rhs)):
        lines.append(f"    {side} =")
        lines.append(_matrix(value))
    if cx.residual is not None and cx.tolerance is not None:
        lines.append(f"    relative residual {cx.residual:.3g} > tolerance {cx.tolerance:.1g}")
    return "\n".join(lines)


MARKS = {"passed": "✓", "failed": "✗", "inconclusive": "?"}


def format_derivation(derivation: DerivationReport) -> str:
    """A derivation as numbered lines with the rule and a mark per checked step."""
    lines = [f"  derivation ({derivation.source}, {derivation.outcome}):"]
    for step in derivation.steps:
        head = "⇒  " if step.kind == "identify" else "  ="
        mark = MARKS.get(step.outcome, "?")
        because = f"    [{step.because}]" if step.because else ""
        lines.append(f"  {mark} {step.index:>2} {head} {step.expr}{because}")
    return "\n".join(lines)


def format_levels(r: Result) -> list[str]:
    """One line per check level: outcome, sizes, points, worst residual, what it found."""
    return [
        f"    {line.mark} {line.name}: {line.outcome}" + (f"; {line.text}" if line.text else "")
        for line in level_lines(r)
    ]


def format_result(r: Result, levels: bool = False) -> str:
    where = f"{r.file}:{r.line}"
    lines = [f"{where}: {r.id}: {verdict(r).short}"]
    if levels:
        lines.extend(format_levels(r))
    if r.message:
        lines.append(f"    {r.message}")
    if r.counterexample:
        lines.append(format_counterexample(r.counterexample))
    return "\n".join(lines)


def print_report(results: list[Result], out: TextIO = sys.stdout, verbose: bool = False, levels: bool = False) -> None:
    for r in results:
        if verbose or not r.ok or r.status != "verified":
            print(format_result(r, levels), file=out)
    s = summary(results)
    st = s["strength"]
    print(
        f"{s['total']} identities: {s['verified']} verified ("
        + ", ".join(f"{st[k]} {Strength(k).words}" for k in STRENGTHS)
        + f"), {s['refuted']} refuted"
        + (f" ({s['expected_refuted']} expected errata)" if s["expected_refuted"] else "")
        + f", {s['inconclusive']} inconclusive, {s['error']} errors",
        file=out,
    )


class Progress:
    """A one-line counter on a terminal; silent when the stream is not a terminal."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, enabled: bool = True) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.active = enabled and stream.isatty() and total > 1

    def __call__(self, result: Result) -> None:
        self.done += 1
        if self.active:
            self.stream.write(f"\r\033[K[{self.done}/{self.total}] {result.id}: {verdict(result).short}")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\033[K")
            self.stream.flush()
