"""sin, cos, sinm, cosm and sqrtm against SciPy/mpmath-independent computations, their refusals,
their LaTeX, and the prover's refusal of statements that use them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.records import Identity, Variable
from identity_book.errors import EvaluationError, Location, NotExact
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.verify import exact
from identity_book.verify.checks import Settings, exact_check, numeric_check
from identity_book.verify.evaluate import ExactBackend, FloatBackend
from identity_book.verify.precise import PreciseBackend
from identity_book.verify.prover.prove import prove

HERE = Location("test", 1, 1)
FAST = Settings(numeric_sizes=2, numeric_points=2, exact_sizes=2, exact_points=1)
RNG = np.random.default_rng(11)


def _series(x: np.ndarray, odd: bool) -> np.ndarray:
    """sin or cos of a matrix by its Taylor series (60 terms), independent of SciPy's method."""
    out, term = np.zeros_like(x), np.eye(x.shape[0]) if not odd else x.copy()
    k = 1 if odd else 0
    for _ in range(60):
        out = out + term
        term = -term @ x @ x / ((k + 1) * (k + 2))
        k += 2
    return out


def test_sinm_and_cosm_against_scipy_and_the_series() -> None:
    x = RNG.standard_normal((4, 4))
    f, p = FloatBackend(), PreciseBackend()
    assert np.allclose(f.sinm(x), scipy.linalg.sinm(x)) and np.allclose(f.sinm(x), _series(x, True))
    assert np.allclose(f.cosm(x), scipy.linalg.cosm(x)) and np.allclose(f.cosm(x), _series(x, False))
    assert np.allclose(p.sinm(x).astype(float), scipy.linalg.sinm(x), atol=1e-12)
    assert np.allclose(p.cosm(x).astype(float), scipy.linalg.cosm(x), atol=1e-12)


def test_sqrtm_against_scipy_and_eigh() -> None:
    b = RNG.standard_normal((4, 4))
    s = b @ b.T + np.eye(4)
    values, vectors = np.linalg.eigh(s)
    ref = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    assert np.allclose(FloatBackend().sqrtm(s), ref) and np.allclose(scipy.linalg.sqrtm(s), ref)
    assert np.allclose(PreciseBackend().sqrtm(s).astype(float), ref, atol=1e-12)
    # a non-symmetric matrix with positive eigenvalues has a real principal root too
    a = np.array([[4.0, 1.0], [0.0, 9.0]])
    root = FloatBackend().sqrtm(a)
    assert np.allclose(root @ root, a) and np.allclose(np.diag(root), [2.0, 3.0])


@pytest.mark.parametrize("m", [np.diag([1.0, -1.0]), np.diag([1.0, 0.0]), -np.eye(2)])
def test_sqrtm_refuses_a_real_eigenvalue_at_or_below_zero(m: np.ndarray) -> None:
    with pytest.raises(EvaluationError, match="principal square root"):
        FloatBackend().sqrtm(m)
    with pytest.raises(EvaluationError, match="principal square root"):
        PreciseBackend().sqrtm(m.astype(object))


def test_an_overflowing_matrix_sine_is_refused() -> None:
    with pytest.raises(EvaluationError, match="overflowed"):
        FloatBackend().sinm(np.array([[0.0, 800.0], [-800.0, 0.0]]))  # eigenvalues ±800i: sinh(800)


def test_exact_backend_refuses_matrix_functions_and_keeps_scalar_sin_cos_exact_at_zero() -> None:
    backend = ExactBackend()
    m = np.array([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]], dtype=object)
    for name in ("sinm", "cosm", "sqrtm"):
        with pytest.raises(NotExact):
            getattr(backend, name)(m)
    assert exact.sin_(Fraction(0)) == 0 and exact.cos_(Fraction(0)) == 1
    assert exact.sin_(Fraction(1, 3)) == sympy.sin(sympy.Rational(1, 3))
    # a non-zero transcendental difference is decided, an equal one only by simplification
    assert exact.is_exact_zero(exact.sin_(Fraction(1, 3)) - Fraction(1, 3)) is False
    assert np.isclose(float(FloatBackend().elementwise("cos", 0.5)), np.cos(0.5))


def test_latex_of_the_new_functions() -> None:
    n = dim_symbol("n")
    scope = Scope({"X": (n, n), "x": None}, frozenset({"n"}))
    assert to_latex(parse("sinm(X)", scope)) == "\\sin\\left(\\mathbf{X}\\right)"
    assert to_latex(parse("cos(x)", scope)) == "\\cos\\left(x\\right)"
    assert to_latex(parse("sqrtm(X).T", scope)) == "\\left(\\mathbf{X}^{1/2}\\right)^{\\top}"
    assert to_latex(parse("sqrtm(X @ X)", scope)) == "\\left(\\mathbf{X} \\mathbf{X}\\right)^{1/2}"


