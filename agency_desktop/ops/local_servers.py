"""A throwaway PostgreSQL and Redis on loopback, in a temporary folder, for `make demo-servers`.

What a newcomer needs to try server stores without a server of their own. Each server
is a child of this process exec'd through util-linux's `setpriv --pdeathsig`: the kernel
stops it when this process dies, even by SIGKILL, so nothing is left running; no Python
runs between fork and exec. PostgreSQL refuses to run as root, so as root it runs as the
`postgres` system user (the Debian package makes it). Both trust loopback connections:
they hold sample data and listen on 127.0.0.1 only. (tests/helpers/servers.py starts the
tests' servers the same way, with passwords and a read-only user besides.)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
ROOT_PREFIX = "agency-desktop-demo-servers-"
OWNER_FILE = "owner.pid"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0

Popen = subprocess.Popen[bytes]


class ServerError(RuntimeError):
    """A server could not be started (what is missing, or its log's last lines)."""


@dataclass
class Server:
    name: str
    process: Popen
    port: int

    def stop(self, stop_signal: int) -> None:
        """Ask it to stop; kill it if it has not within STOP_TIMEOUT_S."""
        if self.process.poll() is None:
            self.process.send_signal(stop_signal)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def postgres_bin_dir() -> Path:
    """Debian's newest /usr/lib/postgresql/<version>/bin, else the one on PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("postgres")
    if on_path is None or shutil.which("initdb") is None:
        raise ServerError("no PostgreSQL server here: install the Debian package postgresql")
    return Path(on_path).parent


def server_account() -> pwd.struct_passwd | None:
    """Whom PostgreSQL runs as: `postgres` when we are root (initdb refuses root), else us."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError("running as root and no `postgres` user to run PostgreSQL as") from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether a process of this id runs (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def temporary_root(account: pwd.struct_passwd | None) -> Iterator[Path]:
    """A private folder the servers' user owns, removed after. Folders left by a run that
    was killed (its owner's pid gone) are removed first."""
    for stale in Path(tempfile.gettempdir()).glob(ROOT_PREFIX + "*"):
        with contextlib.suppress(OSError, ValueError):
            if not alive(int((stale / OWNER_FILE).read_text())):
                shutil.rmtree(stale)
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    try:
        (root / OWNER_FILE).write_text(str(os.getpid()))
        if account is not None:
            os.chown(root, account.pw_uid, account.pw_gid)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def as_child(account: pwd.struct_passwd | None, pdeathsig: str) -> list[str]:
    """The setpriv prefix: the parent-death signal, and the server's user when we are root."""
    if shutil.which("setpriv") is None:
        raise ServerError("no setpriv here: install the Debian package util-linux")
    prefix = ["setpriv", f"--pdeathsig={pdeathsig}"]
    if account is not None:
        prefix += [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
    return [*prefix, "--"]


def launch(name: str, command: list[str], root: Path, port: int) -> Server:
    """Start a server in a session of its own (the terminal's Ctrl+C reaches only us, and
    we stop it in order), and wait until it accepts connections."""
    log = root / f"{name.lower()}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    server = Server(name, process, port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _accepts(port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            raise ServerError(f"{name} did not start:\n{tail}")
        time.sleep(0.05)
    return server


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def start_postgres(root: Path, account: pwd.struct_passwd | None) -> Server:
    """initdb (superuser `postgres`, trusted on loopback) and start the server."""
    bin_dir = postgres_bin_dir()
    data = root / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    initdb += ["--no-sync", "--no-instructions", "--encoding=UTF8", "--no-locale"]
    done = subprocess.run(
        as_child(account, "SIGKILL") + initdb, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ServerError(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    port = free_port()
    command = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port)]
    for setting in (f"listen_addresses={HOST}", f"unix_socket_directories={root}"):
        command += ["-c", setting]
    command += ["-c", "dynamic_shared_memory_type=mmap"]  # in the data folder, not /dev/shm
    # SIGQUIT, PostgreSQL's immediate shutdown, if we die: its backends go with it.
    return launch("PostgreSQL", as_child(account, "SIGQUIT") + command, root, port)


def start_redis(root: Path) -> Server:
    """A redis-server that keeps nothing on disk (as ourselves: Redis minds no root)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerError("no redis-server here: install the Debian package redis-server")
    port = free_port()
    config = root / "redis.conf"
    lines = [f"bind {HOST}", f"port {port}", 'save ""', "appendonly no", f"dir {root}"]
    config.write_text("\n".join(lines) + "\n")
    return launch("Redis", [*as_child(None, "SIGKILL"), binary, str(config)], root, port)
