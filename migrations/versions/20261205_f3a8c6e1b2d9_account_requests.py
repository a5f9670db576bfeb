"""account requests: account changes that wait for a manager's approval

Revision ID: f3a8c6e1b2d9
Revises: f3a8c6d1e9b2
Create Date: 2026-12-05 08:00:00

The administrator may no longer, alone, open a way into a body's cases: creating, reactivating,
resetting the password or second factor of an account in a body, or moving an account into one,
waits for the approval of an active manager of that body (feedback.staff.approvals). A body without an
active manager takes the change at once; it is kept here and shown to each manager until they
acknowledge it. The audit log's new actions need no schema change (a plain VARCHAR).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3a8c6e1b2d9'
down_revision = 'f3a8c6d1e9b2'
branch_labels = None
depends_on = None

KINDS = ('create', 'reactivate', 'reset_password', 'reset_two_factor', 'move')
STATES = ('pending', 'approved', 'rejected', 'unapproved')


def upgrade():
    op.create_table('account_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='requestkind', native_enum=False, length=20), nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='requeststate', native_enum=False, length=20), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('from_body_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=40), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_account_requests_account_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_account_requests_body_id_bodies')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_account_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_body_id'], ['bodies.id'], name=op.f('fk_account_requests_from_body_id_bodies')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_account_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_requests'))
    )
    op.create_index('ix_account_requests_body_state', 'account_requests', ['body_id', 'state'], unique=False)
    op.create_table('account_request_acknowledgements',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['account_requests.id'], name=op.f('fk_account_request_acknowledgements_request_id_account_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_request_acknowledgements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'user_id', name=op.f('pk_account_request_acknowledgements'))
    )


def downgrade():
    op.drop_table('account_request_acknowledgements')
    op.drop_index('ix_account_requests_body_state', table_name='account_requests')
    op.drop_table('account_requests')
