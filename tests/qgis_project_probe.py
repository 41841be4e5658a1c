"""Open a QGIS project with QGIS itself, report its layers and layout, export the layout to PDF.

Usage: ``qgis_project_probe.py PROJECT.qgz TEMPLATE.qpt REPORT.json OUT.pdf`` under Debian's ``/usr/bin/python3``
(``QT_QPA_PLATFORM=offscreen``). The report gives, per layer: validity, source, renderer type and the colour
of its first symbol; for the layout: its items, the map item's scale and grid, the legend's layers, the
texts of its labels, the result of :class:`QgsLayoutExporter`'s PDF export and, once drawn, every item's
rectangle on the page (``rects``); for the template: the
items of a layout loaded from it. Only the standard library is imported at module level.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _first_colour(renderer) -> str | None:
    symbols = renderer.symbols(_context())
    return symbols[0].color().name() if symbols else None


def _context():
    from qgis.core import QgsRenderContext

    return QgsRenderContext()


def _layers(project) -> dict:
    out = {}
    for layer in project.mapLayers().values():
        entry = {"valid": layer.isValid(), "name": layer.name(), "source": layer.source(),
                 "spatial": layer.isSpatial()}
        if layer.isValid() and layer.isSpatial():
            entry["renderer"] = layer.renderer().type()
            entry["colour"] = _first_colour(layer.renderer())
            entry["features"] = layer.featureCount()
        out[layer.id()] = entry
    return out


def _layout(layout) -> dict:
    from qgis.core import (
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
    )

    items = [i for i in layout.items() if hasattr(i, "uuid")]
    maps = [i for i in items if isinstance(i, QgsLayoutItemMap)]
    report = {"name": layout.name(), "pages": layout.pageCollection().pageCount(),
              "kinds": sorted({type(i).__name__ for i in items})}
    if maps:
        grid = maps[0].grids().grid(0) if maps[0].grids().size() else None
        report["map"] = {"scale": maps[0].scale(), "crs": maps[0].crs().authid(),
                         "layers": [lyr.id() for lyr in maps[0].layersToRender()],
                         "grid": {"interval": grid.intervalX(), "crs": grid.crs().authid() or None,
                                  "annotations": grid.annotationEnabled()} if grid else None}
    legends = [i for i in items if isinstance(i, QgsLayoutItemLegend)]
    report["legend"] = [n.name() for n in legends[0].model().rootGroup().findLayers()] if legends else None
    report["labels"] = [i.text() for i in items if isinstance(i, QgsLayoutItemLabel)]
    report["scalebar"] = [i.unitsPerSegment() for i in items if isinstance(i, QgsLayoutItemScaleBar)]
    report["pictures"] = [[i.picturePath(), i.isMissingImage()] for i in items if isinstance(i, QgsLayoutItemPicture)]
    return report


def _rects(layout) -> dict:
    """The page size and every item's rectangle (x0, y0, x1, y1, mm) on it, once the layout was drawn.

    ``frame`` is the item's own rectangle (position and size), ``drawn`` QGIS's bounding rectangle of what it
    draws (with the map's grid annotations). A legend sizes itself to its contents when first drawn: it is
    measured after :meth:`QgsLayoutItemLegend.adjustBoxSize`.
    """
    from qgis.core import QgsLayoutItemLegend, QgsLayoutItemPage

    page = layout.pageCollection().page(0)
    out = {"page": [page.sizeWithUnits().width(), page.sizeWithUnits().height()], "frame": {}, "drawn": {}}
    for item in layout.items():
        if not hasattr(item, "uuid") or isinstance(item, QgsLayoutItemPage):
            continue
        if isinstance(item, QgsLayoutItemLegend):
            item.adjustBoxSize()
        for key, box in (("frame", item.mapRectToScene(item.rect())), ("drawn", item.sceneBoundingRect())):
            out[key][item.id()] = [box.left(), box.top(), box.right(), box.bottom()]
    return out


def main(argv: list[str]) -> int:
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsLayoutExporter,
        QgsPrintLayout,
        QgsProject,
        QgsReadWriteContext,
        QgsRenderContext,
    )
    from qgis.PyQt.QtXml import QDomDocument

    project_path, template_path, report_path, pdf = argv
    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": Qgis.QGIS_VERSION}
    try:
        project = QgsProject.instance()
        report["read"] = project.read(project_path)
        report["crs"] = project.crs().authid()
        report["layers"] = _layers(project)
        layouts = project.layoutManager().printLayouts()
        report["layouts"] = [_layout(lay) for lay in layouts]
        if layouts:
            settings = QgsLayoutExporter.PdfExportSettings()
            settings.textRenderFormat = QgsRenderContext.TextFormatAlwaysText
            report["pdf"] = int(QgsLayoutExporter(layouts[0]).exportToPdf(pdf, settings))  # 0: success
            report["rects"] = _rects(layouts[0])
        doc = QDomDocument()
        doc.setContent(Path(template_path).read_text(encoding="utf-8"))
        template = QgsPrintLayout(project)
        loaded = template.loadFromTemplate(doc, QgsReadWriteContext())
        report["template"] = {"loaded": bool(loaded[1]), **_layout(template)}
    finally:
        Path(report_path).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(status)  # QGIS 3.22 can crash tearing layers down after exitQgis(); the report is written
