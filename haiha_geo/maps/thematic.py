"""Thematic map layers: project sites (``kind = "sites"``) and new-rural status (``kind = "ntm"``).

* **Sites** (:func:`haiha_geo.project_sites.sites`): an icon per site, coloured and
  lettered by category; a popup with area, act, status and sources; a
  footprint that is only the union of the host units (an upper bound,
  ``footprint_upper_bound``) drawn hatched and dashed as the site's *phạm vi
  có thể* (possible extent), never as its boundary; solid when it comes from
  a user's file or the site is its host unit. A click inside a footprint gives
  the site and what lies under it (the commune, its new-rural status).
  Sites with no location are counted in the legend, not drawn.
* **New-rural status** (:func:`haiha_geo.ntm.ntm_status`): a choropleth of
  the units in force at the end of each year, with a year slider; each year
  shows that year's era (16, 11 or 4 units) and every unit's recorded status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import shapely

from haiha_geo import ntm, registry, timeline
from haiha_geo.maps.context import (
    FOOTPRINT_OBJECT,
    Build,
    geojson_features,
    label_point,
    vn_number,
)
from haiha_geo.maps.spec import LayerSpec
from haiha_geo.maps.topology import simplify_layer
from haiha_geo.project_sites import sites

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
FOOTPRINT_LABELS = {"cited_point": "điểm do nguồn công bố", "host_units": "hợp các đơn vị chứa (giới hạn trên)",
              "user_file": "ranh giới từ tệp của người dùng", "none": "không có vị trí"}
#: The words of a footprint that only bounds where a site lies (map, legend, GeoPackage style).
POSSIBLE_EXTENT = "Phạm vi có thể"
POSSIBLE_EXTENT_NOTE = "hợp các xã chứa, giới hạn trên; khu chỉ chiếm một phần, không phải ranh giới của khu"
#: A site that is its host unit (a commune): the unit's boundary is the site's.
HOST_IS_SITE = "ranh giới đơn vị hành chính (địa điểm là cả đơn vị)"
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
#: Offset between icons of sites that share a footprint (about 2 km).
ICON_STEP_DEG = 0.02


# ---- sites ------------------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    """``value`` as stripped text, or None when it is missing (None, NaN, NA, empty)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _area(row: dict) -> str:

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
        status = _text(row.get("status_vi")) or _text(row["status"])  # authored texts are shown in Vietnamese
        rows.append(["Hiện trạng", status + (f" ({year})" if year else "")])
    rows.append(["Vị trí", location_words(row)])
    rows.append(["Nguồn", (_text(row.get("source")) or "").replace(";", "; ")])
    note = _text(row.get("note_vi")) or _text(row.get("note"))  # authored notes are shown in Vietnamese
    if note:
        rows.append(["Ghi chú", note])
    return rows


def location_words(row: dict) -> str:
    """How a site is located, in words; host units that are the site itself are its boundary.

    Examples
    --------
    >>> location_words({"footprint_basis": "host_units", "footprint_upper_bound": True})
    'hợp các đơn vị chứa (giới hạn trên)'
    >>> location_words({"footprint_basis": "host_units", "footprint_upper_bound": False})
    'ranh giới đơn vị hành chính (địa điểm là cả đơn vị)'
    """
    basis = row.get("footprint_basis")
    if basis == "host_units" and not row.get("footprint_upper_bound", True):
        return HOST_IS_SITE
    return FOOTPRINT_LABELS.get(basis, str(basis))


def _sites(source: str):
    return sites(source=source)


def _has_location(row: dict) -> bool:
    """A cited point, a user's footprint, or host units that bound a stated area; an area-less site
    (a gate, a building) somewhere in its host units has no cited location and is not drawn."""
    basis = row.get("footprint_basis")
    return basis in ("cited_point", "user_file") or (basis == "host_units" and _text(row.get("area_ha")) is not None)


