"""responses record whether their identity is verified (invitation or signed link)

Responses from public links and the API without an invitation took their
customer reference from a URL anyone can type: they become unverified, and their
``customer_ref`` column is emptied (the value stays in ``hidden``), so they no
longer join a customer's privacy export or erase, nor show as a contact.

Revision ID: e5a1c7d3b9f2
Revises: d3d591eee521
Create Date: 2026-12-01 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c7d3b9f2'
down_revision = 'd3d591eee521'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'identity_verified',
                sa.Boolean(),
                nullable=False,
                server_default=sa.true(),
            )
        )
    response = sa.table(
        'survey_response',
        sa.column('identity_verified', sa.Boolean()),
        sa.column('customer_ref', sa.String()),
        sa.column('invitation_id', sa.Integer()),
        sa.column('channel', sa.String()),
    )
    op.execute(
        response.update()
        .where(
            response.c.invitation_id.is_(None),
            response.c.channel.in_(['web', 'api']),
        )
        .values(identity_verified=False, customer_ref=None)
    )


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_column('identity_verified')
