"""What one Sphinx build knows about the catalogue: identities, numbers, verification results.

The catalogue is loaded once per build, at ``builder-inited``; parallel readers are forked from
the main process and inherit it. A result is computed the first time a document needs it,
through the same on-disk cache as ``identity-book verify``, so readers share their work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sphinx.errors import ConfigError

from identity_book import __version__
from identity_book.catalogue.builtin import BUILTIN, catalogue_path
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.numbering import Numbered, number_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.errors import CatalogueError, Diagnostic
from identity_book.sphinx.settings import PREFIX
from identity_book.verify.cache import VERIFIER_VERSION, Cache
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result, Status
from identity_book.verify.runner import verify_many

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

SETTING = f"{PREFIX}catalogue"
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
    shipped: frozenset[str] = frozenset()  # ids of the built-in catalogue, when it is configured

    @classmethod
    def load(cls, roots: tuple[Path, ...], cache: Cache | None) -> CatalogueState:
        try:
            catalogue = load_catalogue(list(roots), cache=cache.folder if cache else None)
        except CatalogueError as exc:
            return cls(roots, None, tuple(exc.diagnostics), cache)
        return cls(roots, catalogue, (), cache, numbers=number_catalogue(catalogue), shipped=catalogue.builtin)

    def get(self, identity_id: str) -> Numbered | None:
        return self.numbers.get(identity_id)

    def own(self) -> list[str]:
        """The ids of the project's own catalogues: all but those of the built-in one, which
        identity-book's own CI verifies (and whose results ship with the package)."""
        return [i for i in self.numbers if i not in self.shipped]

    def results_of(self, ids: Iterable[str], jobs: int = 1) -> dict[str, Result]:
        """The results of known identities; those not known yet are verified together, in
        ``jobs`` worker processes."""
        wanted = list(ids)
        todo = [self.numbers[i].identity for i in wanted if i not in self.results]
        if todo:
            with contextlib.suppress(Exception):  # a verifier bug: self.result() says so for each
                self.results.update((r.id, r) for r in verify_many(todo, self.settings, jobs, self.cache))
        return {i: self.result(i) for i in wanted}

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
    """``identity_book_catalogue`` (one folder or several) as absolute paths; anything else, or a
    folder that does not exist, is a :class:`ConfigError` that names the setting."""
    values = [setting] if isinstance(setting, str) else list(setting)
    want = f"a catalogue folder (relative to conf.py, or {BUILTIN!r}) or a list of them"
    if not values:
        raise ConfigError(f"{SETTING} is an empty list; it must be {want}")
    roots: list[Path] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            within = "" if isinstance(setting, str) else f" (in {setting!r})"
            raise ConfigError(f"{SETTING} must be {want}, not {value!r}{within}")
        path = catalogue_path(value, confdir).resolve()
        if not path.exists():
            raise ConfigError(f"{SETTING}: no such catalogue folder {value!r} ({path}); it must be {want}")
        roots.append(path)
    return tuple(roots)
