"""Decide an identity for all sizes: both sides to canonical sums of tensor networks, compared
exactly. Equal normal forms are a proof; anything else proves nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from identity_book.catalogue.compile import Compiled
from identity_book.verify.prover import atoms
from identity_book.verify.prover.canonical import show_sum
from identity_book.verify.prover.network import BudgetExceeded, Session, Tensor, Unsupported, add, conform, scale
from identity_book.verify.prover.rewrite import simplify
from identity_book.verify.prover.translate import Builder, legs_of

MAX_OPS = 60_000  # the deterministic budget: product terms formed and canonical-form steps


@dataclass
class Proof:
    """The prover's outcome: ``proved``, or why not; and for a proof its certificate."""

    proved: bool
    reason: str = ""
    ops: int = 0
    seconds: float = 0.0
    certificate: dict[str, Any] | None = field(default=None)


def prove(c: Compiled, max_ops: int = MAX_OPS) -> Proof:
    start = time.perf_counter()
    s = Session(max_ops)
    s.build_atom = atoms.build
    for var in c.identity.variables:
        if var.integer is not None:
            continue
        s.props[var.name] = frozenset(var.properties)
        s.var_legs[var.name] = legs_of(var.shape)
    builder = Builder(s, frozenset(c.dims) | frozenset(c.params))
    empty: frozenset[str] = frozenset()
    try:
        lhs = builder.build(c.lhs, empty)
        rhs = builder.build(c.rhs, empty)
        rhs = conform(s, rhs, lhs.legs, lhs.nrows) or rhs
        lhs = conform(s, lhs, rhs.legs, rhs.nrows) or lhs
        if lhs.legs != rhs.legs or (lhs.legs and lhs.nrows != rhs.nrows):
            return _no(s, start, "the sides order their combined indices differently")
        difference = simplify(s, add(lhs, scale(rhs, -1)), empty)
    except Unsupported as exc:
        return _no(s, start, f"not in the prover's algebra: {exc}")
    except BudgetExceeded:
        return _no(s, start, f"the prover's budget of {max_ops} operations ran out")
    except RecursionError:
        return _no(s, start, "expression too deep for the prover")
    if difference.terms:
        return _no(s, start, f"the normal forms differ ({len(difference.terms)} term(s) do not cancel)")
    certificate = {
        "lhs": show(lhs),
        "rhs": show(rhs),
        "terms": len(lhs.terms),
        "rules": sorted(s.rules),
        "ops": s.ops,
    }
    return Proof(True, "both sides reduce to the same normal form", s.ops, time.perf_counter() - start, certificate)


def show(t: Tensor) -> str:
    return show_sum(t.terms, t.nrows, len(t.legs))


def _no(s: Session, start: float, reason: str) -> Proof:
    return Proof(False, reason, s.ops, time.perf_counter() - start)
