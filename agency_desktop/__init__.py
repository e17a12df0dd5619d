"""Agency Desktop: look after OpenAI Agents SDK SQLite session stores."""

# Written out rather than read with importlib.metadata, which costs 40 ms of start-up;
# tests/test_version.py keeps it equal to pyproject.toml's.
__version__ = "0.1.0"
