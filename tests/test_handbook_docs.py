"""The tool's own documentation stays true: its examples verify, its references are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from identity_book.cli import build_parser
from identity_book.expr.parser import FUNCTIONS
from identity_book.handbook.latexcheck import check_catalogue_latex
from identity_book.loader import load_catalogue
from identity_book.schema import IdentitySpec, VariableSpec
from identity_book.verify.checks import Settings
from identity_book.verify.runner import verify_many

GUIDE = Path(__file__).parent.parent / "docs" / "guide"


def test_examples_in_the_guide_verify(tmp_path: Path) -> None:
    catalogue = load_catalogue(GUIDE / "examples")
    assert check_catalogue_latex(catalogue) == []
    results = verify_many(catalogue.identities, Settings(symbolic=False), 1, None, None)
    assert {r.id: r.status for r in results} == {i.id: "verified" for i in catalogue}


def test_conventions_page_shows_every_convention() -> None:
    page = (GUIDE / "conventions.md").read_text()
    examples = (GUIDE / "examples" / "02-conventions" / "conventions.yaml").read_text()
    for name in ("grad", "jacobian", "hess", "hess_vec", "grad_sym", "grad_distinct"):
        assert f"## `{name}`" in page, name
        assert f"{name}(" in examples, name
        # the YAML shown on the page is the one that is verified
        shown = re.search(rf"```yaml\nlhs: ({re.escape(name)}\(.*?)\s+(#.*)?\nrhs: (.*?)\n```", page)
        assert shown, name
        assert f"lhs: {shown.group(1)}\n    rhs: {shown.group(3)}\n" in examples, name


def test_expression_reference_lists_every_function() -> None:
    page = (GUIDE / "expressions.md").read_text()
    for name in FUNCTIONS:
        assert f"`{name}(" in page, name


def test_catalogue_reference_lists_every_field() -> None:
    page = (GUIDE / "catalogue-format.md").read_text()
    for name in [*IdentitySpec.model_fields, *VariableSpec.model_fields]:
        assert f"`{name}`" in page or f"{name}:" in page, name
    for prop in ("symmetric", "spd", "invertible", "orthogonal", "diagonal", "skew_symmetric"):
        assert f"`{prop}`" in page, prop


@pytest.mark.parametrize("command", ["verify", "build", "show", "cite", "export"])
def test_cli_reference_lists_every_option(command: str) -> None:
    page = (GUIDE / "cli.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    assert f"identity-book {command}" in page
    for action in sub._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in page, f"{command} {option}"
