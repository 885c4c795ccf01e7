"""Sphinx extension: embed and cite verified identities from an identity-book catalogue.

In ``conf.py``::

    extensions = ["identity_book.sphinx"]
    identity_book_catalogue = "identities"      # a folder, or a list of folders

Then ``.. identity:: trace-axb`` (MyST: ```` ```{identity} trace-axb ````) embeds an identity and
``:identity:`trace-axb``` cites it; ``.. derive:: tr(A @ X @ B)`` with ``:wrt: X`` prints a
generated derivation, every step checked. Identities are verified during the build (through the same
cache as ``identity-book verify``); a false, undecided or unknown one is a warning of type
``identity_book.*`` (see :mod:`identity_book.sphinx.warning_types`), so ``sphinx-build -W`` fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from identity_book import __version__
from identity_book.cite import unicode_package
from identity_book.config import cache_folder, make_cache_folder
from identity_book.sphinx.derive_directive import DeriveDirective
from identity_book.sphinx.directive import IdentityDirective
from identity_book.sphinx.domain import IdentityDomain
from identity_book.sphinx.role import IdentityRole
from identity_book.sphinx.settings import PREFIX, ExtensionSettings, settings_of
from identity_book.sphinx.state import (
    CatalogueState,
    catalogue_roots,
    get_state,
    set_state,
)
from identity_book.sphinx.usage import (
    domain_of,
    duplicate_message,
    entry_location,
    problem_text,
    shown,
)
from identity_book.sphinx.warning_types import warn
from identity_book.sphinxconfig import register
from identity_book.verdict import verdict
from identity_book.verify.cache import Cache

LATEX_PACKAGE = "identitybook-sphinx"
CSS_FILE = "identity-book.css"


def check_config(app: Sphinx, config: Config) -> None:
    """``config-inited``: a catalogue setting that names no folder is a configuration error."""
    catalogue_roots(settings_of(config).catalogue, Path(app.confdir))


def load_catalogue(app: Sphinx) -> None:
    """``builder-inited``: load the catalogue once, and report its problems at their files."""
    confdir = Path(app.confdir)
    settings = settings_of(app.config)
    roots = catalogue_roots(settings.catalogue, confdir)
    folder = cache_folder(settings.cache, confdir)
    if folder:
        make_cache_folder(folder)
    state = CatalogueState.load(roots, Cache(folder) if folder else None)
    set_state(app.env, state)
    for problem in state.problems:
        who = f"{problem.identity}: " if problem.identity else ""
        location = problem.location
        warn("catalogue", f"{who}{problem.message}", f"{shown(location.file)}:{location.line}:{location.column}")


def check_unused(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-updated``: an identity of one's own catalogue that no page embeds or cites is
    verified too, and warns at its entry, so that ``-W`` fails on every false identity."""
    state = get_state(env)
    used = {i for ids in domain_of(env).uses.values() for i in ids}
    unused = [i for i in state.own() if i not in used]
    for identity_id, result in state.results_of(unused, max(1, app.parallel)).items():
        subtype = verdict(result).warning
        if subtype is not None:
            numbered = state.numbers[identity_id]
            warn(subtype, f"{problem_text(numbered, result)} (no page embeds or cites it)", entry_location(numbered))


def check_duplicates(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-updated``: an identity embedded by two pages, reported at the second, like a
    duplicate label (the same page twice is reported while it is read)."""
    for identity_id, place, (first, line) in domain_of(env).duplicates():
        warn("duplicate", duplicate_message(identity_id, f"{env.doc2path(first)}:{line}"), place)


def write_html_support(app: Sphinx) -> None:
    """``builder-inited``: a small style sheet that sets verified and unverified apart."""
    if app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(__file__).with_name(CSS_FILE), static / CSS_FILE)
        app.add_css_file(CSS_FILE)


def write_latex_support(app: Sphinx) -> None:
    """``builder-inited``: the package that declares title symbols (ᵀ, ‖, ...) for pdflatex."""
    if app.builder.format == "latex":
        outdir = Path(app.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / f"{LATEX_PACKAGE}.sty").write_text(unicode_package(), encoding="utf-8")


def outdated_documents(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """``env-get-outdated``: pages whose identities were edited, renumbered, added or removed."""
    return sorted(domain_of(env).outdated(get_state(env)) - removed)


def setup_config(app: Sphinx) -> None:
    register(app, ExtensionSettings, PREFIX)


def setup_markup(app: Sphinx) -> None:
    """The domain, plus ``identity`` as a directive and role without the ``idb:`` prefix, and
    ``derive`` (a derivation generated and checked during the build)."""
    app.add_domain(IdentityDomain)
    app.add_directive_to_domain("idb", "identity", IdentityDirective)
    app.add_role_to_domain("idb", "identity", IdentityRole())
    app.add_directive("identity", IdentityDirective)
    app.add_role("identity", IdentityRole())
    app.add_directive("derive", DeriveDirective)
    app.add_latex_package(LATEX_PACKAGE)


def setup(app: Sphinx) -> dict[str, Any]:
    setup_config(app)
    setup_markup(app)
    app.connect("config-inited", check_config)
    app.connect("builder-inited", load_catalogue)
    app.connect("builder-inited", write_latex_support)
    app.connect("builder-inited", write_html_support)
    app.connect("env-get-outdated", outdated_documents)
    app.connect("env-updated", check_unused)
    app.connect("env-updated", check_duplicates)
    return {
        "version": __version__,
        "env_version": 2,
        # Readers are forked after builder-inited and share results through the atomic on-disk
        # cache; the domain data are per document and merged; writing needs no shared state.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
