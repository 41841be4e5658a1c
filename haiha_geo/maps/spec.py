"""Map specifications: TOML files in ``maps/`` that declare a map.

A spec names the title, the layers (eras, merger views, user files, sites,
new-rural status), their styles, the before/after comparisons and the
controls. Unknown keys and wrong types are errors naming the file and key, so
a typo never silently drops a layer.

Example (``maps/mergers.toml`` has a complete one)::

    title = "Sáp nhập đơn vị hành chính huyện Hải Hà"
    tolerance_m = 20

    [[layers]]
    id = "era2019"
    kind = "era"
    era = "2019"

    [[compare]]
    left = "era2019"
    right = "era2020"
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haiha_geo import registry, timeline
from haiha_geo.authored import authored_path
from haiha_geo.errors import InputFileError

KINDS = ("era", "merger", "file", "sites", "ntm")
#: Kinds that expand to one layer per era (``eras``) or per reform (``mergers``), from boundaries/eras.toml.
GROUP_KINDS = ("eras", "mergers")
CONTROLS = ("search", "legend", "fullscreen", "measure", "mouse_position", "scale", "labels")
STYLE_KEYS = ("color", "weight", "opacity", "fillColor", "fillOpacity", "dashArray")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?$")
_LAYER_KEYS = {"id": str, "kind": str, "name": str, "era": str, "from": str, "to": str, "path": str,
               "show": bool, "labels": bool, "searchable": bool, "style": dict, "year": int, "first_year": int,
               "code_field": str, "crs": str, "colors": list}
_TOP_KEYS = {"title": str, "description": str, "tolerance_m": (int, float), "layers": list, "compare": list,
             "controls": dict, "print": dict}
#: Optional ``[print]`` table: what ``haiha-geo print`` puts on paper (haiha_geo.printing checks the values).
_PRINT_KEYS = {"layers": list, "paper": str, "orientation": str, "scale": int, "title": str}
_COMPARE_KEYS = {"name": str, "left": str, "right": str, "show": bool}


@dataclass
class LayerSpec:
    """One layer of a map."""

    id: str
    kind: str
    name: str = ""
    era: str | None = None
    from_era: str | None = None
    to_era: str | None = None
    path: str | None = None
    show: bool = True
    labels: bool = False
    searchable: bool = True
    style: dict[str, Any] = field(default_factory=dict)
    year: int | None = None
    first_year: int | None = None  # of a new-rural layer's year slider
    crs: str | None = None  # of a file layer that declares none
    code_field: str | None = None  # of a file layer: the column of its land-use codes (default: found)


@dataclass
class CompareSpec:
    """A before/after swipe between two layers of the map."""

    left: str
    right: str
    name: str = ""
    show: bool = False


@dataclass
class MapSpec:
    """A whole map, as declared in a spec file."""

    title: str
    layers: list[LayerSpec]
    compare: list[CompareSpec] = field(default_factory=list)
    controls: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(CONTROLS, True))
    tolerance_m: float | None = None
    description: str = ""
    source: str = "<built-in>"
    print: dict[str, Any] = field(default_factory=dict)

    @property
    def eras(self) -> list[str]:
        """Eras the map shows, in registry order."""
        used = {lay.era for lay in self.layers} | {lay.from_era for lay in self.layers} | {
            lay.to_era for lay in self.layers}
        if any(lay.kind == "ntm" for lay in self.layers):  # the year slider crosses every era
            used |= set(timeline.era_ids())
        return [e for e in timeline.era_ids() if e in used]


def _fail(where: str, key: str, problem: str) -> InputFileError:
    return InputFileError(f"{where}: key {key!r}: {problem}")


def _check_keys(table: dict, allowed: dict, where: str, prefix: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise _fail(where, f"{prefix}{key}", f"unknown key; expected one of {', '.join(allowed)}")
        expected = allowed[key]
        if isinstance(value, bool) and expected in (int, float, (int, float)):
            raise _fail(where, f"{prefix}{key}", "expected a number, not true/false")
        if not isinstance(value, expected):
            names = expected.__name__ if isinstance(expected, type) else "number"
            raise _fail(where, f"{prefix}{key}", f"expected {names}, got {type(value).__name__}")


def _era(value: Any, where: str, key: str) -> str:
    if str(value) not in timeline.era_ids():
        raise _fail(where, key, f"unknown era {value!r}; expected one of {', '.join(timeline.era_ids())}")
    return str(value)


def _style(style: dict, where: str, key: str) -> dict:
    for name, value in style.items():
        if name not in STYLE_KEYS:
            raise _fail(where, f"{key}.{name}", f"unknown style key; expected one of {', '.join(STYLE_KEYS)}")
        if name in ("color", "fillColor") and not (isinstance(value, str) and _COLOR.match(value)):
            raise _fail(where, f"{key}.{name}", f"expected a colour like '#1f78b4', got {value!r}")
        if name == "dashArray" and not (isinstance(value, str) and re.fullmatch(r"[0-9 ,.]+", value)):
            raise _fail(where, f"{key}.{name}", f"expected numbers like '4 4', got {value!r}")
        if name in ("weight", "opacity", "fillOpacity") and (isinstance(value, bool)
                                                             or not isinstance(value, (int, float))):
            raise _fail(where, f"{key}.{name}", f"expected a number, got {value!r}")
    return dict(style)


def _table(table: Any, where: str, section: str, i: int, allowed: dict, required: tuple[str, ...]) -> str:
    """Check one ``[[section]]`` table's keys, types and required keys; return its key prefix."""
    if not isinstance(table, dict):
        raise _fail(where, f"{section}[{i}]", f"expected a table ([[{section}]])")
    prefix = f"{section}[{i}]."
    _check_keys(table, allowed, where, prefix)
    for key in required:
        if key not in table:
            raise _fail(where, prefix + key, "missing")
    return prefix


