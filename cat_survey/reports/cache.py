"""Small in-process stores each app keeps: the dashboard's query results and charts.

Keyed by what the cached value depends on (the filters, the day, a data version,
the language), so an entry is never stale, only unused; the least recently used
goes first.
"""

import threading
from collections import OrderedDict
from typing import Any

from flask import current_app


class LruCache:
    """A thread-safe least-recently-used store (rendered charts, query results)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        """The value stored under ``key``, marked as just used; None if absent."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        """Store a value, dropping the least recently used beyond ``maxsize``."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def app_cache(extension: str, maxsize: int) -> LruCache:
    """This app's cache stored under ``extension``."""
    return current_app.extensions.setdefault(extension, LruCache(maxsize))
