"""login failures: an index per address and time, for the per-address throttle

Revision ID: e5a7c9b1d3f2
Revises: a8e3c5f1d7b2
Create Date: 2026-12-01 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cat_survey.db


# revision identifiers, used by Alembic.
revision = 'e5a7c9b1d3f2'
down_revision = 'a8e3c5f1d7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_ip_at', ['ip', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_ip_at')
