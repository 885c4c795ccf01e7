"""Opaque atoms (inverse, determinant, log-determinant, pseudo-inverse, functions) and the
sound rules used when one is built:

- inv: inv(Mᵀ) = inv(M)ᵀ; inv(c·A₁⋯A_k) = (1/c)·inv(A_k)⋯inv(A₁) when every A_i is square
  (then each is invertible when the product is); inv(inv(A)) = A; inv(Q) = Qᵀ for an orthogonal
  Q; inv(I) = I; the inverse of a 1×1 matrix is the reciprocal;
- det: det(Mᵀ) = det M; det(A₁⋯A_k) = Π det A_i for square factors; det(inv A) = 1/det A;
  det(c·M) = c^k det M only for a literal size k; det of a 1×1 matrix is its entry;
  det(Q)² = 1 for an orthogonal Q;
- logdet: logdet(Mᵀ) = logdet M; logdet(inv A) = −logdet A; logdet(A₁⋯A_k) = Σ logdet A_i when
  every factor is symmetric positive definite (or the inverse of one);
- logabsdet: the same without positivity, and logabsdet(Q) = 0 for an orthogonal Q;
- pinv: pinv(Mᵀ) = pinv(M)ᵀ; pinv(pinv M) = M; pinv(A) = inv(A) for an invertible A,
  (AᵀA)⁻¹Aᵀ for full column rank, Aᵀ(AAᵀ)⁻¹ for full row rank;
- elementwise functions, expm, logm: f(Mᵀ) = f(M)ᵀ; eigvals(Mᵀ) = eigvals(M); rank(Mᵀ) = rank(M).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import sympy

from identity_book.verify.prover.network import (
    Atom,
    Session,
    Tensor,
    Term,
    Unsupported,
    atom_tensor,
    einsum,
    identity,
    kron,
    matmul,
    scalar,
    transpose,
)
from identity_book.verify.prover.rewrite import (
    LITERAL_CH,
    LITERAL_DET,
    Ctx,
    active,
    elementary,
    int_atom,
    mpower,
    power,
    power_of_atom,
    reciprocal,
    simplify,
    spower,
    tensor_key,
    triangular,
    var_atom,
    variables_of,
)

INVERTIBLE = ("invertible", "spd", "orthogonal")

Link = tuple[Atom, bool]  # a chain factor, and whether it is read transposed


def build(s: Session, kind: str, name: str, arg: Tensor, ctx: Ctx) -> Tensor:
    arg = simplify(s, arg, ctx)
    if kind == "inv":
        return inverse(s, arg, ctx)
    if kind == "pinv":
        return pinv(s, arg, ctx)
    if kind == "det":
        return det(s, arg, ctx)
    if kind in ("logdet", "logabsdet"):
        return logdet(s, arg, ctx, kind)
    if kind == "func":
        return func(s, name, arg, ctx)
    if kind in ("expm", "logm"):
        return _oriented(s, kind, "", arg, ctx, arg.legs, arg.nrows)
    if kind == "eigvals":
        return _invariant(s, kind, arg, ctx, (arg.rows[0],) if arg.rows else (), 1 if arg.rows else 0)
    if kind == "rank":
        return _invariant(s, kind, arg, ctx, (), 0)
    if kind == "recip":
        return reciprocal(s, arg, ctx)
    if kind == "sign":
        return det(s, arg, ctx)
    if kind in ("projL", "projR"):
        p = pinv(s, arg, ctx)
        pair = matmul(s, arg, p) if kind == "projL" else matmul(s, p, arg)
        return simplify(s, pair, ctx)
    raise Unsupported(f"no rule builds {kind}")


def _atom(s: Session, kind: str, name: str, arg: Tensor, ctx: Ctx, legs: tuple, nrows: int, sym: int) -> Atom:
    label = f"{kind}:{name}" if name else kind
    return Atom(kind, f"{label}({tensor_key(arg)})", legs, nrows, name, arg, sym, variables_of(arg), ctx)


def _sqrt_of_product(s: Session, name: str, m: Tensor, ctx: Ctx) -> Tensor | None:
    """sqrt(c·Π a_i^p_i) = sqrt(c)·Π sqrt(a_i)^p_i when every a_i ≥ 0 and c is a rational square."""
    if name != "sqrt" or len(m.terms) != 1 or m.terms[0].factors:
        return None
    u = m.terms[0]
    if u.coef <= 0 or not u.scalars or not all(_nonnegative_atom(a) for a, _ in u.scalars):
        return None
    if len(u.scalars) == 1 and u.scalars[0][1] == 1 and u.coef == 1:
        return None
    num, den = _rational_sqrt(u.coef.numerator), _rational_sqrt(u.coef.denominator)
    if num is None or den is None:
        return None
    s.rule("sqrt(xy) = sqrt(x) sqrt(y) for x, y ≥ 0")
    out = scalar(Fraction(num, den))
    for a, p in u.scalars:
        root = func(s, "sqrt", simplify(s, Tensor((), 0, (Term(Fraction(1), (), ((a, 1),), ()),)), ctx), ctx)
        out = _mul_scalars(s, out, power(s, root, p, ctx), ctx)
    return out


def _rational_sqrt(n: int) -> int | None:
    r = math.isqrt(n)
    return r if r * r == n else None


def _nonnegative_term(u: Term) -> bool:
    """A term that is ≥ 0 at every real point: a positive coefficient, no legged factor, and
    scalar factors each a square (an even power), or an atom that is ≥ 0 (exp, sqrt, abs, a closed
    network whose factors come in identical pairs: a sum of products of squares)."""
    if u.coef <= 0 or u.factors or u.free:
        return False
    return all(p % 2 == 0 or _nonnegative_atom(a) for a, p in u.scalars)


def _nonnegative_atom(a: Atom) -> bool:
    if a.kind == "func" and a.name in ("exp", "sqrt", "abs"):
        return True
    if a.kind == "net" and a.arg is not None and len(a.arg.terms) == 1:
        inner = a.arg.terms[0]
        if inner.coef <= 0 or inner.free or not _nonnegative_term(Term(inner.coef, (), inner.scalars)):
            return False
        counts: dict[tuple[str, tuple[int, ...]], int] = {}
        for atom, legs in inner.factors:
            counts[(atom.key, legs)] = counts.get((atom.key, legs), 0) + 1
        return all(c % 2 == 0 for c in counts.values())
    return False


def _oriented(s: Session, kind: str, name: str, m: Tensor, ctx: Ctx, legs: tuple, nrows: int) -> Tensor:
    """An atom f(M) with f(Mᵀ) = f(M)ᵀ, built on whichever of M and Mᵀ has the smaller form."""
    mt = simplify(s, transpose(m), ctx)
    k1, k2 = tensor_key(m), tensor_key(mt)
    square = m.rows == m.cols
    sym = 1 if square and k1 == k2 else 0
    if k2 < k1 and square:
        s.rule(f"{kind}(Mᵀ) = {kind}(M)ᵀ")
        return transpose(atom_tensor(s, _atom(s, kind, name, mt, ctx, legs, nrows, sym)))
    if k2 < k1 and not square:
        flipped = legs[nrows:] + legs[:nrows]
        s.rule(f"{kind}(Mᵀ) = {kind}(M)ᵀ")
        return transpose(atom_tensor(s, _atom(s, kind, name, mt, ctx, flipped, len(legs) - nrows, 0)))
    return atom_tensor(s, _atom(s, kind, name, m, ctx, legs, nrows, sym))


def _invariant(s: Session, kind: str, m: Tensor, ctx: Ctx, legs: tuple, nrows: int) -> Tensor:
    """An atom f(M) with f(Mᵀ) = f(M)."""
    mt = simplify(s, transpose(m), ctx)
    if tensor_key(mt) < tensor_key(m):
        s.rule(f"{kind}(Mᵀ) = {kind}(M)")
        m = mt
    return atom_tensor(s, _atom(s, kind, "", m, ctx, legs, nrows, 0))


def chain(m: Tensor) -> tuple[Fraction, tuple[tuple[Atom, int], ...], list[Link]] | None:
    """When ``m`` (a square matrix, one leg each side) is one term c·s·A₁⋯A_k of square factors:
    (c, the scalar factors s, the factors in order, each with whether it is read transposed)."""
    if len(m.terms) != 1 or len(m.rows) != 1 or m.rows != m.cols:
        return None
    u = m.terms[0]
    dim = m.rows[0]
    start, end = u.free
    occ: dict[int, list[tuple[int, int]]] = {}
    for k, (atom, legs) in enumerate(u.factors):
        if len(legs) != 2 or atom.legs != (dim, dim) or legs[0] == legs[1]:
            return None
        for slot, i in enumerate(legs):
            occ.setdefault(i, []).append((k, slot))
    if not u.factors:
        return (u.coef, u.scalars, []) if start == end else None
    if start == end or len(occ.get(start, [])) != 1 or len(occ.get(end, [])) != 1:
        return None
    links: list[Link] = []
    at, used = start, set()
    for _ in range(len(u.factors)):
        here = [(k, slot) for k, slot in occ[at] if k not in used]
        if len(here) != 1:
            return None
        k, slot = here[0]
        used.add(k)
        atom, legs = u.factors[k]
        links.append((atom, slot == 1))
        at = legs[1 - slot]
        if at == end:
            break
        if at == start or len(occ[at]) != 2:
            return None
    if at != end or len(used) != len(u.factors):
        return None
    return u.coef, u.scalars, links


def _link_tensor(s: Session, link: Link) -> Tensor:
    t = atom_tensor(s, link[0])
    return transpose(t) if link[1] else t


def _product(s: Session, tensors: list[Tensor], dim: object, ctx: Ctx) -> Tensor:
    out = identity(s, (dim,))  # type: ignore[arg-type]
    for t in tensors:
        out = matmul(s, out, t)
    return simplify(s, out, ctx)


def _scalar_factor(coef: Fraction, scalars: tuple[tuple[Atom, int], ...]) -> Tensor:
    return Tensor((), 0, (Term(coef, (), scalars, ()),))


def _times(s: Session, a: Tensor, b: Tensor, ctx: Ctx) -> Tensor:
    ids = s.fresh(b.legs)
    return simplify(s, einsum(s, [(a, []), (b, ids)], ids, b.legs, b.nrows), ctx)


# -- inverse -----------------------------------------------------------------------------------
def inverse(s: Session, m: Tensor, ctx: Ctx) -> Tensor:
    if not m.legs:
        return reciprocal(s, m, ctx)
    if m.rows != m.cols:
        raise Unsupported("the inverse of a matrix whose combined indices are ordered differently")
    split = kron_split(s, m, ctx)
    if split is not None and _square(split[0]) and _square(split[1]):
        s.rule("inv(A⊗B) = inv(A)⊗inv(B) for square A, B")
        return simplify(s, kron(s, inverse(s, split[0], ctx), inverse(s, split[1], ctx)), ctx)
    k = _literal_size(s, m, LITERAL_CH)
    if k:
        # Cayley–Hamilton: inv(M) = (−1)^(k−1) / e_k · Σ_j (−1)^j e_j M^(k−1−j)
        s.rule(f"inv(M) = adj(M)/det(M) for a {k}×{k} matrix, by Cayley–Hamilton")
        e = elementary(s, m, k, ctx)
        terms: tuple[Term, ...] = ()
        for j in range(k):
            part = _times(s, Tensor((), 0, scale_terms(e[j], (-1) ** j)), mpower(s, m, k - 1 - j, ctx), ctx)
            terms += part.terms
        adj = simplify(s, Tensor(m.legs, m.nrows, terms), ctx)
        det_m = Tensor((), 0, scale_terms(e[k], (-1) ** (k - 1)))
        return _times(s, reciprocal(s, det_m, ctx), adj, ctx)
    found = chain(m)
    if found is not None:
        coef, scalars, links = found
        if not links:
            s.rule("inv(I) = I")
        elif len(links) > 1:
            s.rule("inv(AB) = inv(B) inv(A) for square A, B")
        parts = [_inverse_link(s, link, ctx) for link in reversed(links)]
        out = _product(s, parts, m.rows[0], ctx)
        if coef != 1 or scalars:
            s.rule("inv(cA) = inv(A)/c")
            out = _times(s, reciprocal(s, _scalar_factor(coef, scalars), ctx), out, ctx)
        return out
    diagonal = _diagonal_vector(m)
    if diagonal is not None:
        s.rule("inv(diag(v)) = diag(1/v)")
        r = func(s, "recip", simplify(s, diagonal, ctx), ctx)
        ids = s.fresh(r.legs)
        return simplify(s, einsum(s, [(r, ids)], ids + ids, m.legs, 1), ctx)
    return _oriented(s, "inv", "", m, ctx, m.cols + m.rows, len(m.cols))


def _diagonal_vector(m: Tensor) -> Tensor | None:
    """v when ``m`` is one term diag(v): its row and column are one index."""
    if len(m.terms) != 1 or len(m.legs) != 2 or m.nrows != 1 or m.legs[0] != m.legs[1]:
        return None
    u = m.terms[0]
    if u.free[0] != u.free[1] or not u.factors:
        return None
    return Tensor((m.legs[0],), 1, (Term(u.coef, u.factors, u.scalars, (u.free[0],)),))


def _inverse_link(s: Session, link: Link, ctx: Ctx) -> Tensor:
    atom, flipped = link
    if atom.kind == "inv" and atom.arg is not None:
        s.rule("inv(inv(A)) = A")
        out = atom.arg
    elif atom.kind == "var" and active(s, ctx, atom.name, "orthogonal"):
        s.rule("inv(Q) = Qᵀ for an orthogonal Q")
        out = transpose(atom_tensor(s, atom))
    else:
        one = atom_tensor(s, atom)
        out = _oriented(s, "inv", "", simplify(s, one, ctx), ctx, atom.legs[atom.nrows :] + atom.legs[: atom.nrows], 1)
    return transpose(out) if flipped else out


# -- pseudo-inverse ----------------------------------------------------------------------------
def pinv(s: Session, m: Tensor, ctx: Ctx) -> Tensor:
    split = kron_split(s, m, ctx)
    if split is not None:
        s.rule("pinv(A⊗B) = pinv(A)⊗pinv(B)")
        return simplify(s, kron(s, pinv(s, split[0], ctx), pinv(s, split[1], ctx)), ctx)
    if len(m.terms) == 1 and (m.terms[0].coef != 1 or m.terms[0].scalars) and m.legs:
        u = m.terms[0]
        s.rule("pinv(cA) = pinv(A)/c")
        rest = Tensor(m.legs, m.nrows, (Term(Fraction(1), u.factors, (), u.free),))
        return _times(
            s, reciprocal(s, _scalar_factor(u.coef, u.scalars), ctx), pinv(s, simplify(s, rest, ctx), ctx), ctx
        )
    if m.legs and (not m.rows or not m.cols):
        s.rule("pinv(v) = vᵀ/(vᵀv) for a vector v")
        ids = s.fresh(m.legs)
        norm2 = simplify(s, einsum(s, [(m, ids), (m, ids)], [], (), 0), ctx)
        return _times(s, reciprocal(s, norm2, ctx), transpose(m), ctx)
    gram_of = _gram(m)
    if gram_of is not None:
        atom, left = gram_of
        s.rule("pinv(AᵀA) = pinv(A) pinv(A)ᵀ and pinv(AAᵀ) = pinv(A)ᵀ pinv(A)")
        p = pinv(s, simplify(s, atom_tensor(s, atom), ctx), ctx)
        pt = transpose(p)
        return simplify(s, matmul(s, p, pt) if left else matmul(s, pt, p), ctx)
    if len(m.legs) == 2 and m.nrows == 1 and len(m.terms) == 1:
        outer = _outer(s, m.terms[0], m.legs)
        if outer is not None:
            s.rule("pinv(abᵀ) = baᵀ / ((aᵀa)(bᵀb))")
            a, b = outer
            ia, ib = s.fresh(a.legs), s.fresh(b.legs)
            norms = einsum(s, [(a, ia), (a, ia), (b, ib), (b, ib)], [], (), 0)
            return _times(s, reciprocal(s, norms, ctx), matmul(s, b, transpose(a)), ctx)
    single = _one_var(m)
    if single is not None:
        atom, flipped = single
        props = s.props.get(atom.name, frozenset())
        base = atom_tensor(s, atom)
        out: Tensor | None = None
        if props & set(INVERTIBLE) and atom.legs[0] == atom.legs[-1]:
            s.rule("pinv(A) = inv(A) for an invertible A")
            out = inverse(s, simplify(s, base, ctx), ctx)
        elif "full_column_rank" in props and atom.nrows == 1 and len(atom.legs) == 2:
            s.rule("pinv(A) = inv(AᵀA)Aᵀ for full column rank")
            gram = simplify(s, matmul(s, transpose(base), base), ctx)
            out = simplify(s, matmul(s, inverse(s, gram, ctx), transpose(base)), ctx)
        elif "full_row_rank" in props and atom.nrows == 1 and len(atom.legs) == 2:
            s.rule("pinv(A) = Aᵀinv(AAᵀ) for full row rank")
            gram = simplify(s, matmul(s, base, transpose(base)), ctx)
            out = simplify(s, matmul(s, transpose(base), inverse(s, gram, ctx)), ctx)
        if out is not None:
            return transpose(out) if flipped else out
    one = _one_atom(m)
    if one is not None and one[0].kind == "pinv" and one[0].arg is not None:
        s.rule("pinv(pinv(A)) = A")
        return transpose(one[0].arg) if one[1] else one[0].arg
    return _oriented(s, "pinv", "", m, ctx, m.cols + m.rows, len(m.cols))


def _gram(m: Tensor) -> tuple[Atom, bool] | None:
    """(A, True) when ``m`` is AᵀA for a matrix variable A, (A, False) when it is AAᵀ."""
    if len(m.terms) != 1 or len(m.legs) != 2 or m.nrows != 1:
        return None
    u = m.terms[0]
    if u.coef != 1 or u.scalars or len(u.factors) != 2 or u.free[0] == u.free[1]:
        return None
    (a1, l1), (a2, l2) = u.factors
    if a1.key != a2.key or a1.kind != "var" or len(l1) != 2 or a1.nrows != 1:
        return None
    r, c = u.free
    for x, y in ((l1, l2), (l2, l1)):
        if x[0] == y[0] and x[0] not in u.free and x[1] == r and y[1] == c:
            return a1, True  # Σ_x A_xr A_xc
        if x[1] == y[1] and x[1] not in u.free and x[0] == r and y[0] == c:
            return a1, False  # Σ_x A_rx A_cx
    return None


def _one_atom(m: Tensor) -> tuple[Atom, bool] | None:
    """When ``m`` is exactly one two-legged atom (or its transpose)."""
    if len(m.terms) != 1 or len(m.legs) != 2 or m.nrows != 1:
        return None
    u = m.terms[0]
    if u.coef != 1 or u.scalars or len(u.factors) != 1 or u.free[0] == u.free[1]:
        return None
    atom, legs = u.factors[0]
    if atom.nrows != 1 or len(legs) != 2:
        return None
    if tuple(legs) == u.free:
        return atom, False
    if tuple(reversed(legs)) == u.free:
        return atom, True
    return None


def _one_var(m: Tensor) -> tuple[Atom, bool] | None:
    one = _one_atom(m)
    return one if one is not None and one[0].kind == "var" else None


# -- determinants ------------------------------------------------------------------------------
def det(s: Session, m: Tensor, ctx: Ctx) -> Tensor:
    if not m.legs:
        s.rule("det of a 1×1 matrix is its entry")
        return m
    k = _literal_size(s, m, LITERAL_DET)
    if k:
        s.rule(f"det(M) = e_{k}(M) for a {k}×{k} matrix, by Newton's identities in tr(M^i)")
        return elementary(s, m, k, ctx)[k]
    of_sum = _det_of_sum(s, m, ctx)
    if of_sum is not None:
        return of_sum
    split = kron_split(s, m, ctx)
    if split is not None and _square(split[0]) and _square(split[1]):
        p, q = split
        s.rule("det(A⊗B) = det(A)^m det(B)^n for A n×n, B m×m")
        dp, dq = det(s, p, ctx), det(s, q, ctx)
        return _mul_scalars(s, spower(s, dp, _dim_expr(q.rows[0]), ctx), spower(s, dq, _dim_expr(p.rows[0]), ctx), ctx)
    found = chain(m)
    if found is not None:
        coef, scalars, links = found
        dim = m.rows[0]
        if len(links) > 1:
            s.rule("det(AB) = det(A) det(B) for square A, B")
        out = scalar(1)
        if (coef != 1 or scalars) and isinstance(dim, int):
            s.rule("det(cA) = c^n det(A) for a literal size n")
            out = Tensor((), 0, (Term(coef**dim, (), tuple((a, p * dim) for a, p in scalars), ()),))
        elif coef != 1 or scalars:
            s.rule("det(cA) = c^n det(A) for an n×n A")
            out = spower(s, _scalar_factor(coef, scalars), sympy.Symbol(str(dim)), ctx)
        for atom, _flipped in links:
            out = _mul_scalars(s, out, _det_link(s, atom, ctx), ctx)
        return out
    return _invariant(s, "det", m, ctx, (), 0)


# -- determinants of sums: Sylvester's theorem and the determinant lemma ---------------------------
MAX_RANK = 3  # det(I + a₁b₁ᵀ + ... + a_kb_kᵀ) by the k×k determinant det(I_k + [b_sᵀ a_t]) up to this k


def _is_identity_term(u: Term) -> bool:
    return not u.factors and len(u.free) == 2 and u.free[0] == u.free[1]


def _det_of_sum(s: Session, m: Tensor, ctx: Ctx) -> Tensor | None:
    """det of a square sum (one leg each side), by
    - det(c·I_n) = c^n when every term is a multiple of I (c a sum of scalars);
    - Sylvester: det(I_n + Σ_t a_t b_tᵀ) = det(I_k + [b_sᵀ a_t]_st) (k ≤ MAX_RANK), and
      det(I_m + PQ) = det(I_d + QP) for one term cut through one index of size d, towards the
      least canonical form among the cuts;
    - the lemma: det(A + R) = det(A) det(I + inv(A) R) for a term A that is invertible by its
      properties (a variable stated invertible, SPD or orthogonal, or an inverse)."""
    if len(m.legs) != 2 or m.nrows != 1 or m.legs[0] != m.legs[1] or len(m.terms) < 2:
        return None
    dim = m.rows[0]
    ident = [u for u in m.terms if _is_identity_term(u)]
    rest = [u for u in m.terms if not _is_identity_term(u)]
    if not rest and ident and not (len(ident) == 1 and ident[0].coef == 1 and not ident[0].scalars):
        s.rule("det(c·I_n) = c^n")
        c = simplify(s, Tensor((), 0, tuple(Term(u.coef, (), u.scalars, ()) for u in ident)), ctx)
        return spower(s, c, _dim_expr(dim), ctx)
    if len(ident) == 1 and ident[0].coef == 1 and not ident[0].scalars and rest:
        outers = [_outer(s, u, m.legs) for u in rest]
        if all(o is not None for o in outers) and len(outers) <= MAX_RANK:
            return _sylvester_rank(s, [o for o in outers if o is not None], ctx)
        if len(rest) == 1:
            return _sylvester_cut(s, m, rest[0], ctx)
        return None
    if ident:
        return None
    for u in sorted(m.terms, key=lambda t: t.key or ""):
        a = _invertible_term(s, u, m.legs, ctx)
        if a is None:
            continue
        s.rule("det(A + R) = det(A) det(I + inv(A) R) for an invertible A")
        others = Tensor(m.legs, 1, tuple(t for t in m.terms if t is not u))
        inner = simplify(s, matmul(s, inverse(s, a, ctx), others), ctx)
        shifted = simplify(s, Tensor(m.legs, 1, identity(s, (dim,)).terms + inner.terms), ctx)
        return _mul_scalars(s, det(s, a, ctx), det(s, shifted, ctx), ctx)
    return None


def _invertible_term(s: Session, u: Term, legs: tuple, ctx: Ctx) -> Tensor | None:
    if u.coef != 1 or u.scalars:
        return None
    t = Tensor(legs, 1, (u,))
    one = _one_atom(t)
    if one is None:
        return None
    atom = one[0]
    ok = atom.kind == "inv" or (atom.kind == "var" and any(active(s, ctx, atom.name, p) for p in INVERTIBLE))
    return simplify(s, t, ctx) if ok and atom.legs[0] == atom.legs[-1] else None


def _components(u: Term, starts: list[int], skip: int | None = None) -> list[set[int]]:
    """For each start index, the factors reachable from it (not through index ``skip``)."""
    out = []
    for start in starts:
        seen: set[int] = set()
        frontier = {start}
        reached: set[int] = set()
        while frontier:
            i = frontier.pop()
            seen.add(i)
            for k, (_, legs) in enumerate(u.factors):
                if i in legs and k not in reached:
                    reached.add(k)
                    frontier |= {j for j in legs if j not in seen and j != skip}
        out.append(reached)
    return out


def _outer(s: Session, u: Term, legs: tuple) -> tuple[Tensor, Tensor] | None:
    """(a, b) when the term is a bᵀ entrywise, a_i b_j: no factor joins its row and column."""
    i, j = u.free
    if i == j:
        return None
    left, right = _components(u, [i, j])
    if left & right or len(left | right) != len(u.factors):
        return None
    a = Term(u.coef, tuple(u.factors[k] for k in sorted(left)), u.scalars, (i,))
    b = Term(Fraction(1), tuple(u.factors[k] for k in sorted(right)), (), (j,))
    return Tensor((legs[0],), 1, (a,)), Tensor((legs[1],), 1, (b,))


def _sylvester_rank(s: Session, outers: list[tuple[Tensor, Tensor]], ctx: Ctx) -> Tensor:
    k = len(outers)
    s.rule("det(I + Σ a_t b_tᵀ) = det(I_k + [b_sᵀ a_t]) (Sylvester)")
    g: list[list[Tensor]] = []
    for _, b in outers:
        row = []
        for a, _ in outers:
            ids = s.fresh(a.legs)
            row.append(simplify(s, einsum(s, [(b, ids), (a, ids)], [], (), 0), ctx))
        g.append(row)
    for t in range(k):
        g[t][t] = simplify(s, Tensor((), 0, (*g[t][t].terms, Term(Fraction(1)))), ctx)
    total: tuple[Term, ...] = ()
    for perm in itertools.permutations(range(k)):
        sign = 1
        for x in range(k):
            for y in range(x + 1, k):
                if perm[x] > perm[y]:
                    sign = -sign
        prod = scalar(sign)
        for x in range(k):
            prod = _mul_scalars(s, prod, g[x][perm[x]], ctx)
        total += prod.terms
    return simplify(s, Tensor((), 0, total), ctx)


def _sylvester_cut(s: Session, m: Tensor, u: Term, ctx: Ctx) -> Tensor | None:
    i, j = u.free
    if i == j:
        return None
    counts: dict[int, int] = {}
    for _, legs in u.factors:
        for x in legs:
            counts[x] = counts.get(x, 0) + 1
    best: tuple[str, Tensor] | None = None
    for c in sorted(x for x, n in counts.items() if n == 2 and x not in (i, j)):
        left, right = _components(u, [i, j], skip=c)
        if left & right or len(left | right) != len(u.factors):
            continue
        if not any(c in u.factors[k][1] for k in left) or not any(c in u.factors[k][1] for k in right):
            continue
        d = s.dims[c]
        p = Tensor((m.legs[0], d), 1, (Term(u.coef, tuple(u.factors[k] for k in sorted(left)), u.scalars, (i, c)),))
        q = Tensor((d, m.legs[1]), 1, (Term(Fraction(1), tuple(u.factors[k] for k in sorted(right)), (), (c, j)),))
        qp = simplify(s, matmul(s, q, p), ctx)
        cand = simplify(s, Tensor((d, d), 1, identity(s, (d,)).terms + qp.terms), ctx)
        key = tensor_key(cand)
        if best is None or key < best[0]:
            best = (key, cand)
    if best is None or best[0] >= tensor_key(m):
        return None
    s.rule("det(I_m + PQ) = det(I_d + QP) (Sylvester)")
    return det(s, best[1], ctx)


def _dim_expr(d: object) -> sympy.Expr:
    return sympy.Integer(d) if isinstance(d, int) else sympy.Symbol(str(d))


def _square(t: Tensor) -> bool:
    return len(t.legs) == 2 and t.nrows == 1 and t.legs[0] == t.legs[1]


def kron_split(s: Session, m: Tensor, ctx: Ctx) -> tuple[Tensor, Tensor] | None:
    """(P, Q) when ``m`` (row legs (r, r'), column legs (c, c')) is one term P ⊗ Q: its factors
    fall into two parts that share no index, one joined to the free r and c only, the other to
    r' and c' only (the coefficient and scalar factors go with P)."""
    if len(m.terms) != 1 or m.nrows != 2 or len(m.legs) != 4:
        return None
    u = m.terms[0]
    r0, r1, c0, c1 = u.free
    if {r0, c0} & {r1, c1}:
        return None
    side: dict[int, int] = {r0: 0, c0: 0, r1: 1, c1: 1}
    parts: list[list[tuple[Atom, tuple[int, ...]]]] = [[], []]
    pending = list(u.factors)
    while pending:
        progress = False
        for f in list(pending):
            sides = {side[i] for i in f[1] if i in side}
            if len(sides) > 1:
                return None
            if sides:
                k = sides.pop()
                for i in f[1]:
                    side[i] = k
                parts[k].append(f)
                pending.remove(f)
                progress = True
        if not progress:
            return None  # a part joined to no free index (not simplified): leave it
    p = Tensor((m.legs[0], m.legs[2]), 1, (Term(u.coef, tuple(parts[0]), u.scalars, (r0, c0)),))
    q = Tensor((m.legs[1], m.legs[3]), 1, (Term(Fraction(1), tuple(parts[1]), (), (r1, c1)),))
    return simplify(s, p, ctx), simplify(s, q, ctx)


def _literal_size(s: Session, m: Tensor, sizes: tuple[int, ...]) -> int:
    """k when literal sizes are on and ``m`` is k×k with k a number in ``sizes``; else 0."""
    if not s.literal or len(m.legs) != 2 or m.nrows != 1 or m.legs[0] != m.legs[1]:
        return 0
    k = m.legs[0]
    return k if isinstance(k, int) and k in sizes else 0


def scale_terms(t: Tensor, c: int) -> tuple[Term, ...]:
    return tuple(u.with_coef(u.coef * c) for u in t.terms)


def _mul_scalars(s: Session, a: Tensor, b: Tensor, ctx: Ctx) -> Tensor:
    return simplify(s, einsum(s, [(a, []), (b, [])], [], (), 0), ctx)


def _det_link(s: Session, atom: Atom, ctx: Ctx) -> Tensor:
    if atom.kind == "inv" and atom.arg is not None:
        s.rule("det(inv(A)) = 1/det(A)")
        return reciprocal(s, det(s, atom.arg, ctx), ctx)
    if triangular(s, atom, ctx):
        s.rule("det(L) = det(L ∘ I) for a triangular L")
        a = s.fresh([atom.legs[0]])[0]
        diag = simplify(s, Tensor(atom.legs, 1, (Term(Fraction(1), ((atom, (a, a)),), (), (a, a)),)), ctx)
        return _invariant(s, "det", diag, ctx, (), 0)
    one = simplify(s, atom_tensor(s, atom), ctx)
    t = _invariant(s, "det", one, ctx, (), 0)
    if atom.kind == "var" and active(s, ctx, atom.name, "orthogonal"):
        d = t.terms[0].scalars[0][0]
        return Tensor((), 0, (Term(Fraction(1), (), ((_orthogonal_det(d), 1),), ()),))
    return t


def _orthogonal_det(atom: Atom) -> Atom:
    """det(Q) of an orthogonal Q: its powers reduce mod 2 (det(Q)² = 1)."""
    return Atom("sign", atom.key, name=atom.key, arg=atom.arg, variables=atom.variables, ctx=atom.ctx)


def logdet(s: Session, m: Tensor, ctx: Ctx, kind: str) -> Tensor:
    if not m.legs:
        return func(s, "log" if kind == "logdet" else "logabs", m, ctx)
    split = kron_split(s, m, ctx)
    if split is not None and _square(split[0]) and _square(split[1]):
        p, q = split
        if kind == "logabsdet" or (_positive_det(s, p, ctx) and _positive_det(s, q, ctx)):
            s.rule(
                f"{kind}(A⊗B) = m {kind}(A) + n {kind}(B) for A n×n, B m×m"
                + (" with det > 0" if kind == "logdet" else "")
            )
            lp = _times(s, _dim_tensor(s, q.rows[0]), logdet(s, p, ctx, kind), ctx)
            lq = _times(s, _dim_tensor(s, p.rows[0]), logdet(s, q, ctx, kind), ctx)
            return simplify(s, _sum(lp, lq), ctx)
    found = chain(m)
    if found is not None:
        coef, scalars, links = found
        ok = not scalars and (coef == 1 or (kind == "logabsdet" and coef == -1))
        if ok and (kind == "logabsdet" or len(links) <= 1 or all(_positive(s, a, ctx) for a, _ in links)):
            if len(links) > 1:
                s.rule(f"{kind}(AB) = {kind}(A) + {kind}(B)")
            out = scalar(0)
            for atom, _ in links:
                out = _sum(out, _logdet_link(s, atom, ctx, kind))
            return simplify(s, out, ctx)
    return _invariant(s, kind, m, ctx, (), 0)


def _sum(a: Tensor, b: Tensor) -> Tensor:
    return Tensor((), 0, a.terms + b.terms)


def _positive_det(s: Session, t: Tensor, ctx: Ctx) -> bool:
    """Whether det(t) > 0 follows from the properties: t a product of SPD factors (or inverses)."""
    found = chain(t)
    return found is not None and found[0] == 1 and not found[1] and all(_positive(s, a, ctx) for a, _ in found[2])


def _dim_tensor(s: Session, d: object) -> Tensor:
    return scalar(d) if isinstance(d, int) else atom_tensor(s, int_atom(str(d)))


def _positive(s: Session, atom: Atom, ctx: Ctx) -> bool:
    if atom.kind == "inv" and atom.arg is not None:
        one = _one_var(atom.arg)
        return one is not None and _positive(s, one[0], ctx)
    return atom.kind == "var" and active(s, ctx, atom.name, "spd")


def _logdet_link(s: Session, atom: Atom, ctx: Ctx, kind: str) -> Tensor:
    if atom.kind == "inv" and atom.arg is not None:
        s.rule(f"{kind}(inv(A)) = -{kind}(A)")
        inner = logdet(s, atom.arg, ctx, kind)
        return Tensor((), 0, tuple(u.with_coef(-u.coef) for u in inner.terms))
    if kind == "logabsdet" and atom.kind == "var" and active(s, ctx, atom.name, "orthogonal"):
        s.rule("logabsdet(Q) = 0 for an orthogonal Q")
        return scalar(0)
    return _invariant(s, kind, simplify(s, atom_tensor(s, atom), ctx), ctx, (), 0)


# -- functions ---------------------------------------------------------------------------------
def func(s: Session, name: str, m: Tensor, ctx: Ctx) -> Tensor:
    """An elementwise (or scalar) function: log, exp, sqrt, abs, recip, logabs, pow:q."""
    m = simplify(s, m, ctx)
    if not m.legs:
        if name == "recip":
            return reciprocal(s, m, ctx)
        split = _sqrt_of_product(s, name, m, ctx)
        if split is not None:
            return split
        if name == "abs" and m.terms and all(_nonnegative_term(u) for u in m.terms):
            s.rule("abs(t) = t for t a sum of squares (positive coefficients, squared networks, even powers)")
            return m
        atom = Atom("func", f"func:{name}({tensor_key(m)})", (), 0, name, m, 0, variables_of(m), ctx)
        return power_of_atom(s, atom, 1, ctx)
    if name == "recip" and len(m.terms) == 1 and not m.terms[0].factors and len(set(m.terms[0].free)) == len(m.legs):
        s.rule("1/(c·1) elementwise")
        u = m.terms[0]
        return Tensor(m.legs, m.nrows, (Term(1 / u.coef, (), tuple((a, -p) for a, p in u.scalars), u.free),))
    return _oriented(s, "func", name, m, ctx, m.legs, m.nrows)


__all__ = ["build", "chain", "det", "func", "inverse", "logdet", "pinv", "var_atom"]
