"""Named sub-expressions (``where:``): verified as written out, printed by name."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.errors import CatalogueError
from identity_book.expr.latex import to_latex
from identity_book.expr.text import to_text
from identity_book.verify.checks import Settings
from identity_book.verify.mutate import mutants
from identity_book.verify.results import Result, Status, Strength
from identity_book.verify.runner import verify_identity

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "where" / "where.yaml"
CASES = {i.id: i for i in load_catalogue(DATA)}
EXPECTED = {
    "symmetric-part-square-trace": Strength.PROVED,
    "symmetric-part-square-trace-false": None,
    "nested-definitions": Strength.PROVED,
    "perturbation-first-order-bound": Strength.CHECKED,
    "perturbation-first-order-bound-false": None,
    "gradient-of-quadratic-in-a-definition": Strength.PROVED,
    "a-definition-named-like-a-function": Strength.PROVED,
    "derivation-with-a-wrong-step": None,
    "centred-quadratic-form-expectation": Strength.EXACT,
    "centred-quadratic-form-expectation-false": None,
}


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return {name: verify_identity(ident, Settings()) for name, ident in CASES.items()}


def test_every_case_has_an_expected_outcome() -> None:
    assert set(CASES) == set(EXPECTED)


@pytest.mark.parametrize("identity_id", list(EXPECTED))
def test_a_definition_is_verified_as_written_out(identity_id: str, results: dict[str, Result]) -> None:
    result, want = results[identity_id], EXPECTED[identity_id]
    if want is None:
        assert result.status == Status.REFUTED, result.message
        assert result.counterexample is not None
    else:
        assert result.status == Status.VERIFIED, result.message
        assert result.strength == want


def test_the_sides_are_the_definitions_written_out() -> None:
    c = compile_identity(CASES["nested-definitions"])
    assert to_text(c.lhs) == "(A @ B - (A @ B).T).T"
    assert [name for name, _ in c.definitions] == ["C", "D"]


def test_latex_prints_the_names_and_then_the_definitions() -> None:
    c = compile_identity(CASES["perturbation-first-order-bound"])
    assert to_latex(c.lhs) == r"\left\|\left(\mathbf{Q} + \mathbf{P}\right)^{-1} - \mathbf{Q}^{-1}\right\|_F"
    statement = c.statement_latex()
    head, _, named = statement.partition(r",\qquad \text{where } ")
    assert head.endswith(r"_F c}{1 - c}"), head
    # each definition once, in order, the second printed with the first's name
    assert re.fullmatch(r"c = \\frac\{t\^\{2\}\}\{1 \+ t\^\{2\}\}, \\ \\mathbf\{P\} = .*\\mathbf\{M\}", named), named
    assert r"\frac{c}{" in named and "t^{2}" not in named.split(r"\mathbf{P}")[1]


def test_a_mutant_of_a_side_with_definitions_reads_back() -> None:
    c = compile_identity(CASES["symmetric-part-square-trace"])
    found = list(mutants(CASES["symmetric-part-square-trace"].lhs, c.scope))
    assert found, "no mutants"
    for _kind, text in found:
        assert "S" not in text  # written out: a mutant is an expression over the variables alone


def test_the_definitions_are_part_of_the_content_hash() -> None:
    ident = CASES["symmetric-part-square-trace"]
    other = replace(ident, definitions=(("S", "X - X.T"),))
    assert ident.content_hash() != other.content_hash()
    assert "where" in ident.content()
    assert "where" not in replace(ident, definitions=()).content()  # older entries keep their hashes


def test_the_documented_example_is_the_verified_one() -> None:
    page = (ROOT / "docs" / "guide" / "catalogue-format.md").read_text()
    section = page.split("### Named sub-expressions", 1)[1]
    shown = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert shown is not None
    assert shown.group(1) in DATA.read_text()


def test_many_definitions_go_on_a_line_of_their_own() -> None:
    short = compile_identity(CASES["nested-definitions"]).statement_latex()
    assert r",\qquad \text{where }" in short and "gathered" not in short
    many = replace(
        CASES["nested-definitions"],
        definitions=(("C", "A @ B"), ("F", "C + C"), ("D", "F - C - C.T")),
    )
    long = compile_identity(many).statement_latex()
    assert long.startswith(r"\begin{gathered}") and r",\\ \text{where } \mathbf{C} = " in long


def test_a_name_taken_by_a_constant_is_the_only_problem_reported(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(
        "identities:\n  - id: named-e\n    title: A definition called e\n"
        "    variables: {A: {shape: [n, n]}}\n    where: {e: A + A.T}\n    lhs: e\n    rhs: 2 * A\n"
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path / "e.yaml")
    messages = [d.message for d in info.value.diagnostics]
    assert messages == ["where: 'e' is already a constant; a definition needs a name of its own"], messages
