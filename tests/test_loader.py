"""Catalogue loading: data-driven bad files, each with the error it must give."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from identity_book.catalogue.loader import load_catalogue
from identity_book.errors import CatalogueError

BAD = Path(__file__).parent / "data" / "bad"
PWNED = Path("/tmp/identity-book-pwned")


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_file_gives_its_error(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    PWNED.unlink(missing_ok=True)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(Path(path.name))
    messages = [str(d) for d in info.value.diagnostics]
    assert any(m.startswith(_expected(path)) for m in messages), messages
    assert not PWNED.exists()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "identities:\n"
        "  - id: one\n    title: One\n    variables: {A: {shape: [n, n]}}\n    lhs: tr(Q)\n    rhs: tr(A)\n"
        "  - id: two\n    title: Two\n    variables: {A: {shape: [n, n]}}\n    lhs: tr(A)\n    rhs: tr(A)\n"
        "    colour: red\n"
    )
    (tmp_path / "b.yaml").write_text(
        "identities:\n"
        "  - id: three\n    title: Three\n    variables: {A: {shape: [n, n]}}\n    lhs: A @ A @ Z\n    rhs: A\n"
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    text = str(info.value)
    assert "unknown field 'colour'" in text
    assert "unknown symbol 'Z'" in text
    assert len(info.value.diagnostics) == 2  # a.yaml stops at its schema error; b.yaml has one


def test_a_huge_file_is_refused_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("identities:\n  - id: big\n    title: '" + "x" * 10_000_000 + "'\n")
    start = time.perf_counter()
    with pytest.raises(CatalogueError, match="larger than"):
        load_catalogue(big)
    assert time.perf_counter() - start < 5


def test_a_huge_field_in_a_small_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "field.yaml"
    path.write_text(
        "identities:\n  - id: long\n    title: Long\n    variables: {A: {shape: [n, n]}}\n"
        f"    lhs: tr(A{' + A' * 200_000})\n    rhs: tr(A)\n"
    )
    with pytest.raises(CatalogueError, match="long"):
        load_catalogue(path)


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\nidentities: []\n")
    start = time.perf_counter()
    with pytest.raises(CatalogueError, match="anchors and aliases"):
        load_catalogue(path)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    "text",
    ["identities: " + "[" * 5000 + "]" * 5000, "identities: " + "[" * 40_000, "identities:\n" + "- " * 40_000 + "x"],
    ids=["balanced", "flow-40000", "block-40000"],
)
def test_deep_yaml_nesting_is_refused_before_libyaml_recurses(tmp_path: Path, text: str) -> None:
    # at some 30,000 levels libyaml's composer overflowed the C stack and killed the process
    path = tmp_path / "deep.yaml"
    path.write_text(text + "\n")
    with pytest.raises(CatalogueError, match=r"deep.yaml:\d+:\d+: .*nesting deeper than 50 levels"):
        load_catalogue(path)


def test_the_catalogue_loads_with_chapters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parents[1])
    catalogue = load_catalogue(Path("identities"))
    assert len(catalogue) >= 40
    chapters = {i.chapter for i in catalogue}
    assert {"01-basics", "02-derivatives", "03-inverses", "10-kronecker-vec"} <= chapters
    ident = catalogue.identities[0]
    assert ident.location.file.startswith("identities/")
    assert ident.where("lhs").line > ident.location.line


def test_positions_point_into_the_expression(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.yaml").write_text(
        "identities:\n  - id: q\n    title: Q\n    variables: {A: {shape: [n, n]}}\n"
        '    lhs: "tr(A) + Z"\n    rhs: tr(A)\n'
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(Path("q.yaml"))
    (d,) = info.value.diagnostics
    assert (d.location.file, d.location.line, d.location.column, d.identity) == ("q.yaml", 5, 19, "q")


def test_each_alias_is_reported_once_at_its_own_line(tmp_path: Path) -> None:
    entry = "    id: one\n    title: t\n    variables: {A: {shape: [n, n]}}\n    lhs: tr(A)\n    rhs: tr(A.T)\n"
    (tmp_path / "a.yaml").write_text("identities:\n  - &base\n" + entry + "  - *base\n  - *base\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    found = [(d.location.line, d.message) for d in info.value.diagnostics]
    assert [line for line, _ in found] == [2, 8, 9], found
    assert "anchor &base" in found[0][1] and all("alias *base" in m for _, m in found[1:])


def test_errors_pickle_with_their_fields() -> None:
    """Errors cross process boundaries (parallel verification, parallel Sphinx readers)."""
    import pickle

    from identity_book.errors import CatalogueError, Diagnostic, ExpressionError, LimitError, Location
    from identity_book.handbook.policy import UnpublishableError

    problem = Diagnostic(Location("a.yaml", 3, 7), "unknown field 'lsh'", "trace-axb")
    again = pickle.loads(pickle.dumps(CatalogueError([problem])))
    assert isinstance(again, CatalogueError) and again.diagnostics == [problem]
    assert str(again) == "a.yaml:3:7: trace-axb: unknown field 'lsh'"
    for cls in (ExpressionError, LimitError):
        err = pickle.loads(pickle.dumps(cls("unknown function 'foo'", 5)))
        assert type(err) is cls and (err.message, err.offset) == ("unknown function 'foo'", 5)
    unpublishable = pickle.loads(pickle.dumps(UnpublishableError(["a.yaml:1: x: refuted"])))
    assert unpublishable.problems == ["a.yaml:1: x: refuted"] and "1 identity(ies)" in str(unpublishable)
