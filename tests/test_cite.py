"""Citations: BibTeX and text entries, the cite/export commands and the LaTeX package."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from identity_book import cite
from identity_book.catalogue.loader import load_catalogue
from identity_book.cli import main
from identity_book.escape import bibtex_plain, tex_text

ROOTS = Path(__file__).parent / "roots"
BASIC = ROOTS / "test-identity-basic" / "identities"  # all verified
FALSE = ROOTS / "test-identity-false" / "identities"  # trace-cyclic verified, trace-of-product refuted


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--no-cache"])
    out, err = capsys.readouterr()
    return code, out, err


def fields(entry: str) -> dict[str, str]:
    """``name = {value}`` pairs of one BibTeX entry (values may hold one level of braces)."""
    return {m[1]: m[2] for m in re.finditer(r"^\s*(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\},$", entry, re.M)}


def balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- plain-text fields -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("Gradient of tr(AXB)", "Gradient of tr(AXB)"),
        ("Gradient of {A} \\alpha \\input{x}", "Gradient of A alpha inputx"),
        (
            "R&D 50% #1 a_b x^2 ~ <b>",
            r"R\&D 50\% \#1 a\_b x\textasciicircum{}2 \textasciitilde{} \textless{}b\textgreater{}",
        ),
        ("two\n  lines", "two lines"),
        ("‖XᵀW‖²", "‖XᵀW‖²"),  # Unicode stays (identitybook.sty declares it for pdflatex)
        ("}{", ""),
    ],
)
def test_bibtex_fields_are_plain_text(title: str, field: str) -> None:
    assert bibtex_plain(title) == field


@pytest.mark.parametrize(
    ("title", "tex"),
    [
        ("tr(AXB) & co", r"tr(AXB) \& co"),
        (
            "‖XᵀW‖²_F",
            r"\ensuremath{\|}X\ensuremath{^{\mathsf{T}}}W\ensuremath{\|}\ensuremath{^{2}}\_F",
        ),
        (
            "X ↦ AXB is Bᵀ ⊗ A",
            r"X \ensuremath{\mapsto} AXB is B\ensuremath{^{\mathsf{T}}} \ensuremath{\otimes} A",
        ),
        ("a\\b{c}", r"a\textbackslash{}b\{c\}"),
    ],
)
def test_latex_text(title: str, tex: str) -> None:
    assert tex_text(title) == tex


def test_bibtex_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cite", "trace-cyclic", "--catalogue", str(FALSE))
    assert code == 0, err
    assert err == ""
    assert out.count("@misc{") == 1
    assert "@misc{idb:trace-cyclic," in out
    assert balanced(out)
    identity = load_catalogue(FALSE).get("trace-cyclic")
    assert identity is not None
    f = fields(out)
    assert f["title"] == "{Identity 1.1.1: The trace of AB equals the trace of BA}"
    assert f["url"].endswith("chapters/basics.html#trace-cyclic")
    assert f["version"] == cite.config.BOOK_VERSION
    assert f"content hash {identity.content_hash()}" in f["note"]
    assert "verified (proved for all sizes)" in f["note"]
    assert "\\" not in f["title"] + f["note"]


def test_hostile_title_cannot_break_the_entry(tmp_path: Path) -> None:
    folder = tmp_path / "identities" / "01-basics"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text(
        "identities:\n  - id: hostile\n    title: 'A}, note = {\\input{/etc/passwd}} {'\n"
        "    variables:\n      A: {shape: [n, n]}\n    lhs: tr(A)\n    rhs: tr(A.T)\n"
    )
    catalogue = load_catalogue(tmp_path / "identities")
    entry = cite.bibtex(cite.citations(catalogue))
    assert balanced(entry)
    assert "\\input" not in entry
    assert len(fields(entry)) == 7


def test_text_and_latex_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cite", "trace-cyclic", "--format", "text", "--catalogue", str(FALSE))
    assert code == 0
    assert out.startswith(f'{cite.config.BOOK_AUTHOR}. "Identity 1.1.1: The trace of AB equals the trace of BA"')
    assert "#trace-cyclic" in out and "verified (proved for all sizes)" in out
    code, out, _ = run(capsys, "cite", "trace-cyclic", "--format", "latex", "--catalogue", str(FALSE))
    assert code == 0
    assert (
        r"\operatorname{tr}\left(\mathbf{A} \mathbf{B}\right) = "
        r"\operatorname{tr}\left(\mathbf{B} \mathbf{A}\right)" in out
    )
    assert r"\tag{1.1.1}" in out


def test_cite_numbers_one_s_own_catalogue_after_the_builtin_one_like_the_sphinx_extension(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``mine/01-mine`` shares the prefix of the built-in ``01-basics``: as in the Sphinx build of
    the same folders (tests/test_sphinx_ext.py), it is chapter 12 and the built-in numbers stay."""
    mine = str(ROOTS / "test-identity-builtin" / "mine")
    code, out, err = run(
        capsys, "cite", "my-transpose-twice", "--format", "text", "--catalogue", "builtin", "--catalogue", mine
    )
    assert code == 0, err
    assert '"Identity 12.1.1: Transposing twice"' in out
    code, out, err = run(capsys, "cite", "trace-axb", "--format", "text", "--catalogue", "builtin", "--catalogue", mine)
    assert code == 0, err
    assert '"Identity 0.1.13: Gradient of tr(AXB)"' in out


