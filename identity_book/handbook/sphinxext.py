"""The Sphinx extension that turns the catalogue into the handbook's pages.

At ``builder-inited`` it loads the catalogue named by ``identity_book_handbook_catalogue``
and the Matrix Cookbook concordance (``identity_book_handbook_concordance``), verifies the
catalogue (through the result cache), refuses to publish refuted or inconclusive entries unless
``identity_book_handbook_allow_unverified`` is set, and writes the MyST pages that Sphinx then
reads like any other source. It also bundles MathJax so the site renders math
offline, adds copy buttons to code blocks (sphinx-copybutton: every identity's YAML and LaTeX),
and adds the LaTeX preamble the PDF needs.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.ext.mathjax import MATHJAX_URL
from sphinx.util import logging

from identity_book import __version__, longlived, texunicode
from identity_book.config import cache_folder
from identity_book.errors import CatalogueError, IdentityBookError
from identity_book.escape import Raw
from identity_book.handbook import generate, nodes, pages
from identity_book.handbook.book import SPLIT_OVER
from identity_book.handbook.policy import unpublishable
from identity_book.search.index import cached_index_json, write_index
from identity_book.sphinxconfig import meta, read, register
from identity_book.templates import render

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MATHJAX = "mathjax/tex-svg-full.js"
MATHJAX_CONFIG = {
    "options": {
        "ignoreHtmlClass": "tex2jax_ignore|mathjax_ignore|document",
        "processHtmlClass": "tex2jax_process|mathjax_process|math|output_area",
    },
    "svg": {"fontCache": "global"},
}
# The handbook's two math macros (the LaTeX preamble defines them for the PDF): \ibfit{x} is x
# on the web (the PDF scales a display wider than the page down to fit), \ibrule{r} a
# derivation's rule beside its step, small and grey.
MATHJAX_MACROS: dict[str, Any] = {
    "ibfit": ["#1", 1],
    "ibrule": [r"\quad\textcolor[RGB]{85,85,85}{\small #1}", 1],
}
PREFIX = "identity_book_handbook_"
# The formula index of the book being built, written beside the HTML when the build ends.
FORMULAS: weakref.WeakKeyDictionary[Sphinx, dict[str, Any]] = weakref.WeakKeyDictionary()


class HandbookBuildError(SphinxError):
    category = "identity-book handbook error"


@dataclass(frozen=True)
class HandbookConfig:
    """The handbook extension's settings (``identity_book_handbook_*`` in ``conf.py``)."""

    catalogue: list[str] | tuple[str, ...] = field(  # a list, so that -D a,b overrides it
        default_factory=list, metadata=meta((list, tuple), doc="catalogue folders, relative to conf.py")
    )
    cache: str = field(default="", metadata=meta((str,), rebuild="", doc='"": identity_book.config.cache_folder'))
    jobs: int = field(default=0, metadata=meta((int,), rebuild="", doc="verification processes; 0: one per core"))
    seed: int = field(default=0, metadata=meta((int,), doc="random seed of the sample points"))
    symbolic: bool = field(default=True, metadata=meta((bool,), doc="run the symbolic level"))
    allow_unverified: bool = field(default=False, metadata=meta((bool,), doc="publish failures, marked"))
    concordance: str = field(
        default="", metadata=meta((str,), doc='"": concordance/matrix-cookbook.yaml beside the catalogue, if any')
    )
    split_over: int = field(default=SPLIT_OVER, metadata=meta((int,), doc="a page per section above this many"))


def settings_from(app: Sphinx) -> generate.HandbookSettings:
    c = read(app.config, HandbookConfig, PREFIX)

    def path(value: str) -> Path:
        return (Path(app.confdir) / value).resolve()

    return generate.HandbookSettings(
        catalogue=tuple(path(p) for p in c.catalogue),
        cache=cache_folder(c.cache or None, Path(app.confdir)),
        jobs=c.jobs,
        seed=c.seed,
        symbolic=c.symbolic,
        allow_unverified=c.allow_unverified,
        concordance=path(c.concordance) if c.concordance else None,
        split_over=c.split_over,
    )


def mathjax_config(config: Any, ours: bool) -> Any:
    """The MathJax configuration with the handbook's macros (a user's own settings are kept)."""
    if config is None:
        config = MATHJAX_CONFIG if ours else {}
    if not isinstance(config, dict):
        return config  # a script string: the user configures MathJax themselves
    tex = dict(config.get("tex") or {})
    tex["macros"] = {**MATHJAX_MACROS, **(tex.get("macros") or {})}
    return {**config, "tex": tex}


