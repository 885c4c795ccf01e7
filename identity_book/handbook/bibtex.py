"""The cite block's BibTeX: the same entry as ``identity-book cite`` (:mod:`identity_book.cite`)."""

from __future__ import annotations

import re

from identity_book import cite
from identity_book.catalogue.ledger import Version
from identity_book.catalogue.numbering import Numbered
from identity_book.verify.results import Result

_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$")


def check_url(url: str) -> str:
    """A permalink must be a plain http(s) URL: it is printed as a link without escaping."""
    if not _URL.match(url):
        raise ValueError(f"not a plain http(s) URL: {url!r}")
    return url


def permalink(n: Numbered) -> str:
    return check_url(cite.permalink(n))


def key(identity_id: str) -> str:
    return cite.bibtex_key(identity_id)


def entry(n: Numbered, result: Result, published: Version | None = None) -> str:
    """The ``@misc`` entry alone (without the file header ``identity-book cite`` prints)."""
    text = cite.bibtex([cite.Citation(n, result, published)])
    lines = [line for line in text.splitlines() if not line.startswith("%")]
    return "\n".join(lines).strip()
