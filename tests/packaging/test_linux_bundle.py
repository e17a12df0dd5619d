"""The Linux build, end to end: a clean tree, `packaging/build_linux.sh`, the frozen app.

One build per run (about 1.5 minutes); each test then checks the result the way a
user's machine would meet it: the bundle's --version and --self-test, and the .deb
unpacked into a root the way dpkg lays it out.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.stores import write_plain

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
        reason="the Linux build needs Linux and dpkg-deb",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
NAME = "agency-desktop"
BUILD_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 180


def _source_files() -> list[Path]:
    """Tracked and new files, without anything ignored (.venv, build/, caches)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [Path(name) for name in listed.decode().split("\0") if name]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("clean-tree")
    for relative in _source_files():
        if (ROOT / relative).is_file():
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, tree / relative)
    env = {**os.environ, "BUILD_PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(tree / "packaging" / "build_linux.sh")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return tree / "build"


def _version() -> str:
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def _run_gui(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the frozen app on a virtual X screen (the real xcb plugin), fatal on any Qt warning.

    Without Xvfb it runs offscreen, where Qt's own offscreen plugin warns about size
    hints for every window with a minimum size, so Qt warnings are not made fatal there.
    """
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    if shutil.which("xvfb-run"):
        env["QT_FATAL_WARNINGS"] = "1"
        command = ["xvfb-run", "-a", *command]
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )


def _unpacked(build: Path, into: Path) -> Path:
    (deb,) = build.glob(f"{NAME}_*.deb")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    return into


def test_the_bundle_prints_its_version(build: Path) -> None:
    result = subprocess.run(
        [str(build / "dist" / NAME / NAME), "--version"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{NAME} {_version()}"


def test_the_bundle_passes_its_self_test(build: Path) -> None:
    result = _run_gui([str(build / "dist" / NAME / NAME), "--self-test"])
    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("stores read in worker processes: ok", "its charts: ok", "self-test passed"):
        assert step in result.stdout


def test_the_bundle_holds_no_unused_qt(build: Path) -> None:
    names = {path.name for path in (build / "dist" / NAME).rglob("*")}
    for unused in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6WebEngineCore.so.6", "libqpdf.so"):
        assert unused not in names


def test_the_deb_puts_launcher_mime_and_icon_where_the_desktop_looks(
    build: Path, tmp_path: Path
) -> None:
    root = _unpacked(build, tmp_path / "root")
    assert os.access(root / "opt" / NAME / NAME, os.X_OK)
    assert os.readlink(root / "usr" / "bin" / NAME) == f"/opt/{NAME}/{NAME}"
    desktop = root / "usr" / "share" / "applications" / f"{NAME}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment, method-assign]
    entry.read(desktop)
    section = entry["Desktop Entry"]
    assert section["Exec"] == f"{NAME} %F" and section["Icon"] == NAME
    assert {"application/vnd.sqlite3", "application/x-sqlite3"} <= set(
        section["MimeType"].strip(";").split(";")
    )
    icons = root / "usr" / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{NAME}.svg").is_file()
    assert (icons / "256x256" / "apps" / f"{NAME}.png").is_file()
    assert (root / "usr" / "share" / "mime" / "packages" / f"{NAME}.xml").is_file()
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(
            ["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="no shared-mime-info")
def test_the_mime_package_maps_db_stores_to_the_app(build: Path, tmp_path: Path) -> None:
    root = _unpacked(build, tmp_path / "root")
    mime = root / "usr" / "share" / "mime"
    subprocess.run(["update-mime-database", str(mime)], check=True, capture_output=True)
    globs = (mime / "globs2").read_text()
    assert "application/x-agency-session-store:*.db" in globs
    assert (
        "application/x-agency-session-store application/vnd.sqlite3"
        in (mime / "subclasses").read_text()
    )


def test_the_deb_declares_what_the_xcb_plugin_needs(build: Path) -> None:
    (deb,) = build.glob(f"{NAME}_*.deb")
    control = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Package: {NAME}" in control and f"Version: {_version()}" in control
    for library in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libfontconfig1"):
        assert library in control


def test_the_installed_app_opens_a_store_given_on_its_command_line(
    build: Path, tmp_path: Path
) -> None:
    root = _unpacked(build, tmp_path / "root")
    store = write_plain(tmp_path / "my store é.db", "from-the-command-line")
    result = _run_gui([str(root / "opt" / NAME / NAME), "--self-test", str(store)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "session shown: from-the-command-line from my store é.db" in result.stdout
    assert "self-test passed" in result.stdout
