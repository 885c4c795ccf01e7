"""Unit tests of the expression language: accepted forms, shapes, and errors with columns."""

from __future__ import annotations

import pytest
import sympy

from identity_book.errors import ExpressionError, LimitError
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse

m, n, p = (dim_symbol(x) for x in "mnp")
ONE = sympy.Integer(1)
SCOPE = Scope(
    {"A": (p, m), "X": (m, n), "B": (n, p), "S": (n, n), "x": (n, ONE), "c": None},
    frozenset({"m", "n", "p", "k"}),
)


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("A @ X @ B", (p, p)),
        ("tr(A @ X @ B)", None),
        ("grad(tr(A @ X @ B), X)", (m, n)),
        ("A.T @ B.T", (m, n)),
        ("jacobian(A @ X @ B, X)", (p * p, m * n)),
        ("kron(B.T, A)", (p * p, n * m)),
        ("K(m, n) @ vec(X)", (m * n, ONE)),
        ("vec(X.T)", (n * m, ONE)),
        ("x.T @ S @ x", (ONE, ONE)),
        ("hess(x.T @ S @ x, x)", (n, n)),
        ("hess_vec(tr(X.T @ X), X)", (m * n, m * n)),
        ("det(c * S)", None),
        ("c ** n * det(S)", None),
        ("sum(mpow(S, r) for r in range(0, k))", (n, n)),
        ("inner(X, X) + norm(x) ** 2", None),
        ("hadamard(X, X) * 2 - X * X", (m, n)),
        ("outer(x, x) + diag(x) + I(n) + zeros(n, n) + ones(n, n)", (n, n)),
        ("diag(S)", (n, ONE)),
        ("grad_sym(tr(S @ S), S) + grad_distinct(logdet(S), S)", (n, n)),
        ("logabsdet(S) + log(c) + exp(c) + sqrt(abs(c))", None),
        ("expm(S) @ logm(S) @ pinv(S) @ inv(S)", (n, n)),
        ("-S + +S", (n, n)),
        ("1.5 * S / 3", (n, n)),
    ],
)
def test_accepted_forms_and_shapes(text: str, shape: tuple[sympy.Expr, sympy.Expr] | None) -> None:
    node = parse(text, SCOPE)
    if shape is None:
        assert node.shape is None or node.shape == (ONE, ONE)
    else:
        assert node.shape is not None
        assert sympy.expand(node.shape[0] - shape[0]) == 0
        assert sympy.expand(node.shape[1] - shape[1]) == 0


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("A @ B", "inner dimensions do not conform", 2),
        ("X + B", "cannot add", 2),
        ("tr(X)", "needs a square matrix", 3),
        ("Q @ X", "unknown symbol 'Q'", 0),
        ("foo(X)", "unknown function 'foo'", 0),
        ("X.shape", "attribute 'shape' is not allowed", 0),
        ("X[0]", "indexing is not allowed", 0),
        ("lambda: 1", "lambda is not allowed", 0),
        ("S ** 2", "scalar power", 2),
        ("grad(X, X)", "differentiates a scalar", 5),
        ("grad(tr(S), 2 * S)", "with respect to a variable", 12),
        ("d(S)", "only allowed in derivation steps", 0),
        ("'text'", "is not a real number", 0),
        ("True", "is not a real number", 0),
        ("S @ @ S", "syntax error", 4),
        ("tr(S", "was never closed", 2),
        ("tr(S, S)", "takes 1 argument", 0),
        ("inv(S, k=1)", "keyword arguments", 7),
        ("__import__('os')", "unknown function '__import__'", 0),
        ("sum(S for r in [1, 2])", "sum() takes one generator", 3),
    ],
)
def test_errors_point_at_the_column(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text, SCOPE)
    assert message in info.value.message
    assert info.value.offset == column


@pytest.mark.parametrize(
    "text",
    [
        "mpow(S, 10**9)",
        "9**9**9**9",
        "c ** 100000",
        "sum(S for r in range(0, 10**9))",
        "sum(S for r in range(0, 100000))",
        "(" * 500 + "c" + ")" * 500,
        "-" * 3000 + "c",
        "c" + " + c" * 2000,
        "I(1000000)",
    ],
)
def test_hostile_expressions_are_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text, SCOPE)


