"""A content-hash cache of verification results; a damaged entry is ignored, never trusted.

Behind the cache folder stand the results that ship with the package: ``ledger/verified.json.gz``
holds one result per identity of the built-in catalogue, under the same key (the identity's
content and status, the package and verifier versions, the settings), written when a release
is made (``identity-book verify --ship``). An installed package reads it beside its catalogue
(``identity_book/ledger``), so a documentation project that embeds the built-in catalogue does
not verify it again, while its own identities, and any whose content or verifier version
differs, are verified as usual. A source checkout does not read it: there the catalogue is
verified. ``tests/test_shipped.py`` fails when the file is stale or disagrees with a fresh
verification.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from identity_book import __version__
from identity_book.catalogue.builtin import PACKAGE_DIR
from identity_book.catalogue.records import Identity
from identity_book.config import make_cache_folder
from identity_book.files import write_atomic
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result

SHIPPED_NAME = "verified.json.gz"
SHIPPED_IN_CHECKOUT = PACKAGE_DIR.parent / "ledger" / SHIPPED_NAME  # where a release writes it
SHIPPED_INSTALLED = PACKAGE_DIR / "ledger" / SHIPPED_NAME  # where a wheel carries it
VERIFIER_VERSION = (
    "12"  # 10: branched functions also at wide points; 11: extra sizes, parameter grid; 12: 50-digit re-check
)


@lru_cache(maxsize=4)
def shipped_results(path: Path = SHIPPED_INSTALLED) -> dict[str, Any]:
    """Key → result JSON; empty when the file is missing, damaged or from another version."""
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return {}
    if not isinstance(data, dict) or data.get("verifier") != VERIFIER_VERSION or data.get("package") != __version__:
        return {}
    results = data.get("results")
    return results if isinstance(results, dict) else {}


def dump_shipped(results: dict[str, Any]) -> bytes:
    """The shipped file's bytes, deterministic (sorted keys, no gzip time stamp)."""
    text = json.dumps({"package": __version__, "verifier": VERIFIER_VERSION, "results": results}, sort_keys=True)
    return gzip.compress(text.encode(), mtime=0)


class Cache:
    """Results under ``folder``, with ``shipped`` (key → result JSON, read-only) behind it."""

    def __init__(self, folder: str | Path, shipped: dict[str, Any] | None = None) -> None:
        self.folder = Path(folder)
        self.shipped = shipped_results() if shipped is None else shipped

    @staticmethod
    def key(identity: Identity, settings: Settings) -> str:
        payload = json.dumps(
            [identity.content(), identity.status, __version__, VERIFIER_VERSION, settings.key()],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, identity: Identity, settings: Settings) -> Result | None:
        key = self.key(identity, settings)
        try:
            data = json.loads(self._path(key).read_text())
            if data.get("key") != key:
                return None
            stored = data["result"]
        except OSError:
            stored = self.shipped.get(key)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        try:
            if stored is None or stored["id"] != identity.id:
                return None
            result = Result.from_json(stored)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if result.status == "inconclusive":
            return None  # written by an older version: decide again
        result.file, result.line, result.cached = identity.file, identity.location.line, True
        return result

    def put(self, identity: Identity, settings: Settings, result: Result) -> None:
        if result.status in ("error", "inconclusive"):
            return  # an inconclusive result may come from a time budget on a busy machine: try again
        key = self.key(identity, settings)
        make_cache_folder(self.folder)
        with contextlib.suppress(OSError):
            write_atomic(self._path(key), json.dumps({"key": key, "result": result.to_json()}))
