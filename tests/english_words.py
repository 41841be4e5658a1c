"""English words a Vietnamese table must not hold (issue 21 item 2), and the finder the table tests share."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Common English words of the toolkit's tables and notes; codes (upper case) and file names are not words.
ENGLISH = frozenset({
    "total", "unclassified", "code", "map", "area", "unverified", "verified", "source", "sources", "coverage",
    "gaps", "overlaps", "share", "planned", "existing", "phase", "plot", "plots", "land", "use", "the", "and", "of",
    "per", "person", "norm", "level", "yes", "warning", "population", "increase", "decrease", "floors",
    "ratio", "unit", "units", "form", "annex", "see", "sheet", "inferred", "confirmed", "commune", "town",
    "district", "merged", "into", "split", "from", "with", "by", "not", "only", "is", "are", "or",
})


def english_words(texts: Iterable[object]) -> set[str]:
    """The words of ``texts`` found in :data:`ENGLISH`, leaving out codes (upper case) and paths (``a/b_c.csv``).

    >>> sorted(english_words(["Tổng cộng", "TOTAL | map area", "layers/land_use_codes.csv"]))
    ['area', 'map']
    """
    tokens = [t for text in texts for t in str(text).split() if "/" not in t and "_" not in t]
    return {w.lower() for t in tokens for w in re.findall(r"[A-Za-z]+", t) if not w.isupper()} & ENGLISH
