"""Decide an identity for all sizes: both sides to canonical sums of tensor networks, compared
exactly. Equal normal forms are a proof; anything else proves nothing.

Integer parameters (``k: {integer: [1, 4]}``) are symbols first; when that proves nothing, the
identity is proved by cases, one for each value of the parameters in their stated ranges (the
statement claims no other value), skipping only the values a constraint on the parameters alone
excludes. Every case is proved for all sizes, within one shared operation budget.
"""

from __future__ import annotations

import ast
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from identity_book.catalogue.compile import Compiled
from identity_book.expr.complexity import uses_complex
from identity_book.verify.prover import atoms
from identity_book.verify.prover.canonical import show_sum
from identity_book.verify.prover.clear import multiply_out
from identity_book.verify.prover.network import BudgetExceeded, Session, Tensor, Unsupported, add, conform, scale
from identity_book.verify.prover.rewrite import simplify
from identity_book.verify.prover.translate import Builder, legs_of

MAX_OPS = 60_000  # the deterministic budget: product terms formed and canonical-form steps
MAX_CASES = 48  # at most this many cases over the integer parameters' values


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
    complex_part = uses_complex((c.lhs, c.rhs, *(s.node for s in c.steps)), c.scope.complex_vars)
    if complex_part:  # the prover's algebra is real: transposes without conjugation
        return Proof(False, f"{complex_part} is outside the prover's algebra (real matrices only)")
    first = _attempt(c, {}, max_ops)
    if first.proved or not c.params:
        first.seconds = time.perf_counter() - start
        return first
    cases = _cases(c)
    if cases is None:
        first.seconds = time.perf_counter() - start
        return first
    used, shown = first.ops, []
    rules: set[str] = set()
    for env in cases:
        if used >= max_ops:
            return Proof(
                False, f"the prover's budget of {max_ops} operations ran out", used, time.perf_counter() - start
            )
        case = _attempt(c, env, max_ops - used)
        used += case.ops
        label = ", ".join(f"{k} = {v}" for k, v in env.items())
        if not case.proved:
            reason = f"{first.reason}; by cases, at {label}: {case.reason}"
            return Proof(False, reason, used, time.perf_counter() - start)
        assert case.certificate is not None
        shown.append((label, case.certificate))
        rules.update(case.certificate["rules"])
    ranges = ", ".join(f"{k} = {lo}..{hi}" for k, (lo, hi) in c.params.items())
    rules.add(f"by cases over the integer parameters' stated ranges ({ranges})")
    certificate = {
        "lhs": "; ".join(f"{label}: {cert['lhs']}" for label, cert in shown),
        "rhs": "; ".join(f"{label}: {cert['rhs']}" for label, cert in shown),
        "terms": max(cert["terms"] for _, cert in shown),
        "rules": sorted(rules),
        "ops": used,
        "cases": len(shown),
    }
    reason = f"both sides reduce to the same normal form in each of {len(shown)} case(s)"
    return Proof(True, reason, used, time.perf_counter() - start, certificate)


def _cases(c: Compiled) -> list[dict[str, int]] | None:
    """Every assignment of the integer parameters within their ranges that no constraint on the
    parameters alone excludes; None when there are more than :data:`MAX_CASES`."""
    names = list(c.params)
    total = 1
    for lo, hi in c.params.values():
        total *= hi - lo + 1
    if total > 4 * MAX_CASES:
        return None
    local = [k for k in c.constraints if _names(k.tree) <= set(names)]
    out = []
    for values in itertools.product(*(range(lo, hi + 1) for lo, hi in c.params.values())):
        env = dict(zip(names, values, strict=True))
        if all(k.holds(env) for k in local):
            out.append(env)
    return out if 0 < len(out) <= MAX_CASES else None


def _names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _attempt(c: Compiled, env: dict[str, int], max_ops: int) -> Proof:
    """Attempts in turn, within one budget, until one proves the identity: the plain rules; then
    with W_k inv(W) = I − Σ W_l inv(W) for inverses of sums on; then, when a variable has a
    literal size, with the literal-size rules on (det and inv by traces, Cayley–Hamilton)."""
    modes = [{}, {"sum_inverse": True}] + ([{"literal": True}] if _literal_sizes(c) else [])
    used, first = 0, None
    for mode in modes:
        if used >= max_ops:
            break
        proof = _attempt_once(c, env, max_ops - used, **mode)
        used += proof.ops
        first = first or proof
        if proof.proved:
            assert proof.certificate is not None
            proof.ops = proof.certificate["ops"] = used
            return proof
    assert first is not None
    return Proof(False, first.reason, used)


def _literal_sizes(c: Compiled) -> bool:
    return any(isinstance(d, int) and d >= 2 for v in c.identity.variables for d in v.shape or ())


def _attempt_once(
    c: Compiled, env: dict[str, int], max_ops: int, literal: bool = False, sum_inverse: bool = False
) -> Proof:
    start = time.perf_counter()
    s = Session(max_ops)
    s.literal = literal
    s.sum_inverse = sum_inverse
    s.build_atom = atoms.build
    for var in c.identity.variables:
        if var.integer is not None:
            continue
        s.props[var.name] = frozenset(var.properties)
        s.var_legs[var.name] = legs_of(var.shape)
    builder = Builder(s, frozenset(c.dims) | frozenset(c.params))
    builder.env.update(env)
    empty: frozenset[str] = frozenset()
    try:
        lhs = builder.build(c.lhs, empty)
        rhs = builder.build(c.rhs, empty)
        rhs = conform(s, rhs, lhs.legs, lhs.nrows) or rhs
        lhs = conform(s, lhs, rhs.legs, rhs.nrows) or lhs
        if lhs.legs != rhs.legs or (lhs.legs and lhs.nrows != rhs.nrows):
            return _no(s, start, "the sides order their combined indices differently")
        difference = simplify(s, add(lhs, scale(rhs, -1)), empty)
        if difference.terms:
            difference = multiply_out(s, difference, empty)
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
