"""State shared by every process: one interface, an in-process and a Redis implementation."""

from __future__ import annotations

from frontdesk.store.base import Store


def open_store(url: str | None, *, node_id: str) -> Store:
    """Pick the backend from the URL: none means the in-process store (one process only)."""
    if url is None:
        from frontdesk.store.memory import MemoryStore

        return MemoryStore()
    from frontdesk.store.redis import RedisStore

    return RedisStore(url, node_id=node_id)


__all__ = ["Store", "open_store"]
