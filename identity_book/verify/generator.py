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

from identity_book.catalogue.compile import CompiledStep
from identity_book.errors import Location
from identity_book.expr.nodes import ONE, Node, same_dim, scalar_like
from identity_book.expr.text import to_text

GRADIENTS = ("grad", "grad_sym", "grad_distinct")

GENERATED = Location("<generated>")


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


def _factors(node: Node) -> list[Node]:
    """The factors of a (nested) matrix product, in order."""
    if node.op == "matmul":
        return _factors(node.args[0]) + _factors(node.args[1])
    return [node]


def product(factors: list[Node], n: sympy.Expr) -> Node:
    flat = [g for f in factors for g in _factors(f)]
    if not flat:
        return eye(n)
    out = flat[0]
    for f in flat[1:]:
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


# d tr f(M) = tr(f′(M) dM) for a matrix function f of any square M: f → (sign, f′, the rule's name)
TRACE_FUNCTIONS = {
    "expm": (Fraction(1), "expm", "d tr(exp M) = tr(exp(M) dM)"),
    "sinm": (Fraction(1), "cosm", "d tr(sin M) = tr(cos(M) dM)"),
    "cosm": (Fraction(-1), "sinm", "d tr(cos M) = −tr(sin(M) dM)"),
}
# d f(s) = f′(s) ds for a scalar s: f → (sign, f′, the rule's name)
SCALAR_FUNCTIONS = {
    "sin": (Fraction(1), "cos", "d sin s = cos s ds"),
    "cos": (Fraction(-1), "sin", "d cos s = −sin s ds"),
}


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
    if op == "vec":  # only met at the top of a Jacobian, whose steps are compared entry by entry in vec order
        rules.note("d vec(M) = vec(dM)")
        return differential(a[0], rules)
    if op == "tr" and a[0].op == "kron":
        rules.note("tr(A ⊗ B) = tr(A) tr(B)")
        p, q = (Node("tr", (m,)) for m in a[0].args)
        return differential(Node("mul", (p, q)), rules)
    if op == "tr" and a[0].op in TRACE_FUNCTIONS:
        sign, derivative, rule = TRACE_FUNCTIONS[a[0].op]
        rules.note(rule)
        inner = Node(derivative, a[0].args, a[0].shape)
        return [replace(t, coeff=sign * t.coeff, left=(inner, *t.left)) for t in differential(a[0].args[0], rules)]
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
    if _is_norm_squared(node):
        rules.note("‖v‖² = v : v")
        return differential(Node("inner", (a[0].args[0], a[0].args[0])), rules)
    if op == "pow" and not depends(a[1], name):
        rules.note("d(sᵖ) = p sᵖ⁻¹ ds")
        return [t.scaled(Fraction(1), a[1], lowered_power(node)) for t in differential(a[0], rules)]
    if (op == "log" and a[0].shape is None) or (op == "log" and scalar_like(a[0].shape)):
        rules.note("d log s = ds / s")
        return [t.scaled(Fraction(1), Node("div", (const(1), a[0]))) for t in differential(a[0], rules)]
    if op == "exp" and scalar_like(a[0].shape):
        rules.note("d exp s = exp(s) ds")
        return [t.scaled(Fraction(1), node) for t in differential(a[0], rules)]
    if op in SCALAR_FUNCTIONS and scalar_like(a[0].shape):
        sign, derivative, rule = SCALAR_FUNCTIONS[op]
        rules.note(rule)
        return [t.scaled(sign, Node(derivative, a, node.shape)) for t in differential(a[0], rules)]
    if op == "sqrt" and scalar_like(a[0].shape):
        rules.note("d √s = ds / (2√s)")
        return [t.scaled(Fraction(1, 2), Node("div", (const(1), node))) for t in differential(a[0], rules)]
    if op == "density":
        rules.note("a density is its definition")
        return differential(a[0], rules)
    if op == "norm":
        rules.note("‖v‖ = √(v : v)")
        return differential(Node("sqrt", (Node("inner", (a[0], a[0])),)), rules)
    raise Unsupported(f"no differentiation rule for {op}() (in {to_text(node)})")


def _is_norm_squared(node: Node) -> bool:
    return (
        node.op == "pow"
        and node.args[0].op == "norm"
        and node.args[1].op == "const"
        and Fraction(node.args[1].value) == 2  # type: ignore[arg-type]
    )


def lowered_power(node: Node) -> Node:
    """sᵖ⁻¹ for the power node sᵖ, folded when p is a number."""
    base, p = node.args
    if p.op == "const":
        q = Fraction(p.value) - 1  # type: ignore[arg-type]
        if q == 0:
            return const(1)
        return base if q == 1 else Node("pow", (base, const(q)))
    return Node("pow", (base, Node("sub", (p, const(1)))))


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


