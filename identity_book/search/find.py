"""``identity-book find EXPR``: catalogue entries whose side matches an expression.

Exact matches have the same normal form (:mod:`identity_book.search.normal`) and, for every
name declared with ``--var``, a catalogue variable of the same kind; near matches share
subterms (the Dice coefficient of their name-blind subterm forms).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from identity_book.catalogue.builtin import catalogue_paths
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Identity, Variable
from identity_book.catalogue.var_option import VarOptionError, compatible, parse_var
from identity_book.errors import ExpressionError
from identity_book.search.index import IndexedSide, index_catalogue
from identity_book.search.normal import Normal, normalise, similarity

NEAR_THRESHOLD = 0.5
NEAR_LIMIT = 10


@dataclass(frozen=True)
class Match:
    identity: Identity
    side: str
    text: str
    exact: bool
    score: float
    renaming: dict[str, str]  # the query's name -> the catalogue's name (exact matches)

    def to_json(self) -> dict[str, Any]:
        ident = self.identity
        return {
            "id": ident.id,
            "title": ident.title,
            "file": str(ident.location),
            "match": "exact" if self.exact else "near",
            "score": round(self.score, 3),
            "side": self.side,
            "matched": self.text,
            "statement": ident.statement,
            "renaming": self.renaming,
        }


def _renaming(query: Normal, side: IndexedSide, declared: dict[str, Variable]) -> dict[str, str] | None:
    """A query-to-catalogue renaming that respects the declared shapes, if there is one."""
    variables = {v.name: v for v in side.identity.variables}
    for q in query.renamings:
        for s in side.normal.renamings:
            pairs = {q[c]: s[c] for c in q}
            if all(compatible(declared[n], variables.get(pairs[n])) for n in declared if n in pairs):
                return pairs
    return None


def find_matches(
    query: Normal,
    sides: list[IndexedSide],
    declared: dict[str, Variable] | None = None,
    threshold: float = NEAR_THRESHOLD,
    limit: int = NEAR_LIMIT,
) -> list[Match]:
    """Exact matches (catalogue order), then up to ``limit`` near matches, best first; one per entry."""
    declared = declared or {}
    exact: dict[str, Match] = {}
    for side in sides:
        if side.normal.text == query.text and side.identity.id not in exact:
            renaming = _renaming(query, side, declared)
            if renaming is not None:
                exact[side.identity.id] = Match(side.identity, side.side, side.text, True, 1.0, renaming)
    near: dict[str, Match] = {}
    for side in sides:
        if side.identity.id in exact:
            continue
        score = similarity(query.keys, side.normal.keys)
        best = near.get(side.identity.id)
        if score >= threshold and (best is None or score > best.score):
            near[side.identity.id] = Match(side.identity, side.side, side.text, False, score, {})
    ranked = sorted(near.values(), key=lambda m: (-m.score, m.identity.id))
    return [*exact.values(), *ranked[:limit]]


def show_error(text: str, exc: ExpressionError) -> str:
    """The message with its column and a caret under the expression."""
    return f"identity-book find: column {exc.offset + 1}: {exc.message}\n  {text}\n  {' ' * exc.offset}^"


def print_matches(matches: list[Match], out: Any = None) -> None:
    out = out or sys.stdout
    for heading, exact in (("exact matches", True), ("near matches", False)):
        group = [m for m in matches if m.exact == exact]
        if not group:
            continue
        print(f"{heading} ({len(group)}):", file=out)
        for m in group:
            score = "" if exact else f"  score {m.score:.2f}"
            print(f"  {m.identity.id}: {m.identity.title}  [{m.side}]{score}", file=out)
            print(f"      {m.identity.lhs}  {m.identity.relation}  {m.identity.rhs}", file=out)
            renamed = {k: v for k, v in m.renaming.items() if k != v}
            if renamed:
                print("      with " + ", ".join(f"{k} = {v}" for k, v in renamed.items()), file=out)


def cmd_find(args: argparse.Namespace) -> int:
    try:
        declared = {v.name: v for v in (parse_var(t) for t in args.var)}
    except VarOptionError as exc:
        print(f"identity-book find: {exc}", file=sys.stderr)
        return 2
    try:
        query = normalise(args.expr)
    except ExpressionError as exc:
        print(show_error(args.expr, exc), file=sys.stderr)
        return 2
    catalogue = load_catalogue(catalogue_paths(args.paths), check_expressions=False)
    matches = find_matches(query, index_catalogue(catalogue), declared, args.min_score, args.limit)
    if args.json:
        print(
            json.dumps({"query": args.expr, "normal": query.text, "matches": [m.to_json() for m in matches]}, indent=2)
        )
    elif matches:
        print_matches(matches)
    else:
        print(f"no catalogue entry matches {args.expr} (normal form {query.text})")
    return 0 if matches else 1


def add_commands(sub: Any, add_verify_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("find", help="find entries whose side matches an expression; exit 0 found, 1 none, 2 bad input")
    p.add_argument("expr", help="an expression in the catalogue's language, e.g. 'grad(tr(A @ X @ B), X)'")
    p.add_argument("paths", nargs="*", help="catalogue files or folders (default: identities/)")
    p.add_argument("--var", action="append", default=[], metavar="'X: [m, n]'", help="a name's shape, to respect it")
    p.add_argument("--json", action="store_true", help="print one JSON object with the matches")
    p.add_argument("--limit", type=int, default=NEAR_LIMIT, help=f"at most this many near matches ({NEAR_LIMIT})")
    p.add_argument("--min-score", type=float, default=NEAR_THRESHOLD, help=f"near-match threshold ({NEAR_THRESHOLD})")
    p.set_defaults(func=cmd_find)
