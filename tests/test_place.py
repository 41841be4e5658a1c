"""The planning area of boundaries/place.toml: the one place the CRS parameters are written."""

from __future__ import annotations

import shutil

import pytest
from pyproj import Transformer

from haiha_geo import authored, place
from haiha_geo.crs import PIPELINE, PLANNING_CRS
from haiha_geo.errors import RegistryError
from haiha_geo.maps.payload import projection


def test_pipeline_is_built_from_the_place_and_gives_the_known_point():
    assert place.place().pipeline == PIPELINE and PLANNING_CRS == "EPSG:5899"
    e, n = Transformer.from_pipeline(place.place().pipeline).transform(107.7525, 21.45167)
    assert f"{e:.3f} {n:.3f}" == "500064.012 2372959.797"


def test_the_map_page_receives_the_same_parameters():
    p = place.place()
    sent = projection(p)
    assert sent["tm"]["lon0"] == p.projection["lon_0"] and sent["helmert"]["s"] == p.helmert["s"]


def test_a_place_file_missing_a_key_names_it(tmp_path):
    shutil.copytree(authored.shipped_dir("boundaries"), tmp_path / "boundaries")
    path = tmp_path / "boundaries" / "place.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("rz = -0.00427372, ", ""), encoding="utf-8")
    authored.set_registry_dir(tmp_path)
    try:
        with pytest.raises(RegistryError, match=r"place\.toml: missing key rz"):
            place.place()
    finally:
        authored.set_registry_dir(None)
