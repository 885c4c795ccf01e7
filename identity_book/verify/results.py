"""What a verification found: per-level outcomes and the identity's status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """What the verifier decided about an identity."""

    VERIFIED = "verified"  # every level that ran passed, and one that decides did
    REFUTED = "refuted"  # a counterexample (or a failed written derivation step)
    INCONCLUSIVE = "inconclusive"  # no level could decide: not a pass
    ERROR = "error"  # the entry could not be checked


STATUSES = tuple(s.value for s in Status)


class Strength(StrEnum):
    """What a verification showed, strongest first."""

    PROVED = "proved"  # a proof for all sizes (the prover, or SymPy's matrix algebra)
    PROVED_AT_SIZES = "proved-at-sizes"  # a symbolic proof at the concrete sizes it names
    EXACT = "exact"  # equality in exact arithmetic at random points
    NUMERIC = "numeric"  # only a floating-point check could decide
    CHECKED = "checked"  # an inequality without a counterexample: random points and a search, no proof

    @property
    def words(self) -> str:
        """How the strength reads in a count: '45 proved for all sizes'."""
        return {
            "proved": "proved for all sizes",
            "proved-at-sizes": "proved at small sizes",
            "exact": "exact",
            "numeric": "numeric",
            "checked": "checked, not proved",
        }[self.value]


STRENGTHS = tuple(s.value for s in Strength)
LEVELS = ("shapes", "numeric", "search", "exact", "prover", "symbolic", "derivation")


@dataclass
class Counterexample:
    """Where the two sides differ: what a reader needs to check a refutation by hand.

    ``values`` and the sides are plain JSON (numbers, rationals as strings, nested lists).
    ``exact`` says whether the sides were computed in exact arithmetic; a floating-point
    refutation carries its ``residual`` and ``tolerance``, and ``digits`` when it was confirmed
    at that precision.
    """

    seed: int
    sizes: dict[str, int]
    values: dict[str, Any]
    lhs: Any
    rhs: Any
    exact: bool = True
    residual: float | None = None
    tolerance: float | None = None
    digits: int | None = None


@dataclass
class StepReport:
    """One checked step of a derivation; ``outcome`` is passed, failed or inconclusive."""

    index: int
    kind: str
    expr: str
    because: str | None
    outcome: str = "passed"
    detail: str | None = None
    counterexample: Counterexample | None = None


@dataclass
class DerivationReport:
    """A derivation checked step by step (``source``: written or generated)."""

    source: str
    outcome: str
    steps: list[StepReport] = field(default_factory=list)
    detail: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DerivationReport:
        steps = [StepReport(**{**s, "counterexample": _counterexample(s.get("counterexample"))}) for s in data["steps"]]
        return cls(data["source"], data["outcome"], steps, data.get("detail"))


def _counterexample(data: dict[str, Any] | None) -> Counterexample | None:
    return Counterexample(**data) if data is not None else None


def _derivation(data: dict[str, Any] | None) -> DerivationReport | None:
    return DerivationReport.from_json(data) if data is not None else None


@dataclass
class LevelResult:
    """One check level. ``outcome`` is passed, failed, inconclusive or skipped."""

    outcome: str
    sizes: list[dict[str, int]] = field(default_factory=list)
    points: int = 0
    max_rel_error: float | None = None
    tolerance: float | None = None
    seconds: float = 0.0
    detail: str | None = None
    counterexample: Counterexample | None = None


@dataclass
class Result:
    id: str
    file: str
    line: int
    status: Status
    strength: Strength | None = None
    checks: dict[str, LevelResult] = field(default_factory=dict)
    max_rel_error: float | None = None
    counterexample: Counterexample | None = None
    message: str = ""
    expected: str | None = None  # "erratum" (refutation expected) or "awaiting-proof"
    seed: int = 0
    derivation: DerivationReport | None = None  # the written one, or else the generated one
    generated_derivation: DerivationReport | None = None  # shown beside a written derivation
    proof: dict[str, Any] | None = None  # the prover's certificate: both normal forms, the rules used
    cached: bool = field(default=False, repr=False)  # from the cache: not part of what was found

    @property
    def ok(self) -> bool:
        """Whether this result lets a run succeed."""
        if self.expected == "erratum":
            return self.status == "refuted"
        if self.expected == "awaiting-proof":
            return self.status in ("verified", "inconclusive")
        return self.status == "verified"

    @property
    def strength_text(self) -> str:
        """The strength as a reader needs it: 'proved for all sizes', 'proved for n = 2', ..."""
        if self.strength == Strength.PROVED_AT_SIZES:
            sizes = self.checks["symbolic"].sizes if "symbolic" in self.checks else []
            where = ", ".join(f"{k} = {v}" for s in sizes for k, v in s.items())
            return f"proved for {where}, not for all sizes" if where else "proved at small sizes"
        if self.strength == Strength.CHECKED:
            random, search = self.checks.get("numeric"), self.checks.get("search")
            effort = [
                f"{random.points} random points" if random else "",
                f"{search.points} optimisation starts" if search and search.outcome == "passed" else "",
            ]
            done = " and ".join(e for e in effort if e)
            return f"checked, not proved: no counterexample in {done}" if done else "checked, not proved"
        return Strength(self.strength).words if self.strength else ""

    @property
    def label(self) -> str:
        return f"verified ({self.strength_text})" if self.status == "verified" else self.status

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("cached")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        if data.get("status") not in STATUSES or not isinstance(data.get("checks"), dict):
            raise ValueError("not a result")
        checks = {
            k: LevelResult(**{**v, "counterexample": _counterexample(v.get("counterexample"))})
            for k, v in data["checks"].items()
        }
        return cls(
            **{
                **data,
                "status": Status(data["status"]),
                "strength": Strength(data["strength"]) if data.get("strength") else None,
                "checks": checks,
                "counterexample": _counterexample(data.get("counterexample")),
                "derivation": _derivation(data.get("derivation")),
                "generated_derivation": _derivation(data.get("generated_derivation")),
            }
        )
