"""Thematic map layers: project sites (``kind = "sites"``) and new-rural status (``kind = "ntm"``).

* **Sites** (:func:`haiha_geo.sites.sites`): an icon per site, coloured and
  lettered by category; a popup with area, act, status and sources; the
  footprint drawn with a dashed outline when it is only the union of the
  host units (an upper bound), solid when it comes from a user's file.
  Sites with no location are counted in the legend, not drawn.
* **New-rural status** (:func:`haiha_geo.ntm.ntm_status`): a choropleth of
  the units in force at the end of each year, with a year slider; each year
  shows that year's era (16, 11 or 4 units) and every unit's recorded status.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from haiha_geo import registry
from haiha_geo.maps.spec import LayerSpec
from haiha_geo.maps.topology import simplify_layer

if TYPE_CHECKING:  # pragma: no cover
    from haiha_geo.maps.builder import _Build

#: Category → (Vietnamese label, icon letters, colour).
CATEGORY_STYLE = {
    "economic zone": ("Khu kinh tế", "KT", "#6a3d9a"),
    "industrial zone": ("Khu công nghiệp", "CN", "#e31a1c"),
    "island commune": ("Xã đảo", "Đ", "#1f78b4"),
    "urban centre": ("Đô thị", "ĐT", "#ff7f00"),
    "market": ("Chợ", "C", "#33a02c"),
    "public facility": ("Công trình công cộng", "VH", "#b15928"),
    "border gate": ("Cửa khẩu", "CK", "#1f4e79"),
}
FOOTPRINTS = {"cited_point": "điểm do nguồn công bố", "host_units": "hợp các đơn vị chứa (giới hạn trên)",
              "user_file": "ranh giới từ tệp của người dùng", "none": "chưa có vị trí"}
QUALIFIERS = {"over": "trên ", "nearly": "gần "}
#: New-rural status → (Vietnamese label, colour).
NTM_STATUS = {
    "model": ("Nông thôn mới kiểu mẫu", "#00441b"),
    "advanced": ("Nông thôn mới nâng cao", "#1b7837"),
    "met": ("Đạt chuẩn nông thôn mới", "#5aae61"),
    "not_met": ("Chưa đạt chuẩn", "#f1a340"),
    "not_applicable": ("Không áp dụng (thị trấn)", "#bababa"),
    "unknown": ("Chưa có số liệu", "#f7f7f7"),
}
NTM_YEARS = tuple(range(2015, 2026))
#: Offset between icons of sites that share a footprint (about 2 km).
ICON_STEP_DEG = 0.02


def layer(b: _Build, spec: LayerSpec) -> dict:
    """The layer definition for a ``sites`` or ``ntm`` spec layer."""
    return sites_layer(b, spec) if spec.kind == "sites" else ntm_layer(b, spec)


# ---- sites ------------------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    """``value`` as stripped text, or None when it is missing (None, NaN, NA, empty)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _area(row: dict) -> str:
    from haiha_geo.maps.builder import vn_number

    area = row.get("area_ha")
    if _text(area) is None:
        return "chưa có số liệu"
    return f"{QUALIFIERS.get(_text(row.get('area_qualifier')) or '', '')}{vn_number(float(area), 0)} ha"


def site_rows(row: dict) -> list[list[str]]:
    """Popup rows of one site: category, area, act, status, location basis, sources, note.

    Examples
    --------
    >>> rows = site_rows({"category": "industrial zone", "area_ha": 660.0, "act": None, "source": "A;B",
    ...                   "footprint_basis": "host_units", "status": "đang hoạt động"})
    >>> dict(rows)["Diện tích"], dict(rows)["Văn bản"]
    ('660 ha', 'chưa xác định')
    """
    label = CATEGORY_STYLE.get(row.get("category"), (str(row.get("category")),))[0]
    rows = [["Loại", label], ["Diện tích", _area(row)], ["Văn bản", _text(row.get("act")) or "chưa xác định"]]
    if _text(row.get("status")):
        year = _text(row.get("status_year"))
        rows.append(["Hiện trạng", _text(row["status"]) + (f" ({year})" if year else "")])
    rows.append(["Vị trí", FOOTPRINTS.get(row.get("footprint_basis"), str(row.get("footprint_basis")))])
    rows.append(["Nguồn", (_text(row.get("source")) or "").replace(";", "; ")])
    if _text(row.get("note")):
        rows.append(["Ghi chú", _text(row["note"])])
    return rows


