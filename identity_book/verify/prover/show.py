"""The prover's certificate as text (``identity-book show ID``)."""

from __future__ import annotations

from typing import Any


def format_proof(proof: dict[str, Any]) -> str:
    lhs, rhs = str(proof.get("lhs", "")), str(proof.get("rhs", ""))
    lines = ["  proved for all sizes: both sides reduce to one normal form (index notation, Σ sums)"]
    if lhs == rhs:
        lines.append(f"    both sides: {lhs}")
    else:
        lines += [f"    left side:  {lhs}", f"    right side: {rhs}"]
    rules = proof.get("rules") or []
    lines.append("    rules used: " + ("; ".join(map(str, rules)) if rules else "none beyond expanding and merging"))
    return "\n".join(lines)
