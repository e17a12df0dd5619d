#!/usr/bin/env bash
# Build the macOS app (PyInstaller .app), smoke-test it, and wrap it in a .dmg; signed and
# notarized when the credentials are given.
#
#   packaging/build_macos.sh     # -> build/dist/Agency Desktop.app, build/agency-desktop-<version>.dmg
#
# On a fresh machine it first makes the project's .venv (make; the Makefile takes python3.12
# first, PYTHON=... picks another 3.12+). Set BUILD_PYTHON to an interpreter that already has
# the project and PyInstaller installed to skip that. Optional:
#   MACOS_SIGN_IDENTITY    a "Developer ID Application" identity in the keychain: sign the
#                          app (hardened runtime) and the .dmg
#   MACOS_NOTARY_PROFILE   an `xcrun notarytool store-credentials` profile: notarize and
#                          staple the .dmg (only when the app is signed)
#   MACOS_NOTARY_KEYCHAIN  the keychain holding that profile, if not the default one
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ -z "${BUILD_PYTHON:-}" ]]; then
    make --no-print-directory .venv/.installed
    BUILD_PYTHON=$ROOT/.venv/bin/python
fi

NAME=agency-desktop
APP_NAME="Agency Desktop"
VERSION=$("$BUILD_PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
BUILD=$ROOT/build
APP=$BUILD/dist/$APP_NAME.app
DMG=$BUILD/$NAME-$VERSION.dmg
SIGN_IDENTITY=${MACOS_SIGN_IDENTITY:-}

echo "== icons"
"$BUILD_PYTHON" packaging/make_icons.py "$BUILD/icons"

echo "== bundle (PyInstaller)"
"$BUILD_PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$BUILD/dist" --workpath "$BUILD/work" packaging/agency_desktop.spec

echo "== signing"
if [[ -n "$SIGN_IDENTITY" ]]; then
    # PyInstaller signed every binary and the bundle with this identity (the spec reads
    # MACOS_SIGN_IDENTITY); re-signing with `codesign --deep` is what Apple advises against.
    codesign --verify --deep --strict --verbose=2 "$APP"
else
    echo "MACOS_SIGN_IDENTITY is not set: signing skipped (the app keeps PyInstaller's ad-hoc signature)"
fi

echo "== smoke test"
"$APP/Contents/MacOS/$NAME" --version
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$APP/Contents/MacOS/$NAME" --self-test

echo "== .dmg"
STAGE=$BUILD/dmg
rm -rf "$STAGE"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/$APP_NAME.app"  # ditto keeps the symlinks and signatures intact
ln -s /Applications "$STAGE/Applications"  # drag-to-install target
hdiutil create -volname "$APP_NAME" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
if [[ -n "$SIGN_IDENTITY" ]]; then
    codesign --force --timestamp --sign "$SIGN_IDENTITY" "$DMG"
fi

echo "== notarization"
if [[ -n "${MACOS_NOTARY_PROFILE:-}" && -n "$SIGN_IDENTITY" ]]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$MACOS_NOTARY_PROFILE" \
        ${MACOS_NOTARY_KEYCHAIN:+--keychain "$MACOS_NOTARY_KEYCHAIN"} --wait
    # notarytool can exit 0 on a rejected submission; stapling then fails, and so does the
    # build (`xcrun notarytool log <id>` says why).
    xcrun stapler staple "$DMG"
elif [[ -n "${MACOS_NOTARY_PROFILE:-}" ]]; then
    echo "notarization skipped: the app is not signed (set MACOS_SIGN_IDENTITY)"
else
    echo "MACOS_NOTARY_PROFILE is not set: notarization skipped"
fi
echo "built $DMG ($(du -h "$DMG" | cut -f1)); app $(du -sh "$APP" | cut -f1)"
