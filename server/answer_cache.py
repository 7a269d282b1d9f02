"""Answers of repeated queries kept in memory, per build: bounded by total bytes, least recently used first out,
emptied when a new build lands (the data changes only then)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class AnswerCache(Generic[V]):
    """A byte-bounded LRU map from request keys to answers of one build identity."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._identity: object = None
        self._lock = threading.Lock()

    def get(self, identity: object, key: str) -> V | None:
        """The answer stored for ``key`` under build ``identity``, or ``None``."""
        with self._lock:
            if identity != self._identity:
                return None
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, identity: object, key: str, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes) for ``key``; a new ``identity`` first empties the cache."""
        if size > self.max_bytes // 8:  # a few large answers must not evict every small one
            return
        with self._lock:
            if identity != self._identity:
                self._items.clear()
                self._bytes = 0
                self._identity = identity
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)
