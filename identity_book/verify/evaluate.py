"""Evaluate expression trees at a sample point, in floating point or in exact arithmetic.

One interpreter walks the tree; a backend supplies the arithmetic. Derivatives are directional
derivatives: central differences with Richardson extrapolation in floating point (independent
of the exact path), tagged dual numbers in exact arithmetic.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from identity_book.errors import EvaluationError, LimitError, NotExact
from identity_book.expr.nodes import Node, block_rows, concrete
from identity_book.verify import complexnum, decompositions, exact, moments, scipylazy

Value = Any
Env = dict[str, Value]

MAX_POWER = 256
MAX_RANGE = 1000
MAX_ENTRIES = 4096
MAX_COFACTOR_SIZE = 10
MAX_GAMMA = 170  # Γ(171) overflows a double; exact Γ of a large integer is a huge factorial


def as_scalar(v: Value) -> Value:
    if isinstance(v, np.ndarray):
        if v.shape != (1, 1):
            raise EvaluationError(f"expected a scalar, got a {v.shape[0]}×{v.shape[1]} matrix")
        return v[0, 0]
    return v


def is_matrix(v: Value) -> bool:
    return isinstance(v, np.ndarray)


def entrywise(fn: Any, v: Value) -> Value:
    """``fn`` applied to every entry of a matrix (an object array), or to a scalar."""
    if is_matrix(v):
        out = np.empty(v.shape, dtype=object)
        for idx, x in np.ndenumerate(v):
            out[idx] = fn(x)
        return out
    return fn(v)


class FloatBackend:
    """Double precision with NumPy/SciPy; refuses ill-conditioned points."""

    exact = False
    max_condition = 1e8

    def const(self, value: Fraction | int) -> float:
        return float(value)

    def zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.zeros((rows, cols))

    def ones(self, rows: int, cols: int) -> np.ndarray:
        return np.ones((rows, cols))

    def eye(self, n: int) -> np.ndarray:
        return np.eye(n)

    def _well_conditioned(self, m: np.ndarray) -> None:
        if not np.all(np.isfinite(m)) or np.linalg.cond(m) > self.max_condition:
            raise EvaluationError("ill-conditioned matrix")

    def det(self, m: np.ndarray) -> Value:
        value = np.linalg.det(m)
        return complexnum.real_if_close(complex(value)) if np.iscomplexobj(value) else float(value)

    def inv(self, m: np.ndarray) -> np.ndarray:
        self._well_conditioned(m)
        return np.linalg.inv(m)

    def pinv(self, m: np.ndarray) -> np.ndarray:
        """Moore–Penrose inverse; the rank must be clear (no singular value near the cut-off)."""
        s = np.linalg.svd(m, compute_uv=False)
        if s.size == 0 or s[0] == 0:
            return np.zeros(m.T.shape)
        ratio = s / s[0]
        if np.any((ratio > 1e-10) & (ratio < 1e-6)):
            raise EvaluationError("numerical rank is ambiguous")
        return np.linalg.pinv(m, rcond=1e-8)

    def rank(self, m: np.ndarray) -> float:
        """Numerical rank; refused when a singular value is near the cut-off."""
        s = np.linalg.svd(_numbers(m), compute_uv=False)
        if s.size == 0 or s[0] == 0:
            return 0.0
        ratio = s / s[0]
        if np.any((ratio > 1e-10) & (ratio < 1e-6)):
            raise EvaluationError("numerical rank is ambiguous")
        return float(np.sum(ratio >= 1e-6))

    def svdvals(self, m: np.ndarray) -> np.ndarray:
        """Singular values, largest first (SciPy's ``svdvals``)."""
        return np.reshape(np.linalg.svd(_numbers(m), compute_uv=False), (-1, 1))

    def factor(self, name: str, m: np.ndarray) -> np.ndarray:
        """A factor of a decomposition (see :mod:`identity_book.verify.decompositions`)."""
        return decompositions.factor(name, m, "float")

    def logdet(self, m: np.ndarray) -> float:
        sign, value = np.linalg.slogdet(m)
        sign = complex(sign)
        if abs(sign.imag) > 1e-12 or sign.real <= 0:
            raise EvaluationError("logdet of a matrix with non-positive determinant")
        return float(value)

    def logabsdet(self, m: np.ndarray) -> float:
        sign, value = np.linalg.slogdet(m)
        if sign == 0:
            raise EvaluationError("singular matrix")
        return float(value)

    def expm(self, m: np.ndarray) -> np.ndarray:
        return scipylazy.linalg.expm(m)

    def sinm(self, m: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return _finite("sinm", np.real(scipylazy.linalg.sinm(np.asarray(m, dtype=float))))

    def cosm(self, m: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return _finite("cosm", np.real(scipylazy.linalg.cosm(np.asarray(m, dtype=float))))

    def sqrtm(self, m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=float)
        check_sqrtm(m)
        return np.real(scipylazy.linalg.sqrtm(m))

    def powm(self, m: np.ndarray, p: Any) -> np.ndarray:
        """S^p of a symmetric positive definite S: V diag(λᵢ^p) Vᵀ."""
        m = np.asarray(m, dtype=float)
        check_spd_power(m)
        values, vectors = np.linalg.eigh((m + m.T) / 2)
        return np.asarray((vectors * values ** float(p)) @ vectors.T)

    def eigvals(self, m: np.ndarray) -> np.ndarray:
        m = _numbers(m)
        if not np.allclose(m, m.conj().T, rtol=1e-12, atol=1e-12 * max(1.0, float(np.max(np.abs(m))))):
            raise EvaluationError("eigvals() needs a symmetric (or Hermitian) matrix, and this point gives another")
        return np.reshape(np.linalg.eigvalsh(m), (-1, 1))

    def eig(self, m: np.ndarray) -> np.ndarray:
        """The eigenvalues of a general matrix as complex doubles, in :func:`~complexnum.spectrum_order`."""
        values = np.linalg.eigvals(_numbers(m))
        order = complexnum.spectrum_order([complex(v) for v in values])
        return np.reshape(values[order].astype(complex), (-1, 1))

    def logm(self, m: np.ndarray) -> np.ndarray:
        eig = np.linalg.eigvals(m)
        if np.any((np.abs(eig.imag) < 1e-12) & (eig.real <= 0)):
            raise EvaluationError("logm of a matrix with a non-positive real eigenvalue")
        with warnings.catch_warnings():  # "may be inaccurate": a large residual is confirmed at 50 digits
            warnings.simplefilter("ignore", RuntimeWarning)
            out = scipylazy.linalg.logm(m)
        if np.iscomplexobj(m) and complexnum.is_complex(m):
            return out
        if np.max(np.abs(np.imag(out))) > 1e-9:
            raise EvaluationError("logm is not real at this point")
        return np.real(out)

    def elementwise(self, name: str, v: Value) -> Value:
        if complexnum.is_complex(v):
            return complexnum.float_elementwise(name, v)
        arr = np.asarray(np.real(v), dtype=float)
        if name == "log" and np.any(arr <= 0):
            raise EvaluationError("log of a non-positive number")
        if name == "sqrt" and np.any(arr < 0):
            raise EvaluationError("square root of a negative number")
        if name == "abs" and np.any(np.abs(arr) < 1e-6):
            raise EvaluationError("abs too close to its kink at 0")
        fn = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin, "cos": np.cos}[name]
        with np.errstate(all="raise"):
            try:
                out = fn(arr)
            except FloatingPointError:
                raise EvaluationError(f"{name} overflowed") from None
        return out if is_matrix(v) else float(out)

    def pi(self) -> float:
        return float(np.pi)

    def euler(self) -> float:
        return float(np.e)

    def gamma(self, x: Value) -> Value:
        x = float(gamma_argument(x))
        return float(scipylazy.special.gamma(x))

    def power(self, base: Value, exponent: Value) -> Value:
        if abs(exponent) > MAX_POWER:
            raise LimitError(f"exponent larger than {MAX_POWER}")
        if complexnum.is_complex(base) or complexnum.is_complex(exponent):
            return complexnum.float_power(base, exponent)
        base, exponent = np.real(base), np.real(exponent)
        if base < 0 and float(exponent) != int(exponent):
            raise EvaluationError("fractional power of a negative number")
        if base == 0 and exponent < 0:
            raise EvaluationError("division by zero")
        try:
            return float(base) ** float(exponent)
        except OverflowError:
            raise EvaluationError("power overflowed") from None

    def divide(self, a: Value, b: Value) -> Value:
        if np.any(np.abs(np.asarray(b)) < 1e-9):
            raise EvaluationError("division by (nearly) zero")
        return a / b

    def directional(self, ev: Evaluator, node: Node, env: Env, moves: dict[str, Value]) -> Value:
        """d/dt node(env + t·moves) at t = 0 by Richardson-extrapolated central differences."""

        def at(t: float) -> Value:
            shifted = dict(env)
            for name, direction in moves.items():
                shifted[name] = env[name] + t * direction
            return ev.eval(node, shifted)

        h = self.difference_step(ev)

        def central(step: Any) -> Value:
            return (np.asarray(at(step)) - np.asarray(at(-step))) / (2 * step)

        rough, fine = central(h), central(h / 2)
        out = np.asarray((4 * fine - rough) / 3)
        return out if out.ndim else self.scalar(out[()])

    def difference_step(self, ev: Evaluator) -> Any:
        return ev.step

    def scalar(self, value: Any) -> Any:
        return complexnum.real_if_close(complex(value)) if np.iscomplexobj(value) else float(value)


class ExactBackend:
    """Exact arithmetic over rationals, SymPy numbers or symbols, with dual numbers."""

    exact = True

    def const(self, value: Fraction | int) -> Fraction:
        return Fraction(value)

    def zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.full((rows, cols), Fraction(0), dtype=object)

    def ones(self, rows: int, cols: int) -> np.ndarray:
        return np.full((rows, cols), Fraction(1), dtype=object)

    def eye(self, n: int) -> np.ndarray:
        return exact.identity(n)

    def det(self, m: np.ndarray) -> Value:
        return exact.det(m)

    def inv(self, m: np.ndarray) -> np.ndarray:
        return exact.inv(m)

    def pinv(self, m: np.ndarray) -> np.ndarray:
        return exact.pinv(m)

    def rank(self, m: np.ndarray) -> Fraction:
        return Fraction(exact.rank(m))

    def svdvals(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("singular values are square roots of algebraic numbers, not rationals, at rational points")

    def factor(self, name: str, m: np.ndarray) -> np.ndarray:
        return decompositions.factor(name, m, "exact")

    def logdet(self, m: np.ndarray) -> Value:
        return exact.log_(exact.det(m))

    def logabsdet(self, m: np.ndarray) -> Value:
        return exact.log_(exact.abs_(exact.det(m)))

    def expm(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("expm has no exact evaluation at rational points")

    def sinm(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("sinm is transcendental: no exact evaluation at rational points")

    def cosm(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("cosm is transcendental: no exact evaluation at rational points")

    def sqrtm(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("sqrtm has algebraic, not rational, entries at rational points")

    def powm(self, m: np.ndarray, p: Any) -> np.ndarray:
        raise NotExact("powm: a matrix power through the eigenvalues is irrational in general at rational points")

    def eigvals(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("eigenvalues are algebraic numbers, not rationals, at rational points")

    eig = eigvals  # the eigenvalues of a general matrix: algebraic too

    def logm(self, m: np.ndarray) -> np.ndarray:
        raise NotExact("logm has no exact evaluation at rational points")

    def elementwise(self, name: str, v: Value) -> Value:
        fn = {"log": exact.log_, "exp": exact.exp_, "sqrt": exact.sqrt_, "abs": exact.abs_}
        fn |= {"sin": exact.sin_, "cos": exact.cos_}
        return entrywise(fn[name], v)

    def pi(self) -> Value:
        return exact.PI

    def euler(self) -> Value:
        return exact.E

    def gamma(self, x: Value) -> Value:
        gamma_argument(exact.primal(x))
        return exact.gamma_(x)

    def power(self, base: Value, exponent: Value) -> Value:
        r = exact._rational(exact.primal(exponent))
        if r is not None and abs(r) > MAX_POWER:
            raise LimitError(f"exponent larger than {MAX_POWER}")
        return exact.power(base, exponent)

    def divide(self, a: Value, b: Value) -> Value:
        for x in np.asarray(b, dtype=object).flat:
            if not isinstance(x, moments.Poly) and not exact.nonzero(x):  # a Poly checks its own
                raise EvaluationError("division by zero")
        return a / b

    def directional(self, ev: Evaluator, node: Node, env: Env, moves: dict[str, Value]) -> Value:
        tag = exact.new_tag()
        shifted = dict(env)
        for name, direction in moves.items():
            shifted[name] = _dualize(env[name], direction, tag)
        return entrywise(lambda x: exact.eps_part(x, tag), ev.eval(node, shifted))


def _finite(name: str, out: np.ndarray) -> np.ndarray:
    """``out``, or an evaluation error if it overflowed (sin and cos of a matrix grow like e^‖X‖)."""
    if not np.all(np.isfinite(out)):
        raise EvaluationError(f"{name} overflowed")
    return out


def check_spd_power(m: np.ndarray) -> None:
    """Refuse a point where S^p is not the power of an spd matrix: S not symmetric, or an
    eigenvalue <= 0 (nearly)."""
    scale = max(1.0, float(np.max(np.abs(m)))) if m.size else 1.0
    if not np.allclose(m, m.T, rtol=0, atol=1e-12 * scale):
        raise EvaluationError("powm of a matrix that is not symmetric (defined for spd matrices)")
    if np.any(np.linalg.eigvalsh((m + m.T) / 2) <= 1e-9 * scale):
        raise EvaluationError("powm of a matrix that is not positive definite")


def check_sqrtm(m: np.ndarray) -> None:
    """Refuse a matrix without a real principal square root: a real eigenvalue <= 0 (nearly)."""
    eig = np.linalg.eigvals(np.asarray(m, dtype=float))
    scale = max(1.0, float(np.max(np.abs(eig)))) if eig.size else 1.0
    if np.any((np.abs(eig.imag) < 1e-9 * scale) & (eig.real <= 1e-9 * scale)):
        raise EvaluationError("sqrtm of a matrix with a real eigenvalue <= 0 (no real principal square root)")


def gamma_argument(x: Value) -> Value:
    """The argument of Γ, refused outside 0 < x <= MAX_GAMMA (the point is drawn again)."""
    if exact._symbolic(x):
        return x
    if not x > 0:
        raise EvaluationError("gamma() of a non-positive number")
    if x > MAX_GAMMA:
        raise EvaluationError(f"gamma() of a number above {MAX_GAMMA}")
    return x


def _dualize(value: Value, direction: Value, tag: int) -> Value:
    if is_matrix(value):
        out = np.empty(value.shape, dtype=object)
        for idx, x in np.ndenumerate(value):
            out[idx] = exact.Dual(x, direction[idx], tag)
        return out
    return exact.Dual(value, as_scalar(direction), tag)


@dataclass
class Evaluator(complexnum.ComplexEvaluation):
    """Walks an expression tree. ``ints`` binds dimensions, integer parameters and indices."""

    backend: FloatBackend | ExactBackend
    ints: dict[str, int]
    step: float = 1e-3
    magnitude: float = 0.0
    random_depth: int = 0  # > 0 while the argument of an expectation is evaluated on polynomials

    def eval(self, node: Node, env: Env) -> Value:
        value = getattr(self, f"_{node.op}")(node, env)
        if not self.backend.exact and not self.random_depth:
            self._track(value)
        return value

    def _track(self, value: Value) -> None:
        if isinstance(value, np.ndarray):
            peak = float(np.max(np.abs(value))) if value.size else 0.0
        else:
            peak = float(abs(value))
        if not peak < float("inf"):
            raise EvaluationError("overflow")
        if peak > self.magnitude:
            self.magnitude = peak

    def integer(self, node: Node, env: Env) -> int:
        value = as_scalar(self.eval(node, env))
        value = exact.primal(value)
        if float(value) != int(value):
            raise EvaluationError("expected an integer")
        return int(value)

    def shape_of(self, node: Node) -> tuple[int, int]:
        shape = concrete(node.shape, self.ints)
        if shape is None:
            return 1, 1
        rows, cols = shape
        if rows * cols > MAX_ENTRIES:
            raise LimitError(f"a {rows}×{cols} matrix is larger than the verifier allows")
        return rows, cols

    # -- leaves ---------------------------------------------------------------------------
    def _const(self, node: Node, env: Env) -> Value:
        return self.backend.const(node.value)  # type: ignore[arg-type]

    def _var(self, node: Node, env: Env) -> Value:
        return env[str(node.value)]

    def _int(self, node: Node, env: Env) -> Value:
        return self.backend.const(self.ints[str(node.value)])

    def _pi(self, node: Node, env: Env) -> Value:
        return self.backend.pi()

    def _euler(self, node: Node, env: Env) -> Value:
        return self.backend.euler()

    def _gamma(self, node: Node, env: Env) -> Value:
        return self.backend.gamma(as_scalar(self.eval(node.args[0], env)))

    def _density(self, node: Node, env: Env) -> Value:
        """A density is its definition, the expansion in its first argument."""
        return self.eval(node.args[0], env)

    # -- arithmetic -----------------------------------------------------------------------
    def _neg(self, node: Node, env: Env) -> Value:
        return -self.eval(node.args[0], env)

    def _pair(self, node: Node, env: Env) -> tuple[Value, Value]:
        a, b = (self.eval(x, env) for x in node.args)
        if node.shape is None or (is_matrix(a) != is_matrix(b)):
            return as_scalar(a), as_scalar(b)
        return a, b

    def _add(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return a + b

    def _sub(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return a - b

    def _mul(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return a * b

    def _div(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return self.backend.divide(a, b)

    def _scale(self, node: Node, env: Env) -> Value:
        s = as_scalar(self.eval(node.args[0], env))
        return s * self.eval(node.args[1], env)

    def _divide(self, node: Node, env: Env) -> Value:
        s = as_scalar(self.eval(node.args[0], env))
        return self.backend.divide(self.eval(node.args[1], env), s)

    def _hadamard(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return a * b

    def _ediv(self, node: Node, env: Env) -> Value:
        a, b = self._pair(node, env)
        return self.backend.divide(a, b)

    def _pow(self, node: Node, env: Env) -> Value:
        base, exponent = (as_scalar(self.eval(x, env)) for x in node.args)
        if isinstance(base, moments.Poly):
            return base ** int(exponent)  # a constant exponent 0, 1, 2, ... (checked when parsed)
        return self.backend.power(base, exponent)

    # -- expectations ---------------------------------------------------------------------
    def _E(self, node: Node, env: Env) -> Value:
        return moments.expectation(self, node, env)

    _Var = _Cov = _E

    def _matmul(self, node: Node, env: Env) -> Value:
        a, b = (self.eval(x, env) for x in node.args)
        return a @ b

    def _T(self, node: Node, env: Env) -> Value:
        v = self.eval(node.args[0], env)
        return v.T if is_matrix(v) else v

    # -- matrix functions -----------------------------------------------------------------
    def _tr(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        total = m[0, 0]
        for i in range(1, m.shape[0]):
            total = total + m[i, i]
        return total

    def _unary(self, name: str, node: Node, env: Env) -> Value:
        return getattr(self.backend, name)(self.eval(node.args[0], env))

    def _det(self, node: Node, env: Env) -> Value:
        return self._unary("det", node, env)

    def _inv(self, node: Node, env: Env) -> Value:
        return self._unary("inv", node, env)

    def _pinv(self, node: Node, env: Env) -> Value:
        return self._unary("pinv", node, env)

    def _rank(self, node: Node, env: Env) -> Value:
        return self._unary("rank", node, env)

    def _logdet(self, node: Node, env: Env) -> Value:
        return self._unary("logdet", node, env)

    def _logabsdet(self, node: Node, env: Env) -> Value:
        return self._unary("logabsdet", node, env)

    def _expm(self, node: Node, env: Env) -> Value:
        return self._unary("expm", node, env)

    def _logm(self, node: Node, env: Env) -> Value:
        return self._unary("logm", node, env)

    def _sinm(self, node: Node, env: Env) -> Value:
        return self._unary("sinm", node, env)

    def _cosm(self, node: Node, env: Env) -> Value:
        return self._unary("cosm", node, env)

    def _sqrtm(self, node: Node, env: Env) -> Value:
        return self._unary("sqrtm", node, env)

    def _powm(self, node: Node, env: Env) -> Value:
        return self.backend.powm(self.eval(node.args[0], env), self.eval(node.args[1], env))

    def _elementwise(self, node: Node, env: Env) -> Value:
        return self.backend.elementwise(node.op, self.eval(node.args[0], env))

    _log = _exp = _sqrt = _abs = _sin = _cos = _elementwise

    def _mpow(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        k = self.integer(node.args[1], env)
        if abs(k) > MAX_POWER:
            raise LimitError(f"matrix power larger than {MAX_POWER}")
        if k < 0:
            m, k = self.backend.inv(m), -k
        out = self.backend.eye(m.shape[0])
        for _ in range(k):
            out = out @ m
        return out

    def _kron(self, node: Node, env: Env) -> Value:
        self.shape_of(node)
        a, b = (self.eval(x, env) for x in node.args)
        return np.kron(a, b)

    def _vec(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        return np.reshape(m, (-1, 1), order="F")

    def _K(self, node: Node, env: Env) -> Value:
        m, n = (self.integer(x, env) for x in node.args)
        self.shape_of(node)
        out = self.backend.zeros(m * n, m * n)
        one = self.backend.const(1)
        for i in range(m):
            for j in range(n):
                out[j + i * n, i + j * m] = one
        return out

    def _outer(self, node: Node, env: Env) -> Value:
        a, b = (self.eval(x, env) for x in node.args)
        return a @ b.T

    def _diag(self, node: Node, env: Env) -> Value:
        v = self.eval(node.args[0], env)
        out = _room(self.backend.zeros(v.shape[0], v.shape[0]), v)
        for i in range(v.shape[0]):
            out[i, i] = v[i, 0]
        return out

    def _diagvec(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        out = _room(self.backend.zeros(m.shape[0], 1), m)
        for i in range(m.shape[0]):
            out[i, 0] = m[i, i]
        return out

    def _one_based(self, node: Node, env: Env, size: int, what: str) -> int:
        k = self.integer(node, env)
        if not 1 <= k <= size:
            raise EvaluationError(f"{what} {k} is outside 1..{size}; add a constraint such as 'i <= n'")
        return k - 1

    def _J(self, node: Node, env: Env) -> Value:
        rows, cols = self.shape_of(node)
        i = self._one_based(node.args[0], env, rows, "row index of J")
        return self._single_entry(rows, cols, i, self._one_based(node.args[1], env, cols, "column index of J"))

    def _e(self, node: Node, env: Env) -> Value:
        rows, _ = self.shape_of(node)
        return self._single_entry(rows, 1, self._one_based(node.args[0], env, rows, "index of e"), 0)

    def _single_entry(self, rows: int, cols: int, i: int, j: int) -> Value:
        out = self.backend.zeros(rows, cols)
        out[i, j] = self.backend.const(1)
        return out

    def _entry(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        i = self._one_based(node.args[1], env, m.shape[0], "row index of entry")
        j = self._one_based(node.args[2], env, m.shape[1], "column index of entry") if len(node.args) == 3 else 0
        return m[i, j]

    def _block(self, node: Node, env: Env) -> Value:
        self.shape_of(node)
        return np.block([[self._as_matrix(self.eval(x, env)) for x in row] for row in block_rows(node)])

    def _as_matrix(self, v: Value) -> np.ndarray:
        if is_matrix(v):
            return v
        cell = _room(self.backend.zeros(1, 1), v)
        cell[0, 0] = v
        return cell

    def _I(self, node: Node, env: Env) -> Value:
        return self.backend.eye(self.shape_of(node)[0])

    def _zeros(self, node: Node, env: Env) -> Value:
        return self.backend.zeros(*self.shape_of(node))

    def _ones(self, node: Node, env: Env) -> Value:
        return self.backend.ones(*self.shape_of(node))

    def _inner(self, node: Node, env: Env) -> Value:
        a, b = (self.eval(x, env) for x in node.args)
        if not is_matrix(a) or not is_matrix(b):
            return as_scalar(a) * as_scalar(b)
        return _total(a * b)

    def _norm(self, node: Node, env: Env) -> Value:
        v = self.eval(node.args[0], env)
        if complexnum.is_complex(v):  # |v_i|² = v_i v_i*, real
            v, w = complexnum.modulus_parts(v)
        else:
            w = v
        squares = _total(v * w) if is_matrix(v) else v * w
        return self.backend.elementwise("sqrt", squares)

    def _eigvals(self, node: Node, env: Env) -> Value:
        return self.backend.eigvals(self.eval(node.args[0], env))

    # -- norms, singular values, the condition number ---------------------------------------
    def _magnitudes(self, node: Node, env: Env) -> np.ndarray:
        """|a_ij| of the argument (|0| = 0 exactly; a derivative through |0| is refused)."""
        v = self.eval(node.args[0], env)
        return entrywise(exact.magnitude, np.asarray(v, dtype=object))

    def _norm1(self, node: Node, env: Env) -> Value:
        """The largest column sum of |a_ij| (for a vector, the sum of |x_i|)."""
        a = self._magnitudes(node, env)
        return exact.largest([_total(a[:, j]) for j in range(a.shape[1])])

    def _norminf(self, node: Node, env: Env) -> Value:
        """The largest row sum of |a_ij| (for a vector, the largest |x_i|)."""
        a = self._magnitudes(node, env)
        return exact.largest([_total(a[i, :]) for i in range(a.shape[0])])

    def _normmax(self, node: Node, env: Env) -> Value:
        return exact.largest(list(self._magnitudes(node, env).flat))

    def _svdvals(self, node: Node, env: Env) -> Value:
        return self.backend.svdvals(self.eval(node.args[0], env))

    def _factor(self, node: Node, env: Env) -> Value:
        return self.backend.factor(node.op, self.eval(node.args[0], env))

    _eigvecs = _svd_u = _svd_v = _lu_l = _lu_u = _chol = _schur_u = _schur_t = _factor

    def _norm2(self, node: Node, env: Env) -> Value:
        return self._svdvals(node, env)[0, 0]

    def _normnuc(self, node: Node, env: Env) -> Value:
        return _total(self._svdvals(node, env))

    def _cond(self, node: Node, env: Env) -> Value:
        s = self._svdvals(node, env)
        if not s[-1, 0] > s[0, 0] * 1e-14:
            raise EvaluationError("cond() of a singular matrix")
        return s[0, 0] / s[-1, 0]

    def _prod(self, node: Node, env: Env) -> Value:
        return self._sum(node, env, product=True)

    def _sum(self, node: Node, env: Env, product: bool = False) -> Value:
        lo, hi = (self.integer(x, env) for x in node.args[:2])
        if hi - lo > MAX_RANGE:
            raise LimitError(f"range longer than {MAX_RANGE}")
        index = str(node.value)
        saved = self.ints.get(index)
        total: Value = None
        try:
            for r in range(lo, hi):
                self.ints[index] = r
                term = self.eval(node.args[2], env)
                total = term if total is None else (total * term if product else total + term)
        finally:
            if saved is None:
                self.ints.pop(index, None)
            else:
                self.ints[index] = saved
        if total is None and product:
            return self.backend.const(1)
        if total is None:
            rows, cols = self.shape_of(node)
            return self.backend.zeros(rows, cols) if node.shape is not None else self.backend.const(0)
        return total

    # -- structured matrices --------------------------------------------------------------
    def _submatrix(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        i = self._one_based(node.args[1], env, m.shape[0], "row index of submatrix")
        j = self._one_based(node.args[2], env, m.shape[1], "column index of submatrix")
        return np.delete(np.delete(m, i, axis=0), j, axis=1)

    def _cofactors(self, m: np.ndarray) -> np.ndarray:
        """The matrix of cofactors (-1)^(i+j) det(A without row i and column j)."""
        n = m.shape[0]
        if n > MAX_COFACTOR_SIZE:
            raise LimitError(f"cofactors of a matrix larger than {MAX_COFACTOR_SIZE}×{MAX_COFACTOR_SIZE}")
        out = _room(self.backend.zeros(n, n), m)
        if n == 1:
            out[0, 0] = self.backend.const(1)
            return out
        for i in range(n):
            for j in range(n):
                minor = self.backend.det(np.delete(np.delete(m, i, axis=0), j, axis=1))
                out[i, j] = minor if (i + j) % 2 == 0 else -minor
        return out

    def _cofactor(self, node: Node, env: Env) -> Value:
        return self._cofactors(self.eval(node.args[0], env))

    def _adj(self, node: Node, env: Env) -> Value:
        return self._cofactors(self.eval(node.args[0], env)).T

    def _vech(self, node: Node, env: Env) -> Value:
        m = self.eval(node.args[0], env)
        n = m.shape[0]
        return np.reshape(np.array([m[i, j] for j in range(n) for i in range(j, n)], dtype=m.dtype), (-1, 1))

    def _unvec(self, node: Node, env: Env) -> Value:
        v = self.eval(node.args[0], env)
        return np.reshape(v, self.shape_of(node), order="F")

    def _dup(self, node: Node, env: Env) -> Value:
        n = self.integer(node.args[0], env)
        out = self.backend.zeros(*self.shape_of(node))
        for j in range(n):
            for i in range(n):
                out[j * n + i, _vech_index(max(i, j), min(i, j), n)] = self.backend.const(1)
        return out

    def _elim(self, node: Node, env: Env) -> Value:
        n = self.integer(node.args[0], env)
        out = self.backend.zeros(*self.shape_of(node))
        for j in range(n):
            for i in range(j, n):
                out[_vech_index(i, j, n), j * n + i] = self.backend.const(1)
        return out

    def _shift(self, node: Node, env: Env) -> Value:
        n, _ = self.shape_of(node)
        out = self.backend.zeros(n, n)
        for i in range(1, n):
            out[i, i - 1] = self.backend.const(1)
        return out

    def _cshift(self, node: Node, env: Env) -> Value:
        out = self._shift(node, env)
        out[0, out.shape[0] - 1] = self.backend.const(1)
        return out

    def _vander(self, node: Node, env: Env) -> Value:
        x = self.eval(node.args[0], env)
        n = x.shape[0]
        out = _room(self.backend.ones(n, n), x)
        for i in range(n):
            for j in range(1, n):
                out[i, j] = out[i, j - 1] * x[i, 0]
        return out

    # -- derivatives ----------------------------------------------------------------------
    def _basis(self, value: Value) -> list[tuple[tuple[int, int], Value]]:
        """Unit directions for every entry of ``value`` in column-major (vec) order."""
        if not is_matrix(value):
            return [((0, 0), self.backend.const(1))]
        rows, cols = value.shape
        out = []
        for j in range(cols):
            for i in range(rows):
                e = self.backend.zeros(rows, cols)
                e[i, j] = self.backend.const(1)
                out.append(((i, j), e))
        return out

    def gradient(self, f: Node, name: str, env: Env) -> Value:
        x = env[name]
        if not is_matrix(x):
            return as_scalar(self.backend.directional(self, f, env, {name: self.backend.const(1)}))
        out = self.backend.zeros(*x.shape)
        for (i, j), e in self._basis(x):
            value = as_scalar(self.backend.directional(self, f, env, {name: e}))
            out = _room(out, value)
            out[i, j] = value
        return out

    def jacobian(self, f: Node, name: str, env: Env) -> Value:
        x = env[name]
        columns = []
        for _, e in self._basis(x):
            dv = self.backend.directional(self, f, env, {name: e})
            columns.append(np.reshape(dv, (-1, 1), order="F") if is_matrix(dv) else _column(dv))
        return np.concatenate(columns, axis=1)

    def _grad(self, node: Node, env: Env) -> Value:
        return self.gradient(node.args[0], str(node.args[1].value), env)

    def _grad_sym(self, node: Node, env: Env) -> Value:
        g = self._grad(node, env)
        return (g + g.T) * self.backend.const(Fraction(1, 2))

    def _grad_distinct(self, node: Node, env: Env) -> Value:
        g = self._grad(node, env)
        out = g + g.T
        for i in range(g.shape[0]):
            out[i, i] = g[i, i]
        return out

    def _grad_toeplitz(self, node: Node, env: Env) -> Value:
        """The derivatives with respect to the 2n - 1 values t_k (T_ij = t_(i-j)) in T's layout:
        entry (i, j) is the sum of the gradient along the diagonal p - q = i - j."""
        return _diagonal_sums(self._grad(node, env), lambda offset: offset)

    def _grad_sym_toeplitz(self, node: Node, env: Env) -> Value:
        """The derivatives with respect to the n values t_k (T_ij = t_|i-j|) in T's layout."""
        return _diagonal_sums(self._grad(node, env), abs)

    def _jacobian(self, node: Node, env: Env) -> Value:
        return self.jacobian(node.args[0], str(node.args[1].value), env)

    def _hess(self, node: Node, env: Env) -> Value:
        f, x = node.args
        inner = Node("grad", (f, x), x.shape)
        return self.jacobian(inner, str(x.value), env)

    def _hess_vec(self, node: Node, env: Env) -> Value:
        f, x = node.args
        inner = Node("vec", (Node("grad", (f, x), x.shape),), None)
        return self.jacobian(inner, str(x.value), env)

    def _d(self, node: Node, env: Env) -> Value:
        moves = {k[2:]: v for k, v in env.items() if k.startswith("d:")}
        target = node.args[0]
        if target.op == "var" and f"d:{target.value}" in env:
            return env[f"d:{target.value}"]
        return self.backend.directional(self, target, env, moves)


def _room(out: np.ndarray, value: Value) -> np.ndarray:
    """``out`` as a complex array when a complex double is to be stored in it (a float array
    would drop the imaginary part), and as an object array for a polynomial in random entries."""
    if isinstance(value, moments.Poly) and out.dtype != object:
        return out.astype(object)
    if out.dtype == float and np.iscomplexobj(value):
        return out.astype(complex)
    return out


def _numbers(m: Value) -> np.ndarray:
    """A float or complex array of a matrix (complex only when an entry is)."""
    return np.asarray(m, dtype=complex if np.iscomplexobj(m) else float)


def _vech_index(i: int, j: int, n: int) -> int:
    """The position of entry (i, j), i ≥ j, in vech of an n×n matrix (from 0)."""
    return j * n - j * (j - 1) // 2 + i - j


def _diagonal_sums(g: np.ndarray, key: Any) -> np.ndarray:
    """Entry (i, j) is the sum of g over the entries (p, q) with key(p - q) == key(i - j)."""
    n = g.shape[0]
    sums: dict[int, Value] = {}
    for p in range(n):
        for q in range(n):
            k = key(p - q)
            sums[k] = g[p, q] if k not in sums else sums[k] + g[p, q]
    out = np.empty((n, n), dtype=g.dtype)
    for i in range(n):
        for j in range(n):
            out[i, j] = sums[key(i - j)]
    return out


def _total(m: np.ndarray) -> Value:
    total = None
    for x in m.flat:
        total = x if total is None else total + x
    return total


def _column(v: Value) -> np.ndarray:
    out = np.empty((1, 1), dtype=object if not isinstance(v, float) else float)
    out[0, 0] = v
    return out
