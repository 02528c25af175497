"""Counts the seams of the issue "One home for orchestration", for its before/after note.

    PYTHONPATH=. .venv/bin/python scripts/seams.py [ROOT]      (ROOT: a checkout, default this one)

(a) Views with more than one domain call. A view: a function in blueprints/*.py with a decorator ending in
    .route/.get/.post/.put/.patch/.delete. A domain call: a call site `mod.f(...)` (or `mod.A.f(...)`) where
    `mod` is bound by an import to a module of tenants, telemetry, marketplace, billing, jobs, services or web,
    or `f(...)` (or `f.g(...)`) where `f` came `from <such a module> import f`, unless the name is a model class
    (one deriving from tenants.db.Base) or ends in "Error", and not the clock (tenants.clock.utcnow). Sites in
    same-module functions the view calls count too (transitively, each function once); each site counts once.
    The count leaves out calls into web.* (the request's session, error messages: glue, not the domain); in
    brackets with them. Per view, the details show both (the bracket there: without web.*).
(b) Per-tenant loops outside blueprints/: a `for` whose body enters `tenant_context(...)` with an argument
    using the loop variable, or ("hands on") a `for tenant...` over something naming tenants.
(c) Tables outside the wall: tables of tenants.db.Base.metadata with a tenant_id column whose mapped class is
    no tenants.db.TenantOwned (or none); ROOT's modules defining model classes are imported first.
(d) Copies of a duplicated concept: functions (or module bodies) with a line matching the concept's pattern
    in CONCEPTS (optionally only in some folders). A heuristic: the details name each copy, to check.
(e) Imports between modules of blueprints/ (not counting blueprints/__init__.py, the registrar; "(bp)": the
    target defines a Blueprint), and package cycles among tenants, telemetry, marketplace and billing: some
    module of A imports B and some module of B imports A (any import statement, also a nested one).
(f) GET views that commit: views answering GET only whose body (or a same-module helper) calls commit().
"""
from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

DOMAIN = ("tenants", "telemetry", "marketplace", "billing", "jobs", "web", "services")
CLOCK = {("tenants.clock", "utcnow")}
CORE = ("tenants", "telemetry", "marketplace", "billing")
VERBS = {"route", "get", "post", "put", "patch", "delete"}
CONCEPTS = (  # name, folders (empty: all), pattern
    ("money minor<->major, formatting", (),
     r"scaleb\(-?(get_currency_precision|precision)\b|(minor\)+|value)\.scaleb\(|format_currency\("),
    ("local today, local day bounds", (),
     r"astimezone\((ZoneInfo\([\w.]*\)|zone)\)\.date\(\)|def \w*today\w*\(|combine\(.*time\(0\), zone\)"),
    ("language normalising (zh -> zh_Hans)", (), r"startswith\(\"zh\"\)"),
    ("mail renderers", (), r"get_template\(f\"\{template\}\.txt\"\)|render_template\(f\"mail/"),
    ("admin guard (blueprints)", ("blueprints",), r"not .*is_platform_admin"),
    ("admin re-check (domain)", CORE, r"not .*is_platform_admin"),
    ("settings_from_env() callers (jobs)", ("jobs",), r"(?<!def )settings_from_env\(\)"),
)


class Module:
    """A parsed module of ROOT: dotted name, path relative to ROOT, source and syntax tree."""

    def __init__(self, root: Path, path: Path) -> None:
        self.path = path.relative_to(root).as_posix()
        self.name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source, self.path)


def load(root: Path) -> dict[str, Module]:
    """Every module of the domain packages and of blueprints/, by dotted name."""
    paths = (path for package in (*DOMAIN, "blueprints") for path in sorted((root / package).rglob("*.py")))
    return {module.name: module for module in (Module(root, path) for path in paths)}


def from_source(module: Module, node: ast.ImportFrom) -> str:
    """The absolute name of the module a `from ... import` statement imports from."""
    parts = module.name.split(".")
    base = ".".join(parts[:len(parts) - node.level + module.path.endswith("__init__.py")]) if node.level else ""
    return ".".join(p for p in (base, node.module) if p)


def imported(module: Module, node: ast.Import | ast.ImportFrom, modules: dict[str, Module]) -> list[str]:
    """The absolute names of the modules an import statement imports (`from p import m` gives p.m)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    source = from_source(module, node)
    return [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]


def bindings(module: Module, modules: dict[str, Module]) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, None) for a bound module, or (module, attribute) for a name taken from one."""
    bound: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            bound.update({a.asname or a.name.split(".")[0]: (a.name if a.asname else a.name.split(".")[0], None)
                          for a in node.names})
        elif isinstance(node, ast.ImportFrom):
            source = from_source(module, node)
            for alias in node.names:
                full = f"{source}.{alias.name}"
                bound[alias.asname or alias.name] = (full, None) if full in modules else (source, alias.name)
    return bound


