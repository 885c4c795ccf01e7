"""``identity-book derive EXPR --wrt X [--var 'X: [m, n]' ...] [--kind K] [--format F]``.

Exit 0: derived and every step checked; 1: no rule applies, or a step or the entry is not
verified; 2: the request is malformed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from identity_book.catalogue.var_option import VarOptionError, parse_var
from identity_book.ondemand.derivative import KINDS, DeriveError, MissingRule, derive
from identity_book.ondemand.formats import FORMATS, render
from identity_book.verify.checks import Settings


def cmd_derive(args: argparse.Namespace) -> int:
    try:
        variables = [parse_var(t) for t in args.var]
        derived = derive(
            args.expr, args.wrt, variables, args.kind, Settings(seed=args.seed, symbolic=not args.no_symbolic)
        )
    except (VarOptionError, DeriveError) as exc:
        print(f"identity-book derive: {exc}", file=sys.stderr)
        return 2
    except MissingRule as exc:
        print(f"identity-book derive: {exc}", file=sys.stderr)
        print(
            "nothing is guessed: add the rule to identity_book/verify/generator.py, or write the derivation by hand",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(render(derived, args.format))
    return 0 if derived.checked else 1


def add_commands(sub: Any, add_verify_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("derive", help="print a derivative's derivation, every step checked, and a catalogue entry")
    p.add_argument("expr", help="the function, e.g. 'tr(A @ X @ B)'")
    p.add_argument("--wrt", required=True, metavar="X", help="the variable to differentiate with respect to")
    p.add_argument("--var", action="append", default=[], metavar="'X: [m, n]'", help="a variable, as in a catalogue")
    p.add_argument("--kind", choices=KINDS, default="grad", help="grad (default), jacobian or hess")
    p.add_argument("--format", choices=FORMATS, default="text", help="text (default), latex, markdown or yaml")
    p.add_argument("--seed", type=int, default=0, help="random seed for sample points (default 0)")
    p.add_argument("--no-symbolic", action="store_true", help="skip the symbolic level")
    p.set_defaults(func=cmd_derive)
