"""The formula index: every catalogue entry's two sides in normal form.

Written as JSON beside the HTML (``formula-index.json``, and ``formula-index.js`` which sets
``window.IDENTITY_BOOK_FORMULAS`` so the search page also works from ``file://``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import ExpressionError
from identity_book.expr.parser import ARITY
from identity_book.files import write_atomic
from identity_book.search import normal as normal_module
from identity_book.search.normal import Normal, normalise

INDEX_VERSION = 1
SIDES = ("lhs", "rhs")


@dataclass(frozen=True)
class IndexedSide:
    identity: Identity
    side: str  # "lhs" or "rhs"
    text: str
    normal: Normal


def index_catalogue(catalogue: Catalogue, normal: Callable[[str], Normal | None] | None = None) -> list[IndexedSide]:
    """Both sides of every identity (a side outside the pattern language is left out)."""
    normal = normal or _normal_or_none
    out = []
    for ident in catalogue:
        for side in SIDES:
            text = getattr(ident, side)
            form = normal(text)
            if form is not None:
                out.append(IndexedSide(ident, side, text, form))
    return out


def _normal_or_none(text: str) -> Normal | None:
    try:
        return normalise(text)
    except ExpressionError:
        return None


class NormalCache:
    """Normal forms of expression texts, kept in the cache folder under a key of the
    normal-form code, so that a rebuild normalises only the sides it has not seen."""

    def __init__(self, cache: Path) -> None:
        code = b"".join(Path(m.__file__).read_bytes() for m in (normal_module, sys.modules[__name__]) if m.__file__)
        key = hashlib.sha256(code + str(INDEX_VERSION).encode()).hexdigest()[:24]
        self.path = cache / "formula-index" / f"normals-{key}.json"
        self.known: dict[str, Any] = {}  # text -> [form, renamings, keys], or None outside the language
        self.added = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.known = data
        except (OSError, ValueError):
            pass

    def __call__(self, text: str) -> Normal | None:
        if text in self.known:
            got = self.known[text]
            if got is None:
                return None
            form, renamings, keys = got
            return Normal(form, tuple(renamings), tuple(keys))
        found = _normal_or_none(text)
        self.known[text] = None if found is None else [found.text, list(found.renamings), list(found.keys)]
        self.added = True
        return found

    def save(self) -> None:
        """Write the forms back when new ones were computed (a read-only cache only costs time)."""
        if not self.added:
            return
        with contextlib.suppress(OSError):
            write_atomic(self.path, json.dumps(self.known, ensure_ascii=False))


def index_json(sides: list[IndexedSide], urls: dict[str, str]) -> dict[str, object]:
    """The index as the search page reads it: one record per side, with the entry's page."""
    return {
        "version": INDEX_VERSION,
        "functions": {name: list(counts) for name, counts in sorted(ARITY.items())},
        "sides": [
            {
                "id": s.identity.id,
                "title": s.identity.title,
                "url": urls.get(s.identity.id, ""),
                "side": s.side,
                "text": s.text,
                "statement": s.identity.statement,
                "normal": s.normal.text,
                "keys": list(s.normal.keys),
            }
            for s in sides
        ],
    }


def cached_index_json(catalogue: Catalogue, urls: dict[str, str], cache: Path | None) -> dict[str, object]:
    """:func:`index_json` of the catalogue; with a cache folder, each side's normal form is
    computed once and kept (:class:`NormalCache`), so an edit re-normalises only what changed."""
    if cache is None:
        return index_json(index_catalogue(catalogue), urls)
    normals = NormalCache(cache)
    data = index_json(index_catalogue(catalogue, normals), urls)
    normals.save()
    return data


def write_index(data: dict[str, object], folder: Path) -> list[Path]:
    """``formula-index.json`` and its script form ``formula-index.js`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    paths = [folder / "formula-index.json", folder / "formula-index.js"]
    paths[0].write_text(text, encoding="utf-8")
    paths[1].write_text(f"window.IDENTITY_BOOK_FORMULAS = {text};\n", encoding="utf-8")
    return paths
