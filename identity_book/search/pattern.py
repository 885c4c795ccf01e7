"""Parse an expression into a pattern tree: the catalogue's language, without shapes.

A reader's query names no shapes, so names are free (pattern variables) and ``*`` is a
commutative product whether it scales or multiplies entrywise. The same whitelist as
:mod:`identity_book.expr.parser` applies (nothing is evaluated); errors carry the column.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction

from identity_book.errors import ExpressionError
from identity_book.expr.parser import ARITY, MAX_LENGTH, NAMES


@dataclass(frozen=True)
class Term:
    """A pattern node: ``op`` is ``var``, ``num``, ``+``, ``*``, ``@``, ``T``, ``/``, ``**``, ``neg``,
    ``-`` or a function name; ``value`` holds a name or a number."""

    op: str
    args: tuple[Term, ...] = ()
    value: str | Fraction | None = None


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/", ast.Pow: "**"}


def parse_pattern(text: str) -> Term:
    """The pattern tree of ``text``, or :class:`ExpressionError` with a 0-based column."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", lead + max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression too deeply nested") from None
    return _Converter(lead).convert(tree.body)


class _Converter:
    def __init__(self, lead: int) -> None:
        self.lead = lead

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.lead + getattr(node, "col_offset", 0))

    def convert(self, node: ast.AST) -> Term:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(f"constant {value!r} is not a real number", node)
            return Term("num", value=Fraction(value) if isinstance(value, int) else Fraction(repr(value)))
        if isinstance(node, ast.Name):  # a catalogue may name a variable e or d
            return Term("var", value=node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            inner = self.convert(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else Term("neg", (inner,))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return Term(_BINARY[type(node.op)], (self.convert(node.left), self.convert(node.right)))
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return Term("T", (self.convert(node.value),))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise self.fail(f"attribute {node.attr!r} is not allowed in a search pattern (only .T)", node)
        raise self.fail(f"{type(node).__name__} is not allowed in an expression", node)

    def call(self, node: ast.Call) -> Term:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only named functions can be called", node)
        name = node.func.id
        if name not in NAMES:
            raise self.fail(f"unknown function {name!r}", node)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        if name in ("sum", "prod"):
            return self.generator(node, name)
        if name == "block":
            return self.block(node)
        if name == "norm" and len(node.args) == 2:  # ‖Aᵀ‖₁ = ‖A‖_∞: the normal forms know only ‖·‖_F
            raise self.fail("norm(x, ORD) with an order is not in the search language; norm(x) is", node)
        if len(node.args) not in ARITY[name]:
            want = " or ".join(str(a) for a in ARITY[name])
            raise self.fail(f"{name}() takes {want} argument(s), got {len(node.args)}", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("starred arguments are not allowed", node)
        return Term(name, tuple(self.convert(a) for a in node.args))

    def generator(self, node: ast.Call, name: str) -> Term:
        """``sum(EXPR for r in range(LO, HI))``: the index is a pattern variable like any name."""
        gen = node.args[0] if len(node.args) == 1 else None
        comp = gen.generators[0] if isinstance(gen, ast.GeneratorExp) and len(gen.generators) == 1 else None
        it = comp.iter if comp is not None else None
        if (
            gen is None
            or comp is None
            or comp.ifs
            or not isinstance(comp.target, ast.Name)
            or not isinstance(it, ast.Call)
            or not isinstance(it.func, ast.Name)
            or it.func.id != "range"
            or len(it.args) != 2
        ):
            raise self.fail(f"{name}() takes one generator: {name}(EXPR for r in range(LO, HI))", node)
        index = Term("var", value=comp.target.id)
        lo, hi = (self.convert(a) for a in it.args)
        return Term(name, (index, lo, hi, self.convert(gen.elt)))  # type: ignore[attr-defined]

    def block(self, node: ast.Call) -> Term:
        grid = node.args[0] if len(node.args) == 1 else None
        if not isinstance(grid, ast.List) or not grid.elts or not all(isinstance(r, ast.List) for r in grid.elts):
            raise self.fail("block() takes one list of rows: block([[A, B], [C, D]])", node)
        rows = [r.elts for r in grid.elts]  # type: ignore[attr-defined]
        if any(len(r) != len(rows[0]) for r in rows):
            raise self.fail("every row of block() has the same number of blocks", grid)
        cells = tuple(self.convert(x) for row in rows for x in row)
        return Term(f"block{len(rows)}x{len(rows[0])}", cells)
