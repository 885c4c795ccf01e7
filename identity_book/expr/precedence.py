"""How tightly each operator binds (higher binds tighter), and when an operand is bracketed: one
table and one rule for the LaTeX and text printers.

The printers put brackets around an operand whose level is below the one its place needs. The
text printer writes ``kron``, ``inv``, ``mpow``, ... as calls, which are atoms there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from identity_book.expr.nodes import Node

SUM = 1  # a + b, a - b
NEGATION = 2  # -a
PRODUCT = 3  # a * b, a @ b, a / b, Hadamard and Kronecker products (one level, as in Python)
POWER = 5  # a ** b
POSTFIX = 6  # a.T, a⁻¹, a⁺, aᵏ, Jⁱʲ (a superscript)
ATOM = 9  # names, numbers, calls, bracketed forms

PRECEDENCE = {
    "add": SUM,
    "sub": SUM,
    "neg": NEGATION,
    "mul": PRODUCT,
    "scale": PRODUCT,
    "matmul": PRODUCT,
    "hadamard": PRODUCT,
    "kron": PRODUCT,
    "div": PRODUCT,
    "divide": PRODUCT,
    "ediv": PRODUCT,
    "pow": POWER,
    "T": POSTFIX,
    "inv": POSTFIX,
    "pinv": POSTFIX,
    "mpow": POSTFIX,
    "conj": POSTFIX,  # A^*
    "H": POSTFIX,  # A^H
    "sqrtm": POSTFIX,  # S^{1/2}
    "powm": POSTFIX,  # S^{p}
    "J": POSTFIX,  # J^{ij} carries a superscript: (J^{ij})^T, never J^{ij}^T
}


@dataclass(frozen=True)
class Bracketing:
    """The one rule both printers bracket by: an operand whose level is below its place's minimum
    is printed between ``brackets``. ``show`` prints a tree, ``level`` is its binding strength."""

    show: Callable[[Node], str]
    level: Callable[[Node], int]
    brackets: tuple[str, str]

    def operand(self, node: Node, minimum: int) -> str:
        text = self.show(node)
        return f"{self.brackets[0]}{text}{self.brackets[1]}" if self.level(node) < minimum else text
