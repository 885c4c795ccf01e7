"""A checked derivation as text, LaTeX, Markdown (with MathJax-ready LaTeX) or a YAML entry."""

from __future__ import annotations

import json
import re

from identity_book.catalogue.records import Identity, Variable
from identity_book.expr.latex import to_latex
from identity_book.handbook.derivation import Line, display
from identity_book.ondemand.derivative import CheckedStep, Derived
from identity_book.verdict import StepMark, verdict

FORMATS = ("text", "latex", "markdown", "yaml")
MARKS = {"passed": "✓ checked", "failed": "✗ FAILED", "inconclusive": "? undecided", "unchecked": "· not checked"}
_PLAIN = re.compile(r"[A-Za-z0-9(][^#]*")


def scalar(text: str) -> str:
    """A YAML scalar: an expression as written where YAML reads it back as the same string."""
    plain = _PLAIN.fullmatch(text) and ": " not in text and not text.endswith((":", " ")) and not _number(text)
    return text if plain else json.dumps(text, ensure_ascii=False)


def _number(text: str) -> bool:
    return re.fullmatch(r"[-+]?[0-9._eE]+", text) is not None


def _variable(v: Variable) -> str:
    if v.integer is not None:
        return f"{v.name}: {{integer: [{v.integer[0]}, {v.integer[1]}]}}"
    props = f", properties: [{', '.join(v.properties)}]" if v.properties else ""
    props += ", complex: true" if v.complex else ""
    return f"{v.name}: {{shape: [{', '.join(str(d) for d in v.shape or ())}]{props}}}"


def yaml_entry(entry: Identity) -> str:
    """The entry as a catalogue file (``identities:`` with one item), derivation included."""
    lines = ["identities:", f"  - id: {entry.id}", f"    title: {json.dumps(entry.title, ensure_ascii=False)}"]
    lines += ["    variables:", *(f"      {_variable(v)}" for v in entry.variables)]
    lines += [f"    lhs: {scalar(entry.lhs)}", f"    rhs: {scalar(entry.rhs)}", "    derivation:"]
    for step in entry.derivation:
        lines.append(f"      - {step.kind}: {scalar(step.expr)}")
        if step.because:
            lines.append(f"        because: {json.dumps(step.because, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def shapes(entry: Identity) -> str:
    return ", ".join(
        f"{v.name}: "
        + ("scalar" if not v.shape else "×".join(str(d) for d in v.shape))
        + (f" ({', '.join(v.properties)})" if v.properties else "")
        for v in entry.variables
    )


def summary(d: Derived) -> str:
    """One sentence on what was checked (never 'checked' for a step that was not)."""
    if d.checked:
        return (
            f"Every step checked against the one before (exact rational arithmetic and floating point at "
            f"random points); the entry: {verdict(d.result).short}."
        )
    bad = [f"step {i} {MARKS[s.outcome]}" + (f" ({s.detail})" if s.detail else "") for i, s in _numbered(d.steps)]
    return f"NOT fully checked: {'; '.join(b for b in bad if '✓' not in b)}; the entry: {verdict(d.result).short}."


def _numbered(steps: tuple[CheckedStep, ...]) -> list[tuple[int, CheckedStep]]:
    return list(enumerate(steps, start=1))


def as_text(d: Derived) -> str:
    rows = [("  ", d.start, "", "")]
    for s in d.steps:
        lead, expr = ("⇒ ", f"{d.identity.lhs} = {s.expr}") if s.kind == "identify" else ("= ", s.expr)
        rows.append((lead, expr, s.because or "", MARKS[s.outcome]))
    width = max(len(r[1]) for r in rows)
    rule_width = max(len(r[2]) for r in rows)
    body = [
        f"  {lead}{expr.ljust(width)}   {rule.ljust(rule_width)}   {mark}".rstrip() for lead, expr, rule, mark in rows
    ]
    return "\n".join(
        [
            f"{d.identity.title} ({shapes(d.identity)})",
            "",
            *body,
            "",
            f"Result: {d.identity.lhs} = {d.identity.rhs}",
            summary(d),
            "",
            "Catalogue entry:",
            yaml_entry(d.identity),
        ]
    )


def latex_display(d: Derived) -> str:
    """The aligned display of the handbook (rules and marks beside the steps), standalone LaTeX."""
    lines = [
        Line(c.kind, c.node, s.because or "", StepMark(s.outcome, "", s.detail or ""))
        for c, s in zip(d.compiled.steps, d.steps, strict=True)
    ]
    tex = str(display(d.compiled, lines, marked=True))
    tex = tex.removeprefix("\\ibfit{").removesuffix("}")
    return _expand(tex, "\\ibrule", "\\quad ")


def _expand(tex: str, macro: str, before: str) -> str:
    """``macro{X}`` becomes ``before X`` (braces matched)."""
    out, i = [], 0
    while (j := tex.find(macro + "{", i)) >= 0:
        out.append(tex[i:j])
        depth, k = 0, j + len(macro)
        for k in range(j + len(macro), len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[k], 0)
            if depth == 0:
                break
        out.append(before + tex[j + len(macro) + 1 : k])
        i = k + 1
    return "".join(out) + tex[i:]


def as_latex(d: Derived) -> str:
    result = f"{to_latex(d.compiled.lhs)} = {to_latex(d.compiled.rhs)}"
    return "\n".join(
        [
            f"% {d.identity.title}: {summary(d)}",
            "% needs amsmath, amssymb and xcolor; Unicode in rules: LuaLaTeX, XeLaTeX or identitybook.sty",
            "\\[",
            latex_display(d),
            "\\]",
            f"\\[ {result} \\]",
            "",
        ]
    )


def as_markdown(d: Derived) -> str:
    return "\n".join(
        [
            f"### {d.identity.title}",
            "",
            f"Variables: {shapes(d.identity)}.",
            "",
            "$$",
            latex_display(d),
            "$$",
            "",
            f"**Result:** ${to_latex(d.compiled.lhs)} = {to_latex(d.compiled.rhs)}$",
            "",
            summary(d),
            "",
            "```yaml",
            yaml_entry(d.identity).rstrip("\n"),
            "```",
            "",
        ]
    )


def render(d: Derived, fmt: str) -> str:
    if fmt == "yaml":
        return yaml_entry(d.identity)
    return {"text": as_text, "latex": as_latex, "markdown": as_markdown}[fmt](d)
