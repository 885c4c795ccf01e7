"""Evaluation with 50 significant digits (mpmath), to look again at a floating disagreement.

A residual above tolerance in double precision may be rounding at an ill-conditioned point;
where exact arithmetic cannot decide, the same point evaluated with many more digits does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath.ctx_mp import MPContext

from identity_book.errors import EvaluationError
from identity_book.expr.nodes import Node
from identity_book.verify import complexnum, decompositions, gaussian
from identity_book.verify.evaluate import (
    MAX_POWER,
    Env,
    Evaluator,
    FloatBackend,
    Value,
    check_spd_power,
    check_sqrtm,
    entrywise,
    gamma_argument,
    is_matrix,
)

DIGITS = 50
_mp = MPContext()
_mp.dps = DIGITS


def _to_mp(m: np.ndarray) -> Any:
    return _mp.matrix([[_mp.mpmathify(x) for x in row] for row in m])


def _det(m: np.ndarray) -> Any:
    """The determinant by elimination with partial pivoting (mpmath's ``det`` fails on some
    singular matrices: a column of zeros below the diagonal)."""
    a = [[_mp.mpmathify(x) for x in row] for row in m]
    n, total = len(a), _mp.mpf(1)
    for k in range(n):
        pivot = max(range(k, n), key=lambda r: abs(a[r][k]))
        if a[pivot][k] == 0:
            return _mp.mpf(0)
        if pivot != k:
            a[k], a[pivot] = a[pivot], a[k]
            total = -total
        total *= a[k][k]
        for r in range(k + 1, n):
            factor = a[r][k] / a[k][k]
            a[r] = [x - factor * y for x, y in zip(a[r], a[k], strict=True)]
    return total


def _from_mp(m: Any) -> np.ndarray:
    out = np.empty((m.rows, m.cols), dtype=object)
    for i in range(m.rows):
        for j in range(m.cols):
            out[i, j] = _mp.mpmathify(m[i, j])
    return out


class PreciseBackend(FloatBackend):
    """Floating point with :data:`DIGITS` significant digits (mpmath), for confirmation only."""

    def const(self, value: Fraction | int) -> Any:
        value = Fraction(value)
        return _mp.mpf(value.numerator) / value.denominator

    def zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.full((rows, cols), _mp.mpf(0), dtype=object)

    def ones(self, rows: int, cols: int) -> np.ndarray:
        return np.full((rows, cols), _mp.mpf(1), dtype=object)

    def eye(self, n: int) -> np.ndarray:
        out = self.zeros(n, n)
        for i in range(n):
            out[i, i] = _mp.mpf(1)
        return out

    def det(self, m: np.ndarray) -> Any:
        return _det(m)

    def inv(self, m: np.ndarray) -> np.ndarray:
        try:
            return _from_mp(_mp.inverse(_to_mp(m)))
        except ZeroDivisionError:
            raise EvaluationError("singular matrix") from None

    def _svd(self, m: np.ndarray) -> tuple[Any, Any, Any, int]:
        complex_entries = any(isinstance(_mp.mpmathify(x), _mp.mpc) for x in np.asarray(m, dtype=object).flat)
        u, s, v = (_mp.svd_c if complex_entries else _mp.svd_r)(_to_mp(m))
        values = [s[i] for i in range(len(s))]
        top = max(values, default=_mp.mpf(0))
        rank = sum(1 for x in values if top and x > top * _mp.mpf(10) ** (-DIGITS // 2))
        return u, values, v, rank

    def pinv(self, m: np.ndarray) -> np.ndarray:
        u, s, v, rank = self._svd(m)
        out = _mp.zeros(m.shape[1], m.shape[0])
        for k in range(rank):
            out += (v[k, :].T * u[:, k].T) / s[k]
        return _from_mp(out)

    def svdvals(self, m: np.ndarray) -> np.ndarray:
        values = sorted(self._svd(m)[1], reverse=True)
        return np.reshape(np.array(values, dtype=object), (-1, 1))

    def rank(self, m: np.ndarray) -> Any:
        return _mp.mpf(self._svd(m)[3])

    def logdet(self, m: np.ndarray) -> Any:
        value = self.det(m)
        if value <= 0:
            raise EvaluationError("logdet of a matrix with non-positive determinant")
        return _mp.log(value)

    def logabsdet(self, m: np.ndarray) -> Any:
        value = self.det(m)
        if value == 0:
            raise EvaluationError("singular matrix")
        return _mp.log(abs(value))

    def expm(self, m: np.ndarray) -> np.ndarray:
        return _from_mp(_mp.expm(_to_mp(m)))

    def sinm(self, m: np.ndarray) -> np.ndarray:
        return _from_mp(_mp.sinm(_to_mp(m)))

    def cosm(self, m: np.ndarray) -> np.ndarray:
        return _from_mp(_mp.cosm(_to_mp(m)))

    def powm(self, m: np.ndarray, p: Any) -> np.ndarray:
        check_spd_power(entrywise(float, m).astype(float))
        values, vectors = _mp.eigsy(_to_mp(entrywise(_mp.re, (m + m.T) / 2)))
        scaled = _mp.matrix(vectors.rows, vectors.cols)
        for j in range(vectors.cols):
            power = _mp.power(values[j], _mp.mpmathify(p))
            for i in range(vectors.rows):
                scaled[i, j] = vectors[i, j] * power
        return _from_mp(scaled * vectors.T)

    def sqrtm(self, m: np.ndarray) -> np.ndarray:
        check_sqrtm(entrywise(float, m).astype(float))
        out = _mp.sqrtm(_to_mp(m))
        return entrywise(_mp.re, _from_mp(out))

    def logm(self, m: np.ndarray) -> np.ndarray:
        out = _mp.logm(_to_mp(m))
        if any(abs(_mp.im(out[i, j])) > _mp.mpf(10) ** -30 for i in range(out.rows) for j in range(out.cols)):
            raise EvaluationError("logm is not real at this point")
        return entrywise(_mp.re, _from_mp(out))

    def eigvals(self, m: np.ndarray) -> np.ndarray:
        if complexnum.is_complex(m):
            values, _ = _mp.eighe(_to_mp((m + complexnum.ctranspose(m)) / 2))
            return np.reshape(np.array(sorted(_mp.re(values[i]) for i in range(len(values))), dtype=object), (-1, 1))
        m = entrywise(_mp.re, m)  # complex-typed entries with no imaginary part
        values, _ = _mp.eigsy(_to_mp((m + m.T) / 2))
        return np.reshape(np.array(sorted(values[i] for i in range(len(values))), dtype=object), (-1, 1))

    def eig(self, m: np.ndarray) -> np.ndarray:
        """The eigenvalues of a general matrix with 50 digits, ordered as in double precision."""
        values = _mp.eig(_to_mp(m), left=False, right=False)
        order = complexnum.spectrum_order([complex(v) for v in values])
        return np.reshape(np.array([_mp.mpc(values[k]) for k in order], dtype=object), (-1, 1))

    def factor(self, name: str, m: np.ndarray) -> np.ndarray:
        """The factors of :mod:`~identity_book.verify.decompositions` with 50 digits, normalised alike."""
        if name in ("lu_l", "lu_u"):
            return decompositions.factor(name, m, "precise")
        if name in ("schur_u", "schur_t"):
            return self._schur(name, m)
        decompositions.factor(name, entrywise(float, m), "float")  # the same refusals as in double precision
        if name == "chol":
            return _from_mp(_mp.cholesky(_to_mp((m + m.T) / 2)))
        if name == "eigvecs":
            values, vectors = _mp.eigsy(_to_mp((m + m.T) / 2))
            order = sorted(range(len(values)), key=lambda k: values[k])
            out = _from_mp(vectors)[:, order]
        else:
            u, s, v = _mp.svd_r(_to_mp(m), full_matrices=False, compute_uv=True)
            order = sorted(range(len(s)), key=lambda k: -s[k])
            us, vs = _from_mp(u)[:, order], _from_mp(v.T)[:, order]
            for j in range(vs.shape[1]):
                k = max(range(vs.shape[0]), key=lambda i: abs(vs[i, j]))
                if vs[k, j] < 0:
                    us[:, j], vs[:, j] = -us[:, j], -vs[:, j]
            return us if name == "svd_u" else vs
        for j in range(out.shape[1]):
            k = max(range(out.shape[0]), key=lambda i: abs(out[i, j]))
            if out[k, j] < 0:
                out[:, j] = -out[:, j]
        return out

    def _schur(self, name: str, m: np.ndarray) -> np.ndarray:
        """The Schur form with 50 digits: the QR of the eigenvectors in ``eig``'s order, each
        column's phase fixed by its first entry, as in double precision (and with its refusals)."""
        a = _to_mp(m)
        values, vectors = _mp.eig(a)
        as_floats = np.array(_from_mp(vectors).tolist(), dtype=complex)
        order = decompositions.schur_order([complex(v) for v in values], as_floats)
        q, _ = _mp.qr(_to_mp(_from_mp(vectors)[:, order]))
        u = decompositions.phase_first_row(_from_mp(q))
        if name == "schur_u":
            return u
        return _from_mp(_to_mp(complexnum.ctranspose(u)) * a * _to_mp(u))

    def elementwise(self, name: str, v: Value) -> Value:
        def fn(x: Any) -> Any:
            if isinstance(x, _mp.mpc) and x.imag == 0:
                x = x.real
            if isinstance(x, _mp.mpc):
                if name != "abs":
                    raise EvaluationError(f"{name}() of a complex number (it is defined here for real values only)")
                return abs(x)
            if name in ("log", "sqrt") and x <= 0 and not (name == "sqrt" and x == 0):
                raise EvaluationError(f"{name} of a non-positive number")
            fns = {"log": _mp.log, "exp": _mp.exp, "sqrt": _mp.sqrt, "abs": abs, "sin": _mp.sin, "cos": _mp.cos}
            return fns[name](x)

        return entrywise(fn, v)

    def pi(self) -> Any:
        return +_mp.pi

    def euler(self) -> Any:
        return +_mp.e

    def gamma(self, x: Value) -> Value:
        return _mp.gamma(gamma_argument(x))

    def power(self, base: Value, exponent: Value) -> Value:
        if abs(exponent) > MAX_POWER:
            raise EvaluationError(f"exponent larger than {MAX_POWER}")
        if isinstance(base, _mp.mpc) or isinstance(exponent, _mp.mpc):
            e = _mp.mpmathify(exponent)
            if _mp.im(e) != 0 or _mp.re(e) != int(_mp.re(e)):
                raise EvaluationError("a complex power needs an integer exponent")
            if base == 0 and _mp.re(e) < 0:
                raise EvaluationError("division by zero")
            return _mp.power(base, int(_mp.re(e)))
        if base < 0 and exponent != int(exponent):
            raise EvaluationError("fractional power of a negative number")
        if base == 0 and exponent < 0:
            raise EvaluationError("division by zero")
        return _mp.power(base, exponent)

    def divide(self, a: Value, b: Value) -> Value:
        if any(x == 0 for x in np.asarray(b, dtype=object).flat):
            raise EvaluationError("division by zero")
        return a / b

    def imaginary_unit(self) -> Any:
        return _mp.mpc(0, 1)

    def dft(self, n: int) -> np.ndarray:
        out = np.empty((n, n), dtype=object)
        for j in range(n):
            for k in range(n):
                out[j, k] = _mp.expjpi(_mp.mpf(-2 * j * k) / n)
        return out

    def difference_step(self, ev: Evaluator) -> Any:
        return _mp.mpf(10) ** -12  # far below double precision: truncation error ~1e-48

    def scalar(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Confirmation:
    """What a second look at a floating disagreement found."""

    differs: bool | None  # True: a real difference; False: rounding; None: undecided
    exact: bool  # decided in exact arithmetic (else at high precision)
    left: Any = None
    right: Any = None
    residual: float | None = None


def precise_compare(
    lhs: Node, rhs: Node, env: Env, ints: dict[str, int], tolerance: float, all_digits: bool = False
) -> Confirmation:
    """Both sides at the point ``env``, evaluated again with :data:`DIGITS` digits; the sides are
    returned as doubles, or with ``all_digits`` as text with every digit (a difference below
    double precision shows only there)."""
    ev = Evaluator(PreciseBackend(), dict(ints))
    point = {k: entrywise(_mp_number, np.asarray(v) if is_matrix(v) else v) for k, v in env.items()}
    try:
        left, right = ev.eval(lhs, point), ev.eval(rhs, point)
    except (EvaluationError, ZeroDivisionError, ValueError, _mp.NoConvergence):
        return Confirmation(None, False)
    a = np.asarray(left, dtype=object).reshape(-1, order="F")
    b = np.asarray(right, dtype=object).reshape(-1, order="F")
    if a.shape != b.shape:
        return Confirmation(None, False)
    scale = max([_mp.mpf(ev.magnitude), *(abs(x) for x in a), *(abs(x) for x in b)])
    rel = float(max((abs(x - y) for x, y in zip(a, b, strict=True)), default=0) / scale) if scale else 0.0
    shown = _text if all_digits else _plain
    plain = (entrywise(shown, left), entrywise(shown, right))
    if rel > tolerance:
        return Confirmation(True, False, *plain, rel)
    if rel < tolerance / 100:
        return Confirmation(False, False, *plain, rel)
    return Confirmation(None, False, *plain, rel)


def as_exact(value: Value) -> Value:
    """A floating value as the rational (or Gaussian rational) it is exactly (for a confirmed
    counterexample)."""
    return complexnum.to_exact(value)


def _mp_number(x: Any) -> Any:
    """A double, a rational or a Gaussian rational, exactly as a 50-digit number."""
    if isinstance(x, gaussian.Gaussian):
        return _mp.mpc(_mp.mpmathify(x.re), _mp.mpmathify(x.im))
    return _mp.mpmathify(x)


def _text(x: Any) -> str:
    return str(_mp.nstr(x, DIGITS - 5))


def _plain(x: Any) -> float | complex:
    """A 50-digit number as a double (complex when it has an imaginary part)."""
    value = complex(x)
    return value if value.imag else value.real
