"""The planning area, read from ``boundaries/place.toml``: names, planning CRS, pinned datum shift.

Nothing else in the toolkit names the place or writes down projection
parameters: :mod:`haiha_geo.crs` builds its PROJ pipeline from :func:`place`,
and the map page receives the same parameters in its data block.

Examples
--------
>>> p = place()
>>> p.name, p.planning_crs, p.projection["lon_0"]
('Hải Hà', 'EPSG:5899', 107.75)
"""

from __future__ import annotations

from dataclasses import dataclass

from haiha_geo._cache import cached
from haiha_geo.authored import display_name, read_toml
from haiha_geo.errors import RegistryError

PLACE_FILE = "place.toml"
_HELMERT = ("x", "y", "z", "rx", "ry", "rz", "s")
_PROJECTION = ("lat_0", "lon_0", "k", "x_0", "y_0")


@dataclass(frozen=True)
class Place:
    """The planning area and its coordinate system."""

    name: str
    kind_vi: str
    kind_en: str
    province_vi: str
    province_en: str
    title_vi: str
    title_en: str
    bounds: tuple[float, float, float, float]
    bounds_source: str
    margin_deg: float
    likely_crs: tuple[str, ...]
    planning_crs: str
    planning_name: str
    geographic_crs: str
    crs_description_vi: str
    crs_description_en: str
    projection: dict
    transformation: str
    transformation_name: str
    transformation_basis: str
    helmert: dict
    study_unit: str
    study_era: str

    def title(self, lang: str = "vi") -> str:
        """The place's title for maps and reports."""
        return self.title_en if lang == "en" else self.title_vi

    def crs_description(self, lang: str = "vi") -> str:
        """The coordinate system line of a title block."""
        return self.crs_description_en if lang == "en" else self.crs_description_vi

    @property
    def pipeline(self) -> str:
        """PROJ pipeline WGS 84 (lon, lat in degrees) → planning CRS (E, N in metres), with the pinned shift."""
        h, p = self.helmert, self.projection
        shift = " ".join(f"+{k}={h[k]}" for k in _HELMERT)
        tm = " ".join(f"+{k}={p[k]:g}" for k in _PROJECTION)
        return ("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
                f"+step +inv +proj=helmert {shift} +convention={h['convention']} "
                "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
                f"+step +proj=tmerc {tm} +ellps={p['ellps']}")


@cached
def place() -> Place:
    """The planning area of ``boundaries/place.toml`` (validated; the key is named in every error)."""
    data = read_toml("boundaries", PLACE_FILE)
    where = display_name("boundaries", PLACE_FILE)
    try:
        about, crs, study = data["place"], data["crs"], data["study"]
        missing = [k for k in (*_HELMERT, "convention") if k not in crs["helmert"]]
        missing += [k for k in (*_PROJECTION, "ellps") if k not in crs["projection"]]
        if missing:
            raise KeyError(", ".join(missing))
        return Place(
            name=about["name"], kind_vi=about["kind_vi"], kind_en=about["kind_en"],
            province_vi=about["province_vi"], province_en=about["province_en"],
            title_vi=about["title_vi"], title_en=about["title_en"],
            bounds=tuple(float(v) for v in about["bounds"]), bounds_source=about["bounds_source"],
            margin_deg=float(about["margin_deg"]), likely_crs=tuple(about["likely_crs"]),
            planning_crs=crs["planning"], planning_name=crs["planning_name"], geographic_crs=crs["geographic"],
            crs_description_vi=crs["description_vi"], crs_description_en=crs["description_en"],
            projection=dict(crs["projection"]), transformation=crs["transformation"],
            transformation_name=crs["transformation_name"], transformation_basis=crs["transformation_basis"],
            helmert=dict(crs["helmert"]), study_unit=study["unit"], study_era=str(study["era"]))
    except KeyError as exc:
        raise RegistryError(f"{where}: missing key {exc.args[0]}; see the keys documented in the shipped "
                            "boundaries/place.toml") from None
