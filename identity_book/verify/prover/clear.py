"""Multiplying out: a difference L − R that does not cancel is multiplied by matrices and
scalars that are invertible wherever the identity is defined, and compared again.

Multiplying by an invertible matrix (on either side) or by a nonzero scalar is injective, so
P·D·Q = 0 proves D = 0. The multipliers are taken from the difference itself:

- M on the left when some term is inv(M)_{ib}·(the rest) with i the free row index (and on the
  right when the free column index is inv(M)'s column): M is invertible wherever inv(M) is
  defined. That term becomes δ_ib·(the rest); every other term is multiplied out, and the
  rules (M inv(M) = I against sub-networks, ...) simplify it.
- S for a scalar 1/S (a reciprocal of a sum) in some term: S ≠ 0 wherever 1/S is defined; the
  terms with 1/S lose one power of it, the others are multiplied by S term by term.

So (A + UCV)·(the claimed inverse) is shown to reduce to I, as a person proves Woodbury.
"""

from __future__ import annotations

from identity_book.verify.prover.network import Session, Tensor, Term, einsum, matmul, transpose
from identity_book.verify.prover.rewrite import Ctx, simplify, tensor_key

MAX_ROUNDS = 6


def multiply_out(s: Session, d: Tensor, ctx: Ctx) -> Tensor:
    """The difference after at most :data:`MAX_ROUNDS` injective multiplications, as soon as it is 0."""
    for _ in range(MAX_ROUNDS):
        if not d.terms:
            return d
        step = _clear_reciprocal(s, d, ctx) or _by_inverse(s, d, ctx, left=True) or _by_inverse(s, d, ctx, left=False)
        if step is None:
            return d
        d = step
    return d


def _clear_reciprocal(s: Session, d: Tensor, ctx: Ctx) -> Tensor | None:
    recips = sorted(
        {a.key: a for u in d.terms for a, p in u.scalars if a.kind == "recip" and p > 0 and a.arg}.values(),
        key=lambda a: a.key,
    )
    if not recips:
        return None
    atom = recips[0]
    assert atom.arg is not None
    s.rule("multiplied out: D = 0 when S·D = 0 and 1/S is defined")
    out: list[Term] = []
    for u in d.terms:
        powers = dict((a.key, p) for a, p in u.scalars)
        if powers.get(atom.key, 0) > 0:
            scalars = tuple((a, p - 1 if a.key == atom.key else p) for a, p in u.scalars)
            out.append(Term(u.coef, u.factors, tuple((a, p) for a, p in scalars if p), u.free, extra=u.extra))
            continue
        one = Tensor(d.legs, d.nrows, (u,))
        ids = s.fresh(d.legs)
        out.extend(einsum(s, [(one, ids), (atom.arg, [])], ids, d.legs, d.nrows).terms)
    return simplify(s, Tensor(d.legs, d.nrows, tuple(out)), ctx)


def _single_leg(d: Tensor, left: bool) -> int | None:
    """The slot of the free index multiplied on (rows when ``left``), when it is one leg."""
    if len(d.legs) != 2 or d.nrows != 1:
        if left and d.nrows == 1 and len(d.legs) == 1:
            return 0
        return None
    return 0 if left else 1


def _match(u: Term, slot: int, key: str, key_t: str) -> tuple[int, int] | None:
    """(factor, the index the free one is replaced by) when the free index at ``slot`` is a leg
    of inv(P) (P's key ``key``) in the slot P's inverse is contracted on, or of inv(Pᵀ) in the
    other slot, and occurs nowhere else."""
    i = u.free[slot]
    if u.free.count(i) != 1:
        return None
    hits = [(k, legs.index(i)) for k, (_, legs) in enumerate(u.factors) if i in legs]
    if len(hits) != 1:
        return None
    k, leg = hits[0]
    atom, legs = u.factors[k]
    if atom.kind != "inv" or atom.arg is None or len(legs) != 2 or legs.count(i) != 1:
        return None
    arg_key = tensor_key(atom.arg)
    # on the left (slot 0): Σ_i P_ki inv(P)_ib = δ_kb, and inv(Pᵀ)_bi = inv(P)_ib;
    # on the right (slot 1): Σ_j inv(P)_aj P_jk = δ_ak, and inv(Pᵀ)_ja = inv(P)_aj
    want = 0 if slot == 0 else 1
    if arg_key == key and leg == want:
        return k, legs[1 - leg]
    if arg_key == key_t and leg == 1 - want:
        return k, legs[1 - leg]
    return None


def _by_inverse(s: Session, d: Tensor, ctx: Ctx, left: bool) -> Tensor | None:
    slot = _single_leg(d, left)
    if slot is None:
        return None
    candidates: dict[str, Tensor] = {}
    for u in d.terms:
        i = u.free[slot]
        for atom, legs in u.factors:
            if atom.kind != "inv" or atom.arg is None or i not in legs or len(legs) != 2:
                continue
            p = atom.arg if (legs.index(i) == 0) == left else simplify(s, transpose(atom.arg), ctx)
            candidates.setdefault(tensor_key(p), p)
    for key in sorted(candidates):
        p = candidates[key]
        if len(p.legs) != 2 or p.nrows != 1 or p.legs[0] != p.legs[1] or p.legs[0] != d.legs[slot]:
            continue
        key_t = tensor_key(simplify(s, transpose(p), ctx))
        if not any(_match(u, slot, key, key_t) for u in d.terms):
            continue
        s.rule("multiplied out: D = 0 when M·D = 0 (or D·M = 0) and inv(M) is defined")
        out: list[Term] = []
        for u in d.terms:
            hit = _match(u, slot, key, key_t)
            if hit is not None:
                k, new = hit
                free = tuple(new if n == slot else f for n, f in enumerate(u.free))
                factors = u.factors[:k] + u.factors[k + 1 :]
                out.append(Term(u.coef, factors, u.scalars, free, extra=u.extra))
                continue
            one = Tensor(d.legs, d.nrows, (u,))
            prod = matmul(s, p, one) if left else matmul(s, one, p)
            out.extend(prod.terms)
        return simplify(s, Tensor(d.legs, d.nrows, tuple(out)), ctx)
    return None


__all__ = ["multiply_out"]
