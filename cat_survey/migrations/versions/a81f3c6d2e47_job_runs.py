"""job runs: one row per scheduled job and period, claimed by one worker

Revision ID: a81f3c6d2e47
Revises: b7c41e0a9d2f
Create Date: 2026-12-01 00:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cat_survey.db


# revision identifiers, used by Alembic.
revision = 'a81f3c6d2e47'
down_revision = 'b7c41e0a9d2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', cat_survey.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', cat_survey.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', cat_survey.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_job_run_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_job_run_job_period'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_lease_until'), ['lease_until'], unique=False)


def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_lease_until'))

    op.drop_table('job_run')
