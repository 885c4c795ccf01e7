"""Build stamps: ``identity-book build`` does nothing when nothing it reads has changed.

A successful build writes ``OUT/.identity-book-<target>.stamp``: a digest of every input (the
catalogue, concordance and ledger files, the Sphinx project, the templates, the package's own
code, the versions of Python and of the libraries that render, the options) and of the outputs
it made. The next build with the same digest is up to date, as with ``make``: it prints the
outputs and stops. Any change to an input, or a missing or changed output, rebuilds; a build
that fails removes the stamp first, so a failed build is never taken for an up-to-date one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import identity_book
from identity_book.files import write_atomic
from identity_book.templates import template_dir

# the libraries whose versions change what a build writes
LIBRARIES = ("sphinx", "myst-parser", "furo", "jinja2", "sympy", "numpy", "docutils", "sphinx-copybutton")


def _tree(root: Path, skip: tuple[Path, ...] = ()) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and here / d not in skip and d != "__pycache__")
        for name in sorted(files):
            yield here / name


def _files(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """Each file with the digest of its contents (contents, not mtimes: an edit within the
    file system's clock tick is still seen)."""
    out = []
    for path in paths:
        try:
            out.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        except OSError:
            out.append((str(path), ""))
    return out


def _versions() -> dict[str, str]:
    found = {"python": sys.version}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = ""
    return found


@cache
def code_digest() -> str:
    """The digest of what renders, unchanged inputs aside: the package's files, the templates
    and the versions of Python and of the libraries that render."""
    package = Path(identity_book.__file__).parent
    record = {"versions": _versions(), "package": _files(_tree(package)), "templates": _files(_tree(template_dir()))}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def digest(
    options: dict[str, object],
    inputs: Iterable[Path],
    project: Path,
    skip: tuple[Path, ...],
    templates: Path,
    environment: dict[str, str],
) -> str:
    """The digest of everything a build reads: ``inputs`` (catalogue files), the Sphinx
    ``project`` without the folders in ``skip`` (generated pages, the output), the templates,
    the package's files, the versions."""
    record = {
        "options": options,
        "environment": environment,
        "code": code_digest(),
        "inputs": _files(inputs),
        "project": _files(_tree(project, skip)),
        "templates": _files(_tree(templates)),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def path_for(out: Path, target: str) -> Path:
    return out / f".identity-book-{target}.stamp"


def up_to_date(out: Path, target: str, inputs_digest: str) -> list[str] | None:
    """The outputs of the last build when its stamp matches ``inputs_digest`` and every output
    is still as it left it; else None."""
    try:
        data = json.loads(path_for(out, target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("inputs") != inputs_digest:
        return None
    outputs = data.get("outputs")
    if not isinstance(outputs, list) or data.get("made") != [list(f) for f in _files(Path(p) for p in outputs)]:
        return None
    return [str(p) for p in outputs]


def forget(out: Path, target: str) -> None:
    """Remove the stamp (before a build starts: a failed build leaves none)."""
    path_for(out, target).unlink(missing_ok=True)


def record(out: Path, target: str, inputs_digest: str, outputs: list[Path]) -> None:
    """Stamp a successful build. ``inputs_digest`` is taken before the build started, so an edit
    made while it ran is seen by the next build."""
    data = {"inputs": inputs_digest, "outputs": [str(p) for p in outputs], "made": _files(outputs)}
    write_atomic(path_for(out, target), json.dumps(data))
