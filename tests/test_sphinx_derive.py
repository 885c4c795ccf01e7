"""The ``derive`` directive in a user's project (tests/roots/test-identity-derive): HTML, LaTeX, PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def warnings_of(app: Any) -> str:
    return ANSI.sub("", app.warning.getvalue())


def page(app: Any, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


@pytest.mark.sphinx("html", testroot="identity-derive")
def test_derivations_are_generated_checked_and_shown(app: Any) -> None:
    app.build()
    index = page(app, "index")
    assert index.count('class="identity identity-derived identity-verified') == 2
    # every step of tr(AXB) with its rule and a check mark, then the result
    assert r"\operatorname{tr}\left(\mathbf{B} \mathbf{A} \mathinner{\mathrm{d}\mathbf{X}}\right)" in index
    assert "cyclic property: tr(ABC) = tr(CAB)" in index
    assert index.count(r"\checkmark") >= 5
    assert r"= \mathbf{A}^{\top} \mathbf{B}^{\top}" in index
    assert "Every step checked against the one before" in index
    # :entry: show gives the catalogue entry; the Hessian's entry is not shown
    text = re.sub(r"<[^>]+>", "", index)
    assert "id: grad-tr-a-x-b" in text and "rhs: A.T @ B.T" in text
    assert index.count("highlight-yaml") == 1
    assert r"\mathbf{S} + \mathbf{S}^{\top}" in index or r"2 \mathbf{S}" in index
    assert "Every step checked" in page(app, "myst")  # the MyST form
    assert r"\mathbf{X}^{-1}" in page(app, "myst")


@pytest.mark.sphinx("html", testroot="identity-derive", freshenv=True)
def test_a_missing_rule_is_named_on_the_page_and_as_a_warning(app: Any) -> None:
    app.build()
    warnings = warnings_of(app)
    assert re.search(
        r"missing\.rst:4: WARNING: derive tr\(X @ expm\(X\)\): no rule applies to grad\(tr\(X @ expm\(X\)\), X\): "
        r"no differentiation rule for expm\(\) \(in expm\(X\)\) \[identity_book\.derive\]",
        warnings,
    ), warnings
    assert re.search(r"missing\.rst:8: WARNING: derive tr\(A @ X\): :wrt: Y: Y is not declared", warnings), warnings
    assert warnings.count("WARNING") == 2
    html = page(app, "missing")
    assert html.count("identity-derive-problem") == 2
    assert "no differentiation rule for expm()" in html
    assert "identity-derived" not in html  # nothing guessed


@pytest.mark.sphinx("html", testroot="identity-derive", warningiserror=True)
def test_a_missing_rule_fails_a_build_with_warnings_as_errors(app: Any) -> None:
    app.build()
    assert app.statuscode == 1


@pytest.mark.slow
def test_derive_directive_compiles_to_pdf(tmp_path: Path, rootdir: Path) -> None:
    if not shutil.which("latexmk") or not shutil.which("pdftotext"):
        pytest.skip("needs latexmk and pdftotext (scripts/system-deps.sh)")
    src = tmp_path / "derive"
    shutil.copytree(rootdir / "test-identity-derive", src)
    (src / "missing.rst").write_text("No rule\n=======\n\nNothing here.\n", encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "latex", str(src), str(src / "_build")],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    made = subprocess.run(
        ["make", "-C", str(src / "_build"), "LATEXMKOPTS=-silent"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-3000:]
    pdf = next((src / "_build").glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "cyclic property: tr(ABC) = tr(CAB)" in text
    assert "Every step checked against the one before" in text
