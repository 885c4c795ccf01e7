"""Turn a catalogue record into checked expression trees (the parse stage of the pipeline)."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, replace

import sympy

from identity_book.catalogue.records import SQUARE_PROPERTIES, Identity
from identity_book.errors import CatalogueError, Diagnostic, ExpressionError, Location
from identity_book.expr.complexity import uses_complex
from identity_book.expr.densities import CONSTANTS
from identity_book.expr.expectation import RandomVariable
from identity_book.expr.latex import RELATIONS, symbol, to_latex
from identity_book.expr.nodes import ONE, Node, Shape, same_shape, scalar_like, show_shape
from identity_book.expr.parser import STRUCTURED, Scope, dim_symbol, parse


@dataclass(frozen=True)
class Constraint:
    """A relation between dimensions, e.g. ``n > m``, as a checked AST."""

    text: str
    tree: ast.Expression

    def holds(self, sizes: dict[str, int]) -> bool:
        return bool(_compare(self.tree.body, sizes))


@dataclass(frozen=True)
class CompiledStep:
    kind: str
    node: Node
    because: str | None
    location: Location


@dataclass(frozen=True)
class Compiled:
    identity: Identity
    scope: Scope
    lhs: Node
    rhs: Node
    dims: tuple[str, ...]
    params: dict[str, tuple[int, int]]
    constraints: tuple[Constraint, ...]
    steps: tuple[CompiledStep, ...] = ()
    definitions: tuple[tuple[str, Node], ...] = ()  # where: name = expression, in order

    @property
    def id(self) -> str:
        return self.identity.id

    @property
    def relation(self) -> str:
        return self.identity.relation

    def statement_latex(self) -> str:
        """``lhs = rhs`` (or the inequality) in LaTeX, then "where" and the ``where:`` definitions:
        on the same line when they are short (one or two, and at most 120 characters of LaTeX),
        else on a line of their own below the statement."""
        text = f"{to_latex(self.lhs)} {RELATIONS[self.relation]} {to_latex(self.rhs)}"
        if not self.definitions:
            return text
        named = ", \\ ".join(f"{symbol(name, node)} = {to_latex(node)}" for name, node in self.definitions)
        if len(self.definitions) <= 2 and len(named) <= 120:
            return f"{text},\\qquad \\text{{where }} {named}"
        return f"\\begin{{gathered}}{text},\\\\ \\text{{where }} {named}\\end{{gathered}}"

    def derivative_depth(self) -> int:
        return max(self.lhs.depth_of_derivatives(), self.rhs.depth_of_derivatives())


def _shape(dims: tuple[str | int, ...]) -> Shape:
    if len(dims) == 0:
        return None
    conv = [sympy.Integer(d) if isinstance(d, int) else dim_symbol(d) for d in dims]
    return (conv[0], conv[1] if len(conv) > 1 else sympy.Integer(1))


@functools.cache
def compile_identity(identity: Identity) -> Compiled:
    """Parse and check every expression of ``identity``; raise with all problems found.

    Compiled once per identity (records are frozen and hashable): the loader's check compiles
    it, and the verifier, the handbook, the extension and citations reuse that result.
    """
    problems: list[Diagnostic] = []

    failed: set[str] = set()

    def report(key: str, exc: ExpressionError) -> None:
        if _uses_failed(exc, failed):
            return
        problems.append(Diagnostic(identity.where(key).shifted(exc.offset), exc.message, identity.id))

    shapes: dict[str, Shape] = {}
    dims: list[str] = []
    params: dict[str, tuple[int, int]] = {}
    for var in identity.variables:
        if var.integer is not None:
            params[var.name] = var.integer
            continue
        assert var.shape is not None
        for d in var.shape:
            if isinstance(d, str) and d not in dims:
                dims.append(d)
        shapes[var.name] = _shape(var.shape)
        if isinstance(var.rank, str) and var.rank not in dims:
            dims.append(var.rank)
        square_needed = set(var.properties) & set(SQUARE_PROPERTIES)
        shape = shapes[var.name]
        if square_needed and shape is not None and not same_shape(shape, (shape[0], shape[0])):
            problems.append(
                Diagnostic(
                    var.location,
                    f"variable {var.name} is {show_shape(shape)} but "
                    f"{', '.join(sorted(square_needed))} needs a square matrix",
                    identity.id,
                )
            )
    for d in identity.dimensions:
        if d in dims:
            problems.append(
                Diagnostic(identity.where("dimensions"), f"dimension {d!r} is already named by a shape", identity.id)
            )
        else:
            dims.append(d)
    for var in identity.variables:
        if var.name in STRUCTURED:
            problems.append(
                Diagnostic(
                    var.location,
                    f"{var.name!r} is the name of a function ({var.name}()); choose another name for the variable",
                    identity.id,
                )
            )
    clash = (set(dims) | set(params)) & set(shapes)
    for name in sorted(clash):
        problems.append(
            Diagnostic(identity.where("variables"), f"{name!r} is both a variable and a dimension", identity.id)
        )
    integers = frozenset(dims) | frozenset(params)
    random = _random_variables(identity, shapes, integers, problems)
    complex_vars = frozenset(v.name for v in identity.variables if v.complex)
    scope = Scope(shapes, integers, random=random, complex_vars=complex_vars)
    if complex_vars and identity.derivation:
        problems.append(
            Diagnostic(
                identity.where("derivation"),
                "a derivation is checked over real variables; "
                f"the complex {', '.join(sorted(complex_vars))} cannot have one",
                identity.id,
            )
        )
    named, failed_names, random_named = _definitions(identity, scope, problems)
    failed |= failed_names
    scope = replace(scope, named=named, random_named=random_named)
    constraints = []
    for i, text in enumerate(identity.constraints):
        try:
            constraints.append(parse_constraint(text, set(dims) | set(params)))
        except ExpressionError as exc:
            report(f"constraints.{i}", exc)
    nodes: dict[str, Node] = {}
    for key in ("lhs", "rhs"):
        try:
            nodes[key] = parse(getattr(identity, key), scope)
        except ExpressionError as exc:
            report(key, exc)
    # a side that uses a failed definition's name may have read it as something else (e, pi)
    if len(nodes) == 2 and not failed_names and not same_shape(nodes["lhs"].shape, nodes["rhs"].shape):
        problems.append(
            Diagnostic(
                identity.where("rhs"),
                f"the two sides have different shapes: {show_shape(nodes['lhs'].shape)} "
                f"and {show_shape(nodes['rhs'].shape)}",
                identity.id,
            )
        )
    if identity.is_inequality:
        complex_part = uses_complex(tuple(nodes.values()), complex_vars)
        if complex_part:
            problems.append(
                Diagnostic(
                    identity.where("lhs"),
                    f"'{identity.relation}' is checked over real values; "
                    f"{complex_part} is not supported in an inequality",
                    identity.id,
                )
            )
        for key, node in nodes.items():
            if not scalar_like(node.shape):
                problems.append(
                    Diagnostic(
                        identity.where(key),
                        f"'{identity.relation}' compares two scalars; this side is {show_shape(node.shape)}",
                        identity.id,
                    )
                )
        if identity.derivation:
            problems.append(
                Diagnostic(
                    identity.where("derivation"),
                    "a derivation is a chain of equalities; an inequality has none",
                    identity.id,
                )
            )
    steps = []
    step_scope = replace(scope, differentials=True)
    for i, step in enumerate(identity.derivation):
        try:
            node = parse(step.expr, step_scope)
            steps.append(CompiledStep(step.kind, node, step.because, step.location))
        except ExpressionError as exc:
            if not _uses_failed(exc, failed):
                message = f"step {i + 1}: {exc.message}"
                problems.append(Diagnostic(step.location.shifted(exc.offset), message, identity.id))
    used = {n.label for tree in (*nodes.values(), *scope.named.values(), *(s.node for s in steps)) for n in tree.walk()}
    for name in scope.named if not problems else ():  # a use may lie in a part that failed
        if name not in used:
            problems.append(
                Diagnostic(identity.where(f"where.{name}"), f"where: {name} is defined but never used", identity.id)
            )
    if problems:
        raise CatalogueError(problems)
    return Compiled(
        identity,
        scope,
        nodes["lhs"],
        nodes["rhs"],
        tuple(dims),
        params,
        tuple(constraints),
        tuple(steps),
        tuple(scope.named.items()),
    )


def _definitions(
    identity: Identity, scope: Scope, problems: list[Diagnostic]
) -> tuple[dict[str, Node], set[str], frozenset[str]]:
    """The ``where:`` definitions, parsed in order: each may use the variables and the earlier ones.
    Also the names whose definition failed (so that their uses are not reported again) and those
    that use a random variable (which, like it, may appear only inside E(), Var() or Cov())."""
    named: dict[str, Node] = {}
    failed: set[str] = set()
    random: set[str] = set()  # definitions that use a random variable: allowed only inside E()
    names = [name for name, _ in identity.definitions]
    for k, (name, text) in enumerate(identity.definitions):
        where = identity.where(f"where.{name}")
        # like a variable, a definition may share a function's name (d, the differential, is
        # the Cookbook's update vector): a call d(...) still means the function
        if name in scope.shapes or name in scope.integers or name in CONSTANTS:
            what = (
                "a variable"
                if name in scope.shapes
                else "a dimension or integer parameter"
                if name in scope.integers
                else "a constant"
            )
            message = f"where: {name!r} is already {what}; a definition needs a name of its own"
            problems.append(Diagnostic(where, message, identity.id))
            failed.add(name)
            continue
        try:
            named[name] = parse(text, replace(scope, named=dict(named), random_named=frozenset(random)), averaged=True)
            if any(n.op == "var" and n.value in scope.random for n in named[name].walk()):
                random.add(name)
        except ExpressionError as exc:
            quiet = _uses_failed(exc, failed)  # already reported where that definition failed
            failed.add(name)
            if quiet:
                continue
            message = exc.message
            later = next((n for n in names[k:] if exc.message == f"unknown symbol {n!r}"), None)
            if later is not None:
                place = "here" if later == name else "below"
                message = f"{later} is defined {place}; a definition may use only the ones above it"
            problems.append(Diagnostic(where.shifted(exc.offset), f"where {name}: {message}", identity.id))
    return named, failed, frozenset(random)


def _uses_failed(exc: ExpressionError, failed: set[str]) -> bool:
    """Whether ``exc`` only says that a definition which already failed is unknown."""
    return any(exc.message == f"unknown symbol {n!r}" for n in failed)


def _random_variables(
    identity: Identity, shapes: dict[str, Shape], integers: frozenset[str], problems: list[Diagnostic]
) -> dict[str, RandomVariable | None]:
    """The parsed distributions: mean and covariance over the fixed variables, with their shapes."""
    stated = [v for v in identity.variables if v.distribution is not None]
    fixed_scope = Scope(shapes, integers, random={v.name: None for v in stated})
    by_name = {v.name: v for v in identity.variables}
    out: dict[str, RandomVariable | None] = {}
    for var in stated:
        dist = var.distribution
        assert dist is not None
        shape = shapes[var.name]
        trees: dict[str, Node] = {}
        for key, text, where in (("mean", dist.mean, dist.mean_location), ("cov", dist.cov, dist.cov_location)):
            if text is None or where is None:
                continue
            try:
                trees[key] = parse(text, fixed_scope)
            except ExpressionError as exc:
                problems.append(Diagnostic(where.shifted(exc.offset), f"{var.name}: {key}: {exc.message}", identity.id))
        central: list[Node] = []
        for k, (text, where) in enumerate(zip(dist.central, dist.central_locations, strict=True)):
            try:
                tree = parse(text, fixed_scope)
            except ExpressionError as exc:
                message = f"{var.name}: central moment {k + 2}: {exc.message}"
                problems.append(Diagnostic(where.shifted(exc.offset), message, identity.id))
                continue
            if not same_shape(tree.shape, shape) or (shape is not None and not same_shape(shape, (shape[0], ONE))):
                problems.append(
                    Diagnostic(
                        where,
                        f"{var.name}: independent coordinates need a vector (or scalar) and central moments of its "
                        f"shape; got {show_shape(tree.shape)} for {show_shape(shape)}",
                        identity.id,
                    )
                )
            central.append(tree)
        if dist.family == "chi" and shape is not None:
            message = f"{var.name}: a chi variable is a positive scalar (declare shape: []), not {show_shape(shape)}"
            problems.append(Diagnostic(var.location, message, identity.id))
            continue
        size = ONE if shape is None else shape[0] * shape[1]
        want = {"mean": shape, "cov": None if shape is None else (size, size)}
        for key, tree in trees.items():
            if not same_shape(tree.shape, want[key]):
                where = dist.mean_location if key == "mean" else dist.cov_location
                problems.append(
                    Diagnostic(
                        where or var.location,
                        f"{var.name}: the {_parameter(dist.family, key)} is {show_shape(tree.shape)}, "
                        f"but {var.name} needs {show_shape(want[key])}"
                        + (" (the covariance of a matrix is that of its vec)" if key == "cov" and shape else ""),
                        identity.id,
                    )
                )
        cov = trees.get("cov")
        if cov is not None and cov.op == "var" and shape is not None:
            named = by_name.get(str(cov.value))
            if named is not None and "spd" not in named.properties:
                problems.append(
                    Diagnostic(
                        dist.cov_location or var.location,
                        f"{var.name}: the covariance {cov.value} must be declared spd (properties: [spd])",
                        identity.id,
                    )
                )
        if "mean" in trees:
            out[var.name] = RandomVariable(var.name, dist.family, trees["mean"], cov, tuple(central))
    return out


def _parameter(family: str, key: str) -> str:
    if key == "cov":
        return "covariance"
    return "number of degrees of freedom" if family == "chi" else "mean"


_ALLOWED_CMP = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)


def parse_constraint(text: str, names: set[str]) -> Constraint:
    if len(text) > 200:
        raise ExpressionError("constraint longer than 200 characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", max((exc.offset or 1) - 1, 0)) from None
    body = tree.body
    if not isinstance(body, ast.Compare) or not all(isinstance(op, _ALLOWED_CMP) for op in body.ops):
        raise ExpressionError("a constraint is a comparison such as 'n > m'")
    for node in ast.walk(body):
        if isinstance(node, ast.Name) and node.id not in names:
            raise ExpressionError(f"unknown dimension {node.id!r}", node.col_offset)
        allowed = (ast.Compare, ast.Name, ast.Load, ast.BinOp, ast.Add, ast.Sub, ast.Mult, *_ALLOWED_CMP)
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int) or isinstance(node.value, bool) or abs(node.value) > 1000:
                raise ExpressionError("constraint constants are small integers", node.col_offset)
        elif not isinstance(node, allowed):
            raise ExpressionError(
                f"{type(node).__name__} is not allowed in a constraint", getattr(node, "col_offset", 0)
            )
    return Constraint(text, tree)


def _compare(node: ast.AST, sizes: dict[str, int]) -> int | bool:
    if isinstance(node, ast.Compare):
        left = _compare(node.left, sizes)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _compare(right_node, sizes)
            ok = {
                ast.Gt: left > right,
                ast.GtE: left >= right,
                ast.Lt: left < right,
                ast.LtE: left <= right,
                ast.Eq: left == right,
                ast.NotEq: left != right,
            }[type(op)]
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        return sizes[node.id]
    if isinstance(node, ast.Constant):
        return int(node.value)  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp):
        a, b = _compare(node.left, sizes), _compare(node.right, sizes)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
    raise ExpressionError("bad constraint")
