"""Derivatives of tensors with respect to a variable, on the networks.

The derivative of a tensor T (positions P) with respect to X (legs L) is the tensor with
positions P + L whose entry (p, l) is ∂T_p / ∂X_l. The product rule runs over a term's factors;
each atom has its differential:

- X itself: ∂X_ab / ∂X_cd = δ_ac δ_bd (the indices are merged);
- inv(M): d inv(M) = −inv(M) dM inv(M);
- det(M): d det M = det M · tr(inv(M) dM); logdet and logabsdet: tr(inv(M) dM);
- a closed network: its own derivative; 1/S: −dS / S²;
- log x: dx / x; exp x: exp(x) dx; sqrt x: dx / (2 sqrt x); x^q: q x^q dx / x; elementwise on
  matrices the same, entry by entry (a shared index: a Hadamard product with dM).

- tr(expm(M)): d tr(expm(M)) = tr(expm(M) dM) (the trace of expm only).

pinv, logm, eigvals, rank, abs and expm other than in a trace have no rule here: a derivative
through one of them is not proved (abs of a sum of squares is the sum itself: see atoms). The
context must switch off the properties of X (see :mod:`.rewrite`).
"""

from __future__ import annotations

from fractions import Fraction

from identity_book.verify.prover import atoms
from identity_book.verify.prover.network import (
    Atom,
    Dim,
    Session,
    Tensor,
    Term,
    Unsupported,
    atom_tensor,
    einsum,
    scalar,
)
from identity_book.verify.prover.rewrite import Ctx, power_of_atom, reciprocal, simplify


def derivative(s: Session, t: Tensor, x: str, ctx: Ctx) -> Tensor:
    """∂t/∂x with positions t's then x's legs (rows count: t's), simplified in ``ctx``."""
    if x not in ctx:
        raise Unsupported("internal: a derivative taken with the variable's properties on")
    xlegs: tuple[Dim, ...] = s.var_legs[x][0]
    t = simplify(s, t, ctx)
    out: list[Term] = []
    for u in t.terms:
        xs = s.fresh(xlegs)
        for k, (atom, legs) in enumerate(u.factors):
            if x not in atom.variables:
                continue
            rest = Term(u.coef, u.factors[:k] + u.factors[k + 1 :], u.scalars, u.free)
            if _traced(u, k):
                out.extend(_trace_of_function(s, atom, rest, x, xs, ctx))
                continue
            da = atom_derivative(s, atom, x, ctx)
            out.extend(_attach(s, u, rest, da, list(legs) + xs, xs))
        for k, (atom, p) in enumerate(u.scalars):
            if x not in atom.variables:
                continue
            left = tuple((a, q) if j != k else (a, q - 1) for j, (a, q) in enumerate(u.scalars))
            rest = Term(u.coef * p, u.factors, tuple((a, q) for a, q in left if q), u.free)
            da = atom_derivative(s, atom, x, ctx)
            out.extend(_attach(s, u, rest, da, xs, xs))
        s.tick()
    return simplify(s, Tensor(t.legs + xlegs, t.nrows, tuple(out)), ctx)


def _traced(u: Term, k: int) -> bool:
    """Whether factor k is tr(f(M)) for f = expm: its two legs one summed index, in no other factor."""
    atom, legs = u.factors[k]
    if atom.kind != "expm" or len(legs) != 2 or legs[0] != legs[1] or legs[0] in u.free:
        return False
    return all(legs[0] not in lg for j, (_, lg) in enumerate(u.factors) if j != k)


def _trace_of_function(s: Session, atom: Atom, rest: Term, x: str, xs: list[int], ctx: Ctx) -> tuple[Term, ...]:
    """d tr(expm(M)) = tr(expm(M) dM), times the rest of the term."""
    m = atom.arg
    assert m is not None
    s.rule("d tr(expm(M)) = tr(expm(M) dM)")
    dm = derivative(s, m, x, ctx)
    p, q = s.fresh(m.rows), s.fresh(m.cols)
    grad = einsum(s, [(atom_tensor(s, atom), p + q), (dm, q + p + xs)], xs, tuple(s.dims[i] for i in xs), 0)
    ids = sorted({i for _, lg in rest.factors for i in lg} | set(rest.free) | set(xs))
    whole = Tensor(tuple(s.dims[i] for i in ids), 0, (Term(rest.coef, rest.factors, rest.scalars, tuple(ids)),))
    out = list(rest.free) + xs
    return einsum(s, [(whole, ids), (grad, xs)], out, tuple(s.dims[i] for i in out), 0).terms


