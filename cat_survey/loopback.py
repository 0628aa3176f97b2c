"""Throwaway servers on 127.0.0.1 for the tests and the benchmarks.

The integration tests and ``bench/`` start gunicorn, Redis and the like on
loopback; they find free ports, start Redis and make the server's empty database
here, one way for all of them. The application itself never calls this module.
"""

import shutil
import socket
import subprocess  # nosec B404 - starts local test servers only
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HOST = "127.0.0.1"
START_SECONDS = 10


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def answers_ping(port: int) -> bool:
    """True once a Redis server on ``port`` answers PING."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def child_pids(parent: int) -> set[int]:
    """The live child processes of ``parent`` (zombies left out), from ``/proc``.

    The tests and the load benchmark use it to find gunicorn's workers.
    """
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the fields after ")" do not.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z":
            pids.add(int(entry.name))
    return pids


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server without persistence on a free loopback port; yields its URL.

    Debian's ``redis-server`` (installed by ``scripts/setup``), as ``scripts/demo``
    runs it. Raises RuntimeError when it is missing or does not answer in time.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: scripts/setup installs it")
    port = free_port()
    arguments = [
        "--port",
        str(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    process = subprocess.Popen(  # nosec B603 - a fixed binary, fixed arguments
        [binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://{HOST}:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def throwaway_database(server: str | None, folder: Path, *, name: str) -> Iterator[str]:
    """An empty database that is gone afterwards; yields its URL.

    Without a PostgreSQL ``server`` URL, an SQLite file ``<name>.sqlite`` in
    ``folder``; with one, a new database ``<server's database>_<name>`` on that
    server, dropped on exit (``FORCE`` closes what a killed server left open).
    """
    if server is None:
        yield f"sqlite:///{folder / f'{name}.sqlite'}"
        return
    url = make_url(server)
    database = f"{url.database or 'cat_survey'}_{name}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            )
        admin.dispose()
