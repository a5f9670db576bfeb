"""an index for the follow-up questions awaiting an answer, so the inbox stays fast at any size

Revision ID: b7e3d1f9a2c4
Revises: 181322392ab6
Create Date: 2026-12-05 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e3d1f9a2c4'
down_revision = '181322392ab6'
branch_labels = None
depends_on = None

WAITING = sa.text("follow_up_at IS NOT NULL AND answered_at IS NULL")


def upgrade():
    op.create_index(
        'ix_cases_awaiting_answer', 'cases', ['body_id', 'follow_up_at'],
        sqlite_where=WAITING, postgresql_where=WAITING,
    )


def downgrade():
    op.drop_index('ix_cases_awaiting_answer', table_name='cases')
