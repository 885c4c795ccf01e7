"""What a verification found: per-level outcomes and the identity's status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("verified", "refuted", "inconclusive", "error")
STRENGTHS = ("proved", "exact", "numeric")
LEVELS = ("shapes", "numeric", "exact", "symbolic", "derivation")


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
    def label(self) -> str:
        return f"verified ({self.strength})" if self.status == "verified" else self.status

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
