"""Catalogue records kept between loads: the same records as a fresh read, and nothing stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_handbook_pages import CATALOGUE

from identity_book.catalogue import loader
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.catalogue.records_store import FILE
from identity_book.errors import CatalogueError


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    shutil.copytree(CATALOGUE, tmp_path / "cat")
    return tmp_path / "cat"


def same(a: Catalogue, b: Catalogue) -> None:
    assert a == b
    for x, y in zip(a, b, strict=True):  # the positions are not part of equality
        assert x.field_locations == y.field_locations and x.location == y.location
        assert [s.location for s in x.derivation] == [s.location for s in y.derivation]
        assert [type(d) for v in x.variables for d in v.shape or ()] == [
            type(d) for v in y.variables for d in v.shape or ()
        ]


def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the loader reads from now on."""
    read: list[Path] = []
    real = loader._load_file

    def spy(file: Path, root: Path, problems: list) -> list:
        read.append(file)
        return real(file, root, problems)

    monkeypatch.setattr(loader, "_load_file", spy)
    return read


def test_a_second_load_reads_no_file_and_gives_the_same_records(
    catalogue_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    fresh = load_catalogue(catalogue_dir)
    first = load_catalogue(catalogue_dir, cache=cache)
    assert (cache / FILE).is_file()
    read = reads(monkeypatch)
    again = load_catalogue(catalogue_dir, cache=cache)
    assert read == []
    same(again, fresh)
    same(first, fresh)


def test_an_edit_reads_that_file_again(catalogue_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    load_catalogue(catalogue_dir, cache=cache)
    trace = catalogue_dir / "01-basics" / "trace.yaml"
    trace.write_text(trace.read_text().replace("rhs: tr(B @ A)", "rhs: tr(A.T @ B.T).T", 1))
    read = reads(monkeypatch)
    edited = load_catalogue(catalogue_dir, cache=cache)
    assert read == [trace]
    entry = edited.get("trace-cyclic")
    assert entry is not None and entry.rhs == "tr(A.T @ B.T).T"
    same(edited, load_catalogue(catalogue_dir))


def test_a_bad_edit_is_reported_though_the_file_was_stored(catalogue_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalogue(catalogue_dir, cache=cache)
    trace = catalogue_dir / "01-basics" / "trace.yaml"
    good = trace.read_text()
    trace.write_text(good.replace("rhs: tr(B @ A)", "rhs: tr(B @ Q)", 1))
    with pytest.raises(CatalogueError, match="trace-cyclic"):
        load_catalogue(catalogue_dir, cache=cache)
    trace.write_text(good)  # and the good file is still stored, not forgotten with the bad one
    load_catalogue(catalogue_dir, cache=cache)


def test_a_duplicate_id_across_stored_files_is_still_found(catalogue_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalogue(catalogue_dir, cache=cache)
    trace = catalogue_dir / "01-basics" / "trace.yaml"
    shutil.copy(trace, catalogue_dir / "01-basics" / "copy.yaml")
    with pytest.raises(CatalogueError, match="duplicate id"):
        load_catalogue(catalogue_dir, cache=cache)


def test_a_moved_file_gets_its_new_chapter_and_positions(catalogue_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalogue(catalogue_dir, cache=cache)
    (catalogue_dir / "09-moved").mkdir()
    shutil.move(catalogue_dir / "01-basics" / "trace.yaml", catalogue_dir / "09-moved" / "trace.yaml")
    moved = load_catalogue(catalogue_dir, cache=cache)
    entry = moved.get("trace-cyclic")
    assert entry is not None and entry.chapter == "09-moved" and "09-moved" in entry.location.file
    same(moved, load_catalogue(catalogue_dir))


@pytest.mark.parametrize(
    "damage",
    [b"", b"not json", b'{"format": 1}', b"[1, 2]", b'{"format": 1, "code": "x", "files": {"k": [{"id": 3}]}}'],
)
def test_a_damaged_or_foreign_store_is_ignored(catalogue_dir: Path, tmp_path: Path, damage: bytes) -> None:
    cache = tmp_path / "cache"
    fresh = load_catalogue(catalogue_dir, cache=cache)
    (cache / FILE).write_bytes(damage)
    same(load_catalogue(catalogue_dir, cache=cache), fresh)
    assert json.loads((cache / FILE).read_bytes())["files"]  # written again, whole


def test_a_store_from_other_code_is_not_used(
    catalogue_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    load_catalogue(catalogue_dir, cache=cache)
    data = json.loads((cache / FILE).read_bytes())
    data["code"] = "another version"
    (cache / FILE).write_text(json.dumps(data))
    read = reads(monkeypatch)
    load_catalogue(catalogue_dir, cache=cache)
    assert read  # every file read again


def test_records_that_do_not_validate_are_not_used(catalogue_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh = load_catalogue(catalogue_dir, cache=cache)
    data = json.loads((cache / FILE).read_bytes())
    for records in data["files"].values():
        records[0]["variables"] = "os.system('x')"
    (cache / FILE).write_text(json.dumps(data))
    same(load_catalogue(catalogue_dir, cache=cache), fresh)
