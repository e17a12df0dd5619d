#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller onedir) and a .deb that installs it under /opt.
#
#   packaging/build_linux.sh            # -> build/dist/agency-desktop/, build/agency-desktop_<version>_<arch>.deb
#
# On a fresh machine it first makes the project's .venv (make, Python 3.12+). Set
# BUILD_PYTHON to an interpreter that already has the project and PyInstaller installed
# to skip that (the packaging tests do). Needs dpkg-deb (Debian and Ubuntu have it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ -z "${BUILD_PYTHON:-}" ]]; then
    make --no-print-directory .venv/.installed
    BUILD_PYTHON=$ROOT/.venv/bin/python
fi
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is needed to build the .deb" >&2; exit 1; }

NAME=agency-desktop
VERSION=$("$BUILD_PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
BUILD=$ROOT/build
RESOURCES=$ROOT/agency_desktop/resources

echo "== icons"
"$BUILD_PYTHON" packaging/make_icons.py "$BUILD/icons"

echo "== bundle (PyInstaller)"
"$BUILD_PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$BUILD/dist" --workpath "$BUILD/work" packaging/agency_desktop.spec
BUNDLE=$BUILD/dist/$NAME
"$BUNDLE/$NAME" --version

echo "== .deb"
DEB_ROOT=$BUILD/deb/root
rm -rf "$BUILD/deb"
mkdir -p "$DEB_ROOT/DEBIAN" "$DEB_ROOT/opt" "$DEB_ROOT/usr/bin" \
    "$DEB_ROOT/usr/share/applications" "$DEB_ROOT/usr/share/mime/packages" \
    "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps" "$DEB_ROOT/usr/share/doc/$NAME"
cp -a "$BUNDLE" "$DEB_ROOT/opt/$NAME"
ln -s "/opt/$NAME/$NAME" "$DEB_ROOT/usr/bin/$NAME"
install -m 644 "$RESOURCES/$NAME.desktop" "$DEB_ROOT/usr/share/applications/$NAME.desktop"
install -m 644 "$RESOURCES/$NAME-mime.xml" "$DEB_ROOT/usr/share/mime/packages/$NAME.xml"
install -m 644 "$RESOURCES/$NAME.svg" "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
cp -r "$BUILD/icons/hicolor/." "$DEB_ROOT/usr/share/icons/hicolor/"
cat > "$DEB_ROOT/usr/share/doc/$NAME/copyright" <<EOF
Agency Desktop $VERSION, MIT licence. Bundles Python, Qt (LGPLv3) through PySide6,
and the Python packages listed in the project's requirements.lock.
EOF
# The bundle carries its own copies of most libraries; these are the ones the xcb
# platform plugin and OpenGL take from the system (libxcb-cursor0 is required by the
# xcb plugin since Qt 6.5 and is missing from many minimal installs).
DEPENDS="libc6, libxcb1, libx11-xcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, \
libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, \
libxcb-xkb1, libxkbcommon-x11-0, libegl1, libgl1, libfontconfig1, libdbus-1-3, \
shared-mime-info, hicolor-icon-theme"
cat > "$DEB_ROOT/DEBIAN/control" <<EOF
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: Agency Desktop team <maintainers@agency-desktop.invalid>
Section: devel
Priority: optional
Installed-Size: $(du -sk "$DEB_ROOT" | cut -f1)
Depends: $DEPENDS
Description: browse and look after OpenAI Agents SDK session stores
 Lists, inspects, backs up, cleans up and migrates the SQLite session stores
 that agents built with the openai-agents SDK keep. Double-click a .db store
 to open it.
EOF
# Menus, MIME types and icon caches are refreshed by the dpkg triggers of
# desktop-file-utils, shared-mime-info and hicolor-icon-theme: no maintainer scripts.
DEB=$BUILD/${NAME}_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$DEB_ROOT" "$DEB" >/dev/null
echo "built $DEB ($(du -h "$DEB" | cut -f1)); bundle $(du -sh "$BUNDLE" | cut -f1)"
