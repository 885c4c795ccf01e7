"""Gaussian rationals ``a + b i`` (a, b rational): exact complex arithmetic at sample points.

A value whose imaginary part is zero is returned as a plain :class:`fractions.Fraction`, so a
real result of complex inputs (tr(XXᴴ), a determinant of a Hermitian matrix) is a rational
again and every real function of the exact level applies to it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy

Scalar = Any


def _rational(x: object) -> Fraction | None:
    if isinstance(x, Fraction | int) and not isinstance(x, bool):
        return Fraction(x)
    if isinstance(x, sympy.Rational):
        return Fraction(int(x.p), int(x.q))
    return None


def make(re: Fraction, im: Fraction) -> Scalar:
    """``re + im i``, a Fraction when ``im`` is zero."""
    return Gaussian(re, im) if im != 0 else Fraction(re)


class Gaussian:
    """``re + im·i`` with rational parts, ``im != 0`` (see :func:`make`)."""

    __slots__ = ("im", "re")

    def __init__(self, re: Fraction, im: Fraction) -> None:
        self.re, self.im = Fraction(re), Fraction(im)

    def _parts(self, other: object) -> tuple[Fraction, Fraction] | None:
        if isinstance(other, Gaussian):
            return other.re, other.im
        r = _rational(other)
        return None if r is None else (r, Fraction(0))

    def _sympy_(self) -> sympy.Expr:
        return sympy.Rational(self.re.numerator, self.re.denominator) + sympy.I * sympy.Rational(
            self.im.numerator, self.im.denominator
        )

    def _other(self, other: object) -> Any:
        """A SymPy expression operand: work in SymPy; anything else (arrays, duals): defer."""
        if isinstance(other, sympy.Expr):
            return self._sympy_()
        return None

    def __add__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else s + other
        return make(self.re + p[0], self.im + p[1])

    __radd__ = __add__

    def __neg__(self) -> Gaussian:
        return Gaussian(-self.re, -self.im)

    def __sub__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else s - other
        return make(self.re - p[0], self.im - p[1])

    def __rsub__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else other - s
        return make(p[0] - self.re, p[1] - self.im)

    def __mul__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else s * other
        a, b = p
        return make(self.re * a - self.im * b, self.re * b + self.im * a)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else s / other
        a, b = p
        norm = a * a + b * b
        if norm == 0:
            raise ZeroDivisionError("division by zero")
        return make((self.re * a + self.im * b) / norm, (self.im * a - self.re * b) / norm)

    def __rtruediv__(self, other: object) -> Any:
        p = self._parts(other)
        if p is None:
            s = self._other(other)
            return NotImplemented if s is None else other / s
        return make(*p) * self.reciprocal()

    def reciprocal(self) -> Scalar:
        norm = self.re * self.re + self.im * self.im
        return make(self.re / norm, -self.im / norm)

    def __pow__(self, k: object) -> Any:
        r = _rational(k)
        if r is None or r.denominator != 1 or abs(r) > 256:
            return NotImplemented
        base: Scalar = self if r >= 0 else self.reciprocal()
        out: Scalar = Fraction(1)
        for _ in range(abs(int(r))):
            out = out * base
        return out

    def __eq__(self, other: object) -> bool:
        p = self._parts(other)
        return p is not None and p == (self.re, self.im)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.re, self.im))

    def __bool__(self) -> bool:
        return True  # the imaginary part is not zero

    def __repr__(self) -> str:
        return f"Gaussian({self.re}, {self.im})"

    def __str__(self) -> str:
        im = self.im
        sign = "-" if im < 0 else "+"
        mag = "" if abs(im) == 1 else str(abs(im))
        return f"{self.re}{sign}{mag}i" if self.re != 0 else f"{'-' if im < 0 else ''}{mag}i"


def conjugate(x: Scalar) -> Scalar:
    """x* of a Gaussian rational, a rational, a complex float, or a SymPy number."""
    if isinstance(x, Gaussian):
        return Gaussian(x.re, -x.im)
    if _rational(x) is not None:
        return x
    if isinstance(x, complex | np.complexfloating):
        return np.conj(x)
    if isinstance(x, float | np.floating) or hasattr(x, "_mpf_"):
        return x
    if hasattr(x, "_mpc_"):  # a 50-digit mpmath complex
        return x.conjugate()
    if isinstance(x, sympy.Expr):
        return sympy.conjugate(x)
    raise TypeError(f"no conjugate of {type(x).__name__}")


def real_part(x: Scalar) -> Scalar:
    if isinstance(x, Gaussian):
        return x.re
    if isinstance(x, complex | np.complexfloating):
        return float(complex(x).real)
    if hasattr(x, "_mpc_"):
        return x.real
    if isinstance(x, sympy.Expr):
        return sympy.re(x)
    return x


def imag_part(x: Scalar) -> Scalar:
    if isinstance(x, Gaussian):
        return x.im
    if isinstance(x, complex | np.complexfloating):
        return float(complex(x).imag)
    if hasattr(x, "_mpc_"):
        return x.imag
    if isinstance(x, sympy.Expr):
        return sympy.im(x)
    return Fraction(0) if _rational(x) is not None else 0.0


IMAGINARY_UNIT = Gaussian(Fraction(0), Fraction(1))


def from_complex(value: complex) -> Scalar:
    """The exact Gaussian rational of a complex double."""
    return make(Fraction(float(value.real)), Fraction(float(value.imag)))
