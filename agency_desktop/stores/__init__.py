"""Session stores: what they hold and how to read them, without the SDK and without Qt.

`base.Store` is the seam every kind of store sits behind, `registry.open_store`
maps a location to its kind, and `sqlite_file.SQLiteFileStore` is the local file
store built on the modules beside it (listing, paging, stats, read-only opens).
"""