def _layer(table: Any, where: str, i: int, base: Path) -> LayerSpec:
    prefix = _table(table, where, "layers", i, _LAYER_KEYS, ("id", "kind"))
    if not _ID.match(table["id"]):
        raise _fail(where, prefix + "id", f"{table['id']!r} is not a simple identifier (letters, digits, _ and -)")
    kind = table["kind"]
    if kind not in KINDS:  # (group kinds were expanded by _expand)
        raise _fail(where, prefix + "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS + GROUP_KINDS)}")
    need = {"era": ("era",), "merger": ("from", "to"), "file": ("path",)}.get(kind, ())
    for key in need:
        if key not in table:
            raise _fail(where, prefix + key, f"missing (required for kind {kind!r})")
    spec = LayerSpec(id=table["id"], kind=kind, name=table.get("name", ""), show=table.get("show", True),
                     labels=table.get("labels", False), searchable=table.get("searchable", kind == "era"),
                     style=_style(table.get("style", {}), where, prefix + "style"), year=table.get("year"),
                     first_year=table.get("first_year"), crs=table.get("crs"), code_field=table.get("code_field"))
    if "era" in table:
        spec.era = _era(table["era"], where, prefix + "era")
    if kind == "merger":
        spec.from_era = _era(table["from"], where, prefix + "from")
        spec.to_era = _era(table["to"], where, prefix + "to")
        if timeline.era_ids().index(spec.from_era) >= timeline.era_ids().index(spec.to_era):
            raise _fail(where, prefix + "to", f"era {spec.to_era} must come after {spec.from_era}")
    if "path" in table:
        path = Path(table["path"]).expanduser()
        spec.path = str(path if path.is_absolute() else base / path)
    return spec


def _expand(table: Any, where: str, i: int) -> list[Any]:
    """A ``kind = "eras"`` table as one era layer per era, a ``kind = "mergers"`` table as one merger layer per
    reform (ids ``ID + era``; names from boundaries/eras.toml); any other table as itself.

    ``eras`` takes ``colors`` (outline colours, cycled over the eras) and shows the era in force; a map spec
    that uses these kinds draws every era, so a new reform in the registry appears without editing the spec.
    """
    if not isinstance(table, dict) or table.get("kind") not in GROUP_KINDS:
        return [table]
    prefix = _table(table, where, "layers", i, _LAYER_KEYS, ("id", "kind"))
    base = {k: v for k, v in table.items() if k not in ("kind", "colors", "name")}
    colors = table.get("colors") or ["#333333"]
    if table["kind"] == "eras":
        return [{**base, "kind": "era", "id": f"{table['id']}{e.id}", "era": e.id,
                 "name": f"{e.label_vi[:1].upper()}{e.label_vi[1:]} ({e.summary_vi})",
                 "show": table.get("show", e is timeline.eras()[-1]),
                 "style": {"color": colors[n % len(colors)], **table.get("style", {})}}
                for n, e in enumerate(timeline.eras())]
    acts = registry.acts_table().set_index("act_id")["number"]
    if not timeline.steps():
        raise _fail(where, prefix + "kind", "the registry declares one era only: there is no reform to show")
    return [{**base, "kind": "merger", "id": f"{table['id']}{new.id}", "from": old.id, "to": new.id,
             "name": f"Sáp nhập {new.valid_from.year} ({acts.get(new.opened_by, new.opened_by)})",
             "show": table.get("show", False)} for old, new in timeline.steps()]


