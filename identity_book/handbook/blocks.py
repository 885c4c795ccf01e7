"""Rendered identity blocks, kept between builds so that an edit re-renders only what it changed.

An identity's block (its heading, statement, verification record, derivation, sources, ...) is
the template ``handbook/identity.md`` applied to its view. The view is a function of the identity
as numbered, its result, the entries it links to, its ledger versions and the page it is on; the
block's key is the digest of all of those together with the package's code, the templates, the
library versions (:func:`identity_book.stamp.code_digest`) and what its BibTeX says of the book
(address, version, today's date). A build reuses the block stored under
the same key, and skips the identity's LaTeX, derivations and BibTeX altogether.

The store is one JSON file in the cache folder, holding the blocks of the last build (plain text:
nothing in it is run). A missing, unreadable or foreign file is an empty store.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from identity_book.cite import book_context
from identity_book.files import write_atomic
from identity_book.handbook.views import CachedBlock, DerivationFacts, Facts, IdentityView, LinkView
from identity_book.stamp import code_digest

FILE = "handbook-blocks.json.gz"


def block_key(view: IdentityView, heading: str) -> str:
    """The digest of everything ``view``'s block shows, printed under ``heading``."""
    n, ctx = view.sources.numbered, view.sources.ctx
    links: list[LinkView | None] = [view.corrected_by, *view.corrects]
    record = {
        "code": code_digest(),
        "book": book_context(),  # the address and date its permalink and BibTeX print
        "identity": repr(n),
        "result": repr(view.sources.result),  # every field but `cached`
        "links": repr(links),
        "published": repr(ctx.published.get(n.identity.id)),
        "page": str(view.page),
        "heading": heading,
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _facts(data: Any) -> Facts:
    def one(d: Any) -> DerivationFacts | None:
        return None if d is None else DerivationFacts(str(d["source"]), int(d["verified_steps"]), int(d["steps"]))

    return Facts(bool(data["derivative"]), one(data["derivation"]), one(data["also_generated"]))


class BlockStore:
    """The blocks of the last build, by key; :meth:`save` keeps those this build used."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / FILE if folder else None
        self.stored: dict[str, CachedBlock] = {}
        self.used: dict[str, CachedBlock] = {}
        try:
            data = json.loads(gzip.decompress(self.path.read_bytes())) if self.path else {}
            for key, (text, facts) in data.items():
                self.stored[str(key)] = CachedBlock(str(text), _facts(facts))
        except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError):
            self.stored = {}

    def get(self, key: str) -> CachedBlock | None:
        block = self.stored.get(key)
        if block is not None:
            self.used[key] = block
        return block

    def put(self, key: str, block: CachedBlock) -> None:
        self.used[key] = block

    def save(self) -> None:
        if self.path is None or self.used.keys() == self.stored.keys():
            return
        data = {k: [b.text, asdict(b.facts)] for k, b in self.used.items()}
        write_atomic(self.path, gzip.compress(json.dumps(data).encode(), mtime=0))
        self.stored = dict(self.used)
