"""Render the app icon (one SVG in the package) into what each platform's installer wants.

`python packaging/make_icons.py OUT_DIR` writes hicolor PNGs (OUT_DIR/hicolor/NxN/apps/),
a Windows .ico and a macOS .icns, with Qt's own SVG renderer and image writers, so
no extra tool (Inkscape, iconutil, Pillow) is needed on any build machine.
"""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZE = 256
ICNS_SIZE = 512
NAME = "agency-desktop"


def render(size: int) -> QImage:
    svg = QSvgRenderer(str(files("agency_desktop.resources") / f"{NAME}.svg"))
    if not svg.isValid():
        raise SystemExit("the icon SVG cannot be read")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    svg.render(painter)
    painter.end()
    return image


def save(image: QImage, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), fmt):
        raise SystemExit(f"could not write {path} as {fmt}")


def main(out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication([])  # image plugins (ico, icns) are loaded through the app
    for size in SIZES:
        save(render(size), out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png", "PNG")
    save(render(ICO_SIZE), out / f"{NAME}.ico", "ICO")
    save(render(ICNS_SIZE), out / f"{NAME}.icns", "ICNS")
    del app
    print(f"icons written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons"))
