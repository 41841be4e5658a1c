"""How generalised a reference source is: the lengths of the straight segments of its boundary lines.

A source drawn with long segments cannot be read at a large scale: its line may lie a good part of a
segment's length away from the surveyed boundary. The measure is taken at run time from the polygons (the
sources' licences forbid storing anything derived from them) in the planning CRS, and kept in the on-disk
cache (:mod:`haiha_geo.disk_cache`) under the path, size and modification time of the source file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import shapely

from haiha_geo import disk_cache
from haiha_geo.crs import PLANNING_CRS
from haiha_geo.sources import read_source, source_file

#: Drawing tolerance of a printed sheet: the finest line a plotter and an eye resolve, 0.3 mm on paper.
DRAWING_TOLERANCE_MM = 0.3


@dataclass(frozen=True)
class Generalisation:
    """Segment lengths (metres, in the planning CRS) of a source's boundary lines."""

    segments: int
    mean_m: float
    median_m: float
    max_m: float


def segment_lengths(geometries: np.ndarray) -> np.ndarray:
    """Lengths of every straight segment of the rings of ``geometries`` (polygons), in their CRS's units.

    Examples
    --------
    >>> segment_lengths(np.array([shapely.box(0, 0, 3, 4)])).tolist()
    [4.0, 3.0, 4.0, 3.0]
    """
    rings = shapely.get_rings(shapely.get_parts(geometries))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_of[1:] == ring_of[:-1]
    return np.hypot(*np.diff(coords, axis=0)[same_ring].T)


def _measure(name: str, file: str) -> bytes:
    lengths = segment_lengths(read_source(name, file).to_crs(PLANNING_CRS).geometry.to_numpy())
    found = Generalisation(len(lengths), float(lengths.mean()), float(np.median(lengths)), float(lengths.max()))
    return json.dumps(asdict(found)).encode()


def generalisation(name: str, file: str = "communes") -> Generalisation:
    """The measured segment lengths of source ``name``'s ``file``, cached per source file.

    Examples
    --------
    >>> found = generalisation("gadm41")
    >>> found.segments > 0 and 0 < found.median_m <= found.max_m
    True
    """
    stat = source_file(name, file).stat()
    parts = [name, file, str(source_file(name, file)), stat.st_size, stat.st_mtime_ns]
    return Generalisation(**json.loads(disk_cache.remember("generalisation", parts, lambda: _measure(name, file))))


def drawing_tolerance_m(scale: int) -> float:
    """The drawing tolerance of a sheet at 1:``scale`` in metres on the ground (0.3 mm on paper).

    Examples
    --------
    >>> drawing_tolerance_m(2000)
    0.6
    """
    return round(DRAWING_TOLERANCE_MM * scale / 1000, 6)


def coarser_than_sheet(name: str, scale: int, file: str = "communes") -> bool:
    """Whether source ``name``'s mean segment is longer than the drawing tolerance at 1:``scale``.

    Examples
    --------
    >>> coarser_than_sheet("gadm41", 2000)
    True
    """
    return generalisation(name, file).mean_m > drawing_tolerance_m(scale)
