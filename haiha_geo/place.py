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

import datetime as dt
import math
from dataclasses import dataclass

from haiha_geo._cache import cached
from haiha_geo.authored import display_name, read_toml
from haiha_geo.errors import RegistryError

PLACE_FILE = "place.toml"
_HELMERT = ("x", "y", "z", "rx", "ry", "rz", "s")
_PROJECTION = ("lat_0", "lon_0", "k", "x_0", "y_0")
_CONVENTIONS = ("coordinate_frame", "position_vector")
_NUMBER = "must be a finite number (digits, no quotes)"


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
    #: First day the place no longer exists as a unit of its kind (``abolished_from``), or None.
    abolished_from: dt.date | None = None

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
        shift = " ".join(f"+{k}={_exact(h[k])}" for k in _HELMERT)
        tm = " ".join(f"+{k}={_exact(p[k])}" for k in _PROJECTION)
        return ("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
                f"+step +inv +proj=helmert {shift} +convention={h['convention']} "
                "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
                f"+step +proj=tmerc {tm} +ellps={p['ellps']}")


def _exact(value: float) -> str:
    """Every digit of a parameter (``:g`` would keep six): ``500000.0`` → ``500000``, ``-191.90441429`` as written."""
    return repr(value).removesuffix(".0")


@cached
def place() -> Place:
    """The planning area of ``boundaries/place.toml``, validated: every key present and of its type, every number
    finite (projection, datum shift, bounds, margin), the file and key named in every error."""
    data = read_toml("boundaries", PLACE_FILE)
    field = _Fields(data, display_name("boundaries", PLACE_FILE))
    bounds = field.numbers("place", "bounds", 4)
    if not (-180 <= bounds[0] < bounds[2] <= 180 and -90 <= bounds[1] < bounds[3] <= 90):
        raise field.error("place", "bounds", bounds, "must be [west, south, east, north] in degrees, west < east "
                          "and south < north")
    margin = field.number("place", "margin_deg")
    if margin < 0:
        raise field.error("place", "margin_deg", margin, "must be zero or a positive number of degrees")
    projection = {k: field.number("crs.projection", k) for k in _PROJECTION} | {
        "ellps": field.text("crs.projection", "ellps")}
    convention = field.text("crs.helmert", "convention")
    if convention not in _CONVENTIONS:
        raise field.error("crs.helmert", "convention", convention, f"must be one of {', '.join(_CONVENTIONS)}")
    return Place(
        name=field.text("place", "name"), kind_vi=field.text("place", "kind_vi"),
        kind_en=field.text("place", "kind_en"), province_vi=field.text("place", "province_vi"),
        province_en=field.text("place", "province_en"), title_vi=field.text("place", "title_vi"),
        title_en=field.text("place", "title_en"), bounds=bounds, bounds_source=field.text("place", "bounds_source"),
        margin_deg=margin, likely_crs=field.texts("place", "likely_crs"), planning_crs=field.text("crs", "planning"),
        planning_name=field.text("crs", "planning_name"), geographic_crs=field.text("crs", "geographic"),
        crs_description_vi=field.text("crs", "description_vi"), crs_description_en=field.text("crs", "description_en"),
        projection=projection, transformation=field.text("crs", "transformation"),
        transformation_name=field.text("crs", "transformation_name"),
        transformation_basis=field.text("crs", "transformation_basis"),
        helmert={k: field.number("crs.helmert", k) for k in _HELMERT} | {"convention": convention},
        study_unit=field.text("study", "unit"), study_era=field.text("study", "era"),
        abolished_from=field.day("place", "abolished_from") if "abolished_from" in data["place"] else None)


class _Fields:
    """Typed reads of a parsed TOML file; an error names the file and the dotted key."""

    def __init__(self, data: dict, where: str):
        self.data, self.where = data, where

    def error(self, section: str, key: str, value, expected: str) -> RegistryError:
        return RegistryError(f"{self.where}: {section}.{key} = {value!r} {expected}; see the keys documented in the "
                             "shipped boundaries/place.toml")

    def _value(self, section: str, key: str):
        table = self.data
        for part in section.split("."):
            table = table.get(part) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            raise RegistryError(f"{self.where}: missing table [{section}]; see the keys documented in the shipped "
                                "boundaries/place.toml")
        if key not in table:
            raise RegistryError(f"{self.where}: missing key {key} in [{section}]; see the keys documented in the "
                                "shipped boundaries/place.toml")
        return table[key]

    def day(self, section: str, key: str) -> dt.date:
        try:
            return dt.date.fromisoformat(self.text(section, key))
        except ValueError:
            raise self.error(section, key, self._value(section, key), "must be a day such as \"2025-07-01\"") from None

    def text(self, section: str, key: str) -> str:
        value = self._value(section, key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(section, key, value, "must be a non-empty string")
        return value

    def texts(self, section: str, key: str) -> tuple[str, ...]:
        value = self._value(section, key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(section, key, value, "must be a list of non-empty strings")
        return tuple(value)

    def number(self, section: str, key: str) -> float:
        return _finite(self._value(section, key), lambda v: self.error(section, key, v, _NUMBER))

    def numbers(self, section: str, key: str, count: int) -> tuple[float, ...]:
        value = self._value(section, key)
        if not isinstance(value, list) or len(value) != count:
            raise self.error(section, key, value, f"must be a list of {count} numbers")
        wrong = self.error(section, key, value, f"must be {count} {_NUMBER}s")
        return tuple(_finite(v, lambda _: wrong) for v in value)


def _finite(value, error) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise error(value)
    return float(value)
