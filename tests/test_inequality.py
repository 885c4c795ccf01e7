"""Norms against NumPy, and inequalities: random points, the adversarial search, honest strength."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.errors import NotExact
from identity_book.expr.latex import to_latex
from identity_book.expr.nodes import ONE
from identity_book.expr.parser import Scope, parse
from identity_book.expr.text import to_text
from identity_book.verdict import verdict
from identity_book.verify.checks import Settings
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend
from identity_book.verify.precise import PreciseBackend, _mp
from identity_book.verify.prover.level import prover_check
from identity_book.verify.results import Result, Status, Strength
from identity_book.verify.runner import verify_identity

ROOT = Path(__file__).resolve().parents[1]
CASES = load_catalogue(ROOT / "tests" / "data" / "inequalities")
SETTINGS = Settings()

M, N = sympy.Integer(3), sympy.Integer(4)
SCOPE = Scope({"A": (M, N), "S": (N, N), "x": (N, ONE)})
NUMPY = {
    "norm(A, 1)": lambda a, s, x: np.linalg.norm(a, 1),
    "norm(A, 2)": lambda a, s, x: np.linalg.norm(a, 2),
    "norm(A, inf)": lambda a, s, x: np.linalg.norm(a, np.inf),
    "norm(A, 'fro')": lambda a, s, x: np.linalg.norm(a, "fro"),
    "norm(A, 'nuc')": lambda a, s, x: np.linalg.norm(a, "nuc"),
    "norm(A, 'max')": lambda a, s, x: np.max(np.abs(a)),
    "norm(x, 1)": lambda a, s, x: np.linalg.norm(x.ravel(), 1),
    "norm(x, 2)": lambda a, s, x: np.linalg.norm(x.ravel(), 2),
    "norm(x, inf)": lambda a, s, x: np.linalg.norm(x.ravel(), np.inf),
    "norm(x.T, 1)": lambda a, s, x: np.linalg.norm(x.T, 1),
    "cond(S)": lambda a, s, x: np.linalg.cond(s),
    "cond(A)": lambda a, s, x: np.linalg.cond(a),
    "entry(svdvals(S), 1)": lambda a, s, x: np.linalg.svd(s, compute_uv=False)[0],
    "entry(svdvals(S), 4)": lambda a, s, x: np.linalg.svd(s, compute_uv=False)[3],
}
EXACT_ORDERS = ("norm(A, 1)", "norm(A, inf)", "norm(A, 'fro')", "norm(A, 'max')", "norm(x, 1)", "norm(x, inf)")


def _point(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal((4, 1))


@pytest.mark.parametrize("text", list(NUMPY))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_norms_agree_with_numpy_in_double_and_50_digit_precision(text: str, seed: int) -> None:
    a, s, x = _point(seed)
    node = parse(text, SCOPE)
    expected = NUMPY[text](a, s, x)
    value = Evaluator(FloatBackend(), {}).eval(node, {"A": a, "S": s, "x": x})
    assert float(value) == pytest.approx(expected, rel=1e-12)
    mp = {k: np.vectorize(_mp.mpf, otypes=[object])(v) for k, v in {"A": a, "S": s, "x": x}.items()}
    precise = Evaluator(PreciseBackend(), {}).eval(node, mp)
    assert float(precise) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", EXACT_ORDERS)
def test_exact_norms_are_exact_and_agree_with_numpy(text: str) -> None:
    rng = np.random.default_rng(7)
    a = rng.integers(-3, 4, size=(3, 4))
    a[0, 0] = 0  # |0| = 0 exactly (abs() itself refuses 0, where it has no derivative)
    x = rng.integers(-3, 4, size=(4, 1))
    env = {k: np.vectorize(Fraction, otypes=[object])(v) for k, v in {"A": a, "x": x}.items()}
    value = Evaluator(ExactBackend(), {}).eval(parse(text, SCOPE), env)
    assert float(value) == pytest.approx(NUMPY[text](a.astype(float), None, x.astype(float)), rel=1e-14)
    if "fro" not in text:
        assert isinstance(value, Fraction)


@pytest.mark.parametrize("text", ["norm(A, 2)", "norm(A, 'nuc')", "cond(S)", "svdvals(S)"])
def test_singular_value_norms_are_not_exact(text: str) -> None:
    env = {"A": np.full((3, 4), Fraction(1), dtype=object), "S": np.full((4, 4), Fraction(1), dtype=object)}
    with pytest.raises(NotExact, match="singular values"):
        Evaluator(ExactBackend(), {}).eval(parse(text, SCOPE), env)


def test_norms_print_and_read_back() -> None:
    assert to_latex(parse("norm(A, 1)", SCOPE)) == r"\left\|\mathbf{A}\right\|_{1}"
    assert to_latex(parse("norm(A, inf)", SCOPE)) == r"\left\|\mathbf{A}\right\|_{\infty}"
    assert to_latex(parse("norm(A, 'max')", SCOPE)) == r"\left\|\mathbf{A}\right\|_{\max}"
    assert to_latex(parse("norm(A, 'nuc')", SCOPE)) == r"\left\|\mathbf{A}\right\|_{*}"
    assert to_latex(parse("norm(A, 'fro')", SCOPE)) == r"\left\|\mathbf{A}\right\|_F"
    assert to_latex(parse("cond(S)", SCOPE)) == r"\kappa\left(\mathbf{S}\right)"
    for text in ("norm(A, 1)", "norm(A, 2)", "norm(A, inf)", "norm(A, 'nuc')", "norm(A, 'max')", "cond(A)"):
        assert to_text(parse(text, SCOPE)) == text
    # the Euclidean norm of a vector is norm(x): one meaning, one node
    assert parse("norm(x, 2)", SCOPE).op == parse("norm(x)", SCOPE).op == parse("norm(x, 'fro')", SCOPE).op


EXPECTED = {
    "norm1-triangle": "checked",
    "hadamard-spd": "checked",
    "hadamard-diagonal-tight": "checked",
    "spd-det-positive": "checked",
    "spectral-below-frobenius": "checked",
    "euclid-below-norm1-tight": "checked",
    "euclid-below-norm1-strict-false": "refuted",
    "hadamard-with-slack-false": "refuted",
    "spectral-well-below-frobenius-false": "refuted",
    "trace-product-generic-false": "refuted",
    "norm-table-one-percent-tight-false": "refuted",
    "trace-product-psd-one-percent-false": "refuted",
    "psd-smallest-eigenvalue-singular": "checked",
    "rank-of-product-at-least-rank-of-first-factor": "refuted",
    "sylvester-rank-inequality": "checked",
}


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return {i.id: verify_identity(i, SETTINGS) for i in CASES}


def test_every_case_has_an_expected_outcome() -> None:
    assert {i.id for i in CASES} == set(EXPECTED)


@pytest.mark.parametrize("identity_id", list(EXPECTED))
def test_inequality_outcomes(identity_id: str, results: dict[str, Result]) -> None:
    result = results[identity_id]
    if EXPECTED[identity_id] == "checked":
        assert result.status == Status.VERIFIED, result.message
        assert result.strength == Strength.CHECKED  # never proved: nothing proves inequalities yet
        assert result.checks["prover"].outcome == "skipped"
    else:
        assert result.status == Status.REFUTED
        assert result.counterexample is not None


@pytest.mark.parametrize(
    "identity_id",
    [
        "hadamard-with-slack-false",
        "spectral-well-below-frobenius-false",
        "norm-table-one-percent-tight-false",
        "trace-product-psd-one-percent-false",
    ],
)
def test_the_search_finds_what_random_points_miss(identity_id: str, results: dict[str, Result]) -> None:
    result = results[identity_id]
    assert result.checks["numeric"].outcome == "passed"
    assert result.checks["search"].outcome == "failed"


def test_a_strict_inequality_fails_at_equality_with_an_exact_small_counterexample(
    results: dict[str, Result],
) -> None:
    found = results["euclid-below-norm1-strict-false"].counterexample
    assert found is not None and found.exact
    assert found.lhs == found.rhs  # ‖x‖₂ = ‖x‖₁ at a multiple of a unit vector
    entries = [Fraction(str(v)) for row in found.values["x"] for v in row]
    assert sum(1 for v in entries if v != 0) == 1


def test_a_tight_inequality_reports_its_attained_bound(results: dict[str, Result]) -> None:
    detail = results["hadamard-diagonal-tight"].checks["search"].detail or ""
    assert "tight" in detail


def test_the_checked_strength_says_what_was_done_and_not_proved(results: dict[str, Result]) -> None:
    result = results["hadamard-spd"]
    v = verdict(result)
    assert v.verified and v.category == "checked"
    assert "not proved" in v.headline and "random points" in v.headline and "optimisation starts" in v.headline
    assert "not proved" in v.short
    assert Result.from_json(result.to_json()).strength == Strength.CHECKED


def test_the_relation_is_part_of_the_content_hash_only_for_inequalities() -> None:
    ident = CASES.get("norm1-triangle")
    assert ident is not None and ident.content()["relation"] == "<="
    assert all("relation" not in i.content() for i in load_catalogue(ROOT / "tests" / "data" / "cases"))


@pytest.mark.parametrize(
    "lhs, rhs, true",
    [
        ("norm(A.T, 1)", "norm(A, 1)", False),
        ("norm(A.T, inf)", "norm(A, 1)", True),
        ("norm(A, 2)", "norm(A)", False),
        ("norm(A, 'max')", "norm(A, 1)", False),
        ("cond(A.T)", "cond(A)", True),
    ],
)
def test_the_prover_does_not_prove_statements_about_these_norms(lhs: str, rhs: str, true: bool) -> None:
    from dataclasses import replace

    base = CASES.get("spectral-below-frobenius")
    assert base is not None
    ident = replace(base, id=f"prover-{abs(hash(lhs + rhs))}", lhs=lhs, rhs=rhs, relation="==")
    level, certificate = prover_check(compile_identity(ident))
    assert certificate is None and level.outcome != "passed"
    result = verify_identity(ident, SETTINGS)
    assert result.status == (Status.VERIFIED if true else Status.REFUTED)
    assert result.strength != Strength.PROVED


def test_every_output_prints_the_relation() -> None:
    from identity_book.cite import statement_latex
    from identity_book.handbook import mathtex

    ident = CASES.get("hadamard-spd")
    assert ident is not None
    c = compile_identity(ident)
    assert r"\le" in str(mathtex.statement(c)) and r"\le" in mathtex.plain_statement(c)
    assert r"\le" in statement_latex(ident)
    assert ident.statement.startswith("det(S) <= ")
    strict = CASES.get("spd-det-positive")
    assert strict is not None and " > " in mathtex.plain_statement(compile_identity(strict))


def test_a_refuted_inequality_says_a_point_violates_it(results: dict[str, Result]) -> None:
    v = verdict(results["trace-product-generic-false"])
    assert v.state == "refuted" and "violates the inequality" in v.headline
