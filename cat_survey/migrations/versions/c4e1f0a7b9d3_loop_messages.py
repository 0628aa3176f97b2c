"""loop messages: the once-per-respondent "what changed" e-mails of resolved themes

Revision ID: c4e1f0a7b9d3
Revises: a81f3c6d2e47
Create Date: 2026-12-01 00:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import cat_survey.db


# revision identifiers, used by Alembic.
revision = 'c4e1f0a7b9d3'
down_revision = 'a81f3c6d2e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loop_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', cat_survey.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unsubscribed_at', cat_survey.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_loop_message_notification_id_notification'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_loop_message_response_id_survey_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_loop_message_sender_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_loop_message_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loop_message')),
    sa.UniqueConstraint('theme_id', 'response_id', name=op.f('uq_loop_message_theme_id_response_id')),
    sa.UniqueConstraint('token', name=op.f('uq_loop_message_token'))
    )
    with op.batch_alter_table('loop_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loop_message_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_loop_message_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loop_message_theme_id'), ['theme_id'], unique=False)


def downgrade():
    with op.batch_alter_table('loop_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loop_message_theme_id'))
        batch_op.drop_index(batch_op.f('ix_loop_message_response_id'))
        batch_op.drop_index(batch_op.f('ix_loop_message_email'))

    op.drop_table('loop_message')
