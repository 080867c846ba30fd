"""The package's structure (DESIGN section 3): layers, no cycles, imports at the top, depth.

Every module of ``seaice_jax`` (and ``configs/``, installed as ``seaice_jax.configs``) is parsed
with ``ast``; every import of the package's own modules is an edge of the import graph, the
function-local ones included. Checked:

- no cycle between modules;
- a module imports only from its own layer or the layers before it in :data:`LAYERS` (a
  module's layer is the first name after ``seaice_jax.``; the package root is the bottom);
- no function-local import (of anything) except those in :data:`ALLOWED_LOCAL`, each with its
  reason, and the commands' one lazy import per handler (the exception documented in
  ``seaice_jax/commands/__init__.py``);
- the longest import chain has at most :data:`MAX_DEPTH` modules;
- the fusion rule and ``load_predictor`` are each defined once.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Bottom to top. A module may import from its own layer and any layer before it.
LAYERS = (
    ("errors", "names", "atomic", "plotting"),
    ("config",),
    ("distributed", "sharding"),
    ("geo",),
    ("io",),
    ("sar",),
    ("pm",),
    ("segmentation",),
    ("collocate",),
    ("sim",),
    ("data",),
    ("models",),
    ("losses",),
    ("train",),
    ("predictor",),
    ("infer",),
    ("fusion",),
    ("mosaic",),
    ("sit",),
    ("evaluate",),
    ("experiments",),
    # Entry points, and the config files (data that config.py loads by path; they may read the
    # library's defaults, e.g. configs/sic_s1.py -> seaice_jax.train.sic).
    ("cli", "__main__", "commands", "configs"),
)

#: Function-local imports that stay, with the reason (module, imported module) -> why.
ALLOWED_LOCAL = {
    ("seaice_jax.train.step", "chex"): "a test-only ([dev]) dependency, needed only with "
    "max_traces; a plain install has no chex",
}

#: Longest import chain, counted in modules: ``a -> b -> c`` is 3; a module without internal
#: imports is 1. An edge is an import statement as written (``from seaice_jax.io.products import
#: x`` is an edge to ``io.products``, ``from seaice_jax.io import x`` one to the package ``io``);
#: the parent packages Python initialises first are not counted. Measured: 13 before the
#: re-layout (commands.demo -> demo -> evaluate.case -> infer -> train -> ...), 10 after it
#: (commands.demo -> experiments.demo -> train.loop -> data.training -> sim.case ->
#: sim.calibration -> sim.pm -> sim.fields -> geo.grids -> errors).
MAX_DEPTH = 10


@cache
def modules() -> dict[str, Path]:
    """Module name -> file, for the package and the config files."""
    out = {}
    for base, prefix in (
        (ROOT / "seaice_jax", "seaice_jax"),
        (ROOT / "configs", "seaice_jax.configs"),
    ):
        for f in sorted(base.rglob("*.py")):
            parts = [prefix, *f.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = f
    return out


def _target(name: str) -> str | None:
    """The package module ``name`` refers to (the longest existing prefix), None if external."""
    if not name.startswith("seaice_jax"):
        return None
    while name not in modules() and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(mod: str) -> list[tuple[ast.stmt, str, bool]]:
    """(node, imported name, at module top) for every import statement of ``mod``."""
    path = modules()[mod]
    tree = ast.parse(path.read_text(), str(path))
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                full = f"{base}.{a.name}"
                out.append((node, full if _target(full) == full else base, id(node) in top))
    return out


@cache
def graph() -> dict[str, set[str]]:
    """Internal import edges, function-local imports included."""
    edges = defaultdict(set)
    for mod in modules():
        for _, name, _ in _imports(mod):
            t = _target(name)
            if t is not None and t != mod:
                edges[mod].add(t)
    return edges


def layer(mod: str) -> int:
    parts = mod.split(".")
    if len(parts) == 1:
        return 0  # the package root (seaice_jax/__init__.py: the error type, the version)
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i
    raise AssertionError(f"{mod}: no layer in LAYERS; place it (tests/test_layout.py)")


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph().get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in modules():
        if v not in index:
            visit(v)
    return out


def longest_chain() -> list[str]:
    """The longest import chain (a list of modules); an edge closing a cycle is not followed
    (cycles fail :func:`test_no_import_cycles`)."""
    best: dict[str, list[str]] = {}
    visiting: set[str] = set()

    def chain(v):
        if v not in best:
            visiting.add(v)
            tails = [chain(w) for w in graph().get(v, ()) if w not in visiting]
            visiting.discard(v)
            best[v] = [v, *max(tails, key=len, default=[])]
        return best[v]

    return max((chain(v) for v in modules()), key=len)


def test_no_import_cycles():
    assert _cycles() == []


def test_imports_follow_the_layers():
    bad = [
        f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, targets in graph().items()
        for b in sorted(targets)
        if layer(b) > layer(a)
    ]
    assert bad == []


def test_function_local_imports_are_justified():
    bad = []
    for mod in modules():
        local = [(node, name) for node, name, at_top in _imports(mod) if not at_top]
        if mod.startswith("seaice_jax.commands."):
            bad += _command_imports(mod, local)
            continue
        for node, name in local:
            if (mod, name.split(".")[0]) not in ALLOWED_LOCAL and (mod, name) not in ALLOWED_LOCAL:
                bad.append(f"{modules()[mod].name}:{node.lineno}: {ast.unparse(node)}")
    assert bad == []


def _command_imports(mod: str, local) -> list[str]:
    """A command handler may import the library lazily: one statement, from seaice_jax."""
    tree = ast.parse(modules()[mod].read_text())
    bad = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        stmts = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
        if len(stmts) > 1:
            bad.append(f"{mod}.{fn.name}: {len(stmts)} function-local imports (at most one)")
    for node, name in local:
        if not name.startswith("seaice_jax"):
            bad.append(f"{mod}:{node.lineno}: lazy import of {name} (only seaice_jax is lazy)")
    return bad


def test_import_chains_are_short():
    chain = longest_chain()
    assert len(chain) <= MAX_DEPTH, " -> ".join(chain)


def _definitions(name: str) -> list[str]:
    out = []
    for mod, path in modules().items():
        tree = ast.parse(path.read_text())
        out += [mod for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]
    return out


def test_one_fusion_rule_and_one_model_loader():
    assert _definitions("load_predictor") == ["seaice_jax.predictor"]
    assert _definitions("weights") == ["seaice_jax.fusion"]
    assert _definitions("representativeness") == ["seaice_jax.fusion"]
    # Only the fusion module uses the representativeness parameter kappa (the calibration
    # studies set it on a config, the config defines it): no other module holds the formula.
    readers = set()
    for mod, path in modules().items():
        for n in ast.walk(ast.parse(path.read_text())):
            if isinstance(n, ast.Attribute) and n.attr == "kappa":
                readers.add(mod)
    allowed = {"fusion", "configs.fusion", "experiments.case", "experiments.skill"}
    assert readers <= {f"seaice_jax.{m}" for m in allowed}


def test_pyproject_lists_every_package():
    """The setuptools package list (needed for the configs mapping) names every package."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {m for m, p in modules().items() if p.name == "__init__.py"}
    assert set(tool["packages"]) == found
    assert tool["package-dir"]["seaice_jax.configs"] == "configs"
