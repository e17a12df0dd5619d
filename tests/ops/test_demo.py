from __future__ import annotations

from pathlib import Path

from agency_desktop.ops.demo import ensure_demo_folder
from agency_desktop.stores.listing import find_problem_files, list_sessions
from agency_desktop.stores.schema import StoreKind
from agency_desktop.stores.stats import get_session_stats


def test_demo_folder_holds_real_stores_of_every_kind(tmp_path: Path) -> None:
    folder = ensure_demo_folder(tmp_path / "demo")
    sessions = {s.session_id: s for s in list_sessions(folder)}
    assert set(sessions) == {
        "weather-chat",
        "support-1042",
        "support-1043",
        "research-trip",
        "custom-tables",
    }
    assert {s.kind for s in sessions.values()} == {
        StoreKind.PLAIN,
        StoreKind.ADVANCED,
        StoreKind.CUSTOM,
    }
    assert find_problem_files(folder) == []
    research = get_session_stats(folder / "research.db", "research-trip")
    assert research.token_usage is not None and len(research.token_usage.turns) == 4
    assert research.tool_calls == {"get_weather": 4}
    assert research.branches == {"main": 12, "what-if-rome": 12}  # turns 1-2 shared, then Rome
    assert get_session_stats(folder / "support.db").session_count == 2


def test_demo_folder_is_written_once(tmp_path: Path) -> None:
    folder = ensure_demo_folder(tmp_path / "demo")
    marker = folder / "weather.db"
    mtime = marker.stat().st_mtime_ns
    assert ensure_demo_folder(tmp_path / "demo") == folder
    assert marker.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # no staging folder left
