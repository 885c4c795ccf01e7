"""Print expression trees back in the catalogue's expression language (for generated steps)."""

from __future__ import annotations

from fractions import Fraction

from identity_book.expr.nodes import Node, block_rows

_PREC = {"add": 1, "sub": 1, "neg": 2, "mul": 3, "scale": 3, "div": 3, "divide": 3, "ediv": 3, "hadamard": 3}
_PREC |= {"matmul": 3, "pow": 6, "T": 7}  # *, / and @ share one level in Python
_ATOM = 9
_CALLS = {"mpow", "kron", "K", "outer", "inner", "I", "zeros", "ones", "norm", "d", "grad", "grad_sym", "grad_distinct"}
_CALLS |= {"jacobian", "hess", "hess_vec", "tr", "det", "logdet", "logabsdet", "inv", "pinv", "expm", "logm"}
_CALLS |= {"log", "exp", "sqrt", "abs", "vec", "J", "e", "entry", "eigvals", "rank"}


def _prec(node: Node) -> int:
    if node.op == "const":
        value = Fraction(node.value)  # type: ignore[arg-type]
        return _ATOM if value.denominator == 1 and value >= 0 else 2
    return _PREC.get(node.op, _ATOM)


def _wrap(node: Node, minimum: int) -> str:
    text = to_text(node)
    return f"({text})" if _prec(node) < minimum else text


def to_text(node: Node) -> str:
    op, a = node.op, node.args
    if op == "const":
        value = Fraction(node.value)  # type: ignore[arg-type]
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator} / {value.denominator}"
    if op in ("var", "int"):
        return str(node.value)
    if op == "neg":
        return f"-{_wrap(a[0], 3)}"
    if op in ("add", "sub"):
        return f"{to_text(a[0])} {'+' if op == 'add' else '-'} {_wrap(a[1], 2)}"
    if op in ("mul", "scale", "hadamard"):
        return f"{_wrap(a[0], 3)} * {_wrap(a[1], 4)}"
    if op in ("div", "ediv"):
        return f"{_wrap(a[0], 3)} / {_wrap(a[1], 4)}"
    if op == "divide":
        return f"{_wrap(a[1], 3)} / {_wrap(a[0], 4)}"
    if op == "matmul":
        return f"{_wrap(a[0], 3)} @ {_wrap(a[1], 4)}"
    if op == "pow":
        return f"{_wrap(a[0], 7)} ** {_wrap(a[1], 6)}"
    if op == "T":
        return f"{_wrap(a[0], 8)}.T"
    if op == "diag" or op == "diagvec":
        return f"diag({to_text(a[0])})"
    if op in ("sum", "prod"):
        lo, hi, body = a
        return f"{op}({to_text(body)} for {node.value} in range({to_text(lo)}, {to_text(hi)}))"
    if op == "block":
        rows = ", ".join("[" + ", ".join(to_text(x) for x in row) + "]" for row in block_rows(node))
        return f"block([{rows}])"
    if op in _CALLS:
        return f"{op}({', '.join(to_text(x) for x in a)})"
    raise ValueError(f"no text form for {op}")
