"""Index form: a matrix expression as a sum of tensor networks with symbolic dimensions.

A :class:`Tensor` has ordered *positions* (its row legs, then its column legs); each leg is an
atomic dimension (a dimension name, or an integer of 2 or more: a dimension of 1 has no leg, so
a 1×1 matrix and a scalar are the same thing). A combined index of size ``m*n`` (Kronecker
products, vec, the commutation matrix) is two legs, the major one first.

A :class:`Term` is an exact rational coefficient times a multiset of factors. A legged factor is
an :class:`Atom` (a variable, an opaque inverse, ...) with one index id per leg; an index id may
occur in any number of factors (a hyperedge: Hadamard products and diagonals share indices) and
in the term's free positions, possibly more than once (the identity has free positions (i, i)).
Every index that is not free is summed over. A scalar factor is an atom without legs raised to a
nonzero integer power. Kronecker deltas never appear: they are contracted away by merging ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Dim = str | int  # a dimension name, or an integer >= 2


class Unsupported(Exception):
    """The expression uses something the prover does not represent (it then proves nothing)."""


class BudgetExceeded(Exception):
    """The prover's operation budget ran out."""


@dataclass(frozen=True, eq=False)
class Atom:
    """One opaque factor. ``key`` is its canonical form (a string) in the context it was built in.

    ``kind``: var, int (a dimension or integer parameter as a number), unit (e(i, n)), inv, pinv,
    det, logdet, logabsdet, func (log, exp, sqrt, abs, recip, pow:q; elementwise on matrices),
    expm, logm, eigvals, rank, recip (1 / a scalar sum), net (a closed network: a scalar), spow
    (a scalar to a symbolic integer power, such as (-1)^n or det(A)^m).
    """

    kind: str
    key: str
    legs: tuple[Dim, ...] = ()
    nrows: int = 0
    name: str = ""
    arg: Tensor | None = None
    sym: int = 0  # +1: swapping its row and column legs leaves it unchanged; -1: negates it
    variables: frozenset[str] = frozenset()
    ctx: frozenset[str] | None = None  # the variables whose properties were off; None: any context
    expo: Any = None  # spow: the exponent, an integer polynomial in dimensions and parameters (SymPy)

    def __repr__(self) -> str:
        return f"Atom({self.key})"


Factor = tuple[Atom, tuple[int, ...]]


@dataclass(frozen=True, eq=False)
class Term:
    coef: Fraction
    factors: tuple[Factor, ...] = ()
    scalars: tuple[tuple[Atom, int], ...] = ()
    free: tuple[int, ...] = ()
    key: str | None = field(default=None, compare=False)
    shown: str | None = field(default=None, compare=False)  # index notation, set with the key
    extra: tuple[int, ...] = ()  # summed indices that may be in no factor (before simplification)

    def with_coef(self, coef: Fraction) -> Term:
        return Term(coef, self.factors, self.scalars, self.free, self.key, self.shown, self.extra)

    def indices(self) -> set[int]:
        out = set(self.free) | set(self.extra)
        for _, legs in self.factors:
            out.update(legs)
        return out


@dataclass(frozen=True, eq=False)
class Tensor:
    legs: tuple[Dim, ...]
    nrows: int
    terms: tuple[Term, ...] = ()
    simplified: frozenset[str] | None = None  # the context it is simplified in, if it is

    @property
    def rows(self) -> tuple[Dim, ...]:
        return self.legs[: self.nrows]

    @property
    def cols(self) -> tuple[Dim, ...]:
        return self.legs[self.nrows :]

    @property
    def is_scalar(self) -> bool:
        return not self.legs


class Session:
    """Index ids and their dimensions, the operation budget, and the rules that fired."""

    def __init__(self, max_ops: int = 200_000) -> None:
        self._ids = itertools.count(1)
        self.dims: dict[int, Dim] = {}
        self.ops = 0
        self.max_ops = max_ops
        self.rules: set[str] = set()
        self.memo: dict[tuple[object, ...], object] = {}
        self.props: dict[str, frozenset[str]] = {}  # each variable's stated properties
        self.var_legs: dict[str, tuple[tuple[Dim, ...], int]] = {}  # each variable's legs and row count
        # builds a function atom (inverse, det, ...) from its simplified argument: atoms.build,
        # set by whoever starts the session, so that rewrite and atoms need not import each other
        self.build_atom: Callable[..., Any] | None = None
        # literal sizes: det and inv of a k×k matrix (k a number) by traces of powers, and the
        # Cayley–Hamilton theorem on chains of one factor (a second attempt; see prove)
        self.literal = False
        # W_k inv(W) = I − Σ_(l≠k) W_l inv(W) for an inverse of a sum (another attempt; see prove)
        self.sum_inverse = False

    def fresh(self, dims: Iterable[Dim]) -> list[int]:
        out = []
        for d in dims:
            i = next(self._ids)
            self.dims[i] = d
            out.append(i)
        return out

    def tick(self, n: int = 1) -> None:
        self.ops += n
        if self.ops > self.max_ops:
            raise BudgetExceeded(f"more than {self.max_ops} operations")

    def rule(self, name: str) -> None:
        self.rules.add(name)


