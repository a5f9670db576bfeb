"""notice information and body email: hotlines and websites a notice gives, a body's mailbox

Revision ID: b5e1d7a3c9f4
Revises: 7c3e9a1f5b20
Create Date: 2026-12-05 11:50:00

A notice's closing often points to channels of no one body (12388, a website); they are kept on
the notice and shown to citizens, never made into a receiving body. A body's e-mail mailbox, when
the notice gives one, is kept beside its phone and address.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e1d7a3c9f4'
down_revision = '7c3e9a1f5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices') as batch_op:
        batch_op.add_column(sa.Column('information', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('bodies') as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=120), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('bodies') as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('notices') as batch_op:
        batch_op.drop_column('information')
