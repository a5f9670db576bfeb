"""indexes for scale: the inbox's filters and the all-bodies monthly export walk an index

Revision ID: e6b4a7c1d9f2
Revises: c5d2e8f4a1b6
Create Date: 2026-11-24 19:00:00

With millions of cases, a filtered inbox page (status, kind or item) and the monthly export of
every body must read only the rows they show, in index order: see feedback/inbox/queries.py
and PERFORMANCE.md. On a large PostgreSQL table, build them first by hand with CREATE INDEX
CONCURRENTLY under the same names if the table must stay writable meanwhile.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6b4a7c1d9f2'
down_revision = 'c5d2e8f4a1b6'
branch_labels = None
depends_on = None

# Only open cases have a deadline: this one stays as small as the open cases, and holds every
# column the inbox filters on, so the overdue part of a page never reads the table to filter.
OPEN_DUE = ['body_id', 'due_at', 'status', 'kind', 'item_id', 'received_at']
OPEN = sa.text('due_at IS NOT NULL')

INDEXES = {
    'ix_cases_body_status_received': ['body_id', 'status', 'received_at'],
    'ix_cases_body_kind_received': ['body_id', 'kind', 'received_at'],
    'ix_cases_body_item_received': ['body_id', 'item_id', 'received_at'],
    'ix_cases_received_at': ['received_at'],
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_body_due')
        batch_op.create_index(
            'ix_cases_open_due', OPEN_DUE, unique=False, sqlite_where=OPEN, postgresql_where=OPEN
        )
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_index('ix_cases_open_due')
        batch_op.create_index('ix_cases_body_due', ['body_id', 'due_at'], unique=False)
