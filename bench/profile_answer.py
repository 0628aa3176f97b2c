"""CPU time per answer in one process, against a bare insert measured in the same run.

``bench_load.py`` measures throughput under gunicorn, which a busy machine blurs.
This script measures what the answer path costs the CPU, which stays steady: it
builds the real app on a fresh SQLite file (or a fresh database on the PostgreSQL
server given by ``--postgres``), loads the surveys, then through Flask's test client

- posts ``--answers`` bare inserts (``bench.bare_app``'s route, one INSERT);
- starts ``--answers / 4`` conversations through the JSON API and answers each
  to the end,

and prints the process CPU milliseconds per request of each (starts apart) and
the ratio of bare insert to answer, both alone and with each answer's share of
the starts: ``bench_load.py`` counts the starts' CPU into its answer phase, so the
second ratio is the one its throughput ratio follows.
With ``--profile N`` it also prints the N functions with the most cumulative time
over the answers (cProfile), which is how to find work repeated on every request.

Run: ``.venv/bin/python bench/profile_answer.py [--postgres URL] [--answers N]
[--profile N]``.
"""

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from random import Random

from bare_app import create_bench_table
from bench_load import ANSWERS_PER_CUSTOMER, SURVEY, answer_for
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from cat_survey import create_app
from cat_survey.catalog import load_survey_file
from cat_survey.db import db
from cat_survey.extensions import csrf
from cat_survey.loopback import throwaway_database

REPO = Path(__file__).resolve().parents[1]
BENCH_INSERT = Table(
    "bench_insert",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("value", String(64), nullable=False),
)


def bench_app(database_url: str, instance: Path) -> Flask:
    """The real app with the schema, the shipped surveys and the bare insert route."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(instance),
            # One client on 127.0.0.1 is exactly the flood that the rate limits
            # and suspect screening refuse; bench_load.py turns them off too.
            "RATELIMIT_ENABLED": False,
            "INTEGRITY_SCREENING_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        for path in sorted((REPO / "surveys").glob("*.yaml")):
            if path.name != "departments.yaml":
                load_survey_file(path)
        db.session.commit()
    create_bench_table(app)

    def bench_insert():
        """Insert one row and commit (as ``bench.bare_app`` does)."""
        db.session.execute(insert(BENCH_INSERT).values(value="bench"))
        db.session.commit()
        return {"ok": True}, 201

    app.post("/bench/insert")(csrf.exempt(bench_insert))
    return app


def start_conversations(client: FlaskClient, count: int) -> list[tuple[str, dict]]:
    """Start ``count`` conversations; each token with its first question."""
    started = []
    for index in range(count):
        rng = Random(index)
        body = client.post(
            f"/api/v1/surveys/{SURVEY}/conversations",
            json={"hidden": {"segment": rng.choice(["smb", "enterprise"])}},
        ).get_json()
        started.append((body["token"], body["next"]))
    return started


def answer_all(client: FlaskClient, started: list[tuple[str, dict]]) -> int:
    """Answer every conversation to its end; return how many answers were posted."""
    posted = 0
    for index, (token, first) in enumerate(started):
        rng, question = Random(index), first
        while question is not None:
            response = client.post(
                f"/api/v1/conversations/{token}/answers",
                json={
                    "question_id": question["id"],
                    "value": answer_for(question, rng),
                },
            )
            if response.status_code != 200:
                raise RuntimeError(f"answer refused: {response.get_data(as_text=True)}")
            question = response.get_json()["next"]
            posted += 1
    return posted


def cpu_ms_per_request(work: Callable[[], int]) -> float:
    """Process CPU milliseconds per request that ``work`` made."""
    start = time.process_time()
    requests = work()
    return (time.process_time() - start) * 1000 / requests


def bare_inserts(client: FlaskClient, count: int) -> int:
    """Post ``count`` bare inserts; return how many."""
    for _ in range(count):
        if client.post("/bench/insert", json={}).status_code != 201:
            raise RuntimeError("bare insert failed")
    return count


def main(argv: list[str] | None = None) -> int:
    """Measure both request kinds, print CPU ms per request and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--answers", type=int, default=800)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as folder,
        throwaway_database(args.postgres, Path(folder), name="bench") as database_url,
    ):
        app = bench_app(database_url, Path(folder))
        client = app.test_client()
        # Warm up both paths: first requests compile templates, open connections.
        bare_inserts(client, 20)
        answer_all(client, start_conversations(client, 5))

        insert_ms = cpu_ms_per_request(lambda: bare_inserts(client, args.answers))
        started: list[tuple[str, dict]] = []

        def start_all() -> int:
            started.extend(
                start_conversations(client, args.answers // ANSWERS_PER_CUSTOMER)
            )
            return len(started)

        start_ms = cpu_ms_per_request(start_all)
        answer_ms = cpu_ms_per_request(lambda: answer_all(client, started))
        # Profiled apart: the profiler's own cost would inflate the figures above.
        profiler = cProfile.Profile()
        if args.profile:
            started = start_conversations(client, args.answers // ANSWERS_PER_CUSTOMER)
            profiler.runcall(answer_all, client, started)
        with app.app_context():
            db.engine.dispose()
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{database}: CPU ms per bare insert {insert_ms:.2f}", end=", ")
    print(f"per answer {answer_ms:.2f}, per start {start_ms:.2f}")
    print(f"ratio (bare insert CPU / answer CPU): {insert_ms / answer_ms:.2f}")
    # Each conversation has one start and ANSWERS_PER_CUSTOMER answers.
    with_starts_ms = answer_ms + start_ms / ANSWERS_PER_CUSTOMER
    print(
        f"with the starts' share ({with_starts_ms:.2f} ms per answer): "
        f"{insert_ms / with_starts_ms:.2f}"
    )
    if args.profile:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(
            args.profile
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
