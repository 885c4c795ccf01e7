"""The Sphinx extension on small user projects (tests/roots/test-identity-*), HTML and LaTeX."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ConfigError

from identity_book.catalogue.loader import load_catalogue
from identity_book.sphinx.state import get_state
from identity_book.verify.cache import Cache
from identity_book.verify.checks import Settings

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROOTS = Path(__file__).parent / "roots"
DOCS = Path(__file__).parent.parent / "docs"


def warnings_of(app: Any) -> str:
    return ANSI.sub("", app.warning.getvalue())


def page(app: Any, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


def project(tmp_path: Path, root: str, files: dict[str, str]) -> Path:
    """A copy of ``tests/roots/test-<root>`` with ``files`` (path: text) added, made before the app
    that loads its catalogue."""
    src = tmp_path / root
    shutil.copytree(ROOTS / f"test-{root}", src)
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")
    return src


def block(html: str, identity_id: str) -> str:
    """The HTML of one embedded identity (its container)."""
    start = html.rindex("<div", 0, html.index(f'id="identity-{identity_id}"'))
    end = html.find('<div class="identity ', start + 1)
    return html[start : end if end > 0 else len(html)]


# -- a correct project ----------------------------------------------------------------------------
@pytest.mark.sphinx("html", testroot="identity-basic")
def test_html_embeds_identities_without_warnings(app: Any) -> None:
    app.build()
    assert warnings_of(app) == ""
    index = page(app, "index")
    one = block(index, "trace-of-transpose")
    assert "Identity 1.1.1" in one
    assert "The trace is invariant under transposition" in one
    assert (
        r"\operatorname{tr}\left(\mathbf{A}\right) = "
        r"\operatorname{tr}\left(\mathbf{A}^{\top}\right)" in one
    )
    assert r"\mathbf{A} \in \mathbb{R}^{n \times n}" in one
    assert "verified (proved for all sizes)" in one
    assert 'class="identity identity-verified' in index
    assert "_static/identity-book.css" in index and (Path(app.outdir) / "_static" / "identity-book.css").is_file()
    # the role: number and title, linked to the embedded identity
    assert 'href="#identity-trace-of-transpose"' in index
    assert "Identity 1.1.1: The trace is invariant under transposition</span></a>" in index


@pytest.mark.sphinx("html", testroot="identity-basic")
def test_directive_options_and_content(app: Any) -> None:
    app.build()
    html = page(app, "derivatives")
    frobenius, linear = block(html, "frobenius-loss-gradient"), block(html, "trace-linear-gradient")
    assert "Derivation" in frobenius and "product rule" in frobenius  # :derivation: show
    assert "Verification:" in frobenius
    assert "Verification:" not in linear  # :verification: hide
    assert "Derivation" not in linear
    assert "highlighted" in linear  # :class:
    assert "A remark of this page’s own" in linear  # content is parsed under the identity
    assert 'href="index.html#identity-trace-of-transpose"' in html
    assert "the Frobenius gradient</span></a>" in html  # an explicit title


@pytest.mark.sphinx("html", testroot="identity-basic")
def test_myst_directive_and_role(app: Any) -> None:
    app.build()
    html = page(app, "myst")
    assert "Identity 1.1.2" in block(html, "trace-cyclic")
    assert 'href="#identity-trace-cyclic"' in html
    # cited but embedded nowhere and no identity_book_url: the text, without a link
    assert "Identity 1.1.3: The trace is additive" in html
    assert "#identity-trace-of-sum" not in html


@pytest.mark.sphinx(
    "html",
    testroot="identity-basic",
    srcdir="identity-url",
    confoverrides={
        "identity_book_url": "https://example.org/book/",
        "identity_book_ref_format": "({number})",
    },
)
def test_role_links_to_the_handbook_and_follows_the_format(app: Any) -> None:
    app.build()
    html = page(app, "myst")
    assert 'href="https://example.org/book/chapters/basics.html#trace-of-sum"' in html
    assert "(1.1.3)</span></a>" in html
    assert 'href="#identity-trace-cyclic"' in html  # an embedded identity still links locally


@pytest.mark.sphinx(
    "html",
    testroot="identity-basic",
    srcdir="identity-defaults",  # its own pages: a later build with other settings by another builder
    # re-reads them, but the HTML builder would not write them again
    confoverrides={"identity_book_show_derivation": True, "identity_book_show_verification": False},
)
def test_configuration_sets_the_defaults(app: Any) -> None:
    app.build()
    html = page(app, "derivatives")
    assert "Verification:" not in html
    assert "Derivation" in block(html, "frobenius-loss-gradient")


@pytest.mark.sphinx("latex", testroot="identity-basic")
def test_latex_builder(app: Any) -> None:
    app.build()
    assert warnings_of(app) == ""
    tex = (Path(app.outdir) / "identity-basic.tex").read_text(encoding="utf-8")
    assert r"\usepackage{identitybook-sphinx}" in tex
    assert (Path(app.outdir) / "identitybook-sphinx.sty").is_file()
    assert r"\phantomsection\label{\detokenize{index:identity-trace-of-transpose}}" in tex
    assert r"\hyperref[\detokenize{index:identity-trace-of-transpose}]" in tex
    assert r"\sphinxstylestrong{Identity 1.1.1}" in tex
    assert (
        r"\begin{split}\operatorname{tr}\left(\mathbf{A}\right) = "
        r"\operatorname{tr}\left(\mathbf{A}^{\top}\right)\end{split}" in tex
    )


@pytest.mark.sphinx("html", testroot="identity-basic")
def test_results_go_to_the_command_line_cache(app: Any) -> None:
    app.build()
    folder = Path(app.srcdir) / ".identity-book-cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"  # never in the user's git status
    catalogue = load_catalogue(Path(app.srcdir) / "identities")
    for identity_id in ("trace-of-transpose", "trace-cyclic", "frobenius-loss-gradient"):
        identity = catalogue.get(identity_id)
        assert identity is not None
        assert Cache(folder).get(identity, Settings()) is not None


@pytest.mark.sphinx(
    "html",
    testroot="identity-basic",
    srcdir="identity-nocache",
    confoverrides={"identity_book_cache": False},
)
def test_cache_can_be_switched_off(app: Any) -> None:
    app.build()
    assert warnings_of(app) == ""
    assert not (Path(app.srcdir) / ".identity-book-cache").exists()


@pytest.mark.sphinx("html", testroot="identity-basic")
def test_domain_data_are_per_document(app: Any) -> None:
    app.build()
    domain = app.env.domains["idb"]
    assert set(domain.embeds) == {"index", "derivatives", "myst"}
    assert domain.target("trace-of-transpose")[0] == "index"
    assert "trace-of-sum" in domain.uses["myst"]
    objects = {name: (docname, anchor) for name, _, _, docname, anchor, _ in domain.get_objects()}
    assert objects["trace-cyclic"] == ("myst", "identity-trace-cyclic")
    data = {key: dict(value) for key, value in domain.data.items() if key in ("embeds", "uses")}
    domain.clear_doc("myst")
    assert "myst" not in domain.embeds and "myst" not in domain.uses
    assert domain.target("trace-cyclic") is None
    domain.merge_domaindata({"myst"}, data)
    assert domain.target("trace-cyclic") == ("myst", data["embeds"]["myst"]["trace-cyclic"])
    assert set(domain.embeds) == {"index", "derivatives", "myst"}


# -- projects with problems ------------------------------------------------------------------------
@pytest.mark.sphinx("html", testroot="identity-false")
def test_false_identity_is_a_located_warning_and_marked_on_the_page(app: Any) -> None:
    app.build()
    warnings = warnings_of(app)
    lines = [line for line in warnings.splitlines() if "WARNING" in line]
    assert len(lines) == 2, warnings  # the directive and the role
    directive = next(line for line in lines if "index.rst:6:" in line)
    assert "identities/01-basics/trace.yaml:10: identity 'trace-of-product' (1.1.2) is refuted" in directive
    assert directive.endswith("[identity_book.refuted]")
    assert "trace-cyclic" not in warnings
    html = page(app, "index")
    false = block(html, "trace-of-product")
    assert "identity identity-false" in false
    assert "Not verified: refuted" in false
    assert "counterexample (exact" in false
    # from the project, whichever folder Sphinx runs in (the tests run in the repository)
    assert "Catalogue entry: identities/01-basics/trace.yaml:10 (trace-of-product)." in false
    assert "verified (proved for all sizes)" in block(html, "trace-cyclic")
    assert '<span class="identity-unverified"> (not verified)</span>' in html


@pytest.mark.sphinx("html", testroot="identity-false", warningiserror=True)
def test_false_identity_fails_a_build_with_warnings_as_errors(app: Any) -> None:
    app.build()
    assert app.statuscode == 1


@pytest.mark.sphinx(
    "html",
    testroot="identity-false",
    confoverrides={"suppress_warnings": ["identity_book.refuted"]},
)
def test_a_warning_type_can_be_suppressed(app: Any) -> None:
    app.build()
    assert warnings_of(app) == ""
    assert "Not verified: refuted" in page(app, "index")  # the page still says so


@pytest.mark.sphinx("html", testroot="identity-problems")
def test_unknown_ids(app: Any) -> None:
    app.build()
    warnings = warnings_of(app)
    assert re.search(
        r"index\.rst:4: WARNING: unknown identity id 'trace-of-transpse': not in the catalogue "
        r"\(.*identities\); did you mean 'trace-of-transpose'\? \[identity_book\.unknown_id\]",
        warnings,
    ), warnings
    assert re.search(
        r"index\.rst:6: WARNING: unknown identity id 'no-such-identity'"
        r".*\[identity_book\.unknown_id\]",
        warnings,
    ), warnings
    html = page(app, "index")
    assert "Identity not available" in html
    assert "no-such-identity (?)" in html
    assert "Identity 1.1.1" in block(html, "trace-of-transpose")


@pytest.mark.sphinx("html", testroot="identity-broken")
def test_malformed_catalogue(app: Any) -> None:
    app.build()
    warnings = warnings_of(app)
    assert re.search(
        r"identities/01-basics/trace\.yaml:14:10: WARNING: trace-typo: unknown function 'trace'; did you mean tr\? "
        r"\[identity_book\.catalogue\]",
        warnings,
    ), warnings
    assert re.search(
        r"index\.rst:4: WARNING: cannot show identity 'trace-of-transpose'"
        r".*\[identity_book\.catalogue\]",
        warnings,
    ), warnings
    assert "Identity not available" in page(app, "index")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (42, r"identity_book_catalogue must be str or list or tuple, not int \(42\)"),
        (["identities", 3], r"identity_book_catalogue must be a catalogue folder .* not 3 \(in \['identities', 3\]\)"),
        ([], r"identity_book_catalogue is an empty list; it must be a catalogue folder"),
        ("", r"identity_book_catalogue must be a catalogue folder .*, not ''"),
        (["builtin", "nowhere"], r"identity_book_catalogue: no such catalogue folder 'nowhere' \(/.*/nowhere\)"),
    ],
)
def test_a_wrong_catalogue_setting_is_a_configuration_error(
    make_app: Any, tmp_path: Path, setting: object, message: str
) -> None:
    src = project(tmp_path, "identity-basic", {})
    with pytest.raises(ConfigError, match=message):
        make_app("html", srcdir=src, confoverrides={"identity_book_catalogue": setting})


# -- units ---------------------------------------------------------------------------------------
def test_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from identity_book.config import cache_folder

    monkeypatch.delenv("IDENTITY_BOOK_CACHE", raising=False)
    docs = tmp_path / "project" / "docs"
    docs.mkdir(parents=True)
    assert cache_folder(None, docs) == docs / ".identity-book-cache"  # no project root above
    (tmp_path / "project" / "pyproject.toml").write_text("")
    assert cache_folder(None, docs) == tmp_path / "project" / ".identity-book-cache"
    assert cache_folder("cache", docs) == docs / "cache"
    assert cache_folder(False, docs) is None
    monkeypatch.setenv("IDENTITY_BOOK_CACHE", str(tmp_path / "env-cache"))
    assert cache_folder(None, docs) == tmp_path / "env-cache"
    assert cache_folder("cache", docs) == docs / "cache"  # conf.py wins


def test_a_new_cache_folder_ignores_itself_and_an_existing_one_is_left_alone(tmp_path: Path) -> None:
    from identity_book.config import make_cache_folder

    make_cache_folder(tmp_path / "new" / ".identity-book-cache")
    assert (tmp_path / "new" / ".identity-book-cache" / ".gitignore").read_text() == "# created by identity-book\n*\n"
    make_cache_folder(tmp_path)  # a folder of the user's (identity_book_cache = "."): no .gitignore
    assert not (tmp_path / ".gitignore").exists()


def test_every_warning_type_is_documented() -> None:
    from identity_book.sphinx.warning_types import SUBTYPES

    guide = (Path(__file__).parent.parent / "docs" / "guide-sphinx-extension.md").read_text()
    documented = set(re.findall(r"^\| `identity_book\.(\w+)` \|", guide, re.M))
    assert documented == set(SUBTYPES)


@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-twice")
def test_an_identity_embedded_twice_is_a_duplicate_target(app: Any) -> None:
    """Like a duplicate label: a warning at the second place, naming the first; myst.md embeds
    trace-cyclic at its line 3 and cites it with the role, which is fine."""
    (Path(app.srcdir) / "plain.rst").write_text(
        "Twice\n=====\n\n.. identity:: trace-cyclic\n\n.. identity:: trace-cyclic\n\n:identity:`trace-cyclic`\n"
    )
    app.build()
    src = Path(app.srcdir)
    lines = [line for line in warnings_of(app).splitlines() if "WARNING" in line]
    assert sorted(lines) == [
        f"{src}/plain.rst:4: WARNING: duplicate identity 'trace-cyclic', other instance in {src}/myst.md:3; "
        "embed it once and cite it elsewhere with the identity role [identity_book.duplicate]",
        f"{src}/plain.rst:6: WARNING: duplicate identity 'trace-cyclic', other instance in {src}/plain.rst:4; "
        "embed it once and cite it elsewhere with the identity role [identity_book.duplicate]",
    ], lines
    html = page(app, "plain")
    assert 'id="identity-trace-cyclic"' in html and 'id="identity-trace-cyclic-2"' in html
    assert app.env.domains["idb"].target("trace-cyclic")[0] == "myst"  # the first page by name


@pytest.mark.sphinx("html", testroot="identity-basic", srcdir="identity-verifier-bug")
def test_a_verifier_failure_is_a_warning_not_a_crash(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("identity_book.sphinx.state.verify_many", broken)
    app.build()
    warnings = warnings_of(app)
    assert "the verifier failed: ZeroDivisionError: boom [identity_book.error]" in warnings
    assert "Not verified: error" in page(app, "index")


def test_settings_are_one_typed_object_and_a_wrong_type_names_the_setting(tmp_path: Path) -> None:
    from dataclasses import fields

    from sphinx.config import Config
    from sphinx.errors import ConfigError

    from identity_book.sphinx.settings import PREFIX, ExtensionSettings, settings_of

    config = Config({"identity_book_ref_format": "{number}", "identity_book_url": 3})
    for f in fields(ExtensionSettings):
        config.add(PREFIX + f.name, f.default, f.metadata["rebuild"], frozenset(f.metadata["types"]))
    with pytest.raises(ConfigError, match=r"identity_book_url must be str or NoneType, not int \(3\)"):
        settings_of(config)
    config.identity_book_url = "https://example.org/"
    settings = settings_of(config)
    assert settings.ref_format == "{number}" and settings.catalogue == "identities"
    assert settings.url == "https://example.org/"


@pytest.mark.sphinx("html", testroot="identity-basic")
def test_a_named_sub_expression_is_printed_with_its_definition(app: Any) -> None:
    app.build()
    assert warnings_of(app) == ""
    one = block(page(app, "myst"), "trace-of-symmetric-part")
    assert (
        r"\operatorname{tr}\left(\mathbf{S}\right) = 2 \operatorname{tr}\left(\mathbf{A}\right),\qquad "
        r"\text{where } \mathbf{S} = \mathbf{A} + \mathbf{A}^{\top}" in one
    ), one
    assert "verified (proved for all sizes)" in one


# -- the built-in catalogue beside one's own ---------------------------------------------------------
@pytest.mark.sphinx("html", testroot="identity-builtin")
def test_own_chapters_are_numbered_after_the_builtin_ones(app: Any) -> None:
    """``mine/01-mine`` has the prefix of the built-in ``01-basics``: the built-in identities keep
    the handbook's numbers, and one's own chapters follow the last built-in chapter (11)."""
    app.build()
    assert warnings_of(app) == ""
    html = page(app, "index")
    assert "Identity 12.1.1" in block(html, "my-transpose-twice")
    assert "Identity 1.1.1" in block(html, "det-of-scalar-multiple")
    assert "Identity 0.1.13" in block(html, "trace-axb")
    assert "Identity 0.1.13: Gradient of tr(AXB)</span></a>" in html
    numbers = [n.number for n in get_state(app.env).numbers.values()]
    assert len(numbers) == len(set(numbers)) > 1000
    # unused built-in identities are not verified by the user's build (identity-book's CI does)
    assert set(get_state(app.env).results) == {"my-transpose-twice", "det-of-scalar-multiple", "trace-axb"}


def test_an_own_identity_with_a_builtin_id_is_a_duplicate_id(make_app: Any, tmp_path: Path) -> None:
    """The built-in catalogue and one's own are loaded apart, and still checked against each other."""
    mine = "identities:\n  - id: trace-axb\n    title: Mine\n    variables:\n      A: {shape: [n, n]}\n"
    src = project(tmp_path, "identity-builtin", {"mine/02-more/dup.yaml": mine + "    lhs: A\n    rhs: A\n"})
    app = make_app("html", srcdir=src)
    app.build()
    assert re.search(
        rf"^{re.escape(str(src))}/mine/02-more/dup\.yaml:2:5: WARNING: trace-axb: duplicate id "
        r"\(first defined at .*identities/00-worked-examples/seeds\.yaml:\d+:\d+\) \[identity_book\.catalogue\]",
        warnings_of(app),
        re.M,
    ), warnings_of(app)


