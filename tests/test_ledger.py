"""The ledger of published ids: ids never disappear, a changed statement is a new version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from identity_book.catalogue import ledger
from identity_book.catalogue.loader import load_catalogue
from identity_book.cli import main
from identity_book.errors import CatalogueError

ROOT = Path(__file__).parent.parent

ENTRY = """\
identities:
  - id: trace-cyclic
    title: The trace of AB equals the trace of BA
    variables: {{A: {{shape: [m, n]}}, B: {{shape: [n, m]}}}}
    lhs: tr(A @ B)
    rhs: {rhs}
  - id: {other}
    title: Transpose of a product
    variables: {{A: {{shape: [m, n]}}, B: {{shape: [n, p]}}}}
    lhs: (A @ B).T
    rhs: B.T @ A.T
"""


def project(tmp_path: Path, rhs: str = "tr(B @ A)", other: str = "transpose-product") -> Path:
    folder = tmp_path / "identities" / "01-basics"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trace.yaml").write_text(ENTRY.format(rhs=rhs, other=other), encoding="utf-8")
    return tmp_path / "identities"


def test_the_shipped_catalogue_matches_its_ledger() -> None:
    """CI fails here when a published id is removed or renamed, or a statement changes unrecorded."""
    catalogue = load_catalogue(ROOT / "identities")
    assert ledger.check(catalogue, ledger.load_ledger(ROOT / "ledger" / "published.json")) == []


def test_removed_renamed_and_changed_identities_are_caught(tmp_path: Path) -> None:
    root = project(tmp_path)
    published = ledger.update(load_catalogue(root), {})
    assert ledger.check(load_catalogue(root), published) == []
    project(tmp_path, other="transpose-of-product")  # renamed: the old id disappears
    problems = ledger.check(load_catalogue(root), published)
    assert any(p.startswith("transpose-product: published (version 1) but missing") for p in problems)
    assert any("transpose-of-product: not published yet" in p for p in problems)
    project(tmp_path, rhs="tr(A.T @ B.T)")  # a changed statement
    (problem,) = ledger.check(load_catalogue(root), published)
    assert "trace-cyclic: changed since version 1" in problem and "publish version 2" in problem
    assert problem.startswith(f"{root / '01-basics' / 'trace.yaml'}:")


def test_update_adds_versions_and_never_removes(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = ledger.update(load_catalogue(root), {}, release="0.1.0")
    project(tmp_path, rhs="tr(A.T @ B.T)", other="something-else")
    second = ledger.update(load_catalogue(root), first, release="0.2.0")
    assert [v.number for v in second["trace-cyclic"]] == [1, 2]
    assert second["trace-cyclic"][0].statement == "tr(A @ B) == tr(B @ A)"
    assert second["trace-cyclic"][1].release == "0.2.0"
    assert "transpose-product" in second  # kept, although the catalogue lost it
    path = tmp_path / "ledger" / "published.json"
    ledger.write_ledger(second, path)
    assert ledger.load_ledger(path) == second
    current = load_catalogue(root).get("trace-cyclic")
    assert current is not None
    assert ledger.version_of(current, second) == second["trace-cyclic"][1]
    assert ledger.earlier_versions(current, second) == (second["trace-cyclic"][0],)


def test_the_command_checks_and_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["ledger", "check", str(root)]) == 1
    assert "not published yet" in capsys.readouterr().err
    assert main(["ledger", "update", str(root)]) == 0
    assert "2 ids, 2 new version(s) published" in capsys.readouterr().out
    assert main(["ledger", "check", str(root)]) == 0
    shutil.rmtree(root / "01-basics")
    (root / "01-basics").mkdir()
    (root / "01-basics" / "trace.yaml").write_text("identities: []\n", encoding="utf-8")
    assert main(["ledger", "check", str(root)]) == 1
    assert "ids never disappear" in capsys.readouterr().err


def test_a_malformed_ledger_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "published.json"
    path.write_text('{"ids": {"trace-cyclic": [{"version": 2, "hash": "abc"}]}}', encoding="utf-8")
    with pytest.raises(CatalogueError, match="version 1 needs version: 1 and a hash"):
        ledger.load_ledger(path)
    path.write_text("ids: [not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        ledger.load_ledger(path)


def test_citations_and_pages_carry_the_version(tmp_path: Path) -> None:
    from identity_book import cite

    root = project(tmp_path)
    catalogue = load_catalogue(root)
    assert [c.version for c in cite.citations(catalogue)] == ["unpublished", "unpublished"]
    first = ledger.update(catalogue, {})
    project(tmp_path, rhs="tr(A.T @ B.T)")
    ledger.write_ledger(ledger.update(load_catalogue(root), first), tmp_path / "ledger" / "published.json")
    items = {c.id: c for c in cite.citations(load_catalogue(root))}
    assert items["trace-cyclic"].version == "version 2" and items["transpose-product"].version == "version 1"
    assert "(id trace-cyclic, version 2)" in cite.bibtex([items["trace-cyclic"]])
