"""The spatial layers of an export as Shapefiles, in one ZIP archive.

A ZIP, not a folder: a Shapefile is five to six files per layer, and one
archive is one output that is written atomically, mailed or copied whole, and
opened by QGIS directly (*Add Vector Layer* on the ``.zip``) or after unzipping.
Inside, a folder named after the archive holds, per layer:

* ``NAME.shp/.shx/.dbf``;
* ``NAME.cpg`` = ``UTF-8``, so QGIS and ArcGIS read the diacritics right;
* ``NAME.prj`` in ESRI WKT, which QGIS identifies as EPSG:5899 (VN-2000 /
  TM-3 107°45′; its definition carries the EPSG:6960 shift of QĐ 05/2007) or
  EPSG:4326;
* ``NAME.qml``: the same style as in the GeoPackage, with the short field
  names; QGIS applies a ``.qml`` of the same name when it opens the layer
  (unzip first: QGIS does not look for it inside the archive);

and ``FIELDS.csv``, the short (≤ 10 character) DBF field names with the full
names and their Vietnamese aliases. A text longer than a DBF field holds (254 bytes)
ends in "…"; the full text is in the GeoPackage and in ``sites.csv``. The tables without geometry go in as
UTF-8 CSV files. Reruns write identical bytes (fixed DBF date, fixed ZIP
timestamps).
"""

from __future__ import annotations

import csv
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
from pyproj import CRS

from haiha_geo.crs import PLANNING_CRS
from haiha_geo.errors import OutputPathError
from haiha_geo.exchange.gpkg import FIXED_TIME, ExportResult, writing_to
from haiha_geo.exchange.layers import ALIASES, ExportLayer, export_layers
from haiha_geo.io import check_output, scratch_folder, write_atomic

#: Full field name → DBF name (DBF allows 10 characters); names not listed are short already.
SHORT_NAMES = {
    "official_area_ha": "off_area", "official_area_ref": "off_ar_ref", "population_year": "pop_year",
    "population_ref": "pop_ref", "created_act": "creat_act", "category_vi": "categ_vi",
    "area_qualifier": "area_qual", "area_source": "area_src", "status_year": "status_yr",
    "status_source": "status_src", "host_source": "host_src", "host_confidence": "host_conf",
    "footprint_basis": "fp_basis", "footprint_vi": "fp_vi", "footprint_era": "fp_era", "host_extent": "host_ext",
    "footprint_upper_bound": "fp_upper", "footprint_kind": "fp_kind",
    "predecessors": "predecess", "size_confidence": "size_conf", "number_confidence": "num_conf",
}
#: Host-unit columns are named per era (``host_units_ERA``) and shortened to ``host_ERA``.
_HOST = re.compile(r"^host_units_(\w+)$")
#: QML attributes that name a field.
_FIELD_ATTRIBUTES = ("attr", "fieldName", "field", "startField", "endField")
#: Longest text a DBF field holds, in bytes.
DBF_TEXT_BYTES = 254
#: ZIP member timestamp (the earliest ZIP allows), so that reruns are byte-identical.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def short_name(name: str) -> str:
    """The DBF field name of ``name`` (at most 10 characters).

    Examples
    --------
    >>> short_name("official_area_ha"), short_name("host_units_2019"), short_name("code")
    ('off_area', 'host_2019', 'code')
    """
    match = _HOST.match(name)
    short = SHORT_NAMES.get(name) or (f"host_{match.group(1)}" if match else name)
    if len(short) > 10:
        raise ValueError(f"field {name!r} has no DBF name of at most 10 characters; add it to SHORT_NAMES")
    return short


def rename_qml(text: str, names: dict[str, str]) -> str:
    """Rename the fields a QML document refers to; the temporal settings are dropped (DBF has no datetime).

    Examples
    --------
    >>> from haiha_geo.exchange.styles import Category, Symbol, qml
    >>> doc = rename_qml(qml("polygon", [Category("a", "A", Symbol("#ffffff"))], field="official_area_ha"),
    ...                  {"official_area_ha": "off_area"})
    >>> 'attr="off_area"' in doc
    True
    """
    root = ET.fromstring(text)
    for node in root.iter():
        for attribute in _FIELD_ATTRIBUTES:
            if node.get(attribute) in names:
                node.set(attribute, names[node.get(attribute)])
    for temporal in root.findall("temporal"):
        root.remove(temporal)
    root.set("styleCategories", root.get("styleCategories", "").replace("|Temporal", ""))
    return text.split("\n", 1)[0] + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def fit_dbf(text):
    """Cut a text longer than a DBF field holds (254 bytes of UTF-8) at a character, ending it with "…".

    Examples
    --------
    >>> len(fit_dbf("ư" * 200).encode("utf-8")) <= 254, fit_dbf("ư" * 200)[-1], fit_dbf("short")
    (True, '…', 'short')
    """
    if not isinstance(text, str) or len(text.encode("utf-8")) <= DBF_TEXT_BYTES:
        return text
    data = text.encode("utf-8")[:DBF_TEXT_BYTES - len("…".encode())]
    return data.decode("utf-8", errors="ignore") + "…"


