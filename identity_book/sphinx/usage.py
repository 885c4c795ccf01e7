"""What the directive and the role share: look an id up, record the use, warn about problems.

A document with a problem (unknown id, unloadable catalogue, identity not verified) is read
again on every build, so its warning repeats, and ``sphinx-build -W`` keeps failing, until the
problem is fixed; an incremental build cannot hide it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from identity_book.catalogue.numbering import Numbered
from identity_book.sphinx.domain import IdentityDomain
from identity_book.sphinx.state import CatalogueState, get_state
from identity_book.sphinx.warning_types import warn
from identity_book.verdict import verdict
from identity_book.verify.results import Result

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment


def domain_of(env: BuildEnvironment) -> IdentityDomain:
    return cast(IdentityDomain, env.domains["idb"])


def shown(path: str | Path) -> str:
    """A path as a warning prints it: absolute, like the page paths Sphinx prints, so that it can
    be opened wherever ``sphinx-build`` ran. (The loader's paths are relative to the working folder.)"""
    return os.path.abspath(path)


def look_up(env: BuildEnvironment, identity_id: str, location: Any) -> tuple[Numbered, Result] | None:
    """The identity and its verification; ``None`` (after a warning) when it cannot be shown."""
    state = get_state(env)
    docname = env.docname
    domain_of(env).note_use(docname, identity_id, state.fingerprint(identity_id))
    if state.catalogue is None:
        roots = ", ".join(shown(r) for r in state.roots)
        warn(
            "catalogue",
            f"cannot show identity {identity_id!r}: the catalogue ({roots}) has "
            f"{len(state.problems)} problem(s), reported at its files",
            location,
        )
        env.note_reread()
        return None
    numbered = state.get(identity_id)
    if numbered is None:
        warn("unknown_id", unknown_message(state, identity_id), location)
        env.note_reread()
        return None
    env.note_dependency(state.source(identity_id))
    result = state.result(identity_id)
    subtype = verdict(result).warning
    if subtype is not None:
        warn(subtype, problem_message(numbered, result), location)
        env.note_reread()
    return numbered, result


def unknown_message(state: CatalogueState, identity_id: str) -> str:
    roots = ", ".join(shown(r) for r in state.roots)
    close = difflib.get_close_matches(identity_id, list(state.numbers), n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown identity id {identity_id!r}: not in the catalogue ({roots}){hint}"


def problem_message(numbered: Numbered, result: Result) -> str:
    """What is wrong with an identity, after the catalogue file and line of its entry."""
    return f"{entry_location(numbered)}: {problem_text(numbered, result)}"


def entry_location(numbered: Numbered) -> str:
    """``/abs/path/file.yaml:12``: where an identity's entry starts."""
    return f"{shown(numbered.identity.file)}:{numbered.identity.location.line}"


def problem_text(numbered: Numbered, result: Result) -> str:
    ident = numbered.identity
    if result.status == "verified":
        what = "is marked as a printed erratum (expected false) but was verified"
    else:
        what = f"is {result.status}, not verified"
    detail = f": {result.message}" if result.message else ""
    sizes = result.counterexample.sizes if result.counterexample else {}
    if sizes:
        detail += "; counterexample at " + ", ".join(f"{k} = {v}" for k, v in sizes.items())
    return f"identity {ident.id!r} ({numbered.number}) {what}{detail}"


def duplicate_message(identity_id: str, first: str) -> str:
    """An identity embedded again (``first``: the file and line of the embedding links go to)."""
    return (
        f"duplicate identity {identity_id!r}, other instance in {first}; "
        f"embed it once and cite it elsewhere with the identity role"
    )
