"""Docutils nodes for an embedded identity, from standard node types only.

Standard nodes (``math_block``, ``math``, ``admonition``, ``container``) mean every builder
(HTML, LaTeX, text, man, ...) renders an identity without visitors of its own; CSS classes
(``identity``, ``identity-verified``, ``identity-unverified``, ``identity-false``) let a theme
style it.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes

from identity_book.catalogue.builtin import builtin_folder
from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.numbering import Numbered
from identity_book.catalogue.records import Variable
from identity_book.cite import statement_latex
from identity_book.expr.latex import symbol, to_latex
from identity_book.expr.nodes import Node
from identity_book.report import format_counterexample
from identity_book.verdict import verdict
from identity_book.verify.results import Result

PROPERTY_WORDS = {"spd": "symmetric positive definite"}


@dataclass(frozen=True)
class Options:
    derivation: bool
    verification: bool
    ref_format: str
    srcdir: Path  # the Sphinx project, which the problem box names the catalogue file from


def reference_text(numbered: Numbered, ref_format: str) -> str:
    """What the ``identity`` role prints, e.g. ``Identity 2.1.3: Gradient of tr(AXB)``."""
    ident = numbered.identity
    return ref_format.format(number=numbered.number, title=ident.title, id=ident.id)


def identity_block(numbered: Numbered, result: Result, docname: str, options: Options) -> nodes.container:
    """The whole embedded identity: header, problem box, statement, variables, extras."""
    ident = numbered.identity
    compiled = compile_identity(ident)
    box = nodes.container(classes=["identity", f"identity-{verdict(result).css}"])
    box += header(numbered, options.ref_format)
    if not verdict(result).verified:
        box += problem(numbered, result, options.srcdir)
    latex = statement_latex(ident)
    box += nodes.math_block(
        latex,
        latex,
        classes=["identity-statement"],
        docname=docname,
        number=None,
        label=None,
        nowrap=False,
    )
    box += variables(ident.variables, compiled)
    if ident.conditions or ident.size_notes():
        box += conditions(ident.conditions, tuple(ident.size_notes()))
    if options.derivation and compiled.steps:
        box += derivation(compiled)
    if options.verification:
        box += verification(numbered, result)
    return box


def header(numbered: Numbered, ref_format: str) -> nodes.paragraph:
    para = nodes.paragraph(classes=["identity-header"])
    para += nodes.strong("", f"Identity {numbered.number}")
    para += nodes.Text(f" {numbered.identity.title} ")
    para += nodes.literal("", numbered.identity.id, classes=["identity-id"])
    return para


def problem(numbered: Numbered, result: Result, srcdir: Path) -> nodes.warning:
    """The box that marks an identity as not verified, whatever the theme."""
    ident = numbered.identity
    if result.status == "refuted" and result.expected == "erratum":
        title, text = (
            "False statement (kept as a printed erratum)",
            ("This statement is false; the catalogue keeps it as a record of a printed error."),
        )
    elif result.status == "refuted":
        title, text = (
            "Not verified: refuted",
            ("This statement is false: identity-book found a counterexample."),
        )
    elif result.status == "verified":
        title, text = (
            "Unexpectedly verified",
            ("The catalogue marks this statement as a printed erratum, but it was verified."),
        )
    elif result.status == "inconclusive":
        title, text = (
            "Not verified: inconclusive",
            ("No check could decide this statement; it is not verified."),
        )
    else:
        title, text = "Not verified: error", "This statement could not be checked."
    box = nodes.warning(classes=["identity-problem"])
    box += nodes.paragraph("", "", nodes.strong("", title))
    box += nodes.paragraph("", text)
    if result.message:
        box += nodes.paragraph("", result.message)
    if result.counterexample:
        shown = textwrap.dedent(format_counterexample(result.counterexample))
        box += nodes.literal_block(shown, shown, language="text", classes=["identity-counterexample"])
    where = f"{entry_path(ident.location.file, srcdir)}:{ident.location.line}"
    box += nodes.paragraph("", f"Catalogue entry: {where} ({ident.id}).")
    return box


def entry_path(file: str, srcdir: Path) -> str:
    """A catalogue file as a reader of the page can find it, whichever folder Sphinx ran in: from
    the Sphinx project, or in the built-in catalogue; else its absolute path."""
    path = Path(os.path.abspath(file))
    for base, prefix in (
        (Path(os.path.abspath(srcdir)), ""),
        (builtin_folder(), "identity-book's built-in catalogue, "),
    ):
        with contextlib.suppress(ValueError):
            return prefix + path.relative_to(base).as_posix()
    return path.as_posix()


def _variable_latex(var: Variable, compiled: Compiled) -> str:
    if var.integer is not None:
        lo, hi = var.integer
        return f"{symbol(var.name)} \\in \\{{{lo}, \\dots, {hi}\\}}"
    shape = compiled.scope.shapes.get(var.name)
    name = symbol(var.name, Node("var", shape=shape, value=var.name))
    dims = " \\times ".join(symbol(str(d)) for d in var.shape or ())
    space = ("\\mathbb{C}" if var.complex else "\\mathbb{R}") + (f"^{{{dims}}}" if dims else "")
    return f"{name} \\in {space}"


def _distribution_latex(var: Variable, compiled: Compiled) -> str:
    """``x ∼ 𝒩(m, S)``, or the mean and covariance of a distribution given by its moments."""
    dist = compiled.scope.random.get(var.name)
    name = symbol(var.name, Node("var", shape=compiled.scope.shapes.get(var.name), value=var.name))
    if dist is None:
        return name
    mean = to_latex(dist.mean)
    cov = "" if dist.cov is None else to_latex(dist.cov)
    if dist.family == "normal":
        return f"{name} \\sim \\mathcal{{N}}\\left({mean}, {cov}\\right)"
    if dist.family == "chi":
        return f"{name} \\sim \\chi_{{{mean}}}"
    if dist.family == "independent":
        orders = ", ".join(to_latex(t) for t in dist.central)
        words = "\\text{independent coordinates, central moments }"
        return f"\\mathbb{{E}}\\left[{name}\\right] = {mean},\\ {words}{orders}"
    moments = f"\\mathbb{{E}}\\left[{name}\\right] = {mean}"
    of = f"\\operatorname{{vec}} {name}" if var.shape and len(var.shape) == 2 else name
    return moments + (f",\\ \\operatorname{{Var}}\\left[{of}\\right] = {cov}" if cov else "")


def variables(variables: tuple[Variable, ...], compiled: Compiled) -> nodes.paragraph:
    para = nodes.paragraph(classes=["identity-variables"])
    para += nodes.Text("where ")
    for i, var in enumerate(variables):
        if i:
            para += nodes.Text(", " if i < len(variables) - 1 else " and ")
        tex = _variable_latex(var, compiled)
        para += nodes.math(tex, tex)
        if var.properties:
            words = ", ".join(PROPERTY_WORDS.get(p, p.replace("_", " ")) for p in var.properties)
            para += nodes.Text(f" ({words})")
        if var.distribution is not None:
            para += nodes.Text(" (random: ")
            tex = _distribution_latex(var, compiled)
            para += nodes.math(tex, tex)
            para += nodes.Text(")")
    para += nodes.Text(".")
    return para


def conditions(texts: tuple[str, ...], constraints: tuple[str, ...]) -> nodes.paragraph:
    para = nodes.paragraph(classes=["identity-conditions"])
    para += nodes.strong("", "Conditions: ")
    para += nodes.Text("; ".join((*texts, *constraints)) + ".")
    return para


def derivation(compiled: Compiled) -> nodes.container:
    box = nodes.container(classes=["identity-derivation"])
    box += nodes.paragraph("", "", nodes.strong("", "Derivation"))
    steps = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    for i, step in enumerate(compiled.steps):
        tex = to_latex(step.node)
        if step.kind == "identify":
            tex = f"\\text{{hence }} {to_latex(compiled.lhs)} = {tex}"
        elif i:
            tex = f"= {tex}"
        para = nodes.paragraph("", "", nodes.math(tex, tex))
        if step.because:
            para += nodes.Text(f" ({step.because})")
        steps += nodes.list_item("", para)
    box += steps
    return box


def verification(numbered: Numbered, result: Result) -> nodes.paragraph:
    para = nodes.paragraph(classes=["identity-verification"])
    para += nodes.strong("", "Verification: ")
    checks = ", ".join(f"{name} {level.outcome}" for name, level in result.checks.items())
    text = verdict(result).short + (f" ({checks})" if checks else "")
    if result.max_rel_error is not None:
        text += f"; worst relative error {result.max_rel_error:.1e}"
    para += nodes.Text(f"{text}; content hash {numbered.identity.content_hash()}.")
    return para
