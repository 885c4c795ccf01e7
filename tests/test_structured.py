"""Structured matrices (adj, cofactor, submatrix, vech, dup, elim, shift, cshift, vander, the
Toeplitz derivatives and the toeplitz and permutation properties) against independent oracles:
SymPy's adjugate, scipy.linalg.toeplitz, numpy.vander and definitions written out here."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.records import Identity, Variable
from identity_book.errors import ExpressionError, LimitError, Location
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.expr.text import to_text
from identity_book.verify import exact
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend
from identity_book.verify.prover.prove import prove
from identity_book.verify.sampling import has_properties, sample_variable

N = dim_symbol("n")
SCOPE = Scope({"A": (N, N), "x": (N, sympy.Integer(1))}, frozenset({"n", "i", "j"}))


def _exact(text: str, env: dict[str, np.ndarray], n: int, **ints: int) -> np.ndarray:
    return Evaluator(ExactBackend(), {"n": n, **ints}).eval(parse(text, SCOPE), env)


def _float(text: str, env: dict[str, np.ndarray], n: int, **ints: int) -> np.ndarray:
    return Evaluator(FloatBackend(), {"n": n, **ints}).eval(parse(text, SCOPE), env)


def _integer_matrix(rng: np.random.Generator, n: int, rank: int | None = None) -> np.ndarray:
    m = rng.integers(-4, 5, size=(n, n))
    if rank is not None:
        m = rng.integers(-3, 4, size=(n, rank)) @ rng.integers(-3, 4, size=(rank, n))
    return m


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("singular", [False, True])
def test_adjugate_and_cofactors_match_sympy(n: int, singular: bool) -> None:
    rng = np.random.default_rng(n + 10 * singular)
    m = _integer_matrix(rng, n, rank=max(n - 1, 0) if singular and n > 1 else None)
    env = {"A": exact.to_fraction_array(m)}
    oracle = sympy.Matrix(m.tolist()).adjugate()
    adj = _exact("adj(A)", env, n)
    assert [[Fraction(int(v)) for v in row] for row in oracle.tolist()] == adj.tolist()
    assert (_exact("cofactor(A)", env, n) == adj.T).all()
    assert np.allclose(_float("adj(A)", {"A": m.astype(float)}, n), np.array(oracle.tolist(), dtype=float))


def test_submatrix_deletes_one_row_and_one_column() -> None:
    m = np.arange(1, 13, dtype=float).reshape(3, 4)
    scope = Scope({"A": (sympy.Integer(3), sympy.Integer(4))}, frozenset({"i", "j"}))
    out = Evaluator(FloatBackend(), {"i": 2, "j": 3}).eval(parse("submatrix(A, i, j)", scope), {"A": m})
    assert out.tolist() == [[1, 2, 4], [9, 10, 12]]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_vech_duplication_elimination(n: int) -> None:
    rng = np.random.default_rng(n)
    b = rng.integers(-5, 6, size=(n, n))
    sym, gen = exact.to_fraction_array(b + b.T), exact.to_fraction_array(b)
    lower = [b[i, j] for j in range(n) for i in range(j, n)]  # Magnus–Neudecker: columns of the lower triangle
    assert [Fraction(int(v)) for v in lower] == list(_exact("vech(A)", {"A": gen}, n).flat)
    assert (_exact("dup(n) @ vech(A)", {"A": sym}, n) == _exact("vec(A)", {"A": sym}, n)).all()
    assert (_exact("elim(n) @ vec(A)", {"A": gen}, n) == _exact("vech(A)", {"A": gen}, n)).all()
    d = _exact("dup(n)", {}, n).astype(float)
    assert d.shape == (n * n, n * (n + 1) // 2)
    assert np.allclose(np.linalg.pinv(d), np.linalg.inv(d.T @ d) @ d.T)
    assert np.allclose(_exact("elim(n) @ dup(n)", {}, n).astype(float), np.eye(n * (n + 1) // 2))


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (4, 2)])
def test_unvec_is_the_inverse_of_vec_column_by_column(m: int, n: int) -> None:
    scope = Scope({"v": (sympy.Integer(m * n), sympy.Integer(1)), "X": (sympy.Integer(m), sympy.Integer(n))})
    v = np.arange(1, m * n + 1, dtype=float).reshape(-1, 1)
    out = Evaluator(FloatBackend(), {}).eval(parse(f"unvec(v, {m}, {n})", scope), {"v": v})
    assert out.shape == (m, n)
    assert [[out[i, j] for j in range(n)] for i in range(m)] == [[1 + i + m * j for j in range(n)] for i in range(m)]
    x = exact.to_fraction_array(np.arange(m * n).reshape(m, n))
    back = Evaluator(ExactBackend(), {}).eval(parse(f"unvec(vec(X), {m}, {n})", scope), {"X": x})
    assert (back == x).all()
    node = parse("unvec(v, 2 * m, n)", Scope({"v": (2 * dim_symbol("m") * N, sympy.Integer(1))}, frozenset({"m", "n"})))
    assert to_latex(node) == r"\operatorname{vec}^{-1}_{2 m \times n}\left(\mathbf{v}\right)"
    assert to_text(node) == "unvec(v, 2 * m, n)"


@pytest.mark.parametrize("n", [2, 3, 5])
def test_shifts(n: int) -> None:
    lower = np.diag(np.ones(n - 1), -1)  # ones just below the diagonal: (Zx)_t = x_(t-1)
    assert np.array_equal(_float("shift(n)", {}, n), lower)
    cyclic = np.roll(np.eye(n), 1, axis=0)
    assert np.array_equal(_float("cshift(n)", {}, n), cyclic)
    assert (_exact("cshift(n)", {}, n) == exact.to_fraction_array(cyclic.astype(int))).all()


@pytest.mark.parametrize("n", [1, 2, 4])
def test_vandermonde_matches_numpy(n: int) -> None:
    x = np.arange(2, 2 + n).reshape(-1, 1)
    want = np.vander(x.ravel(), n, increasing=True)
    assert np.array_equal(_float("vander(x)", {"x": x.astype(float)}, n), want)
    got = _exact("vander(x)", {"x": exact.to_fraction_array(x)}, n)
    assert got.tolist() == [[Fraction(int(v)) for v in row] for row in want]


def test_toeplitz_derivatives_by_definition() -> None:
    """∂f/∂t_k for T = Σ t_k Z^k (k < 0: (Zᵀ)^-k) against the derivative of f(t) directly."""
    n = 3
    rng = np.random.default_rng(5)
    a = rng.integers(-3, 4, size=(n, n)).astype(float)
    t = rng.standard_normal(2 * n - 1)
    col, row = t[n - 1 :], t[n - 1 :: -1]  # t_0, t_1, ... down the first column; t_0, t_-1, ... along the first row
    tmat = scipy.linalg.toeplitz(col, row)

    def f(tm: np.ndarray) -> float:
        return float(np.trace(a @ tm @ tm))

    scope = Scope({"A": (N, N), "T": (N, N)}, frozenset({"n"}))
    got = Evaluator(FloatBackend(), {"n": n}).eval(parse("grad_toeplitz(tr(A @ T @ T), T)", scope), {"A": a, "T": tmat})
    h = 1e-6
    for i in range(n):
        for j in range(n):
            k = i - j
            bump = scipy.linalg.toeplitz(*_unit_diagonal(n, k))
            numeric = (f(tmat + h * bump) - f(tmat - h * bump)) / (2 * h)
            assert got[i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-6)
    sym = scipy.linalg.toeplitz(col)
    got = Evaluator(FloatBackend(), {"n": n}).eval(
        parse("grad_sym_toeplitz(tr(A @ T @ T), T)", scope), {"A": a, "T": sym}
    )
    for i in range(n):
        for j in range(n):
            bump = scipy.linalg.toeplitz(_unit_diagonal(n, abs(i - j))[0])
            numeric = (f(sym + h * bump) - f(sym - h * bump)) / (2 * h)
            assert got[i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def _unit_diagonal(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """First column and first row of the Toeplitz matrix with ones on diagonal i - j = k."""
    col, row = np.zeros(n), np.zeros(n)
    if k >= 0:
        col[k] = 1
    if k <= 0:
        row[-k] = 1
    return col, row


@pytest.mark.parametrize("exact_mode", [False, True])
@pytest.mark.parametrize(
    "props", [("toeplitz",), ("toeplitz", "symmetric"), ("toeplitz", "lower_triangular"), ("permutation",)]
)
def test_structured_samples(props: tuple[str, ...], exact_mode: bool) -> None:
    var = Variable("T", Location("x.yaml", 1, 1), shape=("n", "n"), properties=props)
    rng = np.random.default_rng(3)
    for n in (2, 3, 4):
        m = sample_variable(var, (n, n), rng, exact_mode)
        assert has_properties(m, set(props), exact_mode)
        dense = np.asarray(m, dtype=float)
        if "toeplitz" in props:
            assert np.array_equal(dense, scipy.linalg.toeplitz(dense[:, 0], dense[0, :]))
        if "symmetric" in props:
            assert np.array_equal(dense, dense.T)
        if "permutation" in props:
            assert sorted(dense.sum(axis=0)) == [1] * n and set(dense.flat) <= {0.0, 1.0}
            assert not np.array_equal(dense, np.eye(n))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adj(x)", "square"),
        ("vech(x)", "square"),
        ("vander(A)", "column vector"),
        ("submatrix(A, 0, 1)", "counts from 1"),
        ("grad_toeplitz(tr(A), A + A)", "variable"),
        ("dup(100)", "between 1 and 64"),
        ("minor(A, 1, 1)", "det(submatrix"),
        ("unvec(x, n, 2)", "a vector of length m·n, got n×1"),
        ("unvec(A, n, 1)", "a vector of length m·n, got n×n"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(text, SCOPE)


def test_bounds() -> None:
    scope = Scope({"B": (sympy.Integer(12), sympy.Integer(12))})
    with pytest.raises(LimitError):
        parse("adj(B)", scope)


# -- the prover refuses what it does not know -------------------------------------------------------
def _compiled(lhs: str, rhs: str, **shapes: object) -> Compiled:
    here = Location("t.yaml", 1, 1)
    variables = []
    for name, spec in shapes.items():
        shape, props = spec if isinstance(spec, tuple) else (spec, ())
        variables.append(Variable(name, here, tuple(shape), tuple(props)))
    return compile_identity(Identity("t", "t", here, tuple(variables), lhs, rhs, "c", "s"))


@pytest.mark.parametrize(
    ("lhs", "rhs", "shapes"),
    [
        ("adj(A @ B)", "adj(A) @ adj(B)", {"A": ["n", "n"], "B": ["n", "n"]}),
        ("adj(A)", "det(A) * A.T", {"A": ["n", "n"]}),
        ("det(adj(A))", "det(A) ** n", {"A": ["n", "n"]}),
        ("dup(n) @ vech(A)", "vec(A)", {"A": ["n", "n"]}),
        ("dup(n).T", "elim(n)", {"A": ["n", "n"]}),
        ("shift(n) @ x", "shift(n).T @ x", {"x": ["n"]}),
        ("cshift(n) @ cshift(n)", "I(n)", {"x": ["n"]}),
        ("vander(x).T", "vander(x)", {"x": ["n"]}),
        ("grad_toeplitz(tr(A @ T), T)", "A.T", {"A": ["n", "n"], "T": (["n", "n"], ("toeplitz",))}),
        ("grad_sym_toeplitz(tr(A @ T), T)", "grad_toeplitz(tr(A @ T), T)", {"A": ["n", "n"], "T": ["n", "n"]}),
        ("P", "P.T", {"P": (["n", "n"], ("permutation",))}),
        ("T", "T.T", {"T": (["n", "n"], ("toeplitz",))}),
        ("submatrix(A, 1, 1)", "submatrix(A.T, 1, 1)", {"A": ["n", "n"]}),
        ("unvec(vec(A), n, n)", "A.T", {"A": ["n", "n"]}),
    ],
)
def test_false_statements_about_structured_matrices_are_not_proved(
    lhs: str, rhs: str, shapes: dict[str, object]
) -> None:
    assert not prove(_compiled(lhs, rhs, **shapes)).proved


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [("adj(A @ B)", "adj(B) @ adj(A)"), ("adj(A) @ A", "det(A) * I(n)"), ("elim(n) @ dup(n) @ vech(A)", "vech(A)")],
)
def test_the_prover_refuses_structured_functions_it_has_no_rules_for(lhs: str, rhs: str) -> None:
    assert not prove(_compiled(lhs, rhs, A=["n", "n"], B=["n", "n"])).proved


@pytest.mark.parametrize(
    ("lhs", "rhs", "proved"),
    [
        ("adj(A)", "det(A) * inv(A)", True),
        ("inv(A)", "adj(A) / det(A)", True),
        ("adj(A) @ A", "det(A) * I(n)", True),
        ("adj(A)", "det(A) * inv(A).T", False),
        ("adj(A)", "inv(A)", False),
        ("adj(A) @ A", "I(n)", False),
        ("adj(A.T)", "adj(A).T", False),  # adj of an expression: no index form
    ],
)
def test_the_adjugate_rule_for_invertible_variables(lhs: str, rhs: str, proved: bool) -> None:
    c = _compiled(lhs, rhs, A=(["n", "n"], ("invertible",)))
    assert prove(c).proved is proved


def test_the_adjugate_rule_needs_a_stated_invertible_matrix() -> None:
    assert not prove(_compiled("adj(A) @ A", "det(A) * I(n)", A=["n", "n"])).proved
