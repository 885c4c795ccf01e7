"""Parse catalogue expressions with :mod:`ast` and a whitelist; nothing is ever evaluated.

Every accepted construct maps to a :class:`Node` whose shape is inferred and checked here, so a
non-conforming product or a misspelt name is an error that points at its column.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy

from identity_book.errors import ExpressionError, LimitError
from identity_book.expr import complexity, densities, expectation
from identity_book.expr.expectation import RandomVariable
from identity_book.expr.nodes import (
    DERIVATIVES,
    ONE,
    Node,
    Shape,
    same_dim,
    same_shape,
    scalar_like,
    show_shape,
)

MAX_LENGTH = 4000
MAX_DEPTH = 120
MAX_LITERAL = 10**6
MAX_POWER = 64
MAX_EXPANDED = 5000  # operations in one side with its where: definitions written out


def dim_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


@dataclass(frozen=True)
class Scope:
    """What names mean in one identity: variables with shapes, integer names, dimensions."""

    shapes: dict[str, Shape]
    integers: frozenset[str] = frozenset()  # integer parameters and dimension symbols
    differentials: bool = False  # whether d(...) is allowed (derivation steps)
    indices: frozenset[str] = field(default_factory=frozenset)
    # random variables (allowed only inside E, Var, Cov); None while parsing a mean or covariance
    random: dict[str, RandomVariable | None] = field(default_factory=dict)
    complex_vars: frozenset[str] = frozenset()  # variables declared complex: true
    named: dict[str, Node] = field(default_factory=dict)  # the entry's where: definitions, parsed
    random_named: frozenset[str] = frozenset()  # the definitions that use a random variable

    def with_index(self, name: str) -> Scope:
        return replace(self, indices=self.indices | {name})


def parse(text: str, scope: Scope, averaged: bool = False) -> Node:
    """Parse ``text`` into a checked expression tree, or raise :class:`ExpressionError`.
    ``averaged``: random variables may appear anywhere, as inside ``E()`` (a ``where:`` definition)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise LimitError(f"expression longer than {MAX_LENGTH} characters")
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise LimitError(f"expression nested deeper than {MAX_DEPTH} levels", i)
    if "\n" in text.strip():
        raise ExpressionError("an expression must be on one line")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError, ValueError):
        raise LimitError("expression too deeply nested") from None
    lead = len(text) - len(text.lstrip())
    node = _Converter(scope, lead, text.strip(), averaged).convert(tree.body, 0)
    if scope.named:
        size, depth = _expanded(node, {})
        if size > MAX_EXPANDED or depth > MAX_DEPTH:
            raise LimitError(
                f"with its where: names written out, the expression has more than {MAX_EXPANDED} operations "
                f"or is nested deeper than {MAX_DEPTH} levels"
            )
    return node


