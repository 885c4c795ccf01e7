"""A derivation as one aligned display: ``d f &= step`` lines, the rule and a mark beside each.

The display is the same LaTeX for MathJax and for the PDF::

    \\begin{aligned}
    \\mathrm{d}\\operatorname{tr}(AXB) &= \\operatorname{tr}(A\\,\\mathrm{d}X\\,B) && \\text{linearity} && ✓ \\\\
    &= ... \\\\
    \\Longrightarrow\\quad \\frac{\\partial}{\\partial X}[...] &= A^T B^T && ... && ✓
    \\end{aligned}

The first line starts from what the verifier compares the first step with (the differential of
the function being differentiated, or the left side of a plain identity); a first step that
merely restates it becomes that left-hand side. Long rules are wrapped onto lines of their own
under the step, since display math does not break lines.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from identity_book.catalogue.compile import Compiled
from identity_book.escape import Raw, one_line
from identity_book.expr.latex import to_latex
from identity_book.expr.nodes import Node
from identity_book.expr.text import to_text
from identity_book.handbook import mathtex
from identity_book.verdict import StepMark
from identity_book.verify.derivation import first_reference
from identity_book.verify.generator import is_derivative

RULE_WIDTH = 36
ORPHAN = 8  # a rule's last few characters stay on the line before
PAGE = 56  # width units (about one bold letter each) of a display line, web page or PDF
MIN_MATH = 20  # a sum is not broken into lines narrower than this
WORST_FIRST = ("failed", "inconclusive", "skipped", "unchecked", "passed")


@dataclass(frozen=True)
class Line:
    kind: str  # "step" or "identify"
    node: Node
    because: str
    mark: StepMark


@dataclass(frozen=True)
class Row:
    left: str
    node: Node | None  # the right side, after "="
    rules: list[str]
    mark: StepMark | None


def start(c: Compiled) -> Node:
    """What the first step is checked against (see :mod:`identity_book.verify.derivation`)."""
    return first_reference(c.lhs)


def worst(marks: list[StepMark]) -> StepMark:
    return min(marks, key=lambda m: WORST_FIRST.index(m.outcome) if m.outcome in WORST_FIRST else 0)


def rows(c: Compiled, lines: list[Line]) -> list[Row]:
    """The display's rows, before they are written as LaTeX."""
    first = start(c)
    left = to_latex(first)
    pending: list[Line] = []
    todo = list(lines)
    if todo and todo[0].kind == "step" and to_text(todo[0].node) == to_text(first):
        left = to_latex(todo[0].node)
        pending.append(todo.pop(0))
    out: list[Row] = []
    for line in todo:
        group = [*pending, line]
        pending = []
        rules = [g.because for g in group if g.because]
        mark = worst([g.mark for g in group])
        if line.kind == "identify":
            out.append(Row(rf"\Longrightarrow\quad {to_latex(c.lhs)}", line.node, rules, mark))
        else:
            out.append(Row("" if out else left, line.node, rules, mark))
    if pending:  # only a restatement of the start: nothing else to show beside it
        out.append(Row(left, None, [p.because for p in pending if p.because], worst([p.mark for p in pending])))
    if not is_derivative(c.lhs) and lines and to_text(lines[-1].node) != to_text(c.rhs):
        # the last step is checked against the right side, so the chain ends there
        out.append(Row("" if out else left, c.rhs, [], lines[-1].mark))
    return out


def wrap_rules(rules: list[str], width: int = RULE_WIDTH) -> list[str]:
    """The rules as lines of at most ``width`` characters where possible.

    Each rule starts a line; its parts (separated by "; ") share lines while they fit, and a
    part too long for one line is broken after a comma, else at spaces.
    """
    out: list[str] = []
    for rule in rules:
        parts = [p for p in one_line(rule).split("; ") if p.strip()]
        lines: list[str] = []
        for i, part in enumerate(parts):
            text = part + (";" if i < len(parts) - 1 else "")
            if lines and len(lines[-1]) + 1 + len(text) <= width:
                lines[-1] += " " + text
            else:
                lines += _wrap(text, width)
        out += lines
    return out


def _wrap(part: str, width: int) -> list[str]:
    if len(part) <= width + ORPHAN:
        return [part] if part.strip() else []
    lines: list[str] = []
    for piece in re.split(r"(?<=,) (?=\D)", part):  # "A, B" but not "K(m, 2)"
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines += textwrap.wrap(piece, width, break_long_words=False, break_on_hyphens=False)
    if len(lines) > 1 and len(lines[-1]) <= ORPHAN:  # no word left alone on the last line
        lines[-2:] = [" ".join(lines[-2:])]
    return lines


def terms(node: Node) -> list[str]:
    """The LaTeX of the top-level terms of a sum, each after the first with its sign."""
    parts: list[tuple[str, Node]] = []
    while node.op in ("add", "sub"):
        parts.append(("+" if node.op == "add" else "-", node.args[1]))
        node = node.args[0]
    parts.append(("+", node))
    out = []
    for i, (sign, term) in enumerate(reversed(parts)):
        tex = to_latex(term)
        if sign == "-":
            out.append("- " + (f"\\left({tex}\\right)" if term.op in ("add", "sub") else tex))
        elif i and not tex.startswith("-"):
            out.append("+ " + tex)
        else:
            out.append(tex)
    return out


def broken(node: Node, budget: int) -> list[str]:
    """``= node`` as one line, or a long sum broken before a sign onto lines of about ``budget``."""
    whole = to_latex(node)
    if mathtex.width(whole) <= budget or node.op not in ("add", "sub"):
        return [f"= {whole}"]
    lines: list[str] = []
    for term in terms(node):
        if lines and mathtex.width(lines[-1]) + mathtex.width(term) <= budget:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return [f"= {lines[0]}", *(rf"\quad {{}} {line}" for line in lines[1:])]  # {}: a binary sign


def display(c: Compiled, lines: list[Line], marked: bool) -> Raw:
    """The aligned display; ``marked`` adds the column of per-step marks.

    A long sum continues on the next line, and a long rule too; the PDF scales a display that is
    still wider than the page down to fit (``\\ibfit``, see the LaTeX preamble).
    """
    all_rows = rows(c, lines)
    left = max((mathtex.width(r.left) for r in all_rows), default=0)
    tex: list[str] = []
    for row in all_rows:
        rules = wrap_rules(row.rules)
        budget = max(MIN_MATH, PAGE - left - (max((len(r) for r in rules), default=0) * 6) // 10)
        maths = broken(row.node, budget) if row.node is not None else [""]
        mark = mathtex.step_mark(row.mark.outcome) if marked and row.mark else Raw("")
        for i in range(max(len(maths), len(rules))):
            cells = [
                row.left if i == 0 else "",
                maths[i] if i < len(maths) else "",
                mathtex.rule(rules[i]) if i < len(rules) else "",
            ]
            tex.append(_row(cells, mark if i == 0 else "", marked))
    body = " \\\\\n".join(tex)
    return Raw(f"\\ibfit{{\\begin{{aligned}}\n{body}\n\\end{{aligned}}}}")


def _row(cells: list[str], mark: str, marked: bool) -> str:
    left, right, rule = cells
    text = f"{left} &{right}"
    if rule or (marked and mark):
        text += f" && {rule}"
    if marked and mark:
        text += f" && {mark}"
    return text.strip()
