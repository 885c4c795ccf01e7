"""Identity blocks kept between builds: reused only when everything they show is unchanged."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from test_handbook_pages import CATALOGUE, fixed_results, reproducible  # noqa: F401

from identity_book.catalogue.loader import load_catalogue
from identity_book.handbook import blocks as blocks_module
from identity_book.handbook.blocks import FILE, BlockStore
from identity_book.handbook.book import Book, make_book
from identity_book.handbook.pages import render_pages


def build(catalogue_dir: Path, cache: Path) -> tuple[Book, dict[str, str]]:
    catalogue = load_catalogue(catalogue_dir)
    book = make_book(catalogue, fixed_results(catalogue), blocks=BlockStore(cache))
    pages = render_pages(book)
    assert book.blocks is not None
    book.blocks.save()
    return book, pages


def laid_out(book: Book) -> list[str]:
    return [str(e.id) for e in book.entries if e.cached is None]


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    shutil.copytree(CATALOGUE, tmp_path / "cat")
    return tmp_path / "cat"


@pytest.mark.usefixtures("reproducible")
def test_an_edit_lays_out_its_identity_again_and_the_pages_are_as_from_scratch(
    catalogue_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first, _ = build(catalogue_dir, cache)
    assert len(laid_out(first)) == len(first.entries) and (cache / FILE).is_file()
    again, pages = build(catalogue_dir, cache)
    assert laid_out(again) == []
    assert pages == render_pages(make_book(again.catalogue, list(again.results.values())))  # no store
    trace = catalogue_dir / "01-basics" / "trace.yaml"
    trace.write_text(trace.read_text().replace("rhs: tr(B @ A)", "rhs: tr(A.T @ B.T).T", 1))
    edited, pages = build(catalogue_dir, cache)
    assert laid_out(edited) == ["trace-cyclic"]
    assert r"\mathbf{A}^{\top} \mathbf{B}^{\top}" in pages["chapters/basics.md"]
    assert pages == render_pages(make_book(edited.catalogue, list(edited.results.values())))


@pytest.mark.usefixtures("reproducible")
def test_a_change_of_code_date_or_result_is_a_new_key(
    catalogue_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    build(catalogue_dir, cache)
    monkeypatch.setattr(blocks_module, "code_digest", lambda: "other code")
    assert len(laid_out(build(catalogue_dir, cache)[0])) == 7
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")  # a day later: BibTeX prints the date
    assert len(laid_out(build(catalogue_dir, cache)[0])) == 7
    catalogue = load_catalogue(catalogue_dir)
    results = fixed_results(catalogue)
    results[0].seed = 5
    book = make_book(catalogue, results, blocks=BlockStore(cache))
    assert laid_out(book) == [results[0].id]


def test_a_damaged_store_is_an_empty_one(catalogue_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for data in (b"not gzip", gzip.compress(b"[1, 2]"), gzip.compress(b'{"k": ["text"]}')):
        (cache / FILE).write_bytes(data)
        assert BlockStore(cache).stored == {}
    book, _ = build(catalogue_dir, cache)
    assert len(laid_out(book)) == len(book.entries)
    assert len(BlockStore(cache).stored) == len(book.entries)
