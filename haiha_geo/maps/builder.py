"""Build a map from a spec: simplified era layers, merger views, user files, provenance."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

import haiha_geo.maps.page as page
import haiha_geo.maps.thematic as thematic
import haiha_geo.maps.userlayer as userlayer
from haiha_geo import eras as eras_model
from haiha_geo import registry, sources, timeline
from haiha_geo._cache import cached
from haiha_geo._version import __version__
from haiha_geo.authored import authored_dir
from haiha_geo.crs import PIPELINE, PLANNING_CRS, PROVENANCE, to_geographic, to_planning
from haiha_geo.errors import InputFileError, LargeOutputWarning
from haiha_geo.io import write_atomic
from haiha_geo.land_codes import PLAN_FILL_OPACITY, label_column, plan_code, plan_code_column, plan_symbols
from haiha_geo.maps.context import (
    CONFIDENCE_TAGS,
    FOOTPRINT_OBJECT,
    PALETTE,
    Build,
    geojson_features,
    label_min_zoom,
    label_point,
    layer_style,
    present,
    tagged,
    vn_date,
    vn_number,
)
from haiha_geo.maps.payload import Payload, projection
from haiha_geo.maps.spec import LayerSpec, MapSpec, load_spec
from haiha_geo.maps.topology import (
    DEFAULT_TOLERANCE_M,
    SimplifyReport,
    Topology,
    decode,
    displacement,
    encode,
    first_use,
    grid_digits,
    simplify_hierarchy,
    simplify_layer,
)
from haiha_geo.place import place
from haiha_geo.report_tables import what_happened
from haiha_geo.values import positive_number
from haiha_geo.vector_io import read_layer

#: How a predecessor went on ("… xã Quảng Hà") and how a successor received it ("xã Quảng Long (…)"), by
#: :func:`haiha_geo.report_tables.what_happened`.
RELATIONS_OUT = {"continues_enlarged": "tiếp tục là", "continues_code_kept": "nhập vào (giữ mã)",
                 "merged_into": "nhập vào", "split_part": "một phần nhập vào",
                 "split_remainder": "phần còn lại thuộc", "unchanged": "giữ nguyên là"}
RELATIONS_IN = {"continues_enlarged": "tiếp tục, mở rộng", "continues_code_kept": "nhập vào, giữ mã",
                "merged_into": "nhập vào", "split_part": "một phần",
                "split_remainder": "phần còn lại", "unchanged": "giữ nguyên"}
LABELS = {"search": "Tìm xã, thị trấn…", "noResult": "Không tìm thấy", "legend": "Chú giải",
          "fullscreen": "Toàn màn hình", "measure": "Đo khoảng cách, diện tích (VN-2000)",
          "measureHint": "Nhấp lên bản đồ để đo", "length": "Chiều dài", "area": "Diện tích",
          "mouseHint": "Di chuột trên bản đồ để xem toạ độ", "compare": "Kéo để so sánh trước/sau",
          "year": "Năm", "status": "Trạng thái cuối năm", "source": "Căn cứ", "formerly": "tên cũ",
          "searchShort": "Tìm kiếm…", "zoomIn": "Phóng to", "zoomOut": "Thu nhỏ", "layers": "Các lớp bản đồ",
          "leaflet": "Thư viện bản đồ Leaflet", "below": "Tại điểm này"}
#: The search box's hint when user layers are searched too (by their attribute values).
SEARCH_WITH_LAYERS = "Tìm xã, thị trấn, đối tượng của lớp…"
CONFIDENCE_TITLE = "Mức tin cậy (sau số liệu, ngày)"
CRS_TEXT = ("hiển thị EPSG:4326 (WGS 84); toạ độ phẳng EPSG:5899 (VN-2000 / TM-3 107°45′, k0 = 0,9999)")
#: A page above this size (bytes) opens slowly in a browser and is hard to share: building it warns.
LARGE_PAGE_BYTES = 20 * 1024 * 1024


@dataclass
class MapResult:
    """A rendered map page and the figures of how it was made.

    Attributes
    ----------
    html : str
        The page.
    stats : dict
        ``vertices_before``, ``vertices_after`` (per era, summed), ``stored_vertices``
        (shared borders counted once), ``max_displacement_m`` (and
        ``layer_displacement_m`` per layer: measured on what the page stores), ``tolerance_m``,
        ``html_bytes``, ``data_bytes`` (the JSON data block) and ``build_seconds``.
    inputs : tuple of Path
        The files the page was built from (the spec file and user layers).
    """

    html: str
    stats: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()

    def save(self, path: str | Path) -> Path:
        """Write the page atomically to ``path`` and return the path.

        Raises
        ------
        OutputPathError
            ``path`` is one of :attr:`inputs` (the toolkit never writes over
            the files it read), a folder, or in a missing or read-only folder.
        """
        return write_atomic(path, self.html, self.inputs)


# ---- small formatting helpers ---------------------------------------------------------------------------

# ---- era layers -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapRegistry:
    """The registry tables a map needs, as plain dicts and records (read once per build)."""

    names: dict[str, str]
    acts: dict[str, dict[str, str]]
    lineage: tuple[dict[str, Any], ...]
    aliases: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls) -> MapRegistry:
        units = registry.units_table()
        names = dict(zip(units["unit_id"], [f"{t} {n}" for t, n in zip(units["type"], units["name"])]))
        acts = {row["act_id"]: _act_record(row) for row in registry.acts_table().to_dict("records")}
        aliases: dict[str, tuple[str, ...]] = {}
        for alias, unit_id in registry.aliases_table()[["alias", "unit_id"]].itertuples(index=False):
            aliases[unit_id] = (*aliases.get(unit_id, ()), alias)
        return cls(names, acts, tuple(registry.lineage_table().to_dict("records")), aliases)

    def act(self, act_id: Any) -> dict[str, str]:
        """Number, title and the tagged dates of an act: adopted, in force, units operate (empty when unknown)."""
        return self.acts.get(act_id, {}) if present(act_id) else {}

    def relation(self, row: dict[str, Any], words: dict[str, str]) -> str:
        """The words of a lineage ``row``'s relation: what happened to the unit (a code kept is not a unit kept)."""
        key = what_happened(row["relation"], self.names[row["from_unit_id"]] == self.names[row["to_unit_id"]])
        return words.get(key, key)

    def links(self, key: str, unit_id: str) -> list[dict[str, Any]]:
        """Lineage rows whose ``key`` (``from_unit_id`` or ``to_unit_id``) is ``unit_id``."""
        return [r for r in self.lineage if r[key] == unit_id]