def _expanded(node: Node, seen: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Operations and nesting depth of ``node`` with each use of a definition counted in full."""
    if id(node) not in seen:
        below = [_expanded(a, seen) for a in node.args]
        seen[id(node)] = (1 + sum(s for s, _ in below), 1 + max((d for _, d in below), default=0))
    return seen[id(node)]


class _Converter:
    def __init__(self, scope: Scope, lead: int, text: str, averaged: bool = False) -> None:
        self.scope = scope
        self.lead = lead
        self.text = text
        self.averaged = averaged  # inside E(), Var() or Cov(), where random variables may appear

    def operator_at(self, node: ast.BinOp, symbol: str) -> int:
        """The column of a binary operator's symbol (for errors that point at it)."""
        start, end = node.left.end_col_offset or 0, node.right.col_offset
        found = self.text.find(symbol, start, end)
        return self.lead + (found if found >= 0 else node.col_offset)

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.lead + getattr(node, "col_offset", 0))

    def convert(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise LimitError(f"expression nested deeper than {MAX_DEPTH} levels", self.lead)
        method: Callable[[ast.AST, int], Node] | None = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(f"{_describe(node)} is not allowed in an expression", node)
        return method(node, depth + 1)

    def at(self, node: ast.AST) -> int:
        return self.lead + getattr(node, "col_offset", 0)

    # -- leaves -------------------------------------------------------------------------
    def _Constant(self, node: ast.Constant, depth: int) -> Node:
        value = node.value
        if isinstance(value, complex):
            return complexity.imaginary(value, self.at(node), MAX_LITERAL)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"constant {value!r} is not a real number", node)
        # the digits as written: a float would round 0.1000000000000000001 and flush 1e-400 to 0
        written = ast.get_source_segment(self.text, node) or repr(value)
        exact = Fraction(value) if isinstance(value, int) else Fraction(written.replace("_", ""))
        if abs(exact) > MAX_LITERAL:
            raise LimitError(f"number {written} is larger than {MAX_LITERAL}", self.at(node))
        if exact and abs(exact) < Fraction(1, MAX_LITERAL):
            raise LimitError(f"number {written} is smaller than 1/{MAX_LITERAL}", self.at(node))
        return Node("const", value=exact, offset=self.at(node))

    def _Name(self, node: ast.Name, depth: int) -> Node:
        name = node.id
        if name in self.scope.random and not self.averaged:
            raise self.fail(
                f"{name} is a random variable (it has a distribution): it may appear only inside "
                "E(), Var() or Cov(), or the statement would be random",
                node,
            )
        if name in self.scope.named:
            if name in self.scope.random_named and not self.averaged:
                raise self.fail(
                    f"{name} depends on a random variable: it may appear only inside E(), Var() or Cov()", node
                )
            return replace(self.scope.named[name], label=name, offset=self.at(node))
        if name in self.scope.shapes:
            return Node("var", shape=self.scope.shapes[name], value=name, offset=self.at(node))
        if name in self.scope.integers or name in self.scope.indices:
            return Node("int", value=name, offset=self.at(node))
        if name in densities.CONSTANTS:  # pi and e, unless a variable has the name
            return Node(densities.CONSTANTS[name], offset=self.at(node))
        if name in NAMES:
            raise self.fail(f"function {name!r} used without arguments", node)
        raise self.fail(f"unknown symbol {name!r}", node)

    # -- operators ----------------------------------------------------------------------
    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        operand = self.convert(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            return Node("neg", (operand,), operand.shape, offset=self.at(node))
        raise self.fail(f"operator {type(node.op).__name__} is not allowed", node)

    def _BinOp(self, node: ast.BinOp, depth: int) -> Node:
        left = self.convert(node.left, depth)
        right = self.convert(node.right, depth)
        op = type(node.op).__name__
        symbols = {"Add": "+", "Sub": "-", "MatMult": "@", "Mult": "*", "Div": "/", "Pow": "**"}
        at = self.operator_at(node, symbols.get(op, ""))
        if op in ("Add", "Sub"):
            if not same_shape(left.shape, right.shape):
                raise ExpressionError(
                    f"cannot {'add' if op == 'Add' else 'subtract'} "
                    f"{show_shape(left.shape)} and {show_shape(right.shape)}",
                    at,
                )
            shape = left.shape if not scalar_like(left.shape) else right.shape
            return Node(op.lower(), (left, right), shape, offset=at)
        if op == "MatMult":
            return matmul(left, right, at)
        if op in ("Mult", "Div"):
            return _elementwise("mul" if op == "Mult" else "div", left, right, at)
        if op == "Pow":
            if not scalar_like(left.shape) or not scalar_like(right.shape):
                raise ExpressionError("'**' is a scalar power; use mpow(X, k) for matrices", at)
            exponent = fold_constant(right)
            if exponent is not None and abs(exponent) > MAX_POWER:
                raise LimitError(f"exponent larger than {MAX_POWER}", right.offset)
            return Node("pow", (left, right), None, offset=at)
        raise self.fail(f"operator {op} is not allowed", node)

    def _Attribute(self, node: ast.Attribute, depth: int) -> Node:
        if node.attr not in ("T", "H"):
            raise self.fail(f"attribute {node.attr!r} is not allowed (only .T and .H)", node)
        inner = self.convert(node.value, depth)
        if node.attr == "H":
            return complexity.hermitian_transpose(inner, self.lead + node.end_col_offset - 2)  # type: ignore[operator]
        shape = None if inner.shape is None else (inner.shape[1], inner.shape[0])
        return Node("T", (inner,), shape, offset=self.lead + node.end_col_offset - 2)  # type: ignore[operator]

    # -- calls --------------------------------------------------------------------------
    def _Call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only named functions can be called", node)
        if node.func.id not in NAMES:
            raise self.fail(f"unknown function {node.func.id!r}{_suggest(node.func.id)}", node)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        name = node.func.id
        if name in ("sum", "prod"):
            return self._sum(node, depth, name)
        if name == "block":
            return self._block(node, depth)
        if name == "norm" and len(node.args) == 2:
            return self._norm(node, depth)
        if name in expectation.OPS:
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise self.fail("starred arguments are not allowed", node)
            inner = _Converter(self.scope, self.lead, self.text, averaged=True)
            args = tuple(inner.convert(a, depth) for a in node.args)
            return expectation.build(name, args, self.scope.random, self.at(node))
        if name == "d" and not self.scope.differentials:
            raise self.fail("d(...) is only allowed in derivation steps", node)
        arity = ARITY[name]
        if len(node.args) not in arity:
            want = " or ".join(str(a) for a in arity)
            raise self.fail(f"{name}() takes {want} argument(s), got {len(node.args)}", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("starred arguments are not allowed", node)
        args = tuple(self.convert(a, depth) for a in node.args)
        if name in (*DERIVATIVES, *complexity.DERIVATIVES) and args[1].op != "var":
            raise self.fail(f"{name}() differentiates with respect to a variable name", node.args[1])
        if name in (*DERIVATIVES, *complexity.DERIVATIVES, "d"):
            problem = complexity.check_derivative(name, args, self.scope.complex_vars) if len(args) > 1 else None
            if name == "d" and args[0].op == "var" and args[0].value in self.scope.complex_vars:
                problem = "d() of a complex variable is not supported (derivations are real)"
            if problem:
                raise self.fail(problem, node.args[-1])
        if name in (*DERIVATIVES, "d") and any(n.op in expectation.OPS for a in args for n in a.walk()):
            raise self.fail(f"{name}() of an expectation is not supported", node)
        return FUNCTIONS[name](args, self.at(node))

    def _sum(self, node: ast.Call, depth: int, name: str) -> Node:
        """``sum(EXPR for r in range(LO, HI))``, and ``prod(...)`` of scalars."""
        usage = f"{name}() takes one generator: {name}(EXPR for r in range(LO, HI))"
        gen = node.args[0] if len(node.args) == 1 else None
        if not isinstance(gen, ast.GeneratorExp) or len(gen.generators) != 1:
            raise self.fail(usage, node)
        comp = gen.generators[0]
        it = comp.iter
        if (
            comp.ifs
            or comp.is_async
            or not isinstance(comp.target, ast.Name)
            or not isinstance(it, ast.Call)
            or not isinstance(it.func, ast.Name)
            or it.func.id != "range"
            or len(it.args) != 2
            or it.keywords
        ):
            raise self.fail(usage, gen)
        index = comp.target.id
        if index in self.scope.shapes or index in self.scope.integers or index in self.scope.named or index in NAMES:
            raise self.fail(f"{name} index {index!r} hides another name", comp.target)
        lo, hi = (self.convert(a, depth) for a in it.args)
        for bound in (lo, hi):
            _need_integer(bound, "range bound")
        if lo.op == "const" and hi.op == "const" and hi.value - lo.value > MAX_RANGE:  # type: ignore[operator]
            raise LimitError(f"range longer than {MAX_RANGE}", self.at(it))
        body = _Converter(self.scope.with_index(index), self.lead, self.text, self.averaged).convert(gen.elt, depth)
        if name == "prod" and not scalar_like(body.shape):
            raise ExpressionError("prod() multiplies scalars; use mpow() or '@' for matrices", body.offset)
        return Node(name, (lo, hi, body), body.shape, value=index, offset=self.at(node))

    def _norm(self, node: ast.Call, depth: int) -> Node:
        """``norm(A, ORD)`` with NumPy's orders 1, 2, inf, 'fro', 'nuc', and 'max' (max |a_ij|)."""
        order = node.args[1]
        key: object = None
        if isinstance(order, ast.Constant) and not isinstance(order.value, bool):
            key = order.value
        elif isinstance(order, ast.Name) and order.id == "inf":
            key = "inf"
        if key not in NORM_ORDERS:
            raise self.fail("the order of norm() is one of 1, 2, inf, 'fro', 'nuc', 'max'", order)
        arg = self.convert(node.args[0], depth)
        if arg.shape is None:
            raise ExpressionError("norm(x, ORD) needs a matrix or a vector; use abs() for a scalar", arg.offset)
        op = NORM_ORDERS[key]
        if op == "norm2" and (same_dim(arg.shape[1], ONE) or same_dim(arg.shape[0], ONE)):
            op = "norm"  # the spectral norm of a vector is its Euclidean norm
        return Node(op, (arg,), None, offset=self.at(node))

    def _block(self, node: ast.Call, depth: int) -> Node:
        """``block([[A, B], [C, D]])``: a matrix of blocks; scalars count as 1×1 blocks."""
        grid = node.args[0] if len(node.args) == 1 else None
        if not isinstance(grid, ast.List) or not grid.elts or not all(isinstance(r, ast.List) for r in grid.elts):
            raise self.fail("block() takes one list of rows: block([[A, B], [C, D]])", node)
        rows_ast = [r.elts for r in grid.elts]  # type: ignore[attr-defined]
        width = len(rows_ast[0])
        if width == 0 or any(len(r) != width for r in rows_ast):
            raise self.fail("every row of block() has the same number of blocks", grid)
        if width * len(rows_ast) > MAX_BLOCKS:
            raise LimitError(f"block() has more than {MAX_BLOCKS} blocks", self.at(node))
        cells = [[self.convert(x, depth) for x in row] for row in rows_ast]
        heights = [_block_side(row, 0, "row") for row in cells]
        widths = [_block_side([row[k] for row in cells], 1, "column") for k in range(width)]
        shape = (sympy.Add(*heights), sympy.Add(*widths))
        flat = tuple(x for row in cells for x in row)
        return Node("block", flat, shape, value=f"{len(cells)}x{width}", offset=self.at(node))


MAX_RANGE = 1000
MAX_BLOCKS = 16
# norm(A, ORD): the order as written to the node's op ("norm" is the Frobenius/Euclidean norm)
NORM_ORDERS: dict[object, str] = {
    1: "norm1",
    2: "norm2",
    "inf": "norminf",
    "fro": "norm",
    "nuc": "normnuc",
    "max": "normmax",
}
NORM_OPS = ("norm1", "norm2", "norminf", "normnuc", "normmax")


def _block_side(cells: list[Node], axis: int, what: str) -> sympy.Expr:
    """The common height (axis 0) of a block row, or width (axis 1) of a block column."""
    sides = [ONE if scalar_like(x.shape) else x.shape[axis] for x in cells]  # type: ignore[index]
    for x, side in zip(cells[1:], sides[1:], strict=True):
        if not same_dim(side, sides[0]):
            raise ExpressionError(
                f"blocks in one {what} of block() must have equal {'heights' if axis == 0 else 'widths'}: "
                f"{show_shape(cells[0].shape)} and {show_shape(x.shape)}",
                x.offset,
            )
    return sides[0]


def fold_constant(node: Node) -> Fraction | None:
    """The value of a subtree made only of numbers (bounded: no huge powers), else None."""
    if node.op == "const":
        return node.value  # type: ignore[return-value]
    values = [fold_constant(a) for a in node.args]
    if not node.args or any(v is None for v in values):
        return None
    a = values[0]
    b = values[1] if len(values) > 1 else None
    assert a is not None
    if node.op == "neg":
        return -a
    if b is None:
        return None
    if node.op == "add":
        return a + b
    if node.op == "sub":
        return a - b
    if node.op == "mul":
        return a * b
    if node.op == "div" and b != 0:
        return a / b
    if node.op == "pow" and b.denominator == 1 and abs(b) <= MAX_POWER and (a != 0 or b >= 0):
        return a ** int(b)
    return None


def _describe(node: ast.AST) -> str:
    names = {
        "Lambda": "lambda",
        "Subscript": "indexing",
        "Compare": "a comparison",
        "BoolOp": "'and'/'or'",
        "IfExp": "'if'",
        "ListComp": "a list comprehension",
        "GeneratorExp": "a generator",
        "Starred": "'*'",
        "JoinedStr": "an f-string",
        "NamedExpr": "':='",
        "Await": "await",
    }
    return names.get(type(node).__name__, type(node).__name__)


def _need_integer(node: Node, what: str) -> None:
    ok = all(n.op in ("const", "int", "add", "sub", "neg", "mul") for n in node.walk()) and all(
        n.value.denominator == 1 for n in node.walk() if n.op == "const"
    )
    if not ok:
        raise ExpressionError(f"{what} must be an integer expression", node.offset)


def _dim(node: Node) -> sympy.Expr:
    """A dimension argument (I(n), K(m, n), zeros(2, n)) as a SymPy expression."""
    _need_integer(node, "a dimension")
    if node.op == "const":
        value = int(node.value)  # type: ignore[arg-type]
        if not 1 <= value <= 64:
            raise LimitError("a literal dimension must be between 1 and 64", node.offset)
        return sympy.Integer(value)
    if node.op == "int":
        return sympy.Symbol(str(node.value), integer=True, positive=True)
    if node.op == "mul":
        return _dim(node.args[0]) * _dim(node.args[1])
    if node.op == "add":
        return _dim(node.args[0]) + _dim(node.args[1])
    raise ExpressionError("a dimension must be a number, a dimension name or a product", node.offset)


def matmul(left: Node, right: Node, at: int) -> Node:
    if left.shape is None or right.shape is None:
        raise ExpressionError("'@' needs matrices on both sides; use '*' for a scalar", at)
    if not same_dim(left.shape[1], right.shape[0]):
        raise ExpressionError(
            f"'@' inner dimensions do not conform: {show_shape(left.shape)} @ {show_shape(right.shape)}",
            at,
        )
    return Node("matmul", (left, right), (left.shape[0], right.shape[1]), offset=at)


def _elementwise(op: str, left: Node, right: Node, at: int) -> Node:
    if scalar_like(left.shape) and scalar_like(right.shape):
        shape = left.shape if left.shape is not None else right.shape
        return Node(op, (left, right), shape, offset=at)
    if scalar_like(left.shape) and op == "mul":
        return Node("scale", (left, right), right.shape, offset=at)
    if scalar_like(right.shape):
        return Node("scale" if op == "mul" else "divide", (right, left), left.shape, offset=at)
    if same_shape(left.shape, right.shape):
        return Node("hadamard" if op == "mul" else "ediv", (left, right), left.shape, offset=at)
    sign = "*" if op == "mul" else "/"
    raise ExpressionError(
        f"'{sign}' needs a scalar or equal shapes: {show_shape(left.shape)} {sign} {show_shape(right.shape)}",
        at,
    )


# -- the function table -------------------------------------------------------------------
def _square(name: str, node: Node) -> sympy.Expr:
    if node.shape is None or not same_dim(node.shape[0], node.shape[1]):
        raise ExpressionError(f"{name}() needs a square matrix, got {show_shape(node.shape)}", node.offset)
    return node.shape[0]


def _scalar_arg(name: str, node: Node) -> None:
    if not scalar_like(node.shape):
        raise ExpressionError(f"{name}() needs a scalar, got {show_shape(node.shape)}", node.offset)


def _vector(name: str, node: Node) -> sympy.Expr:
    if node.shape is None or not same_dim(node.shape[1], ONE):
        raise ExpressionError(f"{name}() needs a column vector, got {show_shape(node.shape)}", node.offset)
    return node.shape[0]


def _f_square_scalar(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        _square(name, args[0])
        return Node(name, args, None, offset=at)

    return build


def _f_square_matrix(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        _square(name, args[0])
        return Node(name, args, args[0].shape, offset=at)

    return build


def _f_elementwise(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        return Node(name, args, args[0].shape, offset=at)

    return build


def _f_pinv(args: tuple[Node, ...], at: int) -> Node:
    shape = args[0].shape
    if shape is None:
        raise ExpressionError("pinv() needs a matrix", args[0].offset)
    return Node("pinv", args, (shape[1], shape[0]), offset=at)


def _f_powm(args: tuple[Node, ...], at: int) -> Node:
    _square("powm", args[0])
    if not scalar_like(args[1].shape):
        raise ExpressionError("the power in powm() must be a scalar", args[1].offset)
    power = fold_constant(args[1])
    if power is not None and abs(power) > MAX_POWER:
        raise LimitError(f"matrix power larger than {MAX_POWER}", args[1].offset)
    return Node("powm", args, args[0].shape, offset=at)


def _f_mpow(args: tuple[Node, ...], at: int) -> Node:
    _square("mpow", args[0])
    power = fold_constant(args[1])
    if power is not None and abs(power) > MAX_POWER:
        raise LimitError(f"matrix power larger than {MAX_POWER}", args[1].offset)
    if power is None or power.denominator != 1:
        _need_integer(args[1], "the power in mpow()")
    return Node("mpow", args, args[0].shape, offset=at)


def _f_kron(args: tuple[Node, ...], at: int) -> Node:
    a, b = args
    if a.shape is None or b.shape is None:
        raise ExpressionError("kron() needs two matrices", at)
    return Node("kron", args, (a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]), offset=at)


def _f_vec(args: tuple[Node, ...], at: int) -> Node:
    shape = args[0].shape
    if shape is None:
        raise ExpressionError("vec() needs a matrix", args[0].offset)
    return Node("vec", args, (shape[0] * shape[1], ONE), offset=at)


def _f_commutation(args: tuple[Node, ...], at: int) -> Node:
    m, n = (_dim(a) for a in args)
    return Node("K", args, (m * n, m * n), offset=at)


def _f_hadamard(args: tuple[Node, ...], at: int) -> Node:
    a, b = args
    if a.shape is None or not same_shape(a.shape, b.shape):
        raise ExpressionError(f"hadamard() needs equal shapes: {show_shape(a.shape)}, {show_shape(b.shape)}", at)
    return Node("hadamard", args, a.shape, offset=at)


def _f_outer(args: tuple[Node, ...], at: int) -> Node:
    a, b = args
    return Node("outer", args, (_vector("outer", a), _vector("outer", b)), offset=at)


def _f_diag(args: tuple[Node, ...], at: int) -> Node:
    (a,) = args
    if a.shape is not None and same_dim(a.shape[1], ONE) and not same_dim(a.shape[0], ONE):
        return Node("diag", args, (a.shape[0], a.shape[0]), offset=at)
    n = _square("diag", a)
    return Node("diagvec", args, (n, ONE), offset=at)


def _f_identity(args: tuple[Node, ...], at: int) -> Node:
    n = _dim(args[0])
    return Node("I", args, (n, n), offset=at)


def _f_filled(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        rows = _dim(args[0])
        cols = _dim(args[1]) if len(args) == 2 else ONE
        return Node(name, args, (rows, cols), offset=at)

    return build


def _index(node: Node, what: str) -> None:
    """An index of J, e or entry: an integer expression, counting from 1."""
    _need_integer(node, what)
    value = fold_constant(node)
    if value is not None and value < 1:
        raise ExpressionError(f"{what} counts from 1", node.offset)


def _f_single_entry(args: tuple[Node, ...], at: int) -> Node:
    """``J(i, j, m, n)``: the m×n matrix with a 1 in row i, column j (``J(i, j, n)``: n×n)."""
    _index(args[0], "the row index of J()")
    _index(args[1], "the column index of J()")
    rows = _dim(args[2])
    cols = _dim(args[3]) if len(args) == 4 else rows
    return Node("J", args, (rows, cols), offset=at)


def _f_unit(args: tuple[Node, ...], at: int) -> Node:
    """``e(i, n)``: the i-th column of the n×n identity."""
    _index(args[0], "the index of e()")
    return Node("e", args, (_dim(args[1]), ONE), offset=at)


def _f_entry(args: tuple[Node, ...], at: int) -> Node:
    """``entry(A, i, j)``: the entry in row i, column j of A (counting from 1); ``entry(x, i)``."""
    a = args[0]
    if a.shape is None:
        raise ExpressionError("entry() needs a matrix or a vector", a.offset)
    _index(args[1], "the row index of entry()")
    if len(args) == 3:
        _index(args[2], "the column index of entry()")
    else:
        _vector("entry", a)
    return Node("entry", args, None, offset=at)


def _f_eigvals(args: tuple[Node, ...], at: int) -> Node:
    """``eigvals(S)``: the eigenvalues of a symmetric matrix, in increasing order, as a vector."""
    return Node("eigvals", args, (_square("eigvals", args[0]), ONE), offset=at)


def _f_eig(args: tuple[Node, ...], at: int) -> Node:
    """``eig(A)``: the eigenvalues of a general square matrix (complex in general), as a vector."""
    return Node("eig", args, (_square("eig", args[0]), ONE), offset=at)


def _f_rank(args: tuple[Node, ...], at: int) -> Node:
    """``rank(A)``: the rank of a matrix, an integer-valued scalar."""
    if args[0].shape is None:
        raise ExpressionError("rank() needs a matrix or a vector", args[0].offset)
    return Node("rank", args, None, offset=at)


def _f_norm(args: tuple[Node, ...], at: int) -> Node:
    return Node("norm", args, None, offset=at)


def _singular_count(name: str, node: Node) -> sympy.Expr:
    """min(m, n) for an m×n argument, which must be square or have literal sizes."""
    shape = node.shape
    if shape is None:
        raise ExpressionError(f"{name}() needs a matrix or a vector", node.offset)
    m, n = shape
    k = m if same_dim(m, n) or (m - n).is_nonpositive else n if (n - m).is_nonpositive else None
    if k is None:
        raise ExpressionError(
            f"{name}() needs a square matrix, or literal sizes (the number of singular values is the smaller side)",
            node.offset,
        )
    return k


def _f_svdvals(args: tuple[Node, ...], at: int) -> Node:
    """``svdvals(A)``: the min(m, n) singular values of A in decreasing order, as a vector."""
    return Node("svdvals", args, (_singular_count("svdvals", args[0]), ONE), offset=at)


# Factors of decompositions, evaluated by identity_book.verify.decompositions.
FACTORS = ("eigvecs", "svd_u", "svd_v", "lu_l", "lu_u", "chol", "schur_u", "schur_t")


def _f_factor(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    """A factor of a decomposition (see :mod:`identity_book.verify.decompositions`): ``eigvecs``,
    ``lu_l``, ``lu_u``, ``chol``, ``schur_u`` and ``schur_t`` of a square matrix (n×n);
    ``svd_u(A)`` (m×k) and ``svd_v(A)`` (n×k) of an m×n matrix, k the number of its singular
    values (as for ``svdvals``)."""

    def build(args: tuple[Node, ...], at: int) -> Node:
        if name in ("svd_u", "svd_v"):
            k = _singular_count(name, args[0])
            rows, cols = args[0].shape  # type: ignore[misc]
            return Node(name, args, (rows if name == "svd_u" else cols, k), offset=at)
        n = _square(name, args[0])
        return Node(name, args, (n, n), offset=at)

    return build


def _f_cond(args: tuple[Node, ...], at: int) -> Node:
    """``cond(A)``: the 2-norm condition number σ_max / σ_min (NumPy's ``cond(A)``)."""
    if args[0].shape is None:
        raise ExpressionError("cond() needs a matrix", args[0].offset)
    return Node("cond", args, None, offset=at)


def _f_inner(args: tuple[Node, ...], at: int) -> Node:
    a, b = args
    if not same_shape(a.shape, b.shape):
        raise ExpressionError(f"inner() needs equal shapes: {show_shape(a.shape)}, {show_shape(b.shape)}", at)
    return Node("inner", args, None, offset=at)


def _f_grad(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        f, x = args
        if not scalar_like(f.shape):
            raise ExpressionError(
                f"{name}() differentiates a scalar, got {show_shape(f.shape)}; use jacobian()",
                f.offset,
            )
        if name in ("grad_sym", "grad_distinct", "grad_toeplitz", "grad_sym_toeplitz"):
            _square(name, x)
        return Node(name, args, x.shape, offset=at)

    return build


def _f_jacobian(args: tuple[Node, ...], at: int) -> Node:
    f, x = args
    fr, fc = f.shape if f.shape is not None else (ONE, ONE)
    xr, xc = x.shape if x.shape is not None else (ONE, ONE)
    return Node("jacobian", args, (fr * fc, xr * xc), offset=at)


def _f_hess(args: tuple[Node, ...], at: int) -> Node:
    f, x = args
    _scalar_arg("hess", f)
    n = ONE if x.shape is None else _vector("hess", x)
    return Node("hess", args, (n, n), offset=at)


def _f_hess_vec(args: tuple[Node, ...], at: int) -> Node:
    f, x = args
    _scalar_arg("hess_vec", f)
    n = ONE if x.shape is None else x.shape[0] * x.shape[1]
    return Node("hess_vec", args, (n, n), offset=at)


def _f_differential(args: tuple[Node, ...], at: int) -> Node:
    return Node("d", args, args[0].shape, offset=at)


def _f_scalar_fn(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    return _f_elementwise(name)


# -- structured matrices: submatrices, cofactors, vech, duplication, shifts, Vandermonde -------
MAX_COFACTOR_SIZE = 10  # adj() and cofactor() take n² determinants of (n-1)×(n-1) matrices


def _half_triangle(n: sympy.Expr) -> sympy.Expr:
    """n(n + 1)/2, the length of vech of an n×n matrix."""
    return sympy.expand(n * (n + 1) / 2)


def _f_cofactor(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    """``adj(A)`` and ``cofactor(A)``: built from the cofactors, so defined for singular A too."""

    def build(args: tuple[Node, ...], at: int) -> Node:
        n = _square(name, args[0])
        if n.is_Integer and int(n) > MAX_COFACTOR_SIZE:
            raise LimitError(f"{name}() of a matrix larger than {MAX_COFACTOR_SIZE}×{MAX_COFACTOR_SIZE}", at)
        return Node(name, args, args[0].shape, offset=at)

    return build


def _f_submatrix(args: tuple[Node, ...], at: int) -> Node:
    """``submatrix(A, i, j)``: A without row i and column j (counting from 1), the Cookbook's [A]ᵢⱼ."""
    a = args[0]
    if a.shape is None:
        raise ExpressionError("submatrix() needs a matrix", a.offset)
    _index(args[1], "the row index of submatrix()")
    _index(args[2], "the column index of submatrix()")
    for side in a.shape:
        if same_dim(side, ONE):
            raise ExpressionError(f"submatrix() of a {show_shape(a.shape)} matrix leaves nothing", a.offset)
    return Node("submatrix", args, (a.shape[0] - 1, a.shape[1] - 1), offset=at)


def _f_vech(args: tuple[Node, ...], at: int) -> Node:
    """``vech(A)``: the columns of the lower triangle of a square A, stacked (Magnus–Neudecker)."""
    n = _square("vech", args[0])
    return Node("vech", args, (_half_triangle(n), ONE), offset=at)


def _f_unvec(args: tuple[Node, ...], at: int) -> Node:
    """``unvec(v, m, n)``: the m×n matrix whose vec is v (its columns in turn), vec⁻¹."""
    v = args[0]
    m, n = _dim(args[1]), _dim(args[2])
    if v.shape is None or not same_dim(v.shape[1], ONE) or not same_dim(v.shape[0], m * n):
        raise ExpressionError(f"unvec(v, m, n) needs a vector of length m·n, got {show_shape(v.shape)}", v.offset)
    return Node("unvec", args, (m, n), offset=at)


def _f_duplication(args: tuple[Node, ...], at: int) -> Node:
    """``dup(n)``: the duplication matrix, ``dup(n) @ vech(A) == vec(A)`` for a symmetric n×n A."""
    n = _dim(args[0])
    return Node("dup", args, (n * n, _half_triangle(n)), offset=at)


def _f_elimination(args: tuple[Node, ...], at: int) -> Node:
    """``elim(n)``: the elimination matrix, ``elim(n) @ vec(A) == vech(A)`` for any n×n A."""
    n = _dim(args[0])
    return Node("elim", args, (_half_triangle(n), n * n), offset=at)


def _f_shift(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    """``shift(n)`` (ones below the diagonal) and ``cshift(n)`` (the cyclic shift), n×n."""

    def build(args: tuple[Node, ...], at: int) -> Node:
        n = _dim(args[0])
        return Node(name, args, (n, n), offset=at)

    return build


def _f_vander(args: tuple[Node, ...], at: int) -> Node:
    """``vander(x)``: the n×n Vandermonde matrix with rows 1, xᵢ, xᵢ², …, xᵢⁿ⁻¹."""
    n = _vector("vander", args[0])
    if n.is_Integer and int(n) > MAX_POWER:
        raise LimitError(f"vander() of a vector longer than {MAX_POWER}", at)
    return Node("vander", args, (n, n), offset=at)


FUNCTIONS: dict[str, Callable[[tuple[Node, ...], int], Node]] = {
    "tr": _f_square_scalar("tr"),
    "det": _f_square_scalar("det"),
    "logdet": _f_square_scalar("logdet"),
    "logabsdet": _f_square_scalar("logabsdet"),
    "inv": _f_square_matrix("inv"),
    "expm": _f_square_matrix("expm"),
    "logm": _f_square_matrix("logm"),
    "sinm": _f_square_matrix("sinm"),
    "cosm": _f_square_matrix("cosm"),
    "sqrtm": _f_square_matrix("sqrtm"),
    "powm": _f_powm,
    "pinv": _f_pinv,
    "log": _f_scalar_fn("log"),
    "exp": _f_scalar_fn("exp"),
    "sqrt": _f_scalar_fn("sqrt"),
    "abs": _f_scalar_fn("abs"),
    "sin": _f_scalar_fn("sin"),
    "cos": _f_scalar_fn("cos"),
    "mpow": _f_mpow,
    "kron": _f_kron,
    "vec": _f_vec,
    "K": _f_commutation,
    "hadamard": _f_hadamard,
    "outer": _f_outer,
    "diag": _f_diag,
    "I": _f_identity,
    "zeros": _f_filled("zeros"),
    "ones": _f_filled("ones"),
    "norm": _f_norm,
    "inner": _f_inner,
    "grad": _f_grad("grad"),
    "grad_sym": _f_grad("grad_sym"),
    "grad_distinct": _f_grad("grad_distinct"),
    "jacobian": _f_jacobian,
    "hess": _f_hess,
    "hess_vec": _f_hess_vec,
    "d": _f_differential,
    "J": _f_single_entry,
    "e": _f_unit,
    "entry": _f_entry,
    "eigvals": _f_eigvals,
    "eig": _f_eig,
    "rank": _f_rank,
    "adj": _f_cofactor("adj"),
    "cofactor": _f_cofactor("cofactor"),
    "submatrix": _f_submatrix,
    "vech": _f_vech,
    "unvec": _f_unvec,
    "dup": _f_duplication,
    "elim": _f_elimination,
    "shift": _f_shift("shift"),
    "cshift": _f_shift("cshift"),
    "vander": _f_vander,
    "grad_toeplitz": _f_grad("grad_toeplitz"),
    "grad_sym_toeplitz": _f_grad("grad_sym_toeplitz"),
    "svdvals": _f_svdvals,
    "cond": _f_cond,
    **{name: _f_factor(name) for name in FACTORS},
    "gamma": densities.gamma,
    "dft": _f_shift("dft"),
    **complexity.FUNCTIONS,
    **densities.DENSITIES,
}

# Functions of structured matrices: a variable may not take one of these names.
STRUCTURED = ("adj", "cofactor", "submatrix", "vech", "dup", "elim", "shift", "cshift", "vander", "dft")

ALIASES = {
    "trace": "tr",
    "inverse": "inv",
    "transpose": "X.T",
    "logdeterminant": "logdet",
    "determinant": "det",
    "kronecker": "kron",
    "pinverse": "pinv",
    "eye": "I",
    "identity": "I",
    "dot": "inner or @",
    "matmul": "@",
    "diagonal": "diag",
    "adjugate": "adj",
    "adjoint": "adj",
    "cof": "cofactor",
    "minor": "det(submatrix(A, i, j))",
    "duplication": "dup",
    "elimination": "elim",
    "lag": "shift",
    "vandermonde": "vander",
}


def _suggest(name: str) -> str:
    """'; did you mean tr?' for trace, and for near misses of known names."""
    if name.lower() in ALIASES:
        return f"; did you mean {ALIASES[name.lower()]}?"
    close = difflib.get_close_matches(name, sorted(NAMES), n=1, cutoff=0.75)
    return f"; did you mean {close[0]}?" if close else ""


# Calls whose arguments are not expressions (a generator, a list of rows): parsed by _Converter.
SPECIAL_FORMS = ("sum", "prod", "block", *expectation.OPS)
NAMES = frozenset(FUNCTIONS) | frozenset(SPECIAL_FORMS)

ARITY: dict[str, tuple[int, ...]] = {
    **{n: (1,) for n in ("tr", "det", "logdet", "logabsdet", "inv", "expm", "logm", "pinv")},
    **{n: (1,) for n in ("sinm", "cosm", "sqrtm", "sin", "cos", "eig")},
    **{n: (1,) for n in ("log", "exp", "sqrt", "abs", "vec", "diag", "I", "d", "eigvals", "rank", "svdvals", "cond")},
    **{n: (2,) for n in ("mpow", "powm", "kron", "K", "hadamard", "outer", "inner", *DERIVATIVES)},
    "zeros": (1, 2),
    "unvec": (3,),
    "ones": (1, 2),
    "norm": (1, 2),
    "J": (3, 4),
    "e": (2,),
    "entry": (2, 3),
    **{n: (1,) for n in ("adj", "cofactor", "vech", "dup", "elim", "shift", "cshift", "vander")},
    "submatrix": (3,),
    **{n: (1,) for n in FACTORS},
    **{n: (k,) for n, k in expectation.ARGUMENTS.items()},
    **complexity.ARITIES,
    **densities.ARITIES,
}
