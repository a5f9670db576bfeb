"""item verdicts: a citizen's one-tap answer whether an item's rectification is real (属实/不属实/不了解)

Revision ID: 859eaf52fb18
Revises: e1b5c9d3a7f2
Create Date: 2026-12-05 16:30:00

Only an addition: the previous release keeps working while the upgrade runs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '859eaf52fb18'
down_revision = 'e1b5c9d3a7f2'
branch_labels = None
depends_on = None

VERDICTS = ('true', 'untrue', 'unknown')


def upgrade():
    op.create_table('item_verdicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('verdict', sa.Enum(*VERDICTS, name='verdict', native_enum=False, length=20), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_verdicts_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_verdicts')),
    sa.UniqueConstraint('item_id', 'browser_hash', name=op.f('uq_item_verdicts_item_id'))
    )


def downgrade():
    op.drop_table('item_verdicts')
