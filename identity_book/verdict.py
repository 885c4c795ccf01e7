"""What the handbook says about an identity's verification, from its :class:`Result`.

The wording is deliberate: "verified" appears only for a result whose status is verified, a
level is "passed" only if its own outcome says so, and derivation steps are marked per step
only when a ``derivation`` level reports them.

Per-step marks come from the verifier's :class:`DerivationReport` (``Result.derivation``), one
:class:`StepReport` per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from identity_book.verify.results import DerivationReport, LevelResult, Result, Status, Strength

LEVEL_NAMES = {
    "shapes": "Shapes",
    "numeric": "Numeric",
    "exact": "Exact arithmetic",
    "search": "Counterexample search",
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
ERRATUM_SHORT = "erratum: the printed statement is false"
OUTCOME_MARK = {"passed": "✓", "failed": "✗", "inconclusive": "?", "skipped": "–"}


@dataclass(frozen=True)
class Verdict:
    """The state of one identity as every output says it (CLI, handbook, extension, citations)."""

    state: str  # verified | erratum | awaiting-proof | refuted | inconclusive | error
    headline: str  # "Verified (proved for all sizes)", a sentence for a page
    short: str  # "verified (proved for all sizes)", for tables, lists and citation notes
    warning: str | None = None  # the Sphinx warning subtype when the result fails a build
    published_anyway: bool = False  # a failure published with --allow-unverified
    strength: Strength | None = None

    @property
    def mark(self) -> str:
        return STATE_MARK.get(self.state, "?")

    @property
    def verified(self) -> bool:
        """Whether the statement may be printed as true."""
        return self.state == "verified"

    @property
    def css(self) -> str:
        """``verified``, ``false`` (refuted, an erratum included) or ``unverified``: a CSS class suffix."""
        if self.state == "verified":
            return "verified"
        return "false" if self.state in ("erratum", "refuted") else "unverified"

    @property
    def category(self) -> str:
        """The status chart's category: a strength, ``erratum``, ``awaiting-proof`` or ``unverified``."""
        if self.state == "verified":
            return str(self.strength or Strength.NUMERIC)
        return self.state if self.state in ("erratum", "awaiting-proof") else "unverified"


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
    """What to say about a result; failures are named as failures."""
    status = result.status
    if result.expected == "erratum":
        if status == Status.REFUTED:
            return Verdict(
                "erratum", "Erratum: the statement as printed is false (refuted, as expected)", ERRATUM_SHORT
            )
        warning = "erratum" if status == Status.VERIFIED else _warning(status)
        headline = f"Listed as an erratum, but the check found it {status}"
        return Verdict("error", headline, f"listed as an erratum, but {status}", warning, True)
    if status == Status.VERIFIED and result.strength == Strength.CHECKED:
        st = result.strength_text  # "checked, not proved: no counterexample in ..."
        return Verdict(
            "verified",
            st[0].upper() + st[1:],
            "checked (no counterexample found; not proved)",
            strength=result.strength,
        )
    if status == Status.VERIFIED:
        st = result.strength_text
        return Verdict("verified", f"Verified ({st})", f"verified ({st})", strength=result.strength)
    if result.expected == "awaiting-proof" and status == Status.INCONCLUSIVE:
        return Verdict("awaiting-proof", "Awaiting proof: no check could decide this identity yet", "awaiting proof")
    short = f"{status} (not verified)"
    if status == Status.REFUTED:
        what = "a point violates the inequality" if "search" in result.checks else "the two sides differ"
        return Verdict("refuted", f"Refuted: {what} (published only on request)", short, "refuted", True)
    if status == Status.INCONCLUSIVE:
        headline = "Inconclusive: no check could decide (not verified)"
        return Verdict("inconclusive", headline, short, "inconclusive", True)
    return Verdict("error", f"Error: {result.message or 'the entry could not be checked'}", short, "error", True)


def _warning(status: Status) -> str:
    return str(status) if status in (Status.REFUTED, Status.INCONCLUSIVE) else "error"


def _sizes(sizes: list[dict[str, int]]) -> str:
    shown = ["(" + ", ".join(f"{k} = {v}" for k, v in s.items()) + ")" for s in sizes if s]
    return "; ".join(shown)


def level_text(name: str, level: LevelResult) -> str:
    """One line about one level: what was done and what it found."""
    parts: list[str] = []
    if name in ("shapes", "symbolic", "prover", "search") and level.detail:
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


def step_marks(
    result: Result | None, n_steps: int, source: str = "written", report: DerivationReport | None = None
) -> StepMarks:
    """Per-step marks for a derivation of ``n_steps`` lines.

    Marks come from the verifier's report (``report``, by default ``Result.derivation``) when it
    is about this derivation; else the ``derivation`` level says how the check ended (a budget
    exceeded, say) and the steps are unmarked; without either they are "not yet step-checked".
    """
    level = result.checks.get("derivation") if result else None
    report = report if report is not None else (result.derivation if result else None)
    if report is not None and report.source == source:
        outcome, detail = report.outcome, report.detail or (level.detail if level else None)
        if len(report.steps) == n_steps:
            per_step = [_mark(s.outcome, s.detail or "") for s in report.steps]
        else:  # the check stopped before listing the steps (e.g. no 'identify' line)
            per_step = [_mark(outcome if outcome == "passed" else "unchecked")] * n_steps
    elif level is not None:
        outcome, detail = level.outcome, level.detail
        per_step = [_mark(outcome if outcome == "passed" else "unchecked")] * n_steps
    else:
        unchecked = [StepMark("unchecked", "")] * n_steps
        return StepMarks(False, "These steps are not yet step-checked.", unchecked)
    summary = {
        "passed": "Every step was checked against the one before.",
        "failed": "A step of this derivation failed its check.",
    }.get(outcome, f"The step check was {outcome}" + (f": {detail}" if detail else "."))
    return StepMarks(True, summary, per_step)


def _mark(outcome: str, detail: str = "") -> StepMark:
    outcome = outcome if outcome in OUTCOME_MARK else "unchecked"
    return StepMark(outcome, OUTCOME_MARK.get(outcome, ""), detail)
