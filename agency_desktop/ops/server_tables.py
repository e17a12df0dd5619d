"""The SDK's own DDL for SQLAlchemySession's tables on PostgreSQL, for a copy to a server
that has none yet, made only when the user asks (`--create-tables`).

Compiled from the table definitions SQLAlchemySession builds for itself, for
PostgreSQL's dialect, so the tables are exactly those `create_tables=True` would make
(the index on `(session_id, created_at)` included). Nothing connects through SQLAlchemy:
the statements run in the copy's own transaction (`stores/pg_write.py`).
"""

from __future__ import annotations

from ..stores.pg_url import parse_target

SDK_TABLES = ("agent_sessions", "agent_messages")  # SQLAlchemySession's default names


def sdk_table_ddl(location: str) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for the tables the URL names (the SDK's
    default names where it names none)."""
    from agents.extensions.memory import SQLAlchemySession
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.schema import CreateIndex, CreateTable

    target = parse_target(location)
    sessions_table = target.sessions_table or SDK_TABLES[0]
    messages_table = target.messages_table or SDK_TABLES[1]
    engine = create_async_engine("postgresql+psycopg://")  # never connects: a dialect
    try:
        session = SQLAlchemySession(
            "ddl", engine=engine, sessions_table=sessions_table, messages_table=messages_table
        )
        tables = (session._sessions, session._messages)  # the SDK exposes them no other way
        dialect = engine.dialect
        statements = [str(CreateTable(table).compile(dialect=dialect)) for table in tables]
        statements += [
            str(CreateIndex(index).compile(dialect=dialect))
            for table in tables
            for index in table.indexes
        ]
    finally:
        engine.sync_engine.dispose()
    return statements
