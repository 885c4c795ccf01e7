"""The formula index: every catalogue entry's two sides in normal form.

Written as JSON beside the HTML (``formula-index.json``, and ``formula-index.js`` which sets
``window.IDENTITY_BOOK_FORMULAS`` so the search page also works from ``file://``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import ExpressionError
from identity_book.expr.parser import ARITY
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


def index_catalogue(catalogue: Catalogue) -> list[IndexedSide]:
    """Both sides of every identity (a side outside the pattern language is left out)."""
    out = []
    for ident in catalogue:
        for side in SIDES:
            text = getattr(ident, side)
            try:
                out.append(IndexedSide(ident, side, text, normalise(text)))
            except ExpressionError:
                continue
    return out


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
    """:func:`index_json` of the catalogue, kept in the result cache folder under a key of
    everything it depends on (the entries, their pages and the normal-form code), so that a
    rebuild with nothing changed does not normalise every side again."""
    if cache is None:
        return index_json(index_catalogue(catalogue), urls)
    code = b"".join(Path(m.__file__).read_bytes() for m in (normal_module, sys.modules[__name__]) if m.__file__)
    entries = [(i.id, i.title, i.lhs, i.rhs, urls.get(i.id, "")) for i in catalogue]
    key = hashlib.sha256(json.dumps([INDEX_VERSION, entries]).encode() + code).hexdigest()[:32]
    path = cache / "formula-index" / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("version") == INDEX_VERSION:
            return data
    except (OSError, ValueError):
        pass
    data = index_json(index_catalogue(catalogue), urls)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs time
    return data


def write_index(data: dict[str, object], folder: Path) -> list[Path]:
    """``formula-index.json`` and its script form ``formula-index.js`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    paths = [folder / "formula-index.json", folder / "formula-index.js"]
    paths[0].write_text(text, encoding="utf-8")
    paths[1].write_text(f"window.IDENTITY_BOOK_FORMULAS = {text};\n", encoding="utf-8")
    return paths