ANOTHER = "identities:\n  - id: another-trace\n    title: T\n    variables:\n      A: {shape: [n, n]}\n"


def test_identities_with_the_same_number_are_a_warning_naming_both(make_app: Any, tmp_path: Path) -> None:
    """``01-basics`` and ``01-more`` give 1.1.1 twice. (The loader may report the clash itself, as
    a catalogue problem; either way the build warns at the second file and names the first.)"""
    files = {"identities/01-more/trace.yaml": ANOTHER + "    lhs: A\n    rhs: A\n"}
    src = project(tmp_path, "identity-problems", files)
    app = make_app("html", srcdir=src, warningiserror=True)
    app.build()
    assert app.statuscode == 1
    assert re.search(
        rf"^{re.escape(str(src))}/identities/01-more/trace\.yaml:[\d:]+: WARNING: .*01-basics.*same number",
        warnings_of(app),
        re.M,
    ), warnings_of(app)


# -- identities no page uses -----------------------------------------------------------------------
UNUSED = """identities:
  - id: unused-false
    title: A false identity no page shows
    variables:
      A: {shape: [n, n]}
    lhs: tr(A)
    rhs: 2 * tr(A.T)
  - id: unused-erratum
    title: A printed error, kept as one
    variables:
      A: {shape: [n, n]}
    lhs: tr(A)
    rhs: 3 * tr(A)
    status: erratum
  - id: unused-true
    title: A true identity no page shows
    variables:
      A: {shape: [m, n]}
    lhs: A.T.T
    rhs: A
"""


