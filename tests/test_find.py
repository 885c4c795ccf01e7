"""Search by formula: normal forms, ``identity-book find`` on the catalogue, and the site's JS
normaliser giving the same forms as the Python one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.catalogue.var_option import parse_var
from identity_book.cli import main
from identity_book.errors import ExpressionError
from identity_book.search import index as index_module
from identity_book.search.find import find_matches
from identity_book.search.index import IndexedSide, index_catalogue, index_json
from identity_book.search.normal import Normal, normalise

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "identity_book" / "handbook" / "static" / "formula-search.js"

SAME = [
    ("(A @ B).T", "B.T @ A.T"),
    ("X.T.T", "Y"),
    ("tr(A @ B)", "tr(B @ A)"),
    ("tr(A @ B @ C)", "tr(C @ A @ B)"),
    ("tr(A @ B @ C)", "tr(C.T @ B.T @ A.T)"),
    ("inner(A, B)", "tr(A.T @ B)"),
    ("inner(A, B)", "inner(B, A)"),
    ("A + B + C", "C + (A + B)"),
    ("A - B", "-B + A"),
    ("2 * A @ B", "A @ (B * 2)"),
    ("A @ B / 2", "0.5 * (A @ B)"),
    ("tr(A) * B @ C", "B @ (tr(A) * C)"),
    ("tr(2 * A + B)", "tr(B) + 2 * tr(A)"),
    ("inv(A).T", "inv(A.T)"),
    ("det(A.T @ B)", "det(B.T @ A)"),
    ("hadamard(A, B)", "B * A"),
    ("grad(tr(A @ X @ B), X)", "grad(tr(P @ Q @ R), Q)"),
    ("tr(kron(A, B))", "tr(B) * tr(A)"),
]
DIFFERENT = [
    ("A @ B @ A", "A @ A @ B"),
    ("(A @ A @ B).T", "A.T @ A.T @ B.T"),
    ("tr(A @ B @ A @ C)", "tr(A @ A @ B @ C)"),
    ("A - 2 * B", "2 * A - B"),
    ("tr(A @ A)", "tr(A @ B)"),
    ("grad(tr(A @ X), X)", "grad(tr(A @ X @ X), X)"),
    ("grad(tr(A @ X), X)", "grad(tr(A @ X), A) + X"),
    ("2 * A", "3 * A"),
    ("inv(A @ B)", "inv(A) @ inv(B)"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_equivalent_forms_have_one_normal_form(a: str, b: str) -> None:
    assert normalise(a).text == normalise(b).text


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_expressions_keep_different_forms(a: str, b: str) -> None:
    assert normalise(a).text != normalise(b).text


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("tr(A @ foo(X))", 8, "unknown function 'foo'"),
        ("A @@ B", 4, "syntax error"),
        ("tr(A, B)", 1, "tr() takes 1 argument(s), got 2"),
        ("A.H", 1, "attribute 'H' is not allowed"),
        ("A[0]", 1, "Subscript is not allowed"),
        ("__import__('os')", 1, "unknown function '__import__'"),
    ],
)
def test_bad_queries_name_their_column(text: str, column: int, message: str) -> None:
    with pytest.raises(ExpressionError) as err:
        normalise(text)
    assert err.value.offset + 1 == column
    assert message in err.value.message


@cache
def catalogue_sides() -> tuple[IndexedSide, ...]:
    return tuple(index_catalogue(load_catalogue(ROOT / "identities", check_expressions=False)))


# query, --var options, ids that must be exact matches, ids that must be near matches, ids that must not match exactly
CASES = [
    ("grad(tr(A @ X @ B), X)", [], ["trace-axb"], ["grad-trace-x-squared-b"], []),
    ("grad(tr(P @ W @ Q), W)", [], ["trace-axb"], [], []),
    ("grad(tr(B.T @ X.T @ A.T), X)", [], ["trace-axb"], [], []),
    ("(B @ A).T", [], ["transpose-of-product", "trace-axb"], [], []),
    ("inner(P, Q)", [], ["trace-abt-equals-atb", "trace-of-outer-product-general"], [], []),
    ("inner(P, Q)", ["P: [n]", "Q: [n]"], ["trace-of-outer-product-general"], [], ["trace-abt-equals-atb"]),
    ("inner(P, Q)", ["P: [m, n]"], ["trace-abt-equals-atb"], [], ["trace-of-outer-product-general"]),
    ("tr(A @ X @ B)", [], ["trace-cyclic-three-factors"], ["trace-axb"], []),
]


@pytest.mark.parametrize(("query", "var", "exact", "near", "absent"), CASES)
def test_find_on_the_catalogue(
    query: str, var: list[str], exact: list[str], near: list[str], absent: list[str]
) -> None:
    declared = {v.name: v for v in map(parse_var, var)}
    matches = find_matches(normalise(query), list(catalogue_sides()), declared)
    found_exact = [m.identity.id for m in matches if m.exact]
    found_near = [m.identity.id for m in matches if not m.exact]
    assert set(exact) <= set(found_exact), found_exact
    assert set(near) <= set(found_near), found_near
    assert not set(absent) & set(found_exact)
    assert [m.score for m in matches if not m.exact] == sorted((m.score for m in matches if not m.exact), reverse=True)


def test_find_command_output_and_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["find", "grad(tr(P @ W @ Q), W)", str(ROOT / "identities")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("exact matches (1):\n  trace-axb: Gradient of tr(AXB)  [lhs]\n")
    assert "with P = A, W = X, Q = B" in out
    assert main(["find", "(B @ A).T", str(ROOT / "identities"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["matches"][0]
    assert (first["id"], first["match"], first["side"]) == ("trace-axb", "exact", "rhs")
    assert first["statement"] == "grad(tr(A @ X @ B), X) == A.T @ B.T"
    one = tmp_path / "identities" / "01-basics"
    one.mkdir(parents=True)
    (one / "t.yaml").write_text(
        "identities:\n  - id: t\n    title: T\n    variables: {A: {shape: [n, n]}}\n    lhs: tr(A.T)\n    rhs: tr(A)\n"
    )
    assert main(["find", "logdet(X)", str(tmp_path / "identities")]) == 1
    assert "no catalogue entry matches logdet(X)" in capsys.readouterr().out
    assert main(["find", "tr(A @ foo(X))"]) == 2
    err = capsys.readouterr().err
    assert "column 8: unknown function 'foo'" in err and "\n         ^" in err
    assert main(["find", "A", "--var", "A: [N]"]) == 2
    assert "'N' is not a dimension name" in capsys.readouterr().err


def _node() -> str:
    path = shutil.which("node")
    if path is None:
        if os.environ.get("IDENTITY_BOOK_SKIP_BROWSER"):
            pytest.skip("node not installed")
        pytest.fail("node not installed (Debian package nodejs), or set IDENTITY_BOOK_SKIP_BROWSER=1")
    return path


def test_the_site_script_normalises_like_python() -> None:
    """Every catalogue side the search box's grammar covers, and some queries, normalised in JS."""
    data = index_json(list(catalogue_sides()), {})
    sides = [s for s in data["sides"] if not any(w in s["text"] for w in ("sum(", "prod(", "block("))]  # type: ignore[union-attr]
    texts = [s["text"] for s in sides] + [q for pair in SAME + DIFFERENT for q in pair]
    script = (
        f"const s = require({json.dumps(str(SCRIPT))});"
        "const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(d.texts.map(t => s.normalise(t, d.functions))));"
    )
    stdin = json.dumps({"texts": texts, "functions": data["functions"]})
    out = subprocess.run([_node(), "-e", script], input=stdin, capture_output=True, text=True, check=True, timeout=120)
    js = json.loads(out.stdout)
    assert len(js) == len(texts) > 800
    mismatches = [(t, j) for t, j in zip(texts, js, strict=True) if (j["text"], j["keys"]) != _python(t)]
    assert mismatches == []


def _python(text: str) -> tuple[str, list[str]]:
    n = normalise(text)
    return n.text, list(n.keys)


def test_the_cached_index_is_the_index_and_normalises_only_new_sides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = load_catalogue([ROOT / "identities" / "01-basics"])
    urls = {i.id: f"page.html#{i.id}" for i in catalogue}
    plain = index_json(index_catalogue(catalogue), urls)
    assert index_module.cached_index_json(catalogue, urls, tmp_path) == plain
    calls: list[str] = []
    real = index_module.normalise

    def counting(text: str) -> Normal:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(index_module, "normalise", counting)
    assert index_module.cached_index_json(catalogue, urls, tmp_path) == plain
    assert calls == []  # every side came from the cache
    first = catalogue.identities[0]
    edited = Catalogue((replace(first, lhs=f"({first.lhs}).T.T"), *catalogue.identities[1:]))
    index_module.index_catalogue(edited, index_module.NormalCache(tmp_path))
    assert calls == [f"({first.lhs}).T.T"]  # only the edited side is normalised again
