"""Benchmark: how many responses one anonymous client creates a minute (issue 12).

Serves two trees of this repository in turn with gunicorn (2 workers, a fresh
SQLite file each): a baseline commit from before the rate limits (checked out
in a temporary clone) and the working tree, whose workers share their counters in
a ``redis-server`` started on loopback, as ``scripts/demo`` does. Against each,
one client floods the relationship survey for ``--seconds`` from ``--threads``
threads: six start conversations through the API and complete them (detractor
score, one crafted text), two press Start on the web link again and again with
one CSRF token reused. It prints the requests tried and their statuses, the
responses created and completed per minute, how many were marked suspect, and the
ratio of created responses after to before, measured in the same run.

Run: ``.venv/bin/python bench/bench_flood.py [--baseline COMMIT] [--seconds N]``.
"""

import argparse
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from cat_survey.loopback import HOST, free_port, redis_server

REPO = Path(__file__).resolve().parents[1]
SURVEY = "relationship-nps"
SPAM = "Claim your refund at evil-example dot com today"
ANSWERS = (
    ("nps", 0),
    ("fix_first", SPAM),
    ("support_csat", 1),
    ("contact_consent", "no"),
)
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
WEB_THREADS = 2


def request(port: int, method: str, path: str, body=None, headers=None):
    """One request on a fresh connection: (status, raw body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json"}
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def flood_api(port: int, until: float, seen: Counter, lock: threading.Lock) -> None:
    """Start and complete detractor conversations through the API until ``until``."""
    local: Counter = Counter()
    while time.monotonic() < until:
        path = f"/api/v1/surveys/{SURVEY}/conversations"
        status, raw = request(port, "POST", path, {})
        local[f"api start {status}"] += 1
        if status != 201:
            continue
        answers = f"/api/v1/conversations/{json.loads(raw)['token']}/answers"
        for question_id, value in ANSWERS:
            body = {"question_id": question_id, "value": value}
            status, _ = request(port, "POST", answers, body)
            local[f"api answer {status}"] += 1
    with lock:
        seen.update(local)


def flood_web(port: int, until: float, seen: Counter, lock: threading.Lock) -> None:
    """Press Start on the public link with one CSRF token until ``until``."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", f"/s/{SURVEY}")
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    token = CSRF_INPUT.search(page.read().decode()).group(1)
    connection.close()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    local: Counter = Counter()
    while time.monotonic() < until:
        body = f"csrf_token={token}".encode()
        status, _ = request(port, "POST", f"/s/{SURVEY}", body, headers)
        local[f"web start {status}"] += 1
    with lock:
        seen.update(local)


def serve(tree: Path, folder: Path, env: dict[str, str], stack: ExitStack) -> int:
    """Create the schema and surveys, start gunicorn on ``tree``; its port."""
    for command in (["init-db"], ["surveys", "load"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "cat_survey", *command],
            cwd=tree, env=env, check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    log = stack.enter_context((folder / "gunicorn.log").open("wb"))
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--no-control-socket",
         "--bind", f"{HOST}:{port}", "--chdir", str(tree), "cat_survey:create_app()"],
        cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stack.callback(process.wait, timeout=30)
    stack.callback(process.terminate)
    deadline = time.monotonic() + 120
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not start: {folder / 'gunicorn.log'}")
        time.sleep(0.5)
    time.sleep(3)  # the second worker loads the app too
    return port


def flood(tree: Path, seconds: float, threads: int, *, shared_limits: bool) -> dict:
    """Serve ``tree`` and flood it; what one client managed."""
    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        database = folder / "flood.sqlite"
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "bench-flood",
            "CAT_SURVEY_INSTANCE_PATH": str(folder / "instance"),
        }
        if shared_limits:
            env["CAT_SURVEY_RATELIMIT_STORAGE_URI"] = stack.enter_context(
                redis_server()
            )
        port = serve(tree, folder, env, stack)
        seen: Counter = Counter()
        lock = threading.Lock()
        until = time.monotonic() + seconds
        workers = [
            threading.Thread(target=flood_api, args=(port, until, seen, lock))
            for _ in range(threads - WEB_THREADS)
        ] + [
            threading.Thread(target=flood_web, args=(port, until, seen, lock))
            for _ in range(WEB_THREADS)
        ]
        began = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        minutes = (time.monotonic() - began) / 60
        stack.close()
        with sqlite3.connect(database) as connection:
            columns = {
                row[1]
                for row in connection.execute("PRAGMA table_info(survey_response)")
            }
            suspect = (
                "sum(integrity != 'genuine')" if "integrity" in columns else "NULL"
            )
            counts = f"count(*), sum(status = 'complete'), {suspect}"
            created, complete, flagged = connection.execute(
                f"SELECT {counts} FROM survey_response"  # nosec B608 - fixed columns
            ).fetchone()
    return {
        "requests": sum(seen.values()),
        "statuses": dict(sorted(seen.items())),
        "created_per_minute": created / minutes,
        "complete_per_minute": (complete or 0) / minutes,
        "created": created,
        "suspect": flagged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", default="1a67d04", help="commit before the limits"
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline"
        subprocess.run(["git", "clone", "-q", str(REPO), str(baseline)], check=True)
        subprocess.run(
            ["git", "-C", str(baseline), "checkout", "-q", options.baseline], check=True
        )
        before = flood(baseline, options.seconds, options.threads, shared_limits=False)
    after = flood(REPO, options.seconds, options.threads, shared_limits=True)
    for name, result in (
        ("before (" + options.baseline + ")", before),
        ("after", after),
    ):
        print(
            f"{name}: {result['requests']} requests in {options.seconds:.0f} s "
            f"{result['statuses']}; {result['created']} responses, "
            f"{result['created_per_minute']:.0f} created/min, "
            f"{result['complete_per_minute']:.0f} complete/min, "
            f"suspect: {result['suspect']}"
        )
    ratio = after["created_per_minute"] / max(before["created_per_minute"], 1e-9)
    print(f"responses created per minute, after / before: {ratio:.4f}")


if __name__ == "__main__":
    main()
