"""Which days' answers changed: database triggers that keep ``tally_day`` current.

The dashboard keeps the counts of finished periods (``score_tally``, see
:mod:`cat_survey.reports.tallies`) and must know when one of them stops being
true. Answers and responses are written from many places (the conversation, the
API, ``import-responses``, suspect review, privacy erasure and retention, the
demo), through the ORM, Core statements and bulk deletes, in several processes:
only the database sees all of them. So a trigger on ``survey_response`` and one
on ``answer`` add 1 to the ``tally_day`` row of every UTC day a changed row
belongs to (the response's ``started_at`` and ``completed_at`` days, before and
after the change). A cached period is valid while the sum of its days' counters
is the one it was counted at.

Days of today and yesterday (by the database's clock) are not counted: the
dashboard never caches a period that ended less than two days ago, so writes
to the running period, nearly all of them, touch no shared row and never wait
on one another.

:func:`install_triggers` creates them on SQLite and PostgreSQL; the migration
that adds ``tally_day`` carries a frozen copy of the same statements.
"""

from typing import Any

from sqlalchemy import Connection, text

#: SQLite: one INSERT ... ON CONFLICT per changed row, over its non-null days.
SQLITE_BUMP = """
    INSERT INTO tally_day (day, generation)
    SELECT day, 1 FROM ({days})
    WHERE day IS NOT NULL AND day < date('now', '-1 day')
    ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
"""


def sqlite_days(row: str) -> str:
    """The UTC days of a response row (``NEW`` or ``OLD``) as a SELECT."""
    return f"SELECT date({row}.started_at) AS day UNION SELECT date({row}.completed_at)"


def sqlite_answer_days(row: str) -> str:
    """The UTC days of an answer row's response as a SELECT."""
    # ``row`` is NEW or OLD, written by this module, never input.
    return (
        "SELECT date(started_at) AS day FROM survey_response "  # nosec B608
        f"WHERE id = {row}.response_id "
        "UNION SELECT date(completed_at) FROM survey_response "
        f"WHERE id = {row}.response_id"
    )


def sqlite_statements() -> list[str]:
    """CREATE TRIGGER statements for SQLite: insert, update, delete on both tables."""
    statements = []
    for table, days in (
        ("survey_response", sqlite_days),
        ("answer", sqlite_answer_days),
    ):
        for event, rows in (
            ("INSERT", ("NEW",)),
            ("UPDATE", ("OLD", "NEW")),
            ("DELETE", ("OLD",)),
        ):
            body = "".join(SQLITE_BUMP.format(days=days(row)) for row in rows)
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS tally_{table}_{event.lower()} "
                f"AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END"
            )
    return statements


#: PostgreSQL: one function adds 1 to a list of days, two trigger functions
#: find the days of a response or of an answer's response.
POSTGRESQL_STATEMENTS = [
    """
    CREATE OR REPLACE FUNCTION tally_bump(days date[]) RETURNS void AS $$
    BEGIN
        INSERT INTO tally_day (day, generation)
        SELECT DISTINCT d, 1 FROM unnest(days) AS d
        WHERE d IS NOT NULL AND d < (now() AT TIME ZONE 'UTC')::date - 1
        ORDER BY 1
        ON CONFLICT (day) DO UPDATE SET generation = tally_day.generation + 1;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION tally_response_changed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM tally_bump(ARRAY[(OLD.started_at AT TIME ZONE 'UTC')::date,
                                     (OLD.completed_at AT TIME ZONE 'UTC')::date]);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM tally_bump(ARRAY[(NEW.started_at AT TIME ZONE 'UTC')::date,
                                     (NEW.completed_at AT TIME ZONE 'UTC')::date]);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION tally_answer_changed() RETURNS trigger AS $$
    DECLARE
        ids integer[];
    BEGIN
        IF TG_OP = 'INSERT' THEN
            ids := ARRAY[NEW.response_id];
        ELSIF TG_OP = 'DELETE' THEN
            ids := ARRAY[OLD.response_id];
        ELSE
            ids := ARRAY[OLD.response_id, NEW.response_id];
        END IF;
        PERFORM tally_bump(ARRAY(
            SELECT (started_at AT TIME ZONE 'UTC')::date FROM survey_response
            WHERE id = ANY(ids)
            UNION
            SELECT (completed_at AT TIME ZONE 'UTC')::date FROM survey_response
            WHERE id = ANY(ids)
        ));
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS tally_response ON survey_response",
    """
    CREATE TRIGGER tally_response AFTER INSERT OR UPDATE OR DELETE
    ON survey_response FOR EACH ROW EXECUTE FUNCTION tally_response_changed()
    """,
    "DROP TRIGGER IF EXISTS tally_answer ON answer",
    """
    CREATE TRIGGER tally_answer AFTER INSERT OR UPDATE OR DELETE
    ON answer FOR EACH ROW EXECUTE FUNCTION tally_answer_changed()
    """,
]


def trigger_statements(dialect: str) -> list[str]:
    """The statements that install the triggers on ``dialect``."""
    if dialect == "postgresql":
        return POSTGRESQL_STATEMENTS
    if dialect == "sqlite":
        return sqlite_statements()
    raise ValueError(f"no tally triggers for {dialect!r}")


def install_triggers(target: Any, connection: Connection, **_: Any) -> None:
    """Create the triggers (an ``after_create`` listener of the metadata).

    ``db.create_all()`` (the benchmark, scripts that skip migrations) installs
    them through this listener; the migrations install the same triggers.
    """
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(text(statement))
