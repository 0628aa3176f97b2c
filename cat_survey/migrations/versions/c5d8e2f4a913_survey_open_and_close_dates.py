"""survey open and close dates

Revision ID: c5d8e2f4a913
Revises: c4e1f0a7b9d3
Create Date: 2026-12-01 00:35:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cat_survey.db


# revision identifiers, used by Alembic.
revision = 'c5d8e2f4a913'
down_revision = 'c4e1f0a7b9d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', cat_survey.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', cat_survey.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
