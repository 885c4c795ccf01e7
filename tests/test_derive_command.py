"""``identity-book derive``: generated derivations, every step checked, and the ready entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from identity_book.catalogue.var_option import parse_var
from identity_book.cli import main
from identity_book.ondemand.derivative import MissingRule, derive

# expression, --wrt, --var, --kind, expected result, a rule the steps must use
CASES = [
    ("tr(A @ X @ B)", "X", ["A: [p, m]", "X: [m, n]", "B: [n, p]"], "grad", "A.T @ B.T", "cyclic property"),
    ("norm(X.T @ W) ** 2", "W", ["X: [m, n]", "W: [m, p]"], "grad", "2 * (X @ X.T @ W)", "‖v‖² = v : v"),
    ("logdet(X)", "X", ["X: {shape: [n, n], properties: [spd]}"], "grad", "inv(X).T", "d log det(M)"),
    ("A @ X @ B", "X", ["A: [p, m]", "X: [m, n]", "B: [n, q]"], "jacobian", "kron(B.T, A)", "vec(A dX B)"),
    ("x.T @ A @ x", "x", ["x: [n]", "A: [n, n]"], "hess", "A + A.T", "differentiate the gradient"),
    ("tr(sinm(X))", "X", ["X: [n, n]"], "grad", "cosm(X).T", "d tr(sin M) = tr(cos(M) dM)"),
    ("tr(cosm(A @ X))", "X", ["A: [n, n]", "X: [n, n]"], "grad", "-A.T @ sinm(A @ X).T", "d tr(cos M)"),
    ("tr(expm(X.T @ A))", "X", ["A: [n, n]", "X: [n, n]"], "grad", "A @ expm(X.T @ A)", "d tr(exp M)"),
    ("sin(a.T @ X @ b)", "X", ["a: [m]", "X: [m, n]", "b: [n]"], "grad", "cos(a.T @ X @ b) * (a @ b.T)", "d sin s"),
    ("cos(x.T @ x)", "x", ["x: [n]"], "grad", "-2 * (sin(x.T @ x) * x)", "d cos s = −sin s ds"),
]


@pytest.mark.parametrize(("expr", "wrt", "var", "kind", "result", "rule"), CASES)
def test_derivations_are_checked_step_by_step(
    expr: str, wrt: str, var: list[str], kind: str, result: str, rule: str
) -> None:
    d = derive(expr, wrt, [parse_var(v) for v in var], kind)
    assert d.identity.rhs == result
    assert d.checked and d.result.status == "verified"
    assert [s.outcome for s in d.steps] == ["passed"] * len(d.steps)
    assert d.steps[-1].kind == "identify"
    assert any(rule in (s.because or "") for s in d.steps)


def test_missing_rule_is_named_not_guessed() -> None:
    with pytest.raises(MissingRule) as err:
        derive("tr(X @ expm(X))", "X", [parse_var("X: [n, n]")])
    assert "no differentiation rule for expm() (in expm(X))" in str(err.value)


def test_the_ready_entry_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["derive", "tr(A @ X @ B)", "--wrt", "X", "--var", "A: [p, m]", "--var", "X: [m, n]", "--var", "B: [n, p]"]
    assert main([*args, "--format", "yaml"]) == 0
    entry = capsys.readouterr().out
    folder = tmp_path / "identities" / "01-derived"
    folder.mkdir(parents=True)
    (folder / "derived.yaml").write_text(entry)
    assert main(["verify", str(tmp_path / "identities"), "--no-cache"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "    d(tr(A @ X @ B))\n  = tr(d(A @ X @ B))" in text
    assert "⇒ grad(tr(A @ X @ B), X) = A.T @ B.T" in text and "✓ checked" in text
    assert "Result: grad(tr(A @ X @ B), X) = A.T @ B.T" in text
    assert main([*args, "--format", "latex"]) == 0
    assert "\\begin{aligned}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tr(X @ expm(X))", "--wrt", "X", "--var", "X: [n, n]"], 1, "no differentiation rule for expm()"),
        (["tr(A @ X)", "--wrt", "X", "--var", "X: [n, n]"], 2, "column 4 of the expression: unknown symbol 'A'"),
        (["tr(X)", "--wrt", "Y", "--var", "X: [n, n]"], 2, "Y is not declared"),
        (["X @ X", "--wrt", "X", "--var", "X: [n, n]"], 2, "grad() differentiates a scalar"),
        (["tr(X)", "--wrt", "X", "--var", "X [n]"], 2, "write NAME: [dims]"),
    ],
)
def test_bad_requests(args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", *args]) == code
    assert message in capsys.readouterr().err