#: Popup labels of an act's dates (keys of :func:`_act_record`).
ACT_DATES = {"signed": "Ngày thông qua (ký)", "in_force": "Ngày có hiệu lực",
             "units_operate_from": "Đơn vị mới hoạt động từ"}
#: Computed and published areas differing by more than this share are explained in the popup.
AREA_GAP = 0.10
AREA_GAP_WHY = ("ranh giới trên bản đồ dừng ở đường bờ; diện tích tự nhiên công bố tính đến đường mép nước "
                "thấp nhất trung bình nhiều năm, gồm cả bãi triều")


def _act_record(row: dict) -> dict[str, str]:
    """An act's number, title and each known date with its confidence mark (``acts.csv``)."""
    record = {"number": str(row["number"]), "title": str(row["title"])}
    for key, tag in (("signed", "signed_confidence"), ("in_force", "in_force_confidence"),
                     ("units_operate_from", "units_operate_confidence")):
        if present(row.get(key)):
            record[key] = tagged(vn_date(row[key]), row.get(tag))
    record["effective"] = tagged(vn_date(row["effective"]), row.get("effective_confidence"))
    return record


def act_summary(act: dict[str, str]) -> str:
    """One line: number and each known date named for what it is.

    Examples
    --------
    >>> act_summary({"number": "837/NQ-UBTVQH14", "signed": "17/12/2019 [C]", "in_force": "01/02/2020 [I]"})
    '837/NQ-UBTVQH14: thông qua 17/12/2019 [C]; hiệu lực 01/02/2020 [I]'
    """
    words = {"signed": "thông qua", "in_force": "hiệu lực", "units_operate_from": "đơn vị mới hoạt động từ"}
    dates = [f"{word} {act[key]}" for key, word in words.items() if act.get(key)]
    return f"{act['number']}: {'; '.join(dates)}"


def _act_rows(act: dict[str, str]) -> list[list[str]]:
    return [[label, act[key]] for key, label in ACT_DATES.items() if act.get(key)]


def _area_rows(unit: dict) -> list[list[str]]:
    """Map area, published area (with its tag) and, when they differ by more than :data:`AREA_GAP`, why."""
    mapped = float(unit["area_ha"])
    rows = [["Diện tích bản đồ", f"{vn_number(mapped)} ha"]]
    if present(unit.get("official_area_ha")):
        published = float(unit["official_area_ha"])
        rows.append(["Diện tích tự nhiên công bố", tagged(f"{vn_number(published, 0)} ha",
                                                          unit.get("official_area_confidence"))])
        gap = (mapped - published) / published
        if abs(gap) > AREA_GAP:
            rows.append(["Chênh lệch diện tích", f"bản đồ {'nhỏ' if gap < 0 else 'lớn'} hơn công bố "
                                                 f"{vn_number(abs(gap) * 100, 0)} %: {AREA_GAP_WHY}"])
    return rows


