"""The tool's own documentation stays true: its examples verify, its references are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from identity_book.catalogue.latexcheck import check_catalogue_latex
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.schema import IdentitySpec, VariableSpec
from identity_book.cli import build_parser
from identity_book.expr.parser import NAMES
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
    for name in NAMES:
        assert f"`{name}(" in page, name


def test_catalogue_reference_lists_every_field() -> None:
    page = (GUIDE / "catalogue-format.md").read_text()
    for name in [*IdentitySpec.model_fields, *VariableSpec.model_fields]:
        assert f"`{name}`" in page or f"{name}:" in page, name
    for prop in ("symmetric", "spd", "invertible", "orthogonal", "diagonal", "skew_symmetric"):
        assert f"`{prop}`" in page, prop


@pytest.mark.parametrize("command", ["verify", "build", "show", "cite", "export", "find", "derive", "ledger", "serve"])
def test_cli_reference_lists_every_option(command: str) -> None:
    page = (GUIDE / "cli.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    assert f"identity-book {command}" in page
    for action in sub._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in page, f"{command} {option}"


def test_catalogue_reference_documents_derivations_errata_and_the_concordance() -> None:
    from identity_book.catalogue.schema import StepSpec
    from identity_book.handbook.concordance import CorrectedRecord, EntryRecord, OutOfScopeRecord

    page = (GUIDE / "catalogue-format.md").read_text()
    for name in StepSpec.model_fields:
        assert f"`{name}`" in page, name
    for words in ("What is checked against what", "Generated derivations", "status: erratum", "corrected_by"):
        assert words in page, words
    assert "status: awaiting-proof" in page
    assert "concordance/matrix-cookbook.yaml" in page
    for record in (EntryRecord, CorrectedRecord, OutOfScopeRecord):
        for name in record.model_fields:
            assert f"{name}:" in page or f"`{name}`" in page, name
        status = record.model_fields["status"].annotation.__args__[0]  # type: ignore[union-attr]
        assert f"status: {status}" in page, status


def test_cli_reference_lists_every_handbook_setting() -> None:
    from identity_book.handbook.sphinxext import PREFIX, setup

    names: list[str] = []

    class Recorder:
        def __getattr__(self, attr: str) -> object:
            return lambda *args, **kwargs: names.append(args[0]) if attr == "add_config_value" else None

    setup(Recorder())  # type: ignore[arg-type]  # records the settings the extension declares
    page = (GUIDE / "cli.md").read_text()
    settings = [n for n in names if n.startswith(PREFIX)]
    assert f"{PREFIX}concordance" in settings
    for name in settings:
        assert f"`{name}`" in page, name
