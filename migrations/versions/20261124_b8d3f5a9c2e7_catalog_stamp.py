"""catalog stamp: one row that changes whenever the published catalog does

Revision ID: b8d3f5a9c2e7
Revises: e6b4a7c1d9f2
Create Date: 2026-11-24 21:00:00

Each worker keeps the published notices in memory and reloads them when this stamp differs
from the one it loaded with (feedback/notices/catalog.py).
"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d3f5a9c2e7'
down_revision = 'e6b4a7c1d9f2'
branch_labels = None
depends_on = None


def upgrade():
    stamps = op.create_table(
        'catalog_stamps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_stamps')),
    )
    op.bulk_insert(stamps, [{'id': 1, 'stamp': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('catalog_stamps')
