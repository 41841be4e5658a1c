"""``export`` and ``reaggregate``: exchanging layers and tables with QGIS and spreadsheets."""

from __future__ import annotations


def register(sub) -> None:
    """Add the exchange subcommands (none yet)."""