def sites_layer(b: _Build, spec: LayerSpec) -> dict:
    """Icons by category, popups, and footprints (dashed when only host units bound them)."""
    from haiha_geo.maps.builder import geojson_features, label_point

    # the module, not the function of the same name the package exports
    frame = importlib.import_module("haiha_geo.sites").sites(source=b.source)
    located = frame[frame.geometry.notna() & ~shapely.is_empty(frame.geometry.values)]
    simple, report = simplify_layer(located, b.tolerance_m)
    b.reports[spec.id] = report
    records = simple.drop(columns=simple.geometry.name).to_dict("records")
    footprints = [f for f in geojson_features(simple[[simple.geometry.name]], b.digits, "")]
    features, taken = [], set()
    for row, geom, feature in zip(records, simple.geometry, footprints):
        name, letters, colour = CATEGORY_STYLE.get(row["category"], (row["category"], "•", "#555555"))
        props = {"title": row["name_vi"], "tip": f"{row['name_vi']} ({name})", "rows": site_rows(row),
                 "fill": colour, "color": colour, "symbol": letters}
        if geom.geom_type != "Point":
            dash = "6 4" if row["footprint_basis"] == "host_units" else None
            features.append({**feature, "properties": {**props, "style": {
                "fillOpacity": 0.08, "weight": 2, **({"dashArray": dash} if dash else {})}}})
            lon, lat = label_point(geom, b.digits)
            while (lon, lat) in taken:  # sites sharing a footprint: set their icons side by side
                lon = round(lon + ICON_STEP_DEG, b.digits)
            feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        taken.add(tuple(feature["geometry"]["coordinates"]) if geom.geom_type == "Point" else (lon, lat))
        features.append({**feature, "properties": props})
    missing = len(frame) - len(located)
    legend = [{"label": label, "fill": colour, "color": colour, "symbol": letters}
              for cat, (label, letters, colour) in CATEGORY_STYLE.items() if cat in set(frame["category"])]
    legend.append({"label": "Ranh giới = hợp các xã chứa (giới hạn trên)", "color": "#555555", "dash": True})
    if missing:
        legend.append({"label": f"{missing} địa điểm chưa có vị trí (không vẽ)", "color": "#ffffff"})
    return {"id": spec.id, "name": spec.name or "Dự án, công trình trọng điểm", "features": features,
            "show": spec.show, "labels": False, "searchable": spec.searchable,
            "style": {"color": "#555555", "weight": 2, "fillOpacity": 0.08, **spec.style}, "legend": legend}


# ---- new-rural status -------------------------------------------------------------------------------------

def _era_of(year: int) -> str:
    return registry.era_for_date(f"{year}-12-31")


def ntm_years(spec: LayerSpec) -> list[int]:
    """Years on the slider: 2015–2025."""
    return list(NTM_YEARS)


def ntm_layer(b: _Build, spec: LayerSpec) -> dict:
    """A choropleth of new-rural status at the end of each year, with a year slider."""
    ntm = importlib.import_module("haiha_geo.ntm")
    years = ntm_years(spec)
    by_unit: dict[str, dict[str, list[str]]] = {}
    for year in years:
        for row in ntm.ntm_status(_era_of(year), year).to_dict("records"):
            status = row["status"] if _text(row["status"]) else "unknown"
            note = "; ".join(filter(None, [_text(row.get("act")), (_text(row.get("source")) or "").replace(";", "; "),
                                           _text(row.get("note"))]))
            by_unit.setdefault(row["unit_id"], {})[str(year)] = [status, note]
    names = []
    for era in registry.ERAS:
        name = f"{spec.id}:{era}"
        b.objects[name] = [
            {"arcs": obj["arcs"], "properties": {
                "title": obj["properties"]["title"], "label": obj["properties"]["label"],
                "baseRows": [["Đơn vị", obj["properties"]["title"]], ["Thời kỳ", era]],
                "byYear": by_unit.get(uid, {})}}
            for obj, uid in zip(b.objects[era], registry.units_table(era)["unit_id"]) if uid in by_unit]
        names.append(name)
    initial = spec.year if spec.year in years else 2020
    return {"id": spec.id, "name": spec.name or "Nông thôn mới (theo năm)", "objects": names, "show": spec.show,
            "labels": False, "searchable": False, "years": [str(y) for y in years], "year": str(initial),
            "colors": {k: c for k, (_, c) in NTM_STATUS.items()},
            "statusLabels": {k: label for k, (label, _) in NTM_STATUS.items()},
            "style": {"color": "#444444", "weight": 1, "fillOpacity": 0.7, **spec.style},
            "legend": [{"label": label, "fill": colour, "color": "#444444"} for label, colour in NTM_STATUS.values()]}