# -- one rule per line ----------------------------------------------------------------------
MAX_UNFOLD = 12


def _d(g: Node) -> Node:
    return Node("d", (g,), g.shape)


def _sum(a: Node | None, b: Node | None, negate: bool = False) -> Node | None:
    if b is not None and negate:
        b = Node("neg", (b,), b.shape)
    if a is None:
        return b
    return a if b is None else plus(a, b)


def _one_rule(g: Node, name: str) -> tuple[Node | None, str]:
    """d(g) with only g's outermost operation differentiated; None stands for zero."""
    op, a = g.op, g.args

    def dd(node: Node) -> Node | None:
        return _d(node) if depends(node, name) else None

    def prod(left: Node | None, right: Node | None, build: type | None = None) -> Node | None:
        return None if left is None or right is None else mm(left, right)

    if op in ("add", "sub"):
        return _sum(dd(a[0]), dd(a[1]), negate=op == "sub"), "linearity"
    if op == "neg":
        inner = dd(a[0])
        return (None if inner is None else Node("neg", (inner,), inner.shape)), "linearity"
    if op == "T":
        return tp_plain(_d(a[0])), "d(Mᵀ) = (dM)ᵀ"
    if op == "matmul":
        both = depends(a[0], name) and depends(a[1], name)
        out = _sum(prod(dd(a[0]), a[1]), prod(a[0], dd(a[1])))
        return out, "product rule" if both else "constant factors stay: d(AXB) = A dX B"
    if op in ("scale", "mul"):
        s, m = a
        left = None if not depends(s, name) else times_plain(_d(s), m)
        right = None if not depends(m, name) else times_plain(s, _d(m))
        both = depends(s, name) and depends(m, name)
        if left is not None and not scalar_like(m.shape):
            raise Unsupported("a varying scalar times a matrix")
        return _sum(left, right), "product rule" if both else "constant factors stay"
    if op in ("div", "divide"):
        num, den = (a[0], a[1]) if op == "div" else (a[1], a[0])
        if depends(den, name):
            if not scalar_like(num.shape):
                raise Unsupported("a matrix divided by a varying scalar")
            top = _sum(
                None if not depends(num, name) else Node("mul", (_d(num), den)),
                Node("mul", (num, _d(den))),
                negate=True,
            )
            assert top is not None
            return Node("div", (top, Node("pow", (den, const(2)))), top.shape), "quotient rule"
        inner = _d(num)
        return Node(
            "divide" if not scalar_like(inner.shape) else "div",
            (den, inner) if not scalar_like(inner.shape) else (inner, den),
            inner.shape,
        ), "linearity"
    if op == "tr" and a[0].op in TRACE_FUNCTIONS:
        sign, derivative, rule = TRACE_FUNCTIONS[a[0].op]
        inner = Node("tr", (mm(Node(derivative, a[0].args, a[0].shape), _d(a[0].args[0])),))
        return (inner if sign > 0 else Node("neg", (inner,))), rule
    if op == "tr":
        return Node("tr", (_d(a[0]),)), "d tr(M) = tr(dM)"
    if op == "inner":
        left = None if not depends(a[0], name) else Node("inner", (_d(a[0]), a[1]))
        right = None if not depends(a[1], name) else Node("inner", (a[0], _d(a[1])))
        return _sum(left, right), "product rule for A : B"
    if op == "det":
        inverse = Node("inv", (a[0],), a[0].shape)
        return Node("mul", (g, Node("tr", (mm(inverse, _d(a[0])),)))), "d det(M) = det(M) tr(M⁻¹ dM)"
    if op in ("logdet", "logabsdet"):
        inverse = Node("inv", (a[0],), a[0].shape)
        return Node("tr", (mm(inverse, _d(a[0])),)), "d log det(M) = tr(M⁻¹ dM)"
    if op == "inv":
        return Node("neg", (mm(mm(g, _d(a[0])), g),), g.shape), "d(M⁻¹) = −M⁻¹ dM M⁻¹"
    if _is_norm_squared(g):
        return _d(Node("inner", (a[0].args[0], a[0].args[0]))), "‖v‖² = v : v"
    if op == "pow" and not depends(a[1], name):
        return Node("mul", (Node("mul", (a[1], lowered_power(g))), _d(a[0]))), "d(sᵖ) = p sᵖ⁻¹ ds"
    if op == "log" and scalar_like(a[0].shape):
        return Node("div", (_d(a[0]), a[0])), "d log s = ds / s"
    if op == "exp" and scalar_like(a[0].shape):
        return Node("mul", (g, _d(a[0]))), "d exp s = exp(s) ds"
    if op in SCALAR_FUNCTIONS and scalar_like(a[0].shape):
        sign, derivative, rule = SCALAR_FUNCTIONS[op]
        inner = Node("mul", (Node(derivative, a, g.shape), _d(a[0])))
        return (inner if sign > 0 else Node("neg", (inner,))), rule
    if op == "sqrt" and scalar_like(a[0].shape):
        return Node("div", (_d(a[0]), Node("mul", (const(2), g)))), "d √s = ds / (2√s)"
    if op == "norm":
        return Node("div", (Node("inner", (a[0], _d(a[0]))), g)), "d‖v‖ = v : dv / ‖v‖"
    if op == "kron":
        shape = g.shape
        left = None if not depends(a[0], name) else Node("kron", (_d(a[0]), a[1]), shape)
        right = None if not depends(a[1], name) else Node("kron", (a[0], _d(a[1])), shape)
        return _sum(left, right), "product rule for ⊗"
    if op == "vec":
        return Node("vec", (_d(a[0]),), g.shape), "d vec(M) = vec(dM)"
    raise Unsupported(f"no one-step rule for {op}")


