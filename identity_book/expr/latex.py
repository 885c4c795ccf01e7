"""LaTeX from expression trees (never parsed back): bold matrices, italic scalars."""

from __future__ import annotations

import re
from fractions import Fraction

from identity_book.expr import complexity, expectation
from identity_book.expr.nodes import Node, block_rows, scalar_like
from identity_book.expr.precedence import ATOM, NEGATION, POSTFIX, POWER, PRECEDENCE, PRODUCT, Bracketing

_NAMED = {
    "tr": r"\operatorname{tr}",
    "det": r"\det",
    "log": r"\log",
    "exp": r"\exp",
    "sin": r"\sin",
    "cos": r"\cos",
    "sinm": r"\sin",
    "cosm": r"\cos",
    "vec": r"\operatorname{vec}",
    "diag": r"\operatorname{diag}",
    "diagvec": r"\operatorname{diag}",
    "rank": r"\operatorname{rank}",
    "adj": r"\operatorname{adj}",
    "cofactor": r"\operatorname{cof}",
    "vech": r"\operatorname{vech}",
}
# Matrices built from a size: the duplication and elimination matrices, the shifts.
_SIZED = {"dup": "D", "elim": "L", "shift": "Z", "cshift": "C"}

# Factors of decompositions (identity_book.verify.decompositions), printed as named operators.
_FACTORS = {
    "eigvecs": "\\operatorname{eigvecs}",
    "svd_u": "\\operatorname{svd}_{\\mathbf{U}}",
    "svd_v": "\\operatorname{svd}_{\\mathbf{V}}",
    "lu_l": "\\operatorname{lu}_{\\mathbf{L}}",
    "lu_u": "\\operatorname{lu}_{\\mathbf{U}}",
    "chol": "\\operatorname{chol}",
    "schur_u": "\\operatorname{schur}_{\\mathbf{U}}",
    "schur_t": "\\operatorname{schur}_{\\mathbf{T}}",
}
_NORM_SUBSCRIPTS = {"norm1": "1", "norm2": "2", "norminf": "\\infty", "normmax": "\\max", "normnuc": "*"}
# how a relation between the two sides is printed
RELATIONS = {"==": "=", "<=": "\\le", "<": "<", ">=": "\\ge", ">": ">"}


