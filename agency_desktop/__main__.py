"""`python -m agency_desktop [PATH ...]` starts the desktop app."""

import sys

from .ui.app import main

# Worker processes never run this module again (util/worker_start.py), but importing
# it must not start a second app.
if __name__ == "__main__":
    sys.exit(main())
