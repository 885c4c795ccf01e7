"""The decomposition factors against SciPy, their normalisation, refusals, and the prover's refusal."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.records import Identity, Variable
from identity_book.errors import EvaluationError, ExpressionError, Location, NotExact
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.verify import decompositions
from identity_book.verify.checks import Settings, exact_check, numeric_check
from identity_book.verify.prover.prove import prove

HERE = Location("test", 1, 1)
FAST = Settings(numeric_sizes=2, numeric_points=2, exact_sizes=2, exact_points=1)
RNG = np.random.default_rng(7)


def _symmetric(n: int) -> np.ndarray:
    a = RNG.standard_normal((n, n))
    return a + a.T


def test_eigvecs_against_numpy_up_to_the_stated_signs() -> None:
    s = _symmetric(5)
    v = decompositions.factor("eigvecs", s)
    values, ref = np.linalg.eigh(s)
    assert np.allclose(np.abs(v), np.abs(ref))
    assert np.allclose(s @ v, v @ np.diag(values))
    for j in range(5):
        assert v[np.argmax(np.abs(v[:, j])), j] > 0


def test_eigvecs_refuses_repeated_eigenvalues_and_non_symmetric_points() -> None:
    with pytest.raises(EvaluationError, match="repeated"):
        decompositions.factor("eigvecs", np.eye(3))
    with pytest.raises(EvaluationError, match="symmetric"):
        decompositions.factor("eigvecs", np.array([[1.0, 2.0], [0.0, 3.0]]))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_svd_factors_against_scipy(shape: tuple[int, int]) -> None:
    a = RNG.standard_normal(shape)
    u, v = decompositions.factor("svd_u", a), decompositions.factor("svd_v", a)
    s = scipy.linalg.svdvals(a)
    assert np.allclose(u @ np.diag(s) @ v.T, a)
    ref_u, _, ref_vt = scipy.linalg.svd(a, full_matrices=False)
    assert np.allclose(np.abs(u), np.abs(ref_u)) and np.allclose(np.abs(v), np.abs(ref_vt.T))
    for j in range(v.shape[1]):
        assert v[np.argmax(np.abs(v[:, j])), j] > 0


def test_svd_refuses_a_zero_singular_value() -> None:
    with pytest.raises(EvaluationError, match="zero"):
        decompositions.factor("svd_u", np.outer([1.0, 2.0, 3.0], [1.0, -1.0]))


def test_lu_against_scipy_without_pivoting() -> None:
    a = RNG.standard_normal((4, 4))
    low, up = decompositions.factor("lu_l", a), decompositions.factor("lu_u", a)
    # SciPy pivots; on P A for its permutation our factors coincide with SciPy's.
    p, ref_l, ref_u = scipy.linalg.lu(a)
    pa = p.T @ a
    assert np.allclose(decompositions.factor("lu_l", pa), ref_l)
    assert np.allclose(decompositions.factor("lu_u", pa), ref_u)
    assert np.allclose(low @ up, a) and np.allclose(np.diag(low), 1) and np.allclose(np.tril(up, -1), 0)


def test_lu_is_exact_at_rational_points_and_refuses_a_zero_pivot() -> None:
    a = np.array([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(3)]], dtype=object)
    low = decompositions.factor("lu_l", a, "exact")
    up = decompositions.factor("lu_u", a, "exact")
    assert low[1, 0] == Fraction(1, 2) and up[1, 1] == Fraction(5, 2)
    with pytest.raises(EvaluationError, match="leading principal minor"):
        decompositions.factor("lu_l", np.array([[Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)]]), "exact")
    with pytest.raises(NotExact):
        decompositions.factor("chol", a, "exact")


def test_chol_against_scipy_and_ldl() -> None:
    b = RNG.standard_normal((4, 4))
    s = b @ b.T + np.eye(4)
    assert np.allclose(decompositions.factor("chol", s), scipy.linalg.cholesky(s, lower=True))
    lu_, d, _ = scipy.linalg.ldl(s)
    assert np.allclose(decompositions.factor("lu_l", s) @ np.diag(np.diag(decompositions.factor("lu_u", s))), lu_ @ d)
    with pytest.raises(EvaluationError, match="positive definite"):
        decompositions.factor("chol", -s)


def _entry(lhs: str, rhs: str, **shapes: object) -> object:
    variables = []
    for name, spec in shapes.items():
        shape, props = spec if isinstance(spec, tuple) else (spec, [])
        variables.append(Variable(name, HERE, tuple(shape), tuple(props)))  # type: ignore[arg-type]
    return compile_identity(Identity("t", "t", HERE, tuple(variables), lhs, rhs, "c", "s"))


FALSE = [
    ("S @ eigvecs(S)", "diag(eigvals(S)) @ eigvecs(S)", {"S": (["n", "n"], ["symmetric"])}),
    ("lu_l(A).T @ lu_u(A)", "A", {"A": ["n", "n"]}),
    ("chol(S).T @ chol(S)", "S", {"S": (["n", "n"], ["spd"])}),
    ("svd_v(A) @ diag(svdvals(A)) @ svd_u(A).T", "A", {"A": ["n", "n"]}),
]


@pytest.mark.parametrize("lhs, rhs, shapes", FALSE, ids=[f[0] for f in FALSE])
def test_false_statements_are_refuted_and_not_proved(lhs: str, rhs: str, shapes: dict[str, object]) -> None:
    c = _entry(lhs, rhs, **shapes)
    assert not prove(c).proved  # type: ignore[arg-type]
    outcomes = {numeric_check(c, FAST, c.lhs, c.rhs).outcome, exact_check(c, FAST, c.lhs, c.rhs).outcome}  # type: ignore[attr-defined]
    assert "failed" in outcomes


def test_the_prover_refuses_a_true_statement_with_a_factor() -> None:
    c = _entry("lu_l(A) @ lu_u(A)", "A", A=["n", "n"])
    assert not prove(c).proved  # type: ignore[arg-type]


def test_shapes_latex_and_errors() -> None:
    n, m = dim_symbol("n"), dim_symbol("m")
    scope = Scope({"A": (sympy.Integer(4), sympy.Integer(3)), "S": (n, n), "B": (m, n)}, frozenset({"m", "n"}))
    assert parse("svd_u(A)", scope).shape == (4, 3)
    assert parse("svd_v(A)", scope).shape == (3, 3)
    assert to_latex(parse("chol(S)", scope)) == "\\operatorname{chol}\\left(\\mathbf{S}\\right)"
    with pytest.raises(ExpressionError, match="square"):
        parse("lu_l(B)", scope)
    with pytest.raises(ExpressionError, match="literal sizes"):
        parse("svd_u(B)", scope)


@pytest.mark.parametrize("complex_entries", [False, True])
def test_schur_against_scipy_up_to_the_stated_phases(complex_entries: bool) -> None:
    a = RNG.standard_normal((5, 5)) + (1j * RNG.standard_normal((5, 5)) if complex_entries else 0)
    u, t = decompositions.factor("schur_u", a), decompositions.factor("schur_t", a)
    assert np.allclose(u.conj().T @ u, np.eye(5))
    assert np.allclose(np.tril(t, -1), 0, atol=1e-12)
    assert np.allclose(u @ t @ u.conj().T, a)
    assert np.allclose(u[0].imag, 0) and np.all(u[0].real > 0)  # the stated phases
    # SciPy's complex Schur form, reordered to eig()'s order, is the same up to those phases
    ref_t, ref_u = scipy.linalg.schur(a.astype(complex), output="complex")
    assert np.allclose(sorted(np.abs(np.diag(ref_t))), sorted(np.abs(np.diag(t))))
    assert np.allclose(np.abs(np.linalg.det(u.conj().T @ ref_u)), 1)


def test_schur_agrees_with_its_50_digit_evaluation() -> None:
    from identity_book.verify.precise import PreciseBackend

    a = RNG.standard_normal((4, 4))
    for name in ("schur_u", "schur_t"):
        fifty = np.array(PreciseBackend().factor(name, a.astype(object)).tolist(), dtype=complex)
        assert np.allclose(fifty, decompositions.factor(name, a), atol=1e-12), name


def test_schur_refuses_repeated_eigenvalues_and_is_not_exact() -> None:
    with pytest.raises(EvaluationError, match="coincide"):
        decompositions.factor("schur_u", np.eye(3))
    with pytest.raises(EvaluationError, match="coincide"):
        decompositions.factor("schur_t", np.array([[1.0, 1.0], [0.0, 1.0 + 1e-9]]))
    with pytest.raises(EvaluationError, match="nearly dependent"):  # distinct eigenvalues, but close eigenvectors
        decompositions.factor("schur_t", np.array([[1.0, 1e7], [0.0, 2.0]]))
    with pytest.raises(NotExact, match="Schur"):
        decompositions.factor("schur_u", np.eye(2, dtype=object), "exact")
