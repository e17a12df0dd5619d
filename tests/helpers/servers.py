"""Real PostgreSQL and Redis servers for the tests, on loopback, in a temporary directory.

Each server is the direct child of the process that starts it, exec'd through util-linux's
`setpriv --pdeathsig`: the kernel signals the server when that process dies, even by
SIGKILL, so a crashed or killed run leaves no server behind. That needs no watchdog process
(which could itself be killed) and runs no Python between fork and exec (a preexec_fn is
unsafe once the suite has threads). PostgreSQL refuses to run as root, and CI runs as root:
setpriv also switches to the `postgres` system user there.

Missing server binaries fail the tests that need them, with what to install; they skip
instead only when AGENCY_DESKTOP_SKIP_SERVERS=1 says so (CI never sets it).

psycopg and redis are imported where used: conftest imports this module for its fixtures,
and runs that start no server should not pay for them.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from agency_desktop.ops import local_servers

if TYPE_CHECKING:
    import psycopg
    import redis

SKIP_ENV = "AGENCY_DESKTOP_SKIP_SERVERS"
HOST = local_servers.HOST
READER = "reader"  # the read-only role (PostgreSQL) and ACL user (Redis)
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
ROOT_PREFIX = "agency-desktop-server-"
OWNER_FILE = "owner.pid"

Popen = subprocess.Popen[bytes]


def _missing(what: str) -> NoReturn:
    reason = (
        f"{what}: install the Debian packages postgresql and redis-server "
        f"(.ci/run does), or set {SKIP_ENV}=1 to skip the server tests"
    )
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(reason)
    pytest.fail(reason, pytrace=False)


def _or_missing[T](find: Callable[[], T]) -> T:
    """What the demo servers' launcher finds (ops/local_servers.py), a missing part failing
    the tests that need it (or skipping them, where SKIP_ENV says so)."""
    try:
        return find()
    except local_servers.ServerError as exc:
        _missing(str(exc))


def postgres_bin_dir() -> Path:
    """Debian's newest /usr/lib/postgresql/<ver>/bin, else the one on PATH."""
    return _or_missing(local_servers.postgres_bin_dir)


def _server_account() -> pwd.struct_passwd | None:
    """Whom the server runs as: `postgres` when we are root (initdb refuses root), else us."""
    return _or_missing(local_servers.server_account)


def _as(account: pwd.struct_passwd | None, pdeathsig: str) -> list[str]:
    """The setpriv prefix: parent-death signal, and the server's user when we are root."""
    return _or_missing(functools.partial(local_servers.as_child, account, pdeathsig))


free_port = local_servers.free_port
_alive = local_servers.alive


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        _missing("no redis-server here")
    return found


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def _remove_stale_roots() -> None:
    """Directories of earlier runs that were killed before they could clean up."""
    for root in Path(tempfile.gettempdir()).glob(ROOT_PREFIX + "*"):
        with contextlib.suppress(OSError, ValueError):
            if not _alive(int((root / OWNER_FILE).read_text())):
                shutil.rmtree(root)


def make_root(account: pwd.struct_passwd | None) -> Path:
    """A private directory the server's user owns. Not under pytest's basetemp: that is
    mode 0700 to root, so the `postgres` user could not reach into it."""
    _remove_stale_roots()
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    (root / OWNER_FILE).write_text(str(os.getpid()))
    if account is not None:
        os.chown(root, account.pw_uid, account.pw_gid)
    return root


def launch(
    command: list[str], log: Path, account: pwd.struct_passwd | None, pdeathsig: str
) -> Popen:
    """Start a server in a session of its own (a terminal's Ctrl+C does not reach it; its
    processes are found by session id), its output in `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            _as(account, pdeathsig) + command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class PortTaken(RuntimeError):
    """Another process bound the free port between free_port() and the server."""


def wait_ready(process: Popen, check: Callable[[], object], log: Path, what: str) -> None:
    """Poll `check` until it stops raising; fail early, with the log, if the server exits."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            error = PortTaken if "Address already in use" in _tail(log) else RuntimeError
            raise error(f"{what} exited with {process.returncode}:\n{_tail(log)}")
        try:
            check()
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} not ready in {START_TIMEOUT_S} s: {error}") from error
        time.sleep(0.05)


