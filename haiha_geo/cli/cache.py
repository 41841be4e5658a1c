"""``cache info`` and ``cache clear``: the on-disk cache of derived layers and tables (:mod:`haiha_geo.disk_cache`)."""

from __future__ import annotations

import argparse

from haiha_geo import disk_cache

WORDS = {
    "vi": {"folder": "Thư mục bộ nhớ đệm", "entries": "Số mục", "size": "Dung lượng",
           "cleared": "Đã xoá {n} mục khỏi {path}"},
    "en": {"folder": "Cache folder", "entries": "Entries", "size": "Size",
           "cleared": "Removed {n} entries from {path}"},
}


def register(sub) -> None:
    """Add ``cache info`` and ``cache clear``."""
    p = sub.add_parser("cache", help="the on-disk cache of era layers and tables: where it is, its size; clear it",
                       description="Commands keep what they derived (era tables, crosswalks) in a cache folder "
                                   f"({disk_cache.CACHE_ENV_VAR}, cache_dir in haiha-geo.toml, else "
                                   "$XDG_CACHE_HOME/haiha-geo or ~/.cache/haiha-geo); an entry is rebuilt when the "
                                   "toolkit, the authored files or the reference files change. "
                                   "`haiha-geo --no-cache COMMAND` neither reads nor writes it.")
    p.add_argument("action", choices=("info", "clear"), help="info: folder, entries and size; clear: remove them")
    p.add_argument("--lang", choices=tuple(WORDS), default="vi", help="language of the lines (default vi)")
    p.set_defaults(func=_cache)


def size_text(size: int, lang: str = "vi") -> str:
    """A size in bytes for people: ``"1,5 MB"`` in Vietnamese, ``"1.5 MB"`` in English.

    Examples
    --------
    >>> size_text(0), size_text(1536), size_text(2_500_000, "en"), size_text(1_234_567_890)
    ('0 B', '1,5 kB', '2.5 MB', '1.234,6 MB')
    """
    unit, value = next(((u, size / f) for u, f in (("MB", 1e6), ("kB", 1e3)) if size >= f), ("B", size))
    text = f"{value:,.1f}" if unit != "B" else f"{value:,d}"
    return (text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text) + f" {unit}"


def _cache(args: argparse.Namespace) -> int:
    words = WORDS[args.lang]
    if args.action == "clear":
        print(words["cleared"].format(n=disk_cache.clear(), path=disk_cache.cache_dir().path))
        return 0
    found = disk_cache.info()
    print(f"{words['folder']}: {found.path} ({found.setting})\n{words['entries']}: {found.entries}\n"
          f"{words['size']}: {size_text(found.size, args.lang)}")
    return 0
