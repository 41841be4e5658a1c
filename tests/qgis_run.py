"""Running Debian's QGIS (``/usr/bin/python3`` with python3-qgis) headless from the tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"


def qgis_env(tmp: Path) -> dict:
    """The environment of a headless QGIS subprocess (fails, never skips, when QGIS is missing)."""
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True)
    if check.returncode:
        pytest.fail(f"QGIS is not importable from {SYSTEM_PYTHON} ({check.stderr.strip()[-200:]}): "
                    "install Debian's python3-qgis (apt-get install python3-qgis); .ci/run does")
    runtime = tmp / "xdg"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp)}
    env.pop("PYTHONPATH", None)
    return env
