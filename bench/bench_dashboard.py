"""Benchmark: the CX dashboard page over 1,000,000 answers, SQLite or PostgreSQL.

Builds an SQLite file from the models (so the indexes in ``cat_survey/models.py``
are the ones measured), bulk-inserts 250,000 responses to the relationship survey
over 24 months (four answers each, one in ten left partial), then times what a
browser costs the server for "24 months by month with a segment breakdown":

- ``page``: :func:`build_dashboard` (every series' table, the partial-period
  comparison, the count of excluded responses), plus each of the six chart
  requests the page makes, with empty in-process caches: what the first visit
  after new data costs. Finished months come from the kept counts
  (:mod:`cat_survey.reports.tallies`), the running month is counted;
- ``html``: the same without the six charts (the HTML page alone, which the
  browser receives before it asks for the charts);
- ``revisit``: the page with the charts already cached (data unchanged);
- ``queries``: :func:`nps_overview` alone, the NPS series and breakdown counted
  from every answer, as the page did before counts were kept.

Each is run five times and the median printed beside the median of a bare
``SELECT count(*) FROM answer`` measured in the same run, as a ratio (the machine
may be loaded; the ratio says what the code costs). Then, once each: the page
right after the kept counts were emptied (``cold``: every month counted and kept
again) and after one back-dated answer (``one month``: the trigger marks its
month, which alone is counted again). Issue #13 asks for the page under 1 s.

Run: ``.venv/bin/python bench/bench_dashboard.py [--answers N] [--keep PATH]``;
with ``--keep`` an existing file of the same size is reused instead of refilled.
``--postgresql URL`` measures a database made on that PostgreSQL server instead
(loaded with COPY, then VACUUM ANALYZE), e.g. the one ``scripts/postgres.sh`` starts.
"""

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random

from sqlalchemy import create_engine, delete, make_url, text

from cat_survey import create_app
from cat_survey.catalog import load_survey_file
from cat_survey.db import db
from cat_survey.models import ScoreTally
from cat_survey.reports.charts import CHARTS, cached_chart, chart_cache
from cat_survey.reports.queries import Filters, data_start, nps_overview
from cat_survey.reports.review import excluded_responses
from cat_survey.reports.series import (
    build_dashboard,
    data_cache,
    load_data,
    utc_today,
)
from cat_survey.reports.tallies import count_periods, dashboard_series

