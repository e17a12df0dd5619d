"""Entry point of the frozen app (PyInstaller runs this file as __main__).

Scans spawn worker processes; in a frozen build each one starts this executable
again, and `freeze_support()` is what turns that start into a worker instead of a
second window.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from agency_desktop.ui.app import main

    sys.exit(main())
