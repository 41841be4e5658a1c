"""One switch for every cache of the toolkit.

Registries, era geometry and map layers are built once and cached. A cache
made with :func:`cached` is registered here, so :func:`clear_caches` (called by
:func:`haiha_geo.sources.set_data_dir` and :func:`haiha_geo.authored.set_registry_dir`)
drops them all at once: nothing keys a cache on a data path. The caches are
also dropped when a setting named by :func:`watch_env` changes (for example
``HAIHA_GEO_DATA`` set in a running notebook); a change inside a settings file
needs :func:`clear_caches`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_CACHES: list = []
_WATCHED: list[str] = []
_SEEN: list[tuple] = [()]


def watch_env(name: str) -> None:
    """Drop every cache when the environment variable ``name`` changes."""
    if name not in _WATCHED:
        _WATCHED.append(name)


def _check_settings() -> None:
    now = tuple(os.environ.get(name) for name in _WATCHED)
    if now != _SEEN[0]:
        _SEEN[0] = now
        clear_caches()


def cached(function: F) -> F:
    """:func:`functools.cache`, registered for :func:`clear_caches`.

    Examples
    --------
    >>> calls = []
    >>> @cached
    ... def twice(x):
    ...     calls.append(x)
    ...     return 2 * x
    >>> twice(2), twice(2), len(calls)
    (4, 4, 1)
    >>> clear_caches(); twice(2), len(calls)
    (4, 2)
    """
    memo = functools.cache(function)
    _CACHES.append(memo)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _check_settings()
        return memo(*args, **kwargs)

    wrapper.cache_clear = memo.cache_clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def clear_caches() -> None:
    """Drop every cached registry, era model and map layer (the next call rebuilds them).

    Examples
    --------
    >>> clear_caches()
    """
    for memo in _CACHES:
        memo.cache_clear()