REPO = Path(__file__).resolve().parents[1]
SURVEY_FILE = REPO / "surveys" / "relationship-nps.yaml"
ANSWERS_PER_RESPONSE = 4
MONTHS = 24
SEGMENTS = ("smb", "mid-market", "enterprise", "public-sector", None)
# Segment mood: enterprise customers are the least happy, as in the demo data.
SEGMENT_SHIFT = {"smb": 1, "mid-market": 0, "enterprise": -2, "public-sector": -1}
RUNS = 5
TARGET_SECONDS = 1.0
FIRST_DAY = date(2023, 1, 1)
#: The clock the page is built at: the last day of the data, late in the day.
NOW = datetime(2024, 12, 31, 18, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """A naive UTC timestamp as SQLAlchemy stores it in SQLite (fast: no strftime)."""
    return moment.isoformat(sep=" ", timespec="microseconds")


RESPONSE_COLUMNS = (
    "id, survey_id, survey_version_id, token, status, segment, hidden, locale, "
    "channel, contact_consent, identity_verified, started_at, updated_at, completed_at"
)
ANSWER_COLUMNS = (
    "response_id, question_id, question_type, position, number_value, text_value, "
    "answered_at"
)


def make_rows(
    answers: int, survey_id: int, version_id: int, *, seed: int = 0
) -> tuple[list[tuple], list[tuple]]:
    """The responses and answers to load: four answers each, one in ten partial."""
    rng = Random(seed)
    responses = answers // ANSWERS_PER_RESPONSE
    span = (date(2025, 1, 1) - FIRST_DAY).total_seconds()
    start = datetime.combine(FIRST_DAY, datetime.min.time())
    hidden = {
        segment: json.dumps({"segment": segment} if segment else {})
        for segment in SEGMENTS
    }
    response_rows, answer_rows = [], []
    for response_id in range(1, responses + 1):
        segment = rng.choice(SEGMENTS)
        started = start + timedelta(seconds=rng.random() * span)
        complete = rng.random() > 0.1
        finished = stamp(started + timedelta(minutes=3)) if complete else None
        response_rows.append(
            (
                response_id, survey_id, version_id, f"bench-{response_id}",
                "complete" if complete else "partial", segment,
                hidden[segment],
                "en", "web", 0, 1, stamp(started), stamp(started), finished,
            )
        )  # fmt: skip
        score = min(
            10, max(0, round(rng.gauss(7.5, 2.2)) + SEGMENT_SHIFT.get(segment or "", 0))
        )
        follow_up = (
            "fix_first" if score <= 6 else "make_it_ten" if score <= 8 else "value_most"
        )
        when = stamp(started)
        answer_rows.extend(
            [
                (response_id, "nps", "nps", 0, score, None, when),
                (response_id, follow_up, "text", 1, None, "bench comment", when),
                (response_id, "support_csat", "csat", 2, rng.randint(1, 5), None, when),
                (response_id, "contact_consent", "choice", 3, None, "no", when),
            ]
        )  # fmt: skip
    return response_rows, answer_rows


def fill(path: Path, answers: int, *, seed: int = 0) -> tuple[int, float]:
    """Bulk-insert responses and answers with executemany; return (responses, s)."""
    began = time.perf_counter()
    connection = sqlite3.connect(path)
    # A throwaway file: no journal, no fsync (the app turns WAL back on).
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    survey_id, version_id = connection.execute(
        "SELECT survey_id, id FROM survey_version ORDER BY id DESC LIMIT 1"
    ).fetchone()
    response_rows, answer_rows = make_rows(answers, survey_id, version_id, seed=seed)
    # Indexes are dropped during the load and rebuilt after: one sort each instead
    # of a million random inserts, the way a bulk load is done. So are the
    # triggers that mark changed days: no counts are kept yet.
    indexes = connection.execute(
        "SELECT name, sql, type FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND sql IS NOT NULL AND tbl_name IN ('survey_response', 'answer')"
    ).fetchall()
    with connection:
        for name, _, kind in indexes:
            connection.execute(f'DROP {kind.upper()} "{name}"')
        connection.executemany(
            f"INSERT INTO survey_response ({RESPONSE_COLUMNS}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            response_rows,
        )
        connection.executemany(
            f"INSERT INTO answer ({ANSWER_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
            answer_rows,
        )
        for _, sql, _ in indexes:
            connection.execute(sql)
    connection.close()
    return len(response_rows), time.perf_counter() - began


def fill_postgresql(answers: int, *, seed: int = 0) -> tuple[int, float]:
    """Load responses and answers with COPY, then VACUUM ANALYZE; (responses, s)."""
    began = time.perf_counter()
    survey_id, version_id = db.session.execute(
        text("SELECT survey_id, id FROM survey_version ORDER BY id DESC LIMIT 1")
    ).one()
    db.session.commit()
    response_rows, answer_rows = make_rows(answers, survey_id, version_id, seed=seed)
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        # No counts are kept yet: the triggers that mark changed days stay off.
        for table in ("survey_response", "answer"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for table, columns, rows in (
            ("survey_response", RESPONSE_COLUMNS, response_rows),
            ("answer", ANSWER_COLUMNS, answer_rows),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for table in ("survey_response", "answer"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('survey_response', 'id'), "
            "(SELECT max(id) FROM survey_response))"
        )
        connection.commit()
        # What autovacuum does for a running server: statistics for the planner and
        # a visibility map, so that index-only scans need not visit the table.
        driver = connection.driver_connection
        assert driver is not None  # a checked-out connection has its driver's
        driver.autocommit = True  # VACUUM runs outside a transaction
        cursor.execute("VACUUM ANALYZE")
        driver.autocommit = False
    finally:
        connection.close()
    return len(response_rows), time.perf_counter() - began


def postgresql_database(server: str) -> str:
    """A fresh database ``cat_survey_bench`` on the server ``server`` names."""
    url = make_url(server)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "cat_survey_bench"'))
        connection.execute(text('CREATE DATABASE "cat_survey_bench"'))
    admin.dispose()
    return url.set(database="cat_survey_bench").render_as_string(hide_password=False)


def answer_count(path: Path) -> int | None:
    """How many answers a kept benchmark file holds (None if it has no table)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM answer").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def median_seconds(action: Callable[[], object]) -> float:
    """Median wall time of ``RUNS`` calls."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def emptied_then(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes right after every kept count was deleted."""
    db.session.execute(delete(ScoreTally))
    db.session.commit()
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def back_dated_then(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes after one answer was added to June 2023."""
    db.session.execute(
        text(
            "INSERT INTO answer (response_id, question_id, question_type, position, "
            "number_value, answered_at) SELECT id, 'late', 'csat', 9, 5, started_at "
            "FROM survey_response WHERE started_at >= '2023-06-10' "
            "AND started_at < '2023-06-11' LIMIT 1"
        )
    )
    db.session.commit()
    began = time.perf_counter()
    action()
    seconds = time.perf_counter() - began
    db.session.execute(text("DELETE FROM answer WHERE question_id = 'late'"))
    db.session.commit()
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Build the database, time the dashboard and the baseline, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the database here and keep it")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="a PostgreSQL server (postgresql+psycopg://...): a database "
        "cat_survey_bench is made on it and measured instead of SQLite",
    )
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        path = options.keep or Path(folder) / "bench.sqlite"
        postgresql = options.postgresql
        reuse = (
            not postgresql and path.exists() and answer_count(path) == options.answers
        )
        if not reuse and not postgresql:
            path.unlink(missing_ok=True)
        url = postgresql_database(postgresql) if postgresql else f"sqlite:///{path}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": folder,
                "TESTING": True,
            }
        )
        with app.app_context():
            if reuse:
                print(f"reusing {path} ({options.answers:,} answers)")
                db.create_all()  # tables a newer schema added (the kept counts)
            else:
                db.create_all()
                load_survey_file(SURVEY_FILE)
                db.session.commit()
                if postgresql:
                    responses, seconds = fill_postgresql(options.answers)
                else:
                    db.engine.dispose()
                    responses, seconds = fill(path, options.answers)
                print(
                    f"filled {responses:,} responses / {responses * 4:,} answers "
                    f"in {seconds:.1f} s"
                )

            filters = Filters(
                start=FIRST_DAY,
                end=date(2024, 12, 31),
                period="month",
                breakdown="segment",
            )
            overview = nps_overview(filters)
            assert len(overview.series) == MONTHS, len(overview.series)

            def baseline() -> int:
                return db.session.scalar(text("SELECT count(*) FROM answer"))

            def html() -> None:
                data_cache().clear()
                build_dashboard(filters, now=NOW)

            def revisit() -> None:
                shown = build_dashboard(filters, now=NOW)
                # The charts the page asks for: an empty panel has none.
                for name in CHARTS:
                    if name not in shown.empty:
                        cached_chart(name, filters, now=NOW)

            def page() -> None:
                chart_cache().clear()
                data_cache().clear()
                revisit()

            page()  # warm matplotlib (fonts, style) once, as a running server is
            base = median_seconds(baseline)
            measured = {
                "page": median_seconds(page),
                "html": median_seconds(html),
                "revisit": median_seconds(revisit),
                "queries": median_seconds(lambda: nps_overview(filters)),
            }
            print(f"baseline SELECT count(*) FROM answer: {base * 1000:8.1f} ms")
            for name, value in measured.items():
                print(
                    f"{name:8} {MONTHS} months + segment breakdown: "
                    f"{value * 1000:8.1f} ms  ratio {value / base:6.1f}x baseline"
                )
            once = {"cold": emptied_then(page), "one month": back_dated_then(page)}
            for name, value in once.items():
                print(
                    f"{name:9} once: {value * 1000:8.1f} ms  "
                    f"ratio {value / base:6.1f}x baseline"
                )
            # Where a page spends its time, one call each.
            parts: dict[str, Callable[[], object]] = {
                "kept + running month": partial(
                    dashboard_series, filters, today=utc_today(NOW)
                ),
                "every month counted": partial(count_periods, filters),
                "excluded": partial(excluded_responses, filters),
                "data_start": lambda: data_start(filters),
            }
            data = load_data(filters, utc_today(NOW))
            parts |= {f"{name} chart": partial(CHARTS[name], data) for name in CHARTS}
            spent = []
            for name, action in parts.items():
                began = time.perf_counter()
                action()
                spent.append(f"{name} {(time.perf_counter() - began) * 1000:.0f}")
            print("one call each, ms: " + ", ".join(spent))
            verdict = "under" if measured["page"] < TARGET_SECONDS else "OVER"
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(
                f"page {verdict} the {TARGET_SECONDS:.0f} s target "
                f"(load average {load} on {os.cpu_count()} cores)"
            )
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
