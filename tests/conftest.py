"""Test configuration: headless Qt, and app data kept out of the user's home."""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault(
    "AGENCY_DESKTOP_DATA_DIR", tempfile.mkdtemp(prefix="agency-desktop-test-data-")
)
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"

from tests.helpers.fixtures import _template_folder, broken_folder, store_folder  # noqa: F401