def _unit_rows(unit: dict, reg: MapRegistry) -> list[list[str]]:
    rows = [["Mã đơn vị", str(unit["code"])], ["Loại", str(unit["type"])],
            ["Hiệu lực", f"{vn_date(unit['valid_from'])} – {vn_date(unit['valid_to'])}"], *_area_rows(unit)]
    if present(unit.get("population")):
        rows.append(["Dân số", tagged(f"{vn_number(float(unit['population']), 0)} ({unit.get('population_year')})",
                                      unit.get("population_confidence"))])
    before = [f"{reg.names[r['from_unit_id']]} ({reg.relation(r, RELATIONS_IN)})"
              for r in reg.links("to_unit_id", unit["unit_id"])]
    after = [f"{reg.relation(r, RELATIONS_OUT)} {reg.names[r['to_unit_id']]}"
             for r in reg.links("from_unit_id", unit["unit_id"])]
    if reg.aliases.get(unit["unit_id"]):
        rows.append(["Tên cũ", "; ".join(reg.aliases[unit["unit_id"]])])
    if before:
        rows.append(["Tiền thân", "; ".join(before)])
    if after:
        rows.append(["Kế tục", "; ".join(after)])
    created = reg.act(unit.get("created_by"))
    if created and before:
        rows.append(["Văn bản thành lập", act_summary(created)])
    elif created:  # no predecessor: the act opened the era (e.g. created the district), not this unit
        rows.append(["Văn bản đầu thời kỳ", f"{act_summary(created)} ({created['title']}; "
                                             "không phải văn bản thành lập đơn vị này)"])
    ended = reg.act(unit.get("ended_by"))
    if ended:
        rows.append(["Văn bản chấm dứt", act_summary(ended)])
    return rows


def _era_features(b: Build, era: str, reg: MapRegistry, geometry: _EraGeometry) -> list[dict]:
    """Popup, tooltip and label properties of each unit of ``era``, in registry order."""
    table = registry.units_table(era)
    areas = geometry.areas[era]
    props = []
    for i, unit in enumerate(table.to_dict("records")):
        unit["area_ha"] = areas[unit["unit_id"]]
        props.append({"title": f"{unit['type']} {unit['name']}", "label": unit["name"],
                      "lp": geometry.label_points[era][i], "lz": label_min_zoom(unit["area_ha"]),
                      "fill": PALETTE[i % len(PALETTE)], **({"aka": list(reg.aliases[unit["unit_id"]])}
                                                             if unit["unit_id"] in reg.aliases else {}),
                      "rows": _unit_rows(unit, reg), "unit_id": unit["unit_id"]})
    return props


def _label(era_id: str) -> str:
    """The era's Vietnamese label (``boundaries/eras.toml``), e.g. ``từ 01/07/2025``."""
    return timeline.era(era_id).label_vi


#: Path options of the boundary layers: district-sized polygons of a few thousand simplified vertices,
#: which Leaflet draws whole faster than it clips them to the view (the first paint: ~4 ms of ~20).
BOUNDARY_PATH = {"noClip": True}


def _era_layer(b: Build, spec: LayerSpec) -> dict:
    style = layer_style(spec, **BOUNDARY_PATH)
    return {"id": spec.id, "name": spec.name or f"Đơn vị hành chính {_label(spec.era)}", "objects": [spec.era],
            "tipSuffix": f" ({_label(spec.era)})", "group": "era",
            "show": spec.show, "labels": spec.labels and b.spec.controls.get("labels", True),
            "searchable": spec.searchable, "style": style,
            "legend": [{"label": f"Ranh giới {registry.unit_types(spec.era)} ({_label(spec.era)})",
                        "color": style["color"]},
                       {"label": "Nền: mỗi đơn vị một màu (chỉ để phân biệt)", "color": style["color"],
                        "fills": list(dict.fromkeys(p["fill"] for p in b.era_props.get(spec.era, [])))}]}


# ---- merger layers --------------------------------------------------------------------------------------

def _merger_layer(b: Build, spec: LayerSpec) -> dict:
    """Successors formed by a merger or split (filled) and their predecessors (dashed outlines)."""
    era_props, reg = b.era_props, b.registry
    step = [r for r in reg.lineage if r["from_unit_id"].startswith(f"{spec.from_era}/")
            and r["to_unit_id"].startswith(f"{spec.to_era}/")]
    changed_to = {r["to_unit_id"] for r in step if r["relation"] != "unchanged"}
    involved_from = {r["from_unit_id"] for r in step if r["to_unit_id"] in changed_to}
    succ_name, pred_name = f"{spec.id}:after", f"{spec.id}:before"
    b.objects[succ_name] = [
        {"arcs": obj["arcs"], "properties": _successor_props(p, [r for r in step if r["to_unit_id"] == p["unit_id"]],
                                                             reg)}
        for obj, p in zip(b.objects[spec.to_era], era_props[spec.to_era]) if p["unit_id"] in changed_to]
    b.objects[pred_name] = [
        {"arcs": obj["arcs"], "properties": _predecessor_props(
            p, [r for r in step if r["from_unit_id"] == p["unit_id"]], reg)}
        for obj, p in zip(b.objects[spec.from_era], era_props[spec.from_era]) if p["unit_id"] in involved_from]
    style = layer_style(spec, color="#d7263d", weight=2.5, fillColor="#fdd0a2", fillOpacity=0.45, **BOUNDARY_PATH)
    return {"id": spec.id, "name": spec.name or f"Sáp nhập {_label(spec.to_era)}",
            "objects": [succ_name, pred_name], "show": spec.show, "labels": False,
            "searchable": spec.searchable, "style": style,
            "legend": [{"label": "Đơn vị mới (sáp nhập, chia tách)", "color": style["color"],
                        "fill": style["fillColor"]},
                       {"label": f"Ranh giới tiền thân ({_label(spec.from_era)})", "color": "#444444",
                        "dash": True}]}


