"""Exact arithmetic: tagged dual numbers and linear algebra over any commutative field.

Scalars are :class:`fractions.Fraction` (rational points), SymPy expressions (symbolic entries,
or exact irrational values such as ``log(2)``), or :class:`Dual` numbers over either, which give
exact derivatives by forward mode. Matrices are NumPy object arrays of such scalars.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from sympy.polys.fields import FracElement

from identity_book.errors import EvaluationError, NotExact
from identity_book.verify.gaussian import Gaussian

Scalar = Any
_tags = itertools.count(1)


def new_tag() -> int:
    """A fresh perturbation tag; later tags nest outside earlier ones."""
    return next(_tags)


class Dual:
    """``a + b·ε`` with ``ε² = 0``; ``tag`` keeps nested derivatives apart."""

    __slots__ = ("a", "b", "tag")

    def __init__(self, a: Scalar, b: Scalar, tag: int) -> None:
        self.a, self.b, self.tag = a, b, tag

    def _split(self, other: Scalar) -> tuple[Scalar, Scalar]:
        if isinstance(other, Dual) and other.tag == self.tag:
            return other.a, other.b
        return other, 0

    def _outer(self, other: Scalar) -> bool:
        """True when ``other`` carries a later tag and must do the operation."""
        return isinstance(other, Dual) and other.tag > self.tag

    def __add__(self, other: Scalar) -> Scalar:
        if isinstance(other, np.ndarray):
            return NotImplemented  # the array applies the operation entry by entry
        if self._outer(other):
            return other.__radd__(self)
        oa, ob = self._split(other)
        return Dual(self.a + oa, self.b + ob, self.tag)

    def __radd__(self, other: Scalar) -> Scalar:
        return Dual(other + self.a, self.b, self.tag)

    def __neg__(self) -> Dual:
        return Dual(-self.a, -self.b, self.tag)

    def __sub__(self, other: Scalar) -> Scalar:
        if isinstance(other, np.ndarray):
            return NotImplemented  # the array applies the operation entry by entry
        return self + (-other)

    def __rsub__(self, other: Scalar) -> Scalar:
        return (-self) + other

    def __mul__(self, other: Scalar) -> Scalar:
        if isinstance(other, np.ndarray):
            return NotImplemented  # the array applies the operation entry by entry
        if self._outer(other):
            return other.__rmul__(self)
        oa, ob = self._split(other)
        return Dual(self.a * oa, self.a * ob + self.b * oa, self.tag)

    def __rmul__(self, other: Scalar) -> Scalar:
        return Dual(other * self.a, other * self.b, self.tag)

    def __truediv__(self, other: Scalar) -> Scalar:
        if isinstance(other, np.ndarray):
            return NotImplemented  # the array applies the operation entry by entry
        if self._outer(other):
            return other.__rtruediv__(self)
        oa, ob = self._split(other)
        q = self.a / oa
        return Dual(q, (self.b - q * ob) / oa, self.tag)

    def __rtruediv__(self, other: Scalar) -> Scalar:
        q = other / self.a
        return Dual(q, -q * self.b / self.a, self.tag)

    def __pow__(self, exponent: Scalar) -> Scalar:
        if isinstance(exponent, Dual) and exponent.tag >= self.tag:
            return exp_(log_(self) * exponent)
        return Dual(power(self.a, exponent), exponent * power(self.a, exponent - 1) * self.b, self.tag)

    def __rpow__(self, base: Scalar) -> Scalar:
        return exp_(log_(base) * self)

    def __repr__(self) -> str:
        return f"Dual({self.a!r}, {self.b!r}, tag={self.tag})"


def primal(x: Scalar) -> Scalar:
    while isinstance(x, Dual):
        x = x.a
    return x


def eps_part(x: Scalar, tag: int) -> Scalar:
    """The coefficient of the ``tag`` perturbation in ``x`` (0 when ``x`` does not depend on it)."""
    if isinstance(x, Dual) and x.tag == tag:
        return x.b
    return Fraction(0)


def nonzero(x: Scalar) -> bool:
    """Whether ``x`` is certainly not zero (usable as a pivot)."""
    x = primal(x)
    if isinstance(x, Fraction | int | FracElement | Gaussian):
        return bool(x != 0)
    return bool(sympy.cancel(sympy.together(x)) != 0)


# -- scalar functions (chain rule through duals) -----------------------------------------
def _rational(x: Scalar) -> Fraction | None:
    if isinstance(x, Fraction | int):
        return Fraction(x)
    if isinstance(x, sympy.Rational):
        return Fraction(int(x.p), int(x.q))
    return None


def _sign(x: Scalar) -> int:
    r = _rational(x)
    if r is not None:
        return int(r > 0) - int(r < 0)
    if isinstance(x, Gaussian):
        raise EvaluationError("a complex number has no sign (log, sqrt, abs and comparisons need a real value)")
    if isinstance(x, sympy.Expr) and x.is_number:
        value = sympy.N(x, 30)
        if value.is_real and value != 0:
            return 1 if value > 0 else -1
    raise NotExact("the sign of a symbolic value is not known")


def _symbolic(x: Scalar) -> bool:
    """A SymPy expression in symbols (the symbolic level): domain checks do not apply."""
    return isinstance(x, sympy.Expr) and bool(x.free_symbols)


def log_(x: Scalar) -> Scalar:
    if isinstance(x, Dual):
        return Dual(log_(x.a), x.b / x.a, x.tag)
    if _symbolic(x):
        return sympy.log(x)
    if _sign(x) <= 0:
        raise EvaluationError("log of a non-positive number")
    r = _rational(x)
    if r == 1:
        return Fraction(0)
    return sympy.log(sympy.Rational(r.numerator, r.denominator) if r is not None else x)


def exp_(x: Scalar) -> Scalar:
    if isinstance(x, Dual):
        e = exp_(x.a)
        return Dual(e, e * x.b, x.tag)
    r = _rational(x)
    if r == 0:
        return Fraction(1)
    return sympy.exp(sympy.Rational(r.numerator, r.denominator) if r is not None else x)


def sin_(x: Scalar) -> Scalar:
    if isinstance(x, Dual):
        return Dual(sin_(x.a), cos_(x.a) * x.b, x.tag)
    r = _rational(x)
    if r == 0:
        return Fraction(0)
    return sympy.sin(sympy.Rational(r.numerator, r.denominator) if r is not None else x)


def cos_(x: Scalar) -> Scalar:
    if isinstance(x, Dual):
        return Dual(cos_(x.a), -sin_(x.a) * x.b, x.tag)
    r = _rational(x)
    if r == 0:
        return Fraction(1)
    return sympy.cos(sympy.Rational(r.numerator, r.denominator) if r is not None else x)


def sqrt_(x: Scalar) -> Scalar:
    if isinstance(x, Dual):
        s = sqrt_(x.a)
        return Dual(s, x.b / (2 * s), x.tag)
    if _symbolic(x):
        return sympy.sqrt(x)
    if _sign(x) < 0:
        raise EvaluationError("square root of a negative number")
    r = _rational(x)
    if r is not None:
        num, den = _isqrt(r.numerator), _isqrt(r.denominator)
        if num is not None and den is not None:
            return Fraction(num, den)
        return sympy.sqrt(sympy.Rational(r.numerator, r.denominator))
    return sympy.sqrt(x)


def _isqrt(n: int) -> int | None:
    import math

    root = math.isqrt(n)
    return root if root * root == n else None


PI = sympy.pi
E = sympy.E


def gamma_(x: Scalar) -> Scalar:
    """Γ(x), exactly (a rational, or √π times one, at integers and half-integers), through duals:
    dΓ(a) = Γ(a) ψ(a) da."""
    if isinstance(x, Dual):
        g = gamma_(x.a)
        return Dual(g, g * sympy.polygamma(0, sympy.sympify(x.a)) * x.b, x.tag)
    r = _rational(x)
    if r is not None:
        return _rational_or_sympy(sympy.gamma(sympy.Rational(r.numerator, r.denominator)))
    return sympy.gamma(x)


def _is_complex(x: Scalar) -> bool:
    """Whether a value or any of its derivative parts is a (non-real) Gaussian rational: then
    |·| is not differentiable as a real function (d|w| = Re(w̄ dw)/|w|, not sign(w) dw)."""
    if isinstance(x, Dual):
        return _is_complex(x.a) or _is_complex(x.b)
    return isinstance(x, Gaussian)


def abs_(x: Scalar) -> Scalar:
    if isinstance(x, Gaussian):
        return sqrt_(x.re * x.re + x.im * x.im)
    if _is_complex(x):
        raise NotExact("derivatives of |z| for complex z are not computed exactly")
    s = _sign(primal(x))
    if s == 0:
        raise EvaluationError("abs is not differentiable at 0")
    return x if s > 0 else -x


def magnitude(x: Scalar) -> Scalar:
    """|x| for a norm: 0 at 0 (``abs_`` refuses 0, where it has no derivative); floats too."""
    if isinstance(x, float | np.floating | complex | np.complexfloating) or hasattr(x, "_mpf_") or hasattr(x, "_mpc_"):
        return abs(x)
    if isinstance(x, Gaussian):
        return sqrt_(x.re * x.re + x.im * x.im)
    if _is_complex(x):
        raise NotExact("derivatives of |z| for complex z are not computed exactly")
    if not isinstance(x, Dual) and not nonzero(x):
        return Fraction(0)
    return abs_(x)


def largest(values: list[Scalar]) -> Scalar:
    """The largest of ``values`` (for max norms); refused at a tie of dual numbers, where the
    maximum has no derivative."""
    if not values:
        raise EvaluationError("the largest of no values")
    if all(isinstance(v, float | np.floating) or hasattr(v, "_mpf_") for v in values):
        return max(values)
    best = values[0]
    for v in values[1:]:
        s = _sign(primal(v) - primal(best))
        if s > 0:
            best = v
        elif s == 0 and (isinstance(v, Dual) or isinstance(best, Dual)):
            raise EvaluationError("max is not differentiable at a tie")
    return best


def power(base: Scalar, exponent: Scalar) -> Scalar:
    e = _rational(exponent)
    if e is not None and e.denominator == 1:
        k = int(e)
        if abs(k) > 256:
            raise EvaluationError("exponent too large")
        if k < 0:
            if not nonzero(base):
                raise EvaluationError("division by zero")
            return 1 / _ipow(base, -k)
        return _ipow(base, k)
    if e is not None and not isinstance(base, Dual):
        if _sign(base) < 0:
            raise EvaluationError("fractional power of a negative number")
        b = _rational(base)
        if b is not None:
            return _rational_or_sympy(
                sympy.Pow(sympy.Rational(b.numerator, b.denominator), sympy.Rational(e.numerator, e.denominator))
            )
    if isinstance(base, Dual) and not isinstance(exponent, Dual):
        return base**exponent
    if isinstance(exponent, sympy.Expr) and not isinstance(base, Dual):
        return sympy.Pow(sympy.sympify(base), exponent)
    return exp_(log_(base) * exponent)


def _ipow(base: Scalar, k: int) -> Scalar:
    result: Scalar = Fraction(1)
    for _ in range(k):
        result = result * base
    return result


def _rational_or_sympy(x: sympy.Expr) -> Scalar:
    r = _rational(x)
    return r if r is not None else x


# -- linear algebra ------------------------------------------------------------------------
def identity(n: int) -> np.ndarray:
    out = np.full((n, n), Fraction(0), dtype=object)
    for i in range(n):
        out[i, i] = Fraction(1)
    return out


def det(m: np.ndarray) -> Scalar:
    n = m.shape[0]
    if n <= 4:
        return _laplace(m)
    a = m.copy()
    result: Scalar = Fraction(1)
    for col in range(n):
        pivot = next((r for r in range(col, n) if nonzero(a[r, col])), None)
        if pivot is None:
            return Fraction(0)
        if pivot != col:
            a[[col, pivot]] = a[[pivot, col]]
            result = -result
        result = result * a[col, col]
        for r in range(col + 1, n):
            factor = a[r, col] / a[col, col]
            a[r, col:] = a[r, col:] - factor * a[col, col:]
    return result


def _laplace(m: np.ndarray) -> Scalar:
    n = m.shape[0]
    if n == 1:
        return m[0, 0]
    if n == 2:
        return m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    total: Scalar = Fraction(0)
    for j in range(n):
        minor = np.delete(np.delete(m, 0, axis=0), j, axis=1)
        term = m[0, j] * _laplace(minor)
        total = total + term if j % 2 == 0 else total - term
    return total


def inv(m: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    if n <= 3:
        d = det(m)
        if not nonzero(d):
            raise EvaluationError("singular matrix")
        adj = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                minor = np.delete(np.delete(m, j, axis=0), i, axis=1)
                c = _laplace(minor) if n > 1 else Fraction(1)
                adj[i, j] = c if (i + j) % 2 == 0 else -c
        return adj / d
    a = np.concatenate([m.copy(), identity(n)], axis=1)
    for col in range(n):
        pivot = next((r for r in range(col, n) if nonzero(a[r, col])), None)
        if pivot is None:
            raise EvaluationError("singular matrix")
        if pivot != col:
            a[[col, pivot]] = a[[pivot, col]]
        a[col] = a[col] / a[col, col]
        for r in range(n):
            if r != col:
                a[r] = a[r] - a[r, col] * a[col]
    return a[:, n:]


def pinv(m: np.ndarray) -> np.ndarray:
    """Moore–Penrose inverse, exactly, from a full-rank factorisation A = C F:
    A⁺ = Fᵀ (F Fᵀ)⁻¹ (Cᵀ C)⁻¹ Cᵀ, with C the pivot columns of A and F its reduced row echelon rows."""
    if any(isinstance(x, Dual) for x in m.flat):
        raise NotExact("derivatives of pinv are not computed exactly")
    rows, cols = m.shape
    reduced, pivots = _rref(m)
    if not pivots:
        return np.full((cols, rows), Fraction(0), dtype=object)
    c = m[:, pivots]
    f = reduced[: len(pivots), :]
    fh, ch = _ctranspose(f), _ctranspose(c)  # the transposes for real A, conjugate for complex A
    return fh @ inv(f @ fh) @ inv(ch @ c) @ ch


def _ctranspose(m: np.ndarray) -> np.ndarray:
    out = np.empty(m.shape[::-1], dtype=object)
    for (i, j), x in np.ndenumerate(m):
        out[j, i] = Gaussian(x.re, -x.im) if isinstance(x, Gaussian) else x
    return out


def rank(m: np.ndarray) -> int:
    """The rank, exactly (of the primal part of dual numbers: rank is locally constant)."""
    return len(_rref(np.vectorize(primal, otypes=[object])(m))[1]) if m.size else 0


def _rref(m: np.ndarray) -> tuple[np.ndarray, list[int]]:
    a = m.copy()
    rows, cols = a.shape
    pivots: list[int] = []
    r = 0
    for col in range(cols):
        pivot = next((i for i in range(r, rows) if nonzero(a[i, col])), None)
        if pivot is None:
            continue
        a[[r, pivot]] = a[[pivot, r]]
        a[r] = a[r] / a[r, col]
        for i in range(rows):
            if i != r and nonzero(a[i, col]):
                a[i] = a[i] - a[i, col] * a[r]
        pivots.append(col)
        r += 1
        if r == rows:
            break
    return a, pivots


def to_fraction_array(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    for idx, v in np.ndenumerate(values):
        out[idx] = Fraction(int(v)) if float(v).is_integer() else Fraction(float(v))
    return out


def is_exact_zero(x: Scalar) -> bool | None:
    """True if ``x`` is zero, False if it is not, None if that could not be decided."""
    if isinstance(x, Dual):
        a, b = is_exact_zero(x.a), is_exact_zero(x.b)
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    r = _rational(x)
    if r is not None:
        return r == 0
    if isinstance(x, FracElement | Gaussian):
        return bool(x == 0)
    expr = sympy.sympify(x)
    if expr.free_symbols and sympy.cancel(sympy.together(expr)) == 0:
        return True
    try:
        simple = sympy.simplify(sympy.expand_log(expr, force=True))
        if simple == 0:
            return True
        if not simple.free_symbols:
            value = sympy.N(simple, 50)
            if value.is_number and abs(value) > sympy.Float("1e-40"):
                return False
            return None
    except (OverflowError, MemoryError):  # towers such as exp(exp(exp(...))) are beyond decision
        return None
    transcendental = bool(simple.atoms(sympy.log, sympy.exp, sympy.sin, sympy.cos)) or any(
        not p.exp.is_Integer for p in simple.atoms(sympy.Pow)
    )
    return None if transcendental else False
