"""The baseline app of the start-up and memory rows: a bare PySide6 window with an empty
QTableView, run with `python -c SCRIPT`. It exits once its window is exposed and painted,
printing its peak resident set first when given `--peak` (as the app's "end" probe does).
"""

SCRIPT = """
import os
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(sys.argv)
view = QTableView()
view.resize(1440, 880)
view.show()
def check():
    handle = view.windowHandle()
    if handle is not None and handle.isExposed():
        view.repaint()
        if "--peak" in sys.argv:
            import resource
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            print(f"peak_rss_bytes={peak}", flush=True)
        os._exit(0)
poll = QTimer(interval=5)
poll.timeout.connect(check)
poll.start()
app.exec()
"""
