"""Catalogue loading: data-driven bad files, each with the error it must give."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
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


ENTRY = "identities:\n  - id: e\n    title: E\n    variables: {a: {shape: []}}\n    lhs: a - a\n    rhs: RHS\n"


def entry(rhs: str = "0", latex: str | None = None) -> str:
    return ENTRY.replace("RHS", rhs) + (f"    latex: {latex}\n" if latex is not None else "")


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail, instead of hanging, when something blocks (reading a fifo waits for a writer)."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("blocked")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_a_fifo_or_a_device_is_not_a_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hang: None, cache: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cat" / "01-a").mkdir(parents=True)
    (tmp_path / "cat" / "01-a" / "good.yaml").write_text(entry())
    os.mkfifo(tmp_path / "cat" / "01-a" / "pipe.yaml")
    os.mkfifo(tmp_path / "alone.yaml")
    (tmp_path / "cat" / "01-a" / ".#lock.yaml").symlink_to("user@host.123")  # an editor's lock: no file
    store = tmp_path / "store" if cache else None
    for path, message in [
        (Path("cat"), "cat/01-a/pipe.yaml:1:1: -: not a regular file but a fifo (named pipe)"),
        (Path("alone.yaml"), "alone.yaml:1:1: -: not a regular file but a fifo (named pipe)"),
        (Path("/dev/zero"), "/dev/zero:1:1: -: not a regular file but a character device"),
    ]:
        with pytest.raises(CatalogueError) as info:
            load_catalogue(path, cache=store)
        assert [str(d) for d in info.value.diagnostics] == [f"{message}; a catalogue file is a plain YAML file"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("true", "a boolean"),
        ("1.5", "a number"),
        ("1e-400", "a number"),
        (".5", "a number"),
        ("null", "null (nothing)"),
        ("[a]", "a list"),
        ("{a: b}", "a mapping"),
    ],
)
def test_an_expression_that_yaml_does_not_read_as_text_is_an_error(tmp_path: Path, value: str, kind: str) -> None:
    (tmp_path / "e.yaml").write_text(entry(value))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path / "e.yaml")
    (d,) = info.value.diagnostics
    assert (d.location.line, d.location.column, d.identity) == (6, 10, "e")
    assert d.message == f"rhs: must be a string (quote it): YAML reads this value as {kind}"


def test_an_integer_expression_is_its_digits_and_other_text_fields_are_strict(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(entry())
    assert load_catalogue(tmp_path / "e.yaml").identities[0].rhs == "0"
    (tmp_path / "e.yaml").write_text(entry().replace("title: E", "title: true"))
    with pytest.raises(CatalogueError, match=r"e.yaml:3:12: e: title: must be a string \(quote it\)"):
        load_catalogue(tmp_path / "e.yaml")


@pytest.mark.parametrize(
    ("data", "line", "column", "byte"),
    [
        (b"identities:\n  - id: e\n    title: 'caf\xe9'\n", 3, 16, "E9"),
        (b'identities:\r\n  - id: e\r\n    notes: "\xc3\xa9\xc3\xa9\xff"\r\n', 3, 15, "FF"),
        (b"\xff\xfei\x00d\x00", 1, 1, "FF"),
    ],
    ids=["latin-1", "crlf-after-multibyte", "utf-16"],
)
def test_invalid_utf8_is_reported_at_its_first_bad_byte(
    tmp_path: Path, data: bytes, line: int, column: int, byte: str
) -> None:
    (tmp_path / "u.yaml").write_bytes(data)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path / "u.yaml")
    (d,) = info.value.diagnostics
    assert (d.location.line, d.location.column) == (line, column)
    assert d.message == f"not valid UTF-8: byte 0x{byte} (save the file as UTF-8)"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["03-index/a.yaml"], "chapter folder '03-index' would have the page chapters/index"),
        (["01-basics/a.yaml", "02-basics/b.yaml"], "chapter folders '01-basics' and '02-basics' would share the page"),
        (["01-a/a.yaml", "1-b/b.yaml"], "chapter folders '01-a' and '1-b' have the same number 1"),
        (["01-a/Trace.yaml", "01-a/trace.yaml"], "section files of chapter '01-a' 'Trace' and 'trace' would share"),
        (
            ["01-a/2-x.yaml", "01-a/02-y.yaml"],
            "section files of chapter '01-a' '02-y' and '2-x' have the same number 2",
        ),
    ],
)
def test_chapters_and_sections_whose_pages_or_numbers_clash(tmp_path: Path, files: list[str], message: str) -> None:
    for i, name in enumerate(files):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(entry().replace("id: e", f"id: e{i}"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    (d,) = info.value.diagnostics
    assert message in d.message and (d.location.line, d.location.column) == (1, 1)


@pytest.mark.parametrize(
    ("latex", "message"),
    [
        (r"\left( \mathbf{A}", r"\left( has no matching \right"),
        (r"\mathbf{A} \right)", r"\right without a matching \left"),
        (r"\left( a \\ b \right)", r"'\\' inside \left...\right"),
        (r"\frac{a}", r"\frac needs 2 arguments in braces"),
        (r"\frac{a}\right)", r"\frac needs 2 arguments in braces"),
        (r"\sqrt", r"\sqrt needs 1 argument in braces"),
        (r"\begin{array} a \end{array}", r"\begin{array} needs 1 argument in braces"),
        (r"x\limits_0", r"\limits must follow a big operator"),
        (r"'{\sum}\nolimits'", r"\nolimits must follow a big operator"),
        (r"\left x \right)", r"\left must be followed by a delimiter"),
        (r"a^b^c", "double superscript"),
        (r"x^", "'^' needs an argument"),
        (r"\text{\alpha}", r"\alpha is a math macro: it cannot stand in text"),
        (r"\tr A", r"the PDF has no \tr; write \operatorname{tr}"),
        ("'a\u200bb'", "invisible or control character U+200B (ZERO WIDTH SPACE)"),
        ("'a\u202eb'", "invisible or control character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ('"a\\x7fb"', "invisible or control character U+007F"),
        ("a ⁂ b", "the PDF cannot print '⁂'"),
    ],
)
def test_latex_that_would_stop_the_pdf_is_an_error_at_its_field(tmp_path: Path, latex: str, message: str) -> None:
    (tmp_path / "l.yaml").write_text(entry(latex=latex), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path / "l.yaml")
    assert any(message in d.message for d in info.value.diagnostics), info.value.diagnostics
    d = info.value.diagnostics[0]
    assert (d.location.line, d.location.column - (latex[0] in "'\""), d.identity) == (7, 12, "e")
    assert d.message.startswith("latex: ")


@pytest.mark.parametrize(
    "latex",
    [
        r"\sum\limits_{i=1}^{n} x_i = \operatorname*{argmax}\limits_{x} f",
        r"\left\langle x, y \right\rangle = \left. \frac{\partial f}{\partial x} \right|_{0}",
        r"\left( \begin{matrix} a & b \\ c & d \end{matrix} \right)^{\top}",
        r"\sqrt[3]{x} \big( \lVert x \rVert \big) \overset{!}{=} \left\{ x \middle| y \right\}",
        r"\begin{alignedat}{2} a &= b & c &= d \end{alignedat} \text{ for all } a' \ge 0",
    ],
)
def test_latex_that_the_pdf_prints_is_accepted(tmp_path: Path, latex: str) -> None:
    (tmp_path / "l.yaml").write_text(entry(latex=f"|-\n      {latex}"), encoding="utf-8")
    assert load_catalogue(tmp_path / "l.yaml").identities[0].latex == latex
