"""What the handbook says about an identity's verification, from its :class:`Result`.

The wording is deliberate: "verified" appears only for a result whose status is verified, a
level is "passed" only if its own outcome says so, and derivation steps are marked per step
only when a ``derivation`` level reports them.

Derivation level contract (filled in by the verifier): ``Result.checks["derivation"]`` is a
:class:`LevelResult` whose ``outcome`` covers the whole derivation; per-step outcomes, when
known, are in ``counterexample["steps"]``: a list with one item per written step, each either
an outcome string or a mapping with ``outcome`` (passed/failed/inconclusive/skipped) and an
optional ``detail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from identity_book.verify.results import LevelResult, Result

LEVEL_NAMES = {
    "shapes": "Shapes",
    "numeric": "Numeric",
    "exact": "Exact arithmetic",
    "prover": "Prover (all sizes)",
    "symbolic": "Symbolic",
    "derivation": "Derivation",
}
STATE_MARK = {
    "verified": "✓",
    "erratum": "✗",
    "awaiting-proof": "?",
    "refuted": "✗",
    "inconclusive": "?",
    "error": "!",
}
OUTCOME_MARK = {"passed": "✓", "failed": "✗", "inconclusive": "?", "skipped": "–"}


@dataclass(frozen=True)
class Verdict:
    """The state of one identity as the reader sees it."""

    state: str  # verified | erratum | awaiting-proof | refuted | inconclusive | error
    headline: str
    published_anyway: bool = False  # a failure published with --allow-unverified

    @property
    def mark(self) -> str:
        return STATE_MARK.get(self.state, "?")


@dataclass(frozen=True)
class LevelLine:
    name: str
    outcome: str
    mark: str
    text: str


@dataclass(frozen=True)
class StepMark:
    outcome: str  # passed | failed | inconclusive | skipped | unchecked
    mark: str
    detail: str = ""


@dataclass(frozen=True)
class StepMarks:
    checked: bool
    summary: str
    marks: list[StepMark] = field(default_factory=list)


def verdict(result: Result) -> Verdict:
    """The headline for a result; failures are named as failures."""
    if result.expected == "erratum":
        if result.status == "refuted":
            return Verdict("erratum", "Erratum: the statement as printed is false (refuted, as expected)")
        return Verdict("error", f"Listed as an erratum, but the check found it {result.status}", True)
    if result.status == "verified":
        return Verdict("verified", f"Verified ({result.strength_text})")
    if result.expected == "awaiting-proof" and result.status == "inconclusive":
        return Verdict("awaiting-proof", "Awaiting proof: no check could decide this identity yet")
    if result.status == "refuted":
        return Verdict("refuted", "Refuted: the two sides differ (published only on request)", True)
    if result.status == "inconclusive":
        return Verdict("inconclusive", "Inconclusive: no check could decide (not verified)", True)
    return Verdict("error", f"Error: {result.message or 'the entry could not be checked'}", True)


def _sizes(sizes: list[dict[str, int]]) -> str:
    shown = ["(" + ", ".join(f"{k} = {v}" for k, v in s.items()) + ")" for s in sizes if s]
    return "; ".join(shown)


def level_text(name: str, level: LevelResult) -> str:
    """One line about one level: what was done and what it found."""
    parts: list[str] = []
    if name in ("shapes", "symbolic", "prover") and level.detail:
        return level.detail
    if level.points:
        parts.append(f"{level.points} point{'s' if level.points != 1 else ''}")
    sizes = _sizes(level.sizes)
    if sizes:
        parts.append(f"sizes {sizes}")
    if name == "numeric" and level.max_rel_error is not None and level.outcome == "passed":
        tol = f" (tolerance {level.tolerance:.0e})" if level.tolerance else ""
        parts.append(f"worst relative residual {level.max_rel_error:.1e}{tol}")
    if name == "exact" and level.outcome == "passed":
        parts.append("exact rational arithmetic, no tolerance")
    if level.detail:
        parts.append(level.detail)
    return "; ".join(parts)


def level_lines(result: Result) -> list[LevelLine]:
    order = [n for n in LEVEL_NAMES if n in result.checks] + [n for n in result.checks if n not in LEVEL_NAMES]
    lines = []
    for name in order:
        level = result.checks[name]
        lines.append(
            LevelLine(
                LEVEL_NAMES.get(name, name.capitalize()),
                level.outcome,
                OUTCOME_MARK.get(level.outcome, "?"),
                level_text(name, level),
            )
        )
    return lines


def derivation_report(result: Result | None) -> dict[str, Any] | None:
    """The verifier's per-step report (``Result.derivation``), when it has one."""
    data = getattr(result, "derivation", None)
    return data if isinstance(data, dict) else None


def step_marks(
    result: Result | None, n_steps: int, source: str = "written", report: dict[str, Any] | None = None
) -> StepMarks:
    """Per-step marks for a derivation of ``n_steps`` lines.

    Marks come from the verifier's report (``report``, by default ``Result.derivation``) when it
    covers these steps, else from the ``derivation`` level (``counterexample["steps"]``), else
    the steps are "not yet step-checked".
    """
    level = result.checks.get("derivation") if result else None
    report = report if report is not None else derivation_report(result)
    if report is not None and report.get("source", source) == source:
        per_step = _per_step(report, n_steps)
        outcome = str(report.get("outcome") or (level.outcome if level else "unchecked"))
        detail = report.get("detail") or (level.detail if level else None)
    elif level is not None:
        per_step = _per_step(level.counterexample, n_steps)
        outcome, detail = level.outcome, level.detail
    else:
        unchecked = [StepMark("unchecked", "")] * n_steps
        return StepMarks(False, "These steps are not yet step-checked.", unchecked)
    if per_step is None:
        whole = outcome if outcome == "passed" else "unchecked"
        per_step = [StepMark(whole, OUTCOME_MARK.get(whole, ""))] * n_steps
    summary = {
        "passed": "Every step was checked against the one before.",
        "failed": "A step of this derivation failed its check.",
    }.get(outcome, f"The step check was {outcome}" + (f": {detail}" if detail else "."))
    return StepMarks(True, summary, per_step)


def _per_step(data: dict[str, Any] | None, n_steps: int) -> list[StepMark] | None:
    steps = (data or {}).get("steps")
    if not isinstance(steps, list) or len(steps) != n_steps:
        return None
    out = []
    for item in steps:
        if isinstance(item, str):
            outcome, detail = item, ""
        elif isinstance(item, dict):
            outcome, detail = str(item.get("outcome", "unchecked")), str(item.get("detail") or "")
        else:
            return None
        if outcome not in OUTCOME_MARK:
            outcome = "unchecked"
        out.append(StepMark(outcome, OUTCOME_MARK.get(outcome, ""), detail))
    return out