def model_names(modules: dict[str, Module]) -> set[str]:
    """Names of the classes deriving, directly or through another such class, from tenants.db.Base."""
    found, grew = {"Base"}, True
    classes = [n for m in modules.values() for n in ast.walk(m.tree) if isinstance(n, ast.ClassDef)]
    while grew:
        grew = False
        for node in (c for c in classes if c.name not in found):
            if {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases} & found:
                found.add(node.name)
                grew = True
    return found - {"Base"}


def routes(node: ast.AST) -> list[ast.Call]:
    """The route decorators of a function (none: it is no view)."""
    decorators = node.decorator_list if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []
    return [d for d in decorators if isinstance(d, ast.Call) and getattr(d.func, "attr", None) in VERBS]


def get_only(view: ast.FunctionDef) -> bool:
    """Whether a view answers GET only (`.get`, or `.route` without methods or with just "GET")."""
    return any(r.func.attr == "get" or r.func.attr == "route" and next(
        (ast.unparse(k.value) for k in r.keywords if k.arg == "methods"), "['GET']") in ("['GET']", "('GET',)")
        for r in routes(view))


def root_name(func: ast.expr) -> tuple[str | None, str | None]:
    """The name a callee starts from and the attribute right after it (`a.b.c` -> ("a", "b"))."""
    first = None
    while isinstance(func, ast.Attribute):
        first, func = func.attr, func.value
    return (func.id, first) if isinstance(func, ast.Name) else (None, None)


def reach(view: ast.FunctionDef, local: dict[str, ast.FunctionDef]) -> list[ast.Call]:
    """The calls in the view's body and in the same-module functions it calls, transitively (each once)."""
    calls, seen, todo = [], {view.name}, [view]
    while todo:
        for node in (n for statement in todo.pop().body for n in ast.walk(statement)):
            if isinstance(node, ast.Call):
                calls.append(node)
                name = node.func.id if isinstance(node.func, ast.Name) else None
                if name in local and name not in seen:
                    seen.add(name)
                    todo.append(local[name])
    return calls


def domain_call(call: ast.Call, bound: dict, models: set[str]) -> str | None:
    """The domain module a call reaches through the module's imports; None for any other call."""
    name, first = root_name(call.func)
    target, attribute = bound.get(name, ("", None))
    symbol = attribute if attribute is not None else first
    if target.split(".")[0] not in DOMAIN or symbol is None or symbol in models or symbol.endswith("Error"):
        return None
    if (target, symbol) in CLOCK:  # reading the clock to hand a service `now` composes nothing
        return None
    return target


def views(modules: dict[str, Module], models: set[str]) -> list[tuple[str, int, int, bool]]:
    """Per view: "file:line name", domain calls, those not to web.*, and whether it is a GET that commits."""
    rows = []
    for module in (m for m in modules.values() if m.name.startswith("blueprints.")):
        bound = bindings(module, modules)
        local = {n.name: n for n in module.tree.body if isinstance(n, ast.FunctionDef)}
        for view in (n for n in ast.walk(module.tree) if routes(n)):
            calls = reach(view, local)
            sites = {(c.lineno, c.col_offset): domain_call(c, bound, models) for c in calls}
            targets = [t for t in sites.values() if t]
            commits = any("commit" in (root_name(c.func)[0], getattr(c.func, "attr", None)) for c in calls)
            rows.append((f"{module.path}:{view.lineno} {view.name}", len(targets),
                         sum(not t.startswith("web") for t in targets), commits and get_only(view)))
    return rows


def enclosing(module: Module) -> dict[int, str]:
    """Line number -> name of the innermost function around it (missing outside any)."""
    spans = sorted(((n.end_lineno - n.lineno, n.lineno, n.end_lineno, n.name) for n in ast.walk(module.tree)
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)), reverse=True)
    lines: dict[int, str] = {}
    for _length, start, end, name in spans:  # widest first: inner functions overwrite outer ones
        lines.update(dict.fromkeys(range(start, end + 1), name))
    return lines


def enters_context(loop: ast.For, names: set[str]) -> bool:
    """Whether a loop's body enters tenant_context(...) with an argument using one of the names."""
    for item in (i for w in ast.walk(loop) if isinstance(w, ast.With) for i in w.items):
        call = item.context_expr
        if isinstance(call, ast.Call) and ast.unparse(call.func).split(".")[-1] == "tenant_context":
            if names & {n.id for arg in call.args for n in ast.walk(arg) if isinstance(n, ast.Name)}:
                return True
    return False


def tenant_loops(modules: dict[str, Module]) -> list[str]:
    """ "file:line function" of every per-tenant loop outside blueprints/ (rule (b))."""
    found = []
    for module in (m for m in modules.values() if not m.name.startswith("blueprints")):
        where = enclosing(module)
        for loop in (n for n in ast.walk(module.tree) if isinstance(n, ast.For)):
            names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
            entered = enters_context(loop, names)
            if entered or (any(n.startswith("tenant") for n in names) and "tenant" in ast.unparse(loop.iter).lower()):
                found.append(f"{module.path}:{loop.lineno} {where.get(loop.lineno, '<module>')}"
                             + ("" if entered else " (hands on)"))
    return found


