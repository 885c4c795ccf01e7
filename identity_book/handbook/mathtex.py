"""LaTeX for the math the handbook prints: statements, variables, derivation steps, values.

Everything returned here is generated from parsed expressions or from numbers, never copied
from catalogue text, except a hand-written ``latex:`` display that passed the whitelist.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any

import sympy

from identity_book.catalogue.compile import Compiled
from identity_book.catalogue.records import Variable
from identity_book.escape import Raw, one_line
from identity_book.expr.latex import symbol, to_latex
from identity_book.expr.nodes import Node

_FRACTION = re.compile(r"^(-?)(\d+)/(\d+)$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?$")
_DIM = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ENTRIES = 64


def statement(c: Compiled) -> Raw:
    """The display of an identity: its hand-written ``latex:`` (as written) or ``lhs = rhs``."""
    if c.identity.latex is not None:
        lines = [line.strip() for line in c.identity.latex.strip().splitlines() if line.strip()]
        return Raw("\n".join(lines))
    # \ibfit: the PDF scales a statement wider than the page down to fit (see the preamble)
    return Raw(f"\\ibfit{{{c.statement_latex()}}}")


def plain_statement(c: Compiled) -> str:
    """The statement as LaTeX a reader can paste into a paper (no handbook macros)."""
    if c.identity.latex is not None:
        return "\n".join(line.strip() for line in c.identity.latex.strip().splitlines() if line.strip())
    return c.statement_latex()


def variable_symbol(c: Compiled, var: Variable) -> Raw:
    shape = None if var.integer is not None else c.scope.shapes.get(var.name)
    node = Node("var", shape=shape, value=var.name) if var.integer is None else Node("int", value=var.name)
    return Raw(to_latex(node))


def distribution(c: Compiled, var: Variable) -> Raw:
    """What a random variable is, for the variables table: ``random, ∼ 𝒩(m, S)``."""
    dist = c.scope.random.get(var.name)
    if dist is None:
        return Raw("random")
    mean = to_latex(dist.mean)
    cov = None if dist.cov is None else to_latex(dist.cov)
    if dist.family == "normal":
        return Raw(f"random, {{math}}`\\sim \\mathcal{{N}}\\left({mean}, {cov}\\right)` (normal)")
    if dist.family == "chi":
        return Raw(f"random, {{math}}`\\sim \\chi_{{{mean}}}` (chi: positive, its square chi-squared)")
    if dist.family == "independent":
        orders = ", ".join(f"{{math}}`{to_latex(t)}`" for t in dist.central)
        text = f"random, independent coordinates with mean {{math}}`{mean}`"
        return Raw(f"{text} and central moments {orders} (of order 2, 3, …)")
    text = f"random, any distribution with mean {{math}}`{mean}`"
    what = "of vec" if var.shape and len(var.shape) == 2 else ""
    return Raw(text + (f" and covariance {what} {{math}}`{cov}`".replace("  ", " ") if cov is not None else ""))


def _dim(d: str | int) -> str:
    if isinstance(d, int):
        return str(d)
    if not _DIM.match(d):
        raise ValueError(f"not a dimension name: {d!r}")
    base, _, sub = d.partition("_")
    return f"{base}_{{{sub}}}" if sub else base


def variable_shape(var: Variable) -> tuple[str, Raw]:
    """A kind in words and the shape as math: ``("matrix", "p \\times m")``."""
    if var.integer is not None:
        lo, hi = var.integer
        return "integer", Raw(f"{lo} \\le {symbol(var.name)} \\le {hi}")
    shape = var.shape or ()
    if len(shape) == 0:
        return "scalar", Raw("1 \\times 1")
    if len(shape) == 1:
        return "column vector", Raw(f"{_dim(shape[0])} \\times 1")
    return "matrix", Raw(f"{_dim(shape[0])} \\times {_dim(shape[1])}")


def number(value: Any) -> str:
    """One sampled value: an integer, a fraction ``p/q`` or a float, as LaTeX."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return r"\infty" if value > 0 else (r"-\infty" if value < 0 else r"\mathrm{NaN}")
        mantissa, _, exponent = f"{value:.6g}".partition("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}" if exponent else mantissa
    if isinstance(value, str):
        m = _FRACTION.match(value.strip())
        if m:
            return f"{m.group(1)}\\tfrac{{{m.group(2)}}}{{{m.group(3)}}}"
        if _DECIMAL.match(value.strip()):
            return number(float(value))
        return _complex_number(value.strip())
    return r"\,?\,"


_GAUSSIAN = re.compile(r"^(?:(-?\d+(?:/\d+)?)(?=[+-]))?([+-])?(\d+(?:/\d+)?)?i$")


def _complex_number(text: str) -> str:
    """A Gaussian rational as printed by the verifier (``2-i``, ``-1/2+3i``, ``i``) or a complex
    double (``(1.5-2j)``) as LaTeX, ``a + b\\mathrm{i}``; anything else as a placeholder."""
    m = _GAUSSIAN.match(text)
    if m:
        re_part, sign, magnitude = m.groups()
        head = number(re_part) if re_part else ""
        sign = "-" if sign == "-" else ("+" if head else "")
        return f"{head}{sign}{number(magnitude) if magnitude else ''}\\mathrm{{i}}"
    if text.endswith("j") or text.endswith("j)"):
        try:
            z = complex(text)
        except ValueError:
            return r"\,?\,"
        if z.real == 0:
            return f"{'-' if z.imag < 0 else ''}{number(abs(z.imag))}\\mathrm{{i}}"
        sign = "-" if z.imag < 0 else "+"
        return f"{number(z.real)}{sign}{number(abs(z.imag))}\\mathrm{{i}}"
    return r"\,?\,"


def value(data: Any) -> Raw:
    """A scalar or a matrix (list of rows) as LaTeX; large matrices are elided."""
    if isinstance(data, list):
        rows = [row if isinstance(row, list) else [row] for row in data]
        if sum(len(r) for r in rows) > MAX_ENTRIES:
            cols = len(rows[0]) if rows else 0
            return Raw(rf"\text{{({len(rows)}\,\times\,{cols} matrix)}}")
        body = r" \\ ".join(" & ".join(number(x) for x in row) for row in rows)
        return Raw(f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}")
    return Raw(number(data))


# Characters printed the same inside \text{} by MathJax (which reads no macros there) and by
# LaTeX; every other ASCII character is written as a math symbol between the text runs.
_TEXT_SAFE = frozenset(string.ascii_letters + string.digits + " .,;:!?()[]/+-=*'\"@")
_TEXT_AS_MATH = {
    "\\": r"\backslash",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\hat{}",
    "~": r"\sim",
    "<": "<",
    ">": ">",
    "|": r"\vert",
    "`": r"\backprime",
}


def text(value: str) -> Raw:
    """Catalogue text (a derivation's ``because``) inside display math, in MathJax and in LaTeX.

    Ordinary characters and non-ASCII ones (``ᵀ``, ``⇒``; the PDF's preamble declares them)
    go into ``\\text{...}``; the LaTeX specials become math symbols outside it, so no catalogue
    text is ever read as a macro, a brace or an alignment tab.
    """
    out: list[str] = []
    run: list[str] = []
    for ch in one_line(value):
        if ch in _TEXT_SAFE or not ch.isascii():
            run.append(ch)
            continue
        if run:
            out.append("\\text{" + "".join(run) + "}")
            run = []
        symbol = _TEXT_AS_MATH.get(ch)
        if symbol is not None:  # other ASCII (control characters) is dropped
            out.append(symbol + (" " if symbol[-1].isalpha() else ""))
    if run:
        out.append("\\text{" + "".join(run) + "}")
    return Raw("".join(out))


# Colours as RGB triples: MathJax's colour package has no HTML model, xcolor has both.
MARK_COLOURS = {"passed": "27,120,55", "failed": "178,24,43", "inconclusive": "178,24,43"}


def coloured(rgb: str, tex: str) -> str:
    return f"\\textcolor[RGB]{{{rgb}}}{{{tex}}}"


def rule(value: str) -> Raw:
    """A derivation rule beside its step: ``\\ibrule`` sets it small and grey (macro defined for
    MathJax by the extension and for LaTeX in the preamble)."""
    return Raw(f"\\ibrule{{{text(value)}}}")


STEP_MARKS = {
    "passed": r"\checkmark",
    "failed": r"\boldsymbol{\times}\ \text{failed}",
    "inconclusive": r"\text{? undecided}",
    "skipped": r"\text{not checked}",
}


def step_mark(outcome: str) -> Raw:
    """The mark beside a step: a check for a verified one, words for anything else."""
    mark = STEP_MARKS.get(outcome)
    if mark is None:
        return Raw("")
    colour = MARK_COLOURS.get(outcome)
    return Raw(coloured(colour, mark) if colour else mark)


_WIDTH_DROP = [
    (re.compile(r"\\(mathbf|boldsymbol|mathrm|mathinner|text|textcolor\[RGB\]\{[0-9,]*\})\{"), "{"),
    (re.compile(r"\\(left|right|quad|!|,)"), ""),
    (re.compile(r"\^\{\\top\}"), "T"),
    (re.compile(r"\\operatorname\{(\w+)\}"), r"\1"),
    (re.compile(r"\\[A-Za-z]+"), "x"),
    (re.compile(r"[{}\s]"), ""),
]


def width(tex: str) -> int:
    """A rough width of generated LaTeX, in characters as printed (for breaking long lines)."""
    for pattern, replacement in _WIDTH_DROP:
        tex = pattern.sub(replacement, tex)
    return len(tex)


def step(node: Node) -> Raw:
    return Raw(to_latex(node))


def lhs(c: Compiled) -> Raw:
    return Raw(to_latex(c.lhs))


def symbol_for(name: str, data: Any) -> str:
    """A counterexample variable's symbol: bold when its value is a matrix or vector."""
    if isinstance(data, list) and not (len(data) == 1 and isinstance(data[0], list) and len(data[0]) == 1):
        rows = len(data)
        cols = len(data[0]) if rows and isinstance(data[0], list) else 1
        return to_latex(Node("var", shape=(sympy.Integer(rows), sympy.Integer(cols)), value=name))
    return symbol(name)


def _script_end(tex: str, i: int) -> int:
    """Index after the argument of the ``^`` or ``_`` at ``i``."""
    j = i + 1
    while j < len(tex) and tex[j] == " ":
        j += 1
    if j < len(tex) and tex[j] == "{":
        depth = 0
        while j < len(tex):
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if tex[j] == "\\":
                j += 1
            elif depth == 0:
                return j + 1
            j += 1
        return j
    if j < len(tex) and tex[j] == "\\":
        j += 1
        while j < len(tex) and tex[j].isalpha():
            j += 1
        return j
    return j + 1


def double_scripts(tex: str) -> list[str]:
    """Places where generated LaTeX puts two superscripts (or subscripts) on one base.

    TeX stops with "Double superscript" and MathJax prints an error in the page, so the
    handbook refuses such output instead of publishing it.
    """
    found = []
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "^_":
            end = _script_end(tex, i)
            k = end
            while k < len(tex) and tex[k] == " ":
                k += 1
            if k < len(tex) and tex[k] == ch:
                found.append(tex[max(0, i - 20) : min(len(tex), _script_end(tex, k))])
            i = end
            continue
        i += 1
    return found
