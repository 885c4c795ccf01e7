"""Mutants of an expression: the small mistakes a printed formula has (for the mutation test)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from identity_book.errors import ExpressionError
from identity_book.expr.nodes import Node, same_shape
from identity_book.expr.parser import Scope, parse
from identity_book.expr.text import to_text


def _replace(root: Node, target: Node, new: Node) -> Node:
    if root is target:
        return new
    if not root.args:
        return root
    args = tuple(_replace(a, target, new) for a in root.args)
    if all(x is y for x, y in zip(args, root.args, strict=True)):
        return root
    return Node(root.op, args, root.shape, root.value, root.offset)


def _edits(node: Node) -> Iterator[tuple[str, Node]]:
    """(kind, replacement) for one node."""
    op, a = node.op, node.args
    if node.shape is not None:
        if op == "T":
            yield "drop a transpose", a[0]
        elif op == "var":
            yield "add a transpose", Node("T", (node,), (node.shape[1], node.shape[0]))
    if op in ("matmul", "kron", "hadamard", "K") and len(a) == 2:
        yield "swap the factors", Node(op, (a[1], a[0]), node.shape)
    if op in ("add", "sub"):
        yield "drop a term", a[0]
        yield "drop a term", a[1] if op == "add" else Node("neg", (a[1],), a[1].shape)
        yield "flip a sign", Node("sub" if op == "add" else "add", a, node.shape)
    if op == "const" and node.value not in (0, 1):
        yield "change a factor of 2", Node("const", value=Fraction(node.value) * 2)  # type: ignore[arg-type]


def mutants(text: str, scope: Scope) -> Iterator[tuple[str, str]]:
    """Distinct, well-formed mutants of ``text``: (kind, mutant text)."""
    root = parse(text, scope)
    yield "flip the sign", to_text(Node("neg", (root,), root.shape))
    two = Node("const", value=Fraction(2))
    yield "change a factor of 2", to_text(Node("scale" if root.shape else "mul", (two, root), root.shape))
    for dim in sorted(str(d) for d in scope.integers):
        # equal at size 2 only: caught only when every dimension takes a second size
        try:
            scaled = to_text(parse(f"({dim} / 2) * ({to_text(root)})", scope))
        except ExpressionError:
            continue
        yield "a factor that is 1 at size 2", scaled
    seen = {text}
    for node in list(root.walk()):
        for kind, new in _edits(node):
            try:
                candidate = to_text(_replace(root, node, new))
                if not same_shape(parse(candidate, scope).shape, root.shape):
                    continue
            except (ExpressionError, ValueError):
                continue
            if candidate not in seen:
                seen.add(candidate)
                yield kind, candidate
