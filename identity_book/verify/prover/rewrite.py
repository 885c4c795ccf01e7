"""Simplification of tensors: sound rewrite rules on terms, then canonical forms, then like
terms merged.

A *context* is the set of variables whose stated properties must not be used (the variable a
derivative is taken with respect to: ``grad`` differentiates over all matrices of its shape, so
a symmetric X is not symmetric there). Atoms are built for one context; :func:`simplify` rebuilds
atoms that come from another.

Rules on terms (each true for every size, under the variables' stated properties):

- a diagonal D: D_ab = D_aa δ_ab; a skew-symmetric S: S_aa = 0;
- unit vectors: e[i]_a e[i]_a = e[i]_a, Σ_a e[i]_a = 1, and e[i]_a e[j]_a = 0 for distinct
  literal indices i, j (the integer parameters split into cases);
- inverses: Σ_b M_ab inv(M)_bc = δ_ac and Σ_b inv(M)_ab M_bc = δ_ac;
- an orthogonal Q: Σ_b Q_ab Q_cb = δ_ac and Σ_a Q_ab Q_ac = δ_bc;
- a summed index in no factor counts its dimension (tr I_n = n);
- with literal sizes on (a second attempt), the Cayley–Hamilton theorem for a factor of literal
  size k = 2 or 3: a chain of k copies Y_ab Y_bc (Y_cd) between distinct ends is
  Σ_j (−1)^(j−1) e_j(Y) Y^(k−j), where e_j are the elementary symmetric functions of the
  eigenvalues, written by Newton's identities in traces of powers of Y;
- a closed sub-network (no free index) is a scalar factor, and equal scalar factors are powers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import sympy

from identity_book.verify.prover import canonical
from identity_book.verify.prover.network import (
    Atom,
    Dim,
    Session,
    Tensor,
    Term,
    Unsupported,
    atom_tensor,
    einsum,
    identity,
    matmul,
    scalar,
    trace,
    transpose,
)

Ctx = frozenset[str]

SYMMETRIC = ("symmetric", "spd")


def active(s: Session, ctx: Ctx, name: str, prop: str) -> bool:
    return name not in ctx and prop in s.props.get(name, ())


def var_atom(s: Session, name: str, ctx: Ctx) -> Atom:
    memo = ("var", name, ctx)
    hit = s.memo.get(memo)
    if isinstance(hit, Atom):
        return hit
    legs, nrows = s.var_legs[name]
    sym = 0
    if nrows == 1 and len(legs) == 2 and legs[0] == legs[1]:
        if any(active(s, ctx, name, p) for p in (*SYMMETRIC, "diagonal")):
            sym = 1
        elif active(s, ctx, name, "skew_symmetric"):
            sym = -1
    atom = Atom("var", f"v:{name}", legs, nrows, name, None, sym, frozenset({name}), ctx)
    s.memo[memo] = atom
    return atom


def int_atom(name: str) -> Atom:
    return Atom("int", f"n:{name}", name=name)


def unit_atom(label: str, dim: Dim) -> Atom:
    return Atom("unit", f"e:{label}:{dim}", (dim,), 1, label)


def tensor_key(t: Tensor) -> str:
    """The canonical form of a simplified tensor (its terms are in key order). A term without its
    canonical form has no key: an error, never a key shared by different tensors."""
    if any(u.key is None for u in t.terms):
        raise Unsupported("internal: the canonical form of a tensor that is not simplified")
    return repr((tuple(repr(d) for d in t.legs), t.nrows, tuple((u.key, str(u.coef)) for u in t.terms)))


# -- simplify ----------------------------------------------------------------------------------
def simplify(s: Session, t: Tensor, ctx: Ctx) -> Tensor:
    if t.simplified == ctx:
        return t
    merged: dict[str, Term] = {}
    for term in t.terms:
        for raw in _expand(s, term, ctx):
            for done in _normalize(s, raw, t.legs, ctx):
                key = done.key
                assert key is not None
                old = merged.get(key)
                merged[key] = done if old is None else old.with_coef(old.coef + done.coef)
    terms = tuple(merged[k] for k in sorted(merged) if merged[k].coef != 0)
    return Tensor(t.legs, t.nrows, terms, ctx)


def _current(atom: Atom, ctx: Ctx) -> bool:
    return atom.ctx is None or atom.ctx == ctx


def _expand(s: Session, term: Term, ctx: Ctx) -> list[Term]:
    """The term with every atom rebuilt for ``ctx`` (which may turn one term into several)."""
    if all(_current(a, ctx) for a, _ in term.factors) and all(
        _current(a, ctx) and not _reducible(a, p) for a, p in term.scalars
    ):
        return [term]
    parts: list[tuple[Tensor, tuple[int, ...] | list[int]]] = []
    for atom, legs in term.factors:
        parts.append((rebuild(s, atom, ctx) if not _current(atom, ctx) else atom_tensor(s, atom), legs))
    for atom, p in term.scalars:
        base = rebuild(s, atom, ctx) if not _current(atom, ctx) else None
        parts.append((power_of_atom(s, atom, p, ctx, base), []))
    parts.append((Tensor((), 0, (Term(term.coef),)), []))
    dims = tuple(s.dims[i] for i in term.free)
    out = einsum(s, parts, list(term.free), dims, 0).terms
    return [Term(u.coef, u.factors, u.scalars, u.free, extra=u.extra + term.extra) for u in out]


def _reducible(atom: Atom, power: int) -> bool:
    return atom.kind == "func" and atom.name == "sqrt" and abs(power) >= 2


def power_of_atom(s: Session, atom: Atom, p: int, ctx: Ctx, base: Tensor | None = None) -> Tensor:
    """atom ** p as a scalar tensor (sqrt(x) ** 2 = x where sqrt(x) is real)."""
    if base is not None:
        return power(s, base, p, ctx)
    if _reducible(atom, p) and atom.arg is not None:
        s.rule("sqrt(x)² = x")
        q, r = divmod(abs(p), 2)
        inner = power(s, simplify(s, atom.arg, ctx), q if p > 0 else -q, ctx)
        if r:
            inner = einsum(s, [(inner, []), (power(s, atom_tensor(s, atom), 1 if p > 0 else -1, ctx), [])], [], (), 0)
        return inner
    return Tensor((), 0, (Term(Fraction(1), (), ((atom, p),), ()),))


def power(s: Session, t: Tensor, p: int, ctx: Ctx) -> Tensor:
    if p < 0:
        t, p = reciprocal(s, simplify(s, t, ctx), ctx), -p
    out = scalar(1)
    for _ in range(p):
        out = einsum(s, [(out, []), (t, [])], [], (), 0)
    return simplify(s, out, ctx)


def spower(s: Session, base: Tensor, e: sympy.Expr, ctx: Ctx) -> Tensor:
    """base ** e for a scalar base and an integer polynomial e in dimensions and parameters:
    an integer power when e is a number; else (ab)^e = a^e b^e over the factors of a monomial
    (true for integer e wherever the power is defined), (−1)^e = 1 when every coefficient of e is
    even, and otherwise an opaque atom base^e."""
    e = sympy.expand(e)
    if not all(c.is_Integer for c in e.as_coefficients_dict().values()):
        raise Unsupported("a power whose exponent is not an integer polynomial")
    if e.is_Integer:
        return power(s, base, int(e), ctx)
    base = simplify(s, base, ctx)
    if not base.terms:
        raise Unsupported("0 to a symbolic power")
    if base.legs:
        raise Unsupported("a matrix to a symbolic power, entry by entry")
    if len(base.terms) == 1 and not base.terms[0].factors:
        u = base.terms[0]
        s.rule("(ab)^n = a^n b^n for an integer n")
        atoms: list[Atom] = []
        c = u.coef
        if c < 0:
            minus = _spow_atom(s, scalar(-1), e, ctx)
            atoms += [minus] if minus is not None else []
            c = -c
        if c != 1:
            atoms.append(_spow_atom(s, scalar(c), e, ctx))  # type: ignore[arg-type]
        for a, p in u.scalars:
            one = Tensor((), 0, (Term(Fraction(1), (), ((a, 1),), ()),))
            atoms.append(_spow_atom(s, one, p * e, ctx))  # type: ignore[arg-type]
        return Tensor((), 0, (Term(Fraction(1), (), tuple((a, 1) for a in atoms), ()),))
    atom = _spow_atom(s, base, e, ctx)
    assert atom is not None
    return atom_tensor(s, atom)


def _spow_atom(s: Session, base: Tensor, e: sympy.Expr, ctx: Ctx) -> Atom | None:
    e = sympy.expand(e)
    base = simplify(s, base, ctx)  # its key must be its canonical form (every term keyed)
    if any(u.key is None for u in base.terms):
        raise Unsupported("internal: the base of a power has no canonical form")
    minus_one = len(base.terms) == 1 and base.terms[0].coef == -1 and not base.terms[0].scalars
    if minus_one and all(int(c) % 2 == 0 for c in e.as_coefficients_dict().values()):
        return None  # (−1)^(2k) = 1
    key = f"spow({e})({tensor_key(base)})"
    return Atom("spow", key, name=str(e), arg=base, variables=variables_of(base), ctx=ctx, expo=e)


def reciprocal(s: Session, t: Tensor, ctx: Ctx) -> Tensor:
    """1 / t for a scalar tensor: exact for a monomial, else an opaque 1/(sum)."""
    t = simplify(s, t, ctx)
    if not t.terms:
        raise Unsupported("division by zero")
    if len(t.terms) == 1 and not t.terms[0].factors:
        u = t.terms[0]
        return Tensor((), 0, (Term(1 / u.coef, (), tuple((a, -p) for a, p in u.scalars), ()),))
    atom = Atom("recip", f"recip({tensor_key(t)})", arg=t, variables=variables_of(t), ctx=ctx)
    return atom_tensor(s, atom)


def variables_of(t: Tensor) -> frozenset[str]:
    out: set[str] = set()
    for u in t.terms:
        for a, _ in u.factors:
            out |= a.variables
        for a, _ in u.scalars:
            out |= a.variables
    return frozenset(out)


def rebuild(s: Session, atom: Atom, ctx: Ctx) -> Tensor:
    """The atom, built for ``ctx`` (its positions are the atom's legs)."""
    memo = ("rebuild", id(atom), ctx)
    hit = s.memo.get(memo)
    if hit is not None:
        return hit[1]  # type: ignore[index]
    if atom.kind == "var":
        out = atom_tensor(s, var_atom(s, atom.name, ctx))
    elif atom.kind == "net":
        assert atom.arg is not None
        out = simplify(s, Tensor((), 0, atom.arg.terms), ctx)
    elif atom.kind == "spow":
        assert atom.arg is not None
        out = spower(s, Tensor((), 0, atom.arg.terms), atom.expo, ctx)
    else:
        assert atom.arg is not None
        arg = simplify(s, Tensor(atom.arg.legs, atom.arg.nrows, atom.arg.terms), ctx)
        if s.build_atom is None:
            raise Unsupported("internal: the session has no atom builder")
        out = s.build_atom(s, atom.kind, atom.name, arg, ctx)
    if out.legs != atom.legs:
        raise Unsupported("internal: a rebuilt atom changed its legs")
    s.memo[memo] = (atom, out)
    return out


# -- rules on one term -------------------------------------------------------------------------
class _Work:
    def __init__(self, term: Term) -> None:
        self.coef = term.coef
        self.factors: list[tuple[Atom, tuple[int, ...]]] = list(term.factors)
        self.scalars: dict[str, tuple[Atom, int]] = {}
        for a, p in term.scalars:
            self.add_scalar(a, p)
        self.free = term.free
        self.alive = term.indices()  # every index still in use (summed or free)

    def add_scalar(self, atom: Atom, p: int) -> None:
        entry = self.scalars.get(atom.key)
        self.scalars[atom.key] = (atom, p) if entry is None else (entry[0], entry[1] + p)

    def occurrences(self) -> dict[int, list[tuple[int, int]]]:
        occ: dict[int, list[tuple[int, int]]] = {}
        for k, (_, legs) in enumerate(self.factors):
            for slot, i in enumerate(legs):
                occ.setdefault(i, []).append((k, slot))
        return occ

    def merge(self, keep: int, gone: int) -> None:
        if keep == gone:
            return
        self.alive.discard(gone)
        self.factors = [(a, tuple(keep if i == gone else i for i in legs)) for a, legs in self.factors]
        self.free = tuple(keep if i == gone else i for i in self.free)

    def drop(self, *positions: int) -> None:
        self.factors = [f for k, f in enumerate(self.factors) if k not in positions]


def _normalize(s: Session, term: Term, legs: tuple[Dim, ...], ctx: Ctx) -> list[Term]:
    w = _Work(term)
    while _apply_one(s, w, ctx):
        s.tick()
        if w.coef == 0:
            return []
    used = {i for _, lg in w.factors for i in lg}
    for i in w.alive - used - set(w.free):
        _count_dimension(w, s.dims[i])
    by_sum = _sum_inverse(s, w) if s.sum_inverse else None
    if by_sum is not None:
        out_sum: list[Term] = []
        for raw in by_sum:
            out_sum.extend(_normalize(s, raw, legs, ctx))
        return out_sum
    if s.literal:
        found = _cayley_hamilton_chain(w)
        if found is not None:
            out_ch: list[Term] = []
            for raw in _cayley_hamilton(s, w, found, ctx):
                out_ch.extend(_normalize(s, raw, legs, ctx))
            return out_ch
    if not _closed_components(s, w, ctx):
        return []
    _merge_powers(s, w, ctx)
    for key, (a, p) in list(w.scalars.items()):
        if a.kind == "sign" and p % 2 == 0 and p:
            s.rule("det(Q)² = 1 for an orthogonal Q")
            w.scalars[key] = (a, 0)
        elif a.kind == "sign":
            w.scalars[key] = (a, p % 2)
    if any(_reducible(a, p) for a, p in w.scalars.values()):
        again = Term(w.coef, tuple(w.factors), tuple((a, p) for a, p in w.scalars.values() if p), w.free)
        out: list[Term] = []
        for raw in _expand(s, again, ctx):
            out.extend(_normalize(s, raw, legs, ctx))
        return out
    scalars = tuple((a, p) for a, p in w.scalars.values() if p)
    done = Term(w.coef, tuple(w.factors), scalars, w.free)
    key, sign, shown, oriented = canonical.term_key(s, done, legs)
    if sign == 0:
        s.rule("a term equal to its negative is 0")
        return []
    return [Term(w.coef * sign, oriented, scalars, w.free, key, shown)]


# -- literal sizes: Newton's identities and Cayley–Hamilton -----------------------------------
LITERAL_CH = (2, 3)  # sizes whose chains of one factor are reduced
LITERAL_DET = (2, 3, 4, 5)  # sizes whose determinants are written by traces


def mpower(s: Session, y: Tensor, p: int, ctx: Ctx) -> Tensor:
    out = simplify(s, identity(s, y.rows), ctx)
    for _ in range(p):
        out = simplify(s, matmul(s, out, y), ctx)
    return out


def elementary(s: Session, y: Tensor, k: int, ctx: Ctx) -> list[Tensor]:
    """e_0, ..., e_k of the eigenvalues of the k×k matrix y, by Newton's identities:
    e_m = (1/m) Σ_{i=1..m} (−1)^(i−1) e_(m−i) tr(y^i). True for a matrix of size k exactly."""
    traces = [scalar(0)]
    for i in range(1, k + 1):
        power_i = y  # a product left unsimplified: its trace is closed, so no chain of it is reduced
        for _ in range(i - 1):
            power_i = matmul(s, power_i, y)
        traces.append(simplify(s, trace(s, power_i), ctx))
    e = [scalar(1)]
    for m in range(1, k + 1):
        total: tuple[Term, ...] = ()
        for i in range(1, m + 1):
            prod = einsum(s, [(e[m - i], []), (traces[i], []), (scalar(Fraction((-1) ** (i - 1), m)), [])], [], (), 0)
            total += prod.terms
        e.append(simplify(s, Tensor((), 0, total), ctx))
    return e


def _cayley_hamilton_chain(w: _Work) -> tuple[list[int], int, int, int, int] | None:
    """(the chain's factors, its two ends, the orientation it is read in, the sign) for a chain of
    k copies of one factor of literal size k (k in LITERAL_CH) between distinct ends, every inner
    index in exactly those two factors; a skew-symmetric factor read backwards gives a sign."""
    occ = w.occurrences()
    free = set(w.free)
    for k, (atom, legs) in enumerate(w.factors):
        d = atom.legs[0] if len(atom.legs) == 2 else None
        if len(legs) != 2 or atom.nrows != 1 or atom.legs[1] != d or d not in LITERAL_CH or legs[0] == legs[1]:
            continue
        assert isinstance(d, int)
        for orient in (0, 1):
            path, start, at, sign, ok = [k], legs[orient], legs[1 - orient], 1, True
            while len(path) < d:
                if at in free or len(occ[at]) != 2:
                    ok = False
                    break
                nxt = [(kk, sl) for kk, sl in occ[at] if kk not in path]
                if len(nxt) != 1 or w.factors[nxt[0][0]][0].key != atom.key:
                    ok = False
                    break
                kk, sl = nxt[0]
                other, ol = w.factors[kk]
                if ol[0] == ol[1]:
                    ok = False
                    break
                if sl != orient:
                    if other.sym == 0:
                        ok = False
                        break
                    sign *= other.sym
                path.append(kk)
                at = ol[1 - sl]
            if ok and at != start:
                return path, start, at, orient, sign
    return None


def _cayley_hamilton(s: Session, w: _Work, found: tuple[list[int], int, int, int, int], ctx: Ctx) -> list[Term]:
    path, start, end, orient, sign = found
    atom = w.factors[path[0]][0]
    d = len(path)
    s.rule(f"Cayley–Hamilton for a {d}×{d} matrix: Y^{d} = Σ_j (−1)^(j−1) e_j(Y) Y^({d}−j), e_j by traces")
    y = atom_tensor(s, atom)
    y = transpose(y) if orient else y
    e = elementary(s, y, d, ctx)
    replacement: tuple[Term, ...] = ()
    for j in range(1, d + 1):
        pos = s.fresh(y.legs)
        coef = scalar((-1) ** (j - 1) * sign)
        part = einsum(s, [(e[j], []), (mpower(s, y, d - j, ctx), pos), (coef, [])], pos, y.legs, 1)
        replacement += part.terms
    r = Tensor(y.legs, 1, replacement)
    inner = {w.factors[k][1][i] for k in path for i in (0, 1)} - {start, end}
    rest = [f for k, f in enumerate(w.factors) if k not in path]
    scalars = tuple((a, p) for a, p in w.scalars.values() if p)
    ids = sorted(({start, end} | set(w.free) | {i for _, lg in rest for i in lg}) - inner)
    dims = tuple(s.dims[i] for i in ids)
    whole = Tensor(dims, 0, (Term(w.coef, tuple(rest), scalars, tuple(ids)),))
    out = einsum(s, [(whole, ids), (r, [start, end])], list(w.free), tuple(s.dims[i] for i in w.free), 0)
    return list(out.terms)


def _merge_powers(s: Session, w: _Work, ctx: Ctx) -> None:
    """a^e · a^f = a^(e+f) for symbolic integer exponents (both defined: a ≠ 0 if one is negative)."""
    groups: dict[str, list[str]] = {}
    for key, (a, p) in w.scalars.items():
        if a.kind == "spow" and p and a.arg is not None:
            groups.setdefault(tensor_key(a.arg), []).append(key)
    for keys in groups.values():
        if len(keys) < 2 and w.scalars[keys[0]][1] == 1:
            continue
        base = w.scalars[keys[0]][0].arg
        assert base is not None
        total = sum((w.scalars[k][1] * w.scalars[k][0].expo for k in keys), sympy.Integer(0))
        merged = spower(s, base, total, ctx)
        if len(merged.terms) != 1 or merged.terms[0].factors:
            continue
        s.rule("a^e a^f = a^(e+f)")
        for k in keys:
            w.scalars[k] = (w.scalars[k][0], 0)
        w.coef *= merged.terms[0].coef
        for a, p in merged.terms[0].scalars:
            w.add_scalar(a, p)


def _count_dimension(w: _Work, dim: Dim) -> None:
    if isinstance(dim, int):
        w.coef *= dim
    else:
        w.add_scalar(int_atom(dim), 1)


def _closed_components(s: Session, w: _Work, ctx: Ctx) -> bool:
    """Turn every sub-network without a free index into a scalar factor; False if one is 0."""
    if not w.factors:
        return True
    parent = list(range(len(w.factors)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first: dict[int, int] = {}
    for k, (_, legs) in enumerate(w.factors):
        for i in legs:
            if i in first:
                parent[find(k)] = find(first[i])
            else:
                first[i] = k
    groups: dict[int, list[int]] = {}
    for k in range(len(w.factors)):
        groups.setdefault(find(k), []).append(k)
    free = set(w.free)
    closed = [g for g in groups.values() if not any(i in free for k in g for i in w.factors[k][1])]
    if not closed:
        return True
    for g in closed:
        comp = Term(Fraction(1), tuple(w.factors[k] for k in g))
        key, sign, shown, oriented = canonical.term_key(s, comp, ())
        if sign == 0:
            return False
        w.coef *= sign
        inner = Tensor((), 0, (Term(Fraction(1), oriented, (), (), key, shown),), ctx)
        varset: set[str] = set()
        for k in g:
            varset |= w.factors[k][0].variables
        w.add_scalar(Atom("net", f"net({key})", arg=inner, variables=frozenset(varset), ctx=ctx), 1)
    gone = {k for g in closed for k in g}
    w.factors = [f for k, f in enumerate(w.factors) if k not in gone]
    return True


def triangular(s: Session, atom: Atom, ctx: Ctx) -> int:
    """+1 when the factor is lower triangular by the properties (X_ab = 0 unless a ≥ b), −1 when
    upper, 0 otherwise: a variable stated so, or the inverse of one (or of its transpose)."""
    if atom.kind == "var" and len(atom.legs) == 2 and atom.nrows == 1 and atom.legs[0] == atom.legs[1]:
        if active(s, ctx, atom.name, "lower_triangular"):
            return 1
        if active(s, ctx, atom.name, "upper_triangular"):
            return -1
        return 0
    if atom.kind == "inv" and atom.arg is not None and len(atom.arg.terms) == 1:
        u = atom.arg.terms[0]
        if u.coef != 1 or u.scalars or len(u.factors) != 1 or len(u.free) != 2 or u.free[0] == u.free[1]:
            return 0
        inner, legs = u.factors[0]
        t = triangular(s, inner, ctx) if inner.kind == "var" else 0
        if tuple(legs) == u.free:
            return t
        if tuple(reversed(legs)) == u.free:
            return -t
    return 0


def _triangular_cycle(s: Session, w: _Work, ctx: Ctx) -> bool:
    """Triangular factors order their indices (a lower L_ab is 0 unless a ≥ b): indices on a
    cycle of such orders are equal, and are merged (tr(LM) = Σ_a L_aa M_aa for lower L, M)."""
    edges: dict[int, set[int]] = {}
    for atom, legs in w.factors:
        t = triangular(s, atom, ctx) if len(legs) == 2 and legs[0] != legs[1] else 0
        if t:
            hi, lo = (legs[0], legs[1]) if t == 1 else (legs[1], legs[0])
            edges.setdefault(hi, set()).add(lo)
    for start in sorted(edges):
        # a path back to start: every index on it equals start
        stack, seen, parent = [start], {start}, {start: start}
        while stack:
            i = stack.pop()
            for j in sorted(edges.get(i, ())):
                if j == start:
                    cycle, at = [start], i
                    while at != start:
                        cycle.append(at)
                        at = parent[at]
                    s.rule("indices ordered both ways by triangular factors are equal (L_ab M_ba = L_aa M_aa δ_ab)")
                    keep = min(cycle)
                    for c in cycle:
                        w.merge(keep, c)
                    return True
                if j not in seen:
                    seen.add(j)
                    parent[j] = i
                    stack.append(j)
    return False


def _reciprocal_pair(s: Session, w: _Work, k: int) -> bool:
    """v_a · (1/v)_a = 1 where v_a is a product of factors with no other index (D_aa, x_a)."""
    atom, legs = w.factors[k]
    v = atom.arg
    if v is None or len(v.terms) != 1 or len(v.legs) != 1:
        return False
    u = v.terms[0]
    if u.coef != 1 or u.scalars or not u.factors or any(set(lg) != {u.free[0]} for _, lg in u.factors):
        return False
    for _mapping, used in _match(u.factors, w.factors, {u.free[0]: legs[0]}, k):
        s.rule("v_a (1/v)_a = 1 entry by entry")
        w.drop(k, *used)
        return True
    return False


def _triangular_inverse_diagonal(s: Session, w: _Work, k: int, ctx: Ctx) -> bool:
    """inv(L)_aa = 1/L_aa for a triangular L (its inverse is triangular with those diagonal entries)."""
    atom, legs = w.factors[k]
    assert atom.arg is not None and s.build_atom is not None
    u = atom.arg.terms[0]
    inner = u.factors[0][0]
    a = s.fresh([legs[0]])[0]
    v = simplify(s, Tensor((legs[0],), 1, (Term(Fraction(1), ((inner, (a, a)),), (), (a,)),)), ctx)
    r = s.build_atom(s, "func", "recip", v, ctx)
    if len(r.terms) != 1 or len(r.terms[0].factors) != 1 or r.terms[0].coef != 1 or r.terms[0].scalars:
        return False
    ratom, rlegs = r.terms[0].factors[0]
    if len(rlegs) != 1 or r.terms[0].free != rlegs:
        return False
    s.rule("inv(L)_aa = 1/L_aa for a triangular L")
    w.factors[k] = (ratom, (legs[0],))
    return True


def _apply_one(s: Session, w: _Work, ctx: Ctx) -> bool:
    occ = w.occurrences()
    free = set(w.free)
    if _triangular_cycle(s, w, ctx):
        return True
    for k, (atom, legs) in enumerate(w.factors):
        if atom.kind == "func" and atom.name == "recip" and len(legs) == 1 and _reciprocal_pair(s, w, k):
            return True
        diagonal_inverse = atom.kind == "inv" and len(legs) == 2 and legs[0] == legs[1]
        if diagonal_inverse and triangular(s, atom, ctx) and _triangular_inverse_diagonal(s, w, k, ctx):
            return True
        if atom.kind == "var" and len(legs) == 2:
            if active(s, ctx, atom.name, "diagonal") and legs[0] != legs[1]:
                s.rule("a diagonal D has D_ab = D_aa δ_ab")
                w.merge(min(legs), max(legs))
                return True
            if active(s, ctx, atom.name, "skew_symmetric") and legs[0] == legs[1]:
                s.rule("a skew-symmetric S has S_aa = 0")
                w.coef = Fraction(0)
                return True
        if atom.kind == "unit":
            i = legs[0]
            if i not in free and len(occ[i]) == 1:
                s.rule("Σ_a e[i]_a = 1")
                w.drop(k)
                w.alive.discard(i)
                return True
            for k2, _slot in occ[i]:
                other = w.factors[k2][0]
                if k2 > k and other.key == atom.key:
                    s.rule("e[i]_a e[i]_a = e[i]_a")
                    w.drop(k2)
                    return True
                if k2 != k and other.kind == "unit" and _literal(atom.name) and _literal(other.name):
                    # distinct literal labels (equal ones have equal keys: handled above)
                    s.rule("e[i]_a e[j]_a = 0 for distinct literal indices i, j")
                    w.coef = Fraction(0)
                    return True
        if atom.kind == "inv" and _inverse_pair(s, w, k, occ, free):
            return True
        if atom.kind in ("pinv", "projL", "projR") and _penrose(s, w, k, occ, free, ctx):
            return True
        if atom.kind == "var" and len(legs) == 2 and active(s, ctx, atom.name, "orthogonal"):
            for slot in (0, 1):
                i = legs[slot]
                if i in free or len(occ[i]) != 2:
                    continue
                (k1, s1), (k2, s2) = occ[i]
                if k1 == k2 or s1 != s2 or w.factors[k1][0].key != w.factors[k2][0].key:
                    continue
                s.rule("QᵀQ = QQᵀ = I for an orthogonal Q")
                a, b = w.factors[k1][1][1 - slot], w.factors[k2][1][1 - slot]
                w.drop(k1, k2)
                w.alive.discard(i)
                w.merge(min(a, b), max(a, b))
                return True
    return False


def _literal(label: str) -> bool:
    return label.isdigit()


def _inverse_pair(s: Session, w: _Work, k: int, occ: dict[int, list[tuple[int, int]]], free: set[int]) -> bool:
    """Σ M_ab inv(M)_bc = δ_ac (and on the left), where M is one term whose factors occur in
    this term joined exactly as in M, and touch nothing else through M's summed indices."""
    atom = w.factors[k][0]
    m = atom.arg
    if m is None or len(m.terms) != 1:
        return False
    u = m.terms[0]
    if u.coef != 1 or u.scalars or not u.factors or len(u.factors) > 4 or len(set(u.free)) != len(u.free):
        return False
    n, nm = atom.nrows, len(m.rows)
    for joined in _joined(s, w, k, u, n, nm, occ, free):
        s.rule("M inv(M) = inv(M) M = I")
        w.drop(k, *joined.used)
        w.alive.difference_update(joined.summed)
        for a, b in joined.ends:
            w.merge(min(a, b), max(a, b))
        return True
    return False


@dataclass(frozen=True)
class _Joined:
    """A term's factors found joined to inv(...) exactly as in the product M inv(M) (or inv(M) M)."""

    right: bool  # M inv(M)
    used: frozenset[int]  # the factors of this term that make M
    summed: tuple[int, ...]  # the indices the product sums over (no longer used)
    ends: tuple[tuple[int, int], ...]  # index pairs that the product I identifies
    kept: tuple[int, ...]  # M's outer indices, as mapped into this term
    targets: tuple[int, ...]  # inv's indices joined to M


def _joined(
    s: Session, w: _Work, k: int, u: Term, n: int, nm: int, occ: dict[int, list[tuple[int, int]]], free: set[int]
) -> Iterator[_Joined]:
    """Every way the factors of ``u`` (the one-term M) occur in ``w`` joined to the factor ``k``
    = inv(M) (``n`` its row positions, ``nm`` M's), touching nothing else through M's summed
    indices."""
    legs = w.factors[k][1]
    inv_rows, inv_cols = legs[:n], legs[n:]
    internal = {i for _, lg in u.factors for i in lg} - set(u.free)
    count: dict[int, int] = {}
    for _, lg in u.factors:
        for i in lg:
            count[i] = count.get(i, 0) + 1
    for right in (True, False):
        shared_m = u.free[nm:] if right else u.free[:nm]
        targets = inv_rows if right else inv_cols
        if len(set(targets)) != len(targets) or any(t in free for t in targets):
            continue
        fixed = dict(zip(shared_m, targets, strict=True))
        for mapping, used in _match(u.factors, w.factors, fixed, k):
            s.tick()
            allowed = used | {k}
            checks = [(t, 1 + count.get(mid, 0)) for mid, t in fixed.items()]
            checks += [(mapping[b], count[b]) for b in internal]
            if any(
                t in free or len(occ.get(t, [])) != c or any(kk not in allowed for kk, _ in occ[t]) for t, c in checks
            ):
                continue
            keep_m = u.free[:nm] if right else u.free[nm:]
            other = inv_cols if right else inv_rows
            kept = tuple(mapping[mid] for mid in keep_m)
            yield _Joined(
                right,
                frozenset(used),
                tuple(t for t, _ in checks),
                tuple(zip(kept, other, strict=True)),
                kept,
                tuple(targets),
            )


def _sum_inverse(s: Session, w: _Work) -> list[Term] | None:
    """W inv(W) = I for a sum W = W_1 + ... + W_r: where the term of W with the most factors
    (strictly), W_k, occurs joined to inv(W) as in W W⁻¹ (or W⁻¹ W), W_k inv(W) is replaced by
    I − Σ_{l≠k} W_l inv(W). Each replacement has fewer factors, so this ends."""
    occ = w.occurrences()
    free = set(w.free)
    scal = tuple((a, p) for a, p in w.scalars.values() if p)
    for k, (atom, _) in enumerate(w.factors):
        m = atom.arg
        if atom.kind != "inv" or m is None or len(m.terms) < 2:
            continue
        sizes = sorted(len(u.factors) for u in m.terms)
        if sizes[-1] == sizes[-2]:
            continue
        u = max(m.terms, key=lambda t: len(t.factors))
        if u.coef != 1 or u.scalars or len(u.factors) > 4 or len(set(u.free)) != len(u.free):
            continue
        n, nm = atom.nrows, len(m.rows)
        for joined in _joined(s, w, k, u, n, nm, occ, free):
            s.rule("W inv(W) = I for a sum W: W_k inv(W) = I − Σ_(l≠k) W_l inv(W)")
            used = joined.used
            first = _Work(Term(w.coef, tuple(f for j, f in enumerate(w.factors) if j != k and j not in used)))
            first.free = w.free
            for a, b in joined.ends:
                first.merge(min(a, b), max(a, b))
            out = [Term(first.coef, tuple(first.factors), scal, first.free)]
            rest = tuple(f for j, f in enumerate(w.factors) if j not in used)
            bind = [*joined.kept, *joined.targets] if joined.right else [*joined.targets, *joined.kept]
            ids = sorted({i for _, lg in rest for i in lg} | free | set(bind))
            whole = Tensor(tuple(s.dims[i] for i in ids), 0, (Term(-w.coef, rest, scal, tuple(ids)),))
            for ul in m.terms:
                if ul is u:
                    continue
                wl = Tensor(m.legs, m.nrows, (ul,))
                prod = einsum(s, [(whole, ids), (wl, bind)], list(w.free), tuple(s.dims[i] for i in w.free), 0)
                out.extend(prod.terms)
            return out
    return None


def _one_factor(m: Tensor) -> tuple[str, tuple[int, int], int] | None:
    """When ``m`` (2 positions) is one atom read in some orientation: its key, the atom slots of
    m's row and column, its sym."""
    if len(m.legs) != 2 or m.nrows != 1 or len(m.terms) != 1:
        return None
    u = m.terms[0]
    if u.coef != 1 or u.scalars or len(u.factors) != 1 or u.free[0] == u.free[1]:
        return None
    atom, legs = u.factors[0]
    if sorted(legs) != sorted(u.free) or len(legs) != 2:
        return None
    return atom.key, (legs.index(u.free[0]), legs.index(u.free[1])), atom.sym


PENROSE = "the Penrose equations: M pinv(M) M = M, pinv(M) M pinv(M) = pinv(M), M pinv(M) and pinv(M) M symmetric"


def _penrose(s: Session, w: _Work, k: int, occ: dict[int, list[tuple[int, int]]], free: set[int], ctx: Ctx) -> bool:
    """The Penrose equations for P = pinv(M), with L = M P and R = P M (both symmetric):
    M P → L, P M → R; then L M = M, M R = M, R P = P, P L = P, L L = L, R R = R."""
    atom, legs = w.factors[k]
    m = atom.arg
    assert m is not None
    found = _one_factor(m)
    if found is None:
        return False
    key, (sr, sc), sym = found
    pinv_key = atom.key if atom.kind == "pinv" else atom.key.split(":", 1)[1]

    def m_views(j: int) -> list[tuple[int, int]]:
        other, ol = w.factors[j]
        if other.key != key:
            return []
        return [(ol[sr], ol[sc])] + ([(ol[sc], ol[sr])] if sym == 1 else [])

    def joined(i: int, j: int) -> bool:
        return i not in free and len(occ.get(i, [])) == 2 and {kk for kk, _ in occ[i]} == {k, j}

    def absorb(j: int, joint: int, leg: int) -> bool:
        """Drop factor k; factor j takes k's other leg where it met k."""
        s.rule(PENROSE)
        other, ol = w.factors[j]
        w.factors[j] = (other, tuple(leg if i == joint else i for i in ol))
        w.drop(k)
        w.alive.discard(joint)
        return True

    if atom.kind == "pinv":
        pr, pc = legs
        for j in range(len(w.factors)):
            for mr, mc in m_views(j) if j != k else []:
                if mc == pr and joined(pr, j):  # M P = L
                    s.rule(PENROSE)
                    w.drop(k, j)
                    w.alive.discard(pr)
                    w.factors.append((_projector(s, "projL", m, pinv_key, ctx), (mr, pc)))
                    return True
                if pc == mr and joined(pc, j):  # P M = R
                    s.rule(PENROSE)
                    w.drop(k, j)
                    w.alive.discard(pc)
                    w.factors.append((_projector(s, "projR", m, pinv_key, ctx), (pr, mc)))
                    return True
        return False
    left = atom.kind == "projL"
    for j, (other, ol) in enumerate(w.factors):
        if j == k:
            continue
        for a, r in ((legs[0], legs[1]), (legs[1], legs[0])):  # k read as K(a, r), or K(r, a)
            if not joined(r, j):
                continue
            for mr, mc in m_views(j):
                if (left and mr == r) or (not left and mc == r):  # L M = M, M R = M
                    return absorb(j, r, a)
            if other.key == pinv_key and ((not left and ol[0] == r) or (left and ol[1] == r)):
                return absorb(j, r, a)  # R P = P, P L = P
            if other.key == atom.key:
                return absorb(j, r, a)  # L L = L, R R = R
    return False


def _projector(s: Session, kind: str, m: Tensor, pinv_key: str, ctx: Ctx) -> Atom:
    legs = (m.rows[0], m.rows[0]) if kind == "projL" else (m.cols[0], m.cols[0])
    return Atom(kind, f"{kind}:{pinv_key}", legs, 1, "", m, 1, variables_of(m), ctx)


def _match(
    pattern: tuple[tuple[Atom, tuple[int, ...]], ...],
    factors: list[tuple[Atom, tuple[int, ...]]],
    fixed: dict[int, int],
    skip: int,
) -> Iterator[tuple[dict[int, int], set[int]]]:
    """Every way the pattern's factors occur among ``factors`` (injective on indices)."""

    def go(p: int, mapping: dict[int, int], used: set[int]) -> Iterator[tuple[dict[int, int], set[int]]]:
        if p == len(pattern):
            yield mapping, used
            return
        atom, legs = pattern[p]
        for j, (other, olegs) in enumerate(factors):
            if j == skip or j in used or other.key != atom.key:
                continue
            variants = [olegs]
            if atom.sym == 1 and len(olegs) == 2:
                variants.append((olegs[1], olegs[0]))
            for ol in variants:
                new = dict(mapping)
                taken = set(new.values())
                ok = True
                for a, b in zip(legs, ol, strict=True):
                    if a in new:
                        ok = new[a] == b
                    elif b in taken:
                        ok = False
                    else:
                        new[a] = b
                        taken.add(b)
                    if not ok:
                        break
                if ok:
                    yield from go(p + 1, new, used | {j})

    yield from go(0, dict(fixed), set())
