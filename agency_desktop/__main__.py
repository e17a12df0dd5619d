"""`python -m agency_desktop [PATH ...]` starts the desktop app."""

import sys

from .ui.app import main

sys.exit(main())
