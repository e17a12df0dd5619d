"""Full-text search over session stores: a scan of the files themselves, and an index.

Both answer the same question the same way (`text.Query`): every word of the query
must begin a word of an item's readable text, case-insensitively. The index is
SQLite FTS5 in the app's cache folder and is never required: files it does not hold
yet (or holds an older version of) are scanned instead, so results are always
complete and current. Nothing here writes into a user's store, or imports Qt.
"""
