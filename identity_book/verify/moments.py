"""Exact expectations: ``E``, ``Var`` and ``Cov`` of polynomials in random variables.

At a sample point the fixed variables have values; each random variable's entries become the
indeterminates of a polynomial (:class:`Poly`, coefficients in the point's arithmetic: rationals
at the exact level, floats at the numeric one). The argument is evaluated by the ordinary
evaluator on those polynomials, and each monomial is replaced by its moment:

- a normal variable N(m, S), S positive semidefinite at the point (else the point is drawn
  again): by the Gaussian integration-by-parts recursion (Isserlis/Wick with a mean),
  E[x_i x^β] = m_i E[x^β] + Σ_j S_ij β_j E[x^(β − e_j)];
- a distribution given by its mean (and covariance): E[1] = 1, E[x_i] = m_i and
  E[x_i x_j] = S_ij + m_i m_j; a higher degree is not determined and is refused;
- independent coordinates with mean m and central moments μ_k(i) of order k = 2, 3, 4: the
  product over coordinates of E[(m_i + d_i)^k] = Σ_j C(k, j) m_i^(k−j) μ_j(i) (μ_0 = 1, μ_1 = 0).
  The moment formulas are polynomials in the μ's, so checking them at values no distribution
  has is no weaker: a polynomial identity on the set of valid moments holds everywhere.

- a chi variable c (c > 0, c² ∼ χ²ₖ): E[c^j] = 2^(j/2) Γ((k + j)/2) / Γ(k/2), finite only for
  k + j > 0 (else the point is refused). For even j it is rational in k, k(k + 2)⋯(k + j − 2) or
  1/((k − 2)(k − 4)⋯(k + j)); an odd j takes the Gamma functions (SymPy's, exactly, at the exact
  level). A chi entry has an inverse indeterminate as well (index −(i + 1) for entry i): the
  polynomials are Laurent polynomials in the chi entries, so a product of chi variables can
  divide and have negative powers.

Entries are numbered in column-major (vec) order, so the covariance of a random matrix X is that
of vec X. Distinct random variables are independent: a monomial's moment is the product of its
factors' moments per variable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from identity_book.errors import EvaluationError, LimitError
from identity_book.expr.expectation import MAX_TOTAL_DEGREE, unpack
from identity_book.expr.nodes import Node

MAX_TERMS = 20000  # monomials in one polynomial entry
MAX_RANDOM_ENTRIES = 144  # random entries in one expectation

Monomial = tuple[int, ...]  # the indices of the indeterminates, sorted, with repetition


def _cancel(mono: Monomial) -> Monomial:
    """``mono`` with each chi entry i and its inverse −(i + 1) cancelled in pairs."""
    if not mono or mono[0] >= 0:
        return mono
    out = list(mono)
    for k in mono:
        if k >= 0:
            break
        if -k - 1 in out:
            out.remove(-k - 1)
            out.remove(k)
    return tuple(out)


def _inverse(mono: Monomial) -> Monomial:
    return tuple(sorted(-k - 1 for k in mono))


class Poly:
    """A polynomial in the random entries: monomial -> coefficient (any field's numbers)."""

    __slots__ = ("terms",)
    __array_ufunc__ = None  # NumPy defers to the reflected operations below

    def __init__(self, terms: dict[Monomial, Any]) -> None:
        self.terms = terms

    @staticmethod
    def variable(index: int) -> Poly:
        return Poly({(index,): Fraction(1)})

    def _other(self, other: Any) -> dict[Monomial, Any]:
        return other.terms if isinstance(other, Poly) else {(): other}

    def __add__(self, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            return _each(other, lambda x: self + x)
        out = dict(self.terms)
        for mono, coef in self._other(other).items():
            out[mono] = out[mono] + coef if mono in out else coef
        return Poly(out)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly({mono: -coef for mono, coef in self.terms.items()})

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return (-self) + other

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            return _each(other, lambda x: self * x)
        out: dict[Monomial, Any] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in self._other(other).items():
                mono = _cancel(tuple(sorted(m1 + m2))) if m2 else m1
                if len(mono) > MAX_TOTAL_DEGREE:
                    raise LimitError(f"an expectation of degree above {MAX_TOTAL_DEGREE}")
                product = c1 * c2
                out[mono] = out[mono] + product if mono in out else product
        if len(out) > MAX_TERMS:
            raise LimitError(f"an expectation with more than {MAX_TERMS} monomials in one entry")
        return Poly(out)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            return _each(other, lambda x: self / x)
        if isinstance(other, Poly):
            return self * other.reciprocal()
        return Poly({mono: coef / other for mono, coef in self.terms.items()})

    def __rtruediv__(self, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            return _each(other, lambda x: x / self)
        return self.reciprocal() * other

    def reciprocal(self) -> Poly:
        """1/self for a single term (a product of chi entries, checked when parsed; a term of
        another variable fails where its moment is taken, as its inverse has none)."""
        if len(self.terms) != 1:
            raise EvaluationError("division by a random expression that is not a product of chi variables")
        ((mono, coef),) = self.terms.items()
        if coef == 0:
            raise EvaluationError("division by zero")
        return Poly({_inverse(mono): 1 / (Fraction(coef) if isinstance(coef, int) else coef)})

    def __pow__(self, k: int) -> Poly:
        base = self if k >= 0 else self.reciprocal()
        out: Any = Poly({(): Fraction(1)})
        for _ in range(abs(k)):
            out = out * base
        return out

    def __abs__(self) -> float:
        return max((abs(float(c)) for c in self.terms.values()), default=0.0)


def _each(array: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    for idx, x in np.ndenumerate(array):
        out[idx] = fn(x)
    return out


@dataclass
class _Group:
    """One random variable: its entries' indices, mean vector, covariance (None if not given),
    and for independent coordinates the central moments of order 2, 3, ... per coordinate."""

    start: int
    mean: list[Any]
    cov: list[list[Any]] | None
    gaussian: bool
    central: list[list[Any]] | None = None
    chi: tuple[Any, bool] | None = None  # a chi variable: its degrees of freedom, and exact or not
    memo: dict[Monomial, Any] = field(default_factory=dict)

    def moment(self, mono: Monomial) -> Any:
        """E of the product of the entries ``mono`` (indices local to this variable)."""
        if mono in self.memo:
            return self.memo[mono]
        if self.chi is not None:
            value = _chi_moment(*self.chi, mono.count(0) - mono.count(-1))
        elif mono and mono[0] < 0:
            raise EvaluationError("division by a random expression that is not a product of chi variables")
        elif self.central is not None:
            value = self._independent(mono)
        elif not self.gaussian:
            if len(mono) > (2 if self.cov is not None else 1):
                raise EvaluationError("a distribution given by its mean and covariance determines no higher moment")
            value = self._low(mono)
        elif not mono:
            value = Fraction(1)
        else:
            i, rest = mono[0], mono[1:]
            value = self.mean[i] * self.moment(rest)
            assert self.cov is not None
            for pos, j in enumerate(rest):
                if pos and rest[pos - 1] == j:
                    continue  # each distinct j once, times its multiplicity
                count = rest.count(j)
                value = value + self.cov[i][j] * count * self.moment(rest[:pos] + rest[pos + 1 :])
        self.memo[mono] = value
        return value

    def _independent(self, mono: Monomial) -> Any:
        """Π over coordinates of E[(mᵢ + dᵢ)^k] = Σⱼ C(k, j) mᵢ^(k−j) μⱼ(i), with μ₀ = 1, μ₁ = 0."""
        assert self.central is not None
        out: Any = Fraction(1)
        for i in sorted(set(mono)):
            k = mono.count(i)
            if k > 1 + len(self.central):
                raise EvaluationError("independent coordinates with these central moments determine no higher moment")
            total: Any = Fraction(0)
            for j in range(k + 1):
                mu = Fraction(1) if j == 0 else Fraction(0) if j == 1 else self.central[j - 2][i]
                total = total + math.comb(k, j) * self.mean[i] ** (k - j) * mu
            out = out * total
        return out

    def _low(self, mono: Monomial) -> Any:
        if not mono:
            return Fraction(1)
        if len(mono) == 1:
            return self.mean[mono[0]]
        assert self.cov is not None
        i, j = mono
        return self.cov[i][j] + self.mean[i] * self.mean[j]


def _chi_moment(k: Any, exact_mode: bool, j: int) -> Any:
    """E[c^j] for c ∼ χₖ (see the module docstring)."""
    if not k + j > 0:
        raise EvaluationError(f"the moment E[c^{j}] of a chi variable with {k} degrees of freedom is infinite")
    k = Fraction(k) if isinstance(k, int) else k
    out: Any = Fraction(1)
    if j % 2 == 0:
        for i in range(j // 2):
            out = out * (k + 2 * i)
        for i in range(1, -j // 2 + 1):
            out = out * (1 / (k - 2 * i))
        return out
    if exact_mode:
        import sympy

        kk = sympy.Rational(k.numerator, k.denominator) if isinstance(k, Fraction) else sympy.nsimplify(k)
        return sympy.sqrt(2) ** j * sympy.gamma((kk + j) / 2) / sympy.gamma(kk / 2)
    if isinstance(k, float):
        return 2 ** (j / 2) * math.exp(math.lgamma((k + j) / 2) - math.lgamma(k / 2))
    import mpmath  # the high-precision level

    return mpmath.mpf(2) ** (mpmath.mpf(j) / 2) * mpmath.gamma((k + j) / 2) / mpmath.gamma(k / 2)


class _Moments:
    def __init__(self, groups: list[_Group]) -> None:
        self.groups = groups

    def expect(self, value: Any) -> Any:
        """E of a polynomial (or of a matrix of them); fixed values are their own expectation."""
        if isinstance(value, np.ndarray):
            return _each(value, self.expect) if value.dtype == object else value
        if not isinstance(value, Poly):
            return value
        total: Any = None
        for mono, coef in value.terms.items():
            term = coef * self._monomial(mono)
            total = term if total is None else total + term
        return Fraction(0) if total is None else total

    def _monomial(self, mono: Monomial) -> Any:
        out: Any = Fraction(1)
        for g in self.groups:  # chi variables last: a zero factor spares their odd moments
            size = len(g.mean)
            mine = tuple(_local(k, g.start) for k in mono if g.start <= _entry(k) < g.start + size)
            if mine:
                out = out * g.moment(mine)
                if isinstance(out, Fraction | int | float) and out == 0:
                    return out
        return out


def _entry(k: int) -> int:
    """The entry an indeterminate belongs to (an inverse −(i + 1) to entry i)."""
    return k if k >= 0 else -k - 1


def _local(k: int, start: int) -> int:
    return k - start if k >= 0 else k + start


def expectation(ev: Any, node: Node, env: dict[str, Any]) -> Any:
    """The value of an ``E``, ``Var`` or ``Cov`` node at the point ``env`` (fixed variables)."""
    body, randoms = unpack(node)
    inner = dict(env)
    groups: list[_Group] = []
    start = 0
    for name, family, params in sorted(randoms, key=lambda r: r[1] == "chi"):
        mean = ev.eval(params[0], env)
        cov_node = params[1] if family != "independent" and len(params) > 1 else None
        cov = None if cov_node is None else ev.eval(cov_node, env)
        central = [_flat(ev.eval(t, env)) for t in params[1:]] if family == "independent" else None
        shape = mean.shape if isinstance(mean, np.ndarray) else None
        flat = [mean] if shape is None else list(np.reshape(mean, (-1,), order="F"))
        if start + len(flat) > MAX_RANDOM_ENTRIES:
            raise LimitError(f"an expectation over more than {MAX_RANDOM_ENTRIES} random entries")
        rows = None if cov is None else _matrix_rows(cov, len(flat))
        if rows is not None:
            _check_covariance(name, rows, ev.backend.exact)
        chi = (mean, ev.backend.exact) if family == "chi" else None
        groups.append(_Group(start, flat, rows, family == "normal", central, chi))
        entries = [Poly.variable(start + k) for k in range(len(flat))]
        if shape is None:
            inner[name] = entries[0]
        else:
            value = np.empty(len(flat), dtype=object)
            value[:] = entries
            inner[name] = np.reshape(value, shape, order="F")
        start += len(flat)
    ev.random_depth += 1
    try:
        values = [ev.eval(a, inner) for a in body]
    finally:
        ev.random_depth -= 1
    moments = _Moments(groups)
    if node.op == "E":
        out = moments.expect(values[0])
    else:
        left, right = (values[0], values[0]) if node.op == "Var" else (values[0], values[1])
        centred = [_centre(v, moments) for v in (left, right)]
        if not isinstance(centred[0], np.ndarray) or not isinstance(centred[1], np.ndarray):
            out = moments.expect(_scalar(centred[0]) * _scalar(centred[1]))
        else:
            out = moments.expect(centred[0] @ centred[1].T)
    if ev.backend.exact:
        return out
    return np.asarray(out, dtype=float) if isinstance(out, np.ndarray) else float(out)


def _flat(value: Any) -> list[Any]:
    return list(np.reshape(value, (-1,), order="F")) if isinstance(value, np.ndarray) else [value]


def _centre(value: Any, moments: _Moments) -> Any:
    return value - moments.expect(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value[0, 0]
    return value


def _matrix_rows(cov: Any, size: int) -> list[list[Any]]:
    if not isinstance(cov, np.ndarray):
        return [[cov]]
    if cov.shape != (size, size):
        raise EvaluationError(f"a covariance of shape {cov.shape} for {size} random entries")
    return [list(row) for row in cov]


def _check_covariance(name: str, rows: list[list[Any]], exact_mode: bool) -> None:
    """A covariance must be symmetric positive semidefinite at the point (else it is drawn again)."""
    n = len(rows)
    if exact_mode:
        if not all(isinstance(x, Fraction | int) for row in rows for x in row):
            return  # symbolic entries: the moment formulas are polynomial identities in them
        a = [[Fraction(x) for x in row] for row in rows]
        if any(a[i][j] != a[j][i] for i in range(n) for j in range(i)):
            raise EvaluationError(f"the covariance of {name} is not symmetric at this point")
        for k in range(n):  # symmetric elimination: no negative pivot; a zero pivot has a zero row
            if a[k][k] < 0 or (a[k][k] == 0 and any(a[k][j] != 0 for j in range(k, n))):
                raise EvaluationError(f"the covariance of {name} is not positive semidefinite at this point")
            if a[k][k] == 0:
                continue
            for i in range(k + 1, n):
                f = a[i][k] / a[k][k]
                for j in range(k, n):
                    a[i][j] -= f * a[k][j]
        return
    m = np.array(rows, dtype=float)
    scale = max(1.0, float(np.max(np.abs(m))))
    if not np.allclose(m, m.T, rtol=1e-12, atol=1e-12 * scale) or np.min(np.linalg.eigvalsh(m)) < -1e-9 * scale:
        raise EvaluationError(f"the covariance of {name} is not symmetric positive semidefinite at this point")
