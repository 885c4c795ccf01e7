"""Expectations of polynomials in random variables, against independent routes: textbook closed
forms computed with NumPy, SymPy's own normal moments, Isserlis' pairings, direct sums over a
random matrix's entries; and the prover refusing what it has no rules for."""

from __future__ import annotations

import itertools
import time
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
import sympy.stats

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.records import Distribution, Identity, Variable
from identity_book.errors import CatalogueError, EvaluationError, Location
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend
from identity_book.verify.prover.prove import prove

HERE = Location("test.yaml", 1, 1)
RNG = np.random.default_rng(7)


def entry(lhs: str, rhs: str | None = None, **variables: Any) -> Compiled:
    """An identity from keyword variables: name=[dims], ([dims], [properties]) or
    ([dims], "normal"|"moments", mean, cov)."""
    out = []
    for name, spec in variables.items():
        if len(spec) == 4:
            shape, family, mean, cov = spec
            dist = Distribution(family, mean, HERE, cov, None if cov is None else HERE)
            out.append(Variable(name, HERE, tuple(shape), distribution=dist))
            continue
        shape, props = spec if isinstance(spec, tuple) else (spec, [])
        out.append(Variable(name, HERE, tuple(shape), tuple(props)))
    return compile_identity(Identity("t", "t", HERE, tuple(out), lhs, rhs or lhs, "c", "s"))


def rational(rows: int, cols: int) -> np.ndarray:
    out = np.empty((rows, cols), dtype=object)
    for idx in np.ndindex(rows, cols):
        out[idx] = Fraction(int(RNG.integers(-4, 5)), int(RNG.integers(1, 4)))
    return out


def spd(n: int) -> np.ndarray:
    b = rational(n, n)
    return b @ b.T + np.eye(n, dtype=int).astype(object)


def value(c: Compiled, env: dict[str, Any], ints: dict[str, int], exact: bool = True) -> Any:
    backend = ExactBackend() if exact else FloatBackend()
    if not exact:
        env = {k: np.asarray(v, dtype=float) for k, v in env.items()}
    return Evaluator(backend, dict(ints)).eval(c.lhs, env)


