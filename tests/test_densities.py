"""Densities, Γ and the constants π and e: values against SciPy (an independent oracle), exact
values, printing, argument errors, and that the prover proves nothing that contains them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import scipy.special
import scipy.stats as st
import sympy

from identity_book.errors import ExpressionError
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.expr.text import to_text
from identity_book.verify.checks import Settings, exact_check, numeric_check
from identity_book.verify.evaluate import EvaluationError, Evaluator, ExactBackend, FloatBackend
from identity_book.verify.precise import PreciseBackend
from identity_book.verify.prover.prove import prove
from tests.test_prover import entry

N = dim_symbol("n")
SCOPE = Scope(
    {"x": (N, sympy.Integer(1)), "m": (N, sympy.Integer(1)), "S": (N, N), "M": (N, N), "nu": None, "s": None},
    frozenset({"n"}),
)


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    b = rng.normal(size=(n, n))
    return b @ b.T + np.eye(n)


def _value(text: str, env: dict[str, Any], n: int, backend: Any = None) -> Any:
    return Evaluator(backend or FloatBackend(), {"n": n}).eval(parse(text, SCOPE), env)


@pytest.mark.parametrize("n", [1, 2, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_densities_agree_with_scipy(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    s, big = _spd(rng, n), _spd(rng, n)
    x, m = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    nu = n + 1.5 + rng.uniform()
    env = {"x": x, "m": m, "S": s, "M": big, "nu": nu}
    cases = {
        "normal_pdf(x, m, S)": st.multivariate_normal(m.ravel(), s).pdf(x.ravel()),
        "student_t_pdf(x, m, S, nu)": st.multivariate_t(m.ravel(), s, df=nu).pdf(x.ravel()),
        "wishart_pdf(M, S, nu)": st.wishart(df=nu, scale=s).pdf(big),
        "inv_wishart_pdf(M, S, nu)": st.invwishart(df=nu, scale=s).pdf(big),
    }
    for text, expected in cases.items():
        assert _value(text, env, n) == pytest.approx(float(expected), rel=1e-10), text


def test_the_dirichlet_density_agrees_with_scipy() -> None:
    alpha = np.array([[1.5], [2.0], [0.7]])
    point = np.array([[0.2], [0.5], [0.3]])
    got = _value("dirichlet_pdf(x, m)", {"x": point, "m": alpha}, 3)
    assert got == pytest.approx(st.dirichlet(alpha.ravel()).pdf(point.ravel()), rel=1e-12)


def test_the_multinomial_probability_agrees_with_scipy() -> None:
    counts = np.array([[2.0], [0.0], [3.0]])
    probabilities = np.array([[0.2], [0.5], [0.3]])
    got = _value("multinomial_pmf(x, m)", {"x": counts, "m": probabilities}, 3)
    assert got == pytest.approx(st.multinomial(5, probabilities.ravel()).pmf(counts.ravel()), rel=1e-12)


def test_the_scalar_normal_density_takes_the_variance() -> None:
    got = _value("normal_pdf(nu, s, 4)", {"nu": 1.0, "s": 0.5}, 1)
    assert got == pytest.approx(st.norm(0.5, 2.0).pdf(1.0), rel=1e-12)


def test_exact_values_are_sympy_numbers_equal_to_the_floating_ones() -> None:
    f = np.array
    env: dict[str, Any] = {
        "x": f([[Fraction(1)], [Fraction(2)]], dtype=object),
        "m": f([[Fraction(0)], [Fraction(1)]], dtype=object),
        "S": f([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(2)]], dtype=object),
        "M": f([[Fraction(3), Fraction(1)], [Fraction(1), Fraction(1)]], dtype=object),
        "nu": Fraction(7, 2),
    }
    floats = {k: np.asarray(v, dtype=float) if isinstance(v, np.ndarray) else float(v) for k, v in env.items()}
    for text in ("normal_pdf(x, m, S)", "student_t_pdf(x, m, S, nu)", "wishart_pdf(M, S, nu)"):
        exact = _value(text, env, 2, ExactBackend())
        assert isinstance(exact, sympy.Expr) and exact.has(sympy.pi), text
        assert float(exact) == pytest.approx(_value(text, floats, 2), rel=1e-12), text
    assert _value("normal_pdf(x, m, S)", env, 2, ExactBackend()) == sympy.sqrt(3) * sympy.exp(sympy.Rational(-1, 3)) / (
        6 * sympy.pi
    )


def test_gamma_is_exact_at_integers_and_half_integers_and_refuses_non_positive_arguments() -> None:
    exact = ExactBackend()
    assert exact.gamma(Fraction(5)) == 24
    assert exact.gamma(Fraction(1, 2)) == sympy.sqrt(sympy.pi)
    assert FloatBackend().gamma(3.7) == pytest.approx(float(scipy.special.gamma(3.7)))
    assert float(PreciseBackend().gamma(3.7)) == pytest.approx(float(scipy.special.gamma(3.7)))
    for backend in (exact, FloatBackend(), PreciseBackend()):
        with pytest.raises(EvaluationError):
            backend.gamma(Fraction(0) if backend is exact else 0.0)
        with pytest.raises(EvaluationError):
            backend.gamma(Fraction(500) if backend is exact else 500.0)


def test_pi_and_e_are_constants_unless_a_variable_takes_the_name() -> None:
    assert parse("pi", SCOPE).op == "pi"
    assert parse("e", SCOPE).op == "euler"
    assert parse("e(1, n)", SCOPE).op == "e"  # the unit vector is still a call
    with_e = Scope({**SCOPE.shapes, "e": None}, SCOPE.integers)
    assert parse("e", with_e).op == "var"
    assert _value("log(e) + pi", {}, 1) == pytest.approx(1 + np.pi)


def test_printing_shows_the_density_as_written() -> None:
    node = parse("normal_pdf(x, m, S) * gamma(nu / 2) * e ** pi", SCOPE)
    assert to_latex(node) == (
        r"\mathcal{N}\left(\mathbf{x} \mid \mathbf{m}, \mathbf{S}\right) "
        r"\Gamma\left(\frac{\nu}{2}\right) \mathrm{e}^{\pi}"
    )
    assert to_text(node) == "normal_pdf(x, m, S) * gamma(nu / 2) * e ** pi"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("normal_pdf(x, S, S)", "the location must have the shape of the point", 14),
        ("normal_pdf(x, m, x)", "the scale matrix must be n×n", 17),
        ("normal_pdf(S, m, S)", "needs a column vector", 11),
        ("student_t_pdf(x, m, S, x)", "the degrees of freedom must be a scalar", 23),
        ("wishart_pdf(x, S, nu)", "the point must be a square matrix", 12),
        ("dirichlet_pdf(x, S)", "must have the shape of x", 17),
        ("1 + gamma(S)", "the argument must be a scalar", 10),
        ("normal_pdf(x, m)", "takes 3 argument(s)", 0),
    ],
)
def test_malformed_densities_are_errors_at_the_argument(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        parse(text, SCOPE)
    assert info.value.offset == column


FAST = Settings(numeric_sizes=2, numeric_points=1, exact_sizes=2, exact_points=1)


def test_a_true_density_identity_is_exact_and_not_proved_by_the_prover() -> None:
    c = entry(
        "normal_pdf(x, m, S)",
        "exp(-(x - m).T @ inv(S) @ (x - m) / 2) / sqrt(det(2 * pi * S))",
        x=["n"],
        m=["n"],
        S=(["n", "n"], ["spd"]),
    )
    assert numeric_check(c, FAST).outcome == "passed"
    assert exact_check(c, FAST).outcome == "passed"
    assert not prove(c).proved


@pytest.mark.parametrize(
    "rhs",
    [
        "exp(-(x - m).T @ inv(S) @ (x - m) / 2) / sqrt(det(pi * S))",  # 2π → π
        "exp(-(x - m).T @ inv(S) @ (x - m)) / sqrt(det(2 * pi * S))",  # the ½ in the exponent lost
        "normal_pdf(x, m, 2 * S)",
        "normal_pdf(m, x, S) * e",
    ],
)
def test_false_density_identities_are_refuted_and_never_proved(rhs: str) -> None:
    c = entry("normal_pdf(x, m, S)", rhs, x=["n"], m=["n"], S=(["n", "n"], ["spd"]))
    assert not prove(c).proved
    assert "failed" in (numeric_check(c, FAST).outcome, exact_check(c, FAST).outcome)


def test_the_prover_refuses_gamma_and_pi_even_where_a_rule_would_look_plausible() -> None:
    for lhs, rhs in (("gamma(s + 1)", "s * gamma(s)"), ("gamma(s + 1)", "gamma(s)"), ("pi * s", "s * pi")):
        assert not prove(entry(lhs, rhs, s=[])).proved