def test_a_false_identity_no_page_uses_warns_at_its_entry(make_app: Any, tmp_path: Path) -> None:
    src = project(tmp_path, "identity-basic", {"identities/03-extra/unused.yaml": UNUSED})
    app = make_app("html", srcdir=src, warningiserror=True)
    app.build()
    assert app.statuscode == 1
    lines = [line for line in warnings_of(app).splitlines() if "WARNING" in line]
    assert len(lines) == 1, lines  # the erratum is false as expected; the true one passes
    assert lines[0].startswith(
        f"{src}/identities/03-extra/unused.yaml:2: WARNING: identity 'unused-false' (3.1.1) is refuted, not verified"
    ), lines
    assert lines[0].endswith("(no page embeds or cites it) [identity_book.refuted]"), lines
    assert {"unused-erratum", "unused-true"} <= set(get_state(app.env).results)


# -- the guides say what the tools print -------------------------------------------------------------
def test_the_guides_cite_trace_axb_as_the_tools_do(capsys: pytest.CaptureFixture[str]) -> None:
    from identity_book.cli import main

    assert main(["cite", "trace-axb", "--catalogue", "builtin", "--no-cache"]) == 0
    entry = capsys.readouterr().out
    printed = entry[entry.index("@misc{") :].strip()
    citing = (DOCS / "citing.md").read_text(encoding="utf-8")
    shown = citing[citing.index("@misc{idb:trace-axb") :]
    shown = shown[: shown.index("\n}") + 2]
    year = re.compile(r"year\s*=\s*\{\d+\}")
    assert year.sub("year", shown) == year.sub("year", printed)
    number = re.search(r"Identity (\d+\.\d+\.\d+): Gradient of tr\(AXB\)", printed)
    assert number is not None
    guide = (DOCS / "guide-sphinx-extension.md").read_text(encoding="utf-8")
    for text in (citing, guide):
        claims = re.findall(r"Identity (\d+\.\d+\.\d+): Gradient of tr\(AXB\)", text)
        assert claims and set(claims) == {number[1]}
    assert f"a number (`{number[1]}`" in citing and f"`({number[1]})`" in citing