def on_config_inited(app: Sphinx, cfg: Config) -> None:
    """Offline MathJax, our stylesheet, and the LaTeX preamble."""
    ours = cfg.mathjax_path == MATHJAX_URL
    if ours:
        cfg.mathjax_path = MATHJAX
    cfg.mathjax3_config = mathjax_config(cfg.mathjax3_config, ours)
    cfg.html_static_path = [*cfg.html_static_path, str(STATIC)]
    app.add_css_file("identity-book.css")
    app.add_js_file("identity-book.js", loading_method="defer", priority=900)
    if not cfg.html_favicon:
        cfg.html_favicon = str(STATIC / "identity-book-icon.svg")
    latex = dict(cfg.latex_elements)
    preamble = render("latex/preamble.tex", unicode=Raw(texunicode.preamble()))
    latex["preamble"] = latex.get("preamble", "") + "\n" + preamble
    latex.setdefault("extraclassoptions", "openany,oneside")
    latex.setdefault("fncychap", "")  # chapter heads as the preamble sets them: one line
    latex.setdefault("sphinxsetup", "hmargin={1.7cm,1.7cm}, vmargin={1.6cm,1.8cm}")
    latex.setdefault("fvset", r"\fvset{fontsize=\footnotesize}")
    cfg.latex_elements = latex


def on_builder_inited(app: Sphinx) -> None:
    settings = settings_from(app)
    if not settings.catalogue:
        return
    start = time.perf_counter()
    try:
        catalogue = generate.load(settings)
        results = generate.verify(catalogue, settings)
        if app.builder.format == "latex":
            for d in generate.unprintable_text(catalogue, generate.concordance(settings, catalogue)):
                logger.warning(str(d), type="identity_book", subtype="unicode")
        book = generate.build_book(catalogue, results, settings)
        changed = generate.generate(book, Path(app.srcdir))
    except CatalogueError as exc:
        msg = f"{exc}\n{len(exc.diagnostics)} problem(s) in the catalogue"
        raise HandbookBuildError(msg) from None
    except IdentityBookError as exc:
        raise HandbookBuildError(str(exc)) from None
    for rel in unpublishable(results):
        logger.info("published although not verified (marked on its page): %s", rel)
    if app.builder.format == "html":
        urls = {str(e.id): f"{e.page}.html#{e.id}" for e in book.entries}
        FORMULAS[app] = cached_index_json(catalogue, urls, settings.cache)
    app.env.identity_book_titles = {  # type: ignore[attr-defined]
        e.id: f"{e.number} {e.title}" for e in book.entries
    }
    app.env.identity_book_title_pages = pages.title_pages(book)  # type: ignore[attr-defined]
    logger.info(
        "identity-book: %d identities checked (%d from cache), %d laid out anew, in %.1f s; %d page(s) rewritten",
        len(results),
        sum(r.cached for r in results),
        sum(e.cached is None for e in book.entries),
        time.perf_counter() - start,
        len(changed),
    )
    longlived.freeze()  # the catalogue, the book and Sphinx's environment stay to the end


# doctrees kept in memory between reading and writing; the rest are read back from their pickles
KEPT_DOCTREES = 64


def on_doctree_read(app: Sphinx, doctree: Any) -> None:
    """Bound the doctrees Sphinx keeps in memory until it writes them.

    A serial build keeps every page it read, unpickled, until the write phase: with 5,000
    identities that is most of the build's memory. Beyond the last KEPT_DOCTREES pages, Sphinx reads
    them back from the pickles it wrote (its own fallback for pages it did not read this time).
    """
    kept = getattr(app.env, "_write_doc_doctree_cache", None)
    if isinstance(kept, dict):
        while len(kept) > KEPT_DOCTREES:
            del kept[next(iter(kept))]


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """The pages that print identities' titles through references, when a title changed.

    Sphinx writes again only the pages it read again; these pages' sources do not change with a
    title, so they are named here (their doctrees are kept, only the references are resolved anew).
    """
    titles = getattr(env, "identity_book_titles", None)
    if titles is None:
        return []
    shown = getattr(env, "identity_book_titles_shown", None)
    env.identity_book_titles_shown = dict(titles)  # type: ignore[attr-defined]
    if shown == titles:
        return []
    return [doc for doc in getattr(env, "identity_book_title_pages", []) if doc in env.found_docs]


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """``_static/formula-index.json`` (and ``.js``) for the search-by-formula page."""
    data = FORMULAS.pop(app, None)
    if exception is None and data is not None:
        write_index(data, Path(app.outdir) / "_static")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.mathjax")
    app.setup_extension("myst_parser")
    register(app, HandbookConfig, PREFIX)
    app.setup_extension("sphinx_copybutton")
    app.add_directive("ib-anchor", nodes.AnchorDirective)
    app.add_directive("ib-details", nodes.DetailsDirective)
    app.add_node(nodes.details, **nodes.NODE_VISITORS)  # type: ignore[arg-type]
    app.add_transform(nodes.AnchorsFirst)
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-updated", on_env_updated)
    app.connect("build-finished", on_build_finished)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
