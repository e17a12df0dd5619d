"""agency-sessions, run in-process through main(); output is captured, exit codes checked."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agency_desktop import cli
from agency_desktop.stores.listing import list_sessions
from tests.helpers.cli import run
from tests.helpers.stores import item_texts


def test_list_json_and_table(capsys, store_folder: Path) -> None:
    (store_folder / "junk.db").write_bytes(b"junk")
    code, out, err = run(capsys, "list", store_folder, "--json")
    data = json.loads(out)
    assert code == 0
    assert {s["session_id"] for s in data["sessions"]} == {
        "plain-1",
        "shared-a",
        "shared-b",
        "adv-1",
        "custom-1",
    }
    assert [p["problem"] for p in data["problems"]] == ["not SQLite"]
    code, out, err = run(capsys, "list", store_folder)
    assert code == 0 and "shared-b" in out and "advanced" in out
    assert "junk.db" in err


def test_list_without_folder_shows_the_demo(capsys) -> None:
    code, out, err = run(capsys, "list", "--json")
    assert code == 0 and "demo folder" in err
    assert {s["session_id"] for s in json.loads(out)["sessions"]} >= {
        "weather-chat",
        "research-trip",
    }


def test_stats_and_show(capsys, store_folder: Path) -> None:
    code, out, _ = run(
        capsys, "stats", store_folder / "advanced.db", "--session", "adv-1", "--json"
    )
    assert code == 0 and json.loads(out)["token_usage"]["requests"] == 4
    code, out, _ = run(capsys, "stats", store_folder / "advanced.db")
    assert code == 0 and "total tokens" in out
    code, out, _ = run(capsys, "show", store_folder / "plain.db", "--session", "plain-1")
    assert code == 0 and "Weather in Oslo?" in out and "Tool call: get_weather" in out


def test_bad_input_gives_clear_message_and_status_2(
    capsys, store_folder: Path, broken_folder
) -> None:
    _, files = broken_folder
    code, _, err = run(capsys, "stats", files["random"])
    assert code == 2 and "random.db" in err and "not an SQLite database" in err
    code, _, err = run(capsys, "show", store_folder / "plain.db", "--session", "nope")
    assert code == 2 and "no session 'nope'" in err
    code, _, err = run(capsys, "list", store_folder / "absent")
    assert code == 2 and "no such folder" in err
    with pytest.raises(SystemExit) as caught:
        cli.main(["cleanup", str(store_folder), "--older-than", "soon"])
    assert caught.value.code == 2


def test_backup_file_and_folder(capsys, store_folder: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "backup", store_folder / "shared.db", tmp_path / "one.db")
    assert code == 0 and "verified" in out
    assert item_texts(tmp_path / "one.db", "shared-a")
    code, out, _ = run(capsys, "backup", store_folder, tmp_path / "all", "--json")
    assert code == 0 and len(json.loads(out)["backups"]) == 4
    assert len(list_sessions(tmp_path / "all")) == 5
    code, _, err = run(capsys, "backup", store_folder / "shared.db", tmp_path / "one.db")
    assert code == 2 and "already exists" in err


def test_cleanup_dry_run_changes_nothing_and_real_run_needs_confirmation(
    capsys, store_folder: Path
) -> None:
    code, out, _ = run(capsys, "cleanup", store_folder, "--older-than", "0", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True and len(json.loads(out)["files"]) == 4
    assert len(list_sessions(store_folder)) == 5
    code, _, err = run(
        capsys, "cleanup", store_folder, "--older-than", "0"
    )  # stdin is not a terminal
    assert code == 2 and "--yes" in err
    assert len(list_sessions(store_folder)) == 5
    code, out, _ = run(capsys, "cleanup", store_folder, "--older-than", "30", "--yes")
    assert code == 0 and "0 sessions" in out


def test_migrate_and_export_import(capsys, store_folder: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys, "migrate", store_folder / "shared.db", tmp_path / "m.db", "--session", "shared-b"
    )
    assert code == 0 and "12 items" in out
    code, _, err = run(
        capsys, "migrate", store_folder / "shared.db", tmp_path / "m.db", "--session", "shared-b"
    )
    assert code == 2 and "already exists" in err
    code, _, _ = run(
        capsys,
        "export",
        tmp_path / "m.db",
        "--session",
        "shared-b",
        "--format",
        "jsonl",
        "-o",
        tmp_path / "e.jsonl",
    )
    assert code == 0
    code, _, _ = run(
        capsys, "migrate", tmp_path / "e.jsonl", tmp_path / "i.db", "--session", "imported"
    )
    assert code == 0
    assert item_texts(tmp_path / "i.db", "imported") == item_texts(
        store_folder / "shared.db", "shared-b"
    )
    code, out, _ = run(
        capsys, "export", tmp_path / "m.db", "--session", "shared-b", "--format", "markdown"
    )
    assert code == 0 and out.startswith("# Session `shared-b`")


def test_check_reports_bad_files_with_status_1(capsys, store_folder: Path, broken_folder) -> None:
    code, out, _ = run(capsys, "check", store_folder)
    assert code == 0 and "4 files checked, 0 with problems" in out
    folder, _ = broken_folder
    code, out, _ = run(capsys, "check", folder, "--json")
    results = {Path(r["path"]).name: r for r in json.loads(out)}
    assert code == 1
    assert results["truncated.db"]["problem"]["problem"] == "corrupt"
    assert results["other.sqlite"]["problem"]["problem"] == "not a session store"


def test_entry_point_is_installed(store_folder: Path) -> None:
    script = Path(sys.executable).with_name("agency-sessions")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("agency-sessions ")
    cutoff = datetime.now(UTC) - timedelta(days=1)
    assert all(i.updated_at and i.updated_at > cutoff for i in list_sessions(store_folder))


def test_reorganising_commands(capsys, store_folder: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys, "move", store_folder / "shared.db", tmp_path / "m.db", "--session", "shared-a"
    )
    assert code == 0 and "backed up" in out
    assert item_texts(store_folder / "shared.db", "shared-a") == []
    code, _, _ = run(
        capsys, "rename", tmp_path / "m.db", "--session", "shared-a", "--to", "renamed"
    )
    assert code == 0 and len(item_texts(tmp_path / "m.db", "renamed")) == 4
    code, out, _ = run(
        capsys, "merge", tmp_path / "all.db", store_folder / "plain.db", tmp_path / "m.db", "--json"
    )
    assert code == 0 and len(json.loads(out)["written"]) == 2
    code, _, _ = run(capsys, "split", tmp_path / "all.db", tmp_path / "split")
    assert code == 0 and len(list((tmp_path / "split").iterdir())) == 2
    code, out, _ = run(capsys, "vacuum", store_folder / "plain.db")
    assert code == 0 and "->" in out
    code, out, _ = run(capsys, "export-all", store_folder, tmp_path / "html", "--format", "html")
    assert code == 0 and len(list((tmp_path / "html").iterdir())) == 4
    code, out, _ = run(capsys, "remove-empty", store_folder, "--dry-run")
    assert code == 0


def test_archive_and_restore(capsys, store_folder: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "archive", store_folder, tmp_path / "a.zip")
    assert code == 0 and "archived 4 stores" in out
    (store_folder / "plain.db").unlink()
    code, out, _ = run(capsys, "restore", tmp_path / "a.zip", store_folder, "--dry-run")
    assert code == 0 and "new" in out and not (store_folder / "plain.db").exists()
    code, out, _ = run(capsys, "restore", tmp_path / "a.zip", store_folder)
    assert code == 0 and len(item_texts(store_folder / "plain.db", "plain-1")) == 8


def test_search_finds_items_by_words_and_filters(capsys, store_folder: Path) -> None:
    (store_folder / "junk.db").write_bytes(b"junk")
    code, out, err = run(capsys, "search", store_folder, "paris", "--json", "--no-index")
    data = json.loads(out)
    assert code == 0
    assert len(data["hits"]) == 12
    assert [u["path"] for u in data["unsearchable"]] == [str(store_folder / "junk.db")]
    code, out, _ = run(
        capsys,
        "search",
        store_folder,
        "rome",
        "--kind",
        "function_call",
        "--json",
        "--update-index",
    )
    assert {(h["session_id"], h["tool"]) for h in json.loads(out)["hits"]} == {
        ("shared-b", "get_weather"),
        ("custom-1", "get_weather"),
    }
    code, out, _ = run(capsys, "search", store_folder, "oslo", "--session", "shared-b")
    assert code == 0 and "4 matches" in out
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    code, out, _ = run(capsys, "search", store_folder, "oslo", "--since", tomorrow)
    assert "0 matches" in out
    code, _, err = run(capsys, "search", store_folder, "--", "***")
    assert code == 2 and "no words" in err