def _successor_props(p: dict, rows: list[dict], reg: MapRegistry) -> dict:
    act = reg.act(rows[0]["act_id"])
    kind = "Sáp nhập và chia tách" if any(r["relation"].startswith("split") for r in rows) else "Sáp nhập"
    preds = [f"{reg.names[r['from_unit_id']]} ({reg.relation(r, RELATIONS_IN)})" for r in rows]
    return {"title": p["title"], "tip": f"{p['title']}: {kind.lower()} từ {len(preds)} đơn vị",
            "label": p["label"],
            "rows": [["Hình thức", kind], ["Nghị quyết", act.get("number", "")], ["Tên văn bản", act.get("title", "")],
                     *_act_rows(act), ["Đơn vị tiền thân", "; ".join(preds)]]}


def _predecessor_props(p: dict, rows: list[dict], reg: MapRegistry) -> dict:
    act = reg.act(rows[0]["act_id"])
    after = [f"{reg.relation(r, RELATIONS_OUT)} {reg.names[r['to_unit_id']]}" for r in rows]
    return {"title": f"{p['title']} (trước {act.get('effective', '')})", "label": p["label"],
            "tip": f"{p['title']}: {'; '.join(after)}",
            "style": {"fill": False, "color": "#444444", "weight": 1.5, "dashArray": "6 4"},
            "rows": [["Kế tục", "; ".join(after)], ["Nghị quyết", act.get("number", "")], *_act_rows(act)]}


# ---- user files ------------------------------------------------------------------------------------------

def _file_layer(b: Build, spec: LayerSpec) -> dict:
    path, index = Path(spec.path), b.spec.layers.index(spec)
    frame = read_layer(path, crs=spec.crs, what=f"layer {spec.id}")
    b.files.append({"source": f"user layer {spec.id}", "file": path.name, "sha256": sources.file_sha256(path),
                    "licence": ""})
    color = PALETTE[(index * 5 + 3) % len(PALETTE)]
    style = layer_style(spec, color="#e31a1c", fillColor=color, fillOpacity=0.4, weight=2)
    name = spec.name or path.name
    layer = {"id": spec.id, "name": name, "show": spec.show, "labels": False, "searchable": spec.searchable,
             "searchRows": True,
             "style": style, "legend": [{"label": name, "color": style["color"], "fill": style["fillColor"]}]}
    polygonal = len(frame) and np.isin(shapely.get_type_id(frame.geometry.values), (3, 6)).all()
    if not polygonal:  # points and lines: per-feature Douglas-Peucker, a distance bound
        simple, b.reports[spec.id] = simplify_layer(frame, b.tolerance_m)
        return {**layer, "features": geojson_features(simple, b.digits, path.stem)}
    stored = userlayer.bounded(frame, b.tolerance_m, b.digits)
    b.reports[spec.id] = stored.report
    if len(frame) < userlayer.LARGE_FEATURES:
        layer_frame = frame.set_geometry(gpd.GeoSeries(stored.geometries, index=frame.index, crs="EPSG:4326"))
        features = geojson_features(layer_frame, b.digits, path.stem)
        column = plan_code_column(frame, spec.code_field, path.name)
        if column is not None:
            layer = {**layer, **_plan_symbology(layer_frame, column, features, b.digits)}
        return {**layer, "features": features}
    return {**layer, **_parcel_layer(b, name, stored, userlayer.table(frame, path.stem))}