def tp_plain(a: Node) -> Node:
    return Node("T", (a,), None if a.shape is None else (a.shape[1], a.shape[0]))


def times_plain(s: Node, m: Node) -> Node:
    return times(s, m)


def _unfold_once(node: Node, name: str) -> tuple[Node, str] | None:
    """Apply one rule to the first d(g) whose g is not a variable; None when all are done."""
    if node.op == "d" and node.args[0].op != "var":
        replaced, rule = _one_rule(node.args[0], name)
        return (replaced if replaced is not None else _zero_like(node)), rule
    for i, arg in enumerate(node.args):
        found = _unfold_once(arg, name)
        if found is not None:
            new_arg, rule = found
            args = (*node.args[:i], new_arg, *node.args[i + 1 :])
            return Node(node.op, args, node.shape, node.value), rule
    return None


def _unfold_same(node: Node, name: str, rule: str) -> Node:
    """Apply ``rule`` wherever else it is the next rule, so one line does it everywhere."""
    if node.op == "d" and node.args[0].op != "var":
        replaced, found = _one_rule(node.args[0], name)
        if found == rule:
            return replaced if replaced is not None else _zero_like(node)
        return node
    if not node.args:
        return node
    args = tuple(_unfold_same(a, name, rule) for a in node.args)
    if all(x is y for x, y in zip(args, node.args, strict=True)):
        return node
    return Node(node.op, args, node.shape, node.value)


def _zero_like(node: Node) -> Node:
    if node.shape is None or scalar_like(node.shape):
        return const(0)
    raise Unsupported("a zero matrix differential")


def unfold(f: Node, x: Node) -> list[tuple[Node, str]]:
    """d(f), one rule per line, until every d(...) holds a variable."""
    name = str(x.value)
    current = _d(f)
    lines: list[tuple[Node, str]] = []
    for _ in range(MAX_UNFOLD):
        found = _unfold_once(current, name)
        if found is None:
            return lines
        current, rule = found
        current = _unfold_same(current, name, rule)
        if lines and lines[-1][1] == rule and rule.startswith(("linearity", "constant factors stay")):
            lines[-1] = (current, rule)  # merge repeated bookkeeping into one line
        else:
            lines.append((current, rule))
    raise Unsupported("the differential needs too many steps")


# -- assembling the steps -------------------------------------------------------------------
def _dx(x: Node) -> Node:
    return Node("d", (x,), x.shape)


def _trace_of(term: Term, x: Node, cyclic: bool) -> Node:
    assert x.shape is not None
    d = _dx(x) if not term.transposed else tp(_dx(x))
    factors = [*term.right, *term.left, d] if cyclic else [*term.left, d, *term.right]
    return with_coeff(Node("tr", (product(factors, sympy.Integer(1)),)), term)


def _left_assoc(node: Node) -> Node:
    """Products written left to right, A @ B @ C, however they were nested."""
    if node.op == "matmul":
        factors = [_left_assoc(f) for f in _factors(node)]
        out = factors[0]
        for f in factors[1:]:
            out = mm(out, f)
        return out
    if not node.args:
        return node
    return Node(node.op, tuple(_left_assoc(a) for a in node.args), node.shape, node.value)


def _collect(parts: list[Node], terms: list[Term]) -> list[Node]:
    """Add up equal terms: M + M = 2 M."""
    totals: dict[str, tuple[Node, Fraction]] = {}
    for part, term in zip(parts, terms, strict=True):
        key = to_text(part)
        node, c = totals.get(key, (part, Fraction(0)))
        totals[key] = (node, c + term.coeff)
    out = []
    for node, c in totals.values():
        if c == 0:
            continue
        out.append(with_coeff(node, Term(c, (), (), False, ())))
    return out


