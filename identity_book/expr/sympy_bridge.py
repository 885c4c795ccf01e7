"""Expression trees as unevaluated SymPy matrix expressions, for proofs at general dimensions.

Only algebra is translated (products, sums, transposes, inverses, traces, determinants,
Kronecker and Hadamard products): SymPy's own matrix calculus is wrong in places
(``log(det(X)).diff(X)`` is 0 in 1.14), so derivatives are never handed to it.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from identity_book.expr.nodes import Node

_DIM = {"integer": True, "positive": True}


class NotTranslatable(Exception):
    """The tree uses something this bridge does not translate."""


def to_sympy(node: Node) -> sympy.Basic:
    """The tree as a SymPy expression with symbolic dimensions, left unevaluated."""
    op, a = node.op, node.args
    if op == "const":
        value = Fraction(node.value)  # type: ignore[arg-type]
        return sympy.Rational(value.numerator, value.denominator)
    if op == "int":
        return sympy.Symbol(str(node.value), **_DIM)
    if op == "var":
        if node.shape is None:
            return sympy.Symbol(str(node.value), real=True)
        return sympy.MatrixSymbol(str(node.value), *node.shape)
    args = [to_sympy(x) for x in a]
    if op in ("add",):
        return sympy.Add(*args, evaluate=False) if not _matrix(args) else sympy.MatAdd(*args)
    if op == "sub":
        neg = sympy.Mul(-1, args[1], evaluate=False) if not _matrix(args[1:]) else sympy.MatMul(-1, args[1])
        return sympy.Add(args[0], neg, evaluate=False) if not _matrix(args) else sympy.MatAdd(args[0], neg)
    if op == "neg":
        return sympy.MatMul(-1, args[0]) if _matrix(args) else sympy.Mul(-1, args[0], evaluate=False)
    if op in ("scale", "mul", "matmul"):
        return sympy.MatMul(*args) if _matrix(args) else sympy.Mul(*args, evaluate=False)
    if op == "divide":
        return sympy.MatMul(sympy.Pow(args[0], -1), args[1])
    if op == "div" and not _matrix(args):
        return sympy.Mul(args[0], sympy.Pow(args[1], -1), evaluate=False)
    if op == "pow" and not _matrix(args):
        return sympy.Pow(args[0], args[1], evaluate=False)
    if op == "T":
        return sympy.Transpose(args[0])
    if op == "inv":
        return sympy.Inverse(args[0])
    if op == "tr":
        return sympy.Trace(args[0])
    if op == "det":
        return sympy.Determinant(args[0])
    if op == "kron":
        return sympy.kronecker_product(*args)
    if op == "hadamard":
        return sympy.HadamardProduct(*args)
    if op == "I":
        return sympy.Identity(args[0])
    if op == "zeros" and node.shape is not None:
        return sympy.ZeroMatrix(*node.shape)
    raise NotTranslatable(op)


def _matrix(args: list[sympy.Basic]) -> bool:
    return any(getattr(x, "is_Matrix", False) for x in args)


def proved_for_all_sizes(lhs: Node, rhs: Node) -> bool:
    """True when SymPy rewrites ``lhs - rhs`` to zero with dimensions left symbolic."""
    try:
        left, right = to_sympy(lhs), to_sympy(rhs)
    except NotTranslatable:
        return False
    if getattr(left, "is_Matrix", False) != getattr(right, "is_Matrix", False):
        return False
    difference = (left - right).doit().expand()
    if getattr(difference, "is_ZeroMatrix", False):
        return True
    return bool(difference == 0)