def _plan_symbology(frame: gpd.GeoDataFrame, column: str, features: list[dict], digits: int) -> dict:
    """A plan's features (``frame`` in lon/lat) filled by their land-use codes (the print's and QGIS's colours),
    labelled with their ký hiệu lô and code, and a legend entry per code present: the keys of its definition."""
    codes = [plan_code(v) for v in frame[column]]
    _, symbols = plan_symbols([c for c in codes if c])
    own = label_column(frame.columns)
    points = shapely.get_coordinates(shapely.point_on_surface(frame.geometry.values))
    for feature, code, plot, (x, y) in zip(features, codes, frame[own] if own else codes, points):
        if code:
            feature["properties"]["fill"] = symbols[code].hex
            feature["properties"]["label"] = f"{plot} {code}" if own and plot else code
            feature["properties"]["lp"] = [round(float(x), digits), round(float(y), digits)]
    return {"labels": True, "style": {"color": "#555555", "weight": 1, "fillOpacity": PLAN_FILL_OPACITY},
            "legend": [{"label": symbol.legend(), "color": "#555555", "fill": symbol.hex}
                       for symbol in symbols.values()]}


def _parcel_layer(b: Build, name: str, stored: userlayer.Stored, table: dict) -> dict:
    """Shared arcs, canvas and the level-of-detail rule of a large polygon layer (see :mod:`.userlayer`)."""
    ring_topo, ring, moved = userlayer.outline(stored, b.tolerance_m, b.digits)
    stored.report.max_displacement_m = max(stored.report.max_displacement_m, moved)  # the outline is stored too
    topo = stored.topology
    outline_ids = ring.shifted(topo.extend(ring_topo)).nested()[0]
    detail_zoom = label_min_zoom(stored.median_width_m ** 2 / 1e4, userlayer.DETAIL_PX)
    count = vn_number(len(stored.geometries), 0)
    hint = f"{name}: {count} đối tượng, phóng to để xem từng đối tượng"
    bounds = [round(float(v), b.digits) for v in shapely.total_bounds(stored.geometries)]
    return {"canvas": True, "bounds": bounds, "detailZoom": detail_zoom, "outlineDisplacement": round(moved, 2),
            "table": table,
            "topology": {**topo.to_json(chained=True), "firstUse": True, "objects": {
                "features": first_use(stored.objects),
                "outline": [{"arcs": outline_ids, "properties": {"title": name, "tip": hint,
                                                                 "rows": [["Số đối tượng", count]]}}]}}}


#: Layer kind (``kind`` in a map spec) → the function that builds its definition; the one table of builders.
LAYER_BUILDERS = {"era": _era_layer, "merger": _merger_layer, "file": _file_layer,
                  "sites": thematic.sites_layer, "ntm": thematic.ntm_layer}


# ---- the whole map ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _EraGeometry:
    """The simplified, encoded era hierarchy (see :func:`era_geometry`)."""

    topology: Topology
    arc_ids: dict[str, list]
    report: SimplifyReport
    label_points: dict[str, list[list[float]]]
    areas: dict[str, dict[str, float]]
    bounds: list[float]


@cached
def era_geometry(source: str, eras: tuple[str, ...], tolerance_m: float,
                 footprints: tuple[tuple[str, str, tuple[str, ...]], ...] = ()) -> _EraGeometry:
    """Simplify the era hierarchy once, encode it as shared arcs, and measure what was stored.

    The displacement reported is measured on what the page stores: the
    decoded (simplified and quantised) boundaries, back in EPSG:5899, against
    the toolkit's unsimplified units. ``footprints`` are ``(key, era, unit
    ids)`` unions of units (site footprints) dissolved from the same
    simplified units, so they share the units' arcs. Cached per source, eras,
    tolerance and footprints (:func:`haiha_geo.clear_caches` drops it).
    """
    digits = grid_digits(tolerance_m)
    atoms = eras_model.model(source).atoms
    dissolved, report = simplify_hierarchy(atoms, [f"unit_{e}" for e in eras], tolerance_m)
    geoms, originals = {}, {}
    for era in eras:
        originals[era] = eras_model.units(era, source=source, crs=PLANNING_CRS)
        unit_ids = list(registry.units_table(era)["unit_id"])
        planning = gpd.GeoDataFrame(geometry=[dissolved[f"unit_{era}"][u] for u in unit_ids], crs=PLANNING_CRS)
        geoms[era] = list(to_geographic(planning).geometry)
    unions = [shapely.coverage_union_all([dissolved[f"unit_{era}"][u] for u in ids]) for _, era, ids in footprints]
    geoms[FOOTPRINT_OBJECT] = list(to_geographic(gpd.GeoDataFrame(geometry=unions, crs=PLANNING_CRS)).geometry)
    topology, arc_ids = encode(geoms, digits)
    moved = []
    for era in eras:
        stored = gpd.GeoDataFrame(geometry=[decode(topology, a) for a in arc_ids[era]], crs="EPSG:4326")
        moved.append(displacement(originals[era].geometry.values, to_planning(stored).geometry.values))
    report.max_displacement_m = float(np.max(np.concatenate(moved)))
    bounds = shapely.total_bounds(np.concatenate([np.asarray(geoms[era], dtype=object) for era in eras]))
    return _EraGeometry(
        topology=topology, arc_ids=arc_ids, report=report,
        label_points={name: [label_point(g, digits) for g in geoms[name]] for name in (*eras, FOOTPRINT_OBJECT)},
        areas={era: dict(zip(originals[era]["unit_id"], originals[era]["area_ha"].astype(float))) for era in eras},
        bounds=[round(float(v), digits) for v in bounds])


