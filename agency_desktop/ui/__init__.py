"""The PySide6 desktop app: thin Qt adapters (models, views, workers) over the Qt-free core."""
