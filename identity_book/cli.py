"""The command line: ``identity-book verify|show`` here; ``build``, ``cite``/``export``, ``find`` and
``derive`` come from their own modules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from identity_book import __version__, build, cite
from identity_book.catalogue import ledger
from identity_book.catalogue.builtin import builtin_folder, catalogue_paths
from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.config import cache_folder
from identity_book.errors import CatalogueError, IdentityBookError
from identity_book.files import write_atomic
from identity_book.ondemand import command
from identity_book.report import Progress, errors_to_json, exit_code, format_derivation, print_report, to_json
from identity_book.search import find
from identity_book.verify.cache import SHIPPED_IN_CHECKOUT, Cache, dump_shipped
from identity_book.verify.checks import Settings
from identity_book.verify.prover.show import format_proof
from identity_book.verify.results import Result
from identity_book.verify.runner import TIME_LIMIT, verify_many

DESCRIPTION = "Verify a catalogue of matrix identities, build its handbook, cite, find and derive identities."


def _paths(values: list[str]) -> list[Path]:
    return catalogue_paths(values)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(seed=args.seed, symbolic=not getattr(args, "no_symbolic", False))


def run_verification(catalogue: Catalogue, args: argparse.Namespace, quiet: bool = False) -> list[Result]:
    folder = None if args.no_cache or getattr(args, "ship", False) else cache_folder()
    cache = Cache(folder) if folder else None
    progress = Progress(len(catalogue), sys.stderr, enabled=not quiet)
    try:
        return verify_many(catalogue.identities, _settings(args), args.jobs, cache, progress, args.time_limit)
    finally:
        progress.close()


def ship(catalogue: Catalogue, results: list[Result], settings: Settings) -> int:
    """Write the results that ship with the package (every one fresh, every one publishable)."""
    code = exit_code(results)
    if code:
        print_report(results, verbose=False)
        print("not shipped: every identity must be verified (or an expected erratum)", file=sys.stderr)
        return code
    shipped = {Cache.key(i, settings): r.to_json() for i, r in zip(catalogue.identities, results, strict=True)}
    write_atomic(SHIPPED_IN_CHECKOUT, dump_shipped(shipped))
    print(f"shipped {len(shipped)} results: {SHIPPED_IN_CHECKOUT}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        catalogue = load_catalogue(_paths(args.paths))
    except CatalogueError as exc:
        if args.json:
            print(errors_to_json(exc))
        else:
            print(exc, file=sys.stderr)
            print(f"{len(exc.diagnostics)} problem(s) in the catalogue", file=sys.stderr)
        return 2
    if args.ship and [p.resolve() for p in _paths(args.paths)] != [builtin_folder().resolve()]:
        print("--ship records the built-in catalogue's results: name no other catalogue", file=sys.stderr)
        return 2
    results = run_verification(catalogue, args, quiet=args.json)
    if args.ship:
        return ship(catalogue, results, _settings(args))
    if args.json:
        print(to_json(results))
    else:
        print_report(results, verbose=args.verbose)
    return exit_code(results)


def cmd_show(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(_paths(args.catalogue))
    ident = catalogue.get(args.id)
    if ident is None:
        print(f"unknown identity id {args.id!r}", file=sys.stderr)
        return 2
    c = compile_identity(ident)
    print(f"{ident.id}: {ident.title}")
    print(f"  {ident.location}")
    for v in ident.variables:
        kind = f"integer in {list(v.integer)}" if v.integer else f"shape {list(v.shape or ())}"
        props = ", complex" if v.complex else ""
        props += f", {', '.join(v.properties)}" if v.properties else ""
        props += f", {v.distribution.describe()}" if v.distribution is not None else ""
        print(f"  {v.name}: {kind}{props}")
    print(f"  {ident.lhs}  {ident.relation}  {ident.rhs}")
    for name, text in ident.definitions:
        print(f"    where {name} = {text}")
    print(f"  LaTeX: {c.statement_latex()}")
    for ref in ident.references:
        print(f"  reference: {ref.source}" + (f" eq. {ref.eq}" if ref.eq else ""))
    results = run_verification(Catalogue((ident,)), args, quiet=True)
    for derivation in (results[0].derivation, results[0].generated_derivation):
        if derivation:
            print(format_derivation(derivation))
    if results[0].proof:
        print(format_proof(results[0].proof))
    print_report(results, verbose=True, levels=True)
    return exit_code(results)


def cmd_ledger(args: argparse.Namespace) -> int:
    paths = _paths(args.paths)
    catalogue = load_catalogue(paths)
    path = Path(args.ledger) if args.ledger else ledger.default_path(paths[0] if paths[0].is_dir() else paths[0].parent)
    published = ledger.load_ledger(path)
    if args.action == "update":
        updated = ledger.update(catalogue, published)
        added = sum(len(v) for v in updated.values()) - sum(len(v) for v in published.values())
        ledger.write_ledger(updated, path)
        print(f"{path}: {len(updated)} ids, {added} new version(s) published")
        return 0
    problems = ledger.check(catalogue, published)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) with the ledger {path}", file=sys.stderr)
        return 1
    print(f"{path}: every published id is in the catalogue, every statement is a published version")
    return 0


def _add_verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (0: one per core)")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write the result cache")
    p.add_argument("--seed", type=int, default=0, help="random seed for sample points (default 0)")
    p.add_argument("--no-symbolic", action="store_true", help="skip the symbolic level")
    p.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"identities not reached within this time are inconclusive (default {TIME_LIMIT:g}; 0: none)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="identity-book", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"identity-book {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verify", help="check every identity; exit 0 verified, 1 refuted/inconclusive, 2 malformed")
    p.add_argument("paths", nargs="*", help="catalogue files or folders (default: identities/)")
    p.add_argument("--json", action="store_true", help="print one JSON object with results and summary")
    p.add_argument("--verbose", "-v", action="store_true", help="list verified identities too")
    p.add_argument(
        "--ship",
        action="store_true",
        help="verify the built-in catalogue afresh and record the results that ship with the package",
    )
    _add_verify_options(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("show", help="print one identity and its verification")
    p.add_argument("id")
    p.add_argument("--catalogue", action="append", default=[], help="catalogue folder (default: identities/)")
    _add_verify_options(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("ledger", help="check or update the ledger of published ids (ids never disappear)")
    p.add_argument("action", choices=("check", "update"))
    p.add_argument("paths", nargs="*", help="catalogue folders (default: identities/, else the built-in one)")
    p.add_argument("--ledger", help="the ledger file (default: ledger/published.json beside the catalogue)")
    p.set_defaults(func=cmd_ledger)

    for add_commands in (build.add_commands, cite.add_commands, find.add_commands, command.add_commands):
        add_commands(sub, _add_verify_options)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except IdentityBookError as exc:
        print(f"identity-book: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
