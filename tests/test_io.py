import hashlib
import json

import pytest

from haiha_geo import io, vector_io
from haiha_geo.errors import CRSError, GeometryError, InputFileError


def _feature(coords, props=None):
    return {"type": "Feature", "properties": props or {}, "geometry": {"type": "Polygon", "coordinates": [coords]}}


SQUARE = [[107.74, 21.44], [107.76, 21.44], [107.76, 21.46], [107.74, 21.46], [107.74, 21.44]]


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    io.write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"


def test_read_layer_leaves_input_untouched(tmp_path):
    path = tmp_path / "zone.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [_feature(SQUARE, {"name": "Khu A"})]}))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    frame = vector_io.read_layer(path)
    assert frame.crs.to_epsg() == 4326 and frame["name"].tolist() == ["Khu A"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("content,error,message", [
    ("{not json", InputFileError, "cannot read"),
    (json.dumps({"type": "FeatureCollection", "features": []}), InputFileError, "no features"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": None}]}),
     GeometryError, "no geometry"),
    (json.dumps({"type": "FeatureCollection",
                 "features": [_feature([[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]])]}),
     CRSError, "outside Vietnam"),
])
def test_read_layer_rejects(tmp_path, content, error, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(error, match=message):
        vector_io.read_layer(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        vector_io.read_layer(tmp_path / "nope.gpkg")


def test_atomic_output_gets_ordinary_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        path = io.write_atomic(tmp_path / "map.html", "<html></html>")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("chunk", [1, 7, 50, None])
def test_reading_in_chunks_equals_one_read(tmp_path, chunk):
    import geopandas as gpd
    import pandas as pd
    import shapely

    frame = gpd.GeoDataFrame({"n": range(50), "name": [f"thửa {i}" for i in range(50)]},
                             geometry=[shapely.box(500_000 + i, 2_372_000, 500_001 + i, 2_372_001) for i in range(50)],
                             crs="EPSG:5899")
    path = tmp_path / "parcels.gpkg"
    frame.to_file(path)
    chunks = list(vector_io.iter_layer(path, chunk_features=chunk))
    assert max(len(c) for c in chunks) == (50 if chunk is None else min(chunk, 50))
    pd.testing.assert_frame_equal(pd.concat(chunks), vector_io.read_layer(path))


def test_geoparquet_is_read_in_batches_with_its_crs(tmp_path):
    import geopandas as gpd
    import numpy as np
    import shapely

    from haiha_geo.vector_io import iter_layer

    frame = gpd.GeoDataFrame({"n": np.arange(7)}, geometry=shapely.points(np.full(7, 500000.0), np.full(7, 2372000.0)),
                             crs="EPSG:5899")
    frame.to_parquet(tmp_path / "p.parquet")
    chunks = list(iter_layer(tmp_path / "p.parquet", chunk_features=3))
    assert [list(c.index) for c in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [c.crs.to_epsg() for c in chunks] == [5899] * 3
    assert [int(n) for c in chunks for n in c["n"]] == list(range(7))


def test_a_parquet_table_without_geometry_is_named(tmp_path):
    import pandas as pd
    import pytest

    from haiha_geo.errors import InputFileError
    from haiha_geo.vector_io import read_layer

    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(InputFileError, match="without GeoParquet metadata"):
        read_layer(tmp_path / "plain.parquet")
