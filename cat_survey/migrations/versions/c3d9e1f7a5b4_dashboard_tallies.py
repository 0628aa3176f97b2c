"""dashboard tallies: cached counts of finished periods, and the days that changed

Adds score_tally (the dashboard's counts of one finished period per scope) and
tally_day (how often each UTC day's answers changed), and the triggers on
survey_response and answer that keep tally_day. ix_survey_response_scores gains
integrity and segment, and ix_survey_response_started is new: a narrow range
(the running month) is read from them alone. The trigger statements are a
frozen copy of cat_survey/tally_days.py at this revision.

Revision ID: c3d9e1f7a5b4
Revises: e5a7c9b1d3f2
Create Date: 2026-12-01 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cat_survey.db


# revision identifiers, used by Alembic.
revision = 'c3d9e1f7a5b4'
down_revision = 'e5a7c9b1d3f2'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER IF NOT EXISTS tally_survey_response_insert AFTER INSERT ON survey_response FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(NEW.started_at) AS day UNION SELECT date(NEW.completed_at))
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tally_survey_response_update AFTER UPDATE ON survey_response FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(OLD.started_at) AS day UNION SELECT date(OLD.completed_at))
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;

        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(NEW.started_at) AS day UNION SELECT date(NEW.completed_at))
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tally_survey_response_delete AFTER DELETE ON survey_response FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(OLD.started_at) AS day UNION SELECT date(OLD.completed_at))
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tally_answer_insert AFTER INSERT ON answer FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(started_at) AS day FROM survey_response WHERE id = NEW.response_id UNION SELECT date(completed_at) FROM survey_response WHERE id = NEW.response_id)
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tally_answer_update AFTER UPDATE ON answer FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(started_at) AS day FROM survey_response WHERE id = OLD.response_id UNION SELECT date(completed_at) FROM survey_response WHERE id = OLD.response_id)
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;

        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(started_at) AS day FROM survey_response WHERE id = NEW.response_id UNION SELECT date(completed_at) FROM survey_response WHERE id = NEW.response_id)
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS tally_answer_delete AFTER DELETE ON answer FOR EACH ROW BEGIN 
        INSERT INTO tally_day (day, generation)
        SELECT day, 1 FROM (SELECT date(started_at) AS day FROM survey_response WHERE id = OLD.response_id UNION SELECT date(completed_at) FROM survey_response WHERE id = OLD.response_id)
        WHERE day IS NOT NULL AND day < date('now', '-1 day')
        ON CONFLICT (day) DO UPDATE SET generation = generation + 1;
     END
    """,
]

POSTGRESQL_TRIGGERS = [
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
    """
    DROP TRIGGER IF EXISTS tally_response ON survey_response
    """,
    """
    CREATE TRIGGER tally_response AFTER INSERT OR UPDATE OR DELETE
    ON survey_response FOR EACH ROW EXECUTE FUNCTION tally_response_changed()
    """,
    """
    DROP TRIGGER IF EXISTS tally_answer ON answer
    """,
    """
    CREATE TRIGGER tally_answer AFTER INSERT OR UPDATE OR DELETE
    ON answer FOR EACH ROW EXECUTE FUNCTION tally_answer_changed()
    """,
]

SQLITE_DROPS = [
    f"DROP TRIGGER IF EXISTS tally_{table}_{event}"
    for table in ("survey_response", "answer")
    for event in ("insert", "update", "delete")
]

POSTGRESQL_DROPS = [
    "DROP TRIGGER IF EXISTS tally_response ON survey_response",
    "DROP TRIGGER IF EXISTS tally_answer ON answer",
    "DROP FUNCTION IF EXISTS tally_response_changed()",
    "DROP FUNCTION IF EXISTS tally_answer_changed()",
    "DROP FUNCTION IF EXISTS tally_bump(date[])",
]


def statements(sqlite, postgresql):
    return postgresql if op.get_bind().dialect.name == "postgresql" else sqlite


def upgrade():
    op.create_table('score_tally',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('tallies', sa.JSON(), nullable=False),
    sa.Column('counted_at', cat_survey.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'period', 'period_start', name=op.f('pk_score_tally'))
    )
    op.create_table('tally_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_tally_day'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_scores')
        batch_op.create_index('ix_survey_response_scores', ['status', 'completed_at', 'survey_id', 'integrity', 'segment'], unique=False)
        batch_op.create_index('ix_survey_response_started', ['started_at', 'status', 'integrity', 'survey_id', 'segment'], unique=False)
    # After the index changes: a batch that copied the table would drop triggers.
    for statement in statements(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS):
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_started')
        batch_op.drop_index('ix_survey_response_scores')
        batch_op.create_index('ix_survey_response_scores', ['status', 'completed_at', 'survey_id'], unique=False)
    for statement in statements(SQLITE_DROPS, POSTGRESQL_DROPS):
        op.execute(statement)
    op.drop_table('tally_day')
    op.drop_table('score_tally')
