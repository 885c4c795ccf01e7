"""The expression tree: unevaluated, typed nodes with symbolic shapes.

A node's ``shape`` is ``None`` for a scalar, else ``(rows, cols)`` as SymPy expressions in the
dimension symbols (``kron`` and ``vec`` give products). A 1×1 matrix is accepted wherever a
scalar is needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import TypeAlias

import sympy

Dim: TypeAlias = sympy.Expr  # an integer or a polynomial in dimension symbols
Shape: TypeAlias = tuple[Dim, Dim] | None

ONE = sympy.Integer(1)

# Operators on derivatives: (function, variable) -> result shaped by the variable.
DERIVATIVES = (
    "grad",
    "jacobian",
    "hess",
    "hess_vec",
    "grad_sym",
    "grad_distinct",
    "grad_toeplitz",
    "grad_sym_toeplitz",
)


@dataclass(frozen=True, eq=False)
class Node:
    """One operation. ``value`` holds a constant, a variable or index name, depending on ``op``."""

    op: str
    args: tuple[Node, ...] = ()
    shape: Shape = None
    value: str | Fraction | None = None
    offset: int = 0
    _key: tuple[object, ...] = field(default=(), repr=False)
    # the name of the entry's ``where:`` definition this node stands for: printed as that name
    # in LaTeX, ignored by every other stage (they see the definition itself)
    label: str | None = None

    @property
    def is_scalar(self) -> bool:
        return self.shape is None

    def walk(self):
        """This node and all below it, parents first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.args))

    def depth_of_derivatives(self) -> int:
        """How many derivative operators are nested (0 for a plain expression)."""
        inner = max((a.depth_of_derivatives() for a in self.args), default=0)
        return (
            inner
            + (1 if self.op in (*DERIVATIVES, "d", "cgrad", "cgrad_conj", "grad_re", "grad_im") else 0)
            + (self.op in ("hess", "hess_vec"))
        )


def scalar_like(shape: Shape) -> bool:
    """True for a scalar or a 1×1 matrix."""
    return shape is None or (same_dim(shape[0], ONE) and same_dim(shape[1], ONE))


@lru_cache(maxsize=8192)
def same_dim(a: Dim, b: Dim) -> bool:
    """Whether two dimension expressions are equal for every value (memoised: printing and
    checking ask about the same few dimensions many times)."""
    if a == b:
        return True
    return bool(sympy.expand(a - b) == 0)


def same_shape(a: Shape, b: Shape) -> bool:
    if scalar_like(a) and scalar_like(b):
        return True
    if a is None or b is None:
        return False
    return same_dim(a[0], b[0]) and same_dim(a[1], b[1])


def show_shape(shape: Shape) -> str:
    if shape is None:
        return "scalar"
    return f"{shape[0]}×{shape[1]}"


def concrete(shape: Shape, sizes: dict[str, int]) -> tuple[int, int] | None:
    """The integer shape for one size assignment (called in every sampling loop: kept cheap)."""
    if shape is None:
        return None
    return dim_value(shape[0], sizes), dim_value(shape[1], sizes)


def dim_value(dim: Dim, sizes: dict[str, int]) -> int:
    """A dimension's integer value: a number, a dimension name, or a polynomial in them."""
    if dim.is_Integer:
        return int(dim)
    if dim.is_Symbol:
        return sizes[dim.name]
    return int(_dim_function(dim)(sizes))


@lru_cache(maxsize=4096)
def _dim_function(dim: Dim) -> Callable[[dict[str, int]], int | Fraction]:
    """A plain Python function for a polynomial dimension (kron and vec give products and sums;
    vech gives n(n + 1)/2, whose rational coefficients sum to an integer)."""
    if dim.is_Integer:
        value = int(dim)
        return lambda sizes: value
    if dim.is_Rational:
        ratio = Fraction(int(dim.p), int(dim.q))
        return lambda sizes: ratio
    if dim.is_Symbol:
        name = dim.name
        return lambda sizes: sizes[name]
    parts = [_dim_function(a) for a in dim.args]
    if dim.is_Add:
        return lambda sizes: sum(p(sizes) for p in parts)
    if dim.is_Mul:
        return lambda sizes: math.prod(p(sizes) for p in parts)
    if dim.is_Pow and dim.args[1].is_Integer and int(dim.args[1]) >= 0:
        base, exponent = parts[0], int(dim.args[1])
        return lambda sizes: base(sizes) ** exponent
    raise ValueError(f"not a dimension: {dim}")


def block_rows(node: Node) -> list[list[Node]]:
    """The cells of a ``block`` node, row by row (its ``value`` is "ROWSxCOLS")."""
    width = int(str(node.value).split("x")[1])
    return [list(node.args[k : k + width]) for k in range(0, len(node.args), width)]
