"""Complex matrices: Gaussian rationals, sampling, the complex operations and derivatives against
independent NumPy computations, the printers, and the prover's refusal."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.records import Identity, Variable
from identity_book.errors import EvaluationError, Location, NotExact
from identity_book.expr.latex import to_latex
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.expr.text import to_text
from identity_book.handbook.mathtex import number
from identity_book.handbook.views import properties
from identity_book.verify import complexnum, exact
from identity_book.verify.checks import Settings
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend
from identity_book.verify.gaussian import Gaussian, make
from identity_book.verify.precise import PreciseBackend, precise_compare
from identity_book.verify.prover.prove import prove
from identity_book.verify.runner import verify_identity
from identity_book.verify.sampling import has_properties, sample_point

HERE = Location("test", 1, 1)


def _identity(lhs: str, rhs: str, **variables: tuple[list[object], list[str], bool]) -> Identity:
    out = [
        Variable(name, HERE, tuple(shape), tuple(props), complex=cplx)
        for name, (shape, props, cplx) in variables.items()
    ]  # type: ignore[arg-type]
    return Identity("t", "t", HERE, tuple(out), lhs, rhs, "c", "s")


def _compiled(lhs: str, rhs: str, **variables: tuple[list[object], list[str], bool]) -> Compiled:
    return compile_identity(_identity(lhs, rhs, **variables))


def _scope(**shapes: tuple[str, str]) -> Scope:
    return Scope(
        {k: (dim_symbol(a), dim_symbol(b)) for k, (a, b) in shapes.items()},
        frozenset({"m", "n"}),
        complex_vars=frozenset(shapes),
    )


def _gaussian_matrix(z: np.ndarray) -> np.ndarray:
    out = np.empty(z.shape, dtype=object)
    for idx, v in np.ndenumerate(z):
        out[idx] = make(Fraction(int(v.real)), Fraction(int(v.imag)))
    return out


# -- Gaussian rationals -------------------------------------------------------------------------
def test_gaussian_arithmetic_matches_python_complex() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        a, b, c, d = (int(x) for x in rng.integers(-5, 6, size=4))
        x, y = make(Fraction(a), Fraction(b)), make(Fraction(c), Fraction(d))
        zx, zy = complex(a, b), complex(c, d)
        results = [(x + y, zx + zy), (x - y, zx - zy), (x * y, zx * zy), (-x, -zx)]
        if zy != 0:
            results.append((x / y, zx / zy))
        for got, want in results:
            value = complex(float(got.re), float(got.im)) if isinstance(got, Gaussian) else complex(float(got))
            assert abs(value - want) < 1e-12


def test_a_gaussian_with_no_imaginary_part_is_a_fraction() -> None:
    i = make(Fraction(0), Fraction(1))
    assert i * i == -1 and isinstance(i * i, Fraction)
    assert isinstance(make(Fraction(2), Fraction(3)) * make(Fraction(2), Fraction(-3)), Fraction)
    assert exact.is_exact_zero(i - i) is True and exact.is_exact_zero(i) is False


# -- evaluation against NumPy ----------------------------------------------------------------------
def test_dft_matrix_is_numpys_fft() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 1)) + 1j * rng.standard_normal((5, 1))
    scope = Scope({"x": (dim_symbol("n"), sympy_one())}, frozenset({"n"}), complex_vars=frozenset({"x"}))
    value = Evaluator(FloatBackend(), {"n": 5}).eval(parse("dft(n) @ x", scope), {"x": x})
    assert np.allclose(value[:, 0], np.fft.fft(x[:, 0]))
    with pytest.raises(NotExact):
        Evaluator(ExactBackend(), {"n": 5}).eval(parse("dft(n)", scope), {})


def sympy_one():  # type: ignore[no-untyped-def]
    import sympy

    return sympy.Integer(1)


@pytest.mark.parametrize("text", ["conj(A)", "A.H", "real(A)", "imag(A)", "pinv(A)", "1j * A"])
def test_float_and_exact_agree_with_numpy(text: str) -> None:
    rng = np.random.default_rng(7)
    z = rng.integers(-3, 4, size=(3, 2)) + 1j * rng.integers(-3, 4, size=(3, 2))
    want = {
        "conj(A)": np.conj(z),
        "A.H": z.conj().T,
        "real(A)": z.real,
        "imag(A)": z.imag,
        "pinv(A)": np.linalg.pinv(z),
        "1j * A": 1j * z,
    }[text]
    node = parse(text, _scope(A=("m", "n")))
    floating = Evaluator(FloatBackend(), {"m": 3, "n": 2}).eval(node, {"A": z})
    exact_value = Evaluator(ExactBackend(), {"m": 3, "n": 2}).eval(node, {"A": _gaussian_matrix(z)})
    assert np.allclose(floating, want)
    assert np.allclose(complexnum.to_float(exact_value), want)


def _wirtinger(f, z: np.ndarray, conjugate: bool, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    """½(∂f/∂x ∓ i ∂f/∂y) by central differences, written independently of the evaluator."""
    out = np.zeros(z.shape, dtype=complex)
    for idx in np.ndindex(z.shape):
        e = np.zeros(z.shape)
        e[idx] = h
        dx = (f(z + e) - f(z - e)) / (2 * h)
        dy = (f(z + 1j * e) - f(z - 1j * e)) / (2 * h)
        out[idx] = (dx + 1j * dy) / 2 if conjugate else (dx - 1j * dy) / 2
    return out


@pytest.mark.parametrize("op", ["cgrad", "cgrad_conj"])
def test_complex_derivatives_match_finite_differences(op: str) -> None:
    rng = np.random.default_rng(11)
    a = rng.integers(-3, 4, size=(3, 3)) + 1j * rng.integers(-3, 4, size=(3, 3))
    x = rng.integers(-3, 4, size=(3, 2)) + 1j * rng.integers(-3, 4, size=(3, 2))
    scope = Scope(
        {"A": (dim_symbol("m"), dim_symbol("m")), "X": (dim_symbol("m"), dim_symbol("n"))},
        frozenset({"m", "n"}),
        complex_vars=frozenset({"A", "X"}),
    )
    node = parse(f"{op}(tr(A @ X @ X.H) + det(X.T @ X), X)", scope)
    want = _wirtinger(lambda z: np.trace(a @ z @ z.conj().T) + np.linalg.det(z.T @ z), x, op == "cgrad_conj")
    floating = Evaluator(FloatBackend(), {"m": 3, "n": 2}).eval(node, {"A": a, "X": x})
    exact_value = Evaluator(ExactBackend(), {"m": 3, "n": 2}).eval(
        node, {"A": _gaussian_matrix(a), "X": _gaussian_matrix(x)}
    )
    assert np.allclose(floating, want, atol=1e-5)
    assert np.allclose(complexnum.to_float(exact_value), want, atol=1e-5)


# -- sampling ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "props", [["hermitian"], ["skew_hermitian"], ["unitary"], ["unitary", "hermitian"], ["invertible"]]
)
@pytest.mark.parametrize("exact_mode", [True, False])
def test_sampled_complex_matrices_have_their_properties(props: list[str], exact_mode: bool) -> None:
    c = _compiled("A", "A", A=(["n", "n"], props, True))
    for seed in range(3):
        env, _ = sample_point(c, {"n": 3}, np.random.default_rng(seed), exact_mode=exact_mode)
        value = env["A"]
        assert complexnum.is_complex(value)
        assert has_properties(value, set(props), exact_mode)
        if exact_mode:
            assert all(isinstance(x, Fraction | Gaussian) for x in value.flat)


def test_real_variables_stay_real() -> None:
    c = _compiled("A @ B", "A @ B", A=(["n", "n"], [], False), B=(["n", "n"], [], True))
    env, _ = sample_point(c, {"n": 2}, np.random.default_rng(0), exact_mode=True)
    assert not complexnum.is_complex(env["A"]) and complexnum.is_complex(env["B"])


# -- the prover refuses; the checks decide ------------------------------------------------------------
def test_the_prover_proves_nothing_complex() -> None:
    real = _compiled("norm(A) ** 2", "tr(A.T @ A)", A=(["m", "n"], [], False))
    assert prove(real).proved  # true for real A, and the prover knows it
    false_for_complex = _compiled("norm(A) ** 2", "tr(A.T @ A)", A=(["m", "n"], [], True))
    proof = prove(false_for_complex)
    assert not proof.proved and "complex variable A" in proof.reason
    swapped = _compiled("(A @ B).H", "A.H @ B.H", A=(["n", "n"], [], True), B=(["n", "n"], [], True))
    assert not prove(swapped).proved


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [("norm(A) ** 2", "tr(A.T @ A)"), ("tr(A.H)", "tr(A)"), ("(A @ A.T).H", "A @ A.H")],
)
def test_false_complex_variants_are_refuted(lhs: str, rhs: str) -> None:
    result = verify_identity(_identity(lhs, rhs, A=(["n", "n"], [], True)), Settings())
    assert result.status.value == "refuted"
    assert "prover" not in result.checks or result.checks["prover"].outcome != "passed"


def test_fifty_digits_confirm_a_complex_difference() -> None:
    c = _compiled("dft(n) @ x", "conj(dft(n)) @ x", x=(["n"], [], True))
    env, ints = sample_point(c, {"n": 3}, np.random.default_rng(0), exact_mode=False)
    assert precise_compare(c.lhs, c.rhs, env, ints, 1e-9).differs is True
    same = _compiled("dft(n).T @ x", "dft(n) @ x", x=(["n"], [], True))
    assert precise_compare(same.lhs, same.rhs, env, ints, 1e-9).differs is False


TR_A = r"\operatorname{tr}\left(\mathbf{A}\right)"


# -- printing -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("conj(A)", r"\mathbf{A}^{*}"),
        ("A.H", r"\mathbf{A}^{H}"),
        ("(A @ A).H", r"\left(\mathbf{A} \mathbf{A}\right)^{H}"),
        ("real(A)", r"\operatorname{Re}\left(\mathbf{A}\right)"),
        ("imag(A)", r"\operatorname{Im}\left(\mathbf{A}\right)"),
        ("1j * A", r"\mathrm{i} \mathbf{A}"),
        ("dft(m)", r"\mathbf{W}_{m}"),
        ("eig(A)", r"\operatorname{eig}\left(\mathbf{A}\right)"),
        (
            "cgrad(tr(A), A)",
            r"\frac{\partial}{\partial \mathbf{A}}\left[\operatorname{tr}\left(\mathbf{A}\right)\right]",
        ),
        (
            "cgrad_conj(tr(A), A)",
            r"\frac{\partial}{\partial \mathbf{A}^{*}}\left[\operatorname{tr}\left(\mathbf{A}\right)\right]",
        ),
        (
            "grad_re(tr(A), A)",
            r"\frac{\partial}{\partial \operatorname{Re} \mathbf{A}}\left[" + TR_A + r"\right]",
        ),
        (
            "grad_im(tr(A), A)",
            r"\frac{\partial}{\partial \operatorname{Im} \mathbf{A}}\left[" + TR_A + r"\right]",
        ),
    ],
)
def test_latex_and_text_of_the_complex_operations(text: str, latex: str) -> None:
    scope = _scope(A=("m", "m"))
    node = parse(text, scope)
    assert to_latex(node) == latex
    assert to_latex(parse(to_text(node), scope)) == latex  # the text form parses back to the same tree


@pytest.mark.parametrize(
    ("value", "latex"),
    [
        ("2-i", r"2-\mathrm{i}"),
        ("-1/2+3i", r"-\tfrac{1}{2}+3\mathrm{i}"),
        ("-i", r"-\mathrm{i}"),
        ("(1.5-2j)", r"1.5-2\mathrm{i}"),
    ],
)
def test_complex_counterexample_values_print_as_latex(value: str, latex: str) -> None:
    assert number(value) == latex


def test_the_variables_table_says_complex() -> None:
    assert properties(Variable("A", HERE, ("n", "n"), ("hermitian",), complex=True)) == "complex, Hermitian"
    assert properties(Variable("z", HERE, (), (), complex=True)) == "complex"
    assert properties(Variable("s", HERE, (), ())) == "real"


def test_eigenvalues_of_a_complex_typed_real_matrix_at_50_digits() -> None:
    """eig(−iS) of a skew-Hermitian S: a false spectrum is refuted (the 50-digit eigenvalues of a
    matrix whose complex entries have no imaginary part had crashed the confirmation)."""
    variables = {"S": (["n", "n"], ["skew_hermitian"], True), "t": ([], [], True)}
    true = _identity(
        "det(t * I(n) - S)", "prod(t - 1j * entry(eigvals(-1j * S), k) for k in range(1, n + 1))", **variables
    )
    false = _identity("det(t * I(n) - S)", "prod(t - entry(eigvals(-1j * S), k) for k in range(1, n + 1))", **variables)
    assert verify_identity(true, Settings()).status == "verified"
    assert verify_identity(false, Settings()).status == "refuted"


def test_the_modulus_is_not_differentiated_as_an_analytic_function() -> None:
    """∂|a − z|²/∂z* = −(a − z): the exact level must not take d|w| = sign(w) dw at a real w."""
    variables = {"a": ([], [], True), "z": ([], [], True)}
    right = verify_identity(_identity("cgrad_conj(abs(a - z) ** 2, z)", "-(a - z)", **variables), Settings())
    wrong = verify_identity(_identity("cgrad_conj(abs(a - z) ** 2, z)", "a - z", **variables), Settings())
    assert right.status == "verified" and wrong.status == "refuted"


# -- eig(): the spectrum of a general matrix ---------------------------------------------------------
def test_the_spectrum_is_ordered_by_real_then_imaginary_part() -> None:
    values = [2 + 0j, -1 + 3j, -1 - 3j, 0.5 + 0j]
    assert complexnum.spectrum_order(values) == [2, 1, 3, 0]
    # a conjugate pair whose computed real parts differ by a rounding error keeps −i first
    assert complexnum.spectrum_order([1 + 1e-15 + 2j, 1 - 2j]) == [1, 0]
    # nearly equal eigenvalues may come in either order, but are not refused
    assert sorted(complexnum.spectrum_order([1 + 1e-8j, 1 - 1e-8j, 3 + 0j])) == [0, 1, 2]
    with pytest.raises(EvaluationError, match="nearly equal real parts"):
        complexnum.spectrum_order([1 + 5j, 1 + 1e-7 - 5j])


def test_eig_matches_numpy_in_double_and_in_fifty_digits() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.standard_normal((4, 4))
        got = FloatBackend().eig(a)[:, 0]
        want = np.linalg.eigvals(a)
        assert got.shape == (4,) and np.allclose(np.sort_complex(got), np.sort_complex(want))
        assert all(got[k].real <= got[k + 1].real + 1e-12 for k in range(3))
        fine = PreciseBackend().eig(a.astype(object))[:, 0]
        assert np.allclose(np.array([complex(v) for v in fine]), got, atol=1e-12)
    with pytest.raises(NotExact):
        ExactBackend().eig(np.eye(2, dtype=object))


@pytest.mark.parametrize(
    ("lhs", "rhs", "status"),
    [
        ("tr(A)", "sum(entry(eig(A), r) for r in range(1, n + 1))", "verified"),
        ("eig(A @ B)", "eig(B @ A)", "verified"),
        ("eig(A.T)", "eig(A)", "verified"),
        ("eig(A + B)", "eig(A) + eig(B)", "refuted"),
        ("eig(A @ B)", "hadamard(eig(A), eig(B))", "refuted"),
        ("tr(A)", "sum(real(entry(eig(A), r)) ** 2 for r in range(1, n + 1))", "refuted"),
    ],
)
def test_eig_statements_are_decided(lhs: str, rhs: str, status: str) -> None:
    result = verify_identity(_identity(lhs, rhs, A=(["n", "n"], [], False), B=(["n", "n"], [], False)), Settings())
    assert result.status == status, result
    if status == "verified":
        assert "eigenvalues are algebraic numbers" in result.checks["exact"].detail  # numeric strength, said why
    assert "prover" not in result.checks or result.checks["prover"].outcome != "passed"