def _hierarchy(b: Build, reg: MapRegistry) -> dict[str, list]:
    """Put the era geometry into the build; return each era's unit properties."""
    if not b.spec.eras:
        return {}
    footprints = thematic.host_footprints(b) if any(lay.kind == "sites" for lay in b.spec.layers) else ()
    geometry = era_geometry(b.source, tuple(b.spec.eras), b.tolerance_m, footprints)
    b.geometry = geometry
    b.reports["eras"] = geometry.report
    b.topology, b.bounds = geometry.topology, geometry.bounds
    era_props = {era: _era_features(b, era, reg, geometry) for era in b.spec.eras}
    b.objects.update({era: [{"arcs": a, "properties": p} for a, p in zip(geometry.arc_ids[era], era_props[era])]
                      for era in b.spec.eras})
    return era_props


def _compare_defs(b: Build, by_id: dict[str, dict]) -> tuple[list[dict], list[dict], list[dict]]:
    layers, compares, panes = [], [], []
    for i, cmp in enumerate(b.spec.compare):
        left, right = by_id[cmp.left], by_id[cmp.right]
        ids = {}
        for side, base, z in (("left", left, 410), ("right", right, 411)):
            pane = f"haiha-cmp{i}-{side}"
            panes.append({"name": pane, "zIndex": z})
            ids[side] = f"cmp{i}-{side}"
            layers.append({**base, "id": ids[side], "pane": pane, "labelPane": pane, "show": False,
                           "control": False, "searchable": False, "legend": []})
        compares.append({"name": cmp.name or f"So sánh: {left['name']} | {right['name']}", "left": ids["left"],
                         "right": ids["right"], "leftName": left["name"], "rightName": right["name"],
                         "leftPane": f"haiha-cmp{i}-left", "rightPane": f"haiha-cmp{i}-right", "show": cmp.show})
    return layers, compares, panes


def _spec_name(spec: MapSpec) -> str:
    path = Path(spec.source)
    try:
        return f"maps/{path.resolve().relative_to(authored_dir('maps').resolve())}"
    except (ValueError, FileNotFoundError):
        return spec.source


def provenance(b: Build) -> dict[str, Any]:
    """The page's provenance record (footer, ``<meta>`` tags and JSON block)."""
    # the polygons of the first era, and the sources that cut its split units
    used = {name: sources.source_info(name)["files"]["communes"]["path"]
            for name in (b.source, *eras_model.split_sources())}
    data_sources = [s for s in sources.provenance() if b.spec.eras and used.get(s["source"]) == s["file"]]
    worst = max((r.max_displacement_m for r in b.reports.values()), default=0.0)
    return {
        "toolkit": f"haiha_geo {__version__}",
        "generated_from": _spec_name(b.spec),
        "eras": b.spec.eras,
        "crs": CRS_TEXT,
        "transformation": PROVENANCE["transformation"],
        "pipeline": PIPELINE,
        "tolerance_m": b.tolerance_m,
        "max_displacement_m": round(worst, 2),
        "coordinate_decimals": b.digits,
        "simplification": "shapely.coverage_simplify on the era atoms in EPSG:5899; eras dissolved from them",
        "leaflet": f"Leaflet {page.LEAFLET_VERSION} (xstatic-leaflet)",
        "sources": data_sources + b.files,
        "confidence": "; ".join(f"[{tag}] {meaning}" for tag, meaning in CONFIDENCE_TAGS.items()),
    }


def check_tolerance(value: Any, option: str = "tolerance_m") -> float:
    """``value`` as a finite, positive number of metres, else :class:`OptionError` naming ``option``.

    Examples
    --------
    >>> check_tolerance(5)
    5.0
    """
    return positive_number(value, option, unit="metres", example=20)


def _input_files(spec: MapSpec) -> tuple[Path, ...]:
    """The files a map is built from: its spec file and its user layers."""
    paths = [Path(spec.source)] + [Path(lay.path) for lay in spec.layers if lay.kind == "file"]
    return tuple(p for p in paths if p.is_file())


def _warn_if_large(html_bytes: int, tolerance_m: float) -> None:
    if html_bytes > LARGE_PAGE_BYTES:
        warnings.warn(LargeOutputWarning(
            f"the map page is {html_bytes / 1024 ** 2:.1f} MB (more than {LARGE_PAGE_BYTES // 1024 ** 2} MB), so "
            f"browsers open it slowly; make it smaller with a larger --tolerance (tolerance_m in Python; now "
            f"{tolerance_m:g} m) or with lighter --layer files"), stacklevel=3)


