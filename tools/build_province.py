"""Write ``units.csv`` and ``lineage.csv`` of a province place folder from the province research tables.

Usage::

    python tools/build_province.py RESEARCH_DIR [PLACE_DIR]

``RESEARCH_DIR`` holds the research tables of the province (``units_2019.csv`` and ``lineage_837.csv``,
``lineage_1199.csv``, ``lineage_1679.csv``: the GSO lists and the resolutions' text, each row with its source
and confidence; for Quảng Ninh the project's ``shared/research/province/``). ``PLACE_DIR`` is the place folder
(default ``places/quang-ninh``); its ``eras.toml`` gives each era's days and acts and its ``place.toml`` the
places it includes. The rows of an included place (for Quảng Ninh the former Hải Hà district, authored once
in the default place) are not written: the toolkit reads them from that place. Nothing here reads a
reference polygon. The other files of the folder (eras, acts, references, aliases, place, sources) are
authored by hand, and so are the published figures of ``units.csv`` (official area and population, each with
its source and confidence): a rerun keeps them from the file it replaces. The output is byte-identical on a
rerun; check it with ``haiha-geo --place NAME validate``.
"""

from __future__ import annotations

import csv
import itertools
import sys
import unicodedata
from pathlib import Path

from haiha_geo.authored import era_days, includes, view

ROOT = Path(__file__).resolve().parents[1]
#: The unit type words of the research tables' full names, as units.csv writes them.
PREFIX = {"Thị trấn": "thị trấn", "Phường": "phường", "Xã": "xã", "Đặc khu": "đặc khu"}
#: The act of each step and the research table of its lineage.
STEPS = (("NQ837", "lineage_837.csv"), ("NQ1199", "lineage_1199.csv"), ("NQ1679", "lineage_1679.csv"))
#: The reference of the codes of each era's units, and of each act's lineage rows.
CODE_REF = {"2019": "DVHCVN-2019", "2020": "DVHCVN-837", "2024": "DVHCVN-1199", "2025": "NQ1679"}
LINK_REF = {"NQ837": "DVHCVN-837", "NQ1199": "DVHCVN-1199", "NQ1679": "NQ1679"}
UNIT_COLUMNS = ["unit_id", "era", "code", "name", "type", "district", "valid_from", "valid_to", "created_by",
                "ended_by", "code_ref", "official_area_ha", "official_area_ref", "official_area_confidence",
                "population", "population_year", "population_ref", "population_confidence"]
LINK_COLUMNS = ["act_id", "clause", "from_unit_id", "to_unit_id", "relation", "ref_id", "confidence"]


def read(path: Path) -> list[dict]:
    """The rows of a research table, NFC."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [{k: unicodedata.normalize("NFC", v) for k, v in row.items()} for row in csv.DictReader(handle)]


def split_name(full: str) -> tuple[str, str]:
    """``"Phường Hà Khánh"`` → ``("Hà Khánh", "phường")``."""
    for prefix, kind in PREFIX.items():
        if full.startswith(prefix + " "):
            return full[len(prefix) + 1:], kind
    raise ValueError(f"no unit type word in {full!r}")


def build(research: Path, place: Path) -> tuple[list[dict], list[dict]]:
    """The unit rows and lineage rows of ``place`` that no included place gives."""
    root = place / "boundaries"
    eras = era_days(root)
    ids = [e["id"] for e in eras]
    given = {u["unit_id"] for include in includes(root) for u in view(include, "units.csv", eras)}
    units: list[dict] = []

    def add(era: dict, code: str, full: str, district: str) -> None:
        name, kind = split_name(full)
        following = ids.index(era["id"]) + 1
        units.append(dict.fromkeys(UNIT_COLUMNS, "") | {
            "unit_id": f"{era['id']}/{code}", "era": era["id"], "code": code, "name": name, "type": kind,
            "district": district, "valid_from": era["valid_from"], "valid_to": era["valid_to"] or "",
            "created_by": era["opened_by"], "ended_by": eras[following]["opened_by"] if following < len(eras) else "",
            "code_ref": CODE_REF[era["id"]]})

    for row in read(research / "units_2019.csv"):
        add(eras[0], row["code"], row["name"], row["district_name"])
    links = []
    for (act, table), (older, newer) in zip(STEPS, itertools.pairwise(eras)):
        done: set[str] = set()
        for row in read(research / table):
            if row["to_code"] not in done:
                done.add(row["to_code"])
                add(newer, row["to_code"], row["to_name"], row.get("to_district", ""))
            links.append({"act_id": act, "clause": row.get("clause", ""),
                          "from_unit_id": f"{older['id']}/{row['from_code']}",
                          "to_unit_id": f"{newer['id']}/{row['to_code']}", "relation": row["relation"],
                          "ref_id": LINK_REF[act], "confidence": row["confidence"]})
    return ([u for u in units if u["unit_id"] not in given],
            [link for link in links if link["from_unit_id"] not in given])


def write(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Write ``rows`` as CSV (LF line ends) through a temporary file."""
    partial = path.with_suffix(".csv.partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)


#: The columns of ``units.csv`` authored by hand (published figures), kept by a rerun.
FIGURES = tuple(c for c in UNIT_COLUMNS if c.startswith(("official_area", "population")))


def kept_figures(path: Path, units: list[dict]) -> list[dict]:
    """``units`` with the published figures of the same units in the file at ``path`` (if there is one)."""
    if not path.exists():
        return units
    with path.open(encoding="utf-8", newline="") as handle:
        old = {row["unit_id"]: row for row in csv.DictReader(handle)}
    return [unit | {c: old[unit["unit_id"]].get(c, "") for c in FIGURES} if unit["unit_id"] in old else unit
            for unit in units]


def main(argv: list[str]) -> None:
    if len(argv) not in (1, 2):
        sys.exit(__doc__.split("\n\n")[1].strip())
    place = Path(argv[1]) if len(argv) == 2 else ROOT / "places" / "quang-ninh"
    units, links = build(Path(argv[0]), place)
    units = kept_figures(place / "boundaries" / "units.csv", units)
    write(place / "boundaries" / "units.csv", units, UNIT_COLUMNS)
    write(place / "boundaries" / "lineage.csv", links, LINK_COLUMNS)
    print(f"{len(units)} units, {len(links)} lineage rows written to {place / 'boundaries'}")


if __name__ == "__main__":
    main(sys.argv[1:])
