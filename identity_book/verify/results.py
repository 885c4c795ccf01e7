"""What a verification found: per-level outcomes and the identity's status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

STATUSES = ("verified", "refuted", "inconclusive", "error")


class Strength(StrEnum):
    """What a verification showed, strongest first."""

    PROVED = "proved"  # a proof for all sizes (the prover, or SymPy's matrix algebra)
    PROVED_AT_SIZES = "proved-at-sizes"  # a symbolic proof at the concrete sizes it names
    EXACT = "exact"  # equality in exact arithmetic at random points
    NUMERIC = "numeric"  # only a floating-point check could decide

    @property
    def words(self) -> str:
        """How the strength reads in a count: '45 proved for all sizes'."""
        return {
            "proved": "proved for all sizes",
            "proved-at-sizes": "proved at small sizes",
            "exact": "exact",
            "numeric": "numeric",
        }[self.value]


STRENGTHS = tuple(s.value for s in Strength)
LEVELS = ("shapes", "numeric", "exact", "prover", "symbolic", "derivation")


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
    counterexample: dict[str, Any] | None = None


@dataclass
class Result:
    id: str
    file: str
    line: int
    status: str
    strength: str | None = None
    checks: dict[str, LevelResult] = field(default_factory=dict)
    max_rel_error: float | None = None
    counterexample: dict[str, Any] | None = None
    message: str = ""
    expected: str | None = None  # "erratum" (refutation expected) or "awaiting-proof"
    seed: int = 0
    derivation: dict[str, Any] | None = None  # source, outcome, detail, steps (each with its outcome)
    generated_derivation: dict[str, Any] | None = None  # shown beside a written derivation
    proof: dict[str, Any] | None = None  # the prover's certificate: both normal forms, the rules used
    cached: bool = False

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
        checks = {k: LevelResult(**v) for k, v in data["checks"].items()}
        return cls(**{**data, "checks": checks})
