"""The package's import layers, read from its own source (ast), and the page that shows them.

Each module belongs to one layer; it may import only modules of its own layer
or below, and never inside a function (deferred imports hide cycles), except
optional third-party dependencies and the command line's lazy loading of the
command it runs. ``docs/architecture.md`` is generated from :data:`LAYERS`:
``python tests/test_architecture.py`` rewrites it, and a test fails when it is stale.
"""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "haiha_geo"
DOC = ROOT / "docs" / "architecture.md"

#: Layers, lowest first: (name, what it holds, module patterns; "pkg.*" = the package and its modules).
LAYERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("foundation", "errors and warnings, version, caches, settings, checks of user values, hand-written text "
                   "files, authored-data reader, coded land-use vocabularies, place, CRS, geometry helpers, "
                   "writing outputs, reading vector files, reference sources, the on-disk cache, the measured "
                   "generalisation of the sources, dossier fields of drawings and forms, table formats, the "
                   "report-table model and its forms, the DOCX writer",
     ("haiha_geo._version", "haiha_geo.errors", "haiha_geo._cache", "haiha_geo.config", "haiha_geo.values",
      "haiha_geo.textfile", "haiha_geo.authored", "haiha_geo.land_codes", "haiha_geo.place", "haiha_geo.crs",
      "haiha_geo.geometry", "haiha_geo.io", "haiha_geo.vector_io", "haiha_geo.sources", "haiha_geo.disk_cache",
      "haiha_geo.generalisation",
      "haiha_geo.dossier", "haiha_geo._output", "haiha_geo.report", "haiha_geo.report_docx")),
    ("registry", "eras, units, acts, lineage, names: pure look-ups, no geometry; the one validation of the "
                 "authored files",
     ("haiha_geo.timeline", "haiha_geo.authored_checks", "haiha_geo.registry", "haiha_geo.names")),
    ("eras", "the era hierarchy (atoms) and the unit layers of every era", ("haiha_geo.eras",)),
    ("analyses", "crosswalks and look-up into an era, reaggregation, re-keying of records, area statistics, "
                 "overlay, project sites, new-rural status, zoning, land statistics by unit, the report tables of "
                 "the analyses",
     ("haiha_geo.crosswalks", "haiha_geo.rekey", "haiha_geo.area_stats", "haiha_geo.overlay", "haiha_geo.project_sites",
      "haiha_geo.ntm", "haiha_geo.zoning.*", "haiha_geo.report_tables", "haiha_geo.landstat")),
    ("validation", "the data report of `haiha-geo validate`", ("haiha_geo.validation",)),
    ("rendering", "HTML maps, printed maps and atlases, GeoPackage/Shapefile exchange",
     ("haiha_geo.maps.*", "haiha_geo.printing.*", "haiha_geo.exchange.*")),
    ("cli", "argparse, output formats and exit codes: the only place that knows them",
     ("haiha_geo.cli", "haiha_geo.cli.*", "haiha_geo.__main__")),
]
#: The package root re-exports names lazily (PEP 562): it imports only the version eagerly.
ROOT_MODULE = "haiha_geo"


def modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def layer_of(module: str) -> int:
    for i, (_, _, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            base = pattern.removesuffix(".*")
            if module == base or (pattern.endswith(".*") and module.startswith(base + ".")):
                return i
    raise AssertionError(f"module {module} is in no layer: add it to LAYERS in tests/test_architecture.py")


def imports(module: str, path: pathlib.Path, known: dict[str, pathlib.Path]) -> list[tuple[str, bool, int]]:
    """``(imported haiha_geo module, deferred?, line)`` for every import of ``module`` (TYPE_CHECKING skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
               for n in ast.walk(node)}
    deferred = {id(n) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                head = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(head + ([node.module] if node.module else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        targets = set()
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        if isinstance(node, ast.ImportFrom) and len(targets) > 1:
            targets.discard(base)  # "from haiha_geo.x import y" names the submodule y, not the package x
        out += [(t, id(node) in deferred, node.lineno) for t in sorted(targets)]
    return out


def graph() -> dict[str, list[tuple[str, bool, int]]]:
    known = modules()
    return {m: imports(m, p, known) for m, p in known.items()}


def violations() -> list[str]:
    found = []
    for module, edges in graph().items():
        if module == ROOT_MODULE:
            found += [f"haiha_geo/__init__.py:{line} imports {t} eagerly; re-export it through _EXPORTS"
                      for t, deferred, line in edges if t != "haiha_geo._version"]
            continue
        mine = layer_of(module)
        for target, deferred, line in edges:
            if target == ROOT_MODULE:
                found.append(f"{module}:{line} imports the package root; import the defining module")
                continue
            theirs = layer_of(target)
            if theirs > mine:
                found.append(f"{module}:{line} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]}), "
                             "a higher layer")
            if deferred and LAYERS[mine][0] != "cli":
                found.append(f"{module}:{line} imports {target} inside a function; import it at the top")
    return found


def cycles() -> list[list[str]]:
    edges = {m: {t for t, _, _ in e} for m, e in graph().items()}
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def render() -> str:
    """The text of docs/architecture.md."""
    mods = sorted(modules())
    lines = ["# Architecture: the import layers of haiha_geo", "",
             "Generated from `LAYERS` in `tests/test_architecture.py` (`python tests/test_architecture.py` "
             "rewrites this page; the test suite fails when it is stale). A module imports only from its own",
             "layer or a lower one, at the top of the file: function-local imports are kept for optional",
             "third-party dependencies and for the command line's lazy loading of the command it runs. The",
             "package root `haiha_geo` re-exports the public names lazily.", "",
             "| layer | what | modules |", "|---|---|---|"]
    for i, (name, what, _) in reversed(list(enumerate(LAYERS))):
        members = ", ".join(f"`{m.removeprefix('haiha_geo.')}`" for m in mods if m != ROOT_MODULE and layer_of(m) == i)
        lines.append(f"| {i}. {name} | {what} | {members} |")
    lines += ["", "Where to add things:", "",
              "- **The next reform**: data only, in `boundaries/` (see `boundaries/README.md`, *Adding a reform*).",
              "- **Another place** (district, province): a folder of authored files with its own",
              "  `boundaries/place.toml`, named by `HAIHA_GEO_REGISTRY` or `registry_dir` in `haiha-geo.toml`.",
              "- **A new map layer type**: a builder function in `haiha_geo/maps/`, listed in the builders table of",
              "  `haiha_geo/maps/builder.py`; the spec key it reads in `haiha_geo/maps/spec.py`.",
              "- **A new output format**: one function in the output layer `haiha_geo/cli/output.py`.",
              "- **A new command**: a module in `haiha_geo/cli/` that adds its parser and calls the library.", ""]
    return "\n".join(lines)


def test_every_module_has_a_layer():
    for module in modules():
        if module != ROOT_MODULE:
            layer_of(module)


def test_imports_only_go_down():
    assert violations() == []


def test_no_import_cycle():
    assert cycles() == []


def test_no_module_is_shadowed_by_a_name_of_its_package():
    import importlib

    for module in modules():
        parent, _, name = module.rpartition(".")
        if parent:
            value = getattr(importlib.import_module(parent), name, None)
            if value is not None:
                assert getattr(value, "__name__", None) == module, f"{parent}.{name} is not the module {module}"


def test_the_architecture_page_is_current():
    stale = "docs/architecture.md is stale: run python tests/test_architecture.py"
    assert DOC.read_text(encoding="utf-8") == render(), stale


def test_the_root_exports_exactly_its_lazy_names():
    import haiha_geo

    assert set(haiha_geo.__all__) - {"__version__"} == set(haiha_geo._EXPORTS)


@pytest.mark.parametrize("name", ["units", "crosswalk", "stats", "sites", "lineage", "build_map", "validate"])
def test_public_names_load_lazily(name):
    import haiha_geo

    assert callable(getattr(haiha_geo, name))


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
