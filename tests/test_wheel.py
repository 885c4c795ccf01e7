"""The wheel ships the catalogue: cite and a stranger's Sphinx project work outside a checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
MINE = """\
identities:
  - id: my-own-identity
    title: A user's own identity
    variables: {A: {shape: [n, n]}}
    lhs: tr(A.T)
    rhs: tr(A)
"""
PAGE = """\
Built-in and own identities
===========================

.. identity:: trace-axb

.. identity:: my-own-identity

See :identity:`trace-cyclic-two-factors`.
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this checkout and installed into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (out / "dist").glob("identity_book-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    shipped = {f"identity_book/{p.relative_to(ROOT)}" for p in (ROOT / "identities").rglob("*.yaml")}
    assert shipped and shipped <= names, sorted(shipped - names)[:5]
    data_files = ("concordance/matrix-cookbook.yaml", "ledger/published.json", "ledger/verified.json.gz")
    for data in (*data_files, "templates/cite/entries.bib.jinja"):
        assert f"identity_book/{data}" in names, data
    site = out / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "IDENTITY_BOOK_CACHE": str(cwd / ".cache")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_cite_works_outside_a_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, sys.executable, "-c", "import identity_book; print(identity_book.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    done = _run(installed, tmp_path, sys.executable, "-m", "identity_book", "cite", "trace-axb", "--no-symbolic")
    assert done.returncode == 0, done.stderr
    assert "@misc{idb:trace-axb," in done.stdout and "(id trace-axb, version 1)" in done.stdout


@pytest.mark.slow
def test_a_docs_project_embeds_the_builtin_catalogue_and_its_own(installed: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "mine").mkdir(parents=True)
    (docs / "mine" / "own.yaml").write_text(MINE, encoding="utf-8")
    (docs / "conf.py").write_text(
        'extensions = ["identity_book.sphinx"]\nidentity_book_catalogue = ["builtin", "mine"]\n'
        'exclude_patterns = ["_build", "mine"]\n',
        encoding="utf-8",
    )
    (docs / "index.rst").write_text(PAGE, encoding="utf-8")
    done = _run(
        installed, tmp_path, sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(docs), str(tmp_path / "out")
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'id="identity-trace-axb"' in html and 'id="identity-my-own-identity"' in html
    assert "verified (" in html and "Identity 0.1.13" in html


@pytest.mark.slow
def test_the_builtin_catalogue_ships_verified_and_own_identities_are_verified(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, tmp_path, sys.executable, "-m", "identity_book", "verify", "builtin", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)["summary"]
    assert summary["cached"] == summary["total"] > 400  # nothing verified again
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "own.yaml").write_text(MINE.replace("tr(A)\n", "2 * tr(A)\n"), encoding="utf-8")
    done = _run(installed, tmp_path, sys.executable, "-m", "identity_book", "verify", "builtin", "mine", "--json")
    assert done.returncode == 1, done.stdout[-2000:]  # the user's own (false) identity was checked
    report = json.loads(done.stdout)
    assert report["summary"]["cached"] == report["summary"]["total"] - 1
    (mine,) = [r for r in report["results"] if r["id"] == "my-own-identity"]
    assert mine["status"] == "refuted"
