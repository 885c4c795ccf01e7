"""Complex matrices in the expression language: conjugates, the imaginary unit, the DFT matrix,
and the complex (Wirtinger) derivatives of The Matrix Cookbook's chapter 4.

A variable is complex when its catalogue entry says ``complex: true``; every other variable is
real. The operations here are the only ones that see the difference: ``conj(A)`` (A*),
``A.H`` (Aᴴ), ``real(A)`` and ``imag(A)`` (entrywise), the imaginary unit written ``1j``
(``2j`` is 2i), ``dft(n)`` (W_N), and for a complex variable Z = X + iY

* ``cgrad(f, Z)``, the generalized complex derivative ∂f/∂Z = ½(∂f/∂X − i ∂f/∂Y), and
* ``cgrad_conj(f, Z)``, the conjugate complex derivative ∂f/∂Z* = ½(∂f/∂X + i ∂f/∂Y),
* ``eig(A)``, the eigenvalues of a general square matrix (complex in general), in the order
  of :func:`identity_book.verify.complexnum.spectrum_order`,
* ``schur_u(A)`` and ``schur_t(A)``, the unitary U and upper triangular T of the complex Schur
  form A = UTUᴴ (:mod:`identity_book.verify.decompositions`),
* ``grad_re(f, Z)`` and ``grad_im(f, Z)``, the derivatives ∂f/∂X and ∂f/∂Y along the real and
  imaginary parts (complex when f is),

both laid out as Z (entry (i, j) differentiates with respect to z_ij), like ``grad``. The
complex gradient of a real f (Cookbook eq. 233) is ``2 * cgrad_conj(f, Z)``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from identity_book.errors import ExpressionError
from identity_book.expr.nodes import Node, scalar_like, show_shape

# every operation that only makes sense for complex values (the prover and the symbolic level
# refuse an identity that uses one, or that has a complex variable)
COMPLEX_OPS = frozenset(
    {
        "conj",
        "H",
        "real",
        "imag",
        "imag_unit",
        "dft",
        "eig",
        "schur_u",
        "schur_t",
        "cgrad",
        "cgrad_conj",
        "grad_re",
        "grad_im",
    }
)
DERIVATIVES = ("cgrad", "cgrad_conj", "grad_re", "grad_im")
MAX_DFT = 64


def _same(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        return Node(name, args, args[0].shape, offset=at)

    return build


def _derivative(name: str) -> Callable[[tuple[Node, ...], int], Node]:
    def build(args: tuple[Node, ...], at: int) -> Node:
        f, z = args
        if not scalar_like(f.shape):
            raise ExpressionError(f"{name}() differentiates a scalar, got {show_shape(f.shape)}", f.offset)
        return Node(name, args, z.shape, offset=at)

    return build


FUNCTIONS: dict[str, Callable[[tuple[Node, ...], int], Node]] = {
    "conj": _same("conj"),
    "real": _same("real"),
    "imag": _same("imag"),
    "cgrad": _derivative("cgrad"),
    "cgrad_conj": _derivative("cgrad_conj"),
    "grad_re": _derivative("grad_re"),
    "grad_im": _derivative("grad_im"),
}
ARITIES: dict[str, tuple[int, ...]] = {
    **{name: (1,) for name in ("conj", "real", "imag", "dft")},
    **{name: (2,) for name in DERIVATIVES},
}


def hermitian_transpose(inner: Node, at: int) -> Node:
    """``A.H``: the conjugate transpose."""
    shape = None if inner.shape is None else (inner.shape[1], inner.shape[0])
    return Node("H", (inner,), shape, offset=at)


def imaginary(value: complex, at: int, limit: int) -> Node:
    """A literal ``bj`` (Python's imaginary literal): b times the imaginary unit."""
    if value.real != 0:
        raise ExpressionError(f"constant {value!r} is not real or imaginary", at)
    if abs(value.imag) > limit:
        raise ExpressionError(f"number {value!r} is larger than {limit}", at)
    unit = Node("imag_unit", offset=at)
    b = Fraction(repr(value.imag)) if not float(value.imag).is_integer() else Fraction(int(value.imag))
    return unit if b == 1 else Node("mul", (Node("const", value=b, offset=at), unit), None, offset=at)


def check_derivative(name: str, args: tuple[Node, ...], complex_vars: frozenset[str]) -> str | None:
    """Why a derivative cannot take these arguments (None when it can)."""
    z = args[1]
    if name in DERIVATIVES and (z.op != "var" or z.value not in complex_vars):
        return f"{name}() differentiates with respect to a complex variable (declared complex: true)"
    if name not in DERIVATIVES and z.op == "var" and z.value in complex_vars:
        return (
            f"{name}() differentiates with respect to a real variable; "
            f"for the complex {z.value} use cgrad() or cgrad_conj()"
        )
    return None


def uses_complex(nodes: tuple[Node, ...], complex_vars: frozenset[str]) -> str | None:
    """What makes these expressions complex (a complex variable or operation), or None."""
    for root in nodes:
        for node in root.walk():
            if node.op in COMPLEX_OPS:
                return f"the complex operation {node.op}"
            if node.op == "var" and node.value in complex_vars:
                return f"the complex variable {node.value}"
    return None


def latex(node: Node, show: Callable[[Node], str], postfix: Callable[[Node], str]) -> str:
    """LaTeX of a complex operation; ``postfix`` prints an operand that takes a superscript."""
    op, a = node.op, node.args
    if op == "conj":
        return f"{postfix(a[0])}^{{*}}"
    if op == "H":
        return f"{postfix(a[0])}^{{H}}"
    if op in ("real", "imag"):
        return f"\\operatorname{{{'Re' if op == 'real' else 'Im'}}}\\left({show(a[0])}\\right)"
    if op == "imag_unit":
        return "\\mathrm{i}"
    if op == "dft":
        return f"\\mathbf{{W}}_{{{show(a[0])}}}"
    if op == "eig":
        return f"\\operatorname{{eig}}\\left({show(a[0])}\\right)"
    z = show(a[1])
    if op in ("grad_re", "grad_im"):
        z = f"\\operatorname{{{'Re' if op == 'grad_re' else 'Im'}}} {z}"
    star = "^{*}" if op == "cgrad_conj" else ""
    return f"\\frac{{\\partial}}{{\\partial {z}{star}}}\\left[{show(a[0])}\\right]"


def text(node: Node, show: Callable[[Node], str], postfix: Callable[[Node], str]) -> str:
    """The expression-language form of a complex operation."""
    if node.op == "H":
        return f"{postfix(node.args[0])}.H"
    if node.op == "imag_unit":
        return "1j"
    return f"{node.op}({', '.join(show(x) for x in node.args)})"
