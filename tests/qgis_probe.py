"""Open exported layers in QGIS itself and report what QGIS sees (run with Debian's ``/usr/bin/python3``).

Usage: ``qgis_probe.py REPORT.json PNG_FOLDER SOURCE [SOURCE ...]`` where a SOURCE is a GeoPackage (every
layer in it is probed) or a ``.shp``. For each layer the report gives: validity, feature count, CRS authid
and PROJ string, the provider's stored styles, whether the default style loaded, the renderer type, its
categories, whether labels are on, temporal properties, field aliases, and the non-background pixels of a
PNG rendered with QgsMapRendererParallelJob. A last PNG, ``overview.png``, draws the units of 2020 (the
zoning study's era) under the study area, the sheet index and the cited sites, as QGIS would show the GeoPackage.

The venv cannot import QGIS, so the tests run this as a subprocess; only the standard library is imported
at module level, so pytest's doctest collection can import it anywhere.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SIZE = 900
BACKGROUND = (255, 255, 255)
#: Layers of the overview PNG, bottom to top: the era of the zoning study, its area, sheets and sites.
OVERVIEW = ("units_2020", "study_area", "sheets_2000", "sites_points")


def _render(layers, path: Path, crs, moment=None) -> int:
    """Render ``layers`` to ``path`` (at the temporal range ``moment``, if given); return the painted pixels."""
    import numpy as np
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    extent = QgsRectangle()
    for layer in layers:
        extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
    if extent.width() == 0 or extent.height() == 0:  # a single point: show 2 km (or 0.02°) around it
        pad = 0.01 if crs.isGeographic() else 1000.0
        extent.grow(pad)
    extent.scale(1.05)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setBackgroundColor(QColor(*BACKGROUND))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    settings.setFlag(QgsMapSettings.DrawLabeling, True)
    if moment is not None:
        settings.setIsTemporal(True)
        settings.setTemporalRange(moment)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format_RGB888)
    image.save(str(path), "PNG")
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    rows = np.frombuffer(bytes(ptr), np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return int((pixels != np.array(BACKGROUND, np.uint8)).any(axis=2).sum())


def _first_known_moment(layer):
    """The date range of the first feature with a recorded status: what the Temporal Controller would show.

    The range includes its beginning and excludes its end, as the controller's frames do.
    """
    from qgis.core import QgsDateTimeRange

    props = layer.temporalProperties()
    for feature in layer.getFeatures():
        if feature["status"] not in (None, "", "not_applicable") and str(feature["status"]) != "NULL":
            return QgsDateTimeRange(feature[props.startField()], feature[props.endField()], True, False)
    return None


def _instants(layer, moment, png: Path) -> dict:
    """At instants around the end of ``moment``'s first year: the years of the features drawn, and pixels.

    ``YYYY-12-31T15:00`` is an afternoon of the day a year-end status refers to; ``YYYY+1-01-01T00:00``
    the first instant of the next year.
    """
    from qgis.core import QgsDateTimeRange, QgsFeatureRequest, QgsVectorLayerTemporalContext
    from qgis.PyQt.QtCore import QDateTime, Qt

    year = moment.begin().date().year()
    out = {}
    for text in (f"{year}-12-31T15:00:00", f"{year + 1}-01-01T00:00:00"):
        instant = QDateTime.fromString(text, Qt.ISODate)
        frame = QgsDateTimeRange(instant, instant)
        context = QgsVectorLayerTemporalContext()
        context.setLayer(layer)
        expression = layer.temporalProperties().createFilterString(context, frame)
        years = sorted({int(f["year"]) for f in layer.getFeatures(QgsFeatureRequest().setFilterExpression(expression))})
        out[text] = {"years": years, "painted_pixels": _render([layer], png.with_name(f"{png.stem}-{text[:10]}.png"),
                                                               layer.crs(), frame)}
    return out


def _probe(layer, png: Path) -> dict:
    from qgis.core import QgsWkbTypes

    report = {"valid": layer.isValid(), "features": layer.featureCount(), "crs": layer.crs().authid(),
              "proj": layer.crs().toProj(), "spatial": layer.isSpatial(),
              "fields": [f.name() for f in layer.fields()]}
    if not layer.isValid() or not layer.isSpatial():
        return report
    report["encoding"] = layer.dataProvider().encoding()
    label = next((f for f in ("name", "name_vi") if f in report["fields"]), None)
    report["names"] = sorted({str(f[label]) for f in layer.getFeatures()}) if label else []
    renderer = layer.renderer()
    report["renderer_on_open"] = renderer.type() if renderer else None
    report["style_count"] = layer.listStylesInDatabase()[0] if layer.dataProvider().name() == "ogr" else 0
    message, loaded = layer.loadDefaultStyle()
    report["default_style_loaded"], report["default_style_message"] = bool(loaded), message
    renderer = layer.renderer()
    report["renderer"] = renderer.type()
    if renderer.type() == "categorizedSymbol":
        report["class_attribute"] = renderer.classAttribute()
        report["categories"] = [[str(c.value()) if c.value() not in (None, "") else None, c.label(),
                                 c.symbol().color().name()] for c in renderer.categories()]
        fills = [(c, c.symbol().symbolLayer(0)) for c in renderer.categories()]
        report["brushes"] = {str(c.value()): int(layer_.brushStyle()) for c, layer_ in fills
                             if hasattr(layer_, "brushStyle")}  # Qt.BrushStyle: 1 solid, 0 none, 12 hatched
    report["labels"] = bool(layer.labelsEnabled())
    if layer.labelsEnabled():
        report["label_field"] = layer.labeling().settings().fieldName
    report["temporal"] = bool(layer.temporalProperties().isActive())
    report["aliases"] = {f.name(): f.alias() for f in layer.fields() if f.alias()}
    report["geometry"] = QgsWkbTypes.geometryDisplayString(layer.geometryType())
    report["png"] = str(png)
    moment = _first_known_moment(layer) if report["temporal"] else None
    report["temporal_range"] = ([moment.begin().toString("yyyy-MM-dd"), moment.end().toString("yyyy-MM-dd")]
                                if moment else None)
    report["painted_pixels"] = _render([layer], png, layer.crs(), moment)
    if moment is not None:
        report["instants"] = _instants(layer, moment, png)
    return report


def _layers(source: Path):
    from qgis.core import QgsVectorLayer

    if source.suffix.lower() != ".gpkg":
        yield source.stem, QgsVectorLayer(str(source), source.stem, "ogr")
        return
    probe = QgsVectorLayer(str(source), "probe", "ogr")
    for sub in probe.dataProvider().subLayers():
        name = sub.split("!!::!!")[1]
        yield name, QgsVectorLayer(f"{source}|layername={name}", name, "ogr")


def main(argv: list[str]) -> int:
    from qgis.core import Qgis, QgsApplication

    report_path, png_dir, *sources = argv
    png_dir = Path(png_dir)
    png_dir.mkdir(parents=True, exist_ok=True)
    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": Qgis.QGIS_VERSION, "sources": {}}
    try:
        for source in map(Path, sources):
            layers = dict(_layers(source))
            report["sources"][str(source)] = {name: _probe(layer, png_dir / f"{source.stem}-{name}.png")
                                             for name, layer in layers.items()}
            order = [n for n in OVERVIEW if n in layers]
            if source.suffix.lower() == ".gpkg" and order:
                picked = [layers[n] for n in reversed(order)]  # first in the list is drawn on top
                report["sources"][str(source)]["overview"] = {
                    "png": str(png_dir / f"{source.stem}-overview.png"),
                    "painted_pixels": _render(picked, png_dir / f"{source.stem}-overview.png", picked[-1].crs())}
    finally:
        Path(report_path).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    # QGIS 3.22 can crash while Python tears down layers after exitQgis(); the report is written, so leave now.
    os._exit(status)
