"""random references: the monthly reference counter is gone

Revision ID: f2a7c4e9b1d3
Revises: d4e9a2b6c8f1
Create Date: 2026-12-05 08:00:00

Reference numbers are now drawn at random within their month (feedback/receipts.py): one
counter for all bodies let anyone holding two receipts count the cases sent elsewhere. Existing
references stay as they are. Going back, each month's counter starts past its highest number.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2a7c4e9b1d3'
down_revision = 'd4e9a2b6c8f1'
branch_labels = None
depends_on = None

PAST_EVERY_NUMBER = """
INSERT INTO reference_counters (month, last)
SELECT substr(reference, 1, 7), max(CAST(substr(reference, 9) AS INTEGER))
FROM cases GROUP BY substr(reference, 1, 7)
"""


def upgrade():
    op.drop_table('reference_counters')


def downgrade():
    op.create_table('reference_counters',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_reference_counters'))
    )
    op.execute(PAST_EVERY_NUMBER)
