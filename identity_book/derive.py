"""Generate derivations in the differential style of the seed texts.

Take the differential by rules (linearity, product rule, d tr = tr d, d X⁻¹ = −X⁻¹ dX X⁻¹,
d det X = det X tr(X⁻¹ dX), d log det X = tr(X⁻¹ dX), d Xᵀ = (dX)ᵀ), move dX to the right
with the cyclic property of the trace, collect terms as G : dX and read off G. For a Jacobian,
vec(A dX B) = (Bᵀ ⊗ A) vec(dX) gives D F. Every generated step is verified like a written one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy

from identity_book.expr.nodes import ONE, Node, same_dim, scalar_like
from identity_book.model import Step

GRADIENTS = ("grad", "grad_sym", "grad_distinct")


class Unsupported(Exception):
    """The generator has no rule for this expression."""


@dataclass(frozen=True)
class Term:
    """``coeff · Π scalars · [tr](L₁ … Lₖ · D · R₁ … Rⱼ)`` with ``D`` = dX or dXᵀ."""

    coeff: Fraction
    scalars: tuple[Node, ...]
    left: tuple[Node, ...]
    transposed: bool
    right: tuple[Node, ...]

    def scaled(self, c: Fraction, *more: Node) -> Term:
        return replace(self, coeff=self.coeff * c, scalars=self.scalars + more)


@dataclass
class _Rules:
    """Collects the names of the rules a differential used, for the step's ``because``."""

    x: Node
    used: list[str] = field(default_factory=list)

    def note(self, rule: str) -> None:
        if rule not in self.used:
            self.used.append(rule)


# -- node builders (shapes follow the parser's rules) ---------------------------------------
def const(value: Fraction | int) -> Node:
    return Node("const", value=Fraction(value))


def mm(a: Node, b: Node) -> Node:
    assert a.shape is not None and b.shape is not None
    return Node("matmul", (a, b), (a.shape[0], b.shape[1]))


def tp(a: Node) -> Node:
    """The transpose, pushed into products and sums: (AB)ᵀ = BᵀAᵀ."""
    if a.op == "T":
        return a.args[0]
    if a.op == "I":
        return a
    if a.op == "matmul":
        return mm(tp(a.args[1]), tp(a.args[0]))
    if a.op in ("add", "sub"):
        left, right = tp(a.args[0]), tp(a.args[1])
        return Node(a.op, (left, right), left.shape)
    if a.op in ("scale", "divide"):
        inner = tp(a.args[1])
        return Node(a.op, (a.args[0], inner), inner.shape)
    if a.op == "neg":
        inner = tp(a.args[0])
        return Node("neg", (inner,), inner.shape)
    return Node("T", (a,), None if a.shape is None else (a.shape[1], a.shape[0]))


def dim_node(d: sympy.Expr) -> Node:
    if d.is_Integer:
        return const(int(d))
    if d.is_Symbol:
        return Node("int", value=d.name)
    if d.is_Mul:
        factors = [dim_node(f) for f in d.args]
        out = factors[0]
        for f in factors[1:]:
            out = Node("mul", (out, f))
        return out
    raise Unsupported(f"dimension {d}")


def eye(n: sympy.Expr) -> Node:
    return Node("I", (dim_node(n),), (n, n))


def product(factors: list[Node], n: sympy.Expr) -> Node:
    if not factors:
        return eye(n)
    out = factors[0]
    for f in factors[1:]:
        out = mm(out, f)
    return out


def times(scalar: Node, m: Node) -> Node:
    if m.shape is None or scalar_like(m.shape):
        return Node("mul", (scalar, m), m.shape)
    return Node("scale", (scalar, m), m.shape)


def plus(a: Node | None, b: Node) -> Node:
    if a is None:
        return b
    if b.op == "neg":
        return Node("sub", (a, b.args[0]), a.shape if not scalar_like(a.shape) else b.shape)
    return Node("add", (a, b), a.shape if not scalar_like(a.shape) else b.shape)


def with_coeff(term_node: Node, term: Term) -> Node:
    out = term_node
    for s in reversed(term.scalars):
        out = times(s, out)
    c = term.coeff
    if c == -1:
        return Node("neg", (out,), out.shape)
    if c < 0:
        return Node("neg", (times(const(-c), out),), out.shape)
    return out if c == 1 else times(const(c), out)


def total(nodes: list[Node]) -> Node:
    out: Node | None = None
    for n in nodes:
        out = plus(out, n)
    if out is None:
        raise Unsupported("the differential is zero")
    return out


# -- the differential -------------------------------------------------------------------------
def depends(node: Node, name: str) -> bool:
    return any(n.op == "var" and n.value == name for n in node.walk())


