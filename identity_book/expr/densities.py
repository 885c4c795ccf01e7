"""Probability densities as named functions, each a definition in existing primitives.

``normal_pdf(x, m, S)`` and the others are expanded when they are parsed into the tree of their
definition (powers of π, Γ, determinants, inverses, traces, exp), kept under a ``density`` node
whose first argument is that expansion and whose other arguments are the ones written. The
evaluator, the derivatives and every check work on the expansion; the printers show the written
call (𝒩(x | m, Σ)). The prover has no rules for a density, for Γ or for π, so it proves nothing
that contains them.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from identity_book.errors import ExpressionError
from identity_book.expr.nodes import ONE, Dim, Node, same_dim, same_shape, scalar_like, show_shape

INDEX = "_j"  # the product index of an expansion: no catalogue name starts with '_'


def const(value: int | Fraction) -> Node:
    return Node("const", value=Fraction(value))


def dim_node(dim: Dim) -> Node:
    """A dimension (a number, a dimension name, a sum or product of them) as an integer node."""
    if dim.is_Integer:
        return const(int(dim))
    if dim.is_Symbol:
        return Node("int", value=dim.name)
    parts = [dim_node(a) for a in dim.args]
    op = "add" if dim.is_Add else "mul" if dim.is_Mul else None
    if op is None:
        raise ExpressionError(f"a density of a matrix of size {dim} is not supported")
    out = parts[0]
    for p in parts[1:]:
        out = Node(op, (out, p))
    return out


def _add(a: Node, b: Node) -> Node:
    return Node("add", (a, b), a.shape if a.shape is not None else b.shape)


def _sub(a: Node, b: Node) -> Node:
    return Node("sub", (a, b), a.shape if a.shape is not None else b.shape)


def _mul(a: Node, b: Node) -> Node:
    """A product of two scalars."""
    return Node("mul", (a, b))


def _div(a: Node, b: Node) -> Node:
    return Node("div", (a, b))


def _pow(a: Node, b: Node) -> Node:
    return Node("pow", (a, b))


def _neg(a: Node) -> Node:
    return Node("neg", (a,), a.shape)


def _half(a: Node) -> Node:
    return _div(a, const(2))


def _fn(name: str, a: Node, shape: object = None) -> Node:
    return Node(name, (a,), shape)  # type: ignore[arg-type]


def _product(body: Node, upper: Node) -> Node:
    """prod(body for _j in range(1, upper + 1))."""
    return Node("prod", (const(1), _add(upper, const(1)), body), value=INDEX)


def _index() -> Node:
    return Node("int", value=INDEX)


def _gamma_p(p: Node, a: Node) -> Node:
    """The multivariate Gamma function Γ_p(a) = π^{p(p-1)/4} ∏_{j=1}^{p} Γ(a + (1 - j)/2)."""
    body = Node("gamma", (_add(a, _half(_sub(const(1), _index()))),))
    return _mul(_pow(Node("pi"), _div(_mul(p, _sub(p, const(1))), const(4))), _product(body, p))


def _quadratic(r: Node, s: Node) -> Node:
    """rᵀ S⁻¹ r for a vector r (r² / s for scalars)."""
    if scalar_like(r.shape):
        return _div(_mul(r, r), s)
    inv = Node("inv", (s,), s.shape)
    left = Node("matmul", (Node("T", (r,), (ONE, r.shape[0])), inv), (ONE, r.shape[0]))  # type: ignore[index]
    return Node("matmul", (left, r), (ONE, ONE))


def _det(s: Node) -> Node:
    return s if scalar_like(s.shape) else Node("det", (s,))


def _vector_and_scale(name: str, x: Node, m: Node, s: Node) -> Node:
    """The dimension of a density of a vector x with location m and scale matrix S, checked."""
    if scalar_like(x.shape):
        if not scalar_like(m.shape) or not scalar_like(s.shape):
            raise ExpressionError(f"{name}() of a scalar needs a scalar location and a scalar variance", m.offset)
        return const(1)
    assert x.shape is not None
    if not same_dim(x.shape[1], ONE):
        raise ExpressionError(f"{name}() needs a column vector, got {show_shape(x.shape)}", x.offset)
    if not same_shape(x.shape, m.shape):
        raise ExpressionError(
            f"{name}(): the location must have the shape of the point, {show_shape(x.shape)}, "
            f"got {show_shape(m.shape)}",
            m.offset,
        )
    n = x.shape[0]
    if s.shape is None or not (same_dim(s.shape[0], n) and same_dim(s.shape[1], n)):
        raise ExpressionError(f"{name}(): the scale matrix must be {n}×{n}, got {show_shape(s.shape)}", s.offset)
    return dim_node(n)


def _scalar(name: str, node: Node, what: str) -> None:
    if not scalar_like(node.shape):
        raise ExpressionError(f"{name}(): {what} must be a scalar, got {show_shape(node.shape)}", node.offset)


def _square_matrix(name: str, node: Node, what: str) -> Dim:
    if node.shape is None or not same_dim(node.shape[0], node.shape[1]):
        raise ExpressionError(f"{name}(): {what} must be a square matrix, got {show_shape(node.shape)}", node.offset)
    return node.shape[0]


def _density(name: str, expansion: Node, args: tuple[Node, ...], at: int) -> Node:
    return Node("density", (expansion, *args), None, value=name, offset=at)


def normal_pdf(args: tuple[Node, ...], at: int) -> Node:
    """𝒩(x | m, S) = (2π)^{-n/2} det(S)^{-1/2} exp(-(x - m)ᵀ S⁻¹ (x - m) / 2); for scalars S is
    the variance σ²."""
    x, m, s = args
    n = _vector_and_scale("normal_pdf", x, m, s)
    r = _sub(x, m)
    norm = _mul(
        _pow(_mul(const(2), Node("pi")), _neg(_half(n))),
        _pow(_det(s), const(Fraction(-1, 2))),
    )
    return _density("normal_pdf", _mul(norm, _fn("exp", _neg(_half(_quadratic(r, s))))), args, at)


def student_t_pdf(args: tuple[Node, ...], at: int) -> Node:
    """The multivariate Student-t density with location μ, scale matrix S and ν degrees of freedom:
    Γ((ν+n)/2) / (Γ(ν/2) (νπ)^{n/2} det(S)^{1/2}) [1 + (t - μ)ᵀ S⁻¹ (t - μ)/ν]^{-(ν+n)/2}."""
    t, mu, s, nu = args
    n = _vector_and_scale("student_t_pdf", t, mu, s)
    _scalar("student_t_pdf", nu, "the degrees of freedom")
    half_sum = _half(_add(nu, n))
    ratio = _div(Node("gamma", (half_sum,)), Node("gamma", (_half(nu),)))
    norm = _mul(_mul(_pow(_mul(nu, Node("pi")), _neg(_half(n))), ratio), _pow(_det(s), const(Fraction(-1, 2))))
    kernel = _pow(_add(const(1), _div(_quadratic(_sub(t, mu), s), nu)), _neg(half_sum))
    return _density("student_t_pdf", _mul(norm, kernel), args, at)


def _wishart_common(name: str, args: tuple[Node, ...]) -> tuple[Node, Node, Node, Node]:
    m_mat, s, dof = args
    p = _square_matrix(name, m_mat, "the point")
    if s.shape is None or not (same_dim(s.shape[0], p) and same_dim(s.shape[1], p)):
        raise ExpressionError(f"{name}(): the scale matrix must be {p}×{p}, got {show_shape(s.shape)}", s.offset)
    _scalar(name, dof, "the degrees of freedom")
    pn = dim_node(p)
    # 2^{m p / 2} Γ_p(m / 2): the normalising constant of both Wishart densities
    constant = _mul(_pow(const(2), _half(_mul(dof, pn))), _gamma_p(pn, _half(dof)))
    return m_mat, s, dof, constant


def wishart_pdf(args: tuple[Node, ...], at: int) -> Node:
    """𝒲(M | S, m) = det(M)^{(m-p-1)/2} exp(-tr(S⁻¹M)/2) / (2^{mp/2} det(S)^{m/2} Γ_p(m/2))."""
    m_mat, s, dof, constant = _wishart_common("wishart_pdf", args)
    p = dim_node(m_mat.shape[0])  # type: ignore[index]
    det_m = _pow(Node("det", (m_mat,)), _half(_sub(_sub(dof, p), const(1))))
    det_s = _pow(Node("det", (s,)), _neg(_half(dof)))
    trace = Node("tr", (Node("matmul", (Node("inv", (s,), s.shape), m_mat), m_mat.shape),))
    value = _div(_mul(_mul(det_m, det_s), _fn("exp", _neg(_half(trace)))), constant)
    return _density("wishart_pdf", value, args, at)


def inv_wishart_pdf(args: tuple[Node, ...], at: int) -> Node:
    """𝒲⁻¹(M | S, m) = det(S)^{m/2} det(M)^{-(m+p+1)/2} exp(-tr(S M⁻¹)/2) / (2^{mp/2} Γ_p(m/2))."""
    m_mat, s, dof, constant = _wishart_common("inv_wishart_pdf", args)
    p = dim_node(m_mat.shape[0])  # type: ignore[index]
    det_m = _pow(Node("det", (m_mat,)), _neg(_half(_add(_add(dof, p), const(1)))))
    det_s = _pow(Node("det", (s,)), _half(dof))
    trace = Node("tr", (Node("matmul", (s, Node("inv", (m_mat,), m_mat.shape)), m_mat.shape),))
    value = _div(_mul(_mul(det_m, det_s), _fn("exp", _neg(_half(trace)))), constant)
    return _density("inv_wishart_pdf", value, args, at)


def _paired_vectors(not_vector: str, not_paired: str, first: Node, second: Node) -> Node:
    """The length of ``first``, a column vector that ``second`` matches in shape (else an error at
    the argument)."""
    if first.shape is None or not same_dim(first.shape[1], ONE):
        raise ExpressionError(f"{not_vector}, got {show_shape(first.shape)}", first.offset)
    if not same_shape(first.shape, second.shape):
        raise ExpressionError(f"{not_paired}, {show_shape(first.shape)}, got {show_shape(second.shape)}", second.offset)
    return dim_node(first.shape[0])


def dirichlet_pdf(args: tuple[Node, ...], at: int) -> Node:
    """Dir(x | α) = Γ(Σ_j α_j) / ∏_j Γ(α_j) · ∏_j x_j^{α_j - 1}, for x and α of the same length."""
    x, alpha = args
    p = _paired_vectors(
        "dirichlet_pdf() needs a column vector", "dirichlet_pdf(): α must have the shape of x", x, alpha
    )
    a_j = Node("entry", (alpha, _index()))
    x_j = Node("entry", (x, _index()))
    total = Node("sum", (const(1), _add(p, const(1)), a_j), value=INDEX)
    norm = _div(Node("gamma", (total,)), _product(Node("gamma", (a_j,)), p))
    value = _mul(norm, _product(_pow(x_j, _sub(a_j, const(1))), p))
    return _density("dirichlet_pdf", value, args, at)


def multinomial_pmf(args: tuple[Node, ...], at: int) -> Node:
    """Mult(k | a) = Γ(Σ_j k_j + 1) / ∏_j Γ(k_j + 1) · ∏_j a_j^{k_j}: at integer counts k_j ≥ 0 the
    multinomial probability n! / (k_1! ⋯ k_d!) ∏_j a_j^{k_j} with n = Σ_j k_j."""
    k, a = args
    d = _paired_vectors(
        "multinomial_pmf() needs a column vector of counts",
        "multinomial_pmf(): the probabilities must have the shape of the counts",
        k,
        a,
    )
    k_j = Node("entry", (k, _index()))
    a_j = Node("entry", (a, _index()))
    total = Node("sum", (const(1), _add(d, const(1)), k_j), value=INDEX)
    norm = _div(Node("gamma", (_add(total, const(1)),)), _product(Node("gamma", (_add(k_j, const(1)),)), d))
    value = _mul(norm, _product(_pow(a_j, k_j), d))
    return _density("multinomial_pmf", value, args, at)


def gamma(args: tuple[Node, ...], at: int) -> Node:
    """Γ(x) for a scalar x > 0."""
    _scalar("gamma", args[0], "the argument")
    return Node("gamma", args, None, offset=at)


DENSITIES: dict[str, Callable[[tuple[Node, ...], int], Node]] = {
    "normal_pdf": normal_pdf,
    "student_t_pdf": student_t_pdf,
    "wishart_pdf": wishart_pdf,
    "inv_wishart_pdf": inv_wishart_pdf,
    "dirichlet_pdf": dirichlet_pdf,
    "multinomial_pmf": multinomial_pmf,
}

ARITIES: dict[str, tuple[int, ...]] = {
    "normal_pdf": (3,),
    "student_t_pdf": (4,),
    "wishart_pdf": (3,),
    "inv_wishart_pdf": (3,),
    "dirichlet_pdf": (2,),
    "multinomial_pmf": (2,),
    "gamma": (1,),
}

CONSTANTS = {"pi": "pi", "e": "euler"}  # a name (when no variable has it) and its leaf


def written(node: Node) -> tuple[Node, ...]:
    """The arguments of a density as written (without its expansion)."""
    return node.args[1:]


__all__ = ["ARITIES", "CONSTANTS", "DENSITIES", "dim_node", "gamma", "written"]
