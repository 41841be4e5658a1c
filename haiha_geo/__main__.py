"""``python -m haiha_geo``: the ``haiha-geo`` command."""

import sys

from haiha_geo.cli import main

sys.exit(main())
