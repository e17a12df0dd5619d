"""`make demo-servers`: a PostgreSQL and a Redis store to try, written by the real SDK.

Starts both servers on loopback in a temporary folder (`local_servers`), writes the
demo conversations into them through the SDK's own `SQLAlchemySession.from_url` (with
asyncpg) and `RedisSession.from_url` (two of its sessions with a TTL, so the window has
"expires in" to show), prints the URLs and the commands that open them, and keeps them
up until Ctrl+C (or SIGTERM); then stops both and removes the folder. If this process
is killed instead, the kernel stops the servers (`setpriv --pdeathsig`), and the folder
goes at the next start. SQLAlchemy and asyncpg come with the dev extras `make` installs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .demo import _converse, _tools, _weather_turn
from .local_servers import HOST, ServerError, server_account, start_postgres, start_redis

DATABASE = "agents_demo"
DAY_S = 86_400
# (session id, cities asked about, Redis TTL in seconds or None)
CONVERSATIONS: tuple[tuple[str, tuple[str, ...], int | None], ...] = (
    ("weather-chat", ("Paris", "Oslo"), None),
    ("trip-planning", ("Lima", "Rome", "Paris"), 7 * DAY_S),
    ("quick-question", ("Oslo",), 2 * 3600),
)


@dataclass(frozen=True)
class DemoUrls:
    postgres: str
    redis: str


async def _write(make_session: Callable[[str, int | None], Any]) -> None:
    """Each conversation through a scripted agent, stored by the session it is given."""
    weather = _tools()["get_weather"]
    for session_id, cities, ttl in CONVERSATIONS:
        session = make_session(session_id, ttl)
        try:
            turns = [
                _weather_turn(city, f"call_{city.lower()}_{n}", f"{city}: as forecast.")
                for n, city in enumerate(cities)
            ]
            await _converse(session, weather, turns)
        finally:
            await _close(session)


async def _close(session: Any) -> None:
    if hasattr(session, "engine"):  # SQLAlchemySession: its pool, released in this loop
        await session.engine.dispose()
    else:
        await session.close()


def write_postgres(port: int) -> str:
    """The demo database, made and filled; returns its URL in the SDK's own form."""
    import psycopg
    from agents.extensions.memory import SQLAlchemySession

    with psycopg.connect(f"postgresql://postgres@{HOST}:{port}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {DATABASE}")
    url = f"postgresql+asyncpg://postgres@{HOST}:{port}/{DATABASE}"

    def make(session_id: str, _ttl: int | None) -> Any:
        return SQLAlchemySession.from_url(session_id, url=url, create_tables=True)

    asyncio.run(_write(make))
    return url


def write_redis(port: int) -> str:
    from agents.extensions.memory import RedisSession

    url = f"redis://{HOST}:{port}/0"

    def make(session_id: str, ttl: int | None) -> Any:
        return RedisSession.from_url(session_id, url=url, ttl=ttl)

    asyncio.run(_write(make))
    return url


@contextlib.contextmanager
def demo_servers() -> Iterator[DemoUrls]:
    """Both servers up with the demo written; stopped and removed on leaving."""
    from .local_servers import temporary_root

    account = server_account()
    with temporary_root(account) as root, contextlib.ExitStack() as running:
        postgres = start_postgres(root, account)
        running.callback(postgres.stop, signal.SIGINT)  # PostgreSQL's fast shutdown
        redis = start_redis(root)
        running.callback(redis.stop, signal.SIGTERM)
        yield DemoUrls(write_postgres(postgres.port), write_redis(redis.port))


def announce(urls: DemoUrls) -> str:
    return "\n".join(
        [
            "Demo server stores are up (sample data, loopback only):",
            f"  PostgreSQL: {urls.postgres}",
            f"  Redis:      {urls.redis}",
            "Open them in the app:",
            f"  .venv/bin/agency-desktop {urls.postgres}",
            f"  .venv/bin/agency-desktop {urls.redis}",
            "or list them: .venv/bin/agency-sessions list URL",
            "Press Ctrl+C to stop both servers.",
        ]
    )


def main() -> int:
    """Run until Ctrl+C or SIGTERM; 0 when stopped so, 1 when a server would not start."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    try:
        with demo_servers() as urls:
            print(announce(urls), flush=True)
            while not stopped.wait(0.5):
                pass
            print("Stopping the demo servers…", flush=True)
    except ServerError as error:
        print(f"Cannot start the demo servers: {error}", file=sys.stderr)
        return 1
    print("Stopped; their folder is removed.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
