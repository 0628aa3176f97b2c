"""The real app plus one bare insert route: the baseline of ``bench/bench_load.py``.

``create_bench_app()`` builds ``cat_survey.create_app()`` unchanged and adds
``POST /bench/insert``, which inserts one row into a bench-only table and commits.
It runs on the same gunicorn, database, session and request hooks as the answer
route, so the ratio between the two is the cost of the conversation logic alone.
gunicorn serves it as ``bench.bare_app:create_bench_app()`` (``--chdir`` the repo).
The table is created once by :func:`create_bench_table` before the workers start,
so that two workers booting at once never race to create it.
"""

from flask import Flask, jsonify
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from cat_survey import create_app
from cat_survey.db import db
from cat_survey.extensions import csrf

BENCH_METADATA = MetaData()
BENCH_INSERT = Table(
    "bench_insert",
    BENCH_METADATA,
    Column("id", Integer, primary_key=True),
    Column("value", String(64), nullable=False),
)


def create_bench_table(app: Flask) -> None:
    """Create the bench table in the app's database unless it exists."""
    with app.app_context():
        BENCH_METADATA.create_all(db.engine)
        db.engine.dispose()


def create_bench_app() -> Flask:
    """The application with ``POST /bench/insert`` added (one INSERT, one commit)."""
    app = create_app()

    def bench_insert():
        """Insert one row and commit: the cheapest write a route can do."""
        db.session.execute(insert(BENCH_INSERT).values(value="bench"))
        db.session.commit()
        return jsonify(ok=True), 201

    # JSON clients carry no CSRF token, like the conversation API.
    app.post("/bench/insert")(csrf.exempt(bench_insert))
    return app
