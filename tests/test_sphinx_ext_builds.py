"""Incremental, parallel and command-line builds with the Sphinx extension."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOTS = Path(__file__).parent / "roots"
SPHINX_BUILD = [sys.executable, "-m", "sphinx"]
TEXT: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


def read_docs(app: Any) -> list[str]:
    """Build ``app`` and return the documents it read."""
    seen: list[str] = []
    app.connect("env-before-read-docs", lambda _app, _env, docnames: seen.extend(docnames))
    app.build()
    return sorted(seen)


def next_app(make_app: Any, previous: Any, **kwargs: Any) -> Any:
    """Another app on the same project, as the next ``sphinx-build`` run would be."""
    previous.cleanup()  # two live test apps would register the role twice
    return make_app("html", srcdir=previous.srcdir, **kwargs)


def touch_later(path: Path) -> None:
    later = time.time() + 2
    os.utime(path, (later, later))


def html(app: Any, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


# -- incremental builds ---------------------------------------------------------------------------
@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-incremental")
def test_editing_one_catalogue_file_rereads_only_the_pages_that_use_it(app: Any, make_app: Any) -> None:
    assert read_docs(app) == ["derivatives", "index", "myst", "plain"]
    same = next_app(make_app, app)
    assert read_docs(same) == []  # nothing changed

    gradients = Path(app.srcdir) / "identities" / "02-derivatives" / "gradients.yaml"
    gradients.write_text(gradients.read_text().replace("Gradient of tr(AX)", "Gradient of the trace of AX"))
    touch_later(gradients)
    again = next_app(make_app, same)
    assert read_docs(again) == ["derivatives"]
    assert "Gradient of the trace of AX" in html(again, "derivatives")
    assert not again.warning.getvalue()


@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-incremental-j2", parallel=2)
def test_an_edit_reaches_every_embedding_page_under_j2(app: Any, make_app: Any) -> None:
    """Parallel readers, an edited catalogue file, no cleaning: the page shows the new statement."""
    app.build()
    assert "2 \\mathbf{X} \\mathbf{X}^{\\top} \\mathbf{W}" in html(app, "derivatives")
    gradients = Path(app.srcdir) / "identities" / "02-derivatives" / "gradients.yaml"
    gradients.write_text(gradients.read_text().replace("Gradient of tr(AX)", "Gradient of the trace of AX"))
    touch_later(gradients)
    again = next_app(make_app, app, parallel=2)
    again.build()
    assert "Gradient of the trace of AX" in html(again, "derivatives")
    assert "Gradient of tr(AX)" not in html(again, "derivatives")
    assert not again.warning.getvalue()


@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-renumbered")
def test_renumbering_by_a_new_file_rereads_the_pages_whose_numbers_changed(app: Any, make_app: Any) -> None:
    read_docs(app)
    assert "Identity 1.1.1" in html(app, "index")
    # a new section that sorts before trace.yaml: trace.yaml's identities become 1.2.n
    (Path(app.srcdir) / "identities" / "01-basics" / "aaa.yaml").write_text(
        "identities:\n  - id: transpose-twice\n    title: Transposing twice\n"
        "    variables:\n      A: {shape: [m, n]}\n    lhs: A.T.T\n    rhs: A\n"
    )
    again = next_app(make_app, app)
    assert read_docs(again) == ["derivatives", "index", "myst"]  # not plain, which uses none
    assert "Identity 1.2.1" in html(again, "index")


@pytest.mark.sphinx("html", testroot="identity-false", srcdir="identity-false-again")
def test_a_page_with_a_problem_warns_on_every_build(app: Any, make_app: Any) -> None:
    assert read_docs(app) == ["index"]
    assert "identity_book.refuted" in app.warning.getvalue()
    again = next_app(make_app, app)
    assert read_docs(again) == ["index"]  # an incremental build cannot hide the warning
    assert "identity_book.refuted" in again.warning.getvalue()


def test_unused_false_identities_and_duplicates_warn_on_every_build(tmp_path: Path, make_app: Any) -> None:
    """Nothing re-reads the pages involved, and the warnings still come back."""
    src = _copy_root("identity-basic", tmp_path)
    trace = src / "identities" / "01-basics" / "trace.yaml"
    trace.write_text(trace.read_text().replace("rhs: tr(A) + tr(B)", "rhs: tr(A) - tr(B)"))
    (src / "myst.md").write_text((src / "myst.md").read_text().replace("{identity}`trace-of-sum`", "no role"))
    (src / "plain.rst").write_text((src / "plain.rst").read_text() + "\n.. identity:: trace-of-transpose\n")
    app = make_app("html", srcdir=src)
    for build in range(2):
        if build:
            app = next_app(make_app, app)
        app.build()
        warnings = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
        assert "identity 'trace-of-sum' (1.1.3) is refuted" in warnings and "[identity_book.refuted]" in warnings
        assert f"{src}/plain.rst:6: WARNING: duplicate identity 'trace-of-transpose'" in warnings
        assert warnings.count("WARNING") == 2, warnings


# -- parallel builds -------------------------------------------------------------------------------
def _sections(text: str) -> str:
    return text[text.index('<section id="') : text.rindex("</section>")]


@pytest.fixture
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One result cache for both builds: a symbolic proof that beats its time budget in one build
    and not in the other (a loaded machine) must not make the pages differ."""
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(tmp_path / "cache"))


