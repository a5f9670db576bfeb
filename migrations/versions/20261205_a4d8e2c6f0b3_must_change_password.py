"""must change password: an account whose password someone else set chooses its own first

Revision ID: a4d8e2c6f0b3
Revises: c7e2a9d4f1b8
Create Date: 2026-12-05 08:00:00

Set by a reset (a manager's, or the administrator's once approved); cleared when the account
changes its own password. The audit log's new action needs no schema change (a plain VARCHAR).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4d8e2c6f0b3'
down_revision = 'c7e2a9d4f1b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
