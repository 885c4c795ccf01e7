"""Expression trees to tensors in index form (every result simplified in its context)."""

from __future__ import annotations

from fractions import Fraction

import sympy

from identity_book.expr.nodes import Node
from identity_book.expr.parser import fold_constant
from identity_book.verify.prover import atoms
from identity_book.verify.prover.differentiate import derivative
from identity_book.verify.prover.network import (
    Dim,
    Session,
    Tensor,
    Term,
    Unsupported,
    add,
    atom_tensor,
    einsum,
    hadamard,
    identity,
    kron,
    matmul,
    ones,
    permute,
    scalar,
    scale,
    trace,
    transpose,
    vec,
    zero,
)
from identity_book.verify.prover.rewrite import (
    Ctx,
    int_atom,
    power,
    reciprocal,
    simplify,
    spower,
    tensor_key,
    unit_atom,
    var_atom,
)

MAX_POWER = 12
MAX_UNROLL = 24


def legs_of(shape: tuple[str | int, ...] | None) -> tuple[tuple[Dim, ...], int]:
    """A catalogue variable's legs (a dimension of 1 has none) and how many are rows."""
    dims = list(shape or ())
    if len(dims) == 1:
        dims.append(1)
    rows = _atomic(dims[0]) if dims else ()
    cols = _atomic(dims[1]) if dims else ()
    return rows + cols, len(rows)


def _atomic(d: str | int) -> tuple[Dim, ...]:
    if isinstance(d, str):
        return (d,)
    return () if d == 1 else (int(d),)


