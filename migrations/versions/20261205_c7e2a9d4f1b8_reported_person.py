"""reported person: whom a report of misconduct names (name, unit, post), each optional

Revision ID: c7e2a9d4f1b8
Revises: c8e2f6a4d1b7
Create Date: 2026-12-05 14:00:00

A 检举控告 may name the person it is about; the citizen fills in what they know. The columns are
on the case, so that retention deletes them with it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7e2a9d4f1b8'
down_revision = 'c8e2f6a4d1b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('reported_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reported_unit', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('reported_post', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('reported_post')
        batch_op.drop_column('reported_unit')
        batch_op.drop_column('reported_name')
