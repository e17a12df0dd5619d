from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from agency_desktop.sessions.pool import SessionPool, store_file_name


class FakeClock:
    """Deterministic time for idle checks (the pool takes its clock as a parameter)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _is_closed(session) -> bool:
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(session.get_items())
    return True


def test_lru_eviction_closes_the_least_recently_used(tmp_path: Path) -> None:
    pool = SessionPool(tmp_path, max_sessions=2)
    a, b = pool.get_session("a"), pool.get_session("b")
    pool.get_session("a")  # a is now the most recent
    pool.get_session("c")
    assert pool.active_session_ids == ["a", "c"]
    assert _is_closed(b)
    assert asyncio.run(a.get_items()) == []
    pool.close_all()
    assert len(pool) == 0 and _is_closed(a)


def test_cleanup_inactive_closes_only_idle_sessions(tmp_path: Path) -> None:
    clock = FakeClock()
    pool = SessionPool(tmp_path, idle_seconds=60, clock=clock)
    old = pool.get_session("old")
    clock.now += 50
    pool.get_session("fresh")
    clock.now += 20
    assert pool.cleanup_inactive() == ["old"]
    assert _is_closed(old)
    assert pool.active_session_ids == ["fresh"]
    again = pool.get_session("old")  # reopened on demand, same store file
    assert again is not old and (tmp_path / "old.db").is_file()
    pool.close_all()


def test_concurrent_get_session_returns_one_session_per_id(tmp_path: Path) -> None:
    pool = SessionPool(tmp_path, max_sessions=100)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        results.append(pool.get_session("shared"))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(r) for r in results}) == 1
    pool.close_all()


def test_session_ids_cannot_escape_the_pool_folder(tmp_path: Path) -> None:
    for session_id in ("../evil", "a/b", "..", ".hidden", "x" * 400, "naïve id"):
        name = store_file_name(session_id)
        assert "/" not in name and not name.startswith(".") and len(name) < 255
    with SessionPool(tmp_path / "pool") as pool:
        pool.get_session("../evil")
    assert [p.parent for p in (tmp_path / "pool").iterdir()] == [tmp_path / "pool"]


def test_invalid_limits_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SessionPool(tmp_path, max_sessions=0)
    with pytest.raises(ValueError):
        SessionPool(tmp_path, idle_seconds=-1)