def test_citing_a_refuted_identity_says_so_loudly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cite", "trace-of-product", "--catalogue", str(FALSE))
    assert code == 1
    assert "identity trace-of-product (1.1.2) is REFUTED: NOT a verified statement" in err
    assert "trace.yaml:10" in err
    assert "REFUTED" in fields(out)["note"]
    code, out, err = run(capsys, "cite", "trace-of-product", "--format", "latex", "--catalogue", str(FALSE))
    assert code == 1 and out == ""
    assert "refusing to print an unverified statement" in err
    code, out, _ = run(
        capsys,
        "cite",
        "trace-of-product",
        "--format",
        "latex",
        "--include-unverified",
        "--catalogue",
        str(FALSE),
    )
    assert code == 1
    assert r"\tag{1.1.2, not verified}" in out


def test_citing_an_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cite", "trace-cyclc", "--catalogue", str(FALSE))
    assert (code, out) == (2, "")
    assert "unknown identity id 'trace-cyclc'" in err


def test_export_bibtex(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "refs" / "identities.bib"
    code, _, err = run(capsys, "export", "bibtex", "--out", str(out_file), "--catalogue", str(FALSE))
    assert code == 0
    bib = out_file.read_text()
    assert "@misc{idb:trace-cyclic," in bib
    assert "idb:trace-of-product" not in bib
    assert "trace-of-product: not exported: REFUTED" in err
    code, out, _ = run(capsys, "export", "bibtex", "--include-unverified", "--catalogue", str(FALSE))
    assert code == 0
    assert out.count("@misc{") == 2 and balanced(out)


def test_export_latex(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "export", "latex", "--out", str(tmp_path), "--catalogue", str(FALSE))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "identitybook-data.tex",
        "identitybook.bib",
        "identitybook.sty",
    ]
    data = (tmp_path / "identitybook-data.tex").read_text()
    assert r"\idb@define{trace-cyclic}{1.1.1}{The trace of AB equals the trace of BA}" in data
    assert r"\idb@withhold{trace-of-product}{1.1.2}{REFUTED}" in data
    assert r"\idb@statement{trace-of-product}" not in data
    sty = (tmp_path / "identitybook.sty").read_text()
    assert r"\ProvidesPackage{identitybook}" in sty and r"\PackageError{identitybook}{Unknown identity" in sty


# -- a paper ---------------------------------------------------------------------------------------
PAPER = r"""\documentclass{article}
\usepackage{identitybook}
\usepackage{hyperref}
\begin{document}
By identity~\idbref{trace-cyclic} (\idburl{trace-cyclic}) and the gradient of
\idbtitle{frobenius-loss-gradient} \cite{idb:frobenius-loss-gradient},
\idbeq{trace-cyclic}
and
\idbeq{frobenius-loss-gradient}
as catalogued in \cite{idb:trace-cyclic}.
BODY
\bibliographystyle{plain}
\bibliography{identitybook}
\end{document}
"""


def _latexmk(folder: Path, body: str = "") -> tuple[int, str]:
    (folder / "paper.tex").write_text(PAPER.replace("BODY", body))
    done = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = folder / "paper.log"
    text = log.read_text(errors="replace") if log.exists() else done.stdout
    return done.returncode, text.replace("\n", "")  # TeX wraps log lines at 79 characters


@pytest.fixture
def paper_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    if not shutil.which("latexmk") or not shutil.which("pdftotext"):
        pytest.skip("needs latexmk and pdftotext (scripts/system-deps.sh)")
    catalogue = tmp_path / "identities"
    shutil.copytree(BASIC, catalogue)
    (catalogue / "01-basics" / "zz-false.yaml").write_text(
        "identities:\n  - id: trace-of-product\n    title: The trace of a product\n"
        "    variables:\n      A: {shape: [n, n]}\n      B: {shape: [n, n]}\n"
        "    lhs: tr(A @ B)\n    rhs: tr(A) * tr(B)\n"
    )
    code, _, err = run(capsys, "export", "latex", "--out", str(tmp_path), "--catalogue", str(catalogue))
    assert code == 0, err
    return tmp_path


@pytest.mark.slow
def test_paper_cites_two_identities_and_compiles(paper_folder: Path) -> None:
    code, log = _latexmk(paper_folder)
    assert code == 0, log[-3000:]
    text = subprocess.run(
        ["pdftotext", str(paper_folder / "paper.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    assert "By identity 1.1.2 (https://" in flat
    assert "tr (AB) = tr (BA) (1.1.2)" in flat  # the verified statement with our number
    assert "(2.1.1)" in flat
    assert "Identity 1.1.2: The trace of AB equals the trace of BA" in flat  # the bibliography
    assert re.search(r"Identity 2\.1\.1: Gradient of \S*XT W\S* \S* ?with respect to W", flat), flat  # ᵀ typeset


@pytest.mark.slow
def test_paper_with_a_mistyped_id_stops(paper_folder: Path) -> None:
    code, log = _latexmk(paper_folder, r"\idbeq{trace-cyclc}")
    assert code != 0
    assert "Package identitybook Error: Unknown identity `trace-cyclc'" in log


@pytest.mark.slow
def test_paper_cannot_print_a_refuted_identity(paper_folder: Path) -> None:
    code, log = _latexmk(paper_folder, r"\idbeq{trace-of-product}")
    assert code != 0
    assert "Identity `trace-of-product' is REFUTED, not a verified statement" in log


def test_citation_cff_matches_the_package() -> None:
    from ruamel.yaml import YAML

    from identity_book import __version__, config

    cff = YAML(typ="safe").load((Path(__file__).parent.parent / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == __version__
    assert cff["title"] == config.BOOK_TITLE
    assert cff["authors"] == [{"name": config.BOOK_AUTHOR}]
    assert cff["url"] == "https://identity-book.github.io/identity-book/"
    assert {"message", "license", "type", "abstract"} <= set(cff)
