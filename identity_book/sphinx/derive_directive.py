"""The ``derive`` directive: a derivative's derivation generated and checked during the build.

reStructuredText::

    .. derive:: tr(A @ X @ B)
       :wrt: X
       :var: A: [p, m]; X: [m, n]; B: [n, p]
       :kind: grad
       :entry: show

It prints what ``identity-book derive`` prints: every step in the differential style with its
rule and what the verifier found, the result, and (``:entry: show``) the ready catalogue entry.
Where no rule applies, or a step or the result is not verified, the page says so and the build
gets a warning of type ``identity_book.derive`` (so ``sphinx-build -W`` fails); nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from identity_book.catalogue.var_option import VarOptionError, parse_var
from identity_book.expr.latex import to_latex
from identity_book.ondemand.derivative import KINDS, Derived, DeriveError, MissingRule, derive
from identity_book.ondemand.formats import latex_display, shapes, summary, yaml_entry
from identity_book.sphinx.usage import domain_of
from identity_book.sphinx.warning_types import warn
from identity_book.verify.checks import Settings

SHOW_HIDE = ("show", "hide")


def _kind(argument: str | None) -> str:
    return directives.choice(argument, KINDS)


def _entry(argument: str | None) -> str:
    return directives.choice(argument, SHOW_HIDE)


def _math(latex: str, docname: str, classes: list[str]) -> nodes.math_block:
    return nodes.math_block(latex, latex, classes=classes, docname=docname, number=None, label=None, nowrap=False)


def derived_block(d: Derived, docname: str, show_entry: bool) -> nodes.container:
    """The checked derivation, its result and what was checked, as standard docutils nodes."""
    state = "verified" if d.checked else "unverified"
    box = nodes.container(classes=["identity", "identity-derived", f"identity-{state}"])
    title = nodes.paragraph(classes=["identity-header"])
    title += nodes.strong("", d.identity.title)
    title += nodes.Text(f" ({shapes(d.identity)})")
    box += title
    box += _math(latex_display(d), docname, ["identity-derivation"])
    result = f"{to_latex(d.compiled.lhs)} = {to_latex(d.compiled.rhs)}"
    box += _math(result, docname, ["identity-statement"])
    box += nodes.paragraph("", summary(d), classes=["identity-verification"])
    if show_entry:
        text = yaml_entry(d.identity)
        box += nodes.literal_block(text, text, language="yaml", classes=["identity-entry"])
    return box


class DeriveDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = True
    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "wrt": directives.unchanged_required,
        "var": directives.unchanged,
        "kind": _kind,
        "entry": _entry,
        "seed": directives.nonnegative_int,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        expr, where = self.arguments[0], self.get_location()
        if "wrt" not in self.options:
            return self._problem(f"derive {expr}: give the variable with :wrt: X", where)
        try:
            variables = [parse_var(t) for t in str(self.options.get("var", "")).split(";") if t.strip()]
            derived = derive(
                expr,
                self.options["wrt"].strip(),
                variables,
                self.options.get("kind", "grad"),
                Settings(seed=self.options.get("seed", 0)),
            )
        except (VarOptionError, DeriveError, MissingRule) as exc:
            return self._problem(f"derive {expr}: {exc}".replace("--var", ":var:").replace("--wrt", ":wrt:"), where)
        if not derived.checked:
            self._warn(f"derive {expr}: {summary(derived)}", where)
        box = derived_block(derived, self.env.docname, self.options.get("entry") == "show")
        box["classes"].extend(self.options.get("class", []))
        self.set_source_info(box)
        return [box]

    def _warn(self, message: str, where: str) -> None:
        warn("derive", message, where)
        domain_of(self.env).note_warning(self.env.docname)

    def _problem(self, message: str, where: str) -> list[nodes.Node]:
        self._warn(message, where)
        box = nodes.warning(classes=["identity-problem", "identity-derive-problem"])
        para = nodes.paragraph("", "", nodes.strong("", "No derivation: "))
        para += nodes.Text(message)
        box += para
        self.set_source_info(box)
        return [box]