class Builder:
    def __init__(self, s: Session, integers: frozenset[str]) -> None:
        self.s = s
        self.integers = integers
        self.env: dict[str, int] = {}  # sum indices being unrolled
        self.flip = False  # read I(m*n) with its combined index reversed, as (n, m)

    def build(self, node: Node, ctx: Ctx) -> Tensor:
        self.s.tick()
        method = getattr(self, f"_{node.op}", None)
        if method is None:
            raise Unsupported(f"no index form for {node.op}")
        return simplify(self.s, method(node, ctx), ctx)

    def args(self, node: Node, ctx: Ctx) -> list[Tensor]:
        return [self.build(a, ctx) for a in node.args]

    # -- leaves -----------------------------------------------------------------------------
    def _const(self, node: Node, ctx: Ctx) -> Tensor:
        return scalar(Fraction(node.value))  # type: ignore[arg-type]

    def _int(self, node: Node, ctx: Ctx) -> Tensor:
        name = str(node.value)
        if name in self.env:
            return scalar(self.env[name])
        return atom_tensor(self.s, int_atom(name))

    def _var(self, node: Node, ctx: Ctx) -> Tensor:
        return atom_tensor(self.s, var_atom(self.s, str(node.value), ctx))

    # -- arithmetic -------------------------------------------------------------------------
    def _neg(self, node: Node, ctx: Ctx) -> Tensor:
        return scale(self.build(node.args[0], ctx), -1)

    def _add(self, node: Node, ctx: Ctx) -> Tensor:
        return self._sum_of(node, ctx, 1)

    def _sub(self, node: Node, ctx: Ctx) -> Tensor:
        return self._sum_of(node, ctx, -1)

    def _sum_of(self, node: Node, ctx: Ctx, sign: int) -> Tensor:
        """a ± b; when their combined indices are ordered differently, the identities I(m*n) in
        either side are read the other way, I(n*m): the same matrix, its index split as (n, m)."""
        a, b = self.args(node, ctx)
        try:
            return add(a, scale(b, sign), self.s)
        except Unsupported:
            if not any(n.op == "I" and n.args[0].op == "mul" for n in node.walk()):
                raise
        for flip_a, flip_b in ((False, True), (True, False), (True, True)):
            a2 = self._flipped(node.args[0], ctx) if flip_a else a
            b2 = self._flipped(node.args[1], ctx) if flip_b else b
            try:
                out = add(a2, scale(b2, sign), self.s)
            except Unsupported:
                continue
            self.s.rule("I(m·n) read as I(n·m) inside a product")
            return out
        raise Unsupported("terms with differently ordered combined indices are added")

    def _flipped(self, node: Node, ctx: Ctx) -> Tensor:
        saved = self.flip
        self.flip = not saved
        try:
            return self.build(node, ctx)
        finally:
            self.flip = saved

    def _times(self, a: Tensor, b: Tensor) -> Tensor:
        if a.legs and b.legs:
            return hadamard(self.s, a, b)
        t, u = (a, b) if not a.legs else (b, a)
        ids = self.s.fresh(u.legs)
        return einsum(self.s, [(t, []), (u, ids)], ids, u.legs, u.nrows)

    def _mul(self, node: Node, ctx: Ctx) -> Tensor:
        return self._times(*self.args(node, ctx))

    _scale = _hadamard = _mul

    def _div(self, node: Node, ctx: Ctx) -> Tensor:
        a, b = self.args(node, ctx)
        if b.legs:
            return self._times(a, atoms.func(self.s, "recip", b, ctx))
        return self._times(a, reciprocal(self.s, b, ctx))

    def _divide(self, node: Node, ctx: Ctx) -> Tensor:
        sc, m = self.args(node, ctx)
        return self._times(reciprocal(self.s, sc, ctx), m)

    def _ediv(self, node: Node, ctx: Ctx) -> Tensor:
        a, b = self.args(node, ctx)
        return hadamard(self.s, a, atoms.func(self.s, "recip", b, ctx))

    def _pow(self, node: Node, ctx: Ctx) -> Tensor:
        base = self.build(node.args[0], ctx)
        q = self._exponent(node.args[1])
        if q is None:
            return spower(self.s, base, self._index_expr(node.args[1]), ctx)
        if q.denominator == 1:
            if abs(q) > MAX_POWER:
                raise Unsupported("a power above 12")
            return power(self.s, base, int(q), ctx)
        name = "sqrt" if q == Fraction(1, 2) else f"pow:{q}"
        return atoms.func(self.s, name, base, ctx)

    def _exponent(self, node: Node) -> Fraction | None:
        """A constant exponent, or an integer expression of the parameters being unrolled or
        split into cases (k - 1 at k = 3); None when it is symbolic."""
        q = fold_constant(node)
        if q is not None:
            return q
        try:
            expr = self._index_expr(node)
        except Unsupported:
            return None
        return Fraction(int(expr)) if expr.is_Integer else None

    def _T(self, node: Node, ctx: Ctx) -> Tensor:
        return transpose(self.build(node.args[0], ctx))

    # -- products ---------------------------------------------------------------------------
    def _matmul(self, node: Node, ctx: Ctx) -> Tensor:
        chain: list[Node] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.op == "matmul":
                stack.extend(reversed(n.args))
            else:
                chain.append(n)
        parts = [self.build(n, ctx) for n in chain]
        parts = self._cancel_inverses(chain, parts, ctx)
        out = parts[0]
        for p in parts[1:]:
            out = simplify(self.s, matmul(self.s, out, p), ctx)
        return out

    def _inverted(self, n: Node, ctx: Ctx) -> Tensor | None:
        """M when ``n`` is inv(M), or Mᵀ when it is inv(M).T."""
        if n.op == "inv":
            return self.build(n.args[0], ctx)
        if n.op == "T" and n.args[0].op == "inv":
            return simplify(self.s, transpose(self.build(n.args[0].args[0], ctx)), ctx)
        return None

    def _cancel_inverses(self, chain: list[Node], parts: list[Tensor], ctx: Ctx) -> list[Tensor]:
        """M inv(M) = inv(M) M = I where M is a product of neighbouring factors."""
        changed = True
        nodes: list[Node | None] = list(chain)
        while changed and len(parts) > 1:
            changed = False
            for k, n in enumerate(nodes):
                m = self._inverted(n, ctx) if n is not None else None
                if m is None:
                    continue
                key = tensor_key(m)
                for lo, hi in [(j, k) for j in range(k - 1, max(-1, k - 5), -1)] + [
                    (k + 1, j) for j in range(k + 2, min(len(parts), k + 6))
                ]:
                    window = parts[lo:hi]
                    prod = window[0]
                    for p in window[1:]:
                        prod = simplify(self.s, matmul(self.s, prod, p), ctx)
                    if tensor_key(prod) != key:
                        continue
                    self.s.rule("M inv(M) = inv(M) M = I")
                    a, b = min(lo, k), max(hi, k + 1)
                    ident = simplify(self.s, identity(self.s, parts[a].rows), ctx)
                    parts = [*parts[:a], ident, *parts[b:]]
                    nodes = [*nodes[:a], None, *nodes[b:]]
                    changed = True
                    break
                if changed:
                    break
        return parts

    def _tr(self, node: Node, ctx: Ctx) -> Tensor:
        return trace(self.s, self.build(node.args[0], ctx))

    def _kron(self, node: Node, ctx: Ctx) -> Tensor:
        a, b = self.args(node, ctx)
        return kron(self.s, a, b)

    def _vec(self, node: Node, ctx: Ctx) -> Tensor:
        return vec(self.build(node.args[0], ctx))

    def _outer(self, node: Node, ctx: Ctx) -> Tensor:
        a, b = self.args(node, ctx)
        return matmul(self.s, a, transpose(b))

    def _inner(self, node: Node, ctx: Ctx) -> Tensor:
        a, b = self.args(node, ctx)
        if a.legs != b.legs:
            raise Unsupported("inner() of differently ordered combined indices")
        ids = self.s.fresh(a.legs)
        return einsum(self.s, [(a, ids), (b, ids)], [], (), 0)

    def _norm(self, node: Node, ctx: Ctx) -> Tensor:
        a = self.build(node.args[0], ctx)
        ids = self.s.fresh(a.legs)
        squares = simplify(self.s, einsum(self.s, [(a, ids), (a, ids)], [], (), 0), ctx)
        return atoms.func(self.s, "sqrt", squares, ctx)

    def _diag(self, node: Node, ctx: Ctx) -> Tensor:
        x = self.build(node.args[0], ctx)
        rows = x.rows
        ids = self.s.fresh(rows)
        return einsum(self.s, [(x, ids)], ids + ids, rows + rows, len(rows))

    def _diagvec(self, node: Node, ctx: Ctx) -> Tensor:
        m = self.build(node.args[0], ctx)
        if m.rows != m.cols:
            raise Unsupported("diag() of differently ordered combined indices")
        ids = self.s.fresh(m.rows)
        return einsum(self.s, [(m, ids + ids)], ids, m.rows, len(m.rows))

    # -- atoms ------------------------------------------------------------------------------
    def _atom(self, kind: str, name: str, node: Node, ctx: Ctx) -> Tensor:
        return atoms.build(self.s, kind, name, self.build(node.args[0], ctx), ctx)

    def _inv(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("inv", "", node, ctx)

    def _pinv(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("pinv", "", node, ctx)

    def _det(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("det", "", node, ctx)

    def _logdet(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("logdet", "", node, ctx)

    def _logabsdet(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("logabsdet", "", node, ctx)

    def _expm(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("expm", "", node, ctx)

    def _logm(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("logm", "", node, ctx)

    def _eigvals(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("eigvals", "", node, ctx)

    def _rank(self, node: Node, ctx: Ctx) -> Tensor:
        return self._atom("rank", "", node, ctx)

    def _adj(self, node: Node, ctx: Ctx) -> Tensor:
        """adj(A) = det(A) inv(A), only for a variable stated invertible (SPD, orthogonal): the
        adjugate of any other matrix has no index form here."""
        a = node.args[0]
        if a.op != "var" or not self.s.props.get(str(a.value), frozenset()) & set(atoms.INVERTIBLE):
            raise Unsupported("adj() of a matrix that is not a variable stated invertible")
        self.s.rule("adj(A) = det(A) inv(A) for an invertible A")
        inverse = Node("inv", (a,), a.shape)
        return self.build(Node("scale", (Node("det", (a,), None), inverse), a.shape), ctx)

    def _function(self, node: Node, ctx: Ctx) -> Tensor:
        return atoms.func(self.s, node.op, self.build(node.args[0], ctx), ctx)

    _log = _exp = _sqrt = _abs = _function

    def _mpow(self, node: Node, ctx: Ctx) -> Tensor:
        m = self.build(node.args[0], ctx)
        k = self._exponent(node.args[1])
        if k is None or k.denominator != 1 or abs(k) > MAX_POWER:
            raise Unsupported("a matrix power with a symbolic or large exponent")
        if k < 0:
            m = atoms.inverse(self.s, m, ctx)
        out = simplify(self.s, identity(self.s, m.rows), ctx)
        for _ in range(abs(int(k))):
            out = simplify(self.s, matmul(self.s, out, m), ctx)
        return out

    # -- constants with dimensions ------------------------------------------------------------
    def dim_legs(self, node: Node) -> tuple[Dim, ...]:
        if node.op == "const":
            v = int(node.value)  # type: ignore[arg-type]
            return () if v == 1 else (v,)
        if node.op == "int" and str(node.value) not in self.env:
            return (str(node.value),)
        if node.op == "int":
            v = self.env[str(node.value)]
            return () if v == 1 else (v,)
        if node.op == "mul":
            return self.dim_legs(node.args[0]) + self.dim_legs(node.args[1])
        raise Unsupported("a dimension that is a sum")

    def _I(self, node: Node, ctx: Ctx) -> Tensor:
        legs = self.dim_legs(node.args[0])
        return identity(self.s, tuple(reversed(legs)) if self.flip else legs)

    def _zeros(self, node: Node, ctx: Ctx) -> Tensor:
        rows = self.dim_legs(node.args[0])
        cols = self.dim_legs(node.args[1]) if len(node.args) == 2 else ()
        return zero(rows + cols, len(rows))

    def _ones(self, node: Node, ctx: Ctx) -> Tensor:
        rows = self.dim_legs(node.args[0])
        cols = self.dim_legs(node.args[1]) if len(node.args) == 2 else ()
        return ones(self.s, rows, cols)

    def _K(self, node: Node, ctx: Ctx) -> Tensor:
        m, n = (self.dim_legs(a) for a in node.args)
        a, b = self.s.fresh(m), self.s.fresh(n)
        self.s.rule("K(m, n) as a permutation of index pairs")
        return Tensor(m + n + n + m, len(m + n), (Term(Fraction(1), free=tuple(a + b + b + a)),))

    def index_label(self, node: Node) -> str:
        return str(sympy.expand(self._index_expr(node)))

    def _index_expr(self, node: Node) -> sympy.Expr:
        if node.op == "const":
            return sympy.Rational(Fraction(node.value))  # type: ignore[arg-type]
        if node.op == "int":
            name = str(node.value)
            return sympy.Integer(self.env[name]) if name in self.env else sympy.Symbol(name)
        parts = [self._index_expr(a) for a in node.args]
        if node.op == "add":
            return parts[0] + parts[1]
        if node.op == "sub":
            return parts[0] - parts[1]
        if node.op == "neg":
            return -parts[0]
        if node.op == "mul":
            return parts[0] * parts[1]
        raise Unsupported("an index that is not a polynomial")

    def unit(self, index: Node, dim: tuple[Dim, ...]) -> Tensor:
        if not dim:
            return scalar(1)
        if len(dim) != 1:
            raise Unsupported("a unit vector of a combined index")
        a = self.s.fresh(dim)
        return Tensor(
            dim, 1, (Term(Fraction(1), ((unit_atom(self.index_label(index), dim[0]), tuple(a)),), (), tuple(a)),)
        )

    def _e(self, node: Node, ctx: Ctx) -> Tensor:
        return self.unit(node.args[0], self.dim_legs(node.args[1]))

    def _J(self, node: Node, ctx: Ctx) -> Tensor:
        rows = self.dim_legs(node.args[2])
        cols = self.dim_legs(node.args[3]) if len(node.args) == 4 else rows
        return matmul(self.s, self.unit(node.args[0], rows), transpose(self.unit(node.args[1], cols)))

    def _entry(self, node: Node, ctx: Ctx) -> Tensor:
        m = self.build(node.args[0], ctx)
        ei = self.unit(node.args[1], m.rows)
        ej = self.unit(node.args[2], m.cols) if len(node.args) == 3 else scalar(1)
        r, c = self.s.fresh(m.rows), self.s.fresh(m.cols)
        return einsum(self.s, [(m, r + c), (ei, r), (ej, c)], [], (), 0)

    # -- sums over an index -------------------------------------------------------------------
    def _sum(self, node: Node, ctx: Ctx, product: bool = False) -> Tensor:
        lo, hi = (self._bound(a) for a in node.args[:2])
        if hi - lo > MAX_UNROLL:
            raise Unsupported("a sum over a long range")
        index = str(node.value)
        total: Tensor | None = None
        saved = self.env.get(index)
        try:
            for r in range(lo, hi):
                self.env[index] = r
                term = self.build(node.args[2], ctx)
                if total is None:
                    total = term
                elif product:
                    total = simplify(self.s, self._times(total, term), ctx)
                else:
                    total = simplify(self.s, add(total, term), ctx)
        finally:
            if saved is None:
                self.env.pop(index, None)
            else:
                self.env[index] = saved
        if total is None:
            if product:
                return scalar(1)
            raise Unsupported("an empty sum")
        return total

    def _prod(self, node: Node, ctx: Ctx) -> Tensor:
        return self._sum(node, ctx, product=True)

    def _bound(self, node: Node) -> int:
        expr = self._index_expr(node)
        if not expr.is_Integer:
            raise Unsupported("a sum with a symbolic range")
        return int(expr)

    # -- derivatives --------------------------------------------------------------------------
    def _gradient(self, f: Node, x: str, ctx: Ctx) -> Tensor:
        inner = ctx | {x}
        t = self.build(f, inner)
        if t.legs:
            raise Unsupported("the gradient of a non-scalar")
        d = derivative(self.s, t, x, inner)
        legs, nrows = self.s.var_legs[x]
        return simplify(self.s, Tensor(legs, nrows, d.terms), ctx)

    def _grad(self, node: Node, ctx: Ctx) -> Tensor:
        return self._gradient(node.args[0], str(node.args[1].value), ctx)

    def _grad_sym(self, node: Node, ctx: Ctx) -> Tensor:
        g = self._grad(node, ctx)
        return scale(add(g, transpose(g)), Fraction(1, 2))

    def _grad_distinct(self, node: Node, ctx: Ctx) -> Tensor:
        g = self._grad(node, ctx)
        ids = self.s.fresh(g.rows)
        diagonal = einsum(self.s, [(g, ids + ids)], ids + ids, g.legs, g.nrows)
        return add(add(g, transpose(g)), scale(diagonal, -1))

    def _jacobian(self, node: Node, ctx: Ctx) -> Tensor:
        f, xn = node.args
        x = str(xn.value)
        inner = ctx | {x}
        t = self.build(f, inner)
        d = derivative(self.s, t, x, inner)
        legs, nrows = self.s.var_legs[x]
        n_f = len(t.legs)
        order = [*range(t.nrows, n_f), *range(t.nrows), *(n_f + p for p in [*range(nrows, len(legs)), *range(nrows)])]
        return simplify(self.s, permute(d, order, n_f), ctx)

    def _hess(self, node: Node, ctx: Ctx) -> Tensor:
        f, x = node.args
        return self._jacobian(Node("jacobian", (Node("grad", (f, x), x.shape), x)), ctx)

    def _hess_vec(self, node: Node, ctx: Ctx) -> Tensor:
        f, x = node.args
        return self._jacobian(Node("jacobian", (Node("vec", (Node("grad", (f, x), x.shape),)), x)), ctx)
