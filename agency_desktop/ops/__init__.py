"""Operations that write: backup, cleanup, migration, export and import.

Plain functions, free of Qt, each taking an optional progress callback and
cancel token so the CLI, the GUI's workers and Python callers share them.
"""
