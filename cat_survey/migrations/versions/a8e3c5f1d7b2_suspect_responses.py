"""suspect responses: source hash, integrity and reason; audited review decisions

Revision ID: a8e3c5f1d7b2
Revises: e5a1c7d3b9f2
Create Date: 2026-12-01 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e3c5f1d7b2'
down_revision = 'e5a1c7d3b9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('integrity', sa.String(length=20), server_default='genuine', nullable=False))
        batch_op.add_column(sa.Column('suspect_reason', sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_survey_response_integrity_valid'),
            "integrity IN ('genuine', 'suspect', 'released', 'discarded')",
        )
        batch_op.create_index('ix_survey_response_source', ['survey_id', 'source_hash', 'started_at'], unique=False)

    with op.batch_alter_table('admin_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_admin_event_response_id'), ['response_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_admin_event_response_id_survey_response'), 'survey_response', ['response_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('admin_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_admin_event_response_id_survey_response'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_admin_event_response_id'))
        batch_op.drop_column('response_id')

    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_source')
        batch_op.drop_constraint(op.f('ck_survey_response_integrity_valid'), type_='check')
        batch_op.drop_column('suspect_reason')
        batch_op.drop_column('integrity')
        batch_op.drop_column('source_hash')
