"""Print expression trees back in the catalogue's expression language (for generated steps)."""

from __future__ import annotations

from fractions import Fraction

from identity_book.expr import complexity, expectation
from identity_book.expr.nodes import Node, block_rows
from identity_book.expr.precedence import ATOM, NEGATION, POSTFIX, POWER, PRECEDENCE, PRODUCT, Bracketing

_CALLS = {"mpow", "kron", "K", "outer", "inner", "I", "zeros", "ones", "norm", "d", "grad", "grad_sym", "grad_distinct"}
_CALLS |= {"jacobian", "hess", "hess_vec", "tr", "det", "logdet", "logabsdet", "inv", "pinv", "expm", "logm"}
_CALLS |= {"adj", "cofactor", "submatrix", "vech", "unvec", "dup", "elim", "shift", "cshift", "vander"}
_CALLS |= {"grad_toeplitz", "grad_sym_toeplitz", "eigvecs", "svd_u", "svd_v", "lu_l", "lu_u", "chol"}
_CALLS |= {"log", "exp", "sqrt", "abs", "vec", "J", "e", "entry", "eigvals", "rank", "svdvals", "cond", "gamma"}
_CALLS |= complexity.COMPLEX_OPS - {"H", "imag_unit"}
_CALLS |= {"sin", "cos", "sinm", "cosm", "sqrtm", "powm"}
_NORM_ORDERS = {"norm1": "1", "norm2": "2", "norminf": "inf", "normmax": "'max'", "normnuc": "'nuc'"}


def _prec(node: Node) -> int:
    if node.op == "const":
        value = Fraction(node.value)  # type: ignore[arg-type]
        return ATOM if value.denominator == 1 and value >= 0 else NEGATION
    called = node.op in _CALLS or node.op in _NORM_ORDERS or node.op in expectation.OPS
    return ATOM if called else PRECEDENCE.get(node.op, ATOM)


def _wrap(node: Node, minimum: int) -> str:
    return _BRACKETING.operand(node, minimum)


def to_text(node: Node) -> str:
    op, a = node.op, node.args
    if op == "const":
        value = Fraction(node.value)  # type: ignore[arg-type]
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator} / {value.denominator}"
    if op in ("var", "int"):
        return str(node.value)
    if op in ("pi", "euler"):
        return "pi" if op == "pi" else "e"
    if op == "density":
        return f"{node.value}({', '.join(to_text(x) for x in a[1:])})"
    if op == "neg":
        return f"-{_wrap(a[0], PRODUCT)}"
    if op in ("add", "sub"):
        return f"{to_text(a[0])} {'+' if op == 'add' else '-'} {_wrap(a[1], NEGATION)}"
    if op in ("mul", "scale", "hadamard"):
        return f"{_wrap(a[0], PRODUCT)} * {_wrap(a[1], PRODUCT + 1)}"
    if op in ("div", "ediv"):
        return f"{_wrap(a[0], PRODUCT)} / {_wrap(a[1], PRODUCT + 1)}"
    if op == "divide":
        return f"{_wrap(a[1], PRODUCT)} / {_wrap(a[0], PRODUCT + 1)}"
    if op == "matmul":
        return f"{_wrap(a[0], PRODUCT)} @ {_wrap(a[1], PRODUCT + 1)}"
    if op == "pow":
        return f"{_wrap(a[0], POWER + 1)} ** {_wrap(a[1], POWER)}"
    if op == "T":
        return f"{_wrap(a[0], POSTFIX + 1)}.T"
    if op == "diag" or op == "diagvec":
        return f"diag({to_text(a[0])})"
    if op in ("sum", "prod"):
        lo, hi, body = a
        return f"{op}({to_text(body)} for {node.value} in range({to_text(lo)}, {to_text(hi)}))"
    if op == "block":
        rows = ", ".join("[" + ", ".join(to_text(x) for x in row) + "]" for row in block_rows(node))
        return f"block([{rows}])"
    if op in _NORM_ORDERS:
        return f"norm({to_text(a[0])}, {_NORM_ORDERS[op]})"
    if op in complexity.COMPLEX_OPS:
        return complexity.text(node, to_text, lambda x: _wrap(x, POSTFIX + 1))
    if op in expectation.OPS:
        return f"{op}({', '.join(to_text(x) for x in a[: expectation.ARGUMENTS[op]])})"
    if op in _CALLS:
        return f"{op}({', '.join(to_text(x) for x in a)})"
    raise ValueError(f"no text form for {op}")


_BRACKETING = Bracketing(to_text, _prec, ("(", ")"))
