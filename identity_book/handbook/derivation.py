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

import textwrap
from dataclasses import dataclass

from identity_book.compile import Compiled
from identity_book.derive import is_derivative
from identity_book.expr.latex import to_latex
from identity_book.expr.nodes import ONE, Node
from identity_book.expr.text import to_text
from identity_book.handbook import mathtex
from identity_book.handbook.escape import Raw
from identity_book.handbook.verdict import StepMark

RULE_WIDTH = 34
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
    right: str
    rules: list[str]
    mark: StepMark | None


def start(c: Compiled) -> Node:
    """What the first step is checked against (see :mod:`identity_book.verify.derivation`)."""
    lhs = c.lhs
    if not is_derivative(lhs):
        return lhs
    f, x = lhs.args
    if lhs.op in ("hess", "hess_vec"):  # the Jacobian of the gradient
        f = Node("grad", (f, x), x.shape)
        if lhs.op == "hess_vec":
            assert x.shape is not None
            f = Node("vec", (f,), (x.shape[0] * x.shape[1], ONE))
    return Node("d", (f,), f.shape)


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
            out.append(Row(rf"\Longrightarrow\quad {to_latex(c.lhs)}", f"= {to_latex(line.node)}", rules, mark))
        else:
            out.append(Row("" if out else left, f"= {to_latex(line.node)}", rules, mark))
    if pending:  # only a restatement of the start: nothing else to show beside it
        out.append(Row(left, "", [p.because for p in pending if p.because], worst([p.mark for p in pending])))
    if not is_derivative(c.lhs) and lines and to_text(lines[-1].node) != to_text(c.rhs):
        # the last step is checked against the right side, so the chain ends there
        out.append(Row("" if out else left, f"= {to_latex(c.rhs)}", [], lines[-1].mark))
    return out


def wrap_rules(rules: list[str], width: int = RULE_WIDTH) -> list[str]:
    """Each rule on its own line(s): split at "; " and wrapped at spaces."""
    out: list[str] = []
    for rule in rules:
        for part in mathtex.one_line(rule).split("; "):
            out += textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False) or []
    return out


def display(c: Compiled, lines: list[Line], marked: bool) -> Raw:
    """The aligned display; ``marked`` adds the column of per-step marks."""
    tex: list[str] = []
    for row in rows(c, lines):
        rules = wrap_rules(row.rules)
        rule = mathtex.rule(rules[0]) if rules else ""
        mark = mathtex.step_mark(row.mark.outcome) if marked and row.mark else ""
        cells = [row.left, row.right, rule]
        tex.append(_row(cells, mark, marked))
        tex += [_row(["", "", mathtex.rule(more)], "", False) for more in rules[1:]]
    body = " \\\\\n".join(tex)
    return Raw(f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}")


def _row(cells: list[str], mark: str, marked: bool) -> str:
    left, right, rule = cells
    text = f"{left} &{right}"
    if rule or (marked and mark):
        text += f" && {rule}"
    if marked and mark:
        text += f" && {mark}"
    return text.strip()