def _build(spec: MapSpec, *, offline: bool, tiles: str | None, tolerance_m: float | None,
           source: str) -> tuple[MapResult, Build]:
    start = time.perf_counter()
    tol = check_tolerance(tolerance_m if tolerance_m is not None else spec.tolerance_m or DEFAULT_TOLERANCE_M)
    b = Build(spec=spec, tolerance_m=tol, digits=grid_digits(tol), source=source)
    reg = MapRegistry.load()
    b.registry = reg
    b.era_props = _hierarchy(b, reg)
    for lay in spec.layers:
        try:
            builder = LAYER_BUILDERS[lay.kind]
        except KeyError:
            raise InputFileError(f"{spec.source}: layer {lay.id!r} has kind {lay.kind!r}, which no builder draws; "
                                 f"kinds: {', '.join(LAYER_BUILDERS)}") from None
        b.layers.append(builder(b, lay))
    cmp_layers, compares, panes = _compare_defs(b, {lay["id"]: lay for lay in b.layers})
    url, attribution = resolve_tiles(tiles, offline)
    searched = any(lay.kind == "file" and lay.searchable for lay in spec.layers)
    payload: Payload = {"labels": {**LABELS, "search": SEARCH_WITH_LAYERS} if searched else LABELS,
                        "controls": spec.controls, "panes": panes,
                        "projection": projection(place()),
                               "tiles": {"url": url, "attribution": attribution} if url else None,
                               "layers": b.layers + cmp_layers, "compare": compares,
                               "bounds": b.bounds or _feature_bounds(b),
                               "confidence": {"title": CONFIDENCE_TITLE, "tags": CONFIDENCE_TAGS}}
    if b.topology is not None:
        payload["topology"] = {**b.topology.to_json(), "objects": b.objects}
    payload["strings"] = _share_strings(payload)
    prov = provenance(b)
    html_text = _page(spec, payload, prov, offline=offline)
    report = b.reports.get("eras")
    stats = {
        "tolerance_m": tol,
        "coordinate_decimals": b.digits,
        "vertices_before": sum(r.vertices_before for r in b.reports.values()),
        "vertices_after": sum(r.vertices_after for r in b.reports.values()),
        "stored_vertices": (b.topology.vertices if b.topology else 0),
        "era_vertices_after": report.vertices_after if report else 0,
        "max_displacement_m": prov["max_displacement_m"],
        "layer_displacement_m": {k: round(r.max_displacement_m, 2) for k, r in b.reports.items()},
        "html_bytes": len(html_text.encode("utf-8")),
        "data_bytes": _data_bytes(html_text),
        "build_seconds": round(time.perf_counter() - start, 3),
    }
    _warn_if_large(stats["html_bytes"], tol)
    return MapResult(html=html_text, stats=stats, inputs=_input_files(spec)), b


def _data_bytes(html_text: str) -> int:
    """Bytes of the page's JSON data block, found in the page (the payload is serialised once)."""
    head = html_text.index(">", html_text.index('<script type="application/json" id="haiha-data-')) + 1
    return len(html_text[head:html_text.index("</script>", head)].encode("utf-8"))


def _share_strings(payload: dict) -> list[str]:
    """Replace repeated popup texts by indexes into one shared list.

    Row labels repeat on every unit and many values (acts, dates) on many, so
    each row's label, and each value that occurs more than once, becomes an
    index into the returned list (numbered in order of first appearance, so
    the result is stable). Also drops each feature's internal ``unit_id``.
    """
    objects = [*payload.get("topology", {}).get("objects", {}).values(),
               *(lay["topology"]["objects"]["outline"] for lay in payload["layers"] if "table" in lay)]
    features = [o["properties"] for objs in objects for o in objs]
    features += [f["properties"] for lay in payload["layers"] for f in lay.get("features", [])]
    features = list({id(p): p for p in features}.values())  # a compared file layer shares its features
    counts: dict[str, int] = {}
    for props in features:
        for value in [v for _, v in props.get("rows", [])] + [n for _, n in props.get("byYear", {}).values()]:
            counts[value] = counts.get(value, 0) + 1
    strings: dict[str, int] = {}

    def share(value: str) -> int | str:
        return strings.setdefault(value, len(strings)) if counts[value] > 1 else value

    for props in features:
        props.pop("unit_id", None)
        props["rows"] = [[strings.setdefault(label, len(strings)), share(value)]
                         for label, value in props.get("rows", [])]
        if "byYear" in props:  # new-rural status notes repeat across years and units
            props["byYear"] = {year: [status, share(note)] for year, (status, note) in props["byYear"].items()}
    return list(strings)


