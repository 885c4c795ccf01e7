"""Citations: a BibTeX entry, a plain-text reference and a LaTeX package for papers.

``identity-book cite ID`` prints one citation; ``identity-book export bibtex`` writes a ``.bib``
file for the catalogue and ``identity-book export latex`` a small package (``identitybook.sty``,
its data file and the ``.bib``) so a paper can write ``\\idbeq{trace-axb}``. Only verified
identities are exported as statements unless ``--include-unverified`` says otherwise, and the
citation of a refuted identity says so on the page and on stderr.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from identity_book import config, templates, texunicode
from identity_book.catalogue import ledger
from identity_book.catalogue.builtin import catalogue_paths
from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.ledger import Version
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.numbering import Numbered, number_catalogue
from identity_book.catalogue.records import Catalogue, Identity
from identity_book.config import cache_folder
from identity_book.verdict import verdict
from identity_book.verify.cache import Cache
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_many

KEY_PREFIX = "idb:"
FORMATS = ("bibtex", "latex", "text")
STY_NAME = "identitybook"


# -- what a citation says -----------------------------------------------------------------------
def statement_latex(identity: Identity) -> str:
    """The statement as display math: the hand-written ``latex:`` or ``lhs = rhs``."""
    if identity.latex:
        return " ".join(identity.latex.split())
    return compile_identity(identity).statement_latex()


def permalink(numbered: Numbered, base: str | None = None) -> str:
    """The handbook URL of an identity's anchor."""
    return f"{base if base is not None else config.BOOK_URL}{numbered.docname}.html#{numbered.anchor}"


def bibtex_key(identity_id: str) -> str:
    return f"{KEY_PREFIX}{identity_id}"


def _url_text(url: str) -> str:
    return re.sub(r"[\s{}\\%]", "", url)


@dataclass(frozen=True)
class Citation:
    """One identity as a citation: its number, permalink, content hash and verification."""

    numbered: Numbered
    result: Result | None
    published: Version | None = None  # this statement's version in the ledger of published ids

    @property
    def identity(self) -> Identity:
        return self.numbered.identity

    @property
    def id(self) -> str:
        return self.identity.id

    @property
    def number(self) -> str:
        return self.numbered.number

    @property
    def title(self) -> str:
        return self.identity.title

    @property
    def url(self) -> str:
        return _url_text(permalink(self.numbered))

    @property
    def content_hash(self) -> str:
        return self.identity.content_hash()

    @property
    def version(self) -> str:
        """``version 2`` (of this identity, from the ledger), or ``unpublished``."""
        return f"version {self.published.number}" if self.published else "unpublished"

    @property
    def verified(self) -> bool:
        """Whether the statement may be printed as true."""
        return self.result is not None and verdict(self.result).verified

    @property
    def status(self) -> str:
        r = self.result
        if r is None:
            return "not checked"
        v = verdict(r)
        if v.state == "erratum":
            return "false (a printed erratum kept on purpose)"
        if v.verified:
            return v.short
        return "REFUTED" if v.state == "refuted" else v.state

    def statement(self) -> str:
        return statement_latex(self.identity)


def citations(catalogue: Catalogue, results: Iterable[Result] | None = None) -> list[Citation]:
    """Every identity of ``catalogue`` in number order, with its result when given."""
    by_id = {r.id: r for r in results or ()}
    published = ledger.for_catalogue([Path(catalogue.root)])
    return [
        Citation(n, by_id.get(i), ledger.version_of(n.identity, published))
        for i, n in number_catalogue(catalogue).items()
    ]


# -- rendering through templates/cite/ ----------------------------------------------------------
def book_context() -> dict[str, Any]:
    """What citations say of the book: its title, address, version and today's date."""
    today = _today()
    return {
        "title": config.BOOK_TITLE,
        "short": config.BOOK_SHORT,
        "author": config.BOOK_AUTHOR,
        "url": config.BOOK_URL,
        "version": config.BOOK_VERSION,
        "year": today.year,
        "date": today.strftime("%Y/%m/%d"),
    }


def render(template: str, **context: Any) -> str:
    return templates.render(f"cite/{template}", book=book_context(), key=bibtex_key, **context)