@pytest.mark.usefixtures("shared_cache")
@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-parallel", parallel=2)
def test_parallel_build_matches_serial(app: Any, make_app: Any, sphinx_test_tempdir: Path) -> None:
    assert app.is_parallel_allowed("read") and app.is_parallel_allowed("write")
    app.build()
    assert not app.warning.getvalue()
    serial_src = sphinx_test_tempdir / "identity-serial"
    shutil.copytree(ROOTS / "test-identity-basic", serial_src, dirs_exist_ok=True)
    app.cleanup()
    serial = make_app("html", srcdir=serial_src)
    serial.build()
    for docname in ("index", "derivatives", "myst", "plain"):
        assert _sections(html(app, docname)) == _sections(html(serial, docname)), docname
    assert app.env.domains["idb"].data["embeds"] == serial.env.domains["idb"].data["embeds"]


def _copy_root(name: str, tmp_path: Path) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOTS / f"test-{name}", src)
    return src


def _sphinx_build(src: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SPHINX_BUILD, *options, str(src), str(src / "_build" / options[-1])],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("builder", ["html", "latex"])
def test_sphinx_build_j2_with_warnings_as_errors(tmp_path: Path, builder: str) -> None:
    src = _copy_root("identity-basic", tmp_path)
    done = _sphinx_build(src, "-j", "2", "-W", "-b", builder)
    assert done.returncode == 0, done.stderr
    assert "identity_book" not in done.stderr


def test_sphinx_build_j2_fails_on_a_false_identity_and_names_it(tmp_path: Path) -> None:
    src = _copy_root("identity-false", tmp_path)
    done = _sphinx_build(src, "-j", "2", "-W", "-b", "html")
    assert done.returncode == 1
    assert re.search(  # absolute paths, as Sphinx prints the page's: they open from any folder
        rf"^{re.escape(str(src))}/index\.rst:6: WARNING: {re.escape(str(src))}/identities/01-basics/trace\.yaml:10: "
        r"identity 'trace-of-product' \(1\.1\.2\) is refuted, not verified.*\[identity_book\.refuted\]",
        done.stderr,
        re.M,
    ), done.stderr


def test_catalogue_problems_are_located_at_absolute_paths(tmp_path: Path) -> None:
    src = _copy_root("identity-broken", tmp_path)
    done = _sphinx_build(src, "-b", "html")  # run in the project folder
    assert (
        f"{src}/identities/01-basics/trace.yaml:14:10: WARNING: trace-typo: unknown function 'trace'" in done.stderr
    ), done.stderr


# -- a stranger's project: two lines of conf.py and one directive --------------------------------
def test_new_project_with_two_conf_lines_and_one_directive(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git:
        subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "conf.py").write_text('extensions = ["identity_book.sphinx"]\nidentity_book_catalogue = "identities"\n')
    (tmp_path / "index.rst").write_text("Notes\n=====\n\n.. identity:: trace-of-transpose\n")
    (tmp_path / "identities").mkdir()
    yaml = tmp_path / "identities" / "trace.yaml"
    yaml.write_text(
        "identities:\n  - id: trace-of-transpose\n"
        "    title: The trace is invariant under transposition\n"
        "    variables:\n      A: {shape: [n, n]}\n    lhs: tr(A)\n    rhs: tr(A.T)\n"
    )
    out = tmp_path / "_build"
    cmd = [*SPHINX_BUILD, "-W", "-b", "html", str(tmp_path), str(out)]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    page = (out / "index.html").read_text()
    assert "Identity 1.1.1" in page and "verified (proved for all sizes)" in page
    assert (tmp_path / ".identity-book-cache" / ".gitignore").is_file()
    if git:  # the cache folder never shows in the user's git status
        status = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path, **TEXT)
        assert ".identity-book-cache" not in status.stdout and "conf.py" in status.stdout

    yaml.write_text(yaml.read_text().replace("rhs: tr(A.T)", "rhs: 2 * tr(A.T)"))
    touch_later(yaml)
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    warning = f"{tmp_path}/index.rst:4: WARNING: {tmp_path}/identities/trace.yaml:2: identity 'trace-of-transpose'"
    assert warning in done.stderr, done.stderr
    assert "[identity_book.refuted]" in done.stderr
    assert "Not verified: refuted" in (out / "index.html").read_text()


@pytest.mark.slow
def test_sphinx_latex_output_compiles_to_pdf(tmp_path: Path) -> None:
    if not shutil.which("latexmk") or not shutil.which("pdftotext"):
        pytest.skip("needs latexmk and pdftotext (scripts/system-deps.sh)")
    src = _copy_root("identity-basic", tmp_path)
    assert _sphinx_build(src, "-W", "-b", "latex").returncode == 0
    latex = src / "_build" / "latex"
    made = subprocess.run(
        ["make", "-C", str(latex), "LATEXMKOPTS=-silent"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-3000:]
    text = subprocess.run(
        ["pdftotext", str(latex / "identity-basic.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Identity 1.1.1 The trace is invariant under transposition" in text
    assert "Identity 2.1.1 Gradient of ‖XT W‖" in text  # ᵀ typeset by identitybook-sphinx.sty