def _entry(lhs: str, rhs: str, **shapes: object) -> object:
    variables = []
    for name, spec in shapes.items():
        shape, props = spec if isinstance(spec, tuple) else (spec, [])
        variables.append(Variable(name, HERE, tuple(shape), tuple(props)))  # type: ignore[arg-type]
    return compile_identity(Identity("t", "t", HERE, tuple(variables), lhs, rhs, "c", "s"))


SQ = ["n", "n"]
SPD = (SQ, ["spd"])
FALSE = [
    ("sinm(X) @ sinm(X)", "I(n) + cosm(X) @ cosm(X)", {"X": SQ}),
    ("sinm(2 * X)", "2 * sinm(X)", {"X": SQ}),
    ("cosm(X.T)", "cosm(X)", {"X": SQ}),
    ("sqrtm(S) @ sqrtm(S)", "2 * S", {"S": SPD}),
    ("det(sqrtm(S))", "det(S)", {"S": SPD}),
    ("grad(tr(cosm(X)), X)", "sinm(X).T", {"X": SQ}),
    ("sin(x) ** 2", "1 + cos(x) ** 2", {"x": []}),
]


@pytest.mark.parametrize("lhs, rhs, shapes", FALSE, ids=[f[0] for f in FALSE])
def test_false_statements_are_refuted_and_not_proved(lhs: str, rhs: str, shapes: dict[str, object]) -> None:
    c = _entry(lhs, rhs, **shapes)
    assert not prove(c).proved  # type: ignore[arg-type]
    outcomes = {numeric_check(c, FAST, c.lhs, c.rhs).outcome, exact_check(c, FAST, c.lhs, c.rhs).outcome}  # type: ignore[attr-defined]
    assert "failed" in outcomes


@pytest.mark.parametrize(
    "lhs, rhs, shapes",
    [
        ("sinm(X) @ sinm(X) + cosm(X) @ cosm(X)", "I(n)", {"X": SQ}),
        ("sqrtm(S) @ sqrtm(S)", "S", {"S": SPD}),
        ("grad(tr(sinm(X)), X)", "cosm(X).T", {"X": SQ}),
    ],
)
def test_the_prover_refuses_true_statements_with_new_functions(lhs: str, rhs: str, shapes: dict[str, object]) -> None:
    c = _entry(lhs, rhs, **shapes)
    assert not prove(c).proved  # type: ignore[arg-type]
    assert numeric_check(c, FAST, c.lhs, c.rhs).outcome == "passed"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 2, 3], [2, 4, 6], [1, 0, 1]],  # singular: a zero column under the pivot
        [[0, 1], [1, 0]],
        [[2, 1, 0], [1, 3, 1], [0, 1, 4]],
        [[1, 1], [1, 1]],
    ],
)
def test_the_50_digit_determinant_agrees_with_numpy_also_when_singular(rows: list[list[int]]) -> None:
    got = PreciseBackend().det(np.array(rows, dtype=object))
    assert abs(float(got) - np.linalg.det(np.array(rows, dtype=float))) < 1e-12


@pytest.mark.parametrize("p", [Fraction(1, 2), Fraction(-1), Fraction(1, 3), Fraction(5, 2)])
def test_powm_is_scipys_fractional_power_of_an_spd_matrix(p: Fraction) -> None:
    s = np.array([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
    want = scipy.linalg.fractional_matrix_power(s.astype(float), float(p))
    assert np.allclose(FloatBackend().powm(s, p), want, atol=1e-12)
    precise = PreciseBackend().powm(s.astype(object), p)
    assert np.allclose(np.array(precise, dtype=float), want, atol=1e-12)


def test_powm_refuses_a_matrix_that_is_not_spd() -> None:
    for bad in ([[1, 2], [0, 1]], [[1, 0], [0, -1]]):
        with pytest.raises(EvaluationError):
            FloatBackend().powm(np.array(bad, dtype=float), 0.5)


@pytest.mark.parametrize("seed", range(5))
def test_a_principal_branch_is_checked_far_from_the_origin(seed: int) -> None:
    # log(exp(A)) = A fails only once an eigenvalue of A has |Im| > π: rare at standard normal draws
    settings = Settings(seed=seed)
    wrong = _entry("logm(expm(X))", "X", X=SQ)
    assert numeric_check(wrong, settings, wrong.lhs, wrong.rhs).outcome == "failed"  # type: ignore[attr-defined]
    right = _entry("logm(expm(S))", "S", S=(SQ, ["symmetric"]))
    assert numeric_check(right, settings, right.lhs, right.rhs).outcome == "passed"  # type: ignore[attr-defined]
    inverse = _entry("expm(logm(X))", "X", X=SQ)
    assert numeric_check(inverse, settings, inverse.lhs, inverse.rhs).outcome == "passed"  # type: ignore[attr-defined]