def differential(node: Node, rules: _Rules) -> list[Term]:
    """The terms of d(node) as X varies; matrix terms for matrices, trace terms for scalars."""
    name = str(rules.x.value)
    if not depends(node, name):
        return []
    op, a = node.op, node.args
    if op == "var":
        if node.shape is None:
            raise Unsupported("differentiation by a scalar variable")
        return [Term(Fraction(1), (), (), False, ())]
    if op in ("add", "sub"):
        sign = Fraction(1 if op == "add" else -1)
        rules.note("linearity")
        return differential(a[0], rules) + [t.scaled(sign) for t in differential(a[1], rules)]
    if op == "neg":
        return [t.scaled(Fraction(-1)) for t in differential(a[0], rules)]
    if op == "T":
        rules.note("d(Xᵀ) = (dX)ᵀ")
        return [
            Term(
                t.coeff,
                t.scalars,
                tuple(tp(r) for r in reversed(t.right)),
                not t.transposed,
                tuple(tp(x) for x in reversed(t.left)),
            )
            for t in differential(a[0], rules)
        ]
    if op == "matmul":
        if depends(a[0], name) and depends(a[1], name):
            rules.note("product rule")
        else:
            rules.note("constant factors stay: d(AXB) = A dX B")
        left = [replace(t, right=(*t.right, a[1])) for t in differential(a[0], rules)]
        right = [replace(t, left=(a[0], *t.left)) for t in differential(a[1], rules)]
        return left + right
    if op in ("scale", "mul", "divide", "div"):
        return _scalar_product(node, rules)
    if op == "inv":
        rules.note("d(X⁻¹) = −X⁻¹ dX X⁻¹")
        return [
            Term(-t.coeff, t.scalars, (node, *t.left), t.transposed, (*t.right, node))
            for t in differential(a[0], rules)
        ]
    if op == "mpow" and a[1].op == "const" and 1 <= int(Fraction(a[1].value)) <= 4:  # type: ignore[arg-type]
        rules.note("d(Xᵏ) = Σ Xʲ dX Xᵏ⁻¹⁻ʲ")
        k = int(Fraction(a[1].value))  # type: ignore[arg-type]
        out = []
        for j in range(k):
            pre = [_power(a[0], j)] if j else []
            post = [_power(a[0], k - 1 - j)] if k - 1 - j else []
            out += [
                Term(t.coeff, t.scalars, (*pre, *t.left), t.transposed, (*t.right, *post))
                for t in differential(a[0], rules)
            ]
        return out
    if op == "tr" and a[0].op == "kron":
        rules.note("tr(A ⊗ B) = tr(A) tr(B)")
        p, q = (Node("tr", (m,)) for m in a[0].args)
        return differential(Node("mul", (p, q)), rules)
    if op == "tr":
        rules.note("d tr(M) = tr(dM)")
        return differential(a[0], rules)
    if op == "inner":
        rules.note("A : B = tr(AᵀB)")
        return differential(Node("tr", (mm(tp(a[0]), a[1]),)), rules)
    if op == "det":
        rules.note("d det(M) = det(M) tr(M⁻¹ dM)")
        inverse = Node("inv", (a[0],), a[0].shape)
        return [
            Term(t.coeff, (*t.scalars, node), (inverse, *t.left), t.transposed, t.right)
            for t in differential(a[0], rules)
        ]
    if op in ("logdet", "logabsdet"):
        rules.note("d log det(M) = tr(M⁻¹ dM)")
        inverse = Node("inv", (a[0],), a[0].shape)
        return [replace(t, left=(inverse, *t.left)) for t in differential(a[0], rules)]
    if op == "pow" and not depends(a[1], name):
        rules.note("d(sᵖ) = p sᵖ⁻¹ ds")
        lowered = Node("pow", (a[0], Node("sub", (a[1], const(1)))))
        return [t.scaled(Fraction(1), a[1], lowered) for t in differential(a[0], rules)]
    if (op == "log" and a[0].shape is None) or (op == "log" and scalar_like(a[0].shape)):
        rules.note("d log s = ds / s")
        return [t.scaled(Fraction(1), Node("div", (const(1), a[0]))) for t in differential(a[0], rules)]
    if op == "exp" and scalar_like(a[0].shape):
        rules.note("d exp s = exp(s) ds")
        return [t.scaled(Fraction(1), node) for t in differential(a[0], rules)]
    if op == "sqrt" and scalar_like(a[0].shape):
        rules.note("d √s = ds / (2√s)")
        return [t.scaled(Fraction(1, 2), Node("div", (const(1), node))) for t in differential(a[0], rules)]
    if op == "norm":
        rules.note("‖v‖ = √(v : v)")
        return differential(Node("sqrt", (Node("inner", (a[0], a[0])),)), rules)
    raise Unsupported(f"no differentiation rule for {op}")


def _power(x: Node, k: int) -> Node:
    return x if k == 1 else Node("mpow", (x, const(k)), x.shape)