# -- building blocks ---------------------------------------------------------------------------
def atom_tensor(s: Session, atom: Atom) -> Tensor:
    """The atom itself as a one-term tensor (its legs are the positions)."""
    ids = tuple(s.fresh(atom.legs))
    if not atom.legs:
        return Tensor((), 0, (Term(Fraction(1), (), ((atom, 1),), ()),))
    return Tensor(atom.legs, atom.nrows, (Term(Fraction(1), ((atom, ids),), (), ids),))


def scalar(value: Fraction | int) -> Tensor:
    if value == 0:
        return Tensor((), 0, ())
    return Tensor((), 0, (Term(Fraction(value)),))


def zero(legs: tuple[Dim, ...], nrows: int) -> Tensor:
    return Tensor(legs, nrows, ())


def identity(s: Session, legs: tuple[Dim, ...]) -> Tensor:
    ids = tuple(s.fresh(legs))
    return Tensor(legs + legs, len(legs), (Term(Fraction(1), free=ids + ids),))


def ones(s: Session, rows: tuple[Dim, ...], cols: tuple[Dim, ...]) -> Tensor:
    ids = tuple(s.fresh(rows + cols))
    return Tensor(rows + cols, len(rows), (Term(Fraction(1), free=ids),))


class _Merge:
    """Union-find over index ids for one product of terms."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        root = i
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(i, i) != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.s.dims[ra] != self.s.dims[rb]:
            raise Unsupported(f"legs of sizes {self.s.dims[ra]} and {self.s.dims[rb]} meet")
        self.parent[max(ra, rb)] = min(ra, rb)


def einsum(
    s: Session, parts: Sequence[tuple[Tensor, Sequence[int]]], out: Sequence[int], legs: tuple[Dim, ...], nrows: int
) -> Tensor:
    """The product of ``parts``, each tensor's positions bound to the given index ids; indices in
    ``out`` are the result's positions, every other one is summed over. Ids in ``parts`` and
    ``out`` come from :meth:`Session.fresh`."""
    for tensor, ids in parts:
        if len(ids) != len(tensor.legs):
            raise Unsupported("internal: positions do not match")
        for i, d in zip(ids, tensor.legs, strict=True):
            if s.dims[i] != d:
                raise Unsupported(f"legs of sizes {s.dims[i]} and {d} meet")
    choices = [t.terms for t, _ in parts]
    result: list[Term] = []
    for combo in itertools.product(*choices):
        s.tick()
        merge = _Merge(s)
        coef = Fraction(1)
        factors: list[tuple[Atom, list[int]]] = []
        scalars: dict[Atom, int] = {}
        extra: list[int] = []
        for (_, ids), term in zip(parts, combo, strict=True):
            coef *= term.coef
            extra.extend(ids)
            rename: dict[int, int] = {}
            for p, f in enumerate(term.free):
                if f in rename:
                    merge.union(rename[f], ids[p])
                else:
                    rename[f] = ids[p]
            for atom, flegs in term.factors:
                new = []
                for leg in flegs:
                    if leg not in rename:
                        rename[leg] = s.fresh([s.dims[leg]])[0]
                    new.append(rename[leg])
                factors.append((atom, new))
            for leg in term.extra:
                if leg not in rename:
                    rename[leg] = s.fresh([s.dims[leg]])[0]
                extra.append(rename[leg])
            for atom, power in term.scalars:
                scalars[atom] = scalars.get(atom, 0) + power
        if coef == 0:
            continue
        done = tuple((a, tuple(merge.find(i) for i in lg)) for a, lg in factors)
        sc = tuple((a, p) for a, p in scalars.items() if p)
        free = tuple(merge.find(i) for i in out)
        summed = tuple(sorted({merge.find(i) for i in extra} - set(free)))
        result.append(Term(coef, done, sc, free, extra=summed))
    return Tensor(legs, nrows, tuple(result))


def permute(t: Tensor, order: Sequence[int], nrows: int) -> Tensor:
    """The positions of ``t`` in a new order (a transpose, vec, a Jacobian's layout)."""
    legs = tuple(t.legs[p] for p in order)
    terms = tuple(Term(u.coef, u.factors, u.scalars, tuple(u.free[p] for p in order), extra=u.extra) for u in t.terms)
    return Tensor(legs, nrows, terms)


def transpose(t: Tensor) -> Tensor:
    n = len(t.legs)
    return permute(t, [*range(t.nrows, n), *range(t.nrows)], n - t.nrows)


def add(a: Tensor, b: Tensor, s: Session | None = None) -> Tensor:
    if (a.legs != b.legs or (a.legs and a.nrows != b.nrows)) and s is not None:
        b = conform(s, b, a.legs, a.nrows) or b
        a = conform(s, a, b.legs, b.nrows) or a
    if a.legs != b.legs or (a.legs and a.nrows != b.nrows):
        raise Unsupported("terms with differently ordered combined indices are added")
    return Tensor(a.legs, a.nrows, a.terms + b.terms)


def conform(s: Session, t: Tensor, legs: tuple[Dim, ...], nrows: int) -> Tensor | None:
    """``t`` read with its combined indices factored in another order, when that reading is the
    same matrix: zeros, multiples of ones and of the identity (I(m*n) = I(n*m)). Else None."""
    if t.legs == legs and t.nrows == nrows:
        return t
    same = sorted(map(repr, t.rows)) == sorted(map(repr, legs[:nrows])) and sorted(map(repr, t.cols)) == sorted(
        map(repr, legs[nrows:])
    )
    if not same:
        return None
    terms = []
    for u in t.terms:
        if u.factors or u.extra:
            return None
        if len(set(u.free)) == len(u.free):
            terms.append(Term(u.coef, (), u.scalars, tuple(s.fresh(legs))))
        elif u.free[: t.nrows] == u.free[t.nrows :] and len(set(u.free)) == t.nrows and legs[:nrows] == legs[nrows:]:
            ids = tuple(s.fresh(legs[:nrows]))
            terms.append(Term(u.coef, (), u.scalars, ids + ids))
        else:
            return None
    s.rule("I(m·n) = I(n·m), and likewise zeros and ones")
    return Tensor(legs, nrows, tuple(terms))


def scale(t: Tensor, c: Fraction | int) -> Tensor:
    if c == 0:
        return Tensor(t.legs, t.nrows, ())
    return Tensor(t.legs, t.nrows, tuple(u.with_coef(u.coef * c) for u in t.terms), t.simplified)


def matmul(s: Session, a: Tensor, b: Tensor) -> Tensor:
    if a.cols != b.rows:
        raise Unsupported("a product whose inner combined indices are ordered differently")
    r, c, k = s.fresh(a.rows), s.fresh(b.cols), s.fresh(a.cols)
    return einsum(s, [(a, r + k), (b, k + c)], r + c, a.rows + b.cols, len(r))


def product(s: Session, a: Tensor, b: Tensor) -> Tensor:
    """A scalar times a tensor (or the reverse), or a product of scalars."""
    if a.legs and b.legs:
        raise Unsupported("internal: product of two matrices")
    t, u = (a, b) if not a.legs else (b, a)
    ids = s.fresh(u.legs)
    return einsum(s, [(t, []), (u, ids)], ids, u.legs, u.nrows)


def hadamard(s: Session, a: Tensor, b: Tensor) -> Tensor:
    if a.legs != b.legs:
        raise Unsupported("a Hadamard product of differently ordered combined indices")
    ids = s.fresh(a.legs)
    return einsum(s, [(a, ids), (b, ids)], ids, a.legs, a.nrows)


def trace(s: Session, a: Tensor) -> Tensor:
    if a.rows != a.cols:
        raise Unsupported("the trace of differently ordered combined indices")
    ids = s.fresh(a.rows)
    return einsum(s, [(a, ids + ids)], [], (), 0)


def kron(s: Session, a: Tensor, b: Tensor) -> Tensor:
    ra, ca, rb, cb = s.fresh(a.rows), s.fresh(a.cols), s.fresh(b.rows), s.fresh(b.cols)
    return einsum(s, [(a, ra + ca), (b, rb + cb)], ra + rb + ca + cb, a.rows + b.rows + a.cols + b.cols, len(ra + rb))


def vec(a: Tensor) -> Tensor:
    """Column-major vec: the column legs become the major part of the row index."""
    n = len(a.legs)
    return permute(a, [*range(a.nrows, n), *range(a.nrows)], n)
