"""case outcome summary: the reply and the transfers kept on the case

Revision ID: d4e9a2b6c8f1
Revises: b8d3f5a9c2e7
Create Date: 2026-11-24 23:00:00

The monthly export read each case's reply (答复意见 or 不予受理理由) and transfers (转办) from
its events, three lookups a case among millions of events; the case operations now keep them
on the case as they happen. Existing cases are filled in from their events here.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e9a2b6c8f1'
down_revision = 'b8d3f5a9c2e7'
branch_labels = None
depends_on = None

FROM_EVENTS = """
UPDATE cases SET
    transfers = (
        SELECT count(*) FROM events
        WHERE events.case_id = cases.id AND events.kind = 'transferred'
    ),
    transferred_at = (
        SELECT max(events.at) FROM events
        WHERE events.case_id = cases.id AND events.kind = 'transferred'
    ),
    reply = (
        SELECT events.text FROM events
        WHERE events.case_id = cases.id AND events.kind IN ('closed', 'declined')
        ORDER BY events.id DESC LIMIT 1
    )
"""


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfers', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('transferred_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=True))
    op.execute(FROM_EVENTS)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('reply')
        batch_op.drop_column('transferred_at')
        batch_op.drop_column('transfers')
