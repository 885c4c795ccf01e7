"""Find the Jinja templates and render them with the escaping of their language: the one way
the handbook, citations and the Sphinx extension render a template.

Templates live in the repository's ``templates/`` folder; a wheel carries the same folder as
``identity_book/templates`` (see pyproject's force-include). Names end in their language:
``.md`` (MyST Markdown), ``.tex`` (LaTeX), ``.html``/``.svg`` (HTML autoescaping), and
``.jinja`` for the citation files (``.bib``, ``.sty``, ``.tex``, ``.txt`` under ``cite/``),
which use ``<< >>`` and ``<% %>`` so that TeX's braces and ``#1`` need no escaping, and whose
filters ``tex`` and ``bib`` escape explicitly.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from identity_book.errors import IdentityBookError
from identity_book.escape import bibtex_escape, bibtex_plain, finalize_for, md_escape, tex_escape, tex_text

PACKAGE_DIR = Path(__file__).resolve().parent  # identity_book/


CITE_DELIMITERS = {
    "block_start_string": "<%",
    "block_end_string": "%>",
    "variable_start_string": "<<",
    "variable_end_string": ">>",
    "comment_start_string": "<#",
    "comment_end_string": "#>",
}


class TemplateError(IdentityBookError):
    """A template is missing or failed to render (names the template and its line)."""


def template_dir() -> Path:
    """``identity_book/templates`` in an installed wheel, else the repository's ``templates/``."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "handbook").is_dir():
            return candidate
    raise TemplateError(f"templates not found next to {PACKAGE_DIR}")


def _kind(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1]
    if suffix == "jinja":
        return "cite"
    if suffix in ("html", "svg"):
        return "html"
    if suffix in ("md", "tex", "bib"):
        return "tex" if suffix == "bib" else suffix
    raise TemplateError(f"{name}: unknown template language (want .md, .tex, .html, .svg or .jinja)")


@cache
def environment(kind: str, folder: str | None = None) -> jinja2.Environment:
    """One environment per output language; undefined names are errors."""
    loader = jinja2.FileSystemLoader(folder or str(template_dir()))
    options: dict[str, Any] = {
        "loader": loader,
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": kind == "html",
    }
    if kind == "cite":
        options |= CITE_DELIMITERS
        env = jinja2.Environment(**options)
        env.filters.update(bib=bibtex_plain, tex=tex_text)
        return env
    if kind != "html":
        options["finalize"] = finalize_for(kind)
    env = jinja2.Environment(**options)
    env.filters.update(md=md_escape, tex=tex_escape, bibtex=bibtex_escape)
    return env


def keep_compiled(folder: Path, code: str) -> None:
    """Keep the compiled templates in ``folder`` from one build to the next (Jinja's bytecode
    cache: a template whose source changed is compiled again). ``code`` names the code that
    compiles them (the environments' options): files of another code are removed."""
    prefix = code[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.cache"):
            if not old.name.startswith(prefix):
                old.unlink(missing_ok=True)
    except OSError:
        return  # a folder we cannot write: templates are compiled in each build
    for kind in ("md", "tex", "html", "cite"):
        environment(kind, None).bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder), f"{prefix}-%s.cache")


def render(name: str, folder: str | None = None, **context: Any) -> str:
    """Render template ``name`` (e.g. ``handbook/chapter.md``) with ``context``."""
    env = environment(_kind(name), folder)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name} (in {folder or template_dir()})") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{name}{_line(exc)}: {exc.message}") from exc


def _line(exc: BaseException) -> str:
    """The template line of a render error, from the traceback Jinja rewrites."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".md", ".tex", ".html", ".svg", ".bib", ".jinja")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f":{line}" if line else ""