def _dbf_frame(layer: ExportLayer) -> tuple[pd.DataFrame, dict[str, str]]:
    frame = layer.frame.copy()
    geometry = frame.geometry.name
    for column in frame.columns:
        if column != geometry and pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        elif column != geometry and not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(fit_dbf)
    names = {c: short_name(c) for c in frame.columns if c != geometry}
    if len(set(names.values())) != len(names):
        raise ValueError(f"layer {layer.name}: two fields share a DBF name: {names}")
    return frame.rename(columns=names), names


def prj_text(crs: str) -> str:
    """ESRI WKT of ``crs``, the dialect ``.prj`` files use.

    Examples
    --------
    >>> prj_text("EPSG:5899").startswith('PROJCS["VN_2000_TM-3_107-45"')
    True
    """
    return CRS.from_user_input(crs).to_wkt("WKT1_ESRI")


def _write_layer(layer: ExportLayer, folder: Path, crs: str) -> list[dict[str, str]]:
    frame, names = _dbf_frame(layer)
    path = folder / f"{layer.name}.shp"
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", promote_to_multi=layer.geometry == "polygon",
                            layer_options={"ENCODING": "UTF-8", "DBF_DATE_LAST_UPDATE": FIXED_TIME[:10]})
    path.with_suffix(".prj").write_text(prj_text(crs), encoding="ascii")
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    if layer.style:
        path.with_suffix(".qml").write_text(rename_qml(layer.style, names), encoding="utf-8")
    return [{"layer": layer.name, "dbf_field": short, "field": full, "alias_vi": ALIASES.get(full, "")}
            for full, short in names.items()]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _members(layers: list[ExportLayer], crs: str, target: Path) -> dict[str, bytes]:
    """Archive member name → content, in a fixed order; the Shapefiles are written in a folder beside ``target``."""
    members: dict[str, bytes] = {}
    fields: list[dict[str, str]] = []
    with scratch_folder(target) as tmp, writing_to(target):
        for layer in layers:
            if layer.spatial:
                fields += _write_layer(layer, Path(tmp), crs)
                for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml"):
                    part = Path(tmp) / f"{layer.name}{suffix}"
                    if part.exists():
                        members[part.name] = part.read_bytes()
            else:
                members[f"{layer.name}.csv"] = _csv_bytes(layer.frame)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["layer", "dbf_field", "field", "alias_vi"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(fields)
    members["FIELDS.csv"] = buffer.getvalue().encode("utf-8")
    return members


def export_shapefiles(path: str | os.PathLike, crs: str = PLANNING_CRS, *,
                      inputs: tuple[str | os.PathLike, ...] = (), plans=(),
                      code_field: str | None = None) -> ExportResult:
    """Write the spatial layers as styled Shapefiles (and the tables as CSV) into one ZIP archive.

    ``plans`` and ``code_field`` as for :func:`haiha_geo.exchange.gpkg.export_gpkg`.

    Examples
    --------
    >>> import pathlib, tempfile, zipfile
    >>> out = export_shapefiles(pathlib.Path(tempfile.mkdtemp()) / "hai_ha_shp.zip")
    >>> names = zipfile.ZipFile(out.path).namelist()
    >>> [n for n in names if n.startswith("hai_ha_shp/units_2025.")]  # doctest: +NORMALIZE_WHITESPACE
    ['hai_ha_shp/units_2025.shp', 'hai_ha_shp/units_2025.shx', 'hai_ha_shp/units_2025.dbf',
     'hai_ha_shp/units_2025.prj', 'hai_ha_shp/units_2025.cpg', 'hai_ha_shp/units_2025.qml']
    """
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise OutputPathError(f"{path}: Shapefiles are written into one .zip archive (a Shapefile is several "
                              f"files per layer); for example --out {path.with_suffix('.zip').name}")
    check_output(path, (*inputs, *plans))
    layers = export_layers(crs, plans, code_field)
    crs = layers[0].frame.crs.to_string()
    members = _members(layers, crs, path)
    archive = io.BytesIO()  # built in memory: a full disk then fails one plain write, never a half-flushed stream
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            info = zipfile.ZipInfo(f"{path.stem}/{name}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, data)
    write_atomic(path, archive.getvalue(), inputs)
    return ExportResult(path, crs, {layer.name: len(layer.frame) for layer in layers},
                        {layer.name: layer.geometry for layer in layers})