def _feature_bounds(b: Build) -> list[float] | None:
    coords = [c for lay in b.layers for f in lay.get("features", []) for c in _all_coords(f["geometry"])]
    coords += [tuple(lay["bounds"][i:i + 2]) for lay in b.layers if "bounds" in lay for i in (0, 2)]
    if not coords:
        return None
    xs, ys = zip(*coords)
    return [min(xs), min(ys), max(xs), max(ys)]


def _all_coords(geometry: dict) -> list[tuple[float, float]]:
    geom = shapely.geometry.shape(geometry)
    return [tuple(c) for c in shapely.get_coordinates(geom).tolist()]


def _page(spec: MapSpec, payload: dict, prov: dict, *, offline: bool) -> str:
    with page.fixed_ids():
        fmap = page.new_map(spec.title, offline=offline)
        if payload.get("bounds"):
            x0, y0, x1, y1 = payload["bounds"]
            fmap.location = [round((y0 + y1) / 2, 6), round((x0 + x1) / 2, 6)]
        page.add_title(fmap, spec.title)
        page.add_layers(fmap, payload)
        page.add_provenance(fmap, prov)
        return page.render(fmap)


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def resolve_tiles(tiles: str | None, offline: bool) -> tuple[str | None, str | None]:
    """Tile URL template and attribution: the user's template or XYZ folder, OSM online, none offline.

    Examples
    --------
    >>> resolve_tiles(None, True)
    (None, None)
    >>> resolve_tiles("https://tiles.example/{z}/{x}/{y}.png", True)[0]
    'https://tiles.example/{z}/{x}/{y}.png'
    """
    if not tiles:
        return (None, None) if offline else (OSM_TILES, OSM_ATTRIBUTION)
    folder = Path(tiles).expanduser()
    if folder.is_dir():
        ext = next((p.suffix for p in sorted(folder.rglob("*")) if p.suffix in (".png", ".jpg", ".jpeg", ".webp")),
                   ".png")
        return folder.resolve().as_uri() + "/{z}/{x}/{y}" + ext, f"Nền: {folder.name}"
    if not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        raise InputFileError(f"--tiles {tiles!r}: expected a URL template with {{z}}, {{x}} and {{y}}, "
                             "or an existing folder of XYZ tiles")
    if not tiles.lower().startswith(("http://", "https://", "file://")):
        raise InputFileError(f"--tiles {tiles!r}: the template must start with http://, https:// or file://")
    return tiles, "Nền bản đồ: " + tiles.split("/")[2]


def build_map(spec: str | Path | MapSpec | None = None, *, offline: bool = False, tiles: str | None = None,
              layers: tuple[str | Path, ...] | list[str | Path] = (), tolerance_m: float | None = None,
              crs: str | None = None, source: str = "gadm41", code_field: str | None = None) -> MapResult:
    """Build an interactive HTML map of Hải Hà from a spec.

    Parameters
    ----------
    spec : path, MapSpec or None
        A spec file (``maps/NAME.toml``); ``None`` is the default district map.
    offline : bool
        Inline every script and stylesheet; load nothing from the network
        (no basemap unless ``tiles`` names one).
    tiles : str, optional
        Basemap: a URL template with ``{z}/{x}/{y}`` or a local folder of XYZ tiles.
    layers : sequence of paths
        Extra user layers (any file GeoPandas reads), added on top.
    tolerance_m : float, optional
        Largest boundary displacement allowed by simplification, in metres
        (default: the spec's, else 20 m); finite and positive.
    crs : str, optional
        CRS of the ``layers`` files that declare none (for example ``"EPSG:5899"``);
        a file that declares its CRS keeps it.
    source : str
        Reference source of the era-2019 polygons (``gadm41`` or ``censusvn2009``).
    code_field : str, optional
        The column of the ``layers``' land-use codes (default: found from the names and values); a plan with
        codes is filled per code, labelled and given a legend entry per code present.

    Returns
    -------
    MapResult
        ``.html`` (the page), ``.stats`` (vertices, bytes, displacement, time), ``.save(path)``.

    Raises
    ------
    OptionError
        ``tolerance_m`` is not a finite positive number.

    Warns
    -----
    LargeOutputWarning
        The page is larger than :data:`LARGE_PAGE_BYTES`.

    Examples
    --------
    >>> result = build_map(offline=True)
    >>> result.stats["max_displacement_m"] <= 20, "cdn." in result.html
    (True, False)
    """
    map_spec = spec if isinstance(spec, MapSpec) else load_spec(spec)
    if layers:
        extra = [LayerSpec(id=f"user{i + 1}", kind="file", name=Path(p).name, path=str(p), searchable=True, crs=crs,
                           code_field=code_field) for i, p in enumerate(layers)]
        map_spec = MapSpec(**{**map_spec.__dict__, "layers": map_spec.layers + extra})
    result, _ = _build(map_spec, offline=offline, tiles=tiles, tolerance_m=tolerance_m, source=source)
    return result
