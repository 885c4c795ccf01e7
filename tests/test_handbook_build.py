"""Real Sphinx builds of the handbook from the small test catalogue, through both entry points."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sphinx.cmd.build import build_main

from identity_book import build
from identity_book.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parent
CATALOGUE = HERE / "handbook_catalogue"


def copy_docs(dest: Path) -> Path:
    """The repository's docs/ project without anything generated into it."""
    ignore = shutil.ignore_patterns("_build", "chapters", "indexes")
    shutil.copytree(ROOT / "docs", dest, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> Iterator[Path]:
    """``identity-book build html`` of the test catalogue; yields the output folder."""
    base = tmp_path_factory.mktemp("site")
    docs = copy_docs(base / "docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(cache))
        code = main(["build", "html", str(CATALOGUE), "--out", str(base / "out"), "--docs", str(docs)])
    assert code == 0
    yield base


def html(site: Path, page: str) -> str:
    return (site / "out" / "html" / f"{page}.html").read_text(encoding="utf-8")


def test_pages_and_anchors(site: Path) -> None:
    page = html(site, "chapters/derivatives")
    assert '<section id="trace-axb">' in page
    assert re.search(r"<h3>2\.1\.1 Gradient of tr\(AXB\)", page)
    # an id docutils would rewrite (leading digit) is kept exactly
    assert '<section id="1-trace-of-identity">' in html(site, "chapters/basics")
    for name in (
        "chapters/index",
        "indexes/tags",
        "indexes/cookbook",
        "indexes/status",
        "guide/tutorial",
    ):
        assert (site / "out" / "html" / f"{name}.html").exists(), name
    assert (site / "out" / "html" / "_static" / "mathjax" / "tex-svg-full.js").exists()
    assert "cdn.jsdelivr" not in page and "_static/mathjax/tex-svg-full.js" in page


def test_links_between_pages_resolve(site: Path) -> None:
    tags = html(site, "indexes/tags")
    assert 'href="../chapters/derivatives.html#trace-axb"' in tags
    cookbook = html(site, "indexes/cookbook")
    assert 'href="../chapters/derivatives.html#grad-trace-xa"' in cookbook
    page = html(site, "chapters/derivatives")
    assert 'href="../indexes/tags.html#tag-trace"' in page
    assert 'id="tag-trace"' in tags
    # the tag index and the concordance's table link in raw HTML, past Sphinx's checks: every
    # link must land on its target
    for index, least in ((tags, 10), (cookbook, 5)):
        links = re.findall(r'href="\.\./([^"#]+)#([^"]+)"', index)
        assert len(links) >= least
        for target, anchor in links:
            assert f'id="{anchor}"' in (site / "out" / "html" / target).read_text(encoding="utf-8"), (target, anchor)


def test_html_escapes_catalogue_text(site: Path) -> None:
    page = html(site, "chapters/basics")
    assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page


def test_status_page_has_chart(site: Path) -> None:
    page = html(site, "indexes/status")
    assert "<svg" in page and 'aria-label="Verification status per chapter"' in page


def test_erratum_is_published_marked(site: Path) -> None:
    page = html(site, "chapters/derivatives")
    section = page.split('<section id="grad-trace-xa-printed">')[1].split("</section>")[0]
    assert "Erratum" in section and "Counterexample" in section
    assert "Verified" not in section


def test_plain_sphinx_build_makes_the_same_site(site: Path, tmp_path: Path, cache: Path) -> None:
    docs = copy_docs(tmp_path / "docs")
    out = tmp_path / "html"
    args = ["-q", "-W", "-b", "html", "-D", f"identity_book_handbook_catalogue={CATALOGUE}"]
    args += ["-D", f"identity_book_handbook_cache={cache}", str(docs), str(out)]
    assert build_main(args) == 0
    cli_docs = site / "docs"
    for rel in (
        "chapters/basics.md",
        "chapters/derivatives.md",
        "indexes/status.md",
        "indexes/tags.md",
    ):
        assert (docs / rel).read_text() == (cli_docs / rel).read_text(), rel
    names = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    cli_names = {p.relative_to(site / "out" / "html").as_posix() for p in (site / "out" / "html").rglob("*.html")}
    assert names == cli_names


FALSE = """\
identities:
  - id: wrong-transpose
    title: A false statement
    variables:
      A: {shape: [n, n]}
      B: {shape: [n, n]}
    lhs: (A @ B).T
    rhs: A.T @ B.T
"""


def test_refuted_identity_stops_the_build(tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "cat" / "01-bad"
    cat.mkdir(parents=True)
    (cat / "bad.yaml").write_text(FALSE)
    docs = copy_docs(tmp_path / "docs")
    args = ["build", "html", str(cat.parent), "--out", str(tmp_path / "out"), "--docs", str(docs)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(cache))
        assert main(args) == 1
        err = capsys.readouterr().err
        assert re.search(r"bad\.yaml:2: wrong-transpose: Refuted", err), err
        assert "--allow-unverified" in err
        assert not (tmp_path / "out" / "html").exists()
        # published on request, visibly marked
        assert main([*args, "--allow-unverified"]) == 0
    page = (tmp_path / "out" / "html" / "chapters" / "bad.html").read_text()
    assert "Refuted: the two sides differ" in page and "ib-verdict-refuted" in page


def test_plain_sphinx_build_refuses_too(tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "cat" / "01-bad"
    cat.mkdir(parents=True)
    (cat / "bad.yaml").write_text(FALSE)
    docs = copy_docs(tmp_path / "docs")
    args = ["-q", "-b", "html", "-D", f"identity_book_handbook_catalogue={cat.parent}"]
    args += ["-D", f"identity_book_handbook_cache={cache}", str(docs), str(tmp_path / "out")]
    assert build_main(args) != 0
    err = capsys.readouterr().err
    assert "bad.yaml:2: wrong-transpose: Refuted" in err


BAD_LATEX = """\
identities:
  - id: sneaky
    title: A display that reads a file
    variables:
      A: {shape: [n, n]}
    lhs: A.T.T
    rhs: A
    latex: \\input{/etc/passwd}
"""


def test_unsafe_latex_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "cat" / "01-x"
    cat.mkdir(parents=True)
    (cat / "x.yaml").write_text(BAD_LATEX)
    code = main(
        [
            "build",
            "html",
            str(cat.parent),
            "--out",
            str(tmp_path / "out"),
            "--docs",
            str(copy_docs(tmp_path / "d")),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert re.search(r"x\.yaml:8:\d+: sneaky: latex: macro \\input is not allowed", err), err


def test_builtin_project_when_there_is_no_docs_folder(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(cache))
    assert main(["build", "html", str(CATALOGUE), "--out", "out"]) == 0
    assert (tmp_path / "out" / "html" / "chapters" / "derivatives.html").exists()
    assert (tmp_path / "out" / "source" / "conf.py").exists()


@pytest.mark.slow
def test_full_catalogue_builds_html_and_pdf(tmp_path: Path) -> None:
    """The whole catalogue, as ``make book`` builds it; the same numbers in HTML and PDF."""
    import subprocess

    from identity_book.catalogue.loader import load_catalogue
    from identity_book.catalogue.numbering import number_catalogue

    if shutil.which("latexmk") is None:
        pytest.skip("TeX Live is not installed (scripts/system-deps.sh)")
    docs = copy_docs(tmp_path / "docs")
    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(ROOT / ".identity-book-cache"))
        code = main(["build", "all", str(ROOT / "identities"), "--out", str(out), "--docs", str(docs), "--jobs", "0"])
    assert code == 0
    numbered = number_catalogue(load_catalogue(ROOT / "identities"))
    pdf = subprocess.run(["pdftotext", str(out / "identity-book.pdf"), "-"], capture_output=True, text=True, check=True)
    pdf_text = " ".join(pdf.stdout.split())
    pages: dict[str, str] = {}

    def read(name: str) -> str:
        return pages.setdefault(name, (out / "html" / f"{name}.html").read_text())

    for n in numbered.values():
        page = read(n.docname)
        moved = re.search(rf'<li id="{re.escape(n.identity.id)}"><a href="([^"#]+)\.html#', page)
        if moved:  # a long chapter: the old anchor links to the identity on its section's page
            page = read(f"{n.docname.rsplit('/', 1)[0]}/{moved.group(1)}")
        assert f'<section id="{n.identity.id}">' in page, n.identity.id
        assert re.search(rf"<h[23]>{re.escape(n.number)} ", page), n.number
        assert f"{n.number} " in pdf_text, n.number


def test_concordance_and_errata_pages(site: Path) -> None:
    cookbook = html(site, "indexes/cookbook")
    row = cookbook.split("<td><p>100</p></td>")[1].split("</tr>")[0]
    assert "corrected" in row
    assert 'href="../chapters/derivatives.html#grad-trace-xa"' in row
    assert 'href="../chapters/derivatives.html#grad-trace-xa-printed"' in row
    assert "complex matrices &lt;script&gt;alert(1)&lt;/script&gt; &amp; \\input{x} 50%" in cookbook
    errata = html(site, "indexes/errata")
    assert "Eq. 100: Gradient of tr(XA) as sometimes misprinted" in errata
    assert "Counterexample" in errata and r"\text{left side}" in errata and r"\text{right side}" in errata
    assert 'href="../chapters/derivatives.html#grad-trace-xa"' in errata
    assert 'href="errata.html"' in html(site, "indexes/index")


def test_derivations_are_aligned_display_math(site: Path) -> None:
    page = html(site, "chapters/derivatives")
    written = page.split('<section id="trace-axb">')[1].split("</section>")[0]
    assert 'class="ib-derivation math notranslate nohighlight"' in written
    assert r"\ibfit{\begin{aligned}" in written and r"\checkmark" in written
    # the rule's special characters reach MathJax as math symbols, HTML-escaped by Sphinx
    assert r"\ibrule{\text{escaped: }\{\text{d}\}\text{ }\&amp;\text{ }\$\text{x}\$" in written
    generated = page.split('<section id="grad-trace-xa">')[1].split("</section>")[0]
    assert "Derivation (generated)." in generated and "ib-derivation-generated" in generated
    status = html(site, "indexes/status")
    assert "Derivative identities:" in status and "steps verified" in status


BAD_CONCORDANCE = "- {eq: 16, status: entry, ids: [trace-cyclic]}\n- {eq: 17, status: entry, ids: [nowhere]}\n"


def test_bad_concordance_stops_the_build_at_its_line(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(CATALOGUE, project / "identities")
    (project / "concordance").mkdir()
    (project / "concordance" / "matrix-cookbook.yaml").write_text(BAD_CONCORDANCE)
    docs = copy_docs(tmp_path / "docs")
    args = ["build", "html", str(project / "identities"), "--out", str(tmp_path / "out"), "--docs", str(docs)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(cache))
        assert main(args) == 2
    err = capsys.readouterr().err
    assert re.search(r"matrix-cookbook\.yaml:2:\d+: eq\. 17: no identity with id 'nowhere'", err), err
    # plain sphinx-build, with the file named in the configuration, refuses it too
    sphinx_args = ["-q", "-b", "html", "-D", f"identity_book_handbook_catalogue={project / 'identities'}"]
    sphinx_args += ["-D", f"identity_book_handbook_concordance={project / 'concordance' / 'matrix-cookbook.yaml'}"]
    sphinx_args += ["-D", f"identity_book_handbook_cache={cache}", str(docs), str(tmp_path / "out2")]
    assert build_main(sphinx_args) != 0
    assert "no identity with id 'nowhere'" in capsys.readouterr().err


def test_without_a_concordance_file_the_page_comes_from_references(tmp_path: Path, cache: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(CATALOGUE, project / "identities")
    docs = copy_docs(tmp_path / "docs")
    args = ["build", "html", str(project / "identities"), "--out", str(tmp_path / "out"), "--docs", str(docs)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(cache))
        assert main(args) == 0
    page = (tmp_path / "out" / "html" / "indexes" / "cookbook.html").read_text()
    assert "that an entry of this handbook cites" in page
    assert 'href="../chapters/derivatives.html#trace-cyclic"' not in page  # trace-cyclic is in basics
    assert 'href="../chapters/basics.html#trace-cyclic"' in page


def test_an_identity_without_variables_builds(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(cache))
    (tmp_path / "ids" / "01-numbers").mkdir(parents=True)
    (tmp_path / "ids" / "01-numbers" / "n.yaml").write_text(
        "identities:\n  - id: one\n    title: One is two minus one\n    variables: {}\n    lhs: 1\n    rhs: 2 - 1\n"
    )
    assert main(["build", "html", "ids", "--out", "out"]) == 0
    page = (tmp_path / "out" / "html" / "chapters" / "numbers.html").read_text()
    assert 'id="one"' in page and "No variables" in page


def test_a_build_with_nothing_changed_is_up_to_date(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = tmp_path / "cat"
    shutil.copytree(CATALOGUE, catalogue)
    docs = copy_docs(tmp_path / "docs")
    out = tmp_path / "out"
    args = ["build", "html", str(catalogue), "--out", str(out), "--docs", str(docs)]
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(cache))
    runs: list[str] = []
    real = build.run_sphinx

    def counting(src: Path, out: Path, builder: str, *rest: Any, **kw: Any) -> int:
        runs.append(builder)
        return real(src, out, builder, *rest, **kw)

    monkeypatch.setattr(build, "run_sphinx", counting)
    assert main(args) == 0 and runs == ["html"]
    capsys.readouterr()
    assert main(args) == 0 and runs == ["html"]  # nothing ran
    got = capsys.readouterr()
    assert "up to date" in got.err and f"HTML: {out / 'html' / 'index.html'}" in got.out
    assert main([*args, "--jobs", "1"]) == 0 and runs == ["html"]  # the number of workers changes nothing
    assert main([*args, "--seed", "3"]) == 0 and runs == ["html"] * 2  # an option that changes the results
    yaml = next(catalogue.rglob("*.yaml"))
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    assert main(args) == 0 and runs == ["html"] * 3
    assert "Edited " in "".join(p.read_text(encoding="utf-8") for p in (out / "html" / "chapters").rglob("*.html"))
    (docs / "index.md").write_text((docs / "index.md").read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    assert main(args) == 0 and runs == ["html"] * 4  # the Sphinx project is an input too
    (out / "html" / "index.html").unlink()
    assert main(args) == 0 and runs == ["html"] * 5  # so is the output
    yaml.write_text(text.replace("rhs: ", "rhs: 2 * ", 1), encoding="utf-8")  # now false
    assert main(args) == 1 and runs == ["html"] * 5
    yaml.write_text(text, encoding="utf-8")
    assert main(args) == 0 and runs == ["html"] * 6  # a failed build left no stamp behind


def j2_project(tmp_path: Path, cache: Path) -> tuple[Path, Path, Path, list[str]]:
    """A copy of the test catalogue and docs, the HTML folder and ``sphinx-build -j 2`` arguments."""
    catalogue = tmp_path / "cat"
    shutil.copytree(CATALOGUE, catalogue)
    docs = copy_docs(tmp_path / "docs")
    out = tmp_path / "html"
    args = ["-q", "-W", "-j", "2", "-b", "html", "-D", f"identity_book_handbook_catalogue={catalogue}"]
    args += ["-D", f"identity_book_handbook_cache={cache}", str(docs), str(out)]
    return catalogue, docs, out, args


def test_an_edit_rebuilds_only_its_pages_under_j2(tmp_path: Path, cache: Path) -> None:
    """sphinx-build -j 2 twice, an identity's statement edited between, no cleaning: its page
    shows the new statement, and pages that do not show it are not written again."""
    catalogue, _docs, out, args = j2_project(tmp_path, cache)
    assert build_main(args) == 0
    untouched = out / "chapters" / "derivatives.html"
    before = untouched.stat().st_mtime_ns
    trace = catalogue / "01-basics" / "trace.yaml"
    trace.write_text(trace.read_text().replace("rhs: tr(B @ A)", "rhs: tr(A.T @ B.T)", 1))
    assert build_main(args) == 0
    page = (out / "chapters" / "basics.html").read_text(encoding="utf-8")
    assert r"\mathbf{A}^{\top} \mathbf{B}^{\top}" in page
    assert untouched.stat().st_mtime_ns == before


def test_an_edited_title_reaches_the_index_pages_under_j2(tmp_path: Path, cache: Path) -> None:
    """After a title edit (sphinx-build -j 2, no cleaning) the tag index and the concordance show
    the new title, and so does the list of cited equations missing from the concordance file,
    which prints titles through references: Sphinx writes it again without reading it again."""
    catalogue, docs, out, args = j2_project(tmp_path, cache)
    assert build_main(args) == 0
    old, new = "Cyclic property of the trace, tr(AB) = tr(BA)", "The trace of a product is cyclic"
    assert f"1.1.1</a> {old}</li>" in (out / "indexes" / "tags.html").read_text(encoding="utf-8")
    assert f"1.1.1 {old}</span>" in (out / "indexes" / "cookbook.html").read_text(encoding="utf-8")
    source = (docs / "indexes" / "cookbook.md").read_text(encoding="utf-8")
    trace = catalogue / "01-basics" / "trace.yaml"
    trace.write_text(trace.read_text().replace(old, new, 1))
    assert build_main(args) == 0
    tags = (out / "indexes" / "tags.html").read_text(encoding="utf-8")
    cookbook = (out / "indexes" / "cookbook.html").read_text(encoding="utf-8")
    assert f"1.1.1</a> {new}</li>" in tags and old not in tags
    assert f"1.1.1 {new}</span>" in cookbook and old not in cookbook
    assert (docs / "indexes" / "cookbook.md").read_text(encoding="utf-8") == source


def test_every_pdf_link_of_a_split_chapter_has_its_target(tmp_path: Path, cache: Path) -> None:
    """A chapter split into section pages prints its identities on those pages: every reference
    of the LaTeX (the concordance's list, the errata, the indexes) must name a label it defines."""
    docs = copy_docs(tmp_path / "docs")
    out = tmp_path / "latex"
    args = ["-q", "-W", "-b", "latex", "-D", f"identity_book_handbook_catalogue={CATALOGUE}"]
    args += ["-D", f"identity_book_handbook_cache={cache}", "-D", "identity_book_handbook_split_over=3"]
    assert build_main([*args, str(docs), str(out)]) == 0
    tex = (out / "identity-book.tex").read_text(encoding="utf-8")
    assert "chapters/derivatives/gradients" in tex  # the split happened
    labels = set(re.findall(r"\\label\{\\detokenize\{([^}]*)\}\}", tex))
    links = set(re.findall(r"\\hyperref\[\\detokenize\{([^}]*)\}\]", tex))
    assert "chapters/derivatives/gradients:grad-trace-xa" in links  # the concordance's row for eq. 100
    assert links - labels == set()