def _scalar_product(node: Node, rules: _Rules) -> list[Term]:
    """Products and quotients where one factor is a scalar."""
    name = str(rules.x.value)
    a, b = node.args
    if node.op in ("div", "divide"):
        num, den = (a, b) if node.op == "div" else (b, a)
        out = [t.scaled(Fraction(1), Node("div", (const(1), den))) for t in differential(num, rules)]
        if depends(den, name):
            if not scalar_like(num.shape):
                raise Unsupported("a matrix divided by a varying scalar")
            rules.note("quotient rule")
            square = Node("pow", (den, const(-2)))
            out += [t.scaled(Fraction(-1), num, square) for t in differential(den, rules)]
        return out
    if depends(a, name) and depends(b, name):
        if not (scalar_like(a.shape) and scalar_like(b.shape)):
            raise Unsupported("a varying scalar times a varying matrix")
        rules.note("product rule")
    if depends(a, name) and not scalar_like(b.shape):
        raise Unsupported("a varying scalar times a matrix")
    return [t.scaled(Fraction(1), b) for t in differential(a, rules)] + [
        t.scaled(Fraction(1), a) for t in differential(b, rules)
    ]


# -- assembling the steps -------------------------------------------------------------------
def _dx(x: Node) -> Node:
    return Node("d", (x,), x.shape)


def _trace_of(term: Term, x: Node, cyclic: bool) -> Node:
    assert x.shape is not None
    d = _dx(x) if not term.transposed else tp(_dx(x))
    factors = [*term.right, *term.left, d] if cyclic else [*term.left, d, *term.right]
    inner = factors[0]
    for f in factors[1:]:
        inner = mm(inner, f)
    return with_coeff(Node("tr", (inner,)), term)


def _gradient_part(term: Term, x: Node) -> Node:
    """G_t with tr(R L D) = G_t : dX."""
    assert x.shape is not None
    m = product([*term.right, *term.left], x.shape[1] if not term.transposed else x.shape[0])
    return with_coeff(m if term.transposed else tp(m), term)


def generate(lhs: Node) -> list[Step] | None:
    """Steps for ``grad``/``jacobian`` left sides, or None where no rule applies."""
    if lhs.op not in (*GRADIENTS, "jacobian"):
        return None
    f, x = lhs.args
    rules = _Rules(x)
    try:
        terms = differential(f, rules)
        if not terms:
            return None
        if lhs.op == "jacobian":
            return _jacobian_steps(f, x, terms, rules)
        return _gradient_steps(x, terms, rules)
    except (Unsupported, AssertionError):
        return None


def _step(node: Node, because: str, kind: str = "step") -> Step:
    from identity_book.errors import Location
    from identity_book.expr.text import to_text

    return Step(to_text(node), Location("<generated>"), kind=kind, because=because)


def _gradient_steps(x: Node, terms: list[Term], rules: _Rules) -> list[Step]:
    steps = [_step(total([_trace_of(t, x, cyclic=False) for t in terms]), "; ".join(rules.used))]
    if any(t.right for t in terms):
        steps.append(_step(total([_trace_of(t, x, cyclic=True) for t in terms]), "cyclic property: tr(ABC) = tr(CAB)"))
    gradient = total([_gradient_part(t, x) for t in terms])
    steps.append(_step(Node("inner", (gradient, _dx(x))), "tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX; collect terms"))
    steps.append(_step(gradient, "dφ = G : dX  ⇒  ∂φ/∂X = G", kind="identify"))
    return steps


def _jacobian_steps(f: Node, x: Node, terms: list[Term], rules: _Rules) -> list[Step]:
    assert x.shape is not None and f.shape is not None
    rows, cols = x.shape
    matrix_terms = []
    kron_terms = []
    for t in terms:
        d = _dx(x) if not t.transposed else tp(_dx(x))
        chain = [*t.left, d, *t.right]
        inner = chain[0]
        for c in chain[1:]:
            inner = mm(inner, c)
        matrix_terms.append(with_coeff(inner, t))
        d_rows, d_cols = (rows, cols) if not t.transposed else (cols, rows)
        left = product(list(t.left), d_rows)
        right = product(list(t.right), d_cols)
        k = Node("kron", (tp(right), left), None)
        k = Node("kron", k.args, (_rows(right) * _rows(left), _cols(right) * _cols(left)))
        if t.transposed:
            comm = Node("K", (dim_node(rows), dim_node(cols)), (rows * cols, rows * cols))
            k = mm(k, comm)
        kron_terms.append(with_coeff(k, t))
    jac = total(kron_terms)
    vec_dx = Node("vec", (_dx(x),), (rows * cols, ONE))
    steps = [_step(total(matrix_terms), "; ".join(rules.used))]
    because = "vec(A dX B) = (Bᵀ ⊗ A) vec(dX)" + ("; vec(dXᵀ) = K vec(dX)" if any(t.transposed for t in terms) else "")
    steps.append(_step(mm(jac, vec_dx), because))
    steps.append(_step(jac, "vec(dF) = J vec(dX)  ⇒  D F = J", kind="identify"))
    return steps


def _rows(m: Node) -> sympy.Expr:
    assert m.shape is not None
    return m.shape[0]


def _cols(m: Node) -> sympy.Expr:
    assert m.shape is not None
    return m.shape[1]


def is_derivative(lhs: Node) -> bool:
    return lhs.op in (*GRADIENTS, "jacobian", "hess", "hess_vec")


__all__ = ["Unsupported", "generate", "is_derivative", "same_dim"]
