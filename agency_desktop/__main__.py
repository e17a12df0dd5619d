"""`python -m agency_desktop [PATH ...]` starts the desktop app."""

import sys

from .ui.app import main

# The guard matters: worker processes are spawned, and each one imports __main__.
if __name__ == "__main__":
    sys.exit(main())