def _today() -> datetime.date:
    """Today, or ``SOURCE_DATE_EPOCH`` for reproducible files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.datetime.now(datetime.timezone.utc).date()


def bibtex(items: Iterable[Citation]) -> str:
    return render("entries.bib.jinja", items=list(items))


def text(item: Citation) -> str:
    return render("citation.txt.jinja", c=item)


def latex_snippet(item: Citation) -> str:
    return render("statement.tex.jinja", c=item)


def unicode_package() -> str:
    """``identitybook-sphinx.sty``: every symbol of the table, for a Sphinx LaTeX build."""
    return render("identitybook-sphinx.sty.jinja", unicode=texunicode.sty_declarations(texunicode.UNICODE_LATEX))


def write_latex_package(items: list[Citation], out: Path, include_unverified: bool) -> list[Path]:
    """``identitybook.sty``, ``identitybook-data.tex`` and ``identitybook.bib`` in ``out``."""
    exported = [c for c in items if c.verified or include_unverified]
    withheld = [c for c in items if c not in exported]
    out.mkdir(parents=True, exist_ok=True)
    files = {
        f"{STY_NAME}.sty": render(
            "identitybook.sty.jinja",
            unicode=texunicode.sty_declarations(ch for c in items for ch in c.title),
        ),
        f"{STY_NAME}-data.tex": render("identitybook-data.tex.jinja", items=exported, withheld=withheld),
        f"{STY_NAME}.bib": bibtex(exported),
    }
    for name, content in files.items():
        (out / name).write_text(content, encoding="utf-8")
    return [out / name for name in files]


# -- command line ---------------------------------------------------------------------------------
def _load(args: argparse.Namespace, ids: list[str] | None = None) -> tuple[list[Citation], list[str]]:
    """Citations for ``ids`` (every identity when None), verified; and the unknown ids."""
    catalogue = load_catalogue(catalogue_paths(args.catalogue))
    wanted = [i for i in catalogue if ids is None or i.id in ids]
    unknown = [i for i in ids or () if catalogue.get(i) is None]
    chosen = {i.id for i in wanted}
    return [c for c in citations(catalogue, _verify(wanted, args)) if c.id in chosen], unknown


def _verify(identities: list[Identity], args: argparse.Namespace) -> list[Result]:
    """Verification with the command line's options and cache (``--jobs``, ``--no-cache``, ...)."""
    settings = Settings(seed=args.seed, symbolic=not args.no_symbolic)
    folder = None if args.no_cache else cache_folder()
    cache = Cache(folder) if folder else None
    return verify_many(identities, settings, args.jobs, cache, time_limit=args.time_limit)


def _loud(item: Citation) -> None:
    bar = "!" * 72
    lines = [
        bar,
        f"WARNING: identity {item.id} ({item.number}) is {item.status}: NOT a verified statement.",
        str(item.identity.location),
    ]
    if item.result and item.result.message:
        lines.append(item.result.message)
    print("\n".join([*lines, bar]), file=sys.stderr)


def cmd_cite(args: argparse.Namespace) -> int:
    found, unknown = _load(args, [args.id])
    if unknown:
        print(f"identity-book: unknown identity id {args.id!r}", file=sys.stderr)
        return 2
    item = found[0]
    if not item.verified:
        _loud(item)
        if args.format == "latex" and not args.include_unverified:
            print(
                "identity-book: refusing to print an unverified statement "
                "(--include-unverified prints it marked as such)",
                file=sys.stderr,
            )
            return 1
    output = {
        "bibtex": lambda: bibtex([item]),
        "latex": lambda: latex_snippet(item),
        "text": lambda: text(item),
    }[args.format]()
    sys.stdout.write(output)
    return 0 if item.verified else 1


def _skipped(items: list[Citation], include_unverified: bool) -> None:
    for c in items:
        if not c.verified:
            verb = "exported, marked" if include_unverified else "not exported:"
            print(f"{c.identity.location}: {c.id}: {verb} {c.status}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    items, _ = _load(args)
    _skipped(items, args.include_unverified)
    if args.what == "bibtex":
        content = bibtex(c for c in items if c.verified or args.include_unverified)
        if args.out:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(content, encoding="utf-8")
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(content)
        return 0
    out = Path(args.out or STY_NAME)
    for path in write_latex_package(items, out, args.include_unverified):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def add_commands(subparsers: Any, add_verify_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``cite`` and ``export`` on the ``identity-book`` command line."""
    p = subparsers.add_parser("cite", help="print a citation of one identity (BibTeX, LaTeX or text)")
    p.add_argument("id")
    p.add_argument("--format", choices=FORMATS, default="bibtex", help="default: bibtex")
    _common(p, add_verify_options)
    p.set_defaults(func=cmd_cite)

    p = subparsers.add_parser("export", help="write citation files for the whole catalogue")
    p.add_argument(
        "what",
        choices=("bibtex", "latex"),
        help="bibtex: one .bib file; latex: identitybook.sty, its data file and a .bib",
    )
    p.add_argument("--out", help="bibtex: a file (default: stdout); latex: a folder (default: identitybook/)")
    _common(p, add_verify_options)
    p.set_defaults(func=cmd_export)


def _common(p: argparse.ArgumentParser, add_verify_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p.add_argument("--catalogue", action="append", default=[], help="catalogue folder (default: identities/)")
    p.add_argument(
        "--include-unverified",
        action="store_true",
        help="also export refuted or inconclusive identities, marked as such",
    )
    add_verify_options(p)