def test_limit_errors_are_expression_errors() -> None:
    assert issubclass(LimitError, ExpressionError)


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("A.T @ B.T", r"\mathbf{A}^{\top} \mathbf{B}^{\top}"),
        ("tr(A @ X @ B)", r"\operatorname{tr}\left(\mathbf{A} \mathbf{X} \mathbf{B}\right)"),
        ("inv(S).T", r"\left(\mathbf{S}^{-1}\right)^{\top}"),
        ("mpow(S.T, 2)", r"\left(\mathbf{S}^{\top}\right)^{2}"),
        ("kron(B.T, A)", r"\mathbf{B}^{\top} \otimes \mathbf{A}"),
        ("c ** n * det(S)", r"c^{n} \det\left(\mathbf{S}\right)"),
        ("(S + S).T", r"\left(\mathbf{S} + \mathbf{S}\right)^{\top}"),
        ("-(S - S)", r"-\left(\mathbf{S} - \mathbf{S}\right)"),
    ],
)
def test_latex_is_generated_from_the_tree(text: str, latex: str) -> None:
    assert to_latex(parse(text, SCOPE)) == latex


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("d(X)", r"\mathinner{\mathrm{d}\mathbf{X}}"),
        ("A @ d(X) @ B", r"\mathbf{A} \mathinner{\mathrm{d}\mathbf{X}} \mathbf{B}"),
        ("d(X).T @ A.T", r"\mathinner{\mathrm{d}\mathbf{X}}^{\top} \mathbf{A}^{\top}"),
        ("d(tr(A @ X @ B))", r"\mathinner{\mathrm{d}\operatorname{tr}\left(\mathbf{A} \mathbf{X} \mathbf{B}\right)}"),
        ("d(logdet(S))", r"\mathinner{\mathrm{d}\log\det\left(\mathbf{S}\right)}"),
        ("d(inv(S))", r"\mathinner{\mathrm{d}\!\left(\mathbf{S}^{-1}\right)}"),
        ("inner(S, d(S))", r"\mathbf{S} : \mathinner{\mathrm{d}\mathbf{S}}"),
    ],
)
def test_differentials_are_upright_with_a_thin_space(text: str, latex: str) -> None:
    """``d`` is upright and an inner atom: TeX spaces it from a neighbouring factor (A dX B)."""
    scope = Scope(SCOPE.shapes, SCOPE.integers, differentials=True)
    assert to_latex(parse(text, scope)) == latex


@pytest.mark.parametrize(
    "text",
    [
        "1 / (x.T @ S @ x)",
        "(2 * S) @ S - 2 * (S @ S)",
        "hadamard(S, S @ S) + S * (S @ S)",
        "inv(S).T @ (S + S).T - (-S) @ S",
        "c ** (n - 1) * det(S) / (c + 1)",
        "sum(mpow(S, r) for r in range(0, k)) @ kron(x, x.T)",
        "inner(S, d(S)) + tr(d(S).T @ S)",
    ],
)
def test_text_round_trips_through_the_parser(text: str) -> None:
    from identity_book.expr.text import to_text

    scope = Scope(SCOPE.shapes, SCOPE.integers, differentials=True)
    node = parse(text, scope)
    again = parse(to_text(node), scope)
    assert to_text(again) == to_text(node)
    assert to_latex(again) == to_latex(node)


@pytest.mark.parametrize(
    ("lhs", "rhs", "proved"),
    [
        ("(A @ X).T", "X.T @ A.T", True),
        ("inv(S @ S.T)", "inv(S.T) @ inv(S)", True),
        ("det(c * S)", "c ** n * det(S)", True),
        ("(A @ X).T", "A.T @ X.T @ I(m) * 0 + X.T @ A.T", False),  # shapes differ: not translated as equal
        ("S @ S.T", "S.T @ S", False),
        ("det(S + S.T)", "det(S) + det(S.T)", False),
        ("grad(tr(S), S)", "I(n)", False),  # derivatives are never handed to SymPy
    ],
)
def test_proofs_at_general_dimensions(lhs: str, rhs: str, proved: bool) -> None:
    from identity_book.expr.sympy_bridge import proved_for_all_sizes

    try:
        left, right = parse(lhs, SCOPE), parse(rhs, SCOPE)
    except ExpressionError:
        assert not proved
        return
    assert proved_for_all_sizes(left, right) is proved


@pytest.mark.parametrize(
    ("text", "message"),
    [("c * 1e-400", "number 1e-400 is smaller than"), ("c * 1e400", "number 1e400 is larger than"), ("c * 2e6", "2e6")],
)
def test_numbers_out_of_range_are_refused_as_written(text: str, message: str) -> None:
    # a float would flush 1e-400 to 0, and tr(A) * 1e-400 = 0 would then be proved
    with pytest.raises(LimitError, match=message) as info:
        parse(text, SCOPE)
    assert info.value.offset == 4


def test_a_decimal_is_kept_with_every_digit_written() -> None:
    from fractions import Fraction

    node = parse("0.1000000000000000000001", SCOPE)
    assert node.value == Fraction(1000000000000000000001, 10**22)
    assert parse("1_000.5", SCOPE).value == Fraction(2001, 2)