def host_footprints(b: Build) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``(site_id, era, host unit ids)`` of every host-unit footprint whose era the map shows.

    The builder dissolves these from the simplified units, so a footprint
    shares its border arcs with the units (see ``builder.era_geometry``).
    """
    out = []
    for row in _sites(b.source).to_dict("records"):
        era = _text(row.get("footprint_era"))
        ids = tuple(u for u in (_text(row.get(f"host_units_{era}")) or "").split(";") if u)
        if row["footprint_basis"] == "host_units" and _has_location(row) and era in b.spec.eras and ids:
            out.append((row["site_id"], era, ids))
    return tuple(out)


def _footprint_style(upper_bound: bool) -> dict:
    """Footprint paths: an upper bound hatched (``hatch``, drawn by the page's SVG pattern) and dashed."""
    if upper_bound:
        return {"fillOpacity": 0.6, "weight": 1.5, "dashArray": "6 4", "hatch": True}
    return {"fillOpacity": 0.08, "weight": 2}


def _footprint_props(props: dict, row: dict) -> dict:
    """A footprint's own title and tooltip: an upper bound is named as the site's possible extent."""
    if not row.get("footprint_upper_bound"):
        return {**props, "style": _footprint_style(False)}
    title = f"{POSSIBLE_EXTENT} của {row['name_vi']}"
    return {**props, "title": title, "tip": f"{title} ({POSSIBLE_EXTENT_NOTE})", "style": _footprint_style(True)}


def _own_geometry(b: Build, spec: LayerSpec, located, shared: dict[str, int]) -> dict[str, tuple]:
    """Simplified geometry (GeoJSON) and label point of the sites whose footprint is not in the topology."""

    own = located[~located["site_id"].isin(shared)]
    if own.empty:
        return {}
    simple, b.reports[spec.id] = simplify_layer(own, b.tolerance_m)
    features = geojson_features(simple[[simple.geometry.name]], b.digits, "")
    return {sid: (f["geometry"], None if g.geom_type == "Point" else label_point(g, b.digits))
            for sid, g, f in zip(simple["site_id"], simple.geometry, features)}


def sites_layer(b: Build, spec: LayerSpec) -> dict:
    """Icons by category, popups, and footprints (dashed when only host units bound them)."""

    frame = _sites(b.source)
    drawn = frame.geometry.notna() & ~shapely.is_empty(frame.geometry.values)
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    located = frame[drawn & np.array([_has_location(r) for r in records])]
    shared = {key: i for i, (key, _, _) in enumerate(host_footprints(b))} if b.geometry else {}
    own = _own_geometry(b, spec, located, shared)
    outlines, icons, taken = [], [], set()
    for row in located.drop(columns=located.geometry.name).to_dict("records"):
        name, letters, colour = CATEGORY_STYLE.get(row["category"], (row["category"], "•", "#555555"))
        where = location_words(row)
        props = {"title": row["name_vi"], "tip": f"{row['name_vi']} ({name}; vị trí: {where})", "rows": site_rows(row),
                 "fill": colour, "color": colour, "symbol": letters}
        style = _footprint_props(props, row)
        if row["site_id"] in shared:
            i = shared[row["site_id"]]
            outlines.append({"arcs": b.geometry.arc_ids[FOOTPRINT_OBJECT][i], "properties": style})
            geometry, point = None, b.geometry.label_points[FOOTPRINT_OBJECT][i]
        else:
            geometry, point = own[row["site_id"]]
        if point is not None:  # a polygon footprint: its icon sits inside it
            if geometry is not None:
                icons.append({"type": "Feature", "geometry": geometry, "properties": style})
            lon, lat = point
            while (lon, lat) in taken:  # sites sharing a footprint: set their icons side by side
                lon = round(lon + ICON_STEP_DEG, b.digits)
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        taken.add(tuple(geometry["coordinates"]))
        icons.append({"type": "Feature", "geometry": geometry, "properties": props})
    b.objects[f"{spec.id}:{FOOTPRINT_OBJECT}"] = outlines
    missing = sorted(set(frame["name_vi"]) - set(located["name_vi"]))
    legend = [{"label": label, "fill": colour, "color": colour, "symbol": letters}
              for cat, (label, letters, colour) in CATEGORY_STYLE.items() if cat in set(located["category"])]
    if located["footprint_upper_bound"].any():
        legend.append({"label": f"{POSSIBLE_EXTENT} của khu ({POSSIBLE_EXTENT_NOTE})", "color": "#555555",
                       "dash": True, "hatch": True})
    if missing:
        legend.append({"label": f"Không có vị trí (không vẽ): {'; '.join(missing)}", "color": "#ffffff"})
    return {"id": spec.id, "name": spec.name or "Dự án, công trình trọng điểm", "stackBelow": True,
            "objects": [f"{spec.id}:{FOOTPRINT_OBJECT}"] if outlines else [], "features": icons,
            "show": spec.show, "labels": False, "searchable": spec.searchable,
            "style": {"color": "#555555", "weight": 2, "fillOpacity": 0.08, **spec.style}, "legend": legend}


# ---- new-rural status -------------------------------------------------------------------------------------

def _era_of(year: int) -> str:
    return registry.era_for_date(f"{year}-12-31")


def ntm_years(spec: LayerSpec) -> list[int]:
    """Years on the slider: from the spec's ``first_year`` (else the first recorded year) to the last ended year.

    The last year is the latest whose 31 December has passed and lies in a modelled era.
    """
    records = ntm.commune_records()
    recorded = records[["year_lower", "year_upper", "observed_to"]].stack()
    first = spec.first_year or int(recorded.min())
    last_day = min(dt.date.today() - dt.timedelta(days=1), timeline.eras()[-1].valid_to or dt.date.max)
    last = last_day.year if (last_day.month, last_day.day) == (12, 31) else last_day.year - 1
    return list(range(first, last + 1))


def ntm_layer(b: Build, spec: LayerSpec) -> dict:
    """A choropleth of new-rural status at the end of each year, with a year slider."""
    years = ntm_years(spec)
    by_unit: dict[str, dict[str, list[str]]] = {}
    for year in years:
        for row in ntm.ntm_status(_era_of(year), year).to_dict("records"):
            status = row["status"] if _text(row["status"]) else "unknown"
            note = "; ".join(filter(None, [_text(row.get("act")), (_text(row.get("source")) or "").replace(";", "; "),
                                           _text(row.get("note_vi"))]))
            by_unit.setdefault(row["unit_id"], {})[str(year)] = [status, note]
    names = []
    for era in timeline.era_ids():
        name = f"{spec.id}:{era}"
        b.objects[name] = [
            {"arcs": obj["arcs"], "properties": {
                "title": obj["properties"]["title"], "label": obj["properties"]["label"],
                "baseRows": [["Đơn vị", obj["properties"]["title"]], ["Thời kỳ", era]],
                "byYear": by_unit.get(uid, {})}}
            for obj, uid in zip(b.objects[era], registry.units_table(era)["unit_id"]) if uid in by_unit]
        names.append(name)
    initial = spec.year if spec.year in years else years[-1]
    return {"id": spec.id, "name": spec.name or "Nông thôn mới (theo năm)", "objects": names, "show": spec.show,
            "labels": False, "searchable": False, "years": [str(y) for y in years], "year": str(initial),
            "colors": {k: c for k, (_, c) in NTM_STATUS.items()},
            "statusLabels": {k: label for k, (label, _) in NTM_STATUS.items()},
            "style": {"color": "#444444", "weight": 1, "fillOpacity": 0.7, **spec.style},
            "legend": [{"label": label, "fill": colour, "color": "#444444"} for label, colour in NTM_STATUS.values()]}
