"""The ``idb`` domain: where identities are embedded, and what each document depends on.

Modelled on ``sphinx/domains/math.py``. The data are keyed by document, so ``clear_doc`` and
``merge_domaindata`` are exact and parallel or incremental builds see the same state:

- ``embeds``: docname -> {identity id: (node id, number, title, line)}, the anchors roles link
  to (the first embedding of an id on the page);
- ``uses``: docname -> {identity id: fingerprint}, what the page showed; when a fingerprint
  changes (the entry was edited, renumbered, added or removed) the page is read again;
- ``warned``: docname -> True for a page whose ``derive`` directive warned, read again on every
  build so that the warning is never lost to an incremental build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from sphinx.domains import Domain, ObjType
from sphinx.util.nodes import make_refnode

from identity_book.sphinx.state import CatalogueState

if TYPE_CHECKING:
    from sphinx.addnodes import pending_xref
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

Embed = tuple[str, str, str, int]  # node id, number, title, line of the directive
Place = tuple[str, int]  # docname, line


class IdentityDomain(Domain):
    """Identities from an identity-book catalogue, embedded and cited by id."""

    name = "idb"
    label = "identity-book"
    object_types: ClassVar[dict[str, ObjType]] = {"identity": ObjType("identity", "identity")}
    # the directive and the role are added to the domain in setup(), so this module imports neither
    initial_data: ClassVar[dict[str, Any]] = {"embeds": {}, "uses": {}, "warned": {}}
    data_version = 2

    @property
    def embeds(self) -> dict[str, dict[str, Embed]]:
        return self.data.setdefault("embeds", {})

    @property
    def uses(self) -> dict[str, dict[str, str]]:
        return self.data.setdefault("uses", {})

    def note_embed(self, docname: str, identity_id: str, embed: Embed) -> None:
        self.embeds.setdefault(docname, {}).setdefault(identity_id, embed)

    def note_use(self, docname: str, identity_id: str, fingerprint: str) -> None:
        self.uses.setdefault(docname, {})[identity_id] = fingerprint

    def note_warning(self, docname: str) -> None:
        self.data.setdefault("warned", {})[docname] = True

    def clear_doc(self, docname: str) -> None:
        for key in ("embeds", "uses", "warned"):
            self.data.setdefault(key, {}).pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for key in ("embeds", "uses", "warned"):
            mine, theirs = self.data.setdefault(key, {}), otherdata.get(key, {})
            for docname in docnames:
                if docname in theirs:
                    mine[docname] = theirs[docname]

    def target(self, identity_id: str) -> tuple[str, Embed] | None:
        """The page an identity's links go to: the first (by name) that embeds it."""
        for docname in sorted(self.embeds):
            if identity_id in self.embeds[docname]:
                return docname, self.embeds[docname][identity_id]
        return None

    def duplicates(self) -> Iterator[tuple[str, Place, Place]]:
        """Each page that embeds an identity another page (earlier by name) embeds already: the
        id, that page and line, and the first page and line, the one links go to."""
        first: dict[str, Place] = {}
        for docname in sorted(self.embeds):
            for identity_id, embed in self.embeds[docname].items():
                if identity_id in first:
                    yield identity_id, (docname, embed[3]), first[identity_id]
                else:
                    first[identity_id] = (docname, embed[3])

    def outdated(self, state: CatalogueState) -> set[str]:
        """Documents whose identities changed since they were read, and those that warned."""
        changed = {
            docname for docname, used in self.uses.items() if any(state.fingerprint(i) != fp for i, fp in used.items())
        }
        return changed | set(self.data.get("warned", {}))

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        found = self.target(target)
        if found is not None:
            docname, (node_id, number, title, _) = found
            return make_refnode(builder, fromdocname, docname, node_id, contnode, f"{number} {title}")
        url = node.get("idb_url")
        if url:
            ref = nodes.reference("", "", internal=False, refuri=url, reftitle=target)
            ref += contnode
            return ref
        return None

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        if self.target(target) is None:
            return []
        ref = self.resolve_xref(env, fromdocname, builder, "identity", target, node, contnode)
        return [("idb:identity", ref)] if ref is not None else []

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        ids = sorted({i for embeds in self.embeds.values() for i in embeds})
        for identity_id in ids:
            found = self.target(identity_id)
            if found is not None:
                docname, (node_id, number, title, _) = found
                yield identity_id, f"{number} {title}", "identity", docname, node_id, 1
