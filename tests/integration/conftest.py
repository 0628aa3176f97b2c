"""A real gunicorn for integration tests: 2 workers on loopback, on a fresh database.

The database is a new SQLite file, or a new PostgreSQL database
``<db>_<worker>_gunicorn`` when ``TEST_DATABASE_URL`` names a server. The schema and
the shipped surveys are created with the real ``flask`` commands (``init-db``,
``surveys load``, run in this process) before gunicorn starts, as an installation
would. The server lives for one test module; tests read and seed its database
through an app of their own on the same URL.

gthread workers (4 threads each) are used: on ``bench/bench_load.py`` they
answer as fast as sync workers (within the run-to-run noise, on SQLite and on
PostgreSQL), and 2 x 4 threads let all 8 simultaneous requests of a round run in
the app at once, where 2 sync workers would take them two at a time and hide races.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from helpers import REPO

from cat_survey import create_app
from cat_survey.db import db
from cat_survey.loopback import HOST, child_pids, free_port, throwaway_database

WORKERS = 2
WORKER_ARGS = ("--worker-class", "gthread", "--threads", "4")
READY_MARK = "worker ready, pid"
# gunicorn logs "Booting worker" before the app loads; this hook logs after it.
GUNICORN_CONFIG = f"""
def post_worker_init(worker):
    worker.log.info("{READY_MARK} %s", worker.pid)
"""
BOOT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 30


class GunicornServer:
    """A running gunicorn: its URL, its processes and an app on its database."""

    def __init__(
        self, process: subprocess.Popen, port: int, log: Path, app: Flask
    ) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.app = app

    @property
    def master_pid(self) -> int:
        """The gunicorn master (arbiter) process id."""
        return self.process.pid

    def worker_pids(self) -> set[int]:
        """Live workers: the master's children that are not zombies."""
        return child_pids(self.master_pid)

    def ready_pids(self) -> set[int]:
        """Workers that have loaded the app, live or not (from the log)."""
        return {
            int(line.rsplit(" ", 1)[1])
            for line in self.log.read_text().splitlines()
            if READY_MARK in line
        }

    def wait_for_workers(self, *, excluding: set[int] = frozenset()) -> set[int]:
        """Wait until WORKERS live workers, none in ``excluding``, have loaded."""
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            self.check_running()
            live = self.worker_pids()
            if (
                len(live) == WORKERS
                and not live & excluding
                and live <= self.ready_pids()
            ):
                return live
            time.sleep(0.1)
        raise AssertionError(f"workers did not come up:\n{self.log_text()}")

    def check_running(self) -> None:
        """Fail with gunicorn's log if the master has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log_text()}")

    def log_text(self) -> str:
        """The end of gunicorn's log, for failure messages."""
        return self.log.read_text()[-5000:]

    def connection(self) -> http.client.HTTPConnection:
        """A new, not yet connected HTTP connection to the server."""
        return http.client.HTTPConnection(
            HOST, self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Send one request on a fresh connection; return (status, JSON body)."""
        connection = self.connection()
        try:
            return self.send(connection, method, path, body)
        finally:
            connection.close()

    @staticmethod
    def send(
        connection: http.client.HTTPConnection,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """Send a JSON request on a connection; return (status, decoded JSON)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        try:
            decoded = json.loads(payload) if payload else None
        except ValueError:
            decoded = None
        return response.status, decoded


@pytest.fixture(scope="module")
def gunicorn_database_url(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    """An empty database for the server: SQLite file or a new PostgreSQL database."""
    with throwaway_database(
        os.environ.get("TEST_DATABASE_URL") or None,
        tmp_path_factory.mktemp("gunicorn_db"),
        name=f"{worker_id}_gunicorn",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def gunicorn_env() -> dict[str, str]:
    """Settings for the server, as environment variables; a module may override.

    Every request comes from 127.0.0.1: rate limits and suspect screening stay off
    except for the module that tests them (``test_flood.py``).
    """
    return {
        "CAT_SURVEY_RATELIMIT_ENABLED": "false",
        "CAT_SURVEY_INTEGRITY_SCREENING_ENABLED": "false",
    }


@pytest.fixture(scope="module")
def gunicorn_server(
    gunicorn_database_url: str,
    gunicorn_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GunicornServer]:
    """gunicorn with 2 workers on a free loopback port, schema and surveys loaded."""
    folder = tmp_path_factory.mktemp("gunicorn")
    instance = folder / "instance"
    env = (
        os.environ
        | gunicorn_env
        | {
            "DATABASE_URL": gunicorn_database_url,
            "SECRET_KEY": "integration-secret",
            "CAT_SURVEY_INSTANCE_PATH": str(instance),
        }
    )
    # The test's own app on the server's database runs the real commands, in this
    # process: two fewer interpreters to start (each loads the whole app) per server.
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": gunicorn_database_url,
            "SECRET_KEY": "integration-secret",
            "INSTANCE_PATH": str(folder / "test_instance"),
        }
    )
    runner = app.test_cli_runner()
    for command in (["init-db"], ["surveys", "load"]):
        done = runner.invoke(args=command)
        assert done.exit_code == 0, f"flask {' '.join(command)}:\n{done.output}"
    config = folder / "gunicorn_conf.py"
    config.write_text(GUNICORN_CONFIG, encoding="utf-8")
    log = folder / "gunicorn.log"
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), *WORKER_ARGS,
        "--bind", f"{HOST}:{port}",
        "--chdir", str(REPO),
        "--graceful-timeout", "5",
        "--config", str(config),
        "cat_survey:create_app()",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = GunicornServer(process, port, log, app)
    try:
        server.wait_for_workers()
        status, body = server.request("GET", "/healthz")
        assert (status, body) == (200, {"status": "ok"}), server.log_text()
        yield server
    finally:
        stop(process)
        with app.app_context():
            db.engine.dispose()


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn at once (SIGQUIT), or kill it if it does not exit.

    Nothing is in flight when a module is done. SIGTERM would have the workers
    wait out ``--graceful-timeout`` (5 s) for the test clients' idle keep-alive
    connections.
    """
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