def _compare(table: Any, where: str, i: int, ids: set[str]) -> CompareSpec:
    prefix = _table(table, where, "compare", i, _COMPARE_KEYS, ("left", "right"))
    for key in ("left", "right"):
        if table[key] not in ids:
            raise _fail(where, prefix + key, f"no layer with id {table[key]!r}; layers: {', '.join(sorted(ids))}")
    return CompareSpec(left=table["left"], right=table["right"], name=table.get("name", ""),
                       show=table.get("show", False))


def _print_layers(wanted: list, where: str, ids: list[str]) -> None:
    """``[print] layers`` must name declared layers, by their id (a string)."""
    bad = [w for w in wanted if not isinstance(w, str) or w not in ids]
    if bad:
        raise _fail(where, "print.layers", f"{', '.join(repr(b) for b in bad)} name no layer of the spec; give "
                                           f"layer ids (strings) among: {', '.join(ids)}")


def parse_spec(data: dict, where: str = "<spec>", base: Path | None = None) -> MapSpec:
    """Validate a spec's TOML content and return a :class:`MapSpec`.

    Raises
    ------
    InputFileError
        Naming ``where`` and the offending key.

    Examples
    --------
    >>> spec = parse_spec({"title": "Hải Hà 2019", "layers": [{"id": "a", "kind": "era", "era": "2019"}]})
    >>> spec.eras, spec.layers[0].kind
    (['2019'], 'era')
    >>> parse_spec({"title": "x", "layers": [{"id": "a", "kind": "era", "era": "1990"}]})
    Traceback (most recent call last):
    ...
    haiha_geo.errors.InputFileError: <spec>: key 'layers[0].era': unknown era '1990'; expected one of 2019, 2020, 2025
    >>> parse_spec({"title": "x", "layers": [{"id": "a", "kind": "era", "era": "2019"}],
    ...             "print": {"layers": ["nosuch", 5]}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    haiha_geo.errors.InputFileError: <spec>: key 'print.layers': 'nosuch', 5 name no layer of the spec; give ...
    """
    base = base or Path.cwd()
    _check_keys(data, _TOP_KEYS, where, "")
    if "title" not in data:
        raise _fail(where, "title", "missing")
    if not data.get("layers"):
        raise _fail(where, "layers", "missing or empty: declare at least one [[layers]] table")
    tables = [t for i, table in enumerate(data["layers"]) for t in _expand(table, where, i)]
    layers = [_layer(t, where, i, base) for i, t in enumerate(tables)]
    ids = [lay.id for lay in layers]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise _fail(where, "layers", f"layer id {dup!r} is used twice")
    compare = [_compare(t, where, i, set(ids)) for i, t in enumerate(data.get("compare", []))]
    controls = dict.fromkeys(CONTROLS, True)
    for key, value in data.get("controls", {}).items():
        if key not in CONTROLS:
            raise _fail(where, f"controls.{key}", f"unknown control; expected one of {', '.join(CONTROLS)}")
        if not isinstance(value, bool):
            raise _fail(where, f"controls.{key}", "expected true or false")
        controls[key] = value
    _check_keys(data.get("print", {}), _PRINT_KEYS, where, "print.")
    _print_layers(data.get("print", {}).get("layers", []), where, ids)
    tolerance = data.get("tolerance_m")
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise _fail(where, "tolerance_m", f"must be a finite positive number of metres, got {tolerance!r}")
    return MapSpec(title=data["title"], layers=layers, compare=compare, controls=controls,
                   tolerance_m=None if tolerance is None else float(tolerance),
                   description=data.get("description", ""), source=where, print=dict(data.get("print", {})))


def _spec_path(path: str | Path | None) -> Path:
    """The spec file: ``path`` itself, else a shipped spec of that name (``mergers`` → ``maps/mergers.toml``)."""
    if path is None:
        return authored_path("maps", "district.toml")
    given = Path(path)
    if given.is_file():
        return given
    shipped = authored_path("maps", given.name if given.suffix == ".toml" else f"{given.name}.toml")
    if shipped.is_file() and given.parent in (Path("."), Path("maps")):
        return shipped
    raise InputFileError(f"map spec {path} does not exist; shipped specs: "
                         + ", ".join(sorted(p.stem for p in shipped.parent.glob("*.toml"))))


def load_spec(path: str | Path | None = None) -> MapSpec:
    """Read and validate a spec file; ``None`` reads the default district map (``maps/district.toml``).

    A bare name (``mergers``) or ``maps/NAME.toml`` that is not a file in the
    working directory names a shipped spec, so the command works from an
    installed wheel too.

    Examples
    --------
    >>> load_spec().eras
    ['2019', '2020', '2025']
    >>> load_spec("mergers").title
    'Huyện Hải Hà: sáp nhập đơn vị hành chính 2020 và 2025'
    """
    path = _spec_path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    return parse_spec(data, where=str(path), base=path.parent)
