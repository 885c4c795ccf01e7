"""The ``identity`` directive: embed an identity from the catalogue by its id.

reStructuredText::

    .. identity:: trace-axb
       :derivation: show
       :verification: hide

MyST::

    ```{identity} trace-axb
    :derivation: show
    ```

Optional content is parsed below the identity (a remark of the page's own).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from identity_book.sphinx.render import Options, identity_block
from identity_book.sphinx.settings import settings_of
from identity_book.sphinx.usage import domain_of, duplicate_message, look_up
from identity_book.sphinx.warning_types import warn

SHOW_HIDE = ("show", "hide")


def _show_hide(argument: str | None) -> str:
    return directives.choice(argument, SHOW_HIDE)


class IdentityDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False
    has_content = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "derivation": _show_hide,
        "verification": _show_hide,
        "class": directives.class_option,
    }

    def _flag(self, name: str, default: bool) -> bool:
        value = self.options.get(name)
        return default if value is None else value == "show"

    def run(self) -> list[nodes.Node]:
        identity_id = self.arguments[0]
        found = look_up(self.env, identity_id, self.get_location())
        if found is None:
            return [self._placeholder(identity_id)]
        numbered, result = found
        settings = settings_of(self.env.config)
        options = Options(
            derivation=self._flag("derivation", settings.show_derivation),
            verification=self._flag("verification", settings.show_verification),
            ref_format=settings.ref_format,
            srcdir=Path(self.env.srcdir),
        )
        box = identity_block(numbered, result, self.env.docname, options)
        box["classes"].extend(self.options.get("class", []))
        self.set_source_info(box)
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, box)
        node_id = self._unique_id(f"identity-{identity_id}")
        target = nodes.target("", "", ids=[node_id])
        self.state.document.note_explicit_target(target)
        domain = domain_of(self.env)
        first = domain.embeds.get(self.env.docname, {}).get(identity_id)
        if first is not None:  # another page's earlier embedding is reported once all pages are read
            self._duplicate(identity_id, first[3])
        domain.note_embed(
            self.env.docname, identity_id, (node_id, numbered.number, numbered.identity.title, self.lineno)
        )
        return [target, box]

    def _duplicate(self, identity_id: str, first_line: int) -> None:
        """Embedding an id twice on one page, like a duplicate label: links go to the first."""
        where = f"{self.env.doc2path(self.env.docname)}:{first_line}"
        warn("duplicate", duplicate_message(identity_id, where), self.get_location())
        self.env.note_reread()

    def _unique_id(self, base: str) -> str:
        ids = self.state.document.ids
        node_id, n = base, 1
        while node_id in ids:
            n += 1
            node_id = f"{base}-{n}"
        return node_id

    def _placeholder(self, identity_id: str) -> nodes.Element:
        """What the page shows instead of an identity it cannot show."""
        box = nodes.warning(classes=["identity-problem", "identity-missing"])
        para = nodes.paragraph("", "", nodes.strong("", "Identity not available: "))
        para += nodes.literal("", identity_id)
        para += nodes.Text(" cannot be shown; see the build warnings.")
        box += para
        self.set_source_info(box)
        return box
