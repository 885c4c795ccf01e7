"""Two small document nodes: permanent anchors and collapsible blocks.

``ib-anchor`` gives the section that follows it an exact HTML id (docutils would rewrite ids
that start with a digit or repeat a hyphen) and registers it as a ``{ref}`` label.
``ib-details`` is a ``<details>`` block in HTML and a plain titled block in LaTeX.
"""

from __future__ import annotations

import re
from typing import Any, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.domains.std import StandardDomain
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

_ANCHOR = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9:-]*$")


class AnchorDirective(SphinxDirective):
    """``{ib-anchor} <id>`` with an optional ``:label:`` (default: the id)."""

    required_arguments = 1
    option_spec = {"label": directives.unchanged_required}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        anchor = self.arguments[0]
        label = self.options.get("label", anchor)
        if not _ANCHOR.match(anchor) or not _LABEL.match(label):
            raise self.error(f"not an anchor id: {anchor!r}")
        node = nodes.target("", "", ids=[anchor], ib_anchor=True)
        self.state.document.ids[anchor] = node
        title = getattr(self.env, "identity_book_titles", {}).get(anchor, "")
        std = cast(StandardDomain, self.env.get_domain("std"))
        std.note_hyperlink_target(label, self.env.docname, anchor, title)
        return [node]


class AnchorsFirst(SphinxTransform):
    """Make each anchor the first id of the element it was propagated to.

    Docutils' ``PropagateTargets`` moves an empty target's id onto the element that follows
    it (here the identity's section); putting it first makes it the element's own HTML id.
    """

    default_priority = 700

    def apply(self, **kwargs: Any) -> None:
        for target in self.document.findall(nodes.target):
            anchor = target.get("refid")
            if not target.get("ib_anchor") or not anchor:
                continue
            following = target.next_node(ascend=True)
            if isinstance(following, nodes.Element) and anchor in following["ids"]:
                following["ids"].remove(anchor)
                following["ids"].insert(0, anchor)


class details(nodes.General, nodes.Element):
    """A block whose body is folded away in HTML until the reader opens it."""


class DetailsDirective(SphinxDirective):
    """``{ib-details} <summary>`` with a body."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = details(summary=self.arguments[0])
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_details_html(self: Any, node: details) -> None:
    self.body.append(self.starttag(node, "details", CLASS="ib-details"))
    self.body.append(f"<summary>{self.encode(node['summary'])}</summary>\n")


def depart_details_html(self: Any, node: details) -> None:
    self.body.append("</details>\n")


def visit_details_skip(self: Any, node: details) -> None:
    """Folded content is for the screen; print media leave it out (the PDF cites by key)."""
    raise nodes.SkipNode


def visit_details_plain(self: Any, node: details) -> None:
    pass


def depart_details_plain(self: Any, node: details) -> None:
    pass


NODE_VISITORS = {
    "html": (visit_details_html, depart_details_html),
    "latex": (visit_details_skip, depart_details_plain),
    "text": (visit_details_plain, depart_details_plain),
    "man": (visit_details_plain, depart_details_plain),
    "texinfo": (visit_details_plain, depart_details_plain),
}