def gaussian(n: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    m, s = rational(n, 1), spd(n)
    return {"m": m, "S": s}, m, s


NORMAL = {"x": (["n"], "normal", "m", "S"), "m": ["n"], "S": (["n", "n"], ["spd"])}


def test_second_moment_matrix_is_cov_plus_outer_mean() -> None:
    env, m, s = gaussian(3)
    got = value(entry("E(x @ x.T)", **NORMAL), env, {"n": 3})
    assert (got == s + m @ m.T).all()


def test_quadratic_form_mean_and_variance_for_symmetric_a() -> None:
    env, m, s = gaussian(3)
    a = rational(3, 3)
    a = a + a.T
    env["A"] = a
    spec = {**NORMAL, "A": (["n", "n"], ["symmetric"])}
    mean = value(entry("E(x.T @ A @ x)", **spec), env, {"n": 3})
    assert mean == np.trace(a @ s) + (m.T @ a @ m)[0, 0]
    var = value(entry("Var(x.T @ A @ x)", **spec), env, {"n": 3})
    assert var == 2 * np.trace(a @ s @ a @ s) + 4 * (m.T @ a @ s @ a @ m)[0, 0]


@pytest.mark.parametrize("k", range(9))
def test_one_dimensional_moments_match_sympy_stats(k: int) -> None:
    mu, var = Fraction(3, 2), Fraction(5, 3)
    c = entry(f"E(x ** {k})", x=([], "normal", "mu", "v"), mu=[], v=[])
    got = value(c, {"mu": mu, "v": var}, {})
    x = sympy.stats.Normal("x", sympy.Rational(3, 2), sympy.sqrt(sympy.Rational(5, 3)))
    want = sympy.simplify(sympy.stats.E(x**k))
    assert sympy.Rational(got.numerator, got.denominator) == want


def test_fourth_central_moments_are_isserlis_pairings() -> None:
    n = 3
    s = spd(n)
    zero = np.zeros((n, 1), dtype=int).astype(object)
    spec = {"x": (["n"], "normal", "m", "S"), "m": ["n"], "S": (["n", "n"], ["spd"])}
    for i, j, k, h in itertools.product(range(1, n + 1), repeat=4):
        c = entry(f"E(entry(x, {i}) * entry(x, {j}) * entry(x, {k}) * entry(x, {h}))", **spec)
        got = value(c, {"m": zero, "S": s}, {"n": n})
        a, b, p, q = i - 1, j - 1, k - 1, h - 1
        assert got == s[a, b] * s[p, q] + s[a, p] * s[b, q] + s[a, q] * s[b, p]


def test_a_random_matrix_second_moment_by_direct_sums() -> None:
    rows, cols = 2, 3
    mean, u, v, a = rational(rows, cols), spd(rows), spd(cols), rational(cols, cols)
    cov = np.kron(v, u)  # the covariance of vec X for a matrix normal with row and column covariances
    spec = {
        "X": (["m", "n"], "moments", "M", "kron(V, U)"),
        "M": ["m", "n"],
        "U": (["m", "m"], ["spd"]),
        "V": (["n", "n"], ["spd"]),
        "A": ["n", "n"],
    }
    got = value(entry("E(X @ A @ X.T)", **spec), {"M": mean, "U": u, "V": v, "A": a}, {"m": rows, "n": cols})

    def at(i: int, j: int) -> int:  # the position of X_ij in vec X
        return i + j * rows

    for i, j in np.ndindex(rows, rows):
        want = sum(
            a[k, h] * (cov[at(i, k), at(j, h)] + mean[i, k] * mean[j, h]) for k in range(cols) for h in range(cols)
        )
        assert got[i, j] == want


def test_distinct_random_variables_are_independent() -> None:
    env = {"m": rational(3, 1), "S": spd(3), "p": rational(3, 1), "R": spd(3)}
    spec = {
        **NORMAL,
        "y": (["n"], "normal", "p", "R"),
        "p": ["n"],
        "R": (["n", "n"], ["spd"]),
    }
    got = value(entry("Cov(x, y)", **spec), env, {"n": 3})
    assert (got == 0).all()
    assert value(entry("E(x.T @ y)", **spec), env, {"n": 3}) == (env["m"].T @ env["p"])[0, 0]


def test_the_floating_level_agrees_with_the_exact_one() -> None:
    env, _, _ = gaussian(3)
    c = entry("E(x @ x.T @ x @ x.T)", **NORMAL)
    exact = value(c, env, {"n": 3})
    floating = value(c, env, {"n": 3}, exact=False)
    assert np.allclose(np.asarray(exact, dtype=float), floating, rtol=1e-12)


def test_a_moments_only_distribution_refuses_higher_moments_when_evaluated() -> None:
    # the parser refuses this statically; the evaluator refuses too, never guessing
    from identity_book.verify.moments import Poly, _Group, _Moments

    group = _Group(0, [Fraction(1)], [[Fraction(2)]], gaussian=False)
    with pytest.raises(EvaluationError):
        _Moments([group]).expect(Poly.variable(0) ** 3)


def test_a_quartic_form_at_size_three_is_fast() -> None:
    env, _, _ = gaussian(3)
    env["A"], env["B"] = rational(3, 3), rational(3, 3)
    spec = {**NORMAL, "A": ["n", "n"], "B": ["n", "n"]}
    c = entry("E(x.T @ A @ x @ x.T @ B @ x)", **spec)
    start = time.perf_counter()
    value(c, env, {"n": 3})
    assert time.perf_counter() - start < 0.5


def test_a_covariance_that_is_not_positive_semidefinite_at_the_point_is_refused() -> None:
    c = entry("E(x)", x=(["n"], "normal", "m", "-S"), m=["n"], S=(["n", "n"], ["spd"]))
    with pytest.raises(EvaluationError, match="positive semidefinite"):
        value(c, {"m": rational(2, 1), "S": spd(2)}, {"n": 2})


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        ("E(x @ x.T)", "S + m @ m.T"),  # true, but the prover has no rule for E: no proof
        ("E(x @ x.T)", "S"),
        ("E(x.T @ x)", "tr(S)"),
        ("Var(x)", "S + m @ m.T"),
    ],
)
def test_the_prover_never_proves_an_expectation(lhs: str, rhs: str) -> None:
    assert not prove(entry(lhs, rhs, **NORMAL)).proved


def test_the_handbook_says_what_is_random_and_what_is_fixed() -> None:
    from identity_book.handbook.views import variables

    rows = {str(v.symbol): str(v.properties) for v in variables(entry("E(x)", "m", **NORMAL))}
    assert rows[r"\mathbf{x}"] == r"random, {math}`\sim \mathcal{N}\left(\mathbf{m}, \mathbf{S}\right)` (normal)"
    assert rows[r"\mathbf{m}"] == "fixed, generic"
    assert rows[r"\mathbf{S}"] == "fixed, symmetric positive definite"