def symbol(name: str, node: Node | None = None) -> str:
    """A variable: bold for matrices and vectors, italic for scalars."""
    base, _, sub = name.partition("_")
    digits = re.search(r"[0-9]+$", base)
    if digits and not sub and digits.start() > 0:  # A11 is A_{11}, as the Cookbook prints it
        base, sub = base[: digits.start()], digits.group()
    greek = {"alpha", "beta", "gamma", "delta", "lambda", "mu", "sigma", "theta", "tau", "phi", "psi", "omega"}
    greek |= {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
    greek |= {"nu", "rho", "eta", "xi", "kappa", "epsilon", "zeta"}
    text = f"\\{base}" if base in greek else base
    if node is not None and not scalar_like(node.shape):
        text = f"\\boldsymbol{{{text}}}" if base in greek else f"\\mathbf{{{text}}}"
    return f"{text}_{{{sub}}}" if sub else text


_DENSITY_NAMES = {
    "normal_pdf": r"\mathcal{N}",
    "student_t_pdf": r"\operatorname{St}",
    "wishart_pdf": r"\mathcal{W}",
    "inv_wishart_pdf": r"\mathcal{W}^{-1}",
    "dirichlet_pdf": r"\operatorname{Dir}",
    "multinomial_pmf": r"\operatorname{Mult}",
}


def _density(node: Node) -> str:
    """𝒩(x | m, Σ): the density's name, the point, a bar, the parameters."""
    point, *params = (to_latex(x) for x in node.args[1:])
    return f"{_DENSITY_NAMES[str(node.value)]}\\left({point} \\mid {', '.join(params)}\\right)"


def _leading_neg(node: Node) -> bool:
    """A product whose leftmost factor is negated: printed as a negated product, -A B, not (-A) B."""
    if node.op not in ("matmul", "scale", "mul"):
        return False
    return node.args[0].op == "neg" or _leading_neg(node.args[0])


def _without_leading_neg(node: Node) -> Node:
    left = node.args[0]
    inner = left.args[0] if left.op == "neg" else _without_leading_neg(left)
    return Node(node.op, (inner, *node.args[1:]), node.shape, node.value)


def _prec(node: Node) -> int:
    if node.label is not None:
        return ATOM
    if _leading_neg(node):
        return NEGATION
    if node.op == "const" and node.value is not None and Fraction(node.value).denominator != 1:
        return PRODUCT
    if node.op == "const" and Fraction(node.value) < 0:  # type: ignore[arg-type]
        return NEGATION
    return PRECEDENCE.get(node.op, ATOM)


def _indices(nodes: tuple[Node, ...]) -> str:
    """Indices as the Cookbook writes them: ``ij`` when each is one character, else ``i,j``."""
    parts = [to_latex(x) for x in nodes]
    return ("" if all(len(p) == 1 for p in parts) else ",").join(parts)


def _wrap(node: Node, minimum: int) -> str:
    if node.op in ("sum", "prod") and minimum > POWER:  # a superscript on \sum_k f needs brackets
        return f"\\left({to_latex(node)}\\right)"
    return _BRACKETING.operand(node, minimum)


def _const(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    if value.numerator < 0:
        return f"-\\tfrac{{{-value.numerator}}}{{{value.denominator}}}"
    return f"\\tfrac{{{value.numerator}}}{{{value.denominator}}}"


def _last(hi: Node) -> str:
    """The last index of ``range(lo, hi)``: ``n`` for ``n + 1``, ``4`` for ``5``, else ``hi - 1``."""
    if hi.op == "const":
        return _const(Fraction(hi.value) - 1)  # type: ignore[arg-type]
    if hi.op == "add" and hi.args[1].op == "const" and Fraction(hi.args[1].value) == 1:  # type: ignore[arg-type]
        return to_latex(hi.args[0])
    return f"{to_latex(hi)}-1"


def to_latex(node: Node) -> str:
    op, a = node.op, node.args
    if node.label is not None:  # a where: definition, printed as its name
        return symbol(node.label, node)
    if op == "const":
        return _const(Fraction(node.value))  # type: ignore[arg-type]
    if op == "var":
        return symbol(str(node.value), node)
    if op == "int":
        return symbol(str(node.value))
    if op == "pi":
        return "\\pi"
    if op == "euler":
        return "\\mathrm{e}"
    if op == "gamma":
        return f"\\Gamma\\left({to_latex(a[0])}\\right)"
    if op == "density":
        return _density(node)
    if op == "neg":
        return f"-{_wrap(a[0], PRODUCT)}"
    if op in ("add", "sub"):
        right = to_latex(a[1]) if op == "add" else _wrap(a[1], PRODUCT)
        sign = "+" if op == "add" else "-"
        if op == "add" and right.startswith("-"):
            return f"{to_latex(a[0])} {right}"
        return f"{to_latex(a[0])} {sign} {right}"
    if _leading_neg(node):
        return f"-{_wrap(_without_leading_neg(node), PRODUCT)}"
    if op in ("mul", "scale", "matmul"):
        # a Kronecker or Hadamard product inside a matrix product is bracketed: (A ⊗ B)(C ⊗ D)
        mixed = ("kron", "hadamard")
        left = _wrap(a[0], PRODUCT + 1 if a[0].op in mixed else PRODUCT)
        right = _wrap(a[1], PRODUCT + 1 if op == "mul" or a[1].op in mixed else PRODUCT)
        sep = " \\cdot " if (left[-1:].isdigit() and right[:1].isdigit()) else " "
        return f"{left}{sep}{right}"
    if op in ("div", "divide", "ediv"):
        num, den = (a[0], a[1]) if op != "divide" else (a[1], a[0])
        frac = f"\\frac{{{to_latex(num)}}}{{{to_latex(den)}}}"
        return frac if op != "ediv" else f"{_wrap(num, PRODUCT + 1)} \\oslash {_wrap(den, PRODUCT + 1)}"
    if op == "hadamard":
        return f"{_wrap(a[0], PRODUCT + 1)} \\circ {_wrap(a[1], PRODUCT + 1)}"
    if op == "kron":
        return f"{_wrap(a[0], PRODUCT + 1)} \\otimes {_wrap(a[1], PRODUCT + 1)}"
    if op == "pow":
        exponent = to_latex(a[1])
        if a[1].op == "const" and Fraction(a[1].value) == Fraction(1, 2):  # type: ignore[arg-type]
            return f"\\sqrt{{{to_latex(a[0])}}}"
        return f"{_wrap(a[0], POSTFIX + 1)}^{{{exponent}}}"
    if op == "T":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{\\top}}"
    if op == "inv":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{-1}}"
    if op == "pinv":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{+}}"
    if op == "mpow":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{{to_latex(a[1])}}}"
    if op in _NAMED:
        return f"{_NAMED[op]}\\left({to_latex(a[0])}\\right)"
    if op == "logdet":
        return f"\\log\\det\\left({to_latex(a[0])}\\right)"
    if op == "logabsdet":
        return f"\\log\\left|\\det\\left({to_latex(a[0])}\\right)\\right|"
    if op == "sqrt":
        return f"\\sqrt{{{to_latex(a[0])}}}"
    if op == "sqrtm":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{1/2}}"
    if op == "powm":
        return f"{_wrap(a[0], POSTFIX + 1)}^{{{to_latex(a[1])}}}"
    if op == "abs":
        return f"\\left|{to_latex(a[0])}\\right|"
    if op in ("expm", "logm"):
        return f"\\operatorname{{{op[:3]}}}\\left({to_latex(a[0])}\\right)"
    if op == "norm":
        sub = "_F" if not scalar_like(a[0].shape) and a[0].shape is not None and str(a[0].shape[1]) != "1" else ""
        return f"\\left\\|{to_latex(a[0])}\\right\\|{sub}"
    if op in _NORM_SUBSCRIPTS:
        return f"\\left\\|{to_latex(a[0])}\\right\\|_{{{_NORM_SUBSCRIPTS[op]}}}"
    if op == "cond":
        return f"\\kappa\\left({to_latex(a[0])}\\right)"
    if op == "svdvals":
        return f"\\boldsymbol{{\\sigma}}\\left({to_latex(a[0])}\\right)"
    if op == "inner":
        return f"{_wrap(a[0], PRODUCT + 1)} : {_wrap(a[1], PRODUCT + 1)}"
    if op == "outer":
        return f"{_wrap(a[0], POSTFIX + 1)} {_wrap(a[1], POSTFIX + 1)}^{{\\top}}"
    if op == "I":
        return f"\\mathbf{{I}}_{{{to_latex(a[0])}}}"
    if op in ("zeros", "ones"):
        letter = "0" if op == "zeros" else "1"
        dims = ",".join(to_latex(x) for x in a)
        return f"\\mathbf{{{letter}}}_{{{dims}}}"
    if op == "J":
        return f"\\mathbf{{J}}^{{{_indices(a[:2])}}}"
    if op == "e":
        return f"\\mathbf{{e}}_{{{to_latex(a[0])}}}"
    if op == "entry":
        index = _indices(a[1:])
        return f"\\left({to_latex(a[0])}\\right)_{{{index}}}" if a[0].op != "var" else f"{to_latex(a[0])}_{{{index}}}"
    if op == "block":
        grid = " \\\\ ".join(" & ".join(to_latex(x) for x in row) for row in block_rows(node))
        return f"\\begin{{bmatrix}} {grid} \\end{{bmatrix}}"
    if op == "K":
        return f"\\mathbf{{K}}_{{{to_latex(a[0])},{to_latex(a[1])}}}"
    if op in _SIZED:
        return f"\\mathbf{{{_SIZED[op]}}}_{{{to_latex(a[0])}}}"
    if op == "submatrix":
        return f"\\left[{to_latex(a[0])}\\right]_{{{_indices(a[1:])}}}"
    if op == "unvec":
        size = f"{to_latex(a[1])} \\times {to_latex(a[2])}"
        return f"\\operatorname{{vec}}^{{-1}}_{{{size}}}\\left({to_latex(a[0])}\\right)"
    if op == "vander":
        return f"\\mathbf{{V}}\\left({to_latex(a[0])}\\right)"
    if op == "eigvals":
        return f"\\boldsymbol{{\\lambda}}\\left({to_latex(a[0])}\\right)"
    if op in _FACTORS:
        return f"{_FACTORS[op]}\\left({to_latex(a[0])}\\right)"
    if op in ("sum", "prod"):
        lo, hi, body = a
        return f"\\{op}_{{{symbol(str(node.value))}={to_latex(lo)}}}^{{{_last(hi)}}} {_wrap(body, PRODUCT)}"
    if op in _GRADIENT_MARKS:
        x = to_latex(a[1])
        mark = _GRADIENT_MARKS[op]
        return f"\\frac{{\\partial}}{{\\partial {x}}}{mark}\\left[{to_latex(a[0])}\\right]"
    if op == "jacobian":
        x = to_latex(a[1])
        top = f"\\partial \\operatorname{{vec}}\\left({to_latex(a[0])}\\right)"
        return f"\\frac{{{top}}}{{\\partial (\\operatorname{{vec}} {x})^{{\\top}}}}"
    if op == "hess":
        x = to_latex(a[1])
        return f"\\frac{{\\partial^2}}{{\\partial {x}\\, \\partial {x}^{{\\top}}}}\\left[{to_latex(a[0])}\\right]"
    if op == "hess_vec":
        x = to_latex(a[1])
        return (
            f"\\frac{{\\partial^2}}{{\\partial \\operatorname{{vec}} {x}\\, \\partial "
            f"(\\operatorname{{vec}} {x})^{{\\top}}}}\\left[{to_latex(a[0])}\\right]"
        )
    if op == "d":
        # an upright d; an inner atom, so TeX sets a thin space between it and a neighbouring
        # factor (A dX B) but none after an opening parenthesis; a function keeps its own space,
        # and a parenthesis (itself an inner atom) is pulled back to the d
        inner = to_latex(a[0])
        bare = a[0].op == "var" or a[0].op in _NAMED or a[0].op in ("logdet", "logabsdet")
        arg = inner if bare else f"\\!\\left({inner}\\right)"
        return f"\\mathinner{{\\mathrm{{d}}{arg}}}"
    if op in complexity.COMPLEX_OPS:
        return complexity.latex(node, to_latex, lambda x: _wrap(x, POSTFIX + 1))
    if op in expectation.OPS:  # only the averaged arguments; the distribution is stated with the variable
        inner = ", ".join(to_latex(x) for x in a[: expectation.ARGUMENTS[op]])
        name = "\\mathbb{E}" if op == "E" else f"\\operatorname{{{op}}}"
        return f"{name}\\left[{inner}\\right]"
    raise ValueError(f"no LaTeX for {op}")


_GRADIENT_MARKS = {
    "grad": "",
    "grad_sym": r"_{\mathrm{sym}}",
    "grad_distinct": r"_{\mathrm{distinct}}",
    "grad_toeplitz": r"_{\mathrm{Toeplitz}}",
    "grad_sym_toeplitz": r"_{\mathrm{sym.\,Toeplitz}}",
}

_BRACKETING = Bracketing(to_latex, _prec, ("\\left(", "\\right)"))