def _gradient_part(term: Term, x: Node) -> Node:
    """G_t with tr(R L D) = G_t : dX."""
    assert x.shape is not None
    m = product([*term.right, *term.left], x.shape[1] if not term.transposed else x.shape[0])
    return with_coeff(m if term.transposed else tp(m), term)


def derivation_steps(lhs: Node) -> list[CompiledStep]:
    """Steps for a derivative left side, as compiled steps (the trees the verifier checks and the
    handbook prints; never text parsed again); :class:`Unsupported` names the rule that is missing.

    A Hessian is the Jacobian of the gradient: the steps differentiate the gradient G that the
    rules give (``d(G)`` is checked against ``d(grad(f, x))`` itself, so G needs no separate proof).
    """
    if lhs.op in ("hess", "hess_vec"):
        f, x = lhs.args
        if x.shape is None:
            raise Unsupported("a Hessian with respect to a scalar")
        gradient = _gradient_node(Node("grad", (f, x), x.shape))
        if gradient is None:
            _differential_terms(f, x)  # raises with the missing rule
            raise Unsupported("the gradient of this function")
        target = gradient if lhs.op == "hess" else Node("vec", (gradient,), (x.shape[0] * x.shape[1], ONE))
        steps = derivation_steps(Node("jacobian", (target, x)))
        return [_step(_d(target), "differentiate the gradient ∇f given by the rules"), *steps]
    if lhs.op not in (*GRADIENTS, "jacobian"):
        raise Unsupported(f"{lhs.op}() is not a derivative (grad, jacobian or hess)")
    f, x = lhs.args
    rules = _Rules(x)
    terms = _differential_terms(f, x, rules)
    try:
        opening = [_step(node, rule) for node, rule in unfold(f, x)]
    except (Unsupported, AssertionError):
        opening = []
    build = _jacobian_steps if lhs.op == "jacobian" else _gradient_steps
    try:
        steps = build(f, x, terms, rules)
    except AssertionError:
        raise Unsupported("collecting the terms (a shape the rules do not handle)") from None
    if opening:
        expanded = steps[0]
        extra = [r for r in ("A : B = tr(AᵀB)", "tr(A ⊗ B) = tr(A) tr(B)") if r in rules.used]
        because = "; ".join(["expand the products", *extra])
        same = to_text(expanded.node) == to_text(opening[-1].node)
        steps = opening + ([] if same else [replace(expanded, because=because)]) + steps[1:]
    return steps


def _differential_terms(f: Node, x: Node, rules: _Rules | None = None) -> list[Term]:
    """The terms of d(f), or :class:`Unsupported` naming the missing rule."""
    try:
        terms = differential(f, rules or _Rules(x))
    except AssertionError:
        raise Unsupported(f"a shape the rules do not handle in {to_text(f)}") from None
    if not terms:
        raise Unsupported(f"{to_text(f)} does not depend on {x.value}")
    return terms


def _gradient_node(lhs: Node) -> Node | None:
    """The gradient the rules give for ``grad(f, x)``, as a tree."""
    f, x = lhs.args
    rules = _Rules(x)
    try:
        terms = differential(f, rules)
    except (Unsupported, AssertionError):
        return None
    if not terms:
        return None
    return total(_collect([_left_assoc(_gradient_part(replace(t, coeff=Fraction(1)), x)) for t in terms], terms))


def _step(node: Node, because: str, kind: str = "step") -> CompiledStep:
    return CompiledStep(kind, node, because, GENERATED)


def _gradient_steps(f: Node, x: Node, terms: list[Term], rules: _Rules) -> list[CompiledStep]:
    steps = [_step(total([_trace_of(t, x, cyclic=False) for t in terms]), "; ".join(rules.used))]
    if any(t.right for t in terms):
        steps.append(_step(total([_trace_of(t, x, cyclic=True) for t in terms]), "cyclic property: tr(ABC) = tr(CAB)"))
    gradient = _gradient_node(Node("grad", (f, x), x.shape))
    assert gradient is not None
    steps.append(_step(Node("inner", (gradient, _dx(x))), "tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX; collect terms"))
    steps.append(_step(gradient, "dφ = G : dX  ⇒  ∂φ/∂X = G", kind="identify"))
    return steps


def _jacobian_steps(f: Node, x: Node, terms: list[Term], rules: _Rules) -> list[CompiledStep]:
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
        if not t.right and d_cols == ONE:  # vec(A dx) = A dx for a column vector x
            k = left
        else:
            k = Node("kron", (tp(right), left), (_cols(right) * _rows(left), _rows(right) * _cols(left)))
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


__all__ = ["Unsupported", "derivation_steps", "is_derivative", "same_dim"]