def test_independent_coordinates_use_their_central_moments() -> None:
    # E[x_i^3] = m_i^3 + 3 m_i v2_i + v3_i, and distinct coordinates are independent
    m, v2, v3 = rational(3, 1), rational(3, 1), rational(3, 1)
    dist = Distribution("independent", "m", HERE, central=("v2", "v3"), central_locations=(HERE, HERE))
    fixed = [Variable(k, HERE, ("n",)) for k in ("m", "v2", "v3")]
    variables = [Variable("x", HERE, ("n",), distribution=dist), *fixed]
    c = compile_identity(Identity("t", "t", HERE, tuple(variables), "E(hadamard(hadamard(x, x), x))", "m", "c", "s"))
    got = value(c, {"m": m, "v2": v2, "v3": v3}, {"n": 3})
    assert (got == m * m * m + 3 * m * v2 + v3).all()
    c2 = compile_identity(Identity("t", "t", HERE, tuple(variables), "E(x @ x.T)", "E(x @ x.T)", "c", "s"))
    got2 = value(c2, {"m": m, "v2": v2, "v3": v3}, {"n": 3})
    want = m @ m.T
    for i in range(3):
        want[i, i] += v2[i, 0]
    assert (got2 == want).all()


CHI = {"c": ([], "chi", "k", None), "k": []}


@pytest.mark.parametrize(
    ("lhs", "want"),
    [
        ("E(c ** 2)", lambda k: k),
        ("E(c ** 4)", lambda k: k * (k + 2)),
        ("E(1 / c ** 2)", lambda k: 1 / (k - 2)),
        ("E(c ** -4)", lambda k: 1 / ((k - 2) * (k - 4))),
        ("E(c ** 2 / c)", lambda k: sympy.sqrt(2) * sympy.gamma((k + 1) / 2) / sympy.gamma(k / 2)),
        ("Var(1 / c)", lambda k: 1 / (k - 2) - sympy.gamma((k - 1) / 2) ** 2 / (2 * sympy.gamma(k / 2) ** 2)),
    ],
)
def test_chi_moments_against_their_closed_forms(lhs: str, want: Any) -> None:
    for k in (Fraction(5), Fraction(13, 2)):
        got = value(entry(lhs, **CHI), {"k": k}, {})
        expected = want(sympy.Rational(k.numerator, k.denominator))
        assert sympy.simplify(sympy.nsimplify(got) - expected) == 0, (lhs, k, got)
        approx = Evaluator(FloatBackend(), {}).eval(entry(lhs, **CHI).lhs, {"k": float(k)})
        assert float(approx) == pytest.approx(float(expected), rel=1e-12)


def test_a_chi_moment_that_is_infinite_is_refused() -> None:
    with pytest.raises(EvaluationError, match="infinite"):
        value(entry("E(c ** -4)", **CHI), {"k": Fraction(3)}, {})


def test_a_chi_ratio_with_a_zero_mean_factor_needs_no_odd_moment() -> None:
    # E(b/c) = E(b) E(1/c) = 0: the odd chi moment is never taken
    spec = {**CHI, "b": ([], "normal", "z", "one"), "z": [], "one": []}
    assert value(entry("E(b / c)", **spec), {"k": Fraction(5), "z": Fraction(0), "one": Fraction(1)}, {}) == 0


@pytest.mark.parametrize("lhs", ["E(1 / x[0])", "E(x[0] ** -2)", "E(1 / (c + 1))", "E(c ** (1 / 2))"])
def test_division_by_what_is_not_a_product_of_chi_variables_is_refused(lhs: str) -> None:
    with pytest.raises(CatalogueError, match=r"not polynomial|exponent|integer"):
        entry(lhs.replace("x[0]", "entry(x, 1, 1)"), **NORMAL, **CHI)


def test_a_chi_variable_must_be_a_scalar_with_scalar_degrees_of_freedom() -> None:
    with pytest.raises(CatalogueError, match="a chi variable is a positive scalar"):
        entry("E(c)", c=(["n"], "chi", "k", None), k=[])
    with pytest.raises(CatalogueError, match="the number of degrees of freedom is"):
        entry("E(c)", c=([], "chi", "k", None), k=["n"])
