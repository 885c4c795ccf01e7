"""The ``identity`` role: the number and title of an identity, linked to where it is embedded.

``:identity:`trace-axb``` (MyST: ``{identity}`trace-axb```) prints ``Identity 2.1.3: Gradient of
tr(AXB)`` (``identity_book_ref_format``) linked to the page that embeds it, or, when no page
does, to the handbook at ``identity_book_url`` if that is set. ``:identity:`text <trace-axb>```
prints ``text``. An identity that is not verified is cited with ``(not verified)`` after it.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole

from identity_book.cite import permalink
from identity_book.sphinx.render import reference_text
from identity_book.sphinx.settings import settings_of
from identity_book.sphinx.usage import look_up
from identity_book.verdict import verdict


class IdentityRole(XRefRole):
    innernodeclass = nodes.inline

    def result_nodes(
        self, document: nodes.document, env: BuildEnvironment, node: nodes.Element, is_ref: bool
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node["refdomain"], node["reftype"] = "idb", "identity"
        identity_id = node["reftarget"]
        found = look_up(env, identity_id, node)
        if found is None:
            text = self.title if self.has_explicit_title else f"{identity_id} (?)"
            return [nodes.inline(text, text, classes=["identity-ref", "identity-missing"])], []
        numbered, result = found
        settings = settings_of(env.config)
        inner = node.children[0]
        if not self.has_explicit_title:
            text = reference_text(numbered, settings.ref_format)
            node.replace(inner, self.innernodeclass(text, text, classes=inner["classes"]))
        base = settings.url
        if base:
            node["idb_url"] = permalink(numbered, base)
        out: list[nodes.Node] = [node]
        if not verdict(result).verified:
            out.append(nodes.inline(" (not verified)", " (not verified)", classes=["identity-unverified"]))
        return out, []
