"""What one Sphinx build knows about the catalogue: identities, numbers, verification results.

The catalogue is loaded once per build, at ``builder-inited``; parallel readers are forked from
the main process and inherit it. A result is computed the first time a document needs it,
through the same on-disk cache as ``identity-book verify``, so readers share their work.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from identity_book import __version__
from identity_book.catalogue.builtin import catalogue_path
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.numbering import Numbered, number_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.errors import CatalogueError, Diagnostic
from identity_book.verify.cache import VERIFIER_VERSION, Cache
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result, Status
from identity_book.verify.runner import verify_many

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

UNKNOWN = "unknown"
BROKEN = "catalogue-error"


@dataclass
class CatalogueState:
    """The catalogue of one build (or why it could not be loaded) and the results so far."""

    roots: tuple[Path, ...]
    catalogue: Catalogue | None
    problems: tuple[Diagnostic, ...] = ()
    cache: Cache | None = None
    settings: Settings = field(default_factory=Settings)
    numbers: dict[str, Numbered] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)

    @classmethod
    def load(cls, roots: tuple[Path, ...], cache: Cache | None) -> CatalogueState:
        try:
            catalogue = load_catalogue(list(roots), cache=cache.folder if cache else None)
        except CatalogueError as exc:
            return cls(roots, None, tuple(exc.diagnostics), cache)
        return cls(roots, catalogue, (), cache, numbers=number_catalogue(catalogue))

    def get(self, identity_id: str) -> Numbered | None:
        return self.numbers.get(identity_id)

    def result(self, identity_id: str) -> Result:
        """The verification result of a known identity (cached on disk and in memory)."""
        if identity_id not in self.results:
            identity = self.numbers[identity_id].identity
            try:
                result = verify_many([identity], self.settings, 1, self.cache)[0]
            except Exception as exc:  # a verifier bug must not crash the user's build
                result = Result(
                    identity.id,
                    identity.file,
                    identity.location.line,
                    Status.ERROR,
                    message=f"the verifier failed: {type(exc).__name__}: {exc}",
                )
            self.results[identity_id] = result
        return self.results[identity_id]

    def source(self, identity_id: str) -> Path:
        """The absolute path of the catalogue file that defines a known identity."""
        return Path(os.path.abspath(self.numbers[identity_id].identity.file))

    def fingerprint(self, identity_id: str) -> str:
        """Changes whenever what a page shows about ``identity_id`` may change."""
        if self.catalogue is None:
            return BROKEN
        numbered = self.numbers.get(identity_id)
        if numbered is None:
            return UNKNOWN
        text = repr((numbered.number, numbered.identity, __version__, VERIFIER_VERSION))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_STATES: WeakKeyDictionary[BuildEnvironment, CatalogueState] = WeakKeyDictionary()


def set_state(env: BuildEnvironment, state: CatalogueState) -> None:
    _STATES[env] = state


def get_state(env: BuildEnvironment) -> CatalogueState:
    try:
        return _STATES[env]
    except KeyError:
        raise RuntimeError("identity_book.sphinx: the catalogue was not loaded (builder-inited)") from None


def catalogue_roots(setting: str | list[str] | tuple[str, ...], confdir: Path) -> tuple[Path, ...]:
    """``identity_book_catalogue`` (one folder or several) as absolute paths."""
    values = [setting] if isinstance(setting, str) else list(setting)
    return tuple(catalogue_path(v, confdir).resolve() for v in values)
