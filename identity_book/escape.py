"""Escaping for the output languages of the templates (Markdown, LaTeX, BibTeX, HTML): the one
place catalogue text is made safe, for the handbook, citations and the Sphinx extension.

Every value a template prints is escaped for the template's language unless it is a
:class:`Raw` string, which only code in this package creates (generated LaTeX, ids checked
against the id pattern, numbers). Catalogue text (titles, conditions, notes, ``because``) is
never Raw, so HTML, Markdown or LaTeX special characters in it come out as plain text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from identity_book.texunicode import UNICODE_LATEX

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)*$")


class Raw(str):
    """Text that is already in the target language; printed as is."""

    __slots__ = ()


def raw_id(value: str) -> Raw:
    """An identity id, tag or reference source, checked against the id pattern."""
    if not _ID.match(value):
        raise ValueError(f"not an id: {value!r}")
    return Raw(value)


def raw_hash(value: str) -> Raw:
    """A content hash: lowercase hexadecimal digits."""
    if not re.fullmatch(r"[0-9a-f]{1,64}", value):
        raise ValueError(f"not a content hash: {value!r}")
    return Raw(value)


def raw_number(value: str) -> Raw:
    if not _NUMBER.match(value):
        raise ValueError(f"not a number: {value!r}")
    return Raw(value)


_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Collapse whitespace runs to one space (a newline would end a Markdown block or a cell)."""
    return _SPACE.sub(" ", str(text))


_MD_TABLE = str.maketrans({ch: "\\" + ch for ch in string.punctuation})


def md_escape(value: object) -> str:
    """Markdown (MyST) text: every ASCII punctuation character backslash-escaped.

    CommonMark allows a backslash before any ASCII punctuation, so the result is the literal
    text: no emphasis, links, roles, raw HTML, entities, math or list markers.
    """
    if isinstance(value, Raw):
        return str(value)
    return one_line(str(value)).translate(_MD_TABLE)


_TEX_REPLACE = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def tex_escape(value: object) -> str:
    """LaTeX text mode: the ten special characters (and a few font-dependent ones) made literal."""
    if isinstance(value, Raw):
        return str(value)
    return one_line(str(value)).translate(_TEX_TABLE)


_TEX_TABLE = str.maketrans(_TEX_REPLACE)
_BIB_REPLACE = {**_TEX_REPLACE, "@": r"\char64{}", '"': r"\char34{}"}
_BIB_TABLE = str.maketrans(_BIB_REPLACE)
_TEXT_TABLE = str.maketrans({**UNICODE_LATEX, **_TEX_REPLACE})


def tex_text(value: object) -> str:
    """LaTeX text mode with the Unicode symbols as LaTeX commands (a citation pasted into any
    document; the handbook's preamble declares them instead)."""
    if isinstance(value, Raw):
        return str(value)
    return one_line(str(value)).translate(_TEXT_TABLE)


def bibtex_plain(value: object) -> str:
    """A plain-text BibTeX field: the source's braces and backslashes dropped, specials escaped
    (Unicode stays; identitybook.sty declares it for pdflatex)."""
    return one_line(re.sub(r"[{}\\]", "", str(value))).strip().translate(_TEX_TABLE)


def bibtex_escape(value: object) -> str:
    """A BibTeX field value inside braces: LaTeX-escaped, braces balanced by construction."""
    if isinstance(value, Raw):
        return str(value)
    return one_line(str(value)).translate(_BIB_TABLE)


def finalize_for(kind: str) -> Callable[[object], object]:
    """The Jinja ``finalize`` hook for a template language (``md`` or ``tex``)."""
    fn = {"md": md_escape, "tex": tex_escape}[kind]

    def finalize(value: object) -> object:
        if value is None:
            raise ValueError("a template printed None")
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float):
            return fn(str(value))
        return fn(value)

    return finalize
