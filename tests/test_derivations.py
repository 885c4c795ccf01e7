"""Derivations: written steps checked one by one, generated steps for derivative identities."""

from __future__ import annotations

from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.verify.checks import Settings
from identity_book.verify.generator import derivation_steps
from identity_book.verify.runner import verify_many

SEED_000 = """identities:
  - id: frobenius-chain
    title: ∂‖XᵀW‖²_F/∂W = 2XY with Y = XᵀW
    variables: {{X: {{shape: [m, n]}}, W: {{shape: [m, p]}}}}
    lhs: grad(inner(X.T @ W, X.T @ W), W)
    rhs: 2 * X @ X.T @ W
    derivation:
      - step: 2 * inner(X.T @ W, d(X.T @ W))
        because: product rule, symmetry of ':'
      - step: {step2}
        because: Y = XᵀW, X constant
      - step: {step3}
        because: A:BC = BᵀA:C
      - identify: {identify}
"""
GOOD = {
    "step2": "2 * inner(X.T @ W, X.T @ d(W))",
    "step3": "2 * inner(X @ X.T @ W, d(W))",
    "identify": "2 * X @ X.T @ W",
}


def _verify(tmp_path: Path, **steps: str):  # type: ignore[no-untyped-def]
    (tmp_path / "seed.yaml").write_text(SEED_000.format(**{**GOOD, **steps}))
    (result,) = verify_many(load_catalogue(tmp_path).identities, Settings())
    return result


def test_the_seed_derivation_verifies(tmp_path: Path) -> None:
    result = _verify(tmp_path)
    assert result.status == "verified"
    assert result.derivation is not None and result.derivation.source == "written"
    assert [s.outcome for s in result.derivation.steps] == ["passed"] * 4


@pytest.mark.parametrize(
    ("steps", "number"),
    [
        ({"step2": "-2 * inner(X.T @ W, X.T @ d(W))"}, 2),  # sign
        ({"step2": "2 * inner(X.T @ W, X @ d(W).T)"}, 2),  # missing transpose (square only)
        ({"step3": "2 * inner(X.T @ X @ W, d(W))"}, 3),  # wrong cyclic move
        ({"identify": "X @ X.T @ W"}, 4),  # factor of 2 lost when reading off G
    ],
)
def test_a_wrong_step_is_rejected_with_its_number(tmp_path: Path, steps: dict[str, str], number: int) -> None:
    text = SEED_000
    if "X @ d(W).T" in steps.get("step2", "") or "X.T @ X @ W" in steps.get("step3", ""):
        text = text.replace("[m, n]", "[m, m]").replace("[m, p]", "[m, m]")
    (tmp_path / "seed.yaml").write_text(text.format(**{**GOOD, **steps}))
    (result,) = verify_many(load_catalogue(tmp_path).identities, Settings())
    assert result.status == "refuted"
    assert result.message.startswith(f"derivation step {number} ")
    assert result.counterexample is not None
    assert result.counterexample.lhs != result.counterexample.rhs


def _write_entry(folder: Path, variables: str, lhs: str, rhs: str, extra: str = "") -> None:
    """One identity ``g`` with variables written as ``"A: [p, m], x: [m]"``."""
    specs = ""
    for part in variables.replace("], ", "]|").split("|"):
        name, shape = part.split(": ")
        specs += f"      {name}: {{shape: {shape}}}\n"
    (folder / "g.yaml").write_text(
        f"identities:\n  - id: g\n    title: G\n    variables:\n{specs}    lhs: {lhs}\n    rhs: {rhs}\n{extra}"
    )


@pytest.mark.parametrize(
    ("variables", "lhs", "rhs"),
    [
        ("A: [p, m], X: [m, n], B: [n, p]", "grad(tr(A @ X @ B), X)", "A.T @ B.T"),
        ("X: [m, n]", "grad(logdet(X.T @ X), X)", "2 * X @ inv(X.T @ X)"),
        ("A: [p, m], x: [m], b: [p]", "grad(norm(A @ x - b) ** 2, x)", "2 * A.T @ (A @ x - b)"),
        ("A: [p, m], X: [m, n], B: [n, q]", "jacobian(A @ X @ B, X)", "kron(B.T, A)"),
        ("X: [n, n]", "grad(det(X), X)", "det(X) * inv(X).T"),
        ("X: [n, n], A: [n, n]", "grad(tr(inv(X) @ A), X)", "-(inv(X) @ A @ inv(X)).T"),
        ("X: [m, n]", "jacobian(X.T, X)", "K(m, n)"),
        ("A: [p, p], X: [n, n]", "grad(tr(kron(A, X)), X)", "tr(A) * I(n)"),
    ],
)
def test_generated_derivations_verify(tmp_path: Path, variables: str, lhs: str, rhs: str) -> None:
    constraint = "    constraints: ['m > n']\n" if "X.T @ X" in lhs else ""
    _write_entry(tmp_path, variables, lhs, rhs, constraint)
    catalogue = load_catalogue(tmp_path)
    assert derivation_steps(compile_identity(catalogue.identities[0]).lhs)  # raises where no rule applies
    (result,) = verify_many(catalogue.identities, Settings())
    assert result.status == "verified", result.message
    assert result.derivation is not None and result.derivation.source == "generated"
    assert result.derivation.outcome == "passed"
    assert result.derivation.steps[-1].kind == "identify"


def test_a_generated_derivation_stands_beside_a_written_one(tmp_path: Path) -> None:
    result = _verify(tmp_path)
    assert result.derivation is not None and result.derivation.source == "written"
    generated = result.generated_derivation
    assert generated is not None and generated.source == "generated" and generated.outcome == "passed"
    assert generated.steps[-1].kind == "identify"


@pytest.mark.parametrize(
    ("variables", "lhs", "rhs"),
    [
        ("A: [n, n], x: [n]", "hess(x.T @ A @ x, x)", "A + A.T"),
        ("A: [p, n], x: [n], b: [p]", "hess(norm(A @ x - b) ** 2, x)", "2 * A.T @ A"),
        ("A: [p, m], X: [m, n], B: [n, q]", "hess_vec(norm(A @ X @ B) ** 2, X)", "2 * kron(B @ B.T, A.T @ A)"),
    ],
)
def test_hessians_get_a_derivation_through_the_gradient(tmp_path: Path, variables: str, lhs: str, rhs: str) -> None:
    _write_entry(tmp_path, variables, lhs, rhs)
    (result,) = verify_many(load_catalogue(tmp_path).identities, Settings())
    assert result.status == "verified", result.message
    assert result.derivation is not None and result.derivation.outcome == "passed", result.derivation
    assert result.derivation.steps[0].expr.startswith("d(")
