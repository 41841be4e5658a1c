"""Typed errors. Every error names the problem and, where possible, the fix.

All inherit from :class:`HaihaGeoError`, so a caller (or the CLI, which turns
them into exit status 2) can catch one type.
"""

from __future__ import annotations


class HaihaGeoError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class DataDirError(HaihaGeoError):
    """The reference data directory is missing, incomplete or altered."""


class UnknownEraError(HaihaGeoError, ValueError):
    """An era or date outside the eras the toolkit models."""


class UnknownUnitError(HaihaGeoError, KeyError):
    """A unit name or code that matches no unit."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class CRSError(HaihaGeoError, ValueError):
    """A missing, unsupported or implausible coordinate reference system."""


class GeometryError(HaihaGeoError, ValueError):
    """Empty, invalid or non-polygonal geometry where polygons are needed."""


class InputFileError(HaihaGeoError, ValueError):
    """A file that cannot be read, or whose content is malformed."""


class RegistryError(HaihaGeoError, ValueError):
    """An authored data file (registry, lineage, layer) is inconsistent."""


class OutputPathError(HaihaGeoError, ValueError):
    """An output that cannot be written where asked, or that would land on an input."""


class OptionError(HaihaGeoError, ValueError):
    """An option or parameter value that is out of range, not a number, or in conflict with another."""


class OutsidePlanningAreaError(CRSError, GeometryError):
    """A layer that does not touch Hải Hà district: a wrong CRS (most often) or a wrong file.

    It is both a :class:`CRSError` and a :class:`GeometryError`, so either ``except`` catches it.
    """


class TableValueError(HaihaGeoError, ValueError):
    """Values of a table that are duplicated, not numbers, not finite, or unfit for their column."""


class LargeOutputWarning(UserWarning):
    """An output (page, table) so large that it is slow to open or share; the message names the option
    that makes it smaller."""


class PrintLayoutError(HaihaGeoError, ValueError):
    """A printed page that cannot be laid out: unknown paper, a scale out of range, a sheet too big for the paper."""


class GeometryRepairError(GeometryError):
    """Invalid geometry in strict mode: the input must be fixed at its source instead of repaired."""


class GeometryRepairWarning(UserWarning):
    """Invalid geometry repaired with ``make_valid``; the message says what changed and the area before/after."""