def serve(
    what: str,
    command_for: Callable[[int], list[str]],
    ready: Callable[[int], object],
    *,
    root: Path,
    account: pwd.struct_passwd | None,
    pdeathsig: str,
) -> tuple[Popen, int]:
    """Start a server on a free port and wait until `ready(port)`; on another port if that
    one was taken meanwhile. A server that does not come up is killed."""
    log = root / f"{what.lower()}.log"
    for _ in range(3):
        port = free_port()
        process = launch(command_for(port), log, account, pdeathsig)
        try:
            wait_ready(process, functools.partial(ready, port), log, what)
        except PortTaken:
            continue
        except BaseException:
            process.kill()
            process.wait()
            raise
        return process, port
    raise RuntimeError(f"{what} found no free port in 3 tries:\n{_tail(log)}")


@contextlib.contextmanager
def removed_on_error(root: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: Popen, stop_signal: int) -> None:
    """Ask the server to stop, then kill it if it has not within STOP_TIMEOUT_S."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- PostgreSQL


@dataclass
class PostgresServer:
    root: Path
    port: int
    process: Popen
    password: str
    reader_password: str
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def url(
        self, database: str = "postgres", *, driver: str | None = None, reader: bool = False
    ) -> str:
        """A URL as users write them: `driver` is e.g. "asyncpg" for the SDK's form."""
        scheme = "postgresql" + (f"+{driver}" if driver else "")
        user, password = (READER, self.reader_password) if reader else ("postgres", self.password)
        return f"{scheme}://{user}:{password}@{HOST}:{self.port}/{database}"

    def connect(self, database: str = "postgres", *, reader: bool = False) -> psycopg.Connection:
        """A psycopg connection in autocommit mode (close it, or use it in a with block)."""
        import psycopg

        return psycopg.connect(
            self.url(database, reader=reader), autocommit=True, connect_timeout=5
        )

    def create_database(self) -> PgDatabase:
        """An empty database of its own; the reader may connect but not make temp tables."""
        from psycopg import sql

        name = f"test_{next(self._names)}_{uuid.uuid4().hex[:8]}"
        with self.connect() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            admin.execute(
                sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name))
            )
        return PgDatabase(self, name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT): clients are disconnected, then the directory goes."""
        stop(self.process, signal.SIGINT)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PgDatabase:
    server: PostgresServer
    name: str

    def url(self, *, driver: str | None = None, reader: bool = False) -> str:
        return self.server.url(self.name, driver=driver, reader=reader)

    def connect(self, *, reader: bool = False) -> psycopg.Connection:
        return self.server.connect(self.name, reader=reader)

    def grant_select(self, *tables: str) -> None:
        """Let the read-only role SELECT these tables (and nothing else)."""
        from psycopg import sql

        with self.connect() as admin:
            for table in tables:
                admin.execute(
                    sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(
                        sql.Identifier(table), sql.Identifier(READER)
                    )
                )

    def drop(self) -> None:
        from psycopg import sql

        with self.server.connect() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )


def _initdb(bin_dir: Path, root: Path, account: pwd.struct_passwd | None, password: str) -> None:
    """A cluster whose superuser `postgres` logs in over TCP with `password` (SCRAM)."""
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if account is not None:
        os.chown(pwfile, account.pw_uid, account.pw_gid)
    command = [str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres"]
    command += ["--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256"]
    command += ["--no-sync", "--no-instructions", "--encoding=UTF8", "--no-locale"]
    done = subprocess.run(
        _as(account, "SIGKILL") + command, capture_output=True, text=True, check=False
    )
    pwfile.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _postgres_command(bin_dir: Path, root: Path, port: int) -> list[str]:
    settings = {
        "listen_addresses": HOST,
        "unix_socket_directories": str(root),
        "fsync": "off",  # test data: losing it in a crash costs nothing
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "32MB",
        "max_connections": "50",
        "dynamic_shared_memory_type": "mmap",  # in the data directory, not /dev/shm
    }
    command = [str(bin_dir / "postgres"), "-D", str(root / "data"), "-p", str(port)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    return command


def start_postgres() -> PostgresServer:
    """initdb and start a PostgreSQL server, with the read-only role READER made."""
    bin_dir = postgres_bin_dir()
    account = _server_account()
    root = make_root(account)
    password, reader_password = secrets.token_hex(12), secrets.token_hex(12)
    with removed_on_error(root):
        _initdb(bin_dir, root, account, password)

        def ready(port: int) -> None:
            import psycopg

            url = f"postgresql://postgres:{password}@{HOST}:{port}/postgres"
            psycopg.connect(url, connect_timeout=5).close()

        # SIGQUIT is PostgreSQL's immediate shutdown: its backends and shared memory go too.
        command = functools.partial(_postgres_command, bin_dir, root)
        process, port = serve(
            "PostgreSQL", command, ready, root=root, account=account, pdeathsig="SIGQUIT"
        )
    server = PostgresServer(root, port, process, password, reader_password)
    try:
        _make_reader(server)
    except BaseException:
        server.stop()
        raise
    return server


def _make_reader(server: PostgresServer) -> None:
    from psycopg import sql

    with server.connect() as admin:
        admin.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
            ).format(sql.Identifier(READER), sql.Literal(server.reader_password))
        )


# --- Redis

# What the read-only user may do: the @read category, PING, and SELECT (redis-py selects the
# URL's database on connecting; its CLIENT SETINFO, refused, it ignores). No writes, no admin.
DATABASES = 4096  # logical databases: one per test that asks
READER_ACL = "-@all +@read +ping +select"


@dataclass
class RedisServer:
    root: Path
    port: int
    process: Popen
    password: str
    reader_password: str
    _databases: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def url(self, db: int = 0, *, reader: bool = False) -> str:
        user, password = (READER, self.reader_password) if reader else ("default", self.password)
        return f"redis://{user}:{password}@{HOST}:{self.port}/{db}"

    def client(self, db: int = 0, *, reader: bool = False) -> redis.Redis:
        """A synchronous redis-py client (close it, or use it in a with block)."""
        import redis

        return redis.Redis.from_url(
            self.url(db, reader=reader), socket_connect_timeout=5, socket_timeout=5
        )

    def new_database(self) -> RedisDatabase:
        """A logical database (SELECT n) of its own, emptied: tests see only their keys."""
        index = next(self._databases)
        if index >= DATABASES:
            raise RuntimeError(f"more than {DATABASES} Redis databases asked for in one run")
        with self.client(index) as admin:
            admin.flushdb()
        return RedisDatabase(self, index)

    def stop(self) -> None:
        stop(self.process, signal.SIGTERM)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisDatabase:
    server: RedisServer
    index: int

    def url(self, *, reader: bool = False) -> str:
        return self.server.url(self.index, reader=reader)

    def client(self, *, reader: bool = False) -> redis.Redis:
        return self.server.client(self.index, reader=reader)


def _redis_config(root: Path, port: int, password: str, reader_password: str) -> Path:
    """Loopback only, nothing saved to disk, a password, and the read-only ACL user. In a
    file rather than on the command line, so no password shows in `ps`."""
    config = root / "redis.conf"
    lines = [
        f"bind {HOST}",
        f"port {port}",
        'save ""',
        "appendonly no",
        f"dir {root}",
        f"databases {DATABASES}",
        f"requirepass {password}",
        f"user {READER} on >{reader_password} ~* resetchannels {READER_ACL}",
    ]
    config.write_text("\n".join(lines) + "\n")
    config.chmod(0o600)
    return config


def start_redis() -> RedisServer:
    """Start a redis-server (as ourselves: Redis has no objection to root)."""
    binary = redis_binary()
    root = make_root(None)
    password, reader_password = secrets.token_hex(12), secrets.token_hex(12)

    def command(port: int) -> list[str]:
        return [binary, str(_redis_config(root, port, password, reader_password))]

    def ready(port: int) -> None:
        import redis

        url = f"redis://default:{password}@{HOST}:{port}/0"
        with redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5) as client:
            client.ping()

    with removed_on_error(root):  # SIGKILL when orphaned: it has nothing on disk to save
        process, port = serve("Redis", command, ready, root=root, account=None, pdeathsig="SIGKILL")
    return RedisServer(root, port, process, password, reader_password)


# --- fixtures (registered in tests/conftest.py)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the run; tests take a database of their own from it
    (`postgres_database`, or `postgres_server.create_database()` for a module's)."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    database = postgres_server.create_database()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One Redis server for the run; tests take a logical database of their own from it
    (`redis_database`, or `redis_server.new_database()` for a module's)."""
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_database(redis_server: RedisServer) -> Iterator[RedisDatabase]:
    database = redis_server.new_database()
    yield database
    with database.client() as admin:
        admin.flushdb()
