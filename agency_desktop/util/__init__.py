"""The bottom layer: formatting, paths, progress and cancel, logging, worker processes.

Nothing here knows about session stores; every other layer may import it.
"""
