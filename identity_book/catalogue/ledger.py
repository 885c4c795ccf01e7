"""The ledger of published ids: every id ever published, with each published version's hash.

Ids never disappear: a citation made today must still resolve in every later edition. The
ledger (``ledger/published.json`` beside the catalogue folder) records, per id, each version's
content hash and statement. ``identity-book ledger check`` fails when a published id is missing
from the catalogue (removed or renamed), when a statement changed without a new version, or
when an id is not published yet; ``identity-book ledger update`` publishes new ids and new
versions, and never removes anything. The handbook and citations print an identity's version,
and the statements of its earlier versions, so an old citation can be read as it was cited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from identity_book import __version__
from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import CatalogueError, Diagnostic, Location
from identity_book.files import write_atomic

LEDGER_FILE = Path("ledger") / "published.json"
ABOUT = (
    "The ledger of published identity ids (identity_book/catalogue/ledger.py). Ids never disappear: each "
    "version of an identity is kept with its content hash and statement. Written by `identity-book ledger "
    "update`; checked in CI by `identity-book ledger check`. Do not edit."
)


@dataclass(frozen=True)
class Version:
    number: int
    hash: str
    statement: str
    release: str  # the identity-book release that first published it


Ledger = dict[str, tuple[Version, ...]]


def statement(identity: Identity) -> str:
    return identity.statement


def default_path(catalogue_root: Path) -> Path:
    """``ledger/published.json`` beside the catalogue folder."""
    return catalogue_root.resolve().parent / LEDGER_FILE


def load_ledger(path: Path) -> Ledger:
    """The ledger, or an empty one when the file does not exist (JSON: fast to read, and data only)."""
    if not path.is_file():
        return {}
    where = Location(str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError([Diagnostic(where, f"the ledger is not valid JSON: {exc}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("ids"), dict):
        raise CatalogueError([Diagnostic(where, "a ledger is an object with 'ids'")])
    out: Ledger = {}
    for ident, versions in data["ids"].items():
        if not isinstance(versions, list) or not versions:
            raise CatalogueError([Diagnostic(where, "each id lists its versions", str(ident))])
        parsed = []
        for n, v in enumerate(versions, start=1):
            if not isinstance(v, dict) or v.get("version") != n or not isinstance(v.get("hash"), str):
                raise CatalogueError([Diagnostic(where, f"version {n} needs version: {n} and a hash", str(ident))])
            parsed.append(Version(n, v["hash"], str(v.get("statement", "")), str(v.get("release", ""))))
        out[str(ident)] = tuple(parsed)
    return out


def check(catalogue: Catalogue, ledger: Ledger) -> list[str]:
    """Every way the catalogue and its ledger disagree (empty when they agree)."""
    current = {i.id: i for i in catalogue}
    problems = [
        f"{ident}: published (version {versions[-1].number}) but missing from the catalogue; ids never disappear, "
        "so restore it (a renamed identity keeps its old id)"
        for ident, versions in ledger.items()
        if ident not in current
    ]
    for ident, identity in current.items():
        where = f"{identity.location}: {ident}"
        versions = ledger.get(ident)
        if versions is None:
            problems.append(f"{where}: not published yet; run identity-book ledger update")
        elif identity.content_hash() != versions[-1].hash:
            known = [v.number for v in versions if v.hash == identity.content_hash()]
            if known:
                problems.append(f"{where}: back to version {known[0]}'s statement; a change gets a new version")
            problems.append(
                f"{where}: changed since version {versions[-1].number} (content hash {versions[-1].hash} -> "
                f"{identity.content_hash()}); run identity-book ledger update to publish version {len(versions) + 1}"
            )
    return problems


def update(catalogue: Catalogue, ledger: Ledger, release: str = __version__) -> Ledger:
    """The ledger with every new id and every changed statement published; nothing removed."""
    out = dict(ledger)
    for identity in catalogue:
        versions = out.get(identity.id, ())
        if versions and versions[-1].hash == identity.content_hash():
            continue
        new = Version(len(versions) + 1, identity.content_hash(), statement(identity), release)
        out[identity.id] = (*versions, new)
    return out


def version_of(identity: Identity, ledger: Ledger) -> Version | None:
    """The published version this identity's statement is, if it is published."""
    return next((v for v in ledger.get(identity.id, ()) if v.hash == identity.content_hash()), None)


def earlier_versions(identity: Identity, ledger: Ledger) -> tuple[Version, ...]:
    current = version_of(identity, ledger)
    return tuple(v for v in ledger.get(identity.id, ()) if current is None or v.number < current.number)


def dump(ledger: Ledger) -> str:
    ids = {
        ident: [{"version": v.number, "hash": v.hash, "statement": v.statement, "release": v.release} for v in versions]
        for ident, versions in sorted(ledger.items())
    }
    return json.dumps({"about": ABOUT, "ids": ids}, indent=1, ensure_ascii=False) + "\n"


def write_ledger(ledger: Ledger, path: Path) -> None:
    """Write atomically: a failure leaves the old ledger as it was."""
    write_atomic(path, dump(ledger))


def for_catalogue(roots: Iterable[Path]) -> Ledger:
    """The ledgers beside the given catalogue folders, merged."""
    out: Ledger = {}
    for root in roots:
        out.update(load_ledger(default_path(root if root.is_dir() else root.parent)))
    return out
