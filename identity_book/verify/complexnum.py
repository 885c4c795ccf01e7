"""Complex values at sample points: drawing complex variables, conjugating any value, and the
evaluation of the complex operations (:mod:`identity_book.expr.complexity`).

Floating points are complex doubles (real and imaginary parts Gaussian); exact points are
Gaussian rationals (:mod:`identity_book.verify.gaussian`), so the exact level decides complex
identities in exact arithmetic. The complex derivatives are computed from two real directional
derivatives, along Re z_ij and along Im z_ij.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from identity_book.errors import EvaluationError, NotExact
from identity_book.expr.complexity import MAX_DFT
from identity_book.expr.nodes import Node
from identity_book.verify import exact, gaussian

Value = Any


# -- conjugates ---------------------------------------------------------------------------
def conj_scalar(x: Value) -> Value:
    """x* of one scalar: rational, Gaussian rational, float, complex, SymPy, or a dual number
    (the derivative along a real direction conjugates too: d(z*)/dt = (dz/dt)*)."""
    if isinstance(x, exact.Dual):
        return exact.Dual(conj_scalar(x.a), conj_scalar(x.b), x.tag)
    return gaussian.conjugate(x)


def conj(v: Value) -> Value:
    """The entrywise complex conjugate of a matrix or a scalar."""
    if isinstance(v, np.ndarray):
        if v.dtype != object:
            return np.conj(v)
        out = np.empty(v.shape, dtype=object)
        for idx, x in np.ndenumerate(v):
            out[idx] = conj_scalar(x)
        return out
    if isinstance(v, complex | np.complexfloating | float | np.floating):
        return np.conj(v) if isinstance(v, complex | np.complexfloating) else v
    return conj_scalar(v)


def ctranspose(v: Value) -> Value:
    """The conjugate transpose Aᴴ."""
    c = conj(v)
    return c.T if isinstance(c, np.ndarray) else c


def _part(v: Value, which: str) -> Value:
    def one(x: Value) -> Value:
        if isinstance(x, exact.Dual):
            return exact.Dual(one(x.a), one(x.b), x.tag)
        return gaussian.real_part(x) if which == "real" else gaussian.imag_part(x)

    if isinstance(v, np.ndarray):
        if v.dtype != object:
            return np.real(v).copy() if which == "real" else np.imag(v).copy()
        out = np.empty(v.shape, dtype=object)
        for idx, x in np.ndenumerate(v):
            out[idx] = one(x)
        return out
    if isinstance(v, complex | np.complexfloating):
        return complex(v).real if which == "real" else complex(v).imag
    if isinstance(v, float | np.floating):
        return float(v) if which == "real" else 0.0
    return one(v)


def is_complex(v: Value) -> bool:
    """Whether a value has an entry with an imaginary part (so a real-only function must refuse it)."""
    if isinstance(v, np.ndarray):
        if v.dtype != object:
            return bool(np.iscomplexobj(v)) and bool(np.any(np.imag(v) != 0))
        return any(_complex_scalar(x) for x in v.flat)
    return _complex_scalar(v)


def _complex_scalar(x: Value) -> bool:
    x = exact.primal(x)
    if isinstance(x, gaussian.Gaussian):
        return True
    if isinstance(x, complex | np.complexfloating) or hasattr(x, "_mpc_"):
        return bool(x.imag != 0)
    return False


def real_if_close(x: Value) -> Value:
    """A complex double with no imaginary part as a float (determinants, traces of real data)."""
    if isinstance(x, complex | np.complexfloating) and x.imag == 0:
        return float(x.real)
    return x


def to_float(v: Value) -> Value:
    """An exact value (rational or Gaussian entries) as doubles, complex where needed."""

    def one(x: Value) -> Value:
        if isinstance(x, gaussian.Gaussian):
            return complex(float(x.re), float(x.im))
        return float(x)

    if isinstance(v, np.ndarray):
        values = [one(x) for x in v.flat]
        kind = complex if any(isinstance(x, complex) for x in values) else float
        return np.array(values, dtype=kind).reshape(v.shape)
    return one(v)


def to_exact(v: Value) -> Value:
    """A floating value (real or complex) as the exact number it is."""

    def one(x: Value) -> Value:
        if isinstance(x, complex | np.complexfloating):
            return gaussian.from_complex(complex(x))
        return Fraction(x)

    if isinstance(v, np.ndarray):
        out = np.empty(v.shape, dtype=object)
        for idx, x in np.ndenumerate(v):
            out[idx] = one(x)
        return out
    return one(v)


# -- sampling -----------------------------------------------------------------------------
def _parts(rng: np.random.Generator, rows: int, cols: int, exact_mode: bool, bound: int) -> Value:
    """A matrix with independent random real and imaginary parts."""
    if not exact_mode:
        return rng.standard_normal((rows, cols)) + 1j * rng.standard_normal((rows, cols))
    re = rng.integers(-bound, bound + 1, size=(rows, cols))
    im = rng.integers(-bound, bound + 1, size=(rows, cols))
    out = np.empty((rows, cols), dtype=object)
    for idx in np.ndindex(rows, cols):
        out[idx] = gaussian.make(Fraction(int(re[idx])), Fraction(int(im[idx])))
    return out


def _eye(n: int, exact_mode: bool) -> np.ndarray:
    return exact.identity(n) if exact_mode else np.eye(n, dtype=complex)


def _inv(m: np.ndarray, exact_mode: bool) -> np.ndarray:
    return exact.inv(m) if exact_mode else np.linalg.inv(m)


def _structured(props: set[str], n: int, draw: Any, exact_mode: bool) -> np.ndarray:
    b = draw(n, n)
    if "unitary" in props:
        if "hermitian" in props:  # a Householder reflector I - 2vvᴴ/(vᴴv)
            v = draw(n, 1)
            scale = (ctranspose(v) @ v)[0, 0]
            if not exact.nonzero(scale) if exact_mode else abs(scale) < 1e-3:
                raise EvaluationError("a zero Householder vector")
            return _eye(n, exact_mode) - (v @ ctranspose(v)) * (2 / scale if not exact_mode else Fraction(2) / scale)
        skew = b - ctranspose(b)  # the Cayley transform of a skew-Hermitian matrix is unitary
        eye = _eye(n, exact_mode)
        return (eye - skew) @ _inv(eye + skew, exact_mode)
    if "hermitian" in props:
        m = b + ctranspose(b)
    elif "skew_hermitian" in props:
        m = b - ctranspose(b)
    else:
        m = b
    if "diagonal" in props:
        m = np.where(np.eye(n, dtype=bool), m, 0 * m)
    elif "lower_triangular" in props:
        m = np.tril(m)
    elif "upper_triangular" in props:
        m = np.triu(m)
    return m


def sample_complex(
    var: Any,
    shape: tuple[int, int] | None,
    rng: np.random.Generator,
    exact_mode: bool,
    bound: int,
    has_properties: Callable[[np.ndarray, set[str], bool], bool],
) -> Value:
    """One value of a complex variable with its properties (checked with ``has_properties``
    before it is used), or None when no draw had them."""
    props = set(var.properties) - {"full_column_rank", "full_row_rank"}

    def draw(rows: int, cols: int) -> np.ndarray:
        return _parts(rng, rows, cols, exact_mode, bound)

    for _ in range(100):
        if shape is None:
            value = draw(1, 1)[0, 0]
            if is_complex(value):
                return value
            continue
        rows, cols = shape
        try:
            m = draw(rows, cols) if rows != cols else _structured(props, rows, draw, exact_mode)
        except (EvaluationError, ZeroDivisionError, np.linalg.LinAlgError):
            continue
        if rows == cols and not has_properties(m, props, exact_mode):
            continue
        if exact_mode and exact.rank(m) != min(rows, cols) and "skew_hermitian" not in props:
            continue
        if not is_complex(m) and min(rows, cols) > 1:
            continue
        generic = rows == cols > 1 and not props & {"hermitian", "skew_hermitian", "unitary", "diagonal"}
        if (
            generic
            and not props & {"lower_triangular", "upper_triangular"}
            and any(
                has_properties(m, {p}, exact_mode)
                for p in ("hermitian", "skew_hermitian", "symmetric", "lower_triangular")
            )
        ):
            continue
        return m
    return None


def complex_property(m: np.ndarray, prop: str, same: Any, eye: np.ndarray) -> bool:
    """Whether ``m`` is Hermitian, skew-Hermitian or unitary (``same`` compares two matrices)."""
    h = ctranspose(m)
    if prop == "hermitian":
        return bool(same(m, h))
    if prop == "skew_hermitian":
        return bool(same(m, -h))
    return bool(same(m @ h, eye))


# -- evaluation of the complex operations ---------------------------------------------------
def dft_matrix(n: int, exact_mode: bool) -> np.ndarray:
    """W_N with entries exp(-2πi jk/N), j, k = 0..N-1."""
    if exact_mode:
        raise NotExact(
            "the DFT matrix has roots of unity as entries, algebraic numbers that are not Gaussian rationals"
        )
    j = np.arange(n)
    return np.exp(-2j * np.pi * np.outer(j, j) / n)


# -- the spectrum of a general matrix ---------------------------------------------------------
SAME_PART = 1e-7  # real parts closer than this (relative) are equal when the eigenvalues are ordered
CLEAR_PART = (1e-10, 1e-5)  # a difference of real parts strictly between these is too close to call


def spectrum_order(values: list[complex]) -> list[int]:
    """The order of ``eig(A)``: by real part, then by imaginary part among eigenvalues whose real
    parts agree (a conjugate pair: −i before +i). A point where two different eigenvalues have
    real parts neither clearly equal nor clearly apart is refused (:class:`EvaluationError`), so
    double and 50-digit evaluations agree on the order; nearly equal eigenvalues may come in
    either order, which changes the vector by no more than their distance."""
    scale = max([1.0, *(abs(v) for v in values)])
    low, high = CLEAR_PART[0] * scale, CLEAR_PART[1] * scale
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            if low < abs(a.real - b.real) < high and abs(a - b) > high:
                raise EvaluationError("eig(): two eigenvalues have nearly equal real parts at this point")
    by_real = sorted(range(len(values)), key=lambda k: values[k].real)
    groups: list[list[int]] = []
    for k in by_real:
        if groups and values[k].real - values[groups[-1][-1]].real <= SAME_PART * scale:
            groups[-1].append(k)
        else:
            groups.append([k])
    return [k for group in groups for k in sorted(group, key=lambda k: values[k].imag)]


class ComplexEvaluation:
    """The complex operations of the evaluator (mixed into :class:`~identity_book.verify.evaluate.Evaluator`)."""

    backend: Any

    def eval(self, node: Node, env: dict[str, Value]) -> Value:  # pragma: no cover - the evaluator's
        raise NotImplementedError

    def integer(self, node: Node, env: dict[str, Value]) -> int:  # pragma: no cover - the evaluator's
        raise NotImplementedError

    def _conj(self, node: Node, env: dict[str, Value]) -> Value:
        return conj(self.eval(node.args[0], env))

    def _H(self, node: Node, env: dict[str, Value]) -> Value:
        return ctranspose(self.eval(node.args[0], env))

    def _real(self, node: Node, env: dict[str, Value]) -> Value:
        return _part(self.eval(node.args[0], env), "real")

    def _imag(self, node: Node, env: dict[str, Value]) -> Value:
        return _part(self.eval(node.args[0], env), "imag")

    def _imag_unit(self, node: Node, env: dict[str, Value]) -> Value:
        if self.backend.exact:
            return gaussian.IMAGINARY_UNIT
        unit = getattr(self.backend, "imaginary_unit", None)
        return unit() if unit is not None else 1j

    def _dft(self, node: Node, env: dict[str, Value]) -> Value:
        n = self.integer(node.args[0], env)
        if n > MAX_DFT:
            raise EvaluationError(f"dft() of a size above {MAX_DFT}")
        own = getattr(self.backend, "dft", None)
        return own(n) if own is not None else dft_matrix(n, self.backend.exact)

    def _eig(self, node: Node, env: dict[str, Value]) -> Value:
        return self.backend.eig(self.eval(node.args[0], env))

    def _complex_gradient(self, node: Node, env: dict[str, Value], sign: int) -> Value:
        """½(∂f/∂Re Z + sign·i ∂f/∂Im Z), entry by entry in Z's layout: ``sign`` −1 for ∂/∂Z, +1
        for ∂/∂Z*; ``sign`` 0 gives ∂f/∂Re Z, and 2 gives ∂f/∂Im Z."""
        f, z = node.args
        name = str(z.value)
        x = env[name]
        unit = self._imag_unit(node, env)
        half = self.backend.const(Fraction(1, 2))
        one = self.backend.const(1)

        def along(direction: Value) -> Value:
            value = self.backend.directional(self, f, env, {name: direction})
            return value[0, 0] if isinstance(value, np.ndarray) else value

        def combine(d_re: Value, d_im: Value) -> Value:
            if sign == 0:
                return d_re
            if sign == 2:
                return d_im
            return (d_re + sign * unit * d_im) * half

        if not isinstance(x, np.ndarray):
            return combine(along(one), along(unit) if sign != 0 else None)
        rows, cols = x.shape
        out = np.empty((rows, cols), dtype=object if self.backend.exact else complex)
        for i in range(rows):
            for j in range(cols):
                e = self.backend.zeros(rows, cols)
                if not self.backend.exact:
                    e = e.astype(complex)
                e[i, j] = one
                d_re = along(e) if sign != 2 else None
                d_im = along(e * unit) if sign != 0 else None
                out[i, j] = combine(d_re, d_im)
        return out

    def _cgrad(self, node: Node, env: dict[str, Value]) -> Value:
        return self._complex_gradient(node, env, -1)

    def _cgrad_conj(self, node: Node, env: dict[str, Value]) -> Value:
        return self._complex_gradient(node, env, +1)

    def _grad_re(self, node: Node, env: dict[str, Value]) -> Value:
        return self._complex_gradient(node, env, 0)

    def _grad_im(self, node: Node, env: dict[str, Value]) -> Value:
        return self._complex_gradient(node, env, 2)


def float_elementwise(name: str, v: Value) -> Value:
    """``abs`` of complex doubles (the modulus); the other scalar functions take real values."""
    if name != "abs":
        raise EvaluationError(f"{name}() of a complex number (it is defined here for real values only)")
    out = np.abs(v)
    if np.any(out < 1e-6):
        raise EvaluationError("abs too close to its kink at 0")
    return out if isinstance(v, np.ndarray) else float(out)


def float_power(base: Value, exponent: Value) -> Value:
    """A complex base to an integer power (a complex root has no one value here)."""
    e = complex(exponent)
    if e.imag != 0 or float(e.real) != int(e.real):
        raise EvaluationError("a complex power needs an integer exponent")
    if base == 0 and e.real < 0:
        raise EvaluationError("division by zero")
    return complex(base) ** int(e.real)


def modulus_parts(v: Value) -> tuple[Value, Value]:
    """(a, b) with a·b summing to Σ|v_i|², both real: v v* exactly at Gaussian points (the
    product of a Gaussian rational and its conjugate is rational), |v| |v| in floating point."""
    if (isinstance(v, np.ndarray) and v.dtype != object) or isinstance(v, complex | np.complexfloating):
        m = np.abs(v)
        return m, m
    return v, conj(v)