def _attach(s: Session, u: Term, rest: Term, da: Tensor, da_ids: list[int], xs: list[int]) -> tuple[Term, ...]:
    ids = sorted(u.indices() | set(xs))
    dims: tuple[Dim, ...] = tuple(s.dims[i] for i in ids)
    whole = Tensor(dims, 0, (Term(rest.coef, rest.factors, rest.scalars, tuple(ids)),))
    out = list(u.free) + xs
    return einsum(s, [(whole, ids), (da, da_ids)], out, tuple(s.dims[i] for i in out), 0).terms


def atom_derivative(s: Session, atom: Atom, x: str, ctx: Ctx) -> Tensor:
    """∂atom/∂x: positions the atom's legs, then x's legs."""
    xlegs = s.var_legs[x][0]
    legs = atom.legs + xlegs
    if atom.kind == "var":
        ids = s.fresh(xlegs)
        return Tensor(legs, atom.nrows, (Term(Fraction(1), free=tuple(ids + ids)),))
    m = atom.arg
    if m is None:
        raise Unsupported(f"no derivative of {atom.kind}")
    if atom.kind == "net":
        return derivative(s, m, x, ctx)
    dm = derivative(s, m, x, ctx)
    xs = s.fresh(xlegs)
    if atom.kind == "inv":
        s.rule("d inv(M) = -inv(M) dM inv(M)")
        me = atom_tensor(s, atom)
        r, c = s.fresh(m.cols), s.fresh(m.rows)
        p, q = s.fresh(m.rows), s.fresh(m.cols)
        t = einsum(s, [(me, r + p), (dm, p + q + xs), (me, q + c), (scalar(-1), [])], r + c + xs, legs, atom.nrows)
        return simplify(s, t, ctx)
    if atom.kind in ("det", "logdet", "logabsdet"):
        s.rule(f"d {atom.kind}(M) = {'det(M) ' if atom.kind == 'det' else ''}tr(inv(M) dM)")
        inv = atoms.inverse(s, m, ctx)
        p, q = s.fresh(m.rows), s.fresh(m.cols)
        parts: list[tuple[Tensor, list[int]]] = [(inv, q + p), (dm, p + q + xs)]
        if atom.kind == "det":
            parts.append((atom_tensor(s, atom), []))
        return simplify(s, einsum(s, parts, xs, legs, 0), ctx)
    if atom.kind == "recip":
        s.rule("d(1/S) = -dS/S²")
        me = atom_tensor(s, atom)
        return simplify(s, einsum(s, [(me, []), (me, []), (dm, xs), (scalar(-1), [])], xs, legs, 0), ctx)
    if atom.kind == "func":
        prime = _function_derivative(s, atom, m, ctx)
        ids = s.fresh(atom.legs)
        return simplify(s, einsum(s, [(prime, ids), (dm, ids + xs)], ids + xs, legs, atom.nrows), ctx)
    raise Unsupported(f"no derivative rule for {atom.kind}")


def _function_derivative(s: Session, atom: Atom, m: Tensor, ctx: Ctx) -> Tensor:
    """f'(M) entry by entry (positions the atom's legs)."""
    name = atom.name
    me = atom_tensor(s, atom)
    if name == "exp":
        s.rule("d exp(x) = exp(x) dx")
        return me
    if name in ("log", "logabs"):
        s.rule("d log(x) = dx / x")
        return _recip(s, m, ctx)
    if name == "sqrt":
        s.rule("d sqrt(x) = dx / (2 sqrt(x))")
        half = Fraction(1, 2)
        if not atom.legs:
            return simplify(s, einsum(s, [(power_of_atom(s, atom, -1, ctx), []), (scalar(half), [])], [], (), 0), ctx)
        ids = s.fresh(atom.legs)
        inv = atoms.func(s, "recip", me, ctx)
        return simplify(s, einsum(s, [(inv, ids), (scalar(half), [])], ids, atom.legs, atom.nrows), ctx)
    if name.startswith("pow:"):
        q = Fraction(name[4:])
        s.rule("d x^q = q x^q dx / x")
        ids = s.fresh(atom.legs)
        t = einsum(s, [(me, ids), (_recip(s, m, ctx), ids), (scalar(q), [])], ids, atom.legs, atom.nrows)
        return simplify(s, t, ctx)
    if name == "recip":
        s.rule("d(1/x) = -dx/x²")
        ids = s.fresh(atom.legs)
        return simplify(s, einsum(s, [(me, ids), (me, ids), (scalar(-1), [])], ids, atom.legs, atom.nrows), ctx)
    raise Unsupported(f"no derivative rule for {name}")


def _recip(s: Session, m: Tensor, ctx: Ctx) -> Tensor:
    return reciprocal(s, m, ctx) if not m.legs else atoms.func(s, "recip", m, ctx)