def outside_wall(root: Path, modules: dict[str, Module], models: set[str]) -> list[str]:
    """Tables with a tenant_id column whose model is no TenantOwned (rule (c)), from ROOT's models."""
    sys.path.insert(0, str(root))
    for module in modules.values():
        if any({ast.unparse(b).split(".")[-1] for b in getattr(n, "bases", ())} & (models | {"Base"})
               for n in module.tree.body):
            importlib.import_module(module.name)
    from tenants.db import Base, TenantOwned

    assert Path(sys.modules["tenants.db"].__file__).resolve().is_relative_to(root), "imported another checkout"
    mapped = {m.local_table.name: m.class_ for m in Base.registry.mappers}
    rows = []
    for name, table in sorted(Base.metadata.tables.items()):
        cls = mapped.get(name)
        if "tenant_id" in table.c and not (cls and issubclass(cls, TenantOwned)):
            rows.append(f"{name} ({cls.__module__}.{cls.__name__})" if cls else f"{name} (no mapped class)")
    return rows


def copies(modules: dict[str, Module]) -> dict[str, list[str]]:
    """Concept -> "file:line function" of each function with a line matching the concept (rule (d))."""
    found: dict[str, list[str]] = {name: [] for name, _, _ in CONCEPTS}
    for module in modules.values():
        where, package = enclosing(module), module.name.split(".")[0]
        for name, _folders, pattern in (c for c in CONCEPTS if not c[1] or package in c[1]):
            seen = set()
            for number, line in enumerate(module.source.splitlines(), 1):
                function = where.get(number, "<module>")
                if function not in seen and re.search(pattern, line):
                    seen.add(function)
                    found[name].append(f"{module.path}:{number} {function}")
    return found


def imports(modules: dict[str, Module]) -> tuple[list[str], list[str]]:
    """Blueprint-to-blueprint import edges, and package cycles with the imports behind them (rule (e))."""
    edges: set[str] = set()
    between: dict[tuple[str, str], set[str]] = {}
    for module in modules.values():
        for node in (n for n in ast.walk(module.tree) if isinstance(n, ast.Import | ast.ImportFrom)):
            for target in imported(module, node, modules):
                source_pkg, target_pkg = module.name.split(".")[0], target.split(".")[0]
                if source_pkg == target_pkg == "blueprints" and "blueprints" not in (module.name, target):
                    bp = " (bp)" if "Blueprint(" in getattr(modules.get(target), "source", "") else ""
                    edges.add(f"{module.path} -> {target}{bp}")
                elif source_pkg in CORE and target_pkg in CORE and source_pkg != target_pkg:
                    nested = " (not at top level)" if node.col_offset else ""
                    between.setdefault((source_pkg, target_pkg), set()).add(
                        f"{module.path}:{node.lineno} -> {target}{nested}")
    cycles = [f"{a} <-> {b}: " + "; ".join(sorted(between[a, b]) + sorted(between[b, a]))
              for a, b in sorted(between) if a < b and (b, a) in between]
    return sorted(edges), cycles


def unlisted(wall: list[str]) -> list[str]:
    """The tables outside the wall that tenants.db.TWO_SIDED_TABLES does not list (where ROOT has that list)."""
    listed = getattr(sys.modules.get("tenants.db"), "TWO_SIDED_TABLES", {})
    return [line for line in wall if line.split()[0] not in listed]


def main(argv: list[str]) -> None:
    """Print one line per measure, then the details."""
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
    modules = load(root)
    models = model_names(modules)
    rows, loops, wall = views(modules, models), tenant_loops(modules), outside_wall(root, modules, models)
    busy = sorted((r for r in rows if r[1] > 1), key=lambda r: (-r[1], r[0]))
    concepts, (edges, cycles), get_commits = copies(modules), imports(modules), [r[0] for r in rows if r[3]]
    core, bp_edges = sum(r[2] > 1 for r in rows), sum(e.endswith("(bp)") for e in edges)
    summary = [("(a) views with >1 domain call", f"{core} of {len(rows)} [{len(busy)} counting web.* glue too]"),
               ("(b) per-tenant loops", len(loops)),
               ("(c) tables outside the wall", f"{len(wall)} ({len(unlisted(wall))} not on a commented list)"),
               *((f"(d) {name}", len(found)) for name, found in concepts.items()),
               ("(e) blueprint-to-blueprint imports", f"{len(edges)} ({bp_edges} of a bp)"),
               ("(e) domain package cycles", len(cycles)), ("(f) GET views that commit", len(get_commits))]
    print(f"seams of {root}\n" + "\n".join(f"{label:<43}{value}" for label, value in summary))
    details = [("(a) domain calls [without web.*] per view", [f"{n:>2} [{c:>2}]  {v}" for v, n, c, _ in busy]),
               ("(b) loops", loops), ("(c) tables", wall), *((f"(d) {k}", v) for k, v in concepts.items()),
               ("(e) blueprint imports", edges), ("(e) cycles", cycles), ("(f) GET views that commit", get_commits)]
    for title, lines in details:
        print(f"\n{title}:\n" + ("\n".join(f"  {line}" for line in lines) or "  none"))


if __name__ == "__main__":
    main(sys.argv)
